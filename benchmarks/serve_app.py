"""Entry point for one server of the example application (examples/fullstack): `uvicorn serve_app:app`.

NIMBLEAPI_BENCH_TARGET=nimbleapi makes `import fastapi` resolve to nimbleapi first
(nimbleapi.compat); fastapi (the default) imports FastAPI 0.165.0 as installed. The
application source is the same file either way; its settings come from the environment
(DATA_DIR, CACHE_TTL_SECONDS, ...), set by bench_app.py.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if os.environ.get("NIMBLEAPI_BENCH_TARGET", "fastapi") == "nimbleapi":
    import nimbleapi.compat

    nimbleapi.compat.install()

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples" / "fullstack"))

import fastapi  # noqa: E402

from app.main import app  # noqa: E402, F401

if os.environ.get("NIMBLEAPI_BENCH_TARGET", "fastapi") == "fastapi":
    assert fastapi.__file__ and "nimbleapi" not in fastapi.__file__, "FastAPI is aliased to nimbleapi in this venv"
