"""Validation records: the annotation set trusts ingest's validation only while every input is
unchanged; a changed document text, registry or export is checked in full again."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest

from bench.generate import write_export
from corpus_tools import annotations as annotations_module
from corpus_tools.annotations import ingest, load_annotation_set, stored_exports
from corpus_tools.corpus import DocumentIndex
from corpus_tools.layout import Layout
from corpus_tools.registry import load_registry
from corpus_tools.validation_record import record_path

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


def annotation_set(layout: Layout):
    return load_annotation_set(layout, DocumentIndex(layout), load_registry(layout))


def test_ingest_writes_a_record_and_the_set_trusts_it(ingested, full_checks):
    layout, stored = ingested
    header, *tasks = record_path(layout, stored.name).read_bytes().splitlines()
    assert orjson.loads(header)["fingerprint"]["export_sha256"] == hashlib.sha256(stored.read_bytes()).hexdigest()
    assert orjson.loads(header)["tasks"] == len(tasks) == TASKS
    assert orjson.loads(tasks[3])["doc_id"] == "bench_000003"
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
    for damaged in (orjson.dumps(foreign) + b"\n" + b"".join(tasks),  # another export's record
                    header + b"".join(tasks[:-1]),  # a task line missing
                    header + b"{not json\n" + b"".join(tasks[1:]),
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
