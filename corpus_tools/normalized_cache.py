"""A cache of normalized documents in build/cache/normalized/ (scratch): each raw text is
normalized once, by whichever command first asks for it (ingest), and read back by every later
one (release), through corpus_tools.corpus.DocumentIndex.

What ``normalize(decode(raw bytes, encoding))`` returns is a function of the raw bytes, the
encoding and the code that decodes and normalizes, so an entry is stored under exactly that:
``build/cache/normalized/<code digest>/<sha256[:2]>/<sha256>.<encoding>``. The code digest
(``code_digest``) covers NORMALIZER_VERSION, this module's FORMAT, the Python and Unicode
versions (NFC and the codecs come from them) and the source of every module that decides the
text, the offset map or the removed pieces (``_CODE_MODULES``). Changed code reads and writes
another directory, so it is never served an entry of other code; the old directory is never read
again (delete build/cache to reclaim it). The 256 subdirectories hold about 400 files each at
100,000 documents; an entry is about the size of its raw file.

An entry is the SHA-256 of (its key, its payload) followed by the payload (orjson: text, title,
removed pieces, the offset map's lengths, flat segments and equal-length blocks), which
rebuilds a ``Normalized`` equal to the one stored. Entries are written to a temporary file and
renamed into place (``fsutil.write_scratch_bytes``), so a reader sees a whole entry or none, and
processes writing the same entry at once write identical bytes (the last rename wins). They are
not fsynced: a flush per document would cost more than the normalization it saves. Because of
that (a crash can leave a renamed entry whose data never reached the disk), and because a file
can be damaged or copied under another key, every read checks the digest (a few microseconds
for a 3 KB article, against ~100 microseconds to normalize it); an entry that fails, or that
this code cannot read, is a miss, and the caller's ``put`` replaces it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import os
import sys
import unicodedata
from itertools import chain
from pathlib import Path

import orjson

from corpus_tools.errors import CorpusError
from corpus_tools.fsutil import read_prefix, write_scratch_bytes
from corpus_tools.normalize import NORMALIZER_VERSION, Normalized
from corpus_tools.offsets import OffsetMap
from corpus_tools.records import RemovedPiece, Span

FORMAT = 1  # bump on any change of the entry's layout
# Modules whose code decides a Normalized from raw bytes: decoding (raw), normalization, the
# line rules, the offset map, the records it holds, and this module's (de)serialization.
_CODE_MODULES = (
    "corpus_tools.raw", "corpus_tools.normalize", "corpus_tools.boilerplate", "corpus_tools.offsets",
    "corpus_tools.records", "corpus_tools.normalized_cache",
)
_DIGEST_SIZE = 32
# Entries are read in one call of this many bytes (an entry is about the size of its raw file,
# a few KB; a larger buffer would be mapped and unmapped on every read).
_READ_SIZE = 1 << 16


@functools.cache
def code_digest() -> str:
    """What, besides the raw bytes and encoding, a cached Normalized is a function of."""
    digest = hashlib.sha256(f"{FORMAT}\n{NORMALIZER_VERSION}\n{sys.version}\n{unicodedata.unidata_version}\n".encode())
    for name in _CODE_MODULES:
        digest.update(Path(importlib.import_module(name).__file__).read_bytes())
    return digest.hexdigest()[:32]


class NormalizedCache:
    """Entries under ``directory`` (``layout.build / "normalized"``), for the running code."""

    __slots__ = ("_root",)

    def __init__(self, directory: Path):
        self._root = os.path.join(directory, code_digest())

    def path(self, raw_sha256: str, encoding: str) -> str:
        return os.path.join(self._root, raw_sha256[:2], f"{raw_sha256}.{encoding}")

    def get(self, raw_sha256: str, encoding: str) -> Normalized | None:
        """The cached normalization of these raw bytes, or None (missing, damaged, unreadable)."""
        path = self.path(raw_sha256, encoding)
        try:
            data = read_prefix(path, _READ_SIZE)
            if len(data) == _READ_SIZE:  # a long article: the rest too
                data = Path(path).read_bytes()
        except OSError:
            return None
        payload = memoryview(data)[_DIGEST_SIZE:]
        if len(data) <= _DIGEST_SIZE or _digest(raw_sha256, encoding, payload) != data[:_DIGEST_SIZE]:
            return None
        try:
            return _decode(payload)
        except (orjson.JSONDecodeError, CorpusError, TypeError, ValueError):
            return None  # a valid digest over a payload this code cannot read: treat as missing

    def put(self, raw_sha256: str, encoding: str, normalized: Normalized) -> None:
        """Store an entry: renamed into place whole; identical bytes whoever writes it."""
        payload = _encode(normalized)
        write_scratch_bytes(self.path(raw_sha256, encoding), _digest(raw_sha256, encoding, payload) + payload)


def _digest(raw_sha256: str, encoding: str, payload: bytes | memoryview) -> bytes:
    """Covers the key too: an entry copied or renamed to another key does not verify."""
    digest = hashlib.sha256(f"{raw_sha256}.{encoding}\n".encode())
    digest.update(payload)
    return digest.digest()


def _encode(normalized: Normalized) -> bytes:
    offset_map = normalized.offset_map
    return orjson.dumps([
        normalized.text,
        normalized.title,
        [[piece.kind, piece.raw_span.start, piece.raw_span.end, piece.text] for piece in normalized.removed],
        offset_map.raw_length,
        offset_map.norm_length,
        list(chain.from_iterable(offset_map.segments)),  # four ints per segment, flat
        list(offset_map.equal_length_blocks),
    ])


def _decode(payload: bytes | memoryview) -> Normalized:
    text, title, removed, raw_length, norm_length, flat_segments, blocks = orjson.loads(payload)
    values = iter(flat_segments)
    # OffsetMap checks its invariants again: a cheap second line of defence behind the digest
    offset_map = OffsetMap(raw_length, norm_length, tuple(zip(values, values, values, values)), tuple(blocks))
    pieces = tuple(RemovedPiece(kind, Span(start, end), piece_text) for kind, start, end, piece_text in removed)
    return Normalized(text, offset_map, pieces, title)
