"""What a file is when it is not a Label Studio JSON export, said from its first bytes.

People hand ``validate`` and ``ingest`` whatever the Export dialog gave them: CSV, TSV, CoNLL
2003, JSON_MIN, a ZIP or a gzip download. The refusal names the format and what to export
instead; it never prints the bytes of a binary file (only, for an unknown text file, its
first characters, escaped).

``not_an_export(head)`` looks at the head of a file (its first ``HEAD_SIZE`` bytes, or all of a
shorter file) and returns ``(code, message)``, or ``None`` when the file may be an export (a
JSON array whose first element, when it fits in the head, is not a JSON_MIN record).
"""

from __future__ import annotations

import codecs
import io
import re

import orjson

from corpus_tools.documents.add import wide_encoding
from corpus_tools.ingest.parse import EXPORT_AS_JSON, not_a_task
from corpus_tools.ingest.split import SplitError, split_array

HEAD_SIZE = 1 << 16  # bytes looked at: enough for the first task of any real export
_WHITESPACE = b" \t\r\n"
# First bytes of JSON values that are not an array: the file is JSON, just not an export.
_OTHER_JSON_STARTS = frozenset(b'{"-0123456789')
_JSON_LITERALS = (b"true", b"false", b"null")
# A JSON string at the start of a head: a JSON document that starts with one is that string alone.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)

# Magic numbers of binary files, longest first where one starts another.
_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive", "unzip it and give the .json file inside, or " + EXPORT_AS_JSON),
    (b"PK\x05\x06", "an empty ZIP archive", EXPORT_AS_JSON),
    (b"\x1f\x8b", "a gzip-compressed file", "decompress it (gunzip) and give the .json file inside, or "
     + EXPORT_AS_JSON),
    (b"BZh", "a bzip2-compressed file", "decompress it (bunzip2) and give the .json file inside"),
    (b"\xfd7zXZ\x00", "an xz-compressed file", "decompress it (unxz) and give the .json file inside"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it and give the .json file inside"),
    (b"%PDF-", "a PDF document", EXPORT_AS_JSON),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", EXPORT_AS_JSON),
    (b"\xff\xd8\xff", "a JPEG image", EXPORT_AS_JSON),
    (b"PAR1", "a Parquet file", EXPORT_AS_JSON),
    (b"SQLite format 3\x00", "an SQLite database", EXPORT_AS_JSON),
)
# Columns that Label Studio's CSV and TSV exports add to the task data's.
_LABEL_STUDIO_COLUMNS = frozenset({"annotation_id", "annotator", "lead_time", "created_at", "updated_at"})
# Label Studio's CONLL2003 export: "-DOCSTART- -X- O", then "token -X- _ TAG" per token.
_CONLL_LINE = re.compile(r"-DOCSTART-(?:\s.*)?|\S+ -X- _ (?:O|[BIES]-\S+)")
_CONLL = ("a CoNLL 2003 file (one token and its tag per line), not a JSON export: it keeps no character "
          f"offsets, quotes or relations; {EXPORT_AS_JSON}")
# Text bytes: printable ASCII, tab, line feed, carriage return, and anything of 0x80 and above
# (UTF-8 decoding tells the rest).
_BINARY_BYTE = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def not_an_export(head: bytes) -> tuple[str, str] | None:
    """``(code, message)`` for a head that no Label Studio JSON export starts with, else None."""
    if head.startswith(codecs.BOM_UTF8):
        return "export-not-json", ("the file starts with a UTF-8 byte-order mark; Label Studio never writes one: "
                                   "is this the file it exported?")
    for magic, name, instead in _MAGIC:
        if head.startswith(magic):
            return "export-not-json", f"{name}, not a JSON export: {instead}"
    # after the magic numbers: a binary header may hold NUL bytes as UTF-16 does; before '[': an
    # export saved as UTF-16 without a byte-order mark starts "[\x00" (little-endian)
    wide = wide_encoding(head)
    if wide is not None:
        return "export-not-json", f"{wide} text, not a JSON export: save it as UTF-8, or {EXPORT_AS_JSON}"
    stripped = head.lstrip(_WHITESPACE)
    if not stripped and len(head) < HEAD_SIZE:
        return "export-not-json", f"the file is empty ({len(head)} bytes of whitespace at most)"
    if not stripped:  # only the head was read: the file may go on
        return "export-not-json", (f"its first {len(head)} bytes are whitespace; a Label Studio export starts "
                                   "with '['")
    first = stripped[0]
    if first == ord("["):
        return _json_min(stripped)
    if stripped.startswith(b"-DOCSTART-"):  # before JSON's "-": no JSON value starts so
        return "export-not-json", _CONLL
    if (first in _OTHER_JSON_STARTS or stripped.startswith(_JSON_LITERALS)) and not _quoted_columns(stripped):
        return "export-not-array", ("JSON, but not a Label Studio export: an export is a JSON array of tasks, "
                                    f"this file starts with {bytes([first])!r}; {EXPORT_AS_JSON}")
    text = _text(head)
    if text is None:
        return "export-not-json", f"a binary file (not text), not a JSON export: {EXPORT_AS_JSON}"
    return "export-not-json", _text_format(text)


def _quoted_columns(stripped: bytes) -> bool:
    """Whether the head starts with a quoted string that more than whitespace follows: no JSON
    document does, while Label Studio's CSV and TSV exports quote every column name
    (``"annotation_id","annotator",...``)."""
    string = _JSON_STRING.match(stripped)
    return string is not None and bool(stripped[string.end():].strip(_WHITESPACE))


def _text(head: bytes) -> str | None:
    """The head as text, or None when it holds bytes no text file has."""
    if _BINARY_BYTE.search(head):
        return None
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not just a character cut at the end of the head
            return None
        return head[:error.start].decode("utf-8")


def _text_format(text: str) -> str:
    lines = text.lstrip("\r\n").splitlines()
    first = lines[0] if lines else ""
    complete = [line for line in lines[:-1] if line.strip()]  # the last line may be cut by the head's end
    if complete and all(_CONLL_LINE.fullmatch(line) for line in complete[:20]):
        return _CONLL
    for separator, name in (("\t", "TSV"), (",", "CSV")):
        columns = {column.strip().strip('"') for column in first.split(separator)}
        if len(columns) > 1:
            if columns & _LABEL_STUDIO_COLUMNS:
                return (f"a Label Studio {name} export (columns {_columns(first, separator)}), not a JSON export: "
                        f"{name} keeps no region ids or relations; {EXPORT_AS_JSON}")
            return f"a {name} file (columns {_columns(first, separator)}), not a JSON export: {EXPORT_AS_JSON}"
    return f"not JSON: the file starts with {first[:40]!r}; {EXPORT_AS_JSON}"


def _columns(header: str, separator: str) -> str:
    columns = [column.strip().strip('"') for column in header.split(separator)]
    shown = ", ".join(repr(column[:30]) for column in columns[:6])
    return shown + (f" and {len(columns) - 6} more" if len(columns) > 6 else "")


def _json_min(array: bytes) -> tuple[str, str] | None:
    """A JSON array: JSON_MIN when its first element, whole within the head, is a JSON_MIN record
    (corpus_tools.ingest.parse.not_a_task, which says so of a longer one when it is read)."""
    try:
        elements = split_array(io.BytesIO(array).read, len(array) or 1)
        offset, first = next(elements)
        record = orjson.loads(first)
    except (SplitError, StopIteration, orjson.JSONDecodeError):
        return None  # said, with its place, when the whole file is read
    described = not_a_task(record)
    return None if described is None else ("export-not-tasks", described)
