"""Usage analysis for roles: clients followed through bindings, classes, factories and modules."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from helpers import run

from migrator import api
from migrator.engine import MODE_CHECK
from migrator.linking import module_names


def usage(source: str) -> list[tuple[str | None, list[tuple[str, int]], bool, str]]:
    return [
        (c.binding, [(call.chain, call.line) for call in c.calls], c.usage_known, c.usage_note)
        for c in run(source).clients
    ]


def project(tmp_path: Path, files: dict[str, str], jobs: int = 1) -> dict[tuple[str, int], object]:
    """Write a project, analyse it, and index its clients by (relative path, line)."""
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
    report = api.run([str(tmp_path)], mode=MODE_CHECK, jobs=jobs)
    return {
        (Path(path).relative_to(tmp_path).as_posix(), c.line): c for path, c in report.clients()
    }


def calls(client) -> list[tuple[str | None, int, str]]:  # type: ignore[no-untyped-def]
    return [(Path(c.path).name if c.path else None, c.line, c.chain) for c in client.calls]


# -- within one module ---------------------------------------------------------------------------
def test_factory_result_bound_to_a_name_is_followed():
    [(_, found, known, _)] = usage(
        """\
        from openai import AzureOpenAI

        def get_client():
            client = AzureOpenAI()
            return client

        c = get_client()
        c.chat.completions.create(model="m", messages=[])
        """
    )
    assert found == [("chat.completions.create", 8)] and known


def test_lazy_module_singleton_is_followed():
    [(_, found, known, _)] = usage(
        """\
        from openai import AzureOpenAI

        _client = None

        def get_client():
            global _client
            if _client is None:
                _client = AzureOpenAI()
            return _client

        def train():
            get_client().files.create(file=b"x", purpose="fine-tune")
        """
    )
    assert found == [("files.create", 12)] and known


def test_dataclass_fields_and_class_attributes_hold_clients():
    found = usage(
        """\
        from dataclasses import dataclass, field
        from openai import AzureOpenAI

        @dataclass
        class Deps:
            name: str
            client: AzureOpenAI = field(default_factory=lambda: AzureOpenAI())

        @dataclass
        class Positional:
            client: AzureOpenAI

        class Agent:
            client = AzureOpenAI()

            def draw(self):
                return self.client.images.generate(prompt="x")

        Deps("x").client.embeddings.create(model="e", input="x")
        p = Positional(AzureOpenAI(api_key=k))
        p.client.batches.create()
        """
    )
    by_call = {chain: known for _, chains, known, _ in found for chain, _ in chains}
    assert by_call == {"embeddings.create": True, "images.generate": True, "batches.create": True}


def test_constructor_parameter_stored_on_self_is_followed_into_methods():
    [(_, found, known, _)] = usage(
        """\
        from openai import AzureOpenAI

        class Base:
            def __init__(self, client):
                self.client = client

        class Trainer(Base):
            def run(self):
                self.client.fine_tuning.jobs.create(training_file="f", model="m")

        trainer = Trainer(AzureOpenAI())
        """
    )
    assert found == [("fine_tuning.jobs.create", 9)] and known


def test_with_block_and_client_copies_keep_the_calls():
    [(binding, found, known, _)] = usage(
        """\
        import openai

        async def main(pool, data):
            async with openai.AsyncAzureOpenAI() as client:
                await client.with_options(max_retries=3).chat.completions.with_raw_response.create()
                pool.submit(client.files.create, file=data)
        """
    )
    assert binding == "client"
    assert found == [("chat.completions.create", 5), ("files.create", 6)] and known


def test_a_property_returning_the_client_is_followed():
    [(_, found, known, _)] = usage(
        """\
        from functools import cached_property
        from openai import AzureOpenAI

        class Service:
            @cached_property
            def llm(self):
                return AzureOpenAI()

            def ask(self):
                return self.llm.chat.completions.create(model="m", messages=[])
        """
    )
    assert found == [("chat.completions.create", 10)] and known


@pytest.mark.parametrize(
    "snippet, reason",
    [
        ("clients = [c]", "the client is stored in a list at line 4"),
        ("registry = {'main': c}", "the client is stored in a dict at line 4"),
        ("registry['main'] = c", "the client is stored in a container at line 4"),
        ("run_agent(c)", "the client is passed to run_agent() at line 4"),
        (
            "app.state.openai = c",
            "the client is stored on `app.state`, an object that is not followed at line 4",
        ),
        ("handler = lambda: c", "the client is used in a way that is not followed at line 4"),
    ],
)
def test_escapes_give_the_reason(snippet, reason):
    [(_, _, known, note)] = usage(
        f"from openai import AzureOpenAI\n\nc = AzureOpenAI()\n{snippet}\n"
    )
    assert not known
    assert note == reason


def test_a_factory_handed_to_a_framework_escapes():
    [(_, _, known, note)] = usage(
        """\
        from fastapi import Depends
        from openai import AzureOpenAI

        def get_client():
            return AzureOpenAI()

        def endpoint(client=Depends(get_client)):
            return client.chat.completions.create(model="m", messages=[])
        """
    )
    assert not known
    assert note == "get_client(), which returns the client, is passed to Depends() at line 7"


def test_looking_at_a_client_is_not_an_escape():
    [(_, _, known, note)] = usage(
        """\
        from openai import AzureOpenAI

        c = AzureOpenAI()
        if c is not None and isinstance(c, AzureOpenAI):
            print(f"using {c}")
        c.embeddings.create(model="e", input="x")
        """
    )
    assert known, note


def test_same_name_in_two_functions_are_two_clients():
    first, second = usage(
        """\
        from openai import AzureOpenAI

        def serve():
            client = AzureOpenAI(azure_endpoint="https://a.openai.azure.com")
            client.chat.completions.create(model="m", messages=[])

        def train():
            client = AzureOpenAI(azure_endpoint="https://b.openai.azure.com")
            client.files.create(file=b"x", purpose="fine-tune")
        """
    )
    assert first[1] == [("chat.completions.create", 5)]
    assert second[1] == [("files.create", 9)]


# -- across modules ------------------------------------------------------------------------------
CLIENTS = """\
    import os
    from openai import AzureOpenAI

    client = AzureOpenAI(azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"], api_key=os.environ["K"])

    def get_client():
        return AzureOpenAI(azure_endpoint=os.environ["TRAIN_ENDPOINT"])
    """


@pytest.mark.parametrize("jobs", [1, 2])
def test_from_import_of_a_global_and_a_factory(tmp_path, jobs):
    found = project(
        tmp_path,
        {
            "clients.py": CLIENTS,
            "app.py": """\
                from clients import client, get_client as make

                def ask():
                    return client.chat.completions.create(model="m", messages=[])

                trainer = make()
                trainer.files.create(file=b"x", purpose="fine-tune")
                """,
            "unrelated.py": "import os\nprint(os.getcwd())\n",
        },
        jobs=jobs,
    )
    assert calls(found[("clients.py", 4)]) == [("app.py", 4, "chat.completions.create")]
    assert calls(found[("clients.py", 7)]) == [("app.py", 7, "files.create")]
    assert found[("clients.py", 4)].usage_known and found[("clients.py", 7)].usage_known


def test_import_module_then_attribute(tmp_path):
    found = project(
        tmp_path,
        {
            "clients.py": CLIENTS,
            "batch.py": """\
                import clients as c

                c.client.batches.create(input_file_id="f", endpoint="/chat/completions")
                c.get_client().embeddings.create(model="e", input="x")
                """,
        },
    )
    assert calls(found[("clients.py", 4)]) == [("batch.py", 3, "batches.create")]
    assert calls(found[("clients.py", 7)]) == [("batch.py", 4, "embeddings.create")]


def test_package_relative_import_and_reexport(tmp_path):
    found = project(
        tmp_path,
        {
            "src/assistant/__init__.py": "from .clients import client\n",
            "src/assistant/clients.py": CLIENTS,
            "src/assistant/chat.py": """\
                from . import clients

                def ask():
                    return clients.client.chat.completions.create(model="m", messages=[])
                """,
            "src/main.py": """\
                from assistant import client

                client.fine_tuning.jobs.create(training_file="f", model="m")
                """,
        },
    )
    assert calls(found[("src/assistant/clients.py", 4)]) == [
        ("chat.py", 4, "chat.completions.create"),
        ("main.py", 3, "fine_tuning.jobs.create"),
    ]


def test_client_passed_to_a_helper_in_another_module(tmp_path):
    found = project(
        tmp_path,
        {
            "clients.py": CLIENTS,
            "helpers.py": """\
                def summarize(llm, text):
                    return llm.chat.completions.create(model="m", messages=[{"role": "user", "content": text}])
                """,
            "app.py": """\
                from clients import client
                from helpers import summarize

                summarize(client, "hello")
                """,
        },
    )
    client = found[("clients.py", 4)]
    assert calls(client) == [("helpers.py", 2, "chat.completions.create")]
    assert client.usage_known


def test_escape_in_another_module_names_the_file(tmp_path):
    found = project(
        tmp_path,
        {
            "clients.py": CLIENTS,
            "agents.py": """\
                from clients import client
                import some_framework

                some_framework.register(client)
                """,
        },
    )
    client = found[("clients.py", 4)]
    assert not client.usage_known
    assert (
        client.usage_note
        == f"the client is passed to some_framework.register() at {tmp_path / 'agents.py'}:4"
    )


def test_a_global_never_used_anywhere_is_reported_as_such(tmp_path):
    found = project(tmp_path, {"clients.py": CLIENTS})
    assert (
        found[("clients.py", 4)].usage_note
        == "no calls on client are visible in the files analysed"
    )


def test_same_module_name_in_two_directories_prefers_the_sibling(tmp_path):
    found = project(
        tmp_path,
        {
            "one/clients.py": CLIENTS,
            "one/app.py": "from clients import client\nclient.embeddings.create(model='e', input='x')\n",
            "two/clients.py": CLIENTS,
            "two/app.py": "from clients import client\nclient.files.create(file=b'x', purpose='batch')\n",
        },
    )
    assert calls(found[("one/clients.py", 4)]) == [("app.py", 2, "embeddings.create")]
    assert calls(found[("two/clients.py", 4)]) == [("app.py", 2, "files.create")]


def test_module_names_follow_packages_and_roots(tmp_path):
    (tmp_path / "src" / "pkg" / "sub").mkdir(parents=True)
    for init in ("src/pkg/__init__.py", "src/pkg/sub/__init__.py"):
        (tmp_path / init).write_text("")
    (tmp_path / "src" / "pkg" / "sub" / "mod.py").write_text("")
    names = module_names(str(tmp_path / "src" / "pkg" / "sub" / "mod.py"), [str(tmp_path)])
    assert names == [
        "pkg.sub.mod",
        "src.pkg.sub.mod",
    ]  # inside a package, not importable by its stem
    assert module_names(str(tmp_path / "src" / "pkg" / "__init__.py"), [str(tmp_path / "src")]) == [
        "pkg"
    ]


def test_only_modules_that_reach_a_client_through_an_import_are_selected(tmp_path):
    from migrator.linking import _uses

    cases = {
        "a.py": "from . import (\n    settings,\n    clients,\n)\nclients.client.models.list()\n",
        "b.py": "import os, clients as c\nc.client.models.list()\n",
        "c.py": "import os\n# the clients of this shop\nclients_list = []\nclient = 1\n",
        "d.py": "from myclients import client\n",
        "e.py": "from clients import (\n    other,\n    client,\n)\n",
        "f.py": "import clients\nclients.unrelated()\n",
        "g.py": "from clients import *\n",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
    selected = [
        n for n in sorted(cases) if _uses(str(tmp_path / n), {b"clients": frozenset({b"client"})})
    ]
    assert selected == ["a.py", "b.py", "e.py", "g.py"]
