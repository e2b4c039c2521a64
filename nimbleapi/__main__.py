"""``python -m nimbleapi``: the ``nimbleapi`` command."""

from __future__ import annotations

from .cli import main

main()
