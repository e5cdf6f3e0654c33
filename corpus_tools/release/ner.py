"""CoNLL-style NER rows: sentence split, tokenization with offsets, IOB2 tags from entity spans.

Deliberately simple and dependency-free, so the rows are reproducible byte for byte:
paragraphs are lines; a sentence ends at . ! ? (optionally followed by closing quotes or
brackets) before whitespace and an upper-case letter, digit or opening quote. Tokens are runs of
word characters (with inner hyphens, commas and points: Al-Assad, 2,000, 1.5), an apostrophe
with its suffix (Syria 's, as in CoNLL), or single punctuation marks. Word characters are
Unicode's (UTS #18, Annex C): Python's ``\\w`` and the combining marks and the joiners ZWNJ and
ZWJ it leaves out.
Tokens are further split at every entity boundary that falls inside one ("US-allied" with the
entity "US" gives "US", "-allied"), so each mention covers whole tokens and gets exactly one
B- tag. Known limits: an abbreviation before a capital ("U.S. Congress") ends a sentence early;
a mention across that boundary then starts again with B- in the next sentence. A symbol drawn
with others as one (an emoji with its skin tone, or joined to the next by a ZWJ; a flag's two
regional indicators) is a token of its own, and a ZWJ between two symbols too.
"""

from __future__ import annotations

import functools
import re
import string
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import Iterable, Sequence

import numpy as np

from corpus_tools.records import EntityMention
from corpus_tools.release.columns import Column, Flat, Utf8
from corpus_tools.unidata import mark_ranges

# The rules, as regular expressions: the vectorized code below finds exactly their matches
# (tests/ner_reference.py applies them sentence by sentence, the tests hold the two equal).
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")


def _every_code_point() -> str:
    # surrogates included, as one string decoded from one array: joining chr() of each would hold
    # a million string objects at once (some 95 MB, a release's peak)
    return np.arange(0x110000, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")


@functools.cache
def _word_ranges() -> tuple[tuple[int, int], ...]:
    """The code points Unicode counts as word characters (UTS #18, Annex C) that Python's ``\\w``
    leaves out, as (first, last) runs: the combining marks (``unidata.mark_ranges``) and the
    joiners ZWNJ and ZWJ. With ``\\w`` alone a mark was a token of its own, and a word with one
    was cut apart at it: "Ban\\u0308ez" was Ban, U+0308, ez, Arabic with its vowel marks and
    Devanagari (a vowel sign or virama in most words) a token every letter or two."""
    return tuple(sorted((*mark_ranges(), (0x200C, 0x200D))))  # the joiners touch no mark


def _word_characters() -> str:
    """What a character class holds beyond ``\\w`` to hold Unicode's word characters: some 300
    ranges (as 2,410 single characters a class made the scan of every code point 1.8 s, not 0.3)."""
    return "".join(re.escape(chr(first)) + (f"-{re.escape(chr(last))}" if last > first else "")
                   for first, last in _word_ranges())


@functools.cache
def token_pattern() -> re.Pattern:
    """The token rule (the module's docstring) as a regular expression."""
    word, other = rf"[\w{_word_characters()}]", rf"[^\w\s{_word_characters()}]"
    return re.compile(rf"{word}+(?:[-.,]{word}+)*|['’]{word}+|{other}")


# What each code point is to the tokenizer and the sentence splitter, as bit flags. Whitespace
# and word characters are ``\s`` and ``token_pattern``'s word class as the regular expression
# engine itself tells them apart; the other flags are the character sets of ``token_pattern`` and
# ``_SENTENCE_END``: the marks
# that join words inside a token, the apostrophes that begin a suffix token, and the end marks,
# closing and opening quotes or brackets and capitals (ASCII, as [A-Z0-9] is) around a sentence end.
_SPACE, _WORD, _JOINER, _APOSTROPHE, _MARK, _CLOSER, _OPENER, _CAPITAL = (1 << bit for bit in range(8))


# built when first needed, not by every import of corpus_tools.release: some 0.5 s, most of it finding
# the marks (``_word_ranges``, shared with token_pattern); \w's runs are found by the engine, the marks set
# by their ranges (a regex of \w and the 2,410 marks and joiners as single characters took some 2 s)
@functools.cache
def _code_point_flags() -> np.ndarray:
    everything = _every_code_point()
    flags = np.zeros(0x110000, dtype=np.uint8)
    for pattern, flag in ((r"\s+", _SPACE), (r"\w+", _WORD)):
        for run in re.finditer(pattern, everything):
            flags[run.start():run.end()] |= flag
    for first, last in _word_ranges():  # the rest of token_pattern's word class
        flags[first:last + 1] |= _WORD
    for characters, flag in (("-.,", _JOINER), ("'’", _APOSTROPHE), (".!?", _MARK), ("\"'”’)]", _CLOSER),
                             ("\"'“‘([", _OPENER), (string.ascii_uppercase + string.digits, _CAPITAL)):
        flags[[ord(character) for character in characters]] |= flag
    return flags


@dataclass(frozen=True, slots=True)
class CodePoints:
    """A text's code points, their flags (``_code_point_flags``) and where its non-space characters are."""

    codes: np.ndarray
    flags: np.ndarray
    non_space: np.ndarray


def code_points(text: str) -> CodePoints:
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    flags = _code_point_flags()[codes]
    return CodePoints(codes, flags, np.flatnonzero((flags & _SPACE) == 0))


def document_tokens(text: CodePoints, cuts: np.ndarray) -> tuple[Utf8, np.ndarray, np.ndarray]:
    """Token texts, starts and ends of the whole text: the matches of ``token_pattern()`` in every
    sentence (sentence boundaries always lie in whitespace, which no token contains), each also
    split at any offset of ``cuts`` strictly inside it, so that annotated spans cover whole tokens.

    Every non-space character starts a token or continues the one before it (``_token_firsts``),
    so the tokens tile the text's non-space characters in order, and their texts are cut out of
    the UTF-8 bytes of those characters, with no Python object per token."""
    flags, non_space = text.flags, text.non_space
    firsts = _token_firsts(flags)
    cuts = cuts[cuts < len(flags)]
    firsts[cuts] |= (flags[cuts] & _SPACE) == 0  # a cut in a token starts a token there
    bounds = np.append(np.flatnonzero(firsts[non_space]), len(non_space))  # among the non-space characters
    data = np.frombuffer(text.codes[non_space].tobytes().decode("utf-32-le").encode("utf-8"), dtype=np.uint8)
    character_bytes = np.append(np.flatnonzero((data & 0xC0) != 0x80), len(data))  # where each one's bytes begin
    return Utf8(data, character_bytes[bounds]), non_space[bounds[:-1]], non_space[bounds[1:] - 1] + 1


def _token_firsts(flags: np.ndarray) -> np.ndarray:
    """Whether each character starts a token of ``token_pattern().findall`` (whitespace starts none).
    A word character continues the token before it after a word character (both alternatives
    take whole runs), after an apostrophe (``['’]\\w+``), and after a joiner that joins; a joiner
    joins (``\\w+(?:[-.,]\\w+)*``) between word characters unless the run before it belongs to an
    apostrophe's token, which takes no joiner. Every other non-space character starts a token."""
    word = (flags & _WORD) != 0
    after_word = np.zeros_like(word)
    after_word[1:] = word[:-1]
    continues = np.zeros_like(word)
    continues[1:] = word[1:] & ((flags[:-1] & (_WORD | _APOSTROPHE)) != 0)
    joining = np.flatnonzero(((flags[:-1] & _JOINER) != 0) & after_word[:-1] & word[1:])
    run_firsts = np.flatnonzero(word & ~after_word)
    run_first = run_firsts[np.searchsorted(run_firsts, joining, side="right") - 1]  # of the run before each
    joining = joining[(_at(flags, run_first - 1) & _APOSTROPHE) == 0]
    continues[joining] = continues[joining + 1] = True
    return ((flags & _SPACE) == 0) & ~continues


def _at(flags: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The flags at each position, none (0) outside the text."""
    inside = (positions >= 0) & (positions < len(flags))
    return np.where(inside, flags[np.where(inside, positions, 0)] if len(flags) else 0, 0)


def _sentence_ends(text: CodePoints) -> np.ndarray:
    """``match.end()`` of each match of ``_SENTENCE_END``, in order: an end mark, the closing
    quotes and brackets after it, then (looking ahead) whitespace and a capital, or an opening
    quote or bracket and a capital. Each end mark is tried on its own: no match can hold two."""
    flags = text.flags
    ends = np.flatnonzero(flags & _MARK) + 1
    while (closing := (_at(flags, ends) & _CLOSER) != 0).any():  # runs of closers are short
        ends[closing] += 1
    ends = ends[(_at(flags, ends) & _SPACE) != 0]
    follower = np.append(text.non_space, len(flags))[np.searchsorted(text.non_space, ends)]  # past the spaces
    capital = (_at(flags, follower) & _CAPITAL) != 0
    opened = ((_at(flags, follower) & _OPENER) != 0) & ((_at(flags, follower + 1) & _CAPITAL) != 0)
    return ends[capital | opened]


def _sentence_lengths(text: CodePoints, starts: np.ndarray) -> np.ndarray:
    """Tokens per sentence, in order. A sentence is the tokens starting
    between two consecutive edges: line breaks and sentence end marks, found over the whole text
    (an end mark that ends a sentence only across a line break is followed by blanks to the
    line's end, so it adds an edge with no token after it). A blank piece has no token and is
    no sentence, and every other piece has one (its first non-space character starts a token)."""
    edges = np.concatenate([[0, len(text.codes)], np.flatnonzero(text.codes == ord("\n")), _sentence_ends(text)])
    edges.sort()
    lengths = np.diff(np.searchsorted(starts, edges))
    return lengths[lengths > 0]


# Joins the texts of several documents: a line break, so a sentence edge that no token crosses.
_SEPARATOR = "\n"


def documents_columns(documents: list[tuple[str, str, Iterable[EntityMention]]], tag_ids: dict[str, int],
                      per_document: dict[str, Sequence[int]] | None = None) -> tuple[dict[str, Column], int]:
    """The ``ner`` rows of several (doc_id, text, mentions) as columns, one document's rows after
    another (tags as ids via ``tag_ids``; the list columns flat: corpus_tools.release.columns),
    computed over the texts joined by a line break: a document's tokens, sentences and tags do
    not depend on its neighbours (the break is an edge, and no token or mention crosses it), and
    the numpy calls are paid once per group instead of once per document. ``per_document``: more
    columns, of one number per document, that each of its rows repeats (the fold)."""
    text, bases, mentions = _joined(documents)
    points = code_points(text)
    texts, starts, ends = document_tokens(points, np.concatenate([mentions.starts, mentions.ends]))
    lengths = _sentence_lengths(points, starts)
    sentence_ends = np.cumsum(lengths)
    tags = _document_tags(starts, ends, mentions, sentence_ends, tag_ids)
    owner = np.searchsorted(bases, starts[sentence_ends - lengths], side="right") - 1  # document of each row
    sentence = np.arange(len(lengths)) - np.searchsorted(owner, owner, side="left")  # index within it
    doc_ids = [documents[index][0] for index in owner.tolist()]
    shift = np.repeat(bases[owner], lengths)  # back to offsets in each document's own text
    columns = {
        "id": [f"{doc_id}-{index}" for doc_id, index in zip(doc_ids, sentence.tolist())],
        "doc_id": doc_ids,
        "sentence": sentence,
        "tokens": Flat(texts, lengths),
        "token_starts": Flat(starts - shift, lengths),  # int64: the int32 column refuses an overflow
        "token_ends": Flat(ends - shift, lengths),
        "ner_tags": Flat(tags, lengths),
    }
    for name, values in (per_document or {}).items():
        columns[name] = np.asarray(values, dtype=np.int64)[owner]
    return columns, len(lengths)


def _joined(documents: list[tuple[str, str, Iterable[EntityMention]]]) -> tuple[str, np.ndarray, "_Mentions"]:
    """The texts joined, where each starts in the joined text, and the mentions in it (each
    document's in position order, documents in order)."""
    bases = np.array(list(accumulate((len(text) + len(_SEPARATOR) for _, text, _ in documents[:-1]), initial=0)),
                     dtype=np.int64)
    per_document = [tuple(mentions) for _, _, mentions in documents]
    every = [mention for mentions in per_document for mention in mentions]
    shifts = np.repeat(bases, [len(mentions) for mentions in per_document])
    starts = np.fromiter((mention.span.start for mention in every), np.int64, len(every)) + shifts
    ends = np.fromiter((mention.span.end for mention in every), np.int64, len(every)) + shifts
    # by position in the joined text, hence document by document; lexsort is stable, so mentions
    # of one span keep their given order, as sorted() keeps it
    order = np.lexsort((ends, starts))
    mentions = _Mentions(starts[order], ends[order], [every[index].label for index in order.tolist()])
    return _SEPARATOR.join(text for _, text, _ in documents), bases, mentions


@dataclass(frozen=True, slots=True)
class _Mentions:
    """Mention spans in the joined text (arrays) and their labels, in tagging order."""

    starts: np.ndarray
    ends: np.ndarray
    labels: list[str]


def _document_tags(starts: np.ndarray, ends: np.ndarray, mentions: _Mentions, sentence_ends: np.ndarray,
                   tag_ids: dict[str, int]) -> np.ndarray:
    """``iob2`` per sentence, done once over the document: a mention crossing a sentence boundary
    begins again (B-) in each sentence it reaches, later mentions overwrite earlier ones. A
    mention that stays in one sentence and shares no token with another is tagged with the rest
    of its kind in one step (order cannot matter for it); the others one by one, in order."""
    tags = np.full(len(starts), tag_ids["O"], dtype=np.int64)
    firsts = np.searchsorted(ends, mentions.starts, side="right")  # first token ending after the start
    lasts = np.searchsorted(starts, mentions.ends, side="left")  # first token starting at or after the end
    tagged = firsts < lasts
    if not tagged.any():
        return tags
    codes = {label: (tag_ids[f"B-{label}"], tag_ids[f"I-{label}"]) for label in set(mentions.labels)}
    begins, insides = np.array([codes[label] for label in mentions.labels], dtype=np.int64)[tagged].T
    firsts, lasts = firsts[tagged], lasts[tagged]
    alone = _alone(firsts, lasts, sentence_ends)
    _tag_ranges(tags, firsts[alone], lasts[alone], begins[alone], insides[alone])
    sentence_ends = sentence_ends.tolist()
    for first, last, begin, inside in zip(*(values[~alone].tolist() for values in (firsts, lasts, begins, insides))):
        while first < last:
            sentence = bisect_right(sentence_ends, first)
            stop = min(last, sentence_ends[sentence]) if sentence < len(sentence_ends) else last
            tags[first] = begin
            tags[first + 1:stop] = inside
            first = stop
    return tags


def _alone(firsts: np.ndarray, lasts: np.ndarray, sentence_ends: np.ndarray) -> np.ndarray:
    """Which token ranges (non-empty, ``firsts`` ascending) share no token with another range and
    end in the sentence they start in."""
    alone = lasts <= sentence_ends[np.searchsorted(sentence_ends, firsts, side="right")]
    alone[1:] &= firsts[1:] >= np.maximum.accumulate(lasts)[:-1]  # after every earlier range
    alone[:-1] &= lasts[:-1] <= firsts[1:]  # before the next one, hence before every later one
    return alone


def _tag_ranges(tags: np.ndarray, firsts: np.ndarray, lasts: np.ndarray, begins: np.ndarray,
                insides: np.ndarray) -> None:
    """B- on each (disjoint) range's first token, I- on its other tokens."""
    tags[firsts] = begins
    counts = lasts - firsts - 1
    inner = np.repeat(firsts + 1 - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())
    tags[inner] = np.repeat(insides, counts)
