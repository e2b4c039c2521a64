"""Run FastAPI's own test suite against nimbleapi and report how much of it passes.

    python conformance/run.py             measure and report
    python conformance/run.py --gate      ... and fail if a test in passing.txt no longer passes
    python conformance/run.py --update    ... and rewrite passing.txt with the tests passing now
    python conformance/run.py -- -k websocket    a partial run (extra pytest arguments)

FastAPI's source distribution is downloaded from PyPI into a cache outside the
checkout; its tests run with `import fastapi` resolving to this checkout's
nimbleapi (see README.md). The last two lines printed are always the totals:

    conformance-public: P passed of T (X%)
    conformance: P passed of T (X%)

Exit status: 0 done; 1 tests listed in passing.txt do not pass now (--gate fails,
--update refuses unless --allow-regressions); 2 the run could not be made.
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = True  # keep the checkout free of __pycache__ from these modules

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import results  # noqa: E402
import workspace  # noqa: E402
from workspace import FASTAPI_VERSION, HERE, Cache, SetupError, log  # noqa: E402

PASSING = HERE / "passing.txt"
EXPECTED = HERE / "expected_counts.tsv"
INTERNAL = HERE / "internal_tests.txt"
PASSING_HEADER = (
    f"# FastAPI {FASTAPI_VERSION} test cases that pass on nimbleapi; conformance/run.py --gate fails when one\n"
    "# of them stops passing. Regenerate with: python conformance/run.py --update\n"
)
PYTEST_COMPLETED = (0, 1)  # all passed / some failed; anything else means the run itself broke
SHOWN_REGRESSIONS = 200
MAX_RETRIES = 50  # more than this many failures is a real regression, not flakiness


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="conformance/run.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--gate", action="store_true", help="exit 1 if a test listed in --passing does not pass")
    mode.add_argument("--update", action="store_true", help="rewrite --passing with the tests that pass now")
    parser.add_argument("--allow-regressions", action="store_true",
                        help="let --update drop listed tests that no longer pass")
    parser.add_argument("--passing", type=Path, default=PASSING, help="passing-ids file (default: %(default)s)")
    parser.add_argument("--cache", type=Path, default=workspace.default_cache(),
                        help="cache outside any git work tree (default: $NIMBLEAPI_CONFORMANCE_CACHE or %(default)s)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter the cached venv is created with (default: this one)")
    parser.add_argument("--venv", type=Path, help="use this existing environment as it is instead of the cached one")
    parser.add_argument("--jobs", type=int, default=2, help="pytest-xdist workers, 0 for none (default: %(default)s)")
    parser.add_argument("--timeout", type=int, default=60, help="seconds per test (default: %(default)s)")
    parser.add_argument("pytest_args", nargs="*", metavar="-- PYTEST_ARGS",
                        help="extra pytest arguments; makes the run partial (not with --gate/--update)")
    args = parser.parse_args(argv)
    if args.pytest_args and (args.gate or args.update):
        parser.error("--gate and --update need the whole suite; drop the extra pytest arguments")
    return args


def pytest_command(python: Path, junit: Path, jobs: int, timeout: int, extra: list[str]) -> list[str]:
    command = [
        str(python), "-m", "pytest",
        "-p", "no:cacheprovider", "--continue-on-collection-errors", "--inline-snapshot=disable",
        "-q", "--tb=short", "--timeout", str(timeout),
        "--junitxml", str(junit), "-o", "junit_logging=no",
    ]
    if jobs > 0:
        command += ["-n", str(jobs), "--dist", "loadgroup"]
    paths_given = any(arg == "tests" or arg.startswith("tests/") for arg in extra)
    return command + extra + ([] if paths_given else ["tests"])


def prepare(cache: Cache, args: argparse.Namespace) -> tuple[Path, dict[str, str]]:
    python = workspace.check_given_venv(args.venv) if args.venv else workspace.ensure_venv(cache, args.python)
    sdist = workspace.ensure_sdist(cache, python)
    tree = workspace.unpack_tree(cache, sdist)
    env = workspace.run_environment(python, cache, workspace.prepare_imports(cache))
    log(workspace.describe_alias(python, env, tree))
    return python, env


def run_pytest(command: list[str], env: dict[str, str], cache: Cache, log_file: Path) -> int:
    with log_file.open("w") as output:
        return subprocess.run(command, cwd=cache.tree, env=env, stdout=output, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL).returncode


def run_suite(python: Path, env: dict[str, str], cache: Cache, out: Path, args: argparse.Namespace) -> int:
    junit, pytest_log = out / "junit.xml", out / "pytest.log"
    junit.unlink(missing_ok=True)
    log(f"running FastAPI {FASTAPI_VERSION}'s tests (jobs={args.jobs}, timeout={args.timeout}s); log: {pytest_log}")
    started = time.monotonic()
    code = run_pytest(pytest_command(python, junit, args.jobs, args.timeout, args.pytest_args), env, cache, pytest_log)
    lines = pytest_log.read_text(errors="replace").splitlines()
    last = next((line.strip("= ") for line in reversed(lines) if line.strip()), "")
    log(f"pytest exited {code} after {time.monotonic() - started:.0f}s: {last}")
    if not junit.is_file():
        raise SetupError(f"pytest wrote no JUnit XML (exit {code}); see {pytest_log}:\n" + "\n".join(lines[-20:]))
    return code


def retry(ids: list[str], python: Path, env: dict[str, str], cache: Cache, out: Path, timeout: int) -> set[str]:
    """Run *ids* once more on one worker and return those that pass: a timing-sensitive test
    that failed under load should not fail the gate; a real regression fails twice."""
    log(f"running the {len(ids)} listed tests that did not pass once more")
    junit = out / "retry.xml"
    junit.unlink(missing_ok=True)
    run_pytest(pytest_command(python, junit, 0, timeout, ids), env, cache, out / "retry.log")
    passed = set(results.read_junit(junit, cache.tree).passing_ids()) if junit.is_file() else set()
    return passed & set(ids)


def report(run: results.RunResults, totals: results.Totals, notes: list[str]) -> list[str]:
    lines = [f"== nimbleapi against FastAPI {FASTAPI_VERSION}'s test suite ==", ""]
    lines += results.group_table(totals)
    if run.messages:
        lines += ["", "most common failure and error messages:"]
        lines += [f"  {count:6d}  {message}" for message, count in run.messages.most_common(15)]
    lines += [""] + [f"note: {note}" for note in notes]
    lines += [results.breakdown("all", totals.overall), results.breakdown("public", totals.public)]
    return lines


def read_ids(path: Path) -> set[str]:
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}


def write_ids(path: Path, ids: set[str], header: str = "") -> None:
    path.write_text(header + "".join(f"{test_id}\n" for test_id in sorted(ids)), encoding="utf-8")


@dataclass(frozen=True)
class Outcome:
    """What one invocation measured."""

    pytest_code: int
    run: results.RunResults
    passing: set[str]
    flaky: set[str]  # listed tests that failed, then passed on the second try
    out: Path


def execute(args: argparse.Namespace, committed: set[str]) -> Outcome:
    cache = Cache.open(args.cache)
    with cache.lock():
        started = time.monotonic()
        python, env = prepare(cache, args)
        log(f"set-up took {time.monotonic() - started:.0f}s")
        out = cache.results_dir()
        pytest_code = run_suite(python, env, cache, out, args)
        run = results.read_junit(out / "junit.xml", cache.tree)
        passing = set(run.passing_ids())
        # only tests that ran can be selected again: pytest stops at an id it cannot find
        missing = sorted(test_id for test_id in committed - passing if test_id in run.cases)
        flaky = retry(missing, python, env, cache, out, args.timeout) if 0 < len(missing) <= MAX_RETRIES else set()
    return Outcome(pytest_code, run, passing, flaky, out)


def summarize(outcome: Outcome, partial: bool) -> results.Totals:
    """Print the report and write it, with the passing ids, to the results folder."""
    counts, notes = results.count_by_function(outcome.run, results.read_expected(EXPECTED), partial)
    totals = results.total_up(counts, results.read_internal(INTERNAL))
    if partial:
        notes.append("partial run (extra pytest arguments): tests that were not selected are not counted")
    lines = report(outcome.run, totals, notes)
    (outcome.out / "summary.txt").write_text("\n".join(lines + results.total_lines(totals)) + "\n")
    (outcome.out / "summary.json").write_text(json.dumps(
        {"all": totals.overall, "public": totals.public, "groups": totals.groups}, indent=1, sort_keys=True))
    write_ids(outcome.out / "passing.txt", outcome.passing)
    print("\n".join(lines))
    print(f"results: {outcome.out} (junit.xml, pytest.log, summary.txt, passing.txt)")
    return totals


def check_listed(outcome: Outcome, committed: set[str], passing_file: Path, mode: str) -> set[str]:
    """Print how the run compares with *passing_file*; return the listed tests that do not pass."""
    regressions = committed - outcome.passing - outcome.flaky
    write_ids(outcome.out / "regressions.txt", regressions)
    new = outcome.passing - committed
    if new:
        print(f"{mode}: {len(new)} tests pass now that {passing_file.name} does not list")
    if outcome.flaky:
        print(f"{mode}: {len(outcome.flaky)} listed tests failed at first and passed when run again:")
        print("".join(f"  {test_id}\n" for test_id in sorted(outcome.flaky)), end="")
    if regressions:
        shown = sorted(regressions)[:SHOWN_REGRESSIONS]
        print(f"{mode}: {len(regressions)} of the {len(committed)} tests in {passing_file} do not pass now:")
        print("".join(f"  {test_id}\n" for test_id in shown), end="")
        if len(regressions) > len(shown):
            print(f"  ... and {len(regressions) - len(shown)} more (all in {outcome.out / 'regressions.txt'})")
    return regressions


def update(outcome: Outcome, committed: set[str], args: argparse.Namespace) -> int:
    if outcome.pytest_code not in PYTEST_COMPLETED:
        print(f"update: refused, pytest exited {outcome.pytest_code} so the results may be incomplete")
        return 2
    regressions = check_listed(outcome, committed, args.passing, "update")
    if regressions and not args.allow_regressions:
        print("update: refused, listed tests stopped passing; fix them, or drop them with --allow-regressions")
        return 1
    write_ids(args.passing, outcome.passing | outcome.flaky, PASSING_HEADER)
    print(f"update: wrote {len(outcome.passing | outcome.flaky)} passing test ids to {args.passing}")
    return 0


def gate(outcome: Outcome, committed: set[str], passing_file: Path) -> int:
    if check_listed(outcome, committed, passing_file, "gate"):
        print("gate: FAILED (a test that passed before fails now; see above)")
        return 1
    if outcome.pytest_code not in PYTEST_COMPLETED:
        print(f"gate: FAILED, pytest exited {outcome.pytest_code} (interrupted or internal error)")
        return 1
    print(f"gate: OK, all {len(committed)} tests in {passing_file} pass")
    return 0


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    try:
        if args.gate and not args.passing.is_file():
            raise SetupError(f"no passing-ids file at {args.passing}; create it with --update")
        compared = args.gate or (args.update and args.passing.is_file())
        committed = read_ids(args.passing) if compared else set()
        outcome = execute(args, committed)
    except SetupError as error:
        print(f"conformance: error: {error}", file=sys.stderr)
        return 2
    totals = summarize(outcome, partial=bool(args.pytest_args))
    code = 0
    if args.update:
        code = update(outcome, committed, args)
    elif args.gate:
        code = gate(outcome, committed, args.passing)
    print(f"total time {time.monotonic() - started:.0f}s")
    print("\n".join(results.total_lines(totals)))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
