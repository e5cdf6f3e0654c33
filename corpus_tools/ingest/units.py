"""The units table: what one stored export holds, as typed columns. The one intermediate format.

Ingest checks an export once (corpus_tools.ingest.checks) and writes what it found here; the
annotation set, lint, release, agreement and diff read only this. One explicit Arrow schema per
table, all five in this module:

* ``tasks``: one row per task (its index in the file, id, doc_id, the SHA-256 of its text,
  whether that text is not the document's current one, spans re-anchored, excluded);
* ``annotations``: one row per annotation or prediction (``prediction``), with the task it
  belongs to, its position there, annotator, ground truth, cancelled, timestamps, lead time,
  unique_id, whether it began as a prediction (``from_prediction``: Label Studio's
  parent_prediction), model version and score (predictions), excluded; ``annotation_index`` numbers them in the file;
* ``regions``: one row per labelled region: layer, label, offsets into the task's text
  (``start``/``end``) and into the document's current text (``doc_start``/``doc_end``, null when
  it cannot be re-anchored), the per-region values, score, excluded;
* ``relations``: ``said_by`` and ``cue`` links, oriented QUOTE -> SOURCE/CUE, excluded;
* ``problems``: every problem validation found, located.

A unit is ``excluded`` when an error left it out (or its annotation or task); queries keep
``excluded == false``. The five tables of one export are in one directory (written into a
temporary directory and renamed, so they appear together), each as numbered parquet parts
(``PART_ROW_GROUPS``); row groups follow batches of tasks, the same in every table, so a reader
can stream a large export a batch at a time.
"""

from __future__ import annotations

import shutil
from array import array
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus_tools.arrays import KIND_TYPES, from_buffers
from corpus_tools.errors import CorpusError, Location, Problem
from corpus_tools.fsutil import arrow_path
from corpus_tools.ingest.rows import COLUMNS, Columns

SCHEMAS: dict[str, pa.Schema] = {name: pa.schema([(column, KIND_TYPES[kind]) for column, kind in columns])
                                 for name, columns in COLUMNS.items()}


def record_batches(columns: Columns, shift: int = 0) -> dict[str, pa.RecordBatch]:
    """The columns of each table (``RowsBuilder.columns``) as a record batch of its schema, its
    buffers wrapped, not copied; ``shift`` is added to ``annotation_index``."""
    batches = {}
    for name, schema in SCHEMAS.items():
        arrays = []
        for column, field in zip(columns[name], schema):
            if shift and field.name == "annotation_index":
                length, nulls, validity, values = column
                shifted = array("i", [value + shift for value in memoryview(values).cast("i")])
                column = length, nulls, validity, shifted.tobytes()
            arrays.append(from_buffers(field.type, column))
        batches[name] = pa.RecordBatch.from_arrays(arrays, schema=schema)
    return batches


# Row groups per file. A parquet file keeps about 1 kB of metadata per column of each of its row
# groups in memory while it is written or read: with every row group of an export in one file,
# that grew with the export (some 40 MB for the five tables of 50,000 tasks, in ingest and in each
# reader). A table is therefore stored as numbered parts (``regions.00000.parquet``, ...), each of
# at most this many row groups; a reader opens one part at a time.
PART_ROW_GROUPS = 64


def part_name(table: str, part: int) -> str:
    return f"{table}.{part:05d}.parquet"


def _part_file(path: Path) -> pq.ParquetFile:
    """A part of a units table, opened: every read goes through here, with the path as pyarrow
    takes it (fsutil.arrow_path: UTF-8, whatever the locale), each page checked against its
    CRC (``UnitsWriter`` writes them): a zstd page has no checksum of its own, and a byte changed
    in one was read as other values (a flipped bit read back as different rows, no error)."""
    return pq.ParquetFile(arrow_path(path), page_checksum_verification=True)


class UnitsWriter:
    """Writes the five tables of one export into ``directory`` (which must not exist yet)."""

    def __init__(self, directory: Path, part_row_groups: int = PART_ROW_GROUPS):
        directory.mkdir(parents=True, exist_ok=True)
        self.directory, self.part_row_groups = directory, part_row_groups
        self._part, self._row_groups = 0, 0
        self._open()  # part 0 even for an export without tasks: readers find every table's schema

    def _open(self) -> None:
        self.writers = {name: pq.ParquetWriter(arrow_path(self.directory / part_name(name, self._part)), schema,
                                               compression="zstd", write_page_checksum=True)
                        for name, schema in SCHEMAS.items()}

    def write(self, batches: dict[str, pa.RecordBatch]) -> None:
        """One row group in each table, empty ones included: row group k of every table holds
        the units of the same batch of tasks (``Units.row_groups``)."""
        if self._row_groups == self.part_row_groups:
            self.close()
            self._part, self._row_groups = self._part + 1, 0
            self._open()
        for name, batch in batches.items():
            self.writers[name].write_batch(batch)
        self._row_groups += 1

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass(frozen=True, slots=True)
class Units:
    """The units tables of one stored export, on disk."""

    directory: Path
    export: str  # the stored export's name (the file problems are located in)

    def parts(self, table: str) -> list[Path]:
        """The files of ``table``, in order (``part_name``)."""
        return sorted(self.directory.glob(f"{table}.*.parquet"))

    def complete(self) -> bool:
        """Whether every table has the same number of parts, numbered from 0, each a parquet file
        of the table's schema (its footer is read): units tables are scratch, and a directory with
        a part gone or damaged is made again, never read short or failed on."""
        counts = set()
        for table, schema in SCHEMAS.items():
            paths = self.parts(table)
            if [path.name for path in paths] != [part_name(table, part) for part in range(len(paths))]:
                return False
            try:
                if any(not _part_file(path).schema_arrow.equals(schema) for path in paths):
                    return False
            except (OSError, pa.ArrowInvalid):
                return False
            counts.add(len(paths))
        return len(counts) == 1 and 0 not in counts

    def read(self, table: str, columns: list[str] | None = None) -> pa.Table:
        parts = self.parts(table)
        if not parts:  # made complete before this command read it: removed since, by hand
            raise CorpusError("units-missing", f"the {table} table is gone: build/ was deleted while this command ran? "
                              "run it again", Location(file=str(self.directory)))
        return pa.concat_tables([self._read(path, lambda: _part_file(path).read(columns=columns)) for path in parts])

    def row_groups(self, columns: Mapping[str, list[str] | None]) -> Iterator[dict[str, pa.Table]]:
        """The units a batch of tasks at a time: row group k of each table named in ``columns``
        (with those columns), for exports too big to hold at once; one part of each open at a time."""
        for paths in zip(*(self.parts(name) for name in columns), strict=True):
            files = {name: (path, _part_file(path)) for name, path in zip(columns, paths)}
            for k in range(next(iter(files.values()))[1].num_row_groups):
                yield {name: self._read(path, lambda: file.read_row_group(k, columns=columns[name]))
                       for name, (path, file) in files.items()}

    def places(self) -> list[tuple[int, int, int]]:
        """Where each row group is, in order: (part, row group in the part, one past the
        annotation_index of its last annotation), from the footers of the annotations parts.
        annotation_index numbers the annotations in file order, row group after row group, so the
        row group of annotation ``a`` is the first whose end is above ``a``."""
        places, end = [], 0
        for part, path in enumerate(self.parts("annotations")):
            metadata = _part_file(path).metadata
            for k in range(metadata.num_row_groups):
                end += metadata.row_group(k).num_rows
                places.append((part, k, end))
        return places

    def read_place(self, part: int, k: int, columns: Mapping[str, list[str] | None]) -> dict[str, pa.Table]:
        """Row group ``k`` of part ``part`` of each table named in ``columns`` (see ``places``)."""
        paths = {name: self.directory / part_name(name, part) for name in columns}
        return {name: self._read(paths[name], lambda: _part_file(paths[name]).read_row_group(k, columns=wanted))
                for name, wanted in columns.items()}

    def _read(self, path: Path, read: Callable[[], pa.Table]) -> pa.Table:
        """``read()``, which reads the part at ``path``. ``complete`` reads each part's footer only (reading
        every page of every table on each command would cost what reading them does), so a part
        damaged inside (a crash of a disk that lost pages, not its end) is found here: the table
        is removed, as scratch, so that the next command makes it again, and this one stops with
        a located error rather than pyarrow's, which named no file, run after run."""
        try:
            return read()
        except FileNotFoundError:
            raise
        except (OSError, pa.ArrowException) as error:
            shutil.rmtree(self.directory, ignore_errors=True)
            why = " ".join(str(error).replace("\\n", "\n").split())  # one line
            raise CorpusError("units-damaged", f"the units table cannot be read ({why}): it was removed, to be made "
                              "again: run the command again", Location(file=str(path))) from None

    def problems(self) -> list[Problem]:
        return problems_of(self.read("problems"), self.export)

    def stats(self) -> dict[str, int]:
        tally: Counter = Counter()
        for groups in self.row_groups(_STATS_COLUMNS):  # a batch at a time: memory flat in the export's size
            tally.update(stats_of(groups))
        return dict(tally)


_STATS_COLUMNS = {"tasks": ["excluded", "text_changed", "spans_reanchored"],
                  "annotations": ["annotation_index", "prediction", "cancelled"],
                  "regions": ["annotation_index"], "relations": ["annotation_index"]}


def stats_of(tables: Mapping[str, pa.Table | pa.RecordBatch]) -> dict[str, int]:
    """What the checks counted: tasks, excluded and text-changed tasks, re-anchored spans, the
    annotations (predictions are not counted), the cancelled ones, and their regions and
    relations. Every count is there, 0 included: a report of tasks without annotations (only
    drafts, say) says 0 annotations rather than leaving the key out of ``--json``'s stats."""
    tasks, annotations = tables["tasks"], tables["annotations"]
    annotations = annotations.filter(pc.invert(annotations["prediction"]))
    wanted = annotations["annotation_index"]
    return {"tasks": tasks.num_rows, "tasks_excluded": column_sum(tasks["excluded"]),
            "tasks_text_changed": column_sum(tasks["text_changed"]),
            "spans_reanchored": column_sum(tasks["spans_reanchored"]),
            "annotations": annotations.num_rows, "annotations_cancelled": column_sum(annotations["cancelled"]),
            "regions": _count_in(tables["regions"], wanted), "relations": _count_in(tables["relations"], wanted)}


def column_sum(column) -> int:
    """The sum of a column of numbers or booleans (the number of trues), nulls left out; 0 when empty."""
    return int(pc.sum(column.cast(pa.int64())).as_py() or 0)


def _count_in(table, wanted) -> int:
    if not table.num_rows:
        return 0
    return column_sum(pc.is_in(table["annotation_index"],
                               value_set=wanted if isinstance(wanted, pa.Array) else wanted.combine_chunks()))


def problems_of(table: pa.Table, export: str) -> list[Problem]:
    problems = []
    for row in table.to_pylist():
        annotation = row["annotation_id"] if row["annotation_id"] is not None else row["annotation_ref"]
        location = Location(file=export, task_id=row["task_id"], doc_id=row["doc_id"], annotation_id=annotation,
                            region_id=row["region_id"])
        problems.append(Problem(row["code"], row["message"], location))
    return problems
