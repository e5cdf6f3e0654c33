"""build-info.json: the versions of the libraries, and of Python and its Unicode database, that built a release.

A release's bytes depend on more than its inputs: parquet files name the pyarrow that wrote them
(and its encoder decides their bytes), so the same inputs give the same bytes only with the same
versions. Each release records them; ``make release`` installs the ones pinned in
requirements.lock (see the Makefile), and a rebuild that gives other bytes says which versions
differ from the recorded ones (``release-exists``). Versions are read from the installed
distributions' metadata, so recording them imports nothing heavy. The interpreter is recorded too
(from 1.2.0): normalization's rules (NFC, the character categories it removes or keeps) read
Python's own Unicode database, whose version comes with the interpreter, not with a lock.
"""

from __future__ import annotations

import json
import platform
import unicodedata
from importlib import metadata
from pathlib import Path

BUILD_INFO_FILE = "build-info.json"
# what the file is, where a card lists the release's files (until 1.2.1 "the library versions",
# though it records the interpreter's too)
BUILD_INFO_HOLDS = "the versions that built the release"
# distribution name -> what the release's bytes owe it
RECORDED = {
    "corpus-tools": "the code that builds every file",
    "pyarrow": "the parquet writer (its version is in every file's created_by)",
    "datasets": "the features format of the card and of the parquet metadata that loaders read",
}
# what the interpreter gives (not a distribution) -> what the release's bytes owe it
RUNTIME = {
    "python": "the interpreter that ran the build",
    "unicodedata": "Python's Unicode database (unicodedata.unidata_version), which normalization's rules and the "
                   "ner config's tokenizer read",
}


def code_version() -> str:
    """The version of the corpus_tools code that builds a release: the source's own, even when its
    installed metadata is stale. A release may be given another version (``build_release``'s
    argument), so this is what says which code made it (build-info.json, the citation's note)."""
    from corpus_tools.version import __version__

    return __version__


def installed_versions() -> dict[str, str | None]:
    """The installed version of each recorded distribution (None if it is not installed), and the
    interpreter's and its Unicode database's."""
    versions: dict[str, str | None] = {"python": platform.python_version(), "unicodedata": unicodedata.unidata_version}
    for name in RECORDED:
        if name == "corpus-tools":
            versions[name] = code_version()
            continue
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def recorded_text() -> str:
    """What build-info.json records, in words for the card: each key it writes, with what the
    release's bytes owe it (from RECORDED and RUNTIME, so the card cannot name fewer than are recorded)."""
    return "; ".join(f"`{name}`, {why}" for name, why in {**RECORDED, **RUNTIME}.items())


def build_info_text(versions: dict[str, str | None]) -> str:
    return json.dumps({"built_with": versions}, indent=2, sort_keys=True) + "\n"


def recorded_versions(release: Path) -> dict[str, str | None] | None:
    """The versions a release records, or None when it records none (releases before 1.1.0)."""
    try:
        return json.loads((Path(release) / BUILD_INFO_FILE).read_text(encoding="utf-8"))["built_with"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def version_differences(recorded: dict[str, str | None] | None, current: dict[str, str | None]) -> str:
    """Which versions differ, in words for an error message ('' when none do). What the release
    does not record (the interpreter's, before 1.2.0) is not known to differ, so not named."""
    if recorded is None:
        return "the existing release records no library versions"
    named = set(recorded) | (set(current) - set(RUNTIME))
    differing = [f"{name} {current.get(name)} (release: {recorded.get(name)})"
                 for name in sorted(named) if recorded.get(name) != current.get(name)]
    return ("built here with " + ", ".join(differing)) if differing else ""
