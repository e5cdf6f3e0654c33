"""The dataset card (README.md): a YAML header the Hugging Face Hub and ``datasets`` read, and
the standard sections, with every number computed from the release's own rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import yaml

from corpus_tools.annotations.agreement import NO_VERSION, not_comparable_kinds
from corpus_tools.errors import agreeing, quantity
from corpus_tools.records import AnnotationQuality
from corpus_tools.release.arrow_schemas import CONFIGS, NER_TAGS, yaml_features
from corpus_tools.release.buildinfo import BUILD_INFO_FILE, BUILD_INFO_HOLDS, code_version, recorded_text
from corpus_tools.release.card_fields import data_fields_section, data_instances_section, markdown_table
from corpus_tools.release.citation import bibtex
from corpus_tools.release.rights import LICENSE_FILE, MIT_URL, RIGHTS_STATEMENT, columns_table, mit_license
from corpus_tools.release.splits import FOLDS, MIN_SPLIT_DOCUMENTS, SPLITS
from corpus_tools.release.stats import Stats
from corpus_tools.release.writer import Shard
from corpus_tools.schema import ENTITY_LABELS, QUOTE_TYPES, TIMEX_LABELS


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
    # the Hub's id for `license: other`: not "publisher copyright", as invented articles have no publisher
    license_name: str = "unlicensed-article-texts-mit-annotations"
    # who made the corpus; no person or organization is named that the project has not named
    creator: str = "The corpus_tools project"
    # who made the annotations, in the Hub's terms (found, crowdsourced, expert-generated,
    # machine-generated, no-annotation, other): the annotators of every annotation released so far
    # are instances of one language model (docs/agreement.md, round 2; annotator-1's round-1 gold
    # too), and the ground truth is corpus-tools adjudicate's merge of their versions
    annotations_creators: tuple[str, ...] = ("machine-generated",)
    # the corpus's public home, once it has one; until then the card beside croissant.json stands for it
    homepage: str = ""
    # what a user must know beyond the statistics (listed under Known Limitations): the corpus's own
    # notes (annotations/card-caveats.md); the build adds the invented articles and the documents
    # nobody annotated yet
    caveats: tuple[str, ...] = ()
    # the doc_ids of the articles written for the project (their manifest records' ``invented``): no
    # outlet published them, so what the card says of the texts as news is said of the others; set
    # by the build from the documents it writes, whoever calls it
    invented: tuple[str, ...] = ()
    # why each document removed from the corpus was removed (doc_id, the reason its latest removal
    # record gives: annotations/removed-documents.jsonl), for the changes section; None when the
    # caller does not know (a build from records alone), and then the card does not say
    removals: tuple[tuple[str, str], ...] | None = None

    @property
    def url(self) -> str:
        return self.homepage or "README.md"

    @property
    def description(self) -> str:
        """The summary, and which texts are invented when any are (the card's first lines and
        croissant.json's description: "English news articles" is not true of them)."""
        if not self.invented:
            return self.summary
        count, named = len(self.invented), ", ".join(self.invented)
        kind = agreeing(count, "is an invented article", "are invented articles")
        return f"{self.summary} Of its texts, {count} ({named}) {kind} written for the project, not news."

    def citation(self, version: str, date: str | None) -> str:
        return bibtex(self.pretty_name, self.creator, version, date, self.homepage or None, code_version())


SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                   (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"))


def size_category(count: int) -> str:
    return next((name for bound, name in SIZE_CATEGORIES if count < bound), "10M<n<100M")


def config_splits(config: str, document_splits: Sequence[str]) -> tuple[str, ...]:
    """The splits a config may have. The registry is shared by all documents: one split, named
    train by the Hub's convention."""
    return ("train",) if config == "entity_registry" else tuple(document_splits)


def _config_entries(config: str, shards: Sequence[Shard], document_splits: Sequence[str],
                    sizes: dict[str, int]) -> tuple[dict, dict]:
    """The config's entries in the header's ``configs`` and ``dataset_info``, of the splits it has
    shards in (the build writes none for a split without rows but train)."""
    mine = [s for s in shards if s.config == config]
    by_split = {split: [s for s in mine if s.split == split] for split in config_splits(config, document_splits)}
    present = {split: found for split, found in by_split.items() if found}
    files = {"config_name": config, **({"default": True} if config == "documents" else {}),
             "data_files": [{"split": split, "path": [s.path for s in found]} for split, found in present.items()]}
    split_info = [{"name": split, "num_bytes": sum(s.num_bytes for s in found),
                   "num_examples": sum(s.num_rows for s in found)} for split, found in present.items()]
    info = {"config_name": config, "features": yaml_features(config), "splits": split_info,
            "download_size": sum(sizes[s.path] for s in mine),
            "dataset_size": sum(item["num_bytes"] for item in split_info)}
    return files, info


CARD_TAGS = ("news", "syria", "united-states", "timex3", "quotation-attribution", "entity-linking")

# (task, configs that serve it, Hub task category, Hub task id): the Hub has ids for the first
# two only; the others are named in the card's tags and its Supported Tasks section.
TASKS = (
    ("Named entity recognition", "`ner` (tokens with IOB2 tags), `entities` (spans)", "token-classification",
     "named-entity-recognition"),
    ("Entity linking to the registry", "`entities.entity_id`, `quotes.speaker_id`, `entity_registry`",
     "text-retrieval", "entity-linking-retrieval"),
    ("Temporal expression recognition and normalization (TIMEX3 value and mod)", "`timexes`", None, None),
    ("Quotation attribution: quote, source and cue spans and their relations", "`quotes`, `kb`", None, None),
)


def card_header(info: CardInfo, stats: Stats, shards: Sequence[Shard], document_splits: Sequence[str],
                sizes: dict[str, int]) -> dict:
    entries = [_config_entries(config, shards, document_splits, sizes) for config in CONFIGS]
    return {
        "pretty_name": info.pretty_name,
        "license": info.license,
        "license_name": info.license_name,
        "license_link": LICENSE_FILE,
        "license_details": RIGHTS_STATEMENT,
        "language": ["en"],
        # the Hub's terms: an invented article's language is neither found nor any other kind it names
        "language_creators": ["other"] if _all_invented(info, stats) else ["found", "other"] if info.invented
        else ["found"],
        "annotations_creators": list(info.annotations_creators),
        "multilinguality": ["monolingual"],
        "source_datasets": ["original"],
        "task_categories": sorted({category for _, _, category, _ in TASKS if category}),
        "task_ids": [task_id for _, _, _, task_id in TASKS if task_id],
        "size_categories": [size_category(stats.total("documents"))],
        "tags": list(CARD_TAGS),
        "configs": [files for files, _ in entries],
        "dataset_info": [info for _, info in entries],
    }


def _counts_table(what: str, counter, labels: Sequence[str]) -> str:
    return markdown_table((what, "count"), [(label, counter[label]) for label in labels])


def card_body(info: CardInfo, version: str, stats: Stats, document_splits: Sequence[str],
              date: str | None = None, changes: str = "", quality: AnnotationQuality | None = None) -> str:
    """``changes``: the section on what changed since the previous release (corpus_tools.release.diff);
    ``quality``: the annotation-quality figures (corpus_tools.annotations.adjudicate)."""
    documents = stats.total("documents")
    characters = sum(stats.characters.values())
    sections = [
        f"# {info.pretty_name}",
        f"Release {version}. {info.description}",
        _description_section(info),
        "## Dataset Summary",
        f"{documents} documents ({characters} characters of normalized text); "
        f"{sum(stats.publishers.values())} of them with a publisher, stated in the text or inferred "
        f"(`publisher_evidence` says which; {len(stats.publishers)} distinct); "
        f"{stats.total('entities')} entity mentions, "
        f"{stats.total('timexes')} time expressions, {stats.total('quotes')} quote(s); "
        f"{stats.total('entity_registry')} entities in the registry; {stats.total('ner')} sentences and "
        f"{stats.tokens} tokens in the ner config.",
        changes,
        _tasks_section(),
        "## Languages",
        (f"English (`en`): every text ({', '.join(info.invented)}) is an invented article, written for the project "
         "in the style of news and published by no outlet." if _all_invented(info, stats) else
         "English (`en`), as published by English-language news outlets" + (
             f", but for the {_invented(info)}: written for the project in the style of news, and published by no "
             "outlet" if info.invented else "") + "."),
        "## Dataset Structure",
        "### Configs\n\n" + "\n".join(f"- `{config}`: {CONFIG_DESCRIPTIONS[config]}" for config in CONFIGS),
        "Offsets are Python string indices (Unicode code points), half-open `[start, end)`, into the "
        "normalized `text` of the `documents` config; `raw_start`/`raw_end` index the decoded raw "
        "source file (sha256 in `raw_sha256`), through the normalizer's offset map.",
        data_instances_section(stats.examples),
        data_fields_section(by_account=quality is not None and quality.annotators_by_account),
        _splits_section(stats, document_splits),
        _loading_section(version, stats),
        "### Statistics",
        "Entity mentions by label:\n\n" + _counts_table("label", stats.entity_labels, ENTITY_LABELS)
        + f"\n\n{stats.linked_mentions} of {stats.total('entities')} mentions are linked to a registry entity.",
        "Time expressions by label:\n\n" + _counts_table("label", stats.timex_labels, TIMEX_LABELS),
        "Quotes by type:\n\n" + _counts_table("quote_type", stats.quote_types, QUOTE_TYPES)
        + f"\n\nOf {stats.total('quotes')} quote(s), {stats.quotes_with_source} have a source "
        f"({stats.quotes_with_speaker} with a speaker from the registry) and {stats.quotes_with_cue} a cue.",
        "Documents by publisher (stated in the text or inferred: see `publisher_evidence`):\n\n"
        + markdown_table(("publisher", "documents"), sorted(stats.publishers.items()))
        + f"\n\n{documents - sum(stats.publishers.values())} documents have no publisher (null, with the "
        f"evidence seen in the documents config); {stats.dated_documents} of {documents} have a publication date"
        + (" (an invented article's is the date its text states: no outlet published it)" if info.invented else "")
        + ".",
        "Registry entities by type:\n\n" + _counts_table("type", stats.registry_types, ENTITY_LABELS)
        + f"\n\n{stats.registry_with_wikidata} registry entities have a Wikidata QID (given only where certain).",
        f"The `ner` config's tags (ClassLabel ids 0-{len(NER_TAGS) - 1}): " + ", ".join(NER_TAGS) + ".",
        "## Dataset Creation",
        "### Source Data",
        (f"Invented articles written for the project in the style of English-language news on US–Syria relations "
         f"(every text: {', '.join(info.invented)}; no news article)," if _all_invented(info, stats) else
         "English-language news articles on US–Syria relations, 2021–2024,"
         + (f" and {_invented(info)} written for the project," if info.invented else "")) + " kept byte for byte in the "
        "repository's raw/ directory with a manifest (sha256, encoding, title, and the publisher and "
        "publication date, each with the evidence for it: stated in the text, inferred from it, or none, "
        "and then null). A "
        "normalization produces the text that is annotated; its offset map leads every span back to its place "
        "in the raw file's decoded text, in code points (what it removed, such as page furniture, is in the raw file alone: the raw text cannot "
        "be rebuilt from the normalized one).",
        "### Annotations",
        "Annotators label the normalized texts as Label Studio annotations, in a Label Studio server's editor or "
        "as worksheets that `corpus-tools labelstudio annotate --worksheets` submits through its API (tasks can "
        "carry the "
        "corpus's current annotations as predictions, to be corrected rather than redone), "
        "following the project's annotation guidelines (docs/annotation-guidelines.md in the "
        "repository): entities are flat OntoNotes 5.0 "
        "names, time expressions follow TimeML TIMEX3 (values resolved against the publication "
        "date where it is known), quotes follow PARC 3.0 / PolNeAR (QUOTE content, SOURCE as "
        "written nearest the quote, CUE; relations said_by and cue). Label Studio exports are kept "
        "verbatim and append-only; each document's annotation in a release is the ground-truth "
        "annotation of its task, else the most recently updated non-cancelled one, and must pass "
        "validation (a release with any validation error is not built)." + _preannotation_note(quality),
        quality_section(quality),
        "### Personal and Sensitive Information",
        " ".join(filter(None, (
            None if _all_invented(info, stats) else f"The {'news articles' if info.invented else 'texts'} name "
            "public figures and officials as reported in published news. No private individuals' data beyond what "
            "the articles published is added.",
            f"The {_invented(info)} {_name_so_that_they_read(info)} like news: take nothing "
            f"{agreeing(len(info.invented), 'it says', 'they say')} as a record of what anyone said." if info.invented
            else None))),
        "## Considerations for Using the Data",
        "### Known Limitations",
        "".join(f"- {caveat}\n" for caveat in info.caveats)
        + "- Every annotator worked from the same guidelines and registry, so the corpus's conventions, "
        "and the errors they lead to, are the same throughout" + ("; this card reports no inter-annotator agreement.\n" if quality is None else
                          " (inter-annotator agreement: see Annotation quality above).\n")
        + ("" if _all_invented(info, stats) else
           "- Source articles may be truncated: the raw files hold the text as captured from web pages "
           "(not always the publisher's own), which can be an excerpt, and can include page furniture such as "
           "comment-form prompts" + (f" (the {_invented(info)} as written)" if info.invented else "") + ".\n")
        + "- The corpus is topically narrow (one bilateral relationship, 2021–2024)"
        + (f" and small ({documents} documents)" if documents < 1000 else "")
        + "; models trained on it will not generalize to news at large.\n"
        "- The `ner` config's sentence splitting and tokenization are rule-based and simple; "
        "an abbreviation before a capital (\"U.S. Congress\") ends a sentence early. Tokens are split "
        "at entity boundaries, so every mention covers whole tokens.",
        _out_of_scope_section(info, stats),
        "## Additional Information",
        _licensing_section(),
        "### Citation Information",
        "```bibtex\n" + info.citation(version, date) + "\n```",
        _reporting_section(version, info.homepage),
        _reproducing_section(),
        "### Files",
        "`data/<config>/<split>-NNNNN-of-NNNNN.parquet` (sharded, bounded rows per file), "
        "`croissant.json` (Croissant 1.0 metadata with each parquet file's sha256 and licences; it "
        f"loads with `mlcroissant`), `{LICENSE_FILE}` (the licence statement), "
        f"`{BUILD_INFO_FILE}` ({BUILD_INFO_HOLDS}: see Reproducing this Release), "
        "`CHANGELOG.md`, and `SHA256SUMS` covering every other file (`sha256sum -c SHA256SUMS`, or "
        "`corpus-tools verify`).",
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def _description_section(info: CardInfo) -> str:
    home = f"[{info.homepage}]({info.homepage})" if info.homepage else (
        "the corpus_tools repository (the releases are its `dist/<version>/` directories)")
    return ("## Dataset Description\n\n"
            f"- **Homepage and repository:** {home}\n"
            f"- **Curated by:** {info.creator}\n"
            "- **License:** see Licensing Information (article texts: no licence; everything else: MIT)\n"
            "- **Point of contact and errors:** see How to Report Errors")


def _tasks_section() -> str:
    rows = [(task, configs, f"`{task_id}`" if task_id else "(no Hub task id)")
            for task, configs, _, task_id in TASKS]
    return "## Supported Tasks\n\n" + markdown_table(("task", "configs", "Hub task id"), rows)


def _splits_section(stats: Stats, document_splits: Sequence[str]) -> str:
    documents = stats.total("documents")
    published = ", ".join(f"{split}: {stats.split_rows('documents', split)}" for split in document_splits)
    designated = ", ".join(f"{split}: {stats.designated[split]}" for split in SPLITS)
    undeclared = [split for split in SPLITS if split not in document_splits]
    per_split = [(config, *(stats.split_rows(config, split) for split in document_splits))
                 for config in CONFIGS if config != "entity_registry"]
    per_split.append(("entity_registry", *(stats.total("entity_registry") if split == "train" else "-"
                                           for split in document_splits)))
    rule = (
        "### Data Splits\n\n"
        "A document's fold and designated split are functions of its doc_id alone, so adding articles "
        "changes neither. Its **designated split**: the first 8 bytes of sha256(doc_id), as a big-endian "
        "integer, modulo 100; 0-79 train, 80-89 validation, 90-99 test. A split other than train is "
        f"**declared** once at least {MIN_SPLIT_DOCUMENTS} documents are designated to it (fewer make "
        "scores that one article's quirks decide), and stays declared in every later release, even "
        "with fewer; until then its documents are published in train. "
        "So a document moves once, from train to validation or test, in the release that first "
        "declares its split: do not evaluate a model trained on an earlier release's train split on "
        "a newly declared split. A config without rows in a split leaves that split out, train included "
        "(datasets cannot load a split without rows); a config without any rows keeps one empty train "
        "file, which holds its columns. "
        f"In this release: designated {designated}; published {published}"
        + (f"; not yet declared: {', '.join(undeclared)}." if undeclared else ".")
    )
    folds = (
        f"**Folds.** Every config whose rows belong to a document has a `fold` column, 0-{FOLDS - 1}: "
        f"bytes 8-15 of sha256(doc_id), as a big-endian integer, modulo {FOLDS}, independent of the "
        "split. For cross-validation, hold out one fold's documents at a time (never split a "
        "document's rows between training and evaluation). Documents per fold in this release:\n\n"
        + markdown_table(("fold", "documents"), [(fold, stats.folds[fold]) for fold in range(FOLDS)])
        + _empty_folds_note(stats)
    )
    return "\n\n".join(filter(None, (rule, markdown_table(("config", *document_splits), per_split), folds,
                                       _small_corpus_note(documents, document_splits, stats))))


def _loading_section(version: str, stats: Stats) -> str:
    """The examples name each config's first split with rows (a config annotated only in validation
    and test has no train split); a config without rows has one empty train file, which ``datasets`` refuses."""
    entities, ner = (stats.examples.get(config, ("train",))[0] for config in ("entities", "ner"))
    return (
        "### Loading\n\n```python\nimport datasets\n"
        f"entities = datasets.load_dataset(\"path/to/{version}\", \"entities\")\n"
        f"entities[\"{entities}\"].features[\"label\"].names\n"
        f"ner = datasets.load_dataset(\"path/to/{version}\", \"ner\", split=\"{ner}\")\n"
        "ner.features[\"ner_tags\"].feature.names\n```\n\n"
        "With the corpus_tools package (installed from its repository; loading needs no checkout of the "
        "corpus), which checks every file against SHA256SUMS first:\n\n```python\nimport corpus_tools\n"
        f"corpus_tools.load(\"path/to/{version}\", \"entities\", split=\"{entities}\")\n"
        f"corpus_tools.load_pandas(\"path/to/{version}\", \"quotes\")  # label names as Categoricals\n```\n\n"
        "**Compatibility (tested for every release):** `datasets` 3.0 (the oldest the package "
        "supports) to 5.x load every config, from the directory (this card's YAML) and from the "
        "parquet files alone (their embedded features). The features are written as datasets 3.x "
        "writes them: in 3.x a list of labels is `Sequence(ClassLabel)` and a list of structs a "
        "Python list `[{...}]`; datasets 4 and later give `List` for both. "
        "`ds.features[\"ner_tags\"].feature.names` works in all. pandas, polars and DuckDB read "
        "every config from the parquet files (label columns as integer ids)."
        + _empty_configs_note([config for config in CONFIGS if not stats.total(config)])
    )


def _empty_configs_note(empty: Sequence[str]) -> str:
    # said only when so: the sentence before it holds for every config that has rows
    if not empty:
        return ""
    names = ", ".join(f"`{config}`" for config in empty)
    return (f" But in this release {names} {agreeing(len(empty), 'has', 'have')} no rows yet, and `datasets` "
            "refuses a config whose only split has no rows, from the directory and from the parquet files alike "
            "(\"corresponds to no data\"); `corpus_tools.load` says so (`empty-split`), and `load_pandas` and the "
            "parquet readers give its columns without rows.")


def _all_invented(info: CardInfo, stats: Stats) -> bool:
    # every released text is invented: what the card says of news (found, as published, as
    # reported) is said of none of them
    return bool(info.invented) and len(info.invented) >= stats.total("documents")


def _invented(info: CardInfo) -> str:
    """The invented articles, counted and named: "2 invented articles (005_..., 006_...)"."""
    return f"{quantity(len(info.invented), 'invented article')} ({', '.join(info.invented)})"


def _name_so_that_they_read(info: CardInfo, organizations: bool = True) -> str:
    """What the invented articles do with the people they name, agreeing with how many there are:
    "mix fictional people ... with real public figures ..., and give invented statements to real
    speakers, so that they read", of one "mixes ... it reads" (Personal Information and
    Out-of-Scope Uses say it alike). Real speakers, not "only so that they read like news": the
    quotes config links invented statements to real people and institutions in the registry."""
    count = len(info.invented)
    return (f"{agreeing(count, 'mixes', 'mix')} fictional people{' and organizations' if organizations else ''} "
            f"with real public figures, institutions and events, and {agreeing(count, 'gives', 'give')} invented "
            f"statements to real speakers, so that {agreeing(count, 'it reads', 'they read')}")


def _out_of_scope_section(info: CardInfo, stats: Stats) -> str:
    reads = f"{_name_so_that_they_read(info, organizations=False)} like news"
    profiled = (f"the {agreeing(len(info.invented), 'text is an invented article', 'texts are invented articles')}, "
                f"which {reads}" if _all_invented(info, stats) else
                f"the {'news articles' if info.invented else 'texts'} name public figures only as the news reported "
                "them" + (f"; the {_invented(info)} {reads}" if info.invented else ""))
    return (
        "### Out-of-Scope Uses\n\n"
        "- Republishing or redistributing the article texts, or using them commercially: the release "
        "grants no licence to them (see Licensing Information).\n"
        "- Training or evaluating models meant for news in general, other topics, other periods or "
        "other languages: the corpus is one bilateral relationship, 2021–2024, in English.\n"
        "- Reporting benchmark scores on splits with few documents as if they were representative; "
        "and evaluating on a split that was part of train in the release a model was trained on.\n"
        "- Judging the people or organizations named: the annotations say who is mentioned and who "
        "is quoted, not whether what they said is true, and an article's framing is its publisher's"
        + (" (an invented article's, the project's)" if info.invented else "")
        + f".\n- Profiling individuals: {profiled}."
    )


def _licensing_section() -> str:
    return ("### Licensing Information\n\n" + RIGHTS_STATEMENT + f" The MIT license: {MIT_URL}.\n\n"
            + markdown_table(*columns_table())
            + f"\n\ncroissant.json states the same per file, and {LICENSE_FILE} (the card's `license_link`) holds "
            "this statement, the table and the MIT license's text.")


def license_text(info: CardInfo, date: str | None) -> str:
    """The release's LICENSE.md: the card's `license: other` in one file, as the Hub's license_link
    expects, since neither part's licence alone is the release's."""
    return (f"# Licence of {info.pretty_name}\n\n{RIGHTS_STATEMENT}\n\n"
            "Which columns hold article text (no licence granted) and which the annotations, the registry and the "
            "metadata (MIT):\n\n"
            + markdown_table(*columns_table()) + "\n\nThe project's part is released under the MIT License:\n\n## "
            + mit_license(date[:4] if date else None, info.creator))


def _reporting_section(version: str, homepage: str) -> str:
    where = (f"Report it where {homepage} takes reports (its issue tracker or discussions)." if homepage else
             "Open an issue in the issue tracker of the repository you have this release from (the corpus has no "
             "public home yet, so this card can give no address).")
    return (
        "### How to Report Errors\n\n"
        f"{where} Name the release "
        f"(`{version}`), the config, and the row (`doc_id` and `id`, or `doc_id` with `start`/`end`), "
        "say what is wrong and what it should be, citing docs/annotation-guidelines.md where it "
        "decides the case. A correction is made in Label Studio like any annotation and appears in "
        "the next release (with its version's changelog); a published release is never changed."
    )


def _reproducing_section() -> str:
    return (
        "### Reproducing this Release\n\n"
        "The release is deterministic: the same raw files, stored exports and registry, built with "
        f"the same versions, give the same bytes. `{BUILD_INFO_FILE}` records {BUILD_INFO_HOLDS}: "
        f"{recorded_text()}. `make release` in a checkout at the release's commit installs the recorded "
        "libraries (requirements.lock; no lock pins Python, so run it with the recorded one) and rebuilds it as a "
        "no-op. So its date "
        "(CHANGELOG.md, croissant.json's datePublished, the citation's year) is the day of its latest "
        "annotation, not the day it was built or published."
    )


def _preannotation_note(quality: AnnotationQuality | None) -> str:
    if quality is None or quality.preannotation_accepted is None:
        return ""
    accepted, predicted = quality.preannotation_accepted
    return (" Some tasks were pre-annotated by rules (`corpus-tools preannotate`: registry gazetteer, TIMEX3 "
            "rules, quotation patterns); of the units so predicted on the tasks the chosen annotations were made "
            f"on, annotators kept these unchanged: pre-annotation accepted: {accepted} of {predicted} units.")


def _empty_folds_note(stats: Stats) -> str:
    """Which folds hold no document: holding one out evaluates on nothing, so a cross-validation
    over the folds has fewer rounds than FOLDS (the folds are the doc_id's, not balanced)."""
    empty = [str(fold) for fold in range(FOLDS) if not stats.folds[fold]]
    if not empty or len(empty) == FOLDS:
        return ""
    which = f"Fold {empty[0]} holds" if len(empty) == 1 else f"Folds {', '.join(empty[:-1])} and {empty[-1]} hold"
    rounds = (f"a cross-validation over the folds has {FOLDS - len(empty)} rounds, not {FOLDS}" if _cross_validates(stats)
              else "with one fold, no cross-validation over the folds is possible")
    return f"\n\n{which} no document in this release: {rounds}."


def _cross_validates(stats: Stats) -> bool:
    """Whether at least two folds hold documents: holding one out leaves another to train on."""
    return sum(1 for fold in range(FOLDS) if stats.folds[fold]) >= 2


def _small_corpus_note(documents: int, document_splits: Sequence[str], stats: Stats) -> str:
    if documents >= 100:
        return ""
    return (f"With only {documents} documents, named splits say little statistically ("
            f"{', '.join(document_splits)} declared), and any score on them is anecdotal; use the data for "
            + ("inspection, demonstration or cross-validation over the folds." if _cross_validates(stats) else
               "inspection or demonstration."))


CONFIG_DESCRIPTIONS = {
    "documents": "one row per document: normalized text, title, publisher and publication date (each with "
                 "its evidence), normalizer version, raw file name and sha256, text sha256, split.",
    "entities": "one row per entity mention: span and raw span, text, label (ClassLabel), registry entity_id.",
    "timexes": "one row per time expression: span and raw span, text, label (ClassLabel), TIMEX3 value and mod.",
    "quotes": "one row per quote: quote span, quote_type (ClassLabel), source span with speaker_id, "
              "cue span; each span with raw offsets; source and cue are null when not annotated.",
    "entity_registry": "one row per entity of the registry (real-world ones, and the fictional people and "
                       "organizations of invented articles, which their description calls fictional): id, name, "
                       "type (ClassLabel), aliases, Wikidata QID (null unless certain), description.",
    "ner": "one row per sentence: tokens, token offsets, IOB2 ner_tags (ClassLabel).",
    "kb": "one row per annotated document in BigBIO's KB schema: passages, entities (mentions, time expressions, "
          "QUOTE/SOURCE/CUE regions) with offsets as lists and normalizations (registry id, TIMEX3 "
          "value and mod, quote type), relations said_by and cue.",
}


def card_text(info: CardInfo, version: str, stats: Stats, shards: Sequence[Shard],
              document_splits: Sequence[str], sizes: dict[str, int], date: str | None = None,
              changes: str = "", quality: AnnotationQuality | None = None) -> str:
    header = yaml.safe_dump(card_header(info, stats, shards, document_splits, sizes), sort_keys=False,
                            allow_unicode=True, width=100)
    return f"---\n{header}---\n\n{card_body(info, version, stats, document_splits, date, changes, quality)}"


# ---------------------------------------------------------------------------------------------
# "Annotation quality" (issue 16): annotators per item, the agreement per layer, and how
# disagreements were resolved; croissant.rai_annotation_fields says the same in Croissant.

# the two F1s' names; every other figure is the agreement on what it names ("label agreement")
_F1_NAMES = {"span_f1": "exact-span F1", "overlap_f1": "overlap F1"}


def annotators_per_item(quality: AnnotationQuality) -> str:
    # a document released from a ground-truth annotation alone has no annotator's version: "0
    # annotator(s)" read as if nobody had annotated it
    parts = [f"{documents} document(s) with {f'{count} annotator(s)' if count else NO_VERSION}"
             for count, documents in quality.annotators_per_document]
    if quality.documents_unannotated:  # released too: every document is an item
        parts.append(f"{quality.documents_unannotated} document(s) not annotated yet")
    return "; ".join(parts) if parts else "no annotated document"


def quality_figures_lines(quality: AnnotationQuality) -> list[str]:
    """One line per layer: the mean pairwise figures with the items they rest on (and alpha), then
    what was compared and how each kind of figure was computed."""
    report = quality.agreement
    # with no document lacking an annotator's version, the words of every release before that kind
    # was counted (true then too: each document not comparable had one annotator)
    total, no_version = len(report.not_comparable), len(report.no_version)
    kinds = not_comparable_kinds(total, no_version)
    if not report.compared:
        return [f"No document has two annotators yet ({kinds if no_version else f'{total} annotated by one'}): "
                "no agreement can be computed (a single annotation is not comparable, never perfect)."]
    alpha = dict(report.alpha)
    lines = []
    for layer in report.average:
        figures = ", ".join(f"{_F1_NAMES.get(name, f'{name} agreement')} {value.printed()} ({value.rests_on(name)})"
                            for name, value in layer.figures)
        if layer.layer in alpha:
            figures += f", Krippendorff's alpha over code points {alpha[layer.layer].printed()}"
        lines.append(f"{layer.layer}: {figures}")
    # alpha is no mean of pairs (docs/agreement.md), and beside a mean the counts are the pairs' sums
    alpha_said = ("; Krippendorff's alpha is computed once, over all the annotators of each document together, not "
                  "per pair" if any(layer.layer in alpha for layer in report.average) else "")
    lines.append(f"Over {len(report.compared)} document(s) annotated by two or more of {len(report.annotators)} "
                 f"annotators ({len(report.pairs)} pair(s): each F1 and agreement is the mean of the pairs' figures, "
                 "beside the counts summed over the pairs, whose ratio is the pooled figure, not the mean"
                 f"{alpha_said}; "
                 + (f"{total} document(s) not comparable: {kinds})." if no_version else
                    f"{total} document(s) with one annotator not comparable)."))
    if report.versions_from_predictions:  # said only when so: a release of independent versions reads as before
        lines.append(f"{report.versions_from_predictions} of the annotators' versions compared began as a "
                     "pre-annotation (a prediction accepted, changed or not): versions that began from the same "
                     "prediction agree through the model, so these figures are higher than independent "
                     "annotators' would be.")
    return lines


def resolution_text(quality: AnnotationQuality) -> str:
    # what the data show, no more: a ground-truth annotation nobody saved again is adjudicate's
    # merge as it was pushed (or one submitted as ground truth), which no reviewer changed or confirmed
    unchanged = quality.ground_truth_unchanged
    unreviewed = "" if not unchanged else (
        f" {unchanged} of the {quality.documents_ground_truth} ground-truth annotations were never saved again "
        "after they were made: no reviewer changed or confirmed them (each is corpus-tools adjudicate's merge as "
        "it was pushed, or an annotation submitted as ground truth).")
    return (f"Of the released documents, {quality.documents_ground_truth} come from a ground-truth annotation "
            f"(adjudicated: the merge of the annotators' versions that corpus-tools adjudicate pushed to Label Studio "
            f"for a reviewer, or a reviewer's own) and {quality.documents_latest} from their most recently updated "
            f"annotation{_unannotated_documents(quality)}.{unreviewed} Of {quality.units} released units, "
            f"{quality.units_unanimous} were given by "
            f"every annotator of their document, {quality.units_adjudicated} come from a ground-truth annotation "
            f"though not every annotator gave them, {'' if quality.units_unresolved else 'and '}"
            f"{quality.units_one_annotator} come from a document with one annotator"
            + (f", and {quality.units_unresolved} come from the most recently updated annotation of a document several "
               "annotated and nobody adjudicated, though not every annotator gave them" if quality.units_unresolved
               else "")
            + ". Each row of entities, timexes and quotes records its own provenance: agreed_by (annotators "
            "whose own version has exactly this unit), annotators, adjudicated.")


def _unannotated_documents(quality: AnnotationQuality) -> str:
    # said only when there are any: the two kinds before it were all the released documents then
    unannotated = quality.documents_unannotated
    return "" if not unannotated else (f"; {unannotated} {agreeing(unannotated, 'has', 'have')} no annotation yet "
                                       "(their rows are in the documents config only)")


def quality_section(quality: AnnotationQuality | None) -> str:
    if quality is None:
        return "### Annotation quality\n\nThis release was built without the annotators' versions: no figures."
    figures = "\n".join(f"- {line}" for line in quality_figures_lines(quality))
    return ("### Annotation quality\n\n"
            f"Annotators per item: {annotators_per_item(quality)}.\n\n"
            "Agreement per layer (definitions: docs/agreement.md in the repository; ground-truth annotations are "
            f"adjudications and are not compared):\n\n{figures}\n\n"
            f"How disagreements were resolved: {resolution_text(quality)}")
