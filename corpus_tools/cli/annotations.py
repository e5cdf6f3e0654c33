"""Commands over Label Studio exports: validate, ingest."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import click

from corpus_tools.cli.options import (echo_json, echo_notes, echo_problems, echo_report, json_option, root_option,
                                      verbose_option)
from corpus_tools.layout import Layout
from corpus_tools.records import Document
from corpus_tools.annotations.registry import load_registry

# not click's own exists check: a missing or unreadable export is a problem like any other (one
# located line, a JSON report with --json), not a usage error
export_argument = click.argument("export", type=click.Path(path_type=Path))
MAX_JOBS = 64  # beyond the cores there is nothing to gain; a huge number overflowed multiprocessing
# --jobs 0 is passed as None: the library's own default (corpus_tools.ingest.default_jobs)
jobs_option = click.option(
    "--jobs", type=click.IntRange(min=0, max=MAX_JOBS), default=0, show_default=True,
    help=f"Processes that check tasks (at most {MAX_JOBS}); 0: one per core for an export of 16 MB or more, else 1.")


def _documents(layout: Layout) -> Mapping[str, Document]:
    from corpus_tools.documents.index import DocumentIndex  # the normalizer loads only for these commands

    return DocumentIndex(layout)


@click.command("validate")
@root_option
@json_option
@verbose_option
@jobs_option
@export_argument
def validate(layout: Layout, as_json: bool, verbose: bool, jobs: int, export: Path) -> None:
    """Check a Label Studio JSON export against the schema, the documents and the entity registry.

    Prints one line per error (file, task, doc, annotation, region: severity [code] message; with
    --verbose every warning and info too), a count per problem code, and a verdict; exits 1 when
    any problem is an error. --json prints the whole report, also for a file that is no export at
    all. Problem codes: docs/validation.md.

    \b
    Example:
        corpus-tools validate project-3-at-2024-05-01.json
        corpus-tools validate export.json --json | jq '.problems[].code'
        corpus-tools validate big-export.json --jobs 1   # in this process only
    """
    from corpus_tools.cli.progress import checking_export, stages
    from corpus_tools.documents.removals import removed_documents
    from corpus_tools.ingest import validate_export
    from corpus_tools.ingest.outcome import removed_notes

    documents = _documents(layout)
    with stages() as stage:
        report = validate_export(export, documents, load_registry(layout), jobs or None,
                                 checking=checking_export(stage), removed=removed_documents(layout, documents))
    echo_report(report, as_json, verbose, notes=removed_notes(report))


@click.command("ingest")
@root_option
@json_option
@verbose_option
@click.option("--allow-partial", is_flag=True,
              help="Store an export with errors anyway; the units at fault are left out of the corpus and "
                   "listed in the stored export's ingest.json.")
@click.option("--trim-whitespace", is_flag=True,
              help="Move span edges that fall on whitespace inward (reported as span-edge-whitespace-trimmed) "
                   "instead of refusing them.")
@jobs_option
@export_argument
def ingest(layout: Layout, as_json: bool, verbose: bool, allow_partial: bool, trim_whitespace: bool, jobs: int,
           export: Path) -> None:
    """Validate a Label Studio JSON export and store it verbatim in annotations/exports/.

    Stored as annotations/exports/<sequence>-<sha256[:16]>/export.json, the sequence numbering
    exports in the order they are ingested; ingesting the same file again does nothing. An
    export with any error is refused whole (exit 1, nothing written) unless --allow-partial;
    one with no submitted annotation is not stored, unless it cancels an annotation stored
    before (docs/validation.md).

    \b
    Example:
        corpus-tools ingest project-3-at-2024-05-01.json
        corpus-tools ingest export.json --allow-partial
        corpus-tools ingest export.json --trim-whitespace
    """
    from corpus_tools.cli.progress import checking_export, rechecking, stages
    from corpus_tools.ingest import ingest as ingest_export
    from corpus_tools.ingest.outcome import ingest_dict
    from corpus_tools.lock import corpus_lock

    # the lock (which ingest takes again) before the documents and registry are read: an add
    # that finished in between would otherwise leave them older than the corpus ingest stores into
    with corpus_lock(layout, "ingest"), stages() as stage:
        result = ingest_export(export, layout, _documents(layout), load_registry(layout), allow_partial=allow_partial,
                               jobs=jobs or None, trim_whitespace=trim_whitespace, checking=checking_export(stage),
                               rechecking=rechecking(stage))
    if as_json:
        echo_json(ingest_dict(result, layout))
    else:
        echo_problems(result.report, verbose)
        echo_outcome(result, layout)
    exit_if_failed(result, allow_partial)


def exit_if_failed(result, allow_partial: bool) -> None:
    """Exit 1 when the ingest failed (corpus_tools.ingest.outcome.ingest_failed)."""
    from corpus_tools.ingest.outcome import ingest_failed

    if ingest_failed(result, allow_partial):
        raise SystemExit(1)


def echo_outcome(result, layout: Layout) -> None:
    """What ingest did, the last line of ``ingest`` and ``labelstudio pull``, after its notes."""
    from corpus_tools.ingest.outcome import ingest_notes, outcome_line

    echo_notes(ingest_notes(result))
    click.echo(outcome_line(result, layout))
