"""The checking of a batch of tasks, in this process or in a worker process of
corpus_tools.ingest.store: bytes in, columns of the units tables out (corpus_tools.ingest.rows).

Workers are started fresh (multiprocessing's ``spawn``), not forked from the process that
writes the tables, and this module imports neither pyarrow nor numpy: a worker holds the
parser, the checks and the documents, nothing else. A DocumentIndex reaches a worker pickled:
the worker opens the same corpus itself and refuses it unless its manifest is the one the
parent checked (corpus_tools.documents.index).
"""

from __future__ import annotations

import ctypes
import os
import signal
from typing import Any

from corpus_tools.ingest.checks import Context, check_task
from corpus_tools.ingest.parse import parse_task
from corpus_tools.ingest.rows import Columns, RowsBuilder


def check_batch(raw_tasks: list[tuple[int, int, bytes]], path: str, context: Context) -> Columns:
    """The units of a batch of ``(index, byte offset, bytes)`` tasks, as columns;
    ``annotation_index`` counts from 0."""
    builder = RowsBuilder()
    for index, offset, raw in raw_tasks:
        builder.add(check_task(parse_task(raw, index, offset, path), index, offset, context))
    return builder.columns()


_WORKER: dict[str, Any] = {}


def start_worker(parent: int, context: Context) -> None:
    """``parent``: the pid of the process that started this worker. Its context (the documents)
    is unpickled before this runs, which takes a while: if the parent died meanwhile, this
    worker's parent is no longer ``parent``, and it leaves at once."""
    _die_with_parent(parent)
    _WORKER["context"] = context


def worker_batch(raw_tasks: list[tuple[int, int, bytes]], path: str) -> Columns:
    return check_batch(raw_tasks, path, _WORKER["context"])


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this worker when the process that started it dies, however it dies;
    leave at once if it has died already (a SIGKILL while this worker was starting left it running
    for ever, holding the caller's pipes)."""
    if os.getppid() != parent:
        os._exit(1)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pool's own shutdown is all there is
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
