"""The completeness lint: each check's code, spans and messages; acceptances; the lint command."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import export_corpus
from corpus_tools.annotations.annotators import load_annotators
from corpus_tools.annotations.consolidate import load_annotation_set
from corpus_tools.annotations.lint import (
    CHECKS, _Cover, lint, lint_corpus, read_acceptances, review, shown_text, summary_line, trie_pattern,
)
from corpus_tools.annotations.registry import load_registry
from corpus_tools.cli import cli
from corpus_tools.errors import CorpusError, Location, Problem
from corpus_tools.layout import Layout
from corpus_tools.records import (
    Acceptance, Candidate, Cue, Document, DocumentAnnotations, EntityMention, Quote, RegistryEntity, Source, Span,
    TimeExpression,
)
from corpus_tools.release.inputs import caveats
from release_factories import span_of as at

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


def entity(text: str, piece: str, label: str = "GPE") -> EntityMention:
    span = at(text, piece)
    return EntityMention(f"e{span.start}", "d1", span, piece, label, None)


def timex(text: str, piece: str) -> TimeExpression:
    span = at(text, piece)
    return TimeExpression(f"t{span.start}", "d1", span, piece, "DATE", "XXXX")


def lint_one(text: str, annotations: dict, registry: dict) -> list[Candidate]:
    """The candidates of document d1 holding ``text`` with ``annotations`` (entities, timexes, quotes)."""
    layers = ("entities", "timexes", "quotes")
    record = DocumentAnnotations("d1", *(tuple(annotations.get(layer, ())) for layer in layers))
    return lint({"d1": document("d1", text)}, [record], registry)


def _source_shared(text: str, reverse: bool = False) -> dict:
    he, said = Source("s1", at(text, "He"), "He", ""), Cue("c1", at(text, "said"), "said")
    quotes = [Quote("q1", "d1", at(text, "a"), "a", "indirect", he, said),
              Quote("q2", "d1", at(text, "b"), "b", "indirect", he, said)]
    return {"quotes": quotes[::-1] if reverse else quotes}


NAME, QUOTE_MARKS = "name-outside-entity", "quote-marks-outside-quote"
# (text, the annotations made of it, the registry, every candidate as (code, start, end, text), and
# the messages of some by their text)
CANDIDATES = [
    pytest.param("Syria and the US met. Syria said so.", lambda t: {"entities": [entity(t, "Syria")]}, REGISTRY,
                 [(NAME, 14, 16, "US"), (NAME, 22, 27, "Syria")], {},
                 id="names-outside-entity-spans-are-candidates-annotated-ones-are-not"),
    pytest.param("Syrian forces told us. SYRIA, Syria's, (U.S.) and USA.", None, REGISTRY,
                 [(NAME, 30, 35, "Syria"), (NAME, 40, 44, "U.S.")], {},
                 id="names-match-whole-words-and-case-sensitively"),
    # found by a hunt: "Syria" + U+0331 (a mark NFC cannot compose) was the name "Syria"
    pytest.param("Syria\u0331 and \u0301Syria, not Syria.", None, REGISTRY, [(NAME, 23, 28, "Syria")], {},
                 id="a-combining-mark-belongs-to-the-word-before-and-after-it"),
    pytest.param("Bashar al-Assad spoke; Assad left.", None, REGISTRY,
                 [(NAME, 0, 15, "Bashar al-Assad"), (NAME, 23, 28, "Assad")], {},
                 id="the-longest-name-at-a-position-wins"),
    pytest.param("She landed at Damascus International Airport.",
                 lambda t: {"entities": [entity(t, "Damascus International Airport", "FAC")]}, REGISTRY, [], {},
                 id="a-name-inside-a-longer-entity-span-is-covered"),
    pytest.param("Bashar al-Assad spoke.", lambda t: {"entities": [entity(t, "Assad", "PERSON")]}, REGISTRY,
                 [(NAME, 0, 15, "Bashar al-Assad")],
                 {"Bashar al-Assad": "registry name is only partly covered by entity spans (name of bashar-al-assad)"},
                 id="a-name-only-partly-inside-an-entity-span-says-so"),
    pytest.param("Georgia.", None, {"georgia-country": RegistryEntity("georgia-country", "Georgia", "GPE"),
                                    "georgia-us-state": RegistryEntity("georgia-us-state", "Georgia", "GPE",
                                                                       aliases=("Ga.",))},
                 [(NAME, 0, 7, "Georgia")], {"Georgia": "registry name is outside every entity span (name of "
                                                        "georgia-country, name of georgia-us-state)"},
                 id="the-message-names-every-entity-a-surface-belongs-to"),
    # Found by a hunt: the text is NFC with its spaces cleaned, a hand-written registry need not be. A
    # decomposed "Erdoğan" and "Bashar" + NBSP + "al-Assad" were never found (so "Assad" inside it was the
    # candidate), and an alias "Assad " took the space after an annotated [Assad] into a candidate said to
    # be only partly covered.
    pytest.param("Erdo\u011fan met Assad (in Damascus), then Bashar al-Assad.",
                 lambda t: {"entities": [entity(t, "Assad", "PERSON")]},
                 {entity.id: entity for entity in (
                     RegistryEntity("recep-tayyip-erdogan", "Erdog\u0306an", "PERSON"),
                     RegistryEntity("bashar-al-assad", "Bashar\u00a0al-Assad", "PERSON", aliases=("Assad ", "Assad")))},
                 [(NAME, 0, 7, "Erdo\u011fan"), (NAME, 38, 53, "Bashar al-Assad")], {},
                 id="a-registry-name-is-matched-as-normalization-leaves-it-in-the-text"),
    pytest.param("Syria and the US.", None, {}, [], {}, id="no-registry-means-no-name-candidates"),
    # found by a hunt: the trie was built by recursion, a level per character, and a registry name of some
    # 500 characters (which the registry accepts) was a RecursionError traceback
    pytest.param("A" * 5000 + " B", None, {"long": RegistryEntity("long", "A" * 5000, "ORG", aliases=("A" * 4999 + "B",
                                                                                                         "B"))},
                 [(NAME, 0, 5000, "A" * 5000), (NAME, 5001, 5002, "B")], {},
                 id="a-registry-name-of-thousands-of-characters-is-matched"),
    # the pair split by a line break is not a pair; the quote without links is its own candidate
    pytest.param('He said "we met" and “we talk” and "again\nlater" ok.',
                 lambda t: {"quotes": [Quote("q1", "d1", at(t, "“we talk”"), "“we talk”", "direct")]}, {},
                 [(QUOTE_MARKS, 8, 16, '"we met"'), ("quote-without-cue", 21, 30, "“we talk”"),
                  ("quote-without-source", 21, 30, "“we talk”")], {},
                 id="quotation-mark-pairs-outside-quote-spans"),
    pytest.param('He said "we met" today.',
                 lambda t: {"quotes": [Quote("q1", "d1", at(t, "we met"), "we met", "direct")]},
                 REGISTRY, [(QUOTE_MARKS, 8, 16, '"we met"'), ("quote-without-cue", 9, 15, "we met"),
                            ("quote-without-source", 9, 15, "we met")],
                 {'"we met"': "quotation-mark pair is only partly covered by QUOTE spans"},
                 id="a-quote-span-that-leaves-out-its-marks-is-flagged-as-a-boundary-problem"),
    pytest.param('He said that talks were "useless" and would end. Bye.',
                 lambda t: {"quotes": [Quote("q1", "d1", at(t, 'talks were "useless" and would end'), "…", "mixed",
                                             source=Source("s1", at(t, "He"), "He", "bashar-al-assad"),
                                             cue=Cue("c1", at(t, "said"), "said"))]}, {}, [], {},
                 id="a-quotation-pair-inside-a-longer-mixed-quote-is-covered"),
    pytest.param("In May 2011, on Sunday, and in the 1990s; not 20115, Mayor or 3011. Sept. 5 and Mondays.",
                 lambda t: {"timexes": [timex(t, "May 2011")]}, {},
                 [("weekday-outside-timex", 16, 22, "Sunday"), ("year-outside-timex", 35, 40, "1990s"),
                  ("month-outside-timex", 68, 73, "Sept."), ("weekday-outside-timex", 80, 87, "Mondays")], {},
                 id="years-months-and-weekdays-outside-time-spans"),
    pytest.param("we may march in august", None, {}, [], {}, id="month-names-are-case-sensitive"),
    pytest.param("May\u0331 5, \u0331March 2 and April 9.", None, {}, [("month-outside-timex", 21, 26, "April")], {},
                 id="a-combining-mark-belongs-to-a-month-name-too"),
    # their regex's \b took "Monday" + U+0331 and U+0301 + "1990s" for whole words, while the name check
    # took "Syria" + U+0331 for no name: one boundary rule for every word now
    pytest.param("Syria\u0331 on Monday\u0331 in 2011\u0331; \u0301Syria, \u0301Sunday, \u03011990s. Syria on Monday "
                 "in 2011.", None, REGISTRY,
                 [(NAME, 53, 58, "Syria"), ("weekday-outside-timex", 62, 68, "Monday"),
                  ("year-outside-timex", 72, 76, "2011")], {},
                 id="years-and-weekdays-end-at-a-combining-mark-as-names-do"),
    pytest.param("A: x. B: y. C: z.", lambda t: {"quotes": [
        Quote("q1", "d1", at(t, "x"), "x", "indirect", cue=Cue("c1", at(t, "A"), "A")),
        Quote("q2", "d1", at(t, "y"), "y", "indirect", source=Source("s2", at(t, "B"), "B", "syria")),
        Quote("q3", "d1", at(t, "z"), "z", "indirect", source=Source("s3", at(t, "C"), "C", None),
              cue=Cue("c3", at(t, ":", 2), ":"))]}, {},
                 [("quote-without-source", 3, 4, "x"), ("quote-without-cue", 9, 10, "y"),
                  ("source-without-speaker", 12, 13, "C")],
                 {"x": "QUOTE q1 has no said_by relation to a SOURCE", "y": "QUOTE q2 has no cue relation to a CUE",
                  "C": "SOURCE s3 (of QUOTE q3) has no speaker_id"},
                 id="quote-without-source-or-cue-and-source-without-speaker"),
    # a mutation that took a speaker_id of spaces for a speaker failed no test
    pytest.param("D: w.", lambda t: {"quotes": [
        Quote("q4", "d1", at(t, "w"), "w", "indirect", source=Source("s4", at(t, "D"), "D", " \t"),
              cue=Cue("c4", at(t, ":"), ":"))]}, {},
                 [("source-without-speaker", 0, 1, "D")], {"D": "SOURCE s4 (of QUOTE q4) has no speaker_id"},
                 id="a-speaker-id-of-whitespace-is-no-speaker"),
    # found by a hunt: the message named whichever quote the record held first
    *(pytest.param("He said a, and b.", lambda t, reverse=reverse: _source_shared(t, reverse), {},
                   [("source-without-speaker", 0, 2, "He")], {"He": "SOURCE s1 (of QUOTE q1) has no speaker_id"},
                   id=f"a-source-shared-by-two-quotes-is-one-candidate{'-the-quotes-reversed' if reverse else ''}")
      for reverse in (False, True)),
]


@pytest.mark.parametrize(("text", "annotate", "registry", "expected", "said"), CANDIDATES)
def test_lint_finds_its_candidates(text, annotate, registry, expected, said):
    found = lint_one(text, annotate(text) if annotate else {}, registry)
    assert [(c.code, c.span.start, c.span.end, c.text) for c in found] == expected
    assert all(c.text == text[c.span.start:c.span.end] for c in found)
    assert {c.text: c.message for c in found if c.text in said} == said


# --- the corpus as a whole ------------------------------------------------------------------

def test_only_annotated_documents_are_linted_as_they_stream_by_and_output_is_sorted():
    """The command hands lint the chosen annotations as they are read (never the whole set)."""
    documents = {"b": document("b", "Syria 2011"), "a": document("a", "Syria"), "c": document("c", "Syria")}
    events = []

    def stream():
        for name in ("b", "a"):
            events.append(("read", name))
            yield DocumentAnnotations(name, (), (), ())

    found = lint(documents, stream(), REGISTRY, on_progress=lambda count: events.append(("linted", count)))
    assert events == [("read", "b"), ("linted", 1), ("read", "a"), ("linted", 1)]
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
    def of(doc_id: str, line: int) -> Acceptance:
        return replace(acceptance(line=line), doc_id=doc_id)

    linted, unannotated, removed, unknown = of("d1", 1), of("d2", 2), of("gone", 3), of("never", 4)
    result = review([], [linted, unannotated, removed, unknown], linted={"d1"}, documents={"d1", "d2"},
                    removed={"gone"})
    assert (result.stale, result.unchecked, result.removed) == ((linted, unknown), (unannotated,), (removed,))
    assert summary_line(result) == ("0 unexplained candidates, 0 explained, 2 stale acceptances; 1 acceptance kept "
                                    "for documents nobody annotated now; 1 kept for documents removed from the corpus")


def write_lines(path: Path, *records) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join((r if isinstance(r, bytes) else orjson.dumps(r)) + b"\n" for r in records))
    return path


def year(doc_id: str, start: int, text: str, reason: str) -> dict:
    return {"code": "year-outside-timex", "doc_id": doc_id, "start": start, "end": start + 4, "text": text,
            "reason": reason}


GOOD = year("d1", 0, "2011", "guidelines §2.3: part of a law's name")


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


def invoked(root: Path, *options: str, command: str = "lint"):
    return CliRunner().invoke(cli, [command, "--root", str(root), *options])


@pytest.fixture
def seam(monkeypatch):
    """The command with its one integration point fed records built here (the loaders are other branches)."""
    inputs = ({"d1": document("d1", LINT_TEXT), "d2": document("d2", LINT_TEXT)},
              [DocumentAnnotations("d1", (), (), ())], REGISTRY, [])
    monkeypatch.setattr("corpus_tools.annotations.lint.lint_inputs",
                        lambda layout, rechecking=None, reading=None: inputs)


def test_lint_command_lists_candidates_and_exits_1(seam, tmp_path):
    result = invoked(tmp_path)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "d1:0-5 [name-outside-entity] Syria — registry name is outside every entity span (name of syria)",
        "d1:14-18 [year-outside-timex] 2011 — year is outside every time span",
        "2 unexplained candidates, 0 explained, 0 stale acceptances",
    ]


def test_lint_says_how_many_annotation_errors_left_units_out(monkeypatch, tmp_path):
    left_out = [Problem("span-text-mismatch", "left out", Location(doc_id="d1")),
                Problem("annotation-cancelled", "info")]
    monkeypatch.setattr("corpus_tools.annotations.lint.lint_inputs", lambda layout, rechecking=None, reading=None: (
        {"d1": document("d1", LINT_TEXT)}, [DocumentAnnotations("d1", (), (), ())], REGISTRY, left_out))
    result = invoked(tmp_path)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "2 unexplained candidates, 0 explained, 0 stale acceptances"
    assert result.stderr == "note: 1 annotation error left units out of the lint; see corpus-tools validate\n"


# doc-a's one candidate (export_corpus.TWO_ANNOTATORS), explained
DOC_A_QUOTE = {"code": "quote-marks-outside-quote", "doc_id": "doc-a", "start": 102, "end": 131,
               "text": '"We will not lift sanctions,"', "reason": "annotator 2's QUOTE leaves its marks out"}


def test_units_left_out_for_errors_fail_the_lint_though_no_candidate_is_unexplained(tmp_path):
    """Found by a hunt: annotations of a document the corpus no longer has were left out of the
    lint with a note, and the command exited 0, as if everything had been linted and passed
    (docs/lint.md said 1)."""
    layout = export_corpus.ingested(tmp_path)
    # doc-b leaves the corpus; its annotations stay in the append-only store
    kept = [line for line in layout.manifest.read_text(encoding="utf-8").splitlines(keepends=True)
            if json.loads(line)["doc_id"] != "doc-b"]
    layout.manifest.write_text("".join(kept), encoding="utf-8")
    (layout.raw / "doc-b.txt").unlink()
    # nothing is unexplained
    write_lines(layout.annotations / "lint-accepted.jsonl", DOC_A_QUOTE)
    result = invoked(layout.root)
    assert result.stdout.splitlines() == ["0 unexplained candidates, 1 explained, 0 stale acceptances"]
    assert result.stderr == "note: 1 annotation error left units out of the lint; see corpus-tools validate\n"
    assert result.exit_code == 1
    as_json = invoked(layout.root, "--json")
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
    tasks = json.loads(export_corpus.TWO_ANNOTATORS.read_text(encoding="utf-8"))
    assert [(a["id"], a["completed_by"]) for a in tasks[0]["annotations"]] == [(201, 1), (202, 2)]
    export_corpus.link_syrians(tasks[0]["annotations"][0])
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    layout = export_corpus.ingested_then_unregistered(tmp_path / "corpus", path)
    write_lines(layout.annotations / "lint-accepted.jsonl", DOC_A_QUOTE)
    result = invoked(layout.root)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "0 unexplained candidates, 1 explained, 0 stale acceptances\n", "")
    # agreement, which compares that version, refuses it still, naming it
    compared = invoked(layout.root, command="agreement")
    assert compared.exit_code == 1
    assert "annotation 201, region e4: error [entity-id-unknown] entity_id 'syrians'" in compared.stderr


EXPLAINED = ({"code": "name-outside-entity", "doc_id": "d1", "start": 0, "end": 5, "text": "Syria", "reason": "r1"},
             year("d1", 14, "2011", "r2"))
STALE = "stale acceptance {} [year-outside-timex] 2012 — no longer a candidate; remove the line"


@pytest.mark.parametrize(("others", "stale", "summary", "unchecked"), [
    pytest.param([year("d1", 30, "2012", "r3")],
                 "3: " + STALE.format("d1:30-34"), "0 unexplained candidates, 2 explained, 1 stale acceptance", 0,
                 id="hides-explained-candidates-and-reports-stale-ones"),
    # Lint reads annotated documents only: the acceptances of the others were called stale, and the command
    # said to remove lines that still hold (8 of 9 in a corpus with added documents); a document the corpus
    # does not have: stale
    pytest.param([year("d2", 3, "2012", "r3"), year("gone", 3, "2012", "r4")],
                 "4: " + STALE.format("gone:3-7"), "0 unexplained candidates, 2 explained, 1 stale acceptance; 1 "
                 "acceptance kept for documents nobody annotated now", 1,
                 id="an-acceptance-of-a-document-nobody-annotated-now-is-kept-not-stale"),
])
def test_lint_command_with_acceptances(seam, tmp_path, others, stale, summary, unchecked):
    accepted = write_lines(tmp_path / "annotations" / "lint-accepted.jsonl", *EXPLAINED, *others)
    result = invoked(tmp_path)
    assert (result.exit_code, result.output.splitlines()) == (0, [f"{accepted}:{stale}", summary]), result.output
    assert orjson.loads(invoked(tmp_path, "--json").output)["counts"] == {
        "unexplained": 0, "explained": 2, "stale": 1, "unchecked": unchecked, "removed": 0, "annotation_errors": 0}
    shown_all = invoked(tmp_path, "--all")
    assert shown_all.exit_code == 0
    assert shown_all.output.splitlines()[:2] == [
        "d1:0-5 [name-outside-entity] Syria — registry name is outside every entity span (name of syria)"
        " [explained, line 1: r1]",
        "d1:14-18 [year-outside-timex] 2011 — year is outside every time span [explained, line 2: r2]",
    ]


def test_lint_all_shows_a_reason_on_its_candidate_s_one_line(seam, tmp_path):
    """Found by a hunt: a reason holding a line break (or a terminal's escape) was printed as it
    is, breaking the line of its candidate in two."""
    accepted = write_lines(tmp_path / "accepted.jsonl", year("d1", 14, "2011", "a law's\nname \x1b[2J"))
    result = invoked(tmp_path, "--accepted", str(accepted), "--all")
    assert result.output.splitlines()[1] == (
        "d1:14-18 [year-outside-timex] 2011 — year is outside every time span [explained, line 1: a law's\\nname "
        "\\x1b[2J]")


def test_a_long_text_is_cut_between_escapes_never_inside_one():
    """Found by a hunt: the escaped text was cut, so a line break at the cut showed as "\\…"."""
    assert shown_text("a" * 78 + "\n" + "b" * 10) == "a" * 78 + "…"
    assert shown_text("a" * 76 + "\x1b" + "b" * 10) == "a" * 76 + "…"
    assert shown_text("a" * 75 + "\x1b" + "b" * 10) == "a" * 75 + "\\x1b…"
    assert shown_text("a" * 80) == "a" * 80 and shown_text("a" * 81) == "a" * 79 + "…"


def test_lint_command_json(seam, tmp_path):
    result = invoked(tmp_path, "--json", "--all")
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
def test_lint_command_refuses_a_bad_acceptance_file_in_one_line_before_anything_is_linted(monkeypatch, tmp_path,
                                                                                          line, message):
    """docs/lint.md says nothing is linted: the file was read after the whole corpus was."""
    def read_corpus(layout, rechecking=None, reading=None):
        raise AssertionError("the corpus was read")

    monkeypatch.setattr("corpus_tools.annotations.lint.lint_inputs", read_corpus)
    bad = write_lines(tmp_path / "accepted.jsonl", line)
    result = invoked(tmp_path, "--accepted", str(bad))
    assert (result.exit_code, result.output) == (1, f"Error: {bad}, line 1: [lint-accepted-invalid] {message}\n")


def test_lint_corpus_refuses_an_acceptance_file_given_that_is_not_there(tmp_path):
    """Only the default file may be missing (no acceptances yet): a path given and not there was
    refused by the command alone, and lint_corpus linted against no acceptances."""
    missing = tmp_path / "accepted.jsonl"
    with pytest.raises(CorpusError) as raised:
        lint_corpus(Layout.at(tmp_path), missing)
    assert (raised.value.code, str(raised.value)) == ("file-error", f"{missing}: [file-error] No such file or directory")


def test_lint_command_help_has_an_example():
    result = CliRunner().invoke(cli, ["lint", "--help"])
    assert result.exit_code == 0
    assert "corpus-tools lint --all --json" in result.output and "Exit status: 0" in result.output


def test_the_committed_gold_set_has_no_unexplained_candidates(corpus_copy):
    # Issue 4, item 5: every remaining candidate is either fixed or explained in lint-accepted.jsonl.
    result = invoked(corpus_copy.root)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("0 unexplained candidates, ")
    assert ", 0 stale acceptances" in result.output.splitlines()[-1]


_spans = st.tuples(st.integers(0, 30), st.integers(0, 10)).map(lambda p: Span(p[0], p[0] + p[1]))


@settings(max_examples=300, deadline=None)
@given(st.lists(_spans, max_size=8), _spans.filter(len))
def test_cover_answers_like_a_scan_of_every_span(spans, probe):
    cover = _Cover(spans)
    assert cover.contains(probe) == any(s.start <= probe.start and probe.end <= s.end for s in spans)
    assert cover.touches(probe) == any(s.start < probe.end and probe.start < s.end for s in spans)


def test_lint_of_a_real_label_studio_export_through_the_annotation_set(tmp_path):
    documents, registry = export_corpus.documents(), export_corpus.registry()
    export_corpus.place_stored(Layout.at(tmp_path), export_corpus.EXPORTS / "valid.json")
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
