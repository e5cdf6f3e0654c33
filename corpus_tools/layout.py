"""Where things live in a corpus checkout. One object, passed around, instead of globals."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Layout:
    """The directories of a corpus rooted at ``root`` (a checkout of this repository)."""

    root: Path

    @classmethod
    def at(cls, root: str | Path = ".") -> "Layout":
        return cls(Path(root).resolve())

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
    def dist(self) -> Path:
        return self.root / "dist"

    @property
    def build(self) -> Path:
        """Scratch output that is never committed (normalized texts, task files)."""
        return self.root / "build"
