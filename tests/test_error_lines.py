"""Every printed problem is one line: control characters escaped, long ids cut, no empty location;
``--json`` always prints a JSON report, also for a file that is no export at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus_tools.cli import cli
from corpus_tools.errors import ELLIPSIS, PART_MAX, CorpusError, Location, Problem, escape
from export_corpus import BAD_INPUTS, EXPORTS, corpus_root


@pytest.mark.parametrize(("text", "printed"), [
    ("a\nb", "a\\nb"), ("a\rb\tc", "a\\rb\\tc"), ("nul\x00", "nul\\x00"), ("esc\x1b[31m", "esc\\x1b[31m"),
    ("del\x7f", "del\\x7f"), ("c1\x85", "c1\\x85"), ("ls\u2028ps\u2029", "ls\\u2028ps\\u2029"),
    ("rlo\u202e", "rlo\\u202e"), ("lone\ud800", "lone\\ud800"), ("plain é ✓ 🙂", "plain é ✓ 🙂"),
])
def test_escape(text, printed):
    assert escape(text) == printed


def test_a_location_escapes_and_cuts_every_part():
    location = Location(file="ex\nport.json", task_id="t\x00", doc_id="d" * 100_000, annotation_id=7,
                        region_id="r\u2028")
    printed = str(location)
    assert printed == (f"ex\\nport.json, task t\\x00, doc {'d' * PART_MAX}{ELLIPSIS}, annotation 7, "
                       "region r\\u2028")


def test_problem_and_error_lines_are_one_line_whatever_the_input():
    doc_id = "evil\n" + "x" * 100_000 + "\x00"
    problem = Problem("doc-unknown", f"doc_id {doc_id!r} names no document; raw: {doc_id}", Location(doc_id=doc_id))
    line = str(problem)
    assert "\n" not in line and "\x00" not in line and len(line) < 1_500
    assert line.startswith("doc evil\\nxxx") and "error [doc-unknown] doc_id 'evil\\nxxx" in line
    assert problem.as_dict()["location"]["doc_id"] == doc_id  # the data keeps the value whole
    error = CorpusError("doc-unknown", "a\nb", Location(file="f\x00"))
    assert str(error) == "f\\x00: [doc-unknown] a\\nb"


def test_no_location_means_no_prefix():
    assert str(Location()) == ""
    assert str(CorpusError("release-missing", "not a release directory")) == "[release-missing] not a release directory"
    assert str(Problem("empty-release", "no documents")) == "error [empty-release] no documents"


def test_a_long_message_is_cut_with_a_count():
    printed = str(Problem("doc-unknown", "word " * 1000))
    assert printed.endswith(f"{ELLIPSIS} (4000 more characters)")


def run(tmp_path: Path, *args: str):
    layout = corpus_root(tmp_path)
    return CliRunner().invoke(cli, [*args, "--root", str(layout.root)])


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_validate_json_prints_a_report_for_a_file_that_is_no_export(tmp_path, name):
    result = run(tmp_path, "validate", "--json", str(EXPORTS / name))
    assert result.exit_code == 1
    report = json.loads(result.output)  # stdout holds the JSON report and nothing else
    assert report["valid"] is False and report["stats"] == {}
    (problem,) = report["problems"]
    assert problem["code"] == BAD_INPUTS[name] and problem["severity"] == "error"
    assert problem["location"]["file"].endswith(name)


def test_validate_json_of_a_binary_file(tmp_path):
    export = tmp_path / "export.json.gz"
    export.write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(256)))
    result = run(tmp_path / "corpus", "validate", "--json", str(export))
    assert result.exit_code == 1
    assert json.loads(result.output)["problems"][0]["code"] == "export-not-json"


def test_validate_prints_hostile_doc_ids_on_one_line_each(tmp_path):
    tasks = json.loads((EXPORTS / "valid.json").read_text())
    tasks[0]["data"]["doc_id"] = "doc\nwith newline\x00and NUL"
    tasks[1]["data"]["doc_id"] = "z" * 100_000
    export = tmp_path / "hostile.json"
    export.write_text(json.dumps(tasks))
    result = run(tmp_path / "corpus", "validate", str(export))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    problems = [line for line in lines if "[doc-unknown]" in line]
    assert len(problems) == 2, lines
    assert problems[0].startswith("hostile.json, task 1, doc doc\\nwith newline\\x00and NUL: error [doc-unknown]")
    assert problems[1].startswith(f"hostile.json, task 2, doc {'z' * PART_MAX}{ELLIPSIS}: error [doc-unknown]")
    assert all(len(line) < 1_500 for line in lines) and "\x00" not in result.output
    as_json = json.loads(run(tmp_path / "again", "validate", "--json", str(export)).output)
    assert {p["location"]["doc_id"] for p in as_json["problems"]} == {"doc\nwith newline\x00and NUL", "z" * 100_000}
