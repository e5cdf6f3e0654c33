"""The checking of a batch of tasks, in this process or in a worker process of
corpus_tools.ingest.store: bytes in, columns of the units tables out (corpus_tools.ingest.rows).

Workers are started fresh (multiprocessing's ``spawn``), not forked from the process that
writes the tables, and this module imports neither pyarrow nor numpy: a worker holds the
parser, the checks and the documents, nothing else. The documents reach a worker as a
``ReopenIndex`` when they are a DocumentIndex (the worker opens the same corpus itself and
refuses it unless its manifest is the one the parent checked), as themselves otherwise.
"""

from __future__ import annotations

import ctypes
import os
import signal
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from corpus_tools.documents.index import DocumentIndex
from corpus_tools.errors import CorpusError, Location
from corpus_tools.ingest.checks import Context, check_task
from corpus_tools.ingest.parse import parse_task
from corpus_tools.ingest.rows import Columns, RowsBuilder
from corpus_tools.layout import Layout


def check_batch(raw_tasks: list[tuple[int, int, bytes]], path: str, context: Context) -> Columns:
    """The units of a batch of ``(index, byte offset, bytes)`` tasks, as columns;
    ``annotation_index`` counts from 0."""
    builder = RowsBuilder()
    for index, offset, raw in raw_tasks:
        builder.add(check_task(parse_task(raw, index, offset, path), index, offset, context))
    return builder.columns()


@dataclass(frozen=True, slots=True)
class ReopenIndex:
    """A DocumentIndex as it travels to a worker: the corpus root and the manifest's digest."""

    root: Path
    digest: str

    def open(self) -> DocumentIndex:
        index = DocumentIndex(Layout(self.root))
        if index.digest != self.digest:
            raise CorpusError("manifest-changed", "the manifest changed while it was in use: run the command again",
                              Location(file=str(Layout(self.root).manifest)))
        return index


def portable(context: Context, root: Path | None) -> Context | None:
    """``context`` as it can be sent to a started worker; None when it cannot (a DocumentIndex
    whose corpus root is not known)."""
    if isinstance(context.documents, DocumentIndex):
        if root is None:
            return None
        return replace(context, documents=ReopenIndex(root, context.documents.digest))
    return context


_WORKER: dict[str, Any] = {}


def start_worker(context: Context) -> None:
    _die_with_parent()
    if isinstance(context.documents, ReopenIndex):
        context = replace(context, documents=context.documents.open())
    _WORKER["context"] = context


def worker_batch(raw_tasks: list[tuple[int, int, bytes]], path: str) -> Columns:
    return check_batch(raw_tasks, path, _WORKER["context"])


def _die_with_parent() -> None:
    """Ask the kernel to kill this worker when the process that started it dies, however it dies."""
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pool's own shutdown is all there is
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
