"""``corpus-tools release`` and ``corpus-tools verify``: thin layers over corpus_tools.release."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from corpus_tools.cli.options import json_option, root_option
from corpus_tools.errors import CorpusError, Location
from corpus_tools.layout import Layout


@click.command("release")
@root_option
@click.option("--version", "version", default=None,
              help="Assert the version to release; it must be corpus_tools/version.py's (the default).")
def release(layout: Layout, version: str | None) -> None:
    """Build dist/<version>/ from raw/ and annotations/: parquet configs, dataset card,
    croissant.json, CHANGELOG.md, SHA256SUMS.

    Nothing is built if validation fails; an existing release is never changed (same content:
    nothing to do; different content: refused).

    \b
    Example:
        corpus-tools release               # dist/1.0.0/ with corpus_tools 1.0.0
    """
    from corpus_tools.release import release as build

    use_system_allocator()
    context = click.get_current_context().obj
    if isinstance(context, dict) and context.get("own_process"):
        skip_pandas_probe()
    result = build(layout, version)
    verb = {"built": "built", "unchanged": "unchanged (already released with identical content):"}[result.status]
    click.echo(f"release {result.version} {verb} {result.path} ({len(result.files)} files)")


def use_system_allocator() -> None:
    """A release allocates and frees Arrow buffers row group after row group. pyarrow's default
    pool (mimalloc) keeps what is freed for reuse; the system allocator gives it back: about 35 to
    40 MB less peak memory at 10,000 and at 50,000 tasks, at about the same speed (bench/README.md).
    Set here, for the command's process, not by the library; ARROW_DEFAULT_MEMORY_POOL, when set,
    is left to decide."""
    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        import pyarrow

        pyarrow.set_memory_pool(pyarrow.system_memory_pool())


def skip_pandas_probe() -> None:
    """pyarrow imports pandas (about half a second) the first time ``pa.array`` is given a
    Python list, only to ask whether the list is a pandas object; a release never gives it one.
    pyarrow tries that import once and remembers the outcome, so here it is made to fail once:
    pyarrow then takes lists as plain sequences (the same arrays), and still imports pandas
    when a pandas feature is asked for (``to_pandas`` tries again). Until then, though, it would
    take a pandas object given to ``pa.array`` for a plain sequence (a categorical Series gives
    strings, not a dictionary array): so this is done only by the console script, whose process
    ends with the command (not when the command is invoked in a longer-lived process, as tests
    do), and only when nothing has imported pandas yet."""
    import sys

    import pyarrow

    if "pandas" in sys.modules:
        return
    sys.meta_path.insert(0, _NoPandas)
    try:
        pyarrow.array([], type=pyarrow.null())  # pyarrow's one try
    finally:
        sys.meta_path.remove(_NoPandas)


class _NoPandas:
    """An import finder that refuses pandas (a ``None`` in sys.modules does not: pyarrow's
    compiled import then takes the None for the module)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "pandas":
            raise ImportError("pandas is not imported for a release", name=name)
        return None


@click.command("verify")
@click.argument("release_dir", type=click.Path(path_type=Path))
@json_option
def verify(release_dir: Path, as_json: bool) -> None:
    """Check every file of a release against its SHA256SUMS; exit 1 naming any changed,
    missing or unlisted file.

    \b
    Example:
        corpus-tools verify dist/1.0.0
    """
    from corpus_tools.release import verify_release

    report = verify_release(release_dir)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        for problem in report:
            click.echo(str(problem), err=True)
    if not report.valid:
        raise CorpusError("verify-failed", f"{len(report.errors)} problem(s) (listed above): the release does not "
                          "match its SHA256SUMS", Location(file=str(release_dir)))
    if not as_json:
        click.echo(f"{release_dir}: {dict(report.stats)['files']} files match SHA256SUMS")
