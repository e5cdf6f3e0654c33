"""corpus_tools.release.diff: pairs of small releases, built here, one change of each kind each;
every change is found and classified, and nothing else is reported."""

from __future__ import annotations

import collections
import copy
import dataclasses
import functools
import hashlib
import json
import pickle
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import corpus_tools.release.diff as diff_module
from conftest import REPO, SEED_DOC_IDS
from corpus_tools import load_pandas
from corpus_tools.cli import cli
from corpus_tools.errors import CorpusError
from corpus_tools.records import (
    Cue, EntityMention, Evidence, Quote, RegistryEntity, ReleaseChange, ReleaseDiff, Source, Span, TimeExpression,
)
from corpus_tools.release import ShardSizes, build_release
from corpus_tools.release import build as build_module
from corpus_tools.release.arrow_schemas import half_null_region
from corpus_tools.release.buildinfo import recorded_versions
from corpus_tools.release.card import CardInfo
from corpus_tools.release.diff import (
    CHANGE_KINDS, ChangeLog, FilesCompared, as_dict, card_section, changelog_line, check_bump, counted, counts,
    diff_releases, report_lines, required_bump,
)
from corpus_tools.release.versions import list_versions, previous_release, version_key
from release_factories import (
    REGISTRY, RAW_PREFIX, ShiftMap, annotations_for, mention, resummed, seed_inputs, span_of, synthetic_document,
)

DOC = "000_cbeedfbee8440207"  # the annotated seed document
OTHER, LAST = SEED_DOC_IDS[1], SEED_DOC_IDS[-1]
ABKHAZIA = RegistryEntity("abkhazia", "Abkhazia", "GPE", (), None, "Breakaway region of Georgia")
ASSAD = RegistryEntity("assad", "Assad", "PERSON", (), None, "a duplicate entry")
HAFEZ = RegistryEntity("hafez-al-assad", "Hafez al-Assad", "PERSON", (), "Q49207", "President of Syria 1971-2000")


def base_inputs():
    documents, annotations, registry = seed_inputs()
    return documents, annotations, (*registry, ABKHAZIA)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return build_release(*base_inputs(), tmp_path_factory.mktemp("old"), "1.0.0").path


def built(tmp_path: Path, documents, annotations, registry, version: str = "1.1.0", **options) -> Path:
    return build_release(documents, annotations, registry, tmp_path / "new", version, **options).path


def card_text(release: Path) -> str:
    return (release / "README.md").read_text(encoding="utf-8")


def changelog_text(release: Path) -> str:
    return (release / "CHANGELOG.md").read_text(encoding="utf-8")


def keys(diff) -> list[tuple]:
    return [(c.layer, c.kind, c.doc_id, c.id) for c in diff.changes]


def only(diff):
    assert len(diff.changes) == 1, keys(diff)
    return diff.changes[0]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def with_annotation(annotations, **fields):
    return {**annotations, DOC: dataclasses.replace(annotations[DOC], **fields)}


def with_document(documents, **fields):
    return {**documents, DOC: dataclasses.replace(documents[DOC], **fields)}


def with_metadata(documents, **fields):
    return with_document(documents, metadata=dataclasses.replace(documents[DOC].metadata, **fields))


def entity(documents, region_id, start, end, label, entity_id):
    text = documents[DOC].text
    return EntityMention(region_id, DOC, Span(start, end), text[start:end], label, entity_id)


def replaced(items, region_id, **fields):
    return tuple(dataclasses.replace(item, **fields) if item.id == region_id else item for item in items)


def diff_with(base: Path, tmp_path: Path, change) -> object:
    return diff_releases(base, built(tmp_path, *change(*base_inputs())))


def refusal(function, *args, **options) -> CorpusError:
    """The error ``function(*args, **options)`` raises."""
    with pytest.raises(CorpusError) as caught:
        function(*args, **options)
    return caught.value


def refused(argv: list, error: str) -> None:
    """The command line given ``argv``: exit 1, no report (not a word of one), ``error`` its one line."""
    result = CliRunner().invoke(cli, [str(arg) for arg in argv])
    assert (result.exit_code, result.stdout, result.output) == (1, "", f"Error: {error}\n")


def diff_refused_both_ways(release: Path, other: Path, error: str, *options: str) -> None:
    for pair in ((release, other), (other, release)):
        refused(["diff", *pair, *options], error)


# --- changes of the inputs: (documents, annotations, registry) -> the same, changed


def units_changed(layer: str, edit):
    """DOC's ``layer`` units (entities, timexes, quotes) replaced by ``edit(documents, units)``."""
    return lambda d, a, r: (d, with_annotation(a, **{layer: edit(d, getattr(a[DOC], layer))}), r)


def unit_changed(layer: str, region_id: str, **fields):
    return units_changed(layer, lambda d, units: replaced(units, region_id, **fields))


def unit_added(layer: str, unit):
    """``unit(documents)``, one unit more."""
    return units_changed(layer, lambda d, units: (*units, unit(d)))


def quote_change(change):
    return units_changed("quotes", lambda d, quotes: tuple(change(d[DOC].text, q) for q in quotes))


def chain(*changes):
    """The changes one after the other (none: the inputs as they are)."""
    return lambda *inputs: functools.reduce(lambda done, change: change(*done), changes, inputs)


def registry_added(entry: RegistryEntity):
    return lambda d, a, r: (d, a, (*r, entry))


def registry_change(entity_id, **fields):
    return lambda d, a, r: (d, a, tuple(dataclasses.replace(e, **fields) if e.id == entity_id else e for e in r))


def document_added(documents, annotations, registry):
    return {**documents, "synthetic-000": synthetic_document("synthetic-000")}, annotations, registry


def last_document_removed(documents, annotations, registry):
    return ({d: doc for d, doc in documents.items() if d != LAST},
            {d: ann for d, ann in annotations.items() if d != LAST}, registry)


def renormalized_keeping_a_newline(documents, annotations, registry):
    """One more leading newline kept: every normalized offset moves by one, raw offsets do not."""
    text = "\n" + documents[DOC].text
    documents = with_document(documents, text=text, offset_map=ShiftMap(RAW_PREFIX - 1),
                              normalizer_version="test-2", text_sha256=sha256(text))
    return documents, {**annotations, DOC: annotations_for(documents[DOC])}, registry


def word_inserted(documents, annotations, registry):
    """A word inserted before every unit: raw and normalized offsets all move; the units are the same."""
    text = documents[DOC].text.replace("Syrian President", "REALLY Syrian President", 1)
    documents = with_metadata(with_document(documents, text=text, text_sha256=sha256(text)),
                              sha256=sha256(text + "raw"))
    return documents, {**annotations, DOC: annotations_for(documents[DOC])}, registry


def shortened_by_seven(documents, entities):
    e1 = next(e for e in entities if e.id == "e1")
    span = Span(e1.span.start + 7, e1.span.end)
    return replaced(entities, "e1", span=span, text=span.of(documents[DOC].text))


def second_quote(documents):
    text = documents[DOC].text
    start = span_of(text, '"America is currently illegally occupying').start
    span = Span(start, text.index('anything,"') + len('anything,"'))
    return Quote("q2", DOC, span, span.of(text), "direct")


def quote_inside_its_marks(text, quote):  # without the quotation marks and the comma
    span = Span(quote.span.start + 1, quote.span.end - 2)
    return dataclasses.replace(quote, span=span, text=span.of(text))


def source_moved(text, quote):
    span = span_of(text, "Assad was quoted")
    return dataclasses.replace(quote, source=Source("s1", Span(span.start, span.start + 5), "Assad", "bashar-al-assad"))


def source_and_cue_elsewhere(text, quote):
    return dataclasses.replace(quote, source=Source("s9", span_of(text, "Syria"), "Syria", "syria"),
                               cue=Cue("c9", span_of(text, "interview"), "interview"))


def source_over_more_of_itself(text, quote):
    he = quote.source.span
    return dataclasses.replace(quote, source=Source("s9", Span(he.start, he.end + 5), "he said", "bashar-al-assad"))


def source_beside_itself(text, quote):
    after = Span(quote.source.span.end, quote.source.span.end + len(" said"))
    return dataclasses.replace(quote, source=Source("s9", after, after.of(text), "bashar-al-assad"))


def e1_beside_itself(documents, mentions):
    before = span_of(documents[DOC].text, "President ")  # ends where e1, "Bashar Al-Assad", starts
    return replaced(mentions, "e1", span=before, text="President ")


def washington_as(new):
    """Raw file and text changed: "Washington", e3, now ``new``."""
    def change(documents, annotations, registry):
        text = documents[DOC].text.replace("Washington", new, 1)
        documents = with_metadata(with_document(documents, text=text, text_sha256=sha256(text)),
                                  sha256=sha256(text + "raw"))
        entities = replaced(annotations[DOC].entities, "e3", text=new)
        return documents, with_annotation(annotations, entities=entities, text_sha256=sha256(text)), registry
    return change


ABKHAZIA_LINKED = unit_added("entities", lambda d: mention(d[DOC], "e5", "Abkhazia", "GPE", "abkhazia"))
AFP_AS_NORP = unit_changed("entities", "e4", label="NORP")
NO_TIMEX = units_changed("timexes", lambda d, units: ())


# --- no change


def test_a_release_against_itself_and_an_identical_rebuild_report_no_change(base, tmp_path):
    assert diff_releases(base, base).changes == ()
    rebuilt = diff_releases(base, built(tmp_path, *base_inputs()))
    assert rebuilt.changes == () and rebuilt.direction == "forward"
    assert required_bump(rebuilt) == "patch"
    assert report_lines(rebuilt)[-1] == "no change: the data of 1.1.0 is that of 1.0.0"


# --- one change of each kind


def value(change, name: str):
    """A change's attribute (``old``) or a key within one (``new.evidence.kind``)."""
    return functools.reduce(lambda item, key: item[key] if isinstance(item, dict) else getattr(item, key),
                            name.split("."), change)


PUBLISHED = seed_inputs()[0][DOC].metadata.sha256  # the raw file's hash
CHARACTERS = len(seed_inputs()[0][DOC].text)
HOPE = "There is always hope: even when we know there will be no results we must try"  # the quote, inside

# A change of the inputs, and every change the diff finds: its layer, kind, doc_id and id (in
# report order, and nothing else), and values of it (by ``value``'s names).
CHANGES = [
    # documents
    pytest.param(document_added, [("documents", "added", "synthetic-000", "synthetic-000",
                                   {"old": None, "new.title": "Officials in Washington met on Monday."})],
                 id="document-added"),
    pytest.param(last_document_removed, [("documents", "removed", LAST, LAST, {})], id="document-removed"),
    pytest.param(lambda d, a, r: (with_metadata(d, sha256="0" * 64), a, r),
                 [("documents", "raw-changed", DOC, DOC, {"new": {"raw_sha256": "0" * 64, "raw_encoding": "utf-8"},
                                                          "old.raw_sha256": PUBLISHED})],
                 id="raw-file-changed-with-the-same-text"),
    pytest.param(renormalized_keeping_a_newline,  # every normalized offset moved, but no unit
                 [("documents", "text-changed", DOC, DOC, {
                     "old.normalizer_version": "test-1", "new.normalizer_version": "test-2",
                     "old.characters": CHARACTERS, "new.characters": CHARACTERS + 1})],
                 id="a-new-normalizer"),
    pytest.param(word_inserted,  # raw and text changed: the units are matched through the texts
                 [("documents", "raw-changed", DOC, DOC, {}), ("documents", "text-changed", DOC, DOC, {}),
                  ("ner", "tokens-added", DOC, None, {"new": "O", "count": 1})],  # the token REALLY
                 id="raw-and-text-changed"),
    pytest.param(lambda d, a, r: (with_document(d, title="Assad: talks with US"), a, r),
                 [("documents", "title-changed", DOC, DOC, {"old": "Bashar Al-Assad", "new": "Assad: talks with US"})],
                 id="title-changed"),
    pytest.param(lambda d, a, r: (with_metadata(d, publisher="AFP", publisher_evidence=Evidence(
                     "stated", line=4, quote="AFP reported.")), a, r),
                 [("documents", "publisher-changed", DOC, DOC, {
                     "old": {"publisher": "Reuters", "evidence": {"kind": "stated", "line": 1,
                                                                  "quote": "Bashar Al-Assad", "reasoning": None}},
                     "new": {"publisher": "AFP", "evidence": {"kind": "stated", "line": 4,
                                                              "quote": "AFP reported.", "reasoning": None}}})],
                 id="publisher-changed-with-its-evidence"),
    pytest.param(lambda d, a, r: (with_metadata(d, publication_date="2024-04-26"), a, r),
                 [("documents", "date-changed", DOC, DOC, {
                     "old.publication_date": "2024-04-25", "new.publication_date": "2024-04-26",
                     "new.precision": "day", "new.evidence.kind": "stated"})],
                 id="date-changed"),
    # entities, and the ner tags that follow them
    pytest.param(ABKHAZIA_LINKED,
                 [("entities", "added", DOC, "e5", {"text": "Abkhazia", "new.label": "GPE",
                                                    "new.entity_id": "abkhazia"}),
                  ("ner", "tags-changed", DOC, None, {"old": "O", "new": "B-GPE", "count": 1})],
                 id="entity-added"),
    pytest.param(units_changed("entities", lambda d, units: tuple(e for e in units if e.id != "e4")),
                 [("entities", "removed", DOC, "e4", {"old.label": "ORG", "old.text": "AFP"}),
                  ("ner", "tags-changed", DOC, None, {"old": "B-ORG", "new": "O"})],
                 id="entity-removed"),
    pytest.param(units_changed("entities", shortened_by_seven),
                 [("entities", "boundaries", DOC, "e1", {"old.text": "Bashar Al-Assad", "new.text": "Al-Assad",
                                                         "old.raw_start": 60, "new.raw_start": 67}),
                  ("ner", "tags-changed", DOC, None, {"old": "B-PERSON", "new": "O", "count": 1}),
                  ("ner", "tags-changed", DOC, None, {"old": "I-PERSON", "new": "B-PERSON", "count": 1})],
                 id="entity-boundaries-changed"),
    pytest.param(AFP_AS_NORP,
                 [("entities", "relabelled", DOC, "e4", {"old": "ORG", "new": "NORP", "text": "AFP"}),
                  ("ner", "tags-changed", DOC, None, {"old": "B-ORG", "new": "B-NORP"})],
                 id="entity-relabelled"),
    pytest.param(unit_changed("entities", "e3", entity_id="syria"),
                 [("entities", "relinked", DOC, "e3", {"text": "Washington", "old": "united-states", "new": "syria"})],
                 id="entity-relinked"),
    pytest.param(unit_changed("entities", "e2", entity_id="united-states"), [("entities", "relinked", DOC, "e2", {})],
                 id="a-single-relink-is-neither-a-merge-nor-a-split"),
    # every mention of afp now links to a new id for it: a registry removal and an addition, nothing
    # merged (one entry stays one)
    pytest.param(chain(registry_change("afp", id="agence-france-presse"),
                       unit_changed("entities", "e4", entity_id="agence-france-presse")),
                 [("entities", "relinked", DOC, "e4", {}), ("registry", "removed", None, "afp", {}),
                  ("registry", "added", None, "agence-france-presse", {})],
                 id="an-id-renamed-to-a-new-id-is-no-merge"),
    pytest.param(unit_changed("entities", "e3", id="Xy7-redrawn"),  # the same unit: not removed and added
                 [("entities", "id-changed", DOC, "Xy7-redrawn", {"text": "Washington", "old": {"id": "e3"},
                                                                  "new": {"id": "Xy7-redrawn"}})],
                 id="units-are-matched-by-position-not-by-region-id"),
    # units left unpaired at a position are paired by overlap, of one character at least: a mention redrawn
    # beside its old place, sharing a boundary with it but no character, is another unit (units that only
    # touched were paired as a boundary change, and no test failed)
    pytest.param(units_changed("entities", e1_beside_itself),
                 [("entities", "added", DOC, "e1", {"old": None, "new.start": 47, "text": "President "}),
                  ("entities", "removed", DOC, "e1", {"old.start": 57, "new": None, "text": "Bashar Al-Assad"}),
                  ("ner", "tags-changed", DOC, None, {}), ("ner", "tags-changed", DOC, None, {}),
                  ("ner", "tags-changed", DOC, None, {})],
                 id="a-unit-redrawn-next-to-where-it-was-is-removed-and-added-not-its-boundaries-changed"),
    # the edit took e3's first character: its start could not be carried onto the new text, so it was
    # reported removed and its edited self added, though the docs say such a unit is compared by
    # overlap; when at least half of it was kept
    pytest.param(washington_as("Vashington"),
                 [("documents", "raw-changed", DOC, DOC, {}), ("documents", "text-changed", DOC, DOC, {}),
                  ("entities", "boundaries", DOC, "e3", {"old.text": "Washington", "new.text": "Vashington"}),
                  ("ner", "tokens-added", DOC, None, {}), ("ner", "tokens-removed", DOC, None, {})],
                 id="a-unit-whose-first-character-was-edited-is-paired-by-what-was-kept"),
    # one letter of ten lines up: another unit, not this one's boundaries
    pytest.param(washington_as("Moscow xxx"),
                 [("documents", "raw-changed", DOC, DOC, {}), ("documents", "text-changed", DOC, DOC, {}),
                  ("entities", "added", DOC, "e3", {"old": None, "new.text": "Moscow xxx"}),
                  ("entities", "removed", DOC, "e3", {"old.text": "Washington", "new": None}),
                  ("ner", "tokens-added", DOC, None, {}), ("ner", "tokens-added", DOC, None, {}),
                  ("ner", "tokens-removed", DOC, None, {})],
                 id="a-unit-of-which-one-letter-in-ten-lines-up-is-another-unit"),
    # time expressions
    pytest.param(unit_added("timexes", lambda d: TimeExpression("t2", DOC, span_of(d[DOC].text, "decade"), "decade",
                                                                "DURATION", "P10Y")),
                 [("timexes", "added", DOC, "t2", {"new.value": "P10Y", "new.label": "DURATION"})], id="timex-added"),
    pytest.param(NO_TIMEX,
                 [("timexes", "removed", DOC, "t1", {"old.text": "Sunday"})], id="timex-removed"),
    pytest.param(units_changed("timexes", lambda d, units: replaced(units, "t1", span=span_of(d[DOC].text, "on Sunday"),
                                                                   text="on Sunday")),
                 [("timexes", "boundaries", DOC, "t1", {"old.text": "Sunday", "new.text": "on Sunday"})],
                 id="timex-boundaries-changed"),
    pytest.param(unit_changed("timexes", "t1", label="SET"),  # every Sunday: a value a SET takes too
                 [("timexes", "type-changed", DOC, "t1", {"text": "Sunday", "old": "DATE", "new": "SET"})],
                 id="timex-type-changed"),
    pytest.param(unit_changed("timexes", "t1", value="2024-04-21"),
                 [("timexes", "value-changed", DOC, "t1", {"text": "Sunday", "old": "XXXX-WXX-7",
                                                           "new": "2024-04-21"})],
                 id="timex-value-changed"),
    pytest.param(unit_changed("timexes", "t1", mod="APPROX"),
                 [("timexes", "mod-changed", DOC, "t1", {"text": "Sunday", "old": None, "new": "APPROX"})],
                 id="timex-mod-changed"),
    # quotes
    pytest.param(unit_added("quotes", second_quote),
                 [("quotes", "added", DOC, "q2", {"new.quote_type": "direct", "new.source_id": None})],
                 id="quote-added"),
    pytest.param(units_changed("quotes", lambda d, units: ()),
                 [("quotes", "removed", DOC, "q1", {"old.speaker_id": "bashar-al-assad"})], id="quote-removed"),
    pytest.param(quote_change(quote_inside_its_marks),
                 [("quotes", "boundaries", DOC, "q1", {"old.text": f'"{HOPE},"', "new.text": HOPE})],
                 id="quote-boundaries-changed"),
    pytest.param(quote_change(lambda text, q: dataclasses.replace(q, quote_type="mixed")),
                 [("quotes", "type-changed", DOC, "q1", {"old": "direct", "new": "mixed"})], id="quote-type-changed"),
    pytest.param(quote_change(source_moved),
                 [("quotes", "source-changed", DOC, "q1", {"old.text": "he", "new.text": "Assad",
                                                           "new.speaker_id": "bashar-al-assad"})],
                 id="quote-source-changed"),
    pytest.param(quote_change(lambda text, q: dataclasses.replace(q, source=dataclasses.replace(q.source,
                                                                                              speaker_id="syria"))),
                 [("quotes", "speaker-changed", DOC, "q1", {"old": "bashar-al-assad", "new": "syria"})],
                 id="quote-speaker-changed"),
    pytest.param(quote_change(lambda text, q: dataclasses.replace(q, cue=None)),
                 [("quotes", "cue-changed", DOC, "q1", {"old.text": "said", "new": None})], id="quote-cue-changed"),
    # Label Studio gives a region drawn anew a new id: a source and cue now elsewhere in the text are
    # other regions (source-changed, cue-changed), not the same ones under other ids
    pytest.param(quote_change(source_and_cue_elsewhere),
                 [("quotes", "source-changed", DOC, "q1", {}),
                  ("quotes", "speaker-changed", DOC, "q1", {"old": "bashar-al-assad", "new": "syria"}),
                  ("quotes", "cue-changed", DOC, "q1", {})],
                 id="a-source-and-cue-drawn-elsewhere-under-new-ids-are-changed-regions-not-ids-changed"),
    # a source redrawn over part of itself is the same one, its id changed (as a unit paired by overlap)
    pytest.param(quote_change(source_over_more_of_itself),
                 [("quotes", "source-changed", DOC, "q1", {}),
                  ("quotes", "id-changed", DOC, "q1", {"old": {"source_id": "s1"}, "new": {"source_id": "s9"}})],
                 id="a-source-redrawn-over-part-of-itself-under-a-new-id-is-an-id-changed"),
    # a source redrawn beside its old place, sharing a boundary with it but no character, is drawn
    # elsewhere (source-changed alone, its new id says nothing more): only a region that shares a
    # character with the old one is the same region under a new id (a region that only touched counted
    # as overlapping, and no test failed)
    pytest.param(quote_change(source_beside_itself),
                 [("quotes", "source-changed", DOC, "q1", {"old.text": "he", "old.start": 708, "new.text": " said",
                                                           "new.start": 710})],
                 id="a-source-drawn-next-to-where-it-was-is-another-region-not-an-id-changed"),
    # registry
    pytest.param(registry_added(RegistryEntity("russia", "Russia", "GPE", (), "Q159", "Country")),
                 [("registry", "added", None, "russia", {"new.wikidata": "Q159"})], id="registry-entity-added"),
    pytest.param(lambda d, a, r: (d, a, tuple(e for e in r if e.id != "abkhazia")),
                 [("registry", "removed", None, "abkhazia", {"old.name": "Abkhazia"})], id="registry-entity-removed"),
    pytest.param(registry_change("afp", name="AFP"),
                 [("registry", "renamed", None, "afp", {"old": "Agence France-Presse", "new": "AFP"})],
                 id="registry-renamed"),
    pytest.param(registry_change("afp", aliases=("AFP", "Agence France Presse")),
                 [("registry", "aliases-changed", None, "afp", {"old": ["AFP"],
                                                                "new": ["AFP", "Agence France Presse"]})],
                 id="registry-aliases-changed"),
    pytest.param(registry_change("abkhazia", type="LOC"),
                 [("registry", "type-changed", None, "abkhazia", {"old": "GPE", "new": "LOC"})],
                 id="registry-type-changed"),
    pytest.param(registry_change("afp", wikidata="Q40464"),
                 [("registry", "wikidata-changed", None, "afp", {"old": None, "new": "Q40464"})],
                 id="registry-wikidata-changed"),
    pytest.param(registry_change("syria", description="Country in the Middle East"),
                 [("registry", "description-changed", None, "syria", {"old": "Country in Western Asia",
                                                                      "new": "Country in the Middle East"})],
                 id="registry-description-changed"),
]


def assert_changes(diff, expected) -> None:
    assert keys(diff) == [row[:4] for row in expected]
    assert [{name: value(found, name) for name in row[4]} for found, row in zip(diff.changes, expected)] == [
        row[4] for row in expected]


@pytest.fixture
def no_long_alignment(monkeypatch) -> None:
    """SequenceMatcher without its junk heuristic costs the square of a document's length (40 s for
    15 documents of 200,000 characters): equal token lists pair by position, and texts are aligned
    as ingest re-anchors spans (TextAlignment), never character by character."""
    real = diff_module.SequenceMatcher

    def matcher(junk, a, b, autojunk=True):
        assert not isinstance(a, str), "whole texts compared character by character"
        assert a != b, "equal token lists aligned"
        return real(junk, a, b, autojunk=autojunk)

    monkeypatch.setattr(diff_module, "SequenceMatcher", matcher)


@pytest.mark.parametrize(("change", "expected"), CHANGES)
def test_a_change_of_each_kind_is_found_and_classified_and_needs_a_minor_version(base, tmp_path, no_long_alignment,
                                                                                 change, expected):
    diff = diff_with(base, tmp_path, change)
    assert_changes(diff, expected)
    assert required_bump(diff) == "minor"


# --- documents


def test_changes_of_a_renormalized_document_are_in_document_order(tmp_path):
    """A new normalizer drops 20 leading newlines (the raw file the same), "Syria" (e2) is removed
    and "has" after it added: the removal comes first, as in the document. Removed units were
    placed by their OLD normalized start (139), added ones by their NEW one (125): the addition first."""
    documents, annotations, registry = base_inputs()
    text = "\n" * 20 + documents[DOC].text
    old_documents = with_document(documents, text=text, offset_map=ShiftMap(RAW_PREFIX - 20),
                                  normalizer_version="test-0", text_sha256=sha256(text))
    old = build_release(old_documents, {**annotations, DOC: annotations_for(old_documents[DOC])}, registry,
                        tmp_path / "old", "1.0.0").path
    has = span_of(documents[DOC].text, "has held")
    entities = (*(e for e in annotations[DOC].entities if e.id != "e2"),
                entity(documents, "e9", has.start, has.start + 3, "ORG", None))
    # and with the raw file changed too: removed units are placed by their start carried onto the new text
    for new_documents, where in ((documents, tmp_path), (with_metadata(documents, sha256="0" * 64), tmp_path / "raw")):
        new = built(where, new_documents, with_annotation(annotations, entities=entities), registry)
        changes = diff_releases(old, new).changes
        assert [(c.kind, c.id) for c in changes if c.layer == "entities"] == [("removed", "e2"), ("added", "e9")]


# --- quotes


def test_a_missing_link_or_source_reads_null_in_the_report_not_python_s_none(base, tmp_path):
    """An unlinked mention added, a quote's source dropped: the text report says null, as it does
    for every other missing value ("-> None" read as a registry id None)."""
    def change(documents, annotations, registry):
        has = span_of(documents[DOC].text, "has held")
        entities = (*annotations[DOC].entities, entity(documents, "e9", has.start, has.start + 3, "ORG", None))
        quotes = tuple(dataclasses.replace(q, source=None) for q in annotations[DOC].quotes)
        return documents, with_annotation(annotations, entities=entities, quotes=quotes), registry

    lines = report_lines(diff_with(base, tmp_path, change))
    assert '  added: 000_cbeedfbee8440207 e9 "has" [125, 128) ORG -> null' in lines
    assert '  source-changed: 000_cbeedfbee8440207 q1: "he" [708, 710) (bashar-al-assad) -> none (null)' in lines
    assert not any("None" in line for line in lines)


# --- registry


def test_a_registry_description_with_a_line_break_is_one_escaped_line_of_the_report(base, tmp_path):
    """A release made elsewhere (this registry refuses it) whose registry description holds a line
    break: the text report's example broke in two ("Country in Western Asia -> Country in Western
    Asia" then "second line"). Free text is shown quoted and escaped, as names and titles are."""
    def described(table: pa.Table) -> pa.Table:
        at = table.schema.get_field_index("description")
        descriptions = [description + "\nsecond line" if entity_id == "syria" else description
                        for entity_id, description in zip(table["id"].to_pylist(), table["description"].to_pylist())]
        return table.set_column(at, table.schema.field(at), pa.array(descriptions, table.schema.field(at).type))

    changed = rewritten(base, tmp_path / "new" / "1.0.0", "entity_registry", described)
    lines = report_lines(diff_releases(base, changed))
    assert lines[1:3] == ["registry: 1 description changed", '  description-changed: syria "Syria": '
                          '"Country in Western Asia" -> "Country in Western Asia\\nsecond line"']
    assert all("\n" not in line for line in lines)
    renamed = report_lines(diff_with(base, tmp_path / "renamed", registry_change("afp", name="AFP")))
    assert renamed[2] == '  renamed: afp "AFP": "Agence France-Presse" -> "AFP"'


def test_a_line_break_in_any_value_of_a_release_is_escaped_in_the_report(base, tmp_path):
    """Only names and descriptions were escaped: a registry id or wikidata QID of a release made
    elsewhere, or a doc_id, holding a line break broke the report's line in two ("added: abkhazia"
    then "x "Abkhazia" GPE Q23792"). Every line a change is described by is escaped whole."""
    def change(table: pa.Table) -> pa.Table:
        registry = "wikidata" in table.column_names
        for column in ("wikidata", "doc_id", "document_id", "id"):  # the QID found by the id it had
            if column in table.column_names and (column != "id" or registry):
                at = table.schema.get_field_index(column)
                values = table[column].to_pylist()
                if column == "wikidata":
                    values = ["Q23792\nx" if entity_id == "abkhazia" else value
                              for entity_id, value in zip(table["id"].to_pylist(), values)]
                else:
                    values = [value + "\nx" if value in (DOC, "abkhazia") else value for value in values]
                table = table.set_column(at, table.schema.field(at), pa.array(values, table.schema.field(at).type))
        return table

    def every_config(release: Path) -> None:
        for config in (release / "data").iterdir():
            in_config(config.name, change)(release)

    lines = report_lines(diff_releases(base, resummed(base, tmp_path / "new" / "1.0.0", every_config)))
    assert '  added: abkhazia\\nx "Abkhazia" GPE Q23792\\nx' in lines
    assert f'  added: {DOC}\\nx "Bashar Al-Assad" raw 9bc86fe37f64' in lines
    assert f"  {DOC}\\nx: documents 1 added; entities 4 added; timexes 1 added; quotes 1 added" in lines
    assert all("\n" not in line for line in lines)


def assad_linked(entity_id: str):
    """A mention more, "Assad" of "Assad was quoted", linked to ``entity_id``."""
    def assad(documents):
        start = span_of(documents[DOC].text, "Assad was quoted").start
        return entity(documents, "e5", start, start + 5, "PERSON", entity_id)
    return unit_added("entities", assad)


E1_AS_ASSAD = unit_changed("entities", "e1", entity_id="assad")
MERGED = ("registry", "merged", None, "bashar-al-assad",
          {"old": ["assad", "bashar-al-assad"], "new": "bashar-al-assad"})

# What OLD's and NEW's inputs (the seed inputs changed) link to two registry ids for one entity,
# or to one for two, and every change the diff finds (as CHANGES).
REGISTRY_MOVES = [
    pytest.param(  # every mention of the duplicate now links to the other, the duplicate is gone
        chain(assad_linked("assad"), registry_added(ASSAD)), assad_linked("bashar-al-assad"),
        [("entities", "relinked", DOC, "e5", {}), ("registry", "removed", None, "assad", {}), MERGED], id="merge"),
    pytest.param(  # the duplicate held every mention (an entity and a quote's speaker), the entity it merges
        # into was linked by nothing: still two entries become one (the merge was missed, as the target had
        # no old mention of its own to count)
        chain(E1_AS_ASSAD, quote_change(lambda text, q: dataclasses.replace(q, source=dataclasses.replace(
            q.source, speaker_id="assad"))), registry_added(ASSAD)), chain(),
        [("entities", "relinked", DOC, "e1", {}), ("quotes", "speaker-changed", DOC, "q1", {}),
         ("registry", "removed", None, "assad", {}), MERGED], id="merge-into-an-entity-no-mention-linked-to-yet"),
    pytest.param(  # one id for two people: its mentions now link to two ids, one of them new
        chain(E1_AS_ASSAD, assad_linked("assad"), registry_added(ASSAD)),
        chain(assad_linked("hafez-al-assad"), registry_added(HAFEZ)),
        [("entities", "relinked", DOC, "e1", {}), ("entities", "relinked", DOC, "e5", {}),
         ("registry", "removed", None, "assad", {}),
         ("registry", "split", None, "assad", {"old": "assad", "new": ["bashar-al-assad", "hafez-al-assad"]}),
         ("registry", "added", None, "hafez-al-assad", {})], id="split"),
]


@pytest.mark.parametrize(("old", "new", "expected"), REGISTRY_MOVES)
def test_registry_merge_and_split(tmp_path, old, new, expected):
    old = build_release(*old(*seed_inputs()), tmp_path / "old", "1.0.0").path
    assert_changes(diff_releases(old, built(tmp_path, *new(*seed_inputs()))), expected)


# --- schema: releases rewritten column by column (as later releases add columns), re-summed


def in_config(config: str, change, **options):
    """An edit of a release: each of its ``config`` tables through ``change`` (written with
    ``pq.write_table``'s ``options``)."""
    def edit(release: Path) -> None:
        for path in sorted((release / "data" / config).glob("*.parquet")):
            pq.write_table(change(pq.read_table(path)), path, **options)
    return edit


def rewritten(release: Path, target: Path, config: str, change, **options) -> Path:
    return resummed(release, target, in_config(config, change, **options))


def features_of(table: pa.Table) -> dict:
    return json.loads(table.schema.metadata[b"huggingface"])["info"]["features"]


def with_features(table: pa.Table, features: dict) -> pa.Table:
    return table.replace_schema_metadata({"huggingface": json.dumps({"info": {"features": features}})})


def add_column(name: str, values, feature: dict):
    def change(table: pa.Table) -> pa.Table:
        column = values(table) if callable(values) else [values] * table.num_rows
        table = table.append_column(name, pa.array(column, type=pa.string() if feature["dtype"] == "string"
                                                   else pa.int32()))
        return with_features(table, {**features_of(table), name: feature})
    return change


def dropped(*columns: str):
    """A change of a table: ``columns`` gone, from its features too."""
    def change(table: pa.Table) -> pa.Table:
        features = {k: v for k, v in features_of(table).items() if k not in columns}
        return with_features(table.drop_columns(list(columns)), features)
    return change


def without(column: str):
    """A change of a table: ``column`` gone from its columns only (``dropped`` takes it from its features too)."""
    return lambda table: table.drop_columns([column])


def start_widened(table: pa.Table) -> pa.Table:
    index = table.schema.get_field_index("start")
    table = table.set_column(index, pa.field("start", pa.int64()), table["start"].cast(pa.int64()))
    return with_features(table, {**features_of(table), "start": {"dtype": "int64", "_type": "Value"}})


def label_language_added(table: pa.Table) -> pa.Table:
    features = features_of(table)
    label = {**features["label"], "names": [*features["label"]["names"], "LANGUAGE"]}
    return with_features(table, {**features, "label": label})


def rows_of_other(key: str, change):
    """A change of a table: ``change(row)`` of OTHER's rows (``key`` its doc_id)."""
    def rewrite(table: pa.Table) -> pa.Table:
        rows = [change(row) if row[key] == OTHER else row for row in table.to_pylist()]
        return pa.Table.from_pylist(rows, schema=table.schema)
    return rewrite


def folds_added(release: Path) -> None:
    (release / "data" / "folds").mkdir()
    pq.write_table(pa.table({"doc_id": ["a"], "fold": pa.array([1], pa.int32())}),
                   release / "data" / "folds" / "train-00000-of-00001.parquet")


KB_PASSAGE_RETYPED = in_config("kb", rows_of_other("document_id", lambda row: {
    **row, "passages": [{**row["passages"][0], "type": "body"}, *row["passages"][1:]]}))
FOLD = {"dtype": "int32", "_type": "Value"}
STRING = {"dtype": "string", "_type": "Value"}

# An edit of base's files, as other code may write a release, and every change the diff finds
# (as CHANGES), the bump they need and the report's first example.
RELEASE_EDITS = [
    pytest.param(in_config("entities", dropped("entity_id")),
                 [("schema", "column-removed", None, "entities.entity_id", {"old": "string"})], "major",
                 "  column-removed: entities.entity_id (string)", id="column-removed"),
    pytest.param(in_config("entities", start_widened),
                 [("schema", "column-retyped", None, "entities.start", {"old": "int32", "new": "int64"})], "major",
                 "  column-retyped: entities.start: int32 -> int64", id="column-retyped"),
    pytest.param(in_config("entities", label_language_added),  # and no mention relabelled
                 [("schema", "labels-changed", None, "entities.label", {"new": [
                     "PERSON", "NORP", "ORG", "GPE", "LOC", "FAC", "EVENT", "LAW", "PRODUCT", "WORK_OF_ART",
                     "LANGUAGE"]})], "major",
                 "  labels-changed: entities.label: +LANGUAGE", id="label-set-changed"),
    pytest.param(folds_added, [("schema", "config-added", None, "folds", {"new": ["doc_id", "fold"]})], "minor",
                 "  config-added: folds ([doc_id, fold])", id="config-added"),
    pytest.param(lambda release: shutil.rmtree(release / "data" / "kb"),
                 [("schema", "config-removed", None, "kb", {})], "major",
                 "  config-removed: kb ([id, document_id, fold, passages, entities, events, coreferences, relations])",
                 id="config-removed"),
    pytest.param(KB_PASSAGE_RETYPED, [("configs", "rows-changed", OTHER, "kb", {"old": 1, "new": 1})], "minor",
                 f"  rows-changed: {OTHER} kb: 1 row(s) replaced by 1", id="rows-of-a-derived-config-changed-alone"),
]


@pytest.mark.parametrize(("edit", "expected", "bump", "example"), RELEASE_EDITS)
def test_a_release_written_otherwise_is_compared_by_its_schema_and_rows(base, tmp_path, edit, expected, bump, example):
    diff = diff_releases(base, resummed(base, tmp_path / "new", edit))
    assert_changes(diff, expected)
    assert required_bump(diff) == bump
    assert report_lines(diff)[2] == example


def test_new_columns_in_every_config_are_schema_changes_and_nothing_else(base, tmp_path):
    """As a next release may: a column in every config, provenance-like columns in the unit configs."""
    new = base
    for number, config in enumerate(sorted(p.name for p in (base / "data").iterdir())):
        new = rewritten(new, tmp_path / f"step{number}", config, add_column("batch", 3, FOLD))
    for number, config in enumerate(("entities", "timexes", "quotes")):
        new = rewritten(new, tmp_path / f"provenance{number}", config, add_column("annotator", "ann@example.org",
                                                                                   STRING))
    diff = diff_releases(base, new)
    assert {(c.layer, c.kind) for c in diff.changes} == {("schema", "column-added")}
    assert sorted(c.id for c in diff.changes) == sorted(
        [f"{config}.batch" for config in ("documents", "entities", "entity_registry", "kb", "ner", "quotes",
                                         "timexes")] + ["entities.annotator", "quotes.annotator", "timexes.annotator"])
    assert diff.changes[0].new in ("int32", "string")
    assert required_bump(diff) == "minor"
    # and the next release after that compares the new columns too
    def reassign_first(table):
        annotators = ["other@example.org"] + ["ann@example.org"] * (table.num_rows - 1)
        return table.set_column(table.schema.get_field_index("annotator"), "annotator", pa.array(annotators))

    later = rewritten(new, tmp_path / "later", "entities", reassign_first)
    field = only(diff_releases(new, later))
    assert (field.layer, field.kind, field.id, field.old, field.new) == (
        "entities", "field-changed", "e1", {"annotator": "ann@example.org"}, {"annotator": "other@example.org"})


def test_a_raw_column_only_one_release_has_does_not_make_the_raw_file_changed(base, tmp_path):
    """OLD without raw_encoding, NEW with it, the raw file the same, a new normalizer that edits a
    mention's first letter: units are matched by raw offsets, as the raw file is the same in the
    columns both have (nothing reports it changed). A null raw_encoding on one side made the units
    compared through the texts, and the mention 'boundaries changed' from [168, 178) to [168, 178)."""
    def renormalized(documents, annotations, registry):
        text = documents[DOC].text.replace("Washington", "Vashington", 1)
        documents = with_document(documents, text=text, normalizer_version="test-2", text_sha256=sha256(text))
        entities = replaced(annotations[DOC].entities, "e3", text="Vashington")
        return documents, with_annotation(annotations, entities=entities, text_sha256=sha256(text)), registry

    new = built(tmp_path, *renormalized(*base_inputs()))
    expected = [("documents", "text-changed", DOC, DOC), ("ner", "tokens-added", DOC, None),
                ("ner", "tokens-removed", DOC, None)]
    assert keys(diff_releases(base, new)) == expected
    assert keys(diff_releases(rewritten(base, tmp_path / "old", "documents", dropped("raw_encoding")), new)) == [
        ("schema", "column-added", None, "documents.raw_encoding"), *expected]


def test_a_struct_field_only_one_release_has_is_a_retyping_not_a_change_of_every_row(base, tmp_path):
    """As a column only one release has: the documents' publisher evidence and the kb's entities
    gain a field (filled in), and nothing but the two retypings is reported (every document was
    publisher-changed, its values shown equal, and every kb row rows-changed)."""
    def gain(column):
        def change(table):
            kind = table.schema.field(column).type
            listed = pa.types.is_list(kind)
            wider = pa.struct([*(kind.value_type if listed else kind), pa.field("checked_by", pa.string())])
            wider = pa.list_(wider) if listed else wider
            checked = lambda item: None if item is None else {**item, "checked_by": "lead"}
            values = [[checked(item) for item in row] if listed else checked(row) for row in table[column].to_pylist()]
            features = features_of(table)
            (features[column][0] if listed else features[column])["checked_by"] = STRING
            table = table.set_column(table.schema.get_field_index(column), pa.field(column, wider),
                                     pa.array(values, wider))
            return with_features(table, features)
        return change

    new = rewritten(base, tmp_path / "documents", "documents", gain("publisher_evidence"))
    new = rewritten(new, tmp_path / "kb", "kb", gain("entities"))
    for old, later in ((base, new), (new, base)):
        diff = diff_releases(old, later)
        assert keys(diff) == [("schema", "column-retyped", None, "documents.publisher_evidence"),
                              ("schema", "column-retyped", None, "kb.entities")]


def test_a_count_of_one_has_its_noun_in_the_singular(base, tmp_path):
    """"1 column removed", "1 token whose tag changed" (the rule of quantity()), in the report,
    the changelog line and the version rule's message; "2 columns removed" as before."""
    one = diff_releases(base, rewritten(base, tmp_path / "one", "entities", dropped("entity_id")))
    assert "schema: 1 column removed\n" in "\n".join(report_lines(one)) + "\n"
    assert "schema: 1 column removed." in changelog_line(one)
    with pytest.raises(CorpusError, match="but schema: 1 column removed "):
        check_bump(dataclasses.replace(one, new_version="1.1.0"))
    two = diff_releases(base, rewritten(base, tmp_path / "two", "entities", dropped("entity_id", "text")))
    assert "schema: 2 columns removed\n" in "\n".join(report_lines(two)) + "\n"
    assert "ner: 1 token whose tag changed" in report_lines(diff_with(base, tmp_path / "tags", AFP_AS_NORP))


def test_every_phrase_of_a_count_of_one_is_in_the_singular():
    """"1 tokens added", "1 tokens removed": ner's kinds that name tokens but the tag change kept
    the plural after 4ffc9e2's rule."""
    for layer, kinds in CHANGE_KINDS.items():
        for kind in kinds:
            phrase = counted(layer, kind, 1)
            assert phrase.split()[1] not in ("tokens", "columns", "configs", "documents", "sets"), phrase
    assert (counted("ner", "tokens-added", 1), counted("ner", "tokens-removed", 2)) == (
        "1 token added", "2 tokens removed")


def test_rows_of_one_document_changed_in_two_configs_are_not_counted_as_two_documents(base, tmp_path):
    """A rows-changed is one document's rows in one config: one document's kb and ner rows are two,
    which the report, card and changelog called "2 documents whose rows changed otherwise"."""
    new = resummed(base, tmp_path / "kb", KB_PASSAGE_RETYPED)
    new = rewritten(new, tmp_path / "ner", "ner", rows_of_other("doc_id", lambda row: {**row, "id": row["id"] + "x"}))
    diff = diff_releases(base, new)
    assert keys(diff) == [("configs", "rows-changed", OTHER, "kb"), ("configs", "rows-changed", OTHER, "ner")]
    # each names what in its rows differs: a field of a list of structs, a column of several rows
    assert [change.columns for change in diff.changes] == [("passages.type",), ("id",)]
    assert [change["columns"] for change in as_dict(diff)["changes"]] == [["passages.type"], ["id"]]
    lines = report_lines(diff)
    assert lines[lines.index("configs: 2 document-config pairs whose rows changed otherwise") + 3:][:2] == [
        "  rows-changed: kb.passages.type differs in 1 of them", "  rows-changed: ner.id differs in 1 of them"]
    assert "configs: 2 document-config pairs whose rows changed otherwise" in lines
    assert "documents with changes: 1" in lines
    assert "| configs | document-config pairs whose rows changed otherwise | 2 |" in card_section(diff)
    assert changelog_line(diff).startswith("- Changes since 1.0.0 (a minor version by the version rule): configs: "
                                           "2 document-config pairs whose rows changed otherwise.")
    assert counted("configs", "rows-changed", 1) == "1 document-config pair whose rows changed otherwise"


def kb_entities_of_doc(change):
    """A change of DOC's kb entities (OTHER has none in base)."""
    def rewrite(table: pa.Table) -> pa.Table:
        rows = [{**row, "entities": change(row["entities"])} if row["document_id"] == DOC else row
                for row in table.to_pylist()]
        return pa.Table.from_pylist(rows, schema=table.schema)
    return rewrite


@pytest.mark.parametrize(("config", "edit", "columns"), [
    # one field of a list of structs: that field's path, not the list's
    pytest.param("kb", kb_entities_of_doc(lambda entities: [
        {**entities[0], "offsets": [[start + 1, end] for start, end in entities[0]["offsets"]]}, *entities[1:]]),
        ("entities.offsets",), id="a-field-of-a-list-of-structs"),
    # a field of a struct inside a list inside a list: the deepest path that alone differs
    pytest.param("kb", kb_entities_of_doc(lambda entities: [
        {**entities[0], "normalized": [{**entities[0]["normalized"][0], "db_id": "other"}]}, *entities[1:]]),
        ("entities.normalized.db_id",), id="a-field-of-a-nested-struct"),
    # every field of the list's structs differs (an entity more): the list itself
    pytest.param("kb", kb_entities_of_doc(lambda entities: [*entities, {**entities[0], "id": "extra"}]),
                 ("entities",), id="an-item-added-to-a-list-of-structs"),
    # two columns of one row
    pytest.param("kb", rows_of_other("document_id", lambda row: {
        **row, "fold": row["fold"] + 1, "passages": [{**row["passages"][0], "type": "body"}]}),
        ("fold", "passages.type"), id="two-columns"),
])
def test_rows_changed_names_the_columns_and_field_paths_its_rows_differ_in(base, tmp_path, config, edit, columns):
    diff = diff_releases(base, resummed(base, tmp_path / "new", in_config(config, edit)))
    assert [(change.kind, change.id, change.columns) for change in diff.changes] == [
        ("rows-changed", config, columns)]
    assert as_dict(diff)["changes"][0]["columns"] == list(columns)
    assert report_lines(diff)[3:3 + len(columns)] == [f"  rows-changed: {config}.{column} differs in 1 of them"
                                                      for column in columns]


def test_rows_that_differ_only_in_how_their_values_combine_name_what_they_differ_in(base, tmp_path):
    """Two ner rows of a document that swap their ids: each column holds the same values as before
    (as a multiset), so no column differs alone; every column is named, not none. A struct whose
    fields differ only so is named itself."""
    def swapped(table: pa.Table) -> pa.Table:
        rows = table.to_pylist()
        first, second = [at for at, row in enumerate(rows) if row["doc_id"] == OTHER][:2]
        rows[first]["id"], rows[second]["id"] = rows[second]["id"], rows[first]["id"]
        return pa.Table.from_pylist(rows, schema=table.schema)

    diff = diff_releases(base, rewritten(base, tmp_path / "new", "ner", swapped))
    change = only(diff)
    assert (change.kind, change.id, change.old, change.new) == ("rows-changed", "ner", 2, 2)
    assert change.columns == tuple(sorted(pq.read_schema(next((base / "data" / "ner").glob("*.parquet"))).names))
    olds, news = [{"span": {"start": 1, "end": 2}}, {"span": {"start": 2, "end": 1}}], \
        [{"span": {"start": 1, "end": 1}}, {"span": {"start": 2, "end": 2}}]
    assert diff_module._differing_paths(olds, news) == ["span"]


# --- reading a diff


def test_the_changes_are_read_from_disk_a_change_at_a_time(base, tmp_path):
    """A diff held every change as an object, and --json built them all into one list: 2.5 GB for
    two releases of 10,000 re-annotated documents (found by a hunt of the commands the benchmark
    does not cover). The changes are kept in a temporary SQLite file (ChangeLog), read in report
    order as a sequence, and --json prints them as they are read."""
    diff = diff_with(base, tmp_path, chain(AFP_AS_NORP, NO_TIMEX))
    assert isinstance(diff.changes, ChangeLog) and len(diff.changes) == 3
    listed = [(c.layer, c.kind) for c in diff.changes]
    assert listed == [("entities", "relabelled"), ("timexes", "removed"), ("ner", "tags-changed")]
    assert [(c.layer, c.kind) for c in (diff.changes[0], diff.changes[-1])] == [listed[0], listed[-1]]
    assert diff.changes[1:] == tuple(diff.changes)[1:] and diff.changes == list(diff.changes) and diff.changes != ()
    assert [(c.layer, c.kind) for c in diff.changes.first("timexes", "removed", 5)] == [("timexes", "removed")]
    lazy = as_dict(diff, lazy=True)["changes"]
    assert not isinstance(lazy, list) and [item["kind"] for item in lazy] == ["relabelled", "removed", "tags-changed"]
    # any thread reads it, and pickled or copied it is a tuple, which the readers take too (a
    # review hunt: sqlite3 refused another thread, and pickle the connection)

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(report_lines, diff).result() == report_lines(diff)
    copied = pickle.loads(pickle.dumps(diff))
    assert copied.changes == tuple(diff.changes) and isinstance(copy.deepcopy(diff).changes, tuple)
    assert report_lines(copied) == report_lines(diff) and counts(copied) == counts(diff)


def test_json_lists_every_change_with_stable_keys(base, tmp_path):
    diff = diff_with(base, tmp_path, chain(AFP_AS_NORP, NO_TIMEX))
    data = as_dict(diff)
    assert list(data) == ["old", "new", "direction", "filter", "changed", "required_bump", "counts", "documents",
                          "changes"]
    assert data["counts"] == {"entities": {"relabelled": 1}, "timexes": {"removed": 1}, "ner": {"tags-changed": 1}}
    assert data["documents"] == {DOC: {"entities": {"relabelled": 1}, "timexes": {"removed": 1},
                                       "ner": {"tags-changed": 1}}}
    assert data["changes"][0] == {"layer": "entities", "kind": "relabelled", "doc_id": DOC, "id": "e4", "text": "AFP",
                                  "old": "ORG", "new": "NORP", "count": 1}
    assert (data["old"]["version"], data["new"]["version"], data["required_bump"]) == ("1.0.0", "1.1.0", "minor")
    json.dumps(data)  # plain JSON values only


def test_filters_by_document_and_layer(base, tmp_path):
    documents, annotations, registry = base_inputs()
    documents = {**documents, "synthetic-000": synthetic_document("synthetic-000")}
    annotations = with_annotation(annotations, timexes=())
    new = built(tmp_path, documents, annotations, (*registry[:-1],))
    assert counts(diff_releases(base, new)) == {"documents": {"added": 1}, "timexes": {"removed": 1},
                                                "registry": {"removed": 1}}
    assert keys(diff_releases(base, new, doc_id=DOC)) == [("timexes", "removed", DOC, "t1")]
    assert keys(diff_releases(base, new, layers=["registry"])) == [("registry", "removed", None, "abkhazia")]
    # the layers as asked for, in any order and repeated, are one filter, in report order
    for layers in (["timexes", "documents"], ["documents", "timexes", "documents"]):
        diff = diff_releases(base, new, layers=layers)
        assert diff.layers == ("documents", "timexes")
        assert as_dict(diff)["filter"] == {"doc_id": None, "layers": ["documents", "timexes"]}
        assert report_lines(diff)[1] == "only layers documents, timexes"
    assert refusal(diff_releases, base, new, doc_id="nope").code == "doc-unknown"


def test_text_report_has_counts_examples_documents_and_a_total(base, tmp_path):
    new = built(tmp_path, *chain(AFP_AS_NORP, unit_changed("entities", "e3", entity_id="syria"))(*base_inputs()))
    lines = report_lines(diff_releases(base, new))
    assert lines[0] == f"diff 1.0.0 ({base}) -> 1.1.0 ({new})"
    assert lines[1:] == [
        "entities: 1 relabelled, 1 relinked",
        f'  relabelled: {DOC} e4 "AFP": ORG -> NORP',
        f'  relinked: {DOC} e3 "Washington": united-states -> syria',
        "ner: 1 token whose tag changed",
        f"  tags-changed: {DOC}: 1 token(s) B-ORG -> B-NORP",
        "documents with changes: 1",
        f"  {DOC}: entities 1 relabelled, 1 relinked; ner 1 tags-changed",
        "total: 3 change(s) in 1 document(s) and 0 outside documents; by the version rule this needs a minor version",
    ]


def test_a_change_has_a_known_layer_and_kind():
    with pytest.raises(ValueError, match="change layer 'tokens' is not one of"):
        ReleaseChange("tokens", "added")
    with pytest.raises(ValueError, match="registry change kind 'relabelled' is not one of"):
        ReleaseChange("registry", "relabelled")


# --- bad input


def test_not_a_release_is_refused(base, tmp_path):
    for where, code in ((tmp_path, "release-missing"), (tmp_path / "nope", "release-missing"),
                        ("9.9.9", "unknown-version")):
        assert refusal(diff_releases, base, where, root=tmp_path).code == code


def test_a_tampered_release_is_refused(base, tmp_path):
    copy = tmp_path / "1.0.0"
    shutil.copytree(base, copy)
    target = copy / "data" / "entities" / "train-00000-of-00001.parquet"
    data = bytearray(target.read_bytes())
    data[200] ^= 0xFF
    target.write_bytes(bytes(data))
    error = refusal(diff_releases, base, copy)
    assert (error.code, error.location.file) == ("release-tampered", str(target))


def test_a_release_whose_features_metadata_is_no_json_is_refused_as_invalid(base, tmp_path):
    """A file and SHA256SUMS changed together: its huggingface metadata no JSON object of features
    is release-invalid naming the file, for diff and load_pandas alike (was a JSONDecodeError)."""
    for number, metadata in enumerate((b"{", b"[]", b'{"info": "features"}')):
        broken = rewritten(base, tmp_path / str(number), "entities",
                           lambda table: table.replace_schema_metadata({"huggingface": metadata}))
        target = str(broken / "data" / "entities" / "train-00000-of-00001.parquet")
        for error in (refusal(diff_releases, base, broken), refusal(load_pandas, broken, "entities")):
            assert (error.code, error.location.file) == ("release-invalid", target)


@pytest.mark.parametrize(("config", "column"), [("entities", "doc_id"), ("quotes", "id"), ("documents", "doc_id"),
                                                 ("entity_registry", "id"), ("ner", "doc_id")])
def test_a_release_without_a_column_diff_matches_rows_by_is_refused_as_invalid(base, tmp_path, config, column):
    """A file and SHA256SUMS changed together, without a column diff finds and matches rows by:
    diff ended in a KeyError traceback (found by a hunt)."""
    broken = rewritten(base, tmp_path / "broken", config, without(column))
    error = refusal(diff_releases, base, broken)
    target = str(next((broken / "data" / config).glob("*.parquet")))
    assert (error.code, error.location.file) == ("release-invalid", target)
    assert error.message == f"no column {column!r}, which diff finds and matches the {config} config's rows by"


@pytest.fixture(scope="module")
def sharded(tmp_path_factory) -> Path:
    """base's release in files of two rows: configs of several files."""
    sizes = ShardSizes(rows_per_shard=2, document_rows_per_shard=2)
    return build_release(*base_inputs(), tmp_path_factory.mktemp("sharded"), "1.0.0", sizes=sizes).path


def after_the_first(change):
    """``change`` of every file of a config but the first (``rewritten`` goes through them in order)."""
    seen = []

    def changed(table: pa.Table) -> pa.Table:
        seen.append(table)
        return table if len(seen) == 1 else change(table)
    return changed


def relabelled(column: str):
    """A change of a table: its ``column``'s label names in the reverse order."""
    def change(table: pa.Table) -> pa.Table:
        features = features_of(table)
        features[column] = {**features[column], "names": features[column]["names"][::-1]}
        return with_features(table, features)
    return change


_NOT_THE_FIRST = ("its columns are not those of train-00000-of-{files}.parquet, the {config} config's first file "
                  "(diff reads a config's files as one table): ")
_NOT_A_KEY = ", which diff finds and matches the {config} config's rows by"


@pytest.mark.parametrize(("config", "change", "message"), [
    ("entities", without("doc_id"), "no column 'doc_id'" + _NOT_A_KEY),
    ("documents", without("doc_id"), "no column 'doc_id'" + _NOT_A_KEY),
    ("entity_registry", without("id"), "no column 'id'" + _NOT_A_KEY),
    ("ner", without("doc_id"), "no column 'doc_id'" + _NOT_A_KEY),
    ("kb", without("document_id"), _NOT_THE_FIRST + "no column 'document_id'"),
    ("entities", without("label"), _NOT_THE_FIRST + "no column 'label'"),
    ("entities", lambda table: table.set_column(table.schema.get_field_index("start"), pa.field("start", pa.int64()),
                                                table.column("start").cast(pa.int64())),
     _NOT_THE_FIRST + "column 'start' is int64, not int32"),
    ("entities", relabelled("label"), _NOT_THE_FIRST + "column 'label' has other label names")],
    ids=["entities-doc_id", "documents-doc_id", "registry-id", "ner-doc_id", "kb-document_id", "entities-label",
         "entities-start-retyped", "entities-label-relabelled"])
def test_a_later_file_whose_columns_are_not_the_first_files_is_refused_as_invalid(sharded, tmp_path, config, change,
                                                                                  message):
    """A file and SHA256SUMS changed together, a config's second file without a column diff finds
    rows by, or with other columns than the first file: diff looked at the first file's columns
    only, and ended in a KeyError or ArrowInvalid traceback (or named the second file's labels by
    the first file's names)."""
    broken = rewritten(sharded, tmp_path / "broken", config, after_the_first(change))
    files = sorted((broken / "data" / config).glob("*.parquet"))
    expected = message.format(files=f"{len(files):05d}", config=config)
    diff_refused_both_ways(sharded, broken, f"{files[1]}: [release-invalid] {expected}")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken"]


def nulled(column: str, row: int):
    """A change of a table: ``column`` null in ``row``."""
    def change(table: pa.Table) -> pa.Table:
        values = table.column(column).to_pylist()
        values[row] = None
        index = table.schema.get_field_index(column)
        return table.set_column(index, table.field(index), pa.array(values, table.field(index).type))
    return change


@pytest.mark.parametrize(("config", "column"), [
    ("documents", "doc_id"), ("entities", "start"), ("entities", "end"), ("entities", "raw_start"),
    ("timexes", "raw_end"), ("quotes", "id"), ("entity_registry", "id"), ("ner", "doc_id"), ("kb", "document_id")])
def test_a_release_with_a_null_where_diff_finds_and_matches_rows_is_refused_as_invalid(base, tmp_path, config,
                                                                                       column):
    """A file and SHA256SUMS changed together, a null in an id, doc_id or offset: diff ended in a
    TypeError traceback (a sort, an overlap of None), or took a null doc_id for a document of its
    own. The last row, in the last of row groups of two rows: the row is counted in the file."""
    last = pq.read_metadata(next((base / "data" / config).glob("*.parquet"))).num_rows - 1
    broken = rewritten(base, tmp_path / "broken", config, nulled(column, last), row_group_size=2)
    target = next((broken / "data" / config).glob("*.parquet"))
    row = pq.read_table(target).slice(last, 1).to_pylist()[0]
    where = ", ".join([str(target), *(f"{name} {row[key]}" for name, key in (("doc", "doc_id"), ("region", "id"))
                                      if row.get(key) is not None)])
    diff_refused_both_ways(base, broken, f"{where}: [release-invalid] row {last}: {column} is null, a value diff "
                                         f"finds and matches the {config} config's rows by")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken"]  # nothing written beside it


@pytest.mark.parametrize("reader", ["diff", "export", "view", "load_pandas"])
@pytest.mark.parametrize(("columns", "message"), [
    (("source_end",), "source_end is null but source_id is not: a quote's source is wholly null (none annotated) "
                      "or wholly set"),
    (("source_start", "source_end", "source_raw_start", "source_raw_end", "source_text"),
     "source_start is null but source_id is not: a quote's source is wholly null (none annotated) or wholly set"),
    (("cue_id",), "cue_id is null but cue_start is not: a quote's cue is wholly null (none annotated) or wholly set")],
    ids=["source_end", "source-span", "cue_id"])
def test_a_quote_whose_source_or_cue_is_half_null_is_refused_as_invalid(base, tmp_path, columns, message, reader):
    """A file and SHA256SUMS changed together, a quote's source or cue null in some of its columns
    and set in others: diff compared the source by its start (an end of None; a source without
    its start was none), and did not look at the id, which the viewer and brat go by; export and
    view ended in a TypeError traceback, or exported the quote without its source (jsonl, by the
    start) or without its cue (every format, by the id); load_pandas gave the row out as it was."""
    def change(table: pa.Table) -> pa.Table:
        for column in columns:
            table = nulled(column, 0)(table)
        return table

    broken = rewritten(base, tmp_path / "broken", "quotes", change)
    target = next((broken / "data" / "quotes").glob("*.parquet"))
    row = pq.read_table(target).to_pylist()[0]
    line = f"{target}, doc {row['doc_id']}, region {row['id']}: [release-invalid] row 0: {message}"
    if reader == "load_pandas":
        assert str(refusal(load_pandas, broken, "quotes")) == line
    elif reader == "diff":
        diff_refused_both_ways(base, broken, line)
    else:
        command = ["export", "--format", "jsonl"] if reader == "export" else ["view"]
        refused([*command, broken, "-o", tmp_path / "out"], line)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken"]  # nothing written beside it


def test_the_region_check_names_the_first_half_null_row_whichever_region_it_is_in():
    """Every reader's check (arrow_schemas.half_null_region) finds the first row at fault, through
    chunks, not the first of the region it looks at first; a region null or set throughout is none."""
    def column(*chunks):
        return pa.chunked_array([pa.array(chunk, pa.int32()) for chunk in chunks])

    table = pa.table({"source_start": column([None, 1], [2, 3]), "source_end": column([None, 2], [None, 4]),
                      "cue_start": column([None, 5], [6, 7]), "cue_end": column([None, None], [7, 8])})
    assert half_null_region(table, "quotes") == (
        1, "cue_end is null but cue_start is not: a quote's cue is wholly null (none annotated) or wholly set")
    assert half_null_region(table.slice(2), "quotes") == (
        0, "source_end is null but source_start is not: a quote's source is wholly null (none annotated) or wholly set")
    assert half_null_region(table.slice(0, 1), "quotes") is None
    assert half_null_region(table, "entities") is None


def second_row_again(table: pa.Table) -> pa.Table:
    return pa.concat_tables([table, table.slice(1, 1)])


def key_twice(release: Path, config: str, column: str) -> str:
    """The error of a ``release`` whose ``config`` has its second row again at its end."""
    target = next((release / "data" / config).glob("*.parquet"))
    rows = pq.read_table(target).column(column).to_pylist()
    where = f"{target}, doc {rows[1]}" if column == "doc_id" else str(target)
    return (f"{where}: [release-invalid] row {len(rows) - 1}: {column} {rows[1]!r} is an earlier row's too; the "
            f"{config} config has a row per {column}, which diff keys its rows by")


@pytest.mark.parametrize("options", [[], ["--doc", DOC], ["--doc", DOC, "--layer", "entities"]],
                         ids=["whole", "doc", "doc-and-layer"])
@pytest.mark.parametrize(("config", "column"), [("documents", "doc_id"), ("entity_registry", "id")])
def test_a_release_with_a_key_twice_is_refused_as_invalid(base, tmp_path, config, column, options):
    """A file and SHA256SUMS changed together, a row of the documents config (or the registry)
    repeated at its end: diff keyed the rows by doc_id (id), so the second took the first's place
    and the release was "no change". With --doc, which compares no registry, a registry id twice
    was "no change" still: the release is invalid whatever is selected of it."""
    broken = rewritten(base, tmp_path / "broken", config, second_row_again)
    diff_refused_both_ways(base, broken, key_twice(broken, config, column), *options)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken"]


def test_a_registry_the_other_release_has_not_is_refused_with_an_id_twice(base, tmp_path):
    """Only a registry both releases have was compared, so read: one the other release lacks (a
    config added) passed with an id twice, exit 0."""
    broken = rewritten(base, tmp_path / "broken", "entity_registry", second_row_again)
    without = resummed(base, tmp_path / "without", lambda release: shutil.rmtree(release / "data" / "entity_registry"))
    refused(["diff", without, broken], key_twice(broken, "entity_registry", "id"))


def test_releases_of_different_corpora_are_refused(base, tmp_path):
    other = {"synthetic-000": synthetic_document("synthetic-000")}
    elsewhere = build_release(other, {}, REGISTRY, tmp_path / "other", "1.0.0", card=CardInfo(pretty_name="Other")).path
    error = refusal(diff_releases, base, elsewhere)
    assert error.code == "release-corpus-mismatch" and "different corpora" in error.message
    # the same documents under another name, or other documents under the same name: one corpus
    renamed = build_release(*base_inputs(), tmp_path / "renamed", "1.1.0", card=CardInfo(pretty_name="Other")).path
    assert diff_releases(base, renamed).changes == ()
    grown = build_release(other, {}, REGISTRY, tmp_path / "grown", "2.0.0").path
    assert diff_releases(base, grown).changes


def test_old_newer_than_new_is_allowed_and_said(base, tmp_path):
    newer = built(tmp_path, *base_inputs(), version="1.1.0")
    diff = diff_releases(newer, base)
    assert diff.direction == "backward" and diff.changes == ()
    assert report_lines(diff)[1] == ("note: OLD (1.1.0) is newer than NEW (1.0.0); changes are read from 1.1.0 "
                                     "to 1.0.0")


# --- every release says what changed (build_release with previous=)


def test_the_first_release_says_it_is_the_first(base):
    assert "\n- The first release.\n" in changelog_text(base)
    card = card_text(base)
    assert ("\n## Changes\n\nThis is the first release of the corpus: there is no earlier release to compare "
            "with.\n") in card


TWO_ROW_FILES = ShardSizes(rows_per_shard=2, batch_rows=1, document_rows_per_shard=2, document_batch_rows=1)


def test_a_release_of_unchanged_data_says_so(base, tmp_path):
    new = built(tmp_path, *base_inputs(), version="1.0.1", previous=base)
    changelog = changelog_text(new)
    assert changelog.startswith(
        "# Changelog\n\n## 1.0.1 (2024-05-02)\n\n- 5 documents, 4 entity mentions, 1 time expressions, 1 quote(s), "
        "5 registry entities.\n- Changes since 1.0.0: none, the data did not change.\n\n## 1.0.0 (2024-05-02)\n\n")
    assert changelog.count("- The first release.") == 1
    card = card_text(new)
    # built with the same library versions: the parquet files and build-info.json are those of 1.0.0
    assert (base / "build-info.json").read_bytes() == (new / "build-info.json").read_bytes()
    assert ("\n## Changes since 1.0.0\n\nThe data did not change since 1.0.0: every config has the same columns, "
            "label sets and rows. Of its files, only this card, CHANGELOG.md, croissant.json and SHA256SUMS (every "
            "file's hash) differ: the parquet files are byte for byte those of 1.0.0.\n") in card


def test_a_release_of_unchanged_data_names_the_files_that_differ(base, tmp_path, monkeypatch):
    """build-info.json differs when other library versions built the release (corpus_tools's own
    version always, when `corpus-tools release` makes it), the parquet files when they wrote other bytes."""
    versions = build_module.installed_versions()
    monkeypatch.setattr(build_module, "installed_versions", lambda: {**versions, "corpus-tools": "1.0.1"})
    new = built(tmp_path, *base_inputs(), version="1.0.1", previous=base)
    card = card_text(new)
    assert ("The data did not change since 1.0.0: every config has the same columns, label sets and rows. Of its "
            "files, only this card, CHANGELOG.md, croissant.json, build-info.json (the versions that built "
            "the release) and SHA256SUMS (every file's hash) differ: the parquet files are byte for byte those of "
            "1.0.0.\n") in card

    section = card_section(diff_releases(base, new), files=FilesCompared(build_info=True, parquet=True, libraries=True))
    assert section.endswith("rows. The parquet files hold the same rows in other bytes (other library versions "
                            "wrote them); this card, CHANGELOG.md, croissant.json, build-info.json (the "
                            "versions that built the release) and SHA256SUMS (every file's hash) differ too.")


def test_a_release_of_unchanged_data_names_a_new_or_changed_license_md(base, tmp_path):
    """LICENSE.md is new in 1.1.9: its card must not say that only the card, CHANGELOG.md,
    croissant.json, build-info.json and SHA256SUMS differ from 1.1.8."""
    older = resummed(base, tmp_path / "old" / "1.0.0", lambda release: (release / "LICENSE.md").unlink())
    card = card_text(built(tmp_path / "a", *base_inputs(), version="1.0.1", previous=older))
    assert ("Of its files, only this card, CHANGELOG.md, croissant.json, LICENSE.md (new: 1.0.0 had none) and "
            "SHA256SUMS (every file's hash) differ: the parquet files are byte for byte those of 1.0.0.") in card


def test_a_license_md_that_differs_only_in_line_endings_is_named_as_differing(base, tmp_path):
    """The previous LICENSE.md was compared as text read with universal newlines, so one in CRLF
    (the same words, other bytes) was "not differing" and the card said only the card, CHANGELOG.md,
    croissant.json and SHA256SUMS differ: it is compared by its verified hash, as the parquet files are."""
    text = (base / "LICENSE.md").read_bytes()
    older = resummed(base, tmp_path / "old" / "1.0.0",
                     lambda release: (release / "LICENSE.md").write_bytes(text.replace(b"\n", b"\r\n")))
    new = built(tmp_path / "a", *base_inputs(), version="1.0.1", previous=older)
    assert (new / "LICENSE.md").read_bytes() == text
    assert ("Of its files, only this card, CHANGELOG.md, croissant.json, LICENSE.md and SHA256SUMS (every file's "
            "hash) differ: the parquet files are byte for byte those of 1.0.0.") in card_text(new)


def test_same_rows_in_other_bytes_by_the_same_library_versions_are_not_put_down_to_other_versions(base, tmp_path):
    """Sharded otherwise (smaller files), the same rows are other bytes though the same pyarrow and
    datasets wrote them: the card said "(other library versions wrote them)" beside a build-info.json
    identical to 1.0.0's."""
    new = built(tmp_path, *base_inputs(), version="1.0.1", previous=base, sizes=TWO_ROW_FILES)
    assert (base / "build-info.json").read_bytes() == (new / "build-info.json").read_bytes()
    assert (new / "data/documents/train-00000-of-00003.parquet").is_file()
    card = card_text(new)
    assert ("The data did not change since 1.0.0: every config has the same columns, label sets and rows. The "
            "parquet files hold the same rows in other bytes; this card, CHANGELOG.md, croissant.json and SHA256SUMS "
            "(every file's hash) differ too.\n") in card
    assert "other library versions" not in card


def test_a_previous_release_that_records_no_interpreter_is_not_said_to_have_other_library_versions(base, tmp_path):
    """Releases before 1.2.0 record no Python or Unicode database version (build-info.json): their
    absence is no other pyarrow or datasets, so the same rows in other bytes are not put down to them."""
    def unrecorded(release: Path) -> None:
        recorded = json.loads((release / "build-info.json").read_text(encoding="utf-8"))
        del recorded["built_with"]["python"], recorded["built_with"]["unicodedata"]
        (release / "build-info.json").write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n",
                                                 encoding="utf-8")

    older = resummed(base, tmp_path / "old" / "1.0.0", unrecorded)
    new = built(tmp_path / "a", *base_inputs(), version="1.0.1", previous=older, sizes=TWO_ROW_FILES)
    assert ("The parquet files hold the same rows in other bytes; this card, CHANGELOG.md, croissant.json, "
            "build-info.json (the versions that built the release) and SHA256SUMS (every file's hash) "
            "differ too.\n") in card_text(new)


def test_a_release_with_changes_carries_its_diff_in_changelog_and_card(base, tmp_path):
    new = built(tmp_path, *AFP_AS_NORP(*base_inputs()), version="1.1.0", previous=base)
    changelog = changelog_text(new)
    assert ("- Changes since 1.0.0 (a minor version by the version rule): entities: 1 relabelled; ner: 1 token "
            "whose tag changed. Every change: `corpus-tools diff 1.0.0 1.1.0`.\n") in changelog
    card = card_text(new)
    assert "## Changes since 1.0.0\n\nChanges from release 1.0.0 to 1.1.0" in card
    assert "| entities | relabelled | 1 |\n| ner | tokens whose tag changed | 1 |\n" in card
    assert f'- entities, relabelled: `{DOC} e4 "AFP": ORG -> NORP`' in card
    assert "LICENSE.md" not in changelog and "LICENSE.md (the licence statement)" not in card


def test_a_changed_license_md_is_named_whether_or_not_the_data_changed(base, tmp_path):
    """1.1.9 named a new or changed LICENSE.md only in the card of a release whose data did not
    change, and in no changelog."""
    new = built(tmp_path, *AFP_AS_NORP(*base_inputs()), version="1.1.0", previous=base,
                card=CardInfo(creator="Someone"))
    note = "LICENSE.md (the licence statement) differs from 1.0.0's."
    changelog = changelog_text(new)
    assert f"`corpus-tools diff 1.0.0 1.1.0`.\n- {note}\n\n## 1.0.0" in changelog
    card = card_text(new)
    section = card.split("\n## Changes since 1.0.0\n")[1].split("\n## ")[0]
    assert f'- entities, relabelled: `{DOC} e4 "AFP": ORG -> NORP`' in section and section.endswith(f"\n\n{note}\n")
    unchanged = built(tmp_path / "u", *base_inputs(), version="1.0.1", previous=base, card=CardInfo(creator="Someone"))
    assert f"- Changes since 1.0.0: none, the data did not change.\n- {note}\n" in changelog_text(unchanged)
    # a changed LICENSE.md of unchanged data is named in the card's list of the files that differ
    assert ("Of its files, only this card, CHANGELOG.md, croissant.json, LICENSE.md and SHA256SUMS (every file's "
            "hash) differ") in card_text(unchanged)
    assert "Copyright (c) 2024 Someone\n" in (unchanged / "LICENSE.md").read_text(encoding="utf-8")


def test_a_version_bump_too_small_for_the_changes_is_refused_naming_the_change(base, tmp_path):
    documents, relabelled, registry = AFP_AS_NORP(*base_inputs())
    error = refusal(built, tmp_path, documents, relabelled, registry, version="1.0.1", previous=base)
    assert error.code == "version-bump-too-small"
    assert error.message == (
        f'release 1.0.1 is a patch version after 1.0.0, but entities: 1 relabelled (first: {DOC} e4 "AFP": ORG -> '
        'NORP) needs a minor version: set corpus_tools/version.py to 1.1.0 (the version rule: docs/release.md)')
    assert Path(error.location.file).parts[-2:] == ("corpus_tools", "version.py")  # what to change
    assert error.location.doc_id == DOC
    assert not (tmp_path / "new").exists()  # nothing published, no partial left, nor the directory made for it


def test_a_bump_too_small_after_an_older_release_names_no_version_that_is_released(base, tmp_path):
    """1.0.1 built when 1.1.0 is released follows 1.0.0 (as `corpus-tools release` picks it) and
    changes data: the advice was to set 1.1.0, which is released. No version whose previous
    release is 1.0.0 can be a minor one, and 1.2.0 would follow 1.1.0, by a diff not made: no
    version is named."""
    dist = tmp_path / "dist"
    shutil.copytree(base, dist / "1.0.0")
    build_release(*base_inputs(), dist, "1.1.0", previous=dist / "1.0.0")
    documents, relabelled, registry = AFP_AS_NORP(*base_inputs())
    error = refusal(build_release, documents, relabelled, registry, dist, "1.0.1",
                    previous=previous_release(dist, "1.0.1"))
    assert error.code == "version-bump-too-small"
    assert error.message == (
        f'release 1.0.1 is a patch version after 1.0.0, but entities: 1 relabelled (first: {DOC} e4 "AFP": ORG -> '
        'NORP) needs a minor version, and no version whose previous release is 1.0.0 can be one: 1.1.0 is released '
        '(the version rule: docs/release.md)')
    assert sorted(path.name for path in dist.iterdir()) == ["1.0.0", "1.1.0"]  # nothing published, no partial left


def test_the_version_a_refusal_names_is_one_the_rule_would_compare_with_the_previous_release(base, tmp_path):
    """Which releases beside it leave the smallest minor version after 1.0.0 to name: one that
    would follow 1.0.0 (a release is compared with the latest release before it), unreleased."""
    documents, relabelled, registry = AFP_AS_NORP(*base_inputs())
    diff = diff_releases(base, build_release(documents, relabelled, registry, tmp_path, "1.0.1").path)
    for released, blocking in (((), None), (("1.0.0", "2.0.0"), None), (("1.0.0", "1.1.0"), "1.1.0"),
                               (("1.0.0", "1.0.3", "1.2.0"), "1.0.3")):
        advice = (": set corpus_tools/version.py to 1.1.0" if blocking is None
                  else f", and no version whose previous release is 1.0.0 can be one: {blocking} is released")
        assert refusal(check_bump, diff, released).message.endswith(
            f"needs a minor version{advice} (the version rule: docs/release.md)"), released


def test_a_bump_too_small_after_an_older_release_names_a_version_the_rule_takes(base, tmp_path):
    """A major version is one whatever release it follows: 2.0.0, after 1.1.0 here, is named, and
    the rule takes it."""
    dist = tmp_path / "dist"
    rewritten(base, dist / "1.0.0", "entities", add_column("batch", 3, FOLD))
    build_release(*base_inputs(), dist, "1.1.0")
    error = refusal(build_release, *base_inputs(), dist, "1.0.1", previous=previous_release(dist, "1.0.1"))
    assert error.message.endswith("needs a major version: set corpus_tools/version.py to 2.0.0 (the version rule: "
                                  "docs/release.md)")
    assert sorted(path.name for path in dist.iterdir()) == ["1.0.0", "1.1.0"]
    assert build_release(*base_inputs(), dist, "2.0.0", previous=previous_release(dist, "2.0.0")).status == "built"


def refused_before_building(tmp_path: Path, documents, annotations, registry, version: str, **options) -> CorpusError:
    """The error building ``version`` into tmp_path / "new" raises before a document is written."""
    reached = []
    error = refusal(build_release, documents, annotations, registry, tmp_path / "new", version,
                    on_progress=reached.append, comparing=reached.append, **options)
    assert reached == [] and not (tmp_path / "new").exists()  # no document written, no staging directory
    return error


def test_a_version_not_newer_than_the_previous_release_is_refused_before_anything_is_built(base, tmp_path):
    """It was refused only after every document was written and compared: its versions decide it."""
    documents, relabelled, registry = AFP_AS_NORP(*base_inputs())
    early = refused_before_building(tmp_path, documents, relabelled, registry, "0.9.0", previous=base)
    refused_so = ("version-bump-too-small", "release 0.9.0 is not newer than the previous release 1.0.0; set "
                  "corpus_tools/version.py to 1.0.1 or later")
    assert (early.code, early.message) == refused_so
    # the refusal the diff of what would have been built gives (it needs a minor version) is the same
    older = build_release(documents, relabelled, registry, tmp_path / "elsewhere", "0.9.0").path
    late = refusal(check_bump, diff_releases(base, older))
    assert (late.code, late.message, late.location) == (*refused_so, early.location)
    assert Path(early.location.file).parts[-2:] == ("corpus_tools", "version.py")
    # and so is a version not newer of data that did not change
    unchanged = refused_before_building(tmp_path, *base_inputs(), "0.9.0", previous=base)
    assert (unchanged.code, unchanged.message, unchanged.location) == (*refused_so, early.location)


def test_a_patch_version_with_documents_added_is_refused_before_anything_is_built(base, tmp_path):
    """It was refused only once every document was written and compared: the documents added,
    and their rows, are known before a row is written. The refusal is the whole diff's."""
    documents, annotations, registry = base_inputs()
    grown = {**documents, **{d: synthetic_document(d) for d in ("synthetic-001", "synthetic-000")}}
    early = refused_before_building(tmp_path, grown, annotations, registry, "1.0.1", previous=base)
    assert (early.code, early.location.doc_id) == ("version-bump-too-small", "synthetic-000")
    assert early.message.startswith(
        'release 1.0.1 is a patch version after 1.0.0, but documents: 2 added (first: synthetic-000 "Officials in '
        'Washington met on Monday." raw ')
    assert early.message.endswith(
        ') needs a minor version: set corpus_tools/version.py to 1.1.0 (the version rule: docs/release.md)')
    later = build_release(grown, annotations, registry, tmp_path / "elsewhere", "1.0.1").path
    late = refusal(check_bump, diff_releases(base, later))
    assert (late.code, late.message, late.location) == (early.code, early.message, early.location)
    # a minor version builds them (their rows were built for the rule only when it could refuse)
    assert build_release(grown, annotations, registry, tmp_path / "new", "1.1.0", previous=base).status == "built"


def test_a_tampered_previous_release_refuses_the_build_before_anything_is_built(base, tmp_path):
    previous = tmp_path / "old" / "1.0.0"
    shutil.copytree(base, previous)
    (previous / "CHANGELOG.md").write_text("# Changelog\n\nrewritten\n")
    caught = refused_before_building(tmp_path, *base_inputs(), "1.1.0", previous=previous)
    assert (caught.code, caught.location.file) == ("release-tampered", str(previous / "CHANGELOG.md"))


def test_a_column_gone_since_the_previous_release_needs_a_major_version(base, tmp_path):
    previous = rewritten(base, tmp_path / "old" / "1.0.0", "entities", add_column("batch", 3, FOLD))
    # the schema is this code's whatever the rows: refused before a document is written
    caught = refused_before_building(tmp_path, *base_inputs(), "1.1.0", previous=previous)
    assert caught.code == "version-bump-too-small"
    assert ("but schema: 1 column removed (first: entities.batch (int32)) needs a major version: set "
            "corpus_tools/version.py to 2.0.0") in caught.message
    changelog = changelog_text(built(tmp_path, *base_inputs(), version="2.0.0", previous=previous))
    assert "- Changes since 1.0.0 (a major version by the version rule): schema: 1 column removed." in changelog


# --- the command


def test_cli_diff_of_the_committed_release_with_itself_reports_no_change():
    result = CliRunner().invoke(cli, ["diff", str(REPO / "dist" / "1.0.0"), str(REPO / "dist" / "1.0.0")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "no change: the data of 1.0.0 is that of 1.0.0"


def test_cli_diff_of_1_1_11_and_1_2_0_names_the_kb_field_whose_rows_changed():
    """1.2.0 added a QUOTE's quote_type and a TIMEX's TIMEX3_mod to kb's entities' normalized lists;
    the diff said only "7 document-config pairs whose rows changed otherwise", not in what."""
    old, new = REPO / "dist" / "1.1.11", REPO / "dist" / "1.2.0"
    text = CliRunner().invoke(cli, ["diff", str(old), str(new)])
    assert text.exit_code == 0, text.output
    assert text.output.splitlines()[1:7] == [
        "configs: 7 document-config pairs whose rows changed otherwise",
        "  rows-changed: 000_cbeedfbee8440207 kb: 1 row(s) replaced by 1",
        "  rows-changed: 001_d79359122f2d4c78 kb: 1 row(s) replaced by 1",
        "  rows-changed: 002_9bc3c6dfe5868321 kb: 1 row(s) replaced by 1",
        "  rows-changed: ... 4 more (--json lists all)",
        "  rows-changed: kb.entities.normalized differs in 7 of them",
    ]
    as_json = CliRunner().invoke(cli, ["diff", str(old), str(new), "--json"])
    changes = json.loads(as_json.output)["changes"]
    assert [change["doc_id"] for change in changes] == [
        "000_cbeedfbee8440207", "001_d79359122f2d4c78", "002_9bc3c6dfe5868321", "003_840a8be26e4ddaa5",
        "004_3e4c866fc9bc1c15", "005_2cde5fe42a71d5e6", "006_13b7e5813f40efdc"]
    assert changes[0] == {"layer": "configs", "kind": "rows-changed", "doc_id": "000_cbeedfbee8440207", "id": "kb",
                          "text": None, "old": 1, "new": 1, "count": 1, "columns": ["entities.normalized"]}
    assert all(change["columns"] == ["entities.normalized"] for change in changes)


def test_cli_diff_by_version_text_json_and_filters(base, tmp_path):
    shutil.copytree(base, tmp_path / "dist" / "1.0.0")
    documents, annotations, registry = base_inputs()
    build_release(documents, with_annotation(annotations, timexes=()), registry[:-1], tmp_path / "dist", "1.1.0",
                  previous=tmp_path / "dist" / "1.0.0")
    def diff(*args):
        return CliRunner().invoke(cli, ["diff", *args, "--root", str(tmp_path)])

    text = diff("1.0.0", "1.1.0")
    assert text.exit_code == 0, text.output
    assert "timexes: 1 removed\n" in text.output and "registry: 1 removed\n" in text.output
    as_json = diff("1.0.0", "1.1.0", "--json")
    assert json.loads(as_json.output)["counts"] == {"timexes": {"removed": 1}, "registry": {"removed": 1}}
    layer = diff("1.0.0", "1.1.0", "--json", "--layer", "registry")
    assert [c["id"] for c in json.loads(layer.output)["changes"]] == ["abkhazia"]
    doc = diff("1.0.0", "1.1.0", "--doc", DOC)
    assert "registry" not in doc.output.split("\n", 2)[2] and "timexes: 1 removed" in doc.output
    backward = diff("1.1.0", "1.0.0")
    assert backward.exit_code == 0 and "note: OLD (1.1.0) is newer than NEW (1.0.0)" in backward.output
    assert "Example:" in CliRunner().invoke(cli, ["diff", "--help"]).output


def test_cli_diff_bad_input_exits_1_with_one_line(base, tmp_path):
    refused(["diff", base, tmp_path], f"{tmp_path}: [release-missing] not a release directory: no SHA256SUMS, "
                                      "croissant.json, data")
    copy = tmp_path / "copy"
    shutil.copytree(base, copy)
    (copy / "croissant.json").write_text("{}")
    tampered = CliRunner().invoke(cli, ["diff", str(base), str(copy)])
    assert tampered.exit_code == 1 and "[release-tampered]" in tampered.output and "Traceback" not in tampered.output


def test_every_committed_release_after_the_first_carries_its_diff_against_the_one_before():
    versions = list_versions(REPO / "dist")
    for previous, version in zip(versions, versions[1:]):
        diff = diff_releases(REPO / "dist" / previous, REPO / "dist" / version)
        changelog = changelog_text(REPO / "dist" / version)
        assert changelog.split("\n\n")[2].splitlines()[1] == changelog_line(diff), version
        card = card_text(REPO / "dist" / version)
        old, new = REPO / "dist" / previous, REPO / "dist" / version
        # LICENSE.md: from 1.1.9 on
        licence = ("" if not (new / "LICENSE.md").exists() else "new" if not (old / "LICENSE.md").exists()
                   else "changed" if (old / "LICENSE.md").read_bytes() != (new / "LICENSE.md").read_bytes() else "")
        files = FilesCompared(
            build_info=recorded_versions(old) != recorded_versions(new),
            parquet=any((old / p.relative_to(new)).read_bytes() != p.read_bytes() for p in new.rglob("*.parquet")),
            license_file=licence)
        if not diff.changes and version_key(version) <= version_key("1.1.4"):
            # built before the card listed the files that differ: they say, wrongly, that only the card,
            # CHANGELOG.md and croissant.json differ (build-info.json and SHA256SUMS do too)
            assert files == FilesCompared(build_info=True, parquet=False), version
            expected = card_section(diff) + " Only this card, CHANGELOG.md and croissant.json differ."
        else:
            expected = card_section(diff, files=files)
            if version_key(version) <= version_key("1.2.0"):
                # built before the card said build-info.json records the interpreter's versions too
                expected = expected.replace("build-info.json (the versions ", "build-info.json (the library versions ")
        assert f"\n\n{expected}\n\n" in card, version
        check_bump(diff)


def test_the_diff_reads_documents_a_batch_of_row_groups_at_a_time_never_a_whole_config(base, tmp_path, monkeypatch):
    """Memory does not grow with the release: each batch of documents reads only the row groups
    that hold its rows (here a row group per row, two documents a batch), and what is found does
    not depend on how the documents are batched."""
    documents, annotations, registry = base_inputs()
    first = sorted(annotations)[0]
    mention = annotations[first].entities[0]
    annotations = {**annotations, first: dataclasses.replace(annotations[first], entities=replaced(
        annotations[first].entities, mention.id, label="NORP" if mention.label != "NORP" else "ORG"))}
    small = ShardSizes(batch_rows=1, document_batch_rows=1)
    old = build_release(*base_inputs(), tmp_path / "old", "1.0.0", sizes=small).path
    new = built(tmp_path, documents, annotations, registry, sizes=small)
    expected = diff_releases(old, new)
    assert ("entities", "relabelled", first) in [(c.layer, c.kind, c.doc_id) for c in expected.changes]
    assert {c.doc_id for c in expected.changes} == {first}
    whole, groups_held = [], []
    table, batch = diff_module._Release.table, diff_module._Release.batch

    def recorded_batch(self, config, documents):
        rows = batch(self, config, documents)
        groups_held.append((len(self._tables[("read", config)]), rows.num_rows))
        return rows

    monkeypatch.setattr(diff_module._Release, "table", lambda self, config: whole.append(config) or table(self, config))
    monkeypatch.setattr(diff_module._Release, "batch", recorded_batch)
    monkeypatch.setattr(diff_module, "_BATCH", 2)
    assert diff_releases(old, new) == expected
    assert set(whole) == {"entity_registry"}  # the only config read whole: it has no document column
    # a row group per row: the row groups held are exactly the batch's rows, none of other documents
    assert groups_held and all(held == rows for held, rows in groups_held), groups_held
    assert max(rows for _, rows in groups_held) < min(pq.read_metadata(path).num_rows for path in
                                                      (new / "data" / "ner").glob("*.parquet"))


def test_a_diff_opens_each_parquet_file_once(base, tmp_path, monkeypatch):
    """Reading a batch of documents' rows opened their file again for each row group it read (as
    finding which row groups hold which documents had), so a diff parsed each file's footer (every
    row group's metadata) once per row group: a 300-group file took 1.4 s to read that way and
    0.13 s opened once. A whole diff, of a release whose files hold many row groups against one
    changed, opens each file once (parses its footer once: a file closed and read again is
    reopened on that footer, reopen_parquet)."""
    small = ShardSizes(batch_rows=1, document_batch_rows=1)
    old = build_release(*base_inputs(), tmp_path / "old", "1.0.0", sizes=small).path
    documents, annotations, registry = base_inputs()
    dropped = annotations[DOC].entities[1:]
    new = built(tmp_path, documents, with_annotation(annotations, entities=dropped), registry, sizes=small)
    opened = []
    open_parquet = diff_module.open_parquet
    monkeypatch.setattr(diff_module, "open_parquet", lambda path: opened.append(path) or open_parquet(path))
    monkeypatch.setattr(diff_module, "_BATCH", 2)  # several batches, each reading row groups
    diff = diff_releases(old, new)
    assert [(c.kind, c.doc_id) for c in diff.changes if c.layer == "entities"] == [("removed", DOC)]
    files = sorted(path for path in opened if path.parent.name == "entities")
    assert sum(pq.read_metadata(path).num_row_groups for path in files) > len(files)  # row groups to walk
    assert max(collections.Counter(opened).values()) == 1


def _parquet_files_open() -> int:
    """This process's open file descriptors on parquet files (/proc/self/fd)."""
    fds = Path("/proc/self/fd")
    return sum(1 for fd in fds.iterdir() if _target(fd).endswith(".parquet"))


def _target(fd: Path) -> str:
    try:
        return str(fd.readlink())
    except OSError:  # the descriptor iterdir itself held, closed by now
        return ""


def test_a_diff_holds_a_bounded_number_of_parquet_files_open_and_closes_them(base, tmp_path):
    """A diff kept every parquet file it opened open until it ended (here both releases' 247
    files were open from the first batch on). It holds at most
    ``_OPEN_FILES`` of each release open, reopening a file on its parsed footer when it reads it
    again, and has closed them all when it returns, while the releases it compared are alive."""
    one_row = ShardSizes(rows_per_shard=1, batch_rows=1, document_rows_per_shard=1, document_batch_rows=1)
    old = build_release(*base_inputs(), tmp_path / "old", "1.0.0", sizes=one_row).path
    documents, annotations, registry = base_inputs()
    new = built(tmp_path, documents, with_annotation(annotations, entities=annotations[DOC].entities[1:]), registry,
                sizes=one_row)
    files = len(list(old.rglob("*.parquet"))) + len(list(new.rglob("*.parquet")))
    assert files == 247 and diff_module._OPEN_FILES == 16
    before = _parquet_files_open()
    releases = diff_module.open_release(old), diff_module.open_release(new)
    held = []
    diff = diff_module.compare(*releases, comparing=lambda _: lambda _: held.append(_parquet_files_open() - before))
    assert [(c.kind, c.doc_id) for c in diff.changes if c.layer == "entities"] == [("removed", DOC)]
    assert len(held) == 1 and held[0] == 2 * 16  # each release's 16 read last
    assert _parquet_files_open() == before
    # a release read again after a diff opens its files again
    assert releases[0].read("documents", releases[0].files("documents")[0]).num_rows == 1
    assert _parquet_files_open() == before + 1
    releases[0].close()
    assert _parquet_files_open() == before


def test_the_card_gives_each_removed_document_s_reason_escaped_in_a_code_span():
    """A reason is text from annotations/removed-documents.jsonl: kept in a code span (a backtick
    would end it, so it becomes a quote mark, as in every value the card quotes) and escaped."""
    gone = {"title": "A title", "raw_sha256": "ab" * 32}
    changes = ChangeLog.of([ReleaseChange("documents", "removed", "001_x", "001_x", old=gone),
                            ReleaseChange("documents", "removed", "002_y", "002_y", old=gone)])
    diff = ReleaseDiff("1.0.0", "1.1.0", "a", "b", "forward", changes)
    section = card_section(diff, removals={"001_x": "takedown `*request*` <b>", "003_z": "elsewhere"})
    assert section.split("First examples of each kind:")[1].split("\n\n", 2)[2] == (
        "Documents removed from the corpus, with the reason the removal record (annotations/removed-documents.jsonl) "
        "gives:\n\n- `001_x`: `takedown '*request*' <b>`\n- `002_y`: no reason recorded")
    assert "Documents removed" not in card_section(diff)  # reasons not known (a build from records): not said
