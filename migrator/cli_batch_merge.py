"""`aoai-migrate batch merge RESULTS...`: the shards' results files, one rollout table."""

from __future__ import annotations

import typer

from migrator.cli_common import fail
from migrator.report import EXIT_FAILED, EXIT_OK

MERGE_COMMAND = "batch-merge"  # `batch merge ...` is dispatched here (see migrator.cli.main)


def register(app: typer.Typer) -> None:
    app.command(MERGE_COMMAND, hidden=True)(merge_command)


def merge_command(
    results: list[str] = typer.Argument(
        ..., help="The JSON files `batch --shard K/N --summary FILE.json` wrote, one per shard."
    ),
    output_format: str = typer.Option(
        "text", "--format", help="text | csv | json | markdown (for a CI job summary)."
    ),
    output: str | None = typer.Option(
        None, "--output", "-o", help="Write to FILE instead of standard output.", show_default=False
    ),
) -> None:
    """Merge the results of `batch --shard K/N` into one rollout table with totals."""
    from migrator import batch_merge
    from migrator.cli_batch import _write

    if output_format not in batch_merge.MERGE_FORMATS:
        fail(f"--format: choose one of {', '.join(batch_merge.MERGE_FORMATS)}")
    try:
        merged = batch_merge.merge(results)
    except batch_merge.MergeError as exc:
        fail(str(exc), EXIT_FAILED)
    text = batch_merge.RENDER[output_format](merged)
    if output:
        _write(output, text)
    else:
        typer.echo(text, nl=False)
    failed = batch_merge.totals(merged.rows)["by_outcome"]["failed"]
    raise typer.Exit(EXIT_FAILED if failed else EXIT_OK)
