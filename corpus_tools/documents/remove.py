"""Documents removed from the corpus: annotations/removed-documents.jsonl
(``Layout.removed_documents``), one line per removal, append-only: doc_id, the SHA-256 of the
raw file removed, and the reason (a publisher's takedown request, an off-topic or duplicate
article). Nothing that differs between runs (no date): the record is an input of the units tables.

Why the record: the stored exports in annotations/exports/ are append-only and keep the tasks of
a document that left the corpus; without it, every reader of them (ingest, and the re-check that
rebuilds a units table, so release, agreement, adjudicate and lint) saw a doc_id that names no
document (``doc-unknown``, an error), for ever. With it, such a task is left out with a warning
(``doc-removed``, corpus_tools.ingest.checks). A doc_id is removed while the record lists it and
the manifest does not (``removed_documents``): added again (the same bytes keep their doc_id,
corpus_tools.documents.add), it is a document again and its annotations count again; the record
keeps its line (append-only), and a later removal adds another (the latest reason is the one said).

Why in annotations/ and not raw/: raw/ holds the manifest and the sources it lists, nothing else
(check-raw refuses anything else as ``raw-unlisted``, and add refuses a file put there), and the
record outlives the raw files it names; it qualifies the append-only store of exports beside it,
as annotations/annotators.jsonl does.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Container

from corpus_tools.documents.raw import check_doc_id
from corpus_tools.errors import CorpusError
from corpus_tools.fsutil import present
from corpus_tools.layout import Layout
from corpus_tools.records import Removal
from corpus_tools.strictjson import object_lines

_FIELDS = tuple(field.name for field in fields(Removal))


def read_removals(layout: Layout) -> list[Removal]:
    """Every line of the removal record, in file order (none when there is no record). A line that
    is not a removal record is refused (``removals-invalid``), naming the file and line."""
    if not present(layout.removed_documents):
        return []
    removals = []
    for where, line in object_lines(layout.removed_documents, "removals-invalid", "removals-invalid"):
        if sorted(line) != sorted(_FIELDS) or not all(isinstance(line[name], str) for name in _FIELDS):
            raise CorpusError("removals-invalid", f"a removal record has exactly the string fields "
                              f"{', '.join(_FIELDS)}; this line has {', '.join(sorted(map(str, line))) or 'none'}",
                              where)
        check_doc_id(line["doc_id"], where)
        try:
            removals.append(Removal(**line))
        except ValueError as error:
            raise CorpusError("removals-invalid", str(error), where) from None
    return removals


def removed_documents(layout: Layout, documents: Container[str]) -> dict[str, str]:
    """The doc_ids removed from the corpus, each with the reason of its latest removal, in doc_id
    order: those the removal record lists and ``documents`` (the corpus's documents, by doc_id)
    does not. A doc_id in ``documents`` is a document, whatever the record says (added again)."""
    latest = {removal.doc_id: removal.reason for removal in read_removals(layout)}
    return {doc_id: latest[doc_id] for doc_id in sorted(latest) if doc_id not in documents}
