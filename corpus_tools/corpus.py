"""Documents as everything downstream sees them: raw, checked, normalized."""

from __future__ import annotations

import hashlib
from typing import Iterator

from corpus_tools.layout import Layout
from corpus_tools.normalize import NORMALIZER_VERSION, normalize
from corpus_tools.errors import CorpusError, Location
from corpus_tools.raw import RawText, iter_raw, read_manifest, read_raw
from corpus_tools.records import Document


def text_sha256(text: str) -> str:
    """The fingerprint of a normalized text, as tasks carry it (``text_sha256``)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_document(raw: RawText) -> Document:
    normalized = normalize(raw.text)
    return Document(
        doc_id=raw.record.doc_id,
        title=raw.record.title,
        text=normalized.text,
        metadata=raw.record,
        offset_map=normalized.offset_map,
        removed=normalized.removed,
        normalizer_version=NORMALIZER_VERSION,
        text_sha256=text_sha256(normalized.text),
    )


def iter_documents(layout: Layout) -> Iterator[Document]:
    """Normalized documents in manifest order; the raw corpus is checked whole first."""
    return map(to_document, iter_raw(layout))


def load_documents(layout: Layout) -> dict[str, Document]:
    return {document.doc_id: document for document in iter_documents(layout)}


def load_document(layout: Layout, doc_id: str) -> Document:
    """One document, checking only its own raw file (for looking at one of many thousands)."""
    for record in read_manifest(layout.manifest):
        if record.doc_id == doc_id:
            return to_document(read_raw(layout, record))
    raise CorpusError("unknown-doc-id", f"no document {doc_id!r} in the manifest", Location(file=str(layout.manifest)))
