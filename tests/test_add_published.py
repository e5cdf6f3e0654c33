"""``corpus-tools add`` of bytes a release published: the same bytes are the same document.

A document removed from raw/ and added again got the next number (005_2cde5fe42a71d5e6 came back
as 007_2cde5fe42a71d5e6): its fold and designated split, functions of the doc_id, moved (fold 4
-> 0), a test article could come back in train, and the annotations stored under the old id no
longer attached. Found by a hunt. And it came back without what the corpus knew of it: its
invented-article evidence (which the card's caveats name) and its stated date, so a release made
again differed from 1.1.5 in its card and its documents config."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from corpus_tools.cli import cli
from corpus_tools.documents.add import NOT_GIVEN, add_files
from corpus_tools.documents.raw import check_raw, read_manifest
from corpus_tools.errors import CorpusError
from corpus_tools.layout import Layout
from corpus_tools.records import Evidence
from corpus_tools.release.splits import designated_split, fold_of
from corpus_tools.release.versions import list_versions

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "tests" / "fixtures" / "articles" / "us-syria-aid-corridor.txt"
REMOVED = "005_2cde5fe42a71d5e6"  # in every release from 1.1.0 on
LAST = "006_13b7e5813f40efdc"  # the highest number, in the same releases
PUBLISHED = tuple(version for version in list_versions(REPO / "dist") if version != "1.0.0")
LATEST = PUBLISHED[-1]
NAMED = f"{len(PUBLISHED)} releases, {PUBLISHED[0]} to {LATEST}"  # as the messages name them
NEXT = "{}.{}.{}".format(*LATEST.split(".")[:2], int(LATEST.split(".")[2]) + 1)  # a release after every committed one


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
    # the notes on stderr: stdout is a script's, one line per file and the count
    assert result.stderr.splitlines() == [
        f"note: the same bytes as {REMOVED} of {NAMED}: it keeps that doc_id, and with it its "
        "fold, its designated split and its stored annotations",
        f"note: from release {LATEST} (the latest to publish these bytes): encoding, title, "
        "publisher with its evidence, publication date with its precision and evidence"]
    assert [line.split(" -> ")[-1].split(":")[0] for line in result.stdout.splitlines()] == [
        f"raw/{REMOVED}.txt", f"added 1 file to {corpus.manifest}"]
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


def test_a_removed_document_added_again_in_other_bytes_is_refused_until_its_doc_id_is_given(corpus, tmp_path):
    """The same text in other bytes (saved again with CRLF) is the same document, as a copy of a
    document in the corpus is: it was added under a new number, its fold, split and stored
    annotations lost, and a release would have published it as a new document."""
    path = remove(corpus, REMOVED, tmp_path / "in" / "removed.txt")
    crlf = tmp_path / "in" / "crlf.txt"
    crlf.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert crlf.read_bytes() != path.read_bytes()
    before = snapshot(corpus)
    with pytest.raises(CorpusError) as refused:
        add_files(corpus, [crlf])
    assert (refused.value.code, refused.value.location.file) == ("published-doc-id", str(crlf))
    assert refused.value.message == (
        f"its text is one the releases published ({REMOVED} in {NAMED}), in other bytes (a byte-order mark, line "
        f"endings, spacing, boilerplate lines): the same document; give --doc-id {REMOVED} to keep its doc_id (its "
        "fold and designated split are functions of it, and its annotations are stored under it)")
    assert snapshot(corpus) == before
    [added] = add_files(corpus, [crlf], doc_id=REMOVED, invented="written for this repository as a test fixture")
    assert added.record.doc_id == REMOVED and published_fold(corpus, REMOVED) == fold_of(REMOVED)


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


def test_releases_that_published_the_bytes_under_two_doc_ids_are_refused_until_one_is_given(corpus, tmp_path):
    path = remove(corpus, REMOVED, tmp_path / "in" / "removed.txt")
    # what a release built after the fault did: it published 005's bytes under another doc_id
    release_like_latest(corpus, NEXT,
                        lambda table: set_cell(table, "doc_id", REMOVED, lambda _: "007_2cde5fe42a71d5e6"))
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


# What the corpus knew of a document comes back with its bytes: the metadata of the latest
# release that published them, unless an option gives it. Removing 005 and adding it again lost
# its invented-article evidence (the card's caveat names invented articles) and its stated date.

def removed_line(layout: Layout, doc_id: str) -> bytes:
    return next(line for line in layout.manifest.read_bytes().splitlines(keepends=True)
                if json.loads(line)["doc_id"] == doc_id)


def release_like_latest(layout: Layout, version: str, change) -> None:
    """A release ``version`` like the latest whose documents table is ``change(table)``, with its
    SHA256SUMS made anew (so it verifies)."""
    from corpus_tools.release.checksums import SUMS_FILE, sums_text, verify_release

    release = layout.dist / version
    shutil.copytree(layout.dist / LATEST, release)
    path = release / "data" / "documents" / "train-00000-of-00001.parquet"
    pq.write_table(change(pq.read_table(path)), path)
    (release / SUMS_FILE).write_text(sums_text(release))
    assert verify_release(release).valid


def set_cell(table, column: str, doc_id: str, change):
    """``table`` with the ``column`` of ``doc_id``'s row ``change(value)``."""
    import pyarrow as pa

    values = table.column(column).to_pylist()
    index = table.column("doc_id").to_pylist().index(doc_id)
    values[index] = change(values[index])
    field = table.schema.field(column)
    return table.set_column(table.column_names.index(column), field, pa.array(values, field.type))


def test_a_removed_document_added_again_gets_its_manifest_line_back_byte_for_byte(corpus, tmp_path):
    line = removed_line(corpus, REMOVED)
    assert b'"Invented article: ' in line and b'"August 19, 2022"' in line  # what was lost
    path = remove(corpus, REMOVED, tmp_path / "in" / "removed.txt")
    result = CliRunner().invoke(cli, ["add", "--root", str(corpus.root), str(path)])
    assert result.exit_code == 0, result.output
    assert corpus.manifest.read_bytes().splitlines(keepends=True)[-1] == line
    said = result.stdout.splitlines()
    assert said[0].endswith(f"(from release {LATEST}), publisher null, date '2022-08-19', an invented article")
    assert said[1] == f"added 1 file to {corpus.manifest}"
    assert result.stderr.splitlines()[1] == (
        f"note: from release {LATEST} (the latest to publish these bytes): encoding, title, "
        "publisher with its evidence, publication date with its precision and evidence")
    assert check_raw(corpus).valid


def test_a_given_value_wins_and_the_rest_comes_from_the_release(corpus, tmp_path):
    line = json.loads(removed_line(corpus, REMOVED))
    path = remove(corpus, REMOVED, tmp_path / "in" / "removed.txt")
    result = CliRunner().invoke(cli, ["add", "--root", str(corpus.root), str(path), "--date", "2022-08",
                                      "--date-evidence", "line 5"])
    assert result.exit_code == 0, result.output
    record = json.loads(corpus.manifest.read_bytes().splitlines()[-1])
    assert (record["publication_date"], record["publication_date_precision"]) == ("2022-08", "month")
    assert record["publication_date_evidence"] == {"kind": "stated", "line": 5, "quote": "August 19, 2022",
                                                   "reasoning": None}
    assert {key: value for key, value in record.items() if not key.startswith("publication_date")} == \
        {key: value for key, value in line.items() if not key.startswith("publication_date")}
    assert result.stderr.splitlines()[1] == (
        f"note: from release {LATEST} (the latest to publish these bytes): encoding, title, publisher with its "
        "evidence; given: publication date with its precision and evidence")
    assert "note:" not in result.stdout


def test_release_of_the_same_version_after_the_round_trip_is_unchanged(corpus, tmp_path):
    """The strongest check that nothing of the document was lost: the release made again from the
    corpus with 005 removed and added back (last in the manifest now) is byte for byte the latest release.
    annotations/ is copied as the release's input, as it is; nothing is compared with it."""
    from corpus_tools.version import __version__

    assert __version__ == LATEST  # the version the code releases is the latest in dist/
    shutil.copytree(REPO / "annotations", corpus.root / "annotations")
    path = remove(corpus, REMOVED, tmp_path / "in" / "removed.txt")
    assert CliRunner().invoke(cli, ["add", "--root", str(corpus.root), str(path)]).exit_code == 0
    result = CliRunner().invoke(cli, ["release", "--root", str(corpus.root)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith(f"release {LATEST} unchanged")


def test_the_latest_release_is_taken_and_a_column_it_lacks_is_not_filled_in(corpus, tmp_path):
    """A release made by older code may lack a column of the documents config (1.0.0 has no fold):
    the field stays as add sets it for new bytes; a date's precision follows from the date."""
    def older(table):
        table = set_cell(table, "title", REMOVED, lambda _: "US envoy returns")  # the latest release's title
        return table.drop_columns(["publisher_evidence", "publication_date_precision"])

    line = json.loads(removed_line(corpus, REMOVED))
    path = remove(corpus, REMOVED, tmp_path / "in" / "removed.txt")
    release_like_latest(corpus, NEXT, older)
    [added] = add_files(corpus, [path])
    record = added.record
    assert (added.release, dict(added.sources)) == (NEXT, {"encoding": "release", "title": "release",
                                                           "publisher": "rule", "publication_date": "release"})
    assert record.title == "US envoy returns" and added.title_rule == f"from release {NEXT}"
    assert (record.publisher, record.publisher_evidence) == (None, Evidence("none", reasoning=NOT_GIVEN))
    assert (record.publication_date, record.publication_date_precision) == ("2022-08-19", "day")
    assert asdict(record.publication_date_evidence) == line["publication_date_evidence"]


def test_an_encoding_the_release_published_that_reads_the_bytes_alike_comes_back(corpus, tmp_path):
    """005 is ASCII: cp1252 reads it as UTF-8 does, so a manifest saying cp1252 was true; an
    encoding that reads the bytes otherwise is not taken."""
    path = remove(corpus, REMOVED, tmp_path / "in" / "removed.txt")
    release_like_latest(corpus, NEXT, lambda table: set_cell(table, "raw_encoding", REMOVED, lambda _: "cp1252"))
    [added] = add_files(corpus, [path])
    assert (added.record.encoding, dict(added.sources)["encoding"]) == ("cp1252", "release")


def test_a_published_value_that_fails_the_checks_is_refused_and_a_given_one_replaces_it(corpus, tmp_path):
    def miscited(table):  # line 6 does not hold the date
        return set_cell(table, "publication_date_evidence", REMOVED, lambda evidence: {**evidence, "line": 6})

    path = remove(corpus, REMOVED, tmp_path / "in" / "removed.txt")
    release_like_latest(corpus, NEXT, miscited)
    before = snapshot(corpus)
    with pytest.raises(CorpusError) as refused:
        add_files(corpus, [path])
    assert refused.value.code == "metadata-invalid"
    assert refused.value.message.startswith("publication_date_evidence: line 6 of 005_2cde5fe42a71d5e6.txt does "
                                            "not contain the quote 'August 19, 2022'")
    assert refused.value.message.endswith(
        f"(the publication date with its precision and evidence of release {NEXT}, which published these bytes: give "
        "the value with its evidence to replace it)")  # only the value at fault: the title and publisher are not
    assert snapshot(corpus) == before  # nothing written
    [added] = add_files(corpus, [path], date="2022-08-19", date_evidence="line 5")
    assert dict(added.sources)["publication_date"] == "given"


def test_a_given_value_that_fails_the_checks_is_not_blamed_on_the_release(corpus, tmp_path):
    """The refusal named the release's title and publisher as the values to replace when the value
    at fault was the --date the user gave."""
    path = remove(corpus, REMOVED, tmp_path / "in" / "removed.txt")
    with pytest.raises(CorpusError) as refused:
        add_files(corpus, [path], date="2021", date_evidence="line 5")  # line 5 reads "August 19, 2022"
    assert refused.value.code == "metadata-invalid"
    assert refused.value.message.startswith("publication_date_evidence: the quote 'August 19, 2022' (line 5) does "
                                            "not state")
    assert "release" not in refused.value.message
    with pytest.raises(CorpusError) as refused:
        add_files(corpus, [path], date="2022-13", date_evidence="line 5")
    assert refused.value.message == "date '2022-13' is not YYYY, YYYY-MM or YYYY-MM-DD of the calendar"


def test_a_published_date_that_is_no_date_names_the_release(corpus, tmp_path):
    """A release without the precision column whose date is none of the calendar: the refusal
    did not say the date came from the release, nor how to replace it."""
    def undated(table):
        table = set_cell(table, "publication_date", REMOVED, lambda _: "2022-13")
        return table.drop_columns(["publication_date_precision"])

    path = remove(corpus, REMOVED, tmp_path / "in" / "removed.txt")
    release_like_latest(corpus, NEXT, undated)
    with pytest.raises(CorpusError) as refused:
        add_files(corpus, [path])
    assert refused.value.code == "metadata-invalid"
    assert refused.value.message == (
        f"date '2022-13' is not YYYY, YYYY-MM or YYYY-MM-DD of the calendar (the publication date with its precision "
        f"and evidence of release {NEXT}, which published these bytes: give the value with its evidence to replace it)")


def test_new_bytes_and_given_values_are_as_before(corpus):
    [added] = add_files(corpus, [ARTICLE], title="Given")
    assert (added.release, added.sources, added.title_rule) == (None, (), "given")
    assert added.record.publisher_evidence == Evidence("none", reasoning=NOT_GIVEN)


def test_a_release_row_without_its_doc_id_is_refused_naming_its_file_and_row(corpus, tmp_path):
    """A release's documents row with a null doc_id (a file changed with its SHA256SUMS): add read
    it with none of the rows' checks, as published "under None", and stopped at a TypeError
    traceback numbering new doc_ids. It is refused as every reader of a release refuses it."""
    release_like_latest(corpus, NEXT, lambda table: set_cell(table, "doc_id", LAST, lambda _: None))
    before = snapshot(corpus)
    with pytest.raises(CorpusError) as refused:
        add_files(corpus, [ARTICLE])
    path = corpus.dist / NEXT / "data" / "documents" / "train-00000-of-00001.parquet"
    row = [record.doc_id for record in read_manifest(corpus.manifest)].index(LAST)
    assert str(refused.value) == (
        f"{path}: [release-invalid] row {row}: doc_id is null, where every release has a value; add reuses the "
        "doc_id a release published the same bytes under, and cannot trust what this one says it published: "
        "restore it from where it was published, then add again")
    assert snapshot(corpus) == before
