"""Streaming, sharded parquet output: bounded memory, bounded file size, fixed bytes.

Rows arrive as columns (corpus_tools.release.columns: lists, numpy arrays, flat list columns,
struct columns); every ``batch_rows`` of them become one Arrow record batch (of the config's
explicit schema, failing with the offending row) and one parquet row group; every
``rows_per_shard`` rows start a new file. Shard names carry their total count
(``train-00000-of-00002.parquet``), which is known only at the end, so files are written under a
provisional name and renamed when the writer closes. Writer options are pinned so that the same
rows always give the same bytes.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from corpus_tools.errors import CorpusError, Location
from corpus_tools.fsutil import arrow_path
from corpus_tools.release.arrow_schemas import arrow_schema
from corpus_tools.release.columns import Column, concat, split, to_arrow, to_pylist

# Pinned so output bytes do not depend on pyarrow's defaults (created_by still names the
# pyarrow version: the same environment gives the same bytes).
PARQUET_OPTIONS = {
    "compression": "zstd",
    "compression_level": 9,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
    "write_page_index": False,
    "store_schema": True,
}

# Row groups of one writer queued for the background writer at most: bounds their memory.
_MAX_OUTSTANDING = 2


@dataclass(frozen=True, slots=True)
class Shard:
    config: str
    split: str
    path: str  # relative to the release root, with forward slashes
    num_rows: int
    # Arrow in-memory size of its rows, summed over the batches as written: the quantity datasets
    # calls num_bytes, though datasets, measuring its own table, finds up to 1.5% more (ner,
    # 1.1.0: 112,699 against 111,134); it checks neither, and changing it would change every card
    num_bytes: int


def shard_name(split: str, index: int, total: int) -> str:
    return f"{split}-{index:05d}-of-{total:05d}.parquet"


class ShardedWriter:
    """Writes one (config, split) as numbered parquet shards under ``<root>/data/<config>/``.

    Rows arrive as columns (``extend``: one column per schema field, e.g. all rows of one
    document), kept as they come and turned into Arrow arrays of the explicit schema once per
    batch: no dict per row."""

    def __init__(self, root: Path, config: str, split: str, *, rows_per_shard: int, batch_rows: int,
                 background: Executor | None = None):
        if rows_per_shard < 1 or batch_rows < 1:
            raise ValueError("rows_per_shard and batch_rows must be positive")
        self.root, self.config, self.split = root, config, split
        self.schema = arrow_schema(config)
        self.rows_per_shard, self.batch_rows = rows_per_shard, min(batch_rows, rows_per_shard)
        self.directory = root / "data" / config
        self._columns: dict[str, list[Column]] = {name: [] for name in self.schema.names}  # chunks per column
        self._pending = 0
        self._writer: pq.ParquetWriter | None = None
        self._files: list[tuple[Path, int, int]] = []  # provisional path, rows, bytes
        self._rows_in_file = 0
        self._bytes_in_file = 0
        self._rows_seen = 0
        # Encoding and compressing a row group (most of the write) runs on ``background`` if
        # given, overlapping the building of the next rows. It must run tasks one at a time in
        # submission order (one worker), so each file's row groups keep their order.
        self._background = background
        self._outstanding: deque[Future] = deque()

    def add(self, row: dict) -> None:
        self.extend({name: [value] for name, value in row.items()}, 1)

    def extend(self, columns: dict[str, Column], count: int) -> None:
        """Append ``count`` rows given as one column per schema field."""
        if columns.keys() != self._columns.keys():
            self._fail(self._rows_seen, {name: _first(values) for name, values in columns.items()},
                       f"columns {sorted(set(columns) ^ set(self._columns))} do not match the schema")
        for name, values in columns.items():
            self._columns[name].append(values)
        self._pending += count
        self._rows_seen += count
        # a batch never straddles two shards, so every shard holds exactly rows_per_shard rows
        while self._pending and self._pending >= min(self.batch_rows, self.rows_per_shard - self._rows_in_file):
            self._flush(min(self.batch_rows, self.rows_per_shard - self._rows_in_file))

    def _flush(self, count: int) -> None:
        if not count:
            return
        taken = {}
        for name, chunks in self._columns.items():
            column = concat(chunks)
            if count == self._pending:
                taken[name], self._columns[name] = column, []
            else:
                taken[name], rest = split(column, count)
                self._columns[name] = [rest]
        self._pending -= count
        batch = self._to_batch(taken, count)
        if self._writer is None:
            self._open()
        self._run(self._writer.write_batch, batch, row_group_size=self.batch_rows)
        self._rows_in_file += batch.num_rows
        self._bytes_in_file += batch.nbytes
        if self._rows_in_file >= self.rows_per_shard:
            self._close_file()

    def _to_batch(self, columns: dict[str, Column], count: int) -> pa.RecordBatch:
        first = self._rows_seen - self._pending - count
        try:
            return record_batch(self.schema, columns)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            rows = {name: to_pylist(values) for name, values in columns.items()}
            for offset in range(count):  # find the row at fault, to name it
                row = {name: values[offset] for name, values in rows.items()}
                try:
                    pa.RecordBatch.from_pylist([row], schema=self.schema)
                except (pa.ArrowException, TypeError, ValueError, OverflowError) as error:
                    self._fail(first + offset, row, f"does not fit the schema: {error}")
            raise

    def _fail(self, index: int, row: dict, why: str) -> None:
        doc_id = row.get("doc_id") or row.get("document_id") or row.get("id")
        raise CorpusError(
            "schema-mismatch",
            f"config {self.config!r}, split {self.split!r}, row {index}: {why}",
            Location(doc_id=doc_id),
        )

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f".{self.split}-{len(self._files):05d}.parquet.partial"
        self._writer = pq.ParquetWriter(arrow_path(path), self.schema, **PARQUET_OPTIONS)
        self._files.append((path, 0, 0))

    def _run(self, task, *args, **kwargs) -> None:
        if self._background is None:
            task(*args, **kwargs)
            return
        self._outstanding.append(self._background.submit(task, *args, **kwargs))
        while len(self._outstanding) > _MAX_OUTSTANDING or (self._outstanding and self._outstanding[0].done()):
            self._outstanding.popleft().result()  # bounded memory; raises the task's error here

    def _drain(self) -> None:
        while self._outstanding:
            self._outstanding.popleft().result()

    def _close_file(self) -> None:
        self._run(self._writer.close)
        self._writer = None
        path, _, _ = self._files[-1]
        self._files[-1] = (path, self._rows_in_file, self._bytes_in_file)
        self._rows_in_file = self._bytes_in_file = 0

    @property
    def rows(self) -> int:
        return self._rows_seen

    def close(self, keep_empty: bool = True) -> list[Shard]:
        """Flush, close, give shards their final names; a split without rows gets one empty shard
        if ``keep_empty``, else none."""
        self._flush(self._pending)
        if self._writer is None and not self._files:
            if not keep_empty:
                return []
            self._open()
        if self._writer is not None:
            self._close_file()
        self._drain()
        shards = []
        for index, (path, rows, nbytes) in enumerate(self._files):
            final = self.directory / shard_name(self.split, index, len(self._files))
            path.rename(final)
            shards.append(Shard(self.config, self.split, final.relative_to(self.root).as_posix(), rows, nbytes))
        return shards


def record_batch(schema: pa.Schema, columns: dict[str, Column]) -> pa.RecordBatch:
    """Rows given as columns (one per field of ``schema``), as the release's files hold them."""
    # array by array: RecordBatch.from_pydict(schema=...) takes over ten times as long
    return pa.RecordBatch.from_arrays([to_arrow(columns[field.name], field.type) for field in schema], schema=schema)


def _first(column: Column):
    """A column's first row, to name a row that does not fit (None if it has none)."""
    try:
        rows = to_pylist(column)
    except (TypeError, ValueError):
        return None
    return rows[0] if rows else None
