"""Checking on several processes (corpus_tools.ingest.parallel) gives what checking in-process gives:
the same reports, the same stored files and records, the same first error, in file order."""

from __future__ import annotations

import multiprocessing
import pickle
import shutil
from pathlib import Path

import orjson
import pytest

from bench.generate import write_export
from corpus_tools.ingest import parallel as checking
from corpus_tools.annotations.consolidate import ingest
from corpus_tools.ingest.parallel import check_outcomes
from corpus_tools.documents.index import DocumentIndex
from corpus_tools.errors import CorpusError, Location
from corpus_tools.ingest.reader import ExportStream
from corpus_tools.layout import Layout
from corpus_tools.documents.cache import NormalizedCache
from corpus_tools.annotations.registry import load_registry
from corpus_tools.ingest.checks import Context, validate_export
from export_corpus import BAD_INPUTS, EXPORTS, documents, registry

TASKS = 150  # three batches of checking.BATCH_TASKS: both workers get work, one gets two batches


@pytest.fixture(scope="module")
def bench_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("checking")
    export = write_export(root / "export.json", TASKS, seed=11, corpus=root / "corpus")
    return export, root / "corpus"


def raised(path: Path, jobs: int) -> CorpusError:
    with pytest.raises(CorpusError) as caught:
        validate_export(path, documents(), registry(), jobs=jobs)
    return caught.value


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_a_damaged_file_raises_the_same_error_on_two_processes(name: str) -> None:
    alone, shared = raised(EXPORTS / name, 1), raised(EXPORTS / name, 2)
    assert (shared.code, shared.message, shared.location) == (alone.code, alone.message, alone.location)
    assert shared.code == BAD_INPUTS[name]


@pytest.mark.parametrize("path", sorted(p for p in EXPORTS.glob("*.json*") if p.name not in BAD_INPUTS),
                         ids=lambda p: p.name)
def test_every_fixture_export_gets_the_same_report(path: Path) -> None:
    alone = validate_export(path, documents(), registry(), jobs=1)
    shared = validate_export(path, documents(), registry(), jobs=2)
    assert shared.as_dict() == alone.as_dict()


def ingested(export: Path, corpus: Path, root: Path, jobs: int):
    shutil.copytree(corpus, root)
    layout = Layout.at(root)
    result = ingest(export, layout, DocumentIndex(layout), load_registry(layout), jobs=jobs)
    files = {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*"))
             if path.is_file() and "raw" not in path.parts and "cache" not in path.parts}
    for name in files:
        if name.startswith("build/validated/"):  # its stat key is of this copy's file: set it aside
            header, lines = files[name].split(b"\n", 1)
            header = orjson.loads(header)
            assert len(header["fingerprint"].pop("export_stat")) == 5
            files[name] = orjson.dumps(header) + b"\n" + lines
    cached = sorted(NormalizedCache(layout.build / "cache" / "normalized").keys())
    return result, files, cached


def test_ingest_on_two_processes_stores_the_same_files(tmp_path: Path, bench_export) -> None:
    export, corpus = bench_export
    alone, alone_files, alone_cached = ingested(export, corpus, tmp_path / "one", 1)
    shared, shared_files, shared_cached = ingested(export, corpus, tmp_path / "two", 2)
    assert shared.status == alone.status == "stored"
    assert shared.report.as_dict() == alone.report.as_dict()
    assert dict(shared.report.stats)["tasks"] == TASKS
    assert shared.exclusions == alone.exclusions and len(alone.exclusions) > 0
    assert shared_files == alone_files
    assert shared_cached == alone_cached and len(alone_cached) == TASKS  # each document normalized once
    assert sorted(shared_files) == sorted([
        "annotations/entity-registry.jsonl",
        f"annotations/exports/{alone.stored_as.name}",
        f"annotations/exports/{alone.stored_as.stem}.exclusions.json",
        f"build/validated/{alone.stored_as.stem}.jsonl",
    ])


def test_the_first_error_in_file_order_wins_over_later_damage(tmp_path: Path, bench_export) -> None:
    """Task 70 is no task and the file is cut off near its end: in file order task 70 comes
    first, even though the process reading the file reaches the cut before a worker reports."""
    export, corpus = bench_export
    data = export.read_bytes()
    start = data.index(b'\n{"id":70,') + 1  # a task starts a line; annotations have ids too
    end = data.index(b'\n{"id":71,') + 1
    damaged = tmp_path / "damaged.json"
    damaged.write_bytes(data[:start] + b'{"id":70}' + data[end - 2:len(data) - 5000])
    layout = Layout.at(corpus)
    errors = []
    for jobs in (1, 2):
        with pytest.raises(CorpusError) as caught:
            validate_export(damaged, DocumentIndex(layout), load_registry(layout), jobs=jobs)
        errors.append(caught.value)
    assert errors[0].code == errors[1].code == "export-not-tasks"
    assert errors[1].message == errors[0].message and errors[1].location == errors[0].location
    assert errors[0].location.task_id == 70


def test_workers_end_when_the_reader_stops_early(bench_export) -> None:
    export, corpus = bench_export
    layout = Layout.at(corpus)
    outcomes = check_outcomes(ExportStream(export), Context(export.name, DocumentIndex(layout), load_registry(layout)),
                              jobs=2)
    first = next(outcomes)
    assert first.doc_id == "bench_000000"
    outcomes.close()
    assert multiprocessing.active_children() == []


def test_small_exports_are_checked_in_process(bench_export) -> None:
    export, _ = bench_export
    assert export.stat().st_size < checking.PARALLEL_MIN_BYTES
    assert checking.default_jobs(export) == 1


def test_a_corpus_error_crosses_processes_whole() -> None:
    error = CorpusError("export-invalid-json", "task #3 is not valid JSON", Location(file="x.json", byte_offset=12))
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.message, copy.location, str(copy)) == (error.code, error.message, error.location,
                                                                  str(error))
