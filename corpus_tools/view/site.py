"""Write the static site of a release: ``build_site(release, out)``.

The site is written whole into a hidden directory beside ``out`` and renamed into place, so
``out`` is either the previous site or the new one, never half of each; a directory that is not
a site this module wrote is never replaced (``view-output-occupied``). Same release (and raw
files) give the same bytes: pages hold no clock time, and everything is iterated in sorted order.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import orjson

from corpus_tools.fingerprint import fingerprint
from corpus_tools.fsutil import (exchange, file_errors, holds_current_directory, listable_directory,
                                 made_directories_removed, make_public, staging_dir, writing_under)
from corpus_tools.errors import CorpusError, Location, quantity
from corpus_tools.iterutil import Totalled, batched, counted
from corpus_tools.layout import check_output
from corpus_tools.records import RegistryEntity, ReleaseContents, ReleasedDocument
from corpus_tools.release.checksums import card_text
from corpus_tools.release.diff import ChangeLog, diff_releases
from corpus_tools.release.versions import VERSION_PATTERN, previous_release, resolve_release
from corpus_tools.view.cache import PageCache
from corpus_tools.view.read import documents, read_release
from corpus_tools.view.removed import RawFile, placed_pieces, raw_file
from corpus_tools.view.render import (
    MENTION, PAGE_SIZE, QUOTE, IndexTally, TablePage, attributed_item, counts, diff_page, document_changes,
    document_page, documents_page, entity_list_page, entity_page, index_page, index_row, linked, mention_item,
    page_file, registry_page,
)

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


def summary_line(summary: SiteSummary, raw_dir: str | Path | None) -> str:
    """What ``corpus-tools view`` says of a site ``build_site`` wrote with ``raw_dir``."""
    return (f"wrote {summary.path}: release {summary.version}, {quantity(summary.documents, 'document page')}, "
            f"{quantity(summary.entities, 'entity page')}, {quantity(summary.files, 'file')}; removed text shown for "
            f"{summary.removed_shown} of {summary.documents} documents "
            + ("(no checkout: no raw files)" if raw_dir is None else f"(raw files from {raw_dir})"))


def build_site(release: str | Path, out: str | Path, *, raw_dir: str | Path | None = None,
               previous: str | Path | None = None,
               writing: Totalled | None = None,
               comparing: Totalled | None = None, page_size: int = PAGE_SIZE,
               cache: str | Path | None = None) -> SiteSummary:
    """Write the site of the release directory ``release`` into ``out``.

    ``raw_dir``: a checkout's raw/ directory; when it holds a document's raw file (same sha256)
    and this normalizer gives the released text, the document page can show the pieces
    normalization removed, each at its raw position (a release does not carry them). One that
    is not there or is no directory is a ``file-error`` (``listable_directory``), not "not found"
    said of every raw file.
    ``previous``: the release before this one: its diff with ``release``
    (corpus_tools.release.diff) becomes diff.html, linked from the index.
    ``writing``: asked, with the number of document and entity pages (a page each), for the
    ``on_progress`` called with 1 after each of them (not for the index, the pages of its tables
    and of entities' lists, and diff.html); ``comparing``: asked, with the number of documents to
    compare with ``previous``, for the ``on_progress`` of that comparison, first.
    ``page_size``: the most rows of a table, or items of an entity's list, on one page; a longer
    one goes on pages of its own, which the index or the entity's page lists (docs/viewer.md).
    ``cache``: a directory of rendered document pages (``corpus_tools.view.cache``; the command
    line's is build/cache/view/); None: every page is rendered. The site's bytes are the same either way.

    One document is held at a time, never the release: what the index and the entity pages gather
    from every document waits in a SQLite file in the staging directory (docs/viewer.md).
    """
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, not {page_size}")
    contents = read_release(release)
    out = Path(out)
    check_output(out)
    _check_replaceable(out)
    corpus = _corpus_name(Path(release), contents.version)
    raw = listable_directory(raw_dir) if raw_dir is not None else None
    pages = None if cache is None else PageCache(Path(cache))
    diff = None if previous is None else diff_releases(previous, release, comparing=comparing)
    log = None if diff is None else ChangeLog.of(diff.changes)

    def changes_of(doc_id: str) -> str:
        return "" if diff is None else document_changes(log.of_document(doc_id), diff.old_version)

    with made_directories_removed(out.parent):  # -o a/b/site refused half way leaves no empty a/b
        with file_errors():  # a file where a directory above the output belongs
            building = staging_dir(out.parent, f".{out.name}.partial-", out)
        try:
            files = 0
            on_progress = None if writing is None else writing(len(contents.doc_ids) + len(contents.registry))

            def write(relative: str, parts: Iterable[str]) -> None:
                nonlocal files
                path = building / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                with writing_under(out / relative), open(path, "w", encoding="utf-8", newline="") as handle:
                    handle.writelines(parts)
                files += 1

            for name in ASSETS:
                write(f"assets/{name}", [resources.files("corpus_tools.view").joinpath("assets", name).read_text("utf-8")])
            write(MARKER, [f"corpus-tools view of release {contents.version}\n"])
            with closing(sqlite3.connect(building / _GATHERED)) as gathered:
                paged = len(contents.doc_ids) > page_size
                tally = _write_documents(release, contents, raw, corpus, gathered, write, on_progress, changes_of,
                                         "../" if paged else "", pages)
                document_pages = None if not paged else _write_pages(
                    write, "documents", (doc_id for doc_id, in gathered.execute(
                        "SELECT doc_id FROM documents ORDER BY doc_id")), gathered.execute(_TABLE_ROWS), page_size,
                    lambda page, pages, chunk: documents_page(page, pages, contents, tally, corpus,
                                                              *_chart_and_rows(chunk)))
                registry_pages = None if len(contents.registry) <= page_size else _write_pages(
                    write, "registry", contents.registry, contents.registry.values(), page_size,
                    lambda page, pages, chunk: registry_page(page, pages, contents, tally, corpus, chunk))
                # unpaged, the table has at most a page's rows
                unit_counts, rows = ((), ()) if paged else _chart_and_rows(gathered.execute(_TABLE_ROWS).fetchall())
                write("index.html", index_page(contents, tally, corpus, unit_counts, rows,
                                               None if diff is None else diff.old_version,
                                               document_pages=document_pages, registry_pages=registry_pages))
                if diff is not None:
                    write("diff.html", diff_page(diff, corpus, contents.version, contents.doc_ids))
                gathered.execute("CREATE INDEX items_by_entity ON items (entity_id, kind, doc_id, position)")
                for entity in counted(contents.registry.values(), on_progress):
                    mentions, quotes = (
                        _entity_list(entity, kind, directory, count, gathered, write, page_size, contents.version,
                                     corpus)
                        for kind, directory, count in ((MENTION, "mentions", tally.mentions[entity.id]),
                                                       (QUOTE, "attributed", tally.attributed[entity.id])))
                    page = entity_page(entity, mentions, quotes, contents.version, corpus)
                    write(f"entity/{page_file(entity.id)}", [page])
            (building / _GATHERED).unlink()
            _replace(building, out)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
    if pages is not None:
        pages.prune()
    return SiteSummary(out, contents.version, tally.documents, len(contents.registry), tally.removed_shown, files)


_GATHERED = ".gathered.sqlite"  # in the staging directory; removed before it becomes the site


def _write_documents(release, contents: ReleaseContents, raw: Path | None, corpus: str, gathered: sqlite3.Connection,
                     write: Callable[[str, Iterable[str]], None], on_progress,
                     changes_of: Callable[[str], str], prefix: str, cache: PageCache | None) -> IndexTally:
    """Each document's page, in the release's order, with what changed in it (``changes_of``: ""
    when nothing did, or there is no previous release); its index row (linking from ``prefix``,
    the way from the table's page to the root) and its items on entity pages into ``gathered``;
    the index's counts into the tally returned. What a document gives comes from ``cache`` when stored there."""
    gathered.execute("PRAGMA journal_mode = OFF")  # a scratch file: a crash discards the staging directory
    gathered.execute("PRAGMA synchronous = OFF")
    gathered.execute("CREATE TABLE documents (doc_id TEXT PRIMARY KEY, annotated INTEGER, entities INTEGER, "
                     "timexes INTEGER, quotes INTEGER, row TEXT)")
    gathered.execute("CREATE TABLE items (entity_id TEXT, kind INTEGER, doc_id TEXT, position INTEGER, html TEXT)")
    ids = contents.doc_ids
    number_of = {doc_id: number for number, doc_id in enumerate(ids)}
    tally = IndexTally()
    for document in counted(documents(release), on_progress):
        number = number_of[document.doc_id]
        neighbours = (ids[number - 1] if number else None, ids[number + 1] if number + 1 < len(ids) else None)
        page, row, items, shown = _document_outputs(document, contents, raw_file(document, raw), corpus, neighbours,
                                                    changes_of(document.doc_id), prefix, cache)
        write(f"doc/{page_file(document.doc_id)}", [page])
        tally.add(document, shown)
        gathered.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)",
                         (document.doc_id, document.annotated, *counts(document), row))
        gathered.executemany("INSERT INTO items VALUES (?, ?, ?, ?, ?)",
                             [(entity_id, kind, document.doc_id, position, html)
                              for entity_id, kind, position, html in items])
    return tally


def _document_outputs(document: ReleasedDocument, contents: ReleaseContents, raw: RawFile, corpus: str,
                      neighbours: tuple[str | None, str | None], changes: str, prefix: str,
                      cache: PageCache | None) -> tuple[str, str, list, bool]:
    """What a document gives the site: its page, its row of the documents table, its items on
    entity pages ([entity id, kind, position, html]) and whether its removed text is shown;
    taken from ``cache`` when it holds them under the fingerprint of all that goes into them,
    else rendered (and stored there)."""
    if cache is not None:
        named = sorted({entity_id for entity_id, *_ in linked(document)})
        # the records are dataclasses, which orjson writes whole, every field (repr took twice as
        # long); the registry enters as the entities the page names (a tooltip, a link), no others
        key = fingerprint("view document page", orjson.dumps(document),
                          orjson.dumps([(entity_id, contents.registry.get(entity_id)) for entity_id in named]),
                          contents.version, corpus, orjson.dumps(neighbours), changes, prefix, raw.state)
        stored = cache.get(key)
        if stored is not None:
            return tuple(orjson.loads(stored))
    pieces = placed_pieces(document, raw)
    items = [[entity_id, kind, position, (mention_item if kind == MENTION else attributed_item)(document, unit)]
             for entity_id, kind, position, unit in linked(document)]
    made = (document_page(document, contents, pieces, corpus, neighbours, changes),
            index_row(document, pieces, prefix), items, pieces.unavailable is None)
    if cache is not None:
        cache.put(key, orjson.dumps(made))
    return made


def _write_pages(write: Callable[[str, Iterable[str]], None], directory: str, keys: Iterable[str], rows: Iterable,
                 page_size: int, render: Callable[[TablePage, list[TablePage], list], Iterable[str]],
                 owner: str | None = None) -> list[TablePage]:
    """The pages of a table or list too long for one: ``rows`` on pages of ``page_size``, written
    to ``<directory>/<TablePage.file>`` as ``render(page, pages, its rows)`` makes them, a page's
    rows at a time; ``keys``, each row's id in the same order, are read first, as each page names
    others by their first and last ids. The pages, for the page that lists them. ``owner``: the
    entity whose list it is."""
    pages = [TablePage(number, chunk[0], chunk[-1], len(chunk), owner)
             for number, chunk in enumerate(batched(keys, page_size), start=1)]
    for page, chunk in zip(pages, batched(rows, page_size)):
        write(f"{directory}/{page.file}", render(page, pages, chunk))
    return pages


def _entity_list(entity: RegistryEntity, kind: int, directory: str, count: int, gathered: sqlite3.Connection,
                 write: Callable[[str, Iterable[str]], None], page_size: int, version: str,
                 corpus: str) -> tuple[list[str], list[TablePage] | None]:
    """An entity's gathered items of ``kind`` (``count`` of them), in document order: for its page
    when they fit on one, else written on pages of their own (``<directory>/<id>.<n>.html``), which
    it lists; (items, None) or ([], pages)."""
    def column(name: str) -> Iterator[str]:
        return (value for value, in gathered.execute(
            f"SELECT {name} FROM items WHERE entity_id = ? AND kind = ? ORDER BY doc_id, position", (entity.id, kind)))

    if count <= page_size:
        return list(column("html")), None
    return [], _write_pages(write, directory, column("doc_id"), column("html"), page_size,
                            lambda page, pages, items: entity_list_page(entity, directory, page, pages, items, version,
                                                                        corpus), owner=entity.id)


_TABLE_ROWS = "SELECT doc_id, annotated, entities, timexes, quotes, row FROM documents ORDER BY doc_id"


def _chart_and_rows(chunk: Sequence[tuple]) -> tuple[list, list]:
    """Of a table's rows (``_TABLE_ROWS``), the units chart's bars (doc_id, counts) and the rows'
    HTML: a document nobody annotated has no counts to chart, not counts of 0."""
    return ([(doc_id, (entities, timexes, quotes)) for doc_id, annotated, entities, timexes, quotes, _ in chunk
             if annotated], [row for *_, row in chunk])


def site_releases(release: str | Path | None, previous: str | Path | None, root: str | Path) -> tuple[Path, Path | None]:
    """The release to view and the one to show the changes since: each a directory, or a version
    in ``<root>/dist`` (``release`` None: the latest; ``previous`` None: the release before
    ``release`` in the same directory, if it is named as a version and has one)."""
    release = resolve_release(release, root)
    if previous is not None:
        return release, resolve_release(previous, root)
    named = release.resolve()  # "." in dist/1.1.3 is 1.1.3
    if VERSION_PATTERN.fullmatch(named.name):
        return release, previous_release(named.parent, named.name)
    return release, None


def _occupied(out: Path, why: str) -> CorpusError:
    return CorpusError("view-output-occupied", why, Location(file=str(out)))


def _check_replaceable(out: Path) -> None:
    # a site is swapped into place by renaming: a link there would be replaced, not written through
    if out.is_symlink():
        raise _occupied(out, "is a symbolic link; give the directory it names, or another -o directory")
    if out.exists() and not (out.is_dir() and ((out / MARKER).is_file() or not any(out.iterdir()))):
        raise _occupied(out, "exists and is not a site written by corpus-tools view; choose another -o directory "
                        "or remove it")
    if out.exists() and holds_current_directory(out):  # "-o ." said "Device or resource busy"
        raise _occupied(out, "is the current directory or holds it: the site swapped into place would leave the "
                        "shell in a removed directory; run view from outside it")


def _replace(building: Path, out: Path) -> None:
    """Rename the finished site into place; the old one (if any) is removed only after. An old
    site is swapped with the new in one step where the system can: two renames leave a moment
    with no site at ``out``, and a run killed then leaves it so. What is at ``out`` is checked
    again first: checked only when the build began, a directory made there meanwhile (not a
    site) was swapped out and deleted."""
    _check_replaceable(out)
    make_public(building)
    if not out.exists():
        try:
            os.rename(building, out)
        except OSError as error:
            # a directory was made there since the line above: by another view of the same -o,
            # begun when this one was (the rename named this build's staging directory)
            if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            _check_replaceable(out)  # not a site: refused as any such directory is
            raise _occupied(out, "another corpus-tools view built a site here at the same time and finished "
                            "first; its site is kept and this one discarded (run view again to replace it)") from None
        return
    if exchange(building, out):
        shutil.rmtree(building, ignore_errors=True)  # the old site, now
        return
    retired = staging_dir(out.parent, f".{out.name}.old-")
    os.rename(out, retired / "site")
    os.rename(building, out)
    shutil.rmtree(retired, ignore_errors=True)


def _corpus_name(release: Path, version: str) -> str:
    """The dataset card's title (its first level-1 heading), else a plain name; a card that is not
    UTF-8 (every release writes it so) is ``release-invalid``, naming it."""
    for line in (card_text(release) or "").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return f"Corpus release {version}"

