"""How to cite a release (BibTeX), for the card and croissant.json alike."""

from __future__ import annotations


def bibtex(title: str, creator: str, version: str, date: str | None, url: str | None, built_with: str) -> str:
    """A @misc entry; the key names the corpus and the version, the year is the release date's
    (the latest annotation's day, never the clock) and is left out when there is none;
    ``built_with``: the version of the corpus_tools code that built it (as build-info.json records),
    which is the release's own only when the release is made by ``corpus-tools release``."""
    key = "us_syria_news_corpus_" + version.replace(".", "_")
    def escaped(text: str) -> str:
        return text.replace("_", "\\_")

    fields = [("title", f"{{{escaped(title)}}}"), ("author", f"{{{escaped(creator)}}}"), ("version", version),
              ("note", f"Release {version}, built with corpus\\_tools {built_with}")]
    if date:
        fields.insert(2, ("year", date[:4]))
    if url:
        fields.append(("howpublished", f"\\url{{{url}}}"))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}"
