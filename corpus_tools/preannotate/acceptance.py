"""What the pre-annotation saved: how many of its units annotators accepted unchanged.

A unit is one entity mention (span, label, entity_id), one time expression (span, label, value,
mod) or one quote (span, quote_type, and its source span and speaker_id and cue span, or None).
A predicted unit is accepted when the chosen annotation of its document holds the same unit
exactly; a corrected or deleted one is not. Only predictions of the pre-annotator count (their
``model_version`` starts with ``MODEL_NAME``), and only on the task the chosen annotation was
made on. The card says "pre-annotation accepted: N of M units".

Predictions are read from the units tables ingest writes (corpus_tools.annotations.consolidate's
AnnotationIndex builds their records, re-anchored on the current text like every annotation),
streaming beside the chosen annotations; the counting compares records.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from corpus_tools.annotations.agreement import LAYER_NAMES, unit_key
from corpus_tools.preannotate import MODEL_NAME
from corpus_tools.records import DocumentAnnotations

Unit = tuple


def annotation_units(annotations: DocumentAnnotations) -> set[Unit]:
    """The annotation's units, each as its layer and ``unit_key``: a unit is kept when the same key
    is in both."""
    return {(layer, unit_key(layer, record)) for layer in LAYER_NAMES for record in getattr(annotations, layer)}


class Acceptance:
    """Counts, as the chosen annotations stream into a release, how many units of the
    pre-annotator's prediction on each one's task the annotator kept unchanged.

    The predictions stream alongside the chosen annotations, in the same order (the stored
    exports', then their tasks'), and each is paired with the chosen annotation of its task as
    the two go by: a release holds one prediction at a time, not the units of every
    pre-annotated document (which grow with the corpus: every added article is pre-annotated)."""

    def __init__(self, predictions: Iterable[DocumentAnnotations]):
        """``predictions``: the records of the prediction on chosen annotations' tasks (at most one
        a task), in the order the chosen annotations will come in; read as they are needed."""
        self._predictions = iter(predictions)
        self.accepted = self.total = self.predicted = 0

    @classmethod
    def gather(cls, index) -> "Acceptance":
        """The latest pre-annotator prediction on the task of each chosen annotation, streamed
        from a corpus_tools.annotations.consolidate.AnnotationIndex (predictions are in the units
        tables, read in doc_id order, as the chosen annotations are)."""
        return cls(index.records(index.predictions(MODEL_NAME)))

    def attach(self, chosen: Iterable[DocumentAnnotations]) -> Iterator[DocumentAnnotations]:
        waiting = next(self._predictions, None)
        for annotations in chosen:
            if waiting is not None and _place(waiting) == _place(annotations):
                units = annotation_units(waiting)
                self.accepted += len(units & annotation_units(annotations))
                self.total += len(units)
                self.predicted += 1
                waiting = next(self._predictions, None)
            yield annotations
        if waiting is not None:  # a bug, not an input: the two streams must share their order
            raise RuntimeError(f"the prediction at {_place(waiting)} matched no chosen annotation in order")

    def result(self) -> tuple[int, int] | None:
        """(accepted, predicted) units, or None when no released document was pre-annotated (the
        card then says nothing about it)."""
        return None if not self.predicted else (self.accepted, self.total)


def _place(annotations: DocumentAnnotations) -> tuple[str, int, str]:
    """Export, task id and document: a task id alone need not be unique in an export."""
    return annotations.provenance.export_file, annotations.provenance.task_id, annotations.doc_id
