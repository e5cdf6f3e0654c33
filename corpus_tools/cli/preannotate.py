"""``corpus-tools preannotate``: predictions for documents, or their score against the gold."""

from __future__ import annotations

import click

from corpus_tools.cli.options import echo_json, echo_lines, json_option, root_option
from corpus_tools.layout import Layout


@click.command("preannotate")
@root_option
@click.option("--doc", "doc_ids", multiple=True, metavar="ID", help="Only this document (repeatable); default: all.")
@json_option
@click.option("--evaluate", is_flag=True,
              help="Score against the committed gold, leave-one-document-out; print the per-layer table.")
@click.option("--strict-aliases", is_flag=True,
              help="With --evaluate: also drop registry aliases seen only in the scored document.")
@click.option("--ner", "ner_model", default="en_core_web_sm", show_default=True, metavar="MODEL",
              help="spaCy model for names the registry does not know, used only if installed; 'none' to skip.")
def preannotate(layout: Layout, doc_ids: tuple[str, ...], as_json: bool, evaluate: bool, strict_aliases: bool,
                ner_model: str) -> None:
    """Pre-annotate documents (entities from the registry, TIMEX3, quotes) as Label Studio predictions.

    Writes nothing: `labelstudio push --predictions` sends them for documents without annotation.

    \b
    Example:
        corpus-tools preannotate --doc 001_d79359122f2d4c78
        corpus-tools preannotate --json > predictions.json
        corpus-tools preannotate --evaluate
    """
    from corpus_tools.cli.progress import reading_annotations, rechecking, stages, totalled
    from corpus_tools.preannotate import evaluate as scoring, run

    if strict_aliases and not evaluate:
        raise click.UsageError("--strict-aliases goes with --evaluate")
    if doc_ids and evaluate:
        raise click.UsageError("--doc does not go with --evaluate, which scores every document with a gold annotation")
    model = None if ner_model.lower() == "none" else ner_model
    if evaluate:
        with stages() as stage:
            rows, note = scoring.evaluate_corpus(
                layout, model, strict_aliases, scoring=totalled(stage, "scoring", "doc"), rechecking=rechecking(stage),
                reading=reading_annotations(stage))
        if as_json:
            echo_json(scoring.evaluation_dict(rows, note))
            return
        echo_lines(scoring.evaluation_lines(rows, note, strict_aliases))
        return
    with stages() as stage:
        found, note = run.preannotate_corpus(layout, doc_ids, model, totalled(stage, "pre-annotating", "doc"))
        if as_json:  # printed as each document is pre-annotated: never all of them in memory
            echo_json(run.predictions(found))
            return
        report = run.summary_lines(found, note)
    echo_lines(report)  # printed once the bar is gone
