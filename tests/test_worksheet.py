"""Worksheets: loading, resolving text+occurrence to spans, and the committed round-1 gold set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus_tools import records
from corpus_tools.errors import CorpusError
from corpus_tools.documents.normalize import normalize
from corpus_tools.labelstudio.worksheet import find_occurrence, load_worksheet, resolve

from conftest import REPO, SEED_DOC_IDS

ROOT = Path(__file__).resolve().parents[1]
ROUND_1 = ROOT / "annotations" / "worksheets" / "round-1"
REGISTRY = ROOT / "annotations" / "entity-registry.jsonl"
WORKSHEETS = sorted(ROUND_1.glob("*.yaml"))
# Every round's worksheets: round-1/<doc>.yaml (the gold of the seeds) and round-2/annotator-N/<doc>.yaml.
EVERY_ROUND = sorted((ROOT / "annotations" / "worksheets").glob("round-*/**/*.yaml"))

TEXT = 'Assad said "no". Later, he said Assad met Assad in Damascus on Sunday.'
SHEET = """\
doc_id: d1
regions:
  - {id: e1, layer: entity, label: PERSON, text: "Assad", occurrence: 2, entity_id: bashar-al-assad}
  - {id: e2, layer: entity, label: GPE, text: "Damascus", occurrence: 1, entity_id: damascus}
  - {id: t1, layer: timex, label: DATE, text: "Sunday", occurrence: 1, timex_value: "XXXX-WXX-7", timex_mod: null}
  - {id: q1, layer: attribution, label: QUOTE, text: '"no"', occurrence: 1, quote_type: direct}
  - {id: s1, layer: attribution, label: SOURCE, text: "Assad", occurrence: 1, speaker_id: bashar-al-assad}
  - {id: c1, layer: attribution, label: CUE, text: "said", occurrence: 1}
relations:
  - [q1, said_by, s1]
  - [q1, cue, c1]
"""


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "d1.yaml"
    path.write_text(content, encoding="utf-8")
    return path


def normalized_text(doc_id: str) -> str:
    return normalize((ROOT / "raw" / f"{doc_id}.txt").read_bytes().decode("utf-8")).text


def registry() -> dict[str, records.RegistryEntity]:
    entities = {}
    for line in REGISTRY.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        entities[data["id"]] = records.RegistryEntity(
            data["id"], data["name"], data["type"], tuple(data["aliases"]), data["wikidata"], data["description"])
    return entities


def test_occurrences_count_overlapping_matches():
    assert find_occurrence("aaaa", "aa", 1) == 0
    assert find_occurrence("aaaa", "aa", 3) == 2
    assert find_occurrence("aaaa", "aa", 4) is None


def test_resolve_gives_spans_values_and_joined_quotes(tmp_path):
    annotations = resolve(load_worksheet(write(tmp_path, SHEET)), TEXT)
    assert annotations.doc_id == "d1"
    assert [(e.id, e.span, e.text, e.label, e.entity_id) for e in annotations.entities] == [
        ("e1", records.Span(32, 37), "Assad", "PERSON", "bashar-al-assad"),
        ("e2", records.Span(51, 59), "Damascus", "GPE", "damascus"),
    ]
    (timex,) = annotations.timexes
    assert (timex.span, timex.value, timex.mod) == (records.Span(63, 69), "XXXX-WXX-7", None)
    (quote,) = annotations.quotes
    assert (quote.span, quote.text, quote.quote_type) == (records.Span(11, 15), '"no"', "direct")
    assert (quote.source.span, quote.source.speaker_id) == (records.Span(0, 5), "bashar-al-assad")
    assert (quote.cue.span, quote.cue.text) == (records.Span(6, 10), "said")


@pytest.mark.parametrize("change, region, fragment", [
    (('text: "Damascus", occurrence: 1', 'text: "Damascus", occurrence: 2'), "e2", "occurrence 2 out of range (found 1)"),
    (('text: "Sunday"', 'text: "Monday"'), "t1", "'Monday': not found"),
])
def test_unresolvable_region_names_file_region_and_reason(tmp_path, change, region, fragment):
    path = write(tmp_path, SHEET.replace(*change))
    with pytest.raises(CorpusError) as raised:
        resolve(load_worksheet(path), TEXT)
    assert raised.value.code == "worksheet-region-unresolved"
    assert raised.value.location.file == str(path)
    assert raised.value.location.region_id == region
    assert fragment in str(raised.value)


@pytest.mark.parametrize("change, region, fragment", [
    (("label: GPE", "label: CITY"), "e2", "unknown layer/label 'entity'/'CITY'"),
    ((", entity_id: damascus", ""), "e2", "missing keys ['entity_id']"),
    (("occurrence: 2,", "occurrence: 0,"), "e1", "'occurrence' must be an integer >= 1"),
    (("[q1, cue, c1]", "[q1, spoke, c1]"), "q1", "unknown relation 'spoke'"),
    (("[q1, cue, c1]", "[q1, cue, c9]"), "c9", "names a region that does not exist"),
    (("id: t1", "id: e1"), "e1", "duplicate region ids ['e1']"),
    # an unquoted value YAML reads as another type is named as given, not called missing
    (('timex_value: "XXXX-WXX-7"', "timex_value: 2024-03-01"), "t1",
     "timex_value must be a string or null, but YAML read 2024-03-01 as date: quote it"),
    (("entity_id: damascus", "entity_id: 2024"), "e2", "entity_id must be a string or null, but YAML read 2024 as a number"),
])
def test_malformed_worksheet_is_refused_at_load(tmp_path, change, region, fragment):
    path = write(tmp_path, SHEET.replace(*change))
    with pytest.raises(CorpusError) as raised:
        load_worksheet(path)
    assert raised.value.location.region_id == region
    assert fragment in str(raised.value)


@pytest.mark.parametrize("change, region, fragment", [
    (("quote_type: direct", "quote_type: verbatim"), "q1", "quote_type 'verbatim' is not one of"),
    (("timex_mod: null", "timex_mod: ROUGHLY"), "t1", "timex_mod 'ROUGHLY' is not one of"),
    (("  - [q1, cue, c1]\n", ""), "c1", "CUE is not linked from any QUOTE"),
    (("[q1, cue, c1]", "[q1, cue, s1]"), "q1", "relation cue must go from QUOTE to CUE"),
    (('text: "Damascus", occurrence: 1', 'text: "Assad met", occurrence: 1'), "e2", "overlaps entity e1"),
])
def test_inconsistent_worksheet_is_refused_at_resolve(tmp_path, change, region, fragment):
    path = write(tmp_path, SHEET.replace(*change))
    with pytest.raises(CorpusError) as raised:
        resolve(load_worksheet(path), TEXT)
    assert raised.value.location.region_id == region
    assert fragment in str(raised.value)


def test_unreadable_yaml_names_the_file(tmp_path):
    path = write(tmp_path, "doc_id: [unclosed\n")
    with pytest.raises(CorpusError) as raised:
        load_worksheet(path)
    assert raised.value.code == "worksheet-unreadable"
    assert raised.value.location.file == str(path)
    # where, on one line; not YAML's own text, which quotes the source over several
    assert raised.value.message == "not YAML: line 2, column 1: expected ',' or ']', but got '<stream end>'"


@pytest.mark.parametrize("change, where", [
    # read as the last one, the region would have meant Assad's first occurrence
    (("occurrence: 2, entity_id: bashar-al-assad}", "occurrence: 2, entity_id: bashar-al-assad, occurrence: 1}"),
     "line 3, column 102: key 'occurrence' twice"),
    # read as the last one, the first list of regions would be lost
    (("relations:", "regions:\n  - {id: c2, layer: attribution, label: CUE, text: said, occurrence: 2}\nrelations:"),
     "line 9, column 1: key 'regions' twice"),
])
def test_a_key_twice_is_refused_not_the_last_one_kept(tmp_path, change, where):
    path = write(tmp_path, SHEET.replace(*change))
    with pytest.raises(CorpusError) as raised:
        load_worksheet(path)
    assert raised.value.code == "worksheet-unreadable" and raised.value.location.file == str(path)
    assert raised.value.message == f"not YAML: {where} in one mapping"


def test_gold_round_1_covers_the_five_seed_documents():
    # Round 1 was the gold of the five seed articles; later documents (005, 006: invented,
    # added with `corpus-tools add`) were annotated in round 2, so round 1 is not every raw document.
    assert [path.stem for path in WORKSHEETS] == list(SEED_DOC_IDS)
    assert all((ROOT / "raw" / f"{doc_id}.txt").is_file() for doc_id in SEED_DOC_IDS)
    assert len(WORKSHEETS) == 5


def test_registry_is_sorted_unique_and_valid():
    lines = REGISTRY.read_text(encoding="utf-8").splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert ids == sorted(set(ids))
    entities = registry()
    assert entities["syria"].wikidata == "Q858"
    assert entities["antony-blinken"].wikidata is None  # not certain, so not given
    assert entities["bashar-al-assad"].type == "PERSON"


@pytest.mark.parametrize("path", WORKSHEETS, ids=lambda p: p.stem)
def test_committed_worksheet_resolves_and_links_to_the_registry(path):
    worksheet = load_worksheet(path)
    assert worksheet.doc_id == path.stem
    annotations = resolve(worksheet, normalized_text(worksheet.doc_id))
    entities = registry()
    for mention in annotations.entities:
        assert mention.entity_id in entities, mention
        assert entities[mention.entity_id].type == mention.label, mention
        assert mention.text in entities[mention.entity_id].aliases, mention
    for quote in annotations.quotes:
        assert quote.source is not None and quote.cue is not None, quote
        assert quote.source.speaker_id is None or quote.source.speaker_id in entities, quote


@pytest.mark.parametrize("path", WORKSHEETS, ids=lambda p: p.stem)
def test_committed_timex_values_are_well_formed_for_their_label(path):
    from corpus_tools import timex

    worksheet = load_worksheet(path)
    problems = [(region.id, timex.check_value(region.value("timex_value"), region.label))
                for region in worksheet.regions if region.layer == "timex"]
    assert [problem for problem in problems if problem[1] is not None] == []
    assert len(problems) > 0


def test_every_registry_entity_is_used_somewhere():
    # Somewhere in any round's worksheets: the registry grew for round 2 (its new entities occur
    # only in the documents round 2 added).
    assert len(EVERY_ROUND) == len(WORKSHEETS) + 16  # round 2: annotators 2 and 3 did all 7, annotator 1 the new 2
    used = set()
    for path in EVERY_ROUND:
        worksheet = load_worksheet(path)
        used |= {region.value("entity_id") or region.value("speaker_id") for region in worksheet.regions}
    assert set(registry()) - used == set()


def test_gold_values_of_the_hard_cases():
    # A few decisions of docs/gold-decisions.md, pinned so that a re-anchoring cannot drift.
    found = {}
    for path in WORKSHEETS:
        worksheet = load_worksheet(path)
        text = normalized_text(worksheet.doc_id)
        annotations = resolve(worksheet, text)
        for timex in annotations.timexes:
            found[(worksheet.doc_id[:3], timex.text, timex.span.start)] = (timex.value, timex.mod)
    values = {(doc, text): value for (doc, text, _), value in found.items()}
    assert values[("000", "Sunday")] == ("2024-WXX-7", None)
    assert values[("000", "Two days later")] == ("2023-05", None)
    assert values[("003", "Last year")] == ("2020", None)
    assert values[("004", "Wednesday")] == ("2021-09-29", None)
    assert values[("004", "last June")] == ("2020-06", None)
    assert values[("002", "late on Thursday")] == ("2023-WXX-4", "END")


@pytest.mark.parametrize("path", WORKSHEETS, ids=lambda p: p.stem)
def test_worksheet_matches_its_anchored_source(path):
    # The anchors are where decisions are edited; a worksheet edited by hand would drift from them.
    import importlib.util
    import yaml

    builder_path = ROOT / "annotations" / "worksheets" / "anchors" / "build_worksheets.py"
    spec = importlib.util.spec_from_file_location("build_worksheets", builder_path)
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    regions, relations = builder.build(path.stem)
    committed = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert committed["regions"] == regions
    assert committed["relations"] == relations


def test_lint_of_the_gold_set_leaves_only_accepted_candidates():
    from corpus_tools.documents.index import load_documents
    from corpus_tools.layout import Layout
    from corpus_tools.annotations.lint import lint, read_acceptances, review

    layout = Layout.at(ROOT)
    documents = load_documents(layout)
    annotations = {}
    for path in WORKSHEETS:
        worksheet = load_worksheet(path)
        annotations[worksheet.doc_id] = resolve(worksheet, documents[worksheet.doc_id].text)
    # Round 1 annotated the five seed articles only: the acceptances of later documents (round
    # 2's 005 and 006) would be stale here; test_lint checks them against the committed exports.
    acceptances = tuple(acceptance for acceptance in read_acceptances(layout.annotations / "lint-accepted.jsonl")
                        if acceptance.doc_id in SEED_DOC_IDS)
    result = review(lint(documents, annotations.values(), registry()), acceptances)
    assert result.unexplained == ()
    assert result.stale == ()
    assert sorted(candidate.text for candidate, _ in result.explained) == [
        "Egyptian media", "Officials in Jordan, an ally of the United States, and Lebanon", "some"]


def test_a_results_file_is_read_strictly_naming_the_line(tmp_path):
    from corpus_tools.labelstudio.annotate import read_results

    path = tmp_path / "results.jsonl"
    path.write_bytes(b'{"doc_id": "d1", "result": []}\n\n{"task_id": 7, "result": []}\n')
    assert read_results(path) == [{"doc_id": "d1", "result": []}, {"task_id": 7, "result": []}]
    for line, code, message in [
        (b'{"doc_id": "d1", "result": [], "doc_id": "d2"}', "annotate-bad-json",
         'not JSON: Detected duplicate key "doc_id"'),  # not the last one silently kept
        (b'["d1", []]', "annotate-bad-item", "expected a JSON object, got an array"),
        (b'{"doc_id": "d1", "result": [NaN]}', "annotate-bad-json", "not JSON: NaN and infinities are not JSON numbers"),
    ]:
        path.write_bytes(b'{"doc_id": "d0", "result": []}\n' + line + b"\n")
        with pytest.raises(CorpusError) as refused:
            read_results(path)
        assert (refused.value.code, str(refused.value)) == (code, f"{path}, line 2: [{code}] {message}")


def test_results_to_submit_reads_worksheets_or_a_results_file_against_the_corpus(corpus_copy, tmp_path):
    """What labelstudio annotate submits, read as the command reads it, with no server: the
    worksheets resolved against the corpus's texts, one source per worksheet; nothing to submit is
    refused naming the file or directory."""
    from corpus_tools.labelstudio.annotate import results_to_submit

    round_1 = REPO / "annotations" / "worksheets" / "round-1"
    items, source, context = results_to_submit(corpus_copy, worksheets=round_1)
    assert source == [str(path) for path in sorted(round_1.glob("*.yaml"))] and len(items) == len(source) == 5
    assert sorted(item["doc_id"] for item in items) == sorted(SEED_DOC_IDS)
    assert context.file == str(round_1) and set(SEED_DOC_IDS) <= set(context.documents)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"\n")
    for given, message in [({"results": empty}, "it holds no item"),
                           ({"worksheets": tmp_path}, "no worksheet (*.yaml) in it")]:
        with pytest.raises(CorpusError) as refused:
            results_to_submit(corpus_copy, **given)
        where = given.get("results", given.get("worksheets"))
        assert str(refused.value) == f"{where}: [annotate-empty] {message}"
    # a round of several annotators (README: round-2/annotator-N/) holds its worksheets a level down
    round_2 = REPO / "annotations" / "worksheets" / "round-2"
    with pytest.raises(CorpusError) as refused:
        results_to_submit(corpus_copy, worksheets=round_2)
    assert str(refused.value) == (f"{round_2}: [annotate-empty] no worksheet (*.yaml) in it, but in its directories "
                                  "annotator-1, annotator-2, annotator-3: give one annotator's directory, with that "
                                  "annotator's --as")


def test_what_annotate_says_it_submitted():
    from corpus_tools.labelstudio.annotate import Submissions, Submitted, submitted_line
    from corpus_tools.labelstudio.server import User

    done = Submissions((Submitted(1, 10, 3, False), Submitted(2, 11, 3, True)), skipped=2)
    assert submitted_line(done, 4) == ("submitted 1 annotation and 1 cancelled annotation (was_cancelled) to project "
                                       "4; 2 tasks skipped, already annotated by this user")
    user = User(id=3, email="gold@corpus.local", api_key="k")
    assert submitted_line(Submissions((), 0), 4, user) == ("submitted 0 annotations to project 4 as gold@corpus.local "
                                                           "(user 3)")


def test_the_guidelines_worksheet_example_is_of_an_invented_document(tmp_path):
    """docs/annotation-guidelines.md shows the worksheet format with invented text ("Maria Ortega",
    "The mayor"), as all its examples are; its doc_id was the seed 000_cbeedfbee8440207, whose text
    holds none of it, so copied as it stood it was a worksheet annotate refuses
    (worksheet-region-unresolved) of a document of round 1's gold."""
    import re

    from conftest import COMMITTED_DOC_IDS

    guidelines = (ROOT / "docs" / "annotation-guidelines.md").read_text(encoding="utf-8")
    example = load_worksheet(write(tmp_path, re.search(r"```yaml\n(.*?)```", guidelines, re.S)[1]))
    assert example.doc_id not in COMMITTED_DOC_IDS
    annotations = resolve(example, "Maria Ortega said on Tuesday: The mayor said the bridge would reopen in May.")
    assert [(mention.text, mention.span, mention.entity_id) for mention in annotations.entities] == \
        [("Maria Ortega", records.Span(0, 12), "maria-ortega")]
    assert [(timex.text, timex.value, timex.mod) for timex in annotations.timexes] == [("Tuesday", "2019-WXX-2", None)]
    (quote,) = annotations.quotes
    assert (quote.text, quote.quote_type, quote.source.text, quote.source.speaker_id, quote.cue.span) == \
        ("the bridge would reopen in May", "indirect", "The mayor", None, records.Span(40, 44))
