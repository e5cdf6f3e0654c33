"""Release versions present in a dist/ directory, ordered as versions (1.10.0 after 1.9.0)."""

from __future__ import annotations

from pathlib import Path

from corpus_tools.release.build import VERSION_PATTERN


def version_key(version: str) -> tuple[int, int, int]:
    major, minor, patch = version.split(".")
    return int(major), int(minor), int(patch)


def list_versions(dist: Path) -> list[str]:
    """Directories named MAJOR.MINOR.PATCH; hidden partial builds and anything else are ignored."""
    if not dist.is_dir():
        return []
    names = [p.name for p in dist.iterdir() if p.is_dir() and VERSION_PATTERN.fullmatch(p.name)]
    return sorted(names, key=version_key)
