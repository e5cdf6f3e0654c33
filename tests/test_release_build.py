"""build_release on records: layout, values, schemas, shards, splits, determinism, immutability, bad input."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpus_tools.errors import CorpusError
from corpus_tools.records import DocumentAnnotations, EntityMention, Quote, Span, TimeExpression
from corpus_tools.release import CONFIGS, NER_TAGS, ShardSizes, arrow_schema, build_release
from corpus_tools.release.checksums import release_files
from corpus_tools.release.splits import MIN_SPLIT_DOCUMENTS, SplitPlan, bucket, designated_split, fold_of
from corpus_tools.schema import QUOTE_TYPES
from release_factories import RAW_PREFIX, REGISTRY, TEST_IDS, VALIDATION_IDS, seed_inputs, span_of, spread_inputs

SMALL_SHARDS = ShardSizes(rows_per_shard=5, batch_rows=2, document_rows_per_shard=3, document_batch_rows=2)


@pytest.fixture(scope="module")
def seed_release(tmp_path_factory):
    documents, annotations, registry = seed_inputs()
    return build_release(documents, annotations, registry, tmp_path_factory.mktemp("dist"), "1.0.0")


@pytest.fixture(scope="module")
def spread_release(tmp_path_factory):
    documents, annotations, registry = spread_inputs(extra=6)
    return build_release(documents, annotations, registry, tmp_path_factory.mktemp("dist"), "1.0.0",
                         sizes=SMALL_SHARDS)


def table(release, config, split="train"):
    files = sorted((release.path / "data" / config).glob(f"{split}-*.parquet"))
    return pq.ParquetDataset(files).read() if files else None


def test_files_of_a_release(seed_release):
    assert seed_release.status == "built"
    assert seed_release.path.name == "1.0.0"
    assert release_files(seed_release.path) == sorted(
        ["CHANGELOG.md", "LICENSE.md", "README.md", "build-info.json", "croissant.json"]
        + [f"data/{config}/train-00000-of-00001.parquet" for config in CONFIGS])
    assert (seed_release.path / "SHA256SUMS").is_file()
    assert not [p for p in seed_release.path.parent.iterdir() if p.name.startswith(".")]  # no partial left


def test_docs_name_every_file_a_release_has(seed_release):
    """docs/release.md's layout of dist/<version>/ and docs/architecture.md's order of writing left
    out LICENSE.md when releases gained it (1.1.9)."""
    repo = Path(__file__).resolve().parents[1]
    release_md = (repo / "docs" / "release.md").read_text(encoding="utf-8")
    layout = release_md.split("## Layout of `dist/<version>/`\n\n```\n", 1)[1].split("```", 1)[0]
    named = {line.split()[0] for line in layout.splitlines() if line and not line.startswith(" ")}
    top = {name for name in release_files(seed_release.path) if "/" not in name} | {"SHA256SUMS"}
    assert top <= named, sorted(top - named)
    assert "LICENSE.md" in named
    architecture = (repo / "docs" / "architecture.md").read_text(encoding="utf-8")
    written = architecture.split("then the card,", 1)[1].split("last.", 1)[0]
    assert all(name in written for name in top - {"README.md"}), written


@pytest.mark.parametrize("config", CONFIGS)
def test_every_parquet_file_has_the_explicit_schema(seed_release, config):
    for path in (seed_release.path / "data" / config).glob("*.parquet"):
        assert_schema(pq.read_schema(path), config)


def assert_schema(schema, config):
    """Equal to the explicit schema, up to parquet's list item name ("element" for "item")."""
    expected = arrow_schema(config)
    assert schema.metadata[b"huggingface"] == expected.metadata[b"huggingface"]
    assert [(f.name, _canonical(f.type)) for f in schema] == [(f.name, _canonical(f.type)) for f in expected]


def _canonical(arrow_type):
    if pa.types.is_list(arrow_type):
        return pa.list_(_canonical(arrow_type.value_type))
    if pa.types.is_struct(arrow_type):
        return pa.struct([pa.field(f.name, _canonical(f.type)) for f in arrow_type])
    return arrow_type


def test_entity_rows_have_offsets_raw_offsets_and_label_ids(seed_release):
    rows = table(seed_release, "entities").to_pylist()
    assert [row["text"] for row in rows] == ["Bashar Al-Assad", "Syria", "Washington", "AFP"]
    first = rows[0]
    assert first["label"] == 0  # PERSON
    assert first["entity_id"] == "bashar-al-assad"
    assert (first["raw_start"], first["raw_end"]) == (first["start"] + RAW_PREFIX, first["end"] + RAW_PREFIX)
    documents = {row["doc_id"]: row for row in table(seed_release, "documents").to_pylist()}
    assert documents[first["doc_id"]]["text"][first["start"]:first["end"]] == "Bashar Al-Assad"


def test_quotes_timexes_and_registry_rows(seed_release):
    (quote,) = table(seed_release, "quotes").to_pylist()
    assert quote["quote_type"] == 0  # direct
    assert (quote["source_text"], quote["speaker_id"], quote["cue_text"]) == ("he", "bashar-al-assad", "said")
    assert quote["cue_raw_start"] == quote["cue_start"] + RAW_PREFIX
    (timex,) = table(seed_release, "timexes").to_pylist()
    assert (timex["text"], timex["label"], timex["value"], timex["mod"]) == ("Sunday", 0, "XXXX-WXX-7", None)
    registry = table(seed_release, "entity_registry").to_pylist()
    assert [row["id"] for row in registry] == sorted(entity.id for entity in REGISTRY)
    afp = registry[0]
    assert (afp["id"], afp["type"], afp["aliases"], afp["wikidata"]) == ("afp", 2, ["AFP"], None)


def test_documents_rows(seed_release):
    rows = table(seed_release, "documents").to_pylist()
    assert len(rows) == 5
    assert all(row["split"] == "train" for row in rows)
    first = rows[0]
    assert first["doc_id"] == "000_cbeedfbee8440207"
    assert first["publisher"] == "Reuters"
    assert first["publication_date_evidence"]["kind"] == "stated"
    assert first["raw_file"] == "000_cbeedfbee8440207.txt"


def test_kb_rows_nest_regions_and_relations(seed_release):
    kb = {row["id"]: row for row in table(seed_release, "kb").to_pylist()}
    doc = kb["000_cbeedfbee8440207"]
    assert doc["passages"][0]["offsets"] == [[0, len(doc["passages"][0]["text"][0])]]
    types = [entity["type"] for entity in doc["entities"]]
    assert types == ["PERSON", "GPE", "GPE", "ORG", "DATE", "QUOTE", "SOURCE", "CUE"]
    assert doc["entities"][4]["normalized"] == [{"db_name": "TIMEX3", "db_id": "XXXX-WXX-7"}]
    assert [entity["normalized"] for entity in doc["entities"][5:]] == [
        [{"db_name": "quote_type", "db_id": "direct"}],
        [{"db_name": "corpus_tools_registry", "db_id": "bashar-al-assad"}], []]
    assert [(r["type"], r["arg1_id"], r["arg2_id"]) for r in doc["relations"]] == [
        ("said_by", "q1", "s1"), ("cue", "q1", "c1")]
    assert kb["001_d79359122f2d4c78"]["entities"] == []


def test_kb_gives_each_timex_s_value_and_mod_and_each_quote_s_type_as_the_flat_configs_do(tmp_path):
    """kb left out two attributes annotators give, a quote's quote_type and a time expression's
    mod (until 1.2.0): BigBIO's KB schema holds them only as normalizations, as it holds the TIMEX3
    value, so they are there, each under its own db_name, agreeing with timexes and quotes."""
    documents, annotations, registry = seed_inputs()
    first, other = sorted(documents)[:2]
    sunday = annotations[first].timexes[0]  # a mod; and a quote in another document, of another type
    annotations[first] = dataclasses.replace(annotations[first], timexes=(dataclasses.replace(sunday, mod="END"),))
    span = span_of(documents[other].text, documents[other].text.split()[0])
    annotations[other] = dataclasses.replace(annotations[other], quotes=(
        Quote("q9", other, span, span.of(documents[other].text), "indirect"),))
    built = build_release(documents, annotations, registry, tmp_path, "1.0.0")
    kb = {row["id"]: row for row in table(built, "kb").to_pylist()}
    regions = {(row_id, entity["id"]): entity["normalized"] for row_id, row in kb.items() for entity in row["entities"]}
    assert regions[(first, "t1")] == [{"db_name": "TIMEX3", "db_id": "XXXX-WXX-7"},
                                      {"db_name": "TIMEX3_mod", "db_id": "END"}]
    assert regions[(first, "q1")] == [{"db_name": "quote_type", "db_id": "direct"}]
    assert regions[(other, "q9")] == [{"db_name": "quote_type", "db_id": "indirect"}]
    timexes, quotes = table(built, "timexes").to_pylist(), table(built, "quotes").to_pylist()
    assert [regions[(row["doc_id"], row["id"])] for row in timexes] == [
        [{"db_name": "TIMEX3", "db_id": row["value"]}] + ([{"db_name": "TIMEX3_mod", "db_id": row["mod"]}]
                                                           if row["mod"] else []) for row in timexes]
    assert [regions[(row["doc_id"], row["id"])] for row in quotes] == [
        [{"db_name": "quote_type", "db_id": QUOTE_TYPES[row["quote_type"]]}] for row in quotes]


def test_ner_rows_tag_entities_in_iob2(seed_release):
    rows = table(seed_release, "ner").to_pylist()
    sentence = next(row for row in rows if row["tokens"][:4] == ["Syrian", "President", "Bashar", "Al-Assad"])
    tags = [NER_TAGS[i] for i in sentence["ner_tags"]]
    assert tags[:5] == ["O", "O", "B-PERSON", "I-PERSON", "O"]
    assert tags[sentence["tokens"].index("Washington")] == "B-GPE"


def test_split_and_fold_rules_are_functions_of_doc_id_alone():
    # pinned: a change here would move documents between splits and folds, which the rules forbid
    assert (bucket("000_cbeedfbee8440207"), designated_split("000_cbeedfbee8440207")) == (15, "train")
    assert (bucket("synthetic-017"), designated_split("synthetic-017")) == (85, "validation")
    assert (bucket("synthetic-000"), designated_split("synthetic-000")) == (96, "test")
    seeds = ["000_cbeedfbee8440207", "001_d79359122f2d4c78", "002_9bc3c6dfe5868321", "003_840a8be26e4ddaa5",
             "004_3e4c866fc9bc1c15"]
    assert [fold_of(doc_id) for doc_id in seeds] == [1, 0, 3, 1, 1]


def test_a_split_is_declared_once_enough_documents_are_designated_to_it():
    seeds = ["000_cbeedfbee8440207", "001_d79359122f2d4c78"]
    few = SplitPlan.of(seeds + list(VALIDATION_IDS[:MIN_SPLIT_DOCUMENTS - 1]) + list(TEST_IDS))
    assert few.declared == ("train", "test") and few.undeclared == ("validation",)
    assert few.split_of("synthetic-017") == "train" and few.split_of("synthetic-000") == "test"
    assert dict(few.designated) == {"train": 2, "validation": 9, "test": 10}
    enough = SplitPlan.of(seeds + list(VALIDATION_IDS) + list(TEST_IDS))
    assert enough.declared == ("train", "validation", "test")
    assert enough.split_of("synthetic-017") == "validation"
    # the fold never depends on the other documents
    assert {fold_of(doc_id) for doc_id in VALIDATION_IDS + TEST_IDS} == {0, 1, 2, 3, 4}


def test_a_declared_split_stays_declared_when_documents_are_removed(tmp_path):
    """A release that removed one of validation's ten documents sent the other nine back to
    train: text that was validation became training data, against the rule of splits.py."""
    first = build_release(*spread_inputs(), tmp_path / "dist", "1.0.0")
    documents, annotations, registry = spread_inputs()
    gone = VALIDATION_IDS[0]
    del documents[gone], annotations[gone]
    assert SplitPlan.of(documents).undeclared == ("validation",)  # nine alone would not declare it
    second = build_release(documents, annotations, registry, tmp_path / "dist", "2.0.0", previous=first.path)
    published = {row["doc_id"]: row["split"] for split in ("train", "validation", "test")
                 for row in table(second, "documents", split).to_pylist()}
    assert [published[doc_id] for doc_id in VALIDATION_IDS[1:]] == ["validation"] * 9


def test_a_declared_split_stays_declared_after_a_release_without_its_documents(tmp_path):
    """A declared split whose documents were all removed has no file in the next release; the
    release after that forgot it, and published its next documents in train. (Found by a hunt.)"""
    dist = tmp_path / "dist"
    first = build_release(*spread_inputs(), dist, "1.0.0")
    documents, annotations, registry = spread_inputs()
    for doc_id in VALIDATION_IDS:
        del documents[doc_id], annotations[doc_id]
    second = build_release(documents, annotations, registry, dist, "2.0.0", previous=first.path)
    assert not list((second.path / "data" / "documents").glob("validation-*"))
    documents, annotations, registry = spread_inputs(ids=TEST_IDS + VALIDATION_IDS[:3])
    third = build_release(documents, annotations, registry, dist, "3.0.0", previous=second.path)
    published = {row["doc_id"]: row["split"] for split in ("train", "validation", "test")
                 for row in table(third, "documents", split).to_pylist()}
    assert [published[doc_id] for doc_id in VALIDATION_IDS[:3]] == ["validation"] * 3
    assert "not yet declared" not in (third.path / "README.md").read_text(encoding="utf-8")


def test_adding_the_article_that_declares_a_split_moves_the_others_designated_to_it_once(tmp_path):
    """Adding articles does move documents: the one that makes validation's tenth moves the nine
    already published in train (docs/release.md said adding articles never moved a document).
    Their folds stay, and the diff, so the card and changelog, reports each move."""
    dist = tmp_path / "dist"
    first = build_release(*spread_inputs(ids=VALIDATION_IDS[:9] + TEST_IDS), dist, "1.0.0")
    second = build_release(*spread_inputs(ids=VALIDATION_IDS + TEST_IDS), dist, "1.1.0", previous=first.path)

    def published(release):
        files = sorted((release.path / "data" / "documents").glob("*.parquet"))
        return {row["doc_id"]: (row["split"], row["fold"]) for row in pq.ParquetDataset(files).read().to_pylist()}

    before, after = published(first), published(second)
    moved = sorted(doc_id for doc_id in before if before[doc_id][0] != after[doc_id][0])
    assert moved == sorted(VALIDATION_IDS[:9])
    assert {before[doc_id][0] for doc_id in moved} == {"train"} and {after[doc_id][0] for doc_id in moved} == {
        "validation"}
    assert all(before[doc_id][1] == after[doc_id][1] == fold_of(doc_id) for doc_id in before)
    assert "documents: 1 added, 9 field changed" in (second.path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "`synthetic-017: split=train -> split=validation`" in (second.path / "README.md").read_text(
        encoding="utf-8")


def test_the_comparison_with_the_previous_release_reports_its_progress(tmp_path):
    """It ran silent after the build's bar closed: 20 s at 10,000 documents re-annotated (found by
    a hunt of the commands the benchmark does not cover)."""
    first = build_release(*spread_inputs(), tmp_path / "dist", "1.0.0")
    compared: list[int] = []
    totals: list[int] = []
    documents, annotations, registry = spread_inputs(extra=2)
    build_release(documents, annotations, registry, tmp_path / "dist", "1.1.0", previous=first.path,
                  comparing=lambda total: totals.append(total) or compared.append)
    assert totals == [sum(compared)] and sum(compared) == len(documents) == 27


def test_a_release_with_too_few_documents_for_a_split_publishes_them_in_train(tmp_path):
    built = build_release(*spread_inputs(ids=VALIDATION_IDS[:3] + TEST_IDS[:3]), tmp_path, "1.0.0")
    assert sorted(p.name for p in (built.path / "data" / "documents").iterdir()) == ["train-00000-of-00001.parquet"]
    documents = table(built, "documents").to_pylist()
    assert {d["split"] for d in documents} == {"train"} and len(documents) == 11
    assert {d["doc_id"]: d["fold"] for d in documents}["synthetic-000"] == fold_of("synthetic-000")


def test_splits_and_shards(spread_release):
    root = spread_release.path
    names = [f.name for f in sorted((root / "data" / "documents").iterdir())]
    # train: 5 seeds + bulk-00001/2/4; validation: 10 synthetic + bulk-00000; test: 10 synthetic +
    # bulk-00003/5. Documents shards hold at most 3 rows.
    assert names == [f"test-0000{i}-of-00004.parquet" for i in range(4)] + [
        f"train-0000{i}-of-00003.parquet" for i in range(3)] + [
        f"validation-0000{i}-of-00004.parquet" for i in range(4)]
    rows = [pq.read_metadata(root / "data" / "documents" / name).num_rows for name in names]
    assert rows == [3, 3, 3, 3, 3, 3, 2, 3, 3, 3, 2]
    validation = table(spread_release, "documents", "validation").to_pylist()
    assert [(d["doc_id"], d["split"]) for d in validation][:2] == [("bulk-00000", "validation"),
                                                                 ("synthetic-017", "validation")]
    assert all(d["fold"] == fold_of(d["doc_id"]) for d in validation)
    for path in (root / "data").rglob("*.parquet"):
        limit = 3 if path.parent.name in ("documents", "kb") else 5
        assert pq.read_metadata(path).num_rows <= limit
    assert sorted(p.name for p in (root / "data" / "entity_registry").iterdir()) == ["train-00000-of-00001.parquet"]


def test_a_split_without_rows_in_a_config_is_left_out_of_it(spread_release, tmp_path):
    # datasets (3.x to 5.x) refuses to load a declared split that has no rows
    assert sorted(p.name for p in (spread_release.path / "data" / "quotes").iterdir()) == [
        "train-00000-of-00001.parquet"]
    documents, annotations, registry = seed_inputs()
    unannotated = build_release(documents, {}, registry, tmp_path, "1.0.0")
    path = unannotated.path / "data" / "quotes" / "train-00000-of-00001.parquet"  # train stays, empty
    assert pq.read_metadata(path).num_rows == 0
    assert_schema(pq.read_schema(path), "quotes")


def _tree(root):
    return {name: (root / name).read_bytes() for name in release_files(root) + ["SHA256SUMS"]}


def test_two_builds_are_byte_identical(tmp_path):
    first = build_release(*spread_inputs(extra=3), tmp_path / "a", "1.2.3", sizes=SMALL_SHARDS)
    second = build_release(*spread_inputs(extra=3), tmp_path / "b", "1.2.3", sizes=SMALL_SHARDS)
    assert _tree(first.path) == _tree(second.path)


def test_same_content_again_is_a_no_op(tmp_path):
    first = build_release(*seed_inputs(), tmp_path, "1.0.0")
    before = {name: (first.path / name).stat().st_mtime_ns for name in release_files(first.path)}
    again = build_release(*seed_inputs(), tmp_path, "1.0.0")
    assert again.status == "unchanged"
    assert before == {name: (first.path / name).stat().st_mtime_ns for name in release_files(first.path)}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.0.0"]


@pytest.mark.parametrize("damage", ["remove", "empty", "edit"])
def test_an_unchanged_rebuild_of_a_damaged_release_is_refused_not_called_unchanged(tmp_path, damage):
    first = build_release(*seed_inputs(), tmp_path, "1.0.0")
    sums = first.path / "SHA256SUMS"
    if damage == "remove":
        sums.unlink()
    elif damage == "empty":
        sums.write_text("")
    else:
        sums.write_text(sums.read_text().replace("  data/", "  data/x", 1))
    before = sorted((path, path.read_bytes()) for path in first.path.rglob("*") if path.is_file())
    with pytest.raises(CorpusError) as caught:
        build_release(*seed_inputs(), tmp_path, "1.0.0")
    assert caught.value.code == "release-tampered"
    assert sorted((path, path.read_bytes()) for path in first.path.rglob("*") if path.is_file()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.0.0"]


def test_a_published_version_built_again_is_judged_as_published_not_by_the_version_rule(tmp_path):
    """Other content for a published version asked for another bump (a version that may be
    published too); a published copy changed since was called other content, not tampered."""
    first = build_release(*seed_inputs(), tmp_path, "1.0.0").path
    documents, annotations, registry = seed_inputs()
    build_release(documents, annotations, registry, tmp_path, "1.0.1", previous=first)
    last = sorted(documents)[-1]
    with pytest.raises(CorpusError) as caught:  # removing a document needs a major version after 1.0.0
        build_release({d: doc for d, doc in documents.items() if d != last},
                      {d: ann for d, ann in annotations.items() if d != last}, registry, tmp_path, "1.0.1",
                      previous=first)
    assert caught.value.code == "release-exists"
    readme = tmp_path / "1.0.1" / "README.md"
    readme.write_text(readme.read_text() + "edited\n")
    with pytest.raises(CorpusError) as caught:
        build_release(documents, annotations, registry, tmp_path, "1.0.1", previous=first)
    assert caught.value.code == "release-tampered" and caught.value.location.file == str(readme)


def test_a_directory_that_is_no_release_where_the_release_would_go_is_refused_for_what_it_is(tmp_path):
    (tmp_path / "1.0.0").mkdir()
    with pytest.raises(CorpusError) as caught:
        build_release(*seed_inputs(), tmp_path, "1.0.0")
    assert caught.value.code == "release-exists"
    # not "already exists with different content" naming every file (found by a hunt)
    assert "1.0.0 exists and is an empty directory; releases are immutable" in caught.value.message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.0.0"] and not any((tmp_path / "1.0.0").iterdir())


def test_a_plain_file_where_the_release_would_go_is_refused_for_what_it_is(tmp_path):
    (tmp_path / "1.0.0").write_text("not a release\n")
    with pytest.raises(CorpusError) as caught:
        build_release(*seed_inputs(), tmp_path, "1.0.0")
    assert caught.value.code == "release-exists" and "is not a release directory" in caught.value.message
    assert (tmp_path / "1.0.0").read_text() == "not a release\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.0.0"]


def test_different_content_for_an_existing_version_is_refused(tmp_path):
    build_release(*seed_inputs(), tmp_path, "1.0.0")
    before = _tree(tmp_path / "1.0.0")
    documents, annotations, registry = seed_inputs()
    with pytest.raises(CorpusError) as caught:
        build_release(documents, {}, registry, tmp_path, "1.0.0")
    assert caught.value.code == "release-exists"
    assert "data/entities/train-00000-of-00001.parquet" in caught.value.message
    assert "immutable" in caught.value.message
    assert _tree(tmp_path / "1.0.0") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.0.0"]


def test_the_release_records_the_versions_that_built_it(seed_release):
    """And the interpreter's and its Unicode database's (until 1.2.0, not): normalization's rules
    (NFC, character categories) read Python's Unicode database, so another Python can give other texts."""
    import platform
    import unicodedata

    import pyarrow

    from corpus_tools.version import __version__

    recorded = json.loads((seed_release.path / "build-info.json").read_text())["built_with"]
    assert recorded == {"corpus-tools": __version__, "pyarrow": pyarrow.__version__,
                        "datasets": importlib.metadata.version("datasets"), "python": platform.python_version(),
                        "unicodedata": unicodedata.unidata_version}
    assert recorded["python"] == "{}.{}.{}".format(*sys.version_info[:3]) and recorded["unicodedata"].count(".") == 2


def _other_versions(monkeypatch, name="pyarrow", version="25.0.0"):
    from corpus_tools.release import build

    real = build.installed_versions()
    monkeypatch.setattr(build, "installed_versions", lambda: {**real, name: version})
    return real


def test_a_refused_rebuild_names_the_library_versions_that_differ(tmp_path, monkeypatch):
    documents, annotations, registry = seed_inputs()
    real = _other_versions(monkeypatch)
    build_release(documents, {}, registry, tmp_path, "1.0.0")
    monkeypatch.undo()
    with pytest.raises(CorpusError) as caught:
        build_release(documents, annotations, registry, tmp_path, "1.0.0")
    assert caught.value.code == "release-exists"
    assert f"built here with pyarrow {real['pyarrow']} (release: 25.0.0)" in caught.value.message
    assert "requirements.lock" in caught.value.message


def test_a_release_recording_no_interpreter_is_not_said_to_differ_in_it():
    from corpus_tools.release.buildinfo import version_differences

    current = {"corpus-tools": "1.2.0", "pyarrow": "1", "datasets": "2", "python": "3.11.2", "unicodedata": "14.0.0"}
    before = {"corpus-tools": "1.2.0", "pyarrow": "1", "datasets": "2"}  # 1.1.x recorded no interpreter
    assert version_differences(before, current) == ""
    assert version_differences({**current, "unicodedata": "15.0.0"}, current) == (
        "built here with unicodedata 14.0.0 (release: 15.0.0)")


@pytest.mark.parametrize(("name", "version"), [("pyarrow", "25.0.0"), ("python", "3.99.0"), ("unicodedata", "9.0.0")])
def test_the_same_bytes_built_with_other_versions_are_the_same_release(tmp_path, monkeypatch, name, version):
    _other_versions(monkeypatch, name, version)
    build_release(*seed_inputs(), tmp_path, "1.0.0")
    monkeypatch.undo()
    before = _tree(tmp_path / "1.0.0")
    assert build_release(*seed_inputs(), tmp_path, "1.0.0").status == "unchanged"
    assert _tree(tmp_path / "1.0.0") == before  # the record of the first build stays


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "1.0.0-rc1", "01.0.0", "", "latest"])
def test_invalid_version_strings_are_refused(tmp_path, version):
    with pytest.raises(CorpusError) as caught:
        build_release(*seed_inputs(), tmp_path, version)
    assert caught.value.code == "invalid-version"
    assert list(tmp_path.iterdir()) == []


def _with_entity(annotations, doc_id, entity):
    ann = annotations[doc_id]
    return {**annotations, doc_id: dataclasses.replace(ann, entities=ann.entities + (entity,))}


def test_one_text_under_two_doc_ids_builds_nothing(tmp_path):
    """Two records of one article in other bytes (a BOM, CRLF: what normalization drops) pass
    check-raw, which does not normalize; released, the article sat in two folds and splits."""
    documents, annotations, registry = seed_inputs()
    first = sorted(documents)[0]
    twin = "999_0123456789abcdef"
    documents = {**documents, twin: dataclasses.replace(documents[first], doc_id=twin)}
    with pytest.raises(CorpusError) as caught:
        build_release(documents, annotations, registry, tmp_path, "1.0.0")
    # the fault is in raw/, not in the annotations: headed as check-raw heads two records of one file's bytes
    assert str(caught.value) == (f"[raw-duplicate] 1 error in raw/, nothing built: doc {twin}: error [raw-duplicate] "
                                 f"its text is {first}'s once normalized (the same article in bytes that differ only "
                                 "in what normalization drops): one article is one document; remove one of the two "
                                 "records and its raw file")
    assert list(tmp_path.iterdir()) == []
    # beside an error of the annotations, the refusal is of both, headed by the annotations
    bad = EntityMention("e-bad", first, Span(0, 6), "Syria!", "GPE", None)
    with pytest.raises(CorpusError) as caught:
        build_release(documents, _with_entity(annotations, first, bad), registry, tmp_path, "1.0.0")
    assert caught.value.code == "invalid-annotations"
    assert caught.value.message.startswith("2 validation error(s), nothing built: ")
    assert "[span-text-mismatch]" in caught.value.message and "[raw-duplicate]" in caught.value.message
    assert list(tmp_path.iterdir()) == []


def test_invalid_annotations_build_nothing(tmp_path):
    documents, annotations, registry = seed_inputs()
    doc_id = sorted(annotations)[0]
    bad = EntityMention("e-bad", doc_id, Span(0, 6), "Syria!", "GPE", "nobody")
    with pytest.raises(CorpusError) as caught:
        build_release(documents, _with_entity(annotations, doc_id, bad), registry, tmp_path, "1.0.0")
    assert caught.value.code == "invalid-annotations"
    message = caught.value.message
    assert "span-text-mismatch" in message and "entity-id-unknown" in message
    assert "region e-bad" in message and "annotations/exports/test.json" in message and "task 1" in message
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_speaker_id_has_ingest_s_code_and_each_id_is_reported_once(tmp_path):
    documents, annotations, registry = seed_inputs()
    doc_id, ann = next((doc_id, ann) for doc_id, ann in sorted(annotations.items())
                       if any(quote.source is not None for quote in ann.quotes))
    quote = next(quote for quote in ann.quotes if quote.source is not None)
    unknown = dataclasses.replace(quote, source=dataclasses.replace(quote.source, speaker_id="nobody"))
    entities = tuple(dataclasses.replace(mention, entity_id="nobody") for mention in ann.entities[:2])
    changed = dataclasses.replace(ann, entities=entities + ann.entities[2:],
                                  quotes=tuple(unknown if q is quote else q for q in ann.quotes))
    with pytest.raises(CorpusError) as caught:
        build_release(documents, {**annotations, doc_id: changed}, registry, tmp_path, "1.0.0")
    message = caught.value.message
    assert message.count("[entity-id-unknown]") == 1 and message.count("[speaker-id-unknown]") == 1
    assert f"region {quote.source.id}: error [speaker-id-unknown] registry id 'nobody'" in message


@pytest.mark.parametrize("reuse, said", [
    ("timex", "a mention and a time expression"), ("mention", "two mentions"), ("source", "a mention and a source")])
def test_one_region_id_for_two_regions_on_one_span_is_refused(tmp_path, reuse, said):
    """Only a span's id was compared, so a mention and a time expression (or a source, or a second
    mention) on the same span under one id were built: the kb config and the brat export keep one
    region per id, and the time expression was lost in both (its Value on the mention's brat T
    line), and spaCy's export failed with a traceback on the second mention (found by a hunt
    exporting releases of odd inputs). A source or cue that two quotes share is one region."""
    documents, annotations, registry = seed_inputs()
    doc_id = sorted(annotations)[0]
    ann = annotations[doc_id]
    mention, timex, quote = ann.entities[0], ann.timexes[0], ann.quotes[0]
    alike = dataclasses.replace(mention, id=timex.id, span=timex.span, text=timex.text)
    changed = {
        "timex": dataclasses.replace(ann, entities=ann.entities + (alike,)),
        "mention": dataclasses.replace(ann, entities=ann.entities + (dataclasses.replace(mention, label="ORG"),)),
        "source": dataclasses.replace(ann, entities=ann.entities + (dataclasses.replace(
            mention, id=quote.source.id, span=quote.source.span, text=quote.source.text),)),
    }[reuse]
    shared = dataclasses.replace(quote, id="q-again")  # a second quote with the same source and cue: fine
    build_release(documents, {**annotations, doc_id: dataclasses.replace(ann, quotes=(quote, shared))}, registry,
                  tmp_path / "fine", "1.0.0")
    with pytest.raises(CorpusError) as caught:
        build_release(documents, {**annotations, doc_id: changed}, registry, tmp_path / "dist", "1.0.0")
    region = {"timex": timex.id, "mention": mention.id, "source": quote.source.id}[reuse]
    assert caught.value.code == "invalid-annotations" and (  # two mentions on one span also overlap
        f"region {region}: error [region-id-duplicate] region id used for two regions on one span: {said}"
        in caught.value.message)
    assert not (tmp_path / "dist").exists() or list((tmp_path / "dist").iterdir()) == []


def test_a_source_two_quotes_share_with_two_speakers_is_refused(tmp_path):
    """One source region has one speaker; given two by two quotes, the quotes config had both
    and the kb config, brat and spaCy the first one only (found by a hunt)."""
    documents, annotations, registry = seed_inputs()
    doc_id = sorted(annotations)[0]
    ann = annotations[doc_id]
    quote = ann.quotes[0]
    assert (quote.source.id, quote.source.speaker_id) == ("s1", "bashar-al-assad")
    other = dataclasses.replace(quote, id="q-again", source=dataclasses.replace(quote.source, speaker_id="syria"))
    with pytest.raises(CorpusError) as caught:
        build_release(documents, {**annotations, doc_id: dataclasses.replace(ann, quotes=(quote, other))}, registry,
                      tmp_path, "1.0.0")
    assert caught.value.message.endswith(
        "region s1: error [region-value-duplicate] the source is given two speaker_ids, 'bashar-al-assad' and 'syria'")
    assert list(tmp_path.iterdir()) == []


def test_overlapping_entity_mentions_are_refused_as_ingest_refuses_them(tmp_path):
    """build_release on records took two overlapping mentions: the ner config tagged the tokens
    with the later one only ("Bashar Al-Assad" PERSON gone under a wider ORG, in CoNLL too) and
    spaCy's export failed with a traceback (E1010) (found by a hunt exporting releases of odd inputs)."""
    documents, annotations, registry = seed_inputs()
    doc_id = sorted(annotations)[0]
    person = annotations[doc_id].entities[0]
    assert (person.id, person.span, person.text) == ("e1", Span(57, 72), "Bashar Al-Assad")
    text = documents[doc_id].text
    assert text[57:77] == "Bashar Al-Assad said"
    wider = EntityMention("e-wide", doc_id, Span(57, 77), text[57:77], "ORG", None)
    with pytest.raises(CorpusError) as caught:
        build_release(documents, _with_entity(annotations, doc_id, wider), registry, tmp_path, "1.0.0")
    where = f"annotations/exports/test.json, task 1, doc {doc_id}, annotation 11"
    assert caught.value.code == "invalid-annotations" and caught.value.message == (
        f"2 validation error(s), nothing built: {where}, region e-wide: error [entity-overlap] entity [57, 77) "
        f"overlaps entity e1 [57, 72); entity spans do not overlap; {where}, region e1: error "
        f"[entity-overlap] entity [57, 72) overlaps entity e-wide [57, 77); entity spans do not overlap")
    assert list(tmp_path.iterdir()) == []
    # a mention right after another does not overlap it
    after = EntityMention("e-next", doc_id, Span(72, 77), text[72:77], "ORG", None)
    assert build_release(documents, _with_entity(annotations, doc_id, after), registry, tmp_path, "1.0.0").status \
        == "built"


@pytest.mark.parametrize("value, problem", [
    ("2024 04", "[timex-value-invalid] '2024 04' is not a TIMEX3 value (e.g. 2024-04-25, XXXX-05, 2024-W17, P3Y, "
     "PAST_REF)"),
    ("P3Y", "[timex-value-invalid] 'P3Y' is a duration value, which a DATE does not take (date, part_of_year, "
     "reference, week)"),
    *((value, "[timex-value-missing] a DATE needs its TIMEX3 value in timex_value") for value in (None, "", "  ")),
    (5, "[timex-value-invalid] the TIMEX3 value 5 is not a string"),
    (["2024-04"], "[timex-value-invalid] the TIMEX3 value ['2024-04'] is not a string"),
])
def test_a_timex_value_ingest_refuses_is_refused_with_ingest_s_code(tmp_path, value, problem):
    """build_release on records wrote a TIMEX3 value ingest refuses ("2024 04", with a space) into
    the timexes config, and called a None value timex-value-invalid ("the TIMEX3 value is empty"),
    where ingest calls a time expression without one (or with a blank one) timex-value-missing:
    both call timex.value_problem. A record made by hand with a value that is not a string (5, a
    list) was called empty too, which it is not: the reason names the value."""
    documents, annotations, registry = seed_inputs()
    doc_id = sorted(annotations)[0]
    ann = annotations[doc_id]
    timex = dataclasses.replace(ann.timexes[0], value=value)
    assert (timex.id, timex.label) == ("t1", "DATE")
    with pytest.raises(CorpusError) as caught:
        build_release(documents, {**annotations, doc_id: dataclasses.replace(ann, timexes=(timex,))}, registry,
                      tmp_path, "1.0.0")
    assert caught.value.code == "invalid-annotations" and caught.value.message == (
        f"1 validation error(s), nothing built: annotations/exports/test.json, task 1, doc {doc_id}, "
        f"annotation 11, region t1: error {problem}")
    assert list(tmp_path.iterdir()) == []


def test_overlapping_time_expressions_are_refused_as_ingest_refuses_them(tmp_path):
    """build_release on records refused overlapping entity mentions but released overlapping time
    expressions, which ingest refuses (timex-overlap): both apply one rule (errors.flat_overlaps)."""
    documents, annotations, registry = seed_inputs()
    doc_id = sorted(annotations)[0]
    ann = annotations[doc_id]
    sunday = ann.timexes[0]
    assert (sunday.id, sunday.span, sunday.text) == ("t1", Span(107, 113), "Sunday")
    text = documents[doc_id].text
    wider = TimeExpression("t-wide", doc_id, Span(104, 113), text[104:113], "DATE", "XXXX-WXX-7")
    assert wider.text == "on Sunday"
    with pytest.raises(CorpusError) as caught:
        build_release(documents, {**annotations, doc_id: dataclasses.replace(ann, timexes=(sunday, wider))},
                      registry, tmp_path, "1.0.0")
    where = f"annotations/exports/test.json, task 1, doc {doc_id}, annotation 11"
    assert caught.value.code == "invalid-annotations" and caught.value.message == (
        f"2 validation error(s), nothing built: {where}, region t1: error [timex-overlap] timex [107, 113) "
        f"overlaps timex t-wide [104, 113); timex spans do not overlap; {where}, region t-wide: error "
        f"[timex-overlap] timex [104, 113) overlaps timex t1 [107, 113); timex spans do not overlap")
    assert list(tmp_path.iterdir()) == []
    # a time expression right before another does not overlap it
    before = TimeExpression("t-on", doc_id, Span(104, 106), "on", "DATE", "XXXX-WXX-7")
    assert build_release(documents, {**annotations, doc_id: dataclasses.replace(ann, timexes=(sunday, before))},
                         registry, tmp_path, "1.0.0").status == "built"


def test_annotations_of_an_unknown_document_or_text_are_refused(tmp_path):
    documents, annotations, registry = seed_inputs()
    ann = next(iter(annotations.values()))
    stale = {ann.doc_id: dataclasses.replace(ann, text_sha256="0" * 64),
             "999_missing": DocumentAnnotations("999_missing", (), (), ())}
    with pytest.raises(CorpusError) as caught:
        build_release(documents, stale, registry, tmp_path, "1.0.0")
    assert "annotation-text-mismatch" in caught.value.message
    assert "doc-unknown" in caught.value.message
    assert list(tmp_path.iterdir()) == []


def test_a_row_that_does_not_fit_its_schema_fails_naming_config_and_document(tmp_path):
    documents, annotations, registry = seed_inputs()
    doc_id = sorted(documents)[1]
    documents[doc_id] = dataclasses.replace(documents[doc_id], normalizer_version=3)  # not a string
    with pytest.raises(CorpusError) as caught:
        build_release(documents, annotations, registry, tmp_path, "1.0.0")
    assert caught.value.code == "schema-mismatch"
    assert "config 'documents'" in caught.value.message
    assert caught.value.location.doc_id == doc_id
    assert list(tmp_path.iterdir()) == []


def test_no_documents_is_refused(tmp_path):
    with pytest.raises(CorpusError) as caught:
        build_release({}, {}, REGISTRY, tmp_path, "1.0.0")
    assert caught.value.code == "empty-release"


def test_changelog_carries_the_previous_history(tmp_path):
    old = build_release(*seed_inputs(), tmp_path, "1.0.0")
    new = build_release(*spread_inputs(), tmp_path, "1.1.0", previous=old.path)
    text = (new.path / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog\n\n## 1.1.0 (2024-05-02)\n\n- 25 documents, 44 entity mentions")
    assert "\n- Changes since 1.0.0 (a minor version by the version rule): documents: 20 added;" in text
    assert "## 1.0.0 (2024-05-02)\n\n- 5 documents, 4 entity mentions" in text
    assert text.count("# Changelog") == 1


def test_a_document_without_offset_map_fails_clearly(tmp_path):
    documents, annotations, registry = seed_inputs()
    doc_id = sorted(annotations)[0]
    documents[doc_id] = dataclasses.replace(documents[doc_id], offset_map=None)
    with pytest.raises(CorpusError) as caught:
        build_release(documents, annotations, registry, tmp_path, "1.0.0")
    assert (caught.value.code, caught.value.location.doc_id) == ("no-offset-map", doc_id)
    assert list(tmp_path.iterdir()) == []


BUILD_IN_SUBPROCESS = """
import sys
sys.path.insert(0, sys.argv[2])
from corpus_tools.release import ShardSizes, build_release
from release_factories import spread_inputs
build_release(*spread_inputs(extra=3), sys.argv[1], "1.2.3",
              sizes=ShardSizes(rows_per_shard=5, batch_rows=2, document_rows_per_shard=3, document_batch_rows=2))
"""


def test_builds_in_processes_with_different_hash_seeds_are_byte_identical(tmp_path):
    tests = str(Path(__file__).resolve().parent)
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", BUILD_IN_SUBPROCESS, str(tmp_path / seed), tests], env=env, check=True)
    in_process = build_release(*spread_inputs(extra=3), tmp_path / "here", "1.2.3", sizes=SMALL_SHARDS)
    assert _tree(tmp_path / "1" / "1.2.3") == _tree(tmp_path / "2" / "1.2.3") == _tree(in_process.path)
