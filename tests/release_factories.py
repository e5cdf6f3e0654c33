"""Records for release tests: the five seed articles as documents, with hand-made annotations;
and copies of a release edited as other code may write one (``resummed``).

Until corpus_tools.documents.index and corpus_tools.documents.offsets land, documents are built here from raw/
with the text as its own normalization (an offset map that shifts by a constant, so raw and
normalized offsets differ and tests can tell them apart).
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from conftest import SEED_DOC_IDS
from corpus_tools.records import (
    Cue, Document, DocumentAnnotations, EntityMention, Evidence, ManifestRecord, Provenance, Quote,
    RegistryEntity, Source, Span, TimeExpression,
)
from corpus_tools.release.checksums import SUMS_FILE, sums_text

RAW = Path(__file__).resolve().parent.parent / "raw"
RAW_PREFIX = 3  # pretend normalization dropped 3 leading code points (a BOM and a blank line)


@dataclass(frozen=True)
class ShiftMap:
    shift: int

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        return start + self.shift, end + self.shift

    def to_raw_many(self, spans) -> list[tuple[int, int]]:  # as OffsetMap's: the release batches its lookups
        return [self.to_raw(start, end) for start, end in spans]


def document(doc_id: str, text: str, *, publisher: str | None = "Reuters", date: str | None = "2024-04-25") -> Document:
    stated = Evidence("stated", line=1, quote=text.split("\n", 1)[0])
    none = Evidence("none")
    meta = ManifestRecord(
        doc_id=doc_id, file=f"{doc_id}.txt", sha256=hashlib.sha256(text.encode()).hexdigest(),
        size=len(text.encode()), encoding="utf-8", title=text.split("\n", 1)[0][:80],
        publisher=publisher, publisher_evidence=stated if publisher else none,
        publication_date=date, publication_date_precision="day" if date else None,
        publication_date_evidence=stated if date else none,
    )
    return Document(doc_id=doc_id, title=meta.title, text=text, metadata=meta, offset_map=ShiftMap(RAW_PREFIX),
                    removed=(), normalizer_version="test-1", text_sha256=hashlib.sha256(text.encode()).hexdigest())


def seed_documents() -> dict[str, Document]:
    """The five seed articles only (not every file of raw/, which grows): the figures the
    release tests assert (documents, splits, shards, card and changelog counts) rest on them."""
    return {doc_id: document(doc_id, (RAW / f"{doc_id}.txt").read_text(encoding="utf-8")) for doc_id in SEED_DOC_IDS}


def span_of(text: str, needle: str, occurrence: int = 0) -> Span:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return Span(start, start + len(needle))


def mention(doc: Document, region_id: str, needle: str, label: str, entity_id: str | None = None, occurrence: int = 0):
    span = span_of(doc.text, needle, occurrence)
    return EntityMention(region_id, doc.doc_id, span, span.of(doc.text), label, entity_id)


REGISTRY = (
    RegistryEntity("bashar-al-assad", "Bashar al-Assad", "PERSON", ("Assad", "al-Assad"), "Q44329", "President of Syria"),
    RegistryEntity("syria", "Syria", "GPE", (), "Q858", "Country in Western Asia"),
    RegistryEntity("united-states", "United States", "GPE", ("US", "Washington"), "Q30", "Country in North America"),
    RegistryEntity("afp", "Agence France-Presse", "ORG", ("AFP",), None, "News agency"),
)


def annotations_for(doc: Document) -> DocumentAnnotations:
    """A few regions of every layer in document 000 (the Assad interview)."""
    text = doc.text
    quote_span = span_of(text, '"There is always hope: even when we know there will be no results we must try,"')
    he = span_of(text, "he said when")  # the source is "he", the cue "said"
    quote = Quote(
        "q1", doc.doc_id, quote_span, quote_span.of(text), "direct",
        Source("s1", Span(he.start, he.start + 2), "he", "bashar-al-assad"),
        Cue("c1", Span(he.start + 3, he.start + 7), "said"),
    )
    sunday = span_of(text, "Sunday")
    return DocumentAnnotations(
        doc_id=doc.doc_id,
        entities=(
            mention(doc, "e1", "Bashar Al-Assad", "PERSON", "bashar-al-assad", 2),
            mention(doc, "e2", "Syria", "GPE", "syria", 1),
            mention(doc, "e3", "Washington", "GPE", "united-states"),
            mention(doc, "e4", "AFP", "ORG", "afp"),
        ),
        timexes=(TimeExpression("t1", doc.doc_id, sunday, "Sunday", "DATE", "XXXX-WXX-7"),),
        quotes=(quote,),
        provenance=Provenance("annotations/exports/test.json", 1, 11, "annotator@example.org",
                              "2024-05-02T10:00:00Z", "latest"),
        text_sha256=doc.text_sha256,
    )


def seed_inputs():
    """The seed documents; the first with its annotations, the others annotated with nothing
    found (a document nobody annotated has no rows but its documents row)."""
    documents = seed_documents()
    first = sorted(documents)[0]
    return documents, {doc_id: annotations_for(documents[first]) if doc_id == first else
                       DocumentAnnotations(doc_id, (), (), ()) for doc_id in sorted(documents)}, REGISTRY


def synthetic_document(doc_id: str) -> Document:
    return document(doc_id, f"Officials in Washington met on Monday.\nSyria said nothing about {doc_id}.\n",
                    publisher=None, date=None)


def synthetic_annotations(doc: Document) -> DocumentAnnotations:
    return DocumentAnnotations(
        doc_id=doc.doc_id,
        entities=(mention(doc, "w", "Washington", "GPE", "united-states"), mention(doc, "s", "Syria", "GPE", "syria")),
        timexes=(TimeExpression("m", doc.doc_id, span_of(doc.text, "Monday"), "Monday", "DATE", "XXXX-WXX-1"),),
        quotes=(),
    )


# doc ids whose sha256 bucket designates validation (the first ten) and test (the last ten):
# as many as corpus_tools.release.splits.MIN_SPLIT_DOCUMENTS, so that both splits are declared
VALIDATION_IDS = ("synthetic-017", "synthetic-070", "synthetic-075", "synthetic-080", "synthetic-085",
                  "synthetic-091", "synthetic-117", "synthetic-132", "synthetic-145", "synthetic-165")
TEST_IDS = ("synthetic-000", "synthetic-001", "synthetic-026", "synthetic-051", "synthetic-061",
            "synthetic-066", "synthetic-069", "synthetic-086", "synthetic-089", "synthetic-093")
SPLIT_SPREAD_IDS = VALIDATION_IDS + TEST_IDS


def spread_inputs(extra: int = 0, ids: tuple[str, ...] = SPLIT_SPREAD_IDS):
    """The seed inputs plus synthetic documents (``ids``: enough to declare validation and test)
    and ``extra`` more."""
    documents, annotations, registry = seed_inputs()
    ids = ids + tuple(f"bulk-{i:05d}" for i in range(extra))
    for doc_id in ids:
        documents[doc_id] = synthetic_document(doc_id)
        annotations[doc_id] = synthetic_annotations(documents[doc_id])
    return documents, annotations, registry


def resummed(release: Path, target: Path, edit) -> Path:
    """A copy of ``release`` at ``target`` changed by ``edit(target)``, with SHA256SUMS written
    again: it verifies, so only the readers can catch what was changed."""
    shutil.copytree(release, target)
    edit(target)
    (target / SUMS_FILE).write_text(sums_text(target))
    return target


def shard_rows_edited(shard: Path, edit) -> None:
    """The parquet file ``shard`` written again with its rows (as dicts) edited by ``edit(rows)``, in
    place or as the list it returns, and its own schema (its features too): only the rows differ."""
    table = pq.read_table(shard)
    rows = table.to_pylist()
    edited = edit(rows)
    pq.write_table(pa.Table.from_pylist(rows if edited is None else edited, schema=table.schema), shard)


def first_row(edit):
    """An edit for ``shard_rows_edited``: the first row changed by ``edit(row)`` in place (what
    ``edit`` returns, a popped item say, is not rows)."""
    def edited(rows: list[dict]) -> None:
        edit(rows[0])
    return edited
