"""What an ingest came to, in words: the notes, the last line and the JSON form that ``corpus-tools
ingest`` and ``corpus-tools labelstudio pull`` print, and whether it failed. Here, not in the
command line, so that a script that calls ``corpus_tools.ingest.ingest`` says the same."""

from __future__ import annotations

from corpus_tools.documents.remove import removed_in_report, removed_tasks_note
from corpus_tools.errors import Report, quantity
from corpus_tools.layout import Layout
from corpus_tools.records import IngestResult, StoredExport


def removed_notes(report: Report) -> list[str]:
    """One line for an export's tasks of documents removed from the corpus (none when it holds
    none), which ``validate`` and ``ingest`` say: the report counts them (doc-removed) but, one
    warning per task, lists them only with --verbose."""
    removed = removed_in_report(report)
    return [removed_tasks_note("the export", removed)] if removed else []


def ingest_notes(result: IngestResult) -> list[str]:
    """Ingest's notes, after the one of the export's tasks of removed documents (``removed_notes``)."""
    return removed_notes(result.report) + list(result.notes)


def ingest_failed(result: IngestResult, allow_partial: bool) -> bool:
    """Whether the ingest failed (the commands exit 1): the export has errors and ``allow_partial``
    was not given, so it was refused, or stored already (by an earlier ingest) but failing now,
    against today's documents and registry."""
    return result.status == "refused" or (result.status == "already-stored" and not result.report.valid
                                          and not allow_partial)


def _relative(stored: StoredExport | None, layout: Layout) -> str | None:
    return None if stored is None else str(stored.directory.relative_to(layout.root))


def ingest_dict(result: IngestResult, layout: Layout) -> dict:
    """The JSON form of an ingest (``corpus-tools ingest --json``)."""
    return {
        "status": result.status,
        "sha256": result.sha256,
        "stored_as": _relative(result.stored_as, layout),
        "excluded": len(result.exclusions),
        **result.report.as_dict(ingest_notes(result)),
    }


def outcome_line(result: IngestResult, layout: Layout) -> str:
    """What the ingest did, in one line: the last line of ``ingest`` and ``labelstudio pull``."""
    where = _relative(result.stored_as, layout)
    excluded = (f"; {quantity(len(result.exclusions), 'unit')} left out, listed in its ingest.json"
                if result.exclusions else "")
    return {
        "stored": lambda: f"stored as {where}{excluded}",
        "stored-partial": lambda: f"stored WITH ERRORS (--allow-partial) as {where}{excluded}",
        "already-stored": lambda: f"already stored as {where}: nothing to do" if result.report.valid else
                          f"already stored as {where}, but it has {quantity(len(result.report.errors), 'error')} now, "
                          "against the current documents and registry: fix those",
        "refused": lambda: f"refused: {quantity(len(result.report.errors), 'error')}; nothing stored "
                           "(fix the export, or --allow-partial to store it without the units at fault)",
        "nothing-new": lambda: "not stored: every annotation in it is stored already, with the same unique_id, "
                               "annotator and update time (Label Studio moves the update time with every edit; a pull "
                               "with no new annotation differs only in what Label Studio recomputes)",
        "no-annotations": lambda: "not stored: no usable submitted annotation in it (every one cancelled, refused, "
                                   "or none)",
    }[result.status]()
