"""``corpus-tools export``: a thin layer over corpus_tools.release.export."""

from __future__ import annotations

from pathlib import Path

import click

from corpus_tools.cli.progress import stages, totalled
from corpus_tools.release.export import FORMATS


@click.command("export")
@click.option("--format", "format_", type=click.Choice(FORMATS), required=True,
              help="conll2003 (ner config), spacy (DocBin; needs corpus-tools[spacy]), brat (standoff), "
                   "jsonl (documents with every layer nested; a README.md declares their features, so "
                   "datasets.load_dataset(DIR) loads every split alike).")
@click.argument("release")
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path), required=True,
              help="A new (or empty) directory to write into.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="Where dist/ is, when RELEASE is a version.")
def export(format_: str, release: str, out_dir: Path, root: Path) -> None:
    """Write RELEASE (a release directory, or a version in dist/) in an interchange format,
    after checking it against its SHA256SUMS. Spans the format cannot place (spaCy tokens) are
    listed in unaligned.jsonl and counted here, never dropped silently.

    \b
    Example:
        corpus-tools export --format conll2003 dist/1.1.0 -o build/conll
        corpus-tools export --format brat 1.1.0 -o build/brat
    """
    from corpus_tools.release.export import export_release, summary_line

    with stages() as stage:
        result = export_release(release, format_, out_dir, root=root, exporting=totalled(stage, "exporting", "doc"))
    for item in result.unaligned:
        click.echo(item.as_problem(), err=True)
    click.echo(summary_line(result))
