"""Reading a suite's JUnit XML into per-test outcomes, and comparing the two sides."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

OUTCOMES = ("passed", "failed", "errors", "skipped")
# when pytest reports a test twice (a failure and a teardown error), the worse one counts
SEVERITY = {"passed": 0, "skipped": 1, "failed": 2, "errors": 3}


@dataclass
class SideResult:
    outcomes: dict[str, str] = field(default_factory=dict)  # test id -> outcome
    messages: dict[str, str] = field(default_factory=dict)  # test id -> first line of the failure
    note: str = ""  # set when the run itself broke (time limit, no XML)

    def counts(self) -> dict[str, int]:
        tally = Counter(self.outcomes.values())
        return {outcome: tally.get(outcome, 0) for outcome in OUTCOMES}


def _test_id(case: ElementTree.Element) -> str:
    classname, name = case.get("classname", ""), case.get("name", "")
    return f"{classname}::{name}" if classname else name


def _outcome(case: ElementTree.Element) -> tuple[str, str]:
    for tag, outcome in (("error", "errors"), ("failure", "failed"), ("skipped", "skipped")):
        found = case.find(tag)
        if found is not None:
            message = (found.get("message") or found.text or "").strip().splitlines()
            return outcome, message[0][:300] if message else ""
    return "passed", ""


def read_junit(path: Path) -> SideResult:
    result = SideResult()
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        test_id = _test_id(case)
        outcome, message = _outcome(case)
        previous = result.outcomes.get(test_id)
        if previous is None or SEVERITY[outcome] > SEVERITY[previous]:
            result.outcomes[test_id] = outcome
            if message:
                result.messages[test_id] = message
    return result


def differences(baseline: SideResult, nimble: SideResult) -> list[tuple[str, str, str, str]]:
    """Tests run on both sides whose outcome differs: (id, baseline, nimbleapi, nimbleapi's message).

    Ids seen on one side only are left out: some suites generate random parameter ids, and a
    side that failed to collect shows in its counts."""
    rows = []
    for test_id in sorted(set(baseline.outcomes) & set(nimble.outcomes)):
        before, after = baseline.outcomes[test_id], nimble.outcomes[test_id]
        if before != after:
            rows.append((test_id, before, after, nimble.messages.get(test_id, "")))
    return rows
