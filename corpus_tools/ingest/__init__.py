"""Ingest: Label Studio exports read, validated once and stored, with the units table of each.

``ingest`` (store an export), ``validate_export`` (report only), ``stored_exports`` (the store,
in ingest order), ``units_for`` (a stored export's units table) and ``default_jobs`` (the
processes ``--jobs 0`` checks an export with): corpus_tools.ingest.store.
They are loaded on first use, so that a worker process that imports only the checks
(corpus_tools.ingest.work) does not load pyarrow with the store.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what a type checker sees: the store's own functions, with their signatures
    from corpus_tools.ingest.store import default_jobs, ingest, stored_exports, units_for, validate_export

__all__ = ["default_jobs", "ingest", "stored_exports", "units_for", "validate_export"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("corpus_tools.ingest.store"), name)
    raise AttributeError(f"module 'corpus_tools.ingest' has no attribute {name!r}")
