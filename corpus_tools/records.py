"""The corpus's record types, all in one place.

Offset convention, stated once: every span is a pair of Python ``str`` indices (Unicode code
points, not bytes, not UTF-16 units), half-open ``[start, end)``, into the *normalized*
document text unless a field says ``raw_``, in which case it indexes the decoded raw file.
``Span`` checks this at construction; every record below builds its spans through it.

Records are frozen: the pipeline builds new ones instead of mutating, so a record that has
passed validation stays valid.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Mapping, Sequence

from corpus_tools.errors import Location, Problem, Report
from corpus_tools.schema import ENTITY_LABELS, QUOTE_TYPES, TIMEX_LABELS, TIMEX_MODS

DATE_PRECISIONS = ("day", "month", "year")
_ISO_DATE = re.compile(r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?")  # ASCII digits only, as ISO 8601 writes them
_REGISTRY_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # lowercase-hyphenated: bashar-al-assad
# C0 and C1 controls but tab and newline, and the bidirectional embeddings, overrides and isolates
# (U+202A-U+202E, U+2066-U+2069), which reverse the text after them wherever it is shown (a card,
# the viewer's pages, a terminal); the marks (U+200E, U+200F) cannot, and stay allowed
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_QID = re.compile(r"Q[1-9][0-9]*")
_ANNOTATOR_ID = re.compile(r"[1-9][0-9]*")  # a Label Studio user id
EVIDENCE_KINDS = ("stated", "inferred", "none")
CHOSEN_REASONS = ("ground_truth", "latest")  # why an annotation is the one its document uses
PROVENANCE_REASONS = (*CHOSEN_REASONS, "version", "prediction")
INVENTED = "Invented article"  # how a manifest's publisher evidence marks a document that is not news
INGEST_STATUSES = ("stored", "stored-partial", "already-stored", "refused", "no-annotations", "nothing-new")

# ReleaseChange's layers, each with its kinds, in report order: stable keys (docs/diff.md).
CHANGE_KINDS: dict[str, tuple[str, ...]] = {
    "schema": ("config-added", "config-removed", "column-added", "column-removed", "column-retyped",
               "labels-changed"),
    "documents": ("added", "removed", "raw-changed", "text-changed", "title-changed", "publisher-changed",
                  "date-changed", "field-changed"),
    "entities": ("added", "removed", "boundaries", "relabelled", "relinked", "id-changed", "field-changed"),
    "timexes": ("added", "removed", "boundaries", "type-changed", "value-changed", "mod-changed", "id-changed",
                "field-changed"),
    "quotes": ("added", "removed", "boundaries", "type-changed", "source-changed", "speaker-changed",
               "cue-changed", "id-changed", "field-changed"),
    "registry": ("added", "removed", "renamed", "aliases-changed", "type-changed", "wikidata-changed",
                 "description-changed", "merged", "split", "field-changed"),
    "ner": ("tags-changed", "tokens-added", "tokens-removed"),
    "configs": ("rows-changed",),
}


def control_in(value: str) -> str | None:
    """The first control character (a terminal's escape, a NUL) or bidirectional embedding,
    override or isolate (``_CONTROL``) of ``value``, or None: no text of a title, a publisher,
    their evidence or a registry entity, which a card, a viewer and a terminal show, holds one."""
    found = _CONTROL.search(value)
    return None if found is None else found[0]


def _check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} {value!r} is not one of {', '.join(allowed)}")


def is_calendar_date(date: str) -> bool:
    """Whether ``date`` is YYYY, YYYY-MM or YYYY-MM-DD and a date of the calendar (no month 13,
    no 30 February, no year 0)."""
    if not _ISO_DATE.fullmatch(date):
        return False
    try:
        datetime.date(int(date[:4]), int(date[5:7] or 1), int(date[8:10] or 1))
    except ValueError:
        return False
    return True


def date_precision(date: str) -> str:
    """The precision of a date of the calendar (``is_calendar_date``), which its form says."""
    return {4: "year", 7: "month", 10: "day"}[len(date)]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A half-open code-point interval ``[start, end)``; empty spans are allowed (start == end)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        start, end = self.start, self.end
        if type(start) is int and type(end) is int and 0 <= start <= end:
            return  # the common case, in one test: a release builds a span per region it reads
        if not (_is_int(start) and _is_int(end)):
            raise TypeError(f"span offsets must be int, got {self.start!r}, {self.end!r}")
        if not 0 <= start <= end:
            raise ValueError(f"span [{start}, {end}) is not 0 <= start <= end")

    def __len__(self) -> int:
        return self.end - self.start

    def of(self, text: str) -> str:
        """The covered text; raises if the span runs past ``text``."""
        if self.end > len(text):
            raise ValueError(f"span [{self.start}, {self.end}) runs past a text of {len(text)} code points")
        return text[self.start:self.end]

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a metadata value is what it is.

    ``stated``: ``line`` (1-based, in the raw file) and ``quote`` (that line's text) state it.
    ``inferred``: ``reasoning`` says how it follows from what the article reports.
    ``none``: nothing supports a value, so the value is null; ``reasoning`` may say what was seen.
    """

    kind: str
    line: int | None = None
    quote: str | None = None
    reasoning: str | None = None

    def __post_init__(self) -> None:
        _check_choice("evidence kind", self.kind, EVIDENCE_KINDS)
        if self.kind == "stated" and (self.line is None or self.quote is None):
            raise ValueError("stated evidence needs the line and its text")
        if self.kind == "inferred" and not self.reasoning:
            raise ValueError("inferred evidence needs its reasoning written out")


@dataclass(frozen=True, slots=True)
class ManifestRecord:
    """One raw source file, as raw/manifest.jsonl describes it."""

    doc_id: str
    file: str
    sha256: str
    size: int
    encoding: str
    title: str | None  # the manifest's title (the headline, or the raw file's first line); None when none
    publisher: str | None
    publisher_evidence: Evidence
    publication_date: str | None  # ISO 8601 at its precision: 2024-04-25, 2023-05, 2021
    publication_date_precision: str | None
    publication_date_evidence: Evidence

    def __post_init__(self) -> None:
        if not 0 <= self.size < 1 << 63:
            raise ValueError(f"{self.doc_id}: size {self.size} is not a file size")
        if (self.publication_date is None) != (self.publication_date_precision is None):
            raise ValueError(f"{self.doc_id}: publication_date and its precision are null together")
        if self.publication_date is not None and not is_calendar_date(self.publication_date):
            raise ValueError(f"{self.doc_id}: date {self.publication_date!r} is not YYYY, YYYY-MM or YYYY-MM-DD "
                             "of the calendar")
        for name in ("title", "publisher"):
            value = getattr(self, name)
            if value is not None and not value.strip():
                raise ValueError(f"{self.doc_id}: {name} is blank (null when there is none)")
            if value is not None and _has_line_break(value):  # a title is one line of the raw file
                raise ValueError(f"{self.doc_id}: {name} {value[:40]!r} spans lines (one line of text)")
        # the evidence is shown where the value is (the viewer's pages, diff's report), so it is
        # held to the same rule; the character is named, as it may lie past the part quoted
        publisher_evidence, date_evidence = self.publisher_evidence, self.publication_date_evidence
        for name, value in (("title", self.title), ("publisher", self.publisher),
                            ("publisher_evidence quote", publisher_evidence.quote),
                            ("publisher_evidence reasoning", publisher_evidence.reasoning),
                            ("publication_date_evidence quote", date_evidence.quote),
                            ("publication_date_evidence reasoning", date_evidence.reasoning)):
            if value is not None and (character := control_in(value)) is not None:
                raise ValueError(f"{self.doc_id}: {name} {value[:40]!r} holds a control character or a bidirectional "
                                 f"embedding, override or isolate (U+{ord(character):04X})")
        if self.publication_date_precision is not None:
            _check_choice("date precision", self.publication_date_precision, DATE_PRECISIONS)
            if date_precision(self.publication_date) != self.publication_date_precision:
                raise ValueError(f"{self.doc_id}: date {self.publication_date!r} does not have "
                                 f"{self.publication_date_precision} precision")
        for name in ("publisher", "publication_date"):
            if (getattr(self, name) is None) != (getattr(self, f"{name}_evidence").kind == "none"):
                raise ValueError(f"{self.doc_id}: {name} is null exactly when its evidence is 'none'")

    @property
    def invented(self) -> bool:
        """Whether the file is an invented article written for the project, not news: its
        publisher evidence's reasoning says so (``add --invented``)."""
        return (self.publisher_evidence.reasoning or "").startswith(INVENTED)


@dataclass(frozen=True, slots=True)
class Removal:
    """One line of annotations/removed-documents.jsonl: a document taken out of the corpus, the
    SHA-256 of its raw file, and why. Nothing that differs
    between runs (no date): the record is an input of the units tables and of what they report."""

    doc_id: str
    sha256: str
    reason: str

    def __post_init__(self) -> None:
        if not (len(self.sha256) == 64 and all(c in "0123456789abcdef" for c in self.sha256)):
            raise ValueError(f"{self.doc_id}: sha256 {self.sha256[:70]!r} is not 64 lowercase hex digits")
        if (fault := reason_fault(self.reason)) is not None:
            raise ValueError(f"{self.doc_id}: {fault}")


def reason_fault(reason: str) -> str | None:
    """What is wrong with a removal's reason, or None: it is one line of text, shown in reports,
    where a terminal's escape or a bidirectional override would change what they say."""
    if not reason.strip():
        return "the reason is blank"
    if _has_line_break(reason) or control_in(reason) is not None:
        return ("the reason holds a line break, a control character or a bidirectional embedding, override or "
                "isolate: it is one line of text")
    return None


@dataclass(frozen=True, slots=True)
class RawText:
    """A raw file that matched its manifest record, decoded."""

    record: ManifestRecord
    text: str


@dataclass(frozen=True, slots=True)
class AddedFile:
    """One file ``corpus-tools add`` put into raw/: its manifest record and how it was read.

    ``bom``: the UTF-8 file starts with a byte-order mark (kept in raw/; normalization drops it).
    ``not_utf8_at``: for a cp1252 file, the byte offset where UTF-8 decoding failed, else None.
    ``title_rule``: how the title was decided ("given", "first line", or why there is none).
    ``published``: the releases in dist/ that published the same bytes under the doc_id, which
    it keeps (oldest first); empty for bytes no release published.
    ``release``: the latest of them, whose documents config the record's metadata was taken from
    where no option gave it; ``sources``: for such bytes, where each of the record's encoding,
    title, publisher and publication date came from (``documents.add.metadata_source``:
    ``given``, ``release`` or ``rule``), else empty.
    """

    record: ManifestRecord
    source: str
    bom: bool
    not_utf8_at: int | None
    title_rule: str
    published: tuple[str, ...] = ()
    release: str | None = None
    sources: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class RemovedPiece:
    """Raw text that normalization dropped, with the rule that dropped it (``kind``)."""

    kind: str
    raw_span: Span
    text: str


@dataclass(frozen=True, slots=True)
class Document:
    """A normalized document: what annotators see and every span indexes."""

    doc_id: str
    title: str | None
    text: str
    metadata: ManifestRecord
    offset_map: Any  # corpus_tools.documents.offsets.OffsetMap; typed loosely to keep this module import-light
    removed: tuple[RemovedPiece, ...]
    normalizer_version: str
    text_sha256: str


def same_text(first_with: dict[str, str], document: Document) -> Problem | None:
    """``raw-duplicate`` at ``document`` when its text once normalized is that of a document seen
    before; ``first_with`` (text_sha256 -> the first doc_id of that text) learns it otherwise. One
    article in two byte forms (a BOM, CRLF: what normalization drops) passes check-raw, which
    normalizes nothing; released, it would sit in two folds and splits. The one rule of ``add``
    (on the corpus it adds to) and of a release."""
    first = first_with.setdefault(document.text_sha256, document.doc_id)
    if first == document.doc_id:
        return None
    return Problem("raw-duplicate", f"its text is {first}'s once normalized (the same article in bytes that differ "
                   "only in what normalization drops): one article is one document; remove one of the two records "
                   "and its raw file", Location(doc_id=document.doc_id))


@dataclass(frozen=True, slots=True)
class EntityMention:
    id: str  # region id as Label Studio wrote it
    doc_id: str
    span: Span
    text: str
    label: str
    entity_id: str | None

    def __post_init__(self) -> None:
        if self.label not in ENTITY_LABELS:  # tested here first: no call in the common case
            _check_choice("entity label", self.label, ENTITY_LABELS)


@dataclass(frozen=True, slots=True)
class TimeExpression:
    id: str
    doc_id: str
    span: Span
    text: str
    label: str
    value: str
    mod: str | None = None

    def __post_init__(self) -> None:
        if self.label not in TIMEX_LABELS:
            _check_choice("timex label", self.label, TIMEX_LABELS)
        if self.mod is not None and self.mod not in TIMEX_MODS:
            _check_choice("timex mod", self.mod, TIMEX_MODS)


@dataclass(frozen=True, slots=True)
class Source:
    """Who is reported as speaking, as written nearest to the quote."""

    id: str
    span: Span
    text: str
    speaker_id: str | None  # registry id, None when the speaker is unknown


@dataclass(frozen=True, slots=True)
class Cue:
    """The attribution verb or phrase ("said", "according to")."""

    id: str
    span: Span
    text: str


@dataclass(frozen=True, slots=True)
class Quote:
    """An attributed statement with its (optional) source and cue, joined by relations."""

    id: str
    doc_id: str
    span: Span
    text: str
    quote_type: str
    source: Source | None = None
    cue: Cue | None = None

    def __post_init__(self) -> None:
        if self.quote_type not in QUOTE_TYPES:
            _check_choice("quote_type", self.quote_type, QUOTE_TYPES)


@dataclass(frozen=True, slots=True)
class RegistryEntity:
    """One real-world entity, shared across documents (annotations/entity-registry.jsonl)."""

    id: str
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    wikidata: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        for name in ("id", "name", "type", "description"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be a string, not {type(getattr(self, name)).__name__}")
        _check_choice("entity type", self.type, ENTITY_LABELS)
        if not _REGISTRY_ID.fullmatch(self.id):
            raise ValueError(f"registry id {self.id!r} must be lowercase-hyphenated: words of a-z and 0-9 joined "
                             "by single hyphens (e.g. bashar-al-assad)")
        if not self.name.strip() or _has_line_break(self.name) or _has_line_break(self.description):
            raise ValueError("name must be one line, not blank; description one line")
        if not isinstance(self.aliases, tuple) or not all(isinstance(alias, str) and alias.strip()
                                                          and not _has_line_break(alias) for alias in self.aliases):
            raise ValueError("aliases must be a list of strings, each one line and not blank")
        if any(control_in(text) is not None for text in (self.name, self.description, *self.aliases)):
            raise ValueError("name, aliases and description must hold no control character (nor a bidirectional "
                             "embedding, override or isolate, which reverses the text shown after it)")
        if self.wikidata is not None and not (isinstance(self.wikidata, str) and _QID.fullmatch(self.wikidata)):
            raise ValueError(f"wikidata {self.wikidata!r} is not a QID (Q and digits) nor null")


@dataclass(frozen=True, slots=True)
class Annotator:
    """One person who annotates, as the corpus names them (annotations/annotators.jsonl): ``id``
    is what agreement, adjudication and a release call them (never the email, which is not
    published); ``email`` is their Label Studio account, whichever server it is on."""

    id: str
    email: str

    def __post_init__(self) -> None:
        if not (isinstance(self.id, str) and _ANNOTATOR_ID.fullmatch(self.id)):
            raise ValueError(f"annotator id {self.id!r} must be a positive whole number as a string (e.g. \"2\")")
        if not (isinstance(self.email, str) and is_email(self.email)):
            raise ValueError(f"email {self.email!r} is not an email address (NAME@DOMAIN, one line)")


def annotator_key(annotator: str) -> tuple:
    """The order annotators are listed in, everywhere (agreement, adjudication, a release's
    ``agreed_by``, annotations/annotators.jsonl): their ids are Label Studio user ids, whole
    numbers as strings, which sorted as strings put "10" before "9"; by number, then any other
    string after them as a string."""
    return (0, int(annotator), annotator) if annotator.isdecimal() else (1, 0, annotator)


def is_email(value: str) -> bool:
    """Only a sanity check: a typo made into an account name is an account nobody can log in to;
    one holding a control character (a terminal's escape) is no address either, and would be
    printed as it is in every note that names the account."""
    local, at, domain = value.partition("@")
    return bool(local and at and domain) and "@" not in domain and not any(c.isspace() for c in value) \
        and control_in(value) is None


def email_key(email: str) -> str:
    """An email as the corpus compares them: two that differ only in the case of their letters
    name one person (mail delivery treats them so; Label Studio allows both as two accounts,
    which a pull refuses: ingest.store)."""
    return email.lower()


def _has_line_break(text: str) -> bool:
    """Whether ``text`` is more than one line of text: it holds a line boundary (str.splitlines':
    "\n", "\r", U+2028, ...) anywhere, at its end too ("Syria talks\n", "Syria talks\u2028"). The
    one rule of every value that is one line: a title, a publisher, a registry text, a removal's reason."""
    return "".join(text.splitlines()) != text


@dataclass(frozen=True, slots=True)
class Provenance:
    """Which annotation of which export a document's annotations come from, and why."""

    export_file: str
    task_id: int
    annotation_id: int
    annotator: str | None
    updated_at: str | None
    # For the chosen annotation of a document: "ground_truth" (a ground-truth annotation) or
    # "latest" (the most recently updated non-cancelled one). For an annotator's kept version: "version";
    # for a prediction (a pre-annotator's, on the task of a chosen annotation): "prediction".
    reason: str
    ground_truth: bool = False

    def __post_init__(self) -> None:
        _check_choice("provenance reason", self.reason, PROVENANCE_REASONS)


@dataclass(frozen=True, slots=True)
class DocumentAnnotations:
    """One annotator's (or the chosen) annotation of one document, all three layers."""

    doc_id: str
    entities: tuple[EntityMention, ...]
    timexes: tuple[TimeExpression, ...]
    quotes: tuple[Quote, ...]
    provenance: Provenance | None = None
    text_sha256: str | None = None  # of the text the spans index
    # region id -> UnitProvenance of each unit (entity, timex, quote), when a release computed it
    # against every annotator's version (corpus_tools.annotations.adjudicate.unit_provenance)
    unit_provenance: tuple[tuple[str, "UnitProvenance"], ...] = ()

    def made_on(self, document: Document) -> bool:
        """Whether the spans index ``document``'s text: the rule lint and a release both apply
        (annotations that record no text SHA-256 are taken to be made on it)."""
        return self.text_sha256 is None or self.text_sha256 == document.text_sha256


@dataclass(frozen=True, slots=True)
class PreAnnotation:
    """What the pre-annotator (corpus_tools.preannotate) predicts for one document.

    ``scores``: region id -> the rule's confidence in [0, 1] (Label Studio's per-region ``score``).
    ``model_version``: names the pre-annotator, its version and any NER model it used.
    """

    annotations: DocumentAnnotations
    scores: Mapping[str, float]
    model_version: str


def bounded_round(value: float, digits: int) -> float:
    """``value`` rounded to ``digits`` decimals, once; but onto 1 only when it is 1, and onto 0
    only when it is 0 (or below): those are the values of complete agreement and of none, and an
    alpha of 0.99998 printed as 1.000, or an F1 of 2 × 19999/40000 as 1.0, read as complete
    agreement where there was a disagreement. Such a value is the nearest printed value inside
    the bounds instead (0.999, 0.001 with 3 digits). Agreement figures and pre-annotation scores."""
    shown = round(value, digits)
    if shown == 1 and value < 1:
        return round(1 - 10 ** -digits, digits)
    if shown == 0 and value > 0:
        return round(10 ** -digits, digits)
    return shown


@dataclass(frozen=True, slots=True)
class LayerScore:
    """How the pre-annotation of one layer compares with the gold (corpus_tools.preannotate.evaluate).

    ``matched``: predicted units whose span (and label) equal a gold unit's; precision, recall
    and F1 count those. ``lenient_f1``: the same with overlapping spans of the same label.
    ``value_accuracy``: on matched units, the share whose value also agrees (entity_id, TIMEX3
    value, quote_type); None for layers without a value.
    """

    layer: str
    gold: int
    predicted: int
    matched: int
    precision: float
    recall: float
    f1: float
    lenient_f1: float
    value_accuracy: float | None = None


@dataclass(frozen=True, slots=True)
class AnnotationSet:
    """The consolidated annotations of all stored exports (corpus_tools.annotations.consolidate).

    ``chosen``: doc_id -> the annotation the corpus uses (its provenance says which and why).
    ``versions``: doc_id -> every annotator's latest version, sorted by annotator (for agreement),
    and each person's latest ground-truth annotation, flagged ``provenance.ground_truth`` (an
    adjudication, left out of agreement): one person can have both.
    ``report``: the problems found while reading the stored exports (erroneous units left out).
    ``left_out``: errors an export was stored with (``ingest --allow-partial``): their units are
    left out too, and not reported again in ``report``.
    """

    chosen: Mapping[str, DocumentAnnotations]
    versions: Mapping[str, tuple[DocumentAnnotations, ...]]
    report: Report
    left_out: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class DocumentRows:
    """One document of a release as its rows, labels as names (corpus_tools.release.export reads
    them; ``ReleasedDocument`` is the same document typed, for the viewer)."""

    row: dict  # its documents row
    entities: list[dict]
    timexes: list[dict]
    quotes: list[dict]
    sentences: list[dict]  # its ner rows
    annotated: bool = True  # False: nobody annotated it yet (it has no kb row)

    @property
    def doc_id(self) -> str:
        return self.row["doc_id"]

    @property
    def split(self) -> str:
        return self.row["split"]


@dataclass(frozen=True, slots=True)
class ReleasedDocument:
    """One row of a release's ``documents`` config, read back with its rows of the entities,
    timexes and quotes configs, each in span order (corpus_tools.view reads releases)."""

    doc_id: str
    split: str
    title: str | None
    text: str
    publisher: str | None
    publisher_evidence: Evidence
    publication_date: str | None
    publication_date_precision: str | None
    publication_date_evidence: Evidence
    normalizer_version: str
    raw_file: str
    raw_sha256: str
    raw_encoding: str
    text_sha256: str
    entities: tuple[EntityMention, ...] = ()
    timexes: tuple[TimeExpression, ...] = ()
    quotes: tuple[Quote, ...] = ()
    annotated: bool = True  # False: nobody annotated it yet (no kb row): no units is no finding


@dataclass(frozen=True, slots=True)
class ReleaseContents:
    """What the viewer holds of a release (corpus_tools.view.read): its version, its doc_ids in
    order and its registry (id -> entity, in id order). The documents are read one at a time."""

    version: str
    doc_ids: tuple[str, ...]
    registry: Mapping[str, RegistryEntity]


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A unit of an export left out of the corpus (``--allow-partial``), and why."""

    scope: str  # "task", "annotation", "region" or "relation"
    code: str
    message: str
    task_id: int | str | None
    doc_id: str | None
    annotation_id: int | str | None = None
    region_id: str | None = None


@dataclass(frozen=True, slots=True)
class StoredExport:
    """An export in the store: ``annotations/exports/<sequence>-<sha256[:16]>/`` holding
    ``export.json`` (the file as Label Studio wrote it, byte for byte) and ``ingest.json`` (its
    full SHA-256, the options it was ingested with, the units it was accepted without, and, when
    ``labelstudio pull`` stored it, the project it is a snapshot of and the accounts of its annotators).
    ``sequence`` is the order of ingestion (corpus_tools.ingest.store). The fields after
    ``directory`` are ``ingest.json``'s, read once with the store's listing; they name nothing
    the directory does not, so they take no part in comparing two."""

    sequence: int
    sha256: str
    directory: Path
    allow_partial: bool = field(default=False, compare=False)
    trim_whitespace: bool = field(default=False, compare=False)
    # the (code, task_id, annotation_id, region_id) of each unit it was accepted without
    excluded: frozenset[tuple] = field(default=frozenset(), compare=False)
    snapshot: Snapshot | None = field(default=None, compare=False)  # the pull it is, if it is one
    # its ground-truth annotations by truth_keys; None in a record older than them (2026-12-06)
    ground_truths: tuple[str, ...] | None = field(default=None, compare=False)
    # of a pull: the stored pull of its project it was compared with (the latest when it was
    # stored, if older than it), and the unique_ids that pull held and it lacks (deleted there)
    previous: str | None = field(default=None, compare=False)
    deleted: tuple[str, ...] = field(default=(), compare=False)

    @property
    def name(self) -> str:
        return self.directory.name

    @property
    def export(self) -> Path:
        return self.directory / "export.json"

    @property
    def record(self) -> Path:
        return self.directory / "ingest.json"

    @property
    def options(self) -> dict[str, bool]:
        return {"allow_partial": self.allow_partial, "trim_whitespace": self.trim_whitespace}


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A pull of a Label Studio project, which holds the project whole (``ingest.json``'s
    ``snapshot_of``): the project's id and creation time (ids restart at 1 on every server, and a
    project moved to another server is created anew: the two together name one project,
    ``project_key``) and when the server made the export (``taken_at``), which orders the pulls
    of one project whatever order they were stored in (two branches that each pulled, merged).
    What a later pull of the project lacks was deleted there (corpus_tools.annotations.consolidate)."""

    project: int
    created_at: str  # ISO 8601, as the server gives them
    taken_at: str

    def __post_init__(self) -> None:
        for name in ("created_at", "taken_at"):
            try:
                zoned = datetime.datetime.fromisoformat(getattr(self, name)).tzinfo is not None
            except (TypeError, ValueError):
                zoned = False
            if not zoned:  # times without a zone cannot be compared with those with one
                raise ValueError(f"{name} {getattr(self, name)!r} is not an ISO 8601 time with its zone")

    @property
    def project_key(self) -> tuple[int, datetime.datetime]:
        # the instant, not its notation: "+00:00" and "Z" are one time
        return self.project, datetime.datetime.fromisoformat(self.created_at)

    @property
    def taken(self) -> datetime.datetime:
        return datetime.datetime.fromisoformat(self.taken_at)


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What ``ingest`` did with one export file."""

    status: str  # one of INGEST_STATUSES
    sha256: str
    stored_as: StoredExport | None  # when stored now or before
    report: Report
    exclusions: tuple[Exclusion, ...] = ()
    notes: tuple[str, ...] = ()  # what the person ingesting should know, beyond the report

    def __post_init__(self) -> None:
        _check_choice("ingest status", self.status, INGEST_STATUSES)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible annotation miss the completeness lint (``corpus_tools.annotations.lint``) found, for review.

    ``code`` is stable public interface: acceptances in annotations/lint-accepted.jsonl name it.
    ``text`` is ``span.of(document.text)``, or for a missing-link candidate the region's text.
    """

    code: str
    doc_id: str
    span: Span
    text: str
    message: str

    @property
    def key(self) -> tuple[str, str, int, int, str]:
        """What an acceptance must repeat to explain this candidate (text too, so a shifted text goes stale)."""
        return (self.code, self.doc_id, self.span.start, self.span.end, self.text)


@dataclass(frozen=True, slots=True)
class Acceptance:
    """A candidate a person reviewed and explained: one line of annotations/lint-accepted.jsonl."""

    code: str
    doc_id: str
    span: Span
    text: str
    reason: str
    line: int | None = None  # 1-based line in the file it was read from, for messages

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ValueError("an acceptance needs its reason written out")
        # Every candidate covers some text, and its text is what its span covers: an acceptance
        # that breaks either could never match one, and would only ever show as stale.
        start, end = self.span.start, self.span.end
        if start == end:
            raise ValueError(f"span [{start}, {end}) is empty; a candidate's never is")
        if len(self.text) != end - start:
            raise ValueError(f"text has {len(self.text)} code points, its span [{start}, {end}) covers "
                             f"{end - start}; a candidate's text is what its span covers")

    key = Candidate.key  # one rule: an acceptance explains the candidate whose key is its own


@dataclass(frozen=True, slots=True)
class LintReview:
    """Lint candidates split by the acceptances: what still needs a person, and what is out of date."""

    unexplained: tuple[Candidate, ...]
    explained: tuple[tuple[Candidate, Acceptance], ...]
    stale: tuple[Acceptance, ...]  # acceptances that match no candidate any more
    annotation_errors: int = 0  # errors of the annotations' validation: their units were not linted
    # acceptances of documents that were not linted (nobody annotated them now): kept, not stale
    unchecked: tuple[Acceptance, ...] = ()
    # acceptances of documents removed from the corpus: kept too (added again, a document comes back
    # with its annotations), counted apart, as nobody can annotate them now
    removed: tuple[Acceptance, ...] = ()


@dataclass(frozen=True, slots=True)
class ReleaseChange:
    """One difference between two releases (corpus_tools.release.diff; keys in docs/diff.md).

    ``layer`` and ``kind`` are stable keys (e.g. entities/boundaries). ``id`` names what changed:
    a unit's region id (NEW's, OLD's when removed), a doc_id, a registry id, or ``config.column``.
    ``text`` is its text, for reading. ``old`` and ``new`` are the values that differ (plain JSON
    values; null on the side where there is none). ``count`` is 1, but for the ner layer, where a
    change is a number of tokens. ``columns``: of a configs rows-changed, the columns and field
    paths its rows differ in (``entities.normalized``); None for every other kind.
    """

    layer: str
    kind: str
    doc_id: str | None = None
    id: str | None = None
    text: str | None = None
    old: Any = None
    new: Any = None
    count: int = 1
    columns: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        _check_choice("change layer", self.layer, tuple(CHANGE_KINDS))
        _check_choice(f"{self.layer} change kind", self.kind, CHANGE_KINDS[self.layer])


@dataclass(frozen=True, slots=True)
class ReleaseDiff:
    """What changed from the release OLD to the release NEW, in a stable order (layer, document,
    position). ``direction`` is "forward", "backward" (OLD is the newer version) or "same".
    ``doc_id`` and ``layers``, when set, are filters: ``changes`` holds only what they select."""

    old_version: str
    new_version: str
    old_path: str
    new_path: str
    direction: str
    changes: Sequence[ReleaseChange]  # corpus_tools.release.diff.ChangeLog: on disk, not in memory
    doc_id: str | None = None
    layers: tuple[str, ...] | None = None
# ---------------------------------------------------------------------------------------------
# Several annotators: agreement (corpus_tools.annotations.agreement), adjudication and the
# provenance of each released unit (corpus_tools.annotations.adjudicate)

AGREEMENT_SCOPES = ("corpus", "document", "annotator")


@dataclass(frozen=True, slots=True)
class Units:
    """One annotator's units of one document in comparable form: offsets (into the current text)
    and values, without texts or region ids. Entities ``(start, end, label, entity_id)``; timexes
    ``(start, end, label, value, mod)``; quotes ``(start, end, quote_type, source, cue)`` with source
    ``(start, end, speaker_id)`` and cue ``(start, end)``, or None. Each tuple sorted."""

    annotator: str
    entities: tuple[tuple, ...]
    timexes: tuple[tuple, ...]
    quotes: tuple[tuple, ...]


@dataclass(frozen=True, slots=True)
class Figure:
    """One agreement figure and what it rests on: for an F1, ``agreed`` matched pairs out of
    ``items`` units of the two annotators (F1 = 2 * agreed / items); for an agreement on matched
    units, ``agreed`` of ``items`` matched pairs; for alpha, ``items`` code points. ``value`` is
    None when there was nothing to compare (never 1.0)."""

    value: float | None
    agreed: int
    items: int

    def rounded(self, digits: int) -> float | None:
        """The value rounded as ``bounded_round`` rounds it (None when there is none)."""
        return None if self.value is None else bounded_round(self.value, digits)

    def printed(self) -> str:
        """The value as the text report and the card print it: 3 decimals (``rounded``), or "n/a"."""
        return "n/a" if self.value is None else f"{self.rounded(3):.3f}"

    def rests_on(self, name: str) -> str:
        """What the figure ``name`` rests on, as the text report and the card print it beside its
        value: an F1 as its formula, "2 × 1356/2722" (printed "1356/2722", it was read as a share
        of 0.498 beside an F1 of 0.996), an agreement as its share, "249/255"."""
        return f"2 × {self.agreed}/{self.items}" if is_f1(name) else f"{self.agreed}/{self.items}"


def is_f1(name: str) -> bool:
    """Whether the agreement figure ``name`` is an F1 (2 * agreed / items) rather than a share."""
    return name.endswith("_f1")


@dataclass(frozen=True, slots=True)
class LayerFigures:
    layer: str  # "entities", "timexes" or "quotes"
    figures: tuple[tuple[str, Figure], ...]  # figure name -> figure, in the layer's order


@dataclass(frozen=True, slots=True)
class PairAgreement:
    """Two annotators over the documents both annotated."""

    annotators: tuple[str, str]
    documents: int
    layers: tuple[LayerFigures, ...]


@dataclass(frozen=True, slots=True)
class AgreementReport:
    """Agreement over a set of documents (``scope`` "corpus"), one document or one annotator's pairs.

    ``not_comparable``: documents someone annotated with fewer than two annotators' versions
    (one, or none: every annotation of it cancelled or ground truth), counted, never scored.
    ``no_version``: those of them with no annotator's version at all (the others have one).
    ``removed``: documents removed from the corpus whose annotations were left out (doc-removed).
    ``average``: per layer, the mean of the pairs' figures (items and agreed summed).
    ``alpha``: per layer whose spans do not overlap, Krippendorff's alpha over code points.
    """

    scope: str
    key: str | None
    annotators: tuple[str, ...]
    compared: tuple[str, ...]  # doc_ids with two or more annotators
    not_comparable: tuple[str, ...]
    pairs: tuple[PairAgreement, ...]
    average: tuple[LayerFigures, ...]
    alpha: tuple[tuple[str, Figure], ...]
    annotations_cancelled: int = 0
    adjudications_left_out: int = 0  # ground-truth annotations: adjudications, not annotators' versions
    # versions compared that began as a prediction (Label Studio's parent_prediction), changed or
    # not: they agree with each other through the model more than independent versions would
    versions_from_predictions: int = 0
    removed: tuple[str, ...] = ()
    no_version: tuple[str, ...] = ()
    # per document (in doc_id order, read from disk as they are iterated) or per annotator
    # (``--by``); None when not asked for, so that none found is an empty collection
    parts: Collection["AgreementReport"] | None = None

    def __post_init__(self) -> None:
        _check_choice("agreement scope", self.scope, AGREEMENT_SCOPES)


@dataclass(frozen=True, slots=True)
class UnitProvenance:
    """Where a released unit comes from: the annotators whose own version has exactly this unit,
    how many annotators' versions there were, and whether it was decided in adjudication (it is in
    a ground-truth annotation and not every annotator of the document had it, or the document has
    no annotator's version: a reviewer's decision, or adjudicate's merge where no reviewer saved it
    again)."""

    agreed_by: tuple[str, ...]
    annotators: int
    adjudicated: bool


@dataclass(frozen=True, slots=True)
class Disagreement:
    """Units of one layer that not every annotator gave, at one place of a document (overlapping
    spans grouped): per annotator, what they said there (nothing: an empty tuple)."""

    doc_id: str
    layer: str
    start: int
    end: int
    text: str
    said: tuple[tuple[str, tuple[str, ...]], ...]  # annotator -> descriptions of their units here


@dataclass(frozen=True, slots=True)
class AdjudicatedDocument:
    """The merge of a document's annotator versions under a strategy."""

    doc_id: str
    annotators: tuple[str, ...]
    merged: DocumentAnnotations  # no units when there was nothing to merge (fewer than two annotators)
    kept: int  # units in the merge
    disagreements: tuple[Disagreement, ...]
    note: str | None = None  # why the document was not merged (one annotator), or how (prefer fell back)
    left_out: tuple[tuple[str, DocumentAnnotations], ...] = ()  # annotator -> their units the merge does not hold


@dataclass(frozen=True, slots=True)
class AnnotationQuality:
    """What a release says about its annotation: the agreement of every annotator's version and
    how each document's annotation and each unit came to be (corpus_tools.annotations.adjudicate)."""

    agreement: AgreementReport
    annotators_per_document: tuple[tuple[int, int], ...]  # annotators -> annotated documents released
    documents_ground_truth: int  # released from a ground-truth annotation (adjudicated)
    documents_latest: int  # released from the most recently updated annotation
    units: int
    units_unanimous: int  # every annotator of two or more gave it
    units_adjudicated: int  # from a ground-truth annotation, not given by every annotator (UnitProvenance.adjudicated)
    units_one_annotator: int  # in a document with a single annotator, not adjudicated
    # (accepted unchanged, predicted) units of pre-annotation (corpus_tools.preannotate.acceptance);
    # None: no released document's task was pre-annotated, and the card says nothing about it
    preannotation_accepted: tuple[int, int] | None = None
    # of documents_ground_truth: never saved again after they were made (adjudicate's merge as
    # pushed, with no reviewer's change; corpus_tools.annotations.adjudicate.ground_truth_unchanged)
    ground_truth_unchanged: int = 0
    # some annotators are named by the corpus's ids for their accounts, not by Label Studio user
    # ids (some stored export has its accounts recorded: corpus_tools.annotations.annotators)
    annotators_by_account: bool = False
    # from the latest version of a document several annotated, none adjudicated, and not given by
    # every one of them: the fourth kind (the four do not overlap and add up to ``units``)
    units_unresolved: int = 0
    # the day the latest of the versions compared was updated (they make the provenance columns,
    # so a release's date is the latest of theirs and the chosen annotations')
    versions_updated: str | None = None
    # released documents nobody has annotated yet (a documents row only): neither ground truth nor
    # latest, and no annotator's; set by the build, which writes them (release.build)
    documents_unannotated: int = 0


@dataclass(frozen=True, slots=True)
class Unaligned:
    """A span an export could not place on its format's tokens (corpus_tools.release.export): reported, never dropped silently."""

    doc_id: str
    id: str
    layer: str  # "entities", "timexes", "quotes", "sources" or "cues"
    start: int
    end: int
    text: str
    label: str

    def as_problem(self) -> Problem:
        return Problem("export-unaligned-span", f"{self.layer} [{self.start}, {self.end}) {self.text!r} ({self.label}) "
                       "is not on spaCy token boundaries", Location(doc_id=self.doc_id, region_id=self.id))


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What ``export_release`` wrote: the directory, its files, and the spans it could not place."""

    format: str
    path: Path
    files: tuple[str, ...]
    documents: int
    unaligned: tuple[Unaligned, ...] = ()
