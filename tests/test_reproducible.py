"""The committed release can be rebuilt byte for byte: requirements.lock pins what built it, the
Makefile installs the lock, and this environment is that lock's. (The rebuild itself:
tests/test_release_streaming.py.) And the committed release's croissant.json loads whole."""

from __future__ import annotations

import importlib.metadata
import re

import mlcroissant as mlc
import pyarrow.parquet as pq
import pytest

from conftest import REPO
from corpus_tools.release.buildinfo import recorded_versions
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
