"""Run a notebook's code cells one by one, the way a Jupyter kernel does.

``python nbrun.py NOTEBOOK.ipynb`` (the working directory is the notebook's folder) executes the
code cells top to bottom in one shared namespace. As in IPython, a cell may ``await`` at top level:
such a cell runs on the one event loop that lives for the whole session (the kernel's loop), so
async clients and credentials see the same loop from cell to cell. Lines that IPython handles
itself (``%magic``, ``!shell``) are skipped. A failing cell stops the run with its traceback and
exit status 1, naming the cell.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import os
import sys
import traceback


def _cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else source
    kept = [line for line in text.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return "\n".join(kept) + "\n"


def run(path: str) -> int:
    with open(path, encoding="utf-8") as handle:
        notebook = json.load(handle)
    sys.path.insert(0, os.getcwd())
    # A kernel's ``__main__`` has no ``__file__``: libraries that tell an interactive session by
    # that (python-dotenv's ``load_dotenv()`` then looks for ``.env`` from the working directory)
    # must see one here too.
    vars(sys.modules["__main__"]).pop("__file__", None)
    namespace: dict = {"__name__": "__main__"}
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    code_cells = [c for c in notebook.get("cells", []) if c.get("cell_type") == "code"]
    status = 0
    for number, cell in enumerate(code_cells, start=1):
        try:
            code = compile(
                _cell_source(cell),
                f"<cell {number}>",
                "exec",
                flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
            )
            result = eval(code, namespace)  # noqa: S307 - this is a notebook runner
            if inspect.iscoroutine(result):
                loop.run_until_complete(result)
        except Exception:
            print(f"error in code cell {number}", file=sys.stderr)
            traceback.print_exc()
            status = 1
            break
    # The kernel shuts down: pending async generators are finalised, then the loop is closed.
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()
    return status


if __name__ == "__main__":
    sys.exit(run(sys.argv[1]))
