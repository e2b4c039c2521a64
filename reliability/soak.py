"""Many requests in a row: the server's memory (RSS) must stay flat, and no request may fail.

    python reliability/soak.py                                 # 1,000,000 requests, one worker
    python reliability/soak.py --requests 100000               # a shorter run
    python reliability/soak.py --workers 2                     # each of two workers must stay flat
    python reliability/soak.py --framework fastapi             # FastAPI 0.165.0 for comparison

wrk (mix.lua, with 4xx answers mixed in) runs in rounds of ``--round-seconds`` until the
requested count is reached or ``--max-minutes`` have passed; the RSS of every server
process is read from /proc after each round. The first ``--warm-up`` share of the
requests fills caches and is not judged; after it, every sample must stay within
``--tolerance`` of the first sample taken after warm-up.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import server  # noqa: E402
import wrk_driver  # noqa: E402
from targets import FRAMEWORKS  # noqa: E402

APP = "corpus_app"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def serving_pids(main_pid: int, workers: int) -> list[int]:
    """The processes that answer requests: the server itself, or its worker children."""
    if workers == 1:
        return [main_pid]
    children = Path(f"/proc/{main_pid}/task/{main_pid}/children").read_text().split()
    # uvicorn's supervisor also starts a multiprocessing resource tracker: keep the busy workers only.
    return sorted(int(pid) for pid in children if rss_kib(int(pid)) > 30_000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--framework", choices=FRAMEWORKS, default="nimbleapi")
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--round-seconds", type=int, default=10)
    parser.add_argument("--max-minutes", type=float, default=60)
    parser.add_argument("--warm-up", type=float, default=0.1, help="share of the requests not judged")
    parser.add_argument("--tolerance", type=float, default=0.05)
    args = parser.parse_args()
    deadline = time.monotonic() + args.max_minutes * 60
    done = failures = 0
    baseline: list[int] | None = None
    worst = 0.0
    with server.running(APP, args.framework, workers=args.workers) as running:
        pids = serving_pids(running.process.pid, args.workers)
        print(f"{args.framework}, {args.workers} worker(s), pids {pids}, RSS at start {[rss_kib(p) for p in pids]} KiB")
        while done < args.requests and time.monotonic() < deadline:
            result = wrk_driver.run(running.url, connections=args.connections, seconds=args.round_seconds, mix="mixed")
            done += result.requests
            failures += result.socket_errors + result.server_errors
            rss = [rss_kib(pid) for pid in pids]
            if baseline is None and done >= args.warm_up * args.requests:
                baseline = rss
            drift = max(((now - base) / base for now, base in zip(rss, baseline)), key=abs) if baseline else 0.0
            worst = max(worst, abs(drift))
            print(f"  {done:9d} requests  RSS {rss} KiB  drift {drift:+.1%}  ({result.rps:,.0f}/s, failures {failures})")
    flat = worst <= args.tolerance
    finished = done >= args.requests
    print(f"{done} requests, failures {failures}, largest RSS drift after warm-up {worst:.1%} "
          f"(limit {args.tolerance:.0%}){'' if finished else ', STOPPED at --max-minutes before the requested count'}")  # fmt: skip
    return 0 if flat and failures == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
