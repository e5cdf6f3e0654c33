"""Entity pre-annotation: the entity registry as a gazetteer, and optionally a NER model.

Gazetteer rules (each tested in tests/test_preannotate.py):

* **Forms**: every registry entity's ``name`` and ``aliases``. A form shared by several
  entities goes to the one whose ``name`` it is, else to the first by id (score lowered).
* **Case**: matching is case-sensitive. News capitalizes names, and case is what tells "US"
  the country from "us" the pronoun, "Jordan" from "jordan", "May" the month from nothing here.
* **Word boundaries**: a match is neither preceded nor followed by a letter, digit or
  combining mark ("Iraq" + U+0331 is no "Iraq": text.py's ``word_boundaries``), so
  hyphenated compounds keep their names ("[US]-led", "[Russian]-backed") and possessives fall
  outside ("[Syria]'s"), as the guidelines want.
* **Longest match first**, leftmost first: at each position the longest form wins
  ("US State Department" over "US"), and matches never overlap (entity spans are flat).
* **Part of a longer name**: a match one space from another capitalized word is left out, as a
  word of a name the registry does not hold ("Lloyd [Austin]", "[Syrian] Democratic Forces",
  "[UN] Security Council"), unless that word is
  - a title or role (text.py's ``title_word``: "Syrian President", "Then-Secretary Blinken"), but
    not when title words after the match end in an institution's head ("the Russian Foreign
    Ministry"), and a rank that is an adjective too (``ADJECTIVE_RANKS``) only before a registered
    person's name ("[Syrian] Private [Holloway]", but "Syria Private Equity");
  - a weekday, a date as news writes it ("in [Syria] Monday"), but not after "the" or opening a
    sentence ("the Sunday Telegraph", "the Good Friday Agreement") unless a title or a name of its
    own follows it ("Friday [Blinken] said": text.py's ``weekday_in_name``, ``name_of_its_own``);
  - before the match, the first word of its sentence or list item ("When Syria", "• In Damascus"),
    but before a person's name only a function word, a rank or an inverted attribution's verb, as
    another word is a given name
    ("Lloyd [Austin]" is not Austin Tice; "Top [Assad] aides", "Said [Blinken]:": text.py's
    ``given_name``), and before a compass word naming a region no word but a function word ("Key
    West", but "The [West]");
  - a registered name when one of the two is a person's ("In [Damascus] [Assad] objected"), but
    not a place's name opening a sentence before a person's ("Georgia Moreno said") nor a name that
    is only the first part of a hyphenated word ("the Austin American-Statesman");
  - before a person or a nationality, a possessive, which ends a name of its own ("[Syria]'s
    [Assad]", boundary rule 3; but "Women's World Cup").
  So is a match after a name's particle ("al-[Assad]", "Virgil van [Dijk]": the guidelines keep
  the particle in the name), unlike a prefix ("pro-[Russian]"); "van" and "bin", English nouns
  too, are particles only after a name or with their hyphen ("a van [Syria] had donated").
  The same rules in prose: docs/preannotation.md.

Scores: 0.9 for a multi-word form, 0.8 for a one-word form, 0.5 when the form is ambiguous;
NER model regions 0.5.
"""

from __future__ import annotations

import itertools
import re
from typing import Iterable, Mapping

from corpus_tools.documents.normalize import clean_line
from corpus_tools.preannotate.ner import NerFunction
from corpus_tools.preannotate.text import (ADJECTIVE_RANKS, CAPITALIZED_WORD, FUNCTION_WORDS, INSTITUTION_HEADS,
                                          WORD_START, abbreviation_ends, and_in_institution_name, given_name,
                                          starts_sentence, title_word, weekday_in_name, word_boundaries)
from corpus_tools.records import EntityMention, RegistryEntity, Span
from corpus_tools.schema import ENTITY_LABELS
from corpus_tools.timex import WEEKDAYS


def _capitalized(form: str) -> str:
    """An institution's registered form with its common nouns and adjectives capitalized, as a
    name is written: the guidelines mark a ministry named by nationality and function as one ORG
    span "lowercase or not" (rule 13), and the registry keeps one spelling ("Syrian foreign
    ministry"); function words stay as they are ("Center for Levant Policy")."""
    return " ".join(word[:1].upper() + word[1:] if word[:1].islower() and word.capitalize() not in FUNCTION_WORDS
                    else word for word in form.split(" "))


class Gazetteer:
    """The registry's names and aliases, compiled into one regex (longest form first)."""

    def __init__(self, registry: Iterable[RegistryEntity]):
        owners: dict[str, list[RegistryEntity]] = {}
        for entity in sorted(registry, key=lambda e: e.id):
            # each form as it can stand in a normalized text (NFC, spaces cleaned and stripped), as
            # lint matches them: a decomposed "Erdoğan" or a name with a no-break space never matched
            forms = [clean_line(form) for form in (entity.name, *entity.aliases)]
            if entity.type == "ORG":  # "the [Syrian Foreign Ministry]" for "Syrian foreign ministry"
                forms += [_capitalized(form) for form in forms]
            for form in dict.fromkeys(forms):
                if form:
                    owners.setdefault(form, []).append(entity)
        self._forms: dict[str, tuple[RegistryEntity, float]] = {}
        for form, entities in owners.items():
            named = [e for e in entities if clean_line(e.name) == form]
            chosen = (named or entities)[0]
            score = 0.5 if len(entities) > 1 else (0.9 if " " in form else 0.8)
            self._forms[form] = (chosen, score)
        alternatives = "|".join(re.escape(form) for form in sorted(self._forms, key=lambda f: (-len(f), f)))
        before, after = word_boundaries()
        self._pattern = re.compile(f"{before}(?:{alternatives}){after}") if alternatives else None

    def find(self, text: str) -> list[tuple[int, int, RegistryEntity, float]]:
        """The registered names in ``text`` as (start, end, entity, score), in text order."""
        if self._pattern is None:
            return []
        matches = [(match.start(), match.end(), *self._forms[match[0]]) for match in self._pattern.finditer(text)]

        def side_by_side(first: int, second: int) -> bool:
            """Whether matches ``first`` and ``second`` are registered names one space apart, not a
            place's name opening a sentence before a person's: a given name then ("Georgia Moreno
            said", "Jordan Karim told"), as a sentence seldom opens with a bare place before a person."""
            first_start, first_end, first_entity, _ = matches[first]
            second_start, _, second_entity, _ = matches[second]
            return second_start == first_end + 1 and text[first_end] == " " and not (
                first_entity.type in ("GPE", "LOC") and second_entity.type == "PERSON"
                and starts_sentence(text, first_start)) and whole_word(second)

        def whole_word(index: int) -> bool:
            """Whether match ``index`` is all of its capitalized word, not the first part of a
            hyphenated name whose next part the registry does not hold: "American-Statesman" is no
            registered name beside "Austin" (a word of "the Austin American-Statesman"), but
            "Syrian-American" is two ("[Peru]-[Chile] border", boundary rule 5)."""
            end = matches[index][1]
            return not (re.match(r"-[A-Z]", text[end:end + 2])
                        and not (index + 1 < len(matches) and matches[index + 1][0] == end + 1))

        def person_after_a_word(index: int) -> bool:
            """Whether a registered person's name follows match ``index`` one word and a space after
            it ("[Syrian] Private [Holloway]")."""
            end = matches[index][1]
            return index + 1 < len(matches) and matches[index + 1][2].type == "PERSON" \
                and re.fullmatch(r" \S+ ", text[end:matches[index + 1][0]]) is not None

        hits = []
        for index, (start, end, entity, score) in enumerate(matches):
            # the registered names one space before and after it, by their labels
            before = matches[index - 1][2].type if index and side_by_side(index - 1, index) else None
            after = matches[index + 1][2].type if index + 1 < len(matches) and side_by_side(index, index + 1) else None
            if not _inside_longer_name(text, start, end, entity.type, before, after,
                                       name_of_its_own(entity, text[start:end]), person_after_a_word(index)):
                hits.append(matches[index])
        return hits


# particles of a name that are written lowercase before it (guidelines, boundary rule 4: "[al-Rashid]",
# "[van Dijk]"): unlike a prefix ("pro-[Russian]"), one makes the name after it part of a longer one
_PARTICLE = re.compile(rf"{WORD_START}([Aa]l|[Ee]l|bin|ibn|van|von|de|da|du)[- ]$")
# particles that are English words too ("a van Jordan had donated", "the bin Iraq provided"): a
# particle only after a name ("Virgil van Dijk", "Osama bin Laden") or with its hyphen
_ENGLISH_PARTICLES = frozenset({"van", "bin"})
_POSSESSIVE = re.compile(r"[’']s$|s[’']$")
_COMPASS_WORDS = frozenset({"North", "South", "East", "West"})


def name_of_its_own(entity: RegistryEntity, form: str) -> bool:
    """Whether the registered ``form`` of ``entity`` is a name of its own, before which a weekday is
    a date ("Friday Blinken said", text.py's ``weekday_in_name``): every form but the last words of
    an organization's name opening with "The", as papers' names do, since a paper's edition is
    named by a weekday and them ("Sunday Telegraph" beside "The Daily Telegraph"); an institution's
    last words are its name ("Monday Congress voted"), and a weekday is no given name."""
    name = clean_line(entity.name)
    return entity.type != "ORG" or not (name.startswith("The ") and name.endswith(" " + form))


def _institution_after(text: str, end: int) -> bool:
    """Whether title words after a name end in an institution's head ("UN General Assembly",
    "Syrian Foreign Ministry", "US Defense Department"): one longer name, not a title before a
    person's."""
    words = re.match(rf"(?: {CAPITALIZED_WORD})+", text[end:end + 80])
    for word in words[0].split() if words else ():
        if word in INSTITUTION_HEADS:
            return True
        if not title_word(word):
            return False
    return False


def _inside_longer_name(text: str, start: int, end: int, label: str, name_before: str | None,
                        name_after: str | None, own: bool, person_after_a_word: bool) -> bool:
    """Whether the match at [start, end), of ``label``, is part of a longer name (the module's
    rules); ``name_before`` and ``name_after``: the labels of registered names one space before and
    after it, if any; ``own``: ``name_of_its_own``; ``person_after_a_word``: whether a registered
    person's name follows the word after it. Two persons' names side by side are one person's
    ("Hafez Assad"); a person's beside one that is no person's are two ("the [Obama] [White House]")."""
    person = label == "PERSON"

    def two_names(other: str | None) -> bool:
        return other is not None and (other == "PERSON") != person

    particle = _PARTICLE.search(text, max(0, start - 5), start)  # "Hafez al-[Assad]", "al-[Assad]" were Assad
    if particle and (particle[1] not in _ENGLISH_PARTICLES or particle[0].endswith("-")
                     or re.search(rf"{CAPITALIZED_WORD} $", text[max(0, particle.start() - 40):particle.start()])):
        return True
    # a weekday is no part of a name: "in [Syria] Monday", "On Monday [Russia] vetoed it" (news style);
    # a rank that is an ordinary adjective too is a title only before a person's name ("[Syrian]
    # Private [Holloway]", but "Syria Private Equity")
    after = re.match(rf" ({CAPITALIZED_WORD})", text[end:end + 40])
    title_after = after is not None and title_word(after[1]) and (after[1] not in ADJECTIVE_RANKS
                                                                  or person_after_a_word) \
        and not _institution_after(text, end)
    if after and not title_after and after[1] not in WEEKDAYS and not two_names(name_after):
        return True
    before = re.search(rf"(?:^|(?<=[^\w]))({CAPITALIZED_WORD})(\.?) $", text[max(0, start - 40):start])
    # "Council. Russia": a new sentence; "Syria's Assad": a possessive ends its name (boundary rule 3)
    # before a person or a nationality, but a common noun's is a name's word: "Women's World Cup",
    # "People's Republic of Korea"
    owner = before is not None and label in ("PERSON", "NORP") and _POSSESSIVE.search(before[1]) is not None
    if before and not title_word(before[1]) and not before[2] and not owner and not two_names(name_before):
        first = start - len(before[0])
        if before[1] in WEEKDAYS:  # a date ("On Monday Russia vetoed", "Friday Blinken said"), unless a name's word
            return weekday_in_name(text, first, first + len(before[1]), own)
        if not starts_sentence(text, first):
            return True
        # at a sentence's start a capital says nothing ("When Syria", "In Damascus"), but before a
        # person's name a word that is no function word is a given name: "Lloyd [Austin]" is
        # another person than the registry's Austin Tice, whose partial name it matched
        if person and given_name(before[1], text[end:end + 40]):
            return True
        # a compass word names a region alone or after a function word ("The West objected"); after
        # another capitalized word it ends a longer place's name ("Key West", "Middle East"), even
        # after a word of rank, which stands before a name used as a modifier ("Key US allies"), as
        # a compass word naming a region is not ("Western officials")
        if text[start:end] in _COMPASS_WORDS and before[1] not in FUNCTION_WORDS:
            return True
    return False


def entity_mentions(doc_id: str, text: str, gazetteer: Gazetteer, ner: NerFunction | None = None
                    ) -> tuple[list[EntityMention], dict[str, float]]:
    """Gazetteer mentions, then the NER model's for names it does not cover (entity_id null)."""
    mentions: list[EntityMention] = []
    scores: dict[str, float] = {}

    def add(span: Span, label: str, entity_id: str | None, score: float) -> None:
        mentions.append(EntityMention(f"pe{len(mentions) + 1}", doc_id, span, span.of(text), label, entity_id))
        scores[mentions[-1].id] = score

    for start, end, entity, score in gazetteer.find(text):
        add(Span(start, end), entity.type, entity.id, score)
    for start, end, label in ner(text) if ner is not None else ():
        start, end = _trimmed(text, start, end)
        if start < end and label in ENTITY_LABELS and not any(Span(start, end).overlaps(m.span) for m in mentions):
            add(Span(start, end), label, None, 0.5)
    mentions.sort(key=lambda m: (m.span.start, m.span.end))
    return mentions, scores


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """No determiner (but "The" of a name), possessive or edge punctuation (guidelines: boundary rules
    2 and 3); the period of an abbreviation is the name's own ("U.S.", "D.C."), as the guidelines
    keep a name's punctuation."""
    piece = text[start:end]
    # a capitalized "The" inside a sentence is the name's own ("read The Guardian"); at a sentence's
    # start its capital says nothing ("The State Department said")
    lead = re.match(r"(?:the |The )?" if starts_sentence(text, start) else r"(?:the )?", piece).end()
    tail = re.search(r"(?:['’]s?|[.,;:])?$", piece[lead:]).start()
    if piece.endswith(".") and abbreviation_ends(text, start + lead, end):
        tail = len(piece) - lead
    return start + lead, start + lead + tail


# a registered name after "to" in a SOURCE is where or whom its speakers are sent or speak to, not
# whom they speak for: "the US ambassador to the UN" is an official of the US
_ADDRESSED = re.compile(rf"{WORD_START}to (?:the )?$")
# a medium that carries or publishes a statement is not its author (guidelines: "a ministry statement
# carried by the state news agency" → the ministry): no name after these words speaks
_CARRIED = re.compile(rf"{WORD_START}(?:carried|published) by\b")
# a person's name that is no head of the SOURCE's noun phrase but names whose the speakers are:
# after "of", "for" or "to" ("officials of Biden", "a spokesman for Assad"), before a noun of the
# people or the body who serve or follow a person ("Senior Biden officials", "the Tice family",
# "the Assad regime"; a closed list, since any other word after a speaker's name may be no noun:
# "Blinken last week said", "Blinken reportedly told", "Blinken speaking in Amman", "Blinken
# however"), or possessive, whatever its noun's first word ("Blinken’s spokesman", "Blinken’s
# Jordanian counterpart", "Biden’s White House"): a possessive is never the head of its noun phrase
_PERSON_OWNS = re.compile(rf"{WORD_START}(?:of|for|to) $")
_SERVING = ("officials?", "aides?", "loyalists?", "supporters?", "allies", "ally", "advis[eo]rs?", "spokes(?:man|men|woman|"
            "women|person|people)", "lawyers?", "attorneys?", "envoys?", "family", "administration", "government",
            "regime", "camp", "campaign", "team", "office", "forces")
_PERSON_MODIFIES = re.compile(rf"[’']s\b| (?:{'|'.join(_SERVING)})\b")


# a state's government, officials or forces named by its adjective ("the Syrian government",
# "Syrian military commanders"): the state speaks (guidelines), though the adjective is a NORP
# mention; one or two words between ("Syrian foreign ministry"), never another state's ("Syrian
# and Jordanian officials": several states, no one speaker)
_STATE_BODY = re.compile(r"(?:\s+(?!and\b|or\b)[a-z]+){0,2}?\s+(?:government|officials|forces|troops|army|military"
                         r"|commanders|ministry|ministries|authorities|diplomats)\b")
# the registry holds no field linking a nationality or a capital to its state; its descriptions
# state the link in words ("People or state of Syria; ...", "People of the United States; ...",
# "Capital of Syria; metonymically the Syrian government"), which are read as written: the state
# is the one GPE record of that name or alias, never one derived from the adjective's spelling
_STATE_OF = {"NORP": re.compile(r"People(?: or state)? of (?:the )?(?P<state>[^;]+?)\s*(?:;|$)"),
             "GPE": re.compile(r"Capital of (?:the )?(?P<state>[^;]+?)\s*(?:;|$)")}


def states_of(registry: Mapping[str, RegistryEntity]) -> dict[str, str]:
    """The id of the state each NORP record's people, or each capital, belong to, as the record's
    description states it: "People or state of Syria" (syrians) and "Capital of Syria" (damascus)
    → syria, when exactly one GPE record is named or aliased "Syria"; records without such a state
    are left out ("Arab peoples and states", "Kurdish people", "Capital of Oman" without a record
    of Oman). Made once for a registry (``PreAnnotator``), not per SOURCE: a pass over the registry."""
    gpes: dict[str, list[str]] = {}
    for entity in registry.values():
        if entity.type == "GPE":
            for name in dict.fromkeys((entity.name, *entity.aliases)):
                gpes.setdefault(name, []).append(entity.id)
    states = {}
    for entity in registry.values():
        pattern = _STATE_OF.get(entity.type)
        found = pattern.match(entity.description) if pattern is not None else None
        named = gpes.get(found["state"], []) if found is not None else []
        if len(named) == 1 and named[0] != entity.id:
            states[entity.id] = named[0]
    return states


# "and" or "or" joining two speakers in a SOURCE ("Syria and Jordan", "Blinken and Safadi"), and
# the commas of a list that one of them ends ("Blinken, Safadi and Lavrov")
_JOINING = re.compile(rf"{WORD_START}(?:and|or)(?![\w’'-])|,")


_IN = re.compile(rf"{WORD_START}in (?=(?:the )?[A-Z])")


def _where(inside: list[EntityMention], text: str, span: Span) -> int | None:
    """Where the places after "in" that end a SOURCE start ("US troops in Syria and Iraq", "Syrian
    officials in Damascus and Amman"), when the words before "in" name whom the speakers serve:
    the places are where they are, no more speakers (as "café owners in Damascus" are not
    Damascus's); none when nothing before "in" is named ("Officials in Syria and Jordan": the
    guidelines' officials of several states) or more than places follow it ("Syrian officials in
    Amman and Jordan's foreign minister")."""
    where = _IN.search(text, span.start, span.end)
    if where is None or not any(m.span.end <= where.start() for m in inside):
        return None
    for word in re.finditer(r"[^\s,]+", text[where.end():span.end]):
        at = where.end() + word.start()
        if word[0] not in ("and", "or", "the") and not word[0][:1].isupper() \
                and not any(m.span.start <= at < m.span.end for m in inside):
            return None
    return where.start()


def _several(inside: list[EntityMention], states: Mapping[str, str], text: str, span: Span) -> bool:
    """Whether the SOURCE's conjuncts, joined by "and" or "or" (and a list's commas before it), name
    two or more states, institutions or people ("Syria and Jordan", "Blinken, Safadi and Lavrov"):
    the guidelines give officials of several states together one SOURCE whose speaker is null, as
    no one of them speaks for the rest. A state is one whether named, by its capital or by its
    adjective ("Syria and Syrian officials": one); an adjective whose state has no record counts as
    its own; a conjunct opening with a name the registry does not hold is another speaker, one
    opening with a common noun is not ("the Syrian government and army"). A name's "and" joins
    nothing (text.py's ``and_in_institution_name``), nor do places after "in" (``_where``)."""
    where = _where(inside, text, span)
    if where is not None:
        inside = [m for m in inside if m.span.end <= where]
        span = Span(span.start, where)
    joints = [joint for joint in _JOINING.finditer(text, span.start, span.end)
              if not any(m.span.start <= joint.start() < m.span.end for m in inside)
              and not (joint[0] != "," and and_in_institution_name(text[span.start:joint.start()],
                                                                    text[joint.end():span.end]))]
    if not any(joint[0] != "," for joint in joints):
        return False  # commas without "and" or "or" set off an appositive: one speaker
    bounds = [span.start, *(at for joint in joints for at in joint.span()), span.end]
    conjuncts = []  # each conjunct's states and people: "Syria's Assad" is one speaker
    for start, end in zip(bounds[::2], bounds[1::2]):
        named = {states.get(m.entity_id, m.entity_id) for m in inside if start <= m.span.start and m.span.end <= end
                 and m.label in ("PERSON", "GPE", "NORP", "ORG")}
        words = text[start:end].split()
        head = words[1:2] if words[:1] in (["the"], ["The"]) else words[:1]
        if not named and head and head[0][:1].isupper():
            return True  # a name the registry does not hold: a speaker of its own
        if named:
            conjuncts.append(named)
    return any(a.isdisjoint(b) for a, b in itertools.combinations(conjuncts, 2))


def speaker_of(span: Span, mentions: Iterable[EntityMention], states: Mapping[str, str], text: str) -> str | None:
    """The registry id of who speaks in a SOURCE span (rules and examples: docs/preannotation.md):
    a PERSON mention in it, else an ORG, else a GPE that opens the span (a state speaks through its
    government; a capital for its state, ``states_of``), else a NORP opening it before a state's
    body (``_STATE_BODY``) → its state; other NORP and unlinked mentions name no speaker. Left out:
    names after "to" (``_ADDRESSED``) or after a medium (``_CARRIED``), and a person's name that
    names whose the speakers are (``_PERSON_OWNS``, ``_PERSON_MODIFIES``): the guidelines give an
    institution's officials the institution, but a person's no one. None when the span names
    several speakers (``_several``)."""
    inside = [m for m in mentions if m.entity_id and span.start <= m.span.start and m.span.end <= span.end
              and not _ADDRESSED.search(text, span.start, m.span.start)
              and not _CARRIED.search(text, span.start, m.span.start)
              and not (m.label == "PERSON" and (_PERSON_OWNS.search(text, span.start, m.span.start)
                                               or _PERSON_MODIFIES.match(text, m.span.end, span.end)))]
    if _several(inside, states, text, span):
        return None

    def opens(mention: EntityMention) -> bool:
        return text[span.start:mention.span.start].strip().lower() in ("", "the")

    for label in ("PERSON", "ORG"):
        found = [m for m in inside if m.label == label]
        if found:
            return found[-1].entity_id
    found = [m for m in inside if m.label == "GPE" and opens(m)]
    if found:  # a capital speaks for its state (guidelines: "Lima said" → the state)
        return states.get(found[-1].entity_id, found[-1].entity_id)
    found = [m for m in inside if m.label == "NORP" and opens(m) and _STATE_BODY.match(text, m.span.end, span.end)]
    return states.get(found[0].entity_id) if found else None
