"""``corpus-tools agreement`` and ``corpus-tools adjudicate``: several annotators' versions compared and merged."""

from __future__ import annotations

from pathlib import Path

import click
from click.core import ParameterSource

from corpus_tools.cli.options import (DEFAULT_PROJECT, data_dir_option, echo_json, echo_lines, echo_notes, json_option,
                                      root_option)
from corpus_tools.cli.progress import reading_annotations, rechecking, stages
from corpus_tools.layout import Layout


@click.command("agreement")
@root_option
@json_option
@click.option("--by", type=click.Choice(["document", "annotator"]), default=None,
              help="Also give the figures per document or per annotator.")
def agreement(layout: Layout, as_json: bool, by: str | None) -> None:
    """Inter-annotator agreement per layer over the ingested annotations.

    Every annotator's latest submitted version of each document is compared with every other
    annotator's (pairwise, and averaged), with the number of items each figure rests on;
    cancelled annotations are left out and counted; a document with fewer than two annotators
    (one, or none: every annotation of it cancelled, or ground truth only) is not comparable
    (counted, with how many have none, and listed, never scored); the annotations of documents removed from the corpus are left out and counted
    (--by document names them). Definitions: docs/agreement.md.

    \b
    Example:
        corpus-tools agreement
        corpus-tools agreement --json --by document
    """
    from corpus_tools.annotations.agreement import (
        agreement as compute, report_dict, report_lines, report_notes, summary_line,
    )
    from corpus_tools.annotations.consolidate import AnnotationIndex

    with stages() as stage:
        report = compute(AnnotationIndex.of_corpus(layout, rechecking(stage)), by, reading_annotations(stage))
    if as_json:
        echo_json(report_dict(report, lazy=True))
        return
    echo_lines(report_lines(report))
    echo_notes(report_notes(report))
    click.echo(summary_line(report, by))


def _strategy(ctx: click.Context, param: click.Parameter, value: str):
    from corpus_tools.annotations.adjudicate import parse_strategy

    return parse_strategy(value)


@click.command("adjudicate")
@root_option
@json_option
@click.option("--strategy", required=True, callback=_strategy, metavar="unanimous|majority|prefer:ANNOTATOR",
              help="Which units the merge keeps: those all annotators gave, those most gave, or one "
                   "annotator's (by the id `agreement` lists them by: docs/agreement.md).")
@click.option("--push", is_flag=True,
              help="Submit each merge to its Label Studio task as a ground-truth annotation of the reviewer, "
                   "with each annotator's units the merge left out as a prediction beside it.")
@click.option("--reviewer", metavar="EMAIL", default="reviewer@corpus-tools.local", show_default=True,
              help="With --push on the local server: the reviewer account (created if absent); on another "
                   "server (--url), refused: give the reviewer's own --api-key instead.")
@click.option("--project", default=DEFAULT_PROJECT, show_default=True, help="With --push: project title or id.")
@click.option("--url", envvar="LABEL_STUDIO_URL", help="Server URL [env LABEL_STUDIO_URL].")
@click.option("--api-key", envvar="LABEL_STUDIO_API_KEY",
              help="The reviewer's API key [env LABEL_STUDIO_API_KEY], unless --reviewer is given; default: the "
                   "local server's reviewer.")
@data_dir_option
def adjudicate(layout: Layout, as_json: bool, strategy, push: bool, reviewer: str, project: str, url, api_key,
               data_dir: Path) -> None:
    """Merge the annotators' versions of each document; list every disagreement.

    Units all annotators agree on are kept (unanimous), or those more than half gave (majority),
    or one annotator's whole version (prefer:ANNOTATOR); every other unit is listed per document
    with who said what. With --push the merges go to Label Studio for a reviewer to finish there
    (docs/agreement.md); after the reviewer submits, `corpus-tools labelstudio pull` brings them
    back and the release uses them (ground truth is chosen first).

    \b
    Example:
        corpus-tools adjudicate --strategy majority
        corpus-tools adjudicate --strategy prefer:2 --push --project "round 2"
    """
    from corpus_tools.annotations import adjudicate as merge

    context = click.get_current_context()
    # an option of the push typed without --push was dropped unsaid: the user believed the merges sent
    # (the environment's LABEL_STUDIO_URL and key, and CORPUS_TOOLS_LS_DATA, are exported for the other
    # commands: not typed)
    typed = [f"--{name.replace('_', '-')}" for name in ("reviewer", "project", "url", "api_key", "data_dir")
             if context.get_parameter_source(name) is ParameterSource.COMMANDLINE]
    if typed and not push:
        raise click.UsageError(f"{', '.join(typed)} {'goes' if len(typed) == 1 else 'go'} with --push")
    # a --reviewer given wins over a key (LABEL_STUDIO_API_KEY, exported for the other commands), as annotate's --as
    named = context.get_parameter_source("reviewer") is not ParameterSource.DEFAULT
    # the project found before the work, so a server that cannot be reached fails at once (push_target)
    made: list = []  # the local reviewer's account, once the push makes its client (never, when nothing is sent)
    push_to = merge.push_target(url, api_key, data_dir, reviewer, project, named, made) if push else None
    with stages() as stage:
        result, pushed = merge.adjudicate_corpus(layout, strategy, push_to, reading_annotations(stage),
                                                 rechecking(stage))
    if as_json:
        report = merge.adjudication_dict(result, pushed, lazy=True)
        for user in made:  # the account the text's last line names, for a script to give it a password
            report["reviewer"] = {"email": user.email, "user_id": user.id}
        echo_json(report)
        return
    echo_lines(merge.adjudication_lines(result, pushed))
    # the merges wait for the reviewer in the browser, whose account --push made without a password
    for user in made:
        click.echo(f"merges submitted as the reviewer {user.email} (user {user.id}): `corpus-tools labelstudio "
                   f"server account {user.email}` gives the account a password to review them in the browser")

