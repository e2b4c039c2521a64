"""Markdown tables and number formats shared by the drivers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def table(header: list[str], rows: list[list[str]]) -> str:
    """A markdown table, first column left-aligned, the others right-aligned."""
    align = [":---"] + ["---:"] * (len(header) - 1)
    lines = [header, align, *rows]
    return "\n".join("| " + " | ".join(str(cell) for cell in line) + " |" for line in lines)


def micros(ns: float | None) -> str:
    if ns is None:
        return "-"
    us = ns / 1000
    return f"{us:.1f}" if us < 100 else f"{us:.0f}"


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def count(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def write_results(path: Path, data: dict[str, Any], markdown: str) -> None:
    """Write `path` (JSON) and the same report as markdown beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    path.with_suffix(".md").write_text(markdown.rstrip() + "\n")
