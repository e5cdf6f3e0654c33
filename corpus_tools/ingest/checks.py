"""The one validator of Label Studio exports: every rule of the annotation contract, once.

``check_task`` takes one parsed task and returns a ``CheckedTask``: its annotations (and
predictions) with their regions, per-region values and relations, each unit that an error
excludes marked ``excluded``, and the problems found, located (export file, task, doc,
annotation, region). Ingest turns it into rows of the units table (corpus_tools.ingest.units);
nothing downstream checks an export again.

Two kinds of rule:

* **Shape** (corpus_tools.ingest.shapes): which fields a task, annotation and result have and
  of what type. A task is converted to the typed ``shapes.Task`` in one call; only when that
  fails is it converted piece by piece, and each piece that fails is reported with the code
  its field means (``_SHAPE_CODES``). Either way the same typed results come out.
* **Meaning** (this module): controls and labels of the schema, offsets within the text and
  the text they cover, values on the regions they apply to, relations between the right
  labels, overlaps, registry ids, TIMEX3 values, re-anchoring onto the current text.

Problem codes and their severities are corpus_tools.codes's; docs/validation.md explains each.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

import msgspec

from corpus_tools.codes import CATALOGUE
from corpus_tools.documents.align import TextAlignment
from corpus_tools.errors import Location, Problem, flat_overlaps, printable
import corpus_tools.ingest.shapes as shapes
from corpus_tools.ingest.shapes import (
    RESULT_TYPES, Annotation, ChoicesResult, LabelsResult, Prediction, RelationResult,
    TextAreaResult,
)
from corpus_tools.records import Document, RegistryEntity
from corpus_tools.schema import FLAT_LAYERS, LAYERS, REGION_VALUES, RELATIONS, TEXT_NAME
from corpus_tools.strictjson import kind_of
from corpus_tools.timex import value_problem

RELATION_DIRECTIONS = ("right", "left", "bi")
_LABEL_SETS = {name: frozenset(layer.labels) for name, layer in LAYERS.items()}
# control name -> the kind of control it is (Labels, TextArea, Choices)
_CONTROL_KINDS = {**{name: "Labels" for name in LAYERS}, **{name: spec.control for name, spec in REGION_VALUES.items()}}
# Warnings that leave a unit out: listed among an export's exclusions too (ingest.json)
EXCLUDING = frozenset({"attribution-unlinked", "doc-removed"})


@dataclass(frozen=True, slots=True)
class Context:
    """What tasks are checked against: the export's name, current documents, the registry, and
    the documents removed from the corpus (doc_id -> the reason: corpus_tools.documents.remove),
    whose tasks are left out with a warning, not refused as naming no document."""

    file: str
    documents: Mapping[str, Document]
    registry: Mapping[str, RegistryEntity]
    trim_whitespace: bool = False  # repair spans with whitespace at an edge instead of refusing them
    removed: Mapping[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Region:
    """A labelled span of one annotation, with its per-region values (mutable work state)."""

    id: str
    layer: str
    label: str | None = None
    start: int = 0  # in the task's text
    end: int = 0
    values: dict[str, str] = field(default_factory=dict)
    span: tuple[int, int] | None = None  # in the document's current text, once re-anchored
    score: float | None = None
    excluded: bool = False


@dataclass(slots=True)
class Link:
    """A relation, oriented from the QUOTE to its SOURCE or CUE."""

    from_id: str
    to_id: str
    label: str
    excluded: bool = False


@dataclass(slots=True)
class CheckedAnnotation:
    position: int  # in the task's list of annotations (or of predictions)
    prediction: bool
    id: int | None
    annotator: str | None = None
    ground_truth: bool = False
    cancelled: bool = False
    created_at: Any = None  # datetime
    updated_at: Any = None
    lead_time: float | None = None
    unique_id: str | None = None
    from_prediction: bool = False  # began as a prediction (Label Studio's parent_prediction)
    model_version: str | None = None
    score: float | None = None
    regions: dict[str, Region] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    excluded: bool = False


@dataclass(slots=True)
class CheckedTask:
    index: int  # position in the export, from 0
    byte_offset: int
    task_id: int | None
    doc_id: str | None = None
    text_sha256: str | None = None  # of the task's own text
    problems: list[Problem] = field(default_factory=list)
    annotations: list[CheckedAnnotation] = field(default_factory=list)
    predictions: list[CheckedAnnotation] = field(default_factory=list)
    excluded: bool = False
    text_changed: bool = False
    reanchored: int = 0


class _Reporter:
    """Makes the located problems of one task and marks what each error excludes. Problems of a
    prediction are not the corpus's: its units with errors are left out, unreported."""

    __slots__ = ("context", "task")

    def __init__(self, context: Context, task: CheckedTask):
        self.context, self.task = context, task

    def task_problem(self, code: str, message: str) -> None:
        if self._add(code, message, None, None) or code in EXCLUDING:
            self.task.excluded = True

    def annotation_problem(self, annotation: CheckedAnnotation | None, code: str, message: str,
                           named: Any = None) -> None:
        if annotation is not None and annotation.prediction:
            annotation.excluded = annotation.excluded or CATALOGUE[code].severity == "error"
            return
        if self._add(code, message, named if annotation is None else annotation.id, None) and annotation is not None:
            annotation.excluded = True

    def region_problem(self, annotation: CheckedAnnotation, region: Region | None, code: str, message: str,
                       unit_id: Any = None) -> None:
        """Located at ``region``, else at ``unit_id`` (a relation's key, the id of a refused result)."""
        error = CATALOGUE[code].severity == "error"
        if not annotation.prediction:
            self._add(code, message, annotation.id, unit_id if region is None else region.id)
        if error and region is not None:
            region.excluded = True

    def _add(self, code: str, message: str, annotation_id: Any, region_id: Any) -> bool:
        """Adds the problem; whether it is an error."""
        location = Location(file=self.context.file, task_id=self.task.task_id, doc_id=self.task.doc_id,
                            annotation_id=annotation_id, region_id=None if region_id is None else str(region_id))
        problem = Problem(code, message, location)
        self.task.problems.append(problem)
        return problem.severity == "error"


# ---------------------------------------------------------------------------------------------
# Tasks


def check_task(parsed: dict, index: int, byte_offset: int, context: Context) -> CheckedTask:
    """Check one task of an export (``parsed``: its JSON object, already known to be a task
    object with an id, a data object and an annotations list: corpus_tools.ingest.reader)."""
    checked = CheckedTask(index, byte_offset, parsed["id"])
    report = _Reporter(context, checked)
    try:
        task = shapes.convert(parsed, shapes.Task)
    except msgspec.ValidationError:
        task = None
    data = task.data if task is not None else _data(parsed["data"], checked, report)
    if data is None:
        return checked
    checked.doc_id = data.doc_id
    document = context.documents.get(data.doc_id)
    if document is None and data.doc_id in context.removed:
        report.task_problem("doc-removed", f"doc_id {printable(data.doc_id)} was removed from the corpus (reason: "
                            f"{printable(context.removed[data.doc_id])}): the task is left out")
    elif document is None:
        report.task_problem("doc-unknown", f"doc_id {printable(data.doc_id)} is not a document of this corpus")
    text = data.text
    checked.text_sha256 = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    stated = data.text_sha256
    if stated is not None and stated != checked.text_sha256:
        # the first 16 characters of a hash name it; "..." only where something was cut
        said = f"{printable(stated, 17)} is not" if isinstance(stated, str) else f"is {kind_of(stated)}, not"
        report.task_problem("text-sha256-mismatch", f"data.text_sha256 {said} the SHA-256 of data.text: the task "
                            "was edited after it was made")
    alignment = None
    if document is not None and text != document.text:
        checked.text_changed = True
        report.task_problem("text-changed", f"the task's text ({len(text)} characters) is not the document's "
                            f"current normalized text ({len(document.text)} characters): spans are re-anchored "
                            "onto the current text")
        alignment = TextAlignment(text, document.text)
    pieces = ((task.annotations, task.predictions) if task is not None
              else (parsed["annotations"], parsed.get("predictions") if isinstance(parsed.get("predictions"), list) else []))
    for prediction, items in ((False, pieces[0]), (True, pieces[1])):
        for position, item in enumerate(items):
            annotation = _annotation(item, position, prediction, text, report)
            if annotation is None:
                continue
            if not annotation.cancelled and not annotation.excluded:
                _reanchor(annotation, alignment, checked, report)
            (checked.predictions if prediction else checked.annotations).append(annotation)
    return checked


def _data(data: Any, checked: CheckedTask, report: _Reporter) -> shapes.Data | None:
    """The task's data, or None (reported) when it lacks what every check needs."""
    try:
        return shapes.convert(data, shapes.Data)
    except msgspec.ValidationError:
        doc_id = data.get("doc_id")
    checked.doc_id = doc_id if isinstance(doc_id, str) else None
    if checked.doc_id is None:
        report.task_problem("task-doc-id-missing", "the task's data has no doc_id (string): it was not made by "
                            "`corpus-tools labelstudio tasks`")
    else:
        report.task_problem("task-text-missing", "the task's data has no text (string): its spans cannot be checked")
    return None


# ---------------------------------------------------------------------------------------------
# Annotations and predictions


def _annotation(item: Any, position: int, prediction: bool, text: str, report: _Reporter) -> CheckedAnnotation | None:
    if isinstance(item, (Annotation, Prediction)):  # converted with the whole task
        head, results = item, item.result
    else:
        head, results = _head(item, position, prediction, report)
        if head is None:
            return None
    if prediction:
        annotation = CheckedAnnotation(position, True, head.id, model_version=head.model_version, score=head.score)
    else:
        annotation = CheckedAnnotation(
            position, False, head.id, annotator=shapes.annotator_of(head.completed_by), ground_truth=head.ground_truth,
            cancelled=head.was_cancelled, created_at=head.created_at, updated_at=head.updated_at,
            lead_time=head.lead_time, unique_id=head.unique_id,
            from_prediction=type(head.parent_prediction) is int)
        if annotation.cancelled:
            report.annotation_problem(annotation, "annotation-cancelled",
                                      "cancelled (skipped) annotation: not checked, not used")
            return annotation
        reason = shapes.timestamp_problem(head)
        if reason is not None:
            report.annotation_problem(annotation, "annotation-malformed", reason)
            return annotation
        if annotation.annotator is None:  # stored, it would stop agreement and adjudication for good
            given = "no completed_by" if head.completed_by is None else \
                f"completed_by {printable(head.completed_by, 60)}, not a Label Studio user id (a whole number from 1)"
            report.annotation_problem(annotation, "annotator-missing", f"the annotation has {given}: whose version "
                                      "it is cannot be told, so it cannot be compared or adjudicated")
            return annotation
    if results is None:
        report.annotation_problem(annotation, "annotation-malformed", "the annotation's result is not a list")
        return annotation
    _results(results, annotation, text, report)
    return annotation


def _head(item: Any, position: int, prediction: bool, report: _Reporter) -> tuple[Any, list | None]:
    """An annotation converted piece by piece: its own fields, and its results left to convert."""
    named = f"#{position + 1}"  # without a usable id, the annotation is named by its position
    kind = shapes.PredictionHead if prediction else shapes.AnnotationHead
    if not isinstance(item, dict):
        if not prediction:
            report.annotation_problem(None, "annotation-malformed", f"an annotation is {kind_of(item)}, "
                                      "not an object", named)
        return None, None
    try:
        head = shapes.convert({key: value for key, value in item.items() if key != "result"}, kind)
    except msgspec.ValidationError as error:
        if not prediction:
            identified = item.get("id") if type(item.get("id")) is int and not shapes.error_path(error).startswith(
                ".id") else named
            report.annotation_problem(None, "annotation-malformed", shapes.describe(error), identified)
        return None, None
    results = item.get("result")
    return head, results if isinstance(results, list) else None


def _results(results: list, annotation: CheckedAnnotation, text: str, report: _Reporter) -> None:
    values, relations = [], []
    for result in results:
        if not isinstance(result, (LabelsResult, TextAreaResult, ChoicesResult, RelationResult)):
            result = _result(result, annotation, report)
            if result is None:
                continue
        kind = type(result)
        if kind is RelationResult:
            relations.append(result)
        elif (result.from_name, _TYPE_OF[kind], result.to_name) in _FITTING or _control_fits(result, annotation, report):
            if type(result) is LabelsResult:
                _add_region(result, annotation, text, report)
            else:
                values.append(result)
    for result in values:
        _attach_value(result, annotation, report)
    for result in relations:
        _add_link(result, annotation, report)
    _check_regions(annotation, report)


# What a field that does not convert means, by the kind of result and the field's path
_SHAPE_CODES = {
    "labels": ((".value.start", "offset-not-integer"), (".value.end", "offset-not-integer"),
               (".value.labels", "label-count"), (".value.text", "span-text-missing")),
    "textarea": ((".value.text", "region-value-invalid"),),
    "choices": ((".value.choices", "region-value-invalid"),),
}


def _result(result: Any, annotation: CheckedAnnotation, report: _Reporter) -> Any:
    """A result converted alone (its task did not convert whole); None when it does not, reported."""
    if not isinstance(result, dict):
        report.region_problem(annotation, None, "result-malformed", f"a result is {kind_of(result)}, not an object")
        return None
    try:
        return shapes.convert(result, shapes.Result)
    except msgspec.ValidationError as error:
        path, message = shapes.error_path(error), shapes.describe(error)
    name, kind, region_id = result.get("from_name"), result.get("type"), result.get("id")
    if kind == "relation":
        key = f"{result.get('from_id')}->{result.get('to_id')}"
        report.region_problem(annotation, None, "relation-malformed", message, key)
        return None
    named = region_id if isinstance(region_id, str) and region_id else None
    region = None if named is None else _excluded_region(named, name, kind, annotation)
    this = f"this {printable(name)} result"
    if named is None or not isinstance(result.get("value"), dict):
        lacks = ("its value object" if named is not None
                 else "its region id" if region_id is None or region_id == ""
                 else f"a region id that is a string (it has {printable(region_id)})")
        report.region_problem(annotation, region, "result-malformed", f"{this} lacks {lacks}", named)
        return None
    if path == ".id":
        report.region_problem(annotation, region, "result-malformed",
                              f"{this}'s region id {printable(region_id)} holds a control character or a line or "
                              "paragraph separator (a tab, a line break, U+2028...), which the release's formats "
                              "cannot keep in an id", named)
        return None
    target = result.get("to_name")
    code = _control_problem(name, kind, target)
    if code is None:
        code = next((code for prefix, code in _SHAPE_CODES.get(kind, ()) if path.startswith(prefix)),
                    "result-malformed")
    report.region_problem(annotation, region, code, _control_message(code, name, kind, target) or message, named)
    return None


def _excluded_region(region_id: str, name: Any, kind: Any, annotation: CheckedAnnotation) -> Region | None:
    """A refused result of a layer's control (its labels, however broken, whatever its type says),
    or a labels result of a control the schema does not have (an export of another labeling
    config, a from_name lost), kept as an excluded region, so that its values and relations are
    not also reported as those of a region that does not exist: the one problem says why."""
    name = name if isinstance(name, str) else None  # from_name as the export has it: any JSON value
    if not (name in LAYERS or (kind == "labels" and name not in _CONTROL_KINDS)) or region_id in annotation.regions:
        return None
    region = annotation.regions[region_id] = Region(region_id, name, excluded=True)
    return region


# (from_name, type, to_name) of every result the schema allows
_FITTING = frozenset((name, RESULT_TYPES[kind], TEXT_NAME) for name, kind in _CONTROL_KINDS.items())


def _control_problem(name: Any, kind: Any, target: Any) -> str | None:
    """unknown-control or control-type-mismatch for a result's (from_name, type, to_name), or None."""
    control = _CONTROL_KINDS.get(name) if isinstance(name, str) else None
    if control is None or target != TEXT_NAME:
        return "unknown-control"
    if RESULT_TYPES[control] != kind:
        return "control-type-mismatch"
    return None


def _control_message(code: str, name: Any, kind: Any, target: Any) -> str | None:
    """The message of a control problem, given the result's from_name, type and to_name (a converted
    result keeps no type field: its kind is its struct's, ``_TYPE_OF``)."""
    if code == "unknown-control":
        named = [printable(value) if value is not None else f"(no {field})"  # not "control None"
                 for value, field in ((name, "from_name"), (target, "to_name"))]
        return (f"control {named[0]} -> {named[1]} is not in the schema (controls: "
                f"{', '.join(_CONTROL_KINDS)}, on {TEXT_NAME!r})")
    if code == "control-type-mismatch":
        has = "no type" if kind is None else f"type {printable(kind)}"
        return f"{printable(name)} is a {_CONTROL_KINDS[name]} control, but this result has {has}"
    return None


def _control_fits(result: Any, annotation: CheckedAnnotation, report: _Reporter) -> bool:
    """Whether a converted result's control is the schema's control of its type (else reported)."""
    kind = _TYPE_OF[type(result)]
    code = _control_problem(result.from_name, kind, result.to_name)
    if code is not None:
        region = _excluded_region(result.id, result.from_name, kind, annotation)
        report.region_problem(annotation, region, code, _control_message(code, result.from_name, kind, result.to_name),
                              result.id)
    return code is None


_TYPE_OF = {LabelsResult: "labels", TextAreaResult: "textarea", ChoicesResult: "choices"}


# ---------------------------------------------------------------------------------------------
# Regions


def _add_region(result: LabelsResult, annotation: CheckedAnnotation, text: str, report: _Reporter) -> None:
    region_id, value, regions = result.id, result.value, annotation.regions
    # a labels result of a control the schema lacks holds its id (_excluded_region) only until a
    # region of the schema's takes it: one region labelled by another config's control as well
    if region_id in regions and regions[region_id].layer in LAYERS:
        # the id names two labelled regions (one region labelled in two layers, say): which of them
        # a value or a relation of that id belongs to cannot be told, so the region keeps no label
        # to judge them by (a timex_value of the DATE was "not for a PERSON"); they go with it
        regions[region_id].label = None
        report.region_problem(annotation, regions[region_id], "region-id-duplicate",
                              "two labelled regions share this id")
        return
    region = regions[region_id] = Region(region_id, result.from_name, score=result.score)
    labels = value.labels
    if len(labels) != 1:
        report.region_problem(annotation, region, "label-count",
                              f"a region carries exactly one label, this one {printable(labels)}")
    elif labels[0] not in _LABEL_SETS[region.layer]:
        report.region_problem(annotation, region, "unknown-label", f"{printable(labels[0])} is not one "
                              f"of the {region.layer} labels ({', '.join(LAYERS[region.layer].labels)})")
    else:
        region.label = labels[0]
    start, end = value.start, value.end
    if not 0 <= start <= end <= len(text):
        report.region_problem(annotation, region, "offset-out-of-range",
                              f"[{start}, {end}) is not within the text of {len(text)} characters")
        return
    region.start, region.end = start, end
    if start == end:
        report.region_problem(annotation, region, "span-empty", f"the span [{start}, {end}) is empty")
        return
    covered = text[start:end]
    if value.text != covered and not _text_difference(region, value.text, covered, text, annotation, report):
        return  # the offsets are wrong: what they cover says nothing more
    if covered[0].isspace() or covered[-1].isspace():
        _edge_whitespace(region, covered, annotation, report)


def _edge_whitespace(region: Region, covered: str, annotation: CheckedAnnotation, report: _Reporter) -> None:
    """Spans never begin or end with whitespace (docs/annotation-guidelines.md); ingest's
    ``--trim-whitespace`` may move such edges inward, and says so."""
    stripped = covered.strip()
    where = f"[{region.start}, {region.end})"
    if not stripped:
        report.region_problem(annotation, region, "span-edge-whitespace",
                              f"the span {where} is only whitespace: {covered!r}")
        return
    lead = len(covered) - len(covered.lstrip())
    trail = len(covered) - len(covered.rstrip())
    edges = ", ".join(part for part in (f"{covered[:lead]!r} at its start" if lead else "",
                                        f"{covered[len(covered) - trail:]!r} at its end" if trail else "") if part)
    if report.context.trim_whitespace:
        region.start, region.end = region.start + lead, region.end - trail
        report.region_problem(annotation, region, "span-edge-whitespace-trimmed",
                              f"the span {where} had {edges}; trimmed to [{region.start}, {region.end}) {stripped!r}")
        return
    report.region_problem(annotation, region, "span-edge-whitespace",
                          f"the span {where} {covered!r} has {edges}; spans begin and end on a character "
                          "(ingest --trim-whitespace trims them)")


def _collapse(text: str) -> str:
    """Label Studio's value.text collapses whitespace runs and writes newlines as backslash-n."""
    return " ".join(text.replace("\\n", "\n").split())


def _text_difference(region: Region, stated: str, covered: str, text: str, annotation: CheckedAnnotation,
                     report: _Reporter) -> bool:
    """Reports how value.text differs from what the offsets cover; whether the offsets still hold."""
    where = f"[{region.start}, {region.end})"
    if _collapse(stated) == _collapse(covered):
        report.region_problem(annotation, region, "span-text-whitespace",
                              f"value.text differs from text{where} only in whitespace/newline escaping")
        return True
    if _utf16_slice(text, region.start, region.end) == stated:
        report.region_problem(annotation, region, "span-offsets-utf16",
                              f"{where} counts UTF-16 units, not code points: value.text {printable(stated, 40)} "
                              f"sits there in UTF-16, the code-point slice is {printable(covered, 40)}")
        return False
    report.region_problem(annotation, region, "span-text-mismatch",
                          f"value.text is not text{where}: {first_difference(stated, covered)}")
    return False


def first_difference(stated: str, covered: str, context: int = 20) -> str:
    """Where two texts first differ, with a little context on both: long texts that differ late
    would look the same cut to a prefix."""
    at = next((i for i, (a, b) in enumerate(zip(stated, covered)) if a != b), min(len(stated), len(covered)))
    begin = max(0, at - context)

    def around(value: str) -> str:
        shown = value[begin:at + context]
        return ("..." if begin else "") + repr(shown) + ("..." if at + context < len(value) else "")

    return (f"they differ at character {at} of the span: value.text {around(stated)} ({len(stated)} characters), "
            f"text {around(covered)} ({len(covered)} characters)")


def _utf16_slice(text: str, start: int, end: int) -> str | None:
    encoded = text.encode("utf-16-le", "surrogatepass")
    if len(encoded) == 2 * len(text):
        return None  # no astral characters: UTF-16 and code-point offsets agree
    return encoded[2 * start:2 * end].decode("utf-16-le", "replace")


def _reanchor(annotation: CheckedAnnotation, alignment: TextAlignment | None, checked: CheckedTask,
              report: _Reporter) -> None:
    for region in annotation.regions.values():
        if region.excluded:
            continue
        if alignment is None:
            region.span = (region.start, region.end)
            continue
        region.span = alignment.map_span(region.start, region.end)
        if region.span is None:
            report.region_problem(annotation, region, "span-unmappable",
                                  f"{region.label} [{region.start}, {region.end}) "
                                  f"{printable(alignment.old[region.start:region.end], 60)} has no exact counterpart "
                                  "in the current text (the text changed inside or around it)")
        elif region.span != (region.start, region.end):
            checked.reanchored += 1


# ---------------------------------------------------------------------------------------------
# Per-region values


def _attach_value(result: TextAreaResult | ChoicesResult, annotation: CheckedAnnotation, report: _Reporter) -> None:
    name, region_id = result.from_name, result.id
    spec = REGION_VALUES[name]
    region = annotation.regions.get(region_id)
    if region is None:
        report.region_problem(annotation, None, "region-value-orphan",
                              f"{name} value for a region that does not exist in this annotation", region_id)
        return
    if region.label is not None and (region.layer != spec.layer or region.label not in spec.labels):
        report.region_problem(annotation, region, "region-value-wrong-label",
                              f"{name} applies to {', '.join(spec.labels)}, not to a {region.label}")
        return
    if name in region.values:
        report.region_problem(annotation, region, "region-value-duplicate", f"{name} is given twice")
        return
    if type(result) is TextAreaResult:
        filled = [item.strip() for item in result.value.text if item.strip()]
        if len(filled) > 1:
            report.region_problem(annotation, region, "region-value-invalid",
                                  f"{name}: expected one value, got {len(filled)}: {printable(filled)}")
        elif filled:
            region.values[name] = filled[0]
        return
    choices = result.value.choices
    if len(choices) != 1 or choices[0] not in spec.choices:
        report.region_problem(annotation, region, "region-value-invalid",
                              f"{name}: expected exactly one of {', '.join(spec.choices)}, got {printable(choices)}")
        return
    region.values[name] = choices[0]


# ---------------------------------------------------------------------------------------------
# Relations


def _add_link(result: RelationResult, annotation: CheckedAnnotation, report: _Reporter) -> None:
    from_id, to_id, label, direction = result.from_id, result.to_id, result.labels[0], result.direction
    key = f"{from_id}->{to_id}"
    if direction not in RELATION_DIRECTIONS:
        report.region_problem(annotation, None, "relation-malformed",
                              f"direction {printable(direction)} is not one of {', '.join(RELATION_DIRECTIONS)}", key)
        return
    if label not in RELATIONS:
        report.region_problem(annotation, None, "relation-unknown-label",
                              f"{printable(label)} is not a relation label ({', '.join(RELATIONS)})", key)
        return
    regions = annotation.regions
    missing = [rid for rid in (from_id, to_id) if rid not in regions]
    if missing:
        report.region_problem(annotation, None, "relation-endpoint-missing",
                              f"{label} relation to region(s) {', '.join(map(printable, missing))} not in this annotation",
                              key)
        return
    want = RELATIONS[label]
    for source, target in _ORIENTATIONS[direction](from_id, to_id):
        # a region whose label was refused has none (it is excluded, and its problem says why): it
        # fits either end, so that its relation is dropped with it rather than refused a second time
        if all(region.label in (None, wanted) for region, wanted in zip((regions[source], regions[target]), want)):
            annotation.links.append(Link(source, target, label))
            return
    # drawn from_id -> to_id, the arrow as Label Studio shows it: "left" points back at from_id
    found = _ARROWS[direction].join(str(regions[rid].label or regions[rid].layer) for rid in (from_id, to_id))
    report.region_problem(annotation, None, "relation-endpoint-wrong-label",
                          f"{label} goes {' -> '.join(want)}; this one joins {found}", key)


# direction -> the (from, to) orders a relation drawn from_id -> to_id may be read in: Label
# Studio keeps the drawing order in from/to and the arrow in ``direction``
_ORIENTATIONS = {
    "right": lambda from_id, to_id: ((from_id, to_id),),
    "left": lambda from_id, to_id: ((to_id, from_id),),
    "bi": lambda from_id, to_id: ((from_id, to_id), (to_id, from_id)),
}
_ARROWS = {"right": " -> ", "left": " <- ", "bi": " <-> "}


# ---------------------------------------------------------------------------------------------
# Checks across the regions of one annotation


def _check_regions(annotation: CheckedAnnotation, report: _Reporter) -> None:
    _check_quotes(annotation, report)
    registry = report.context.registry
    for region in annotation.regions.values():
        check = _LABEL_CHECKS.get(region.label)
        problem = None if check is None else check(region.values, region.label, registry)
        if problem is not None:
            report.region_problem(annotation, region, *problem)
    _check_overlaps(annotation, report)  # last: it weighs only the regions nothing else refused
    _drop_dangling_links(annotation)


def _check_overlaps(annotation: CheckedAnnotation, report: _Reporter) -> None:
    """Entity spans are flat, and so are timex spans (the guidelines; agreement's alpha gives each
    code point the one label of its layer that covers it). A region refused for another error
    takes no part: it is left out anyway, and its offsets may be the very fault (a correct
    neighbour was refused for overlapping a span whose value.text said it was wrong)."""
    for layer in FLAT_LAYERS:
        regions = ((region, region.id, (region.start, region.end)) for region in annotation.regions.values()
                   if region.layer == layer and not region.excluded)
        for region, code, message in flat_overlaps(layer, regions):
            report.region_problem(annotation, region, code, message)


def _check_quotes(annotation: CheckedAnnotation, report: _Reporter) -> None:
    counts = Counter((link.from_id, link.label) for link in annotation.links)
    for (quote_id, label), count in sorted(counts.items()):
        if count > 1:
            code = {"said_by": "quote-multiple-said-by", "cue": "quote-multiple-cue"}[label]
            report.region_problem(annotation, annotation.regions[quote_id], code,
                                  f"a QUOTE has at most one {label} relation, this one has {count}")
    linked = {link.to_id for link in annotation.links}
    for region in annotation.regions.values():
        if region.label in ("SOURCE", "CUE") and region.id not in linked:
            report.region_problem(annotation, region, "attribution-unlinked",
                                  f"this {region.label} is not linked from any QUOTE, so it is left out of the quotes")


def _quote_problem(values: dict[str, str], label: str, registry: Mapping) -> tuple[str, str] | None:
    """What is wrong with a region's values, as (code, message), or None: one check per label,
    ``_LABEL_CHECKS``."""
    if "quote_type" not in values:
        return "quote-type-missing", "a QUOTE needs quote_type (direct, indirect or mixed)"
    return None


def _entity_problem(values: dict[str, str], label: str, registry: Mapping) -> tuple[str, str] | None:
    entity_id = values.get("entity_id")
    if entity_id is None:
        return None
    entity = registry.get(entity_id)
    if entity is None:
        return "entity-id-unknown", _unregistered("entity_id", entity_id, registry)
    if entity.type != label:
        return "entity-type-mismatch", f"{entity_id!r} is a {entity.type} in the registry, labelled {label} here"
    return None


def _source_problem(values: dict[str, str], label: str, registry: Mapping) -> tuple[str, str] | None:
    speaker_id = values.get("speaker_id")
    if speaker_id is not None and speaker_id not in registry:
        return "speaker-id-unknown", _unregistered("speaker_id", speaker_id, registry)
    return None


def _unregistered(name: str, value: str, registry: Mapping) -> str:
    # a registry file that is missing reads as an empty registry (a fresh corpus): say so, or every
    # region of a corpus whose registry was lost would be reported without the reason; else the id
    # is mistyped or names an entity new to the corpus, whose record nothing but a person adds
    hint = (" (annotations/entity-registry.jsonl: a new entity gets its record there by hand, README.md)"
            if registry else " (the registry is empty: is annotations/entity-registry.jsonl there?)")
    return f"{name} {printable(value)} is not in the entity registry{hint}"


# Articles repeat their dates: each distinct (value, label) is parsed once (value_problem is pure).
_timex_problem = lru_cache(maxsize=4096)(value_problem)

_LABEL_CHECKS = {
    "QUOTE": _quote_problem,
    "SOURCE": _source_problem,
    **{name: lambda values, label, registry: _timex_problem(values.get("timex_value"), label)
       for name in LAYERS["timex"].labels},
    **{label: _entity_problem for label in LAYERS["entity"].labels},
}


def _drop_dangling_links(annotation: CheckedAnnotation) -> None:
    """A relation whose end was excluded goes with it (the region's problem says why)."""
    regions = annotation.regions
    for link in annotation.links:
        if regions[link.from_id].excluded or regions[link.to_id].excluded:
            link.excluded = True
