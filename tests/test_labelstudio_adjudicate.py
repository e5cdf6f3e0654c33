"""Several annotators against the real server: two annotators on real corpus documents, agreement,
adjudicate --push (ground truth by a reviewer, left-out units as predictions), the reviewer's
correction through the API, pull, release with per-unit provenance, card and Croissant figures.
And the team server's guards: the data dir's mode, a PostgreSQL-backed server's data in
PostgreSQL, two concurrent pushes, an exposed host."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import mlcroissant as mlc
import pandas as pd
import pytest
from click.testing import CliRunner

from corpus_tools.annotations.annotators import load_annotators
from corpus_tools.annotations.consolidate import load_annotation_set
from corpus_tools.annotations.registry import load_registry
from corpus_tools.cli import cli
from corpus_tools.documents.index import load_documents
from corpus_tools.errors import CorpusError
from corpus_tools.ingest import stored_exports
from corpus_tools.labelstudio.annotate import annotate_from_results, worksheet_items
from corpus_tools.labelstudio.sync import pull_and_ingest, push
from corpus_tools.layout import Layout

from conftest import COMMITTED_DOC_IDS

pytestmark = pytest.mark.labelstudio
REPO = Path(__file__).resolve().parent.parent
DOCS = ("000_cbeedfbee8440207", "003_840a8be26e4ddaa5")


def _corpus(tmp_path: Path) -> Layout:
    """The real raw corpus and registry, without stored exports (ids of this server only)."""
    shutil.copytree(REPO / "raw", tmp_path / "raw")
    (tmp_path / "annotations").mkdir()
    shutil.copy(REPO / "annotations" / "entity-registry.jsonl", tmp_path / "annotations")
    return Layout.at(tmp_path)


def _pushed(labelstudio, tmp_path: Path, project: str):
    """A corpus copy, DOCS pushed to a new project, and round 1's gold of them as results."""
    layout = _corpus(tmp_path / "corpus")
    documents = load_documents(layout)
    pushed = push(labelstudio.client, [documents[d] for d in DOCS], None, project, layout=layout)
    gold = worksheet_items([REPO / "annotations" / "worksheets" / "round-1" / f"{d}.yaml" for d in DOCS], documents)
    return layout, documents, pushed, gold


def _without_first_link(items: list[dict]) -> list[dict]:
    """A second annotator's version of ``items``: the same, but without the entity_id of the first
    item's first linked entity."""
    second = json.loads(json.dumps(items))
    second[0]["result"].remove(next(r for r in second[0]["result"] if r["from_name"] == "entity_id"))
    return second


def _without_first_link_and_timex(items: list[dict]) -> list[dict]:
    """``_without_first_link``, and without the second item's first time expression."""
    second = _without_first_link(items)
    timex_id = next(r["id"] for r in second[1]["result"] if r["from_name"] == "timex")
    second[1]["result"] = [r for r in second[1]["result"] if r.get("id") != timex_id]
    return second


def _two_versions(labelstudio, tmp_path: Path, project: str, emails: tuple[str, str],
                  second_of=_without_first_link):
    """DOCS pushed to a new project (``_pushed``) and annotated by the accounts ``emails``, the
    first as round 1's gold, the second as ``second_of(gold)``; then pulled and stored. Returns
    ``_pushed``'s, each account as (user, client) and the stored result."""
    layout, documents, pushed, gold = _pushed(labelstudio, tmp_path, project)
    first, second = accounts = tuple(labelstudio.as_user(email) for email in emails)
    annotate_from_results(first[1], pushed.project_id, gold)
    annotate_from_results(second[1], pushed.project_id, second_of(gold))
    _, stored = pull_and_ingest(labelstudio.client, project, layout)
    assert stored.status == "stored", [str(p) for p in stored.report]
    return layout, documents, pushed, gold, accounts, stored


def _push_as(labelstudio, layout, project: str, reviewer: str, *more: str, api_key: str = ""):
    """`corpus-tools adjudicate --strategy unanimous --push` to ``project`` on the session's
    server as ``reviewer`` (an account of its data dir), with LABEL_STUDIO_API_KEY ``api_key``
    (none exported by default); ``more``: further arguments."""
    return CliRunner().invoke(cli, ["adjudicate", "--root", str(layout.root), "--strategy", "unanimous", "--push",
                                    "--project", project, "--url", labelstudio.url, "--reviewer", reviewer,
                                    "--data-dir", str(labelstudio.data_dir), *more],
                              env={"LABEL_STUDIO_API_KEY": api_key})


def _plain(annotation) -> dict:
    return annotation if isinstance(annotation, dict) else annotation.model_dump()


def test_adjudicate_push_review_pull_release(labelstudio, tmp_path):
    project = "adjudication round"
    # annotator 2 agrees except: no entity_id on the first entity of 000, and 003's first timex missing
    layout, documents, pushed, gold, ((one, _), (two, _)), stored = _two_versions(
        labelstudio, tmp_path, project, ("annotator-1@corpus-tools.local", "annotator-2@corpus-tools.local"),
        _without_first_link_and_timex)
    # who each user id is, from the server: recorded with the export, and given corpus ids (their
    # user ids, which no one in this corpus has yet)
    accounts = json.loads((stored.stored_as.directory / "accounts.json").read_text(encoding="utf-8"))
    assert accounts == {str(one.id): "annotator-1@corpus-tools.local",
                               str(two.id): "annotator-2@corpus-tools.local"}
    assert {email: annotator.id for email, annotator in load_annotators(layout).items()} == {
        "annotator-1@corpus-tools.local": str(one.id), "annotator-2@corpus-tools.local": str(two.id)}

    runner = CliRunner()
    report = json.loads(runner.invoke(cli, ["agreement", "--root", str(layout.root), "--json"]).output)
    assert report["annotators"] == sorted([str(one.id), str(two.id)], key=int)  # by number: "9" before "10"
    assert report["documents"]["compared"] == 2
    entities = report["average"]["entities"]
    assert entities["span_f1"]["value"] == 1.0 and entities["entity_id"]["agreed"] == entities["entity_id"]["items"] - 1
    assert report["average"]["timexes"]["span_f1"]["value"] < 1.0

    # Label Studio Community 1.23.2 has no comments API: disagreements go as predictions
    request = urllib.request.Request(f"{labelstudio.url}/api/comments/",
                                     headers={"Authorization": f"Token {labelstudio.api_key}"})
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(request, timeout=30)
    assert missing.value.code == 404

    # a project that is not there: refused before the reviewer's account is made
    wrong = runner.invoke(cli, ["adjudicate", "--root", str(layout.root), "--strategy", "unanimous", "--push",
                                "--project", "no such project", "--reviewer", "late-reviewer@corpus-tools.local",
                                "--url", labelstudio.url,
                                "--data-dir", str(labelstudio.data_dir)], env={"LABEL_STUDIO_API_KEY": ""})
    assert wrong.exit_code == 1 and "no project titled 'no such project'" in wrong.output
    assert "late-reviewer@corpus-tools.local" not in {user.email for user in labelstudio.client.users.list()}

    arguments = ["adjudicate", "--root", str(layout.root), "--strategy", "unanimous", "--push", "--project", project,
                 "--url", labelstudio.url, "--data-dir", str(labelstudio.data_dir), "--json"]
    result = runner.invoke(cli, arguments, env={"LABEL_STUDIO_API_KEY": ""})
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.output)
    assert outcome["summary"]["merged"] == 2 and outcome["summary"]["disagreements"] == 2
    assert outcome["summary"]["submitted"] == 2
    again = json.loads(runner.invoke(cli, arguments, env={"LABEL_STUDIO_API_KEY": ""}).output)
    assert again["summary"]["submitted"] == 0 and again["summary"]["already_adjudicated"] == 2

    reviewer, as_reviewer = labelstudio.as_user("reviewer@corpus-tools.local")
    by_doc = {}
    for task in labelstudio.client.tasks.list(project=pushed.project_id, fields="all"):
        by_doc[task.data["doc_id"]] = task
    task = by_doc[DOCS[0]]
    [merged] = [_plain(a) for a in task.annotations if _plain(a)["completed_by"] == reviewer.id]
    assert merged["ground_truth"] is True
    predictions = {p.model_version: {"model_version": p.model_version, "result": p.result}
                   for p in labelstudio.client.predictions.list(task=task.id)}
    # each annotator's left-out unit: annotator 1's linked first entity, annotator 2's unlinked one
    assert sorted(predictions) == sorted(f"adjudication: annotator {user.id}" for user in (one, two))
    prediction = predictions[f"adjudication: annotator {one.id}"]
    # the reviewer resolves in Label Studio: takes annotator 1's linked entity back, submits
    disputed = {r["id"] for r in prediction["result"]}
    resolved = [r for r in merged["result"]
                if not any(r.get("value", {}).get("start") == p["value"]["start"] and r["from_name"] == "entity"
                           for p in prediction["result"] if p["from_name"] == "entity")]
    resolved += [{**r, "id": f"review-{r['id']}"} for r in prediction["result"] if r["id"] in disputed]
    as_reviewer.annotations.update(merged["id"], result=resolved, ground_truth=True)
    saved = labelstudio.client.annotations.get(merged["id"])
    # the other document's merge is never saved again; this one is, unless within a second of its push
    unchanged = 1 + ((saved.updated_at - saved.created_at).total_seconds() < 1)
    _, stored = pull_and_ingest(labelstudio.client, project, layout)
    assert stored.status == "stored", [str(p) for p in stored.report]

    annotation_set = load_annotation_set(layout, documents, load_registry(layout))
    assert {d: annotation_set.chosen[d].provenance.reason for d in DOCS} == dict.fromkeys(DOCS, "ground_truth")
    dist = tmp_path / "dist"
    from corpus_tools.release.inputs import release

    built = release(Layout(layout.root), None)
    assert built.status == "built"
    frame = pd.read_parquet(built.path / "data" / "entities")
    first = frame[frame.doc_id == DOCS[0]].sort_values("start").iloc[0]
    assert list(first.agreed_by) == [str(one.id)] and first.annotators == 2 and bool(first.adjudicated)
    unanimous = frame[(frame.doc_id == DOCS[0]) & (frame.adjudicated == False)]  # noqa: E712
    assert len(unanimous) == len(frame[frame.doc_id == DOCS[0]]) - 1
    assert all(sorted(a) == sorted([str(one.id), str(two.id)]) for a in unanimous.agreed_by)
    timexes = pd.read_parquet(built.path / "data" / "timexes")
    assert (timexes.adjudicated == False).all()  # noqa: E712 the missing timex was not taken back
    card = (built.path / "README.md").read_text(encoding="utf-8")
    assert "### Annotation quality" in card and "2 document(s) with 2 annotator(s)" in card
    assert "2 come from a ground-truth annotation" in card
    assert "1 come from a ground-truth annotation though not every annotator gave them" in card
    assert (f"{unchanged} of the 2 ground-truth annotations were never saved again after they were made: no "
            "reviewer changed or confirmed them") in card
    metadata = json.loads((built.path / "croissant.json").read_text(encoding="utf-8"))
    assert metadata["rai:annotationsPerItem"] == "2 document(s) with 2 annotator(s); 5 document(s) not annotated yet"
    assert any(line.startswith("entities: exact-span F1 1.000") for line in metadata["rai:dataAnnotationAnalysis"])
    dataset = mlc.Dataset(jsonld=built.path / "croissant.json")  # raises on any validation error
    assert dataset.metadata.annotations_per_item == metadata["rai:annotationsPerItem"]
    assert dataset.metadata.data_annotation_analysis == metadata["rai:dataAnnotationAnalysis"]
    del dist

    # a late annotator accepting each task's prediction takes no left-out units: a part of one
    # annotator's version, newer than any pre-annotation, there for the reviewer (it was accepted
    # as a whole annotation); named by its model_version, it is taken
    from corpus_tools.labelstudio.annotate import Submissions, accept_all_predictions

    late, as_late = labelstudio.as_user("late-annotator@corpus-tools.local")
    assert accept_all_predictions(as_late, pushed.project_id) == Submissions((), 0)
    named = accept_all_predictions(as_late, pushed.project_id, f"adjudication: annotator {one.id}")
    assert sorted(item.task_id for item in named.submitted) == sorted(by_doc[doc].id for doc in DOCS[:2])
    assert {item.completed_by for item in named.submitted} == {late.id}


def test_a_second_server_keeps_who_the_annotators_are(labelstudio, labelstudio_postgres, tmp_path):
    """The corpus moves to another server (here the session's PostgreSQL one), whose database
    numbers its users on its own: a returning annotator is still one annotator, and a newcomer
    is another, whatever user ids the two servers gave them."""
    layout = _corpus(tmp_path / "corpus")
    documents = load_documents(layout)
    doc = DOCS[1]
    gold = worksheet_items([REPO / "annotations" / "worksheets" / "round-1" / f"{doc}.yaml"], documents)
    first = push(labelstudio.client, [documents[doc]], None, "before the move", layout=layout)
    ann, as_ann = labelstudio.as_user("returning-ann@corpus-tools.local")
    annotate_from_results(as_ann, first.project_id, gold)
    assert pull_and_ingest(labelstudio.client, "before the move", layout)[1].status == "stored"
    second = push(labelstudio_postgres.client, [documents[doc]], None, "after the move", layout=layout)
    bea, as_bea = labelstudio_postgres.as_user("newcomer-bea@corpus-tools.local")  # made first on this server
    ann_again, as_ann_again = labelstudio_postgres.as_user("Returning-Ann@corpus-tools.local")
    annotate_from_results(as_bea, second.project_id, gold)
    annotate_from_results(as_ann_again, second.project_id, gold)
    assert pull_and_ingest(labelstudio_postgres.client, "after the move", layout)[1].status == "stored"

    ids = {email: annotator.id for email, annotator in load_annotators(layout).items()}
    assert ids["returning-ann@corpus-tools.local"] == str(ann.id)
    assert ids["newcomer-bea@corpus-tools.local"] not in (str(ann.id), None)
    annotation_set = load_annotation_set(layout, documents, load_registry(layout))
    # two people, each once: Ann's version from the second server replaced her first one
    versions = {version.provenance.annotator: version.provenance.export_file
                for version in annotation_set.versions[doc]}
    after_the_move = stored_exports(layout)[1].name
    assert versions == {str(ann.id): after_the_move, ids["newcomer-bea@corpus-tools.local"]: after_the_move}
    report = json.loads(CliRunner().invoke(cli, ["agreement", "--root", str(layout.root), "--json"]).output)
    assert report["annotators"] == sorted(versions, key=int) and report["documents"]["compared"] == 1


def test_the_data_dir_is_private(labelstudio):
    assert stat.S_IMODE(labelstudio.data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((labelstudio.data_dir / "connection.json").stat().st_mode) == 0o600
    assert (labelstudio.data_dir / "label_studio.sqlite3").exists()


def test_a_postgresql_server_keeps_its_data_in_postgresql(labelstudio_postgres, tmp_path):
    from corpus_tools.labelstudio.sync import push as push_tasks
    from labelstudio_samples import NEWS_TEXT, document

    data_dir = labelstudio_postgres.data_dir
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert not (data_dir / "label_studio.sqlite3").exists()
    connection = json.loads((data_dir / "connection.json").read_text())
    assert connection["database"].startswith("postgresql://postgres:")
    push_tasks(labelstudio_postgres.client, [document("pg-news", NEWS_TEXT)], None, "postgres check")
    count = labelstudio_postgres.postgres.psql(
        "SELECT count(*) FROM task t JOIN project p ON t.project_id = p.id WHERE p.title = 'postgres check'")
    assert count == "1"
    user, _ = labelstudio_postgres.as_user("pg-annotator@corpus-tools.local")  # ensure_user through PostgreSQL
    assert labelstudio_postgres.postgres.psql(
        f"SELECT email FROM htx_user WHERE id = {user.id}") == "pg-annotator@corpus-tools.local"


def test_two_pushes_at_once_create_each_task_once(labelstudio, tmp_path):
    layout = _corpus(tmp_path / "corpus")
    environment = {**os.environ, "LABEL_STUDIO_URL": labelstudio.url, "LABEL_STUDIO_API_KEY": labelstudio.api_key,
                   "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-c", "from corpus_tools.cli import main; main()", "labelstudio", "push",
               "--root", str(layout.root), "--project", "concurrent pushes"]
    processes = [subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for _ in range(2)]
    outputs = [(process.wait(timeout=600), process.stdout.read()) for process in processes]
    project = next(p for p in labelstudio.client.projects.list() if p.title == "concurrent pushes")
    tasks = list(labelstudio.client.tasks.list(project=project.id))
    assert len(tasks) == len(COMMITTED_DOC_IDS), outputs  # a task per committed document; without the lock twice as many
    assert sorted(len([p for p in labelstudio.client.projects.list() if p.title == "concurrent pushes"])
                  for _ in range(1)) == [1]
    succeeded = [output for code, output in outputs if code == 0]
    assert any(f"imported {len(COMMITTED_DOC_IDS)} tasks" in output for output in succeeded), outputs
    for code, output in outputs:
        assert code == 0 or "[corpus-locked]" in output, output


def test_listening_beyond_loopback_needs_an_explicit_flag(tmp_path):
    data_dir = tmp_path / "exposed"
    result = CliRunner().invoke(cli, ["labelstudio", "server", "start", "--data-dir", str(data_dir),
                                      "--host", "0.0.0.0"])
    assert result.exit_code == 1 and "[labelstudio-exposed]" in result.output
    assert "--i-know-this-exposes-the-server" in result.output
    assert not data_dir.exists()  # nothing written
    bad = CliRunner().invoke(cli, ["labelstudio", "server", "start", "--data-dir", str(data_dir),
                                   "--database", "mysql://root:hunter2@db/labelstudio"])
    assert bad.exit_code == 1 and "[labelstudio-bad-database]" in bad.output and "hunter2" not in bad.output
    assert not data_dir.exists()


def test_a_reviewer_who_annotated_gets_the_merge_beside_their_own_annotation(labelstudio, tmp_path):
    """Any annotation of the reviewer's skipped the task as "already adjudicated": an annotator
    who adjudicates got nothing pushed. Now only their ground-truth annotation counts, and their
    own version stays theirs for agreement."""
    project = "annotator reviews"
    layout, documents, pushed, gold, _, _ = _two_versions(
        labelstudio, tmp_path, project, ("lead-annotator@corpus-tools.local", "other-annotator@corpus-tools.local"))
    arguments = ["adjudicate", "--root", str(layout.root), "--strategy", "unanimous", "--push", "--project", project,
                 "--reviewer", "lead-annotator@corpus-tools.local", "--url", labelstudio.url,
                 "--data-dir", str(labelstudio.data_dir), "--json"]
    runner = CliRunner()
    first = runner.invoke(cli, arguments, env={"LABEL_STUDIO_API_KEY": ""})
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["summary"]["submitted"] == 2
    again = json.loads(runner.invoke(cli, arguments, env={"LABEL_STUDIO_API_KEY": ""}).output)
    assert again["summary"]["submitted"] == 0 and again["summary"]["already_adjudicated"] == 2
    # another reviewer's push leaves the tasks alone: its merge would un-mark the lead's (Label
    # Studio keeps one ground truth per task) before any pull saw the lead's as ground truth
    second = [*arguments]
    second[second.index("--reviewer") + 1] = "second-reviewer@corpus-tools.local"
    other = json.loads(runner.invoke(cli, second, env={"LABEL_STUDIO_API_KEY": ""}).output)
    assert other["summary"]["submitted"] == 0 and other["summary"]["already_adjudicated"] == 2
    assert pull_and_ingest(labelstudio.client, project, layout)[1].status == "stored"
    report = json.loads(runner.invoke(cli, ["agreement", "--root", str(layout.root), "--json"]).output)
    assert report["documents"]["compared"] == 2 and len(report["annotators"]) == 2
    chosen = load_annotation_set(layout, documents, load_registry(layout)).chosen
    assert all(chosen[d].provenance.reason == "ground_truth" for d in DOCS)

    # the reviewer deletes one adjudication in Label Studio: the next pull holds the project
    # whole, so the merge leaves the set (it stayed, and was chosen, from the older pull)
    task = next(t for t in labelstudio.client.tasks.list(project=pushed.project_id, fields="all")
                if t.data["doc_id"] == DOCS[0])
    [merge] = [_plain(a) for a in task.annotations if _plain(a)["ground_truth"]]
    labelstudio.client.annotations.delete(merge["id"])
    _, pulled = pull_and_ingest(labelstudio.client, project, layout)
    assert pulled.status == "stored" and any(f"(ids {merge['id']})" in note for note in pulled.notes)
    chosen = load_annotation_set(layout, documents, load_registry(layout)).chosen
    assert [chosen[d].provenance.reason for d in DOCS] == ["latest", "ground_truth"]

    # a second reviewer saves a ground truth on the other document: Label Studio clears the lead's
    # merge's flag without moving its update time; it stays an adjudication, not the lead's version
    from corpus_tools.labelstudio.annotate import submit_annotation

    _, as_second = labelstudio.as_user("second-reviewer@corpus-tools.local")
    task = next(t for t in labelstudio.client.tasks.list(project=pushed.project_id, fields="all")
                if t.data["doc_id"] == DOCS[1])
    [merge] = [_plain(a) for a in task.annotations if _plain(a)["ground_truth"]]
    second = submit_annotation(as_second, task.id, merge["result"], ground_truth=True)
    [cleared] = [_plain(a) for t in labelstudio.client.tasks.list(project=pushed.project_id, fields="all")
                 if t.id == task.id for a in t.annotations if _plain(a)["id"] == merge["id"]]
    assert (cleared["ground_truth"], cleared["updated_at"]) == (False, merge["updated_at"])  # Label Studio's rule
    _, pulled = pull_and_ingest(labelstudio.client, project, layout)
    assert pulled.status == "stored"
    annotations = load_annotation_set(layout, documents, load_registry(layout))
    adjudications = {v.provenance.annotation_id for v in annotations.versions[DOCS[1]] if v.provenance.ground_truth}
    assert adjudications == {merge["id"], second.annotation_id}
    assert annotations.chosen[DOCS[1]].provenance.annotation_id == second.annotation_id


def test_adjudicate_push_refuses_a_document_with_two_tasks_of_its_text(labelstudio, tmp_path):
    """A task imported twice (by hand, or by pushes from two checkouts): `adjudicate --push` sent
    the merge to whichever task the listing gave last, here the copy nobody annotated, where
    annotate refuses the document. Now both refuse by one rule (sync.DocumentTasks.task_of) and
    nothing is sent."""
    from corpus_tools.labelstudio.tasks import make_tasks

    project = "a task twice"
    layout, documents, pushed, gold = _pushed(labelstudio, tmp_path, project)
    originals = {t.data["doc_id"]: t.id for t in labelstudio.client.tasks.list(project=pushed.project_id)}
    labelstudio.client.projects.import_tasks(pushed.project_id, request=list(make_tasks([documents[DOCS[0]]])),
                                             commit_to_project=True)
    [copy] = [t.id for t in labelstudio.client.tasks.list(project=pushed.project_id)
              if t.data["doc_id"] == DOCS[0] and t.id != originals[DOCS[0]]]
    # the annotators name their tasks by id: by doc_id annotate refuses the document too
    by_task = [{"task_id": originals[item["doc_id"]], "result": item["result"]} for item in gold]
    _, as_one = labelstudio.as_user("twice-1@corpus-tools.local")
    _, as_two = labelstudio.as_user("twice-2@corpus-tools.local")
    annotate_from_results(as_one, pushed.project_id, by_task)
    second = _without_first_link(by_task)
    annotate_from_results(as_two, pushed.project_id, second)
    assert pull_and_ingest(labelstudio.client, project, layout)[1].status == "stored"

    result = _push_as(labelstudio, layout, project, "twice-reviewer@corpus-tools.local")
    assert result.exit_code == 1, result.output
    assert (f"[labelstudio-task-duplicate] project {pushed.project_id}: 2 tasks for doc {DOCS[0]!r} show the same "
            f"text (tasks {originals[DOCS[0]]}, {copy}): which one is meant is unknown; delete all but one in Label "
            "Studio: nothing was sent") in result.output
    assert f"doc {DOCS[0]}" in result.output  # located
    # nothing sent: no ground truth, no prediction, on any task (the other document's included)
    tasks = list(labelstudio.client.tasks.list(project=pushed.project_id, fields="all"))
    assert not [a for t in tasks for a in t.annotations or () if _plain(a)["ground_truth"]]
    assert not [p for t in tasks for p in t.predictions or ()]
    assert sorted(len(t.annotations or ()) for t in tasks) == [0, 2, 2]
    # and no reviewer account made for a push that sent nothing
    assert "twice-reviewer@corpus-tools.local" not in {user.email for user in labelstudio.client.users.list()}

    with pytest.raises(CorpusError) as refused:  # annotate's own refusal, by the same rule
        annotate_from_results(as_one, pushed.project_id, gold[:1], "gold.jsonl")
    assert refused.value.code == "labelstudio-task-duplicate"
    assert str(refused.value).startswith(f"gold.jsonl, line 1, doc {DOCS[0]}: ")

    # with the copy deleted in Label Studio, the document has its one task again
    labelstudio.client.tasks.delete(copy)
    # the admin's key exported for the other commands: --reviewer still wins, as annotate's --as
    # does (the key's owner, the admin, was the reviewer)
    again = _push_as(labelstudio, layout, project, "twice-reviewer@corpus-tools.local", "--json",
                     api_key=labelstudio.api_key)
    assert again.exit_code == 0, again.output
    assert sorted((p["doc_id"], p["task_id"]) for p in json.loads(again.output)["pushed"]) == sorted(
        (d, originals[d]) for d in DOCS)
    [reviewer] = [u.id for u in labelstudio.client.users.list() if u.email == "twice-reviewer@corpus-tools.local"]
    merges = [_plain(a) for t in labelstudio.client.tasks.list(project=pushed.project_id, fields="all")
              for a in t.annotations or () if _plain(a)["ground_truth"]]
    assert sorted(m["task"] for m in merges) == sorted(originals.values())
    assert {m["completed_by"] for m in merges} == {reviewer}  # the reviewer's, made when there was a merge to send


def test_adjudicate_push_sends_the_left_out_units_before_the_merge(labelstudio, tmp_path):
    """The merge went first, its left-out units after: a run stopped between them (a refused
    request, Ctrl-C) left the task "already adjudicated", and no later run sent the units. Now the
    predictions go first and the merge last, and a run after a stop sends the merge without
    sending again the predictions it finds."""
    from datetime import datetime

    from corpus_tools.annotations.adjudicate import adjudicate_corpus, parse_strategy
    from corpus_tools.labelstudio.tasks import LEFT_OUT_PREFIX, to_ls_results

    project = "left-out units first"
    layout, documents, pushed, gold, _, _ = _two_versions(
        labelstudio, tmp_path, project, ("first-1@corpus-tools.local", "first-2@corpus-tools.local"),
        _without_first_link_and_timex)
    merges = {document.doc_id: document for document in adjudicate_corpus(layout, parse_strategy("unanimous"))[0]}
    tasks = {t.data["doc_id"]: t.id for t in labelstudio.client.tasks.list(project=pushed.project_id)}
    # what a run stopped between DOCS[0]'s two left-out predictions leaves: the first, and no ground truth
    assert len(merges[DOCS[0]].left_out) == 2  # each annotator's version of the first entity
    annotator, units = merges[DOCS[0]].left_out[0]
    labelstudio.client.predictions.create(task=tasks[DOCS[0]], result=to_ls_results(units),
                                          model_version=f"{LEFT_OUT_PREFIX}{annotator}")

    result = _push_as(labelstudio, layout, project, "first-reviewer@corpus-tools.local", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["summary"]["submitted"] == 2
    # each document's count is of the predictions this run sent: DOCS[0]'s first was there already
    assert {p["doc_id"]: p["predictions"] for p in json.loads(result.output)["pushed"]} == {
        DOCS[0]: 1, DOCS[1]: 1}  # DOCS[1]: annotator one's time expression, which two left out
    for task in labelstudio.client.tasks.list(project=pushed.project_id, fields="all"):
        doc_id = task.data["doc_id"]
        left_out = [_plain(p) for p in task.predictions or () if _plain(p)["model_version"].startswith(LEFT_OUT_PREFIX)]
        # one prediction per annotator with units left out: the one already there is not sent again
        assert sorted((p["model_version"], p["result"]) for p in left_out) == sorted(
            (f"{LEFT_OUT_PREFIX}{who}", to_ls_results(units)) for who, units in merges[doc_id].left_out)
        [merge] = [_plain(a) for a in task.annotations if _plain(a)["ground_truth"]]
        assert merge["result"] == to_ls_results(merges[doc_id].merged)
        # and each went before the merge
        def when(value) -> datetime:  # the SDK gives a task's predictions as dicts, its annotations as models
            return value if isinstance(value, datetime) else datetime.fromisoformat(value)

        assert all(when(p["created_at"]) < when(merge["created_at"]) for p in left_out), (left_out, merge)


def test_a_reviewer_is_not_made_on_the_local_server_for_another_one(labelstudio, labelstudio_postgres, tmp_path):
    """`adjudicate --push --reviewer` (and `annotate --as`) with a --url of another server than the
    data dir's made the account in the data dir's database and sent its key to the other server:
    the push failed at its first request (HTTP 401, Invalid token), the account left on the
    wrong server. Now it is refused before anything is made or sent; the reviewer's own key on
    that server is the way."""
    remote = labelstudio_postgres
    project = "remote adjudication"
    layout, documents, pushed, gold = _pushed(remote, tmp_path, project)
    _, as_one = remote.as_user("remote-1@corpus-tools.local")
    _, as_two = remote.as_user("remote-2@corpus-tools.local")
    annotate_from_results(as_one, pushed.project_id, gold)
    annotate_from_results(as_two, pushed.project_id, _without_first_link(gold))
    assert pull_and_ingest(remote.client, project, layout)[1].status == "stored"

    def accounts() -> list[set[str]]:  # of both servers (the session's other tests make accounts too)
        return [{user.email for user in server.client.users.list()} for server in (labelstudio, remote)]

    before = accounts()
    runner = CliRunner()
    common = ["--project", project, "--url", remote.url, "--data-dir", str(labelstudio.data_dir)]
    refused = runner.invoke(cli, ["adjudicate", "--root", str(layout.root), "--strategy", "unanimous", "--push",
                                  *common, "--api-key", remote.api_key, "--reviewer", "far-reviewer@corpus-tools.local"],
                            env={"LABEL_STUDIO_API_KEY": ""})
    assert refused.exit_code == 1, refused.output
    assert refused.output == (
        f"Error: {labelstudio.data_dir}: [labelstudio-account-remote] cannot act as 'far-reviewer@corpus-tools.local' "
        f"on {remote.url}: accounts are made only on the server of --data-dir, through its database, and this data "
        f"dir has its server at {labelstudio.url} (Label Studio's API gives a user's key to that user alone); to act "
        f"as that account on {remote.url}, pass its own API key (--api-key) and no email\n")
    # the default reviewer, no key given: the same
    default = runner.invoke(cli, ["adjudicate", "--root", str(layout.root), "--strategy", "unanimous", "--push",
                                  *common], env={"LABEL_STUDIO_API_KEY": ""})
    assert default.exit_code == 1 and "[labelstudio-account-remote] cannot act as 'reviewer@corpus-tools.local'" \
        in default.output
    annotated = runner.invoke(cli, ["labelstudio", "annotate", "--root", str(layout.root), *common, "--api-key",
                                    remote.api_key, "--as", "far-annotator@corpus-tools.local",
                                    "--accept-predictions"], env={"LABEL_STUDIO_API_KEY": ""})
    assert annotated.exit_code == 1 and "[labelstudio-account-remote] cannot act as 'far-annotator" in annotated.output
    # no account made on either server, nothing sent
    assert accounts() == before
    assert not {"far-reviewer@corpus-tools.local", "far-annotator@corpus-tools.local"} & set.union(*before)
    tasks = list(remote.client.tasks.list(project=pushed.project_id, fields="all"))
    assert sorted(len(t.annotations or ()) for t in tasks) == [2, 2]  # the two annotators' only
    assert not [p for t in tasks for p in t.predictions or ()]

    # the reviewer's own key on that server: the key's owner reviews
    reviewer, _ = remote.as_user("far-reviewer@corpus-tools.local")
    done = runner.invoke(cli, ["adjudicate", "--root", str(layout.root), "--strategy", "unanimous", "--push",
                               *common, "--api-key", reviewer.api_key, "--json"], env={"LABEL_STUDIO_API_KEY": ""})
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["summary"]["submitted"] == 2
    merges = [_plain(a) for t in remote.client.tasks.list(project=pushed.project_id, fields="all")
              for a in t.annotations or () if _plain(a)["ground_truth"]]
    assert len(merges) == 2 and {m["completed_by"] for m in merges} == {reviewer.id}


def test_adjudicate_push_lists_the_tasks_once(labelstudio, tmp_path):
    """push_adjudication listed the project's tasks twice, once to find each document's task and
    once for their ground truths and left-out predictions: at thousands of tasks a second pass
    over the server. Counted in the real server's own request log, against one listing."""
    import re

    from corpus_tools.labelstudio.sync import iter_tasks

    project = "one listing"
    layout, documents, pushed, gold, _, _ = _two_versions(
        labelstudio, tmp_path, project, ("once-1@corpus-tools.local", "once-2@corpus-tools.local"))
    log = labelstudio.data_dir / "server.log"
    first_page = re.compile(rf'"GET /api/tasks/\?\S*\bpage=1&\S*\bproject={pushed.project_id} HTTP')

    def listings() -> int:  # first pages asked for (the log may write a request's line more than once)
        return sum(1 for line in log.read_text(errors="replace").splitlines() if first_page.search(line))

    before = listings()
    list(iter_tasks(labelstudio.client, pushed.project_id, fields="all"))
    one_listing = listings() - before
    assert one_listing >= 1
    before = listings()
    result = _push_as(labelstudio, layout, project, "once-reviewer@corpus-tools.local", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["summary"]["submitted"] == 2
    assert listings() - before == one_listing


def test_adjudicate_push_names_the_reviewer_account_its_merges_wait_under(labelstudio, tmp_path):
    """The merges went to the reviewer account (reviewer@corpus-tools.local unless --reviewer)
    with no word of which account that was, or that --push made it without a password: the
    reviewer could not log in to review them. The summary names it, as annotate --as does."""
    project = "named reviewer"
    layout, *_ = _two_versions(labelstudio, tmp_path, project,
                               ("named-1@corpus-tools.local", "named-2@corpus-tools.local"))
    result = _push_as(labelstudio, layout, project, "named-reviewer@corpus-tools.local")
    assert result.exit_code == 0, result.output
    [reviewer] = [u.id for u in labelstudio.client.users.list() if u.email == "named-reviewer@corpus-tools.local"]
    *_, summary, named = result.output.splitlines()
    assert summary.endswith("; 2 submitted, 0 already adjudicated")
    assert named == (f"merges submitted as the reviewer named-reviewer@corpus-tools.local (user {reviewer}): "
                     "`corpus-tools labelstudio server account named-reviewer@corpus-tools.local` gives the "
                     "account a password to review them in the browser")
    again = _push_as(labelstudio, layout, project, "named-reviewer@corpus-tools.local")
    assert again.exit_code == 0 and again.output.splitlines()[-1].endswith("; 0 submitted, 2 already adjudicated")


def test_adjudicate_push_json_names_the_reviewer_account_as_the_text_does(labelstudio, tmp_path):
    """--json left out the reviewer account the text's last line names (made without a password)."""
    project = "named reviewer json"
    layout, *_ = _two_versions(labelstudio, tmp_path, project,
                               ("json-1@corpus-tools.local", "json-2@corpus-tools.local"))
    result = _push_as(labelstudio, layout, project, "json-reviewer@corpus-tools.local", "--json")
    assert result.exit_code == 0, result.output
    [reviewer] = [u.id for u in labelstudio.client.users.list() if u.email == "json-reviewer@corpus-tools.local"]
    report = json.loads(result.output)
    assert report["summary"]["submitted"] == 2
    assert report["reviewer"] == {"email": "json-reviewer@corpus-tools.local", "user_id": reviewer}


def test_adjudicate_push_with_the_reviewer_s_key_finds_the_project_before_the_work(labelstudio, corpus_copy):
    """With the reviewer's own --api-key (no --reviewer), the project was looked up only after every
    document was merged: a server that cannot be reached, or a project not there, was found out
    after the work (here a refusal of the work came first). Now it is refused at once, as with --reviewer."""
    import socket

    arguments = ["adjudicate", "--root", str(corpus_copy.root), "--strategy", "prefer:99", "--push",
                 "--project", "no such project", "--api-key", labelstudio.api_key]
    missing = CliRunner().invoke(cli, [*arguments, "--url", labelstudio.url], env={"LABEL_STUDIO_API_KEY": ""})
    assert (missing.exit_code, missing.output) == (1, "Error: [labelstudio-unknown-project] no project titled "
                                                      "'no such project'\n")
    with socket.socket() as held:  # bound, never listening: a connection to it is refused
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        gone = CliRunner().invoke(cli, [*arguments, "--url", f"http://127.0.0.1:{port}"],
                                  env={"LABEL_STUDIO_API_KEY": ""})
    assert gone.exit_code == 1
    assert gone.output.startswith(f"Error: [labelstudio-unreachable] looking up project 'no such project' failed at "
                                  f"http://127.0.0.1:{port}/api/projects/: ConnectError"), gone.output


def test_adjudicate_push_leaves_a_document_the_corpus_holds_an_adjudication_of_alone(labelstudio, tmp_path):
    """A document adjudicated (and pulled) from one project got a merge again when pushed to another
    project, whose task has no ground truth: pulled, the fresh merge became the document's newest
    adjudication, chosen over the reviewer's. Now a document whose adjudication in the corpus is
    at least as recent as its versions is left alone (and its task is not looked for); one annotated again
    since is merged and pushed again."""
    layout, documents, pushed, gold, ((_, as_one), _), _ = _two_versions(
        labelstudio, tmp_path, "first project", ("again-1@corpus-tools.local", "again-2@corpus-tools.local"))

    def adjudicate_push(project: str) -> dict:
        result = _push_as(labelstudio, layout, project, "again-reviewer@corpus-tools.local", "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    assert adjudicate_push("first project")["summary"]["submitted"] == 2
    assert pull_and_ingest(labelstudio.client, "first project", layout)[1].status == "stored"
    # the same documents in a second project: its tasks have no ground truth
    second = push(labelstudio.client, [documents[d] for d in DOCS], None, "second project", layout=layout)
    outcome = adjudicate_push("second project")
    assert outcome["pushed"] == [{"doc_id": doc, "task_id": None, "annotation_id": None, "predictions": 0}
                                 for doc in DOCS]
    assert (outcome["summary"]["submitted"], outcome["summary"]["already_adjudicated"]) == (0, 2)
    tasks = list(labelstudio.client.tasks.list(project=second.project_id, fields="all"))
    assert [(len(t.annotations or ()), len(t.predictions or ())) for t in tasks] == [(0, 0), (0, 0)]
    chosen = load_annotation_set(layout, documents, load_registry(layout)).chosen
    merges = {d: chosen[d].provenance.annotation_id for d in DOCS}
    assert all(chosen[d].provenance.reason == "ground_truth" for d in DOCS)

    # annotator one annotates DOCS[1] again in the second project: its adjudication is older than
    # that version, so its merge goes there; DOCS[0] is still left alone
    annotate_from_results(as_one, second.project_id, gold[1:])
    assert pull_and_ingest(labelstudio.client, "second project", layout)[1].status == "stored"
    outcome = adjudicate_push("second project")
    [task] = [t.id for t in tasks if t.data["doc_id"] == DOCS[1]]
    assert [(p["doc_id"], p["task_id"]) for p in outcome["pushed"]] == [(DOCS[0], None), (DOCS[1], task)]
    assert outcome["pushed"][1]["annotation_id"] is not None
    assert pull_and_ingest(labelstudio.client, "second project", layout)[1].status == "stored"
    chosen = load_annotation_set(layout, documents, load_registry(layout)).chosen
    assert chosen[DOCS[0]].provenance.annotation_id == merges[DOCS[0]]
    assert chosen[DOCS[1]].provenance.annotation_id == outcome["pushed"][1]["annotation_id"]


def test_a_merge_label_studio_refuses_names_its_document(labelstudio, tmp_path):
    """A merge whose submission Label Studio refused was named by its task alone ("task N:
    [labelstudio-api-error] submitting an annotation to task N failed"), the document to be looked
    up on the server. Now the error names the document too, as a refused left-out prediction did."""
    from corpus_tools.annotations.adjudicate import adjudicate_corpus, parse_strategy, push_adjudication

    layout, documents, pushed, _, _, _ = _two_versions(
        labelstudio, tmp_path, "merge refused", ("refused-1@corpus-tools.local", "refused-2@corpus-tools.local"))
    merges = adjudicate_corpus(layout, parse_strategy("unanimous"))[0]
    # DOCS[1]'s versions agree: its merge is its first request, with no left-out prediction before it
    assert [(merge.doc_id, len(merge.left_out)) for merge in merges] == [(DOCS[0], 2), (DOCS[1], 0)]
    tasks = {t.data["doc_id"]: t.id for t in labelstudio.client.tasks.list(project=pushed.project_id)}

    def reviewer():  # called once every task is found: someone deletes DOCS[1]'s task meanwhile
        labelstudio.client.tasks.delete(tasks[DOCS[1]])
        return labelstudio.client

    with pytest.raises(CorpusError) as refused:
        push_adjudication(layout, labelstudio.client, pushed.project_id, merges, documents, reviewer)
    assert (refused.value.location.task_id, refused.value.location.doc_id) == (tasks[DOCS[1]], DOCS[1])
    assert str(refused.value).startswith(
        f"task {tasks[DOCS[1]]}, doc {DOCS[1]}: [labelstudio-api-error] submitting an annotation to task "
        f"{tasks[DOCS[1]]} failed: HTTP 404")


def test_push_target_refuses_a_reviewer_account_on_another_server_before_asking_any(tmp_path):
    """adjudicate --push's reviewer, as a library call, with no server at all: a data dir no
    server was started in cannot make an account for a --url, so nothing is asked or made."""
    from corpus_tools.annotations.adjudicate import push_target

    made: list = []
    with pytest.raises(CorpusError) as refused:
        push_target("http://127.0.0.1:9", None, tmp_path, "reviewer@corpus-tools.local", "p", named=False, made=made)
    assert refused.value.code == "labelstudio-account-remote" and made == []
    assert str(refused.value).startswith(
        f"{tmp_path}: [labelstudio-account-remote] cannot act as 'reviewer@corpus-tools.local' on http://127.0.0.1:9: "
        "accounts are made only on the server of --data-dir, through its database, and this data dir has no server")
