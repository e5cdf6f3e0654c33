"""Removing a document from the corpus (``corpus-tools remove``, corpus_tools.documents.remove).

A document with stored annotations could not leave the corpus: with its raw file and manifest
record deleted (the only way there was), every later release, agreement, adjudicate and lint
refused for ever (``doc-unknown`` for its tasks in the append-only annotations/exports/). Now a
task of a document the removal record lists, and the manifest does not, is left out with a
``doc-removed`` warning; a doc_id never in the corpus is still an error."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from corpus_tools.cli import cli
from corpus_tools.documents import remove as remove_module
from corpus_tools.documents.raw import check_raw
from corpus_tools.errors import CorpusError
from corpus_tools.layout import Layout
from corpus_tools.release import inputs

from conftest import plant_staging
from test_raw import with_marks

REPO = Path(__file__).resolve().parent.parent
LATEST = "1.2.1"  # the committed releases' latest, which the corpus_copy's annotations built
GONE = "006_13b7e5813f40efdc"  # annotated by three annotators in the stored exports 000002 and 000003
GONE_SHA256 = "13b7e5813f40efdc6b6a0fc0b4490a2be460e28ac68dba937c1852e49c540b27"
REASON = "takedown request from the publisher"
GONE_LINE = f'{{"doc_id": "{GONE}", "sha256": "{GONE_SHA256}", "reason": "{REASON}"}}\n'  # remove's record of it
STORED = "000003-f9815378c7bb3ee1"  # the stored export holding GONE's task (task 7)
NOTE = (f"the export holds 1 task of 1 document removed from the corpus ({GONE}), which every ingest leaves out "
        "(doc-removed): delete it in Label Studio, or add the document back (corpus-tools add)")


@pytest.fixture
def corpus(corpus_copy: Layout) -> Layout:
    """The corpus with its releases in dist/ (the latest is the previous release of the next one;
    each card and CHANGELOG.md tell what changed since the one before)."""
    shutil.copytree(REPO / "dist", corpus_copy.dist)
    return corpus_copy


def run(layout: Layout, *args: str):
    return CliRunner().invoke(cli, [*args, "--root", str(layout.root)])


def remove_by_hand(layout: Layout, recorded: bool = True) -> None:
    """What removing GONE was before `remove`: its raw file and manifest line deleted; and, when
    ``recorded``, its removal recorded as `remove` records it."""
    (layout.raw / f"{GONE}.txt").unlink()
    lines = layout.manifest.read_bytes().splitlines(keepends=True)
    layout.manifest.write_bytes(b"".join(line for line in lines if json.loads(line)["doc_id"] != GONE))
    if recorded:
        record(layout, {"doc_id": GONE, "sha256": GONE_SHA256, "reason": REASON})


def record(layout: Layout, *lines: dict) -> None:
    with open(layout.removed_documents, "a", encoding="utf-8") as handle:
        handle.writelines(json.dumps(line) + "\n" for line in lines)


def new_export_of_gone(layout: Layout, path: Path, doc_id: str = GONE) -> Path:
    """A new export at ``path``: GONE's stored task, as ``doc_id``, its annotations with new ids."""
    [task] = [task for task in json.loads((layout.exports / STORED / "export.json").read_bytes())
              if task["data"]["doc_id"] == GONE]
    task["data"]["doc_id"] = doc_id
    for number, annotation in enumerate(task["annotations"]):
        annotation["id"], annotation["unique_id"] = 9000 + number, f"new-{number}"
    path.write_text(json.dumps([task]))
    return path


def release_as(layout: Layout, version: str, monkeypatch):
    monkeypatch.setattr(inputs, "__version__", version)  # the next version, as version.py will say
    return run(layout, "release")


def released_doc_ids(layout: Layout, version: str) -> list[str]:
    files = sorted((layout.dist / version / "data" / "documents").glob("*.parquet"))
    return sorted(doc_id for path in files for doc_id in pq.read_table(path, columns=["doc_id"])["doc_id"].to_pylist())


def test_a_removed_document_s_tasks_are_left_out_and_release_agreement_lint_adjudicate_run(corpus, monkeypatch):
    remove_by_hand(corpus, recorded=False)
    refused = run(corpus, "agreement")
    assert refused.exit_code == 1 and f"doc {GONE}: error [doc-unknown]" in refused.output  # no record: unknown
    record(corpus, {"doc_id": GONE, "sha256": GONE_SHA256, "reason": REASON})
    for command in (["agreement"], ["lint"], ["adjudicate", "--strategy", "majority"]):
        result = run(corpus, *command)
        assert result.exit_code == 0, (command, result.output)
        assert GONE not in result.output.replace(f"{GONE}:", "")  # lint names its stale acceptances only
    assert "6 documents compared" in run(corpus, "agreement").output
    result = release_as(corpus, "1.3.0", monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"release 1.3.0 built {corpus.dist / '1.3.0'} (13 files)"
    assert released_doc_ids(corpus, "1.3.0") == sorted(set(released_doc_ids(corpus, LATEST)) - {GONE})
    for config in ("entities", "timexes", "quotes"):
        rows = pq.read_table(next((corpus.dist / "1.3.0" / "data" / config).glob("*.parquet")), columns=["doc_id"])
        assert rows.num_rows and GONE not in rows["doc_id"].to_pylist()
    diff = run(corpus, "diff", LATEST, "1.3.0")
    assert diff.exit_code == 0 and diff.output.splitlines()[1] == "documents: 1 removed"
    assert diff.output.splitlines()[-1].endswith("by the version rule this needs a minor version")
    # the card says why (until 1.2.0 it named the document removed and no reason)
    card = (corpus.dist / "1.3.0" / "README.md").read_text(encoding="utf-8")
    assert ("\n\nDocuments removed from the corpus, with the reason the removal record "
            f"(annotations/removed-documents.jsonl) gives:\n\n- `{GONE}`: `{REASON}`\n") in card


def test_a_patch_version_after_a_removal_is_refused_by_the_version_rule_before_the_stored_exports_are_read(
        corpus, monkeypatch):
    """The removal is in the doc_ids and the previous release: the refusal came only after the
    stored exports were checked again (here their units tables made for the first time), every
    document written and every one compared with 1.2.1. release says it, and builds nothing."""
    remove_by_hand(corpus)
    monkeypatch.setattr(inputs, "__version__", "1.2.2")
    asked = []
    with pytest.raises(CorpusError) as caught:
        inputs.release(corpus, rechecking=lambda total: asked.append(("rechecking", total)),
                       writing=lambda total: asked.append(("writing", total)),
                       comparing=lambda total: asked.append(("comparing", total)))
    assert (caught.value.code, caught.value.location.doc_id) == ("version-bump-too-small", GONE)
    assert caught.value.message.startswith(f"release 1.2.2 is a patch version after 1.2.1, but documents: 1 "
                                           f"removed (first: {GONE} ")
    assert caught.value.message.endswith("needs a minor version: set corpus_tools/version.py to 1.3.0 (the version "
                                         "rule: docs/release.md)")
    assert asked == [] and not (corpus.build / "units").exists()  # no export checked, no document written
    assert sorted(path.name for path in corpus.dist.iterdir()) == sorted(path.name for path in (REPO / "dist").iterdir())
    result = release_as(corpus, "1.2.2", monkeypatch)
    assert result.exit_code == 1 and f"[version-bump-too-small] {caught.value.message}" in result.output
    assert not (corpus.dist / "1.2.2").exists()


def test_validate_and_ingest_warn_of_a_removed_document_s_task_and_leave_it_out_and_refuse_an_unknown_one(corpus,
                                                                                                           tmp_path):
    remove_by_hand(corpus, recorded=False)
    record(corpus, {"doc_id": GONE, "sha256": "0" * 64, "reason": "an older removal"},
           {"doc_id": GONE, "sha256": GONE_SHA256, "reason": REASON})  # the latest reason is the one said
    stored = corpus.exports / STORED / "export.json"
    warning = (f"{stored.name}, task 7, doc {GONE}: warning [doc-removed] doc_id {GONE!r} was removed from the "
               f"corpus (reason: {REASON!r}): the task is left out")
    result = run(corpus, "validate", str(stored), "--verbose")
    assert result.exit_code == 0 and warning in result.output.splitlines(), result.output
    # a new export holding a task of the removed document: stored, that task left out and listed so
    result = run(corpus, "ingest", str(new_export_of_gone(corpus, tmp_path / "new.json")), "--verbose")
    assert result.exit_code == 0 and "stored as" in result.output, result.output
    assert f"new.json, task 7, doc {GONE}: warning [doc-removed]" in result.output
    [ingested] = sorted(corpus.exports.glob("000004-*"))
    excluded = json.loads((ingested / "ingest.json").read_bytes())["excluded"]
    assert [(item["scope"], item["code"], item["doc_id"]) for item in excluded] == [("task", "doc-removed", GONE)]
    # a doc_id never in the corpus is still refused
    result = run(corpus, "ingest", str(new_export_of_gone(corpus, tmp_path / "unknown.json", "099_0123456789abcdef")))
    assert result.exit_code == 1
    assert ("unknown.json, task 7, doc 099_0123456789abcdef: error [doc-unknown] doc_id '099_0123456789abcdef' is "
            "not a document of this corpus") in result.output.splitlines()
    assert not list(corpus.exports.glob("000005-*"))


def test_ingest_and_validate_say_in_one_line_that_the_export_holds_tasks_of_removed_documents_and_json_in_notes(
        corpus, tmp_path):
    """push and pull said in one line how many tasks of removed documents there were and what to do;
    ingest of an export file (the committed corpus's three were ingested so) gave only the count of
    doc-removed warnings, with no doc_id and no next step, and so did validate of the same file.
    ingest --json had the note in ``notes``; validate --json, which says the same note on stderr,
    had no such key: a script read it from one command and not the other."""
    assert run(corpus, "remove", GONE, "--reason", REASON).exit_code == 0
    new = new_export_of_gone(corpus, tmp_path / "new.json")
    result = run(corpus, "ingest", str(new))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == f"note: {NOTE}"
    assert "  1  warning  doc-removed" in result.stdout.splitlines()
    assert result.stdout.splitlines()[-1].startswith("stored as annotations/exports/000004-")
    again = json.loads(run(corpus, "ingest", str(new), "--json").stdout)
    assert (again["status"], again["notes"][0]) == ("already-stored", NOTE)
    stored = corpus.exports / STORED / "export.json"
    result = run(corpus, "validate", str(stored))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [f"note: {NOTE}"]
    assert "  1  warning  doc-removed" in result.stdout.splitlines()
    assert result.stdout.splitlines()[-1].startswith("valid (")
    result = run(corpus, "validate", str(stored), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert list(report) == ["notes", "valid", "stats", "problems"] and report["notes"] == [NOTE]
    # the JSON report lists each task's warning, which the note only sums up
    assert [problem["location"]["doc_id"] for problem in report["problems"] if problem["code"] == "doc-removed"] == [
        GONE]
    # ingest --json: the same key and line, after what ingest did
    ingested = json.loads(run(corpus, "ingest", str(stored), "--json").stdout)
    assert list(ingested)[-4:] == ["notes", "valid", "stats", "problems"]
    assert ingested["notes"][0] == report["notes"][0]
    # an export with nothing to note: an empty list, not a missing key
    other = corpus.exports / "000001-882325b53d0adc18" / "export.json"
    assert json.loads(run(corpus, "validate", str(other), "--json").stdout)["notes"] == []


def test_recording_a_removal_rebuilds_the_units_tables_and_the_document_added_again_counts_again(corpus, tmp_path):
    """The record is an input of the units tables' fingerprint: tables checked when the document
    was gone but not recorded as removed (doc-unknown) are not served once it is. Added again, the
    document counts again, and the release is the published one."""
    article = tmp_path / "in" / "article.txt"
    article.parent.mkdir()
    article.write_bytes((corpus.raw / f"{GONE}.txt").read_bytes())
    remove_by_hand(corpus, recorded=False)
    assert run(corpus, "lint").exit_code == 1  # its tables made, with doc-unknown errors
    record(corpus, {"doc_id": GONE, "sha256": GONE_SHA256, "reason": REASON})
    result = run(corpus, "lint")  # the units tables of the removal, made
    assert result.exit_code == 0 and "doc-unknown" not in result.output, result.output
    added = run(corpus, "add", str(article))
    assert added.exit_code == 0 and f"-> raw/{GONE}.txt" in added.output, added.output
    assert "7 documents compared" in run(corpus, "agreement").output
    result = run(corpus, "release")  # the same version: the same bytes, so "unchanged"
    assert result.exit_code == 0 and result.output.splitlines()[-1].startswith(f"release {LATEST} unchanged"), \
        result.output


@pytest.mark.parametrize(("text", "command", "said"), [
    pytest.param(GONE_LINE + json.dumps({"doc_id": GONE, "sha256": "abc"}) + "\n", ["agreement"],
                 "line 2: [removals-invalid] a removal record has exactly the string fields doc_id, sha256, reason; "
                 "this line has doc_id, sha256", id="agreement-reads-a-record-with-no-reason"),
    pytest.param("not json\n", ["remove", GONE, "--reason", REASON], "line 1: [removals-invalid] not JSON: "
                 "expected ident", id="remove-would-append-to-a-record-not-json"),
])
def test_a_removal_record_that_is_not_one_is_refused_naming_its_line_and_nothing_is_written(corpus, text, command,
                                                                                            said):
    corpus.removed_documents.write_text(text)
    assert refused(corpus, *command) == f"Error: {corpus.removed_documents}, {said}"


# --- corpus-tools remove ------------------------------------------------------------------------


def snapshot(layout: Layout) -> dict[str, bytes]:
    """raw/ and the removal record, byte for byte (hidden names too: a staging left behind)."""
    files = {path.name: path.read_bytes() for path in sorted(layout.raw.iterdir()) if path.is_file()}
    files.update({path.name + "/": b"" for path in layout.raw.iterdir() if path.is_dir()})
    if layout.removed_documents.exists():
        files[layout.removed_documents.name] = layout.removed_documents.read_bytes()
    return files


def refused(layout: Layout, *args: str) -> str:
    """The last line of a command that must fail (exit 1) and leave raw/ and the record as they were."""
    before = snapshot(layout)
    result = run(layout, *args)
    assert result.exit_code == 1, result.output
    assert snapshot(layout) == before
    return result.output.splitlines()[-1]


def test_remove_deletes_the_raw_file_and_record_and_records_why_then_the_release_lacks_it(corpus, monkeypatch):
    lines = corpus.manifest.read_bytes().splitlines(keepends=True)
    result = run(corpus, "remove", GONE, "--reason", f"  {REASON} ")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"removed {GONE}: raw/{GONE}.txt (sha256 {GONE_SHA256}) and its manifest record",
        f"recorded 1 removal in {corpus.removed_documents}"]
    assert not (corpus.raw / f"{GONE}.txt").exists()
    assert corpus.manifest.read_bytes() == b"".join(line for line in lines if GONE.encode() not in line)
    assert corpus.removed_documents.read_bytes() == GONE_LINE.encode()
    assert check_raw(corpus).valid and not list(corpus.raw.glob(".remove-*"))
    for command in (["agreement"], ["lint"]):
        assert run(corpus, *command).exit_code == 0, command
    result = release_as(corpus, "1.3.0", monkeypatch)
    assert result.exit_code == 0, result.output
    assert released_doc_ids(corpus, "1.3.0") == sorted(set(released_doc_ids(corpus, LATEST)) - {GONE})


def test_remove_of_several_documents_appends_in_doc_id_order_whatever_order_they_are_named_in(corpus,
                                                                                                tmp_path_factory):
    record(corpus, {"doc_id": "099_0123456789abcdef", "sha256": "1" * 64, "reason": "an earlier removal"})
    before = corpus.removed_documents.read_bytes()
    other = Layout.at(shutil.copytree(corpus.root, tmp_path_factory.mktemp("other") / "corpus"))
    assert run(other, "remove", "003_840a8be26e4ddaa5", GONE, "--reason", "off-topic").exit_code == 0
    sha256s = {json.loads(line)["doc_id"]: json.loads(line)["sha256"] for line in corpus.manifest.read_bytes().splitlines()}
    result = run(corpus, "remove", GONE, "003_840a8be26e4ddaa5", "--reason", "off-topic")  # named out of order
    assert result.exit_code == 0, result.output
    assert corpus.removed_documents.read_bytes() == before + (
        f'{{"doc_id": "003_840a8be26e4ddaa5", "sha256": "{sha256s["003_840a8be26e4ddaa5"]}", "reason": "off-topic"}}\n'
        f'{{"doc_id": "{GONE}", "sha256": "{GONE_SHA256}", "reason": "off-topic"}}\n').encode()
    assert [line.split(":")[0] for line in result.output.splitlines()[:2]] == [
        "removed 003_840a8be26e4ddaa5", f"removed {GONE}"]
    assert sorted(path.name for path in corpus.raw.glob("*.txt")) == sorted(
        f"{doc_id}.txt" for doc_id in sha256s if doc_id not in (GONE, "003_840a8be26e4ddaa5"))
    assert check_raw(corpus).valid
    assert corpus.removed_documents.read_bytes() == other.removed_documents.read_bytes()
    assert corpus.manifest.read_bytes() == other.manifest.read_bytes()


BLANK_REASON = ("Error: [remove-reason-invalid] no reason given (--reason), or a blank one: the removal record says "
                "why each document left the corpus (a publisher's takedown request, an off-topic or duplicate article)")
NOT_ONE_LINE = ("Error: [remove-reason-invalid] the reason holds a line break, a control character or a bidirectional "
                "embedding, override or isolate: it is one line of text")


@pytest.mark.parametrize(("args", "said"), [
    (["099_0123456789abcdef", "--reason", REASON], "Error: {manifest}, doc 099_0123456789abcdef: [doc-unknown] "
     "doc_id '099_0123456789abcdef' is not a document of this corpus (raw/manifest.jsonl does not list it)"),
    ([GONE, "003_840a8be26e4ddaa5", GONE, "--reason", REASON],
     f"Error: doc {GONE}: [remove-doc-twice] doc_id '{GONE}' is named twice"),
    ([GONE], BLANK_REASON),
    ([GONE, "--reason", " \t "], BLANK_REASON),
    ([GONE, "--reason", "takedown\x1b[2J"], NOT_ONE_LINE),
    ([GONE, "--reason", "takedown\nrequest"], NOT_ONE_LINE),
    ([GONE, "--reason", "takedown request\u2028"], NOT_ONE_LINE),  # one line by str.splitlines, so let through
    ([], "Error: [remove-input-missing] no doc_id to remove, and no killed remove to finish"),
])
def test_a_refused_remove_is_one_line_and_writes_nothing(corpus, args, said):
    assert refused(corpus, "remove", *args) == said.format(manifest=corpus.manifest)


# What each command that takes a doc_id names before its one-line refusal of an unknown one.
WHERE = {"remove": "{manifest}, doc {doc_id}: ", "preannotate": "doc {doc_id}: ", "normalize": "{manifest}: "}
DOC_COMMANDS = [["remove", "--reason", REASON], ["preannotate", "--ner", "none", "--doc"], ["normalize", "--doc"]]


@pytest.mark.parametrize(("removed_first", "command", "doc_id", "why"), [
    # a removed document: preannotate and normalize --doc said only "no document ... in the corpus"
    *[pytest.param(True, command, GONE, f": it was removed already (removed-documents.jsonl gives the reason "
                   f"'{REASON}')", id=f"{command[0]}-a-removed-document") for command in DOC_COMMANDS],
    # typed with capitals (check-raw refuses two that differ only in case, so there is at most one
    # such document): refused as unknown with no hint of the one meant
    *[pytest.param(False, command, GONE.upper(), f" (raw/manifest.jsonl does not list it; it lists '{GONE}', which "
                   "differs only in case)", id=f"{command[0]}-a-document-in-another-case") for command in DOC_COMMANDS],
    # a removed document's doc_id typed with capitals got the plain "does not list it"
    *[pytest.param(True, command, GONE.upper(), f" (raw/manifest.jsonl does not list it; '{GONE}', which differs only "
                   f"in case, was removed already: removed-documents.jsonl gives the reason '{REASON}')",
                   id=f"{command[0]}-a-removed-document-in-another-case") for command in DOC_COMMANDS],
])
def test_a_doc_id_not_in_the_corpus_is_refused_in_one_line_saying_why(corpus, removed_first, command, doc_id, why):
    if removed_first:
        assert run(corpus, "remove", GONE, "--reason", REASON).exit_code == 0
    assert refused(corpus, *command, doc_id) == "Error: " + WHERE[command[0]].format(manifest=corpus.manifest,
                                                                                     doc_id=doc_id) \
        + f"[doc-unknown] doc_id '{doc_id}' is not a document of this corpus{why}"


def test_remove_refuses_while_another_command_holds_the_corpus_lock(corpus, another_command_holds_the_lock):
    another_command_holds_the_lock(corpus)
    before = snapshot(corpus)
    result = run(corpus, "remove", GONE, "--reason", REASON)
    assert result.exit_code == 1 and "[corpus-locked] another command is writing to this corpus (ingest, pid 1, " \
        "since then)" in result.output
    assert snapshot(corpus) == before


@pytest.mark.parametrize("with_record", [False, True])
def test_a_failure_before_the_commit_leaves_everything_as_it_was(corpus, monkeypatch, with_record):
    if with_record:
        record(corpus, {"doc_id": "099_0123456789abcdef", "sha256": "1" * 64, "reason": "an earlier removal"})
    before = snapshot(corpus)
    real = os.rename

    def refuse_the_manifest(source, target, *args, **kwargs):
        if Path(target) == corpus.manifest:
            raise OSError(28, "No space left on device", str(target))
        return real(source, target, *args, **kwargs)

    monkeypatch.setattr(remove_module.os, "rename", refuse_the_manifest)
    with pytest.raises(OSError):
        remove_module.remove_documents(corpus, [GONE], REASON)
    monkeypatch.undo()
    assert snapshot(corpus) == before  # the record put back (or absent again), no staging left


def _killed_remove(layout: Layout, tmp_path: Path, committed: bool) -> Path:
    """What a remove of GONE killed before (or after) its commit leaves: its staging, named by a
    pid that names no process, and the record (and, after, the manifest) it replaced. The states
    are made by a remove done whole in a copy, as the module's order of writes says."""
    reference = Layout.at(tmp_path / "reference")
    shutil.copytree(layout.raw, reference.raw)
    shutil.copytree(layout.annotations, reference.annotations)
    assert run(reference, "remove", GONE, "--reason", REASON).exit_code == 0
    killed, running = plant_staging(layout.raw, ".remove-")
    shutil.rmtree(running)
    shutil.rmtree(killed / "data")
    (killed / "removing.json").write_text(json.dumps({"doc_ids": [GONE], "files": [f"{GONE}.txt"],
                                                      "record_existed": False}))
    shutil.copy(reference.removed_documents, layout.removed_documents)
    shutil.copy(reference.manifest, layout.manifest if committed else killed / "manifest.jsonl")
    return killed


def test_a_remove_killed_before_its_commit_is_undone_by_the_next(corpus, tmp_path):
    before = snapshot(corpus)
    killed = _killed_remove(corpus, tmp_path, committed=False)
    assert check_raw(corpus).valid  # the manifest still lists the document: it is one
    result = run(corpus, "remove")
    assert (result.exit_code, result.output) == (0, "finished 1 remove that was killed\n")
    assert snapshot(corpus) == before and not killed.exists()


def test_a_remove_killed_after_its_commit_is_named_by_check_raw_and_finished_by_the_next(corpus, tmp_path):
    killed = _killed_remove(corpus, tmp_path, committed=True)
    [problem] = check_raw(corpus).problems
    assert (problem.code, problem.message) == (
        "raw-unlisted", f"raw file is not in the manifest: a remove was killed before it deleted it (its plan is in "
        f"raw/{killed.name}); `corpus-tools remove` with no doc_id finishes it")
    # the next remove (of another document) finishes it first
    result = run(corpus, "remove", "003_840a8be26e4ddaa5", "--reason", "off-topic")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "finished 1 remove that was killed"
    assert not (corpus.raw / f"{GONE}.txt").exists() and not killed.exists() and check_raw(corpus).valid
    assert [json.loads(line)["doc_id"] for line in corpus.removed_documents.read_bytes().splitlines()] == [
        GONE, "003_840a8be26e4ddaa5"]


@pytest.mark.parametrize("plan", ['{"doc_ids": ["x"], "files": ["x.txt"]', '{"doc_ids": ["x"], "files": "x.txt", '
                                  '"record_existed": false}', '{"files": ["x.txt"], "record_existed": "no"}'])
def test_a_killed_remove_s_plan_changed_by_hand_is_refused_and_nothing_is_changed(corpus, tmp_path, plan):
    killed = _killed_remove(corpus, tmp_path, committed=False)
    (killed / "removing.json").write_text(plan)
    before = snapshot(corpus)
    result = run(corpus, "remove")
    assert (result.exit_code, result.output) == (1, (
        f"Error: {killed / 'removing.json'}: [remove-plan-unreadable] a killed remove's plan is not a JSON object "
        "with 'files' (a list of names) and 'record_existed' (true or false); a remove writes it whole, so it was "
        "changed: put its staging directory back as the remove left it\n"))
    assert snapshot(corpus) == before and killed.exists()


def test_a_remove_killed_anywhere_leaves_the_corpus_removed_or_not_once_finished(corpus):
    """SIGKILLed from outside as soon as its staging appears (or when it ended first); the next
    `remove` with no doc_id sets right whatever it left."""
    before = snapshot(corpus)
    process = subprocess.Popen([sys.executable, "-m", "corpus_tools.cli", "remove", GONE, "--reason", REASON,
                                "--root", str(corpus.root)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300  # guards against a hung remove; not a timing test
    while process.poll() is None and time.monotonic() < deadline and not list(corpus.raw.glob(".remove-*")):
        time.sleep(0.001)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert run(corpus, "remove").exit_code in (0, 1)  # 1: nothing was left to finish
    after = snapshot(corpus)
    assert not any(name.startswith(".") for name in after) and check_raw(corpus).valid
    if after != before:  # the kill came after the commit: removed whole
        assert f"{GONE}.txt" not in after and json.loads(after["removed-documents.jsonl"])["doc_id"] == GONE


def test_a_corpus_every_document_was_removed_from_is_not_started_over_once_its_raw_is_lost(tmp_path):
    """A corpus with no stored export and no release whose documents were all removed: with raw/
    gone (the empty manifest deleted, raw/ not restored), `add --root` took it for a new corpus and
    started one, as if the removal record beside it named no document of it."""
    article = tmp_path / "article.txt"
    article.write_bytes(b"Syria talks resume\n\nThe talks resumed on Monday.\n")
    (tmp_path / "corpus").mkdir()
    layout = Layout.at(tmp_path / "corpus")
    assert run(layout, "add", str(article)).exit_code == 0
    [doc_id] = [json.loads(line)["doc_id"] for line in layout.manifest.read_bytes().splitlines()]
    assert run(layout, "remove", doc_id, "--reason", REASON).exit_code == 0
    shutil.rmtree(layout.raw)
    before = layout.removed_documents.read_bytes()
    result = run(layout, "add", str(article))
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: {layout.manifest}: [manifest-missing] no manifest and no raw file, but "
        "annotations/removed-documents.jsonl records documents removed from it: the corpus had documents, and its "
        "raw/ is lost; restore it (from git: `git checkout -- raw/`); `corpus-tools add` starts a corpus only where "
        "there was none")
    assert layout.removed_documents.read_bytes() == before and not layout.raw.exists()


def test_a_document_no_release_published_removed_keeps_its_number_and_its_doc_id_and_its_bytes_are_refused_once_replaced(
        corpus, tmp_path):
    """An article added (as document 007) and removed before any release. add numbered new bytes
    after the highest number in the manifest and the releases: the next article got its number.
    README: added again (the same bytes), a removed document is a document again, with its doc_id
    and annotations; only bytes a release published kept theirs: these got the next number, so the
    tasks stored under its doc_id stayed doc-removed. Removed again and its doc_id given to a
    replacement, add of the removed bytes said only "doc_id ... is taken", a doc_id never given."""
    first, other = tmp_path / "first.txt", tmp_path / "other.txt"
    first.write_bytes(b"Syria talks resume\n\nThe talks resumed on Monday.\n")
    other.write_bytes(b"Aid convoy reaches Idlib\n\nThe convoy arrived on Tuesday.\n")
    assert run(corpus, "add", str(first)).exit_code == 0
    record_line = corpus.manifest.read_bytes().splitlines(keepends=True)[-1]
    doc_id = f"007_{hashlib.sha256(first.read_bytes()).hexdigest()[:16]}"
    assert json.loads(record_line)["doc_id"] == doc_id
    assert run(corpus, "remove", doc_id, "--reason", "off-topic").exit_code == 0
    result = run(corpus, "add", str(other))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith(
        f"{other} -> raw/008_{hashlib.sha256(other.read_bytes()).hexdigest()[:16]}.txt: ")
    result = run(corpus, "add", str(first))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith(f"{first} -> raw/{doc_id}.txt: ")
    assert corpus.manifest.read_bytes().splitlines(keepends=True)[-1] == record_line
    assert run(corpus, "remove", doc_id, "--reason", "replaced by a corrected text").exit_code == 0
    replacement = tmp_path / "replacement.txt"
    replacement.write_bytes(b"Syria talks resume\n\nThe talks resumed on Monday in Geneva.\n")
    assert run(corpus, "add", str(replacement), "--doc-id", doc_id).exit_code == 0
    assert refused(corpus, "add", str(first)) == (
        f"Error: {first}: [duplicate-doc-id] doc_id '{doc_id}' is taken, by other bytes: these bytes were removed "
        "under it (annotations/removed-documents.jsonl), and its raw file has been replaced since; --doc-id adds "
        "them as another document")


def test_a_remove_killed_after_its_commit_keeps_its_line_when_the_document_was_added_again_since(corpus, tmp_path):
    """Killed after its commit and after deleting the raw file (before its staging went): the
    corpus checks clean, and the document can be added again. The next remove took the document,
    listed again, for a sign that the killed one never committed, and put the record back as it
    was before it: the removal it had recorded was lost from the append-only record."""
    killed = _killed_remove(corpus, tmp_path, committed=True)
    (corpus.raw / f"{GONE}.txt").unlink()
    assert check_raw(corpus).valid
    assert run(corpus, "add", str(REPO / "raw" / f"{GONE}.txt")).exit_code == 0
    recorded = corpus.removed_documents.read_bytes()
    result = run(corpus, "remove")
    assert (result.exit_code, result.output) == (0, "finished 1 remove that was killed\n")
    assert corpus.removed_documents.read_bytes() == recorded == GONE_LINE.encode()
    assert (corpus.raw / f"{GONE}.txt").read_bytes() == (REPO / "raw" / f"{GONE}.txt").read_bytes()
    assert not killed.exists() and check_raw(corpus).valid


def test_lint_keeps_the_acceptances_of_a_removed_document_rather_than_calling_them_stale(corpus):
    """lint listed the reviewed acceptances of a removed document as stale ("no longer a
    candidate; remove the line"): removed as told, they were lost when the document came back
    with its annotations, and its candidates were unexplained again. Kept, they were counted as
    "kept for documents nobody annotated now", which a removed document is not: counted apart."""
    assert run(corpus, "remove", GONE, "--reason", REASON).exit_code == 0
    result = run(corpus, "lint")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "0 unexplained candidates, 9 explained, 0 stale acceptances; 3 acceptances kept for documents removed from "
        "the corpus"]
    assert json.loads(run(corpus, "lint", "--json").stdout)["counts"] == {
        "unexplained": 0, "explained": 9, "stale": 0, "unchecked": 0, "removed": 3, "annotation_errors": 0}
    assert run(corpus, "add", str(REPO / "raw" / f"{GONE}.txt")).exit_code == 0
    assert run(corpus, "lint").output.splitlines() == ["0 unexplained candidates, 12 explained, 0 stale acceptances"]


def test_remove_takes_out_a_document_check_raw_refuses_for_its_run_of_combining_marks(corpus):
    """check-raw refuses a raw file with more than 30 combining marks in a row (raw-combining-run,
    a file added before add refused it), so every command refuses the corpus, and remove, which
    wants a corpus that checks clean, refused it too: a raw file is never edited, so nothing could
    take the document out. remove takes that document out; another is still refused, naming the
    problem, and nothing is written."""
    marked = "001_d79359122f2d4c78"
    with_marks(corpus, marked, 31)
    assert refused(corpus, "remove", GONE, "--reason", REASON) == (
        f"Error: {corpus.raw / (marked + '.txt')}, byte 3846, doc {marked}: [raw-combining-run] 31 combining marks in "
        "a row (more than the 30 of Unicode's stream-safe text format; normalization takes time quadratic in such a "
        "run): not an article's text; a raw file is never edited: take the document out with corpus-tools remove")
    result = run(corpus, "remove", marked, "--reason", "a run of 31 combining marks: not an article's text")
    assert result.exit_code == 0, result.output
    assert not (corpus.raw / f"{marked}.txt").exists() and check_raw(corpus).valid
    assert json.loads(corpus.removed_documents.read_text().splitlines()[-1])["doc_id"] == marked
