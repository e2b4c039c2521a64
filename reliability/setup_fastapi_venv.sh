#!/usr/bin/env bash
# A virtualenv with real FastAPI 0.165.0 (and no nimbleapi), for the side-by-side runs.
#   bash reliability/setup_fastapi_venv.sh [VENV_DIR]   (default: ~/.cache/nimbleapi-fastapi-0.165.0)
# Then: export RELIABILITY_FASTAPI_PYTHON=VENV_DIR/bin/python
set -euo pipefail
venv="${1:-$HOME/.cache/nimbleapi-fastapi-0.165.0}"
"${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install -q "fastapi==0.165.0" "uvicorn[standard]" python-multipart hypercorn \
  "pwdlib[argon2]" pyjwt
"$venv/bin/python" -m pip list 2>/dev/null | grep -iE "^(fastapi|starlette|pydantic|uvicorn|hypercorn) "
echo "export RELIABILITY_FASTAPI_PYTHON=$venv/bin/python"
