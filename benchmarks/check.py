#!/usr/bin/env python
"""Correctness only: every target answers every case (timed and check-only) the same way.

    python benchmarks/check.py [--targets raw,starlette,fastapi,nimbleapi,litestar] [--scenarios a,b]

Exit status 0 when every case passes, 1 on any difference (each one printed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import asgi, loop  # noqa: E402
from harness.check import run_check  # noqa: E402
from harness.scenarios import ALL_CASES, select  # noqa: E402
from harness.targets import TARGETS_HELP, load_targets  # noqa: E402


async def main(args: argparse.Namespace) -> int:
    targets = load_targets(args.targets)
    if not targets:
        print("no target could be loaded")
        return 2
    lifespans = {t.name: asgi.Lifespan(t.app) for t in targets}
    states = {name: await lifespan.startup() for name, lifespan in lifespans.items()}
    print(f"correctness check: {', '.join(t.name for t in targets)}")
    passed = await run_check(targets, select(args.scenarios, default=ALL_CASES), states)
    for lifespan in lifespans.values():
        await lifespan.shutdown()
    print("check passed" if passed else "check FAILED")
    return 0 if passed else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", default=None, help=TARGETS_HELP)
    parser.add_argument("--scenarios", default=None, help="comma list of case names (default: all cases)")
    sys.exit(loop.run(main(parser.parse_args())))
