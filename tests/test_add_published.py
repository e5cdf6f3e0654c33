"""``corpus-tools add`` of bytes a release published: the same bytes are the same document.

A document removed from raw/ and added again got the next number (005_2cde5fe42a71d5e6 came back
as 007_2cde5fe42a71d5e6): its fold and designated split, functions of the doc_id, moved (fold 4
-> 0), a test article could come back in train, and the annotations stored under the old id no
longer attached. Found by a hunt."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from corpus_tools.cli import cli
from corpus_tools.documents.add import add_files
from corpus_tools.documents.raw import check_raw, read_manifest
from corpus_tools.errors import CorpusError
from corpus_tools.layout import Layout
from corpus_tools.release.splits import designated_split, fold_of
from corpus_tools.release.versions import list_versions

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "tests" / "fixtures" / "articles" / "us-syria-aid-corridor.txt"
REMOVED = "005_2cde5fe42a71d5e6"  # in every release from 1.1.0 on
LAST = "006_13b7e5813f40efdc"  # the highest number, in the same releases
PUBLISHED = tuple(version for version in list_versions(REPO / "dist") if version != "1.0.0")
LATEST = PUBLISHED[-1]
NAMED = f"{len(PUBLISHED)} releases, {PUBLISHED[0]} to {LATEST}"  # as the messages name them
NEXT = f"1.1.{int(LATEST.split('.')[2]) + 1}"  # a release after every committed one


@pytest.fixture
def corpus(tmp_path: Path) -> Layout:
    """A copy of raw/ and the published releases in dist/ (annotations/ is not needed)."""
    for name in ("raw", "dist"):
        shutil.copytree(REPO / name, tmp_path / "corpus" / name)
    return Layout.at(tmp_path / "corpus")


def remove(layout: Layout, doc_id: str, keep: Path) -> Path:
    """Take a document out of the manifest and raw/ (as a user would), its bytes kept in ``keep``."""
    raw = layout.raw / f"{doc_id}.txt"
    keep.parent.mkdir(parents=True, exist_ok=True)
    keep.write_bytes(raw.read_bytes())
    raw.unlink()
    lines = layout.manifest.read_bytes().splitlines(keepends=True)
    layout.manifest.write_bytes(b"".join(line for line in lines if json.loads(line)["doc_id"] != doc_id))
    assert check_raw(layout).valid
    return keep


def snapshot(layout: Layout) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(layout.raw.iterdir())}


def published_fold(layout: Layout, doc_id: str) -> int:
    table = pq.read_table(layout.dist / LATEST / "data" / "documents" / "train-00000-of-00001.parquet")
    return table.column("fold").to_pylist()[table.column("doc_id").to_pylist().index(doc_id)]


def test_a_removed_document_added_again_keeps_its_published_doc_id_and_fold(corpus, tmp_path):
    path = remove(corpus, REMOVED, tmp_path / "in" / "removed.txt")
    result = CliRunner().invoke(cli, ["add", "--root", str(corpus.root), str(path)])
    assert result.exit_code == 0, result.output
    record = read_manifest(corpus.manifest)[-1]
    assert (record.doc_id, record.file) == (REMOVED, f"{REMOVED}.txt")
    assert result.output.splitlines()[1] == (
        f"note: the same bytes as {REMOVED} of {NAMED}: it keeps that doc_id, and with it its "
        "fold, its designated split and its stored annotations")
    # what the doc_id decides is what was published, not what 007_... would have got (fold 0)
    assert published_fold(corpus, REMOVED) == fold_of(record.doc_id) == 4
    assert fold_of("007_2cde5fe42a71d5e6") == 0
    assert designated_split(record.doc_id) == designated_split(REMOVED)
    assert check_raw(corpus).valid and len(read_manifest(corpus.manifest)) == 7


def test_several_files_new_and_published_in_one_call(corpus, tmp_path):
    """Files are numbered in SHA-256 order: a new file before the published one took 006, the
    number the releases gave the other (two documents numbered 006)."""
    path = remove(corpus, LAST, tmp_path / "in" / "last.txt")
    last_sha = hashlib.sha256(path.read_bytes()).hexdigest()
    data = next(data for n in range(1000) if hashlib.sha256(
        data := ARTICLE.read_bytes() + f"\nCopy {n}.\n".encode()).hexdigest() < last_sha)  # numbered first
    new_path = tmp_path / "in" / "new.txt"
    new_path.write_bytes(data)
    added = add_files(corpus, [path, new_path])
    sha = hashlib.sha256(data).hexdigest()
    assert [(item.record.doc_id, item.published) for item in added] == [(f"007_{sha[:16]}", ()), (LAST, PUBLISHED)]
    assert [record.doc_id for record in read_manifest(corpus.manifest)][-2:] == [f"007_{sha[:16]}", LAST]
    assert check_raw(corpus).valid


def test_a_new_article_after_the_last_document_was_removed_gets_a_number_no_release_used(corpus, tmp_path):
    remove(corpus, LAST, tmp_path / "in" / "last.txt")
    [added] = add_files(corpus, [ARTICLE])
    sha = hashlib.sha256(ARTICLE.read_bytes()).hexdigest()
    assert added.record.doc_id == f"007_{sha[:16]}"  # not 006_..., which the releases published for other bytes


def test_a_doc_id_other_than_the_published_one_is_refused_and_the_published_one_accepted(corpus, tmp_path):
    path = remove(corpus, REMOVED, tmp_path / "in" / "removed.txt")
    before = snapshot(corpus)
    with pytest.raises(CorpusError) as refused:
        add_files(corpus, [path], doc_id="900_renamed")
    assert refused.value.code == "published-doc-id" and refused.value.location.file == str(path)
    assert refused.value.message.startswith(
        f"these bytes were published as {REMOVED} ({REMOVED} in {NAMED}); a document keeps "
        "its doc_id")
    assert snapshot(corpus) == before  # nothing written
    [added] = add_files(corpus, [path], doc_id=REMOVED)
    assert (added.record.doc_id, added.published) == (REMOVED, PUBLISHED)


def test_a_release_that_fails_verification_is_not_trusted_and_nothing_is_added(corpus, tmp_path):
    path = remove(corpus, REMOVED, tmp_path / "in" / "removed.txt")
    changelog = corpus.dist / "1.1.2" / "CHANGELOG.md"
    changelog.write_bytes(changelog.read_bytes() + b"edited\n")
    before = snapshot(corpus)
    for paths in ([path], [ARTICLE]):  # any add: the release cannot say which bytes it published
        with pytest.raises(CorpusError) as refused:
            add_files(corpus, paths)
        assert refused.value.code == "release-tampered" and refused.value.location.file == str(changelog)
        assert refused.value.message.startswith("release 1.1.2 fails verification: ")
        assert refused.value.message.endswith("add reuses the doc_id a release published the same bytes under, and "
                                              "cannot trust what this one says it published: restore it from where "
                                              "it was published, then add again")
        assert snapshot(corpus) == before


def publish_under(layout: Layout, version: str, old: str, new: str) -> None:
    """A release ``version`` like the latest whose documents config lists ``old``'s bytes as ``new``,
    with its SHA256SUMS made anew (so it verifies): what a release built after the fault did."""
    from corpus_tools.release.checksums import SUMS_FILE, sums_text, verify_release

    release = layout.dist / version
    shutil.copytree(layout.dist / LATEST, release)
    path = release / "data" / "documents" / "train-00000-of-00001.parquet"
    table = pq.read_table(path)
    ids = [new if doc_id == old else doc_id for doc_id in table.column("doc_id").to_pylist()]
    table = table.set_column(table.column_names.index("doc_id"), "doc_id", [ids])
    pq.write_table(table, path)
    (release / SUMS_FILE).write_text(sums_text(release))
    assert verify_release(release).valid


def test_releases_that_published_the_bytes_under_two_doc_ids_are_refused_until_one_is_given(corpus, tmp_path):
    path = remove(corpus, REMOVED, tmp_path / "in" / "removed.txt")
    publish_under(corpus, NEXT, REMOVED, "007_2cde5fe42a71d5e6")
    before = snapshot(corpus)
    with pytest.raises(CorpusError) as refused:
        add_files(corpus, [path])
    assert refused.value.code == "published-doc-id"
    assert refused.value.message == (
        f"the releases published these bytes under 2 doc_ids ({REMOVED} in {NAMED}; "
        f"007_2cde5fe42a71d5e6 in release {NEXT}): give --doc-id, one of them, to say which the document keeps")
    assert snapshot(corpus) == before
    [added] = add_files(corpus, [path], doc_id="007_2cde5fe42a71d5e6")
    assert (added.record.doc_id, added.published) == ("007_2cde5fe42a71d5e6", (NEXT,))


def test_the_published_doc_id_held_by_a_replacement_is_refused_as_taken(corpus, tmp_path):
    """Replacing a document's raw file (removed, new bytes added with --doc-id of its id) is
    allowed; the old bytes then cannot come back under that id."""
    path = remove(corpus, REMOVED, tmp_path / "in" / "removed.txt")
    replacement = tmp_path / "in" / "corrected.txt"
    replacement.write_bytes(b"US envoy returns from Gulf talks\n\nA corrected text of the article.\n")
    [added] = add_files(corpus, [replacement], doc_id=REMOVED)
    assert (added.record.doc_id, added.published) == (REMOVED, ())
    before = snapshot(corpus)
    with pytest.raises(CorpusError) as refused:
        add_files(corpus, [path])
    assert refused.value.code == "duplicate-doc-id"
    assert refused.value.message == (f"doc_id {REMOVED!r} is taken, by other bytes: the releases published these "
                                     "bytes under it, and its raw file has been replaced since")
    assert snapshot(corpus) == before


def test_a_copy_without_dist_knows_no_release_and_numbers_on(corpus, tmp_path):
    """As documented: without the releases, only --doc-id keeps a removed document's id."""
    shutil.rmtree(corpus.dist)
    path = remove(corpus, REMOVED, tmp_path / "in" / "removed.txt")
    [added] = add_files(corpus, [path])
    assert (added.record.doc_id, added.published) == ("007_2cde5fe42a71d5e6", ())
