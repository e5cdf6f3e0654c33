"""The compatibility matrix of a release, tested at both ends.

datasets: the oldest version pyproject claims (3.0.0, in its own cached venv: tests/compat_env.py)
and the newest (this environment's, pinned by requirements.lock) load every config of a release,
from the directory (the card's YAML) and from bare parquet files (their embedded features), with
the documented feature types and ``.feature.names``. pandas, polars and DuckDB read every config
with the values pyarrow reads.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from corpus_tools.release import CONFIGS, build_release
from corpus_tools.release.arrow_schemas import features_dict, yaml_features
from corpus_tools.release.export import export_release
from release_factories import spread_inputs

import compat_env

PROBE = r"""
import json, sys
import datasets
root = sys.argv[1]
out = {"version": datasets.__version__, "configs": {}}
for config in json.loads(sys.argv[2]):
    loaded = datasets.load_dataset(root, config)
    bare = datasets.load_dataset("parquet", data_files=f"{root}/data/{config}/train-*.parquet", split="train")
    train = loaded["train"]
    out["configs"][config] = {
        "splits": {name: split.num_rows for name, split in loaded.items()},
        "features": train.features.to_dict(),
        "yaml": train.features._to_yaml_list(),
        "types": {name: type(feature).__name__ for name, feature in train.features.items()},
        "bare_equal": bare.features == train.features,
        "first": train[0],
    }
ner = datasets.load_dataset(root, "ner", split="train")
tags = datasets.load_dataset("parquet", data_files=f"{root}/data/ner/*.parquet", split="train").features["ner_tags"]
out["ner_tag_names"] = ner.features["ner_tags"].feature.names
out["bare_ner_tag_names"] = tags.feature.names
out["label_name"] = datasets.load_dataset(root, "entities", split="test").features["label"].int2str(3)
documented = eval(sys.argv[3], {"datasets": datasets, "root": root})
out["documented_bare_ner_splits"] = {name: split.num_rows for name, split in documented.items()}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    return build_release(*spread_inputs(extra=2), tmp_path_factory.mktemp("dist"), "1.1.0").path


def _probe(python: str, release, tmp_path) -> dict:
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "PYTHONPATH": ""}
    done = subprocess.run([python, "-c", PROBE, str(release), json.dumps(CONFIGS), _documented_bare_parquet_load()],
                          env=env, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _documented_bare_parquet_load() -> str:
    """docs/release.md's call of datasets.load_dataset("parquet", ...) on a release's ner files,
    as an expression of ``root`` (the release's directory)."""
    lines = (Path(__file__).resolve().parent.parent / "docs" / "release.md").read_text(encoding="utf-8").splitlines()
    (line,) = [line for line in lines if 'datasets.load_dataset("parquet"' in line]
    return line.split("#")[0].strip().replace('"dist/1.2.1/', 'root + "/')


def _parquet_rows(release, config: str, split: str = "train") -> list[dict]:
    files = sorted((release / "data" / config).glob(f"{split}-*.parquet"))
    return pq.ParquetDataset(files).read().to_pylist()


def _check_common(result: dict, release) -> None:
    for config in CONFIGS:
        loaded = result["configs"][config]
        present = {f.name.split("-")[0] for f in (release / "data" / config).glob("*.parquet")}
        assert set(loaded["splits"]) == present
        for split, rows in loaded["splits"].items():
            assert rows == sum(pq.read_metadata(f).num_rows for f in (release / "data" / config).glob(f"{split}-*"))
        assert loaded["bare_equal"], config  # the parquet metadata and the card say the same
        assert loaded["first"] == _parquet_rows(release, config)[0]
    assert result["configs"]["quotes"]["splits"] == {"train": 1}  # no quote in validation or test: not declared
    assert result["ner_tag_names"][:3] == result["bare_ner_tag_names"][:3] == ["O", "B-PERSON", "I-PERSON"]
    assert result["label_name"] == "GPE"
    # the docs' load of the bare files keeps the splits: data_files="data/ner/*.parquet" gave every
    # split's rows as train, validation's and test's among them
    assert result["documented_bare_ner_splits"] == result["configs"]["ner"]["splits"]
    assert set(result["documented_bare_ner_splits"]) == {"train", "validation", "test"}


def test_the_oldest_datasets_claimed_reads_the_release_as_documented(release, tmp_path):
    result = _probe(str(compat_env.python(compat_env.install())), release, tmp_path)
    assert result["version"] == "3.0.0"
    _check_common(result, release)
    for config in CONFIGS:  # exactly the forms datasets 3.x itself writes
        assert result["configs"][config]["features"] == features_dict(config)
        assert result["configs"][config]["yaml"] == yaml_features(config)
    assert result["configs"]["ner"]["types"]["ner_tags"] == "Sequence"
    assert result["configs"]["kb"]["types"]["passages"] == "list"


def test_the_newest_datasets_reads_the_release_as_documented(release, tmp_path):
    result = _probe(sys.executable, release, tmp_path)
    assert int(result["version"].split(".")[0]) >= 4
    _check_common(result, release)
    types = result["configs"]
    assert types["ner"]["types"]["ner_tags"] == "List" and types["kb"]["types"]["passages"] == "List"
    assert types["entities"]["types"]["label"] == "ClassLabel"


JSONL_PROBE = r"""
import json, sys
import datasets
root = sys.argv[1]
loaded = datasets.load_dataset(root)
registry = datasets.load_dataset(root, "entity_registry", split="train")
print(json.dumps({"version": datasets.__version__,
                  "splits": {name: {"rows": split.num_rows, "features": split.features.to_dict()}
                             for name, split in loaded.items()},
                  "test_evidence": loaded["test"][0]["publisher_evidence"],
                  "registry": registry.features.to_dict()}))
"""


def test_the_oldest_datasets_claimed_loads_the_jsonl_export_typed_as_the_release(release, tmp_path):
    """The JSONL export's README.md declares the release's features in the form datasets 3.x
    reads (tests/test_export.py loads it with the newest): every split has them, columns null
    throughout a split (the test documents' evidence line) included."""
    out = export_release(release, "jsonl", tmp_path / "jsonl").path
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "PYTHONPATH": ""}
    done = subprocess.run([str(compat_env.python(compat_env.install())), "-c", JSONL_PROBE, str(out)], env=env,
                          capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["version"] == "3.0.0"
    assert {name: split["rows"] for name, split in result["splits"].items()} == {"train": 6, "validation": 11,
                                                                                  "test": 10}
    documents = features_dict("documents")
    layer = {config: [{name: feature for name, feature in features_dict(config).items()
                       if name not in ("doc_id", "fold")}] for config in ("entities", "timexes", "ner")}
    for split in result["splits"].values():
        found = split["features"]
        assert {name: found[name] for name in documents} == documents
        assert found["publisher_evidence"]["line"] == {"dtype": "int32", "_type": "Value"}
        assert (found["entities"], found["timexes"], found["sentences"]) == (layer["entities"], layer["timexes"],
                                                                           layer["ner"])
        assert found["quotes"][0]["quote_type"] == {"names": ["direct", "indirect", "mixed"], "_type": "ClassLabel"}
        assert found["quotes"][0]["cue"]["start"] == {"dtype": "int32", "_type": "Value"}
    assert result["test_evidence"] == {"kind": "none", "line": None, "quote": None, "reasoning": None}
    assert result["registry"] == features_dict("entity_registry")


def _normalized(value):
    """Rows as plain JSON-like values, whatever library read them (numpy arrays, tuples, NaN)."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, dict):
        return {key: _normalized(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalized(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and value.is_integer():  # pandas gives a nullable int in a struct as float
        return int(value)
    return value


def _sorted_rows(rows) -> list[str]:
    return sorted(json.dumps(_normalized(row), sort_keys=True) for row in rows)


@pytest.mark.parametrize("config", CONFIGS)
def test_pandas_polars_and_duckdb_read_every_config_with_the_values_pyarrow_reads(release, config):
    import duckdb
    import pandas as pd
    import polars as pl

    files = sorted(str(f) for f in (release / "data" / config).glob("*.parquet"))
    expected = _sorted_rows(row for f in files for row in pq.read_table(f).to_pylist())
    assert len(expected) > 0
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    assert _sorted_rows(frame.to_dict(orient="records")) == expected
    assert _sorted_rows(pl.read_parquet(files).to_dicts()) == expected
    relation = duckdb.sql(f"SELECT * FROM read_parquet({files!r})")
    names = [column[0] for column in relation.description]
    assert _sorted_rows(dict(zip(names, row)) for row in relation.fetchall()) == expected
