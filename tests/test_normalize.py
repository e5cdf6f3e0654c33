"""Normalization: golden texts of the seeds, their removed pieces, each line rule, and articles
from elsewhere (CRLF, BOM, tabs, emoji, cp1252) as fixtures."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_tools.cli import cli
from corpus_tools.documents import boilerplate
from corpus_tools.documents.cache import NormalizedCache
from corpus_tools.documents.index import NORMALIZED_LISTING, write_normalized
from corpus_tools.documents.normalize import (DROPPED, LINE_BREAK, NORMALIZER_VERSION, SPACES, TITLE_MAX_CHARS,
                                              _NFC_BOUNDARY, _SPECIAL, _UNCUT, _WS_RUN, Normalized, _clean_lines,
                                              _line_bounds, _needs_cleaning, _nfc_groups, _Rest, normalize)
from corpus_tools.documents.raw import read_manifest
from corpus_tools.records import Span

from conftest import SEED_DOC_IDS, tree

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "raw"
GOLDEN = ROOT / "tests" / "golden"
FIXTURES = ROOT / "tests" / "fixtures" / "normalize"


def _normalize_seed(doc_id: str) -> tuple[str, Normalized]:
    raw = (RAW / f"{doc_id}.txt").read_bytes().decode("utf-8")
    return raw, normalize(raw)


@pytest.fixture(scope="module", params=SEED_DOC_IDS)  # the golden texts are of the five seed articles only
def seed(request):
    raw, result = _normalize_seed(request.param)
    return request.param, raw, result


# -- the five seeds ---------------------------------------------------------------------------

# Per seed: its title, its paragraphs (the title, when there is one, plus the raw paragraphs that
# keep at least one line), lines of content that look a little like boilerplate, kept, and its
# removed pieces (kind, raw start, raw end, text).
SEEDS = {
    "000_cbeedfbee8440207": ("Bashar Al-Assad", 12, [], [
        ("photo-caption", 16, 31, "Bashar Al-Assad"),  # "Bashar Al-AssadReuters", split
        ("photo-credit", 31, 38, "Reuters"),
    ]),
    "001_d79359122f2d4c78": ("US neither confirms nor denies regular meetings with Syria\u2019s Assad", 21, [
        "AFP also contributed to this piece.",  # a credit of the report, not of a photo
        "The US has refused to comment on whether they have conducted private discussions with the Syrian "
        "dictator- which some argue signal a change in US-Syria ties",  # the standfirst
    ], [
        ("title-repeat", 68, 134, "US neither confirms nor denies regular meetings with Syria\u2019s Assad"),
        ("reading-time", 292, 302, "3 min read"),
        ("dateline", 303, 317, "25 April, 2024"),
        ("photo-caption", 318, 444, "Syria, Krak des Chevaliers, Bashar al-Assad photo. (Photo by: Giovanni "
                                    "Mereghetti/UCG/Universal Images Group via Getty Images)"),
        ("widget", 2009, 2019, "Live Story"),
    ]),
    "002_9bc3c6dfe5868321": ("US says it will not normalise relations with Syria\u2019s Assad", 19, [
        "Washington \u2018does not support\u2019 push to normalise ties to Syrian President Bashar al-Assad\u2019s "
        "gov\u2019t, State Department says.",  # the standfirst
    ], [
        ("photo-caption", 60, 259, "The government of Syrian President Bashar al-Assad has been re-engaging with "
                                   "other countries in the Middle East in recent months after years of isolation "
                                   "[File: Syrian Presidency/Handout via Reuters]"),
        ("comment-form", 3831, 3857, "Please enter your comment!"),
        ("comment-form", 3858, 3885, "Please enter your name here"),
    ]),
    "003_840a8be26e4ddaa5": ("The United States has ruled out normalizing relations with Syrian President Bashar "
                             "al-Assad.", 12, [], [
        ("title-repeat", 95, 187, "The United States has ruled out normalizing relations with Syrian President "
                                  "Bashar al-Assad."),
        ("comment-form", 2278, 2298, "Comments are closed."),
    ]),
    "004_3e4c866fc9bc1c15": (None, 16, ["Heavy penalties"], [  # a subheading; no title: its first line is a dateline
        ("dateline", 1, 16, "date 2021-09-30"),
        ("photo-caption", 2409, 2678, "Russian Foreign Minister Sergey Lavrov shakes hands with Syrian Foreign "
                                      "Minister Faisal Mekdad during their meeting on the sidelines of the 76th "
                                      "session of the United Nations General Assembly in New York earlier this "
                                      "month [Russian Foreign Ministry/Handout via Reuters]"),
    ]),
}


def _clean(line: str) -> str:
    line = re.sub(f"[{DROPPED}]", "", line)
    return re.sub(f"[{SPACES}]+", " ", line).strip()


def test_a_seed_gives_its_golden_text_title_paragraphs_and_removed_pieces_and_loses_no_sentence(seed):
    doc_id, raw, result = seed
    title, paragraphs, kept, removed = SEEDS[doc_id]
    assert result.text == (GOLDEN / f"{doc_id}.txt").read_bytes().decode("utf-8")
    assert result.title == title
    if title is not None:
        assert result.text.startswith(title + "\n\n")
        assert result.text.split("\n").count(title) == 1  # the title once, as a line
    assert [(p.kind, p.raw_span.start, p.raw_span.end, p.text) for p in result.removed] == removed
    assert all(raw[p.raw_span.start:p.raw_span.end] == p.text for p in result.removed)
    assert [line for line in kept if line not in result.text.split("\n")] == []
    assert len(result.text.split("\n\n")) == paragraphs
    # one line each in the seeds
    assert all(p and "\n" not in p and p == p.strip() for p in result.text.split("\n\n"))
    assert re.fullmatch(r"\d+\.\d+\.\d+", NORMALIZER_VERSION)
    assert normalize(raw) == result
    # every raw line is either a line of the normalized text or exactly its removed pieces
    kept_lines = set(result.text.split("\n"))
    pieces_by_line: dict[int, list[str]] = {}
    for piece in result.removed:
        pieces_by_line.setdefault(raw.count("\n", 0, piece.raw_span.start), []).append(piece.text)
    for number, line in enumerate(raw.split("\n")):
        cleaned = _clean(line)
        if not cleaned:
            continue
        if number in pieces_by_line:
            assert "".join(pieces_by_line[number]) == cleaned
        else:
            assert unicodedata.normalize("NFC", cleaned) in kept_lines, cleaned


def test_seed_maps_point_back_to_the_raw_lines():
    raw, result = _normalize_seed("001_d79359122f2d4c78")
    start = result.text.index("President Bashar Al-Assad after") + len("President ")
    raw_start, raw_end = result.offset_map.to_raw(start, start + len("Bashar Al-Assad"))
    # the raw text has NBSPs around the name; the map lands exactly on it
    assert raw[raw_start:raw_end] == "Bashar Al-Assad"
    assert raw[raw_end] == "\u00a0"
    assert result.offset_map.from_raw(raw_start, raw_end) == (start, start + len("Bashar Al-Assad"))


# -- the line rules, one by one ---------------------------------------------------------------

def whole(kind: str, *lines: str) -> list[tuple[str, str | None, list[tuple[str, int, int]]]]:
    """Rows of lines a rule removes whole: one piece of ``kind`` from 0 to the line's end."""
    return [(line, None, [(kind, 0, len(line))]) for line in lines]


def kept(*lines: str) -> list[tuple[str, None, None]]:
    return [(line, None, None) for line in lines]


AGENCY_CAPTION = ("TOPSHOT - A handout picture released by the official Syrian Arab News Agency (SANA) on March 20, "
                  "2023 shows Syrian President Bashar al-Assad (L) meeting with Emirati President Sheikh Mohamed bin "
                  "Zayed al-Nahyan in Abu Dhabi. - RESTRICTED TO EDITORIAL USE - MANDATORY CREDIT \"AFP PHOTO / HO / "
                  "SANA\" - NO MARKETING NO ADVERTISING CAMPAIGNS - DISTRIBUTED AS A SERVICE TO CLIENTS (Photo by HO / "
                  "SANA / AFP) (Photo by HO/SANA/AFP via Getty Images)")
GLUED_AGENCY_CAPTION = AGENCY_CAPTION[:AGENCY_CAPTION.index(" (Photo by HO / SANA")] + (
    ", on arrival at the palace in Abu Dhabi, where the two leaders held talks on trade and the Arab LeagueAFP via "
    "Getty Images")

RULE_CASES = [
    # (line, title, expected pieces)
    *whole("reading-time", "3 min read", "12 mins read", "Reading time: 4 minutes"),
    *whole("dateline", "25 April, 2024", "date 2021-09-30", "April 25, 2024", "Published: March 3, 2023 10:45 AM EST",
           "Updated 2023-03-03T10:45:00Z", "Thursday 4 May 2023 | 09:30 GMT",
           "Published 3 May 2024 \u00b7 Updated 4 May 2024"),
    # the longest label of each set too: a line as long as it is not skipped as too long for one
    *whole("widget", "Live Story", "Advertisement", "Scroll to continue with content"),
    *whole("comment-form", "Please enter your comment!", "Please enter your name here", "Comments are closed.",
           "Leave a Reply", "Save my name, email, and website in this browser for the next time I comment."),
    *whole("photo-caption", "Assad in Damascus [File: Syrian Presidency/Handout via Reuters]",
           "A ruin. (Photo by: G. M./UCG via Getty Images)",
           "Lavrov and Mekdad in New York [Russian Foreign Ministry/Handout via Reuters]",
           "Assad in Damascus [Louai Beshara/AFP]", "Assad (left) and Lavrov (right) in Moscow [File: Sputnik/Reuters]"),
    # longer than 400 characters, ending in a photo credit, three sentences: a paragraph, not a caption
    *kept("Syrians gather in Idlib " + "and wait " * 40
          + "for news. Others stayed home. Many left the city [File: Reuters]"),
    *kept("Protesters in Idlib (AFP)",  # the credit of a report, not of a photo: kept
          "The ministry confirmed the talks. (AFP/Reuters)", "Talks in Amman [the fourth this year]"),
    *whole("photo-credit", "Reuters", "AFP via Getty Images", "Photo: Reuters"),
    ("Bashar Al-AssadReuters", None, [("photo-caption", 0, 15), ("photo-credit", 15, 22)]),
    ("A protest in Idlib.AFP via Getty Images", None, [("photo-caption", 0, 19), ("photo-credit", 19, 39)]),
    ("The Title", "The Title", [("title-repeat", 0, 9)]),
    # content that looks a little like boilerplate stays
    *kept("AFP also contributed to this piece.", "Reuters contributed reporting.",
          "The comments came in response to questions from the Reuters news agency.",
          "He took 3 min to read the statement.", "On 25 April, 2024 the envoy met Assad.", "Live Story of a war",
          "Heavy penalties", "The deal was reported by the AP", "Software maker SAP"),
    ("The Title, again", "The Title", None),
    # other sites: share rows, footer menus, newsletter prompts, copyright footers, related links
    *whole("share-buttons", "Facebook Twitter LinkedIn WhatsApp Email", "Share: Facebook | X | Email | Copy link",
           "Share on Facebook Share on X Share on LinkedIn Copy link", "Share via Email", "1.2K Shares",
           "12 Comments"),
    *kept("The ministry posted the statement on Facebook and X.", "Share prices in Damascus fell.",
          "Email"),  # one item, no "share": could be anything
    *whole("footer-links", "About Us | Contact | Privacy Policy | Terms of Use | Advertise",
           "Privacy \u00b7 Terms \u00b7 Cookie settings"),
    *kept("Contact the ministry for terms of use."),
    *whole("newsletter", "Sign up for The Ledger Brief, our free weekly newsletter on the region",
           "Get our best reporting delivered to your inbox every Friday.",
           "By signing up, you agree to our Privacy Policy and Terms of Use.", "Enter your email address",
           "Thank you for subscribing!", "Subscribe"),
    *kept("The group urged supporters to sign up for its newsletter.",
          "Subscribers to the ministry\u2019s newsletter received the notice first."),
    *whole("newsletter", "Sign up for email alerts",
           # prompts that name no reader, longer than eight words, and forms that speak as the reader: were kept
           "Sign up to the Middle East Eye newsletter to get the latest alerts, insights and analysis",
           "Subscribe to the Reuters Daily Briefing newsletter for the latest news and analysis",
           "Join 50,000 readers: get the Levant Brief newsletter every week", "Sign up for the U.S. newsletter on Syria",
           "By signing up, I agree to the Privacy Policy and Terms of Service.",
           "By clicking \"Sign up\", I confirm that I have read and agree to the terms and privacy policy."),
    # sentences of news that start as a prompt does, the reader not addressed: were removed
    *kept("By signing up to the Chemical Weapons Convention in 2013, Syria accepted the terms of the deal.",
          "By signing up to the convention, Damascus reversed decades of policy on chemical arms.",
          "Join the talks, the US urged Syria in a statement sent to reporters by email."),
    *whole("copyright", "\u00a9 2024 The Levant Ledger Media Group. All rights reserved.",
           "Copyright 2023 Orient Policy Review",
           "This material may not be published, broadcast, rewritten or redistributed."),
    *kept("Copyright law in Syria dates from 1910.", "The copyright dispute over the archive remains unresolved."),
    *whole("copyright", "(c) 2024 Orient Policy Review", "Copyright (c) Orient Policy Review"),
    # the third clause of a lettered list, not a copyright sign: was removed while (a) and (b) stayed
    *kept("(c) allow humanitarian access to all areas of Syria.", "(C) The parties shall cease hostilities.",
          "(c) Damascus must allow access to Idlib by 2025."),
    # a footer's "(c)" before the owner's name alone, with or without a year: kept once "(c)" needed one
    *whole("copyright", "(C) Reuters 2024", "(c) Al Jazeera Media Network", "(c) Syrian Arab News Agency (SANA)",
           "(c) The Associated Press."),
    *whole("related-link", "READ MORE: Inside the long road back to Damascus",
           "Related: What the 2019 sanctions law actually covers", "Recommended reading"),
    ("Talks stalled on Monday.READ MORE: Envoy meets ministers", None, [("related-link", 24, 56)]),
    ("It gave no details. Read more \u00bb Aid convoys wait", None, [("related-link", 20, 48)]),
    ("\u201cWe will see.\u201dDon't miss: Our map", None, [("related-link", 14, 33)]),
    ("The talks went on. Read more", None, [("related-link", 19, 28)]),
    *kept("Read more about the talks in our earlier report.", "He read more: books, papers.",
          "It was related: the two events.", "Related \u2013 and disputed \u2013 claims circulated.",
          "The talks went on, read more: the annex."),  # no sentence end before it
    # An agency's caption with its usage terms is one sentence or two of up to 1,000 characters: kept
    # in the text (442 characters) once every caption had to be of 400 at most; glued to its credit
    # (497 characters), the same. One sentence of 1,029 characters is longer than any caption
    (AGENCY_CAPTION, None, [("photo-caption", 0, 442)]),
    (GLUED_AGENCY_CAPTION, None, [("photo-caption", 0, 477), ("photo-credit", 477, 497)]),
    *kept("Syrians gather " + "and wait " * 110 + "in Idlib [File: Reuters]"),
]


@pytest.mark.parametrize(("line", "title", "expected"), RULE_CASES)
def test_line_rules(line, title, expected):
    assert boilerplate.classify(line, title, is_first=False) == tuple(expected or ())


@pytest.mark.parametrize("credit", [" [File: Reuters]", " (Photo: AFP via Getty Images)", "Bashar al-AssadReuters"])
def test_a_line_longer_than_a_caption_that_ends_in_a_credit_is_kept(credit):
    """An article scraped onto one line (or a paragraph with a caption glued to its end) that ends
    in a photo credit was removed whole as a caption: every sentence of it lost."""
    body = "Washington has kept about 900 troops in northeast Syria since 2015, the Pentagon said. " * 5
    line = body.rstrip() + credit
    assert len(line) > 400
    result = normalize("US troops to stay in Syria\n\n" + line + "\n")
    assert result.text == "US troops to stay in Syria\n\n" + line and result.removed == ()
    assert boilerplate.classify(line[-400:], None, is_first=False)  # the same end within a caption's length goes


def test_the_first_line_is_never_a_title_repeat():
    assert boilerplate.classify("The Title", "The Title", is_first=True) == ()


def test_every_kind_is_tested_and_rules_are_a_table():
    tested = {kind for _, _, pieces in RULE_CASES for kind, _, _ in (pieces or ())}
    assert tested == set(boilerplate.KINDS)
    assert [name for name, _ in boilerplate.RULES] == [
        "reading-time", "dateline", "widget", "comment-form", "photo-caption", "photo-credit",
        "glued-credit", "title-repeat", "share-buttons", "footer-links", "newsletter", "copyright", "related-link"]


LONG_FIRST = "word " * (TITLE_MAX_CHARS // 5 + 1)


# Each row: a raw text, its text and title, its removed pieces (kind, raw start, raw end, text), and
# words of the text that map back to their place in the raw text. The text normalizes to itself, and
# each piece is the raw text at its span.
@pytest.mark.parametrize(("raw", "text", "title", "removed", "words"), [
    pytest.param("Headline\nBody text.", "Headline\n\nBody text.", "Headline", [], [],
                 id="a-short-first-line-is-the-title"),
    pytest.param(LONG_FIRST + "\nNext line.", LONG_FIRST.strip() + "\nNext line.", None, [], [],
                 id="a-long-one-is-not"),
    pytest.param("x" * TITLE_MAX_CHARS + "\nBody.", "x" * TITLE_MAX_CHARS + "\n\nBody.", "x" * TITLE_MAX_CHARS, [], [],
                 id="a-first-line-of-the-longest-a-title-may-be-is-one"),
    pytest.param("x" * (TITLE_MAX_CHARS + 1) + "\nBody.", "x" * (TITLE_MAX_CHARS + 1) + "\nBody.", None, [], [],
                 id="one-character-longer-is-not"),
    pytest.param("3 min read\nHeadline\n\nBody.", "Headline\n\nBody.", None, [("reading-time", 0, 10, "3 min read")],
                 [], id="nor-boilerplate"),
    pytest.param("  Title  \n\n\n\nLine one\nLine two \t\n \n\u00a0\nPara two\n\n",
                 "Title\n\nLine one\nLine two\n\nPara two", "Title", [], [], id="lines-and-paragraphs"),
    pytest.param("a\x81b\x9d", "ab", "ab", [], [], id="bytes-cp1252-leaves-undefined-are-dropped"),
    # A line of ZWJ alone was kept, an invisible paragraph between two, and a joiner at a line's
    # end was its last, invisible character (found by a hunt)
    pytest.param("Syria talks resume\n\n\u200d\n\nBody \u200d\n\u200cAnd more.\n\n"
                 "A family \U0001F468\u200d\U0001F469 here.",
                 "Syria talks resume\n\nBody\nAnd more.\n\nA family \U0001F468\u200d\U0001F469 here.",
                 "Syria talks resume", [], ["Body", "And more.", "\U0001F468\u200d\U0001F469"],
                 id="joiners-at-a-line-s-edges-join-nothing-and-a-line-of-them-is-blank"),
    # 100,000 zero-width spaces or soft hyphens in one word took some 40 s (a quadratic search). No
    # clock here (speed lives in bench/): a million of them, under a second each when linear, would
    # take over an hour if quadratic, far past the suite's per-test timeout (pyproject.toml)
    pytest.param("a" + "\u200b" * 1_000_000 + "\u0301 b", "\u00e1 b", "\u00e1 b", [], [],
                 id="a-million-zero-width-spaces-in-a-word-in-linear-time"),
    pytest.param("a" + "\u00ad" * 1_000_000 + "\u0301 b", "\u00e1 b", "\u00e1 b", [], [],
                 id="a-million-soft-hyphens-in-a-word-in-linear-time"),
    pytest.param("Title\n\nThe talks stalled on Monday. Read more: Envoy meets ministers\nSecond line.\n",
                 "Title\n\nThe talks stalled on Monday.\nSecond line.", "Title",
                 [("related-link", 36, 68, "Read more: Envoy meets ministers")], ["Monday.", "Second"],
                 id="a-glued-link-keeps-the-paragraph-and-its-offsets"),
    # A piece that ends in an NFC group ("e" + U+0301 -> "é", one block: two raw characters for
    # one) ends after the group in raw, not before its "e": the piece holds the whole group
    pytest.param("Le Cafe\u0301\n\nBody text.\n\nLe Cafe\u0301", "Le Caf\u00e9\n\nBody text.", "Le Caf\u00e9",
                 [("title-repeat", 22, 30, "Le Cafe\u0301")], [], id="a-line-removed-whole-ending-in-a-block"),
    pytest.param("Title\n\nIt ended this week.Read more: Talks at the cafe\u0301\n\nBody.",
                 "Title\n\nIt ended this week.\n\nBody.", "Title",
                 [("related-link", 26, 55, "Read more: Talks at the cafe\u0301")], [],
                 id="a-link-glued-to-a-paragraph-ending-in-a-block"),
    # What a line keeps after a glued link goes through the rules again: it held what normalizing
    # the text again removed. Two links glued one after the other: only the last went
    pytest.param("Title\n\nIt ended this week.READ MORE: Envoy in Amman.Also read: Talks resume\n\n"
                 "Last paragraph.", "Title\n\nIt ended this week.\n\nLast paragraph.", "Title",
                 [("related-link", 26, 52, "READ MORE: Envoy in Amman."),
                  ("related-link", 52, 75, "Also read: Talks resume")], [], id="two-glued-links"),
    # the paragraph before the link is itself boilerplate a rule claims whole
    pytest.param("Title\n\nComments are closed.Read more: Envoy in Amman\n\nLast paragraph.",
                 "Title\n\nLast paragraph.", "Title",
                 [("comment-form", 7, 27, "Comments are closed."),
                  ("related-link", 27, 52, "Read more: Envoy in Amman")], [], id="a-glued-link-after-boilerplate"),
    # too long for a related line whole, but two links and nothing else
    pytest.param("Title\n\nRead more: " + "a" * 200 + ".Read more: " + "b" * 60 + "\n\nLast paragraph.",
                 "Title\n\nLast paragraph.", "Title",
                 [("related-link", 7, 219, "Read more: " + "a" * 200 + "."),
                  ("related-link", 219, 290, "Read more: " + "b" * 60)], [],
                 id="two-links-too-long-for-a-related-line"),
])
def test_a_raw_text_normalized(raw, text, title, removed, words):
    result = normalize(raw)
    assert (result.text, result.title) == (text, title)
    assert [(p.kind, p.raw_span.start, p.raw_span.end, p.text) for p in result.removed] == removed
    assert all(raw[p.raw_span.start:p.raw_span.end] == p.text for p in result.removed)
    assert normalize(text).text == text
    for word in words:
        start = text.index(word)
        assert result.offset_map.to_raw(start, start + len(word)) == (raw.index(word), raw.index(word) + len(word))


# -- articles from elsewhere ------------------------------------------------------------------


def test_other_site_with_crlf_bom_tabs_emoji_nfd():
    raw = (FIXTURES / "other_site_crlf_bom.raw.txt").read_bytes().decode("utf-8")
    assert raw.startswith("\ufeff") and "\r\n" in raw and "\t" in raw and "e\u0301" in raw
    result = normalize(raw)
    assert result.text == (FIXTURES / "other_site_crlf_bom.expected.txt").read_bytes().decode("utf-8")
    assert result.title == "Syria talks: what we know \U0001F1F8\U0001F1FE"
    assert "caf\u00e9" in result.text and "\U0001F44D" in result.text
    assert [(p.kind, p.text) for p in result.removed] == [
        ("dateline", "Published: March 3, 2023 10:45 AM EST"),
        ("reading-time", "5 min read"),
        ("widget", "Advertisement"),
        ("photo-caption", "Protesters gather outside the venue in Geneva. (Photo by Jane Roe/AFP via Getty Images)"),
        ("photo-credit", "Photo: Reuters"),
        ("title-repeat", "Syria talks: what we know \U0001F1F8\U0001F1FE"),
        ("comment-form", "Leave a Reply"),
        ("comment-form", "Cancel reply"),
    ]
    # the composed é maps back to "e" + combining acute; the emoji (astral) to itself
    for character, raw_characters in (("\u00e9", "e\u0301"), ("\U0001F44D", "\U0001F44D")):
        at = result.text.index(character)
        assert raw[slice(*result.offset_map.to_raw(at, at + 1))] == raw_characters


# Three invented site layouts (invented outlets, people and events): a magazine (share rows
# above and below, a newsletter box inside a paragraph, "READ MORE:" glued to a paragraph, a
# copyright line and a footer menu), a wire service (CRLF, NBSPs, a share count, "RELATED:",
# "Read more »" glued after an NBSP, a wire footer), a blog (a share bar, a newsletter box with
# its form, "You might also like:" and "Don't miss:" glued, "Recommended reading", a footer).
SITES = {
    "site_magazine": ["share-buttons", "dateline", "reading-time", "share-buttons", "related-link", "newsletter",
                      "newsletter", "newsletter", "newsletter", "newsletter", "related-link", "widget",
                      "share-buttons", "copyright", "footer-links"],
    "site_wire": ["dateline", "share-buttons", "share-buttons", "related-link", "related-link", "newsletter",
                  "newsletter", "copyright", "copyright", "footer-links"],
    "site_blog": ["dateline", "share-buttons", "related-link", "newsletter", "newsletter", "newsletter",
                  "newsletter", "related-link", "related-link", "copyright", "footer-links"],
}


@pytest.mark.parametrize("site", sorted(SITES))
def test_boilerplate_of_other_site_layouts(site):
    raw = (FIXTURES / f"{site}.raw.txt").read_bytes().decode("utf-8")
    result = normalize(raw)
    assert result.text == (FIXTURES / f"{site}.expected.txt").read_bytes().decode("utf-8")
    assert [piece.kind for piece in result.removed] == SITES[site]
    # every line of the raw text is kept, removed whole, or kept up to a link glued to its end
    kept_lines = set(result.text.split("\n"))
    removed = [(piece.kind, _clean(piece.text)) for piece in result.removed]
    for line in (_clean(line) for line in re.split("\r\n|\n", raw)):
        if not line or line in kept_lines or any(text == line for _, text in removed):
            continue
        (glued,) = [(kind, text) for kind, text in removed if line.endswith(text)]
        assert glued[0] == "related-link" and line[:-len(glued[1])].strip() in kept_lines
    # the text maps back to the raw text exactly, across the cut of a glued link
    for line in result.text.split("\n"):
        at = result.text.index(line)
        assert _clean(raw[slice(*result.offset_map.to_raw(at, at + len(line)))]) == line
    for piece in result.removed:
        assert raw[piece.raw_span.start:piece.raw_span.end] == piece.text


def test_pieces_that_would_leave_two_runs_of_a_line_leave_it_uncut():
    """No rule of the table reaches this from a raw text: each removes a whole line, or its end
    (the glued credit as two touching pieces), so what a line keeps is one run at most. A rule
    that cut a piece out of the middle of a line would, were the line cut, leave the text after
    the piece neither kept nor removed: lost. The line is left whole instead."""
    (line,) = _clean_lines("Before the box. Sign up now. After the box.")
    text, end = _Rest(line).text()
    assert _Rest(line).after(text, end, (("newsletter", 16, 28),)) is _UNCUT
    assert _Rest(line).after(text, end, (("newsletter", 16, end),)) == (0, 15)


def test_cp1252_decoded_article_and_its_bytes_decoded_as_latin1():
    """C1 controls are cp1252 read as Latin-1: they come out as cp1252 says, one for one."""
    data = (FIXTURES / "cp1252.raw.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result, as_latin1 = normalize(data.decode("cp1252")), normalize(data.decode("latin-1"))
    assert (as_latin1.text, as_latin1.offset_map) == (result.text, result.offset_map)
    assert result.text == (FIXTURES / "cp1252.expected.txt").read_bytes().decode("utf-8")
    assert result.text == ("US envoy\u2019s visit to Damascus\n\n"
                           "\u201cWe will not normalise,\u201d he said \u2013 according to officials.\n"
                           "The caf\u00e9 near the embassy was closed\u2026 for now.")
    assert [(p.kind, p.text) for p in result.removed] == [("comment-form", "Comments are closed.")]


# -- properties of the text -------------------------------------------------------------------

texts = st.lists(st.one_of(
    st.sampled_from(("\r\n", "\r", "\n", "\n\n", " ", "\t", "\xa0", "\u3000", "\u200b", "\ufeff", "e\u0301",
                     "\u0301", "\U0001F600", "Live Story", "3 min read", "Title", "Reuters")),
    st.text(max_size=6)), max_size=30).map("".join)
_ODD = re.compile(f"[{DROPPED}]|[{SPACES.replace(' ', '')}]|\r")


@settings(max_examples=200, deadline=None)
@given(texts)
def test_normalized_text_is_clean(raw):
    text = normalize(raw).text
    assert unicodedata.is_normalized("NFC", text)
    assert not _ODD.search(text)
    assert "  " not in text and "\n\n\n" not in text
    assert text == text.strip(" \n")
    assert all(line == line.strip(" ") for line in text.split("\n"))


# -- fast paths equal the definitions they shortcut -------------------------------------------

_LINE_TEXTS = st.lists(st.one_of(st.sampled_from(("\r\n", "\r", "\n", "\u2028", "\u2029", "\x85", " ", "  ",
                                                  "\t", "\xa0", "\u200b", "\x92", "\u200d", "e\u0301")),
                                 st.text(max_size=5)), max_size=20).map("".join)


@settings(max_examples=300, deadline=None)
@given(_LINE_TEXTS)
def test_line_bounds_needs_cleaning_and_whitespace_runs_equal_their_definitions(content):
    """_line_bounds is the regex's lines; _needs_cleaning the special search; _WS_RUN's lookbehind
    (which keeps the search linear) finds the runs the pattern without it does."""
    starts = [0] + [m.end() for m in LINE_BREAK.finditer(content)]
    ends = [m.start() for m in LINE_BREAK.finditer(content)] + [len(content)]
    assert list(_line_bounds(content)) == list(zip(starts, ends))
    assert _needs_cleaning(content) == (_SPECIAL.search(content) is not None)
    plain = re.compile(_WS_RUN.pattern.split(")", 1)[1])
    assert [m.span() for m in _WS_RUN.finditer(content)] == [m.span() for m in plain.finditer(content)]


def test_a_chain_of_glued_links_is_cut_link_by_link_reading_the_line_a_bounded_number_of_times(monkeypatch):
    """A paragraph ending in 2,000 related links glued one to the next, an NBSP before each (every
    one a segment of the line's map): each link is a removed piece of its own, in raw order and
    back to back, and what the paragraph keeps maps back to the raw text. Each link cut sent what
    the line kept through the rules again, and the glued-link rule read it from its start (and
    normalize looked at each of its characters) every time: 8,000 links on one line took 8.7 s,
    quadratic in the links (here the rule read 28 million characters). It now reads the line's end
    first, and a link found there is the one the whole line gives; and what the line keeps is
    handed to the rules as the line's own text and an end, not copied."""
    read = []
    pattern = boilerplate.GLUED_RELATED

    class Counted:
        def fullmatch(self, text, pos=0, endpos=None):
            end = len(text) if endpos is None else endpos
            read.append(end - pos)
            return pattern.fullmatch(text, pos, end)

    monkeypatch.setattr(boilerplate, "GLUED_RELATED", Counted())
    handed = []  # the texts the rules are given (as ``text[:end]``): the line's own, not a copy per link
    classify = boilerplate.classify
    monkeypatch.setattr(boilerplate, "classify", lambda text, *args, **kwargs: handed.append(text) or classify(
        text, *args, **kwargs))
    raw = "Envoy in Amman\n\nThe envoy met officials this week." + "\u00a0x.Read more: " * 2000 + "x\n"
    result = normalize(raw)
    paragraph = [text for text in handed if text.startswith("The envoy")]
    assert len(paragraph) == 2001 and len({id(text) for text in paragraph}) == 1
    # the line's last 258 characters once per link (all of it, once shorter); the paragraph left
    # has no related word
    assert len(read) == 2000 and read[:1980] == [258] * 1980 and max(read) == 258
    assert result.text == "Envoy in Amman\n\nThe envoy met officials this week. x."
    assert len(result.removed) == 2000 and {piece.kind for piece in result.removed} == {"related-link"}
    assert (result.removed[0].raw_span, result.removed[0].text) == (Span(53, 67), "Read more: \u00a0x.")
    assert (result.removed[-1].raw_span, result.removed[-1].text) == (Span(28039, 28051), "Read more: x")
    assert all(one.raw_span.end == other.raw_span.start for one, other in zip(result.removed, result.removed[1:]))
    assert all(raw[piece.raw_span.start:piece.raw_span.end] == piece.text for piece in result.removed)
    assert result.offset_map.to_raw(len(result.text) - 2, len(result.text)) == (51, 53)
    assert raw[51:53] == "x." and normalize(result.text).text == result.text


def test_the_assumptions_of_the_fast_paths_hold_for_every_code_point():
    """_needs_cleaning: every special character but " " is unprintable; boilerplate's label
    rules: case folding never shortens a text."""
    special = re.compile(f"[{SPACES}{DROPPED}\x80-\x9f]")
    characters = [chr(code) for code in range(0x110000)]
    assert not [c for c in characters if c != " " and special.match(c) and c.isprintable()]
    assert all(len(c.casefold()) >= 1 for c in characters)


def test_normalize_out_killed_part_way_changes_no_file_and_the_next_run_cleans_up(corpus_copy, tmp_path):
    """SIGKILLed from outside as soon as its first file is written: every file of --out is the
    previous run's or absent, no temporary is left among them, and the next run removes the
    killed run's staging and writes what an uninterrupted run writes."""
    reference = tmp_path / "reference"
    write_normalized(corpus_copy, reference)
    out = tmp_path / "out"
    out.mkdir()
    (out / "000_cbeedfbee8440207.txt").write_text("an earlier run's\n")
    process = subprocess.Popen([sys.executable, "-m", "corpus_tools.cli", "normalize", "--out", str(out),
                                "--root", str(corpus_copy.root)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300  # guards against a hung run; not a timing test
    while process.poll() is None and time.monotonic() < deadline and not (
            list(out.glob(".normalize-*/*.txt")) or len(list(out.glob("*.txt"))) > 1):
        time.sleep(0.001)
    process.send_signal(signal.SIGKILL)
    if process.wait() == -signal.SIGKILL:  # else the run ended first (a busy machine): it is whole
        # the hidden files (the staging directory, the listing, which names this run's files before
        # the first rename, and its temporary when killed writing it) are the next run's to set right
        assert [path.name for path in out.iterdir() if not path.name.startswith(".")] == \
            ["000_cbeedfbee8440207.txt"]
        assert (out / "000_cbeedfbee8440207.txt").read_text() == "an earlier run's\n"
    write_normalized(corpus_copy, out)
    assert tree(out) == tree(reference)


NORMALIZE_KILLED_RENAMING = """
import os, signal, sys
from pathlib import Path
from corpus_tools.documents.index import write_normalized
from corpus_tools.layout import Layout
replace = os.replace
def replace_then_die(source, target):
    replace(source, target)
    if str(target).endswith(".txt"):
        os.kill(os.getpid(), signal.SIGKILL)  # killed while renaming, after its first text
os.replace = replace_then_die
write_normalized(Layout.at(sys.argv[1]), Path(sys.argv[2]))
"""


def test_normalize_out_killed_while_renaming_leaves_whole_files_and_lists_what_it_renamed(corpus_copy, tmp_path):
    """normalize --out renames its files into place one by one: killed then, its docstring said
    it changed no file of out, and the listing still was the previous run's, so a text it had
    renamed in stayed in out for good once its document left the corpus (a hunt). Now: each file
    whole, old or new, and every file renamed in listed, so a later run removes it."""
    manifest = corpus_copy.raw / "manifest.jsonl"
    lines = manifest.read_bytes().splitlines(keepends=True)
    first = min(json.loads(line)["doc_id"] for line in lines)
    entry = next(line for line in lines if json.loads(line)["doc_id"] == first)
    raw_file = corpus_copy.raw / json.loads(entry)["file"]
    raw_bytes = raw_file.read_bytes()

    def without_first():
        manifest.write_bytes(b"".join(line for line in lines if line != entry))
        raw_file.unlink()

    out = tmp_path / "out"
    without_first()
    write_normalized(corpus_copy, out)  # the previous run: no file of the first document
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    manifest.write_bytes(b"".join(lines))
    raw_file.write_bytes(raw_bytes)  # the document is back; the next run is killed after its text
    process = subprocess.run([sys.executable, "-c", NORMALIZE_KILLED_RENAMING, str(corpus_copy.root), str(out)],
                             capture_output=True, text=True, timeout=300)
    assert process.returncode == -signal.SIGKILL, process.stderr
    assert (out / f"{first}.txt").exists()  # renamed in, and the files after it still the old ones
    assert {name: (out / name).read_bytes() for name in before if name != NORMALIZED_LISTING} == \
        {name: data for name, data in before.items() if name != NORMALIZED_LISTING}
    assert f"{first}.txt" in (out / NORMALIZED_LISTING).read_text().splitlines()
    without_first()  # the document leaves the corpus before the next run
    assert write_normalized(corpus_copy, out)[1] == 2  # its text and its sidecar
    assert not (out / f"{first}.txt").exists()
    assert not [path.name for path in out.iterdir() if path.name.startswith(".normalize-")]


@pytest.mark.parametrize(("args", "said"), [
    (["--doc", "000_cbeedfbee8440207", "--repeated-lines"], "--doc prints one document's text"),
    (["--doc", "000_cbeedfbee8440207", "--out", "elsewhere"], "--doc prints one document's text"),
    (["--repeated-lines", "--out", "elsewhere"], "--repeated-lines writes nothing"),
    (["--min-documents", "5"], "--min-documents goes with --repeated-lines"),
])
def test_options_of_another_mode_are_refused_not_ignored(corpus_copy, tmp_path, args, said):
    """--doc with --repeated-lines printed the text; with --out it wrote nothing; --min-documents
    alone normalized (found by a hunt of the commands as a new user meets them)."""
    result = CliRunner().invoke(cli, ["normalize", "--root", str(corpus_copy.root), *args])
    assert result.exit_code == 2 and said in result.output
    assert not (corpus_copy.root / "build" / "normalized").exists() and not (corpus_copy.root / "elsewhere").exists()


def test_normalize_out_rewrites_only_the_files_whose_bytes_differ_and_serves_texts_from_the_cache(corpus_copy,
                                                                                                   tmp_path):
    """A run that changed nothing replaced every file of --out (a review: 10,000 documents, 20,000
    files rewritten on every run). Now a file that already holds its bytes keeps its inode and
    modification time, the listing too; the one whose text changed is replaced, whole, and so is
    one changed by hand or made private. The text changes through the cache: ``normalize`` takes a
    document's normalized text from build/cache/documents.sqlite, as every other command does (it
    normalized every document on every run, so one article added cost the whole corpus's
    normalization): a text only the cache holds, put under the first document's raw key, is what
    the next run writes for that document."""
    out = tmp_path / "out"
    reference = tmp_path / "reference"
    records = read_manifest(corpus_copy.manifest)
    write_normalized(corpus_copy, out)
    cache = NormalizedCache(corpus_copy.build / "cache")
    assert len(cache) == len(records) == 7  # the first run stored each text it normalized
    write_normalized(corpus_copy, reference)

    def stamps() -> dict[str, tuple[int, int]]:
        return {path.name: (os.stat(path).st_ino, os.stat(path).st_mtime_ns) for path in out.iterdir()}

    before = stamps()
    assert len(before) == 15  # 7 texts, 7 sidecars, the listing
    assert write_normalized(corpus_copy, out) == (7, 0)
    assert stamps() == before

    first, second, third = (record.doc_id for record in records[:3])
    cache.put(records[0].sha256, records[0].encoding, normalize("Only the cache holds this text.\n"))
    (out / f"{second}.txt").write_bytes(b"edited by hand")
    os.chmod(out / f"{third}.json", 0o600)
    edited = stamps()
    assert write_normalized(corpus_copy, out) == (7, 0)
    after = stamps()
    replaced = {f"{first}.txt", f"{first}.json", f"{second}.txt", f"{third}.json"}
    assert {name for name in after if after[name] != edited[name]} == replaced
    assert (out / f"{first}.txt").read_bytes() == b"Only the cache holds this text."
    others = {path.name: path.read_bytes() for path in reference.iterdir() if not path.name.startswith(first)}
    assert {path.name: path.read_bytes() for path in out.iterdir() if not path.name.startswith(first)} == others
    assert {os.stat(path).st_mode & 0o777 for path in out.iterdir()} == {0o644}
    assert NORMALIZED_LISTING in after and not [path for path in out.iterdir() if path.name.startswith(".normalize-")]


def test_nfc_never_crosses_a_boundary_before_a_character_below_u0300():
    """What _nfc_groups takes without checking (_NFC_BOUNDARY), of every code point of this
    Python's Unicode: a character below U+0300 has combining class 0, decomposes to a character
    below U+0300, and no canonical composition has a second character below U+0300. So no mark
    of what follows reorders before it, and nothing after it composes with what precedes it."""
    seconds = set()
    for code in range(0x110000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(int(parts[1], 16))
    assert min(seconds) >= ord(_NFC_BOUNDARY) == 0x300
    for code in range(ord(_NFC_BOUNDARY)):
        decomposed = unicodedata.normalize("NFD", chr(code))
        assert unicodedata.combining(chr(code)) == 0 and decomposed[0] < _NFC_BOUNDARY, hex(code)


# characters whose NFC depends on their neighbours: marks of several classes, Hangul jamo and
# syllables, two-part vowels (Tamil, Oriya, Bengali), Tibetan vowels that decompose to marks,
# composition exclusions, kana with voicing marks, letters with and without accents
_NFC_ALPHABET = st.sampled_from(
    "ae\u00e9\u00c5bc\u0300\u0301\u0308\u0316\u0327\u0345\u05b0\u0344\u0f71\u0f72\u0f73\u0f74\u0f75\u0f80\u0f81"
    "\u1100\u1112\u1161\u1175\u11a8\u11c2\uac00\uac01\u0bc6\u0bc7\u0bbe\u0bd7\u0b47\u0b3e\u0b56\u0b57\u09c7"
    "\u09be\u09d7\u0958\u212b\u304b\u3099\u309a\u0915\u093c\u0628\u0653\u0654")


def _nfc_groups_checked_everywhere(word: str) -> list[tuple[int, int, str]]:
    """_nfc_groups as it was before _NFC_BOUNDARY: every boundary checked, and the word whole."""
    starts = [i for i, ch in enumerate(word) if i == 0 or not unicodedata.combining(ch)]
    result: list[tuple[int, int, str]] = []
    for start, end in zip(starts, starts[1:] + [len(word)]):
        text = unicodedata.normalize("NFC", word[start:end])
        if result and (joined := unicodedata.normalize("NFC", word[result[-1][0]:end])) != result[-1][2] + text:
            result[-1] = (result[-1][0], end, joined)
            continue
        result.append((start, end, text))
    if "".join(t for _, _, t in result) != unicodedata.normalize("NFC", word):
        return [(0, len(word), unicodedata.normalize("NFC", word))]
    return result


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.text(_NFC_ALPHABET, max_size=24), st.text(max_size=24)))
def test_nfc_groups_are_the_nfc_of_the_word_and_the_groups_every_check_gives(word):
    """The groups cover the word, each is the NFC of its characters, and they concatenate to
    unicodedata's NFC of the word (what the offset map claims); and they are the groups that
    checking every boundary gave (the same map)."""
    groups = _nfc_groups(word)
    if word:
        assert [start for start, _, _ in groups] == [0] + [end for _, end, _ in groups[:-1]]
        assert groups[-1][1] == len(word)
        assert all(text == unicodedata.normalize("NFC", word[start:end]) for start, end, text in groups)
    assert "".join(text for _, _, text in groups) == unicodedata.normalize("NFC", word)
    assert groups == _nfc_groups_checked_everywhere(word)


def test_nfc_groups_still_checks_the_word_whole_where_marks_cross_two_boundaries():
    """A composition pairwise checks miss: the Tibetan vowels U+0F73 and U+0F75 decompose to
    marks, and U+05B0 (class 10) moves before the U+0F71 of the first group, two boundaries back."""
    word = "a\u0f71\u0f73\u0f75\u05b0"
    whole = unicodedata.normalize("NFC", word)
    assert whole == "a\u05b0\u0f71\u0f71\u0f71\u0f72\u0f74"
    assert _nfc_groups(word) == [(0, 5, whole)]


def test_a_run_of_marks_is_put_in_nfc_once(monkeypatch):
    """NFC, quadratic in a run of marks of mixed classes in Python, ran twice over the run of a
    word of one group (the group, then the whole word to check it) and four times in a word of
    several (with each neighbour too). Now once: the code points handed to NFC are the word's."""
    run = "\u0301\u0316\u0327\u05b0" * 250  # classes 230, 220, 202, 10: NFC sorts them
    handed: list[int] = []
    nfc = unicodedata.normalize

    def counted(form: str, text: str) -> str:
        if form == "NFC":
            handed.append(len(text))
        return nfc(form, text)

    monkeypatch.setattr(unicodedata, "normalize", counted)
    for word in ("e" + run, "ab" + run + "cd", "ab" + run + "cd" + run + "f"):
        handed.clear()
        groups = _nfc_groups(word)
        assert "".join(text for _, _, text in groups) == nfc("NFC", word)
        assert sum(handed) == len(word), word[:3]
    handed.clear()
    text = normalize("Title\n\nOne ab" + run + "cd two.").text
    assert text == "Title\n\nOne a" + nfc("NFC", "b" + run) + "cd two."
    assert sum(handed) == len("ab" + run + "cd")
