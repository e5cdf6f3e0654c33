"""The removal record, annotations/removed-documents.jsonl (``Layout.removed_documents``), as the
commands read it: ``read_removals`` (every line), ``removed_documents`` (the doc_ids removed now,
with the latest reason) and ``unknown_doc_id`` (what a command says of a doc_id that names no
document). Writing it is corpus_tools.documents.remove's; reading it is here, below the document
index, as ``normalize --doc`` (corpus_tools.documents.index) says what ``remove`` and
``preannotate --doc`` say of a removed doc_id, and remove imports the index.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Container, Iterable

from corpus_tools.documents.raw import check_doc_id, doc_id_key
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


def unknown_doc_id(layout: Layout, doc_id: str, documents: Iterable[str]) -> str:
    """Why ``doc_id`` names no document of ``documents`` (the corpus's doc_ids), for a command
    given it (``doc-unknown``): removed (with the latest reason recorded), or not listed, naming
    the doc_id that differs from it only in case when there is one (check-raw's rule,
    ``doc_id_key``), a document's or a removed one's (with its reason): a doc_id typed or pasted,
    not a corpus's own, is the likely mistake."""
    removed = removed_documents(layout, ())
    if doc_id in removed:
        return (f"doc_id {doc_id!r} is not a document of this corpus: it was removed already "
                f"({_reason(layout, removed[doc_id])})")
    key = doc_id_key(doc_id)
    near = next((other for other in documents if doc_id_key(other) == key), None)
    if near is not None:
        hint = f"; it lists {near!r}, which differs only in case"
    else:
        # a document's doc_id wins: one removed and added again is in both
        gone = next((other for other in removed if doc_id_key(other) == key), None)
        hint = "" if gone is None else (f"; {gone!r}, which differs only in case, was removed already: "
                                        f"{_reason(layout, removed[gone])}")
    return f"doc_id {doc_id!r} is not a document of this corpus (raw/manifest.jsonl does not list it{hint})"


def _reason(layout: Layout, reason: str) -> str:
    return f"{layout.removed_documents.name} gives the reason {reason!r}"
