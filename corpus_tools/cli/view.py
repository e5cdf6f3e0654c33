"""``corpus-tools view``: a static HTML site of a release (corpus_tools.view)."""

from __future__ import annotations

from pathlib import Path

import click

from corpus_tools.cli.options import optional_root_option
from corpus_tools.cli.progress import comparing, stages, totalled
from corpus_tools.errors import CorpusError
from corpus_tools.layout import Layout


@click.command("view")
@click.argument("release", required=False, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the site [default: build/site under the root].")
@click.option("--serve", is_flag=True, help="Then serve the site on 127.0.0.1 until interrupted.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="With --serve: the port (0: a free one).")
@click.option("--previous", type=click.Path(path_type=Path), default=None,
              help="The release to show the changes since (a directory or a version) [default: the release "
                   "before RELEASE in the same dist/, if any].")
@optional_root_option
def view(release: Path | None, output: Path | None, serve: bool, port: int, previous: Path | None,
         layout: Layout | None) -> None:
    """Write a static HTML site of a release: an index with statistics, a page per document
    (annotations highlighted, layers switchable, quotes beside the text) and per registry entity.

    RELEASE is a release directory or a version in the root's dist/ (default: the latest).
    The pieces normalization removed are shown when the root's raw/ holds the released raw files.
    When there is a release before it, diff.html counts what changed since (corpus-tools diff),
    and each document's page lists its own changes.
    The site needs no server; open index.html. Same release, same bytes. A document's page is
    rendered once and kept in the checkout's build/cache/view/, until what goes into it changes.
    Outside any checkout (a downloaded release), RELEASE is its directory, -o says where the site
    goes, and every page is rendered.

    \b
    Example:
        corpus-tools view dist/1.0.0 -o build/site
        corpus-tools view --serve            # latest release, then http://127.0.0.1:8000/
        corpus-tools view ~/Downloads/1.1.10 -o site   # a downloaded release, no checkout
    """
    from corpus_tools.view import build_site
    from corpus_tools.view.site import site_releases, summary_line

    if layout is None and output is None:  # build/site belongs to a checkout
        raise CorpusError("corpus-not-found", f"not inside a corpus ({Path.cwd()} and the directories above it "
                          "hold none): -o DIR says where to write the site of a release downloaded without a checkout")
    release, previous = site_releases(release, previous, Path.cwd() if layout is None else layout.root)
    output = output or layout.build / "site"
    raw_dir = None if layout is None else layout.raw  # without a checkout, no raw files: no removed text shown
    with stages() as stage:
        # without a checkout there is no build/ to keep rendered pages in: each is rendered
        summary = build_site(release, output, raw_dir=raw_dir, previous=previous,
                             cache=None if layout is None else layout.build / "cache" / "view",
                             comparing=comparing(stage),
                             writing=totalled(stage, "writing pages", "page"))
    click.echo(summary_line(summary, raw_dir))
    if serve:
        from corpus_tools.view.serve import site_server

        server = site_server(output, port)
        click.echo(f"serving {output} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
