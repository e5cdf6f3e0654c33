"""The full loop on a new article, against the real Label Studio server: add it, pre-annotate,
push, accept and correct as an annotator, pull, release a new version; the release holds the
article in every layer and its card counts the pre-annotated units accepted unchanged."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from corpus_tools.cli import cli
from corpus_tools.documents.add import add_files
from corpus_tools.labelstudio.annotate import submit_annotation
from corpus_tools.labelstudio.sync import resolve_project
from corpus_tools.preannotate.run import model_version
from corpus_tools.schema import QUOTE_TYPES

from conftest import COMMITTED_DOC_IDS

pytestmark = pytest.mark.labelstudio

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "tests" / "fixtures" / "articles" / "us-syria-aid-corridor.txt"
PROJECT = "pre-annotation loop"


def region_id(result: list[dict], layer: str, text: str) -> str:
    return next(r["id"] for r in result if r.get("type") == "labels" and r["from_name"] == layer
                and r["value"]["text"] == text)


def rows_of(release: Path, config: str, doc_id: str) -> list[dict]:
    rows = []
    for path in sorted((release / "data" / config).glob("*.parquet")):
        rows += [row for row in pq.read_table(path).to_pylist() if row["doc_id"] == doc_id]
    return rows


def test_add_preannotate_push_correct_pull_release(labelstudio, corpus_copy, monkeypatch):
    layout = corpus_copy
    shutil.copytree(REPO / "dist" / "1.0.0", layout.dist / "1.0.0")  # the release before this one
    [added] = add_files(layout, [ARTICLE], date="2023-03-14", date_evidence="line 3")
    doc_id = added.record.doc_id
    server = ["--url", labelstudio.url, "--api-key", labelstudio.api_key, "--root", str(layout.root)]

    pushed = CliRunner().invoke(cli, ["labelstudio", "push", *server, "--predictions", "--project", PROJECT])
    assert pushed.exit_code == 0, pushed.output
    count = len(COMMITTED_DOC_IDS) + 1  # the committed corpus and the added article
    assert f"imported {count} tasks, 0 already present" in pushed.output
    assert "1 document without annotation gets pre-annotations" in pushed.output

    client = labelstudio.client
    project = resolve_project(client, PROJECT)
    tasks = {task.data["doc_id"]: task for task in client.tasks.list(project=project.id, fields="all")}
    assert len(tasks) == count
    [prediction] = client.predictions.list(task=tasks[doc_id].id)
    assert prediction.model_version == model_version()
    assert all(0 < r["score"] <= 1 for r in prediction.result if "id" in r)
    for other in set(tasks) - {doc_id}:  # the annotated documents get their stored annotations
        [stored] = client.predictions.list(task=tasks[other].id)
        assert stored.model_version.startswith("annotations@")

    # the annotator accepts the pre-annotation and corrects two units and adds a missing name
    result = copy.deepcopy(prediction.result)
    for r in result:
        r.pop("score", None)
    every_day = region_id(result, "timex", "Every day")
    two_weeks = region_id(result, "timex", "almost two weeks")
    result = [r for r in result if r.get("id") != every_day]  # deleted
    for r in result:
        if r.get("id") == two_weeks and r["from_name"] == "timex_value":
            assert r["value"]["text"] == ["P2W"]
            r["value"]["text"] = ["P14D"]  # corrected
    idlib = "Idlib"
    start = tasks[doc_id].data["text"].index(idlib)
    result.append({"id": "added-idlib", "from_name": "entity", "to_name": "text", "type": "labels",
                   "value": {"start": start, "end": start + len(idlib), "text": idlib, "labels": ["GPE"]}})
    annotator, as_annotator = labelstudio.as_user("corrector@corpus-tools.local")
    submit_annotation(as_annotator, tasks[doc_id].id, result, parent_prediction=prediction.id)

    pulled = CliRunner().invoke(cli, ["labelstudio", "pull", *server, "--project", PROJECT])
    assert pulled.exit_code == 0, pulled.output
    assert "stored" in pulled.output

    from corpus_tools.release import inputs

    monkeypatch.setattr(inputs, "__version__", "1.1.0")  # the next version, as version.py will say
    built = inputs.release(layout)
    assert built.status == "built" and built.path == layout.dist / "1.1.0"

    [document] = rows_of(built.path, "documents", doc_id)
    assert document["publication_date"] == "2023-03-14" and document["raw_sha256"] == added.record.sha256
    entities = rows_of(built.path, "entities", doc_id)
    timexes = rows_of(built.path, "timexes", doc_id)
    quotes = rows_of(built.path, "quotes", doc_id)
    assert ("Idlib", None) in {(e["text"], e["entity_id"]) for e in entities}
    assert ("Caesar Act", "caesar-act") in {(e["text"], e["entity_id"]) for e in entities}
    assert {(t["text"], t["value"]) for t in timexes} >= {("almost two weeks", "P14D"), ("Tuesday", "2023-03-14"),
                                                          ("July", "2023-07")}
    assert "Every day" not in {t["text"] for t in timexes}
    direct = QUOTE_TYPES.index("direct")
    assert any(q["quote_type"] == direct and q["text"].startswith('"We are not going to let') for q in quotes)

    # a unit per entity, time expression and QUOTE (a quote's SOURCE and CUE are part of its unit)
    predicted = sum(1 for r in prediction.result
                    if r.get("type") == "labels" and r["value"]["labels"][0] not in ("SOURCE", "CUE"))
    card = (built.path / "README.md").read_text()
    assert f"pre-annotation accepted: {predicted - 2} of {predicted} units" in card
    assert "pre-annotation accepted" not in (layout.dist / "1.0.0" / "README.md").read_text()
    changelog = (built.path / "CHANGELOG.md").read_text()
    assert "1.0.0" in changelog and "1.1.0" in changelog
    verified = CliRunner().invoke(cli, ["verify", str(built.path)])
    assert verified.exit_code == 0, verified.output
    assert json.loads((built.path / "croissant.json").read_text())["version"] == "1.1.0"
