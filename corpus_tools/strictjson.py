"""JSON as the corpus reads it wherever people or tools write it (exports, the manifest, the
registry, the annotators, lint acceptances, annotate's results): one parser, which refuses an
object with the same key twice (most parsers, orjson among them, keep the last value silently)
and NaN or infinities (not JSON); and one reader of the JSON-lines files people write."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import jiter

from corpus_tools.errors import CorpusError, Location
from corpus_tools.fsutil import open_input

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
        return jiter.from_json(data, catch_duplicate_keys=True, allow_inf_nan=False, cache_mode="keys")
    except ValueError as error:
        raise JSONError(*_plainly(*_place(str(error), data), data)) from None


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
    object ``not_object``, located at the line. The file is read with ``fsutil.open_input``."""
    with open_input(path) as lines:
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
    UTF-8 and NaN all read as "expected value" or "invalid unicode code point" there, and a lone
    surrogate escape as "unexpected end of hex escape"."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "starts with a UTF-8 byte-order mark, which JSON text does not have", 0
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as bad:
        if bad.start <= offset:
            return f"not UTF-8 (byte {bad.start} is {data[bad.start:bad.start + 1]!r})", bad.start
    if data.startswith((b"NaN", b"Infinity", b"-Infinity"), offset):
        return "NaN and infinities are not JSON numbers", offset
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
