"""croissant.json: Croissant 1.0 metadata, one FileObject (with sha256) per parquet shard and one
RecordSet per config, whose fields are read from that config's FileSet of shards."""

from __future__ import annotations

import json
from typing import Any

from corpus_tools.records import AnnotationQuality
from corpus_tools.release.arrow_schemas import CONFIGS, ClassLabel, List, Value, spec
from corpus_tools.release.writer import Shard

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


def _data_type(value: Value) -> str:
    return _DATA_TYPES[value.dtype]


def _field(record_set: str, name: str, feature: Any, column: str, file_set: str) -> dict:
    field_id = f"{record_set}/{name}"
    entry: dict[str, Any] = {"@type": "cr:Field", "@id": field_id, "name": name}
    if isinstance(feature, List):
        entry["repeated"] = True
        feature = feature.feature
        while isinstance(feature, List):  # offsets: lists of [start, end] pairs
            feature = feature.feature
    if isinstance(feature, ClassLabel):
        entry["description"] = "ClassLabel id: " + ", ".join(f"{i}={n}" for i, n in enumerate(feature.names))
        entry["dataType"] = "sc:Integer"
    elif isinstance(feature, dict):
        entry["subField"] = [_field(field_id, sub, subfeature, sub, file_set) for sub, subfeature in feature.items()]
    else:
        entry["dataType"] = _data_type(feature)
    entry["source"] = {"fileSet": {"@id": file_set}, "extract": {"column": column}}
    return entry


def _record_set(config: str) -> dict:
    file_set = f"parquet-{config}"
    return {
        "@type": "cr:RecordSet",
        "@id": config,
        "name": config,
        "field": [_field(config, name, feature, name, file_set) for name, feature in spec(config).items()],
    }


def croissant_metadata(*, name: str, description: str, version: str, license_url: str, url: str | None,
                       cite_as: str, date_published: str | None, shards: list[Shard],
                       sha256: dict[str, str], quality: AnnotationQuality | None = None) -> dict:
    distribution: list[dict] = [
        {
            "@type": "cr:FileObject",
            "@id": shard.path,
            "name": shard.path,
            "contentUrl": shard.path,
            "encodingFormat": PARQUET,
            "sha256": sha256[shard.path],
        }
        for shard in shards
    ]
    distribution += [
        {
            "@type": "cr:FileSet",
            "@id": f"parquet-{config}",
            "name": f"parquet-{config}",
            "encodingFormat": PARQUET,
            "includes": f"data/{config}/*.parquet",
        }
        for config in CONFIGS
    ]
    metadata = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": name,
        "description": description,
        "conformsTo": CONFORMS_TO,
        "citeAs": cite_as,
        "license": license_url,
        "version": version,
        "inLanguage": "en",
        "distribution": distribution,
        "recordSet": [_record_set(config) for config in CONFIGS],
    }
    if url:  # no homepage is invented: the field is left out until there is one
        metadata["url"] = url
    if date_published:
        metadata["datePublished"] = date_published
    if quality is not None:
        metadata.update(rai_annotation_fields(quality))
    return metadata


# ---------------------------------------------------------------------------------------------
# Responsible-AI fields on annotation (issue 16): who annotated how often, the protocol, and the
# agreement; the same figures as the card's "Annotation quality" section (card.quality_section).


def rai_annotation_fields(quality: AnnotationQuality) -> dict:
    """``rai:annotationsPerItem``, ``rai:dataAnnotationProtocol``, ``rai:dataAnnotationAnalysis``."""
    from corpus_tools.release.card import annotators_per_item, quality_figures_lines, resolution_text

    return {
        "rai:annotationsPerItem": annotators_per_item(quality),
        "rai:dataAnnotationProtocol": [ANNOTATION_PROTOCOL, resolution_text(quality)],
        "rai:dataAnnotationAnalysis": quality_figures_lines(quality),
    }


ANNOTATION_PROTOCOL = (
    "Annotators label the normalized texts in a Label Studio server following the project's annotation "
    "guidelines (docs/annotation-guidelines.md): OntoNotes 5.0 entity names linked to an entity registry, "
    "TimeML TIMEX3 time expressions, PARC 3.0 / PolNeAR quotations with source and cue. Independent "
    "annotators work from the guidelines and the text alone; their versions are compared per layer "
    "(docs/agreement.md) and merged (corpus-tools adjudicate), and a reviewer resolves the disagreements "
    "in Label Studio, as a ground-truth annotation."
)


def croissant_json(**kwargs) -> str:
    return json.dumps(croissant_metadata(**kwargs), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
