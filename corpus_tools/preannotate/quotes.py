"""Quote pre-annotation: written patterns for QUOTE, SOURCE and CUE (PARC 3.0 as
docs/annotation-guidelines.md, Attribution, applies it), linked by ``said_by`` and ``cue``. What
each pattern finds and leaves out, with its examples, is docs/preannotation.md (quotes); each rule
is written once, beside its pattern, and tests/test_preannotate.py has an example of each.

Patterns, tried per sentence: 1. a direct quotation with its attribution after it (``“…,” SOURCE
CUE``, ``“…,” CUE SOURCE``; one it interrupts is two QUOTEs of the one SOURCE and CUE,
``_second_part``); 2. with its attribution before it (``SOURCE CUE: “…”``, inverted ``CUE SOURCE:
“…”``, ``_inverted_before``); 3. continued, a quotation that fills its sentence (``_continued``);
4. interrupted, ``HEAD, SOURCE CUE, REST.`` without quotation marks, one QUOTE over the whole
reported clause (``_interrupted``), and content first, ``CONTENT, SOURCE CUE.`` (``_content_first``,
``_according``); 5. attribution first, ``SOURCE CUE (that) CONTENT.`` (``_attribution_first``).
Without syntax, a noun phrase, a clause and an aside are told apart by closed word lists and the
signs ``_clause`` reads.

``quote_type``: ``direct`` when the QUOTE is exactly one quotation (``_PAIRS``: which marks pair,
and which are apostrophes), ``mixed`` when it holds quotation marks and more, ``indirect``
otherwise. QUOTEs nest, never cross. ``speaker_id``: entities.py's ``speaker_of``, else the
previous quote's speaker for a pronoun or a description that can stand for it
(``_earlier_speaker``). Scores: 0.8 patterns 1 and 2, 0.6 content or attribution first, 0.5
interrupted or continued; a SOURCE or CUE region several quotes share has the score of the first,
which found it (a continued quote only reuses it).
"""

from __future__ import annotations

import bisect
import collections
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Mapping

from corpus_tools.preannotate.entities import speaker_of, states_of
from corpus_tools.preannotate.text import (CAPITALIZED_WORD, CUES, FUNCTION_WORDS, INVERTED_ASIDE, NAME_CHARACTER,
                                          VERB_PREPOSITION, VERB_PREPOSITIONS, abbreviation_ends,
                                          and_in_institution_name, decoration, inverted_cue, sentences)
from corpus_tools.records import Cue, EntityMention, Quote, RegistryEntity, Source, Span
from corpus_tools.timex import MONTH_NAMES, WEEKDAYS

# reporting verbs that take an object as often as a content ("added a condition", "called the
# strikes illegal"): their content follows "that" or a colon (``_attribution_first``)
CONTENT_NEEDS_MARKER = frozenset({"maintained", "added", "continued", "called", "calls", "noted", "explained",
                                  "claimed"})
# reporting verbs whose content may be a noun phrase of a word or two ("urged restraint", "denied the
# charge"), where any other verb's has three words at least (``_attribution_first``)
NOUN_CONTENT = frozenset({"denied", "accused", "urged", "called on", "ruled out", "reiterated"})
# a pronoun SOURCE's speaker is whom it refers to (guidelines), which the previous quote's speaker is
# only when the pronoun can stand for it: "he", "she", "I" for a registered person, "it" for an
# institution or a state; "we" and "they" speak for a body the text, not the previous speaker,
# names ("we" in an official's words is the government), so they get none
PRONOUNS = {"he": "PERSON", "she": "PERSON", "I": "PERSON", "it": "body", "they": None, "we": None}
# the head nouns of a description ("the ministry") that only an institution or a state's government
# is, never a person, so it cannot refer to a person's quote before it (a person's "administration"
# or "regime" is their entourage, null by the guidelines whatever came before, so those are left out);
# "the statement" is its author's, a person's or an institution's (guidelines), and is not one
INSTITUTION_NOUNS = frozenset({"ministry", "department", "government", "embassy", "agency", "office", "council",
                               "committee", "army", "military"})
# the words that open a noun phrase before its noun
_DETERMINERS = ("the", "a", "an", "one", "another", "his", "her", "its", "their")
# the determiners never a pronoun ("One said", "Another said" report, "her" may be an object; "the
# accused said" does not)
_AFTER_ARTICLE = re.compile(r"\b(?:%s)\s+$" % "|".join(
    f"{word}|{word.capitalize()}" for word in _DETERMINERS if word not in ("one", "another", "her")))
# the auxiliary verbs and modals, which only a clause holds, not a noun phrase
AUXILIARY_VERBS = frozenset("has have had was were is are will would".split())
MODALS = frozenset("could should might may must can".split())
# what may stand before a cue and is no part of its SOURCE: auxiliary verbs and adverbs
AUXILIARIES = AUXILIARY_VERBS | frozenset("also previously repeatedly again later then already publicly privately "
                                          "once recently further earlier first last never not neither nor".split())
NOT_CONTENT = re.compile(r"(?:whether|if|as|while|despite|amid|after|before|although|though|because|nor|or)\b|[^\w“\"‘]")
FRAMING = re.compile(r"(?:While|Although|Though|As|Because|If|When|After|Before|Since|Even as)\s+$")
# a relative clause set off by a comma, which another comma ends ("The war, which the UN says
# killed 350,000 people, is not over"): the attribution in it reports no more than the clause
_AFTER_RELATIVE = re.compile(r",\s*(?:which|who|whom)\s+$")
# the comma that ends such a clause, not the thousands separator of "350,000"
_CLAUSE_COMMA = re.compile(r",(?!\d)")
# a dateline opening the sentence: a place, its region, the agency's credit in parentheses, a dash
# between spaces, an en or em dash or a hyphen ("WASHINGTON –", "Washington, DC –", "DAMASCUS, Syria
# (AP) —", "BEIRUT (Reuters) -"): no part of a SOURCE or a content-first QUOTE. The place is a name,
# capitalized words the first of which is no function word ("In Damascus — the talks …" and "The
# Pentagon — …" open none), and before a credit it is in capitals, as datelines write it: a name
# with its acronym before a dash opens a sentence as often ("Syrian Democratic Forces (SDF) — the
# US-backed militia — would …"); and the sentence after it opens with a capital or a digit, as
# every sentence does: "Assad — long shunned — is back" is a name and an aside
_DATELINE_REGION = r"(?:,\s[\w .]{1,30}?)?"
DATELINE = re.compile(rf"(?:(?!(?:{'|'.join(sorted(FUNCTION_WORDS))})\b)[A-Z][\w.'-]*(?:\s[A-Z][\w.'-]*)*"
                      rf"{_DATELINE_REGION}|[A-Z][A-Z.'-]+(?:\s[A-Z][A-Z.'-]+)*{_DATELINE_REGION}"
                      rf"\s\([A-Z][\w .-]{{0,29}}\))\s[–—-]\s(?=[^\s\w]*[A-Z0-9])")


def _after_dateline(text: str, start: int, end: int) -> int:
    """Where the sentence at ``start`` begins after its dateline (``DATELINE``), if one opens it."""
    dateline = DATELINE.match(text, start, end)
    return dateline.end() if dateline else start


def _without_final(text: str, end: int, marks: str = ".!?") -> int:
    """``end`` before the sentence's final mark, one of ``marks``: an indirect QUOTE leaves it out
    (guidelines)."""
    return end - 1 if text[end - 1] in marks else end


def _before_spaces(text: str, start: int, end: int) -> int:
    """``end`` before the spaces that end text[start:end]."""
    while end > start and text[end - 1].isspace():
        end -= 1
    return end
# Reporter's additions after the content (guidelines: "Leave out the reporter's additions at the edges").
ADDITION = re.compile(r",\s+(?:as|while|despite|amid|even as|although|though|more than|less than|an?|after|before)\s"
                      rf"|\s+(?:on|late on|early on|last|earlier this)\s+(?:{'|'.join(WEEKDAYS)}|week|month|year)\s*$")
SUBORDINATORS = frozenset("that after when as while but and because which what where although though if since "
                          "whom who before until so than".split())
# a reporting verb before "to be" or "to have" is a passive of hearsay, no cue ("Assad is said to
# have met US officials", "“It was his last,” said to be his last words, …": no SOURCE after it)
_CUE = r"(?P<cue>" + "|".join(sorted((re.escape(c) for c in CUES), key=len, reverse=True)) + r")(?!\s+to\s+(?:be|have)\b)"
# a cue is a word of its own: not the end of "recalled", "unsaid" or "so-called"
_CUE_WORD = r"(?<![\w-])" + _CUE + r"(?!\w)"
# a cue right before a quotation ("Blinken said: “…”"), searched for where it must end (``_cue_before``)
_CUE_ENDING = re.compile(_CUE_WORD + "$")
_LONGEST_CUE = max(map(len, CUES))
# a ’ followed by a letter or digit is an apostrophe inside the quotation ("‘We don’t know,’"), not its
# close; a ‘ before an elided year or decade ("the ‘90s", "the class of ‘98") or before a word whose
# first letters are elided ("‘til dawn", "beat ‘em", "rock ‘n’ roll") is an apostrophe turned the
# wrong way, no opening mark: read as one, with the apostrophes after it it made a quotation up to
# the next plural possessive, across sentences ("Since the ‘80s the army’s role grew. Officials said
# the Assads’ rule was over."); unless it is closed by a ’ after a sentence's punctuation, which no
# possessive is: "‘Til now we waited,’ Blinken said." is a quotation that opens with the elided word
_ELIDED = r"\d\d(?!\d)|(?i:em|til|tis|twas|cause|bout)\b|n’"
_APOSTROPHE = r"’(?=\w)"
_IN_SINGLE_MARKS = rf"(?:[^‘’\n]|{_APOSTROPHE})*"
_PAIRS = re.compile(rf"“[^“”\n]*”|\"[^\"\n]*\"|(?<![\w’'])‘(?:(?!{_ELIDED}){_IN_SINGLE_MARKS}’"
                    rf"|{_IN_SINGLE_MARKS}[,.!?…]’)(?!\w)")
_DEFINITE = re.compile(r"(?:[Tt]he|[Tt]his|[Tt]hat) [a-z]+")
_ACCORDING = re.compile(r"(?<!\w)(?P<cue>[Aa]ccording to) ")


@dataclass
class _Found:
    quote: Span
    source: Span
    cue: Span
    score: float


def _cue_span(match: re.Match, offset: int) -> tuple[int, int]:
    """The span of a match's ``cue`` group in the text, the match made ``offset`` characters into it."""
    start, end = match.span("cue")
    return start + offset, end + offset


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """A SOURCE is its noun phrase and an indirect QUOTE its clause without the final period
    (guidelines): neither keeps punctuation, bullets or symbols (emoji) at its edges ("• Joe
    Biden", "🔴 LIVE"), nor a bracket or quotation mark whose partner lies outside it ("(Antony
    Blinken said that [the envoy would return soon].)")."""
    while start < end and (text[start] in " ,;:—–-" or decoration(text[start])
                           or _unpaired(text, start, end, start)):
        start += 1
    while end > start and (text[end - 1] in " ,;:.—–-" or decoration(text[end - 1])
                           or _unpaired(text, start, end, end - 1)):
        if text[end - 1] == "." and abbreviation_ends(text, start, end):
            break  # "The U.S." as written
        end -= 1
    return start, end


# a curly quotation mark's partner is its own kind: “ closes with ”, not with the ’ of "don’t"
_MARK_PARTNERS = {"“": "”", "‘": "’", "«": "»", "‹": "›"}
_MARK_PARTNERS.update({close: opening for opening, close in _MARK_PARTNERS.items()})
# any other bracket's or quotation mark's partner is of the closing category of its opening one's
_CATEGORY_PARTNERS = {"Ps": "Pe", "Pi": "Pf"}
_CATEGORY_PARTNERS.update({close: opening for opening, close in _CATEGORY_PARTNERS.items()})


def _unpaired(text: str, start: int, end: int, at: int) -> bool:
    """Whether the bracket or quotation mark at ``at`` has no partner in [start, end): an opening
    one (``(``, ``“``, ``‘``) no closing one after it, a closing one no opening one before it, a
    straight ``"`` no other ``"`` ("We don’t know,’ Blinken said": the SOURCE is "Blinken", not
    "’ Blinken"). A curly mark's partner is its own kind, and a ’ before a letter is an apostrophe
    (``_APOSTROPHE``, as ``_PAIRS`` reads it): the ’ of "Rourke’s" is no partner of a “. A straight
    ``'`` is left alone: it is as often an apostrophe ("the Assads'")."""
    kind = unicodedata.category(text[at])
    within = range(at + 1, end) if kind in ("Ps", "Pi") else range(start, at)
    partner = _MARK_PARTNERS.get(text[at])
    if partner is not None:
        return not any(text[i] == partner and not re.match(_APOSTROPHE, text[i:i + 2]) for i in within)
    if kind in _CATEGORY_PARTNERS:
        return not any(unicodedata.category(text[i]) == _CATEGORY_PARTNERS[kind] for i in within)
    if text[at] == '"':
        return text.count('"', start, end) == 1
    return False


def _relative(part: str) -> bool:
    """Whether a comma-separated part is a relative clause ("who spoke on condition of anonymity"),
    which the guidelines leave out of the SOURCE before it."""
    return part.strip().split(" ")[0] in ("who", "which", "whose")


def _named(part: str) -> bool:
    """Whether a comma-separated part is a name: two to four words, each capitalized."""
    words = part.split()
    return 2 <= len(words) <= 4 and all(word[0].isupper() for word in words)


def _adverbial(part: str) -> bool:
    """Whether a comma-separated part is an aside of the verb, not a noun phrase or a clause: a
    phrase opening with a preposition or a sentence adverb (``_OPENING_WORDS``: "in a statement",
    "however", "for its part") or a participle ("speaking on condition of anonymity"). Between a
    noun phrase and its cue it leaves the noun phrase the SOURCE ("The ministry, in a statement,
    said …"); between a cue and its content it is no part of the content ("said, however, …")."""
    first = part.split(None, 1)[0] if part.strip() else ""
    return first.capitalize() in _OPENING_WORDS or first.islower() and first.endswith("ing")


def _clause(part: str) -> bool:
    """Whether a comma-separated part ends in a clause, not a noun phrase: after its last
    subordinator an auxiliary verb or a modal stands before a word that is none ("The embassy will
    stay closed", "The talks failed and the embassy will stay closed"), or a determiner after a word
    that is no function word opens a second noun phrase, a verb's object or a subject after an
    opening phrase ("Damascus rejected the offer", "Under Assad the country collapsed"; a noun
    phrase's post-modifier opens with a preposition: "a spokesperson for the ministry"), or a past
    form in -ed ends it ("The talks failed"; a participle modifying a noun stands before it, "an
    unnamed official", or before its own phrase, "a statement carried by the state news agency";
    a noun in -ed is none, ``_past_form``: "Despite the need", "The families of the detained");
    not one in a relative clause of a noun phrase ("Officials who have seen the report", "The
    report that was leaked": before an aside and a cue "that" is no complementizer), nor one before
    a conjunction ("Assad has stayed in power and Washington"), nor one at the part's end, the cue's
    ("The ministry has, however, said"). Without syntax a clause of a verb in the present and no
    object ("Syria wants talks") is read as none."""
    words = part.split()
    while words and words[-1] in AUXILIARIES:
        words.pop()
    last = max((i for i, word in enumerate(words) if word.lower() in SUBORDINATORS), default=-1)
    if last >= 0 and (_relative(words[last]) or words[last].lower() == "that"):
        return False
    words = words[last + 1:]
    return any(word in AUXILIARY_VERBS or word in MODALS for word in words) \
        or any(word.lower() in _DETERMINERS and before.capitalize() not in FUNCTION_WORDS
               for before, word in zip(words, words[1:])) \
        or len(words) >= 2 and _past_form(words[-2], words[-1])


# the past forms in -eed, of verbs in -ee: any other word in -eed is a noun or a present form ("need",
# "greed", "speed", "proceed")
_PAST_IN_EED = frozenset("agreed disagreed freed decreed guaranteed refereed".split())


def _past_form(before: str, word: str) -> bool:
    """Whether ``word`` after ``before`` is a verb's past form in -ed ("The talks failed"): not a noun
    in -eed ("Despite the need", ``_PAST_IN_EED``), nor a word right after a determiner, a noun or an
    adjective used as one ("The families of the detained", "the accused")."""
    return re.fullmatch(r"[a-z]+ed", word) is not None and (not word.endswith("eed") or word in _PAST_IN_EED) \
        and before.lower() not in _DETERMINERS


# the nouns that head a speaker's noun phrase, who or what the guidelines' SOURCEs are ("a spokesperson for
# the ministry", "two officials familiar with the talks", "the statement"): a closed list, as without
# syntax a noun phrase and a clause in the present ("the sanctions stay") look alike
_SPEAKER_HEADS = frozenset("""
spokesman spokesmen spokeswoman spokeswomen spokesperson spokespeople official officials minister ministers ministry
diplomat diplomats envoy envoys ambassador statement source sources aide aides adviser advisers advisor advisors
commander commanders president secretary government department agency embassy analyst analysts expert experts
activist activists resident residents witness witnesses lawmaker lawmakers leader leaders negotiator negotiators
mediator mediators representative representatives authorities
""".split())


def _speaker_phrase(phrase: str) -> bool:
    """Whether a phrase is a noun phrase naming a speaker: a name (one to four capitalized words,
    "Blinken") or words ending in a speaker's noun (``_SPEAKER_HEADS``: "a State Department
    spokesman") with no past form before it, a clause's verb ("the strikes killed officials")."""
    words = phrase.split()
    return bool(words) and (_NAME_BEFORE_ASIDE.fullmatch(phrase) is not None or words[-1].lower() in _SPEAKER_HEADS
                            and not any(_past_form(before, word) for before, word in zip(words, words[1:-1])))


def _source_before(text: str, clause_start: int, cue_start: int) -> tuple[int, int] | None:
    """The subject noun phrase before a cue (docs/preannotation.md, quotes), after any dateline
    ("WASHINGTON – US Defense Secretary Lloyd Austin said": the source is the Secretary)."""
    # an aside first: its opening dash is no dateline's ("Blinken – who met Safadi – said")
    cue_start = _before_dashed_aside(text, clause_start, cue_start)
    clause_start = _after_dateline(text, clause_start, cue_start)
    # a colon or semicolon ends a clause: "LIVE: Joe Biden said" (a label), "…; the envoy said"
    clause_start = max(clause_start, text.rfind(":", clause_start, cue_start) + 1,
                       text.rfind(";", clause_start, cue_start) + 1)
    # the last five parts are all that is read: a list's three after an aside's two
    parts = text[clause_start:cue_start].rsplit(",", 5)
    # an aside right before the cue, but for the cue's auxiliaries and adverbs ("Assad, who is
    # sanctioned by Washington, has said", "Washington, however, has previously said"), stays out
    if len(parts) >= 3 and all(word in AUXILIARIES for word in parts[-1].split()):
        if _relative(parts[-2]):
            parts = parts[:-2]  # "Assad, who is sanctioned by Washington, said"
        elif _named(parts[-2]):
            parts = parts[:-1]  # "A ministry spokesperson, Ana Ruiz, said": the name (the guidelines)
        elif _named(parts[-3]) or _NAME_BEFORE_ASIDE.fullmatch(parts[-3]) or _adverbial(parts[-2]):
            # "Ayman Safadi, Jordan's foreign minister, said", "Blinken, speaking in Amman, said": the
            # name, as _content_first reads it (else neither made a quote of the content after the cue);
            # "The ministry, in a statement, said", "Washington, however, has said": the noun phrase
            parts = parts[:-2]
    # after the aside, as a list's last item ends in "and X", never in an aside's comma
    while len(parts) >= 2 and _LIST_ITEM.fullmatch(parts[-2]) and _LIST_END.search(parts[-1]):
        parts = [*parts[:-2], parts[-2] + "," + parts[-1]]  # "Syria, Iraq and Jordan said": one phrase
    last, offset = parts[-1], clause_start + sum(len(part) + 1 for part in parts[:-1])
    # the source is at most _SOURCE_WORDS words after the last subordinator: the last 40 words
    # decide, unless auxiliaries fill them (reading every word of a long clause for each cue was quadratic)
    window = last.rsplit(None, _SOURCE_WINDOW)
    skip = len(window[0]) if len(window) > _SOURCE_WINDOW else 0
    words, bounded = _subject(_words(last, skip, offset))
    if skip and not bounded and len(words) <= _SOURCE_WORDS:
        words, _ = _subject(_words(last, 0, offset))
    if words and words[0][2].lower() == "what":
        words = words[1:]
    if not words or len(words) > _SOURCE_WORDS or any(mark in word for _, _, word in words for mark in "“”\""):
        return None
    start, end = _trim(text, words[0][0], words[-1][1])
    return (start, end) if start < end else None


# a word that opens a clause of its own after a quotation and a dash: its reporting verb reports
# something else ('He said “no”—then Blinken said “yes.”', 'Assad’s “victory”—and the US said it
# was hollow—', '“reforms”—which Blinken said were cosmetic—')
_CLAUSE_OPENER = re.compile(r"(?:which|who|whom|whose|that|and|but|then|while|whereas|when|where|because|although"
                            r"|though|yet|or|nor)\s")


# the dashes that set off an aside or an attribution, and whether one stands only between spaces:
# an em dash may stand without them, "--" and an en dash may not (an unspaced en dash is a range:
# "2019–2020")
_DASHES = (("—", False), ("--", True), ("–", True))
_DASH = re.compile("|".join(rf"\s+{re.escape(dash)}\s+" if spaced else rf"\s*{re.escape(dash)}\s*"
                            for dash, spaced in _DASHES))


def _before_dashed_aside(text: str, clause_start: int, cue_start: int) -> int:
    """Where an aside set off by dashes starts when one ends right before the cue, else
    ``cue_start``: dashes set off a relative clause or an appositive as commas do, and the
    guidelines leave it out of the SOURCE ("Blinken -- who met Safadi -- said", "Blinken—who met
    Safadi—said": the source is "Blinken"), which dashes may stand between spaces (``_DASHES``)."""
    close = _before_spaces(text, clause_start, cue_start)
    for dash, spaced in _DASHES:
        if not text.endswith(dash, clause_start, close) or (spaced and not text[close - len(dash) - 1:close - len(dash)].isspace()):
            continue
        opening = text.rfind(f" {dash} " if spaced else dash, clause_start, close - len(dash))
        if opening > clause_start:
            return opening
    return cue_start


_SOURCE_WINDOW = 40
# the longest noun phrase read as a SOURCE, before its cue or after an inverted one: the guidelines'
# post-modified noun phrases run long ("a statement carried by the state news agency on Friday": 9)
_SOURCE_WORDS = 12
_WORD = re.compile(r"\S+")


def _words(part: str, skip: int, offset: int) -> list[tuple[int, int, str]]:
    """The words of ``part`` from ``skip`` on, as (start, end, word) with ``offset`` added."""
    return [(m.start() + offset, m.end() + offset, m[0]) for m in _WORD.finditer(part, skip)]


def _subject(words: list[tuple[int, int, str]]) -> tuple[list[tuple[int, int, str]], bool]:
    """The words after the last subordinator (whether there is one), without auxiliaries at the end;
    a relative clause that "who" opens after a noun, without commas, is the noun phrase's, no
    subordinator's (``_restrictive_who``)."""
    end = len(words)
    while end and words[end - 1][2] in AUXILIARIES:
        end -= 1
    for index in range(end - 1, -1, -1):
        if words[index][2] == "and" and _conjunct(words, index) or _restrictive_who(words, index, end):
            continue
        if words[index][2].lower() in SUBORDINATORS:
            return words[index + 1:end], True
    return words[:end], False


def _restrictive_who(words: list[tuple[int, int, str]], index: int, end: int) -> bool:
    """Whether the word at ``index`` is a "who" that opens a relative clause of the noun before it,
    not set off by commas, and so a post-modifier the guidelines keep in the SOURCE ("[Officials who
    have seen the report] said", as "[two officials familiar with the talks]"): a word before it, and
    a lowercase word after it that opens no noun phrase (its verb: "who have", "who fled"); or a "who"
    or "whom" before a clause of its own, its subject and its verb (``_clause``: "[The man who the
    police arrested] said"); but before a noun phrase alone the cue is the relative clause's verb and
    the noun phrase its subject: "a commander who [the ministry] said led the attack"."""
    if words[index][2] not in ("who", "whom") or index == 0 or index + 1 >= end:
        return False
    following = words[index + 1][2]
    return words[index][2] == "who" and following[:1].islower() and following not in _DETERMINERS \
        or _clause(" ".join(word for _, _, word in words[index + 1:end]))


# the prepositions that open a phrase of the verb at a sentence's start ("After the talks,", "Despite the
# pressure,"): the verb's (VERB_PREPOSITIONS) and a few more
_PREPOSITIONS = frozenset({*VERB_PREPOSITIONS, "under", "across", "of", "for", "over", "among", "amid", "despite",
                           "without", "within", "through", "following", "according"})
# the words that open a clause or a phrase of their own, never a name: the prepositions, subordinators
# and auxiliaries capitalized, sentence adverbs, weekdays and months
_OPENING_WORDS = ({word.capitalize() for word in (*_PREPOSITIONS, *SUBORDINATORS, *AUXILIARIES)} | set("""
Meanwhile However Separately Still Instead Yesterday Today Now Moreover Furthermore Nevertheless Nonetheless Finally
Thus Similarly Likewise Elsewhere Overall Indeed Regardless Here There So Yet Initially Originally Afterwards Afterward
Subsequently Eventually Ultimately Together Jointly Additionally Besides Notably Importantly Crucially Specifically
Accordingly Consequently Otherwise Next Currently""".split()) | set(WEEKDAYS) | set(MONTH_NAMES))
_NOT_A_NAME = r"(?!(?:{})\b)".format("|".join(map(re.escape, sorted(_OPENING_WORDS))))
# a capitalized word of a name, an initialism's or an abbreviation's periods in it ("U.S.", "Gen.")
_NAME_WORD = r"[A-Z][\w’'.-]*"


def _name_words(most: int) -> str:
    return rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,{most - 1}}}"


# an item of a list of names before a cue ("Syria, Iraq and Jordan said", "the US, Britain, and
# France said"): one to three capitalized words, "the" before them, none a word that opens a clause
# or a phrase of its own ("In Damascus, Syria and Jordan said", "Meanwhile, Syria and Jordan said":
# the SOURCE is "Syria and Jordan"); the list ends in "and" before its last item
_LIST_ITEM = re.compile(rf"\s*(?:[Tt]he\s+)?{_NOT_A_NAME}{_name_words(3)}\s*")
# a name before an appositive set off by commas, at a sentence's start: the subject of the cue after them
_NAME_BEFORE_ASIDE = re.compile(rf"\s*{_NOT_A_NAME}{_name_words(4)}\s*")
_LIST_END = re.compile(rf"(?:^|\s)and\s+(?:the\s+)?{_name_words(3)}\s*$")
# who is where, before places joined by "and" ("Officials in Syria and Jordan said": the
# guidelines' own example of officials of several states together, one SOURCE)
_PLACED_PEOPLE = frozenset({"officials", "diplomats", "leaders", "authorities", "ministers", "governments",
                            "representatives", "delegations", "envoys", "forces", "troops", "lawmakers"})
# words that may open such a phrase before its noun ("Senior officials in", "US military officials in")
_PEOPLE_MODIFIERS = frozenset({"the", "senior", "top", "local", "military", "government", "security", "foreign"})


def _conjunct(words: list[tuple[int, int, str]], index: int) -> bool:
    """Whether the "and" at ``index`` joins a name or an adjective to the noun phrase after it
    rather than a clause to the one before: the SOURCE is the whole noun phrase ("Syrian and
    Jordanian officials", "US and British diplomats", "Syria and Jordan"), but "The talks ended and
    officials said" ends the clause at "and". The conjunct must be one to three capitalized words
    (after an optional "the") opening the clause: a lowercase word before "and" is a verb's or a
    noun's of another clause, a capitalized one further in ("ended in Geneva and") or after a
    sentence-opening preposition or adverb ("In December Syria and", "Then Syria and") is no part
    of the phrase. An "and" that is a word of an institution's name joins nothing ("Syria's Ministry
    of Foreign Affairs and Expatriates", text.py's ``and_in_institution_name``)."""
    if and_in_institution_name("".join(f"{word} " for _, _, word in words[:index]),
                               "".join(f" {word}" for _, _, word in words[index + 1:])):
        return True
    first = index
    while first > 0 and index - first < 3 and words[first - 1][2][:1].isupper():
        first -= 1
    if first == index:
        return False
    if first > 0 and words[first - 1][2].lower() == "the":
        first -= 1
    opening = next((word.lower() for _, _, word in words[first:index] if word.lower() != "the"), None)
    if opening is None or opening in VERB_PREPOSITIONS or opening in SUBORDINATORS or opening in AUXILIARIES:
        return False
    # the place after "and" may have its "the" ("Officials in Syria and the United States")
    place = index + 2 if index + 2 < len(words) and words[index + 1][2] == "the" else index + 1
    if first >= 2 and words[first - 1][2] in ("in", "from") and words[first - 2][2].lower() in _PLACED_PEOPLE \
            and place < len(words) and words[place][2][:1].isupper():
        first -= 2  # "Officials in Syria and Jordan": the phrase opens at its noun, or a word or two before
        for _ in range(2):
            if first and (words[first - 1][2][:1].isupper() or words[first - 1][2] in _PEOPLE_MODIFIERS) \
                    and words[first - 1][2].lower() not in SUBORDINATORS:
                first -= 1
    return first == 0 or words[first - 1][2].lower() in SUBORDINATORS


# a phrase of the verb after a name (text.py's ``VERB_PREPOSITION``) up to a comma or a clause's
# end, holding no reporting verb (which would make it another speaker's attribution: "said Blinken
# as Safadi added")
_VERB_PHRASE = rf"{VERB_PREPOSITION}(?:(?!{_CUE_WORD})[^,.;:“”\"])*"
_VERB_PHRASE_AFTER_NAME = re.compile(rf"(?<![\w’'.-]){_NAME_WORD}(?P<phrase>{VERB_PREPOSITION})")
# a conjunction that opens a clause of the verb after any noun phrase ("said the spokesman when asked
# about the deal", "said a tired Blinken as he boarded"): a noun takes no such post-modifier
# ("officials from countries such as Jordan", "the minister as well as his deputy" are one phrase)
_CLAUSE_OF_THE_VERB = re.compile(r" (?:when|while|(?<!such )(?<!well )as(?! well as)) ")


def _without_verb_phrase(text: str, start: int, end: int) -> int:
    """The end of the SOURCE at [start, end) without a prepositional phrase after a name, which is
    the verb's: "said Assad to Blinken" → "Assad" (Blinken was spoken to). The guidelines keep a
    noun phrase's post-modifiers without commas ("[a spokesperson for the ministry]", "[a
    statement carried by the state news agency on Friday]"), and so does this, for a SOURCE that
    opens with a lowercase word (a determiner or a noun); a name (a SOURCE opening with a capital:
    "Assad", "Secretary of State Antony Blinken", "The Guardian") takes no such post-modifier, so
    the phrase after its last capitalized word modifies the cue. "of" and "for", words of titles
    ("Special Envoy for Syria"), are no such preposition. A clause of the verb ends any noun phrase
    (``_CLAUSE_OF_THE_VERB``: "said the spokesman when asked about the deal" → "the spokesman")."""
    clause = _CLAUSE_OF_THE_VERB.search(text, start, end)
    end = clause.start() if clause else end
    if not text[start:start + 1].isupper():
        return end
    phrase = _VERB_PHRASE_AFTER_NAME.search(text, start, end)
    return phrase.start("phrase") if phrase else end


def _source_after(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The name after an inverted cue ("said Karen Whitlow, a deputy spokesperson"): up to a comma
    or a dash ("said Blinken—and left"), and without a phrase of the verb after a name ("said Assad
    to Blinken", ``_without_verb_phrase``); a period ends it where it ends a sentence (``sentences``):
    not within a word ("the U.S. envoy"), nor after an abbreviation ("said Gen. Tom Ruiz")."""
    match = re.compile(r"\s*([^,;:]+)").match(text, start, end)
    if not match:
        return None
    name_start, name_end = match.span(1)
    for period in re.compile(r"\.(?=\s|$)").finditer(text, name_start, name_end):
        if not abbreviation_ends(text, name_start, period.end()):
            name_end = period.start()
            break
    dash = _DASH.search(text, name_start, name_end)
    s, e = _inverted_source(text, name_start, dash.start() if dash else name_end)
    return (s, e) if s < e and len(text[s:e].split()) <= _SOURCE_WORDS else None


def _inverted_source(text: str, start: int, end: int) -> tuple[int, int]:
    """The SOURCE after an inverted cue in [start, end): trimmed (``_trim``), without a phrase of the
    verb after a name (``_without_verb_phrase``)."""
    start, end = _trim(text, start, end)
    return start, _without_verb_phrase(text, start, end)


def attributions(text: str) -> list[_Found]:
    """Every attribution the patterns find, in text order (QUOTE spans may nest)."""
    found: list[_Found] = []
    # quotations, sentences and the attributions found are in text order and do not overlap, so
    # what lies in a sentence, or before a quotation, is found by bisection or a pointer that only
    # moves forward, not by a search of all of them (which was quadratic in their number)
    quoted = [(m.start(), m.end()) for m in _PAIRS.finditer(text)]
    quoted_starts = [a for a, _ in quoted]
    sentence_spans = _whole_quotations(list(sentences(text)), quoted)
    for s_start, s_end in sentence_spans:
        sentence = text[s_start:s_end]
        pairs = [(a, b) for a, b in quoted[bisect.bisect_left(quoted_starts, s_start):
                                            bisect.bisect_left(quoted_starts, s_end)] if b <= s_end]
        # 1 and 2: direct quotations with their attribution
        in_sentence = len(found)  # found[in_sentence:] are the sentence's
        after_last: _Found | None = None  # the last quotation of the sentence attributed after it
        for a, b in pairs:
            # a dash after the closing mark sets off the attribution as a comma does ("“…”—Blinken said")
            dash = _DASH.match(text, b, s_end)
            after = dash.end() if dash else b
            tail = text[after:s_end]
            closes = text[b - 2] in ",.?!" or tail.startswith(",") or dash is not None
            inverted = closes and re.match(r",?\s*" + _CUE + r"\s+(?!that\b)", tail)
            # the source may carry an appositive or relative clause set off by commas, which
            # ``_source_before`` leaves out ("“…,” Major Alicia Brandt, a Pentagon spokesperson, told")
            normal = closes and re.match(rf",?\s*(?P<src>{NAME_CHARACTER}{{1,80}}?(?:,{NAME_CHARACTER}{{1,80}}?,)?)\s+"
                                         + _CUE + r"\b", tail)
            head = _cue_before(text, s_start, a)
            if inverted:
                cue = _cue_span(inverted, after)
                source = _source_after(text, after + inverted.end(), s_end)
            elif normal and not re.search(r"[“\"‘]", normal["src"]) and not normal["src"].strip().endswith("ing") \
                    and not (dash and _CLAUSE_OPENER.match(normal["src"])):
                # (a participle is no source: '"…," rejecting calls from Damascus'; nor, after a
                # dash, which opens an aside as often as an attribution, a clause of its own)
                cue = _cue_span(normal, after)
                source = _source_before(text, after, cue[0])
            elif after_last is not None and (second := _second_part(text, after_last, a, b, s_end)):
                # the quotation's second part: a QUOTE of its own, of the first part's SOURCE (the same
                # region, ``quotes``) and CUE, or of the participle that reports it
                cue, source = second, (after_last.source.start, after_last.source.end)
            elif head:
                cue = head.span("cue")
                source = _source_before(text, s_start, cue[0])
            elif opening := _inverted_before(text, s_start, a):
                cue, source = opening
            else:
                continue
            if source is None:
                continue
            found.append(_Found(Span(a, b), Span(*source), Span(*cue), 0.8))
            after_last = found[-1] if cue[0] >= b else None  # a cue after it: attributed after it
        # 4 and 5: content and attribution in one sentence, by the cues no quotation's attribution took
        taken = {f.cue for f in found[in_sentence:]}
        for match in re.finditer(_CUE_WORD, sentence):
            cue = _cue_span(match, s_start)
            if Span(*cue) in taken or _AFTER_ARTICLE.search(sentence, 0, match.start("cue")):
                continue  # a reporting word after an article is a noun: "The accused said …"
            inside = next(((a, b) for a, b in pairs if a < cue[0] < b), None)
            if inside is not None:  # a nested attribution in a quotation: "“Secretary Blinken made clear that …,”"
                result = _attribution_first(text, inside[0] + 1, inside[1] - 1, cue)
                if result is not None and (text[result.quote.start - 5:result.quote.start].strip() != "that"):
                    result = None
            else:
                # a paraphrase that reports another lies inside it (guidelines: nested attributions),
                # its SOURCE too: "The ministry said officials said the talks failed" → "officials"
                outer = next((f.quote.start for f in reversed(found[in_sentence:])
                              if f.cue.end <= f.quote.start < cue[0] < f.quote.end), s_start)
                result = _interrupted(text, outer, s_end, cue, pairs) or _content_first(text, outer, s_end, cue) \
                    or _attribution_first(text, outer, s_end, cue)
            if result is None and re.search(r"\band\s*$", text[s_start:cue[0]]) and found and \
                    found[-1].quote.start >= s_start:
                # "… accused X of …, and called on Y": the same source
                result = _attribution_first(text, s_start, s_end, cue, source=found[-1].source)
            if result is not None:
                found.append(result)
        according = _ACCORDING.search(sentence)
        if according and (result := _according(text, s_start, s_end, according)) is not None:
            found.append(result)
    # 3: continued quotations
    attributed = sorted(found, key=lambda f: f.quote.start)
    found.extend(_continued(text, quoted, quoted_starts, attributed, sentence_spans))
    found.sort(key=lambda f: (f.quote.start, -f.quote.end))
    # a quote that starts inside another ends inside it: in "X said that Y, according to Z" X's
    # quote is Y, not Y and its attribution to Z (the guidelines nest quotes, never cross them);
    # the quotes still open at its start are the only ones it can start inside
    open_quotes: list[_Found] = []
    for inner in found:
        open_quotes = [outer for outer in open_quotes if outer.quote.end > inner.quote.start]
        for outer in open_quotes:
            if outer.quote.start < inner.quote.start < outer.quote.end < inner.quote.end:
                clipped = _trim(text, inner.quote.start, outer.quote.end)
                if clipped[0] < clipped[1]:
                    inner.quote = Span(*clipped)
        open_quotes.append(inner)
    return found


# participles of reporting verbs that go on after an attribution to report more of the same
# speaker's words ("“We will stay,” said Blinken, adding, “we will not leave.”")
_PARTICIPLE_CUES = ("adding", "saying", "noting", "stressing", "warning", "insisting", "arguing", "explaining",
                    "declaring", "asserting", "writing")
# what may stand between an attribution after a quotation and the quotation's second part: a phrase
# of the verb after a name the SOURCE leaves out ("“No,” said Assad to Blinken, “never.”",
# ``_without_verb_phrase``; none holding a reporting verb, ``_VERB_PHRASE``), then a comma, and a
# reporting participle with its comma or colon
_BEFORE_SECOND_PART = re.compile(rf"(?:{_VERB_PHRASE})?\s*,\s*"
                                 rf"(?:(?P<participle>{'|'.join(_PARTICIPLE_CUES)})\s*[,:]\s*)?")


def _second_part(text: str, first: _Found, at: int, end: int, sentence_end: int) -> tuple[int, int] | None:
    """The CUE of the quotation at [``at``, ``end``) when it is the second part of ``first``'s, which
    its attribution interrupts, else None: nothing but a comma or a dash between that attribution
    and it ("“We will stay,” he said, “and we will rebuild.”", "“…,” said Blinken, “…”"), its CUE
    ``first``'s; or a comma and a reporting participle ("“…,” said Blinken, adding, “…”"), its CUE
    the participle, the guidelines' reporting word, and its SOURCE ``first``'s, the speaker mention
    nearest to it. The part ends a clause (punctuation inside its closing mark, or after it before
    anything else: a quoted name or phrase the sentence goes on after is none, "“…,” Blinken said,
    “Friends of Syria” members recalled"). The guidelines' direct QUOTE runs from an opening mark to
    its closing mark, and SOURCE and CUE are no part of the content, so the parts are two QUOTEs,
    related to the one SOURCE, as a quotation continued without an attribution of its own is."""
    attribution_end = max(first.source.end, first.cue.end)
    ends_clause = text[end - 2] in ",.?!" or re.match(r"\s*(?:[,.;:?!)]|$)", text[end:sentence_end]) is not None \
        or _DASH.match(text, end, sentence_end) is not None
    if not ends_clause:
        return None
    if _DASH.fullmatch(text, attribution_end, at) is not None:
        return first.cue.start, first.cue.end
    between = _BEFORE_SECOND_PART.fullmatch(text, attribution_end, at)
    if between is None:
        return None
    return between.span("participle") if between["participle"] else (first.cue.start, first.cue.end)


# an inverted attribution opening a sentence before a quotation ("Said Blinken: “…”", "Added the
# minister, “…”"): its SOURCE is a name or a noun phrase with its determiner, never "to the list",
# without an aside set off by commas after it ("Said Blinken, who met Safadi in Amman: “…”")
_INVERTED_BEFORE = re.compile(rf"(?P<cue>[A-Z][a-z]+)\s+(?P<source>{NAME_CHARACTER}{{1,80}}?)" + INVERTED_ASIDE
                              + r"\s*[:,]\s*")
_NOUN_PHRASE_START = re.compile(rf"[A-Z]|(?:{'|'.join(_DETERMINERS)})\s")
# reporting verbs whose noun phrase after them is their object, never inverted: "Told Assad: “Leave.”"
# names who was told, "Denied the charge: “…”" what was denied
_OBJECT_FIRST_CUES = frozenset({"told", "tells", "denied", "accused", "urged", "called", "calls"})
# the cues that name whom they told before the content (``_TOLD_OBJECT``)
_TELLING = ("told", "tells")


def _inverted_before(text: str, start: int, at: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The CUE and SOURCE of an inverted attribution that fills the sentence from ``start`` to
    the quotation opening at ``at`` (text.py's ``inverted_cue``), or None."""
    found = _INVERTED_BEFORE.fullmatch(text, start, at)
    if found is None or not inverted_cue(found["cue"]) or found["cue"].lower() in _OBJECT_FIRST_CUES \
            or not _NOUN_PHRASE_START.match(found["source"]):
        return None
    source = _inverted_source(text, found.start("source"), found.end("source"))  # "Said Assad to Blinken: “…”"
    return (found.span("cue"), source) if source[0] < source[1] else None


def _cue_before(text: str, start: int, at: int) -> re.Match | None:
    """The cue that ends, but for spaces and a colon or comma, right before ``at`` (a quotation's
    opening mark) and starts at or after ``start``: looked for only where it can be, not by a
    search of the sentence before it (which made a sentence of many quotations quadratic)."""
    end = _before_spaces(text, start, at)
    if end > start and text[end - 1] in ":,":
        end = _before_spaces(text, start, end - 1)
    return _CUE_ENDING.search(text, max(start, end - _LONGEST_CUE), end)


def _continued(text: str, quoted: list[tuple[int, int]], quoted_starts: list[int], attributed: list[_Found],
               sentence_spans: list[tuple[int, int]]) -> list[_Found]:
    """Pattern 3: each quotation that fills its sentence, lies in no quote found, and has an
    attributed quote, not nested in a quotation, ending before it in the same or the previous
    paragraph continues the last of those (by start). Quotations come in text order, so the
    attributed quotes before one are a window (by end) whose bounds only move forward: a monotonic
    queue gives the last of them."""
    continued: list[_Found] = []
    sentence_starts = [start for start, _ in sentence_spans]
    paragraphs = [(match.end() - 1, text.rfind("\n", match.start(), match.end()))
                  for match in re.finditer(r"\n\s*\S", text)]  # (first character, the line break before it)
    firsts = [first for first, _ in paragraphs]
    by_start = 0  # attributed[:by_start] start at or before the quotation
    widest = -1  # the furthest end among them
    # an attribution nested in a quotation ("“Assad made clear that he would stay,” Blinken said") is
    # no quote a later quotation continues: that continues the quotation around it (Blinken's); one
    # nested in a paraphrase is ("The agency reported that Assad said: “We will win.”" is continued
    # by Assad's next quotation, not the agency's report)

    def in_quotation(quote: Span) -> bool:
        around = bisect.bisect_right(quoted_starts, quote.start) - 1
        return around >= 0 and quote.end <= quoted[around][1] and quoted[around] != (quote.start, quote.end)

    by_end = sorted(((f.quote.end, f.quote.start, index) for index, f in enumerate(attributed)
                     if not in_quotation(f.quote)))
    added, window = 0, collections.deque()  # (start, index) of those ending in the window, decreasing
    for a, b in quoted:
        while by_start < len(attributed) and attributed[by_start].quote.start <= a:
            widest = max(widest, attributed[by_start].quote.end)
            by_start += 1
        while added < len(by_end) and by_end[added][0] <= a:
            key = by_end[added][1:]
            while window and window[-1][1] < key:
                window.pop()
            window.append((by_end[added][0], key))
            added += 1
        # "the same or the previous paragraph": at most one paragraph begins between its end and
        # the quotation, so it ends after the line break before the paragraph that precedes it
        preceding = bisect.bisect_left(firsts, a) - 2
        limit = paragraphs[preceding][1] + 1 if preceding >= 0 else 0
        while window and window[0][0] < limit:
            window.popleft()
        if widest >= b:  # in a quote found, its own direct one among them
            continue
        index = bisect.bisect_right(sentence_starts, a) - 1
        s_start, s_end = sentence_spans[index] if index >= 0 and a < sentence_spans[index][1] else (a, b)
        rest = text[s_start:s_end].replace(text[a:b], "").strip(" .")
        if rest:
            continue  # part of a sentence: not a quotation standing on its own
        if window:
            previous = attributed[window[0][1][1]]
            continued.append(_Found(Span(a, b), previous.source, previous.cue, 0.5))
    return continued


def _whole_quotations(spans: list[tuple[int, int]], quoted: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentences joined where a quotation runs across their boundary (“… relent. And we’re …,” he said.)."""
    merged: list[tuple[int, int]] = []
    starts = [a for a, _ in quoted]
    for start, end in spans:
        # quotations do not overlap: only the last one starting before the sentence's end can cross it
        last = bisect.bisect_left(starts, merged[-1][1]) - 1 if merged else -1
        if last >= 0 and merged[-1][0] <= quoted[last][0] and merged[-1][1] < quoted[last][1]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


# what may follow "SOURCE CUE," that continues no reported clause: a conjunction, a participle, a
# preposition of the verb or a sentence adverb ("officials said, adding that …", "said, in a statement, …"):
# ``_OPENING_WORDS`` holds the others ("And", "But", "That", "According", "However", ...); these two
# it lacks ("or") or holds as an auxiliary, which may open the rest ("nor" beside "would")
_NOT_INTERRUPTING = frozenset({"or", "nor"})


def _before_addition(text: str, start: int, end: int) -> int:
    """Where the content in text[start:end] ends: before the reporter's addition at its end, if any."""
    addition = ADDITION.search(text, start, end)
    return addition.start() if addition else end


def _interrupted(text, s_start, s_end, cue, pairs) -> _Found | None:
    """HEAD, SOURCE CUE, REST. with no quotation: one QUOTE over the whole reported clause, the
    attribution included, as the guidelines rule ("The bridge, the mayor said, would reopen in
    May"; what may stand where: docs/preannotation.md). The verb's own phrases stand before the
    rest's comma only when an auxiliary or a modal opens the rest (``_VERB_OPENERS``): after them a
    comma sets off their appositive or the reporter's addition as often ("…, Blinken said in Amman,
    the Jordanian capital", "…, two officials said on Friday, nearly a decade after …")."""
    if pairs:  # a quotation's attribution is the direct patterns' (an interrupted one is two QUOTEs)
        return None
    rest = _INTERRUPTION_END[text[cue[0]:cue[1]] in _TELLING].match(text, cue[1], s_end)
    if rest is None or rest["rest"].lower() in _NOT_INTERRUPTING or rest["rest"].endswith("ing") \
            or rest["rest"].capitalize() in _OPENING_WORDS and rest["rest"].lower() not in AUXILIARIES \
            or ADDITION.match(text, rest.start("comma")) \
            or text[cue[1]:rest.start("comma")].strip() and rest["rest"].lower() not in _VERB_OPENERS:
        return None  # ADDITION: "The talks failed, officials said, a year after they began"
    comma = text.rfind(",", s_start, cue[0])
    if comma < 0:
        return None
    source = _source_before(text, comma + 1, cue[0])
    if source is None or text[comma + 1:source[0]].strip():
        return None
    end = _before_addition(text, rest.end(), _without_final(text, s_end))
    quote = _trim(text, _after_dateline(text, s_start, comma), end)
    if not text[quote[0]:comma].strip() or "," in text[quote[0]:comma] \
            or len(text[rest.start("rest"):quote[1]].split()) < 2:
        return None
    return _Found(Span(*quote), Span(*source), Span(*cue), 0.5)


def _content_first(text, s_start, s_end, cue) -> _Found | None:
    """CONTENT, SOURCE CUE. / CONTENT, CUE SOURCE."""
    verb = text[cue[0]:cue[1]]
    comma = text.rfind(",", s_start, cue[0])
    sentence_end = _without_final(text, s_end, ".")
    next_comma = text.find(",", cue[1], sentence_end)
    tail_end = next_comma if next_comma >= 0 else sentence_end
    if comma < 0 or len(text[comma:tail_end].split()) > 14:
        return None
    # an aside set off by dashes before the cue is no part of the source ("…, Assad -- who rarely
    # speaks -- said"), so its relative pronoun says nothing of where the content is
    between = text[comma + 1:_before_dashed_aside(text, comma + 1, cue[0])].strip()
    if re.search(r"\b(?:that|which|who|what)\b", between):
        return None  # "…, a claim that Damascus has denied": the content is not before the comma
    previous = text.rfind(",", s_start, comma)
    aside = text[previous + 1 if previous >= 0 else s_start:comma]
    if _LIST_END.search(between) and (between.startswith("and ") or _LIST_ITEM.fullmatch(aside)):
        return None  # "The US, Britain, and France said …", "…, Syria, Iraq and Jordan said …": a list is the SOURCE
    if between:
        source = _source_before(text, comma + 1, cue[0])
    elif verb in _OBJECT_FIRST_CUES:
        # "Said Darwish, a Kurdish commander, denied it": the noun phrase after such a verb is its
        # object, never an inverted SOURCE, so the part before the comma is its subject, not content
        return None
    else:
        source = _source_after(text, cue[1], tail_end)
        if source is not None and text[source[1]:tail_end].strip(" .,") \
                and not re.match(VERB_PREPOSITION, text[source[1]:tail_end]):
            return None  # "X, an appositive, said the kingdom hosts 1.3 million": a clause follows, not a name
        if source is not None and _clause(text[source[0]:source[1]]):
            return None  # "The envoy, a veteran diplomat, said the talks would resume": a clause, no SOURCE
    after = text[cue[1]:tail_end]
    if source is None or re.search(r"\b(?:that|to)\b", after):
        return None
    # an aside of the verb before the cue follows the SOURCE ("The ministry, however, said the talks
    # failed"), unless the part before it is a clause, which no SOURCE is: then the cue is inverted,
    # and the aside no part of the content before it ("The embassy will stay closed, for now, said a
    # spokesman", "The talks failed, however, said a ministry spokesman"); so is "said" or "says"
    # before a speaker's noun phrase that ends the sentence, after a part that is none, as a clause
    # ``_clause`` cannot tell ("The sanctions stay, for now, said a State Department spokesman", "The
    # talks stalled in May, however, said Blinken"): their content is never a noun phrase alone. A
    # noun phrase after another cue may be the object of a nominal content ("The ministry, however,
    # announced the Astana Process")
    head = (max(s_start, text.rfind(",", s_start, previous) + 1), previous)
    inverted = not between and previous >= 0 and _adverbial(aside) and (_clause(text[head[0]:head[1]]) or (
        verb in ("said", "says") and _speaker_phrase(text[source[0]:source[1]])
        and not _speaker_phrase(text[head[0]:head[1]])))
    if not between and (_named(aside) or _relative(aside)
                        or previous >= 0 and (_adverbial(aside) and not inverted
                                              or _NAME_BEFORE_ASIDE.fullmatch(text, *head))):
        # "A ministry spokesperson, Ana Ruiz, said …": a name before the cue is its subject;
        # "Officials, who spoke on condition of anonymity, said …": so is what the clause follows,
        # and what an aside of the verb follows ("The ministry, in a statement, said …");
        # and "Ayman Safadi, Jordan's foreign minister, said the talks went well", "In 2021, Blinken,
        # speaking in Amman, said …": a name and its aside, no content with "the talks went well"
        # for its SOURCE (_source_before reads the name)
        return None
    quote = _trim(text, _after_dateline(text, s_start, comma), previous if inverted else comma)
    content = text[quote[0]:quote[1]]
    if quote[0] >= quote[1] or len(content.split()) < 3:
        return None
    if content.split()[0].lower() in _PREPOSITIONS \
            and all(_adverbial(part) and not _clause(part) for part in content.split(",")):
        # "After the talks, Blinken said.", "In a statement, however, the ministry said the strikes were
        # illegal": a phrase opening with a preposition, and asides, with no clause in them are the
        # verb's, not what was said; "In Syria, the war is over" and "Under Assad the country
        # collapsed" hold one
        return None
    # the clause after the cue runs to the sentence's end ("said the sanctions, imposed in 2019, would
    # stay", "said Syria, Iraq and Jordan would meet"), not to its next comma; a comma right after the
    # verb and its time phrases sets off no clause of the verb ("said, adding that …")
    verb_phrase = _TIME_OF_THE_VERB.match(text, cue[1], sentence_end)
    clause = [] if "," in verb_phrase[0] else text[verb_phrase.end():sentence_end].split()
    if content.split()[0] in _OPENING_WORDS and "," not in content and len(clause) >= 3 \
            and clause[0] not in VERB_PREPOSITIONS and not ADDITION.match(after):
        # "After the talks, Blinken said the deal was close", "In a statement on Monday, the ministry
        # said the strikes were illegal": a phrase opening the sentence, whose content follows the cue;
        # the verb's own phrase is no clause ("Under Assad the country collapsed, Blinken said in a
        # statement", "…, officials said late on Monday")
        return None
    return _Found(Span(*quote), Span(*source), Span(*cue), 0.6)


# the words that open a verb phrase: auxiliaries (with the adverbs AUXILIARIES holds) and modals
_VERB_OPENERS = AUXILIARIES | MODALS
# a bare weekday after the cue is the verb's, as news writes it ("said Monday the strikes were
# illegal": the content is "the strikes were illegal"), not a possessive's ("said Monday's attack …")
# nor the content's subject ("said Monday would be decisive")
_WEEKDAY_OF_THE_VERB = (rf"|(?:{'|'.join(WEEKDAYS)})(?![\w’'-])"
                        rf"(?!\s+(?:{'|'.join(sorted(_VERB_OPENERS))})\b)")


def _times_of_the_verb(prepositions: str, word: str) -> str:
    """The time phrases right after the cue, the verb's, before its content ("said on Tuesday that
    …"): a preposition of ``prepositions`` before a capitalized word or a number of ``word``
    characters, or a bare weekday."""
    return rf"(?:\s+(?:(?:{prepositions})\s+[A-Z0-9][{word}]*{_WEEKDAY_OF_THE_VERB}))*"


_TIMES_OF_THE_VERB = _times_of_the_verb("on|late on|early on|last|this|earlier|later", r"\w")
_TIME_OF_THE_VERB = re.compile(_TIMES_OF_THE_VERB + r"\s*[:,]?\s*")
# whom "told" or "tells" names before the content ("told reporters", "told the briefing", "told Safadi")
_TOLD_OBJECT = (r"(?:\s+(?:reporters|journalists|lawmakers|a briefing|the briefing"
                rf"|(?:{CAPITALIZED_WORD}\s?)+)(?=[\s:,]))?")
# what "told" or "tells" has before a content without "that": whom it told, then its phrases, "in"
# and "at" among them ("told reporters in Amman on Monday the talks failed")
_TOLD_PHRASES = re.compile(_TOLD_OBJECT + _times_of_the_verb("on|late on|early on|in|at|last|this|earlier|later",
                                                             r"\w,") + r"\s*[:,]?\s*")
# the end of an attribution that interrupts a reported clause: the verb's own phrases (whom "told"
# told, its time phrases, a phrase opening with one of its prepositions), a comma and the rest's
# first word; by whether the verb is "told" or "tells"
_INTERRUPTION_END = {told: re.compile(rf"{_TOLD_OBJECT if told else ''}{_TIMES_OF_THE_VERB}(?:{_VERB_PHRASE})?"
                                      r"\s*(?P<comma>,)\s*(?P<rest>[\w’'-]+)") for told in (False, True)}


# an aside set off by commas right after the cue: before "that" whatever it is, and before a
# content without "that" when it is the verb's (``_adverbial``: "said, however, the sanctions …")
_ASIDE_BEFORE_THAT = re.compile(r"\s*,[^,“”\"]{1,60},\s*")


def _attribution_first(text, s_start, s_end, cue, source=None) -> _Found | None:
    """SOURCE CUE (that) CONTENT."""
    verb = text[cue[0]:cue[1]]
    source = (source.start, source.end) if source is not None else _source_before(text, s_start, cue[0])
    if source is None:
        return None
    end = _without_final(text, s_end)
    rest = text[cue[1]:end]
    opened = None  # the content's own opening clause set off by commas ("if …, …"), if any
    that = re.search(r"(?:^|\s)that\s", rest[:160])
    # an aside set off by commas may stand before "that" ("said, however, that", "said, in a
    # statement on Monday, that"): the content starts after "that" all the same
    if that and ((re.search(r"[“\",]", rest[:that.start()]) and not _ASIDE_BEFORE_THAT.fullmatch(rest[:that.start()]))
                 or len(rest[:that.start()].split()) > 8):
        that = None
    if that:
        start = cue[1] + that.end()
    elif verb in CONTENT_NEEDS_MARKER:
        colon = re.match(r"\s*:\s*", rest)
        if not colon:
            return None
        start = cue[1] + colon.end()
    else:
        skip = (_TOLD_PHRASES if verb in _TELLING else _TIME_OF_THE_VERB).match(rest)
        start = cue[1] + skip.end()
        # after the verb and its own phrases: "Officials said, however, the sanctions would stay",
        # "Blinken told reporters, in Amman, …"
        aside = _ASIDE_BEFORE_THAT.match(text, cue[1] + len(skip[0].rstrip(" ,")), end)
        # but a condition, a cause or a concession is the content's own, which it opens ("Officials
        # said, if the strikes continue, the embassy will close"): a word that NOT_CONTENT refuses at
        # a content's start, where no clause follows it ("said if asked"), and that opens no phrase
        # of the verb ("said, as the talks ended, …")
        first = next(iter(aside[0].strip(" ,").split()), "") if aside else ""
        if first.isalpha() and NOT_CONTENT.fullmatch(first) and first not in VERB_PREPOSITIONS:
            opened = aside
        elif aside and _adverbial(aside[0].strip(" ,")):
            start = aside.end()
    comma = _CLAUSE_COMMA.search(text, opened.end() if opened else start, end)
    if (FRAMING.match(text[s_start:source[0]]) or _AFTER_RELATIVE.search(text, s_start, source[0])) and comma:
        # "While the US said X, it has not …", "The war, which the UN says killed 350,000 people, is
        # not over": the content ends at the comma that ends the framing or the relative clause
        end = comma.start()
    coordinated = re.search(r",?\s+and\s+(?:" + _CUE + r")\b", text[start:end])
    if coordinated:  # "accused Syria of …, and called on …": two attributions
        end = start + coordinated.start()
    start, end = _trim(text, start, _before_addition(text, start, end))
    # a paraphrase of fewer than three words is no content, but a quotation is whatever its length
    # ("Blinken told reporters: “Go home.”", where the cue is not right before the quotation)
    words = 1 if verb in NOUN_CONTENT or quote_type(text, Span(start, end)) == "direct" else 3
    if end - start < 3 or len(text[start:end].split()) < words or opened is None and NOT_CONTENT.match(text, start):
        return None
    return _Found(Span(start, end), Span(*source), Span(*cue), 0.6)


def _according(text, s_start, s_end, match) -> _Found | None:
    """According to SOURCE, CONTENT. / CONTENT, according to SOURCE."""
    cue = _cue_span(match, s_start)
    end = _without_final(text, s_end, ".")
    source = _source_after(text, cue[1], end)
    if source is None:
        return None
    quote = _trim(text, source[1], end) if cue[0] == s_start else _trim(text, s_start, cue[0])
    if quote[1] - quote[0] < 3:
        return None
    return _Found(Span(*quote), Span(*source), Span(*cue), 0.6)


def quote_type(text: str, span: Span) -> str:
    inside = text[span.start:span.end]
    pairs = list(_PAIRS.finditer(inside))
    if len(pairs) == 1 and pairs[0].start() == 0 and pairs[0].end() == len(inside):
        return "direct"
    return "mixed" if pairs else "indirect"


def _after_a_weekday_date(text: str, source: Span, mentions: list[EntityMention]) -> Span:
    """The SOURCE without a weekday opening it that is a date, as the entity and time layers read
    it (text.py's ``weekday_in_name``): "Friday [Blinken] said", "Tuesday [Syria] said"; but
    "Sunday Times reporters said" is a paper's."""
    weekday = re.match(rf"(?:{'|'.join(WEEKDAYS)}) ", text[source.start:source.end])
    if weekday is None:
        return source
    # the gazetteer keeps no registered name after a weekday that is a name's word, so one it kept
    # there makes the weekday a date
    name = next((m for m in mentions if m.span.start == source.start + weekday.end() and m.entity_id), None)
    return source if name is None else Span(name.span.start, source.end)


def _referent_kind(source_text: str) -> str | None:
    """What a SOURCE naming no registered speaker may stand for: "PERSON" ("he", "she", "I"), "body"
    (an institution or a state: "it", a description with an institution's head noun, "the ministry"),
    "any" (another description: "the statement" is its author's, a person's or an institution's);
    None when it refers to no earlier speaker ("we", "they", a noun phrase that is no description)."""
    if _DEFINITE.fullmatch(source_text):
        return "body" if source_text.split()[1] in INSTITUTION_NOUNS else "any"
    return PRONOUNS.get(source_text if source_text == "I" else source_text.lower())


def _earlier_speaker(kind: str, last_speaker: str | None, registry: Mapping[str, RegistryEntity],
                     named: Iterable[EntityMention]) -> str | None:
    """The previous quote's speaker as the referent of a pronoun or a description of ``kind``
    (``_referent_kind``), or None: when its registry type cannot be that kind ("he" or "the
    ministry" after Syria's or Blinken's quote, the wrong way round), or when ``named``, the
    mentions of the narrative since, holds another registered one of the kind (a person for a
    person, an institution, an ORG, for a body or a description), which it may refer to as well."""
    if last_speaker not in registry:
        return None
    if kind != "any" and (registry[last_speaker].type == "PERSON") != (kind == "PERSON"):
        return None
    rival = "PERSON" if kind == "PERSON" else "ORG"
    if any(m.label == rival and m.entity_id not in (None, last_speaker) for m in named):
        return None
    return last_speaker


def _outside_quotes(found: list[_Found]):
    """A test of whether a span lies outside every QUOTE of ``found``, in the narrative: by
    bisection in the QUOTEs merged into disjoint spans, not by a pass over them per span."""
    merged: list[list[int]] = []
    for quote in sorted((f.quote for f in found), key=lambda span: span.start):
        if merged and quote.start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], quote.end)
        else:
            merged.append([quote.start, quote.end])
    starts = [start for start, _ in merged]

    def outside(span: Span) -> bool:
        around = bisect.bisect_right(starts, span.start) - 1
        return around < 0 or merged[around][1] <= span.start
    return outside


def quotes(doc_id: str, text: str, mentions: Iterable[EntityMention], registry: Mapping[str, RegistryEntity],
           states: Mapping[str, str] | None = None) -> tuple[list[Quote], dict[str, float]]:
    """The document's attributions as Quote records (shared SOURCE/CUE regions share ids).
    ``states``: entities.states_of(registry), made once by a caller that pre-annotates many
    documents with one registry (made here when not given)."""
    if states is None:
        states = states_of(registry)
    # in text order (as entity_mentions gives them), so those inside a SOURCE are found by
    # bisection, not by a pass over all of them per quote (quadratic in a long text)
    mentions = sorted(mentions, key=lambda m: (m.span.start, m.span.end))
    mention_starts = [m.span.start for m in mentions]
    regions: dict[tuple[str, Span], str] = {}
    records: list[Quote] = []
    scores: dict[str, float] = {}
    last_speaker: str | None = None
    speakers: dict[str, str | None] = {}  # a SOURCE region's speaker_id, set by its first quote
    seen_quotes: set[Span] = set()
    found_all = attributions(text)
    narrative = _outside_quotes(found_all)
    sentence_ends = [end for _, end in sentences(text)]
    last_said = 0  # the end of the sentence that holds the previous quote's SOURCE
    for found in found_all:
        if found.quote in seen_quotes:
            continue
        seen_quotes.add(found.quote)
        inside = mentions[bisect.bisect_left(mention_starts, found.source.start):
                          bisect.bisect_right(mention_starts, found.source.end)]
        source_span = _after_a_weekday_date(text, found.source, inside)
        source_text = text[source_span.start:source_span.end]
        source_region = regions.setdefault(("SOURCE", source_span), f"ps{len(regions) + 1}")
        if source_region in speakers:  # a region has one speaker, whatever was said between its quotes
            speaker = speakers[source_region]
        else:
            speaker = speaker_of(source_span, inside, states, text)
            kind = _referent_kind(source_text) if speaker is None else None
            if kind is not None:
                # names in the previous SOURCE's sentence (to whom a letter went) or inside a
                # QUOTE (what was said) are no other referent the narrative offers
                named = mentions[bisect.bisect_left(mention_starts, last_said):
                                 bisect.bisect_left(mention_starts, source_span.start)]
                speaker = _earlier_speaker(kind, last_speaker, registry, (m for m in named if narrative(m.span)))
            speakers[source_region] = speaker
        last_speaker = speaker
        last_said = max(last_said, sentence_ends[min(bisect.bisect_left(sentence_ends, source_span.end),
                                                     len(sentence_ends) - 1)])
        cue_region = regions.setdefault(("CUE", found.cue), f"pc{len(regions) + 1}")
        quote_id = f"pq{len(records) + 1}"
        # a region's score is that of the quote that found it, not of one reusing it
        for region in (source_region, cue_region):
            scores.setdefault(region, found.score)
        records.append(Quote(quote_id, doc_id, found.quote, text[found.quote.start:found.quote.end],
                             quote_type(text, found.quote), Source(source_region, source_span, source_text, speaker),
                             Cue(cue_region, found.cue, text[found.cue.start:found.cue.end])))
        scores[quote_id] = found.score
    return records, scores
