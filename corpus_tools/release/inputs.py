"""``release(layout)``: gather a checkout's records, validate them, build dist/<version>/.

Documents come from corpus_tools.documents.index, the chosen annotations (streaming, with the problems
of reading the stored exports) from corpus_tools.annotations.consolidate, the registry from corpus_tools.annotations.registry. While
annotations/exports/ holds no export, the release has empty annotation configs.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable

from corpus_tools.annotations.adjudicate import ReleaseProvenance
from corpus_tools.annotations.consolidate import AnnotationIndex
from corpus_tools.documents.index import DocumentIndex
from corpus_tools.documents.removals import removed_documents
from corpus_tools.errors import CorpusError, Location, Problem
from corpus_tools.fsutil import present
from corpus_tools.iterutil import Totalled
from corpus_tools.layout import Layout
from corpus_tools.lock import corpus_lock
from corpus_tools.records import control_in
from corpus_tools.annotations.registry import load_registry
from corpus_tools.preannotate.acceptance import Acceptance
from corpus_tools.release.build import ReleaseResult, ShardSizes, build_release, check_version, plan_release
from corpus_tools.release.card import CardInfo
from corpus_tools.release.versions import previous_release
from corpus_tools.version import __version__


def release(layout: Layout, version: str | None = None, *, sizes: ShardSizes = ShardSizes(),
            writing: Totalled | None = None,
            rechecking: Totalled | None = None,
            comparing: Totalled | None = None) -> ReleaseResult:
    """Build ``dist/<version>`` (the package version) from raw/ and annotations/, streaming.

    The chosen annotations stream from the stored exports (corpus_tools.annotations.consolidate) straight
    into the build; the problems their validation reports are gathered meanwhile, and any error
    refuses the release (the build happens in a temporary directory that is then discarded).
    ``writing``: asked, with the number of documents the release will hold (every document of the
    corpus), for the ``on_progress`` called with the number just written; ``rechecking``: the
    progress, in bytes, of checking stored exports again, first, when their units tables were
    made for other code, documents, registry or removals (``AnnotationIndex``'s); ``comparing``:
    asked, with the number of documents to compare with the previous release, for its
    ``on_progress``, last.
    """
    version = _release_version(version)
    with corpus_lock(layout, "release"):  # the exports stored now are the ones released
        documents = DocumentIndex(layout)  # built on access: memory flat in the corpus size
        # what can refuse the release before its records are read (the stored exports checked
        # again, ranked and streamed), refuses it here
        plan = plan_release(documents, layout.dist, version, previous_release(layout.dist, version))
        registry = load_registry(layout)
        errors = ErrorsOnly()
        index = AnnotationIndex(layout, documents, registry, rechecking=rechecking)  # their units, ranked once
        provenance = ReleaseProvenance(index)  # the chosen annotations, with each unit's provenance
        acceptance = Acceptance.gather(index)  # what annotators kept of the pre-annotation
        result = build_release(documents, acceptance.attach(provenance.stream(errors)),
                             tuple(registry.values()), layout.dist, version, plan=plan, sizes=sizes,
                             upstream_problems=errors, regions_validated=True,
                             annotation_quality=lambda: dataclasses.replace(
                                 provenance.quality(), preannotation_accepted=acceptance.result()),
                             card=CardInfo(caveats=caveats(layout),
                                           removals=tuple(removed_documents(layout, documents).items())),
                             on_progress=None if writing is None else writing(len(documents)),
                             comparing=comparing)
        return dataclasses.replace(result, notes=provenance.notes())


CAVEATS_FILE = "card-caveats.md"


def caveats(layout: Layout) -> tuple[str, ...]:
    """What the card must say beyond its statistics: each ``- `` line of
    annotations/card-caveats.md (the build adds which documents are invented articles, and which
    nobody has annotated yet, from the documents it writes)."""
    notes = []
    path = layout.annotations / CAVEATS_FILE
    if present(path) and not path.is_file():  # its caveats would be left off the card unsaid
        raise CorpusError("caveats-invalid", "not a file: the card's caveats are a Markdown file of '- ' lines",
                          Location(file=str(path)))
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise CorpusError("caveats-invalid", f"not UTF-8 (byte {error.start}): the card's caveats are Markdown in "
                              "UTF-8", Location(file=str(path), byte_offset=error.start)) from None
        for number, line in enumerate(text.splitlines(), 1):
            if not (line.startswith("- ") and line[2:].strip()):
                continue
            found = control_in(line)
            if found is not None:  # a caveat goes into the card and croissant.json as it is written
                raise CorpusError("caveats-invalid", f"the caveat holds the control character {found!r}: a card "
                                  "shows no escape, NUL or bidirectional override",
                                  Location(file=str(path), line=number))
            notes.append(line[2:].strip())
    return tuple(notes)


class ErrorsOnly(list):
    """A problem list that keeps errors only: warnings about many thousand tasks need no memory here."""

    def append(self, problem: Problem) -> None:
        if problem.severity == "error":
            super().append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        super().extend(problem for problem in problems if problem.severity == "error")


def _release_version(version: str | None) -> str:
    if version is None:
        return __version__
    check_version(version)
    if version != __version__:
        raise CorpusError("version-mismatch", f"cannot release {version}: the version is corpus_tools/version.py's "
                          f"({__version__}); change it there to release another version")
    return version
