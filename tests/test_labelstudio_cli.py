"""The whole loop through the commands, on a copy of the real corpus and the real server:
push, annotate as a user, pull (+ ingest), tasks with predictions, push them, accept, pull."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from tqdm import tqdm

from corpus_tools.annotations.consolidate import load_annotation_set
from corpus_tools.cli import cli, progress as progress_module
from corpus_tools.documents.index import load_documents
from corpus_tools.labelstudio.tasks import to_ls_results
from corpus_tools.preannotate.run import model_version
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


def last_drawn(stderr: str, bar: str) -> str:
    """The last state of the bar that begins with ``bar`` (tqdm redraws a line after a carriage return)."""
    return [line for line in stderr.replace("\n", "\r").split("\r") if line.startswith(bar)][-1]


def test_the_loop_through_the_commands(labelstudio, corpus_copy, tmp_path, monkeypatch):
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
    assert "submitted 1 annotation to project" in run("annotate", *local, "--project", "e2e corpus",
                                            "--as", "gold@corpus-tools.local", "--results", str(results))
    def on_a_terminal(*arguments: str):
        with monkeypatch.context() as terminal:  # bars drawn as on a terminal, at once
            terminal.setattr(progress_module, "DELAY", 0)
            terminal.setattr(progress_module, "MININTERVAL", 0)
            terminal.setattr(progress_module, "shows_progress", lambda stream: True)
            result = CliRunner().invoke(cli, ["labelstudio", *arguments])
        assert result.exit_code == 0, result.output
        return result

    pulled = on_a_terminal("pull", *server, "--root", root, "--project", "e2e corpus")
    assert "stored as annotations/exports/" in pulled.stdout
    [stored] = list(corpus_copy.exports.glob("*/export.json"))
    # the check of the export counts its bytes to the file's size (it counted tasks with no end)
    size = tqdm.format_sizeof(stored.stat().st_size, divisor=1024)
    assert "checking tasks: 100%|" in pulled.stderr and f"{size}/{size} " in pulled.stderr, pulled.stderr
    # the download's bar has the file's size too (the server gives it only for a range: it had none)
    assert f"{size}/{size} " in last_drawn(pulled.stderr, "downloading the export: 100%|"), pulled.stderr
    downloaded = tmp_path / "downloaded.json"
    alone = on_a_terminal("pull", *server, "--root", root, "--project", "e2e corpus", "--no-ingest",
                          "-o", str(downloaded))
    size = tqdm.format_sizeof(downloaded.stat().st_size, divisor=1024)
    assert f"{size}/{size} " in last_drawn(alone.stderr, "downloading the export: 100%|"), alone.stderr

    tasks_file = tmp_path / "tasks.json"
    run("tasks", "--root", root, "--predictions", "-o", str(tasks_file))
    tasks = {task["data"]["doc_id"]: task for task in json.loads(tasks_file.read_bytes())}
    [prediction] = tasks[DOC]["predictions"]
    assert prediction["result"] == to_ls_results(gold)
    assert prediction["model_version"].startswith("annotations@1-exports-")
    # the documents without annotation get the pre-annotator's predictions instead
    others = {doc_id: task["predictions"] for doc_id, task in tasks.items() if doc_id != DOC}
    assert len(others) == count - 1 and all(p["model_version"] == model_version() for [p] in others.values())

    run("push", *server, "--root", root, "--predictions", "--project", "e2e predictions")
    accepted = on_a_terminal("annotate", *local, "--project", "e2e predictions", "--as", "reviewer@corpus-tools.local",
                             "--accept-predictions")
    assert f"submitted {count} annotations" in accepted.stdout
    # the bar's total is the tasks planned (it counted with no end)
    assert f"annotating: 100%|██████████| {count}/{count} [" in accepted.stderr, accepted.stderr
    assert "stored as annotations/exports/" in run("pull", *server, "--root", root, "--project", "e2e predictions")
    assert len(list(corpus_copy.exports.glob("*/export.json"))) == 2 and stored.exists()
    # pulled again with no annotation between: the same bytes, or only what the server recomputes
    # (a prediction's created_ago) differs; either way the store does not grow
    again = run("pull", *server, "--root", root, "--project", "e2e predictions")
    assert "already stored as" in again or "not stored: every annotation in it is stored already" in again
    assert len(list(corpus_copy.exports.glob("*/export.json"))) == 2

    annotation_set = load_annotation_set(corpus_copy, documents, load_registry(corpus_copy))
    chosen = annotation_set.chosen[DOC]
    assert (chosen.entities, chosen.timexes, chosen.quotes) == (gold.entities, gold.timexes, gold.quotes)
    assert len(annotation_set.versions[DOC]) == 2  # the gold annotator's and the reviewer's
    # the reviewer's versions began as the predictions (parent_prediction): counted, and said
    compared = json.loads(CliRunner().invoke(cli, ["agreement", "--root", root, "--json"]).stdout)
    assert compared["annotations"]["versions_from_predictions"] == compared["documents"]["compared"] >= 1


def test_push_predictions_gives_the_tasks_already_present_the_predictions_made_now(labelstudio, corpus_copy,
                                                                                  tmp_path):
    """A project pushed without predictions (or before the pre-annotation rules or the annotations
    changed) kept what its tasks were imported with: push --predictions gave them nothing and said
    to push to a new project. Now each task gets the prediction `tasks --predictions` gives its
    document, once: the second push adds none."""
    root = str(corpus_copy.root)
    server = ["--url", labelstudio.url, "--api-key", labelstudio.api_key, "--root", root]
    title = "predictions later"
    run("push", *server, "--project", title)
    [project] = [p.id for p in labelstudio.client.projects.list() if p.title == title]
    tasks_file = tmp_path / "tasks.json"
    run("tasks", "--root", root, "--predictions", "-o", str(tasks_file))
    made = {task["data"]["doc_id"]: [(p["model_version"], len(p["result"])) for p in task["predictions"]]
            for task in json.loads(tasks_file.read_bytes())}
    assert sorted(made) == sorted(COMMITTED_DOC_IDS)
    assert all(len(each) == 1 and each[0][1] > 0 for each in made.values())

    def held() -> dict[str, list[tuple[int, str, int]]]:
        return {task.data["doc_id"]: [(p.id, p.model_version, len(p.result)) for p in
                                      labelstudio.client.predictions.list(task=task.id)]
                for task in labelstudio.client.tasks.list(project=project)}

    assert held() == {doc_id: [] for doc_id in COMMITTED_DOC_IDS}
    count = len(COMMITTED_DOC_IDS)
    pushed = CliRunner().invoke(cli, ["labelstudio", "push", *server, "--predictions", "--project", title])
    assert pushed.exit_code == 0, pushed.output
    assert pushed.stdout.splitlines() == [f"project {project} (existing): imported 0 tasks, {count} already present"]
    assert pushed.stderr.splitlines()[-1] == (
        f"note: {count} tasks already present got the prediction made now, of a model_version they held none of; no "
        "prediction or annotation already there was changed or deleted")
    first = held()
    assert {doc_id: [(version, results) for _, version, results in each] for doc_id, each in first.items()} == made

    again = CliRunner().invoke(cli, ["labelstudio", "push", *server, "--predictions", "--project", title])
    assert again.exit_code == 0, again.output
    assert again.stderr.splitlines()[-1].startswith("note: 0 tasks already present got the prediction made now")
    assert held() == first  # the same predictions, none added


def _annotations_of(labelstudio, project_title: str) -> int:
    [project] = [p for p in labelstudio.client.projects.list() if p.title == project_title]
    return sum(len(task.annotations or ()) for task in
               labelstudio.client.tasks.list(project=project.id, fields="all"))


def test_annotate_checks_every_item_before_submitting_any(labelstudio, corpus_copy, tmp_path):
    """A bad item anywhere in the file submits nothing, and names the file and line; the result
    is checked by ingest's validator, so what pull would refuse is never submitted."""
    root = str(corpus_copy.root)
    server = ["--url", labelstudio.url, "--api-key", labelstudio.api_key]
    annotator = ["--data-dir", str(labelstudio.data_dir), "--project", "annotate checks",
                 "--as", "checks@corpus-tools.local", "--root", root]
    run("push", *server, "--root", root, "--project", "annotate checks")
    documents = load_documents(corpus_copy)
    good = {"doc_id": DOC, "result": to_ls_results(gold_for(documents[DOC]))}
    other = sorted(set(COMMITTED_DOC_IDS) - {DOC})[0]
    garbage_timex = json.loads(json.dumps(good))
    for result in garbage_timex["result"]:
        if result.get("from_name") == "timex_value":
            result["value"]["text"] = ["garbage"]
    cases = [
        ({"task_id": 99999, "result": []}, "annotate-task-not-found", "task 99999 is not a task of this project"),
        ({"task_id": "abc", "result": []}, "annotate-bad-item", "task_id must be an integer"),
        ({"doc_id": other, "result": [], "was_cancelled": "false"}, "annotate-bad-item",
         "was_cancelled must be true or false"),
        ({"doc_id": other, "result": [], "lead_time": "abc"}, "annotate-bad-item", "lead_time must be a number"),
        ({"doc_id": other, "result": [42, "x"]}, "annotate-bad-result", "every element of result must be a JSON object"),
        (good, "annotate-task-twice", "task"),
    ]
    results = tmp_path / "results.jsonl"
    for second, code, message in cases:
        results.write_text(json.dumps(good) + "\n" + json.dumps(second) + "\n")
        result = CliRunner().invoke(cli, ["labelstudio", "annotate", *annotator, "--results", str(results)])
        assert result.exit_code == 1, result.output
        [line] = result.output.strip().splitlines()
        assert f"{results}, line 2" in line and f"[{code}]" in line and message in line, line
    # checked before the account is made: a refused file left an empty account on the server
    assert "checks@corpus-tools.local" not in {user.email for user in labelstudio.client.users.list()}
    results.write_text(json.dumps(garbage_timex) + "\n")
    result = CliRunner().invoke(cli, ["labelstudio", "annotate", *annotator, "--results", str(results)])
    assert result.exit_code == 1
    assert f"{results}, line 1" in result.output and "[timex-value-invalid]" in result.output, result.output
    assert _annotations_of(labelstudio, "annotate checks") == 0

    results.write_text(json.dumps(good) + "\n")
    assert "submitted 1 annotation to project" in run("annotate", *annotator, "--results", str(results))
    again = run("annotate", *annotator, "--results", str(results))  # as an annotator: a task is submitted once
    assert "submitted 0 annotations" in again and "; 1 task skipped, already annotated by this user" in again
    assert _annotations_of(labelstudio, "annotate checks") == 1

    results.write_text("")
    result = CliRunner().invoke(cli, ["labelstudio", "annotate", *annotator, "--results", str(results)])
    assert result.exit_code == 1 and "[annotate-empty]" in result.output
    result = CliRunner().invoke(cli, ["labelstudio", "annotate", *annotator, "--model-version", "x",
                                      "--results", str(results)])
    assert result.exit_code == 2 and "--model-version goes with --accept-predictions" in result.output


def test_accepting_one_model_versions_predictions_leaves_the_others(labelstudio, corpus_copy, tmp_path):
    """A project where some tasks carry the annotation set's predictions and one the pre-annotator's."""
    root = str(corpus_copy.root)
    server = ["--url", labelstudio.url, "--api-key", labelstudio.api_key]
    (corpus_copy.root / "new.txt").write_text("Syria and the United States met in Geneva on Monday.\n")
    add = CliRunner().invoke(cli, ["add", "--root", root, str(corpus_copy.root / "new.txt")])
    assert add.exit_code == 0, add.output
    run("push", *server, "--root", root, "--predictions", "--project", "mixed predictions")
    again = CliRunner().invoke(cli, ["labelstudio", "push", *server, "--root", root, "--predictions",
                                     "--project", "mixed predictions"])
    assert again.exit_code == 0, again.output
    [project] = [p.id for p in labelstudio.client.projects.list() if p.title == "mixed predictions"]
    present = len(COMMITTED_DOC_IDS) + 1
    # the note on stderr, before the last line: stdout is that line alone, for a script
    note = ("note: 0 tasks already present got the prediction made now, of a model_version they held none of; no "
            "prediction or annotation already there was changed or deleted")
    assert again.stdout.splitlines() == [f"project {project} (existing): imported 0 tasks, {present} already present"]
    # (before it, the pre-annotations' note, which names the NER model this machine has or lacks)
    assert again.stderr.splitlines()[-1] == note
    assert again.output.splitlines()[-2:] == [note, *again.stdout.splitlines()]
    annotator = ["--data-dir", str(labelstudio.data_dir), "--project", "mixed predictions",
                 "--as", "mixed@corpus-tools.local", "--accept-predictions"]
    result = CliRunner().invoke(cli, ["labelstudio", "annotate", *annotator, "--model-version", "no-such-model"])
    assert result.exit_code == 1 and "[labelstudio-no-prediction]" in result.output, result.output
    assert _annotations_of(labelstudio, "mixed predictions") == 0
    # refused before the account is made, as a refused results file is: it left an empty account
    assert "mixed@corpus-tools.local" not in {user.email for user in labelstudio.client.users.list()}
    output = run("annotate", *annotator, "--model-version", model_version())
    [user] = [u.id for u in labelstudio.client.users.list() if u.email == "mixed@corpus-tools.local"]
    summary = f"to project {project} as mixed@corpus-tools.local (user {user})"
    assert output.splitlines() == [f"submitted 1 annotation {summary}"]
    # a task this user accepted already is skipped and counted, as annotate --results counts it
    assert run("annotate", *annotator).splitlines() == [
        f"submitted {len(COMMITTED_DOC_IDS)} annotations {summary}; 1 task skipped, already annotated by this user"]
    assert run("annotate", *annotator).splitlines() == [
        f"submitted 0 annotations {summary}; {len(COMMITTED_DOC_IDS) + 1} tasks skipped, already annotated by "
        "this user"]


def test_annotate_counts_a_cancelled_item_apart_from_the_annotations(labelstudio, corpus_copy, tmp_path):
    """An item with "was_cancelled": true (the annotator skipped the task, Label Studio's Skip) was
    counted among the annotations submitted, though ingest leaves it out (annotations_cancelled)."""
    shutil.rmtree(corpus_copy.exports, ignore_errors=True)
    root = str(corpus_copy.root)
    title = "cancelled items"
    run("push", "--url", labelstudio.url, "--api-key", labelstudio.api_key, "--root", root, "--project", title)
    other = sorted(set(COMMITTED_DOC_IDS) - {DOC})[0]
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps({"doc_id": DOC, "result": to_ls_results(gold_for(load_documents(corpus_copy)[DOC]))})
                       + "\n" + json.dumps({"doc_id": other, "result": [], "was_cancelled": True}) + "\n")
    annotator = ["--data-dir", str(labelstudio.data_dir), "--project", title, "--as", "skipper@corpus-tools.local",
                 "--root", root]
    output = run("annotate", *annotator, "--results", str(results))
    [project] = [p.id for p in labelstudio.client.projects.list() if p.title == title]
    [user] = [u.id for u in labelstudio.client.users.list() if u.email == "skipper@corpus-tools.local"]
    assert output.splitlines() == [f"submitted 1 annotation and 1 cancelled annotation (was_cancelled) to project "
                                   f"{project} as skipper@corpus-tools.local (user {user})"]
    assert run("annotate", *annotator, "--results", str(results)).splitlines() == [
        f"submitted 0 annotations to project {project} as skipper@corpus-tools.local (user {user}); 2 tasks skipped, "
        "already annotated by this user"]


def test_push_and_pull_say_in_one_line_that_the_project_holds_tasks_of_removed_documents(labelstudio, corpus_copy,
                                                                                        tmp_path):
    """A document removed from the corpus keeps its tasks in the project: push used to say nothing
    of them, so annotators kept annotating an article the corpus no longer has, which every pull
    then left out. Push names them (deleting nothing), and pull says so once, not once per task."""
    shutil.rmtree(corpus_copy.exports, ignore_errors=True)
    root = str(corpus_copy.root)
    server = ["--url", labelstudio.url, "--api-key", labelstudio.api_key]
    title = "removed documents"
    run("push", *server, "--root", root, "--project", title)
    results = tmp_path / "gold.jsonl"
    results.write_text(json.dumps({"doc_id": DOC, "result": to_ls_results(gold_for(load_documents(corpus_copy)[DOC]))})
                       + "\n")
    run("annotate", "--data-dir", str(labelstudio.data_dir), "--project", title, "--as", "gold@corpus-tools.local",
        "--results", str(results))
    removed = sorted(COMMITTED_DOC_IDS)[-4:]  # four: the note names the first three
    assert DOC not in removed
    assert CliRunner().invoke(cli, ["remove", "--root", root, *removed, "--reason", "off-topic"]).exit_code == 0
    [project] = [p.id for p in labelstudio.client.projects.list() if p.title == title]
    note = (f"note: project {project} holds 4 tasks of 4 documents removed from the corpus ({', '.join(removed[:3])}, "
            "...), which every ingest leaves out (doc-removed): delete them in Label Studio, or add the documents back "
            "(corpus-tools add)")

    pushed = CliRunner().invoke(cli, ["labelstudio", "push", *server, "--root", root, "--project", title])
    assert pushed.exit_code == 0, pushed.output
    kept = len(COMMITTED_DOC_IDS) - 4
    assert pushed.stdout.splitlines() == [f"project {project} (existing): imported 0 tasks, {kept} already present"]
    assert pushed.stderr.splitlines() == [note]
    assert pushed.output.splitlines() == [note, *pushed.stdout.splitlines()]  # the note before the last line
    assert len(list(labelstudio.client.tasks.list(project=project))) == len(COMMITTED_DOC_IDS)  # nothing deleted

    pulled = CliRunner().invoke(cli, ["labelstudio", "pull", *server, "--root", root, "--project", title])
    assert pulled.exit_code == 0, pulled.output
    # the other note names the annotator's account, whose user id depends on the tests run before
    assert [line for line in pulled.stderr.splitlines() if "gold@corpus-tools.local" not in line] == [
        note.replace(f"project {project}", "the export")]
    assert "  4  warning  doc-removed" in pulled.stdout.splitlines()
    assert not any("[doc-removed]" in line for line in pulled.output.splitlines())  # no line per task
    assert pulled.stdout.splitlines()[-1].startswith("stored as annotations/exports/")
