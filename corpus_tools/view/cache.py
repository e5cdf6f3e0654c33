"""The viewer's cache of document pages, in ``build/cache/view/`` (scratch, never committed).

Rendering a document's page (its removed pieces normalized again from the raw file, its marks,
its items on entity pages) was most of a view that wrote the same site again: every page was
made again on every run. An entry holds what a document gives the site (its page, its row of the
documents table, its items on entity pages, whether its removed text is shown) and is named by
``fingerprint`` of everything that goes into them (the document as the release holds it, the
registry entities it names, its neighbours, its changes, the raw file's state, the version,
the corpus's name and where the documents table links from) and of the code, so a document whose inputs changed is rendered again and an
entry is never served to other code. An entry is one file, written under a temporary name and
renamed into place (not synced: a lost entry is only rendered again), its payload after its
SHA-256 (``documents.cache.sealed``): one found damaged is rendered again and replaced.

After a build, the entries it did not use are removed, so the cache holds one site's pages: a
new release (whose version is on every page) or new code does not leave the old ones behind.
Two builds at once may remove each other's entries: that costs the other a render, never a page.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from corpus_tools.documents.cache import sealed, unsealed
from corpus_tools.fsutil import clear_scratch, file_errors, remove_abandoned

_ENTRY = re.compile(r"[0-9a-f]{32}")  # a fingerprint: every entry's name
_TEMPORARY = ".page."  # then the writer's pid: a killed writer's is removed by the next build


class PageCache:
    """The entries in ``directory``; ``used``, the names this process asked for or wrote."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.used: set[str] = set()
        self._made = False

    def _make(self) -> None:
        # at the first entry written, not before: a build refused earlier makes nothing in build/
        if not self._made:
            clear_scratch(self.directory, self.directory.parent)
            with file_errors():
                self.directory.mkdir(parents=True, exist_ok=True)
            self._made = True

    def get(self, key: str) -> bytes | None:
        """The payload stored under ``key``, or None (none, or damaged)."""
        self.used.add(key)
        try:
            return unsealed((self.directory / key).read_bytes())
        except OSError:  # none (or removed meanwhile by another build), or unreadable: rendered again
            return None

    def put(self, key: str, payload: bytes) -> None:
        self.used.add(key)
        self._make()
        try:
            handle, temporary = tempfile.mkstemp(prefix=f"{_TEMPORARY}{os.getpid()}-", suffix=".tmp",
                                                 dir=self.directory)
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(sealed(payload))
                os.replace(temporary, self.directory / key)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:  # a full disk: the site's own pages meet it and say so; this page is rendered again
            pass

    def prune(self) -> None:
        """Remove the entries this build did not use, and what killed writers left."""
        try:
            remove_abandoned(self.directory, _TEMPORARY)
            for name in os.listdir(self.directory):
                if _ENTRY.fullmatch(name) and name not in self.used:
                    (self.directory / name).unlink(missing_ok=True)
        except OSError:  # the site is in place by now: a cache that cannot be tidied is only larger
            pass
