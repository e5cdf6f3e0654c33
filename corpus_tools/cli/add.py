"""``corpus-tools add``: put new articles into raw/ with their manifest records."""

from __future__ import annotations

from pathlib import Path

import click

from corpus_tools.cli.options import echo_notes, root_option
from corpus_tools.layout import Layout


@click.command("add")
@root_option
# no click kind check: a directory is a located file-error like any unreadable input
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--doc-id", default=None, help="The doc_id (one file only); default: the one a release published the "
              "bytes under, else the one the removal record says they were removed under, else "
              "<next number>_<sha256[:16]>.")
@click.option("--title", default=None, help="The title (one file only); default: the one a release published "
              "for the bytes, else the first line, if a headline.")
@click.option("--publisher", default=None, help="The publisher (one file only); needs --publisher-evidence; default: "
              "the one a release published for the bytes (with its evidence), else none.")
@click.option("--publisher-evidence", default=None, metavar="'line N' | REASONING",
              help="'line N': the file's line N states it (quoted from the file); else why it follows "
                   "(citing no line).")
@click.option("--date", default=None, metavar="YYYY[-MM[-DD]]",
              help="Publication date (one file only); needs --date-evidence; default: the one a release "
                   "published for the bytes (with its evidence), else none.")
@click.option("--date-evidence", default=None, metavar="'line N' | REASONING",
              help="'line N': the file's line N states it (quoted from the file); else why it follows "
                   "(citing no line).")
@click.option("--invented", default=None, metavar="WHY",
              help="The article (one file only) is not news (e.g. written as a test fixture): why; the card "
                   "names it so.")
def add(layout: Layout, files: tuple[Path, ...], doc_id, title, publisher, publisher_evidence, date,
        date_evidence, invented) -> None:
    """Copy FILES byte for byte into raw/ and append their manifest records (all or none).

    Encoding, size and sha256 come from the bytes; the title from the first line when it is a
    headline; publisher and date stay null unless given with evidence. Bytes a release in dist/
    published keep the doc_id it published them under (a removed document added again keeps its
    fold and split), and a note says so; their encoding, title, publisher and date (with
    evidence) come from the latest release that published them, unless an option gives them
    (the given value wins), and a note says which came from where. Bytes no release published
    that annotations/removed-documents.jsonl lists keep the doc_id they were removed under (and
    the annotations stored under it). Refused, with nothing
    written: a file already in the corpus, or its text in other bytes (of a document a release
    published: until --doc-id gives its published doc_id), a doc_id taken (in any case) or unsafe, a --doc-id
    other than the published one, a release in dist/ that fails verification, a value from a
    release that fails the checks a given one must pass (an option replaces it), an empty or
    binary file, bytes that are neither UTF-8 nor cp1252, or UTF-8 mixed with bytes that are not.
    With no FILES: finish an add that was killed while it moved its files in (check-raw names
    them as unlisted). With --root DIR where there is no corpus yet (no raw/, or an empty one),
    the add starts one: it creates raw/ and raw/manifest.jsonl.

    \b
    Example:
        corpus-tools add article.txt
        corpus-tools add article.txt --date 2024-03-12 --date-evidence 'line 3'
        corpus-tools add a.txt b.txt c.txt
        corpus-tools add --root . a.txt      # in a directory with no corpus: starts one there
        corpus-tools add removed.txt         # published bytes: their published doc_id and metadata
        corpus-tools add removed.txt --date 2022-08 --date-evidence 'line 5'   # the rest from the release
        corpus-tools add fixture.txt --invented 'written to test the quote rules'
        corpus-tools add                     # finish an add that was killed
    """
    from corpus_tools.cli.progress import stages, totalled
    from corpus_tools.documents.add import add_files, added_line, added_notes, finish_killed_adds
    from corpus_tools.documents.raw import is_new_corpus
    from corpus_tools.errors import CorpusError, quantity

    finished = finish_killed_adds(layout)  # said, not done silently by the add below
    if finished:
        click.echo(f"finished an add that was killed: the manifest lists its {quantity(finished, 'document')}")
    if not files:
        if not finished:
            raise CorpusError("add-input-missing", "no file to add, and no killed add to finish")
        return

    new = is_new_corpus(layout)  # said after the add, which decides it again under the corpus lock
    # the reading and the checking are most of an add's time (the writing only copies what they read)
    with stages() as stage:
        added = add_files(layout, files, doc_id=doc_id, title=title, publisher=publisher,
                          publisher_evidence=publisher_evidence, date=date, date_evidence=date_evidence,
                          invented=invented, reading=totalled(stage, "reading the corpus", "doc"),
                          on_checking=stage("checking", total=len(files), unit="file"),
                          on_progress=stage("adding", total=len(files), unit="file"))
    for item in added:
        click.echo(added_line(item))
        # on stderr (echo_notes), so that stdout is one line per file and the last line's count
        echo_notes(added_notes(item))
    click.echo(f"added {quantity(len(added), 'file')} to {layout.manifest}"
               + (" (a new corpus: this add created it)" if new else ""))

