"""Checking the tasks of an export on one process or several, with results in file order.

Validation is per task and no task's checks depend on another's, so ``ingest`` and ``validate``
can use every core: the parent process reads the export once (cutting it into the bytes of each
task, hashing it and, for ingest, copying it: corpus_tools.ingest.reader), forked worker processes
parse and check batches of tasks, and each task comes back as a ``TaskOutcome``: what ingest and
validate keep of a ``CheckedTask`` (problems, exclusions, counts, the validation-record line),
small enough to cross a pipe cheaply. Outcomes are yielded in file order whatever the number of
workers, and the first error in file order is the one raised, so reports, records and stored
files are the same with any number of jobs.

Workers are forked, so they share the parent's documents index and registry without pickling
them; only task bytes go out and outcomes come back. Exports smaller than ``PARALLEL_MIN_BYTES``
are checked in-process by default: starting workers would cost more than it saves.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import re
import traceback
from collections import deque
from pathlib import Path
from typing import Any, Iterable, Iterator

from corpus_tools.ingest import record as validation_record
from corpus_tools.errors import CorpusError, Problem
from corpus_tools.ingest.reader import ExportStream, parse_task
from corpus_tools.records import Exclusion, TaskOutcome
from corpus_tools.ingest.checks import CheckedTask, Context, check_task, task_counts

PARALLEL_MIN_BYTES = 16 << 20  # about 650 tasks of 3,000 characters and 50 regions
BATCH_TASKS = 64  # tasks per message to a worker
IN_FLIGHT = 3  # batches sent to each worker before the parent waits for the oldest
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def default_jobs(path: Path) -> int:
    """Every core this process may run on, for an export big enough to gain from it; else 1."""
    if path.stat().st_size < PARALLEL_MIN_BYTES:
        return 1
    return max(1, len(os.sched_getaffinity(0)))


def check_outcomes(stream: ExportStream, context: Context, jobs: int = 1) -> Iterator[TaskOutcome]:
    """The outcome of each task of ``stream``, in file order, checked on ``jobs`` processes."""
    if jobs <= 1:
        for task in stream:
            yield outcome_of(check_task(task, context))
        return
    yield from _parallel(stream, context, jobs)


def outcome_of(checked: CheckedTask) -> TaskOutcome:
    return TaskOutcome(
        doc_id=checked.doc_id,
        problems=tuple(checked.problems),
        exclusions=tuple(exclusions_of(checked)),
        counts=tuple(task_counts(checked).items()),
        latest_date=max(filter(None, (_date_of(a.updated_at) or _date_of(a.created_at) for a in checked.annotations)),
                        default=None),
        record_line=validation_record.task_line(checked) if _recordable(checked) else None,
    )


def _recordable(checked: CheckedTask) -> bool:
    """Whether a record may stand for this task: usable, on its document's current text, no error."""
    return checked.text is not None and not checked.reanchored and not any(
        problem.severity == "error" or problem.code == "text-changed" for problem in checked.problems)


def _date_of(stamp: Any) -> str | None:
    match = _DATE.match(stamp) if isinstance(stamp, str) else None
    return "".join(match.groups()) if match else None


# ---------------------------------------------------------------------------------------------
# Exclusions: what validation left out, and why


def exclusions_of(checked: CheckedTask) -> list[Exclusion]:
    """Every unit of ``checked`` left out of the records, with the reason."""
    found = [_exclusion(problem) for problem in checked.problems
             if problem.severity == "error" or problem.code == "attribution-unlinked"]
    for annotation in checked.annotations:
        if annotation.cancelled or annotation.excluded or checked.excluded:
            continue
        for link in annotation.links:
            gone = [rid for rid in (link.from_id, link.to_id) if annotation.regions[rid].excluded]
            if gone:
                found.append(Exclusion("relation", "endpoint-excluded",
                                       f"{link.label} relation dropped with excluded region(s) {', '.join(gone)}",
                                       checked.task_id, checked.doc_id, annotation.id, f"{link.from_id}->{link.to_id}"))
    return found


def _exclusion(problem: Problem) -> Exclusion:
    where = problem.location
    if where.region_id is not None:
        scope = "relation" if "->" in where.region_id else "region"
    else:
        scope = "annotation" if where.annotation_id is not None else "task"
    return Exclusion(scope, problem.code, problem.message, where.task_id, where.doc_id, where.annotation_id,
                     where.region_id)


# ---------------------------------------------------------------------------------------------
# Worker processes


class _Worker:
    """One forked checker: batches of (index, offset, bytes) in, lists of outcomes (or an error) out."""

    def __init__(self, fork: Any, context: Context, path: Path):
        self.inbox, self.outbox = fork.Queue(), fork.Queue()
        # fork: the target and its arguments (the documents index, the registry) are inherited, not pickled
        self.process = fork.Process(target=_serve, args=(context, path, self.inbox, self.outbox), daemon=True)
        self.process.start()

    def receive(self) -> list[TaskOutcome]:
        kind, payload = self.outbox.get()
        if kind == "crash":
            raise RuntimeError(f"a checking worker failed:\n{payload}")
        if kind == "error":
            raise payload
        return payload

    def stop(self, abort: bool) -> None:
        if abort:
            self.process.terminate()
            self.inbox.cancel_join_thread()  # what it still held for the worker is not wanted
        else:
            self.inbox.put(None)
        self.process.join()
        self.inbox.close()
        self.outbox.close()


def _serve(context: Context, path: Path, inbox: Any, outbox: Any) -> None:
    # What the fork inherited (the documents index, modules) lives as long as the worker: frozen,
    # the cyclic collector neither walks it again and again nor copies its pages by touching them
    # (5-8% of a worker's CPU on the 10,000-task bench export).
    gc.freeze()
    while (batch := inbox.get()) is not None:
        try:
            outbox.put(("ok", [outcome_of(check_task(parse_task(raw, index, offset, path), context))
                               for index, offset, raw in batch]))
        except CorpusError as error:
            outbox.put(("error", error))
        except Exception:  # a bug: the parent raises it with the worker's traceback
            outbox.put(("crash", traceback.format_exc()))


def _parallel(stream: ExportStream, context: Context, jobs: int) -> Iterator[TaskOutcome]:
    fork = multiprocessing.get_context("fork")
    workers = [_Worker(fork, context, stream.path) for _ in range(jobs)]
    pending: deque[_Worker] = deque()  # the worker of each batch sent, oldest first
    finished = False
    try:
        try:
            for number, batch in enumerate(_batches(stream.raw_tasks(), BATCH_TASKS)):
                worker = workers[number % jobs]
                worker.inbox.put(batch)
                pending.append(worker)
                if len(pending) >= jobs * IN_FLIGHT:
                    yield from pending.popleft().receive()
        except CorpusError:
            # The file is damaged further on; a bad task before the damage is reported first,
            # as checking in file order would.
            while pending:
                pending.popleft().receive()
            raise
        while pending:
            yield from pending.popleft().receive()
        finished = True
    finally:
        for worker in workers:
            worker.stop(abort=not finished)


def _batches(items: Iterable[tuple[int, int, bytes]], size: int) -> Iterator[list[tuple[int, int, bytes]]]:
    batch: list[tuple[int, int, bytes]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
