"""Writing files so that a reader never sees half of one (write beside, fsync, rename; the
staging directories of killed runs removed by the next run), and reading only regular files
(never through a symbolic link, never blocking on a FIFO)."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import glob
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator

from corpus_tools.errors import CorpusError


# what follows ``.<name>.`` in atomic_writer's temporaries: the pid, mkstemp's random letters
_TEMPORARY_TAIL = re.compile(r"[0-9]+-[a-z0-9_]+\.tmp")


@contextlib.contextmanager
def atomic_writer(path: Path, mode: int = 0o644) -> Iterator[BinaryIO]:
    """A binary handle on a temporary file beside ``path`` that replaces ``path`` on success.

    On any exception (or a kill) the old file, or none, stays; the temporary is removed when
    Python still can. One a killed run left (SIGKILL, or SIGTERM and SIGHUP, which end Python
    without unwinding) is named ``.<name>.<pid>-<random>.tmp``, and the next write of the same
    file removes it once that pid is gone (``abandoned``). ``mode`` is set explicitly because
    mkstemp creates files 0600.
    """
    path = Path(path)
    # named here, not as the temporary file or a parent the system's error would name
    if not path.name or path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a directory, not a file to write", str(path))
    try:
        existing = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        existing = None
    # the rename would put a file in place of a device node, a FIFO or a link, not write through it
    if existing is not None and not stat.S_ISREG(existing):
        raise NotRegularFile(str(path), _kind(existing))
    # a write refused (a name too long for the temporary, a full disk) leaves no parent it made
    with made_directories_removed(path.parent):
        try:
            make_directories(path.parent)
        except NotADirectoryError:  # said of the file the caller named, however far above it the file in the way is
            raise NotADirectoryError(errno.ENOTDIR, "a parent of it is not a directory", str(path)) from None
        prefix = f".{path.name}."
        for leftover in abandoned(path.parent, prefix):
            # only this file's temporaries: another file's could begin with the same prefix
            if _TEMPORARY_TAIL.fullmatch(leftover.name[len(prefix):]):
                leftover.unlink(missing_ok=True)
        with _named_as(path):
            fd, tmp = tempfile.mkstemp(prefix=f"{prefix}{os.getpid()}-", suffix=".tmp", dir=path.parent)
        try:
            with writing_under(path), os.fdopen(fd, "wb") as handle:  # a full disk names the file, not nothing
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


@contextlib.contextmanager
def _named_as(path: str | os.PathLike) -> Iterator[None]:
    """An OSError raised inside, named as ``path``: making a temporary, the system's message names
    the temporary, a name the user never gave."""
    try:
        yield
    except OSError as error:
        raise OSError(error.errno, error.strerror, os.fspath(path)) from None


# what only a write is refused with: the place written to is the place at fault
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


@contextlib.contextmanager
def writing_under(path: str | os.PathLike) -> Iterator[None]:
    """A write refused inside (a full disk, a quota, a file too large, a read-only filesystem)
    whose error names no file is raised naming ``path``, where the work writes: a write's error
    says what went wrong, not where. Other errors (a damaged input read meanwhile) keep theirs."""
    try:
        yield
    except OSError as error:
        if error.filename is None and error.errno in _WRITE_ERRNOS:
            error.filename = os.fspath(path)
        raise


def resolved(path: str | os.PathLike) -> Path:
    """``Path(path).resolve()``, with a symbolic link loop an OSError naming ``path`` (ELOOP, as
    opening it would give), not the RuntimeError pathlib raises (Python 3.11), which no
    command reports as a file error."""
    try:
        return Path(path).resolve()
    except RuntimeError:
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), os.fspath(path)) from None


def arrow_path(path: str | os.PathLike) -> str:
    """``path`` as the str to give pyarrow for the same file. Python turns a path into bytes with
    the filesystem encoding, pyarrow with UTF-8 whatever the locale: under a non-UTF-8 locale
    (``LC_ALL=C PYTHONUTF8=0``: ASCII, a name's other bytes surrogate escapes; a Latin-1 locale)
    a checkout at a non-ASCII path gave a traceback (pyarrow cannot encode surrogates) or
    another file's name. The name's own bytes read as UTF-8 are what pyarrow encodes back to
    them. A name whose bytes are not UTF-8 has no such str: pyarrow cannot open it at all, which
    is an OSError naming it (one line from the command line, where pyarrow raised a traceback)."""
    try:
        return os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        raise OSError(errno.EILSEQ, "pyarrow opens only paths whose bytes are UTF-8", os.fspath(path)) from None


def holds_current_directory(path: Path) -> bool:
    """Whether ``path`` is the current directory or a directory above it: an output renamed into
    place there fails for "." (it cannot be renamed), and by another name ("../here") leaves the
    shell in a removed directory."""
    try:
        here = Path.cwd().resolve()
    except FileNotFoundError:  # the shell is in a removed directory already
        return False
    target = resolved(path)
    return target == here or target in here.parents


def first_missing(path: Path) -> Path | None:
    """The topmost of ``path`` and its parents that does not exist; None when ``path`` exists."""
    if path.exists():
        return None
    while not path.parent.exists():
        path = path.parent
    return path


@contextlib.contextmanager
def made_directories_removed(directory: Path) -> Iterator[None]:
    """When the block ends, remove ``directory`` and those above it if the block made them and
    left them empty (a staging directory's parent, made by ``staging_dir``): a run that wrote
    nothing there, refused by an exception or by its outcome (an ingest whose export has errors),
    leaves nothing behind, not even them. Only empty ones go (rmdir), so nothing another process
    wrote meanwhile is lost, and one that holds the output is kept."""
    made = first_missing(directory)
    try:
        yield
    finally:
        if made is not None:
            for level in (directory, *directory.parents):
                with contextlib.suppress(OSError):
                    level.rmdir()
                if level == made:
                    break


def make_directories(directory: Path) -> None:
    """``directory`` and those above it, made where missing. A file where one belongs is
    NotADirectoryError ("Not a directory") at ``directory``: the system's FileExistsError ("File
    exists") does not say that a file is in the way."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), os.fspath(directory)) from None


def staging_dir(parent: Path, prefix: str, output: Path | None = None) -> Path:
    """A new directory ``<prefix><pid>-<random>.tmp`` in ``parent`` (``.tmp``: the repository's
    .gitignore ignores it), to write in and then rename into place, after removing those of killed runs with the same prefix (``remove_abandoned``).
    Mode 0755, as a directory made with the usual umask: mkdtemp's 0700 would make what is
    renamed into place (a release, an export, a site) private to its builder.
    ``output``: what the directory is renamed to, when ``prefix`` holds its name: a staged name
    too long for the system is said of it (the name given, as atomic_writer says it of its
    file), not of ``parent``, whose name is not at fault."""
    make_directories(parent)
    remove_abandoned(parent, prefix)
    try:
        path = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", suffix=".tmp", dir=parent))
    except OSError as error:  # named as the output when its staged name is too long, else as parent
        named = output if output is not None and error.errno == errno.ENAMETOOLONG else parent
        raise OSError(error.errno, error.strerror, os.fspath(named)) from None
    os.chmod(path, 0o755)
    return path


def make_public(tree: Path) -> None:
    """Directories 0755 and files 0644 under ``tree`` (itself included), before it is renamed into
    place: what is published (a release, an export, a site) is readable by all whatever the umask
    of whoever built it, as atomic_writer's files are."""
    os.chmod(tree, 0o755)
    for directory, subdirectories, files in os.walk(tree):
        for name in subdirectories:
            os.chmod(os.path.join(directory, name), 0o755)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o644)


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths in one step (Linux's ``renameat2`` with ``RENAME_EXCHANGE``), so
    that no moment has neither in place; False, with nothing done, where the system or the
    filesystem cannot (the caller then renames twice)."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # not glibc 2.28+ on Linux
        return False
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def clear_scratch(path: Path, root: Path) -> None:
    """Remove a regular file in the place of ``root`` or of a directory between it and ``path``
    (both included). They are directories of the package's own caches (build/cache, build/units
    and what is under it), where a file is nobody's work (a stray write, a tool gone wrong) and
    stopped every command that reads the cache, run after run: removed, the cache is made again,
    as a damaged one is. Anything else in the way is left to the error that names it: a symbolic
    link (a cache kept on another disk is someone's choice), a FIFO, a device."""
    level = root
    for part in ("", *path.relative_to(root).parts):
        level = level / part  # root / "" is root
        try:
            mode = os.lstat(level).st_mode
        except (FileNotFoundError, NotADirectoryError):
            return  # nothing further down can be in the way
        if stat.S_ISREG(mode):
            level.unlink(missing_ok=True)  # missing: another command removed it meanwhile
            return


def database_files(path: Path) -> tuple[Path, ...]:
    """A SQLite database's files: the database and its write-ahead log and shared memory, removed
    together (a log left beside a new database would be replayed into it)."""
    return tuple(Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm"))


def abandoned(parent: Path, prefix: str) -> list[Path]:
    """The staging directories and files ``<prefix><pid>-<anything>`` in ``parent`` whose run was
    killed, in name order. A live pid means that run is still writing there, so its staging is not."""
    found = []
    for leftover in sorted(parent.glob(glob.escape(prefix) + "*")) if parent.is_dir() else ():
        pid = leftover.name[len(prefix):].split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            found.append(leftover)
    return found


def remove_abandoned(parent: Path, prefix: str) -> None:
    """Remove what ``abandoned`` finds."""
    for leftover in abandoned(parent, prefix):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


class NotRegularFile(OSError):
    """The path names a symbolic link, a FIFO, a device, a socket or a directory, not a regular
    file. ``kind`` says which, for a message ("a symbolic link to '/etc/passwd'")."""

    def __init__(self, path: str, kind: str):
        super().__init__(f"{path} is {kind}")
        self.kind = kind
        self.filename = path
        self.strerror = f"is {kind}, not a regular file"


def present(path: Path) -> bool:
    """Whether a file the corpus may lack yet (the registry, the annotators, lint's acceptances)
    is there. A symbolic link that leads to no file is not "no file yet" but a fault, refused
    (``file-error``, a CorpusError: its callers are library functions a user calls): read as
    absent, it made the corpus's annotators or acceptances silently none."""
    if path.exists():
        return True
    if path.is_symlink():
        link = NotRegularFile(str(path), f"a symbolic link to {os.readlink(path)!r}, which leads to no file")
        raise CorpusError.of_os_error(link)
    return False


# O_NOFOLLOW: a symbolic link as the last part of the path is refused (ELOOP), never followed;
# O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer (no effect on a
# regular file). What the descriptor is, is then asked of the descriptor itself (fstat), so it
# cannot be swapped between a check and the open.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def _kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return kind
    return "not a regular file"


def open_regular(path: str | Path) -> int:
    """A read-only descriptor on the regular file at ``path``; ``NotRegularFile`` for anything
    else, without following a final symbolic link and without blocking on a FIFO.
    ``FileNotFoundError`` (or ``NotADirectoryError``) when there is nothing there."""
    path = os.fspath(path)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        if error.errno != errno.ELOOP:
            raise
        try:  # the last part is a symbolic link (or a loop of them)
            target = os.readlink(path)
        except OSError:
            raise NotRegularFile(path, "a symbolic link") from None
        raise NotRegularFile(path, f"a symbolic link to {target!r}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, _kind(mode))
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextlib.contextmanager
def file_errors() -> Iterator[None]:
    """An OSError raised inside (nothing at the path, a directory, a loop of links, no permission)
    raised as the CorpusError ``file-error`` at the path it names (``CorpusError.of_os_error``):
    a library function reading a path it was given refuses it as the command line does, in one
    line, not with the system's exception, which a Python caller would meet as a traceback."""
    try:
        yield
    except OSError as error:
        raise CorpusError.of_os_error(error) from None


def listable_directory(path: str | os.PathLike) -> Path:
    """``path``, a directory the system lists: one that is not there, is a file, or cannot be
    read is the ``file-error`` at it (``file_errors``), not a directory read as holding nothing,
    which made a mistyped path a silent "none found" (no worksheet, no raw file)."""
    with file_errors(), os.scandir(path):
        pass
    return Path(path)


def open_input(path: str | Path) -> BinaryIO:
    """A file to read that a user or the corpus names (an export, the registry, acceptances):
    symbolic links are followed, but anything that is not a regular file in the end is refused
    (``NotRegularFile``) rather than read for ever (``/dev/zero``) or waited on (a FIFO)."""
    return os.fdopen(open_regular(os.path.realpath(path)), "rb")


def read_prefix(path: str, limit: int) -> bytes:
    """The first ``limit`` bytes of a regular file (all of it when shorter) in four system calls
    (open, fstat, read, close; ``open().read()`` makes seven). Each call releases the GIL, and a
    thread that waits to take it back while another thread runs waits up to the switch interval
    (5 ms), so per-document reads in a release that compresses on a background thread pay for
    every call. Anything but a regular file is refused (``open_regular``).

    One ``read`` of a regular file returns fewer bytes than asked only at its end.
    """
    fd = open_regular(path)
    try:
        return os.read(fd, limit)
    finally:
        os.close(fd)
