#!/usr/bin/env bash
# The example's test suite, unchanged, on the real FastAPI 0.165.0: a virtualenv with FastAPI and the
# example's libraries (the `fullstack` extra of the repository's pyproject.toml) and no nimbleapi.
#   bash examples/fullstack/run_on_fastapi.sh [VENV_DIR] [PYTEST_ARGS...]   (default /tmp/fullstack-fastapi-venv)
# TEST_DATABASE_URL / TEST_REDIS_URL are passed through, as for the nimbleapi run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${1:-/tmp/fullstack-fastapi-venv}"
shift || true
"${PYTHON:-python3}" -m venv "$venv"
# The extra's requirements, with the nimbleapi[...] extras it includes expanded (nimbleapi itself left out).
mapfile -t requirements < <("$venv/bin/python" - "$here/../../pyproject.toml" <<'PY'
import sys, tomllib

extras = tomllib.load(open(sys.argv[1], "rb"))["project"]["optional-dependencies"]


def expand(name):
    for requirement in extras[name]:
        if requirement.startswith("nimbleapi["):
            for extra in requirement[len("nimbleapi["):-1].split(","):
                yield from expand(extra)
        else:
            yield requirement


print("\n".join(sorted(set(expand("fullstack")))))
PY
)
"$venv/bin/python" -m pip install -q --disable-pip-version-check "fastapi==0.165.0" "${requirements[@]}" pytest pyyaml
cd "$here"  # where pytest runs: nothing there may make nimbleapi importable
if "$venv/bin/python" -c "import nimbleapi" 2>/dev/null; then
  echo "nimbleapi is importable in $venv: this run would not be on FastAPI" >&2
  exit 1
fi
"$venv/bin/python" -c "import fastapi; print('FastAPI', fastapi.__version__, 'from', fastapi.__file__)"
exec "$venv/bin/python" -m pytest "$@"
