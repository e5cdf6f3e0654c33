"""Validation records: what ingest validated a stored export against, so that later readers of
the export (the annotation set, hence release and lint) need not run the same checks again.

When ``ingest`` stores (or finds already stored) an export with no error, it writes
``build/validated/<stored name>.json``: the export's SHA-256 and a fingerprint of every other
input the checks depend on, plus the problems (warnings, infos) each task had, by task index.

The fingerprint (``fingerprint``):

* ``export_sha256``: the export's bytes;
* ``documents``: a digest of (doc_id, source key) for every doc_id the export's tasks name,
  where the source key (corpus_tools.corpus.source_key) is the raw file's SHA-256 and encoding
  (or the normalized text's SHA-256 for a plain dict of documents): any change of a document's
  text, a document removed or added under a named doc_id changes it;
* ``registry``: a digest of every registry entity (ids, names, types, ...);
* ``code``: corpus_tools' version, the normalizer's version and a digest of the source of every
  module whose behaviour decides the checks or the texts (a changed check changes it).

A record is used only when all of these match what the reader has now, and only for exports in
which every task's text was its document's current text (no re-anchoring): then the records
built from the trusted parse are exactly those the full checks would build. Anything else falls
back to the full checks. The record lives in build/ (scratch, never committed): deleting it only
costs time.
"""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path
from typing import Any, Iterable, Mapping

import orjson

from corpus_tools.corpus import source_key
from corpus_tools.errors import Location, Problem
from corpus_tools.fsutil import atomic_write_bytes
from corpus_tools.layout import Layout
from corpus_tools.normalize import NORMALIZER_VERSION
from corpus_tools.records import Document, RegistryEntity
from corpus_tools.version import __version__

RECORD_VERSION = 1
# Modules whose code decides what validation finds, how tasks become records, or what a
# document's normalized text is.
_CODE_MODULES = (
    "corpus_tools.validate", "corpus_tools.timex", "corpus_tools.schema", "corpus_tools.align",
    "corpus_tools.normalize", "corpus_tools.boilerplate", "corpus_tools.offsets", "corpus_tools.corpus",
    "corpus_tools.raw", "corpus_tools.records", "corpus_tools.annotations", "corpus_tools.exports",
    "corpus_tools.jsonsplit", "corpus_tools.validation_record",
)


def record_path(layout: Layout, stored_name: str) -> Path:
    return layout.build / "validated" / stored_name


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


def write_record(path: Path, stamp: dict[str, str], problems_by_task: Mapping[int, list[Problem]]) -> None:
    """Write the record atomically; problems are stored without their file (the reader's name for
    the export is its stored name, not the name it was ingested under)."""
    payload = {
        "fingerprint": stamp,
        "problems": {str(index): [_problem_as_dict(problem) for problem in problems]
                     for index, problems in sorted(problems_by_task.items())},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, orjson.dumps(payload, option=orjson.OPT_SORT_KEYS) + b"\n")


def _problem_as_dict(problem: Problem) -> dict[str, Any]:
    location = problem.location.as_dict()
    location.pop("file", None)
    return {"code": problem.code, "severity": problem.severity, "message": problem.message, "location": location}


def matching_problems(path: Path, stamp: dict[str, str], export_name: str) -> dict[int, list[Problem]] | None:
    """The problems by task index of a record whose fingerprint equals ``stamp``; None when there
    is no such record (missing, unreadable, or made against other inputs: validate again)."""
    if not path.is_file():
        return None
    try:
        payload = orjson.loads(path.read_bytes())
        if payload.get("fingerprint") != stamp:
            return None
        return {int(index): [Problem(p["code"], p["message"], Location(file=export_name, **p["location"]),
                                     p["severity"]) for p in problems]
                for index, problems in payload["problems"].items()}
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError):
        return None  # a damaged record is no record: the export is checked in full
