"""What the pre-annotation saved: how many of its units annotators accepted unchanged.

A unit is one entity mention (span, label, entity_id), one time expression (span, label, value,
mod) or one quote (span, quote_type, and its source span and speaker_id and cue span, or None).
A predicted unit is accepted when the chosen annotation of its document holds the same unit
exactly; a corrected or deleted one is not. Only predictions of the pre-annotator count (their
``model_version`` starts with ``MODEL_NAME``), and only on the task the chosen annotation was
made on. The card says "pre-annotation accepted: N of M units".

Predictions are read from the units tables ingest writes (corpus_tools.annotations.consolidate's
AnnotationIndex builds their records, re-anchored on the current text like every annotation);
the counting compares records.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from corpus_tools.preannotate import MODEL_NAME
from corpus_tools.records import DocumentAnnotations

Unit = tuple


def annotation_units(annotations: DocumentAnnotations) -> set[Unit]:
    units: set[Unit] = {("entity", m.span.start, m.span.end, m.label, m.entity_id) for m in annotations.entities}
    units |= {("timex", t.span.start, t.span.end, t.label, t.value, t.mod) for t in annotations.timexes}
    for q in annotations.quotes:
        source = None if q.source is None else (q.source.span.start, q.source.span.end, q.source.speaker_id)
        cue = None if q.cue is None else (q.cue.span.start, q.cue.span.end)
        units.add(("quote", q.span.start, q.span.end, q.quote_type, source, cue))
    return units


class Acceptance:
    """Counts, as the chosen annotations stream into a release, how many units of the
    pre-annotator's prediction on each one's task the annotator kept unchanged."""

    def __init__(self, predicted: Mapping[str, set[Unit]]):
        """``predicted``: the units of the prediction on each document's chosen task, by doc_id."""
        self._predicted = predicted
        self.accepted = self.total = 0

    @classmethod
    def gather(cls, index) -> "Acceptance":
        """The latest pre-annotator prediction on the task of each chosen annotation, from a
        corpus_tools.annotations.consolidate.AnnotationIndex (predictions are in the units tables),
        kept as its units only: held for the whole release, they need no texts or region ids."""
        return cls({record.doc_id: annotation_units(record)
                    for record in index.records(index.predictions(MODEL_NAME))})

    def attach(self, chosen: Iterable[DocumentAnnotations]) -> Iterable[DocumentAnnotations]:
        for annotations in chosen:
            units = self._predicted.get(annotations.doc_id)
            if units is not None:
                self.accepted += len(units & annotation_units(annotations))
                self.total += len(units)
            yield annotations

    def result(self) -> tuple[int, int] | None:
        """(accepted, predicted) units, or None when no released document was pre-annotated (the
        card then says nothing about it)."""
        return None if not self._predicted else (self.accepted, self.total)
