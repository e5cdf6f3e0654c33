"""Who an annotator is across Label Studio servers: annotations/annotators.jsonl
(corpus_tools.annotations.annotators) and the accounts ``labelstudio pull`` records with each
stored export. The server-side half (pull lists the server's users) is in
tests/test_labelstudio_roundtrip.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import export_corpus
from corpus_tools.annotations.annotators import load_annotators
from corpus_tools.annotations.consolidate import AnnotationIndex, load_annotation_set
from corpus_tools.errors import CorpusError
from corpus_tools.ingest import ingest, stored_exports

EXPORT = Path(__file__).resolve().parent / "fixtures" / "agreement" / "two-annotators.json"


def _export(tmp_path: Path, name: str, day: str) -> Path:
    """The two-annotator fixture (users 1 and 2 on doc-a and doc-b), saved again on ``day``."""
    tasks = json.loads(EXPORT.read_text(encoding="utf-8"))
    for task in tasks:
        for annotation in task["annotations"]:
            annotation["updated_at"] = f"2026-11-{day}" + annotation["updated_at"][10:]
    path = tmp_path / name
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


def _ingest(layout, path: Path, users=None):
    result = ingest(path, layout, export_corpus.documents(), export_corpus.registry(), users=users)
    assert result.status == "stored", [str(problem) for problem in result.report]
    return result


def _annotators_of(layout, doc_id: str) -> list[str]:
    index = AnnotationIndex(layout, export_corpus.documents(), export_corpus.registry())
    return sorted(annotator for doc, annotator in zip(index.versions["doc_id"].to_pylist(),
                                                      index.versions["annotator"].to_pylist()) if doc == doc_id)


def test_a_new_servers_user_ids_are_not_taken_for_the_earlier_annotators(tmp_path):
    """A fresh server numbers its users from 1 again: there, user 1 is a new person and user 2 is
    the first server's user 1. By user id alone, agreement would see two annotators of doc-a."""
    layout = export_corpus.corpus_root(tmp_path / "corpus")
    first = _ingest(layout, _export(tmp_path, "first.json", "20"), {"1": "ann@example.org", "2": "bob@example.org",
                                                                    "9": "admin@example.org"})
    assert first.notes == ("annotator 1 is the account ann@example.org (added to annotations/annotators.jsonl)",
                           "annotator 2 is the account bob@example.org (added to annotations/annotators.jsonl)")
    second = _ingest(layout, _export(tmp_path, "second.json", "21"), {"1": "carol@example.org",
                                                                      "2": "Ann@Example.org"})
    assert second.notes == ("annotator 3 is the account carol@example.org (added to annotations/annotators.jsonl)",)
    assert layout.annotators.read_text(encoding="utf-8") == (
        '{"email":"ann@example.org","id":"1"}\n{"email":"bob@example.org","id":"2"}\n'
        '{"email":"carol@example.org","id":"3"}\n')
    # only those who annotated in an export are recorded with it (the admin is not)
    records = [json.loads((stored.directory / "ingest.json").read_text()) for stored in stored_exports(layout)]
    assert [record["users"] for record in records] == [{"1": "ann@example.org", "2": "bob@example.org"},
                                                       {"1": "carol@example.org", "2": "Ann@Example.org"}]
    assert _annotators_of(layout, "doc-a") == ["1", "2", "3"]
    # the records say so too (what agreement, adjudication and a release read)
    annotation_set = load_annotation_set(layout, export_corpus.documents(), export_corpus.registry())
    first_name, second_name = (stored.name for stored in stored_exports(layout))
    assert {(version.provenance.export_file, version.provenance.annotator)
            for version in annotation_set.versions["doc-a"]} == {(second_name, "1"), (first_name, "2"),
                                                                 (second_name, "3")}


def test_user_ids_of_an_export_stored_without_accounts_are_not_given_to_new_people(tmp_path):
    layout = export_corpus.corpus_root(tmp_path / "corpus")
    _ingest(layout, _export(tmp_path, "file.json", "20"))  # ingested from a file: users 1 and 2 by id alone
    assert not layout.annotators.exists()
    _ingest(layout, _export(tmp_path, "pulled.json", "21"), {"1": "ann@example.org", "2": "dan@example.org"})
    assert [annotator.id for annotator in load_annotators(layout).values()] == ["3", "4"]
    assert _annotators_of(layout, "doc-a") == ["1", "2", "3", "4"]


def test_a_line_added_by_hand_says_who_an_id_stored_without_accounts_is(tmp_path):
    layout = export_corpus.corpus_root(tmp_path / "corpus")
    _ingest(layout, _export(tmp_path, "file.json", "20"))
    layout.annotators.write_text('{"email": "ann@example.org", "id": "1"}\n', encoding="utf-8")
    result = _ingest(layout, _export(tmp_path, "pulled.json", "21"), {"1": "ann@example.org", "2": "dan@example.org"})
    assert result.notes == ("annotator 3 is the account dan@example.org (added to annotations/annotators.jsonl)",)
    assert _annotators_of(layout, "doc-a") == ["1", "2", "3"]


@pytest.mark.parametrize(("lines", "message"), [
    ('{"email": "ann@example.org", "id": "1"}\n{"email": "ANN@example.org", "id": "2"}\n',
     "line 2: email 'ANN@example.org' is already on an earlier line"),
    ('{"email": "ann@example.org", "id": "1"}\n{"email": "bob@example.org", "id": "1"}\n',
     "line 2: id '1' is already on an earlier line"),
    ('{"email": "ann@example.org", "id": 1}\n', "line 1: annotator id 1 must be a positive whole number"),
    ('{"email": "ann", "id": "1"}\n', "line 1: email 'ann' is not an email address"),
    ('{"email": "ann@example.org", "id": "1", "name": "Ann"}\n', 'line 1: expected {"email": ..., "id": ...}'),
    ('{"email": "ann@example.org",\n', "line 1: not JSON"),
])
def test_a_bad_line_is_refused_with_its_line(tmp_path, lines, message):
    layout = export_corpus.corpus_root(tmp_path / "corpus")
    layout.annotators.write_text(lines, encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        load_annotators(layout)
    assert caught.value.code == "annotators-invalid"
    line, reason = message.split(": ", 1)
    assert str(caught.value).startswith(f"{layout.annotators}, {line}: [annotators-invalid] {reason}"), \
        str(caught.value)


def test_an_account_the_file_lost_is_refused_naming_the_stored_export(tmp_path):
    layout = export_corpus.corpus_root(tmp_path / "corpus")
    _ingest(layout, _export(tmp_path, "pulled.json", "20"), {"1": "ann@example.org", "2": "bob@example.org"})
    layout.annotators.write_text('{"email":"ann@example.org","id":"1"}\n', encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        AnnotationIndex(layout, export_corpus.documents(), export_corpus.registry())
    stored = stored_exports(layout)[0]
    assert caught.value.code == "annotator-unregistered"
    assert str(caught.value).startswith(f"{stored.directory / 'ingest.json'}: [annotator-unregistered] user 2 of this export is the account "
                                        "bob@example.org, which annotations/annotators.jsonl does not list"), \
        str(caught.value)


def test_a_damaged_record_of_accounts_is_refused_naming_it(tmp_path):
    layout = export_corpus.corpus_root(tmp_path / "corpus")
    result = _ingest(layout, _export(tmp_path, "pulled.json", "20"), {"1": "ann@example.org", "2": "bob@example.org"})
    record_path = result.stored_as.directory / "ingest.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record_path.write_text(json.dumps({**record, "users": {"1": ["ann@example.org"]}}), encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        AnnotationIndex(layout, export_corpus.documents(), export_corpus.registry())
    assert caught.value.code == "stored-export-invalid" and str(caught.value).startswith(f"{record_path}: ")


def test_the_committed_annotators_are_round_twos_accounts(corpus_copy):
    """Who users 2, 3 and 4 of the committed exports are: annotator-1 submitted round 1 and two
    documents of round 2, annotator-2 and annotator-3 the seven of round 2 (their worksheets in
    annotations/worksheets/round-2 are those users' annotations)."""
    assert {email: annotator.id for email, annotator in load_annotators(corpus_copy).items()} == {
        "annotator-1@corpus-tools.local": "2", "annotator-2@corpus-tools.local": "3",
        "annotator-3@corpus-tools.local": "4"}
