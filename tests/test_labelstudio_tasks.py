"""Tasks and predictions made from records (no server needed)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from corpus_tools.labelstudio.tasks import make_tasks, to_ls_results, write_tasks
from corpus_tools.schema import TASK_DATA_KEYS

from labelstudio_samples import NEWS_TEXT, document, news_annotations

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def news():
    doc = document("doc-news", NEWS_TEXT)
    return doc, news_annotations(doc)


def test_task_data_holds_exactly_the_schema_keys(news):
    doc, _ = news
    [task] = make_tasks([doc])
    assert list(task["data"]) == list(TASK_DATA_KEYS)
    assert task["data"]["text"] == NEWS_TEXT
    assert task["data"]["publisher"] == "Example Wire"
    assert task["data"]["publication_date"] == "2024-04-25"
    assert task["data"]["text_sha256"] == doc.text_sha256
    assert "predictions" not in task


def test_predictions_name_their_annotation_set(news):
    doc, annotations = news
    other = document("doc-other", "No annotations here.")
    tasks = list(make_tasks([doc, other], {doc.doc_id: annotations}, model_version="annotations@abc123"))
    assert tasks[0]["predictions"][0]["model_version"] == "annotations@abc123"
    assert "predictions" not in tasks[1]
    with pytest.raises(ValueError, match="model_version"):
        list(make_tasks([doc], {doc.doc_id: annotations}))


def by_id_and_control(results):
    return {(r["id"], r["from_name"]): r for r in results if r["type"] != "relation"}


def test_regions_carry_spans_labels_and_per_region_values(news):
    doc, annotations = news
    results = by_id_and_control(to_ls_results(annotations))
    blinken = results[("e-blinken", "entity")]
    assert blinken["value"]["labels"] == ["PERSON"]
    assert NEWS_TEXT[blinken["value"]["start"]:blinken["value"]["end"]] == "Antony Blinken" == blinken["value"]["text"]
    assert results[("e-blinken", "entity_id")]["value"] == {**{k: blinken["value"][k] for k in ("start", "end")},
                                                            "text": ["antony-blinken"]}
    assert ("e-assad", "entity_id") not in results  # no registry id, no empty value
    assert results[("t-lastyear", "timex_value")]["value"]["text"] == ["2023"]
    assert results[("t-lastyear", "timex_mod")]["value"]["choices"] == ["APPROX"]
    assert ("t-sunday", "timex_mod") not in results
    assert results[("q-sanctions", "quote_type")]["value"]["choices"] == ["direct"]
    assert results[("s-blinken", "speaker_id")]["value"]["text"] == ["antony-blinken"]
    assert results[("s-spokesperson", "attribution")]["value"]["labels"] == ["SOURCE"]
    assert results[("c-told", "attribution")]["value"]["labels"] == ["CUE"]


def test_relations_link_quotes_to_source_and_cue(news):
    _, annotations = news
    relations = [r for r in to_ls_results(annotations) if r["type"] == "relation"]
    assert [(r["from_id"], r["to_id"], r["labels"]) for r in relations] == [
        ("q-blinken", "s-blinken", ["said_by"]), ("q-blinken", "c-said", ["cue"]),
        ("q-sanctions", "s-spokesperson", ["said_by"]), ("q-sanctions", "c-told", ["cue"]),
    ]


def test_results_are_deterministic(news):
    _, annotations = news
    assert json.dumps(to_ls_results(annotations)) == json.dumps(to_ls_results(annotations))


def test_write_tasks_writes_a_json_list_atomically(tmp_path, news):
    doc, annotations = news
    path = tmp_path / "out" / "tasks.json"
    count = write_tasks(make_tasks([doc], {doc.doc_id: annotations}, "set-1"), path)
    assert count == 1
    loaded = json.loads(path.read_text())
    assert loaded[0]["data"]["doc_id"] == "doc-news"
    first = path.read_bytes()
    write_tasks(make_tasks([doc], {doc.doc_id: annotations}, "set-1"), path)
    assert path.read_bytes() == first  # same input, same bytes

    def failing():
        yield from make_tasks([doc])
        raise RuntimeError("interrupted")
    with pytest.raises(RuntimeError):
        write_tasks(failing(), path)
    assert path.read_bytes() == first  # the old file stays whole
    assert [p.name for p in path.parent.iterdir()] == ["tasks.json"]  # no temporary left behind


@pytest.mark.parametrize("kind", ["fifo", "symlink"])
def test_a_target_that_is_not_a_regular_file_is_refused_and_left_as_it_is(tmp_path, news, corpus_copy, kind):
    """An atomic write renames its file into place: over a device node or a FIFO it put a regular
    file in its stead (as root, /dev/full became a file), over a link it replaced the link."""
    import os
    import stat

    from click.testing import CliRunner

    from corpus_tools.cli import cli
    from corpus_tools.fsutil import NotRegularFile

    doc, annotations = news
    out = tmp_path / "out"
    out.mkdir()
    path = out / "tasks.json"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        (out / "elsewhere.json").write_text("[]")
        path.symlink_to(out / "elsewhere.json")
    with pytest.raises(NotRegularFile):
        write_tasks(make_tasks([doc], {doc.doc_id: annotations}, "set-1"), path)
    result = CliRunner().invoke(cli, ["labelstudio", "tasks", "-o", str(path), "--root", str(corpus_copy.root)])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1, result.output
    assert "not a regular file" in result.output and str(path) in result.output
    mode = os.lstat(path).st_mode
    assert stat.S_ISFIFO(mode) if kind == "fifo" else stat.S_ISLNK(mode)
    assert sorted(p.name for p in out.iterdir()) == (["tasks.json"] if kind == "fifo" else ["elsewhere.json", "tasks.json"])


WRITE_TASKS_STOPPED = """
import os, signal, sys
from corpus_tools.labelstudio.tasks import write_tasks
signal.signal(signal.SIGHUP, signal.SIG_DFL)  # as in a terminal, whatever the test runner inherited (nohup)
def tasks():
    yield {"data": {"doc_id": "first"}}
    os.kill(os.getpid(), signal.SIGSTOP)  # mid-write: the test kills it now
    yield {"data": {"doc_id": "second"}}
write_tasks(tasks(), sys.argv[1])
"""


@pytest.mark.parametrize("signal_name", ["SIGKILL", "SIGTERM", "SIGHUP"])
def test_the_temporary_of_a_write_killed_part_way_is_removed_by_the_next_write(tmp_path, signal_name):
    """A killed `labelstudio tasks -o X` left `.X.<random>.tmp` beside X for good (23 MB with
    predictions; a hunt): nothing knew whose it was. It is named with the writer's pid, and the
    next write of X removes it once that pid is gone, not a live writer's."""
    import os
    import signal
    import subprocess
    import sys

    path = tmp_path / "tasks.json"
    path.write_bytes(b"[]\n")
    writer = subprocess.Popen([sys.executable, "-c", WRITE_TASKS_STOPPED, str(path)], stderr=subprocess.PIPE)
    _, status = os.waitpid(writer.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), writer.stderr.read()
    writer.send_signal(getattr(signal, signal_name))
    writer.send_signal(signal.SIGCONT)  # a stopped process acts on SIGTERM and SIGHUP once continued
    writer.wait()
    assert writer.returncode == -getattr(signal, signal_name)
    left = [p.name for p in tmp_path.iterdir() if p.name != "tasks.json"]
    assert len(left) == 1 and left[0].startswith(f".tasks.json.{writer.pid}-"), left
    assert path.read_bytes() == b"[]\n"  # the old file stays whole
    live = tmp_path / f".tasks.json.{os.getpid()}-live.tmp"  # a writer still at work
    live.write_bytes(b"")
    assert write_tasks(iter([{"data": {"doc_id": "one"}}]), path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name, "tasks.json"]


def test_tasks_of_one_document_without_text_sha256_are_not_called_the_same_text():
    """Two hand-made tasks of one doc_id that give no text_sha256 were refused as tasks that "show
    the same text", which nothing says they do. (A task listing is data: ids and task data, as
    iter_tasks gives them.)"""
    from types import SimpleNamespace

    from corpus_tools.errors import CorpusError
    from corpus_tools.labelstudio.sync import DocumentTasks

    listing = [SimpleNamespace(id=7, data={"doc_id": "d1"}), SimpleNamespace(id=9, data={"doc_id": "d1"}),
               SimpleNamespace(id=11, data={"doc_id": "d2", "text_sha256": "ab"}),
               SimpleNamespace(id=12, data={"doc_id": "d2", "text_sha256": "ab"})]
    tasks = DocumentTasks(listing)
    for refuse, named, what in ((lambda: tasks.task_of("d1"), "d1", "give no text_sha256 to tell them apart (tasks 7, 9)"),
                                (lambda: tasks.refuse_duplicates({7, 9}), "d1",
                                 "give no text_sha256 to tell them apart (tasks 7, 9)"),
                                (lambda: tasks.task_of("d2", "ab"), "d2", "show the same text (tasks 11, 12)")):
        with pytest.raises(CorpusError) as caught:
            refuse()
        assert (caught.value.code, caught.value.message) == (
            "labelstudio-task-duplicate", f"2 tasks for doc {named!r} {what}: which one is meant is unknown; delete "
            "all but one in Label Studio")


def test_write_task_file_writes_the_corpus_s_tasks_as_the_command_does(corpus_copy, tmp_path):
    """labelstudio tasks, as a library call: a task per document, counted as each is written."""
    from click.testing import CliRunner

    from corpus_tools.cli import cli
    from corpus_tools.labelstudio.sync import task_inputs, write_task_file

    inputs = task_inputs(corpus_copy)
    seen: list[int] = []
    assert write_task_file(inputs, tmp_path / "tasks.json", seen.append) == len(inputs.documents) > 0
    assert seen == [1] * len(inputs.documents)
    written = json.loads((tmp_path / "tasks.json").read_bytes())
    assert [task["data"]["doc_id"] for task in written] == list(inputs.documents)
    done = CliRunner().invoke(cli, ["labelstudio", "tasks", "-o", str(tmp_path / "cli.json"), "--root",
                                    str(corpus_copy.root)])
    assert done.exit_code == 0 and (tmp_path / "cli.json").read_bytes() == (tmp_path / "tasks.json").read_bytes()


def test_what_push_says_of_a_push():
    from corpus_tools.labelstudio.sync import PushResult, push_line, push_notes

    result = PushResult(3, created=False, config_updated=True, imported=2, already_present=1, predicted=1,
                        removed_tasks={"006_13b7e5813f40efdc": 2}, notes=("what reading the corpus noted",))
    assert push_line(result) == "project 3 (config updated): imported 2 tasks, 1 already present"
    notes = push_notes(result, predictions=True)
    assert notes == [
        "what reading the corpus noted",
        "1 task already present got the prediction made now, of a model_version it held none of; no prediction or "
        "annotation already there was changed or deleted",
        "project 3 holds 2 tasks of 1 document removed from the corpus (006_13b7e5813f40efdc), which every ingest "
        "leaves out (doc-removed): delete them in Label Studio, or add the document back (corpus-tools add)"]
    assert push_notes(result, predictions=False) == [notes[0], notes[2]]
    assert push_notes(dataclasses.replace(result, already_present=2, predicted=0), predictions=True)[1] == (
        "0 tasks already present got the prediction made now, of a model_version they held none of; no prediction or "
        "annotation already there was changed or deleted")
    assert push_line(PushResult(4, True, False, 0, 0)) == "project 4 (created): imported 0 tasks, 0 already present"


def test_push_reads_nothing_of_the_corpus_before_it_holds_the_corpus_lock(corpus_copy, another_command_holds_the_lock):
    """push read the documents, the annotation set, the pre-annotations and the removed documents
    before taking the lock, so an add, remove or ingest finishing in between left them of other
    states of the corpus than the one it pushed under the lock. Refused by the lock, it has read
    nothing: no note of what it read, and nothing of the corpus indexed or cached in build/. (No
    server is asked: the lock refuses first.)"""
    from click.testing import CliRunner

    from corpus_tools.cli import cli

    another_command_holds_the_lock(corpus_copy)
    result = CliRunner().invoke(cli, ["labelstudio", "push", "--url", "http://127.0.0.1:9", "--api-key", "unused",
                                      "--root", str(corpus_copy.root), "--predictions", "--project", "locked"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: {corpus_copy.build / 'corpus.lock'}: [corpus-locked] another command is writing to this corpus "
        "(ingest, pid 1, since then); wait for it to finish, then run this one again"]
    assert sorted(path.name for path in corpus_copy.build.iterdir()) == ["corpus.lock"]


# Runs the command line in a process of its own and says, at exit, whether spaCy was imported:
# a module loaded by the pytest process itself must not count.
_SAYS_WHAT_IT_IMPORTED = """
import atexit, pathlib, sys
said = pathlib.Path(sys.argv.pop(1))
atexit.register(lambda: said.write_text(str(sorted(name for name in ("spacy", "spacy.pipeline") if name in sys.modules))))
from corpus_tools.cli import main
sys.argv[0] = "corpus-tools"
main()
"""


def _tasks_in_a_process(tmp_path, root, output):
    import os
    import subprocess
    import sys

    script, said = tmp_path / "tasks_saying_imports.py", tmp_path / f"{output.stem}.imports"
    script.write_text(_SAYS_WHAT_IT_IMPORTED)
    done = subprocess.run([sys.executable, str(script), str(said), "labelstudio", "tasks", "--predictions", "-o",
                           str(output), "--root", str(root)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    return said.read_text(), done.stdout + done.stderr


def test_tasks_with_predictions_load_the_pre_annotator_only_for_a_document_without_annotation(corpus_copy, tmp_path):
    """tasks --predictions imported spaCy and built the gazetteer (seconds) for a corpus whose
    every document has an annotation and so gets no pre-annotation; the file is the same bytes."""
    from corpus_tools.annotations.consolidate import load_chosen
    from corpus_tools.annotations.registry import load_registry
    from corpus_tools.documents.add import add_files
    from corpus_tools.documents.index import DocumentIndex
    from corpus_tools.ingest import stored_exports
    from corpus_tools.labelstudio.tasks import annotation_set_name

    documents = DocumentIndex(corpus_copy)
    chosen = load_chosen(corpus_copy, documents, load_registry(corpus_copy))
    assert set(chosen) == set(documents) and len(documents) == 7  # every document is annotated
    write_tasks(make_tasks(documents.values(), chosen,
                           annotation_set_name(stored.name for stored in stored_exports(corpus_copy))),
                tmp_path / "expected.json")
    imported, said = _tasks_in_a_process(tmp_path, corpus_copy.root, tmp_path / "all-annotated.json")
    assert imported == "[]" and "wrote 7 tasks" in said and "pre-annotations" not in said
    assert (tmp_path / "all-annotated.json").read_bytes() == (tmp_path / "expected.json").read_bytes()

    [added] = add_files(corpus_copy, [REPO / "tests" / "fixtures" / "articles" / "us-syria-aid-corridor.txt"])
    imported, said = _tasks_in_a_process(tmp_path, corpus_copy.root, tmp_path / "one-new.json")
    assert imported == "['spacy', 'spacy.pipeline']"
    assert "1 document without annotation gets pre-annotations; NER model: " in said
    tasks = json.loads((tmp_path / "one-new.json").read_bytes())
    [new] = [task for task in tasks if task["data"]["doc_id"] == added.record.doc_id]
    assert new["predictions"][0]["model_version"].startswith("corpus_tools-preannotate@")
    assert [task for task in tasks if task is not new] == json.loads((tmp_path / "expected.json").read_bytes())
