"""The corpus lock: one writing command at a time, released by the kernel however the holder ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from corpus_tools.errors import CorpusError
from corpus_tools.layout import Layout
from corpus_tools.lock import corpus_lock, lock_path

HOLDER = """
import sys, time
from corpus_tools.layout import Layout
from corpus_tools.lock import corpus_lock
with corpus_lock(Layout.at(sys.argv[1]), "ingest"):
    print("held", flush=True)
    time.sleep(600)
"""


def _hold(root) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(root)], stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert process.stdout.readline() == "held\n"
    return process


def test_a_second_command_is_refused_naming_the_holder_until_the_holder_is_killed(tmp_path):
    layout = Layout.at(tmp_path)
    holder = _hold(tmp_path)
    try:
        with pytest.raises(CorpusError) as caught:
            with corpus_lock(layout, "release"):
                pass
        assert caught.value.code == "corpus-locked"
        assert f"ingest, pid {holder.pid}, since " in caught.value.message
        assert str(lock_path(layout)) in str(caught.value)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with corpus_lock(layout, "release"):  # kill -9 left no stale lock
        assert "release, pid" in lock_path(layout).read_text()
    assert lock_path(layout).read_text() == ""


def test_the_lock_is_reentrant_within_a_process(tmp_path):
    layout = Layout.at(tmp_path)
    with corpus_lock(layout, "pull"):
        with corpus_lock(layout, "ingest"):
            pass
        assert "pull" in lock_path(layout).read_text()


@pytest.mark.parametrize("kind", ["link", "fifo"])
def test_a_lock_path_that_is_no_regular_file_is_refused_and_nothing_it_names_is_written(tmp_path, kind):
    """The lock was opened through a symbolic link and truncated its target: a link at
    build/corpus.lock to a published release's README.md emptied it (found by a hunt)."""
    layout = Layout.at(tmp_path)
    target = tmp_path / "dist" / "1.0.0" / "README.md"
    target.parent.mkdir(parents=True)
    target.write_text("published\n")
    lock_path(layout).parent.mkdir(parents=True)
    if kind == "link":
        lock_path(layout).symlink_to(target)
    else:
        os.mkfifo(lock_path(layout))
    with pytest.raises(CorpusError) as caught:
        with corpus_lock(layout, "release"):
            pass
    assert caught.value.code == "file-error" and caught.value.location.file == str(lock_path(layout))
    assert ("a symbolic link" in caught.value.message) == (kind == "link")
    assert target.read_text() == "published\n"
