"""Label Studio tasks for the normalized documents, optionally with the corpus's annotations
as predictions, so annotators correct rather than start over.

A task's ``data`` holds exactly schema.TASK_DATA_KEYS. Predictions use the result format of
Label Studio's exports, region by region:

* one ``labels`` result per span (``value``: start, end, text, labels), its id the region id;
* one result per per-region value, sharing that id: ``textarea`` values are
  ``{"start", "end", "text": [value]}`` and ``choices`` values
  ``{"start", "end", "text": <span text>, "choices": [value]}``, as the Label Studio front end
  writes them;
* one ``relation`` result per said_by / cue link (``from_id``, ``to_id``, ``labels``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping

import orjson

from corpus_tools.fsutil import atomic_writer
from corpus_tools.layout import check_output
from corpus_tools.records import Document, DocumentAnnotations, Span
from corpus_tools.schema import LAYERS, REGION_VALUES, TASK_DATA_KEYS, TEXT_NAME

# The model_version of the predictions `adjudicate --push` adds beside a merge, one per annotator:
# the units of theirs the merge left out, for the reviewer to weigh. A part of one person's
# version, so never a prediction to accept as an annotation unless asked for by name.
LEFT_OUT_PREFIX = "adjudication: annotator "

ResultList = list[dict]


def task_data(document: Document) -> dict:
    """The task's ``data``: the schema's task data keys, in the schema's order."""
    values = {
        "text": document.text,
        "doc_id": document.doc_id,
        "title": document.title,
        "publisher": document.metadata.publisher,
        "publication_date": document.metadata.publication_date,
        "text_sha256": document.text_sha256,
        "normalizer_version": document.normalizer_version,
    }
    return {key: values[key] for key in TASK_DATA_KEYS}


def task_key(data: Mapping) -> tuple[str, str]:
    """What makes a task the same task: the document and the exact text it shows."""
    return (data["doc_id"], data["text_sha256"])


def _span_value(span: Span, text: str) -> dict:
    return {"start": span.start, "end": span.end, "text": text}


def _label_result(region_id: str, layer: str, span: Span, text: str, label: str) -> dict:
    if label not in LAYERS[layer].labels:
        raise ValueError(f"region {region_id}: label {label!r} is not in layer {layer!r}")
    return {"id": region_id, "from_name": layer, "to_name": TEXT_NAME, "type": "labels",
            "value": {**_span_value(span, text), "labels": [label]}}


def _textarea_value(span: Span, text: str, value: str) -> dict:
    return {"start": span.start, "end": span.end, "text": [value]}


def _choices_value(span: Span, text: str, value: str) -> dict:
    return {**_span_value(span, text), "choices": [value]}


VALUE_SHAPES = {"TextArea": ("textarea", _textarea_value), "Choices": ("choices", _choices_value)}


def _region_value_result(region_id: str, name: str, span: Span, text: str, value: str | None) -> list[dict]:
    """The per-region result of control ``name``; none when the value is absent."""
    if value is None:
        return []
    result_type, shape = VALUE_SHAPES[REGION_VALUES[name].control]
    return [{"id": region_id, "from_name": name, "to_name": TEXT_NAME, "type": result_type,
             "value": shape(span, text, value)}]


def _relation(from_id: str, to_id: str, name: str) -> dict:
    return {"from_id": from_id, "to_id": to_id, "type": "relation", "direction": "right", "labels": [name]}


def _entity_results(annotations: DocumentAnnotations) -> Iterator[dict]:
    for mention in annotations.entities:
        yield _label_result(mention.id, "entity", mention.span, mention.text, mention.label)
        yield from _region_value_result(mention.id, "entity_id", mention.span, mention.text, mention.entity_id)


def _timex_results(annotations: DocumentAnnotations) -> Iterator[dict]:
    for timex in annotations.timexes:
        yield _label_result(timex.id, "timex", timex.span, timex.text, timex.label)
        yield from _region_value_result(timex.id, "timex_value", timex.span, timex.text, timex.value)
        yield from _region_value_result(timex.id, "timex_mod", timex.span, timex.text, timex.mod)


def _attribution_results(annotations: DocumentAnnotations) -> Iterator[dict]:
    # a SOURCE or CUE may serve several quotes: emit each region once
    emitted: set[str] = set()
    relations: list[dict] = []
    for quote in annotations.quotes:
        yield _label_result(quote.id, "attribution", quote.span, quote.text, "QUOTE")
        yield from _region_value_result(quote.id, "quote_type", quote.span, quote.text, quote.quote_type)
        if quote.source is not None:
            source = quote.source
            if source.id not in emitted:
                emitted.add(source.id)
                yield _label_result(source.id, "attribution", source.span, source.text, "SOURCE")
                yield from _region_value_result(source.id, "speaker_id", source.span, source.text, source.speaker_id)
            relations.append(_relation(quote.id, source.id, "said_by"))
        if quote.cue is not None:
            if quote.cue.id not in emitted:
                emitted.add(quote.cue.id)
                yield _label_result(quote.cue.id, "attribution", quote.cue.span, quote.cue.text, "CUE")
            relations.append(_relation(quote.id, quote.cue.id, "cue"))
    yield from relations


def to_ls_results(doc_annotations: DocumentAnnotations) -> ResultList:
    """One document's annotations as a Label Studio result list (entities, times, attribution,
    then relations), in a fixed order so the same annotations give the same list."""
    return [*_entity_results(doc_annotations), *_timex_results(doc_annotations),
            *_attribution_results(doc_annotations)]


def make_tasks(documents: Iterable[Document], annotations: Mapping[str, DocumentAnnotations] | None = None,
               model_version: str | None = None, preannotations: Mapping[str, dict] | None = None, *,
               wanted: Callable[[dict, str], bool] | None = None) -> Iterator[dict]:
    """Import-ready tasks, one per document, in the order given.

    With ``annotations`` (doc_id -> DocumentAnnotations), a document that has some gets them
    as one prediction whose ``model_version`` names the annotation set they came from. A
    document without any gets its ready-made prediction from ``preannotations`` (doc_id ->
    prediction, corpus_tools.preannotate.run.prediction), if there is one. ``wanted(data,
    version)``: whether the task of ``data`` (its ``task_data``) needs its prediction of
    model_version ``version``; one not wanted is not made (push: every task of the text holds one).
    """
    if annotations is not None and not model_version:
        raise ValueError("predictions need a model_version naming the annotation set they came from")
    for document in documents:
        task: dict = {"data": task_data(document)}
        document_annotations = (annotations or {}).get(document.doc_id)
        if document_annotations is not None:
            if wanted is None or wanted(task["data"], model_version):
                task["predictions"] = [{"model_version": model_version,
                                        "result": to_ls_results(document_annotations)}]
        elif document.doc_id in (preannotations or {}):
            if wanted is None or wanted(task["data"], _version_of(preannotations, document.doc_id)):
                task["predictions"] = [preannotations[document.doc_id]]
        yield task


def _version_of(preannotations: Mapping[str, dict], doc_id: str) -> str:
    """The model_version of a document's pre-annotation: said before it is made by mappings that
    make them when asked (corpus_tools.preannotate.run.PendingPredictions: making one costs more
    than a push of the task), read from it otherwise."""
    known = getattr(preannotations, "model_version", None)
    return known if known is not None else preannotations[doc_id]["model_version"]


def write_tasks(tasks: Iterable[dict], path: Path) -> int:
    """Write the import file (a JSON list, one task per line) atomically; return the task count.

    Streams: tasks are written as they come, into a temporary file beside ``path`` that
    replaces it only when complete.
    """
    check_output(Path(path))
    count = 0
    with atomic_writer(Path(path)) as handle:
        handle.write(b"[")
        for task in tasks:
            handle.write(b"\n" if count == 0 else b",\n")
            handle.write(orjson.dumps(task))
            count += 1
        handle.write(b"\n]\n")
    return count


def annotation_set_name(export_names: Iterable[str]) -> str:
    """The model_version naming an annotation set: a digest of the stored export file names it
    was consolidated from (each name holds its file's SHA-256), so the same annotations/exports/
    gives the same name and any newly ingested export changes it."""
    names = sorted(export_names)
    digest = hashlib.sha256("\n".join(names).encode("utf-8")).hexdigest()[:16]
    return f"annotations@{len(names)}-exports-{digest}"
