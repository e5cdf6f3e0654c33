"""The corpus's record types, all in one place.

Offset convention, stated once: every span is a pair of Python ``str`` indices (Unicode code
points, not bytes, not UTF-16 units), half-open ``[start, end)``, into the *normalized*
document text unless a field says ``raw_``, in which case it indexes the decoded raw file.
``Span`` checks this at construction; every record below builds its spans through it.

Records are frozen: the pipeline builds new ones instead of mutating, so a record that has
passed validation stays valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from corpus_tools.errors import Problem, Report
from corpus_tools.schema import ENTITY_LABELS, QUOTE_TYPES, TIMEX_LABELS, TIMEX_MODS

DATE_PRECISIONS = ("day", "month", "year")
EVIDENCE_KINDS = ("stated", "inferred", "none")
PROVENANCE_REASONS = ("ground_truth", "latest", "version")
INGEST_STATUSES = ("stored", "stored-partial", "already-stored", "refused")


def _check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} {value!r} is not one of {', '.join(allowed)}")


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
    title: str | None  # the headline as the raw file gives it; None when it has none
    publisher: str | None
    publisher_evidence: Evidence
    publication_date: str | None  # ISO 8601 at its precision: 2024-04-25, 2023-05, 2021
    publication_date_precision: str | None
    publication_date_evidence: Evidence

    def __post_init__(self) -> None:
        if (self.publication_date is None) != (self.publication_date_precision is None):
            raise ValueError(f"{self.doc_id}: publication_date and its precision are null together")
        if self.publication_date_precision is not None:
            _check_choice("date precision", self.publication_date_precision, DATE_PRECISIONS)
            expected = {"year": 4, "month": 7, "day": 10}[self.publication_date_precision]
            if len(self.publication_date) != expected:
                raise ValueError(f"{self.doc_id}: date {self.publication_date!r} does not have "
                                 f"{self.publication_date_precision} precision")
        for name in ("publisher", "publication_date"):
            if (getattr(self, name) is None) != (getattr(self, f"{name}_evidence").kind == "none"):
                raise ValueError(f"{self.doc_id}: {name} is null exactly when its evidence is 'none'")


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
        _check_choice("entity type", self.type, ENTITY_LABELS)
        if not self.id or self.id != self.id.lower() or " " in self.id:
            raise ValueError(f"registry id {self.id!r} must be lowercase-hyphenated")
        if self.wikidata is not None and not (self.wikidata.startswith("Q") and self.wikidata[1:].isdigit()):
            raise ValueError(f"wikidata {self.wikidata!r} is not a QID")


@dataclass(frozen=True, slots=True)
class Provenance:
    """Which annotation of which export a document's annotations come from, and why."""

    export_file: str
    task_id: int
    annotation_id: int
    annotator: str | None
    updated_at: str | None
    # For the chosen annotation of a document: "ground_truth" (a ground-truth annotation) or
    # "latest" (the most recently updated non-cancelled one). For an annotator's kept version: "version".
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


@dataclass(frozen=True, slots=True)
class AnnotationSet:
    """The consolidated annotations of all stored exports (corpus_tools.annotations.consolidate).

    ``chosen``: doc_id -> the annotation the corpus uses (its provenance says which and why).
    ``versions``: doc_id -> every annotator's latest version, sorted by annotator (for agreement).
    ``report``: the problems found while reading the stored exports (erroneous units left out).
    """

    chosen: Mapping[str, DocumentAnnotations]
    versions: Mapping[str, tuple[DocumentAnnotations, ...]]
    report: Report


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
class TaskOutcome:
    """What checking one exported task leaves for ``ingest`` and ``validate`` (corpus_tools.ingest.parallel):
    small, so that it can come back from a worker process."""

    doc_id: str | None
    problems: tuple[Problem, ...]
    exclusions: tuple[Exclusion, ...]
    counts: tuple[tuple[str, int], ...]  # the task's share of Report.stats, in Tally's key order
    latest_date: str | None  # YYYYMMDD of its most recently updated annotation, if any has a date
    record_line: bytes | None  # its validation-record line; None: the export cannot have a record


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What ``ingest`` did with one export file."""

    status: str  # one of INGEST_STATUSES
    sha256: str
    stored_as: Path | None  # the export under annotations/exports/, when stored now or before
    report: Report
    exclusions: tuple[Exclusion, ...] = ()
    exclusions_file: Path | None = None

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

    @property
    def key(self) -> tuple[str, str, int, int, str]:
        return (self.code, self.doc_id, self.span.start, self.span.end, self.text)


@dataclass(frozen=True, slots=True)
class LintReview:
    """Lint candidates split by the acceptances: what still needs a person, and what is out of date."""

    unexplained: tuple[Candidate, ...]
    explained: tuple[tuple[Candidate, Acceptance], ...]
    stale: tuple[Acceptance, ...]  # acceptances that match no candidate any more


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


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What ``export_release`` wrote: the directory, its files, and the spans it could not place."""

    format: str
    path: Path
    files: tuple[str, ...]
    documents: int
    unaligned: tuple[Unaligned, ...] = ()
