"""Validation records: what ingest validated a stored export against, so that later readers of
the export (the annotation set, hence release, lint, labelstudio) need not run the same checks,
nor a ranking pass over the whole export, again.

When ``ingest`` stores (or finds already stored) an export with no error in which every task's
text is its document's current text, it writes ``build/validated/<stored stem>.jsonl``: a header
line with the fingerprint of every input the checks depend on and the number of tasks, then one
line per task, in file order: its doc_id, the ranking facts of each usable annotation (position,
update stamp, annotator, ground_truth) and the problems (warnings, infos) the checks reported.

The fingerprint (``fingerprint``):

* ``export_sha256``: the export's bytes;
* ``documents``: a digest of (doc_id, source key) for every doc_id the export's tasks name,
  where the source key (corpus_tools.corpus.source_key) is the raw file's SHA-256 and encoding
  (or the normalized text's SHA-256 for a plain dict of documents): a document's text changed,
  removed, or added under a named doc_id changes it;
* ``registry``: a digest of every registry entity (ids, names, types, ...);
* ``code``: corpus_tools' version, the normalizer's version and a digest of the source of every
  module whose behaviour decides the checks, the records or the texts.

A record is used only when all of these match what the reader has now (``matching_record``);
then the records built from the trusted parse are exactly those the full checks would build
(no error means nothing was excluded; current texts mean nothing is re-anchored). Anything else
falls back to the full checks. The record lives in build/ (scratch, never committed): deleting
it only costs time.
"""

from __future__ import annotations

import hashlib
import importlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator, Mapping

import orjson

from corpus_tools.corpus import source_key
from corpus_tools.errors import Location, Problem
from corpus_tools.fsutil import atomic_writer, file_sha256
from corpus_tools.layout import Layout
from corpus_tools.normalize import NORMALIZER_VERSION
from corpus_tools.records import Document, RegistryEntity
from corpus_tools.validate import CheckedTask
from corpus_tools.version import __version__

RECORD_VERSION = 2
# Modules whose code decides what validation finds, how tasks become records, or what a
# document's normalized text is.
_CODE_MODULES = (
    "corpus_tools.validate", "corpus_tools.timex", "corpus_tools.schema", "corpus_tools.align",
    "corpus_tools.normalize", "corpus_tools.boilerplate", "corpus_tools.offsets", "corpus_tools.corpus",
    "corpus_tools.raw", "corpus_tools.records", "corpus_tools.annotations", "corpus_tools.exports",
    "corpus_tools.jsonsplit", "corpus_tools.validation_record",
)


@dataclass(frozen=True, slots=True)
class RecordedTask:
    """One task as its record describes it."""

    doc_id: str
    annotations: list  # [position, stamp (updated_at, else created_at), annotator, ground_truth] per usable one
    problems: list[Problem]


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
                doc_ids: Iterable[str]) -> dict[str, str]:
    return {
        "export_sha256": export_sha256,
        "documents": documents_digest(documents, doc_ids),
        "registry": registry_digest(registry),
        "code": code_digest(),
    }


def task_line(checked: CheckedTask) -> bytes:
    """The record line of a task checked with no error (ingest writes one per task, in order)."""
    annotations = [[a.position, a.updated_at or a.created_at, a.annotator, a.ground_truth]
                   for a in checked.annotations if not a.cancelled]
    problems = [_problem_as_dict(problem) for problem in checked.problems]
    return orjson.dumps({"doc_id": checked.doc_id, "annotations": annotations, "problems": problems}) + b"\n"


def _problem_as_dict(problem: Problem) -> dict[str, Any]:
    """Without the file: the reader's name for the export is its stored name, not the one it was
    ingested under."""
    location = problem.location.as_dict()
    location.pop("file", None)
    return {"code": problem.code, "severity": problem.severity, "message": problem.message, "location": location}


def write_record(path: Path, stamp: dict[str, str], tasks: int, lines: BinaryIO) -> None:
    """Write the record atomically: the header, then the task lines read from ``lines``."""
    lines.seek(0)
    with atomic_writer(path) as handle:
        handle.write(orjson.dumps({"fingerprint": stamp, "tasks": tasks, "version": RECORD_VERSION}) + b"\n")
        shutil.copyfileobj(lines, handle)


def matching_record(path: Path, export: Path, documents: Mapping[str, Document],
                    registry: Mapping[str, RegistryEntity]) -> Path | None:
    """``path`` when it is a record of ``export`` whose fingerprint matches the inputs now; else
    None (missing, unreadable, or made against other inputs: validate again)."""
    try:
        header = _header(path)
        if header is None or header.get("version") != RECORD_VERSION:
            return None
        stamp = header["fingerprint"]
        if stamp["code"] != code_digest() or stamp["registry"] != registry_digest(registry):
            return None
        doc_ids, tasks = set(), 0
        for task in _lines(path):
            doc_ids.add(task["doc_id"])
            tasks += 1
        if tasks != header["tasks"] or stamp["documents"] != documents_digest(documents, doc_ids):
            return None
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError):
        return None  # a damaged record is no record: the export is checked in full
    return path if stamp["export_sha256"] == file_sha256(export) else None


def iter_recorded(path: Path, export_name: str) -> Iterator[RecordedTask]:
    """The task lines of a record ``matching_record`` accepted, in the export's order."""
    for task in _lines(path):
        problems = [Problem(p["code"], p["message"], Location(file=export_name, **p["location"]), p["severity"])
                    for p in task["problems"]]
        yield RecordedTask(task["doc_id"], task["annotations"], problems)


def _header(path: Path) -> dict | None:
    if not path.is_file():
        return None
    with open(path, "rb") as handle:
        return orjson.loads(handle.readline())


def _lines(path: Path) -> Iterator[dict]:
    with open(path, "rb") as handle:
        handle.readline()
        for line in handle:
            yield orjson.loads(line)


