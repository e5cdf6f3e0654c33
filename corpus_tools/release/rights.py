"""Who may do what with which part of a release, stated once for the card, croissant.json and
the release's LICENSE.md.

The article texts (and the excerpts of them that spans, tokens and passages repeat) are granted no
licence: a news article's copyright stays with its publisher, and an invented article written for
the project has none. Everything the project made (the annotations, the entity registry, the
metadata and the evidence for it) is MIT, like the code.
"""

from __future__ import annotations

MIT_URL = "https://opensource.org/license/mit"
# The card's license_link for `license: other`: the Hub's convention of a file inside the
# dataset's own repository, which states both parts (the MIT address covers the annotations only)
LICENSE_FILE = "LICENSE.md"
# not "publishers' copyright": an invented article has no publisher
ARTICLE_TEXTS = "Article texts: no licence granted"

# The MIT License's text (https://opensource.org/license/mit), as the repository's LICENSE has it
MIT_TERMS = (
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this software and "
    "associated documentation files (the \"Software\"), to deal in the Software without restriction, including "
    "without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell "
    "copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the "
    "following conditions:\n\n"
    "The above copyright notice and this permission notice shall be included in all copies or substantial "
    "portions of the Software.\n\n"
    "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT "
    "LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO "
    "EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER "
    "IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR "
    "THE USE OR OTHER DEALINGS IN THE SOFTWARE."
)

RIGHTS_STATEMENT = (
    "The texts of the news articles are news reporting whose copyright stays with their publishers "
    "(named, where known, in the documents config); an invented article written for the project (the "
    "dataset card's Known Limitations names any) is not news and has no publisher. The article texts "
    "are included only so that the annotations can be read in context, for non-commercial research; "
    "this release grants no license to the article texts. The annotations, the entity registry and "
    "the metadata are released under the MIT license, like the corpus_tools code that builds them."
)

# config -> its columns that hold article text or excerpts of it (no licence granted); every
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


def article_texts() -> dict:
    """The article texts' rights as a schema.org CreativeWork (no licence URL exists for them)."""
    return {"@type": "sc:CreativeWork", "name": ARTICLE_TEXTS, "description": RIGHTS_STATEMENT}


def license_statement() -> dict:
    """The release's LICENSE.md as a schema.org CreativeWork: the statement of both parts, which the
    card's ``license_link`` names, linked by its path beside croissant.json (a release is a
    directory: its files are addressed relative to it, as croissant.json's ``contentUrl`` are)."""
    return {"@type": "sc:CreativeWork", "name": f"Licence statement ({LICENSE_FILE})", "url": LICENSE_FILE,
            "description": "Which columns are article text (no licence granted) and which are MIT, and the MIT "
                           "License's text."}


def config_licenses(config: str) -> list:
    """The licences of a config's files: MIT, and the article texts' terms where article text is."""
    return [MIT_URL] + ([article_texts()] if ARTICLE_TEXT_COLUMNS[config] else [])


def columns_table() -> tuple[tuple[str, str, str], list[tuple[str, str, str]]]:
    """Which columns of which config are article text and which the project's: the card's and
    LICENSE.md's table (header, rows)."""
    rows = [(f"`{config}`", ", ".join(f"`{column}`" for column in columns) or "none",
             "all" if not columns else "all other columns") for config, columns in ARTICLE_TEXT_COLUMNS.items()]
    return ("config", "article text (no licence granted)", "MIT"), rows


def mit_license(year: str | None, holder: str) -> str:
    """The MIT License as a copyright holder grants it, for the repository's LICENSE and the
    release's LICENSE.md alike (``year``: None for a release without a date)."""
    return f"MIT License\n\nCopyright (c) {year + ' ' if year else ''}{holder}\n\n{MIT_TERMS}\n"
