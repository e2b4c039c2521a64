"""Many concurrent connections for a fixed time: every request must be answered, none with a 5xx.

    python reliability/load.py                                  # 1,000 connections, 60 s, one worker
    python reliability/load.py --workers 2                      # the same on two workers
    python reliability/load.py --framework fastapi              # FastAPI 0.165.0 for comparison
    python reliability/load.py --connections 200 --seconds 10   # a short run

Serves apps/corpus_app.py with uvicorn on loopback and drives it with wrk (mix.lua).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import server  # noqa: E402
import wrk_driver  # noqa: E402
from targets import FRAMEWORKS  # noqa: E402

APP = "corpus_app"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--framework", choices=FRAMEWORKS, default="nimbleapi")
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--mix", choices=("ok", "mixed"), default="ok", help="mixed adds 4xx requests")
    args = parser.parse_args()
    with server.running(APP, args.framework, workers=args.workers) as running:
        result = wrk_driver.run(running.url, connections=args.connections, seconds=args.seconds, mix=args.mix)
        alive = running.process.poll() is None
    print(f"{args.framework}, {args.workers} worker(s), {args.connections} connections, {args.seconds} s:")
    print(f"  {result.describe()}")
    errors = result.socket_errors + result.server_errors + (result.non_2xx if args.mix == "ok" else 0)
    print(f"  errors: {errors}; server still running at the end: {alive}")
    return 0 if errors == 0 and alive else 1


if __name__ == "__main__":
    raise SystemExit(main())
