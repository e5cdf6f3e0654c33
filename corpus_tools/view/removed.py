"""The pieces normalization removed from a released document, placed in its normalized text.

A release does not carry them (its configs hold the normalized text, offsets into it and raw
offsets, not the dropped boilerplate), so they are recomputed from the raw file, which only a
checkout has: the raw file named by the release's ``raw_file`` must have the release's
``raw_sha256``, and normalizing it here must give exactly the released text (else this
normalizer is not the one the release used, and its removals could differ). When either does
not hold, the viewer says why instead of showing pieces.
"""

from __future__ import annotations

import hashlib
import os
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from corpus_tools.documents.normalize import normalize
from corpus_tools.documents.raw import decode
from corpus_tools.errors import CorpusError, Location
from corpus_tools.fsutil import NotRegularFile, open_regular
from corpus_tools.records import ReleasedDocument, RemovedPiece


@dataclass(frozen=True, slots=True)
class PlacedPieces:
    """``pieces``: (normalized position, piece) in raw order; ``unavailable``: why there are none
    to show (None when the raw file was found and agrees with the release)."""

    pieces: tuple[tuple[int, RemovedPiece], ...] = ()
    unavailable: str | None = None


@dataclass(frozen=True, slots=True)
class RawFile:
    """A document's raw file as a checkout's raw/ holds it: ``data``, its bytes, and ``shown``,
    its name in raw/; or ``unavailable``, why there are none to read."""

    data: bytes | None = None
    shown: str = ""
    unavailable: str | None = None

    @property
    def state(self) -> str:
        """All that ``placed_pieces`` makes of it depends on beside the document (and the code): why
        there are no bytes, or their SHA-256 and the name they are shown under. A site's cache of
        pages names a page by it, so a page is made again when its raw file changes."""
        if self.data is None:
            return f"unavailable\0{self.unavailable}"
        return f"{hashlib.sha256(self.data).hexdigest()}\0{self.shown}"


def removed_pieces(document: ReleasedDocument, raw_dir: Path | None) -> PlacedPieces:
    """The document's removed pieces, each at the normalized position of its raw position."""
    return placed_pieces(document, raw_file(document, raw_dir))


def raw_file(document: ReleasedDocument, raw_dir: Path | None) -> RawFile:
    """The document's raw file in ``raw_dir`` (None: no checkout), read."""
    if raw_dir is None:
        return RawFile(unavailable="no checkout given: the release does not carry removed text")
    name = document.raw_file
    # a release names a file of raw/, and it is all the viewer reads there: a path elsewhere
    # ('../x', '/dev/zero') is the release's say, not the checkout's, and a link, FIFO or device
    # (a read that follows, blocks or never ends) is nothing raw/ holds (raw-not-regular); a NUL
    # names no file (the system cannot be asked for it: open raises ValueError, not OSError)
    if os.path.basename(name) != name or name in ("", ".", "..") or "\x00" in name:
        return RawFile(unavailable=f"raw file name {name!r} is not a file name in raw/")
    path = Path(raw_dir) / name
    # named by the directory's name, not its path: where the checkout lies is no part of the
    # site, whose bytes depend only on the release and the raw files; nor where a link raw/ is
    # points (abspath, not resolve, which also raised RuntimeError on a loop of links)
    shown = f"{os.path.basename(os.path.abspath(raw_dir))}/{name}"
    try:
        with open(open_regular(path), "rb") as handle:
            return RawFile(handle.read(), shown)
    except NotRegularFile as error:
        # not by its target, a path on this machine (above); the kind says what is wrong
        kind = "a symbolic link" if os.path.islink(path) else error.kind
        return RawFile(unavailable=f"raw file {shown} is {kind}, not a regular file")
    except FileNotFoundError:
        return RawFile(unavailable=f"raw file {shown} not found")
    except OSError as error:  # unreadable (permissions, a directory): said as such, not "not found"
        return RawFile(unavailable=f"raw file {shown} cannot be read: {error.strerror}")


def placed_pieces(document: ReleasedDocument, raw: RawFile) -> PlacedPieces:
    """The document's removed pieces from its raw file ``raw`` (``raw_file``), each at the
    normalized position of its raw position."""
    if raw.data is None:
        return PlacedPieces(unavailable=raw.unavailable)
    data, shown = raw.data, raw.shown
    if hashlib.sha256(data).hexdigest() != document.raw_sha256:
        return PlacedPieces(unavailable=f"raw file {shown} is not the one released (its sha256 differs)")
    try:
        normalized = normalize(decode(data, document.raw_encoding, Location(file=shown)))
    except CorpusError as error:
        return PlacedPieces(unavailable=f"raw file {shown}: {error.message}")
    if normalized.text != document.text:
        return PlacedPieces(unavailable=f"this normalizer does not give the released text "
                                        f"(released with normalizer {document.normalizer_version})")
    segments = normalized.offset_map.segments
    raw_ends = [raw_start + raw_len for _, raw_start, _, raw_len in segments]
    placed = []
    for piece in sorted(normalized.removed, key=lambda p: (p.raw_span, p.kind)):
        # removed text lies between segments: its place is the end of the last segment before it
        k = bisect_right(raw_ends, piece.raw_span.start) - 1
        position = 0 if k < 0 else segments[k][0] + segments[k][2]
        placed.append((position, piece))
    return PlacedPieces(tuple(placed))
