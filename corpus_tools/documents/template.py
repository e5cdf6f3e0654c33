"""Lines that repeat across documents of one source: candidates for a written boilerplate rule.

A line that recurs verbatim in several articles of the same publisher is almost always the
site's template (a share bar, a newsletter box, a footer) rather than reporting. This module
finds such lines in the normalized texts and reports them; it does not remove them.
Normalization stays a function of one raw file (docs/normalization.md says why): a rule learnt
from the corpus would change a document's text, and move its annotations, whenever another
document is added. A person reads the candidates and writes a rule (with tests) for the ones
that are template.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable

from corpus_tools.records import Document

MIN_DOCUMENTS = 3  # a line in this many documents of one source is reported
MIN_CHARS = 3  # shorter lines ("1.", "—") say nothing about a template


@dataclass(frozen=True, slots=True)
class RepeatedLine:
    source: str | None  # the publisher of the documents, None when the manifest names none
    line: str
    doc_ids: tuple[str, ...]  # in the order the documents came


def repeated_lines(documents: Iterable[Document], min_documents: int = MIN_DOCUMENTS,
                   on_progress: Callable[[int], None] | None = None) -> list[RepeatedLine]:
    """Lines (of the normalized texts, title lines included) found in ``min_documents`` or more
    documents of the same publisher (documents without one form one group), most widespread
    first, then by source and line. ``on_progress(1)`` after each document."""
    seen: dict[tuple[str | None, str], list[str]] = defaultdict(list)
    for document in documents:
        for line in dict.fromkeys(document.text.split("\n")):  # once per document
            if len(line) >= MIN_CHARS:
                seen[document.metadata.publisher, line].append(document.doc_id)
        if on_progress is not None:
            on_progress(1)
    found = [RepeatedLine(source, line, tuple(doc_ids)) for (source, line), doc_ids in seen.items()
             if len(doc_ids) >= min_documents]
    return sorted(found, key=lambda item: (-len(item.doc_ids), item.source or "", item.line))
