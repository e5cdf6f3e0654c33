"""Rows of each release config, built from records a small group of documents at a time.

Row builders are pure functions of documents (each with its annotations and split) and give
their rows as columns (one per field, in the forms of corpus_tools.release.columns: lists, and
flat list and struct columns where rows nest); ``DOCUMENT_CONFIGS`` gives each config's rows of
a group of documents, one document's after another (each builds the group's at once: fewer
calls per row, and no per-document columns to join). The writer streams them into
parquet, so no config is ever held whole in memory. Label columns are written as ClassLabel
ids (positions in corpus_tools.schema's label tuples).
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field
from itertools import chain
from typing import Callable, Mapping

import numpy as np

from corpus_tools.errors import CorpusError, Location
from corpus_tools.records import Document, DocumentAnnotations, Evidence, RegistryEntity, Span, UnitProvenance
import corpus_tools.release.ner as ner
from corpus_tools.release.arrow_schemas import NER_TAGS
from corpus_tools.release.columns import Column, Flat, Struct
from corpus_tools.release.splits import fold_of
from corpus_tools.schema import ENTITY_LABELS, QUOTE_TYPES, TIMEX_LABELS


def _index(names: tuple[str, ...]) -> dict[str, int]:
    return {name: position for position, name in enumerate(names)}


ENTITY_IDS = _index(ENTITY_LABELS)
TIMEX_IDS = _index(TIMEX_LABELS)
# the kb config's db_names of the attributes it gives as normalizations (see _kb_regions)
TIMEX_MOD = "TIMEX3_mod"
QUOTE_TYPE = "quote_type"
QUOTE_TYPE_IDS = _index(QUOTE_TYPES)
NER_TAG_IDS = _index(NER_TAGS)


# Struct values as named tuples in the schema's field order: Arrow converts tuples to structs
# by position, over thirty times faster than dicts by key. (The kb config, mostly structs, gives
# them as flat struct columns instead: corpus_tools.release.columns.)
EvidenceStruct = namedtuple("EvidenceStruct", "kind line quote reasoning")


@dataclass(frozen=True, slots=True)
class DocInput:
    """One document with what the release needs beside it; each layer's records in position order
    (start, end, id), sorted once here for all the configs that list them, and the annotations'
    unit provenance by region id, for the three configs that look their units up in it."""

    document: Document
    annotations: DocumentAnnotations
    split: str
    fold: int = 0
    entities: tuple = ()
    timexes: tuple = ()
    quotes: tuple = ()
    unit_provenance: Mapping[str, UnitProvenance] = field(default_factory=dict)
    annotated: bool = True  # False: nobody annotated it yet, so it has no rows but its documents row

    @classmethod
    def of(cls, document: Document, annotations: DocumentAnnotations, split: str,
           annotated: bool = True) -> "DocInput":
        return cls(document, annotations, split, fold_of(document.doc_id), _by_position(annotations.entities),
                   _by_position(annotations.timexes), _by_position(annotations.quotes),
                   dict(annotations.unit_provenance), annotated)


def raw_span(document: Document, span: Span) -> tuple[int, int]:
    """Offsets into the decoded raw file, through the normalizer's offset map (corpus_tools.documents.offsets)."""
    if document.offset_map is None:
        raise CorpusError("no-offset-map", "document has no offset map, so its spans cannot be located in the "
                          "raw file; load documents through corpus_tools.documents.index", Location(doc_id=document.doc_id))
    raw_start, raw_end = document.offset_map.to_raw(span.start, span.end)
    return int(raw_start), int(raw_end)


def _span_columns(spans: list[tuple[Document, list[Span | None]]], texts: list[str | None],
                  prefix: str = "") -> dict[str, Column]:
    """Offsets, raw offsets and covered text of each span, as columns (None where there is no span):
    the spans of several documents, given as (document, its spans) in row order. Where every row
    has a span (always so for entities, timexes and quotes) the offsets are numpy arrays, which
    Arrow converts without a Python object per value."""
    every = [span for _, document_spans in spans for span in document_spans]
    raw = [pair for document, document_spans in spans for pair in _raw_spans(document, document_spans)]
    if any(span is None for span in every):
        offsets = {"start": [span.start if span is not None else None for span in every],
                   "end": [span.end if span is not None else None for span in every],
                   "raw_start": [start for start, _ in raw], "raw_end": [end for _, end in raw]}
    else:
        raw_bounds = np.fromiter(chain.from_iterable(raw), np.int64, 2 * len(raw)).reshape(-1, 2)
        offsets = {"start": np.fromiter((span.start for span in every), np.int64, len(every)),
                   "end": np.fromiter((span.end for span in every), np.int64, len(every)),
                   "raw_start": raw_bounds[:, 0].copy(), "raw_end": raw_bounds[:, 1].copy()}
    return {**{prefix + name: column for name, column in offsets.items()}, f"{prefix}text": texts}


def _raw_spans(document: Document, spans: list[Span | None]) -> list[tuple]:
    """``raw_span`` of each span, (None, None) where there is none: one batched lookup."""
    if document.offset_map is None:
        return [raw_span(document, span) if span is not None else (None, None) for span in spans]  # raises
    mapped = document.offset_map.to_raw_many([(span.start, span.end) for span in spans if span is not None])
    if len(mapped) == len(spans):  # the common case (always so for entities and timexes)
        return mapped
    mapped = iter(mapped)
    return [next(mapped) if span is not None else (None, None) for span in spans]


def _evidence(evidence: Evidence) -> tuple:
    return EvidenceStruct(evidence.kind, evidence.line, evidence.quote, evidence.reasoning)


Columns = tuple[dict[str, Column], int]  # one column per field (see release.columns), and the number of rows


def one_row(row: dict) -> Columns:
    return {name: [value] for name, value in row.items()}, 1


def document_rows(items: list[DocInput]) -> Columns:
    rows = [_document_row(item) for item in items]
    return {name: [row[name] for row in rows] for name in rows[0]}, len(rows)


def _document_row(item: DocInput) -> dict:
    doc, meta = item.document, item.document.metadata
    return {
        "doc_id": doc.doc_id,
        "split": item.split,
        "fold": item.fold,
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


def _by_position(records) -> tuple:
    return tuple(sorted(records, key=lambda r: (r.span.start, r.span.end, r.id)))


# The entity, timex and quote rows of several documents at once, in one list per column: a
# document's rows are its records in position order (DocInput), documents one after another.

def _unit_rows(items: list[DocInput], layer: str, own: Callable[[list], dict[str, Column]]) -> Columns:
    """The rows of the records of ``layer`` of ``items``: the columns every unit config begins
    with (document, fold, id, span), the layer's own (``own`` of the records, in row order), then
    each unit's provenance (arrow_schemas._unit_columns), null where none was computed."""
    units = [unit for item in items for unit in getattr(item, layer)]
    provenance = [item.unit_provenance.get(unit.id) for item in items for unit in getattr(item, layer)]
    return {
        "doc_id": [item.document.doc_id for item in items for _ in getattr(item, layer)],
        "fold": np.repeat([item.fold for item in items], [len(getattr(item, layer)) for item in items]),
        "id": [unit.id for unit in units],
        **_span_columns([(item.document, [unit.span for unit in getattr(item, layer)]) for item in items],
                        [unit.text for unit in units]),
        **own(units),
        "agreed_by": [None if unit is None else unit.agreed_by for unit in provenance],  # tuples: Arrow lists
        "annotators": [None if unit is None else unit.annotators for unit in provenance],
        "adjudicated": [None if unit is None else unit.adjudicated for unit in provenance],
    }, len(units)


def entity_rows(items: list[DocInput]) -> Columns:
    return _unit_rows(items, "entities", lambda mentions: {
        "label": [ENTITY_IDS[mention.label] for mention in mentions],
        "entity_id": [mention.entity_id for mention in mentions],
    })


def timex_rows(items: list[DocInput]) -> Columns:
    return _unit_rows(items, "timexes", lambda timexes: {
        "label": [TIMEX_IDS[timex.label] for timex in timexes],
        "value": [timex.value for timex in timexes],
        "mod": [timex.mod for timex in timexes],
    })


def quote_rows(items: list[DocInput]) -> Columns:
    return _unit_rows(items, "quotes", lambda quotes: {
        "quote_type": [QUOTE_TYPE_IDS[quote.quote_type] for quote in quotes],
        **_quote_part_columns(items, "source"),
        "speaker_id": [quote.source.speaker_id if quote.source else None for quote in quotes],
        **_quote_part_columns(items, "cue"),
    })


def _quote_part_columns(items: list[DocInput], part: str) -> dict[str, Column]:
    """The id, span and text columns of each quote's ``part`` (source or cue), null where it has none."""
    regions = [[getattr(quote, part) for quote in item.quotes] for item in items]
    every = [region for document_regions in regions for region in document_regions]
    return {f"{part}_id": [region.id if region else None for region in every],
            **_span_columns([(item.document, [region.span if region else None for region in document_regions])
                             for item, document_regions in zip(items, regions)],
                            [region.text if region else None for region in every], f"{part}_")}


def ner_rows(items: list[DocInput]) -> Columns:
    """The ner rows of several documents at once (see ner.documents_columns)."""
    return ner.documents_columns([(item.document.doc_id, item.document.text, item.annotations.entities)
                                  for item in items], NER_TAG_IDS, {"fold": [item.fold for item in items]})


def _kb_regions(item: DocInput) -> tuple[list, list[str], list[list[tuple[str, str]]]]:
    """The records (with ``id``, ``span`` and ``text``) of every region, in kb order, with each
    one's type and normalized (db_name, db_id) pairs; each region once: a SOURCE or CUE shared by
    two quotes (or any region id given twice) is listed where it first appears.

    BigBIO's KB schema has no field for a region's attributes, only ``normalized`` (one or more
    pairs), so the annotators' attributes go there too, each under its own db_name: a time
    expression's TIMEX3 value, then its mod if it has one (``TIMEX3_mod``), and a quote's type
    (``quote_type``), the values of the timexes and quotes configs' columns."""
    records = [*item.entities, *item.timexes]
    kinds = [mention.label for mention in item.entities] + [timex.label for timex in item.timexes]
    links = [_registry_link(mention.entity_id) for mention in item.entities]
    links += [[("TIMEX3", timex.value)] + ([(TIMEX_MOD, timex.mod)] if timex.mod else []) for timex in item.timexes]
    for quote in item.quotes:
        records.append(quote)
        kinds.append("QUOTE")
        links.append([(QUOTE_TYPE, quote.quote_type)])
        if quote.source:
            records.append(quote.source)
            kinds.append("SOURCE")
            links.append(_registry_link(quote.source.speaker_id))
        if quote.cue:
            records.append(quote.cue)
            kinds.append("CUE")
            links.append([])
    first = {}
    for index, record in enumerate(records):
        first.setdefault(record.id, index)
    if len(first) == len(records):  # the common case: nothing to drop
        return records, kinds, links
    kept = sorted(first.values())
    return [records[index] for index in kept], [kinds[index] for index in kept], [links[index] for index in kept]


def _registry_link(entity_id: str | None) -> list[tuple[str, str]]:
    return [("corpus_tools_registry", entity_id)] if entity_id else []


def _kb_entities(items: list[DocInput]) -> Flat:
    """Each document's one row of ``entities``: each region's text and offsets as one-item lists
    (BigBIO allows discontinuous regions; ours are one span), as flat columns."""
    records, kinds, links, per_document = [], [], [], []
    for item in items:
        document_records, document_kinds, document_links = _kb_regions(item)
        records += document_records
        kinds += document_kinds
        links += document_links
        per_document.append(len(document_records))
    spans = [record.span for record in records]
    offsets = np.empty((len(spans), 2), dtype=np.int64)
    offsets[:, 0] = np.fromiter((span.start for span in spans), np.int64, len(spans))
    offsets[:, 1] = np.fromiter((span.end for span in spans), np.int64, len(spans))
    ones = np.ones(len(records), dtype=np.int64)
    pairs = [pair for region_links in links for pair in region_links]
    return Flat(Struct({
        "id": [record.id for record in records],
        "type": kinds,
        "text": Flat([record.text for record in records], ones),
        "offsets": Flat(Flat(offsets.ravel(), ones * 2), ones),
        "normalized": Flat(Struct({"db_name": [name for name, _ in pairs], "db_id": [db_id for _, db_id in pairs]}),
                           np.fromiter((len(region_links) for region_links in links), np.int64, len(links))),
    }), per_document)


def _kb_relations(items: list[DocInput]) -> Flat:
    per_document = [[(f"{quote.id}-{kind}", kind, quote.id, target.id)
                     for quote in item.quotes for kind, target in (("said_by", quote.source), ("cue", quote.cue))
                     if target is not None] for item in items]
    relations = [relation for relations in per_document for relation in relations]
    ids, kinds, firsts, seconds = zip(*relations) if relations else ((), (), (), ())
    return Flat(Struct({
        "id": ids, "type": kinds, "arg1_id": firsts, "arg2_id": seconds,
        "normalized": Flat(Struct({"db_name": [], "db_id": []}), np.zeros(len(relations), dtype=np.int64)),
    }), [len(relations) for relations in per_document])


def _kb_passages(documents: list[Document]) -> Flat:
    ones = np.ones(len(documents), dtype=np.int64)
    return Flat(Struct({
        "id": [f"{doc.doc_id}-text" for doc in documents],
        "type": ["text"] * len(documents),
        "text": Flat([doc.text for doc in documents], ones),
        "offsets": Flat(Flat([offset for doc in documents for offset in (0, len(doc.text))], ones * 2), ones),
    }), ones)


def kb_rows(items: list[DocInput]) -> Columns:
    """The kb rows (one per annotated document) of several documents at once."""
    documents = [item.document for item in items]
    return {
        "id": [doc.doc_id for doc in documents],
        "document_id": [doc.doc_id for doc in documents],
        "fold": [item.fold for item in items],
        "passages": _kb_passages(documents),
        "entities": _kb_entities(items),
        "events": [[]] * len(items),
        "coreferences": [[]] * len(items),
        "relations": _kb_relations(items),
    }, len(items)


def registry_row(entity: RegistryEntity) -> dict:
    return {
        "id": entity.id,
        "name": entity.name,
        "type": ENTITY_IDS[entity.type],
        "aliases": list(entity.aliases),
        "wikidata": entity.wikidata,
        "description": entity.description,
    }


# config -> rows of several documents (in order, all of one split); entity_registry is not per
# document (see registry_row)
DOCUMENT_CONFIGS: dict[str, Callable[[list[DocInput]], Columns]] = {
    "documents": document_rows,
    "entities": entity_rows,
    "timexes": timex_rows,
    "quotes": quote_rows,
    "ner": ner_rows,
    "kb": kb_rows,
}
