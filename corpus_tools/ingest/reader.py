"""Streaming reader of Label Studio JSON exports: one task dict at a time, never the whole file.

A Label Studio JSON export is a JSON array of tasks (``{"id", "data", "annotations", ...}``).
Exports of tens of thousands of tasks run to hundreds of megabytes, so the file is read in
chunks, cut into the bytes of each task (corpus_tools.ingest.split, vectorized with numpy), and
each task is parsed by jiter: only one task and one chunk are alive at a time. The same pass
hashes the bytes and, for ingest, copies them verbatim to a destination, so a file is read
exactly once however many things are done with it.

Files that cannot be an export at all raise ``CorpusError`` with one of these codes:
``export-not-json``, ``export-truncated``, ``export-invalid-json``, ``export-trailing-data``,
``export-not-array``, ``export-not-tasks``, ``export-empty``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from corpus_tools.errors import CorpusError, Location
from corpus_tools.fsutil import file_errors, open_input
from corpus_tools.ingest.formats import HEAD_SIZE, not_an_export
from corpus_tools.ingest.parse import parse_task
from corpus_tools.ingest.split import SplitError, split_array

CHUNK_SIZE = 1 << 16


class _TeeReader:
    """A binary reader that hashes every byte it hands out and optionally copies it to ``sink``."""

    def __init__(self, source: BinaryIO, sink: BinaryIO | None):
        self._source = source
        self._sink = sink
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0
        self.file_size = os.fstat(source.fileno()).st_size  # of the file opened: what a bar over bytes reads to
        self._pending = b""  # bytes peeked at before the parser started

    def peek(self, size: int) -> bytes:
        while len(self._pending) < size:
            chunk = self._source.read(size - len(self._pending))
            if not chunk:
                break
            self._pending += chunk
        return self._pending

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        if self._pending:
            chunk, self._pending = self._pending, b""
        else:
            chunk = self._source.read(size if size and size > 0 else CHUNK_SIZE)
        if chunk:
            self.sha256.update(chunk)
            self.bytes_read += len(chunk)
            if self._sink is not None:
                self._sink.write(chunk)
        return chunk


@dataclass
class ExportStream:
    """The tasks of one export file, streamed; after iteration, ``sha256`` and ``size`` are final.

    ``copy_to``: a binary file that receives the bytes verbatim as they are read (ingest).
    ``allow_empty``: ``[]`` is an export (a pull of a project whose every task was deleted), not
    ``export-empty``.
    """

    path: Path
    copy_to: BinaryIO | None = None
    allow_empty: bool = False
    tasks_read: int = 0
    _reader: _TeeReader | None = field(default=None, repr=False)
    _done: bool = False

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def sha256(self) -> str:
        self._require_done()
        return self._reader.sha256.hexdigest()

    @property
    def size(self) -> int:
        self._require_done()
        return self._reader.bytes_read

    @property
    def file_size(self) -> int:
        """The size of the file when it was opened (it is opened by the first task's read)."""
        if self._reader is None:
            raise RuntimeError("the export has not been opened yet")
        return self._reader.file_size

    def _require_done(self) -> None:
        if not self._done:
            raise RuntimeError("the export has not been read to its end yet")

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for index, offset, raw in self.raw_tasks():
            yield parse_task(raw, index, offset, self.path)

    def raw_tasks(self) -> Iterator[tuple[int, int, bytes]]:
        """``(index, byte offset, bytes)`` of each task, unparsed: the file is cut, hashed and
        copied here, while the parsing (``parse_task``) can happen elsewhere (a worker process of
        corpus_tools.ingest.store)."""
        with file_errors():  # only the open: a write refused on the way (the copy) keeps its own error
            source = open_input(self.path)
        with source:
            self._reader = _TeeReader(source, self.copy_to)
            _check_start(self._reader, self.path)
            try:
                for index, (offset, raw) in enumerate(split_array(self._reader.read, CHUNK_SIZE)):
                    self.tasks_read = index + 1
                    yield index, offset, raw
            except SplitError as error:
                raise _split_error(error, self.path, self.tasks_read) from None
            if self.tasks_read == 0 and not self.allow_empty:
                raise CorpusError(
                    "export-empty",
                    "the export holds no tasks ([]); export the project again with its tasks",
                    Location(file=str(self.path)),
                )
            self._done = True


def iter_tasks(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield the tasks of the Label Studio JSON export at ``path``, one dict at a time."""
    return iter(ExportStream(Path(path)))


def _check_start(reader: _TeeReader, path: Path) -> None:
    """Refuse a file that no export starts like, naming what it is (corpus_tools.ingest.formats)."""
    refusal = not_an_export(reader.peek(HEAD_SIZE))
    if refusal is not None:
        raise CorpusError(*refusal, Location(file=str(path), byte_offset=0))


_SPLIT_CODES = {
    "truncated": "export-truncated",
    "invalid": "export-invalid-json",
    "not-object": "export-not-tasks",
    "trailing": "export-trailing-data",
}


def _split_error(error: SplitError, path: Path, tasks_read: int) -> CorpusError:
    message = error.message
    if error.kind == "truncated":
        message = (f"{message}, after {tasks_read} complete task(s): the file was cut off; download the "
                   "export again")
    return CorpusError(_SPLIT_CODES[error.kind], message, Location(file=str(path), byte_offset=error.offset))
