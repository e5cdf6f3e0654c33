"""Sentences and words of a normalized text, as the pre-annotator's rules see them.

A paragraph is a line. A sentence ends at ``.``, ``!`` or ``?`` (with any closing quotation
marks after it) followed by whitespace and then anything but a lowercase letter (an uppercase
letter, a digit, an opening quotation mark, an emoji; a symbol between two sentences belongs to
neither), unless the word ending there is a known abbreviation ("Mr.", "U.S.", "Gen.");
a sentence never crosses a line. A word's combining marks are part of it: a match of a name or
a month begins and ends where no letter, digit or combining mark is on the other side
(``word_boundaries``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Iterator

from corpus_tools.timex import MONTH_NAMES
from corpus_tools.unidata import mark_ranges

# abbreviated titles and ranks: a period after one ends no sentence, and it stands before a name
# as its title (``TITLE_WORDS``)
TITLE_ABBREVIATIONS = frozenset("Mr Mrs Ms Dr Gen Lt Col Maj Sgt Capt Cpl Pvt Spc Adm Cmdr Sen Rep".split())
ABBREVIATIONS = frozenset({*TITLE_ABBREVIATIONS, "St", "Gov", "Prof", "Jr", "Sr", "No", "U.S", "U.N", "U.K", "E.U",
                           "a.m", "p.m", "vs", "etc", *(name[:-1] for name in MONTH_NAMES if name.endswith("."))})
OPENING_QUOTES = "\"“‘'"


@functools.cache
def _combining_marks() -> str:
    """Every character of Unicode category M* (``unidata.mark_ranges``) as ranges of a regex class:
    NFC leaves a mark unattached where no precomposed letter exists ("q" + U+0331), and \\w does
    not match it. Built on first use: scanning every code point takes some 65 ms that importing the
    lint or the pre-annotator should not cost."""
    return "".join(f"\\U{first:08x}-\\U{last:08x}" for first, last in mark_ranges())


def word_boundaries() -> tuple[str, str]:
    """Lookarounds ``(start, end)`` that a whole word is put between (the gazetteer's names, and
    every word the lint looks for): no letter, digit or combining mark on the other side. Unlike
    \\b they also work for names beginning or ending in punctuation ("U.S."), where \\b would
    demand a word character beyond."""
    word = rf"[\w{_combining_marks()}]"
    return f"(?<!{word})", f"(?!{word})"


BULLETS = "•‣⁃·*"  # the punctuation marks lists use; symbols (■, ▶, emoji) are found by category


def decoration(char: str) -> bool:
    """A bullet or a symbol other than a currency sign ("$5 billion" is content): what opens a list
    item or a label ("• Joe Biden", "🔴 LIVE"), no part of a name or a quote."""
    return char in BULLETS or unicodedata.category(char) in ("So", "Sm", "Sk")


# titles and roles, which stand before a name but are no word of it ("Secretary Blinken")
TITLE_WORDS = frozenset("""
President Vice Secretary Minister Prime Foreign Defense Defence Deputy Ambassador Envoy Special Senator
Representative Congressman Congresswoman Governor Mayor King Queen Prince Crown Emir Sheikh Sultan
General Major Colonel Lieutenant Captain Sergeant Corporal Private Specialist
Airman Admiral Commander Petty Officer Chief
Spokesperson Spokesman Spokeswoman Director Chairman Chair Leader Speaker Officials Official State
Former
""".split()) | TITLE_ABBREVIATIONS


# ranks that are ordinary adjectives too, words of names after a place's ("Syria Private Equity",
# "a Specialist Hospital"): before a registered person's name only are they a title after a name
# (entities.py: "[Syrian] Private [Holloway]")
ADJECTIVE_RANKS = frozenset({"Private", "Specialist"})


# the heads of an institution's name: after a place's name and title words they end one name
# ("the [Syrian Foreign Ministry]", "the [US Defense Department]", "the [UN General Assembly]",
# guidelines rules 11 and 13), where a person's name would make them a title ("[Jordan] Foreign
# Minister [Ayman Safadi]", "[US] General Mark Milley")
INSTITUTION_HEADS = frozenset("""
Ministry Department Assembly Council Command Committee Commission Agency Office Court Secretariat
""".split())


def title_word(word: str) -> bool:
    """Whether a capitalized word is a title or role (``TITLE_WORDS``), its abbreviation's period
    or a prefix before a hyphen included ("Gen.", "Then-Secretary", "Ex-President", "Vice-President")."""
    return word.rstrip(".").rsplit("-", 1)[-1] in TITLE_WORDS


# a capitalized word, with its apostrophes and hyphens ("O’Brien", "Then-Secretary")
CAPITALIZED_WORD = r"[A-Z][\w’'-]*"
# where a word starts: not inside one, nor after its apostrophe or hyphen ("pro-", "O’")
WORD_START = r"(?<![\w’'-])"
_HEADS = "|".join(sorted(INSTITUTION_HEADS))
# an institution's head and "of" before capitalized words: "Ministry of Foreign Affairs "
_HEAD_OF = re.compile(rf"\b(?:{_HEADS}) of (?:the )?(?:{CAPITALIZED_WORD} )+$")
# capitalized words ending in an institution's head: " Expatriates Ministry"
_UP_TO_HEAD = re.compile(rf" (?:{CAPITALIZED_WORD} )*?(?:{_HEADS})\b")


def and_in_institution_name(before: str, after: str) -> bool:
    """Whether an "and", ``before`` and ``after`` it the text on either side, is a word of an
    institution's name rather than a conjunction of two speakers: after "of" in a name whose head
    precedes it ("Ministry of Foreign Affairs and Expatriates", as Syria's and Jordan's foreign
    ministries are named; "Department of Health and Human Services"), or after a title word before
    capitalized words ending in a head ("Foreign and Expatriates Ministry", "Foreign and
    Commonwealth Office"); but "the Pentagon and State Department" joins two."""
    if _HEAD_OF.search(before[-80:]):
        return True
    last = re.search(rf"({CAPITALIZED_WORD}) $", before[-40:])
    return last is not None and title_word(last[1]) and _UP_TO_HEAD.match(after[:80]) is not None


_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“”‘’(\n]\s*|\s[–—-]\s)$")


def starts_sentence(text: str, at: int) -> bool:
    """Whether a sentence, or a list item or label after a bullet or symbol ("• In Damascus", "🔴
    The Pentagon said"), starts at ``at``."""
    before = text[max(0, at - 4):at]
    mark = before.rstrip()
    return _SENTENCE_START.search(before) is not None or (mark != "" and decoration(mark[-1]))


# Reporting verbs (the quotes' cues); those of quotes.py's CONTENT_NEEDS_MARKER need "that" or a colon
# before a content, the others none.
CUES = ("quoted as having said", "quoted as saying", "said", "says", "say", "told", "tells", "announced",
        "announces", "stated", "reiterated", "insisted", "argued", "argue", "argues", "warned", "warns", "noted",
        "explained", "claimed", "wrote", "reported", "confirmed", "acknowledged", "declared", "stressed", "emphasised", "emphasized",
        "replied", "responded", "asserted", "maintained", "added", "continued", "denied", "accused", "urged",
        "made clear", "ruled out", "called on", "calls", "called")

# English words that open a sentence before a name but are no given name: function words ("When
# Blinken", "After Assad"), and adjectives of rank or closeness before a name used as a modifier
# ("Top Assad aides", "Senior Biden officials", ``RANK_WORDS``)
FUNCTION_WORDS = frozenset("""
About Across After Against Along Alongside Amid Amidst Among Around As At Before Behind Beside Besides Between
Beyond By Despite During Except Following For From In Including Inside Into Like Near Of On Outside Over Past
Regarding Since Through Throughout Till To Toward Towards Under Unlike Until Upon Via With Within Without
And But Or Nor So Yet Although Though Because If Unless When Whenever Where While Whether Once Then
Now Meanwhile Still Also Even Only Later Earlier Today Yesterday Here There Instead However Moreover Thus
Indeed Perhaps Already Again Soon The A An This That These Those Both Either Neither Each Every All Some
Many Most Several Few Other Another Such Two Three Four Five Six Seven Eight Nine Ten No Not What Which Who Whom Whose Why How Did Does Do Has Have Had Is Was Were Are Can Could
Should Would Must
""".split())
RANK_WORDS = frozenset("Top Senior Leading Key Close Longtime Veteran Fellow Loyal Rival Prominent Powerful".split())
SENTENCE_OPENERS = FUNCTION_WORDS | RANK_WORDS


def inverted_cue(word: str) -> bool:
    """Whether a capitalized word opening a sentence is the reporting verb of an inverted
    attribution, its SOURCE after it ("Said Blinken: “…”", "Added the minister", ``CUES``)."""
    return word[:1].isupper() and word.lower() in CUES


# prepositions that open a phrase of the reporting verb after the speaker's name, no part of it
# ("said Assad to Blinken", "in a statement", "on Tuesday", "at a news conference"); "of" and
# "for" are words of titles ("Special Envoy for Syria")
VERB_PREPOSITIONS = ("to", "in", "on", "at", "during", "after", "before", "from", "via", "with", "by", "while", "when",
                     "as")
# one of them after a name, the phrase it opens the verb's, not the name's ("said Assad to Blinken")
VERB_PREPOSITION = rf" (?:{'|'.join(VERB_PREPOSITIONS)}) "

# a character of a SOURCE's name in a pattern: no clause's punctuation nor a quotation mark, but a
# period within a word ("the U.S. envoy") or after an abbreviation ("Gen. Tom Ruiz said"), where
# ``sentences`` ends no sentence either
NAME_CHARACTER = r"(?:[^,.;:“”\"‘]|\.(?=\w)|{})".format(
    "|".join(rf"(?<=\b{re.escape(word)})\." for word in sorted(ABBREVIATIONS)))

# a relative clause or an appositive set off by commas after the name of an inverted attribution,
# before its colon or its comma and quotation: no part of the SOURCE, as the guidelines leave it out
# after a name before the cue ("Said Blinken, who met Safadi in Amman: “…”")
INVERTED_ASIDE = r"(?:,\s*[^,.;:“”\"‘]{1,80}?)?"

# what follows the name of an inverted attribution, after the noun a possessive name may own, a
# phrase of the verb or an aside: a colon, or a comma and a quotation ("Said Blinken: …", "Added
# Assad, “…”", "Said Blinken’s spokesman: …", "Said Assad to Blinken: …", "Said Blinken, who met
# Safadi: …"); "Said Karim, a Syrian activist, fled" is a name, "Said" given
_INVERTED_NAME_END = re.compile(rf"(?:[’']s(?: [a-z]+){{1,3}})?(?:{VERB_PREPOSITION}[^,.;:“”\"]{{1,60}}?)?"
                                rf"{INVERTED_ASIDE}\s*(?::|,\s*[{OPENING_QUOTES}])")


def given_name(word: str, after: str) -> bool:
    """Whether a capitalized word opening a sentence before a name may be a given name (``after``:
    the text after the name): not when it is one of ``SENTENCE_OPENERS``, nor a reporting verb of
    an inverted attribution (``inverted_cue``) with the attribution's colon, or comma and quotation,
    after the name ("Said Blinken: “…”", "Added Assad, “…”"); a reporting verb may be a given name
    too, "Said" an Arabic one ("Said Karim, a Syrian activist, fled")."""
    return word not in SENTENCE_OPENERS and not (inverted_cue(word) and _INVERTED_NAME_END.match(after))


# the words that make a weekday after them a holiday's or an event's name ("the Good Friday
# Agreement", "the Bloody Sunday inquiry"); after another word, a name of its own, the weekday is a
# date: "told the Senate Tuesday Congress must act", "told the AP Monday Iranian drones were used"
_WEEKDAY_NAME_WORDS = "Good|Black|Bloody|Holy|Palm|Easter|Ash|Maundy|Super|Cyber"


def weekday_in_name(text: str, start: int, end: int, registered_name_after: bool = False) -> bool:
    """Whether the weekday at [start, end) is a word of a name, not a date: directly before another
    capitalized word, after "the" (and a holiday's word, ``_WEEKDAY_NAME_WORDS``: "the Good Friday
    Agreement", but "told the Senate Tuesday Congress must act" holds a date) or opening
    a sentence ("the Sunday Telegraph", "Sunday Times reporters said"); "On Sunday Telegraph
    reporters said", "in Syria Monday" and "told CNN Sunday Hezbollah would" hold dates, and so
    does one before a title that opens a person's name, with a name or "of" after it ("Tuesday
    President Biden said", "Friday Secretary of State Blinken said", ``TITLE_WORDS``; but "The
    Sunday Leader reported" is a paper's), or before a registered name of its own
    (``registered_name_after``: entities.py's ``name_of_its_own``, every registered name but the
    last words of a longer organization's name opening with "The", which a paper's edition may be
    named with: "Friday Blinken said", "Monday Syria said", "Monday Hezbollah said", "Monday
    Congress voted" with "United States Congress" registered, but "Sunday Telegraph reporters
    said" with "Telegraph" of "The Daily Telegraph" registered). The one rule for both layers: an
    entity after such a weekday is part of a longer name, and the weekday is no time expression."""
    after = re.match(rf" ({CAPITALIZED_WORD}\.?)( [A-Z]| of )?", text[end:end + 40])  # "Friday Gen. Tom Ruiz"
    if after is None or registered_name_after or (title_word(after[1]) and after[2]):
        return False
    after_the = re.search(rf"{WORD_START}[Tt]he (?:(?:{_WEEKDAY_NAME_WORDS}) )?$", text[max(0, start - 14):start])
    return after_the is not None or starts_sentence(text, start)


_INITIALISM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")


def abbreviation_ends(text: str, start: int, end: int) -> bool:
    """Whether [start, end) ends with the period of an abbreviation, which is part of the word
    ("The U.S.", "Washington, D.C."): a known one (``ABBREVIATIONS``) or an initialism, letters
    each followed by a period."""
    word = re.search(r"(\S+)\.$", text[start:end])
    return word is not None and (word[1] in ABBREVIATIONS or _INITIALISM.fullmatch(word[1]) is not None)


_END = re.compile(r"[.!?][\"”’']*(?=\s+[^\sa-z])")


def paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """Non-blank lines, trimmed, as [start, end)."""
    offset = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = offset + line.index(stripped[0])
            yield start, start + len(stripped)
        offset += len(line) + 1


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """Sentences by the module's rule, trimmed, as [start, end)."""
    for start, end in paragraphs(text):
        begin = start
        for match in _END.finditer(text, start, end):
            # the word the period ends, read back from it (a search of the sentence so far for it
            # was quadratic in a line of many abbreviations: "Mr." 8,000 times, 10 s)
            first = match.start()
            while first > begin and not text[first - 1].isspace():
                first -= 1
            if first < match.start() and text[first:match.start()].lstrip(OPENING_QUOTES + "(") in ABBREVIATIONS:
                continue
            yield begin, match.end()
            begin = match.end()
            # a symbol between two sentences (an emoji) belongs to neither
            while begin < end and (text[begin].isspace() or unicodedata.category(text[begin]).startswith("S")):
                begin += 1
        if begin < end:
            yield begin, end
