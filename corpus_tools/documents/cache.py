"""A cache of normalized documents in build/cache/normalized/ (scratch): each raw text is
normalized once, by whichever command first asks for it (ingest), and read back by every later
one (release), through corpus_tools.documents.index.DocumentIndex.

What ``normalize(decode(raw bytes, encoding))`` returns is a function of the raw bytes, the
encoding and the code that decodes and normalizes, so an entry is stored under exactly that: the
key ``<sha256>.<encoding>`` in the directory ``build/cache/normalized/<code digest>/``. The code
digest (``code_digest``) covers NORMALIZER_VERSION, this module's FORMAT, the Python and Unicode
versions (NFC and the codecs come from them) and the source of every module that decides the
text, the offset map or the removed pieces (``_CODE_MODULES``). Changed code reads and writes
another directory, so it is never served an entry of other code; the old directory is never read
again (delete build/cache to reclaim it).

Entries live in pack files, ``pack-<pid>-<random>.bin``: each process that writes appends to a
pack of its own (forked workers each open theirs), one record per entry: a header (magic, key
length, entry length), the key, the entry. One file per entry was the first design; creating
tens of thousands of small files cost ingest seconds of system time on this machine, erratically
more after large deletions. A reader scans the record headers of every pack once and indexes
key -> places (in numpy columns, 32 bytes a record), and reads entries with ``os.pread`` (not mmap: mapped
pages would count in the process's resident memory); the most recent record of a key that
verifies is the one served (packs oldest first by mtime, records in file order). A record cut off by a crash
ends the scan of its pack.

An entry is the SHA-256 of (its key, its payload) followed by the payload (orjson: text, title,
removed pieces, the offset map's lengths, flat segments and equal-length blocks), which
rebuilds a ``Normalized`` equal to the one stored. Packs are not fsynced: a flush per document
would cost more than the normalization it saves. Because of that (a crash can leave a record
whose data never reached the disk), and because a file can be damaged, every read checks the
digest (a few microseconds for a 3 KB article, against ~100 microseconds to normalize it); an
entry that fails, or that this code cannot read, is a miss, and the caller's ``put`` appends a
good one.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import importlib
import os
import secrets
import struct
import sys
import unicodedata
from array import array
from itertools import chain
from pathlib import Path
from typing import Iterator

import numpy as np
import orjson

from corpus_tools.errors import CorpusError
from corpus_tools.documents.normalize import NORMALIZER_VERSION, Normalized
from corpus_tools.documents.offsets import OffsetMap
from corpus_tools.records import RemovedPiece, Span

FORMAT = 1  # bump on any change of the entry's layout
# Modules whose code decides a Normalized from raw bytes: decoding (raw), normalization, the
# line rules, the offset map, the records it holds, and this module's (de)serialization.
_CODE_MODULES = (
    "corpus_tools.documents.raw", "corpus_tools.documents.normalize", "corpus_tools.documents.boilerplate", "corpus_tools.documents.offsets",
    "corpus_tools.records", "corpus_tools.documents.cache",
)
_DIGEST_SIZE = 32


@functools.cache
def code_digest() -> str:
    """What, besides the raw bytes and encoding, a cached Normalized is a function of."""
    digest = hashlib.sha256(f"{FORMAT}\n{NORMALIZER_VERSION}\n{sys.version}\n{unicodedata.unidata_version}\n".encode())
    for name in _CODE_MODULES:
        digest.update(Path(importlib.import_module(name).__file__).read_bytes())
    return digest.hexdigest()[:32]


class NormalizedCache:
    """Entries under ``directory`` (``layout.build / "cache" / "normalized"``), for the running code."""

    __slots__ = ("directory", "_index", "_added", "_packs", "_writer")

    def __init__(self, directory: Path):
        self.directory = os.path.join(directory, code_digest())
        self._index: _Places | None = None  # the records in the packs as they were when first asked
        self._added: dict[int, list[tuple[int, int, int]]] = {}  # what this process appended since
        self._packs: list[_Pack] = []
        self._writer: _Pack | None = None

    def get(self, raw_sha256: str, encoding: str) -> Normalized | None:
        """The cached normalization of these raw bytes, or None (missing, damaged, unreadable):
        the most recent record of the key that verifies."""
        for number, offset, length in self._places(_key(raw_sha256, encoding)):
            found = _verified(raw_sha256, encoding, self._packs[number].read(offset, length))
            if found is not None:
                return found
        return None

    def put(self, raw_sha256: str, encoding: str, normalized: Normalized) -> None:
        """Append an entry to this process's pack; it is read before any earlier one of the key."""
        self._located()
        payload = _encode(normalized)
        pack = self._own_pack()
        offset, length = pack.append(f"{raw_sha256}.{encoding}".encode("ascii"),
                                     _digest(raw_sha256, encoding, payload) + payload)
        self._added.setdefault(_key(raw_sha256, encoding), []).append((self._packs.index(pack), offset, length))

    def keys(self) -> set[str]:
        """The keys that have a record (valid or not), read from the packs: for tests and tools."""
        self._located()
        return {key for pack in self._packs for key, _, _ in pack.records()}

    def place(self, raw_sha256: str, encoding: str) -> tuple[str, int, int] | None:
        """(pack path, offset, length) of the most recent record of these raw bytes: for tests and tools."""
        number, offset, length = next(iter(self._places(_key(raw_sha256, encoding))), (None, 0, 0))
        return None if number is None else (self._packs[number].path, offset, length)

    def _places(self, key: int) -> list[tuple[int, int, int]]:
        """The places of the records of ``key``, most recent first."""
        return self._added.get(key, [])[::-1] + self._located().find(key)

    def _located(self) -> "_Places":
        if self._index is None:
            found = _PlacesCollector()
            for path in sorted(glob.glob(os.path.join(glob.escape(self.directory), "pack-*.bin")), key=_age):
                try:
                    pack = _Pack.open(path)
                except OSError:
                    continue  # gone meanwhile
                number = len(self._packs)
                self._packs.append(pack)
                for key, offset, length in pack.records():
                    found.add(_key_of(key), number, offset, length)
            self._index = found.done()
        return self._index

    def _own_pack(self) -> "_Pack":
        """This process's pack: a forked child opens its own, never appending to its parent's."""
        if self._writer is None or self._writer.pid != os.getpid():
            self._writer = _Pack.create(self.directory)
            self._packs.append(self._writer)
        return self._writer


def _key(raw_sha256: str, encoding: str) -> int:
    return _key_of(f"{raw_sha256}.{encoding}")


def _key_of(key: str) -> int:
    """64 bits of the key: what the index holds instead of the 70-character key. Two keys that
    share them only cost a failed digest check (the digest covers the whole key)."""
    return int.from_bytes(hashlib.blake2b(key.encode("ascii"), digest_size=8).digest(), "little")


class _Places:
    """key -> record places as four sorted numpy columns: 32 bytes a record, not the ~250 of a dict
    of lists (the index is built in every process that reads the cache, for every document)."""

    __slots__ = ("_keys", "_places")

    def __init__(self, keys: np.ndarray, places: np.ndarray):
        self._keys, self._places = keys, places

    def find(self, key: int) -> list[tuple[int, int, int]]:
        """Most recent first (records were collected oldest first; the sort is stable)."""
        low = int(np.searchsorted(self._keys, np.uint64(key), "left"))
        high = int(np.searchsorted(self._keys, np.uint64(key), "right"))
        return [tuple(map(int, row)) for row in self._places[low:high][::-1]]


class _PlacesCollector:
    __slots__ = ("keys", "numbers", "offsets", "lengths")

    def __init__(self):
        self.keys, self.numbers, self.offsets, self.lengths = array("Q"), array("q"), array("q"), array("q")

    def add(self, key: int, number: int, offset: int, length: int) -> None:
        self.keys.append(key)
        self.numbers.append(number)
        self.offsets.append(offset)
        self.lengths.append(length)

    def done(self) -> _Places:
        keys = np.frombuffer(self.keys, dtype=np.uint64)
        order = np.argsort(keys, kind="stable")
        places = np.stack([np.frombuffer(column, dtype=np.int64) for column in
                           (self.numbers, self.offsets, self.lengths)], axis=1)
        return _Places(keys[order].copy(), places[order].copy())


def _verified(raw_sha256: str, encoding: str, data: bytes) -> Normalized | None:
    payload = memoryview(data)[_DIGEST_SIZE:]
    if len(data) <= _DIGEST_SIZE or _digest(raw_sha256, encoding, payload) != data[:_DIGEST_SIZE]:
        return None
    try:
        return _decode(payload)
    except (orjson.JSONDecodeError, CorpusError, TypeError, ValueError):
        return None  # a valid digest over a payload this code cannot read: treat as missing


def _age(path: str) -> tuple[int, str]:
    """Oldest first, so that the record a later run appended (say, over a damaged one) wins."""
    try:
        return os.stat(path).st_mtime_ns, path
    except OSError:
        return 0, path


_HEADER = struct.Struct("<4sHI")  # magic, key length, entry length
_MAGIC = b"NCE1"


_KEY_READ = 128  # keys are "<64 hex digits>.<encoding>": one read takes a header and its key


class _Pack:
    """One pack file, read by offset (``os.pread``: not mapped, so reading it adds nothing to the
    process's resident memory); this process's own pack is also appended to."""

    __slots__ = ("path", "pid", "_fd", "_size")

    def __init__(self, path: str, fd: int, size: int):
        self.path, self.pid, self._fd, self._size = path, os.getpid(), fd, size

    @classmethod
    def open(cls, path: str) -> "_Pack":
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        return cls(path, fd, os.fstat(fd).st_size)

    @classmethod
    def create(cls, directory: str) -> "_Pack":
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, f"pack-{os.getpid()}-{secrets.token_hex(4)}.bin")
        return cls(path, os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o644), 0)

    def records(self) -> Iterator[tuple[str, int, int]]:
        """(key, entry offset, entry length) of each whole record, up to the first bad one."""
        position = 0
        while position + _HEADER.size <= self._size:
            head = os.pread(self._fd, _HEADER.size + _KEY_READ, position)
            magic, key_length, length = _HEADER.unpack_from(head)
            start = position + _HEADER.size + key_length
            if magic != _MAGIC or key_length > _KEY_READ or start + length > self._size:
                return  # cut off by a crash, or damaged: the rest of this pack is not trusted
            try:
                key = head[_HEADER.size:_HEADER.size + key_length].decode("ascii")
            except UnicodeDecodeError:
                return
            yield key, start, length
            position = start + length

    def read(self, offset: int, length: int) -> bytes:
        return os.pread(self._fd, length, offset)

    def append(self, key: bytes, entry: bytes) -> tuple[int, int]:
        record = _HEADER.pack(_MAGIC, len(key), len(entry)) + key + entry
        written = 0
        while written < len(record):  # one write in practice; a short write is continued
            written += os.write(self._fd, record[written:])
        offset = self._size + _HEADER.size + len(key)
        self._size += len(record)
        return offset, len(entry)


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
