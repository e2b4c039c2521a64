"""Reads known_failures.txt: the checks that fail today because of a defect already being fixed."""

from __future__ import annotations

from pathlib import Path

KNOWN_FAILURES = Path(__file__).resolve().parent / "known_failures.txt"


def known_failures() -> dict[str, str]:
    """Check id (pytest id relative to reliability/) -> the defect that makes it fail."""
    known = {}
    for line in KNOWN_FAILURES.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            check, _, reason = line.strip().partition(" ")
            known[check] = reason.strip()
    return known
