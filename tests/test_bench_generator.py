"""The benchmark's synthetic exports: reproducible, exact offsets, the shape the issue asks for.

Small N only; timings never run here (``make bench`` does that).
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

import orjson
import pytest

from bench.generate import region_id, write_export
from corpus_tools.layout import Layout
from corpus_tools.documents.raw import check_raw, read_manifest
from corpus_tools.schema import TASK_DATA_KEYS

TASKS = 120


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[dict]]:
    root = tmp_path_factory.mktemp("bench")
    export = write_export(root / "export.json", TASKS, seed=3, corpus=root / "corpus")
    return export, root / "corpus", orjson.loads(export.read_bytes())


def labelled(annotation: dict) -> list[dict]:
    return [r for r in annotation["result"] if r.get("type") == "labels"]


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path, generated) -> None:
    export, _, _ = generated
    again = write_export(tmp_path / "again.json", TASKS, seed=3, corpus=tmp_path / "corpus")
    other = write_export(tmp_path / "other.json", TASKS, seed=4)
    assert again.read_bytes() == export.read_bytes()
    assert other.read_bytes() != export.read_bytes()
    manifest = (tmp_path / "corpus" / "raw" / "manifest.jsonl").read_bytes()
    assert manifest == (export.parent / "corpus" / "raw" / "manifest.jsonl").read_bytes()


def test_a_json_array_of_tasks_with_the_schema_data_keys(generated) -> None:
    export, _, tasks = generated
    assert export.read_bytes().startswith(b"[\n{") and export.read_bytes().endswith(b"}\n]\n")
    assert len(tasks) == TASKS
    assert [task["id"] for task in tasks] == list(range(1, TASKS + 1))
    for task in tasks:
        data = task["data"]
        assert tuple(data) == TASK_DATA_KEYS
        assert data["text_sha256"] == hashlib.sha256(data["text"].encode("utf-8")).hexdigest()
        assert unicodedata.normalize("NFC", data["text"]) == data["text"]
        assert 2700 <= len(data["text"]) <= 3600


def test_every_region_text_is_the_text_it_spans(generated) -> None:
    _, _, tasks = generated
    checked = 0
    for task in tasks:
        text = task["data"]["text"]
        for annotation in task["annotations"]:
            for result in annotation["result"]:
                value = result.get("value")
                if value is not None and isinstance(value["text"], str):
                    assert value["text"] == text[value["start"]:value["end"]], result
                    checked += 1
    assert checked > TASKS * 50


def test_about_fifty_regions_per_annotation_with_unique_ids(generated) -> None:
    _, _, tasks = generated
    counts = [len(labelled(task["annotations"][0])) for task in tasks]
    assert 45 <= sum(counts) / len(counts) <= 58
    assert min(counts) >= 35 and max(counts) <= 70
    ids = [r["id"] for task in tasks for a in task["annotations"] for r in labelled(a)]
    assert len(ids) == len(set(ids))
    assert region_id(0) != region_id(1) and len(region_id(12345)) == 10


def test_all_three_layers_values_and_relations(generated) -> None:
    _, _, tasks = generated
    results = [r for task in tasks for a in task["annotations"] for r in a["result"]]
    layers = {r["from_name"] for r in results if r.get("type") == "labels"}
    values = {r["from_name"] for r in results if r.get("type") in ("textarea", "choices")}
    relations = {r["labels"][0] for r in results if r.get("type") == "relation"}
    assert layers == {"entity", "timex", "attribution"}
    assert values == {"entity_id", "timex_value", "timex_mod", "quote_type", "speaker_id"}
    assert relations == {"said_by", "cue"}
    for task in tasks:
        for annotation in task["annotations"]:
            spans = sorted((r["value"]["start"], r["value"]["end"]) for r in labelled(annotation)
                           if r["from_name"] == "entity")
            assert all(left[1] <= right[0] for left, right in zip(spans, spans[1:]))


def test_shares_of_cancelled_and_second_annotations(generated) -> None:
    _, _, tasks = generated
    cancelled = [a for task in tasks for a in task["annotations"] if a["was_cancelled"]]
    assert all(a["result"] == [] for a in cancelled)
    second = sum(len([a for a in task["annotations"] if not a["was_cancelled"]]) == 2 for task in tasks)
    assert 0.02 <= len(cancelled) / TASKS <= 0.12
    assert 0.1 <= second / TASKS <= 0.3
    assert sum(task["cancelled_annotations"] for task in tasks) == len(cancelled)


def test_the_corpus_side_holds_every_document_and_entity(generated) -> None:
    _, corpus, tasks = generated
    layout = Layout.at(corpus)
    assert check_raw(layout).valid
    records = {record.doc_id: record for record in read_manifest(layout.manifest)}
    registry = {orjson.loads(line)["id"] for line in layout.registry.read_bytes().splitlines()}
    for task in tasks:
        data = task["data"]
        assert (layout.raw / records[data["doc_id"]].file).read_text(encoding="utf-8") == data["text"]
        assert records[data["doc_id"]].publication_date == data["publication_date"]
        for annotation in task["annotations"]:
            for result in annotation["result"]:
                if result.get("from_name") in ("entity_id", "speaker_id"):
                    assert result["value"]["text"][0] in registry
