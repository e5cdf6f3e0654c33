"""corpus-tools export: CoNLL-2003, spaCy DocBin, brat standoff and JSONL of a release, with round
trips where the format allows, and the refusals."""

from __future__ import annotations

import ast
import contextlib
import inspect
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import corpus_tools
import corpus_tools.release.export as export_module
from corpus_tools.cli import cli
from corpus_tools.errors import CorpusError, printable_part
from corpus_tools.records import Cue, DocumentAnnotations, EntityMention, Quote, Source, Span
from corpus_tools.schema import ENTITY_LABELS, QUOTE_TYPES, TIMEX_LABELS
from corpus_tools.release import build_release
from corpus_tools.release.arrow_schemas import arrow_schema, mistyped_columns, require_named, unnamed_label
from corpus_tools.release.brat import read_ann
from corpus_tools.release.export import (_spans_checked, export_release, read_conll, read_config, read_documents,
                                         summary_line)
from conftest import REPO, plant_staging, tree
from release_factories import (document, first_row, resummed, seed_inputs, shard_rows_edited, spread_inputs,
                                synthetic_annotations, synthetic_document)

RAW_FIELDS = ("raw_start", "raw_end", "source_raw_start", "source_raw_end", "cue_raw_start", "cue_raw_end")
JSONL, BRAT, CONLL, SPACY = (["export", "--format", fmt] for fmt in ("jsonl", "brat", "conll2003", "spacy"))
VIEW, PANDAS = ["view"], ["load_pandas"]


def _crafted():
    """A document whose spans break spaCy's tokens ("Syria" in "Syrian-born") and cross a line break."""
    text = "The Syrian-born envoy said:\n\"We will talk\nagain.\"\n"
    doc = document("crafted-1", text, publisher=None, date=None)
    start, quote_start = text.index("Syria"), text.index('"We')
    return doc, DocumentAnnotations(
        "crafted-1", (EntityMention("x1", "crafted-1", Span(start, start + 5), "Syria", "GPE", "syria"),), (),
        (Quote("x2", "crafted-1", Span(quote_start, len(text) - 1), text[quote_start:-1], "direct"),),
        text_sha256=doc.text_sha256)


def _release_of(tmp_path: Path, doc, entities=(), quotes=()) -> Path:
    """A release (1.1.0) of the one document ``doc``, its ``entities`` and ``quotes`` given."""
    annotations = DocumentAnnotations(doc.doc_id, entities, (), quotes, text_sha256=doc.text_sha256)
    return build_release({doc.doc_id: doc}, {doc.doc_id: annotations}, seed_inputs()[2], tmp_path / "dist",
                         "1.1.0").path


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    documents, annotations, registry = spread_inputs(extra=2)
    doc, crafted = _crafted()
    documents[doc.doc_id], annotations[doc.doc_id] = doc, crafted
    return build_release(documents, annotations, registry, tmp_path_factory.mktemp("dist"), "1.1.0").path


@pytest.fixture(scope="module")
def exports(release, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    return {fmt: export_release(release, fmt, out / fmt) for fmt in ("conll2003", "spacy", "brat", "jsonl")}


def _rows(release, config, split=None):
    return list(read_config(release, config, (split,) if split else ("train", "validation", "test")))


def _strip(row):
    # brat standoff carries the units, not how they came to be (agreed_by, annotators, adjudicated)
    return {key: value for key, value in row.items()
            if key not in RAW_FIELDS + ("doc_id", "fold", "agreed_by", "annotators", "adjudicated")}


def test_conll_round_trips_the_ner_config(release, exports):
    result = exports["conll2003"]
    # the release's LICENSE.md goes with the article text every format carries
    assert result.files == ("LICENSE.md", "test.txt", "train.txt", "validation.txt")
    assert (result.path / "LICENSE.md").read_bytes() == (release / "LICENSE.md").read_bytes()
    documents = {row["doc_id"] for row in _rows(release, "documents")}
    assert result.documents == len(documents) == 28
    for split in ("train", "validation", "test"):
        path = result.path / f"{split}.txt"
        assert path.read_text().count("-DOCSTART- -X- -X- O\n") == len({r["doc_id"] for r in _rows(release, "ner", split)})
        assert read_conll(path) == [(row["tokens"], row["ner_tags"]) for row in _rows(release, "ner", split)]
    first = (result.path / "train.txt").read_text().splitlines()
    assert first[:3] == ["-DOCSTART- -X- -X- O", "", "Bashar -X- -X- O"]
    assert "Al-Assad -X- -X- I-PERSON" in first


def test_conll_keeps_a_name_with_a_combining_mark_one_token(tmp_path):
    """A combining mark no letter precomposes (NFC keeps it) was a token of its own, so the
    ner config and its CoNLL file cut "Ban̈ez" into Ban, U+0308, ez, all I-PERSON."""
    text = "Zo\u00eb Ban\u0308ez said so."
    release = _release_of(tmp_path, document("mark-1", text, publisher=None, date=None),
                          (EntityMention("e1", "mark-1", Span(0, 10), text[:10], "PERSON", None),))
    export_release(release, "conll2003", tmp_path / "conll")
    assert (tmp_path / "conll" / "train.txt").read_text(encoding="utf-8").split("\n") == [
        "-DOCSTART- -X- -X- O", "", "Zo\u00eb -X- -X- B-PERSON", "Ban\u0308ez -X- -X- I-PERSON",
        "said -X- -X- O", "so -X- -X- O", ". -X- -X- O", ""]


def test_brat_round_trips_every_layer(release, exports):
    result = exports["brat"]
    assert "annotation.conf" in result.files
    documents = _rows(release, "documents")
    for row in documents:
        folder = result.path / row["split"]
        text = (folder / f"{row['doc_id']}.txt").read_text(encoding="utf-8")
        assert text == row["text"]
        layers = read_ann(text, (folder / f"{row['doc_id']}.ann").read_text(encoding="utf-8"))
        for layer in ("entities", "timexes", "quotes"):
            expected = [_strip(r) for r in _rows(release, layer) if r["doc_id"] == row["doc_id"]]
            assert layers[layer] == expected, (row["doc_id"], layer)
    crafted = (result.path / "train" / "crafted-1.ann").read_text()
    quote = next(line for line in crafted.splitlines() if "\tQUOTE " in line)
    assert quote.split("\t")[1] == "QUOTE 28 41;42 49"  # split at the line break, as brat needs
    conf = (result.path / "annotation.conf").read_text()
    assert "said_by\tArg1:QUOTE, Arg2:SOURCE" in conf and "XXXX-WXX-7" in conf


def test_spacy_docbin_has_every_aligned_span_and_reports_the_others(release, exports):
    import spacy
    from spacy.tokens import DocBin

    result = exports["spacy"]
    assert result.files == ("LICENSE.md", "test/00000.spacy", "train/00000.spacy", "unaligned.jsonl",
                            "validation/00000.spacy")
    nlp = spacy.blank("en")
    docs = {doc.user_data["doc_id"]: doc for split in ("train", "validation", "test")
            for doc in DocBin().from_disk(result.path / split / "00000.spacy").get_docs(nlp.vocab)}
    assert len(docs) == 28
    unaligned = [(item.doc_id, item.id) for item in result.unaligned]
    assert unaligned == [("crafted-1", "x1")]
    listed = json.loads((result.path / "unaligned.jsonl").read_text())
    assert (listed["code"], listed["doc_id"], listed["id"], listed["text"]) == (
        "export-unaligned-span", "crafted-1", "x1", "Syria")
    for row in _rows(release, "entities"):
        ents = {(e.start_char, e.end_char, e.label_) for e in docs[row["doc_id"]].ents}
        present = (row["start"], row["end"], row["label"]) in ents
        assert present == ((row["doc_id"], row["id"]) not in unaligned)
    # the unaligned mention's tokens are missing (no IOB tag), not O; every other token has its tag
    crafted = docs["crafted-1"]
    missing = [token.text for token in crafted if token.ent_iob_ == ""]
    assert missing and "Syria" in "".join(missing) and all(t.ent_iob_ in "BIO" and t.ent_iob_ for t in crafted
                                                          if t.text not in missing)
    seed = docs["000_cbeedfbee8440207"]
    assert [(s.text, s.label_) for s in seed.spans["timexes"]] == [("Sunday", "DATE")]
    assert [value for _, value, _ in seed.user_data["timex_values"]] == ["XXXX-WXX-7"]
    assert [(s.text, s.label_) for s in seed.spans["sources"]] == [("he", "SOURCE")]
    assert seed.user_data["fold"] == 1 and seed.user_data["split"] == "train"
    assert [s.label_ for s in docs["crafted-1"].spans["quotes"]] == ["direct"]
    # every span has its region's id; a source or cue quotes share is one span, the links say whose
    for row in _rows(release, "entities"):
        if (row["doc_id"], row["id"]) not in unaligned:
            assert (row["id"], row["entity_id"] or "") in {(e.id_, e.kb_id_) for e in docs[row["doc_id"]].ents}
    for doc_id, doc in docs.items():
        # the spaCy export dropped every TIMEX3 value and mod
        assert [list(item) for item in doc.user_data["timex_values"]] == [
            [t["id"], t["value"], t["mod"]] for t in _rows(release, "timexes") if t["doc_id"] == doc_id]
        quotes = [r for r in _rows(release, "quotes") if r["doc_id"] == doc_id]
        assert [list(link) for link in doc.user_data["quote_links"]] == [
            [q["id"], q["source_id"], q["cue_id"]] for q in quotes]
        for part in ("source", "cue"):
            regions = {q[f"{part}_id"]: (q[f"{part}_start"], q[f"{part}_end"],
                                         (q["speaker_id"] or "") if part == "source" else "")
                       for q in quotes if q[f"{part}_id"]}
            assert {s.id_: (s.start_char, s.end_char, s.kb_id_) for s in doc.spans[f"{part}s"]} == regions
            assert len(doc.spans[f"{part}s"]) == len(regions)


def test_spacy_exports_a_document_longer_than_spacy_s_default_limit(tmp_path):
    """spaCy refuses a text over nlp.max_length (1,000,000 characters), a guard for the parser's
    and NER's memory, which a blank pipeline does not have: such a document (build_release takes
    it) stopped the export at spaCy's ValueError E088 traceback."""
    import spacy
    from spacy.tokens import DocBin

    text = ("Officials in Washington met on Monday and said nothing more about it.\n" * 15000).rstrip("\n")
    assert len(text) > 1_000_000
    last = text.rindex("Washington")
    release = _release_of(tmp_path, document("long-1", text, publisher=None, date=None), (
        EntityMention("e1", "long-1", Span(13, 23), "Washington", "GPE", "united-states"),
        EntityMention("e2", "long-1", Span(last, last + 10), "Washington", "GPE", "united-states")))
    result = export_release(release, "spacy", tmp_path / "spacy")
    assert (result.documents, result.unaligned) == (1, ())
    [exported] = DocBin().from_disk(tmp_path / "spacy" / "train" / "00000.spacy").get_docs(spacy.blank("en").vocab)
    assert exported.text == text
    assert [(ent.start_char, ent.end_char, ent.id_) for ent in exported.ents] == [(13, 23, "e1"),
                                                                               (last, last + 10, "e2")]


def test_spacy_writes_bounded_docbin_files_that_spacy_corpus_reads_in_order(release, tmp_path, monkeypatch):
    """A DocBin is held whole until written: a split is cut into files of at most
    SPACY_DOCUMENTS_PER_FILE documents, and spaCy's own Corpus reads a split's directory. Each file
    has a pipeline of its own: found at 10,000 tasks, one pipeline made every file, and its
    vocabulary kept every string it met (each span's region id, some 50 a document): 106,028 strings
    after 2,000 documents, and the export's peak RSS grew from 364 MB (2,000 documents) to 459 MB
    (10,000) with files of 250."""
    import spacy
    from spacy.training import Corpus

    made = []  # (the pipeline's vocabulary, the document's entity ids), document by document

    def spacy_doc(nlp, document, unaligned):
        made.append((nlp.vocab, [mention["id"] for mention in document.entities]))
        return real(nlp, document, unaligned)

    real = export_module._spacy_doc
    monkeypatch.setattr(export_module, "SPACY_DOCUMENTS_PER_FILE", 5)
    monkeypatch.setattr(export_module, "_spacy_doc", spacy_doc)
    out = tmp_path / "spacy"
    done = CliRunner().invoke(cli, ["export", "--format", "spacy", str(release), "-o", str(out)])
    counts = {split: len(_rows(release, "documents", split)) for split in ("train", "validation", "test")}
    assert counts == {"train": 7, "validation": 11, "test": 10}
    assert sorted(str(path.relative_to(out)) for path in out.rglob("*") if path.is_file()) == [
        "LICENSE.md", "test/00000.spacy", "test/00001.spacy", "train/00000.spacy", "train/00001.spacy",
        "unaligned.jsonl", "validation/00000.spacy", "validation/00001.spacy", "validation/00002.spacy"]
    nlp = spacy.blank("en")
    for split in counts:
        read = [example.reference.user_data["doc_id"] for example in Corpus(out / split)(nlp)]
        assert read == [row["doc_id"] for row in _rows(release, "documents", split)]
    # the command prints each unaligned span
    assert (done.exit_code, done.output.splitlines()) == (0, [
        "doc crafted-1, region x1: warning [export-unaligned-span] entities [4, 9) 'Syria' (GPE) is not on spaCy token "
        "boundaries", f"exported 28 documents as spacy to {out} (9 files); 1 span(s) not on token boundaries, listed "
        "in unaligned.jsonl"])
    # a vocabulary a file: 7 files (train 7 = 5 + 2, validation 11 = 5 + 5 + 1, test 10 = 5 + 5);
    # ``made`` holds every one, so no id is reused
    vocabularies = [vocab for vocab, _ in made]
    assert len(made) == 28 and len({id(vocab) for vocab in vocabularies}) == 7
    first_ids = next(ids for _, ids in made if ids)
    assert all(region_id in vocabularies[0].strings for region_id in first_ids)
    assert not any(region_id in vocabularies[-1].strings for region_id in first_ids)


def test_every_text_file_an_export_writes_keeps_its_line_breaks_on_every_platform():
    """Text mode turns each \\n into os.linesep on write unless newline="" is given: on Windows a
    brat .txt would gain a \\r per line, shifting every .ann offset after the first line break (and
    CoNLL and JSON Lines files would differ by platform). CPython's text layer cannot be made to
    write Windows line breaks on Linux, so the calls are read: each text-mode open and write_text
    of the exports and the viewer gives newline=""."""
    package = REPO / "corpus_tools"
    unguarded = []
    for module in (package / "release" / "export.py", package / "view" / "site.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", None))
            keywords = {keyword.arg: keyword.value for keyword in node.keywords}
            # the mode positional or as mode=: open(path, mode="w") wrote \r\n unseen
            mode = next((arg.value for arg in [*node.args, keywords.get("mode")] if isinstance(arg, ast.Constant)
                         and isinstance(arg.value, str) and set(arg.value) <= set("rwaxt+b")), "r")
            writes_text = name == "write_text" or (name == "open" and "b" not in mode and set(mode) & set("wax+"))
            newline = keywords.get("newline")  # "" itself: newline=None is the platform's line breaks again
            if writes_text and not (isinstance(newline, ast.Constant) and newline.value == ""):
                unguarded.append(f"{module.name}:{node.lineno}")
    assert unguarded == []


def test_jsonl_nests_every_layer_in_its_document(release, exports):
    result = exports["jsonl"]
    lines = [json.loads(line) for split in ("train", "validation", "test")
             for line in (result.path / f"{split}.jsonl").read_text().splitlines()]
    assert [line["doc_id"] for line in lines] == [row["doc_id"] for row in _rows(release, "documents")]
    seed = lines[0]
    assert seed["doc_id"] == "000_cbeedfbee8440207" and seed["fold"] == 1
    assert [(e["text"], e["label"]) for e in seed["entities"]] == [
        ("Bashar Al-Assad", "PERSON"), ("Syria", "GPE"), ("Washington", "GPE"), ("AFP", "ORG")]
    (quote,) = seed["quotes"]
    assert (quote["quote_type"], quote["source"]["text"], quote["source"]["speaker_id"], quote["cue"]["text"]) == (
        "direct", "he", "bashar-al-assad", "said")
    assert seed["sentences"][0]["tokens"] == ["Bashar", "Al-Assad"]
    registry = [json.loads(line) for line in (result.path / "entity_registry.jsonl").read_text().splitlines()]
    assert registry[0]["id"] == "afp" and registry[0]["type"] == "ORG"
    # the command's last line, for a script that calls export_release too
    assert summary_line(result) == f"exported 28 documents as jsonl to {result.path} (6 files)"
    assert result.files == ("LICENSE.md", "README.md", "entity_registry.jsonl", "test.jsonl", "train.jsonl",
                            "validation.jsonl")


def test_jsonl_writes_characters_beyond_ascii_as_themselves(exports):
    """The lines are UTF-8, as the release's text is: a character beyond ASCII is written as itself,
    not as a \\u escape."""
    text = "".join((exports["jsonl"].path / name).read_text(encoding="utf-8")
                   for name in ("train.jsonl", "entity_registry.jsonl"))
    assert "\\u" not in text and any(ord(character) > 127 for character in text)


def _load_jsonl(path: Path, tmp_path: Path, *args, **kwargs):
    import datasets

    return datasets.load_dataset(str(path), *args, cache_dir=str(tmp_path / "hf"), **kwargs)


def test_jsonl_loads_with_datasets_every_split_typed_as_the_release(release, exports, tmp_path):
    """datasets' JSON loader typed each file by its own values: a column null throughout a split
    (no validation or test document states its publisher: evidence line and quote null) was of
    the null type there, and loading test.jsonl before train.jsonl failed to cast train's ints to
    it. The export's README.md declares the release's features, which every split loads with."""
    import datasets
    from corpus_tools.release.arrow_schemas import features

    path = exports["jsonl"].path
    loaded = _load_jsonl(path, tmp_path)
    assert {name: split.num_rows for name, split in loaded.items()} == {"train": 7, "validation": 11, "test": 10}
    documents, entities, quotes, ner = (features(config) for config in ("documents", "entities", "quotes", "ner"))
    region = {"id": datasets.Value("string"), "start": datasets.Value("int32"), "end": datasets.Value("int32"),
              "raw_start": datasets.Value("int32"), "raw_end": datasets.Value("int32"),
              "text": datasets.Value("string")}
    for name, split in loaded.items():
        found = split.features
        assert found["publisher_evidence"] == documents["publisher_evidence"], name
        assert found["publisher_evidence"]["line"] == datasets.Value("int32"), name
        assert found["fold"] == datasets.Value("int32")
        assert found["entities"].feature == {key: value for key, value in entities.items() if key not in ("doc_id", "fold")}
        assert found["sentences"].feature == {key: value for key, value in ner.items() if key not in ("doc_id", "fold")}
        quote = found["quotes"].feature
        assert quote["quote_type"] == quotes["quote_type"] and quote["agreed_by"] == quotes["agreed_by"]
        assert quote["source"] == {**region, "speaker_id": datasets.Value("string")} and quote["cue"] == region
    assert loaded["test"][0]["publisher_evidence"] == {"kind": "none", "line": None, "quote": None, "reasoning": None}
    seed = loaded["train"][0]
    assert seed["doc_id"] == "000_cbeedfbee8440207"
    assert seed["publisher_evidence"]["line"] == 1 and seed["publisher_evidence"]["kind"] == "stated"
    assert seed["entities"][0]["label"] == 0 and seed["quotes"][0]["cue"]["text"] == "said"
    assert loaded["train"].features["entities"].feature["label"].int2str(seed["entities"][3]["label"]) == "ORG"
    lines = [json.loads(line) for line in (path / "train.jsonl").read_text().splitlines()]
    tags = loaded["train"].features["sentences"].feature["ner_tags"].feature
    assert [[tags.int2str(sentence["ner_tags"]) for sentence in row["sentences"]] for row in loaded["train"]] == [
        [sentence["ner_tags"] for sentence in line["sentences"]] for line in lines]
    assert "I-PERSON" in {tag for line in lines for sentence in line["sentences"] for tag in sentence["ner_tags"]}
    crafted = loaded["train"][[row["doc_id"] for row in loaded["train"]].index("crafted-1")]
    assert crafted["quotes"][0]["source"] is None and crafted["quotes"][0]["cue"] is None
    # a split alone, test's file first
    test = _load_jsonl(path, tmp_path, split="test")
    assert test.features == loaded["test"].features and test[0] == loaded["test"][0]
    registry = _load_jsonl(path, tmp_path, "entity_registry", split="train")
    assert registry.features == features("entity_registry")
    assert registry.num_rows == 4 and registry[0] == {"id": "afp", "name": "Agence France-Presse", "type": 2,
                                                      "aliases": ["AFP"], "wikidata": None, "description": "News agency"}


def test_jsonl_types_a_layer_empty_throughout_and_declares_no_config_without_rows(tmp_path):
    """Documents annotated with nothing found and an empty registry: every entities list is
    empty (datasets typed it a list of nulls), and datasets refuses a config without rows, so the
    registry's is not declared."""
    import datasets
    import yaml
    from corpus_tools.release.arrow_schemas import features

    documents = seed_inputs()[0]
    nothing = {doc_id: DocumentAnnotations(doc_id, (), (), ()) for doc_id in documents}
    build_release(documents, nothing, (), tmp_path / "dist", "1.0.0")
    result = export_release("1.0.0", "jsonl", tmp_path / "jsonl", root=tmp_path)  # a version is looked up in dist/
    assert result.documents == 5
    assert result.files == ("LICENSE.md", "README.md", "entity_registry.jsonl", "train.jsonl")
    assert (result.path / "entity_registry.jsonl").read_bytes() == b""
    train = _load_jsonl(result.path, tmp_path, split="train")
    assert train.num_rows == 5 and {len(row["entities"]) + len(row["quotes"]) for row in train} == {0}
    entities = features("entities")
    assert train.features["entities"].feature == {key: value for key, value in entities.items()
                                                  if key not in ("doc_id", "fold")}
    assert train.features["quotes"].feature["cue"]["start"] == datasets.Value("int32")
    with pytest.raises(ValueError, match="entity_registry"):
        _load_jsonl(result.path, tmp_path, "entity_registry")
    header = yaml.safe_load((result.path / "README.md").read_text(encoding="utf-8").split("---\n")[1])
    assert header["configs"] == [{"config_name": "documents", "default": True,
                                  "data_files": [{"split": "train", "path": "train.jsonl"}]}]


def test_jsonl_of_the_committed_release_types_its_columns_null_throughout(tmp_path):
    """No document of 1.2.0 gives a line or a quote as its publisher's evidence: without the
    declared features datasets typed both as null."""
    import datasets

    result = export_release(REPO / "dist" / "1.2.0", "jsonl", tmp_path / "out")
    train = _load_jsonl(result.path, tmp_path, split="train")
    assert train.num_rows == 7
    assert {row["publisher_evidence"]["line"] for row in train} == {None}
    evidence = train.features["publisher_evidence"]
    assert (evidence["line"], evidence["quote"]) == (datasets.Value("int32"), datasets.Value("string"))
    assert train.features["quotes"].feature["quote_type"].names == ["direct", "indirect", "mixed"]
    assert result.files == ("LICENSE.md", "README.md", "entity_registry.jsonl", "train.jsonl")


def _exported_before(release: Path, tmp_path: Path) -> None:
    done = CliRunner().invoke(cli, ["export", "--format", "conll2003", str(release), "-o", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    assert done.output.strip().endswith(f"exported 28 documents as conll2003 to {tmp_path / 'out'} (4 files)")
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "LICENSE.md", "test.txt", "train.txt", "validation.txt"]


@pytest.mark.parametrize("given, made, said", [
    pytest.param("out", _exported_before, "exists and is not empty", id="not-empty"),
    pytest.param("a-file", lambda release, tmp_path: (tmp_path / "a-file").write_text("x"),
                 "exists and is not a directory", id="a-file"),
    # a link, to nothing or to an empty directory: the error named the export's hidden temporary
    # directory (found by a hunt)
    pytest.param("dangling", lambda release, tmp_path: (tmp_path / "dangling").symlink_to(tmp_path / "nowhere"),
                 "is a symbolic link", id="dangling-link"),
    pytest.param("to-empty", lambda release, tmp_path: ((tmp_path / "empty").mkdir(),
                                                        (tmp_path / "to-empty").symlink_to(tmp_path / "empty")),
                 "is a symbolic link", id="link-to-empty"),
    # -o . said "[file-error] Invalid argument" (it cannot be removed to rename the export into
    # place); -o ../here, the same directory by another name, was removed and made again, leaving
    # the shell in a removed directory
    pytest.param(".", None, "is the current directory", id="current-directory"),
    pytest.param("../here", None, "is the current directory", id="current-directory-by-another-name"),
])
def test_an_output_that_is_not_a_new_directory_is_refused_in_one_line(release, tmp_path, monkeypatch, given, made,
                                                                      said):
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    if made is not None:
        made(release, tmp_path)
    given = given if given.startswith(".") else str(tmp_path / given)
    before = tree(tmp_path)
    result = CliRunner().invoke(cli, ["export", "--format", "jsonl", str(release), "-o", given])
    assert result.exit_code == 1 and result.output == (
        f"Error: {given}: [export-target-exists] {given} {said}; give a new directory\n")
    # nothing written, no partial left, and the shell still in its directory
    assert tree(tmp_path) == before and os.path.samefile(".", tmp_path / "here")


def test_an_export_that_finishes_second_to_one_directory_is_refused_cleanly(release, tmp_path, monkeypatch):
    """Two exports to one new directory: the one that finishes second says the directory is taken
    (not a bare "Directory not empty") and leaves the first one's files and no partial."""
    out = tmp_path / "out"
    write = export_module._WRITERS["jsonl"]

    def first_finishes_meanwhile(path, partial, on_progress):
        done = write(path, partial, on_progress)
        out.mkdir()
        (out / "theirs.jsonl").write_text("{}\n")
        return done

    monkeypatch.setitem(export_module._WRITERS, "jsonl", first_finishes_meanwhile)
    with pytest.raises(CorpusError) as refused:
        export_release(release, "jsonl", out)
    assert refused.value.code == "export-target-exists" and str(out) in str(refused.value)
    assert [p.name for p in out.iterdir()] == ["theirs.jsonl"] and [p.name for p in tmp_path.iterdir()] == ["out"]


def test_an_export_removes_what_a_killed_export_left_and_keeps_a_running_one(release, tmp_path):
    _, running = plant_staging(tmp_path, ".out.partial-")
    export_release(release, "conll2003", tmp_path / "out")
    assert sorted(path.name for path in tmp_path.iterdir()) == [running.name, "out"]


@pytest.mark.parametrize("fmt, code, said", [("spacy", "export-needs-spacy", "corpus-tools[spacy]"),
                                             ("jsonl", "release-tampered", "README.md")])
def test_spacy_without_the_extra_or_a_tampered_release_is_not_exported(release, tmp_path, monkeypatch, fmt, code, said):
    """Without the extra, the refusal says how to install it."""
    if code == "export-needs-spacy":
        monkeypatch.setitem(sys.modules, "spacy", None)
    else:
        release = shutil.copytree(release, tmp_path / "1.1.0")
        (release / "README.md").write_text("changed")
    with pytest.raises(CorpusError) as caught:
        export_release(release, fmt, tmp_path / "out")
    assert caught.value.code == code and said in caught.value.message and not (tmp_path / "out").exists()


def test_help_has_an_example():
    done = CliRunner().invoke(cli, ["export", "--help"])
    assert done.exit_code == 0 and "Example:" in done.output and "--format" in done.output


def test_documents_are_read_a_document_at_a_time_with_every_row_of_their_layers(release):
    """read_documents streams (the formats write a document at a time) and gives each document
    exactly the rows that name it, as grouping every row by doc_id would."""
    stream = read_documents(release)
    assert inspect.isgenerator(stream)
    grouped = {config: defaultdict(list) for config in ("entities", "timexes", "quotes", "ner")}
    for config, by_doc in grouped.items():
        for row in _rows(release, config):
            by_doc[row["doc_id"]].append(row)
    documents = list(stream)
    assert [document.doc_id for document in documents] == [row["doc_id"] for row in _rows(release, "documents")]
    assert len(documents) == 28 and sum(len(document.entities) for document in documents) > 0
    for document in documents:
        assert document.entities == grouped["entities"][document.doc_id]
        assert document.timexes == grouped["timexes"][document.doc_id]
        assert document.quotes == grouped["quotes"][document.doc_id]
        assert document.sentences == grouped["ner"][document.doc_id]


def _resummed(release, tmp_path, change, config: str = "entities") -> Path:
    """A copy of ``release`` with its ``config``'s train shard changed by ``change(table, shard)``
    and SHA256SUMS written again: it verifies, so only the readers can catch it."""
    def edit(copy: Path) -> None:
        [shard] = (copy / "data" / config).glob("train-*.parquet")
        change(pq.read_table(shard), shard)
    return resummed(release, tmp_path / "release", edit)


def _refused(argv: list[str], copy: Path, config: str, tmp_path: Path, message: str) -> None:
    """``argv`` (a command, or ``["load_pandas"]``) on the release ``copy`` fails with ``message``,
    one line, exit 1, and writes nothing (nor the directories above its output)."""
    if argv == ["load_pandas"]:
        with pytest.raises(CorpusError) as caught:
            corpus_tools.load_pandas(copy, config)
        assert str(caught.value) == message
        return
    # the output under a directory the run makes: a refused run removes it again. Run outside the
    # checkout, so that view's page cache stays out of the checkout's build/
    with contextlib.chdir(tmp_path):
        result = CliRunner().invoke(cli, [*argv, str(copy), "-o", str(tmp_path / "new" / "o")])
    assert result.exit_code == 1 and not (tmp_path / "new").exists(), result.output
    assert result.output == f"Error: {message}\n"


def _labels_renamed(table, shard, names=lambda names: [f"old-{name}" for name in names], shift: int = 0):
    """A ``_resummed`` change: the label names of the file's features as ``names`` gives them (each
    with an "old-" prefix), its label ids moved by ``shift`` (as a release with labels put first writes them)."""
    metadata = json.loads(table.schema.metadata[b"huggingface"])
    metadata["info"]["features"]["label"]["names"] = names(metadata["info"]["features"]["label"]["names"])
    table = table.set_column(table.schema.get_field_index("label"), "label",
                             pa.array([i + shift for i in table["label"].to_pylist()], table["label"].type))
    pq.write_table(table.replace_schema_metadata({b"huggingface": json.dumps(metadata).encode()}), shard)


def _rows_changed(edit):
    """A ``_resummed`` change: the shard's rows edited by ``edit(rows)`` (``shard_rows_edited``)."""
    return lambda table, shard: shard_rows_edited(shard, edit)


def _first_row(edit):
    return _rows_changed(first_row(edit))


def _null(column: str, item: int | None = None):
    """A ``_resummed`` change: the last row's ``column`` (its list's ``item``) made null."""
    return _rows_changed(lambda rows: rows[-1].update({column: None}) if item is None else
                         rows[-1][column].__setitem__(item, None))


def _retyped(column: str, type_):
    """A ``_resummed`` change: ``column`` cast to ``type_``."""
    def change(table, shard):
        index = table.schema.get_field_index(column)
        pq.write_table(table.set_column(index, pa.field(column, type_), table.column(column).cast(type_)), shard)
    return change


def _tokens_widened_with_a_null(table, shard):
    """The ner tokens as another writer may give them (a large_list) with a null token in the last row."""
    rows = table.to_pylist()
    rows[-1]["tokens"][1] = None
    wide = pa.schema([field.with_type(pa.large_list(pa.string())) if field.name == "tokens" else field
                      for field in table.schema], metadata=table.schema.metadata)
    pq.write_table(pa.Table.from_pylist(rows, schema=wide), shard)


def _e1_over_e2(table, shard):
    """Mention e1 of the seed document widened to the end of e2, its text the document's."""
    [documents] = (shard.parents[1] / "documents").glob("train-*.parquet")
    text = pq.read_table(documents)["text"][0].as_py()

    def widened(rows: list[dict]) -> None:
        first, syria = (next(row for row in rows if (row["doc_id"], row["id"]) == ("000_cbeedfbee8440207", region))
                        for region in ("e1", "e2"))
        first.update(end=syria["end"], raw_end=syria["raw_end"], text=text[first["start"]:syria["end"]])
    shard_rows_edited(shard, widened)


def _null_said(column: str, item: int | None = None) -> str:
    return f"[release-invalid] row {{n}}: {column} {'is null' if item is None else 'has a null item'}, where every " \
           "release has a value"


SEED_0 = "doc 000_cbeedfbee8440207, region 000_cbeedfbee8440207-0"
NO_DATA = "[release-invalid] config {config!r} of release 1.1.0 has no data file: "
# Each message is formatted with {copy}, {dir} (its config's data directory), {shard} (its train file), {n}, {doc}
# and {region} (the index, doc_id and id of its last row), {first} (its first row, as a dict) and {config}.
RESUMMED = [
    # verify passes such a release: brat's export raised IndexError and KeyError tracebacks, and
    # jsonl wrote offsets beyond the text with exit 0
    *(pytest.param(argv, "entities", _first_row(lambda row: row.update(end=1_000_000)), "{dir}, doc {first[doc_id]}, "
                   "region {first[id]}: [span-text-mismatch] text {first[text]!r} is not the document's text at "
                   "[{first[start]}, 1000000)", id=f"span-off-text-{argv[-1]}")
      for argv in (BRAT, JSONL, SPACY, VIEW)),
    *(pytest.param(argv, "entities",
                   lambda table, shard: shutil.copy(next(shard.parents[1].glob("timexes/train-*.parquet")), shard),
                   "{shard}: [release-invalid] no column 'entity_id': not a file of the entities config",
                   id=f"timexes-file-as-entities-{argv[-1]}") for argv in (BRAT, JSONL, SPACY, VIEW)),
    # conll2003 wrote the tokens as the ner rows said, and zip dropped the tokens a shortened ner_tags
    # lacked, exit 0: a token is a span of the text, checked as every other span
    pytest.param(CONLL, "ner", _first_row(lambda row: row["tokens"].__setitem__(0, "Bogus")),
                 f"{{dir}}, {SEED_0}: [span-text-mismatch] token 0 'Bogus' is not the document's text at [0, 6)",
                 id="ner-token-off-text"),
    pytest.param(CONLL, "ner", _first_row(lambda row: row["ner_tags"].pop()),
                 f"{{dir}}, {SEED_0}: [release-invalid] the sentence's lists differ in length: 2 tokens, 2 "
                 "token_starts, 2 token_ends and 1 ner_tags", id="ner-tags-short"),
    # read_documents gives each document the rows that name it as it streams: rows out of the
    # documents' order would be misplaced
    pytest.param(JSONL, "entities", _rows_changed(lambda rows: rows[::-1]), "{dir}, doc bulk-00001: [release-invalid] "
                 "config 'entities' has rows of document 'bulk-00001' out of the documents config's order (or of no "
                 "document of it)", id="entities-out-of-order"),
    # conll2003 read the ner config alone: a document split under two -DOCSTART- lines, a document
    # the release does not have exported, exit 0
    *(pytest.param(CONLL, "ner", _rows_changed(edit), f"{{dir}}, doc {doc_id}: [release-invalid] config 'ner' has "
                   f"rows of document {doc_id!r} out of the documents config's order (or of no document of it)",
                   id=name)
      for name, edit, doc_id in (("ner-out-of-order", lambda rows: rows[-3:] + rows[:-3], "000_cbeedfbee8440207"),
                                 ("ner-of-no-document", lambda rows: rows + [dict(rows[0], doc_id="zz")], "zz"))),
    # it exported "0 documents" with exit 0 and left a directory: refused as diff and view refuse it
    # (checksums.require_release)
    pytest.param(JSONL, "documents", lambda table, shard: shutil.rmtree(shard.parents[1]),
                 "{copy}: [release-missing] not a release directory: no data", id="no-data"),
    # which documents were annotated is told by their kb rows: without any, all would be left out
    pytest.param(JSONL, "kb", lambda table, shard: shutil.rmtree(shard.parent),
                 "{dir}: " + NO_DATA + "which documents were annotated cannot be told", id="no-kb"),
    # a release writes every config (an empty train file at least): jsonl exported every document
    # without entities, brat without quotes, conll2003 "0 documents", all with exit 0
    *(pytest.param(argv, config, lambda table, shard: [file.unlink() for file in shard.parent.glob("*.parquet")],
                   "{dir}: " + NO_DATA + "its rows would be read as none",
                   id=f"no-{config}-{argv[-1]}")
      for argv, config in ((JSONL, "entities"), (BRAT, "quotes"), (CONLL, "ner"), (JSONL, "entity_registry"),
                           (BRAT, "documents"))),
    # its label ids went out as numbers, exit 0: brat's T lines had type 0, CoNLL's tags 1 and 2
    *(pytest.param(argv, config, lambda table, shard: pq.write_table(table.replace_schema_metadata(None), shard),
                   "{shard}: [release-invalid] its huggingface features name no "
                   f"labels for {column!r}: the ids cannot be named", id=f"no-features-{config}-{argv[-1]}")
      for argv, config, column in ((BRAT, "entities", "label"), (CONLL, "ner", "ner_tags"),
                                   (JSONL, "quotes", "quote_type"), (VIEW, "timexes", "label"),
                                   (PANDAS, "entity_registry", "type"))),
    # view raised sqlite3's IntegrityError; export wrote the document once, exit 0
    *(pytest.param(argv, "documents", _rows_changed(lambda rows: rows + [rows[0]]), "{dir}, doc {first[doc_id]}: "
                   "[release-invalid] document {first[doc_id]!r} has two rows in the documents config",
                   id=f"document-twice-{argv[-1]}") for argv in (CONLL, JSONL, VIEW)),
    # every null was a TypeError or AttributeError traceback of some 40 lines (or, for load_pandas, a
    # frame with a hole no release has); no release writes one, so its file and SHA256SUMS were changed
    # together
    *(pytest.param(argv, config, _null(column, item), f"{where}: {_null_said(column, item)}",
                   id=f"null-{config}-{column}-{argv[-1]}")
      for config, column, item, argv, where in (
          ("documents", "text", None, JSONL, "{shard}, {doc}"),
          ("documents", "doc_id", None, VIEW, "{shard}"),  # the viewer sorts the doc_ids first
          ("documents", "split", None, CONLL, "{shard}, {doc}"),
          ("documents", "normalizer_version", None, VIEW, "{shard}, {doc}"),
          ("entities", "start", None, SPACY, "{shard}, {doc}, {region}"),
          ("entities", "id", None, BRAT, "{shard}, {doc}"),
          ("timexes", "value", None, VIEW, "{shard}, {doc}, {region}"),
          ("quotes", "quote_type", None, VIEW, "{shard}, {doc}, {region}"),
          ("ner", "token_starts", 1, CONLL, "{shard}, {doc}, {region}"),
          ("ner", "tokens", None, PANDAS, "{shard}, {doc}, {region}"),
          # the kb config's document_id, read alone (which documents were annotated), went through none
          # of the rows' checks: "config 'kb' has rows of document None out of the documents config's
          # order", naming the config's directory, not the file and row
          ("kb", "document_id", None, JSONL, "{shard}"),
          ("kb", "document_id", None, VIEW, "{shard}"))),
    # mistyped_columns reads a large_list column as its list (another writer's ner tokens): a null
    # token in one was let through (null_value looked in list columns only), and conll2003 stopped
    # at a TypeError traceback
    pytest.param(CONLL, "ner", _tokens_widened_with_a_null,
                 "{shard}, {doc}, {region}: " + _null_said("tokens", 1),
                 id="null-token-of-a-large-list"),
    # conll2003 stopped at a KeyError traceback; brat wrote the document under dev/, view showed split
    # dev, load_pandas said dev where datasets loads it in train: the row is in a train file
    *(pytest.param(argv, "documents", _rows_changed(lambda rows: rows[-1].update(split="dev")),
                   "{shard}, {doc}: [release-invalid] row {n}: split is 'dev' in a file of split 'train'",
                   id=f"split-not-its-file-s-{argv[-1]}") for argv in (CONLL, BRAT, VIEW, PANDAS)),
    # a start of strings, a value of bytes: a TypeError traceback (comparing a str with an int, JSON
    # of bytes)
    *(pytest.param(argv, config, _retyped(column, getattr(pa, type_)()), f"{{shard}}: [release-invalid] column "
                   f"{column!r} is {type_}, where the {config} config has {declared}: not a file of the {config} "
                   "config",
                   id=f"{column}-of-{type_}-{argv[-1]}")
      for config, column, type_, declared, argv in (
          ("entities", "start", "string", "int32", JSONL), ("entities", "start", "string", "int32", VIEW),
          ("timexes", "value", "binary", "string", JSONL), ("documents", "text", "binary", "string", BRAT))),
    # an attribute's value ends at a space (``A1<TAB>Value T1 XXXX-WXX-1``): one with a space was
    # written as it was, and the export stopped at a ValueError traceback reading its own line back
    # for annotation.conf (brat would have read the value cut short); build_release takes such a
    # value (its validation is ingest's)
    *(pytest.param(BRAT, "timexes", _first_row(lambda row, value=value: row.update(value=value)),
                   f"doc {{first[doc_id]}}, region {{first[id]}}: [export-invalid] Value {value!r} is empty or "
                   "holds whitespace, which a space-separated field of a brat .ann line cannot hold",
                   id=f"timex-value-{name}")
      for name, value in (("with-a-space", "XXXX-WXX-1 x"), ("empty", ""), ("with-an-em-space", "XXXX-WXX-1\u2003"))),
    # an IndexError traceback in export, view and diff; -1 was read as the last label: one checker, one
    # message, the row named, whichever reader meets the id
    *(pytest.param(argv, "entities", _first_row(lambda row, label=label: row.update(label=label)),
                   "{shard}, doc {first[doc_id]}, region {first[id]}: [release-invalid] "
                   f"label: label id {label} names no label (the file's features have {len(ENTITY_LABELS)})",
                   id=f"label-{label}-{argv[-1]}") for argv in (JSONL, VIEW, PANDAS) for label in (99, -1)),
    # a ner token spanning a space (or none of the text) matches the document's text there, so only
    # conll2003's own check keeps it out of its space-separated columns
    *(pytest.param(CONLL, "ner", _first_row(lambda row, token=token, end=end: row.update(
        tokens=[token, *row["tokens"][2:]], token_starts=[0, *row["token_starts"][2:]],
        token_ends=[end(row), *row["token_ends"][2:]], ner_tags=[1, *row["ner_tags"][2:]])),
                   f"doc 000_cbeedfbee8440207: [export-invalid] sentence 000_cbeedfbee8440207-0: token {token!r} is "
                   "empty or has whitespace, which CoNLL columns cannot hold", id=f"ner-token-{name}")
      for name, token, end in (("with-a-space", "Bashar Al-Assad", lambda row: row["token_ends"][1]),
                               ("empty", "", lambda row: 0))),
    # overlapping entity mentions (a release built by other code) failed the spaCy export with
    # spaCy's ValueError E1010 traceback (found by a hunt)
    pytest.param(SPACY, "entities", _e1_over_e2, "doc 000_cbeedfbee8440207, region e2: [export-invalid] entity "
                 "mentions 'e1' and 'e2' overlap, which spaCy's doc.ents cannot hold", id="overlapping-mentions"),
]


@pytest.mark.parametrize("argv, config, change, message", RESUMMED)
def test_a_re_summed_release_is_refused_in_one_line_writing_nothing(release, tmp_path, argv, config, change, message):
    if argv == SPACY:
        pytest.importorskip("spacy")
    copy = _resummed(release, tmp_path, change, config)
    [shard] = (release / "data" / config).glob("train-*.parquet")
    rows = _rows(release, config, "train")
    assert len(rows) > 1  # the last row is not the first
    _refused(argv, copy, config, tmp_path, message.format(
        copy=copy, dir=copy / "data" / config, shard=copy / shard.relative_to(release), n=len(rows) - 1,
        doc=f"doc {rows[-1].get('doc_id')}", region=f"region {rows[-1].get('id')}", first=rows[0], config=config))
    assert os.listdir(tmp_path) == ["release"]  # no output, no partial, no directory above the output


@pytest.mark.parametrize("label", [99, -1])
def test_diff_refuses_a_label_id_that_names_no_label_naming_the_config(release, tmp_path, label):
    """diff reads a config's files as one table (export and view a file at a time: RESUMMED)."""
    copy = _resummed(release, tmp_path, _first_row(lambda row: row.update(label=label)))
    first = _rows(release, "entities", "train")[0]
    result = CliRunner().invoke(cli, ["diff", str(release), str(copy)])
    assert result.exit_code == 1 and result.output == (
        f"Error: {copy / 'data' / 'entities'}, doc {first['doc_id']}, region {first['id']}: [release-invalid] label: "
        f"label id {label} names no label (the file's features have {len(ENTITY_LABELS)})\n")


@pytest.mark.parametrize("starts, ends", [([0], [-1]), ([1], [0]), ([0], [2])])
def test_a_ner_token_at_offsets_no_span_has_is_refused_as_token_by_token(starts, ends):
    """The sentence-at-once check sliced text[0:-1] for an end of -1, which is "ab" of "abc": a
    token the token-by-token check refuses (its end before its start) passed."""
    row = {"doc_id": "d", "id": "d-0", "tokens": ["ab"], "token_starts": starts, "token_ends": ends, "ner_tags": [0]}
    if (starts, ends) == ([0], [2]):
        assert _spans_checked([row], "ner", "abc", Path("r")) == [row]
        return
    with pytest.raises(CorpusError) as refused:
        _spans_checked([row], "ner", "abc", Path("r"))
    assert refused.value.code == "span-text-mismatch"


def test_load_pandas_names_labels_from_each_file_s_own_features(release, tmp_path):
    """It named them with the installed code's label set: a release made under another one read
    PERSON as NORP (or failed, with fewer labels)."""
    original = corpus_tools.load_pandas(release, "entities", split="train")
    copy = _resummed(release, tmp_path, lambda table, shard: _labels_renamed(
        table, shard, lambda names: ["MONEY", *names], shift=1))
    frame = corpus_tools.load_pandas(copy, "entities", split="train")
    assert frame["label"].astype(str).tolist() == original["label"].astype(str).tolist()
    assert list(frame["label"].cat.categories)[:2] == ["MONEY", "PERSON"]


def test_load_pandas_takes_the_splits_in_their_order_and_a_split_name_as_a_name(release):
    frame = corpus_tools.load_pandas(release, "documents")
    order = {"train": 0, "validation": 1, "test": 2}
    assert frame["split"].map(order).is_monotonic_increasing and set(frame["split"]) == {"train", "validation", "test"}
    with pytest.raises(CorpusError) as caught:
        corpus_tools.load_pandas(release, "documents", split="*")  # was a glob: every split
    assert caught.value.code == "unknown-split"


@pytest.mark.parametrize("doc_ids, argv", [
    # on a case-insensitive filesystem (macOS, Windows) they are one file: brat's .txt and .ann and the
    # viewer's page of one were silently overwritten by the other's, exit 0 (the manifest refuses such
    # doc_ids; a release made by other code, or from a manifest merged by hand, has them)
    *(pytest.param(("shout-1", "SHOUT-1"), argv, id=f"case-{argv[-1]}") for argv in (BRAT, JSONL, VIEW)),
    # brat wrote <split>/<doc_id>.txt and .ann as the release said: "../../escaped" wrote escaped.txt
    # and .ann beside the output directory (left there, the export exit 0 and not counting them), an
    # absolute doc_id anywhere
    *(pytest.param((doc_id,), BRAT, id=f"unsafe-{doc_id}") for doc_id in ("../../escaped", "/tmp/escaped", "nul")),
])
def test_doc_ids_no_file_name_can_stand_for_are_refused_writing_nothing(tmp_path, doc_ids, argv):
    documents, annotations, registry = seed_inputs()
    doc_ids = tuple(doc_id.replace("/tmp", str(tmp_path)) for doc_id in doc_ids)
    for doc_id in doc_ids:
        documents[doc_id] = synthetic_document(doc_id)
        annotations[doc_id] = synthetic_annotations(documents[doc_id])
    release = build_release(documents, annotations, registry, tmp_path / "dist", "1.1.0").path
    first, *second = sorted(doc_ids, key=[row["doc_id"] for row in _rows(release, "documents")].index)
    said = (f"doc {second[0]}: [release-invalid] doc_id {second[0]!r} differs from {first!r} only in case: on a "
            "case-insensitive filesystem (macOS, Windows) the files written per doc_id (brat's .txt and .ann, the "
            "viewer's pages) would be one file") if second else (
        f"doc {first}: [unsafe-doc-id] doc_id {first!r} is not a safe file name (letters, digits, '_', '.', '-'; not "
        "starting with '.'; not a name Windows keeps for a device, CON, PRN, AUX, NUL, COM0-9 or LPT0-9, in any case "
        "and with any extension)")
    _refused(argv, release, "documents", tmp_path, f"{release / 'data' / 'documents'}, {said}")
    assert sorted(os.listdir(tmp_path)) == ["dist"] and not list(tmp_path.rglob("escaped*"))


def test_a_column_of_a_wider_type_of_the_same_kind_is_read():
    """int64 for int32, large_string for string: what another writer may give, read as the same values."""
    schema = arrow_schema("ner")
    wider = pa.schema([pa.field("sentence", pa.int64()), pa.field("tokens", pa.large_list(pa.large_string())),
                       *(field for field in schema if field.name not in ("sentence", "tokens"))])
    assert mistyped_columns("ner", wider) == []
    assert mistyped_columns("ner", schema) == []
    assert mistyped_columns("ner", pa.schema([pa.field("tokens", pa.list_(pa.int32()))])) == [
        ("tokens", "list<item: int32>", "list<item: string>")]


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0"])
@pytest.mark.parametrize("fmt", ["conll2003", "spacy", "brat", "jsonl"])
def test_every_committed_release_exports_in_every_format(version, fmt, tmp_path):
    """1.0.0 has no fold column: its spaCy docs carry fold None, not a KeyError."""
    result = export_release(REPO / "dist" / version, fmt, tmp_path / "out")
    assert result.documents == {"1.0.0": 5, "1.1.0": 7}[version]
    if fmt == "spacy":
        import spacy
        from spacy.tokens import DocBin

        docs = [doc for split in ("train", "validation", "test") if (result.path / split).is_dir()
                for path in sorted((result.path / split).glob("*.spacy"))
                for doc in DocBin().from_disk(path).get_docs(spacy.blank("en").vocab)]
        assert {doc.user_data["fold"] is None for doc in docs} == {version == "1.0.0"}
        # quotes share sources and cues: each region is one span (it was one per quote: 101 of 90 in 1.1.0)
        counts = [sum(len(doc.spans[group]) for doc in docs) for group in ("quotes", "sources", "cues")]
        assert counts == {"1.0.0": [46, 43, 44], "1.1.0": [101, 90, 93]}[version]


def test_the_label_check_names_the_first_row_at_fault_in_any_chunk_and_column(tmp_path):
    """Every reader's check (arrow_schemas.require_named) finds the row at fault through the
    list's parent indices, in whichever chunk it is; the readers' tests edit the first row only.
    It named the first bad row of the first column with one, not the first row at fault."""
    tags = pa.list_(pa.int64())
    chunks = [pa.array([[0, 1], None], tags), pa.array([[], [2, None, 3]], tags)]
    table = pa.table({"doc_id": pa.chunked_array([["d0", "d1"], ["d2", "d3"]]), "ner_tags": pa.chunked_array(chunks)})
    require_named(table.slice(0, 3), {"ner_tags": ("O", "B", "I")}, tmp_path / "f.parquet")  # d3 left out
    with pytest.raises(CorpusError) as caught:
        require_named(table, {"ner_tags": ("O", "B", "I")}, tmp_path / "f.parquet")
    assert (caught.value.code, caught.value.message, caught.value.location.doc_id, caught.value.location.file) == (
        "release-invalid", "ner_tags: label id 3 names no label (the file's features have 3)", "d3",
        str(tmp_path / "f.parquet"))
    table = pa.table({"label": pa.array([0, 0, 0, 9], pa.int64()), "quote_type": pa.array([0, 7, 0, 0], pa.int64())})
    assert unnamed_label(table, {"label": ("A", "B"), "quote_type": ("direct", "indirect")}) == (
        1, "quote_type: label id 7 names no label (the file's features have 2)")


@pytest.mark.parametrize("region_id, where", [("e\t1", "entity"), ("s\n1", "source"), ("c\r1", "cue")])
def test_brat_refuses_a_region_id_a_field_of_an_ann_line_cannot_hold(tmp_path, region_id, where):
    """Validation takes any non-empty string as a region id; a tab or line break in one was written
    into the .ann note as it was: read back, the id ended at it ('e' for 'e\\t1') and the rest was a
    line no brat reader knows (found by a hunt, reading the export back with a parser of its own)."""
    text = 'Washington said "we will talk".'
    ids = {"entity": "e1", "source": "s1", "cue": "c1", where: region_id}
    quote = text.index('"we')
    release = _release_of(
        tmp_path, document("ids-1", text, publisher=None, date=None),
        (EntityMention(ids["entity"], "ids-1", Span(0, 10), "Washington", "GPE", "united-states"),),
        (Quote("q1", "ids-1", Span(quote, len(text) - 1), text[quote:-1], "direct",
               Source(ids["source"], Span(0, 10), "Washington", "united-states"), Cue(ids["cue"], Span(11, 15), "said")),))
    _refused(["export", "--format", "brat"], release, "entities", tmp_path, (
        f"doc ids-1, region {printable_part(region_id)}: [export-invalid] region id {region_id!r} holds a tab or a "
        "line break, which a field of a brat .ann line cannot hold"))
    assert sorted(os.listdir(tmp_path)) == ["dist"]  # nothing written, no partial left
    # every other format holds such an id
    (spans,) = json.loads((export_release(release, "jsonl", tmp_path / "jsonl").path / "train.jsonl")
                          .read_text())["quotes"]
    assert (spans["source"]["id"], spans["cue"]["id"]) == (ids["source"], ids["cue"])


def _timex_with_an_entity_s_id(rows, layers):
    entity = next(row for row in layers["entities"] if row["doc_id"] == "001_d79359122f2d4c78")
    timex = next(row for row in rows if row["doc_id"] == entity["doc_id"])
    timex["id"] = entity["id"]
    return entity["id"], f"region id used for two spans: mention [{entity['start']}, {entity['end']}) and time " \
                         f"expression [{timex['start']}, {timex['end']})"


def _region_of_another_quote(part: str):
    """A quote's source or cue given the id of another quote's, on another span."""
    def edit(rows, layers):
        mine = [row for row in rows if row["doc_id"] == "001_d79359122f2d4c78" and row[f"{part}_id"] is not None]
        first = mine[0]
        other = next(row for row in mine if row[f"{part}_id"] != first[f"{part}_id"]
                     and row[f"{part}_start"] != first[f"{part}_start"])
        other[f"{part}_id"] = first[f"{part}_id"]
        spans = [f"{part} [{row[f'{part}_start']}, {row[f'{part}_end']})" for row in (first, other)]
        return first[f"{part}_id"], f"region id used for two spans: {spans[0]} and {spans[1]}"
    return edit


def _a_mention_twice(rows, layers):
    """Two entity rows of one id and span, the second with another registry id: brat wrote one T
    line with both N lines, spaCy one span with the first's kb_id_."""
    at, mention = next((at, row) for at, row in enumerate(rows) if row["doc_id"] == "001_d79359122f2d4c78")
    rows.insert(at + 1, dict(mention, entity_id="syria" if mention["entity_id"] != "syria" else "united-states"))
    span = f"[{mention['start']}, {mention['end']})"
    return mention["id"], f"region id used for two regions on one span: two mentions: mention {span} and mention {span}"


def _a_shared_source_with_another_speaker(rows, layers):
    """A source two quotes share, with another speaker_id on the second: brat and spaCy gave it
    the first's and lost the second, exit 0."""
    first = next(row for row in rows if (row["doc_id"], row["source_id"]) == ("001_d79359122f2d4c78", "s5"))
    other = next(row for row in rows if (row["doc_id"], row["source_id"]) == (first["doc_id"], "s5")
                 and row is not first)
    other["speaker_id"] = None if first["speaker_id"] is not None else "syria"
    span = f"[{first['source_start']}, {first['source_end']})"
    return "s5", (f"the source is given two speaker_ids, {first['speaker_id']!r} and {other['speaker_id']!r}: "
                  f"source {span} and source {span}")


@pytest.mark.parametrize("config, edit", [("timexes", _timex_with_an_entity_s_id),
                                          ("quotes", _region_of_another_quote("source")),
                                          ("quotes", _region_of_another_quote("cue")), ("entities", _a_mention_twice),
                                          ("quotes", _a_shared_source_with_another_speaker)])
@pytest.mark.parametrize("argv", [["export", "--format", "brat"], ["export", "--format", "spacy"], ["view"]])
def test_a_region_id_that_names_two_regions_of_a_document_is_refused(tmp_path, config, edit, argv):
    """A source or cue that quotes share is one region on each quote's row, found by its id: brat
    wrote it once and spaCy made it one span, so a time expression with an entity's id was taken
    for the entity (brat: its Value on the entity's line, itself left out) and a quote's other
    source for the first (its said_by and span), exit 0; the viewer's anchors led to the first.
    build_release refuses such ids (region-id-duplicate)."""
    release = REPO / "dist" / "1.1.10"
    layers = {name: _rows(release, name, "train") for name in ("entities", "timexes", "quotes")}
    said = {}  # the id and regions the edit names
    copy = _resummed(release, tmp_path, _rows_changed(lambda rows: said.update(zip(("id", "regions"),
                                                                                  edit(rows, layers)))), config)
    _refused(argv, copy, config, tmp_path, f"{copy / 'data' / config}, doc 001_d79359122f2d4c78, region "
             f"{said['id']}: [release-invalid] region id {said['id']!r}: {said['regions']}")


def test_brat_declares_the_release_s_own_labels_in_annotation_conf(release, tmp_path):
    """The .ann types are the names of the release's own features (a release made under another
    label set keeps its names), but annotation.conf declared this code's label set: brat found
    types no configuration declares, and read_ann, telling layers apart by this code's labels,
    dropped those mentions (found by a hunt)."""
    copy = _resummed(release, tmp_path, _labels_renamed)
    # read with the names the release was made with
    [shard] = (release / "data" / "entities").glob("train-*.parquet")
    names = json.loads(pq.read_schema(shard).metadata[b"huggingface"])["info"]["features"]["label"]["names"]
    ids = pq.read_table(shard)["label"].to_pylist()
    assert [row["label"] for row in read_config(copy, "entities", ("train",))] == [f"old-{names[i]}" for i in ids]
    assert [row["label"] for row in read_config(release, "entities", ("train",))] == [names[i] for i in ids]
    result = export_release(copy, "brat", tmp_path / "brat")
    conf = (result.path / "annotation.conf").read_text().split("\n")
    declared = conf[1:conf.index("")]
    assert declared == [f"old-{name}" for name in ENTITY_LABELS] + list(ENTITY_LABELS) + list(TIMEX_LABELS) + [
        "QUOTE", "SOURCE", "CUE"]
    assert f"QuoteType\tArg:QUOTE, Value:{'|'.join(QUOTE_TYPES)}" in conf
    used = {line.split("\t")[1].split(" ")[0] for path in result.path.rglob("*.ann")
            for line in path.read_text().splitlines() if line.startswith("T")}
    assert "old-PERSON" in used and used <= set(declared)
    seed = result.path / "train" / "000_cbeedfbee8440207"
    layers = read_ann(seed.with_suffix(".txt").read_text(), seed.with_suffix(".ann").read_text(),
                      tuple(declared[:2 * len(ENTITY_LABELS)]), TIMEX_LABELS)
    assert [(row["text"], row["label"]) for row in layers["entities"]] == [
        ("Bashar Al-Assad", "old-PERSON"), ("Syria", "old-GPE"), ("Washington", "old-GPE"), ("AFP", "old-ORG")]


@pytest.mark.parametrize("argv", [JSONL, BRAT, VIEW])
def test_reading_a_release_imports_no_pandas(release, tmp_path, argv):
    """wrong_split compares no Python str as an Arrow scalar, and half_null_region, asked of a file
    whose quotes have a source and quotes have none (the fixture's), finds its row without
    pc.index(..., True): pyarrow imports pandas to make either an Arrow scalar, some 0.15 s of every
    export and view (dist/1.1.10's jsonl export went 0.40 s -> 0.60 s)."""
    assert {row["source_id"] is None for row in _rows(release, "quotes", "train")} == {True, False}
    assert _imports_pandas(argv, release, tmp_path) is False


def _imports_pandas(argv, release, tmp_path) -> bool:
    """Whether the command ``argv`` on ``release`` imports pandas, run in a process of its own."""
    script = (f"import sys; from corpus_tools.cli import cli; "
              f"cli.main({[*argv, str(release), '-o', str(tmp_path / 'o')]!r}, standalone_mode=False); "
              "print('pandas' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    return {"True": True, "False": False}[done.stdout.splitlines()[-1]]


@pytest.mark.parametrize("fmt", ["conll2003", "spacy", "brat", "jsonl"])
def test_a_document_nobody_annotated_is_gone_through_and_left_out_of_every_export(fmt, tmp_path):
    """Its empty layers would say its text names nothing, as its ner rows would have. Found by a
    scale audit: the bar showed a count and a rate only. Every document of the release is gone
    through, those a format leaves out too, so the total is the documents config's rows (from its
    footers) and the bar ends at it."""
    documents, annotations, registry = spread_inputs(extra=2)
    documents["unannotated-1"] = document("unannotated-1", "Nobody has annotated this text.\n")
    release = build_release(documents, annotations, registry, tmp_path / "dist", "1.1.0").path
    totals, done = [], []
    result = export_release(release, fmt, tmp_path / "out",
                            exporting=lambda total: totals.append(total) or done.append)
    assert totals == [len(documents)] == [28] and done == [1] * 28
    assert result.documents == 27  # the unannotated document is gone through, not written
    assert b"unannotated-1" not in b"".join(path.read_bytes() for path in result.path.rglob("*") if path.is_file()) + \
        "".join(path.name for path in result.path.rglob("*")).encode()
