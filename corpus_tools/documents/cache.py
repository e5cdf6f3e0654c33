"""Normalized documents, cached in SQLite (build/cache/documents.sqlite; scratch, never committed).

Each raw text is normalized once, by whichever command first asks for it (ingest), and read back
by every later one (release), through corpus_tools.documents.index.DocumentIndex. What
``normalize(decode(raw bytes, encoding))`` returns is a function of the raw bytes, the encoding
and the code, so an entry's key is exactly that: the raw SHA-256, the encoding, and the code's
fingerprint (corpus_tools.fingerprint: every file of the package). Changed code never reads an
entry of other code; opening the store drops the entries of any other code, so it does not grow
with every change.

SQLite is the store because it is the standard one for this: one file, atomic transactions,
several processes (ingest's checking workers) reading and writing at once (WAL mode, with a
busy timeout), and integrity checked by SQLite itself. A connection belongs to the process that
opened it: a forked worker opens its own.
"""

from __future__ import annotations

import os
import sqlite3
from itertools import chain
from pathlib import Path

import orjson

from corpus_tools.documents.normalize import Normalized
from corpus_tools.documents.offsets import OffsetMap
from corpus_tools.fingerprint import fingerprint
from corpus_tools.records import RemovedPiece, Span

FILE_NAME = "documents.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS normalized (
    code TEXT NOT NULL, raw_sha256 TEXT NOT NULL, encoding TEXT NOT NULL, entry BLOB NOT NULL,
    PRIMARY KEY (code, raw_sha256, encoding)
)
"""


class NormalizedCache:
    """The normalized documents of ``directory`` (``layout.build / "cache"``) for the running code."""

    __slots__ = ("path", "code", "_connection", "_pid")

    def __init__(self, directory: Path):
        self.path = Path(directory) / FILE_NAME
        self.code = fingerprint("normalized document")
        self._connection: sqlite3.Connection | None = None
        self._pid = -1

    def _db(self) -> sqlite3.Connection:
        if self._pid != os.getpid():  # opened here, or inherited through a fork: open one of our own
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                connection = self._open()
            except sqlite3.DatabaseError:  # damaged (it is never synced): it is only a cache
                self.path.unlink(missing_ok=True)
                connection = self._open()
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        # Not synced: a scratch cache whose lost entries are recomputed; syncing each entry
        # would cost more than normalizing the document again.
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute(_SCHEMA)
        connection.execute("DELETE FROM normalized WHERE code != ?", (self.code,))
        return connection

    def get(self, raw_sha256: str, encoding: str) -> Normalized | None:
        row = self._db().execute("SELECT entry FROM normalized WHERE code = ? AND raw_sha256 = ? AND encoding = ?",
                                 (self.code, raw_sha256, encoding)).fetchone()
        return None if row is None else _decode(row[0])

    def put(self, raw_sha256: str, encoding: str, normalized: Normalized) -> None:
        self._db().execute("INSERT OR REPLACE INTO normalized VALUES (?, ?, ?, ?)",
                           (self.code, raw_sha256, encoding, _encode(normalized)))

    def __len__(self) -> int:
        return self._db().execute("SELECT count(*) FROM normalized WHERE code = ?", (self.code,)).fetchone()[0]


def _encode(normalized: Normalized) -> bytes:
    offset_map = normalized.offset_map
    return orjson.dumps([
        normalized.text,
        normalized.title,
        [[piece.kind, piece.raw_span.start, piece.raw_span.end, piece.text] for piece in normalized.removed],
        offset_map.raw_length,
        offset_map.norm_length,
        list(chain.from_iterable(offset_map.segments)),  # four ints per segment, flat
        list(offset_map.equal_length_blocks),
    ])


def _decode(payload: bytes) -> Normalized:
    text, title, removed, raw_length, norm_length, flat_segments, blocks = orjson.loads(payload)
    values = iter(flat_segments)
    offset_map = OffsetMap(raw_length, norm_length, tuple(zip(values, values, values, values)), tuple(blocks))
    pieces = tuple(RemovedPiece(kind, Span(start, end), piece_text) for kind, start, end, piece_text in removed)
    return Normalized(text, offset_map, pieces, title)
