"""Every printed problem is one line: control characters escaped, long ids cut, no empty location;
``--json`` always prints a JSON report, also for a file that is no export at all."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus_tools.cli import cli
from corpus_tools.errors import ELLIPSIS, PART_MAX, CorpusError, Location, Problem, agreeing, counted, escape, quantity
from export_corpus import BAD_INPUTS, EXPORTS, corpus_root

VALID = "valid.json"


@pytest.mark.parametrize(("text", "printed"), [
    ("a\nb", "a\\nb"), ("a\rb\tc", "a\\rb\\tc"), ("nul\x00", "nul\\x00"), ("esc\x1b[31m", "esc\\x1b[31m"),
    ("del\x7f", "del\\x7f"), ("c1\x85", "c1\\x85"), ("ls\u2028ps\u2029", "ls\\u2028ps\\u2029"),
    ("rlo\u202e", "rlo\\u202e"), ("lone\ud800", "lone\\ud800"), ("plain é ✓ 🙂", "plain é ✓ 🙂"),
])
def test_escape(text, printed):
    assert escape(text) == printed


@pytest.mark.parametrize(("count", "words", "printed"), [
    (0, ("error",), "0 errors"), (1, ("error",), "1 error"), (2, ("error",), "2 errors"),
    (1, ("entity", "entities"), "1 entity"), (3, ("entity", "entities"), "3 entities"),
    (1, ("time expression",), "1 time expression"),
])
def test_a_count_in_a_message_takes_the_singular_for_one(count, words, printed):
    assert quantity(count, *words) == printed


@pytest.mark.parametrize(("key", "count", "printed"), [
    ("documents", 1, "1 document"), ("documents", 7, "7 documents"), ("annotations", 1, "1 annotation"),
    ("annotations_cancelled", 0, "0 cancelled annotations"), ("annotations_cancelled", 1, "1 cancelled annotation"),
    ("spans_reanchored", 2, "2 re-anchored spans"), ("tasks_excluded", 1, "1 excluded task"),
    ("tasks_text_changed", 1, "1 task whose text changed"), ("tasks_text_changed", 0, "0 tasks whose text changed"),
])
def test_a_report_s_counts_are_words_in_its_text(key, count, printed):
    """validate printed its stats' keys ("1 annotations, 0 annotations_cancelled"), check-raw "(1
    documents)": the text says them in words; --json keeps the keys."""
    assert counted(key, count) == printed


def test_a_verb_agrees_with_its_count():
    assert [agreeing(count, "has", "have") for count in (0, 1, 2)] == ["have", "has", "have"]
    assert agreeing(1, "file") == "file" and agreeing(3, "file") == "files"


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


def _one_error_line(result, expected: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.output


@pytest.mark.parametrize("make", ["directory", "fifo", "device"])
def test_a_registry_that_is_no_regular_file_is_one_line_not_a_traceback_nor_a_hang(tmp_path, make):
    layout = corpus_root(tmp_path)
    layout.registry.unlink()
    {"directory": lambda: layout.registry.mkdir(), "fifo": lambda: os.mkfifo(layout.registry),
     "device": lambda: layout.registry.symlink_to("/dev/zero")}[make]()
    kind = {"directory": "a directory", "fifo": "a FIFO (named pipe)", "device": "a character device"}[make]
    for args in (["lint"], ["agreement"], ["validate", str(EXPORTS / VALID)]):
        result = CliRunner().invoke(cli, [*args, "--root", str(layout.root)])
        _one_error_line(result, f"[file-error] is {kind}, not a regular file")
    result = CliRunner().invoke(cli, ["agreement", "--json", "--root", str(layout.root)])
    assert result.exit_code == 1
    assert [problem["code"] for problem in json.loads(result.output)["problems"]] == ["file-error"]


def test_an_export_that_is_a_fifo_is_refused_at_once_and_nothing_is_stored(tmp_path):
    layout = corpus_root(tmp_path)
    fifo = tmp_path / "export.json"
    os.mkfifo(fifo)
    before = sorted(p.name for p in layout.exports.iterdir()) if layout.exports.exists() else []
    for command in ("validate", "ingest"):
        result = CliRunner().invoke(cli, [command, str(fifo), "--root", str(layout.root)])
        _one_error_line(result, f"{fifo}: [file-error] is a FIFO (named pipe), not a regular file")
    assert (sorted(p.name for p in layout.exports.iterdir()) if layout.exports.exists() else []) == before


def test_acceptances_from_a_device_are_refused(tmp_path):
    _one_error_line(run(tmp_path, "lint", "--accepted", "/dev/zero"),
                    "/dev/zero: [file-error] is a character device, not a regular file")


def test_an_output_path_the_system_refuses_is_one_line_with_json_too(tmp_path):
    layout = corpus_root(tmp_path)
    (tmp_path / "a-file").write_text("x")
    _one_error_line(CliRunner().invoke(cli, ["normalize", "--out", str(tmp_path / "a-file" / "sub"),
                                             "--root", str(layout.root)]),
                    f"{tmp_path / 'a-file' / 'sub'}: [file-error] Not a directory")


def test_a_port_out_of_range_is_refused_before_the_site_is_written(tmp_path):
    layout = corpus_root(tmp_path)
    result = CliRunner().invoke(cli, ["view", "--serve", "--port", "99999", "--root", str(layout.root)])
    assert result.exit_code == 2 and "99999 is not in the range 0<=x<=65535" in result.output
    assert not (layout.build / "site").exists()


@pytest.mark.parametrize(("target", "command", "code"), [
    ("manifest", ["check-raw"], "manifest-invalid"),
    ("registry", ["lint"], "registry-invalid-json"),
    ("acceptances", ["lint"], "lint-accepted-invalid"),
])
def test_a_key_given_twice_in_a_json_line_is_refused_at_its_line(tmp_path, target, command, code):
    """As in an export (export-duplicate-key): the last value must not win silently."""
    layout = corpus_root(tmp_path)
    path = {"manifest": layout.manifest, "registry": layout.registry,
            "acceptances": layout.annotations / "lint-accepted.jsonl"}[target]
    if target == "acceptances":
        path.write_text('{"code": "name-unannotated", "doc_id": "doc-a", "start": 0, "start": 1, "end": 2, '
                        '"text": "x", "reason": "y"}\n')
    else:
        lines = path.read_bytes().splitlines(keepends=True)
        twice = b'{"doc_id": "x", "id": "x", ' if target == "manifest" else b'{"id": "x", '
        lines[0] = lines[0].replace(b"{", twice, 1)
        path.write_bytes(b"".join(lines))
    result = CliRunner().invoke(cli, [*command, "--root", str(layout.root)])
    assert result.exit_code == 1
    assert f"{path}, line 1" in result.output and f"[{code}]" in result.output
    assert "duplicate key" in result.output


@pytest.mark.parametrize("command", ["validate", "ingest"])
@pytest.mark.parametrize("make", ["missing", "directory"])
def test_an_export_path_that_is_no_file_is_a_problem_with_a_json_report(tmp_path, command, make):
    """Not click's usage error (several lines, exit 2, --json ignored): one located problem."""
    layout = corpus_root(tmp_path)
    path = tmp_path / "export.json"
    if make == "directory":
        path.mkdir()
    reason = "No such file or directory" if make == "missing" else "is a directory, not a regular file"
    _one_error_line(CliRunner().invoke(cli, [command, str(path), "--root", str(layout.root)]),
                    f"{path}: [file-error] {reason}")
    result = CliRunner().invoke(cli, [command, str(path), "--json", "--root", str(layout.root)])
    assert result.exit_code == 1
    [problem] = json.loads(result.output)["problems"]
    assert (problem["code"], problem["location"]["file"]) == ("file-error", str(path))
    assert not layout.exports.exists() or not any(layout.exports.iterdir())


@pytest.mark.parametrize(("command", "make"), [
    (["add"], "directory"), (["lint", "--accepted"], "directory"), (["lint", "--accepted"], "missing"),
    (["lint", "--accepted"], "loop"),
])
def test_an_input_path_that_is_no_file_is_a_file_error_not_a_usage_error(tmp_path, command, make):
    """As for an export: one located line, exit 1, a JSON report where the command has --json.
    A loop of links was 'No such file or directory' to lint."""
    layout = corpus_root(tmp_path)
    manifest = layout.manifest.read_bytes()
    path = tmp_path / "input"
    if make == "directory":
        path.mkdir()
    elif make == "loop":
        path.symlink_to(path)
    reason = {"missing": "No such file or directory", "loop": "Too many levels of symbolic links"}.get(
        make, "is a directory, not a regular file")
    _one_error_line(CliRunner().invoke(cli, [*command, str(path), "--root", str(layout.root)]),
                    f"{path}: [file-error] {reason}")
    assert layout.manifest.read_bytes() == manifest
    if command[0] == "lint":
        result = CliRunner().invoke(cli, [*command, str(path), "--json", "--root", str(layout.root)])
        assert result.exit_code == 1
        [problem] = json.loads(result.output)["problems"]
        assert (problem["code"], problem["location"]["file"]) == ("file-error", str(path))
