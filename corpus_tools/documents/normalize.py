"""Normalization: the raw article as a person wants to annotate it, with an exact offset map.

The decisions (and the reason for each) are written down in docs/normalization.md; the line
rules live in corpus_tools/documents/boilerplate.py. In short:

1. The decoded raw text is cut into lines at ``\\r\\n``, ``\\r``, ``\\n``, U+2028 and U+2029 (not U+0085,
   which is the C1 control of windows-1252's ellipsis: it becomes ``…``).
2. Each line is cleaned: zero-width characters, the BOM, soft hyphens, bidi marks and control
   characters are dropped; tabs and odd spaces (NBSP, U+2000-U+200A, ...) become a space; runs of
   spaces collapse to one; the line is stripped; the result is put in Unicode NFC.
3. Each non-blank line is classified by the rule table of corpus_tools.documents.boilerplate: content, or
   removed (recorded as a RemovedPiece with its kind and raw span).
4. The kept lines are joined: the title line (the first line, when it is content and short) and
   paragraphs (runs of lines without a blank line between them in the raw text) are separated
   by one blank line (``\\n\\n``); lines within a paragraph by ``\\n``. No leading or trailing
   blank lines, no trailing newline.

Every step records segments in a MapBuilder, so the offset map is exact by construction.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Iterable, Iterator

import corpus_tools.documents.boilerplate as boilerplate
from corpus_tools.documents.offsets import MapBuilder, OffsetMap
from corpus_tools.records import RemovedPiece, Span

NORMALIZER_VERSION = "1.0.0"  # bump on any change of output (text, map or removed pieces)

# A title is a heading, not a paragraph: a first line longer than this is taken as body text.
TITLE_MAX_CHARS = 300

LINE_BREAK = re.compile("\r\n|[\r\n\u2028\u2029]")
# Tabs and the spaces people do not type on purpose: all become U+0020.
SPACES = "\t\x0b\x0c \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
# Invisible characters with no meaning in running English text: dropped. ZWJ and ZWNJ are kept
# (they join emoji sequences and shape scripts).
DROPPED = ("\x00-\x08\x0e-\x1f\x7f\x81\x8d\x8f\x90\x9d\u00ad\u061c\u180e\u200b\u200e\u200f"
           "\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff")
# The zero-width characters kept: ZWNJ and ZWJ. Alone they are no text (a line of them shows
# nothing).
JOINERS = "\u200c\u200d"
# C1 control characters do not occur in real text; where they do, cp1252 bytes were decoded as
# Latin-1, so they are read as cp1252 (U+0092 -> U+2019 ’, U+0085 -> U+2026 …), one for one. The
# five bytes cp1252 leaves undefined are dropped (above).
C1_AS_CP1252 = {code: bytes([code]).decode("cp1252") for code in range(0x80, 0xA0)
                if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
# A line's edges lose its spaces, the dropped characters and the joiners, which join nothing there:
# a line of joiners alone is blank (it showed as an empty paragraph), and one ending in a joiner
# ends in no invisible character
_EDGE = re.compile(f"[{SPACES}{DROPPED}{JOINERS}]+")
# Anything that needs the slow path: an odd space, a double space, a dropped or C1 character.
_SPECIAL = re.compile(f"[{SPACES}{DROPPED}]{{2,}}|[{SPACES.replace(' ', '')}{DROPPED}\x80-\x9f]")
# In the slow path a line is a sequence of whitespace runs (containing at least one space) and
# words; a word may contain dropped characters, which must not block NFC composition across them.
# A run starts only where a run of dropped characters starts (the lookbehind): tried from every
# position inside a long run of them that no space follows, the search was quadratic (100,000
# zero-width spaces in a word took 40 s). The runs found are the same: a run that fails from its
# first dropped character fails from every later one.
_WS_RUN = re.compile(f"(?<![{DROPPED}])[{DROPPED}]*[{SPACES}][{SPACES}{DROPPED}]*")
_DROPPED_RUN = re.compile(f"[{DROPPED}]+")
_ODD_SPACES = re.compile(f"[{SPACES}]{{2,}}|[{SPACES.replace(' ', '')}]")


@dataclass(frozen=True, slots=True)
class Normalized:
    text: str
    offset_map: OffsetMap
    removed: tuple[RemovedPiece, ...]
    title: str | None


# (raw_start, raw_len, norm_len, is_block), as MapBuilder.add takes them. is_block is True when
# the normalized characters derive from the raw run as a whole, even if the lengths are equal.
LineSegment = tuple[int, int, int, bool]


@dataclass(frozen=True, slots=True)
class Line:
    """One raw line after cleaning: ``[start, end)`` is its content in raw, without edge whitespace."""

    start: int
    end: int
    text: str  # cleaned, NFC
    segments: tuple[LineSegment, ...]
    paragraph: int  # index of the raw paragraph (run of non-blank lines) it belongs to


def normalize(raw_text: str) -> Normalized:
    """Normalize a decoded raw article. Deterministic; linear in the length of the text
    (docs/normalization.md, "Performance")."""
    lines = list(_clean_lines(raw_text))
    title = _title(lines)
    kept: list[Line] = []
    removed: list[RemovedPiece] = []
    for line in lines:
        is_first, cut, rest = line is lines[0], [], _Rest(line)
        # what a line keeps when a piece is cut from it is a line like any other: the rules run on
        # it again (another link glued before the one cut, "Comments are closed." before a link),
        # so the text kept holds nothing a second normalization would remove
        while True:
            text, end = rest.text()
            pieces = boilerplate.classify(text, title, is_first=is_first, end=end)
            after = rest.after(text, end, pieces) if pieces else _UNCUT
            if after is _UNCUT:
                kept.append(rest.line())  # content; or a part that cannot be cut out exactly, left in, never lost
                break
            cut.extend(rest.removed_pieces(raw_text, pieces))
            if after is None:
                break
            rest.narrow(*after)
        # in raw order: what a line keeps may lie left, right or between its cut pieces
        removed.extend(sorted(cut, key=lambda piece: piece.raw_span.start))
    text, offset_map = _assemble(raw_text, kept, removed, title is not None)
    return Normalized(text, offset_map, tuple(removed), title)


def _title(lines: list[Line]) -> str | None:
    if not lines or len(lines[0].text) > TITLE_MAX_CHARS or boilerplate.classify(lines[0].text, None, is_first=True):
        return None
    return lines[0].text


# -- cleaning one line ------------------------------------------------------------------------


def clean_line(line: str) -> str:
    """``line`` (text without a line break) as step 2 leaves it in a normalized text: cleaned,
    stripped, NFC; "" when blank. What a name written by hand (a registry alias) can match."""
    cleaned = _clean_line(line, 0, len(line))
    return "" if cleaned is None else cleaned[2]


def _clean_lines(raw_text: str) -> Iterator[Line]:
    """The non-blank lines of the raw text, cleaned, with their raw paragraph index."""
    paragraph, blank_before, count = 0, False, 0
    for line_start, line_end in _line_bounds(raw_text):
        cleaned = _clean_line(raw_text, line_start, line_end)
        if cleaned is None:
            blank_before = True
            continue
        if blank_before and count:
            paragraph += 1
        blank_before, count = False, count + 1
        yield Line(*cleaned, paragraph)


def _line_bounds(raw_text: str) -> Iterator[tuple[int, int]]:
    start = 0
    if "\r" not in raw_text and "\u2028" not in raw_text and "\u2029" not in raw_text:
        # only "\n" breaks lines (the usual case): split in C instead of a regex search per line
        for line in raw_text.split("\n"):
            yield start, start + len(line)
            start += len(line) + 1
        return
    for match in LINE_BREAK.finditer(raw_text):
        yield start, match.start()
        start = match.end()
    yield start, len(raw_text)


def _clean_line(raw_text: str, start: int, end: int) -> tuple[int, int, str, tuple[LineSegment, ...]] | None:
    """(start, end, text, segments) of a non-blank line, or None for a blank one."""
    start, end = _strip(raw_text, start, end)
    if start == end:
        return None
    content = raw_text[start:end]
    if not _needs_cleaning(content) and unicodedata.is_normalized("NFC", content):
        return start, end, content, ((start, end - start, end - start, False),)
    text, segments = _clean_slow(content.translate(C1_AS_CP1252), start)
    return start, end, text, tuple(segments)


def _needs_cleaning(content: str) -> bool:
    """Whether ``_SPECIAL`` matches. Every character it looks for but the plain space is
    unprintable (categories Zs, Cc, Cf), so a printable line needs it only for a double space;
    ``isprintable`` and ``in`` run in C, about ten times faster than the search on typical lines."""
    if content.isprintable():
        return "  " in content
    return _SPECIAL.search(content) is not None


def _strip(raw_text: str, start: int, end: int) -> tuple[int, int]:
    lead = _EDGE.match(raw_text, start, end)
    if lead:
        start = lead.end()
    while end > start and _EDGE.fullmatch(raw_text[end - 1]):
        end -= 1
    return start, end


def _clean_slow(content: str, base: int) -> tuple[str, list[LineSegment]]:
    """Whitespace runs -> one space; words -> dropped characters removed, then NFC. In the common
    case (an NBSP, a tab, a double space) only whitespace is to fix: the runs are those of odd
    spaces, and the text between them stays one aligned segment, not looked at again."""
    plain = not _DROPPED_RUN.search(content) and unicodedata.is_normalized("NFC", content)
    out: list[str] = []
    segments: list[LineSegment] = []
    pos = 0
    for match in (_ODD_SPACES if plain else _WS_RUN).finditer(content):
        _clean_word(content, pos, match.start(), base, out, segments, plain)
        out.append(" ")
        segments.append((base + match.start(), match.end() - match.start(), 1, match.end() - match.start() > 1))
        pos = match.end()
    _clean_word(content, pos, len(content), base, out, segments, plain)
    return "".join(out), segments


def _clean_word(content: str, start: int, end: int, base: int,
                out: list[str], segments: list[LineSegment], plain: bool) -> None:
    """``content[start:end]`` without its dropped characters, in NFC; ``plain``: known to be so."""
    if start == end:
        return
    word = content[start:end]
    if plain or (not _DROPPED_RUN.search(word) and unicodedata.is_normalized("NFC", word)):
        out.append(word)
        segments.append((base + start, end - start, end - start, False))
        return
    # Positions (in content) of the characters that survive dropping: only for this one word.
    kept = [i for i in range(start, end) if not _DROPPED_RUN.match(content, i, i + 1)]
    for group_start, group_end, text in _nfc_groups("".join(content[i] for i in kept)):
        raw_start = kept[group_start]
        raw_end = kept[group_end - 1] + 1
        previous_end = kept[group_start - 1] + 1 if group_start else start
        if raw_start > previous_end:
            segments.append((base + previous_end, raw_start - previous_end, 0, True))
        # A changed group is a block even when NFC kept its length (reordered marks, or a
        # decomposition exclusion beside a dropped character): its characters are not 1:1.
        unchanged = text == content[raw_start:raw_end]
        raw_len = raw_end - raw_start
        segments.append((base + raw_start, raw_len, len(text), len(text) != raw_len or (not unchanged and raw_len > 1)))
        out.append(text)
    last_end = kept[-1] + 1 if kept else start
    if end > last_end:
        segments.append((base + last_end, end - last_end, 0, True))


# A character below U+0300 has combining class 0, decomposes to one that has too, and is no
# composition's second character: NFC never crosses a boundary before it, whatever precedes it
# (tests/test_normalize.py checks this of every code point).
_NFC_BOUNDARY = "\u0300"


def _nfc_groups(word: str) -> list[tuple[int, int, str]]:
    """Split ``word`` into groups that NFC independently: (start, end, NFC text), concatenating
    to NFC(word). Groups start at characters with combining class 0 and merge when composition
    crosses the boundary (Hangul jamo, two-part vowels); in doubt, the whole word is one group.
    A group before ``_NFC_BOUNDARY`` is not checked with the one before it, nor the word whole
    when only such boundaries are left: NFC (quadratic in a run of marks, in Python) ran two to
    four times over a run of marks (its group alone, joined with each neighbour, the whole word),
    where the output needs it once."""
    starts = [i for i, ch in enumerate(word) if i == 0 or not unicodedata.combining(ch)]
    result: list[tuple[int, int, str]] = []
    for start, end in zip(starts, starts[1:] + [len(word)]):
        text = unicodedata.normalize("NFC", word[start:end])
        if result and word[start] >= _NFC_BOUNDARY:
            p_start, _, p_text = result[-1]
            joined = unicodedata.normalize("NFC", word[p_start:end])
            if joined != p_text + text:
                result[-1] = (p_start, end, joined)
                continue
        result.append((start, end, text))
    # pairwise checks miss a composition across several groups (a Tibetan vowel's marks reordered
    # past two boundaries): the word whole decides, where a boundary that can be crossed is left
    if any(word[start] >= _NFC_BOUNDARY for start, _, _ in result[1:]):
        whole = unicodedata.normalize("NFC", word)
        if "".join(t for _, _, t in result) != whole:
            return [(0, len(word), whole)]
    return result


# -- removed pieces ---------------------------------------------------------------------------

_UNCUT = object()  # _Rest.after: the line's rest cannot be cut at the pieces' edges


class _Rest:
    """What a line keeps as pieces are cut from it: ``[lo, hi)`` of its cleaned text, each rest a
    line of its own to the rules. Held as those two positions into the whole line, with its
    segments' positions summed once, so that a line losing k pieces (a chain of glued links)
    costs time linear in k, not in k times the line's length: making each rest a Line (its text,
    its segments, every position of it looked at) was quadratic (8,000 links on one line, 8.7 s)."""

    def __init__(self, line: Line):
        self._line, self._lo, self._hi = line, 0, len(line.text)
        self._ends: list[int] | None = None  # per non-deletion segment: its end in the line's text
        self._spans: list[LineSegment] = []  # the non-deletion segments

    def text(self) -> tuple[str, int]:
        """The rest as ``text[:end]``: the line's text itself while the rest is a prefix of it
        (as what is left of a chain of glued links is), not a copy of it per link."""
        if self._lo:
            return self._line.text[self._lo:self._hi], self._hi - self._lo
        return self._line.text, self._hi

    def after(self, text: str, end: int, pieces: tuple[tuple[str, int, int], ...]):
        """What ``text[:end]`` (this rest) keeps besides its removed ``pieces``: None when they take
        all of it (its rest is blank), else the one run of text they leave, as its [lo, hi) in the
        line (edge spaces left out: they become deletions). ``_UNCUT`` when the pieces leave
        several runs, or an edge of the rest falls inside a block (a whitespace run or NFC group
        of several raw characters)."""
        runs, position = [], 0
        spans = _merged((first, last) for _, first, last in pieces if last > first)
        for start, stop in spans + [(end, end)]:
            if position < start and (run := _without_edge_spaces(text, position, start)) is not None:
                runs.append(run)
            position = max(position, stop)
        if not runs:
            return None
        if len(runs) > 1:
            return _UNCUT
        lo, hi = self._lo + runs[0][0], self._lo + runs[0][1]
        if self._inside_a_block(lo) or self._inside_a_block(hi):
            return _UNCUT
        return lo, hi

    def narrow(self, lo: int, hi: int) -> None:
        self._lo, self._hi = lo, hi

    def line(self) -> Line:
        """The rest as a Line: its text, and the segments of the whole line within it (a deletion
        strictly inside; one that straddles an edge cut there)."""
        line, start, end = self._line, self._lo, self._hi
        if (start, end) == (0, len(line.text)):
            return line
        segments, norm = [], 0
        for raw_start, raw_len, norm_len, is_block in line.segments:
            if norm_len == 0:  # a deletion: kept when strictly inside the rest
                if start < norm < end:
                    segments.append((raw_start, raw_len, norm_len, is_block))
                continue
            low, high = max(start, norm), min(end, norm + norm_len)
            if low < high:
                if (low, high) == (norm, norm + norm_len):
                    segments.append((raw_start, raw_len, norm_len, is_block))
                else:  # never a block: cut refuses an edge inside one
                    segments.append((raw_start + low - norm, high - low, high - low, False))
            norm += norm_len
        first, last = segments[0], segments[-1]
        return Line(first[0], last[0] + last[1], line.text[start:end], tuple(segments), line.paragraph)

    def removed_pieces(self, raw_text: str, pieces: tuple[tuple[str, int, int], ...]) -> Iterator[RemovedPiece]:
        """Turn (kind, start, end) in the rest's text into raw spans, stripped of edge whitespace."""
        for kind, start, end in pieces:
            raw_start, raw_end = _strip(raw_text, self._to_raw(self._lo + start, False),
                                        self._to_raw(self._lo + end, True))
            yield RemovedPiece(kind, Span(raw_start, raw_end), raw_text[raw_start:raw_end])

    def _to_raw(self, pos: int, is_end: bool) -> int:
        """Raw position of a boundary in the line's cleaned text (blocks widen outward): of the
        segment it falls in, the first whose end lies past it (or at it, for an end)."""
        ends, spans = self._segments()
        index = (bisect_left if is_end else bisect_right)(ends, pos)
        if index == len(spans):
            return self._line.end
        raw_start, raw_len, norm_len, is_block = spans[index]
        offset = pos - (ends[index] - norm_len)
        if not is_block:
            return raw_start + offset
        return raw_start + raw_len if is_end and offset > 0 else raw_start

    def _inside_a_block(self, pos: int) -> bool:
        ends, spans = self._segments()
        index = bisect_right(ends, pos)
        return index < len(spans) and spans[index][3] and ends[index] - spans[index][2] < pos

    def _segments(self) -> tuple[list[int], list[LineSegment]]:
        if self._ends is None:
            self._ends, norm = [], 0
            for segment in self._line.segments:
                if segment[2]:
                    norm += segment[2]
                    self._ends.append(norm)
                    self._spans.append(segment)
        return self._ends, self._spans


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` sorted, those that overlap or touch joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _without_edge_spaces(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``[start, end)`` of ``text`` without its edge spaces; None when it holds nothing else."""
    while start < end and text[start] == " ":
        start += 1
    while end > start and text[end - 1] == " ":
        end -= 1
    return (start, end) if start < end else None


# -- assembling the text and the map ----------------------------------------------------------


def _assemble(raw_text: str, kept: list[Line], removed: list[RemovedPiece],
              has_title: bool) -> tuple[str, OffsetMap]:
    removed_spans = sorted((piece.raw_span.start, piece.raw_span.end) for piece in removed)
    builder = MapBuilder()
    parts: list[str] = []
    gaps = _Gaps(raw_text, removed_spans)
    raw_pos = 0
    for index, line in enumerate(kept):
        separator = ""
        if index:
            separator = "\n\n" if line.paragraph != kept[index - 1].paragraph or (has_title and index == 1) else "\n"
        gaps.fill(builder, raw_pos, line.start, separator)
        parts.append(separator)
        for raw_start, raw_len, norm_len, is_block in line.segments:
            builder.add(raw_start, raw_len, norm_len, is_block)
        parts.append(line.text)
        raw_pos = line.end
    gaps.fill(builder, raw_pos, len(raw_text), "")
    return "".join(parts), builder.build(len(raw_text))


class _Gaps:
    """The raw text between two kept lines. Removed pieces stay uncovered (removed text); in the
    first stretch of the rest, the separator maps to the run from its first line break to its
    last one (a block, or aligned when it is made of line breaks only); the whitespace around
    that run, and later stretches, are deletions."""

    __slots__ = ("_raw_text", "_spans", "_next")

    def __init__(self, raw_text: str, spans: list[tuple[int, int]]):
        self._raw_text = raw_text
        self._spans = spans
        self._next = 0

    def fill(self, builder: MapBuilder, start: int, end: int, separator: str) -> None:
        pending = separator
        pos = start
        while pos < end:
            while self._next < len(self._spans) and self._spans[self._next][1] <= pos:
                self._next += 1
            gap = self._spans[self._next] if self._next < len(self._spans) else (end, end)
            stretch_end = min(gap[0], end)
            if stretch_end > pos:
                if pending and LINE_BREAK.search(self._raw_text, pos, stretch_end):
                    self._stretch(builder, pos, stretch_end, pending)
                    pending = ""
                else:
                    # no separator to carry; or the space between a kept part of a line and a piece
                    # removed after it on the same line: deleted, the separator goes to a later line break
                    builder.add(pos, stretch_end - pos, 0, True)
            pos = max(stretch_end, min(gap[1], end))
        if pending:
            raise RuntimeError(f"bug: no raw line break to carry the separator before raw {end}")

    def _stretch(self, builder: MapBuilder, start: int, end: int, separator: str) -> None:
        """``[start, end)``, which holds a line break (``fill`` looked), carrying ``separator``."""
        breaks = list(LINE_BREAK.finditer(self._raw_text, start, end))
        first, last = breaks[0].start(), breaks[-1].end()
        if first > start:
            builder.add(start, first - start, 0, True)
        # the run is all line breaks; when its length is the separator's, each maps to one "\n"
        builder.add(first, last - first, len(separator), last - first != len(separator))
        if end > last:
            builder.add(last, end - last, 0, True)
