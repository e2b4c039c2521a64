"""What a result was measured with: package versions, the machine, and how busy it was."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent.parent

PACKAGES = ("nimbleapi", "fastapi", "starlette", "pydantic", "pydantic-core", "litestar", "msgspec",
            "uvicorn", "granian", "uvloop", "httptools", "orjson", "anyio")


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    found["nimbleapi checkout"] = nimbleapi_revision()
    return found


def nimbleapi_revision() -> str | None:
    """The checkout's commit, with "+changes" when nimbleapi/ differs from it (read-only git calls)."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", "--no-optional-locks", "-C", str(CHECKOUT), *args],
                              capture_output=True, text=True, timeout=10)
        return done.stdout.strip() if done.returncode == 0 else ""

    try:
        commit = git("log", "-1", "--format=%h")
        changed = git("status", "--porcelain", "--untracked-files=no", "--", "nimbleapi")
    except OSError:
        return None
    return f"{commit}{'+changes' if changed else ''}" if commit else None


def versions_line() -> str:
    found = versions()
    revision = found.pop("nimbleapi checkout")
    listed = ", ".join(f"{name} {version}" for name, version in found.items() if version)
    return f"Python {platform.python_version()}, {listed}" + (f" (checkout {revision})" if revision else "")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, object]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "executable": os.path.basename(sys.executable),
    }


def _machine_busy_seconds() -> float | None:
    try:
        with open("/proc/stat") as stat:
            ticks = [int(x) for x in stat.readline().split()[1:9]]
    except OSError:
        return None
    idle = ticks[3] + ticks[4]
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class ForeignLoad:
    """How many cores other work kept busy between start and stop (0 = a quiet machine).

    Pass CPU time spent by processes this one started but has not reaped
    (e.g. a server) to `stop` so it is not counted as foreign.
    """

    def __init__(self) -> None:
        self._wall, self._busy, self._own = time.monotonic(), _machine_busy_seconds(), _own_cpu_seconds()

    def stop(self, unreaped_own_cpu_s: float = 0.0) -> float | None:
        busy = _machine_busy_seconds()
        wall = time.monotonic() - self._wall
        if busy is None or self._busy is None or wall <= 0:
            return None
        own = _own_cpu_seconds() - self._own + unreaped_own_cpu_s
        return round(max(0.0, busy - self._busy - own) / wall, 2)
