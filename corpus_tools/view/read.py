"""A release directory read back into records: what the viewer shows, and nothing else.

The release is verified against its SHA256SUMS first (a tampered release is refused, naming the
file), then its parquet files are read with pyarrow. Label columns are ClassLabel ids; their
names come from each file's own ``huggingface`` metadata, so a release made under another label
set reads with the names it was made with. Every span is checked against its document's text:
a viewer that highlighted other characters than the row says would be worse than none.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from corpus_tools.errors import CorpusError, Location
from corpus_tools.records import (
    Cue, EntityMention, Evidence, Quote, RegistryEntity, ReleaseContents, ReleasedDocument, Source, Span,
    TimeExpression,
)
from corpus_tools.release.checksums import verify_release

CONFIGS = ("documents", "entities", "timexes", "quotes", "entity_registry")


def read_release(path: str | Path) -> ReleaseContents:
    """The release at ``path`` (a ``dist/<version>`` directory) as records, after verifying it."""
    path = Path(path)
    report = verify_release(path)
    if not report.valid:
        first = report.errors[0]
        code = "release-missing" if first.code == "release-missing" else "release-tampered"
        more = f" (and {len(report.errors) - 1} more)" if len(report.errors) > 1 else ""
        raise CorpusError(code, f"release {path.name} fails verification: {first.message}{more}", first.location)
    for config in CONFIGS:
        if not _files(path, config):
            raise CorpusError("release-missing", f"the release has no {config} config",
                              Location(file=str(path / "data" / config)))
    documents = tuple(sorted((_document(row) for row, _ in _rows(path, "documents")), key=lambda d: d.doc_id))
    texts = {document.doc_id: document.text for document in documents}
    registry = {entity.id: entity for entity in sorted(
        (_registry_entity(row) for row, _ in _rows(path, "entity_registry")), key=lambda e: e.id)}
    return ReleaseContents(
        version=path.name,
        documents=documents,
        entities=_by_document(_rows(path, "entities"), texts, _entity),
        timexes=_by_document(_rows(path, "timexes"), texts, _timex),
        quotes=_by_document(_rows(path, "quotes"), texts, _quote),
        registry=registry,
    )


def _files(path: Path, config: str) -> list[Path]:
    return sorted((path / "data" / config).glob("*.parquet"))


def _rows(path: Path, config: str) -> Iterator[tuple[dict[str, Any], Location]]:
    """Each row of a config, with label ids replaced by their names, and where it was read."""
    for file in _files(path, config):
        table = pq.read_table(file)
        names = _label_names(table.schema)
        for number, row in enumerate(table.to_pylist()):
            for column, labels in names.items():
                if row[column] is not None:
                    row[column] = labels[row[column]]
            yield row, Location(file=f"{file}, row {number}", doc_id=row.get("doc_id"), region_id=row.get("id"))


def _label_names(schema: pa.Schema) -> dict[str, list[str]]:
    metadata = (schema.metadata or {}).get(b"huggingface")
    features = json.loads(metadata)["info"]["features"] if metadata else {}
    return {column: feature["names"] for column, feature in features.items()
            if isinstance(feature, dict) and feature.get("_type") == "ClassLabel"}


def _evidence(value: dict[str, Any]) -> Evidence:
    return Evidence(value["kind"], value["line"], value["quote"], value["reasoning"])


def _document(row: dict[str, Any]) -> ReleasedDocument:
    return ReleasedDocument(
        doc_id=row["doc_id"], split=row["split"], title=row["title"], text=row["text"],
        publisher=row["publisher"], publisher_evidence=_evidence(row["publisher_evidence"]),
        publication_date=row["publication_date"], publication_date_precision=row["publication_date_precision"],
        publication_date_evidence=_evidence(row["publication_date_evidence"]),
        normalizer_version=row["normalizer_version"], raw_file=row["raw_file"], raw_sha256=row["raw_sha256"],
        raw_encoding=row["raw_encoding"], text_sha256=row["text_sha256"],
    )


def _registry_entity(row: dict[str, Any]) -> RegistryEntity:
    return RegistryEntity(row["id"], row["name"], row["type"], tuple(row["aliases"] or ()), row["wikidata"],
                          row["description"] or "")


def _span(row: dict[str, Any], text: str, where: Location, prefix: str = "") -> Span:
    span = Span(row[f"{prefix}start"], row[f"{prefix}end"])
    if span.end > len(text) or span.of(text) != row[f"{prefix}text"]:
        raise CorpusError("span-text-mismatch", f"{prefix}text {row[f'{prefix}text'][:40]!r} is not the "
                          f"document's text at [{span.start}, {span.end})", where)
    return span


def _entity(row: dict[str, Any], text: str, where: Location) -> EntityMention:
    return EntityMention(row["id"], row["doc_id"], _span(row, text, where), row["text"], row["label"], row["entity_id"])


def _timex(row: dict[str, Any], text: str, where: Location) -> TimeExpression:
    return TimeExpression(row["id"], row["doc_id"], _span(row, text, where), row["text"], row["label"],
                          row["value"], row["mod"])


def _quote(row: dict[str, Any], text: str, where: Location) -> Quote:
    source = cue = None
    if row["source_id"] is not None:
        source = Source(row["source_id"], _span(row, text, where, "source_"), row["source_text"], row["speaker_id"])
    if row["cue_id"] is not None:
        cue = Cue(row["cue_id"], _span(row, text, where, "cue_"), row["cue_text"])
    return Quote(row["id"], row["doc_id"], _span(row, text, where), row["text"], row["quote_type"], source, cue)


def _by_document(rows: Iterator[tuple[dict[str, Any], Location]], texts: dict[str, str],
                 record: Callable[[dict[str, Any], str, Location], Any]) -> dict[str, tuple]:
    grouped: dict[str, list] = {doc_id: [] for doc_id in texts}
    for row, where in rows:
        if row["doc_id"] not in texts:
            raise CorpusError("doc-unknown", f"a row of document {row['doc_id']!r}, which the documents config "
                              "does not hold", where)
        grouped[row["doc_id"]].append(record(row, texts[row["doc_id"]], where))
    return {doc_id: tuple(sorted(items, key=lambda item: (item.span, item.id))) for doc_id, items in grouped.items()}
