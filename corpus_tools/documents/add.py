"""Adding articles to the corpus: ``add_files(layout, paths)`` copies each file byte for byte into
raw/ and appends its manifest record, so nobody edits raw/manifest.jsonl by hand.

The rules, written once in docs/preannotation.md ("`add`"): what each field of the record says
(the encoding, the doc_id, the title, a publisher and date only with evidence, an invented
article), what a release that published the same bytes gives back (``metadata_source``), and
what is refused. Why the main ones are so:

* the same bytes are the same document: a document removed and added again keeps its fold and
  designated split (functions of the doc_id: a test article cannot come back in train) and the
  annotations stored under its id; so is the same text in other bytes (a byte-order mark, CRLF),
  which a release would otherwise publish twice, in two folds;
* nothing is guessed: cp1252 only where the bytes cannot be UTF-8 nor mojibake of it, a title only
  where the first line reads as a headline in the raw file too, a publisher or date only with
  evidence, a cited line quoted from the file itself and checked to state the value
  (``check_evidence``, which check-raw asks of every record).

All or nothing, under the corpus lock: the corpus must check clean, and every file is read and
checked (``_plan``) before anything is written; then ``_write`` stages the raw files and the new manifest in raw/ and
moves them in, the manifest last, and the next add finishes one killed after it staged its
manifest (``_finish_killed``). A corpus no document was added to (``is_new_corpus``) is started
so; a manifest missing beside raw files, stored exports or releases is a lost one, never started
over.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import os
import re
import shutil
from pathlib import Path
from typing import Callable, Iterable, NamedTuple, Sequence

from corpus_tools.documents.index import DocumentIndex, text_sha256
from corpus_tools.documents.normalize import TITLE_MAX_CHARS, Normalized, normalize
from corpus_tools.documents.raw import (
    ADD_STAGING, RAW_LINE_BREAK, RAW_SUFFIX, STAGED_MANIFEST, appended, check_doc_id, check_evidence, combining_run,
    decode, doc_id_key, is_new_corpus, listed_files, manifest_line, read_manifest, require_text,
)
from corpus_tools.documents.removals import read_removals
from corpus_tools.errors import CorpusError, Location, escape
from corpus_tools.fsutil import (abandoned, atomic_write_bytes, file_errors, open_input, resolved, staging_dir,
                                 writing_under)
from corpus_tools.iterutil import Totalled, counted
from corpus_tools.layout import PROTECTED, Layout, check_output, is_root, list_versions
from corpus_tools.lock import corpus_lock
from corpus_tools.records import (
    INVENTED, AddedFile, Evidence, ManifestRecord, Removal, control_in, date_precision, is_calendar_date, same_text,
)

BINARY_CONTROL_SHARE = 0.05
_WHITESPACE_CONTROLS = frozenset("\t\n\r\f\v")
_NUMBERED = re.compile(r"(\d{3,})_[0-9a-f]{16}")  # the ids add makes (and one given in that form)
_STATED = re.compile(r"line\s+([0-9]+)", re.IGNORECASE)  # "Line 5", "line  5": citations too, not reasoning
# A line named anywhere else ("the dateline, line 4", "as line 4 says", "line -1", "line three",
# "the third line", "3rd line", "l. 4"): kept as reasoning, its line would never be checked against
# the value (reasoning is not), so a line that does not state the date could stand as its
# evidence. "dateline", "online", "byline" name none.
_CITES_A_LINE = re.compile(r"\blines?\s*(?:(?:no\.?|number)\s*)?(?:[-+#]?\d|(?:one|two|three|four|five|six|seven|"
                           r"eight|nine|ten|eleven|twelve)\b)"
                           r"|\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
                           r"last|\d+(?:st|nd|rd|th))\s+lines?\b"
                           r"|\bl(?:n|\.)?\s*\d", re.IGNORECASE)
NOT_GIVEN = "Not given when the file was added (corpus-tools add); nothing was inferred from the text."


class Given(NamedTuple):
    """What add's options say of the one file they describe; None where an option is left out."""

    doc_id: str | None
    title: str | None
    publisher: str | None
    publisher_evidence: str | None
    date: str | None
    date_evidence: str | None
    invented: str | None


def add_files(layout: Layout, paths: Sequence[str | Path], *, doc_id: str | None = None, title: str | None = None,
              publisher: str | None = None, publisher_evidence: str | None = None,
              date: str | None = None, date_evidence: str | None = None, invented: str | None = None,
              reading: Totalled | None = None, on_checking: Callable[[int], None] | None = None,
              on_progress: Callable[[int], None] | None = None) -> tuple[AddedFile, ...]:
    """Add ``paths`` to the corpus (docs/preannotation.md); return what was added, in the
    order written: by SHA-256 of the bytes, so the numbering does not depend on the order the
    files were named in. ``doc_id``, ``title`` and the metadata apply to a single file only.
    Progress, one call per item, in this order: ``reading`` asked with the number of documents
    of the corpus (the document index's), for the ``on_progress`` called per document read
    (normalized, to compare texts: after a fresh clone, all of them), ``on_checking`` per file
    checked (decoded, normalized, numbered), ``on_progress`` per file written."""
    if not paths:
        raise CorpusError("add-input-missing", "no file to add")
    given = Given(doc_id, title, publisher, publisher_evidence, date, date_evidence, invented)
    if len(paths) > 1 and any(value is not None for value in given):
        raise CorpusError("metadata-invalid", "--doc-id, --title, --publisher, --date and --invented describe one "
                          f"file; {len(paths)} were given")
    if invented is not None and (publisher is not None or publisher_evidence is not None or not invented.strip()):
        raise CorpusError("metadata-invalid", "--invented says why the article is not news (not blank), and an "
                          "invented article has no publisher: no --publisher or --publisher-evidence with it")
    if not is_root(layout.root):  # a corpus to start (the lock below makes its build/ at once)
        # never inside another corpus's raw/, annotations/ or dist/ (`add --root raw`), where its
        # files would be that corpus's unlisted ones, nor inside a release
        check_output(layout.root, "start the corpus in a directory outside it")
    named = sorted(map(Path, paths))
    for path in named:  # before the lock: a refusal where no corpus is leaves no build/
        _outside_corpus(layout, path)
    # read in name order, then numbered in SHA-256 order: the file a refusal names (the first
    # unreadable one, the second copy of the same bytes) is not the order they were named in either;
    # read before the lock too (the files are no part of the corpus): a name mistyped where no
    # corpus is yet leaves no build/ there
    loaded = sorted(map(_load, named), key=lambda item: item[1])
    # a new corpus gives the plan nothing to read (no document, no release), so it is made before
    # the lock too: a file refused as checked (binary, undecodable, metadata) leaves no build/
    # where no corpus was either; made again under the lock if an add started the corpus meanwhile
    early = _plan(layout, [], {}, {}, {}, {}, (), loaded, given, on_checking) if is_new_corpus(layout) else None
    with corpus_lock(layout, "add"):
        _finish_killed(layout)
        # no document added yet (no manifest, no raw file): this add starts the corpus; a manifest
        # missing beside raw files is a lost one, which the check below refuses (missing_manifest)
        new = is_new_corpus(layout)
        # the index checks the corpus (check-raw's check, its first problem raised) as it opens:
        # check_raw before it read and hashed every raw file twice
        texts = {} if new else _texts(layout, DocumentIndex(layout), reading)
        existing = [] if new else read_manifest(layout.manifest)
        published, rows, published_texts = _published(layout, {sha256 for _, sha256, _ in loaded})
        planned = early if new and early is not None else _plan(
            layout, existing, texts, published, rows, published_texts, read_removals(layout), loaded, given,
            on_checking if early is None else None)  # each file drawn as checked once
        made_raw = not layout.raw.exists()
        try:
            _write(layout, planned, on_progress, b"" if new else layout.manifest.read_bytes())
        except BaseException:
            if made_raw:  # a refused first add leaves the corpus as new as it found it: no raw/
                with contextlib.suppress(OSError):
                    layout.raw.rmdir()  # only if empty: an add killed after staging its manifest keeps it
            raise
    return tuple(added for added, _ in planned)


def _texts(layout: Layout, index: DocumentIndex, reading: Totalled | None) -> dict[str, str]:
    """The text of each document once normalized (its ``text_sha256``) -> its doc_id: a copy in
    other bytes is the same document. Two documents of one text (a manifest merged from two
    checkouts that each added the article, in other bytes) are refused as a new copy would be:
    check-raw, which normalizes nothing, cannot tell, and a release would publish the article twice."""
    texts: dict[str, str] = {}
    for document in counted(index.values(), None if reading is None else reading(len(index))):
        if (twice := same_text(texts, document)) is not None:
            raise CorpusError(twice.code, twice.message + ", then add again",
                              Location(file=str(layout.manifest), doc_id=document.doc_id))
    return texts


def _outside_corpus(layout: Layout, path: Path) -> None:
    """``add-input-in-corpus`` for a file in the corpus's own raw/, annotations/ or dist/ (where a
    symbolic link leads, too): ``add raw/*`` added the manifest itself as an article, and an
    article put into raw/ by hand was refused as unlisted, naming no way on."""
    with file_errors():  # a loop of links
        target = resolved(path)
    for name in PROTECTED:
        directory = layout.root / name
        if target == directory or directory in target.parents:
            held, remedy = (("the files add copied in (each named by its doc_id) and their manifest",
                             " (one put into raw/ by hand: move it out, then add it)") if name == "raw" else
                            ("what the corpus is made of, not articles to add", ""))
            # the file named is a link (not a directory on the way to it: a checkout reached
            # through a linked directory is named by its own path)
            through = f" (a link to {target})" if os.path.islink(path) else ""
            raise CorpusError("add-input-in-corpus", f"lies in the corpus's own {name}/{through}, which holds {held}: "
                              f"an article is added from outside it{remedy}", Location(file=str(path)))


def _load(path: Path) -> tuple[Path, str, bytes]:
    where = Location(file=str(path))
    with file_errors():  # a directory, a FIFO or a device is refused (file-error), never read
        try:
            with open_input(path) as handle:
                data = handle.read()
        except (FileNotFoundError, NotADirectoryError):
            raise CorpusError("add-input-missing", "no such file", where) from None
    if not data:
        raise CorpusError("raw-empty", "the file is empty", where)
    return path, hashlib.sha256(data).hexdigest(), data


def detect_encoding(data: bytes, where: Location) -> tuple[str, str, bool, int | None]:
    """(encoding, decoded text, has a UTF-8 BOM, byte where UTF-8 failed) by add's rule
    (docs/preannotation.md)."""
    wide = wide_encoding(data)
    if wide is not None:
        sign = "its byte-order mark" if data.startswith(tuple(mark for mark, _ in _WIDE_MARKS)) else \
            "NUL bytes between its letters"
        raise CorpusError("raw-undecodable", f"{wide} text ({sign}), which corpus-tools does not read: save it as "
                          "UTF-8 and add it again", where)
    if b"\x00" in data:
        raise CorpusError("raw-binary", f"a NUL byte at byte {data.index(0)}: a binary file, not text", where)
    try:
        text, encoding, failed_at = data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError as not_utf8:
        failed_at = not_utf8.start
        failed = Location(file=where.file, byte_offset=failed_at)
        if data.startswith(codecs.BOM_UTF8):  # cp1252 would make the mark and every UTF-8 character mojibake
            raise CorpusError("raw-undecodable", f"a UTF-8 byte-order mark, but not UTF-8 at byte {failed_at} "
                              f"({data[failed_at:failed_at + 4]!r}): a file of two encodings; save it as UTF-8 "
                              "and add it again", failed) from None
        if (utf8 := _UTF8_CHARACTER.search(data)) is not None:  # cp1252 would make every one of them mojibake
            raise CorpusError("raw-undecodable", f"UTF-8 characters (the first at byte {utf8.start()}: "
                              f"{utf8[0]!r}, {utf8[0].decode()!r}), but not UTF-8 at byte {failed_at} "
                              f"({data[failed_at:failed_at + 4]!r}): a file of two encodings, which cp1252 would read "
                              f"as mojibake ({utf8[0].decode('cp1252', 'replace')!r}), unless that is the text: "
                              "cp1252 letters that happen to form a UTF-8 character (\"JOSÉ’S\"); either way, make "
                              "it all UTF-8 and add it again", failed) from None
        if (surrogate := _UTF8_SURROGATE.search(data)) is not None:  # as mojibake as the above, and not UTF-8 either
            raise CorpusError("raw-undecodable", f"a UTF-16 surrogate written as UTF-8 at byte {surrogate.start()} "
                              f"({surrogate[0]!r}: CESU-8 or Java's modified UTF-8, half of a character beyond "
                              f"U+FFFF such as an emoji), which cp1252 would read as mojibake "
                              f"({surrogate[0].decode('cp1252', 'replace')!r}), unless that is the text; either way, "
                              "save it as UTF-8 and add it again",
                              Location(file=where.file, byte_offset=surrogate.start())) from None
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError as error:
            raise CorpusError("raw-undecodable", f"not UTF-8 (invalid at byte {failed_at}: "
                              f"{data[failed_at:failed_at + 4]!r}) and not cp1252 (byte {error.start}: "
                              f"{data[error.start:error.start + 1]!r} is undefined there)", failed) from None
    controls = sum(1 for c in text if (c < " " or c == "\x7f") and c not in _WHITESPACE_CONTROLS)
    if controls > BINARY_CONTROL_SHARE * len(text):
        raise CorpusError("raw-binary", f"{controls} of {len(text)} characters are control characters: "
                          "a binary file, not text", where)
    return encoding, require_text(text, where), data.startswith(codecs.BOM_UTF8), failed_at


# a character of UTF-8 beyond ASCII (well formed: a lead byte and its continuation bytes), which
# cp1252 text all but never holds ("’" is E2 80 99, in cp1252 "â€™")
_UTF8_CHARACTER = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
                             rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
                             rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")
# a UTF-16 surrogate (U+D800-U+DFFF) in UTF-8's form, which UTF-8 forbids: CESU-8 and Java's
# modified UTF-8 write a character beyond U+FFFF (an emoji) as two of them
_UTF8_SURROGATE = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]")
# a web page saved as it was served: its source opens with a doctype or an <html> tag (after a
# byte-order mark, blank lines or an XML declaration); an article that quotes markup opens with text
_HTML_LEAD = "\ufeff \t\r\n"
_HTML_PAGE = re.compile(rf"[{_HTML_LEAD}]*(?:<\?xml[^>]*>\s*)?<(?:!doctype\s+html|html)(?=[\s>]|$)", re.IGNORECASE)
# byte-order marks of the encodings corpus-tools does not read; UTF-32's before UTF-16's: FF FE
# starts both
_WIDE_MARKS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF16_LE, "UTF-16"),
               (codecs.BOM_UTF16_BE, "UTF-16"))


def wide_encoding(data: bytes) -> str | None:
    """"UTF-32" or "UTF-16" when the bytes look so: its byte-order mark, or (without one) a NUL in
    nearly every 4th byte but one (UTF-32) or every other byte (UTF-16) of the start; else None.
    (Also how ingest names an export saved as UTF-16: corpus_tools.ingest.formats.)"""
    for mark, name in _WIDE_MARKS:
        if data.startswith(mark):
            return name
    head = data[:256]
    if len(head) < 8 or not head.strip(b"\x00"):  # too short to tell; NUL bytes alone hold no letters to be between
        return None
    if sum(head[k::4].count(0) >= 0.9 * len(head[k::4]) for k in range(4)) >= 3:
        return "UTF-32"
    if any(half.count(0) >= 0.9 * len(half) for half in (head[0::2], head[1::2])):
        return "UTF-16"
    return None


def title_of(text: str, normalized: Normalized) -> tuple[str | None, str]:
    """The title by add's rule (docs/preannotation.md), and the rule's verdict in words;
    ``normalized``: ``text`` normalized."""
    title = normalized.title
    if title is None:
        return None, (f"none: normalization takes no title (the first line is boilerplate or a dateline, or longer "
                      f"than {TITLE_MAX_CHARS} characters)")
    if not (title[0].isupper() or title[0].isdigit()):
        return None, "none: the first line does not start like a headline (uppercase letter or digit)"
    if is_byline(title):
        return None, "none: the first line is a byline ('By' and names), not a headline"
    end = normalized.offset_map.to_raw(0, len(title))[1]
    lines = RAW_LINE_BREAK.split(text[:end])
    whole = lines[-1] + RAW_LINE_BREAK.split(text[end:], maxsplit=1)[0]  # the raw line, edges included
    if control_in(whole) is not None:  # normalization drops it: the line is not what it seems
        return None, ("none: the first line holds a control character or a bidirectional embedding, "
                      "override or isolate")
    return title, "the first non-blank line"


# what may stand between the names of a byline: "By Jane Doe and Omar al-Khatib, Reuters"
_BYLINE_LINKS = frozenset(("and", "&", "|", "-", "\u2013", "\u2014", "al", "el", "de", "van", "von", "bin", "ibn"))


def is_byline(line: str) -> bool:
    """Whether a line is a byline ("By Jane Doe", "BY JANE DOE and JOHN ROE, Reuters"): "By" then
    capitalized names only, no punctuation a headline has (a colon, a question or quotation).
    "By the numbers: ..." is a headline; "By Land and Sea" counts as a byline (its title is then
    null, which says nothing false)."""
    words = line.split()
    if not 2 <= len(words) <= 12 or words[0] not in ("By", "BY") or words[1].casefold() in ("the", "a", "an") \
            or any(mark in line for mark in ':?!"\u201c\u201d'):
        return False
    names = [word.strip(",.") for word in words[1:]]
    return all(not name or name in _BYLINE_LINKS or name.split("-")[-1][:1].isupper() for name in names)


def highest_number(doc_ids: Iterable[str]) -> int:
    """The highest number of the doc_ids of add's form (``_NUMBERED``), -1 when none is."""
    return max((int(match[1]) for doc_id in doc_ids if (match := _NUMBERED.fullmatch(doc_id))), default=-1)


def next_doc_id(highest: int, sha256: str) -> str:
    """The doc_id of a file of ``sha256`` numbered after ``highest`` (``highest_number``)."""
    return f"{highest + 1:03d}_{sha256[:16]}"


def _evidence(value: str | None, evidence: str | None, text: str, field: str, where: Location) -> Evidence:
    if value is None and evidence is None:
        return Evidence("none", reasoning=NOT_GIVEN)
    if value is None:
        raise CorpusError("metadata-invalid", f"--{field}-evidence given without --{field}: evidence of no value",
                          where)
    if not (evidence or "").strip():
        raise CorpusError("metadata-invalid", f"--{field} given without --{field}-evidence ('line N' or a sentence "
                          "of reasoning): a value is never recorded unsupported", where)
    stated = _STATED.fullmatch(evidence.strip())
    if stated is None:
        if _CITES_A_LINE.search(evidence):
            raise CorpusError("metadata-invalid", f"{field} evidence {evidence.strip()!r} cites a line, but not as "
                              f"'line N' alone: cite the line so, N from 1 (add quotes it and checks that it states "
                              f"the {field}), or give reasoning that quotes the text and cites no line", where)
        return Evidence("inferred", reasoning=evidence.strip())
    number = int(stated[1])
    lines = RAW_LINE_BREAK.split(text)  # lines as check-raw counts them (\r\n, \r or \n)
    # a byte-order mark is no text of the first line: not quoted into a record a release publishes
    line = (lines[number - 1].removeprefix("\ufeff") if number == 1 else lines[number - 1]) \
        if 1 <= number <= len(lines) else ""
    if not line.strip():
        raise CorpusError("metadata-invalid", f"{field} evidence cites line {number}, which the file does not have "
                          "or which is blank", Location(file=where.file, line=number))
    return Evidence("stated", line=number, quote=line)


def _date_precision(date: str | None, where: Location) -> str | None:
    if date is None:
        return None
    if not is_calendar_date(date):
        raise CorpusError("metadata-invalid", f"date {date!r} is not YYYY, YYYY-MM or YYYY-MM-DD of the calendar",
                          where)
    return date_precision(date)


Published = dict[str, dict[str, list[str]]]  # raw SHA-256 -> {doc_id: the releases, oldest first}
Rows = dict[tuple[str, str], tuple[str, dict]]  # (raw SHA-256, doc_id) -> (the latest release, its row)


def _published(layout: Layout, sha256s: set[str]) -> tuple[Published, Rows, Published]:
    """The doc_ids the releases in dist/ published, by raw SHA-256; for the bytes of ``sha256s``
    that a release published, the documents-config row of the latest release that published them
    under each doc_id (the ``RESTORED`` columns it has); and the doc_ids they published, by text
    SHA-256: ``published_documents``."""
    from corpus_tools.release.loaders import published_documents

    if not list_versions(layout.dist):  # no release: pyarrow is not even imported
        return {}, {}, {}
    columns = tuple(dict.fromkeys(column for needed in RESTORED.values() for column in needed))
    try:
        return published_documents(layout.dist, sha256s, columns + ("publication_date_precision",))
    except CorpusError as error:
        raise CorpusError(error.code, f"{error.message}; add reuses the doc_id a release published the same bytes "
                          "under, and cannot trust what this one says it published: restore it from where it was "
                          "published, then add again", error.location) from None


def metadata_sources(added: AddedFile) -> str:
    """Where the metadata of bytes a release published came from, as add's output says it:
    "from release 1.1.5 (the latest to publish these bytes): encoding, title, ...; given: ..."."""
    said = []
    for source, words in (("release", f"from release {added.release} (the latest to publish these bytes): "),
                          ("given", "given: "),
                          ("rule", f"by add's rule (release {added.release} does not carry it, or its encoding does "
                                   "not read these bytes as the text): ")):
        fields = ", ".join(RESTORED_WORDS[field] for field, found in added.sources if found == source)
        if fields or source == "release":  # the release is named even when nothing came from it
            said.append(words + (fields or "nothing"))
    return "; ".join(said)


def added_line(added: AddedFile) -> str:
    """What add says of a file it added, one line: where it went, its size, encoding, title
    (with the rule that gave it), publisher and date."""
    record = added.record
    encoding = record.encoding + (" with BOM" if added.bom else "")
    if added.not_utf8_at is not None:
        encoding += f" (not valid UTF-8 at byte {added.not_utf8_at}; every byte is defined in cp1252)"
    return (f"{escape(str(added.source))} -> raw/{record.file}: {record.size} bytes, {encoding}, "
            f"title {_said(record.title)} ({added.title_rule}), publisher {_said(record.publisher)}, "
            f"date {_said(record.publication_date)}" + (", an invented article" if record.invented else ""))


def _said(value: str | None) -> str:
    """A manifest value as the manifest writes its absence (null), not as Python's None."""
    return "null" if value is None else repr(value)


def added_notes(added: AddedFile) -> list[str]:
    """What add notes of bytes a release published: the doc_id they keep, and where their
    metadata came from (``metadata_sources``); none for new bytes."""
    notes = []
    if added.published:
        notes.append(f"the same bytes as {added.record.doc_id} of {releases_named(added.published)}: it keeps that "
                     "doc_id, and with it its fold, its designated split and its stored annotations")
    if added.release is not None:
        notes.append(metadata_sources(added))
    return notes


def releases_named(versions: Sequence[str]) -> str:
    """Releases as messages name them: "release 1.1.4", "releases 1.1.3, 1.1.4", "5 releases, 1.1.0 to 1.1.4"."""
    return f"release {versions[0]}" if len(versions) == 1 else \
        f"releases {', '.join(versions)}" if len(versions) <= 3 else \
        f"{len(versions)} releases, {versions[0]} to {versions[-1]}"


# The manifest fields a document added again takes from the latest release that published its
# bytes under its doc_id, each with the documents-config columns it needs (a value comes with its
# evidence; a date's precision, when the release lacks it, follows from the date's form)
RESTORED = {
    "encoding": ("raw_encoding",),
    "title": ("title",),
    "publisher": ("publisher", "publisher_evidence"),
    "publication_date": ("publication_date", "publication_date_evidence"),
}
RESTORED_WORDS = {"encoding": "encoding", "title": "title", "publisher": "publisher with its evidence",
                  "publication_date": "publication date with its precision and evidence"}


def metadata_source(field: str, given: bool, row: dict | None) -> str:
    """Where a manifest field (a key of ``RESTORED``) of an added file comes from; the one rule.
    ``"given"``: an option of add gave it (what the user says wins); else ``"release"``: the bytes
    were published and the latest release to publish them under the doc_id (``row``: its
    documents-config row, None for bytes no release published) has the field's columns; else
    ``"rule"``: add's own rule, as for new bytes (nothing is invented for what the release lacks)."""
    if given:
        return "given"
    if row is not None and all(column in row for column in RESTORED[field]):
        return "release"
    return "rule"


def _release_evidence(value) -> Evidence:
    if not isinstance(value, dict):
        raise ValueError(f"evidence {value!r} is no record of kind, line, quote and reasoning")
    return Evidence(**value)


def _published_as(published: dict[str, list[str]]) -> str:
    """The doc_ids bytes or a text were published under, with the releases: "005_... in release 1.2.1"."""
    return "; ".join(f"{published_id} in {releases_named(versions)}" for published_id, versions in published.items())


def _doc_id(doc_id: str | None, published: dict[str, list[str]], removed_as: str | None, highest: int,
            sha256: str, where: Location) -> str:
    """The doc_id a file gets, by add's rule (docs/preannotation.md); ``published``: the
    releases' doc_ids for its bytes, ``removed_as``: the doc_id the removal record says they
    were removed under, if any, ``highest``: the highest number of the doc_ids numbers follow
    (the manifest's, the releases' and those planned before it)."""
    if not published:
        if doc_id is not None:
            return doc_id
        return removed_as if removed_as is not None else next_doc_id(highest, sha256)
    if doc_id in published:
        return doc_id
    said = _published_as(published)
    if len(published) > 1:
        raise CorpusError("published-doc-id", f"the releases published these bytes under {len(published)} doc_ids "
                          f"({said}): give --doc-id, one of them, to say which the document keeps", where)
    [published_id] = published
    if doc_id is not None and doc_id != published_id:
        raise CorpusError("published-doc-id", f"these bytes were published as {published_id} ({said}); a document "
                          f"keeps its doc_id (its fold and designated split are functions of it, and its annotations "
                          f"are stored under it): leave out --doc-id, and add gives it {published_id}", where)
    return published_id


def _record(new_id: str, sha256: str, data: bytes, encoding: str, text: str, normalized: Normalized, given: Given,
            release: str | None, row: dict | None, where: Location) -> tuple[ManifestRecord, str, dict[str, str]]:
    """The manifest record of a file to add, the title rule's verdict, and where each field of
    ``RESTORED`` came from; ``row``: the documents-config row of ``release``, the latest release
    that published the bytes under ``new_id`` (None for new bytes). A value check-raw would refuse
    is refused, naming the release it came from."""
    _, title, publisher, publisher_evidence, date, date_evidence, invented = given
    if title is not None and not any(character.isprintable() and not character.isspace() for character in title):
        raise CorpusError("metadata-invalid", "--title is blank: leave it out, and the rule finds the title "
                          "or none", where)
    if row is not None and "raw_encoding" in row and not _reads_as(data, row["raw_encoding"], text, where):
        # published under an encoding today's rule does not read these bytes as (raw.decode): add's rule
        row = {column: value for column, value in row.items() if column != "raw_encoding"}
    sources = {field: metadata_source(field, stated, row) for field, stated in (
        ("encoding", False), ("title", title is not None),
        ("publisher", publisher is not None or publisher_evidence is not None or invented is not None),
        ("publication_date", date is not None or date_evidence is not None))}
    if sources["title"] == "release":
        found_title, rule = row["title"], f"from release {release}"
    else:
        found_title, rule = (title.strip(), "given") if title is not None else title_of(text, normalized)
    at_fault = "publisher"  # the field whose value a refusal below is about (None: the record's)
    try:
        if sources["publisher"] == "release":
            found_publisher, publisher_found = row["publisher"], _release_evidence(row["publisher_evidence"])
        else:
            # stripped as a given title is: " Reuters " would be a publisher of its own wherever
            # documents are grouped or counted by publisher (template lines, the card's table)
            found_publisher = publisher.strip() if publisher is not None else None
            publisher_found = (Evidence("none", reasoning=f"{INVENTED}: {invented.strip()}") if invented
                               else _evidence(publisher, publisher_evidence, text, "publisher", where))
        at_fault = "publication_date"
        if sources["publication_date"] == "release":
            found_date, date_found = row["publication_date"], _release_evidence(row["publication_date_evidence"])
        else:
            found_date, date_found = date, _evidence(date, date_evidence, text, "date", where)
        precision = row["publication_date_precision"] if sources["publication_date"] == "release" and \
            "publication_date_precision" in row else _date_precision(found_date, where)
        at_fault = None
        record = ManifestRecord(
            doc_id=new_id, file=new_id + RAW_SUFFIX, sha256=sha256, size=len(data),
            encoding=row["raw_encoding"] if sources["encoding"] == "release" else encoding,
            title=found_title, publisher=found_publisher, publisher_evidence=publisher_found,
            publication_date=found_date, publication_date_precision=precision,
            publication_date_evidence=date_found)
    except CorpusError as error:  # add's own checks of a value (_evidence, _date_precision)
        raise CorpusError(error.code, error.message + _from_release(sources, release, at_fault),
                          error.location) from None
    except (ValueError, TypeError) as error:
        raise CorpusError("metadata-invalid", str(error) + _from_release(sources, release, at_fault),
                          where) from None
    problems = check_evidence(record, text, where)  # what check-raw will ask of the record
    if problems:
        field = problems[0].message.split(":", 1)[0].removesuffix("_evidence")  # check_evidence's prefix
        raise CorpusError("metadata-invalid", problems[0].message + _from_release(sources, release, field), where)
    return record, rule, sources


def _plan(layout: Layout, existing: list[ManifestRecord], texts: dict[str, str], published: Published,
          rows: Rows, published_texts: Published, removals: Sequence[Removal],
          loaded: list[tuple[Path, str, bytes]], given: Given,
          on_checking: Callable[[int], None] | None) -> list[tuple[AddedFile, bytes]]:
    by_sha = {record.sha256: f"already in the corpus as {record.doc_id}" for record in existing}
    taken = {record.doc_id for record in existing}
    keys = {doc_id_key(record.doc_id): record.doc_id for record in existing}  # the manifest has no two of one key
    # what numbers follow, kept as it grows: the highest number found again over every doc_id for each file made
    # an add of n files quadratic (20,000 files: 2·10^8 regular-expression matches, over a minute)
    # a removed document's number counts too: given to other bytes, two documents of the corpus's history
    # would share it
    highest = highest_number(taken | {published_id for ids in published.values() for published_id in ids} |
                             {removal.doc_id for removal in removals})
    removed_as = {removal.sha256: removal.doc_id for removal in removals}  # the latest removal of the bytes
    planned = []
    for path, sha256, data in loaded:
        where = Location(file=str(path))
        if sha256 in by_sha:
            raise CorpusError("raw-duplicate", f"{by_sha[sha256]} (same SHA-256 {sha256})",
                              where)
        encoding, text, bom, failed_at = detect_encoding(data, where)
        if _HTML_PAGE.match(text):
            # its markup would be the document's text: annotators would get tags to annotate
            raise CorpusError("raw-html", f"an HTML page (it opens with {text.lstrip(_HTML_LEAD)[:15]!r}), not an "
                              "article's text: save the article's text from it (a browser's or an editor's plain "
                              "text) and add that", where)
        if (run := combining_run(data, text, encoding, where, "remove them and add it again")) is not None:
            raise run
        new_id = _doc_id(given.doc_id, published.get(sha256, {}), removed_as.get(sha256), highest, sha256, where)
        check_doc_id(new_id, where)
        if new_id in taken or (layout.raw / (new_id + RAW_SUFFIX)).exists():
            raise CorpusError("duplicate-doc-id", f"doc_id {new_id!r} is taken" + (
                ", by other bytes: the releases published these bytes under it, and its raw file has been "
                "replaced since" if sha256 in published else
                ", by other bytes: these bytes were removed under it (annotations/removed-documents.jsonl), and "
                "its raw file has been replaced since; --doc-id adds them as another document"
                if given.doc_id is None and removed_as.get(sha256) == new_id else ""), where)
        # two raw files whose names differ only in case are one file on some filesystems
        if (clash := keys.get(doc_id_key(new_id))) is not None:
            raise CorpusError("duplicate-doc-id", f"doc_id {new_id!r} differs from {clash!r} only in case: on a "
                              "case-insensitive filesystem (macOS, Windows) their raw files would be one file", where)
        normalized = normalize(text)
        if not normalized.text:  # a document of nothing: annotators would get an empty task
            raise CorpusError("raw-empty", "normalization leaves no text (the file holds only a byte-order mark, "
                              "zero-width or control characters, or boilerplate lines)", where)
        release, row = rows.get((sha256, new_id), (None, None))
        record, rule, sources = _record(new_id, sha256, data, encoding, text, normalized, given, release, row, where)
        text_key = text_sha256(normalized.text)  # as the document index will make it
        if text_key in texts:
            raise CorpusError("raw-duplicate", f"its text is {texts[text_key]}'s once normalized: the same article in "
                              "bytes that differ only in what normalization drops (a byte-order mark, line endings, "
                              "spacing, boilerplate lines such as a dateline)", where)
        # a removed document added again in other bytes (saved with CRLF, a BOM) is the same document:
        # under a new doc_id it would lose its fold, split and annotations, as published bytes keep them
        published_as = published_texts.get(text_key, {})
        if published_as and sha256 not in published and new_id not in published_as:
            said = _published_as(published_as)
            keep = f"--doc-id {next(iter(published_as))}" if len(published_as) == 1 else "--doc-id, one of them,"
            raise CorpusError("published-doc-id", f"its text is one the releases published ({said}), in other bytes "
                              "(a byte-order mark, line endings, spacing, boilerplate lines): the same document; give "
                              f"{keep} to keep its doc_id (its fold and designated split are functions of it, and its "
                              "annotations are stored under it)", where)
        by_sha[sha256] = f"given twice: the same bytes as {path}, in this same call"
        texts[text_key] = f"{new_id} (named in this same call as {path})"
        taken.add(new_id)
        keys[doc_id_key(new_id)] = new_id
        highest = max(highest, highest_number([new_id]))
        planned.append((AddedFile(record, str(path), bom, failed_at, rule,
                                  tuple(published.get(sha256, {}).get(new_id, ())), release,
                                  tuple(sources.items()) if release is not None else ()), data))
        if on_checking is not None:
            on_checking(1)
    return planned


def _reads_as(data: bytes, encoding: str, text: str, where: Location) -> bool:
    """Whether ``encoding`` reads ``data`` as ``text`` (what add's rule read), by check-raw's rule."""
    try:
        return decode(data, encoding, where) == text
    except (CorpusError, LookupError):
        return False


def _from_release(sources: dict[str, str], release: str | None, field: str | None) -> str:
    """What a refusal about ``field`` adds when its value came from a release: which, and how to
    replace it; nothing when the value was given or add's rule made it. ``field`` None: the record
    as a whole, which any value from the release may have made so."""
    restored = [name for name, source in sources.items() if source == "release" and name != "encoding"
                and (field is None or name == field)]
    if release is None or not restored:
        return ""
    return (f" (the {', '.join(RESTORED_WORDS[name] for name in restored)} of release {release}, which published "
            "these bytes: give the value with its evidence to replace it)")


def _stage(path: Path, data: bytes) -> None:
    """A raw file written in place in the staging directory, made durable: nothing reads it
    before the staged manifest, written after it, says the add is whole, so it needs no temporary
    and rename of its own (``atomic_write_bytes`` also looks for killed runs' temporaries, which
    lists the directory on every write: adding 3,000 files took twice as long)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, 0o644)  # as atomic_write_bytes makes its files, whatever the umask


def _write(layout: Layout, planned: list[tuple[AddedFile, bytes]], on_progress, manifest: bytes) -> None:
    """Stage the raw files, then the new manifest (``manifest``, the one in place, with the new
    records), and move them in, the manifest last (docs/architecture.md). A raw file is never
    left in raw/ unlisted, which would stop every command that checks raw/: killed before the
    manifest was staged, nothing happened; killed after, the next add finishes the moves."""
    staging = staging_dir(layout.raw, ADD_STAGING)
    try:
        with writing_under(layout.raw):
            for added, data in planned:
                _stage(staging / added.record.file, data)
                if on_progress is not None:
                    on_progress(1)
            atomic_write_bytes(staging / STAGED_MANIFEST,
                               appended(manifest, b"".join(manifest_line(a.record) for a, _ in planned)))
        _move_in(layout, staging)
    except BaseException:
        if (staging / STAGED_MANIFEST).exists():  # else the manifest in place lists them: they stay
            for added, _ in planned:  # moved in before the failure: unlisted, so taken out again
                if not (staging / added.record.file).exists():
                    (layout.raw / added.record.file).unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move_in(layout: Layout, staging: Path) -> None:
    for path in sorted(staging.iterdir()):
        if path.name != STAGED_MANIFEST:
            os.rename(path, layout.raw / path.name)
    os.rename(staging / STAGED_MANIFEST, layout.manifest)


def finish_killed_adds(layout: Layout) -> int:
    """Finish what an add killed after it staged its manifest left (``corpus-tools add`` with no
    file), under the corpus lock; returns how many documents it listed. With none to finish, the
    lock is not taken: it makes build/, which `corpus-tools add` with no file where no corpus is
    should not leave behind (an add killed after this look is finished by the next add)."""
    if not abandoned(layout.raw, ADD_STAGING):
        return 0
    with corpus_lock(layout, "add"):
        return _finish_killed(layout)


def _finish_killed(layout: Layout) -> int:
    """Finish an add killed after it staged its manifest: move its files in and its manifest in
    place, if the manifest is still the one it added to; then remove its staging. Returns how many
    documents the finished adds listed. When the manifest changed since and some of its files
    were moved in already, they cannot be listed safely: refused, the staging kept, so check-raw
    and this say the same (nothing of an add killed before it moved a file in is lost by dropping
    it: its files are in its staging)."""
    listed = 0
    for staging in abandoned(layout.raw, ADD_STAGING):
        staged = staging / STAGED_MANIFEST
        if staged.is_file():
            # none: the add that started the corpus was killed (its staged manifest is the whole one)
            current = layout.manifest.read_bytes() if os.path.lexists(layout.manifest) else b""
            new = staged.read_bytes()
            if new.startswith(current):
                # its records, not its line breaks: a manifest without a final one got one first
                listed += sum(1 for line in new[len(current):].split(b"\n") if line.strip())
                _move_in(layout, staging)
            elif any((layout.raw / name).exists() for name in listed_files(staged) - listed_files(layout.manifest)):
                raise CorpusError("raw-unlisted", f"an add was killed while it moved its files in, and the manifest "
                                  f"changed since: its staged manifest (raw/{staging.name}/{STAGED_MANIFEST}) no "
                                  "longer continues raw/manifest.jsonl; list its moved files by merging the two, or "
                                  "restore the manifest and run `corpus-tools add` again",
                                  Location(file=str(staged)))
        shutil.rmtree(staging, ignore_errors=True)
    return listed
