"""The offset convention and record invariants are enforced when a record is built."""

from __future__ import annotations

import pytest

from corpus_tools.records import (
    EntityMention, Evidence, ManifestRecord, Quote, RegistryEntity, Removal, Span, TimeExpression, is_email,
)


def test_span_is_half_open_code_points():
    text = "Assad \U0001F600 said"  # an astral character is one code point
    assert Span(6, 7).of(text) == "\U0001F600"
    assert Span(8, 12).of(text) == "said"
    assert len(Span(3, 3)) == 0
    assert Span(0, 5).overlaps(Span(4, 9)) and not Span(0, 5).overlaps(Span(5, 9))


@pytest.mark.parametrize("start, end, error", [
    (-1, 2, ValueError), (5, 4, ValueError), (1.0, 2, TypeError), (True, 2, TypeError), ("1", 2, TypeError),
])
def test_span_rejects_what_is_not_a_half_open_interval(start, end, error):
    with pytest.raises(error):
        Span(start, end)


def test_span_of_refuses_to_run_past_the_text():
    with pytest.raises(ValueError, match="runs past"):
        Span(2, 10).of("short")


def test_labels_and_values_come_from_the_schema():
    with pytest.raises(ValueError, match="entity label"):
        EntityMention("r1", "d", Span(0, 1), "x", "PER", None)
    with pytest.raises(ValueError, match="timex mod"):
        TimeExpression("r1", "d", Span(0, 1), "x", "DATE", "2021", mod="ABOUT")
    with pytest.raises(ValueError, match="quote_type"):
        Quote("r1", "d", Span(0, 1), "x", "reported")


def test_registry_entity_ids_and_qids():
    assert RegistryEntity("syria", "Syria", "GPE", wikidata="Q858").wikidata == "Q858"
    with pytest.raises(ValueError, match="lowercase"):
        RegistryEntity("Syria", "Syria", "GPE")
    with pytest.raises(ValueError, match="QID"):
        RegistryEntity("syria", "Syria", "GPE", wikidata="858")


@pytest.mark.parametrize("fields", [
    {"name": "Syria\x1b[2J"}, {"description": "a country \u202e"}, {"aliases": ("Syrian Arab Republic", "Sy\x00ria")},
])
def test_registry_entity_texts_hold_no_control_character(fields):
    with pytest.raises(ValueError, match="no control character"):
        RegistryEntity(**{"id": "syria", "name": "Syria", "type": "GPE", **fields})


@pytest.mark.parametrize(("fields", "said"), [
    ({"name": "Syria\u2028"}, "name must be one line"), ({"description": "a country\n"}, "description one line"),
    ({"aliases": ("Syrian Arab Republic", "Syria\u2029")}, "aliases must be a list of strings, each one line"),
])
def test_registry_entity_texts_are_one_line_even_at_their_end(fields, said):
    """A line separator at a text's end is a line break too (_has_line_break: "\n" and "\r" only were)."""
    with pytest.raises(ValueError, match=said):
        RegistryEntity(**{"id": "syria", "name": "Syria", "type": "GPE", **fields})


@pytest.mark.parametrize("sha256", ["a" * 63, "a" * 65, "A" * 64, "g" * 64])
def test_removal_sha256_is_64_lowercase_hex_digits(sha256):
    assert Removal("d", "a" * 64, "a duplicate").sha256 == "a" * 64
    with pytest.raises(ValueError, match="64 lowercase hex digits"):
        Removal("d", sha256, "a duplicate")


@pytest.mark.parametrize("value, expected", [
    ("ann@example.org", True), ("ann@b@example.org", False), ("@example.org", False), ("ann@", False),
    ("ann smith@example.org", False), ("ann\x1b@example.org", False), ("ann\u202e@example.org", False),
])
def test_is_email(value, expected):
    assert is_email(value) is expected


def manifest(**changes):
    fields = dict(doc_id="d", file="d.txt", sha256="0" * 64, size=1, encoding="utf-8", title="T",
                  publisher=None, publisher_evidence=Evidence("none"),
                  publication_date="2021-09", publication_date_precision="month",
                  publication_date_evidence=Evidence("inferred", reasoning="because"))
    fields.update(changes)
    return ManifestRecord(**fields)


def test_manifest_date_precision_matches_the_value():
    assert manifest().publication_date == "2021-09"
    with pytest.raises(ValueError, match="precision"):
        manifest(publication_date="2021-09-30")


def test_a_value_is_null_exactly_when_nothing_supports_it():
    with pytest.raises(ValueError, match="publisher is null exactly"):
        manifest(publisher="Reuters")
    with pytest.raises(ValueError, match="publication_date is null exactly"):
        manifest(publication_date=None, publication_date_precision=None)
    with pytest.raises(ValueError, match="reasoning"):
        Evidence("inferred")
    with pytest.raises(ValueError, match="line and its text"):
        Evidence("stated", line=3)


def test_span_takes_int_subclasses_other_than_bool():
    import enum

    class Offset(enum.IntEnum):
        FIVE = 5

    assert Span(Offset.FIVE, 7) == Span(5, 7)
    assert Span(2**70, 2**70 + 1).end == 2**70 + 1  # no bound but the text's


def test_labels_checked_on_every_record_kind():
    with pytest.raises(ValueError, match="timex label"):
        TimeExpression("r1", "d", Span(0, 1), "x", "PERSON", "2021")
    assert TimeExpression("r1", "d", Span(0, 1), "x", "DATE", "2021", mod=None).mod is None
