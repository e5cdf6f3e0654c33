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

import hashlib
from dataclasses import dataclass
from typing import Callable, Iterable

from corpus_tools.errors import agreeing, printable_message, printable_part, quantity
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
    tally = _LineTally(min_documents)
    for document in documents:
        for line in dict.fromkeys(document.text.split("\n")):  # once per document
            if len(line) >= MIN_CHARS:
                tally.add(document.metadata.publisher, line, document.doc_id)
        if on_progress is not None:
            on_progress(1)
    return sorted(tally.repeated(), key=lambda item: (-len(item.doc_ids), item.source or "", item.line))


def report_lines(found: list[RepeatedLine], min_documents: int) -> list[str]:
    """What ``corpus-tools normalize --repeated-lines`` prints of ``repeated_lines``' result: a
    line per repeated line (in how many documents, of which publisher), then their count."""
    lines = [f"{quantity(len(item.doc_ids), 'document')}, "
             f"{printable_part(item.source) if item.source is not None else '(no publisher)'}: "
             f"{printable_message(item.line)}" for item in found]
    lines.append(f"{quantity(len(found), 'line')} {agreeing(len(found), 'recurs', 'recur')} in {min_documents} or "
                 "more documents of one publisher"
                 + (": candidates for a written rule (docs/normalization.md)" if found else ""))
    return lines


class _LineTally:
    """The documents each line of a publisher is in. Most lines are in one document, so a line
    is known by a 16-byte digest of it and its publisher, with its first document alone; its
    text is kept only once it is in ``min_documents`` documents: memory grows by a digest, not a
    line of text, for each distinct line of the corpus."""

    def __init__(self, min_documents: int):
        self.min_documents = max(min_documents, 1)  # every line is in one document at least
        self.first: dict[bytes, str] = {}  # every line's first document, in the order the lines came
        self.later: dict[bytes, list[str]] = {}  # the other documents of a line seen again
        self.lines: dict[bytes, tuple[str | None, str]] = {}  # (publisher, line) of those reported

    def add(self, source: str | None, line: str, doc_id: str) -> None:
        # repr keeps keys apart: None from a publisher named "None", and (a newline escaped) the
        # publisher from the line
        key = hashlib.blake2b(f"{source!r}\n{line}".encode(), digest_size=16).digest()
        if key not in self.first:
            self.first[key] = doc_id
            count = 1
        else:
            later = self.later.setdefault(key, [])
            later.append(doc_id)
            count = 1 + len(later)
        if count == self.min_documents:
            self.lines[key] = (source, line)

    def repeated(self) -> list[RepeatedLine]:
        """The lines in ``min_documents`` or more documents, in the order they came."""
        return [RepeatedLine(*self.lines[key], (self.first[key], *self.later.get(key, ()))) for key in self.first
                if key in self.lines]
