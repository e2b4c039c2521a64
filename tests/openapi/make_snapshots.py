"""Write FastAPI 0.165.0's OpenAPI document for each scenario to ``snapshots/<name>.json``.

Run by hand, with a Python environment that has the real FastAPI (not nimbleapi):

    python -m venv /tmp/venv-fastapi
    /tmp/venv-fastapi/bin/pip install fastapi==0.165.0 python-multipart email-validator
    /tmp/venv-fastapi/bin/python tests/openapi/make_snapshots.py

The test suite then checks that nimbleapi produces the same documents, key order included.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).parent
SNAPSHOTS = HERE / "snapshots"
EXPECTED_FASTAPI_VERSION = "0.165.0"


def main() -> int:
    sys.path.insert(0, str(HERE))
    import fastapi
    from openapi_scenarios import SCENARIOS, load_framework

    if fastapi.__version__ != EXPECTED_FASTAPI_VERSION or "nimbleapi" in fastapi.__file__:
        print(f"needs the real FastAPI {EXPECTED_FASTAPI_VERSION}, found {fastapi.__version__} at {fastapi.__file__}")
        return 1
    framework = load_framework("fastapi")
    SNAPSHOTS.mkdir(exist_ok=True)
    for name, build in SCENARIOS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            document = build(framework).openapi()
        path = SNAPSHOTS / f"{name}.json"
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {path.relative_to(HERE)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
