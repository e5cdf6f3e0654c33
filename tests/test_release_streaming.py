"""build_release on a stream of annotations: one document at a time, sharded output that
datasets streams, the same bytes as the in-memory build, refusal on upstream errors."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping

import pyarrow.parquet as pq
import pytest
import yaml

from corpus_tools.errors import CorpusError, Location, Problem
from corpus_tools.records import Span
from corpus_tools.release import ShardSizes, build_release
from corpus_tools.release.checksums import release_files
from corpus_tools.release.versions import list_versions, version_key
from corpus_tools.version import __version__
from release_factories import seed_inputs, spread_inputs

SMALL_SHARDS = ShardSizes(rows_per_shard=3, batch_rows=2, document_rows_per_shard=2, document_batch_rows=1)


class LoggedDocuments(Mapping):
    """A documents mapping that logs each lookup (as a lazy index would load one document)."""

    def __init__(self, documents, log):
        self._documents, self._log = documents, log

    def __getitem__(self, doc_id):
        self._log.append(("document", doc_id))
        return self._documents[doc_id]

    def __contains__(self, doc_id):  # an index knows its keys without loading documents
        return doc_id in self._documents

    def __iter__(self):
        return iter(self._documents)

    def __len__(self):
        return len(self._documents)


def logged_stream(annotations, order, log):
    for doc_id in order:
        log.append(("annotation", doc_id))
        yield annotations[doc_id]


def test_each_document_is_built_when_its_annotation_arrives(tmp_path):
    documents, annotations, registry = spread_inputs(extra=4)
    for doc_id in sorted(documents)[1:5]:  # nobody annotated these
        del annotations[doc_id]
    log = []
    order = sorted(annotations)
    build_release(LoggedDocuments(documents, log), logged_stream(annotations, order, log), registry, tmp_path, "1.0.0")
    # annotation k is read, then the unannotated documents before it, then its document, before
    # annotation k + 1 is read; the unannotated after the last one follow
    unannotated = sorted(set(documents) - set(annotations))
    expected = []
    for doc_id in order:
        expected += [("annotation", doc_id), *(("document", other) for other in unannotated if other < doc_id
                                               and ("document", other) not in expected), ("document", doc_id)]
    expected += [("document", doc_id) for doc_id in unannotated if ("document", doc_id) not in expected]
    assert log == expected and unannotated and unannotated[0] < order[-1]  # some take their places among them
    rows = pq.ParquetDataset(sorted((tmp_path / "1.0.0" / "data" / "documents").glob("train-*.parquet"))).read()
    train_order = [doc_id for doc_id in sorted(documents) if doc_id in set(rows.column("doc_id").to_pylist())]
    assert rows.column("doc_id").to_pylist() == train_order


def test_a_stream_in_doc_id_order_gives_the_same_bytes_as_a_mapping(tmp_path):
    documents, annotations, registry = spread_inputs(extra=4)
    documents = {doc_id: documents[doc_id] for doc_id in annotations}  # every document annotated
    mapped = build_release(documents, annotations, registry, tmp_path / "mapped", "1.0.0", sizes=SMALL_SHARDS)
    stream = (annotations[doc_id] for doc_id in sorted(annotations))
    streamed = build_release(documents, stream, registry, tmp_path / "streamed", "1.0.0", sizes=SMALL_SHARDS)
    files = release_files(mapped.path) + ["SHA256SUMS"]
    assert files == release_files(streamed.path) + ["SHA256SUMS"]
    assert all((mapped.path / name).read_bytes() == (streamed.path / name).read_bytes() for name in files)


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    documents, annotations, registry = spread_inputs(extra=12)
    stream = (annotations[doc_id] for doc_id in sorted(annotations))
    return build_release(documents, stream, registry, tmp_path_factory.mktemp("dist"), "1.0.0", sizes=SMALL_SHARDS)


def card_header(release):
    return yaml.safe_load((release.path / "README.md").read_text(encoding="utf-8").split("---\n")[1])


def test_the_card_declares_every_bounded_shard(sharded):
    header = card_header(sharded)
    data_files = {config["config_name"]: config["data_files"] for config in header["configs"]}
    info = {config["config_name"]: config for config in header["dataset_info"]}
    bounds = {"documents": 2, "kb": 2, "entities": 3, "timexes": 3, "quotes": 3, "ner": 3, "entity_registry": 3}
    for config, splits in data_files.items():
        listed = sorted(path for split in splits for path in split["path"])
        assert listed == sorted(f"data/{config}/{path.name}" for path in (sharded.path / "data" / config).iterdir())
        rows = {split["path"][0].split("/")[-1].split("-")[0]: 0 for split in splits}
        for split in splits:
            for path in split["path"]:
                count = pq.ParquetFile(sharded.path / path).metadata.num_rows
                assert count <= bounds[config]
                rows[split["split"]] += count
        assert rows == {split["name"]: split["num_examples"] for split in info[config]["splits"]}
    train_documents = next(s["num_examples"] for s in info["documents"]["splits"] if s["name"] == "train")
    assert train_documents > 8
    assert len(data_files["documents"][0]["path"]) == (train_documents + 1) // 2  # 2 per shard
    assert len(data_files["entities"][0]["path"]) > 1


STREAMING_SCRIPT = """
import json, os, sys
import datasets
counts, first = {}, {}
for config in ("documents", "entities", "ner", "kb"):
    stream = datasets.load_dataset(sys.argv[1], config, split="train", streaming=True)
    rows = list(stream)
    counts[config] = len(rows)
    first[config] = rows[0].get("doc_id") or rows[0].get("document_id")
label = datasets.load_dataset(sys.argv[1], "entities", split="train", streaming=True).features["label"].names[0]
print(json.dumps({"counts": counts, "first": first, "label": label}))
sys.stdout.flush()
os._exit(0)  # printed: skip the teardown where datasets' readers can abort (huggingface/datasets#7566)
"""


def test_datasets_streams_the_shards_offline(sharded, tmp_path):
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", STREAMING_SCRIPT, str(sharded.path)],
                          env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    info = {config["config_name"]: config for config in card_header(sharded)["dataset_info"]}
    expected = {config: next(split["num_examples"] for split in info[config]["splits"] if split["name"] == "train")
                for config in ("documents", "entities", "ner", "kb")}
    assert result["counts"] == expected
    assert result["first"]["documents"] == result["first"]["kb"]  # stream order, shard by shard
    assert result["label"] == "PERSON"


def test_an_error_reported_upstream_while_streaming_refuses_the_build(tmp_path):
    documents, annotations, registry = seed_inputs()
    upstream: list[Problem] = []

    def stream():
        for ann in annotations.values():
            upstream.append(Problem("span-text-mismatch", "region covers other text",
                                    Location(file="x.json", task_id=7, region_id="r1")))
            yield ann

    with pytest.raises(CorpusError) as caught:
        build_release(documents, stream(), registry, tmp_path, "1.0.0", upstream_problems=upstream)
    assert caught.value.code == "invalid-annotations"
    assert "x.json, task 7" in caught.value.message and "span-text-mismatch" in caught.value.message
    assert list(tmp_path.iterdir()) == []


def test_a_document_annotated_twice_in_the_stream_is_refused(tmp_path):
    documents, annotations, registry = seed_inputs()
    twice = [ann for ann in annotations.values() for _ in range(2)]
    with pytest.raises(CorpusError) as caught:
        build_release(documents, iter(twice), registry, tmp_path, "1.0.0")
    assert "duplicate-chosen-annotation" in caught.value.message
    assert list(tmp_path.iterdir()) == []
    documents, annotations, registry = spread_inputs(extra=4)
    earlier, later = sorted(annotations)[:2]
    with pytest.raises(CorpusError) as caught:  # the documents without one could not take their places
        build_release(documents, iter([annotations[later], annotations[earlier]]), registry, tmp_path, "1.0.0")
    assert f"doc {earlier}: error [annotations-out-of-order] the chosen annotation of {earlier!r} comes after that " \
           f"of {later!r}" in caught.value.message
    assert list(tmp_path.iterdir()) == []


def test_validated_regions_are_not_rechecked_but_registry_ids_are(tmp_path):
    documents, annotations, registry = seed_inputs()
    doc_id = next(iter(annotations))
    ann = annotations[doc_id]
    entity = ann.entities[0]
    moved = dataclasses.replace(entity, span=Span(entity.span.start + 1, entity.span.end + 1))  # text no longer matches
    trusted = {doc_id: dataclasses.replace(ann, entities=(moved, *ann.entities[1:]))}
    assert build_release(documents, iter(trusted.values()), registry, tmp_path / "a", "1.0.0",
                         regions_validated=True).status == "built"
    unknown = dataclasses.replace(entity, entity_id="nobody")
    cited = {doc_id: dataclasses.replace(ann, entities=(unknown, *ann.entities[1:]))}
    with pytest.raises(CorpusError) as caught:
        build_release(documents, iter(cited.values()), registry, tmp_path / "b", "1.0.0", regions_validated=True)
    assert "entity-id-unknown" in caught.value.message and f"region {entity.id}" in caught.value.message


def test_release_of_a_checkout_streams_and_rebuilds_the_committed_release_byte_for_byte(corpus_copy, monkeypatch):
    from corpus_tools.annotations import consolidate as annotations_module
    from corpus_tools.release import release
    from conftest import REPO

    def held_in_memory(*args, **kwargs):
        raise AssertionError("release must stream the annotation set, not load it whole")

    monkeypatch.setattr(annotations_module, "load_annotation_set", held_in_memory)
    # the committed releases before this version: the new one says what changed since the latest
    for version in list_versions(REPO / "dist"):
        if version_key(version) < version_key(__version__):
            shutil.copytree(REPO / "dist" / version, corpus_copy.dist / version)
    built = release(corpus_copy)
    assert built.status == "built"
    committed = REPO / "dist" / built.version  # the committed release of this version
    assert release_files(built.path) == release_files(committed)
    for name in release_files(committed) + ["SHA256SUMS"]:
        assert (built.path / name).read_bytes() == (committed / name).read_bytes(), name
