"""The corpus lock: one writing command at a time, released by the kernel however the holder ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

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


def test_build_deleted_while_a_command_holds_the_lock_lets_no_second_writer_in(tmp_path):
    """The lock was a flock on build/corpus.lock alone: build/ deleted while a command held it (it is
    scratch), the next command made a new build/corpus.lock, locked it and wrote beside the first
    (a review). The root directory is locked too: the second is refused, in the one line of the
    lock's error, the holder not named (its file went with build/); once the holder is gone
    (killed), the lock is free."""
    import shutil

    layout = Layout.at(tmp_path)
    holder = _hold(tmp_path)
    try:
        shutil.rmtree(layout.build)
        with pytest.raises(CorpusError) as caught:
            with corpus_lock(layout, "release"):
                pass
        assert caught.value.code == "corpus-locked"
        assert str(caught.value) == (
            f"{lock_path(layout)}: [corpus-locked] another command is writing to this corpus (not named: the file "
            "it writes its name in is empty, as when build/ was deleted while it ran); wait for it to finish, then "
            "run this one again")
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with corpus_lock(layout, "release"):
        assert "release, pid" in lock_path(layout).read_text()


def test_the_lock_is_reentrant_within_a_process(tmp_path):
    layout = Layout.at(tmp_path)
    with corpus_lock(layout, "pull"):
        with corpus_lock(layout, "ingest"):
            pass
        assert "pull" in lock_path(layout).read_text()


def test_another_thread_of_the_process_is_refused_not_let_in(tmp_path):
    """The lock was re-entrant per process: two threads adding at once both went in, each staged a
    manifest, the second replaced the first, and 200 raw files were left unlisted (found by a hunt)."""
    import shutil
    import threading

    from corpus_tools.documents.add import add_files
    from corpus_tools.documents.raw import check_raw

    shutil.copytree(Path(__file__).resolve().parent.parent / "raw", tmp_path / "raw")
    layout = Layout.at(tmp_path)
    article = tmp_path / "article.txt"
    article.write_bytes(b"Talks resume in Geneva\n\nThe envoys met again on Tuesday.\n")
    manifest = layout.manifest.read_bytes()
    outcome = {}

    def add() -> None:
        try:
            outcome["added"] = add_files(layout, [article])
        except CorpusError as error:
            outcome["refused"] = error

    with corpus_lock(layout, "add"):
        thread = threading.Thread(target=add)
        thread.start()
        thread.join()
    assert set(outcome) == {"refused"} and outcome["refused"].code == "corpus-locked"
    assert outcome["refused"].message.startswith(f"another command is writing to this corpus (add, pid {os.getpid()}, ")
    assert layout.manifest.read_bytes() == manifest and check_raw(layout).valid
    thread = threading.Thread(target=add)  # once the lock is released, the other thread takes it
    thread.start()
    thread.join()
    assert [added.record.doc_id[:3] for added in outcome["added"]] == [f"{len(manifest.splitlines()):03d}"]


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


@pytest.mark.parametrize("command", [["release"], ["ingest", "export.json"]])
def test_a_root_inside_a_corpus_s_raw_is_refused_before_build_is_made_there(corpus_copy, command):
    """`--root raw` made raw/build/ (the lock's) before the command found nothing to do there, and
    every command of the real corpus then refused that directory as an unlisted raw file."""
    from click.testing import CliRunner

    from corpus_tools.cli import cli
    from corpus_tools.documents.raw import check_raw

    before = sorted(path.name for path in corpus_copy.raw.iterdir())
    result = CliRunner().invoke(cli, [*command, "--root", str(corpus_copy.raw)])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: {corpus_copy.raw / 'build'}: [output-protected] lies inside the corpus's raw/ ({corpus_copy.raw}), "
        "which only its own commands write: --root names a corpus's own directory, not one inside it")
    assert sorted(path.name for path in corpus_copy.raw.iterdir()) == before and check_raw(corpus_copy).valid


def test_a_checkout_in_a_directory_holding_a_sha256sums_takes_the_lock(tmp_path: Path):
    """A SHA256SUMS above a corpus's root is some other directory's (a downloads folder's), not a
    release's (a release holds no corpus): taking it for one refused every command that takes the
    lock in such a checkout ('lies inside the release'). Beside the checkout it still counts."""
    import shutil

    from corpus_tools.layout import check_output

    downloads = tmp_path / "downloads"
    (downloads / "corpus" / "annotations").mkdir(parents=True)
    (downloads / "SHA256SUMS").write_text("0" * 64 + "  ubuntu.iso\n")
    shutil.copy(Path(__file__).resolve().parents[1] / "annotations" / "entity-registry.jsonl",
                downloads / "corpus" / "annotations" / "entity-registry.jsonl")
    layout = Layout.at(downloads / "corpus")
    with corpus_lock(layout, "ingest"):
        assert lock_path(layout).read_text().startswith("ingest, pid ")
    check_output(layout.build / "export")
    with pytest.raises(CorpusError) as caught:
        check_output(downloads / "export")
    assert (caught.value.code, caught.value.message) == (
        "output-protected", f"lies inside the release {downloads}; releases are never written to: "
        "choose a directory outside it (e.g. under build/)")
