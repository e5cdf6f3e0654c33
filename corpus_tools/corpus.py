"""Documents as everything downstream sees them: raw, checked, normalized.

Two ways to get them: ``load_documents`` (a dict of all of them, for small callers and tests)
and ``DocumentIndex`` (a read-only Mapping that keeps only doc_id -> manifest line and builds a
document when asked: what the commands use, so their memory does not grow with the corpus).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from typing import Iterator

from corpus_tools.layout import Layout
from corpus_tools.normalize import NORMALIZER_VERSION, normalize
from corpus_tools.errors import CorpusError, Location
from corpus_tools.raw import (
    RawText, check_raw_indexed, iter_raw, raise_first, read_manifest, read_manifest_record, read_raw,
)
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


def source_key(documents: Mapping[str, Document], doc_id: str) -> str | None:
    """What the current text of ``doc_id`` is a function of (with the normalizer's code), or None
    when there is no such document: ``raw:<sha256>:<encoding>`` of its raw file for a
    DocumentIndex (no normalization needed to know it), else ``text:<text_sha256>``.
    """
    if isinstance(documents, DocumentIndex):
        return documents.source_key(doc_id)
    document = documents.get(doc_id)
    return None if document is None else "text:" + document.text_sha256


class DocumentIndex(Mapping):
    """The corpus's documents by doc_id, read, checked and normalized on access (manifest order).

    Opening it checks the whole raw corpus once (every file against its manifest record, and no
    unlisted files: the same guarantee as ``iter_documents``, so a command that writes per
    document never starts on a broken corpus) and keeps doc_id -> (manifest line, byte offset)
    only. ``index[doc_id]`` re-reads that manifest line and that raw file (checking its size and
    sha256 again, so a file changed since opening is still caught) and normalizes it; the last
    ``cache_size`` documents are kept. ``in`` and ``len`` touch no file.
    """

    def __init__(self, layout: Layout, cache_size: int = 16):
        report, self._index = check_raw_indexed(layout)
        raise_first(report)
        self._layout = layout
        self._cache: OrderedDict[str, Document] = OrderedDict()
        self._cache_size = cache_size

    def __getitem__(self, doc_id: str) -> Document:
        cached = self._cache.get(doc_id)
        if cached is not None:
            self._cache.move_to_end(doc_id)
            return cached
        number, offset, _ = self._index[doc_id]  # KeyError for an unknown doc_id, as a Mapping must
        record = read_manifest_record(self._layout.manifest, number, offset)
        if record.doc_id != doc_id:
            raise CorpusError("manifest-changed", f"the manifest changed while it was in use (line {number} is now "
                              f"{record.doc_id!r}, was {doc_id!r}): run the command again",
                              Location(file=str(self._layout.manifest), line=number))
        document = to_document(read_raw(self._layout, record))
        self._cache[doc_id] = document
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return document

    def source_key(self, doc_id: str) -> str | None:
        """See ``source_key``; read from the index, no file touched."""
        entry = self._index.get(doc_id)
        return None if entry is None else "raw:" + entry[2]

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)
