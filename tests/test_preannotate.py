"""The pre-annotator's written rules, its prediction format, its evaluation and the acceptance count."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import operator
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus_tools.annotations.consolidate import load_annotation_set
from corpus_tools.annotations.registry import load_registry
from corpus_tools.cli import cli
from corpus_tools.documents.add import add_files
from corpus_tools.documents.index import load_documents
from corpus_tools.documents.normalize import normalize
from corpus_tools.documents.raw import read_manifest
from corpus_tools.fingerprint import import_closure
from corpus_tools.layout import Layout
from corpus_tools.preannotate import PREDICTING_MODULE
from corpus_tools.preannotate.acceptance import Acceptance, annotation_units
from corpus_tools.preannotate.entities import Gazetteer, entity_mentions, speaker_of
from corpus_tools.preannotate.evaluate import evaluation_dict, evaluation_lines, leave_one_out, score
from corpus_tools.preannotate.ner import load_ner
from corpus_tools.preannotate.quotes import attributions, quotes
from corpus_tools.preannotate.run import PreAnnotator, model_version, prediction
from corpus_tools.preannotate.text import _combining_marks, word_boundaries
from corpus_tools.preannotate.timexes import time_expressions
from corpus_tools.records import (Document, DocumentAnnotations, EntityMention, Evidence, LayerScore, ManifestRecord,
                                  Provenance, Quote, RegistryEntity, Span)
from corpus_tools.timex import check_value

from conftest import SEED_DOC_IDS

REPO = Path(__file__).resolve().parent.parent
ARTICLES = REPO / "tests" / "fixtures" / "articles"
ROUND_1_GOLD = "000001-882325b53d0adc18"  # the stored export of round 1: the gold of the five seed articles
REGISTRY = {e.id: e for e in (
    RegistryEntity("united-states", "United States", "GPE", ("United States", "US")),
    RegistryEntity("us-state-department", "United States Department of State", "ORG",
                   ("State Department", "US State Department")),
    RegistryEntity("syria", "Syria", "GPE", ("Syria",)), RegistryEntity("syrians", "Syrians", "NORP", ("Syrian",)),
    RegistryEntity("austin-tice", "Austin Tice", "PERSON", ("Austin", "Tice")),
    RegistryEntity("united-nations", "United Nations", "ORG", ("UN",)),
    RegistryEntity("russia", "Russia", "GPE"), RegistryEntity("damascus", "Damascus", "GPE"),
    RegistryEntity("bashar-al-assad", "Bashar al-Assad", "PERSON", ("Assad",)),
    RegistryEntity("antony-blinken", "Antony Blinken", "PERSON", ("Blinken",)),
)}
COMMITTED_REGISTRY = load_registry(Layout.at(REPO))  # annotations/entity-registry.jsonl


BLINKEN, ASSAD = ("Blinken", "antony-blinken"), ("Assad", "bashar-al-assad")  # a name with its entity id

# Registered entities a few tests add to REGISTRY, written once.
OTHERS = {e.id: e for e in (
    RegistryEntity("daily-telegraph", "The Daily Telegraph", "ORG", ("Telegraph",)),
    RegistryEntity("grace-holloway", "Grace Holloway", "PERSON", ("Grace Holloway", "Holloway")),
    RegistryEntity("nadia-karim", "Nadia Karim", "PERSON", ("Nadia Karim", "Karim")),
    RegistryEntity("us-congress", "United States Congress", "ORG", ("Congress",)),
    RegistryEntity("iraq", "Iraq", "GPE", ("Iraq",)),
    RegistryEntity("joe-biden", "Joe Biden", "PERSON", ("Biden",)),
    RegistryEntity("pentagon", "US Department of Defense", "ORG", ("Pentagon",)),
    RegistryEntity("state-department", "US Department of State", "ORG", ("State Department",)),
)}


def plus(*entities: str | RegistryEntity, base: dict[str, RegistryEntity] = REGISTRY) -> dict[str, RegistryEntity]:
    """``base`` and more entities after it (one of the same id in its place): those of OTHERS or REGISTRY an id
    names, and any written out."""
    added = ((OTHERS | REGISTRY)[entity] if isinstance(entity, str) else entity for entity in entities)
    return base | {entity.id: entity for entity in added}


def record(date: str | None) -> ManifestRecord:
    precision = {4: "year", 7: "month", 10: "day"}[len(date)] if date else None
    evidence = Evidence("inferred", reasoning="test") if date else Evidence("none")
    return ManifestRecord("t", "t.txt", "0" * 64, 1, "utf-8", None, None, Evidence("none"), date, precision, evidence)


def timexes(text: str, date: str | None) -> list[tuple[str, str, str, str | None]]:
    found, _ = time_expressions("t", text, record(date))
    return [(t.text, t.label, t.value, t.mod) for t in found]


def preannotated(registry, text: str):
    """The pre-annotation of ``text`` as a document published 2024-03-14."""
    return PreAnnotator(registry)(Document("t", None, text, record("2024-03-14"), None, (), "1", "0" * 64))


def row(name: str, *values):
    """A row of a table of examples, ``name`` saying what it checks."""
    return pytest.param(*values, id=name)


# What a name in ``fields`` (see values) gives of a quote; any other name is a path of attributes ("span.start").
QUOTE_VALUES = {"quote": lambda q: q.text, "type": lambda q: q.quote_type, "source": lambda q: q.source.text,
                "speaker": lambda q: q.source.speaker_id, "cue": lambda q: q.cue.text}


def values(found, fields, scores=None) -> list:
    """Each item of ``found`` as the values ``fields`` names: a name gives its value, a tuple of names a tuple;
    "score", "source.score" and "cue.score" give the score of the item, of its SOURCE or of its CUE."""
    def value(item, names):
        if not isinstance(names, str):
            return tuple(value(item, name) for name in names)
        if names.endswith("score"):
            return scores[operator.attrgetter(names.replace("score", "id"))(item)]
        return QUOTE_VALUES[names](item) if names in QUOTE_VALUES else operator.attrgetter(names)(item)
    return [value(item, fields) for item in found]


# --- entities ------------------------------------------------------------------------------------

def mention_row(name: str, text: str, expected: list, registry=REGISTRY, fields=("text", "entity_id")):
    """A row of MENTIONS: the gazetteer of ``registry`` finds in ``text`` the mentions ``expected``, as ``fields``."""
    return pytest.param(registry, fields, text, expected, id=name)


# Each row: a text and the gazetteer's mentions in it, as (text, entity id) unless the row names other fields.
MENTIONS = [
    mention_row("gazetteer_leaves_names_inside_longer_names_but_not_after_titles_or_sentence_starts",
        "Defense Secretary Lloyd Austin met the Syrian Democratic Forces and the UN Security Council. "
        "Russia objected. In Damascus, Syrian President Bashar al-Assad and Secretary Blinken spoke.",
        [("Russia", "russia"), ("Damascus", "damascus"), ("Syrian", "syrians"),
         ("Bashar al-Assad", "bashar-al-assad"), BLINKEN]),
    # Found in review: "Lloyd Austin met ..." opening a sentence linked "Austin" to the
    # registry's Austin Tice, since a capitalized first word was read as a sentence's capital
    # ("When Syria"). Before a person's name only a function word opens a sentence; another
    # capitalized word is a given name, of a person the registry does not hold.
    mention_row("a_given_name_opening_a_sentence_makes_a_person_s_partial_name_another_person",
        "Lloyd Austin met Blinken. Ryan Tice agreed. When Tice vanished, Syria denied it. "
        "After Blinken spoke, Austin left. Antony Blinken agreed. Then Assad objected.",
        [BLINKEN, ("Tice", "austin-tice"), ("Syria", "syria"), BLINKEN,
         ("Austin", "austin-tice"), ("Antony Blinken", "antony-blinken"), ASSAD]),
    # A known miss: "Top Assad aides met" and "Said Blinken: …" lost the person, "Top" and
    # "Said" taken for given names (only function words were known to open a sentence before a
    # name). Adjectives of rank or closeness, and the quotes' reporting verbs (an inverted
    # attribution), are none; a given name still makes another person ("Lloyd Austin").
    mention_row("a_rank_or_a_reporting_verb_opening_a_sentence_is_no_given_name",
        "Top Assad aides met. Said Blinken: “We will stay.” Senior Blinken aides agreed. "
        "Added Assad: “Never.” Lloyd Austin left.",
        [ASSAD, BLINKEN, BLINKEN, ASSAD]),
    # Found in review of the given-name rule: "Then-Secretary Blinken said" and "Ex-President
    # Assad said" opening a sentence lost the person (a given name "Then-Secretary"), as "Syrian
    # Vice-President Assad" did inside one (a longer name); so did "Former Assad aides". A title
    # after a prefix and its hyphen is a title, and "Former" stands before titles and names.
    mention_row("a_hyphenated_title_or_former_before_a_name_is_no_given_name",
        "Then-Secretary Blinken said so. Ex-President Assad agreed. Syrian Vice-President Assad "
        "left. Former Assad aides fled. Lloyd Austin stayed.",
        [BLINKEN, ASSAD, ("Syrian", "syrians"), ASSAD, ASSAD]),
    # Found in review of the given-name rule: "Syria's Assad said ..." opening a sentence lost
    # "Assad", taken for the surname after a given name "Syria's"; inside a sentence, "with Syria’s
    # Assad" lost it as part of a longer name. A possessive ends a name (boundary rule 3).
    mention_row("a_possessive_before_a_person_s_name_is_no_given_name",
        "Syria's Assad said no. Ties with Syria’s Assad were cut. The Syrians’ Blinken quip stuck.",
        [("Syria", "syria"), ASSAD, ("Syria", "syria"), ASSAD, ("Syrians", "syrians"), BLINKEN]),
    # Found by a hunt: "in Syria Monday" (news style for "on Monday") lost "Syria" as part of a
    # longer name "Syria Monday", and "On Monday Russia vetoed" lost "Russia".
    mention_row("a_weekday_beside_a_name_is_no_part_of_it",
        "Talks in Syria Monday ended. On Monday Russia vetoed it. Blinken Tuesday said so.",
        [("Syria", "syria"), ("Russia", "russia"), BLINKEN]),
    # Found by a hunt: with "Assad" registered and not "al-Assad", "Hafez al-Assad" gave "Assad"
    # linked to Bashar al-Assad, and "al-Assad" the span "Assad" (the guidelines keep the particle:
    # "[al-Rashid]", "[van Dijk]"); a prefix is no particle ("pro-[Assad]").
    mention_row("a_name_after_a_particle_is_part_of_a_longer_name",
        "Hafez al-Assad ruled. Forces of al-Assad and Al-Assad, pro-Assad groups, "
        "Bashar al-Assad.",
        [ASSAD, ("Bashar al-Assad", "bashar-al-assad")]),
    # Found in review: "van" and "bin" are English nouns too, and the particle rule dropped
    # "Syria" from "a van Syria had donated" and "the bin Blinken used"; after a name ("Hafez van
    # Assad", "Osama bin Assad") or with a hyphen they still make the name part of a longer one.
    mention_row("van_and_bin_are_particles_only_after_a_name",
        "He drove a van Syria had donated to the bin Blinken used. Hafez van Assad, "
        "Osama bin Assad and bin-Assad stayed.",
        [("Syria", "syria"), BLINKEN]),
    mention_row("gazetteer_case_boundaries_and_longest_match",
        "The US State Department told us. US-led talks in Syria's capital.",
        [("US State Department", "us-state-department"), ("US", "united-states"), ("Syria", "syria")]),
    mention_row("gazetteer_case_sensitive_whole_words", "usual suspects; USB sticks; syrians", []),
    # Untested until a mutation of the ambiguous score, or of who owns a shared form, failed no test:
    # a form of several entities goes to the one it names, else to the first by id, at 0.5.
    mention_row("a_form_shared_by_several_entities_goes_to_the_one_it_names_with_a_lowered_score",
        "Georgia and GA voted. The US State of Georgia agreed. Syria too.",
        [("Georgia", "georgia", 0.5), ("GA", "a-georgia-state", 0.5), ("US State of Georgia", "a-georgia-state", 0.9),
         ("Syria", "syria", 0.8)],
        plus(RegistryEntity("b-ga", "Gambia", "GPE", ("GA",)),
             RegistryEntity("a-georgia-state", "US State of Georgia", "GPE", ("Georgia", "GA")),
             RegistryEntity("georgia", "Georgia", "GPE")),
        ("text", "entity_id", "score")),
    # Found by a hunt: "Syria" + U+0331 (q + U+0331 has no precomposed form either) was entity 'Syria'.
    mention_row("a_gazetteer_match_never_ends_or_starts_inside_a_letter", "Syria\u0331 and \u0301Syria, not Syria.",
        [(23, 28, "syria")], fields=("span.start", "span.end", "entity_id")),
    # A known miss: "In Damascus Assad objected" dropped both names, each taken for a word of a
    # longer name the registry does not hold. A person's registered name beside a registered name
    # that is no person's: two names; two persons' names side by side remain one person's.
    mention_row("a_person_s_name_beside_another_kind_of_registered_name_makes_two_names",
        "In Damascus Assad objected. Hafez Assad ruled. Syrian Democratic Forces left. "
        "Talks with Russia Blinken held failed.",
        [("Damascus", "damascus"), ASSAD, ("Russia", "russia"), BLINKEN],
        plus(RegistryEntity("hafez-al-assad", "Hafez al-Assad", "PERSON", ("Hafez",)))),
    # Found in review: "the Austin American-Statesman" gave Austin Tice and the NORP "American":
    # a person's name beside another kind of registered name was two names ("In Damascus Assad
    # objected"), though "American" is only a part of "American-Statesman", a word the registry does
    # not hold. Two registered names joined by a hyphen stay two ("Syrian-American").
    mention_row("a_registered_name_beginning_a_longer_hyphenated_name_is_no_second_name",
        "He wrote for the Austin American-Statesman. The Austin American-Statesman said so. "
        "Syrian-American groups met Austin. In Damascus Assad objected.",
        [("Syrian", "NORP", "syrians", 83), ("American", "NORP", "americans", 90),
         ("Austin", "PERSON", "austin-tice", 110), ("Damascus", "GPE", "damascus", 121),
         ("Assad", "PERSON", "bashar-al-assad", 130)],
        plus(RegistryEntity("americans", "Americans", "NORP", ("American",))),
        ("text", "label", "entity_id", "span.start")),
    # A registered name before a hyphen and another registered name is all of its word, as the hyphen
    # joins two names ("Syrian-American"), so the name one space before it is beside a registered name
    # (a mutation reading the next name one code point early passed every other row).
    mention_row("a_registered_name_before_a_hyphen_and_another_registered_name_is_a_whole_word",
        "In Damascus Assad-Blinken talks began.",
        [("Damascus", "damascus"), ASSAD, BLINKEN]),
    # Found in review: "Key West" opening a sentence (or alone on a line) gave the LOC "West", the
    # Western world: a capital opening a sentence said nothing before a name that is no person's
    # ("In Damascus"), and "Key" is a word of rank ("Key US allies"). A compass word names a region
    # alone or after a function word ("The West"); after another word it ends a longer place's name.
    mention_row("a_compass_word_naming_a_region_after_a_sentence_s_first_word_is_a_longer_name_s_word",
        "Key West\nKey West officials said the storm passed. Key West’s mayor agreed. Officials in Key "
        "West left.\nThe West objected. Unlike the West, Russia stayed. Key US allies met. "
        "Top Assad aides met.",
        [("West", "LOC", "the-west", 108), ("West", "LOC", "the-west", 134), ("Russia", "GPE", "russia", 140),
         ("US", "GPE", "united-states", 159), ("Assad", "PERSON", "bashar-al-assad", 178)],
        plus(RegistryEntity("the-west", "Western world", "LOC", ("West",))),
        ("text", "label", "entity_id", "span.start")),
    # Found by a hunt: the two-names rule made "Georgia Moreno said the vote was rigged" the
    # country Georgia and the registry's Rachel Moreno, and "Jordan Karim told" the kingdom and
    # Nadia Karim. A place's name may be a given name; opening a sentence before a person's name it
    # is one, as the given-name rule has it for any other word there. Elsewhere the two names stay
    # ("In Damascus Assad objected").
    mention_row("a_place_s_name_opening_a_sentence_before_a_person_s_name_is_a_given_name",
        "Georgia Karim said the vote was rigged. Jordan Karim told us. "
        "In Damascus Assad objected. Syria Blinken said less.",
        [("Damascus", "damascus"), ASSAD],
        plus(RegistryEntity("georgia", "Georgia", "GPE"), RegistryEntity("jordan", "Jordan", "GPE"),
             "nadia-karim")),
    # Found by a hunt: "Said Karim, a Syrian activist, fled" linked "Karim" to the registry's Nadia
    # Karim, and "Said Darwish, a commander" "Darwish" to Ilham Darwish: "Said" (an Arabic given name)
    # was taken for the verb of an inverted attribution, whose name a colon, or a comma and a
    # quotation, follows ("Said Blinken: …", "Added Assad, “…”").
    mention_row("a_reporting_verb_opening_a_sentence_is_a_given_name_unless_an_inverted_attribution_follows",
        "Said Karim, a Syrian activist, fled. Said Karim told us. Said Karim: “We fled.” Added Assad, "
        "“Never.” Said Blinken, the envoy, left. Said Karim’s brother, a farmer, fled. Said Blinken’s "
        "spokesman: “We will stay.”",
        [("Syrian", "syrians"), ("Karim", "nadia-karim"), ASSAD, BLINKEN],
        plus("nadia-karim")),
    # Found in review of the given-name rule: its list of function words lacked prepositions
    # news opens sentences with, so "Amid Assad’s crackdown" and "Following Blinken’s visit" lost
    # the person, taken for a surname after a given name "Amid" or "Following"; and quantifiers
    # and numbers ("Two Assad aides").
    mention_row("a_preposition_opening_a_sentence_is_no_given_name",
        "Amid Assad’s crackdown, many fled. Following Blinken’s visit, talks resumed. "
        "Toward Tice, officials softened. Lloyd Austin left.",
        [ASSAD, BLINKEN, ("Tice", "austin-tice")]),
    mention_row("a_quantifier_or_number_opening_a_sentence_is_no_given_name",
        "Two Assad aides said so. Several Blinken advisers left. Another Tice relative spoke.",
        [ASSAD, BLINKEN, ("Tice", "austin-tice")]),
    # Found in review of the possessive rule: a possessive ended every name, so "the Women's
    # World Cup" gave the registered (men's) "World Cup" and "the Democratic People's Republic of
    # Korea" the registered "Republic of Korea" (the South). Only before a person or a nationality
    # is a possessive another name's ("Syria's Assad", "Washington’s Arab allies").
    mention_row("a_common_noun_s_possessive_is_a_word_of_a_name",
        "Fans watched the Women's World Cup. The Democratic People's Republic of Korea fired. "
        "Washington’s Arab allies met Syria’s Assad.",
        [("Arab", "arabs"), ("Syria", "syria"), ASSAD],
        plus(RegistryEntity("fifa-world-cup", "FIFA World Cup", "EVENT", ("World Cup",)),
             RegistryEntity("south-korea", "South Korea", "GPE", ("Republic of Korea",)),
             RegistryEntity("arabs", "Arabs", "NORP", ("Arab",)))),
    # Found in review: with the weekday rule, "the Sunday Telegraph" gave "Telegraph", the daily
    # paper, as a mention of its own; a weekday after "the" is a name's word, not a date.
    mention_row("a_weekday_after_the_is_part_of_a_name",
        "The Sunday Telegraph said so. On Sunday Telegraph reporters and "
        "the Telegraph Monday said Syria Sunday voted.",
        [("Telegraph", "daily-telegraph"), ("Telegraph", "daily-telegraph"), ("Syria", "syria")],
        plus("daily-telegraph")),
    # Found in review: a bare "Sunday Telegraph" opening a sentence was split into the DATE
    # "Sunday" and "Telegraph" linked to the daily paper, and "the Sunday Telegraph" still gave the
    # DATE. A weekday before a capitalized word after "the" or at a sentence's start is a name's
    # word (one rule, text.weekday_in_name); after "On" it is a date (TIMEXES has the same text).
    mention_row("a_weekday_opening_a_sentence_before_a_name_is_the_name_s_word_in_both_layers",
        "Sunday Telegraph reporters said so. Talks ended. Sunday Telegraph staff agreed. "
        "The Sunday Telegraph said so. On Sunday Telegraph reporters left.",
        [("Telegraph", 120)], plus("daily-telegraph"), ("text", "span.start")),
    # the mention layer of the row of RULE_QUOTES of the same name
    mention_row("a_phrase_of_the_verb_after_an_inverted_attribution_s_name_keeps_the_name",
        "Said Assad to Blinken: “Never.”\n\nSaid Blinken in a statement: “We stay.”",
        [ASSAD, BLINKEN, BLINKEN]),
    # the mention layer of the row of RULE_QUOTES of the same name
    mention_row("an_aside_after_an_inverted_attribution_s_name_is_no_part_of_the_source",
        "Said Blinken, who met Safadi in Amman: “We will stay.”\n\n"
        "Said Assad, the Syrian president, “Never.”\n\nSaid Karim, a Syrian activist, fled.",
        [BLINKEN, ASSAD, ("Syrian", "syrians"), ("Syrian", "syrians")]),
    # "General" is a title, so "the UN General Assembly" gave ORG "UN" and "the Russian Foreign
    # Ministry" NORP "Russian" (round 1's gold has neither: guidelines rules 11 and 13, the ministry
    # is one ORG span). Before a person's name the words stay a title.
    mention_row("title_words_ending_in_an_institutions_head_are_a_longer_name",
        "The UN General Assembly voted. The Russian Foreign Ministry said so. The US Defense Department "
        "agreed. Jordan Foreign Minister Ayman Safadi said it. US General Mark Milley said so. "
        "The UN Security Council met.",
        [("Jordan", "GPE", "jordan"), ("Ayman Safadi", "PERSON", "ayman-safadi"), ("US", "GPE", "united-states")],
        COMMITTED_REGISTRY, ("text", "label", "entity_id")),
    # A name written decomposed (e + U+0306), with a no-break space, or with a trailing space was
    # matched as written, so never in a normalized text (NFC, spaces cleaned), or with the space; the
    # entity's own name decides its score and owner whatever form it was written in.
    mention_row("the_gazetteer_matches_registry_forms_as_normalization_leaves_them_in_the_text",
        "Recep Tayyip Erdo\u011fan met Bashar al-Assad; Erdo\u011fan spoke first, then Assad .",
        [("Recep Tayyip Erdo\u011fan", "erdogan", 0, 0.9), ("Bashar al-Assad", "bashar-al-assad", 25, 0.9),
         ("Erdo\u011fan", "erdogan", 42, 0.8), ("Assad", "bashar-al-assad", 68, 0.8)],
        plus(RegistryEntity("erdogan", "Recep Tayyip Erdog\u0306an", "PERSON", ("Erdog\u0306an",)),
             RegistryEntity("bashar-al-assad", "Bashar\u00a0al-Assad", "PERSON", ("Assad ",)), base={}),
        ("text", "entity_id", "span.start", "score")),
]


@pytest.mark.parametrize(("registry", "fields", "text", "expected"), MENTIONS)
def test_the_gazetteer_finds(registry, fields, text, expected):
    found, scores = entity_mentions("t", text, Gazetteer(registry.values()))
    assert values(found, fields, scores) == expected
def test_the_combining_marks_are_read_when_first_needed_not_on_import():
    # lint and the pre-annotator import text.py; scanning every code point takes some 65 ms
    script = ("import corpus_tools.annotations.lint, corpus_tools.preannotate.run\n"
              "from corpus_tools.preannotate import text\n"
              "assert text._combining_marks.cache_info().currsize == 0\n"
              "assert text.word_boundaries() == text.word_boundaries()\n"
              "assert text._combining_marks.cache_info() == (1, 1, None, 1)  # hits, misses, maxsize, currsize\n")
    subprocess.run([sys.executable, "-c", script], check=True)


def test_the_combining_marks_are_unicodes_category_m():
    marks = _combining_marks()
    assert marks.startswith("\\U00000300-\\U0000036f")  # the block of combining diacritical marks, whole
    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    assert set(re.findall(f"[{marks}]", everything)) == {
        char for char in everything if unicodedata.category(char).startswith("M")}
    before, after = word_boundaries()
    assert [match.start() for match in re.finditer(f"{before}q{after}", "q\u0331 \u0301q q")] == [6]



# Each row: the registry, a text and what the whole pre-annotator finds in it (a document published
# 2024-03-14): for each layer named, the values compared (see values) and those of each item found.
PREANNOTATED = [
    # Found in review: "Senior Airman Grace Holloway said" lost the person, "Airman" taken for a
    # word of a longer name, and its SOURCE had no speaker; so did "Petty Officer", "Cpl.", "Pvt.",
    # "Spc.", "Adm." and "Cmdr." (and "Pvt." ended a sentence, which cut the rank from the SOURCE).
    row("a_military_rank_before_a_name_is_a_title", plus("grace-holloway"),
        "Senior Airman Grace Holloway said the base was hit. Pvt. Grace Holloway said it held on. Petty Officer "
        "Holloway, Cpl. Holloway, Corporal Holloway, Private Holloway, Spc. Holloway, Specialist Holloway, "
        "Adm. Holloway, Cmdr. Holloway and Sgt. Holloway met.",
        {"entities": (("text", "span.start", "entity_id"), [
            (name, start, "grace-holloway") for name, start in (
                ("Grace Holloway", 14), ("Grace Holloway", 57), ("Holloway", 103), ("Holloway", 118),
                ("Holloway", 137), ("Holloway", 155), ("Holloway", 170), ("Holloway", 191), ("Holloway", 206),
                ("Holloway", 222), ("Holloway", 240))]),
         "quotes": (("quote", "source", "speaker", "cue"), [
             ("the base was hit", "Senior Airman Grace Holloway", "grace-holloway", "said"),
             ("it held on", "Pvt. Grace Holloway", "grace-holloway", "said")])}),
    # Found in review of the military ranks: since "Private" and "Specialist" are title words,
    # "Syria Private Equity said" gave "Syria" (and the speaker syria), and "Syria Specialist
    # Hospital" "Syria", the word after the place read as a title, not as a longer name's word.
    # These ranks are ordinary adjectives too: after a name they are a title only before a
    # registered person's name ("[Syrian] Private [Holloway]"); before one, alone, still a title.
    row("a_rank_that_is_an_ordinary_adjective_is_a_title_after_a_name_only_before_a_person_s_name",
        plus("grace-holloway"),
        "Syria Private Equity said the fund closed. Staff of the Syria Specialist Hospital left. "
        "Syrian Private Holloway died. Syrian Specialist Grace Holloway agreed. Private Holloway left.",
        {"entities": (("text", "span.start", "entity_id"), [
            ("Syrian", 88, "syrians"), ("Holloway", 103, "grace-holloway"), ("Syrian", 118, "syrians"),
            ("Grace Holloway", 136, "grace-holloway"), ("Holloway", 167, "grace-holloway")]),
         "quotes": (("source", "speaker"), [("Syria Private Equity", None)])}),
    # Found by a hunt: the rule for "the Good Friday Agreement" (a weekday after "the" and a
    # name's first word is a name's word) took news' "told the Senate Tuesday Congress must act" and
    # "told the AP Monday Iranian drones were used" for names: no date, and "Congress" dropped as
    # a word of "Senate Tuesday Congress". Only a holiday's word makes the weekday after it a name's
    # ("Good Friday", "Bloody Sunday"); after a name of its own the weekday is a date.
    row("a_weekday_after_the_and_a_name_of_its_own_is_a_date", plus("us-congress"),
        "Blinken told the Senate Tuesday Congress must act. Officials told the AP Monday Iranian drones "
        "were used. He cited the Good Friday Agreement and the Bloody Sunday Inquiry.",
        {"entities": (("text", "entity_id"), [BLINKEN, ("Congress", "us-congress")]),
         "timexes": (("text", "label", "value", "mod", "span.start"), [
             ("Tuesday", "DATE", "2024-03-12", None, 24), ("Monday", "DATE", "2024-03-11", None, 73)])}),
    # A known miss: "Friday Blinken said" and "Monday Syria said" lost both the date and the
    # name, the weekday read as a paper's word ("Sunday Telegraph"). Before a registered name that
    # is no organization's (a paper is one) it is a date, in both layers: the pre-annotator gives
    # the time rules the names it found.
    row("a_weekday_opening_a_sentence_before_a_registered_name_is_a_date_and_the_name_kept", plus("daily-telegraph"),
        "Friday Blinken said so. Monday Syria said no. Sunday Telegraph reporters agreed.",
        {"entities": (("text", "entity_id"), [BLINKEN, ("Syria", "syria")]),
         "timexes": (("text", "label", "value", "mod"), [
             ("Friday", "DATE", "2024-03-08", None), ("Monday", "DATE", "2024-03-11", None)])}),
    # A known miss: "Monday Hezbollah said" lost both the date and the name, and "Monday UN
    # officials said" too, as every organization's name after such a weekday was read as a paper's
    # ("Sunday Telegraph"). The rule of "Friday Blinken said" applies to an organization's name of
    # its own; only the last words of a longer organization's name ("Telegraph" of The Daily
    # Telegraph, "Times" of The Times) may be a paper's edition's, so the weekday stays its word.
    row("a_weekday_opening_a_sentence_before_an_organization_s_name_of_its_own_is_a_date",
        plus(RegistryEntity("hezbollah", "Hezbollah", "ORG", ("Hezbollah",)), "daily-telegraph",
             RegistryEntity("the-times", "The Times", "ORG", ("Times",))),
        "Monday Hezbollah said it would retaliate.\n\nMonday UN officials said the vote failed.\n\n"
        "Sunday Times reporters said the talks failed.\n\nSunday Telegraph reporters agreed.",
        {"entities": (("text", "span.start", "entity_id"), [("Hezbollah", 7, "hezbollah"),
                                                             ("UN", 50, "united-nations")]),
         "timexes": (("text", "span.start", "value"), [("Monday", 0, "2024-03-11"), ("Monday", 43, "2024-03-11")]),
         "quotes": (("source", "source.span.start", "speaker"), [
             ("Hezbollah", 7, "hezbollah"), ("UN officials", 50, "united-nations"),
             ("Sunday Times reporters", 86, None)])}),
    # A known miss: "Monday Congress voted" had no DATE and no ORG, as "Congress", the last word of
    # "United States Congress", was read as a paper's edition's ("Sunday Telegraph" of "The Daily
    # Telegraph"). Only a longer name opening with "The", as papers' names do, lends its last words to
    # an edition.
    row("a_weekday_opening_a_sentence_before_an_institution_s_last_words_is_a_date",
        plus("us-congress", "daily-telegraph"),
        "Monday Congress voted to end the war.\n\nTuesday Congress said the war was over.\n\n"
        "Sunday Telegraph reporters agreed.",
        {"entities": (("text", "span.start", "entity_id"), [("Congress", 7, "us-congress"),
                                                             ("Congress", 47, "us-congress")]),
         "timexes": (("text", "span.start", "value"), [("Monday", 0, "2024-03-11"), ("Tuesday", 39, "2024-03-12")]),
         "quotes": (("source", "speaker"), [("Congress", "us-congress")])}),
    # The registry spells the ministry "Syrian foreign ministry" (its alias); the guidelines mark
    # it "lowercase or not" (rule 13), but "the Syrian Foreign Ministry said" gave no entity (the
    # gazetteer is case-sensitive) and so no speaker. Function words stay as registered.
    row("an_institutions_registered_form_matches_capitalized_too", COMMITTED_REGISTRY,
        "The Syrian Foreign Ministry said the strikes were illegal. The Syrian foreign ministry agreed. "
        "Analysts at the Center for Levant Policy agreed.",
        {"entities": (("text", "label", "entity_id"), [
            ("Syrian Foreign Ministry", "ORG", "syrian-foreign-ministry"),
            ("Syrian foreign ministry", "ORG", "syrian-foreign-ministry"),
            ("Center for Levant Policy", "ORG", "center-for-levant-policy")]),
         "quotes": (("source", "speaker"), [("The Syrian Foreign Ministry", "syrian-foreign-ministry")])}),
]


@pytest.mark.parametrize(("registry", "text", "expected"), PREANNOTATED)
def test_the_pre_annotator_gives(registry, text, expected):
    annotations = preannotated(registry, text).annotations
    assert {layer: values(getattr(annotations, layer), fields) for layer, (fields, _) in expected.items()} == {
        layer: found for layer, (_, found) in expected.items()}


def test_ner_model_adds_unknown_names_without_overlap_and_is_skipped_cleanly_when_absent():
    def fake_ner(text):  # what a model returns: one known name, one new one with its determiner
        return [(text.index("Syria"), text.index("Syria") + 5, "GPE"), (0, text.index(" said"), "ORG"),
                (text.index("Idlib"), text.index("Idlib") + 5, "GPE"), (0, 3, "DATE")]

    found, scores = entity_mentions("t", "The Aleppo Relief Network said Syria and Idlib", Gazetteer(REGISTRY.values()),
                                    fake_ner)
    assert [(m.text, m.label, m.entity_id, scores[m.id]) for m in found] == [
        ("Aleppo Relief Network", "ORG", None, 0.5), ("Syria", "GPE", "syria", 0.8), ("Idlib", "GPE", None, 0.5)]
    absent = load_ner("no_such_spacy_model")
    assert absent.find is None and absent.note.startswith("NER model: skipped (") and "gazetteer only" in absent.note
    assert load_ner(None).note == "NER model: not asked for; gazetteer only"



# Each row: the gazetteer's entities, a text, the names a model returns in it (determiners and punctuation
# included) with the label given them all, and the mentions found, as (text, entity id).
NER_NAMES = [
    # Found by a hunt: a model's "U.S." became "U.S" and "D.C." "D.C" (the trailing period was cut
    # as edge punctuation); the guidelines keep a name's punctuation. A possessive still goes.
    row("a_ner_name_keeps_the_period_of_its_abbreviation", (),
        "The U.S. and Washington, D.C. and the U.K.'s envoy met.",
        ("U.S.", "D.C.", "U.K.'s"), "GPE", [("U.S.", None), ("D.C.", None), ("U.K.", None)]),
    # Found by a hunt: a model's "The Guardian" in "told The Guardian" became "Guardian"; the
    # guidelines keep a capitalized "The" that is part of a name, and at a sentence's start the
    # capital says nothing ("The State Department said": the determiner goes, as "the" does).
    row("a_ner_name_keeps_a_capitalized_the_inside_a_sentence", (),
        "Blinken told The Guardian so. The State Department said the UN Security Council agreed.",
        ("The Guardian", "The State Department", "the UN Security Council"), "ORG",
        [("The Guardian", None), ("State Department", None), ("UN Security Council", None)]),
    # Found in review: a capitalized word after a bullet or symbol was read as inside a sentence,
    # so a model's "The Pentagon" in "• The Pentagon said" kept its determiner (961e150 keeps "The"
    # only inside a sentence), and "• In Damascus" lost Damascus as part of a name "In Damascus".
    row("a_list_item_after_a_bullet_or_symbol_starts_as_a_sentence_does", REGISTRY.values(),
        "• The Pentagon said so.\n🔴 The Aleppo Relief Network agreed.\n• In Damascus, Syria said no.",
        ("The Pentagon", "The Aleppo Relief Network"), "ORG",
        [("Pentagon", None), ("Aleppo Relief Network", None), ("Damascus", "damascus"), ("Syria", "syria")]),
]


@pytest.mark.parametrize(("entities", "text", "names", "label", "expected"), NER_NAMES)
def test_a_model_s_name(entities, text, names, label, expected):
    def ner(text):
        return [(text.index(name), text.index(name) + len(name), label) for name in names]

    found, _ = entity_mentions("t", text, Gazetteer(entities), ner)
    assert [(m.text, m.entity_id) for m in found] == expected

# --- time ----------------------------------------------------------------------------------------

TIMEX_ROW = ("text", "label", "value", "mod")


def timex_row(name: str, text: str, date: str | None, expected: list, fields=TIMEX_ROW):
    """A row of TIMEXES: the time rules find in ``text`` published on ``date`` the expressions ``expected``."""
    return pytest.param(fields, text, date, expected, id=name)


# Each row: a text, the publication date it is read against and its time expressions, as (text,
# label, value, mod) unless the row names other fields.
TIMEXES = [
    # Found in review of the weekday-in-name rule: "Tuesday President Biden said ..." lost its
    # DATE, the weekday taken for a paper's word as in "Sunday Telegraph"; a title opens a person's
    # name, which no weekday is part of.
    timex_row("a_weekday_opening_a_sentence_before_a_title_is_a_date",
        "Tuesday President Biden said so. Friday Gen. Tom Ruiz left. Sunday Telegraph reporters said so.",
        "2024-03-14",
        [("Tuesday", "DATE", "2024-03-12", None), ("Friday", "DATE", "2024-03-08", None)]),
    timex_row("timex_rules_resolved_against_a_day_anchor",
        "On Wednesday, more than a decade ago and in November 2011, the talks failed. Two days later, "
        "officials met last week, late on Thursday, and meet every six months and twice a year for "
        "about 10 years. The vote is due in July. In February it met. The US may act.",
        "2021-09-30",
        [("Wednesday", "DATE", "2021-09-29", None), ("more than a decade ago", "DATE", "2011", "BEFORE"),
         ("November 2011", "DATE", "2011-11", None), ("Two days later", "DATE", "2021-10-01", None),
         ("last week", "DATE", "2021-W38", None), ("late on Thursday", "DATE", "2021-09-30", "END"),
         ("every six months", "SET", "P6M", None), ("twice a year", "SET", "P1Y", None),
         ("about 10 years", "DURATION", "P10Y", "APPROX"), ("July", "DATE", "2022-07", None),
         ("February", "DATE", "2021-02", None)]),
    # The guidelines: a rate after an amount ("$5 million a year") is a SET P1Y; "a year" after
    # an amount was the DURATION P1Y. Without an amount, or after a year, it stays a DURATION.
    timex_row("a_period_after_an_amount_is_a_set_not_a_duration",
        "The plan costs 40 million dollars a year and pays $7,500 a month. Fuel of 1,500 barrels a day "
        "arrived. He spent a year in Idlib. In 2019 a year after the siege, aid was cut.",
        "2021-09-30",
        [("a year", "SET", "P1Y", None), ("a month", "SET", "P1M", None), ("a day", "SET", "P1D", None),
         ("a year", "DURATION", "P1Y", None), ("2019", "DATE", "2019", None), ("a year", "DURATION", "P1Y", None)]),
    # "Last June" opening a sentence was read as "June" alone (the relation was lowercase only).
    timex_row("a_month_after_a_capitalized_relation_keeps_it", "Last June he visited. Early May they met.",
        "2019-03-14",
        [("Last June", "DATE", "2018-06", None), ("Early May", "DATE", "2018-05", "START")]),
    # Found by a hunt: "Aug. 21, 2013" was a DATE '2013' only, "Dec. 25" and ISO dates nothing.
    timex_row("abbreviated_months_ordinal_days_and_iso_dates_are_one_span_each",
        "On Aug. 21, 2013, March 4th, 2014 and 2012-07-18, in Sept. 2015, on Dec. 25 and June 5th, "
        "not on 2013-02-30.",
        "2016-01-10",
        [("Aug. 21, 2013", "DATE", "2013-08-21", None), ("March 4th, 2014", "DATE", "2014-03-04", None),
         ("2012-07-18", "DATE", "2012-07-18", None), ("Sept. 2015", "DATE", "2015-09", None),
         ("Dec. 25", "DATE", "2015-12-25", None), ("June 5th", "DATE", "2015-06-05", None)]),
    # Found by a hunt: "Late last year" was 'last year' with no mod and "the late 1990s" '1990s'
    # (the guidelines: modifiers stay, "late" -> END), while "late 2023" had its END.
    timex_row("early_and_late_before_a_relative_year_or_a_decade_are_in_the_span_with_their_mod",
        "Late last year, early next month and in the late 1990s and mid-1990s.", "2024-03-14",
        [("Late last year", "DATE", "2023", "END"), ("early next month", "DATE", "2024-04", "START"),
         ("the late 1990s", "DATE", "199", "END"), ("mid-1990s", "DATE", "199", "MID")]),
    # Found in review of the range rule: "from May to mid-July 2020" and "from early May to late
    # July 2020" gave "May" 2023-05 in a 2024 article, the end's "mid-" or "late" hiding its year.
    timex_row("the_start_of_a_range_takes_the_year_of_an_end_with_a_part_of_its_month",
        "The curfew ran from May to mid-July 2020, and from late November to early February 2022.",
        "2024-03-12",
        [("May", "DATE", "2020-05", None), ("mid-July 2020", "DATE", "2020-07", "MID"),
         ("late November", "DATE", "2021-11", "END"), ("early February 2022", "DATE", "2022-02", "START")]),
    # A known miss: "May 3 to 5, 2020" gave "May 3" and "2020" alone (the end's day read as no
    # date), and "May 3-5, 2020" gave "2020" alone. A range is its start and its end, the start
    # taking what its end states (as "May 3 to July 5, 2020"): the end is "5, 2020", a day of the
    # start's month; a hyphen joins the two days. A day and a year with no month before them are no
    # date ("Chapter 5, 2020 edition").
    timex_row("a_day_range_within_a_month_is_its_start_and_its_end_with_the_year_the_end_states",
        "Talks ran May 3 to 5, 2020, then May 3-5, 2021 and from June 29th–30th, 2022. "
        "Between Feb. 1 and 2, 2019 they met. Chapter 5, 2020 edition.",
        "2024-03-12",
        [("May 3", "DATE", "2020-05-03", None), ("5, 2020", "DATE", "2020-05-05", None),
         ("May 3", "DATE", "2021-05-03", None), ("5, 2021", "DATE", "2021-05-05", None),
         ("June 29th", "DATE", "2022-06-29", None), ("30th, 2022", "DATE", "2022-06-30", None),
         ("Feb. 1", "DATE", "2019-02-01", None), ("2, 2019", "DATE", "2019-02-02", None),
         ("2020", "DATE", "2020", None)]),
    # A known miss: "3 to 5 May 2020" gave "5 May 2020" alone and "3-5 May 2020" "May 2020" (the
    # hyphen left no boundary before "5"). By the rule of "May 3 to 5, 2020" a range is its start and
    # its end: the start "3" takes the month and year its end states (with no year, the year its end
    # resolves to: test_a_day_range_written_day_first_without_a_year_is_resolved_as_its_end), and a
    # hyphen joins two days only: "pre-2011" and "COVID-19 May" hold no date.
    timex_row("a_day_range_written_day_first_is_its_start_and_its_end_with_what_the_end_states",
        "Talks ran 3 to 5 May 2020, then 3-5 May 2021, from 29th–30th June 2022 and "
        "between 1 and 2 February 2019. They met 3 to 5 May. Pre-2011 rules; COVID-19 May spread.",
        "2024-03-12",
        [("3", "DATE", "2020-05-03", None), ("5 May 2020", "DATE", "2020-05-05", None),
         ("3", "DATE", "2021-05-03", None), ("5 May 2021", "DATE", "2021-05-05", None),
         ("29th", "DATE", "2022-06-29", None), ("30th June 2022", "DATE", "2022-06-30", None),
         ("1", "DATE", "2019-02-01", None), ("2 February 2019", "DATE", "2019-02-02", None),
         ("3", "DATE", "2023-05-03", None), ("5 May", "DATE", "2023-05-05", None)]),
    # Found in review: "The death toll rose on May 3 to 25" gave "25" a DATE (2024-05-25, after
    # the publication date) and "rose on March 1 to 12 from nine" "12": the end of a year-less day
    # range was read after any day and "to". A day "on" which something changed "to" a number is
    # one date; "from May 3 to 5", "on May 3-5" and "on May 3 and 5" still hold two.
    timex_row("a_day_something_changed_on_to_a_number_is_no_day_range",
        "The death toll rose on May 3 to 25, officials said. The number of detainees rose on March 1 to 12 "
        "from nine. Talks ran from May 3 to 5 in Doha, and on June 3-5 and on July 3 and 5 in Muscat.",
        "2024-05-04",
        [("May 3", "DATE", "2024-05-03", None), ("March 1", "DATE", "2024-03-01", None),
         ("May 3", "DATE", "2024-05-03", None), ("5", "DATE", "2024-05-05", None),
         ("June 3", "DATE", "2023-06-03", None), ("5", "DATE", "2023-06-05", None),
         ("July 3", "DATE", "2023-07-03", None), ("5", "DATE", "2023-07-05", None)]),
    # Found by a hunt: the day-range rules read a vote's tally before a month as days: "a 13-2
    # March 2020 vote" gave "13" (2020-03-13) and "2 March 2020", "the 6-3 June ruling" "3 June",
    # "May 13-2 times" "May 13". A range's start comes before its end; a tally is left to the rules
    # that read it before ("March 2020", "June"), a range running forward is still one.
    timex_row("two_numbers_that_do_not_run_forward_are_a_tally_not_a_day_range",
        "A 13-2 March 2020 vote and the 6-3 June ruling; the panel met May 13-2 times; "
        "between 12 and 3 May 2021 it lost. Talks ran 3-5 May 2020 and May 3-5, 2021.",
        "2024-03-12",
        [("March 2020", "DATE", "2020-03", None), ("June", "DATE", "2023-06", None),
         ("3 May 2021", "DATE", "2021-05-03", None),
         ("3", "DATE", "2020-05-03", None), ("5 May 2020", "DATE", "2020-05-05", None),
         ("May 3", "DATE", "2021-05-03", None), ("5, 2021", "DATE", "2021-05-05", None)]),
    # Found by a mutation no test caught (a start no later than its end taken as a range): a
    # range's start comes strictly before its end, so a tied tally is no range either.
    timex_row("two_equal_numbers_are_a_tie_not_a_day_range",
        "The board split in a 5-5 March 2020 tie.", "2024-03-12",
        [("March 2020", "DATE", "2020-03", None)]),
    # Found by a hunt: "at 2000 GMT", "1930 UTC", "2000 hrs", "1945 local time" (hours and
    # minutes, a TIME the rules do not predict) were the DATEs '2000', '1930', '2000', '1945'. A year
    # whose last two digits are no minutes stays one before a zone ("1999 GMT").
    timex_row("a_wire_style_clock_time_is_no_year",
        "The vote closed at 2000 GMT on Friday, at 1930 utc, 2000 hrs and 1945 local time, not 1999 GMT, in 2019.",
        "2024-03-06",
        [("Friday", "DATE", "2024-03-01", None), ("1999", "DATE", "1999", None), ("2019", "DATE", "2019", None)]),
    # Found by a hunt: "this week" of 0999-06-15 (a date the manifest admits) was '999-W24',
    # which the grammar refuses, so it was silently not predicted; days and years had their four.
    # "two years ago" of it was PAST_REF: the anchor itself was written '999-06-15'.
    timex_row("a_week_of_a_year_before_1000_has_four_digits",
        "They met this week, yesterday and last year, and two years ago.",
        "0999-06-15",
        [("this week", "DATE", "0999-W24", None), ("yesterday", "DATE", "0999-06-14", None),
         ("last year", "DATE", "0998", None), ("two years ago", "DATE", "0997", None)]),
    # Found in review of the clock-time rule: "after 1500 hours of flight" (a pilot's count) was
    # taken for the clock time 15:00 and lost its DURATION; a clock time takes no "of".
    timex_row("hours_of_something_after_a_preposition_of_a_point_in_time_are_a_count",
        "After 1500 hours of flight, she retired. Since 1200 hours of talks ended, the border is shut by 1800 hours.",
        "2024-03-12",
        [("1500 hours", "DURATION", "PT1500H", None), ("1200 hours", "DURATION", "PT1200H", None)]),
    # Words of a rule were joined by any whitespace: a title ending "in March" and a paragraph
    # opening "2011 was" made one DATE 'March\n\n2011' (found by a hunt).
    timex_row("no_time_expression_crosses_a_line",
        "Talks in March\n\n2011 was bad. They meet every\n\nweek for more than\n\na decade, on Monday\n\n"
        "morning, from last\nweek.",
        "2024-03-12",
        [("March", "DATE", "2024-03", None), ("2011", "DATE", "2011", None), ("a decade", "DURATION", "P10Y", None),
         ("Monday", "DATE", "2024-03-11", None)]),
    # A known miss: "the Good Friday Agreement" gave the DATE "Friday" (only a weekday right
    # after "the" was a name's word), and "The Sunday Leader" (a paper) the DATE "Sunday", "Leader"
    # read as a title opening a person's name as in "Tuesday President Biden said". A weekday after
    # "the" and a name's first word is a name's word; a title opens a person's name only with a name
    # or "of" after it.
    timex_row("a_weekday_inside_a_name_after_the_is_no_date_even_before_a_title",
        "He signed the Good Friday Agreement. The Sunday Leader reported it. Sunday Leader reporters "
        "agreed. Friday Secretary of State Rubio left. Tuesday President Biden said so. Talks ended Monday.",
        "2024-03-14",
        [("Friday", "DATE", "2024-03-08", None, 100), ("Tuesday", "DATE", "2024-03-12", None, 138),
         ("Monday", "DATE", "2024-03-11", None, 183)], (*TIMEX_ROW, "span.start")),
    # Found in review: a bare "Sunday Telegraph" opening a sentence was split into the DATE
    # "Sunday" and "Telegraph" linked to the daily paper, and "the Sunday Telegraph" still gave the
    # DATE. A weekday before a capitalized word after "the" or at a sentence's start is a name's
    # word (one rule, text.weekday_in_name); after "On" it is a date (MENTIONS has the same text).
    timex_row("a_weekday_opening_a_sentence_before_a_name_is_the_name_s_word_in_both_layers",
        "Sunday Telegraph reporters said so. Talks ended. Sunday Telegraph staff agreed. "
        "The Sunday Telegraph said so. On Sunday Telegraph reporters left.", "2024-03-12",
        [("Sunday", "DATE", "2024-03-10", None, 113)], (*TIMEX_ROW, "span.start")),
    # The growth audit's 007: the urging came two weeks before the meeting of March 12, not after.
    timex_row("n_units_after_an_event_is_not_resolved_against_the_date_before_it",
        "On March 12, 2024 the envoys met. The meeting came two weeks after Senator Alvarez urged it. "
        "Three days later, they met again.", "2024-03-12",
        [("March 12, 2024", "DATE", "2024-03-12", None), ("two weeks", "DURATION", "P2W", None),
         ("Three days later", "DATE", "2024-03-15", None)]),
    # Found by a hunt: "1,000 days" was '000 days' P0D, "about 1,200 years ago" '200 years ago'
    # 1824, "2.5 years" '5 years' P5Y, and a count of 5,000 digits crashed int().
    timex_row("a_count_with_thousands_separators_is_read_whole_and_a_decimal_is_no_count",
        "After 1,000 days, about 1,200 years ago, 2.5 years of war and 1 000 days.", "2024-03-14",
        [("1,000 days", "DURATION", "P1000D", None), ("about 1,200 years ago", "DATE", "0824", "APPROX")]),
    timex_row("a_count_of_5000_digits_is_no_count", "It began " + "1" * 5000 + " years ago.", "2024-03-14", []),
    # The count of 5,000 digits no longer crashed, but the same count written with thousands separators
    # did (int() takes at most 4,300 digits): a ValueError out of preannotate.
    timex_row("a_count_with_thousands_separators_too_long_for_int_is_no_count",
        "It lasted {0} days, {0} years ago.".format("1" + ",000" * 1500), "2024-03-14", []),
    timex_row("a_count_with_thousands_separators_of_19_digits_is_no_count",
        "It lasted 1,000,000,000,000,000,000 days, 1,000,000,000,000,000,000 years ago.", "2024-03-14", []),
    timex_row("a_count_with_thousands_separators_of_16_digits_is_one", "It lasted 1,000,000,000,000,000 days.",
        "2024-03-14", [("1,000,000,000,000,000 days", "DURATION", "P1000000000000000D", None)]),
    # Found by a hunt: the digits of an address's path were a year ("https://example.com/2024/05/12/
    # talks.html": DATE '2024'), as were those of a mail name ("news.2019@example.org"). An address
    # names a page or a mailbox, not a time; the text around it is read as before.
    timex_row("no_time_expression_inside_a_web_or_mail_address",
        "Read https://example.com/2024/05/12/talks.html on Monday, or example.com/2023/04/story "
        "and www.news.org/archive/May-2022, or write to news.2019@example.org, in May 2021.", "2024-05-15",
        [("Monday", "DATE", "2024-05-13", None), ("May 2021", "DATE", "2021-05", None)]),
    # a sentence ending in an address ends there: the next one's year is read
    timex_row("a_sentence_ending_in_an_address_ends_there", "See example.com/2020. In 2024 they met.", "2024-05-15",
        [("2024", "DATE", "2024", None)]),
    # Found by review: a host without a scheme was an address only before a path, so the digits
    # of its query, fragment or port-and-path were read: "example.com?date=2024-05-12" was the
    # DATE 2024-05-12, "example.com#2024" and "bbc.co.uk?id=1999" years. A question mark after a
    # missing space ("in 2019.Why?") is still no host.
    timex_row("no_time_expression_in_the_query_port_or_fragment_of_a_host_without_a_scheme",
        "See example.com?date=2024-05-12, example.com#2024, bbc.co.uk?id=1999 and "
        "news.example.com:8080/2019/01 on Monday.", "2024-05-15", [("Monday", "DATE", "2024-05-13", None)]),
    timex_row("a_question_mark_after_a_missing_space_is_no_host",
        "He left in 2019.Why? Did he visit cnn.com? In 2020.", "2024-05-15",
        [("2019", "DATE", "2019", None), ("2020", "DATE", "2020", None)]),
    # Found by a hunt: an all-caps heading or slug lost its time expressions, since the rules
    # tell a name by its case ("May" from "may"): "MONDAY, MARCH 4, 2024" gave only '2024', "LAST
    # WEEK", "YESTERDAY" and "IN JANUARY" nothing, and "TWO YEARS AGO" was no DATE. Each all-caps
    # word is now read as running text writes it, names capitalized and other words in lowercase,
    # so a heading's "MAY" without a preposition stays the verb, as "may" is; a span keeps the
    # document's text.
    timex_row("all_caps_words_are_read_as_running_text_writes_them",
        "SYRIA TALKS ON MONDAY, MARCH 4, 2024: LAST WEEK, YESTERDAY AND IN JANUARY", "2024-03-06",
        [("MONDAY", "DATE", "2024-03-04", None), ("MARCH 4, 2024", "DATE", "2024-03-04", None),
         ("LAST WEEK", "DATE", "2024-W09", None), ("YESTERDAY", "DATE", "2024-03-05", None),
         ("JANUARY", "DATE", "2024-01", None)]),
    timex_row("all_caps_counts_and_sets_are_read_as_running_text_writes_them",
        "TWO YEARS AGO, AFTER A DECADE OF WAR, SEPT. 2015 AND EVERY FRIDAY", "2024-03-06",
        [("TWO YEARS AGO", "DATE", "2022", None), ("A DECADE", "DURATION", "P10Y", None),
         ("SEPT. 2015", "DATE", "2015-09", None), ("EVERY FRIDAY", "SET", "XXXX-WXX-5", None)]),
    timex_row("all_caps_verbs_are_verbs_as_in_running_text", "TALKS MAY RESUME AS TROOPS MARCH ON", "2024-03-06", []),
    # Found in review: "From May to July 2020" in a 2024 article gave "May" the latest May
    # before publication, 2023-05, where the text says May 2020; "Between March and June 2019"
    # gave no "March" at all (a bare "March" may be the verb, but a range says it is the month).
    # A start later in the year than the end is of the year before.
    timex_row("the_start_of_a_range_takes_the_year_its_end_states",
        "From May to July 2020 the army waited. Between March and June 2019, talks stalled. "
        "Talks ran from November to February 2021, and May–July 2022. They met from May 3 to "
        "July 5, 2020. In May, talks resumed.", "2024-03-12",
        [("May", "2020-05"), ("July 2020", "2020-07"), ("March", "2019-03"), ("June 2019", "2019-06"),
         ("November", "2020-11"), ("February 2021", "2021-02"), ("May", "2022-05"), ("July 2022", "2022-07"),
         ("May 3", "2020-05-03"), ("July 5, 2020", "2020-07-05"), ("May", "2023-05")], ("text", "value")),
    # Found by a hunt: the manifest admits 9999-12-31 and 0001-01-01 (dates of the calendar), and
    # "tomorrow", "next week" or a future "Monday" of the first, "yesterday", "last week" or "Last
    # Friday" of the second, raised OverflowError out of preannotate. A day that does not exist is
    # not predicted; the document's other expressions are.
    timex_row("a_day_beyond_the_calendar_is_no_prediction_and_no_crash",
        "He will come tomorrow, next week and on Monday; yesterday he left.", "9999-12-31",
        [("yesterday", "DATE", "9999-12-30", None)]),
    timex_row("a_day_before_the_calendar_is_no_prediction_and_no_crash",
        "Last Friday, last week and yesterday he left; tomorrow he comes.", "0001-01-01",
        [("tomorrow", "DATE", "0001-01-02", None)]),
    # Found while making timexes.py smaller: "last year" of a 0001 article is 0000, a year the
    # grammar takes and datetime has not, and "Two days later" after it raised ValueError out of
    # preannotate; it is some year, as any "later" whose date cannot be computed.
    timex_row("a_date_later_than_the_year_0000_is_no_crash",
        "Last year they met. Two days later they left.", "0001-06-01",
        [("Last year", "DATE", "0000", None), ("Two days later", "DATE", "XXXX", None)]),
    # Found by a mutation no test caught: "last" excludes the publication day, as the guidelines'
    # example says ("last Thursday" in an article of Thursday 2019-03-14 is 2019-03-07), and "next"
    # likewise; the bare weekday is the day itself.
    timex_row("last_and_next_weekday_on_that_weekday_are_a_week_away",
        "Last Thursday they met; they meet again next Thursday, not on Thursday.", "2019-03-14",
        [("Last Thursday", "DATE", "2019-03-07", None), ("next Thursday", "DATE", "2019-03-21", None),
         ("Thursday", "DATE", "2019-03-14", None)]),
    # Found by review: every all-caps word was read in lowercase, so the names running text
    # writes in capitals became expressions: "told USA TODAY" gave the DATE of the publication
    # day, "the DAILY MAIL" and "the WEEKLY STANDARD" the SETs P1D and P1W. Only a line without a
    # lowercase letter (a heading) is read in lowercase; in any line a month's or weekday's name
    # in capitals is still that name.
    timex_row("an_all_caps_name_among_lowercase_words_is_no_time_expression",
        "Officials told USA TODAY on Monday that the TODAY show and the DAILY MAIL, "
        "the WEEKLY STANDARD and the NEW YORK DAILY NEWS were wrong.", "2024-03-06",
        [("Monday", "DATE", "2024-03-04", None)]),
    timex_row("a_month_or_weekday_in_capitals_among_lowercase_words_is_still_one",
        "By JOHN SMITH, Associated Press, MONDAY, MARCH 4, 2024", "2024-03-06",
        [("MONDAY", "DATE", "2024-03-04", None), ("MARCH 4, 2024", "DATE", "2024-03-04", None)]),
    timex_row("a_heading_tells_no_name", "USA TODAY POLL: TALKS RESUME TODAY\nThe paper said so.", "2024-03-06",
        [("TODAY", "DATE", "2024-03-06", None), ("TODAY", "DATE", "2024-03-06", None)]),
    # Found by review: the zones listed were GMT, UTC and a few more, so "at 2000 ET", "1930
    # IST", "2030 JST", "1930 AEDT" and "2000 Moscow time" were still the years 2000, 1930, 2030,
    # and "at 1930 hours" (the military and wire form) the DURATION PT1930H. A count of hours that
    # is no clock, or not after "at", stays a duration; a capitalized word or an "AT&T" after a
    # year leaves it a year.
    timex_row("a_wire_style_clock_time_before_any_zone_or_hours_is_no_year_and_no_duration",
        "It hit at 2000 ET, at 1930 IST, at 2030 JST, at 1930 AEDT, at 2000 Moscow time and at 1930 hours "
        "on Friday.\nAT 2000 HOURS: TALKS END", "2024-03-06", [("Friday", "DATE", "2024-03-01", None)]),
    timex_row("a_count_of_hours_that_is_no_clock_stays_a_duration_and_a_year_before_a_name_a_year",
        "Crews logged 1930 hours, at least 1500 hours, in 2019 AT&T and in 2015 Time magazine.", "2024-03-06",
        [("1930 hours", "DURATION", "PT1930H", None), ("at least 1500 hours", "DURATION", "PT1500H", "EQUAL_OR_MORE"),
         ("2019", "DATE", "2019", None), ("2015", "DATE", "2015", None)]),
    # Found in review: only "at" made "1930 hours" a clock time, so "by 2000 hours" (a military
    # deadline) was the DURATION PT2000H; the guidelines' TIME is smaller than a day, no length.
    # A count after "for", "flew" or a word ending in "by" stays one.
    timex_row("a_wire_style_clock_time_after_any_preposition_of_a_point_in_time_is_no_duration",
        "Troops must leave by 2000 hours, until 2000 hours or before 1930 hours. They flew 2000 hours, "
        "for 1500 hours, nearby 1930 hours.", "2024-03-12",
        [("2000 hours", "DURATION", "PT2000H", None, 82), ("1500 hours", "DURATION", "PT1500H", None, 98),
         ("1930 hours", "DURATION", "PT1930H", None, 117)], (*TIMEX_ROW, "span.start")),
    # The resolution the linear search of time expressions keeps (earlier DATEs, clause marks and
    # sentence starts found by bisection; bench/preannotate.py measures it: ten times the text took
    # some 80 times as long, 12 s for 20,000 expressions). One line, so a search for a line break finds none.
    timex_row("time_expressions_of_a_line_repeated_resolve_as_in_the_line_alone",
        "On Tuesday, two days later, in March 2011, last year. " * 3, "2024-03-14",
        ["2024-03-12", "2024-03-14", "2011-03", "2023"] * 3, "value"),
    timex_row("timex_rules_at_month_precision",
        "Last year, on Sunday, earlier this month and in May, over a decade of isolation ended.", "2023-05",
        [("Last year", "DATE", "2022", None), ("Sunday", "DATE", "2023-WXX-7", None),
         ("earlier this month", "DATE", "2023-05", None), ("May", "DATE", "2023-05", None),
         ("over a decade", "DURATION", "P10Y", "MORE_THAN")]),
    timex_row("timex_rules_without_a_date",
        "Last year, on Sunday, earlier this month and in May, over a decade of isolation ended.", None,
        [("Last year", "DATE", "PAST_REF", None), ("Sunday", "DATE", "XXXX-WXX-7", None),
         ("earlier this month", "DATE", "PRESENT_REF", None), ("May", "DATE", "XXXX-05", None),
         ("over a decade", "DURATION", "P10Y", "MORE_THAN")]),
    timex_row("a_week_of_january_may_be_last_year_s", "On Sunday they met.", "2024-01", ["XXXX-WXX-7"], "value"),
    # a year-precision anchor too (found by a hunt: "On Tuesday" was 2024-WXX-2 while "last week" was XXXX-WXX)
    timex_row("a_weekday_and_a_week_at_year_precision_have_no_year", "On Tuesday, not last week, the envoy arrived.",
        "2024", [("Tuesday", "DATE", "XXXX-WXX-2", None), ("last week", "DATE", "XXXX-WXX", None)]),
    # Found by a hunt: the rules' function words were lowercase, so a sentence opening with one
    # lost or changed its expression: "From May" and "Until March" were nothing (a bare May or
    # March is the verb), "In the past" nothing, "Once a week" the DURATION 'a week' (a SET), and
    # "The 1990s" the span '1990s' where "the 1990s" inside a sentence keeps its article.
    timex_row("a_sentence_opening_word_is_read_as_it_is_inside_a_sentence",
        "From May, talks stalled. Until March they met. In the past, they met. In the future, they "
        "will. Once a week they meet. Twice a year they vote. The late 1990s were bad.", "2024-03-06",
        [("May", "DATE", "2023-05", None), ("March", "DATE", "2024-03", None), ("the past", "DATE", "PAST_REF", None),
         ("the future", "DATE", "FUTURE_REF", None), ("Once a week", "SET", "P1W", None),
         ("Twice a year", "SET", "P1Y", None), ("The late 1990s", "DATE", "199", "END")]),
    timex_row("the_words_that_open_those_sentences_inside_a_sentence",
        "from May, talks stalled. until March they met. in the past, they met. in the future, they "
        "will. once a week they meet. twice a year they vote. the late 1990s were bad.", "2024-03-06",
        [("May", "DATE", "2023-05", None), ("March", "DATE", "2024-03", None), ("the past", "DATE", "PAST_REF", None),
         ("the future", "DATE", "FUTURE_REF", None), ("once a week", "SET", "P1W", None),
         ("twice a year", "SET", "P1Y", None), ("the late 1990s", "DATE", "199", "END")]),
    # "last week" without a date is XXXX-WXX, not PAST_REF (006's gold); a week beside January's
    # may lie in another year; "every Friday" is the guidelines' SET, not a DATE on one Friday.
    timex_row("a_week_without_a_date_is_any_week", "They met last week and meet next week.", None,
        [("last week", "DATE", "XXXX-WXX", None), ("next week", "DATE", "XXXX-WXX", None)]),
    timex_row("a_week_beside_january_s_may_lie_in_another_year", "They met last week, not this week.", "2024-01",
        ["XXXX-WXX", "2024-WXX"], "value"),
    timex_row("a_week_of_may_is_of_its_year", "They met last week.", "2024-05", ["2024-WXX"], "value"),
    timex_row("every_weekday_is_a_set_not_a_date", "Talks are held every Friday, and each Sunday.", "2024-03-12",
        [("every Friday", "SET", "XXXX-WXX-5", None), ("each Sunday", "SET", "XXXX-WXX-7", None)]),
    # Found by mutation while making timexes.py smaller: a score of an absolute date or year, or of
    # a day against a year, centuries counted as 101 years, minutes written as hours and
    # "annually" as P1M failed no test; the scores as the module's docstring gives them.
    timex_row("each_rule_s_value_and_score",
        "On March 4, 2024 and in 2023, on May 3, they met for a century and 30 minutes, annually.", "2024",
        [("March 4, 2024", "DATE", "2024-03-04", None, 0.9), ("2023", "DATE", "2023", None, 0.9),
         ("May 3", "DATE", "2024-05-03", None, 0.5), ("a century", "DURATION", "P100Y", None, 0.7),
         ("30 minutes", "DURATION", "PT30M", None, 0.7), ("annually", "SET", "P1Y", None, 0.5)],
        (*TIMEX_ROW, "score")),
    # Found by mutation likewise: a day of the anchor's month at month precision is of its year,
    # the month's last day in a past clause and its first in a future one (either taken for a
    # day after or before the anchor moved it a year and failed no test).
    timex_row("the_first_and_last_days_of_the_anchor_s_month_are_of_its_year",
        "They met on March 31. The envoy will arrive on March 1.", "2024-03",
        [("March 31", "DATE", "2024-03-31", None, 0.7), ("March 1", "DATE", "2024-03-01", None, 0.7)],
        (*TIMEX_ROW, "score")),
]


@pytest.mark.parametrize(("fields", "text", "date", "expected"), TIMEXES)
def test_the_time_rules_find(fields, text, date, expected):
    found, scores = time_expressions("t", text, record(date))
    assert values(found, fields, scores) == expected


def test_n_units_later_moves_the_date_before_it_at_the_precision_the_text_determines():
    """A unit coarser than days or weeks kept the earlier date unchanged ("Two years later" after
    March 15, 2011 was 2011-03-15; found by a hunt). The guidelines: never finer than what the
    text determines, so days after a month give its year, and what cannot be computed is XXXX."""
    def later(text: str, date: str | None = "2024-03-12") -> list[tuple[str, str]]:
        return [(item[0], item[2]) for item in timexes(text, date)]

    assert later("On March 15, 2011 they met. Two years later they met.")[1] == ("Two years later", "2013")
    assert later("In 1990 they met. Three decades later they met.")[1] == ("Three decades later", "2020")
    assert later("In March 2011 they met. Two months later they met.")[1] == ("Two months later", "2011-05")
    assert later("In March 2011 they met. Two days later they met.")[1] == ("Two days later", "2011")
    # weeks tell the day, as days do (a precision of 2 gave 2011-03; no test held it)
    assert later("On March 15, 2011 they met. Two weeks later they met.")[1] == ("Two weeks later", "2011-03-29")
    assert later("In December 2011 they met. Three weeks later they met.")[1] == ("Three weeks later", "XXXX")
    assert later("In 2011 they met. Two months earlier they met.")[1] == ("Two months earlier", "XXXX")
    assert later("On March 15, 2011 they met. Two months earlier they met.")[1] == ("Two months earlier", "2011-01")
    # "ago" moves the publication date by the same arithmetic
    assert later("They met two days ago and two months ago.", "2024-03") == [
        ("two days ago", "2024"), ("two months ago", "2024-01")]
    assert later("They met two months ago.", "2024") == [("two months ago", "PAST_REF")]
    assert later("It began 5000 years ago.") == [("5000 years ago", "PAST_REF")]  # before the calendar's year 1


def test_a_future_cue_counts_in_its_own_clause_however_long():
    """What the cues listed once keep (bench/preannotate.py's "one long clause": a clause of 100 KB
    without a mark took 9 s, each weekday searching it for a cue): a cue anywhere in the clause
    counts, at its start, its end or far from the weekday; one in the clause before or after does
    not; a cue word inside another word ("willing", "nextgen") is none."""
    filler = "the envoy said that talks would resume " * 500
    def value(text):
        return [t[2] for t in timexes(text, "2024-03-13")]  # a Wednesday
    assert value("will " + filler + "on Monday") == ["2024-03-18"]
    assert value("on Monday " + filler + "they will") == ["2024-03-18"]
    assert value("on Monday " + filler) == ["2024-03-11"]
    assert value("They will act; on Monday " + filler + ". Next they go.") == ["2024-03-11"]
    assert value("willing " + filler + " on Monday the nextgen team") == ["2024-03-11"]
    assert value("on Monday " + filler + "is expected, and on Friday " + filler + "will") == ["2024-03-18", "2024-03-15"]


def test_a_day_range_written_day_first_without_a_year_is_resolved_as_its_end():
    """A known miss: "3 to 5 May" gave "5 May" alone, where "May 3 to 5, 2020" gives both days.
    Without a year the start takes the month its end states and the year its end resolves to, as
    a day without a year is resolved (the latest on or before publication, the next in a future
    clause): in an article of 2024-05-04, "3 to 5 May" is 2023's, both days, not "3" 2024's; a
    tally is still none ("13-2 May")."""
    text = "Talks ran 3 to 5 May and 3-5 June. The summit will run 10 to 12 March. A 13-2 May vote."
    assert timexes(text, "2024-05-04") == [("3", "DATE", "2023-05-03", None), ("5 May", "DATE", "2023-05-05", None),
                                           ("3", "DATE", "2023-06-03", None), ("5 June", "DATE", "2023-06-05", None),
                                           ("10", "DATE", "2025-03-10", None), ("12 March", "DATE", "2025-03-12", None)]
    assert timexes(text, None)[:2] == [("3", "DATE", "XXXX-05-03", None), ("5 May", "DATE", "XXXX-05-05", None)]
    assert timexes(text, "2024")[:2] == [("3", "DATE", "2024-05-03", None), ("5 May", "DATE", "2024-05-05", None)]
    found, _ = time_expressions("t", text, record("2024-05-04"))
    assert [(t.span.start, t.span.end) for t in found][:2] == [(10, 11), (15, 20)]


def test_a_day_range_within_a_month_without_a_year_is_resolved_as_its_start():
    """A known miss, the other order of "3 to 5 May": "May 3 to 5" gave "May 3" alone. The end
    "5" is a day of the month and year its start resolves to (in an article of 2024-05-04, "May 3
    to 5" and "June 3-5" are 2024's and 2023's, and a future clause's March the next), before a
    phrase or the clause's end only: "May 3 to 5 people" counts people, and "June 29 to 31" ends
    on no day."""
    text = ("Talks ran May 3 to 5 in Doha and June 3-5. The summit will run March 10 to 12, officials said. "
            "From May 3 to 5 people died. Talks ran June 29 to 31.")
    assert timexes(text, "2024-05-04") == [
        ("May 3", "DATE", "2024-05-03", None), ("5", "DATE", "2024-05-05", None),
        ("June 3", "DATE", "2023-06-03", None), ("5", "DATE", "2023-06-05", None),
        ("March 10", "DATE", "2025-03-10", None), ("12", "DATE", "2025-03-12", None),
        ("May 3", "DATE", "2024-05-03", None), ("June 29", "DATE", "2023-06-29", None)]
    assert timexes(text, None)[:2] == [("May 3", "DATE", "XXXX-05-03", None), ("5", "DATE", "XXXX-05-05", None)]
    found, _ = time_expressions("t", text, record("2024-05-04"))
    assert [(t.span.start, t.span.end) for t in found][:2] == [(10, 15), (19, 20)]


def test_a_day_its_month_lacks_is_no_date_whatever_the_publication_date_s_precision():
    """Found in review: "June 29 to 31" ends on no day, and "29 to 31 June" starts none, with a
    publication date known to the month; known to the year only, "29 to 31 June" gave "29" the DATE
    2024-06-29 (its end, 2024-06-31, refused by the value grammar) and with none, "June 29 to 31"
    gave "31" XXXX-06-31 and "30 February" XXXX-02-30: the month's length was read only with a
    month of the publication date. A day its month lacks (in any year, when the year is unknown:
    a leap year's February has 29) is no date."""
    text = "Talks ran June 29 to 31. They met 29 to 31 June. They left on 30 February. They came on 29 February."
    assert timexes(text, "2024") == [("June 29", "DATE", "2024-06-29", None),
                                     ("29 February", "DATE", "2024-02-29", None)]
    assert timexes(text, None) == [("June 29", "DATE", "XXXX-06-29", None), ("29 February", "DATE", "XXXX-02-29", None)]
    assert timexes(text, "2023") == [("June 29", "DATE", "2023-06-29", None)]


def test_a_week_value_takes_the_iso_week_year():
    """Found by a hunt: a week's year is its ISO 8601 week-year, which differs from the calendar
    year in a year's first and last days (2021-01-01 is in 2020-W53, 2024-12-30 and 31 in
    2025-W01). "this week" of a December 2024 article was 2024-WXX and "Tuesday" 2024-WXX-2, each
    of which may be in 2025-W01; "this week" of January 2021 was 2021-WXX (2020-W53 for the 1st to
    3rd) and of an article dated 2024 was 2024-WXX. Where every possible day agrees, the year is
    told: the latest Tuesday on or before a day of January 2025 is 2024-12-31, 2025-W01-2, at the
    earliest (it was XXXX-WXX-2)."""
    text = "They met this week and last week, on Tuesday. They will meet next week and on Monday."
    def values(date):
        return [value for _, _, value, _ in timexes(text, date)]
    # to the day: the ISO week of the day (as before)
    assert values("2021-01-01") == ["2020-W53", "2020-W52", "2020-12-29", "2021-W01", "2021-01-04"]
    assert values("2024-12-30") == ["2025-W01", "2024-W52", "2024-12-24", "2025-W02", "2024-12-30"]
    # to the month or the year: the week-year every day of it agrees on, else XXXX
    assert values("2024-12") == ["XXXX-WXX", "2024-WXX", "XXXX-WXX-2", "XXXX-WXX", "XXXX-WXX-1"]
    assert values("2023-12") == ["2023-WXX", "2023-WXX", "2023-WXX-2", "XXXX-WXX", "XXXX-WXX-1"]
    assert values("2021-01") == ["XXXX-WXX", "XXXX-WXX", "XXXX-WXX-2", "2021-WXX", "2021-WXX-1"]
    assert values("2025-01") == ["2025-WXX", "XXXX-WXX", "2025-WXX-2", "2025-WXX", "2025-WXX-1"]
    assert values("2024") == ["XXXX-WXX", "XXXX-WXX", "XXXX-WXX-2", "XXXX-WXX", "XXXX-WXX-1"]
    assert values("2015") == ["2015-WXX", "XXXX-WXX", "2015-WXX-2", "XXXX-WXX", "XXXX-WXX-1"]  # 2014-12-30 is 2015-W01-2
    assert all(check_value(value, "DATE") is None for date in ("2024-12", "2021-01", "2024") for value in values(date))


def test_a_week_year_looks_at_the_first_and_last_days_of_publication_only():
    """Found by review: the week-year of a week value was computed over every day the article may
    be of, 365 for a year-dated one, which made a weekday there 13 times slower than before
    week-years were computed (3,000 lines of "On Monday and Friday he spoke.": 0.16 s, then 2.0 s;
    bench/preannotate.py). The day an expression names never goes back as the publication day
    goes on, nor does a week-year, so the first and last days tell. Counted, not timed: the
    week-years the rules ask the calendar for, two per expression; the values are as before."""
    asked = []

    def count(frame, event, function):
        if event == "c_call" and getattr(function, "__name__", "") == "isocalendar":
            asked.append(function)
    sys.setprofile(count)
    try:
        found = timexes("On Monday and Friday he spoke, last week; he will speak next Sunday.", "2015")
    finally:
        sys.setprofile(None)
    # Monday: 2014-12-29 (2015-W01) to 2015-12-28; Friday: 2014-12-26 (2014-W52) to 2015-12-25;
    # next Sunday: 2015-01-04 to 2016-01-03 (2015-W53)
    assert found == [("Monday", "DATE", "2015-WXX-1", None), ("Friday", "DATE", "XXXX-WXX-5", None),
                     ("last week", "DATE", "XXXX-WXX", None), ("next Sunday", "DATE", "2015-WXX-7", None)]
    assert len(asked) == 8


@pytest.mark.parametrize("date", [None, "2021", "2022-01", "2023-05", "2024-04-25"])
def test_every_predicted_value_passes_the_timex3_grammar(date):
    texts = [path.read_text(encoding="utf-8") for path in sorted(ARTICLES.glob("*.txt"))]
    texts += [document.text for document in load_documents(Layout.at(REPO)).values()]
    count = 0
    for text in texts:
        for t in time_expressions("t", normalize(text).text, record(date))[0]:
            assert check_value(t.value, t.label) is None, (t.text, t.value)
            count += 1
    assert count >= 90


# --- quotes --------------------------------------------------------------------------------------

QUOTE_ROW = ("quote", "type", ("source", "speaker"), "cue")  # a SOURCE with its speaker, as one value
SPANS = ("span.start", "span.end", "source.span.start", "source.span.end", "cue.span.start", "cue.span.end")
REGIONS = ("id", "source.id", "cue.id")  # one SOURCE or CUE region of several quotes has one id


def rule_quotes(text: str):
    """The quotes the quote rules alone find in ``text``, with the gazetteer's mentions of REGISTRY, and
    their scores."""
    entities, _ = entity_mentions("t", text, Gazetteer(REGISTRY.values()))
    return quotes("t", text, entities, REGISTRY)


# Each row: the values compared (see values), a text of sentences and the quotes the rules find in it.
RULE_QUOTES = [
    # Found in review of the agency's credit: any capitalized parenthesis made a dateline, so an
    # organization's acronym before a dashed appositive ("The Syrian Democratic Forces (SDF) — …")
    # was cut from a content-first QUOTE as if it were "DAMASCUS, Syria (AP) —". Before a credit, a
    # dateline's place is in capitals.
    row("a_name_with_its_acronym_before_a_dash_is_no_dateline", QUOTE_ROW,
        "The Syrian Democratic Forces (SDF) — the US-backed militia — would hold the line, "
        "Blinken said.\n\n"
        "DAMASCUS, Syria (AP) — The strikes were illegal, Assad said.",
        [("The Syrian Democratic Forces (SDF) — the US-backed militia — would hold the line", "indirect",
          BLINKEN, "said"),
         ("The strikes were illegal", "indirect", ASSAD, "said")]),
    # Found in review of the aside of the verb before the cue: it made the part before the aside
    # the SOURCE whatever followed, so "The embassy will stay closed, for now, said a State Department
    # spokesman" gave the QUOTE "a State Department spokesman" with the SOURCE "The embassy will stay
    # closed", and "…, however, said Blinken" gave nothing (13274b3 gave both content-first). A
    # clause before the aside (an auxiliary or a modal in it) makes the cue inverted; the noun phrase
    # before the aside stays the SOURCE otherwise, auxiliaries of the cue after the aside or not, and
    # so does one after a clause and a conjunction ("Assad has stayed in power and Russia").
    row("an_aside_of_the_verb_before_an_inverted_cue_after_a_clause", QUOTE_ROW,
        "The embassy will stay closed, for now, said a State Department spokesman.\n\n"
        "Relations with Damascus would not be normalized, however, said Blinken.\n\n"
        "The United States, however, said the talks had collapsed.\n\n"
        "Russia has, however, said the talks had collapsed.\n\n"
        "Assad has stayed in power and Russia, however, said the talks failed.",
        [("The embassy will stay closed", "indirect", ("a State Department spokesman", "us-state-department"), "said"),
         ("Relations with Damascus would not be normalized", "indirect", BLINKEN, "said"),
         ("the talks had collapsed", "indirect", ("The United States", "united-states"), "said"),
         ("the talks had collapsed", "indirect", ("Russia", "russia"), "said"),
         ("the talks failed", "indirect", ("Russia", "russia"), "said")]),
    # Found in review (13274b3 did the same): after a subject with an appositive that is no name,
    # the clause after the cue was read as an inverted SOURCE, so "The envoy, a veteran diplomat, said
    # the talks would resume in Geneva" gave the QUOTE "The envoy, a veteran diplomat" with the SOURCE
    # "the talks would resume in Geneva". An auxiliary or a modal before another word makes a clause,
    # which no SOURCE is; a relative clause in the noun phrase after an inverted cue stays its own.
    row("a_clause_after_the_cue_is_no_inverted_source", QUOTE_ROW,
        "Bashar al-Assad, Syria's president, said the sanctions had failed.\n\n"
        "The envoy, a veteran diplomat, said the talks would resume in Geneva.\n\n"
        "The talks will resume, said a spokesman who would not be named.",
        [("The talks will resume", "indirect", ("a spokesman who would not be named", None), "said")]),
    # Found in review of the aside of the verb after the cue without "that": a clause of
    # condition, cause or concession was skipped as the verb's, so "Officials said, if the strikes
    # continue, the embassy will close" gave the QUOTE "the embassy will close", a claim no one
    # made (13274b3 gave none). The guidelines' QUOTE is the whole reported clause; a phrase of the
    # verb ("as the talks ended") and a sentence adverb stay out; the comma closing the condition
    # ends no content that "While" frames.
    row("a_condition_set_off_by_commas_after_the_cue_is_the_content_s_own", QUOTE_ROW,
        "Officials said, if the strikes continue, the embassy will close.\n\n"
        "Blinken said, because the talks failed, the sanctions would stay.\n\n"
        "Blinken said, as the talks ended, the sanctions would stay.\n\n"
        "Blinken said, however, the sanctions would stay.\n\n"
        "While Russia said, if the strikes continue, it would respond, it has not done so.",
        [("if the strikes continue, the embassy will close", "indirect", ("Officials", None), "said"),
         ("because the talks failed, the sanctions would stay", "indirect", BLINKEN, "said"),
         ("the sanctions would stay", "indirect", BLINKEN, "said"),
         ("the sanctions would stay", "indirect", BLINKEN, "said"),
         ("if the strikes continue, it would respond", "indirect", ("Russia", "russia"), "said")]),
    row("indirect_and_mixed_quotes_with_their_sources", QUOTE_ROW,
        "The US will not normalise relations with Syria, the State Department said on Thursday.\n\n"
        "Blinken said the US was “engaged” with Damascus, as talks stalled.\n\n"
        "According to the United Nations, at least 350,000 people were killed.\n\n"
        "The Syrian foreign ministry has repeatedly denied holding Tice.\n\n"
        "Assad, who is sanctioned by Washington, said in an interview that talks do not lead anywhere.",
        [("The US will not normalise relations with Syria", "indirect",
          ("the State Department", "us-state-department"), "said"),
         ("the US was “engaged” with Damascus", "mixed", BLINKEN, "said"),
         ("at least 350,000 people were killed", "indirect", ("the United Nations", "united-nations"),
          "According to"),
         ("holding Tice", "indirect", ("The Syrian foreign ministry", None), "denied"),
         ("talks do not lead anywhere", "indirect", ASSAD, "said")]),
    # A quote ran across "home. 😊 Damascus" (a sentence ended only before a capital, digit or
    # quotation mark), and "The U.S." lost its period as a SOURCE.
    row("a_sentence_ends_before_an_emoji_and_an_abbreviation_keeps_its_period", QUOTE_ROW,
        "Syrians told reporters that they are not ready to go home. 😊 Damascus is dangerous, one man said.\n\n"
        "The U.S. said it would stay.",
        [("they are not ready to go home", "indirect", ("Syrians", None), "told"),
         ("Damascus is dangerous", "indirect", ("one man", None), "said"),
         ("it would stay", "indirect", ("The U.S.", None), "said")]),
    # Found by a hunt: "‘We don’t know,’ Blinken said." had no quotation (the ’ of "don’t" ended
    # the search for the closing mark), so the content-first pattern made QUOTE "‘We don’t know"
    # (indirect) and SOURCE "’ Blinken", which starts with the closing quotation mark.
    row("a_quotation_in_single_marks_keeps_the_apostrophes_inside_it", QUOTE_ROW,
        "‘We don’t know,’ Blinken said.\n\n‘Assad’s army is weak,’ he said of the Assads’ rule.",
        [("‘We don’t know,’", "direct", BLINKEN, "said"),
         ("‘Assad’s army is weak,’", "direct", ("he", "antony-blinken"), "said")]),
    # Found in review: once 9223274 let a single-mark quotation hold apostrophes, the ‘ of "the
    # ‘80s" (an apostrophe turned the wrong way, as word processors write it) opened a quotation up
    # to the next plural possessive, across a sentence end, and the attribution in the second
    # sentence was lost; in one sentence the paraphrase became mixed.
    row("a_decade_s_turned_apostrophe_opens_no_quotation", QUOTE_ROW,
        "Since the ‘80s the army’s role grew. Officials said the Assads’ rule was over.\n\n"
        "In the ‘90s, Assad’s father ruled Syria and the Assads’ grip held, Blinken said.",
        [("the Assads’ rule was over", "indirect", ("Officials", None), "said"),
         ("In the ‘90s, Assad’s father ruled Syria and the Assads’ grip held", "indirect",
          BLINKEN, "said")]),
    # Found in review: as with "the ‘80s", the ‘ of "‘til", "‘em", "‘n’" or "of ‘98" opened a
    # quotation up to the next plural possessive: across a sentence end the attribution after it
    # was lost, and in one sentence the paraphrase became mixed. A quotation in single marks stays one.
    row("an_elided_word_s_or_year_s_turned_apostrophe_opens_no_quotation", QUOTE_ROW,
        "Fighters held out ‘til dawn. Officials said the rebels’ lines had broken.\n\n"
        "Blinken said they beat ‘em all and the rebels’ lines broke.\n\n"
        "Blinken said rock ‘n’ roll and the class of ‘98 and the Assads’ rule were over.\n\n"
        "Blinken said the plan was ‘dead on arrival’ in Damascus.",
        [("the rebels’ lines had broken", "indirect", ("Officials", None), "said"),
         ("they beat ‘em all and the rebels’ lines broke", "indirect", BLINKEN, "said"),
         ("rock ‘n’ roll and the class of ‘98 and the Assads’ rule were over", "indirect", BLINKEN, "said"),
         ("the plan was ‘dead on arrival’ in Damascus", "mixed", BLINKEN, "said")]),
    # Found in review of the elided-word rule: "‘Til now we waited,’ Blinken said." lost its
    # direct quotation (an indirect "Til now we waited" without its marks): the ‘ was taken for the
    # apostrophe of "‘til". A ’ after punctuation closes a quotation; no possessive is written so.
    row("a_quotation_in_single_marks_may_open_with_an_elided_word", QUOTE_ROW,
        "‘Til now we waited,’ Blinken said. He stayed ‘til dawn.\n\n"
        "‘Em all must go,’ Assad said. Officials said the rebels’ lines had broken.",
        [("‘Til now we waited,’", "direct", BLINKEN, "said"), ("‘Em all must go,’", "direct", ASSAD, "said"),
         ("the rebels’ lines had broken", "indirect", ("Officials", None), "said")]),
    # Found by a hunt: with the opening mark lost, "We don’t know,’ Blinken said." had SOURCE
    # "’ Blinken"; a content kept a lone mark at its edge ("“the war is over", 'the talks failed"'),
    # as the brackets' rule already forbade for "(" and ")".
    row("a_quotation_mark_whose_partner_was_lost_is_at_no_edge_of_a_source_or_content", QUOTE_ROW,
        "We don’t know,’ Blinken said.\n\nBlinken said “the war is over and done.\n\n"
        'Assad said the talks had failed badly".',
        [("We don’t know", "indirect", BLINKEN, "said"), ("the war is over and done", "indirect", BLINKEN, "said"),
         ("the talks had failed badly", "indirect", ASSAD, "said")]),
    # Found in review: a lone “ stayed at the edge of a content, as the ’ of "don’t" or
    # "Rourke’s" (an apostrophe, category Pf like ”) passed for its closing partner.
    row("an_apostrophe_is_no_partner_of_a_lost_quotation_mark", QUOTE_ROW,
        "“We don’t know,’ Blinken said.\n\n"
        "“Rourke’s team said the convoy was delayed, Reuters reported.",
        [("We don’t know", "indirect", BLINKEN, "said"),
         ("Rourke’s team said the convoy was delayed", "indirect", ("Reuters", None), "reported")]),
    # Found by a hunt: "Blinken told reporters: “We will go.”" had QUOTE "reporters: “We will
    # go.”" (mixed): the person told was skipped only when a space followed it.
    row("the_person_told_is_no_content_when_a_colon_or_comma_follows_it", QUOTE_ROW,
        "Blinken told reporters: “We will go.”\n\nAssad told Reuters, the war was over.",
        [("“We will go.”", "direct", BLINKEN, "told"), ("the war was over", "indirect", ASSAD, "told")]),
    # Found in review: once b898432 skipped "reporters:", a quotation of one or two words after
    # it was no content (a paraphrase needs three words), so "Blinken told reporters: “Go home.”"
    # had no quote at all, where it had had "reporters: “Go home.”"; a paraphrase that short still
    # is none.
    row("a_short_quotation_after_the_person_told_is_content", QUOTE_ROW,
        "Blinken told reporters: “Go home.”\n\nAssad told lawmakers, ‘It’s over.’\n\n"
        "Blinken told reporters: go home.",
        [("“Go home.”", "direct", BLINKEN, "told"), ("‘It’s over.’", "direct", ASSAD, "told")]),
    # Found by a hunt: the second quotation took the SOURCE and CUE of the attribution inside the
    # first ("Assad" "made clear"), not of the quote it continues (Blinken's "said"): the guidelines
    # point a continued quote's relations to the quote it continues.
    row("a_continued_quotation_continues_the_quotation_not_an_attribution_nested_in_it", QUOTE_ROW,
        "“Assad made clear that he would stay,” Blinken said.\n\n“We will not accept it.”",
        [("“Assad made clear that he would stay,”", "direct", BLINKEN,
          "said"),
         ("he would stay", "indirect", ASSAD, "made clear"),
         ("“We will not accept it.”", "direct", BLINKEN, "said")]),
    # Found in review: 1b2689a passed over every attribution nested in another quote, so after
    # "The state news agency reported that Assad said: “We will win.”" the next quotation continued
    # the agency's report, not Assad's quotation; only one nested in a quotation is passed over.
    row("a_quotation_nested_in_a_paraphrase_is_continued_by_the_next_quotation",
        ("quote", ("source", "speaker"), "cue"),
        "The state news agency reported that Assad said: “We will win.”\n“The war is over.”\n\n"
        "“Assad made clear that he would stay,” Blinken said. “He will not leave.”",
        [("Assad said: “We will win.”", ("The state news agency", None), "reported"), ("“We will win.”", ASSAD, "said"),
         ("“The war is over.”", ASSAD, "said"), ("“Assad made clear that he would stay,”", BLINKEN, "said"),
         ("he would stay", ASSAD, "made clear"), ("“He will not leave.”", BLINKEN, "said")]),
    # Found by a hunt: "Blinken recalled: “…”" had CUE "called" (the end of "recalled") and SOURCE
    # "Blinken re", and "the so-called “moderate rebels.”" a quote of "Assad backed the so".
    row("a_cue_before_a_quotation_is_a_word_of_its_own", QUOTE_ROW,
        "Blinken recalled: “We went there.”\n\nAssad backed the so-called “moderate rebels.”\n\n"
        "The unsaid “truth” hurts.\n\nAssad said: “We won.”",
        [("“We won.”", "direct", ASSAD, "said")]),
    # The guidelines: when a role and a name precede the cue, the SOURCE is the name. "Name, role,
    # said CONTENT" came out back to front (the name as QUOTE, the content cut at "1.3" as SOURCE).
    row("a_name_beside_a_role_before_the_cue_is_the_source", QUOTE_ROW,
        "Ayman Safadi, Jordan's foreign minister, said the kingdom hosts 1.3 million Syrians.\n\n"
        "A ministry spokesperson, Ana Ruiz, said the talks would resume.\n\n"
        "The talks will resume next week, said Ana Ruiz.",
        [("the kingdom hosts 1.3 million Syrians", "indirect", ("Ayman Safadi", None), "said"),
         ("the talks would resume", "indirect", ("Ana Ruiz", None), "said"),
         ("The talks will resume next week", "indirect", ("Ana Ruiz", None), "said")]),
    # Found in review: "Officials, who spoke on condition of anonymity, said the talks had
    # stalled." was read as content first: QUOTE "Officials, who spoke ...", SOURCE "the talks had
    # stalled". A relative clause set off by commas before the cue follows its subject, the SOURCE
    # (guidelines: "[Ortega], who took office in May, said"); a content before it still is one.
    row("a_relative_clause_before_the_cue_is_no_content_and_its_head_is_the_source", QUOTE_ROW,
        "Officials, who spoke on condition of anonymity, said the talks had stalled.\n\n"
        "Talks, which had stalled for months, will resume, Blinken said.",
        [("the talks had stalled", "indirect", ("Officials", None), "said"),
         ("Talks, which had stalled for months, will resume", "indirect", BLINKEN, "said")]),
    # Found in review: "Blinken -- who met Safadi -- said" gave the SOURCE "met Safadi" (the
    # words after "who"); dashes set off a relative clause as commas do, and the guidelines leave
    # it out: the source is the name. An unspaced en dash is a range, and a dateline stays one.
    row("an_aside_set_off_by_dashes_is_no_part_of_the_source", QUOTE_ROW,
        "Blinken -- who met Safadi -- said the talks would resume.\n\n"
        "“We will stay,” Blinken — who met Safadi in 2019–2020 — said.\n\n"
        "Blinken—who met Safadi—said the talks had stalled.\n\n"
        "WASHINGTON – Blinken – who met Safadi – said the envoy had left.",
        [("the talks would resume", "indirect", BLINKEN, "said"), ("“We will stay,”", "direct", BLINKEN, "said"),
         ("the talks had stalled", "indirect", BLINKEN, "said"), ("the envoy had left", "indirect", BLINKEN, "said")]),
    # Found in review of the dashed-aside rule: it served the attribution-first pattern only;
    # after a content, the aside's "who" was read as the sign of a content after the comma ("…, a
    # claim that Damascus denied"), so "The talks have stalled, Blinken -- who met Safadi -- said."
    # gave nothing.
    row("an_aside_set_off_by_dashes_before_the_cue_of_a_content_first_paraphrase", QUOTE_ROW,
        "The talks have stalled, Blinken -- who met Safadi on Monday -- told reporters.\n\n"
        "The war is over, Assad — who rarely speaks — said.",
        [("The talks have stalled", "indirect", BLINKEN, "told"), ("The war is over", "indirect", ASSAD, "said")]),
    # A known miss: "“We will stay”—Blinken said." found no attribution (a quotation closed
    # without a comma or period inside was taken for a phrase), and "“…,” said Blinken—and left."
    # had the SOURCE "Blinken—and left". An em dash, with or without spaces, or a spaced en dash
    # sets off the attribution; after an inverted cue the name ends at it.
    row("a_dash_after_a_quotation_sets_off_its_attribution_as_a_comma_does", QUOTE_ROW,
        "“We will stay”—Blinken said.\n\n“We will win” — said Blinken.\n\n"
        "“Go home,” said Blinken—and left.\n\n“It is over” – Assad said.",
        [("“We will stay”", "direct", BLINKEN, "said"), ("“We will win”", "direct", BLINKEN, "said"),
         ("“Go home,”", "direct", BLINKEN, "said"), ("“It is over”", "direct", ASSAD, "said")]),
    # Found by a hunt: the dash rule read the clause after any quotation and dash as its
    # attribution: "He said “no”—then Blinken said “yes.”" gave “no” to "then Blinken" (and a mixed
    # QUOTE of "He" running over both quotations), "Assad’s “victory”—and the US said it was
    # hollow—" gave “victory” to "the US", "“reforms”—which Blinken said were cosmetic—" to Blinken.
    # A dash opens an aside as often as an attribution: a clause opening with a conjunction or a
    # relative pronoun is none. An attribution after a dash stays one ("“…”—Blinken said").
    row("a_clause_of_its_own_after_a_quotation_and_a_dash_is_no_attribution_of_it", QUOTE_ROW,
        "He said “no”—then Blinken said “yes.”\n\nAssad’s “victory”—and the US said it was hollow—came "
        "at a cost.\n\nAssad’s “reforms”—which Blinken said were cosmetic—failed.\n\n“Sanctions work”—but "
        "Syria says otherwise.\n\n“We will stay”—Blinken said.",
        [("“no”", "direct", ("He", None), "said"), ("“We will stay”", "direct", BLINKEN, "said")]),
    # Found by a hunt: the interrupted-quotation rule made any quotation after "“…,” Blinken
    # said," his words: "“Friends of Syria” members recalled" and "“the Caesar Act”
    # notwithstanding" were QUOTEs of Blinken. A second part ends a clause, with punctuation inside
    # its closing mark or after it; a quoted name the sentence goes on after is none.
    row("a_quoted_phrase_the_sentence_goes_on_after_is_no_second_part_of_an_interrupted_quotation", QUOTE_ROW,
        "“We will stay,” Blinken said, “Friends of Syria” members recalled.\n\n"
        "“We will stay,” Blinken said, “the Caesar Act” notwithstanding.\n\n"
        "“Sanctions,” Blinken said, “‘work.’”\n\n“Stop,” Assad said — “now” — and left.",
        [("“We will stay,”", "direct", BLINKEN, "said"), ("“We will stay,”", "direct", BLINKEN, "said"),
         ("“Sanctions,”", "direct", BLINKEN, "said"), ("“‘work.’”", "direct", BLINKEN, "said"),
         ("“Stop,”", "direct", ASSAD, "said"), ("“now”", "direct", ASSAD, "said")]),
    # Found by a hunt: the inverted-attribution rule gave "Told Assad: “Leave.”" the SOURCE
    # "Assad" (who was told, not who spoke), "Denied the charge: “We did nothing.”" the SOURCE "the
    # charge", "Urged Washington, “Act now.”" the SOURCE Washington. The noun phrase after these
    # verbs is their object: no inversion; "Said Assad:" and "Added the minister," still are.
    row("a_reporting_verb_whose_object_follows_it_opens_no_inverted_attribution", QUOTE_ROW,
        "Told Assad: “Leave.”\n\nDenied the charge: “We did nothing.”\n\nUrged Washington, “Act now.”\n\n"
        "Said Assad: “Never.”\n\nAdded the minister, “We will stay.”",
        [("“Never.”", "direct", ASSAD, "Said"),
         ("“We will stay.”", "direct", ("the minister", "bashar-al-assad"), "Added")]),
    # Found while fixing "Said Darwish, a Kurdish commander, denied it": "“…,” Major Alicia Brandt,
    # a Pentagon spokesperson, told a briefing." had no direct QUOTE (a source before the cue held no
    # comma), and the content-first pattern made the quotation and the name one QUOTE of the SOURCE
    # "a briefing". The appositive or relative clause set off by commas stays out of the SOURCE.
    row("a_name_and_its_appositive_after_a_quotation_are_its_attribution", QUOTE_ROW,
        "“We will stay,” Major Blinken, a State Department spokesperson, told a briefing.\n\n"
        "“We will not relent,” Assad, who met Safadi, said.",
        [("“We will stay,”", "direct", ("Major Blinken", "antony-blinken"), "told"),
         ("“We will not relent,”", "direct", ASSAD, "said")]),
    # '"…," rejecting calls': QUOTE the fragment, SOURCE "rejecting", CUE "calls".
    row("a_participle_after_a_quotation_is_no_source", QUOTE_ROW,
        'Blinken said US forces would stay "as long as the threat remains," rejecting calls for a withdrawal.',
        [('US forces would stay "as long as the threat remains," rejecting calls for a '
          'withdrawal', "mixed", BLINKEN, "said")]),
    row("pronoun_sources_take_the_previous_speaker_and_non_attributions_are_left_alone", QUOTE_ROW,
        'Assad said the war was over. "There is always hope," he said.\n\n'
        "The US neither confirmed nor denied whether talks took place. Arab states believe Assad has won.",
        [("the war was over", "indirect", ASSAD, "said"),
         ('"There is always hope,"', "direct", ("he", "bashar-al-assad"), "said")]),
    # The bounds of a content-first quote, which no row held: content of three words at least ("Hamas
    # accepted" is none), an attribution after the comma of 14 words at most (counting the comma: a
    # longer tail is more likely a clause of the narrative than a speaker and a cue).
    row("a_content_first_quote_has_three_words_and_a_tail_of_fourteen_at_most", QUOTE_ROW,
        "Hamas accepted, mediators said.\n\nHamas accepted it, mediators said.\n\n"
        "The talks failed, a senior official of the Syrian foreign ministry in Damascus said on Monday.\n\n"
        "The talks stalled, a senior official of the Syrian foreign ministry in Damascus said on Monday evening.",
        [("Hamas accepted it", "indirect", ("mediators", None), "said"),
         ("The talks failed", "indirect", ("a senior official of the Syrian foreign ministry in Damascus", None),
          "said")]),
    # Three words of closed lists that no row held (a mutation run: each dropped failed nothing):
    # "top" opening the placed people before "in Syria and Jordan" (else the SOURCE was "Jordan"),
    # "mediators" as a speaker's head noun after an aside (else the cue was not inverted), and "I"
    # as a registered person's pronoun, nested in that person's quote (else its speaker was null).
    row("top_officials_placed_mediators_after_an_aside_and_a_nested_i", QUOTE_ROW,
        "The talks failed, top officials in Syria and Jordan said.\n\n"
        "The sanctions stay, for now, said the Qatari mediators.\n\n"
        "Blinken said the talks failed. “I said that the convoys would wait,” Blinken said.",
        [("The talks failed", "indirect", ("top officials in Syria and Jordan", None), "said"),
         ("The sanctions stay", "indirect", ("the Qatari mediators", None), "said"),
         ("the talks failed", "indirect", BLINKEN, "said"),
         ("“I said that the convoys would wait,”", "direct", BLINKEN, "said"),
         ("the convoys would wait", "indirect", ("I", "antony-blinken"), "said")]),
    # Found in review: a "we" or "they" SOURCE took the previous quote's speaker ("“We told them
    # that …,” Blinken said" gave the nested "We" antony-blinken; the guidelines: a "we" in an
    # official's words is the government, a "they" the people it refers to). Only "he", "she", "I"
    # after a registered person's quote and "it" after a state's or an institution's are that speaker;
    # the others, whose referent the rules cannot know, get null.
    row("a_pronoun_source_takes_the_previous_speaker_only_when_it_can_stand_for_it", ("source", "speaker"),
        "“We told them that the crossing would stay shut,” Blinken said. “They said that the convoys "
        "would wait,” Blinken said.\n\nSyria said the crossing was shut. “It will stay shut,” it said. "
        "“It will not open,” he said.\n\nAssad said the crossing was shut. “It is shut,” he said.",
        [BLINKEN, ("We", None), BLINKEN, ("They", None),
         ("Syria", "syria"), ("it", "syria"), ("he", None), ASSAD, ("he", "bashar-al-assad")]),
    # Found in review: a pronoun SOURCE took the previous quote's speaker whatever the narrative named
    # between, so in "Blinken said … Assad met envoys in Damascus. He said …" "He" was Blinken's, though
    # the guidelines give a pronoun whom it refers to, not the nearest earlier speaker; the fix for
    # descriptions ("The UN condemned the strikes. The department said …") did this only for them.
    # Another registered one of its kind named in the narrative since the previous quote's sentence,
    # a person for "he", an institution for "it", leaves it none; one named in that sentence or inside
    # a QUOTE, or one of another kind (an institution before "he"), changes nothing.
    row("a_pronoun_source_after_another_of_its_kind_named_in_the_narrative_has_no_speaker", ("source", "speaker"),
        "Blinken said the talks failed. Assad met envoys in Damascus. He said the strikes would go on.\n\n"
        "The State Department said the talks failed. The UN condemned the strikes. It said the aid would stop.\n\n"
        "Blinken, after meeting Assad, said the talks failed. He said the strikes would go on.\n\n"
        "“Assad must go,” Blinken said. He said the strikes would go on.\n\n"
        "Blinken said the talks failed. The State Department condemned the strikes. He said the aid would stop.",
        [BLINKEN, ("He", None), ("The State Department", "us-state-department"), ("It", None), BLINKEN,
         ("He", "antony-blinken"), BLINKEN, ("He", "antony-blinken"), BLINKEN, ("He", "antony-blinken")]),
    # A known miss: "“It was his last,” said to be his last words, …" gave the SOURCE "to be his
    # last words" (an inverted attribution), and "Assad is said to have met US officials" the QUOTE
    # "to have met US officials" of Assad: a passive of hearsay names no speaker. "said to reporters"
    # stays a cue.
    row("a_reporting_verb_before_to_be_or_to_have_is_a_passive_and_no_cue", QUOTE_ROW,
        "“It was his last,” said to be his last words, were recorded by a guard.\n\n"
        "Assad is said to have met US officials in Oman.\n\n"
        "Tice is said to be alive, Blinken said.\n\n"
        "Blinken said to reporters that the sanctions would stay.",
        [("Tice is said to be alive", "indirect", BLINKEN, "said"),
         ("the sanctions would stay", "indirect", BLINKEN, "said")]),
    # Found in review: "The Syrian Foreign Ministry said Monday the strikes were illegal" (news
    # style for "said on Monday") gave the QUOTE "Monday the strikes were illegal". A weekday's
    # possessive or one before an auxiliary is the content's.
    row("a_bare_weekday_after_the_cue_is_the_verb_s_not_the_content_s", ("quote", "cue"),
        "The State Department said Tuesday it would not normalize relations with Assad.\n\n"
        "Blinken told reporters Monday the sanctions would stay.\n\n"
        "Blinken said Monday's attack was unacceptable.\n\n"
        "Blinken said Monday would be decisive for the talks.",
        [("it would not normalize relations with Assad", "said"), ("the sanctions would stay", "told"),
         ("Monday's attack was unacceptable", "said"), ("Monday would be decisive for the talks", "said")]),
    # "Shop owners in Damascus" were linked to Damascus; generic speakers have none.
    row("a_place_speaks_only_as_the_source_itself_not_as_where_the_speakers_are", ("source", "speaker"),
        "Shop owners in Damascus said the prices rose.\n\n"
        "The United States said that the corridor would stay open.\n\n"
        "Syria's foreign ministry said that talks were over.",
        [("Shop owners in Damascus", None), ("The United States", "united-states"),
         ("Syria's foreign ministry", "syria")]),
    # Found in review: "The ministry said officials said the talks failed." gave the inner quote the
    # SOURCE "The ministry said officials", read back to the sentence's start past the outer cue. A
    # paraphrase that reports another holds it (guidelines: nested attributions, the inner QUOTE
    # inside the outer one), and so the inner SOURCE: it is read from the outer QUOTE's start.
    row("an_attribution_nested_in_a_paraphrase_without_that_has_its_source_inside_it", QUOTE_ROW,
        "The ministry said officials said the talks failed.\n\n"
        "Blinken said Syrian officials told reporters the crossing would reopen.",
        [("officials said the talks failed", "indirect", ("The ministry", None), "said"),
         ("the talks failed", "indirect", ("officials", None), "said"),
         ("Syrian officials told reporters the crossing would reopen", "indirect", BLINKEN, "said"),
         ("the crossing would reopen", "indirect", ("Syrian officials", None), "told")]),
    # Found in review: "The war, which the UN says killed 350,000 people, is not over." gave the
    # QUOTE "killed 350,000 people, is not over" (004 has "the civil war, which the United Nations
    # says killed at least 350,000 people, and the Arab states …"): the content ran to the sentence's
    # end. A relative clause set off by a comma ends at the next comma, as a framing clause does
    # ("While the US said …, it …"), but not at the thousands separator of "350,000".
    row("an_attribution_in_a_relative_clause_set_off_by_commas_reports_no_more_than_the_clause", QUOTE_ROW,
        "The war, which the UN says killed 350,000 people, is not over.\n\n"
        "The commander, who Assad said led the attack, was killed on Friday.\n\n"
        "While the US said 1,200 troops would stay, the Pentagon gave no number.",
        [("killed 350,000 people", "indirect", ("the UN", "united-nations"), "says"),
         ("led the attack", "indirect", ASSAD, "said"),
         ("1,200 troops would stay", "indirect", ("the US", "united-states"), "said")]),
    # Found in review (2026-12-07): a reporting verb after an article is a noun, no CUE ("The accused
    # said" gave a QUOTE "said he had been tortured" with SOURCE "The" and CUE "accused")
    row("a_reporting_word_after_an_article_is_no_cue", QUOTE_ROW,
        "The accused, however, said he had been tortured. The talks failed, the accused said. "
        "One said the talks failed.",
        [("he had been tortured", "indirect", ("The accused", None), "said"),
         ("The talks failed", "indirect", ("the accused", None), "said"),
         ("the talks failed", "indirect", ("One", None), "said")]),
    row("direct_quotes_after_before_inverted_and_continued", (*QUOTE_ROW, ("source.id", "cue.id")),
        '"We will not relent," Blinken said. "We want him home."\n\n'
        '"The corridor must stay open," said Karen Whitlow, a spokesperson.\n\n'
        'The statement continued: "We remain engaged."',
        [('"We will not relent,"', "direct", BLINKEN, "said", ("ps1", "pc2")),
         ('"We want him home."', "direct", BLINKEN, "said", ("ps1", "pc2")),
         ('"The corridor must stay open,"', "direct", ("Karen Whitlow", None), "said", ("ps3", "pc4")),
         ('"We remain engaged."', "direct", ("The statement", None), "continued", ("ps5", "pc6"))]),
    # Found by a hunt: SOURCE "Blinken" and CUE "said", found with a direct quotation (0.8), took
    # the continued quotation's 0.5 in the prediction, as the last quote to use them set it.
    row("a_source_and_cue_reused_by_a_continued_quote_keep_the_score_they_were_found_with",
        ("quote", "score", "source.score", "cue.score"),
        "“We will not relent,” Blinken said.\n\n“We want him home.”",
        [("“We will not relent,”", 0.8, 0.8, 0.8), ("“We want him home.”", 0.5, 0.8, 0.8)]),
    # Found by a hunt: "Friday Blinken said …" holds the DATE "Friday" and the name "Blinken"
    # (the weekday rule of 2026-12-06), but its SOURCE stayed "Friday Blinken", and "Tuesday Syria
    # said" had the SOURCE "Tuesday Syria" with no speaker (a state speaks when it opens the
    # SOURCE). The SOURCE is the speaker's noun phrase, without the date; a weekday that is a name's
    # word stays in it ("Sunday Times reporters").
    row("a_weekday_date_opening_a_sentence_is_no_part_of_the_source", (*QUOTE_ROW, SPANS),
        "Friday Blinken said the US would act.\n\nTuesday Syria said it would retaliate.\n\n"
        "Sunday Times reporters said the talks failed.",
        [("the US would act", "indirect", BLINKEN, "said", (20, 36, 7, 14, 15, 19)),
         ("it would retaliate", "indirect", ("Syria", "syria"), "said", (58, 76, 47, 52, 53, 57)),
         ("the talks failed", "indirect", ("Sunday Times reporters", None), "said", (107, 123, 79, 101, 102, 106))]),
    # Found in review: "Said Darwish, a Kurdish commander, denied it." gave the QUOTE "Said
    # Darwish, a Kurdish commander" and the SOURCE "it": the content-first pattern read "denied it"
    # as "…, said Blinken." is read. The noun phrase after such a verb is its object (the rule of
    # "Told Assad: “Leave.”"), so what precedes the comma is its subject, no content.
    row("a_reporting_verb_whose_object_follows_it_after_a_comma_is_no_inverted_attribution", (*QUOTE_ROW, SPANS),
        "Said Darwish, a Kurdish commander, denied it.\n\n"
        "Said Darwish, a Kurdish commander, denied the report.\n\n"
        "The strike was lawful, said Blinken.",
        [("the report", "indirect", ("Said Darwish", None), "denied", (89, 99, 47, 59, 82, 88)),
         ("The strike was lawful", "indirect", BLINKEN, "said", (102, 123, 130, 137, 125, 129))]),
    # Found in review: "“No,” said Assad to Blinken, “never.”" gave the SOURCE "Assad to Blinken"
    # and the speaker Blinken, who was spoken to. A name takes no post-modifier: the phrase after it
    # is the verb's ("in a statement", "on Tuesday", "at a news conference"); a noun phrase keeps
    # its post-modifiers without commas, as the guidelines say ("a spokesperson for the ministry").
    row("a_prepositional_phrase_after_a_name_after_an_inverted_cue_is_no_part_of_the_source", (*QUOTE_ROW, SPANS),
        "“No,” said Assad to Blinken, “never.”\n\n"
        "“We stay,” said Secretary of State Antony Blinken on Tuesday.\n\n"
        "The strike was lawful, said Blinken in a statement.\n\n"
        "“We left,” said Major Assad at a news conference.\n\n"
        "“We will return,” said a spokesperson for the ministry.",
        [("“No,”", "direct", ASSAD, "said", (0, 5, 11, 16, 6, 10)),
         ("“never.”", "direct", ASSAD, "said", (29, 37, 11, 16, 6, 10)),
         ("“We stay,”", "direct", ("Secretary of State Antony Blinken", "antony-blinken"), "said",
          (39, 49, 55, 88, 50, 54)),
         ("The strike was lawful", "indirect", BLINKEN, "said", (102, 123, 130, 137, 125, 129)),
         ("“We left,”", "direct", ("Major Assad", "bashar-al-assad"), "said", (155, 165, 171, 182, 166, 170)),
         ("“We will return,”", "direct", ("a spokesperson for the ministry", None), "said",
          (206, 223, 229, 260, 224, 228))]),
    # A known miss: "“No,” said a statement carried by the state news agency on Friday." gave no
    # quote: a SOURCE after an inverted cue had at most 8 words, and this one, the guidelines' own
    # example of a SOURCE with its post-modifiers, has 9. It has the limit of a SOURCE before its
    # cue (12 words), by the pattern after a quotation and the content-first one.
    row("a_long_post_modified_noun_phrase_after_an_inverted_cue_is_the_source", (*QUOTE_ROW, SPANS),
        "“No,” said a statement carried by the state news agency on Friday.\n\n"
        "The talks failed, said a statement carried by the state news agency on Friday.",
        [("“No,”", "direct", ("a statement carried by the state news agency on Friday", None), "said",
          (0, 5, 11, 65, 6, 10)),
         ("The talks failed", "indirect", ("a statement carried by the state news agency on Friday", None), "said",
          (68, 84, 91, 145, 86, 90))]),
    # Found while fixing "“No,” said Assad to Blinken": "Said Assad to Blinken: “Never.”" gave the
    # SOURCE "Assad" no speaker, as the entity layer took "Said" for a given name ("Said Karim, a
    # Syrian activist, fled"): only a colon, or a comma and a quotation, right after the name made
    # "Said" the verb. A phrase of the verb may stand between (text.py's VERB_PREPOSITIONS, the one
    # list both layers read).
    row("a_phrase_of_the_verb_after_an_inverted_attribution_s_name_keeps_the_name", QUOTE_ROW,
        "Said Assad to Blinken: “Never.”\n\nSaid Blinken in a statement: “We stay.”",
        [("“Never.”", "direct", ASSAD, "Said"), ("“We stay.”", "direct", BLINKEN, "Said")]),
    # Found in review: with 12 words allowed after an inverted cue, "“We will stay,” said a tired
    # Blinken as he boarded his plane on Tuesday." had the SOURCE "a tired Blinken as he boarded his
    # plane on Tuesday", and "said the spokesman when asked about the deal" (7 words) already had
    # its clause: a SOURCE opening lowercase kept everything up to the comma. The guidelines' SOURCE
    # is a noun phrase with its post-modifiers; a clause "as", "when" or "while" opens is the
    # verb's. "such as" and "as well as" stay inside the phrase.
    row("a_clause_of_the_verb_after_an_inverted_cue_s_noun_phrase_is_no_part_of_the_source", (*QUOTE_ROW, SPANS),
        "“We will stay,” said a tired Blinken as he boarded his plane on Tuesday.\n\n"
        "“We are ready,” said a spokesman when asked about the deal.\n\n"
        "“We are ready,” said a minister while visiting a refugee camp near the border.\n\n"
        "“We will stay,” said officials from countries such as Jordan.\n\n"
        "“We will stay,” said a minister as well as his deputy.",
        [("“We will stay,”", "direct", ("a tired Blinken", "antony-blinken"), "said", (0, 15, 21, 36, 16, 20)),
         ("“We are ready,”", "direct", ("a spokesman", None), "said", (74, 89, 95, 106, 90, 94)),
         ("“We are ready,”", "direct", ("a minister", None), "said", (135, 150, 156, 166, 151, 155)),
         ("“We will stay,”", "direct", ("officials from countries such as Jordan", None), "said",
          (215, 230, 236, 275, 231, 235)),
         ("“We will stay,”", "direct", ("a minister as well as his deputy", None), "said",
          (278, 293, 299, 331, 294, 298))]),
    # A known miss: "Said Blinken, who met Safadi in Amman: “We will stay.”" gave no quote and lost
    # the name, "Said" taken for a given name: the inverted attribution's colon, or comma and
    # quotation, had to follow the name. A relative clause or an appositive set off by commas stays
    # out of the SOURCE (the guidelines); "Said Karim, a Syrian activist, fled" is still a name.
    row("an_aside_after_an_inverted_attribution_s_name_is_no_part_of_the_source", (*QUOTE_ROW, SPANS),
        "Said Blinken, who met Safadi in Amman: “We will stay.”\n\n"
        "Said Assad, the Syrian president, “Never.”\n\nSaid Karim, a Syrian activist, fled.",
        [("“We will stay.”", "direct", BLINKEN, "Said", (39, 54, 5, 12, 0, 4)),
         ("“Never.”", "direct", ASSAD, "Said", (90, 98, 61, 66, 56, 60))]),
    # A known miss: in "“We will stay,” he said, “and we will rebuild.”" the second part was no
    # quote (the source before its cue ran back into the first part). The guidelines' direct QUOTE
    # runs from an opening to its closing mark and SOURCE and CUE are no content, so the parts are
    # two QUOTEs, both related to the one SOURCE and CUE region (as a continued quotation is); a
    # second part with an attribution of its own keeps it ("…,” he added").
    row("an_interrupted_quotation_is_two_quotes_of_one_source_and_cue", (*QUOTE_ROW, REGIONS, SPANS, "score"),
        "“We will stay,” he said, “and we will rebuild.”\n\n"
        "“The corridor must stay open,” said Blinken, “whatever Damascus says.”\n\n"
        "“We will stay”—Assad said—“to the end.”\n\n"
        "“We will stay,” Blinken said, “and we will rebuild,” he added.",
        [("“We will stay,”", "direct", ("he", None), "said", ("pq1", "ps1", "pc2"), (0, 15, 16, 18, 19, 23), 0.8),
         ("“and we will rebuild.”", "direct", ("he", None), "said", ("pq2", "ps1", "pc2"),
          (25, 47, 16, 18, 19, 23), 0.8),
         ("“The corridor must stay open,”", "direct", BLINKEN, "said", ("pq3", "ps3", "pc4"),
          (49, 79, 85, 92, 80, 84), 0.8),
         ("“whatever Damascus says.”", "direct", BLINKEN, "said", ("pq4", "ps3", "pc4"),
          (94, 119, 85, 92, 80, 84), 0.8),
         ("“We will stay”", "direct", ASSAD, "said", ("pq5", "ps5", "pc6"), (121, 135, 136, 141, 142, 146), 0.8),
         ("“to the end.”", "direct", ASSAD, "said", ("pq6", "ps5", "pc6"), (147, 160, 136, 141, 142, 146), 0.8),
         ("“We will stay,”", "direct", BLINKEN, "said", ("pq7", "ps7", "pc8"), (162, 177, 178, 185, 186, 190), 0.8),
         ("“and we will rebuild,”", "direct", ("he", "antony-blinken"), "added", ("pq8", "ps9", "pc10"),
          (192, 214, 215, 217, 218, 223), 0.8)]),
    # A known miss: in "“We will stay,” said Blinken, adding, “we will not leave.”" the second
    # quotation was no quote (only a comma or a dash might stand between the attribution and a second
    # part). The participle is its reporting word, so its CUE (the guidelines: the reporting word),
    # and its SOURCE the speaker mention nearest to it in the sentence, the first part's, the one
    # region; a quoted name the sentence goes on after is still no second part.
    row("a_quotation_after_a_reporting_participle_is_the_same_speaker_s_with_the_participle_its_cue",
        (*QUOTE_ROW, REGIONS, SPANS, "score"),
        "“We will stay,” said Blinken, adding, “we will not leave.”\n\n"
        "“We will stay,” Assad said on Tuesday, noting: “We will win.”\n\n"
        "“We will stay,” Assad said, adding, “Friends of Syria” members recalled.",
        [("“We will stay,”", "direct", BLINKEN, "said", ("pq1", "ps1", "pc2"), (0, 15, 21, 28, 16, 20), 0.8),
         ("“we will not leave.”", "direct", BLINKEN, "adding", ("pq2", "ps1", "pc3"), (38, 58, 21, 28, 30, 36), 0.8),
         ("“We will stay,”", "direct", ASSAD, "said", ("pq3", "ps4", "pc5"), (60, 75, 76, 81, 82, 86), 0.8),
         ("“We will win.”", "direct", ASSAD, "noting", ("pq4", "ps4", "pc6"), (107, 121, 76, 81, 99, 105), 0.8),
         ("“We will stay,”", "direct", ASSAD, "said", ("pq5", "ps7", "pc8"), (123, 138, 139, 144, 145, 149), 0.8)]),
    # Found in review: in "“We will stay,” said Blinken as Safadi added, “we agree.”" the second
    # quotation was Blinken's, the CUE "said" (a phrase of the verb may stand between an attribution
    # and a second part, and "as Safadi added" was read as one), and the first quotation's words an
    # indirect QUOTE of Safadi. A phrase holding a reporting verb is that speaker's attribution: the
    # second quotation is Safadi's, "added" its CUE; a phrase without one keeps the second part
    # the first speaker's.
    row("a_quotation_after_another_speaker_s_reporting_verb_is_no_second_part", (*QUOTE_ROW, SPANS),
        "“We will stay,” said Blinken as Safadi added, “we agree.”\n\n"
        "“We will stay,” Blinken said as Assad looked on, “we will not leave.”",
        [("“We will stay,”", "direct", BLINKEN, "said", (0, 15, 21, 28, 16, 20)),
         ("“we agree.”", "direct", ("Safadi", None), "added", (46, 57, 32, 38, 39, 44)),
         ("“We will stay,”", "direct", BLINKEN, "said", (59, 74, 75, 82, 83, 87)),
         ("“we will not leave.”", "direct", BLINKEN, "said", (108, 128, 75, 82, 83, 87))]),
    # A known miss: "Said Blinken: “…”" gave the name and no quote (a capitalized cue was no
    # cue, and the word before the colon, "Blinken", is none either). The sentence's first word, a
    # reporting verb, is the CUE as written, the noun phrase up to the colon or comma the SOURCE,
    # the quotation a direct QUOTE (0.8, as after "Blinken said:"); no name or noun phrase after the
    # verb, no attribution ("Added to the list: “…”").
    row("an_inverted_attribution_opening_a_sentence_before_a_quotation", (*QUOTE_ROW, SPANS, "score"),
        "Added the minister, “The corridor must stay open.”\n\n"
        "Said Blinken: “We will not relent.”\n\n"
        "Added to the list: “Hezbollah” was named.",
        [("“The corridor must stay open.”", "direct", ("the minister", None), "Added", (20, 50, 6, 18, 0, 5), 0.8),
         ("“We will not relent.”", "direct", BLINKEN, "Said", (66, 87, 57, 64, 52, 56), 0.8)]),
    # Found in review of the rules no test held: a SOURCE's name ended at any period, so "“…,” said
    # Gen. Tom Ruiz." gave the SOURCE "Gen", "“…,” Mr. Ruiz said." and "…, said Cmdr. Ruiz." nothing.
    # A period ends a name where it ends a sentence (text.sentences): not after an abbreviation,
    # nor within a word ("the U.S. envoy").
    row("a_period_after_a_title_or_within_a_word_is_part_of_the_source", QUOTE_ROW,
        "“We left,” said Gen. Tom Ruiz.\n\n"
        "“We stay,” Mr. Ruiz said.\n\n"
        "The talks failed, said Cmdr. Ruiz.\n\n"
        "Said the U.S. envoy: “We will not relent.”\n\n"
        "“We left,” said Ruiz. Gen. Tom Ruiz stayed.",
        [("“We left,”", "direct", ("Gen. Tom Ruiz", None), "said"),
         ("“We stay,”", "direct", ("Mr. Ruiz", None), "said"),
         ("The talks failed", "indirect", ("Cmdr. Ruiz", None), "said"),
         ("“We will not relent.”", "direct", ("the U.S. envoy", None), "Said"),
         ("“We left,”", "direct", ("Ruiz", None), "said")]),
    # _PAST_IN_EED held by no test: "freed" is a past form, so "who the police freed" is a clause
    # of the SOURCE's noun, not the SOURCE "the police freed"
    row("a_past_form_in_eed_ends_a_relative_clause_of_the_source", QUOTE_ROW,
        "The man who the police freed said the talks failed.",
        [("the talks failed", "indirect", ("The man who the police freed", None), "said")]),
    # Found by mutation: an interrupted indirect quote scored 0.6 instead of 0.5 and no test failed;
    # the score of each pattern, as quotes.py's docstring gives them.
    row("each_pattern_s_quote_source_and_cue_have_its_score", ("quote", "score", "source.score", "cue.score"),
        "“We will not relent,” Blinken said.\n\nBlinken said the talks had failed badly.\n\n"
        "The talks failed badly, Blinken said.\n\nAccording to Blinken, the talks failed badly.\n\n"
        "The bridge, the mayor said, would reopen in May.",
        [("“We will not relent,”", 0.8, 0.8, 0.8), ("the talks had failed badly", 0.6, 0.6, 0.6),
         ("The talks failed badly", 0.6, 0.6, 0.6), ("the talks failed badly", 0.6, 0.6, 0.6),
         ("The bridge, the mayor said, would reopen in May", 0.5, 0.5, 0.5)]),
    # Found by mutation: without dashes in the characters a QUOTE is trimmed of at its start, no
    # test failed; the content after a dash would open with it, and no content opens with
    # punctuation, so the quote was lost.
    row("a_dash_between_the_cue_and_the_content_is_no_part_of_it", QUOTE_ROW,
        "Blinken said — the talks had failed.",
        [("the talks had failed", "indirect", BLINKEN, "said")]),
    # Found by mutation: each of these rules could be dropped and no test failed. "or" or "nor"
    # after an attribution's comma opens no rest of an interrupted quote (quotes._NOT_INTERRUPTING);
    # "amid" opens a reporter's addition, which stays out of the content (ADDITION); "agreed" is a
    # past form that ends a clause (_PAST_IN_EED), so the cue after an aside is inverted; "the
    # military" is an institution's noun, which takes no person's speaker before it
    # (INSTITUTION_NOUNS).
    row("or_nor_amid_agreed_and_military_are_read_by_their_rules", QUOTE_ROW,
        "The talks failed, officials said, or so it seemed to them.\n\n"
        "The talks never failed, officials said, nor would they fail soon.\n\n"
        "Blinken said the talks had failed, amid renewed fighting.\n\n"
        "Syria and Jordan agreed, for now, announced a spokesman.\n\n"
        "“We will stay,” Blinken said.\n\nThe military said it would withdraw.",
        [("The talks failed", "indirect", ("officials", None), "said"),
         ("The talks never failed", "indirect", ("officials", None), "said"),
         ("the talks had failed", "indirect", BLINKEN, "said"),
         ("Syria and Jordan agreed", "indirect", ("a spokesman", None), "announced"),
         ("“We will stay,”", "direct", BLINKEN, "said"),
         ("it would withdraw", "indirect", ("The military", None), "said")]),
    # Found by mutation: dropping "forces" from the people placed before places joined by "and"
    # (quotes._PLACED_PEOPLE) or "This" from a definite description (_DEFINITE) failed no test.
    row("forces_in_two_places_and_this_government_are_read_by_their_rules", QUOTE_ROW,
        "US forces in Syria and Iraq said the talks had failed.\n\n"
        "Syria said the talks had failed.\n\nThis government said it would withdraw.",
        [("the talks had failed", "indirect", ("US forces in Syria and Iraq", "united-states"), "said"),
         ("the talks had failed", "indirect", ("Syria", "syria"), "said"),
         ("it would withdraw", "indirect", ("This government", "syria"), "said")]),
    # What the linear search of quotes keeps (bench/preannotate.py measures it: ten times the text
    # took some 60 to 90 times as long, as each sentence looked through every quotation, each cue
    # through every quote found, each SOURCE through every mention, a continued quotation through
    # every quote before it, and each quote through every other to clip it).
    row("quotes_of_a_passage_repeated_are_found_as_in_the_passage_alone", ("quote", "source", "speaker", "cue"),
        ("Antony Blinken said on Tuesday that Syria \u201cmust change\u201d, according to officials. "
         "\u201cWe will act,\u201d he said.\n\u201cWe will rebuild.\u201d\n") * 2,
        [("Antony Blinken said on Tuesday that Syria \u201cmust change\u201d", "officials", None, "according to"),
         ("Syria \u201cmust change\u201d", "Antony Blinken", "antony-blinken", "said"),
         ("\u201cWe will act,\u201d", "he", "antony-blinken", "said"),
         ("\u201cWe will rebuild.\u201d", "he", "antony-blinken", "said")] * 2),
    # Found by mutation: a SOURCE of 13 words failed no test. A SOURCE has 12 words at most, before
    # its cue or after an inverted one (quotes._SOURCE_WORDS): one more and the quote is not found.
    row("a_source_has_twelve_words_at_most", ("quote", "source", "cue"),
        "A senior official of the Syrian foreign ministry in Damascus on Monday said the talks failed.\n\n"
        "A senior official of the Syrian foreign ministry in Damascus on Monday evening said the talks failed.\n\n"
        "“No,” said a senior official of the Syrian foreign ministry in Damascus on Monday.\n\n"
        "“No,” said a senior official of the Syrian foreign ministry in Damascus on Monday evening.",
        [("the talks failed", "A senior official of the Syrian foreign ministry in Damascus on Monday", "said"),
         ("“No,”", "a senior official of the Syrian foreign ministry in Damascus on Monday", "said")]),
    # Found by mutation: keeping every attribution of one QUOTE span failed no test. Two verbs
    # reporting one clause ("said and denied that …") are two attributions of it; a span is one QUOTE,
    # its SOURCE and CUE those of the first.
    row("a_clause_two_verbs_report_is_one_quote_with_the_first_cue", QUOTE_ROW,
        "The ministry said and denied that the talks failed.\n\nBlinken said and added that the talks failed.",
        [("the talks failed", "indirect", ("The ministry", None), "said"),
         ("the talks failed", "indirect", BLINKEN, "said")]),
]


@pytest.mark.parametrize(("fields", "text", "expected"), RULE_QUOTES)
def test_the_quote_rules_find(fields, text, expected):
    found, scores = rule_quotes(text)
    assert values(found, fields, scores) == expected


# Each row: a text and the (QUOTE, SOURCE) of each attribution the patterns find in it, before any region is made.
ATTRIBUTIONS = [
    row("a_dateline_is_no_part_of_the_source",
        "WASHINGTON – US Defense Secretary Lloyd Austin said on Monday that US troops would stay in Syria.",
        [("US troops would stay in Syria", "US Defense Secretary Lloyd Austin")]),
    # Found by a hunt: SOURCE '• Joe Biden' and '(Antony Blinken' with QUOTE 'the envoy would
    # return soon.)'; the guidelines want the noun phrase, and the clause without its final period.
    row("sources_and_quotes_leave_bullets_symbols_and_unpaired_brackets_out",
        "• Joe Biden said that the talks had failed badly.\n\n(Antony Blinken said that the envoy would "
        "return soon.)\n\n🔴 LIVE: Joe Biden said that the talks failed.\n\n■ The talks failed badly, "
        "Joe Biden said.\n\n* Joe Biden said that the talks (in Doha) failed.",
        [("the talks had failed badly", "Joe Biden"), ("the envoy would return soon", "Antony Blinken"),
         ("the talks failed", "Joe Biden"), ("The talks failed badly", "Joe Biden"),
         ("the talks (in Doha) failed", "Joe Biden")]),
    # Blinken's quote took in "according to the State Department" and crossed the State
    # Department's quote; the guidelines nest quotes, never cross them.
    row("a_quote_attributed_inside_another_ends_inside_it",
        "Blinken said last week that Washington would not normalize ties with Assad, according to the State "
        "Department.",
        [("Blinken said last week that Washington would not normalize ties with Assad", "the State Department"),
         ("Washington would not normalize ties with Assad", "Blinken")]),
    # Mutations of quotes.py that failed no test: an opening bracket's partner sought among closing
    # quotation marks (the bracket trimmed off "[Antony] Blinken"), an en dash read as a dash without
    # spaces, "!" dropped from the punctuation that ends a quotation inside its closing mark.
    row("a_bracket_paired_within_a_span_stays_at_its_edge",
        "“We stay,” said [Antony] Blinken.\n\n(Reuters) the talks failed and the envoy left, Blinken said.",
        [("“We stay,”", "[Antony] Blinken"), ("(Reuters) the talks failed and the envoy left", "Blinken")]),
    row("an_unspaced_en_dash_sets_off_no_attribution_as_an_em_dash_does",
        "“We stay”–Blinken said.\n\n“We go”—Blinken said.",
        [("“We go”", "Blinken")]),
    row("an_exclamation_mark_inside_the_closing_mark_ends_a_quotation_and_its_second_part",
        "“We stay!” he said.\n\n“We stay,” he said, “and we go!” as the crowd cheered.",
        [("“We stay!”", "he"), ("“We stay,”", "he"), ("“and we go!”", "he")]),
]


@pytest.mark.parametrize(("text", "expected"), ATTRIBUTIONS)
def test_the_attribution_patterns_find(text, expected):
    found = attributions(text)
    assert [(text[f.quote.start:f.quote.end], text[f.source.start:f.source.end]) for f in found] == expected


def test_a_source_region_shared_by_quotes_has_one_speaker():
    """Found by a hunt: SOURCE "he" of a quotation and of its continuation was one region with two
    speaker_ids (antony-blinken, then bashar-al-assad, the speaker of the attribution between):
    Label Studio got the first, and the scoring counted two SOURCE units."""
    from corpus_tools.preannotate.evaluate import _units

    text = "Blinken said it was over. “Assad made clear that Russia would stay,” he said.\n\n“We will not accept it.”"
    found, _ = rule_quotes(text)
    assert values(found, ("source", "speaker")) == [BLINKEN, ("he", "antony-blinken"), ASSAD, ("he", "antony-blinken")]
    assert len(_units(DocumentAnnotations("t", (), (), tuple(found)), "sources")) == 3


def test_of_two_persons_named_in_a_source_the_last_speaks():
    """The head of a SOURCE's noun phrase is its last word: "Assad critic Blinken" is Blinken
    (a mutation taking the first person named passed every other test)."""
    text = "Assad critic Blinken"
    mentions, _ = entity_mentions("t", text, Gazetteer(REGISTRY.values()))
    assert [m.entity_id for m in mentions] == ["bashar-al-assad", "antony-blinken"]
    assert speaker_of(Span(0, len(text)), mentions, {}, text) == "antony-blinken"


# the link of a nationality or a capital to its state, as the committed registry's descriptions word it
STATES = {e.id: e for e in (
    RegistryEntity("syria", "Syria", "GPE", ("Syria",), description="Country in Western Asia"),
    RegistryEntity("jordan", "Jordan", "GPE", ("Jordan",), description="Country in Western Asia"),
    RegistryEntity("united-states", "United States", "GPE", ("United States", "US"),
                   description="Country in North America"),
    RegistryEntity("damascus", "Damascus", "GPE", ("Damascus",),
                   description="Capital of Syria; metonymically the Syrian government"),
    RegistryEntity("washington-dc", "Washington, D.C.", "GPE", ("Washington",),
                   description="Capital of the United States; metonymically the US government"),
    RegistryEntity("doha", "Doha", "GPE", ("Doha",), description="Capital of Qatar"),
    RegistryEntity("syrians", "Syrians", "NORP", ("Syrian",),
                   description="People or state of Syria; the adjective Syrian"),
    RegistryEntity("americans", "Americans", "NORP", ("American",),
                   description="People of the United States; also the adjective American"),
    RegistryEntity("kurds", "Kurds", "NORP", ("Kurdish",), description="Kurdish people; the adjective Kurdish"),
)}


# Each row: the registry, the values compared (see values), a text of sentences and the quotes the
# whole pre-annotator finds in it (a document published 2024-03-14).
PREANNOTATED_QUOTES = [
    # Found in review: the DATELINE rule read no "(AP)", so "DAMASCUS, Syria (AP) —" stayed in the
    # SOURCE after it and in a content-first or interrupted QUOTE; a parenthesis that is no agency's
    # credit (lowercase) before an aside set off by dashes opens no dateline.
    row("a_dateline_with_the_agency_s_credit_is_no_part_of_the_source_or_the_content",
        REGISTRY, ("quote", "source", "speaker", "cue"),
        "DAMASCUS, Syria (AP) — Syria’s foreign ministry said the strikes were illegal.\n\n"
        "DAMASCUS, Syria (AP) — The strikes were illegal, the ministry said.\n\n"
        "The strikes (which killed 12) — the worst this year — were illegal, the ministry said.\n\n"
        "WASHINGTON (AP) — Blinken said the sanctions would stay.\n\n"
        "DAMASCUS, Syria (AP) — The sanctions, Blinken said, would stay in place.",
        [("the strikes were illegal", "Syria’s foreign ministry", "syria", "said"),
         ("The strikes were illegal", "the ministry", "syria", "said"),
         ("The strikes (which killed 12) — the worst this year — were illegal", "the ministry", "syria", "said"),
         ("the sanctions would stay", "Blinken", "antony-blinken", "said"),
         ("The sanctions, Blinken said, would stay in place", "Blinken", "antony-blinken", "said")]),
    # Found in review: "BEIRUT (Reuters) - …", a hyphen between spaces, was no dateline, so it stayed
    # in a content-first QUOTE and in the SOURCE; and any capitalized words before a dash were one, so
    # "In Damascus — the talks would resume, officials said" lost "In Damascus —" from its QUOTE, a
    # part of the reported clause. A dateline's place is a name whose first word is no function word
    # (in capitals before a credit); "Washington, DC –", as a corpus article writes it, stays one; a
    # name before a dash and a lowercase word opens an aside, no dateline ("Assad — long shunned —").
    row("a_dateline_is_a_name_before_a_spaced_dash_or_hyphen",
        plus("antony-blinken", "us-state-department", base=STATES), ("quote", "source", "speaker", "cue"),
        "BEIRUT (Reuters) - The talks would resume in Geneva, officials said.\n\n"
        "BEIRUT (Reuters) - Syria’s foreign ministry said the strikes were illegal.\n\n"
        "In Damascus — the talks would resume, officials said.\n\n"
        "Washington, DC – The United States will not lift the sanctions, the State Department said.\n\n"
        "Syrian Democratic Forces (SDF) — the US-backed militia — would hold the line, Blinken said.\n\n"
        "Assad — long shunned — is back in the Arab League, officials said.",
        [("The talks would resume in Geneva", "officials", None, "said"),
         ("the strikes were illegal", "Syria’s foreign ministry", "syria", "said"),
         ("In Damascus — the talks would resume", "officials", None, "said"),
         ("The United States will not lift the sanctions", "the State Department", "us-state-department", "said"),
         ("Syrian Democratic Forces (SDF) — the US-backed militia — would hold the line", "Blinken",
          "antony-blinken", "said"),
         ("Assad — long shunned — is back in the Arab League", "officials", None, "said")]),
    # Found in review: "Washington said" had the speaker washington-dc, the city; the guidelines'
    # metonymic speaker ("Lima said") is the state. The registry has no field for it; a capital's
    # description says whose capital it is, and that names a GPE record: Washington and Damascus
    # speak for united-states and syria; Doha, whose state has no record here, stays doha.
    row("a_capital_that_speaks_speaks_for_the_state_its_record_names", STATES, ("source", "speaker"),
        "“The crossing stays shut,” Washington said.\n\nDamascus said the crossing was shut.\n\n"
        "Doha said the crossing was shut.",
        [("Washington", "united-states"), ("Damascus", "syria"), ("Doha", "doha")]),
    # Found in review: "Syrian and Jordanian officials said" gave the SOURCE "Jordanian officials"
    # and the speaker jordan, as "and" ended the clause before the cue. The guidelines: the SOURCE is
    # the speaker mention as a whole noun phrase, and officials of several states together are one
    # SOURCE whose speaker is null; so are several people. A clause before "and" stays out of it
    # ("The talks ended and officials said" → "officials"), and one state named twice is that state.
    row("a_coordinated_source_before_its_cue_is_one_noun_phrase_whose_several_states_or_people_have_no_speaker",
        plus(RegistryEntity("jordanians", "Jordanians", "NORP", ("Jordanian",),
                            description="People or state of Jordan; the adjective Jordanian"),
             RegistryEntity("united-kingdom", "United Kingdom", "GPE", ("United Kingdom", "Britain")),
             RegistryEntity("british", "British", "NORP", ("British",),
                            description="People or state of the United Kingdom; the adjective British"),
             "antony-blinken", RegistryEntity("ayman-safadi", "Ayman Safadi", "PERSON", ("Safadi",)),
             base=STATES), ("source", "speaker"),
        "Syrian and Jordanian officials said the border would reopen.\n\nUS and British diplomats said the "
        "border would reopen.\n\nSyria and Jordan said the border would reopen.\n\nBlinken and Safadi said "
        "the border would reopen.\n\n“It will reopen,” Syria and Jordan said.\n\nThe talks ended and "
        "officials said the border would reopen.\n\nThe talks ended and Syrian officials said the border "
        "would reopen.\n\nSyria and Syrian officials said the border would reopen.",
        [("Syrian and Jordanian officials", None), ("US and British diplomats", None), ("Syria and Jordan", None),
         ("Blinken and Safadi", None), ("Syria and Jordan", None), ("officials", None),
         ("Syrian officials", "syria"), ("Syria and Syrian officials", "syria")]),
    # Found in review: "Officials in Syria and Jordan said" (the guidelines' own shape) gave the
    # SOURCE "Jordan" and its speaker, "Syria, Iraq and Jordan said" the SOURCE "Iraq and Jordan",
    # "The US, Britain, and France said" the QUOTE "The US, Britain" with the SOURCE "France", and
    # "Blinken, Safadi and Lavrov said" the speaker of Blinken, the one registered name. A name and
    # its appositive before the cue were read as a content-first quote whose SOURCE was the content
    # ("Ayman Safadi, Jordan's foreign minister, said the talks went well": SOURCE "the talks went
    # well"). A list is one SOURCE; its speaker is null when two of its items name different states or
    # people, or one names someone the registry does not hold; a clause's opening words are no item
    # ("In Damascus, Syria and Jordan said"); a person and his aides keep the person. Two
    # institutions joined by "and" gave the last one's id ("The Pentagon and the State Department").
    row("a_list_of_names_or_officials_in_several_places_is_one_source_without_a_speaker",
        plus("iraq", "antony-blinken", RegistryEntity("ayman-safadi", "Ayman Safadi", "PERSON", ()),
             "bashar-al-assad", "pentagon", "state-department", base=STATES), ("quote", "source", "speaker"),
        "Officials in Syria and Jordan said the border would reopen.\n\n"
        "Senior officials in Syria and Jordan said the border would reopen.\n\n"
        "Syria, Iraq and Jordan said the border would reopen.\n\n"
        "The US, Britain, and France said the strikes were lawful.\n\n"
        "In a joint statement, Syria, Iraq and Jordan said the border would reopen.\n\n"
        "In Damascus, Syria and Jordan said the border would reopen.\n\n"
        "Meanwhile, Syria and Jordan said the border would reopen.\n\n"
        "Blinken, Safadi and Lavrov said the talks went well.\n\n"
        "Ayman Safadi, Jordan's foreign minister, said the talks went well.\n\n"
        "Syria's Assad and his aides said the war was over.\n\n"
        "The talks ended in Geneva and officials said the border would reopen.\n\n"
        "The border will reopen next week, Jordan's foreign minister said.\n\n"
        "The Pentagon and the State Department said the strikes were lawful.\n\n"
        "The State Department and its spokesman said the strikes were lawful.",
        [("the border would reopen", "Officials in Syria and Jordan", None),
         ("the border would reopen", "Senior officials in Syria and Jordan", None),
         ("the border would reopen", "Syria, Iraq and Jordan", None),
         ("the strikes were lawful", "The US, Britain, and France", None),
         ("the border would reopen", "Syria, Iraq and Jordan", None),
         ("the border would reopen", "Syria and Jordan", None), ("the border would reopen", "Syria and Jordan", None),
         ("the talks went well", "Blinken, Safadi and Lavrov", None),
         ("the talks went well", "Ayman Safadi", "ayman-safadi"),
         ("the war was over", "Syria's Assad and his aides", "bashar-al-assad"),
         ("the border would reopen", "officials", None),
         ("The border will reopen next week", "Jordan's foreign minister", "jordan"),
         ("the strikes were lawful", "The Pentagon and the State Department", None),
         ("the strikes were lawful", "The State Department and its spokesman", "state-department")]),
    # Found in review: since a name and its appositive stopped being read as content-first ("Ayman
    # Safadi, Jordan's foreign minister, said …"), a one-word name with its aside gave no quote at all
    # ("Blinken, speaking in Amman, said …": _source_before read only names of two to four words), and
    # after a clause's opening words the content-first misreading stayed ("In 2021, Blinken, speaking
    # in Amman, said …": QUOTE "In 2021, Blinken, speaking in Amman", SOURCE "the talks went well").
    row("a_one_word_name_and_its_aside_before_the_cue_are_the_source_of_the_content_after_it",
        plus("antony-blinken", base=STATES), ("quote", "source", "speaker", "cue"),
        "Blinken, speaking in Amman, said the talks went well.\n\n"
        "Jordan, Syria’s neighbour, said the border would reopen.\n\n"
        "In 2021, Blinken, speaking in Amman, said the talks went well.\n\n"
        "Meanwhile, Washington, Syria's old foe, said it would not normalize ties.",
        [("the talks went well", "Blinken", "antony-blinken", "said"),
         ("the border would reopen", "Jordan", "jordan", "said"),
         ("the talks went well", "Blinken", "antony-blinken", "said"),
         ("it would not normalize ties", "Washington", "united-states", "said")]),
    # Found in review: "Officials in Syria and the United States said" (the guidelines' "officials
    # in Peru and Chile" with a "the") gave the SOURCE "the United States" and its speaker, as only a
    # capitalized word after "and" joined the second place to the officials.
    row("officials_in_a_place_and_a_place_with_its_the_are_one_source_without_a_speaker",
        STATES, ("quote", "source", "speaker"),
        "Officials in Syria and the United States said the talks had stalled.",
        [("the talks had stalled", "Officials in Syria and the United States", None)]),
    # Found in review: since a list's commas join its items into one SOURCE, a sentence adverb
    # the opening words missed was read as a list's first item ("Initially, Syria and Jordan said":
    # SOURCE "Initially, Syria and Jordan", where it had been "Syria and Jordan").
    row("a_sentence_adverb_before_a_coordinated_source_is_no_list_item", STATES, ("quote", "source", "speaker"),
        "Initially, Syria and Jordan said the border would reopen.\n\n"
        "Together, Syria and Jordan said the border would reopen.\n\n"
        "Afterwards, Syria and Jordan said the border would reopen.\n\n"
        "Damascus, Washington and Jordan said the border would reopen.",
        [("the border would reopen", "Syria and Jordan", None), ("the border would reopen", "Syria and Jordan", None),
         ("the border would reopen", "Syria and Jordan", None),
         ("the border would reopen", "Damascus, Washington and Jordan", None)]),
    # Found in review: since officials in places joined by "and" are one SOURCE, "US troops in
    # Syria and Iraq said" had no speaker (Syria and Iraq read as more speakers; before, the SOURCE
    # was "Iraq" and its id), nor "Syrian officials in Damascus and Amman". The guidelines: a state's
    # forces or officials named by the state → the state; the places after "in" are where they are,
    # as "café owners in Damascus" are not Damascus's. "Officials in Syria and Jordan", whom nothing
    # before "in" names, stay the guidelines' officials of several states.
    row("places_after_in_where_named_speakers_are_are_no_speakers_of_their_own",
        plus("iraq", RegistryEntity("amman", "Amman", "GPE", ("Amman",), description="Capital of Jordan"),
             RegistryEntity("syrians", "Syrians", "NORP", ("Syrian",), description="People or state of Syria"),
             base=STATES),
        ("source", "speaker"),
        "US troops in Syria and Iraq said they had been attacked.\n\n"
        "Syrian officials in Damascus and Amman said the talks went well.\n\n"
        "Officials in Syria and Jordan said the border would reopen.\n\n"
        "US and Jordanian officials in Amman said the talks went well.",
        [("US troops in Syria and Iraq", "united-states"), ("Syrian officials in Damascus and Amman", "syria"),
         ("Officials in Syria and Jordan", None), ("US and Jordanian officials in Amman", None)]),
    # Found in review: Syria's and Jordan's foreign ministries are named "Ministry of Foreign Affairs
    # and Expatriates"; before it the "and" ended the SOURCE ("Expatriates"), and in "Syria's Foreign
    # and Expatriates Ministry" it made two conjuncts, one an unregistered name, so the ministry's
    # state was lost. The "and" of a name joins nothing; two institutions joined by "and" still have
    # no speaker.
    row("an_and_inside_an_institution_s_name_joins_no_two_speakers",
        plus("pentagon", "state-department", base=STATES), ("quote", "source", "speaker"),
        "Syria's Ministry of Foreign Affairs and Expatriates said the strikes were illegal.\n\n"
        "Syria's Foreign and Expatriates Ministry said the strikes were illegal.\n\n"
        "The US Department of Health and Human Services said aid would continue.\n\n"
        "The Pentagon and State Department said the strikes were lawful.",
        [("the strikes were illegal", "Syria's Ministry of Foreign Affairs and Expatriates", "syria"),
         ("the strikes were illegal", "Syria's Foreign and Expatriates Ministry", "syria"),
         ("aid would continue", "The US Department of Health and Human Services", None),
         ("the strikes were lawful", "The Pentagon and State Department", None)]),
    # Found in review: "The Syrian government said" had no speaker, as a NORP mention named none.
    # The guidelines: a state's officials, forces or government named by its adjective → the state,
    # here the GPE record the NORP record's description names. Null: an adjective without such a
    # record ("Kurdish commanders"), members speaking for themselves ("Syrian activists"), and
    # officials whose institution the text does not say ("two officials familiar with the talks").
    row("a_state_s_officials_or_government_named_by_its_adjective_speak_for_the_state", STATES, ("source", "speaker"),
        "The Syrian government said the crossing was shut.\n\n“It is shut,” American military commanders "
        "said.\n\nSyrian officials in Doha said the crossing was shut.\n\nKurdish commanders said the "
        "crossing was shut.\n\nSyrian activists said the crossing was shut.\n\nTwo officials familiar "
        "with the talks said the crossing was shut.",
        [("The Syrian government", "syria"), ("American military commanders", "united-states"),
         ("Syrian officials in Doha", "syria"), ("Kurdish commanders", None), ("Syrian activists", None),
         ("Two officials familiar with the talks", None)]),
    # A known miss: "the US ambassador to the UN said" had the speaker united-nations (an ORG
    # before a GPE), and "Senior Biden officials said" joe-biden. The guidelines: named people → the
    # person, officials of an institution → the institution. The ambassador is the US's official
    # (the UN is where he is sent); officials of a person are no institution's, and their speaker,
    # unregistered, is null, as for "Blinken’s spokesman" and "a spokesman for Assad"; "Officials
    # of the UN" and "Blinken on Tuesday" keep theirs.
    row("a_name_the_speakers_are_sent_to_or_a_person_s_name_they_serve_is_no_speaker",
        plus("joe-biden"),
        ("source", "speaker"),
        "The US ambassador to the UN said the vote failed.\n\nSenior Biden officials said the talks failed.\n\n"
        "Blinken’s spokesman said the talks failed.\n\nA spokesman for Assad said the talks failed.\n\n"
        "Officials of the UN said the vote failed.\n\nBlinken on Tuesday said the talks failed.",
        [("The US ambassador to the UN", "united-states"), ("Senior Biden officials", None),
         ("Blinken’s spokesman", None), ("A spokesman for Assad", None), ("Officials of the UN", "united-nations"),
         ("Blinken on Tuesday", "antony-blinken")]),
    # Found in review: "a ministry statement carried by the official Sana news agency" had the
    # speaker sana. The guidelines: a statement carried or published by a medium → its author (here
    # the ministry, unregistered: null); a medium that itself reports is the speaker.
    row("a_medium_that_carries_or_publishes_a_statement_is_not_its_speaker",
        plus(RegistryEntity("sana", "Syrian Arab News Agency", "ORG", ("Sana",))),
        ("source", "speaker"),
        "A ministry statement carried by the official Sana news agency on Friday said the border was "
        "closed.\n\n“The border is closed,” said a ministry statement published by Sana on Friday.\n\n"
        "“The border is closed,” Sana reported.",
        [("A ministry statement carried by the official Sana news agency on Friday", None),
         ("a ministry statement published by Sana on Friday", None), ("Sana", "sana")]),
    # Found in review (a regression of the fix for "Senior Biden officials"): "Blinken last week
    # said", "Blinken reportedly told", "Blinken however said", "said Blinken speaking in Amman" lost
    # their speaker antony-blinken, as any lowercase word after a person's name in the SOURCE was read
    # as a noun the name modifies. Only a noun of the people or body serving the person is such a
    # noun ("Assad aides", "the Tice family", "A Blinken spokeswoman": null).
    row("a_word_after_a_speaker_s_name_keeps_the_speaker_unless_it_names_who_serve_the_person",
        REGISTRY, ("source", "speaker"),
        "Blinken last week said the talks failed.\n\nBlinken reportedly told Safadi the talks failed.\n\n"
        "Blinken however said the talks failed.\n\n“We will stay,” said Blinken speaking in Amman.\n\n"
        "Assad aides said the talks failed.\n\nThe Tice family said the talks failed.\n\n"
        "A Blinken spokeswoman said the talks failed.",
        [("Blinken last week", "antony-blinken"), ("Blinken reportedly", "antony-blinken"),
         ("Blinken however", "antony-blinken"), ("Blinken speaking in Amman", "antony-blinken"),
         ("Assad aides", None), ("The Tice family", None), ("A Blinken spokeswoman", None)]),
    # Found in review: "Blinken’s Jordanian counterpart said" had the speaker antony-blinken and
    # "Biden’s White House said" joe-biden, as a person's possessive was left out of the speakers only
    # before a lowercase noun ("Blinken’s spokesman"). A possessive is never the head of its noun
    # phrase: the counterpart is no one registered (null), and the White House, an institution the
    # person's name qualifies, speaks as itself (guidelines: officials of an institution → the
    # institution).
    row("a_possessive_person_s_name_is_no_speaker_whatever_its_noun_s_first_word",
        plus("joe-biden", RegistryEntity("white-house", "White House", "ORG")), ("source", "speaker"),
        "Blinken’s Jordanian counterpart said the talks failed.\n\nBiden’s White House said the talks failed.\n\n"
        "Blinken’s State Department said the talks failed.\n\nSyria's Assad said the talks failed.",
        [("Blinken’s Jordanian counterpart", None), ("Biden’s White House", "white-house"),
         ("Blinken’s State Department", "us-state-department"), ("Syria's Assad", "bashar-al-assad")]),
    # Found in review: "Despite the pressure, Assad said he would not resign" gave the QUOTE
    # "Despite the pressure" (CONTENT, SOURCE CUE), and so did "After the talks, ..." and "In a
    # statement on Monday, the ministry said ...": the content is after the cue. A content-first
    # quote that holds a clause after such a phrase stays one.
    row("a_phrase_opening_the_sentence_is_no_content_first_quote",
        plus("bashar-al-assad", "syria", base={}), ("quote", "source"),
        "Despite the pressure, Assad said he would not resign.\n\n"
        "In a statement on Monday, the ministry said the strikes were illegal.\n\n"
        "In Syria, the war is over, Assad said.\n\n"
        "The talks failed, officials said on Monday.",
        [("he would not resign", "Assad"), ("the strikes were illegal", "the ministry"),
         ("In Syria, the war is over", "Assad"), ("The talks failed", "officials")]),
    # A phrase opening the sentence is no content-first quote when a clause follows the cue; the
    # verb's own phrase after the cue is no clause. "Under Assad the country has collapsed, Blinken
    # said in a statement on Tuesday." gave the QUOTE "in a statement", and "There is no military
    # solution in Syria, Blinken said on Tuesday in Ankara." and "So far no deal has been reached,
    # officials said earlier this week." none or "earlier this week".
    row("a_clause_opening_with_a_phrase_stays_content_first_when_the_verbs_own_phrase_follows_the_cue",
        REGISTRY, ("quote", "source", "cue"),
        "Under Assad the country has collapsed, Blinken said in a statement on Tuesday.\n\n"
        "There is no military solution in Syria, Blinken said on Tuesday in Ankara.\n\n"
        "So far no deal has been reached, officials said earlier this week.\n\n"
        "In a statement, the ministry said on Monday the strikes were illegal.",
        [("Under Assad the country has collapsed", "Blinken", "said"),
         ("There is no military solution in Syria", "Blinken", "said"),
         ("So far no deal has been reached", "officials", "said"),
         ("the strikes were illegal", "the ministry", "said")]),
    # The guidelines: "The bridge, the mayor said, would reopen in May" is one QUOTE over the
    # whole reported clause, the attribution included. It gave "would reopen in May" (the part after
    # the cue), and "The Caesar Act, Blinken said, would stay in force" the content-first QUOTE "The
    # Caesar Act". What follows "said," that continues no clause keeps the other patterns.
    row("an_indirect_quote_its_attribution_interrupts_is_one_quote_over_the_whole_clause",
        plus("antony-blinken", base={}), ("quote", "type", "source", "cue"),
        "The bridge, the mayor said, would reopen in May.\n\n"
        "The Caesar Act, Blinken said, would stay in force.\n\n"
        "The talks failed, officials said, adding that the delegates left.\n\n"
        "The talks failed, officials said, and the delegates left.\n\n"
        "“We will stay,” the mayor said, “and we will rebuild.”",
        [("The bridge, the mayor said, would reopen in May", "indirect", "the mayor", "said"),
         ("The Caesar Act, Blinken said, would stay in force", "indirect", "Blinken", "said"),
         ("The talks failed", "indirect", "officials", "said"), ("The talks failed", "indirect", "officials", "said"),
         ("“We will stay,”", "direct", "the mayor", "said"),
         ("“and we will rebuild.”", "direct", "the mayor", "said")]),
    # "Blinken said, however, that the talks failed" gave the QUOTE "however, that the talks
    # failed": a comma before "that" made it no complementizer. The guidelines leave the reporter's
    # words at the edges out; the content starts after "that".
    row("an_aside_between_the_cue_and_that_is_no_part_of_the_content",
        plus("antony-blinken", base={}), ("quote", "source"),
        "Blinken said, however, that the talks failed.\n\n"
        "The ministry said, in a statement on Monday, that the strikes were illegal.",
        [("the talks failed", "Blinken"), ("the strikes were illegal", "The ministry")]),
    # Found in review: "Officials said, however, the sanctions would stay." kept "however" in the
    # QUOTE (the aside was left out only before "that"). The guidelines leave the reporter's words
    # at the edges out; an aside opening with a preposition, a sentence adverb or a participle is the
    # verb's, after the verb's own phrases too. A list or a name set off by commas is the content's,
    # and an aside inside the content stays in (spans are contiguous).
    row("an_aside_of_the_verb_after_the_cue_is_no_part_of_a_content_without_that", REGISTRY, ("quote", "source", "cue"),
        "Officials said, however, the sanctions would stay.\n\n"
        "Blinken told reporters, in Amman, the sanctions would stay.\n\n"
        "Officials said on Monday, for their part, the strikes were illegal.\n\n"
        "Assad said, speaking in Damascus, the war was over.\n\n"
        "Officials said, Syria, Iraq and Jordan would meet in Amman.\n\n"
        "Officials said Monday the sanctions, however, would stay.",
        [("the sanctions would stay", "Officials", "said"), ("the sanctions would stay", "Blinken", "told"),
         ("the strikes were illegal", "Officials", "said"), ("the war was over", "Assad", "said"),
         ("Syria, Iraq and Jordan would meet in Amman", "Officials", "said"),
         ("the sanctions, however, would stay", "Officials", "said")]),
    # The guidelines leave the reporter's additions at the edges out. The interrupted pattern took
    # an addition after "SOURCE CUE," for the rest of the reported clause ("…, the monitor said, a
    # rise from last week" was one QUOTE over the sentence) and kept one at the end of the rest.
    row("a_reporters_addition_after_an_attribution_is_no_part_of_an_interrupted_quote",
        plus("antony-blinken", base={}), ("quote", "source", "cue"),
        "The strikes killed 12 people, the monitor said, a rise from last week.\n\n"
        "The talks failed, officials said, more than a year after they began.\n\n"
        "Sanctions on Syria, Blinken said, were not a bargaining chip, a point he repeated in Ankara.\n\n"
        "The sanctions, Blinken said, would remain in place.",
        [("The strikes killed 12 people", "the monitor", "said"), ("The talks failed", "officials", "said"),
         ("Sanctions on Syria, Blinken said, were not a bargaining chip", "Blinken", "said"),
         ("The sanctions, Blinken said, would remain in place", "Blinken", "said")]),
    # Found in review: "The ministry, in a statement, said the strikes were illegal." gave the QUOTE
    # "The ministry, in a statement" with the SOURCE "the strikes were illegal", and "Washington,
    # however, has said …" none (an aside before the cue's auxiliary), nor did "Assad, who is
    # sanctioned by Washington, has said …". The guidelines leave an aside set off by commas out of
    # the SOURCE; one opening with a preposition, a sentence adverb or a participle is the verb's. An
    # appositive, a list and a clause before the SOURCE are read as before; a content-first quote
    # whose attribution has no aside stays one.
    row("an_aside_of_the_verb_between_the_source_and_the_cue_leaves_the_source_before_it",
        plus("antony-blinken", "bashar-al-assad", "us-state-department", base=STATES),
        ("quote", "source", "speaker", "cue"),
        "The ministry, in a statement, said the strikes were illegal.\n\n"
        "Washington, however, has said it will not lift the sanctions.\n\n"
        "A senior State Department official, speaking on condition of anonymity, said the US would keep "
        "talking to Gulf partners.\n\n"
        "Syria, for its part, has repeatedly said it would not negotiate.\n\n"
        "Assad, who is sanctioned by Washington, has said the talks failed.\n\n"
        "Assad, Syria’s president, has said the strikes were illegal.\n\n"
        "Syria, Jordan and Iraq, in a joint statement, said the strikes were illegal.\n\n"
        "The US, Britain, and France, in a joint statement, said the strikes were illegal.\n\n"
        "The talks failed, and Blinken, speaking in Amman, said the sanctions would stay.\n\n"
        "The strikes were illegal, a ministry spokesman said on Monday.",
        [("the strikes were illegal", "The ministry", None, "said"),
         ("it will not lift the sanctions", "Washington", "united-states", "said"),
         ("the US would keep talking to Gulf partners", "A senior State Department official", "us-state-department",
          "said"),
         ("it would not negotiate", "Syria", "syria", "said"),
         ("the talks failed", "Assad", "bashar-al-assad", "said"),
         ("the strikes were illegal", "Assad", "bashar-al-assad", "said"),
         ("the strikes were illegal", "Syria, Jordan and Iraq", None, "said"),
         ("the strikes were illegal", "The US, Britain, and France", None, "said"),
         ("the sanctions would stay", "Blinken", "antony-blinken", "said"),
         ("The strikes were illegal", "a ministry spokesman", None, "said")]),
    # Found in review: "The Caesar Act, Blinken said on Tuesday, would remain in force." gave the
    # content-first QUOTE "The Caesar Act", and so did "told reporters", "said in a statement" and
    # "said Tuesday" before the comma: the guidelines' interrupted indirect quote is one QUOTE over the
    # whole clause. After the verb's phrase only an auxiliary or a modal opens the rest: a noun phrase
    # is that phrase's appositive, and anything else the reporter's addition, which stays out.
    row("the_verb_s_own_phrase_before_the_rest_of_an_interrupted_indirect_quote_keeps_it_one_quote",
        REGISTRY, ("quote", "type", "source", "cue"),
        "The Caesar Act, Blinken said on Tuesday, would remain in force.\n\n"
        "The Caesar Act, Blinken told reporters in Amman, would remain in force.\n\n"
        "The sanctions, the ministry said in a statement, could stay for years.\n\n"
        "Sanctions on Syria, Blinken said Tuesday, were not a bargaining chip.\n\n"
        "The talks failed, Blinken said in Amman, the Jordanian capital.\n\n"
        "The envoy returned without a deal, two officials said on Friday, nearly a decade after Tice "
        "vanished.\n\n"
        "The talks failed, Blinken told Safadi, Jordan’s foreign minister.",
        [("The Caesar Act, Blinken said on Tuesday, would remain in force", "indirect", "Blinken", "said"),
         ("The Caesar Act, Blinken told reporters in Amman, would remain in force", "indirect", "Blinken", "told"),
         ("The sanctions, the ministry said in a statement, could stay for years", "indirect", "the ministry", "said"),
         ("Sanctions on Syria, Blinken said Tuesday, were not a bargaining chip", "indirect", "Blinken", "said"),
         ("The talks failed", "indirect", "Blinken", "said"),
         ("The envoy returned without a deal", "indirect", "two officials", "said"),
         ("The talks failed", "indirect", "Blinken", "told")]),
    # Found in review: "After the talks, Blinken said the sanctions, imposed in 2019, would stay."
    # gave the QUOTE "After the talks" (and so did a list after the cue): the clause that makes the
    # opening phrase no content was counted only up to its first comma. It runs to the sentence's end;
    # a comma right after the verb and its time phrases still sets off no clause ("…, adding that …"),
    # so a content-first quote opening with a phrase stays one.
    row("a_phrase_opening_the_sentence_is_no_content_when_the_clause_after_the_cue_holds_a_comma",
        REGISTRY, ("quote", "source", "cue"),
        "After the talks, Blinken said the sanctions, imposed in 2019, would stay.\n\n"
        "In a statement, the ministry said Syria, Iraq and Jordan would meet in Amman.\n\n"
        "Under Assad the country has collapsed, Blinken said on Tuesday, adding that the US would stay.\n\n"
        "Since 2011 the war has killed thousands, officials said, and the toll is rising.",
        [("the sanctions, imposed in 2019, would stay", "Blinken", "said"),
         ("Syria, Iraq and Jordan would meet in Amman", "the ministry", "said"),
         ("Under Assad the country has collapsed", "Blinken", "said"),
         ("Since 2011 the war has killed thousands", "officials", "said")]),
    # Found in review: a clause before the aside made the cue inverted only when an auxiliary or a
    # modal was in it, so "The talks failed, however, said a ministry spokesman." gave the QUOTE "a
    # ministry spokesman" with the SOURCE "The talks failed", and "Damascus rejected the offer, in a
    # statement on Monday, said the ministry." gave nothing. A verb's object (a determiner after a word
    # that is no function word) or a past form in -ed ending the part makes it a clause too; a noun
    # phrase before the aside stays the SOURCE ("The Syrian foreign ministry, however, said the talks
    # failed", whose clause after the cue ends in -ed, and a name before a clause that holds no such
    # sign, "Syria wants talks").
    row("an_aside_of_the_verb_before_an_inverted_cue_after_a_clause_without_an_auxiliary",
        plus("antony-blinken", "bashar-al-assad", base=STATES), ("quote", "source", "speaker", "cue"),
        "The talks failed, however, said a ministry spokesman.\n\n"
        "Damascus rejected the offer, in a statement on Monday, said the ministry.\n\n"
        "The US backed the rebels, however, said Blinken.\n\n"
        "The talks failed, for now, said two officials familiar with the talks.\n\n"
        "The Syrian foreign ministry, however, said the talks failed.\n\n"
        "Syrian President Bashar al-Assad, however, said Syria wants talks.\n\n"
        "Officials from all the countries, however, said the strikes were illegal.",
        [("The talks failed", "a ministry spokesman", None, "said"),
         ("Damascus rejected the offer", "the ministry", None, "said"),
         ("The US backed the rebels", "Blinken", "antony-blinken", "said"),
         ("The talks failed", "two officials familiar with the talks", None, "said"),
         ("the talks failed", "The Syrian foreign ministry", "syria", "said"),
         ("Syria wants talks", "Syrian President Bashar al-Assad", "bashar-al-assad", "said"),
         ("the strikes were illegal", "Officials from all the countries", None, "said")]),
    # Found in review: "Officials who have seen the report, however, said …" gave the SOURCE "have
    # seen the report", "who" read as the subordinator that opens the clause of the cue. The guidelines
    # keep a noun phrase's post-modifiers without commas in the SOURCE ("two officials familiar with
    # the talks"); a relative clause set off by commas stays out, and "who" before a noun phrase, the
    # relative clause's subject, opens no post-modifier ("a commander who the ministry said led the
    # attack": the SOURCE is "the ministry").
    row("a_relative_clause_without_commas_is_part_of_the_source_before_the_cue",
        plus("antony-blinken", "bashar-al-assad", base=STATES), ("quote", "source", "speaker", "cue"),
        "The army named a commander who the ministry said led the attack.\n\n"
        "Officials who have seen the report, however, said the strikes were illegal.\n\n"
        "People who fled the town said the strikes had killed 12 civilians.\n\n"
        "The ministry said that officials who have seen the report said the talks failed.\n\n"
        "Assad, who is sanctioned by Washington, said the talks failed.",
        [("led the attack", "the ministry", None, "said"),
         ("the strikes were illegal", "Officials who have seen the report", None, "said"),
         ("the strikes had killed 12 civilians", "People who fled the town", None, "said"),
         ("officials who have seen the report said the talks failed", "The ministry", None, "said"),
         ("the talks failed", "officials who have seen the report", None, "said"),
         ("the talks failed", "Assad", "bashar-al-assad", "said")]),
    # Found in review: "After the talks, Blinken said." and "After the talks, Blinken said on
    # Tuesday, the sanctions would stay." gave the QUOTE "After the talks", and "In a statement,
    # however, the ministry said the strikes were illegal." the QUOTE "In a statement, however": a
    # phrase opening the sentence was no content only when a clause without a comma followed the cue.
    # A phrase opening with a preposition, with asides of the verb after it and no clause in any of
    # them, is no content whatever follows; a phrase before a clause stays content-first.
    row("a_phrase_opening_with_a_preposition_and_its_asides_are_no_content_without_a_clause",
        plus("antony-blinken", "bashar-al-assad", base=STATES), ("quote", "source", "speaker", "cue"),
        "In a statement, however, the ministry said the strikes were illegal.\n\n"
        "After the talks, Blinken said.\n\n"
        "After the talks, Blinken said on Tuesday, the sanctions would stay.\n\n"
        "During the talks, however, Assad said the sanctions had failed.\n\n"
        "In Syria, the war is over, Assad said.\n\n"
        "Under Assad the country collapsed, Blinken said.\n\n"
        "In 2021 Syria rejoined the Arab League, officials said.\n\n"
        "Without a deal, the sanctions stay, Blinken said.",
        [("the strikes were illegal", "the ministry", None, "said"),
         ("the sanctions would stay", "Blinken", "antony-blinken", "said"),
         ("the sanctions had failed", "Assad", "bashar-al-assad", "said"),
         ("In Syria, the war is over", "Assad", "bashar-al-assad", "said"),
         ("Under Assad the country collapsed", "Blinken", "antony-blinken", "said"),
         ("In 2021 Syria rejoined the Arab League", "officials", None, "said"),
         ("Without a deal, the sanctions stay", "Blinken", "antony-blinken", "said")]),
    # Found in review: "The man who the police arrested said he was innocent." gave the SOURCE "the
    # police arrested": a "who" before a determiner was read as the subordinator that opens the cue's
    # clause, as in "a commander who the ministry said led the attack". There the relative clause's
    # verb is the cue; when the relative clause has a verb of its own before the cue, the whole noun
    # phrase with its relative clause is the SOURCE (guidelines: post-modifiers without commas stay).
    row("a_relative_clause_with_its_own_subject_and_verb_is_part_of_the_source_before_the_cue",
        plus("antony-blinken", "bashar-al-assad", base=STATES), ("quote", "source", "speaker", "cue"),
        "The man who the police arrested said he was innocent.\n\n"
        "A woman whom the army had detained told reporters she was beaten.\n\n"
        "The army named a commander whom the ministry said led the attack.",
        [("he was innocent", "The man who the police arrested", None, "said"),
         ("she was beaten", "A woman whom the army had detained", None, "told"),
         ("led the attack", "the ministry", None, "said")]),
    # Found in review: a word in -ed ending the part before an aside was read as a past form, so the
    # noun "need" made "Despite the need, however, the ministry said the aid would stop." a clause,
    # its QUOTE "Despite the need, however", and "the detained" made "The families of the detained,
    # however, said the army, not the police, took them." inverted, its QUOTE "The families of the
    # detained" and its SOURCE "the army". A word in -eed is a past form only of a verb in -ee
    # ("agreed"), and a word right after a determiner is a noun's or an adjective's.
    row("a_noun_in_ed_is_no_past_form_of_a_clause_before_an_aside",
        plus("antony-blinken", "bashar-al-assad", base=STATES), ("quote", "source", "speaker", "cue"),
        "Despite the need, however, the ministry said the aid would stop.\n\n"
        "The families of the detained, however, said the army, not the police, took them.\n\n"
        "Both sides agreed, however, said a ministry spokesman.",
        [("the aid would stop", "the ministry", None, "said"),
         ("the army, not the police, took them", "The families of the detained", None, "said"),
         ("Both sides agreed", "a ministry spokesman", None, "said")]),
    # Found in review: a clause before the aside that ``_clause`` cannot tell, a verb in the present
    # without an object or one before the verb's own phrase, was read as the SOURCE before the cue:
    # "The sanctions stay, for now, said a State Department spokesman." gave the QUOTE "a State
    # Department spokesman" with the SOURCE "The sanctions stay", and "The talks stalled in May,
    # however, said Blinken." nothing. The content of "said" is never a noun phrase alone, so a
    # speaker's noun phrase ending the sentence after it (a name, or a speaker's noun with no past
    # form before it) makes the cue inverted when the part before the aside names no speaker.
    row("said_before_a_speaker_s_noun_phrase_ending_the_sentence_is_inverted",
        plus("antony-blinken", "us-state-department", base=STATES), ("quote", "source", "speaker", "cue"),
        "The war goes on, however, says the ministry.\n\n"
        "The sanctions stay, for now, said a State Department spokesman.\n\n"
        "The talks stalled in May, however, said Blinken.\n\n"
        "Syria's foreign ministry, however, said the sanctions stay.\n\n"
        "Officials from all the countries, however, said the strikes killed officials.",
        [("The war goes on", "the ministry", None, "says"),
         ("The sanctions stay", "a State Department spokesman", "us-state-department", "said"),
         ("The talks stalled in May", "Blinken", "antony-blinken", "said"),
         ("the sanctions stay", "Syria's foreign ministry", "syria", "said"),
         ("the strikes killed officials", "Officials from all the countries", None, "said")]),
    # Found in review: a definite SOURCE took the previous quote's speaker whatever came between, so
    # in "The UN condemned the strikes. The department said …" after the State Department's quote
    # "The department" was the State Department's, though the guidelines give a description whom it
    # refers to, not the nearest earlier speaker. Another registered institution named in the
    # narrative since the previous quote's sentence leaves it none; one named in that sentence (to
    # whom a letter went) or inside a QUOTE (what was said) changes nothing.
    row("a_definite_source_after_another_institution_named_in_the_narrative_has_no_speaker",
        plus("united-nations", "us-state-department", base={}), ("quote", "source", "speaker"),
        "The State Department, in a letter to the UN, said the strikes were illegal. The department said "
        "the talks were over.\n\n"
        "“The UN must act,” the department said.\n\n"
        "The UN condemned the strikes. The department said the sanctions would stay.",
        [("the strikes were illegal", "The State Department", "us-state-department"),
         ("the talks were over", "The department", "us-state-department"),
         ("“The UN must act,”", "the department", "us-state-department"),
         ("the sanctions would stay", "The department", None)]),
    # Found in review: a definite SOURCE took the previous quote's speaker whatever its kind, so after
    # Blinken's quote "The ministry said …" was antony-blinken's, a person's, though a ministry is an
    # institution or a state's government and the guidelines give a description whom it refers to.
    # A description whose head noun is an institution's takes only a previous institution or state;
    # "the statement", whose author may be a person (guidelines: a statement → its author), either.
    row("a_definite_source_naming_an_institution_takes_no_person_s_quote_before_it",
        plus("antony-blinken", "syria", base={}), ("quote", "source", "speaker"),
        "Blinken said the talks failed. The ministry said the strikes would go on.\n\n"
        "Blinken said the talks failed. The statement said the strikes would go on.\n\n"
        "Syria said the talks failed. The ministry said the strikes would go on.",
        [("the talks failed", "Blinken", "antony-blinken"), ("the strikes would go on", "The ministry", None),
         ("the talks failed", "Blinken", "antony-blinken"),
         ("the strikes would go on", "The statement", "antony-blinken"),
         ("the talks failed", "Syria", "syria"), ("the strikes would go on", "The ministry", "syria")]),
    # Raised in review: "After the talks the sanctions stay, officials said." keeps the opening phrase
    # in the QUOTE. The guidelines' indirect QUOTE is the reported clause, and a phrase opening it
    # without a comma is the clause's own (when the sanctions stay), as in "Under Assad the country
    # collapsed, Blinken said"; only the reporter's additions at the edges stay out. So it stays in.
    row("a_phrase_opening_a_reported_clause_before_its_cue_is_the_clause_s",
        plus("antony-blinken", base={}), ("quote", "source", "cue"),
        "After the talks the sanctions stay, officials said.",
        [("After the talks the sanctions stay", "officials", "said")]),
]


@pytest.mark.parametrize(("registry", "fields", "text", "expected"), PREANNOTATED_QUOTES)
def test_the_pre_annotator_finds(registry, fields, text, expected):
    assert values(preannotated(registry, text).annotations.quotes, fields) == expected


# --- predictions, evaluation, acceptance -----------------------------------------------------------

def fixture_document(name: str, date: str | None) -> Document:
    text = normalize((ARTICLES / name).read_text(encoding="utf-8")).text
    return Document("fx", None, text, record(date), None, (), "1", "0" * 64)


def test_the_model_version_names_the_rules_that_made_the_prediction(tmp_path):
    """It said corpus_tools-preannotate@1.0 whatever rules made a prediction (no rule change ever
    bumped the number). A copy of the package with one more cue verb gives another version, and so
    does one with a change in code outside corpus_tools/preannotate/ that the rules import; a copy
    with a change in a module the rules do not import, in corpus_tools/preannotate/ or not, keeps it."""
    def version(change: tuple[str, str, str] | None, first: str = "") -> str:
        root = tmp_path / str(len(list(tmp_path.iterdir())))
        shutil.copytree(REPO / "corpus_tools", root / "corpus_tools", ignore=shutil.ignore_patterns("__pycache__"))
        if change is not None:
            path, old, new = change
            text = (root / "corpus_tools" / path).read_text(encoding="utf-8")
            assert old in text
            (root / "corpus_tools" / path).write_text(text.replace(old, new, 1), encoding="utf-8")
        return subprocess.run([sys.executable, "-c", f"{first}from corpus_tools.preannotate.run import model_version; "
                               "print(model_version())"], cwd=root, env={"PYTHONPATH": str(root)},
                              check=True, capture_output=True, text=True).stdout.strip()

    same = version(None)
    assert same == model_version() and re.fullmatch(r"corpus_tools-preannotate@[0-9a-f]{12}", same)
    assert version(("preannotate/text.py", '"reiterated", ', '"reiterated", "recalled", ')) != same
    # the version digested corpus_tools/preannotate/ only: a month name the date rules read from
    # timex.py, or normalization's clean_line the gazetteer cleans names with, kept it
    assert version(("timex.py", '"Sept.": 9, ', '"Sept.": 9, "Sept": 9, ')) != same
    assert version(("documents/normalize.py", '    return "" if cleaned is None else cleaned[2]',
                    '    return "" if cleaned is None else cleaned[2].casefold()')) != same
    # ... and the files there that make no prediction changed it
    assert version(("preannotate/evaluate.py", 'LAYERS = ("entities", "timexes", "quotes", "sources", "cues")',
                    'LAYERS = ("entities", "timexes", "quotes", "cues", "sources")')) == same
    assert version(("preannotate/acceptance.py", "from __future__ import annotations",
                    "from __future__ import annotations  # changed")) == same
    # modules the rules do not import: the release, and the corpus's loading (run.py imports it
    # inside preannotate_corpus, which reads documents, not in the rules)
    assert version(("release/card.py", '"entity-linking")', '"entity-linking", "news-corpus")')) == same
    assert version(("documents/index.py", "from __future__ import annotations",
                    "from __future__ import annotations  # changed")) == same
    # nor what the process imported before, or in what order
    assert version(None, "import corpus_tools.release.build, corpus_tools.preannotate.evaluate; ") == same


def test_the_rules_version_covers_every_module_a_prediction_runs():
    """The closure is read from the source; a fresh process that makes a prediction holds exactly
    its modules of the package (an import a rule made inside a function would be one more)."""
    script = ("import sys\n"
              "from corpus_tools.preannotate.run import PreAnnotator\n"
              "from corpus_tools.records import Document, Evidence, ManifestRecord, RegistryEntity\n"
              "record = ManifestRecord('t', 't.txt', '0' * 64, 1, 'utf-8', None, None, Evidence('none'), '2024-03-14',"
              " 'day', Evidence('inferred', reasoning='test'))\n"
              "registry = {'antony-blinken': RegistryEntity('antony-blinken', 'Antony Blinken', 'PERSON',"
              " ('Blinken',))}\n"
              "text = 'Antony Blinken said on Sept. 4 that \u201cthe talks failed\u201d. Blinken met Safadi Monday.'\n"
              "pre = PreAnnotator(registry)(Document('t', None, text, record, None, (), '1', '0' * 64))\n"
              "assert [len(pre.annotations.entities), len(pre.annotations.timexes), len(pre.annotations.quotes)]"
              " == [2, 2, 1], pre.annotations\n"
              "print(' '.join(sorted(name for name in sys.modules if name.split('.')[0] == 'corpus_tools')))\n")
    loaded = subprocess.run([sys.executable, "-c", script], cwd=REPO, check=True, capture_output=True,
                            text=True).stdout.split()
    assert tuple(loaded) == import_closure(PREDICTING_MODULE)
    assert {"corpus_tools.timex", "corpus_tools.documents.normalize", "corpus_tools.preannotate.text"} <= set(loaded)
    assert not {"corpus_tools.preannotate.evaluate", "corpus_tools.preannotate.acceptance",
                "corpus_tools.documents.index", "corpus_tools.labelstudio.tasks"} & set(loaded)


def test_prediction_format_scores_and_round_trip_of_units():
    pre = PreAnnotator(COMMITTED_REGISTRY)(fixture_document("us-syria-aid-corridor.txt", "2023-03-14"))
    result = prediction(pre)
    assert result["model_version"] == model_version() and re.fullmatch(r"corpus_tools-preannotate@[0-9a-f]{12}",
                                                                        model_version())
    labelled = [r for r in result["result"] if r["type"] == "labels"]
    assert len({r["id"] for r in labelled}) == len(labelled)  # one region id per region
    assert all(0 < r["score"] <= 1 for r in result["result"] if "id" in r)
    assert {r["from_name"] for r in labelled} == {"entity", "timex", "attribution"}
    units = sum(1 for r in labelled if r["value"]["labels"][0] not in ("SOURCE", "CUE"))
    assert units == len(annotation_units(pre.annotations))  # a region per entity, time expression, QUOTE
    assert ("Caesar Act", "caesar-act") in {(m.text, m.entity_id) for m in pre.annotations.entities}


def test_acceptance_counts_the_predicted_units_kept_unchanged():
    pre = PreAnnotator(COMMITTED_REGISTRY)(fixture_document("us-envoy-detainees-2022.txt", "2022-08-19"))
    prediction = dataclasses.replace(pre.annotations, provenance=Provenance("e.json", 7, 70, None, None, "prediction"))
    kept = dataclasses.replace(pre.annotations, provenance=Provenance("e.json", 7, 71, "ann", None, "latest"))
    corrected = dataclasses.replace(kept, entities=kept.entities[1:], quotes=kept.quotes[:-1])
    elsewhere = dataclasses.replace(kept, provenance=Provenance("e.json", 6, 60, "ann", None, "latest"))
    total = len(annotation_units(kept))

    def counted(chosen, predictions=(prediction,)):
        acceptance = Acceptance(predictions)
        assert list(acceptance.attach(chosen)) == list(chosen)  # the stream passes through unchanged
        return acceptance.result()

    assert counted([kept]) == (total, total)
    assert counted([corrected]) == (total - 2, total)
    assert counted([elsewhere, kept]) == (total, total)  # paired by task: the one on another task is not
    assert counted([elsewhere], ()) is None  # nothing pre-annotated: the card says nothing
    other_document = dataclasses.replace(corrected, doc_id="other")  # the same task id, another task's document
    assert counted([other_document, kept]) == (total, total)
    with pytest.raises(RuntimeError, match=r"at \('e.json', 7, 'fx'\) matched no chosen annotation"):
        counted([elsewhere])  # the streams out of step: a bug, never a silent miscount


def test_acceptance_reads_the_predictions_as_the_chosen_annotations_go_by():
    """One prediction held at a time, not every pre-annotated document's units."""
    def record(task, reason):
        return DocumentAnnotations(f"d{task}", (), (), (), Provenance("e.json", task, task, None, None, reason))

    read = []

    def predictions():
        for task in range(100):
            read.append(task)
            yield record(task, "prediction")

    acceptance = Acceptance(predictions())
    stream = acceptance.attach(record(task, "latest") for task in range(100))
    next(stream), next(stream), next(stream)
    assert read == [0, 1, 2, 3]  # the three paired and the one waiting for the next, no further
    assert len(list(stream)) == 97 and acceptance.result() == (0, 0) and acceptance.predicted == 100


def invoked(*args, code: int = 0):
    """The result of the command line ``args`` (paths as they are), its exit code checked."""
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    assert result.exit_code == code, result.output
    return result


@pytest.fixture(scope="module")
def round_1(tmp_path_factory) -> Layout:
    """The committed raw/ and registry with round 1's export only: the gold of the five seed
    articles, as these scores were measured (docs/preannotation.md). Later rounds (round 2's
    export adds 005 and 006 and re-adjudicates the seeds) would change the figures."""
    root = tmp_path_factory.mktemp("round-1")
    shutil.copytree(REPO / "raw", root / "raw")
    (root / "annotations" / "exports").mkdir(parents=True)
    shutil.copy(REPO / "annotations" / "entity-registry.jsonl", root / "annotations")
    shutil.copytree(REPO / "annotations" / "exports" / ROUND_1_GOLD, root / "annotations" / "exports" / ROUND_1_GOLD)
    return Layout.at(root)


def quote_unit(region: str, start: int, end: int) -> Quote:
    return Quote(region, "d", Span(start, end), "x" * (end - start), "indirect")


def entity_unit(region: str, start: int, end: int, label: str = "GPE", entity_id: str = "a") -> EntityMention:
    return EntityMention(region, "d", Span(start, end), "x" * (end - start), label, entity_id)


# Each row: the gold and the predicted units of one document, as (entities, quotes), and the score rows
# (dataclasses.astuple) of the layers it names. Figures computed by hand.
SCORES = [
    # Found by a hunt: the lenient pairing gave each predicted unit the first gold unit it
    # overlapped, so a quote over two gold quotes took the one the quote nested in it needed, and
    # lenient F1 was 0.5 where every unit pairs (1.0).
    row("scores_pair_as_many_units_as_the_spans_allow",
        ((entity_unit("g1", 0, 5), entity_unit("g2", 10, 15), entity_unit("g3", 20, 25, "PERSON")),
         (quote_unit("g4", 0, 10), quote_unit("g5", 20, 30))),
        ((entity_unit("p1", 0, 5, entity_id="b"), entity_unit("p2", 10, 14)),
         (quote_unit("p3", 0, 25), quote_unit("p4", 2, 5))),
        # entities: 1 exact of 2 predicted, 3 gold: P 1/2, R 1/3, F1 0.4; lenient 2: P 1, R 2/3, F1 0.8; id wrong;
        # quotes: none exact; p3 pairs with g5, p4 (inside p3) with g4
        [("entities", 3, 2, 1, 0.5, 0.333, 0.4, 0.8, 0.0), ("quotes", 2, 2, 0, 0.0, 0.0, 0.0, 1.0, 0.0)]),
    # The overlaps are looked for among the gold units starting less than the longest gold span
    # before a unit's end (by bisection): a long gold quote far before still pairs, spans that only
    # touch do not. (A guard of the window's bounds: the search of every gold unit it replaced, a
    # speed fix, gave the same pairs.)
    row("the_lenient_pairs_reach_a_long_gold_span_that_starts_far_before",
        ((), (quote_unit("g1", 0, 100), quote_unit("g2", 100, 104), quote_unit("g3", 200, 210))),
        ((), (quote_unit("p1", 99, 100), quote_unit("p2", 104, 200), quote_unit("p3", 150, 201))),
        # p1 pairs with g1 (0-100, starting 99 before it), p2 only touches g2 and g3, p3 pairs with g3: 2 of 3
        [("quotes", 3, 3, 0, 0.0, 0.0, 0.0, 0.667, 0.0)]),
    # As agreement's figures (records.bounded_round): 1,999 of 2,000 gold mentions found, all
    # right, was recall 1.0 and F1 1.0 in the table and --json, as if every mention had been found.
    row("a_score_short_of_1_is_not_printed_as_1",
        (tuple(entity_unit(f"e{n}", 2 * n, 2 * n + 1) for n in range(2000)), ()),
        (tuple(entity_unit(f"e{n}", 2 * n, 2 * n + 1) for n in range(1999)), ()),
        # P 1999/1999 = 1; R 1999/2000 = 0.9995; F1 2·1999/3999 = 0.99975; lenient the same; ids all right
        [("entities", 2000, 1999, 1999, 1.0, 0.999, 0.999, 0.999, 1.0)]),
]


@pytest.mark.parametrize(("gold", "predicted", "expected"), SCORES)
def test_the_scores_of(gold, predicted, expected):
    def one(entities, quotes):
        return {"d": DocumentAnnotations("d", entities, (), quotes)}

    rows = {row.layer: dataclasses.astuple(row) for row in score(one(*gold), one(*predicted))}
    assert [rows[layer] for layer, *_ in expected] == expected


def test_leave_one_out_removes_what_only_the_scored_document_mentions(round_1):
    layout = round_1
    documents, registry = load_documents(layout), load_registry(layout)
    gold = load_annotation_set(layout, documents, registry).chosen
    assert sorted(gold) == list(SEED_DOC_IDS)
    loo = leave_one_out(registry, gold, "001_d79359122f2d4c78")
    assert "hafez-al-assad" not in loo and "sana" not in loo and "syria" in loo and "abkhazia" in loo
    assert len(loo) == len(registry) - 5
    strict = leave_one_out(registry, gold, "004_3e4c866fc9bc1c15", strict_aliases=True)
    assert strict["islamic-state"].aliases == ("Islamic State",)  # "ISIL", "ISIS": mentioned in 004 only
    assert strict["joe-biden"].aliases == ("Joe Biden",) and strict["joe-biden"].name == "Joe Biden"
    rows = {row.layer: row for row in score(gold, gold)}
    assert all(row.f1 == 1.0 for row in rows.values()) and rows["timexes"].value_accuracy == 1.0


def test_the_evaluation_s_text_and_json_come_from_the_library():
    """What preannotate --evaluate prints, for a script that calls evaluate_corpus."""
    rows = [LayerScore("cues", 4, 2, 2, 1.0, 0.5, 2 / 3, 0.75, None)]
    lines = evaluation_lines(rows, "NER model: not asked for; gazetteer only", strict_aliases=True)
    assert lines[0].splitlines()[-1] == "| cues | 4 | 2 | 2 | 1.000 | 0.500 | 0.667 | 0.750 | - |"
    assert lines[1] == ("NER model: not asked for; gazetteer only; leave-one-document-out over the committed gold, "
                        "aliases seen only in the scored document dropped too")
    assert evaluation_dict(rows, "n") == {"scores": [
        {"layer": "cues", "gold": 4, "predicted": 2, "matched": 2, "precision": 1.0, "recall": 0.5, "f1": 2 / 3,
         "lenient_f1": 0.75, "value_accuracy": None}], "note": "n"}


def test_cli_evaluate_prints_the_per_layer_table(round_1):
    # Round 1's gold of the five seeds (the figures of docs/preannotation.md's table).
    result = invoked("preannotate", "--root", round_1.root, "--evaluate", "--ner", "none")
    lines = result.output.splitlines()
    assert "| layer | gold | predicted | exact matches | precision | recall | F1 | lenient F1 | value accuracy |" in lines
    assert "| entities | 323 | 296 | 295 | 0.997 | 0.913 | 0.953 | 0.953 | 1.000 |" in lines
    assert "| timexes | 47 | 47 | 47 | 1.000 | 1.000 | 1.000 | 1.000 | 0.936 |" in lines
    assert "| quotes | 46 | 42 | 39 | 0.929 | 0.848 | 0.886 | 0.955 | 0.923 |" in lines
    assert "| sources | 43 | 40 | 39 | 0.975 | 0.907 | 0.940 | 0.964 | 0.923 |" in lines  # speaker_id
    assert "| cues | 44 | 41 | 41 | 1.000 | 0.932 | 0.965 | 0.965 | - |" in lines
    assert "NER model: not asked for; gazetteer only; leave-one-document-out" in result.output


def test_cli_preannotate_json_and_unknown_document(corpus_copy):
    # The invented article us-troops-northeast-2024.txt is in the committed corpus since round 2
    # (added as 006, its publication date null): found in the copy by its bytes.
    sha = hashlib.sha256((ARTICLES / "us-troops-northeast-2024.txt").read_bytes()).hexdigest()
    [record] = [record for record in read_manifest(corpus_copy.manifest) if record.sha256 == sha]
    assert record.publication_date is None
    result = invoked("preannotate", "--root", corpus_copy.root, "--doc", record.doc_id, "--json", "--ner", "none")
    [item] = json.loads(result.output)  # nothing but the JSON: no progress bar off a terminal
    assert item["doc_id"] == record.doc_id and item["prediction"]["model_version"] == model_version()
    values = {r["value"]["text"][0] for r in item["prediction"]["result"] if r.get("from_name") == "timex_value"}
    assert "XXXX-WXX-1" in values  # no publication date: "on Monday" stays underspecified
    assert "[doc-unknown]" in invoked("preannotate", "--root", corpus_copy.root, "--doc", "nope", code=1).output


def test_preannotate_json_prints_each_document_before_the_next_is_pre_annotated(corpus_copy, monkeypatch):
    """--json built every prediction into one list first: 3 GB at 10,000 documents (found by a
    hunt of the commands the benchmark does not cover)."""
    import corpus_tools.cli.preannotate as command
    from corpus_tools.preannotate import run

    events = []
    corpus = run.preannotate_corpus

    def watched(*args, **kwargs):
        found, note = corpus(*args, **kwargs)
        return ((events.append(f"made {doc_id}") or (doc_id, pre)) for doc_id, pre in found), note

    def printed(data):
        events.extend(f"printed {item['doc_id']}" for item in data)

    monkeypatch.setattr(run, "preannotate_corpus", watched)
    monkeypatch.setattr(command, "echo_json", printed)
    doc_ids = sorted(record.doc_id for record in read_manifest(corpus_copy.manifest))[:2]
    invoked("preannotate", "--root", corpus_copy.root, "--json", "--ner", "none",
            *(part for doc_id in doc_ids for part in ("--doc", doc_id)))
    assert events == [f"{what} {doc_id}" for doc_id in doc_ids for what in ("made", "printed")]


def test_a_missing_registry_is_named_in_the_summary_not_silent(corpus_copy):
    """A fresh corpus has no registry; a checkout that lost it would otherwise look the same: every
    document pre-annotated with no entity, exit 0."""
    doc_id = next(iter(read_manifest(corpus_copy.manifest))).doc_id
    args = ["preannotate", "--root", corpus_copy.root, "--doc", doc_id, "--ner", "none"]
    with_registry = invoked(*args)
    assert "registry is empty" not in with_registry.output and " 0 entities" not in with_registry.output
    corpus_copy.registry.unlink()
    result = invoked(*args)
    *_, summary = result.output.strip().splitlines()
    assert summary == (f"pre-annotated 1 document with {model_version()}; NER model: not asked for; "
                       "gazetteer only; the entity registry is empty (is annotations/entity-registry.jsonl "
                       "there?): no entity or speaker_id comes from it")
    assert f"{doc_id}: 0 entities" in result.output


def test_tasks_with_predictions_carry_pre_annotations_for_unannotated_documents(corpus_copy, tmp_path):
    [added] = add_files(corpus_copy, [ARTICLES / "us-syria-aid-corridor.txt"])
    out = tmp_path / "tasks.json"
    invoked("labelstudio", "tasks", "--root", corpus_copy.root, "--predictions", "-o", out)
    tasks = {task["data"]["doc_id"]: task for task in json.loads(out.read_bytes())}
    assert tasks[added.record.doc_id]["predictions"][0]["model_version"] == model_version()
    assert all(task["predictions"][0]["model_version"].startswith("annotations@")
               for doc_id, task in tasks.items() if doc_id != added.record.doc_id)


def test_tasks_with_predictions_say_when_the_registry_is_empty(corpus_copy, tmp_path):
    add_files(corpus_copy, [ARTICLES / "us-syria-aid-corridor.txt"])
    corpus_copy.registry.unlink()
    result = invoked("labelstudio", "tasks", "--root", corpus_copy.root, "--predictions", "-o", tmp_path / "tasks.json")
    assert ("1 document without annotation gets pre-annotations; NER model: " in result.output
            and "the entity registry is empty (is annotations/entity-registry.jsonl there?)" in result.output)


def test_task_inputs_gather_what_tasks_with_predictions_are_made_of(corpus_copy):
    from corpus_tools.labelstudio.sync import task_inputs

    [added] = add_files(corpus_copy, [ARTICLES / "us-syria-aid-corridor.txt"])
    plain = task_inputs(corpus_copy)
    assert added.record.doc_id in plain.documents and plain.chosen is None and plain.notes == ()
    inputs = task_inputs(corpus_copy, predictions=True)
    assert list(inputs.preannotations) == [added.record.doc_id]
    assert set(inputs.chosen) == set(inputs.documents) - {added.record.doc_id}
    from corpus_tools.annotations.consolidate import ChosenInDocOrder
    assert isinstance(inputs.chosen, ChosenInDocOrder)  # looked up once per task: not held in memory
    # the pre-annotations are made when a task asks for one, never held: a new corpus need not fit
    from corpus_tools.preannotate.run import PendingPredictions
    assert isinstance(inputs.preannotations, PendingPredictions) and len(inputs.preannotations) == 1
    made = []
    annotator = inputs.preannotations._annotator
    inputs.preannotations._annotator = lambda document: made.append(document.doc_id) or annotator(document)
    prediction = inputs.preannotations[added.record.doc_id]
    assert made == [added.record.doc_id] and prediction["result"] and prediction["model_version"]
    with pytest.raises(KeyError):
        inputs.preannotations[next(iter(inputs.chosen))]
    assert inputs.set_name.startswith("annotations@")
    assert inputs.notes[-1].startswith("1 document without annotation gets pre-annotations; ")


def test_preannotate_documents_makes_each_as_it_is_read():
    """The command prints a line per document and keeps none of the pre-annotations."""
    from corpus_tools.preannotate.run import preannotate_documents
    from release_factories import synthetic_document

    reads = []
    documents = (reads.append(doc_id) or synthetic_document(doc_id) for doc_id in ("d1", "d2"))
    made = preannotate_documents(documents, REGISTRY, None)
    assert reads == []  # nothing is read before the first is asked for
    first = next(made)
    assert first[0] == "d1" and first[1].annotations.timexes and reads == ["d1"]
    assert [doc_id for doc_id, _ in made] == ["d2"] and reads == ["d1", "d2"]


@pytest.mark.parametrize(("args", "message"), [(["--strict-aliases"], "--strict-aliases goes with --evaluate"),
                                               (["--evaluate", "--doc", "x"], "--doc does not go with --evaluate"),])
def test_options_that_would_be_ignored_are_refused(corpus_copy, args, message):
    assert message in invoked("preannotate", "--root", corpus_copy.root, "--ner", "none", *args, code=2).output


def test_evaluating_without_gold_is_an_error_not_a_table_of_zeros(corpus_copy):
    shutil.rmtree(corpus_copy.exports)
    result = invoked("preannotate", "--root", corpus_copy.root, "--evaluate", "--ner", "none", code=1)
    assert "[preannotate-no-gold]" in result.output and "| entities |" not in result.output


def test_evaluating_against_gold_errors_left_units_out_of_is_refused(tmp_path):
    """Found by a review: gold units left out for an error (here mentions of an entity_id the
    registry no longer has: entity-id-unknown) were left out of the score unsaid, and the command
    exited 0 with a table scored against less gold than there is (7 entities, of the 9 the chosen
    annotations hold). Refused as agreement refuses it (invalid-annotations), naming the errors."""
    import export_corpus

    layout = export_corpus.ingested(tmp_path)
    kept = [line for line in layout.registry.read_text(encoding="utf-8").splitlines(keepends=True)
            if json.loads(line)["id"] != "damascus"]
    layout.registry.write_text("".join(kept), encoding="utf-8")
    result = invoked("preannotate", "--root", layout.root, "--evaluate", "--ner", "none", code=1)
    assert "| entities |" not in result.stdout
    # the chosen annotations' two (not annotator 1's two in the same task: nobody scores against them)
    assert "[invalid-annotations] the stored exports have 2 errors, so nothing is scored: " in result.output
    assert "region e6: error [entity-id-unknown] entity_id 'damascus' is not in the entity registry " \
           "(annotations/entity-registry.jsonl" in result.output


def test_pull_without_ingest_refuses_an_ingest_option(tmp_path):
    result = invoked("labelstudio", "pull", "--no-ingest", "--allow-partial", "-o", tmp_path / "x.json",
                     "--data-dir", tmp_path, code=2)
    assert "--allow-partial is an option of ingest" in result.output
