"""The dataset card (README.md): a YAML header the Hugging Face Hub and ``datasets`` read, and
the standard sections, with every number computed from the release's own rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import yaml

from corpus_tools.release.arrow_schemas import CONFIGS, NER_TAGS, yaml_features
from corpus_tools.release.stats import Stats
from corpus_tools.release.writer import Shard
from corpus_tools.schema import ENTITY_LABELS, QUOTE_TYPES, TIMEX_LABELS

RIGHTS_STATEMENT = (
    "The article texts are news reporting whose copyright stays with their publishers (named, where "
    "known, in the documents config). They are included only so that the annotations can be read in "
    "context, for non-commercial research; this release grants no license to the article texts. "
    "The annotations, the entity registry and the metadata are released under the MIT license, like "
    "the corpus_tools code that builds them."
)


@dataclass(frozen=True, slots=True)
class CardInfo:
    """What the card says that the data cannot: names, rights, provenance prose."""

    pretty_name: str = "US–Syria Relations News Corpus (2021–2024)"
    summary: str = (
        "English news articles on US–Syria relations (2021–2024), annotated with named entities "
        "(OntoNotes 5.0 types, linked to an entity registry), TimeML TIMEX3 time expressions and "
        "PARC 3.0-style quotations with their sources and cues."
    )
    license: str = "other"
    license_name: str = "news-text-publisher-copyright"
    license_url: str = "https://opensource.org/license/mit"
    homepage: str = ""
    cite_as: str = "US–Syria Relations News Corpus, release {version}, built with corpus_tools {version}."


SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                   (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"))


def size_category(count: int) -> str:
    return next((name for bound, name in SIZE_CATEGORIES if count < bound), "10M<n<100M")


def _data_files(config: str, shards: Sequence[Shard], splits: Sequence[str]) -> list[dict]:
    return [{"split": split, "path": [s.path for s in shards if s.config == config and s.split == split]}
            for split in splits]


def _dataset_info(config: str, shards: Sequence[Shard], splits: Sequence[str], sizes: dict[str, int]) -> dict:
    mine = [s for s in shards if s.config == config]
    split_info = [{"name": split, "num_bytes": sum(s.num_bytes for s in mine if s.split == split),
                   "num_examples": sum(s.num_rows for s in mine if s.split == split)} for split in splits]
    return {
        "config_name": config,
        "features": yaml_features(config),
        "splits": split_info,
        "download_size": sum(sizes[s.path] for s in mine),
        "dataset_size": sum(item["num_bytes"] for item in split_info),
    }


def config_splits(config: str, document_splits: Sequence[str]) -> tuple[str, ...]:
    """The splits a config may have. The registry is shared by all documents: one split, named
    train by the Hub's convention."""
    return ("train",) if config == "entity_registry" else tuple(document_splits)


def _present_splits(config: str, shards: Sequence[Shard], document_splits: Sequence[str]) -> tuple[str, ...]:
    """The splits the config has shards in (the build writes none for a split without rows but train)."""
    return tuple(split for split in config_splits(config, document_splits)
                 if any(s.config == config and s.split == split for s in shards))


def card_header(info: CardInfo, stats: Stats, shards: Sequence[Shard], document_splits: Sequence[str],
                sizes: dict[str, int]) -> dict:
    return {
        "pretty_name": info.pretty_name,
        "license": info.license,
        "license_name": info.license_name,
        "license_details": RIGHTS_STATEMENT,
        "language": ["en"],
        "language_creators": ["found"],
        "annotations_creators": ["expert-generated"],
        "multilinguality": ["monolingual"],
        "source_datasets": ["original"],
        "task_categories": ["token-classification"],
        "task_ids": ["named-entity-recognition"],
        "size_categories": [size_category(stats.total("documents"))],
        "tags": ["news", "syria", "united-states", "timex3", "quotation-attribution", "entity-linking"],
        "configs": [
            {"config_name": config, **({"default": True} if config == "documents" else {}),
             "data_files": _data_files(config, shards, _present_splits(config, shards, document_splits))}
            for config in CONFIGS
        ],
        "dataset_info": [_dataset_info(config, shards, _present_splits(config, shards, document_splits), sizes)
                         for config in CONFIGS],
    }


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _counts_table(what: str, counter, labels: Sequence[str]) -> str:
    return _table((what, "count"), [(label, counter[label]) for label in labels])


def _split_table(stats: Stats, document_splits: Sequence[str]) -> str:
    rows = [(config, *(stats.split_rows(config, split) for split in document_splits))
            for config in CONFIGS if config != "entity_registry"]
    rows.append(("entity_registry", *(stats.total("entity_registry") if split == "train" else "-"
                                      for split in document_splits)))
    return _table(("config", *document_splits), rows)


def card_body(info: CardInfo, version: str, stats: Stats, document_splits: Sequence[str]) -> str:
    documents = stats.total("documents")
    characters = sum(stats.characters.values())
    split_word = ", ".join(f"{split}: {stats.split_rows('documents', split)}" for split in document_splits)
    sections = [
        f"# {info.pretty_name}",
        f"Release {version}. {info.summary}",
        "## Dataset Summary",
        f"{documents} documents ({characters} characters of normalized text); "
        f"{sum(stats.publishers.values())} of them name their publisher ({len(stats.publishers)} distinct); "
        f"{stats.total('entities')} entity mentions, "
        f"{stats.total('timexes')} time expressions, {stats.total('quotes')} quote(s); "
        f"{stats.total('entity_registry')} entities in the registry; {stats.total('ner')} sentences and "
        f"{stats.tokens} tokens in the ner config.",
        "## Supported Tasks",
        "- Named entity recognition (`ner`: tokens with IOB2 tags, ready for token classification).\n"
        "- Entity linking to the registry (`entities.entity_id`, `entity_registry`).\n"
        "- Temporal expression recognition and normalization (`timexes`: TIMEX3 value and mod).\n"
        "- Quotation attribution: quote, source and cue spans (`quotes`; relations in `kb`).",
        "## Languages",
        "English (`en`), as published by English-language news outlets.",
        "## Dataset Structure",
        "### Configs\n\n" + "\n".join(f"- `{config}`: {_CONFIG_DESCRIPTIONS[config]}" for config in CONFIGS),
        "Offsets are Python string indices (Unicode code points), half-open `[start, end)`, into the "
        "normalized `text` of the `documents` config; `raw_start`/`raw_end` index the decoded raw "
        "source file (sha256 in `raw_sha256`), through the normalizer's offset map.",
        "### Loading\n\n```python\nimport datasets\n"
        "entities = datasets.load_dataset(\"path/to/dist/" + version + "\", \"entities\")\n"
        "entities[\"train\"].features[\"label\"].names\n```\n\n"
        "or, in a checkout, `corpus_tools.load(\"entities\")`, which verifies SHA256SUMS first.",
        "### Data Splits",
        "A document's split is a function of its doc_id alone: the first 8 bytes of sha256(doc_id), "
        "as a big-endian integer, modulo 100; 0-79 is train, 80-89 validation, 90-99 test. Adding "
        "articles never moves a document to another split. Only splits that hold documents are "
        f"declared. In this release: {split_word}.",
        _split_table(stats, document_splits),
        _small_corpus_note(documents, document_splits),
        "### Statistics",
        "Entity mentions by label:\n\n" + _counts_table("label", stats.entity_labels, ENTITY_LABELS)
        + f"\n\n{stats.linked_mentions} of {stats.total('entities')} mentions are linked to a registry entity.",
        "Time expressions by label:\n\n" + _counts_table("label", stats.timex_labels, TIMEX_LABELS),
        "Quotes by type:\n\n" + _counts_table("quote_type", stats.quote_types, QUOTE_TYPES)
        + f"\n\nOf {stats.total('quotes')} quote(s), {stats.quotes_with_source} have a source "
        f"({stats.quotes_with_speaker} with a speaker from the registry) and {stats.quotes_with_cue} a cue.",
        "Documents by publisher (where the text states it):\n\n"
        + _table(("publisher", "documents"), sorted(stats.publishers.items()))
        + f"\n\n{documents - sum(stats.publishers.values())} documents have no publisher (null, with the "
        f"evidence seen in the documents config); {stats.dated_documents} of {documents} have a publication date.",
        "Registry entities by type:\n\n" + _counts_table("type", stats.registry_types, ENTITY_LABELS)
        + f"\n\n{stats.registry_with_wikidata} registry entities have a Wikidata QID (given only where certain).",
        f"The `ner` config's tags (ClassLabel ids 0-{len(NER_TAGS) - 1}): " + ", ".join(NER_TAGS) + ".",
        "## Dataset Creation",
        "### Source Data",
        "English-language news articles on US–Syria relations, 2021–2024, kept byte for byte in the "
        "repository's raw/ directory with a manifest (sha256, encoding, title, publisher and "
        "publication date, each with the evidence for it, null where nothing states it). A "
        "reversible normalization (recorded in an offset map) produces the text that is annotated.",
        "### Annotations",
        "Annotators label the normalized texts in a Label Studio server (tasks can carry the "
        "corpus's current annotations as predictions, to be corrected rather than redone), "
        "following the project's annotation guidelines (docs/annotation-guidelines.md in the "
        "repository): entities are flat OntoNotes 5.0 "
        "names, time expressions follow TimeML TIMEX3 (values resolved against the publication "
        "date where it is known), quotes follow PARC 3.0 / PolNeAR (QUOTE content, SOURCE as "
        "written nearest the quote, CUE; relations said_by and cue). Label Studio exports are kept "
        "verbatim and append-only; each document's annotation in a release is the ground-truth "
        "annotation of its task, else the most recently updated non-cancelled one, and must pass "
        "validation (a release with any validation error is not built).",
        "### Personal and Sensitive Information",
        "The texts name public figures and officials as reported in published news. No private "
        "individuals' data beyond what the articles published is added.",
        "## Considerations for Using the Data",
        "### Known Limitations",
        "- A single annotation team annotated the corpus, so its conventions and its errors are "
        "that team's; this card reports no inter-annotator agreement.\n"
        "- Source articles may be truncated: the raw files hold the text as captured from the "
        "publishers' pages, which can be an excerpt, and can include page furniture such as "
        "comment-form prompts.\n"
        "- The corpus is topically narrow (one bilateral relationship, 2021–2024)"
        + (f" and small ({documents} documents)" if documents < 1000 else "")
        + "; models trained on it will not generalize to news at large.\n"
        "- The `ner` config's sentence splitting and tokenization are rule-based and simple; "
        "an abbreviation before a capital (\"U.S. Congress\") ends a sentence early. Tokens are split "
        "at entity boundaries, so every mention covers whole tokens.",
        "## Additional Information",
        "### Licensing Information",
        RIGHTS_STATEMENT,
        "### Citation Information",
        info.cite_as.format(version=version),
        "### Files",
        "`data/<config>/<split>-NNNNN-of-NNNNN.parquet` (sharded, bounded rows per file), "
        "`croissant.json` (Croissant 1.0 metadata with each parquet file's sha256), `CHANGELOG.md`, "
        "and `SHA256SUMS` covering every other file (`sha256sum -c SHA256SUMS`, or "
        "`corpus-tools verify`).",
    ]
    return "\n\n".join(sections) + "\n"


def _small_corpus_note(documents: int, document_splits: Sequence[str]) -> str:
    if documents >= 100:
        return ""
    return (f"With only {documents} documents, the splits say nothing statistically: "
            f"{', '.join(document_splits) or 'no split'} is all there is, and any score on it is "
            "anecdotal. They exist so that each document keeps its split as the corpus grows; "
            "until then, use the data for inspection, demonstration or cross-validation.")


_CONFIG_DESCRIPTIONS = {
    "documents": "one row per document: normalized text, title, publisher and publication date with the "
                 "evidence for each, normalizer version, raw file name and sha256, text sha256, split.",
    "entities": "one row per entity mention: span and raw span, text, label (ClassLabel), registry entity_id.",
    "timexes": "one row per time expression: span and raw span, text, label (ClassLabel), TIMEX3 value and mod.",
    "quotes": "one row per quote: quote span, quote_type (ClassLabel), source span with speaker_id, "
              "cue span; each span with raw offsets; source and cue are null when not annotated.",
    "entity_registry": "one row per real-world entity: id, name, type (ClassLabel), aliases, Wikidata QID "
                       "(null unless certain), description.",
    "ner": "one row per sentence: tokens, token offsets, IOB2 ner_tags (ClassLabel).",
    "kb": "one row per document in BigBIO's KB schema: passages, entities (mentions, time expressions, "
          "QUOTE/SOURCE/CUE regions) with offsets as lists and normalizations (registry id, TIMEX3 "
          "value), relations said_by and cue.",
}


def card_text(info: CardInfo, version: str, stats: Stats, shards: Sequence[Shard],
              document_splits: Sequence[str], sizes: dict[str, int]) -> str:
    header = yaml.safe_dump(card_header(info, stats, shards, document_splits, sizes), sort_keys=False,
                            allow_unicode=True, width=100)
    return f"---\n{header}---\n\n{card_body(info, version, stats, document_splits)}"
