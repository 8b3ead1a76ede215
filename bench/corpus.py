"""The benchmark's corpora, built deterministically from material every machine has.

* ``stdlib``: the running Python's standard library ``.py`` files (no Azure clients in them).
* ``mixed``: the same tree with 1% of its files replaced by generated client modules.
* ``clients``: generated client modules only (at least 200 at full scale, 50-1,500 lines each).

Client modules are built from templates with a seeded RNG: ordinary application code (classes,
dataclasses, functions with docstrings, comprehensions, try/except, f-strings, async code) with
client constructions of the kinds the tool migrates mixed in: ``AzureOpenAI`` /
``AsyncAzureOpenAI`` under several import spellings, v1 ``OpenAI`` / ``AsyncOpenAI`` with an Azure
``base_url``, and wrapper SDKs (``langchain_openai.AzureChatOpenAI``, ``azure.ai.inference``
``ChatCompletionsClient`` with ``AzureKeyCredential``, ``azure.search.documents.SearchClient``).
The same seed gives byte-identical files on every run.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import sysconfig
from dataclasses import dataclass
from pathlib import Path

SEED = 20240607
CLIENT_FILES = 200
MIN_LINES, MAX_LINES = 50, 1500


def stdlib_files() -> list[Path]:
    """The standard library's ``.py`` files, sorted, without site-packages."""
    root = Path(sysconfig.get_paths()["stdlib"])
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in ("site-packages", "__pycache__"))
        for name in sorted(filenames):
            if name.endswith(".py"):
                found.append(Path(dirpath, name))
    return found


def _pick(items: list, scale: float, rng: random.Random) -> list:
    if scale >= 1:
        return list(items)
    count = max(1, round(len(items) * scale))
    return sorted(rng.sample(items, count))


def build_stdlib(dest: Path, scale: float = 1.0) -> list[Path]:
    """Copy (a ``scale`` share of) the standard library into ``dest``; returns the new paths."""
    root = Path(sysconfig.get_paths()["stdlib"])
    files = _pick(stdlib_files(), scale, random.Random(SEED))
    out = []
    for src in files:
        target = dest / src.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        out.append(target)
    return out


def build_mixed(dest: Path, scale: float = 1.0, share: float = 0.01) -> list[Path]:
    """The standard-library tree with ``share`` of its files replaced by client modules."""
    files = build_stdlib(dest, scale)
    rng = random.Random(SEED + 1)
    chosen = sorted(rng.sample(files, max(1, round(len(files) * share))))
    for path in chosen:
        lines = path.read_bytes().count(b"\n")
        path.write_text(client_module(rng, min(max(lines, MIN_LINES), MAX_LINES)), encoding="utf-8")
    return files


def build_clients(dest: Path, count: int = CLIENT_FILES) -> list[Path]:
    """``count`` generated client modules in a small package layout."""
    rng = random.Random(SEED + 2)
    packages = [
        "app",
        "app/services",
        "app/api",
        "workers",
        "pipelines",
        "scripts",
        "notebooks_export",
    ]
    out = []
    for i in range(count):
        lines = int(min(MAX_LINES, max(MIN_LINES, rng.lognormvariate(math.log(330), 0.75))))
        pkg = dest / rng.choice(packages)
        pkg.mkdir(parents=True, exist_ok=True)
        path = pkg / f"{rng.choice(_MODULE_WORDS)}_{i:03d}.py"
        path.write_text(client_module(rng, lines), encoding="utf-8")
        out.append(path)
    return out


def replicate(src: Path, dest: Path, copies: int) -> None:
    """``copies`` copies of the tree ``src`` side by side under ``dest`` (the memory test)."""
    for i in range(copies):
        shutil.copytree(src, dest / f"copy{i}")


def count_lines(paths: list[Path]) -> int:
    return sum(p.read_bytes().count(b"\n") for p in paths)


# -- generated client modules ---------------------------------------------------------------

_MODULE_WORDS = [
    "chat",
    "summarize",
    "embeddings",
    "rag",
    "indexer",
    "agent",
    "support_bot",
    "classifier",
    "translate",
    "extract",
    "router",
    "ingest",
    "evaluate",
    "tools",
    "assistant",
    "search",
]
_NOUNS = [
    "document",
    "order",
    "ticket",
    "message",
    "customer",
    "invoice",
    "chunk",
    "passage",
    "record",
    "session",
    "request",
    "answer",
    "prompt",
    "report",
    "job",
    "item",
    "event",
    "profile",
]
_VERBS = [
    "load",
    "parse",
    "build",
    "render",
    "score",
    "merge",
    "split",
    "clean",
    "fetch",
    "store",
    "validate",
    "normalize",
    "format",
    "collect",
    "resolve",
    "filter",
    "group",
    "export",
]


@dataclass
class _Names:
    rng: random.Random
    used: set

    def fresh(self, kind: str) -> str:
        """A name not used before in this module."""
        for _ in range(20):
            if kind == "func":
                name = f"{self.rng.choice(_VERBS)}_{self.rng.choice(_NOUNS)}s"
            else:
                name = self.rng.choice(_NOUNS).title() + self.rng.choice(
                    [
                        "Store",
                        "Builder",
                        "Parser",
                        "Service",
                        "Pipeline",
                        "Cache",
                        "Index",
                        "Result",
                    ]
                )
            if name not in self.used:
                break
        else:
            name = f"{name}_{len(self.used)}"
        self.used.add(name)
        return name


def _filler_function(n: _Names) -> list[str]:
    rng = n.rng
    name, noun = n.fresh("func"), rng.choice(_NOUNS)
    limit = rng.randint(3, 50)
    body = [
        (
            f"def {name}(items: list[dict], limit: int = {limit}, *, "
            "strict: bool = False) -> list[dict]:"
        ),
        f'    """{name.replace("_", " ").capitalize()} for the given {noun}s.',
        "",
        "    Entries without an id are skipped unless ``strict`` is set, in which case a",
        "    ValueError names the first offending entry.",
        '    """',
        "    out = []",
        "    for index, item in enumerate(items):",
        '        if "id" not in item:',
        "            if strict:",
        f'                raise ValueError(f"{noun} {{index}} has no id: {{item!r}}")',
        "            continue",
        '        key = str(item["id"]).strip().lower()',
        "        if key in seen_keys:",
        "            continue",
        "        seen_keys.add(key)",
        '        out.append({**item, "key": key})',
        "        if len(out) >= limit:",
        "            break",
        '    return sorted(out, key=lambda entry: (entry.get("rank", 0), entry["key"]))',
        "",
        "",
    ]
    body.insert(6, "    seen_keys: set[str] = set()")
    return body


def _filler_comprehensions(n: _Names) -> list[str]:
    rng = n.rng
    name = n.fresh("func")
    a, b = rng.choice(_NOUNS), rng.choice(_NOUNS)
    return [
        f"def {name}(rows):",
        f'    """Group {a}s by {b} and keep totals."""',
        f"    by_{b} = {{}}",
        "    for row in rows:",
        f'        by_{b}.setdefault(row.get("{b}"), []).append(row)',
        f'    totals = {{k: sum(r.get("amount", 0) for r in v) for k, v in by_{b}.items()}}',
        f"    nonempty = [k for k, v in by_{b}.items() if v and totals[k] > {rng.randint(0, 100)}]",
        (
            "    flat = [cell for row in rows for cell in row.values() "
            "if isinstance(cell, (int, float))]"
        ),
        "    return {",
        '        "groups": len(by_' + b + "),",
        '        "nonempty": nonempty,',
        '        "mean": (sum(flat) / len(flat)) if flat else 0.0,',
        '        "labels": sorted({str(k) for k in totals if k is not None}),',
        "    }",
        "",
        "",
    ]


def _filler_dataclass(n: _Names) -> list[str]:
    rng = n.rng
    cls = n.fresh("class")
    fields = rng.sample(["name", "path", "size", "score", "tags", "owner", "created", "status"], 4)
    types = {
        "name": "str",
        "path": "str",
        "size": "int",
        "score": "float",
        "tags": "list[str]",
        "owner": "str | None",
        "created": "float",
        "status": "str",
    }
    defaults = {
        "tags": "field(default_factory=list)",
        "owner": "None",
        "score": "0.0",
        "size": "0",
        "status": '"new"',
        "created": "0.0",
    }
    lines = [
        "@dataclass",
        f"class {cls}:",
        f'    """One {cls.lower()} as the service returns it."""',
        "",
    ]
    for f in sorted(fields, key=lambda f: f in defaults):
        default = f" = {defaults[f]}" if f in defaults else ""
        lines.append(f"    {f}: {types[f]}{default}")
    lines += [
        "",
        "    @classmethod",
        f'    def from_dict(cls, data: dict) -> "{cls}":',
        "        known = {f for f in cls.__dataclass_fields__}",
        "        return cls(**{k: v for k, v in data.items() if k in known})",
        "",
        "    def to_dict(self) -> dict:",
        "        return {k: getattr(self, k) for k in self.__dataclass_fields__}",
        "",
        "    def __str__(self) -> str:",
        f'        return f"{cls}({{self.{fields[0]}!r}})"',
        "",
        "",
    ]
    return lines


def _filler_class(n: _Names) -> list[str]:
    rng = n.rng
    cls = n.fresh("class")
    noun = rng.choice(_NOUNS)
    lines = [
        f"class {cls}:",
        f'    """Keeps {noun}s in memory with a size limit and simple statistics."""',
        "",
        f"    MAX_ITEMS = {rng.choice([64, 128, 256, 1000])}",
        "",
        "    def __init__(self, name: str, *, ttl: float = 60.0) -> None:",
        "        self.name = name",
        "        self.ttl = ttl",
        "        self._items: dict[str, tuple[float, object]] = {}",
        "        self._hits = 0",
        "        self._misses = 0",
        "",
        "    def get(self, key: str, default=None):",
        "        entry = self._items.get(key)",
        "        if entry is None or time.monotonic() - entry[0] > self.ttl:",
        "            self._misses += 1",
        "            return default",
        "        self._hits += 1",
        "        return entry[1]",
        "",
        "    def put(self, key: str, value) -> None:",
        "        if len(self._items) >= self.MAX_ITEMS:",
        "            oldest = min(self._items, key=lambda k: self._items[k][0])",
        "            del self._items[oldest]",
        "        self._items[key] = (time.monotonic(), value)",
        "",
        "    @property",
        "    def hit_rate(self) -> float:",
        "        total = self._hits + self._misses",
        "        return self._hits / total if total else 0.0",
        "",
        "    def __len__(self) -> int:",
        "        return len(self._items)",
        "",
        "    def __repr__(self) -> str:",
        (
            '        return f"<{type(self).__name__} {self.name!r} items={len(self)} '
            'hit_rate={self.hit_rate:.2f}>"'
        ),
        "",
        "",
    ]
    return lines


def _filler_io(n: _Names) -> list[str]:
    rng = n.rng
    name = n.fresh("func")
    ext = rng.choice(["json", "jsonl"])
    return [
        f'def {name}(path: str | os.PathLike, encoding: str = "utf-8") -> list[dict]:',
        f'    """Read {ext} records from ``path``; a missing file gives an empty list."""',
        "    try:",
        "        with open(path, encoding=encoding) as handle:",
        (
            "            return [json.loads(line) for line in handle if line.strip()]"
            if ext == "jsonl"
            else "            data = json.load(handle)"
        ),
        "    except FileNotFoundError:",
        '        LOGGER.warning("no such file: %s", path)',
        "        return []",
        "    except json.JSONDecodeError as exc:",
        '        raise RuntimeError(f"{path}: not valid JSON at line {exc.lineno}") from exc',
        *(["    return data if isinstance(data, list) else [data]"] if ext == "json" else []),
        "",
        "",
    ]


def _filler_async(n: _Names) -> list[str]:
    name = n.fresh("func")
    return [
        f"async def {name}(jobs, concurrency: int = 4):",
        '    """Run ``jobs`` (coroutine functions) with at most ``concurrency`` at once."""',
        "    semaphore = asyncio.Semaphore(concurrency)",
        "    results = []",
        "",
        "    async def run_one(job):",
        "        async with semaphore:",
        "            try:",
        "                return await asyncio.wait_for(job(), timeout=30)",
        "            except asyncio.TimeoutError:",
        '                LOGGER.error("job %r timed out", job)',
        "                return None",
        "",
        "    for result in await asyncio.gather(*(run_one(job) for job in jobs)):",
        "        if result is not None:",
        "            results.append(result)",
        "    return results",
        "",
        "",
    ]


_FILLERS = [
    _filler_function,
    _filler_comprehensions,
    _filler_dataclass,
    _filler_class,
    _filler_io,
    _filler_async,
]
_FILLER_WEIGHTS = [4, 3, 2, 2, 2, 1]


# Each client kind: the import lines it may use (one is chosen) and a block builder.
_KINDS = ["azure", "azure_async", "v1", "v1_async", "langchain", "inference", "search"]
_KIND_WEIGHTS = [6, 3, 2, 1, 2, 1, 1]


def _imports_for(kind: str, rng: random.Random) -> tuple[list[str], str]:
    """Import lines, and how the class is spelled at the call site."""
    if kind in ("azure", "azure_async"):
        cls = "AzureOpenAI" if kind == "azure" else "AsyncAzureOpenAI"
        style = rng.choice(["from", "from", "from", "module", "alias", "lib"])
        if style == "from":
            return [f"from openai import {cls}"], cls
        if style == "module":
            return ["import openai"], f"openai.{cls}"
        if style == "alias":
            return ["import openai as oai"], f"oai.{cls}"
        return [f"from openai.lib.azure import {cls}"], cls
    if kind in ("v1", "v1_async"):
        cls = "OpenAI" if kind == "v1" else "AsyncOpenAI"
        return [f"from openai import {cls}"], cls
    if kind == "langchain":
        return [
            "from langchain_openai import AzureChatOpenAI, AzureOpenAIEmbeddings"
        ], "AzureChatOpenAI"
    if kind == "inference":
        return [
            "from azure.ai.inference import ChatCompletionsClient",
            "from azure.ai.inference.models import SystemMessage, UserMessage",
            "from azure.core.credentials import AzureKeyCredential",
        ], "ChatCompletionsClient"
    return [
        "from azure.core.credentials import AzureKeyCredential",
        "from azure.search.documents import SearchClient",
    ], "SearchClient"


def _client_block(kind: str, spelled: str, n: _Names) -> list[str]:
    rng = n.rng
    key_style = rng.choice(
        ["environ", "getenv", "setting", "none"]
        if kind.startswith("azure")
        else ["environ", "getenv", "setting"]
    )
    key = {
        "environ": 'os.environ["AZURE_OPENAI_API_KEY"]',
        "getenv": 'os.getenv("AZURE_OPENAI_API_KEY")',
        "setting": 'SETTINGS["api_key"]',
        "none": None,
    }[key_style]
    func = n.fresh("func")
    if kind in ("azure", "azure_async"):
        args = [
            "azure_endpoint=ENDPOINT",
            f'api_version="{rng.choice(["2024-06-01", "2024-10-21", "2025-01-01-preview"])}"',
        ]
        if key:
            args.insert(rng.randint(0, 2), f"api_key={key}")
        if kind == "azure":
            shape = rng.choice(["module", "function", "class"])
            ctor = [f"    {a}," for a in args]
            if shape == "module":
                return [
                    f"client = {spelled}(",
                    *ctor,
                    ")",
                    "",
                    "",
                    f"def {func}(question: str, history: list[dict] | None = None) -> str:",
                    '    """Ask the deployed model one question, with optional history."""',
                    (
                        '    messages = [{"role": "system", "content": SYSTEM_PROMPT}, '
                        "*(history or [])]"
                    ),
                    '    messages.append({"role": "user", "content": question})',
                    (
                        "    response = client.chat.completions.create(model=DEPLOYMENT, "
                        "messages=messages, temperature=0.2)"
                    ),
                    '    return response.choices[0].message.content or ""',
                    "",
                    "",
                ]
            if shape == "function":
                return [
                    f"def {func}(texts: list[str]) -> list[list[float]]:",
                    '    """Embed ``texts`` in batches of 16."""',
                    f"    client = {spelled}(" + ", ".join(args) + ")",
                    "    vectors = []",
                    "    for start in range(0, len(texts), 16):",
                    "        batch = texts[start : start + 16]",
                    (
                        "        result = client.embeddings.create("
                        "model=EMBEDDING_DEPLOYMENT, input=batch)"
                    ),
                    "        vectors.extend(item.embedding for item in result.data)",
                    "    return vectors",
                    "",
                    "",
                ]
            cls = n.fresh("class")
            return [
                f"class {cls}:",
                '    """Wraps the chat deployment with retries."""',
                "",
                "    def __init__(self, retries: int = 3) -> None:",
                "        self.retries = retries",
                f"        self.client = {spelled}(",
                *[f"        {c}" for c in ctor],
                "        )",
                "",
                "    def complete(self, prompt: str) -> str:",
                "        for attempt in range(self.retries):",
                "            try:",
                "                response = self.client.chat.completions.create(",
                "                    model=DEPLOYMENT,",
                '                    messages=[{"role": "user", "content": prompt}],',
                "                )",
                "                return response.choices[0].message.content",
                "            except Exception:  # noqa: BLE001",
                '                LOGGER.exception("attempt %d failed", attempt + 1)',
                "                time.sleep(2**attempt)",
                '        raise RuntimeError("the model did not answer")',
                "",
                "",
            ]
        return [
            f"async def {func}(prompts: list[str]) -> list[str]:",
            '    """Answer several prompts concurrently."""',
            f"    client = {spelled}(",
            *[f"        {a}," for a in args],
            "    )",
            "",
            "    async def one(prompt: str) -> str:",
            "        response = await client.chat.completions.create(",
            '            model=DEPLOYMENT, messages=[{"role": "user", "content": prompt}]',
            "        )",
            "        return response.choices[0].message.content",
            "",
            "    return list(await asyncio.gather(*(one(p) for p in prompts)))",
            "",
            "",
        ]
    if kind in ("v1", "v1_async"):
        base = rng.choice(
            ['f"{ENDPOINT}/openai/v1/"', '"https://contoso-eastus.openai.azure.com/openai/v1/"']
        )
        if kind == "v1":
            return [
                f"def {func}(text: str) -> str:",
                '    """Summarise ``text`` with the v1 Responses API."""',
                f"    client = {spelled}(base_url={base}, api_key={key})",
                (
                    "    response = client.responses.create("
                    'model=DEPLOYMENT, input=f"Summarise: {text}")'
                ),
                "    return response.output_text",
                "",
                "",
            ]
        return [
            f"async def {func}(text: str) -> str:",
            f"    client = {spelled}(",
            f"        base_url={base},",
            f"        api_key={key},",
            "    )",
            "    response = await client.chat.completions.create(",
            '        model=DEPLOYMENT, messages=[{"role": "user", "content": text}]',
            "    )",
            "    return response.choices[0].message.content",
            "",
            "",
        ]
    if kind == "langchain":
        return [
            f"def {func}(temperature: float = 0.0):",
            '    """The chat model and the embeddings used by the chain."""',
            f"    llm = {spelled}(",
            "        azure_deployment=DEPLOYMENT,",
            '        api_version="2024-10-21",',
            f"        api_key={key},",
            "        temperature=temperature,",
            "    )",
            "    embeddings = AzureOpenAIEmbeddings(",
            "        azure_deployment=EMBEDDING_DEPLOYMENT,",
            f"        openai_api_key={key},",
            "    )",
            "    return llm, embeddings",
            "",
            "",
        ]
    if kind == "inference":
        return [
            f"def {func}(question: str) -> str:",
            f"    client = {spelled}(",
            '        endpoint=f"{ENDPOINT}/openai/deployments/{DEPLOYMENT}",',
            f"        credential=AzureKeyCredential({key}),",
            "    )",
            (
                "    response = client.complete("
                "messages=[SystemMessage(SYSTEM_PROMPT), UserMessage(question)])"
            ),
            "    return response.choices[0].message.content",
            "",
            "",
        ]
    return [
        f"def {func}(query: str, top: int = 5) -> list[dict]:",
        f"    search = {spelled}(SEARCH_ENDPOINT, SEARCH_INDEX, AzureKeyCredential({key}))",
        "    return [dict(doc) for doc in search.search(search_text=query, top=top)]",
        "",
        "",
    ]


def client_module(rng: random.Random, target_lines: int) -> str:
    """One realistic module of about ``target_lines`` lines with 1-4 client constructions."""
    names = _Names(rng, set())
    kinds = rng.choices(
        _KINDS, weights=_KIND_WEIGHTS, k=rng.randint(1, 4 if target_lines > 150 else 2)
    )
    sdk_imports: list[str] = []
    clients = []
    for kind in kinds:
        lines, spelled = _imports_for(kind, rng)
        sdk_imports += [line for line in lines if line not in sdk_imports]
        clients.append((kind, spelled))
    header = [
        (
            f'"""{rng.choice(_MODULE_WORDS).replace("_", " ").capitalize()} helpers '
            f"for the {rng.choice(_NOUNS)} service."
        ),
        "",
        "Generated for the aoai-migrate benchmark: ordinary application code with Azure OpenAI",
        "clients built in it.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "import asyncio",
        "import json",
        "import logging",
        "import os",
        "import time",
        "from dataclasses import dataclass, field",
        "",
        *sorted(sdk_imports),
        "",
        "LOGGER = logging.getLogger(__name__)",
        'ENDPOINT = os.environ.get("AZURE_OPENAI_ENDPOINT", "https://contoso.openai.azure.com")',
        'DEPLOYMENT = os.getenv("AZURE_OPENAI_DEPLOYMENT", "gpt-4o-mini")',
        (
            'EMBEDDING_DEPLOYMENT = os.getenv("AZURE_OPENAI_EMBEDDING_DEPLOYMENT", '
            '"text-embedding-3-small")'
        ),
        'SEARCH_ENDPOINT = os.getenv("AZURE_SEARCH_ENDPOINT", "https://contoso.search.windows.net")',
        'SEARCH_INDEX = "documents"',
        'SETTINGS = {"api_key": os.getenv("AZURE_OPENAI_API_KEY", ""), "timeout": 30}',
        f'SYSTEM_PROMPT = "You are a helpful assistant for {rng.choice(_NOUNS)} questions."',
        "",
        "",
    ]
    client_blocks = [_client_block(kind, spelled, names) for kind, spelled in clients]
    # Stop one block short so that no file passes MAX_LINES.
    budget = min(target_lines, MAX_LINES - 45) - len(header) - sum(len(b) for b in client_blocks)
    fillers: list[list[str]] = []
    while budget > 0:
        block = rng.choices(_FILLERS, weights=_FILLER_WEIGHTS)[0](names)
        fillers.append(block)
        budget -= len(block)
    for block in client_blocks:
        fillers.insert(rng.randint(0, len(fillers)), block)
    body = [line for block in fillers for line in block]
    while body and body[-1] == "":
        body.pop()
    text = "\n".join(header + body) + "\n"
    compile(text, "<generated>", "exec")  # a generator bug must not become a parse failure
    return text
