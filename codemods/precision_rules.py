"""The rules of ``codemods.precision`` (kept apart so the report formats can list them
without loading the parser)."""

# rule id -> (one-line description, report level), for the machine-readable formats.
RULES: dict[str, tuple[str, str]] = {
    "key-fallback-kept": (
        "Code that already offers Entra ID next to the key: the key path is kept as a fallback",
        "note",
    ),
    "key-parameter": (
        "A client whose key is a parameter of reusable code: the caller chooses it",
        "warning",
    ),
    "gateway-key": (
        "An API Management subscription key, not an Azure OpenAI key: change the gateway first",
        "warning",
    ),
    "github-models": (
        "A GitHub Models endpoint: its key is a GitHub token, not an Azure key: left as it is",
        "note",
    ),
    "azure-ad-token": (
        "openai.api_key holds an Entra ID token (openai.api_type = 'azure_ad'): already keyless",
        "note",
    ),
}
