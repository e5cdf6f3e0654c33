"""The card's "Data Instances" and "Data Fields": one example row per config (the release's own
first row, long values shortened) and a description of every field of every config.

Every column of corpus_tools.release.arrow_schemas has a description here (a test holds the two
together), so a new column cannot reach a card undocumented.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from corpus_tools.release.arrow_schemas import CONFIGS, ClassLabel, List, Value, spec
from corpus_tools.release.splits import FOLDS


def _span_fields(prefix: str, what: str) -> dict[str, str]:
    return {
        f"{prefix}start": f"start of the {what}: a code-point offset into the normalized text (inclusive)",
        f"{prefix}end": f"end of the {what} (exclusive)",
        f"{prefix}raw_start": f"start of the {what} in the decoded raw file, through the normalizer's offset map",
        f"{prefix}raw_end": f"end of the {what} in the decoded raw file (exclusive)",
        f"{prefix}text": f"the text of the {what}: `text[start:end]` of the document",
    }


_PROVENANCE = {
    "agreed_by": "the annotators (Label Studio user ids) whose own version of the document has exactly this unit",
    "annotators": "how many annotators' versions the document has (ground-truth annotations are adjudications, not counted)",
    "adjudicated": "whether the unit was decided in adjudication: it comes from a ground-truth annotation and not every annotator of the document gave it, or the document has no annotator's version (a reviewer's decision, or `corpus-tools adjudicate`'s merge where no reviewer saved it again: see Annotation quality)",
}
_FOLD = f"the document's cross-validation fold, 0-{FOLDS - 1} (a function of doc_id: see Data Splits)"
_EVIDENCE = ("why the value is what it is: `kind` stated (the raw file's `line`, 1-based, and its text as "
             "`quote`), inferred (`reasoning` says how) or none (nothing supports a value, which is null)")

FIELD_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "documents": {
        "doc_id": "the document's id, `<index>_<16 hex digits>`, fixed when the document was added: the hex digits are the first 16 of the raw file's sha256 for documents added by `corpus-tools add`, and came with the five seed articles, whose bytes they are no hash of",
        "split": "the split the document is published in",
        "fold": _FOLD,
        "title": "the title its manifest record gives, as given when the article was added or else its raw file's first line as normalization keeps it: the headline, unless the page lost it (a scraped page's first line can be a photo caption); null when there is none",
        "text": "the normalized text, which every offset of every config indexes",
        "publisher": "the publisher, only where the text states or implies it (else null)",
        "publisher_evidence": _EVIDENCE,
        "publication_date": "ISO 8601 at its precision (2024-04-25, 2023-05 or 2021), null when nothing supports one",
        "publication_date_precision": "day, month or year (null with the date)",
        "publication_date_evidence": _EVIDENCE,
        "normalizer_version": "the version of the normalization that made `text` from the raw file",
        "raw_file": "the raw file's name in the repository's raw/ directory",
        "raw_sha256": "sha256 of the raw file's bytes",
        "raw_encoding": "the raw file's character encoding",
        "text_sha256": "sha256 of `text` (UTF-8): annotations name the text they were made on by it",
    },
    "entities": {
        "doc_id": "the document the mention is in",
        "fold": _FOLD,
        "id": "the region id as Label Studio wrote it (unique in the document)",
        **_span_fields("", "mention"),
        "label": "the entity type (ClassLabel: OntoNotes 5.0 names)",
        # the registry holds the invented articles' fictional people and organizations too, and their
        # mentions link to them: not every linked entity is a real-world one
        "entity_id": "the entity of the `entity_registry` config the mention refers to: a real-world one, or a "
                     "fictional one of an invented article (its description says so); null when not linked",
        **_PROVENANCE,
    },
    "timexes": {
        "doc_id": "the document the time expression is in",
        "fold": _FOLD,
        "id": "the region id (unique in the document)",
        **_span_fields("", "time expression"),
        "label": "the TIMEX3 type (ClassLabel: DATE, TIME, DURATION, SET)",
        "value": "the TIMEX3 value (e.g. 2024-04-21, XXXX-WXX-7, P3Y), resolved against the publication date where known",
        "mod": "the TIMEX3 mod (BEFORE, APPROX, ...), null when none",
        **_PROVENANCE,
    },
    "quotes": {
        "doc_id": "the document the quote is in",
        "fold": _FOLD,
        "id": "the QUOTE region's id",
        **_span_fields("", "quoted content"),
        "quote_type": "direct, indirect or mixed (ClassLabel)",
        "source_id": "the SOURCE region's id (null when the quote has no annotated source)",
        **_span_fields("source_", "source (who is reported as speaking, as written nearest the quote)"),
        # null by the guidelines' rule (docs/annotation-guidelines.md, speaker_id): the speaker has no
        # record or is generic; a speaker the text makes known ("his family") may be null too
        "speaker_id": "who spoke, as an entity of the `entity_registry` config (null when the speaker has no record "
                      "there or is generic, e.g. \"analysts\", \"two officials familiar with the trip\", though the "
                      "text may say who they are)",
        "cue_id": "the CUE region's id (null when none)",
        **_span_fields("cue_", "cue (the attribution verb or phrase)"),
        **_PROVENANCE,
    },
    "entity_registry": {
        "id": "the entity's id (lowercase, hyphenated), which `entity_id` and `speaker_id` name",
        "name": "the entity's canonical name",
        "type": "its entity type (ClassLabel, the names of `entities.label`)",
        # curated with the record, not collected from the texts: a name may be one no document uses
        "aliases": "names it goes by, as curated for the registry (its canonical name may be among them); not every "
                   "one occurs in the texts",
        "wikidata": "its Wikidata QID, only where the identification is certain (else null)",
        "description": "a one-line description that tells it apart",
    },
    "ner": {
        "id": "`<doc_id>-<sentence>`",
        "doc_id": "the document the sentence is in",
        "fold": _FOLD,
        "sentence": "the sentence's index in the document, from 0",
        "tokens": "the sentence's tokens (split at entity boundaries, so mentions cover whole tokens)",
        "token_starts": "each token's start offset in the document's normalized text",
        "token_ends": "each token's end offset (exclusive)",
        "ner_tags": "IOB2 tags (ClassLabel: O, then B- and I- per entity label)",
    },
    "kb": {
        "id": "the document's id (BigBIO's KB schema)",
        "document_id": "the document's id",
        "fold": _FOLD,
        "passages": "one passage: the whole normalized text, offsets [[0, length]]",
        "entities": "every region: mentions (type = entity label, normalized to the registry), time expressions "
                    "(normalized as TIMEX3 values, then `TIMEX3_mod` and the mod if one is given), QUOTE (normalized "
                    "as `quote_type` and its type), SOURCE (normalized to the speaker) and CUE regions; "
                    "text and offsets as one-item lists",
        "events": "always empty (BigBIO field)",
        "coreferences": "always empty (BigBIO field)",
        "relations": "said_by (QUOTE to SOURCE) and cue (QUOTE to CUE), by region id",
    },
}


def type_name(feature: Any) -> str:
    """A feature's type in words: string, int32, ClassLabel, list of ..., struct."""
    if isinstance(feature, Value):
        return feature.dtype
    if isinstance(feature, ClassLabel):
        return f"ClassLabel ({len(feature.names)} names)"
    if isinstance(feature, List):
        return f"list of {type_name(feature.feature)}"
    return "struct {" + ", ".join(feature) + "}"


# What the ids in agreed_by are once any of them comes from an account (corpus_tools.annotations.annotators)
AGREED_BY_ACCOUNTS = ("the annotators (the corpus's annotator ids, one per person across Label Studio servers; "
                      "docs/agreement.md) whose own version of the document has exactly this unit")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table, as every table of the card (and its Changes section) is written."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def data_fields_section(by_account: bool = False) -> str:
    """The fields of every config; ``by_account``: the annotators' ids come from their accounts
    (otherwise they are Label Studio user ids, as the releases before accounts were recorded say)."""
    parts = ["### Data Fields"]
    for config in CONFIGS:
        rows = [(f"`{name}`", type_name(feature),
                 AGREED_BY_ACCOUNTS if by_account and name == "agreed_by" else FIELD_DESCRIPTIONS[config][name])
                for name, feature in spec(config).items()]
        parts.append(f"#### {config}\n\n" + markdown_table(("field", "type", "description"), rows))
    return "\n\n".join(parts)


_TEXT_LIMIT = 160
_LIST_LIMIT = 8


def shortened(value: Any) -> Any:
    """A row for showing: long strings cut (with an ellipsis), long lists cut (with a count)."""
    if hasattr(value, "_asdict"):  # a struct given as a named tuple
        value = value._asdict()
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, str):
        return value if len(value) <= _TEXT_LIMIT else value[:_TEXT_LIMIT] + f"… ({len(value)} characters)"
    if isinstance(value, dict):
        return {key: shortened(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [shortened(item) for item in value[:_LIST_LIMIT]]
        return items + ([f"… ({len(value)} items)"] if len(value) > _LIST_LIMIT else [])
    return value


def data_instances_section(examples: dict[str, tuple[str, dict]]) -> str:
    """One example per config (``examples``: config -> its first row's split and the row, as Stats keeps them)."""
    parts = ["### Data Instances",
             "The first row of each config, as `datasets` gives it (label columns are ClassLabel ids; "
             "long texts and lists are shortened here)."]
    for config in CONFIGS:
        if config not in examples:
            parts.append(f"#### {config}\n\nNo rows in this release.")
            continue
        split, row = examples[config]
        text = json.dumps(shortened(row), indent=2, ensure_ascii=False)
        parts.append(f"#### {config}\n\nFrom `{split}`:\n\n```json\n{text}\n```")
    return "\n\n".join(parts)

