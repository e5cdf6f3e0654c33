"""Who may do what with which part of a release, stated once for the card and croissant.json.

The article texts (and the excerpts of them that spans, tokens and passages repeat) remain their
publishers' copyright: the release grants no licence to them. Everything the project made (the
annotations, the entity registry, the metadata and the evidence for it) is MIT, like the code.
"""

from __future__ import annotations

MIT_URL = "https://opensource.org/license/mit"
# Where the licence of the MIT part is, for the card's license_link: the license text itself.
LICENSE_LINK = MIT_URL
PUBLISHERS_COPYRIGHT = "Publishers' copyright: no licence granted"

RIGHTS_STATEMENT = (
    "The texts of the news articles are news reporting whose copyright stays with their publishers "
    "(named, where known, in the documents config); an invented article written for the project (the "
    "dataset card's Known Limitations names any) is not news and has no publisher. The article texts "
    "are included only so that the annotations can be read in context, for non-commercial research; "
    "this release grants no license to the article texts. The annotations, the entity registry and "
    "the metadata are released under the MIT license, like the corpus_tools code that builds them."
)

# config -> its columns that hold article text or excerpts of it (publishers' copyright); every
# other column is the project's (MIT)
ARTICLE_TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "documents": ("title", "text", "publisher_evidence", "publication_date_evidence"),
    "entities": ("text",),
    "timexes": ("text",),
    "quotes": ("text", "source_text", "cue_text"),
    "entity_registry": (),
    "ner": ("tokens",),
    "kb": ("passages", "entities", "events"),
}


def publishers_copyright() -> dict:
    """The article texts' rights as a schema.org CreativeWork (no licence URL exists for them)."""
    return {"@type": "sc:CreativeWork", "name": PUBLISHERS_COPYRIGHT, "description": RIGHTS_STATEMENT}


def config_licenses(config: str) -> list:
    """The licences of a config's files: MIT, and the publishers' copyright where article text is."""
    return [MIT_URL] + ([publishers_copyright()] if ARTICLE_TEXT_COLUMNS[config] else [])
