"""The bench runner's memory accounting counts worker processes (no timings here)."""

from __future__ import annotations

import sys
from pathlib import Path

from bench.run import measure

# Touches 64 MiB, then forks: the child's RSS counts the 64 MiB it shares, as the parent's does.
FORKING = """
import os, time
block = bytearray(64 << 20)
pid = os.fork()
time.sleep(2)  # many samples, even on a busy machine
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
"""


def test_tree_rss_sums_the_process_and_its_forks(tmp_path: Path) -> None:
    result = measure("forks", [sys.executable, "-c", FORKING], tmp_path, tmp_path / "logs")
    assert result.ok, result.note
    assert 64 <= result.peak_rss_mb < 128  # one process's peak: the block once
    assert result.tree_rss_mb >= 128  # both processes' RSS, summed
