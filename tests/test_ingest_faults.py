"""Faults and concurrency, with real processes killed at moments chosen from outside.

An ingest of a big export (3,000 generated tasks, about 75 MB, checked by two worker processes)
is watched from this test: once it has copied some megabytes into its staging directory it is
killed with SIGKILL. Its workers must die with it (else they keep the caller's stdout open and
``x=$(corpus-tools ingest ...)`` never returns), it must leave nothing in the store, and the next
ingest must remove what it left and store the export. While an ingest runs, a release is refused
(the corpus lock), so no release is built without an export being stored.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus_tools.ingest import stored_exports
from corpus_tools.layout import Layout

REPO = Path(__file__).resolve().parents[1]
CORPUS_TOOLS = [sys.executable, "-m", "corpus_tools.cli"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> tuple[Path, Path]:
    """A generated export of 3,000 tasks and the corpus root it was made on (bench/generate.py)."""
    where = tmp_path_factory.mktemp("big")
    subprocess.run([sys.executable, "-m", "bench.generate", "--tasks", "3000", "--seed", "3", "--out",
                    str(where / "export.json"), "--corpus", str(where / "corpus")], cwd=REPO, check=True,
                   capture_output=True)
    return where / "export.json", where / "corpus"


def _start_ingest(export: Path, corpus: Path) -> subprocess.Popen:
    return subprocess.Popen([*CORPUS_TOOLS, "ingest", str(export), "--root", str(corpus), "--jobs", "2"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONPATH": str(REPO)})


def _wait(condition, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 300  # against a hung ingest, not a timing test
    while not condition():
        assert process.poll() is None, f"ingest ended before {what}: {process.stdout.read().decode()}"
        assert time.monotonic() < deadline, f"never {what}"
        time.sleep(0.005)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _staged_bytes(corpus: Path) -> int:
    return sum(path.stat().st_size for path in (corpus / "annotations" / "exports").glob(".ingest-*/export.json"))


def _units_written(corpus: Path) -> bool:
    """Whether the ingest's units tables hold rows (more than a parquet header): its workers have
    started and checked some tasks."""
    return any(path.stat().st_size > 4096 for path in (corpus / "build" / "units").glob(".units-*/*.parquet"))


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_a_killed_ingest_takes_its_workers_with_it_and_the_next_run_cleans_up(big, tmp_path):
    export, source = big
    corpus = tmp_path / "corpus"
    subprocess.run(["cp", "-r", str(source), str(corpus)], check=True)
    process = _start_ingest(export, corpus)
    _wait(lambda: (corpus / "annotations" / "exports").is_dir() and _staged_bytes(corpus) > 8 << 20
          and len(_children(process.pid)) >= 2, process, "copied 8 MB with its workers running")
    workers = _children(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait()
    output = process.stdout.read()  # returns only when no process holds the pipe any more
    assert b"Traceback" not in output
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers)
    layout = Layout.at(corpus)
    assert stored_exports(layout) == []  # nothing stored, only the staging directory of the killed run
    assert [p.name.split("-")[1] for p in layout.exports.iterdir()] == [str(process.pid)]
    again = subprocess.run([*CORPUS_TOOLS, "ingest", str(export), "--root", str(corpus)], cwd=REPO,
                           capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert again.returncode == 0, again.stdout + again.stderr
    (stored,) = stored_exports(layout)
    assert sorted(p.name for p in layout.exports.iterdir()) == [stored.name]  # the leftover is gone
    assert stored.export.read_bytes() == export.read_bytes()
    assert not [p for p in (layout.build / "units").iterdir() if p.name.startswith(".")]


def _importing_checks(pid: int) -> bool:
    """Whether the worker ``pid`` has loaded msgspec: it is importing the checks, before its
    initializer runs (corpus_tools.ingest.work.start_worker). Its command line says it is the
    worker already, not the parent's copy the fork made before it ran the worker."""
    try:
        return (b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
                and "msgspec" in Path(f"/proc/{pid}/maps").read_text())
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.mark.parametrize("moment", ["workers checking", "a worker importing the checks"])
def test_ctrl_c_stops_a_parallel_ingest_at_once_with_one_line(big, tmp_path, moment):
    """Ctrl-C reached the workers too: one stopped while starting printed a traceback, and now
    and then the pool's shutdown hung for good on a pipe to it (found by a hunt: 2 runs in 12
    hung). Workers leave SIGINT to their parent, which shuts the pool down. And a worker's
    initializer ignores SIGINT only after the worker imported the checks (a fraction of a second,
    at every ingest's start): Ctrl-C then printed each worker's traceback above "Aborted!"."""
    export, source = big
    corpus = tmp_path / "corpus"
    subprocess.run(["cp", "-r", str(source), str(corpus)], check=True)
    process = subprocess.Popen([*CORPUS_TOOLS, "ingest", str(export), "--root", str(corpus), "--jobs", "2"],
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                               env={**os.environ, "PYTHONPATH": str(REPO)})
    if moment == "workers checking":
        _wait(lambda: _units_written(corpus) and len(_children(process.pid)) >= 2, process,
              "checked some tasks with its workers running")
    else:
        _wait(lambda: any(_importing_checks(pid) for pid in _children(process.pid)), process, moment)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 1 and b"Traceback" not in output and output.strip().endswith(b"Aborted!"), output
    assert stored_exports(Layout.at(corpus)) == []


def test_a_checking_worker_leaves_ctrl_c_to_its_parent():
    probe = subprocess.Popen([sys.executable, "-c", "import os, pickle, time; from corpus_tools.ingest.work import "
                              "start_worker; start_worker(os.getppid(), pickle.dumps(None)); print('ready', flush=True);"
                              " time.sleep(2); print('still here')"], stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert probe.stdout.readline() == "ready\n"
    probe.send_signal(signal.SIGINT)
    assert probe.communicate(timeout=60)[0] == "still here\n" and probe.returncode == 0


def test_a_worker_whose_parent_died_while_it_started_leaves_at_once():
    """Killed while its workers were still unpickling their context (the documents), ingest left
    them running for ever, holding its output pipe (a concurrency audit): they took their parent's
    pid only then, and by then it was init's."""
    probe = subprocess.run([sys.executable, "-c", "import os; from corpus_tools.ingest.work import start_worker; "
                            "start_worker(os.getppid() + 1 if os.getppid() != 1 else 2, None); print('still here')"],
                           capture_output=True, text=True, timeout=60, cwd=REPO)
    assert (probe.returncode, probe.stdout) == (1, "")


def test_a_release_started_while_an_ingest_runs_is_refused_naming_it(big, tmp_path):
    export, source = big
    corpus = tmp_path / "corpus"
    subprocess.run(["cp", "-r", str(source), str(corpus)], check=True)
    lock = corpus / "build" / "corpus.lock"
    process = _start_ingest(export, corpus)
    try:
        _wait(lambda: lock.exists() and lock.read_text().startswith("ingest, pid"), process, "took the lock")
        release = subprocess.run([*CORPUS_TOOLS, "release", "--root", str(corpus)], cwd=REPO, capture_output=True,
                                 text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
        assert release.returncode == 1
        assert f"[corpus-locked] another command is writing to this corpus (ingest, pid {process.pid}, since " \
            in release.stderr
        assert not (corpus / "dist").exists()
    finally:
        process.wait()
    assert process.returncode == 0
    assert len(stored_exports(Layout.at(corpus))) == 1


def test_rebuilding_units_or_the_raw_index_removes_what_killed_runs_left_and_keeps_a_running_one(corpus_copy):
    """Not only ingest: a release or lint killed while it rebuilt a units table, or any command
    killed while it wrote the raw index, leaves a staging file or directory the next one removes."""
    from corpus_tools.annotations.consolidate import AnnotationIndex
    from corpus_tools.annotations.registry import load_registry
    from corpus_tools.documents.index import DocumentIndex

    layout = corpus_copy
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # reaped: its pid names no process
    (layout.build / "units" / f".units-{gone.pid}-abcd.tmp").mkdir(parents=True)
    (layout.build / "units" / f".units-{os.getpid()}-live.tmp").mkdir()
    (layout.build / "cache").mkdir(parents=True)
    (layout.build / "cache" / f".raw-index.{gone.pid}-x1.tmp").write_bytes(b"half")
    (layout.build / "cache" / f".raw-index.{os.getpid()}-x2.tmp").write_bytes(b"writing")
    documents = DocumentIndex(layout)  # no raw index yet: writes one
    AnnotationIndex(layout, documents, load_registry(layout))  # no units tables yet: rebuilds them
    assert sorted(p.name for p in (layout.build / "cache").glob(".raw-index.*")) == [
        f".raw-index.{os.getpid()}-x2.tmp"]
    assert sorted(p.name for p in (layout.build / "units").glob(".units-*")) == [f".units-{os.getpid()}-live.tmp"]
    assert [p for p in (layout.build / "units").iterdir() if not p.name.startswith(".")]  # the tables were made


def _table_files(layout: Layout) -> dict[str, tuple[int, int]]:
    """Every units table file under build/units, by path, with its inode and modification time (a
    file removed and made again may get the same inode)."""
    return {str(path.relative_to(layout.build)): (path.stat().st_ino, path.stat().st_mtime_ns)
            for path in (layout.build / "units").glob("*/*/*")}


def test_a_command_that_found_tables_missing_keeps_those_another_command_made_meanwhile(corpus_copy):
    """Commands that only read take no lock, and each makes the units tables it finds missing. One
    that found every table missing removed each table's directory before making it, even one that
    another command had made (and was reading) meanwhile: that command then failed with
    units-missing ("build/ was deleted while this command ran?"). Stopped from outside while it
    makes its first table, the first command resumes after a second one made them all."""
    layout = corpus_copy
    first = subprocess.Popen([*CORPUS_TOOLS, "agreement"], cwd=layout.root, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        # its first staging directory: it has looked for every table and found none
        _wait(lambda: any((layout.build / "units").glob(".units-*")), first, "started making a table")
        first.send_signal(signal.SIGSTOP)
        second = subprocess.run([*CORPUS_TOOLS, "agreement"], cwd=layout.root, capture_output=True, text=True,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
        assert second.returncode == 0, second.stdout + second.stderr
        made = _table_files(layout)
        assert len({name.split("/")[1] for name in made}) == 3  # the three stored exports' tables
    finally:
        first.send_signal(signal.SIGCONT)
    output, _ = first.communicate(timeout=300)
    assert first.returncode == 0, output
    assert _table_files(layout) == made  # the same files: none removed and made again
    assert not list((layout.build / "units").glob(".units-*"))
