"""Entry point for a real server, run from benchmarks/.

    python serve.py --server granian|uvicorn --port PORT [--workers N]

serves the target named by NIMBLEAPI_BENCH_TARGET (raw, starlette, fastapi, nimbleapi
or litestar; default fastapi) the way ``nimbleapi run --server ... --no-access-log``
serves an application: the same server set-up code (nimbleapi._servers), with proxy
headers on, as fastapi-cli and nimbleapi both default to. ``serve:app`` also still works
as an import string for running a server by hand (``uvicorn serve:app``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness.targets import load_target  # noqa: E402

TARGET_VARIABLE = "NIMBLEAPI_BENCH_TARGET"
APP_TIME_VARIABLE = "NIMBLEAPI_BENCH_APP_TIME"  # set: the app's own time is measured (harness/app_time.py)


def create_app() -> Any:
    app = load_target(os.environ.get(TARGET_VARIABLE, "fastapi")).app
    if os.environ.get(APP_TIME_VARIABLE):
        from harness.app_time import timed

        app = timed(app)
    return app


def main() -> None:
    from nimbleapi._servers import SERVERS, ServeOptions, serve

    parser = argparse.ArgumentParser()
    parser.add_argument("--server", choices=SERVERS, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parent),
                                                            os.environ.get("PYTHONPATH")]))
    serve(args.server, ServeOptions(
        factory="serve:create_app", host="127.0.0.1", port=args.port, reload=False, reload_dirs=None,
        workers=args.workers, root_path="", proxy_headers=True, forwarded_allow_ips=None, access_log=False,
        verbose=False))


def __getattr__(name: str) -> Any:
    if name == "app":  # built on first access only: the factory above is what the servers call
        return create_app()
    raise AttributeError(name)


if __name__ == "__main__":
    main()
