#!/usr/bin/env bash
# The whole benchmark, in the order the README reports it (~10 minutes on 2 cores):
#   bash benchmarks/run.sh [VENV_DIR]     (default: ~/.cache/nimbleapi-bench-venv, made by setup_venv.sh)
# Results go to benchmarks/results/ (JSON plus the same report as markdown).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${1:-$HOME/.cache/nimbleapi-bench-venv}/bin/python"
"$python" "$here/check.py"
"$python" "$here/bench_inprocess.py"
"$python" "$here/startup/bench_startup.py"
"$python" "$here/bench_http.py"
