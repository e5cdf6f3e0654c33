"""Cutting a JSON array of objects into the bytes of each object, streaming, at C speed.

Parsing a 200 MB export element by element with an event parser costs most of an ingest; cutting
the array into its elements and handing each to orjson is several times faster, and still holds
only one element (plus one chunk) in memory. The cut points are found with numpy over each
chunk, the way SIMD JSON parsers find structure:

* a quote is a string delimiter unless an odd run of backslashes precedes it;
* the running parity of delimiters tells inside-string from outside;
* outside strings, ``{ [`` add one to the depth and ``} ]`` take one away (cumulative sum);
* an element starts at a ``{`` that takes the depth from 1 to 2 and ends at the ``}`` that
  brings it back to 1; the top-level array closes where the depth reaches 0.

Only the structure at depth 0 and 1 is checked here (what lies between elements: commas and
whitespace); each element's own syntax is checked by whoever parses its bytes (orjson).
Errors raise ``SplitError`` with a kind (``truncated``, ``invalid``, ``not-object``,
``trailing``) and the byte offset at fault.
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

QUOTE, BACKSLASH = 0x22, 0x5C
OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET = 0x7B, 0x7D, 0x5B, 0x5D
WHITESPACE = b" \t\r\n"
_SCALAR_STARTS = frozenset(b'"-0123456789tfn')
_TRAILING = "data after the closing bracket of the task array"
_SECOND_ARRAY = ("a second array starts after the task array closes: two exports (or one downloaded twice) joined "
                 "in one file; give each export as a file of its own, as Label Studio wrote it")


class SplitError(Exception):
    def __init__(self, kind: str, message: str, offset: int):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.offset = offset


class _Chunk:
    """The structural events of one chunk, found with whole-array operations."""

    def __init__(self, data: bytes, parity: int, depth: int):
        chars = np.frombuffer(data, np.uint8)
        quotes = chars == QUOTE
        _unmark_escaped(chars, quotes)
        outside = ((np.cumsum(quotes, dtype=np.uint8) + parity) & 1) == 0
        # A delimiting quote flips the parity itself; brackets are never quotes, so "outside" is
        # exact for them. "{" and "[" (and "}" and "]") differ only in bit 0x20: one comparison
        # finds both, and only these few positions are looked at further.
        folded = chars | np.uint8(0x20)
        structural = np.flatnonzero(((folded == OPEN_BRACE) | (folded == CLOSE_BRACE)) & outside)
        found = chars[structural]
        steps = np.where((found | np.uint8(0x20)) == OPEN_BRACE, np.int64(1), np.int64(-1))
        # int64: no file nests deeper than it is long (an int16 wrapped at 32,768 levels and
        # reported a closing bracket without its opening one)
        depths = np.cumsum(steps, dtype=np.int64) + np.int64(depth)
        self.parity = int(((int(np.count_nonzero(quotes)) + parity) & 1))
        self.depth = int(depths[-1]) if len(depths) else depth
        self.negative = structural[depths < 0]
        shallow = depths <= 2
        self.events = [(int(position), _EVENTS[(int(char), int(level))])
                       for position, char, level in zip(structural[shallow], found[shallow], depths[shallow])
                       if (int(char), int(level)) in _EVENTS]


# (structural byte, depth after it) -> the event it is at the top two levels of the array
_EVENTS = {
    (OPEN_BRACE, 2): "start",
    (CLOSE_BRACE, 1): "end",
    (OPEN_BRACKET, 2): "array",
    (OPEN_BRACKET, 1): "open",
    (CLOSE_BRACKET, 0): "close",
    (CLOSE_BRACE, 0): "stray",
}


def _unmark_escaped(chars: np.ndarray, quotes: np.ndarray) -> None:
    """Clear the quotes that follow an odd run of backslashes (escaped, so inside a string)."""
    slashes = np.flatnonzero(chars == BACKSLASH)
    if not slashes.size:
        return
    run_starts = np.ones(slashes.size, bool)
    run_starts[1:] = slashes[1:] != slashes[:-1] + 1
    lengths = np.bincount(np.cumsum(run_starts) - 1)
    odd = (lengths & 1) == 1
    escaped = slashes[run_starts][odd] + lengths[odd]
    quotes[escaped[escaped < chars.size]] = False


class _Splitter:
    """The state carried from chunk to chunk."""

    def __init__(self) -> None:
        self.parity = 0
        self.depth = 0
        self.opened = False
        self.closed = False
        self.elements = 0
        self.element: list[bytes] | None = None  # pieces of the element being read
        self.element_start = 0
        self.gap = bytearray()  # what lies between elements (commas and whitespace, nothing else)
        self.gap_start = 0

    def feed(self, data: bytes, base: int) -> Iterator[tuple[int, bytes]]:
        chunk = _Chunk(data, self.parity, self.depth)
        if chunk.negative.size:
            raise SplitError("invalid", "a closing bracket without its opening one", base + int(chunk.negative[0]))
        cursor = 0
        for position, kind in chunk.events:
            if self.closed:
                self._trailing(data[cursor:position], base + cursor, kind)
            if kind == "open":
                self.opened, cursor = True, position + 1
                self.gap_start = base + cursor
            elif kind == "start":
                self._take_gap(data[cursor:position], base + position, final=False)
                self.element, self.element_start, cursor = [], base + position, position
            elif kind == "end":
                self.element.append(data[cursor:position + 1])
                yield self.element_start, b"".join(self.element)
                self.element, self.elements, cursor = None, self.elements + 1, position + 1
                self.gap_start = base + cursor
            elif kind == "stray":
                raise SplitError("invalid", "a closing brace where the task array should close", base + position)
            elif kind == "array":
                raise SplitError("not-object", f"element #{self.elements + 1} is an array, not a task object",
                                 base + position)
            else:  # close
                self._take_gap(data[cursor:position], base + position, final=True)
                self.closed, cursor = True, position + 1
        self.parity, self.depth = chunk.parity, chunk.depth
        rest = data[cursor:]
        if self.element is not None:
            self.element.append(rest)
        elif self.closed:
            if rest.strip(WHITESPACE):
                raise SplitError("trailing", _TRAILING, base + cursor + len(rest) - len(rest.lstrip(WHITESPACE)))
        else:
            self.gap += rest
            if self.gap.strip(WHITESPACE + b","):
                self._bad_gap(self.gap_start)

    def _trailing(self, gap: bytes, offset: int, kind: str) -> None:
        """Raise for what follows the closed task array: ``gap``, at ``offset``, then the event ``kind``."""
        text = len(gap) - len(gap.lstrip(WHITESPACE))
        if text < len(gap):
            raise SplitError("trailing", _TRAILING, offset + text)
        raise SplitError("trailing", _SECOND_ARRAY if kind == "open" else _TRAILING, offset + len(gap))

    def _take_gap(self, piece: bytes, offset: int, final: bool) -> None:
        gap = (bytes(self.gap) + piece).strip(WHITESPACE)
        self.gap = bytearray()
        expected = b"" if final or self.elements == 0 else b","
        if gap != expected:
            if gap.strip(b","):
                self._bad_gap(self.gap_start, gap)
            raise SplitError("invalid", f"expected {expected.decode() or 'nothing'} between tasks, found "
                             f"{gap.decode(errors='replace')!r}", offset)

    def _bad_gap(self, offset: int, gap: bytes | None = None) -> None:
        value = (gap if gap is not None else bytes(self.gap)).strip(WHITESPACE + b",")
        # Judged by its first byte only: the value may continue in the next chunk.
        if value[:1] and value[0] in _SCALAR_STARTS:
            raise SplitError("not-object", f"element #{self.elements + 1} starts {value[:40]!r}: not a task object",
                             offset)
        raise SplitError("invalid", f"not JSON between tasks: {value[:40]!r}", offset)

    def finish(self, size: int) -> None:
        if not self.closed:
            where = "inside a string" if self.parity else f"at depth {self.depth}"
            raise SplitError("truncated", f"the JSON ends {where}, before the task array is closed", size)


def split_array(read: Callable[[int], bytes], chunk_size: int = 1 << 20) -> Iterator[tuple[int, bytes]]:
    """Yield ``(byte offset, bytes)`` of each object in the JSON array that ``read`` returns.

    ``read(n)`` returns up to n bytes, ``b""`` at the end. The array must start the input (after
    whitespace); the caller checks that before, to tell "not JSON" from "not an array".
    """
    splitter = _Splitter()
    base, carry = 0, b""
    while True:
        chunk = read(chunk_size)
        data = carry + chunk
        if chunk:
            # A run of backslashes cut by the chunk's end would change meaning; keep it for the next.
            kept = len(data) - len(data.rstrip(b"\\"))
            data, carry = (data[:-kept], data[-kept:]) if kept else (data, b"")
        else:
            carry = b""
        if data:
            yield from splitter.feed(data, base)
            base += len(data)
        if not chunk:
            break
    splitter.finish(base)
