"""A build killed at any moment leaves no partial dist/<version>; the next build cleans up.

The build runs in a subprocess with the CORPUS_TOOLS_RELEASE_PAUSE hook, which makes it touch a
marker file and sleep at a named stage; the test waits for the marker, then SIGKILLs it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus_tools.release import build_release
from corpus_tools.release.build import PAUSE_ENV
from release_factories import seed_inputs

TESTS = Path(__file__).resolve().parent
BUILD = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
from corpus_tools.release import build_release
from release_factories import seed_inputs
build_release(*seed_inputs(), sys.argv[1], "1.0.0")
"""


def _wait_for(marker: Path, process: subprocess.Popen) -> None:
    """Until the build reaches the hook (a generous bound guards against a hung build, not a timing test)."""
    deadline = time.monotonic() + 120
    while not marker.exists():
        if process.poll() is not None:
            raise AssertionError(f"build exited early: {process.stderr.read().decode()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("build never reached the pause hook")
        time.sleep(0.05)


@pytest.mark.parametrize("stage", ["mid-build", "before-publish"])
def test_killed_build_leaves_no_release_and_the_next_build_succeeds(tmp_path, stage):
    dist, marker = tmp_path / "dist", tmp_path / "marker"
    env = {**os.environ, PAUSE_ENV: f"{stage}:{marker}"}
    process = subprocess.Popen([sys.executable, "-c", BUILD, str(dist)], env=env, stderr=subprocess.PIPE)
    _wait_for(marker, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not (dist / "1.0.0").exists()
    leftovers = [p.name for p in dist.iterdir()]
    assert len(leftovers) == 1 and leftovers[0].startswith(".1.0.0.partial-")  # the kill hit mid-write
    result = build_release(*seed_inputs(), dist, "1.0.0")
    assert result.status == "built"
    assert [p.name for p in dist.iterdir()] == ["1.0.0"]
