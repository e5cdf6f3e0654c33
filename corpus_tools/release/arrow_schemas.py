"""Every release config's columns, declared once: ``datasets.Features`` and the Arrow schema.

The Arrow schema of a config is derived from its ``Features`` (``Features.arrow_schema``), so
the two cannot drift apart; the schema also carries the features as metadata, which is how
``datasets`` recovers ClassLabel names from a bare parquet file. Label columns are ClassLabels
whose names come from corpus_tools.schema (the annotation contract), so label ids are stable
as long as the contract is.
"""

from __future__ import annotations

from functools import cache

import pyarrow as pa
from datasets import ClassLabel, Features, List, Value

from corpus_tools.errors import CorpusError
from corpus_tools.schema import ENTITY_LABELS, QUOTE_TYPES, TIMEX_LABELS

# IOB2 tags: O first (id 0), then B-/I- per entity label in contract order.
NER_TAGS = ("O", *(f"{prefix}-{label}" for label in ENTITY_LABELS for prefix in ("B", "I")))

_STRING = Value("string")
_INT = Value("int64")


def _span_columns(prefix: str = "") -> dict:
    """Normalized and raw offsets (code points, half-open) plus the covered text."""
    return {
        f"{prefix}start": Value("int32"),
        f"{prefix}end": Value("int32"),
        f"{prefix}raw_start": Value("int32"),
        f"{prefix}raw_end": Value("int32"),
        f"{prefix}text": _STRING,
    }


_EVIDENCE = {"kind": _STRING, "line": Value("int32"), "quote": _STRING, "reasoning": _STRING}

_DOCUMENTS = Features({
    "doc_id": _STRING,
    "split": _STRING,
    "title": _STRING,
    "text": _STRING,
    "publisher": _STRING,
    "publisher_evidence": _EVIDENCE,
    "publication_date": _STRING,
    "publication_date_precision": _STRING,
    "publication_date_evidence": _EVIDENCE,
    "normalizer_version": _STRING,
    "raw_file": _STRING,
    "raw_sha256": _STRING,
    "raw_encoding": _STRING,
    "text_sha256": _STRING,
})

_ENTITIES = Features({
    "doc_id": _STRING,
    "id": _STRING,
    **_span_columns(),
    "label": ClassLabel(names=list(ENTITY_LABELS)),
    "entity_id": _STRING,
})

_TIMEXES = Features({
    "doc_id": _STRING,
    "id": _STRING,
    **_span_columns(),
    "label": ClassLabel(names=list(TIMEX_LABELS)),
    "value": _STRING,
    "mod": _STRING,
})

_QUOTES = Features({
    "doc_id": _STRING,
    "id": _STRING,
    **_span_columns(),
    "quote_type": ClassLabel(names=list(QUOTE_TYPES)),
    "source_id": _STRING,
    **_span_columns("source_"),
    "speaker_id": _STRING,
    "cue_id": _STRING,
    **_span_columns("cue_"),
})

_ENTITY_REGISTRY = Features({
    "id": _STRING,
    "name": _STRING,
    "type": ClassLabel(names=list(ENTITY_LABELS)),
    "aliases": List(_STRING),
    "wikidata": _STRING,
    "description": _STRING,
})

_NER = Features({
    "id": _STRING,  # <doc_id>-<sentence index>
    "doc_id": _STRING,
    "sentence": Value("int32"),
    "tokens": List(_STRING),
    "token_starts": List(Value("int32")),
    "token_ends": List(Value("int32")),
    "ner_tags": List(ClassLabel(names=list(NER_TAGS))),
})

# BigBIO's KB schema, field for field, so BigBIO tooling reads it; offsets index the passage
# concatenation, which here is the single normalized text, so they equal the flat configs'.
_KB_NORMALIZED = List({"db_name": _STRING, "db_id": _STRING})
_KB = Features({
    "id": _STRING,
    "document_id": _STRING,
    "passages": List({
        "id": _STRING, "type": _STRING, "text": List(_STRING), "offsets": List(List(_INT)),
    }),
    "entities": List({
        "id": _STRING, "type": _STRING, "text": List(_STRING), "offsets": List(List(_INT)),
        "normalized": _KB_NORMALIZED,
    }),
    "events": List({
        "id": _STRING, "type": _STRING, "trigger": {"text": List(_STRING), "offsets": List(List(_INT))},
        "arguments": List({"role": _STRING, "ref_id": _STRING}),
    }),
    "coreferences": List({"id": _STRING, "entity_ids": List(_STRING)}),
    "relations": List({
        "id": _STRING, "type": _STRING, "arg1_id": _STRING, "arg2_id": _STRING, "normalized": _KB_NORMALIZED,
    }),
})

# config name -> features; the order is the order of configs in the dataset card.
FEATURES: dict[str, Features] = {
    "documents": _DOCUMENTS,
    "entities": _ENTITIES,
    "timexes": _TIMEXES,
    "quotes": _QUOTES,
    "entity_registry": _ENTITY_REGISTRY,
    "ner": _NER,
    "kb": _KB,
}
CONFIGS = tuple(FEATURES)


def features(config: str) -> Features:
    try:
        return FEATURES[config]
    except KeyError:
        raise CorpusError("unknown-config", f"no config {config!r}; configs are {', '.join(CONFIGS)}") from None


@cache
def arrow_schema(config: str) -> pa.Schema:
    return features(config).arrow_schema


def class_names(config: str, column: str) -> tuple[str, ...]:
    """The ClassLabel names of a label column (or of a list of labels, e.g. ner_tags)."""
    feature = features(config)[column]
    label = feature.feature if isinstance(feature, List) else feature
    return tuple(label.names)
