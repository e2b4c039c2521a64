"""Fixtures for form and upload tests."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from form_helpers import open_temporary_files


@pytest.fixture
def temp_files() -> Callable[[], set[str]]:
    """``temp_files()``: the temporary files opened since the test started and still open."""
    if not sys.platform.startswith("linux"):
        pytest.skip("counts open files through /proc/self/fd")
    before = open_temporary_files()
    return lambda: open_temporary_files() - before
