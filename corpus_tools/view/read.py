"""A release directory read back into records: what the viewer shows, and nothing else.

The release is verified against its SHA256SUMS first (a tampered release is refused, naming the
file). ``read_release`` gives what the viewer holds whole (the version, the registry, the sorted
doc_ids); ``documents`` gives each document with its entities, time expressions and quotes, one
at a time (corpus_tools.release.export.read_documents), so memory does not grow with the release.
Labels are named from each file's own ``huggingface`` features, so a release made under another
label set reads with the names it was made with. Every span is checked against its document's
text: a viewer that highlighted other characters than the row says would be worse than none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

from corpus_tools.errors import CorpusError, Location
from corpus_tools.records import (
    Cue, EntityMention, Evidence, Quote, RegistryEntity, ReleaseContents, ReleasedDocument, Source, Span,
    TimeExpression,
)
from corpus_tools.release.arrow_schemas import require_rows
from corpus_tools.release.checksums import config_files, open_parquet, require_release
from corpus_tools.release.export import read_config, read_documents
from corpus_tools.release.versions import release_metadata

CONFIGS = ("documents", "entities", "timexes", "quotes", "entity_registry")
LAYERS = ("entities", "timexes", "quotes")


def read_release(path: str | Path) -> ReleaseContents:
    """The release at ``path`` (a directory, called anything), after verifying it: its version
    (its croissant.json's), registry and doc_ids (``documents`` reads the documents)."""
    path = require_release(path)
    for config in CONFIGS:
        if not config_files(path, config):
            raise CorpusError("release-missing", f"the release has no {config} config",
                              Location(file=str(path / "data" / config)))
    doc_ids = sorted(doc_id for file in config_files(path, "documents") for doc_id in _doc_ids(file))
    registry = {entity.id: entity for entity in sorted(
        (_registry_entity(row, path) for row in read_config(path, "entity_registry")), key=lambda e: e.id)}
    return ReleaseContents(version=release_metadata(path)[0], doc_ids=tuple(doc_ids), registry=registry)


def _doc_ids(file: Path) -> list[str]:
    """The doc_ids of a documents file, none null (``require_rows``: read_documents checks the rest later)."""
    table = open_parquet(file).read(columns=["doc_id"])
    require_rows(table, "documents", {}, file)
    return table["doc_id"].to_pylist()


def documents(path: str | Path) -> Iterator[ReleasedDocument]:
    """Each document of the release at ``path``, in the release's order, with its layers in span order."""
    path = Path(path)
    for document in read_documents(path, LAYERS):
        row = document.row
        text = row["text"]
        yield ReleasedDocument(
            doc_id=row["doc_id"], split=row["split"], title=row["title"], text=text,
            publisher=row["publisher"], publisher_evidence=_evidence(row, "publisher_evidence", path),
            publication_date=row["publication_date"], publication_date_precision=row["publication_date_precision"],
            publication_date_evidence=_evidence(row, "publication_date_evidence", path),
            normalizer_version=row["normalizer_version"], raw_file=row["raw_file"], raw_sha256=row["raw_sha256"],
            raw_encoding=row["raw_encoding"], text_sha256=row["text_sha256"],
            entities=_records(document.entities, _entity, path / "data" / "entities"),
            timexes=_records(document.timexes, _timex, path / "data" / "timexes"),
            quotes=_records(document.quotes, _quote, path / "data" / "quotes"),
            annotated=document.annotated,
        )


def _made(record: Callable[[], Any], where: Callable[[], Location], what: str = "") -> Any:
    """``record()``, or ``release-invalid`` at ``where()`` when the record refuses a value of the
    release (``ValueError``: an evidence kind, a label or a TIMEX3 mod no record takes; a release
    made before a rule said so, or a file changed with SHA256SUMS), which was a traceback. The
    location is made only then: every region of every page passes here."""
    try:
        return record()
    except ValueError as error:
        raise CorpusError("release-invalid", f"{what}{error}", where()) from None


def _evidence(row: dict[str, Any], column: str, path: Path) -> Evidence:
    value = row[column]
    return _made(lambda: Evidence(value["kind"], value["line"], value["quote"], value["reasoning"]),
                 lambda: Location(file=str(path / "data" / "documents"), doc_id=row["doc_id"]), f"{column}: ")


def _registry_entity(row: dict[str, Any], path: Path) -> RegistryEntity:
    return _made(lambda: RegistryEntity(row["id"], row["name"], row["type"], tuple(row["aliases"] or ()),
                                        row["wikidata"], row["description"] or ""),
                 lambda: Location(file=str(path / "data" / "entity_registry")), f"registry entity {row['id']!r}: ")


def _span(row: dict[str, Any], prefix: str = "") -> Span:
    return Span(row[f"{prefix}start"], row[f"{prefix}end"])


def _entity(row: dict[str, Any]) -> EntityMention:
    return EntityMention(row["id"], row["doc_id"], _span(row), row["text"], row["label"], row["entity_id"])


def _timex(row: dict[str, Any]) -> TimeExpression:
    return TimeExpression(row["id"], row["doc_id"], _span(row), row["text"], row["label"], row["value"], row["mod"])


def _quote(row: dict[str, Any]) -> Quote:
    source = cue = None
    if row["source_id"] is not None:
        source = Source(row["source_id"], _span(row, "source_"), row["source_text"], row["speaker_id"])
    if row["cue_id"] is not None:
        cue = Cue(row["cue_id"], _span(row, "cue_"), row["cue_text"])
    return Quote(row["id"], row["doc_id"], _span(row), row["text"], row["quote_type"], source, cue)


def _records(rows: list[dict[str, Any]], record: Callable[[dict[str, Any]], Any], directory: Path) -> tuple:
    """The rows (of the config in ``directory``) as records, in span order; read_documents checked
    each span against the text."""
    made = [_made(lambda: record(row),
                  lambda: Location(file=str(directory), doc_id=row["doc_id"], region_id=row["id"])) for row in rows]
    return tuple(sorted(made, key=lambda item: (item.span, item.id)))
