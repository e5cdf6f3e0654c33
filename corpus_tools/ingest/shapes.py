"""The shape of a Label Studio JSON export, as typed msgspec structs: the export's shape rules.

What a well-formed task looks like is written here once, declaratively: field names, types,
integer ranges, booleans that must be booleans, timestamps that must be RFC 3339, and result
objects as a tagged union on ``type``. ``corpus_tools.ingest.checks`` converts each parsed task
to ``Task`` in one call; a task that converts is well-formed throughout, and only the rules
about meaning are left to run. One that does not is converted piece by piece (annotation,
result) so that each piece that fails is named, and its msgspec error (which says which field
and why) becomes a located problem (``shape_code`` says which code a failing field means).

Fields Label Studio writes that the corpus does not read (origin, lead_time's siblings, ...)
are ignored, as msgspec does by default.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any, Union

import msgspec
from msgspec import Meta, Struct

# Label Studio's ids are 64-bit database integers; a larger number is no id (and would lose
# precision wherever it is read as a double).
ID_MIN, ID_MAX = -(2**63), 2**63 - 1
Id = Annotated[int, Meta(ge=ID_MIN, le=ID_MAX)]
# Timestamps outside these years are not a real annotation's (e.g. 9999-12-31).
# A region id is any non-empty string without C0 or C1 controls or the line and paragraph
# separators: a tab or a line break (U+2028 and U+2029 are breaks to str.splitlines, as brat's
# export reads lines) would end a field or a line of the formats a release is exported to (brat's
# .ann), and an escape sequence would act in the terminal that prints an error naming the region.
RegionId = Annotated[str, Meta(min_length=1, pattern="\\A[^\x00-\x1f\x7f-\x9f\u2028\u2029]+\\Z")]
EARLIEST, LATEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC), datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)


class LabelsValue(Struct):
    start: int
    end: int
    labels: list[str]
    text: str


class TextValue(Struct):
    text: list[str]


class ChoicesValue(Struct):
    choices: list[str]


class LabelsResult(Struct, tag="labels", tag_field="type"):
    id: RegionId
    from_name: str
    to_name: str
    value: LabelsValue
    score: float | None = None


class TextAreaResult(Struct, tag="textarea", tag_field="type"):
    id: RegionId
    from_name: str
    to_name: str
    value: TextValue


class ChoicesResult(Struct, tag="choices", tag_field="type"):
    id: RegionId
    from_name: str
    to_name: str
    value: ChoicesValue


class RelationResult(Struct, tag="relation", tag_field="type"):
    from_id: str
    to_id: str
    labels: Annotated[list[str], Meta(min_length=1, max_length=1)]
    direction: str = "right"


Result = Union[LabelsResult, TextAreaResult, ChoicesResult, RelationResult]
# Label Studio's result ``type`` of each kind of control of the schema
RESULT_TYPES = {"Labels": "labels", "TextArea": "textarea", "Choices": "choices"}


class AnnotationHead(Struct):
    """An annotation's own fields: who, when, and whether it counts."""

    id: Id
    completed_by: Id | dict[str, Any] | None = None
    was_cancelled: bool = False
    ground_truth: bool = False
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
    lead_time: float | None = None
    unique_id: str | None = None  # a UUID: an annotation id of one Label Studio database names one annotation
    # the prediction the annotation began as (accepted in the browser or through the API, changed or
    # not); read, never refused: it says how independent a version is, not whether it is valid
    parent_prediction: Any = None


class Annotation(AnnotationHead, kw_only=True):
    result: list[Result]


class PredictionHead(Struct):
    id: Id | None = None
    model_version: str | None = None
    score: float | None = None


class Prediction(PredictionHead, kw_only=True):
    result: list[Result]


class Data(Struct):
    doc_id: str
    text: str
    # any value: one that is not the text's hash, a number among them, is a problem of its own
    # (text-sha256-mismatch, checks.check_task), not a task without its data
    text_sha256: Any = None


class Task(Struct):
    id: Id
    data: Data
    annotations: list[Annotation]
    predictions: list[Prediction] = []


def annotator_of(completed_by: Any) -> str | None:
    """Label Studio writes completed_by as a user id, or as a user object in some exports."""
    if isinstance(completed_by, dict):
        completed_by = completed_by.get("id")
    # a user id is a whole number from 1 (annotators.jsonl refuses others: they would be published)
    return str(completed_by) if type(completed_by) is int and completed_by >= 1 else None


def timestamp_problem(head: AnnotationHead) -> str | None:
    """Why a timestamp of ``head`` is not a real annotation's, or None."""
    for name in ("created_at", "updated_at"):
        moment = getattr(head, name)
        if moment is None:
            continue
        # Label Studio's server runs in UTC with zoned times and writes "...Z"; a time without a
        # zone names no instant, yet these times rank the copies of an annotation
        if moment.tzinfo is None:
            return (f"{name} {moment.isoformat()} has no time zone (RFC 3339 requires one; Label Studio writes "
                    "a Z): which moment it is cannot be told")
        if not EARLIEST <= moment < LATEST:
            return f"{name} {moment.isoformat()} is not between {EARLIEST.year} and {LATEST.year}"
    return None


_PATH = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]*)`")


def error_path(error: msgspec.ValidationError) -> str:
    """The field a msgspec error is about, as ``.value.start`` (empty for the object itself;
    for a missing field, the field's own path)."""
    text = str(error)
    match = _PATH.search(text)
    path = match["path"] if match else ""
    missing = _MISSING.match(text)
    return f"{path}.{missing['field']}" if missing else path


def describe(error: msgspec.ValidationError) -> str:
    """msgspec's message with its path written as a field name ("value.start: Expected `int`...")."""
    text = str(error)
    match = _PATH.search(text)
    if not match:
        return text
    return f"{match['path'].lstrip('.') or 'the object'}: {text[:match.start()]}"


def convert(value: Any, kind: type) -> Any:
    """``value`` (parsed JSON) as ``kind``; raises msgspec.ValidationError."""
    return msgspec.convert(value, kind)
