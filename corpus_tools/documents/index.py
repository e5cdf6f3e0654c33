"""Documents as everything downstream sees them: raw, checked, normalized.

Two ways to get them: ``load_documents`` (a dict of all of them, for small callers and tests)
and ``DocumentIndex`` (a read-only Mapping that keeps only doc_id -> manifest line and builds a
document when asked: what the commands use, so their memory does not grow with the corpus).
``write_normalized`` writes them out as files, to look at (``corpus-tools normalize``).
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from itertools import chain
from pathlib import Path
from typing import Iterable, Iterator

import orjson

from corpus_tools.layout import Layout, check_output
from corpus_tools.documents.normalize import NORMALIZER_VERSION, Normalized, normalize
from corpus_tools.documents.cache import NormalizedCache, RawIndex
from corpus_tools.errors import CorpusError, Location
from corpus_tools.iterutil import Totalled, counted
from corpus_tools.fsutil import atomic_writer, file_errors, make_public, staging_dir, writing_under
from corpus_tools.documents.raw import (
    check_raw_indexed, iter_raw, raise_first, read_manifest, read_manifest_record, read_raw,
)
from corpus_tools.documents.removals import unknown_doc_id
from corpus_tools.records import Document, ManifestRecord, RawText


def text_sha256(text: str) -> str:
    """The fingerprint of a normalized text, as tasks carry it (``text_sha256``)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_document(raw: RawText) -> Document:
    return _document(raw.record, normalize(raw.text))


def _document(record: ManifestRecord, normalized: Normalized) -> Document:
    return Document(
        doc_id=record.doc_id,
        title=record.title,
        text=normalized.text,
        metadata=record,
        offset_map=normalized.offset_map,
        removed=normalized.removed,
        normalizer_version=NORMALIZER_VERSION,
        text_sha256=text_sha256(normalized.text),
    )


def iter_documents(layout: Layout, reading: Totalled | None = None) -> Iterator[Document]:
    """Normalized documents in manifest order; the raw corpus is checked whole first.
    ``reading``: asked with the number of documents once the check has counted them, for the
    ``on_progress`` called after each document has been handled (``iter_raw``). Each is
    normalized here and nothing is written in build/ (``load_documents`` works in a checkout it
    cannot write, and ``normalize --repeated-lines`` writes nothing); ``normalize`` reads through
    ``indexed_documents``."""
    return map(to_document, iter_raw(layout, reading))


def indexed_documents(layout: Layout, reading: Totalled | None = None) -> Iterator[Document]:
    """``iter_documents``' documents, in manifest order, through a ``DocumentIndex`` (which
    checks the raw corpus whole as it opens): a text an earlier command normalized comes from
    build/cache/. ``normalize`` normalized every document again on each run, so one article
    added cost the whole corpus's normalization (9 s at 10,000 documents, 2026-12-07)."""
    index = DocumentIndex(layout)
    try:
        yield from counted(map(index.__getitem__, index.in_manifest_order()),
                           None if reading is None else reading(len(index)))
    finally:
        index.close()


def load_documents(layout: Layout) -> dict[str, Document]:
    """Every document, by doc_id, in doc_id order (as ``DocumentIndex``), held in memory."""
    documents = {document.doc_id: document for document in iter_documents(layout)}
    return {doc_id: documents[doc_id] for doc_id in sorted(documents)}


# In ``out``, the names of the files the last ``write_normalized`` wrote there, one per line.
NORMALIZED_LISTING = ".normalized-files"


def write_normalized(layout: Layout, out: Path, writing: Totalled | None = None) -> tuple[int, int]:
    """Write each document's normalized text (``<doc_id>.txt``) and what normalization decided
    (``<doc_id>.json``: ``document_sidecar``) into ``out``, each only when ``out`` does not hold
    it already (``_holds``: a run that changed nothing writes nothing). The raw corpus is checked
    whole first, so nothing is written when it has a problem; ``out`` may not lie in raw/,
    annotations/, dist/ or a release (``check_output``). The files of documents an earlier run
    wrote and the corpus no longer holds are removed, and only those (``NORMALIZED_LISTING``
    names them: ``out`` may hold other files). Returns the count of documents (written or found
    in ``out`` already) and of stale files removed.
    ``writing``: asked with the number of documents once the raw corpus is checked, for the
    ``on_progress`` called after each document written (``indexed_documents``).

    What a run killed part way leaves: every file of ``out`` whole, the previous run's or this
    one's. The files are written into a staging directory in ``out`` (the next run removes it)
    and renamed into place one by one at the end: killed while writing them (nearly all of a
    run), it changed no file of ``out``; killed while renaming, some texts are new and the others
    old, which the next run sets right. ``out`` is not swapped whole, as ``view -o`` swaps its
    site, because it may hold other files. The listing names this run's files as well as the
    previous run's from before the first rename until the stale files are gone, so whatever a
    killed run renamed in is removed by a later run once its document leaves the corpus."""
    check_output(out)
    documents = indexed_documents(layout, writing)
    first = next(documents, None)  # the raw corpus is checked whole before anything is made
    with file_errors():  # a file where out or a directory above it belongs
        staging = staging_dir(out, ".normalize-")
    try:
        previous = _listed(out / NORMALIZED_LISTING)
        names: set[str] = set()
        count = 0
        for document in chain([first] if first is not None else [], documents):
            for name, data in ((f"{document.doc_id}.txt", document.text.encode("utf-8")),
                               (f"{document.doc_id}.json", document_sidecar(document))):
                names.add(name)
                # a file out holds already is left as it is: rewriting all of them on every run
                # made a run that changed nothing replace every file (10,000 documents: 20,000)
                if not _holds(out / name, data):
                    with writing_under(out):
                        (staging / name).write_bytes(data)
            count += 1
        make_public(staging)
        written = sorted(path.name for path in staging.iterdir())
        for name in written:  # before any is renamed: a directory in the way stops it half done
            if (out / name).is_dir():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(out / name))
        _write_listing(out, previous | names)
        for name in written:
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    stale = sorted(previous - names)
    for name in stale:
        (out / name).unlink(missing_ok=True)
    _write_listing(out, names)
    return count, len(stale)


def _holds(path: Path, data: bytes) -> bool:
    """Whether ``path`` is already what writing ``data`` there makes: a regular file of those
    bytes, 0644 (``make_public``'s mode). Anything else (a link, another mode, an unreadable
    file) is replaced, as every file was before."""
    try:
        found = os.lstat(path)
        return (stat.S_ISREG(found.st_mode) and stat.S_IMODE(found.st_mode) == 0o644
                and found.st_size == len(data) and path.read_bytes() == data)
    except OSError:
        return False


def _write_listing(out: Path, names: Iterable[str]) -> None:
    data = "".join(f"{name}\n" for name in sorted(names)).encode("utf-8")
    if not _holds(out / NORMALIZED_LISTING, data):
        with atomic_writer(out / NORMALIZED_LISTING) as listing:
            listing.write(data)


def _listed(path: Path) -> set[str]:
    """The names a listing holds; a name with a path in it is not one this module wrote."""
    try:
        names = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return set()
    return {name for name in names if name and os.path.basename(name) == name and not name.startswith(".")}


def document_sidecar(document: Document) -> bytes:
    """What normalization decided for one document, beside its text: map, removals, metadata."""
    return orjson.dumps({
        "doc_id": document.doc_id,
        "title": document.title,
        "normalizer_version": document.normalizer_version,
        "text_sha256": document.text_sha256,
        "offset_map": document.offset_map.to_dict(),
        "removed": [{"kind": piece.kind, "raw_start": piece.raw_span.start,
                     "raw_end": piece.raw_span.end, "text": piece.text} for piece in document.removed],
    }, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def load_document(layout: Layout, doc_id: str) -> Document:
    """One document, checking only its own raw file (for looking at one of many thousands). An
    unknown doc_id is refused as ``remove`` and ``preannotate --doc`` refuse it (``unknown_doc_id``:
    removed, and why, or the doc_id it differs from only in case)."""
    for record in read_manifest(layout.manifest):
        if record.doc_id == doc_id:
            return to_document(read_raw(layout, record))
    # read again, not kept while looking: only a refusal needs them
    listed = (record.doc_id for record in read_manifest(layout.manifest))
    raise CorpusError("doc-unknown", unknown_doc_id(layout, doc_id, listed), Location(file=str(layout.manifest)))


def documents_digest(documents: Mapping[str, Document]) -> str:
    """What the current texts of ``documents`` are a function of (with the code that normalizes):
    for a DocumentIndex the bytes of the manifest it checked (every raw file's SHA-256 and
    encoding are in it), else every (doc_id, text SHA-256)."""
    if isinstance(documents, DocumentIndex):
        return documents.digest
    digest = hashlib.sha256()
    for doc_id in sorted(documents):
        digest.update(f"{doc_id}\t{documents[doc_id].text_sha256}\n".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class DocumentIndex(Mapping):
    """The corpus's documents by doc_id, read, checked and normalized on access (in doc_id order).

    Opening it checks the whole raw corpus once (every file against its manifest record, and no
    unlisted files: the same guarantee as ``iter_documents``, so a command that writes per
    document never starts on a broken corpus) and keeps the manifest open; where each record is
    (doc_id -> line number, byte offset and length of its manifest line, raw key) is read from
    the raw index in build/cache/ (corpus_tools.documents.cache.RawIndex), written by the first
    opening of this manifest and shared by every process, not held in memory. ``index[doc_id]``
    re-reads that manifest line through the open handle (and refuses it unless it still names
    the doc_id and raw key seen at opening); the normalization comes from the cache in
    build/cache/, keyed by the raw key checked at opening, when an earlier command or lookup
    made it; else the raw file is read (and checked against its key again, so a file changed
    since opening is caught), normalized and stored there. Every lookup thus serves the corpus
    as it was checked at opening. The last ``cache_size`` documents are kept in memory. ``in``,
    ``len`` and iteration read the raw index only. ``digest`` is the SHA-256 of the manifest
    the index checked.

    An index opened before a fork may be used by the forked processes at once: the manifest is
    read with ``os.pread`` (no shared file position) and each process opens its own connections
    to build/cache/. Pickled (to a spawned worker), it travels as its corpus root, digest and
    the name of its raw index, and is opened again there without checking the raw corpus a
    second time (unless that raw index is gone), refused (``manifest-changed``) unless the
    manifest is still the one checked here (each raw file read is checked against its key, as
    always).
    """

    def __init__(self, layout: Layout, cache_size: int = 16, normalized_cache: bool = True, *,
                 _checked: tuple[str, str] | None = None):
        # opened before the check, so the handle reads the manifest the check read (or a later
        # one, which the doc_id and raw key comparison on every lookup catches)
        self._layout, self._cache_size = layout, cache_size
        self._manifest_fd = os.open(layout.manifest, os.O_RDONLY) if layout.manifest.is_file() else -1
        if self._manifest_fd >= 0:
            weakref.finalize(self, os.close, self._manifest_fd)
        self.digest = _manifest_digest(self._manifest_fd)
        index = None
        if _checked is not None:
            digest, name = _checked
            if self.digest != digest:
                raise CorpusError("manifest-changed", "the manifest changed while it was in use: run the command "
                                  "again", Location(file=str(layout.manifest)))
            index = RawIndex.stored(layout.build / "cache", name)
        if index is None:  # not checked yet, or checked by a process whose index file is gone since
            report, rows = check_raw_indexed(layout)
            raise_first(report)
            index = RawIndex.of(layout.build / "cache", rows)
        self._index = index
        self._manifest_path = str(layout.manifest)  # not a Path per lookup
        self._normalized = NormalizedCache(layout.build / "cache") if normalized_cache else None
        self._cache: OrderedDict[str, Document] = OrderedDict()

    def __reduce__(self):
        return _reopen, (self._layout.root, self._cache_size, self._normalized is not None,
                         (self.digest, self._index.name))

    def __getitem__(self, doc_id: str) -> Document:
        cached = self._cache.get(doc_id)
        if cached is not None:
            self._cache.move_to_end(doc_id)
            return cached
        document = self._build(doc_id, *self._index[doc_id])  # KeyError for an unknown doc_id, as a Mapping must
        self._cache[doc_id] = document
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return document

    def _build(self, doc_id: str, number: int, offset: int, length: int, raw_key: str) -> Document:
        record = self._record(doc_id, number, offset, length, raw_key)
        normalized = self._normalized.get(record.sha256, record.encoding) if self._normalized is not None else None
        if normalized is None:
            normalized = normalize(read_raw(self._layout, record).text)
            if self._normalized is not None:
                self._normalized.put(record.sha256, record.encoding, normalized)
        return _document(record, normalized)

    def _record(self, doc_id: str, number: int, offset: int, length: int, raw_key: str) -> ManifestRecord:
        """The manifest record of ``doc_id``, refused unless it is still the one checked at opening."""
        try:
            record = read_manifest_record(self._manifest_fd, self._manifest_path, number, offset, length)
            now = f"{record.doc_id!r} with raw key {record.sha256}:{record.encoding}"
        except CorpusError as error:  # the line was valid at opening: it moved or was cut
            record, now = None, f"not a record ({error.message})"
        if record is None or record.doc_id != doc_id or f"{record.sha256}:{record.encoding}" != raw_key:
            raise CorpusError("manifest-changed", f"the manifest changed while it was in use (line {number} is now "
                              f"{now}, was {doc_id!r} with raw key {raw_key}): run the command again",
                              Location(file=self._manifest_path, line=number))
        return record

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def in_manifest_order(self) -> Iterator[str]:
        """The doc_ids in the order of their manifest lines (iteration is in doc_id order)."""
        return self._index.in_manifest_order()

    def close(self) -> None:
        """Close this process's connections to build/cache/ (a later lookup opens them again):
        for a caller done with the index that goes on running, as one holding a connection keeps
        another process's write-ahead log from being removed."""
        self._index.close()
        if self._normalized is not None:
            self._normalized.close()

    def __len__(self) -> int:
        return len(self._index)


def _reopen(root, cache_size: int, normalized_cache: bool, checked: tuple[str, str]) -> DocumentIndex:
    return DocumentIndex(Layout(root), cache_size, normalized_cache, _checked=checked)


def _manifest_digest(fd: int) -> str:
    digest = hashlib.sha256()
    offset = 0
    while fd >= 0 and (chunk := os.pread(fd, 1 << 20, offset)):
        digest.update(chunk)
        offset += len(chunk)
    return digest.hexdigest()
