"""Start-up hook of a conformance run: ``import fastapi`` gives nimbleapi.

run.py copies this file into its cache and puts that folder first on
PYTHONPATH, so every Python process of the run imports it at start-up: pytest,
its xdist workers, and the subprocesses some tests start with ``sys.executable``
(``python -m fastapi``, the telemetry tests).

Nothing is imported eagerly: nimbleapi is loaded on the first ``import fastapi``,
through ``nimbleapi.compat.install()``. A process that never imports fastapi
pays nothing, and an error inside nimbleapi surfaces in the test that imported
fastapi rather than breaking every interpreter start.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from typing import Any

ALIAS = "fastapi"


class _InstallOnFirstImport:
    """Meta-path finder that swaps itself for nimbleapi's alias on first use."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        # Stay installed until nimbleapi imports: if it fails, every later
        # `import fastapi` shows the same real error instead of "No module named".
        import nimbleapi.compat

        nimbleapi.compat.install()
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        return importlib.util.find_spec(fullname)


if os.environ.get("NIMBLEAPI_CONFORMANCE_ALIAS") == "1":
    sys.meta_path.insert(0, _InstallOnFirstImport())
