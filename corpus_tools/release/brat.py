"""brat standoff for one document, written from a release's rows and read back.

``.ann`` lines, numbered in the order written (entities, time expressions, then each quote with
its SOURCE and CUE; a region shared by two quotes is written once, found by its id: an id that
names two regions is refused before, by ``export.read_documents``):

* ``T``: a text-bound annotation, ``Tn<TAB>TYPE start end<TAB>text``; the type is the entity
  label, the TIMEX3 type, or QUOTE, SOURCE, CUE. A span across line breaks is written as
  fragments (``s1 e1;s2 e2``) split at the breaks, as brat requires; its text field joins them.
* ``#``: ``AnnotatorNotes`` holding the region's id in the release (``id=<id>``; an id with a tab
  or a line break, which ends a field or a line, is ``export-invalid``).
* ``A``: attributes: ``Value`` and ``Mod`` of a time expression, ``QuoteType`` of a quote. A
  type, value or registry id that is empty or holds whitespace (brat splits those fields at
  it) is ``export-invalid``.
* ``N``: normalizations to the entity registry (``Reference Tn corpus_tools_registry:<id>``), of
  entity mentions (``entity_id``) and of sources (``speaker_id``).
* ``R``: relations ``said_by`` (QUOTE to SOURCE) and ``cue`` (QUOTE to CUE).

Offsets are code points into the ``.txt``, which is the normalized text, as brat's server
counts them (it checks each T line's text against the .txt by them). Its web client counts UTF-16
units: it draws a span after an emoji or other character beyond U+FFFF one place off for each
(nlplab/brat#1115, open), where the files are right.
``read_ann`` gives the rows back (``tests/test_export.py`` checks the round trip).
"""

from __future__ import annotations

from collections import defaultdict

from corpus_tools.errors import CorpusError, Location
from corpus_tools.schema import ENTITY_LABELS, QUOTE_TYPES, TIMEX_LABELS

REGISTRY_DB = "corpus_tools_registry"


def _fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    fragments, begin = [], start
    for position in range(start, end + 1):
        if position == end or text[position] == "\n":
            if position > begin:
                fragments.append((begin, position))
            begin = position + 1
    return fragments or [(start, end)]


def _one_field(region_id: str) -> bool:
    """Whether a region id fits in a field of an .ann line: tabs separate the fields, line breaks
    the lines (validation takes any non-empty string as a region id, Label Studio's API too)."""
    return "\t" not in region_id and len(f"{region_id}.".splitlines()) == 1


def _one_word(value: str) -> bool:
    """Whether a value fits in a space-separated field of an .ann line (a type, an attribute's
    value, a reference): brat splits those at any whitespace, and an empty one is no field."""
    return bool(value) and not any(character.isspace() for character in value)


class _Lines:
    def __init__(self, text: str, doc_id: str | None):
        self.text, self.doc_id, self.lines, self.counts, self.regions = text, doc_id, [], defaultdict(int), {}

    def next_id(self, kind: str) -> str:
        self.counts[kind] += 1
        return f"{kind}{self.counts[kind]}"

    def word(self, what: str, value: str, region_id: str) -> str:
        if not _one_word(value):
            # written as it is, brat reads it cut short at the space, and the export's own
            # reading of its A lines (annotation.conf) stopped at a ValueError traceback
            raise CorpusError("export-invalid", f"{what} {value!r} is empty or holds whitespace, which a "
                              "space-separated field of a brat .ann line cannot hold",
                              Location(doc_id=self.doc_id, region_id=region_id))
        return value

    def region(self, region_id: str, kind: str, start: int, end: int) -> str:
        if region_id in self.regions:  # a source or cue that quotes share: one region, written once
            return self.regions[region_id]
        self.word("type", kind, region_id)
        if not _one_field(region_id):
            # written as it is, the note would end at the tab or break: the id read back cut short,
            # the rest a line no brat reader knows
            raise CorpusError("export-invalid", f"region id {region_id!r} holds a tab or a line break, which a "
                              "field of a brat .ann line cannot hold", Location(doc_id=self.doc_id, region_id=region_id))
        fragments = _fragments(self.text, start, end)
        tid = self.next_id("T")
        spans = ";".join(f"{s} {e}" for s, e in fragments)
        self.lines.append(f"{tid}\t{kind} {spans}\t{' '.join(self.text[s:e] for s, e in fragments)}")
        self.lines.append(f"{self.next_id('#')}\tAnnotatorNotes {tid}\tid={region_id}")
        self.regions[region_id] = tid
        return tid

    def attribute(self, name: str, tid: str, value: str | None, region_id: str) -> None:
        if value is not None:
            self.lines.append(f"{self.next_id('A')}\t{name} {tid} {self.word(name, value, region_id)}")

    def reference(self, tid: str, registry_id: str | None, region_id: str) -> None:
        if registry_id is not None:
            self.word("registry id", registry_id, region_id)
            self.lines.append(f"{self.next_id('N')}\tReference {tid} {REGISTRY_DB}:{registry_id}\t{registry_id}")

    def relation(self, kind: str, first: str, second: str) -> None:
        self.lines.append(f"{self.next_id('R')}\t{kind} Arg1:{first} Arg2:{second}")


def document_ann(text: str, entities: list[dict], timexes: list[dict], quotes: list[dict],
                 doc_id: str | None = None) -> str:
    """The .ann of one document from its release rows (labels as names); a region id that a
    field cannot hold, or a type, attribute value or registry id a space-separated one cannot,
    is ``export-invalid``, naming ``doc_id`` and the region."""
    out = _Lines(text, doc_id)
    for mention in entities:
        tid = out.region(mention["id"], mention["label"], mention["start"], mention["end"])
        out.reference(tid, mention["entity_id"], mention["id"])
    for timex in timexes:
        tid = out.region(timex["id"], timex["label"], timex["start"], timex["end"])
        out.attribute("Value", tid, timex["value"], timex["id"])
        out.attribute("Mod", tid, timex["mod"], timex["id"])
    for quote in quotes:
        tid = out.region(quote["id"], "QUOTE", quote["start"], quote["end"])
        out.attribute("QuoteType", tid, quote["quote_type"], quote["id"])
        if quote["source_id"] is not None:
            known = quote["source_id"] in out.regions
            source = out.region(quote["source_id"], "SOURCE", quote["source_start"], quote["source_end"])
            if not known:
                out.reference(source, quote["speaker_id"], quote["source_id"])
            out.relation("said_by", tid, source)
        if quote["cue_id"] is not None:
            out.relation("cue", tid, out.region(quote["cue_id"], "CUE", quote["cue_start"], quote["cue_end"]))
    return "".join(line + "\n" for line in out.lines)


def annotation_conf(attribute_values: dict[str, set[str]], entities: tuple[str, ...] = ENTITY_LABELS,
                    timexes: tuple[str, ...] = TIMEX_LABELS, quote_types: tuple[str, ...] = QUOTE_TYPES) -> str:
    """brat's annotation.conf for these documents (attribute values are those that occur), with
    the label sets of the release they come from (``entities``, ``timexes``, ``quote_types``: the
    names its files' features give, which may not be this code's)."""
    def values(name: str) -> str:
        return "|".join(sorted(attribute_values.get(name, ()))) or "none"

    return "\n".join([
        "[entities]", *entities, *timexes, "QUOTE", "SOURCE", "CUE", "",
        "[relations]", "said_by\tArg1:QUOTE, Arg2:SOURCE", "cue\tArg1:QUOTE, Arg2:CUE",
        "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>", "",
        "[events]", "",
        "[attributes]",
        f"Value\tArg:{'|'.join(timexes)}, Value:{values('Value')}",
        f"Mod\tArg:{'|'.join(timexes)}, Value:{values('Mod')}",
        f"QuoteType\tArg:QUOTE, Value:{'|'.join(quote_types)}",
        "",
    ])


def read_ann(text: str, ann: str, entities: tuple[str, ...] = ENTITY_LABELS,
             timexes: tuple[str, ...] = TIMEX_LABELS) -> dict[str, list[dict]]:
    """The rows of a document's layers from its .txt and .ann (as the release has them, without
    raw offsets, doc_id and fold); ``entities`` and ``timexes``: the label sets that tell the
    layers apart, those of annotation.conf (a release's own, which may not be this code's)."""
    regions, notes, attributes, references, relations = {}, {}, defaultdict(dict), {}, defaultdict(dict)
    for line in ann.splitlines():
        kind, body = line[0], line.split("\t")
        if kind == "T":
            label, spans = body[1].split(" ", 1)
            offsets = [tuple(map(int, fragment.split())) for fragment in spans.split(";")]
            regions[body[0]] = (label, offsets[0][0], offsets[-1][1])
        elif kind == "#":
            notes[body[1].split()[1]] = body[2].removeprefix("id=")
        elif kind == "A":
            name, tid, value = body[1].split(" ")
            attributes[tid][name] = value
        elif kind == "N":
            _, tid, reference = body[1].split(" ")
            references[tid] = reference.removeprefix(f"{REGISTRY_DB}:")
        elif kind == "R":
            name, first, second = body[1].split(" ")
            relations[first.removeprefix("Arg1:")][name] = second.removeprefix("Arg2:")

    def span(tid: str) -> dict:
        label, start, end = regions[tid]
        return {"id": notes[tid], "start": start, "end": end, "text": text[start:end]}

    layers: dict[str, list[dict]] = {"entities": [], "timexes": [], "quotes": []}
    for tid, (label, _, _) in regions.items():
        if label in entities:
            layers["entities"].append({**span(tid), "label": label, "entity_id": references.get(tid)})
        elif label in timexes:
            layers["timexes"].append({**span(tid), "label": label, "value": attributes[tid].get("Value"),
                                      "mod": attributes[tid].get("Mod")})
        elif label == "QUOTE":
            quote = {**span(tid), "quote_type": attributes[tid]["QuoteType"]}
            for part, relation in (("source", "said_by"), ("cue", "cue")):
                target = relations[tid].get(relation)
                fields = span(target) if target else {"id": None, "start": None, "end": None, "text": None}
                quote.update({f"{part}_{name}": value for name, value in fields.items()})
                if part == "source":
                    quote["speaker_id"] = references.get(target) if target else None
            layers["quotes"].append(quote)
    return layers
