"""The bench runner's memory accounting counts worker processes (no timings here)."""

from __future__ import annotations

import subprocess
import sys

from bench.run import TreeMemory

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


def test_tree_memory_sums_the_process_and_its_forks() -> None:
    child = subprocess.Popen([sys.executable, "-c", FORKING])
    tree = TreeMemory(child.pid)
    tree.start()
    assert child.wait() == 0
    tree.finish()
    assert tree.peak_mb >= 128  # both processes' RSS, summed (one alone is 64 MiB + the interpreter)
