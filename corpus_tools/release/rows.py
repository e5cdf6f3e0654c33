"""Rows of each release config, built from records one document at a time.

Row builders are pure functions of (document, its annotations, its split); the writer streams
their rows into parquet, so no config is ever held whole in memory. Label columns are written as
ClassLabel ids (positions in corpus_tools.schema's label tuples).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from corpus_tools.errors import CorpusError, Location
from corpus_tools.records import Document, DocumentAnnotations, Evidence, RegistryEntity, Span
from corpus_tools.release import ner
from corpus_tools.release.arrow_schemas import NER_TAGS
from corpus_tools.schema import ENTITY_LABELS, QUOTE_TYPES, TIMEX_LABELS


def _index(names: tuple[str, ...]) -> dict[str, int]:
    return {name: position for position, name in enumerate(names)}


ENTITY_IDS = _index(ENTITY_LABELS)
TIMEX_IDS = _index(TIMEX_LABELS)
QUOTE_TYPE_IDS = _index(QUOTE_TYPES)
NER_TAG_IDS = _index(NER_TAGS)


@dataclass(frozen=True, slots=True)
class DocInput:
    """One document with what the release needs beside it."""

    document: Document
    annotations: DocumentAnnotations
    split: str


def raw_span(document: Document, span: Span) -> tuple[int, int]:
    """Offsets into the decoded raw file, through the normalizer's offset map (corpus_tools.offsets)."""
    if document.offset_map is None:
        raise CorpusError("no-offset-map", "document has no offset map, so its spans cannot be located in the "
                          "raw file; load documents through corpus_tools.corpus", Location(doc_id=document.doc_id))
    raw_start, raw_end = document.offset_map.to_raw(span.start, span.end)
    return int(raw_start), int(raw_end)


def _span_fields(document: Document, span: Span | None, text: str | None, prefix: str = "") -> dict:
    if span is None:
        return {f"{prefix}{name}": None for name in ("start", "end", "raw_start", "raw_end", "text")}
    raw_start, raw_end = raw_span(document, span)
    return {
        f"{prefix}start": span.start, f"{prefix}end": span.end,
        f"{prefix}raw_start": raw_start, f"{prefix}raw_end": raw_end, f"{prefix}text": text,
    }


def _evidence(evidence: Evidence) -> dict:
    return {"kind": evidence.kind, "line": evidence.line, "quote": evidence.quote, "reasoning": evidence.reasoning}


def document_rows(item: DocInput) -> Iterator[dict]:
    doc, meta = item.document, item.document.metadata
    yield {
        "doc_id": doc.doc_id,
        "split": item.split,
        "title": doc.title,
        "text": doc.text,
        "publisher": meta.publisher,
        "publisher_evidence": _evidence(meta.publisher_evidence),
        "publication_date": meta.publication_date,
        "publication_date_precision": meta.publication_date_precision,
        "publication_date_evidence": _evidence(meta.publication_date_evidence),
        "normalizer_version": doc.normalizer_version,
        "raw_file": meta.file,
        "raw_sha256": meta.sha256,
        "raw_encoding": meta.encoding,
        "text_sha256": doc.text_sha256,
    }


def _by_position(records):
    return sorted(records, key=lambda r: (r.span.start, r.span.end, r.id))


def entity_rows(item: DocInput) -> Iterator[dict]:
    for mention in _by_position(item.annotations.entities):
        yield {
            "doc_id": item.document.doc_id,
            "id": mention.id,
            **_span_fields(item.document, mention.span, mention.text),
            "label": ENTITY_IDS[mention.label],
            "entity_id": mention.entity_id,
        }


def timex_rows(item: DocInput) -> Iterator[dict]:
    for timex in _by_position(item.annotations.timexes):
        yield {
            "doc_id": item.document.doc_id,
            "id": timex.id,
            **_span_fields(item.document, timex.span, timex.text),
            "label": TIMEX_IDS[timex.label],
            "value": timex.value,
            "mod": timex.mod,
        }


def quote_rows(item: DocInput) -> Iterator[dict]:
    doc = item.document
    for quote in _by_position(item.annotations.quotes):
        source, cue = quote.source, quote.cue
        yield {
            "doc_id": doc.doc_id,
            "id": quote.id,
            **_span_fields(doc, quote.span, quote.text),
            "quote_type": QUOTE_TYPE_IDS[quote.quote_type],
            "source_id": source.id if source else None,
            **_span_fields(doc, source.span if source else None, source.text if source else None, "source_"),
            "speaker_id": source.speaker_id if source else None,
            "cue_id": cue.id if cue else None,
            **_span_fields(doc, cue.span if cue else None, cue.text if cue else None, "cue_"),
        }


def ner_rows(item: DocInput) -> Iterator[dict]:
    for row in ner.sentence_rows(item.document.doc_id, item.document.text, item.annotations.entities):
        yield {**row, "ner_tags": [NER_TAG_IDS[tag] for tag in row["ner_tags"]]}


def _kb_entity(region_id: str, kind: str, span: Span, text: str, normalized: list[dict]) -> dict:
    return {"id": region_id, "type": kind, "text": [text], "offsets": [[span.start, span.end]], "normalized": normalized}


def _kb_entities(ann: DocumentAnnotations) -> Iterator[dict]:
    for mention in _by_position(ann.entities):
        normalized = [{"db_name": "corpus_tools_registry", "db_id": mention.entity_id}] if mention.entity_id else []
        yield _kb_entity(mention.id, mention.label, mention.span, mention.text, normalized)
    for timex in _by_position(ann.timexes):
        yield _kb_entity(timex.id, timex.label, timex.span, timex.text, [{"db_name": "TIMEX3", "db_id": timex.value}])
    for quote in _by_position(ann.quotes):
        yield _kb_entity(quote.id, "QUOTE", quote.span, quote.text, [])
        if quote.source:
            speaker = quote.source.speaker_id
            normalized = [{"db_name": "corpus_tools_registry", "db_id": speaker}] if speaker else []
            yield _kb_entity(quote.source.id, "SOURCE", quote.source.span, quote.source.text, normalized)
        if quote.cue:
            yield _kb_entity(quote.cue.id, "CUE", quote.cue.span, quote.cue.text, [])


def _kb_relations(ann: DocumentAnnotations) -> Iterator[dict]:
    for quote in _by_position(ann.quotes):
        for kind, target in (("said_by", quote.source), ("cue", quote.cue)):
            if target is not None:
                yield {"id": f"{quote.id}-{kind}", "type": kind, "arg1_id": quote.id, "arg2_id": target.id,
                       "normalized": []}


def kb_rows(item: DocInput) -> Iterator[dict]:
    doc, ann = item.document, item.annotations
    yield {
        "id": doc.doc_id,
        "document_id": doc.doc_id,
        "passages": [{"id": f"{doc.doc_id}-text", "type": "text", "text": [doc.text], "offsets": [[0, len(doc.text)]]}],
        "entities": _dedupe_by_id(_kb_entities(ann)),
        "events": [],
        "coreferences": [],
        "relations": list(_kb_relations(ann)),
    }


def _dedupe_by_id(entities: Iterator[dict]) -> list[dict]:
    """A SOURCE or CUE shared by two quotes is one region: list it once."""
    seen: dict[str, dict] = {}
    for entity in entities:
        seen.setdefault(entity["id"], entity)
    return list(seen.values())


def registry_row(entity: RegistryEntity) -> dict:
    return {
        "id": entity.id,
        "name": entity.name,
        "type": ENTITY_IDS[entity.type],
        "aliases": list(entity.aliases),
        "wikidata": entity.wikidata,
        "description": entity.description,
    }


# config -> rows of one document; entity_registry is not per document (see registry_row)
DOCUMENT_CONFIGS: dict[str, Callable[[DocInput], Iterator[dict]]] = {
    "documents": document_rows,
    "entities": entity_rows,
    "timexes": timex_rows,
    "quotes": quote_rows,
    "ner": ner_rows,
    "kb": kb_rows,
}
