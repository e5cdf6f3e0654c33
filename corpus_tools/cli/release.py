"""``corpus-tools release`` and ``corpus-tools verify``: thin layers over corpus_tools.release."""

from __future__ import annotations

from pathlib import Path

import click

from corpus_tools.cli.options import dist_root_option, echo_json, echo_notes, json_option, root_option
from corpus_tools.errors import CorpusError, Location, agreeing, quantity
from corpus_tools.layout import Layout


@click.command("release")
@root_option
@click.option("--version", "version", default=None,
              help="Assert the version to release; it must be corpus_tools/version.py's (the default).")
def release(layout: Layout, version: str | None) -> None:
    """Build dist/<version>/ from raw/ and annotations/: parquet configs, dataset card,
    croissant.json, CHANGELOG.md, LICENSE.md, build-info.json (the versions of the libraries, of
    Python and of its Unicode database that built it), SHA256SUMS.

    Nothing is built if validation fails; an existing release is never changed (same content:
    nothing to do; different content: refused).

    \b
    Example:
        corpus-tools release               # dist/<version>/, the version in corpus_tools/version.py
    """
    from corpus_tools.cli.progress import comparing, rechecking, stages, totalled
    from corpus_tools.release import release as build

    with stages() as stage:
        result = build(layout, version, writing=totalled(stage, "building the release", "doc"),
                       rechecking=rechecking(stage), comparing=comparing(stage))
    verb = {"built": "built", "unchanged": "unchanged (already released with identical content):"}[result.status]
    echo_notes(result.notes)
    click.echo(f"release {result.version} {verb} {result.path} ({quantity(len(result.files), 'file')})")


@click.command("verify")
@click.argument("release_dir", type=click.Path(path_type=Path))
@dist_root_option
@json_option
def verify(release_dir: Path, root: str, as_json: bool) -> None:
    """Check every file of a release (a directory, or a version in the checkout's dist/) against
    its SHA256SUMS; exit 1 naming any changed, missing or unlisted file (an unlisted hidden file,
    which a download adds and no reader reads, is a warning).

    \b
    Example:
        corpus-tools verify dist/1.0.0
        corpus-tools verify 1.1.0 --root ~/corpus
    """
    from corpus_tools.release import verify_release
    from corpus_tools.release.versions import resolve_release

    release_dir = resolve_release(release_dir, root)
    report = verify_release(release_dir)
    if as_json:
        echo_json(report.as_dict())  # the one document printed: its "valid" is the verdict
        if not report.valid:
            raise SystemExit(1)
        return
    for problem in report:
        click.echo(str(problem), err=True)
    if not report.valid:
        raise CorpusError("verify-failed", f"{len(report.errors)} problem(s) (listed above): the release does not "
                          "match its SHA256SUMS", Location(file=str(release_dir)))
    files = dict(report.stats)["files"]
    click.echo(f"{release_dir}: {quantity(files, 'file')} {agreeing(files, 'matches', 'match')} SHA256SUMS")
