"""Load a release: ``load`` gives ``datasets`` objects, ``load_pandas`` a DataFrame.

Both verify the release against its SHA256SUMS first and refuse a tampered one, naming the
file. ``version=None`` means the latest release in ``<root>/dist``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from corpus_tools.errors import CorpusError, Location
from corpus_tools.layout import Layout
from corpus_tools.release.build import check_version
from corpus_tools.release.checksums import require_verified
from corpus_tools.release.versions import list_versions


def release_dir(version: str | None = None, root: str | Path = ".") -> Path:
    """The directory of a release: ``<root>/dist/<version>``, the latest when version is None."""
    dist = Layout.at(root).dist
    versions = list_versions(dist)
    if version is None:
        if not versions:
            raise CorpusError("no-release", "no release in dist/; build one with `corpus-tools release`",
                              Location(file=str(dist)))
        return dist / versions[-1]
    check_version(version)
    if version not in versions:
        raise CorpusError("unknown-version", f"no release {version}; releases: {', '.join(versions) or 'none'}",
                          Location(file=str(dist)))
    return dist / version


def release_configs(path: Path) -> list[str]:
    data = path / "data"
    return sorted(p.name for p in data.iterdir() if p.is_dir()) if data.is_dir() else []


def verified_release(config: str, version: str | None = None, root: str | Path = ".") -> Path:
    path = release_dir(version, root)
    configs = release_configs(path)
    if config not in configs:
        raise CorpusError("unknown-config", f"release {path.name} has no config {config!r}; "
                          f"configs: {', '.join(configs)}", Location(file=str(path)))
    return require_verified(path)


def load(config: str, version: str | None = None, root: str | Path = ".", *, split: str | None = None,
         streaming: bool = False, cache_dir: str | Path | None = None) -> Any:
    """``datasets.load_dataset`` on a verified release: a DatasetDict (or a Dataset with ``split``)."""
    path = verified_release(config, version, root)
    import datasets  # heavy; only for this loader

    return datasets.load_dataset(str(path), config, split=split, streaming=streaming,
                                 cache_dir=str(cache_dir) if cache_dir else None)


def load_pandas(config: str, version: str | None = None, root: str | Path = ".", *, split: str | None = None):
    """A pandas DataFrame of one config (all splits, with a ``split`` column, unless ``split``).

    ClassLabel columns become pandas Categoricals of the label names (lists of names for ner_tags).
    """
    import pandas as pd

    from corpus_tools.release.arrow_schemas import spec

    path = verified_release(config, version, root)
    files = sorted((path / "data" / config).glob(f"{split or '*'}-*-of-*.parquet"))
    if split is not None and not files:
        raise CorpusError("unknown-split", f"config {config!r} of release {path.name} has no split {split!r}",
                          Location(file=str(path / "data" / config)))
    frames = []
    for file in files:
        frame = pq.read_table(file).to_pandas()
        if "split" not in frame.columns:
            frame.insert(0, "split", file.name.split("-")[0])
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    return _label_names(frame, spec(config))


def _label_names(frame, config_features):
    import pandas as pd

    from corpus_tools.release.arrow_schemas import ClassLabel, List

    for column, feature in config_features.items():
        if isinstance(feature, ClassLabel):
            frame[column] = pd.Categorical.from_codes(frame[column], categories=feature.names)
        elif isinstance(feature, List) and isinstance(feature.feature, ClassLabel):
            names = feature.feature.names
            frame[column] = [[names[i] for i in ids] for ids in frame[column]]
    return frame
