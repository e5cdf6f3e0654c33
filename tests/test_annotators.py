"""Who an annotator is across Label Studio servers: annotations/annotators.jsonl
(corpus_tools.annotations.annotators) and the accounts ``labelstudio pull`` records beside each
stored export. With two real servers: tests/test_labelstudio_adjudicate.py."""

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


def _export(tmp_path: Path, name: str, day: str, database: str = "", indent: int | None = None) -> Path:
    """The two-annotator fixture (users 1 and 2 on doc-a and doc-b), saved again on ``day``; with
    Label Studio's unique_ids of ``database`` when given."""
    tasks = json.loads(EXPORT.read_text(encoding="utf-8"))
    for task in tasks:
        for annotation in task["annotations"]:
            annotation["updated_at"] = f"2026-11-{day}" + annotation["updated_at"][10:]
            if database:
                annotation["unique_id"] = f"{database}-{annotation['id']}"
    path = tmp_path / name
    path.write_text(json.dumps(tasks, indent=indent), encoding="utf-8")
    return path


def _server(users: dict[str, str]):
    """What ``labelstudio pull`` asks a server: the email of each user id it knows."""
    return lambda user_ids: {user_id: users[user_id] for user_id in user_ids if user_id in users}


def _ingest(layout, path: Path, users=None, status: str = "stored"):
    result = ingest(path, layout, export_corpus.documents(), export_corpus.registry(),
                    accounts=None if users is None else _server(users))
    assert result.status == status, [str(problem) for problem in result.report]
    return result


def _accounts(stored) -> dict | None:
    path = stored.directory / "accounts.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


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
    assert [_accounts(stored) for stored in stored_exports(layout)] == [
        {"1": "ann@example.org", "2": "bob@example.org"}, {"1": "carol@example.org", "2": "Ann@Example.org"}]
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
    ('{"email": "ann\\u001b[2J@example.org", "id": "1"}\n',
     "line 1: email 'ann\\x1b[2J@example.org' is not an email address"),
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
    assert str(caught.value).startswith(f"{stored.directory / 'accounts.json'}: [annotator-unregistered] user 2 of this export is the account "
                                        "bob@example.org, which annotations/annotators.jsonl does not list"), \
        str(caught.value)


def test_a_damaged_record_of_accounts_is_refused_naming_it(tmp_path):
    layout = export_corpus.corpus_root(tmp_path / "corpus")
    result = _ingest(layout, _export(tmp_path, "pulled.json", "20"), {"1": "ann@example.org", "2": "bob@example.org"})
    path = result.stored_as.directory / "accounts.json"
    path.write_text(json.dumps({"1": ["ann@example.org"]}), encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        AnnotationIndex(layout, export_corpus.documents(), export_corpus.registry())
    assert caught.value.code == "stored-export-invalid" and str(caught.value).startswith(f"{path}: ")


@pytest.mark.parametrize("how", ["stored", "already-stored", "nothing-new"])
def test_a_pull_records_the_accounts_of_an_export_ingested_from_a_file_of_its_database(tmp_path, how):
    """`pull --no-ingest`, then `ingest FILE`: the export is stored by user id. A later pull of the
    project (new work, the same bytes, or the same annotations) says who those ids are."""
    layout = export_corpus.corpus_root(tmp_path / "corpus")
    layout.annotators.write_text('{"email":"someone@example.org","id":"2"}\n', encoding="utf-8")
    from_file = _ingest(layout, _export(tmp_path, "file.json", "20", database="db1"))
    assert from_file.notes == ("its annotators are known by Label Studio user id alone, and "
                               "annotations/annotators.jsonl names people by the corpus's ids: until `labelstudio "
                               "pull` of its project records their accounts, its user N is taken for the corpus's "
                               "annotator N (docs/agreement.md, \"Who an annotator is\")",)
    assert _annotators_of(layout, "doc-a") == ["1", "2"]  # user 2 taken for someone@: what the note says
    pulled = {"stored": _export(tmp_path, "later.json", "21", database="db1"),
              "already-stored": tmp_path / "file.json",
              "nothing-new": _export(tmp_path, "same.json", "20", database="db1", indent=1)}[how]
    result = _ingest(layout, pulled, {"1": "ann@example.org", "2": "bob@example.org"}, status=how)
    first = stored_exports(layout)[0]
    assert _accounts(first) == {"1": "ann@example.org", "2": "bob@example.org"}
    assert result.notes[-3:] == (
        "annotator 1 is the account ann@example.org (added to annotations/annotators.jsonl)",
        "annotator 3 is the account bob@example.org (added to annotations/annotators.jsonl)",
        f"recorded the accounts of stored export {first.name}'s annotators: it holds annotations of this "
        "export's database")
    assert _annotators_of(layout, "doc-a") == ["1", "3"]


def test_an_export_of_another_database_does_not_record_accounts_for_a_stored_one(tmp_path):
    layout = export_corpus.corpus_root(tmp_path / "corpus")
    first = _ingest(layout, _export(tmp_path, "file.json", "20", database="db1")).stored_as
    _ingest(layout, _export(tmp_path, "other.json", "21", database="db2"),
            {"1": "cy@example.org", "2": "di@example.org"})
    assert _accounts(first) is None
    assert [annotator.id for annotator in load_annotators(layout).values()] == ["3", "4"]


@pytest.mark.parametrize(("users", "message"), [
    ({"1": "ann@example.org"}, "user(s) 2 annotated in this export or in a stored export of its database, but the "
                               "server names no account for them"),
    ({"1": "ann@example.org", "2": ""}, "the account of user 2 has no email address ('')"),
    ({"1": "ann@example.org", "2": "ANN@example.org"}, "users 1 and 2 are the accounts ann@example.org and "
                                                       "ANN@example.org, which differ only in the case"),
])
def test_accounts_that_cannot_say_who_someone_is_refuse_the_pull_and_nothing_is_written(tmp_path, users, message):
    layout = export_corpus.corpus_root(tmp_path / "corpus")
    path = _export(tmp_path, "pulled.json", "20", database="db1")
    with pytest.raises(CorpusError) as caught:
        ingest(path, layout, export_corpus.documents(), export_corpus.registry(), accounts=_server(users))
    assert caught.value.code == "annotator-account-invalid"
    assert str(caught.value).startswith(f"{path}: [annotator-account-invalid] {message}"), str(caught.value)
    assert stored_exports(layout) == [] and not layout.annotators.exists()
    assert not layout.exports.exists()  # not even the store's directory, made for the staging one


def test_the_committed_annotators_are_round_twos_accounts(corpus_copy):
    """Who users 2, 3 and 4 of the committed exports are: annotator-1 submitted round 1 and two
    documents of round 2, annotator-2 and annotator-3 the seven of round 2 (their worksheets in
    annotations/worksheets/round-2 are those users' annotations)."""
    assert {email: annotator.id for email, annotator in load_annotators(corpus_copy).items()} == {
        "annotator-1@corpus-tools.local": "2", "annotator-2@corpus-tools.local": "3",
        "annotator-3@corpus-tools.local": "4"}


@pytest.mark.parametrize("by_account", [False, True])
def test_the_cards_agreed_by_says_what_the_ids_are(tmp_path, by_account):
    """Label Studio user ids (every release up to 1.1.3, whose cards stay byte for byte) until an
    export's accounts are recorded; then the corpus's ids."""
    from corpus_tools.annotations.adjudicate import ReleaseProvenance
    from corpus_tools.release.card_fields import AGREED_BY_ACCOUNTS, data_fields_section

    layout = export_corpus.corpus_root(tmp_path / "corpus")
    _ingest(layout, _export(tmp_path, "pulled.json", "20"),
            {"1": "ann@example.org", "2": "bob@example.org"} if by_account else None)
    provenance = ReleaseProvenance(AnnotationIndex(layout, export_corpus.documents(), export_corpus.registry()))
    list(provenance.stream([]))
    quality = provenance.quality()
    assert quality.annotators_by_account is by_account
    fields = data_fields_section(by_account=quality.annotators_by_account)
    described = "the annotators (Label Studio user ids) whose own version of the document has exactly this unit"
    assert (AGREED_BY_ACCOUNTS in fields, described in fields) == (by_account, not by_account)
