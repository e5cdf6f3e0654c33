"""raw/ and its manifest: the committed corpus checks clean, and every kind of breakage is caught."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_tools.cli import cli
from corpus_tools.errors import CorpusError
from corpus_tools.layout import Layout
from corpus_tools.documents.raw import check_raw, iter_raw, read_manifest

from conftest import COMMITTED_DOC_IDS, SEED_DOC_IDS

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "seeds"
INVENTED = ("Invented article: written for this repository as a test fixture and for the multi-annotator "
            "round (tests/fixtures/articles/README.md); not a real report, so it has no publisher.")


def rewrite_manifest(layout: Layout, edit) -> None:
    """Apply ``edit`` to the list of manifest records (as dicts) and write them back."""
    records = [json.loads(line) for line in layout.manifest.read_text().splitlines() if line.strip()]
    records = edit(records)
    layout.manifest.write_text("".join(json.dumps(r) + "\n" for r in records))


def set_file(layout: Layout, doc_id: str, data: bytes, encoding: str = "utf-8") -> None:
    """Replace a raw file and keep its manifest record in step, so only the content is at fault."""
    (layout.raw / f"{doc_id}.txt").write_bytes(data)

    def edit(records):
        for record in records:
            if record["doc_id"] == doc_id:
                record.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data), encoding=encoding)
        return records
    rewrite_manifest(layout, edit)


def test_committed_raw_corpus_checks_clean():
    report = check_raw(Layout.at(REPO))
    assert report.valid, [str(p) for p in report]
    assert dict(report.stats) == {"documents": len(COMMITTED_DOC_IDS)}


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
    assert {d: r.publisher for d, r in records.items()} == {
        "000_cbeedfbee8440207": None, "001_d79359122f2d4c78": "The New Arab",
        "002_9bc3c6dfe5868321": None, "003_840a8be26e4ddaa5": None, "004_3e4c866fc9bc1c15": None,
        "005_2cde5fe42a71d5e6": None, "006_13b7e5813f40efdc": None,
    }
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


def test_file_missing_from_manifest(corpus_copy):
    (corpus_copy.raw / "005_extra.txt").write_text("An unannounced article.\n")
    problem = only_error(corpus_copy)
    assert problem.code == "raw-unlisted"
    assert problem.location.file.endswith("raw/005_extra.txt")


@pytest.mark.parametrize("name", ["notes.md", "002_9bc3c6dfe5868321.txt~", "old"])
def test_anything_else_in_raw_is_unlisted_but_hidden_names(corpus_copy, name):
    """Only *.txt counted: a stray source, an editor's backup or an old directory passed as valid."""
    (corpus_copy.raw / ".gitkeep").write_text("")  # hidden: an add's staging and temporaries are too
    if name == "old":
        (corpus_copy.raw / name).mkdir()
    else:
        (corpus_copy.raw / name).write_text("x\n")
    problem = only_error(corpus_copy)
    assert problem.code == "raw-unlisted" and problem.location.file == str(corpus_copy.raw / name)
    assert problem.message == ("not a raw file the manifest lists: raw/ holds the manifest and the sources it lists, "
                               "nothing else (add a source with corpus-tools add)")


def test_manifest_record_without_file(corpus_copy):
    (corpus_copy.raw / "002_9bc3c6dfe5868321.txt").unlink()
    problem = only_error(corpus_copy)
    assert problem.code == "raw-missing"
    assert problem.location.file.endswith("002_9bc3c6dfe5868321.txt")


def test_sha256_mismatch(corpus_copy):
    path = corpus_copy.raw / "003_840a8be26e4ddaa5.txt"
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01  # same size, one bit different
    path.write_bytes(bytes(data))
    problem = only_error(corpus_copy)
    assert problem.code == "raw-sha256-mismatch"
    assert "003_840a8be26e4ddaa5.txt" in str(problem)


@pytest.mark.parametrize("data", [b"", b"  \r\n\t\n"])
def test_empty_file(corpus_copy, data):
    set_file(corpus_copy, "000_cbeedfbee8440207", data)
    assert only_error(corpus_copy).code == "raw-empty"


def test_a_utf8_file_the_manifest_calls_cp1252_is_refused_not_garbled(corpus_copy):
    """Decoded as cp1252, Syria’s became Syriaâ€™s with no error (a bad-input audit); ASCII is the
    same in both, and stays accepted."""
    set_file(corpus_copy, "000_cbeedfbee8440207", "Syria’s war\n".encode("utf-8"), encoding="cp1252")
    problem = only_error(corpus_copy)
    assert problem.code == "raw-encoding-mismatch" and "set its encoding to utf-8" in str(problem)
    set_file(corpus_copy, "000_cbeedfbee8440207", b"Syria's war\n", encoding="cp1252")
    assert check_raw(corpus_copy).valid


def test_invalid_utf8_names_the_byte_offset(corpus_copy):
    set_file(corpus_copy, "000_cbeedfbee8440207", "Caf\u00e9 au lait\n".encode("cp1252"))
    problem = only_error(corpus_copy)
    assert problem.code == "raw-undecodable"
    assert problem.location.byte_offset == 3
    assert "byte 3" in str(problem)


def test_cp1252_is_decoded_only_when_the_manifest_says_so(corpus_copy):
    data = "\u201cCaf\u00e9\u201d \u2013 a cp1252 article.\n".encode("cp1252")
    set_file(corpus_copy, "000_cbeedfbee8440207", data, encoding="cp1252")
    texts = {raw.record.doc_id: raw.text for raw in iter_raw(corpus_copy)}
    assert texts["000_cbeedfbee8440207"] == "\u201cCaf\u00e9\u201d \u2013 a cp1252 article.\n"


def test_duplicate_doc_id(corpus_copy):
    lines = len(read_manifest(corpus_copy.manifest))
    rewrite_manifest(corpus_copy, lambda records: records + [records[1]])
    problem = only_error(corpus_copy)
    assert problem.code == "duplicate-doc-id"
    assert problem.location.line == lines + 1  # the appended copy, not the original
    assert problem.message == f"doc_id {COMMITTED_DOC_IDS[1]!r} appears twice (line 2 too)"


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
    from corpus_tools.documents.add import add_files

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
    assert (problem.code, problem.location.line) == ("duplicate-doc-id", line)
    assert problem.message == (f"doc_id '{second}' differs from '{first}' (line {line - 1}) only in case: on a "
                               "case-insensitive filesystem (macOS, Windows) their raw files are one file, and so "
                               "are the files exports write per doc_id: give one of them another doc_id")
    result = CliRunner().invoke(cli, ["check-raw", "--root", str(corpus_copy.root)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"{corpus_copy.manifest}, line {line}: error [duplicate-doc-id] " \
        + problem.message
    article = tmp_path / "new.txt"
    article.write_bytes(b"A third article about Syria\n\nBody.\n")
    with pytest.raises(CorpusError) as refused:  # nothing is added to such a corpus
        add_files(corpus_copy, [article])
    assert (refused.value.code, refused.value.location.line) == ("duplicate-doc-id", line)


def test_an_unlisted_raw_file_named_as_a_listed_one_in_another_case_says_so(corpus_copy):
    doc_id = COMMITTED_DOC_IDS[0]
    twin = corpus_copy.raw / f"{doc_id.upper()}.txt"
    twin.write_bytes(b"Another article\n")
    problem = only_error(corpus_copy)
    assert (problem.code, problem.location.file) == ("raw-unlisted", str(twin))
    assert problem.message == (f"raw file is not in the manifest (its name differs from '{doc_id}.txt', which the "
                               "manifest lists, only in case: on a case-insensitive filesystem the two are one file)")


def test_names_are_one_file_only_when_they_differ_in_case_letter_by_letter():
    """The case key was casefold's, which made the unlisted 'ß.txt' one file with a listed
    'ss.txt' (and 'ﬁle.txt' with 'file.txt'): case-insensitive filesystems fold letter by letter."""
    from corpus_tools.documents.raw import doc_id_key

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
    result = CliRunner().invoke(cli, ["check-raw", "--root", str(corpus_copy.root)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"{path}, byte {problem.location.byte_offset}, doc 001_d79359122f2d4c78: " \
        f"error [raw-combining-run] {problem.message}"
    with pytest.raises(CorpusError) as refused:  # and so does every command that opens the corpus
        list(iter_raw(corpus_copy))
    assert refused.value.code == "raw-combining-run"
    set_file(corpus_copy, "001_d79359122f2d4c78", (REPO / "raw" / "001_d79359122f2d4c78.txt").read_bytes())
    with_marks(corpus_copy, "001_d79359122f2d4c78", 30)
    assert check_raw(corpus_copy).valid


def test_the_run_s_offset_counts_the_file_s_bytes_not_its_characters():
    """The run's first mark is character 6 of "Café ’" and byte 9 of its UTF-8 (é two bytes, ’
    three); the message ends in what the caller says to do."""
    from corpus_tools.documents.raw import combining_run
    from corpus_tools.errors import Location

    text = "Caf\u00e9 \u2019" + "\u0301\u0316" * 20
    found = combining_run(text.encode("utf-8"), text, "utf-8", Location(file="f.txt"), "fix it")
    assert (found.code, found.location.file, found.location.byte_offset, found.message.split(" (")[0]) == \
        ("raw-combining-run", "f.txt", 9, "40 combining marks in a row")
    assert found.message.endswith("; fix it")


def test_no_character_below_u0300_is_a_combining_mark():
    """What combining_run's search of the bytes takes: every mark is U+0300 or above, so bytes
    from 0x80 up in UTF-8 and cp1252 alike."""
    import unicodedata

    assert not [hex(code) for code in range(0x300) if unicodedata.combining(chr(code))]


_WITH_MARKS = st.lists(st.one_of(st.sampled_from(("\u0301", "\u0316", "\u05b0", "\u0f71", "\u3099", "a", " ",
                                                   "\u2019", "\u0628", "\u4e2d", "\U0001f600")),
                                 st.text(max_size=3)), max_size=200).map("".join)


@settings(max_examples=300, deadline=None)
@given(_WITH_MARKS, st.integers(min_value=0, max_value=45))
def test_combining_run_finds_the_first_run_a_plain_search_of_the_marks_finds(text, extra):
    """combining_run looks only where the bytes allow a run: it finds what a search of every
    combining mark of the text (add's first way) finds, in UTF-8 and (what it can encode) cp1252."""
    import re
    import unicodedata

    from corpus_tools.documents.raw import MAX_COMBINING_RUN, combining_run
    from corpus_tools.errors import Location

    text = text[:len(text) // 2] + "\u0301\u0316" * (extra // 2) + text[len(text) // 2:]
    marks = "".join(re.escape(character) for character in set(text) if unicodedata.combining(character))
    plain = re.search(f"[{marks}]{{{MAX_COMBINING_RUN + 1},}}", text) if marks else None
    found = combining_run(text.encode("utf-8"), text, "utf-8", Location(), "")
    if plain is None:
        assert found is None
    else:
        assert found.location.byte_offset == len(text[:plain.start()].encode("utf-8"))
        assert found.message.startswith(f"{plain.end() - plain.start()} combining marks in a row")


def test_two_records_of_the_same_bytes_are_refused(corpus_copy):
    """Two checkouts that each added an article (one numbered it after another add) merge into a
    manifest listing its bytes twice under two doc_ids: check-raw passed it, and a release
    published the article twice, in two folds."""
    original = "002_9bc3c6dfe5868321"
    (corpus_copy.raw / "007_9bc3c6dfe5868321.txt").write_bytes((corpus_copy.raw / f"{original}.txt").read_bytes())

    def edit(records):
        copy = dict(records[2], doc_id="007_9bc3c6dfe5868321", file="007_9bc3c6dfe5868321.txt")
        return records + [copy]
    rewrite_manifest(corpus_copy, edit)
    sha256 = read_manifest(corpus_copy.manifest)[2].sha256
    problem = only_error(corpus_copy)
    assert (problem.code, problem.location.line, problem.location.doc_id) == ("raw-duplicate", 8,
                                                                              "007_9bc3c6dfe5868321")
    assert problem.message == (f"the same bytes (SHA-256 {sha256}) as {original} (line 3): one article is one "
                               "document; remove one of the two records and its raw file")


@pytest.mark.parametrize("doc_id", ["../x", "a/b", "", ".hidden", "a b",
                                    # Windows devices: no raw file (nor a brat .txt or .ann) of that name there
                                    "CON", "nul", "Aux.1", "com1", "LPT9.part.2"])
def test_unsafe_doc_id(corpus_copy, doc_id):
    def edit(records):
        records[0]["doc_id"] = doc_id
        return records
    rewrite_manifest(corpus_copy, edit)
    problem = only_error(corpus_copy)
    assert problem.code == "unsafe-doc-id"
    assert problem.location.line == 1


@pytest.mark.parametrize("doc_id", ["console", "nul_2024", "com10", "lpt", "auxiliary.1", "x.con"])
def test_doc_ids_that_only_begin_like_a_windows_device_are_safe(doc_id):
    from corpus_tools.documents.raw import check_doc_id

    assert check_doc_id(doc_id, None) == doc_id


def test_iter_raw_refuses_a_broken_corpus_before_yielding_anything(corpus_copy):
    (corpus_copy.raw / "004_3e4c866fc9bc1c15.txt").write_bytes(b"changed")
    asked = []
    texts = iter_raw(corpus_copy, asked.append)
    with pytest.raises(CorpusError) as caught:
        next(texts)
    assert caught.value.code == "raw-size-mismatch"
    assert asked == []  # no bar's total is asked for a corpus that is not read


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


def test_cli_check_raw_ok():
    result = CliRunner().invoke(cli, ["check-raw", "--root", str(REPO)])
    assert result.exit_code == 0, result.output
    assert result.output == f"valid ({len(COMMITTED_DOC_IDS)} documents)\n"


def test_cli_check_raw_reports_and_exits_1(corpus_copy):
    (corpus_copy.raw / "001_d79359122f2d4c78.txt").unlink()
    result = CliRunner().invoke(cli, ["check-raw", "--root", str(corpus_copy.root), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["valid"] is False
    assert [p["code"] for p in report["problems"]] == ["raw-missing"]
    assert report["problems"][0]["location"]["file"].endswith("001_d79359122f2d4c78.txt")


def test_cli_normalize_writes_texts_and_maps(corpus_copy):
    result = CliRunner().invoke(cli, ["normalize", "--root", str(corpus_copy.root)])
    assert result.exit_code == 0, result.output
    out = corpus_copy.build / "normalized"
    assert result.output == f"normalized {len(COMMITTED_DOC_IDS)} documents into {out}\n"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{d}.txt" for d in COMMITTED_DOC_IDS] + [f"{d}.json" for d in COMMITTED_DOC_IDS] + [".normalized-files"])
    golden = (REPO / "tests" / "golden" / "001_d79359122f2d4c78.txt").read_text(encoding="utf-8")
    assert (out / "001_d79359122f2d4c78.txt").read_text(encoding="utf-8") == golden
    sidecar = json.loads((out / "001_d79359122f2d4c78.json").read_text())
    assert sidecar["text_sha256"] == hashlib.sha256(golden.encode()).hexdigest()
    assert {"kind", "raw_start", "raw_end", "text"} <= set(sidecar["removed"][0])


def test_normalize_runs_while_a_writing_command_holds_the_corpus_lock(corpus_copy, another_command_holds_the_lock):
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
    from corpus_tools.documents.index import NORMALIZED_LISTING, write_normalized

    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "victim.txt").write_text("keep\n")
    (out / ".keep").write_text("keep\n")
    (out / NORMALIZED_LISTING).write_text("../victim.txt\n.keep\n/etc/hostname\nold.txt\n")
    (out / "old.txt").write_text("stale\n")
    assert write_normalized(corpus_copy, out) == (len(COMMITTED_DOC_IDS), 1)
    assert (tmp_path / "victim.txt").exists() and (out / ".keep").exists() and not (out / "old.txt").exists()


def test_write_normalized_writes_each_text_and_its_sidecar(corpus_copy, tmp_path):
    from corpus_tools.documents.index import document_sidecar, load_document, write_normalized

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


def test_cli_normalize_one_document_prints_it():
    result = CliRunner().invoke(cli, ["normalize", "--root", str(REPO), "--doc", "003_840a8be26e4ddaa5"])
    assert result.exit_code == 0
    assert result.output.startswith(
        "The United States has ruled out normalizing relations with Syrian President Bashar al-Assad.\n\n"
        "Secretary of State Antony Blinken reiterated")


def test_cli_normalize_unknown_doc_is_a_one_line_error():
    result = CliRunner().invoke(cli, ["normalize", "--root", str(REPO), "--doc", "../etc/passwd"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "[doc-unknown]" in result.output
    assert "Traceback" not in result.output


def test_cli_normalize_writes_nothing_for_a_broken_corpus(corpus_copy):
    (corpus_copy.raw / "004_3e4c866fc9bc1c15.txt").write_bytes(b"")
    result = CliRunner().invoke(cli, ["normalize", "--root", str(corpus_copy.root)])
    assert result.exit_code == 1
    assert "004_3e4c866fc9bc1c15.txt" in result.output and "[raw-size-mismatch]" in result.output
    assert not (corpus_copy.build / "normalized").exists()


def test_the_raw_index_locates_each_manifest_line_and_keys_each_raw_file(tmp_path):
    from corpus_tools.documents.cache import RawIndex
    from corpus_tools.documents.raw import check_raw_indexed

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


def test_the_raw_index_is_written_once_per_manifest_and_replaces_other_ones(tmp_path):
    """Stored by its rows' fingerprint: the same rows find their file again; other rows get a
    file of their own, and the old one goes (a process that has it open keeps reading it)."""
    from corpus_tools.documents.cache import RawIndex
    from corpus_tools.documents.raw import check_raw_indexed

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


def test_a_damaged_raw_index_is_written_again(tmp_path):
    """build/cache is scratch: a raw index file that SQLite cannot read is made again, never served."""
    from corpus_tools.documents.cache import RawIndex
    from corpus_tools.documents.raw import check_raw_indexed

    _, rows = check_raw_indexed(Layout.at(REPO))
    first = RawIndex.of(tmp_path, rows)
    path = first.path
    path.write_bytes(b"not a database")
    assert RawIndex.stored(tmp_path, first.name) is None and RawIndex.stored(tmp_path, "never-written") is None
    again = RawIndex.of(tmp_path, rows)
    assert again.path == path and list(again) == [row[0] for row in rows]


def test_a_raw_index_whose_rows_were_damaged_is_written_again_not_read(tmp_path):
    """SQLite does not check what its pages hold: a raw key changed in the file (its name still
    the fingerprint of the rows it was written for) was served, and every lookup of that document
    said the manifest had changed ("run the command again"), on every run."""
    from corpus_tools.documents.cache import RawIndex
    from corpus_tools.documents.raw import check_raw_indexed

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


def test_a_file_added_while_the_corpus_is_checked_is_not_unlisted(corpus_copy, tmp_path, monkeypatch):
    """add moves its raw files in, then its manifest. A check that read the manifest and then
    listed raw/ found the new file unlisted (a false raw-unlisted error in check-raw, normalize,
    lint, agreement and ingest; a concurrency audit): it lists raw/ first now."""
    import corpus_tools.documents.raw as raw
    from corpus_tools.documents.add import add_files

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
    from corpus_tools.documents.cache import RawIndex
    from corpus_tools.documents.raw import check_raw_indexed

    _, rows = check_raw_indexed(corpus_copy)
    in_the_way = RawIndex.of(corpus_copy.build / "cache", rows).path
    in_the_way.unlink()
    in_the_way.mkdir()
    result = CliRunner().invoke(cli, ["agreement", "--root", str(corpus_copy.root)])
    assert result.exit_code == 1
    assert result.output == f"Error: {in_the_way}: [file-error] Is a directory\n"
    assert [path.name for path in (corpus_copy.build / "cache").iterdir()] == [in_the_way.name]
