"""Every file under docs_src/ is shown on a page of the site and used by a test here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import DOCS, DOCS_SRC, REPO_ROOT

TESTS = Path(__file__).parent
SNIPPET = re.compile(r'^-{2}8<-{2} "(docs_src/[^"]+)"$', re.MULTILINE)


def example_files() -> list[Path]:
    return sorted(
        path
        for path in DOCS_SRC.rglob("*")
        if path.is_file() and path.name != "__init__.py" and "__pycache__" not in path.parts
    )


def shown_on_pages() -> set[str]:
    return {match for page in DOCS.rglob("*.md") for match in SNIPPET.findall(page.read_text())}


def used_by_tests(path: Path) -> bool:
    relative = path.relative_to(DOCS_SRC)
    dotted = ".".join(relative.with_suffix("").parts)
    tests = "".join(test.read_text() for test in TESTS.glob("test_*.py"))
    return f'"{dotted}"' in tests or f'"{relative.as_posix()}"' in tests or f'"{relative.name}"' in tests


@pytest.mark.parametrize("path", example_files(), ids=lambda path: path.relative_to(DOCS_SRC).as_posix())
def test_example_is_shown_on_a_page(path: Path) -> None:
    assert path.relative_to(REPO_ROOT).as_posix() in shown_on_pages()


@pytest.mark.parametrize("path", example_files(), ids=lambda path: path.relative_to(DOCS_SRC).as_posix())
def test_example_is_used_by_a_test(path: Path) -> None:
    assert used_by_tests(path), f"no test in {TESTS.relative_to(REPO_ROOT)} loads {path.relative_to(REPO_ROOT)}"


def test_every_page_is_in_the_navigation() -> None:
    import yaml

    def pages(entries: list[object]) -> set[str]:
        found: set[str] = set()
        for entry in entries:
            value = next(iter(entry.values())) if isinstance(entry, dict) else entry
            found |= pages(value) if isinstance(value, list) else {str(value)}
        return found

    # mkdocs.yml holds no custom tags, so the safe loader reads it.
    navigation = pages(yaml.safe_load((REPO_ROOT / "mkdocs.yml").read_text())["nav"])
    assert navigation == {page.relative_to(DOCS).as_posix() for page in DOCS.rglob("*.md")}
