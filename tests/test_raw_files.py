"""raw/ holds regular files only, and the manifest's stated evidence is what the raw text says.

Symbolic links (to a file outside the repository, to a device, in a loop), FIFOs, devices and
directories are refused with one located line, at once: the tests that could hang (a FIFO) run
the command in a subprocess with a timeout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus_tools.cli import cli
from corpus_tools.documents.index import DocumentIndex
from corpus_tools.documents.raw import check_raw, read_manifest
from corpus_tools.errors import CorpusError
from corpus_tools.fsutil import NotRegularFile, open_regular
from corpus_tools.layout import Layout
from test_raw import rewrite_manifest, set_file

DOC = "003_840a8be26e4ddaa5"
NO_HANG = 60  # seconds: a command that blocks on a FIFO would run into this


def only_error(layout: Layout):
    report = check_raw(layout)
    assert not report.valid
    assert len(report.errors) == 1, [str(p) for p in report]
    return report.errors[0]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """corpus-tools in a process of its own, so that a hang is a timeout, not a stuck suite."""
    return subprocess.run([sys.executable, "-c", "from corpus_tools.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=NO_HANG, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})


def replace_with_link(layout: Layout, target: Path | str) -> Path:
    path = layout.raw / f"{DOC}.txt"
    path.unlink()
    path.symlink_to(target)
    return path


def test_a_link_to_an_identical_file_outside_the_repository_is_refused(corpus_copy, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "article.txt"
    outside.write_bytes((corpus_copy.raw / f"{DOC}.txt").read_bytes())  # same bytes: size and sha256 match
    path = replace_with_link(corpus_copy, outside)
    problem = only_error(corpus_copy)
    assert problem.code == "raw-not-regular"
    assert problem.location.file == str(path)
    assert f"a symbolic link to {str(outside)!r}" in problem.message


def test_a_link_loop_is_one_line_not_a_traceback(corpus_copy):
    path = replace_with_link(corpus_copy, f"{DOC}.txt")  # points at itself
    assert only_error(corpus_copy).code == "raw-not-regular"
    result = CliRunner().invoke(cli, ["check-raw", "--root", str(corpus_copy.root)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{path}: error [raw-not-regular] a symbolic link to '{DOC}.txt'" in result.output


def test_a_link_to_a_device_is_refused_as_a_link(corpus_copy):
    replace_with_link(corpus_copy, "/dev/zero")
    problem = only_error(corpus_copy)
    assert problem.code == "raw-not-regular" and "'/dev/zero'" in problem.message


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null"])
def test_a_device_is_not_a_regular_file(path):
    with pytest.raises(NotRegularFile) as caught:
        open_regular(path)
    assert caught.value.kind == "a character device"


def test_a_device_node_in_raw_is_refused(corpus_copy):
    path = corpus_copy.raw / f"{DOC}.txt"
    path.unlink()
    try:
        os.mknod(path, 0o600 | 0o020000, os.makedev(1, 5))  # a character device, as /dev/zero
    except (PermissionError, OSError) as error:
        pytest.skip(f"cannot make a device node here: {error}")
    problem = only_error(corpus_copy)
    assert problem.code == "raw-not-regular" and "a character device" in problem.message


def test_a_directory_in_place_of_a_raw_file_is_refused(corpus_copy):
    path = corpus_copy.raw / f"{DOC}.txt"
    path.unlink()
    path.mkdir()
    problem = only_error(corpus_copy)
    assert problem.code == "raw-not-regular" and problem.message.startswith("a directory")


def test_a_fifo_does_not_hang_check_raw_or_a_command(corpus_copy):
    path = corpus_copy.raw / f"{DOC}.txt"
    path.unlink()
    os.mkfifo(path)
    result = run_cli("check-raw", "--root", str(corpus_copy.root))
    assert result.returncode == 1, result.stderr
    assert f"{path}: error [raw-not-regular] a FIFO (named pipe), not a regular file" in result.stdout
    result = run_cli("normalize", "--root", str(corpus_copy.root))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {path}: [raw-not-regular] a FIFO")


def test_a_link_to_a_fifo_does_not_hang(corpus_copy, tmp_path_factory):
    fifo = tmp_path_factory.mktemp("pipes") / "pipe"
    os.mkfifo(fifo)
    replace_with_link(corpus_copy, fifo)
    result = run_cli("check-raw", "--root", str(corpus_copy.root))
    assert result.returncode == 1
    assert f"[raw-not-regular] a symbolic link to {str(fifo)!r}" in result.stdout


def test_a_fifo_manifest_does_not_hang(corpus_copy):
    corpus_copy.manifest.unlink()
    os.mkfifo(corpus_copy.manifest)
    result = run_cli("check-raw", "--root", str(corpus_copy.root))
    assert result.returncode == 1
    assert f"{corpus_copy.manifest}: error [raw-not-regular] a FIFO" in result.stdout


def test_a_linked_manifest_is_refused(corpus_copy, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "manifest.jsonl"
    outside.write_bytes(corpus_copy.manifest.read_bytes())
    corpus_copy.manifest.unlink()
    corpus_copy.manifest.symlink_to(outside)
    problem = only_error(corpus_copy)
    assert problem.code == "raw-not-regular" and problem.location.file == str(corpus_copy.manifest)
    with pytest.raises(CorpusError) as caught:
        DocumentIndex(corpus_copy)  # what every command opens
    assert caught.value.code == "raw-not-regular"


def test_raw_as_a_link_to_a_directory_elsewhere_is_refused(tmp_path, corpus_copy):
    root = tmp_path / "linked"
    root.mkdir()
    (root / "raw").symlink_to(corpus_copy.raw)
    problem = only_error(Layout.at(root))
    assert problem.code == "raw-not-regular" and problem.message.startswith("raw/ is a symbolic link to ")


# -- evidence -----------------------------------------------------------------------------------


def set_evidence(layout: Layout, doc_id: str, field: str, **evidence) -> None:
    def edit(records):
        for record in records:
            if record["doc_id"] == doc_id:
                record[field].update(evidence)
        return records
    rewrite_manifest(layout, edit)


DATED = "001_d79359122f2d4c78"  # publication_date_evidence: stated, line 6, "25 April, 2024"


@pytest.mark.parametrize(("change", "why"), [
    ({"line": 99}, "line 99 is not a line of 001_d79359122f2d4c78.txt (it has "),
    ({"line": 0}, "line 0 is not a line of"),
    ({"quote": "totally invented"}, "line 6 of 001_d79359122f2d4c78.txt does not contain the quote "
                                    "'totally invented' (as whole words); it reads '25 April, 2024'"),
    ({"line": 5}, "line 5 of 001_d79359122f2d4c78.txt does not contain the quote '25 April, 2024'"),
    ({"quote": "  "}, "the quote '  ' quotes nothing"),
])
def test_stated_evidence_must_be_in_the_raw_file(corpus_copy, change, why):
    set_evidence(corpus_copy, DATED, "publication_date_evidence", **change)
    problem = only_error(corpus_copy)
    assert problem.code == "evidence-mismatch"
    assert problem.message.startswith("publication_date_evidence: " + why), problem.message
    assert (problem.location.file, problem.location.line, problem.location.doc_id) == (
        str(corpus_copy.manifest), 2, DATED)


@pytest.mark.parametrize(("field", "value", "why"), [
    ("size", "2135", "Expected `int`, got `str` - at `$.size`"),
    ("size", 2135.0, "Expected `int`, got `float` - at `$.size`"),
    ("size", 10 ** 30, "size 1000000000000000000000000000000 is not a file size"),
    ("size", 1 << 63, "size 9223372036854775808 is not a file size"),
    ("size", -1, "size -1 is not a file size"),
    ("title", 5, "Expected `str | null`, got `int` - at `$.title`"),
    ("title", "Syria talks\nresume", "title 'Syria talks\\nresume' spans lines (one line of text)"),
    ("publisher", "Reuters\r\nAFP", "publisher 'Reuters\\r\\nAFP' spans lines (one line of text)"),
    # a line break at the end was let through (one line by str.splitlines), into the card and the viewer
    ("title", "Syria talks resume\n", "title 'Syria talks resume\\n' spans lines (one line of text)"),
    ("publisher", "Reuters\u2028", "publisher 'Reuters\\u2028' spans lines (one line of text)"),
    ("title", "Head\x1b[31mline", "title 'Head\\x1b[31mline' holds a control character"),
    ("publisher", "Reuters\x00", "publisher 'Reuters\\x00' holds a control character"),
    ("title", "Syria talks\u202e resume", "title 'Syria talks\\u202e resume' holds a control character or a "
                                           "bidirectional embedding, override or isolate"),
    # evidence is shown with its value (the viewer) and was let through; the character is named,
    # as it may lie past the part of the text the message quotes
    ("publisher_evidence", {"kind": "inferred", "reasoning": "The masthead reads \u2067The New Arab\u2069"},
     "publisher_evidence reasoning 'The masthead reads \\u2067The New Arab\\u2069' holds a control character or a "
     "bidirectional embedding, override or isolate (U+2067)"),
    ("publication_date_evidence", {"kind": "stated", "line": 6, "quote": "25 April, 2024\u202e"},
     "publication_date_evidence quote '25 April, 2024\\u202e' holds a control character or a bidirectional "
     "embedding, override or isolate (U+202E)"),
    ("publication_date_evidence", {"kind": "inferred", "reasoning": "No date is stated anywhere in the article text\x1b[2J"},
     "publication_date_evidence reasoning 'No date is stated anywhere in the articl' holds a control character "
     "or a bidirectional embedding, override or isolate (U+001B)"),
    ("publication_date_evidence", {"kind": "stated", "line": "6", "quote": "25 April, 2024"},
     "Expected `int | null`, got `str` - at `$.publication_date_evidence.line`"),
    ("publisher_evidence", {"kind": "inferred", "reasoning": 6},
     "Expected `str | null`, got `int` - at `$.publisher_evidence.reasoning`"),
    ("publisher_evidence", {"kind": "none", "why": "x"}, "publisher_evidence: unknown field(s) 'why'"),
])
def test_every_manifest_field_has_its_type_checked_at_its_line(corpus_copy, field, value, why):
    """A value of the wrong type is refused where it is read, naming the line and the field;
    before, a string size crashed check-raw and a numeric title passed it and broke the release."""
    def edit(records):
        records[1][field] = value
        return records
    rewrite_manifest(corpus_copy, edit)
    with pytest.raises(CorpusError) as caught:
        read_manifest(corpus_copy.manifest)
    assert caught.value.code == "manifest-invalid"
    assert why in caught.value.message, caught.value.message
    assert (caught.value.location.file, caught.value.location.line) == (str(corpus_copy.manifest), 2)
    report = CliRunner().invoke(cli, ["check-raw", "--root", str(corpus_copy.root)])
    assert report.exit_code == 1 and "Traceback" not in report.output


@pytest.mark.parametrize(("date", "precision"), [("2024-02-30", "day"), ("2024-13", "month"), ("0000", "year")])
def test_a_manifest_date_must_be_one_of_the_calendar(corpus_copy, date, precision):
    """The pattern alone let 30 February through check-raw and into a release; add checked the
    calendar, and now both read the one rule (records.is_calendar_date)."""
    def edit(records):
        records[1].update(publication_date=date, publication_date_precision=precision)
        return records
    rewrite_manifest(corpus_copy, edit)
    with pytest.raises(CorpusError) as caught:
        read_manifest(corpus_copy.manifest)
    assert caught.value.code == "manifest-invalid" and caught.value.location.line == 2
    assert f"date {date!r} is not YYYY, YYYY-MM or YYYY-MM-DD of the calendar" in caught.value.message


def test_a_stated_quote_cuts_no_word_of_its_line(corpus_copy):
    """"5 April, 2024" was taken from "25 April, 2024" as evidence of 5 April."""
    def edit(records):
        for record in records:
            if record["doc_id"] == DATED:
                record["publication_date"] = "2024-04-05"
                record["publication_date_evidence"]["quote"] = "5 April, 2024"
        return records
    rewrite_manifest(corpus_copy, edit)
    problem = only_error(corpus_copy)
    assert problem.code == "evidence-mismatch" and "does not contain the quote '5 April, 2024' (as whole words)" in \
        problem.message


def test_a_stated_quote_must_say_what_it_is_evidence_of(corpus_copy):
    """In the line is not enough: the date's year, the publisher's name must be in the quote."""
    set_evidence(corpus_copy, DATED, "publication_date_evidence", quote="25 April")
    problem = only_error(corpus_copy)
    assert (problem.code, problem.message) == ("evidence-mismatch", "publication_date_evidence: the quote "
                                               "'25 April' (line 6) does not state the year 2024, so it is no "
                                               "evidence for it")


def _stated(layout, line_text: str, date: str | None, precision: str | None, date_quote: str | None = None,
            publisher_quote: str | None = None) -> None:
    """The dated document's raw file as a title and ``line_text``; its evidence quotes line 2."""
    set_file(layout, DATED, f"Title\n{line_text}\n".encode())

    def edit(records):
        for record in records:
            if record["doc_id"] == DATED:
                record.update(publication_date=date, publication_date_precision=precision)
                record["publication_date_evidence"] = (
                    {"kind": "stated", "line": 2, "quote": date_quote or line_text} if date
                    else {"kind": "none", "reasoning": "no date in the text"})
                if publisher_quote is not None:
                    record["publisher_evidence"] = {"kind": "stated", "line": 2, "quote": publisher_quote}
        return records
    rewrite_manifest(layout, edit)


@pytest.mark.parametrize(("line", "date", "precision", "unstated"), [
    ("Published 25 April, 2024", "2024-04-25", "day", None),
    ("Published 2024-04-25 09:00", "2024-04-25", "day", None),
    ("Apr. 25th, 2024", "2024-04-25", "day", None),
    ("25/4/2024", "2024-04-25", "day", None),
    ("April, 2024", "2024-04", "month", None),
    ("In 2024.", "2024", "year", None),
    ("Published 25 April, 2024", "2024-04-26", "day", "the day of 2024-04-26"),  # a date edited by hand
    ("Published 25 April, 2024", "2024-12-25", "day", "the month of 2024-12-25"),
    ("April, 2024", "2024-04-25", "day", "the day of 2024-04-25"),
    ("\u00a9 2023 Example News", "2023-01-01", "day", "the month of 2023-01-01"),
    ("Published 25 April, 2024", "2023-04-25", "day", "the year 2023"),
    # the parts of one date, not numbers and month words anywhere in the line
    ("Updated 2024-12-03 10:45", "2024-03-12", "day", "the month of 2024-03-12"),
    ("The minister may visit Damascus in 2024", "2024-05", "month", "the month of 2024-05"),
    ("On 3 March 2024, 12 envoys met", "2024-03-12", "day", "the day of 2024-03-12"),
    ("Violence could mar 2024 election", "2024-03", "month", "the month of 2024-03"),  # a verb, lowercase
    ("Sept. 9th, 2023", "2023-09-09", "day", None),
    ("Filed 09-Sep-2023 10:00", "2023-09-09", "day", None),
    ("Ref 20230909-AFP", "2023-09-09", "day", None),
    ("9 of September 2023", "2023-09-09", "day", None),
])
def test_a_date_quote_states_the_date_as_far_as_its_precision_goes(corpus_copy, line, date, precision, unstated):
    _stated(corpus_copy, line, date, precision)
    report = check_raw(corpus_copy)
    if unstated is None:
        assert report.valid, [str(p) for p in report]
    else:
        assert only_error(corpus_copy).message == (f"publication_date_evidence: the quote {line!r} (line 2) does not "
                                                  f"state {unstated}, so it is no evidence for it")


@pytest.mark.parametrize(("quote", "valid"), [("The New Arab", True), ("By The New Arab staff", True),
                                              ("The New Ara", False)])
def test_a_publisher_quote_names_the_publisher_in_whole_words(corpus_copy, quote, valid):
    _stated(corpus_copy, "By The New Arab staff", None, None, publisher_quote=quote)
    assert check_raw(corpus_copy).valid is valid


def test_evidence_lines_end_at_lf_crlf_and_cr_only(corpus_copy):
    # the vertical tab before the quote, not in it: a quote may not hold a control character
    data = "Title\r\nBy the Desk\rPublished\x0bstill line three: 25 April 2024\u2028and still\nOn 25 April 2024.\n"
    set_file(corpus_copy, DATED, data.encode())
    set_evidence(corpus_copy, DATED, "publication_date_evidence", line=3, quote="25 April 2024\u2028and still")
    assert check_raw(corpus_copy).valid
    set_evidence(corpus_copy, DATED, "publication_date_evidence", line=4, quote="On 25 April 2024.")
    assert check_raw(corpus_copy).valid
    set_evidence(corpus_copy, DATED, "publication_date_evidence", line=5, quote="On 25 April 2024.")
    assert only_error(corpus_copy).code == "evidence-mismatch"


def test_the_cli_reports_evidence_as_json(corpus_copy):
    set_evidence(corpus_copy, DATED, "publication_date_evidence", line=99)
    result = CliRunner().invoke(cli, ["check-raw", "--root", str(corpus_copy.root), "--json"])
    assert result.exit_code == 1
    assert [p["code"] for p in json.loads(result.output)["problems"]] == ["evidence-mismatch"]
