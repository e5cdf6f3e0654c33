"""Sentence splitting, tokenization and IOB2 tags of the ner config."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_tools.records import EntityMention, Span
from corpus_tools.release.arrow_schemas import NER_TAGS, arrow_schema
from corpus_tools.release.columns import to_arrow, to_pylist
from corpus_tools.release import ner
from ner_reference import sentence_rows, sentence_spans
from corpus_tools.schema import ENTITY_LABELS

TEXT = ('Syrian President Bashar Al-Assad said on Sunday. "We meet," he said.\n'
        "Syria's ties with the U.S. remain frozen.\n\n2,000 people attended.")


def test_sentences_split_at_end_marks_and_lines():
    assert [TEXT[s:e] for s, e in sentence_spans(TEXT)] == [
        "Syrian President Bashar Al-Assad said on Sunday.",
        '"We meet," he said.',
        "Syria's ties with the U.S. remain frozen.",  # no split: a lower-case word follows
        "2,000 people attended.",
    ]


def test_tokens_carry_offsets_and_split_possessives():
    start = TEXT.index("Syria's")
    found = list(ner.token_pattern().finditer(TEXT, start, start + len("Syria's ties with the U.S.")))
    assert [t.group() for t in found] == ["Syria", "'s", "ties", "with", "the", "U.S", "."]
    assert [(t.start() - start, t.end() - start) for t in found[:3]] == [(0, 5), (5, 7), (8, 12)]


def _mention(text, needle, label, region="r", length=None):
    start = text.index(needle)
    end = start + (len(needle) if length is None else length)
    return EntityMention(region, "d", Span(start, end), text[start:end], label, None)


def test_iob2_tags_from_spans():
    rows = list(sentence_rows("d", TEXT, [_mention(TEXT, "Bashar Al-Assad", "PERSON"),
                                          _mention(TEXT, "Syria's", "GPE", "g", 5)]))
    assert [row["id"] for row in rows] == ["d-0", "d-1", "d-2", "d-3"]
    assert rows[0]["ner_tags"] == ["O", "O", "B-PERSON", "I-PERSON", "O", "O", "O", "O"]
    assert rows[2]["tokens"][:2] == ["Syria", "'s"] and rows[2]["ner_tags"][:2] == ["B-GPE", "O"]
    assert rows[1]["ner_tags"] == ["O"] * len(rows[1]["tokens"])


def test_abbreviation_before_a_capital_splits_early_but_tags_stay_right():
    text = "The U.S. Congress met."
    assert [text[s:e] for s, e in sentence_spans(text)] == ["The U.S.", "Congress met."]
    rows = list(sentence_rows("d", text, [_mention(text, "U.S. Congress", "ORG")]))
    assert rows[0]["ner_tags"] == ["O", "B-ORG", "I-ORG"] and rows[1]["ner_tags"] == ["B-ORG", "O", "O"]


def test_tag_ids_put_o_first_then_b_i_per_label():
    assert NER_TAGS[:5] == ("O", "B-PERSON", "I-PERSON", "B-NORP", "I-NORP")
    assert len(NER_TAGS) == 1 + 2 * len(ENTITY_LABELS)


words = st.lists(st.sampled_from(["Assad", "said", "the", "U.S.", "Syria's", "2,000", "\n", ".", '"', "Hi!"]),
                 min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(words, st.data())
def test_rows_are_consistent_for_any_text(pieces, data):
    text = " ".join(pieces)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    label = data.draw(st.sampled_from(ENTITY_LABELS))
    mentions = [EntityMention("m", "d", Span(start, end), text[start:end], label, None)] if end > start else []
    for row in sentence_rows("d", text, mentions):
        assert len(row["tokens"]) == len(row["ner_tags"]) == len(row["token_starts"]) == len(row["token_ends"])
        assert [text[s:e] for s, e in zip(row["token_starts"], row["token_ends"])] == row["tokens"]
        for mention in mentions:
            if row["token_starts"][0] <= mention.span.start and mention.span.end <= row["token_ends"][-1]:
                covered = [tag for s, e, tag in zip(row["token_starts"], row["token_ends"], row["ner_tags"])
                           if s < mention.span.end and mention.span.start < e]
                assert covered.count(f"B-{label}") == (1 if covered else 0)
                assert all(mention.span.start <= s and e <= mention.span.end for s, e in
                           zip(row["token_starts"], row["token_ends"]) if s < mention.span.end and mention.span.start < e)
        previous = "O"
        for tag in row["ner_tags"]:
            assert tag in NER_TAGS
            if tag.startswith("I-"):  # IOB2: an I- tag continues a B-/I- of the same label
                assert previous in (f"B-{tag[2:]}", tag)
            previous = tag


def test_tokens_split_at_entity_boundaries_inside_them():
    text = "The US-allied states and Syria'sneighbours met."
    mentions = [_mention(text, "US", "GPE"), _mention(text, "Syria", "GPE", "g")]
    (row,) = sentence_rows("d", text, mentions)
    assert row["tokens"] == ["The", "US", "-allied", "states", "and", "Syria", "'sneighbours", "met", "."]
    assert row["ner_tags"] == ["O", "B-GPE", "O", "O", "O", "B-GPE", "O", "O", "O"]


def _as_columns(rows: list[dict]) -> dict[str, list]:
    names = ("id", "doc_id", "sentence", "tokens", "token_starts", "token_ends", "ner_tags")
    tag_ids = {tag: index for index, tag in enumerate(NER_TAGS)}
    return {name: [[tag_ids[t] for t in row[name]] if name == "ner_tags" else row[name] for row in rows]
            for name in names}


def document_columns(doc_id: str, text: str, mentions) -> tuple[dict, int]:
    return ner.documents_columns([(doc_id, text, mentions)], {tag: i for i, tag in enumerate(NER_TAGS)})


spaced_words = st.lists(st.sampled_from(["Assad", "said", "the", "U.S.", "Syria's", "2,000", "\n", "\n\n", ".", '"',
                                         "Hi!", "’s", "Al-Assad", "Zoë", "  ", "\u00a0", "1.5", "(", ")", "?",
                                         "\t", "\r\n", "\u2028", "\u3000", "A.", 'ok?"', "x_y"]),
                        min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(spaced_words, st.data())
def test_document_columns_equal_the_per_sentence_reference(pieces, data):
    text = "".join(data.draw(st.sampled_from([" ", "", "\n"])) + piece for piece in pieces)
    mentions = []
    for index in range(data.draw(st.integers(0, 4))):  # may overlap, cross sentences, cut inside tokens
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, len(text)))
        if end > start:
            mentions.append(EntityMention(f"m{index}", "d", Span(start, end), text[start:end],
                                          data.draw(st.sampled_from(ENTITY_LABELS)), None))
    columns, count = document_columns("d", text, mentions)
    expected = list(sentence_rows("d", text, mentions))
    assert count == len(expected)
    assert _python(columns) == _as_columns(expected)
    _assert_arrow_equal(columns, _as_columns(expected))


def _python(columns: dict) -> dict[str, list]:
    return {name: to_pylist(column) for name, column in columns.items()}


def _assert_arrow_equal(columns: dict, expected: dict[str, list]) -> None:
    """The flat columns give the very arrays pa.array gives on the nested rows."""
    for field in arrow_schema("ner"):
        if field.name == "fold":  # a document's, added to its rows by release.rows.ner_rows
            continue
        converted = to_arrow(columns[field.name], field.type)
        reference = pa.array(expected[field.name], type=field.type)
        assert converted.equals(reference) and converted.nbytes == reference.nbytes, field.name
        assert converted.validate(full=True) is None


def test_document_columns_on_a_seed_article():
    text = (Path(__file__).resolve().parent.parent / "raw" / "000_cbeedfbee8440207.txt").read_text(encoding="utf-8")
    mentions = [_mention(text, "Bashar Al-Assad", "PERSON"), _mention(text, "Syria", "GPE", "g")]
    columns, count = document_columns("d", text, mentions)
    assert count > 10
    assert _python(columns) == _as_columns(list(sentence_rows("d", text, mentions)))
    _assert_arrow_equal(columns, _as_columns(list(sentence_rows("d", text, mentions))))


def test_the_code_point_flags_are_built_when_first_needed_not_on_import():
    # corpus_tools.load imports the release package; a user loading a release never tokenizes
    script = ("import corpus_tools.release.loaders\n"
              "from corpus_tools.release import ner\n"
              "assert ner._code_point_flags.cache_info().currsize == 0\n"
              "ner.code_points('Syria.')\n"
              "assert ner._code_point_flags.cache_info().currsize == 1\n")
    subprocess.run([sys.executable, "-c", script], check=True)


def test_the_code_point_flags_are_those_of_the_regular_expressions():
    everything = "".join(map(chr, range(0x110000)))

    def flagged(flag: int) -> set[int]:
        return set(np.flatnonzero(ner._code_point_flags() & flag).tolist())

    assert flagged(ner._SPACE) == {ord(char) for char in re.findall(r"\s", everything)}
    word = re.findall(rf"[\w{ner._word_characters()}]", everything)
    assert flagged(ner._WORD) == {ord(char) for char in word}
    for flag, characters in ((ner._JOINER, "-.,"), (ner._APOSTROPHE, "'\u2019"), (ner._MARK, ".!?"),
                             (ner._CLOSER, "\"'\u201d\u2019)]"), (ner._OPENER, "\"'\u201c\u2018(["),
                             (ner._CAPITAL, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")):
        assert flagged(flag) == {ord(char) for char in characters}


# Any character a text can hold: no lone surrogate (texts are decoded from files; the release
# reads their code points through UTF-32, as it always has).
TEXT_CHARACTERS = st.characters(blacklist_categories=("Cs",))
SENTENCE_PIECES = [" ", "  ", "\n", "\n\n \t ", "\t", "\u3000", ".", "!", "?", "...", '"', "'", "\u201d", "\u2019", ")", "]",
                   "\u201c", "\u2018", "(", "[", "A", "Z", "0", "9", "a", "\u00c9", "\uff21", "U.S.", "x"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(SENTENCE_PIECES), TEXT_CHARACTERS)).map("".join))
def test_sentence_ends_are_the_matches_of_the_sentence_end_pattern(text):
    assert ner._sentence_ends(ner.code_points(text)).tolist() == [match.end() for match in ner._SENTENCE_END.finditer(text)]


@pytest.mark.parametrize("text", ["", " ", "\n\n", "A", "Hi.\n", " x ", "\u3000A.\u2028B! c"])
def test_document_columns_of_tiny_texts(text):
    mentions = [EntityMention("m", "d", Span(0, len(text)), text, "PERSON", None)] if text.strip() else []
    columns, count = document_columns("d", text, mentions)
    expected = _as_columns(list(sentence_rows("d", text, mentions)))
    assert count == len(expected["id"])
    assert _python(columns) == expected
    _assert_arrow_equal(columns, expected)


@settings(max_examples=80, deadline=None)
@given(st.lists(spaced_words, min_size=1, max_size=4), st.data())
def test_several_documents_at_once_equal_each_alone(texts, data):
    """documents_columns joins the texts; every document's rows stay what they are alone."""
    tag_ids = {tag: i for i, tag in enumerate(NER_TAGS)}
    documents = []
    for number, pieces in enumerate(texts):
        text = "".join(data.draw(st.sampled_from([" ", "", "\n"])) + piece for piece in pieces)
        mentions = []
        for index in range(data.draw(st.integers(0, 5))):
            start = data.draw(st.integers(0, len(text)))
            end = data.draw(st.integers(start, len(text)))
            if end > start:
                mentions.append(EntityMention(f"m{index}", f"d{number}", Span(start, end), text[start:end],
                                              data.draw(st.sampled_from(ENTITY_LABELS[:3])), None))
        documents.append((f"d{number}", text, mentions))
    columns, count = ner.documents_columns(documents, tag_ids)
    expected = {name: [] for name in columns}
    for doc_id, text, mentions in documents:
        for name, values in _as_columns(list(sentence_rows(doc_id, text, mentions))).items():
            expected[name].extend(values)
    assert count == len(expected["id"])
    assert _python(columns) == expected
    _assert_arrow_equal(columns, expected)


def test_tags_of_mentions_alone_overlapping_and_crossing_sentences_in_one_group():
    """Mentions that share no token and stay in one sentence are tagged in one step, the others
    one by one in order (later ones overwrite): together the same tags as the reference."""
    first = "Ann met Bob. Carl went home.\nDan ran."
    second = "Eve saw Ann. Bob left."
    mentions = [_mention(first, "Ann", "PERSON", "a"), _mention(first, "met Bob. Carl", "ORG", "b"),
                _mention(first, "Bob", "GPE", "c"), _mention(first, "Dan", "PERSON", "d")]
    others = [_mention(second, "Eve", "PERSON", "e"), _mention(second, "saw Ann", "ORG", "f"),
              _mention(second, "Ann", "GPE", "g")]
    columns, count = ner.documents_columns([("d", first, mentions), ("e", second, others)],
                                           {tag: i for i, tag in enumerate(NER_TAGS)})
    expected = {name: a + b for (name, a), b in zip(_as_columns(list(sentence_rows("d", first, mentions))).items(),
                                                   _as_columns(list(sentence_rows("e", second, others))).values())}
    assert _python(columns) == expected and count == 5
    assert [[NER_TAGS[tag] for tag in row] for row in expected["ner_tags"][:2]] == [
        ["B-PERSON", "B-ORG", "B-GPE", "I-ORG"], ["B-ORG", "O", "O", "O"]]  # "Bob" overwrites, "Carl" begins again


def _reference_tokens(text: str) -> tuple[list[str], list[int], list[int]]:
    matches = list(ner.token_pattern().finditer(text))
    return [m.group() for m in matches], [m.start() for m in matches], [m.end() for m in matches]


def _vectorized_tokens(text: str) -> tuple[list[str], list[int], list[int]]:
    texts, starts, ends = ner.document_tokens(ner.code_points(text), np.zeros(0, dtype=np.int64))
    return to_pylist(texts), starts.tolist(), ends.tolist()


# Awkward characters for the tokenizer: emoji (non-BMP, with a variation selector and a zero-width
# joiner), combining marks (word characters or not), curly and straight quotes, digits of other
# scripts and digits with separators, an underscore, odd spaces and line breaks.
AWKWARD = list(" \n\t\r\u3000\u2028\u00a0\u200b-.,'\u2019\u2018\u201c\u201d\"_aZ9\u00e9e\u0301\u0308\u0663\u00b2\u2163"
               "\U0001f600\U0001f44d\U0001f3fd\u200d\ufe0f\U0001d400\U00020000\u6f22()!?$%") + ["2,000", "1.5", "U.S."]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(TEXT_CHARACTERS, st.sampled_from(AWKWARD))).map("".join))
def test_document_tokens_are_the_tokenizer_over_the_whole_text(text):
    assert _vectorized_tokens(text) == _reference_tokens(text)


@pytest.mark.parametrize("text", ["", "  ", "Al-Assad's 2,000 U.S. troops", "a_b __ x\u00b2 \u0661\u0662 \u2163 end.",
                                  "don\u2019t  -x- ,1, 'a' \u3000\u6f22\u5b57\u3002", "'a-b.c x'y-z ''a a--b a-'b -a- ,",
                                  "caf\u00e9 cafe\u0301 \U0001f44d\U0001f3fd ok\U0001f600. \u201cQuote,\u201d 1,000.50-2"])
def test_document_tokens_of_chosen_texts(text):
    assert _vectorized_tokens(text) == _reference_tokens(text)


def test_a_combining_mark_or_a_joiner_stays_in_its_word():
    # Unicode's word characters (UTS #18), where Python's \w has no marks and no joiners: a
    # diaeresis no letter precomposes, Arabic vowel marks (fatha, shadda), a Devanagari vowel sign
    # and virama, and the ZWNJ inside a Persian word were each a token, cutting their word apart
    text = "Zo\u00eb Ban\u0308ez met \u0628\u064e\u0634\u064e\u0651\u0627\u0631 in \u0939\u093f\u0928\u094d\u0926\u0940, \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645."
    tokens = (["Zo\u00eb", "Ban\u0308ez", "met", "\u0628\u064e\u0634\u064e\u0651\u0627\u0631", "in",
               "\u0939\u093f\u0928\u094d\u0926\u0940", ",", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "."],
              [0, 4, 11, 15, 23, 26, 32, 34, 42], [3, 10, 14, 22, 25, 32, 33, 42, 43])
    assert _vectorized_tokens(text) == tokens
    assert _reference_tokens(text) == tokens
