"""``corpus-tools add``: byte-exact copies with honest manifest records, all or nothing."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from operator import attrgetter
from pathlib import Path
from types import SimpleNamespace

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import corpus_tools
from corpus_tools.cli import cli
from corpus_tools.cli import progress as progress_module
from corpus_tools.documents import add as add_module
from corpus_tools.documents import raw as raw_module
from corpus_tools.documents.add import (add_files, added_line, added_notes, highest_number, manifest_line,
                                        metadata_sources, next_doc_id, title_of, wide_encoding)
from corpus_tools.documents.index import DocumentIndex
from corpus_tools.documents.normalize import normalize
from corpus_tools.documents.raw import check_raw, read_manifest
from corpus_tools.errors import CorpusError
from corpus_tools.layout import Layout
from corpus_tools.release.build import Written
from corpus_tools.release.checksums import release_configs
from corpus_tools.release.inputs import release
from conftest import REPO, tree

ARTICLE = REPO / "tests" / "fixtures" / "articles" / "us-syria-aid-corridor.txt"


def snapshot(layout: Layout) -> dict[str, bytes]:
    """Every file under raw/, by name: what a refused add must leave exactly as it was."""
    return {path.name: path.read_bytes() for path in sorted(layout.raw.iterdir())}


def numbered(layout: Layout) -> int:
    """The number ``add`` gives the next file: one after the highest in the manifest. The corpus
    numbers its records 000, 001, ... without a gap, so that is the number of records (derived
    from the copy, not written down: the committed corpus grows)."""
    return len(read_manifest(layout.manifest))


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def fail_writing_the_manifest(monkeypatch: pytest.MonkeyPatch) -> None:
    """add's write of the manifest fails as on a full disk, after its raw files are written."""
    real = add_module.atomic_write_bytes

    def fail_on_manifest(path, data, mode=0o644):
        if Path(path).name == "manifest.jsonl":
            raise OSError(28, "No space left on device")
        real(path, data, mode)

    monkeypatch.setattr(add_module, "atomic_write_bytes", fail_on_manifest)


def test_add_copies_bytes_and_appends_a_record_then_check_raw_and_normalize_see_it(corpus_copy):
    before = corpus_copy.manifest.read_bytes()
    number = numbered(corpus_copy)
    [added] = add_files(corpus_copy, [ARTICLE], date="2023-03-14", date_evidence="line 3")
    data = ARTICLE.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    record = added.record
    assert record.doc_id == f"{number:03d}_{sha[:16]}" and record.file == f"{number:03d}_{sha[:16]}.txt"
    assert (corpus_copy.raw / record.file).read_bytes() == data  # byte for byte
    assert (record.sha256, record.size, record.encoding) == (sha, len(data), "utf-8")
    assert record.title == "Washington weighs renewal of aid corridor as Damascus presses for sanctions relief"
    assert added.title_rule == "the first non-blank line" and not added.bom and added.not_utf8_at is None
    assert (record.publication_date, record.publication_date_precision) == ("2023-03-14", "day")
    evidence = record.publication_date_evidence
    assert (evidence.kind, evidence.line, evidence.quote) == ("stated", 3, "Published 14 March 2023")
    assert record.publisher is None and record.publisher_evidence.kind == "none"
    # appended: the committed lines are untouched, the new one is in the committed style
    after = corpus_copy.manifest.read_bytes()
    assert after.startswith(before) and after.count(b"\n") == before.count(b"\n") + 1
    assert json.loads(after.splitlines()[-1])["doc_id"] == record.doc_id
    assert check_raw(corpus_copy).valid and dict(check_raw(corpus_copy).stats) == {"documents": number + 1}

    shown = CliRunner().invoke(cli, ["normalize", "--root", str(corpus_copy.root), "--doc", record.doc_id])
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("Washington weighs renewal of aid corridor")
    assert "Karen Whitlow, a deputy spokesperson at the State Department" in shown.output


@pytest.mark.parametrize("evidence", [
    # stored as inferred evidence whose reasoning was "line -1", and check-raw passed it
    "line -1", "line +3", "line 3.0", "Line \uff13", "line three",
    # stored as inferred reasoning, its line never checked: a date the line does not state
    # (2024-03-13 against "March 12, 2024") was recorded (found by a hunt)
    "line 3, the dateline", "Line 3 (dateline)", "line 3 says so",
    # the same when the line is named later in the reasoning: only a leading citation was refused
    "the dateline, line 3", "as line 3 says", "The dateline (line #3) gives it", "lines 3 and 5",
    "see line3", "as line three says", "the date on line no. 3",
    # the line named by an ordinal or an abbreviation: kept as reasoning, unchecked
    "the third line", "The 3rd line gives it", "as the last line says", "L3", "l. 3", "ln 3",
])
def test_a_line_cited_other_than_as_line_n_alone_is_refused_not_kept_as_reasoning(corpus_copy, tmp_path, evidence):
    article = write(tmp_path, "dated.txt", b"US and Syria hold talks\n\nMarch 12, 2024\n\nBody.\n")
    before = corpus_copy.manifest.read_bytes()
    with pytest.raises(CorpusError) as caught:
        add_files(corpus_copy, [article], date="2024-03-13", date_evidence=evidence)
    assert caught.value.code == "metadata-invalid"
    assert caught.value.message == (f"date evidence {evidence!r} cites a line, but not as 'line N' alone: cite the "
                                    "line so, N from 1 (add quotes it and checks that it states the date), or give "
                                    "reasoning that quotes the text and cites no line")
    assert corpus_copy.manifest.read_bytes() == before and not list(corpus_copy.raw.glob("dated*"))


def test_an_invented_article_is_marked_as_one_and_the_card_names_it(corpus_copy, tmp_path):
    article = write(tmp_path, "made-up.txt", b"US and Syria hold talks\n\nBody of a made-up article.\n")
    for options, message in ((["--invented", "x", "--publisher", "Wire", "--publisher-evidence", "line 1"],
                              "an invented article has no publisher"),
                             (["--invented", " "], "--invented says why the article is not news (not blank)"),
                             (["--publisher-evidence", "line 1"], "--publisher-evidence given without --publisher"),
                             (["--date", "2024"], "--date given without --date-evidence")):
        result = CliRunner().invoke(cli, ["add", "--root", str(corpus_copy.root), str(article), *options])
        assert result.exit_code == 1 and "[metadata-invalid]" in result.output and message in result.output, (
            options, result.output)
    result = CliRunner().invoke(cli, ["add", "--root", str(corpus_copy.root), str(article), "--invented",
                                      "written to test the add command"])
    assert result.exit_code == 0 and result.output.splitlines()[0].endswith(", an invented article"), result.output
    record = read_manifest(corpus_copy.manifest)[-1]
    assert (record.publisher, record.publisher_evidence.kind, record.publisher_evidence.reasoning) == (
        None, "none", "Invented article: written to test the add command")
    assert check_raw(corpus_copy).valid
    # the card's Known Limitations name it beside the corpus's two, as the build does from the documents it writes
    written, documents = Written(), DocumentIndex(corpus_copy)
    for doc_id in sorted(documents):
        written.add(doc_id, documents[doc_id], annotated=True)
    assert f"005_2cde5fe42a71d5e6, 006_13b7e5813f40efdc, {record.doc_id}; their manifest" in written.caveats(8)[0]


def test_an_added_article_nobody_annotated_is_released_in_documents_only_and_the_card_says_so(corpus_copy, tmp_path):
    """Its ner rows tagged every token O and its kb row listed no entity: labels a model learns
    as true. It keeps its place in doc_id order among the annotated ones."""
    article = write(tmp_path, "new.txt", b"US and Syria hold talks\n\nUS envoys met Syrian officials in Damascus.\n")
    [added] = add_files(corpus_copy, [article])
    built = release(corpus_copy, None).path
    doc_ids = {config: [doc_id for path in sorted((built / "data" / config).glob("*.parquet"))
                        for doc_id in pq.read_table(path).column("doc_id" if config != "kb" else "document_id")
                        .to_pylist()] for config in release_configs(built) if config in ("documents", "ner", "kb")}
    new = added.record.doc_id
    assert new in doc_ids["documents"] and new not in doc_ids["ner"] and new not in doc_ids["kb"]
    card = (built / "README.md").read_text(encoding="utf-8")
    assert (f"1 document of {len(doc_ids['documents'])} has no annotation yet ({new}): in the documents config only, "
            "with no rows in entities, timexes, quotes, ner or kb, which would say the text names nothing.") in card
    # the annotation-quality figures count every released document: 7 annotated, and this one
    # (they said "Of the released documents, 7 come from a ground-truth annotation ... and 0 from
    # their most recently updated annotation" of 8, and annotations per item for 7 of 8)
    metadata = json.loads((built / "croissant.json").read_text(encoding="utf-8"))
    per_item = "7 document(s) with 3 annotator(s); 1 document(s) not annotated yet"
    assert f"Annotators per item: {per_item}.\n" in card and metadata["rai:annotationsPerItem"] == per_item
    resolved = ("and 0 from their most recently updated annotation; 1 has no annotation yet (their rows are in the "
                "documents config only). 6 of the 7 ground-truth annotations")
    assert resolved in card and resolved in metadata["rai:dataAnnotationProtocol"][1]


@pytest.mark.parametrize("name, data, code, lines", [
    # stderr is no terminal here: no progress bar among the lines (CliRunner's output holds both streams)
    pytest.param("bom.txt", b"\xef\xbb\xbfSyria talks resume\n\nText of the article.\n", 0, [
        "{path} -> raw/{doc_id}.txt: 44 bytes, utf-8 with BOM, title 'Syria talks resume' (the first non-blank line), "
        "publisher null, date null", "added 1 file to {manifest}"], id="encoding-title-rule-and-nulls"),
    pytest.param("two\nlines.txt", b"Syria talks resume\n\nText of the article.\n", 0, [
        "{path.parent}/two\\nlines.txt -> raw/{doc_id}.txt: 41 bytes, utf-8, title 'Syria talks resume' (the first "
        "non-blank line), publisher null, date null", "added 1 file to {manifest}"],
        id="a-file-name-with-a-line-break-on-one-line"),
    pytest.param("empty.txt", b"", 1, ["Error: {path}: [raw-empty] the file is empty"], id="refusal-in-one-line"),
    # a device or a FIFO is not read, and not called missing
    pytest.param("/dev/null", None, 1, ["Error: /dev/null: [file-error] is a character device, not a regular file"],
                 id="device"),
    pytest.param("pipe.txt", None, 1, ["Error: {path}: [file-error] is a FIFO (named pipe), not a regular file"],
                 id="fifo"),
])
def test_cli_add_prints_a_line_a_file_or_a_refusal_in_one_line(corpus_copy, tmp_path, name, data, code, lines):
    path = write(tmp_path, name, data) if data is not None else Path(name) if name.startswith("/") else tmp_path / name
    if name == "pipe.txt":
        os.mkfifo(path)
    doc_id = f"{numbered(corpus_copy):03d}_{hashlib.sha256(data).hexdigest()[:16]}" if data else None
    result = CliRunner().invoke(cli, ["add", "--root", str(corpus_copy.root), str(path)])
    assert result.exit_code == code
    assert result.output.splitlines() == [line.format(path=path, doc_id=doc_id, manifest=corpus_copy.manifest)
                                          for line in lines]
    assert CliRunner().invoke(cli, ["check-raw", "--root", str(corpus_copy.root)]).exit_code == 0


def test_cp1252_only_when_not_utf8_and_said_so(corpus_copy, tmp_path):
    path = write(tmp_path, "cp.txt", "Caf\u00e9 talks in Damascus \u2013 \u201cno change\u201d\n".encode("cp1252"))
    [added] = add_files(corpus_copy, [path])
    assert added.record.encoding == "cp1252" and added.not_utf8_at == 3
    assert added.record.title == "Café talks in Damascus – “no change”"
    assert check_raw(corpus_copy).valid
    # the command's line, from the library (what a script that calls add_files says too)
    assert added_line(added) == (
        f"{path} -> raw/{added.record.doc_id}.txt: 37 bytes, cp1252 (not valid UTF-8 at byte 3; every byte is "
        "defined in cp1252), title 'Café talks in Damascus – “no change”' (the first non-blank line), publisher null, "
        "date null")
    assert added_notes(added) == []  # bytes no release published


@pytest.mark.parametrize("new", [False, True], ids=["committed-corpus", "new-corpus"])
def test_files_are_numbered_by_content_whatever_the_order_they_are_named_in(tmp_path, new):
    texts = [f"Article {n} on Syria\n\nBody {n}.\n".encode() for n in range(3)]
    trees = []
    for order in ([0, 1, 2], [2, 0, 1]):
        layout = Layout.at(tmp_path / f"corpus-{order[0]}")
        layout.root.mkdir() if new else shutil.copytree(REPO / "raw", layout.raw)
        number = numbered(layout) if not new else 0
        add_files(layout, [write(tmp_path / f"o{order[0]}", f"{n}.txt", texts[n]) for n in order])
        trees.append(snapshot(layout))
    assert trees[0] == trees[1] and len(trees[0]) == number + 3 + 1  # and the manifest
    ids = [record.doc_id for record in read_manifest(layout.manifest)][number:]
    shas = sorted(hashlib.sha256(text).hexdigest() for text in texts)
    assert ids == [f"{number + n:03d}_{sha[:16]}" for n, sha in enumerate(shas)]


def test_which_file_a_refusal_names_does_not_depend_on_the_order_given(corpus_copy, tmp_path):
    """The first of two bad files named was the one refused, and of two copies of the same bytes
    the second named was 'given twice': the message changed with the order of the arguments."""
    empty, missing = write(tmp_path, "a-empty.txt", b""), tmp_path / "in" / "b-missing.txt"
    copy_a, copy_b = (write(tmp_path, name, b"Talks resume\n\nBody.\n") for name in ("c.txt", "d.txt"))
    for files in ([empty, missing], [missing, empty], [copy_a, copy_b], [copy_b, copy_a]):
        with pytest.raises(CorpusError) as refused:
            add_files(corpus_copy, files)
        assert refused.value.location.file == str(empty if empty in files else copy_b)
        assert refused.value.code == ("raw-empty" if empty in files else "raw-duplicate")
        if copy_a in files:
            assert refused.value.message.startswith(f"given twice: the same bytes as {copy_a}, in this same call")


def _title(text: str) -> tuple[str | None, str]:
    return title_of(text, normalize(text))


def test_title_rule_reproduces_the_seed_titles():
    for record in read_manifest(REPO / "raw" / "manifest.jsonl"):
        text = (REPO / "raw" / record.file).read_text(encoding=record.encoding)
        assert _title(text)[0] == record.title, record.doc_id
    assert _title(" date 2021-09-30 \n\nText")[1].startswith("none: normalization takes no title (the first line is "
                                                             "boilerplate or a dateline")
    assert _title("x" * 201)[1].startswith("none: the first line does not start like a headline")
    assert _title("X" * 301)[0] is None
    # a terminal's escape went into the manifest, the card and the terminal that printed it
    assert _title("Head\x1b[31mline\n\nText") == (None, "none: the first line holds a control character or a "
                                                    "bidirectional embedding, override or isolate")
    # one normalization drops but the manifest refuses: named as what it is, not as a control character
    assert _title("Head\u2067line\u2069\n\nText") == (None, "none: the first line holds a control character or "
                                                          "a bidirectional embedding, override or isolate")
    # though normalization drops it and finds a line: the file shows "Talks: March 12, 2024", the
    # normalized line (which starts with a digit, as a headline may) reads it reversed
    assert normalize("\u202e4202 ,21 hcraM :sklaT\n\nBody.\n").title == "4202 ,21 hcraM :sklaT"
    assert _title("\u202e4202 ,21 hcraM :sklaT\n\nBody.\n")[0] is None
    assert _title("Head\tline\n\nText")[0] == "Head line"  # as the normalized text has it
    assert _title("By Jane Doe\n\nText") == (None, "none: the first line is a byline ('By' and names), not a headline")
    # a control character at an edge of the line, which the title's own span leaves out
    assert _title("\x01Headline\n\nText")[0] is None and _title("Headline\x1b\n\nText")[0] is None
    assert _title("Headline\u2028continued\nBody")[0] == "Headline"  # a line ends at any line boundary


def test_next_doc_id_follows_the_highest_number():
    highest = highest_number(["000_" + "a" * 16, "007_" + "b" * 16, "custom-id"])
    assert next_doc_id(highest, "ab" * 32) == "008_" + "ab" * 8
    assert next_doc_id(highest_number([]), "cd" * 32) == "000_" + "cd" * 8
    assert next_doc_id(highest_number(["999_" + "a" * 16]), "ab" * 32) == "1000_" + "ab" * 8  # a corpus of thousands
    # an id given with --doc-id that starts with digits is not a number of add's
    assert next_doc_id(highest_number(["006_" + "a" * 16, "20240312_envoy-amman"]), "ab" * 32) == "007_" + "ab" * 8


def test_wide_encoding_tells_utf16_and_utf32_from_eight_bytes_on_and_nine_in_ten_nul_bytes():
    """No mutation of wide_encoding's constants survived uncaught before this test (stop 39)."""
    assert wide_encoding(b"a\x00b\x00c\x00") is None and wide_encoding(b"a\x00\x00\x00") is None  # too short to tell
    assert wide_encoding(b"a\x00b\x00c\x00d\x00") == "UTF-16"
    assert wide_encoding("ab".encode("utf-32-le")) == "UTF-32"
    assert wide_encoding(b"\x00" * 64) is None  # NUL bytes alone: no letters between them
    # one letter beyond U+00FF in 20: its high byte is no NUL, 19 of 20 (95%) still are
    assert wide_encoding(("a" * 19 + "\u0101").encode("utf-16-le")) == "UTF-16"
    assert wide_encoding(("a" * 8 + "\u0101" * 2).encode("utf-16-le")) is None  # 8 of 10 are not enough


def test_metadata_sources_names_the_release_even_when_nothing_came_from_it():
    sources = (("encoding", "rule"), ("title", "given"), ("publisher", "given"), ("publication_date", "given"))
    assert metadata_sources(SimpleNamespace(release="1.2.1", sources=sources)) == (
        "from release 1.2.1 (the latest to publish these bytes): nothing; given: title, publisher with its evidence, "
        "publication date with its precision and evidence; by add's rule (release 1.2.1 does not carry it, or its "
        "encoding does not read these bytes as the text): encoding")
    sources = (("encoding", "release"), ("title", "release"), ("publisher", "rule"), ("publication_date", "release"))
    assert metadata_sources(SimpleNamespace(release="1.1.0", sources=sources)) == (
        "from release 1.1.0 (the latest to publish these bytes): encoding, title, publication date with its precision "
        "and evidence; by add's rule (release 1.1.0 does not carry it, or its encoding does not read these bytes as "
        "the text): publisher with its evidence")


def test_a_corpus_holding_one_text_twice_is_refused_before_anything_is_added(corpus_copy, tmp_path):
    """Two checkouts that each added the article, one in CRLF bytes, merged: check-raw (which
    normalizes nothing) passes the manifest, and add, which compared a new file with one of the
    two only, added to it without a word; a release would publish the article twice."""
    crlf = (corpus_copy.raw / "001_d79359122f2d4c78.txt").read_bytes().replace(b"\n", b"\r\n")
    sha256 = hashlib.sha256(crlf).hexdigest()
    doc_id = f"007_{sha256[:16]}"
    (corpus_copy.raw / f"{doc_id}.txt").write_bytes(crlf)
    record = json.loads(corpus_copy.manifest.read_bytes().splitlines()[1])
    record.update(doc_id=doc_id, file=f"{doc_id}.txt", sha256=sha256, size=len(crlf))
    with corpus_copy.manifest.open("a", encoding="utf-8") as manifest:
        manifest.write(json.dumps(record, ensure_ascii=False) + "\n")
    assert check_raw(corpus_copy).valid
    before = snapshot(corpus_copy)
    with pytest.raises(CorpusError) as refused:
        add_files(corpus_copy, [ARTICLE])
    assert (refused.value.code, refused.value.location.doc_id) == ("raw-duplicate", doc_id)
    # the release's rule and words (records.same_text), with what to do next
    assert str(refused.value) == (
        f"{corpus_copy.manifest}, doc {doc_id}: [raw-duplicate] its text is 001_d79359122f2d4c78's once normalized "
        "(the same article in bytes that differ only in what normalization drops): one article is one document; "
        "remove one of the two records and its raw file, then add again")
    assert snapshot(corpus_copy) == before


GOOD = b"A good article about Syria\n\nBody.\n"
UNICODE = "Syria talks\n\nDamascus \u2014 text.\n"
UNREAD = ", which corpus-tools does not read: save it as UTF-8 and add it again"
DATED = b"US and Syria hold talks\n\nBy Example Wire\n\nMarch 12, 2024\n\nBody.\n"
SEED_001 = (REPO / "raw" / "001_d79359122f2d4c78.txt").read_bytes()
TWICE = b"Syria talks resume\n\nDAMASCUS \xe2\x80\x94 Envoys met on Tuesday.\n"
MARKS = "\u0301\u0316" * 16  # acute (class 230) and grave below (class 220), alternating
MIXED = b"Syria\xe2\x80\x99s envoy returns\n\nHe said \x93no\x94.\n"
TWO_ENCODINGS = "UTF-8 characters (the first at byte {}), but not UTF-8 at byte {} (b'\\x93no\\x94'): a file of two " \
                "encodings, which cp1252 would read as mojibake ({}), unless that is the text: cp1252 letters that " \
                "happen to form a UTF-8 character (\"JOSÉ’S\"); either way, make it all UTF-8 and add it again"
BIDI = "US and Syria hold talks\n\n\u2066March 12, 2024\u2069\n\nBody.\n".encode()
CONTROL = "{{number}}_" + hashlib.sha256(BIDI).hexdigest()[:16] + ": {} holds a control character or a bidirectional " \
          "embedding, override or isolate ({})"


def _given(tmp_path: Path, files: list) -> list[Path]:
    """The files a row names: "good" (an article add takes), (name, bytes) written under in/,
    (name, None) named but never written, or a path as it is."""
    good = write(tmp_path, "good.txt", GOOD)
    return [good if entry == "good" else entry if isinstance(entry, Path) else
            tmp_path / "in" / entry[0] if entry[1] is None else write(tmp_path, *entry) for entry in files]


@pytest.mark.parametrize(("files", "options", "code", "at", "said"), [
    # the code, the byte the location names (or "line N", the line; its file is the last given), and what the
    # message starts with ("" where the code says it all)
    pytest.param([ARTICLE.parent / "../../../raw/001_d79359122f2d4c78.txt"], {}, "raw-duplicate", None,
                 "already in the corpus as 001_d79359122f2d4c78", id="duplicate"),
    # of two copies, the refusal names the one that sorts last, whatever the order they are given in
    pytest.param([("copy.txt", GOOD), "good"], {}, "raw-duplicate", None, "", id="named-twice"),
    pytest.param(["good"], {"doc_id": "003_840a8be26e4ddaa5"}, "duplicate-doc-id", None, "", id="doc-id-taken"),
    pytest.param(["good"], {"doc_id": "../escape"}, "unsafe-doc-id", None, "", id="doc-id-unsafe"),
    pytest.param([("empty.txt", b"")], {}, "raw-empty", None, "", id="empty"),
    pytest.param([("blank.txt", b"   \n\n \t\n")], {}, "raw-empty", None, "", id="whitespace"),  # was added as nothing
    pytest.param([("img.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")], {}, "raw-binary", None, "", id="binary"),
    pytest.param([("ctl.txt", b"Title\n" + b"\x01\x02\x03\x04" * 5)], {}, "raw-binary", None, "", id="controls"),
    # more than one character in twenty a control character: M1 of stop 39 (0.05 made 0.5) survived every test
    pytest.param([("ctl.txt", b"Title of an article\n" + b"x" * 74 + b"\x01" * 6)], {}, "raw-binary", None,
                 "6 of 100 characters are control characters: a binary file, not text", id="controls-6-of-100"),
    pytest.param([("bad.txt", b"Title \xe9 and \x81\n")], {}, "raw-undecodable", 6, "", id="undecodable"),
    pytest.param(["good"], {"publisher": "The Levant Ledger"}, "metadata-invalid", None, "", id="no-evidence"),
    pytest.param(["good"], {"date": "2023-03-14", "date_evidence": "line 2"}, "metadata-invalid", "line 2", "",
                 id="evidence-blank-line"),
    pytest.param(["good"], {"date": "2023-02-30", "date_evidence": "line 1"}, "metadata-invalid", None, "",
                 id="bad-date"),
    pytest.param([("nope.txt", None)], {}, "add-input-missing", None, "", id="missing"),
    pytest.param(["good", ("empty.txt", b"")], {}, "raw-empty", None, "", id="second-of-two-bad"),
    pytest.param(["good"], {"doc_id": "003_840A8BE26E4DDAA5"}, "duplicate-doc-id", None, "", id="doc-id-case"),
    pytest.param(["good"], {"date": "\uff12\uff10\uff12\uff14", "date_evidence": "reasoning"}, "metadata-invalid", None,
                 "", id="fullwidth-date"),
    pytest.param(["good"], {"publisher": " ", "publisher_evidence": "a sentence of reasoning"}, "metadata-invalid",
                 None, "", id="blank-publisher"),
    pytest.param(["good"], {"title": ""}, "metadata-invalid", None, "", id="blank-title"),
    pytest.param(["good"], {"title": "\u200b\u200d"}, "metadata-invalid", None, "", id="invisible-title"),  # zero-width
    # said to be UTF-16/32 by the sign it gives, not "binary" (a marked file was said to have NUL bytes between its
    # letters: a hunt)
    pytest.param([("u16.txt", UNICODE.encode("utf-16"))], {}, "raw-undecodable", None,
                 "UTF-16 text (its byte-order mark)" + UNREAD, id="utf-16"),
    pytest.param([("u16.txt", UNICODE.encode("utf-16-le"))], {}, "raw-undecodable", None,
                 "UTF-16 text (NUL bytes between its letters)" + UNREAD, id="utf-16-no-bom"),
    pytest.param([("u16.txt", UNICODE.encode("utf-32"))], {}, "raw-undecodable", None,
                 "UTF-32 text (its byte-order mark)" + UNREAD, id="utf-32"),
    pytest.param([("u16.txt", UNICODE.encode("utf-32-le"))], {}, "raw-undecodable", None,
                 "UTF-32 text (NUL bytes between its letters)" + UNREAD, id="utf-32-no-bom"),
    # a web page saved as .txt was added, its markup the text annotators get
    pytest.param([("page.txt", b"\xef\xbb\xbf\r\n<!DOCTYPE html>\r\n<html><body><p>Syria talks</p></body></html>\r\n")],
                 {}, "raw-html", None, "an HTML page (it opens with '<!DOCTYPE html>'), not an article's text",
                 id="html"),
    pytest.param([("page.txt", b'<?xml version="1.0"?>\n<HTML lang="en">\n<p>Syria talks</p></HTML>\n')], {},
                 "raw-html", None, "", id="xhtml"),
    # an emoji as two encoded surrogates was added as cp1252: "Emoji í ½í¸€" its title
    pytest.param([("cesu.txt", b"Emoji \xed\xa0\xbd\xed\xb8\x80 talks\n\nBody.\n")], {}, "raw-undecodable", 6,
                 "a UTF-16 surrogate written as UTF-8 at byte 6 (b'\\xed\\xa0\\xbd': CESU-8", id="cesu-8"),
    # a cited line must state the fact
    pytest.param([("dated.txt", DATED)], {"date": "2024-03-12", "date_evidence": "line 1"}, "metadata-invalid", None,
                 "publication_date_evidence: the quote 'US and Syria hold talks' (line 1) does not state the year "
                 "2024, so it is no evidence for it", id="cited-line-states-no-date"),
    pytest.param([("dated.txt", DATED)], {"publisher": "Reuters", "publisher_evidence": "line 3"}, "metadata-invalid",
                 None, "publisher_evidence: the quote 'By Example Wire' (line 3) does not state the publisher "
                 "'Reuters', so it is no evidence for it", id="cited-line-states-another-publisher"),
    # normalization leaves no text: it was added, a document of no text, released, and an empty task in
    # Label Studio (joiners alone: a line loses them at its edges)
    *(pytest.param([("empty.txt", data)], {}, "raw-empty", None, "normalization leaves no text (the file holds only a "
                   "byte-order mark, zero-width or control characters, or boilerplate lines)", id=f"no-text-{name}")
      for name, data in (("zero-width-space", b"\xe2\x80\x8b\n"), ("bom", b"\xef\xbb\xbf"),
                         ("boilerplate", b"Advertisement\n\nLive Story\n"),
                         ("joiners", "\u200d\n\u200c \u200d\n".encode()))),
    # read as cp1252 "with BOM": the mark and every UTF-8 character became mojibake
    pytest.param([("mixed.txt", b"\xef\xbb\xbf" + MIXED)], {}, "raw-undecodable", 36, "a UTF-8 byte-order mark, but "
                 "not UTF-8 at byte 36 (b'\\x93no\\x94'): a file of two encodings; save it as UTF-8 and add it again",
                 id="bom-then-not-utf8"),
    # without a byte-order mark the same file of two encodings was added as cp1252: its record's title
    # was 'Syriaâ€™s envoy returns', and annotators saw every UTF-8 character as mojibake
    pytest.param([("mixed.txt", MIXED)], {}, "raw-undecodable", 33, TWO_ENCODINGS.format(
        "5: b'\\xe2\\x80\\x99', '\u2019'", 33, "'\u00e2\u20ac\u2122'"), id="two-encodings"),
    # cp1252 whose "É’" is a UTF-8 character's two bytes (U+0252) cannot be told from such a file:
    # refused too, and the message says what the bytes read as in cp1252 (the text, here)
    pytest.param([("jose.txt", b"JOS\xc9\x92S envoy returns\n\nHe said \x93no\x94.\n")], {}, "raw-undecodable", 30,
                 TWO_ENCODINGS.format("3: b'\\xc9\\x92', '\u0252'", 30, "'\u00c9\u2019'"),
                 id="cp1252-that-reads-as-utf8"),
    pytest.param(["good"], {"title": "  "}, "metadata-invalid", None, "", id="blank-title-of-spaces"),
    # a line of spaces and tabs is blank too: quoted, it would be evidence that states nothing
    *(pytest.param([("dated.txt", text)], {"date": "2024-03-12", "date_evidence": f"line {number}"},
                   "metadata-invalid", f"line {number}", f"date evidence cites line {number}, which the file does not "
                   "have or which is blank", id=f"cited-line-{name}")
      for name, number, text in (("blank", 2, b"Talks\n \t \nMarch 12, 2024\n"),
                                 ("beyond-the-file", 9, b"Talks\n\nMarch 12, 2024\n"))),
    # evidence was recorded with a bidirectional override or a terminal's escape in it, which the
    # viewer's pages and a terminal then showed, while a title or publisher holding one is refused
    *(pytest.param([("bidi.txt", BIDI)], options, "metadata-invalid", None, CONTROL.format(*said), id=name)
      for name, options, said in (
          ("bidi-in-reasoning", {"date": "2024-03-12", "date_evidence": "The dateline reads \u202e4202 ,21 hcraM"},
           ("publication_date_evidence reasoning 'The dateline reads \\u202e4202 ,21 hcraM'", "U+202E")),
          ("bidi-in-the-line-quoted", {"date": "2024-03-12", "date_evidence": "line 3"},
           ("publication_date_evidence quote '\\u2066March 12, 2024\\u2069'", "U+2066")),
          ("escape-in-invented", {"invented": "written to test\x1b[31m the add command"},
           ("publisher_evidence reasoning 'Invented article: written to test\\x1b[31m t'", "U+001B")))),
    # the same article without its BOM, with other line endings or spaces: the same text once
    # normalized, so the same document twice (released twice, perhaps in two splits)
    *(pytest.param([("copy.txt", data)], {}, "raw-duplicate", None,
                   "its text is 001_d79359122f2d4c78's once normalized", id=f"copy-{name}")
      for name, data in (("bom", b"\xef\xbb\xbf" + SEED_001), ("crlf", SEED_001.replace(b"\n", b"\r\n")),
                         ("spacing", SEED_001.replace(b"\n", b"  \n")))),
    pytest.param([("a.txt", TWICE), ("b.txt", TWICE.replace(b"\n", b"\r\n"))], {}, "raw-duplicate", None,
                 f"its text is {{number}}_{hashlib.sha256(TWICE).hexdigest()[:16]} (named in this same call as "
                 "{tmp}/in/a.txt)", id="two-copies-in-one-call"),
    # it said "already in the corpus as 005_... (named in this same call"
    pytest.param([("a.txt", TWICE), ("a.txt", TWICE)], {}, "raw-duplicate", None, "given twice: the same bytes as "
                 f"{{tmp}}/in/a.txt, in this same call (same SHA-256 {hashlib.sha256(TWICE).hexdigest()})",
                 id="one-file-given-twice"),
    # NFC sorts a run of combining marks of mixed classes in time quadratic in its length (100,000
    # took 16 s to normalize): more than 30 in a row, the limit of Unicode's stream-safe text format,
    # is refused at the run's byte offset ("Café talks\n\nA")
    pytest.param(["good", ("marks.txt", ("Caf\u00e9 talks\n\nA" + MARKS[:31] + " word.\n").encode())], {},
                 "raw-combining-run", 14, "31 combining marks in a row (more than the 30 of Unicode's stream-safe "
                 "text format; normalization takes time quadratic in such a run): not an article's text; remove them "
                 "and add it again", id="combining-run"),
])
def test_refusals_name_the_file_and_write_nothing(corpus_copy, tmp_path, files, options, code, at, said):
    paths = _given(tmp_path, files)
    before = snapshot(corpus_copy)
    with pytest.raises(CorpusError) as refused:
        add_files(corpus_copy, paths, **options)
    location = refused.value.location
    assert (refused.value.code, location.file, location.byte_offset, location.line) == (
        code, str(paths[-1]), *((None, int(at[5:])) if isinstance(at, str) else (at, None)))
    # {tmp} and {number} (the next doc_id's) stand for what the row cannot know
    assert refused.value.message.startswith(said.format(tmp=tmp_path, number=f"{numbered(corpus_copy):03d}"))
    assert snapshot(corpus_copy) == before  # nothing written, not even the good file of two
    assert check_raw(corpus_copy).valid


REASONING = "The dateline's 'March 12, 2024' is of the online edition 2, in line with 12 March"


@pytest.mark.parametrize(("data", "options", "recorded"), [
    # ``line N`` counts lines as check-raw does (CRLF, CR or LF): before, a CRLF file's quote kept
    # its CR and the record added failed check-raw at once
    pytest.param(b"CRLF Headline\r\n\r\nPublished by The CRLF Post\r\nBody of the article.\r\n",
                 {"publisher": "The CRLF Post", "publisher_evidence": "line 3"},
                 {"publisher_evidence.quote": "Published by The CRLF Post"}, id="line-of-a-crlf-file"),
    pytest.param(DATED, {"date": "2024-03-12", "date_evidence": "Line  5", "publisher": "Example Wire",  # spacing aside
                         "publisher_evidence": "line 3"},
                 {"publication_date_evidence.kind": "stated", "publication_date_evidence.quote": "March 12, 2024"},
                 id="line-capitalized"),
    pytest.param(b"\xef\xbb\xbfMarch 12, 2024 \xe2\x80\x94 Talks resume\n\nBody.\n",
                 {"date": "2024-03-12", "date_evidence": "line 1"},
                 {"publication_date_evidence.quote": "March 12, 2024 \u2014 Talks resume"},
                 id="first-line-without-bom"),
    # words that hold "line" but cite none ("dateline", "online", "in line with") stay reasoning
    pytest.param(DATED, {"date": "2024-03-12", "date_evidence": REASONING},
                 {"publication_date_evidence.kind": "inferred", "publication_date_evidence.line": None,
                  "publication_date_evidence.quote": None, "publication_date_evidence.reasoning": REASONING},
                 id="reasoning-that-names-no-line"),
    pytest.param(b"Talks resume\n\nBody.\n", {"title": " Padded "}, {"title": "Padded"}, id="title-stripped"),
    # " Reuters " was recorded with its spaces: another publisher than "Reuters" wherever documents are
    # grouped by publisher
    pytest.param(b"Talks resume\n\nBy Reuters staff\nBody.\n",
                 {"publisher": " Reuters ", "publisher_evidence": "line 3"}, {"publisher": "Reuters"},
                 id="publisher-stripped"),
    # cp1252 throughout (no UTF-8 character in it) is read as cp1252; valid UTF-8 that would also
    # decode as cp1252 stays UTF-8
    pytest.param(b"Syria\x92s envoy returns\n\nHe said \x93no\x94.\n", {},
                 {"encoding": "cp1252", "title": "Syria\u2019s envoy returns"}, id="cp1252-throughout"),
    pytest.param("Café in Amman\n".encode("utf-8"), {}, {"encoding": "utf-8"}, id="utf8-that-cp1252-reads-too"),
    # a run of 30 combining marks is text
    pytest.param(("Talks\n\nA" + MARKS[:30] + " word.\n").encode(), {}, {"size": 8 + 30 * 2 + 7}, id="thirty-marks"),
    # one character in twenty a control character is text still (the refusal's boundary, controls-6-of-100)
    pytest.param(b"Title of an article\n" + b"x" * 75 + b"\x01" * 5, {}, {"encoding": "utf-8", "size": 100},
                 id="controls-5-of-100"),
    # the title is the text's first line as normalization keeps it: the rule read the raw lines, and
    # a dateline, "Advertisement" or a line cut short went into the manifest (and the release's title
    # column) where the normalized text says otherwise
    *(pytest.param(text.encode(), {}, {"title": title}, id=f"title-{name}") for name, text, title in (
        ("dateline", "March 12, 2024\n\nThe envoy met Assad in Damascus.\n", None),  # which normalization drops
        ("boilerplate", "Advertisement\n\nEnvoy meets Assad\n\nThe envoy met Assad.\n", None),
        ("cut-at-nel", "Assad\x85s envoy meets Blinken\n\nBody.\n", None),  # U+0085 ("Assad"), read as "…"
        ("zero-width", "Zero\u200bwidth title\n\nBody.\n", "Zerowidth title"),  # as annotators see it
        ("nfc", "Cafe\u0301 talks resume\n\nBody.\n", "Caf\u00e9 talks resume"),
        # a byline first (a page copied from its byline down) was recorded as the article's title
        ("byline", "By Jane Doe\n\nThe envoy met Assad.\n", None),
        ("byline-capitals", "BY JANE DOE and OMAR al-KHATIB, Reuters\n\nThe envoy met Assad.\n", None),
        ("by-the-numbers", "By the numbers: Syria's war\n\nBody.\n", "By the numbers: Syria's war"),
        ("by-a-thread", "By A Thread\n\nThe ceasefire holds.\n", "By A Thread"),  # an article after "By": no name
        ("by-assad-s-order", "By Assad's order, envoys leave\n\nBody.\n", "By Assad's order, envoys leave"),
        # a file whose lines end at CR alone: its first line, not the whole file (which the record
        # refused as a title spanning lines, about a --title nobody gave)
        ("cr-lines", "Syria talks\rWASHINGTON \u2014 text here.\rMore.\r", "Syria talks"),
        # only a file that opens as a web page's source is refused (raw-html): markup further in, or
        # a headline about HTML, is an article's text
        ("markup-quoted", "HTML5 at 15\n\nThe <html> tag opens a page, <!DOCTYPE html> before it.\n", "HTML5 at 15"))),
])
def test_an_added_record_says_what_the_file_and_options_state(corpus_copy, tmp_path, data, options, recorded):
    [added] = add_files(corpus_copy, [write(tmp_path, "a.txt", data)], **options)
    assert {name: attrgetter(name)(added.record) for name in recorded} == recorded
    assert check_raw(corpus_copy).valid


@pytest.mark.parametrize("corpus, why", [("copy", "disk-full"), ("copy", "locked"), ("new", "disk-full"),
                                         ("new", "a-file-missing")])
def test_an_add_that_cannot_finish_leaves_the_corpus_as_it_was(corpus_copy, tmp_path, monkeypatch,
                                                               another_command_holds_the_lock, corpus, why):
    """A refused first add leaves no raw/ either: nothing half-written, the next add starts the corpus afresh."""
    layout = corpus_copy if corpus == "copy" else Layout.at(tmp_path / "corpus")
    layout.root.mkdir(exist_ok=True)
    paths = _new_articles(tmp_path) + [tmp_path / "in" / "gone.txt"] * (why == "a-file-missing")
    before = tree(layout.root)
    if why == "disk-full":
        fail_writing_the_manifest(monkeypatch)
    elif why == "locked":
        another_command_holds_the_lock(layout)
    with pytest.raises(OSError if why == "disk-full" else CorpusError) as refused:
        add_files(layout, paths)
    assert tree(layout.root) == before
    assert why == "disk-full" or (refused.value.code, why) in {("corpus-locked", "locked"),
                                                               ("add-input-missing", "a-file-missing")}
    assert why != "locked" or "ingest, pid 1" in refused.value.message
    if corpus == "new":
        monkeypatch.undo()
        assert len(add_files(layout, _new_articles(tmp_path))) == 2 and check_raw(layout).valid


# --- an add killed part way --------------------------------------------------------------------

def _articles(tmp_path: Path, count: int) -> list[Path]:
    body = ARTICLE.read_bytes()
    return [write(tmp_path, f"copy-{number:03d}.txt", body + f"\nCopy {number}.\n".encode()) for number in range(count)]


def _dead_staging(layout: Layout) -> Path:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # reaped: its pid names no process
    staging = layout.raw / f".add-{gone.pid}-abc123.tmp"
    staging.mkdir()
    return staging


def _killed_add(layout: Layout, tmp_path: Path, articles: list[Path], moved: int) -> tuple[Layout, list, Path]:
    """A dead add's staging directory in ``layout``'s raw/, holding the manifest of ``articles``
    (added to a copy of the corpus, returned with them), their first ``moved`` files moved into
    raw/ before the kill and the rest still staged."""
    elsewhere = Layout.at(tmp_path / "elsewhere")
    shutil.copytree(layout.raw, elsewhere.raw)
    added = add_files(elsewhere, articles)
    staging = _dead_staging(layout)
    (staging / "manifest.jsonl").write_bytes(elsewhere.manifest.read_bytes())
    for number, item in enumerate(added):
        into = layout.raw if number < moved else staging
        (into / item.record.file).write_bytes((elsewhere.raw / item.record.file).read_bytes())
    return elsewhere, added, staging


KILLED = "an add was killed while it moved its files in (its manifest is staged in raw/{staging}); " \
         "`corpus-tools add` with no file finishes it"
UNLISTED = ("raw-unlisted", "raw file is not in the manifest: " + KILLED + ", or says why it cannot")


@pytest.mark.parametrize("corpus, moved, problems", [
    # every command refused with "raw-unlisted", naming no way out but adding another file
    pytest.param("copy", 1, [UNLISTED], id="one-of-two-moved"),
    # the add gave the manifest its final line break first, and finishing it counted that as a
    # document: "lists its 3 documents" of 2
    pytest.param("copy-without-final-line-break", 0, [], id="none-moved-no-final-line-break"),
    # every file in, the manifest not: add with no file finished it, then said there was nothing
    pytest.param("copy", 2, [UNLISTED] * 2, id="every-file-moved"),
    # killed while it moved the first files of a new corpus in: no manifest yet, raw files in raw/
    pytest.param("new", 1, [("manifest-missing", "no manifest: " + KILLED)], id="new-corpus"),
])
def test_add_with_no_file_finishes_a_killed_add_and_then_finds_nothing_to_do(corpus_copy, tmp_path, corpus, moved,
                                                                             problems):
    layout = Layout.at(tmp_path / "corpus") if corpus == "new" else corpus_copy
    layout.raw.mkdir(parents=True, exist_ok=True)
    if corpus == "copy-without-final-line-break":
        layout.manifest.write_bytes(layout.manifest.read_bytes().rstrip(b"\n"))
    articles = _new_articles(tmp_path) if corpus == "new" else _articles(tmp_path, 2)
    elsewhere, _, staging = _killed_add(layout, tmp_path, articles, moved=moved)
    assert [(problem.code, problem.message) for problem in check_raw(layout).problems] == [
        (code, message.format(staging=staging.name)) for code, message in problems]
    result = CliRunner().invoke(cli, ["add", "--root", str(layout.root)])
    assert (result.exit_code, result.output) == (0, "finished an add that was killed: the manifest lists its 2 "
                                                    "documents\n")
    assert check_raw(layout).valid and snapshot(layout) == snapshot(elsewhere)
    nothing = CliRunner().invoke(cli, ["add", "--root", str(layout.root)])
    assert (nothing.exit_code, nothing.output) == (1, "Error: [add-input-missing] no file to add, and no killed add to "
                                                      "finish\n")


def test_an_add_killed_after_staging_its_manifest_is_finished_by_the_next(corpus_copy, tmp_path):
    """Killed between moving its raw files in and replacing the manifest: a raw file in raw/ that
    the manifest does not list would stop every command that checks raw/. The next add finishes."""
    first, second = _articles(tmp_path, 2)
    _, added, _ = _killed_add(corpus_copy, tmp_path, [first], moved=1)
    add_files(corpus_copy, [second])
    records = read_manifest(corpus_copy.manifest)
    assert [record.doc_id for record in records[-2:]] == [added[0].record.doc_id, records[-1].doc_id]
    assert check_raw(corpus_copy).valid
    assert not list(corpus_copy.raw.glob(".add-*"))


def test_a_killed_add_whose_manifest_changed_since_is_refused_not_dropped(corpus_copy, tmp_path):
    """The next add removed the staged manifest, leaving the moved files unlisted for good."""
    _, _, staging = _killed_add(corpus_copy, tmp_path, _articles(tmp_path, 1), moved=1)
    with corpus_copy.manifest.open("ab") as manifest:
        manifest.write(b"\n")  # changed since
    result = CliRunner().invoke(cli, ["add", "--root", str(corpus_copy.root)])
    assert result.exit_code == 1 and "[raw-unlisted] an add was killed while it moved its files in, and the " \
        "manifest changed since" in result.output
    assert (staging / "manifest.jsonl").exists()


def test_an_add_interrupted_once_its_manifest_is_in_place_keeps_its_files(corpus_copy, tmp_path, monkeypatch):
    """The cleanup removed the files the new manifest lists: every command then said raw-missing."""
    real_rename = os.rename

    def rename(source, target):
        real_rename(source, target)
        if Path(target) == corpus_copy.manifest:
            raise KeyboardInterrupt  # Ctrl-C just after the manifest was replaced

    monkeypatch.setattr(add_module.os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        add_files(corpus_copy, _articles(tmp_path, 3))
    monkeypatch.undo()
    assert len(read_manifest(corpus_copy.manifest)) == 10 and check_raw(corpus_copy).valid


def test_an_add_killed_before_staging_its_manifest_left_nothing_to_finish(corpus_copy, tmp_path):
    before = snapshot(corpus_copy)
    staging = _dead_staging(corpus_copy)
    (staging / "099_0123456789abcdef.txt").write_bytes(ARTICLE.read_bytes())
    add_files(corpus_copy, _articles(tmp_path, 1))
    [new] = set(snapshot(corpus_copy)) - set(before) - {"manifest.jsonl"}
    assert new == read_manifest(corpus_copy.manifest)[-1].file  # the staged file went with its staging
    assert not list(corpus_copy.raw.glob(".add-*"))
    assert check_raw(corpus_copy).valid


def test_an_add_killed_while_writing_leaves_raw_clean_and_the_rerun_adds_the_same(corpus_copy, tmp_path):
    """SIGKILLed from outside as soon as its first raw file is written, staged or in raw/."""
    articles = _articles(tmp_path, 40)
    reference = Layout.at(tmp_path / "reference")
    shutil.copytree(corpus_copy.raw, reference.raw)
    add_files(reference, articles)
    process = subprocess.Popen([sys.executable, "-m", "corpus_tools.cli", "add", *map(str, articles),
                                "--root", str(corpus_copy.root)], stderr=subprocess.PIPE)
    listed = set(corpus_copy.raw.glob("*.txt"))
    deadline = time.monotonic() + 300  # guards against a hung add; not a timing test
    while process.poll() is None and time.monotonic() < deadline and not (
            list(corpus_copy.raw.glob(".add-*/*.txt")) or set(corpus_copy.raw.glob("*.txt")) - listed):
        time.sleep(0.001)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert check_raw(corpus_copy).valid  # nothing unlisted, whenever the kill landed
    if corpus_copy.manifest.read_bytes() != reference.manifest.read_bytes():  # the kill came before the end
        add_files(corpus_copy, articles)
    assert snapshot(corpus_copy) == snapshot(reference)


def test_the_help_says_which_options_describe_one_file():
    """--publisher, --date and --invented are refused with several files, and the help said so
    of --doc-id and --title only (found by a hunt)."""
    output = CliRunner().invoke(cli, ["add", "--help"], terminal_width=400).output
    shown = " ".join(output[output.index("Options:"):].split())
    for option in ("--doc-id", "--title", "--publisher", "--date", "--invented"):
        described = shown[shown.index(f"{option} "):]
        assert "(one file only)" in described[:described.index("--", 2)], option


# --- a corpus started by add -------------------------------------------------------------------

def _new_articles(tmp_path: Path) -> list[Path]:
    return [write(tmp_path, name, data) for name, data in (
        ("b.txt", b"Talks resume in Damascus\n\nBody of the article.\n"),
        ("a.txt", b"Second article on Syria\n\nMore body.\n"))]


@pytest.mark.parametrize("raw", ["none", "empty", "gitkeep"])
def test_add_starts_a_corpus_where_none_was_and_check_raw_release_and_tasks_work(tmp_path, raw):
    """A corpus without raw/manifest.jsonl could not be started: add refused with "no manifest",
    and a new corpus needed an empty manifest made by hand, which no doc said (found by a hunt)."""
    root = tmp_path / "corpus"
    root.mkdir()
    if raw != "none":
        (root / "raw").mkdir()
    if raw == "gitkeep":
        (root / "raw" / ".gitkeep").write_bytes(b"")
    layout = Layout.at(root)
    articles = _new_articles(tmp_path)
    added = add_files(layout, articles)
    data = sorted((path.read_bytes() for path in articles), key=lambda data: hashlib.sha256(data).hexdigest())
    shas = [hashlib.sha256(item).hexdigest() for item in data]
    assert [item.record.doc_id for item in added] == [f"000_{shas[0][:16]}", f"001_{shas[1][:16]}"]
    assert sorted(path.name for path in layout.raw.iterdir()) == sorted(
        ["manifest.jsonl", f"000_{shas[0][:16]}.txt", f"001_{shas[1][:16]}.txt"] + ([".gitkeep"] * (raw == "gitkeep")))
    assert [(layout.raw / item.record.file).read_bytes() for item in added] == data
    assert layout.manifest.read_bytes() == b"".join(manifest_line(item.record) for item in added)
    assert check_raw(layout).valid and dict(check_raw(layout).stats) == {"documents": 2}
    runner = CliRunner()
    tasks = runner.invoke(cli, ["labelstudio", "tasks", "--root", str(root), "-o", str(tmp_path / "tasks.json")])
    assert tasks.exit_code == 0 and tasks.output == f"wrote 2 tasks to {tmp_path / 'tasks.json'}\n", tasks.output
    released = runner.invoke(cli, ["release", "--root", str(root)])  # documents only: nobody annotated them
    assert released.exit_code == 0, released.output
    [version] = [path for path in (root / "dist").iterdir()]
    documents = corpus_tools.load_pandas(version, "documents")
    assert sorted(documents["doc_id"]) == [item.record.doc_id for item in added]
    assert len(corpus_tools.load_pandas(version, "entities")) == 0
    more = add_files(layout, [write(tmp_path, "c.txt", b"Third article\n\nBody.\n")])  # and it grows
    assert more[0].record.doc_id.startswith("002_") and check_raw(layout).valid


RESTORE = "restore it (from git: `git checkout -- raw/manifest.jsonl`)"
RAW_LOST = "the corpus had documents, and its raw/ is lost; restore it (from git: `git checkout -- raw/`); " \
           "`corpus-tools add` starts a corpus only where there was none"


@pytest.mark.parametrize("lost, said", [
    pytest.param("manifest", "no manifest, but raw/ holds 2 files ('000_0123456789abcdef.txt' first): if a manifest "
                 f"listed them, it is lost: {RESTORE}; if they are articles put there by hand, move them out of raw/ "
                 "and add them with `corpus-tools add`, which starts a corpus where raw/ is empty or missing",
                 id="manifest-beside-raw-files"),
    # the message said the raw files might be articles put there by hand, to be moved out and added:
    # add then refused to start a corpus over the stored exports, naming raw/ as lost (a dead end;
    # found by a review); stored exports or releases say the manifest listed them
    pytest.param("manifest-of-a-corpus-with-exports", "no manifest, but raw/ holds {raw} files ({first_raw!r} first), "
                 "and annotations/exports/ holds {stored} stored exports ({first_stored!r} first): the corpus had "
                 f"documents, and the manifest that listed them is lost; {RESTORE}",
                 id="manifest-of-a-corpus-with-exports"),
    # no raw/ at all, but stored exports (annotations of its documents) or a release: the corpus lost
    # its raw/, and add started a new one over it (raw/ of the one new file, every stored export then
    # about documents that were not there)
    pytest.param("raw-of-a-corpus-with-exports", "no manifest and no raw file, but annotations/exports/ holds {stored} "
                 "stored exports ({first_stored!r} first): " + RAW_LOST, id="raw-of-a-corpus-with-exports"),
    pytest.param("raw-of-a-corpus-with-a-release", "no manifest and no raw file, but dist/ holds 1 release (1.0.0): "
                 + RAW_LOST, id="raw-of-a-corpus-with-a-release"),
])
def test_a_corpus_that_lost_its_manifest_or_raw_is_not_started_over(corpus_copy, tmp_path, lost, said):
    layout = corpus_copy
    if lost == "manifest":  # a corpus of raw files only (no exports, no release)
        layout = Layout.at(tmp_path / "corpus")
        layout.raw.mkdir(parents=True)
        for number in range(2):
            (layout.raw / f"00{number}_0123456789abcdef.txt").write_bytes(b"An article\n")
    elif lost == "manifest-of-a-corpus-with-exports":
        layout.manifest.unlink()
    else:
        shutil.rmtree(layout.raw)
        if lost == "raw-of-a-corpus-with-a-release":
            shutil.rmtree(layout.exports)
            (layout.dist / "1.0.0").mkdir(parents=True)
    raw, stored = (sorted(path.name for path in where.iterdir()) if where.exists() else [""]
                   for where in (layout.raw, layout.exports))
    said = said.format(raw=len(raw), first_raw=raw[0], stored=len(stored), first_stored=stored[0])
    articles, before = _new_articles(tmp_path), tree(layout.root)
    with pytest.raises(CorpusError) as refused:
        add_files(layout, articles)
    assert (refused.value.code, refused.value.message, refused.value.location.file) == (
        "manifest-missing", said, str(layout.manifest))
    assert tree(layout.root) == before
    [problem] = check_raw(layout).problems
    assert (problem.code, problem.message) == ("manifest-missing", said)
    if lost == "raw-of-a-corpus-with-a-release":
        # an empty store and no release: a new corpus, which the registry alone does not make old
        shutil.rmtree(layout.dist)
        (layout.exports).mkdir(parents=True)
        assert len(add_files(layout, _new_articles(tmp_path))) == 2


def test_every_command_on_a_corpus_without_a_document_says_add_starts_it(tmp_path):
    """Each said only "no manifest", naming no way on."""
    root = tmp_path / "corpus"
    (root / "raw").mkdir(parents=True)
    said = ("[manifest-missing] no manifest: no document has been added to this corpus yet; `corpus-tools add "
            "FILE...` starts it")
    for command in (["check-raw"], ["normalize", "--out", str(tmp_path / "out")], ["release"],
                    ["labelstudio", "tasks", "-o", str(tmp_path / "tasks.json")]):
        result = CliRunner().invoke(cli, [*command, "--root", str(root)])
        assert result.exit_code == 1, command
        assert result.output.strip().splitlines()[0] in (f"Error: {root / 'raw' / 'manifest.jsonl'}: {said}",
                                                        f"{root / 'raw' / 'manifest.jsonl'}: error {said}"), command
    assert sorted(path.name for path in root.iterdir()) == ["build", "raw"] and not list((root / "raw").iterdir())


def test_cli_add_starts_a_corpus_where_root_names_a_directory_without_one(tmp_path, monkeypatch):
    """A corpus could not be started from the command line without a manifest made by hand. It is
    started where --root names it, never unasked: outside any corpus, add without --root is
    corpus-not-found and makes nothing (a corpus started by mistake in a home directory would be
    the one every command run below it finds)."""
    here = tmp_path / "new-corpus"
    here.mkdir()
    monkeypatch.chdir(here)
    runner = CliRunner()
    articles = list(map(str, _new_articles(tmp_path)))
    unasked = runner.invoke(cli, ["add", *articles])
    assert unasked.exit_code == 1 and unasked.output == (
        f"Error: [corpus-not-found] not inside a corpus: neither {here} nor any directory above it holds "
        "raw/manifest.jsonl or annotations/entity-registry.jsonl; cd into a checkout or pass --root DIR "
        "(`corpus-tools add --root DIR FILE...` starts a new corpus in DIR)\n")
    nothing = runner.invoke(cli, ["add", "--root", "."])  # no file: refused, and nothing made, not even build/
    assert nothing.exit_code == 1 and nothing.output == "Error: [add-input-missing] no file to add, and no killed " \
        "add to finish\n" and not list(here.iterdir())
    result = runner.invoke(cli, ["add", "--root", ".", *articles])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"added 2 files to {here / 'raw' / 'manifest.jsonl'} (a new corpus: " \
        "this add created it)"
    assert runner.invoke(cli, ["check-raw"]).output == "valid (2 documents)\n"  # the root is found here now
    more = runner.invoke(cli, ["add", str(write(tmp_path, "c.txt", b"Third article\n\nBody.\n"))])
    assert more.output.splitlines()[-1] == f"added 1 file to {here / 'raw' / 'manifest.jsonl'}"


@pytest.mark.parametrize("named", ["raw/manifest.jsonl", "raw/dropped.txt", "annotations/entity-registry.jsonl",
                                   "link", "alias/raw/dropped.txt"])
def test_a_file_in_the_corpus_s_own_raw_or_annotations_is_not_an_article_to_add(corpus_copy, tmp_path, named):
    """`add raw/*` added the manifest itself as an article (check-raw then passed), and an article
    put into raw/ by hand was refused as an unlisted raw file, naming no way on (found by a hunt)."""
    (corpus_copy.raw / "dropped.txt").write_bytes(b"Dropped into raw by hand\n\nBody.\n")
    # the refusal said "(a link to ...)" of a file named by a path through a linked directory (a home
    # directory on another disk, macOS's /tmp): the name differed from where it led
    (tmp_path / "alias").symlink_to(corpus_copy.root)
    if named == "link":
        path = tmp_path / "link.txt"
        path.symlink_to(corpus_copy.manifest)
    else:
        path = corpus_copy.root / named
    before = snapshot(corpus_copy)
    with pytest.raises(CorpusError) as refused:
        add_files(Layout.at(tmp_path / named.split("/")[0]) if named.startswith("alias") else corpus_copy,
                  [write(tmp_path, "fine.txt", b"A fine article\n\nBody.\n"), path])
    directory = named.split("/")[-2] if named != "link" else "raw"
    through = f" (a link to {corpus_copy.manifest})" if named == "link" else ""
    held = ("the files add copied in (each named by its doc_id) and their manifest: an article is added from outside "
            "it (one put into raw/ by hand: move it out, then add it)" if directory == "raw" else
            "what the corpus is made of, not articles to add: an article is added from outside it")
    assert (refused.value.code, refused.value.location.file, refused.value.message) == (
        "add-input-in-corpus", str(path), f"lies in the corpus's own {directory}/{through}, which holds {held}")
    assert snapshot(corpus_copy) == before


def test_a_corpus_is_not_started_inside_another_corpus_s_raw(corpus_copy, tmp_path):
    """`add --root raw FILE` made a corpus inside the corpus's raw/ (raw/raw/, raw/build/), whose
    files every command then refused as unlisted (found by a hunt)."""
    article = _new_articles(tmp_path)[0]
    before = snapshot(corpus_copy)
    result = CliRunner().invoke(cli, ["add", "--root", str(corpus_copy.raw), str(article)])
    assert result.exit_code == 1 and result.output == (
        f"Error: {corpus_copy.raw}: [output-protected] lies inside the corpus's raw/ ({corpus_copy.raw}), which only "
        "its own commands write: start the corpus in a directory outside it\n")
    assert snapshot(corpus_copy) == before and check_raw(corpus_copy).valid


@pytest.mark.parametrize("made, arguments, said", [
    # the corpus lock was taken first, which made build/ in a directory where add was to start a
    # corpus, and then the file named was found missing
    pytest.param({}, ["artcle.txt"], "artcle.txt: [add-input-missing] no such file", id="mistyped-file"),
    # a file refused when checked (binary, undecodable, metadata without evidence) left build/ there:
    # the corpus lock, taken before the check (found by a review)
    pytest.param({}, ["../in/a.txt", "../in/b.bin"], "../in/b.bin: [raw-binary] a NUL byte at byte 0: a binary file, "
                 "not text", id="binary-file"),
    pytest.param({}, ["../in/a.txt", "--date", "2024-03-12"], "../in/a.txt: [metadata-invalid] --date given without "
                 "--date-evidence ('line N' or a sentence of reasoning): a value is never recorded unsupported",
                 id="date-without-evidence"),
    # a new team's first try, `corpus-tools add raw/*.txt`, was told its manifest was lost
    pytest.param({"raw/article.txt": b"An article\n\nBody.\n"}, ["raw/article.txt"], "raw/article.txt: "
                 "[add-input-in-corpus] lies in the corpus's own raw/, which holds the files add copied in (each named "
                 "by its doc_id) and their manifest: an article is added from outside it (one put into raw/ by hand: "
                 "move it out, then add it)", id="article-put-into-raw"),
    # a downloaded release, in no corpus: add would start one in it
    pytest.param({"SHA256SUMS": b""}, ["../in/a.txt"], "{here}: [output-protected] lies inside the release {here}; "
                 "releases are never written to: start the corpus in a directory outside it", id="inside-a-release"),
])
def test_add_where_it_would_start_a_corpus_refuses_in_one_line_leaving_nothing(tmp_path, monkeypatch, made, arguments,
                                                                               said):
    here = tmp_path / "here"
    for name, data in made.items():
        (here / name).parent.mkdir(parents=True, exist_ok=True)
        (here / name).write_bytes(data)
    here.mkdir(exist_ok=True)
    write(tmp_path, "a.txt", b"Talks resume in Damascus\n\nBody of the article.\n")
    write(tmp_path, "b.bin", b"\x00\x01\x02")
    monkeypatch.chdir(here)
    before = tree(here)
    result = CliRunner().invoke(cli, ["add", "--root", ".", *arguments])
    assert (result.exit_code, result.output) == (1, f"Error: {said.format(here=here)}\n")
    assert tree(here) == before and not (here / "build").exists()  # nothing made, not even build/
    if not made:  # and the next add starts the corpus
        started = CliRunner().invoke(cli, ["add", "--root", ".", "../in/a.txt"])
        assert started.output.splitlines()[-1].endswith("(a new corpus: this add created it)")
        assert sorted(path.name for path in here.iterdir()) == ["build", "raw"]


def test_numbering_many_files_looks_at_each_doc_id_once(tmp_path, monkeypatch):
    """Each file's number was found again over every doc_id before it, the ones numbered in this
    call included: an add of n files matched some n²/2 doc_ids (20,000 files, 2·10^8 matches,
    over a minute before anything was written). Counted, not timed."""
    matched, real = [], add_module._NUMBERED
    monkeypatch.setattr(add_module, "_NUMBERED", SimpleNamespace(
        fullmatch=lambda text: matched.append(text) or real.fullmatch(text)))
    layout = Layout.at(tmp_path / "corpus")
    layout.root.mkdir()
    paths = [write(tmp_path, f"{n:02d}.txt", f"Article {n} on Syria\n\nBody {n}.\n".encode()) for n in range(60)]
    added = add_files(layout, paths)
    assert [item.record.doc_id[:4] for item in added] == [f"{n:03d}_" for n in range(60)]
    assert len(matched) == 60  # once per new doc_id (no doc_id before them)
    more = add_files(layout, [write(tmp_path, "more.txt", b"One more article\n\nBody.\n")])
    assert more[0].record.doc_id.startswith("060_") and len(matched) == 60 + 60 + 1


def test_add_checks_each_raw_file_once(corpus_copy, tmp_path, monkeypatch):
    """add ran check_raw and then opened the document index, which checks the corpus again: every
    raw file was read and hashed twice before anything was added. Counted, not timed."""
    checked, real = [], raw_module._check_raw_file
    monkeypatch.setattr(raw_module, "_check_raw_file",
                        lambda path, *args: checked.append(Path(path).name) or real(path, *args))
    records = read_manifest(corpus_copy.manifest)
    add_files(corpus_copy, [write(tmp_path, "new.txt", b"A new article on Syria\n\nBody.\n")])
    assert checked == [record.file for record in records]
    (corpus_copy.raw / records[0].file).write_bytes(b"changed")  # and a corpus that fails the check is refused
    with pytest.raises(CorpusError) as refused:
        add_files(corpus_copy, [write(tmp_path, "other.txt", b"Another article\n\nBody.\n")])
    assert refused.value.code == "raw-size-mismatch" and refused.value.location.file == str(
        corpus_copy.raw / records[0].file)


def test_cli_add_shows_the_reading_and_the_checking_before_the_writing(corpus_copy, tmp_path, monkeypatch):
    """Only the writing drew a bar: reading the corpus's texts (all of them after a fresh clone)
    and checking each file (decoding, normalizing, numbering), most of an add's time, showed
    nothing on the terminal."""
    monkeypatch.setattr(progress_module, "DELAY", 0)
    monkeypatch.setattr(progress_module, "MININTERVAL", 0)
    monkeypatch.setattr(progress_module, "shows_progress", lambda stream: True)
    paths = [write(tmp_path, f"{n}.txt", f"Article {n} on Syria\n\nBody {n}.\n".encode()) for n in range(3)]
    result = CliRunner().invoke(cli, ["add", "--root", str(corpus_copy.root), *map(str, paths)])
    assert result.exit_code == 0, result.output
    drawn = result.stderr
    documents = len(read_manifest(corpus_copy.manifest)) - 3
    # to the document index's count, given before the first is read (it counted with no end)
    assert f"reading the corpus: 100%|██████████| {documents}/{documents} [" in drawn
    assert all(f"/{documents} [" in state for state in drawn.split("\r") if state.startswith("reading the corpus:"))
    assert "checking: 100%" in drawn and "| 3/3 " in drawn[drawn.index("checking: 100%"):]
    assert drawn.index("reading the corpus") < drawn.index("checking") < drawn.index("adding: 100%")


def test_a_new_corpus_s_files_checked_before_the_lock_are_checked_again_if_an_add_started_it(tmp_path):
    """The plan made before the lock (a new corpus) is made again under it when the corpus is new
    no more by then: here an add killed after staging its manifest, which this add finishes first."""
    layout = Layout.at(tmp_path / "corpus")
    layout.raw.mkdir(parents=True)
    articles = _new_articles(tmp_path)
    _, first, _ = _killed_add(layout, tmp_path, articles, moved=0)  # before it moved a file in: hidden names only
    with pytest.raises(CorpusError) as refused:  # the same bytes again: in the corpus once the killed add is done
        add_files(layout, articles[:1])
    [again] = [item.record.doc_id for item in first if item.source == str(articles[0])]
    assert refused.value.message.startswith(f"already in the corpus as {again} ")
    [third] = add_files(layout, [write(tmp_path, "c.txt", b"Third article\n\nBody.\n")])
    assert third.record.doc_id.startswith("002_") and check_raw(layout).valid


