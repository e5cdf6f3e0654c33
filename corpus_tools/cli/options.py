"""Options shared by every command, defined once."""

from __future__ import annotations

import click
import orjson

from corpus_tools.errors import Report
from corpus_tools.layout import Layout


def _to_layout(ctx: click.Context, param: click.Parameter, value: str) -> Layout:
    return Layout.at(value)


root_option = click.option(
    "--root", "layout", default=".", show_default=True, callback=_to_layout,
    type=click.Path(file_okay=False, exists=True),
    help="The corpus checkout (holds raw/, annotations/, dist/).",
)

json_option = click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")


def echo_report(report: Report, as_json: bool) -> None:
    """Print a report as lines (one per problem, then a summary) or as JSON; exit 1 if invalid."""
    if as_json:
        click.echo(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2).decode())
    else:
        for problem in report:
            click.echo(str(problem))
        counts = ", ".join(f"{value} {name}" for name, value in report.stats)
        verdict = "valid" if report.valid else f"INVALID: {len(report.errors)} errors"
        click.echo(f"{verdict}" + (f" ({counts})" if counts else ""))
    if not report.valid:
        raise SystemExit(1)
