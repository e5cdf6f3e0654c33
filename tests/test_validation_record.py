"""Validation records: the annotation set trusts ingest's validation only while every input is
unchanged (then it builds its records from the record alone, without reading the export); a
changed document text, registry or export, or a damaged record, is checked in full again."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest

from bench.generate import write_export
from corpus_tools.annotations import consolidate as annotations_module
from corpus_tools.annotations.consolidate import ingest, iter_annotation_set, load_annotation_set, stored_exports
from corpus_tools.documents.index import DocumentIndex
from corpus_tools.layout import Layout
from corpus_tools.annotations.registry import load_registry
from corpus_tools.ingest.checks import Tally
from corpus_tools.ingest.record import record_path

TASKS = 24


@pytest.fixture
def ingested(tmp_path: Path) -> tuple[Layout, Path]:
    export = write_export(tmp_path / "export.json", TASKS, seed=5, corpus=tmp_path / "corpus")
    layout = Layout.at(tmp_path / "corpus")
    result = ingest(export, layout, DocumentIndex(layout), load_registry(layout))
    assert result.status == "stored", result.report.errors[:3]
    return layout, result.stored_as


@pytest.fixture
def full_checks(monkeypatch) -> list[int]:
    """Counts the tasks the annotation set checks in full (check_task) rather than trusting."""
    calls: list[int] = []
    real = annotations_module.check_task

    def counting(task, context):
        calls.append(1)
        return real(task, context)
    monkeypatch.setattr(annotations_module, "check_task", counting)
    return calls


@pytest.fixture
def export_reads(monkeypatch) -> list[str]:
    """The names of the stored exports the annotation set reads (opens an ExportStream on)."""
    reads: list[str] = []
    real = annotations_module.ExportStream

    def counting(path, *args, **kwargs):
        reads.append(Path(path).name)
        return real(path, *args, **kwargs)
    monkeypatch.setattr(annotations_module, "ExportStream", counting)
    return reads


def annotation_set(layout: Layout):
    return load_annotation_set(layout, DocumentIndex(layout), load_registry(layout))


def task_part(line: bytes) -> dict:
    """The first JSON part of a record's task line (the second, after a tab, holds the kept units)."""
    return orjson.loads(line.split(b"\t", 1)[0])


def test_ingest_writes_a_record_and_the_set_trusts_it(ingested, full_checks):
    layout, stored = ingested
    header, *tasks = record_path(layout, stored.name).read_bytes().splitlines()
    assert orjson.loads(header)["fingerprint"]["export_sha256"] == hashlib.sha256(stored.read_bytes()).hexdigest()
    assert orjson.loads(header)["tasks"] == len(tasks) == TASKS
    assert task_part(tasks[3])["doc_id"] == "bench_000003"
    trusted = annotation_set(layout)
    assert full_checks == []
    assert len(trusted.chosen) == TASKS
    record_path(layout, stored.name).unlink()
    checked = annotation_set(layout)
    assert len(full_checks) == TASKS
    assert trusted == checked  # same records, same problems (replayed), same counts


def set_raw_text(layout: Layout, doc_id: str, edit) -> None:
    """Edit a raw file and keep its manifest record in step (a legitimate new version of the text)."""
    path = layout.raw / f"{doc_id}.txt"
    data = edit(path.read_bytes())
    path.write_bytes(data)
    lines = []
    for line in layout.manifest.read_bytes().splitlines():
        record = orjson.loads(line)
        if record["doc_id"] == doc_id:
            record.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        lines.append(orjson.dumps(record) + b"\n")
    layout.manifest.write_bytes(b"".join(lines))


def test_a_changed_document_text_is_validated_again(ingested, full_checks):
    layout, _ = ingested
    doc_id = "bench_000003"
    set_raw_text(layout, doc_id, lambda data: b"Updated. " + data)
    result = annotation_set(layout)
    assert len(full_checks) == TASKS
    changed = [p for p in result.report.problems if p.code == "text-changed"]
    assert [p.location.doc_id for p in changed] == [doc_id]
    chosen = result.chosen[doc_id]
    text = DocumentIndex(layout)[doc_id].text
    assert text.startswith("Updated. ")
    assert all(text[m.span.start:m.span.end] == m.text for m in chosen.entities)


def test_a_changed_registry_is_validated_again(ingested, full_checks):
    layout, stored = ingested
    used = next(result["value"]["text"][0] for task in orjson.loads(stored.read_bytes())
                for annotation in task["annotations"] for result in annotation["result"]
                if result.get("from_name") == "entity_id")
    lines = layout.registry.read_bytes().splitlines(keepends=True)
    layout.registry.write_bytes(b"".join(line for line in lines if orjson.loads(line)["id"] != used))
    result = annotation_set(layout)
    assert len(full_checks) == TASKS
    errors = result.report.errors
    assert errors and {p.code for p in errors} <= {"entity-id-unknown", "speaker-id-unknown"}
    assert all(repr(used) in p.message for p in errors)


def test_a_damaged_or_foreign_record_is_not_trusted(ingested, full_checks):
    layout, stored = ingested
    path = record_path(layout, stored.name)
    header, *tasks = path.read_bytes().splitlines(keepends=True)
    foreign = orjson.loads(header)
    foreign["fingerprint"]["export_sha256"] = "0" * 64
    first, units = tasks[2].split(b"\t", 1)
    shifted = orjson.loads(units)
    unit = next(unit for kept in shifted for layer in kept for unit in layer)
    unit[1] += 1  # a span moved by one character: still a well-formed record line
    for damaged in (orjson.dumps(foreign) + b"\n" + b"".join(tasks),  # another export's record
                    header + b"".join(tasks[:-1]),  # a task line missing
                    header + b"{not json\n" + b"".join(tasks[1:]),
                    header + b"".join(tasks[:2]) + first + b"\t" + orjson.dumps(shifted) + b"\n" + b"".join(tasks[3:]),
                    b"{not json"):
        path.write_bytes(damaged)
        full_checks.clear()
        annotation_set(layout)
        assert len(full_checks) == TASKS


def test_a_refused_export_leaves_no_record(tmp_path: Path):
    export = write_export(tmp_path / "export.json", 5, seed=6, corpus=tmp_path / "corpus")
    layout = Layout.at(tmp_path / "corpus")
    layout.registry.write_bytes(b"")  # every entity_id unknown: errors
    result = ingest(export, layout, DocumentIndex(layout), load_registry(layout))
    assert result.status == "refused"
    assert stored_exports(layout) == []
    assert not (layout.build / "validated").exists()


def both_ways(layout: Layout, stored: Path, export_reads: list[str], full_checks: list[int]) -> list:
    """The annotation set (whole, and release's chosen_only stream with its problems and counts)
    from the validation record alone, then from the full checks of the export: asserted equal."""
    def read():
        documents, registry = DocumentIndex(layout), load_registry(layout)
        problems, tally = [], Tally()
        chosen = list(iter_annotation_set(layout, documents, registry, problems, tally, chosen_only=True))
        return annotation_set(layout), chosen, problems, tally

    from_record = read()
    assert export_reads == [] and full_checks == []  # the export itself was not read
    record_path(layout, stored.name).unlink()
    checked = read()
    assert export_reads and full_checks
    whole, chosen, problems, tally = from_record
    assert whole.chosen == checked[0].chosen
    assert whole.versions == checked[0].versions
    assert whole.report == checked[0].report
    assert (chosen, problems, tally) == checked[1:]
    return whole


def test_the_record_alone_builds_what_the_full_checks_build(tmp_path: Path, export_reads, full_checks):
    export = write_export(tmp_path / "export.json", 60, seed=11, corpus=tmp_path / "corpus")
    layout = Layout.at(tmp_path / "corpus")
    stored = ingest(export, layout, DocumentIndex(layout), load_registry(layout)).stored_as
    export_reads.clear()
    whole = both_ways(layout, stored, export_reads, full_checks)
    # the export exercises what the record must carry: second annotators, cancelled annotations,
    # quotes with sources and cues, timex modifiers, linked entities, recorded warnings
    assert any(len(versions) > 1 for versions in whole.versions.values())
    assert dict(whole.report.stats)["annotations_cancelled"] > 0
    quotes = [quote for chosen in whole.chosen.values() for quote in chosen.quotes]
    assert any(q.source and q.source.speaker_id for q in quotes) and any(q.cue for q in quotes)
    assert any(t.mod for chosen in whole.chosen.values() for t in chosen.timexes)
    assert any(e.entity_id for chosen in whole.chosen.values() for e in chosen.entities)
    assert {p.severity for p in whole.report.problems} == {"warning", "info"}


def test_the_gold_export_from_its_record(corpus_copy: Layout, export_reads, full_checks):
    layout = corpus_copy
    [stored] = stored_exports(layout)
    assert ingest(stored, layout, DocumentIndex(layout), load_registry(layout)).status == "already-stored"
    assert record_path(layout, stored.name).is_file()
    export_reads.clear()
    full_checks.clear()
    whole = both_ways(layout, stored, export_reads, full_checks)
    assert len(whole.chosen) == 5


def test_a_replaced_export_is_checked_in_full(ingested, full_checks):
    layout, stored = ingested
    trusted = annotation_set(layout)
    # the same tasks in other bytes (the record's export_sha256 no longer matches)
    stored.write_bytes(orjson.dumps(orjson.loads(stored.read_bytes()), option=orjson.OPT_INDENT_2))
    checked = annotation_set(layout)
    assert len(full_checks) == TASKS
    assert checked == trusted


def test_an_untouched_export_is_not_hashed_again_a_touched_one_is(ingested, full_checks, monkeypatch):
    """The record's stat key stands for the export's SHA-256 while the file is untouched (as in
    git's index); a touched file is hashed, and trusted when its bytes are still the same."""
    import os
    from corpus_tools.ingest import record as validation_record

    layout, stored = ingested
    hashed: list[str] = []
    real = validation_record.file_sha256

    def counting(path):
        hashed.append(Path(path).name)
        return real(path)
    monkeypatch.setattr(validation_record, "file_sha256", counting)
    trusted = annotation_set(layout)
    assert hashed == [] and full_checks == []
    os.utime(stored, ns=(stored.stat().st_atime_ns, stored.stat().st_mtime_ns + 1_000_000_000))
    assert annotation_set(layout) == trusted
    assert hashed == [stored.name] and full_checks == []
