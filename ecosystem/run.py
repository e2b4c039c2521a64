"""Run the own test suites of widely used FastAPI extensions on FastAPI 0.165.0 and on nimbleapi.

    python ecosystem/run.py                        every suite, both sides, one after the other
    python ecosystem/run.py --suite cadwyn         one suite (repeat --suite for more)
    python ecosystem/run.py --suite cadwyn --side nimbleapi -- -k versioning -x
    python ecosystem/run.py --list                 the suites and their pinned versions
    python ecosystem/run.py --report               the table again, from the results in the cache

Each extension's sdist is downloaded from PyPI (pinned version and sha256) into a
cache outside the checkout. The baseline runs its tests with the real FastAPI
0.165.0; the nimbleapi side is a copy of that environment (so exactly the same
packages) without FastAPI, where `import fastapi` gives this checkout's nimbleapi. The table at the end
gives passed / failed / errors / skipped per suite and side; results/ in the
cache holds the JUnit XML, the pytest logs and every test whose outcome differs.
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = True  # keep the checkout free of __pycache__ from these modules

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import environments as envs  # noqa: E402
from environments import BASELINE, NIMBLEAPI, SIDES, Cache, SetupError, log  # noqa: E402
from outcomes import OUTCOMES, SideResult, differences, read_junit  # noqa: E402
from suites import SUITES, Suite, by_name  # noqa: E402


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ecosystem/run.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", action="append", choices=sorted(by_name()), help="run only this suite (repeatable)")
    parser.add_argument("--side", choices=(*SIDES, "both"), default="both", help="default: %(default)s")
    parser.add_argument("--cache", type=Path, default=envs.default_cache(),
                        help="cache outside any git work tree (default: $NIMBLEAPI_ECOSYSTEM_CACHE or %(default)s)")
    parser.add_argument("--python", default=sys.executable, help="interpreter the venvs are made with")
    parser.add_argument("--timeout", type=int, default=60, help="seconds per test (default: %(default)s)")
    parser.add_argument("--time-limit", type=int, help="seconds per suite and side (default: each suite's own)")
    parser.add_argument("--list", action="store_true", help="list the suites and exit")
    parser.add_argument("--report", action="store_true",
                        help="run nothing: rebuild the table from the results the cache holds")
    parser.add_argument("pytest_args", nargs="*", metavar="-- PYTEST_ARGS", help="extra pytest arguments")
    return parser.parse_args(argv)


def pytest_command(python: Path, suite: Suite, junit: Path, timeout: int, extra: list[str]) -> list[str]:
    command = [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-q", "--tb=short", "-rfE",
               "--timeout", str(timeout), "--junitxml", str(junit), "-o", "junit_logging=no", *suite.pytest_options]
    for test_id in suite.deselect:
        command += ["--deselect", test_id]
    # extra arguments narrow the suite; they replace its test paths only when they name paths themselves
    paths_given = any(arg.split("::")[0].startswith("tests") for arg in extra)
    return command + list(extra) + ([] if paths_given else list(suite.tests))


def run_with_limit(command: list[str], env: dict[str, str], cwd: Path, log_file: Path, limit: int) -> str:
    """Run pytest in its own process group; on the time limit the whole group is ended."""
    with log_file.open("w") as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            code = process.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return f"stopped at the time limit of {limit}s"
    return "" if code in (0, 1) else f"pytest exited {code}"


def prepare(cache: Cache, suite: Suite, side: str, base_python: str) -> Path:
    if side == BASELINE:
        return envs.ensure_baseline(cache, suite, base_python)
    return envs.ensure_nimbleapi_side(cache, suite, base_python)


def run_side(cache: Cache, suite: Suite, side: str, args: argparse.Namespace) -> SideResult:
    python = prepare(cache, suite, side, args.python)
    tree = envs.fresh_tree(cache, suite, side)
    env = envs.side_environment(cache, python, suite)
    log(f"{suite.name} [{side}]: import fastapi -> {envs.describe_fastapi(python, env, tree)}")
    results = cache.folder("results")
    junit, pytest_log = results / f"{suite.name}-{side}.xml", results / f"{suite.name}-{side}.log"
    junit.unlink(missing_ok=True)
    started = time.monotonic()
    limit = args.time_limit or suite.time_limit
    problem = run_with_limit(pytest_command(python, suite, junit, args.timeout, args.pytest_args), env, tree,
                             pytest_log, limit)
    result = read_junit(junit) if junit.is_file() else SideResult()
    result.note = problem if junit.is_file() or problem else "no JUnit XML"
    counts = " ".join(f"{value} {key}" for key, value in result.counts().items())
    log(f"{suite.name} [{side}]: {counts} in {time.monotonic() - started:.0f}s{'; ' + result.note if result.note else ''}")
    return result


def stored_result(cache: Cache, suite: Suite, side: str) -> SideResult | None:
    junit, pytest_log = (cache.root / "results" / f"{suite.name}-{side}{suffix}" for suffix in (".xml", ".log"))
    if junit.is_file():
        return read_junit(junit)
    # pytest stopped before writing its report (a conftest that cannot be imported, for one)
    return SideResult(note=f"no JUnit XML, see {pytest_log.name}") if pytest_log.is_file() else None


def format_counts(result: SideResult | None) -> str:
    if result is None:
        return "-"
    counts = result.counts()
    text = " / ".join(str(counts[key]) for key in OUTCOMES)
    return f"{text} ({result.note})" if result.note else text


def comparable(base: SideResult | None, nimble: SideResult | None) -> bool:
    """Whether the two sides ran mostly the same tests (not so when one side failed to collect)."""
    if not (base and nimble and base.outcomes and nimble.outcomes):
        return False
    shared = set(base.outcomes) & set(nimble.outcomes)
    return len(shared) * 2 >= len(base.outcomes)


def table(rows: list[tuple[Suite, dict[str, SideResult]]]) -> list[str]:
    lines = ["| extension | version | FastAPI 0.165.0 (passed / failed / errors / skipped) | nimbleapi | differ |",
             "| --- | --- | --- | --- | --- |"]
    for suite, by_side in rows:
        base, nimble = by_side.get(BASELINE), by_side.get(NIMBLEAPI)
        differ = str(len(differences(base, nimble))) if comparable(base, nimble) else "-"
        lines.append(f"| {suite.dist} | {suite.version} | {format_counts(base)} | {format_counts(nimble)} | {differ} |")
    return lines


def write_report(cache: Cache, rows: list[tuple[Suite, dict[str, SideResult]]]) -> None:
    results = cache.folder("results")
    summary = {}
    for suite, by_side in rows:
        entry = {side: {"counts": result.counts(), "note": result.note} for side, result in by_side.items()}
        if len(by_side) == 2:
            entry["differences"] = [
                {"test": test_id, BASELINE: before, NIMBLEAPI: after, "message": message}
                for test_id, before, after, message in differences(by_side[BASELINE], by_side[NIMBLEAPI])]
        summary[suite.name] = entry
    (results / "summary.json").write_text(json.dumps(summary, indent=1))
    (results / "table.md").write_text("\n".join(table(rows)) + "\n")
    print("\n".join(table(rows)))
    for suite, by_side in rows:
        if len(by_side) == 2:
            for test_id, before, after, message in differences(by_side[BASELINE], by_side[NIMBLEAPI]):
                print(f"  {suite.name}: {test_id}: {before} -> {after}  {message[:160]}")
    print(f"results: {results} (summary.json, table.md, <suite>-<side>.xml/.log)")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    chosen = [by_name()[name] for name in args.suite] if args.suite else list(SUITES)
    if args.list:
        for suite in chosen:
            print(f"{suite.name:40} {suite.dist}=={suite.version}  sha256 {suite.sha256}  {suite.note}")
        return 0
    sides = SIDES if args.side == "both" else (args.side,)
    started = time.monotonic()
    try:
        cache = Cache.open(args.cache)
    except SetupError as error:
        print(f"ecosystem: error: {error}", file=sys.stderr)
        return 2
    rows: list[tuple[Suite, dict[str, SideResult]]] = []
    broken = False
    if args.report:
        for suite in chosen:
            stored = {side: stored_result(cache, suite, side) for side in sides}
            rows.append((suite, {side: result for side, result in stored.items() if result is not None}))
        chosen = []
    for suite in chosen:
        by_side: dict[str, SideResult] = {}
        for side in sides:
            try:
                by_side[side] = run_side(cache, suite, side, args)
            except SetupError as error:
                log(f"{suite.name} [{side}]: error: {error}")
                by_side[side] = SideResult(note="set-up failed")
                broken = True
        rows.append((suite, by_side))
    write_report(cache, rows)
    print(f"total time {time.monotonic() - started:.0f}s")
    return 2 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
