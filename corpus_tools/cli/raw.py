"""Commands over the raw corpus: check-raw, normalize."""

from __future__ import annotations

from pathlib import Path

import click
from click.core import ParameterSource

from corpus_tools.cli.options import echo_lines, echo_report, json_option, root_option
from corpus_tools.cli.progress import stages, totalled
from corpus_tools.documents.template import MIN_DOCUMENTS, repeated_lines as find_repeated_lines, report_lines
from corpus_tools.errors import quantity
from corpus_tools.layout import Layout
from corpus_tools.documents.raw import check_raw as check_raw_files


@click.command("check-raw")
@root_option
@json_option
def check_raw(layout: Layout, as_json: bool) -> None:
    """Check every raw file against raw/manifest.jsonl (a regular file, size, sha256, encoding, stated evidence;
    no bytes listed twice, no doc_ids that differ only in case; no run of more than 30 combining marks).

    Exits 1 and lists every problem, each naming its file, when anything is off.

    \b
    Example:
        corpus-tools check-raw
        corpus-tools check-raw --json
    """
    with stages() as stage:
        # in bytes of the manifest: the number of its records is known only at its end
        report = check_raw_files(layout, totalled(stage, "checking raw files", "B", bytes_=True))
    echo_report(report, as_json)


@click.command("normalize")
@root_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write (default: build/normalized under the root; never committed). A file "
                   "there that already holds its bytes is left as it is.")
@click.option("--doc", "doc_id", default=None, help="Print this document's normalized text instead of writing.")
@click.option("--repeated-lines", is_flag=True,
              help="Write nothing; list the lines of the normalized texts that recur in several documents of "
                   "one publisher: template that no rule removes yet (docs/normalization.md).")
@click.option("--min-documents", type=click.IntRange(min=2), default=MIN_DOCUMENTS, show_default=True,
              help="With --repeated-lines: in how many documents a line must recur.")
def normalize(layout: Layout, out: Path | None, doc_id: str | None, repeated_lines: bool, min_documents: int) -> None:
    """Normalize the raw corpus: <doc_id>.txt (text) and <doc_id>.json (offset map, removed pieces).

    The whole raw corpus is checked first; on any problem nothing is written.

    \b
    Example:
        corpus-tools normalize                     # writes build/normalized/
        corpus-tools normalize --doc 001_d79359122f2d4c78
        corpus-tools normalize --repeated-lines    # template lines no rule removes yet
    """
    from corpus_tools.documents.index import iter_documents, load_document, write_normalized

    # three modes: a mode's options given to another were ignored without a word
    min_given = click.get_current_context().get_parameter_source("min_documents") is not ParameterSource.DEFAULT
    if doc_id is not None and (repeated_lines or out is not None):
        raise click.UsageError("--doc prints one document's text: it does not go with --repeated-lines or --out")
    if repeated_lines and out is not None:
        raise click.UsageError("--repeated-lines writes nothing: it does not go with --out")
    if min_given and not repeated_lines:
        raise click.UsageError("--min-documents goes with --repeated-lines")
    if doc_id is not None:
        click.echo(load_document(layout, doc_id).text)
        return
    if repeated_lines:
        with stages() as stage:
            found = find_repeated_lines(iter_documents(layout, totalled(stage, "reading documents", "doc")),
                                        min_documents)
        echo_lines(report_lines(found, min_documents))
        return
    out = out or layout.build / "normalized"
    with stages() as stage:
        count, stale = write_normalized(layout, out, totalled(stage, "normalizing", "doc"))
    removed = f" (removed {quantity(stale, 'file')} of documents no longer in the corpus)" if stale else ""
    click.echo(f"normalized {quantity(count, 'document')} into {out}{removed}")
