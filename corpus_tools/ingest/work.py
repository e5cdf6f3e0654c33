"""The checking of a batch of tasks, in this process or in a worker process of
corpus_tools.ingest.store: bytes in, columns of the units tables out (corpus_tools.ingest.rows).

Workers are started fresh (multiprocessing's ``spawn``), not forked from the process that
writes the tables, and this module imports neither pyarrow nor numpy: a worker holds the
parser, the checks and the documents, nothing else. A DocumentIndex reaches a worker pickled:
the worker opens the same corpus itself and refuses it unless its manifest is the one the
parent checked (corpus_tools.documents.index).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
from typing import Any, Iterator

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


@contextlib.contextmanager
def ctrl_c_held() -> Iterator[None]:
    """Hold SIGINT back from the calling thread while the block runs: a worker started in it
    (a spawn submitting work may start one) inherits the blocked signal and keeps it so through
    its imports, until ``start_worker`` ignores it. Ignored only there, a Ctrl-C while a worker
    imported the checks printed its KeyboardInterrupt traceback. The caller receives a Ctrl-C
    of that moment when the block ends, or at once on another of its threads."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def start_worker(parent: int, context: bytes) -> None:
    """``parent``: the pid of the process that started this worker; if it died while this one
    started, this worker's parent is no longer ``parent``, and it leaves at once. ``context``:
    the pickled Context (the documents), unpickled here, which takes a while, once Ctrl-C
    (SIGINT to the terminal's process group) is ignored: it is the parent's to handle, which
    shuts the pool down; a worker it stopped while starting printed a traceback, and the pool's
    shutdown could then hang on a pipe to it. The worker was started with SIGINT blocked
    (``ctrl_c_held``): ignoring it discards one that came meanwhile, and only then is it unblocked."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _die_with_parent(parent)
    _WORKER["context"] = pickle.loads(context)


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
