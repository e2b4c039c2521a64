"""The example scripts, imported from their files (``examples/`` is a folder of scripts, not a package)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest


@pytest.fixture(scope="module")
def example(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    """The script named by the test module's ``EXAMPLE_FILE``."""
    path = request.module.EXAMPLE_FILE
    name = f"nimbleapi_example_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # string annotations are resolved in the module's namespace
    spec.loader.exec_module(module)
    yield module
    del sys.modules[name]
