"""Options shared by every command, defined once, the printing of reports, and the reading of
the annotation set that several commands work from."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Iterator

import click
import orjson

from corpus_tools.errors import CorpusError, Location, Report, counted, quantity
from corpus_tools.labelstudio.datadir import DEFAULT_DATA_DIR, default_data_dir
from corpus_tools.layout import ROOT_MARKERS, Layout, find_root

# ctx.meta key: the command was asked for --json, so an error is printed as a JSON report too
JSON_META = "corpus_tools.as_json"


def _to_layout(ctx: click.Context, param: click.Parameter, value: str | None) -> Layout:
    layout = _to_layout_if_any(ctx, param, value)
    if layout is None:
        # add does not start a corpus here unasked: one started by mistake in a home directory
        # would be the corpus every command run below it finds
        raise CorpusError("corpus-not-found", f"not inside a corpus: neither {Path.cwd()} nor any directory above "
                          f"it holds {' or '.join(ROOT_MARKERS)}; cd into a checkout or pass --root DIR "
                          "(`corpus-tools add --root DIR FILE...` starts a new corpus in DIR)")
    return layout


def _to_layout_if_any(ctx: click.Context, param: click.Parameter, value: str | None) -> Layout | None:
    """The corpus --root names, else the one found upwards from here; None when none is found."""
    if value is not None:
        if not Path(value).is_dir():  # not click's exists check: a problem, in JSON under --json
            raise CorpusError("corpus-not-found", "--root names no directory", Location(file=value))
        return Layout.at(value)
    found = find_root(Path.cwd())
    return None if found is None else Layout.at(found)


_ROOT_HELP = ("The corpus checkout (holds raw/, annotations/, dist/) [default: the nearest directory, from here "
              "upwards, holding raw/manifest.jsonl or annotations/entity-registry.jsonl")
root_option = click.option("--root", "layout", default=None, callback=_to_layout, type=click.Path(),
                           help=_ROOT_HELP + "].")
# for commands that read a release and use a corpus only when there is one (view: its raw files)
optional_root_option = click.option("--root", "layout", default=None, callback=_to_layout_if_any, type=click.Path(),
                                    help=_ROOT_HELP + "; none: a release downloaded without a checkout].")
# for commands that read releases only, by directory or by version: no corpus needed, so no search upwards
dist_root_option = click.option("--root", default=".", show_default=True, type=click.Path(file_okay=False),
                                help="The checkout whose dist/ holds releases named by version.")


# Label Studio's local server: one default for every command that talks to it
DEFAULT_PROJECT = "corpus_tools"


def data_dir_option(function):
    return click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
                        default=default_data_dir,
                        show_default=f"$CORPUS_TOOLS_LS_DATA, or {DEFAULT_DATA_DIR} in the checkout",
                        help="Data dir of the local server (database, log, connection file).")(function)


def _remember_json(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.meta[JSON_META] = True
    return value


json_option = click.option("--json", "as_json", is_flag=True, callback=_remember_json, is_eager=True,
                           help="Print the report as JSON (an input that cannot be used at all, too).")

verbose_option = click.option("-v", "--verbose", is_flag=True,
                              help="List every warning and info too (by default: errors, and a count per code).")


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON: every command's ``--json``. A value that is an iterator
    (a generator of a report's parts) is printed as an array an item at a time, so a report of
    thousands of parts is never whole in memory, as a dict or as text; a value that is a function
    is called when its turn comes (a summary counted while the parts before it were printed)."""
    pieces, size = [], 0
    for piece in json_pieces(data):
        pieces.append(piece)
        size += len(piece)
        if size >= _ECHO_CHARACTERS:  # written in blocks: click.echo flushes each time
            click.echo("".join(pieces), nl=False)
            pieces, size = [], 0
    click.echo("".join(pieces))


_ECHO_CHARACTERS = 1 << 16


def json_pieces(data: Any, level: int = 0) -> Iterator[str]:
    """The text of ``data`` as indented JSON (orjson's OPT_INDENT_2, byte for byte), in pieces:
    a dict or list holding an iterator (or a function, called when its turn comes) is written
    member by member, the iterator an item at a time; anything else is one piece. orjson refuses
    lone surrogates (which a JSON export may hold, escaped); the standard library writes such a
    piece with ``\\ud800`` escapes, and every other non-ASCII character of that piece too (a lone
    surrogate has no UTF-8)."""
    if callable(data):
        data = data()
    if not isinstance(data, Iterator):
        try:
            text = _dumps(data, level)  # the usual case: one piece, no walk through the value
        except TypeError:  # an iterator or a function inside: written in pieces below
            if not (isinstance(data, (dict, list)) and _holds_iterator(data)):
                raise
        else:
            yield text
            return
    items = data.items() if isinstance(data, dict) else data
    opening, closing = ("{", "}") if isinstance(data, dict) else ("[", "]")
    inner = "  " * (level + 1)
    first = True
    for item in items:
        yield (opening if first else ",") + "\n" + inner
        first = False
        if isinstance(data, dict):
            key, item = item
            yield _dumps(key, 0) + ": "
        yield from json_pieces(item, level + 1)
    yield opening + closing if first else "\n" + "  " * level + closing


def _holds_iterator(data: dict | list) -> bool:
    """Whether ``data`` holds an iterator or a function, at any depth: it must be written in pieces."""
    return any(isinstance(value, Iterator) or callable(value)
               or (isinstance(value, (dict, list)) and _holds_iterator(value))
               for value in (data.values() if isinstance(data, dict) else data))


def _dumps(data: Any, level: int) -> str:
    try:
        text = orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    except orjson.JSONEncodeError:
        text = json.dumps(data, indent=2)
    return text.replace("\n", "\n" + "  " * level) if level else text


def echo_error_json(error: CorpusError) -> None:
    """A CorpusError as the JSON report of one problem (what ``--json`` prints when the input
    cannot be used at all)."""
    echo_json(Report.of([error.as_problem()]).as_dict())


def echo_problems(report: Report, verbose: bool = False) -> None:
    """Problem lines, then a count per code: every error line, and warnings and infos only with
    ``verbose`` (their counts are always there)."""
    for problem in report:
        if verbose or problem.severity == "error":
            click.echo(str(problem))
    echo_lines(summary_lines(report, verbose))


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def summary_lines(report: Report, verbose: bool = False) -> list[str]:
    """``count  severity  code`` per problem code (errors first), or nothing for no problems."""
    counts = Counter((problem.severity, problem.code) for problem in report)
    if not counts:
        return []
    hidden = not verbose and any(severity != "error" for severity, _ in counts)
    width = max(len(str(count)) for count in counts.values())
    lines = ["problems by code" + (" (--verbose lists the warnings and infos):" if hidden else ":")]
    for (severity, code), count in sorted(counts.items(), key=lambda item: (_SEVERITY_ORDER[item[0][0]], item[0][1])):
        lines.append(f"  {count:>{width}}  {severity:<7}  {code}")
    return lines


def echo_lines(lines: Iterable[str]) -> None:
    """Each of ``lines`` as it comes: a report's lines are printed while the rest are worked out."""
    for line in lines:
        click.echo(line)


def echo_notes(notes: Iterable[str]) -> None:
    """Notes on stderr, each one line, before a command's last line (what a report or an ingest
    came to), as ``note: ...``."""
    for note in notes:
        click.echo(f"note: {note}", err=True)


def echo_report(report: Report, as_json: bool, verbose: bool = False, notes: Iterable[str] | None = None) -> None:
    """Print a report as lines (``echo_problems``, then ``notes``, then the verdict with the counts
    of what was checked) or as JSON (which lists every problem: the notes only summarize them; a
    ``notes`` key when the command has notes, ``Report.as_dict``); exit 1 if invalid."""
    if as_json:
        echo_json(report.as_dict(notes))
    else:
        echo_problems(report, verbose)
        echo_notes(notes or ())
        counts = ", ".join(counted(name, value) for name, value in report.stats)
        verdict = "valid" if report.valid else f"INVALID: {quantity(len(report.errors), 'error')}"
        click.echo(f"{verdict}" + (f" ({counts})" if counts else ""))
    if not report.valid:
        raise SystemExit(1)
