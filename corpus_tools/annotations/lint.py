"""The completeness lint: text that looks as if it should carry an annotation but does not.

Validation says whether annotations are well formed; this module says what they may have
missed, as ``Candidate`` records for a person to review. A candidate is either fixed (a new
annotation round) or explained: a line in annotations/lint-accepted.jsonl saying why it is
right as it is. ``review`` splits candidates by those acceptances and reports acceptances
that no longer match anything (stale), so the file never silently drifts from the corpus.

Every check is a function from one document's ``_DocumentView`` to candidates, registered in
``CHECKS`` under its stable code. Matching is linear in the text: registry names go into one
compiled trie-shaped regex per run, and "is this occurrence inside an annotation" is a bisect
over a document's sorted spans.
"""

from __future__ import annotations

import functools
import os
import re
from bisect import bisect_left, bisect_right
from dataclasses import replace
from itertools import accumulate
from pathlib import Path
from typing import Callable, Collection, Iterable, Iterator, Mapping

from corpus_tools import strictjson
from corpus_tools.annotations.consolidate import AnnotationIndex
from corpus_tools.documents.normalize import clean_line
from corpus_tools.documents.removals import removed_documents
from corpus_tools.errors import CorpusError, Location, Problem, Report, escape, printable_part, quantity
from corpus_tools.fsutil import file_errors, present
from corpus_tools.iterutil import Totalled
from corpus_tools.layout import Layout
from corpus_tools.preannotate.text import word_boundaries
from corpus_tools.records import (
    Acceptance, Candidate, Document, DocumentAnnotations, LintReview, RegistryEntity, Span,
)
from corpus_tools.timex import MONTH_NAMES, WEEKDAYS

ACCEPTED_FILE = "lint-accepted.jsonl"
ACCEPTANCE_KEYS = ("code", "doc_id", "start", "end", "text", "reason")

# A pair on one line: quotes that run across paragraphs are left to the reviewer's eye.
_QUOTE_PAIR = re.compile(r'"[^"\n]*"|“[^“”\n]*”')


class _Cover:
    """A document's spans of one kind, answering "is [s, e) inside one of them?" in O(log n).

    Spans are sorted by start with a running maximum of their ends: some span contains
    [s, e) exactly when the largest end among spans starting at or before s reaches e.
    """

    __slots__ = ("_starts", "_max_ends")

    def __init__(self, spans: Iterable[Span]):
        ordered = sorted(spans)
        self._starts = [span.start for span in ordered]
        self._max_ends = list(accumulate((span.end for span in ordered), max))

    def contains(self, span: Span) -> bool:
        i = bisect_right(self._starts, span.start)
        return i > 0 and self._max_ends[i - 1] >= span.end

    def touches(self, span: Span) -> bool:
        """Some span overlaps [s, e) (a boundary disagreement rather than a miss)."""
        i = bisect_left(self._starts, span.end)
        return i > 0 and self._max_ends[i - 1] > span.start


class _DocumentView:
    """What the checks need of one document: its text, its annotations, and their covers."""

    __slots__ = ("document", "entities", "timexes", "quotes", "names", "quote_units")

    def __init__(self, document: Document, annotations: DocumentAnnotations, names: "_NameMatcher"):
        self.document = document
        # In offset order, whatever order the caller's record holds them in: of two candidates on
        # one span (a SOURCE several quotes share) the first is kept, and its message names its QUOTE.
        self.quote_units = sorted(annotations.quotes, key=lambda quote: (quote.span.start, quote.span.end, quote.id))
        self.entities = _Cover(mention.span for mention in annotations.entities)
        self.timexes = _Cover(timex.span for timex in annotations.timexes)
        self.quotes = _Cover(quote.span for quote in annotations.quotes)
        self.names = names


def _uncovered(view: _DocumentView, code: str, matches: Iterable[re.Match], cover: _Cover,
               what: str, layer: str) -> Iterator[Candidate]:
    for match in matches:
        span = Span(match.start(), match.end())
        if cover.contains(span):
            continue
        where = (f"is only partly covered by {layer} spans" if cover.touches(span)
                 else f"is outside every {layer} span")
        yield Candidate(code, view.document.doc_id, span, match.group(), f"{what} {where}")


class _NameMatcher:
    """Every registry name and alias in one regex, matched case-sensitively as whole words.

    The regex is a trie (shared prefixes factored out), so a text position costs a walk down
    one branch rather than a try of every name; at a position the longest name wins.
    """

    __slots__ = ("regex", "owners")

    def __init__(self, registry: Mapping[str, RegistryEntity]):
        owners: dict[str, list[str]] = {}
        for entity in registry.values():
            for kind, surface in (("name", entity.name), *(("alias", alias) for alias in entity.aliases)):
                # matched as it can stand in a normalized text (NFC, spaces cleaned and stripped):
                # a decomposed "Erdoğan" never matched, and "Assad " took the space into its span
                in_text = clean_line(surface)
                if in_text:
                    owners.setdefault(in_text, []).append(f"{kind} of {entity.id}")
        self.owners = {surface: tuple(sorted(set(roles))) for surface, roles in owners.items()}
        self.regex = _whole_words(trie_pattern(self.owners)) if self.owners else None

    def finditer(self, text: str) -> Iterator[re.Match]:
        return self.regex.finditer(text) if self.regex is not None else iter(())


def _whole_words(pattern: str) -> re.Pattern:
    """``pattern`` compiled to match only as a whole word. Every word the lint looks for (names,
    years, months, weekdays) goes through here, so all end at the same boundaries, the
    pre-annotator's (text.word_boundaries): \\b took "Monday" + U+0301 for the weekday while the
    name check took "Syria" + U+0301 for no name."""
    before, after = word_boundaries()
    return re.compile(f"{before}(?:{pattern}){after}")


def trie_pattern(words: Iterable[str]) -> str:
    """A regex matching exactly ``words``, preferring the longest at a position (shared prefixes factored)."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here
    # Children before parents, by a stack rather than recursion: a node per character, and a name
    # of some 500 characters took Python past its recursion limit (a RecursionError traceback).
    patterns: dict[int, str] = {}
    stack = [(trie, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            patterns[id(node)] = _node_pattern(node, patterns)
        else:
            stack.append((node, True))
            stack.extend((child, False) for char, child in node.items() if char)
    return patterns[id(trie)]


def _node_pattern(node: dict, patterns: Mapping[int, str]) -> str:
    """The pattern of one trie node, given its children's (``patterns``, by id)."""
    branches = [re.escape(char) + patterns[id(child)] for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" not in node:
        return body
    # A word may end here: try the longer continuation first (greedy ?), fall back to ending.
    return f"(?:{body})?" if len(branches) == 1 else body + "?"


def _check_names(view: _DocumentView, code: str) -> Iterator[Candidate]:
    for candidate in _uncovered(view, code, view.names.finditer(view.document.text), view.entities,
                                "registry name", "entity"):
        roles = ", ".join(view.names.owners[candidate.text])
        yield replace(candidate, message=f"{candidate.message} ({roles})")


def _check_quote_marks(view: _DocumentView, code: str) -> Iterator[Candidate]:
    return _uncovered(view, code, _QUOTE_PAIR.finditer(view.document.text), view.quotes, "quotation-mark pair", "QUOTE")


# code -> (what the word is, its pattern): words a time span should contain
_TIME_WORDS = {
    "year-outside-timex": ("year", r"(?:19|20)\d\d(?:s)?"),  # "1990s" is a decade, a DATE too
    "month-outside-timex": ("month name", "|".join(map(re.escape, MONTH_NAMES))),
    "weekday-outside-timex": ("weekday name", rf"(?:{'|'.join(WEEKDAYS)})s?"),
}


# Compiled on first use, not at import: their word boundaries (text.word_boundaries) take a
# scan of every code point for the combining marks.
_time_regex = functools.cache(_whole_words)


def _check_time_words(view: _DocumentView, code: str) -> Iterator[Candidate]:
    what, pattern = _TIME_WORDS[code]
    return _uncovered(view, code, _time_regex(pattern).finditer(view.document.text), view.timexes, what, "time")


# code -> (the region a QUOTE's candidate is on, None when it lacks nothing; the message, of the QUOTE)
_ATTRIBUTION: dict[str, tuple[Callable, Callable]] = {
    "quote-without-source": (lambda quote: quote if quote.source is None else None,
                             lambda quote: f"QUOTE {quote.id} has no said_by relation to a SOURCE"),
    "quote-without-cue": (lambda quote: quote if quote.cue is None else None,
                          lambda quote: f"QUOTE {quote.id} has no cue relation to a CUE"),
    "source-without-speaker": (lambda quote: quote.source if quote.source is not None
                               and not (quote.source.speaker_id or "").strip() else None,
                               lambda quote: f"SOURCE {quote.source.id} (of QUOTE {quote.id}) has no speaker_id"),
}


def _check_attribution(view: _DocumentView, code: str) -> Iterator[Candidate]:
    region_of, message = _ATTRIBUTION[code]
    for quote in view.quote_units:
        if (region := region_of(quote)) is not None:
            yield Candidate(code, quote.doc_id, region.span, region.text, message(quote))


# code -> check(view, code); the codes are public interface (acceptances and the guidelines name them).
CHECKS: dict[str, Callable[[_DocumentView, str], Iterable[Candidate]]] = {
    "name-outside-entity": _check_names,
    "quote-marks-outside-quote": _check_quote_marks,
    **dict.fromkeys(_TIME_WORDS, _check_time_words),
    **dict.fromkeys(_ATTRIBUTION, _check_attribution),
}


def _sort_key(candidate: Candidate) -> tuple:
    return (candidate.doc_id, candidate.span.start, candidate.span.end, candidate.code)


def lint(documents: Mapping[str, Document], annotations: Iterable[DocumentAnnotations],
         registry: Mapping[str, RegistryEntity], on_progress: Callable[[int], None] | None = None
         ) -> tuple[Candidate, ...]:
    """Candidate misses in every annotated document (``annotations``: one per document, in any
    order, e.g. streaming), sorted by document, offset and code.

    Only documents with annotations are linted (an unannotated document is not yet a miss);
    ``on_progress(1)`` after each. ``registry``: by id, as ``load_registry`` gives it.
    Raises ``CorpusError`` when annotations name an unknown document or were made on a
    different text than the document's (their spans would point at the wrong words).
    """
    names = _NameMatcher(registry)
    found: dict[tuple, Candidate] = {}
    for annotated in annotations:
        view = _DocumentView(_document_for(documents, annotated), annotated, names)
        for code, check in CHECKS.items():
            for candidate in check(view, code):
                # A SOURCE shared by several quotes is one candidate, not one per quote.
                found.setdefault((candidate.code, candidate.doc_id, candidate.span), candidate)
        if on_progress is not None:
            on_progress(1)
    return tuple(sorted(found.values(), key=_sort_key))


def _document_for(documents: Mapping[str, Document], annotations: DocumentAnnotations) -> Document:
    document = documents.get(annotations.doc_id)
    if document is None:
        raise CorpusError("doc-unknown", "annotations name a document that is not in the corpus",
                          Location(doc_id=annotations.doc_id))
    if not annotations.made_on(document):
        raise CorpusError("annotation-text-mismatch",
                          "annotations were made on a different text than the document's; "
                          "re-ingest or validate before linting", Location(doc_id=annotations.doc_id))
    return document


def review(candidates: Iterable[Candidate], acceptances: Iterable[Acceptance],
           linted: Collection[str] | None = None, documents: Collection[str] | None = None,
           removed: Collection[str] = ()) -> LintReview:
    """Split candidates into unexplained and explained; acceptances that match none are stale,
    unless their document (one of ``documents``, the corpus's; None: any) was not linted
    (``linted``: the doc_ids that were, read once the candidates are; None: all): those are kept,
    unchecked (nobody annotated it now). One of a document the corpus does not have is stale,
    but for one of ``removed`` (documents removed from the corpus, which may be added again):
    kept, and counted apart."""
    by_key = {acceptance.key: acceptance for acceptance in acceptances}
    candidates = list(candidates)
    unexplained = [candidate for candidate in candidates if candidate.key not in by_key]
    explained = [(candidate, by_key[candidate.key]) for candidate in candidates if candidate.key in by_key]
    used = {candidate.key for candidate, _ in explained}
    kept: dict[str, list[Acceptance]] = {"stale": [], "unchecked": [], "removed": []}
    for key, acceptance in by_key.items():
        if key in used:
            continue
        if acceptance.doc_id in removed:
            kept["removed"].append(acceptance)
        elif linted is None or acceptance.doc_id in linted or (documents is not None
                                                               and acceptance.doc_id not in documents):
            kept["stale"].append(acceptance)
        else:
            kept["unchecked"].append(acceptance)
    return LintReview(tuple(unexplained), tuple(explained), **{kind: tuple(listed) for kind, listed in kept.items()})


def accepted_path(layout: Layout) -> Path:
    return layout.annotations / ACCEPTED_FILE


def read_acceptances(path: str | Path) -> tuple[Acceptance, ...]:
    """The acceptances at ``path`` (none if it does not exist); raises CorpusError naming the bad line."""
    path = Path(path)
    if not present(path):
        return ()
    seen: dict[tuple, int] = {}
    acceptances = []
    for location, record in strictjson.object_lines(path, "lint-accepted-invalid", "lint-accepted-invalid"):
        acceptance = _acceptance(record, location)
        if acceptance.key in seen:
            raise CorpusError("lint-accepted-duplicate", f"repeats the acceptance on line {seen[acceptance.key]}",
                              location)
        seen[acceptance.key] = location.line
        acceptances.append(acceptance)
    return tuple(acceptances)


def _acceptance(record: dict, location: Location) -> Acceptance:
    if set(record) != set(ACCEPTANCE_KEYS):
        raise CorpusError("lint-accepted-invalid",
                          f"needs exactly the keys {', '.join(ACCEPTANCE_KEYS)}; has {sorted(record)}", location)
    # types first: a code that is an array or object cannot even be looked up among the codes
    if not all(isinstance(record[key], str) for key in ("code", "doc_id", "text", "reason")):
        raise CorpusError("lint-accepted-invalid", "code, doc_id, text and reason must be strings", location)
    if record["code"] not in CHECKS:
        raise CorpusError("lint-accepted-invalid",
                          f"unknown code {record['code']!r}; known: {', '.join(CHECKS)}", location)
    try:
        return Acceptance(record["code"], record["doc_id"], Span(record["start"], record["end"]),
                          record["text"], record["reason"], line=location.line)
    except (TypeError, ValueError) as error:
        raise CorpusError("lint-accepted-invalid", str(error), location) from None


def _as_dict(item: Candidate | Acceptance, **more) -> dict:
    """The JSON shape of a candidate or an acceptance: an acceptance line is a candidate's with
    its ``message`` replaced by a ``reason``."""
    return {"code": item.code, "doc_id": item.doc_id, "start": item.span.start, "end": item.span.end,
            "text": item.text, **more}


_SHOWN_TEXT = 80  # characters of a candidate's text on its line; the JSON form has it whole


def shown_text(text: str) -> str:
    """``text`` on one line (escaped), cut to ``_SHOWN_TEXT`` characters with an ellipsis."""
    flat = escape(text)  # one line, whatever the text holds
    if len(flat) <= _SHOWN_TEXT:
        return flat
    # cut the text, then escape it: a cut of the escaped text could end inside an escape ("\…")
    kept = text[:_SHOWN_TEXT - 1]
    while len(escape(kept)) > _SHOWN_TEXT - 1:
        kept = kept[:-1]
    return escape(kept) + "…"


def candidate_line(candidate: Candidate) -> str:
    return (f"{candidate.doc_id}:{candidate.span.start}-{candidate.span.end} [{candidate.code}] "
            f"{shown_text(candidate.text)} — {candidate.message}")


def stale_line(acceptance: Acceptance, file: Path) -> str:
    return (f"{file}:{acceptance.line}: stale acceptance {printable_part(acceptance.doc_id)}:{acceptance.span.start}-"
            f"{acceptance.span.end} [{acceptance.code}] {shown_text(acceptance.text)} — no longer a candidate; "
            f"remove the line")


def summary_line(result: LintReview) -> str:
    kept = (f"; {quantity(len(result.unchecked), 'acceptance')} kept for documents nobody annotated now"
            if result.unchecked else "")
    if result.removed:
        counted = quantity(len(result.removed), "acceptance") if not kept else str(len(result.removed))
        kept += f"; {counted} kept for documents removed from the corpus"
    return (f"{quantity(len(result.unexplained), 'unexplained candidate')}, {len(result.explained)} explained, "
            f"{quantity(len(result.stale), 'stale acceptance')}{kept}")


def _listed(result: LintReview, show_all: bool) -> list[tuple[Candidate, Acceptance | None]]:
    """The candidates a review lists, each with its acceptance (None: unexplained): the unexplained,
    with ``show_all`` the explained too, by document, offset and code."""
    listed = [(candidate, None) for candidate in result.unexplained]
    if show_all:
        listed += result.explained
    return sorted(listed, key=lambda pair: _sort_key(pair[0]))


def review_lines(result: LintReview, show_all: bool, file: Path) -> Iterator[str]:
    """The text form of a review (``corpus-tools lint``): a line per unexplained candidate (with
    ``show_all``, per explained one too, with its reason), per stale acceptance of ``file``, then
    the summary."""
    for candidate, acceptance in _listed(result, show_all):
        # escaped: a reason is free text a person wrote, and may hold a line break or a terminal's escape
        suffix = f" [explained, line {acceptance.line}: {escape(acceptance.reason)}]" if acceptance else ""
        yield candidate_line(candidate) + suffix
    for acceptance in result.stale:
        yield stale_line(acceptance, file)
    yield summary_line(result)


def review_dict(result: LintReview, show_all: bool) -> dict:
    """The JSON form of a review (``corpus-tools lint --json``); ``show_all``: the explained
    candidates too, with their reason."""
    return {
        "candidates": [_as_dict(c, message=c.message, reason=None if a is None else a.reason)
                       for c, a in _listed(result, show_all)],
        "stale": [_as_dict(a, reason=a.reason, line=a.line) for a in result.stale],
        "counts": {"unexplained": len(result.unexplained), "explained": len(result.explained),
                   "stale": len(result.stale), "unchecked": len(result.unchecked), "removed": len(result.removed),
                   "annotation_errors": result.annotation_errors},
    }


def lint_corpus(layout: Layout, accepted: str | Path | None = None, linting: Totalled | None = None,
                rechecking: Totalled | None = None) -> LintReview:
    """``corpus-tools lint``: ``lint`` of the annotation each document uses, reviewed against the
    acceptances in ``accepted`` (default: annotations/lint-accepted.jsonl, where missing means
    none; a path given must be there). ``linting``: asked with the number of documents to lint
    once the annotation index knows it, for the ``on_progress`` called after each one linted (as
    ``lint_inputs``' ``reading``: the annotations are read as they are linted);
    ``rechecking``: as ``AnnotationIndex``'s."""
    if accepted is not None:  # only the default may be missing (no acceptances yet)
        with file_errors():  # the system's own reason: missing, a loop of links, no permission
            os.stat(accepted)
    # read first: a bad line is refused before the corpus is read and linted, not after
    acceptances = read_acceptances(accepted if accepted is not None else accepted_path(layout))
    documents, annotations, registry, problems = lint_inputs(layout, rechecking, reading=linting)
    linted: set[str] = set()
    candidates = lint(documents, (linted.add(item.doc_id) or item for item in annotations), registry)
    # a removed document's acceptances are kept, not stale: added again, its annotations and their
    # candidates come back with it (corpus_tools.documents.remove)
    reviewed = review(candidates, acceptances, linted, documents, removed_documents(layout, documents))
    return replace(reviewed, annotation_errors=len(Report.of(problems).errors))


def lint_inputs(layout: Layout, rechecking: Totalled | None = None, *, reading: Totalled | None = None
                ) -> tuple[Mapping, Iterable[DocumentAnnotations], Mapping, list[Problem]]:
    """Documents, the annotations to lint, registry entities, and the problems of reading the
    annotations: the one place lint meets the pipeline.

    Lints the annotation the corpus uses for each document (the chosen one), streaming: the
    problems list fills as the annotations are read. Units left out for errors are not linted.
    ``reading``: as ``AnnotationIndex.records``' (one chosen annotation, one document).
    """
    index = AnnotationIndex.of_corpus(layout, rechecking)
    problems: list[Problem] = []
    chosen = index.records(index.roles(versions=False), problems, reading=reading)
    return index.documents, chosen, index.registry, problems
