"""The ``lint`` command: candidate annotation misses, minus those already explained."""

from __future__ import annotations

from pathlib import Path

import click

from corpus_tools.cli.options import echo_json, echo_lines, echo_notes, json_option, root_option
from corpus_tools.cli.progress import rechecking, stages, totalled
from corpus_tools.errors import quantity
from corpus_tools.layout import Layout
from corpus_tools.annotations.lint import accepted_path, lint_corpus, review_dict, review_lines


@click.command("lint")
@root_option
@json_option
@click.option("--all", "show_all", is_flag=True, help="Also list candidates already explained, with their reason.")
@click.option("--accepted", type=click.Path(path_type=Path), default=None,
              help="The explained candidates (default: annotations/lint-accepted.jsonl; missing = none).")
def lint(layout: Layout, as_json: bool, show_all: bool, accepted: Path | None) -> None:
    """List candidate annotation misses for a person to review.

    Candidates: registry names and aliases outside every entity span, quotation-mark pairs
    outside QUOTE spans, years, month and weekday names outside time spans, QUOTEs without
    SOURCE or CUE, SOURCEs without speaker_id (codes in docs/lint.md). Each line reads
    doc_id:start-end [code] text — message. Candidates explained in annotations/lint-accepted.jsonl
    (one JSON object per line: code, doc_id, start, end, text, reason) are hidden unless --all;
    acceptances that match no candidate any more are listed as stale (those of a document nobody
    annotated now, or of a removed document, are kept, and counted as such).

    Exit status: 0 when no candidate is unexplained, 1 when some are, when errors in the stored
    annotations left units out of the lint, or on an input error.

    \b
    Example:
        corpus-tools lint                 # unexplained candidates only
        corpus-tools lint --all --json    # everything, with the reasons given
    """
    with stages() as stage:
        result = lint_corpus(layout, accepted, totalled(stage, "linting", "doc"), rechecking(stage))
    if result.annotation_errors:
        echo_notes([f"{quantity(result.annotation_errors, 'annotation error')} left units out of the lint; "
                    "see corpus-tools validate"])
    if as_json:
        echo_json(review_dict(result, show_all))
    else:
        echo_lines(review_lines(result, show_all, accepted or accepted_path(layout)))
    # units left out were not linted: a miss in them would go unseen, so the lint has not passed
    if result.unexplained or result.annotation_errors:
        raise SystemExit(1)
