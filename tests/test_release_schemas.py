"""The release's own feature declarations agree with datasets.Features in every form it writes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from datasets import ClassLabel, Features, List

from corpus_tools.release.arrow_schemas import CONFIGS, arrow_schema, features, features_dict, yaml_features


@pytest.mark.parametrize("config", CONFIGS)
def test_arrow_schema_and_card_features_are_what_datasets_derives(config):
    real = Features.from_dict(features_dict(config))
    assert arrow_schema(config).equals(real.arrow_schema, check_metadata=True)
    assert yaml_features(config) == real._to_yaml_list()
    assert Features._from_yaml_list(yaml_features(config)) == features(config)


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
