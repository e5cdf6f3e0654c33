"""Writing files so that a reader never sees half of one: write beside, fsync, rename."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
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


def write_scratch_bytes(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` by a rename, without fsync and with few system calls: for
    many small files in build/ whose readers verify them (a lost or torn write only costs a
    recomputation), where ``atomic_write_bytes`` would spend a disk flush on each.

    The temporary file is named after this process and thread, so concurrent writers (forked
    workers, threads) never share one; a leftover of a dead writer with the same name is truncated.
    """
    tmp = f"{path}.{os.getpid()}-{threading.get_ident()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


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
