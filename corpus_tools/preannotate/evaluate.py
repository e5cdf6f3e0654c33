"""Scoring the pre-annotator against the gold, leave-one-document-out.

For each gold document, the gazetteer is built from a registry WITHOUT the entities mentioned
(as entity_id or speaker_id) only in that document's gold annotation: a name is found because
another document taught the registry, never because this document's gold put it there. With
``strict_aliases`` the surviving entities also lose every alias that occurs as a mention text
only in that document (their canonical ``name`` stays). The time and quote rules take no data
from the gold, so LOO does not change them; they were, however, written while reading the
guidelines, whose examples are the gold's, so their scores here are development-set scores,
not held-out ones (docs/preannotation.md says so next to the table).

Matching: a unit counts as found when its span equals a gold unit's (and its label: entity
label, TIMEX label, attribution role), one to one; ``lenient_f1`` accepts overlapping spans. The
pairs are a maximum matching (as many one-to-one pairs as the spans allow), so no figure depends
on the order of the units.
``value_accuracy`` is on the exactly matched units: entity_id, TIMEX3 value (and mod), quote_type,
a SOURCE's speaker_id.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import asdict
from typing import Iterable, Mapping

from corpus_tools.iterutil import Totalled
from corpus_tools.preannotate.ner import NerModel
from corpus_tools.preannotate.run import PreAnnotator
from corpus_tools.records import Document, DocumentAnnotations, LayerScore, RegistryEntity, Span, bounded_round

LAYERS = ("entities", "timexes", "quotes", "sources", "cues")


def mentioned_ids(annotations: DocumentAnnotations) -> set[str]:
    ids = {m.entity_id for m in annotations.entities if m.entity_id}
    ids |= {q.source.speaker_id for q in annotations.quotes if q.source is not None and q.source.speaker_id}
    return ids


def leave_one_out(registry: Mapping[str, RegistryEntity], gold: Mapping[str, DocumentAnnotations], doc_id: str,
                  strict_aliases: bool = False) -> dict[str, RegistryEntity]:
    """The registry without what only ``doc_id``'s gold mentions (module docstring)."""
    elsewhere = set().union(*(mentioned_ids(a) for other, a in gold.items() if other != doc_id))
    only_here = mentioned_ids(gold[doc_id]) - elsewhere
    kept = {entity_id: entity for entity_id, entity in registry.items() if entity_id not in only_here}
    if not strict_aliases:
        return kept
    from dataclasses import replace

    texts_elsewhere = {m.text for other, a in gold.items() if other != doc_id for m in a.entities}
    texts_here = {m.text for m in gold[doc_id].entities}
    return {entity_id: replace(entity, aliases=tuple(alias for alias in entity.aliases
                                                    if alias == entity.name or alias in texts_elsewhere
                                                    or alias not in texts_here))
            for entity_id, entity in kept.items()}


def _units(annotations: DocumentAnnotations, layer: str) -> list[tuple[Span, str, object]]:
    """(span, label, value) of one layer's units."""
    if layer == "entities":
        return [(m.span, m.label, m.entity_id) for m in annotations.entities]
    if layer == "timexes":
        return [(t.span, t.label, (t.value, t.mod)) for t in annotations.timexes]
    if layer == "quotes":
        return [(q.span, "QUOTE", q.quote_type) for q in annotations.quotes]
    if layer == "sources":  # a SOURCE region several quotes share is one unit, with one speaker
        sources = {(q.source.span, "source", q.source.speaker_id) for q in annotations.quotes if q.source is not None}
        return sorted(sources, key=lambda unit: (unit[0], unit[2] or ""))
    return sorted({(q.cue.span, "cue", None) for q in annotations.quotes if q.cue is not None})


def _match(gold: list, predicted: list, lenient: bool) -> list[tuple[tuple, tuple]]:
    """(gold, predicted) pairs, one to one, as many as can be made: a maximum matching, so the
    count does not depend on the units' order (taking, for each predicted unit, the first gold
    one it overlaps could leave a pair unmade: a quote over two gold quotes took the one a quote
    nested in it overlaps). Exact pairs of one span and label pair equal values first."""
    if not lenient:
        waiting: dict[tuple, list[tuple]] = {}
        for unit in gold:
            waiting.setdefault(unit[:2], []).append(unit)
        pairs, rest = [], []
        for unit in predicted:  # equal values first, so value accuracy does not depend on order
            same = waiting.get(unit[:2], [])
            if unit in same:
                same.remove(unit)
                pairs.append((unit, unit))
            else:
                rest.append(unit)
        for unit in rest:
            if waiting.get(unit[:2]):
                pairs.append((waiting[unit[:2]].pop(0), unit))
        return pairs
    edges = _overlapping(gold, predicted)
    owner: dict[int, int] = {}  # gold index -> predicted index
    partner: dict[int, int] = {}  # predicted index -> gold index
    for first in range(len(predicted)):  # an augmenting path from each predicted unit (Kuhn), without recursion
        reached_from: dict[int, int] = {}
        stack, free = [(first, iter(edges[first]))], None
        # a gold unit no one holds yet is taken at once: nested units each overlapping all the others
        # made every path run through all the units before (800 nested quotes: 1.9 s, now 0.05 s)
        untaken = next((index for index in edges[first] if index not in owner), None)
        if untaken is not None:
            reached_from[untaken], free, stack = first, untaken, []
        while stack and free is None:
            unit, candidates = stack[-1]
            for index in candidates:
                if index in reached_from:
                    continue
                reached_from[index] = unit
                if index not in owner:
                    free = index
                else:
                    stack.append((owner[index], iter(edges[owner[index]])))
                break
            else:
                stack.pop()
        while free is not None:  # flip the path: each unit on it takes the gold unit it reached
            unit = reached_from[free]
            previous = partner.get(unit)
            owner[free], partner[unit] = unit, free
            free = previous
    return [(gold[partner[unit]], predicted[unit]) for unit in sorted(partner)]


def _overlapping(gold: list, predicted: list) -> list[list[int]]:
    """For each predicted unit, the indexes of the gold units of its label whose span overlaps
    its span: only the gold units starting less than the longest gold span before its end are
    looked at (by bisection), not every one (quadratic in thousands of units)."""
    by_label: dict[str, list[tuple[int, int]]] = {}
    for index, unit in enumerate(gold):
        by_label.setdefault(unit[1], []).append((unit[0].start, index))
    longest = {label: max(gold[index][0].end - start for start, index in starts) for label, starts in by_label.items()}
    for starts in by_label.values():
        starts.sort()
    edges = []
    for unit in predicted:
        starts = by_label.get(unit[1], [])
        if not starts:
            edges.append([])
            continue
        first = bisect.bisect_right(starts, (unit[0].start - longest[unit[1]], len(gold)))
        last = bisect.bisect_left(starts, (unit[0].end, -1))
        edges.append(sorted(index for _, index in starts[first:last] if gold[index][0].overlaps(unit[0])))
    return edges


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def score(gold: Mapping[str, DocumentAnnotations], predicted: Mapping[str, DocumentAnnotations]
          ) -> tuple[LayerScore, ...]:
    """Per-layer scores of ``predicted`` against ``gold``, over the documents of ``gold``."""
    rows = []
    for layer in LAYERS:
        counts: Counter = Counter()
        for doc_id, gold_annotations in gold.items():
            gold_units = _units(gold_annotations, layer)
            predicted_units = _units(predicted[doc_id], layer) if doc_id in predicted else []
            exact = _match(gold_units, predicted_units, lenient=False)
            counts.update(gold=len(gold_units), predicted=len(predicted_units), matched=len(exact),
                          lenient=len(_match(gold_units, predicted_units, lenient=True)),
                          same_value=sum(1 for g, p in exact if g[2] == p[2]))
        precision, recall = _ratio(counts["matched"], counts["predicted"]), _ratio(counts["matched"], counts["gold"])
        lenient = _f1(_ratio(counts["lenient"], counts["predicted"]), _ratio(counts["lenient"], counts["gold"]))
        value = _ratio(counts["same_value"], counts["matched"]) if layer != "cues" else None
        scores = (precision, recall, _f1(precision, recall), lenient)
        rows.append(LayerScore(layer, counts["gold"], counts["predicted"], counts["matched"],
                               *(bounded_round(score, 3) for score in scores),
                               None if value is None else bounded_round(value, 3)))
    return tuple(rows)


def evaluate(documents: Mapping[str, Document], registry: Mapping[str, RegistryEntity],
             gold: Mapping[str, DocumentAnnotations], *, ner: NerModel | None = None, strict_aliases: bool = False,
             scoring: Totalled | None = None) -> tuple[LayerScore, ...]:
    """Pre-annotate every gold document with its leave-one-out registry and score the result.
    ``scoring``: asked with the number of gold documents, for the ``on_progress`` called after
    each has been pre-annotated."""
    predicted = {}
    on_progress = None if scoring is None else scoring(len(gold))
    for doc_id in sorted(gold):
        annotator = PreAnnotator(leave_one_out(registry, gold, doc_id, strict_aliases), ner)
        predicted[doc_id] = annotator(documents[doc_id]).annotations
        if on_progress is not None:
            on_progress(1)
    return score(gold, predicted)


def table(rows: Iterable[LayerScore]) -> str:
    """A Markdown table of the scores."""
    lines = ["| layer | gold | predicted | exact matches | precision | recall | F1 | lenient F1 | value accuracy |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        value = "-" if row.value_accuracy is None else f"{row.value_accuracy:.3f}"
        lines.append(f"| {row.layer} | {row.gold} | {row.predicted} | {row.matched} | {row.precision:.3f} | "
                     f"{row.recall:.3f} | {row.f1:.3f} | {row.lenient_f1:.3f} | {value} |")
    return "\n".join(lines)


def evaluation_lines(rows: Iterable[LayerScore], note: str, strict_aliases: bool = False) -> list[str]:
    """What ``preannotate --evaluate`` prints: the table, then what the scores rest on (``note``:
    ``evaluate_corpus``'s)."""
    return [table(rows), f"{note}; leave-one-document-out over the committed gold"
            + (", aliases seen only in the scored document dropped too" if strict_aliases else "")]


def evaluation_dict(rows: Iterable[LayerScore], note: str) -> dict:
    """The JSON form of the scores (``preannotate --evaluate --json``)."""
    return {"scores": [asdict(row) for row in rows], "note": note}


def evaluate_corpus(layout, ner_model: str | None = None, strict_aliases: bool = False,
                    scoring: Totalled | None = None, rechecking: Totalled | None = None,
                    reading: Totalled | None = None):
    """``preannotate --evaluate``: per-layer scores against the committed gold (the chosen
    annotations), leave-one-document-out (``evaluate``); and the NER note. ``scoring``: as
    ``evaluate``'s; ``rechecking``, ``reading``: as ``load_chosen``'s. Refused (``invalid-annotations``,
    agreement's rule) when errors in the stored exports left gold units out: a prediction of a
    unit left out would be scored a false positive, silently."""
    from corpus_tools.annotations.agreement import refuse_errors
    from corpus_tools.annotations.consolidate import load_chosen
    from corpus_tools.annotations.registry import load_registry
    from corpus_tools.documents.index import DocumentIndex
    from corpus_tools.preannotate.ner import load_ner

    documents = DocumentIndex(layout)
    registry = load_registry(layout)
    problems: list = []
    gold = load_chosen(layout, documents, registry, problems, reading, rechecking=rechecking)
    refuse_errors(problems, "scored")
    if not gold:  # a table of zeros would read as a score
        from corpus_tools.errors import CorpusError, Location

        raise CorpusError("preannotate-no-gold", "no document has an ingested annotation to score against: "
                          "ingest an export first", Location(file=str(layout.exports)))
    ner = load_ner(ner_model)
    return evaluate(documents, registry, gold, ner=ner, strict_aliases=strict_aliases, scoring=scoring), ner.note
