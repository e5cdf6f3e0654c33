"""Ingest: Label Studio exports read, validated once and stored, with the units table of each.

``ingest`` (store an export), ``validate_export`` (report only), ``stored_exports`` (the store,
in ingest order) and ``units_for`` (a stored export's units table): corpus_tools.ingest.store.
"""

from corpus_tools.ingest.store import default_jobs, ingest, stored_exports, units_for, validate_export

__all__ = ["default_jobs", "ingest", "stored_exports", "units_for", "validate_export"]
