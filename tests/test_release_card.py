"""The dataset card's YAML header and sections, checked field by field (the Hub's validator needs
the network), and the CHANGELOG and Croissant metadata that come with it."""

from __future__ import annotations

import json

import mlcroissant as mlc
import pyarrow.parquet as pq
import pytest
import yaml
from datasets import Features

from corpus_tools.release import CONFIGS, ShardSizes, build_release, features
from corpus_tools.release.checksums import sha256_file
from release_factories import spread_inputs

SHARDS = ShardSizes(rows_per_shard=4, batch_rows=2, document_rows_per_shard=4, document_batch_rows=2)


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    documents, annotations, registry = spread_inputs(extra=6)
    return build_release(documents, annotations, registry, tmp_path_factory.mktemp("dist"), "1.0.0", sizes=SHARDS)


@pytest.fixture(scope="module")
def card(release):
    text = (release.path / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    header, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(header), body


def test_header_describes_the_dataset(card):
    header, _ = card
    assert header["pretty_name"] == "US–Syria Relations News Corpus (2021–2024)"
    assert header["license"] == "other"
    assert header["license_name"] == "news-text-publisher-copyright"
    assert "copyright stays with their publishers" in header["license_details"]
    assert "grants no license to the article texts" in header["license_details"]
    assert header["language"] == ["en"]
    assert header["task_categories"] == ["token-classification"]
    assert header["task_ids"] == ["named-entity-recognition"]
    assert header["size_categories"] == ["n<1K"]
    assert header["annotations_creators"] == ["expert-generated"]


def test_configs_declare_every_shard(card, release):
    header, _ = card
    assert [c["config_name"] for c in header["configs"]] == list(CONFIGS)
    assert [c.get("default", False) for c in header["configs"]] == [True] + [False] * (len(CONFIGS) - 1)
    declared = sorted(path for config in header["configs"] for files in config["data_files"]
                      for path in files["path"])
    on_disk = sorted(p.relative_to(release.path).as_posix() for p in release.path.rglob("*.parquet"))
    assert declared == on_disk
    documents = next(c for c in header["configs"] if c["config_name"] == "documents")
    assert [f["split"] for f in documents["data_files"]] == ["train", "validation", "test"]
    assert documents["data_files"][0]["path"] == ["data/documents/train-00000-of-00002.parquet",
                                                 "data/documents/train-00001-of-00002.parquet"]
    registry = next(c for c in header["configs"] if c["config_name"] == "entity_registry")
    assert [f["split"] for f in registry["data_files"]] == ["train"]


def test_dataset_info_features_and_split_sizes_match_the_data(card, release):
    header, _ = card
    assert [info["config_name"] for info in header["dataset_info"]] == list(CONFIGS)
    for info in header["dataset_info"]:
        config = info["config_name"]
        assert Features._from_yaml_list(info["features"]) == features(config)
        for split in info["splits"]:
            files = (release.path / "data" / config).glob(f"{split['name']}-*.parquet")
            assert split["num_examples"] == sum(pq.read_metadata(f).num_rows for f in files)
        assert info["download_size"] == sum(f.stat().st_size for f in (release.path / "data" / config).iterdir())
    entities = next(i for i in header["dataset_info"] if i["config_name"] == "entities")
    assert {s["name"]: s["num_examples"] for s in entities["splits"]} == {"train": 10, "validation": 4, "test": 8}
    label = next(f for f in entities["features"] if f["name"] == "label")
    assert label["dtype"]["class_label"]["names"]["3"] == "GPE"


def test_body_has_standard_sections_and_computed_statistics(card):
    _, body = card
    for heading in ("## Dataset Summary", "## Supported Tasks", "## Languages", "## Dataset Structure",
                    "### Data Splits", "## Dataset Creation", "### Annotations", "### Known Limitations",
                    "### Licensing Information", "### Citation Information"):
        assert f"\n{heading}\n" in body
    # 5 seeds + 3 synthetic + 6 bulk documents; the seed annotation has 4 entities, synthetic ones 2 each
    assert "14 documents" in body
    assert "22 entity mentions, 10 time expressions, 1 quote(s)" in body
    assert "Of 1 quote(s), 1 have a source (1 with a speaker from the registry) and 1 a cue." in body
    assert "| GPE | 20 |" in body and "| PERSON | 1 |" in body
    assert "In this release: train: 8, validation: 2, test: 4." in body
    assert "A single annotation team annotated the corpus" in body
    assert "topically narrow (one bilateral relationship, 2021–2024) and small (14 documents)" in body
    assert "truncated" in body
    assert "With only 14 documents, the splits say nothing statistically" in body
    assert "9 documents have no publisher" in body and "| Reuters | 5 |" in body


def test_croissant_validates_offline_and_hashes_every_shard(release):
    path = release.path / "croissant.json"
    metadata = json.loads(path.read_text(encoding="utf-8"))
    files = {item["contentUrl"]: item["sha256"] for item in metadata["distribution"] if "sha256" in item}
    assert files == {p.relative_to(release.path).as_posix(): sha256_file(p) for p in release.path.rglob("*.parquet")}
    assert [rs["@id"] for rs in metadata["recordSet"]] == list(CONFIGS)
    dataset = mlc.Dataset(jsonld=path)  # raises ValidationError on any error
    assert dataset.metadata.version == "1.0.0"
    records = list(dataset.records("entity_registry"))
    assert [r["entity_registry/id"] for r in records] == [b"afp", b"bashar-al-assad", b"syria", b"united-states"]


def test_changelog_entry(release):
    text = (release.path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text == ("# Changelog\n\n## 1.0.0 (2024-05-02)\n\n- 14 documents, 22 entity mentions, "
                    "10 time expressions, 1 quote(s), 4 registry entities.\n- The first release.\n")
