"""Loading releases: datasets.load_dataset offline, corpus_tools.load/load_pandas, tamper detection."""

from __future__ import annotations

import inspect
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import datasets
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import corpus_tools
from corpus_tools.cli import cli
from corpus_tools.errors import CorpusError
from corpus_tools.release import CONFIGS, build_release, loaders, verify_release
from corpus_tools.release.checksums import SUMS_FILE
from corpus_tools.release.versions import list_versions
from corpus_tools.records import Quote
from release_factories import resummed, seed_inputs, span_of, spread_inputs

OFFLINE_SCRIPT = """
import json, os, sys
import datasets
entities = datasets.load_dataset(sys.argv[1], "entities")
streamed = datasets.load_dataset(sys.argv[1], "ner", split="train", streaming=True)
# Read the stream to its end: a reader abandoned mid-file can abort the interpreter at exit
# ("terminate called without an active exception", huggingface/datasets#7566).
first_sentence = list(streamed)[0]
print(json.dumps({
    "splits": {name: split.num_rows for name, split in entities.items()},
    "label_names": entities["train"].features["label"].names,
    "first": entities["train"][0],
    "streamed_tokens": first_sentence["tokens"],
    "ner_tag_names": streamed.features["ner_tags"].feature.names[:3],
}))
# Even so the abort at exit still came now and then (once in a full run, 2026-12-02): the
# answer is printed, so leave without the interpreter's teardown, where it happens.
sys.stdout.flush()
os._exit(0)
"""


def _copy(checkout, version, target):
    """A copy of ``checkout``'s release ``version`` at ``target``."""
    shutil.copytree(checkout / "dist" / version, target)
    return target


def _inside(checkout, version, tmp_path, monkeypatch):
    """The working directory made a copy of ``checkout``'s release ``version``, which it returns."""
    copy = _copy(checkout, version, tmp_path / "copy")
    monkeypatch.chdir(copy)
    return copy


def _refused(load, *args, **kwargs) -> CorpusError:
    with pytest.raises(CorpusError) as caught:
        load(*args, **kwargs)
    return caught.value


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A corpus root whose dist/ holds releases 1.0.0 (seeds) and 1.1.0 (seeds plus synthetic docs)."""
    root = tmp_path_factory.mktemp("checkout")
    build_release(*seed_inputs(), root / "dist", "1.0.0")
    build_release(*spread_inputs(), root / "dist", "1.1.0")
    return root


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("hf-cache")


def test_load_dataset_works_offline_and_shows_class_label_names(checkout, tmp_path):
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", OFFLINE_SCRIPT, str(checkout / "dist" / "1.1.0")],
                          env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert {key: result[key] for key in ("splits", "label_names", "streamed_tokens", "ner_tag_names")} == {
        "splits": {"train": 4, "validation": 20, "test": 20}, "streamed_tokens": ["Bashar", "Al-Assad"],
        "label_names": ["PERSON", "NORP", "ORG", "GPE", "LOC", "FAC", "EVENT", "LAW", "PRODUCT", "WORK_OF_ART"],
        "ner_tag_names": ["O", "B-PERSON", "I-PERSON"]}
    assert result["first"]["text"] == "Bashar Al-Assad" and result["first"]["label"] == 0
    assert (tmp_path / "hf").is_dir()  # the temporary HF_HOME was used


def test_load_latest_returns_datasets_with_label_names_and_streams(checkout, cache):
    loaded = corpus_tools.load(None, "entities", root=checkout, cache_dir=cache)
    assert sorted(loaded) == ["test", "train", "validation"]  # 1.1.0, the latest
    assert loaded["train"].features["label"].int2str(3) == "GPE"
    older = corpus_tools.load("1.0.0", "entities", root=checkout, split="train", cache_dir=cache)
    assert older.num_rows == 4
    assert [row["text"] for row in older] == ["Bashar Al-Assad", "Syria", "Washington", "AFP"]
    streamed = corpus_tools.load("1.0.0", "quotes", root=checkout, split="train", streaming=True, cache_dir=cache)
    (quote,) = list(streamed)
    assert (quote["source_text"], quote["cue_text"]) == ("he", "said")


def test_load_a_release_directory_anywhere_with_datasets_arguments(checkout, cache, tmp_path):
    elsewhere = _copy(checkout, "1.1.0", tmp_path / "downloads" / "us-syria-1.1.0")
    test = corpus_tools.load(elsewhere, "entities", split="test", cache_dir=cache, keep_in_memory=True)
    assert test.num_rows == 20 and test.features["label"].names[3] == "GPE"
    assert {row["fold"] for row in test} <= set(range(5))
    frame = corpus_tools.load_pandas(str(elsewhere), "quotes")
    assert frame["quote_type"].tolist() == ["direct"]


def test_load_pandas_gives_label_names(checkout):
    entities = corpus_tools.load_pandas(None, "entities", root=checkout)
    assert list(entities["label"].cat.categories)[:3] == ["PERSON", "NORP", "ORG"]
    assert entities["split"].value_counts().to_dict() == {"train": 4, "test": 20, "validation": 20}
    assert entities.loc[entities["text"] == "AFP", "label"].tolist() == ["ORG"]
    ner = corpus_tools.load_pandas("1.0.0", "ner", root=checkout, split="train")
    tagged = ner[ner["tokens"].map(lambda t: list(t[:3]) == ["Syrian", "President", "Bashar"])].iloc[0]
    assert tagged["ner_tags"][:4] == ["O", "O", "B-PERSON", "I-PERSON"]


def test_load_pandas_keeps_offsets_integers_where_a_quote_has_no_source(tmp_path):
    """pandas' int64 holds no null: in a release where one quote had no source, every quote's
    source_start came as a float (14.0, NaN), and text[start:end] of a quote with its source
    raised TypeError; a release with none gave ints. The dtype no longer depends on the data."""
    documents, annotations, registry = seed_inputs()
    first = min(annotations)
    text = documents[first].text
    unsourced = Quote("q2", first, span_of(text, "Sunday"), "Sunday", "indirect")
    annotations[first] = replace(annotations[first], quotes=(*annotations[first].quotes, unsourced))
    built = build_release(documents, annotations, registry, tmp_path / "dist", "1.0.0")
    quotes = corpus_tools.load_pandas(built.path, "quotes")
    assert quotes["id"].tolist() == ["q2", "q1"]  # in span order: "Sunday" comes first
    assert str(quotes["start"].dtype) == "int32"  # never null: numpy's int, as before
    assert {str(quotes[column].dtype) for column in ("source_start", "source_end", "cue_start", "cue_end",
                                                    "annotators")} == {"Int32"}
    bare, sourced = quotes.iloc[0], quotes.iloc[1]
    assert text[sourced["source_start"]:sourced["source_end"]] == sourced["source_text"] == "he"
    assert text[sourced["cue_start"]:sourced["cue_end"]] == "said"
    assert bare["source_start"] is pd.NA and bare["cue_end"] is pd.NA and bare["source_text"] is None
    assert quotes["adjudicated"].dtype == "boolean" and quotes["adjudicated"].isna().all()  # no versions


def test_missing_config_lists_the_configs_that_exist(checkout):
    error = _refused(corpus_tools.load, None, "sentences", root=checkout)
    assert error.code == "unknown-config"
    assert "configs: " + ", ".join(sorted(CONFIGS)) in error.message


@pytest.mark.parametrize("split", ["test", "train+test", "test[:10]"])
def test_missing_split_is_named(checkout, split):
    error = _refused(corpus_tools.load, "1.0.0", "entities", root=checkout, split=split)
    assert error.code == "unknown-split" and "no split 'test'" in error.message


def test_a_split_the_config_lacks_is_named_with_the_splits_it_has(checkout):
    """1.1.0 declares test (its documents and entities have rows there) but quotes none: asked for
    quotes' test split, both loaders said only "has no split 'test'", naming none to ask for."""
    assert len(corpus_tools.load_pandas("1.1.0", "documents", root=checkout, split="test")) == 10
    for load in (corpus_tools.load, corpus_tools.load_pandas):
        for split in ("test", "Train"):
            error = _refused(load, "1.1.0", "quotes", root=checkout, split=split)
            assert (error.code, error.message) == (
                "unknown-split", f"config 'quotes' of release 1.1.0 has no split {split!r}; splits: train")


def test_a_config_annotated_only_outside_train_loads_and_one_without_rows_is_named(tmp_path, cache):
    """A release whose train documents nobody annotated yet kept an empty train shard in each
    annotation config, and datasets refuses a split without rows and every split with it:
    load_dataset(release, "entities") raised datasets' ValueError. (Found by a hunt.)"""
    documents, annotations, registry = spread_inputs()
    # only validation's and test's documents are annotated
    annotated = {doc_id: ann for doc_id, ann in annotations.items() if doc_id.startswith("synthetic-")}
    built = build_release(documents, annotated, registry, tmp_path / "dist", "1.0.0")
    assert sorted(p.name.split("-")[0] for p in (built.path / "data" / "entities").iterdir()) == ["test", "validation"]
    loaded = corpus_tools.load(built.path, "entities", cache_dir=cache)
    assert {name: split.num_rows for name, split in loaded.items()} == {"validation": 20, "test": 20}
    # quotes: nobody quoted anyone, so the config keeps one empty train shard, for its schema
    error = _refused(corpus_tools.load, built.path, "quotes", cache_dir=cache)
    assert error.code == "empty-split" and error.message.startswith(
        "config 'quotes' of release 1.0.0 has no rows in split 'train', and datasets cannot load a split without "
        "rows: nothing of it is in the release yet")
    frame = corpus_tools.load_pandas(built.path, "quotes")
    assert len(frame) == 0 and "quote_type" in frame.columns


def test_a_release_that_kept_an_empty_train_beside_other_splits_is_named_with_the_split_to_load(tmp_path, cache):
    # releases before 1.1.4 kept an empty train shard whenever train had no rows
    documents, annotations, registry = spread_inputs()
    built = build_release(documents, annotations, registry, tmp_path / "dist", "1.0.0")
    train = built.path / "data" / "entities" / "train-00000-of-00001.parquet"
    old = resummed(built.path, tmp_path / "old", lambda old: pq.ParquetWriter(  # as the release writer left it:
        old / train.relative_to(built.path), pq.read_schema(train)).close())   # no row group
    for split in (None, "train", "validation+train"):  # a named split was said to have nothing at all
        error = _refused(corpus_tools.load, old, "entities", split=split, cache_dir=cache)
        assert error.code == "empty-split" and error.message.endswith(
            "name a split that has rows (split='validation', split='test')")


def test_a_split_expression_of_datasets_goes_through(checkout, cache):
    assert corpus_tools.load("1.0.0", "entities", root=checkout, split="train[:2]", cache_dir=cache).num_rows == 2
    assert corpus_tools.load("1.0.0", "entities", root=checkout, split="train[:50%]+train[50%:]",
                             cache_dir=cache).num_rows == corpus_tools.load("1.0.0", "entities", root=checkout,
                                                                            split="train", cache_dir=cache).num_rows



def test_every_split_argument_datasets_takes_is_checked_as_datasets_reads_it(checkout, cache):
    """load read its split argument with str.split: datasets.Split.TRAIN, a ReadInstruction and a
    list of splits (load_dataset's own forms) raised AttributeError from the loader, "all" was
    unknown-split, " train " passed the check and failed in datasets (ValueError), and load_pandas
    took no datasets.Split (TypeError from glob). A stream of a slice or of a list failed inside
    datasets ("Bad split"). (Found by a hunt.)"""
    def load(split, **kwargs):
        return corpus_tools.load("1.1.0", "entities", root=checkout, split=split, cache_dir=cache, **kwargs)

    train = load("train").num_rows
    assert load(datasets.Split.TRAIN).num_rows == train
    assert load(datasets.ReadInstruction("train", to=3, unit="abs")).num_rows == 3
    assert [part.num_rows for part in load(["train", "test[:2]"])] == [train, 2]
    assert load("all").num_rows == load(datasets.Split.ALL).num_rows == sum(
        split.num_rows for split in corpus_tools.load("1.1.0", "entities", root=checkout, cache_dir=cache).values())
    assert len(corpus_tools.load_pandas("1.1.0", "entities", root=checkout, split=datasets.Split.TEST)) == load(
        "test").num_rows
    # load_pandas refused "all" as an unknown split, which load takes
    every = corpus_tools.load_pandas("1.1.0", "entities", root=checkout)
    for split in ("all", datasets.Split.ALL):
        frame = corpus_tools.load_pandas("1.1.0", "entities", root=checkout, split=split)
        assert frame.equals(every) and len(frame) == load("all").num_rows, split
        assert list(frame["split"].unique()) == ["train", "validation", "test"]
    for split, named in ((" train", "' train'"), (datasets.ReadInstruction("dev"), "'dev'"),
                         (["train", "dev[:1]"], "'dev'"), (0, "'0'"),
                         # datasets takes no merged Split (str() of it is no spec)
                         (datasets.Split.VALIDATION + datasets.Split.TEST, '"(NamedSplit(\'validation\')"')):
        error = _refused(load, split)
        assert (error.code, error.message) == (
            "unknown-split", f"config 'entities' of release 1.1.0 has no split {named}; splits: train, validation, "
            "test"), split
    for split, message in (("train[:2]", "a stream reads whole splits, and 'train[:2]' is a slice of split 'train': "
                                         "stream it and take what you need (.take(n), .skip(n))"),
                           (["train"], "a stream reads one split, not a list of them (['train']): stream each")):
        error = _refused(load, split, streaming=True)
        assert (error.code, error.message) == ("unknown-split", message)
    error = _refused(corpus_tools.load_pandas, "1.1.0", "entities", root=checkout, split=0)
    assert (error.code, error.message) == (
        "unknown-split", "config 'entities' of release 1.1.0 has no split '0'; splits: train, validation, test")

def test_the_package_level_loaders_are_the_typed_loaders_themselves():
    """corpus_tools.load and load_pandas were unannotated wrappers: with py.typed shipped, a user's
    type checker took every documented call as untyped (mypy --strict: "Call to untyped function
    load_pandas in typed context") and let load_pandas(1, ...) pass."""
    assert corpus_tools.load is loaders.load and corpus_tools.load_pandas is loaders.load_pandas
    signature = inspect.signature(corpus_tools.load_pandas)
    assert (str(signature.parameters["release"].annotation), signature.return_annotation) == (
        "Release", "pd.DataFrame")
    assert {"load", "load_pandas"} <= set(dir(corpus_tools)) and "load" in corpus_tools.__all__
    with pytest.raises(AttributeError, match="has no attribute 'loader'"):
        corpus_tools.loader  # noqa: B018


@pytest.mark.parametrize(("version", "code"), [("9.9.9", "unknown-version"), ("1.0", "invalid-version"),
                                               ("latest", "invalid-version"), ("no/such/dir", "release-missing")])
def test_unknown_or_invalid_version(checkout, version, code):
    error = _refused(corpus_tools.load, version, "entities", root=checkout)
    assert error.code == code
    if code == "unknown-version":
        assert "releases: 1.0.0, 1.1.0" in error.message



@pytest.mark.parametrize("release", [1, 1.1, (1, 0, 0), b"1.0.0"])
def test_a_release_named_by_no_text_is_an_invalid_version(checkout, release):
    """load(1.1, ...) and load(b"dist/1.0.0", ...) raised pathlib's TypeError ("expected str,
    bytes or os.PathLike object, not float"), naming no argument. (Found by a hunt.)"""
    for load in (corpus_tools.load, corpus_tools.load_pandas):
        error = _refused(load, release, "entities", root=checkout)
        assert (error.code, error.message) == (
            "invalid-version", f"{release!r} ({type(release).__name__}) names no release: give a release directory, "
            "or a version as a string (MAJOR.MINOR.PATCH, e.g. '1.0.0')")

def test_a_release_is_named_by_its_version_wherever_it_is(checkout, tmp_path, monkeypatch):
    """Messages named it by its directory: "release copy", and "release " from inside it."""
    copy = _inside(checkout, "1.1.0", tmp_path, monkeypatch)
    for where in (copy, "."):
        error = _refused(corpus_tools.load, where, "nope")
        assert (error.code, error.message) == (
            "unknown-config", f"release 1.1.0 has no config 'nope'; configs: {', '.join(sorted(CONFIGS))}")
        for load in (corpus_tools.load, corpus_tools.load_pandas):
            error = _refused(load, where, "entities", split="dev")
            assert (error.code, error.message) == (
                "unknown-split", "config 'entities' of release 1.1.0 has no split 'dev'; splits: train, validation, "
                "test")
            assert error.location.file == str(Path(where) / "data" / "entities")  # the path, as given


def test_a_release_loads_from_inside_it(checkout, tmp_path, monkeypatch, cache):
    """load(".") from inside a release gave datasets' "ValueError: dataset_name should be
    specified but got None" (it names a dataset after the path's last part), after the checks
    had passed; load_pandas(".") read it."""
    copy = _inside(checkout, "1.0.0", tmp_path, monkeypatch)
    train = corpus_tools.load(".", "entities", split="train", cache_dir=cache)
    assert train["text"] == ["Bashar Al-Assad", "Syria", "Washington", "AFP"]
    assert train.features["label"].int2str(train["label"]) == ["PERSON", "GPE", "GPE", "ORG"]
    assert corpus_tools.load_pandas(".", "entities")["text"].tolist() == train["text"]
    monkeypatch.chdir(copy / "data")
    assert corpus_tools.load("..", "entities", split="train", cache_dir=cache)["text"] == train["text"]


def test_a_tampered_release_is_named_by_its_directory_from_inside_it_too(checkout, tmp_path, monkeypatch):
    """From inside it, "." was named: "release  fails verification" (no name, two spaces)."""
    (_inside(checkout, "1.1.0", tmp_path, monkeypatch) / "CHANGELOG.md").write_text("changed\n")
    for load in (corpus_tools.load, corpus_tools.load_pandas):
        error = _refused(load, ".", "entities")
        assert error.code == "release-tampered"
        assert error.message.startswith("release copy fails verification: sha256 is "), error.message


def test_a_directory_that_is_no_release_is_refused(tmp_path):
    error = _refused(corpus_tools.load, tmp_path, "entities")
    assert error.code == "release-missing" and "SHA256SUMS" in error.message


def test_a_copy_without_its_sha256sums_is_no_release_to_every_reader(tmp_path):
    """load, load_pandas, export and view said release-tampered ("SHA256SUMS is missing (and 11
    more)", every file unlisted) where diff and docs/release.md say release-missing: each reader
    judged a directory with croissant.json but no SHA256SUMS its own way."""
    release = Path(__file__).resolve().parent.parent / "dist" / "1.1.0"
    copy = _copy(release.parent.parent, "1.1.0", tmp_path / "copy")
    (copy / SUMS_FILE).unlink()
    line = f"Error: {copy}: [release-missing] not a release directory: no SHA256SUMS\n"
    for argv in (["diff", str(release), str(copy)],
                 ["export", "--format", "jsonl", str(copy), "-o", str(tmp_path / "o")],
                 ["view", str(copy), "-o", str(tmp_path / "site")]):
        result = CliRunner().invoke(cli, argv)
        assert (result.exit_code, result.output) == (1, line), argv
    for load in (corpus_tools.load, corpus_tools.load_pandas):
        error = _refused(load, copy, "entities")
        assert (error.code, error.message) == (
            "release-missing", "not a release directory: no SHA256SUMS")
        assert error.location.file == str(copy)



def _entities_in_a_train_directory(copy):
    entities = copy / "data" / "entities"
    (entities / "train").mkdir()
    for file in entities.glob("*.parquet"):
        file.rename(entities / "train" / file.name.replace("train-", "", 1))


def test_a_config_without_a_release_data_file_is_release_invalid_to_both_loaders(checkout, tmp_path, cache):
    """A verified directory whose config holds its parquet in another layout (data/entities/train/
    0000.parquet, SHA256SUMS made for it): load_pandas said release-invalid, load passed it to
    datasets, which raised FileNotFoundError for the file the card names. (Found by a hunt.)"""
    copy = resummed(checkout / "dist" / "1.1.0", tmp_path / "copy", _entities_in_a_train_directory)
    entities = copy / "data" / "entities"
    for load, kwargs in ((corpus_tools.load, {"cache_dir": cache}), (corpus_tools.load_pandas, {})):
        for split in (None, "train"):
            error = _refused(load, copy, "entities", split=split, **kwargs)
            assert (error.code, error.message, error.location.file) == (
                "release-invalid", "config 'entities' of release 1.1.0 has no data file", str(entities))

def _card(content):
    """A release's README.md written as ``content``, or removed (None)."""
    return lambda copy: (copy / "README.md").unlink() if content is None else (copy / "README.md").write_bytes(content)


@pytest.mark.parametrize(("card", "message", "byte"), [
    pytest.param(None, "release 1.1.0 has no dataset card, whose YAML tells datasets its configs: datasets cannot load "
                 "config 'entities' (corpus_tools.load_pandas reads it)", None, id="no-card"),
    pytest.param(b"---\npretty_name: x\xff\n---\n", "the dataset card is not UTF-8", 18, id="not-utf-8"),
    pytest.param(b"", "the dataset card's YAML declares no config 'entities' (it declares none), and datasets finds a "
                 "release's configs there: it cannot load it (corpus_tools.load_pandas reads it)", None, id="empty"),
    pytest.param(b"---\nconfigs:\n- config_name: documents\n  data_files: data/documents/*.parquet\n---\n# A card\n",
                 "the dataset card's YAML declares no config 'entities' (it declares 'documents'), and datasets finds "
                 "a release's configs there: it cannot load it (corpus_tools.load_pandas reads it)", None,
                 id="another-config"),
])
def test_load_refuses_a_card_datasets_cannot_read_naming_it(checkout, tmp_path, cache, card, message, byte):
    """datasets finds a release's configs in its card's YAML. Without README.md (SHA256SUMS made
    again without it) load raised datasets' ValueError "BuilderConfig 'entities' not found.
    Available: ['default']", naming no file; a card of other bytes (SHA256SUMS made again) that is
    not UTF-8 was a UnicodeDecodeError traceback from datasets, and one whose YAML does not declare
    the config datasets' ValueError "BuilderConfig 'entities' not found", naming no file. load_pandas
    reads the parquet and needs no card."""
    copy = resummed(checkout / "dist" / "1.1.0", tmp_path / "copy", _card(card))
    error = _refused(corpus_tools.load, copy, "entities", cache_dir=cache)
    assert (error.code, error.message, error.location.file, error.location.byte_offset) == (
        "release-invalid", message, str(copy / "README.md"), byte)
    assert len(corpus_tools.load_pandas(copy, "entities")) == len(corpus_tools.load_pandas(checkout / "dist" / "1.1.0",
                                                                                           "entities"))


def test_no_release_at_all(tmp_path):
    error = _refused(corpus_tools.load, None, "entities", root=tmp_path)
    assert error.code == "no-release"


NO_CHECKOUT_SCRIPT = """
import json, sys
import corpus_tools
assert "/tests" not in corpus_tools.__file__
entities = corpus_tools.load(sys.argv[1], "entities", split="train")
frame = corpus_tools.load_pandas(sys.argv[1], "entities", split="train")
print(json.dumps({"package": corpus_tools.__file__, "rows": entities.num_rows, "labels": frame["label"].astype(str).tolist()}))
"""


def test_loading_needs_the_package_only_not_a_checkout(checkout, tmp_path):
    # the package alone (as pip installs it), run from a directory that is no checkout
    site = tmp_path / "site"
    shutil.copytree(Path(corpus_tools.__file__).parent, site / "corpus_tools",
                    ignore=shutil.ignore_patterns("__pycache__"))
    release = _copy(checkout, "1.0.0", tmp_path / "download" / "1.0.0")
    env = {**os.environ, "PYTHONPATH": str(site), "HF_HOME": str(tmp_path / "hf"), "HF_DATASETS_OFFLINE": "1",
           "HF_HUB_OFFLINE": "1"}
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run([sys.executable, "-c", NO_CHECKOUT_SCRIPT, str(release)], cwd=work, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["package"].startswith(str(site))
    assert result["rows"] == 4 and result["labels"] == ["PERSON", "GPE", "GPE", "ORG"]


def test_versions_sort_as_versions_and_skip_partial_builds(tmp_path):
    for name in ("1.10.0", "1.9.0", "2.0.0", ".2.1.0.partial-1-x", "notes"):
        (tmp_path / name).mkdir()
    assert list_versions(tmp_path) == ["1.9.0", "1.10.0", "2.0.0"]


SEED_FILES = ["CHANGELOG.md", "README.md", "SHA256SUMS", "build-info.json", "croissant.json"] + [
    f"data/{config}/train-00000-of-00001.parquet" for config in CONFIGS]


@pytest.mark.parametrize("name", SEED_FILES)
def test_a_changed_byte_in_any_file_fails_verify_and_load_naming_it(checkout, tmp_path, name):
    root = tmp_path / "checkout"
    target = _copy(checkout, "1.0.0", root / "dist" / "1.0.0") / name
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    report = verify_release(root / "dist" / "1.0.0")
    assert not report.valid and name in " ".join(str(problem) for problem in report)
    error = _refused(corpus_tools.load, None, "entities", root=root)
    assert error.code == "release-tampered" and name in str(error)


def test_missing_and_extra_files_fail_verify(checkout, tmp_path):
    release = _copy(checkout, "1.0.0", tmp_path / "1.0.0")
    (release / "CHANGELOG.md").unlink()
    (release / "data" / "extra.parquet").write_bytes(b"PAR1")
    codes = {(problem.code, Path(problem.location.file).name) for problem in verify_release(release)}
    assert codes == {("file-missing", "CHANGELOG.md"), ("file-unlisted", "extra.parquet")}


def test_untampered_release_verifies(checkout):
    report = verify_release(checkout / "dist" / "1.1.0")
    # README, CHANGELOG, croissant.json, LICENSE.md, build-info.json + 5 configs x 3 splits + quotes (train
    # only: no quote in validation or test) + the registry (SHA256SUMS not counted)
    assert report.valid and dict(report.stats) == {"files": 22}


# datasets.load_dataset read "a[1]" as a pattern and said "Unable to find .../a[1]/rel/data/documents/
# train-00000-of-00001.parquet" of a file that is there (escaping it does not help); through fsspec
# it reads "::" as the separator of chained file systems, and a release in "runs::2026/rel" raised
# FileNotFoundError "Unable to find .../runs/data/documents/train-00000-of-00001.parquet", a path
# that is not the release's. load_pandas reads both. A link from a plain path is no way out (the
# message said "move or link"): datasets follows it to the path it misreads, so it is refused the
# same. (Found by a hunt.)
@pytest.mark.parametrize("directory, problem", [
    pytest.param("a[1]", "[release-path-glob] datasets reads this path as a glob pattern and would find no files in "
                 "it (escaped or not): move or copy the release to a path without [, ], * or ?", id="glob"),
    pytest.param("runs::2026", "[release-path-chain] datasets reads this path as a chain of file systems (fsspec's "
                 "'::') and would look for its files in the directory before the '::': move or copy the release to a "
                 "path without '::'", id="chained-file-systems"),
])
def test_a_release_under_a_path_datasets_misreads_is_named_with_what_to_do(checkout, tmp_path, cache, directory,
                                                                           problem):
    release = _copy(checkout, "1.0.0", tmp_path / directory / "rel")
    link = tmp_path / "plain"
    link.symlink_to(release, target_is_directory=True)
    for given in (release, link):
        assert str(_refused(corpus_tools.load, given, "entities", cache_dir=cache)) == (
            f"{given}: {problem} (a symbolic link does not do: datasets reads the path it points to), or read it with "
            "corpus_tools.load_pandas")
    assert corpus_tools.load_pandas(release, "entities")["text"].tolist() == [
        "Bashar Al-Assad", "Syria", "Washington", "AFP"]


