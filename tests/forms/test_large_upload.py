"""A 500 MB upload streams through to disk: the server process never holds the file in memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).with_name("stream_upload_probe.py")
REPO_ROOT = Path(__file__).resolve().parents[2]
UPLOAD_SIZE = 500 * 1024 * 1024
# Growth of peak resident memory allowed while the upload is handled: a small fraction of it.
RSS_BUDGET_KIB = 64 * 1024


@pytest.mark.timeout(300)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads peak RSS from /proc/self/status")
def test_500_mb_upload_streams_within_a_bounded_memory_budget() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    completed = subprocess.run(
        [sys.executable, str(PROBE), str(UPLOAD_SIZE)], capture_output=True, text=True, timeout=280, env=env, check=False
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["status"] == 200
    assert report["result"]["size"] == UPLOAD_SIZE
    assert report["result"]["reported_size"] == UPLOAD_SIZE
    assert report["result"]["crc"] == report["expected_crc"]
    growth = report["peak_kib"] - report["baseline_kib"]
    assert growth < RSS_BUDGET_KIB, f"peak RSS grew by {growth} KiB while streaming {UPLOAD_SIZE} bytes"
