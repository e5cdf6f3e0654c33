"""Write the static site of a release: ``build_site(release, out)``.

The site is written whole into a hidden directory beside ``out`` and renamed into place, so
``out`` is either the previous site or the new one, never half of each; a directory that is not
a site this module wrote is never replaced (``view-output-occupied``). Same release (and raw
files) give the same bytes: pages hold no clock time, and everything is iterated in sorted order.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable

from corpus_tools.errors import CorpusError, Location
from corpus_tools.view.read import read_release
from corpus_tools.view.removed import removed_pieces
from corpus_tools.view.render import diff_page, document_page, entity_page, index_page, mentions_by_entity, page_file

MARKER = ".corpus-tools-view"  # names a directory this module wrote, so a rerun may replace it
ASSETS = ("viewer.css", "viewer.js")


@dataclass(frozen=True, slots=True)
class SiteSummary:
    """What ``build_site`` wrote."""

    path: Path
    version: str
    documents: int
    entities: int
    removed_shown: int  # documents whose removed pieces the site shows
    files: int


def build_site(release: str | Path, out: str | Path, *, raw_dir: str | Path | None = None,
               previous: str | Path | None = None,
               on_progress: Callable[[int], None] | None = None) -> SiteSummary:
    """Write the site of the release directory ``release`` into ``out``.

    ``raw_dir``: a checkout's raw/ directory; when it holds a document's raw file (same sha256)
    and this normalizer gives the released text, the document page can show the pieces
    normalization removed, each at its raw position (a release does not carry them).
    ``previous``: the release before this one: its diff with ``release``
    (corpus_tools.release.diff) becomes diff.html, linked from the index.
    ``on_progress`` is called with 1 after each page.
    """
    contents = read_release(release)
    out = Path(out)
    _check_replaceable(out)
    corpus = _corpus_name(Path(release), contents.version)
    removed = {document.doc_id: removed_pieces(document, Path(raw_dir) if raw_dir is not None else None)
               for document in contents.documents}
    mentions, attributed = mentions_by_entity(contents)
    diff = None
    if previous is not None:
        from corpus_tools.release.diff import diff_releases

        diff = diff_releases(previous, release)

    out.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    os.chmod(building, 0o755)  # mkdtemp's 0700 would make the site private once renamed into place
    try:
        files = 0

        def write(relative: str, text: str) -> None:
            nonlocal files
            path = building / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
            files += 1

        for name in ASSETS:
            write(f"assets/{name}", resources.files("corpus_tools.view").joinpath("assets", name).read_text("utf-8"))
        write(MARKER, f"corpus-tools view of release {contents.version}\n")
        write("index.html", index_page(contents, removed, corpus, {key: len(items) for key, items in mentions.items()},
                                       {key: len(items) for key, items in attributed.items()},
                                       None if diff is None else diff.old_version))
        if diff is not None:
            write("diff.html", diff_page(diff, corpus, contents.version, (d.doc_id for d in contents.documents)))
        ids = [document.doc_id for document in contents.documents]
        for number, document in enumerate(contents.documents):
            neighbours = (ids[number - 1] if number else None, ids[number + 1] if number + 1 < len(ids) else None)
            write(f"doc/{page_file(document.doc_id)}",
                  document_page(document, contents, removed[document.doc_id], corpus, neighbours))
            if on_progress is not None:
                on_progress(1)
        for entity in contents.registry.values():
            write(f"entity/{page_file(entity.id)}", entity_page(entity, mentions.get(entity.id, ()),
                                                                attributed.get(entity.id, ()), contents.version, corpus))
            if on_progress is not None:
                on_progress(1)
        _replace(building, out)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return SiteSummary(out, contents.version, len(contents.documents), len(contents.registry),
                       sum(1 for pieces in removed.values() if pieces.unavailable is None), files)


def _check_replaceable(out: Path) -> None:
    if out.exists() and not (out.is_dir() and ((out / MARKER).is_file() or not any(out.iterdir()))):
        raise CorpusError("view-output-occupied", "exists and is not a site written by corpus-tools view; "
                          "choose another -o directory or remove it", Location(file=str(out)))


def _replace(building: Path, out: Path) -> None:
    """Rename the finished site into place; the old one (if any) is removed only after."""
    if not out.exists():
        os.rename(building, out)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rename(out, retired / "site")
    os.rename(building, out)
    shutil.rmtree(retired, ignore_errors=True)


def _corpus_name(release: Path, version: str) -> str:
    """The dataset card's title (its first level-1 heading), else a plain name."""
    try:
        lines = (release / "README.md").read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    for line in lines:
        if line.startswith("# "):
            return line[2:].strip()
    return f"Corpus release {version}"

