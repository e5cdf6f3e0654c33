"""Ingest: an export is read once, checked once, stored verbatim, and its units table written.

The store (``annotations/exports/<sequence>-<sha256[:16]>/``: ``export.json``, ``ingest.json``,
``accounts.json``) is described in docs/validation.md, "Ingest and the store"; the units table
of each stored export (``build/units/<stored name>/<fingerprint>/``, made again by ``units_for``
when missing or stale, older ones removed after ``STALE_GRACE``) in docs/architecture.md, "The
fingerprint rule"; the checking pass (``checked_batches``: tasks cut here, checked here or in a
pool of spawned workers, taken back in file order, the same output with any number of jobs) in
its "Order, atomicity, concurrency". Workers are spawned, not forked: they import the checks
only, not pyarrow (each process that loads pyarrow holds some 60 MB more).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import re
import shutil
import time
from array import array
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from corpus_tools.annotations.annotators import register
from corpus_tools.annotations.registry import registry_digest
from corpus_tools.arrays import scalar
from corpus_tools.documents.index import documents_digest
from corpus_tools.documents.removals import removed_documents
from corpus_tools.errors import CorpusError, Location, Problem, Report, agreeing, quantity
from corpus_tools.fingerprint import fingerprint
from corpus_tools.fsutil import (atomic_write_bytes, clear_scratch, exchange, file_errors, made_directories_removed,
                                 staging_dir, writing_under)
from corpus_tools.iterutil import Totalled, batched
from corpus_tools.ingest.checks import EXCLUDING, Context
from corpus_tools.ingest.reader import ExportStream
from corpus_tools.ingest.rows import Columns
from corpus_tools.ingest.storeindex import Holders, StoreIndex
from corpus_tools.ingest.units import Units, UnitsWriter, column_sum, problems_of, record_batches, stats_of
from corpus_tools.ingest.work import check_batch, ctrl_c_held, start_worker, worker_batch
from corpus_tools.layout import Layout
from corpus_tools.lock import corpus_lock
from corpus_tools.records import (
    Document, Exclusion, IngestResult, Snapshot, RegistryEntity, StoredExport, annotator_key, email_key, is_email,
)

STORED_NAME = re.compile(r"^(\d{6})-([0-9a-f]{16})$")
ACCOUNTS_FILE = "accounts.json"
PARALLEL_MIN_BYTES = 16 << 20  # below this, starting workers costs more than they save
BATCH_TASKS = 64  # tasks per batch sent to a worker, and per row group of the units tables (x16)
IN_FLIGHT = 2  # batches per worker in the window
# A units table of an older fingerprint may be read right now by a command that began before the
# code, the corpus or the registry changed (commands that only read take no lock): it is marked
# stale when a newer one is published, and removed by a later publication once stale this long.
STALE_MARK = ".stale-since"
STALE_GRACE = 3600.0  # seconds


# ---------------------------------------------------------------------------------------------
# The store


def stored_exports(layout: Layout) -> list[StoredExport]:
    """The stored exports, in the order they were ingested (none while annotations/exports/ is not
    there; something else in its place is refused, not read as an empty store)."""
    if not layout.exports.is_dir():
        if os.path.lexists(layout.exports):
            raise CorpusError("stored-export-invalid", "not a directory: the store of exports is a directory of "
                              "what ingest stored; restore it from version control", Location(file=str(layout.exports)))
        return []
    found = []
    for path in layout.exports.iterdir():
        match = STORED_NAME.match(path.name)
        if match and path.is_dir():
            found.append(_stored_export(int(match[1]), path, _read_record(path)))
    return sorted(found, key=lambda stored: (stored.sequence, stored.name))


def exports_in_use(stored: list[StoredExport]) -> list[StoredExport]:
    """Those of the ``stored`` exports that can hold a current annotation, in ingest order: all
    but each pull of a project that the server made before another stored pull of it
    (``Snapshot.taken_at``).
    That later pull holds every annotation the project still has, each as new as it is or newer
    (Label Studio's update times never go back); one it lacks was deleted in Label Studio. So the
    annotation set reads one pull per project, however often it was pulled, and a deleted
    annotation leaves it."""
    latest = _latest_pulls(stored)
    return [item for item in stored if item.snapshot is None or latest[item.snapshot.project_key] == item]


def _stored_export(sequence: int, directory: Path, record: dict) -> StoredExport:
    snapshot, truths = record.get("snapshot_of"), record.get("ground_truths")
    return StoredExport(
        sequence, record["sha256"], directory, record.get("allow_partial", False), record.get("trim_whitespace", False),
        frozenset(_exclusion_key(item) for item in record.get("excluded", [])),
        None if snapshot is None else Snapshot(snapshot["project"], snapshot["created_at"], snapshot["taken_at"]),
        None if truths is None else tuple(truths), record.get("previous"), tuple(record.get("deleted", ())))


def _read_record(directory: Path) -> dict:
    path = directory / "ingest.json"
    try:
        record = orjson.loads(path.read_bytes())
        fault = _record_fault(record)
        if fault:
            raise ValueError(fault)
        return record
    except (OSError, ValueError) as error:
        raise _damaged(path, f"cannot be read ({error})") from None


def _record_fault(record: Any) -> str | None:
    """What is wrong with an ingest.json's shape (as ingest writes it), or None."""
    if not isinstance(record, dict) or not isinstance(record.get("sha256"), str):
        return "no sha256"
    wrong = [key for key in ("allow_partial", "trim_whitespace") if not isinstance(record.get(key, False), bool)]
    if wrong:
        return f"{wrong[0]} is not true or false"
    excluded = record.get("excluded", [])
    if not isinstance(excluded, list) or not all(
            isinstance(item, dict) and isinstance(item.get("code"), str)
            and all(isinstance(item.get(key), (int, str, type(None)))
                    for key in ("task_id", "annotation_id", "region_id"))
            for item in excluded):
        return "excluded is not a list of units, each with its problem code and where it is"
    snapshot = record.get("snapshot_of")
    if snapshot is not None:
        try:
            if type(snapshot["project"]) is not int:
                raise TypeError
            Snapshot(snapshot["project"], snapshot["created_at"], snapshot["taken_at"])
        except (TypeError, KeyError, ValueError):
            return "snapshot_of is not a project's id, its creation time and the export's time"
    truths = record.get("ground_truths", [])
    if not (isinstance(truths, list) and all(isinstance(item, str) for item in truths)):
        return "ground_truths is not a list of annotations (unique_id and update time)"
    deleted = record.get("deleted", [])
    if not (isinstance(deleted, list) and all(isinstance(item, str) for item in deleted)) or (
            deleted and snapshot is None):
        return "deleted is not a pull's list of unique_ids"
    previous = record.get("previous")
    if previous is not None and not (isinstance(previous, str) and STORED_NAME.match(previous) and snapshot):
        return "previous is not the stored name of a pull's previous pull"
    return None


def truth_keys(annotations: pa.Table) -> pa.ChunkedArray:
    """Each annotation's unique_id and update time (microseconds), ``"<unique_id> <time>"``; null
    without either. Label Studio keeps one ground truth per task: saving another un-marks the one
    before without moving its update time (``Task.ensure_unique_groundtruth``), so an annotation
    that a stored export held as ground truth with this key is an adjudication still, whatever
    its flag says now (corpus_tools.annotations.consolidate). A person who un-marks it saves it,
    which moves its update time."""
    return pc.binary_join_element_wise(annotations["unique_id"], pc.cast(copy_time(annotations), pa.string()),
                                       scalar(" ", pa.string()))


def copy_time(annotations: pa.Table) -> pa.ChunkedArray:
    """The time an annotation's copies are ranked by, in microseconds: updated_at, else
    created_at (null without either)."""
    return pc.cast(pc.coalesce(annotations["updated_at"], annotations["created_at"]), pa.int64())


def _latest_pulls(stored: Iterable[StoredExport]) -> dict[tuple, StoredExport]:
    """The latest pull of each project among ``stored`` (stored exports, in ingest order): the
    export the server made last (ingest order breaks a tie)."""
    latest: dict[tuple, StoredExport] = {}
    for item in stored:
        key = None if item.snapshot is None else item.snapshot.project_key
        if key is not None and (key not in latest or item.snapshot.taken >= latest[key].snapshot.taken):
            latest[key] = item
    return latest


def stored_accounts(stored: StoredExport) -> dict[str, str] | None:
    """The account (email) of each user id that annotated in a stored export (its
    ``accounts.json``, which ``labelstudio pull`` writes); None for an export whose accounts were
    never recorded (corpus_tools.annotations.annotators)."""
    path = stored.directory / ACCOUNTS_FILE
    try:
        accounts = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        accounts = error
    if not (isinstance(accounts, dict) and all(isinstance(key, str) and key.isdigit() and isinstance(value, str)
                                               for key, value in accounts.items())):
        raise _damaged(path, "is not user id -> email")
    return accounts


def _damaged(path: Path, why: str) -> CorpusError:
    """A file of a stored export that is not as ingest wrote it: the store is append-only, so what
    would set it right is its committed version, not a new ingest."""
    return CorpusError("stored-export-invalid", f"the stored export's {path.name} {why}: the store is damaged; "
                       "restore it from version control", Location(file=str(path)))


def _exclusion_key(item: Mapping[str, Any]) -> tuple:
    return (item.get("code"), item.get("task_id"), item.get("annotation_id"), item.get("region_id"))


def problem_key(problem: Problem) -> tuple:
    where = problem.location
    return (problem.code, where.task_id, where.annotation_id, where.region_id)


# ---------------------------------------------------------------------------------------------
# Checking, on one process or several


def default_jobs(path: Path) -> int:
    """Every core this process may run on, for an export big enough to gain from it; else 1."""
    with file_errors():  # asked before the file is opened: a path that names no file is refused here
        size = path.stat().st_size
    if size < PARALLEL_MIN_BYTES:
        return 1
    return max(1, len(os.sched_getaffinity(0)))


def checked_batches(stream: ExportStream, context: Context, jobs: int | None = 1, checking: Totalled | None = None
                    ) -> Iterator[dict[str, pa.RecordBatch]]:
    """The units of every task of ``stream``, a batch of tasks at a time, in file order, checked
    by ``jobs`` processes (None: ``default_jobs``: every caller's default, decided here once).

    ``annotation_index`` runs on across batches. The first error that makes the file unusable
    (a CorpusError) is raised in file order: a task that is not JSON before the point where the
    file is cut off is the one named. ``checking``: asked, once the file is open, with its size
    in bytes, for the ``on_progress`` called with the bytes checked (``_BytesChecked``)."""
    path = str(stream.path)
    jobs = default_jobs(stream.path) if jobs is None else jobs
    progress = _BytesChecked(stream, checking) if checking is not None else None
    batches = batched(stream.raw_tasks(), BATCH_TASKS)
    if progress is not None:
        batches = progress.noted(batches)
    offset = 0
    ids = _UniqueIds(path)
    checked = ((check_batch(batch, path, context) for batch in batches) if jobs <= 1
               else _in_pool(batches, path, context, jobs))
    for columns in checked:
        result = record_batches(columns, offset)
        ids.add(result)
        offset += result["annotations"].num_rows
        yield result
        if progress is not None:  # once the caller is done with the batch
            progress.batch_done()
    ids.check()
    if progress is not None:
        progress.file_done()


class _BytesChecked:
    """The progress of checking an export, in bytes: the number of tasks in a file is known only
    once it has been read through, but its size from the start, and counting them first would
    read a large export twice. A batch counts as far as its last task ends (the pool hands
    batches back in file order, so they are noted in that order as they are read); the end of the
    file counts the closing bracket after the last task."""

    def __init__(self, stream: ExportStream, checking: Totalled):
        self.stream, self.checking = stream, checking
        self.ends: deque[int] = deque()
        self.on_progress: Callable[[int], None] | None = None
        self.done: int | None = None  # bytes counted; None until the total was given

    def noted(self, batches: Iterable[list[tuple[int, int, bytes]]]) -> Iterator[list[tuple[int, int, bytes]]]:
        for batch in batches:
            _, offset, raw = batch[-1]
            self.ends.append(offset + len(raw))
            yield batch

    def batch_done(self) -> None:
        self._to(self.ends.popleft())

    def file_done(self) -> None:
        self._to(self.stream.size)

    def _to(self, end: int) -> None:
        if self.done is None:  # the file is open by now: it was read up to this batch
            self.on_progress, self.done = self.checking(self.stream.file_size), 0
        if self.on_progress is not None and end > self.done:
            self.on_progress(end - self.done)
        self.done = max(self.done, end)


class _UniqueIds:
    """Label Studio numbers every task and every annotation of its database once, so an id given
    twice in one export means the file was put together by hand (two exports concatenated, a task
    pasted twice). Which one is meant is unknown, and agreement, adjudication and the release
    name annotations by id: the whole file is refused, like a key given twice in an object.
    The ids are gathered into one buffer each and compared once, at the end of the file."""

    def __init__(self, path: str):
        self.path = path
        # one growing buffer each, not an array per batch: small allocations kept from every batch
        # scatter across the heap and keep its pages (9 MB more at 50,000 tasks; these: about 5)
        self.task_ids = array("q")  # in file order, so task_index indexes them
        self.annotation_tasks = array("i")  # task_index and id of submitted annotations
        self.annotation_ids = array("q")

    def add(self, batches: dict[str, pa.RecordBatch]) -> None:
        self.task_ids.frombytes(_values(batches["tasks"]["task_id"]))
        annotations = batches["annotations"]
        submitted = pc.and_(pc.invert(annotations["prediction"]), pc.is_valid(annotations["id"]))
        kept = annotations.select(["task_index", "id"]).filter(submitted)
        self.annotation_tasks.frombytes(_values(kept["task_index"]))
        self.annotation_ids.frombytes(_values(kept["id"]))

    def check(self) -> None:
        task_ids = np.frombuffer(self.task_ids, np.int64)
        repeated = _second_occurrence(task_ids)
        if repeated is not None:
            task_id = int(task_ids[repeated])
            first = int(np.flatnonzero(task_ids == task_id)[0])
            raise CorpusError("export-task-id-duplicate", f"task id {task_id} is given twice, to tasks #{first + 1} "
                              f"and #{repeated + 1} of the file: Label Studio gives each task its own id, so the "
                              "file was put together by hand and which task is meant is unknown",
                              Location(file=self.path, task_id=task_id))
        ids = np.frombuffer(self.annotation_ids, np.int64)
        repeated = _second_occurrence(ids)
        if repeated is not None:
            annotation_id = int(ids[repeated])
            tasks = task_ids[np.frombuffer(self.annotation_tasks, np.int32)[ids == annotation_id]]
            where = (f"twice in task {tasks[0]}" if tasks[0] == tasks[1] else f"in task {tasks[0]} and in task {tasks[1]}")
            raise CorpusError("export-annotation-id-duplicate", f"annotation id {annotation_id} is given {where}: "
                              "Label Studio gives each annotation its own id, so the file was put together by hand "
                              "and which annotation is meant is unknown",
                              Location(file=self.path, task_id=int(tasks[1]), annotation_id=annotation_id))


def _values(column: pa.Array) -> memoryview:
    """The values buffer of a column of integers without nulls, as it is: ``to_numpy`` would
    import pandas (pyarrow checks for it), some 45 MB more in the process that writes the tables."""
    width = column.type.bit_width // 8
    return memoryview(column.buffers()[1])[column.offset * width:(column.offset + len(column)) * width]


def _second_occurrence(values: np.ndarray) -> int | None:
    """The position of the first value in ``values`` that is a repeat of an earlier one, if any."""
    order = np.argsort(values, kind="stable")
    repeats = order[1:][values[order[1:]] == values[order[:-1]]]
    return int(repeats.min()) if len(repeats) else None


def _in_pool(batches: Iterable, path: str, context: Context, jobs: int) -> Iterator[Columns]:
    """Workers started fresh (``spawn``): they load the checks, not this module's pyarrow."""
    window: deque[Future] = deque()
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=start_worker,
                             initargs=(os.getpid(), pickle.dumps(context, pickle.HIGHEST_PROTOCOL))) as pool:
        try:
            reading = iter(batches)
            while True:
                try:
                    batch = next(reading, None)
                except CorpusError:  # the file's damage, after every batch in the window
                    while window:  # a fault in an earlier task is reported first
                        window.popleft().result()
                    raise
                if batch is None:
                    break
                with ctrl_c_held():  # a submit may start a worker
                    window.append(pool.submit(worker_batch, batch, path))
                if len(window) >= jobs * IN_FLIGHT:
                    yield window.popleft().result()  # a task's fault: the first in the file
            while window:
                yield window.popleft().result()
        except BrokenProcessPool:
            raise CorpusError("checking-worker-failed", "a checking worker process died before it finished; one "
                              "started from a script runs the script's top level again (multiprocessing's spawn), "
                              "so call ingest under `if __name__ == \"__main__\":`, or pass jobs=1",
                              Location(file=path)) from None
        finally:
            # interrupted (Ctrl-C, or a caller that stopped reading): no batch waits to start
            pool.shutdown(wait=False, cancel_futures=True)


class _Gathered:
    """What a checking pass adds up besides the tables: the problems, the counts, whether any
    annotation was submitted."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.counts: Counter = Counter()
        self.submitted = 0

    def add(self, batches: dict[str, pa.RecordBatch]) -> None:
        self.problems.extend(problems_of(batches["problems"], self.file))
        self.counts.update(stats_of(batches))
        annotations = batches["annotations"]
        usable = pc.and_(pc.invert(annotations.column("prediction")), pc.invert(annotations.column("cancelled")))
        self.submitted += column_sum(usable)

    def report(self) -> Report:
        return Report.of(self.problems, dict(self.counts))


def validate_export(path: str | Path, documents: Mapping[str, Document], registry: Mapping[str, RegistryEntity],
                    jobs: int | None = 1, *, checking: Totalled | None = None,
                    removed: Mapping[str, str] | None = None) -> Report:
    """Check every task of the export at ``path``; raises CorpusError if the file is no export.
    ``jobs``: processes that check tasks (None: ``default_jobs``, as ingest's).
    ``checking``: the progress in bytes (an ``iterutil.Totalled``: ``checked_batches``).
    ``removed``: the documents removed from the corpus (``removed_documents``), whose tasks are
    left out with a warning; none given, such a task names no document (``doc-unknown``)."""
    path = Path(path)
    context = Context(path.name, documents, registry, removed=removed or {})
    return _write_checked(ExportStream(path), context, jobs, None, checking).report()


# ---------------------------------------------------------------------------------------------
# Ingest


def ingest(export_path: str | Path, layout: Layout, documents: Mapping[str, Document],
           registry: Mapping[str, RegistryEntity], allow_partial: bool = False, jobs: int | None = None,
           trim_whitespace: bool = False, checking: Totalled | None = None,
           rechecking: Totalled | None = None, accounts: Accounts | None = None,
           snapshot: Snapshot | None = None) -> IngestResult:
    """Validate the export at ``export_path``, store it verbatim and write its units table.

    ``accounts``: who the export's user ids are, asked of the server the export comes from
    (``labelstudio pull``: corpus_tools.labelstudio.sync.server_accounts), recorded as
    ``_record_accounts`` says (docs/agreement.md, "Who an annotator is"). Without them, the
    export's user ids are its annotators' ids.

    ``snapshot``: the pull the export is (``labelstudio pull``: it holds its project whole),
    recorded in ``ingest.json`` with what its project's previous pull held and it lacks
    (``deleted``: docs/validation.md, "An annotation deleted in Label Studio"). Such a pull is
    stored even when nothing else in it is new, and even when it holds no task (``[]``); so is a
    project's first pull, the baseline.

    Raises CorpusError when the file is not a Label Studio export at all (nothing is written).
    Status ``refused`` (nothing written) when it has errors and ``allow_partial`` is off;
    ``nothing-new`` (nothing written) when every annotation in it is stored already (``_against_store``);
    ``no-annotations`` (nothing written) when no annotation in it was submitted (all cancelled,
    or none), unless it is a pull of a project pulled before (then it is the project's state) or
    it cancels a stored annotation; ``already-stored`` when the same bytes are in the store (for a
    pull: as its project's latest pull, or as itself). Holds the corpus lock.
    ``checking``: the progress in bytes (an ``iterutil.Totalled``: ``checked_batches``).
    ``rechecking``: asked with the size in bytes of a stored export whose units table is made
    again to compare with this one (made for other code, documents or registry), for the
    ``on_progress`` of the bytes of it checked, as every reader of the store reports that work
    (``units_for``).
    """
    export_path = Path(export_path)
    options = {"allow_partial": allow_partial, "trim_whitespace": trim_whitespace}
    # a first export refused (errors, no export at all, nothing new) leaves no empty store behind
    with corpus_lock(layout, "ingest"), made_directories_removed(layout.exports):
        removed = removed_documents(layout, documents)
        staging = staging_dir(layout.exports, ".ingest-")
        units_staging = None
        try:
            units_staging = _units_staging(layout)
            with writing_under(layout.exports), open(staging / "export.json", "wb") as copy:
                # a pull holds its project whole: with every task deleted, it is [] and says so
                stream = ExportStream(export_path, copy_to=copy, allow_empty=snapshot is not None)
                gathered = _write_checked(stream, Context(export_path.name, documents, registry, trim_whitespace,
                                                          removed), jobs, units_staging, checking=checking)
                copy.flush()
                os.fsync(copy.fileno())
            return _store(layout, staging, units_staging, stream.sha256, gathered, options,
                          documents, registry, removed, accounts, snapshot, export_path, rechecking)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            if units_staging is not None:
                shutil.rmtree(units_staging, ignore_errors=True)


def _write_checked(stream: ExportStream, context: Context, jobs: int | None, directory: Path | None,
                   checking: Totalled | None = None) -> _Gathered:
    """Check ``stream`` and write its units table into ``directory`` (None: validation, nothing
    written). ``checking``: the progress in bytes (``checked_batches``)."""
    gathered = _Gathered(context.file)
    writer = None if directory is None else UnitsWriter(directory)
    try:
        for batches in checked_batches(stream, context, jobs, checking):
            if writer is not None:
                writer.write(batches)
            gathered.add(batches)
    finally:
        if writer is not None:
            writer.close()
    return gathered


def _store(layout: Layout, staging: Path, units_staging: Path, sha256: str, gathered: _Gathered,
           options: dict[str, bool], documents, registry, removed: Mapping[str, str], accounts: Accounts | None,
           snapshot: Snapshot | None, export_path: Path, rechecking: Totalled | None) -> IngestResult:
    report = gathered.report()
    inputs = functools.cache(lambda: inputs_digest(documents, registry, removed))  # a refusal needs none

    def stored_submitted(stored: StoredExport) -> pa.Table:  # checked again (counted) if made for other inputs
        return _submitted(units_for(layout, stored, documents, registry, removed=removed, inputs=inputs(),
                                    rechecking=rechecking))

    exclusions = tuple(_exclusion(problem) for problem in report.problems
                       if problem.severity == "error" or problem.code in EXCLUDING)
    new = Units(units_staging, "export.json")
    exports = stored_exports(layout)
    previous = None if snapshot is None else _latest_pulls(exports).get(snapshot.project_key)
    # a pull is the same only as its project's latest pull, or as itself (the same export of the
    # server's, ingested again): every empty project exports "[]", and a project can come back to
    # the bytes of an older pull ("[]" again)
    existing = next((stored for stored in exports if stored.sha256 == sha256 and (
        snapshot is None or stored == previous or _same_pull(stored.snapshot, snapshot))), None)
    if existing is not None:
        notes = () if accounts is None else _record_accounts(layout, exports, _submitted(new), None, accounts,
                                                             stored_submitted, export_path)
        return IngestResult("already-stored", sha256, existing, report, exclusions, notes)
    if not report.valid and not options["allow_partial"]:
        return IngestResult("refused", sha256, None, report, exclusions)
    # a pull stored without some of its tasks or annotations (--allow-partial) lacks them in its
    # units table, not in Label Studio: it is compared with no pull (the annotation set then reads
    # the previous one for what was deleted)
    whole = not any(item.scope in ("task", "annotation") for item in exclusions)
    # the submitted annotations of this export and of the project's previous pull: read once, here
    mine = _submitted(new)
    prior = None if previous is None else stored_submitted(previous)
    deleted, gone, compared = _deleted(mine, snapshot, previous if whole else None, prior)
    # a pull after a pull of its project is the project's state, cancellations and all; else an
    # export with nothing submitted says something only if it cancels an annotation stored before
    if not gathered.submitted and previous is None and not _cancels_stored(exports, mine, stored_submitted):
        return IngestResult("no-annotations", sha256, None, report, exclusions)
    # a project's first pull is stored whatever it holds: with accounts to record, no need to read
    # the store for whether it holds anything new
    first_pull = snapshot is not None and previous is None

    def units_name(stored: StoredExport) -> str:
        return _units_name(layout, _units_directory(layout, stored, inputs()))

    index = StoreIndex(layout.build / "cache", _SAME)
    # a pull after a pull of its project reads that pull and the few exports stored after it, a
    # cost the store's size does not change; the index would find each of its annotations in every
    # earlier pull too (each holds the whole project), a lookup that grows with every pull stored
    holders = None if previous is not None else (
        lambda start, clashes: index.holders(exports, start, mine, units_name, stored_submitted, clashes))
    nothing_new, notes = (False, ()) if first_pull and accounts is not None else \
        _against_store(exports, mine, stored_submitted, accounts is None, previous, holders)
    notes += deleted
    # a project's first pull is stored even when exports from files hold all of it, and so is a
    # pull that holds an annotation the project's latest stored pull lacks: a pull that holds it
    # is what its deletion is seen against
    if nothing_new and not deleted and not first_pull and not _holds_more(mine, prior):
        notes += _record_accounts(layout, exports, mine, None, accounts, stored_submitted, export_path)
        return IngestResult("nothing-new", sha256, None, report, exclusions, notes)
    if accounts is None and _known_by_account(layout):
        notes += ("its annotators are known by Label Studio user id alone, and annotations/annotators.jsonl names "
                  "people by the corpus's ids: until `labelstudio pull` of its project records their accounts, its "
                  "user N is taken for the corpus's annotator N (docs/agreement.md, \"Who an annotator is\")",)
    record = {"sha256": sha256, **options, "excluded": [exclusion_as_dict(item) for item in exclusions],
              **({"snapshot_of": asdict(snapshot), **({"previous": compared} if compared else {}), "deleted": gone}
                 if snapshot is not None else {}),
              "ground_truths": ground_truth_keys(new)}  # [] too: a record without them is an older one
    atomic_write_bytes(staging / "ingest.json", orjson.dumps(record, option=orjson.OPT_INDENT_2) + b"\n")
    notes += _record_accounts(layout, exports, mine, staging, accounts, stored_submitted, export_path)
    sequence = max((item.sequence for item in exports), default=0) + 1
    stored = _stored_export(sequence, layout.exports / f"{sequence:06d}-{sha256[:16]}", record)
    os.chmod(staging / "export.json", 0o644)
    os.rename(staging, stored.directory)  # the commit point: the export and its record, together
    _fsync_directory(layout.exports)
    # made once: each making stats the export and fingerprints the inputs again
    directory = _units_directory(layout, stored, inputs())
    _publish_units(units_staging, directory)
    index.add(stored.name, _units_name(layout, directory), mine)
    return IngestResult("stored" if report.valid else "stored-partial", sha256, stored, report, exclusions, notes)


# ---------------------------------------------------------------------------------------------
# Who the user ids are (corpus_tools.annotations.annotators)

# given user ids (strings, as the units tables hold them), the email of each the server knows
Accounts = Callable[[Sequence[str]], Mapping[str, str]]


def _record_accounts(layout: Layout, exports: list[StoredExport], mine: pa.Table, staging: Path | None,
                     accounts: Accounts | None, stored_submitted: Callable[[StoredExport], pa.Table],
                     export_path: Path) -> tuple[str, ...]:
    """Write the accounts of the user ids that annotated in the export being stored (``mine``: its
    annotations, ``_submitted``'s; into its ``staging`` directory, None: it is not being stored)
    and in each stored export without recorded accounts that holds an annotation of this one's (a
    unique_id of it: the same database), after giving annotations/annotators.jsonl an id for each
    new account. All the accounts are checked before anything is written."""
    if accounts is None:
        return ()
    ours = mine["unique_id"].drop_null().combine_chunks()
    if staging is None and not len(ours):
        return ()  # nothing stored now, and nothing to find stored exports of this database by
    targets: list[tuple[Path, set[str]]] = [(staging, _user_ids(mine))] if staging is not None else []
    # one pass over the stored exports without accounts: those of this database get them now;
    # the user ids of the others stay their annotators' ids, which a new account must not be given
    taken: set[str] = set()
    for stored in exports:
        if stored_accounts(stored) is not None:
            continue
        theirs = stored_submitted(stored)
        ids = _user_ids(theirs)
        if len(ours) and column_sum(pc.is_in(theirs["unique_id"], value_set=ours)):
            targets.append((stored.directory, ids))
        else:
            taken |= ids
    if not targets:
        return ()
    wanted = sorted(set().union(*(ids for _, ids in targets)), key=annotator_key)
    emails = _checked_accounts(accounts(wanted), wanted, export_path)
    notes = [f"annotator {annotator.id} is the account {annotator.email} (added to annotations/annotators.jsonl)"
             for annotator in register(layout, emails, taken)]
    for directory, ids in targets:
        own = {user_id: emails[user_id] for user_id in sorted(ids, key=annotator_key)}
        atomic_write_bytes(directory / ACCOUNTS_FILE, orjson.dumps(own, option=orjson.OPT_INDENT_2) + b"\n")
        if directory != staging:
            notes.append(f"recorded the accounts of stored export {directory.name}'s annotators: it holds annotations "
                         "of this export's database")
    return tuple(notes)


def _checked_accounts(found: Mapping[str, str], wanted: list[str], export_path: Path) -> dict[str, str]:
    """The accounts of ``wanted`` user ids, refused unless each has an email of its own."""
    where = Location(file=str(export_path))
    missing = [user_id for user_id in wanted if user_id not in found]
    if missing:
        raise CorpusError("annotator-account-invalid", f"user(s) {', '.join(missing)} annotated in this export or in a "
                          "stored export of its database, but the server names no account for them (Label Studio "
                          "lists the users of the caller's organization only): nothing was stored", where)
    by_email: dict[str, str] = {}
    for user_id in wanted:
        email = found[user_id]
        if not (isinstance(email, str) and is_email(email)):
            raise CorpusError("annotator-account-invalid", f"the account of user {user_id} has no email address "
                              f"({email!r}), and the corpus knows annotators by email: give it one, or store the "
                              "export by user id (`pull --no-ingest`, then `ingest`): nothing was stored", where)
        other = by_email.setdefault(email_key(email), user_id)
        if other != user_id:
            raise CorpusError("annotator-account-invalid", f"users {other} and {user_id} are the accounts "
                              f"{found[other]} and {email}, which differ only in the case of their letters: the "
                              "corpus would take the two for one person; give one of them another email: nothing "
                              "was stored", where)
    return {user_id: found[user_id] for user_id in wanted}


def _known_by_account(layout: Layout) -> bool:
    return layout.annotators.exists() and layout.annotators.stat().st_size > 0


def _user_ids(annotations: pa.Table) -> set[str]:
    """The user ids that annotated (``_submitted``'s annotations)."""
    return {user_id for user_id in pc.unique(annotations["annotator"]).to_pylist() if user_id is not None}


# What says an annotation is one already stored: Label Studio's unique_id, and the fields that
# change whenever an annotator saves it (updated_at: its result cannot change without it)
_SAME = ["id", "unique_id", "updated_at", "cancelled", "ground_truth", "annotator", "lead_time"]


def _against_store(exports: list[StoredExport], mine: pa.Table,
                   stored_submitted: Callable[[StoredExport], pa.Table], by_user_id: bool,
                   previous: StoredExport | None = None,
                   holders: Callable[[int, bool], Holders | None] | None = None) -> tuple[bool, tuple[str, ...]]:
    """The export's annotations (``mine``: ``_submitted``'s) against the stored exports', each
    stored export's read once (the rules: docs/validation.md, "Ingest and the store", "Nothing
    new" and "Another database"): whether there is nothing new (every annotation stored already with every field of
    ``_SAME`` equal; one without a unique_id is always new), and, when its annotators are known by
    user id alone (``by_user_id``), a note when its annotation ids name other annotations than a
    stored export's (another Label Studio database). Only a note: a SQLite database can give a
    deleted newest annotation's id to the next one.

    ``previous``: the previous pull of the project this export is a pull of; the exports stored
    before it are not read (Label Studio never brings an annotation back under its unique_id).
    ``holders(start, clashes)``: what the store's index says of ``exports[start:]``
    (corpus_tools.ingest.storeindex; None: every one is read), asked once the newest is read and
    found not to settle it; only the stored exports it names are read.

    Compared as columns, matched by unique_id (one per annotation in an export): Python objects
    for the rows of a large export took tens of MB, and converting timestamps to Python imports
    pandas."""
    if not mine.num_rows or not column_sum(pc.is_valid(mine["unique_id"])):
        return False, ()  # no annotation of Label Studio's own: nothing to compare, no stored table to read
    comparable = mine["unique_id"].null_count == 0
    start = exports.index(previous) if previous is not None else 0
    held = None
    seen = None
    note: tuple[str, ...] = ()
    # newest first: a pull of a project holds its every annotation, so when nothing is new the
    # last pull is the one export read, however many the store holds; the index is asked only
    # after it: asked first, it finds each annotation in every stored pull that holds it, and
    # indexes every stored export whose table was made again (all of them after a code change)
    for position, stored in enumerate(reversed(exports[start:])):
        if position == 1 and holders is not None:
            held = holders(start, by_user_id)
        same = held is None or (comparable and held.all_same and stored.name in held.same)
        clash = by_user_id and not note and (held is None or stored.name in held.clashing)
        if not (same or clash):
            continue
        theirs = stored_submitted(stored)
        if same:
            seen = _stored_unchanged(mine, theirs, seen)
            if comparable and column_sum(seen) == mine.num_rows:
                return True, ()
        if clash:
            note = _clash_note(mine, theirs, stored)
    return False, note


def _same_pull(one: Snapshot | None, other: Snapshot) -> bool:
    return one is not None and (one.project_key, one.taken) == (other.project_key, other.taken)


def _cancels_stored(exports: list[StoredExport], mine: pa.Table,
                    stored_submitted: Callable[[StoredExport], pa.Table]) -> bool:
    """Whether an export (``mine``: its annotations, ``_submitted``'s) holds a copy of a stored
    annotation (``_copy_keys``): then its cancellation is news, though nothing in it was submitted."""
    ours = _copy_keys(mine).drop_null()
    if not len(ours):
        return False
    ours = ours.combine_chunks()
    return any(column_sum(pc.is_in(_copy_keys(stored_submitted(stored)), value_set=ours))
               for stored in reversed(exports))


def _copy_keys(annotations: pa.Table) -> pa.ChunkedArray:
    """What finds the copies of each annotation (``_submitted``'s columns): its unique_id, else its
    id and its server's user id. A file without unique_ids (not written by Label Studio, or by an
    older one) is read by the annotation set all the same, each annotation told apart by its id,
    document and annotator (corpus_tools.annotations.consolidate): matched by unique_id alone, its
    cancellation of an annotation stored before was not stored, and the cancelled annotation stayed
    a version. Looser than the set's identity (two servers' user 1 may share an annotation id): at
    worst an export of cancellations only is stored that cancels nothing stored."""
    # "\x1f" first: no unique_id Label Studio writes begins so
    without = pc.binary_join_element_wise(scalar("", pa.string()), annotations["annotator"],
                                          pc.cast(annotations["id"], pa.string()), scalar("\x1f", pa.string()))
    return pc.coalesce(annotations["unique_id"], without)


def _holds_more(mine: pa.Table, prior: pa.Table | None) -> bool:
    """Whether the export (``mine``: its annotations, ``_submitted``'s) holds an annotation (a
    unique_id) that ``prior`` (those of its project's latest stored pull, if any) does not."""
    ours = mine["unique_id"].drop_null()
    if prior is None or not len(ours):
        return False
    return column_sum(pc.is_in(ours, value_set=prior["unique_id"].drop_null().combine_chunks())) < len(ours)


def _deleted(mine: pa.Table, snapshot: Snapshot | None, previous: StoredExport | None,
             theirs: pa.Table | None) -> tuple[tuple[str, ...], list[str], str | None]:
    """A note when annotations of the project's ``previous`` stored pull are not in this one: they
    were deleted in Label Studio; the unique_ids of those that have one, sorted (``deleted`` in
    ingest.json: they leave every stored export, those ingested from files too); and the name of
    the pull compared with (``previous`` in ingest.json: the annotation set need not read it for
    its deletions), None without a previous pull or when this one is older. ``mine``, ``theirs``:
    this export's and the previous pull's submitted annotations (``_submitted``). Matched by
    unique_id (a SQLite database gives a deleted annotation's id to the next one), else by id."""
    if snapshot is None or previous is None or previous.snapshot.taken > snapshot.taken:
        return (), [], None  # an older pull than the one read says nothing of what was deleted since
    gone = pc.invert(pc.is_in(_annotation_key(theirs), value_set=_annotation_key(mine).combine_chunks()))
    count = column_sum(gone)
    if not count:
        return (), [], previous.name
    listed = _first_ids(theirs["id"].filter(gone).to_pylist())
    return (f"{quantity(count, 'annotation')} of project {snapshot.project}'s previous pull (stored export "
            f"{previous.name}) {agreeing(count, 'is', 'are')} not in this one: deleted in Label Studio, "
            f"{agreeing(count, 'it leaves', 'they leave')} the annotation set (ids {listed})",), \
        sorted(set(theirs["unique_id"].filter(gone).drop_null().to_pylist())), previous.name


def _annotation_key(table: pa.Table) -> pa.ChunkedArray:
    empty = scalar("", pa.string())
    return pc.coalesce(table["unique_id"], pc.binary_join_element_wise(scalar("id ", pa.string()),
                                                                       pc.cast(table["id"], pa.string()), empty))


def ground_truth_keys(units: Units) -> list[str]:
    """The ``truth_keys`` of the ground-truth annotations of an export's units table, sorted."""
    table = units.read("annotations", ["unique_id", "updated_at", "created_at", "ground_truth", "prediction"])
    table = table.filter(pc.and_(table["ground_truth"], pc.invert(table["prediction"])))
    return sorted(set(truth_keys(table).drop_null().to_pylist()))


def _submitted(units: Units) -> pa.Table:
    table = units.read("annotations", [*_SAME, "prediction"])
    return table.filter(pc.invert(table["prediction"])).select(_SAME)


def _stored_unchanged(mine: pa.Table, theirs: pa.Table, seen: pa.ChunkedArray | None) -> pa.ChunkedArray:
    """Which of ``mine`` are in ``theirs`` with every field of ``_SAME`` equal, or were already
    (``seen``)."""
    where = pc.index_in(mine["unique_id"], value_set=theirs["unique_id"].combine_chunks(), skip_nulls=True)
    found = pc.is_valid(where)
    for name in _SAME:
        ours, stored = mine[name], pc.take(theirs[name], where)
        both_null = pc.and_(pc.is_null(ours), pc.is_null(stored))
        found = pc.and_(found, pc.or_(_where_both(pc.equal, ours, stored), both_null))
    return found if seen is None else pc.or_(seen, found)


def _where_both(compare: Callable, one: pa.ChunkedArray, other: pa.ChunkedArray) -> pa.ChunkedArray:
    """``compare(one, other)`` where both have a value, else false: never null (Kleene: false and
    null is false), without fill_null's scalar, which imports pandas."""
    return pc.and_kleene(pc.and_(pc.is_valid(one), pc.is_valid(other)), compare(one, other))


def _clash_note(mine: pa.Table, theirs: pa.Table, stored: StoredExport) -> tuple[str, ...]:
    theirs = theirs.filter(pc.is_valid(theirs["unique_id"]))
    where = pc.index_in(mine["id"], value_set=theirs["id"].combine_chunks(), skip_nulls=True)
    other = _where_both(pc.not_equal, pc.take(theirs["unique_id"], where), mine["unique_id"])
    clashes = mine["id"].filter(other).to_pylist()
    if not clashes:
        return ()
    return (f"annotation ids {_first_ids(clashes)} of this export name other annotations (another unique_id) in stored "
            f"export {stored.name}: it looks exported from another Label Studio database, whose user ids "
            "are other people, yet this export's annotators are known by user id alone: ingest it with "
            "`labelstudio pull`, which records their accounts (docs/agreement.md)",)


def _first_ids(ids: list[int]) -> str:
    """The first five of ``ids`` in order, and how many more: a note stays one line."""
    shown = sorted(ids)
    return ", ".join(map(str, shown[:5])) + (f" and {len(shown) - 5} more" if len(shown) > 5 else "")


def exclusion_as_dict(exclusion: Exclusion) -> dict[str, Any]:
    return {key: getattr(exclusion, key) for key in exclusion.__slots__ if getattr(exclusion, key) is not None}


def _exclusion(problem: Problem) -> Exclusion:
    where = problem.location
    if where.region_id is not None:
        scope = "relation" if "->" in where.region_id else "region"
    else:
        scope = "annotation" if where.annotation_id is not None else "task"
    return Exclusion(scope, problem.code, problem.message, where.task_id, where.doc_id, where.annotation_id,
                     where.region_id)


# ---------------------------------------------------------------------------------------------
# Units tables of stored exports


def units_for(layout: Layout, stored: StoredExport, documents: Mapping[str, Document],
              registry: Mapping[str, RegistryEntity], jobs: int | None = None, *,
              removed: Mapping[str, str] | None = None, inputs: tuple[str, str, str] | None = None,
              rechecking: Totalled | None = None) -> Units:
    """The units table of a stored export for the current code, documents, registry and removed
    documents; made by the checking pass ingest runs when there is none yet (or only a damaged
    one). ``removed``: ``removed_documents(layout, documents)`` and ``inputs``:
    ``inputs_digest(documents, registry, removed)``, from a caller that asks for many stored
    exports (the digest reads every registry entity: 4 to 8 ms each time for 469 entities, 381 ms
    for 20,000); read here when not given.
    ``rechecking``: as ``units_of``' (here asked with the export's size)."""
    return units_of(layout, [stored], documents, registry, jobs, removed=removed, inputs=inputs,
                    rechecking=rechecking)[0]


def units_of(layout: Layout, stored: Sequence[StoredExport], documents: Mapping[str, Document],
             registry: Mapping[str, RegistryEntity], jobs: int | None = None, *,
             removed: Mapping[str, str] | None = None, inputs: tuple[str, str, str] | None = None,
             rechecking: Totalled | None = None) -> list[Units]:
    """``units_for`` of each of ``stored``, in that order. ``rechecking``: asked, once every
    table has been looked for and some must be made, with the size in bytes of the exports whose
    tables are made (from the files: how many tasks they hold is known only once they are read),
    for the ``on_progress`` called with the bytes of them checked (``checked_batches``)."""
    removed = removed_documents(layout, documents) if removed is None else removed
    inputs = inputs or inputs_digest(documents, registry, removed)
    found = [_units_in_place(layout, item, inputs) for item in stored]
    missing = [(item, units) for item, units in zip(stored, found) if not units.complete()]
    on_progress = None
    if rechecking is not None and missing:
        with file_errors():  # export.json gone since its table was looked for: named, not a traceback
            total = sum(os.stat(item.export).st_size for item, _ in missing)
        on_progress = rechecking(total)
    for item, units in missing:
        # each file asks with its own size once open: one bar for all of them, to their sum
        _make_units(layout, item, units, documents, registry, removed, jobs,
                    None if on_progress is None else lambda size: on_progress)
    return found


def _units_in_place(layout: Layout, stored: StoredExport, inputs: tuple[str, str, str]) -> Units:
    """Where the units table of ``stored`` for ``inputs`` is, that directory made ready to be
    looked in: no file in its place, no mark of a stale table."""
    directory = _units_directory(layout, stored, inputs)
    # scratch: a file in the place of the table's directory, or of build/units or build/units/<stored>
    # above it, is made again
    clear_scratch(directory, layout.build / "units")
    if os.path.lexists(directory) and not directory.is_dir():  # a link too: its name is the package's own
        directory.unlink()
    # current again (the inputs went back to what made it): no longer to be removed
    (directory / STALE_MARK).unlink(missing_ok=True)
    return Units(directory, stored.name)


def _make_units(layout: Layout, stored: StoredExport, units: Units, documents: Mapping[str, Document],
                registry: Mapping[str, RegistryEntity], removed: Mapping[str, str], jobs: int | None,
                checking: Totalled | None) -> None:
    """Make ``units``, which is not complete (none yet, or one with a part gone), by the checking pass."""
    if units.complete():  # made meanwhile by another command, which found it missing too
        return
    staging = _units_staging(layout)
    try:
        context = Context(stored.name, documents, registry, stored.options["trim_whitespace"], removed)
        stream = ExportStream(stored.export, allow_empty=True)  # stored: accepted once
        try:
            with writing_under(layout.build / "units"):
                _write_checked(stream, context, jobs, staging, checking=checking)
        except CorpusError:
            # a file ingest accepted is one it accepts again: what is wrong now is the edit
            _require_unchanged(stored, _file_sha256(stored.export))
            raise
        _require_unchanged(stored, stream.sha256)
        _publish_units(staging, units.directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _units_staging(layout: Layout) -> Path:
    """A staging directory in build/units, which a file in its place does not stop (``clear_scratch``)."""
    clear_scratch(layout.build / "units", layout.build / "units")
    return staging_dir(layout.build / "units", ".units-")


def _require_unchanged(stored: StoredExport, sha256: str) -> None:
    if sha256 != stored.sha256:
        raise CorpusError("stored-export-changed", f"export.json is no longer the file ingest stored (its "
                          f"SHA-256 is {sha256[:16]}..., ingest.json records {stored.sha256[:16]}...): "
                          "the store is append-only; restore it from version control",
                          Location(file=str(stored.export)))


def _file_sha256(path: Path) -> str:
    with file_errors():  # a directory in export.json's place is named, not a traceback
        handle = open(path, "rb")
    with handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def inputs_digest(documents: Mapping[str, Document], registry: Mapping[str, RegistryEntity],
                  removed: Mapping[str, str]) -> tuple[str, str, str]:
    """What a units table depends on besides its export, the code and its options: the documents,
    the registry, and the documents removed from the corpus with their reasons (a removal turns a
    task's doc-unknown error into a doc-removed warning that names the reason)."""
    said = orjson.dumps(sorted(removed.items()))
    return documents_digest(documents), registry_digest(registry), hashlib.sha256(said).hexdigest()


def _units_directory(layout: Layout, stored: StoredExport, inputs: tuple[str, str, str]) -> Path:
    # the file's size and change times stand in for its bytes (hashing every stored export on
    # every command would cost a read of each): an export edited in place gets a new key, and the
    # checking pass that makes its table finds the SHA-256 differs from ingest.json's. The inode's
    # change time is there because a write always sets it, whatever the modification time is set
    # back to (`touch -r`)
    with file_errors():  # export.json gone, or a loop of links in its place: named, not a traceback
        status = os.stat(stored.export)
    stamp = f"{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}"
    key = fingerprint("units", stored.sha256, stamp, *inputs, orjson.dumps(stored.options, option=orjson.OPT_SORT_KEYS))
    # one directory per stored export: publishing a table lists its export's older tables only, so
    # rebuilding every table is linear in the store (a flat build/units/ was listed whole each time)
    return layout.build / "units" / stored.name / key[:16]


def _units_name(layout: Layout, directory: Path) -> str:
    """What the store's index knows a units table by: its directory, relative to build/."""
    return str(directory.relative_to(layout.build))


def _publish_units(staging: Path, directory: Path) -> None:
    """Rename ``staging`` to ``directory``. A directory there is never removed first: commands that
    only read take no lock, and one that found the table missing removed the table another had
    made meanwhile, and was reading (units-missing). One complete now is that other command's (the
    same inputs, the same tables) and is kept; a damaged one is swapped out, left in ``staging``
    for the caller to remove."""
    directory.parent.mkdir(exist_ok=True)
    try:
        os.rename(staging, directory)
    except OSError:
        if not directory.is_dir():
            raise
        if not Units(directory, directory.parent.name).complete() and not exchange(staging, directory):
            shutil.rmtree(directory, ignore_errors=True)  # no swap where the system has none
            os.rename(staging, directory)
    for older in directory.parent.iterdir():  # the export's tables of other fingerprints
        if older == directory:
            continue
        mark = older / STALE_MARK
        try:
            if time.time() - mark.stat().st_mtime >= STALE_GRACE:
                shutil.rmtree(older, ignore_errors=True)
        except FileNotFoundError:
            with contextlib.suppress(OSError):  # gone meanwhile: nothing to mark
                mark.touch()
        except NotADirectoryError:  # a file (a stray write), no table anyone reads: it stopped every publication
            older.unlink(missing_ok=True)


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
