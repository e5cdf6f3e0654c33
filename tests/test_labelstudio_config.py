"""The labeling config: generated from the schema tables, and accepted by a real server."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from corpus_tools.cli import cli
from corpus_tools.labelstudio.config import labeling_config
from corpus_tools.schema import LAYERS, REGION_VALUES


def controls(config: str) -> dict[str, ET.Element]:
    root = ET.fromstring(config)
    return {element.get("name"): element for element in root.iter() if element.get("toName") == "text"}


def test_control_names_are_exactly_the_schemas():
    assert sorted(controls(labeling_config())) == sorted(
        ["entity", "timex", "attribution", "entity_id", "timex_value", "timex_mod", "quote_type", "speaker_id"])


def test_labels_and_choices_come_from_the_schema_in_order():
    found = controls(labeling_config())
    for name, layer in LAYERS.items():
        assert found[name].tag == "Labels"
        assert tuple(label.get("value") for label in found[name]) == layer.labels
    assert [c.get("value") for c in found["quote_type"]] == ["direct", "indirect", "mixed"]
    assert [c.get("value") for c in found["timex_mod"]][:3] == ["BEFORE", "AFTER", "ON_OR_BEFORE"]


def test_per_region_controls_show_for_their_layer_and_label_only():
    found = controls(labeling_config())
    for name, value in REGION_VALUES.items():
        element = found[name]
        assert element.tag == value.control
        assert (element.get("perRegion"), element.get("visibleWhen")) == ("true", "region-selected")
        assert element.get("whenTagName") == value.layer
        assert element.get("required") == ("true" if value.required else None)
    assert found["quote_type"].get("whenLabelValue") == "QUOTE"
    assert found["speaker_id"].get("whenLabelValue") == "SOURCE"
    assert found["entity_id"].get("whenLabelValue") is None  # every entity label


def test_text_style_and_relations():
    config = labeling_config()
    root = ET.fromstring(config)
    assert '<Text name="text" value="$text"/>' in config
    assert root.find("Style").text == ".htx-text{white-space:pre-wrap}"
    assert [r.get("value") for r in root.find("Relations")] == ["said_by", "cue"]


def test_config_command_prints_the_config_byte_for_byte():
    result = CliRunner().invoke(cli, ["labelstudio", "config"])
    assert result.exit_code == 0, result.output
    assert result.output == labeling_config() + "\n"


@pytest.mark.labelstudio
def test_real_server_accepts_the_config_and_rejects_a_broken_one(labelstudio):
    client = labelstudio.client
    project = client.projects.create(title="config acceptance", label_config=labeling_config())
    assert client.projects.get(project.id).label_config == labeling_config()
    client.projects.validate_label_config(project.id, label_config=labeling_config())  # raises if invalid
    # the same server refuses a config whose control points at a missing object tag
    broken = labeling_config().replace('<Labels name="timex" toName="text">', '<Labels name="timex" toName="txt">')
    with pytest.raises(Exception) as refused:
        client.projects.validate_label_config(project.id, label_config=broken)
    assert getattr(refused.value, "status_code", None) == 400
