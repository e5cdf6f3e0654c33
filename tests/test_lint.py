"""The completeness lint: each check's code, spans and messages; acceptances; the lint command."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_tools.cli import cli
from corpus_tools.errors import CorpusError, Location, Problem
from corpus_tools.annotations.lint import CHECKS, lint, read_acceptances, review, trie_pattern
from corpus_tools.records import (
    Acceptance, Candidate, Cue, Document, DocumentAnnotations, EntityMention, Quote, RegistryEntity, Source, Span,
    TimeExpression,
)

REPO = Path(__file__).resolve().parent.parent

REGISTRY = {entity.id: entity for entity in (  # by id, as load_registry gives it
    RegistryEntity("bashar-al-assad", "Bashar al-Assad", "PERSON", aliases=("Assad",)),
    RegistryEntity("syria", "Syria", "GPE"),
    RegistryEntity("united-states", "United States", "GPE", aliases=("US", "U.S.", "Washington")),
    RegistryEntity("damascus", "Damascus", "GPE"),
)}


def document(doc_id: str, text: str) -> Document:
    # The lint reads only the text; metadata and the offset map belong to other steps.
    return Document(doc_id, None, text, None, None, (), "test", "")


def at(text: str, piece: str, occurrence: int = 0) -> Span:
    """The span of the ``occurrence``-th ``piece`` in ``text`` (tests name text, not offsets)."""
    starts = [m.start() for m in re.finditer(re.escape(piece), text)]
    return Span(starts[occurrence], starts[occurrence] + len(piece))


def entity(doc_id: str, text: str, piece: str, label: str = "GPE", occurrence: int = 0) -> EntityMention:
    span = at(text, piece, occurrence)
    return EntityMention(f"e{span.start}", doc_id, span, piece, label, None)


def timex(doc_id: str, text: str, piece: str, value: str = "XXXX") -> TimeExpression:
    span = at(text, piece)
    return TimeExpression(f"t{span.start}", doc_id, span, piece, "DATE", value)


def run(text: str, entities=(), timexes=(), quotes=(), registry=REGISTRY, doc_id="d1") -> list[tuple]:
    annotations = DocumentAnnotations(doc_id, tuple(entities), tuple(timexes), tuple(quotes))
    found = lint({doc_id: document(doc_id, text)}, [annotations], registry)
    return [(c.code, c.span.start, c.span.end, c.text) for c in found]


def messages(text: str, **kwargs) -> dict[str, str]:
    annotations = DocumentAnnotations("d1", tuple(kwargs.get("entities", ())), tuple(kwargs.get("timexes", ())),
                                      tuple(kwargs.get("quotes", ())))
    return {c.text: c.message for c in lint({"d1": document("d1", text)}, [annotations], REGISTRY)}


# --- registry names -------------------------------------------------------------------------

def test_names_outside_entity_spans_are_candidates_and_annotated_ones_are_not():
    text = "Syria and the US met. Syria said so."
    found = run(text, entities=[entity("d1", text, "Syria")])
    assert found == [("name-outside-entity", 14, 16, "US"), ("name-outside-entity", 22, 27, "Syria")]


def test_names_match_whole_words_and_case_sensitively():
    text = "Syrian forces told us. SYRIA, Syria's, (U.S.) and USA."
    found = run(text)
    assert [(s, e, t) for _, s, e, t in found] == [(30, 35, "Syria"), (40, 44, "U.S.")]


def test_a_combining_mark_belongs_to_the_word_before_and_after_it():
    """Found by a hunt: "Syria" + U+0331 (a mark NFC cannot compose) was the name "Syria"."""
    text = "Syria\u0331 and \u0301Syria, not Syria."
    assert run(text) == [("name-outside-entity", 23, 28, "Syria")]


def test_the_longest_name_at_a_position_wins():
    text = "Bashar al-Assad spoke; Assad left."
    assert run(text) == [("name-outside-entity", 0, 15, "Bashar al-Assad"),
                         ("name-outside-entity", 23, 28, "Assad")]


def test_a_name_inside_a_longer_entity_span_is_covered():
    text = "She landed at Damascus International Airport."
    airport = entity("d1", text, "Damascus International Airport", label="FAC")
    assert run(text, entities=[airport]) == []


def test_a_name_only_partly_inside_an_entity_span_says_so():
    text = "Bashar al-Assad spoke."
    partial = entity("d1", text, "Assad", label="PERSON")
    assert run(text, entities=[partial]) == [("name-outside-entity", 0, 15, "Bashar al-Assad")]
    assert messages(text, entities=[partial])["Bashar al-Assad"] == (
        "registry name is only partly covered by entity spans (name of bashar-al-assad)")


def test_the_message_names_every_entity_a_surface_belongs_to():
    registry = {"georgia-country": RegistryEntity("georgia-country", "Georgia", "GPE"),
                "georgia-us-state": RegistryEntity("georgia-us-state", "Georgia", "GPE", aliases=("Ga.",))}
    found = lint({"d1": document("d1", "Georgia.")}, [DocumentAnnotations("d1", (), (), ())], registry)
    assert [c.message for c in found] == [
        "registry name is outside every entity span (name of georgia-country, name of georgia-us-state)"]


def test_a_registry_name_is_matched_as_normalization_leaves_it_in_the_text():
    """Found by a hunt: the text is NFC with its spaces cleaned, a hand-written registry need not
    be. A decomposed "Erdoğan" and "Bashar" + NBSP + "al-Assad" were never found (so "Assad"
    inside it was the candidate), and an alias "Assad " took the space after an annotated
    [Assad] into a candidate said to be only partly covered."""
    registry = {entity.id: entity for entity in (
        RegistryEntity("recep-tayyip-erdogan", "Erdog\u0306an", "PERSON"),
        RegistryEntity("bashar-al-assad", "Bashar\u00a0al-Assad", "PERSON", aliases=("Assad ", "Assad")),
    )}
    text = "Erdo\u011fan met Assad (in Damascus), then Bashar al-Assad."
    assert run(text, entities=[entity("d1", text, "Assad", label="PERSON")], registry=registry) == [
        ("name-outside-entity", 0, 7, "Erdo\u011fan"), ("name-outside-entity", 38, 53, "Bashar al-Assad")]


def test_no_registry_means_no_name_candidates():
    assert run("Syria and the US.", registry={}) == []


# --- quotation marks ------------------------------------------------------------------------

def test_quotation_mark_pairs_outside_quote_spans():
    text = 'He said "we met" and “we talk” and "again\nlater" ok.'
    inside = Quote("q1", "d1", at(text, "“we talk”"), "“we talk”", "direct")
    found = run(text, quotes=[inside], registry={})
    # The pair split by a line break is not a pair; the quote without links is its own candidate.
    assert [f for f in found if f[0] == "quote-marks-outside-quote"] == [
        ("quote-marks-outside-quote", 8, 16, '"we met"')]


def test_a_quote_span_that_leaves_out_its_marks_is_flagged_as_a_boundary_problem():
    text = 'He said "we met" today.'
    bare = Quote("q1", "d1", at(text, "we met"), "we met", "direct")
    assert messages(text, quotes=[bare])['"we met"'] == (
        "quotation-mark pair is only partly covered by QUOTE spans")


def test_a_quotation_pair_inside_a_longer_mixed_quote_is_covered():
    text = 'He said that talks were "useless" and would end. Bye.'
    mixed = Quote("q1", "d1", at(text, 'talks were "useless" and would end'), "…", "mixed",
                  source=Source("s1", at(text, "He"), "He", "bashar-al-assad"), cue=Cue("c1", at(text, "said"), "said"))
    assert run(text, quotes=[mixed], registry={}) == []


# --- time -------------------------------------------------------------------------------------

def test_years_months_and_weekdays_outside_time_spans():
    text = "In May 2011, on Sunday, and in the 1990s; not 20115, Mayor or 3011. Sept. 5 and Mondays."
    found = run(text, timexes=[timex("d1", text, "May 2011")], registry={})
    assert found == [
        ("weekday-outside-timex", 16, 22, "Sunday"),
        ("year-outside-timex", 35, 40, "1990s"),
        ("month-outside-timex", 68, 73, "Sept."),
        ("weekday-outside-timex", 80, 87, "Mondays"),
    ]


def test_month_names_are_case_sensitive():
    assert run("we may march in august", registry={}) == []


def test_a_combining_mark_belongs_to_a_month_name_too():
    assert run("May\u0331 5, \u0331March 2 and April 9.", registry={}) == [("month-outside-timex", 21, 26, "April")]


def test_years_and_weekdays_end_at_a_combining_mark_as_names_do():
    """Their regex's \\b took "Monday" + U+0331 and U+0301 + "1990s" for whole words, while the
    name check took "Syria" + U+0331 for no name: one boundary rule for every word now."""
    text = "Syria\u0331 on Monday\u0331 in 2011\u0331; \u0301Syria, \u0301Sunday, \u03011990s. Syria on Monday in 2011."
    assert run(text) == [("name-outside-entity", 53, 58, "Syria"), ("weekday-outside-timex", 62, 68, "Monday"),
                         ("year-outside-timex", 72, 76, "2011")]


# --- attribution links ----------------------------------------------------------------------

def test_quote_without_source_or_cue_and_source_without_speaker():
    text = "A: x. B: y. C: z."
    no_source = Quote("q1", "d1", at(text, "x"), "x", "indirect", cue=Cue("c1", at(text, "A"), "A"))
    no_cue = Quote("q2", "d1", at(text, "y"), "y", "indirect", source=Source("s2", at(text, "B"), "B", "syria"))
    no_speaker = Quote("q3", "d1", at(text, "z"), "z", "indirect", source=Source("s3", at(text, "C"), "C", None),
                       cue=Cue("c3", at(text, ":", 2), ":"))
    annotations = DocumentAnnotations("d1", (), (), (no_source, no_cue, no_speaker))
    found = lint({"d1": document("d1", text)}, [annotations], {})
    assert [(c.code, c.span, c.text, c.message) for c in found] == [
        ("quote-without-source", Span(3, 4), "x", "QUOTE q1 has no said_by relation to a SOURCE"),
        ("quote-without-cue", Span(9, 10), "y", "QUOTE q2 has no cue relation to a CUE"),
        ("source-without-speaker", Span(12, 13), "C", "SOURCE s3 (of QUOTE q3) has no speaker_id"),
    ]


def test_a_source_shared_by_two_quotes_is_one_candidate():
    text = "He said a, and b."
    he = Source("s1", at(text, "He"), "He", "")
    said = Cue("c1", at(text, "said"), "said")
    quotes = [Quote("q1", "d1", at(text, "a"), "a", "indirect", he, said),
              Quote("q2", "d1", at(text, "b"), "b", "indirect", he, said)]
    assert run(text, quotes=quotes, registry={}) == [("source-without-speaker", 0, 2, "He")]
    # found by a hunt: the message named whichever quote the record held first
    for order in (quotes, quotes[::-1]):
        found = lint({"d1": document("d1", text)}, [DocumentAnnotations("d1", (), (), tuple(order))], {})
        assert [c.message for c in found] == ["SOURCE s1 (of QUOTE q1) has no speaker_id"]


# --- the corpus as a whole ------------------------------------------------------------------

def test_annotations_are_linted_as_they_stream_by():
    """The command hands lint the chosen annotations as they are read (never the whole set)."""
    documents = {"b": document("b", "Syria 2011"), "a": document("a", "Syria")}
    events = []

    def stream():
        for name in ("b", "a"):
            events.append(("read", name))
            yield DocumentAnnotations(name, (), (), ())

    found = lint(documents, stream(), REGISTRY, on_progress=lambda count: events.append(("linted", count)))
    assert events == [("read", "b"), ("linted", 1), ("read", "a"), ("linted", 1)]
    assert [(c.doc_id, c.code) for c in found] == [
        ("a", "name-outside-entity"), ("b", "name-outside-entity"), ("b", "year-outside-timex")]


def test_only_annotated_documents_are_linted_and_output_is_sorted():
    documents = {"b": document("b", "Syria 2011"), "a": document("a", "Syria"), "c": document("c", "Syria")}
    annotations = [DocumentAnnotations(name, (), (), ()) for name in ("b", "a")]
    found = lint(documents, annotations, REGISTRY)
    assert [(c.doc_id, c.code, c.span.start) for c in found] == [
        ("a", "name-outside-entity", 0), ("b", "name-outside-entity", 0), ("b", "year-outside-timex", 6)]


def test_annotations_of_an_unknown_document_or_another_text_are_refused():
    with pytest.raises(CorpusError, match="doc-unknown"):
        lint({}, [DocumentAnnotations("x", (), (), ())], {})
    stale = DocumentAnnotations("d1", (), (), (), text_sha256="0" * 64)
    with pytest.raises(CorpusError, match="annotation-text-mismatch"):
        lint({"d1": document("d1", "text")}, [stale], {})


def test_a_real_article_without_annotations():
    # The raw text of a seed article stands in for its normalized text: same words, same checks.
    raw = (REPO / "raw" / "000_cbeedfbee8440207.txt").read_text("utf-8")
    found = lint({"d": document("d", raw)}, [DocumentAnnotations("d", (), (), ())], REGISTRY)
    by_code = {code: [c.text for c in found if c.code == code] for code in CHECKS}
    assert by_code["year-outside-timex"] == ["2011", "2021", "2011"]
    assert by_code["weekday-outside-timex"] == ["Sunday"]
    assert by_code["quote-marks-outside-quote"][0] == '"from time to time"'
    assert "“terrorists”" in by_code["quote-marks-outside-quote"]
    # Registry spelling "al-Assad" differs from the article's "Al-Assad", so the alias matches; the
    # caption credit "Bashar Al-AssadReuters" (line 2) is no whole word and yields nothing.
    names = [(c.text, c.span.start) for c in found if c.code == "name-outside-entity"]
    assert names[:4] == [("Assad", 10), ("Assad", 67), ("Syria", 119), ("Washington", 168)]
    assert all(c.text == c.span.of(raw) for c in found)


def test_trie_pattern_on_awkward_names():
    regex = re.compile(r"(?<!\w)(?:" + trie_pattern(["U.S.", "US", "U.S. Army", "a+b", "(x)"]) + r")(?!\w)")
    assert [m.group() for m in regex.finditer("U.S. Army, U.S., US, a+b (x) USA")] == [
        "U.S. Army", "U.S.", "US", "a+b", "(x)"]


def test_a_registry_name_of_thousands_of_characters_is_matched():
    """Found by a hunt: the trie was built by recursion, a level per character, and a registry
    name of some 500 characters (which the registry accepts) was a RecursionError traceback."""
    registry = {"long": RegistryEntity("long", "A" * 5000, "ORG", aliases=("A" * 4999 + "B", "B"))}
    assert run("A" * 5000 + " B", registry=registry) == [
        ("name-outside-entity", 0, 5000, "A" * 5000), ("name-outside-entity", 5001, 5002, "B")]


def _naive_leftmost_longest(words: list[str], text: str) -> list[tuple[int, int]]:
    """The specification the trie regex must meet, written the slow obvious way."""
    found, i = [], 0
    while i < len(text):
        ends = [i + len(w) for w in words if text.startswith(w, i)
                and not (i > 0 and re.match(r"\w", text[i - 1]))
                and not (i + len(w) < len(text) and re.match(r"\w", text[i + len(w)]))]
        if ends:
            found.append((i, max(ends)))
            i = max(ends)
        else:
            i += 1
    return found


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("ab .-", min_size=1, max_size=5), min_size=1, max_size=8), st.text("ab .-", max_size=30))
def test_trie_pattern_matches_like_the_naive_specification(words, text):
    regex = re.compile(r"(?<!\w)(?:" + trie_pattern(words) + r")(?!\w)")
    assert [m.span() for m in regex.finditer(text)] == _naive_leftmost_longest(words, text)


# --- acceptances ----------------------------------------------------------------------------

def candidate(code="year-outside-timex", start=0, end=4, text="2011") -> Candidate:
    return Candidate(code, "d1", Span(start, end), text, "year is outside every time span")


def acceptance(code="year-outside-timex", start=0, end=4, text="2011", line=1) -> Acceptance:
    return Acceptance(code, "d1", Span(start, end), text, "part of a name", line=line)


def test_review_splits_explained_unexplained_and_stale():
    explained, open_ = candidate(), candidate(start=10, end=14)
    moved = acceptance(start=20, end=24, line=2)
    changed_text = acceptance(start=10, end=14, text="2012", line=3)  # same place, other words: stale
    result = review([explained, open_], [acceptance(), moved, changed_text])
    assert result.unexplained == (open_,)
    assert result.explained == ((explained, acceptance()),)
    assert result.stale == (moved, changed_text)


def test_review_counts_a_removed_document_s_acceptances_apart_from_those_nobody_annotated_now():
    """lint's summary called the acceptances of a removed document "kept for documents nobody
    annotated now": kept, as it may be added again, but counted apart, as it is no document now."""
    from corpus_tools.annotations.lint import summary_line

    def of(doc_id: str, line: int) -> Acceptance:
        return replace(acceptance(line=line), doc_id=doc_id)

    linted, unannotated, removed, unknown = of("d1", 1), of("d2", 2), of("gone", 3), of("never", 4)
    result = review([], [linted, unannotated, removed, unknown], linted={"d1"}, documents={"d1", "d2"},
                    removed={"gone"})
    assert (result.stale, result.unchecked, result.removed) == ((linted, unknown), (unannotated,), (removed,))
    assert summary_line(result) == ("0 unexplained candidates, 0 explained, 2 stale acceptances; 1 acceptance kept "
                                    "for documents nobody annotated now; 1 kept for documents removed from the corpus")


def write_lines(path: Path, *records) -> Path:
    path.write_bytes(b"".join((r if isinstance(r, bytes) else orjson.dumps(r)) + b"\n" for r in records))
    return path


GOOD = {"code": "year-outside-timex", "doc_id": "d1", "start": 0, "end": 4, "text": "2011",
        "reason": "guidelines §2.3: part of a law's name"}


def test_read_acceptances(tmp_path):
    path = write_lines(tmp_path / "lint-accepted.jsonl", GOOD, b"", {**GOOD, "start": 5, "end": 9})
    assert read_acceptances(path) == (
        Acceptance("year-outside-timex", "d1", Span(0, 4), "2011", GOOD["reason"], line=1),
        Acceptance("year-outside-timex", "d1", Span(5, 9), "2011", GOOD["reason"], line=3),
    )
    assert read_acceptances(tmp_path / "absent.jsonl") == ()


@pytest.mark.parametrize("bad, expected", [
    (b"{not json", "not JSON: key must be a string"),
    (b"[1, 2]", "expected a JSON object, got an array"),
    (b'{"code": "year-outside-timex", "code": "year-missing"}', 'not JSON: Detected duplicate key "code"'),
    ({k: v for k, v in GOOD.items() if k != "reason"}, "needs exactly the keys"),
    ({**GOOD, "extra": 1}, "needs exactly the keys"),
    ({**GOOD, "code": "year-missing"}, "unknown code 'year-missing'"),
    ({**GOOD, "reason": "  "}, "reason written out"),
    ({**GOOD, "start": 5, "end": 4}, "is not 0 <= start <= end"),
    ({**GOOD, "start": 4}, "span [4, 4) is empty; a candidate's never is"),
    ({**GOOD, "text": "2011s"}, "text has 5 code points, its span [0, 4) covers 4"),
    ({**GOOD, "end": "4"}, "must be int"),
    ({**GOOD, "text": 2011}, "must be strings"),
    # found by a hunt: an array or object as the code was a TypeError traceback (unhashable)
    ({**GOOD, "code": ["year-outside-timex"]}, "code, doc_id, text and reason must be strings"),
    ({**GOOD, "code": {"a": 1}}, "code, doc_id, text and reason must be strings"),
    ({**GOOD, "code": None}, "code, doc_id, text and reason must be strings"),
    (GOOD, "repeats the acceptance on line 1"),
])
def test_bad_acceptance_lines_are_refused_naming_file_and_line(tmp_path, bad, expected):
    path = write_lines(tmp_path / "lint-accepted.jsonl", GOOD, bad)
    with pytest.raises(CorpusError, match=re.escape(expected)) as error:
        read_acceptances(path)
    assert str(error.value).startswith(f"{path}, line 2: [")


# --- the command ----------------------------------------------------------------------------

LINT_TEXT = "Syria said in 2011 that it met."


@pytest.fixture
def seam(monkeypatch):
    """The command with its one integration point fed records built here (the loaders are other branches)."""
    inputs = ({"d1": document("d1", LINT_TEXT), "d2": document("d2", LINT_TEXT)},
              [DocumentAnnotations("d1", (), (), ())], REGISTRY, [])
    monkeypatch.setattr("corpus_tools.annotations.lint.lint_inputs",
                        lambda layout, rechecking=None, reading=None: inputs)


def test_lint_command_lists_candidates_and_exits_1(seam, tmp_path):
    result = CliRunner().invoke(cli, ["lint", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "d1:0-5 [name-outside-entity] Syria — registry name is outside every entity span (name of syria)",
        "d1:14-18 [year-outside-timex] 2011 — year is outside every time span",
        "2 unexplained candidates, 0 explained, 0 stale acceptances",
    ]


def test_an_acceptance_of_a_document_nobody_annotated_now_is_kept_not_stale(seam, tmp_path):
    """Lint reads annotated documents only: the acceptances of the others were called stale, and
    the command said to remove lines that still hold (8 of 9 in a corpus with added documents)."""
    import json

    accepted = tmp_path / "annotations" / "lint-accepted.jsonl"
    accepted.parent.mkdir()
    write_lines(accepted,
                {"code": "name-outside-entity", "doc_id": "d1", "start": 0, "end": 5, "text": "Syria", "reason": "r1"},
                {"code": "year-outside-timex", "doc_id": "d1", "start": 14, "end": 18, "text": "2011", "reason": "r2"},
                {"code": "year-outside-timex", "doc_id": "d2", "start": 3, "end": 7, "text": "2012", "reason": "r3"},
                {"code": "year-outside-timex", "doc_id": "gone", "start": 3, "end": 7, "text": "2012", "reason": "r4"})
    result = CliRunner().invoke(cli, ["lint", "--root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [  # a document the corpus does not have: stale
        f"{accepted}:4: stale acceptance gone:3-7 [year-outside-timex] 2012 — no longer a candidate; remove the line",
        "0 unexplained candidates, 2 explained, 1 stale acceptance; 1 acceptance kept for documents nobody "
        "annotated now"]
    counts = json.loads(CliRunner().invoke(cli, ["lint", "--root", str(tmp_path), "--json"]).output)["counts"]
    assert counts == {"unexplained": 0, "explained": 2, "stale": 1, "unchecked": 1, "removed": 0,
                      "annotation_errors": 0}


def test_lint_says_how_many_annotation_errors_left_units_out(monkeypatch, tmp_path):
    left_out = [Problem("span-text-mismatch", "left out", Location(doc_id="d1")),
                Problem("annotation-cancelled", "info")]
    monkeypatch.setattr("corpus_tools.annotations.lint.lint_inputs", lambda layout, rechecking=None, reading=None: (
        {"d1": document("d1", LINT_TEXT)}, [DocumentAnnotations("d1", (), (), ())], REGISTRY, left_out))
    result = CliRunner().invoke(cli, ["lint", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "2 unexplained candidates, 0 explained, 0 stale acceptances"
    assert result.stderr == "note: 1 annotation error left units out of the lint; see corpus-tools validate\n"


def test_units_left_out_for_errors_fail_the_lint_though_no_candidate_is_unexplained(tmp_path):
    """Found by a hunt: annotations of a document the corpus no longer has were left out of the
    lint with a note, and the command exited 0, as if everything had been linted and passed
    (docs/lint.md said 1)."""
    import json

    import export_corpus

    layout = export_corpus.ingested(tmp_path)
    # doc-b leaves the corpus; its annotations stay in the append-only store
    kept = [line for line in layout.manifest.read_text(encoding="utf-8").splitlines(keepends=True)
            if json.loads(line)["doc_id"] != "doc-b"]
    layout.manifest.write_text("".join(kept), encoding="utf-8")
    (layout.raw / "doc-b.txt").unlink()
    # doc-a's one candidate, explained: nothing is unexplained
    write_lines(layout.annotations / "lint-accepted.jsonl",
                {"code": "quote-marks-outside-quote", "doc_id": "doc-a", "start": 102, "end": 131,
                 "text": '"We will not lift sanctions,"', "reason": "annotator 2's QUOTE leaves its marks out"})
    result = CliRunner().invoke(cli, ["lint", "--root", str(layout.root)])
    assert result.stdout.splitlines() == ["0 unexplained candidates, 1 explained, 0 stale acceptances"]
    assert result.stderr == "note: 1 annotation error left units out of the lint; see corpus-tools validate\n"
    assert result.exit_code == 1
    as_json = CliRunner().invoke(cli, ["lint", "--root", str(layout.root), "--json"])
    # why it exits 1, in the report too
    assert orjson.loads(as_json.stdout)["counts"] == {"unexplained": 0, "explained": 1, "stale": 0, "unchecked": 0,
                                                      "removed": 0, "annotation_errors": 1}
    assert as_json.stderr == "note: 1 annotation error left units out of the lint; see corpus-tools validate\n"
    assert as_json.exit_code == 1


def test_an_error_in_a_version_the_lint_does_not_read_leaves_none_of_its_units_out(tmp_path):
    """Found by a hunt: an error found now in annotator 1's version of doc-a (an entity_id whose
    registry record went), which the lint never reads (it lints annotator 2's, the chosen one), was
    said to leave units out of the lint, and the lint exited 1 with every candidate explained: the
    problems of every annotation of the chosen one's task were taken for the chosen one's."""
    import json

    import export_corpus

    tasks = json.loads(export_corpus.TWO_ANNOTATORS.read_text(encoding="utf-8"))
    assert [(a["id"], a["completed_by"]) for a in tasks[0]["annotations"]] == [(201, 1), (202, 2)]
    export_corpus.link_syrians(tasks[0]["annotations"][0])
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    layout = export_corpus.ingested_then_unregistered(tmp_path / "corpus", path)
    write_lines(layout.annotations / "lint-accepted.jsonl",
                {"code": "quote-marks-outside-quote", "doc_id": "doc-a", "start": 102, "end": 131,
                 "text": '"We will not lift sanctions,"', "reason": "annotator 2's QUOTE leaves its marks out"})
    result = CliRunner().invoke(cli, ["lint", "--root", str(layout.root)])
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "0 unexplained candidates, 1 explained, 0 stale acceptances\n", "")
    # agreement, which compares that version, refuses it still, naming it
    compared = CliRunner().invoke(cli, ["agreement", "--root", str(layout.root)])
    assert compared.exit_code == 1
    assert "annotation 201, region e4: error [entity-id-unknown] entity_id 'syrians'" in compared.stderr


def test_lint_command_hides_explained_candidates_and_reports_stale_ones(seam, tmp_path):
    accepted = tmp_path / "annotations" / "lint-accepted.jsonl"
    accepted.parent.mkdir()
    write_lines(accepted,
                {"code": "name-outside-entity", "doc_id": "d1", "start": 0, "end": 5, "text": "Syria", "reason": "r1"},
                {"code": "year-outside-timex", "doc_id": "d1", "start": 14, "end": 18, "text": "2011", "reason": "r2"},
                {"code": "year-outside-timex", "doc_id": "d1", "start": 30, "end": 34, "text": "2012", "reason": "r3"})
    result = CliRunner().invoke(cli, ["lint", "--root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{accepted}:3: stale acceptance d1:30-34 [year-outside-timex] 2012 — no longer a candidate; remove the line",
        "0 unexplained candidates, 2 explained, 1 stale acceptance",
    ]
    shown_all = CliRunner().invoke(cli, ["lint", "--root", str(tmp_path), "--all"])
    assert shown_all.exit_code == 0
    assert shown_all.output.splitlines()[:2] == [
        "d1:0-5 [name-outside-entity] Syria — registry name is outside every entity span (name of syria)"
        " [explained, line 1: r1]",
        "d1:14-18 [year-outside-timex] 2011 — year is outside every time span [explained, line 2: r2]",
    ]


def test_lint_all_shows_a_reason_on_its_candidate_s_one_line(seam, tmp_path):
    """Found by a hunt: a reason holding a line break (or a terminal's escape) was printed as it
    is, breaking the line of its candidate in two."""
    accepted = write_lines(tmp_path / "accepted.jsonl", {"code": "year-outside-timex", "doc_id": "d1", "start": 14,
                                                         "end": 18, "text": "2011", "reason": "a law's\nname \x1b[2J"})
    result = CliRunner().invoke(cli, ["lint", "--root", str(tmp_path), "--accepted", str(accepted), "--all"])
    assert result.output.splitlines()[1] == (
        "d1:14-18 [year-outside-timex] 2011 — year is outside every time span [explained, line 1: a law's\\nname "
        "\\x1b[2J]")


def test_a_long_text_is_cut_between_escapes_never_inside_one():
    """Found by a hunt: the escaped text was cut, so a line break at the cut showed as "\\…"."""
    from corpus_tools.annotations.lint import shown_text as _shown

    assert _shown("a" * 78 + "\n" + "b" * 10) == "a" * 78 + "…"
    assert _shown("a" * 76 + "\x1b" + "b" * 10) == "a" * 76 + "…"
    assert _shown("a" * 75 + "\x1b" + "b" * 10) == "a" * 75 + "\\x1b…"
    assert _shown("a" * 80) == "a" * 80 and _shown("a" * 81) == "a" * 79 + "…"


def test_lint_command_json(seam, tmp_path):
    result = CliRunner().invoke(cli, ["lint", "--root", str(tmp_path), "--json", "--all"])
    assert result.exit_code == 1
    report = orjson.loads(result.output)
    assert report["counts"] == {"unexplained": 2, "explained": 0, "stale": 0, "unchecked": 0, "removed": 0,
                                "annotation_errors": 0}
    assert report["candidates"][1] == {"code": "year-outside-timex", "doc_id": "d1", "start": 14, "end": 18,
                                       "text": "2011", "message": "year is outside every time span", "reason": None}
    assert report["stale"] == []


@pytest.mark.parametrize("line, message", [
    (b"[1, 2]", "expected a JSON object, got an array"),
    # these two were read, and could only ever show as stale
    ({**GOOD, "end": 0}, "span [0, 0) is empty; a candidate's never is"),
    ({**GOOD, "text": "201"}, "text has 3 code points, its span [0, 4) covers 4; a candidate's text is what its "
                              "span covers"),
])
def test_lint_command_refuses_a_bad_acceptance_file_in_one_line(seam, tmp_path, line, message):
    bad = write_lines(tmp_path / "accepted.jsonl", line)
    result = CliRunner().invoke(cli, ["lint", "--root", str(tmp_path), "--accepted", str(bad)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {bad}, line 1: [lint-accepted-invalid] {message}"


def test_lint_corpus_refuses_an_acceptance_file_given_that_is_not_there(tmp_path):
    """Only the default file may be missing (no acceptances yet): a path given and not there was
    refused by the command alone, and lint_corpus linted against no acceptances."""
    from corpus_tools.annotations.lint import lint_corpus
    from corpus_tools.layout import Layout

    missing = tmp_path / "accepted.jsonl"
    with pytest.raises(CorpusError) as raised:
        lint_corpus(Layout.at(tmp_path), missing)
    assert (raised.value.code, str(raised.value)) == ("file-error", f"{missing}: [file-error] No such file or directory")


def test_a_bad_acceptance_file_is_refused_before_anything_is_linted(monkeypatch, tmp_path):
    """docs/lint.md says nothing is linted: the file was read after the whole corpus was."""
    def read_corpus(layout, rechecking=None, reading=None):
        raise AssertionError("the corpus was read")

    monkeypatch.setattr("corpus_tools.annotations.lint.lint_inputs", read_corpus)
    bad = write_lines(tmp_path / "accepted.jsonl", {**GOOD, "end": 0})
    result = CliRunner().invoke(cli, ["lint", "--root", str(tmp_path), "--accepted", str(bad)])
    assert (result.exit_code, result.output) == (
        1, f"Error: {bad}, line 1: [lint-accepted-invalid] span [0, 0) is empty; a candidate's never is\n")


def test_lint_command_help_has_an_example():
    result = CliRunner().invoke(cli, ["lint", "--help"])
    assert result.exit_code == 0
    assert "corpus-tools lint --all --json" in result.output and "Exit status: 0" in result.output


def test_the_committed_gold_set_has_no_unexplained_candidates(corpus_copy):
    # Issue 4, item 5: every remaining candidate is either fixed or explained in lint-accepted.jsonl.
    result = CliRunner().invoke(cli, ["lint", "--root", str(corpus_copy.root)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("0 unexplained candidates, ")
    assert ", 0 stale acceptances" in result.output.splitlines()[-1]


_spans = st.tuples(st.integers(0, 30), st.integers(0, 10)).map(lambda p: Span(p[0], p[0] + p[1]))


@settings(max_examples=300, deadline=None)
@given(st.lists(_spans, max_size=8), _spans.filter(len))
def test_cover_answers_like_a_scan_of_every_span(spans, probe):
    from corpus_tools.annotations.lint import _Cover

    cover = _Cover(spans)
    assert cover.contains(probe) == any(s.start <= probe.start and probe.end <= s.end for s in spans)
    assert cover.touches(probe) == any(s.start < probe.end and probe.start < s.end for s in spans)


_FIXTURES = REPO / "tests" / "fixtures"


def test_lint_of_a_real_label_studio_export_through_the_annotation_set(tmp_path):
    import hashlib

    from corpus_tools.annotations.consolidate import load_annotation_set
    from corpus_tools.layout import Layout
    from corpus_tools.annotations.registry import read_registry

    texts = orjson.loads((_FIXTURES / "export-documents.json").read_bytes())
    documents = {doc_id: Document(doc_id, None, text, None, None, (), "test",
                                  hashlib.sha256(text.encode("utf-8")).hexdigest())
                 for doc_id, text in texts.items()}
    registry = read_registry(_FIXTURES / "export-registry.jsonl")
    from export_corpus import place_stored

    place_stored(Layout.at(tmp_path), _FIXTURES / "exports" / "valid.json")
    annotation_set = load_annotation_set(Layout.at(tmp_path), documents, registry)
    assert annotation_set.report.valid
    found = lint(documents, annotation_set.chosen.values(), registry)
    # The fixture annotates the article body, not its headline "Blinken in Damascus".
    assert [(c.code, c.doc_id, c.span.start, c.span.end, c.text) for c in found] == [
        ("name-outside-entity", "doc-a", 0, 7, "Blinken"),
        ("name-outside-entity", "doc-a", 11, 19, "Damascus"),
    ]


def test_docs_list_exactly_the_candidate_codes_lint_checks():
    """The codes are public (acceptances and the guidelines name them): docs/lint.md's table is
    the catalogue of lint's candidates, as docs/validation.md is of problems."""
    rows = re.findall(r"^\| `([a-z-]+)` \|", (REPO / "docs" / "lint.md").read_text(encoding="utf-8"), re.M)
    assert rows == list(CHECKS)


@pytest.mark.parametrize("name", ["lint-accepted.jsonl", "annotators.jsonl", "entity-registry.jsonl",
                                  "card-caveats.md"])
def test_a_corpus_file_that_is_a_link_to_nothing_is_refused_not_read_as_absent(corpus_copy, name):
    """A dangling link in a corpus file's place read as no file: no acceptances, no annotators (user
    ids then taken for the corpus's ids), an empty registry, no caveats on the card. It is a fault,
    named at its path: the CorpusError file-error, as the command line says it (it was the
    OSError NotRegularFile, a traceback to a Python caller)."""
    from corpus_tools.annotations.annotators import load_annotators
    from corpus_tools.annotations.registry import load_registry
    from corpus_tools.release.inputs import caveats

    path = corpus_copy.annotations / name
    path.unlink(missing_ok=True)
    path.symlink_to(corpus_copy.root / "gone.jsonl")
    read = {"lint-accepted.jsonl": lambda: read_acceptances(path),
            "annotators.jsonl": lambda: load_annotators(corpus_copy),
            "entity-registry.jsonl": lambda: load_registry(corpus_copy),
            "card-caveats.md": lambda: caveats(corpus_copy)}[name]
    with pytest.raises(CorpusError) as refused:
        read()
    assert refused.value.code == "file-error" and refused.value.location.file == str(path)
    assert refused.value.message == (f"is a symbolic link to {str(corpus_copy.root / 'gone.jsonl')!r}, which leads "
                                     "to no file, not a regular file")
    path.unlink()  # no file at all: none yet, as before
    assert read() in ((), {})
