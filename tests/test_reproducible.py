"""The committed release can be rebuilt byte for byte: requirements.lock pins what built it, the
Makefile installs the lock, and this environment is that lock's. (The rebuild itself:
tests/test_release_streaming.py.) And the committed release's croissant.json loads whole, and
git's line-ending conversion (core.autocrlf) leaves the bytes that hashes check as they are."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
from pathlib import Path

import mlcroissant as mlc
import pyarrow.parquet as pq
import pytest

from conftest import REPO
from corpus_tools.documents.raw import check_raw
from corpus_tools.layout import Layout
from corpus_tools.release.buildinfo import recorded_versions
from corpus_tools.release.checksums import verify_release
from corpus_tools.release.versions import list_versions
from corpus_tools.version import __version__

LOCK = REPO / "requirements.lock"


def _pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)==([^ ;]+)", line)
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_the_lock_pins_what_built_the_newest_committed_release():
    release = REPO / "dist" / __version__
    recorded = recorded_versions(release)
    assert recorded is not None, f"{release} records no build versions"
    pins = _pins()
    assert (pins["pyarrow"], pins["datasets"]) == (recorded["pyarrow"], recorded["datasets"])
    assert recorded["corpus-tools"] == __version__


def test_make_installs_the_lock():
    makefile = (REPO / "Makefile").read_text()
    assert "pip install --quiet -c $(LOCK) -e '.[dev]'" in makefile  # make setup (and so make test)
    release = makefile.split("\nrelease:")[1].split("\n\n")[0]
    assert "pip install --quiet -r $(LOCK)" in release and "corpus-tools release" in release


@pytest.mark.parametrize("name", ["pyarrow", "datasets", "pandas", "numpy", "mlcroissant"])
def test_this_environment_is_the_lock(name):
    assert importlib.metadata.version(name) == _pins()[name], "run `make setup` (it installs requirements.lock)"


def test_every_record_set_of_the_committed_release_loads_through_mlcroissant():
    release = REPO / "dist" / list_versions(REPO / "dist")[-1]
    dataset = mlc.Dataset(jsonld=release / "croissant.json")
    for record_set in dataset.metadata.record_sets:
        records = list(dataset.records(record_set.id))
        files = list((release / "data" / record_set.id).glob("*.parquet"))
        if files:  # a config: every row, once
            assert len(records) == sum(pq.read_metadata(f).num_rows for f in files), record_set.id
        else:  # an enumeration of label names
            assert records and all(record[f"{record_set.id}/name"] for record in records)


# the trees whose bytes a hash checks or a test compares (raw/, the stored exports, a release,
# the fixtures: some hold CRLF on purpose), with the latest release for dist/
BYTE_EXACT = ("raw", "annotations", f"dist/{__version__}", "tests/fixtures", "tests/golden")


def _git(*args: str, cwd: Path) -> None:
    # no user or system config: the test sets what it tests, and nothing else leaks in
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=cwd, env=env,
                   check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_converts_no_line_ending_of_the_byte_exact_files(tmp_path):
    """A teammate's git changes the line endings of files it takes for text: committing with
    core.autocrlf=input turns CRLF into LF, checking out with core.autocrlf=true (Git for
    Windows' default) LF into CRLF. Without .gitattributes saying -text, such a checkout failed
    check-raw (raw-size-mismatch, every document) and verify (every text file of a release), and
    an article saved with CRLF, added and committed, lost its CR bytes and its manifest sha256."""
    source, checkout = tmp_path / "source", tmp_path / "checkout"
    originals = {}
    for tree in BYTE_EXACT:
        for path in sorted((REPO / tree).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                originals[path.relative_to(REPO).as_posix()] = path.read_bytes()
    originals["raw/009_crlf-article.txt"] = b"Talks resume in Geneva\r\n\r\nThe envoy said on Monday.\r\n"
    attributes = REPO / ".gitattributes"  # the checkout's, as a clone of it gets them (none: git's defaults)
    given = {".gitattributes": attributes.read_bytes()} if attributes.exists() else {}
    for name, data in {**originals, **given}.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes(data)
    _git("init", "-q", str(source), cwd=tmp_path)
    _git("config", "core.autocrlf", "input", cwd=source)
    _git("add", "-A", cwd=source)
    _git("commit", "-q", "-m", "corpus", cwd=source)
    _git("clone", "-q", "-c", "core.autocrlf=true", str(source), str(checkout), cwd=tmp_path)
    changed = [name for name, data in originals.items() if (checkout / name).read_bytes() != data]
    assert changed == []
    assert (checkout / "raw/009_crlf-article.txt").read_bytes().count(b"\r\n") == 3
    (checkout / "raw/009_crlf-article.txt").unlink()  # the manifest does not list it
    assert check_raw(Layout.at(checkout)).valid
    assert verify_release(checkout / "dist" / __version__).problems == ()
