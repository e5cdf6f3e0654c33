"""What changed between two releases, unit by unit: ``diff_releases(OLD, NEW)``.

Reads release directories only, each checked against its SHA256SUMS first, label ids as names
through each release's own ClassLabel names (a label set that grew is a schema change, not every
unit relabelled). docs/diff.md says how units are matched (by position, never by region id) and
what each kind of change holds; docs/release.md the version rule (``required_bump``, ``check_bump``).
"""

from __future__ import annotations

import dataclasses
import itertools
import pickle
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Iterator, Sequence

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus_tools import version as version_module
from corpus_tools.arrays import array, first_true, scalar
from corpus_tools.documents.align import TextAlignment
from corpus_tools.errors import CorpusError, Location, escape
from corpus_tools.iterutil import Totalled, batched
from corpus_tools.records import CHANGE_KINDS, ReleaseChange, ReleaseDiff
from corpus_tools.release.arrow_schemas import (
    CONFIGS, arrow_schema, file_features, half_null_region, label_names, name_labels, require_named, row_location,
)
from corpus_tools.release.buildinfo import BUILD_INFO_FILE, BUILD_INFO_HOLDS
from corpus_tools.release.card_fields import markdown_table
from corpus_tools.release.checksums import (
    config_files, open_parquet, release_configs, reopen_parquet, require_release,
)
from corpus_tools.release.rights import LICENSE_FILE
from corpus_tools.release.versions import (
    BUMPS, bump, latest_before, next_version, release_metadata, resolve_release, version_key,
)

LAYERS = tuple(CHANGE_KINDS)

# The version rule (docs/release.md): these need a major version; any other change a minor one;
# a release whose data did not change, a patch.
MAJOR_CHANGES = frozenset(("schema", kind) for kind in ("config-removed", "column-removed", "column-retyped",
                                                        "labels-changed"))

# Configs of units, compared unit by unit (each is also its layer); documents and entity_registry
# are compared row by row, ner token by token, any other config a document's rows at a time.
_UNIT_CONFIGS = ("entities", "timexes", "quotes")
_DOCUMENT_COLUMNS = ("doc_id", "document_id")  # a config's document column is the first of these it has
_COMPARED = {"documents", "entity_registry", *_UNIT_CONFIGS}
_BATCH = 256  # documents whose rows are turned into Python values at once: memory stays bounded
# A release's parquet files open at once (_Release.parquet): a batch of documents reads a row group
# or two of each config, about seven configs
_OPEN_FILES = 16
_OFFSETS = ("start", "end", "raw_start", "raw_end")
_SPAN = (*_OFFSETS, "text")
# The columns diff finds and matches a config's rows by: a release without one cannot be compared (every
# release has them; a column only one release has beside them is a schema change, column-removed)
_IDENTITY = {"documents": ("doc_id",), "entity_registry": ("id",), "ner": ("doc_id",),
             **{config: ("doc_id", "id") for config in _UNIT_CONFIGS}}
# The configs whose rows diff keys by their one identity column, so one row per value: a second row of a
# value took the place of the first unseen (a documents config holding a doc_id twice was "no change")
_KEYS = {config: _IDENTITY[config][0] for config in ("documents", "entity_registry")}
# A document's raw file: the same while these are (raw-changed), and then units are matched by raw offsets
_RAW = ("raw_sha256", "raw_encoding")
# The columns of a document, matched unit or registry entry whose change is a kind of its own and
# says only the old and new value, in report order
_ATTRIBUTES = {
    "documents": {"title": "title-changed"},
    "entities": {"label": "relabelled", "entity_id": "relinked"},
    "timexes": {"label": "type-changed", "value": "value-changed", "mod": "mod-changed"},
    "quotes": {"quote_type": "type-changed"},
    "registry": {"name": "renamed", "aliases": "aliases-changed", "type": "type-changed",
                 "wikidata": "wikidata-changed", "description": "description-changed"},
}
# The columns of a document whose change is one kind of several values, each by the name it shows
_GROUPED = {
    "raw-changed": {name: name for name in _RAW},
    "publisher-changed": {"publisher": "publisher", "evidence": "publisher_evidence"},
    "date-changed": {"publication_date": "publication_date", "precision": "publication_date_precision",
                     "evidence": "publication_date_evidence"},
}
# A unit's links to the registry, followed for merges and splits
_LINKS = ("entity_id", "speaker_id")
# The columns some kind of change covers: any other column both releases have is compared as field-changed
_KNOWN = {
    "documents": {"doc_id", "text", "text_sha256", "normalizer_version", *_ATTRIBUTES["documents"],
                  *(column for shown in _GROUPED.values() for column in shown.values())},
    **{layer: {"doc_id", "id", *_SPAN, *_ATTRIBUTES[layer]} for layer in _UNIT_CONFIGS},
    "registry": {"id", *_ATTRIBUTES["registry"]},
}
# and a quote's source, cue and speaker
_KNOWN["quotes"] |= {"speaker_id", *(f"{region}_{column}" for region in ("source", "cue") for column in ("id", *_SPAN))}


# ---------------------------------------------------------------------------------------------
# The changes found, kept on disk


class ChangeLog(SequenceABC):
    """A diff's changes in report order (``_order``), in a private temporary SQLite database, not as
    objects (some 900,000 changes took 900 MB: docs/diff.md), read as a sequence of ReleaseChange
    and asked for counts and first examples in SQL. Written once, then only read, by any thread.
    Pickled or copied, it is a tuple."""

    _ORDER = "layer_rank, doc, id, kind_rank, seq"

    def __init__(self) -> None:
        # "": a temporary file of this connection's own
        self._db = sqlite3.connect("", check_same_thread=False)
        self._db.execute("CREATE TABLE changes (seq INTEGER PRIMARY KEY, layer_rank INTEGER, doc TEXT, id TEXT, "
                         "kind_rank INTEGER, layer TEXT, kind TEXT, doc_id TEXT, count INTEGER, change BLOB)")
        self._length = 0
        self._by_document = False  # its index, made by the first of_document

    def extend(self, changes: Iterable[ReleaseChange]) -> None:
        rows = [(*_order(change), change.layer, change.kind, change.doc_id, change.count,
                 pickle.dumps(change, pickle.HIGHEST_PROTOCOL)) for change in changes]
        self._db.executemany("INSERT INTO changes (layer_rank, doc, id, kind_rank, layer, kind, doc_id, count, change) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self._length += len(rows)

    @classmethod
    def of(cls, changes: Iterable[ReleaseChange]) -> "ChangeLog":
        """The log of ``changes``, itself if it is one already."""
        if isinstance(changes, cls):
            return changes
        log = cls()
        log.extend(changes)
        return log.finish()

    def __reduce__(self):
        return tuple, (tuple(self),)

    def finish(self) -> "ChangeLog":
        self._db.execute(f"CREATE INDEX in_order ON changes ({self._ORDER})")
        self._db.execute(f"CREATE INDEX by_kind ON changes (layer, kind, {self._ORDER})")
        self._db.commit()
        return self

    def _changes(self, where: str = "", parameters: tuple = (), limit: int | None = None) -> Iterator[ReleaseChange]:
        query = f"SELECT change FROM changes {where} ORDER BY {self._ORDER}"
        for (blob,) in self._db.execute(query + ("" if limit is None else f" LIMIT {limit}"), parameters):
            yield pickle.loads(blob)

    def __iter__(self) -> Iterator[ReleaseChange]:
        return self._changes()

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(itertools.islice(self, *index.indices(self._length)[:2])) if (index.step or 1) == 1 \
                else tuple(self)[index]
        position = range(self._length)[index]  # IndexError, and negative indices, as a tuple has them
        return next(self._changes(f"WHERE seq IN (SELECT seq FROM changes ORDER BY {self._ORDER} "
                                  f"LIMIT 1 OFFSET {position})"))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SequenceABC) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(mine == theirs for mine, theirs in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ChangeLog({self._length} changes)"

    def first(self, layer: str, kind: str, limit: int | None) -> list[ReleaseChange]:
        """The first ``limit`` changes of one kind (None: every one), in report order."""
        return list(self._changes("WHERE layer = ? AND kind = ?", (layer, kind), limit=limit))

    def of_document(self, doc_id: str | None) -> Iterator[ReleaseChange]:
        """One document's changes (None: those outside documents), in report order. The index
        this asks for is made by the first call: only the viewer reads a document at a time."""
        if not self._by_document:  # once, not a statement per document read (IF NOT EXISTS: any thread reads)
            self._db.execute(f"CREATE INDEX IF NOT EXISTS by_document ON changes (doc_id, {self._ORDER})")
            self._by_document = True
        return self._changes("WHERE doc_id IS ?", (doc_id,))

    _TOTALS = {"kinds": "SELECT layer, kind, SUM(count), COUNT(*) FROM changes GROUP BY layer, kind",
               "documents": "SELECT doc_id, layer, kind, SUM(count), COUNT(*) FROM changes "
                            "WHERE doc_id IS NOT NULL GROUP BY doc_id, layer, kind"}

    def totals(self, what: str) -> list[tuple]:
        """Sums of ``count`` and numbers of changes: per (layer, kind) (``what`` "kinds"), or per
        (doc_id, layer, kind) of the changes in documents ("documents")."""
        return self._db.execute(self._TOTALS[what]).fetchall()


# ---------------------------------------------------------------------------------------------
# Reading a release


@dataclass(frozen=True)
class _Release:
    """A release directory, read lazily: its configs' files, features and rows (labels as names)."""

    path: Path
    version: str
    name: str
    # config -> column -> the part of its type the other release of a diff has too (``_shared_type``),
    # for the columns whose types differ: rows are read in that shape
    shared: dict = field(default_factory=dict, compare=False)
    _tables: dict = field(default_factory=dict, compare=False)

    def configs(self) -> tuple[str, ...]:
        """The release's configs that hold data files (a config's directory without any is none)."""
        return tuple(config for config in release_configs(self.path) if self.files(config))

    def files(self, config: str) -> list[Path]:
        return config_files(self.path, config)

    def features(self, config: str) -> dict[str, Any]:
        """Column -> its ``datasets`` feature (JSON form; its Arrow type where the metadata has none).
        Every file's footer must have the columns diff finds rows by and the first file's columns,
        types and features: diff reads a config's files as one table, labelled by the first file's
        features (a file unlike it was a KeyError or ArrowInvalid traceback)."""
        if ("features", config) not in self._tables:
            first = first_schema = None
            for path in self.files(config):
                schema = self.parquet(path).schema_arrow
                if lacking := [name for name in _IDENTITY.get(config, ()) if name not in schema.names]:
                    raise CorpusError("release-invalid", f"no column {lacking[0]!r}, which diff finds and matches "
                                      f"the {config} config's rows by", Location(file=str(path)))
                features = _schema_features(schema, path)
                if first is None:
                    first, first_schema = path, schema
                    self._tables["features", config] = features
                elif difference := _difference(first_schema, self._tables["features", config], schema, features):
                    raise CorpusError("release-invalid", f"its columns are not those of {first.name}, the {config} "
                                      f"config's first file (diff reads a config's files as one table): "
                                      f"{difference}", Location(file=str(path)))
        return self._tables["features", config]

    def parquet(self, path: Path) -> pq.ParquetFile:
        """``path`` opened. Its footer is parsed once per diff (rows are read a row group at a time: a
        300-group file opened per group took 1.4 s, once 0.13 s); the file stays open only while among
        the ``_OPEN_FILES`` read last, and is reopened on its footer when read again."""
        opened = self._tables.setdefault("open", {})  # path -> file, the one read last last
        parquet = opened.pop(path, None)
        if parquet is None:
            footer = self._tables.get(("footer", path))
            parquet = open_parquet(path) if footer is None else reopen_parquet(path, footer)
            self._tables["footer", path] = parquet.metadata
            if len(opened) >= _OPEN_FILES:
                opened.pop(next(iter(opened))).close()
        opened[path] = parquet
        return parquet

    def close(self) -> None:
        """Close the files held open; a later read opens them again (on their parsed footers)."""
        for parquet in self._tables.pop("open", {}).values():
            parquet.close()

    def read(self, config: str, path: Path, group: int | None = None, columns: list[str] | None = None) -> pa.Table:
        """One of the config's files, or one row group of it: every read of rows goes through here, so
        that a null key (``_null_key``) or a half-null source or cue (``half_null_region``), which no
        release writes and whose comparison ended in a traceback or a wrong change, is refused once
        for all (``release-invalid``, naming the file and row)."""
        parquet = self.parquet(path)

        # on this thread, not Arrow's pool: a row group is a few MB, which threads decode no faster, and
        # the buffers they allocate sit in their own allocator heaps, which kept some 20 to 30 MB more
        # (bench/README.md, 2026-12-07)
        def read(columns: list[str] | None) -> pa.Table:
            return parquet.read(columns=columns, use_threads=False) if group is None \
                else parquet.read_row_group(group, columns=columns, use_threads=False)

        table = read(columns)
        if wrong := _null_key(table, config) or half_null_region(table, config):
            at, what = wrong
            first = sum(parquet.metadata.row_group(before).num_rows for before in range(group or 0))
            # every column: its document and region, where known
            raise CorpusError("release-invalid", f"row {first + at}: {what}", row_location(read(None), at, path))
        return table

    def keys(self, config: str) -> list[str]:
        """The values of the column a config's rows are keyed by (``_KEYS``), in row order; a value
        a second row has too is ``release-invalid``, naming that row's file and row."""
        if ("keys", config) not in self._tables:
            column, seen = _KEYS[config], {}
            for path in self.files(config):
                for at, value in enumerate(self.read(config, path, columns=[column])[column].to_pylist()):
                    if value in seen:
                        where = Location(file=str(path), doc_id=value if column == "doc_id" else None)
                        raise CorpusError("release-invalid", f"row {at}: {column} {value!r} is an earlier row's too; "
                                          f"the {config} config has a row per {column}, which diff keys its rows by",
                                          where)
                    seen[value] = None
            self._tables["keys", config] = list(seen)
        return self._tables["keys", config]

    def registry(self) -> dict[str, dict[str, Any]]:
        """Registry id -> its row."""
        return dict(zip(self.keys("entity_registry"), self.rows("entity_registry")))

    def column(self, config: str, name: str) -> dict[str, Any]:
        """doc_id -> its value in one column of a config with a row per document."""
        values = {}
        for path in self.files(config):
            table = self.read(config, path, columns=["doc_id", name])
            values.update(zip(table["doc_id"].to_pylist(), table[name].to_pylist()))
        return values

    def document_key(self, config: str) -> str | None:
        return next((name for name in _DOCUMENT_COLUMNS if name in self.features(config)), None)

    def table(self, config: str) -> pa.Table:
        """The whole config as Arrow: for the configs without a document column (and the registry)."""
        return pa.concat_tables([self.read(config, path) for path in self.files(config)])

    def groups(self, config: str) -> tuple[list[tuple[int, int]], pa.Table]:
        """Which row groups hold which documents' rows: the (file, row group) numbers in file order,
        and an Arrow table of (doc_id, index into them), one row per document and row group it has
        rows in. Made once per config from its doc_id column; it stays a few bytes per document."""
        if ("groups", config) not in self._tables:
            key = self.document_key(config)
            places, doc_ids, numbers = [], [], []
            for number, path in enumerate(self.files(config)):
                for group in range(self.parquet(path).num_row_groups):
                    present = pc.unique(self.read(config, path, group, columns=[key])[key])
                    doc_ids.append(present)
                    numbers.append(pa.repeat(scalar(len(places), pa.int32()), len(present)))
                    places.append((number, group))
            index = pa.table({"doc_id": pa.chunked_array(doc_ids, pa.string()).combine_chunks(),
                              "place": pa.chunked_array(numbers, pa.int32()).combine_chunks()})
            self._tables["groups", config] = places, index
        return self._tables["groups", config]

    def batch(self, config: str, documents: Iterable[Any]) -> pa.Table:
        """The rows of some documents, in their order (a document's rows in file order), as Arrow."""
        documents = list(documents)
        places, index = self.groups(config)
        held = index["place"].filter(pc.is_in(index["doc_id"], value_set=array(documents, pa.string())))
        wanted = sorted(set(held.to_pylist()))
        cache = self._tables.setdefault(("read", config), {})
        for stale in [place for place in cache if place not in wanted]:  # the previous batch's, unless shared
            del cache[stale]
        files = self.files(config)
        for place in wanted:
            if place not in cache:
                number, group = places[place]
                cache[place] = self.read(config, files[number], group)
        if not wanted:
            return self.parquet(self.files(config)[0]).schema_arrow.empty_table()
        read = pa.concat_tables([cache[place] for place in wanted])
        positions: dict[Any, list[int]] = defaultdict(list)
        for number, doc_id in enumerate(read.column(self.document_key(config)).to_pylist()):
            positions[doc_id].append(number)
        rows = [n for doc in documents for n in positions.get(doc, ())]
        # A batch follows the release's order, so its rows are almost always one run of those read:
        # a slice of them shares their buffers. take copied them all (every column, the nested ner and
        # kb ones too) at each call: 3.1 of the 5.1 GB a diff of two 10,000-document releases
        # allocated, whose pages Arrow's allocator kept (bench/README.md, 2026-12-07).
        if rows and rows == list(range(rows[0], rows[0] + len(rows))):
            return read.slice(rows[0], len(rows))
        return read.take(array(rows, pa.int64()))

    def rows(self, config: str, documents: Iterable[Any] | None = None) -> list[dict[str, Any]]:
        """Rows as dicts, label ids as names, the columns of ``shared`` cut to their shared type: all,
        or those of some documents (in their order)."""
        table = self.table(config) if documents is None else self.batch(config, documents)
        names = label_names(self.features(config))
        require_named(table, names, self.path / "data" / config)  # the rows of several files
        rows = [name_labels(row, names) for row in table.to_pylist()]
        for column, shape in self.shared.get(config, {}).items():
            for row in rows:
                row[column] = _cut(row[column], shape)
        return rows

    def documents(self, doc_ids: Iterable[str]) -> dict[str, dict]:
        """doc_id -> its documents row, of those of ``doc_ids`` the release has."""
        return {row["doc_id"]: row for row in self.rows("documents", doc_ids)}

    def rows_by_document(self, config: str, documents: Sequence[str]) -> dict[str, list[dict]]:
        key = self.document_key(config)
        grouped: dict[str, list[dict]] = defaultdict(list)
        for row in self.rows(config, documents):
            grouped[row[key]].append(row)
        return grouped


def _schema_features(schema: pa.Schema, path: Path | None) -> dict[str, Any]:
    """Column -> its feature, as ``_Release.features`` gives them, of a file's schema (``path``
    None: of this code's, ``arrow_schema``)."""
    described = file_features(schema, path)
    return {name: canonical_feature(described[name]) if name in described
            else {"_type": "arrow", "type": str(schema.field(name).type)}
            for name in schema.names}


class _Planned:
    """The release a build is about to write, as far as it is known before any row is: this
    code's configs, each with this code's features (every config gets a file, an empty one when
    it has no rows: corpus_tools.release.build)."""

    def configs(self) -> tuple[str, ...]:
        return CONFIGS

    def features(self, config: str) -> dict[str, Any]:
        return _schema_features(arrow_schema(config), None)


def _null_key(table: pa.Table, config: str) -> tuple[int, str] | None:
    """The first row of ``table`` with a null where diff finds, matches or orders the config's rows
    (``_IDENTITY``, else the document column; a unit's offsets), and what is wrong with it; None when
    there is none. A quote's source and cue are null where none was annotated: ``half_null_region``."""
    for name in _IDENTITY.get(config, _DOCUMENT_COLUMNS) + (_OFFSETS if config in _UNIT_CONFIGS else ()):
        if name in table.column_names and table.column(name).null_count:
            return (first_true(pc.is_null(table.column(name))),
                    f"{name} is null, a value diff finds and matches the {config} config's rows by")
    return None


def _difference(first: pa.Schema, first_features: dict, schema: pa.Schema, features: dict) -> str | None:
    """How the columns of a file (``schema`` and its ``features``) differ from those of its
    config's first file, in a few words; None if they do not."""
    if lacking := [name for name in first.names if name not in schema.names]:
        return f"no column {lacking[0]!r}"
    if more := [name for name in schema.names if name not in first.names]:
        return f"a column {more[0]!r}, which the first file has not"
    for name in first.names:
        if schema.field(name).type != first.field(name).type:
            return f"column {name!r} is {schema.field(name).type}, not {first.field(name).type}"
        if features[name] != first_features[name]:
            mine, theirs = features[name], first_features[name]
            return f"column {name!r} has " + ("other label names" if _without_names(mine) == _without_names(theirs)
                                              else f"the features of a {type_name(mine)}, not {type_name(theirs)}")
    if schema.names != first.names:
        return "its columns are in another order"
    return None


def open_release(where: str | Path, root: str | Path = ".") -> _Release:
    """A published release: checked against SHA256SUMS, named and versioned by its croissant.json."""
    path = require_release(resolve_release(where, root))
    release = _Release(path, *release_metadata(path))
    if "documents" not in release.configs():
        raise CorpusError("release-missing", "not a release directory: no documents config",
                          Location(file=str(path / "data")))
    return release


# ---------------------------------------------------------------------------------------------
# The diff


def diff_releases(old: str | Path, new: str | Path, *, root: str | Path = ".", doc_id: str | None = None,
                  layers: Sequence[str] | None = None, comparing: Totalled | None = None) -> ReleaseDiff:
    """Every change from the release ``old`` to the release ``new`` (directories, or versions under
    ``<root>/dist``), optionally only of one document and of some layers; bad input is a
    ``CorpusError`` (docs/diff.md). ``comparing``: asked, with the number of documents to compare,
    for the ``on_progress`` called with the number just compared."""
    if unknown := [layer for layer in layers or () if layer not in CHANGE_KINDS]:
        raise ValueError(f"no layer {unknown[0]!r}; layers are {', '.join(LAYERS)}")
    return compare(open_release(old, root), open_release(new, root), doc_id=doc_id, layers=layers,
                   comparing=comparing)


def diff_build(previous: _Release, built: Path, version: str, name: str,
               comparing: Totalled | None = None) -> ReleaseDiff:
    """The diff from the published release ``previous`` (as ``open_release`` gave it, before the
    build) to a release being built in ``built`` (complete but for its metadata and SHA256SUMS:
    the build checked what it wrote); ``comparing``: as diff_releases'."""
    return compare(previous, _Release(Path(built), version, name), comparing=comparing)


def compare(old: _Release, new: _Release, *, doc_id: str | None = None, layers: Sequence[str] | None = None,
            comparing: Totalled | None = None) -> ReleaseDiff:
    try:
        return _compare(old, new, doc_id, layers, comparing)
    finally:  # its files, not left open while the caller goes on (a build, its card)
        old.close()
        new.close()


def _compare(old: _Release, new: _Release, doc_id: str | None, layers: Sequence[str] | None,
             comparing: Totalled | None) -> ReleaseDiff:
    log = ChangeLog()
    common = set(old.configs()) & set(new.configs())
    # in name order, not a set's (which PYTHONHASHSEED decides): reading the features opens each
    # config's first file, and the first that cannot be opened is the one an error names
    shared = {config: _shared_types(old.features(config), new.features(config)) for config in sorted(common)}
    old, new = (dataclasses.replace(release, shared=shared) for release in (old, new))

    def keep(found: Iterable[ReleaseChange]) -> None:  # what the filters select, as it is found
        log.extend(change for change in found
                   if (doc_id is None or change.doc_id == doc_id) and (not layers or change.layer in layers))

    keep(_schema_changes(old, new))
    # Each keyed config whole, whatever --doc and --layer select (--doc compares no registry): a
    # release with a key twice is invalid whatever is asked of it, and a diff of one document
    # passed a release the whole diff refused.
    for release in (old, new):
        for config in sorted(_KEYS.keys() & set(release.configs())):
            release.keys(config)
    old_ids, new_ids = old.keys("documents"), new.keys("documents")
    _check_same_corpus(old, new)
    if doc_id is not None and doc_id not in old_ids and doc_id not in new_ids:
        raise CorpusError("doc-unknown", f"no document {doc_id!r} in {old.version} or {new.version}",
                          Location(doc_id=doc_id))
    document_columns = _common_columns(old, new, "documents")
    links: Counter = Counter()  # (old registry id, new registry id) of matched mentions and speakers
    new_links: set = set()  # registry ids NEW's mentions and speakers use
    derived = [config for config in sorted(common - _COMPARED)  # compared a batch of documents at a time
               if old.document_key(config) is not None and old.document_key(config) == new.document_key(config)]
    # Batches follow the releases' own order (NEW's documents, then those only OLD has), so each
    # reads a few row groups of each config; what is found does not depend on how they are cut.
    in_new = set(new_ids)
    every = [*new_ids, *(d for d in old_ids if d not in in_new)] if doc_id is None else [doc_id]
    on_progress = None if comparing is None else comparing(len(every))
    for batch in batched(every, _BATCH):  # a batch of documents' rows in memory at a time
        old_docs, new_docs = old.documents(batch), new.documents(batch)
        found = _document_changes(old_docs, new_docs, document_columns)
        documented = {change.doc_id for change in found}
        frames = {d: _Frame(old_docs[d], new_docs[d], document_columns)
                  for d in sorted(old_docs.keys() & new_docs.keys())}
        for layer in _UNIT_CONFIGS:
            if layer not in common:
                continue
            if _unchanged(old, new, layer, batch):
                _keep_links(new.batch(layer, batch), links, new_links)
                continue
            found += _unit_changes(layer, old.rows_by_document(layer, batch), new.rows_by_document(layer, batch),
                                   frames, _common_columns(old, new, layer), links, new_links)
        if "ner" in common and not _unchanged(old, new, "ner", batch):
            found += _ner_changes(old.rows_by_document("ner", batch), new.rows_by_document("ner", batch),
                                  [d for d in batch if d in frames])
        explained = documented | {change.doc_id for change in found}
        for config in derived:
            if not _unchanged(old, new, config, batch):
                found += _row_changes(config, old, new, [d for d in batch if d in frames and d not in explained])
        keep(found)
        if on_progress is not None:
            on_progress(len(batch))
    if "entity_registry" in common and doc_id is None:
        keep(_registry_changes(old.registry(), new.registry(),
                               _common_columns(old, new, "entity_registry"), links, new_links))
    for config in sorted(common - _COMPARED - set(derived)):  # no document column: compared whole
        keep(_row_changes(config, old, new, [None]))
    direction = ("same" if old.version == new.version
                 else "forward" if version_key(old.version) < version_key(new.version) else "backward")
    # the layers asked for in report order, each once: `--layer timexes --layer entities` is the
    # same question as its reverse, and its report (the JSON's filter) the same bytes
    return ReleaseDiff(old.version, new.version, str(old.path), str(new.path), direction, log.finish(), doc_id,
                       tuple(layer for layer in LAYERS if layer in layers) if layers else None)


def _order(change: ReleaseChange) -> tuple:
    """Layers in report order; then document; then the position the change was found at (kept by
    the stable sort) but for registry and schema changes, which go by id."""
    if change.doc_id is not None:
        return LAYERS.index(change.layer), change.doc_id, "", 0
    return LAYERS.index(change.layer), "", change.id or "", CHANGE_KINDS[change.layer].index(change.kind)


def _check_same_corpus(old: _Release, new: _Release) -> None:
    """One corpus: the same name, or at least one document with the same doc_id and raw file."""
    if old.name == new.name:
        return
    old_raw, new_raw = old.column("documents", "raw_sha256"), new.column("documents", "raw_sha256")
    if any(old_raw[d] == new_raw[d] for d in old_raw.keys() & new_raw.keys()):
        return
    raise CorpusError("release-corpus-mismatch", f"{old.path} ({old.name!r} {old.version}) and {new.path} "
                      f"({new.name!r} {new.version}) are releases of different corpora: other names and no "
                      "document in common", Location(file=str(new.path)))


def _unchanged(old: _Release, new: _Release, config: str, batch: list[str]) -> bool:
    """Whether some documents' rows of a config are equal in both releases (compared as Arrow, before
    any Python row is made: most documents of a release are the previous one's), in the columns
    both have; never when one of those has another type or other label names (ids mean names)."""
    before, after = old.features(config), new.features(config)
    common = sorted(_common_columns(old, new, config))
    if any(before[name] != after[name] for name in common):
        return False
    return old.batch(config, batch).select(common).equals(new.batch(config, batch).select(common))


def _keep_links(rows: pa.Table, links: Counter, new_links: set) -> None:
    """The registry links of unchanged units (each links to what it linked to), for merges and splits."""
    for column in _LINKS:
        if column in rows.column_names:
            for entity_id in rows.column(column).to_pylist():
                if entity_id is not None:
                    links[entity_id, entity_id] += 1
                    new_links.add(entity_id)


def _common_columns(old: _Release, new: _Release, config: str) -> set[str]:
    """The columns both releases have: only they are compared (the others are schema changes);
    those that no specific kind covers are compared as field-changed."""
    return set(old.features(config)) & set(new.features(config))


def _differing(kind: str, old: dict, new: dict, columns: Iterable[str]) -> list[tuple[str, dict, dict]]:
    """(``kind``, {column: old value}, {column: new value}) of the columns whose values differ, if any do."""
    differing = [column for column in columns if old.get(column) != new.get(column)]
    return [(kind, {c: old.get(c) for c in differing}, {c: new.get(c) for c in differing})] if differing else []


def _shared_types(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Column -> its ``_shared_type``, for the columns both releases have in types that differ
    in their struct fields."""
    shapes = {column: _shared_type(before[column], after[column]) for column in after
              if column in before and before[column] != after[column]}
    return {column: shape for column, shape in shapes.items() if shape is not None}


def _shared_type(before: Any, after: Any) -> Any:
    """The part of a column's type (canonical features) both releases have: of a struct, the
    fields both have (through lists); None: the whole value. A field only one release has is a
    schema change (``column-retyped``), not a change of every row, as a column only one has is."""
    if all(isinstance(f, dict) and "_type" not in f for f in (before, after)):  # structs
        return {name: _shared_type(before[name], after[name]) for name in before if name in after}
    if all(isinstance(f, dict) and f.get("_type") == "List" for f in (before, after)):
        items = _shared_type(before["feature"], after["feature"])
        return None if items is None else {"_type": "List", "feature": items}
    return None


def _cut(value: Any, shape: Any) -> Any:
    if shape is None or value is None:
        return value
    if shape.get("_type") == "List":
        return [_cut(item, shape["feature"]) for item in value]
    return {name: _cut(value.get(name), sub) for name, sub in shape.items()}


# --- schema


def canonical_feature(feature: Any) -> Any:
    """A ``datasets`` feature in one spelling: the same type is written ``Sequence`` (datasets 3),
    ``List`` (datasets 4 and later) or ``[feature]`` (a list of structs), and a release written
    for the older readers must not look retyped."""
    if isinstance(feature, list) and len(feature) == 1:
        return {"_type": "List", "feature": canonical_feature(feature[0])}
    if isinstance(feature, dict):
        if feature.get("_type") in ("Sequence", "List") and feature.get("length", -1) == -1:
            return {"_type": "List", "feature": canonical_feature(feature["feature"])}
        if "_type" not in feature:  # a struct: its fields
            return {name: canonical_feature(value) for name, value in feature.items()}
    return feature


def _schema_changes(old: _Release | _Planned, new: _Release | _Planned) -> list[ReleaseChange]:
    changes, old_configs, new_configs = [], set(old.configs()), set(new.configs())

    def found(kind: str, where: str, **values: Any) -> None:
        changes.append(ReleaseChange("schema", kind, id=where, **values))

    for config in sorted(new_configs - old_configs):
        found("config-added", config, new=list(new.features(config)))
    for config in sorted(old_configs - new_configs):
        found("config-removed", config, old=list(old.features(config)))
    for config in sorted(old_configs & new_configs):
        before, after = old.features(config), new.features(config)
        for column in after:
            if column not in before:
                found("column-added", f"{config}.{column}", new=type_name(after[column]))
        for column in before:
            where = f"{config}.{column}"
            if column not in after:
                found("column-removed", where, old=type_name(before[column]))
            elif _without_names(before[column]) != _without_names(after[column]):
                found("column-retyped", where, old=type_name(before[column]), new=type_name(after[column]))
            elif before[column] != after[column]:
                found("labels-changed", where, old=_all_names(before[column]), new=_all_names(after[column]))
    return changes


def _without_names(feature: Any) -> Any:
    """The feature with ClassLabel names left out: what a retyping changes and a relabelling does not."""
    if isinstance(feature, dict):
        if feature.get("_type") == "ClassLabel":
            return {"_type": "ClassLabel"}
        return {key: _without_names(value) for key, value in feature.items()}
    if isinstance(feature, list):
        return [_without_names(item) for item in feature]
    return feature


def _all_names(feature: Any) -> list[str]:
    """The ClassLabel names in a feature (a label column's, or those of its nested labels)."""
    if isinstance(feature, dict):
        if feature.get("_type") == "ClassLabel":
            return list(feature["names"])
        return [name for value in feature.values() for name in _all_names(value)]
    if isinstance(feature, list):
        return [name for item in feature for name in _all_names(item)]
    return []


def type_name(feature: Any) -> str:
    """A column's type in a few words: string, int32, list<string>, ClassLabel(10 names), struct<...>."""
    if not isinstance(feature, dict):
        return str(feature)
    kind = feature.get("_type")
    if kind == "Value":
        return feature["dtype"]
    if kind == "ClassLabel":
        return f"ClassLabel({len(feature['names'])} names)"
    if kind in ("List", "Sequence", "LargeList"):
        return f"list<{type_name(feature['feature'])}>"
    if kind == "arrow":
        return feature["type"]
    return "struct<" + ", ".join(f"{name}: {type_name(sub)}" for name, sub in feature.items()) + ">"


def _only_in(layer: str, added: bool, doc_id: str | None, key: str, text: Any, value: Any) -> ReleaseChange:
    """The change of a row only one release has: ``added`` (``value`` is its new value) or removed."""
    return ReleaseChange(layer, "added" if added else "removed", doc_id, key, text,
                         *((None, value) if added else (value, None)))


def _keyed_changes(layer: str, olds: dict, news: dict, named_by: str, shown: Callable[[dict], Any],
                   differences: Callable[[dict, dict], Iterable[tuple[str, Any, Any]]]) -> list[ReleaseChange]:
    """The changes of rows keyed by one column (``_KEYS``), in key order: a row only one release has
    is added or removed (its value ``shown``), a row both have changed in each of its ``differences``;
    a change's text is its row's ``named_by``."""
    changes = []
    for key in sorted(olds.keys() | news.keys()):
        old, new = olds.get(key), news.get(key)
        doc_id = key if layer == "documents" else None
        if old is None or new is None:
            row = new or old
            changes.append(_only_in(layer, old is None, doc_id, key, row.get(named_by), shown(row)))
        else:
            changes += [ReleaseChange(layer, kind, doc_id, key, new.get(named_by), before, after)
                        for kind, before, after in differences(old, new)]
    return changes


# --- documents


def _document_changes(old_docs: dict, new_docs: dict, common: set[str]) -> list[ReleaseChange]:
    extras = tuple(sorted(common - _KNOWN["documents"]))
    return _keyed_changes("documents", old_docs, new_docs, "title",
                          lambda row: {key: row.get(key) for key in ("title", "raw_file", "raw_sha256", "text_sha256")},
                          lambda old, new: _document_differences(old, new, common, extras))


def _document_differences(old: dict, new: dict, common: set[str], extras: tuple[str, ...]):
    """(kind, old value, new value) for each way a document both releases have changed."""

    def grouped(kind: str) -> Iterator[tuple[str, dict, dict]]:
        keys = {shown: key for shown, key in _GROUPED[kind].items() if key in common}
        before, after = ({shown: row[key] for shown, key in keys.items()} for row in (old, new))
        if before != after:
            yield kind, before, after

    yield from grouped("raw-changed")
    text_changed = any(key in common and old[key] != new[key] for key in ("text", "text_sha256"))
    if text_changed:
        yield ("text-changed", *({"text_sha256": row.get("text_sha256"), "normalizer_version":
                                  row.get("normalizer_version"), "characters": len(row.get("text") or "")}
                                 for row in (old, new)))
    yield from _attribute_changes("documents", old, new, common)
    yield from grouped("publisher-changed")
    yield from grouped("date-changed")
    others = extras if text_changed or "normalizer_version" not in common else (*extras, "normalizer_version")
    yield from _differing("field-changed", old, new, others)


# --- units


class _Frame:
    """Where the units of one document are compared (docs/diff.md, "How units are matched"): raw
    offsets, normalized offsets, or old offsets carried onto the new text (``mode``)."""

    def __init__(self, old_doc: dict, new_doc: dict, columns: set[str]):
        """``columns``: the documents columns both releases have. The raw file is the same when it is
        in those (raw-changed reads the same ones): a raw_encoding only one release has (null on the
        other side) made it changed, and units compared through the texts, not by raw offsets."""
        raw = [name for name in _RAW if name in columns]
        same_raw = "raw_sha256" in raw and all(old_doc.get(name) == new_doc.get(name) for name in raw)
        self.mode = "raw" if same_raw else "text" if old_doc.get("text") == new_doc.get("text") else "aligned"
        self._texts = old_doc.get("text") or "", new_doc.get("text") or ""

    @cached_property
    def _alignment(self) -> TextAlignment:
        # what ingest re-anchors spans by, not a character SequenceMatcher (length²)
        return TextAlignment(*self._texts)

    def new_key(self, row: dict, prefix: str, raw: bool) -> tuple[int, int] | None:
        """``raw``: ``_has_raw``."""
        if row.get(f"{prefix}start") is None:
            return None
        if self.mode == "raw" and raw:
            return row[f"{prefix}raw_start"], row[f"{prefix}raw_end"]
        return row[f"{prefix}start"], row[f"{prefix}end"]

    def old_key(self, row: dict, prefix: str, raw: bool) -> tuple[int, int] | None:
        if self.mode != "aligned" or row.get(f"{prefix}start") is None:
            return self.new_key(row, prefix, raw)
        start, end = self._carried(row[f"{prefix}start"], False), self._carried(row[f"{prefix}end"], True)
        return None if start is None or end is None else (start, end)

    def overlap_key(self, row: dict, prefix: str, raw: bool) -> tuple[int, int] | None:
        """``old_key``, or when an end's character was not kept (the edit touched the unit's first
        or last character), the part of the unit that was kept, when at least half of it was, for
        pairing by overlap: as the unit would otherwise be reported removed, and its edited self
        added."""
        key = self.old_key(row, prefix, raw)
        if key is not None or self.mode != "aligned" or row.get(f"{prefix}start") is None:
            return key
        start, end = row[f"{prefix}start"], row[f"{prefix}end"]
        first = next((at for offset in range(start, end) if (at := self._carried(offset, False)) is not None), None)
        last = next((at for offset in range(end, start, -1) if (at := self._carried(offset, True)) is not None), None)
        # at least half of it kept: a letter that happens to line up ("Assad" -> "Erdogan") is
        # another unit, not this one's boundaries
        kept = first is not None and last is not None and 2 * (last - first) >= end - start
        return (first, last) if kept and first < last else None

    def position(self, row: dict, in_old: bool, raw: bool) -> int:
        """Where a unit of either release is in the document, for the order of its changes: its raw
        start while the raw file is the same; else its start, an old unit's carried onto the new
        text (or where the new text's share of what came before it ends). An old unit's own
        normalized start is not one: a new normalizer moves it, and a removed unit was listed after
        a unit added behind it."""
        if self.mode == "raw" and raw:
            return row["raw_start"]
        if not in_old or self.mode == "text":
            return row["start"]
        return self._alignment.position(row["start"])

    def _carried(self, offset: int, is_end: bool) -> int | None:
        """An old offset in the new text, if the character at it (before it, for an end) is kept."""
        after = 1 if is_end and offset > 0 else 0
        at = self._alignment.map_offset(offset - after)
        return None if at is None else at + after


def _pair(olds: list[dict], news: list[dict], frame: _Frame, raw: bool) -> tuple[list, list, list]:
    """(pairs, removed, added): same position first, then the largest overlap, one to one."""
    waiting: dict[tuple, list[int]] = defaultdict(list)
    for index, row in enumerate(news):
        waiting[frame.new_key(row, "", raw)].append(index)
    pairs, unmatched_old, taken = [], [], set()
    for row in olds:
        key = frame.old_key(row, "", raw)
        candidates = waiting.get(key) if key is not None else None
        if candidates:
            index = candidates.pop(0)
            taken.add(index)
            pairs.append((row, news[index]))
        else:
            unmatched_old.append(row)
    unmatched_new = [index for index in range(len(news)) if index not in taken]
    overlaps = []
    for i, row in enumerate(unmatched_old):
        key = frame.overlap_key(row, "", raw)
        if key is None:
            continue
        for j in unmatched_new:
            if (overlap := _overlap(key, frame.new_key(news[j], "", raw))) > 0:
                overlaps.append((-overlap, i, j))
    used_old, used_new = set(), set()
    for _, i, j in sorted(overlaps):
        if i not in used_old and j not in used_new:
            used_old.add(i)
            used_new.add(j)
            pairs.append((unmatched_old[i], news[j]))
    removed = [row for i, row in enumerate(unmatched_old) if i not in used_old]
    added = [news[j] for j in unmatched_new if j not in used_new]
    return pairs, removed, added


def _overlap(one: tuple[int, int], other: tuple[int, int]) -> int:
    """How many positions two (start, end) ranges share; 0 or less: none."""
    return min(one[1], other[1]) - max(one[0], other[0])


def _span(row: dict, prefix: str = "") -> dict | None:
    if row.get(f"{prefix}start") is None:
        return None
    return {name: row.get(f"{prefix}{name}") for name in _SPAN}


def _has_raw(common: set[str], prefix: str) -> bool:
    """Whether both releases have a region's raw offsets: a release without them is compared by the others."""
    return {f"{prefix}raw_start", f"{prefix}raw_end"} <= common


def _unit(row: dict) -> dict:
    return {key: value for key, value in row.items() if key != "doc_id"}


def _unit_changes(layer: str, old_rows: dict, new_rows: dict, frames: dict, common: set[str],
                  links: Counter, new_links: set) -> list[ReleaseChange]:
    changes = []
    extras = tuple(sorted(common - _KNOWN[layer]))
    raw = _has_raw(common, "")
    for rows in new_rows.values():
        for row in rows:
            new_links.update(filter(None, (row.get(column) for column in _LINKS)))
    for doc_id in sorted(old_rows.keys() | new_rows.keys()):
        olds, news = old_rows.get(doc_id, []), new_rows.get(doc_id, [])
        frame = frames.get(doc_id)
        if frame is None:  # a document added or removed: so are its units
            pairs, removed, added = [], olds, news
        else:
            pairs, removed, added = _pair(olds, news, frame, raw)

        def at(row: dict, in_old: bool) -> int:  # one coordinate for both releases' units (``_Frame.position``)
            return row["start"] if frame is None else frame.position(row, in_old, raw)

        found = [(at(row, in_old), _only_in(layer, not in_old, doc_id, row.get("id"), row.get("text"), _unit(row)))
                 for in_old, rows in ((True, removed), (False, added)) for row in rows]
        for old, new in pairs:
            for kind, before, after in _unit_differences(layer, old, new, frame, common, extras):
                found.append((at(new, False), ReleaseChange(layer, kind, doc_id, new.get("id"), new.get("text"),
                                                            before, after)))
            for column in _LINKS:
                if old.get(column) is not None:
                    links[old[column], new.get(column)] += 1
        found.sort(key=lambda item: (item[0], CHANGE_KINDS[layer].index(item[1].kind)))
        changes += [change for _, change in found]
    return changes


def _unit_differences(layer: str, old: dict, new: dict, frame: _Frame, common: set[str], extras: tuple[str, ...]):
    """(kind, old value, new value) for each way a matched unit changed."""

    def moved(prefix: str) -> bool:
        raw = _has_raw(common, prefix)
        return f"{prefix}start" in common and frame.old_key(old, prefix, raw) != frame.new_key(new, prefix, raw)

    def same_region(prefix: str) -> bool:
        """A source's or cue's old and new region are one: where it was, or overlapping it (as ``_pair``
        pairs units by overlap)."""
        if not moved(prefix):
            return True
        raw = _has_raw(common, prefix)
        before, after = frame.overlap_key(old, prefix, raw), frame.new_key(new, prefix, raw)
        return before is not None and after is not None and _overlap(before, after) > 0

    if moved(""):
        yield "boundaries", _span(old), _span(new)
    yield from _attribute_changes(layer, old, new, common)
    if layer == "quotes":
        if moved("source_"):
            yield "source-changed", _source(old), _source(new)
        if old.get("source_start") is not None and new.get("source_start") is not None \
                and "speaker_id" in common and old["speaker_id"] != new["speaker_id"]:
            yield "speaker-changed", old["speaker_id"], new["speaker_id"]
        if moved("cue_"):
            yield "cue-changed", _span(old, "cue_"), _span(new, "cue_")
    # region ids are Label Studio's (a redrawn region gets a new one): the unit is the same, its id is not;
    # so is a source or cue redrawn where it was (over part of itself), but one drawn elsewhere is another
    # region (source-changed, cue-changed), whose new id says nothing more
    yield from _differing("id-changed", old, new, [
        column for column in ("id", "source_id", "cue_id") if column in common and (
            column == "id" or (old[column] is not None and new[column] is not None
                               and same_region(column[:-len("id")])))])
    yield from _differing("field-changed", old, new, extras)


def _attribute_changes(layer: str, old: dict, new: dict, common: set[str]) -> list[tuple[str, Any, Any]]:
    """(kind, old value, new value) of each column of ``_ATTRIBUTES[layer]`` whose value changed."""
    return [(kind, old[column], new[column]) for column, kind in _ATTRIBUTES[layer].items()
            if column in common and old[column] != new[column]]


def _source(row: dict) -> dict | None:
    span = _span(row, "source_")
    return None if span is None else {**span, "speaker_id": row.get("speaker_id")}


# --- registry


def _registry_changes(old: dict[str, dict], new: dict[str, dict], common: set[str], links: Counter,
                      new_links: set) -> list[ReleaseChange]:
    """``old``, ``new``: each release's registry, by id (``_Release.registry``)."""
    extras = tuple(sorted(common - _KNOWN["registry"]))
    changes = _keyed_changes("registry", old, new, "name", _unit, lambda before, after: [
        *_attribute_changes("registry", before, after, common), *_differing("field-changed", before, after, extras)])
    targets: dict[str, set] = defaultdict(set)  # old id -> the ids its matched mentions link to now
    for (old_id, new_id), _ in links.items():
        if new_id is not None:
            targets[old_id].add(new_id)
    # merged: ids all of whose mentions now link to one id, gone from the registry and from every link
    into: dict[str, set] = defaultdict(set)
    for old_id, now in targets.items():
        if len(now) == 1:
            into[next(iter(now))].add(old_id)
    for target, sources in sorted(into.items()):
        # the target is one of the entries merged when OLD's registry had it, whether or not a
        # mention linked to it then (one that none did was a merge missed); a target new in NEW's
        # registry is an id renamed, not a merge
        sources = sources | ({target} if target in old else set())
        gone = {source for source in sources if source != target}
        if len(sources) >= 2 and gone and not gone & new_links and not gone & new.keys():
            name = (new.get(target) or {}).get("name")
            changes.append(ReleaseChange("registry", "merged", None, target, name, sorted(sources), target))
    # split: an id whose mentions now link to several, of which some are new (or it is gone)
    for old_id, now in sorted(targets.items()):
        if len(now) >= 2 and (old_id not in new or now - old.keys()):
            name = (old.get(old_id) or {}).get("name")
            changes.append(ReleaseChange("registry", "split", None, old_id, name, old_id, sorted(now)))
    return changes


# --- ner


def _tokens(rows: list[dict]) -> tuple[list[str], list[str]]:
    ordered = sorted(rows, key=lambda row: row.get("sentence") or 0)
    return ([token for row in ordered for token in row.get("tokens") or ()],
            [tag for row in ordered for tag in row.get("ner_tags") or ()])


def _ner_changes(old_rows: dict, new_rows: dict, documents: list[str]) -> list[ReleaseChange]:
    """Per document (of those in both releases), tokens aligned by their text: counts per (old
    tag, new tag) pair of the tokens whose tag changed, and per tag of tokens without a counterpart."""
    changes = []
    for doc_id in documents:
        old_tokens, old_tags = _tokens(old_rows.get(doc_id, []))
        new_tokens, new_tags = _tokens(new_rows.get(doc_id, []))
        if (old_tokens, old_tags) == (new_tokens, new_tags):
            continue
        retagged, added, removed = Counter(), Counter(), Counter()
        if old_tokens == new_tokens:  # the same text: tokens pair by position (SequenceMatcher's one equal run)
            opcodes = [("equal", 0, len(old_tokens), 0, len(new_tokens))]
        else:
            opcodes = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False).get_opcodes()
        for operation, i1, i2, j1, j2 in opcodes:
            if operation == "equal":
                retagged.update((a, b) for a, b in zip(old_tags[i1:i2], new_tags[j1:j2]) if a != b)
            else:  # (old tag, new tag), as the changes hold them: None on the side without the token
                removed.update((tag, None) for tag in old_tags[i1:i2])
                added.update((None, tag) for tag in new_tags[j1:j2])
        for kind, tally in (("tags-changed", retagged), ("tokens-added", added), ("tokens-removed", removed)):
            changes += [ReleaseChange("ner", kind, doc_id, old=a, new=b, count=n)
                        for (a, b), n in sorted(tally.items())]
    return changes


# --- other configs


def _row_changes(config: str, old: _Release, new: _Release, documents: list) -> list[ReleaseChange]:
    """Rows of a config built from the others (ner, kb) or unknown here, compared whole, each given
    document's at a time (the caller gives those in both releases that no other change explains: a
    changed builder), or all at once (``[None]``) when the config has no document column."""
    common = _common_columns(old, new, config)

    def grouped(release: _Release) -> dict:
        rows = release.rows_by_document(config, documents) if documents != [None] else {None: release.rows(config)}
        return {group: Counter(_json({c: row[c] for c in common}) for row in group_rows)
                for group, group_rows in rows.items()}

    before, after = grouped(old), grouped(new)
    changes = []
    for group in documents:
        gone = before.get(group, Counter()) - after.get(group, Counter())
        came = after.get(group, Counter()) - before.get(group, Counter())
        if gone or came:
            changes.append(ReleaseChange("configs", "rows-changed", group, config, None,
                                         sum(gone.values()), sum(came.values()), columns=tuple(_differing_paths(
                                             [orjson.loads(row) for row in gone.elements()],
                                             [orjson.loads(row) for row in came.elements()]))))
    return changes


def _json(value: Any) -> bytes:
    """A value as the rows of derived configs are compared: JSON, keys sorted (a multiset's key)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _differing_paths(olds: list, news: list, path: str = "") -> list[str]:
    """The columns, and inside struct columns the field paths (``entities.normalized``), in which
    rows only OLD has (``olds``) differ from rows only NEW has (``news``), in name order. A field
    differs when the multisets of its values over those rows do (through lists: a list of structs'
    field is the list of its items' values). Of a struct, the fields that differ are named, or the
    struct itself when all of them differ or none does alone (their values differ only in how they
    are combined); of the rows, which have no name, the columns that differ, or every column."""
    fields = sorted({name for value in (*olds, *news) for name in _field_names(value)})
    values = {name: ([_field(value, name) for value in olds], [_field(value, name) for value in news])
              for name in fields}
    differing = [name for name in fields
                 if Counter(map(_json, values[name][0])) != Counter(map(_json, values[name][1]))]
    if path and len(differing) in (0, len(fields)):
        return [path]
    if not differing:
        return fields
    return [found for name in differing
            for found in _differing_paths(*values[name], f"{path}.{name}" if path else name)]


def _field_names(value: Any) -> set[str]:
    """The fields of a struct value, or of the structs in a list value (at any depth)."""
    if isinstance(value, dict):
        return set(value)
    if isinstance(value, list):
        return {name for item in value for name in _field_names(item)}
    return set()


def _field(value: Any, name: str) -> Any:
    """A struct's field ``name``; of a list of structs, the list of its items' (None stays None)."""
    if isinstance(value, dict):
        return value.get(name)
    if isinstance(value, list):
        return [_field(item, name) for item in value]
    return value


# ---------------------------------------------------------------------------------------------
# Reading a diff: counts, the version rule, JSON, text


def counts(diff: ReleaseDiff, *, changes: bool = False) -> dict[str, dict[str, int]]:
    """layer -> kind -> number of changes (tokens, for ner; ``changes``: changes, whatever their
    count), in report order; only what occurs."""
    tally: dict[str, Counter] = defaultdict(Counter)
    for layer, kind, total, number in ChangeLog.of(diff.changes).totals("kinds"):
        tally[layer][kind] += number if changes else total
    return {layer: {kind: tally[layer][kind] for kind in CHANGE_KINDS[layer] if tally[layer][kind]}
            for layer in LAYERS if tally.get(layer)}


def document_counts(diff: ReleaseDiff) -> dict[str, dict[str, dict[str, int]]]:
    """doc_id -> layer -> kind -> number, for the changes that belong to a document."""
    tally: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for doc_id, layer, kind, total, _ in ChangeLog.of(diff.changes).totals("documents"):
        tally[doc_id][layer][kind] += total
    return {doc_id: {layer: dict(sorted(kinds.items(), key=lambda item: CHANGE_KINDS[layer].index(item[0])))
                     for layer, kinds in sorted(layers.items(), key=lambda item: LAYERS.index(item[0]))}
            for doc_id, layers in sorted(tally.items())}


def required_bump(diff: ReleaseDiff) -> str:
    """The version rule: major for a removed config or column, a retyped column or a changed label
    set; minor for any other change; patch when the data did not change."""
    if any((layer, kind) in MAJOR_CHANGES for layer, kind, _, _ in ChangeLog.of(diff.changes).totals("kinds")):
        return "major"
    return "minor" if diff.changes else "patch"


_VERSION_FILE = Location(file=version_module.__file__)  # what a version refusal names: the file to change


def check_newer(previous: str, version: str) -> None:
    """Refuse (``version-bump-too-small``) a version not newer than the previous release's. Every
    release moves at least a patch, whatever changed, so this part of the version rule needs no
    diff: a build asks it before writing anything, and ``check_bump`` of every diff."""
    if bump(previous, version) == "none":
        raise CorpusError("version-bump-too-small", f"release {version} is not newer than the previous release "
                          f"{previous}; set corpus_tools/version.py to {next_version(previous, 'patch')} or later",
                          _VERSION_FILE)


def _enough(diff: ReleaseDiff) -> bool:
    """Whether NEW's version moves as far as the diff needs (the version rule)."""
    return BUMPS.index(bump(diff.old_version, diff.new_version)) >= BUMPS.index(required_bump(diff))


def check_bump(diff: ReleaseDiff, released: Sequence[str] = ()) -> None:
    """Refuse (``version-bump-too-small``) a NEW version that moves less than the diff needs;
    ``released``: the versions released beside NEW (its dist/), which the version to set must
    not be one of (``_version_to_set``)."""
    check_newer(diff.old_version, diff.new_version)
    if _enough(diff):
        return
    needed, given = required_bump(diff), bump(diff.old_version, diff.new_version)
    cause = next(change for change in diff.changes
                 if needed == "minor" or (change.layer, change.kind) in MAJOR_CHANGES)
    total = counts(diff)[cause.layer][cause.kind]
    version = _version_to_set(diff.old_version, needed, released)
    if version is not None:
        fix = f": set corpus_tools/version.py to {version}"
    else:
        first = min((v for v in released if version_key(v) > version_key(diff.old_version)), key=version_key)
        fix = f", and no version whose previous release is {diff.old_version} can be one: {first} is released"
    raise CorpusError("version-bump-too-small", (
        f"release {diff.new_version} is a {given} version after {diff.old_version}, but {cause.layer}: "
        f"{counted(cause.layer, cause.kind, total)} (first: {describe(cause)}) needs a {needed} version{fix} "
        "(the version rule: docs/release.md)"), dataclasses.replace(_VERSION_FILE, doc_id=cause.doc_id))


def check_planned(previous: _Release, version: str, doc_ids: Collection[str], target: str | Path,
                  released: Sequence[str], document_rows: Callable[[list[str]], list[dict[str, Any]]]) -> None:
    """The version rule as far as it is decided before a release of ``version`` holding ``doc_ids``
    is built at ``target`` after ``previous`` (docs/release.md): a version not newer, or too small
    for the schema changes and the documents removed and added (``document_rows``: the documents
    rows the build will write of some doc_ids), found by ``diff_build``'s own functions. No change
    lowers what a diff needs, so what they refuse the diff of the build would refuse too."""
    check_newer(previous.version, version)

    def diff(changes: list[ReleaseChange]) -> ReleaseDiff:
        return ReleaseDiff(previous.version, version, str(previous.path), str(target), "forward",
                           ChangeLog.of(changes))

    def added(batch: list[str]) -> list[ReleaseChange]:
        return _document_changes({}, {row["doc_id"]: row for row in document_rows(batch)}, set())

    try:
        changes = _schema_changes(previous, _Planned())
        present, published = set(doc_ids), previous.keys("documents")
        for batch in batched([doc_id for doc_id in published if doc_id not in present], _BATCH):
            changes += _document_changes(previous.documents(batch), {}, set())
    finally:  # read again by the diff of the build, if it comes to one
        previous.close()
    new = sorted(present - set(published))
    # changes of one kind need one bump: when the first added document's does not refuse the
    # version, no other's can, and their rows are not built twice (the build builds them)
    if new and not _enough(diff(first := added(new[:1]))):
        changes += first
        for batch in batched(new[1:], _BATCH):
            changes += added(batch)
    check_bump(diff(changes), released)


def _version_to_set(previous: str, needed: str, released: Sequence[str]) -> str | None:
    """The smallest ``needed`` bump after ``previous``, if the version rule would take it: it is not
    released, and the release it would follow (``latest_before``) is ``previous``, or one it is a
    major version after; None otherwise (docs/release.md gives the two cases)."""
    version = next_version(previous, needed)
    follows = latest_before([previous, *released], version)
    if version in released or (follows != previous and bump(follows, version) != "major"):
        return None
    return version


def as_dict(diff: ReleaseDiff, lazy: bool = False) -> dict[str, Any]:
    """The JSON form (`corpus-tools diff --json`; keys in docs/diff.md); ``lazy``: its changes as a
    generator, which echo_json prints a change at a time."""
    changes = ({"layer": c.layer, "kind": c.kind, "doc_id": c.doc_id, "id": c.id, "text": c.text,
                "old": c.old, "new": c.new, "count": c.count,
                **({} if c.columns is None else {"columns": list(c.columns)})} for c in diff.changes)
    return {
        "old": {"version": diff.old_version, "path": diff.old_path},
        "new": {"version": diff.new_version, "path": diff.new_path},
        "direction": diff.direction,
        "filter": {"doc_id": diff.doc_id, "layers": list(diff.layers) if diff.layers else None},
        "changed": bool(diff.changes),
        "required_bump": required_bump(diff),
        "counts": counts(diff),
        "documents": document_counts(diff),
        "changes": changes if lazy else list(changes),
    }


# kind -> how its count reads; a phrase that begins with a plural noun is (the noun, the rest), as a
# count of 1 takes the noun in the singular ("1 column added", not "1 columns added")
_PHRASES = {
    "boundaries": "boundaries changed", "raw-changed": "raw file changed", "text-changed": "normalized text changed",
    "tags-changed": ("token", "whose tag changed"), "tokens-added": ("token", "added"),
    "tokens-removed": ("token", "removed"),
    # one change per document and config: a document's kb and ner rows are two ("2 documents" was untrue)
    "rows-changed": ("document-config pair", "whose rows changed otherwise"),
    "config-added": ("config", "added"), "config-removed": ("config", "removed"), "column-added": ("column", "added"),
    "column-removed": ("column", "removed"), "column-retyped": ("column", "retyped"),
    "labels-changed": ("label set", "changed"),
}


def kind_phrase(layer: str, kind: str, number: int | None = None) -> str:
    """How changes of a kind read ("columns added"; of ``number`` 1, "column added"). A kind reads
    alike in every layer that has it: ``layer`` is the callers' pair, not a part of the phrase."""
    phrase = _PHRASES.get(kind, kind.replace("-", " "))
    if isinstance(phrase, str):
        return phrase
    noun, rest = phrase
    return f"{noun}{'' if number == 1 else 's'} {rest}"


def counted(layer: str, kind: str, number: int) -> str:
    """``number`` changes of a kind in words: "2 columns added", "1 column added" (not "1 columns")."""
    return f"{number} {kind_phrase(layer, kind, number)}"


def summary(diff: ReleaseDiff) -> str:
    """One line: each layer's counts ("entities: 2 added, 1 boundaries changed; registry: 1 renamed")."""
    return "; ".join(_layer_counts(layer, kinds) for layer, kinds in counts(diff).items())


def _layer_counts(layer: str, kinds: dict[str, int]) -> str:
    return f"{layer}: " + ", ".join(counted(layer, kind, n) for kind, n in kinds.items())


def _quoted(text: Any, limit: int = 60) -> str:
    if text is None:
        return "null"
    flat = escape(str(text))
    return '"' + (flat if len(flat) <= limit else flat[:limit - 1] + "…") + '"'


def _at(span: dict | None) -> str:
    if span is None:
        return "none"
    return f"{_quoted(span.get('text'))} [{span.get('start')}, {span.get('end')})"


def _value(value: Any) -> str:
    if isinstance(value, dict):
        if "evidence" in value:  # a metadata value with its evidence
            evidence = value["evidence"] or {}
            head = next(iter(value.values()))
            said = evidence.get("quote") or evidence.get("reasoning")
            return f"{_quoted(head)} ({evidence.get('kind')}{', ' + _quoted(said, 50) if said else ''})"
        return ", ".join(f"{key}={_value(item)}" for key, item in value.items())
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return "null" if value is None else str(value)


def _unit_summary(layer: str, unit: dict) -> str:
    if layer == "entities":
        return f"{_at(unit)} {unit.get('label')} -> {_value(unit.get('entity_id'))}"  # null: linked to none
    if layer == "timexes":
        mod = f" {unit['mod']}" if unit.get("mod") else ""
        return f"{_at(unit)} {unit.get('label')} {_value(unit.get('value'))}{mod}"
    if layer == "quotes":
        speaker = unit.get("speaker_id") or _quoted(unit.get("source_text"))
        return f"{_at(unit)} {unit.get('quote_type')}, said by {speaker}"
    if layer == "registry":
        return f"{_quoted(unit.get('name'))} {unit.get('type')} {unit.get('wikidata') or ''}".rstrip()
    return f"{_quoted(unit.get('title'))} raw {str(unit.get('raw_sha256'))[:12]}"


# the registry's free text, quoted as a name or a title is: words, not an id or a label
_FREE_TEXT = ("renamed", "description-changed")


def describe(change: ReleaseChange) -> str:
    """One readable line for a change (examples in text output, changelog and card): escaped
    whole, as errors are, since every part of it (an id, a label, a speaker_id, a wikidata QID, not
    only a name or a description) is a release's value, and a release made elsewhere may hold a
    line break in any of them."""
    return escape(_described(change))


def _described(change: ReleaseChange) -> str:
    where = " ".join(part for part in (change.doc_id, change.id if change.id != change.doc_id else None) if part)
    layer, kind, old, new = change.layer, change.kind, change.old, change.new
    if layer == "ner":
        return f"{where}: {change.count} token(s) {old or '-'} -> {new or '-'}"
    if layer == "configs":
        return f"{where}: {old} row(s) replaced by {new}"
    if kind in ("added", "removed") and layer != "schema":
        return f"{where} {_unit_summary(layer, new if kind == 'added' else old)}"
    if kind in ("boundaries", "source-changed", "cue-changed"):
        if kind == "source-changed":
            before, after = (old or {}).get("speaker_id"), (new or {}).get("speaker_id")
            return f"{where}: {_at(old)} ({_value(before)}) -> {_at(new)} ({_value(after)})"
        return f"{where}: {_at(old)} -> {_at(new)}"
    if kind == "merged":
        return f"{', '.join(old)} merged into {new}"
    if kind == "split":
        return f"{old} split into {', '.join(new)}"
    if kind == "labels-changed":
        gained = [name for name in new if name not in old]
        lost = [name for name in old if name not in new]
        moves = ", ".join([*(f"+{n}" for n in gained), *(f"-{n}" for n in lost)]) or "reordered"
        return f"{where}: {moves}"
    if layer == "schema":
        return f"{where} ({_value(new if new is not None else old)})" if kind != "column-retyped" \
            else f"{where}: {old} -> {new}"
    text = f" {_quoted(change.text)}" if change.text is not None and layer != "documents" else ""
    if layer == "registry" and kind in _FREE_TEXT:
        return f"{where}{text}: {_quoted(old)} -> {_quoted(new)}"
    return f"{where}{text}: {_value(old)} -> {_value(new)}"


_LISTED = 10  # changed documents the text report names before "... N more"


def report_lines(diff: ReleaseDiff, examples: int = 3) -> list[str]:
    """The text report: what was compared, each layer's counts with its first examples, the
    documents that changed, and a closing summary with the version the diff needs."""
    lines = [f"diff {diff.old_version} ({diff.old_path}) -> {diff.new_version} ({diff.new_path})"]
    if diff.direction == "backward":
        lines.append(f"note: OLD ({diff.old_version}) is newer than NEW ({diff.new_version}); changes are read "
                     f"from {diff.old_version} to {diff.new_version}")
    if diff.doc_id or diff.layers:
        lines.append("only " + " and ".join(filter(None, (
            f"document {diff.doc_id}" if diff.doc_id else None,
            f"layers {', '.join(diff.layers)}" if diff.layers else None))))
    log = ChangeLog.of(diff.changes)
    numbers = counts(diff, changes=True)
    for layer, kinds in counts(diff).items():
        lines.append(_layer_counts(layer, kinds))
        for kind in kinds:
            lines += [f"  {kind}: {describe(change)}" for change in log.first(layer, kind, examples)]
            if numbers[layer][kind] > examples:
                lines.append(f"  {kind}: ... {numbers[layer][kind] - examples} more (--json lists all)")
            if kind == "rows-changed":  # not in its examples: the card shows them, as published
                lines += [f"  {kind}: {escape(column)} differs in {n} of them"
                          for column, n in _differing_columns(log).items()]
    changed_documents = document_counts(diff)
    if changed_documents:
        lines.append(f"documents with changes: {len(changed_documents)}")
        for doc_id, layers in list(changed_documents.items())[:_LISTED]:
            lines.append(f"  {escape(str(doc_id))}: " + "; ".join(
                f"{layer} " + ", ".join(f"{n} {kind}" for kind, n in kinds.items()) for layer, kinds in layers.items()))
        if len(changed_documents) > _LISTED:
            lines.append(f"  ... {len(changed_documents) - _LISTED} more")
    if not diff.changes:
        lines.append(f"no change: the data of {diff.new_version} is that of {diff.old_version}"
                     + (" (in what was selected)" if diff.doc_id or diff.layers else ""))
    else:
        inside = sum(number for *_, number in log.totals("documents"))
        lines.append(f"total: {len(diff.changes)} change(s) in {len(changed_documents)} document(s) and "
                     f"{len(diff.changes) - inside} outside documents; "
                     f"by the version rule this needs a {required_bump(diff)} version")
    return lines


def _differing_columns(log: ChangeLog) -> dict[str, int]:
    """``config.column`` (or field path) -> the number of rows-changed whose rows differ in it, in
    name order."""
    tally = Counter(f"{change.id}.{column}" for change in log.first("configs", "rows-changed", None)
                    for column in change.columns or ())
    return dict(sorted(tally.items()))


def changelog_line(diff: ReleaseDiff | None) -> str:
    """The changelog entry's line on what changed since the previous release."""
    if diff is None:
        return "- The first release."
    if not diff.changes:
        return f"- Changes since {diff.old_version}: none, the data did not change."
    return (f"- Changes since {diff.old_version} (a {required_bump(diff)} version by the version rule): "
            f"{summary(diff)}. Every change: `corpus-tools diff {diff.old_version} {diff.new_version}`.")


@dataclass(frozen=True, slots=True)
class FilesCompared:
    """Which files of a release whose data did not change differ from the previous release's, beyond
    the card, CHANGELOG.md, croissant.json and SHA256SUMS, which always do (they name the version,
    or hash what does): build-info.json, when other library versions built it (corpus_tools's is
    the release's own, so in a release made by `corpus-tools release` it always differs), and the
    parquet files, when the same rows are in other bytes (other versions wrote them, or the same
    ones in other files or row groups); ``libraries``: the previous release records other versions
    of the libraries that write the files (pyarrow, datasets), so the card may name them as the cause;
    ``license_file``: "new" when the previous release has no LICENSE.md, "changed" when its differs, else ""."""

    build_info: bool
    parquet: bool
    libraries: bool = False
    license_file: str = ""


def licence_note(old_version: str, files: FilesCompared | None) -> str:
    """What the card and the changelog say of a new or changed LICENSE.md, whether or not the data
    changed ("" when it is the previous release's)."""
    if files is None or not files.license_file:
        return ""
    return (f"{LICENSE_FILE} (the licence statement) is new: {old_version} had none." if files.license_file == "new"
            else f"{LICENSE_FILE} (the licence statement) differs from {old_version}'s.")


def _unchanged_files(old_version: str, files: FilesCompared) -> str:
    licence = {"new": [f"{LICENSE_FILE} (new: {old_version} had none)"], "changed": [LICENSE_FILE]}.get(
        files.license_file, [])
    differing = ["this card", "CHANGELOG.md", "croissant.json"] + licence + (
        [f"{BUILD_INFO_FILE} ({BUILD_INFO_HOLDS})"] if files.build_info else []) + [
        "SHA256SUMS (every file's hash)"]
    listed = ", ".join(differing[:-1]) + " and " + differing[-1]
    if files.parquet:
        # the cause is named only when the records show it: the same versions write other bytes too
        # when the rows are sharded or grouped otherwise
        why = " (other library versions wrote them)" if files.libraries else ""
        return f"The parquet files hold the same rows in other bytes{why}; {listed} differ too."
    return f"Of its files, only {listed} differ: the parquet files are byte for byte those of {old_version}."


def card_section(diff: ReleaseDiff | None, examples: int = 3, files: FilesCompared | None = None,
                 removals: dict[str, str] | None = None) -> str:
    """The dataset card's section on what changed since the previous release; ``files``: which of
    its files differ from the previous release's (None: not said): all of them when the data did
    not change, else only a new or changed LICENSE.md; ``removals``: the reason the removal record
    gives for each document removed from the corpus, by doc_id (None: not known, not said)."""
    if diff is None:
        return "## Changes\n\nThis is the first release of the corpus: there is no earlier release to compare with."
    head = f"## Changes since {diff.old_version}"
    if not diff.changes:
        return (f"{head}\n\nThe data did not change since {diff.old_version}: every config has the same columns, "
                "label sets and rows." + ("" if files is None else " " + _unchanged_files(diff.old_version, files)))
    log = ChangeLog.of(diff.changes)
    tallies = counts(diff)
    rows = [(layer, kind_phrase(layer, kind), n) for layer, kinds in tallies.items() for kind, n in kinds.items()]
    shown = [f"- {layer}, {kind_phrase(layer, kind)}: `{_code(describe(change))}`"
             for layer, kinds in tallies.items() for kind in kinds
             for change in log.first(layer, kind, examples)]
    return (f"{head}\n\nChanges from release {diff.old_version} to {diff.new_version}, per kind (for ner, in tokens); "
            f"by the version rule they need a {required_bump(diff)} version. "
            f"`corpus-tools diff {diff.old_version} {diff.new_version}` lists every change.\n\n"
            + markdown_table(("layer", "change", "count"), rows)
            + "\n\nFirst examples of each kind:\n\n" + "\n".join(shown)
            + _removal_reasons(log, removals)
            + (f"\n\n{note}" if (note := licence_note(diff.old_version, files)) else ""))


def _removal_reasons(log: "ChangeLog", removals: dict[str, str] | None) -> str:
    """Why each document the diff counts removed left the corpus, as the removal record says
    (annotations/removed-documents.jsonl; "" when no document was removed or no reasons are known).
    A reason is a value from outside the release's code, escaped and kept in a code span as every
    value the card quotes is."""
    removed = [change.doc_id for change in log.first("documents", "removed", None)]
    if removals is None or not removed:
        return ""
    lines = [f"- `{_code(escape(str(doc_id)))}`: " + (f"`{_code(escape(removals[doc_id]))}`" if doc_id in removals
                                                     else "no reason recorded") for doc_id in removed]
    return ("\n\nDocuments removed from the corpus, with the reason the removal record "
            "(annotations/removed-documents.jsonl) gives:\n\n" + "\n".join(lines))


def _code(text: str) -> str:
    """Text that stays one inline code span in markdown."""
    return text.replace("`", "'")
