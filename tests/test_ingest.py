"""Ingest (verbatim, numbered in ingest order, all or nothing unless --allow-partial) and the annotation set."""

from __future__ import annotations

import copy
import dataclasses
import fcntl
import hashlib
import io
import itertools
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import corpus_tools.cli.annotations as commands
import corpus_tools.ingest.store as store
import corpus_tools.ingest.storeindex as storeindex
from corpus_tools.annotations.agreement import agreement
from corpus_tools.annotations.consolidate import AnnotationIndex, iter_annotation_set, load_annotation_set
from corpus_tools.annotations.registry import load_registry
from corpus_tools.cli import cli
from corpus_tools.documents.index import DocumentIndex, load_documents
from corpus_tools.errors import CorpusError
from corpus_tools.ingest import ingest, stored_exports, units_for, validate_export
from corpus_tools.ingest.outcome import ingest_dict, ingest_failed, ingest_notes, outcome_line
from corpus_tools.ingest.split import split_array
from corpus_tools.ingest.store import STALE_MARK
from corpus_tools.ingest.storeindex import StoreIndex, _forget, _transaction
from corpus_tools.ingest.units import SCHEMAS, Units, UnitsWriter
from corpus_tools.layout import Layout
from corpus_tools.lock import lock_path
from corpus_tools.records import Cue, EntityMention, Provenance, Quote, Snapshot, Source, Span, TimeExpression
from corpus_tools.release.inputs import release
from conftest import tree
from export_corpus import BAD_INPUTS, EXPORTS, FIXTURES, corpus_root, documents, registry, stored_files

sys.path.insert(0, str(FIXTURES))
import make_export_fixtures as fx  # noqa: E402

VALID = EXPORTS / "valid.json"
VALID_SHA = hashlib.sha256(VALID.read_bytes()).hexdigest()


def run_ingest(layout, path: Path, allow_partial: bool = False, **options):
    return ingest(path, layout, documents(), registry(), allow_partial=allow_partial, **options)


def stored_name(number: int, sha256: str = VALID_SHA) -> str:
    return f"{number:06d}-{sha256[:16]}"


def write_export(tmp_path: Path, name: str, export: list[dict]) -> Path:
    path = tmp_path / name
    path.write_bytes(fx.dumps(export))
    return path


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    """The fixture corpus in tmp_path/corpus: the exports a test writes go beside it."""
    return corpus_root(tmp_path / "corpus")


def ingest_tasks(layout, name: str, tasks: list[dict], **options):
    """Ingest ``tasks`` written as the export ``name`` in the directory that holds the corpus."""
    return run_ingest(layout, write_export(layout.root.parent, name, tasks), **options)


def _annotation_set(layout):
    return load_annotation_set(layout, documents(), registry())


def _index(layout) -> AnnotationIndex:
    return AnnotationIndex(layout, documents(), registry())


def _annotators(layout) -> list[str]:
    """The annotators of the versions in the annotation set, sorted."""
    return sorted(_index(layout).versions["annotator"].to_pylist())


PROJECT = "2024-05-01T08:00:00+00:00"  # when project 4, pulled below, was created


def _pull(day: int, created_at: str = PROJECT) -> Snapshot:
    """The Snapshot of a pull of project 4 (created at ``created_at``) made on May ``day``."""
    return Snapshot(4, created_at, f"2024-05-{day:02d}T12:00:00+00:00")


def _annotation(number: int, user: int, day: str, ground_truth: bool = False, without: set[str] = frozenset()):
    """Doc-a's annotation in the valid export as Label Studio writes another: its own id and unique_id."""
    annotation = copy.deepcopy(fx.valid_export()[0]["annotations"][0])
    annotation.update(id=number, unique_id=f"uuid-{number}", completed_by=user, ground_truth=ground_truth,
                      updated_at=f"2024-05-{day}T09:00:00Z")
    annotation["result"] = [r for r in annotation["result"] if r.get("id") not in without
                            and not (r.get("type") == "relation" and {r["from_id"], r["to_id"]} & without)]
    return annotation


def _doc_a(*annotations: dict) -> list[dict]:
    """The valid export's first task (doc-a) alone, holding ``annotations``."""
    tasks = fx.valid_export()[:1]
    tasks[0]["annotations"] = list(annotations)
    return tasks


def _valid_at(day: str, unique_ids: str | None = None, shift: int = 0) -> list[dict]:
    """The valid export with every annotation updated on May ``day``, its id moved by ``shift``
    and, given ``unique_ids``, its unique_id ``<unique_ids>-<id>``."""
    tasks = fx.valid_export()
    for task in tasks:
        for annotation in task["annotations"]:
            annotation["id"] += shift
            if unique_ids:
                annotation["unique_id"] = f"{unique_ids}-{annotation['id']}"
            annotation["updated_at"] = f"2024-05-{day}T09:00:00Z"
    return tasks


def _ingest_doc_a(layout, name: str, annotations: list[dict], day: int | None = None, **options):
    """Ingest doc-a's task holding ``annotations``: a pull of project 4 made on May ``day``, else a file."""
    return ingest_tasks(layout, name, _doc_a(*annotations), snapshot=day and _pull(day), **options)


# --- storing ---------------------------------------------------------------------------------


def test_a_valid_export_is_stored_verbatim_with_its_ingest_record(layout):
    result = run_ingest(layout, VALID)
    assert result.status == "stored"
    assert result.stored_as.directory == layout.exports / stored_name(1)
    assert result.stored_as.export.read_bytes() == VALID.read_bytes()
    assert result.sha256 == VALID_SHA
    assert result.exclusions == ()
    assert json.loads(result.stored_as.record.read_text()) == {
        "sha256": VALID_SHA, "allow_partial": False, "trim_whitespace": False, "excluded": [], "ground_truths": []}
    assert stored_files(layout) == [stored_name(1), f"{stored_name(1)}/export.json", f"{stored_name(1)}/ingest.json"]


def test_the_same_content_twice_is_a_no_op_whatever_the_file_name(tmp_path: Path, layout):
    first = run_ingest(layout, VALID)
    renamed = tmp_path / "project-3-at-2024-06-01.json"
    renamed.write_bytes(VALID.read_bytes())
    again = run_ingest(layout, renamed)
    assert again.status == "already-stored"
    assert again.stored_as == first.stored_as
    assert [stored.name for stored in stored_exports(layout)] == [stored_name(1)]


def test_exports_are_numbered_in_the_order_they_are_ingested_whatever_their_hashes(tmp_path: Path, layout):
    export = fx.valid_export()
    export[0]["annotations"][0]["lead_time"] = 7.0
    other = write_export(tmp_path, "other.json", export)
    other_sha = hashlib.sha256(other.read_bytes()).hexdigest()
    first = run_ingest(layout, other)
    second = run_ingest(layout, VALID)
    assert (first.stored_as.name, second.stored_as.name) == (stored_name(1, other_sha), stored_name(2))
    assert [stored.sequence for stored in stored_exports(layout)] == [1, 2]


def test_an_export_with_no_submitted_annotation_is_reported_and_not_stored(layout):
    export = fx.valid_export()
    for task in export:
        for annotation in task["annotations"]:
            annotation["was_cancelled"] = True
    result = ingest_tasks(layout, "skipped.json", export)
    assert result.status == "no-annotations" and result.stored_as is None
    assert stored_files(layout) == []


@pytest.mark.parametrize("name", ["span-text-mismatch.json", "doc-unknown.json", "relation-endpoint-missing.json"])
def test_an_export_with_errors_is_refused_whole(layout, name):
    result = run_ingest(layout, EXPORTS / name)
    assert result.status == "refused"
    assert result.stored_as is None
    assert not result.report.valid
    assert stored_files(layout) == []


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_a_file_that_is_no_export_raises_and_leaves_nothing(layout, name):
    with pytest.raises(CorpusError) as caught:
        run_ingest(layout, EXPORTS / name, allow_partial=True)
    assert caught.value.code == BAD_INPUTS[name]
    assert stored_files(layout) == []


def test_allow_partial_stores_and_lists_what_is_excluded(layout):
    result = run_ingest(layout, EXPORTS / "entity-id-unknown.json", allow_partial=True)
    assert result.status == "stored-partial"
    record = json.loads(result.stored_as.record.read_text())
    assert record == {
        "sha256": result.sha256, "allow_partial": True, "trim_whitespace": False,
        "excluded": [{"scope": "region", "code": "entity-id-unknown",
                      "message": "entity_id 'tony-blinken' is not in the entity registry (annotations/entity-registry.jsonl: "
                                 "a new entity gets its record there by hand, README.md)",
                      "task_id": 1, "doc_id": "doc-a", "annotation_id": 101, "region_id": "e1"}],
        "ground_truths": [],  # listed even when there are none: a record without them is an older one
    }
    annotations = _annotation_set(layout)
    assert [entity.id for entity in annotations.chosen["doc-a"].entities] == ["e2", "e3"]
    assert annotations.report.valid  # accepted at ingest: left out, not an error of every later release


def _without_annotation_id() -> list[dict]:
    export = two_annotators()
    del export[0]["annotations"][1]["id"]
    return export


@pytest.mark.parametrize(("export", "left_out", "entities", "quotes"), [
    # the export (a committed one, else made), stored with --allow-partial; the units it left out (scope, code,
    # region or annotation); then doc-a's chosen annotation's entities and its quotes' (source, cue)
    pytest.param("speaker-id-unknown.json", [("region", "speaker-id-unknown", "s1")], ["e1", "e2", "e3"],
                 [(None, "c1")], id="a-relation-to-an-excluded-region-goes-with-it"),
    pytest.param("span-unmappable.json", [("region", "span-unmappable", "e2")], ["e1", "e3"], [("s1", "c1")],
                 id="an-unmappable-span"),
    pytest.param(_without_annotation_id, [("annotation", "annotation-malformed", "#2")], ["e1", "e2", "e3"],
                 [("s1", "c1")], id="an-annotation-without-id-and-the-others-kept"),
])
def test_allow_partial_leaves_out_the_units_at_fault_and_keeps_the_others(layout, export, left_out, entities, quotes):
    path = EXPORTS / export if isinstance(export, str) else write_export(layout.root.parent, "made.json", export())
    result = run_ingest(layout, path, allow_partial=True)
    assert result.status == "stored-partial"
    assert [(e.scope, e.code, e.region_id or e.annotation_id) for e in result.exclusions] == left_out
    annotations = _annotation_set(layout)
    assert [v.provenance.annotation_id for v in annotations.versions["doc-a"]] == [101]
    chosen = annotations.chosen["doc-a"]
    assert [e.id for e in chosen.entities] == entities
    assert [(q.source and q.source.id, q.cue and q.cue.id) for q in chosen.quotes] == quotes
    assert annotations.report.valid  # accepted at ingest with --allow-partial: left out, not reported again


def test_trim_whitespace_repairs_edges_and_says_so(layout):
    refused = run_ingest(layout, EXPORTS / "span-edge-whitespace.json")
    assert refused.status == "refused"
    (problem,) = refused.report.errors
    assert problem.code == "span-edge-whitespace" and "' ' at its end" in problem.message
    result = run_ingest(layout, EXPORTS / "span-edge-whitespace.json", trim_whitespace=True)
    assert result.status == "stored"
    assert [(p.code, p.location.region_id) for p in result.report] == [("span-edge-whitespace-trimmed", "e2")]
    assert "trimmed to [82, 90) 'Damascus'" in result.report.problems[0].message
    entity = _annotation_set(layout).chosen["doc-a"].entities[1]
    assert (entity.span, entity.text) == (Span(82, 90), "Damascus")


# --- the annotation set ----------------------------------------------------------------------


def test_the_annotation_set_holds_every_layer_with_exact_spans(layout):
    stored = run_ingest(layout, VALID).stored_as.name
    annotations = _annotation_set(layout)
    assert annotations.report.valid and sorted(annotations.chosen) == ["doc-a", "doc-b"]
    doc_a = annotations.chosen["doc-a"]
    assert doc_a.entities == (
        EntityMention("e1", "doc-a", Span(43, 57), "Antony Blinken", "PERSON", "antony-blinken"),
        EntityMention("e2", "doc-a", Span(82, 90), "Damascus", "GPE", "damascus"),
        EntityMention("e3", "doc-a", Span(158, 174), "State Department", "ORG", "us-department-of-state"),
    )
    assert doc_a.timexes == (
        TimeExpression("t1", "doc-a", Span(94, 100), "Sunday", "DATE", "XXXX-WXX-7"),
        TimeExpression("t2", "doc-a", Span(191, 209), "more than a decade", "DURATION", "P10Y", "MORE_THAN"),
    )
    assert doc_a.quotes == (Quote(
        "q1", "doc-a", Span(102, 131), "\"We will not lift sanctions,\"", "direct",
        source=Source("s1", Span(132, 134), "he", "antony-blinken"), cue=Cue("c1", Span(135, 139), "said")),)
    assert doc_a.provenance == Provenance(stored, 1, 101, "1", "2024-05-01T10:00:00.000000Z", "latest")
    assert stored == stored_name(1)
    assert doc_a.text_sha256 == documents()["doc-a"].text_sha256
    assert annotations.chosen["doc-b"].entities[1].text == "London"
    assert annotations.versions["doc-a"] == (
        annotations.chosen["doc-a"].__class__(**{**_fields(doc_a), "provenance": Provenance(
            stored, 1, 101, "1", "2024-05-01T10:00:00.000000Z", "version")}),)


def _fields(record) -> dict:
    return {name: getattr(record, name) for name in record.__slots__}


def two_annotators(ground_truth_first: bool = False) -> list[dict]:
    export = fx.valid_export()
    second = copy.deepcopy(export[0]["annotations"][0])
    second.update(id=102, completed_by={"id": 2, "email": "b@example.org"}, updated_at="2024-05-03T09:00:00Z")
    second["result"] = [r for r in second["result"] if r.get("id") != "e3"]
    export[0]["annotations"].append(second)
    export[0]["annotations"][0]["ground_truth"] = ground_truth_first
    return export


@pytest.mark.parametrize("edit", ["a-label-the-size-kept", "a-label-the-size-and-mtime-kept", "a-task-pasted-twice"])
def test_a_stored_export_edited_in_place_is_refused_even_with_its_table_built(layout, edit: str):
    """The units table of an export edited after ingest is not served from build/: the edit gives
    it a new name, and making it finds the SHA-256 is not the one ingest.json records. An edit that
    makes the file fail its checking pass (a task pasted twice) is the edit's fault: the store says
    the file changed, not that it was put together by hand."""
    stored = run_ingest(layout, VALID).stored_as
    assert _annotation_set(layout).chosen["doc-a"].entities[0].label == "PERSON"
    data = stored.export.read_bytes()
    before = stored.export.stat()
    if edit == "a-task-pasted-twice":
        tasks = json.loads(data)
        stored.export.write_bytes(fx.dumps(tasks + tasks[:1]))
    else:
        assert data.count(b'"PERSON"') >= 1
        stored.export.write_bytes(data.replace(b'"PERSON"', b'"ORG"\x20\x20\x20', 1))  # same size
    if edit == "a-label-the-size-and-mtime-kept":  # `touch -r`: only the inode's change time still tells
        os.utime(stored.export, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.raises(CorpusError) as caught:
        _annotation_set(layout)
    assert caught.value.code == "stored-export-changed"
    assert caught.value.location.file == str(stored.export) and VALID_SHA[:16] in caught.value.message


@pytest.mark.parametrize(("field", "value", "fault"), [
    ("excluded", [5], "excluded is not a list of units"),
    ("excluded", None, "excluded is not a list of units"),
    ("excluded", "abc", "excluded is not a list of units"),
    ("excluded", [{"code": "x", "task_id": [1]}], "excluded is not a list of units"),
    ("allow_partial", "no", "allow_partial is not true or false"),
    ("sha256", None, "no sha256"),
    ("snapshot_of", {"project": "4", "created_at": "2024-05-01T00:00Z", "taken_at": "2024-05-02T00:00Z"},
     "snapshot_of is not a project's id"),
    ("snapshot_of", {"project": True, "created_at": "2024-05-01T00:00Z", "taken_at": "2024-05-02T00:00Z"},
     "snapshot_of is not a project's id"),
    ("snapshot_of", {"project": 4, "created_at": "2024-05-01T00:00Z"}, "snapshot_of is not a project's id"),
    ("snapshot_of", {"project": 4, "created_at": "2024-05-01T00:00Z", "taken_at": "2024-05-02"},
     "snapshot_of is not a project's id"),
    ("snapshot_of", [4], "snapshot_of is not a project's id"),
    ("ground_truths", [7], "ground_truths is not a list of annotations"),
    ("ground_truths", {}, "ground_truths is not a list of annotations"),
    ("deleted", ["uuid-1"], "deleted is not a pull's list of unique_ids"),  # listed by a record of no pull
])
def test_a_stored_record_of_the_wrong_shape_is_refused_naming_it(layout, field, value, fault):
    """ingest.json is read by every command over the store: a damaged one was a traceback (an
    int where an exclusion belongs) or, for "no" as an option, read as true."""
    stored = run_ingest(layout, VALID).stored_as
    path = stored.directory / "ingest.json"
    record = json.loads(path.read_bytes())
    path.write_text(json.dumps({**record, field: value}), encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        _annotation_set(layout)
    assert caught.value.code == "stored-export-invalid"
    assert str(caught.value).startswith(f"{path}: [stored-export-invalid] the stored export's ingest.json cannot be "
                                        f"read ({fault}")


def test_a_store_that_is_no_directory_is_refused_not_read_as_empty(tmp_path: Path, layout):
    """A file (or a dangling link) in annotations/exports' place made agreement and lint report an
    empty store, exit 0, and the release blame the version."""
    layout.exports.parent.mkdir(parents=True, exist_ok=True)
    layout.exports.symlink_to(tmp_path / "gone")
    with pytest.raises(CorpusError) as caught:
        stored_exports(layout)
    assert str(caught.value) == (f"{layout.exports}: [stored-export-invalid] not a directory: the store of exports "
                                 "is a directory of what ingest stored; restore it from version control")
    result = CliRunner().invoke(cli, ["agreement", "--root", str(layout.root)])
    assert result.exit_code == 1 and "[stored-export-invalid]" in result.output
    layout.exports.unlink()
    assert stored_exports(layout) == []  # no store yet: nothing ingested


def test_the_registry_is_digested_once_per_command_not_once_per_stored_export(layout, monkeypatch):
    """Each stored export's units table is named by the registry's digest, which reads every
    entity: taken once per stored export it cost 0.86 of 1.12 s at 200 exports, and every command
    and every ingest paid it (a scale audit)."""
    for day in ("02", "03", "04"):
        assert ingest_tasks(layout, f"{day}.json", _valid_at(day)).status == "stored"
    calls = []
    digest = store.registry_digest
    monkeypatch.setattr(store, "registry_digest", lambda registry: calls.append(1) or digest(registry))
    _index(layout)
    assert len(calls) == 1
    calls.clear()  # and once per ingest, for the comparison with the stored exports and its own table
    assert ingest_tasks(layout, "05.json", _valid_at("05")).status == "stored"
    assert len(calls) == 1


def test_stored_exports_checked_again_are_counted_in_bytes_to_their_size(tmp_path: Path, layout):
    """A stored export's units table is made again when the code, documents or registry change
    (here: build/ is gone); the bytes it checks then are reported as they are checked, by ingest
    and by every reader of the store (``rechecking``), to a total asked for first: the size of
    the exports whose tables are made (it counted tasks with no end). Ingest reports its own
    export's in bytes too (``checking``)."""
    assert run_ingest(layout, VALID).status == "stored"
    [stored] = layout.exports.glob("*/export.json")
    size = stored.stat().st_size
    shutil.rmtree(layout.build / "units")
    asked: list[int] = []
    checked: list[int] = []
    rechecking = lambda total: asked.append(total) or checked.append  # noqa: E731
    AnnotationIndex(layout, documents(), registry(), rechecking=rechecking)
    assert asked == [size] and sum(checked) == size
    asked.clear()
    checked.clear()
    AnnotationIndex(layout, documents(), registry(), rechecking=rechecking)
    assert asked == [] and checked == []  # the table is made once
    shutil.rmtree(layout.build)  # with the store's index, which would name the stored export's annotations
    newer = fx.valid_export()
    newer[0]["annotations"][0]["updated_at"] = "2024-06-01T00:00:00Z"
    own: list[int] = []
    path = write_export(tmp_path, "newer.json", newer)
    result = run_ingest(layout, path, checking=lambda size: own.append(size) or own.append, rechecking=rechecking)
    assert result.status == "stored"
    assert asked == [size] and sum(checked) == size  # the stored export, checked again
    assert own[0] == sum(own[1:]) == path.stat().st_size  # its own, in bytes, to the file's size


def test_the_annotation_set_asks_once_for_every_export_in_use_whose_table_it_makes(corpus_copy):
    """One bar for the stored exports in use, to the sum of their sizes, not one a file."""
    sizes = [path.stat().st_size for path in corpus_copy.exports.glob("*/export.json")]
    asked: list[int] = []
    checked: list[int] = []
    AnnotationIndex(corpus_copy, DocumentIndex(corpus_copy), load_registry(corpus_copy),
                    rechecking=lambda total: asked.append(total) or checked.append)
    assert len(sizes) == 3 and asked == [sum(sizes)] and sum(checked) == sum(sizes)


@pytest.mark.parametrize(("ground_truth_first", "chosen"), [  # the chosen one's id, annotator, reason, flag, entities
    pytest.param(False, (102, "2", "latest", False, ["e1", "e2"]), id="the-latest"),
    pytest.param(True, (101, "1", "ground_truth", True, ["e1", "e2", "e3"]), id="a-ground-truth-over-a-later-one"),
])
def test_the_ground_truth_else_the_latest_is_chosen_and_every_annotator_kept(layout, ground_truth_first, chosen):
    ingest_tasks(layout, "two.json", two_annotators(ground_truth_first))
    annotations = _annotation_set(layout)
    provenance, entities = annotations.chosen["doc-a"].provenance, annotations.chosen["doc-a"].entities
    assert (provenance.annotation_id, provenance.annotator, provenance.reason, provenance.ground_truth,
            [e.id for e in entities]) == chosen
    assert [(v.provenance.annotator, v.provenance.annotation_id, v.provenance.ground_truth, len(v.entities))
            for v in annotations.versions["doc-a"]] == [("1", 101, ground_truth_first, 3), ("2", 102, False, 2)]


def test_an_annotation_un_marked_as_ground_truth_is_ground_truth_no_more(layout):
    """Only an annotation's newest copy says whether it is ground truth: the release kept the
    old starred copy (and its old content) after the lead un-starred and corrected it."""
    for name, day, starred, without in (("starred.json", "01", True, set()), ("unstarred.json", "03", False, {"e3"})):
        tasks = _doc_a(_annotation(101, 1, day, starred, without), _annotation(102, 2, "02"))
        assert ingest_tasks(layout, name, tasks).status == "stored"
    chosen = _annotation_set(layout).chosen["doc-a"]
    assert (chosen.provenance.annotation_id, chosen.provenance.reason, chosen.provenance.ground_truth) == (
        101, "latest", False)
    assert [entity.id for entity in chosen.entities] == ["e1", "e2"]  # as corrected on the 3rd


def test_an_annotation_whose_newest_copy_was_left_out_is_left_out(layout):
    """Stored with --allow-partial, an annotation's newest copy is refused whole: its older copy
    is content the annotator has since changed, so neither is used (it was the older one)."""
    tasks = _doc_a(_annotation(101, 1, "01"), _annotation(102, 2, "02", without={"e3"}))
    assert ingest_tasks(layout, "first.json", tasks).status == "stored"
    broken = _annotation(101, 1, "03")
    broken["result"] = "not a list"
    tasks[0]["annotations"] = [broken]
    assert ingest_tasks(layout, "second.json", tasks, allow_partial=True).status == "stored-partial"
    annotations = _annotation_set(layout)
    assert [v.provenance.annotation_id for v in annotations.versions["doc-a"]] == [102]
    assert annotations.chosen["doc-a"].provenance.annotation_id == 102


def test_a_document_adjudicated_as_recently_as_its_versions_is_adjudicated_since(layout):
    """AnnotationIndex.adjudicated (the documents adjudicate --push leaves alone) holds a document
    whose latest adjudication is at least as recent as each of its versions: one saved at the
    same moment as a version too; annotated again since, it is adjudicated no more. (Strictly
    more recent failed no test outside Label Studio's.)"""
    tasks = _doc_a(_annotation(101, 1, "01"), _annotation(102, 2, "01"), _annotation(103, 3, "01", True))
    assert ingest_tasks(layout, "1.json", tasks).status == "stored"
    assert _index(layout).adjudicated == frozenset({"doc-a"})
    tasks[0]["annotations"][1] = _annotation(102, 2, "02")
    assert ingest_tasks(layout, "2.json", tasks).status == "stored"
    assert _index(layout).adjudicated == frozenset()


def test_a_cancelled_annotation_is_counted_once_whatever_the_exports_that_hold_it(layout):
    """Every pull holds it again: agreement said 1, 2, 4, 6... cancelled annotations, and kept
    counting one whose cancellation was undone."""
    tasks = _doc_a(_annotation(101, 1, "01"), dict(_annotation(102, 2, "01"), was_cancelled=True))
    for day in ("01", "02", "03"):  # three pulls, each with another change of annotation 101
        tasks[0]["annotations"][0]["updated_at"] = f"2024-05-{day}T10:00:00Z"
        assert ingest_tasks(layout, f"{day}.json", tasks).status == "stored"
    assert _index(layout).cancelled == 1
    tasks[0]["annotations"][1] = _annotation(102, 2, "04")  # submitted after all
    assert ingest_tasks(layout, "04.json", tasks).status == "stored"
    assert _index(layout).cancelled == 0


def test_the_note_on_deleted_annotations_names_the_first_five_ids_and_counts_the_rest(layout):
    """A pull that lost many annotations keeps its note one line: the five lowest ids, then how
    many more (in id order, whatever the order the previous pull held them in)."""
    numbers = [108, 101, 107, 102, 106, 103, 105, 104]
    tasks = _doc_a(*(_annotation(number, number - 100, "01") for number in numbers))
    assert ingest_tasks(layout, "1.json", tasks, snapshot=_pull(1)).status == "stored"
    tasks[0]["annotations"] = [_annotation(101, 1, "01")]
    gone = ingest_tasks(layout, "2.json", tasks, snapshot=_pull(2))
    assert gone.status == "stored"
    assert gone.notes == ("7 annotations of project 4's previous pull (stored export "
                          f"{stored_exports(layout)[0].name}) are not in this one: deleted in Label Studio, they "
                          "leave the annotation set (ids 102, 103, 104, 105, 106 and 2 more)",)
    assert orjson.loads((stored_exports(layout)[1].directory / "ingest.json").read_bytes())["deleted"] == [
        f"uuid-{number}" for number in range(102, 109)]


def test_an_annotation_deleted_in_label_studio_leaves_with_the_next_pull_of_its_project(layout):
    """A pull holds its project whole: an annotation the next pull of the project lacks was
    deleted there. It stayed, ground truth included, and was chosen over the living ones."""
    tasks = _doc_a(_annotation(101, 1, "01"), _annotation(102, 2, "01"), _annotation(103, 3, "02", True, {"e3"}))
    assert ingest_tasks(layout, "1.json", tasks, snapshot=_pull(1)).status == "stored"
    assert stored_exports(layout)[0].snapshot == _pull(1)
    assert _annotation_set(layout).chosen["doc-a"].provenance.annotation_id == 103

    tasks[0]["annotations"] = tasks[0]["annotations"][:1]  # 102 and the ground truth deleted
    gone = ingest_tasks(layout, "2.json", tasks, snapshot=_pull(2))
    assert gone.status == "stored"  # though every annotation in it is stored already
    assert gone.notes == ("2 annotations of project 4's previous pull (stored export "
                          f"{stored_exports(layout)[0].name}) are not in this one: deleted in Label Studio, they "
                          "leave the annotation set (ids 102, 103)",)
    annotations = _annotation_set(layout)
    assert [(v.provenance.annotation_id, v.provenance.ground_truth) for v in annotations.versions["doc-a"]] == [
        (101, False)]
    assert (annotations.chosen["doc-a"].provenance.annotation_id, annotations.chosen["doc-a"].provenance.reason) == (
        101, "latest")
    tasks[0]["predictions"] = [{"id": 7, "model_version": "m", "created_ago": "1 minute", "result": []}]
    assert ingest_tasks(layout, "3.json", tasks, snapshot=_pull(3)).status == "nothing-new"
    # the first pull holds nothing current: not read, its units table not made again when gone
    first, second = (item.name for item in stored_exports(layout))
    shutil.rmtree(next(layout.build.glob(f"units/{first}/*")))
    assert [item.name for item in _index(layout).stored] == [second]
    assert not list(layout.build.glob(f"units/{first}/*"))

    # a pull of another project (same id, another server) and an export from a file delete nothing
    tasks[0]["annotations"] = [_annotation(104, 2, "03")]
    other = "2024-05-20T08:00:00+00:00"  # project 4's creation time on another server
    assert ingest_tasks(layout, "4.json", tasks, snapshot=_pull(4, other)).status == "stored"
    tasks[0]["annotations"] = [_annotation(105, 3, "03")]
    assert ingest_tasks(layout, "5.json", tasks).status == "stored"
    assert sorted(_index(layout).versions["annotation_index"].to_pylist()) == [0, 0, 0]  # 101, 104, 105
    assert _annotators(layout) == ["1", "2", "3"]

    # every annotation of the project deleted: stored, not "no annotations"
    tasks[0]["annotations"] = []
    assert ingest_tasks(layout, "6.json", tasks, snapshot=_pull(6)).status == "stored"
    assert _annotators(layout) == ["2", "3"]


def test_an_annotation_deleted_in_label_studio_leaves_the_exports_ingested_from_files_too(layout):
    """An export from a file says no project, so an annotation it held stayed for good once
    deleted in Label Studio (the committed exports among them). A pull records the unique_ids its
    project's previous pull held and it lacks, and they leave every stored export."""
    kept, deleted = _annotation(101, 1, "01"), _annotation(102, 2, "01")
    tasks = _doc_a(kept, deleted, _annotation(103, 3, "01"))
    assert ingest_tasks(layout, "file.json", tasks).status == "stored"
    # the project's first pull holds nothing new (103 was deleted before it), and is stored all the
    # same: the baseline the next pull's deletions are seen against
    tasks[0]["annotations"] = [kept, deleted]
    first = ingest_tasks(layout, "1.json", tasks, snapshot=_pull(2))
    assert first.status == "stored" and first.stored_as.deleted == ()
    assert _annotators(layout) == ["1", "2", "3"]
    tasks[0]["annotations"] = [kept]
    second = ingest_tasks(layout, "2.json", tasks, snapshot=_pull(3))
    assert second.status == "stored" and second.stored_as.deleted == ("uuid-102",)
    assert orjson.loads(second.stored_as.record.read_bytes())["deleted"] == ["uuid-102"]
    # 102 leaves the file's export too; 103, which no pull ever held, cannot be seen to be deleted
    assert _annotators(layout) == ["1", "3"]
    # a later pull of the project says nothing of 102 again: it stays gone
    tasks[0]["annotations"] = [kept, _annotation(104, 4, "04")]
    assert ingest_tasks(layout, "3.json", tasks, snapshot=_pull(4)).status == "stored"
    assert _annotators(layout) == ["1", "3", "4"]
    # a database restored from a backup brings it back: the project's latest pull holds it again
    tasks[0]["annotations"] = [kept, deleted]
    assert ingest_tasks(layout, "4.json", tasks, snapshot=_pull(5)).status == "stored"
    assert _annotators(layout) == ["1", "2", "3"]


def test_a_deletion_seen_only_by_merging_two_clones_and_by_records_before_the_lists_leaves_too(tmp_path: Path):
    """Each clone's first pull of a project was compared with no pull, so after a merge the
    earlier one's annotation that the later one lacks stayed in the file's export for good; so did
    one deleted between two pulls stored before pulls recorded their deletions. (Found by a hunt
    of this change.)"""
    kept, deleted = _annotation(101, 1, "01"), _annotation(102, 2, "01")
    ours, theirs = corpus_root(tmp_path / "ours"), corpus_root(tmp_path / "theirs")
    for layout in (ours, theirs):
        assert _ingest_doc_a(layout, "file.json", [kept, deleted]).status == "stored"
    assert _ingest_doc_a(theirs, "theirs.json", [kept, deleted], day=2).status == "stored"
    assert _ingest_doc_a(ours, "ours.json", [kept], day=4).stored_as.previous is None  # compared with no pull
    for directory in theirs.exports.iterdir():  # git merge
        if not (ours.exports / directory.name).exists():
            shutil.copytree(directory, ours.exports / directory.name)
    assert _annotators(ours) == ["1"]
    assert _ingest_doc_a(ours, "next.json", [kept], day=6).status == "already-stored" and _annotators(ours) == ["1"]

    old = corpus_root(tmp_path / "old")
    _ingest_doc_a(old, "file.json", [kept, deleted])
    _ingest_doc_a(old, "1.json", [kept, deleted], day=2)
    second = _ingest_doc_a(old, "2.json", [kept], day=3).stored_as
    assert (second.previous, second.deleted) == (stored_exports(old)[1].name, ("uuid-102",))
    record = orjson.loads(second.record.read_bytes())
    del record["previous"], record["deleted"]  # as written before pulls recorded them
    second.record.write_bytes(orjson.dumps(record))
    assert _annotators(old) == ["1"]


def test_a_pull_that_first_holds_an_annotation_a_file_holds_too_is_stored(layout):
    """Such a pull was nothing new, so the pull after the annotation's deletion was compared with
    one that never held it, and it stayed in the file's export for good (found on a live server
    by a hunt of this change). Likewise a pull older than the latest stored one."""
    first, second = _annotation(101, 1, "01"), _annotation(102, 2, "02")
    assert _ingest_doc_a(layout, "1.json", [first], day=2).status == "stored"
    assert _ingest_doc_a(layout, "file.json", [first, second]).status == "stored"
    holding = _ingest_doc_a(layout, "2.json", [first, second], day=3)
    assert holding.status == "stored" and holding.stored_as.deleted == ()
    assert _ingest_doc_a(layout, "3.json", [first], day=4).stored_as.deleted == ("uuid-102",)
    assert _annotators(layout) == ["1"]
    # an older pull, ingested last, that holds an annotation since deleted and held by a file
    third = _annotation(103, 3, "02")
    assert _ingest_doc_a(layout, "file2.json", [first, third]).status == "stored"
    assert _ingest_doc_a(layout, "old.json", [first, third], day=1).status == "stored"
    assert _annotators(layout) == ["1"]


def test_a_pull_stored_without_some_of_its_tasks_says_nothing_was_deleted(layout):
    """A pull stored with --allow-partial lacks a task it could not read in its units table, not
    in Label Studio: its annotations were recorded as deleted, with a note saying so. (Found by a
    hunt.)"""
    tasks = _doc_a(_annotation(101, 1, "01"), _annotation(102, 2, "01"))
    assert ingest_tasks(layout, "file.json", tasks).status == "stored"
    assert ingest_tasks(layout, "1.json", tasks, snapshot=_pull(2)).status == "stored"
    del tasks[0]["data"]["text"]
    partial = ingest_tasks(layout, "2.json", tasks, allow_partial=True, snapshot=_pull(3))
    assert partial.status == "stored-partial" and not any("deleted" in note for note in partial.notes)
    assert (partial.stored_as.previous, partial.stored_as.deleted) == (None, ())
    # nor are they taken for deleted while it is the project's latest pull: the file's copies
    # stay (the first pull, compared with no later one, was read for what it held, and the
    # partial pull's refused task held none of it)
    assert _annotators(layout) == ["1", "2"]
    del tasks[0]["annotations"][1]  # 102 deleted, and the task whole again
    tasks[0]["data"] = fx.valid_export()[0]["data"]
    assert ingest_tasks(layout, "3.json", tasks, snapshot=_pull(4)).status == "stored"
    assert _annotators(layout) == ["1"]


def test_a_pull_stored_without_one_annotation_still_sees_what_was_deleted_in_its_task(layout):
    """Only a task refused whole leaves Label Studio's annotations of it unread: one annotation
    refused on its own (in the units, marked excluded) leaves the task's others there, so an
    annotation an earlier pull held and this one lacks was deleted, and leaves the file's export.
    (Taking such an annotation's refusal for its task's failed no test.)"""
    tasks = _doc_a(_annotation(101, 1, "01"), _annotation(102, 2, "01"), _annotation(103, 3, "01"))
    assert ingest_tasks(layout, "file.json", tasks).status == "stored"
    assert ingest_tasks(layout, "1.json", tasks, snapshot=_pull(2)).status == "stored"
    broken = _annotation(103, 3, "02")
    broken["result"] = "not a list"
    tasks[0]["annotations"] = [_annotation(101, 1, "01"), broken]  # 102 deleted, 103 refused alone
    partial = ingest_tasks(layout, "2.json", tasks, allow_partial=True, snapshot=_pull(3))
    assert partial.status == "stored-partial" and (partial.stored_as.previous, partial.stored_as.deleted) == (None, ())
    assert [(e.scope, e.code, e.annotation_id) for e in partial.exclusions] == [
        ("annotation", "annotation-malformed", 103)]
    # 102 leaves every stored export; 103, whose newest copy was refused, is left out as well
    assert _annotators(layout) == ["1"]


def test_a_project_s_first_pull_reads_no_other_stored_export(layout, monkeypatch):
    """It is stored whatever it holds, so whether it holds anything new is not asked: each other
    project's pull had its units table read (or made again, after a code change) for nothing."""
    def pull(number, project):
        return ingest_tasks(layout, f"{number}.json", _doc_a(_annotation(number, 1, "01")),
                            accounts=lambda ids: {user: f"user{user}@example.org" for user in ids},
                            snapshot=Snapshot(project, PROJECT, "2024-05-02T12:00:00+00:00"))

    for project in (10, 11):
        assert pull(project * 100, project).status == "stored"
    read = _stored_tables_read(monkeypatch)
    assert pull(500, 5).status == "stored" and read == []


def test_a_pull_of_a_project_whose_every_task_was_deleted_is_stored(layout):
    """Label Studio exports [] then: refused as export-empty, the deleted annotations stayed."""
    assert ingest_tasks(layout, "1.json", fx.valid_export(), snapshot=_pull(1)).status == "stored"
    empty = ingest_tasks(layout, "2.json", [], snapshot=_pull(2))
    assert empty.status == "stored" and "are not in this one: deleted in Label Studio" in empty.notes[0]
    annotations = _annotation_set(layout)
    assert (annotations.chosen, annotations.versions) == ({}, {})
    with pytest.raises(CorpusError) as caught:  # an export from a file holds no project: [] is no export
        ingest_tasks(layout, "3.json", [])
    assert caught.value.code == "export-empty"


@pytest.mark.parametrize(("first", "cancelling"), [  # the pulls' days (None: an export from a file)
    pytest.param(1, 2, id="a-pull-then-a-pull"), pytest.param(None, 3, id="a-file-then-a-first-pull")])
def test_a_pull_whose_every_annotation_was_cancelled_since_is_stored(layout, first, cancelling):
    """It was "no-annotations", not stored: the cancelled annotations stayed in the set. A first
    pull (or a file) with every annotation cancelled since was "no-annotations" too: the
    cancellation was lost, and every store met it on its first pull of a project."""
    tasks = _doc_a(_annotation(101, 1, "01"))
    assert ingest_tasks(layout, "1.json", tasks, snapshot=first and _pull(first)).status == "stored"
    tasks[0]["annotations"] = [dict(_annotation(101, 1, "02"), was_cancelled=True)]
    assert ingest_tasks(layout, "2.json", tasks, snapshot=_pull(cancelling)).status == "stored"
    index = _index(layout)
    assert (index.chosen.num_rows, index.cancelled) == (0, 1)
    tasks[0]["predictions"] = [{"id": 7, "model_version": "m", "created_ago": "1 minute", "result": []}]
    assert ingest_tasks(layout, "3.json", tasks, snapshot=_pull(cancelling + 1)).status == "nothing-new"
    # from a file, an export with nothing submitted that cancels nothing stored is not stored
    tasks[0]["annotations"] = [dict(_annotation(201, 3, "03"), was_cancelled=True)]
    assert ingest_tasks(layout, "4.json", tasks).status == "no-annotations"


def test_a_file_without_unique_ids_that_cancels_a_stored_annotation_is_stored(layout):
    """The annotation set tells annotations without a unique_id apart by id, document and
    annotator; the check for a cancellation matched unique_ids only: the later file was
    "no-annotations", and the annotation its annotator cancelled stayed their version."""
    tasks = _doc_a(_annotation(101, 1, "01"), _annotation(102, 2, "01"))
    for annotation in tasks[0]["annotations"]:
        del annotation["unique_id"]
    assert ingest_tasks(layout, "1.json", tasks).status == "stored"
    tasks[0]["annotations"] = [dict(tasks[0]["annotations"][1], was_cancelled=True, updated_at="2024-05-02T09:00:00Z")]
    assert ingest_tasks(layout, "2.json", tasks).status == "stored"
    index = _index(layout)
    assert (index.versions["annotator"].to_pylist(), index.cancelled) == (["1"], 1)
    # a cancelled annotation of another id or annotator cancels nothing stored
    tasks[0]["annotations"] = [dict(tasks[0]["annotations"][0], id=103, completed_by=3)]
    assert ingest_tasks(layout, "3.json", tasks).status == "no-annotations"


def test_an_empty_pull_of_one_project_is_not_another_project_s(layout):
    """Every empty project exports "[]": project B's empty pull was "already stored" as A's,
    and B's deleted annotations stayed."""
    for project in (4, 5):
        pulled = [Snapshot(project, PROJECT, f"2024-05-0{day}T12:00:00+00:00") for day in (1, 2, 3)]
        tasks = fx.valid_export()[:1]
        for annotation in tasks[0]["annotations"]:
            annotation["id"] += 10 * project
        assert ingest_tasks(layout, f"{project}.json", tasks, snapshot=pulled[0]).status == "stored"
        empty = ingest_tasks(layout, f"{project}-empty.json", [], snapshot=pulled[1])
        assert empty.status == "stored", project
        assert ingest_tasks(layout, f"{project}-again.json", [], snapshot=pulled[2]).status == "already-stored"
    assert _annotation_set(layout).chosen == {}


def test_pulls_of_a_project_found_by_a_second_hunt(tmp_path: Path):
    """A project back to an older pull's bytes ("[]" again) was "already stored", and what was
    deleted since stayed; "Z" and "+00:00" named two projects; an older pull than the one read
    claimed deletions."""
    one, two = [_annotation(101, 1, "01")], [_annotation(101, 1, "01"), _annotation(102, 2, "01")]
    layout = corpus_root(tmp_path / "back")
    for day, annotations in ((1, one), (2, None), (3, [_annotation(301, 2, "03")]), (4, None)):
        export = _doc_a(*annotations) if annotations else []  # None: every task deleted
        assert ingest_tasks(layout, f"{day}.json", export, snapshot=_pull(day)).status == "stored"
    assert _annotation_set(layout).chosen == {}

    layout = corpus_root(tmp_path / "notation")
    assert _ingest_doc_a(layout, "plus.json", two, day=1).status == "stored"
    assert ingest_tasks(layout, "z.json", _doc_a(*one), snapshot=_pull(2, "2024-05-01T08:00:00Z")).status == "stored"
    assert [v.provenance.annotation_id for v in _annotation_set(layout).versions[
        "doc-a"]] == [101]  # 102 deleted: one project, whatever the notation of its creation time

    layout = corpus_root(tmp_path / "again")  # the same pull ingested again, once a newer one is in
    assert _ingest_doc_a(layout, "first.json", one, day=1).status == "stored"
    later = [_annotation(101, 1, "01"), _annotation(102, 2, "02")]
    assert _ingest_doc_a(layout, "later.json", later, day=2).status == "stored"
    assert _ingest_doc_a(layout, "first.json", one, day=1).status == "already-stored"

    layout = corpus_root(tmp_path / "older")
    assert _ingest_doc_a(layout, "newer.json", two, day=5).status == "stored"
    older = _ingest_doc_a(layout, "older.json", one, day=3)
    assert older.status in ("stored", "nothing-new") and not any("deleted" in note for note in older.notes)
    assert len(_annotation_set(layout).versions["doc-a"]) == 2


def test_the_latest_pull_of_a_project_is_the_one_the_server_made_last_whatever_the_store_order(tmp_path: Path):
    """Two branches that each pulled, merged, hold two exports of one sequence number, ordered by
    their hashes: when the newer sorted first, the older was taken for the later pull, and every
    annotation made between the two was dropped as deleted (and a new pull had nothing new)."""
    tasks = _doc_a(_annotation(101, 1, "01"))
    assert ingest_tasks(corpus_root(tmp_path / "base"), "1.json", tasks, snapshot=_pull(1)).status == "stored"
    # branch X pulls on the 2nd (101, 102), branch Y on the 3rd (101, 102, 103); lead times make
    # the newer pull's hash sort first (so the store's order is the wrong one)
    for lead in range(50):
        stores = {}
        for name, day, count in (("x", 2, 2), ("y", 3, 3)):
            shutil.copytree(tmp_path / "base", tmp_path / f"{name}{lead}")
            layout = Layout.at(tmp_path / f"{name}{lead}")
            tasks[0]["annotations"] = [_annotation(101 + n, 1 + n, f"{day:02d}") for n in range(count)]
            tasks[0]["annotations"][0]["lead_time"] = lead
            tasks[0]["annotations"][0]["updated_at"] = "2024-05-01T09:00:00Z"
            result = ingest_tasks(layout, f"{name}{lead}.json", tasks, snapshot=_pull(day))
            stores[name] = (layout, result.stored_as)
        if stores["y"][1].name < stores["x"][1].name:
            break
    layout, _ = stores["y"]
    shutil.copytree(stores["x"][1].directory, layout.exports / stores["x"][1].name)  # the merge
    assert [item.sequence for item in stored_exports(layout)] == [1, 2, 2]
    assert stored_exports(layout)[1] == stores["y"][1]  # the newer pull first
    assert [item.name for item in _index(layout).stored] == [stores["y"][1].name]
    assert _annotators(layout) == ["1", "2", "3"]


def _displacing() -> tuple[list[dict], list[dict]]:
    """Doc-a's annotations before and after a second reviewer (user 9) saves a ground truth: Label
    Studio un-marks user 1's merge 103 then, without moving its update time."""
    own, merge = _annotation(101, 1, "01"), _annotation(103, 1, "02", True, {"e3"})
    other = _annotation(102, 2, "01", without={"e1"})
    return [own, other, merge], [own, other, dict(merge, ground_truth=False), _annotation(104, 9, "03", True)]


# What the annotation set makes of _displacing's annotations, once it has seen the second ground truth:
# every version, and the annotation chosen
DISPLACED = ([("1", 101, False), ("1", 103, True), ("2", 102, False), ("9", 104, True)], (104, "ground_truth"))


def _picked(layout):
    annotations = _annotation_set(layout)
    chosen = annotations.chosen["doc-a"].provenance
    return ([(v.provenance.annotator, v.provenance.annotation_id, v.provenance.ground_truth)
             for v in annotations.versions["doc-a"]], (chosen.annotation_id, chosen.reason))


def test_an_adjudication_displaced_by_a_later_ground_truth_is_nobody_s_version(layout):
    """Label Studio keeps one ground truth per task: saving another clears the first one's flag
    without moving its update time. A reviewer's merge then read as the reviewer's own version
    (agreement compared it, the card counted them as an annotator)."""
    before, after = _displacing()
    tasks = _doc_a(*before)
    first = ingest_tasks(layout, "1.json", tasks, snapshot=_pull(2))
    assert first.stored_as.ground_truths == (f"uuid-103 {1714640400 * 10**6}",)  # 2024-05-02T09:00Z
    tasks[0]["annotations"] = after
    second = ingest_tasks(layout, "2.json", tasks, snapshot=_pull(3))
    assert second.status == "stored" and [key.split()[0] for key in second.stored_as.ground_truths] == ["uuid-104"]
    assert _picked(layout) == DISPLACED
    # a pull as before is nothing new; later pulls (the earlier ones are not read again) change nothing
    tasks[0]["predictions"] = [{"id": 7, "model_version": "m", "created_ago": "1 minute", "result": []}]
    assert ingest_tasks(layout, "3.json", tasks, snapshot=_pull(4)).status == "nothing-new"
    tasks[0]["annotations"].append(_annotation(105, 3, "05"))
    assert ingest_tasks(layout, "4.json", tasks, snapshot=_pull(5)).status == "stored"
    assert _picked(layout)[0][1] == ("1", 103, True)
    deleted = [dict(tasks[0], annotations=[a for a in tasks[0]["annotations"] if a["id"] != 105])]
    assert ingest_tasks(layout, "5.json", deleted, snapshot=_pull(6)).status == "stored"
    assert _picked(layout)[0][1] == ("1", 103, True)
    # un-marked by a person, the annotation is saved: its update time moves, and it is a version
    tasks[0]["annotations"][3] = dict(tasks[0]["annotations"][3], ground_truth=False, updated_at="2024-05-07T09:00:00Z")
    assert ingest_tasks(layout, "6.json", tasks, snapshot=_pull(7)).status == "stored"
    assert _picked(layout) == ([("1", 101, False), ("1", 103, True), ("2", 102, False), ("3", 105, False),
                                ("9", 104, False)], (103, "ground_truth"))


def test_a_displaced_adjudication_without_an_update_time_is_known_by_its_creation_time(layout):
    """Ranking reads such a copy by created_at; the ground truths were recorded by updated_at only."""
    before, after = _displacing()
    for name, annotations in (("1.json", before), ("2.json", after)):
        for annotation in annotations:
            if annotation["id"] == 103:
                annotation.update(updated_at=None, created_at="2024-05-02T09:00:00Z")
        assert _ingest_doc_a(layout, name, annotations).status == "stored"
    assert _picked(layout) == DISPLACED


@pytest.mark.parametrize("pulls", [False, True])
def test_a_displacement_of_an_export_stored_before_ground_truths_were_recorded_is_seen(layout, pulls):
    """Exports stored before 2026-12-06 list no ground truths: their own units say which were,
    read even when the export is a pull no longer read (the merge read as a version)."""
    before, after = _displacing()
    for day, (name, annotations) in enumerate((("old.json", before), ("pulled.json", after)), 2):
        stored = _ingest_doc_a(layout, name, annotations, day=day if pulls else None).stored_as
        if name == "old.json":  # as ingest wrote it before it recorded them
            record = json.loads(stored.record.read_text())
            del record["ground_truths"]
            stored.record.write_text(json.dumps(record))
    assert _picked(layout) == DISPLACED


@pytest.mark.parametrize("newer_first", [True, False])
def test_a_displacement_seen_by_a_pull_in_another_clone_is_seen_once_the_clones_are_merged(tmp_path, newer_first):
    """Clone X pulled the merge as ground truth; clone Y pulled after the second reviewer, never
    having seen it so. Merged, the store knows both: the merge is an adjudication, whatever order
    the stored exports sort in (it read as its reviewer's version, or not, by hash order)."""
    before, after = _displacing()
    stored = {}
    for name, annotations, day in (("x", before, 2), ("y", after, 3)):
        stored[name] = _ingest_doc_a(corpus_root(tmp_path / name), f"{name}.json", annotations, day=day).stored_as
    into, other = ("x", "y") if newer_first else ("y", "x")
    layout = Layout.at(tmp_path / into)
    shutil.copytree(stored[other].directory, layout.exports / stored[other].name)  # the merge: both 000001
    assert _picked(layout) == DISPLACED


def test_an_annotator_who_adjudicates_keeps_their_own_version(layout):
    """A person's ground-truth annotation is an adjudication kept apart: it replaced their own
    version, so agreement found one annotator and the release credited the units to the other."""
    tasks = _doc_a(_annotation(101, 1, "01"), _annotation(102, 2, "02", without={"e3"}),
                   _annotation(103, 1, "03", True, {"e3"}))
    assert ingest_tasks(layout, "adjudicated.json", tasks).status == "stored"
    annotations = _annotation_set(layout)
    assert [(v.provenance.annotator, v.provenance.annotation_id, v.provenance.ground_truth)
            for v in annotations.versions["doc-a"]] == [("1", 101, False), ("1", 103, True), ("2", 102, False)]
    chosen = annotations.chosen["doc-a"]
    assert (chosen.provenance.annotation_id, chosen.provenance.reason) == (103, "ground_truth")
    report = agreement(_index(layout))
    assert (report.compared, report.not_comparable, report.adjudications_left_out) == (("doc-a",), (), 1)
    # a second adjudication of the same person's: both are left out of agreement, and counted so
    # (it counted each person's latest of a document: 1)
    tasks[0]["annotations"].append(_annotation(104, 1, "04", True))
    assert ingest_tasks(layout, "again.json", tasks).status == "stored"
    assert agreement(_index(layout)).adjudications_left_out == 2


def test_a_later_export_supersedes_by_update_time_not_by_arrival(layout):
    run_ingest(layout, VALID)
    newer = fx.valid_export()
    newer[0]["annotations"][0]["updated_at"] = "2024-06-01T00:00:00Z"
    newer[0]["annotations"][0]["result"] = [r for r in newer[0]["annotations"][0]["result"] if r.get("id") != "e1"]
    older = fx.valid_export()
    older[1]["annotations"][0]["updated_at"] = "2024-04-01T00:00:00Z"
    older[1]["annotations"][0]["result"] = []
    ingest_tasks(layout, "newer.json", newer)
    ingest_tasks(layout, "older.json", older)
    assert len(stored_exports(layout)) == 3
    annotations = _annotation_set(layout)
    assert [e.id for e in annotations.chosen["doc-a"].entities] == ["e2", "e3"]  # the June update
    assert annotations.chosen["doc-a"].provenance.export_file == stored_exports(layout)[1].name
    assert len(annotations.chosen["doc-b"].entities) == 2  # the April export does not undo May's work
    assert len(annotations.versions["doc-a"]) == 1  # one annotator, one version


def test_cancelled_annotations_are_skipped_and_counted(layout):
    run_ingest(layout, EXPORTS / "annotation-cancelled.json")
    annotations = _annotation_set(layout)
    assert [v.provenance.annotation_id for v in annotations.versions["doc-a"]] == [101]
    assert dict(annotations.report.stats)["annotations_cancelled"] == 1


def test_spans_made_on_an_older_text_land_on_the_current_characters(layout):
    stored = run_ingest(layout, EXPORTS / "text-changed.json")
    assert stored.status == "stored"
    task = json.loads(stored.stored_as.export.read_bytes())[0]
    assert task["annotations"][0]["result"][0]["value"]["start"] == 47  # as annotated on the old text
    chosen = _annotation_set(layout).chosen["doc-a"]
    text = documents()["doc-a"].text
    assert chosen.entities[0].span == Span(43, 57)
    assert all(text[e.span.start:e.span.end] == e.text for e in chosen.entities)
    assert chosen.quotes[0].source.span == Span(132, 134)


def test_no_stored_exports_make_an_empty_set(layout):
    annotations = _annotation_set(layout)
    assert annotations.chosen == {} and annotations.versions == {} and annotations.report.valid


# --- the command -----------------------------------------------------------------------------


def cli_ingest(layout, *args: str):
    return CliRunner().invoke(cli, ["ingest", *args, "--root", str(layout.root)])


def test_ingest_command_stores_then_does_nothing(layout):
    first = cli_ingest(layout, str(VALID))
    assert first.exit_code == 0, first.output
    assert first.output == f"stored as annotations/exports/{stored_name(1)}\n"
    again = cli_ingest(layout, str(VALID))
    assert again.exit_code == 0
    assert again.output == f"already stored as annotations/exports/{stored_name(1)}: nothing to do\n"


@pytest.mark.parametrize(("name", "said"), [  # what the command prints, matched whole
    pytest.param("span-text-mismatch.json", r".*\n" + re.escape(
        "refused: 1 error; nothing stored (fix the export, or --allow-partial to store it without the units at "
        "fault)\n"), id="errors-refused"),
    pytest.param("quote-multiple-cue.json", re.escape(
        "quote-multiple-cue.json, task 1, doc doc-a, annotation 101, region q1: error [quote-multiple-cue]")
        + r".*\nrefused: 1 error; nothing stored[^\n]*\n", id="errors-listed"),
    pytest.param("bad-not-json.json", re.escape(
        f"Error: {EXPORTS / 'bad-not-json.json'}, byte 0: [export-not-json] a CSV file (columns 'project', 'task', "
        "'label'), not a JSON export: export the project as JSON (Export > JSON in Label Studio, not JSON_MIN, CSV, "
        "TSV or CONLL2003), or run `corpus-tools labelstudio pull`\n"), id="bad-not-json.json"),
    *(pytest.param(name, rf"[^\n]*\[{code}\][^\n]*\n", id=name)  # one line, naming the fault
      for name, code in sorted(BAD_INPUTS.items()) if name != "bad-not-json.json"),
])
def test_a_refused_ingest_says_why_and_leaves_the_corpus_as_it_was_directories_included(layout, name, said):
    """The store's staging directory made annotations/exports/ for it, and a refusal (an export
    with errors, or no export at all) left that empty directory behind."""
    before = tree(layout.root)
    assert "annotations/exports" not in before
    refused = cli_ingest(layout, str(EXPORTS / name))
    assert refused.exit_code == 1 and re.fullmatch(said, refused.output, re.DOTALL), refused.output
    assert tree(layout.root) == before


def test_a_library_ingest_says_what_the_command_says(layout):
    """The command's words for an ingest are the library's (corpus_tools.ingest.outcome): a script
    that calls ingest says the same, and reads the same JSON."""
    result = run_ingest(layout, VALID)
    assert outcome_line(result, layout) == f"stored as annotations/exports/{stored_name(1)}"
    assert (ingest_notes(result), ingest_failed(result, allow_partial=False)) == ([], False)
    again = cli_ingest(layout, str(VALID), "--json")
    assert json.loads(again.output) == ingest_dict(run_ingest(layout, VALID), layout)
    assert ingest_dict(run_ingest(layout, VALID), layout)["status"] == "already-stored"


def test_an_export_stored_already_but_failing_now_exits_1(layout):
    """Stored when its entity ids were in the registry; one was removed since: the errors are
    listed, and 'nothing to do' would have hidden them behind exit 0."""
    assert cli_ingest(layout, str(VALID)).exit_code == 0
    lines = layout.registry.read_bytes().splitlines(keepends=True)
    layout.registry.write_bytes(b"".join(line for line in lines if b'"damascus"' not in line))
    before = stored_files(layout)
    again = cli_ingest(layout, str(VALID))
    assert again.exit_code == 1
    *problems, outcome = again.output.splitlines()
    assert problems[0] == ("valid.json, task 1, doc doc-a, annotation 101, region e2: error [entity-id-unknown] "
                           "entity_id 'damascus' is not in the entity registry (annotations/entity-registry.jsonl: "
                           "a new entity gets its record there by hand, README.md)")
    assert outcome == (f"already stored as annotations/exports/{stored_name(1)}, but it has 1 error now, against "
                       "the current documents and registry: fix those")
    assert cli_ingest(layout, str(VALID), "--allow-partial").exit_code == 0
    assert stored_files(layout) == before


def test_an_ingest_that_cannot_make_its_units_directory_leaves_nothing(tmp_path: Path, layout):
    layout.build.mkdir()
    # a symbolic link (build/units kept elsewhere) is someone's choice, left in place: this one leads nowhere
    (layout.build / "units").symlink_to(tmp_path / "unmounted")
    result = cli_ingest(layout, str(VALID))
    assert result.exit_code == 1
    assert result.output == f"Error: {layout.build / 'units'}: [file-error] Not a directory\n"
    assert stored_files(layout) == []  # its staging directory in annotations/exports/ too
    assert (layout.build / "units").is_symlink()


def test_a_file_beside_an_export_s_tables_is_removed_when_a_table_is_made(layout):
    """Making a table marks its export's older tables stale: a file among them (a stray write)
    failed that, in every command that read the store ('Not a directory' on its .stale-since)."""
    assert run_ingest(layout, VALID).status == "stored"
    [tables] = (layout.build / "units").iterdir()
    (tables / "notes.txt").write_text("a stray file")
    [stored] = stored_exports(layout)
    os.utime(stored.export)  # a new modification time: the table is made again, under a new fingerprint
    annotation_set = _annotation_set(layout)
    assert sorted(annotation_set.chosen) == ["doc-a", "doc-b"]
    assert not (tables / "notes.txt").exists() and len(list(tables.iterdir())) == 2  # the new table, the old one


@pytest.mark.parametrize("place", ["cache", "units", "units/000001"])
def test_a_file_where_a_cache_directory_belongs_is_replaced_and_the_cache_made_again(tmp_path: Path, layout, place):
    """build/cache and build/units are the package's own, scratch: a file in the place of one (a
    stray write) failed every command, run after run ('File exists', 'Not a directory'), where a
    damaged cache in them is removed and made again."""
    assert cli_ingest(layout, str(VALID)).exit_code == 0
    expected = load_annotation_set(layout, DocumentIndex(layout), load_registry(layout))
    shutil.rmtree(layout.build / "cache")
    if place == "units/000001":
        [place] = [f"units/{path.name}" for path in (layout.build / "units").iterdir()]
    shutil.rmtree(layout.build / "units")
    (layout.build / place).parent.mkdir(parents=True, exist_ok=True)
    (layout.build / place).write_text("a file where a cache directory belongs")
    assert load_annotation_set(layout, DocumentIndex(layout), load_registry(layout)) == expected
    assert (layout.build / place).is_dir()
    assert len(list((layout.build / "cache").glob("raw-index.*.sqlite"))) == 1
    assert [path.name for path in (layout.build / "units").iterdir()] == [stored_name(1)]
    # ingest's own staging in build/units, too
    (layout.build / "units").rename(layout.build / "units-made")
    (layout.build / "units").write_text("a file where a cache directory belongs")
    other = write_export(tmp_path, "other.json", [dict(json.loads(VALID.read_text())[0], id=999999)])
    result = cli_ingest(layout, str(other))
    assert result.exit_code == 0 and result.output.splitlines()[-1].startswith("not stored: every annotation in it")
    # compared with the stored export, whose table it made again
    assert [path.name for path in (layout.build / "units").iterdir()] == [stored_name(1)]


def test_the_ingest_command_reads_documents_and_registry_under_the_corpus_lock(layout, monkeypatch):
    """Read before the lock, an add finishing in between left them older than the store."""
    seen, real = [], commands._documents

    def documents(layout):
        try:  # a second open file description: flock conflicts with the command's own, as another process's would
            fd = os.open(lock_path(layout), os.O_RDWR)
        except FileNotFoundError:
            seen.append("free")
            return real(layout)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            seen.append("free")
        except BlockingIOError:
            seen.append("held")
        finally:
            os.close(fd)
        return real(layout)

    monkeypatch.setattr(commands, "_documents", documents)
    assert cli_ingest(layout, str(VALID)).exit_code == 0
    assert seen == ["held"]


def test_ingest_command_allow_partial(layout):
    result = cli_ingest(layout, "--allow-partial", str(EXPORTS / "quote-multiple-cue.json"))
    assert result.exit_code == 0
    assert "stored WITH ERRORS (--allow-partial) as annotations/exports/000001-" in result.output
    assert "; 1 unit left out, listed in its ingest.json" in result.output
    assert len(stored_exports(layout)) == 1


def test_ingest_command_json(layout):
    result = cli_ingest(layout, "--json", str(VALID))
    assert result.exit_code == 0
    payload = json.loads(result.output)
    assert payload["status"] == "stored" and payload["sha256"] == VALID_SHA and payload["valid"] is True
    assert payload["stored_as"] == f"annotations/exports/{stored_name(1)}"


def test_ingest_help_has_an_example():
    result = CliRunner().invoke(cli, ["ingest", "--help"])
    assert result.exit_code == 0 and "corpus-tools ingest export.json --allow-partial" in result.output


# --- the real corpus, through the real document loader ------------------------------------------


def real_export(layout) -> list[dict]:
    """One task per real document, its first "Syria" labelled GPE; task 1 made on a slightly older text."""
    export = []
    for number, document in enumerate(load_documents(layout).values(), start=1):
        text = document.text if number != 1 else document.text.replace("\n\n", "\n\n\n", 1)
        start = text.index("Syria")
        region = fx.labels("s", "entity", "GPE", text, "Syria")
        result = [region, fx.textarea(region, "entity_id", "syria")]
        assert region["value"]["start"] == start
        export.append(fx.task(number, document.doc_id, text,
                              [fx.annotation(number * 10, 1, result, "2024-05-01T10:00:00Z")]))
    return export


def test_the_real_corpus_round_trips_through_the_commands(tmp_path: Path, corpus_copy):
    shutil.rmtree(corpus_copy.exports, ignore_errors=True)  # the real texts, none of the gold exports
    export = write_export(tmp_path, "real.json", real_export(corpus_copy))
    root = ["--root", str(corpus_copy.root)]
    checked = CliRunner().invoke(cli, ["validate", "--verbose", str(export), *root])
    assert checked.exit_code == 0, checked.output
    assert checked.output.splitlines()[0].startswith("real.json, task 1, doc 000_cbeedfbee8440207: warning [text-changed]")
    stored = CliRunner().invoke(cli, ["ingest", str(export), *root])
    assert stored.exit_code == 0, stored.output

    documents_now = load_documents(corpus_copy)
    annotations = load_annotation_set(corpus_copy, documents_now, load_registry(corpus_copy))
    assert sorted(annotations.chosen) == sorted(documents_now)
    for doc_id, chosen in annotations.chosen.items():
        (entity,) = chosen.entities
        assert entity.text == "Syria" and entity.entity_id == "syria"
        assert entity.span.start == documents_now[doc_id].text.index("Syria")


def test_the_streaming_set_yields_versions_and_the_chosen_one_and_chosen_only_the_chosen(layout):
    ingest_tasks(layout, "two.json", two_annotators(ground_truth_first=True))
    (tables,) = (layout.build / "units").iterdir()  # ingest wrote the units table
    streamed = list(iter_annotation_set(layout, documents(), registry()))
    # in doc_id order; a document's versions (by annotator), then its chosen annotation
    assert [(a.doc_id, a.provenance.annotation_id, a.provenance.reason) for a in streamed] == [
        ("doc-a", 101, "version"), ("doc-a", 102, "version"), ("doc-a", 101, "ground_truth"),
        ("doc-b", 201, "version"), ("doc-b", 201, "latest")]
    written = list(iter_annotation_set(layout, documents(), registry(), chosen_only=True))
    shutil.rmtree(layout.build / "units")  # rebuilt from the stored export by ingest's own checks
    rebuilt = list(iter_annotation_set(layout, documents(), registry(), chosen_only=True))
    assert [p.name for p in (layout.build / "units").iterdir()] == [tables.name]
    assert written == [a for a in streamed if a.provenance.reason != "version"] == rebuilt


@pytest.mark.parametrize("change", ["exports ingested the other way round", "tasks listed the other way round",
                                    "registry listed the other way round"])
def test_a_release_is_the_same_whatever_order_the_work_came_in(tmp_path: Path, change):
    """Rows follow the documents (doc_id order), not the order the exports were ingested in or
    list their tasks in, nor the registry's lines (README: kept sorted by id for readable diffs
    only): the same annotations give the same release, byte for byte."""
    tasks = fx.valid_export()  # doc-a, doc-b
    built = []
    for name, orders in (("as-made", [[tasks[0]], [tasks[1]]]),
                         ("changed", [[tasks[1]], [tasks[0]]] if change.startswith("exports")
                          else [[tasks[1], tasks[0]]] if change.startswith("tasks") else [[tasks[0]], [tasks[1]]])):
        layout = corpus_root(tmp_path / name)
        if name == "changed" and change.startswith("registry"):
            lines = layout.registry.read_bytes().splitlines(keepends=True)
            assert len(lines) > 1 and lines != lines[::-1]
            layout.registry.write_bytes(b"".join(lines[::-1]))
        for number, export in enumerate(orders):
            assert run_ingest(layout, write_export(tmp_path / name, f"{number}.json", export)).status == "stored"
        built.append(release(layout).path)
    assert tree(built[0]) == tree(built[1])


def test_an_export_in_no_document_order_reads_each_row_group_once(tmp_path: Path, monkeypatch):
    """Tasks listed in no doc_id order (imported so, or put together by hand) would read a row
    group for every document, as the records come in doc_id order: their records are built in
    file order into an on-disk store first. The release is the one of the same tasks in order."""

    from bench.generate import write_export as generate

    made = generate(tmp_path / "made.json", 300, seed=5, corpus=tmp_path / "made")
    tasks = orjson.loads(made.read_bytes())
    random.Random(1).shuffle(tasks)
    shuffled = tmp_path / "shuffled.json"
    shuffled.write_bytes(orjson.dumps(tasks))
    shutil.copytree(tmp_path / "made", tmp_path / "shuffled")
    reads: list[str] = []
    read_place = Units.read_place
    monkeypatch.setattr(Units, "read_place", lambda units, *args: reads.append(units.export) or read_place(units, *args))
    built, counts = [], []
    for name, export in (("made", made), ("shuffled", shuffled)):
        layout = Layout.at(tmp_path / name)
        assert ingest(export, layout, DocumentIndex(layout), load_registry(layout)).status == "stored"
        reads.clear()
        built.append(release(layout).path)
        counts.append(len(reads))
    row_groups = -(-300 // 64)  # a row group per batch of tasks (corpus_tools.ingest.store.BATCH_TASKS)
    assert counts == [row_groups, row_groups]  # 233 for the shuffled export, a read per document, before
    assert tree(built[0]) == tree(built[1])


def test_ingest_on_a_broken_raw_corpus_stops_before_writing(tmp_path: Path, corpus_copy):
    shutil.rmtree(corpus_copy.exports, ignore_errors=True)
    export = write_export(tmp_path, "real.json", real_export(corpus_copy))
    (corpus_copy.raw / "003_840a8be26e4ddaa5.txt").write_bytes(b"changed")
    result = CliRunner().invoke(cli, ["ingest", str(export), "--root", str(corpus_copy.root)])
    assert result.exit_code == 1
    assert "003_840a8be26e4ddaa5.txt: [raw-size-mismatch]" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert stored_exports(corpus_copy) == []
    # nothing but the lock file, taken before the corpus is read
    assert [path.name for path in corpus_copy.build.rglob("*")] == ["corpus.lock"]


def test_the_prediction_compared_with_each_chosen_annotation_is_the_models_latest_usable_one(layout):
    from corpus_tools.preannotate import MODEL_NAME

    def prediction(prediction_id, model_version, result):
        return {"id": prediction_id, "model_version": model_version, "score": None, "result": result}

    export = fx.valid_export()
    export[0]["predictions"] = [
        prediction(9001, f"{MODEL_NAME}@1.0", fx.doc_a_result()),
        prediction(9002, f"{MODEL_NAME}@1.1", fx.doc_a_result()),  # the latest of the model's: compared
        prediction(9003, "annotations@2024-05-01", fx.doc_a_result()),  # another model's: never
        prediction(9004, None, []),
    ]
    export[1]["predictions"] = [prediction(9005, "annotations@2024-05-01", fx.doc_b_result())]
    ingest_tasks(layout, "predicted.json", export)
    index = _index(layout)
    roles = index.predictions(MODEL_NAME)
    # annotation_index: 101, 9001, 9002, 9003, 9004, 201, 9005
    assert roles.to_pylist() == [{"export": 0, "annotation_index": 2, "role": "prediction"}]
    (record,) = index.records(roles)
    assert (record.doc_id, record.provenance.annotation_id) == ("doc-a", 9002)
    assert index.predictions("no-such-model").num_rows == 0


def test_units_tables_are_stored_in_parts_and_read_back_as_one(tmp_path):
    """A part holds at most ``part_row_groups`` row groups, so the parquet metadata a writer or a
    reader holds does not grow with the export; readers get every row group, in order, the same
    tasks in every table."""
    writer = UnitsWriter(tmp_path / "units", part_row_groups=2)
    for task in range(5):
        batches = {name: pa.RecordBatch.from_pylist([], schema=schema) for name, schema in SCHEMAS.items()}
        batches["tasks"] = pa.RecordBatch.from_pylist([{"task_index": task}], schema=SCHEMAS["tasks"])
        batches["annotations"] = pa.RecordBatch.from_pylist(
            [{"annotation_index": 2 * task + k, "task_index": task} for k in range(2)], schema=SCHEMAS["annotations"])
        writer.write(batches)
    writer.close()
    units = Units(tmp_path / "units", "e.json")
    assert [path.name for path in units.parts("tasks")] == [
        "tasks.00000.parquet", "tasks.00001.parquet", "tasks.00002.parquet"]
    assert [pq.ParquetFile(path).metadata.num_row_groups for path in units.parts("regions")] == [2, 2, 1]
    groups = list(units.row_groups({"tasks": ["task_index"], "annotations": ["task_index"], "regions": None}))
    assert [group["tasks"]["task_index"].to_pylist() for group in groups] == [[0], [1], [2], [3], [4]]
    assert [group["annotations"]["task_index"].to_pylist() for group in groups] == [[t, t] for t in range(5)]
    assert units.read("annotations", ["annotation_index"])["annotation_index"].to_pylist() == list(range(10))


def test_an_older_units_table_is_removed_only_once_stale_for_an_hour(layout):
    """A command that takes no lock (agreement, lint), finding the tables stale after a registry
    change, removed the older ones at once, while a running release streamed from them: the
    release failed (found by a hunt). They are marked stale and removed by a later publication
    an hour on; one current again is unmarked."""
    run_ingest(layout, VALID)
    stored = stored_exports(layout)[0]
    entities = registry()
    first = units_for(layout, stored, documents(), entities)
    extra = dataclasses.replace(next(iter(entities.values())), id="someone-new", name="Someone New")
    changed = {**entities, extra.id: extra}
    second = units_for(layout, stored, documents(), changed)  # as a lock-free command would
    assert second.directory != first.directory and (first.directory / STALE_MARK).is_file()
    assert first.read("annotations", ["annotation_index"]).num_rows  # the reader goes on
    assert units_for(layout, stored, documents(), entities).directory == first.directory  # current again
    assert not (first.directory / STALE_MARK).exists()
    again = {**changed, "another": dataclasses.replace(extra, id="another", name="Another")}
    units_for(layout, stored, documents(), again)
    assert first.directory.is_dir() and (second.directory / STALE_MARK).is_file()
    units_for(layout, stored, documents(), {**again, "fourth": dataclasses.replace(extra, id="fourth", name="Fourth")})
    assert first.directory.is_dir() and second.directory.is_dir()  # marked stale moments ago: kept for the hour
    hour_ago = os.stat(second.directory / STALE_MARK).st_mtime - 3601
    for directory in (first.directory, second.directory):
        (directory / STALE_MARK).touch()
        os.utime(directory / STALE_MARK, (hour_ago, hour_ago))
    units_for(layout, stored, documents(), {**again, "third": dataclasses.replace(extra, id="third", name="Third")})
    assert not first.directory.exists() and not second.directory.exists()


def _stored_regions(layout):
    """The valid export stored in ``layout``: its annotation set, its units table, and that table's
    first part of the regions table (to damage)."""
    run_ingest(layout, VALID)
    before = _annotation_set(layout)
    units = units_for(layout, stored_exports(layout)[0], documents(), registry())
    return before, units, units.directory / "regions.00000.parquet"


@pytest.mark.parametrize("damage", ["part gone", "part cut short", "part empty", "a file in its place"])
def test_units_tables_with_a_part_gone_are_made_again_not_read_short(layout, damage):
    before, units, part = _stored_regions(layout)
    if damage == "part gone":
        part.unlink()
    elif damage == "a file in its place":  # failed on its .stale-since ("Not a directory") before, run after run
        shutil.rmtree(units.directory)
        units.directory.write_bytes(b"")
    else:  # a crash or a full disk: a traceback from pyarrow ("magic bytes not found") before
        part.write_bytes(part.read_bytes()[:100] if damage == "part cut short" else b"")
    assert not units.complete()
    after = _annotation_set(layout)
    assert after.chosen == before.chosen and after.chosen["doc-a"].entities
    assert units.complete()  # the same directory, made again by ingest's checking pass


def test_an_export_without_tasks_keeps_one_empty_part_of_each_table(tmp_path):
    UnitsWriter(tmp_path / "units").close()
    units = Units(tmp_path / "units", "e.json")
    assert {name: (units.read(name).column_names, units.read(name).num_rows) for name in SCHEMAS} == \
        {name: (schema.names, 0) for name, schema in SCHEMAS.items()}
    assert list(units.row_groups({"tasks": None, "regions": None})) == []


def test_checking_workers_load_neither_pyarrow_nor_numpy():
    probe = subprocess.run([sys.executable, "-c", "import sys, corpus_tools.ingest.work; "
                            "print(sorted({'pyarrow', 'numpy', 'pandas'} & sys.modules.keys()))"],
                           capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "[]"


def test_with_workers_the_first_task_that_is_no_json_is_the_one_named(tmp_path):
    """With two workers, a later bad task's error replaced the first's: the rest of the window was
    drained after a task's fault as after the file's (found by a review hunt)."""
    tasks = [dict(fx.valid_export()[0], id=number) for number in range(1, 401)]
    data = fx.dumps(tasks)
    spans = [(start, start + len(b'"data"')) for start in _find_all(data, b'"data"')]
    for number in (301, 101):  # break two tasks' JSON, the later one first
        start, end = spans[number - 1]
        data = data[:start] + b'"data" "oops"' + data[end:]
    path = tmp_path / "bad.json"
    path.write_bytes(data)
    for jobs in (1, 2):
        with pytest.raises(CorpusError) as caught:
            validate_export(path, documents(), registry(), jobs=jobs)
        assert "task #101 " in caught.value.message, (jobs, caught.value.message)


def _find_all(data: bytes, needle: bytes) -> list[int]:
    found, at = [], data.find(needle)
    while at >= 0:
        found.append(at)
        at = data.find(needle, at + 1)
    return found


def test_an_unguarded_script_gets_a_one_line_error_not_a_hang(tmp_path):
    """Workers are spawned: one started from a script without a ``__main__`` guard runs the
    script again and dies; the caller is told why and what to do."""
    export = Path(__file__).resolve().parent / "fixtures" / "agreement" / "two-annotators.json"
    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path[:0] = {[str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]!r}
        import export_corpus
        from corpus_tools.errors import CorpusError
        from corpus_tools.ingest import validate_export
        try:
            validate_export({str(export)!r}, export_corpus.documents(), export_corpus.registry(), jobs=2)
        except CorpusError as error:
            print("ERROR", error.code, error.message)
    """), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert "ERROR checking-worker-failed" in done.stdout, done.stdout + done.stderr
    assert 'if __name__ == "__main__":' in done.stdout


def test_an_export_from_another_label_studio_database_is_noted(tmp_path: Path, layout):
    """Annotation ids are a database's own: the same id with another unique_id means another
    server, whose user ids are other people (the annotation set tells annotators apart by them)."""
    first = ingest_tasks(layout, "first.json", _valid_at("02", "aaaa"))
    assert first.status == "stored" and first.notes == ()
    # the same database later: the same annotations, updated
    same = ingest_tasks(layout, "same.json", _valid_at("03", "aaaa"))
    assert same.status == "stored" and same.notes == ()
    other = ingest_tasks(layout, "other.json", _valid_at("04", "bbbb"))
    assert other.status == "stored"
    [note] = other.notes
    assert note.startswith(f"annotation ids 101, 201 of this export name other annotations (another unique_id) in "
                           f"stored export {same.stored_as.name}: it looks exported from another Label Studio "
                           "database"), note
    result = CliRunner().invoke(cli, ["ingest", str(write_export(tmp_path, "again.json", _valid_at("05", "cccc"))),
                                      "--root", str(layout.root)])
    assert result.exit_code == 0 and "note: annotation ids 101, 201 of this export" in result.stderr


def _index_asked(monkeypatch) -> list[int]:
    """Where each lookup of the store's index from now on starts (its ``start``)."""
    asked: list[int] = []
    holders = storeindex.StoreIndex.holders
    monkeypatch.setattr(storeindex.StoreIndex, "holders", lambda self, exports, start, *args: asked.append(start)
                        or holders(self, exports, start, *args))
    return asked


def _stored_tables_read(monkeypatch) -> list[str]:
    """The names of the stored exports whose units tables ingest reads from now on."""
    read: list[str] = []
    monkeypatch.setattr(store, "units_for", lambda layout, stored, *args, **kwargs: read.append(stored.name) or
                        store.Units(next(layout.build.glob(f"units/{stored.name}/*")), stored.name))
    return read


def test_an_export_with_nothing_new_is_not_stored_again(tmp_path: Path, layout):
    """Two pulls with no annotation between differ in what Label Studio recomputes (a prediction's
    created_ago): the second adds nothing, and the append-only store does not grow by a copy."""
    assert ingest_tasks(layout, "a.json", _round("a", "02")).status == "stored"
    before = stored_files(layout)
    again = ingest_tasks(layout, "b.json", _round("a", "02", "1 minute"))
    assert (again.status, again.stored_as) == ("nothing-new", None) and stored_files(layout) == before
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "b.json"), "--root", str(layout.root)])
    assert result.exit_code == 0 and "not stored: every annotation in it is stored already" in result.output
    assert ingest_tasks(layout, "c.json", _round("a", "03", "2 minutes")).status == "stored"


def test_a_pull_with_nothing_new_reads_the_last_stored_export_alone(layout, monkeypatch):
    """Every pull holds the whole project: read newest first, the last one settles it, where every
    stored export was read (the store grows by one with each pull that has news)."""
    for day in ("01", "02", "03"):
        assert ingest_tasks(layout, f"{day}.json", _round("a", day)).status == "stored"
    read = _stored_tables_read(monkeypatch)
    assert ingest_tasks(layout, "again.json", _round("a", "03", "1 minute")).status == "nothing-new"
    assert read == [stored_exports(layout)[-1].name]


def test_a_pull_is_compared_with_its_projects_previous_pull_and_what_came_after(layout, monkeypatch):
    """What the previous pull of the project lacks was deleted, and never comes back: the exports
    before it hold nothing of a later pull, and are not read (every one was, with each pull)."""
    tasks = _doc_a()
    for number, day in enumerate(("01", "02", "03")):
        tasks[0]["annotations"].append(_annotation(101 + number, 1 + number, day))
        assert ingest_tasks(layout, f"{day}.json", tasks, snapshot=_pull(int(day))).status == "stored"
    tasks[0]["annotations"] = [_annotation(105, 5, "03")]
    assert ingest_tasks(layout, "file.json", tasks).status == "stored"  # no project
    read = _stored_tables_read(monkeypatch)
    tasks[0]["annotations"] = [_annotation(101, 1, "01"), _annotation(104, 4, "04")]
    pulled = ingest_tasks(layout, "04.json", tasks, snapshot=_pull(4))
    assert pulled.status == "stored" and "(ids 102, 103)" in pulled.notes[0]
    stored = [item.name for item in stored_exports(layout)]
    assert set(read) == {stored[2], stored[3]}  # the previous pull and the file after it; not the first two


def test_a_pull_after_a_pull_of_its_project_is_compared_without_the_store_s_index(layout, monkeypatch):
    """The index finds an annotation in every stored export that holds it, and every pull of a
    project holds the whole project: asked by a pull, its lookup grew with each pull stored
    (measured: 0.06 s at the 2nd pull of 10,000 annotations, 0.25 to 0.5 s at the 60th), where
    reading the previous pull and what came after costs the same however many the store holds.
    An export from a file is still compared through it."""
    asked = _index_asked(monkeypatch)
    for day in (1, 2):
        pulled = ingest_tasks(layout, f"{day}.json", _round("a", f"0{day}"), snapshot=_pull(day))
        assert pulled.status == "stored"
    # an export from a file after them, which the newest stored export does not settle: the index is asked
    assert ingest_tasks(layout, "b.json", _round("b", "02")).status == "stored"
    assert asked == [0]
    again = ingest_tasks(layout, "3.json", _round("a", "02", "1 minute"), snapshot=_pull(3))
    assert (again.status, again.notes) == ("nothing-new", ())
    assert asked == [0]  # the previous pull and the file after it read, the index not asked
    copy_of_it = ingest_tasks(layout, "file.json", _round("a", "01", "2 minutes"))
    assert (copy_of_it.status, copy_of_it.notes) == ("nothing-new", ())  # the first pull holds it
    assert asked == [0, 0]


def test_nothing_new_counts_every_stored_export_and_a_null_field_as_a_value(layout):
    """Annotations stored across two exports make a third holding them all nothing new; a field
    null in one and set in the other is a change."""
    tasks = fx.valid_export()
    for task in tasks:
        for annotation in task["annotations"]:
            annotation["unique_id"] = f"uuid-{annotation['id']}"
            annotation["lead_time"] = None
    assert len(tasks) == 2
    assert ingest_tasks(layout, "one.json", tasks[:1]).status == "stored"
    assert ingest_tasks(layout, "two.json", tasks[1:]).status == "stored"
    assert ingest_tasks(layout, "both.json", tasks).status == "nothing-new"
    tasks[1]["annotations"][0]["lead_time"] = 12.5
    assert ingest_tasks(layout, "timed.json", tasks).status == "stored"


# --- the store's index (corpus_tools/ingest/storeindex.py) -------------------------------------


ROUNDS = {"a": 0, "b": 1000, "c": 2000, "d": 3000}  # what each round's annotation ids are moved by


def _round(prefix: str, day: str, ago: str = "0 minutes", shift: int | None = None) -> list[dict]:
    """The valid export as one round of a database writes it: annotation ids moved by
    ``ROUNDS[prefix]`` (else ``shift``), unique_ids ``<prefix>-<id>``, and a prediction whose
    ``created_ago`` Label Studio recomputes (the same round exported again is other bytes)."""
    tasks = _valid_at(day, prefix, ROUNDS[prefix] if shift is None else shift)
    for task in tasks:
        task["predictions"] = [{"id": 7, "model_version": "m", "created_ago": ago, "result": []}]
    return tasks


def _store_index(layout) -> Path:
    [path] = layout.build.glob("cache/store-index.*.sqlite")
    return path


def _indexed(layout) -> dict[str, str]:

    with closing(sqlite3.connect(_store_index(layout))) as db:
        return dict(db.execute("SELECT name, units FROM indexed"))


def test_an_ingest_reads_only_the_stored_exports_that_hold_its_annotations(layout, monkeypatch):
    """The k-th ingest from a file read the units tables of all k-1 stored exports (some 1.7 ms
    each for an export of 5 tasks, growing without end), though only those holding one of its
    annotations can make it nothing new: the store's index names those."""
    names = [item.name for item in stored_exports(_indexed_store(layout))]
    assert _indexed(layout) == {name: f"units/{name}/{next((layout.build / 'units' / name).iterdir()).name}"
                                for name in names}
    read = _stored_tables_read(monkeypatch)
    assert ingest_tasks(layout, "d.json", _round("d", "04")).status == "stored"
    # the newest (read first, before the index is asked); none other holds one of its annotations,
    # nor another annotation under one of its ids
    assert read == [names[2]]
    names.append(stored_exports(layout)[-1].name)
    read.clear()
    again = ingest_tasks(layout, "b-again.json", _round("b", "02", "1 minute"))
    assert (again.status, again.notes) == ("nothing-new", ())
    assert read == [names[3], names[1]]  # and the one that holds them, compared field by field as before
    read.clear()
    edited = _round("b", "02", "1 minute")
    edited[1]["annotations"][0]["lead_time"] = 99.0
    assert ingest_tasks(layout, "b-edited.json", edited).status == "stored"
    assert read == [names[3]]  # an annotation held by none with every field the same: no other read


def test_the_store_s_index_holds_an_annotation_once_however_many_exports_hold_it(layout):
    """Every pull holds the whole project: a row per stored export and annotation grew the index
    by the project's size with each pull (75 MB for 40 pulls of 10,000 annotations). An
    annotation is indexed once, with the stored exports that hold it; an export no longer stored
    takes the annotations only it held with it."""
    first = _round("a", "01")
    assert ingest_tasks(layout, "a.json", first).status == "stored"
    grown = _round("a", "01", "1 minute")
    grown[1]["annotations"][0]["lead_time"] = 99.0  # one annotation edited: a new version of it
    assert ingest_tasks(layout, "a-edited.json", grown).status == "stored"
    submitted = sum(len(task["annotations"]) for task in first)
    names = [item.name for item in stored_exports(layout)]

    def counts() -> tuple[int, dict[str, int]]:
        with closing(sqlite3.connect(_store_index(layout))) as db:
            return (db.execute("SELECT COUNT(*) FROM annotations").fetchone()[0],
                    dict(db.execute("SELECT x.name, COUNT(*) FROM held h JOIN indexed x ON x.export = h.export "
                                    "GROUP BY x.name")))

    assert counts() == (submitted + 1, {names[0]: submitted, names[1]: submitted})
    shutil.rmtree(stored_exports(layout)[-1].directory)  # the store without the edited export
    other = ingest_tasks(layout, "b.json", _round("b", "02"))
    assert other.status == "stored"
    # an export the newest does not hold: the index is asked, and forgets the export not stored
    again = ingest_tasks(layout, "a-again.json", _round("a", "01", "2 minutes"))
    assert (again.status, again.notes) == ("nothing-new", ())
    assert counts() == (2 * submitted, {names[0]: submitted, other.stored_as.name: submitted})


def test_forgetting_a_stored_export_costs_what_it_held_not_the_whole_index(tmp_path: Path):
    """Forgetting an export swept every annotation of the index for those no export holds any
    more: forgetting many at once (exports removed, or all indexed again for other documents) took
    their number times the index's size (300 removed exports of 500 annotations: 4 s). Only the
    annotations it held are looked at. Counted in SQLite's virtual machine steps, not timed: the
    same for an export alone in the index and for one beside 60 others."""
    columns = ["id", "unique_id", "lead_time"]

    def table(first: int) -> pa.Table:
        ids = list(range(first, first + 50))
        return pa.table({"id": ids, "unique_id": [f"u{i}" for i in ids], "lead_time": [1.0] * 50})

    def steps_to_forget(others: int) -> tuple[int, int]:
        index = StoreIndex(tmp_path / f"cache-{others}", columns)
        index.add("shared", "units/x", table(0))  # held by each export: not forgotten with one of them
        for k in range(others):
            index.add(f"other-{k:03d}", "units/x", table(1000 * (k + 1)))
        index.add("forgotten", "units/x", table(0))
        with closing(sqlite3.connect(index.path, isolation_level=None)) as db:
            db.execute("INSERT INTO annotations (id, unique_id, lead_time) VALUES (9, 'only-forgotten', 1.0)")
            db.execute("INSERT INTO held SELECT last_insert_rowid(), export FROM indexed WHERE name = 'forgotten'")
            steps = []
            db.set_progress_handler(lambda: steps.append(1), 10)
            with _transaction(db):
                _forget(db, "forgotten")
            db.set_progress_handler(None, 0)
            left = db.execute("SELECT COUNT(*) FROM annotations").fetchone()[0]
        return len(steps), left

    alone, left_alone = steps_to_forget(0)
    beside_many, left_beside_many = steps_to_forget(60)
    assert (left_alone, left_beside_many) == (50, 50 * 61)  # the shared ones kept, its own one dropped
    assert beside_many < 2 * alone, (alone, beside_many)


def _index_probes(layout) -> list[tuple]:
    """What ingest says of an export holding only the last stored export's annotations, of one
    holding only the first's, and of one whose ids are other annotations (another database)."""
    outcomes = []
    for name, tasks in (("c-again", _round("c", "03", "1 minute")), ("a-again", _round("a", "01", "1 minute")),
                        ("other", _round("z", "09", shift=0))):
        result = ingest_tasks(layout, f"{name}.json", tasks)
        outcomes.append((result.status, result.notes, result.stored_as and result.stored_as.name))
    return outcomes


def _indexed_store(layout):
    """``layout`` with three rounds of a database stored, a, b and c, on May 1, 2 and 3."""
    for number, prefix in enumerate(("a", "b", "c")):
        assert ingest_tasks(layout, f"{prefix}.json", _round(prefix, f"0{number + 1}")).status == "stored"
    return layout


@pytest.mark.parametrize("harm", ["garbage", "last-unindexed", "other-units", "emptied", "a-directory",
                                  "build-cache-a-file"])
def test_a_damaged_or_stale_store_index_gives_the_same_outcome(tmp_path: Path, harm: str):
    """The index is scratch: damaged (not SQLite), stale (an export a killed ingest stored but did
    not index, rows indexed from another units table, rows lost), or not writable at all (done
    without), ingest says what it says without one, and the index is made right again. A regular
    file in the place of build/cache is removed and the index made again there, as the documents'
    stores do (it failed ingest with 'File exists' when the documents came from elsewhere than
    build/cache)."""
    control = _indexed_store(corpus_root(tmp_path / "control"))
    shutil.rmtree(control.build / "cache")  # no index: every stored export read, as before it
    expected = _index_probes(control)
    assert [outcome[0] for outcome in expected] == ["nothing-new", "nothing-new", "stored"]
    assert expected[2][1][0].startswith("annotation ids 101, 201 of this export name other annotations (another "
                                        f"unique_id) in stored export {stored_exports(control)[0].name}")

    layout = _indexed_store(corpus_root(tmp_path / "harmed"))
    path = _store_index(layout)
    last = stored_exports(layout)[-1].name
    if harm == "garbage":
        path.write_bytes(b"not a database" * 100)
    elif harm == "build-cache-a-file":
        shutil.rmtree(layout.build / "cache")
        (layout.build / "cache").write_text("a file where a cache directory belongs")
    elif harm == "a-directory":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.mkdir()
    else:
        with closing(sqlite3.connect(path)) as db, db:
            if harm == "last-unindexed":  # stored, then killed before it was indexed
                db.execute("DELETE FROM held WHERE export = (SELECT export FROM indexed WHERE name = ?)", (last,))
                db.execute("DELETE FROM indexed WHERE name = ?", (last,))
            elif harm == "other-units":  # indexed from a table of other documents or registry
                db.execute("DELETE FROM held")
                db.execute("UPDATE indexed SET units = 'units/x/0000000000000000'")
            else:
                db.execute("DELETE FROM held")
                db.execute("DELETE FROM annotations")
                db.execute("DELETE FROM indexed")
    assert _index_probes(layout) == expected
    if harm == "a-directory":
        assert path.is_dir()
    else:
        assert set(_indexed(layout)) == {item.name for item in stored_exports(layout)}


def test_an_export_the_newest_stored_export_holds_whole_is_nothing_new_without_the_index(layout, monkeypatch):
    """The newest stored export is read before the index is asked, as every one was before it:
    asked first, the index made the table of every stored export made for other inputs (after a
    code change, all of them; 36 s for 40 pulls of 10,000 annotations where reading the newest
    took 0.9 s) and found each annotation in every stored pull, where a re-export of the latest
    work is settled by the newest alone."""
    stored = stored_exports(_indexed_store(layout))
    asked = _index_asked(monkeypatch)
    for item in stored:
        os.utime(item.export)  # a new modification time: each table is made again when read (as after a code change)
    again = ingest_tasks(layout, "c-again.json", _round("c", "03", "1 minute"))
    assert (again.status, again.notes) == ("nothing-new", ())
    assert asked == []
    # the newest's table made again; the others' not (nothing read them)
    assert [len(list((layout.build / "units" / item.name).iterdir())) for item in stored] == [1, 1, 2]
    older = ingest_tasks(layout, "a-again.json", _round("a", "01", "1 minute"))
    assert (older.status, older.notes) == ("nothing-new", ())
    assert asked == [0]


def test_an_index_of_other_code_is_removed_and_this_one_made(layout):
    """Its name holds the code's fingerprint: one left by other code (with its write-ahead log) is
    removed when this one is opened, else build/cache kept one more copy of the store per version;
    something else of that name (a directory) is no index of ours, and is left."""
    cache = layout.build / "cache"
    cache.mkdir(parents=True)
    for name in ("store-index.0123456789abcdef.sqlite", "store-index.0123456789abcdef.sqlite-wal"):
        (cache / name).write_bytes(b"an index of other code")
    (cache / "store-index.kept").mkdir()
    assert ingest_tasks(layout, "a.json", _round("a", "01")).status == "stored"
    ours = _store_index(layout).name
    assert sorted(path.name for path in cache.iterdir() if path.name.startswith("store-index.")
                  and not path.name.startswith(f"{ours}-")) == [ours, "store-index.kept"]
    assert set(_indexed(layout)) == {item.name for item in stored_exports(layout)}


def test_ingest_and_release_do_not_import_pandas(tmp_path: Path):
    """pyarrow imports pandas on its first ``pa.array``, ``pa.scalar`` (a compute function given
    a Python value), ``to_numpy``, timestamp ``to_pylist`` or ``group_by``, some 33 MB more in the
    process that writes the units tables and in a release (bench/README.md): both keep to Arrow's
    columns and corpus_tools.arrays."""
    here = Path(__file__).resolve().parent
    script = tmp_path / "probe.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        from pathlib import Path
        sys.path[:0] = {[str(here), str(here / "fixtures"), str(here.parent)]!r}
        import export_corpus, make_export_fixtures as fx
        from corpus_tools.ingest import ingest
        layout = export_corpus.corpus_root(Path({str(tmp_path / "corpus")!r}))
        tasks = fx.valid_export()
        # a second annotator's version of the first task: a document with versions, none of
        # which began as a prediction (the card's count of those once imported pandas)
        second = dict(tasks[0]["annotations"][0], id=tasks[0]["annotations"][0]["id"] + 500,
                      completed_by=tasks[0]["annotations"][0]["completed_by"] + 1)
        tasks[0]["annotations"].append(second)
        statuses = []
        for ago, day in (("0 minutes", "02"), ("1 minute", "02"), ("2 minutes", "03")):
            for task in tasks:
                task["predictions"] = [{{"id": 7, "model_version": "m", "created_ago": ago, "result": []}}]
                for annotation in task["annotations"]:
                    annotation["unique_id"] = f"uuid-{{annotation['id']}}"
                    annotation["updated_at"] = f"2024-05-{{day}}T09:00:00Z"
            path = Path({str(tmp_path)!r}) / f"export-{{len(statuses)}}.json"
            path.write_bytes(fx.dumps(tasks))
            statuses.append(ingest(path, layout, export_corpus.documents(), export_corpus.registry()).status)
        print(statuses, "pandas" in sys.modules)
        from corpus_tools.release import release
        print(release(layout, None).status, "pandas" in sys.modules)
    """), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert done.stdout.split("\n")[:2] == ["['stored', 'nothing-new', 'stored'] False", "built False"], \
        done.stdout + done.stderr


def _many_tasks(count: int) -> list[dict]:
    """``count`` tasks alternating the two valid ones, each task and annotation with its own id."""
    valid = fx.valid_export()
    tasks = []
    for number in range(1, count + 1):
        task = copy.deepcopy(valid[number % 2])
        task["id"] = number
        task["annotations"][0]["id"] = 1000 + number
        task["annotations"][0]["unique_id"] = f"u-{1000 + number}"
        tasks.append(task)
    return tasks


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_id_given_twice_is_named_at_its_first_repeat_whatever_the_batches(layout, jobs):
    """Ids are compared across the whole file, not within a batch of tasks (BATCH_TASKS = 64), and
    the same with a pool of checking workers; predictions may share an annotation's id."""
    tasks = _many_tasks(200)
    tasks[5]["predictions"] = [{"id": 1001, "model_version": "m", "result": []}]
    assert ingest_tasks(layout, "unique.json", tasks, jobs=jobs).status == "stored"
    stored = stored_files(layout)
    tasks[150]["id"], tasks[190]["id"] = 3, 4
    with pytest.raises(CorpusError) as caught:
        ingest_tasks(layout, "tasks.json", tasks, jobs=jobs)
    assert (caught.value.code, caught.value.location.task_id) == ("export-task-id-duplicate", 3)
    assert "task id 3 is given twice, to tasks #3 and #151 of the file" in caught.value.message
    tasks = _many_tasks(200)
    tasks[120]["annotations"].append(copy.deepcopy(tasks[120]["annotations"][0]))
    tasks[120]["annotations"][1]["completed_by"] = 2
    tasks[180]["annotations"][0]["id"] = 1002
    with pytest.raises(CorpusError) as caught:
        ingest_tasks(layout, "annotations.json", tasks, jobs=jobs)
    where = caught.value.location
    assert (caught.value.code, where.task_id, where.annotation_id) == ("export-annotation-id-duplicate", 121, 1121)
    assert "annotation id 1121 is given twice in task 121:" in caught.value.message
    assert stored_files(layout) == stored


@pytest.mark.parametrize("jobs", [1, 2])
def test_checking_an_export_counts_its_bytes_to_the_size_of_the_file(tmp_path: Path, layout, jobs):
    """validate, ingest and pull drew a bar with no end: how many tasks a file holds is known only
    at its end, and counting them first would read a large export twice. The bar is asked for
    with the size of the file once it is open, and counts each batch of tasks, once checked (by
    this process or a pool's worker), up to where its last task ends, then the closing bracket."""
    tasks = _many_tasks(200)
    path = write_export(tmp_path, "many.json", tasks)
    data = path.read_bytes()
    ends = [offset + len(raw) for offset, raw in split_array(io.BytesIO(data).read)]
    batch_ends = [ends[63], ends[127], ends[191], ends[199], len(data)]  # batches of 64 tasks (BATCH_TASKS)
    assert batch_ends[-2] < batch_ends[-1]  # "]" and a newline after the last task
    for check in (lambda checking: validate_export(path, documents(), registry(), jobs, checking=checking),
                  lambda checking: run_ingest(layout, path, jobs=jobs, checking=checking)):
        asked, counted = [], []
        check(lambda size: asked.append(size) or counted.append)
        assert asked == [len(data)]
        assert list(itertools.accumulate(counted)) == batch_ends
    assert stored_exports(layout)[0].sha256 == hashlib.sha256(data).hexdigest()


def test_a_units_table_gone_while_it_is_read_is_a_located_error(tmp_path: Path):
    """build/ deleted while a command ran ended ingest in pyarrow's "Must pass at least one table"
    (a concurrency audit)."""
    with pytest.raises(CorpusError) as caught:
        Units(tmp_path / "gone", "e.json").read("annotations")
    assert caught.value.code == "units-missing" and caught.value.location.file == str(tmp_path / "gone")


def _pages_overwritten(data: bytes, pages_end: int) -> tuple[bytes, str]:
    """Every page's bytes changed, the footer whole: ``complete`` passes it; reading it failed in
    pyarrow ("Couldn't deserialize thrift"), naming no file, on every command after."""
    return data[:4] + b"\x55" * (pages_end - 4) + data[pages_end:], ""


def _a_byte_flipped(data: bytes, pages_end: int) -> tuple[bytes, str]:
    """A zstd page has no checksum of its own: a changed byte was read back as different rows,
    without an error, so every command served them. The pages carry CRCs, checked on reading."""
    whole = pq.read_table(io.BytesIO(data))

    def flipped(offset: int) -> bytes:
        return data[:offset] + bytes([data[offset] ^ 0x04]) + data[offset + 1:]

    def read_as_other_rows(changed: bytes) -> bool:  # by pyarrow unchecked: no error, other values
        try:
            return not pq.read_table(io.BytesIO(changed)).equals(whole)
        except (OSError, ValueError):
            return False

    offset = next(offset for offset in range(4, pages_end) if read_as_other_rows(flipped(offset)))
    return flipped(offset), "CRC checksum verification failed"


@pytest.mark.parametrize("damage", [_pages_overwritten, _a_byte_flipped], ids=["pages-overwritten", "a-byte-flipped"])
def test_a_units_table_damaged_inside_is_a_located_error_and_made_again_by_the_next_command(layout, damage):
    before, units, part = _stored_regions(layout)
    data = part.read_bytes()
    pages_end = len(data) - 8 - int.from_bytes(data[-8:-4], "little")  # the footer: its length, b"PAR1"
    damaged, said = damage(data, pages_end)
    part.write_bytes(damaged)
    assert units.complete()
    with pytest.raises(CorpusError) as caught:
        _annotation_set(layout)
    assert caught.value.code == "units-damaged" and caught.value.location.file == str(part)
    assert said in caught.value.message and "\n" not in caught.value.message and not units.directory.exists()
    after = _annotation_set(layout)
    assert after.chosen == before.chosen and after.chosen["doc-a"].entities
    assert units.complete()


