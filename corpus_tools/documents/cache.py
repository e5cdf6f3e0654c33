"""The documents' stores in build/cache/ (scratch, never committed), both SQLite.

**Normalized documents** (documents.sqlite). Each raw text is normalized once, by whichever
command first asks for it (ingest), and read back by every later one (release), through
corpus_tools.documents.index.DocumentIndex. What ``normalize(decode(raw bytes, encoding))``
returns is a function of the raw bytes, the encoding and the code, so an entry's key is exactly
that: the raw SHA-256, the encoding, and the code's fingerprint (corpus_tools.fingerprint: every
file of the package). Changed code never reads an entry of other code; opening the store drops
the entries of any other code, so it does not grow with every change. A store that cannot be
opened or written (a full disk) is done without: each document is normalized again, and the
command's own output meets the full disk and says so, naming where it writes. A store found
damaged (by SQLite, or an entry whose SHA-256 fails: SQLite does not check what its pages hold)
is removed, with its write-ahead log: the document is normalized again, never served damaged.

**The raw index** (raw-index.<fingerprint>.sqlite): where each manifest record is, by doc_id
(``RawIndex``). Every process that opens the corpus needs it, ingest's checking workers
included; held in memory it cost each of them about 240 bytes a document (12 MB at 50,000),
so it is written once per manifest and code, and every process reads the one file.

SQLite is the store because it is the standard one for this: one file, atomic transactions,
several processes (ingest's checking workers) reading and writing at once (WAL mode, with a
busy timeout), and integrity checked by SQLite itself. A connection belongs to the process that
opened it: a forked worker opens its own.
"""

from __future__ import annotations

import errno
import hashlib
import os
import sqlite3
import tempfile
from itertools import chain
from pathlib import Path
from typing import Iterator

import orjson

from corpus_tools.documents.normalize import Normalized
from corpus_tools.documents.offsets import OffsetMap
from corpus_tools.documents.raw import IndexRow
from corpus_tools.fingerprint import fingerprint
from corpus_tools.fsutil import clear_scratch, database_files, file_errors, remove_abandoned, resolved
from corpus_tools.records import RemovedPiece, Span

FILE_NAME = "documents.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS normalized (
    code TEXT NOT NULL, raw_sha256 TEXT NOT NULL, encoding TEXT NOT NULL, entry BLOB NOT NULL,
    PRIMARY KEY (code, raw_sha256, encoding)
)
"""


class _ProcessConnection:
    """A SQLite connection of the process that opened it (``_pid``): one inherited through a fork
    is neither used nor closed there, the child opens its own."""

    __slots__ = ("_connection", "_pid")

    def __init__(self) -> None:
        self._connection: sqlite3.Connection | None = None
        self._pid = -1

    def close(self) -> None:
        """Close this process's connection (a later lookup opens another). SQLite removes the
        write-ahead log only when the last connection closes, and a connection is freed only by the
        cyclic garbage collector (its statement cache refers back to it)."""
        if self._connection is not None and self._pid == os.getpid():
            self._connection.close()
        self._connection, self._pid = None, -1


class NormalizedCache(_ProcessConnection):
    """The normalized documents of ``directory`` (``layout.build / "cache"``) for the running code."""

    __slots__ = ("path", "code")

    def __init__(self, directory: Path):
        super().__init__()
        self.path = Path(directory) / FILE_NAME
        self.code = fingerprint("normalized document")

    def _db(self) -> sqlite3.Connection | None:
        if self._pid != os.getpid():  # opened here, or inherited through a fork: open one of our own
            clear_scratch(self.path.parent, self.path.parent)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                connection = self._open()
            except sqlite3.OperationalError:  # cannot be written (a full disk), or locked: done without
                connection = None
            except sqlite3.DatabaseError:  # damaged (it is never synced): it is only a cache
                self._discard()
                try:
                    connection = self._open()
                except sqlite3.OperationalError:
                    connection = None
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            # Not synced: a scratch cache whose lost entries are recomputed; syncing each entry
            # would cost more than normalizing the document again.
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute(_SCHEMA)
            connection.execute("DELETE FROM normalized WHERE code != ?", (self.code,))
        except BaseException:
            connection.close()
            raise
        return connection

    def _discard(self) -> None:
        """Remove a damaged store, its write-ahead log with it (a log left beside a new store
        would be replayed into it); this process goes on without one, the next makes it anew."""
        self.close()
        self._pid = os.getpid()
        for path in database_files(self.path):
            path.unlink(missing_ok=True)

    def get(self, raw_sha256: str, encoding: str) -> Normalized | None:
        db = self._db()
        try:
            row = None if db is None else db.execute(
                "SELECT entry FROM normalized WHERE code = ? AND raw_sha256 = ? AND encoding = ?",
                (self.code, raw_sha256, encoding)).fetchone()
        except sqlite3.OperationalError:  # an I/O error or a lock past the timeout: normalized again
            return None
        except sqlite3.DatabaseError:  # damaged where opening it did not look ("malformed")
            self._discard()
            return None
        if row is None:
            return None
        normalized = _decode(row[0])
        if normalized is None:  # damaged inside the entry, which SQLite does not check
            self._discard()
        return normalized

    def put(self, raw_sha256: str, encoding: str, normalized: Normalized) -> None:
        db = self._db()
        if db is None:
            return
        try:
            db.execute("INSERT OR REPLACE INTO normalized VALUES (?, ?, ?, ?)",
                       (self.code, raw_sha256, encoding, _encode(normalized)))
        except sqlite3.OperationalError:  # a full disk: the next command normalizes it again
            pass
        except sqlite3.DatabaseError:  # damaged
            self._discard()

    def __len__(self) -> int:
        db = self._db()
        return 0 if db is None else db.execute("SELECT count(*) FROM normalized WHERE code = ?",
                                               (self.code,)).fetchone()[0]


# An entry is its payload after the payload's SHA-256: SQLite checks its pages' structure, not
# their contents, so a damaged byte inside a text (a page of a store that is never synced, half
# written when the machine stopped) was served as the document's text.
_CHECK = 32


def sealed(payload: bytes) -> bytes:
    """``payload`` as a cache entry: after its SHA-256, which ``unsealed`` checks."""
    return hashlib.sha256(payload).digest() + payload


def unsealed(entry: object) -> bytes | None:
    """The payload of a ``sealed`` entry, or None when it is damaged."""
    if type(entry) is not bytes:  # a damaged record header can make it any type
        return None
    payload = entry[_CHECK:]
    return payload if hashlib.sha256(payload).digest() == entry[:_CHECK] else None


def _encode(normalized: Normalized) -> bytes:
    offset_map = normalized.offset_map
    return sealed(orjson.dumps([
        normalized.text,
        normalized.title,
        [[piece.kind, piece.raw_span.start, piece.raw_span.end, piece.text] for piece in normalized.removed],
        offset_map.raw_length,
        offset_map.norm_length,
        list(chain.from_iterable(offset_map.segments)),  # four ints per segment, flat
        list(offset_map.equal_length_blocks),
    ]))


def _decode(entry: bytes) -> Normalized | None:
    """The entry's normalization, or None when it is damaged."""
    payload = unsealed(entry)
    if payload is None:
        return None
    text, title, removed, raw_length, norm_length, flat_segments, blocks = orjson.loads(payload)
    values = iter(flat_segments)
    offset_map = OffsetMap(raw_length, norm_length, tuple(zip(values, values, values, values)), tuple(blocks))
    pieces = tuple(RemovedPiece(kind, Span(start, end), piece_text) for kind, start, end, piece_text in removed)
    return Normalized(text, offset_map, pieces, title)


# ---------------------------------------------------------------------------------------------
# The raw index


INDEX_PREFIX, INDEX_SUFFIX = "raw-index.", ".sqlite"


class RawIndex(_ProcessConnection):
    """doc_id -> (line number, byte offset, byte length, raw key) of each manifest record, and
    the doc_ids in doc_id order, whatever the manifest's (corpus_tools.documents.raw.check_raw_indexed
    makes the rows): what is made by going through them, such as a task file, does not depend
    on the order the manifest lists its files in.

    Stored in ``raw-index.<name>.sqlite``, where the name is the fingerprint of the rows and the
    code: the same rows are written once and found again by every later opening (which reads them
    back and compares, ``_holds``: written again if damaged), and a spawned
    worker opens the file by its name. A file is written whole under a temporary name and
    renamed into place, then only read (opened immutable: no locks); writing one removes the
    files of other rows, which a process that still has one open keeps reading (an unlinked
    file lives until it is closed), and one that opens a removed file later is told so
    (``stored`` gives None) and checks the corpus again.
    """

    __slots__ = ("path", "name", "_length")

    def __init__(self, directory: Path, name: str):
        super().__init__()
        self.path, self.name = Path(directory) / f"{INDEX_PREFIX}{name}{INDEX_SUFFIX}", name
        self._length = -1

    @classmethod
    def of(cls, directory: Path, rows: list[IndexRow]) -> "RawIndex":
        """The index of ``rows`` (in manifest order), written unless it is already stored."""
        digest = hashlib.sha256()
        for row in rows:
            digest.update("\t".join(map(str, row)).encode("utf-8", "surrogatepass") + b"\n")
        index = cls(directory, fingerprint("raw index", digest.hexdigest()))
        if index.readable() and index._holds(rows):
            return index
        index.close()  # else its connection would go on reading the file replaced
        return index._write(rows)

    @classmethod
    def stored(cls, directory: Path, name: str) -> "RawIndex | None":
        """The index stored under ``name``, or None if it is gone (or damaged)."""
        index = cls(directory, name)
        return index if index.readable() else None

    def readable(self) -> bool:
        try:
            self._length = self._db().execute("SELECT count(*) FROM records").fetchone()[0]
            return True
        except sqlite3.Error:
            self.close()
            return False

    def _holds(self, rows: list[IndexRow]) -> bool:
        """Whether the file holds ``rows``, read back whole. Its name says which rows it was
        written for, not that its pages still hold them: SQLite does not check what a page holds,
        and a raw key or line number changed in a damaged file was read as the manifest having
        changed ("run the command again"), on every run, as the file was never written again."""
        try:
            stored = self._db().execute("SELECT doc_id, number, offset, length, raw_key FROM records ORDER BY number")
            return self._length == len(rows) and all(found == tuple(row) for found, row in zip(stored, rows))
        except sqlite3.Error:
            return False

    def _write(self, rows: list[IndexRow]) -> "RawIndex":
        clear_scratch(self.path.parent, self.path.parent)
        with file_errors():  # build/ itself a file: no scratch of ours to clear
            self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.is_dir():  # else the rename below fails naming its temporary file, not what is in the way
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(self.path))
        remove_abandoned(self.path.parent, f".{INDEX_PREFIX}")  # of a process killed while writing one
        handle, temporary = tempfile.mkstemp(prefix=f".{INDEX_PREFIX}{os.getpid()}-", suffix=".tmp",
                                             dir=self.path.parent)
        os.close(handle)
        try:
            connection = sqlite3.connect(temporary)
            with connection:
                connection.execute("CREATE TABLE records (doc_id TEXT NOT NULL UNIQUE, number INTEGER NOT NULL, "
                                   "offset INTEGER NOT NULL, length INTEGER NOT NULL, raw_key TEXT NOT NULL)")
                connection.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?)", rows)
            connection.close()
            os.replace(temporary, self.path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        for path in self.path.parent.glob(f"{INDEX_PREFIX}*{INDEX_SUFFIX}"):
            if path != self.path:
                path.unlink(missing_ok=True)
        if not self.readable():
            raise sqlite3.DatabaseError(f"{self.path} cannot be read back")
        return self

    def _db(self) -> sqlite3.Connection:
        if self._pid != os.getpid():
            with file_errors():  # build/ in a loop of links: Path.resolve's RuntimeError was a traceback
                uri = f"{resolved(self.path).as_uri()}?mode=ro&immutable=1"
            self._connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._pid = os.getpid()
        return self._connection

    def __getitem__(self, doc_id: str) -> tuple[int, int, int, str]:
        row = None if type(doc_id) is not str else self._db().execute(
            "SELECT number, offset, length, raw_key FROM records WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            raise KeyError(doc_id)  # as a mapping's
        return row

    def __contains__(self, doc_id: object) -> bool:
        return type(doc_id) is str and self._db().execute(
            "SELECT 1 FROM records WHERE doc_id = ?", (doc_id,)).fetchone() is not None

    def __iter__(self) -> Iterator[str]:
        return (doc_id for doc_id, in self._db().execute("SELECT doc_id FROM records ORDER BY doc_id"))

    def in_manifest_order(self) -> Iterator[str]:
        """The doc_ids in the order of their manifest lines."""
        return (doc_id for doc_id, in self._db().execute("SELECT doc_id FROM records ORDER BY number"))

    def __len__(self) -> int:
        return self._length
