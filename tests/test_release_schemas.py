"""The release's own feature declarations agree with datasets.Features in every form it writes.

Here with the installed (newest) datasets, which reads the datasets 3.x forms the release writes;
tests/test_compat.py checks them against datasets 3.0 itself.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from datasets import ClassLabel, Features, List

from corpus_tools.release.arrow_schemas import CONFIGS, arrow_schema, features, features_dict, yaml_features


@pytest.mark.parametrize("config", CONFIGS)
def test_arrow_schema_and_card_features_are_what_datasets_derives(config):
    real = Features.from_dict(features_dict(config))
    assert arrow_schema(config).equals(real.arrow_schema, check_metadata=False)
    assert json.loads(arrow_schema(config).metadata[b"huggingface"]) == {"info": {"features": features_dict(config)}}
    from_card = Features._from_yaml_list(yaml_features(config))
    assert from_card == features(config) and from_card.arrow_schema.equals(real.arrow_schema)
    assert from_card == real  # datasets reads the card and the parquet metadata alike


def test_lists_are_written_in_the_forms_datasets_3_reads():
    ner = dict(zip([f["name"] for f in yaml_features("ner")], yaml_features("ner")))
    assert ner["tokens"] == {"name": "tokens", "sequence": "string"}
    assert list(ner["ner_tags"]["sequence"]["class_label"]["names"].values())[:2] == ["O", "B-PERSON"]
    assert features_dict("ner")["ner_tags"]["_type"] == "Sequence"
    passages = features_dict("kb")["passages"]
    assert isinstance(passages, list) and passages[0]["offsets"]["feature"]["_type"] == "Sequence"
    assert "List" not in json.dumps([features_dict(config) for config in CONFIGS])


def test_a_list_of_structs_is_a_yaml_list_of_its_fields():
    """Mutations that wrote it as ``list: {struct: [...]}`` failed no test: datasets reads both."""
    passages = {f["name"]: f for f in yaml_features("kb")}["passages"]
    assert passages == {"name": "passages", "list": [
        {"name": "id", "dtype": "string"}, {"name": "type", "dtype": "string"},
        {"name": "text", "sequence": "string"}, {"name": "offsets", "sequence": {"sequence": "int64"}}]}


# (config, column, its Arrow type): mutations of an offset's or a count's width failed no test, since
# datasets derives its schema from the same declarations
@pytest.mark.parametrize(("config", "column", "arrow_type"), [
    ("entities", "raw_end", "int32"), ("quotes", "cue_raw_end", "int32"), ("quotes", "source_start", "int32"),
    ("timexes", "annotators", "int32"), ("entities", "label", "int64"), ("kb", "fold", "int32"),
])
def test_columns_have_their_arrow_types(config, column, arrow_type):
    assert str(arrow_schema(config).field(column).type) == arrow_type


def test_label_columns_are_class_labels_in_datasets():
    assert isinstance(features("entities")["label"], ClassLabel)
    assert features("entities")["label"].names[0] == "PERSON"
    ner_tags = features("ner")["ner_tags"]
    assert isinstance(ner_tags, List) and ner_tags.feature.names[:3] == ["O", "B-PERSON", "I-PERSON"]


def test_building_a_release_does_not_import_datasets():
    code = ("import sys, corpus_tools.release, corpus_tools.release.build, corpus_tools.release.card, "
            "corpus_tools.release.croissant; print('datasets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
