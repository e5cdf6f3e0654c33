"""Inter-annotator agreement per layer, over every annotator's latest version of each document.

Functions over records: ``units_of`` turns one annotator's ``DocumentAnnotations`` into
comparable ``Units`` (offsets into the current text and values; the annotation set has already
re-anchored spans made on older texts), ``compare`` computes an ``AgreementReport`` from the units
of each document, and ``agreement`` does both for the annotation set of the stored exports, a
document at a time. The definitions, each with a worked example that is also a test, are in
docs/agreement.md; in short, for two annotators A and B of the same documents:

* span F1 = 2 * |exact span matches| / (|A| + |B|); overlap F1 the same with overlap matching
  (exact pairs first, then the remaining overlapping pairs greedily: larger overlap first, then
  the tighter pair, then position);
* on exact span matches (entities, timexes): label, entity_id, timex_value agreement = the share
  of matched pairs with equal values; on overlap matches (quotes): quote_type, attribution (same
  speaker id when both sources have one, else the same SOURCE span), cue (same CUE span);
* alpha: Krippendorff's nominal alpha with each code point of a compared text as a unit, coded
  with the label of the span covering it or "none" (entities and timexes, whose spans do not
  overlap), computed from the coincidences of run-length sections (each section weighs its length).

A document annotated by fewer than two annotators is "not comparable": counted, never scored.
Ground-truth annotations are adjudications (corpus_tools.annotations.adjudicate), not annotators'
versions: they are left out and counted.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
from collections import Counter
from itertools import combinations
from typing import Any, Collection, Iterable, Iterator, Mapping, Sequence

from corpus_tools.annotations.consolidate import RecordsOnDisk, version_order
from corpus_tools.errors import CorpusError, Problem, Report, quantity
from corpus_tools.iterutil import Totalled
from corpus_tools.records import (
    AgreementReport, DocumentAnnotations, Figure, LayerFigures, PairAgreement, Units, annotator_key, is_f1,
)

LAYER_NAMES = ("entities", "timexes", "quotes")
ALPHA_LAYERS = ("entities", "timexes")  # layers whose spans never overlap within one annotation
NONE_CODE = "none"
DIGITS = 4  # JSON reports round figures to this many decimals (text, the card: 3), once, at output


def units_of(annotations: DocumentAnnotations, annotator: str | None = None) -> Units:
    """An annotation's units in comparable form (records.Units)."""
    who = annotator if annotator is not None else annotations.provenance.annotator
    return Units(who, *(tuple(sorted(map(_UNIT_KEYS[layer], getattr(annotations, layer)), key=sort_key))
                        for layer in LAYER_NAMES))


def unit_key(layer: str, record: Any) -> tuple:
    """What two annotators must both give for a unit of ``layer`` to be the same one: an entity's
    span, label and entity_id; a time expression's span, label, value and mod; a quote's span and
    type, its source's span and speaker_id, and its cue's span (docs/agreement.md)."""
    return _UNIT_KEYS[layer](record)


def _entity_key(mention) -> tuple:
    return (mention.span.start, mention.span.end, mention.label, mention.entity_id)


def _timex_key(timex) -> tuple:
    return (timex.span.start, timex.span.end, timex.label, timex.value, timex.mod)


def _quote_key(quote) -> tuple:
    source = None if quote.source is None else (quote.source.span.start, quote.source.span.end,
                                                 quote.source.speaker_id)
    cue = None if quote.cue is None else (quote.cue.span.start, quote.cue.span.end)
    return (quote.span.start, quote.span.end, quote.quote_type, source, cue)


_UNIT_KEYS = {"entities": _entity_key, "timexes": _timex_key, "quotes": _quote_key}


def sort_key(value):
    """Units hold None values: sort them first, deterministically (a position's values share a type)."""
    if value is None:
        return (0,)
    if isinstance(value, tuple):
        return (1, tuple(sort_key(part) for part in value))
    return (1, value)


# ---------------------------------------------------------------------------------------------
# Matching two annotators' units of one layer


def exact_matches(a: Sequence[tuple], b: Sequence[tuple]) -> list[tuple[int, int]]:
    """Pairs (i, j) with the same span, one-to-one, in order."""
    free: dict[tuple[int, int], list[int]] = {}
    for j, unit in enumerate(b):
        free.setdefault(unit[:2], []).append(j)
    pairs = []
    for i, unit in enumerate(a):
        waiting = free.get(unit[:2])
        if waiting:
            pairs.append((i, waiting.pop(0)))
    return pairs


def overlap_matches(a: Sequence[tuple], b: Sequence[tuple]) -> list[tuple[int, int]]:
    """Exact pairs first; then the remaining overlapping pairs, greedily: the larger overlap first,
    then the smaller union (the tighter pair), then the earlier position."""
    pairs = exact_matches(a, b)
    used_a, used_b = {i for i, _ in pairs}, {j for _, j in pairs}
    candidates = []
    by_start = sorted(range(len(b)), key=lambda j: b[j][0])
    starts = [b[j][0] for j in by_start]
    longest = max((unit[1] - unit[0] for unit in b), default=0)
    for i, (a_start, a_end, *_) in enumerate(a):
        if i in used_a:
            continue
        # only b's units that start before a's end and late enough to reach past a's start
        for j in by_start[bisect_left(starts, a_start - longest):bisect_left(starts, a_end)]:
            b_start, b_end = b[j][0], b[j][1]
            overlap = min(a_end, b_end) - max(a_start, b_start)
            if j not in used_b and overlap > 0:
                union = max(a_end, b_end) - min(a_start, b_start)
                candidates.append((-overlap, union, a_start, a_end, b_start, b_end, i, j))
    for *_, i, j in sorted(candidates):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def _same_attribution(a: tuple, b: tuple) -> bool:
    """Two quotes' sources: the same speaker id when both have one, else the same SOURCE span
    (no source on either side agrees only with no source)."""
    source_a, source_b = a[3], b[3]
    if source_a is None or source_b is None:
        return source_a is None and source_b is None
    if source_a[2] is not None and source_b[2] is not None:
        return source_a[2] == source_b[2]
    return source_a[:2] == source_b[:2]


# what each attribute figure compares on a matched pair, in report order
_ATTRIBUTES = {
    "entities": {"label": lambda a, b: a[2] == b[2], "entity_id": lambda a, b: a[3] == b[3]},
    "timexes": {"label": lambda a, b: a[2] == b[2], "timex_value": lambda a, b: a[3] == b[3]},
    "quotes": {"quote_type": lambda a, b: a[2] == b[2], "attribution": _same_attribution,
               "cue": lambda a, b: a[4] == b[4]},
}
# figure names per layer, in report order; "alpha" is separate (not a pairwise figure)
FIGURES = {layer: ("span_f1", "overlap_f1", *attributes) for layer, attributes in _ATTRIBUTES.items()}
# the matching the attribute figures are computed on
_ATTRIBUTE_MATCHING = {"entities": exact_matches, "timexes": exact_matches, "quotes": overlap_matches}


def pair_counts(layer: str, a: Sequence[tuple], b: Sequence[tuple]) -> dict[str, tuple[int, int]]:
    """(agreed, items) of every figure of ``layer`` for two annotators' units of one document."""
    exact = exact_matches(a, b)
    overlap = overlap_matches(a, b)
    counts = {"span_f1": (len(exact), len(a) + len(b)), "overlap_f1": (len(overlap), len(a) + len(b))}
    matched = _ATTRIBUTE_MATCHING[layer](a, b)
    for name, same in _ATTRIBUTES[layer].items():
        counts[name] = (sum(same(a[i], b[j]) for i, j in matched), len(matched))
    return counts


def figure(name: str, agreed: int, items: int) -> Figure:
    """A figure from its counts: an F1 (``*_f1``) or a share of matched pairs; None when no item."""
    if not items:
        return Figure(None, agreed, items)
    value = 2 * agreed / items if is_f1(name) else agreed / items
    return Figure(value, agreed, items)


# ---------------------------------------------------------------------------------------------
# Krippendorff's alpha over code points


def pair_code_points(length: int, codings: Sequence[Sequence[tuple]]) -> Counter:
    """Alpha's coincidences of one text of ``length`` code points coded by each annotator's
    non-overlapping spans ``(start, end, label, ...)`` (gaps are "none"), before the division by
    m - 1: per value pair, the code points (times the ordered annotator pairs) that coincide so;
    whole numbers, so they add up exactly in any order. Each code point is a unit coded by all m
    annotators; code points between two consecutive span boundaries of any annotator are coded
    alike, so they are added as one section weighing its length."""
    m = len(codings)
    bounds = {0, length}
    for spans in codings:
        for start, end, *_ in spans:
            bounds.update((start, end))
    bounds = sorted(bound for bound in bounds if 0 <= bound <= length)
    coincidences: Counter = Counter()
    positions = [0] * m  # per annotator, the first span that may still cover a section
    for start, end in zip(bounds, bounds[1:]):
        values = []
        for k, spans in enumerate(codings):
            while positions[k] < len(spans) and spans[positions[k]][1] <= start:
                positions[k] += 1
            covering = spans[positions[k]] if positions[k] < len(spans) else None
            values.append(covering[2] if covering is not None and covering[0] <= start else NONE_CODE)
        for x, y in combinations(values, 2):
            coincidences[x, y] += end - start
            coincidences[y, x] += end - start
    return coincidences


def nominal_alpha(coincidences: Counter) -> float | None:
    """Krippendorff's nominal alpha = 1 - D_o / D_e from a coincidence matrix; None when all values agree
    by construction (one value only: no expected disagreement)."""
    totals: Counter = Counter()
    for (value, _), weight in coincidences.items():
        totals[value] += weight
    n = sum(totals.values())
    observed = sum(weight for (x, y), weight in coincidences.items() if x != y)
    expected = sum(totals[x] * totals[y] for x in totals for y in totals if x != y) / (n - 1) if n > 1 else 0.0
    if expected == 0:
        return None
    return 1 - observed / expected


# ---------------------------------------------------------------------------------------------
# Reports


def _pair_figures(counts: Mapping[str, dict[str, list[int]]]) -> tuple[LayerFigures, ...]:
    return tuple(LayerFigures(layer, tuple((name, figure(name, *counts[layer][name])) for name in FIGURES[layer]))
                 for layer in LAYER_NAMES)


def _average(pairs: Sequence[PairAgreement]) -> tuple[LayerFigures, ...]:
    """Per figure, the mean of the pairs' values (pairs without items left out), items and agreed summed."""
    layers = []
    for position, layer in enumerate(LAYER_NAMES):
        figures = []
        for index, name in enumerate(FIGURES[layer]):
            parts = [pair.layers[position].figures[index][1] for pair in pairs]
            values = [part.value for part in parts if part.value is not None]
            figures.append((name, Figure(sum(values) / len(values) if values else None,
                                         sum(part.agreed for part in parts), sum(part.items for part in parts))))
        layers.append(LayerFigures(layer, tuple(figures)))
    return tuple(layers)


def compare(documents: Mapping[str, tuple[int, Sequence[Units]]], **report: Any) -> AgreementReport:
    """Agreement over ``documents``: doc_id -> (length of its text, the units of each annotator);
    ``report``: the keywords of ``AgreementTally.report`` (the scope, and the documents not compared).

    Pairs: every two annotators over the documents both annotated (F1s pooled over those
    documents: matches and units summed). Alpha: over every compared document, each code point
    coded by all of that document's annotators."""
    tally = AgreementTally()
    for doc_id, (length, versions) in documents.items():
        tally.add(doc_id, length, versions)
    return tally.report(**report)


class AgreementTally:
    """``compare``, a document at a time, in any order: a release adds each document as its
    chosen annotation streams by and forgets its versions. Alpha's coincidences are kept as whole
    numbers per number of annotators (``pair_code_points``) and divided at the end, so the
    report does not depend on the order documents came in."""

    def __init__(self) -> None:
        self._pairs: dict[tuple[str, str], dict] = {}
        self._pair_documents: Counter = Counter()
        self._compared: list[str] = []
        self._alpha = {layer: Counter() for layer in ALPHA_LAYERS}  # (annotators, x, y) -> code points
        self._alpha_items = 0  # code points of the compared texts
        self._annotators: set[str] = set()
        self._seen: set[str] = set()
        self._documents_of: dict[str, list[str]] = {}  # annotator -> the documents they have a version of

    def add(self, doc_id: str, length: int, versions: Sequence[Units]) -> None:
        self._seen.add(doc_id)
        by_annotator = {units.annotator: units for units in versions}
        if len(by_annotator) != len(versions):
            raise ValueError(f"{doc_id}: one annotator has two versions")  # the annotation set keeps one each
        for annotator in by_annotator:
            self._documents_of.setdefault(annotator, []).append(doc_id)
        if len(versions) < 2:
            return
        self._annotators.update(by_annotator)
        ordered = sorted(by_annotator, key=annotator_key)
        for first, second in combinations(ordered, 2):
            counts = self._pairs.setdefault((first, second), {layer: {name: [0, 0] for name in FIGURES[layer]}
                                                              for layer in LAYER_NAMES})
            self._pair_documents[first, second] += 1
            for layer in LAYER_NAMES:
                found = pair_counts(layer, getattr(by_annotator[first], layer), getattr(by_annotator[second], layer))
                for name, (agreed, items) in found.items():
                    counts[layer][name][0] += agreed
                    counts[layer][name][1] += items
        self._compared.append(doc_id)
        self._alpha_items += length
        m = len(ordered)
        for layer in ALPHA_LAYERS:
            found = pair_code_points(length, [getattr(by_annotator[a], layer) for a in ordered])
            self._alpha[layer].update({(m, x, y): count for (x, y), count in found.items()})

    def documents_of(self, annotator: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The documents ``annotator`` has a version of: those compared and those not comparable
        (no one else's version), each in doc_id order."""
        compared = set(self._compared)
        theirs = sorted(self._documents_of.get(annotator, ()))
        return (tuple(doc_id for doc_id in theirs if doc_id in compared),
                tuple(doc_id for doc_id in theirs if doc_id not in compared))

    def versions_by(self) -> tuple[str, ...]:
        """Every annotator with a version of a document added, compared or not, in order."""
        return tuple(sorted(self._documents_of, key=annotator_key))

    def compared(self) -> tuple[str, ...]:
        """The documents compared so far (two or more versions), in doc_id order."""
        return tuple(sorted(self._compared))

    def report(self, *, scope: str = "corpus", key: str | None = None, annotations_cancelled: int = 0,
               adjudications_left_out: int = 0, not_comparable: Iterable[str] = (),
               versions_from_predictions: int = 0, removed: Iterable[str] = (),
               no_version: Iterable[str] = ()) -> AgreementReport:
        """``not_comparable``: more documents with fewer than two annotators, not added (their units
        are not needed: a release's, whose versions it need not compare); ``no_version``: more, with
        no annotator's version (``without_versions``); ``removed``: documents removed from the
        corpus, whose annotations were left out."""
        compared = self.compared()
        no_version = tuple(sorted(no_version))
        not_comparable = tuple(sorted((self._seen - set(compared)) | set(not_comparable) | set(no_version)))
        pairs = tuple(PairAgreement(pair, self._pair_documents[pair], _pair_figures(self._pairs[pair]))
                      for pair in sorted(self._pairs, key=lambda pair: tuple(map(annotator_key, pair))))
        alphas = []
        for layer in ALPHA_LAYERS:
            coincidences: Counter = Counter()
            for (m, x, y), count in sorted(self._alpha[layer].items()):
                coincidences[x, y] += count / (m - 1)
            value = nominal_alpha(coincidences) if self._alpha_items else None
            alphas.append((layer, Figure(value, 0, self._alpha_items)))
        # a document's annotators are whoever has a version of it, compared or not: the part of a
        # document one annotator annotated said "annotators -", as if nobody had
        annotators = self.versions_by() if scope == "document" else tuple(sorted(self._annotators, key=annotator_key))
        return AgreementReport(scope, key, annotators, compared, not_comparable, pairs,
                               _average(pairs), tuple(alphas), annotations_cancelled, adjudications_left_out,
                               versions_from_predictions, tuple(sorted(removed)), no_version)


def refuse_errors(problems: Iterable[Problem], action: str) -> None:
    """Units left out because of errors (e.g. a span that cannot be re-anchored onto the current
    text), found now or accepted at ingest (--allow-partial), would count as disagreements:
    refuse, naming them. ``problems``: those of reading the annotation set, then those it was
    accepted with."""
    errors = Report.of(problems).errors
    if errors:
        shown = "; ".join(str(problem) for problem in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise CorpusError("invalid-annotations", f"the stored exports have {quantity(len(errors), 'error')}, so "
                          f"nothing is {action}: {shown}{more}")


def without_versions(index) -> tuple[str, ...]:
    """The documents someone annotated (``index``: an AnnotationIndex) of which no annotator has a
    version: every annotation of them cancelled (or left out at ingest), or ground truth only.
    Not comparable, as a document one annotator annotated: agreement, adjudicate and a release's
    card all count them with this one rule, and say them apart (``not_comparable_kinds``)."""
    versioned = set(index.annotators_versions()["doc_id"].to_pylist())
    return tuple(sorted(index.annotated - versioned))


# The two kinds of documents not comparable, in the words every report says them in
ONE_ANNOTATOR = "one annotator"
NO_VERSION = "no annotator's version"


def not_comparable_kinds(not_comparable: int, no_version: int) -> str:
    """Of ``not_comparable`` documents, ``no_version`` with no annotator's version: the words the
    agreement and adjudicate reports and the dataset card (and croissant.json) use for them."""
    return f"{not_comparable - no_version} with {ONE_ANNOTATOR}, {no_version} with {NO_VERSION}"


# doc_ids a line of text names per kind; at 10,000 tasks the first line named all 8,204 single-annotator
# documents, 115 kB on one line (--json and --by document name every one)
IDS_LISTED = 10


def not_comparable_ids(not_comparable: Sequence[str], no_version: Collection[str]) -> str:
    """The doc_ids ``not_comparable``, in their order, grouped by kind (``no_version``: those with
    no annotator's version), as ``with one annotator: a, c; with no annotator's version: b``: an
    id alone did not say which kind it was. The first ``IDS_LISTED`` of a kind, then how many more."""
    groups = ((ONE_ANNOTATOR, [doc_id for doc_id in not_comparable if doc_id not in no_version]),
              (NO_VERSION, [doc_id for doc_id in not_comparable if doc_id in no_version]))
    return "; ".join(f"with {kind}: {', '.join(doc_ids[:IDS_LISTED])}"
                     + (f" and {len(doc_ids) - IDS_LISTED} more (--json lists all)" if len(doc_ids) > IDS_LISTED else "")
                     for kind, doc_ids in groups if doc_ids)


def not_comparable_said(not_comparable: int, no_version: int) -> str:
    """"N not comparable", with its kinds when a document has no annotator's version (without
    one, every such document has one annotator, as the reports said before there were two kinds)."""
    return f"{not_comparable} not comparable" + (
        f" ({not_comparable_kinds(not_comparable, no_version)})" if no_version else "")


def document_versions(index, action: str, reading: Totalled | None = None
                      ) -> Iterator[tuple[str, list[DocumentAnnotations]]]:
    """Each document's annotators' versions from ``index`` (a
    corpus_tools.annotations.consolidate.AnnotationIndex), in annotator order, as soon as the last
    of them has streamed by: memory holds the documents in between, not the annotation set.
    Ground-truth annotations are adjudications, not versions: they are left out.
    ``reading``: as ``AnnotationIndex.records``'.

    Once the stream is read, raises ``invalid-annotations`` ("nothing is ``action``") when reading
    it found errors. (Every version has its annotator: ingest refuses an annotation without one.)"""
    expected = Counter(index.annotators_versions()["doc_id"].to_pylist())
    problems: list[Problem] = []
    accepted_with: list[Problem] = []
    waiting: dict[str, list[DocumentAnnotations]] = {}
    for record in index.records(index.roles(), problems, accepted_with, reading=reading):
        if record.provenance.reason != "version" or record.provenance.ground_truth:
            continue  # a chosen annotation or a ground truth: read for its problems (and its task's)
        kept = waiting.setdefault(record.doc_id, [])
        kept.append(record)
        if len(kept) == expected[record.doc_id]:
            del waiting[record.doc_id]
            yield record.doc_id, sorted(kept, key=version_order)
    refuse_errors([*problems, *accepted_with], action)


def agreement(index, by: str | None = None, reading: Totalled | None = None) -> AgreementReport:
    """The agreement of the annotators' versions in the stored exports (``index``: a
    corpus_tools.annotations.consolidate.AnnotationIndex; see ``compare``), a document at a time
    (``document_versions``, which also says what is refused); ``by`` "document" or "annotator"
    adds one part per document or per annotator. ``reading``: as ``document_versions``'.

    The documents' parts wait on disk (``RecordsOnDisk``), not in memory: ``parts`` reads them
    again each time it is iterated."""
    if by not in (None, "document", "annotator"):
        raise ValueError(f"by must be 'document' or 'annotator', not {by!r}")
    tally, parts = AgreementTally(), RecordsOnDisk() if by == "document" else None
    for doc_id, versions in document_versions(index, "compared", reading):
        length, units = len(index.documents[doc_id].text), [units_of(version) for version in versions]
        tally.add(doc_id, length, units)
        if parts is not None:
            parts[doc_id] = compare({doc_id: (length, units)}, scope="document", key=doc_id)
    # said nowhere but in a count of cancelled annotations, such a document looked as if nobody
    # had touched it
    unversioned = without_versions(index)
    report = tally.report(annotations_cancelled=index.cancelled,
                          adjudications_left_out=index.adjudications, no_version=unversioned,
                          versions_from_predictions=index.versions_from_predictions(tally.compared()),
                          removed=index.removed)
    if parts is not None:
        for doc_id in unversioned:
            parts[doc_id] = compare({}, scope="document", key=doc_id, no_version=[doc_id])
        for doc_id in index.removed:
            parts[doc_id] = compare({}, scope="document", key=doc_id, removed=[doc_id])
        return dataclasses.replace(report, parts=parts.values())
    if by == "annotator":
        # every annotator with a version: one whose documents no one else annotated is listed too,
        # with those documents not comparable, as --by document lists such a document
        return dataclasses.replace(report, parts=tuple(
            _annotator_part(report, annotator, *tally.documents_of(annotator)) for annotator in tally.versions_by()))
    return report


def _annotator_part(report: AgreementReport, annotator: str, compared: tuple[str, ...],
                    not_comparable: tuple[str, ...]) -> AgreementReport:
    """One annotator against each other: the pairs that include them, and their mean, over the
    compared documents they annotated; their documents no one else annotated are not comparable."""
    pairs = tuple(pair for pair in report.pairs if annotator in pair.annotators)
    annotators = tuple(sorted({annotator, *(other for pair in pairs for other in pair.annotators)}, key=annotator_key))
    return AgreementReport("annotator", annotator, annotators, compared, not_comparable, pairs, _average(pairs), ())


# ---------------------------------------------------------------------------------------------
# Output forms


def _figure_dict(figure_: Figure) -> dict:
    return {"value": figure_.rounded(DIGITS), "agreed": figure_.agreed, "items": figure_.items}


def _layers_dict(layers: Iterable[LayerFigures]) -> dict:
    return {layer.layer: {name: _figure_dict(value) for name, value in layer.figures} for layer in layers}


def report_dict(report: AgreementReport, lazy: bool = False) -> dict:
    """The JSON form of a report (``corpus-tools agreement --json``). ``lazy``: its parts as an
    iterator, each part's dict made as it is printed (``cli.options.echo_json``), not all at once."""
    result = {
        "scope": report.scope,
        **({report.scope: report.key} if report.key is not None else {}),
        "annotators": list(report.annotators),
        "documents": {"compared": len(report.compared), "not_comparable": len(report.not_comparable),
                      "not_comparable_ids": list(report.not_comparable), "no_version": len(report.no_version),
                      "no_version_ids": list(report.no_version), "removed": len(report.removed),
                      "removed_ids": list(report.removed)},
        "average": _layers_dict(report.average),
        "alpha": {layer: _figure_dict(value) for layer, value in report.alpha},
        "pairs": [{"annotators": list(pair.annotators), "documents": pair.documents, **_layers_dict(pair.layers)}
                  for pair in report.pairs],
    }
    if report.scope == "corpus":
        result["annotations"] = {"cancelled": report.annotations_cancelled,
                                 "ground_truth_left_out": report.adjudications_left_out,
                                 "versions_from_predictions": report.versions_from_predictions}
    if report.parts is not None:  # asked for (--by): a key of its own, also when there is none
        parts = (report_dict(part) for part in report.parts)
        result["parts"] = parts if lazy else list(parts)
    return result


def report_lines(report: AgreementReport) -> Iterator[str]:
    """The text form, a line at a time: one line per layer of the average, then per pair, then
    alpha (none of them when no document was compared); then each part's lines, indented."""
    title = {"corpus": "all documents", "document": f"document {report.key}",
             "annotator": f"annotator {report.key}"}[report.scope]
    if report.scope == "document" and report.removed:
        yield f"{title}: removed from the corpus (annotations/removed-documents.jsonl): its annotations are left out"
        return
    yield (f"{title}: annotators {', '.join(report.annotators) or '-'}; "
           f"{quantity(len(report.compared), 'document')} compared, {len(report.not_comparable)} not comparable"
           + (f" ({not_comparable_ids(report.not_comparable, set(report.no_version))})"
              if report.not_comparable else ""))
    # with no document compared every figure is n/a of 0 items: --by document at 10,000 tasks
    # printed 5 such lines for each of 8,204 single-annotator documents (the JSON keeps them)
    if report.compared:
        for label, layers in (("average", report.average),
                              *((f"{pair.annotators[0]} vs {pair.annotators[1]} ({quantity(pair.documents, 'doc')})",
                                 pair.layers) for pair in report.pairs)):
            for layer in layers:
                figures = ", ".join(f"{name} {value.printed()} ({value.rests_on(name)})"
                                    for name, value in layer.figures)
                yield f"  {label} {layer.layer}: {figures}"
        alphas = ", ".join(f"{layer} {value.printed()} ({value.items} code points)" for layer, value in report.alpha)
        if alphas:
            yield f"  alpha: {alphas}"
    for part in report.parts or ():
        yield from ("  " + line for line in report_lines(part))


def report_notes(report: AgreementReport) -> list[str]:
    """What a reader of the figures should know (``corpus-tools agreement`` says it on stderr):
    versions that began as a prediction agree through the model."""
    if not report.versions_from_predictions:
        return []
    return [f"{report.versions_from_predictions} of the versions compared began as a prediction (accepted, "
            "changed or not): versions that began from the same prediction agree through the model, so these "
            "figures are higher than independent annotators' would be"]


def summary_line(report: AgreementReport, by: str | None = None) -> str:
    """The last line of ``corpus-tools agreement``: what was compared and what was left out
    (``by``: the report's parts, as given to ``agreement``)."""
    removed = (f"; the annotations of {quantity(len(report.removed), 'document')} removed from the corpus left out"
               + ("" if by == "document" else " (--by document names them)")) if report.removed else ""
    return (f"{quantity(len(report.compared), 'document')} compared, "
            f"{not_comparable_said(len(report.not_comparable), len(report.no_version))}, "
            f"{quantity(report.annotations_cancelled, 'cancelled annotation')} and "
            f"{quantity(report.adjudications_left_out, 'ground-truth annotation')} left out{removed}")
