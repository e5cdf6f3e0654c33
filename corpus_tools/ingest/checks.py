"""Validation of Label Studio exports against the annotation contract: problems as data.

``check_task`` reads one exported task: it parses every annotation's results into regions,
per-region values and relations, runs every check, and returns a ``CheckedTask`` holding the
problems found and the parsed annotations with each erroneous unit (region, relation,
annotation, task) marked excluded. ``validate_export`` streams a whole file through it and
returns an ``errors.Report``; ingest and the annotation set (corpus_tools.annotations.consolidate) use the
same ``check_task``, so what validation reports is exactly what they exclude.

Every problem code is listed in ``PROBLEM_CODES`` with its severity and is documented in
docs/validation.md. Spans are checked against the text the task carries; when that text is not
the document's current normalized text, spans are re-anchored onto the current text
(corpus_tools.documents.align) and each one that cannot be mapped exactly is reported.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, Mapping

from corpus_tools.documents.align import TextAlignment
from corpus_tools.codes import CATALOGUE
from corpus_tools.errors import Location, Problem, Report
from corpus_tools.ingest.reader import ExportStream
from corpus_tools.records import Document, RegistryEntity
from corpus_tools.schema import LAYERS, REGION_VALUES, RELATIONS, TEXT_NAME
from corpus_tools.timex import check_value

# The codes of these checks, each with its severity (the catalogue's, corpus_tools.codes).
PROBLEM_CODES = {name: code.severity for name, code in CATALOGUE.items() if code.stage == "validation"}

# Label Studio's result ``type`` for each kind of control in the schema.
RESULT_TYPES = {"Labels": "labels", "TextArea": "textarea", "Choices": "choices"}
RELATION_DIRECTIONS = ("right", "left", "bi")


@dataclass(frozen=True, slots=True)
class Context:
    """What tasks are checked against: the export's name, current documents, the registry."""

    file: str
    documents: Mapping[str, Document]
    registry: Mapping[str, RegistryEntity]


@dataclass(slots=True)
class Region:
    """A labelled span of one annotation, with its per-region values, as parsed (mutable work state)."""

    id: str
    layer: str
    label: str | None = None
    start: int = 0  # in the task's text
    end: int = 0
    text: str = ""  # the task text's slice (not Label Studio's value.text)
    values: dict[str, str] = field(default_factory=dict)
    span: tuple[int, int] | None = None  # in the document's current text, once re-anchored
    excluded: bool = False


@dataclass(frozen=True, slots=True)
class Link:
    """A relation, oriented from the QUOTE to its SOURCE or CUE."""

    from_id: str
    to_id: str
    label: str


@dataclass(slots=True)
class CheckedAnnotation:
    id: Any
    position: int  # in the task's list of annotations
    annotator: str | None
    ground_truth: bool
    cancelled: bool
    updated_at: str | None
    created_at: str | None
    regions: dict[str, Region] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    excluded: bool = False


@dataclass(slots=True)
class CheckedTask:
    task_id: Any
    doc_id: str | None
    document: Document | None
    problems: list[Problem] = field(default_factory=list)
    annotations: list[CheckedAnnotation] = field(default_factory=list)
    excluded: bool = False
    reanchored: int = 0
    # The document's current normalized text and its SHA-256, which region spans index (None
    # when the task cannot be used).
    text: str | None = None
    text_sha256: str | None = None


class _Reporter:
    """Creates located problems for one task and marks what each error excludes."""

    def __init__(self, context: Context, checked: CheckedTask):
        self.context = context
        self.checked = checked

    def task(self, code: str, message: str) -> None:
        self.add(code, message, None, None)
        if PROBLEM_CODES[code] == "error":
            self.checked.excluded = True

    def annotation(self, annotation: CheckedAnnotation, code: str, message: str) -> None:
        self.add(code, message, annotation.id, None)
        if PROBLEM_CODES[code] == "error":
            annotation.excluded = True

    def region(self, annotation: CheckedAnnotation, region: Region | None, region_id: Any, code: str,
               message: str) -> None:
        self.add(code, message, annotation.id, region_id)
        if region is not None and PROBLEM_CODES[code] == "error":
            region.excluded = True

    def add(self, code: str, message: str, annotation_id: Any, region_id: Any) -> None:
        location = Location(file=self.context.file, task_id=self.checked.task_id, doc_id=self.checked.doc_id,
                            annotation_id=annotation_id, region_id=None if region_id is None else str(region_id))
        self.checked.problems.append(Problem(code, message, location))


# ---------------------------------------------------------------------------------------------
# Task level


def check_task(task: dict[str, Any], context: Context) -> CheckedTask:
    """Parse and check one exported task (already shape-checked by corpus_tools.ingest.reader)."""
    data = task["data"]
    doc_id = data.get("doc_id")
    checked = CheckedTask(task_id=task["id"], doc_id=doc_id if isinstance(doc_id, str) else None, document=None)
    report = _Reporter(context, checked)
    if checked.doc_id is None:
        report.task("task-doc-id-missing", "the task's data has no doc_id (string): it was not made by "
                    "`corpus-tools labelstudio tasks`")
    else:
        checked.document = context.documents.get(checked.doc_id)
        if checked.document is None:
            report.task("doc-unknown", f"doc_id {checked.doc_id!r} is not a document of this corpus")
    text = _task_text(data, checked.document, report)
    if text is None:
        return checked
    alignment = _alignment(text, checked.document, report)
    if checked.document is not None:
        checked.text, checked.text_sha256 = checked.document.text, checked.document.text_sha256
    for position, annotation in enumerate(task["annotations"]):
        parsed = _check_annotation(annotation, position, text, report)
        if parsed is not None:
            if not parsed.cancelled:
                _reanchor(parsed, alignment, checked, report)
            checked.annotations.append(parsed)
    return checked


def _task_text(data: dict, document: Document | None, report: _Reporter) -> str | None:
    text = data.get("text")
    if not isinstance(text, str):
        report.task("task-text-missing", "the task's data has no text: its spans cannot be checked")
        return None
    stated = data.get("text_sha256")
    if stated is not None and stated != hashlib.sha256(text.encode("utf-8")).hexdigest():
        report.task("text-sha256-mismatch", f"data.text_sha256 {str(stated)[:16]}... is not the SHA-256 of "
                    "data.text: the task was edited after it was made")
    return text


def _alignment(text: str, document: Document | None, report: _Reporter) -> TextAlignment | None:
    if document is None or text == document.text:
        return None
    report.task("text-changed", f"the task's text ({len(text)} characters) is not the document's current "
                f"normalized text ({len(document.text)} characters): spans are re-anchored onto the current text")
    return TextAlignment(text, document.text)


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
            report.region(annotation, region, region.id, "span-unmappable",
                          f"{region.label} [{region.start}, {region.end}) {region.text[:60]!r} has no exact "
                          "counterpart in the current text (the text changed inside or around it)")
        elif region.span != (region.start, region.end):
            checked.reanchored += 1


def usable_doc_id(task: dict[str, Any], documents: Mapping[str, Document]) -> str | None:
    """The doc_id of a task whose annotations can be used at all, else None.

    The same conditions under which ``check_task`` excludes a whole task (no doc_id, unknown
    doc_id, no text), without the rest of the checks: for a quick first pass over stored exports.
    Asks ``documents`` only whether it holds the doc_id (a lazy Mapping builds no document for it).
    """
    data = task["data"]
    doc_id = data.get("doc_id")
    if not isinstance(doc_id, str) or not isinstance(data.get("text"), str) or doc_id not in documents:
        return None
    return doc_id


def usable_annotation(annotation: Any) -> bool:
    """Whether ``check_task`` would use the annotation at all (an object with an id and a result
    list, not cancelled); its regions and relations may still be excluded one by one."""
    return (isinstance(annotation, dict) and annotation.get("id") is not None
            and annotation.get("was_cancelled") is not True and isinstance(annotation.get("result"), list))


# ---------------------------------------------------------------------------------------------
# Annotation level


def annotator_of(completed_by: Any) -> str | None:
    """Label Studio writes completed_by as a user id, or as a user object in some exports."""
    if isinstance(completed_by, dict):
        completed_by = completed_by.get("id")
    return None if completed_by is None else str(completed_by)


def _check_annotation(annotation: Any, position: int, text: str, report: _Reporter) -> CheckedAnnotation | None:
    if not isinstance(annotation, dict) or annotation.get("id") is None:
        # Without an id, the annotation is named by its position in the task ("#1" is the first).
        report.add("annotation-malformed", "an annotation is not an object with an id", f"#{position + 1}", None)
        return None
    parsed = CheckedAnnotation(
        id=annotation["id"], position=position, annotator=annotator_of(annotation.get("completed_by")),
        ground_truth=annotation.get("ground_truth") is True, cancelled=annotation.get("was_cancelled") is True,
        updated_at=annotation.get("updated_at"), created_at=annotation.get("created_at"),
    )
    if parsed.cancelled:
        report.annotation(parsed, "annotation-cancelled", "cancelled (skipped) annotation: not checked, not used")
        return parsed
    results = annotation.get("result")
    if not isinstance(results, list):
        report.annotation(parsed, "annotation-malformed", "the annotation's result is not a list")
        return parsed
    values, relations = [], []
    kinds = _RESULT_KINDS
    for result in results:
        # The common, well-formed case inline (a function call per result costs more than its
        # work, and subscripts less than .get): a missing key (KeyError), a result that is no
        # object or an unhashable part (TypeError) send it to _sort_result, which does it all
        # again one check at a time, to say what is wrong.
        try:
            result_type = result["type"]
            if result_type == "relation" and type(result) is dict:
                relations.append(result)
                continue
            kind = kinds.get((result["from_name"], result_type, result["to_name"]))
            region_id, value = result["id"], result["value"]
        except (KeyError, TypeError):
            kind = None
        if kind is not None and type(result) is dict and type(region_id) is str and region_id and type(value) is dict:
            if kind == "Labels":
                _add_region(result, parsed, text, report)
            else:
                values.append(result)
            continue
        _sort_result(result, parsed, values, relations, text, report)
    for result in values:
        _attach_value(result, parsed, report)
    for result in relations:
        _add_link(result, parsed, report)
    _check_regions(parsed, report)
    return parsed


def _sort_result(result: Any, annotation: CheckedAnnotation, values: list, relations: list, text: str,
                 report: _Reporter) -> None:
    """Dispatch one result by kind: a labelled region, a per-region value, or a relation."""
    if type(result) is not dict:
        report.region(annotation, None, None, "result-malformed", f"a result is a {type(result).__name__}, not an object")
        return
    result_type = result.get("type")
    if result_type == "relation":
        relations.append(result)
        return
    # The common case in one lookup (only all-string keys are in the table, so no other key
    # matches; an unhashable part raises); anything unexpected goes to _misfit for its diagnosis.
    try:
        kind = _RESULT_KINDS.get((result.get("from_name"), result_type, result.get("to_name")))
    except TypeError:
        kind = None
    region_id = result.get("id")
    if kind is None or type(region_id) is not str or not region_id or type(result.get("value")) is not dict:
        _misfit(result, annotation, report)
    elif kind == "Labels":
        _add_region(result, annotation, text, report)
    else:
        values.append(result)


# (from_name, type, to_name) of every well-formed result of the schema -> the kind of control
_RESULT_KINDS = {
    **{(name, RESULT_TYPES["Labels"], TEXT_NAME): "Labels" for name in LAYERS},
    **{(name, RESULT_TYPES[spec.control], TEXT_NAME): spec.control for name, spec in REGION_VALUES.items()},
}


def _misfit(result: dict, annotation: CheckedAnnotation, report: _Reporter) -> None:
    """Say what is wrong with a result that is not one of _RESULT_KINDS."""
    name, region_id = result.get("from_name"), result.get("id")
    if not isinstance(region_id, str) or not region_id or not isinstance(result.get("value"), dict):
        report.region(annotation, None, region_id, "result-malformed",
                      f"a {name!r} result lacks its region id or its value object")
        return
    if not isinstance(name, str):
        kind = None
    else:
        kind = "Labels" if name in LAYERS else REGION_VALUES[name].control if name in REGION_VALUES else None
    if kind is None or result.get("to_name") != TEXT_NAME:
        report.region(annotation, None, region_id, "unknown-control",
                      f"control {name!r} -> {result.get('to_name')!r} is not in the schema (controls: "
                      f"{', '.join([*LAYERS, *REGION_VALUES])}, on {TEXT_NAME!r})")
        return
    report.region(annotation, None, region_id, "control-type-mismatch",
                  f"{name!r} is a {kind} control, but this result has type {result.get('type')!r}")


# ---------------------------------------------------------------------------------------------
# Regions



def _add_region(result: dict, annotation: CheckedAnnotation, text: str, report: _Reporter) -> None:
    region_id, value, regions = result["id"], result["value"], annotation.regions
    layer = result["from_name"]
    try:  # subscripts cost less than .get; a missing key is for _add_checked_region to report
        labels, start, end = value["labels"], value["start"], value["end"]
    except KeyError:
        labels = start = end = None
    # The usual region (one known label, a non-empty span inside the text) built in one step;
    # _add_checked_region does the same checks one by one for anything else, to say what is wrong.
    if (region_id not in regions and type(labels) is list and len(labels) == 1 and type(labels[0]) is str
            and labels[0] in _LAYER_LABEL_SETS[layer]
            and type(start) is int and type(end) is int and 0 <= start < end <= len(text)):
        region = regions[region_id] = Region(region_id, layer, labels[0], start, end, text[start:end])
        stated = value.get("text")
        if stated != region.text and isinstance(stated, str):
            _text_difference(region, stated, text, annotation, report)
        return
    _add_checked_region(result, annotation, text, report)


def _add_checked_region(result: dict, annotation: CheckedAnnotation, text: str, report: _Reporter) -> None:
    """_add_region, one check at a time (its fast path must agree: tests/test_validate.py)."""
    region_id, value, regions = result["id"], result["value"], annotation.regions
    region = Region(region_id, result["from_name"])
    if region_id in regions:
        report.region(annotation, regions[region_id], region_id, "region-id-duplicate",
                      "two labelled regions share this id")
        return
    regions[region_id] = region
    _check_label(region, value.get("labels"), annotation, report)
    start, end = value.get("start"), value.get("end")
    if type(start) is not int or type(end) is not int:  # not bool either, an int subclass
        report.region(annotation, region, region_id, "offset-not-integer",
                      f"offsets must be integers, got start={start!r} end={end!r}")
        return
    if not 0 <= start <= end <= len(text):
        report.region(annotation, region, region_id, "offset-out-of-range",
                      f"[{start}, {end}) is not within the text of {len(text)} characters")
        return
    region.start, region.end, region.text = start, end, text[start:end]
    if start == end:
        report.region(annotation, region, region_id, "span-empty", f"the span [{start}, {end}) is empty")
        return
    stated = value.get("text")
    if stated != region.text and isinstance(stated, str):
        _text_difference(region, stated, text, annotation, report)


_LAYER_LABEL_SETS = {name: frozenset(spec.labels) for name, spec in LAYERS.items()}


def _check_label(region: Region, labels: Any, annotation: CheckedAnnotation, report: _Reporter) -> None:
    if not isinstance(labels, list) or len(labels) != 1:
        report.region(annotation, region, region.id, "label-count",
                      f"a region carries exactly one label, this one {labels!r}")
        return
    allowed = LAYERS[region.layer].labels
    if labels[0] not in allowed:
        report.region(annotation, region, region.id, "unknown-label",
                      f"{labels[0]!r} is not a {region.layer} label ({', '.join(allowed)})")
        return
    region.label = labels[0]


def _collapse(text: str) -> str:
    """Label Studio's value.text collapses whitespace runs and writes newlines as backslash-n."""
    return " ".join(text.replace("\\n", "\n").split())


def _text_difference(region: Region, stated: str, text: str, annotation: CheckedAnnotation,
                     report: _Reporter) -> None:
    where = f"[{region.start}, {region.end})"
    if _collapse(stated) == _collapse(region.text):
        report.region(annotation, region, region.id, "span-text-whitespace",
                      f"value.text differs from text{where} only in whitespace/newline escaping")
        return
    if _utf16_slice(text, region.start, region.end) == stated:
        report.region(annotation, region, region.id, "span-offsets-utf16",
                      f"{where} counts UTF-16 units, not code points: value.text {stated[:40]!r} sits there in "
                      f"UTF-16, the code-point slice is {region.text[:40]!r}")
        return
    report.region(annotation, region, region.id, "span-text-mismatch",
                  f"value.text {stated[:60]!r} is not text{where} {region.text[:60]!r}")


def _utf16_slice(text: str, start: int, end: int) -> str | None:
    encoded = text.encode("utf-16-le", "surrogatepass")
    if len(encoded) == 2 * len(text):
        return None  # no astral characters: UTF-16 and code-point offsets agree
    return encoded[2 * start:2 * end].decode("utf-16-le", "replace")


# ---------------------------------------------------------------------------------------------
# Per-region values


def _attach_value(result: dict, annotation: CheckedAnnotation, report: _Reporter) -> None:
    name, region_id = result["from_name"], result["id"]
    spec = REGION_VALUES[name]
    region = annotation.regions.get(region_id)
    if region is None:
        report.region(annotation, None, region_id, "region-value-orphan",
                      f"{name} value for a region that does not exist in this annotation")
        return
    if region.label is not None and (region.layer != spec.layer or region.label not in spec.labels):
        report.region(annotation, region, region_id, "region-value-wrong-label",
                      f"{name} applies to {', '.join(spec.labels)}, not to a {region.label}")
        return
    if name in region.values:
        report.region(annotation, region, region_id, "region-value-duplicate", f"{name} is given twice")
        return
    value = result["value"]
    texts = value.get("text") if spec.control == "TextArea" else None
    if type(texts) is list and len(texts) == 1 and type(texts[0]) is str:  # the usual text value, inline
        value = texts[0].strip() or None
    else:
        value = _read_value(value, spec)
    if isinstance(value, _Invalid):
        report.region(annotation, region, region_id, "region-value-invalid", f"{name}: {value.reason}")
    elif value:
        region.values[name] = value


@dataclass(frozen=True, slots=True)
class _Invalid:
    reason: str


def _read_value(value: dict, spec) -> str | _Invalid | None:
    if spec.control == "TextArea":
        texts = value.get("text")
        if type(texts) is list and len(texts) == 1 and type(texts[0]) is str:  # the usual shape
            return texts[0].strip() or None
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list) or not all(isinstance(item, str) for item in texts):
            return _Invalid(f"expected a list of strings in value.text, got {texts!r}")
        filled = [item.strip() for item in texts if item.strip()]
        if len(filled) > 1:
            return _Invalid(f"expected one value, got {len(filled)}: {filled!r}")
        return filled[0] if filled else None
    choices = value.get("choices")
    if not isinstance(choices, list) or len(choices) != 1:
        return _Invalid(f"expected exactly one choice, got {choices!r}")
    if choices[0] not in spec.choices:
        return _Invalid(f"{choices[0]!r} is not one of {', '.join(spec.choices)}")
    return choices[0]


# ---------------------------------------------------------------------------------------------
# Relations


def _add_link(result: dict, annotation: CheckedAnnotation, report: _Reporter) -> None:
    from_id, to_id = result.get("from_id"), result.get("to_id")
    labels, direction = result.get("labels"), result.get("direction", "right")
    regions = annotation.regions
    # The usual relation, straight to its link: one known label, both ends in this annotation
    # with the labels it joins, drawn in the arrow's direction.
    if (direction == "right" and type(from_id) is str and type(to_id) is str and type(labels) is list
            and len(labels) == 1 and type(labels[0]) is str):
        ends = RELATIONS.get(labels[0])
        source, target = regions.get(from_id), regions.get(to_id)
        if (ends is not None and source is not None and target is not None
                and source.label == ends[0] and target.label == ends[1]):
            annotation.links.append(Link(from_id, to_id, labels[0]))
            return
    _add_checked_link(result, annotation, report)


def _add_checked_link(result: dict, annotation: CheckedAnnotation, report: _Reporter) -> None:
    """_add_link, one check at a time (its fast path must agree: tests/test_validate.py)."""
    from_id, to_id = result.get("from_id"), result.get("to_id")
    key = f"{from_id}->{to_id}"
    labels, direction = result.get("labels"), result.get("direction", "right")
    if not isinstance(from_id, str) or not isinstance(to_id, str) or direction not in RELATION_DIRECTIONS:
        report.region(annotation, None, key, "relation-malformed",
                      f"a relation needs string from_id and to_id and a direction in {RELATION_DIRECTIONS}")
        return
    if not isinstance(labels, list) or len(labels) != 1:
        report.region(annotation, None, key, "relation-malformed", f"a relation carries exactly one label, "
                      f"this one {labels!r} ({' or '.join(RELATIONS)})")
        return
    if not isinstance(labels[0], str) or labels[0] not in RELATIONS:
        report.region(annotation, None, key, "relation-unknown-label",
                      f"{labels[0]!r} is not a relation label ({', '.join(RELATIONS)})")
        return
    ends = [annotation.regions.get(from_id), annotation.regions.get(to_id)]
    if None in ends:
        missing = [rid for rid, region in zip((from_id, to_id), ends) if region is None]
        report.region(annotation, None, key, "relation-endpoint-missing",
                      f"{labels[0]} relation to region(s) {', '.join(missing)} not in this annotation")
        return
    oriented = _orient(labels[0], from_id, to_id, direction, annotation)
    if oriented is None:
        expected = " -> ".join(RELATIONS[labels[0]])
        found = " -> ".join(str(region.label or region.layer) for region in ends)
        report.region(annotation, None, key, "relation-endpoint-wrong-label",
                      f"{labels[0]} goes {expected}; this one joins {found}")
        return
    annotation.links.append(oriented)


def _orient(label: str, from_id: str, to_id: str, direction: str, annotation: CheckedAnnotation) -> Link | None:
    """Label Studio keeps the drawing order in from/to and the arrow in ``direction``."""
    want_from, want_to = RELATIONS[label]
    for source, target in _ORIENTATIONS[direction](from_id, to_id):
        if (annotation.regions[source].label, annotation.regions[target].label) == (want_from, want_to):
            return Link(source, target, label)
    return None


# direction -> the (from, to) orders a relation drawn from_id -> to_id may be read in
_ORIENTATIONS = {
    "right": lambda from_id, to_id: ((from_id, to_id),),
    "left": lambda from_id, to_id: ((to_id, from_id),),
    "bi": lambda from_id, to_id: ((from_id, to_id), (to_id, from_id)),
}


# ---------------------------------------------------------------------------------------------
# Checks across the regions of one annotation


def _check_regions(annotation: CheckedAnnotation, report: _Reporter) -> None:
    _check_overlaps(annotation, report)
    _check_quotes(annotation, report)
    context = report.context
    for region in annotation.regions.values():
        check = _LABEL_CHECKS.get(region.label)
        if check is not None:
            check(region, annotation, report, context)


def _check_overlaps(annotation: CheckedAnnotation, report: _Reporter) -> None:
    entities = [region for region in annotation.regions.values()
                if region.layer == "entity" and region.end > region.start]
    entities.sort(key=_SPAN_ORDER)
    widest: Region | None = None
    for region in entities:
        if widest is not None and region.start < widest.end:
            for one, other in ((region, widest), (widest, region)):
                report.region(annotation, one, one.id, "entity-overlap",
                              f"entity [{one.start}, {one.end}) overlaps entity {other.id} "
                              f"[{other.start}, {other.end}); entity spans do not overlap")
        if widest is None or region.end > widest.end:
            widest = region


_SPAN_ORDER = attrgetter("start", "end")


def _check_quotes(annotation: CheckedAnnotation, report: _Reporter) -> None:
    counts = Counter((link.from_id, link.label) for link in annotation.links)
    for (quote_id, label), count in sorted(counts.items()):
        if count > 1:
            code = {"said_by": "quote-multiple-said-by", "cue": "quote-multiple-cue"}[label]
            report.region(annotation, annotation.regions[quote_id], quote_id, code,
                          f"a QUOTE has at most one {label} relation, this one has {count}")
    linked = {link.to_id for link in annotation.links}
    for region in annotation.regions.values():
        if region.label in ("SOURCE", "CUE") and region.id not in linked:
            report.region(annotation, region, region.id, "attribution-unlinked",
                          f"this {region.label} is not linked from any QUOTE, so it is left out of the quotes")


def _check_quote(region: Region, annotation: CheckedAnnotation, report: _Reporter, context: Context) -> None:
    if "quote_type" not in region.values:
        report.region(annotation, region, region.id, "quote-type-missing",
                      "a QUOTE needs quote_type (direct, indirect or mixed)")


def _check_timex(region: Region, annotation: CheckedAnnotation, report: _Reporter, context: Context) -> None:
    value = region.values.get("timex_value")
    if value is None:
        report.region(annotation, region, region.id, "timex-value-missing",
                      f"a {region.label} needs its TIMEX3 value in timex_value")
        return
    reason = _timex_reason(value, region.label)
    if reason is not None:
        report.region(annotation, region, region.id, "timex-value-invalid", reason)


def _check_entity(region: Region, annotation: CheckedAnnotation, report: _Reporter, context: Context) -> None:
    entity_id = region.values.get("entity_id")
    if entity_id is None:
        return
    entity = context.registry.get(entity_id)
    if entity is None:
        report.region(annotation, region, region.id, "entity-id-unknown",
                      f"entity_id {entity_id!r} is not in the entity registry")
    elif entity.type != region.label:
        report.region(annotation, region, region.id, "entity-type-mismatch",
                      f"{entity_id!r} is a {entity.type} in the registry, labelled {region.label} here")


def _check_source(region: Region, annotation: CheckedAnnotation, report: _Reporter, context: Context) -> None:
    speaker_id = region.values.get("speaker_id")
    if speaker_id is not None and speaker_id not in context.registry:
        report.region(annotation, region, region.id, "speaker-id-unknown",
                      f"speaker_id {speaker_id!r} is not in the entity registry")


# Articles repeat their dates: each distinct (value, label) is parsed once (check_value is pure).
_timex_reason = lru_cache(maxsize=4096)(check_value)

_LABEL_CHECKS = {
    "QUOTE": _check_quote,
    "SOURCE": _check_source,
    **{label: _check_timex for label in LAYERS["timex"].labels},
    **{label: _check_entity for label in LAYERS["entity"].labels},
}


# ---------------------------------------------------------------------------------------------
# What the records of an annotation are made of


def kept_units(annotation: CheckedAnnotation) -> list[list]:
    """The units of a checked annotation that its records keep, in a compact JSON-able form:
    ``[entities, timexes, quotes]``, each sorted by (start, end, id) as the records are, with

    * entity ``[id, start, end, label, entity_id]``;
    * timex ``[id, start, end, label, value, mod]``;
    * quote ``[id, start, end, quote_type, source, cue]``, source ``[id, start, end, speaker_id]``
      or None, cue ``[id, start, end]`` or None.

    Offsets index the document's current text. Every unit validation excluded is left out, and
    so are a SOURCE or CUE no QUOTE links (they are in no record). corpus_tools.annotations.consolidate
    builds the records from this form only, whether it comes fresh from the checks or from a
    validation record (which stores it), so the two cannot differ.
    """
    entities, timexes, quote_regions = [], [], []
    for region in annotation.regions.values():
        if region.excluded or region.span is None or region.label is None:
            continue
        layer, values = region.layer, region.values
        if layer == "entity":
            entities.append([region.id, *region.span, region.label, values.get("entity_id")])
        elif layer == "timex":
            timexes.append([region.id, *region.span, region.label, values["timex_value"], values.get("timex_mod")])
        elif region.label == "QUOTE":
            quote_regions.append(region)
    quotes = _quote_units(quote_regions, annotation) if quote_regions else []
    entities.sort(key=_UNIT_ORDER)
    timexes.sort(key=_UNIT_ORDER)
    return [entities, timexes, quotes]


def _quote_units(quote_regions: list[Region], annotation: CheckedAnnotation) -> list[list]:
    """The kept units of the QUOTEs of ``annotation``, each with its kept SOURCE and CUE."""
    regions = annotation.regions
    links = {(link.from_id, link.label): link.to_id for link in annotation.links}
    quotes = []
    for region in quote_regions:
        source = _kept(regions.get(links.get((region.id, "said_by"))))
        cue = _kept(regions.get(links.get((region.id, "cue"))))
        quotes.append([region.id, *region.span, region.values["quote_type"],
                       None if source is None else [source.id, *source.span, source.values.get("speaker_id")],
                       None if cue is None else [cue.id, *cue.span]])
    quotes.sort(key=_UNIT_ORDER)
    return quotes


def _kept(region: Region | None) -> Region | None:
    """``region`` if its records may keep it, else None."""
    if region is None or region.excluded or region.span is None or region.label is None:
        return None
    return region


_UNIT_ORDER = itemgetter(1, 2, 0)  # a kept unit's (start, end, id): the records' order


# ---------------------------------------------------------------------------------------------
# Whole exports


@dataclass(slots=True)
class Tally:
    """Counts kept while streaming, reported as Report.stats."""

    counts: Counter = field(default_factory=Counter)

    def add(self, checked: CheckedTask) -> None:
        self.add_counts(task_counts(checked))

    def add_counts(self, counts: Mapping[str, int]) -> None:
        """Add one task's ``task_counts`` (as a validation record replays them)."""
        self.counts.update(counts)


def task_counts(checked: CheckedTask) -> dict[str, int]:
    """What one checked task adds to a Tally (an annotation count only when it has annotations)."""
    counts = {"tasks": 1, "tasks_excluded": int(checked.excluded),
              "tasks_text_changed": int(any(p.code == "text-changed" for p in checked.problems)),
              "spans_reanchored": checked.reanchored}
    if checked.annotations:
        counts.update(annotations=len(checked.annotations),
                      annotations_cancelled=sum(a.cancelled for a in checked.annotations),
                      regions=sum(len(a.regions) for a in checked.annotations),
                      relations=sum(len(a.links) for a in checked.annotations))
    return counts


def validate_export(path: str | Path, documents: Mapping[str, Document],
                    registry: Mapping[str, RegistryEntity], jobs: int = 1) -> Report:
    """Check every task of the export at ``path`` on ``jobs`` processes (corpus_tools.ingest.parallel);
    raises CorpusError if the file is no export."""
    from corpus_tools.ingest.parallel import check_outcomes  # it builds on this module

    path = Path(path)
    context = Context(file=path.name, documents=documents, registry=registry)
    tally, problems = Tally(), []
    for outcome in check_outcomes(ExportStream(path), context, jobs):
        tally.add_counts(dict(outcome.counts))
        problems.extend(outcome.problems)
    return Report.of(problems, dict(tally.counts))
