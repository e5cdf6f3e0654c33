"""What the pre-annotation saved: how many of its units annotators accepted unchanged.

A unit is one entity mention (span, label, entity_id), one time expression (span, label, value,
mod) or one quote (span, quote_type, and its source span and speaker_id and cue span, or None).
A predicted unit is accepted when the chosen annotation of its document holds the same unit
exactly; a corrected or deleted one is not. Only predictions of the pre-annotator count (their
``model_version`` starts with ``MODEL_NAME``), and only on the task the chosen annotation was
made on. The card says "pre-annotation accepted: N of M units".

The counting (``prediction_units``, ``annotation_units``, ``count_accepted``) is pure over records;
``_stored_predictions`` is the one place that reads predictions from the stored exports, kept
apart so that it can be replaced when ingest stores predictions in its own tables.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from corpus_tools.layout import Layout
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


def prediction_units(result: Iterable[dict]) -> set[Unit]:
    """The units of a Label Studio result list in the format of ``labelstudio.tasks.to_ls_results``."""
    regions: dict[str, dict] = {}
    values: dict[tuple[str, str], str] = {}
    relations: dict[tuple[str, str], str] = {}
    for item in result:
        if item.get("type") == "relation":
            relations[(item["from_id"], item["labels"][0])] = item["to_id"]
        elif item.get("type") == "labels":
            regions[item["id"]] = {"layer": item["from_name"], "start": item["value"]["start"],
                                   "end": item["value"]["end"], "label": item["value"]["labels"][0]}
        elif item.get("type") == "textarea":
            values[(item["id"], item["from_name"])] = item["value"]["text"][0]
        elif item.get("type") == "choices":
            values[(item["id"], item["from_name"])] = item["value"]["choices"][0]
    units: set[Unit] = set()
    for region_id, region in regions.items():
        where = (region["start"], region["end"])
        if region["layer"] == "entity":
            units.add(("entity", *where, region["label"], values.get((region_id, "entity_id"))))
        elif region["layer"] == "timex":
            units.add(("timex", *where, region["label"], values.get((region_id, "timex_value")),
                       values.get((region_id, "timex_mod"))))
        elif region["label"] == "QUOTE":
            source_id, cue_id = relations.get((region_id, "said_by")), relations.get((region_id, "cue"))
            source = regions.get(source_id)
            cue = regions.get(cue_id)
            units.add(("quote", *where, values.get((region_id, "quote_type")),
                       None if source is None else (source["start"], source["end"],
                                                    values.get((source_id, "speaker_id"))),
                       None if cue is None else (cue["start"], cue["end"])))
    return units


def count_accepted(predicted: Mapping[str, Iterable[dict]], chosen: Mapping[str, DocumentAnnotations]
                   ) -> tuple[int, int]:
    """(accepted, predicted) units over the documents that have both a pre-annotation result
    (doc_id -> result list) and a chosen annotation."""
    accepted = total = 0
    for doc_id, result in predicted.items():
        if doc_id not in chosen:
            continue
        units = prediction_units(result)
        accepted += len(units & annotation_units(chosen[doc_id]))
        total += len(units)
    return accepted, total


def _stored_predictions(layout: Layout) -> dict[tuple[str, int], list[dict]]:
    """(stored export file name, task id) -> the result of the task's latest pre-annotator
    prediction, read from the stored exports."""
    from corpus_tools.ingest import stored_exports
    from corpus_tools.ingest.reader import iter_tasks

    found: dict[tuple[str, int], list[dict]] = {}
    for stored in stored_exports(layout):
        for task in iter_tasks(stored.export):
            # exports made with Label Studio's defaults list prediction ids only; an annotation
            # made from a prediction still carries that prediction in full
            candidates = [*(task.get("predictions") or ()),
                          *(a.get("prediction") for a in task.get("annotations") or () if isinstance(a, dict))]
            ours = [p for p in candidates
                    if isinstance(p, dict) and str(p.get("model_version") or "").startswith(MODEL_NAME)]
            if ours:
                latest = max(ours, key=lambda p: (p.get("created_at") or "", p.get("id") or 0))
                found[(stored.name, task["id"])] = latest.get("result") or []
    return found


def preannotation_acceptance(layout: Layout, documents, registry) -> tuple[int, int] | None:
    """(accepted, predicted) units for the card, or None when no stored task carries a
    pre-annotation (so a corpus that never used it gets the same card as before)."""
    stored = _stored_predictions(layout)
    if not stored:
        return None
    from corpus_tools.annotations.consolidate import load_annotation_set

    chosen = load_annotation_set(layout, documents, registry).chosen
    predicted = {doc_id: stored[key] for doc_id, annotations in chosen.items() if annotations.provenance is not None
                 and (key := (annotations.provenance.export_file, annotations.provenance.task_id)) in stored}
    return count_accepted(predicted, chosen)
