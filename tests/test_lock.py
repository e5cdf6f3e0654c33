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
