"""corpus_tools.normalized_cache and its use by DocumentIndex: a document read back from
build/cache/normalized/ equals a freshly normalized one; a damaged, misplaced or other-code entry is
never served; forked processes sharing one index write the same entries safely."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from pathlib import Path

import pytest

from corpus_tools import corpus, normalized_cache
from corpus_tools.corpus import DocumentIndex, load_documents
from corpus_tools.errors import CorpusError
from corpus_tools.layout import Layout
from corpus_tools.normalize import normalize
from corpus_tools.normalized_cache import NormalizedCache

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


def _entries(layout: Layout) -> list[Path]:
    return sorted(p for p in (layout.build / "cache" / "normalized").rglob("*") if p.is_file())


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


@pytest.mark.parametrize("damage", ["flip-a-byte", "truncate", "empty", "append", "not-json"])
def test_a_damaged_entry_is_ignored_and_rewritten(corpus_copy, damage):
    list(DocumentIndex(corpus_copy).values())
    entry = _entries(corpus_copy)[0]
    good = entry.read_bytes()
    damaged = {
        "flip-a-byte": good[:-5] + bytes([good[-5] ^ 0x20]) + good[-4:],
        "truncate": good[:len(good) // 2],
        "empty": b"",
        "append": good + b" ",
        "not-json": hashlib.sha256(b"x").digest() + b"{",
    }[damage]
    entry.write_bytes(damaged)
    index = DocumentIndex(corpus_copy)
    assert list(index.values()) == list(load_documents(corpus_copy).values())
    assert entry.read_bytes() == good


def test_an_entry_under_another_key_is_not_served(corpus_copy):
    list(DocumentIndex(corpus_copy).values())
    index = DocumentIndex(corpus_copy)
    cache = NormalizedCache(corpus_copy.build / "cache" / "normalized")
    records = [index[doc_id].metadata for doc_id in DOC_IDS[:2]]
    first, second = (Path(cache.path(r.sha256, r.encoding)) for r in records)
    second.write_bytes(first.read_bytes())  # a valid entry, of another document
    assert cache.get(records[1].sha256, records[1].encoding) is None
    assert DocumentIndex(corpus_copy)[DOC_IDS[1]] == load_documents(corpus_copy)[DOC_IDS[1]]


def test_other_code_uses_other_entries(monkeypatch, tmp_path):
    before = normalized_cache.code_digest()
    monkeypatch.setattr(normalized_cache, "NORMALIZER_VERSION", "9.9.9")
    normalized_cache.code_digest.cache_clear()
    try:
        after = normalized_cache.code_digest()
        assert after != before
        assert NormalizedCache(tmp_path).path("ab" * 32, "utf-8") == str(tmp_path / after / "ab" / f"{'ab' * 32}.utf-8")
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
    assert not [p for p in (corpus_copy.build / "cache" / "normalized").rglob("*.tmp")]
    assert len(_entries(corpus_copy)) == len(fresh)
    reread = DocumentIndex(corpus_copy)
    assert all(reread[doc_id] == document for doc_id, document in fresh.items())
