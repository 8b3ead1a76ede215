"""Hostile modules for the code the migration generates, proved by running them.

Each program builds a key-based Azure OpenAI client in a module that already binds a name the
generated setup reads (``os``, ``ManagedIdentityCredential``, ``get_bearer_token_provider``,
``azure`` ...) to something else, in every way Python binds a name: def, class, assignment,
import of something else, for target, with target, ``global`` in a function, a star import, a
statement the slicer leaves out. ``measure`` runs each program with the real SDKs against the
loopback stand-ins (tests/e2e/loopback.py) with a key, migrates it with the real tool, runs it
again with only a managed identity, and compares: the migrated module must import and run, send
the identity's bearer token and no key, and print exactly what the original printed.

The source-text cases (a file of CR line ends, ``except KeyError :``, legal mixes of tabs and
spaces) are migrated the same way and compared with their expected bytes.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from codemods.options import MigrationOptions
from migrator.engine import CHANGED, FAILED, MODE_WRITE, process_file

KEY = "codegen-key-0123456789abcdef0123456789"
CLIENT_ID = "33333333-4444-4555-8666-777777777777"
DEPLOYMENT = "gpt-4o"
CALL = textwrap.dedent(
    """\
    reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    print("content=" + reply.choices[0].message.content)
    """
)


@dataclass(frozen=True)
class Program:
    name: str
    source: str  # dedented; reads AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY
    options: dict = field(default_factory=dict)
    helpers: dict[str, str] = field(default_factory=dict)  # other modules next to it
    # Text the migrated module must contain / must not contain (its full output is compared
    # with the original run's output, so these only pin how it got there).
    contains: tuple[str, ...] = ()
    lacks: tuple[str, ...] = ()


def _program(name: str, source: str, **kw) -> Program:  # type: ignore[no-untyped-def]
    return Program(name, textwrap.dedent(source).replace("__CALL__\n", CALL), **kw)


def programs() -> list[Program]:
    client = (
        'AzureOpenAI(azure_endpoint=environ["AZURE_OPENAI_ENDPOINT"], '
        'api_key=environ["AZURE_OPENAI_API_KEY"], api_version="2024-10-21")'
    )
    return [
        _program(
            "import_os_path_as_os",
            f"""
            import os.path as os
            from os import environ

            from openai import AzureOpenAI

            client = {client}
            print("join=" + os.join("a", "b"))
            __CALL__
            """,
            contains=("import os as _os", "_os.getenv("),
        ),
        _program(
            "own_get_bearer_token_provider",
            f"""
            from os import environ

            from openai import AzureOpenAI


            def get_bearer_token_provider(*args):
                return "mine"


            client = {client}
            print("helper=" + get_bearer_token_provider())
            __CALL__
            """,
            contains=("get_bearer_token_provider as _get_bearer_token_provider",),
        ),
        _program(
            "own_class_managed_identity_credential",
            f"""
            from os import environ

            from openai import AzureOpenAI


            class ManagedIdentityCredential:
                kind = "mine"


            client = {client}
            print("class=" + ManagedIdentityCredential.kind)
            __CALL__
            """,
            contains=("ManagedIdentityCredential as _ManagedIdentityCredential",),
        ),
        _program(
            "def_os",
            f"""
            from os import environ

            from openai import AzureOpenAI


            def os():
                return "mine"


            client = {client}
            print("os=" + os())
            __CALL__
            """,
            contains=("import os as _os",),
        ),
        _program(
            "import_of_something_else",
            f"""
            from os import environ
            from types import SimpleNamespace as ManagedIdentityCredential

            from openai import AzureOpenAI

            client = {client}
            print("ns=" + ManagedIdentityCredential(a="1").a)
            __CALL__
            """,
            contains=("ManagedIdentityCredential as _ManagedIdentityCredential",),
        ),
        _program(
            "for_and_with_targets",
            f"""
            from os import environ

            from openai import AzureOpenAI

            for get_bearer_token_provider in [len]:
                pass
            with open(__file__) as ManagedIdentityCredential:
                pass
            client = {client}
            print("len=" + str(get_bearer_token_provider("abc")))
            print("closed=" + str(ManagedIdentityCredential.closed))
            __CALL__
            """,
            contains=("as _get_bearer_token_provider", "as _ManagedIdentityCredential"),
        ),
        _program(
            "global_rebinding_in_function",
            f"""
            import os
            from os import environ

            from openai import AzureOpenAI


            def rebind():
                global os
                os = "rebound"


            client = {client}
            __CALL__
            rebind()
            print("os=" + os)
            """,
            contains=("import os as _os",),
        ),
        _program(
            "star_import_supplies_the_name",
            f"""
            from os import environ

            from helpers import *
            from openai import AzureOpenAI

            client = {client}
            print("helper=" + get_bearer_token_provider())
            __CALL__
            """,
            helpers={"helpers.py": "def get_bearer_token_provider():\n    return 'from helpers'\n"},
            contains=("as _get_bearer_token_provider",),
        ),
        _program(
            "already_imported_is_reused",
            f"""
            import os
            from os import environ

            from azure.identity import ManagedIdentityCredential
            from openai import AzureOpenAI

            print("cls=" + ManagedIdentityCredential.__name__)
            client = {client}
            __CALL__
            """,
            lacks=("as _",),
        ),
        _program(
            "client_in_function_with_shadowing_locals",
            f"""
            from os import environ

            from openai import AzureOpenAI


            def make(os="param"):
                ManagedIdentityCredential = "local"
                token_provider = "local"
                credential = "local"
                print("locals=" + ",".join([os, ManagedIdentityCredential, token_provider, credential]))
                return {client}


            client = make()
            __CALL__
            """,
            contains=("azure_ad_token_provider=token_provider_2",),
        ),
        _program(
            "chained_both_kinds_azure_rebound",
            f"""
            import asyncio
            from os import environ

            from openai import AsyncAzureOpenAI, AzureOpenAI

            AzureCliCredential = "mine"
            azure = "not the package"
            client = {client}
            aclient = Async{client}


            async def main():
                reply = await aclient.chat.completions.create(
                    model="gpt-4o", messages=[{{"role": "user", "content": "async"}}]
                )
                print("acontent=" + reply.choices[0].message.content)
                await aclient.close()


            __CALL__
            asyncio.run(main())
            print("mine=" + AzureCliCredential + "," + azure)
            """,
            options={"credential": "chained"},
            # Async clients get the sync credential run in a thread: nothing from .aio, so the
            # rebound ``azure`` needs no alias.
            contains=("_AzureCliCredential()", "await asyncio.to_thread("),
            lacks=("azure.identity.aio",),
        ),
        _program(
            "async_only_sync_class_imported",
            f"""
            import asyncio
            from os import environ

            from azure.identity import ManagedIdentityCredential
            from openai import AsyncAzureOpenAI

            aclient = Async{client}


            async def main():
                reply = await aclient.chat.completions.create(
                    model="gpt-4o", messages=[{{"role": "user", "content": "hi"}}]
                )
                print("content=" + reply.choices[0].message.content)
                await aclient.close()


            print("sync=" + ManagedIdentityCredential.__module__)
            asyncio.run(main())
            """,
            # The async provider runs the module's own sync class in a thread.
            contains=("await asyncio.to_thread(",),
            lacks=("azure.identity.aio",),
        ),
        _program(
            "default_credential_rebound",
            f"""
            from os import environ

            from openai import AzureOpenAI

            DefaultAzureCredential = "mine"
            client = {client}
            print("mine=" + DefaultAzureCredential)
            __CALL__
            """,
            options={"credential": "default"},
            contains=("DefaultAzureCredential as _DefaultAzureCredential",),
        ),
        _program(
            "shadow_in_code_the_slicer_leaves_out",
            f"""
            from os import environ

            from openai import AzureOpenAI

            client = {client}


            def unrelated_one(a, b):
                total = 0
                for i in range(a):
                    total += i * b
                return total


            def unrelated_two(text):
                words = text.split()
                return " ".join(reversed(words))


            def unrelated_three(values):
                return sorted(set(values))


            class ManagedIdentityCredential:
                kind = "mine"


            print("class=" + ManagedIdentityCredential.kind)
            print("u=" + str(unrelated_one(3, 2)) + unrelated_two("a b") + str(unrelated_three([2, 1])))
            __CALL__
            """,
            contains=("as _ManagedIdentityCredential",),
        ),
        _program(
            "module_client_own_provider_helper",
            """
            from os import environ

            import openai

            openai.api_type = "azure"
            openai.azure_endpoint = environ["AZURE_OPENAI_ENDPOINT"]
            openai.api_version = "2024-10-21"
            openai.api_key = environ["AZURE_OPENAI_API_KEY"]


            def get_bearer_token_provider():
                return "mine"


            def ManagedIdentityCredential():
                return "mine too"


            reply = openai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
            print("content=" + reply.choices[0].message.content)
            print("mine=" + get_bearer_token_provider() + ManagedIdentityCredential())
            """,
            contains=("openai.azure_ad_token_provider = token_provider",),
        ),
        _program(
            "autogen_serialized_component_names_taken",
            """
            import asyncio
            from os import environ

            from autogen_core.models import UserMessage
            from autogen_ext.models.openai import AzureOpenAIChatCompletionClient

            AzureTokenProvider = "mine"
            DefaultAzureCredential = "mine too"
            client = AzureOpenAIChatCompletionClient(
                model="gpt-4o",
                azure_deployment="gpt-4o",
                azure_endpoint=environ["AZURE_OPENAI_ENDPOINT"],
                api_version="2024-10-21",
                api_key=environ["AZURE_OPENAI_API_KEY"],
            )
            config = client.dump_component()


            async def main():
                result = await client.create([UserMessage(content="hi", source="user")])
                print("content=" + result.content)
                await client.close()


            asyncio.run(main())
            print("mine=" + AzureTokenProvider + DefaultAzureCredential)
            """,
            contains=("AzureTokenProvider as _AzureTokenProvider", "_DefaultAzureCredential()"),
        ),
    ]


# -- source text: what LibCST's printer or tokenizer does not keep ---------------------------
@dataclass(frozen=True)
class TextCase:
    name: str
    source: bytes
    kept: tuple[bytes, ...]  # byte strings of the source that must come through unchanged
    runs: bool = True  # a runnable program (reads AZURE_OPENAI_* like the programs above)


def _text(lines: list[str], newline: str = "\n") -> bytes:
    return newline.join(lines).encode() + newline.encode()


_CLIENT_LINE = (
    'client = AzureOpenAI(azure_endpoint=environ["AZURE_OPENAI_ENDPOINT"], '
    'api_key=environ["AZURE_OPENAI_API_KEY"], api_version="2024-10-21")'
)
_CALL_LINES = CALL.splitlines()


def text_cases() -> list[TextCase]:
    head = ["from os import environ", "", "from openai import AzureOpenAI", ""]
    return [
        TextCase(
            "cr_only_line_ends",
            _text([*head, _CLIENT_LINE, *_CALL_LINES], "\r"),
            kept=(b".message.content)\r",),
        ),
        TextCase(
            "except_with_space_before_colon",
            _text(
                [
                    *head,
                    "",
                    "def make():",
                    "    try:",
                    '        timeout = float(environ["APP_TIMEOUT"])',
                    "    except KeyError :",
                    "        timeout = 30.0",
                    "    try:",
                    "        pass",
                    "    except (ValueError, TypeError)  :",
                    "        pass",
                    (
                        '    return AzureOpenAI(azure_endpoint=environ["AZURE_OPENAI_ENDPOINT"], '
                        'api_key=environ["AZURE_OPENAI_API_KEY"], api_version="2024-10-21", timeout=timeout)'
                    ),
                    "",
                    "",
                    "client = make()",
                    *_CALL_LINES,
                ]
            ),
            kept=(b"    except KeyError :\n", b"    except (ValueError, TypeError)  :\n"),
        ),
        # Python takes these (its two readings of a tab agree); LibCST's tokenizer does not.
        TextCase(
            "one_space_then_two_tabs",
            _text(
                [
                    *head,
                    "",
                    "def make():",
                    " if True:",
                    "\t\tc = AzureOpenAI(",
                    '\t\t    azure_endpoint=environ["AZURE_OPENAI_ENDPOINT"],',
                    '\t\t    api_key=environ["AZURE_OPENAI_API_KEY"],',
                    '\t\t    api_version="2024-10-21",',
                    "\t\t)",
                    "\t\treturn c",
                    "",
                    "",
                    "client = make()",
                    *_CALL_LINES,
                ]
            ),
            kept=(b"\ndef make():\n if True:\n\t\tc = AzureOpenAI(\n", b"\t\treturn c\n"),
        ),
        TextCase(
            "form_feeds_in_indentation",
            _text(
                ["\f" + line if line else line for line in [*head, _CLIENT_LINE]]
                + ["\f" + "if True:"]
                + ["\f    " + line for line in _CALL_LINES]
            ),
            kept=(b"\fif True:\n\f    reply = ",),
        ),
    ]


# -- running ------------------------------------------------------------------------------------
def _run(path: Path, env: dict[str, str]):  # type: ignore[no-untyped-def]
    from tests.e2e.loopback import run_program

    quiet = {"TIKTOKEN_CACHE_DIR": "", "PYTHONWARNINGS": "ignore"}
    return run_program(path, {**quiet, **env}, timeout=120)


def _before_after(path: Path, options: MigrationOptions) -> tuple[list[str], str]:
    """Problems found running ``path`` with a key, migrating it, running it with a token."""
    from tests.e2e.loopback import (
        COGNITIVE_SERVICES_RESOURCE,
        AzureOpenAIEndpoint,
        IdentityEndpoint,
    )

    problems: list[str] = []
    name = path.parent.name
    with AzureOpenAIEndpoint(api_keys=[KEY]) as aoai:
        before = _run(path, {"AZURE_OPENAI_ENDPOINT": aoai.url, "AZURE_OPENAI_API_KEY": KEY})
    if before.returncode != 0:
        return [f"{name}: the original program fails: {before.stderr[-400:]}"], ""
    original = path.read_bytes()
    result = process_file(str(path), options, MODE_WRITE)
    migrated = path.read_bytes()
    if result.status != CHANGED or migrated == original:
        return [f"{name}: not migrated ({result.status}: {result.error or result.clients})"], ""
    text = migrated.decode("utf-8", "replace")
    if KEY in text or "AZURE_OPENAI_API_KEY" in text:
        problems.append(f"{name}: the key is still read after migration")
    with IdentityEndpoint() as identity:
        token = identity.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
        with AzureOpenAIEndpoint(tokens=[token]) as aoai:
            env = {
                "AZURE_OPENAI_ENDPOINT": aoai.url,
                "AZURE_CLIENT_ID": CLIENT_ID,
                **identity.env(),
            }
            after = _run(path, env)
            seen = aoai.auth_headers_seen()
    if after.returncode != 0:
        problems.append(f"{name}: the migrated module fails: {after.stderr.strip()[-400:]}")
    elif after.stdout != before.stdout:
        problems.append(f"{name}: output differs\nbefore:\n{before.stdout}\nafter:\n{after.stdout}")
    elif not seen or set(seen) != {("bearer", token)}:
        problems.append(
            f"{name}: the requests carried {seen}, not only the identity's bearer token"
        )
    return problems, text


def _compiles(data: bytes) -> bool:
    try:
        compile(data, "<migrated>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def measure(scratch: Path) -> dict:
    """Run every hostile program and source-text case through the real tool; count the outcomes."""
    tried = as_expected = corrupted = failed_imports = 0
    problems: list[str] = []
    for program in programs():
        tried += 1
        folder = scratch / program.name
        folder.mkdir(parents=True, exist_ok=True)
        for helper, text in program.helpers.items():
            (folder / helper).write_text(text, encoding="utf-8")
        path = folder / "app.py"
        path.write_text(program.source, encoding="utf-8")
        found, migrated = _before_after(path, MigrationOptions(**program.options))
        if migrated and not _compiles(migrated.encode()):
            corrupted += 1
        if any("the migrated module fails" in p for p in found):
            failed_imports += 1
        found += [
            f"{program.name}: missing {s!r}"
            for s in program.contains
            if migrated and s not in migrated
        ]
        found += [f"{program.name}: unexpected {s!r}" for s in program.lacks if s in migrated]
        problems += found
        as_expected += not found
    for case in text_cases():
        tried += 1
        folder = scratch / case.name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "app.py"
        path.write_bytes(case.source)
        found, _ = _before_after(path, MigrationOptions()) if case.runs else ([], "")
        if not case.runs:
            result = process_file(str(path), MigrationOptions(), MODE_WRITE)
            if result.status == FAILED:
                found.append(f"{case.name}: refused: {result.error}")
        migrated = path.read_bytes()
        if not _compiles(migrated):
            corrupted += 1
            found.append(f"{case.name}: the migrated file does not compile")
        found += [
            f"{case.name}: {k!r} did not come through" for k in case.kept if k not in migrated
        ]
        if any("the migrated module fails" in p for p in found):
            failed_imports += 1
        problems += found
        as_expected += not found
    return {
        "category": "generated code and source text",
        "tried": tried,
        "as_expected": as_expected,
        "files_corrupted": corrupted,
        "migrated_modules_that_fail_to_import": failed_imports,
        "problems": problems,
    }
