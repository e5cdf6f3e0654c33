"""Load a release, wherever it is: ``load`` gives ``datasets`` objects, ``load_pandas`` a DataFrame.

A release is named by its directory (any path: a download, a copy, ``dist/1.1.0`` of a checkout)
or by its version, looked up in ``<root>/dist`` (``None``: the latest there). Nothing else of a
checkout is needed. Both verify the release against its SHA256SUMS first and refuse a tampered
one, naming the file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus_tools.errors import CorpusError, Location
from corpus_tools.release.checksums import (card_text, config_files, file_split, open_parquet, release_configs,
                                           require_release)
from corpus_tools.release.splits import SPLITS
from corpus_tools.release.versions import list_versions, release_metadata, resolve_release

if TYPE_CHECKING:
    import pandas as pd
    from datasets import NamedSplit, ReadInstruction

    # what datasets.load_dataset takes as its split: "train", "train[:10%]+test", "all",
    # datasets.Split.TRAIN, a ReadInstruction, or a list of them (a list of datasets back)
    SplitArgument = str | NamedSplit | ReadInstruction | list[str | NamedSplit | ReadInstruction]

Release = str | Path | None  # a release directory, a version in <root>/dist, or None for the latest there
# datasets' name for every split (datasets.Split.ALL); no release has a split of that name (splits.SPLITS)
ALL_SPLITS = "all"


def _named(path: Path) -> str:
    """A verified release as messages name it: by the version its croissant.json records, as diff
    and view do, not by its directory (a download, a copy, ``.``), which the error's location shows."""
    return f"release {release_metadata(path)[0]}"


def verified_release(release: Release, config: str, root: str | Path = ".") -> Path:
    """The release's directory, once every file matches SHA256SUMS and it has ``config``."""
    # verified first: a directory that is no release, or part of one, is refused as such
    # (release-missing), not for want of the config
    path = require_release(resolve_release(release, root))
    configs = release_configs(path)
    if config not in configs:
        raise CorpusError("unknown-config", f"{_named(path)} has no config {config!r}; "
                          f"configs: {', '.join(configs) or 'none'}", Location(file=str(path)))
    return path


def published_documents(dist: Path, sha256s: set[str] = frozenset(), columns: tuple[str, ...] = ()
                        ) -> tuple[dict[str, dict[str, list[str]]], dict[tuple[str, str], tuple[str, dict[str, Any]]],
                                   dict[str, dict[str, list[str]]]]:
    """What the releases in ``dist`` published, by raw file, read in one pass over each release's
    documents config: ``raw_sha256`` -> {doc_id: the versions that published those bytes under it,
    oldest first}; for the bytes of ``sha256s``, (raw_sha256, doc_id) -> (the latest version
    that published them under it, its row's ``columns``, those its config has: a release made by
    older code may lack some, left out, never filled in); and by text, ``text_sha256`` ->
    {doc_id: the versions that published that text under it, oldest first}. Every release is verified first, and one
    that fails is refused (``release-tampered``, or ``release-missing`` for a version directory
    that is no release): what it says it published cannot be trusted. No dist/ (a copy of the
    corpus without its releases): nothing."""
    from corpus_tools.release.arrow_schemas import require_rows

    published: dict[str, dict[str, list[str]]] = {}
    rows: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
    texts: dict[str, dict[str, list[str]]] = {}
    for version in list_versions(dist):  # oldest first: a later release's row replaces an earlier's
        path = require_release(dist / version)
        for file in config_files(path, "documents"):
            parquet = open_parquet(file)
            carried = [column for column in columns if column in parquet.schema_arrow.names]
            table = parquet.read(columns=["doc_id", "raw_sha256", "text_sha256", *carried])
            # every reader's row checks: a null doc_id was published "under None", and add's
            # numbering of new doc_ids stopped at a TypeError traceback
            require_rows(table, "documents", {}, file)
            for row in table.to_pylist():
                doc_id, sha256, text_sha256 = row.pop("doc_id"), row.pop("raw_sha256"), row.pop("text_sha256")
                for by, key in ((published, sha256), (texts, text_sha256)):
                    versions = by.setdefault(key, {}).setdefault(doc_id, [])
                    if version not in versions:
                        versions.append(version)
                if sha256 in sha256s:
                    rows[sha256, doc_id] = (version, row)
    return published, rows, texts


def load(release: Release, config: str, *, split: SplitArgument | None = None, streaming: bool = False,
         root: str | Path = ".", **load_dataset_kwargs: Any) -> Any:
    """``datasets.load_dataset`` on a verified release: a DatasetDict (a Dataset with ``split``;
    an IterableDataset(Dict) with ``streaming``; a list of them with a list of splits). ``split``
    is checked first, read as datasets reads it, against the config's splits. ``load_dataset_kwargs``
    (``cache_dir``, ``num_proc``, ``keep_in_memory``, ...) go to ``datasets.load_dataset`` as they are."""
    path = verified_release(release, config, root)
    directory = path / "data" / config
    rows = config_rows(path, config)
    present = list(rows)
    if streaming and isinstance(split, (list, tuple)):
        raise CorpusError("unknown-split", f"a stream reads one split, not a list of them ({split!r}): stream "
                          "each", Location(file=str(directory)))
    for name, part in [(name, name) for name in present] if split is None else _split_parts(split, present):
        if name not in rows:
            raise _unknown_split(path, config, name, present)
        if streaming and part != name:
            raise CorpusError("unknown-split", f"a stream reads whole splits, and {part!r} is a slice of split "
                              f"{name!r}: stream it and take what you need (.take(n), .skip(n))",
                              Location(file=str(directory)))
        if not rows[name]:
            # datasets refuses a split without rows, and every split with it when none is named
            others = [other for other in SPLITS if rows.get(other)]
            raise CorpusError("empty-split", f"config {config!r} of {_named(path)} has no rows in split "
                              f"{name!r}, and datasets cannot load a split without rows: " + (
                                  f"name a split that has rows ({', '.join(f'split={o!r}' for o in others)})"
                                  if others else
                                  "nothing of it is in the release yet (load_pandas gives its columns, no rows)"),
                              Location(file=str(directory)))
    # the dataset card's YAML declares each config's data files to datasets; a copy made
    # without it, or with a card of other bytes (SHA256SUMS made again), gave datasets'
    # "BuilderConfig ... not found" or a UnicodeDecodeError, naming no file
    card = card_text(path)
    if card is None:
        raise CorpusError("release-invalid", f"{_named(path)} has no dataset card, whose YAML tells datasets its "
                          f"configs: datasets cannot load config {config!r} (corpus_tools.load_pandas reads it)",
                          Location(file=str(path / "README.md")))
    declared = _card_configs(card)
    if config not in declared:
        raise CorpusError("release-invalid", f"the dataset card's YAML declares no config {config!r} (it declares "
                          f"{', '.join(map(repr, declared)) or 'none'}), and datasets finds a release's configs "
                          "there: it cannot load it (corpus_tools.load_pandas reads it)",
                          Location(file=str(path / "README.md")))
    misread = _misread_path(str(path.resolve()))
    if misread is not None:
        code, reading, characters = misread
        raise CorpusError(code, f"datasets reads this path as {reading}: move or copy the release to a path without "
                          f"{characters} (a symbolic link does not do: datasets reads the path it points to), or read "
                          "it with corpus_tools.load_pandas", Location(file=str(path)))
    import datasets  # heavy; only for this loader

    # absolute: datasets names the dataset after the path's last part, and of "." (a release loaded
    # from inside it) raised "ValueError: dataset_name should be specified but got None"
    return datasets.load_dataset(os.path.abspath(path), config, split=split, streaming=streaming,
                                 **load_dataset_kwargs)


def _misread_path(path: str) -> tuple[str, str, str] | None:
    """(code, what datasets.load_dataset reads ``path`` as, the characters to leave out) when it
    reads the absolute path of a local release as something else, so that it finds none of its
    files (``FileNotFoundError`` naming a file that is there, or one of another path); else None."""
    if any(character in path for character in "[]*?"):
        return "release-path-glob", "a glob pattern and would find no files in it (escaped or not)", "[, ], * or ?"
    if "::" in path:
        # fsspec's separator of chained file systems: "/data/a::b/1.1.11" was read as "/data/a"
        return ("release-path-chain", "a chain of file systems (fsspec's '::') and would look for its files in the "
                "directory before the '::'", "'::'")
    return None


def _card_configs(card: str) -> list[str]:
    """The config names the card's YAML declares, read as datasets reads them (huggingface_hub's
    ``DatasetCard``, datasets' ``MetadataConfigs``); none when it has no YAML block or one that does
    not parse."""
    import yaml
    from datasets.utils.metadata import MetadataConfigs  # heavy; only for this loader
    from huggingface_hub import DatasetCard

    try:
        return list(MetadataConfigs.from_dataset_card_data(DatasetCard(card).data))
    except (yaml.YAMLError, ValueError, TypeError, AttributeError):
        return []


def config_rows(path: Path, config: str, consequence: str = "") -> dict[str, int]:
    """Split -> rows of ``config`` in the verified release at ``path``, from its files' footers
    (no row read), for the splits ``split_files`` gives (``consequence``: as there)."""
    return {name: sum(open_parquet(file).metadata.num_rows for file in files)
            for name, files in split_files(path, config, consequence).items()}


def split_files(path: Path, config: str, consequence: str = "") -> dict[str, list[Path]]:
    """The data files (``<split>-NNNNN-of-NNNNN.parquet``) of ``config`` in a verified release, by
    split, in SPLITS order, for the splits that have any; ``release-invalid`` when none has (with
    what the caller would have done with none: ``consequence``): a release writes at least an
    empty train file for every config, so a config directory without one is no config of a
    release (another layout, or files removed with SHA256SUMS remade)."""
    directory = path / "data" / config
    every = config_files(path, config)
    files = {name: [file for file in every if file_split(file) == name] for name in SPLITS}
    if not any(files.values()):
        raise CorpusError("release-invalid", f"config {config!r} of {_named(path)} has no data file"
                          + (f": {consequence}" if consequence else ""), Location(file=str(directory)))
    return {name: found for name, found in files.items() if found}


def _unknown_split(path: Path, config: str, name: str, present: list[str]) -> CorpusError:
    """The refusal of a split ``config`` has no file of, listing those it has (a release leaves a
    split without rows of the config out: quotes may lack the test split documents have)."""
    return CorpusError("unknown-split", f"config {config!r} of {_named(path)} has no split {name!r}; "
                       f"splits: {', '.join(present)}", Location(file=str(path / "data" / config)))


def _split_parts(split: Any, present: list[str]) -> list[tuple[str, str]]:
    """(split name, the part of ``split`` that reads it) for each split a ``split`` argument of
    ``datasets.load_dataset`` reads, taken as datasets takes it: a list item by item, a
    ``ReadInstruction`` by its spec, anything else (a str, a ``datasets.Split``) by ``str()``;
    "all" is every split ``present``; an expression ("train[:10]+test", "train[10%:]") names a
    split at the start of each of its parts."""
    if isinstance(split, (list, tuple)):
        return [pair for item in split for pair in _split_parts(item, present)]
    spec = split.to_spec() if hasattr(split, "to_spec") else str(split)
    if spec == ALL_SPLITS:
        return [(name, name) for name in present]
    return [(re.split(r"[\[(]", part, maxsplit=1)[0] or part, part) for part in re.split(r"\s*\+\s*", spec)]


def load_pandas(release: Release, config: str, *, split: str | NamedSplit | None = None,
                root: str | Path = ".") -> pd.DataFrame:
    """A pandas DataFrame of one config (all splits in train, validation, test order, with a
    ``split`` column, unless ``split``: a split's name, or ``datasets.Split.TRAIN`` and the like;
    "all", or ``datasets.Split.ALL``, is every split, as ``load`` and ``datasets`` read it).

    ClassLabel columns become pandas Categoricals of the label names (lists of names for
    ner_tags): the names in each file's own ``huggingface`` features, so a release made under
    another label set reads with the names it was made with. Integer and boolean columns that a
    release may leave null (not ``arrow_schemas.NEVER_NULL``) are pandas' nullable ``Int32`` and
    ``boolean``, whatever the release holds.
    """
    import pandas as pd

    path = verified_release(release, config, root)
    every = split_files(path, config)
    split = None if split is None or str(split) == ALL_SPLITS else str(split)
    if split is not None and split not in every:
        raise _unknown_split(path, config, split, list(every))
    files = [file for name, found in every.items() if split in (None, name) for file in found]
    frames = []
    for file in files:
        table = open_parquet(file).read()
        frame = _label_names(config, table, file)
        if "split" not in frame.columns:
            frame.insert(0, "split", file_split(file))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _label_names(config: str, table, file: Path):
    import pandas as pd
    import pyarrow as pa

    from corpus_tools.release.arrow_schemas import NEVER_NULL, file_label_names, require_rows

    names = file_label_names(config, table.schema, file)
    require_rows(table, config, names, file)
    frame = table.to_pandas()
    # pandas' own int and bool hold no null: a column with one became float64 (NaN) or object, and
    # only in a release that has a null there, so `text[row.source_start:row.source_end]` of a
    # quote with its source raised TypeError once another quote had none. A column a release may
    # leave null (a quote's source and cue, the provenance columns) is pandas' nullable dtype always.
    nullable = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
                pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
    for field in table.schema:
        if field.type in nullable and field.name not in NEVER_NULL.get(config, ()) and field.name not in names:
            frame[field.name] = table.column(field.name).to_pandas(types_mapper=nullable.get).array
    for column, labels in names.items():
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values):  # one id a row; a null one is NaN
            frame[column] = pd.Categorical.from_codes(values.fillna(-1).astype("int64"), categories=labels)
        else:  # a list of ids a row
            frame[column] = [None if ids is None else [labels[i] for i in ids] for ids in values]
    return frame
