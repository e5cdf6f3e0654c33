"""corpus_tools.documents.cache and its use by DocumentIndex: a document read back from
build/cache/normalized/ equals a freshly normalized one; a damaged, misplaced or other-code entry is
never served; forked processes sharing one index write the same entries safely."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from pathlib import Path

import pytest

from corpus_tools.documents import index as corpus, cache as normalized_cache
from corpus_tools.documents.index import DocumentIndex, load_documents
from corpus_tools.errors import CorpusError
from corpus_tools.layout import Layout
from corpus_tools.documents.normalize import normalize
from corpus_tools.documents.cache import NormalizedCache

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "normalize"
DOC_IDS = ["000_cbeedfbee8440207", "001_d79359122f2d4c78", "002_9bc3c6dfe5868321",
           "003_840a8be26e4ddaa5", "004_3e4c866fc9bc1c15"]
# Awkward texts beside the five real articles: CRLF + BOM + tabs + NFD + emoji + boilerplate,
# cp1252, C1 controls, astral characters, an equal-length block, removed text only, a bare CR.
AWKWARD = {
    "crlf_bom": ((FIXTURES / "other_site_crlf_bom.raw.txt").read_bytes(), "utf-8"),
    "cp1252": ((FIXTURES / "cp1252.raw.txt").read_bytes(), "cp1252"),
    "latin1_c1": ("Title\r\n\r\nIt\x92s \x93quoted\x94 \x85 done\x81.".encode("utf-8"), "utf-8"),
    "emoji": ("\U0001F1F8\U0001F1FE talks \U0001F44D\u200d\U0001F525\n\n"
              "cafe\u0301\u200b\u0301 a\u0323\u0307 q\u0307\u0323".encode(), "utf-8"),
    "boilerplate": ("Headline here\n3 min read\nAdvertisement\nHeadline here\nBody text.\n"
                    "Leave a Reply".encode(), "utf-8"),
    "removed_only": ("Advertisement\n\nRead more".encode(), "utf-8"),
    "bare_cr": ("One\rTwo\u2028Three\u2029\u00a0\tFour  five".encode(), "utf-8"),
    "long": (("A long article\n\n" + "A paragraph of about a hundred characters, repeated until the entry "
                                      "is larger than one read.\n" * 1000).encode(), "utf-8"),
}


def _cache(layout: Layout) -> NormalizedCache:
    return NormalizedCache(layout.build / "cache" / "normalized")


def _entries(layout: Layout) -> list[str]:
    """The keys that have an entry in the packs."""
    return sorted(_cache(layout).keys())


def _refuse_normalizing(monkeypatch) -> None:
    def refuse(text):
        raise AssertionError("normalized although the cache holds this document")
    monkeypatch.setattr(corpus, "normalize", refuse)


def _add_documents(layout: Layout, texts: dict[str, tuple[bytes, str]]) -> None:
    """Add raw files and their manifest records (metadata borrowed from the first record)."""
    lines = layout.manifest.read_text().splitlines()
    template = json.loads(lines[0])
    for doc_id, (data, encoding) in texts.items():
        (layout.raw / f"{doc_id}.txt").write_bytes(data)
        lines.append(json.dumps({**template, "doc_id": doc_id, "file": f"{doc_id}.txt", "size": len(data),
                                 "sha256": hashlib.sha256(data).hexdigest(), "encoding": encoding}))
    layout.manifest.write_text("\n".join(lines) + "\n")


def test_cached_documents_equal_fresh_ones(corpus_copy, monkeypatch):
    _add_documents(corpus_copy, AWKWARD)
    fresh = load_documents(corpus_copy)  # no cache involved
    first = DocumentIndex(corpus_copy)
    assert [first[doc_id] for doc_id in first] == list(fresh.values())  # normalized, cache written
    assert len(_entries(corpus_copy)) == len(DOC_IDS) + len(AWKWARD)
    _refuse_normalizing(monkeypatch)
    second = DocumentIndex(corpus_copy)
    for doc_id, document in fresh.items():
        assert second[doc_id] == document  # read back from build/cache/normalized, equal field by field
    assert any(fresh[doc_id].removed for doc_id in AWKWARD)
    assert any(fresh[doc_id].offset_map.equal_length_blocks for doc_id in AWKWARD)


@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_entry_round_trip(tmp_path, name):
    data, encoding = AWKWARD[name]
    normalized = normalize(data.decode(encoding))
    cache = NormalizedCache(tmp_path)
    sha = hashlib.sha256(data).hexdigest()
    assert cache.get(sha, encoding) is None
    cache.put(sha, encoding, normalized)
    assert cache.get(sha, encoding) == normalized
    assert cache.get(sha, "cp1252" if encoding == "utf-8" else "utf-8") is None  # the encoding is in the key


@pytest.mark.parametrize("damage", ["flip-a-byte", "not-json", "cut-off", "cut-in-header", "junk-after"])
def test_a_damaged_entry_is_ignored_and_rewritten(corpus_copy, damage):
    fresh = list(DocumentIndex(corpus_copy).values())
    record = fresh[2].metadata
    path, offset, length = _cache(corpus_copy).place(record.sha256, record.encoding)
    pack = Path(path).read_bytes()
    damaged = {
        "flip-a-byte": pack[:offset + length - 5] + bytes([pack[offset + length - 5] ^ 0x20]) + pack[offset + length - 4:],
        "not-json": pack[:offset] + hashlib.sha256(b"x").digest() + b"{" * (length - 32) + pack[offset + length:],
        "cut-off": pack[:offset + length // 2],  # a crash while appending: this record and the rest are gone
        "cut-in-header": pack[:offset - 80],
        "junk-after": pack + b"\x00garbage",
    }[damage]
    Path(path).write_bytes(damaged)
    index = DocumentIndex(corpus_copy)
    assert list(index.values()) == fresh
    assert _cache(corpus_copy).get(record.sha256, record.encoding) == normalize(
        (corpus_copy.raw / record.file).read_bytes().decode(record.encoding))  # a good entry again


def test_an_entry_under_another_key_is_not_served(corpus_copy):
    list(DocumentIndex(corpus_copy).values())
    index = DocumentIndex(corpus_copy)
    cache = _cache(corpus_copy)
    first, second = (index[doc_id].metadata for doc_id in DOC_IDS[:2])
    path, offset, length = cache.place(first.sha256, first.encoding)
    entry = Path(path).read_bytes()[offset:offset + length]  # a valid entry, of another document
    key = f"{second.sha256}.{second.encoding}".encode()
    (Path(path).parent / "pack-0-forged.bin").write_bytes(
        normalized_cache._HEADER.pack(normalized_cache._MAGIC, len(key), len(entry)) + key + entry)
    # the forged record is the most recent of the key, but does not verify: the true one is served
    served = _cache(corpus_copy).get(second.sha256, second.encoding)
    assert served == normalize((corpus_copy.raw / second.file).read_bytes().decode(second.encoding))
    assert served.text != index[DOC_IDS[0]].text
    assert DocumentIndex(corpus_copy)[DOC_IDS[1]] == load_documents(corpus_copy)[DOC_IDS[1]]


def test_other_code_uses_other_entries(monkeypatch, tmp_path):
    before = normalized_cache.code_digest()
    monkeypatch.setattr(normalized_cache, "NORMALIZER_VERSION", "9.9.9")
    normalized_cache.code_digest.cache_clear()
    try:
        after = normalized_cache.code_digest()
        assert after != before
        assert NormalizedCache(tmp_path).directory == str(tmp_path / after)
    finally:
        normalized_cache.code_digest.cache_clear()


def test_a_raw_file_changed_after_opening_is_caught_with_a_warm_cache(corpus_copy):
    list(DocumentIndex(corpus_copy).values())
    index = DocumentIndex(corpus_copy, cache_size=0)
    raw = corpus_copy.raw / f"{DOC_IDS[3]}.txt"
    raw.write_bytes(raw.read_bytes().replace(b"e", b"E", 1))
    with pytest.raises(CorpusError) as caught:
        index[DOC_IDS[3]]
    assert caught.value.code == "raw-sha256-mismatch"


@pytest.mark.parametrize("change", [b"", b"x", b"more than one byte"])
def test_a_raw_file_grown_or_cut_after_opening_is_caught_with_its_size(corpus_copy, change):
    list(DocumentIndex(corpus_copy).values())
    index = DocumentIndex(corpus_copy, cache_size=0)
    raw = corpus_copy.raw / f"{DOC_IDS[1]}.txt"
    data = raw.read_bytes()
    raw.write_bytes(data + change if change else data[:-1])
    with pytest.raises(CorpusError) as caught:
        index[DOC_IDS[1]]
    assert caught.value.code == "raw-size-mismatch"
    assert f"size {len(data) + len(change) if change else len(data) - 1} bytes" in caught.value.message


def test_a_manifest_line_changed_after_opening_is_caught(corpus_copy):
    index = DocumentIndex(corpus_copy, cache_size=0)
    lines = corpus_copy.manifest.read_bytes().split(b"\n")
    record = json.loads(lines[2])
    lines[2] = lines[2].replace(record["sha256"].encode(), b"0" * 64)  # same length, same place
    corpus_copy.manifest.write_bytes(b"\n".join(lines))
    with pytest.raises(CorpusError) as caught:
        index[DOC_IDS[2]]
    assert caught.value.code == "manifest-changed"
    assert index[DOC_IDS[1]].doc_id == DOC_IDS[1]  # other lines still read


def test_a_manifest_line_moved_after_opening_is_caught(corpus_copy):
    index = DocumentIndex(corpus_copy, cache_size=0)
    corpus_copy.manifest.write_bytes(b"\n" * 7 + corpus_copy.manifest.read_bytes())  # every line shifts
    with pytest.raises(CorpusError) as caught:
        index[DOC_IDS[2]]
    assert caught.value.code == "manifest-changed"


def test_the_cache_can_be_off(corpus_copy):
    index = DocumentIndex(corpus_copy, normalized_cache=False)
    assert list(index.values()) == list(load_documents(corpus_copy).values())
    assert not (corpus_copy.build / "cache" / "normalized").exists()


def _look_up_all(index: DocumentIndex, doc_ids: list[str], queue) -> None:
    queue.put([index[doc_id].text_sha256 for doc_id in doc_ids])


def test_forked_processes_share_one_index_and_write_the_same_entries(corpus_copy):
    _add_documents(corpus_copy, AWKWARD)
    index = DocumentIndex(corpus_copy, cache_size=0)  # opened before the fork, as a worker pool does
    doc_ids = list(index) * 20  # both workers write and read every entry, many times over
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=_look_up_all, args=(index, doc_ids, queue)) for _ in range(2)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    fresh = load_documents(corpus_copy)
    assert results[0] == results[1] == [fresh[doc_id].text_sha256 for doc_id in doc_ids]
    packs = sorted((corpus_copy.build / "cache" / "normalized").rglob("pack-*.bin"))
    # one per worker that had to write (a worker that starts after the other wrote every entry
    # writes none): neither appends to a pack of another process
    assert 1 <= len(packs) <= 2
    assert _entries(corpus_copy) == sorted({f"{d.metadata.sha256}.{d.metadata.encoding}" for d in fresh.values()})
    reread = DocumentIndex(corpus_copy)
    assert all(reread[doc_id] == document for doc_id, document in fresh.items())


def test_keys_that_share_their_index_bits_are_told_apart_by_the_digest(corpus_copy, monkeypatch):
    """The index holds 64 bits of each key; were every key to collide, each read would still
    find its own entry (the digest covers the whole key) and never another document's."""
    list(DocumentIndex(corpus_copy).values())  # entries written under the real index bits
    fresh = load_documents(corpus_copy)
    monkeypatch.setattr(normalized_cache, "_key_of", lambda key: 0)
    _refuse_normalizing(monkeypatch)
    index = DocumentIndex(corpus_copy)
    assert [index[doc_id] for doc_id in DOC_IDS] == [fresh[doc_id] for doc_id in DOC_IDS]
