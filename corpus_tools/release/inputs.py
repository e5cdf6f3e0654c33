"""``release(layout)``: gather a checkout's records, validate them, build dist/<version>/.

Integration points with the other parts of the pipeline, each in one function below:
documents come from corpus_tools.corpus.load_documents (main), annotations from
corpus_tools.annotations.load_annotation_set (branch ``ingest``; its AnnotationSet's ``chosen``
and ``report``), the registry from corpus_tools.registry.load_registry (branch ``ingest``; a
lenient local reader stands in until it lands). While annotations/exports/ holds no export, the release has
empty annotation configs (documents, ner without entities, registry).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

from corpus_tools.errors import CorpusError, Location, Report
from corpus_tools.layout import Layout
from corpus_tools.records import Document, DocumentAnnotations, RegistryEntity
from corpus_tools.release.build import ReleaseResult, ShardSizes, build_release, check_version, invalid_inputs
from corpus_tools.release.versions import list_versions, version_key
from corpus_tools.version import __version__


def release(layout: Layout, version: str | None = None, *, sizes: ShardSizes = ShardSizes()) -> ReleaseResult:
    """Build ``dist/<version>`` (the package version) from raw/ and annotations/."""
    version = _release_version(version)
    documents = load_documents(layout)
    registry = load_registry(layout)
    annotations, report = load_annotations(layout, documents, registry)
    if not report.valid:  # ingest's validation of the stored exports; build_release checks the rest
        raise invalid_inputs(report)
    return build_release(documents, annotations, tuple(registry.values()), layout.dist, version,
                         previous_changelog=previous_changelog(layout.dist, version), sizes=sizes)


def _release_version(version: str | None) -> str:
    if version is None:
        return __version__
    check_version(version)
    if version != __version__:
        raise CorpusError("version-mismatch", f"cannot release {version}: the version is corpus_tools/version.py's "
                          f"({__version__}); change it there to release another version")
    return version


def load_documents(layout: Layout) -> Mapping[str, Document]:
    try:
        from corpus_tools.corpus import load_documents as load  # main: the lead's corpus.py
    except ImportError as error:
        raise CorpusError("documents-unavailable", f"cannot load documents ({error}); merge main for "
                          "corpus_tools.corpus") from None
    return load(layout)


def load_annotations(layout: Layout, documents: Mapping[str, Document],
                     registry: Mapping[str, RegistryEntity]) -> tuple[Mapping[str, DocumentAnnotations], Report]:
    """The chosen annotation of each document, and the report of reading the stored exports."""
    if not layout.exports.is_dir() or not any(layout.exports.glob("*.json")):
        return {}, Report()
    try:
        from corpus_tools.annotations import load_annotation_set  # branch ingest
    except ImportError as error:
        raise CorpusError("annotations-unavailable", f"annotations/exports/ has exports but they cannot be "
                          f"loaded ({error}); merge the ingest branch") from None
    annotation_set = load_annotation_set(layout, documents, registry)  # records.AnnotationSet
    return annotation_set.chosen, annotation_set.report


def load_registry(layout: Layout) -> dict[str, RegistryEntity]:
    """annotations/entity-registry.jsonl as id -> entity; absent means empty."""
    try:
        from corpus_tools.registry import load_registry as load  # branch ingest: the strict reader
    except ImportError:
        return {entity.id: entity for entity in read_registry(layout.registry)}
    return load(layout)


def read_registry(path: Path) -> tuple[RegistryEntity, ...]:
    """A lenient stand-in for corpus_tools.registry (branch ingest) until that lands."""
    if not path.is_file():
        return ()
    entities = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            entities.append(RegistryEntity(
                id=record["id"], name=record["name"], type=record["type"], aliases=tuple(record.get("aliases") or ()),
                wikidata=record.get("wikidata"), description=record.get("description") or "",
            ))
        except (ValueError, KeyError, TypeError) as error:
            raise CorpusError("registry-invalid", f"bad registry record: {error}",
                              Location(file=str(path), line=number)) from None
    return tuple(entities)


def previous_changelog(dist: Path, version: str) -> str:
    """The CHANGELOG.md of the latest release older than ``version``, so history accumulates."""
    older = [v for v in list_versions(dist) if version_key(v) < version_key(version)]
    if not older:
        return ""
    path = dist / older[-1] / "CHANGELOG.md"
    return path.read_text(encoding="utf-8") if path.is_file() else ""
