"""corpus.DocumentIndex: the lazy Mapping the commands use; same documents as load_documents,
each built only when asked, the whole raw corpus still checked before anything is used."""

from __future__ import annotations

import json

import pytest

from corpus_tools.documents.index import DocumentIndex, load_documents
from corpus_tools.errors import CorpusError

from conftest import COMMITTED_DOC_IDS

DOC_IDS = list(COMMITTED_DOC_IDS)  # the committed corpus (a copy of it), in manifest order


def test_index_holds_the_same_documents_as_load_documents(corpus_copy):
    index, loaded = DocumentIndex(corpus_copy), load_documents(corpus_copy)
    assert list(index) == list(loaded) == DOC_IDS
    assert len(index) == len(DOC_IDS)
    for doc_id in DOC_IDS:
        assert index[doc_id] == loaded[doc_id]
    assert index.get("nope") is None
    assert "nope" not in index and DOC_IDS[2] in index
    with pytest.raises(KeyError):
        index["nope"]


def test_documents_come_in_doc_id_order_whatever_the_manifest_s(corpus_copy, tmp_path):
    """Manifest order made the task file differ between two checkouts of the same corpus."""
    from click.testing import CliRunner

    from corpus_tools.cli import cli

    def tasks(name):
        result = CliRunner().invoke(cli, ["labelstudio", "tasks", "--predictions", "--root", str(corpus_copy.root),
                                          "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        return (tmp_path / name).read_bytes()

    before = tasks("before.json")
    lines = corpus_copy.manifest.read_bytes().splitlines(keepends=True)
    corpus_copy.manifest.write_bytes(b"".join(lines[3:] + lines[:3]))
    assert list(DocumentIndex(corpus_copy)) == list(load_documents(corpus_copy)) == sorted(DOC_IDS)
    assert tasks("after.json") == before


def test_opening_checks_the_whole_raw_corpus(corpus_copy):
    (corpus_copy.raw / f"{DOC_IDS[4]}.txt").write_bytes(b"changed")
    with pytest.raises(CorpusError) as caught:
        DocumentIndex(corpus_copy)
    assert caught.value.code == "raw-size-mismatch"
    assert caught.value.location.file.endswith(f"{DOC_IDS[4]}.txt")


def test_opening_refuses_unlisted_raw_files(corpus_copy):
    (corpus_copy.raw / "extra.txt").write_text("not in the manifest")
    with pytest.raises(CorpusError) as caught:
        DocumentIndex(corpus_copy)
    assert caught.value.code == "raw-unlisted"


def test_access_reads_only_the_asked_documents_file(corpus_copy):
    index = DocumentIndex(corpus_copy)
    for doc_id in DOC_IDS[1:]:
        (corpus_copy.raw / f"{doc_id}.txt").unlink()  # gone: only document 0 can still be read
    document = index[DOC_IDS[0]]
    assert document.doc_id == DOC_IDS[0] and document.text
    with pytest.raises(CorpusError) as caught:
        index[DOC_IDS[1]]
    assert caught.value.code == "raw-missing"
    assert DOC_IDS[1] in index  # membership touches no file


def test_an_index_serves_the_corpus_as_checked_at_opening(corpus_copy):
    """A file changed after opening: its normalization stored for the checked bytes is served
    (the index is a snapshot); without one, reading the changed file is caught."""
    index = DocumentIndex(corpus_copy, cache_size=1)
    before = index[DOC_IDS[3]]
    index[DOC_IDS[0]]  # evicts document 3 from the cache of one
    raw = corpus_copy.raw / f"{DOC_IDS[3]}.txt"
    raw.write_bytes(raw.read_bytes().replace(b"e", b"E", 1))
    assert index[DOC_IDS[3]] == before
    raw.write_bytes(raw.read_bytes().replace(b"E", b"e", 1))  # back as checked, to open another index
    uncached = DocumentIndex(corpus_copy, cache_size=1, normalized_cache=False)
    raw.write_bytes(raw.read_bytes().replace(b"e", b"E", 1))
    with pytest.raises(CorpusError) as caught:
        uncached[DOC_IDS[3]]
    assert caught.value.code == "raw-sha256-mismatch"


@pytest.mark.parametrize("changed", ["doc_id", "raw key"])
def test_a_manifest_line_changed_since_opening_is_refused(corpus_copy, changed):
    """Each lookup reads its manifest line again: one that names another doc_id, or the same
    doc_id with another raw key, is refused, not served as the document checked at opening."""
    index = DocumentIndex(corpus_copy)
    doc_id = DOC_IDS[1]
    manifest = corpus_copy.manifest.read_bytes()
    line = manifest.splitlines()[1]
    record = json.loads(line)
    if changed == "doc_id":
        other = doc_id[:-1] + ("0" if doc_id[-1] != "0" else "1")
        edited = line.replace(doc_id.encode(), other.encode())  # its doc_id and file name
        now = f"{other!r} with raw key {record['sha256']}:{record['encoding']}"
    else:
        sha256 = ("0" if record["sha256"][0] != "0" else "1") + record["sha256"][1:]
        edited = line.replace(record["sha256"].encode(), sha256.encode())
        now = f"{doc_id!r} with raw key {sha256}:{record['encoding']}"
    assert len(edited) == len(line) and edited != line
    corpus_copy.manifest.write_bytes(manifest.replace(line, edited))
    with pytest.raises(CorpusError) as caught:
        index[doc_id]
    assert caught.value.code == "manifest-changed" and caught.value.location.line == 2
    assert caught.value.message == (f"the manifest changed while it was in use (line 2 is now {now}, was "
                                    f"{doc_id!r} with raw key {record['sha256']}:{record['encoding']}): "
                                    "run the command again")

def test_cached_documents_are_the_same_object(corpus_copy):
    """The last ``cache_size`` documents looked up are kept; the least recently used goes first."""
    index = DocumentIndex(corpus_copy, cache_size=2)
    assert index[DOC_IDS[2]] is index[DOC_IDS[2]]
    kept = index[DOC_IDS[2]]
    index[DOC_IDS[0]]
    assert index[DOC_IDS[2]] is kept  # two kept, and document 2 now the most recently used
    index[DOC_IDS[1]]  # evicts document 0, not 2
    assert index[DOC_IDS[2]] is kept


def test_a_pickled_index_is_opened_again_and_refused_if_the_manifest_changed(corpus_copy):
    """How a DocumentIndex reaches ingest's spawned workers: as its corpus root and digest."""
    import pickle

    index = DocumentIndex(corpus_copy)
    data = pickle.dumps(index)
    again = pickle.loads(data)
    assert list(again) == DOC_IDS and again.digest == index.digest
    assert again[DOC_IDS[1]] == index[DOC_IDS[1]]
    # the raw corpus is not checked again on arrival; a raw file read there still is
    raw = corpus_copy.raw / f"{DOC_IDS[4]}.txt"
    raw.write_bytes(raw.read_bytes().replace(b"e", b"E", 1))
    arrived = pickle.loads(data)
    with pytest.raises(CorpusError) as caught:
        arrived[DOC_IDS[4]]
    assert caught.value.code == "raw-sha256-mismatch"
    manifest = corpus_copy.manifest
    manifest.write_bytes(manifest.read_bytes() + b"\n")  # a blank line: the same records, another manifest
    with pytest.raises(CorpusError, match="manifest-changed"):
        pickle.loads(data)


def test_a_pickled_index_carries_no_document_and_checks_again_if_its_raw_index_is_gone(corpus_copy):
    """Workers read the one raw index in build/cache/ instead of each receiving a copy (which
    grew with the corpus); if it was removed meanwhile, the worker checks the corpus itself."""
    import pickle

    from corpus_tools.documents.cache import INDEX_PREFIX

    data = pickle.dumps(DocumentIndex(corpus_copy))
    assert not any(doc_id.encode() in data for doc_id in DOC_IDS)
    for path in (corpus_copy.build / "cache").glob(f"{INDEX_PREFIX}*"):
        path.unlink()
    raw = corpus_copy.raw / f"{DOC_IDS[4]}.txt"
    raw.write_bytes(raw.read_bytes().replace(b"e", b"E", 1))
    with pytest.raises(CorpusError) as caught:  # checked again on arrival, so refused there
        pickle.loads(data)
    assert caught.value.code == "raw-sha256-mismatch"
    raw.write_bytes(raw.read_bytes().replace(b"E", b"e", 1))
    assert list(pickle.loads(data)) == DOC_IDS


def _fill_normalized_cache(layout) -> None:
    """Every document normalized into build/cache/documents.sqlite by a process of its own, whose
    exit leaves the store whole in its one file (the write-ahead log checkpointed)."""
    import subprocess
    import sys
    from pathlib import Path

    script = ("import sys; from corpus_tools.layout import Layout; from corpus_tools.documents.index import "
              "DocumentIndex; index = DocumentIndex(Layout.at(sys.argv[1])); [index[d] for d in index]")
    subprocess.run([sys.executable, "-c", script, str(layout.root)], check=True,
                   cwd=Path(__file__).resolve().parents[1])
    assert not (layout.build / "cache" / "documents.sqlite-wal").exists()


def test_a_normalized_document_damaged_in_its_store_is_normalized_again_not_served(corpus_copy):
    """SQLite checks the structure of its pages, not what they hold: a character changed inside a
    stored text was served as the document's text (its text_sha256 computed from it)."""
    expected = {doc_id: document.text for doc_id, document in load_documents(corpus_copy).items()}
    _fill_normalized_cache(corpus_copy)
    store = corpus_copy.build / "cache" / "documents.sqlite"
    data = store.read_bytes()
    at = data.index(b"Syria")
    store.write_bytes(data[:at] + b"Syrja" + data[at + 5:])
    index = DocumentIndex(corpus_copy)
    assert {doc_id: index[doc_id].text for doc_id in index} == expected
    assert not store.exists()  # discarded: the next command makes it anew
    _fill_normalized_cache(corpus_copy)
    assert {doc_id: document.text for doc_id, document in DocumentIndex(corpus_copy).items()} == expected


def test_a_normalized_store_damaged_past_what_opening_reads_is_normalized_again_not_a_traceback(corpus_copy):
    """A page of entries zeroed: opening the store (which reads the keys) passed, reading an entry
    ended in sqlite3.DatabaseError ("database disk image is malformed") or orjson's
    JSONDecodeError, a traceback from every command."""
    expected = {doc_id: document.text for doc_id, document in load_documents(corpus_copy).items()}
    _fill_normalized_cache(corpus_copy)
    store = corpus_copy.build / "cache" / "documents.sqlite"
    data = bytearray(store.read_bytes())
    page = 4096
    assert len(data) >= 6 * page
    for number in range(3, len(data) // page):  # every page but the schema's and the keys' first
        data[number * page + 100:(number + 1) * page] = bytes(page - 100)
    store.write_bytes(bytes(data))
    index = DocumentIndex(corpus_copy)
    assert {doc_id: index[doc_id].text for doc_id in index} == expected
