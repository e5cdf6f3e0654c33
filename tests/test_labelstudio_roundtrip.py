"""The loop against the real server: push tasks with predictions, annotate through the API as
annotators do, pull the snapshot export, and find exactly what was pushed."""

from __future__ import annotations

import json

import pytest

from corpus_tools.annotations.consolidate import load_annotation_set
from corpus_tools.ingest import ingest
from corpus_tools.errors import CorpusError, Location
from corpus_tools.layout import Layout
from corpus_tools.records import RegistryEntity
from corpus_tools.labelstudio.annotate import accept_all_predictions, annotate_from_results, submit_annotation
from corpus_tools.labelstudio.sync import api_field, pull, push, resolve_project
from corpus_tools.labelstudio.tasks import task_data, to_ls_results
from corpus_tools.preannotate.run import PendingPredictions, PreAnnotator

from labelstudio_samples import EMOJI_TEXT, NEWS_TEXT, document, emoji_annotations, news_annotations, sha256

pytestmark = pytest.mark.labelstudio


REGISTRY = {entity.id: entity for entity in (
    RegistryEntity("syria", "Syria", "GPE"), RegistryEntity("washington-dc", "Washington, D.C.", "GPE"),
    RegistryEntity("antony-blinken", "Antony Blinken", "PERSON"), RegistryEntity("united-states", "United States", "GPE"),
    RegistryEntity("us-state-department", "US State Department", "ORG"), RegistryEntity("damascus", "Damascus", "GPE"),
    RegistryEntity("joe-biden", "Joe Biden", "PERSON"), RegistryEntity("bashar-al-assad", "Bashar al-Assad", "PERSON"),
)}


def layers(annotations):
    return annotations.entities, annotations.timexes, annotations.quotes


def utf16_index(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def test_push_twice_accept_predictions_pull_gives_back_the_pushed_annotations(any_labelstudio, tmp_path,
                                                                            monkeypatch):
    labelstudio = any_labelstudio
    news = document("rt-news", NEWS_TEXT)
    emoji = document("rt-emoji", EMOJI_TEXT, title="Emoji 🇸🇾")
    pushed = {news.doc_id: news_annotations(news), emoji.doc_id: emoji_annotations(emoji)}

    first = push(labelstudio.client, [news, emoji], pushed, "round trip", model_version="annotations@set-1")
    again = push(labelstudio.client, [news, emoji], pushed, "round trip", model_version="annotations@set-1")
    assert (first.created, first.imported, first.already_present) == (True, 2, 0)
    assert (again.created, again.config_updated, again.imported, again.already_present) == (False, False, 0, 2)
    assert again.project_id == first.project_id
    assert len(list(labelstudio.client.tasks.list(project=first.project_id))) == 2  # no duplicates

    annotator, as_annotator = labelstudio.as_user("annotator@corpus-tools.local")

    def one_request_per_task(**_):
        raise AssertionError("the task list already holds every task's predictions")

    monkeypatch.setattr(as_annotator.predictions, "list", one_request_per_task)
    accepted = accept_all_predictions(as_annotator, first.project_id)
    assert accepted.skipped == 0
    assert len(accepted.submitted) == 2 and {a.completed_by for a in accepted.submitted} == {annotator.id}
    accepted_again = accept_all_predictions(as_annotator, first.project_id)
    assert (accepted_again.submitted, accepted_again.skipped) == ((), 2)  # already done by this user

    export = pull(labelstudio.client, "round trip", tmp_path / "export.json")
    tasks = {task["data"]["doc_id"]: task for task in json.loads(export.read_bytes())}
    assert sorted(tasks) == ["rt-emoji", "rt-news"]
    for doc in (news, emoji):
        task = tasks[doc.doc_id]
        assert task["data"] == task_data(doc)  # text with emoji and CRLF unchanged
        [annotation] = task["annotations"]
        assert annotation["completed_by"] == annotator.id and annotation["was_cancelled"] is False
        assert annotation["result"] == to_ls_results(pushed[doc.doc_id])  # spans, values, relations
        assert annotation["prediction"]["model_version"] == "annotations@set-1"

    # and through ingest: the consolidated annotation set equals the pushed one
    layout = Layout.at(tmp_path / "corpus")
    documents = {news.doc_id: news, emoji.doc_id: emoji}
    stored = ingest(export, layout, documents, REGISTRY)
    assert stored.status == "stored", [str(p) for p in stored.report]
    annotation_set = load_annotation_set(layout, documents, REGISTRY)
    assert annotation_set.report.valid
    for doc_id, expected in pushed.items():
        assert layers(annotation_set.chosen[doc_id]) == layers(expected)
        assert annotation_set.chosen[doc_id].provenance.reason == "latest"


def test_a_push_with_predictions_gives_the_tasks_already_present_a_prediction_of_each_new_model_version(labelstudio):
    """Tasks already in the project kept the predictions they were imported with, so a push after
    the pre-annotation rules or the annotations changed gave them nothing. Now each task of a
    document's current text (a task imported twice: both) gets its document's prediction when it
    holds none of that model_version; nothing already there changes, and pushing again adds nothing."""
    client = labelstudio.client
    news, emoji = document("np-news", NEWS_TEXT), document("np-emoji", EMOJI_TEXT)
    annotations = {news.doc_id: news_annotations(news), emoji.doc_id: emoji_annotations(emoji)}
    counts = {doc_id: len(to_ls_results(each)) for doc_id, each in annotations.items()}
    plain = push(client, [news, emoji], None, "new predictions")
    project = plain.project_id
    client.projects.import_tasks(project, request=[{"data": task_data(emoji)}], commit_to_project=True)  # by hand
    tasks = {task.id: task.data["doc_id"] for task in client.tasks.list(project=project)}
    assert sorted(tasks.values()) == ["np-emoji", "np-emoji", "np-news"]
    news_task = next(task_id for task_id, doc_id in tasks.items() if doc_id == "np-news")
    _, as_annotator = labelstudio.as_user("np-annotator@corpus-tools.local")
    kept = submit_annotation(as_annotator, news_task, to_ls_results(annotations[news.doc_id])[:1])

    def held() -> dict[int, list[tuple[int, str, int]]]:
        """task -> its predictions (id, model_version, result count), and its annotations' ids and results."""
        listed = {task.id: task for task in client.tasks.list(project=project, fields="all")}
        assert [(api_field(a, "id"), api_field(a, "result")) for a in listed[news_task].annotations] == [
            (kept.annotation_id, to_ls_results(annotations[news.doc_id])[:1])]
        return {task_id: sorted((api_field(p, "id"), api_field(p, "model_version"), len(api_field(p, "result")))
                                for p in task.predictions) for task_id, task in listed.items()}

    first = push(client, [news, emoji], annotations, "new predictions", model_version="annotations@set-1")
    assert (first.imported, first.already_present, first.predicted) == (0, 2, 3)
    after_first = held()
    assert {task_id: [(version, count) for _, version, count in each] for task_id, each in after_first.items()} == {
        task_id: [("annotations@set-1", counts[doc_id])] for task_id, doc_id in tasks.items()}

    again = push(client, [news, emoji], annotations, "new predictions", model_version="annotations@set-1")
    assert (again.imported, again.already_present, again.predicted) == (0, 2, 0)
    assert held() == after_first  # nothing added, nothing changed

    # another model_version (the annotations changed): a prediction more for each task, the first ones kept
    second = push(client, [news], annotations, "new predictions", model_version="annotations@set-2")
    assert (second.already_present, second.predicted) == (1, 1)
    after_second = held()
    assert {task_id: each for task_id, each in after_second.items() if task_id != news_task} == {
        task_id: each for task_id, each in after_first.items() if task_id != news_task}
    [(_, *set_1), (_, *set_2)] = after_second[news_task]
    assert after_second[news_task][0] == after_first[news_task][0]
    assert (set_1, set_2) == (["annotations@set-1", counts["np-news"]], ["annotations@set-2", counts["np-news"]])


def test_a_push_makes_no_prediction_a_task_already_holds(labelstudio):
    """push made every document's pre-annotation before it looked at the project, also for the tasks
    that held one of that model_version and were sent nothing: the rules' work on every document of
    the corpus (some 7 ms each on the bench's articles) at each push. Now a prediction is made only
    for a task that needs it: a new task, or one without a prediction of its model_version."""
    client = labelstudio.client
    news, emoji = document("pp-news", NEWS_TEXT), document("pp-emoji", EMOJI_TEXT)
    made: list[str] = []

    class Counted(PreAnnotator):
        def __call__(self, doc):
            made.append(doc.doc_id)
            return super().__call__(doc)

    def pending(*documents):
        return PendingPredictions({doc.doc_id: doc for doc in documents}, {}, lambda: Counted(REGISTRY))

    first = push(client, [news], None, "made when needed", preannotations=pending(news))
    assert (first.imported, made) == (1, ["pp-news"])
    second = push(client, [news, emoji], None, "made when needed", preannotations=pending(news, emoji))
    assert (second.imported, second.already_present, second.predicted, made) == (1, 1, 0, ["pp-news", "pp-emoji"])
    again = push(client, [news, emoji], None, "made when needed", preannotations=pending(news, emoji))
    assert (again.imported, again.already_present, again.predicted, made) == (0, 2, 0, ["pp-news", "pp-emoji"])
    version = pending().model_version
    assert version.startswith("corpus_tools-preannotate@")
    assert sorted((task.data["doc_id"], [api_field(p, "model_version") for p in task.predictions])
                  for task in client.tasks.list(project=first.project_id, fields="all")) == [
        ("pp-emoji", [version]), ("pp-news", [version])]


def test_predictions_label_studio_leaves_out_are_an_error_naming_them(labelstudio):
    """Label Studio 1.23.2 answers 201 to predictions of tasks already present even when its
    validator left some out (an unknown control here): push says so instead of counting them."""
    client = labelstudio.client
    news = document("nr-news", NEWS_TEXT)
    project = push(client, [news], None, "refused predictions").project_id
    [task] = client.tasks.list(project=project)
    unknown = {"model_version": "rules@2", "result": [{"id": "r1", "from_name": "no-such-control", "to_name": "text",
                                                       "type": "labels", "value": {"start": 0, "end": 5,
                                                                                   "labels": ["GPE"]}}]}
    with pytest.raises(CorpusError) as refused:
        push(client, [news], None, "refused predictions", preannotations={news.doc_id: unknown})
    assert refused.value.code == "labelstudio-predictions-refused"
    assert str(refused.value.location) == str(Location(doc_id="nr-news", task_id=task.id))
    assert refused.value.message == (
        f"project {project} created 0 of the 1 prediction sent for task {task.id} (doc nr-news): it leaves out, "
        "unsaid, what its validator refuses (its server.log names them); the batches before are in")
    assert list(client.predictions.list(task=task.id)) == []


def test_two_annotators_emoji_crlf_and_a_cancelled_annotation(any_labelstudio, tmp_path):
    labelstudio = any_labelstudio
    emoji = document("ea-emoji", EMOJI_TEXT)
    crlf = document("ea-crlf", "Line one\r\nAssad met Putin\r\n\r\nin Moscow.")
    result = push(labelstudio.client, [emoji, crlf], None, "emoji and crlf")
    alice, as_alice = labelstudio.as_user("alice@corpus-tools.local")
    bob, as_bob = labelstudio.as_user("bob@corpus-tools.local")

    full = to_ls_results(emoji_annotations(emoji))
    biden = next(r for r in full if r["from_name"] == "entity" and r["value"]["text"] == "Biden")
    assassad = {"id": "b-assad", "from_name": "entity", "to_name": "text", "type": "labels",
                "value": {"start": EMOJI_TEXT.index("Assad"), "end": EMOJI_TEXT.index("Assad") + 5,
                          "text": "Assad", "labels": ["PERSON"]}}
    moscow = crlf.text.index("Moscow")
    moscow_region = {"id": "a-moscow", "from_name": "entity", "to_name": "text", "type": "labels",
                     "value": {"start": moscow, "end": moscow + 6, "text": "Moscow", "labels": ["GPE"]}}
    annotate_from_results(as_alice, result.project_id, [
        {"doc_id": "ea-emoji", "result": full},
        {"doc_id": "ea-crlf", "result": [moscow_region]},
    ])
    annotate_from_results(as_bob, result.project_id, [{"doc_id": "ea-emoji", "result": [biden, assassad]}])
    crlf_task = next(t.id for t in labelstudio.client.tasks.list(project=result.project_id)
                     if t.data["doc_id"] == "ea-crlf")
    submit_annotation(as_bob, crlf_task, [], was_cancelled=True)

    export = pull(labelstudio.client, result.project_id, tmp_path / "export.json")
    exported = json.loads(export.read_bytes())
    tasks = {task["data"]["doc_id"]: task for task in exported}
    assert tasks["ea-emoji"]["data"]["text"] == EMOJI_TEXT and tasks["ea-crlf"]["data"]["text"] == crlf.text
    assert sorted(a["completed_by"] for a in tasks["ea-emoji"]["annotations"]) == sorted([alice.id, bob.id])
    cancelled = [(a["completed_by"], a["was_cancelled"]) for a in tasks["ea-crlf"]["annotations"]]
    assert sorted(cancelled) == sorted([(alice.id, False), (bob.id, True)])

    checked = 0
    for task in exported:
        text = task["data"]["text"]
        for annotation in task["annotations"]:
            for region in annotation["result"]:
                if region["type"] == "labels":
                    value = region["value"]
                    assert text[value["start"]:value["end"]] == value["text"], (task["data"]["doc_id"], region)
                    checked += 1
    assert checked == 7 + 2 + 1  # alice: 7 spans on the emoji text; bob: 2; alice: Moscow

    # offsets are code points, stored as submitted: after the flag (2 code points, 4 UTF-16
    # units) and the emoji (1 code point, 2 units), Biden's UTF-16 offset would be 3 more
    bob_emoji = next(a for a in tasks["ea-emoji"]["annotations"] if a["completed_by"] == bob.id)
    start = bob_emoji["result"][0]["value"]["start"]
    assert start == EMOJI_TEXT.index("Biden") == 23
    assert utf16_index(EMOJI_TEXT, start) == 26

    # ingest keeps both annotators' versions and skips the cancelled one
    layout = Layout.at(tmp_path / "corpus")
    documents = {emoji.doc_id: emoji, crlf.doc_id: crlf}
    stored = ingest(export, layout, documents, REGISTRY)
    assert stored.status == "stored", [str(p) for p in stored.report]
    annotation_set = load_annotation_set(layout, documents, REGISTRY)
    versions = {v.provenance.annotator: v for v in annotation_set.versions["ea-emoji"]}
    assert sorted(versions) == sorted([str(alice.id), str(bob.id)])
    assert layers(versions[str(alice.id)]) == layers(emoji_annotations(emoji))
    assert [(e.text, e.span.start, e.span.end) for e in versions[str(bob.id)].entities] == [
        ("Biden", 23, 28), ("Assad", EMOJI_TEXT.index("Assad"), EMOJI_TEXT.index("Assad") + 5)]
    assert [v.provenance.annotator for v in annotation_set.versions["ea-crlf"]] == [str(alice.id)]
    assert annotation_set.chosen["ea-crlf"].entities[0].text == "Moscow"


def test_annotate_refuses_a_results_file_naming_an_unknown_document(labelstudio):
    # its own project: the test runs alone as well as after the others
    push(labelstudio.client, [document("ua-emoji", EMOJI_TEXT)], None, "unknown document")
    project = resolve_project(labelstudio.client, "unknown document")
    before = len(list(labelstudio.client.annotations.list(id=next(
        t.id for t in labelstudio.client.tasks.list(project=project.id) if t.data["doc_id"] == "ua-emoji"))))
    with pytest.raises(CorpusError) as refused:
        annotate_from_results(labelstudio.client, project.id, [
            {"doc_id": "ua-emoji", "result": []}, {"doc_id": "no-such-doc", "result": []}], "gold.jsonl")
    assert refused.value.code == "annotate-task-not-found"
    assert "gold.jsonl, line 2, doc no-such-doc" in str(refused.value)
    after = len(list(labelstudio.client.annotations.list(id=next(
        t.id for t in labelstudio.client.tasks.list(project=project.id) if t.data["doc_id"] == "ua-emoji"))))
    assert after == before  # nothing was submitted, not even the valid first item


def test_annotate_names_one_task_of_a_document_or_refuses(labelstudio):
    """A document's task is the one task of its doc_id (of its text_sha256, when given). A task
    imported twice was annotated through whichever task the listing gave last, quietly; now that
    is refused (labelstudio-task-duplicate), naming the tasks, and nothing is submitted."""
    from corpus_tools.labelstudio.tasks import make_tasks

    client = labelstudio.client
    old, new = document("nt-doc", NEWS_TEXT), document("nt-doc", NEWS_TEXT + " Talks end.")
    push(client, [old, document("nt-twice", EMOJI_TEXT)], None, "one task of a document")
    push(client, [new], None, "one task of a document")  # its text changed: a task of the new text
    project = resolve_project(client, "one task of a document")
    client.projects.import_tasks(project.id, request=list(make_tasks([document("nt-twice", EMOJI_TEXT)])),
                                 commit_to_project=True)  # the same task again, as an import by hand makes
    ids = {(t.data["doc_id"], t.data["text_sha256"]): [] for t in client.tasks.list(project=project.id)}
    for task in client.tasks.list(project=project.id):
        ids[(task.data["doc_id"], task.data["text_sha256"])].append(task.id)
    twice = sorted(ids[("nt-twice", sha256(EMOJI_TEXT))])
    assert len(twice) == 2

    def annotations_count() -> int:
        return sum(len(t.annotations or ()) for t in client.tasks.list(project=project.id, fields="all"))

    with pytest.raises(CorpusError) as refused:
        annotate_from_results(client, project.id, [{"doc_id": "nt-twice", "result": []}], "gold.jsonl")
    assert str(refused.value) == (f"gold.jsonl, line 1, doc nt-twice: [labelstudio-task-duplicate] 2 tasks for doc "
                                  f"'nt-twice' show the same text (tasks {twice[0]}, {twice[1]}): which one is meant "
                                  "is unknown; delete all but one in Label Studio")
    with pytest.raises(CorpusError) as refused:  # its text given: still two
        annotate_from_results(client, project.id, [{"doc_id": "nt-twice", "text_sha256": sha256(EMOJI_TEXT),
                                                    "result": []}], "gold.jsonl")
    assert refused.value.code == "labelstudio-task-duplicate"
    with pytest.raises(CorpusError) as refused:  # two texts: text_sha256 chooses
        annotate_from_results(client, project.id, [{"doc_id": "nt-doc", "result": []}], "gold.jsonl")
    assert str(refused.value) == ("gold.jsonl, line 1, doc nt-doc: [annotate-task-not-found] 2 tasks for doc "
                                  "'nt-doc', of 2 texts (give text_sha256 to choose)")
    assert annotations_count() == 0  # nothing submitted
    with pytest.raises(CorpusError) as refused:  # both copies by their ids: two annotations of one text
        annotate_from_results(client, project.id, [{"task_id": twice[0], "result": []},
                                                   {"task_id": twice[1], "result": []}], "gold.jsonl")
    assert str(refused.value) == (f"doc nt-twice: [labelstudio-task-duplicate] 2 tasks for doc 'nt-twice' show the "
                                  f"same text (tasks {twice[0]}, {twice[1]}): which one is meant is unknown; delete "
                                  "all but one in Label Studio")
    assert annotations_count() == 0

    done = annotate_from_results(client, project.id, [
        {"doc_id": "nt-doc", "text_sha256": new.text_sha256, "result": []},
        {"task_id": twice[0], "result": []}])  # a task named by its id is the one meant
    assert sorted(s.task_id for s in done.submitted) == sorted([ids[("nt-doc", new.text_sha256)][0], twice[0]])
    assert annotations_count() == 2


def test_accept_predictions_refuses_two_tasks_of_one_text_with_predictions(labelstudio):
    """--accept-predictions accepted the prediction of both copies of a task imported twice: two
    annotations of one text by one user, of which the annotation set keeps the later, whichever
    the listing gave last. Now refused as annotate refuses the document (labelstudio-task-duplicate),
    before anything is submitted; a copy without a prediction to accept leaves no doubt."""
    from corpus_tools.labelstudio.tasks import make_tasks

    client = labelstudio.client
    news, emoji = document("ap-news", NEWS_TEXT), document("ap-emoji", EMOJI_TEXT)
    pushed = {news.doc_id: news_annotations(news), emoji.doc_id: emoji_annotations(emoji)}
    first = push(client, [news, emoji], pushed, "accept a task twice", model_version="annotations@set-1")
    originals = {t.data["doc_id"]: t.id for t in client.tasks.list(project=first.project_id)}
    client.projects.import_tasks(first.project_id, commit_to_project=True,
                                 request=list(make_tasks([news], pushed, "annotations@set-1")))
    client.projects.import_tasks(first.project_id, commit_to_project=True, request=list(make_tasks([emoji])))
    [copy] = [t.id for t in client.tasks.list(project=first.project_id)
              if t.data["doc_id"] == "ap-news" and t.id != originals["ap-news"]]
    _, as_annotator = labelstudio.as_user("accepts-twice@corpus-tools.local")

    def annotations_count() -> int:
        return sum(len(t.annotations or ()) for t in client.tasks.list(project=first.project_id, fields="all"))

    with pytest.raises(CorpusError) as refused:
        accept_all_predictions(as_annotator, first.project_id)
    assert str(refused.value) == (f"doc ap-news: [labelstudio-task-duplicate] 2 tasks for doc 'ap-news' show the same "
                                  f"text (tasks {originals['ap-news']}, {copy}): which one is meant is unknown; "
                                  "delete all but one in Label Studio")
    assert annotations_count() == 0  # nothing submitted

    client.tasks.delete(copy)
    accepted = accept_all_predictions(as_annotator, first.project_id)
    # the emoji document's copy has no prediction: its pushed task is the one accepted
    assert sorted(s.task_id for s in accepted.submitted) == sorted(originals.values())
    assert annotations_count() == 2


def test_accept_predictions_names_the_duplicate_the_listing_gives_first(labelstudio):
    """Of several documents' tasks held twice, the refusal names the (doc_id, text) pair the task
    listing gives first, as the scan DocumentTasks replaced did; indexed by document first, it
    named the document listed first, here one whose first text is held once and whose second
    text's copies come after another document's."""
    from corpus_tools.labelstudio.tasks import make_tasks

    client = labelstudio.client
    a_old, b = document("dl-a", NEWS_TEXT), document("dl-b", NEWS_TEXT)
    a_new = document("dl-a", NEWS_TEXT + " Talks end.")
    first = push(client, [a_old, b], {"dl-a": news_annotations(a_old), "dl-b": news_annotations(b)},
                 "duplicates in listing order", model_version="annotations@set-1")
    for documents in ([a_new], [b], [a_new]):  # a's new text, b's copy, a's new text's copy: in this order
        client.projects.import_tasks(first.project_id, commit_to_project=True, request=list(make_tasks(
            documents, {d.doc_id: news_annotations(d) for d in documents}, "annotations@set-1")))
    ids: dict[tuple[str, str], list[int]] = {}
    for task in client.tasks.list(project=first.project_id):
        ids.setdefault((task.data["doc_id"], task.data["text_sha256"]), []).append(task.id)
    assert list(ids) == [("dl-a", a_old.text_sha256), ("dl-b", b.text_sha256), ("dl-a", a_new.text_sha256)]
    twice = ids[("dl-b", b.text_sha256)]
    _, as_annotator = labelstudio.as_user("listing-order@corpus-tools.local")
    with pytest.raises(CorpusError) as refused:
        accept_all_predictions(as_annotator, first.project_id)
    assert str(refused.value) == (f"doc dl-b: [labelstudio-task-duplicate] 2 tasks for doc 'dl-b' show the same "
                                  f"text (tasks {twice[0]}, {twice[1]}): which one is meant is unknown; delete all "
                                  "but one in Label Studio")


def test_a_task_whose_doc_id_is_no_string_shows_no_document(labelstudio):
    """A task imported by hand with a doc_id (or text_sha256) that is a JSON list or object made push,
    annotate and adjudicate --push stop with a TypeError traceback (a list is no dict key); it shows
    no document of the corpus (ingest refuses it, task-doc-id-missing), so it is no document's task."""
    client = labelstudio.client
    news = document("ns-news", NEWS_TEXT)
    first = push(client, [news], None, "a doc_id that is a list")
    client.projects.import_tasks(first.project_id, commit_to_project=True, request=[
        {"data": {"text": NEWS_TEXT, "doc_id": ["ns-news"], "text_sha256": news.text_sha256}},
        {"data": {"text": NEWS_TEXT, "doc_id": "ns-news", "text_sha256": {"sha": news.text_sha256}}}])
    again = push(client, [news], None, "a doc_id that is a list")
    assert (again.imported, again.already_present) == (0, 1)
    [task_id] = [t.id for t in client.tasks.list(project=first.project_id) if t.data["doc_id"] == "ns-news"
                 and t.data["text_sha256"] == news.text_sha256]
    done = annotate_from_results(client, first.project_id, [
        {"doc_id": "ns-news", "text_sha256": news.text_sha256, "result": []}])
    assert [s.task_id for s in done.submitted] == [task_id]


def test_an_item_naming_a_task_and_another_document_is_refused(labelstudio):
    """An item with a task_id and a doc_id (or text_sha256) went to the task, whatever document the
    item named: the one annotation meant for a document landed on another. Which of the two the
    item meant is unknown: refused, and nothing is submitted."""
    client = labelstudio.client
    old, new = document("tn-doc", NEWS_TEXT), document("tn-doc", NEWS_TEXT + " Talks end.")
    push(client, [old, document("tn-other", EMOJI_TEXT)], None, "task and document")
    push(client, [new], None, "task and document")
    project = resolve_project(client, "task and document")
    ids = {(t.data["doc_id"], t.data["text_sha256"]): t.id for t in client.tasks.list(project=project.id)}
    other, old_task, new_task = ids[("tn-other", sha256(EMOJI_TEXT))], ids[("tn-doc", old.text_sha256)], \
        ids[("tn-doc", new.text_sha256)]
    with pytest.raises(CorpusError) as refused:
        annotate_from_results(client, project.id, [
            {"task_id": new_task, "doc_id": "tn-doc", "result": []},
            {"task_id": other, "doc_id": "tn-doc", "result": []}], "gold.jsonl")
    assert str(refused.value) == (f"gold.jsonl, line 2, doc tn-doc: [annotate-task-not-found] task {other} does not "
                                  "show the item's doc_id 'tn-doc': which of them is meant is unknown")
    with pytest.raises(CorpusError) as refused:
        annotate_from_results(client, project.id, [
            {"task_id": old_task, "doc_id": "tn-doc", "text_sha256": new.text_sha256, "result": []}], "gold.jsonl")
    assert str(refused.value) == (f"gold.jsonl, line 1, doc tn-doc: [annotate-task-not-found] task {old_task} does not "
                                  f"show the item's doc_id 'tn-doc' and text_sha256 '{new.text_sha256}': which of "
                                  "them is meant is unknown")
    assert sum(len(t.annotations or ()) for t in client.tasks.list(project=project.id, fields="all")) == 0
    done = annotate_from_results(client, project.id, [
        {"task_id": old_task, "doc_id": "tn-doc", "text_sha256": old.text_sha256, "result": []},
        {"task_id": other, "result": []}])
    assert sorted(s.task_id for s in done.submitted) == sorted([old_task, other])


@pytest.mark.parametrize("way", ["results", "predictions"])
def test_a_submission_label_studio_refuses_names_its_document(labelstudio, way):
    """A submission Label Studio refused was named by its task alone ("task N:
    [labelstudio-api-error] submitting an annotation to task N failed"), the document to be looked
    up on the server, where adjudicate --push names it. Both ways of annotating name the
    document the listed task shows."""
    from corpus_tools.labelstudio.annotate import accept_planned, plan_predictions, plan_results, submit_planned

    client, title = labelstudio.client, f"refused submission {way}"
    news = document("rs-news", NEWS_TEXT)
    push(client, [news], {"rs-news": news_annotations(news)}, title, "annotations@set-1")
    project = resolve_project(client, title)
    [task] = list(client.tasks.list(project=project.id))
    if way == "results":
        planned = plan_results(client, project.id, [{"doc_id": "rs-news", "result": []}], "gold.jsonl")
        client.tasks.delete(task.id)  # someone deletes the task between the plan and the submission
        with pytest.raises(CorpusError) as refused:
            submit_planned(client, planned)
    else:
        planned = plan_predictions(client, project.id)
        client.tasks.delete(task.id)
        with pytest.raises(CorpusError) as refused:
            accept_planned(client, planned)
    assert (refused.value.location.task_id, refused.value.location.doc_id) == (task.id, "rs-news")
    # 404 for the task; a prediction's acceptance, 400 for the prediction that went with it
    assert str(refused.value).startswith(f"task {task.id}, doc rs-news: [labelstudio-api-error] submitting an "
                                         f"annotation to task {task.id} failed: HTTP {404 if way == 'results' else 400}")


@pytest.mark.parametrize("way", ["results", "predictions"])
def test_a_submission_refused_after_others_says_what_the_server_kept(labelstudio, way):
    """annotate stopped at a refused submission (a server killed, a task deleted meanwhile) saying
    nothing of the annotations it had submitted before, which the server keeps: the user could
    not tell that the run was half done, nor that running it again finishes it."""
    from corpus_tools.labelstudio.annotate import accept_planned, plan_predictions, plan_results, submit_planned

    client, title = labelstudio.client, f"half done {way}"
    news, emoji = document("hd-news", NEWS_TEXT), document("hd-emoji", EMOJI_TEXT)
    push(client, [news, emoji], {news.doc_id: news_annotations(news), emoji.doc_id: emoji_annotations(emoji)},
         title, "annotations@set-1")
    project = resolve_project(client, title)
    user, as_user = labelstudio.as_user(f"half-done-{way}@corpus-tools.local")
    if way == "results":
        planned = plan_results(client, project.id, [{"doc_id": "hd-news", "result": []},
                                                    {"doc_id": "hd-emoji", "result": []}], "gold.jsonl")
        kept, gone = planned
        client.tasks.delete(gone)  # someone deletes the second task while the first is submitted
        with pytest.raises(CorpusError) as refused:
            submit_planned(as_user, planned)
    else:
        planned = plan_predictions(client, project.id)
        kept, gone = (task.id for task in planned)
        client.tasks.delete(gone)
        with pytest.raises(CorpusError) as refused:
            accept_planned(as_user, planned)
    assert refused.value.location.task_id == gone
    assert str(refused.value).startswith(f"task {gone}, doc ")
    assert str(refused.value).endswith(f"; the 1 annotation submitted before stays (the last to task {kept}): run the "
                                       "command again, which skips the tasks this user has annotated")
    [task] = client.tasks.list(project=project.id, fields="all")
    assert (task.id, [api_field(a, "completed_by") for a in task.annotations]) == (kept, [user.id])
