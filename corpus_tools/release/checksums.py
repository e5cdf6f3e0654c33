"""SHA256SUMS of a release, and verification of a release directory against it.

SHA256SUMS is in ``sha256sum`` format (``<hex>  <path>``, paths relative to the release root,
sorted) and lists every file of the release but itself, so ``sha256sum -c SHA256SUMS`` works
too. It is read strictly (``parse_sums``): every byte of it matters. Nothing inside a release can vouch for SHA256SUMS itself, so a mismatch names both the
file and SHA256SUMS; parquet files are also cross-checked against croissant.json's sha256,
which tells which of the two changed while croissant.json itself matches SHA256SUMS.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.parquet as pq

from corpus_tools.errors import CorpusError, Location, Problem, Report
from corpus_tools.fsutil import arrow_path
from corpus_tools.release.splits import SPLITS

SUMS_FILE = "SHA256SUMS"
# One line exactly as sha256sum writes it in text mode: 64 lower-case hex digits, two spaces,
# the path, one line feed. Read as bytes and split at b"\n" only (never str.splitlines, which
# also splits at \r, \v, \f, \x1c-\x1e, \x85, U+2028 and U+2029, so that a changed line end
# would pass).
_LINE = re.compile(rb"([0-9a-f]{64})  ([^\x00-\x1f\x7f\\]+)")
# A path as release_files writes it: relative, "/"-separated, no empty, "." or ".." part, no
# control character (C1 and the Unicode line separators included) and no backslash (which
# sha256sum would have escaped).
_BAD_PATH_CHAR = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\\\\]")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_hidden(name: str) -> bool:
    """Whether a path in a release (posix, relative to it) is hidden: a name, or a directory above
    it, beginning with ".". A release writes none, and no reader of one reads them, as ``datasets``
    does not: they are what a download or a desktop adds (``file-unlisted-hidden``)."""
    return any(part.startswith(".") for part in name.split("/"))


def release_configs(release: Path) -> list[str]:
    """The configs of the release at ``release``: its directories in data/, by name, hidden ones
    left out (``is_hidden``)."""
    data = release / "data"
    return sorted(p.name for p in data.iterdir() if p.is_dir() and not is_hidden(p.name)) if data.is_dir() else []


def config_files(release: Path, config: str) -> list[Path]:
    """The data files of a config of the release at ``release`` (``<split>-NNNNN-of-NNNNN.parquet``,
    as a release writes them and ``datasets`` reads them), by name: the one rule of every reader
    of a release, so that another file there (listed in SHA256SUMS or hidden) is read by none: not
    even one the glob takes, such as a second download's "train-00000-of-00001 (1).parquet"."""
    directory = release / "data" / config
    return sorted(path for split in SPLITS for path in directory.glob(f"{split}-*-of-*.parquet")
                  if _DATA_FILE.fullmatch(path.name[len(split):]))


_DATA_FILE = re.compile(r"-[0-9]{5,}-of-[0-9]{5,}\.parquet")  # after the split's name


def file_split(file: Path) -> str:
    """The split of a data file ``config_files`` gives: its name's, before the first ``-``."""
    return file.name.split("-", 1)[0]


def card_text(release: Path) -> str | None:
    """The release's dataset card (README.md) as text; None when there is none to read. A card
    that is not UTF-8 (every release writes it so: one re-summed with other bytes) is
    ``release-invalid``, naming it and the byte."""
    card = release / "README.md"
    try:
        data = card.read_bytes()
    except OSError:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CorpusError("release-invalid", "the dataset card is not UTF-8",
                          Location(file=str(card), byte_offset=error.start)) from None


def release_files(root: Path) -> list[str]:
    """Every file under root except SHA256SUMS, as sorted posix paths relative to root."""
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and path.relative_to(root).as_posix() != SUMS_FILE
    )


def sums_text(root: Path) -> str:
    return "".join(f"{sha256_file(root / name)}  {name}\n" for name in release_files(root))


def parse_sums(data: bytes, where: str) -> tuple[dict[str, str], list[Problem]]:
    """Parse SHA256SUMS strictly: the exact bytes ``sums_text`` writes are the only form accepted.

    Every line is ``<64 lower-case hex>  <path>\\n`` (LF only, the file ending in one), paths are
    plain relative paths in UTF-8, listed once each in sorted order. So any change of a byte
    either changes a hash or a path (a checksum that no longer matches, a file missing and
    another unlisted) or breaks this form (``sums-malformed``).
    """
    listed: dict[str, str] = {}
    problems: list[Problem] = []

    def malformed(number: int, line: bytes, why: str) -> None:
        problems.append(Problem("sums-malformed", f"{why}: {line[:100]!r}", Location(file=where, line=number)))

    lines = data.split(b"\n")
    if lines[-1]:
        malformed(len(lines), lines[-1], "the last line does not end in a line feed (\\n)")
    previous = None
    for number, line in enumerate(lines, start=1):
        if number == len(lines) and not line:
            break
        match = _LINE.fullmatch(line)
        if match is None:
            malformed(number, line, "not '<64 lower-case hex digits>  <path>' (two spaces, a line feed after)")
            continue
        try:
            path = match.group(2).decode("utf-8")
        except UnicodeDecodeError:
            malformed(number, line, "the path is not UTF-8")
            continue
        parts = path.split("/")
        if _BAD_PATH_CHAR.search(path) or any(part in ("", ".", "..") for part in parts) or path == SUMS_FILE:
            malformed(number, line, "not a plain relative path of a release file")
            continue
        if previous is not None and path <= previous:
            malformed(number, line, "listed twice" if path == previous or path in listed else
                      f"out of order ({SUMS_FILE} lists paths sorted)")
            continue
        previous = path
        listed[path] = match.group(1).decode("ascii")
    return listed, problems


def _croissant_hashes(root: Path) -> dict[str, str]:
    try:
        metadata = json.loads((root / "croissant.json").read_text(encoding="utf-8"))
        return {item["contentUrl"]: item["sha256"] for item in metadata.get("distribution", ()) if "sha256" in item}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def verify_release(root: str | Path) -> Report:
    """Every file against SHA256SUMS: changed, missing and unlisted files are errors naming the
    file, and so is any line of SHA256SUMS not in its exact form. A ``root`` that is no
    directory, or one with neither SHA256SUMS nor croissant.json (no release at all, whose every
    file would be listed as unlisted), raises ``release-missing``: there is nothing to verify."""
    root = Path(root)
    if not root.is_dir():
        raise CorpusError("release-missing", "not a release directory", Location(file=str(root)))
    sums_path = root / SUMS_FILE
    if not (os.path.lexists(sums_path) or os.path.lexists(root / "croissant.json")):
        raise CorpusError("release-missing", f"not a release directory: no {SUMS_FILE}, no croissant.json",
                          Location(file=str(root)))
    sums = sums_path.read_bytes() if sums_path.is_file() else None
    report = check_sums(root, sums, release_files(root), lambda name: sha256_file(root / name))
    # a release is regular files and directories: a link would make its bytes those of a file
    # elsewhere, which can change without the release changing
    odd = [Problem("file-not-regular", "a symbolic link, FIFO or device, not a regular file", Location(file=str(path)))
           for path in sorted(root.rglob("*")) if path.is_symlink() or not (path.is_file() or path.is_dir())]
    return Report.of([*odd, *report.problems], dict(report.stats)) if odd else report


def check_sums(root: Path, sums: bytes | None, present: list[str], digest: Callable[[str], str]) -> Report:
    """``verify_release`` on given parts: the bytes of SHA256SUMS (None: there is none), the
    release's files (as ``release_files``) and the SHA-256 of a file by name (asked only for
    listed files)."""
    if sums is None:
        listed, problems = {}, [Problem("sums-missing", f"{SUMS_FILE} is missing", Location(file=str(root / SUMS_FILE)))]
    else:
        listed, problems = parse_sums(sums, str(root / SUMS_FILE))
    present_set = set(present)
    digests: dict[str, str] = {}

    def digest_of(name: str) -> str:
        if name not in digests:
            digests[name] = digest(name)
        return digests[name]

    def witness() -> dict[str, str]:
        # croissant.json's hashes tell which of a file and SHA256SUMS changed only while it is itself
        # as SHA256SUMS lists it: changed with a parquet file, it would put their change on SHA256SUMS
        croissant = "croissant.json"
        if croissant in listed and croissant in present_set and digest_of(croissant) == listed[croissant]:
            return _croissant_hashes(root)
        return {}

    for name in sorted(listed):
        path = root / name
        if name not in present_set:
            problems.append(Problem("file-missing", f"listed in {SUMS_FILE} but missing", Location(file=str(path))))
            continue
        actual = digest_of(name)
        if actual != listed[name]:
            problems.append(Problem("checksum-mismatch", _mismatch(name, actual, listed[name], witness()),
                                    Location(file=str(path))))
    hidden = 0
    for name in sorted(present_set - set(listed)):
        # A release writes no hidden file, and no reader reads one (datasets skips them too), but a
        # download adds them (the Hub's .gitattributes, huggingface_hub's .cache/, a .DS_Store):
        # said, not refused, so a downloaded release loads; nor counted as the release's
        if is_hidden(name):
            hidden += 1
            problems.append(Problem("file-unlisted-hidden", f"not listed in {SUMS_FILE} (a hidden file: no reader "
                                    "reads it)", Location(file=str(root / name))))
        else:
            problems.append(Problem("file-unlisted", f"not listed in {SUMS_FILE}", Location(file=str(root / name))))
    return Report.of(problems, {"files": len(present_set) - hidden})


def open_parquet(path: Path) -> pq.ParquetFile:
    """A parquet file of a verified release, opened, or ``release-unreadable``: the file
    verifies, so its bytes and SHA256SUMS were changed together."""
    return _open_parquet(path, None)


def reopen_parquet(path: Path, footer: pq.FileMetaData) -> pq.ParquetFile:
    """``path`` opened again on the ``footer`` (``.metadata``) an earlier opening parsed, which is
    not read or parsed again: for a reader that closes a file it may read again."""
    return _open_parquet(path, footer)


def _open_parquet(path: Path, footer: pq.FileMetaData | None) -> pq.ParquetFile:
    name = arrow_path(path)  # outside: a name pyarrow cannot take says so, not that the file is damaged
    try:
        return pq.ParquetFile(name, metadata=footer)
    except (pa.ArrowException, OSError) as error:
        raise CorpusError("release-unreadable", f"not a readable parquet file ({error}): it and SHA256SUMS were "
                          "changed together; restore the release from where it was published",
                          Location(file=str(path))) from None


def require_release(root: str | Path) -> Path:
    """``root`` if it holds a release whose every file matches SHA256SUMS, for every reader of a
    release (load, export, view, diff, add): ``release-missing`` naming what it lacks of
    SHA256SUMS, croissant.json and data/ (a directory that is no release, or only part of one),
    else ``require_verified``."""
    root = Path(root)
    missing = [name for name in (SUMS_FILE, "croissant.json", "data") if not (root / name).exists()]
    if missing:
        raise CorpusError("release-missing", f"not a release directory: no {', '.join(missing)}",
                          Location(file=str(root)))
    return require_verified(root)


def require_verified(root: str | Path) -> Path:
    """``root`` if every file matches SHA256SUMS; else ``release-tampered`` naming the first file at fault."""
    root = Path(root)
    report = verify_release(root)
    if not report.valid:
        first = report.errors[0]
        # resolved: "." (a command run inside the release) has no name of its own
        raise CorpusError("release-tampered", f"release {root.resolve().name} fails verification: {first.message}"
                          + (f" (and {len(report.errors) - 1} more)" if len(report.errors) > 1 else ""),
                          first.location)
    return root


def _mismatch(name: str, actual: str, listed: str, croissant: dict[str, str]) -> str:
    if croissant.get(name) == actual:
        return f"matches croissant.json but not {SUMS_FILE}: {SUMS_FILE} was changed"
    return f"sha256 is {actual[:12]}..., {SUMS_FILE} says {listed[:12]}...: {name} (or {SUMS_FILE}) was changed"
