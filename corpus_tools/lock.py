"""One lock per corpus checkout, held by every command that writes to it.

``add``, ``remove``, ``ingest``, ``release`` and the Label Studio ``push``/``pull`` change raw/, annotations/,
dist/ or a server's tasks; two of them at once could build a release without an export being
ingested, or create every task twice. Each takes ``corpus_lock`` for its whole run: an advisory
``fcntl.flock`` on the corpus root directory and on ``build/corpus.lock``, which the kernel
releases when the process ends, however it ends (kill -9 included), so a stale lock is
impossible. A command that finds the lock taken fails at once with a message naming the command,
process and start time of the holder (what ``build/corpus.lock`` holds), instead of waiting: the
user decides whether to wait or stop it.

Why the root directory too: build/ is scratch, and deleted (or moved away) while a command held
the lock on the file in it, the next command made a new build/corpus.lock, locked that and wrote
beside the first. The root directory stays what it is while the corpus does, and flock on a
directory needs no file of its own in the checkout. The file's lock stays: it names the holder,
and it is the lock an older version of the package takes on the same checkout (and, on a network
filesystem, the one its server may know of). Where the filesystem refuses to lock a directory
(``_UNSUPPORTED``), the file's lock alone holds, as before.

Commands that write only derived output outside raw/, annotations/ and dist/ (``normalize``,
``view -o``, ``export -o``, ``labelstudio tasks -o``) take no lock: they change nothing another
command reads, and write through a staging directory or file, so they run beside a writing
command as the commands that only read do; holding the lock would only make them wait out a
release.

The lock is re-entrant within a thread (a ``pull`` that ingests takes it once), and it is a
library feature, not a CLI one: Python callers of these functions are serialized the same way,
another thread of the same process included (it fails at once, as another process does).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import threading
import time
from pathlib import Path
from typing import Iterator

from corpus_tools.errors import CorpusError, Location
from corpus_tools.fsutil import file_errors, make_directories
from corpus_tools.layout import Layout, check_output

LOCK_NAME = "corpus.lock"
# what flock raises where the filesystem does not lock a directory (one that emulates flock with
# POSIX locks asks a descriptor open for writing of an exclusive one, which a directory never is:
# EBADF)
_UNSUPPORTED = frozenset({errno.EBADF, errno.EINVAL, errno.ENOLCK, errno.EOPNOTSUPP})
_held: dict[Path, tuple[int, int]] = {}  # lock path -> (the holding thread, depth), for re-entry by that thread
_guard = threading.Lock()


def lock_path(layout: Layout) -> Path:
    return layout.build / LOCK_NAME


def _open_lock_file(path: Path) -> int:
    """The lock file, opened for writing the holder's name into it: never through a symbolic link
    (a link to a release file or the manifest was emptied) and never a FIFO or device."""
    where = Location(file=str(path))
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0),
                     0o644)
    except OSError as error:
        what = "a symbolic link" if error.errno == errno.ELOOP else error.strerror
        raise CorpusError("file-error", f"the corpus lock cannot be opened ({what}): it is a regular file "
                          "commands create; remove what is there", where) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise CorpusError("file-error", "the corpus lock is not a regular file: it is one commands create; "
                          "remove what is there", where)
    return fd


def _lock_root(root: Path) -> int | None:
    """The corpus root directory, open and locked (``flock``) for this command; None where the
    filesystem does not lock a directory (``_UNSUPPORTED``); raises BlockingIOError when another
    command holds it."""
    with file_errors():  # a root this user may write in but not read
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        os.close(fd)
        if error.errno in _UNSUPPORTED:
            return None
        raise
    return fd


@contextlib.contextmanager
def corpus_lock(layout: Layout, command: str) -> Iterator[None]:
    """Hold the corpus lock while the block runs; ``command`` names the holder in messages."""
    path = lock_path(layout)
    thread = threading.get_ident()
    with _guard:
        holder, depth = _held.get(path, (None, 0))
        reentered = holder == thread
        if reentered:
            _held[path] = (thread, depth + 1)
    if reentered:
        try:
            yield
        finally:
            with _guard:
                _held[path] = (thread, _held[path][1] - 1)
        return
    # held by another thread of this process: re-entering would let both write at once (two adds
    # each staged a manifest, and the second replaced the first, its raw files left unlisted); the
    # flock below refuses it, as it refuses another process (flock locks an open file, not a process)
    # `--root raw` (a corpus's own raw/, annotations/ or dist/, or a release) made build/ there,
    # which every command of that corpus then refused as an unlisted raw file
    check_output(path.parent, "--root names a corpus's own directory, not one inside it")
    with file_errors():  # build/ a file, or in a loop of links
        make_directories(path.parent)
    fd = _open_lock_file(path)
    root_fd = None
    try:
        try:
            root_fd = _lock_root(layout.root)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # empty where build/ was deleted while the holder ran: this file is a new one
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or \
                "not named: the file it writes its name in is empty, as when build/ was deleted while it ran"
            raise CorpusError("corpus-locked", f"another command is writing to this corpus ({holder}); "
                              "wait for it to finish, then run this one again",
                              Location(file=str(path))) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{command}, pid {os.getpid()}, since {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n".encode(), 0)
        with _guard:
            _held[path] = (thread, 1)
        try:
            yield
        finally:
            with _guard:
                del _held[path]
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing a descriptor releases its flock
        if root_fd is not None:
            os.close(root_fd)
