"""The release over ingest's annotation set, on ingest's export fixtures (tests/export_corpus.py)."""

from __future__ import annotations

import dataclasses
import shutil

import pyarrow.parquet as pq
import pytest

import export_corpus
from corpus_tools.annotations import consolidate as annotations_module
from corpus_tools.errors import CorpusError
from corpus_tools.release import build_release, release
from release_factories import ShiftMap


def test_release_rows_from_an_ingested_export(tmp_path):
    layout = export_corpus.corpus_root(tmp_path)
    # the fixture documents have no offset map; the identity stands in (raw == normalized)
    documents = {k: dataclasses.replace(d, offset_map=ShiftMap(0)) for k, d in export_corpus.documents().items()}
    registry = export_corpus.registry()
    from corpus_tools.ingest import ingest

    assert ingest(export_corpus.EXPORTS / "valid.json", layout, documents, registry).status == "stored"
    chosen = annotations_module.load_annotation_set(layout, documents, registry)
    assert chosen.report.valid
    built = build_release(documents, chosen.chosen, tuple(registry.values()), layout.dist, "1.0.0")
    quotes = pq.ParquetDataset(sorted((built.path / "data" / "quotes").glob("*.parquet"))).read().to_pylist()
    assert [(q["text"], q["source_text"], q["speaker_id"], q["cue_text"]) for q in quotes] == [
        ('"We will not lift sanctions,"', "he", "antony-blinken", "said")]


def test_release_refuses_a_stored_export_with_errors(corpus_copy):
    # an export about documents this corpus does not have, in the store as ingest stores one
    stored = export_corpus.place_stored(corpus_copy, export_corpus.EXPORTS / "valid.json", sequence=2)
    with pytest.raises(CorpusError) as caught:
        release(corpus_copy)
    assert caught.value.code == "invalid-annotations"
    assert f"{stored.name}, task 1, doc doc-a: error [doc-unknown]" in caught.value.message
    assert not corpus_copy.dist.exists() or not any(corpus_copy.dist.iterdir())


def test_release_says_when_several_annotators_versions_were_never_adjudicated(corpus_copy):
    """Without the reviewer's export, round 2's documents have three versions each and no ground
    truth: the latest is released, and the person releasing is told (stderr), not only the card."""
    from click.testing import CliRunner

    from corpus_tools.cli import cli

    reviewed = [path.parent for path in sorted(corpus_copy.exports.glob("*/export.json"))
                if b'"ground_truth": true' in path.read_bytes()]
    assert len(reviewed) == 1
    result = CliRunner().invoke(cli, ["release", "--root", str(corpus_copy.root)])
    assert result.exit_code == 0 and "note:" not in result.output, result.output
    shutil.rmtree(reviewed[0])
    shutil.rmtree(corpus_copy.dist)
    result = CliRunner().invoke(cli, ["release", "--root", str(corpus_copy.root)])
    assert result.exit_code == 0, result.output
    assert ("note: 7 documents have versions by several annotators and none adjudicated: each is released from "
            "its most recently updated annotation") in result.stderr
