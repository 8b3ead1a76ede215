from typing import Optional

import typer

app = typer.Typer(name="ask")


@app.command()
def login(
    api_key: Optional[str] = typer.Option(None, help="Azure OpenAI API key; omit to use Entra ID"),
    endpoint: str = typer.Option(..., envvar="AZURE_OPENAI_ENDPOINT"),
) -> None:
    typer.echo(f"endpoint {endpoint}, key {'set' if api_key else 'not set'}")
