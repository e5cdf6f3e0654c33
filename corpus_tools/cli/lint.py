"""The ``lint`` command: candidate annotation misses, minus those already explained."""

from __future__ import annotations

import os
from pathlib import Path

import click

from corpus_tools.cli.options import echo_json, echo_notes, json_option, root_option
from corpus_tools.cli.progress import rechecking, stages
from corpus_tools.errors import CorpusError, escape, printable_part, quantity
from corpus_tools.layout import Layout
from corpus_tools.annotations.lint import accepted_path, acceptance_as_dict, candidate_as_dict, lint_corpus
from corpus_tools.records import Acceptance, Candidate, LintReview

_SHOWN_TEXT = 80  # characters of a candidate's text on its line; --json has it whole


def _shown(text: str) -> str:
    flat = escape(text)  # one line, whatever the text holds
    if len(flat) <= _SHOWN_TEXT:
        return flat
    # cut the text, then escape it: a cut of the escaped text could end inside an escape ("\…")
    kept = text[:_SHOWN_TEXT - 1]
    while len(escape(kept)) > _SHOWN_TEXT - 1:
        kept = kept[:-1]
    return escape(kept) + "…"


def candidate_line(candidate: Candidate) -> str:
    return (f"{candidate.doc_id}:{candidate.span.start}-{candidate.span.end} [{candidate.code}] "
            f"{_shown(candidate.text)} — {candidate.message}")


def stale_line(acceptance: Acceptance, file: Path) -> str:
    return (f"{file}:{acceptance.line}: stale acceptance {printable_part(acceptance.doc_id)}:{acceptance.span.start}-"
            f"{acceptance.span.end} [{acceptance.code}] {_shown(acceptance.text)} — no longer a candidate; "
            f"remove the line")


def summary_line(result: LintReview) -> str:
    kept = (f"; {quantity(len(result.unchecked), 'acceptance')} kept for documents nobody annotated now"
            if result.unchecked else "")
    if result.removed:
        counted = quantity(len(result.removed), "acceptance") if not kept else str(len(result.removed))
        kept += f"; {counted} kept for documents removed from the corpus"
    return (f"{quantity(len(result.unexplained), 'unexplained candidate')}, {len(result.explained)} explained, "
            f"{quantity(len(result.stale), 'stale acceptance')}{kept}")


def _as_json(result: LintReview, show_all: bool) -> dict:
    listed = [{**candidate_as_dict(c), "reason": None} for c in result.unexplained]
    if show_all:
        listed += [{**candidate_as_dict(c), "reason": a.reason} for c, a in result.explained]
        listed.sort(key=lambda item: (item["doc_id"], item["start"], item["end"], item["code"]))
    return {
        "candidates": listed,
        "stale": [{**acceptance_as_dict(a), "line": a.line} for a in result.stale],
        "counts": {"unexplained": len(result.unexplained), "explained": len(result.explained),
                   "stale": len(result.stale), "unchecked": len(result.unchecked), "removed": len(result.removed),
                   "annotation_errors": result.annotation_errors},
    }


def _echo_lines(result: LintReview, show_all: bool, file: Path) -> None:
    explained = {c.key: a for c, a in result.explained} if show_all else {}
    shown = [*result.unexplained, *(c for c, _ in result.explained)] if show_all else list(result.unexplained)
    shown.sort(key=lambda c: (c.doc_id, c.span.start, c.span.end, c.code))
    for candidate in shown:
        acceptance = explained.get(candidate.key)
        # escaped: a reason is free text a person wrote, and may hold a line break or a terminal's escape
        suffix = f" [explained, line {acceptance.line}: {escape(acceptance.reason)}]" if acceptance else ""
        click.echo(candidate_line(candidate) + suffix)
    for acceptance in result.stale:
        click.echo(stale_line(acceptance, file))
    click.echo(summary_line(result))


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
    file = accepted or accepted_path(layout)
    if accepted is not None:  # only the default may be missing (no acceptances yet); a path given must be there
        try:
            os.stat(accepted)
        except OSError as error:  # the system's own reason: missing, a loop of links, no permission
            raise CorpusError.of_os_error(error) from None
    with stages() as stage:
        result = lint_corpus(layout, file, stage("linting", unit="doc"), rechecking(stage))
    if result.annotation_errors:
        echo_notes([f"{quantity(result.annotation_errors, 'annotation error')} left units out of the lint; "
                    "see corpus-tools validate"])
    if as_json:
        echo_json(_as_json(result, show_all))
    else:
        _echo_lines(result, show_all, file)
    # units left out were not linted: a miss in them would go unseen, so the lint has not passed
    if result.unexplained or result.annotation_errors:
        raise SystemExit(1)
