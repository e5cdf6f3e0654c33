"""The whole loop through the commands, on a copy of the real corpus and the real server:
push, annotate as a user, pull (+ ingest), tasks with predictions, push them, accept, pull."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from corpus_tools.annotations.consolidate import load_annotation_set
from corpus_tools.cli import cli
from corpus_tools.documents.index import load_documents
from corpus_tools.labelstudio.tasks import to_ls_results
from corpus_tools.records import DocumentAnnotations, EntityMention, TimeExpression
from corpus_tools.annotations.registry import load_registry

from labelstudio_samples import span_of
from conftest import COMMITTED_DOC_IDS

pytestmark = pytest.mark.labelstudio
DOC = "000_cbeedfbee8440207"


def gold_for(document) -> DocumentAnnotations:
    text = document.text
    syria, assad, sunday = span_of(text, "Syria has"), span_of(text, "Bashar Al-Assad", 1), span_of(text, "Sunday")
    syria = type(syria)(syria.start, syria.start + len("Syria"))
    return DocumentAnnotations(
        doc_id=DOC,
        entities=(EntityMention("g-assad", DOC, assad, assad.of(text), "PERSON", "bashar-al-assad"),
                  EntityMention("g-syria", DOC, syria, syria.of(text), "GPE", "syria")),
        timexes=(TimeExpression("g-sunday", DOC, sunday, sunday.of(text), "DATE", "XXXX-WXX-7"),),
        quotes=(),
    )


def run(*arguments: str) -> str:
    result = CliRunner().invoke(cli, ["labelstudio", *arguments])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_loop_through_the_commands(labelstudio, corpus_copy, tmp_path):
    shutil.rmtree(corpus_copy.exports, ignore_errors=True)  # the real texts, none of the gold exports
    root = str(corpus_copy.root)
    server = ["--url", labelstudio.url, "--api-key", labelstudio.api_key]
    local = ["--data-dir", str(labelstudio.data_dir)]
    documents = load_documents(corpus_copy)
    gold = gold_for(documents[DOC])

    count = len(COMMITTED_DOC_IDS)  # a task per document of the committed corpus
    assert f"imported {count} tasks, 0 already present" in run("push", *server, "--root", root, "--project", "e2e corpus")
    assert f"imported 0 tasks, {count} already present" in run("push", *server, "--root", root, "--project", "e2e corpus")

    results = tmp_path / "gold.jsonl"
    results.write_text(json.dumps({"doc_id": DOC, "result": to_ls_results(gold)}) + "\n")
    assert "submitted 1 annotations" in run("annotate", *local, "--project", "e2e corpus",
                                            "--as", "gold@corpus-tools.local", "--results", str(results))
    pulled = run("pull", *server, "--root", root, "--project", "e2e corpus")
    assert "stored as annotations/exports/" in pulled
    [stored] = list(corpus_copy.exports.glob("*/export.json"))

    tasks_file = tmp_path / "tasks.json"
    run("tasks", "--root", root, "--predictions", "-o", str(tasks_file))
    tasks = {task["data"]["doc_id"]: task for task in json.loads(tasks_file.read_bytes())}
    [prediction] = tasks[DOC]["predictions"]
    assert prediction["result"] == to_ls_results(gold)
    assert prediction["model_version"].startswith("annotations@1-exports-")
    # the documents without annotation get the pre-annotator's predictions instead
    others = {doc_id: task["predictions"] for doc_id, task in tasks.items() if doc_id != DOC}
    assert len(others) == count - 1 and all(p["model_version"] == "corpus_tools-preannotate@1.0" for [p] in others.values())

    run("push", *server, "--root", root, "--predictions", "--project", "e2e predictions")
    assert f"submitted {count} annotations" in run("annotate", *local, "--project", "e2e predictions",
                                            "--as", "reviewer@corpus-tools.local", "--accept-predictions")
    assert "stored as annotations/exports/" in run("pull", *server, "--root", root, "--project", "e2e predictions")
    assert len(list(corpus_copy.exports.glob("*/export.json"))) == 2 and stored.exists()

    annotation_set = load_annotation_set(corpus_copy, documents, load_registry(corpus_copy))
    chosen = annotation_set.chosen[DOC]
    assert (chosen.entities, chosen.timexes, chosen.quotes) == (gold.entities, gold.timexes, gold.quotes)
    assert len(annotation_set.versions[DOC]) == 2  # the gold annotator's and the reviewer's
