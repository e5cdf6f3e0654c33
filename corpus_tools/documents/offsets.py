"""The reversible map between a raw text and its normalized text.

Both sides are indexed in code points, half-open. The map is a run-length list of *segments*
``(norm_start, raw_start, norm_len, raw_len)``, ordered the same way on both sides:

* ``norm_len == raw_len`` (an *aligned* segment): character ``norm_start + i`` comes from raw
  character ``raw_start + i`` (identical, an odd space turned into ``" "``, a line break into
  ``"\\n"``, an NFC singleton such as U+212B -> U+00C5). The one exception is listed in
  ``equal_length_blocks``: blocks whose two sides happen to have the same length (NFC reordering
  combining marks, or composing across a dropped zero-width character), which must not be read
  character for character.
* ``norm_len != raw_len`` (a *block*): the normalized characters derive from the raw run as a
  whole (CRLF -> LF, an NFC composition, a whitespace run collapsed to one space, a paragraph
  break). A span that starts or ends inside a block widens to the whole block.
* ``norm_len == 0`` (a *deletion*, a block with nothing on the normalized side): raw text that
  was dropped silently (line-edge whitespace, zero-width characters, a BOM, extra blank lines).
  It maps to the empty normalized span at its position.
* Raw text covered by no segment is *removed* text: boilerplate that normalization recorded as
  a ``RemovedPiece``. ``from_raw`` refuses a raw span that starts or ends in it.

Every normalized character lies in exactly one segment with ``norm_len > 0`` and every segment
has ``raw_len > 0``, so every normalized character maps to a non-empty raw span.

The map holds one small tuple per segment (not per character): a 3,000-character article needs
a few dozen. Lookups are binary searches.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from corpus_tools.errors import CorpusError

Segment = tuple[int, int, int, int]  # (norm_start, raw_start, norm_len, raw_len)


class SpanInRemovedText(CorpusError):
    """A raw span starts or ends in (or lies wholly in) text that normalization removed."""

    def __init__(self, start: int, end: int, gap: tuple[int, int]):
        self.raw_span = (start, end)
        self.gap = gap
        super().__init__(
            "span-in-removed-text",
            f"raw span [{start}, {end}) starts or ends in removed text: raw [{gap[0]}, {gap[1]}) "
            "was removed by normalization (see the document's removed pieces) and has no "
            "counterpart in the normalized text",
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _invalid(message: str) -> CorpusError:
    return CorpusError("invalid-offset-map", message)


def _check_span(start: int, end: int, length: int, side: str) -> None:
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= length):
        raise CorpusError("offset-out-of-range",
                          f"{side} span [{start}, {end}) is not within [0, {length}] with start <= end")


@dataclass(frozen=True, slots=True)
class OffsetMap:
    raw_length: int
    norm_length: int
    segments: tuple[Segment, ...]
    # Indices of segments that are blocks although both sides have the same length (see the
    # module docstring): rare in real text, almost always empty.
    equal_length_blocks: tuple[int, ...] = ()
    # Derived lookup columns, built once in __post_init__ (not part of equality or the dict form).
    _norm_starts: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _raw_starts: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _forced_blocks: frozenset[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._validate()
        object.__setattr__(self, "_norm_starts", tuple(s[0] for s in self.segments))
        object.__setattr__(self, "_raw_starts", tuple(s[1] for s in self.segments))
        object.__setattr__(self, "_forced_blocks", frozenset(self.equal_length_blocks))

    def _validate(self) -> None:
        """Check the invariants of the module docstring; O(number of segments)."""
        for name in ("raw_length", "norm_length"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise _invalid(f"{name} {value!r} is not a non-negative integer")
        if not isinstance(self.segments, tuple) or not isinstance(self.equal_length_blocks, tuple):
            raise _invalid("segments and equal_length_blocks must be tuples")
        norm_pos = raw_pos = 0
        for segment in self.segments:
            if not isinstance(segment, tuple) or len(segment) != 4 or not all(_is_int(v) for v in segment):
                raise _invalid(f"segment {segment!r} is not four integers")
            norm_start, raw_start, norm_len, raw_len = segment
            if norm_start != norm_pos:
                raise _invalid(f"segment {segment!r} starts at normalized {norm_start}, expected {norm_pos}")
            if raw_start < raw_pos or norm_len < 0 or raw_len < 1:
                raise _invalid(f"segment {segment!r} overlaps its predecessor or has a bad length")
            norm_pos, raw_pos = norm_start + norm_len, raw_start + raw_len
        if norm_pos != self.norm_length or raw_pos > self.raw_length:
            raise _invalid(f"segments cover normalized [0, {norm_pos}) and raw up to {raw_pos}; "
                           f"lengths are {self.norm_length} and {self.raw_length}")
        for k in self.equal_length_blocks:
            if not (_is_int(k) and 0 <= k < len(self.segments)) or self.segments[k][2] != self.segments[k][3]:
                raise _invalid(f"equal_length_blocks names {k!r}, which is not a segment of equal lengths")

    def _aligned(self, k: int) -> bool:
        """Whether segment ``k`` maps character for character."""
        return self.segments[k][2] == self.segments[k][3] and k not in self._forced_blocks

    # -- normalized -> raw ------------------------------------------------------------------

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        """The raw span a normalized span comes from; ends inside a block widen to the block."""
        _check_span(start, end, self.norm_length, "normalized")
        if start < end:
            return self._raw_lo(start), self._raw_hi(end)
        return self._raw_point(start)

    def to_raw_many(self, spans) -> list[tuple[int, int]]:
        """``[to_raw(start, end) for start, end in spans]``, with the lookups inlined: a release
        maps some fifty spans per document, and the method calls cost more than the searches."""
        norm_starts, segments, forced, length = self._norm_starts, self.segments, self._forced_blocks, self.norm_length
        mapped = []
        for start, end in spans:
            if not (type(start) is int and type(end) is int and 0 <= start < end <= length):
                mapped.append(self.to_raw(start, end))  # empty spans and errors: the general path
                continue
            k = bisect_right(norm_starts, start) - 1
            norm_start, raw_start, norm_len, raw_len = segments[k]
            lo = raw_start + (start - norm_start) if norm_len == raw_len and k not in forced else raw_start
            k = bisect_right(norm_starts, end - 1) - 1
            norm_start, raw_start, norm_len, raw_len = segments[k]
            hi = raw_start + (end - norm_start) if norm_len == raw_len and k not in forced else raw_start + raw_len
            mapped.append((lo, hi))
        return mapped

    def _segment_of_char(self, i: int) -> int:
        # Deletions at position i sort before the segment holding character i, so the last
        # segment starting at or before i is the one holding it.
        return bisect_right(self._norm_starts, i) - 1

    def _raw_lo(self, i: int) -> int:
        k = self._segment_of_char(i)
        norm_start, raw_start, _, _ = self.segments[k]
        return raw_start + (i - norm_start) if self._aligned(k) else raw_start

    def _raw_hi(self, end: int) -> int:
        k = self._segment_of_char(end - 1)
        norm_start, raw_start, _, raw_len = self.segments[k]
        return raw_start + (end - norm_start) if self._aligned(k) else raw_start + raw_len

    def _raw_point(self, i: int) -> tuple[int, int]:
        """An empty normalized span: empty raw span after the previous character's source
        (or before the first character's), or the whole block when strictly inside one."""
        if self.norm_length == 0:
            return 0, 0
        if i == 0:
            lo = self._raw_lo(0)
            return lo, lo
        k = self._segment_of_char(i - 1)
        norm_start, raw_start, norm_len, raw_len = self.segments[k]
        if not self._aligned(k) and i < norm_start + norm_len:
            return raw_start, raw_start + raw_len
        hi = self._raw_hi(i)
        return hi, hi

    # -- raw -> normalized ------------------------------------------------------------------

    def from_raw(self, start: int, end: int) -> tuple[int, int]:
        """The normalized span of a raw span.

        Raises SpanInRemovedText when the span starts or ends in removed text (which includes a
        span lying wholly in it). Removed text strictly inside a span whose first and last
        characters were kept is skipped: the normalized span runs from the one to the other,
        which makes ``from_raw(*to_raw(a, b)) == (a, b)`` hold for every span whose ends are
        not inside blocks.
        """
        _check_span(start, end, self.raw_length, "raw")
        if start == end:
            return self._norm_point(start)
        return self._norm_lo(self._covering(start, start, end), start), \
            self._norm_hi(self._covering(end - 1, start, end), end)

    def _covering(self, raw_index: int, start: int, end: int) -> int:
        """Index of the segment holding raw character ``raw_index``; raises when none does."""
        k = bisect_right(self._raw_starts, raw_index) - 1
        if k < 0 or raw_index >= self.segments[k][1] + self.segments[k][3]:
            raise SpanInRemovedText(start, end, self._gap_after(k))
        return k

    def _gap_after(self, k: int) -> tuple[int, int]:
        """The removed raw text between segment ``k`` (-1: the start) and the next one."""
        gap_start = self.segments[k][1] + self.segments[k][3] if k >= 0 else 0
        gap_end = self.segments[k + 1][1] if k + 1 < len(self.segments) else self.raw_length
        return gap_start, gap_end

    def _norm_lo(self, k: int, raw_index: int) -> int:
        norm_start, raw_start, _, _ = self.segments[k]
        return norm_start + (raw_index - raw_start) if self._aligned(k) else norm_start

    def _norm_hi(self, k: int, raw_end: int) -> int:
        norm_start, raw_start, norm_len, _ = self.segments[k]
        return norm_start + (raw_end - raw_start) if self._aligned(k) else norm_start + norm_len

    def _norm_point(self, r: int) -> tuple[int, int]:
        """An empty raw span: refused strictly inside removed text, widened strictly inside a block."""
        k = bisect_right(self._raw_starts, r) - 1
        if k >= 0 and r < self.segments[k][1] + self.segments[k][3]:
            norm_start, raw_start, norm_len, _ = self.segments[k]
            if self._aligned(k) or r == raw_start:
                n = self._norm_lo(k, r)
                return n, n
            return norm_start, norm_start + norm_len
        gap = self._gap_after(k)
        if gap[0] < r < gap[1]:
            raise SpanInRemovedText(r, r, gap)
        n = self.segments[k][0] + self.segments[k][2] if k >= 0 else 0
        return n, n

    # -- serialization ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "raw_length": self.raw_length,
            "norm_length": self.norm_length,
            "segments": [list(segment) for segment in self.segments],
            "equal_length_blocks": list(self.equal_length_blocks),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "OffsetMap":
        try:
            raw_length, norm_length, segments = d["raw_length"], d["norm_length"], d["segments"]
            blocks = tuple(d.get("equal_length_blocks", ()))
            return cls(raw_length, norm_length, tuple(tuple(segment) for segment in segments), blocks)
        except (KeyError, TypeError, AttributeError) as exc:
            raise _invalid(f"not an offset map ({exc.__class__.__name__}: {exc}); expected keys "
                           "raw_length, norm_length, segments, equal_length_blocks") from None


class MapBuilder:
    """Collects segments left to right, merging runs so the map stays compact."""

    __slots__ = ("_segments", "_norm_pos", "_equal_length_blocks", "_last_aligned")

    def __init__(self) -> None:
        self._segments: list[list[int]] = []
        self._norm_pos = 0
        self._equal_length_blocks: list[int] = []
        self._last_aligned = False

    def add(self, raw_start: int, raw_len: int, norm_len: int, is_block: bool) -> None:
        """Append a segment: aligned (``is_block`` false, equal lengths) or a block (0: deletion)."""
        if raw_len <= 0 or (not is_block and norm_len != raw_len):
            raise ValueError(f"bad segment at raw {raw_start}: {raw_len} -> {norm_len}, block {is_block}")
        last = self._segments[-1] if self._segments else None
        contiguous = last is not None and last[1] + last[3] == raw_start
        if contiguous and ((not is_block and self._last_aligned) or (norm_len == 0 and last[2] == 0)):
            last[2] += norm_len  # aligned after aligned, or deletion after deletion: one run
            last[3] += raw_len
        else:
            if is_block and norm_len == raw_len:
                self._equal_length_blocks.append(len(self._segments))
            self._segments.append([self._norm_pos, raw_start, norm_len, raw_len])
        self._norm_pos += norm_len
        self._last_aligned = not is_block

    def build(self, raw_length: int) -> OffsetMap:
        return OffsetMap(raw_length, self._norm_pos, tuple(tuple(s) for s in self._segments),
                         tuple(self._equal_length_blocks))
