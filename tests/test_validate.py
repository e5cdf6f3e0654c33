"""Validation: one fixture per problem code, each found where it is; TIMEX3 grammar; re-anchoring; the CLI."""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from corpus_tools.documents.align import TextAlignment
from corpus_tools.cli import cli
from corpus_tools.errors import CorpusError
from corpus_tools.annotations.registry import read_registry, write_registry
from corpus_tools.timex import check_value
from corpus_tools.codes import CATALOGUE
from corpus_tools.ingest import validate_export
from corpus_tools.ingest.checks import Context, check_task
from corpus_tools.ingest.rows import RowsBuilder
from corpus_tools.ingest.units import record_batches
from corpus_tools import strictjson
from export_corpus import BAD_INPUTS, EXPECTED, EXPORTS, FIXTURES, REMOVED, corpus_root, documents, registry

sys.path.insert(0, str(FIXTURES))
import make_export_fixtures  # noqa: E402

PROBLEM_CODES = {name: code.severity for name, code in CATALOGUE.items() if code.stage == "validation"}

DOCS = Path(__file__).resolve().parent.parent / "docs" / "validation.md"


def validate(name: str):
    return validate_export(EXPORTS / name, documents(), registry(), removed=REMOVED)


def validated(tmp_path: Path, tasks: list, name: str = "edited.json"):
    """The report of ``tasks`` (the valid export, edited) written to ``name``."""
    path = tmp_path / name
    path.write_bytes(make_export_fixtures.dumps(tasks))
    return validate_export(path, documents(), registry())


def errors(report) -> list[tuple]:
    return [(problem.code, problem.location.region_id) for problem in report.problems if problem.severity == "error"]


def task_checked(task: dict, file: str = "x.json"):
    return check_task(task, 0, 0, Context(file, documents(), registry()))


def first_checked(edit):
    """``task_checked`` of the valid export's first task once ``edit`` changed it."""
    task = make_export_fixtures.valid_export()[0]
    edit(task)
    return task_checked(task)


# --- fixtures --------------------------------------------------------------------------------


def test_the_committed_fixtures_are_what_the_generator_writes():
    for name, content in make_export_fixtures.fixtures().items():
        assert (EXPORTS / name).read_bytes() == content, name
    for name, content in make_export_fixtures.side_files().items():
        assert (FIXTURES / name).read_bytes() == content, name


OPTION_ONLY = {"span-edge-whitespace-trimmed"}  # made by ingest --trim-whitespace (tests/test_ingest.py)


def test_every_problem_code_has_a_fixture():
    assert sorted(EXPECTED) == sorted(f"{code}.json" for code in PROBLEM_CODES if code not in OPTION_ONLY)


@pytest.mark.parametrize(("drafts", "annotations", "regions", "relations"), [
    pytest.param(False, 2, 11, 2, id="the-valid-export-has-no-problem-and-counts-what-it-checked"),
    # tasks with only drafts (Label Studio's unsaved work): the counts of annotations, regions and relations
    # were left out of the stats (of --json's too), not given as 0
    pytest.param(True, 0, 0, 0, id="an-export-without-annotations-still-counts-them"),
])
def test_an_export_counts_what_it_checked(tmp_path: Path, drafts, annotations, regions, relations):
    tasks = make_export_fixtures.valid_export()
    for task in tasks if drafts else ():
        task["drafts"], task["annotations"] = [{"id": 7, "result": task["annotations"][0]["result"]}], []
    report = validated(tmp_path, tasks) if drafts else validate("valid.json")
    assert report.problems == ()
    assert dict(report.stats) == {"annotations": annotations, "annotations_cancelled": 0, "regions": regions,
                                  "relations": relations, "spans_reanchored": 0, "tasks": 2, "tasks_excluded": 0,
                                  "tasks_text_changed": 0}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fixture_reports_its_code_where_the_fault_is(name):
    expected = EXPECTED[name]
    report = validate(name)
    found = [problem for problem in report if problem.code == expected["code"]]
    assert found, [str(problem) for problem in report]
    location = found[0].location
    assert (location.file, location.task_id, location.doc_id, location.annotation_id, location.region_id) == (
        name, expected["task_id"], expected["doc_id"], expected["annotation_id"], expected["region_id"])
    assert found[0].severity == PROBLEM_CODES[expected["code"]]
    assert report.valid == (PROBLEM_CODES[expected["code"]] != "error")


def test_only_the_fault_of_a_fixture_is_reported_beside_what_it_implies():
    implied = {  # what one fault brings along, by construction
        "region-value-invalid.json": {"quote-type-missing"},
        "relation-endpoint-wrong-label.json": {"attribution-unlinked"},
        "span-unmappable.json": {"text-changed"},
    }
    for name, expected in EXPECTED.items():
        codes = {problem.code for problem in validate(name)}
        assert codes == {expected["code"], *implied.get(name, set())}, name


@pytest.mark.parametrize(("direction", "message"), [
    ("left", "said_by goes QUOTE -> SOURCE; this one joins QUOTE <- SOURCE"),  # it said "joins QUOTE -> SOURCE"
    ("bi", None),  # both ways: read the way the labels fit
])
def test_a_relation_is_read_the_way_its_arrow_points(tmp_path, direction, message):
    export = make_export_fixtures.valid_export()
    [said_by] = [r for r in export[0]["annotations"][0]["result"] if r.get("type") == "relation"
                 and r["labels"] == ["said_by"]]
    said_by["direction"] = direction
    found = [problem.message for problem in validated(tmp_path, export)
             if problem.code == "relation-endpoint-wrong-label"]
    assert found == ([message] if message else [])


@pytest.mark.parametrize(("where", "value", "message"), [
    ("annotation", None, "an annotation is null, not an object"),  # it said "is a NoneType"
    ("annotation", 7, "an annotation is a number, not an object"),
    ("result", [], "a result is an array, not an object"),
    ("result", True, "a result is true or false, not an object"),
])
def test_a_value_of_the_wrong_kind_is_named_in_json_s_words(tmp_path, where, value, message):
    export = make_export_fixtures.valid_export()
    (export[0]["annotations"] if where == "annotation" else export[0]["annotations"][0]["result"]).append(value)
    assert message in [problem.message for problem in validated(tmp_path, export)]


@pytest.mark.parametrize(("name", "named", "message"), [
    pytest.param("entity-overlap.json", ["e2", "e4"], "overlaps entity e2 [82, 90)", id="entities"),
    # validation let them through, and agreement's alpha (one timex label per character) read the inner one
    # as agreed: alpha 1.0 beside a span F1 of 2/3
    pytest.param("timex-overlap.json", ["t2", "t9"], "overlaps timex t2 [", id="timexes"),
])
def test_overlapping_units_are_both_named(name, named, message):
    report = validate(name)
    assert sorted(problem.location.region_id for problem in report) == named
    assert message in next(p.message for p in report if p.location.region_id == named[1])


def result(results: list, region_id: str, from_name: str = "entity") -> dict:
    return next(r for r in results if r.get("id") == region_id and r.get("from_name") == from_name)


LABELS_BUT = "'entity' is a Labels control, but this result has "  # a control-type-mismatch's message


def edited(name: str, edit, code: str, region: str = "e1", said: str = "", regions: int = 11):
    """A row: ``edit`` of the valid export's first results makes the one error ``code`` at ``region``, its
    message starting with ``said``, and ``regions`` regions are counted (the valid export's 11)."""
    return pytest.param(edit, [(code, region)], said, regions, id=name)


@pytest.mark.parametrize(("edit", "expected", "said", "regions"), [
    # A span refused for its offsets (or its values) still took part in the overlap check: the correct
    # neighbour it reached over was refused too, and left out under --allow-partial.
    edited("a-refused-entity-crowds-out-no-neighbour",
           lambda rs: result(rs, "e2")["value"].update(start=10, text="WRONG"), "span-text-mismatch", "e2"),
    edited("a-refused-timex-crowds-out-no-neighbour",
           lambda rs: result(rs, "t2", "timex")["value"].update(start=95, text="WRONG"), "span-text-mismatch", "t2"),
    edited("an-entity-refused-for-its-values-crowds-out-no-neighbour",
           lambda rs: (result(rs, "e2")["value"].update(start=43, text="Antony Blinken met Syrian officials in "
                                                                      "Damascus"),
                       result(rs, "e2", "entity_id")["value"].update(text=["nobody"])), "entity-id-unknown", "e2"),
    # a broken labels result: its region's entity_id was reported besides as the value of a region that
    # does not exist
    edited("no-type", lambda rs: result(rs, "e1").pop("type"), "control-type-mismatch", said=f"{LABELS_BUT}no type"),
    edited("type-label", lambda rs: result(rs, "e1").update(type="label"), "control-type-mismatch",
           said=f"{LABELS_BUT}type 'label'"),
    edited("value-null", lambda rs: result(rs, "e1").update(value=None), "result-malformed"),
    edited("to_name-body", lambda rs: result(rs, "e1").update(to_name="body"), "unknown-control"),
    # another kind the schema knows: its region was not kept
    edited("type-choices", lambda rs: result(rs, "e1").update(type="choices"), "control-type-mismatch",
           said=f"{LABELS_BUT}type 'choices'"),
    edited("type-textarea", lambda rs: result(rs, "e1").update(type="textarea"), "control-type-mismatch",
           said=f"{LABELS_BUT}type 'textarea'"),
    # one that converts: a converted result keeps no type field, and its message said "no type"
    edited("a-textarea", lambda rs: result(rs, "e1").update(type="textarea", value={
        "text": [result(rs, "e1")["value"]["text"]]}), "control-type-mismatch", said=f"{LABELS_BUT}type 'textarea'"),
    # a labels result of a control the schema lacks (another labeling config's), or of none: still a
    # labelled region
    edited("from_name-label", lambda rs: result(rs, "e1").update(from_name="label"), "unknown-control"),
    edited("no-from_name", lambda rs: result(rs, "e1").pop("from_name"), "unknown-control",  # "control None -> ..."
           said="control (no from_name) -> 'text' is not in the schema"),
    # a quote of a control the schema lacks takes its relations with it: they were reported besides as
    # relations to regions the annotation does not have
    edited("a-quote-of-a-control-the-schema-lacks",
           lambda rs: result(rs, "q1", "attribution").update(from_name="label"), "unknown-control", "q1"),
    # A timex labelling of entity e1's span under e1's id: its timex_value was reported besides as
    # "timex_value applies to DATE, TIME, DURATION, SET, not to a PERSON".
    edited("a-region-labelled-in-two-layers-is-one-error-with-its-values", lambda rs: [
        r.update(id="e1") for r in rs if r.get("id") == "t1" and r.get("type") != "relation"],
           "region-id-duplicate", regions=10),
    # the same region labelled by another config's Labels control (a result of the same id) before its
    # entity labels: the entity was refused besides as region-id-duplicate, in that order only
    edited("a-region-also-labelled-by-a-control-the-schema-lacks-is-kept", lambda rs: rs.insert(0, {
        **result(rs, "e1"), "from_name": "sentiment", "value": {**result(rs, "e1")["value"], "labels": ["POSITIVE"]}}),
           "unknown-control"),
])
def test_an_edited_result_is_one_error_where_it_is(tmp_path: Path, edit, expected, said, regions):
    tasks = make_export_fixtures.valid_export()
    edit(tasks[0]["annotations"][0]["result"])
    report = validated(tmp_path, tasks)
    assert (errors(report), dict(report.stats)["regions"]) == (expected, regions)
    assert report.errors[0].message.startswith(said)


@pytest.mark.parametrize(("value", "code"), [
    ({"labels": ["QUOTEX"]}, "unknown-label"),
    ({"labels": []}, "label-count"),
    ({"end": 9999}, "offset-out-of-range"),  # it was already right: the QUOTE keeps its label
])
def test_a_relation_of_a_refused_quote_is_dropped_with_it(value, code):
    """A QUOTE refused for its label has none, so its relations failed the orientation test and
    were refused as relation-endpoint-wrong-label (twice more, and so in ingest.json), and its
    SOURCE and CUE were called unlinked."""
    checked = first_checked(lambda task: result(task["annotations"][0]["result"], "q1", "attribution")["value"]
                            .update(value))
    assert [(problem.code, problem.location.region_id) for problem in checked.problems] == [(code, "q1")]
    assert [(link.from_id, link.to_id, link.label, link.excluded) for link in checked.annotations[0].links] == [
        ("q1", "s1", "said_by", True), ("q1", "c1", "cue", True)]


def test_utf16_offsets_are_told_apart_from_plain_mismatches():
    problem = validate("span-offsets-utf16.json").errors[0]
    assert "UTF-16" in problem.message and "'London'" in problem.message


def test_a_text_changed_task_reanchors_its_spans():
    report = validate("text-changed.json")
    assert report.valid
    assert dict(report.stats)["spans_reanchored"] == 8
    assert dict(report.stats)["tasks_text_changed"] == 1


def test_every_code_is_documented():
    text = DOCS.read_text()
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", text, flags=re.M))
    assert set(PROBLEM_CODES) <= documented
    assert set(BAD_INPUTS.values()) <= documented


# --- TIMEX3 values ---------------------------------------------------------------------------

def _values(said, label: str, *values: str) -> list:
    """Rows of check_value's table: ``said`` None (valid), ... (refused) or the message, {} for the value."""
    return [pytest.param(label, value, said.format(repr(value)) if isinstance(said, str) else said,
                         id=f"{label}-{value}") for value in values]


@pytest.mark.parametrize(("label", "value", "said"), [
    *_values(None, "DATE", "2024", "2024-04", "2024-04-25", "XXXX-05", "XXXX-XX-25", "199", "199X", "19XX", "2024-W17",
             "XXXX-WXX-7", "2024-W17-WE", "2024-SU", "2024-Q3", "2024-H1", "PAST_REF", "PRESENT_REF", "FUTURE_REF"),
    *_values(None, "TIME", "2024-04-25T14:30", "XXXX-XX-XXTNI", "T10:30", "2024-04-25T14:30:05Z", "2024-04-25TMO",
             "PRESENT_REF"),
    *_values(None, "DURATION", "P3Y", "PXY", "P2DT4H", "PT30M", "P1.5Y", "P1DE", "P10Y"),
    *_values(None, "SET", "P1W", "XXXX-WXX-1", "XXXX-XX-XXT09:00"),
    *_values(..., "DATE", "", "last year", "2024-13", "2024-04-32", "2024-W54", "2024-Q5", "past_ref", "P3Y"),
    *_values(..., "TIME", "2024-04-25T25:00", "2024-04-25"),
    *_values(..., "DURATION", "P", "PT", "3Y", "2024", "P3"),
    *_values(..., "SET", "PAST_REF"),
    # an impossible date, also a time's (they passed), and a leap year's
    *_values("{} is not a date of the calendar", "DATE", "2023-02-29"),
    *_values("{} is not a date of the calendar", "TIME", "2023-02-29T10:00", "2023-02-29TMO"),
    *_values(None, "DATE", "2024-02-29"), *_values(None, "TIME", "2024-02-29T10:00", "2024-02-29TMO"),
    # 2021 and 2024 have 52 ISO weeks (2021-01-01 is in 2020-W53): they passed
    *_values("{} is not a week of the calendar", "DATE", "2021-W53", "2021-W53-WE", "2024-W53-3"),
    *_values(None, "DATE", "2020-W53", "2020-W53-WE", "2026-W53-3"),
    # hour 24 is ISO 8601's end of the day, 24:00 (which stays valid): T24:30 passed
    *_values(..., "TIME", "T24:30", "T24:00:59", "2024-01-01T24:59"),
    *_values(None, "TIME", "T23:30", "T23:00:59", "2024-01-01T23:59", "T24:00"),
])
def test_a_timex_value_is_checked(label, value, said):
    found = check_value(value, label)
    assert found is not None if said is ... else found == said


# --- re-anchoring ----------------------------------------------------------------------------


def test_spans_move_with_an_insertion_before_them():
    old = "Assad met Putin in Moscow."
    new = "President Bashar al-Assad met Putin in Moscow."
    alignment = TextAlignment(old, new)
    assert alignment.map_span(10, 15) == (30, 35)  # Putin
    assert alignment.map_span(0, 5) == (20, 25)  # Assad: its characters are shared
    assert alignment.map_span(0, 9) == (20, 29)


def test_a_span_whose_text_changed_does_not_map():
    alignment = TextAlignment("They met in Damascvs on Sunday.", "They met in Damascus on Sunday.")
    assert alignment.map_span(12, 20) is None
    assert alignment.map_span(24, 30) == (24, 30)


def test_an_old_offset_falls_at_its_character_or_where_the_shared_text_before_it_ends():
    """TextAlignment.position, by which the release diff orders an old unit among the new ones: a
    shared character's new index (map_offset); of a character cut, where the text the two share
    before it ends; before anything shared, 0."""
    alignment = TextAlignment("Assad met Putin in Moscow.", "Assad met in Moscow.")  # "Putin " cut
    assert [alignment.position(offset) for offset in (0, 9, 10, 12, 15, 16, 19, 26)] == [0, 9, 10, 10, 10, 10, 13, 20]
    assert alignment.position(19) == alignment.map_offset(19) and alignment.map_offset(12) is None
    cut_first = TextAlignment("Hey, Assad met Putin.", "Assad met Putin.")
    assert [cut_first.position(offset) for offset in (0, 3, 5, 21)] == [0, 0, 0, 16]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ab .\n\u00e9\U0001F642", min_size=1, max_size=200), st.randoms(use_true_random=False))
def test_a_mapped_span_always_covers_the_same_text(text, rnd):
    edited = list(text)
    for _ in range(rnd.randint(0, 5)):
        at = rnd.randrange(len(edited) + 1)
        edited[at:at + rnd.randint(0, 3)] = rnd.choice(["", "x", "yz", " "])
    new = "".join(edited)
    alignment = TextAlignment(text, new)
    for start in range(len(text)):
        for end in range(start + 1, min(len(text), start + 12) + 1):
            mapped = alignment.map_span(start, end)
            if mapped is not None:
                assert new[mapped[0]:mapped[1]] == text[start:end]


def test_an_unchanged_stretch_of_an_article_maps_whole():
    rnd = random.Random(7)
    words = [rnd.choice(["Syria", "sanctions", "Washington", "said", "the", "on", "talks"]) for _ in range(600)]
    old = " ".join(words)
    new = old.replace("talks", "negotiations", 3)
    alignment = TextAlignment(old, new)
    tail = old.rindex("Syria")
    assert alignment.map_span(tail, tail + 5) == (tail + 3 * 7, tail + 3 * 7 + 5)


# --- registry --------------------------------------------------------------------------------


def test_the_registry_round_trips(tmp_path: Path):
    entities = registry()
    write_registry(tmp_path / "r.jsonl", reversed(list(entities.values())))
    assert read_registry(tmp_path / "r.jsonl") == entities
    assert (tmp_path / "r.jsonl").read_bytes().splitlines()[0].startswith(b'{"aliases":["Blinken"]')


KEYS = "[registry-invalid-record] {}; keys are "  # it said "missing keys ['type'] / unknown keys []"


@pytest.mark.parametrize(("line", "code", "said"), [
    ("not json", "registry-invalid-json", ""),
    ('{"id": "x", "name": "X"}', "registry-invalid-record", KEYS.format("missing keys ['type']")),
    ('{"id": "Bad Id", "name": "X", "type": "PERSON"}', "registry-invalid-record", ""),
    ('{"id": "x", "name": "X", "type": "CITY"}', "registry-invalid-record", ""),
    ('{"id": "x", "name": "X", "type": "GPE", "wikidata": "Paris"}', "registry-invalid-record", ""),
    ('{"id": "x", "name": "X", "type": "GPE", "colour": "red"}', "registry-invalid-record",
     KEYS.format("unknown keys ['colour']")),
    ('{"id": "x", "name": "X", "colour": "red"}', "registry-invalid-record",
     KEYS.format("missing keys ['type'] / unknown keys ['colour']")),
    # values of another JSON type, and ids and names no rule allowed, ended in a traceback or in the release
    ('{"id": "x", "name": "X", "type": "GPE", "wikidata": 42}', "registry-invalid-record", ""),
    ('{"id": "x", "name": "X", "type": "GPE", "wikidata": ["Q1"]}', "registry-invalid-record", ""),
    ('{"id": 5, "name": "X", "type": "GPE"}', "registry-invalid-record", ""),
    ('{"id": "x", "name": 5, "type": "GPE"}', "registry-invalid-record", ""),
    ('{"id": "x", "name": "X", "type": "GPE", "description": 5}', "registry-invalid-record", ""),
    ('{"id": "../../tmp/x", "name": "X", "type": "GPE"}', "registry-invalid-record", ""),
    ('{"id": "a--b", "name": "X", "type": "GPE"}', "registry-invalid-record", ""),
    ('{"id": "x", "name": "", "type": "GPE"}', "registry-invalid-record", ""),
    ('{"id": "x", "name": "two\\nlines", "type": "GPE"}', "registry-invalid-record", ""),
    ('{"id": "x", "name": "X", "type": "GPE", "aliases": [""]}', "registry-invalid-record", ""),
    # a bidirectional override reverses what a card or the viewer shows after it (found by a hunt)
    ('{"id": "x", "name": "X\\u202e", "type": "GPE"}', "registry-invalid-record", ""),
    ('{"id": "x", "name": "X", "type": "GPE", "aliases": ["Y\\u2067"]}', "registry-invalid-record", ""),
    ('{"id": "x", "name": "X", "type": "GPE", "description": "a \\u0007 bell"}', "registry-invalid-record", ""),
    ('{"id": "damascus", "name": "Damascus", "type": "GPE"}', "registry-duplicate-id", ""),
    # A byte-order mark (an editor's), NaN and a Latin-1 byte read as "expected value" or "invalid unicode
    # code point", a lone surrogate escape as "unexpected end of hex escape", deep nesting as "recursion limit
    # exceeded": the one JSON parser (strictjson) says what they are.
    (b"\xef\xbb\xbf", "registry-invalid-json",
     "line 1: [registry-invalid-json] not JSON: starts with a UTF-8 byte-order mark"),
    (b'{"id": "x", "name": "X", "type": "GPE", "wikidata": NaN}', "registry-invalid-json",
     "NaN and infinities are not JSON numbers"),
    (b'{"id": "x", "name": "Caf\xe9", "type": "GPE"}', "registry-invalid-json", "not UTF-8 (byte 24 is b'\\xe9')"),
    (b'{"id": "x", "name": "Caf\\ud800", "type": "GPE"}', "registry-invalid-json",
     "a lone surrogate escape (\\ud800), which names no character"),
    (b'{"id": "x", "name": "\\udc00 Caf", "type": "GPE"}', "registry-invalid-json",
     "a lone surrogate escape (\\udc00)"),
    (b'{"id": "x", "name": "X", "type": "GPE", "aliases": ' + b"[" * 300 + b"]" * 300 + b"}", "registry-invalid-json",
     "arrays and objects nested more than 200 deep"),  # it said "recursion limit exceeded"
])
def test_registry_errors_name_the_line_and_what_is_wrong(tmp_path: Path, line, code, said):
    data = line if isinstance(line, bytes) else line.encode()
    fixture, path = (FIXTURES / "export-registry.jsonl").read_bytes(), tmp_path / "r.jsonl"
    # a byte-order mark comes first, any other line after the fixture's five
    path.write_bytes(data + fixture if data.startswith(b"\xef") else fixture + data + b"\n")
    with pytest.raises(CorpusError) as caught:
        read_registry(path)
    assert (caught.value.code, caught.value.location.line) == (code, 1 if data.startswith(b"\xef") else 6)
    assert said in str(caught.value), str(caught.value)


@pytest.mark.parametrize("where", [
    pytest.param(lambda task, marker: task["annotations"][0].update(lead_time=marker), id="lead_time"),
    pytest.param(lambda task, marker: task["annotations"][0]["result"][0].update(score=marker), id="region score"),
    pytest.param(lambda task, marker: task.update(predictions=[{"id": 7, "model_version": "m1", "score": marker,
                                                                "result": []}]), id="prediction score"),
])
@pytest.mark.parametrize("number", [b"1e400", b"-1E+400", b"1" + b"0" * 400 + b".5"])
def test_a_number_beyond_a_double_is_refused_where_it_is(tmp_path: Path, where, number):
    """jiter reads 1e400 as an infinity (allow_inf_nan refuses only the literals): it was stored
    as a lead time or a score, where Infinity itself is refused."""
    export = make_export_fixtures.valid_export()
    where(export[0], 123456.5)
    data = make_export_fixtures.dumps(export)
    path = tmp_path / "huge.json"
    path.write_bytes(data.replace(b"123456.5", number))
    with pytest.raises(CorpusError) as caught:
        validate_export(path, documents(), registry())
    shown = number.decode()[:40] + ("..." if len(number) > 40 else "")
    assert (caught.value.code, caught.value.location.byte_offset, caught.value.message) == (
        "export-invalid-json", data.index(b"123456.5"),
        f"task #1 is not valid JSON: the number {shown} is beyond a double's range (it would read as an "
        "infinity); NaN and infinities are not JSON numbers")


def test_a_task_id_beyond_64_bits_is_named_as_such(tmp_path: Path):
    """An id of 2**64 is an integer: the message said only "of the wrong type (the id an integer"."""
    export = make_export_fixtures.valid_export()
    export[0]["id"] = 2**64
    with pytest.raises(CorpusError) as caught:
        validated(tmp_path, export)
    assert caught.value.code == "export-not-tasks" and "the id an integer of 64 bits" in caught.value.message


def test_a_huge_number_in_a_string_or_a_tiny_one_is_no_infinity():
    assert strictjson.loads(b'{"text": "see [1e999]", "h": "5e999", "tiny": 1e-400, "big": 1e308}') == {
        "text": "see [1e999]", "h": "5e999", "tiny": 0.0, "big": 1e308}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("updated_at", "2026-11-23T04:29:04", "updated_at 2026-11-23T04:29:04 has no time zone (RFC 3339 requires "
     "one; Label Studio writes a Z): which moment it is cannot be told"),
    ("created_at", "2024-05-01T10:00:00.000000", "created_at 2024-05-01T10:00:00 has no time zone (RFC 3339 "
     "requires one; Label Studio writes a Z): which moment it is cannot be told"),
    ("updated_at", "2024-05-01T12:00:00+02:00", None),  # another zone is a zone
])
def test_a_timestamp_without_a_zone_is_refused(field, value, message):
    """It was read as UTC, and these times rank the copies of an annotation."""
    checked = first_checked(lambda task: task["annotations"][0].update({field: value}))
    assert [(problem.code, problem.location.annotation_id, problem.message) for problem in checked.problems] == (
        [("annotation-malformed", 101, message)] if message else [])


@pytest.mark.parametrize(("value", "said"), [
    # of another type: it was dropped without a word, and the task read as if it stated no hash
    (12345, "is a number, not"), (["f5418c49"], "is an array, not"), (True, "is true or false, not"),
    # a short value was shown as 'abc'..., as if cut
    ("abc", "'abc' is not"), ("0" * 64, "'" + "0" * 16 + "... is not"),
])
def test_a_text_sha256_not_of_the_text_is_reported_where_it_is_shown_cut_only_when_it_was(value, said):
    checked = first_checked(lambda task: task["data"].update(text_sha256=value))
    assert [(problem.code, problem.severity, problem.location.task_id, problem.location.doc_id, problem.message)
            for problem in checked.problems] == [
        ("text-sha256-mismatch", "warning", 1, "doc-a",
         f"data.text_sha256 {said} the SHA-256 of data.text: the task was edited after it was made")]
    assert len(checked.annotations[0].regions) == 8 and not checked.excluded


# --- the command -----------------------------------------------------------------------------


def run(tmp_path: Path, *args: str):
    layout = corpus_root(tmp_path)
    return CliRunner().invoke(cli, [*args, "--root", str(layout.root)])


# the stats in words, singular for 1 ("1 cancelled annotation"); --json keeps the keys
COUNTS = ("({} annotations, {}, 11 regions, 2 relations, 0 re-anchored spans, 2 tasks, "
          "0 excluded tasks, 0 tasks whose text changed)")
CANCELLED = ["problems by code:", "  1  info     annotation-cancelled",
             "valid " + COUNTS.format(3, "1 cancelled annotation")]


@pytest.mark.parametrize(("arguments", "exit_code", "lines"), [
    pytest.param(["span-text-mismatch.json"], 1, [
        "span-text-mismatch.json, task 1, doc doc-a, annotation 101, region e2: error [span-text-mismatch] value.text "
        "is not text[82, 90): they differ at character 0 of the span: value.text 'Aleppo' (6 characters), text "
        "'Damascus' (8 characters)", "problems by code:", "  1  error    span-text-mismatch",
        "INVALID: 1 error " + COUNTS.format(2, "0 cancelled annotations")], id="prints-located-lines-and-exits-1"),
    pytest.param(["valid.json"], 0, ["valid " + COUNTS.format(2, "0 cancelled annotations")], id="accepts-a-valid-export"),
    # a warning or an info is counted, not listed, but with --verbose
    pytest.param(["annotation-cancelled.json"], 0, ["problems by code (--verbose lists the warnings and infos):",
                                                    *CANCELLED[1:]], id="warnings-do-not-fail"),
    pytest.param(["--verbose", "annotation-cancelled.json"], 0, [
        "annotation-cancelled.json, task 1, doc doc-a, annotation 102: info [annotation-cancelled] cancelled (skipped) "
        "annotation: not checked, not used", *CANCELLED], id="warnings-do-not-fail-verbose"),
])
def test_validate_prints_what_it_found(tmp_path: Path, arguments, exit_code, lines):
    result = run(tmp_path, "validate", *arguments[:-1], str(EXPORTS / arguments[-1]))
    assert (result.exit_code, result.output.splitlines()) == (exit_code, lines)


def test_validate_json(tmp_path: Path):
    result = run(tmp_path, "validate", "--json", str(EXPORTS / "quote-type-missing.json"))
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["valid"] is False
    assert report["problems"] == [{
        "code": "quote-type-missing", "severity": "error",
        "message": "a QUOTE needs quote_type (direct, indirect or mixed)",
        "location": {"file": "quote-type-missing.json", "task_id": 1, "doc_id": "doc-a", "annotation_id": 101,
                     "region_id": "q1"},
    }]


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_raises_instead_of_reporting_and_validate_says_it_in_one_line_exit_1(tmp_path: Path, name):
    with pytest.raises(CorpusError) as caught:
        validate(name)
    assert caught.value.code == BAD_INPUTS[name]
    result = run(tmp_path, "validate", str(EXPORTS / name))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert f"{name}" in lines[0] and f"[{BAD_INPUTS[name]}]" in lines[0]
    assert "Traceback" not in result.output


def test_validate_help_has_an_example():
    result = CliRunner().invoke(cli, ["validate", "--help"])
    assert result.exit_code == 0
    assert "corpus-tools validate project-3-at-2024-05-01.json" in result.output


# --- robustness: any JSON where a value should be gives problems, never a crash -------------------

_json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 300), st.floats(allow_nan=False), st.text(max_size=5)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=5)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_value_anywhere_in_a_result_is_a_problem_not_a_crash(data):
    export = make_export_fixtures.valid_export()
    task = export[data.draw(st.integers(0, 1))]
    annotation = task["annotations"][0]
    results = annotation["result"]
    for _ in range(data.draw(st.integers(1, 3))):
        result = results[data.draw(st.integers(0, len(results) - 1))]
        # an earlier round may have replaced a result, its value or the data by a non-dict
        candidates = [t for t in (result, result.get("value") if isinstance(result, dict) else None,
                                  annotation, task["data"]) if isinstance(t, dict) and t]
        target = data.draw(st.sampled_from(candidates))
        key = data.draw(st.sampled_from(sorted(target)))
        target[key] = data.draw(_json_values)
    checked = task_checked(task, "fuzz.json")
    assert all(problem.code in PROBLEM_CODES for problem in checked.problems)
    builder = RowsBuilder()
    builder.add(checked)
    record_batches(builder.columns())  # every unit fits the units tables' schema


@pytest.mark.parametrize(("change", "lacks"), [
    ({"id": 7}, "lacks a region id that is a string (it has 7)"),
    ({"id": None}, "lacks its region id"),
    ({"value": "x"}, "lacks its value object"),
])
def test_a_malformed_result_says_which_part_is_missing(change, lacks):
    checked = first_checked(lambda task: task["annotations"][0]["result"][0].update(change))
    [problem] = [problem for problem in checked.problems if problem.code == "result-malformed"]
    assert problem.message == f"this 'entity' result {lacks}", problem.message  # its from_name too


@pytest.mark.parametrize("region_id", ["e\t1", "e1\n", "\x1b[31me1", "e\x851", "e\u20281", "e1\u2029"])
def test_a_region_id_with_a_control_character_is_refused(region_id):
    """Validation took any non-empty string as a region id; one with a tab or a line break was
    released, and the brat export could not write it (a field ends at a tab, a line at a break)."""
    checked = first_checked(lambda task: [r.update({key: region_id}) for r in task["annotations"][0]["result"]
                                          for key in ("id", "from_id", "to_id") if r.get(key) == "e1"])  # the first
    malformed = [problem for problem in checked.problems if problem.code == "result-malformed"]
    assert [problem.message.split(" result's")[0] for problem in malformed] == ["this 'entity'", "this 'entity_id'"]
    assert all(problem.location.region_id == region_id and "holds a control character" in problem.message
               for problem in malformed)


def test_an_empty_registry_is_named_as_the_likely_cause():
    """A lost annotations/entity-registry.jsonl reads as an empty registry (a fresh corpus); every
    entity_id is then unknown, and each problem says why that may be."""
    report = validate_export(EXPORTS / "valid.json", documents(), {})
    unknown = [problem for problem in report if problem.code in ("entity-id-unknown", "speaker-id-unknown")]
    assert unknown and all(problem.message.endswith(
        "(the registry is empty: is annotations/entity-registry.jsonl there?)") for problem in unknown)
    assert not any("registry is empty" in problem.message for problem in validate("entity-id-unknown.json"))


def test_an_unknown_entity_id_names_the_registry_file_new_entities_go_into():
    """A new article's new person is refused at annotate or pull as not in the registry; the
    message said nothing of where, or that a person adds the record (README: Add an article)."""
    [unknown] = [problem for problem in validate("entity-id-unknown.json") if problem.code == "entity-id-unknown"]
    assert unknown.message == ("entity_id 'tony-blinken' is not in the entity registry (annotations/entity-registry.jsonl: "
                               "a new entity gets its record there by hand, README.md)")
    without_speaker = {key: value for key, value in registry().items() if key != "antony-blinken"}
    report = validate_export(EXPORTS / "valid.json", documents(), without_speaker)
    [speaker] = [problem for problem in report if problem.code == "speaker-id-unknown"]
    assert speaker.message == ("speaker_id 'antony-blinken' is not in the entity registry (annotations/entity-registry.jsonl: "
                               "a new entity gets its record there by hand, README.md)")


def test_validate_export_takes_no_jobs_as_the_default_number_as_ingest_does():
    """The command's --jobs 0 (one per core for a big export, else 1) was its own rule, computed
    before validate_export was called; validate_export took only a number."""
    report = validate_export(EXPORTS / "valid.json", documents(), registry(), jobs=None, removed=REMOVED)
    assert report == validate("valid.json")
    assert report.valid and dict(report.stats)["tasks"] == 2
