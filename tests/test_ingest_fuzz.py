"""Ingest under attack: 330 seeded mutants of the committed export, each through the command.

Every mutant must end in exit 0 or 1 with no traceback; a refused one must leave nothing in the
store; an accepted one must give the same annotations as the original, or carry a problem that
says why they differ (a warning or info: a changed text that re-anchors, whitespace in
value.text, ...). The mutations are those an attacker or a broken tool makes: byte flips,
truncations, deleted and duplicated keys, changed types, offsets moved by one, huge and
negative integers, NaN, deep nesting, lone surrogates, long strings.
"""

from __future__ import annotations

import json
import random
import shutil

import pytest
from click.testing import CliRunner

from corpus_tools.annotations.consolidate import load_annotation_set
from corpus_tools.annotations.registry import load_registry
from corpus_tools.cli import cli
from corpus_tools.documents.index import DocumentIndex
from corpus_tools.ingest import stored_exports
from corpus_tools.layout import Layout

from conftest import REPO

SEEDS = range(330)
ORIGINAL = next((REPO / "annotations" / "exports").glob("000001-*/export.json"))


def _objects(value, found):
    """Every JSON object and list inside ``value``, with the keys/indexes that lead to its items."""
    if isinstance(value, dict):
        found.append(value)
        for item in value.values():
            _objects(item, found)
    elif isinstance(value, list):
        found.append(value)
        for item in value:
            _objects(item, found)
    return found


def _scalar_places(value):
    """(container, key) of every scalar."""
    places = []
    for container in _objects(value, []):
        keys = container.keys() if isinstance(container, dict) else range(len(container))
        places += [(container, key) for key in keys if not isinstance(container[key], (dict, list))]
    return places


def _replaced(data, rng: random.Random, make) -> bytes:
    """The export with one value replaced by the raw JSON text ``make(old value)``."""
    places = _scalar_places(data)
    container, key = places[rng.randrange(len(places))]
    marker = f"@@MUTANT-{rng.random()}@@"
    old = container[key]
    container[key] = marker
    text = json.dumps(data, ensure_ascii=False, indent=2)
    container[key] = old
    return text.replace(json.dumps(marker), make(old), 1).encode("utf-8")


def mutant(seed: int) -> tuple[str, bytes]:
    rng = random.Random(seed)
    raw = ORIGINAL.read_bytes()
    data = json.loads(raw)
    kind = ("byte-flip", "truncation", "key-deleted", "key-duplicated", "type-changed", "offset-shifted",
            "huge-integer", "negative-integer", "nan", "deep-nesting", "lone-surrogate", "long-string")[seed % 12]
    if kind == "byte-flip":
        position = rng.randrange(len(raw))
        return kind, raw[:position] + bytes([raw[position] ^ (1 << rng.randrange(8))]) + raw[position + 1:]
    if kind == "truncation":
        return kind, raw[:rng.randrange(1, len(raw))]
    if kind in ("key-deleted", "key-duplicated"):
        objects = [item for item in _objects(data, []) if isinstance(item, dict) and item]
        target = objects[rng.randrange(len(objects))]
        key = rng.choice(sorted(target))
        if kind == "key-deleted":
            del target[key]
            return kind, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        marker = f"@@DUPLICATE-{seed}@@"
        old = target[key]
        target[key] = marker
        text = json.dumps(data, ensure_ascii=False, indent=2)
        pair = f"{json.dumps(key)}: {json.dumps(marker)}"
        return kind, text.replace(pair, f"{json.dumps(key)}: {json.dumps(old)}, {json.dumps(key)}: 0", 1).encode()
    if kind == "offset-shifted":
        values = [item["value"] for item in _objects(data, []) if isinstance(item, dict)
                  and isinstance(item.get("value"), dict) and "start" in item["value"]]
        value = values[rng.randrange(len(values))]
        value[rng.choice(("start", "end"))] += rng.choice((-1, 1))
        return kind, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    make = {
        "type-changed": lambda old: rng.choice(['"7"', "7", "true", "null", "[]", "{}", "1.5"]),
        "huge-integer": lambda old: str(2 ** 64 + rng.randrange(1000)),
        "negative-integer": lambda old: str(-rng.randrange(1, 10 ** 6)),
        "nan": lambda old: rng.choice(["NaN", "Infinity", "-Infinity"]),
        "deep-nesting": lambda old: "[" * 5000 + "]" * 5000,
        "lone-surrogate": lambda old: '"\\ud800' + rng.choice(["", "x", "\\u0041"]) + '"',
        "long-string": lambda old: json.dumps("x" * rng.choice((1000, 100_000))),
    }[kind]
    return kind, _replaced(data, rng, make)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Layout, DocumentIndex, dict]:
    root = tmp_path_factory.mktemp("fuzz-corpus")
    shutil.copytree(REPO / "raw", root / "raw")
    (root / "annotations").mkdir()
    shutil.copy(REPO / "annotations" / "entity-registry.jsonl", root / "annotations" / "entity-registry.jsonl")
    layout = Layout.at(root)
    documents, registry = DocumentIndex(layout), load_registry(layout)
    CliRunner().invoke(cli, ["ingest", str(ORIGINAL), "--root", str(root)], catch_exceptions=False)
    original = load_annotation_set(layout, documents, registry).chosen
    shutil.rmtree(layout.exports)
    return layout, documents, {doc_id: _layers(annotations) for doc_id, annotations in original.items()}


def _layers(annotations) -> tuple:
    """An annotation's units without region ids (a renamed region is the same annotation)."""
    return (tuple((e.span, e.label, e.entity_id) for e in annotations.entities),
            tuple((t.span, t.label, t.value, t.mod) for t in annotations.timexes),
            tuple((q.span, q.quote_type, q.source and (q.source.span, q.source.speaker_id), q.cue and q.cue.span)
                  for q in annotations.quotes))


def _leftovers(layout: Layout) -> list[str]:
    places = [layout.exports, layout.build / "units"]
    return sorted(p.name for place in places if place.exists() for p in place.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("seed", SEEDS)
def test_a_mutant_export_is_refused_cleanly_or_gives_what_it_says(corpus, tmp_path, seed):
    layout, documents, original = corpus
    kind, data = mutant(seed)
    path = tmp_path / f"mutant-{seed}.json"
    path.write_bytes(data)
    try:
        result = CliRunner().invoke(cli, ["ingest", str(path), "--root", str(layout.root)])
        assert result.exit_code in (0, 1), (kind, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), (kind, result.exception)
        assert "Traceback" not in result.output
        assert _leftovers(layout) == [], kind
        stored = stored_exports(layout)
        if result.exit_code == 1 or not stored:
            assert stored == [], (kind, result.output)  # refused, or nothing submitted: nothing written
            return
        annotation_set = load_annotation_set(layout, documents, load_registry(layout))
        now = {doc_id: _layers(annotations) for doc_id, annotations in annotation_set.chosen.items()}
        if now != original:
            assert result.output.count("\n") > 1 or annotation_set.report.problems, (
                kind, "accepted with other annotations and no problem saying why", result.output)
    finally:
        shutil.rmtree(layout.exports, ignore_errors=True)
