"""Agreement and adjudication on the two-annotator fixture (tests/fixtures/agreement/), checked
against the hand-computed figures of docs/agreement.md; bad inputs."""

from __future__ import annotations

import copy
import dataclasses
import gc
import hashlib
import importlib.util
import json
import re

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

import export_corpus
from conftest import REPO
from corpus_tools.annotations import adjudicate as adjudicate_module
from corpus_tools.annotations.adjudicate import (
    ReleaseProvenance, adjudicate, adjudication_lines, alone_provenance, ground_truth_unchanged, parse_strategy,
    unit_provenance,
)
from corpus_tools.annotations.agreement import (
    AgreementTally, agreement, compare, exact_matches, nominal_alpha, not_comparable_ids, overlap_matches,
    pair_code_points, pair_counts, report_dict, report_lines, report_notes, summary_line, units_of,
)
from corpus_tools.annotations.consolidate import (
    CHOSEN, PICKS, ROLES, AnnotationIndex, ChosenInDocOrder, RecordsOnDisk, load_annotation_set, load_chosen,
)
from corpus_tools.cli import cli, progress as progress_module
from corpus_tools.documents.remove import remove_documents
from corpus_tools.errors import CorpusError
from corpus_tools.ingest import ingest
from corpus_tools.layout import Layout
from corpus_tools.records import DocumentAnnotations, EntityMention, Provenance, Span, UnitProvenance, Units
from corpus_tools.release import build_release
from corpus_tools.release.card import quality_figures_lines, resolution_text
from release_factories import spread_inputs

FIXTURES = export_corpus.FIXTURES
EXPORT = export_corpus.TWO_ANNOTATORS
DOCS = REPO / "docs" / "agreement.md"
# the card's line on what was compared: until 1.2.1 it said "figures averaged over pairs" of alpha too,
# which is computed once over all annotators, and of counts that are the pairs' sums
ONE_PAIR_COMPARED = (
    "Over 1 document(s) annotated by two or more of 2 annotators (1 pair(s): each F1 and agreement is the mean of "
    "the pairs' figures, beside the counts summed over the pairs, whose ratio is the pooled figure, not the mean; "
    "Krippendorff's alpha is computed once, over all the annotators of each document together, not per pair; ")


def test_fixture_is_what_its_script_writes():
    spec = importlib.util.spec_from_file_location("make_agreement_fixture", FIXTURES / "make_agreement_fixture.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert EXPORT.read_bytes() == module.render()


def _annotation_set(tmp_path, export=EXPORT):
    layout, documents = export_corpus.ingested(tmp_path, export), export_corpus.documents()
    return documents, load_annotation_set(layout, documents, export_corpus.registry())


def _index_of(layout):
    return AnnotationIndex(layout, export_corpus.documents(), export_corpus.registry())


def _index(tmp_path, export=EXPORT):
    return _index_of(export_corpus.ingested(tmp_path, export))


def _tasks() -> list[dict]:
    """The fixture's tasks, to edit."""
    return json.loads(EXPORT.read_text(encoding="utf-8"))


def _written(path, tasks: list[dict]):
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


def _reviewed(annotation: dict, **more) -> dict:
    """``annotation`` as reviewer 9's ground truth, annotation 301."""
    return {**annotation, "id": 301, "completed_by": 9, "ground_truth": True, **more}


def _ingest(layout, path, **options):
    return ingest(path, layout, export_corpus.documents(), export_corpus.registry(), **options)


def _streamed(index, problems=None):
    """What a release reads of ``index``: the chosen annotations it streams, then its quality figures."""
    provenance = ReleaseProvenance(index)
    released = list(provenance.stream([] if problems is None else problems))
    return released, provenance.quality()


def _stdout(layout, *arguments) -> str:
    """A command's stdout, run on ``layout``'s corpus; it must succeed."""
    result = CliRunner().invoke(cli, [*arguments, "--root", str(layout.root)])
    assert result.exit_code == 0, result.output
    return result.stdout


def _lines(layout, *arguments) -> list[str]:
    return _stdout(layout, *arguments).splitlines()


# The worked example's figures, computed by hand in docs/agreement.md: (value, agreed, items)
HAND = {
    "entities": {"span_f1": (0.6154, 4, 13), "overlap_f1": (0.9231, 6, 13), "label": (0.75, 3, 4),
                 "entity_id": (0.75, 3, 4)},
    "timexes": {"span_f1": (0.5, 1, 4), "overlap_f1": (1.0, 2, 4), "label": (1.0, 1, 1), "timex_value": (0.0, 0, 1)},
    "quotes": {"span_f1": (0.0, 0, 3), "overlap_f1": (0.6667, 1, 3), "quote_type": (1.0, 1, 1),
               "attribution": (0.0, 0, 1), "cue": (0.0, 0, 1)},
}
HAND_ALPHA = {"entities": 0.6648, "timexes": 0.5341}
# ... as report_dict gives them
HAND_JSON = {layer: {name: {"value": value, "agreed": agreed, "items": items}
                     for name, (value, agreed, items) in figures.items()} for layer, figures in HAND.items()}


def _hand_figures(figures: dict) -> dict:
    """The figures of HAND in ``figures`` (a pair's or the average of report_dict), to compare with HAND_JSON."""
    return {layer: {name: figures[layer][name] for name in HAND[layer]} for layer in HAND}


def test_every_figure_is_the_hand_computed_one(tmp_path):
    """The docs quote the same figures; the text counts a pair's documents in words: a pair compared on
    one document was '(1 docs)' (messages say 1 document, not 1 documents)."""
    result = agreement(_index(tmp_path))
    report = report_dict(result)
    [pair] = report["pairs"]
    assert pair["annotators"] == ["1", "2"] and pair["documents"] == 1
    assert _hand_figures(pair) == HAND_JSON and _hand_figures(report["average"]) == HAND_JSON
    # in report order, as HAND and the docs' table list them
    assert {layer: list(figures) for layer, figures in report["average"].items()} == {
        layer: list(figures) for layer, figures in HAND.items()}
    assert {layer: figure["value"] for layer, figure in report["alpha"].items()} == HAND_ALPHA
    assert report["alpha"]["entities"]["items"] == 214  # code points of doc-a
    # doc-b: annotator 1 only (annotator 2 cancelled): not comparable, never scored
    assert report["documents"] == {"compared": 1, "not_comparable": 1, "not_comparable_ids": ["doc-b"], "no_version": 0,
                                   "no_version_ids": [], "removed": 0, "removed_ids": []}
    assert report["annotations"] == {"cancelled": 1, "ground_truth_left_out": 0, "versions_from_predictions": 0}
    lines = [line.split(", overlap_f1")[0] for line in report_lines(result)]
    assert "  1 vs 2 (1 doc) entities: span_f1 0.615 (2 × 4/13)" in lines
    text = DOCS.read_text(encoding="utf-8")  # and the docs quote the same figures
    for layer, figures in HAND.items():
        for name, (value, agreed, items) in figures.items():
            assert f"| {layer} | {name} | {agreed}/{items} | {value:.3f} |" in text, (layer, name)
    assert "α = 1 − 427 · 78 / 99374 = 0.665" in text and "α = 1 − 427 · 44 / 40328 = 0.534" in text


def test_a_figure_short_of_1_is_not_printed_as_1_nor_one_above_0_as_0():
    """An alpha of 0.99998 was printed 1.000 in the text (and the card) and 1.0 in --json, an F1 of
    2 × 19999/40000 1.0 in --json: complete agreement, where annotators disagreed; an F1 of
    2 × 1/50000, 0.0: no agreement, where they agreed once. Exact 1s and 0s print as before."""
    # One text of 100,000 code points: A codes [0, 50000) GPE, B [0, 49999): one code point apart.
    # Values: GPE 2 · 49,999 + 1 = 99,999, none 100,001 (n = 200,000); Σ_{c≠k} o_ck = 2 (GPE/none both
    # ways); Σ_{c≠k} n_c n_k = 2 · 99,999 · 100,001 = 2 · 9,999,999,999:
    # α = 1 − 199,999 · 2 / (2 · 9,999,999,999) = 0.99997999..., which rounds to 1.0000 and 1.000.
    # The spans differ (exact F1 2 × 0/2 = 0, exactly) and overlap (overlap F1 2 × 1/2 = 1, exactly).
    a = Units("1", ((0, 50_000, "GPE", None),), (), ())
    b = Units("2", ((0, 49_999, "GPE", None),), (), ())
    report = compare({"doc": (100_000, [a, b])})
    [(_, alpha), _] = report.alpha
    assert alpha.value == pytest.approx(1 - 199_999 / 9_999_999_999, abs=1e-15) and alpha.value < 1
    as_json = report_dict(report)
    assert as_json["alpha"]["entities"] == {"value": 0.9999, "agreed": 0, "items": 100_000}
    assert as_json["alpha"]["timexes"]["value"] is None  # no timex: one value only, no figure
    assert as_json["average"]["entities"]["span_f1"] == {"value": 0.0, "agreed": 0, "items": 2}
    assert as_json["average"]["entities"]["overlap_f1"] == {"value": 1.0, "agreed": 1, "items": 2}
    lines = list(report_lines(report))
    assert "  alpha: entities 0.999 (100000 code points), timexes n/a (100000 code points)" in lines
    assert "  average entities: span_f1 0.000 (2 × 0/2), overlap_f1 1.000 (2 × 1/2), label n/a (0/0), " \
        "entity_id n/a (0/0)" in lines

    # Entities: 19,999 one-code-point spans alike, and one each apart: 2 × 19,999/40,000 = 0.99995.
    # Timexes: 25,000 each, one alike: 2 × 1/50,000 = 0.00004.
    alike = tuple((3 * k, 3 * k + 1, "GPE", None) for k in range(19_999))
    a = Units("1", alike + ((60_000, 60_001, "GPE", None),),
              tuple((3 * k, 3 * k + 1, "DATE", "2024", None) for k in range(25_000)), ())
    b = Units("2", alike + ((60_001, 60_002, "GPE", None),),
              ((0, 1, "DATE", "2024", None),) + tuple((3 * k + 1, 3 * k + 2, "DATE", "2024", None)
                                                      for k in range(1, 25_000)), ())
    report = compare({"doc": (80_000, [a, b])})
    figures = {layer.layer: dict(layer.figures) for layer in report.average}
    assert figures["entities"]["span_f1"].value == 2 * 19_999 / 40_000
    assert figures["timexes"]["span_f1"].value == 2 / 50_000
    average = report_dict(report)["average"]
    assert average["entities"]["span_f1"] == {"value": 0.9999, "agreed": 19_999, "items": 40_000}  # was 1.0
    assert average["entities"]["label"] == {"value": 1.0, "agreed": 19_999, "items": 19_999}
    assert average["timexes"]["span_f1"] == {"value": 0.0001, "agreed": 1, "items": 50_000}  # was 0.0
    text = "\n".join(report_lines(report))
    assert "span_f1 0.999 (2 × 19999/40000)" in text and "span_f1 0.001 (2 × 1/50000)" in text


def test_beside_an_average_the_counts_are_the_pairs_sums_as_the_docs_say():
    """docs/agreement.md said the text and the card print a figure's counts "as its formula", which
    an average is not: it is the mean of the pairs' values, its counts their sums. Its example, on
    real records: annotator 1 with 2 on doc-x (labels 9 of 10 alike), with 3 on doc-y (1 of 2)."""
    ten = [(10 * k, 10 * k + 5) for k in range(10)]
    one = Units("1", tuple((s, e, "GPE", None) for s, e in ten), (), ())
    two = Units("2", tuple((s, e, "ORG" if s == 0 else "GPE", None) for s, e in ten), (), ())
    one_y = Units("1", ((0, 5, "GPE", None), (10, 15, "GPE", None)), (), ())
    three = Units("3", ((0, 5, "GPE", None), (10, 15, "LOC", None)), (), ())
    report = compare({"doc-x": (100, [one, two]), "doc-y": (20, [one_y, three])})
    # pairs (1, 2): 9/10 = 0.9; (1, 3): 1/2 = 0.5; no pair (2, 3): no document of both
    assert [(pair.annotators, dict(pair.layers[0].figures)["label"].value) for pair in report.pairs] == [
        (("1", "2"), 0.9), (("1", "3"), 0.5)]
    average = report_dict(report)["average"]["entities"]["label"]
    assert average == {"value": 0.7, "agreed": 10, "items": 12}  # (0.9 + 0.5) / 2; 10/12 = 0.833 pooled
    assert any(line.startswith("  average entities:") and "label 0.700 (10/12)" in line for line in report_lines(report))
    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    assert ("a pair with label 9/10 and one with 1/2 average 0.700, printed `label 0.700 (10/12)`, where 10/12 is "
            "0.833") in text


def test_alpha_equals_nltk_krippendorff_alpha_per_code_point():
    """The run-length coincidences give the same alpha as coding every code point (NLTK's alpha)."""
    from nltk.metrics.agreement import AnnotationTask

    length = 40
    a = [(0, 5, "PERSON"), (10, 18, "GPE"), (30, 34, "ORG")]
    b = [(0, 5, "PERSON"), (12, 18, "LOC"), (20, 25, "ORG")]
    c = [(0, 7, "PERSON"), (10, 18, "GPE")]

    def coded(spans):
        codes = ["none"] * length
        for start, end, label in spans:
            codes[start:end] = [label] * (end - start)
        return codes

    data = [(coder, str(i), value) for coder, spans in (("a", a), ("b", b), ("c", c))
            for i, value in enumerate(coded(spans))]
    expected = AnnotationTask(data=data).alpha()
    coincidences = {pair: count / 2 for pair, count in pair_code_points(length, [a, b, c]).items()}  # m - 1 = 2
    assert nominal_alpha(coincidences) == pytest.approx(expected, abs=1e-12)


def test_overlap_matching_prefers_the_tighter_pair():
    a = [(102, 131, "direct"), (102, 139, "indirect")]
    b = [(103, 129, "direct")]
    assert overlap_matches(a, b) == [(0, 0)]


# a quote's unit: (start, end, quote_type, source (start, end, speaker_id) or None, cue (start, end) or None)
@pytest.mark.parametrize("source_a, source_b, agreed", [
    ((0, 7, "Q1"), (0, 7, "Q1"), 1),
    ((0, 7, "Q1"), (4, 7, "Q1"), 1),  # one speaker, two SOURCE spans ("Antony Blinken", "Blinken")
    ((0, 7, "Q1"), (0, 7, "Q2"), 0),  # one SOURCE span, two speakers
    ((0, 7, None), (0, 7, "Q1"), 1),  # a speaker on one side only: the spans decide
    ((0, 7, None), (4, 7, "Q1"), 0),
    (None, None, 1),
    (None, (0, 7, None), 0),
], ids=["same", "speaker-decides", "speakers-differ", "one-speaker-span-same", "one-speaker-span-differs",
        "no-source-either", "no-source-one"])
def test_attribution_is_the_same_speaker_when_both_have_one_else_the_same_source_span(source_a, source_b, agreed):
    a, b = (10, 30, "direct", source_a, (8, 9)), (10, 30, "direct", source_b, (8, 9))
    assert pair_counts("quotes", [a], [b])["attribution"] == (agreed, 1)


# Each row: a layer, two annotators' units of one span, and the figures of the pair: in the worked example
# every matched pair with the same label has the same entity_id, so a figure comparing the wrong field passed
@pytest.mark.parametrize("layer, a, b, figures", [
    ("entities", (0, 5, "GPE", "syria"), (0, 5, "GPE", "damascus"), {"label": (1, 1), "entity_id": (0, 1)}),
    ("entities", (0, 5, "GPE", "syria"), (0, 5, "LOC", "syria"), {"label": (0, 1), "entity_id": (1, 1)}),
    ("timexes", (0, 4, "DATE", "2024", None), (0, 4, "DATE", "2025", None), {"label": (1, 1), "timex_value": (0, 1)}),
    ("timexes", (0, 4, "DATE", "2024", None), (0, 4, "TIME", "2024", None), {"label": (0, 1), "timex_value": (1, 1)}),
    ("quotes", (10, 30, "direct", None, (8, 9)), (10, 30, "indirect", None, (8, 9)),
     {"quote_type": (0, 1), "attribution": (1, 1), "cue": (1, 1)}),
    ("quotes", (10, 30, "direct", None, (8, 9)), (10, 30, "direct", None, (7, 9)),
     {"quote_type": (1, 1), "attribution": (1, 1), "cue": (0, 1)}),
], ids=["entity-id-differs", "label-differs", "timex-value-differs", "timex-label-differs", "quote-type-differs",
        "cue-differs"])
def test_each_attribute_figure_compares_its_own_field(layer, a, b, figures):
    counts = pair_counts(layer, [a], [b])
    assert counts == {"span_f1": (1, 2), "overlap_f1": (1, 2), **figures}


def test_a_ground_truth_read_between_the_versions_is_no_version(tmp_path):
    """A reviewer's ground truth of doc-a, by user 10, read between annotators 1's and 2's versions
    (records come by who as a string: "1", "10", "2"): left out and counted, never compared as a
    version, nor taken for the last of doc-a's two versions."""
    tasks = _tasks()
    first = copy.deepcopy(tasks[:1])
    first[0]["annotations"] = [_reviewed(first[0]["annotations"][0], updated_at="2026-11-21T09:00:00.000000Z",
                                         completed_by=10)]
    layout = export_corpus.ingested(tmp_path / "corpus", _written(tmp_path / "first.json", first))
    assert _ingest(layout, _written(tmp_path / "second.json", tasks)).status == "stored"
    report = report_dict(agreement(_index_of(layout)))
    [pair] = report["pairs"]
    assert pair["annotators"] == ["1", "2"] and _hand_figures(pair) == HAND_JSON
    assert report["annotations"]["ground_truth_left_out"] == 1 and report["documents"]["compared"] == 1


def test_by_document_and_by_annotator(tmp_path):
    """Found by a hunt: --by document said doc-b (annotator 1's, annotator 2's cancelled) had no
    annotators ("annotators -", []), where adjudicate and --by annotator name annotator 1. Found at
    10,000 tasks: --by document gave each of 8,204 single-annotator documents three lines of n/a
    figures "(2 × 0/0)" and an alpha of 0 code points, 32,816 lines of nothing."""
    index = _index(tmp_path)
    result = agreement(index, by="document")
    by_document = report_dict(result)
    parts = {part["document"]: part for part in by_document["parts"]}
    assert parts["doc-a"]["average"] == by_document["average"]
    assert parts["doc-b"]["documents"]["not_comparable_ids"] == ["doc-b"]
    assert parts["doc-b"]["average"]["entities"]["span_f1"] == {"value": None, "agreed": 0, "items": 0}
    assert (parts["doc-a"]["annotators"], parts["doc-b"]["annotators"]) == (["1", "2"], ["1"])
    # the corpus's annotators are still those compared (the card: "annotated by two or more of N annotators")
    assert by_document["annotators"] == ["1", "2"]
    lines = list(report_lines(result))
    # doc-b, annotator 1's alone, is the last part: its first line and nothing after it
    assert lines[-1] == "  document doc-b: annotators 1; 0 documents compared, 1 not comparable (with one annotator: doc-b)"
    # doc-a, compared, keeps its figures: the part's first line, 3 layers of average and of the pair, alpha
    start = lines.index("  document doc-a: annotators 1, 2; 1 document compared, 0 not comparable")
    assert len(lines) - 1 - start == 1 + 3 + 3 + 1
    assert lines[start + 1].startswith("    average entities: span_f1 0.615 (2 × 4/13)")
    by_annotator = report_dict(agreement(index, by="annotator"))
    assert [part["annotator"] for part in by_annotator["parts"]] == ["1", "2"]
    # the documents each annotator was compared on (doc-b has one annotator: compared on none)
    assert [part["documents"]["compared"] for part in by_annotator["parts"]] == [1, 1]
    # annotator 1's doc-b, which annotator 2 cancelled, is theirs and not comparable (it said 0)
    assert [part["documents"]["not_comparable_ids"] for part in by_annotator["parts"]] == [["doc-b"], []]


def test_the_text_names_ten_not_comparable_doc_ids_of_a_kind_and_counts_the_rest():
    """Found at 10,000 tasks: agreement's first line named all 8,204 single-annotator documents,
    one line of 115 kB."""
    doc_ids = [f"d{number:02d}" for number in range(25)]
    assert not_comparable_ids(doc_ids, {"d03", "d24"}) == (
        "with one annotator: d00, d01, d02, d04, d05, d06, d07, d08, d09, d10 and 13 more (--json lists all); "
        "with no annotator's version: d03, d24")
    assert not_comparable_ids(doc_ids[:10], ()) == f"with one annotator: {', '.join(doc_ids[:10])}"


def test_one_annotator_is_not_comparable_never_perfect_and_by_annotator_has_their_part(tmp_path):
    """Annotator 1 alone on doc-a and doc-b: their part says so, where --by annotator had no part
    (and a part said '0 not comparable' of an annotator's documents no one else annotated)."""
    exported = _tasks()
    exported[0]["annotations"] = exported[0]["annotations"][:1]  # doc-a: annotator 1 only
    index = _index(tmp_path / "corpus", _written(tmp_path / "one.json", exported))
    report = report_dict(agreement(index))
    assert report["documents"]["compared"] == 0 and report["documents"]["not_comparable"] == 2
    assert report["pairs"] == [] and report["average"]["entities"]["span_f1"]["value"] is None
    assert report["alpha"]["entities"]["value"] is None
    by_annotator = agreement(index, by="annotator")
    [part] = report_dict(by_annotator)["parts"]
    assert (part["annotator"], part["annotators"], part["pairs"]) == ("1", ["1"], [])
    assert part["documents"] == {"compared": 0, "not_comparable": 2, "not_comparable_ids": ["doc-a", "doc-b"],
                                 "no_version": 0, "no_version_ids": [], "removed": 0, "removed_ids": []}
    assert part["average"]["entities"]["span_f1"] == {"value": None, "agreed": 0, "items": 0}
    assert ("  annotator 1: annotators 1; 0 documents compared, 2 not comparable (with one annotator: doc-a, "
            "doc-b)") in report_lines(by_annotator)


@pytest.mark.parametrize("by", ["document", "annotator"])
def test_parts_asked_for_are_a_key_of_the_json_also_when_there_is_none(by, tmp_path):
    """Found by a hunt: with nothing annotated yet, `--json --by` gave no "parts" key at all (an
    empty list was taken for parts not asked for), so a reader of the report met a KeyError."""
    layout = export_corpus.corpus_root(tmp_path)
    report = json.loads(_stdout(layout, "agreement", "--json", "--by", by))
    assert (report["parts"], report["documents"]["compared"]) == ([], 0)
    assert "parts" not in json.loads(_stdout(layout, "agreement", "--json"))  # and not asked for, no key
    # a part has no parts of its own
    parts = report_dict(agreement(_index(tmp_path / "annotated"), by=by))["parts"]
    assert len(parts) == 2 and all("parts" not in part for part in parts)


def test_a_removed_document_is_named_per_document_and_its_annotations_counted_once(tmp_path):
    """The annotations of a removed document (doc-removed) were left out unsaid under --by document,
    where every other document annotated has a part, and its cancelled annotation was counted among
    the cancelled ones too. Its part says it was removed; the corpus report counts it (the text
    names it only under --by document)."""
    layout = export_corpus.ingested(tmp_path)
    remove_documents(layout, ["doc-b"], "a takedown request")  # annotator 1's, annotator 2's cancelled
    lines = _lines(layout, "agreement", "--by", "document")
    assert [line for line in lines if line.startswith("  document")] == [
        "  document doc-a: annotators 1, 2; 1 document compared, 0 not comparable",
        "  document doc-b: removed from the corpus (annotations/removed-documents.jsonl): its annotations are "
        "left out"]
    assert lines[-1] == "1 document compared, 0 not comparable, 0 cancelled annotations and 0 ground-truth " \
        "annotations left out; the annotations of 1 document removed from the corpus left out"
    assert _lines(layout, "agreement")[-1].endswith("removed from the corpus left out (--by document names them)")
    report = json.loads(_stdout(layout, "agreement", "--json", "--by", "document"))
    assert report["documents"] == {"compared": 1, "not_comparable": 0, "not_comparable_ids": [], "no_version": 0,
                                   "no_version_ids": [], "removed": 1, "removed_ids": ["doc-b"]}
    assert report["annotations"]["cancelled"] == 0
    [removed] = [part for part in report["parts"] if part["document"] == "doc-b"]
    assert (removed["annotators"], removed["documents"]["removed_ids"], removed["pairs"]) == ([], ["doc-b"], [])


@pytest.mark.parametrize(("completed_by", "shown"), [
    pytest.param(..., None, id="without-completed_by"), (-3, "-3"), (0, "0"), ({"id": "2"}, "{'id': '2'}")])
def test_an_annotation_by_no_user_id_is_refused_at_ingest_saying_what_it_names(tmp_path, completed_by, shown):
    """Stored, it would stop agreement and adjudication for good (the store is append-only); so it
    is refused where it comes in, like any other fault of an annotation. -3 and 0 were taken as
    annotators and published as agreed_by "-3" (annotators.jsonl itself refuses such ids), and a user
    object with a string id was said to have no completed_by."""
    exported = _tasks()
    exported[0]["annotations"][1]["completed_by"] = completed_by
    if completed_by is ...:
        del exported[0]["annotations"][1]["completed_by"]
    layout = export_corpus.corpus_root(tmp_path / "corpus")
    result = _ingest(layout, _written(tmp_path / "odd.json", exported))
    assert result.status == "refused"
    assert not layout.exports.exists() or not any(layout.exports.iterdir())
    [problem] = [problem for problem in result.report if problem.code == "annotator-missing"]
    has = f"completed_by {shown}, not a Label Studio user id (a whole number from 1)" if shown else "no completed_by"
    assert str(problem).endswith(f"task 1, doc doc-a, annotation 202: error [annotator-missing] the annotation has "
                                 f"{has}: whose version it is cannot be told, so it cannot be compared or "
                                 "adjudicated"), str(problem)
    assert _ingest(layout, tmp_path / "odd.json", allow_partial=True).status == "stored-partial"
    with pytest.raises(CorpusError, match="invalid-annotations"):  # a left-out version would count as a disagreement
        agreement(_index_of(layout))


def _older_text(tmp_path, cut_word: bool):
    """Annotator 2 worked on an older text of doc-a: a prefix since removed (spans re-anchor),
    and with ``cut_word`` a word of one of their spans changed since (that span cannot)."""
    exported = _tasks()
    task = copy.deepcopy(exported[0])
    task["id"] = 3
    old_text = "UPDATED: " + task["data"]["text"]
    if cut_word:
        old_text = old_text.replace("Syrian officials", "Syrian offizials")  # same length: only that span moves
    task["data"]["text"] = old_text
    task["data"]["text_sha256"] = hashlib.sha256(old_text.encode()).hexdigest()
    annotator_2 = task["annotations"][1]
    for result in annotator_2["result"]:
        if "start" in result.get("value", {}):
            result["value"]["start"] += 9
            result["value"]["end"] += 9
            if result["type"] == "labels":
                result["value"]["text"] = old_text[result["value"]["start"]:result["value"]["end"]]
    task["annotations"] = [annotator_2]
    exported[0]["annotations"] = exported[0]["annotations"][:1]
    exported.append(task)
    path = tmp_path / "older.json"
    path.write_text(json.dumps(exported, ensure_ascii=False))
    return path


def test_versions_on_an_older_text_are_compared_after_re_anchoring_and_a_span_that_cannot_be_refuses_all(tmp_path):
    report = report_dict(agreement(_index(tmp_path / "corpus", _older_text(tmp_path, cut_word=False))))
    assert _hand_figures(report["average"]) == HAND_JSON
    layout = export_corpus.corpus_root(tmp_path / "cut")
    _ingest(layout, _older_text(tmp_path, cut_word=True), allow_partial=True)
    with pytest.raises(CorpusError) as error:
        agreement(_index_of(layout))
    assert error.value.code == "invalid-annotations"
    # problems, not units, are counted ("1 unit(s)"): some are whole tasks
    assert error.value.message.startswith("the stored exports have 1 error, so nothing is compared: ")
    assert "span-unmappable" in str(error.value) and "task 3, doc doc-a, annotation 202, region e5" in str(error.value)


def test_strategies_keep_what_they_say(tmp_path):
    index = _index(tmp_path)
    unanimous = {d.doc_id: d for d in adjudicate(index, parse_strategy("unanimous"))}
    merged = unanimous["doc-a"].merged
    assert [(m.text, m.label) for m in merged.entities] == [("Blinken", "PERSON"), ("Damascus", "GPE")]
    assert merged.timexes == () and merged.quotes == ()
    assert len(unanimous["doc-a"].disagreements) == 8
    damascus = next(d for d in unanimous["doc-a"].disagreements if d.start == 82)
    assert dict(damascus.said) == {"1": ("GPE 'Damascus' [82,90) -> damascus",),
                                   "2": ("LOC 'Damascus' [82,90) -> damascus",)}
    us = next(d for d in unanimous["doc-a"].disagreements if d.text == "US")
    assert dict(us.said)["1"] == ()  # annotator 1 said nothing there
    assert unanimous["doc-b"].note.startswith("one annotator (1): not comparable")
    # not merged, so it holds no units: adjudicating a corpus of such documents does not hold the corpus
    only = unanimous["doc-b"].merged
    assert (only.doc_id, only.entities, only.timexes, only.quotes) == ("doc-b", (), (), ())
    assert unanimous["doc-b"].kept == 0 and unanimous["doc-b"].left_out == ()
    prefer = {d.doc_id: d for d in adjudicate(index, parse_strategy("prefer:1"))}
    assert len(prefer["doc-a"].merged.entities) == 6 and len(prefer["doc-a"].merged.quotes) == 2
    # the nested quotes keep their own sources and cues
    assert [q.source.text for q in prefer["doc-a"].merged.quotes] == ["he", "State Department"]
    left_out = dict(prefer["doc-a"].left_out)
    assert list(left_out) == ["2"] and len(left_out["2"].entities) == 5
    with pytest.raises(CorpusError, match=r"annotator-unknown.*'7'"):  # an annotator without versions
        adjudicate(index, parse_strategy("prefer:7"))


def _version(text: str, annotator: str, *spans: tuple[int, int]) -> DocumentAnnotations:
    """``annotator``'s version of a document ``text``: a GPE at each of ``spans``."""
    entities = tuple(EntityMention(f"e{n}", "doc", Span(start, end), text[start:end], "GPE", None)
                     for n, (start, end) in enumerate(spans, start=1))
    return DocumentAnnotations("doc", entities, (), (), Provenance("x", 1, int(annotator), annotator, None, "version",
                                                                   False))


@pytest.mark.parametrize(("spans_1", "spans_2", "strategy", "note", "kept", "disagreements"), [
    # prefer:ANNOTATOR falls back to unanimous on a document that annotator did not annotate, and
    # says so. (Keeping the absent annotator's units, none, failed no test.)
    pytest.param([(0, 2), (2, 7)], [(0, 2)], "prefer:3", "annotator 3 did not annotate this document: unanimous units "
                 "only", ["US"], [(2, 7, "Syria", (("1", ("GPE 'Syria' [2,7) (no entity_id)",)), ("2", ())))],
                 id="prefer-an-annotator-who-did-not-annotate-keeps-the-unanimous-units"),
    # A disagreement groups the disputed units of a layer whose spans overlap; two that only touch
    # (one ends where the other starts) share no code point, and are listed apart. (Grouping
    # touching units too failed no test.)
    pytest.param([(0, 2)], [(2, 7)], "unanimous", None, [], [
        (0, 2, "US", (("1", ("GPE 'US' [0,2) (no entity_id)",)), ("2", ()))),
        (2, 7, "Syria", (("1", ()), ("2", ("GPE 'Syria' [2,7) (no entity_id)",))))],
        id="disputed-units-that-only-touch-are-two-disagreements-not-one"),
])
def test_a_merge_of_two_versions_of_a_document(spans_1, spans_2, strategy, note, kept, disagreements):
    text = "USSyria"
    merged = adjudicate_module.adjudicate_document(
        "doc", [_version(text, "1", *spans_1), _version(text, "2", *spans_2)], parse_strategy(strategy), text)
    assert (merged.note, [m.text for m in merged.merged.entities], merged.kept) == (note, kept, len(kept))
    assert [(d.start, d.end, d.text, d.said) for d in merged.disagreements] == disagreements


def test_the_release_puts_a_unit_in_one_kind_and_notes_only_documents_several_annotated(tmp_path):
    """ReleaseProvenance's figures for the card and its note (a change of either failed no test):
    a unit a reviewer changed on a document one annotator annotated is adjudicated, not also from
    one annotator; the note counts the documents never adjudicated that several annotated (doc-a),
    not doc-b, whose one annotator's version is released."""
    provenance = ReleaseProvenance(_index(tmp_path / "plain"))  # doc-a: annotators 1 and 2; doc-b: 1
    list(provenance.stream([]))
    assert provenance.notes() == (
        "1 document has versions by several annotators and none adjudicated: each is released from its most "
        "recently updated annotation, whatever the others say (`corpus-tools adjudicate` lists their disagreements)",)
    tasks = _tasks()
    starred = _reviewed(copy.deepcopy(tasks[1]["annotations"][0]))  # annotator 1's doc-b, London a LOC
    [london] = [r for r in starred["result"] if r["id"] == "e2" and r["from_name"] == "entity"]
    london["value"]["labels"] = ["LOC"]
    tasks[1]["annotations"].append(starred)
    released, quality = _streamed(_index_of(export_corpus.ingested(tmp_path / "reviewed",
                                                                   _written(tmp_path / "reviewed.json", tasks))))
    units_b = len(released[1].unit_provenance)
    assert released[1].provenance.annotation_id == 301 and units_b > 1
    assert (quality.units_adjudicated, quality.units_one_annotator) == (1, units_b - 1)


def test_a_disagreement_longer_than_60_characters_is_shown_cut_with_an_ellipsis(tmp_path):
    """Found by a hunt: the line heading a disagreement quoted its text cut at 60 characters with no
    mark of the cut ('... said in an interview publis'), as if that were the whole text of its
    span; the units under it were cut around an ellipsis."""
    exported = _tasks()
    text = exported[0]["data"]["text"]
    wide = text[102:174]  # annotator 2's QUOTE, from the opening mark to the end of its SOURCE
    assert len(wide) == 72 and wide.endswith("according to the State Department")
    for region in exported[0]["annotations"][1]["result"]:
        if region.get("id") == "q1":
            region["value"].update(start=102, end=174, text=wide)
    index = _index(tmp_path / "corpus", _written(tmp_path / "wide.json", exported))
    lines = list(adjudication_lines(adjudicate(index, parse_strategy("majority"))))
    cut = repr(wide[:28] + "…" + wide[-28:])
    assert f"  quotes [102,174) {cut}:" in lines
    assert f"    2: direct quote {cut} [102,174), said_by 'State Department' (us-department-of-state), " \
           "cue 'according to'" in lines


def test_a_majority_keeps_nested_quotes_two_of_three_annotators_gave(tmp_path):
    """docs/agreement.md said two majority units never overlap; quotes nest within one annotation,
    and so in a majority merge."""
    exported = _tasks()
    # annotator 1's version of doc-a, as user 3's
    exported[0]["annotations"].append({**copy.deepcopy(exported[0]["annotations"][0]), "id": 205, "completed_by": 3})
    index = _index(tmp_path / "corpus", _written(tmp_path / "three.json", exported))
    majority = {d.doc_id: d for d in adjudicate(index, parse_strategy("majority"))}
    quotes = majority["doc-a"].merged.quotes
    assert [(q.span.start, q.span.end, q.quote_type) for q in quotes] == [(102, 131, "direct"), (102, 139, "indirect")]
    assert quotes[0].span.overlaps(quotes[1].span)
    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    assert "while quotes may nest, as annotator 1's do in the example" in text
    assert "two majority units never overlap" not in text


def test_a_lone_version_s_provenance_is_unit_provenance_against_its_own_units(tmp_path):
    """A release gives a document whose chosen annotation is its one annotator's version
    ``alone_provenance`` (building its units to compare with themselves cost a tenth of a
    release): it must say what ``unit_provenance`` of those units says, unit for unit."""
    _, annotation_set = _annotation_set(tmp_path)
    compared = 0
    for chosen in annotation_set.chosen.values():
        annotator = chosen.provenance.annotator
        lone = alone_provenance(chosen, annotator).unit_provenance
        assert lone == unit_provenance(chosen, [units_of(chosen, annotator)]).unit_provenance
        assert {provenance for _, provenance in lone} <= {UnitProvenance((annotator,), 1, False)}
        compared += len(lone)
    assert compared > 0


def test_unit_provenance_and_a_unit_the_one_annotator_gave_is_not_adjudicated_under_a_ground_truth(tmp_path):
    """Label Studio's star: one annotator's annotation becomes ground truth, and the other's is
    the one version left. Every unit was flagged adjudicated, and the card counted the same units
    both as adjudicated and as from a document with one annotator."""
    documents, annotation_set = _annotation_set(tmp_path)
    chosen = annotation_set.chosen["doc-a"]  # annotator 2's (the latest)
    given = dict(unit_provenance(chosen, [units_of(version) for version in annotation_set.versions["doc-a"]]).unit_provenance)
    by_text = {m.text: given[m.id] for m in chosen.entities}
    assert by_text["Blinken"].agreed_by == ("1", "2") and by_text["Blinken"].annotators == 2
    assert by_text["US"].agreed_by == ("2",) and not by_text["US"].adjudicated
    starred = dataclasses.replace(chosen, provenance=dataclasses.replace(chosen.provenance, ground_truth=True))
    [other] = [version for version in annotation_set.versions["doc-a"] if version.provenance.annotator == "1"]
    given = dict(unit_provenance(starred, [units_of(other)]).unit_provenance)
    by_text = {m.text: given[m.id] for m in starred.entities}
    assert (by_text["Blinken"].agreed_by, by_text["Blinken"].annotators, by_text["Blinken"].adjudicated) == (
        ("1",), 1, False)
    assert (by_text["US"].agreed_by, by_text["US"].adjudicated) == ((), True)  # the one annotator did not give it
    assert all(provenance.adjudicated for provenance in dict(unit_provenance(starred, []).unit_provenance).values())


@pytest.mark.parametrize("strategy", ["unanimously", "prefer:", "prefer", "vote"])
def test_an_unknown_strategy_is_refused_before_anything_is_read(strategy, tmp_path):
    result = CliRunner().invoke(cli, ["adjudicate", "--root", str(tmp_path), "--strategy", strategy])
    assert result.exit_code != 0
    assert "[unknown-strategy]" in result.output and "--strategy" in result.output
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize(("options", "said"), [
    (["--reviewer", "lead@corpus-tools.local"], "--reviewer goes with --push"),
    (["--project", "round 2", "--url", "http://127.0.0.1:1"], "--project, --url go with --push"),
    (["--data-dir", "elsewhere"], "--data-dir goes with --push"),  # the local server's: the push's only
])
def test_an_option_of_the_push_without_push_is_refused(corpus_copy, options, said):
    """--reviewer, --project, --url, --api-key or --data-dir typed without --push were dropped unsaid: the
    merges were listed and nothing was sent, which the user took for sent. The environment's
    LABEL_STUDIO_URL and key (and CORPUS_TOOLS_LS_DATA), exported for the other commands, are no such option."""
    arguments = ["adjudicate", "--root", str(corpus_copy.root), "--strategy", "majority"]
    result = CliRunner().invoke(cli, [*arguments, *options])
    assert result.exit_code == 2 and result.output.endswith(f"Error: {said}\n"), result.output
    exported = CliRunner().invoke(cli, arguments, env={"LABEL_STUDIO_URL": "http://127.0.0.1:1",
                                                       "LABEL_STUDIO_API_KEY": "exported",
                                                       "CORPUS_TOOLS_LS_DATA": "elsewhere"})
    assert exported.exit_code == 0 and exported.output.splitlines()[-1].startswith("7 documents merged"), \
        exported.output


@pytest.mark.parametrize("command, run", [
    (["agreement"], lambda index, reading: agreement(index, reading=reading)),
    (["adjudicate", "--strategy", "majority"],
     lambda index, reading: adjudicate(index, parse_strategy("majority"), reading)),
], ids=["agreement", "adjudicate"])
def test_reading_is_asked_for_its_progress_with_the_number_of_records_it_reads_and_its_bar_shows_it(
        command, run, monkeypatch, tmp_path):
    """The fixture's five records: three versions (doc-a's two, doc-b's one) and two chosen
    annotations (each read for its task's problems). The total is known only once the library has
    built its index, after the command made its stages: the bar is asked for with it.
    (labelstudio tasks reads each chosen annotation as its task is written: its bar is the tasks'.)"""
    asked, reads = [], []
    run(_index(tmp_path), lambda total: asked.append(total) or reads.append)  # asked with the total, given a reader
    assert asked == [5] and reads == [1] * 5
    monkeypatch.setattr(progress_module, "DELAY", 0)
    monkeypatch.setattr(progress_module, "MININTERVAL", 0)
    monkeypatch.setattr(progress_module, "shows_progress", lambda stream: True)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [*command, "--root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert re.search(r"reading annotations: 100%.* 5/5 ", result.stderr), result.stderr


def test_agreement_command_on_the_committed_exports(corpus_copy):
    """The committed exports: round 1's gold of the seeds (user 2) and round 2 (users 3 and 4 on
    every document, user 2 on the two invented ones; user 5's adjudicated ground truth left out),
    so every committed document has three annotators' versions to compare."""
    report = json.loads(_stdout(corpus_copy, "agreement", "--json"))
    assert report["documents"]["compared"] == 7 and report["documents"]["not_comparable"] == 0
    assert report["average"]["quotes"]["overlap_f1"] == {"value": 0.9933, "agreed": 299, "items": 602}
    # the mean of 82/85, 82/85 and 85/85 is 0.97647: rounded once, never 0.9765 and then 0.977
    assert report["average"]["timexes"]["timex_value"] == {"value": 0.9765, "agreed": 249, "items": 255}
    text = _stdout(corpus_copy, "agreement")
    assert "timex_value 0.976 (249/255)" in text
    assert "all documents: annotators 2, 3, 4; 7 documents compared, 0 not comparable" in text
    assert text.endswith("7 documents compared, 0 not comparable, 0 cancelled annotations and 7 ground-truth "
                         "annotations left out\n")


def test_a_release_keeps_the_chosen_order_when_the_versions_come_in_a_later_export(tmp_path):
    """A chosen annotation whose document's versions are in a later export waits for them, and so
    does the one behind it: the release stream keeps the chosen annotations' order, and each unit
    is compared with every version (ReleaseProvenance.stream, one pass over the exports)."""
    tasks = _tasks()
    first = copy.deepcopy(tasks)
    # annotator 1's doc-a, as reviewer 9's ground truth; doc-b: annotator 1 only
    first[0]["annotations"] = [_reviewed(first[0]["annotations"][0], updated_at="2026-11-21T09:00:00.000000Z")]
    first[1]["annotations"] = first[1]["annotations"][:1]
    layout = export_corpus.ingested(tmp_path / "corpus", _written(tmp_path / "first.json", first))
    assert _ingest(layout, _written(tmp_path / "second.json", tasks[:1])).status == "stored"  # doc-a: 1 and 2
    problems = []
    released, quality = _streamed(_index_of(layout), problems)
    assert [(a.doc_id, a.provenance.reason, a.provenance.annotation_id) for a in released] == [
        ("doc-a", "ground_truth", 301), ("doc-b", "latest", 203)]
    given = dict(released[0].unit_provenance)
    blinken = next(m for m in released[0].entities if m.text == "Blinken")
    assert given[blinken.id].agreed_by == ("1", "2") and not given[blinken.id].adjudicated
    assert {p.annotators for p in given.values()} == {2} and any(p.adjudicated for p in given.values())
    assert {p.agreed_by for _, p in released[1].unit_provenance} == {("1",)}
    assert quality.agreement.compared == ("doc-a",) and quality.agreement.not_comparable == ("doc-b",)
    assert quality.agreement.adjudications_left_out == 1
    # the problems of the versions compared are the release's too (an error would refuse it): a warning here
    assert [(p.code, p.location.annotation_id, p.severity) for p in problems] == [
        ("entity-type-mismatch", 202, "warning")]


def test_an_error_in_an_annotation_its_annotator_superseded_refuses_nothing(tmp_path):
    """Found by a hunt: annotator 2's first annotation of doc-a with a region past the text (stored
    with --allow-partial) and their later one beside it in the task: agreement and adjudicate
    compare annotator 1's version with the later one, yet refused everything for the first one's
    error, which leaves none of the units they compare out."""
    tasks = _tasks()
    first = tasks[0]["annotations"][1]
    assert (first["id"], first["completed_by"]) == (202, 2)
    later = {**copy.deepcopy(first), "id": 205, "created_at": "2026-11-21T10:00:00.000000Z",
             "updated_at": "2026-11-21T10:00:00.000000Z"}
    first["result"][0]["value"]["end"] = 500
    tasks[0]["annotations"].append(later)
    layout = export_corpus.corpus_root(tmp_path / "corpus")
    result = _ingest(layout, _written(tmp_path / "superseded.json", tasks), allow_partial=True)
    assert result.status == "stored-partial"
    assert [(p.code, p.location.annotation_id) for p in result.report.errors] == [("offset-out-of-range", 202)]
    index = _index_of(layout)
    [pair] = report_dict(agreement(index))["pairs"]  # the later annotation is the fixture's annotator 2's
    assert _hand_figures(pair) == HAND_JSON
    merged = {d.doc_id: d for d in adjudicate(index, parse_strategy("unanimous"))}
    assert (merged["doc-a"].kept, len(merged["doc-a"].disagreements)) == (2, 8)


def test_an_error_in_a_version_compared_refuses_the_release_whichever_task_holds_it(tmp_path):
    """Found by a hunt: the release compares the chosen annotation with the versions for its
    card's figures and agreed_by, but read only the problems of the chosen annotations' tasks: a
    version in another export's task (here the reviewer's ground truth is in the first, the
    versions in the second) with a unit left out for an error found now was compared without it,
    the unit counted as a disagreement (agreement refuses that)."""
    tasks = _tasks()
    first = copy.deepcopy(tasks[:1])  # annotator 2's doc-a, as reviewer 9's ground truth
    first[0]["annotations"] = [_reviewed(first[0]["annotations"][1], updated_at="2026-11-21T09:00:00.000000Z")]
    export_corpus.link_syrians(tasks[0]["annotations"][0])  # annotator 1's version of doc-a
    layout = export_corpus.ingested_then_unregistered(tmp_path / "corpus", _written(tmp_path / "first.json", first),
                                                      _written(tmp_path / "second.json", tasks[:1]))
    problems = []
    provenance = ReleaseProvenance(_index_of(layout))
    assert [a.provenance.annotation_id for a in provenance.stream(problems)] == [301]
    assert [(p.code, p.location.file.split("-")[0], p.location.annotation_id, p.location.region_id)
            for p in problems if p.severity == "error"] == [("entity-id-unknown", "000002", 201, "e4")]
    result = CliRunner().invoke(cli, ["release", "--root", str(layout.root)])
    assert result.exit_code == 1 and "nothing built: 000002-" in result.output, result.output
    assert "annotation 201, region e4: error [entity-id-unknown]" in result.output
    assert not any((layout.root / "dist").glob("*"))  # no release, not even a part of one


def test_the_card_s_kinds_of_units_add_up_with_a_document_several_annotated_and_nobody_adjudicated(tmp_path):
    """A unit of such a document that not every annotator gave was none of the card's three kinds:
    "Of 417 released units, 57 ..., 1 ..., 358 ..." (416)."""
    released, quality = _streamed(_index(tmp_path / "corpus"))  # doc-a: annotators 1 and 2, no ground truth
    given = [p for annotations in released for _, p in annotations.unit_provenance]
    disputed = sum(p.annotators == 2 and len(p.agreed_by) < 2 for p in given)
    assert disputed and quality.units_unresolved == disputed
    assert quality.units == len(given) == (quality.units_unanimous + quality.units_adjudicated
                                           + quality.units_one_annotator + quality.units_unresolved)
    assert (f"{quality.units_one_annotator} come from a document with one annotator, and {disputed} come from the most "
            "recently updated annotation of a document several annotated and nobody adjudicated, though not every "
            "annotator gave them.") in resolution_text(quality)


def test_a_release_is_dated_by_the_latest_update_of_its_chosen_annotations_and_the_versions_compared(tmp_path):
    """The versions make the provenance columns: one updated after the chosen annotations changed
    agreed_by, yet the CHANGELOG and croissant kept the chosen annotations' day."""
    tasks = _tasks()[:1]  # doc-a: annotators 1 and 2
    tasks[0]["annotations"][1]["updated_at"] = "2026-12-10T09:00:00.000000Z"  # annotator 2, after the review
    tasks[0]["annotations"].append(_reviewed(tasks[0]["annotations"][0], updated_at="2026-11-21T09:00:00.000000Z"))
    released, quality = _streamed(_index(tmp_path / "corpus", _written(tmp_path / "export.json", tasks)))
    assert [a.provenance.updated_at[:10] for a in released] == ["2026-11-21"]
    assert quality.versions_updated == "2026-12-10"
    # the build takes the later of the two (its chosen annotations here are of 2024-05-02)
    result = build_release(*spread_inputs(), tmp_path / "dist", "1.0.0", annotation_quality=lambda: quality)
    assert "## 1.0.0 (2026-12-10)" in (result.path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert json.loads((result.path / "croissant.json").read_text(encoding="utf-8"))["datePublished"] == "2026-12-10"


def test_the_annotation_index_ranks_into_tables_not_an_object_per_annotation(tmp_path):
    """The index a release holds throughout grows with the corpus, so it is columns: every
    annotator's version and the chosen annotation per document, and the roles ``records`` reads."""
    index = _index(tmp_path / "corpus")
    assert index.versions.schema == PICKS and index.chosen.schema == CHOSEN
    assert index.versions.to_pylist() == [
        {"doc_id": "doc-a", "export": 0, "annotation_index": 0, "annotator": "1", "ground_truth": False},
        {"doc_id": "doc-a", "export": 0, "annotation_index": 1, "annotator": "2", "ground_truth": False},
        {"doc_id": "doc-b", "export": 0, "annotation_index": 2, "annotator": "1", "ground_truth": False}]
    assert [(row["doc_id"], row["annotation_index"], row["reason"]) for row in index.chosen.to_pylist()] == [
        ("doc-a", 1, "latest"), ("doc-b", 2, "latest")]
    # a version that is also chosen comes first as a version: records yields it in that order
    assert [tuple(row.values()) for row in index.roles().to_pylist()] == [
        (0, 0, "version"), (0, 1, "version"), (0, 2, "version"), (0, 1, "latest"), (0, 2, "latest")]
    assert index.roles(versions=False).schema == ROLES and index.roles(versions=False).num_rows == 2


def test_each_document_is_compared_and_merged_as_soon_as_its_last_version_has_gone_by(tmp_path, monkeypatch):
    """agreement streams: a document's versions are compared (and dropped) before the next
    task's records are read, so the annotation set is never held whole; adjudicate reads the same
    stream: it holds its merges, not the annotation set."""
    index, events = _index(tmp_path), []
    records, add, merge = index.records, AgreementTally.add, adjudicate_module.adjudicate_document

    def read(*args, **kwargs):
        for annotations in records(*args, **kwargs):
            events.append(("read", annotations.doc_id, annotations.provenance.reason))
            yield annotations

    def compared(self, doc_id, length, versions):
        events.append(("compared", doc_id, len(versions)))
        add(self, doc_id, length, versions)

    def merged(doc_id, versions, *args):
        events.append(("merged", doc_id, tuple(version.provenance.annotator for version in versions)))
        return merge(doc_id, versions, *args)

    monkeypatch.setattr(index, "records", read)
    monkeypatch.setattr(AgreementTally, "add", compared)
    monkeypatch.setattr(adjudicate_module, "adjudicate_document", merged)
    assert agreement(index).compared == ("doc-a",)
    assert events == [("read", "doc-a", "version"), ("read", "doc-a", "version"), ("compared", "doc-a", 2),
                      ("read", "doc-a", "latest"), ("read", "doc-b", "version"), ("compared", "doc-b", 1),
                      ("read", "doc-b", "latest")]
    events.clear()
    assert [document.doc_id for document in adjudicate(index, parse_strategy("majority"))] == ["doc-a", "doc-b"]
    assert events == [("read", "doc-a", "version"), ("read", "doc-a", "version"), ("merged", "doc-a", ("1", "2")),
                      ("read", "doc-a", "latest"), ("read", "doc-b", "version"), ("merged", "doc-b", ("1",)),
                      ("read", "doc-b", "latest")]


def test_the_chosen_annotations_alone_and_in_doc_order_are_the_annotation_sets_chosen(tmp_path):
    """load_chosen (labelstudio tasks --predictions, preannotate --evaluate) builds no versions,
    and gives what the whole annotation set gives as chosen.

    labelstudio tasks and push look each document's chosen annotation up once, in doc_id order:
    in_doc_order builds each as it is asked for, in one pass, and holds none but the last asked for
    and the next (until 2026-12-07 every record was built first, pickled into a temporary SQLite
    database and read back: a third of the command's time at 1,000 documents); which documents have
    one comes from the ranking, and the problems are the dict's."""
    documents, annotation_set = _annotation_set(tmp_path)
    registry, totals, reads, expected_problems = export_corpus.registry(), [], [], []
    chosen = load_chosen(Layout.at(tmp_path), documents, registry, expected_problems,
                         reading=lambda total: totals.append(total) or reads.append)
    assert chosen == annotation_set.chosen and list(chosen) == ["doc-a", "doc-b"] and (totals, reads) == ([2], [1, 1])
    assert chosen["doc-a"].provenance.annotator == "2" and chosen["doc-a"].provenance.reason == "latest"
    problems = []
    chosen = load_chosen(Layout.at(tmp_path), documents, registry, problems, in_doc_order=True)
    assert isinstance(chosen, ChosenInDocOrder) and problems == expected_problems
    assert list(chosen) == ["doc-a", "doc-b"] and len(chosen) == 2 and "doc-a" in chosen and "doc-c" not in chosen
    with pytest.raises(KeyError):
        chosen["doc-c"]
    assert chosen["doc-a"] == annotation_set.chosen["doc-a"] and chosen["doc-a"] is chosen["doc-a"]
    assert chosen["doc-a"].provenance.annotator == "2" and chosen["doc-a"].provenance.reason == "latest"
    assert chosen["doc-b"] == annotation_set.chosen["doc-b"]
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, DocumentAnnotations) and o.doc_id == "doc-a"
                and o.provenance is not None and o.provenance.reason == "latest"
                and not any(o is record for record in annotation_set.chosen.values())]  # none held
    with pytest.raises(ValueError, match="the chosen annotation of doc 'doc-a' asked for after a later document's"):
        chosen["doc-a"]


def test_records_on_disk_are_the_same_records_and_setting_a_key_again_replaces_its_record(tmp_path):
    documents, annotation_set = _annotation_set(tmp_path)
    chosen = RecordsOnDisk()
    for doc_id, record in reversed(annotation_set.chosen.items()):
        chosen[doc_id] = record
    assert dict(chosen) == annotation_set.chosen and list(chosen) == ["doc-a", "doc-b"] and len(chosen) == 2
    with pytest.raises(KeyError):
        chosen["doc-c"]
    replaced = chosen["doc-b"]
    chosen["doc-b"] = chosen["doc-a"]  # setting again replaces, as in a dict
    assert chosen["doc-b"] == chosen["doc-a"] != replaced and len(chosen) == 2


def test_merges_wait_on_disk_the_report_is_made_a_line_at_a_time_and_every_json_document_has_the_same_keys(tmp_path):
    """The merges come in task order and are given in doc_id order, so they wait on disk and are
    read again each time they are iterated (never all in memory at once); the text report is
    made a line at a time, for the command to print as it goes."""
    result = adjudicate(_index(tmp_path), parse_strategy("majority"))
    first, again = list(result), list(result)
    assert len(result) == 2 and [document.doc_id for document in first] == ["doc-a", "doc-b"]
    assert first == again and all(a is not b for a, b in zip(first, again))  # read again, not held
    lines = adjudication_lines(result)
    assert next(lines) == "doc-a: annotators 1, 2: 2 units kept, 8 disagreements"
    assert list(lines)[-1] == "1 document merged (2 units kept), 1 not comparable, 8 disagreements"
    # Found by a hunt: `adjudicate --json` gave a document a "note" key only when it had one (not merged, or
    # prefer fell back to unanimous), so a reader of a merged document's note met a KeyError.
    documents = json.loads(_stdout(Layout.at(tmp_path), "adjudicate", "--strategy", "majority", "--json"))["documents"]
    assert [(d["doc_id"], list(d), d["note"]) for d in documents] == [
        ("doc-a", ["doc_id", "annotators", "kept", "note", "disagreements"], None),
        ("doc-b", ["doc_id", "annotators", "kept", "note", "disagreements"],
         "one annotator (1): not comparable, not merged")]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 15)), max_size=12),
       st.lists(st.tuples(st.integers(0, 60), st.integers(1, 15)), max_size=12))
def test_overlap_matching_looks_only_at_units_that_can_overlap_and_finds_what_all_pairs_find(a, b):
    """overlap_matches scans, for each unit, only the other side's units starting within reach
    (bisect over starts; every pair cost 8.5 s on 60 long documents): the pairs are those of
    comparing every pair."""
    a = sorted({(start, start + length, "X") for start, length in a})
    b = sorted({(start, start + length, "X") for start, length in b})

    def every_pair(a, b):
        pairs = exact_matches(a, b)
        used_a, used_b = {i for i, _ in pairs}, {j for _, j in pairs}
        candidates = [(-(min(x[1], y[1]) - max(x[0], y[0])), max(x[1], y[1]) - min(x[0], y[0]), x[0], x[1], y[0], y[1],
                       i, j) for i, x in enumerate(a) for j, y in enumerate(b)
                      if i not in used_a and min(x[1], y[1]) - max(x[0], y[0]) > 0]
        for *_, i, j in sorted(candidates):
            if i not in used_a and j not in used_b:
                used_a.add(i)
                used_b.add(j)
                pairs.append((i, j))
        return sorted(pairs)

    assert overlap_matches(a, b) == every_pair(a, b)


def test_the_card_counts_ground_truth_nobody_saved_again_and_describes_the_data_as_they_are(corpus_copy):
    """1.1.1's card said its 7 ground-truth documents were resolved by a reviewer; 6 of the 7
    annotations were never saved after adjudicate --push made them (created and updated microseconds
    apart in the committed exports). 1.1.2's card: doc_id as the raw sha256 prefix (the seeds' are
    not), the registry as real-world entities only (the invented articles' are fictional), an
    inferred publisher as stated."""
    release = REPO / "dist" / "1.1.3"
    index = AnnotationIndex.of_corpus(corpus_copy)
    assert index.chosen["reason"].to_pylist() == ["ground_truth"] * 7
    assert ground_truth_unchanged(index) == 6
    card = (release / "README.md").read_text(encoding="utf-8")
    assert ("7 come from a ground-truth annotation (adjudicated: the merge of the annotators' versions that "
            "corpus-tools adjudicate pushed to Label Studio for a reviewer, or a reviewer's own) and 0 from their "
            "most recently updated annotation. 6 of the 7 ground-truth annotations were never saved again") in card
    # and nowhere else says a reviewer decided them (1.1.2's field tables and croissant.json did)
    croissant = (release / "croissant.json").read_text(encoding="utf-8")
    assert "a reviewer decided" not in card and "a reviewer resolves" not in croissant
    assert card.count("(a reviewer's decision, or `corpus-tools adjudicate`'s merge where no reviewer saved it "
                      "again: see Annotation quality)") == 3  # entities, timexes, quotes
    documents = pq.read_table(release / "data" / "documents").to_pylist()
    by_hash = [d["doc_id"] for d in documents if d["doc_id"].split("_")[1] == d["raw_sha256"][:16]]
    assert len(by_hash) == 2 and "came with the five seed articles, whose bytes they are no hash of" in card
    registry = pq.read_table(release / "data" / "entity_registry").to_pylist()
    assert sum("fictional" in (entity["description"] or "") for entity in registry) == 9
    assert "one row per real-world entity" not in card and "fictional people and organizations" in card
    assert [d["publisher_evidence"]["kind"] for d in documents if d["publisher"]] == ["inferred"]
    assert "where the text states it" not in card and "stated in the text or inferred" in card


def test_versions_that_began_as_a_prediction_are_counted_and_said(tmp_path):
    """annotate --accept-predictions (or accepting in the browser) makes a version that agrees with
    another through the model: counted, said by the agreement command and the card."""
    exported = _tasks()
    for task in exported:
        for annotation in task["annotations"]:
            if annotation["id"] in (202, 203):  # doc-a's annotator 2 (compared); doc-b (not comparable)
                annotation["parent_prediction"] = 7
    index = _index(tmp_path / "corpus", _written(tmp_path / "accepted.json", exported))
    assert report_dict(agreement(index))["annotations"]["versions_from_predictions"] == 1
    assert quality_figures_lines(_streamed(index)[1])[-1].startswith(
        "1 of the annotators' versions compared began as a pre-annotation (a prediction accepted, changed or not)")
    # (last: the command reads the corpus's own documents, whose units tables replace the index's)
    done = CliRunner().invoke(cli, ["agreement", "--root", str(tmp_path / "corpus")])
    note = ("note: 1 of the versions compared began as a prediction (accepted, changed or not): versions that began "
            "from the same prediction agree through the model, so these figures are higher than independent "
            "annotators' would be")
    assert done.exit_code == 0 and done.stderr.splitlines()[-1] == note and "note:" not in done.stdout
    # like every command's notes (echo_notes): before the last line, the one that says what the report came to
    assert done.output.splitlines()[-2:] == [note, done.stdout.splitlines()[-1]]
    assert done.stdout.splitlines()[-1] == ("1 document compared, 1 not comparable, 1 cancelled annotation and 0 "
                                            "ground-truth annotations left out")
    # the library's words are the command's (corpus_tools.annotations.agreement)
    assert report_notes(agreement(index)) == [note.removeprefix("note: ")]
    assert summary_line(agreement(index)) == done.stdout.splitlines()[-1]
    as_json = json.loads(_stdout(Layout.at(tmp_path / "corpus"), "agreement", "--json"))
    assert as_json["annotations"]["versions_from_predictions"] == 1
    plain = agreement(_index(tmp_path / "plain"))
    assert report_dict(plain)["annotations"]["versions_from_predictions"] == 0 and report_notes(plain) == []


def _cancelled_corpus(tmp_path, doc_a_annotators):
    """The fixture with doc-b's every annotation cancelled and doc-a's first ``doc_a_annotators``
    annotations kept (2: compared; 1: one annotator)."""
    exported = _tasks()
    exported[0]["annotations"] = exported[0]["annotations"][:doc_a_annotators]
    exported[1]["annotations"][0]["was_cancelled"] = True
    return export_corpus.ingested(tmp_path / "corpus", _written(tmp_path / "cancelled.json", exported))


def test_agreement_adjudicate_the_card_and_croissant_count_a_document_with_no_version_alike(tmp_path):
    """doc-b with both annotations cancelled was said nowhere but in the count of cancelled
    annotations (0 not comparable, no part under --by document), as if nobody had touched it: it
    has fewer than two annotators' versions (none), so it is not comparable, counted and listed.
    And where agreement said "1 not comparable", adjudicate said "0 not comparable" (it listed only
    documents with a version) and the card and croissant.json "0 document(s) with one annotator not
    comparable". All four now count it, and say it has no annotator's version."""
    assert [(a["completed_by"], a["was_cancelled"]) for a in _tasks()[1]["annotations"]] == [(1, False), (2, True)]
    layout = _cancelled_corpus(tmp_path, 2)
    lines = _lines(layout, "agreement", "--by", "document")
    assert lines[0] == ("all documents: annotators 1, 2; 1 document compared, 1 not comparable (with no annotator's "
                        "version: doc-b)")
    assert ("  document doc-b: annotators -; 0 documents compared, 1 not comparable (with no annotator's version: "
            "doc-b)") in lines
    assert lines[-1] == _lines(layout, "agreement")[-1] == (
        "1 document compared, 1 not comparable (0 with one annotator, 1 with no annotator's version), "
        "2 cancelled annotations and 0 ground-truth annotations left out")
    report = json.loads(_stdout(layout, "agreement", "--json", "--by", "document"))
    assert report["annotations"]["cancelled"] == 2
    parts = {part["document"]: part for part in report["parts"]}
    assert (parts["doc-b"]["annotators"], parts["doc-b"]["documents"]["not_comparable_ids"]) == ([], ["doc-b"])
    # the pair's figures are doc-a's alone, as before
    assert report["average"] == parts["doc-a"]["average"]
    assert report["documents"] == json.loads(_stdout(layout, "agreement", "--json"))["documents"] == {
        "compared": 1, "not_comparable": 1, "not_comparable_ids": ["doc-b"], "no_version": 1,
        "no_version_ids": ["doc-b"], "removed": 0, "removed_ids": []}
    assert _lines(layout, "adjudicate", "--strategy", "majority")[-2:] == [
        "doc-b: annotators -: no annotator's version: not comparable, not merged",
        "1 document merged (2 units kept), 1 not comparable (0 with one annotator, 1 with no annotator's version), "
        "8 disagreements"]
    assert json.loads(_stdout(layout, "adjudicate", "--strategy", "majority", "--json"))["summary"] == {
        "merged": 1, "not_comparable": 1, "no_version": 1, "disagreements": 8, "units_kept": 2}
    said = (ONE_PAIR_COMPARED +
            "1 document(s) not comparable: 0 with one annotator, 1 with no annotator's version).")
    _, quality = _streamed(_index_of(layout))
    result = build_release(*spread_inputs(), tmp_path / "dist", "1.0.0", annotation_quality=lambda: quality)
    assert f"\n- {said}\n" in (result.path / "README.md").read_text(encoding="utf-8")
    croissant = json.loads((result.path / "croissant.json").read_text(encoding="utf-8"))
    assert croissant["rai:dataAnnotationAnalysis"][-1] == said


def test_with_no_document_compared_the_card_and_adjudicate_say_both_kinds(tmp_path):
    """doc-a with one annotator, doc-b with none: the card said "(1 annotated by one)" and adjudicate
    "1 not comparable", as if doc-b had never been annotated."""
    layout = _cancelled_corpus(tmp_path, 1)
    index = _index_of(layout)
    assert list(adjudication_lines(adjudicate(index, parse_strategy("majority")))) == [
        "doc-a: annotators 1: one annotator (1): not comparable, not merged",
        "doc-b: annotators -: no annotator's version: not comparable, not merged",
        "0 documents merged (0 units kept), 2 not comparable (1 with one annotator, 1 with no annotator's version), "
        "0 disagreements"]
    assert quality_figures_lines(_streamed(_index_of(layout))[1]) == [
        "No document has two annotators yet (1 with one annotator, 1 with no annotator's version): no agreement "
        "can be computed (a single annotation is not comparable, never perfect)."]
    assert report_dict(agreement(index))["documents"]["no_version_ids"] == ["doc-b"]


def test_a_document_only_ground_truth_annotated_is_said_to_have_no_annotator_s_version_by_id_and_on_the_card(
        tmp_path):
    """doc-a annotated by annotator 1 alone, doc-b by a reviewer's ground truth alone: agreement's
    first line listed "(doc-a, doc-b)" without saying which kind each was, and the card and
    croissant.json said "1 document(s) with 0 annotator(s)", as if nobody had annotated doc-b."""
    exported = _tasks()
    exported[0]["annotations"] = exported[0]["annotations"][:1]
    exported[1]["annotations"] = [_reviewed(exported[1]["annotations"][0])]
    layout = export_corpus.ingested(tmp_path / "corpus", _written(tmp_path / "truth.json", exported))
    lines = _lines(layout, "agreement")
    assert lines[0] == ("all documents: annotators -; 0 documents compared, 2 not comparable (with one annotator: "
                        "doc-a; with no annotator's version: doc-b)")
    assert lines[-1] == ("0 documents compared, 2 not comparable (1 with one annotator, 1 with no annotator's "
                         "version), 0 cancelled annotations and 1 ground-truth annotation left out")
    [built] = _lines(layout, "release")
    release = layout.dist / built.split()[1]
    said = "1 document(s) with no annotator's version; 1 document(s) with 1 annotator(s)"
    assert f"\nAnnotators per item: {said}.\n" in (release / "README.md").read_text(encoding="utf-8")
    assert json.loads((release / "croissant.json").read_text(encoding="utf-8"))["rai:annotationsPerItem"] == said


def test_annotators_9_and_10_are_listed_by_number_in_agreement_adjudicate_and_agreed_by(tmp_path):
    """Annotator ids are Label Studio user ids, digit strings: sorted as strings, agreement said
    "annotators 10, 9" and "10 vs 9", adjudicate listed 10's units before 9's, and a release's
    agreed_by held ["10", "9"]."""
    exported = _tasks()
    for task in exported:
        for annotation in task["annotations"]:
            annotation["completed_by"] = {1: 9, 2: 10}[annotation["completed_by"]]
    layout = export_corpus.ingested(tmp_path / "corpus", _written(tmp_path / "nine-and-ten.json", exported))
    lines = _lines(layout, "agreement", "--by", "annotator")
    assert lines[0] == ("all documents: annotators 9, 10; 1 document compared, 1 not comparable (with one "
                        "annotator: doc-b)")
    assert [line.split(" (")[0] for line in lines if " vs " in line][:1] == ["  9 vs 10"]
    assert [line.split(";")[0] for line in lines if line.startswith("  annotator ")] == [
        "  annotator 9: annotators 9, 10", "  annotator 10: annotators 9, 10"]
    lines = _lines(layout, "adjudicate", "--strategy", "majority")
    assert lines[:3] == ["doc-a: annotators 9, 10: 2 units kept, 8 disagreements", "  entities [21,23) 'US':",
                         "    9: (nothing)"]
    [built] = _lines(layout, "release")
    entities = pq.read_table(layout.dist / built.split()[1] / "data" / "entities").to_pylist()
    assert [(row["text"], row["agreed_by"]) for row in entities if len(row["agreed_by"]) == 2] == [
        ("Blinken", ["9", "10"]), ("Damascus", ["9", "10"])]


def test_the_card_counts_a_document_only_ground_truth_annotated_as_agreement_does(tmp_path):
    """doc-b annotated by a reviewer's ground truth alone: released, agreement's not comparable, yet
    the card said "0 document(s) with one annotator not comparable"."""
    exported = _tasks()
    exported[1]["annotations"] = [_reviewed(exported[1]["annotations"][0])]
    path = _written(tmp_path / "truth.json", exported)
    layout = export_corpus.ingested(tmp_path / "corpus", path)
    assert report_dict(agreement(_index(tmp_path / "again", path)))["documents"]["no_version_ids"] == ["doc-b"]
    assert quality_figures_lines(_streamed(_index_of(layout))[1])[-1] == (
        ONE_PAIR_COMPARED +
        "1 document(s) not comparable: 0 with one annotator, 1 with no annotator's version).")
