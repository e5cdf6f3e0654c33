"""``corpus-tools remove``: take documents out of the corpus, recording why."""

from __future__ import annotations

import click

from corpus_tools.cli.options import root_option
from corpus_tools.layout import Layout


@click.command("remove")
@root_option
@click.argument("doc_ids", nargs=-1, metavar="DOC_ID...")
@click.option("--reason", default=None, metavar="TEXT",
              help="Why the documents leave the corpus (one line; recorded with each of them).")
def remove(layout: Layout, doc_ids: tuple[str, ...], reason: str | None) -> None:
    """Delete the raw files and manifest records of DOC_IDs and append one line per document
    (doc_id, the raw file's sha256, the reason; in doc_id order, whatever the order named) to
    annotations/removed-documents.jsonl, all or nothing.

    The stored exports keep their tasks of a removed document (annotations/exports/ is
    append-only): every reader of them leaves those tasks out with a doc-removed warning, and
    the next release lacks the document (its diff counts it as removed: a minor version). Added
    again (corpus-tools add, the same bytes), it is a document again, with its doc_id and its
    annotations. Refused, with nothing written: an unknown doc_id, one named twice, no reason, a
    blank one, or one that is not one line of plain text. With no DOC_ID: finish a remove that was killed part way (check-raw names its
    raw files as unlisted).

    \b
    Example:
        corpus-tools remove 006_13b7e5813f40efdc --reason 'takedown request from the publisher'
        corpus-tools remove 003_840a8be26e4ddaa5 005_2cde5fe42a71d5e6 --reason 'off-topic'
        corpus-tools remove                  # finish a remove that was killed
    """
    from corpus_tools.documents.remove import finish_killed_removes, remove_documents
    from corpus_tools.errors import CorpusError, escape, quantity

    finished = finish_killed_removes(layout)  # said, not done silently by the remove below
    if finished:
        click.echo(f"finished {quantity(finished, 'remove')} that {'was' if finished == 1 else 'were'} killed")
    if not doc_ids:
        if not finished:
            raise CorpusError("remove-input-missing", "no doc_id to remove, and no killed remove to finish")
        return
    removed = remove_documents(layout, doc_ids, reason)
    for removal in removed:
        click.echo(f"removed {escape(removal.doc_id)}: raw/{escape(removal.doc_id)}.txt (sha256 {removal.sha256}) "
                   "and its manifest record")
    click.echo(f"recorded {quantity(len(removed), 'removal')} in {layout.removed_documents}")
