"""Re-anchoring spans made on an old version of a text onto the current version.

When a task was annotated on a text that has since changed (a normalizer fix, a corrected
raw file), its spans index the old text. ``TextAlignment`` aligns the two texts once and maps
each span; a span maps only when both of its ends fall on characters the two texts share
and the mapped slice of the new text equals the old slice exactly. Anything else returns
None, and the caller reports the span rather than dropping it.

The alignment is built for speed on article-sized texts (thousands of characters): the common
prefix and suffix are cut off by binary search over C-level slice comparisons, the middle is
aligned by word/space/punctuation tokens with difflib (hundreds of tokens, not thousands of
characters), and each changed token run that is short is aligned again character by character,
so an edit inside a word ("Assad" -> "al-Assad") still leaves its unchanged characters mapped.
"""

from __future__ import annotations

import bisect
import re
from difflib import SequenceMatcher

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_CHAR_LEVEL_LIMIT = 400  # longest changed run (characters, each side) re-aligned by characters


def _common_prefix(a: str, b: str) -> int:
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, b: str, limit: int) -> int:
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle:] == b[len(b) - middle:]:
            low = middle
        else:
            high = middle - 1
    return low


class TextAlignment:
    """The characters two texts share, as equal blocks ``(old_start, new_start, length)``."""

    def __init__(self, old: str, new: str):
        self.old = old
        self.new = new
        prefix = _common_prefix(old, new)
        suffix = _common_suffix(old, new, min(len(old), len(new)) - prefix)
        blocks = [(0, 0, prefix)] if prefix else []
        blocks.extend(_middle_blocks(old[prefix:len(old) - suffix], new[prefix:len(new) - suffix], prefix))
        if suffix:
            blocks.append((len(old) - suffix, len(new) - suffix, suffix))
        self.blocks = blocks
        self._starts = [block[0] for block in blocks]

    def map_offset(self, offset: int) -> int | None:
        """The new index of old character ``offset``, if that character is shared."""
        if (block := self._block_before(offset)) is None:
            return None
        old_start, new_start, length = block
        return new_start + offset - old_start if offset < old_start + length else None

    def position(self, offset: int) -> int:
        """Where old offset ``offset`` falls in the new text: ``map_offset`` where its character is
        shared, else where the new text's share of what came before it ends (0 before any)."""
        if (block := self._block_before(offset)) is None:
            return 0
        old_start, new_start, length = block
        return new_start + min(offset - old_start, length)

    def _block_before(self, offset: int) -> tuple[int, int, int] | None:
        """The last block that starts at or before old offset ``offset``."""
        index = bisect.bisect_right(self._starts, offset) - 1
        return self.blocks[index] if index >= 0 else None

    def map_span(self, start: int, end: int) -> tuple[int, int] | None:
        """``[start, end)`` of the old text in the new one, only when the mapping is exact."""
        if start >= end:
            return None
        new_start, new_last = self.map_offset(start), self.map_offset(end - 1)
        if new_start is None or new_last is None:
            return None
        if self.new[new_start:new_last + 1] != self.old[start:end]:
            return None
        return new_start, new_last + 1


def _middle_blocks(old: str, new: str, offset: int) -> list[tuple[int, int, int]]:
    if not old or not new:
        return []
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    old_at, new_at = _token_starts(old_tokens), _token_starts(new_tokens)
    matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    blocks: list[tuple[int, int, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        a0, a1, b0, b1 = old_at[i1], old_at[i2], new_at[j1], new_at[j2]
        if tag == "equal":
            blocks.append((offset + a0, offset + b0, a1 - a0))
        elif tag == "replace" and max(a1 - a0, b1 - b0) <= _CHAR_LEVEL_LIMIT:
            chars = SequenceMatcher(None, old[a0:a1], new[b0:b1], autojunk=False)
            blocks.extend((offset + a0 + i, offset + b0 + j, size)
                          for i, j, size in chars.get_matching_blocks() if size)
    return _merge(blocks)


def _token_starts(tokens: list[str]) -> list[int]:
    starts = [0]
    for token in tokens:
        starts.append(starts[-1] + len(token))
    return starts


def _merge(blocks: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Join blocks that continue each other, so a span across a token boundary maps as one run."""
    merged: list[tuple[int, int, int]] = []
    for old_start, new_start, length in blocks:
        if merged:
            last_old, last_new, last_length = merged[-1]
            if last_old + last_length == old_start and last_new + last_length == new_start:
                merged[-1] = (last_old, last_new, last_length + length)
                continue
        merged.append((old_start, new_start, length))
    return merged
