"""JSON as the corpus reads it wherever people or tools write it (exports, the manifest, the
registry, the annotators, lint acceptances, annotate's results): one parser, which refuses an
object with the same key twice (most parsers, orjson among them, keep the last value silently)
and NaN or infinities (not JSON), among them a number too large for a double, which would read
as one; and one reader of the JSON-lines files people write."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Iterator

import jiter

from corpus_tools.errors import CorpusError, Location
from corpus_tools.fsutil import file_errors, open_input

_PLACE = re.compile(r"^(?P<message>.*) at line (?P<line>\d+) column (?P<column>\d+)$", re.S)
_LONE_SURROGATE = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
                             rb"|(?<![0-9a-fA-F]{4})\\u[dD][c-fC-F][0-9a-fA-F]{2}")


class JSONError(ValueError):
    """What is wrong (``message``, without its place) and the byte offset where (``offset``)."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message, self.offset = message, offset

    @property
    def duplicate_key(self) -> bool:
        return self.message.startswith("Detected duplicate key")


def loads(data: bytes) -> Any:
    """The value ``data`` holds; ``JSONError`` when it is not strict JSON."""
    try:
        value = jiter.from_json(data, catch_duplicate_keys=True, allow_inf_nan=False, cache_mode="keys")
    except ValueError as error:
        raise JSONError(*_plainly(*_place(str(error), data), data)) from None
    _refuse_overflow(value, data)
    return value


# jiter reads a number beyond a double's range as an infinity (allow_inf_nan refuses only the
# literals). Such a number shows an exponent of three digits or more ("1e400", "1E+400") or 309
# digits in a row: found with every digit written 0 and every E as e (bytes.translate and find:
# a regular expression cost over half as much as the parse itself).
_AS_SHAPES = bytes(ord("0") if byte in b"0123456789" else ord("e") if byte in b"eE" else byte if byte == ord("+")
                   else ord(" ") for byte in range(256))
_HUGE_SHAPES = (b"0e000", b"0e+000", b"0" * 309)
_NUMBER = re.compile(rb"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def _refuse_overflow(value: Any, data: bytes) -> None:
    """JSONError at the first number too large for a double. What the shapes find are candidates
    (a string may hold one too: "see [1e999]"); only then is the value searched."""
    shapes = data.translate(_AS_SHAPES)
    for at in sorted(at for shape in _HUGE_SHAPES for at in _finds(shapes, shape)):
        start = at
        while start and data[start - 1] in b"0123456789.-":
            start -= 1
        before = start
        while before and data[before - 1] in b" \t\r\n":
            before -= 1
        number = _NUMBER.match(data, start)
        if (number is not None and data[before - 1:before] in (b"", b"[", b":", b",")
                and math.isinf(float(number.group())) and _holds_infinity(value)):
            shown = number.group()[:40].decode("ascii") + ("..." if len(number.group()) > 40 else "")
            raise JSONError(f"the number {shown} is beyond a double's range (it would read as an infinity); "
                            "NaN and infinities are not JSON numbers", start)


def _finds(data: bytes, needle: bytes) -> Iterator[int]:
    """Where ``needle`` starts in ``data``, each place once (a run of digits holds 309 zeros at
    many places: the first is enough)."""
    at = data.find(needle)
    while at >= 0:
        yield at
        at = data.find(needle, at + len(needle))


def _holds_infinity(value: Any) -> bool:
    if isinstance(value, float):
        return math.isinf(value)
    if isinstance(value, (dict, list)):
        return any(_holds_infinity(item) for item in (value.values() if isinstance(value, dict) else value))
    return False


def kind_of(value: Any) -> str:
    """What a decoded JSON value is, in JSON's words (a message says "got an array", not "got list")."""
    for kind, name in ((bool, "true or false"), (dict, "an object"), (list, "an array"), (str, "a string"),
                       ((int, float), "a number")):
        if isinstance(value, kind):
            return name
    return "null" if value is None else type(value).__name__


def object_lines(path: str | Path, not_json: str, not_object: str) -> Iterator[tuple[Location, dict]]:
    """Each line of a JSON-lines file that people write (the registry, the annotators, lint's
    acceptances, annotate's results) as its location and the object it holds; blank lines are
    skipped. A line that is not strict JSON raises CorpusError ``not_json``, one that holds no
    object ``not_object``, located at the line. The file is read with ``fsutil.open_input``; one
    it cannot open (a directory, a loop of links) is a ``file-error`` naming it."""
    with file_errors():
        handle = open_input(path)
    with handle as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = Location(file=str(path), line=number)
            try:
                record = loads(line)
            except JSONError as error:
                raise CorpusError(not_json, f"not JSON: {error}", where) from None
            if not isinstance(record, dict):
                raise CorpusError(not_object, f"expected a JSON object, got {kind_of(record)}", where)
            yield where, record


def _plainly(message: str, offset: int, data: bytes) -> tuple[str, int]:
    """jiter's message, said plainly where it misleads: a byte-order mark, a byte that is not
    UTF-8 and NaN all read as "expected value" or "invalid unicode code point" there, a lone
    surrogate escape as "unexpected end of hex escape", and JSON nested deeper than jiter reads
    (200 levels) as "recursion limit exceeded"."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "starts with a UTF-8 byte-order mark, which JSON text does not have", 0
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as bad:
        if bad.start <= offset:
            return f"not UTF-8 (byte {bad.start} is {data[bad.start:bad.start + 1]!r})", bad.start
    if data.startswith((b"NaN", b"Infinity", b"-Infinity"), offset):
        return "NaN and infinities are not JSON numbers", offset
    if message.startswith("recursion limit exceeded"):
        return ("arrays and objects nested more than 200 deep, deeper than this parser reads (a task of "
                "a Label Studio export nests 7 deep)"), offset
    if "escape" in message:
        lone = [match for match in _LONE_SURROGATE.finditer(data, max(0, offset - 12), offset + 1)
                if match.start() <= offset]
        if lone:
            escape = lone[-1].group().decode("ascii")
            return f"a lone surrogate escape ({escape}), which names no character", lone[-1].start()
    return message, offset


def _place(text: str, data: bytes) -> tuple[str, int]:
    """jiter's message without its place, and the place as a byte offset into ``data``."""
    match = _PLACE.match(text)
    if match is None:
        return text, 0
    line_start = 0
    for _ in range(int(match["line"]) - 1):
        line_start = data.index(b"\n", line_start) + 1
    return match["message"], line_start + int(match["column"]) - 1
