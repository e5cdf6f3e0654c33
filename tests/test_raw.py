"""raw/ and its manifest: the committed corpus checks clean, and every kind of breakage is caught."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import corpus_tools.documents.raw as raw
from corpus_tools.cli import cli
from corpus_tools.documents.add import add_files
from corpus_tools.documents.cache import NormalizedCache, RawIndex
from corpus_tools.documents.index import (NORMALIZED_LISTING, DocumentIndex, document_sidecar, load_document,
                                          write_normalized)
from corpus_tools.documents.raw import (MAX_COMBINING_RUN, check_doc_id, check_raw, check_raw_indexed, combining_run,
                                        doc_id_key, iter_raw, read_manifest)
from corpus_tools.errors import CorpusError, Location
from corpus_tools.layout import Layout

from conftest import COMMITTED_DOC_IDS, SEED_DOC_IDS

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "seeds"
INVENTED = ("Invented article: written for this repository as a test fixture and for the multi-annotator "
            "round (tests/fixtures/articles/README.md); not a real report, so it has no publisher.")


def rewrite_manifest(layout: Layout, edit) -> None:
    """Apply ``edit`` to the list of manifest records (as dicts) and write them back."""
    records = edit([json.loads(line) for line in layout.manifest.read_text().splitlines() if line.strip()])
    layout.manifest.write_text("".join(json.dumps(r) + "\n" for r in records))


def set_file(layout: Layout, doc_id: str, data: bytes, encoding: str = "utf-8") -> None:
    """Replace a raw file and keep its manifest record in step, so only the content is at fault."""
    (layout.raw / f"{doc_id}.txt").write_bytes(data)
    rewrite_manifest(layout, lambda records: [dict(record, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                                                   encoding=encoding) if record["doc_id"] == doc_id else record
                                              for record in records])


def test_committed_raw_corpus_checks_clean():
    report = check_raw(Layout.at(REPO))
    assert report.valid, [str(p) for p in report]
    assert dict(report.stats) == {"documents": len(COMMITTED_DOC_IDS)}


@pytest.mark.parametrize(("args", "exit_code", "output"), [
    pytest.param(["check-raw"], 0, f"valid ({len(COMMITTED_DOC_IDS)} documents)\n", id="check-raw-valid"),
    pytest.param(["normalize", "--doc", "003_840a8be26e4ddaa5"], 0,
                 (REPO / "tests" / "golden" / "003_840a8be26e4ddaa5.txt").read_text(encoding="utf-8") + "\n",
                 id="normalize-one-document-prints-it"),
    pytest.param(["normalize", "--doc", "../etc/passwd"], 1, f"Error: {REPO}/raw/manifest.jsonl: [doc-unknown] doc_id "
                 "'../etc/passwd' is not a document of this corpus (raw/manifest.jsonl does not list it)\n",
                 id="normalize-an-unknown-doc-is-a-one-line-error"),
])
def test_a_command_on_the_committed_corpus(args, exit_code, output):
    result = CliRunner().invoke(cli, [*args, "--root", str(REPO)])
    assert (result.exit_code, result.output) == (exit_code, output)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="needs ../shared/seeds beside the checkout")
@pytest.mark.parametrize("doc_id", SEED_DOC_IDS)  # the real articles; the invented ones are tests/fixtures/articles
def test_raw_files_are_the_seeds_byte_for_byte(doc_id):
    assert (REPO / "raw" / f"{doc_id}.txt").read_bytes() == (SEEDS / f"{doc_id}.txt").read_bytes()


def test_manifest_metadata_is_what_the_texts_support():
    records = {r.doc_id: r for r in read_manifest(REPO / "raw" / "manifest.jsonl")}
    assert list(records) == [*SEED_DOC_IDS, "005_2cde5fe42a71d5e6", "006_13b7e5813f40efdc"]
    stated = {d: (r.publication_date, r.publication_date_precision, r.publication_date_evidence.kind)
              for d, r in records.items()}
    assert stated == {
        "000_cbeedfbee8440207": ("2024", "year", "inferred"),
        "001_d79359122f2d4c78": ("2024-04-25", "day", "stated"),
        "002_9bc3c6dfe5868321": ("2023-05", "month", "inferred"),
        "003_840a8be26e4ddaa5": ("2021-10", "month", "inferred"),
        "004_3e4c866fc9bc1c15": ("2021-09-30", "day", "stated"),
        "005_2cde5fe42a71d5e6": ("2022-08-19", "day", "stated"),
        "006_13b7e5813f40efdc": (None, None, "none"),  # only implied ("began in mid-January 2024")
    }
    assert {d: r.publisher for d, r in records.items()} == dict.fromkeys(records) | {
        "001_d79359122f2d4c78": "The New Arab"}
    # The two invented articles (tests/fixtures/articles, added with `corpus-tools add`) say so.
    for doc_id in ("005_2cde5fe42a71d5e6", "006_13b7e5813f40efdc"):
        evidence = records[doc_id].publisher_evidence
        assert (evidence.kind, evidence.reasoning) == ("none", INVENTED)
        fixture = next(path for path in (REPO / "tests" / "fixtures" / "articles").glob("*.txt")
                       if path.read_bytes() == (REPO / "raw" / records[doc_id].file).read_bytes())
        assert f"`{fixture.name}`" in (fixture.parent / "README.md").read_text(encoding="utf-8")
    # Stated evidence quotes the raw line it cites, exactly.
    for record in records.values():
        evidence = record.publication_date_evidence
        if evidence.kind == "stated":
            lines = (REPO / "raw" / record.file).read_text(encoding="utf-8").split("\n")
            assert lines[evidence.line - 1] == evidence.quote
    assert records["004_3e4c866fc9bc1c15"].title is None


def only_error(layout: Layout):
    report = check_raw(layout)
    assert not report.valid
    assert len(report.errors) == 1, [str(p) for p in report]
    return report.errors[0]


def written(name: str, data: bytes = b"x\n"):
    """A file ``name`` put in raw/ (a directory for a name without a dot), beside a hidden one: a
    hidden name is never counted (an add's staging and temporaries are hidden too)."""
    def damage(layout: Layout) -> None:
        (layout.raw / ".gitkeep").write_text("")
        if "." in name:
            (layout.raw / name).write_bytes(data)
        else:
            (layout.raw / name).mkdir()
    return damage


def flip_a_bit(layout: Layout) -> None:
    path = layout.raw / "003_840a8be26e4ddaa5.txt"
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01  # same size, one bit different
    path.write_bytes(bytes(data))


def first_doc_id(doc_id: str):
    return lambda layout: rewrite_manifest(layout, lambda records: [dict(records[0], doc_id=doc_id), *records[1:]])


def listed_twice(layout: Layout) -> None:
    """The bytes of 002 again, under 007: two checkouts that each added the article, merged."""
    (layout.raw / "007_9bc3c6dfe5868321.txt").write_bytes((layout.raw / "002_9bc3c6dfe5868321.txt").read_bytes())
    rewrite_manifest(layout, lambda records: records + [
        dict(records[2], doc_id="007_9bc3c6dfe5868321", file="007_9bc3c6dfe5868321.txt")])


NOT_RAW = ("not a raw file the manifest lists: raw/ holds the manifest and the sources it lists, nothing else (add "
           "a source with corpus-tools add)")  # only *.txt was counted: a stray source, a backup, a directory passed
UNSAFE = ("is not a safe file name (letters, digits, '_', '.', '-'; not starting with '.'; not a name Windows keeps "
          "for a device, CON, PRN, AUX, NUL, COM0-9 or LPT0-9, in any case and with any extension)")
SHA_002 = hashlib.sha256((REPO / "raw" / "002_9bc3c6dfe5868321.txt").read_bytes()).hexdigest()


@pytest.mark.parametrize(("damage", "line"), [
    pytest.param(written("005_extra.txt", b"An unannounced article.\n"),
                 "raw/005_extra.txt: error [raw-unlisted] raw file is not in the manifest", id="unlisted"),
    *[pytest.param(written(name), f"raw/{name}: error [raw-unlisted] {NOT_RAW}", id=f"unlisted-{name}")
      for name in ("notes.md", "002_9bc3c6dfe5868321.txt~", "old")],
    pytest.param(written(f"{COMMITTED_DOC_IDS[0].upper()}.txt", b"Another article\n"),
                 f"raw/{COMMITTED_DOC_IDS[0].upper()}.txt: error [raw-unlisted] raw file is not in the manifest (its "
                 f"name differs from '{COMMITTED_DOC_IDS[0]}.txt', which the manifest lists, only in case: on a "
                 "case-insensitive filesystem the two are one file)", id="unlisted-a-listed-name-in-another-case"),
    pytest.param(lambda layout: (layout.raw / "002_9bc3c6dfe5868321.txt").unlink(),
                 "raw/002_9bc3c6dfe5868321.txt: error [raw-missing] manifest record '002_9bc3c6dfe5868321' has no "
                 "file", id="missing"),
    pytest.param(flip_a_bit, "raw/003_840a8be26e4ddaa5.txt: error [raw-sha256-mismatch] sha256 8106e4811532893efa6f39"
                 "edcedd4e9ae7b7c7e6df15b190be6f6d95871e9d87, manifest says 48b22d0892b874b9606548e928342b88cbd1eb53b"
                 "db9e14dd1f916a0c0678e1c", id="sha256-mismatch"),
    *[pytest.param(lambda layout, data=data: set_file(layout, "000_cbeedfbee8440207", data),
                   f"raw/000_cbeedfbee8440207.txt: error [raw-empty] the file {message}", id=f"empty-{data!r}")
      for data, message in ((b"", "is empty"), (b"  \r\n\t\n", "holds only whitespace, no text"))],
    pytest.param(lambda layout: set_file(layout, "000_cbeedfbee8440207", "Caf\u00e9 au lait\n".encode("cp1252")),
                 "raw/000_cbeedfbee8440207.txt, byte 3: error [raw-undecodable] invalid utf-8 at byte 3: b'\\xe9 au'; "
                 "if the file is cp1252, say so in the manifest's encoding field", id="invalid-utf8-at-its-byte"),
    # decoded as cp1252, Syria’s became Syriaâ€™s with no error (a bad-input audit)
    pytest.param(lambda layout: set_file(layout, "000_cbeedfbee8440207", "Syria’s war\n".encode(), encoding="cp1252"),
                 "raw/000_cbeedfbee8440207.txt: error [raw-encoding-mismatch] the manifest says cp1252, but the bytes "
                 "are UTF-8 (with characters beyond ASCII), which would decode to other characters: set its encoding "
                 "to utf-8", id="utf8-called-cp1252-is-refused-not-garbled"),
    # the raw file renamed with its record: no test failed when parse_manifest_line accepted it (stop 39)
    pytest.param(lambda layout: ((layout.raw / "002_9bc3c6dfe5868321.txt").rename(layout.raw / "x.txt"),
                                 rewrite_manifest(layout, lambda records: records[:2] + [dict(records[2], file="x.txt")]
                                                  + records[3:])),
                 "raw/manifest.jsonl, line 3: error [manifest-invalid] file must be '002_9bc3c6dfe5868321.txt' (doc_id "
                 "is the file stem)", id="a-file-not-named-by-its-doc-id"),
    pytest.param(lambda layout: rewrite_manifest(layout, lambda records: records + [records[1]]),
                 f"raw/manifest.jsonl, line 8: error [duplicate-doc-id] doc_id {COMMITTED_DOC_IDS[1]!r} appears twice "
                 "(line 2 too)", id="duplicate-doc-id-at-the-appended-copy"),
    pytest.param(listed_twice, f"raw/manifest.jsonl, line 8, doc 007_9bc3c6dfe5868321: error [raw-duplicate] the "
                 f"same bytes (SHA-256 {SHA_002}) as 002_9bc3c6dfe5868321 (line 3): one article is one document; "
                 "remove one of the two records and its raw file", id="the-same-bytes-twice"),
    *[pytest.param(first_doc_id(doc_id), f"raw/manifest.jsonl, line 1: error [unsafe-doc-id] doc_id {doc_id!r} "
                   + UNSAFE, id=f"unsafe-doc-id-{doc_id}")
      for doc_id in ["../x", "a/b", "", ".hidden", "a b",
                     # Windows devices: no raw file (nor a brat .txt or .ann) of that name there
                     "CON", "nul", "Aux.1", "com1", "LPT9.part.2"]],
])
def test_a_broken_raw_corpus_is_one_error_where_it_is_in_check_raw_and_its_json(corpus_copy, damage, line):
    """One error, named where it is, and check-raw --json reports that same problem. (The same
    bytes twice: a release published the article twice, in two folds.)"""
    damage(corpus_copy)
    problem = only_error(corpus_copy)
    assert str(problem).replace(f"{corpus_copy.root}/", "") == line
    result = CliRunner().invoke(cli, ["check-raw", "--root", str(corpus_copy.root), "--json"])
    assert result.exit_code == 1
    assert (json.loads(result.output)["valid"], json.loads(result.output)["problems"]) == (False, [problem.as_dict()])


def test_cp1252_is_decoded_only_when_the_manifest_says_so(corpus_copy):
    """ASCII is the same in both: it stays accepted as cp1252 (UTF-8 beyond ASCII is refused)."""
    data = "\u201cCaf\u00e9\u201d \u2013 a cp1252 article.\n".encode("cp1252")
    set_file(corpus_copy, "000_cbeedfbee8440207", data, encoding="cp1252")
    texts = {text.record.doc_id: text.text for text in iter_raw(corpus_copy)}
    assert texts["000_cbeedfbee8440207"] == "\u201cCaf\u00e9\u201d \u2013 a cp1252 article.\n"
    set_file(corpus_copy, "000_cbeedfbee8440207", b"Syria's war\n", encoding="cp1252")
    assert check_raw(corpus_copy).valid


def test_a_cp1252_document_s_normalization_is_stored_under_its_encoding(corpus_copy):
    """The store's key is the raw SHA-256 and the encoding the bytes were decoded with: a
    cp1252 document normalized once is found again by that key, by the next index too."""
    data = "\u201cCaf\u00e9\u201d \u2013 a cp1252 article.\n".encode("cp1252")
    set_file(corpus_copy, "000_cbeedfbee8440207", data, encoding="cp1252")
    document = DocumentIndex(corpus_copy)["000_cbeedfbee8440207"]
    stored = NormalizedCache(corpus_copy.build / "cache").get(hashlib.sha256(data).hexdigest(), "cp1252")
    assert stored is not None and stored.text == document.text == "\u201cCaf\u00e9\u201d \u2013 a cp1252 article."

def test_check_raw_lists_every_problem_of_the_manifest_not_the_first_alone(corpus_copy):
    """check-raw stopped at the first bad line or duplicate doc_id, and dropped every problem found
    before it (and the files' checks after it): a manifest merged from branches was mended one
    line per run. A bad line's raw file is not also called unlisted."""
    def edit(records):
        records[1]["doc_id"] = "a b"  # unsafe; its file stays listed
        records[3]["sha256"] = "0" * 64
        return records + [records[2]]  # a doc_id twice
    rewrite_manifest(corpus_copy, edit)
    with corpus_copy.manifest.open("a") as manifest:
        manifest.write("not json\n")
    report = check_raw(corpus_copy)
    found = [(problem.code, problem.location.line or Path(problem.location.file).name) for problem in report.errors]
    assert found == [("unsafe-doc-id", 2), ("raw-sha256-mismatch", f"{COMMITTED_DOC_IDS[3]}.txt"),
                     ("duplicate-doc-id", 8), ("manifest-invalid", 9)]
    result = CliRunner().invoke(cli, ["check-raw", "--root", str(corpus_copy.root)])
    assert result.exit_code == 1 and len([line for line in result.output.splitlines() if "error [" in line]) == 4


@pytest.mark.parametrize("first, second", [("007_abc", "007_ABC"), ("007_ABC", "007_abc")])
def test_doc_ids_that_differ_only_in_case_are_refused_naming_both_records(corpus_copy, tmp_path, first, second):
    """Two branches' manifests merged can hold 007_abc and 007_ABC: one raw file on a
    case-insensitive filesystem (macOS, Windows), and one file of every export written per doc_id
    (brat's .txt and .ann). check-raw passed them; add refused only a clash it made itself."""
    data = b"Another article about Syria\n\nIts body.\n"
    (corpus_copy.raw / f"{second}.txt").write_bytes(data)
    (corpus_copy.raw / f"{first}.txt").write_bytes(data + b"More.\n")

    def edit(records):
        made = [dict(records[0], doc_id=doc_id, file=f"{doc_id}.txt", sha256=hashlib.sha256(body).hexdigest(),
                     size=len(body), title=None, publisher=None, publisher_evidence={"kind": "none"},
                     publication_date=None, publication_date_precision=None,
                     publication_date_evidence={"kind": "none"})
                for doc_id, body in ((first, data + b"More.\n"), (second, data))]
        return records + made
    rewrite_manifest(corpus_copy, edit)
    problem = only_error(corpus_copy)
    line = len(COMMITTED_DOC_IDS) + 2
    assert str(problem) == (f"{corpus_copy.manifest}, line {line}: error [duplicate-doc-id] doc_id '{second}' "
                            f"differs from '{first}' (line {line - 1}) only in case: on a case-insensitive filesystem "
                            "(macOS, Windows) their raw files are one file, and so are the files exports write per "
                            "doc_id: give one of them another doc_id")
    result = CliRunner().invoke(cli, ["check-raw", "--root", str(corpus_copy.root)])
    assert result.exit_code == 1 and result.output.splitlines()[0] == str(problem)
    article = tmp_path / "new.txt"
    article.write_bytes(b"A third article about Syria\n\nBody.\n")
    with pytest.raises(CorpusError) as refused:  # nothing is added to such a corpus
        add_files(corpus_copy, [article])
    assert (refused.value.code, refused.value.location.line) == ("duplicate-doc-id", line)


def test_names_are_one_file_only_when_they_differ_in_case_letter_by_letter():
    """The case key was casefold's, which made the unlisted 'ß.txt' one file with a listed
    'ss.txt' (and 'ﬁle.txt' with 'file.txt'): case-insensitive filesystems fold letter by letter."""
    assert doc_id_key("007_ABC.txt") == doc_id_key("007_abc.txt") == "007_abc.txt"
    assert doc_id_key("ß.txt") != doc_id_key("ss.txt") and doc_id_key("ﬁle.txt") != doc_id_key("file.txt")
    assert doc_id_key("Ärger.txt") == doc_id_key("ärger.txt")


MARKS = "\u0301\u0316" * 16  # acute (class 230) and grave below (class 220), alternating: NFC sorts them


def with_marks(layout: Layout, doc_id: str, count: int) -> bytes:
    """The document's raw file with a last line of a letter and ``count`` combining marks, its
    record kept in step (the lines its evidence cites are where they were): a file added before
    add refused such a run."""
    data = (layout.raw / f"{doc_id}.txt").read_bytes() + ("\nA" + MARKS[:count] + " word.\n").encode("utf-8")
    set_file(layout, doc_id, data)
    return data


def test_check_raw_reports_a_raw_file_with_more_combining_marks_in_a_row_than_add_takes(corpus_copy):
    """add refuses more than 30 combining marks in a row (raw-combining-run); a file the corpus
    held before that rule passed check-raw silently (a review), and every command normalized it
    in time quadratic in the run. check-raw now reports it with add's code and rule, at the run's
    first mark, naming the document; a run of 30 is text."""
    data = with_marks(corpus_copy, "001_d79359122f2d4c78", 31)
    problem = only_error(corpus_copy)
    assert problem.code == "raw-combining-run"
    assert problem.message == ("31 combining marks in a row (more than the 30 of Unicode's stream-safe text format; "
                               "normalization takes time quadratic in such a run): not an article's text; a raw file "
                               "is never edited: take the document out with corpus-tools remove")
    path = corpus_copy.raw / "001_d79359122f2d4c78.txt"
    assert (problem.location.file, problem.location.doc_id) == (str(path), "001_d79359122f2d4c78")
    assert problem.location.byte_offset == data.rindex(b"\nA") + 2 == 3846
    assert str(problem) == f"{path}, byte 3846, doc 001_d79359122f2d4c78: error [raw-combining-run] {problem.message}"
    result = CliRunner().invoke(cli, ["check-raw", "--root", str(corpus_copy.root)])
    assert result.exit_code == 1 and result.output.splitlines()[0] == str(problem)
    with pytest.raises(CorpusError) as refused:  # and so does every command that opens the corpus
        list(iter_raw(corpus_copy))
    assert refused.value.code == "raw-combining-run"
    set_file(corpus_copy, "001_d79359122f2d4c78", (REPO / "raw" / "001_d79359122f2d4c78.txt").read_bytes())
    with_marks(corpus_copy, "001_d79359122f2d4c78", 30)
    assert check_raw(corpus_copy).valid


def test_the_run_s_offset_counts_the_file_s_bytes_not_its_characters():
    """The run's first mark is character 6 of "Café ’" and byte 9 of its UTF-8 (é two bytes, ’
    three); the message ends in what the caller says to do."""
    text = "Caf\u00e9 \u2019" + "\u0301\u0316" * 20
    found = combining_run(text.encode("utf-8"), text, "utf-8", Location(file="f.txt"), "fix it")
    assert (found.code, found.location.file, found.location.byte_offset, found.message.split(" (")[0]) == \
        ("raw-combining-run", "f.txt", 9, "40 combining marks in a row")
    assert found.message.endswith("; fix it")


def test_no_character_below_u0300_is_a_combining_mark():
    """What combining_run's search of the bytes takes: every mark is U+0300 or above, so bytes
    from 0x80 up in UTF-8 and cp1252 alike."""
    assert not [hex(code) for code in range(0x300) if unicodedata.combining(chr(code))]


_WITH_MARKS = st.lists(st.one_of(st.sampled_from(("\u0301", "\u0316", "\u05b0", "\u0f71", "\u3099", "a", " ",
                                                   "\u2019", "\u0628", "\u4e2d", "\U0001f600")),
                                 st.text(max_size=3)), max_size=200).map("".join)


@settings(max_examples=300, deadline=None)
@given(_WITH_MARKS, st.integers(min_value=0, max_value=45))
def test_combining_run_finds_the_first_run_a_plain_search_of_the_marks_finds(text, extra):
    """combining_run looks only where the bytes allow a run: it finds what a search of every
    combining mark of the text (add's first way) finds, in UTF-8 and (what it can encode) cp1252."""
    text = text[:len(text) // 2] + "\u0301\u0316" * (extra // 2) + text[len(text) // 2:]
    marks = "".join(re.escape(character) for character in set(text) if unicodedata.combining(character))
    plain = re.search(f"[{marks}]{{{MAX_COMBINING_RUN + 1},}}", text) if marks else None
    found = combining_run(text.encode("utf-8"), text, "utf-8", Location(), "")
    if plain is None:
        assert found is None
    else:
        assert found.location.byte_offset == len(text[:plain.start()].encode("utf-8"))
        assert found.message.startswith(f"{plain.end() - plain.start()} combining marks in a row")


@pytest.mark.parametrize("doc_id", ["console", "nul_2024", "com10", "lpt", "auxiliary.1", "x.con"])
def test_doc_ids_that_only_begin_like_a_windows_device_are_safe(doc_id):
    assert check_doc_id(doc_id, None) == doc_id


@pytest.mark.parametrize("data", [b"changed", b""])
def test_iter_raw_and_normalize_refuse_a_broken_corpus_before_yielding_or_writing_anything(corpus_copy, data):
    (corpus_copy.raw / "004_3e4c866fc9bc1c15.txt").write_bytes(data)
    asked = []
    texts = iter_raw(corpus_copy, asked.append)
    with pytest.raises(CorpusError) as caught:
        next(texts)
    assert caught.value.code == "raw-size-mismatch"
    assert asked == []  # no bar's total is asked for a corpus that is not read
    result = CliRunner().invoke(cli, ["normalize", "--root", str(corpus_copy.root)])
    assert (result.exit_code, result.output) == (1, f"Error: {caught.value}\n")  # names the file and the code
    assert not (corpus_copy.build / "normalized").exists()


def test_check_raw_counts_the_manifest_s_bytes_each_line_once_its_file_is_checked(corpus_copy):
    """check-raw's bar counted files with no end: the number of records is known only at the
    manifest's end, its size from the start."""
    manifest = corpus_copy.manifest.read_bytes()
    corpus_copy.manifest.write_bytes(manifest + b"\n")  # a blank line at the end counts too
    asked, seen = [], []
    report = check_raw(corpus_copy, lambda total: asked.append(total) or seen.append)
    assert report.valid and dict(report.stats)["documents"] == len(COMMITTED_DOC_IDS)
    assert asked == [len(manifest) + 1]
    assert seen == [len(line) for line in manifest.splitlines(keepends=True)] + [1]


def test_cli_normalize_writes_texts_and_maps_while_a_writing_command_holds_the_corpus_lock(
        corpus_copy, another_command_holds_the_lock):
    """Deliberately without the lock, as view -o, export -o and labelstudio tasks -o: the lock
    keeps apart the commands that change raw/, annotations/, dist/ or a server's tasks, and
    normalize changes none of them (check_output refuses an --out there) and writes its own
    output through a staging directory. Taking the lock would only make it wait out a release or
    an ingest."""
    another_command_holds_the_lock(corpus_copy)
    out = corpus_copy.root / "normalized"
    result = CliRunner().invoke(cli, ["normalize", "--root", str(corpus_copy.root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"normalized {len(COMMITTED_DOC_IDS)} documents into {out}\n"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{d}.txt" for d in COMMITTED_DOC_IDS] + [f"{d}.json" for d in COMMITTED_DOC_IDS] + [".normalized-files"])
    golden = (REPO / "tests" / "golden" / "001_d79359122f2d4c78.txt").read_text(encoding="utf-8")
    assert (out / "001_d79359122f2d4c78.txt").read_text(encoding="utf-8") == golden
    sidecar = json.loads((out / "001_d79359122f2d4c78.json").read_text())
    assert sidecar["text_sha256"] == hashlib.sha256(golden.encode()).hexdigest()
    assert {"kind", "raw_start", "raw_end", "text"} <= set(sidecar["removed"][0])
    assert (corpus_copy.build / "corpus.lock").read_text() == "ingest, pid 1, since then\n"  # still the holder's


def test_normalize_removes_the_files_of_a_document_no_longer_in_the_corpus_and_nothing_else(corpus_copy):
    out = corpus_copy.build / "normalized"
    assert CliRunner().invoke(cli, ["normalize", "--root", str(corpus_copy.root)]).exit_code == 0
    (out / "notes.txt").write_text("mine\n")  # not normalize's: it stays
    gone = "004_3e4c866fc9bc1c15"
    (corpus_copy.raw / f"{gone}.txt").unlink()
    rewrite_manifest(corpus_copy, lambda records: [r for r in records if r["doc_id"] != gone])
    result = CliRunner().invoke(cli, ["normalize", "--root", str(corpus_copy.root)])
    assert result.exit_code == 0, result.output
    kept = [d for d in COMMITTED_DOC_IDS if d != gone]
    assert result.output == (f"normalized {len(kept)} documents into {out} "
                             "(removed 2 files of documents no longer in the corpus)\n")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{d}.{kind}" for d in kept for kind in ("txt", "json")] + ["notes.txt", ".normalized-files"])
    assert (out / ".normalized-files").read_text() == "".join(
        f"{name}\n" for name in sorted(f"{d}.{kind}" for d in kept for kind in ("txt", "json")))


def test_a_directory_in_the_way_of_one_normalized_file_stops_normalize_before_any_file_moves(corpus_copy, tmp_path):
    """It moved the files named before it into place and named its own staging file."""
    out = tmp_path / "out"
    last = COMMITTED_DOC_IDS[-1]
    (out / f"{last}.json").mkdir(parents=True)
    result = CliRunner().invoke(cli, ["normalize", "--root", str(corpus_copy.root), "--out", str(out)])
    assert result.exit_code == 1
    assert result.output == f"Error: {out / (last + '.json')}: [file-error] Is a directory\n"
    assert [p.name for p in out.iterdir()] == [f"{last}.json"]


def test_normalize_removes_no_file_a_listing_names_outside_out_or_hidden(corpus_copy, tmp_path):
    """The listing is a file anyone can edit: a name with a path in it, or a hidden one, is not
    one normalize wrote, and stays."""
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "victim.txt").write_text("keep\n")
    (out / ".keep").write_text("keep\n")
    (out / NORMALIZED_LISTING).write_text("../victim.txt\n.keep\n/etc/hostname\nold.txt\n")
    (out / "old.txt").write_text("stale\n")
    assert write_normalized(corpus_copy, out) == (len(COMMITTED_DOC_IDS), 1)
    assert (tmp_path / "victim.txt").exists() and (out / ".keep").exists() and not (out / "old.txt").exists()


def test_write_normalized_writes_each_text_and_its_sidecar(corpus_copy, tmp_path):
    asked, seen = [], []
    writing = lambda total: asked.append(total) or seen.append  # noqa: E731
    assert write_normalized(corpus_copy, tmp_path / "out", writing) == (len(COMMITTED_DOC_IDS), 0)
    # the bar's total, from the check of the raw corpus (it had none), then one per document written
    assert asked == [len(COMMITTED_DOC_IDS)] and seen == [1] * len(COMMITTED_DOC_IDS)
    document = load_document(corpus_copy, "001_d79359122f2d4c78")
    assert (tmp_path / "out" / "001_d79359122f2d4c78.txt").read_text(encoding="utf-8") == document.text
    assert (tmp_path / "out" / "001_d79359122f2d4c78.json").read_bytes() == document_sidecar(document)
    (corpus_copy.raw / "001_d79359122f2d4c78.txt").unlink()
    with pytest.raises(CorpusError, match="raw-missing"):
        write_normalized(corpus_copy, tmp_path / "other")
    assert not (tmp_path / "other").exists()  # the raw corpus is checked whole before anything is written


def test_the_raw_index_locates_each_manifest_line_and_keys_each_raw_file(tmp_path):
    layout = Layout.at(REPO)
    report, rows = check_raw_indexed(layout)
    index = RawIndex.of(tmp_path, rows)
    manifest = layout.manifest.read_bytes()
    records = read_manifest(layout.manifest)
    assert report.valid and list(index) == [record.doc_id for record in records]
    for line, record in enumerate(records, start=1):
        number, offset, length, key = index[record.doc_id]
        assert number == line
        assert json.loads(manifest[offset:offset + length])["doc_id"] == record.doc_id
        assert key == f"{record.sha256}:{record.encoding}"
    assert "nope" not in index and len(index) == len(COMMITTED_DOC_IDS)
    assert None not in index and 3 not in index and [] not in index  # not a doc_id: not in it, no error
    with pytest.raises(KeyError):
        index["nope"]


def test_the_raw_index_lists_doc_ids_in_doc_id_order_and_in_manifest_order(tmp_path):
    """Iteration is in doc_id order whatever the manifest's; ``in_manifest_order`` follows the
    manifest lines (``indexed_documents``, so ``normalize``, goes through them in it). The
    committed manifest lists its files in doc_id order, so only rows out of it tell the two apart."""
    rows = [("b_second", 1, 0, 40, "k1:utf-8"), ("a_first", 2, 40, 40, "k2:utf-8"),
            ("c_third", 3, 80, 40, "k3:utf-8")]
    index = RawIndex.of(tmp_path, rows)
    assert list(index) == ["a_first", "b_second", "c_third"]
    assert list(index.in_manifest_order()) == ["b_second", "a_first", "c_third"]

def test_the_raw_index_is_written_once_per_manifest_and_replaces_other_ones(tmp_path):
    """Stored by its rows' fingerprint: the same rows find their file again; other rows get a
    file of their own, and the old one goes (a process that has it open keeps reading it)."""
    _, rows = check_raw_indexed(Layout.at(REPO))
    first = RawIndex.of(tmp_path, rows)
    written = first.path.stat()
    again = RawIndex.of(tmp_path, list(rows))
    assert again.path == first.path and (again.path.stat().st_ino, again.path.stat().st_mtime_ns) == (
        written.st_ino, written.st_mtime_ns)
    assert RawIndex.stored(tmp_path, first.name) is not None
    fewer = RawIndex.of(tmp_path, rows[:3])
    assert fewer.path != first.path and list(fewer) == [row[0] for row in rows[:3]] and len(fewer) == 3
    assert [path.name for path in tmp_path.iterdir()] == [fewer.path.name]
    assert RawIndex.stored(tmp_path, first.name) is None
    assert list(first) == [row[0] for row in rows]  # opened before it was removed: still read


def test_a_damaged_raw_index_is_written_again_not_read(tmp_path):
    """SQLite does not check what its pages hold: a raw key changed in the file (its name still
    the fingerprint of the rows it was written for) was served, and every lookup of that document
    said the manifest had changed ("run the command again"), on every run. And build/cache is
    scratch: a raw index file that SQLite cannot read is made again, never served."""
    _, rows = check_raw_indexed(Layout.at(REPO))
    first = RawIndex.of(tmp_path, rows)
    doc_id, *_, raw_key = rows[0]
    data = first.path.read_bytes()
    damaged = ("0" if raw_key[0] != "0" else "1") + raw_key[1:]
    assert data.count(raw_key.encode()) == 1
    first.path.write_bytes(data.replace(raw_key.encode(), damaged.encode()))
    assert RawIndex.stored(tmp_path, first.name)[doc_id][3] == damaged  # as a spawned worker would read it
    again = RawIndex.of(tmp_path, rows)
    assert again.path == first.path and [again[row[0]] for row in rows] == [tuple(row[1:]) for row in rows]
    assert RawIndex.stored(tmp_path, first.name)[doc_id][3] == raw_key  # the file itself written again
    first.path.write_bytes(b"not a database")
    assert RawIndex.stored(tmp_path, first.name) is None and RawIndex.stored(tmp_path, "never-written") is None
    again = RawIndex.of(tmp_path, rows)
    assert again.path == first.path and list(again) == [row[0] for row in rows]


def test_a_raw_index_holding_a_row_more_is_written_again(tmp_path):
    """Reading a stored index back compares it row by row with the rows it is asked for, which
    stops at the shorter: a file that holds every row and one more (damaged, or written by
    other code under the same name) must be written again, not served with the extra doc_id."""
    _, rows = check_raw_indexed(Layout.at(REPO))
    first = RawIndex.of(tmp_path, rows)
    first.close()
    with sqlite3.connect(first.path) as connection:
        connection.execute("INSERT INTO records VALUES ('zz_extra', 999, 0, 1, 'k:utf-8')")
    connection.close()
    assert len(RawIndex.stored(tmp_path, first.name)) == len(rows) + 1
    again = RawIndex.of(tmp_path, rows)
    assert len(again) == len(rows) and "zz_extra" not in again
    assert list(again.in_manifest_order()) == [row[0] for row in rows]

def test_a_file_added_while_the_corpus_is_checked_is_not_unlisted(corpus_copy, tmp_path, monkeypatch):
    """add moves its raw files in, then its manifest. A check that read the manifest and then
    listed raw/ found the new file unlisted (a false raw-unlisted error in check-raw, normalize,
    lint, agreement and ingest; a concurrency audit): it lists raw/ first now."""
    article = tmp_path / "new.txt"
    article.write_text("A new article about Syria\n\nIts body.\n", encoding="utf-8")
    check_file, added = raw._check_raw_file, []

    def add_meanwhile(*args):
        if not added:
            added.append(True)
            add_files(corpus_copy, [article])
        check_file(*args)

    monkeypatch.setattr(raw, "_check_raw_file", add_meanwhile)
    report = check_raw(corpus_copy)
    assert added and report.valid, [str(problem) for problem in report]
    assert dict(report.stats)["documents"] == 7  # the manifest as the check found it
    monkeypatch.undo()
    assert check_raw(corpus_copy).valid and dict(check_raw(corpus_copy).stats)["documents"] == 8


def test_a_corpus_without_raw_is_reported_as_missing_its_manifest(tmp_path):
    """check-raw failed with a file-error naming raw/ where docs promise manifest-missing in its
    report (found by a hunt of the commands as a new user meets them)."""
    layout = Layout.at(tmp_path)
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "entity-registry.jsonl").write_text("")
    report = check_raw(layout)
    assert [problem.code for problem in report.errors] == ["manifest-missing"]
    result = CliRunner().invoke(cli, ["check-raw", "--root", str(tmp_path)])
    assert result.exit_code == 1 and "[manifest-missing]" in result.output


def test_a_directory_where_the_raw_index_belongs_is_named_in_a_one_line_error(corpus_copy):
    """The error names the directory in the way, not the temporary file the index was written to."""
    _, rows = check_raw_indexed(corpus_copy)
    in_the_way = RawIndex.of(corpus_copy.build / "cache", rows).path
    in_the_way.unlink()
    in_the_way.mkdir()
    result = CliRunner().invoke(cli, ["agreement", "--root", str(corpus_copy.root)])
    assert result.exit_code == 1
    assert result.output == f"Error: {in_the_way}: [file-error] Is a directory\n"
    assert [path.name for path in (corpus_copy.build / "cache").iterdir()] == [in_the_way.name]


def test_manifest_and_removal_record_lines_are_written_as_the_committed_ones(corpus_copy, tmp_path):
    """add's manifest line and remove's removal-record line (one writer, raw.manifest_line): fields
    in record order, text beyond ASCII as UTF-8, never as \\u escapes (which no test looked at)."""
    from corpus_tools.documents.remove import remove_documents

    article = tmp_path / "in" / "article.txt"
    article.parent.mkdir()
    article.write_bytes("Syria’s envoy returns to Damascus\n\nThe body of the article.\n".encode())
    [added] = add_files(corpus_copy, [article])
    doc_id, sha256 = added.record.doc_id, added.record.sha256
    assert doc_id == f"007_{sha256[:16]}"
    assert corpus_copy.manifest.read_bytes().splitlines()[-1] == (
        f'{{"doc_id": "{doc_id}", "file": "{doc_id}.txt", "sha256": "{sha256}", "size": 62, "encoding": "utf-8", '
        '"title": "Syria’s envoy returns to Damascus", "publisher": null, "publisher_evidence": {"kind": "none", '
        '"line": null, "quote": null, "reasoning": "Not given when the file was added (corpus-tools add); nothing was '
        'inferred from the text."}, "publication_date": null, "publication_date_precision": null, '
        '"publication_date_evidence": {"kind": "none", "line": null, "quote": null, "reasoning": "Not given when the '
        'file was added (corpus-tools add); nothing was inferred from the text."}}').encode()
    remove_documents(corpus_copy, [doc_id], "a copy of another outlet’s report")
    assert corpus_copy.removed_documents.read_bytes() == (
        f'{{"doc_id": "{doc_id}", "sha256": "{sha256}", "reason": "a copy of another outlet’s report"}}\n').encode()


@pytest.mark.parametrize("options", [["--title", "One headline"], ["--doc-id", "my_doc"], ["--invented", "a fixture"],
                                     ["--date", "2024", "--date-evidence", "line 1"]])
def test_an_option_that_describes_one_file_is_refused_with_two(corpus_copy, tmp_path, options):
    """--doc-id, --title and the metadata describe one file: given with two, add refuses in one
    line and writes nothing (which no test checked, for two files or more)."""
    first, second = tmp_path / "in" / "first.txt", tmp_path / "in" / "second.txt"
    first.parent.mkdir()
    first.write_bytes(b"First headline of 2024\n\nThe first article.\n")
    second.write_bytes(b"Second headline of 2024\n\nThe second article.\n")
    before = {path.name: path.read_bytes() for path in corpus_copy.raw.iterdir()}
    result = CliRunner().invoke(cli, ["add", "--root", str(corpus_copy.root), str(first), str(second), *options])
    assert (result.exit_code, result.output) == (1, "Error: [metadata-invalid] --doc-id, --title, --publisher, --date "
                                                    "and --invented describe one file; 2 were given\n")
    assert {path.name: path.read_bytes() for path in corpus_copy.raw.iterdir()} == before
