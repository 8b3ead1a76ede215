import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# litellm fetches a model price list from the network when imported unless told not to; the
# tests (and the programs the end-to-end tests run) use its bundled copy.
import os  # noqa: E402

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
