"""release(layout) and `corpus-tools release` on a copy of the repository's raw/ (real documents,
real normalization and offset maps)."""

from __future__ import annotations

import json
import shutil

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from corpus_tools.cli import cli
from corpus_tools.documents.index import load_documents
from corpus_tools.errors import CorpusError
from corpus_tools.documents.raw import iter_raw
from corpus_tools.records import DocumentAnnotations, EntityMention, Span
from corpus_tools.release import build_release, release
from corpus_tools.version import __version__

from conftest import COMMITTED_DOC_IDS


@pytest.fixture
def bare_corpus(corpus_copy):
    """The repository's raw/ and registry without Label Studio exports (whatever annotations/ holds later)."""
    shutil.rmtree(corpus_copy.exports, ignore_errors=True)
    return corpus_copy


def _rows(root, config):
    return pq.ParquetDataset(sorted((root / "data" / config).glob("*.parquet"))).read().to_pylist()


def test_release_of_the_repository_corpus_without_annotations(bare_corpus):
    result = release(bare_corpus)
    assert (result.status, result.path) == ("built", bare_corpus.dist / __version__)
    documents = _rows(result.path, "documents")
    assert [d["doc_id"] for d in documents] == sorted(load_documents(bare_corpus))
    undated = {d["doc_id"]: d for d in documents}["004_3e4c866fc9bc1c15"]
    assert undated["title"] is None and undated["publisher"] is None
    assert undated["publisher_evidence"]["kind"] == "none"
    assert _rows(result.path, "entities") == [] and _rows(result.path, "quotes") == []
    assert all(set(tags) == {0} for tags in (row["ner_tags"] for row in _rows(result.path, "ner")))
    assert release(bare_corpus).status == "unchanged"


def test_raw_offsets_point_at_the_same_text_in_the_raw_file(corpus_copy, tmp_path):
    documents = load_documents(corpus_copy)
    raw_texts = {raw.record.doc_id: raw.text for raw in iter_raw(corpus_copy)}
    annotations = {}
    for doc_id, doc in documents.items():
        start = doc.text.rindex("Syria")  # late in the text, after whatever normalization removed
        annotations[doc_id] = DocumentAnnotations(
            doc_id, (EntityMention("x", doc_id, Span(start, start + 5), "Syria", "GPE", None),), (), ())
    built = build_release(documents, annotations, (), tmp_path, "1.0.0")
    rows = _rows(built.path, "entities")
    assert sorted(row["doc_id"] for row in rows) == sorted(COMMITTED_DOC_IDS)  # one per committed document
    for row in rows:
        assert raw_texts[row["doc_id"]][row["raw_start"]:row["raw_end"]] == "Syria"


def test_registry_feeds_the_entity_registry_config(bare_corpus):
    bare_corpus.annotations.mkdir(exist_ok=True)
    bare_corpus.registry.write_text(json.dumps({
        "id": "bashar-al-assad", "name": "Bashar al-Assad", "type": "PERSON", "aliases": ["Assad"],
        "wikidata": "Q44329", "description": "President of Syria"}) + "\n")
    result = release(bare_corpus)
    assert _rows(result.path, "entity_registry") == [{
        "id": "bashar-al-assad", "name": "Bashar al-Assad", "type": 0, "aliases": ["Assad"],
        "wikidata": "Q44329", "description": "President of Syria"}]


def test_a_bad_registry_line_builds_nothing(bare_corpus):
    bare_corpus.annotations.mkdir(exist_ok=True)
    bare_corpus.registry.write_text('{"id": "Not Lowercase", "name": "x", "type": "PERSON"}\n')
    with pytest.raises(CorpusError) as caught:
        release(bare_corpus)
    assert str(bare_corpus.registry) in str(caught.value) and "line 1" in str(caught.value)
    assert not bare_corpus.dist.exists() or not any(bare_corpus.dist.iterdir())


def test_cli_release_builds_then_is_a_no_op_then_refuses_changed_content(bare_corpus):
    runner = CliRunner()
    first = runner.invoke(cli, ["release", "--root", str(bare_corpus.root)])
    assert first.exit_code == 0, first.output
    assert first.output == f"release {__version__} built {bare_corpus.dist / __version__} (13 files)\n"
    again = runner.invoke(cli, ["release", "--root", str(bare_corpus.root)])
    assert again.exit_code == 0
    assert "unchanged (already released with identical content)" in again.output
    bare_corpus.annotations.mkdir(exist_ok=True)
    bare_corpus.registry.write_text('{"id": "syria", "name": "Syria", "type": "GPE"}\n')
    changed = runner.invoke(cli, ["release", "--root", str(bare_corpus.root)])
    assert changed.exit_code == 1
    assert f"[release-exists] release {__version__} already exists with different content" in changed.output
    assert "data/entity_registry/train-00000-of-00001.parquet" in changed.output
    assert len(changed.output.strip().splitlines()) == 1
    verify = runner.invoke(cli, ["verify", str(bare_corpus.dist / __version__)])
    assert verify.exit_code == 0


WORKSHEETS = "annotations/worksheets/round-1"


def test_release_of_the_gold_worksheets_keeps_every_region_and_locates_it_in_the_raw_text(corpus_copy, tmp_path):
    """The round-1 gold worksheets (resolved as the Label Studio tooling submits them): every
    region lands in its config, raw offsets cover the same text up to normalized whitespace, and
    each entity mention gets exactly one B- tag in the ner config."""
    from corpus_tools.labelstudio import worksheet

    paths = sorted((corpus_copy.root / WORKSHEETS).glob("*.yaml"))
    assert len(paths) == 5
    documents = load_documents(corpus_copy)
    annotations = {}
    for path in paths:
        sheet = worksheet.load_worksheet(path)
        annotations[sheet.doc_id] = worksheet.resolve(sheet, documents[sheet.doc_id].text)
    from corpus_tools.release.inputs import load_registry

    registry = tuple(load_registry(corpus_copy).values())
    built = build_release(documents, annotations, registry, tmp_path, "1.0.0")
    raw_texts = {raw.record.doc_id: raw.text for raw in iter_raw(corpus_copy)}
    for config in ("entities", "timexes", "quotes"):  # config names are DocumentAnnotations fields
        rows = _rows(built.path, config)
        assert len(rows) == sum(len(getattr(ann, config)) for ann in annotations.values())
        for row in rows:
            assert _squeeze(raw_texts[row["doc_id"]][row["raw_start"]:row["raw_end"]]) == _squeeze(row["text"])
    b_tags = sum(tag % 2 == 1 for row in _rows(built.path, "ner") for tag in row["ner_tags"])
    assert b_tags == sum(len(ann.entities) for ann in annotations.values())
    assert len(_rows(built.path, "entity_registry")) == len(registry)


def _squeeze(text: str) -> str:
    """Whitespace collapsed: inside these spans, normalization only changed whitespace (NBSP, runs)."""
    return " ".join(text.split())
