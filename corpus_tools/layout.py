"""Where things live in a corpus checkout. One object, passed around, instead of globals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from corpus_tools.errors import CorpusError, Location
from corpus_tools.fsutil import file_errors, resolved

# What marks a directory as a corpus checkout (any one of them), looked for upwards from the
# working directory as git looks for .git: the raw manifest, or the entity registry (a corpus
# whose raw/ is not filled in yet).
ROOT_MARKERS = ("raw/manifest.jsonl", "annotations/entity-registry.jsonl")
# What commands that derive output (normalize, export, view) and the Label Studio server's data
# dir never write into: the sources, the annotations store and the published releases.
PROTECTED = ("raw", "annotations", "dist")
RELEASE_MARKER = "SHA256SUMS"  # every release directory holds one
# a release's directory in dist/ is named by its version, MAJOR.MINOR.PATCH
VERSION_PATTERN = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")


@dataclass(frozen=True, slots=True)
class Layout:
    """The directories of a corpus rooted at ``root`` (a checkout of this repository)."""

    root: Path

    @classmethod
    def at(cls, root: str | Path = ".") -> "Layout":
        with file_errors():  # a root in a loop of links
            return cls(resolved(root))

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def manifest(self) -> Path:
        return self.raw / "manifest.jsonl"

    @property
    def annotations(self) -> Path:
        """Label Studio exports, stored verbatim and append-only, plus the entity registry."""
        return self.root / "annotations"

    @property
    def exports(self) -> Path:
        return self.annotations / "exports"

    @property
    def registry(self) -> Path:
        return self.annotations / "entity-registry.jsonl"

    @property
    def removed_documents(self) -> Path:
        """Which documents were taken out of the corpus, and why (corpus_tools.documents.remove):
        append-only, beside the stored exports whose tasks of those documents it explains."""
        return self.annotations / "removed-documents.jsonl"

    @property
    def annotators(self) -> Path:
        """Who each annotator is: corpus id and Label Studio account (corpus_tools.annotations.annotators)."""
        return self.annotations / "annotators.jsonl"

    @property
    def dist(self) -> Path:
        return self.root / "dist"

    @property
    def build(self) -> Path:
        """Scratch output that is never committed (normalized texts, task files)."""
        return self.root / "build"


def find_root(start: Path) -> Path | None:
    """The nearest of ``start`` and its parents that holds a ROOT_MARKERS file, or None."""
    start = resolved(start)
    for directory in (start, *start.parents):
        if is_root(directory):
            return directory
    return None


def is_root(directory: Path) -> bool:
    return any((directory / marker).is_file() for marker in ROOT_MARKERS)


def check_output(out: Path, instead: str = "choose a directory outside it (e.g. under build/)") -> None:
    """Refuse an output file or directory inside a corpus's raw/, annotations/ or dist/, or inside
    a release (wherever it lies; a directory holding SHA256SUMS, but none above a corpus's root):
    a derived file there would change sources or a published release.
    ``instead``: what to do, said after the refusal."""
    with file_errors():  # a loop of links
        path = resolved(out)
    in_corpus = False
    for directory in (path, *path.parents):
        if not in_corpus and (directory / RELEASE_MARKER).is_file():
            raise CorpusError("output-protected", f"lies inside the release {directory}; releases are never "
                              f"written to: {instead}", Location(file=str(out)))
        if directory.name in PROTECTED and is_root(directory.parent):
            raise CorpusError("output-protected", f"lies inside the corpus's {directory.name}/ ({directory}), which "
                              f"only its own commands write: {instead}", Location(file=str(out)))
        # a release holds no corpus: a SHA256SUMS above a corpus's root is some other directory's (a
        # downloads folder's), and refused every command that takes the lock in a checkout there
        in_corpus = in_corpus or is_root(directory)


def version_key(version: str) -> tuple[int, int, int]:
    major, minor, patch = version.split(".")
    return int(major), int(minor), int(patch)


def list_versions(dist: Path) -> list[str]:
    """Directories named MAJOR.MINOR.PATCH; hidden partial builds and anything else are ignored."""
    if not dist.is_dir():
        return []
    names = [p.name for p in dist.iterdir() if p.is_dir() and VERSION_PATTERN.fullmatch(p.name)]
    return sorted(names, key=version_key)
