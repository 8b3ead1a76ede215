"""`batch --pr-body-dir DIR`: one Markdown pull-request description per repository, ready for
``gh pr create --body-file DIR/<repository>.md`` or an API call.

It says what changed and why, what a person must still do, the role assignments to make *before*
merging (the ``az`` commands of ``aoai-migrate roles``), how to check them with
``aoai-migrate verify``, and when to turn key authentication off. Everything in it comes from the
result, whose lines the codemods already wrote with keys masked; each of those lines is masked once
more here (not the role commands: a role definition id is a GUID, not a key).
"""

from __future__ import annotations

import shlex
from pathlib import Path

from codemods.options import MigrationOptions
from migrator import role_formats
from migrator.batch_repo import _mask, write_file
from migrator.batch_results import DONE, MANUAL_ONLY, MIGRATED_STATUS, PATCHED, RepoResult

# Repositories that get a description: a branch or a patch to review, or clients to change by hand.
BODY_STATUSES = (MIGRATED_STATUS, DONE, PATCHED, MANUAL_ONLY)


def verify_command(options: MigrationOptions) -> list[str]:
    """The `aoai-migrate verify` line that checks the identity the migrated code uses."""
    words = ["aoai-migrate", "verify", ".", "--credential", options.credential]
    if options.system_assigned:
        words.append("--system-assigned")
    else:
        words += ["--client-id-env", options.client_id_env]
    if options.cloud != "public":
        words += ["--cloud", options.cloud]
    return words


def _code(item: str) -> str:
    """One finding as inline code: any key masked, no backtick to end the code span early."""
    return _mask(item).replace("`", "'")


def _items(title: str, items: tuple[str, ...] | list[str], empty: str) -> list[str]:
    lines = [f"### {title}", ""]
    lines += [f"- `{_code(item)}`" for item in items] or [empty]
    return lines + [""]


def render(result: RepoResult, options: MigrationOptions) -> str:
    lines = ["## Move Azure OpenAI clients from API keys to Microsoft Entra ID", ""]
    lines += [
        "This change was made by `aoai-migrate`. The clients below no longer send an API key:",
        "they ask Microsoft Entra ID for a token, as the identity that runs the code "
        f"(`{' + '.join(result.identities) or options.credential}`). Keys leak, are shared and are",
        "rotated by hand; a token is short-lived and tied to one identity with one role.",
        "",
    ]
    lines += _items("What changed", result.migrated, "No client was changed automatically.")
    if result.files:
        lines += ["Files changed: " + ", ".join(f"`{f}`" for f in result.files), ""]
    if result.dependency_files:
        lines += [
            "Dependency files updated: " + ", ".join(f"`{f}`" for f in result.dependency_files)
        ]
        lines.append("")
    manual = list(result.manual) + list(result.follow_ups)
    lines += _items("Needs manual work", manual, "Nothing: every client found was migrated.")
    lines += ["### Before merging: assign the roles", ""]
    if result.assignments:
        lines += [
            "The migrated code fails with 401/403 until its identity holds these roles. Set",
            "`PRINCIPAL_ID` and each `*_RESOURCE_ID`, then run:",
            "",
            "```bash",
            role_formats.render_az(list(result.assignments)).rstrip("\n"),
            "```",
            "",
        ]
    else:
        lines += ["No role assignment could be derived from the code.", ""]
    lines += [
        "### Check it",
        "",
        "Where the code will run (or after `az login`, with `--credential chained`), check that",
        "the identity gets a token and can call each resource:",
        "",
        "```bash",
        shlex.join(verify_command(options)),
        "```",
        "",
        "### Turning key authentication off",
        "",
        "Only once this change is deployed everywhere that uses these resources and `verify`",
        "passes there: run the `az resource update ... disableLocalAuth=true` lines at the end",
        "of the role commands above, then rotate the keys (any key still in use stops working).",
        "",
    ]
    return "\n".join(lines)


def body_names(repos: list[str]) -> dict[str, str]:
    from migrator.batch import patch_names

    return {repo: name.removesuffix(".patch") + ".md" for repo, name in patch_names(repos).items()}


def write_bodies(
    results: list[RepoResult], options: MigrationOptions, directory: str
) -> dict[str, str]:
    """DIR/<repository>.md for each repository with something to review; {repository: file}."""
    chosen = [r for r in results if r.status in BODY_STATUSES]
    if not chosen:
        return {}
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    names = body_names([r.repo for r in chosen])
    written = {}
    for r in chosen:
        path = folder / names[r.repo]
        write_file(path, render(r, options).encode("utf-8"))
        written[r.repo] = str(path)
    return written
