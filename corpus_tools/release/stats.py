"""Statistics of a release, counted from the rows as they stream past (constant memory)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

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

    def observe(self, config: str, split: str, row: dict) -> None:
        self.rows[config, split] += 1
        _OBSERVERS[config](self, split, row)

    def total(self, config: str) -> int:
        return sum(count for (name, _), count in self.rows.items() if name == config)

    def split_rows(self, config: str, split: str) -> int:
        return self.rows[config, split]


def _documents(stats: Stats, split: str, row: dict) -> None:
    stats.characters[split] += len(row["text"])
    if row["publisher"] is not None:
        stats.publishers[row["publisher"]] += 1
    stats.dated_documents += row["publication_date"] is not None


def _entities(stats: Stats, split: str, row: dict) -> None:
    stats.entity_labels[ENTITY_LABELS[row["label"]]] += 1
    stats.linked_mentions += row["entity_id"] is not None


def _timexes(stats: Stats, split: str, row: dict) -> None:
    stats.timex_labels[TIMEX_LABELS[row["label"]]] += 1


def _quotes(stats: Stats, split: str, row: dict) -> None:
    stats.quote_types[QUOTE_TYPES[row["quote_type"]]] += 1
    stats.quotes_with_source += row["source_id"] is not None
    stats.quotes_with_speaker += row["speaker_id"] is not None
    stats.quotes_with_cue += row["cue_id"] is not None


def _ner(stats: Stats, split: str, row: dict) -> None:
    stats.tokens += len(row["tokens"])


def _registry(stats: Stats, split: str, row: dict) -> None:
    stats.registry_types[ENTITY_LABELS[row["type"]]] += 1
    stats.registry_with_wikidata += row["wikidata"] is not None


def _nothing(stats: Stats, split: str, row: dict) -> None:
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
