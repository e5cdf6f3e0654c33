"""Removing documents from the corpus: ``remove_documents(layout, doc_ids, reason)`` deletes each
document's raw file and manifest record and appends a line per document, in doc_id order, to the
removal record, annotations/removed-documents.jsonl (``Layout.removed_documents``): doc_id, the
SHA-256 of the raw file deleted, and the reason (a publisher's takedown request, an off-topic or
duplicate article). Nothing that differs between runs (no date, not the order the doc_ids were
named in): the record is an input of the units tables.

Why the record: the stored exports in annotations/exports/ are append-only and keep the tasks of
a document that left the corpus; without it, every reader of them (ingest, and the re-check that
rebuilds a units table, so release, agreement, adjudicate and lint) saw a doc_id that names no
document (``doc-unknown``, an error), for ever. With it, such a task is left out with a warning
(``doc-removed``, corpus_tools.ingest.checks). A doc_id is removed while the record lists it and
the manifest does not (``removed_documents``, in corpus_tools.documents.removals, which reads the
record): added again (the same bytes keep their doc_id, corpus_tools.documents.add), it is a
document again and its annotations count again; the record keeps its line (append-only), and a
later removal adds another (the latest reason is the one said).

Why in annotations/ and not raw/: raw/ holds the manifest and the sources it lists, nothing else
(check-raw refuses anything else as ``raw-unlisted``, and add refuses a file put there), and the
record outlives the raw files it names; it qualifies the append-only store of exports beside it,
as annotations/annotators.jsonl does.

Refused, with nothing written: no doc_id (``remove-input-missing``), one named twice
(``remove-doc-twice``), one the manifest does not list (``doc-unknown``; the message says when the
record lists it as removed already, or names the listed doc_id it differs from only in case), no
reason or a blank one, or one that is not one line of plain text (``remove-reason-invalid``), a
corpus that does not check clean (as add: check-raw's first problem; not one of a document named,
``REMOVABLE``: a text no article holds, which removing it sets right), a removal record with a line
that is no removal (``removals-invalid``). The corpus lock is held throughout.

All or nothing. The new manifest and what the undo needs (the record as it was, the documents and
files removed: ``REMOVE_PLAN``) are written into a staging directory in raw/ (``.remove-<pid>-*.tmp``,
hidden: no source); then the record is replaced (its old lines and the new ones), then the
manifest (the commit point), then the raw files are deleted. A failure before the commit puts the
record back; one after it deletes the raw files still there. A remove killed part way is set right
by the next remove, or ``corpus-tools remove`` with no doc_id (``finish_killed_removes``): before
its commit (its new manifest still staged) the record goes back to what it was; after it,
its raw files, which the manifest no longer lists (check-raw names them, ``raw-unlisted``), are
deleted.
"""

from __future__ import annotations

import json
import os
import shutil
from typing import Mapping, Sequence

from corpus_tools.documents.raw import (
    REMOVE_PLAN, REMOVE_STAGING, STAGED_MANIFEST, appended, check_raw, listed_files, manifest_line, raise_first,
    remove_plan, scan_manifest,
)
from corpus_tools.documents.removals import read_removals, unknown_doc_id
from corpus_tools.errors import CorpusError, Location, Report, agreeing, quantity
from corpus_tools.fsutil import abandoned, atomic_write_bytes, present, staging_dir, writing_under
from corpus_tools.layout import Layout
from corpus_tools.lock import corpus_lock
from corpus_tools.records import Removal, reason_fault

PREVIOUS_RECORD = "removed-documents.previous.jsonl"  # in a remove's staging: the record as it was
# What check-raw finds in a document's own text that only its removal sets right (its raw file
# is never edited): remove takes such a document out of a corpus that checks clean but for it,
# where every other command refuses the corpus
REMOVABLE = frozenset({"raw-combining-run"})


REMOVED_SHOWN = 3  # doc_ids a note of removed documents' tasks names; the rest are counted


def removed_tasks_note(holder: str, tasks: Mapping[str, int]) -> str:
    """The one line ``labelstudio push``, ``labelstudio pull`` and ``ingest`` say of the tasks of
    documents removed from the corpus (``tasks``: doc_id -> its tasks; ``holder``: what holds
    them, "project 3", "the export"). One line for them all, not one per task: what to do is the
    same for each. Here, not in corpus_tools.labelstudio, as ingest (which needs no Label Studio)
    says it too."""
    doc_ids = sorted(tasks)
    count = sum(tasks.values())
    named = ", ".join(doc_ids[:REMOVED_SHOWN]) + (", ..." if len(doc_ids) > REMOVED_SHOWN else "")
    return (f"{holder} holds {quantity(count, 'task')} of "
            f"{quantity(len(doc_ids), 'document')} removed from the corpus ({named}), which every ingest "
            f"leaves out (doc-removed): delete {agreeing(count, 'it', 'them')} in Label Studio, or add "
            f"the {agreeing(len(doc_ids), 'document')} back (corpus-tools add)")


def removed_in_report(report: Report) -> dict[str, int]:
    """doc_id -> the tasks an ingest report left out as those of a removed document (doc-removed)."""
    tasks: dict[str, int] = {}
    for problem in report:
        if problem.code == "doc-removed" and problem.location.doc_id is not None:
            tasks[problem.location.doc_id] = tasks.get(problem.location.doc_id, 0) + 1
    return tasks


def remove_documents(layout: Layout, doc_ids: Sequence[str], reason: str | None) -> tuple[Removal, ...]:
    """Remove ``doc_ids`` from the corpus (see the module docstring); return what the record
    gained, one removal per document in doc_id order."""
    if not doc_ids:
        raise CorpusError("remove-input-missing", "no doc_id to remove")
    seen: set[str] = set()
    for doc_id in doc_ids:
        if doc_id in seen:
            raise CorpusError("remove-doc-twice", f"doc_id {doc_id!r} is named twice", Location(doc_id=doc_id))
        seen.add(doc_id)
    # the record's bytes must not depend on the order the documents were named in (`remove a b`
    # and `remove b a` are one removal), as add numbers files in SHA-256 order, not as named
    doc_ids = sorted(doc_ids)
    if reason is None or not reason.strip():
        raise CorpusError("remove-reason-invalid", "no reason given (--reason), or a blank one: the removal record "
                          "says why each document left the corpus (a publisher's takedown request, an off-topic or "
                          "duplicate article)")
    if (fault := reason_fault(reason)) is not None:
        raise CorpusError("remove-reason-invalid", fault)
    with corpus_lock(layout, "remove"):
        _finish_killed(layout)
        # the corpus checks clean (check-raw's check, its first problem raised), but for what
        # removing the documents named is the way out of
        report = check_raw(layout)
        raise_first(Report.of(problem for problem in report.problems
                              if not (problem.code in REMOVABLE and problem.location.doc_id in doc_ids)))
        read_removals(layout)  # and so does the record appended to: every reader of the exports would refuse it
        records = {record.doc_id: (offset, length, record) for _, offset, length, record in
                   scan_manifest(layout.manifest)}
        removals = []
        for doc_id in doc_ids:
            if doc_id not in records:
                raise CorpusError("doc-unknown", unknown_doc_id(layout, doc_id, records),
                                  Location(file=str(layout.manifest), doc_id=doc_id))
            removals.append(Removal(doc_id, records[doc_id][2].sha256, reason.strip()))
        manifest = layout.manifest.read_bytes()
        dropped = sorted((records[doc_id][0], records[doc_id][1]) for doc_id in doc_ids)
        kept, start = [], 0
        for offset, length in dropped:  # every other line byte for byte
            kept.append(manifest[start:offset])
            start = offset + length
        kept.append(manifest[start:])
        _write(layout, [records[doc_id][2].file for doc_id in doc_ids], doc_ids, b"".join(kept), removals)
    return tuple(removals)


def _write(layout: Layout, files: list[str], doc_ids: Sequence[str], manifest: bytes,
           removals: list[Removal]) -> None:
    record_path = layout.removed_documents
    existed = present(record_path)
    previous = record_path.read_bytes() if existed else b""
    record = appended(previous, b"".join(map(manifest_line, removals)))
    staging = staging_dir(layout.raw, REMOVE_STAGING)
    committed = replaced = False
    try:
        with writing_under(layout.raw):
            if existed:  # before the plan: a plan on disk means the undo has what it needs
                atomic_write_bytes(staging / PREVIOUS_RECORD, previous)
            atomic_write_bytes(staging / REMOVE_PLAN, json.dumps({"doc_ids": list(doc_ids), "files": files,
                                                           "record_existed": existed}).encode())
            atomic_write_bytes(staging / STAGED_MANIFEST, manifest)
        replaced = True
        atomic_write_bytes(record_path, record)
        os.rename(staging / STAGED_MANIFEST, layout.manifest)  # the commit point
        committed = True
    except BaseException:
        if replaced and not committed:
            _put_back(layout, existed, previous)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    # the manifest no longer lists them: they go; if this fails, the staging stays for the next
    # remove to finish (its plan says which files)
    for name in files:
        (layout.raw / name).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)


def _put_back(layout: Layout, existed: bool, previous: bytes) -> None:
    if existed:
        atomic_write_bytes(layout.removed_documents, previous)
    else:
        layout.removed_documents.unlink(missing_ok=True)


def finish_killed_removes(layout: Layout) -> int:
    """Set right what a remove killed part way left (``corpus-tools remove`` with no doc_id), under
    the corpus lock; returns how many killed removes there were. With none, the lock is not taken."""
    if not abandoned(layout.raw, REMOVE_STAGING):
        return 0
    with corpus_lock(layout, "remove"):
        return _finish_killed(layout)


def _finish_killed(layout: Layout) -> int:
    """Before its commit (its new manifest is still staged: the commit renames it away), a killed
    remove's record goes back to what it was; after it, its raw files the manifest does not list
    go. One killed before its plan was written changed nothing. Then its staging goes.

    Why the staged manifest and not whether the manifest lists the documents: once its raw files
    are deleted the corpus checks clean, and a document added again since is listed, though its
    removal was committed and recorded (putting the record back would drop that line). Killed
    while it staged the manifest, it had not replaced the record, and its files are all listed."""
    finished = 0
    plans = [(staging, remove_plan(staging)) for staging in abandoned(layout.raw, REMOVE_STAGING)]  # a refused plan leaves every killed remove as it was
    for staging, plan in plans:
        if plan is not None:
            if (staging / STAGED_MANIFEST).exists():
                previous = (staging / PREVIOUS_RECORD).read_bytes() if plan["record_existed"] else b""
                _put_back(layout, plan["record_existed"], previous)
            else:
                listed = listed_files(layout.manifest)
                for name in plan["files"]:
                    if name not in listed:
                        (layout.raw / name).unlink(missing_ok=True)
            finished += 1
        shutil.rmtree(staging, ignore_errors=True)
    return finished
