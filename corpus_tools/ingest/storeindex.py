"""The store's index: which stored exports hold an annotation as an export being ingested has it.

Ingest compares an export's submitted annotations with the stored exports' (nothing new, and
annotation ids that name other annotations: corpus_tools.ingest.store, ``_against_store``).
Reading every stored export's units table for that made the k-th ingest from a file read k-1
tables (measured 2026-12-06: about 1.7 ms a stored export of 5 tasks, 0.38 s at 200 stored
exports; 9 ms one of 1,000 tasks), however few of them hold one of its annotations. This index
names the stored exports that hold one of its annotations with every compared field the same,
and those in which one of its annotation ids is another annotation; only those are read, and
the comparison itself is still made on their units tables, as before. It can only name too
many (harmless: one more table read), never too few, unless a byte of it changed on disk
(SQLite does not check what its pages hold): then an export whose annotations are all stored
may be stored all the same, which the annotation set reads as copies (its newest copy counts),
or the note on another database's ids missed; never an annotation taken for stored that is not.

Stored in ``build/cache/store-index.<fingerprint>.sqlite`` (scratch, like all of build/): for
each stored export, the name of the units table its rows were read from (``units``: its
directory under build/units/, whose fingerprint covers the export's bytes and stamp, the
documents, the registry, its options and the code); each submitted annotation's compared fields
once, with the stored exports that hold it (every pull holds the whole project: measured
2026-12-06, 40 pulls of 10,000 annotations took 75 MB as a row per export and annotation, 10 MB
so); an annotation no stored export holds any more is dropped. A stored export without rows of its current table (never indexed, stored by a killed
ingest, edited, or indexed for other documents or registry) is indexed again from its units
table, which is made first when it is missing (``units_for``, which also finds an edited
export); rows of exports no longer stored are dropped. Each export is indexed in one
transaction, so a killed ingest leaves it indexed whole or not at all. A file SQLite cannot
read is removed and made again; one that cannot be written (a full disk) is done without:
every stored export is read, as before the index.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from corpus_tools.fingerprint import fingerprint
from corpus_tools.fsutil import clear_scratch, database_files
from corpus_tools.records import StoredExport

INDEX_PREFIX, INDEX_SUFFIX = "store-index.", ".sqlite"


@dataclass(frozen=True, slots=True)
class Holders:
    """What the index says of an export's annotations, among the stored exports asked about."""

    same: frozenset[str]  # the stored exports holding one of them with every compared field the same
    all_same: bool  # whether each of them (with a unique_id) is held so by one of those
    clashing: frozenset[str]  # those in which one of their ids is an annotation of another unique_id


class StoreIndex:
    """The index of the stored exports' submitted annotations, by the fields ``columns`` (the
    first two: ``id`` and ``unique_id``; a timestamp column is kept as its integer)."""

    def __init__(self, directory: Path, columns: Sequence[str]):
        if tuple(columns[:2]) != ("id", "unique_id"):
            raise ValueError("the index finds annotations by id and unique_id, its first two columns")
        self.columns = tuple(columns)
        self.path = Path(directory) / f"{INDEX_PREFIX}{fingerprint('store index', *self.columns)}{INDEX_SUFFIX}"

    def holders(self, exports: Sequence[StoredExport], start: int, mine: pa.Table,
                units_of: Callable[[StoredExport], str], submitted: Callable[[StoredExport], pa.Table],
                clashes: bool) -> Holders | None:
        """Which of ``exports[start:]`` hold ``mine``'s annotations (``Holders``; ``clashing``
        only when ``clashes``), after indexing those not indexed for their current units table
        (``units_of``; their annotations: ``submitted``, newest first, as the comparison reads
        them). None when the index cannot be used (it is done without)."""
        for attempt in (1, 2):
            try:
                with self._connection() as db:
                    self._update(db, exports, start, units_of, submitted)
                    return self._holders(db, [item.name for item in exports[start:]], mine, clashes)
            except sqlite3.DatabaseError:  # damaged (removed, made again once), or not writable
                self._discard()
        return None

    def add(self, name: str, units: str, table: pa.Table) -> None:
        """Index a stored export just stored; left for the next ingest to index when the index
        cannot be written (the export is stored: nothing after that may fail the ingest)."""
        try:
            with self._connection() as db:
                self._index(db, name, units, table)
        except (sqlite3.DatabaseError, OSError):
            self._discard()

    # -----------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        clear_scratch(self.path.parent, self.path.parent)  # a file where build/cache belongs, as its other stores do
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for other in self.path.parent.glob(f"{INDEX_PREFIX}*"):  # other code's (and its logs)
            if not other.name.startswith(self.path.name):
                with contextlib.suppress(OSError):  # not a file: left alone, it names no index of ours
                    other.unlink(missing_ok=True)
        connection = sqlite3.connect(self.path, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            # a commit is not synced (a checkpoint is): one lost to a power cut is an export
            # the next ingest indexes again
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("CREATE TABLE IF NOT EXISTS indexed "
                               "(export INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, units TEXT NOT NULL)")
            # each annotation once, however many stored exports hold it: every pull holds the whole
            # project, and a row per export and annotation grew the index by the project's size a pull
            connection.execute("CREATE TABLE IF NOT EXISTS annotations "
                               f"(annotation INTEGER PRIMARY KEY, {', '.join(self.columns)})")
            connection.execute("CREATE INDEX IF NOT EXISTS by_unique_id ON annotations (unique_id)")
            connection.execute("CREATE INDEX IF NOT EXISTS by_id ON annotations (id)")
            connection.execute("CREATE TABLE IF NOT EXISTS held (annotation INTEGER NOT NULL, export INTEGER NOT NULL, "
                               "PRIMARY KEY (annotation, export)) WITHOUT ROWID")
            connection.execute("CREATE INDEX IF NOT EXISTS held_by_export ON held (export)")
            yield connection
        finally:
            connection.close()

    def _discard(self) -> None:
        """Remove the file with its write-ahead log (``database_files``)."""
        for path in database_files(self.path):
            with contextlib.suppress(OSError):  # a directory in its place: the index is done without
                path.unlink(missing_ok=True)

    def _update(self, db: sqlite3.Connection, exports: Sequence[StoredExport], start: int,
                units_of: Callable[[StoredExport], str], submitted: Callable[[StoredExport], pa.Table]) -> None:
        indexed = dict(db.execute("SELECT name, units FROM indexed"))
        gone = set(indexed) - {item.name for item in exports}
        if gone:
            with _transaction(db):
                for name in sorted(gone):
                    _forget(db, name)
        for stored in reversed(exports[start:]):
            units = units_of(stored)
            if indexed.get(stored.name) != units:
                self._index(db, stored.name, units, submitted(stored))

    def _index(self, db: sqlite3.Connection, name: str, units: str, table: pa.Table) -> None:
        fields = ", ".join(self.columns)
        same = _same(self.columns, "i")
        with _transaction(db):
            _forget(db, name)
            export = db.execute("INSERT INTO indexed (name, units) VALUES (?, ?)", (name, units)).lastrowid
            self._temporary(db, "incoming", table)
            db.execute(f"INSERT INTO annotations ({fields}) SELECT DISTINCT {fields} FROM temp.incoming i "
                       f"WHERE NOT EXISTS (SELECT 1 FROM annotations a WHERE {same})")
            db.execute(f"INSERT OR IGNORE INTO held SELECT a.annotation, ? FROM temp.incoming i "
                       f"JOIN annotations a ON {same}", (export,))
            db.execute("DROP TABLE temp.incoming")

    def _temporary(self, db: sqlite3.Connection, name: str, table: pa.Table) -> None:
        """A temporary table ``name`` of ``table``'s rows of ``columns``."""
        db.execute(f"DROP TABLE IF EXISTS temp.{name}")
        db.execute(f"CREATE TEMP TABLE {name} ({', '.join(self.columns)})")
        db.executemany(f"INSERT INTO temp.{name} VALUES ({', '.join('?' * len(self.columns))})",
                       _rows(table, self.columns))

    def _holders(self, db: sqlite3.Connection, names: list[str], mine: pa.Table, clashes: bool) -> Holders:
        self._temporary(db, "mine", mine)
        db.execute("DROP TABLE IF EXISTS temp.wanted")
        db.execute("CREATE TEMP TABLE wanted (name TEXT PRIMARY KEY)")
        db.executemany("INSERT INTO temp.wanted VALUES (?)", ((name,) for name in names))
        same_fields = _same((column for column in self.columns if column != "unique_id"), "m")
        # CROSS JOIN fixes the order SQLite's planner would choose otherwise: from this export's
        # few annotations out, not from every annotation the wanted exports hold
        in_wanted = ("CROSS JOIN held h ON h.annotation = a.annotation CROSS JOIN indexed x ON x.export = h.export "
                     "WHERE x.name IN (SELECT name FROM temp.wanted)")
        held, same = set(), set()
        for row, name in db.execute(
                "SELECT m.rowid, x.name FROM temp.mine m CROSS JOIN annotations a ON a.unique_id = m.unique_id "
                f"AND {same_fields} {in_wanted}"):
            held.add(row)
            same.add(name)
        clashing = set()
        if clashes:
            clashing = {name for name, in db.execute(
                f"SELECT DISTINCT x.name FROM temp.mine m CROSS JOIN annotations a ON a.id = m.id {in_wanted} "
                "AND a.unique_id IS NOT NULL AND m.unique_id IS NOT NULL AND a.unique_id != m.unique_id")}
        db.execute("DROP TABLE temp.mine")
        db.execute("DROP TABLE temp.wanted")
        with_ids = len(mine) - mine["unique_id"].null_count
        return Holders(frozenset(same), len(held) == with_ids, frozenset(clashing))


def _same(columns: Iterable[str], other: str) -> str:
    """SQL that holds when annotation ``a`` has the value of row ``other`` in every one of
    ``columns``. IS: equal, or both null, as the comparison on the units tables takes them."""
    return " AND ".join(f"a.{column} IS {other}.{column}" for column in columns)


class _transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, value, traceback) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def _forget(db: sqlite3.Connection, name: str) -> None:
    """Drop the stored export ``name`` from the index, and the annotations no other export holds."""
    for export, in db.execute("SELECT export FROM indexed WHERE name = ?", (name,)).fetchall():
        # only the annotations this export held can be left held by none: a sweep of every
        # annotation for each export forgotten made forgetting many (a store whose exports were
        # removed, or all indexed again for other documents) take their number times the index
        db.execute("DELETE FROM annotations WHERE annotation IN (SELECT annotation FROM held WHERE export = ?) "
                   "AND NOT EXISTS (SELECT 1 FROM held h WHERE h.annotation = annotations.annotation "
                   "AND h.export != ?)", (export, export))
        db.execute("DELETE FROM held WHERE export = ?", (export,))
        db.execute("DELETE FROM indexed WHERE export = ?", (export,))


ROWS_AT_ONCE = 8192  # rows made Python values at a time: an export's whole table would be tens of MB


def _rows(table: pa.Table, columns: Sequence[str]) -> Iterator[tuple]:
    """The rows of ``columns`` as Python values, a timestamp as its integer (converting it to a
    datetime would import pandas)."""
    for batch in table.select(list(columns)).to_batches(max_chunksize=ROWS_AT_ONCE):
        values = []
        for data in batch.columns:
            if pa.types.is_timestamp(data.type):
                data = pc.cast(data, pa.int64())
            values.append(data.to_pylist())
        yield from zip(*values)
