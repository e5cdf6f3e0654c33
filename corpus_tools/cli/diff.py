"""``corpus-tools diff OLD NEW``: what changed between two releases (corpus_tools.release.diff)."""

from __future__ import annotations

import click

from corpus_tools.cli.options import dist_root_option, echo_json, json_option
from corpus_tools.cli.progress import stages, totalled
from corpus_tools.records import CHANGE_KINDS


@click.command("diff")
@click.argument("old")
@click.argument("new")
@dist_root_option
@json_option
@click.option("--doc", "doc_id", default=None, help="Only the changes of this document.")
@click.option("--layer", "layers", multiple=True, type=click.Choice(tuple(CHANGE_KINDS)),
              help="Only the changes of this layer (repeatable).")
@click.option("--examples", default=3, show_default=True, type=click.IntRange(min=0),
              help="Examples shown per kind of change in the text report.")
def diff(old: str, new: str, root: str, as_json: bool, doc_id: str | None, layers: tuple[str, ...],
         examples: int) -> None:
    """Report what changed from release OLD to release NEW: documents, entity mentions, time
    expressions and quotes (matched by raw offsets, so a new normalizer moves nothing), the
    entity registry (renames, aliases, types, Wikidata ids, merges and splits), ner tags,
    the configs' columns and label sets, and the rows of derived configs (kb, ner) that changed
    otherwise, with the columns or field paths they differ in (kb.entities.normalized). OLD and
    NEW are release directories or versions under dist/. Both are checked against their
    SHA256SUMS first.

    Exit status: 0 whatever changed (this is a report); 1 on bad input (not a release, a
    tampered release, releases of two corpora). With --json: every change, keys in docs/diff.md;
    bad input as a JSON report too.

    \b
    Example:
        corpus-tools diff 1.0.0 1.1.0
        corpus-tools diff dist/1.0.0 dist/1.1.0 --layer entities --doc 000_cbeedfbee8440207
        corpus-tools diff 1.0.0 1.1.0 --json > changes.json
    """
    from corpus_tools.release.diff import as_dict, diff_releases, report_lines

    with stages() as stage:
        result = diff_releases(old, new, root=root, doc_id=doc_id, layers=layers or None,
                               comparing=totalled(stage, "comparing documents", "doc"))
    if as_json:
        echo_json(as_dict(result, lazy=True))
    else:
        click.echo("\n".join(report_lines(result, examples=examples)))
