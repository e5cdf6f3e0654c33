"""Writing files so that a reader never sees half of one: write beside, fsync, rename."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator


@contextlib.contextmanager
def atomic_writer(path: Path, mode: int = 0o644) -> Iterator[BinaryIO]:
    """A binary handle on a temporary file beside ``path`` that replaces ``path`` on success.

    On any exception (or a kill) the old file, or none, stays; the temporary is removed when
    Python still can. ``mode`` is set explicitly because mkstemp creates files 0600.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` in one step; on any failure the old file (or none) stays."""
    with atomic_writer(path, mode) as handle:
        handle.write(data)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in chunks (exports can be hundreds of megabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def read_prefix(path: str, limit: int) -> bytes:
    """The first ``limit`` bytes of a file (all of it when shorter) in three system calls (open,
    read, close; ``open().read()`` makes seven). Each call releases the GIL, and a thread that
    waits to take it back while another thread runs waits up to the switch interval (5 ms), so
    per-document reads in a release that compresses on a background thread pay for every call.

    One ``read`` of a regular file returns fewer bytes than asked only at its end.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        return os.read(fd, limit)
    finally:
        os.close(fd)
