import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# litellm fetches a model price list from the network when imported unless told not to; the
# tests (and the programs the end-to-end tests run) use its bundled copy.
import os  # noqa: E402

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


import pytest  # noqa: E402

# tests/precision/ holds input code for the tool (test files among it), not tests to run.
collect_ignore = ["precision"]


@pytest.fixture(autouse=True)
def _environment_kept_for_the_next_test():
    """The console script sets PYTHONSAFEPATH for the interpreters it starts; a test that runs it
    in-process must not leave it set for the subprocesses of later tests (which would then import
    the installed copy of the tool instead of this checkout)."""
    before = os.environ.get("PYTHONSAFEPATH")
    yield
    if before is None:
        os.environ.pop("PYTHONSAFEPATH", None)
    else:
        os.environ["PYTHONSAFEPATH"] = before
