"""The small corpus the export fixtures were made on (tests/fixtures/export-*.json[l]), as real records."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from corpus_tools.documents.add import manifest_line
from corpus_tools.layout import Layout
from corpus_tools.records import Document, Evidence, ManifestRecord
from corpus_tools.annotations.registry import read_registry

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXPORTS = FIXTURES / "exports"
REGISTRY = FIXTURES / "export-registry.jsonl"
# Two annotators' versions of the fixture documents (tests/fixtures/make_agreement_fixture.py)
TWO_ANNOTATORS = FIXTURES / "agreement" / "two-annotators.json"
EXPECTED = json.loads((FIXTURES / "export-expected.json").read_text())
# The documents removed from the fixture corpus (doc-removed.json's task names one), with the reason
REMOVED = {"doc-gone": "a takedown request"}
# Files the reader refuses before any task is checked ...
UNREADABLE = {
    "bad-truncated.json": "export-truncated",
    "bad-not-json.json": "export-not-json",
    "bad-empty-file.json": "export-not-json",
    "bad-not-an-export.json": "export-not-array",
    "bad-not-tasks.json": "export-not-tasks",
    "bad-empty.json": "export-empty",
    "bad-invalid-json.json": "export-invalid-json",
    "bad-trailing-data.json": "export-trailing-data",
    "bad-duplicate-key.json": "export-duplicate-key",
}
# ... and every file that is no export, with those refused once all its tasks are checked.
BAD_INPUTS = {
    **UNREADABLE,
    "bad-task-id-duplicate.json": "export-task-id-duplicate",
    "bad-annotation-id-duplicate.json": "export-annotation-id-duplicate",
}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_document(doc_id: str, text: str) -> Document:
    none = Evidence("none")
    raw = text.encode("utf-8")
    metadata = ManifestRecord(doc_id, f"{doc_id}.txt", hashlib.sha256(raw).hexdigest(), len(raw), "utf-8",
                              None, None, none, None, None, none)
    return Document(doc_id, None, text, metadata, None, (), "1", sha256(text))


def documents() -> dict[str, Document]:
    texts = json.loads((FIXTURES / "export-documents.json").read_text(encoding="utf-8"))
    return {doc_id: make_document(doc_id, text) for doc_id, text in texts.items()}


def registry():
    return read_registry(REGISTRY)


def corpus_root(tmp_path: Path) -> Layout:
    """A corpus checkout of the fixture documents (raw files, each its own normalization, and a
    manifest) and the fixture registry: what the commands read as ``documents()``."""
    layout = Layout.at(tmp_path)
    layout.raw.mkdir(parents=True)
    layout.annotations.mkdir(parents=True)
    shutil.copy(REGISTRY, layout.registry)
    with open(layout.manifest, "wb") as manifest:
        for document in documents().values():
            (layout.raw / document.metadata.file).write_text(document.text, encoding="utf-8", newline="")
            manifest.write(manifest_line(document.metadata))
    return layout


def ingested(tmp_path: Path, export: Path = TWO_ANNOTATORS) -> Layout:
    """``corpus_root`` with ``export`` ingested (stored: every test built on it starts there)."""
    from corpus_tools.ingest import ingest

    layout = corpus_root(tmp_path)
    result = ingest(export, layout, documents(), registry())
    assert result.status == "stored", [str(problem) for problem in result.report]
    return layout


def stored_files(layout: Layout) -> list[str]:
    """Every file and directory under annotations/exports/ (temporary ones included), relative to it."""
    if not layout.exports.exists():
        return []
    return sorted(path.relative_to(layout.exports).as_posix() for path in layout.exports.rglob("*"))


def place_stored(layout: Layout, export: Path, sequence: int = 1) -> Path:
    """Put ``export`` into the store as ingest would, without checking it (for tests of what
    readers of the store do with what they find there)."""
    data = Path(export).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    directory = layout.exports / f"{sequence:06d}-{digest[:16]}"
    directory.mkdir(parents=True)
    (directory / "export.json").write_bytes(data)
    record = {"sha256": digest, "allow_partial": False, "trim_whitespace": False, "excluded": []}
    (directory / "ingest.json").write_text(json.dumps(record))
    return directory



# A registry record that annotator 1's version of doc-a links (``link_syrians``) while it is there:
# once it goes (``ingested_then_unregistered``), that version has an error found now, entity-id-unknown.
SYRIANS = {"aliases": [], "description": "Syrians as a people (a test record).", "id": "syrians", "name": "Syrians",
           "type": "NORP", "wikidata": None}


def link_syrians(annotation: dict) -> dict:
    """``annotation`` (annotator 1's of doc-a, whose region e4 is 'Syrian', unlinked) with e4 linked to SYRIANS."""
    [syrian] = [r for r in annotation["result"] if r.get("id") == "e4"]
    assert syrian["value"]["text"] == "Syrian" and (syrian["value"]["start"], syrian["value"]["end"]) == (62, 68)
    annotation["result"].append({"id": "e4", "from_name": "entity_id", "to_name": "text", "type": "textarea",
                                 "value": {"start": 62, "end": 68, "text": ["syrians"]}})
    return annotation


def ingested_then_unregistered(tmp_path: Path, *exports: Path) -> Layout:
    """``corpus_root`` with ``exports`` ingested (in that order) while the registry held SYRIANS,
    which then leaves it."""
    from corpus_tools.ingest import ingest

    layout = corpus_root(tmp_path)
    registry = layout.registry.read_bytes()
    layout.registry.write_bytes(registry + json.dumps(SYRIANS).encode("utf-8") + b"\n")
    for export in exports:
        result = ingest(export, layout, documents(), read_registry(layout.registry))
        assert result.status == "stored", [str(problem) for problem in result.report]
    layout.registry.write_bytes(registry)
    return layout
