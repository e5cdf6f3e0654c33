"""CoNLL-style NER rows: sentence split, tokenization with offsets, IOB2 tags from entity spans.

Deliberately simple and dependency-free, so the rows are reproducible byte for byte:
paragraphs are lines; a sentence ends at . ! ? (optionally followed by closing quotes or
brackets) before whitespace and an upper-case letter, digit or opening quote. Tokens are runs of
word characters (with inner hyphens, commas and points: Al-Assad, 2,000, 1.5), an apostrophe
with its suffix (Syria 's, as in CoNLL), or single punctuation marks.
Tokens are further split at every entity boundary that falls inside one ("US-allied" with the
entity "US" gives "US", "-allied"), so each mention covers whole tokens and gets exactly one
B- tag. Known limit: an abbreviation before a capital ("U.S. Congress") ends a sentence early;
a mention across that boundary then starts again with B- in the next sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate, chain
from typing import Iterable, Iterator

from corpus_tools.records import EntityMention

_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_TOKEN = re.compile(r"\w+(?:[-.,]\w+)*|['’]\w+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


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


def tokens(text: str, start: int, end: int) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text, start, end)]


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
    for match in _TOKEN.finditer(text, start, end):
        position = match.start()
        for cut in cuts[bisect_right(cuts, position):bisect_left(cuts, match.end())]:
            starts.append(position)
            ends.append(cut)
            position = cut
        starts.append(position)
        ends.append(match.end())
    return starts, ends


def sentence_rows(doc_id: str, text: str, mentions: Iterable[EntityMention]) -> Iterator[dict]:
    """One row per sentence, as the ``ner`` config stores it (tags as names, cast to ids later)."""
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


# A token with the whitespace before it. Every non-space character starts a token (a word
# character the first alternative, any other the last), so successive matches tile the text and
# the offsets are running sums of the pieces' lengths, computed without a Python loop per token.
_SPACED_TOKEN = re.compile(r"(\s*)(" + _TOKEN.pattern + ")")


def document_tokens(text: str) -> tuple[list[str], list[int], list[int]]:
    """Token texts, starts and ends of the whole text: the tokens of ``tokens`` over every
    sentence, since sentence boundaries always lie in whitespace, which no token contains."""
    pairs = _SPACED_TOKEN.findall(text)
    offsets = list(accumulate(map(len, chain.from_iterable(pairs))))
    return [token for _, token in pairs], offsets[0::2], offsets[1::2]


def _cut(texts: list[str], starts: list[int], ends: list[int], cuts: Iterable[int]) -> None:
    """Split, in place, every token that a cut (sorted offsets) falls strictly inside."""
    for cut in cuts:
        index = bisect_right(starts, cut) - 1
        if index < 0 or not starts[index] < cut < ends[index]:
            continue
        start = starts[index]
        whole = texts[index]
        texts[index:index + 1] = [whole[:cut - start], whole[cut - start:]]
        starts.insert(index + 1, cut)
        ends.insert(index, cut)


def document_columns(doc_id: str, text: str, mentions: Iterable[EntityMention],
                     tag_ids: dict[str, int]) -> tuple[dict[str, list], int]:
    """The ``ner`` rows of a document as columns (tags as ids via ``tag_ids``), equal to
    ``sentence_rows`` but tokenizing the text once instead of per sentence."""
    ordered = sorted(mentions, key=lambda m: (m.span.start, m.span.end))
    texts, starts, ends = document_tokens(text)
    _cut(texts, starts, ends, sorted({offset for m in ordered for offset in (m.span.start, m.span.end)}))
    bounds = [(index, bisect_left(starts, start), bisect_left(starts, end))
              for index, (start, end) in enumerate(sentence_spans(text))]
    bounds = [bound for bound in bounds if bound[1] < bound[2]]
    tags = _document_tags(starts, ends, ordered, [hi for _, _, hi in bounds], tag_ids)
    columns = {
        "id": [f"{doc_id}-{index}" for index, _, _ in bounds],
        "doc_id": [doc_id] * len(bounds),
        "sentence": [index for index, _, _ in bounds],
        "tokens": [texts[lo:hi] for _, lo, hi in bounds],
        "token_starts": [starts[lo:hi] for _, lo, hi in bounds],
        "token_ends": [ends[lo:hi] for _, lo, hi in bounds],
        "ner_tags": [tags[lo:hi] for _, lo, hi in bounds],
    }
    return columns, len(bounds)


def _document_tags(starts: list[int], ends: list[int], ordered: list[EntityMention], sentence_ends: list[int],
                   tag_ids: dict[str, int]) -> list[int]:
    """``iob2`` per sentence, done once over the document: a mention crossing a sentence boundary
    begins again (B-) in each sentence it reaches, later mentions overwrite earlier ones."""
    tags = [tag_ids["O"]] * len(starts)
    for mention in ordered:
        first = bisect_right(ends, mention.span.start)
        last = bisect_left(starts, mention.span.end)
        begin, inside = tag_ids[f"B-{mention.label}"], tag_ids[f"I-{mention.label}"]
        while first < last:
            sentence = bisect_right(sentence_ends, first)
            stop = min(last, sentence_ends[sentence]) if sentence < len(sentence_ends) else last
            tags[first] = begin
            tags[first + 1:stop] = [inside] * (stop - first - 1)
            first = stop
    return tags
