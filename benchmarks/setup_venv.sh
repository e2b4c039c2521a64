#!/usr/bin/env bash
# Create the benchmark virtualenv: FastAPI, Litestar, uvicorn... and nimbleapi from this checkout.
#   bash benchmarks/setup_venv.sh [VENV_DIR]   (default: ~/.cache/nimbleapi-bench-venv)
# Also installs wrk (Debian package) when it is missing and apt-get can be used.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${1:-$HOME/.cache/nimbleapi-bench-venv}"
"${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -r "$here/requirements.txt"
# The fullstack extra: the libraries of examples/fullstack, which bench_app.py serves.
"$venv/bin/python" -m pip install -q -e "$here/..[fullstack]"
if ! command -v wrk >/dev/null; then
  if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
    apt-get update -qq && apt-get install -y -qq wrk
  else
    echo "wrk is missing; bench_http.py needs it (Debian: apt-get install wrk)" >&2
  fi
fi
"$venv/bin/python" -m pip list 2>/dev/null | grep -iE "^(nimbleapi|fastapi|starlette|pydantic|pydantic_core|litestar|uvicorn|uvloop|httptools|orjson) "
echo "benchmark venv ready: $venv"
