"""Entry point for a real server: `uvicorn serve:app`, run from benchmarks/.

The target is chosen by the environment variable NIMBLEAPI_BENCH_TARGET
(raw, starlette, fastapi, nimbleapi or litestar; default fastapi).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness.targets import load_target  # noqa: E402

app = load_target(os.environ.get("NIMBLEAPI_BENCH_TARGET", "fastapi")).app
