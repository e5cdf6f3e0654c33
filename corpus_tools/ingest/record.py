"""Validation records: what ingest validated a stored export against, so that later readers of
the export (the annotation set, hence release, lint, labelstudio) need not run the same checks,
nor even read the export, again.

When ``ingest`` stores (or finds already stored) an export with no error in which every task's
text is its document's current text, it writes ``build/validated/<stored stem>.jsonl``: a header
line with the fingerprint of every input the checks depend on, the number of tasks and the
SHA-256 of the task lines, then one line per task, in file order, in two JSON parts separated
by a tab (orjson escapes a tab inside a string, so the first tab ends the first part):

* the task: its id, doc_id, the problems (warnings, infos) the checks reported, what it adds to
  a Tally (``validate.task_counts``), and per usable (not cancelled) annotation its facts:
  ``[position, id, annotator, updated_at, created_at, ground_truth]``;
* per usable annotation, in the same order, the units its records keep (``validate.kept_units``).

That is everything the annotation set needs: it ranks from the first parts and builds the
records of the picked annotations from the second (with span texts cut from the document's
current text, which the fingerprint guarantees is the task's text), without reading the export.

The fingerprint (``fingerprint``):

* ``export_sha256``: the export's bytes; beside it ``export_stat``, the stored file's size, mtime,
  ctime, inode and device right after it was stored: while they are unchanged a reader takes the
  file for the same bytes without hashing it again (hundreds of MB), as git's index does; any
  change of them means hashing it (``_same_export``);
* ``documents``: a digest of (doc_id, source key) for every doc_id the export's tasks name,
  where the source key (corpus_tools.documents.index.source_key) is the raw file's SHA-256 and encoding
  (or the normalized text's SHA-256 for a plain dict of documents): a document's text changed,
  removed, or added under a named doc_id changes it;
* ``registry``: a digest of every registry entity (ids, names, types, ...);
* ``code``: corpus_tools' version, the normalizer's version, ``RECORD_VERSION`` and a digest of
  the source of every module whose behaviour decides the checks, the records or the texts.

A record is used only when all of these match what the reader has now and its task lines are
whole (their count and SHA-256 are the header's: the reader builds records from them, so a
damaged line must not pass) (``matching_record``). Then the records built from it are exactly
those the full checks would build: the same ``kept_units`` of the same checks of the same inputs
made them. Anything else falls back to the full checks. The record lives in build/ (scratch,
never committed): deleting it only costs time.
"""

from __future__ import annotations

import hashlib
import importlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator, Mapping

import orjson

from corpus_tools.documents.index import source_key
from corpus_tools.errors import Location, Problem
from corpus_tools.fsutil import atomic_writer, file_sha256
from corpus_tools.layout import Layout
from corpus_tools.documents.normalize import NORMALIZER_VERSION
from corpus_tools.records import Document, RegistryEntity
from corpus_tools.ingest.checks import CheckedTask, kept_units, task_counts
from corpus_tools.version import __version__

RECORD_VERSION = 3
# Modules whose code decides what validation finds, how tasks become records, or what a
# document's normalized text is.
_CODE_MODULES = (
    "corpus_tools.ingest.checks", "corpus_tools.timex", "corpus_tools.schema", "corpus_tools.documents.align",
    "corpus_tools.documents.normalize", "corpus_tools.documents.boilerplate", "corpus_tools.documents.offsets", "corpus_tools.documents.index",
    "corpus_tools.documents.raw", "corpus_tools.records", "corpus_tools.annotations.consolidate", "corpus_tools.ingest.reader",
    "corpus_tools.ingest.split", "corpus_tools.ingest.record",
)


@dataclass(frozen=True, slots=True)
class RecordedAnnotation:
    """A usable annotation as its record describes it (the facts ranking and provenance need)."""

    position: int  # in the task's list of annotations
    id: Any
    annotator: str | None
    updated_at: Any
    created_at: Any
    ground_truth: bool

    @property
    def stamp(self) -> Any:
        """What ranks it: ``updated_at``, else ``created_at`` (as the full checks rank)."""
        return self.updated_at or self.created_at


@dataclass(frozen=True, slots=True)
class RecordedTask:
    """One task as its record describes it. ``kept()`` parses the units of its usable annotations
    only when asked: a task nobody picked costs no more than its first part."""

    task_id: Any
    doc_id: str
    annotations: tuple[RecordedAnnotation, ...]
    counts: dict[str, int]  # validate.task_counts of the task
    recorded_problems: list[dict]  # as _problem_as_dict wrote them
    export_name: str
    units: bytes  # the line's second part: kept_units per usable annotation

    def problems(self) -> list[Problem]:
        """The problems the checks reported, located in the export under its stored name."""
        return [Problem(p["code"], p["message"], Location(file=self.export_name, **p["location"]))
                for p in self.recorded_problems]

    def kept(self) -> list[list]:
        """``validate.kept_units`` of each usable annotation, in the order of ``annotations``."""
        return orjson.loads(self.units)


def record_path(layout: Layout, stored_name: str) -> Path:
    return layout.build / "validated" / (Path(stored_name).stem + ".jsonl")


def code_digest() -> str:
    digest = hashlib.sha256(f"{__version__}\n{NORMALIZER_VERSION}\n{RECORD_VERSION}\n".encode())
    for name in _CODE_MODULES:
        digest.update(Path(importlib.import_module(name).__file__).read_bytes())
    return digest.hexdigest()


def registry_digest(registry: Mapping[str, RegistryEntity]) -> str:
    digest = hashlib.sha256()
    for entity_id in sorted(registry):
        digest.update(repr(registry[entity_id]).encode("utf-8") + b"\n")
    return digest.hexdigest()


def documents_digest(documents: Mapping[str, Document], doc_ids: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for doc_id in sorted(doc_ids):
        digest.update(f"{doc_id}\t{source_key(documents, doc_id)}\n".encode("utf-8"))
    return digest.hexdigest()


def fingerprint(export_sha256: str, documents: Mapping[str, Document], registry: Mapping[str, RegistryEntity],
                doc_ids: Iterable[str], export: Path | None = None) -> dict[str, Any]:
    return {
        "export_sha256": export_sha256,
        "export_stat": None if export is None else stat_key(export),
        "documents": documents_digest(documents, doc_ids),
        "registry": registry_digest(registry),
        "code": code_digest(),
    }


def task_line(checked: CheckedTask) -> bytes:
    """The record line of a task checked with no error (ingest writes one per task, in order)."""
    usable = [a for a in checked.annotations if not a.cancelled]
    task = {
        "task_id": checked.task_id, "doc_id": checked.doc_id,
        "problems": [_problem_as_dict(problem) for problem in checked.problems],
        "counts": task_counts(checked),
        "annotations": [[a.position, a.id, a.annotator, a.updated_at, a.created_at, a.ground_truth] for a in usable],
    }
    return orjson.dumps(task) + b"\t" + orjson.dumps([kept_units(a) for a in usable]) + b"\n"


def _problem_as_dict(problem: Problem) -> dict[str, Any]:
    """Without the file: the reader's name for the export is its stored name, not the one it was
    ingested under."""
    location = problem.location.as_dict()
    location.pop("file", None)
    return {"code": problem.code, "severity": problem.severity, "message": problem.message, "location": location}


def write_record(path: Path, stamp: dict[str, str], tasks: int, lines: BinaryIO) -> None:
    """Write the record atomically: the header, then the task lines read from ``lines``."""
    lines.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: lines.read(1 << 20), b""):
        digest.update(chunk)
    lines.seek(0)
    header = {"fingerprint": stamp, "tasks": tasks, "lines_sha256": digest.hexdigest(), "version": RECORD_VERSION}
    with atomic_writer(path) as handle:
        handle.write(orjson.dumps(header) + b"\n")
        shutil.copyfileobj(lines, handle)


def matching_record(path: Path, export: Path, documents: Mapping[str, Document],
                    registry: Mapping[str, RegistryEntity]) -> Path | None:
    """``path`` when it is a whole record of ``export`` whose fingerprint matches the inputs now;
    else None (missing, damaged, or made against other inputs: validate again)."""
    try:
        header = _header(path)
        if header is None or header.get("version") != RECORD_VERSION:
            return None
        stamp = header["fingerprint"]
        if stamp["code"] != code_digest() or stamp["registry"] != registry_digest(registry):
            return None
        doc_ids, tasks, digest = set(), 0, hashlib.sha256()
        for line in _lines(path):
            digest.update(line)
            doc_ids.add(orjson.loads(_task_part(line))["doc_id"])
            tasks += 1
        if tasks != header["tasks"] or digest.hexdigest() != header["lines_sha256"]:
            return None
        if stamp["documents"] != documents_digest(documents, doc_ids):
            return None
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError):
        return None  # a damaged record is no record: the export is checked in full
    return path if _same_export(stamp, export) else None


def stat_key(path: Path) -> list[int]:
    status = path.stat()
    return [status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev]


def _same_export(stamp: dict, export: Path) -> bool:
    """Whether ``export`` holds the bytes the record was made from: the stored name carries the
    first 16 hex digits of their SHA-256; an untouched file (same stat key) is taken as is, any
    other is hashed."""
    if export.stem.rpartition("-")[2] != stamp["export_sha256"][:16]:
        return False
    return stamp.get("export_stat") == stat_key(export) or stamp["export_sha256"] == file_sha256(export)


def iter_recorded(path: Path, export_name: str) -> Iterator[RecordedTask]:
    """The tasks of a record ``matching_record`` accepted, in the export's order."""
    for line in _lines(path):
        first, units = line.split(b"\t", 1)
        task = orjson.loads(first)
        annotations = tuple(RecordedAnnotation(*facts) for facts in task["annotations"])
        yield RecordedTask(task["task_id"], task["doc_id"], annotations, task["counts"], task["problems"],
                           export_name, units)


def _task_part(line: bytes) -> bytes:
    return line[:line.index(b"\t")]


def _header(path: Path) -> dict | None:
    if not path.is_file():
        return None
    with open(path, "rb") as handle:
        return orjson.loads(handle.readline())


def _lines(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        handle.readline()
        yield from handle
