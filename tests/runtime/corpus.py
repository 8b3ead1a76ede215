"""The programs of the runtime corpus and what the harness needs to know to run them.

Each program is a folder under ``programs/``; this registry says how to run it (``run``: a
Python file, or a notebook that :mod:`tests.runtime.nbrun` runs cell by cell), which environment
variables carry its endpoints and its keys, and what its output must contain. Nothing in a
program folder knows about the harness: the folder is what gets migrated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PROGRAMS_DIR = Path(__file__).resolve().parent / "programs"

# Kinds of loopback service a variable can point at.
OPENAI = "openai"  # the Azure OpenAI data plane, e.g. https://127.0.0.1:PORT
OPENAI_V1 = "openai-v1"  # the same server, as its OpenAI-compatible base URL .../openai/v1/
SEARCH = "search"  # the Azure AI Search data plane


@dataclass(frozen=True)
class Program:
    name: str
    sdk: str
    shape: str
    run: str
    expect: tuple[str, ...]
    endpoints: dict[str, str]
    keys: dict[str, str]
    extra_env: dict[str, str] = field(default_factory=dict)
    # The program reads a .env file (python-dotenv, pydantic-settings): run (c) applies.
    dotenv: bool = False
    # A pytest marker for the program's test (llama_index: it needs its own environment).
    marker: str | None = None
    # Serve the loopback services over https (every SDK here trusts SSL_CERT_FILE).
    tls: bool = True
    # Runs that cannot pass for a reason outside the code the tool writes, each with the rule id
    # the tool's report must carry for it and why: the run is then "reported" instead of "FAIL"
    # (and still FAIL when the report does not say so).
    limits: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Why run (c) does not apply although the program reads a .env file.
    no_c: str | None = None
    # openai 0.x code: the original runs with openai 0.28 in an environment of its own
    # (``legacy_env``), the migrated copy with this environment's openai.
    openai_v0: bool = False
    # The deployments the Azure OpenAI service has (others get 404); None: any name.
    deployments: tuple[str, ...] | None = None
    # The original gets its (static) token from the identity endpoint: openai 0.x azure_ad.
    original_identity: bool = False

    @property
    def path(self) -> Path:
        return PROGRAMS_DIR / self.name

    @property
    def services(self) -> set[str]:
        return {SEARCH if kind == SEARCH else OPENAI for kind in self.endpoints.values()}


AOAI = {"AZURE_OPENAI_ENDPOINT": OPENAI}
AOAI_KEY = {"AZURE_OPENAI_API_KEY": OPENAI}
VERSION = {"AZURE_OPENAI_API_VERSION": "2024-10-21"}
CHAT = {"AZURE_OPENAI_CHAT_DEPLOYMENT": "gpt-4o"}
EMBED = {"AZURE_OPENAI_EMBEDDING_DEPLOYMENT": "text-embedding-3-small"}

PROGRAMS: list[Program] = [
    Program(
        "openai_quickstart",
        "openai",
        "script, key read inline",
        "main.py",
        ("echo: What is Entra ID?",),
        AOAI,
        AOAI_KEY,
        {**VERSION, **CHAT},
    ),
    Program(
        "openai_key_module_level",
        "openai",
        "key read at module level next to the client (item 1)",
        "summarise.py",
        ("summary: echo: Summarise",),
        {"AOAI_ENDPOINT": OPENAI},
        {"AOAI_KEY": OPENAI},
    ),
    Program(
        "openai_async_batches",
        "openai async",
        "async worker, asyncio.run twice, module client (item 6)",
        "worker.py",
        ("batch 1 done: 2", "batch 2 done: 2"),
        AOAI,
        AOAI_KEY,
        {**VERSION, **CHAT},
    ),
    Program(
        "openai_async_gather",
        "openai async",
        "async with client inside main(), gather",
        "embed_all.py",
        ("embedded 3 texts, 4 dims",),
        AOAI,
        AOAI_KEY,
        EMBED,
    ),
    Program(
        "openai_v1_base_url",
        "openai v1",
        "OpenAI(base_url=.../openai/v1/), key from getenv",
        "main.py",
        ("echo: ping",),
        AOAI,
        AOAI_KEY,
        CHAT,
    ),
    Program(
        "openai_v1_async",
        "openai v1 async",
        'AsyncOpenAI(base_url=f"{endpoint}/openai/v1/") in a factory, closed',
        "main.py",
        ("answer: echo: async ping",),
        AOAI,
        {"AZURE_OPENAI_KEY": OPENAI},
    ),
    Program(
        "openai_module_client",
        "openai module client",
        "openai.api_type = 'azure' set in code",
        "main.py",
        ("echo: module hello",),
        AOAI,
        AOAI_KEY,
        VERSION,
    ),
    Program(
        "openai_module_client_env",
        "openai module client",
        "module client driven only by OPENAI_API_TYPE=azure (item 3)",
        "main.py",
        ("echo: env driven",),
        AOAI,
        AOAI_KEY,
        {"OPENAI_API_TYPE": "azure", "OPENAI_API_VERSION": "2024-10-21"},
        limits={
            run: (
                "module-client-env",
                "only the deployment's environment says Azure (nothing in the code does): left as "
                "it is, and the report says what to set and which variables to unset",
            )
            for run in ("a", "b")
        },
    ),
    Program(
        "guard_missing_list",
        "openai",
        "guard: missing = [v for v in (...) if not os.getenv(v)] (item 2)",
        "main.py",
        ("echo: guarded",),
        {"AOAI_ENDPOINT": OPENAI},
        {"AOAI_KEY": OPENAI},
    ),
    Program(
        "guard_not_all",
        "openai",
        "guard: if not all([KEY, ENDPOINT, ...]) in a config module (item 2)",
        "app.py",
        ("reply: echo: all set",),
        AOAI,
        AOAI_KEY,
        {**VERSION, **CHAT},
        dotenv=True,
    ),
    Program(
        "guard_len_zero",
        "openai",
        "guard: if len(key) == 0: raise (item 2)",
        "main.py",
        ("echo: length checked",),
        AOAI,
        AOAI_KEY,
        CHAT,
    ),
    Program(
        "guard_config_and",
        "openai",
        "guard: if Config.KEY and Config.ENDPOINT: client = ... (item 2)",
        "main.py",
        ("echo: configured",),
        AOAI,
        AOAI_KEY,
        CHAT,
    ),
    Program(
        "guard_assert_environ",
        "litellm",
        'guard: assert "KEY" in os.environ (item 2)',
        "main.py",
        ("echo: asserted",),
        {"AZURE_API_BASE": OPENAI},
        {"AZURE_API_KEY": OPENAI},
        {"AZURE_API_VERSION": "2024-10-21"},
        limits={
            "b": (
                "litellm-env-key",
                "litellm reads AZURE_API_KEY itself whatever api_key says and sends it next to the "
                "token provider: the report names the variable to unset",
            )
        },
    ),
    Program(
        "guard_not_in_environ",
        "openai",
        "guard: if 'KEY' not in os.environ: sys.exit (the recognised form)",
        "main.py",
        ("echo: checked",),
        AOAI,
        AOAI_KEY,
        CHAT,
    ),
    Program(
        "settings_pydantic",
        "openai",
        "pydantic-settings BaseSettings across modules, SecretStr key (item 3)",
        "main.py",
        ("ticket 42: echo: Classify",),
        {"AOAI_ENDPOINT": OPENAI},
        {"AOAI_KEY": OPENAI},
        {"AOAI_DEPLOYMENT": "gpt-4o"},
        dotenv=True,
        no_c="pydantic-settings reads .env into the settings object only; an AZURE_CLIENT_ID "
        "there never reaches the environment the credential reads",
    ),
    Program(
        "settings_dataclass",
        "openai",
        "dataclass config without key default, from_env() (item 3)",
        "main.py",
        ("translated: echo: Bonjour",),
        AOAI,
        AOAI_KEY,
        CHAT,
    ),
    Program(
        "dotenv_in_main",
        "openai",
        "load_dotenv() in main(), client built in main() (item 5)",
        "cli.py",
        ("echo: from main",),
        AOAI,
        AOAI_KEY,
        {**VERSION, **CHAT},
        dotenv=True,
    ),
    Program(
        "dotenv_module_level",
        "openai",
        "load_dotenv() at the top, module-level client",
        "main.py",
        ("echo: dotenv first",),
        AOAI,
        AOAI_KEY,
        {**VERSION, **CHAT},
        dotenv=True,
    ),
    Program(
        "notebook_openai",
        "openai",
        "notebook run cell by cell, %pip magic, key read in its own cell",
        "explore.ipynb",
        ("echo: notebook hello", "dims: 4"),
        AOAI,
        AOAI_KEY,
        {**VERSION, **CHAT, **EMBED},
        dotenv=True,
    ),
    Program(
        "notebook_langchain_async",
        "langchain",
        "notebook with top-level await on the kernel loop",
        "agent.ipynb",
        ("sync: echo: first", "async: echo: second"),
        AOAI,
        AOAI_KEY,
        {**VERSION, **CHAT},
        dotenv=True,
    ),
    Program(
        "wsgi_service",
        "openai",
        "WSGI web app (wsgiref), client at import, two requests",
        "run_app.py",
        ('"answer": "echo: first question"', '"answer": "echo: second question"'),
        AOAI,
        AOAI_KEY,
        {**VERSION, **CHAT},
    ),
    Program(
        "aiohttp_service",
        "openai async",
        "aiohttp web app, AsyncAzureOpenAI made on startup, closed on cleanup",
        "run_app.py",
        ('"reply": "echo: hello service"', '"reply": "echo: again"'),
        AOAI,
        AOAI_KEY,
        {**VERSION, **CHAT},
    ),
    Program(
        "langchain_chat_embed",
        "langchain",
        "AzureChatOpenAI + AzureOpenAIEmbeddings, openai_api_key=",
        "main.py",
        ("chat: echo: Name a colour", "vectors: 2x4"),
        AOAI,
        AOAI_KEY,
        {**VERSION, **CHAT, **EMBED},
    ),
    Program(
        "langchain_env_key",
        "langchain",
        "AzureChatOpenAI with no key argument: SDK reads AZURE_OPENAI_API_KEY (item 4)",
        "main.py",
        ("echo: implicit key",),
        AOAI,
        AOAI_KEY,
        {"OPENAI_API_VERSION": "2024-10-21", **CHAT},
    ),
    Program(
        "semantic_kernel_chat",
        "semantic-kernel",
        "Kernel + AzureChatCompletion, asyncio.run (item 4)",
        "main.py",
        ("kernel: echo: Tell me a joke",),
        AOAI,
        AOAI_KEY,
        CHAT,
    ),
    Program(
        "autogen_client",
        "autogen",
        "AzureOpenAIChatCompletionClient, asyncio.run, client closed",
        "main.py",
        ("autogen: echo: plan",),
        AOAI,
        AOAI_KEY,
        {**VERSION, **CHAT},
    ),
    Program(
        "search_query",
        "azure-search",
        "SearchClient, cred = AzureKeyCredential(os.getenv(...)) (item 1)",
        "main.py",
        ("hits: 2", "Harbour Luxury Suites"),
        {"AZURE_SEARCH_ENDPOINT": SEARCH},
        {"AZURE_SEARCH_KEY": SEARCH},
        {"AZURE_SEARCH_INDEX": "hotels"},
    ),
    Program(
        "search_rag",
        "azure-search + openai",
        "RAG service split across modules: search then chat",
        "main.py",
        ("sources: 2", "answer: echo: Question: luxury"),
        {"AZURE_SEARCH_ENDPOINT": SEARCH, "AZURE_OPENAI_ENDPOINT": OPENAI},
        {"AZURE_SEARCH_API_KEY": SEARCH, "AZURE_OPENAI_API_KEY": OPENAI},
        {"AZURE_SEARCH_INDEX": "hotels", **CHAT},
    ),
    Program(
        "search_async",
        "azure-search aio",
        "async SearchClient per request, asyncio.run twice",
        "main.py",
        ("run 1: 2 hits", "run 2: 1 hits"),
        {"SEARCH_SERVICE_ENDPOINT": SEARCH},
        {"SEARCH_QUERY_KEY": SEARCH},
    ),
    Program(
        "inference_chat",
        "azure-ai-inference",
        "ChatCompletionsClient + AzureKeyCredential(key) on the v1 endpoint",
        "main.py",
        ("echo: How many feet in a mile?",),
        {"AZURE_OPENAI_ENDPOINT": OPENAI_V1},
        {"AZURE_INFERENCE_KEY": OPENAI},
    ),
    Program(
        "haystack_pipeline",
        "haystack",
        "AzureOpenAIChatGenerator + text embedder, Secret.from_env_var",
        "main.py",
        ("generator: echo: Haystack", "embedding: 4"),
        AOAI,
        AOAI_KEY,
        {**CHAT, **EMBED},
    ),
    Program(
        "litellm_completion",
        "litellm",
        "litellm.completion and embedding with api_key=",
        "main.py",
        ("completion: echo: lite", "embedding: 4"),
        {"AZURE_API_BASE": OPENAI},
        {"AZURE_API_KEY": OPENAI},
        {"AZURE_API_VERSION": "2024-10-21"},
        limits={
            "b": (
                "litellm-env-key",
                "litellm reads AZURE_API_KEY itself whatever api_key says and sends it next to the "
                "token provider: the report names the variable to unset",
            )
        },
    ),
    Program(
        "llama_index_llm",
        "llama-index",
        "LlamaIndex AzureOpenAI LLM (item 7; its own environment)",
        "main.py",
        ("llm: echo: ",),
        AOAI,
        AOAI_KEY,
        {**VERSION, **CHAT},
        marker="llama_index",
        limits={
            run: (
                "llama-index-openai-3",
                "with use_azure_ad=True llama-index copies the token into api_key, so openai 2.x "
                "sends an api-key header next to the bearer token, and no argument stops it: "
                "the report says so",
            )
            for run in ("a", "b")
        },
    ),
]

V0_KEY = {"AZURE_OPENAI_KEY": OPENAI}


def _v0(name: str, shape: str, run: str, expect: tuple[str, ...], **more) -> Program:
    """An openai 0.x program: run as written with openai 0.28, migrated to the 1.x client."""
    keys = more.pop("keys", V0_KEY)
    return Program(
        name, "openai 0.x", shape, run, expect, AOAI, keys, marker="openai_v0", openai_v0=True,
        **more,
    )  # fmt: skip


# openai 0.x Azure code (2023 samples and notebooks), rewritten to the 1.x client in one run.
V0_PROGRAMS = [
    _v0("v0_chat", "ChatCompletion.create, response read by subscripts", "main.py",
        ("echo: What is Entra ID?", "tokens used: 8")),
    _v0("v0_completion", "Completion.create(deployment_id=, request_timeout=)", "main.py",
        ("echo: Write a tagline for a bakery [stop]",)),
    _v0("v0_embeddings", "Embedding.create, a comprehension over data", "main.py",
        ("3 vectors of 4 dims, first dot 1.328125",)),
    _v0("v0_stream", "stream=True, 'content' in delta, delta.get", "main.py",
        ("echo: tell me a story", "streamed 21 characters")),
    _v0("v0_async", "await ChatCompletion.acreate under asyncio.gather", "main.py",
        ("echo: Summarise: second document", "3 summaries")),
    _v0("v0_async_stream", "async for over await acreate(stream=True)", "main.py",
        ("answer: echo: async streaming works",)),
    _v0("v0_errors", "openai.error.* handlers, e.http_status", "main.py",
        ("invalid request (404)", "echo: hello again"), deployments=("gpt-35-turbo",)),
    _v0("v0_notebook", "notebook: configuration and calls in different cells", "tour.ipynb",
        ("assistant said: echo: hello from a notebook", "dims: 4")),
    _v0("v0_env_type", 'api_type = os.getenv(..., "azure"), python-dotenv', "main.py",
        ("assistant: echo: configured from the environment",), dotenv=True),
    _v0("v0_settings", "configuration from a settings object, a message returned", "app.py",
        ("role: assistant", "content: echo: settings object")),
    _v0("v0_config_file", "api_type from a config file read into a dict, .get chains", "main.py",
        ("config file: echo: read from config.json",)),
    _v0("v0_azure_ad", "api_type = 'azure_ad' with a static token", "main.py",
        ("echo: signed in with a token",), keys={}, original_identity=True),
    _v0("v0_history", "chat history: response messages appended and sent back", "main.py",
        ("echo: second question", "history: ['system', 'user', 'assistant', 'user', 'assistant']")),
]  # fmt: skip
PROGRAMS += V0_PROGRAMS

BY_NAME = {program.name: program for program in PROGRAMS}
