"""The ner rows as the module docstring of corpus_tools.release.ner states them, written plainly
with the two regular expressions (sentence by sentence, token by token): the oracle the tests
hold the release's vectorized tokenizer (``ner.documents_columns``) to. Not part of the package,
so the release has one way to build ner rows."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import Iterable, Iterator

from corpus_tools.records import EntityMention
from corpus_tools.release.ner import _SENTENCE_END, token_pattern


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """Half-open spans of non-blank sentences, trimmed of surrounding whitespace."""
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for end_mark in _SENTENCE_END.finditer(line.group()):
            yield from _trimmed(text, start, line.start() + end_mark.end())
            start = line.start() + end_mark.end()
        yield from _trimmed(text, start, line.end())


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        offset = start + len(piece) - len(piece.lstrip())
        yield offset, offset + len(stripped)


def iob2(starts: list[int], ends: list[int], mentions: Iterable[EntityMention]) -> list[str]:
    """A tag per token: a token overlapping a mention is inside it; the first such token begins it."""
    tags = ["O"] * len(starts)
    for mention in mentions:
        first = bisect_right(ends, mention.span.start)  # first token ending after the mention starts
        last = bisect_left(starts, mention.span.end)  # first token starting at or after its end
        for index in range(first, last):
            tags[index] = f"{'B' if index == first else 'I'}-{mention.label}"
    return tags


def token_spans(text: str, start: int, end: int, cuts: list[int]) -> tuple[list[int], list[int]]:
    """Token starts and ends in ``text[start:end]``, each token also split at any cut (sorted
    offsets) strictly inside it, so that annotated spans always cover whole tokens."""
    starts, ends = [], []
    for match in token_pattern().finditer(text, start, end):
        position = match.start()
        for cut in cuts[bisect_right(cuts, position):bisect_left(cuts, match.end())]:
            starts.append(position)
            ends.append(cut)
            position = cut
        starts.append(position)
        ends.append(match.end())
    return starts, ends


def sentence_rows(doc_id: str, text: str, mentions: Iterable[EntityMention]) -> Iterator[dict]:
    """One row per sentence, as the ``ner`` config stores it (tags as names)."""
    ordered = sorted(mentions, key=lambda m: (m.span.start, m.span.end))
    cuts = sorted({offset for m in ordered for offset in (m.span.start, m.span.end)})
    for index, (start, end) in enumerate(sentence_spans(text)):
        starts, ends = token_spans(text, start, end, cuts)
        if not starts:
            continue
        inside = [m for m in ordered if m.span.start < end and start < m.span.end]
        yield {
            "id": f"{doc_id}-{index}",
            "doc_id": doc_id,
            "sentence": index,
            "tokens": [text[s:e] for s, e in zip(starts, ends)],
            "token_starts": starts,
            "token_ends": ends,
            "ner_tags": iob2(starts, ends, inside),
        }
