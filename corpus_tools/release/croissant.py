"""croissant.json: Croissant 1.0 metadata, one FileObject (with sha256 and licences) per parquet
shard, one RecordSet per config whose fields are read from that config's FileSet of shards, and
one inline ``sc:Enumeration`` RecordSet per label set, which label fields reference.

Nested fields read their top-level column and a JSONPath into it (``extract.column`` plus
``transform.jsonPath``): a struct's field by name, a list of structs' fields relative to each
item, a list of structs nested in one with ``name[*].field``. mlcroissant 1.1 reads such a
doubly nested list (kb's ``normalized`` and ``arguments``) through its first item only, and
places it beside its parent: of a time expression with a mod, it gives the TIMEX3 value and not
the mod (its second normalization), which its record in the timexes record set gives (tested).
"""

from __future__ import annotations

import json
from typing import Any

from corpus_tools.records import AnnotationQuality
from corpus_tools.release.arrow_schemas import CONFIGS, NER_TAGS, ClassLabel, List, spec
from corpus_tools.release.card import annotators_per_item, quality_figures_lines, resolution_text
from corpus_tools.release.rights import MIT_URL, article_texts, config_licenses, license_statement
from corpus_tools.release.writer import Shard
from corpus_tools.schema import ENTITY_LABELS, QUOTE_TYPES, TIMEX_LABELS

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
# The standard Croissant 1.0 @context, verbatim from the spec.
CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
PARQUET = "application/x-parquet"
_DATA_TYPES = {"string": "sc:Text", "int32": "sc:Integer", "int64": "sc:Integer", "bool": "sc:Boolean"}
# label set -> its names, as the enumerations label fields reference (ids are positions)
ENUMERATIONS = {"entity_labels": ENTITY_LABELS, "timex_labels": TIMEX_LABELS, "quote_types": QUOTE_TYPES,
                "ner_tags": NER_TAGS}


def _enumeration_of(label: ClassLabel) -> str:
    return next(name for name, names in ENUMERATIONS.items() if tuple(label.names) == tuple(names))


def _node(kind: str, node_id: str, name: str | None = None, **properties: Any) -> dict:
    """A Croissant node of type ``cr:<kind>``, named by its id unless ``name`` is given, then its
    ``properties`` in their order (croissant.json keeps the order it is given)."""
    return {"@type": f"cr:{kind}", "@id": node_id, "name": name or node_id, **properties}


def _enumeration(name: str) -> dict:
    return _node(
        "RecordSet", name, dataType="sc:Enumeration",
        description=f"The ClassLabel names of {name.replace('_', ' ')}: id is the integer stored in the data.",
        key={"@id": f"{name}/id"},
        field=[_node("Field", f"{name}/id", "id", dataType="sc:Integer"),
               _node("Field", f"{name}/name", "name", dataType="sc:Text")],
        data=[{f"{name}/id": index, f"{name}/name": label} for index, label in enumerate(ENUMERATIONS[name])],
    )


def _field(parent_id: str, name: str, feature: Any, column: str, prefix: tuple[str, ...] | None, file_set: str) -> dict:
    """A field reading its top-level ``column``; ``prefix`` is the JSONPath from the column's value
    (or from each item, when the column is a list) to this field's parent, None for a column itself."""
    field_id = f"{parent_id}/{name}"
    entry = _node("Field", field_id, name)
    repeated = isinstance(feature, List)
    while isinstance(feature, List):  # offsets: lists of [start, end] pairs
        feature = feature.feature
    if repeated:
        entry["repeated"] = True
    if isinstance(feature, ClassLabel):
        enumeration = _enumeration_of(feature)
        entry["dataType"] = "sc:Integer"
        if not repeated:  # mlcroissant 1.1 cannot join a list column to a record set: a list names its enumeration
            entry["references"] = {"field": {"@id": f"{enumeration}/id"}}
        ids = "ClassLabel ids" if repeated else "A ClassLabel id"
        entry["description"] = f"{ids}: the names are the {enumeration} enumeration's."
    elif isinstance(feature, dict):
        step = f"{name}[*]" if repeated else name  # a list's subfields: relative to each of its items
        # a column's own subfields are read from its value (or from each of its items): no step
        inner = () if prefix is None else prefix + (step,)
        entry["subField"] = [_field(field_id, sub, subfeature, column, inner, file_set)
                             for sub, subfeature in feature.items()]
    else:
        entry["dataType"] = _DATA_TYPES[feature.dtype]
    source: dict[str, Any] = {"fileSet": {"@id": file_set}, "extract": {"column": column}}
    if prefix is not None:
        source["transform"] = {"jsonPath": ".".join(prefix + (name,))}
    entry["source"] = source
    return entry


def _record_set(config: str, descriptions: dict[str, str]) -> dict:
    return _node("RecordSet", config, description=descriptions.get(config, ""),
                 field=[_field(config, name, feature, name, None, f"parquet-{config}")
                        for name, feature in spec(config).items()])


def croissant_metadata(*, name: str, description: str, version: str, url: str, creator: str, cite_as: str,
                       date_published: str | None, shards: list[Shard], sha256: dict[str, str],
                       keywords: tuple[str, ...] = (), descriptions: dict[str, str] | None = None,
                       quality: AnnotationQuality | None = None, limitations: tuple[str, ...] = ()) -> dict:
    """``descriptions``: config -> what one record is (the card's words); ``quality``: the
    annotation-quality figures, as the Responsible-AI fields; ``limitations``: the corpus's caveats
    (the card's Known Limitations), given with them."""
    distribution = [_node("FileObject", shard.path, contentUrl=shard.path, encodingFormat=PARQUET,
                          sha256=sha256[shard.path], license=config_licenses(shard.config)) for shard in shards]
    configs = [config for config in CONFIGS if any(shard.config == config for shard in shards)]
    distribution += [_node("FileSet", f"parquet-{config}", encodingFormat=PARQUET, includes=f"data/{config}/*.parquet",
                           license=config_licenses(config)) for config in configs]
    metadata = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": name,
        "description": description,
        "conformsTo": CONFORMS_TO,
        "citeAs": cite_as,
        "creator": {"@type": "sc:Organization", "name": creator},
        # the dataset as a whole: the statement the card links (LICENSE.md), then its two parts, MIT
        # for what the project made and no licence for the article texts
        "license": [license_statement(), MIT_URL, article_texts()],
        "url": url,
        "version": version,
        "inLanguage": "en",
        "keywords": list(keywords),
        "distribution": distribution,
        "recordSet": [_enumeration(enumeration) for enumeration in ENUMERATIONS]
        + [_record_set(config, descriptions or {}) for config in configs],
    }
    if date_published:
        metadata["datePublished"] = date_published
    if quality is not None:
        metadata.update(rai_annotation_fields(quality, limitations))
    if limitations:  # who annotated, which documents are invented: the card's Known Limitations say it too
        metadata["rai:dataLimitations"] = list(limitations)
    return metadata


# ---------------------------------------------------------------------------------------------
# Responsible-AI fields on annotation (issue 16): who annotated how often, the protocol, and the
# agreement; the same figures as the card's "Annotation quality" section (card.quality_section).


def rai_annotation_fields(quality: AnnotationQuality, limitations: tuple[str, ...] = ()) -> dict:
    """``rai:annotationsPerItem``, ``rai:dataAnnotationProtocol``, ``rai:dataAnnotationAnalysis``;
    ``limitations``: whether croissant_metadata gives the corpus's caveats (rai:dataLimitations)."""
    return {
        "rai:annotationsPerItem": annotators_per_item(quality),
        "rai:dataAnnotationProtocol": [ANNOTATION_PROTOCOL + (LIMITATIONS_POINTER if limitations else ""),
                                       resolution_text(quality)],
        "rai:dataAnnotationAnalysis": quality_figures_lines(quality),
    }


ANNOTATION_PROTOCOL = (
    "Annotators label the normalized texts as Label Studio annotations (in its editor, or as worksheets that "
    "corpus-tools labelstudio annotate --worksheets submits through its API) following the project's annotation "
    "guidelines (docs/annotation-guidelines.md): OntoNotes 5.0 entity names linked to an entity registry, "
    "TimeML TIMEX3 time expressions, PARC 3.0 / PolNeAR quotations with source and cue. Each annotator "
    "works alone, from the guidelines, the text and the entity registry they link to (tasks can carry the "
    "corpus's current annotations as predictions); their versions are compared per layer "
    "(docs/agreement.md) and merged (corpus-tools adjudicate) into a ground-truth annotation in Label Studio, "
    "where a reviewer may resolve the disagreements; the dataset card counts the merges no reviewer saved again."
)
# the corpus's caveats, which say who the annotators of a release were (annotations/card-caveats.md)
LIMITATIONS_POINTER = (" The corpus's own caveats are in rai:dataLimitations; the dataset card's Known Limitations "
                       "lists them with the others.")


def croissant_json(**kwargs) -> str:
    return json.dumps(croissant_metadata(**kwargs), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
