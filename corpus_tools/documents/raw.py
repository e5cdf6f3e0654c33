"""The raw corpus: byte-exact source files described by raw/manifest.jsonl.

Raw files are never edited. Every read goes through the manifest, so a file that changed,
vanished or appeared unannounced is caught before anything is built from it.

Only regular files are read: raw/ itself must be a directory (not a symbolic link), and the
manifest and every raw file are opened without following a symbolic link and without blocking
on a FIFO (``fsutil.open_regular``), then asked what they are. A link (to a file outside the
repository, which git would store as a mere link; or a loop), a FIFO, a device or a directory is
refused as ``raw-not-regular``, naming the file. Stated evidence in the manifest is checked
against the raw text it cites (``check_evidence``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import stat
import unicodedata
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

import msgspec

from corpus_tools import strictjson
from corpus_tools.errors import CorpusError, Location, Problem, Report, quantity
from corpus_tools.fsutil import NotRegularFile, abandoned, file_errors, open_regular, read_prefix
from corpus_tools.iterutil import Totalled, counted
from corpus_tools.layout import Layout, list_versions
from corpus_tools.records import Evidence, ManifestRecord, RawText
from corpus_tools.timex import MONTH_NAMES

# Where a manifest record is: doc_id, line number, byte offset and byte length of the line, raw key.
IndexRow = tuple[str, int, int, int, str]

# A doc_id is a file stem that is safe on every filesystem and in every URL: no separators,
# no leading dot (so never "." or ".."), nothing a shell would need quoted.
SAFE_DOC_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
# Nor a name Windows keeps for a device, whatever its case and extension ("nul.txt", "CON.x.txt"):
# no such file can be checked out there, nor written (brat's .txt and .ann of the document)
WINDOWS_DEVICE = re.compile(r"(?:con|prn|aux|nul|com[0-9]|lpt[0-9])(?:\..*)?", re.IGNORECASE)
RAW_SUFFIX = ".txt"
# The lines that a manifest's evidence ``line`` counts (1-based): as an editor shows them, ended
# by "\n", "\r\n" or a lone "\r" (not by the other characters str.splitlines takes).
RAW_LINE_BREAK = re.compile("\r\n|\r|\n")
ENCODINGS = ("utf-8", "cp1252")  # cp1252 only where the manifest says so, never as a fallback


_FIELDS = frozenset(field.name for field in dataclasses.fields(ManifestRecord))
_EVIDENCE_FIELDS = frozenset(field.name for field in dataclasses.fields(Evidence))


def _refuse_unknown(value: dict, known: frozenset[str], where: Location, what: str) -> None:
    unknown = sorted(set(value) - known)
    if unknown:
        raise CorpusError("manifest-invalid", f"{what}unknown field(s) {', '.join(map(repr, unknown))}", where)


def parse_manifest_line(line: bytes, where: Location) -> ManifestRecord:
    """One JSONL line -> a checked ManifestRecord, or a CorpusError located at that line.
    Every field's type is checked (msgspec, against the record's own annotations), then the
    record's own rules."""
    try:
        data = strictjson.loads(line)
    except strictjson.JSONError as error:
        raise CorpusError("manifest-invalid", f"not JSON: {error}", where) from None
    if not isinstance(data, dict):
        raise CorpusError("manifest-invalid", "each line must be a JSON object", where)
    check_doc_id(data.get("doc_id"), where)
    _refuse_unknown(data, _FIELDS, where, "")
    for field in ("publisher_evidence", "publication_date_evidence"):
        if isinstance(data.get(field), dict):
            _refuse_unknown(data[field], _EVIDENCE_FIELDS, where, f"{field}: ")
    try:
        record = msgspec.convert(data, ManifestRecord)
    except msgspec.ValidationError as error:
        raise CorpusError("manifest-invalid", str(error), where) from None
    if record.file != (file := record.doc_id + RAW_SUFFIX):
        raise CorpusError("manifest-invalid", f"file must be {file!r} (doc_id is the file stem)", where)
    if record.encoding not in ENCODINGS:
        raise CorpusError("manifest-invalid", f"encoding {record.encoding!r} is not one of {ENCODINGS}", where)
    return record


def check_doc_id(doc_id: Any, where: Location) -> str:
    if not isinstance(doc_id, str) or not SAFE_DOC_ID.fullmatch(doc_id) or WINDOWS_DEVICE.fullmatch(doc_id):
        raise CorpusError("unsafe-doc-id", f"doc_id {doc_id!r} is not a safe file name "
                          f"(letters, digits, '_', '.', '-'; not starting with '.'; not a name Windows keeps for a "
                          "device, CON, PRN, AUX, NUL, COM0-9 or LPT0-9, in any case and with any extension)", where)
    return doc_id


def doc_id_key(doc_id: str) -> str:
    """What a doc_id is to a case-insensitive filesystem (macOS, Windows), where it names a raw
    file and the files exports write per document (brat's .txt and .ann, normalize's, the
    viewer's pages): two doc_ids of one key would be one file there. (A safe doc_id is ASCII; an
    unlisted raw file's name need not be.) Lowercase, letter by letter, as those filesystems fold
    names: casefold's "ss" for "ß" or "fi" for "ﬁ" would call two files one that are two there.
    The doc_id itself when it is its own key, as the ones add makes are: no second string."""
    key = doc_id.lower()
    return doc_id if key == doc_id else key


def scan_manifest(path: Path, skipped: Callable[[Problem, bytes], None] | None = None,
                  scanning: Totalled | None = None) -> Iterator[tuple[int, int, int, ManifestRecord]]:
    """(line number, byte offset and byte length of the line, record) of every record, in file order.

    Raises on the first bad line or a duplicate doc_id, also one that differs from an earlier one
    only in case (``doc_id_key``); with ``skipped`` (check-raw, which lists every problem), each
    is given to it with its line instead, and the scan goes on past that record. Streams: only
    the doc_ids seen grow with the manifest. ``scanning``: asked with the size of the manifest
    once it is open, for the ``on_progress`` called with the bytes of each line once the next is
    asked for (the caller has handled its record), the last line's at the end: how many records
    the manifest holds is known only then.
    """
    where = Location(file=str(path))
    try:
        fd = open_regular(path)
    except (FileNotFoundError, NotADirectoryError):
        raise CorpusError("manifest-missing", "no manifest", where) from None
    except NotRegularFile as error:
        raise _not_regular(error, where) from None
    seen: dict[str, int] = {}  # doc_id_key -> the line number of its first record
    spelled: dict[str, str] = {}  # doc_id_key -> that record's doc_id, where it is not its own key
    offset = line_offset = 0
    with os.fdopen(fd, "rb") as handle:
        on_progress = None if scanning is None else scanning(os.fstat(fd).st_size)
        for number, line in enumerate(handle, start=1):
            if on_progress is not None and offset:  # the line before: its record was handled
                on_progress(offset - line_offset)
            line_offset, offset = offset, offset + len(line)
            if not line.strip():
                continue
            where = Location(file=str(path), line=number)
            try:
                record = parse_manifest_line(line, where)
                key = doc_id_key(record.doc_id)
                first_line = seen.setdefault(key, number)
                if first_line != number:
                    first = spelled.get(key, key)
                    raise CorpusError("duplicate-doc-id", f"doc_id {record.doc_id!r} appears twice (line {first_line} "
                                      "too)" if first == record.doc_id else f"doc_id {record.doc_id!r} differs from "
                                      f"{first!r} (line {first_line}) only in case: on a case-insensitive filesystem "
                                      "(macOS, Windows) their raw files are one file, and so are the files exports "
                                      "write per doc_id: give one of them another doc_id", where)
            except CorpusError as error:
                if skipped is None:
                    raise
                skipped(error.as_problem(), line)
                continue
            if key is not record.doc_id:
                spelled[key] = record.doc_id
            yield number, line_offset, len(line), record
        if on_progress is not None and offset:
            on_progress(offset - line_offset)


def raw_names(layout: Layout) -> list[str]:
    """The names in raw/ (none when there is no raw/) that are sources or claim to be, sorted:
    every one but the manifest and hidden names (an add's staging, an atomic write's temporary,
    a ``.gitkeep``), which nothing reads as a source. Names, not Paths: a Path is some 300
    bytes, 15 MB at 50,000 documents."""
    try:
        names = os.listdir(layout.raw)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(name for name in names if not name.startswith(".") and name != layout.manifest.name)


def is_new_corpus(layout: Layout) -> bool:
    """No document was ever added, so ``add`` may start the corpus: no manifest (nor a dangling
    link in its place), no source in raw/ and nothing made from documents. Any other missing
    manifest is a lost one (``missing_manifest``), never started over."""
    check_raw_dir(layout)
    return not os.path.lexists(layout.manifest) and not raw_names(layout) and _made_from_documents(layout) is None


def _made_from_documents(layout: Layout) -> str | None:
    """What in the corpus says it had documents, in words (the first found), or None. A removal
    record counts (every document may have been removed); the entity registry does not (a corpus
    may be given one before its first article)."""
    try:
        stored = sorted(name for name in os.listdir(layout.exports) if not name.startswith("."))
    except (FileNotFoundError, NotADirectoryError):
        stored = []
    if stored:
        return f"annotations/exports/ holds {quantity(len(stored), 'stored export')} ({stored[0]!r} first)"
    if versions := list_versions(layout.dist):
        return f"dist/ holds {quantity(len(versions), 'release')} ({', '.join(versions)})"
    if os.path.lexists(layout.removed_documents):  # its lines are read where they are used (documents.removals)
        return f"{layout.removed_documents.parent.name}/{layout.removed_documents.name} records documents removed from it"
    return None


def missing_manifest(layout: Layout) -> CorpusError:
    """The error for a corpus whose manifest does not exist, saying what to do next, which
    depends on what raw/ holds and on what says the corpus had documents (docs/validation.md,
    ``manifest-missing``)."""
    names, made = raw_names(layout), _made_from_documents(layout)
    killed = killed_adds(layout) if names else {}
    files = f"raw/ holds {quantity(len(names), 'file')} ({names[0]!r} first)" if names else ""
    them, they_are = ("it", "it is an article") if len(names) == 1 else ("them", "they are articles")
    if not names and made is not None:
        why = (f"no manifest and no raw file, but {made}: the corpus had documents, and its raw/ is lost; restore it "
               "(from git: `git checkout -- raw/`); `corpus-tools add` starts a corpus only where there was none")
    elif not names:
        why = "no manifest: no document has been added to this corpus yet; `corpus-tools add FILE...` starts it"
    elif staged := next((killed[name] for name in names if name in killed), None):
        why = f"no manifest: {_killed_add(staged)}"
    elif made is not None:  # not articles put there by hand, to add
        why = (f"no manifest, but {files}, and {made}: the corpus had documents, and the manifest that listed them is "
               "lost; restore it (from git: `git checkout -- raw/manifest.jsonl`)")
    else:
        why = (f"no manifest, but {files}: if a manifest listed {them}, it is lost: restore it (from git: `git "
               f"checkout -- raw/manifest.jsonl`); if {they_are} put there by hand, move {them} out of raw/ and add "
               f"{them} with `corpus-tools add`, which starts a corpus where raw/ is empty or missing")
    return CorpusError("manifest-missing", why, Location(file=str(layout.manifest)))


def manifest_line(record: Any) -> bytes:
    """A record as a line of the manifest (or of the removal record, written alike): fields in
    record order, text unescaped, as the committed lines are."""
    return json.dumps(dataclasses.asdict(record), ensure_ascii=False).encode("utf-8") + b"\n"


def appended(data: bytes, lines: bytes) -> bytes:
    """``lines`` after the lines of ``data``, which gets the final line break it lacks (a file
    edited by hand)."""
    return data + (b"\n" if data and not data.endswith(b"\n") else b"") + lines


def read_manifest(path: Path) -> list[ManifestRecord]:
    """All records of a manifest, in file order; raises on the first bad line or a duplicate doc_id."""
    return [record for *_, record in scan_manifest(path)]


def listed_files(path: Path) -> set[str]:
    """The raw files a manifest lists; raises as ``scan_manifest``."""
    return {record.file for *_, record in scan_manifest(path)}


def read_manifest_record(fd: int, path: str | Path, number: int, offset: int, length: int) -> ManifestRecord:
    """The record on line ``number`` of the manifest open as ``fd``: ``length`` bytes at byte
    ``offset`` (from scan_manifest). ``os.pread`` uses no file position, so processes forked
    with the descriptor can read through it at once."""
    return parse_manifest_line(os.pread(fd, length, offset), Location(file=str(path), line=number))


def decode(data: bytes, encoding: str, where: Location) -> str:
    """Decode raw bytes strictly; a bad byte is reported with its offset, never replaced."""
    if not data:
        raise CorpusError("raw-empty", "the file is empty", where)
    if encoding != "utf-8" and not data.isascii() and _is_utf8(data):
        # add's rule (documents/add.py): bytes that are UTF-8 are UTF-8, and cp1252 would garble them
        raise CorpusError("raw-encoding-mismatch", f"the manifest says {encoding}, but the bytes are UTF-8 (with "
                          "characters beyond ASCII), which would decode to other characters: set its encoding to "
                          "utf-8", where)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        located = Location(file=where.file, byte_offset=error.start)
        raise CorpusError("raw-undecodable", f"invalid {encoding} at byte {error.start}: "
                          f"{data[error.start:error.start + 4]!r}; if the file is cp1252, "
                          f"say so in the manifest's encoding field", located) from None
    return require_text(text, where)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def require_text(text: str, where: Location) -> str:
    """A raw file holds some text: one of whitespace only would be a document of nothing."""
    if not text.strip():
        raise CorpusError("raw-empty", "the file holds only whitespace, no text", where)
    return text


# Unicode's Stream-Safe Text Format (UAX #15, section 13) allows at most 30 combining marks
# (non-starters) in a row, more than any writing system needs. NFC, in Python's unicodedata,
# sorts a run of marks of mixed combining classes in time quadratic in its length: 100,000 took
# 7.9 s of CPU there, and about as long in normalize, which runs NFC over it once (15.7 s when it
# ran twice, before 803baeb; bench/README.md), in every command that normalizes the document
# until its text is cached.
MAX_COMBINING_RUN = 30
# Every combining mark is at U+0300 or above (tests/test_raw.py checks every code point below), so
# one in UTF-8 or cp1252 is bytes from 0x80 up: a run of marks is a run of such bytes at least as
# long, which English news seldom holds, found in C (a byte translation and a search). Only a
# file holding one is looked at character by character: the marks of the text found per file
# and a pattern made of them (add's first way) cost 120 µs a document, a search for characters
# from U+0300 up 35 to 130, where check-raw reads, hashes and decodes a document in 20.
_HIGH_BYTES = bytes.maketrans(bytes(range(256)), bytes(128) + b"\x01" * 128)
_FROM_FIRST_MARK = re.compile(f"[^\x00-\u02ff]{{{MAX_COMBINING_RUN + 1},}}")


def combining_run(data: bytes, text: str, encoding: str, where: Location, remedy: str) -> CorpusError | None:
    """``raw-combining-run`` for the first run of more than ``MAX_COMBINING_RUN`` combining marks
    in ``text`` (``data`` decoded from ``encoding``), at its first mark's byte offset in
    ``where.file``; None when there is none. ``remedy``: what to do, which is not the same for a
    file to add (``add``) and a document the corpus holds (``check-raw``)."""
    if b"\x01" * (MAX_COMBINING_RUN + 1) not in data.translate(_HIGH_BYTES):
        return None
    for stretch in _FROM_FIRST_MARK.finditer(text):
        start = None
        for index in range(stretch.start(), stretch.end() + 1):
            if index < stretch.end() and unicodedata.combining(text[index]):
                start = index if start is None else start
                continue
            if start is not None and index - start > MAX_COMBINING_RUN:
                return CorpusError("raw-combining-run", f"{index - start} combining marks in a row (more than the "
                                   f"{MAX_COMBINING_RUN} of Unicode's stream-safe text format; normalization takes "
                                   f"time quadratic in such a run): not an article's text; {remedy}",
                                   dataclasses.replace(where, byte_offset=len(text[:start].encode(encoding))))
            start = None
    return None


def read_raw(layout: Layout, record: ManifestRecord) -> RawText:
    """Read one raw file, check it against its record, decode it."""
    path = os.path.join(layout.raw, record.file)
    return RawText(record, decode(read_raw_bytes(path, record), record.encoding, Location(file=path)))


def read_raw_bytes(path: str, record: ManifestRecord) -> bytes:
    """One raw file's bytes, checked against its record (size, sha256), not decoded. Few system
    calls, no stat first, no Path objects (this runs twice per document per command): a byte
    more than the record's size is asked for, so a longer file shows as one."""
    try:
        data = read_prefix(path, record.size + 1)
    except (FileNotFoundError, NotADirectoryError):
        raise CorpusError("raw-missing", f"manifest record {record.doc_id!r} has no file",
                          Location(file=path)) from None
    except NotRegularFile as error:
        raise _not_regular(error, Location(file=path)) from None
    if len(data) != record.size:
        size = os.lstat(path).st_size if len(data) > record.size else len(data)
        raise CorpusError("raw-size-mismatch", f"size {size} bytes, manifest says {record.size}",
                          Location(file=path))
    digest = hashlib.sha256(data).hexdigest()
    if digest != record.sha256:
        raise CorpusError("raw-sha256-mismatch", f"sha256 {digest}, manifest says {record.sha256}",
                          Location(file=path))
    return data


def _not_regular(error: NotRegularFile, where: Location) -> CorpusError:
    return CorpusError("raw-not-regular", f"{error.kind}, not a regular file: raw/ holds regular files only "
                       "(a link would be stored by git as a mere link, a FIFO or a device blocks or never ends)",
                       where)


def check_raw_dir(layout: Layout) -> None:
    """raw/ must be a directory of the checkout itself, not a symbolic link to one elsewhere."""
    with file_errors():  # the corpus's root a file, or in a loop of links: named, not a traceback
        try:
            mode = os.lstat(layout.raw).st_mode
        except FileNotFoundError:
            return  # the manifest inside it is missing: said as manifest-missing
    if not stat.S_ISDIR(mode):
        kind = f"a symbolic link to {os.readlink(layout.raw)!r}" if stat.S_ISLNK(mode) else "not a directory"
        raise CorpusError("raw-not-regular", f"raw/ is {kind}: it must be a directory inside the repository",
                          Location(file=str(layout.raw)))


def check_evidence(record: ManifestRecord, text: str, where: Location) -> list[Problem]:
    """``evidence-mismatch`` for each stated evidence whose line (``RAW_LINE_BREAK``'s) does not
    hold its quote or whose quote does not state the value (docs/validation.md). Containment
    rather than equality, so a publisher named inside a longer line can be cited by its words."""
    problems = []
    lines: list[str] | None = None
    for field in ("publisher_evidence", "publication_date_evidence"):
        evidence = getattr(record, field)
        if evidence.kind != "stated":
            continue
        lines = lines if lines is not None else RAW_LINE_BREAK.split(text)
        line, quote = evidence.line, evidence.quote
        if not isinstance(line, int) or isinstance(line, bool) or not 1 <= line <= len(lines):
            why = f"line {line!r} is not a line of {record.file} (it has {len(lines)})"
        elif not isinstance(quote, str) or not quote.strip():
            why = f"the quote {quote!r} quotes nothing"
        elif not _quotes(lines[line - 1], quote):
            why = (f"line {line} of {record.file} does not contain the quote {quote!r} (as whole words); it reads "
                   f"{lines[line - 1]!r}")
        elif (missing := _unstated(record, field, quote)) is not None:
            why = f"the quote {quote!r} (line {line}) does not state {missing}, so it is no evidence for it"
        else:
            continue
        problems.append(Problem("evidence-mismatch", f"{field}: {why}", where))
    return problems


def _quotes(line: str, quote: str) -> bool:
    """Whether ``quote`` is a part of ``line`` that cuts no word: "5 April, 2024" is no quote of
    "25 April, 2024", nor "ken" of "Blinken"."""
    start = line.find(quote)
    while start >= 0:
        end = start + len(quote)
        if not (start and line[start - 1].isalnum() and quote[0].isalnum()) and \
                not (end < len(line) and line[end].isalnum() and quote[-1].isalnum()):
            return True
        start = line.find(quote, start + 1)
    return False


_MONTH_NUMBERS = {name[:3].casefold(): number for name, number in MONTH_NAMES.items()}  # "apr": 4
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?" \
         r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
# the ways a line writes a date, each giving (year, month, day) groups by name
_DATE_FORMS = [re.compile(form, re.IGNORECASE) for form in (
    r"(?<!\d)(?P<year>\d{4})[-/.](?P<month>\d{1,2})(?:[-/.](?P<day>\d{1,2}))?(?!\d)",  # 2024-04-25, 2024-04
    r"(?<!\d)(?P<day>\d{1,2})[-/.](?P<month>\d{1,2})[-/.](?P<year>\d{4})(?!\d)",  # 25/4/2024
    r"(?<!\d)(?P<month>\d{1,2})[-/.](?P<day>\d{1,2})[-/.](?P<year>\d{4})(?!\d)",  # 4/25/2024
    rf"(?<![a-z])(?P<month>{_MONTH})\s+{_DAY},?\s+(?P<year>\d{{4}})(?!\d)",  # April 25, 2024
    rf"(?<!\d){_DAY}\s+(?:of\s+)?(?P<month>{_MONTH}),?\s+(?P<year>\d{{4}})(?!\d)",  # 25 April 2024
    rf"(?<!\d)(?P<day>\d{{1,2}})-(?P<month>{_MONTH})-(?P<year>\d{{4}})(?!\d)",  # 25-Apr-2024
    r"(?<!\d)(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})(?!\d)",  # 20240425
    rf"(?<![a-z])(?P<month>{_MONTH}),?\s+(?P<year>\d{{4}})(?!\d)",  # April 2024
    r"(?<!\d)(?P<year>\d{4})(?!\d)",  # 2024
)]


def _dates_in(quote: str) -> set[tuple[int, int | None, int | None]]:
    """The (year, month, day) of every date the quote writes, as far as each goes."""
    found = set()
    for form in _DATE_FORMS:
        for match in form.finditer(quote):
            month, day = match.groupdict().get("month"), match.groupdict().get("day")
            if month is not None and not month.isdigit():
                if not month[0].isupper():
                    continue  # a month's name is capitalized: "may visit", "could mar 2024" state none
                month = _MONTH_NUMBERS[month[:3].casefold()]
            found.add((int(match["year"]), int(month) if month else None, int(day) if day else None))
    return found


def _unstated(record: ManifestRecord, field: str, quote: str) -> str | None:
    """What a stated quote should say and does not; None when it says it. A date's parts must be
    those of one date the quote writes, in any format, not numbers anywhere in the line
    ("Updated 2024-12-03" states no 12 March; "may visit ... in 2024" no May); a publisher's
    name, whole words ("Ken" is not in "Blinken")."""
    if field == "publication_date_evidence":
        date = record.publication_date
        stated = ([int(part) for part in (date or "").split("-")] + [None, None])[:3]  # (year, month, day)
        dates = _dates_in(quote)
        for size, part in ((1, f"the year {stated[0]}"), (2, f"the month of {date}"), (3, f"the day of {date}")):
            if stated[size - 1] is not None and not any(found[:size] == tuple(stated[:size]) for found in dates):
                return part
        return None
    name = re.escape(" ".join((record.publisher or "").split()).casefold())
    said = re.search(rf"(?<!\w){name}(?!\w)", " ".join(quote.split()).casefold())
    return None if said else f"the publisher {record.publisher!r}"


def check_raw(layout: Layout, checking: Totalled | None = None) -> Report:
    """Every raw file against the manifest (docs/validation.md, "raw"); all problems, as data.
    Nothing is written. ``checking``: the progress in bytes of the manifest, each record's line
    counted once its file is checked (``scan_manifest``'s ``scanning``)."""
    return check_raw_indexed(layout, checking)[0]


def check_raw_indexed(layout: Layout, checking: Totalled | None = None) -> tuple[Report, list[IndexRow]]:
    """``check_raw``'s report, and each record's ``IndexRow`` in manifest order: its raw key
    ``"<sha256>:<encoding>"`` is what the decoded text is a function of (what
    corpus_tools.documents.cache.RawIndex stores). One streaming pass over the manifest; each
    raw file is read, hashed and decoded (not kept)."""
    rows: list[IndexRow] = []
    problems: list[Problem] = []
    listed: set[str] = set()
    first_with: dict[str, int] = {}  # a SHA-256 -> the index in rows of the first record of it
    raw_dir, manifest = str(layout.raw), str(layout.manifest)
    try:
        check_raw_dir(layout)
        # raw/ is listed before the manifest is read: add moves its raw files in first and its
        # manifest last, so a file added while this runs is either not listed here or in the
        # manifest read below, or else in the one now in place (checked at the end)
        present = raw_names(layout)
        def skipped(problem: Problem, line: bytes) -> None:
            problems.append(problem)
            # the raw file a bad line names is listed, if wrongly: not also reported as unlisted
            listed.update(_named_file(line))

        for number, offset, length, record in scan_manifest(layout.manifest, skipped, checking):
            record_at = Location(file=manifest, line=number, doc_id=record.doc_id)
            # the same bytes are the same document (add's rule): two records of them, as a merge
            # of two checkouts' adds makes, would release one article twice, in two folds
            if (first := first_with.setdefault(record.sha256, len(rows))) != len(rows):
                problems.append(Problem("raw-duplicate", f"the same bytes (SHA-256 {record.sha256}) as "
                                        f"{rows[first][0]} (line {rows[first][1]}): one article is one document; "
                                        "remove one of the two records and its raw file", record_at))
            rows.append((record.doc_id, number, offset, length, f"{record.sha256}:{record.encoding}"))
            listed.add(record.file)
            _check_raw_file(os.path.join(raw_dir, record.file), record, problems, record_at)
    except CorpusError as error:
        if error.code == "manifest-missing":  # said with what to do next, which depends on what raw/ holds
            error = missing_manifest(layout)
        return Report.of([error.as_problem()]), []
    unlisted = [layout.raw / name for name in present if name not in listed]
    if unlisted:  # an add that finished meanwhile lists its files in the manifest it put in place last
        try:
            added = listed_files(layout.manifest)
        except CorpusError:
            added = set()
        unlisted = [path for path in unlisted if path.name not in added]
    killed = {**killed_removes(layout), **killed_adds(layout)} if unlisted else {}
    folded = {doc_id_key(name): name for name in listed} if unlisted else {}  # the listed names, by key
    problems[:0] = [Problem("raw-unlisted", _unlisted_why(path, killed) + _case_twin(path, folded),
                            Location(file=str(path))) for path in unlisted]
    return Report.of(problems, {"documents": len(rows)}), rows


# raw/.add-<pid>-*.tmp: an add's raw files and then its new manifest, before they are moved in
# (corpus_tools.documents.add)
ADD_STAGING = ".add-"
STAGED_MANIFEST = "manifest.jsonl"
# raw/.remove-<pid>-*.tmp: a remove's plan and new manifest, before its commit
# (corpus_tools.documents.remove)
REMOVE_STAGING = ".remove-"
REMOVE_PLAN = "removing.json"  # in its staging: the doc_ids and raw files, whether the record existed


def killed_adds(layout: Layout) -> dict[str, Path]:
    """The raw files that the staged manifest of an add killed while moving its files in lists,
    each with that add's staging directory (``corpus-tools add`` with no file finishes them);
    one killed before its manifest was staged moved nothing in."""
    return _killed(layout, ADD_STAGING, lambda staging: listed_files(staging / STAGED_MANIFEST))


def killed_removes(layout: Layout) -> dict[str, Path]:
    """The raw files a remove killed after its commit had still to delete, each with that
    remove's staging directory (``corpus-tools remove`` with no doc_id deletes them)."""
    return _killed(layout, REMOVE_STAGING, lambda staging: (remove_plan(staging) or {}).get("files", ()))


def _killed(layout: Layout, prefix: str, files: Callable[[Path], Iterable[str]]) -> dict[str, Path]:
    found = {}
    for staging in abandoned(layout.raw, prefix):
        try:
            found.update(dict.fromkeys(files(staging), staging))
        except CorpusError:  # unreadable: the run that finishes it says so; here it only words a message
            continue
    return found


def remove_plan(staging: Path) -> dict | None:
    """A remove's plan in its staging directory (``doc_ids``, raw ``files``, ``record_existed``),
    or None when it was killed before it wrote one: then it had changed nothing. The plan is
    written atomically, so one that does not read as a plan was changed by hand: refused, as
    finishing that remove would have to guess whether to put its record back."""
    path = staging / REMOVE_PLAN
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        plan = strictjson.loads(data)
    except strictjson.JSONError:
        plan = None
    if not (isinstance(plan, dict) and isinstance(plan.get("record_existed"), bool)
            and isinstance(plan.get("files"), list) and all(isinstance(name, str) for name in plan["files"])):
        raise CorpusError("remove-plan-unreadable",
                          "a killed remove's plan is not a JSON object with 'files' (a list of names) and "
                          "'record_existed' (true or false); a remove writes it whole, so it was changed: "
                          "put its staging directory back as the remove left it", Location(file=str(path)))
    return plan


def _named_file(line: bytes) -> tuple[str, ...]:
    """The file a manifest line that is no valid record names, if it is a JSON object with one."""
    try:
        data = strictjson.loads(line)
    except strictjson.JSONError:
        return ()
    named = data.get("file") if isinstance(data, dict) else None
    return (named,) if isinstance(named, str) else ()


def _case_twin(path: Path, listed: Mapping[str, str]) -> str:
    """What an unlisted name adds when it differs from a listed raw file's only in case: a checkout
    on a case-insensitive filesystem (macOS, Windows) holds one of the two files only."""
    twin = listed.get(doc_id_key(path.name))
    return "" if twin is None else (f" (its name differs from {twin!r}, which the manifest lists, only in case: on a "
                                    "case-insensitive filesystem the two are one file)")


def _killed_add(staging: Path) -> str:
    return (f"an add was killed while it moved its files in (its manifest is staged in raw/{staging.name}); "
            "`corpus-tools add` with no file finishes it")


def _unlisted_why(path: Path, killed: Mapping[str, Path]) -> str:
    if path.name in killed and killed[path.name].name.startswith(REMOVE_STAGING):
        return (f"raw file is not in the manifest: a remove was killed before it deleted it (its plan is in "
                f"raw/{killed[path.name].name}); `corpus-tools remove` with no doc_id finishes it")
    if path.name in killed:
        return f"raw file is not in the manifest: {_killed_add(killed[path.name])}, or says why it cannot"
    if path.suffix == RAW_SUFFIX and path.is_file():
        return "raw file is not in the manifest"
    return ("not a raw file the manifest lists: raw/ holds the manifest and the sources it lists, nothing else "
            "(add a source with corpus-tools add)")


def _check_raw_file(path: str, record: ManifestRecord, problems: list[Problem], record_at: Location) -> None:
    try:
        data = read_raw_bytes(path, record)
        text = decode(data, record.encoding, Location(file=path))
    except CorpusError as error:
        problems.append(error.as_problem())
        return
    # a file added before add refused such a run: a raw file is never edited, so the document
    # leaves the corpus (remove takes it out of a corpus that checks clean but for it:
    # corpus_tools.documents.remove.REMOVABLE)
    if (run := combining_run(data, text, record.encoding, Location(file=path, doc_id=record.doc_id),
                             "a raw file is never edited: take the document out with corpus-tools remove")) is not None:
        problems.append(run.as_problem())
    problems.extend(check_evidence(record, text, record_at))


def raise_first(report: Report) -> None:
    """Raise the first error of an invalid raw-corpus report, saying how many more there are."""
    if report.valid:
        return
    first = report.errors[0]
    more = f" (and {len(report.errors) - 1} more problems: run corpus-tools check-raw)" if len(report.errors) > 1 else ""
    raise CorpusError(first.code, first.message + more, first.location)


def iter_raw(layout: Layout, reading: Totalled | None = None) -> Iterator[RawText]:
    """Raw texts in manifest order, after checking the whole raw/ directory first.

    Checking everything before yielding anything means a caller that writes per document
    never writes for a corpus that turns out to be broken halfway. ``reading``: asked, once the
    check has counted the manifest's records, with that number, for the ``on_progress`` called
    after each text has been handled (a bar with a total, at no extra pass over the manifest).
    """
    report = check_raw(layout)
    raise_first(report)
    on_progress = None if reading is None else reading(dict(report.stats)["documents"])
    yield from counted((read_raw(layout, record) for *_, record in scan_manifest(layout.manifest)), on_progress)
