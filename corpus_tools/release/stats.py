"""Statistics of a release, counted from the rows (as columns) as they stream past (constant memory)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from corpus_tools.release.arrow_schemas import spec
from corpus_tools.release.columns import Flat, length, split, to_pylist
from corpus_tools.release.splits import SPLITS, designated_split
from corpus_tools.schema import ENTITY_LABELS, QUOTE_TYPES, TIMEX_LABELS


@dataclass
class Stats:
    rows: Counter = field(default_factory=Counter)  # (config, split) -> rows
    characters: Counter = field(default_factory=Counter)  # split -> code points of text
    entity_labels: Counter = field(default_factory=Counter)
    linked_mentions: int = 0
    timex_labels: Counter = field(default_factory=Counter)
    quote_types: Counter = field(default_factory=Counter)
    quotes_with_source: int = 0
    quotes_with_speaker: int = 0
    quotes_with_cue: int = 0
    tokens: int = 0
    registry_types: Counter = field(default_factory=Counter)
    registry_with_wikidata: int = 0
    publishers: Counter = field(default_factory=Counter)
    dated_documents: int = 0
    folds: Counter = field(default_factory=Counter)  # fold -> documents
    designated: Counter = field(default_factory=Counter)  # designated split -> documents (declared or not)
    examples: dict = field(default_factory=dict)  # config -> (split, its first row), for the card

    def observe(self, config: str, split: str, columns: dict, count: int) -> None:
        """Count ``count`` rows of ``config`` given as columns (as the writer takes them)."""
        self.rows[config, split] += count
        # datasets gives a config's splits in SPLITS order, so its first row is that of the first
        # split with rows, whichever split's rows the build happened to write first
        if count and (config not in self.examples or SPLITS.index(split) < SPLITS.index(self.examples[config][0])):
            self.examples[config] = (split, {name: to_pylist(_head(columns[name]))[0] for name in spec(config)})
        _OBSERVERS[config](self, split, columns)

    def total(self, config: str) -> int:
        return sum(count for (name, _), count in self.rows.items() if name == config)

    def split_rows(self, config: str, split: str) -> int:
        return self.rows[config, split]


def _head(column):
    return split(column, 1)[0]


def _present(values: list) -> int:
    return len(values) - values.count(None)


def _documents(stats: Stats, split: str, columns: dict[str, list]) -> None:
    stats.characters[split] += sum(map(len, columns["text"]))
    stats.publishers.update(publisher for publisher in columns["publisher"] if publisher is not None)
    stats.dated_documents += _present(columns["publication_date"])
    stats.folds.update(columns["fold"])
    stats.designated.update(designated_split(doc_id) for doc_id in columns["doc_id"])


def _entities(stats: Stats, split: str, columns: dict[str, list]) -> None:
    stats.entity_labels.update(ENTITY_LABELS[label] for label in columns["label"])
    stats.linked_mentions += _present(columns["entity_id"])


def _timexes(stats: Stats, split: str, columns: dict[str, list]) -> None:
    stats.timex_labels.update(TIMEX_LABELS[label] for label in columns["label"])


def _quotes(stats: Stats, split: str, columns: dict[str, list]) -> None:
    stats.quote_types.update(QUOTE_TYPES[kind] for kind in columns["quote_type"])
    stats.quotes_with_source += _present(columns["source_id"])
    stats.quotes_with_speaker += _present(columns["speaker_id"])
    stats.quotes_with_cue += _present(columns["cue_id"])


def _ner(stats: Stats, split: str, columns: dict) -> None:
    tokens = columns["tokens"]
    stats.tokens += length(tokens.values) if isinstance(tokens, Flat) else sum(map(len, tokens))


def _registry(stats: Stats, split: str, columns: dict[str, list]) -> None:
    stats.registry_types.update(ENTITY_LABELS[kind] for kind in columns["type"])
    stats.registry_with_wikidata += _present(columns["wikidata"])


def _nothing(stats: Stats, split: str, columns: dict[str, list]) -> None:
    """kb repeats what the flat configs hold; its row counts are enough."""


_OBSERVERS = {
    "documents": _documents,
    "entities": _entities,
    "timexes": _timexes,
    "quotes": _quotes,
    "ner": _ner,
    "entity_registry": _registry,
    "kb": _nothing,
}
