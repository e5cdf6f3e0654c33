"""Every release config's columns, declared once, without importing ``datasets`` (slow to import).

The declaration uses small stand-ins for ``datasets``' feature types (Value, ClassLabel, List;
a dict is a struct) that produce the Arrow types, the ``huggingface`` features metadata of the
parquet files and the YAML list of the dataset card. The Arrow schema carries the features as
``huggingface`` metadata, which is how ``datasets`` recovers ClassLabel names from a bare parquet
file. Label columns are ClassLabels whose names come from corpus_tools.schema (the annotation
contract), so label ids are stable as long as the contract is. ``features(config)`` gives the real
``datasets.Features``.

Compatibility (the floor is pyproject's ``datasets>=3.0``): the JSON and YAML are written in the
form datasets 3.x writes, which every later version still reads. datasets 3.x knows no ``List``
type: a list of values is ``Sequence(feature)`` (JSON ``"_type": "Sequence"``, YAML ``sequence:``)
and a list of structs is a Python list ``[{...}]`` (YAML ``list:``), since 3.x's ``Sequence`` of a
struct means a struct of lists. datasets 4 and later read both forms as ``List``, so
``ds.features["ner_tags"].feature.names`` works in every version (tests load releases with the
oldest and the newest datasets).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Union

import pyarrow as pa
import pyarrow.compute as pc

from corpus_tools.arrays import first_true
from corpus_tools.errors import CorpusError, Location
from corpus_tools.release.checksums import file_split
from corpus_tools.schema import ENTITY_LABELS, QUOTE_TYPES, TIMEX_LABELS

# IOB2 tags: O first (id 0), then B-/I- per entity label in contract order.
NER_TAGS = ("O", *(f"{prefix}-{label}" for label in ENTITY_LABELS for prefix in ("B", "I")))

_ARROW_TYPES = {"string": pa.string(), "int32": pa.int32(), "int64": pa.int64(), "bool": pa.bool_()}


@dataclass(frozen=True, slots=True)
class Value:
    dtype: str

    def to_dict(self) -> dict:
        return {"dtype": self.dtype, "_type": "Value"}

    def arrow_type(self) -> pa.DataType:
        return _ARROW_TYPES[self.dtype]


@dataclass(frozen=True, slots=True)
class ClassLabel:
    names: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"names": list(self.names), "_type": "ClassLabel"}

    def arrow_type(self) -> pa.DataType:
        return pa.int64()


@dataclass(frozen=True, slots=True)
class List:
    feature: "Feature"

    def to_dict(self) -> dict | list:
        if isinstance(self.feature, dict):  # a list of structs: a Python list in datasets 3.x
            return [to_dict(self.feature)]
        return {"feature": to_dict(self.feature), "_type": "Sequence"}

    def arrow_type(self) -> pa.DataType:
        return pa.list_(arrow_type(self.feature))


Feature = Union[Value, ClassLabel, List, dict]


def to_dict(feature: Feature) -> dict | list:
    """``datasets``' JSON form of a feature, as datasets 3.x writes it (a struct is a plain dict of its fields)."""
    if isinstance(feature, dict):
        return {name: to_dict(sub) for name, sub in feature.items()}
    return feature.to_dict()


def arrow_type(feature: Feature) -> pa.DataType:
    if isinstance(feature, dict):
        return pa.struct([pa.field(name, arrow_type(sub)) for name, sub in feature.items()])
    return feature.arrow_type()


def yaml_feature(name: str | None, feature: Feature) -> dict:
    """One entry of the dataset card's ``dataset_info.features`` list, as ``datasets`` writes it."""
    head = {} if name is None else {"name": name}
    if isinstance(feature, Value):
        return {**head, "dtype": feature.dtype}
    if isinstance(feature, ClassLabel):
        return {**head, "dtype": {"class_label": {"names": {str(i): n for i, n in enumerate(feature.names)}}}}
    if isinstance(feature, List):
        inner = yaml_feature(None, feature.feature)  # one key: dtype, struct, sequence or list
        # as datasets 3.x writes them (see the module docstring): ``sequence: int32``, ``list: [fields]``
        simplified = inner.get("dtype", inner.get("struct", inner))
        return {**head, ("list" if isinstance(feature.feature, dict) else "sequence"): simplified}
    return {**head, "struct": [yaml_feature(sub_name, sub) for sub_name, sub in feature.items()]}


_STRING = Value("string")
_INT = Value("int64")


def _region_columns(prefix: str = "") -> dict:
    """A region's id, its normalized and raw offsets (code points, half-open) and the covered text."""
    return {
        f"{prefix}id": _STRING,
        f"{prefix}start": Value("int32"),
        f"{prefix}end": Value("int32"),
        f"{prefix}raw_start": Value("int32"),
        f"{prefix}raw_end": Value("int32"),
        f"{prefix}text": _STRING,
    }


# The document's cross-validation fold, 0-4 (corpus_tools.release.splits.fold_of): in every
# config whose rows belong to a document.
_FOLD = Value("int32")


def _unit_columns(layer: dict) -> dict:
    """A config of annotated units: their document, fold and region, the ``layer``'s own columns,
    then where the unit comes from (issue 16; corpus_tools.annotations.adjudicate.unit_provenance):
    the annotators whose own version has exactly this unit, how many annotators' versions the
    document had, and whether it was decided in adjudication. Null when the release was built
    without the versions."""
    return {
        "doc_id": _STRING,
        "fold": _FOLD,
        **_region_columns(),
        **layer,
        "agreed_by": List(_STRING),
        "annotators": Value("int32"),
        "adjudicated": Value("bool"),
    }


_EVIDENCE = {"kind": _STRING, "line": Value("int32"), "quote": _STRING, "reasoning": _STRING}

# BigBIO's KB schema, field for field, so BigBIO tooling reads it; offsets index the passage
# concatenation, which here is the single normalized text, so they equal the flat configs'.
_KB_NORMALIZED = List({"db_name": _STRING, "db_id": _STRING})
_KB_TEXT = {"text": List(_STRING), "offsets": List(List(_INT))}

# config name -> features; the order is the order of configs in the dataset card.
FEATURES: dict[str, dict[str, Feature]] = {
    "documents": {
        "doc_id": _STRING,
        "split": _STRING,
        "fold": _FOLD,
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
    },
    "entities": _unit_columns({"label": ClassLabel(ENTITY_LABELS), "entity_id": _STRING}),
    "timexes": _unit_columns({"label": ClassLabel(TIMEX_LABELS), "value": _STRING, "mod": _STRING}),
    "quotes": _unit_columns({
        "quote_type": ClassLabel(QUOTE_TYPES),
        **_region_columns("source_"),
        "speaker_id": _STRING,
        **_region_columns("cue_"),
    }),
    "entity_registry": {
        "id": _STRING,
        "name": _STRING,
        "type": ClassLabel(ENTITY_LABELS),
        "aliases": List(_STRING),
        "wikidata": _STRING,
        "description": _STRING,
    },
    "ner": {
        "id": _STRING,  # <doc_id>-<sentence index>
        "doc_id": _STRING,
        "fold": _FOLD,
        "sentence": Value("int32"),
        "tokens": List(_STRING),
        "token_starts": List(Value("int32")),
        "token_ends": List(Value("int32")),
        "ner_tags": List(ClassLabel(NER_TAGS)),
    },
    "kb": {
        "id": _STRING,
        "document_id": _STRING,
        "fold": _FOLD,  # beside BigBIO's fields: the one column its KB schema does not have
        "passages": List({"id": _STRING, "type": _STRING, **_KB_TEXT}),
        "entities": List({"id": _STRING, "type": _STRING, **_KB_TEXT, "normalized": _KB_NORMALIZED}),
        "events": List({
            "id": _STRING, "type": _STRING, "trigger": _KB_TEXT,
            "arguments": List({"role": _STRING, "ref_id": _STRING}),
        }),
        "coreferences": List({"id": _STRING, "entity_ids": List(_STRING)}),
        "relations": List({
            "id": _STRING, "type": _STRING, "arg1_id": _STRING, "arg2_id": _STRING, "normalized": _KB_NORMALIZED,
        }),
    },
}
CONFIGS = tuple(FEATURES)


def spec(config: str) -> dict[str, Feature]:
    """A config's columns: name -> feature (this module's stand-ins for datasets' types)."""
    try:
        return FEATURES[config]
    except KeyError:
        raise CorpusError("unknown-config", f"no config {config!r}; configs are {', '.join(CONFIGS)}") from None


def features(config: str):
    """The config's ``datasets.Features`` as ``load_dataset`` gives them for a release directory (from
    the card's YAML), in the installed datasets version (imports datasets: for loaders and tests)."""
    from datasets import Features

    return Features._from_yaml_list(yaml_features(config))


def features_dict(config: str) -> dict:
    """The features as the parquet files' ``huggingface`` metadata holds them (datasets 3.x JSON)."""
    return to_dict(spec(config))


def yaml_features(config: str) -> list[dict]:
    """The card's ``dataset_info.features`` of a config (what ``Features._to_yaml_list`` gives)."""
    return columns_yaml(spec(config))


def columns_yaml(columns: dict[str, Feature]) -> list[dict]:
    """A ``dataset_info.features`` list of ``columns`` (name -> feature): a config's, or the JSONL
    export's, whose lines nest the configs' rows (corpus_tools.release.export)."""
    return [yaml_feature(name, feature) for name, feature in columns.items()]


@functools.cache
def arrow_schema(config: str) -> pa.Schema:
    """Columns as Arrow types, with the features as ``huggingface`` metadata (as datasets writes it)."""
    columns = spec(config)
    metadata = {"huggingface": json.dumps({"info": {"features": to_dict(columns)}})}
    return pa.schema([pa.field(name, arrow_type(feature)) for name, feature in columns.items()], metadata=metadata)


# --- reading: the features a file was written with, and its label ids as names ----------------

# Columns releases before 1.1.0 were made without (unit provenance and folds came later): a file
# of a release lacking one of these is still the config's; lacking any other column, it is not.
ADDED_SINCE_1_0 = frozenset({"fold", "adjudicated", "agreed_by", "annotators"})


def missing_columns(config: str, schema: pa.Schema) -> list[str]:
    """The columns of ``config`` a release file (``schema``) lacks, beyond ``ADDED_SINCE_1_0``."""
    present = set(schema.names)
    return [name for name in arrow_schema(config).names if name not in present and name not in ADDED_SINCE_1_0]


def _is_list(type_: pa.DataType) -> bool:
    """A list or a large_list: another writer's may be either, and they read the same."""
    return pa.types.is_list(type_) or pa.types.is_large_list(type_)


def _first_row(found: Iterable[tuple[int, str] | None]) -> tuple[int, str] | None:
    """Of findings (row, what is wrong with it; None: nothing found), the one of the first row."""
    return min(filter(None, found), key=lambda item: item[0], default=None)


def _kind(type_: pa.DataType) -> Any:
    """What a reader gets from a value of ``type_`` (``to_pylist``): an int, a str, a bool, a
    list of one kind, a struct of kinds by field name. Widths and offsets are no matter (int32
    and int64, string and large_string read the same); str and bytes, an int and a str are."""
    if pa.types.is_integer(type_):
        return "integer"
    if pa.types.is_string(type_) or pa.types.is_large_string(type_):
        return "string"
    if _is_list(type_):
        return "list", _kind(type_.value_type)
    if pa.types.is_struct(type_):
        return "struct", tuple(sorted((field.name, _kind(field.type)) for field in type_))
    return str(type_)  # bool; any other type is its own kind


def mistyped_columns(config: str, schema: pa.Schema) -> list[tuple[str, str, str]]:
    """(column, its type in ``schema``, the config's) of each column of ``config`` a release file
    (``schema``) has as another kind of value (``_kind``): readers compare, slice and write its
    values as the config's, so a start of strings or a value of bytes stopped them at a TypeError."""
    declared = arrow_schema(config)
    return [(field.name, str(field.type), str(declared.field(field.name).type)) for field in schema
            if field.name in declared.names and _kind(field.type) != _kind(declared.field(field.name).type)]


def file_features(schema: pa.Schema, file: Path | None) -> dict[str, Any]:
    """Column -> its feature (JSON form) in a parquet file's ``huggingface`` metadata (the
    features the file was written with, whatever this code's are); {} without it. Metadata that
    is no JSON object of features is ``release-invalid`` (naming ``file``; None: this code's own
    schema): the file verifies, so it and SHA256SUMS were changed together, and every reader of
    it (diff, export, load_pandas, view) would stop at a traceback."""
    metadata = (schema.metadata or {}).get(b"huggingface")
    if not metadata:
        return {}
    try:
        features = json.loads(metadata).get("info", {}).get("features", {})
    except (ValueError, AttributeError):  # not JSON; or JSON, but not an object of objects
        features = None
    if not isinstance(features, dict):
        raise CorpusError("release-invalid", "its huggingface metadata does not describe the features of its "
                          "columns", Location(file=str(file)))
    return features


def label_names(features: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Column -> the names of its ClassLabel ids (of the column or of its list items), from
    features in their JSON form."""
    names = {}
    for column, feature in features.items():
        if isinstance(feature, dict) and feature.get("_type") in ("List", "Sequence", "LargeList"):
            feature = feature.get("feature")
        if isinstance(feature, dict) and feature.get("_type") == "ClassLabel":
            names[column] = tuple(feature["names"])
    return names


def file_label_names(config: str, schema: pa.Schema, file: Path) -> dict[str, tuple[str, ...]]:
    """``label_names`` of a release file's own features, or ``release-invalid`` when they name no
    labels for a label column of ``config`` (as this code declares it; a config it does not know
    has none required): its ids could not be named, and every reader would give them out as numbers
    (a CoNLL tag ``3``, a brat type ``0``)."""
    names = label_names(file_features(schema, file))
    declared = label_names(file_features(arrow_schema(config), None)) if config in CONFIGS else {}
    if unnamed := [column for column in declared if column in schema.names and column not in names]:
        raise CorpusError("release-invalid", f"its huggingface features name no labels for "
                          f"{', '.join(map(repr, unnamed))}: the ids cannot be named", Location(file=str(file)))
    return names


def unnamed_label(data: pa.Table | pa.RecordBatch, names: dict[str, tuple[str, ...]]) -> tuple[int, str] | None:
    """The first row of ``data`` with a label id that names no label of ``names``
    (``label_names``), and what is wrong with it; None when every id names one. A negative id
    is one too: Python and pandas would count it from the end."""
    found = []  # each column's first row at fault: the first of them is the row named
    for column, labels in names.items():
        values = data.column(column)
        listed = _is_list(values.type)
        # the usual answer, from two numbers: the arrays of the search below, made for every batch
        # a reader reads, cost the viewer 40 MB of peak memory at 10,000 documents
        low, high = pc.min_max(pc.list_flatten(values) if listed else values).values()
        if low.as_py() is None or (low.as_py() >= 0 and high.as_py() < len(labels)):
            continue
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        rows = None
        if listed:
            rows, values = pc.list_parent_indices(values), pc.list_flatten(values)
        wrong = pc.indices_nonzero(pc.or_(pc.less(values, 0), pc.greater_equal(values, len(labels))))
        if len(wrong):
            first = wrong[0].as_py()
            found.append((first if rows is None else rows[first].as_py(),
                          f"{column}: label id {values[first].as_py()} names no label (the file's features have "
                          f"{len(labels)})"))
    return _first_row(found)


def require_named(data: pa.Table | pa.RecordBatch, names: dict[str, tuple[str, ...]], file: Path) -> None:
    """Refuse (``release-invalid``) ``data`` read from ``file`` when a label id names no label of
    ``names`` (``unnamed_label``), naming the document and region of the first row at fault: the
    one check of every reader of a release (export, view, diff, load_pandas)."""
    if wrong := unnamed_label(data, names):
        raise CorpusError("release-invalid", wrong[1], row_location(data, wrong[0], file))


def row_location(data: pa.Table | pa.RecordBatch, at: int, file: Path) -> Location:
    """Where row ``at`` of ``data`` read from ``file`` is: the file, and the row's document and
    region where it has them."""
    row = data.slice(at, 1).to_pylist()[0]
    return Location(file=str(file), doc_id=row.get("doc_id"), region_id=row.get("id"))


# A quote's source and cue: a region (its id and span) where one was annotated, null in every
# column where none was. Readers tell which by one column (view and brat by the id, export and
# diff by the start), so a row null in some of them and not in others was another region to each
# reader, or a TypeError traceback (an end of None).
_REGIONS = {"quotes": ("source", "cue")}
_REGION_COLUMNS = tuple(_region_columns())


def half_null_region(data: pa.Table | pa.RecordBatch, config: str) -> tuple[int, str] | None:
    """The first row of ``data`` (rows of ``config``) with a region of ``_REGIONS`` null in some of
    its columns and not in others, and what is wrong with it; None when there is none."""
    found = []
    for region in _REGIONS.get(config, ()):
        names = [name for name in (f"{region}_{column}" for column in _REGION_COLUMNS) if name in data.column_names]
        counts = {data.column(name).null_count for name in names}
        if len(counts) < 2 and counts <= {0, data.num_rows}:
            continue  # the usual answer, from the counts: every column null in no row, or in every row
        nulls = [pc.is_null(data.column(name)) for name in names]
        some, every = functools.reduce(pc.or_, nulls), functools.reduce(pc.and_, nulls)
        # a release whose quotes have a source and quotes have none takes this path: first_true,
        # which imports no pandas (0.15 s)
        if (at := first_true(pc.and_(some, pc.invert(every)))) is not None:
            valid = {name: data.column(name)[at].is_valid for name in names}
            found.append((at, f"{next(n for n in names if not valid[n])} is null but "
                              f"{next(n for n in names if valid[n])} is not: a quote's {region} is wholly null "
                              f"(none annotated) or wholly set"))
    return _first_row(found)


# The columns every release fills, as the records it is written from require (a list column: its
# items too). Readers index, slice, compare and escape their values: a null in one (a file changed
# with SHA256SUMS; no release writes one) was a TypeError traceback in export and view. The others
# are null by design: a document's title, publisher and date, a mention's entity_id, a timex's
# mod, a quote's speaker and its source and cue where none was annotated (half_null_region), unit
# provenance in a release built without the annotators' versions, a registry entity's wikidata.
_UNIT = ("doc_id", *_region_columns())
NEVER_NULL: dict[str, tuple[str, ...]] = {
    "documents": ("doc_id", "split", "text", "publisher_evidence", "publication_date_evidence", "normalizer_version",
                  "raw_file", "raw_sha256", "raw_encoding", "text_sha256"),
    "entities": (*_UNIT, "label"),
    "timexes": (*_UNIT, "label", "value"),
    "quotes": (*_UNIT, "quote_type"),
    "entity_registry": ("id", "name", "type"),
    "ner": ("id", "doc_id", "sentence", "tokens", "token_starts", "token_ends", "ner_tags"),
    "kb": ("id", "document_id"),
}


def null_value(data: pa.Table | pa.RecordBatch, config: str) -> tuple[int, str] | None:
    """The first row of ``data`` (rows of ``config``) with a null in a column of ``NEVER_NULL``
    (or in an item of one that is a list), and what is wrong with it; None when there is none."""
    found = []
    for name in NEVER_NULL.get(config, ()):
        if name not in data.column_names:
            continue
        values = data.column(name)
        # the usual answer, from the counts: no array is made for a column without a null
        if values.null_count:
            found.append((first_true(pc.is_null(values)), f"{name} is null"))
        # a large_list too: mistyped_columns reads one as its list, another writer's ner tokens
        elif _is_list(values.type) and pc.list_flatten(values).null_count:
            if isinstance(values, pa.ChunkedArray):
                values = values.combine_chunks()
            item = first_true(pc.is_null(pc.list_flatten(values)))
            found.append((pc.list_parent_indices(values)[item].as_py(), f"{name} has a null item"))
    if (first := _first_row(found)) is None:
        return None
    return first[0], f"{first[1]}, where every release has a value"


def wrong_split(data: pa.Table | pa.RecordBatch, file: Path) -> tuple[int, str] | None:
    """The first row of ``data`` read from the data file ``file`` whose ``split`` column (the
    documents config's) is not the file's split, and what is wrong with it; None when there is
    none. datasets loads a row in its file's split: a reader by the column put it in another (a
    brat directory, a CoNLL file) or none (a KeyError)."""
    if "split" not in data.column_names:
        return None
    split, values = file_split(file), data.column("split")
    # the usual answer, from the column's few distinct values: comparing with a Python str (an
    # Arrow scalar made of it) imports pandas, some 0.15 s of every export and view
    if set(values.unique().to_pylist()) <= {split, None}:  # a null one: null_value
        return None
    at = next(row for row, value in enumerate(values.to_pylist()) if value not in (split, None))
    return at, f"split is {values[at].as_py()!r} in a file of split {split!r}"


def require_rows(data: pa.Table | pa.RecordBatch, config: str, names: dict[str, tuple[str, ...]], file: Path,
                 first_row: int = 0) -> None:
    """The checks of rows every reader that reads a file at a time makes (export, view,
    load_pandas): ``require_named``, then refuse (``release-invalid``) the first row with a
    half-null region (``half_null_region``), a null where every release has a value
    (``null_value``) or a split that is not its file's (``wrong_split``), naming the row (counted
    in the file: ``data`` begins at its ``first_row``), its document and region. Diff asks
    ``half_null_region`` as it reads a row group (and refuses nulls in the columns it keys rows
    by), and ``require_named`` of the rows it joins from several files."""
    require_named(data, names, file)
    found = (half_null_region(data, config), null_value(data, config), wrong_split(data, file))
    if wrong := _first_row(found):
        raise CorpusError("release-invalid", f"row {first_row + wrong[0]}: {wrong[1]}",
                          row_location(data, wrong[0], file))


def name_labels(row: dict, names: dict[str, tuple[str, ...]]) -> dict:
    """``row`` with its label ids replaced by their ``names`` (``label_names``), in place; nulls
    stay. The ids are those of data ``unnamed_label`` found nothing wrong with."""
    for column, labels in names.items():
        value = row[column]
        if value is None:
            continue
        row[column] = [None if i is None else labels[i] for i in value] if isinstance(value, list) else labels[value]
    return row
