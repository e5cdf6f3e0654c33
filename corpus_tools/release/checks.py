"""What a release needs to be true of its inputs, as problems (data).

The ingest validator (corpus_tools.ingest.checks) checks annotations against
the guidelines; these are the checks the release itself depends on: every annotation belongs to
a document of this corpus and was made on its text, every span lies inside that text and covers
the text it claims, every TIMEX3 value is there and one its label takes (ingest's rule,
timex.value_problem), entity spans and timex spans do not overlap (ingest's rule,
errors.flat_overlaps), every registry id it cites exists, and region ids
are unique per document (a SOURCE or CUE that quotes share is one region, given by each of them).
"""

from __future__ import annotations

from collections import Counter
from typing import Iterator, Mapping

from corpus_tools.errors import Location, Problem, flat_overlaps
from corpus_tools.records import Document, DocumentAnnotations, Span
from corpus_tools.schema import FLAT_LAYERS
from corpus_tools.timex import value_problem


def check_registry(registry_ids: Counter) -> Iterator[Problem]:
    for entity_id, count in sorted(registry_ids.items()):
        if count > 1:
            yield Problem("registry-duplicate-id", f"registry id {entity_id!r} appears {count} times")


def check_unknown_documents(documents: Mapping[str, Document],
                            annotations: Mapping[str, DocumentAnnotations]) -> Iterator[Problem]:
    for doc_id in sorted(set(annotations) - set(documents)):
        yield Problem("doc-unknown", f"annotations for {doc_id!r}, which is not in the corpus",
                      _location(annotations[doc_id]))


def check_document(doc_id: str, document: Document, ann: DocumentAnnotations | None,
                   registry_ids: Counter, regions_validated: bool = False) -> Iterator[Problem]:
    """``regions_validated``: the regions were checked upstream against this very text and
    registry (as corpus_tools.annotations.consolidate checks every task it yields), so only what can have
    changed since is checked again: the document and text they belong to, and the registry."""
    if document.doc_id != doc_id:
        yield Problem("doc-id-mismatch", f"keyed {doc_id!r} but is {document.doc_id!r}", Location(doc_id=doc_id))
    if ann is None:
        return
    if regions_validated:
        yield from _check_belonging(doc_id, document, ann)
        yield from _check_registry_ids(ann, registry_ids)
    else:
        yield from _check_annotations(doc_id, document, ann, registry_ids)


def _location(ann: DocumentAnnotations, region_id: str | None = None) -> Location:
    provenance = ann.provenance
    return Location(
        file=provenance.export_file if provenance else None,
        task_id=provenance.task_id if provenance else None,
        doc_id=ann.doc_id,
        annotation_id=provenance.annotation_id if provenance else None,
        region_id=region_id,
    )


def _check_belonging(doc_id: str, document: Document, ann: DocumentAnnotations) -> Iterator[Problem]:
    if ann.doc_id != doc_id:
        yield Problem("doc-id-mismatch", f"keyed {doc_id!r} but annotates {ann.doc_id!r}", _location(ann))
    if not ann.made_on(document):
        yield Problem("annotation-text-mismatch", "annotated text's sha256 differs from the document's: "
                      "the annotation was made on another version of the text", _location(ann))


def _check_registry_ids(ann: DocumentAnnotations, registry_ids: Counter) -> Iterator[Problem]:
    """Every registry id cited that the registry lacks, once each in id order: a mention's
    ``entity_id`` (``entity-id-unknown``), a source's ``speaker_id`` (``speaker-id-unknown``), as
    ingest names them."""
    cited = {(mention.entity_id, "entity-id-unknown"): mention.id for mention in ann.entities
             if mention.entity_id is not None}
    cited.update(((quote.source.speaker_id, "speaker-id-unknown"), quote.source.id) for quote in ann.quotes
                 if quote.source is not None and quote.source.speaker_id is not None)
    for entity_id, code in sorted(key for key in cited if key[0] not in registry_ids):
        yield Problem(code, f"registry id {entity_id!r} is not in the entity registry",
                      _location(ann, cited[entity_id, code]))


def _check_annotations(doc_id: str, document: Document, ann: DocumentAnnotations,
                       registry_ids: Counter) -> Iterator[Problem]:
    yield from _check_belonging(doc_id, document, ann)
    seen: dict[str, tuple[str, Span, str | None]] = {}
    for region_id, kind, span, text, speaker in _regions(ann):
        where = _location(ann, region_id)
        if region_id not in seen:
            seen[region_id] = (kind, span, speaker)
        elif (clash := region_clash(seen[region_id], kind, span, speaker, where)) is not None:
            yield clash
        if span.end > len(document.text):
            yield Problem("offset-out-of-range", f"span [{span.start}, {span.end}) runs past the text "
                          f"({len(document.text)} code points)", where)
        elif span.of(document.text) != text:
            yield Problem("span-text-mismatch", f"span [{span.start}, {span.end}) covers "
                          f"{span.of(document.text)!r}, record says {text!r}", where)
    yield from _check_timex_values(ann)
    yield from _check_flat_layers(ann)
    yield from _check_registry_ids(ann, registry_ids)


def _check_timex_values(ann: DocumentAnnotations) -> Iterator[Problem]:
    """Ingest's rule (timex.value_problem, with its codes): a value ingest would refuse, such as
    "2024 04", was written into the timexes config of a release built from records, and a None
    one was called invalid where ingest calls it missing."""
    for timex in ann.timexes:
        if (problem := value_problem(timex.value, timex.label)) is not None:
            yield Problem(*problem, _location(ann, timex.id))


def _check_flat_layers(ann: DocumentAnnotations) -> Iterator[Problem]:
    """Ingest's rule (errors.flat_overlaps): the ner config gives each token one mention's tag, so
    an overlapped mention would vanish from it (and from the CoNLL export), spaCy's ``doc.ents``
    holds no overlap (its export would fail), and overlapping time expressions, which ingest
    refuses, were released."""
    units = {"entity": ann.entities, "timex": ann.timexes}
    for layer in FLAT_LAYERS:
        regions = ((unit, unit.id, (unit.span.start, unit.span.end)) for unit in units[layer])
        for unit, code, message in flat_overlaps(layer, regions):
            yield Problem(code, message, _location(ann, unit.id))


# the regions that several records may give, one region each time: a SOURCE or CUE that quotes share
_SHARED = ("source", "cue")


def region_clash(first: tuple[str, Span | tuple[int, int], str | None], kind: str, span: Span | tuple[int, int],
                 speaker: str | None, where: Location) -> Problem | None:
    """What is wrong with a region id given a second time, to a region of ``kind`` on ``span`` (a
    Span, or its (start, end): only compared; ``speaker``: a source's speaker_id), where it named
    ``first`` (kind, span, speaker) before; None for a source or cue that quotes share (one region
    on each quote's row). The one rule of build and of the readers that find a region by its id
    (export, view: read_documents)."""
    if first[1] != span:
        return Problem("region-id-duplicate", "region id used for two spans", where)
    if not (kind == first[0] and kind in _SHARED):
        # one span, but two regions (a mention and a time expression, two mentions): the readers
        # that know a region by its id (the kb config, brat) would keep the first only
        return Problem("region-id-duplicate", "region id used for two regions on one span: "
                       + (f"two {kind}s" if kind == first[0] else f"a {first[0]} and a {kind}"), where)
    if speaker != first[2]:
        # a source that quotes share has one speaker: the kb config, brat and spaCy give it the first
        return Problem("region-value-duplicate", f"the source is given two speaker_ids, {first[2]!r} and "
                       f"{speaker!r}", where)
    return None


def _regions(ann: DocumentAnnotations) -> Iterator[tuple[str, str, Span, str, str | None]]:
    """(region id, kind, span, claimed text, speaker_id of a source) of every region of every layer."""
    for mention in ann.entities:
        yield mention.id, "mention", mention.span, mention.text, None
    for timex in ann.timexes:
        yield timex.id, "time expression", timex.span, timex.text, None
    for quote in ann.quotes:
        yield quote.id, "quote", quote.span, quote.text, None
        if quote.source is not None:
            yield quote.source.id, "source", quote.source.span, quote.source.text, quote.source.speaker_id
        if quote.cue is not None:
            yield quote.cue.id, "cue", quote.cue.span, quote.cue.text, None
