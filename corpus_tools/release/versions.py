"""Release versions: their form, their order (1.10.0 after 1.9.0), the releases present in a dist/
directory, the release a user names (``resolve_release``), and how far one version is from
another (the version rule: docs/release.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable

from corpus_tools.errors import CorpusError, Location, printable
# where releases are and what they are called is the layout's (documents/ asks it too)
from corpus_tools.layout import VERSION_PATTERN, Layout, list_versions, version_key  # noqa: F401


# How far a version moves, smallest first: the version rule compares a bump with the one a
# diff needs (corpus_tools.release.diff.required_bump).
BUMPS = ("none", "patch", "minor", "major")


def resolve_release(release: str | Path | None, root: str | Path = ".") -> Path:
    """The directory of the release a user names, for every reader of releases (load, export,
    diff, verify, view): a directory, whatever it is called; else a version under ``<root>/dist``
    (None: the latest there). Only where it is: whether it holds a whole release is the reader's
    check (``verify_release``), so one named by path or by version is refused alike.

    The name is judged by its text, never by its type: a command line gives the same words as a
    ``Path`` or as a ``str``. A name that exists, or has a directory separator, was meant as a
    path (``release-missing``); a bare name that is neither a directory nor MAJOR.MINOR.PATCH
    (``1.0``, ``latest``) as a version (``invalid-version``), and so is a name that is no text
    at all (``1``, ``1.1``, ``b"1.1.5"``: a library caller's)."""
    if release is not None and not isinstance(release, (str, os.PathLike)):
        raise CorpusError("invalid-version", f"{printable(release)} ({type(release).__name__}) names no release: give a "
                          "release directory, or a version as a string (MAJOR.MINOR.PATCH, e.g. '1.0.0')")
    if release is not None and Path(release).is_dir():
        return Path(release)
    dist = Layout.at(root).dist
    versions = list_versions(dist)
    if release is None:
        if not versions:
            raise CorpusError("no-release", f"no release in {dist}; give a release directory, or build one with "
                              "`corpus-tools release`", Location(file=str(dist)))
        return dist / versions[-1]
    name = str(release)
    if VERSION_PATTERN.fullmatch(name):
        if name in versions:
            return dist / name
        # with none at all, the likelier fault is where it looked (a subdirectory of the checkout)
        hint = ", ".join(versions) or "none (the root, --root or root=, names the checkout whose dist/ holds them)"
        raise CorpusError("unknown-version", f"no release {name} in {dist}; releases: {hint}",
                          Location(file=str(dist)))
    if os.path.lexists(name) or "/" in name or os.sep in name:
        raise CorpusError("release-missing", "not a release directory (nor a version under dist/)",
                          Location(file=name))
    raise CorpusError("invalid-version", f"{name!r} is neither a directory nor a version (MAJOR.MINOR.PATCH, "
                      f"e.g. 1.0.0) of a release in {dist}")


def release_metadata(path: Path) -> tuple[str, str]:
    """The version and name of the release at ``path``, as its croissant.json says: a release
    keeps them wherever it is copied or downloaded to, whatever its directory is called."""
    where = Location(file=str(path / "croissant.json"))
    try:
        metadata = json.loads((path / "croissant.json").read_text(encoding="utf-8"))
        version, name = metadata["version"], metadata["name"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CorpusError("release-missing", f"croissant.json does not name the release and its version ({error})",
                          where) from None
    if not isinstance(version, str) or not VERSION_PATTERN.fullmatch(version):
        raise CorpusError("release-missing", f"croissant.json's version {version!r} is not MAJOR.MINOR.PATCH", where)
    return version, name


def latest_before(versions: Iterable[str], version: str) -> str | None:
    """The latest of ``versions`` older than ``version``, if any: the release a release of
    ``version`` follows, and is compared with (the version rule: docs/release.md)."""
    return max((v for v in versions if version_key(v) < version_key(version)), key=version_key, default=None)


def previous_release(dist: Path, version: str) -> Path | None:
    """The release directory of the latest version older than ``version`` in ``dist``, if any."""
    older = latest_before(list_versions(dist), version)
    return None if older is None else dist / older


def bump(old: str, new: str) -> str:
    """How far ``new`` moves from ``old``: major, minor or patch; none when it is not newer."""
    old_key, new_key = version_key(old), version_key(new)
    if new_key <= old_key:
        return "none"
    if new_key[0] > old_key[0]:
        return "major"
    return "minor" if new_key[1] > old_key[1] else "patch"


def next_version(old: str, level: str) -> str:
    """The smallest version after ``old`` that is a ``level`` bump (1.0.3, minor: 1.1.0)."""
    major, minor, patch = version_key(old)
    return {"major": f"{major + 1}.0.0", "minor": f"{major}.{minor + 1}.0",
            "patch": f"{major}.{minor}.{patch + 1}"}[level]
