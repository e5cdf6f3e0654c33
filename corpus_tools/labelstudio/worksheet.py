"""Annotator worksheets: one YAML file per document, regions named by text and occurrence.

A worksheet records an annotator's decisions without offsets, so it can be written and
reviewed by a person: each region gives its ``text`` and which ``occurrence`` of that text
in the normalized document it means (1-based; matches counted with ``str.find`` from the
previous match's start + 1, so overlapping matches count). ``resolve`` turns a worksheet
into ``records.DocumentAnnotations`` against a normalized text; the Label Studio tooling
submits those as an annotator's annotation.

Format (see docs/annotation-guidelines.md for what the values mean)::

    doc_id: 000_cbeedfbee8440207
    regions:
      - {id: e1, layer: entity, label: PERSON, text: "Bashar Al-Assad", occurrence: 1,
         entity_id: bashar-al-assad}
      - {id: t1, layer: timex, label: DATE, text: "Sunday", occurrence: 1,
         timex_value: "2024-WXX-7", timex_mod: null}
      - {id: q1, layer: attribution, label: QUOTE, text: "...", occurrence: 1, quote_type: direct}
      - {id: s1, layer: attribution, label: SOURCE, text: "he", occurrence: 3,
         speaker_id: bashar-al-assad}
      - {id: c1, layer: attribution, label: CUE, text: "said", occurrence: 2}
    relations:
      - [q1, said_by, s1]
      - [q1, cue, c1]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Hashable

import yaml

from corpus_tools import records
from corpus_tools.errors import CorpusError, Location, keys_wrong
from corpus_tools.fsutil import file_errors, open_input
from corpus_tools.schema import LAYERS, REGION_VALUES, RELATIONS, TIMEX_MODS, QUOTE_TYPES
from corpus_tools.strictjson import kind_of

# A worksheet region carries the per-region values of its (layer, label) that the schema defines
# (schema.REGION_VALUES). Each is a key the region must have, so an annotator decides it even
# when the decision is null (an entity with no registry id), except these two, which may be left out.
_OPTIONAL_KEYS = frozenset({"timex_mod", "speaker_id"})
_VALUES_BY_LABEL = {  # (layer, label) -> {value name: whether the key must be present}
    (layer, label): {name: name not in _OPTIONAL_KEYS for name, value in REGION_VALUES.items()
                     if value.layer == layer and label in value.labels}
    for layer, spec in LAYERS.items() for label in spec.labels
}
_BASE_KEYS = ("id", "layer", "label", "text", "occurrence")


@dataclass(frozen=True, slots=True)
class Region:
    """One annotated region as the annotator wrote it: text + occurrence instead of offsets."""

    id: str
    layer: str
    label: str
    text: str
    occurrence: int
    values: tuple[tuple[str, Any], ...]  # per-region values (entity_id, timex_value, ...)

    def value(self, name: str) -> Any:
        return dict(self.values).get(name)


@dataclass(frozen=True, slots=True)
class Worksheet:
    path: str
    doc_id: str
    regions: tuple[Region, ...]
    relations: tuple[tuple[str, str, str], ...]  # (from region id, relation label, to region id)


def _fail(path: str, region_id: str | None, message: str, code: str = "worksheet-invalid") -> CorpusError:
    return CorpusError(code, message, Location(file=path, region_id=region_id))


def _parse_region(path: str, raw: Any, index: int) -> Region:
    if not isinstance(raw, dict):
        raise _fail(path, None, f"regions[{index}] is not a mapping")
    region_id = raw.get("id")
    if not isinstance(region_id, str) or not region_id:
        raise _fail(path, None, f"regions[{index}] has no string 'id'")
    key = (raw.get("layer"), raw.get("label"))
    allowed = _VALUES_BY_LABEL.get(key)
    if allowed is None:
        raise _fail(path, region_id, f"unknown layer/label {key[0]!r}/{key[1]!r}")
    unknown = sorted(set(raw) - set(_BASE_KEYS) - set(allowed))
    missing = sorted(name for name in (*_BASE_KEYS, *(k for k, req in allowed.items() if req)) if name not in raw)
    if unknown or missing:
        raise _fail(path, region_id, keys_wrong(missing, unknown))
    if not isinstance(raw["text"], str) or not raw["text"]:
        raise _fail(path, region_id, "'text' must be a non-empty string")
    occurrence = raw["occurrence"]
    if not isinstance(occurrence, int) or isinstance(occurrence, bool) or occurrence < 1:
        raise _fail(path, region_id, f"'occurrence' must be an integer >= 1, got {occurrence!r}")
    for name in allowed:
        # YAML reads an unquoted 2024-03-01 as a date, 2024 as a number, yes as true: a value
        # given so would be called missing ("timex_value is required") or fail later as a type
        if raw.get(name) is not None and not isinstance(raw[name], str):
            raise _fail(path, region_id, f"{name} must be a string or null, but YAML read {raw[name]} as "
                        f"{kind_of(raw[name])}: quote it")
    values = tuple((name, raw.get(name)) for name in allowed)
    return Region(region_id, key[0], key[1], raw["text"], occurrence, values)


def _parse_relation(path: str, raw: Any, region_ids: set[str]) -> tuple[str, str, str]:
    if not (isinstance(raw, list) and len(raw) == 3 and all(isinstance(x, str) for x in raw)):
        raise _fail(path, None, f"relation {raw!r} is not [from_id, label, to_id]")
    source, label, target = raw
    if label not in RELATIONS:
        raise _fail(path, source, f"unknown relation {label!r}; expected one of {', '.join(RELATIONS)}")
    for region_id in (source, target):
        if region_id not in region_ids:
            raise _fail(path, region_id, f"relation {raw!r} names a region that does not exist")
    return source, label, target


class _UniqueKeyLoader(yaml.SafeLoader):
    """safe_load that refuses a key twice in one mapping, which YAML forbids and PyYAML reads as
    the last one: a worksheet with ``occurrence`` twice in a region would name another occurrence
    than the annotator meant, and one with ``regions:`` twice would lose the first list."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # '<<' merges on purpose
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):  # the loader's own error says so
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"key {key!r} twice in one mapping",
                                                        key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def load_worksheet(path: str | Path) -> Worksheet:
    """Read and check the structure of one worksheet; raises CorpusError naming file and region."""
    name = str(path)
    # open_input: a FIFO or a device is refused, not waited on or read for ever; what the system
    # refuses is the file-error every path given to the library is
    with file_errors(), open_input(path) as handle:
        data = handle.read()
    try:
        data = yaml.load(data.decode("utf-8"), Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as error:  # its text quotes the source over several lines: the mark says where
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise _fail(name, None, f"not YAML: {where}{error.problem}", code="worksheet-unreadable") from None
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise _fail(name, None, f"cannot read worksheet: {error}", code="worksheet-unreadable") from None
    if not isinstance(data, dict) or not isinstance(data.get("doc_id"), str):
        raise _fail(name, None, "a worksheet is a mapping with a string 'doc_id'")
    raw_regions = data.get("regions") or []
    if not isinstance(raw_regions, list):
        raise _fail(name, None, "'regions' must be a list")
    regions = tuple(_parse_region(name, raw, i) for i, raw in enumerate(raw_regions))
    ids = [region.id for region in regions]
    duplicates = sorted({region_id for region_id in ids if ids.count(region_id) > 1})
    if duplicates:
        raise _fail(name, duplicates[0], f"duplicate region ids {duplicates}")
    raw_relations = data.get("relations") or []
    if not isinstance(raw_relations, list):
        raise _fail(name, None, "'relations' must be a list")
    relations = tuple(_parse_relation(name, raw, set(ids)) for raw in raw_relations)
    return Worksheet(name, data["doc_id"], regions, relations)


def find_occurrence(text: str, needle: str, occurrence: int) -> int | None:
    """Start of the ``occurrence``-th (1-based, overlapping) match of ``needle``, or None."""
    start = -1
    for _ in range(occurrence):
        start = text.find(needle, start + 1)
        if start < 0:
            return None
    return start


def count_occurrences(text: str, needle: str) -> int:
    count, start = 0, text.find(needle)
    while start >= 0:
        count, start = count + 1, text.find(needle, start + 1)
    return count


def _span_of(worksheet: Worksheet, region: Region, text: str) -> records.Span:
    start = find_occurrence(text, region.text, region.occurrence)
    if start is None:
        found = count_occurrences(text, region.text)
        what = "not found" if found == 0 else f"occurrence {region.occurrence} out of range (found {found})"
        raise CorpusError("worksheet-region-unresolved", f"{region.text!r}: {what} in the normalized text",
                          Location(file=worksheet.path, doc_id=worksheet.doc_id, region_id=region.id))
    return records.Span(start, start + len(region.text))


def _check_choice(worksheet: Worksheet, region: Region, name: str, allowed: tuple[str, ...], optional: bool) -> None:
    value = region.value(name)
    if (value is None and optional) or value in allowed:
        return
    raise _fail(worksheet.path, region.id, f"{name} {value!r} is not one of {', '.join(allowed)}")


def _entity(worksheet: Worksheet, region: Region, span: records.Span) -> records.EntityMention:
    return records.EntityMention(region.id, worksheet.doc_id, span, region.text, region.label,
                                 region.value("entity_id") or None)


def _timex(worksheet: Worksheet, region: Region, span: records.Span) -> records.TimeExpression:
    _check_choice(worksheet, region, "timex_mod", TIMEX_MODS, optional=True)
    value = region.value("timex_value")
    if not isinstance(value, str) or not value:
        raise _fail(worksheet.path, region.id, "timex_value is required")
    return records.TimeExpression(region.id, worksheet.doc_id, span, region.text, region.label,
                                  value, region.value("timex_mod"))


def _attribution(worksheet: Worksheet, region: Region, span: records.Span) -> tuple[Region, records.Span]:
    # Attribution regions are joined by relations afterwards; keep them as they are for now.
    if region.label == "QUOTE":
        _check_choice(worksheet, region, "quote_type", QUOTE_TYPES, optional=False)
    return region, span


_BUILDERS: dict[str, Callable[[Worksheet, Region, records.Span], Any]] = {
    "entity": _entity,
    "timex": _timex,
    "attribution": _attribution,
}


def _quotes(worksheet: Worksheet, parts: dict[str, tuple[Region, records.Span]]) -> tuple[records.Quote, ...]:
    links: dict[tuple[str, str], str] = {}
    linked: set[str] = set()
    for source, label, target in worksheet.relations:
        expected = RELATIONS[label]
        actual = (parts[source][0].label if source in parts else None, parts[target][0].label if target in parts else None)
        if actual != expected:
            raise _fail(worksheet.path, source, f"relation {label} must go from {expected[0]} to {expected[1]}")
        if (source, label) in links:
            raise _fail(worksheet.path, source, f"QUOTE has more than one {label} relation")
        links[(source, label)] = target
        linked.add(target)
    for region_id, (region, _) in parts.items():
        if region.label != "QUOTE" and region_id not in linked:
            raise _fail(worksheet.path, region_id, f"{region.label} is not linked from any QUOTE")
    quotes = []
    for region_id, (region, span) in parts.items():
        if region.label != "QUOTE":
            continue
        source_id, cue_id = links.get((region_id, "said_by")), links.get((region_id, "cue"))
        source = cue = None
        if source_id:
            s_region, s_span = parts[source_id]
            source = records.Source(source_id, s_span, s_region.text, s_region.value("speaker_id") or None)
        if cue_id:
            c_region, c_span = parts[cue_id]
            cue = records.Cue(cue_id, c_span, c_region.text)
        quotes.append(records.Quote(region_id, worksheet.doc_id, span, region.text,
                                    region.value("quote_type"), source, cue))
    return tuple(quotes)


def resolve(worksheet: Worksheet, text: str) -> records.DocumentAnnotations:
    """Resolve every region against the normalized ``text``; raises CorpusError on the first miss."""
    built: dict[str, list[Any]] = {layer: [] for layer in _BUILDERS}
    for region in worksheet.regions:
        span = _span_of(worksheet, region, text)
        built[region.layer].append(_BUILDERS[region.layer](worksheet, region, span))
    entities = tuple(sorted(built["entity"], key=lambda e: (e.span, e.id)))
    _check_entities_flat(worksheet, entities)
    timexes = tuple(sorted(built["timex"], key=lambda t: (t.span, t.id)))
    parts = {region.id: (region, span) for region, span in built["attribution"]}
    quotes = tuple(sorted(_quotes(worksheet, parts), key=lambda q: (q.span, q.id)))
    return records.DocumentAnnotations(worksheet.doc_id, entities, timexes, quotes)


def _check_entities_flat(worksheet: Worksheet, entities: tuple[records.EntityMention, ...]) -> None:
    # The schema keeps entities flat (OntoNotes): two overlapping entity spans are an error.
    for left, right in zip(entities, entities[1:]):
        if left.span.overlaps(right.span):
            raise _fail(worksheet.path, right.id, f"entity {right.text!r} overlaps entity {left.id} {left.text!r}")
