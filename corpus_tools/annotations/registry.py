"""The entity registry, annotations/entity-registry.jsonl: one RegistryEntity per line.

Reading is strict: a line that is not JSON, lacks a key, carries an unknown key, breaks a
record rule (lowercase-hyphenated id, entity label as type, QID or null) or repeats an id
raises ``CorpusError`` located by file and line. Writing is deterministic (sorted by id,
sorted keys, one compact line each) and atomic.
"""

from __future__ import annotations

import hashlib
from dataclasses import fields
from pathlib import Path
from typing import Iterable, Mapping

import orjson

from corpus_tools import strictjson
from corpus_tools.errors import CorpusError, Location, keys_wrong
from corpus_tools.fsutil import atomic_write_bytes, present
from corpus_tools.layout import Layout
from corpus_tools.records import RegistryEntity

REQUIRED_KEYS = ("id", "name", "type")
KNOWN_KEYS = frozenset(field.name for field in fields(RegistryEntity))


def read_registry(path: str | Path) -> dict[str, RegistryEntity]:
    """The registry at ``path`` as id -> entity; raises CorpusError naming the line at fault."""
    path = Path(path)
    if not present(path):
        raise CorpusError("registry-missing", "no entity registry here; create it (one JSON object per line)",
                          Location(file=str(path)))
    entities: dict[str, RegistryEntity] = {}
    for where, record in strictjson.object_lines(path, "registry-invalid-json", "registry-invalid-record"):
        entity = _entity(record, where)
        if entity.id in entities:
            raise CorpusError("registry-duplicate-id", f"id {entity.id!r} is already defined on an earlier line", where)
        entities[entity.id] = entity
    return entities


def load_registry(layout: Layout) -> dict[str, RegistryEntity]:
    """The corpus's registry; an empty one when the file does not exist yet (a fresh corpus)."""
    return read_registry(layout.registry) if present(layout.registry) else {}


def registry_digest(registry: Mapping[str, RegistryEntity]) -> str:
    """What validation against ``registry`` depends on: every entity, in id order."""
    payload = b"".join(orjson.dumps(_as_json(registry[key]), option=orjson.OPT_SORT_KEYS) + b"\n"
                       for key in sorted(registry))
    return hashlib.sha256(payload).hexdigest()


def write_registry(path: str | Path, entities: Iterable[RegistryEntity]) -> None:
    """Write ``entities`` sorted by id, atomically (temp file + rename)."""
    path = Path(path)
    ordered = sorted(entities, key=lambda entity: entity.id)
    ids = [entity.id for entity in ordered]
    if len(set(ids)) != len(ids):
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        raise CorpusError("registry-duplicate-id", f"ids given more than once: {', '.join(duplicates)}",
                          Location(file=str(path)))
    payload = b"".join(orjson.dumps(_as_json(entity), option=orjson.OPT_SORT_KEYS) + b"\n" for entity in ordered)
    atomic_write_bytes(path, payload)


def _as_json(entity: RegistryEntity) -> dict:
    # field by field: dataclasses.asdict deep-copies, and this runs for every entity of every digest
    record = {name: getattr(entity, name) for name in KNOWN_KEYS}  # written with sorted keys
    record["aliases"] = list(entity.aliases)
    return record


def _entity(record: dict, location: Location) -> RegistryEntity:
    missing = [key for key in REQUIRED_KEYS if key not in record]
    unknown = sorted(set(record) - KNOWN_KEYS)
    if missing or unknown:
        raise CorpusError("registry-invalid-record",
                          f"{keys_wrong(missing, unknown)}; keys are {sorted(KNOWN_KEYS)}", location)
    aliases = record.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(alias, str) for alias in aliases):
        raise CorpusError("registry-invalid-record", "aliases must be a list of strings", location)
    try:
        return RegistryEntity(**{**record, "aliases": tuple(aliases), "description": record.get("description") or ""})
    except (TypeError, ValueError) as error:
        raise CorpusError("registry-invalid-record", str(error), location) from None
