"""Small documents and annotations for the Label Studio tests, built from records directly
(with spans found in the text, so every span covers exactly the words it names)."""

from __future__ import annotations

import hashlib

from corpus_tools.records import (Cue, Document, DocumentAnnotations, EntityMention, Evidence, ManifestRecord, Quote,
                                  Source, Span, TimeExpression)

NEWS_TEXT = (
    "Syria talks resume\n\n"
    "WASHINGTON — Secretary of State Antony Blinken said on Sunday that the United States "
    "would not normalize relations with the Assad government. \"We will not lift sanctions,\" "
    "a State Department spokesperson told reporters last year.\n"
)

# astral characters (emoji, a flag of two regional indicators) and CRLF line ends, on purpose
EMOJI_TEXT = "Damascus 🇸🇾 protest\r\n😀 Biden said \"no deal\" on Monday.\r\nAssad 👍 replied."


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def document(doc_id: str, text: str, title: str = "Syria talks resume") -> Document:
    record = ManifestRecord(
        doc_id=doc_id, file=f"{doc_id}.txt", sha256="0" * 64, size=len(text.encode()), encoding="utf-8",
        title=title, publisher="Example Wire", publisher_evidence=Evidence("stated", line=1, quote=title),
        publication_date="2024-04-25", publication_date_precision="day",
        publication_date_evidence=Evidence("stated", line=1, quote=title),
    )
    return Document(doc_id=doc_id, title=title, text=text, metadata=record, offset_map=None, removed=(),
                    normalizer_version="test-1", text_sha256=sha256(text))


def span_of(text: str, needle: str, occurrence: int = 0) -> Span:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return Span(start, start + len(needle))


def news_annotations(doc: Document) -> DocumentAnnotations:
    text = doc.text

    def entity(region_id, needle, label, entity_id):
        span = span_of(text, needle)
        return EntityMention(region_id, doc.doc_id, span, span.of(text), label, entity_id)

    def timex(region_id, needle, label, value, mod=None):
        span = span_of(text, needle)
        return TimeExpression(region_id, doc.doc_id, span, span.of(text), label, value, mod)

    said = span_of(text, "said")
    quote_span = span_of(text, "\"We will not lift sanctions,\"")
    source_span = span_of(text, "a State Department spokesperson")
    told = span_of(text, "told")
    blinken_quote = span_of(text, "that the United States would not normalize relations with the Assad government")
    blinken_source = span_of(text, "Antony Blinken")
    return DocumentAnnotations(
        doc_id=doc.doc_id,
        entities=(
            entity("e-syria", "Syria", "GPE", "syria"),
            entity("e-washington", "WASHINGTON", "GPE", "washington-dc"),
            entity("e-blinken", "Antony Blinken", "PERSON", "antony-blinken"),
            entity("e-us", "United States", "GPE", "united-states"),
            entity("e-assad", "Assad", "PERSON", None),  # no registry id: no entity_id result
            entity("e-state", "State Department", "ORG", "us-state-department"),
        ),
        timexes=(
            timex("t-sunday", "Sunday", "DATE", "2024-04-21"),
            timex("t-lastyear", "last year", "DATE", "2023", "APPROX"),
        ),
        quotes=(
            Quote("q-blinken", doc.doc_id, blinken_quote, blinken_quote.of(text), "indirect",
                  Source("s-blinken", blinken_source, blinken_source.of(text), "antony-blinken"),
                  Cue("c-said", said, said.of(text))),
            Quote("q-sanctions", doc.doc_id, quote_span, quote_span.of(text), "direct",
                  Source("s-spokesperson", source_span, source_span.of(text), None),
                  Cue("c-told", told, told.of(text))),
        ),
        text_sha256=doc.text_sha256,
    )


def emoji_annotations(doc: Document) -> DocumentAnnotations:
    """Spans after every astral character and CRLF of EMOJI_TEXT, one inside a quote."""
    text = doc.text

    def entity(region_id, needle, label, entity_id):
        span = span_of(text, needle)
        return EntityMention(region_id, doc.doc_id, span, span.of(text), label, entity_id)

    monday = span_of(text, "Monday")
    quote_span = span_of(text, "\"no deal\"")
    biden = span_of(text, "Biden")
    said = span_of(text, "said")
    return DocumentAnnotations(
        doc_id=doc.doc_id,
        entities=(
            entity("x-damascus", "Damascus", "GPE", "damascus"),
            entity("x-biden", "Biden", "PERSON", "joe-biden"),
            entity("x-assad", "Assad", "PERSON", "bashar-al-assad"),
        ),
        timexes=(TimeExpression("x-monday", doc.doc_id, monday, monday.of(text), "DATE", "XXXX-WXX-1"),),
        quotes=(Quote("x-quote", doc.doc_id, quote_span, quote_span.of(text), "direct",
                      Source("x-source", biden, biden.of(text), "joe-biden"), Cue("x-said", said, said.of(text))),),
        text_sha256=doc.text_sha256,
    )
