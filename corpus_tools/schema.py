"""The annotation contract of docs/annotation-schema.md, as code: the single source of truth.

Control names, label values and task data keys are public interface (every Label Studio
export ever ingested refers to them); change them only with a major version and a migration.
The Label Studio labeling config is generated from these tables (``labeling_config``).
"""

from __future__ import annotations

from dataclasses import dataclass

ENTITY_LABELS = ("PERSON", "NORP", "ORG", "GPE", "LOC", "FAC", "EVENT", "LAW", "PRODUCT", "WORK_OF_ART")
TIMEX_LABELS = ("DATE", "TIME", "DURATION", "SET")
ATTRIBUTION_LABELS = ("QUOTE", "SOURCE", "CUE")
TIMEX_MODS = (
    "BEFORE", "AFTER", "ON_OR_BEFORE", "ON_OR_AFTER", "LESS_THAN", "MORE_THAN",
    "EQUAL_OR_LESS", "EQUAL_OR_MORE", "START", "MID", "END", "APPROX",
)
QUOTE_TYPES = ("direct", "indirect", "mixed")

TEXT_NAME = "text"  # <Text name="text" value="$text"/>

TASK_DATA_KEYS = ("text", "doc_id", "title", "publisher", "publication_date", "text_sha256", "normalizer_version")


@dataclass(frozen=True, slots=True)
class Layer:
    name: str  # the <Labels> control name
    labels: tuple[str, ...]


LAYERS = {
    "entity": Layer("entity", ENTITY_LABELS),
    "timex": Layer("timex", TIMEX_LABELS),
    "attribution": Layer("attribution", ATTRIBUTION_LABELS),
}


# The layers whose spans do not overlap (the guidelines), with the code of two that do: the ner
# config gives each token one mention's tag, and agreement's alpha each code point one label of
# its layer. Quotations, sources and cues may nest.
FLAT_LAYERS = {"entity": "entity-overlap", "timex": "timex-overlap"}


@dataclass(frozen=True, slots=True)
class RegionValue:
    """A per-region control: which layer and labels it belongs to, and its Label Studio type."""

    name: str  # the control name, e.g. "entity_id"
    control: str  # "TextArea" or "Choices"
    layer: str
    labels: tuple[str, ...]  # the region labels it applies to
    required: bool
    choices: tuple[str, ...] = ()


REGION_VALUES = {
    "entity_id": RegionValue("entity_id", "TextArea", "entity", ENTITY_LABELS, required=False),
    "timex_value": RegionValue("timex_value", "TextArea", "timex", TIMEX_LABELS, required=True),
    "timex_mod": RegionValue("timex_mod", "Choices", "timex", TIMEX_LABELS, required=False, choices=TIMEX_MODS),
    "quote_type": RegionValue("quote_type", "Choices", "attribution", ("QUOTE",), required=True, choices=QUOTE_TYPES),
    "speaker_id": RegionValue("speaker_id", "TextArea", "attribution", ("SOURCE",), required=False),
}

# Relation label -> (label of the from-region, label of the to-region).
RELATIONS = {
    "said_by": ("QUOTE", "SOURCE"),
    "cue": ("QUOTE", "CUE"),
}
