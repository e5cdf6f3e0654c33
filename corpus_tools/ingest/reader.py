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
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterator

import jiter

from corpus_tools.errors import CorpusError, Location
from corpus_tools.ingest.formats import HEAD_SIZE, not_an_export
from corpus_tools.ingest.split import SplitError, split_array

CHUNK_SIZE = 1 << 16


class _TeeReader:
    """A binary reader that hashes every byte it hands out and optionally copies it to ``sink``."""

    def __init__(self, source: BinaryIO, sink: BinaryIO | None):
        self._source = source
        self._sink = sink
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0
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
    """

    path: Path
    copy_to: BinaryIO | None = None
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
        with open(self.path, "rb") as source:
            self._reader = _TeeReader(source, self.copy_to)
            _check_start(self._reader, self.path)
            try:
                for index, (offset, raw) in enumerate(split_array(self._reader.read, CHUNK_SIZE)):
                    self.tasks_read = index + 1
                    yield index, offset, raw
            except SplitError as error:
                raise _split_error(error, self.path, self.tasks_read) from None
            if self.tasks_read == 0:
                raise CorpusError(
                    "export-empty",
                    "the export holds no tasks ([]); export the project again with its tasks",
                    Location(file=str(self.path)),
                )
            self._done = True


def parse_task(raw: bytes, index: int, offset: int, path: Path | str) -> dict[str, Any]:
    """The task dict of the bytes ``raw`` of task number ``index`` (from 0) at byte ``offset`` of
    ``path``. jiter, because it refuses an object with the same key twice (orjson, like most
    parsers, keeps the last value silently) and NaN or infinities (not JSON)."""
    try:
        task = jiter.from_json(raw, catch_duplicate_keys=True, allow_inf_nan=False, cache_mode="keys")
    except ValueError as error:
        message, at = _jiter_error(str(error), raw)
        code = "export-duplicate-key" if message.startswith("Detected duplicate key") else "export-invalid-json"
        raise CorpusError(code, f"task #{index + 1} is not valid JSON: {message}",
                          Location(file=str(path), byte_offset=offset + at)) from None
    _check_task_shape(task, index, path)
    return task


_JITER_PLACE = re.compile(r"^(?P<message>.*) at line (?P<line>\d+) column (?P<column>\d+)$", re.S)


def _jiter_error(text: str, raw: bytes) -> tuple[str, int]:
    """jiter's message without its place, and the place as a byte offset into ``raw``."""
    match = _JITER_PLACE.match(text)
    if match is None:
        return text, 0
    line_start = 0
    for _ in range(int(match["line"]) - 1):
        line_start = raw.index(b"\n", line_start) + 1
    return match["message"], line_start + int(match["column"]) - 1


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


def _check_task_shape(task: Any, index: int, path: Path) -> None:
    """Each element must look like a Label Studio task with its annotations; else this is no export."""
    task_id = task.get("id") if isinstance(task, dict) else None
    usable = type(task_id) is int and -(2**63) <= task_id < 2**63
    location = Location(file=str(path), task_id=task_id if usable else f"#{index + 1}")
    if not isinstance(task, dict):
        raise CorpusError("export-not-tasks", f"element #{index + 1} of the array is a {type(task).__name__}, "
                          "not a task object: this is not a Label Studio export", location)
    missing = [key for key, kind in (("id", int), ("data", dict), ("annotations", list))
               if not isinstance(task.get(key), kind) or isinstance(task.get(key), bool)]
    if not missing and not -(2**63) <= task["id"] < 2**63:
        missing = ["id"]
    if missing:
        raise CorpusError("export-not-tasks", f"element #{index + 1} is not a Label Studio task: "
                          f"{', '.join(missing)} missing or of the wrong type (the id an integer, data an "
                          "object, annotations a list; a task-import file has no 'annotations': ingest what "
                          "Label Studio exports as JSON)", location)
