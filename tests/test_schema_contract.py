"""docs/annotation-schema.md is the annotation contract (a copy of ../shared/annotation-schema.md,
which a clone of the repository does not have); corpus_tools/schema.py is the contract as code.
Each checked against the other."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus_tools import schema

REPO = Path(__file__).resolve().parent.parent
CONTRACT = REPO / "docs" / "annotation-schema.md"
SHARED = REPO.parent / "shared" / "annotation-schema.md"


def _section(title: str) -> str:
    text = CONTRACT.read_text(encoding="utf-8")
    return text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


@pytest.mark.skipif(not SHARED.is_file(), reason="needs ../shared/annotation-schema.md beside the repository")
def test_the_contract_in_docs_is_the_shared_one_byte_for_byte():
    assert CONTRACT.read_bytes() == SHARED.read_bytes()


def test_the_layers_labels_and_region_values_are_schema_py():
    layers, values = {}, {}
    table = _section("Layers").strip().split("\n\n")[0].splitlines()
    for row in table[2:]:  # below the header and its rule
        _, control, labels, per_region = (cell.strip() for cell in row.strip("|").split("|"))
        name = re.fullmatch(r'`<Labels name="(\w+)">`', control).group(1)
        layers[name] = tuple(label.strip() for label in labels.split(","))
        for value, kind, rest in re.findall(r"`(\w+)` \((TextArea|Choices)[^)]*\):([^;]*)", per_region):
            values[value] = (name, kind, rest)
    assert layers == {layer.name: layer.labels for layer in schema.LAYERS.values()}
    assert {value: (layer, kind) for value, (layer, kind, _) in values.items()} == {
        value.name: (value.layer, value.control) for value in schema.REGION_VALUES.values()}
    for value in schema.REGION_VALUES.values():
        listed = re.findall(r"\b[A-Za-z_]+\b", values[value.name][2])
        assert set(value.choices) <= set(listed), value.name
        assert ("required" in listed) == value.required, value.name


def test_the_relations_and_task_data_keys_are_schema_py():
    relations = re.findall(r"`(\w+)` from a (\w+) to its (\w+)", _section("Layers"))
    assert {name: (source, target) for name, source, target in relations} == schema.RELATIONS
    keys = _section("Task data keys").split("\n\n")[1]
    assert tuple(re.findall(r"`(\w+)`", re.sub(r"\([^)]*\)", "", keys))) == schema.TASK_DATA_KEYS
