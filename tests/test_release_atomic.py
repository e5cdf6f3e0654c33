"""A build killed at any moment leaves no partial dist/<version>; the next build cleans up.

The build runs in a real subprocess; the test watches its temporary directory from outside and
SIGKILLs it once the build has written a chosen number of files there (mid-build), and once it
has written SHA256SUMS (the last file before the rename that publishes it). Whatever the moment
the kill lands, dist/ holds either no release or the whole one, never a part.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus_tools.release import build_release, verify_release
from corpus_tools.release.export import export_release
from release_factories import spread_inputs

TESTS = Path(__file__).resolve().parent
BUILD = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
from corpus_tools.release import build_release
from release_factories import spread_inputs
build_release(*spread_inputs(400), sys.argv[1], "1.0.0")
"""


def _partial_files(dist: Path) -> list[str]:
    try:
        return [path.name for path in dist.glob(".1.0.0.partial-*/**/*") if path.is_file()]
    except FileNotFoundError:  # renamed into place while we looked
        return ["SHA256SUMS"]


def _kill_when(dist: Path, process: subprocess.Popen, written) -> None:
    """SIGKILL the build as soon as ``written(files of its temporary directory)`` holds."""
    deadline = time.monotonic() + 300  # guards against a hung build; not a timing test
    while not written(_partial_files(dist)):
        if process.poll() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait()


@pytest.mark.parametrize("moment", ["first parquet file", "SHA256SUMS"])
def test_killed_build_leaves_no_release_or_a_whole_one_and_the_next_build_succeeds(tmp_path, moment):
    dist = tmp_path / "dist"
    written = {"first parquet file": lambda files: any(name.endswith(".parquet") for name in files),
               "SHA256SUMS": lambda files: "SHA256SUMS" in files}[moment]
    process = subprocess.Popen([sys.executable, "-c", BUILD, str(dist)], stderr=subprocess.PIPE)
    _kill_when(dist, process, written)
    release = dist / "1.0.0"
    if release.exists():  # the kill came after the rename: the release is whole
        assert verify_release(release).valid
    else:
        leftovers = [p.name for p in dist.iterdir()]
        assert len(leftovers) == 1 and leftovers[0].startswith(".1.0.0.partial-")
    result = build_release(*spread_inputs(400), dist, "1.0.0")
    assert result.status in ("built", "unchanged")
    assert [p.name for p in dist.iterdir()] == ["1.0.0"]  # the killed build's directory is gone
    assert verify_release(release).valid


def test_the_next_build_removes_a_killed_build_of_another_version(tmp_path):
    # a build killed part way is usually followed by one of a bumped version, not the same one
    dist = tmp_path / "dist"
    process = subprocess.Popen([sys.executable, "-c", BUILD, str(dist)], stderr=subprocess.PIPE)
    _kill_when(dist, process, lambda files: any(name.endswith(".parquet") for name in files))
    if (dist / "1.0.0").exists():
        pytest.skip("the kill came after the rename")
    build_release(*spread_inputs(3), dist, "1.1.0")
    assert [p.name for p in dist.iterdir()] == ["1.1.0"]


def test_a_release_and_its_export_are_readable_by_all_not_private_to_their_builder(tmp_path):
    # built in a staging directory (mkdtemp makes it 0700) and renamed into place
    release = build_release(*spread_inputs(3), tmp_path / "dist", "1.0.0").path
    export_release(release, "jsonl", tmp_path / "out")
    assert [oct(path.stat().st_mode & 0o777) for path in (release, tmp_path / "out")] == ["0o755", "0o755"]


def _file_size_limit(limit: int):
    """In the child: writes that would grow a file past ``limit`` bytes fail with EFBIG, as the
    system makes them fail (a full disk fails the same writes with ENOSPC)."""
    import resource

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills the writer
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize(("argv", "named"), [
    (["release"], "dist/1.2.1"),
    (["export", "--format", "jsonl", "1.2.1", "-o", "out"], None),  # named as given: "out"
    (["agreement"], "build/units"),  # tables made again for the code at hand
    (["labelstudio", "tasks", "-o", "tasks.json"], "tasks.json"),  # named as given; it named nothing (a hunt)
])
def test_a_write_the_system_refuses_names_where_it_was_writing_and_leaves_nothing(corpus_copy, argv, named):
    """A full disk failed as "Error: [file-error] No space left on device", naming nothing (a
    write's error says what, not where), and the normalized documents' store, a cache, failed
    with a traceback."""
    root = corpus_copy.root

    def run(args, limit=None):
        return subprocess.run([sys.executable, "-m", "corpus_tools.cli", *args], cwd=root, capture_output=True,
                              text=True, preexec_fn=None if limit is None else _file_size_limit(limit))

    if argv[0] != "agreement":
        assert run(["agreement"]).returncode == 0  # the caches filled: only the command's own output is refused
    if argv[0] == "export":
        assert run(["release"]).returncode == 0
    result = run(argv, limit=20_000)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    shown = root / named if named and "/" in named else named or "out"  # a bare name as the command line gave it
    assert line.startswith(f"Error: {shown}: [file-error] ") and "File too large" in line, line
    if argv[0] == "release":
        assert not corpus_copy.dist.exists()  # nor dist/, which the build made for its staging directory
    if argv[0] == "export":
        assert not (root / "out").exists() and not list(root.glob(".out.partial-*"))


def test_only_a_refused_write_is_named_after_where_the_work_writes():
    """A damaged input read meanwhile (pyarrow's "Corrupt snappy compressed data", no errno) is
    not blamed on the output; a full disk or a file too large is, when it names no file."""
    import errno
    import os

    from corpus_tools.fsutil import writing_under

    raised = []
    for error in (OSError("Corrupt snappy compressed data."), OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
                  OSError(errno.EFBIG, "Error writing bytes to file"), OSError(errno.ENOSPC, "full", "own-file")):
        with pytest.raises(OSError) as caught:
            with writing_under("dist/1.2.0"):
                raise error
        raised.append(caught.value.filename)
    assert raised == [None, "dist/1.2.0", "dist/1.2.0", "own-file"]


@pytest.mark.parametrize(("argv", "line"), [
    (["normalize", "--out", "n"], "Error: n: [file-error] File too large"),
    (["agreement"], "Error: [file-error] SQLite: disk I/O error (a store in build/cache/ or the temporary directory)"),
])
def test_a_refused_write_of_normalize_or_of_a_sqlite_store_is_one_line(corpus_copy, argv, line):
    """normalize named no place; a SQLite store's refusal was a traceback. normalize reads through
    build/cache/ (the raw index, the normalized texts), made first by a run without the limit, so
    that the refused write is its output's."""
    if argv[0] == "normalize":
        subprocess.run([sys.executable, "-m", "corpus_tools.cli", "normalize", "--out", "first"],
                       cwd=corpus_copy.root, check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-m", "corpus_tools.cli", *argv], cwd=corpus_copy.root, capture_output=True,
                          text=True, preexec_fn=_file_size_limit(3_000))
    assert done.returncode == 1 and done.stderr.splitlines() == [line], done.stderr
