"""Turn pytest's JUnit XML of a conformance run into outcomes, totals and a report.

The counting unit is one test case (one parametrization), identified by its
pytest node id (``tests/test_x.py::TestC::test_y[param]``).

A test module that fails to import yields one collection record instead of its
cases. So that the totals do not shrink when an import breaks, such a record
stands for all the cases the real FastAPI produced for that module
(expected_counts.tsv), each counted as an error; expected test functions that
produced no result at all also count as errors ("not run").
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed")
# the worse outcome wins when one node id is reported twice (e.g. a crashed worker)
SEVERITY = {"passed": 0, "xfailed": 1, "skipped": 2, "failed": 3, "error": 4}

# top-level tests/test_<word>_*.py files are grouped by their first word; these merge spellings
WORD_ALIASES = {
    "dependencies": "dependency", "depends": "dependency", "forms": "form", "params": "param",
    "parameter": "param", "ws": "websocket", "websockets": "websocket", "pydanticv2": "pydantic",
    "responses": "response", "route": "router", "routes": "router",
}


def _without_test_prefix(name: str) -> str:
    return name.removeprefix("test_")


def group_of(test_id: str) -> str:
    """``tutorial/<topic>``, ``<subfolder>/`` or ``core/<word>`` for a test id under tests/."""
    parts = test_id.split("::", 1)[0].split("/")
    if len(parts) >= 3 and parts[1] == "test_tutorial":
        return "tutorial/" + _without_test_prefix(parts[2])
    if len(parts) >= 3:
        return _without_test_prefix(parts[1]) + "/"
    word = _without_test_prefix(Path(parts[-1]).stem).split("_")[0]
    return "core/" + WORD_ALIASES.get(word, word)


def without_xdist_group(name: str) -> str:
    """Drop the ``@<group>`` that pytest-xdist's loadgroup mode appends to the ids of grouped
    tests, so that an id is the same with any number of workers and can be passed to pytest."""
    base, at, group = name.rpartition("@")
    return base if at and group.isidentifier() else name


def function_key(node_id: str) -> str:
    """The test function a case belongs to: the node id without its parametrization."""
    return node_id.split("[", 1)[0]


class _PathResolver:
    """Maps JUnit's dotted class names (``tests.a.test_b.TestC``) back to files in the test tree."""

    def __init__(self, tree: Path) -> None:
        self.tree = tree
        self.known: dict[str, tuple[str, list[str]]] = {}

    def resolve(self, dotted: str) -> tuple[str, list[str]]:
        if dotted not in self.known:
            self.known[dotted] = self._search(dotted.split("."))
        return self.known[dotted]

    def _search(self, parts: list[str]) -> tuple[str, list[str]]:
        for cut in range(len(parts), 0, -1):
            relative = "/".join(parts[:cut])
            if (self.tree / f"{relative}.py").is_file():
                return f"{relative}.py", parts[cut:]
            if cut == len(parts) and (self.tree / relative).is_dir():
                return relative, []
        return "/".join(parts) + ".py", []


def _message(element: ElementTree.Element) -> str:
    """A one-line reason for a failure or error, for the "most common" list."""
    message = (element.get("message") or "").strip()
    raised = [line[4:].strip() for line in (element.text or "").splitlines() if line.startswith("E   ")]
    if raised and (not message or message == "collection failure" or message.startswith("failed on")):
        message = raised[-1]
    first = message.splitlines()[0] if message else element.tag
    return re.sub(r"0x[0-9a-f]+", "0x...", first)[:160]


def _outcome(case: ElementTree.Element) -> tuple[str, str]:
    for tag, outcome in (("failure", "failed"), ("error", "error")):
        element = case.find(tag)
        if element is not None:
            return outcome, _message(element)
    skipped = case.find("skipped")
    if skipped is not None:
        return ("xfailed" if skipped.get("type") == "pytest.xfail" else "skipped"), ""
    return "passed", ""


@dataclass
class RunResults:
    cases: dict[str, str] = field(default_factory=dict)          # node id -> outcome
    collection: dict[str, str] = field(default_factory=dict)     # module/package path -> outcome
    messages: Counter[str] = field(default_factory=Counter)

    def passing_ids(self) -> list[str]:
        return sorted(node_id for node_id, outcome in self.cases.items() if outcome == "passed")


def read_junit(junit: Path, tree: Path) -> RunResults:
    resolver = _PathResolver(tree)
    results = RunResults()
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        classname, name = case.get("classname") or "", case.get("name") or ""
        outcome, message = _outcome(case)
        if message:
            results.messages[message] += 1
        if not classname:  # a module or package that was not collected (import error, module-level skip)
            path, _ = resolver.resolve(name)
            results.collection[path] = outcome
            continue
        path, classes = resolver.resolve(classname)
        node_id = "::".join([path, *classes, without_xdist_group(name)])
        previous = results.cases.get(node_id)
        if previous is None or SEVERITY[outcome] > SEVERITY[previous]:
            results.cases[node_id] = outcome
    return results


def read_expected(path: Path) -> dict[str, int]:
    """Test function id -> number of cases the real FastAPI produces for it."""
    expected = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, cases, _passed = line.split("\t")
            expected[without_xdist_group(key)] = int(cases)
    return expected


def read_internal(path: Path) -> set[str]:
    return {line.split("\t", 1)[0] for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}


def is_internal(key: str, internal: set[str]) -> bool:
    return key in internal or key.split("::", 1)[0] in internal


def _covers(path: str, key: str) -> bool:
    return key == path or key.startswith(path + "::") or key.startswith(path + "/")


def count_by_function(
    results: RunResults, expected: dict[str, int], partial: bool
) -> tuple[dict[str, Counter[str]], list[str]]:
    """Outcome counts per test function, with uncollected modules and missing functions filled in."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for node_id, outcome in results.cases.items():
        counts[function_key(node_id)][outcome] += 1
    notes = []
    broken = filled = 0
    for path, outcome in sorted(results.collection.items()):
        covered = [key for key in expected if key not in counts and _covers(path, key)]
        for key in covered:
            counts[key][outcome] += expected[key]
        if not covered:
            counts[path][outcome] += 1
        if outcome in ("failed", "error"):
            broken += 1
            filled += sum(expected[key] for key in covered)
    if broken:
        notes.append(f"{broken} test modules failed to import; their {filled} expected cases count as errors")
    if not partial:
        missing = {key: cases for key, cases in expected.items() if key not in counts}
        for key, cases in missing.items():
            counts[key]["error"] += cases
        if missing:
            notes.append(f"{sum(missing.values())} expected cases produced no result and count as errors (not run)")
    return counts, notes


@dataclass(frozen=True)
class Totals:
    overall: Counter[str]
    public: Counter[str]
    groups: dict[str, Counter[str]]


def total_up(counts: dict[str, Counter[str]], internal: set[str]) -> Totals:
    overall: Counter[str] = Counter()
    public: Counter[str] = Counter()
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for key, outcome_counts in counts.items():
        overall.update(outcome_counts)
        groups[group_of(key)].update(outcome_counts)
        if not is_internal(key, internal):
            public.update(outcome_counts)
    return Totals(overall, public, dict(groups))


def percent(part: int, whole: int) -> str:
    return f"{100.0 * part / whole if whole else 0.0:.1f}%"


def group_table(totals: Totals) -> list[str]:
    header = f"{'group':42} {'cases':>6} {'passed':>6} {'failed':>6} {'error':>6} {'skip':>5} {'xfail':>5} {'pass%':>6}"
    lines = [header, "-" * len(header)]
    for group in sorted(totals.groups):
        c = totals.groups[group]
        cases = sum(c.values())
        lines.append(f"{group:42} {cases:6d} {c['passed']:6d} {c['failed']:6d} {c['error']:6d} "
                     f"{c['skipped']:5d} {c['xfailed']:5d} {percent(c['passed'], cases):>6}")
    lines.append("-" * len(header))
    return lines


def breakdown(label: str, c: Counter[str]) -> str:
    return (f"{label:8} {sum(c.values())} cases: passed {c['passed']}, failed {c['failed']}, errors {c['error']}, "
            f"skipped {c['skipped']}, xfailed {c['xfailed']}")


def total_lines(totals: Totals) -> list[str]:
    """The two lines every run ends with."""
    public_cases, all_cases = sum(totals.public.values()), sum(totals.overall.values())
    public_passed, all_passed = totals.public["passed"], totals.overall["passed"]
    return [
        f"conformance-public: {public_passed} passed of {public_cases} ({percent(public_passed, public_cases)})",
        f"conformance: {all_passed} passed of {all_cases} ({percent(all_passed, all_cases)})",
    ]
