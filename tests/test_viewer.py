"""`corpus-tools view`: the static site of a release, checked as files and in headless Chromium.

Two releases are viewed: the committed dist/1.0.0 (the five articles, with the checkout's raw
files, so removed pieces show) and a release built here from a fixture article with astral
characters, CRLF paragraph breaks, combining marks and regions of different layers that cross.
The oracle for every highlighted region is the release's own parquet rows, read with pyarrow.
"""

from __future__ import annotations

import dataclasses
import html
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import corpus_tools.view.read as read_module
import corpus_tools.view.site as site_module
from corpus_tools.cli import cli
from corpus_tools.documents.index import load_documents
from corpus_tools.errors import CorpusError
from corpus_tools.iterutil import batched
from corpus_tools.layout import Layout
from corpus_tools.records import (
    Cue, DocumentAnnotations, EntityMention, Evidence, Quote, RegistryEntity, ReleasedDocument, Source, Span,
    TimeExpression,
)
from corpus_tools.release.build import build_release
from corpus_tools.view import build_site
from corpus_tools.view.read import read_release
from corpus_tools.view.removed import PlacedPieces, removed_pieces
from corpus_tools.view.render import TablePage, mention_item, shown_pages
from corpus_tools.view.serve import site_server
from corpus_tools.view.site import summary_line

from browser_fixture import DOC_ID as FIXTURE_ID, add_fixture_document
from conftest import REPO, plant_staging, tree
from release_factories import first_row, mention, resummed, seed_inputs, shard_rows_edited, span_of

RELEASE = REPO / "dist" / "1.0.0"
SCREENSHOT = "viewer-document.png"
OCCUPIED = ("[view-output-occupied] exists and is not a site written by corpus-tools view; choose another -o "
            "directory or remove it")


def site_files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def rows(release: Path, config: str) -> list[dict]:
    """The rows of ``config``'s parquet files, read with pyarrow (not through the viewer's reader)."""
    return [row for file in sorted((release / "data" / config).glob("*.parquet"))
            for row in pq.read_table(file).to_pylist()]


def expected_regions(release: Path) -> dict[str, dict[tuple[str, str], str]]:
    """doc_id -> (kind, region id) -> text, from the parquet rows."""
    expected: dict[str, dict[tuple[str, str], str]] = {}
    for config, kind in (("entities", "ENTITY"), ("timexes", "TIMEX"), ("quotes", "QUOTE")):
        for row in rows(release, config):
            regions = expected.setdefault(row["doc_id"], {})
            regions[kind, row["id"]] = row["text"]
            if config == "quotes":
                for prefix, part in (("source_", "SOURCE"), ("cue_", "CUE")):
                    if row[f"{prefix}id"] is not None:
                        regions[part, row[f"{prefix}id"]] = row[f"{prefix}text"]
    return expected


def document_texts(release: Path) -> dict[str, str]:
    return {row["doc_id"]: row["text"] for row in rows(release, "documents")}


def registry_ids(release: Path) -> list[str]:
    return sorted(row["id"] for row in rows(release, "entity_registry"))


def view(*args) -> object:
    """`corpus-tools view` given ``args``, run in this process."""
    return CliRunner().invoke(cli, ["view", *map(str, args)])


def view_refused(args: tuple, error: str) -> None:
    """`corpus-tools view` given ``args``: exit 1, ``error`` its one line."""
    result = view(*args)
    assert (result.exit_code, result.output) == (1, f"Error: {error}\n")


def viewed(*args) -> str:
    """`corpus-tools view` given ``args``, which succeeds: the line it ends with."""
    result = view(*args)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()[-1]


def built(release: Path, out: Path, **options) -> dict[str, bytes]:
    """The files of the site ``build_site`` writes at ``out``."""
    build_site(release, out, **options)
    return site_files(out)


def rows_edited(config: str, edit):
    """An edit for ``resummed``: the rows of ``config``'s train file made ``edit(rows)``."""
    def edited(release: Path) -> None:
        [shard] = (release / "data" / config).glob("train-*.parquet")
        shard_rows_edited(shard, edit)
    return edited


def first_row_edited(config: str, edit):
    """An edit for ``resummed``: the first row of ``config``'s train file changed by ``edit(row)``."""
    return rows_edited(config, first_row(edit))


# -- a release of the fixture article ------------------------------------------------------------

def fixture_annotations(document) -> DocumentAnnotations:
    text = document.text
    said, owner = span_of(text, "said"), span_of(text, "the café owner 👍")
    return DocumentAnnotations(
        doc_id=document.doc_id,
        entities=(mention(document, "e-damascus-1", "Damascus", "GPE", "damascus"),
                  mention(document, "e-assad", "Bashar al-Assad", "PERSON", "bashar-al-assad"),
                  mention(document, "e-ahmet", "Ahmét Yılmaz", "PERSON"),
                  mention(document, "e-damascus-2", "Damascus 1️⃣", "GPE", "damascus")),
        timexes=(TimeExpression("t-monday", document.doc_id, span_of(text, "Monday"), "Monday", "DATE", "XXXX-WXX-1"),),
        quotes=(
            Quote("q-talk", document.doc_id, span_of(text, '"We will talk,"'), '"We will talk,"', "direct",
                  Source("s-owner", owner, owner.of(text), None), Cue("c-said", said, "said")),
            # crosses the entity "Ahmét Yılmaz" and holds "Damascus 1️⃣": must be drawn in parts
            Quote("q-cross", document.doc_id, span_of(text, "Yılmaz in Damascus 1️⃣."), "Yılmaz in Damascus 1️⃣.",
                  "mixed"),
        ),
    )


FIXTURE_REGISTRY = (
    RegistryEntity("bashar-al-assad", "Bashar al-Assad", "PERSON", ("Assad",), None, "President of Syria"),
    RegistryEntity("damascus", "Damascus", "GPE", (), None, "Capital of Syria"),
)


@pytest.fixture(scope="module")
def fixture_release(tmp_path_factory) -> tuple[Path, Path]:
    """(release dir, raw dir) of a one-document release of the fixture article."""
    root = tmp_path_factory.mktemp("fixture-release")
    add_fixture_document(root)
    document = load_documents(Layout.at(root))[FIXTURE_ID]
    build_release({document.doc_id: document}, {document.doc_id: fixture_annotations(document)},
                  FIXTURE_REGISTRY, root / "dist", "1.0.0")
    return root / "dist" / "1.0.0", root / "raw"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build_site(RELEASE, out, raw_dir=REPO / "raw")
    return out


@pytest.fixture(scope="module")
def paged_site(tmp_path_factory) -> tuple[Path, object]:
    """(site dir, build_site's summary) of the committed release on pages of at most 2 rows or items."""
    out = tmp_path_factory.mktemp("paged") / "site"
    return out, build_site(RELEASE, out, raw_dir=REPO / "raw", page_size=2)


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory, fixture_release) -> Path:
    release, raw = fixture_release
    out = tmp_path_factory.mktemp("fixture-site") / "site"
    build_site(release, out, raw_dir=raw)
    return out


# -- files -------------------------------------------------------------------------------------


def test_the_site_has_an_index_a_page_per_document_and_per_registry_entity(site):
    files = site_files(site)
    documents = sorted(document_texts(RELEASE))
    registry = registry_ids(RELEASE)
    assert sorted(name for name in files if name.startswith("doc/")) == [f"doc/{d}.html" for d in documents]
    assert sorted(name for name in files if name.startswith("entity/")) == [f"entity/{e}.html" for e in registry]
    assert len(registry) == 53 and len(documents) == 5
    assert {"index.html", "assets/viewer.css", "assets/viewer.js", ".corpus-tools-view"} <= set(files)
    index = files["index.html"].decode()
    assert "5 documents, 323 entity mentions, 47 time expressions, 46 quotes; 53 registry entities" in index
    assert index.count("<svg") == 4  # labels per layer (three) and units per document
    assert ">148</text>" in index  # GPE mentions, the card's count
    # evidence on hover: 001's date is stated on raw line 6
    assert 'title="stated on raw line 6: “25 April, 2024”">2024-04-25 (day)</span>' in index
    # nothing is fetched from elsewhere: the only absolute URLs are Wikidata links and SVG's namespace
    for name, data in files.items():
        text = data.decode("utf-8")
        assert "<script src=\"http" not in text and "@import" not in text and "url(http" not in text, name
        remaining = text.replace("https://www.wikidata.org/wiki/", "").replace("http://www.w3.org/2000/svg", "")
        assert "http://" not in remaining and "https://" not in remaining, name


def test_entity_page_lists_every_mention_with_context_and_the_quotes_attributed(site):
    page = (site / "entity" / "bashar-al-assad.html").read_text()
    entities = [row for row in rows(RELEASE, "entities") if row["entity_id"] == "bashar-al-assad"]
    speakers = [row for row in rows(RELEASE, "quotes") if row["speaker_id"] == "bashar-al-assad"]
    assert page.count('<li data-doc="') == len(entities) + len(speakers)
    assert f"<h2>Mentions ({len(entities)})</h2>" in page and len(entities) == 44
    assert f"Quotes attributed to Bashar al-Assad ({len(speakers)})" in page and len(speakers) == 7
    assert "<dt>aliases</dt><dd>Bashar al-Assad, Bashar Al-Assad, al-Assad, Al-Assad, Assad</dd>" in page
    first = entities[0]
    assert f'href="../doc/{first["doc_id"]}.html#entity-{first["id"]}"' in page


def test_same_release_gives_the_same_bytes_and_a_rerun_replaces_the_site_in_one_step(site, tmp_path, monkeypatch):
    """The old site and the new are swapped by one rename (renameat2's RENAME_EXCHANGE): a run
    killed between two renames (stood in for here by an error at the second) left no site."""
    again = tmp_path / "again"
    assert built(RELEASE, again, raw_dir=REPO / "raw") == site_files(site)
    (again / "index.html").write_text("stale")
    renames, real = [], os.rename

    def rename(source, target):
        if again in (Path(source), Path(target)):
            renames.append(source)
            if len(renames) == 2:
                raise RuntimeError("killed between the two renames")
        real(source, target)

    monkeypatch.setattr(site_module.os, "rename", rename)
    summary = build_site(RELEASE, again, raw_dir=REPO / "raw")  # over its own earlier output
    assert site_files(again) == site_files(site) and renames == []
    assert (summary.documents, summary.entities, summary.removed_shown) == (5, 53, 5)
    files = sum(path.is_file() for path in again.rglob("*"))
    assert summary_line(summary, REPO / "raw") == (  # the command's line, for a script too
        f"wrote {again}: release 1.0.0, 5 document pages, 53 entity pages, {files} files; removed text shown for 5 "
        f"of 5 documents (raw files from {REPO / 'raw'})")
    assert [p.name for p in tmp_path.iterdir()] == ["again"]  # no partial or retired directory left


HREF = re.compile(r'href="([^"]*)"')


def broken_links(root: Path) -> list[str]:
    """Every href of every page that names no file of the site, or no element of the page it
    names (``#id``), as "page: href"; links to Wikidata are the site's only external ones, and
    the empty icon each page names (``data:,``) is no file."""
    broken = []
    for page in sorted(root.rglob("*.html")):
        for href in HREF.findall(page.read_text("utf-8")):
            if href.startswith("https://www.wikidata.org/wiki/") or href == "data:,":
                continue
            path, _, fragment = html.unescape(href).partition("#")
            target = (page.parent / unquote(path)).resolve() if path else page
            if not (target.is_file() and target.is_relative_to(root.resolve())):
                broken.append(f"{page.relative_to(root)}: {href}")
            elif fragment and f'id="{fragment}"' not in html.unescape(target.read_text("utf-8")):
                broken.append(f"{page.relative_to(root)}: {href}")
    return broken


def document_rows(page: str) -> list[str]:
    """The doc_ids of a page's documents table's rows, in order."""
    return re.findall(r'<tr data-doc="([^"]+)">', page)


def registry_rows(page: str) -> list[str]:
    """The entity ids of a page's registry table's rows, in order."""
    return re.findall(r'<tr><td><a href="[^"]*entity/[^"]+">[^<]*</a><div class="id">([^<]+)</div>', page)


def page_numbers(page: str) -> list[str]:
    """The numbers of a page's bar of pages, in order: its own in brackets, "…" for those elided."""
    bar = re.search(r'<nav class="pages">.*? · pages (.*?)</nav>', page).group(1)
    return [f"[{own}]" if own else linked or gap
            for linked, own, gap in re.findall(
                r'<a href="(?:[^"]*\.)?(\d+)\.html"[^>]*>\1</a>|<strong>(\d+)</strong>|(…)', bar)]


def test_a_release_larger_than_a_page_has_its_tables_on_pages_every_link_resolving(site, paged_site, tmp_path):
    """At 10,000 documents index.html was 9.9 MB (a row and a chart bar per document): the
    tables go on pages of page_size rows, the index lists them."""
    paged, summary = paged_site
    files, whole = site_files(paged), site_files(site)
    documents = sorted(document_texts(RELEASE))
    registry = registry_rows(whole["index.html"].decode())
    assert len(documents) == 5 and len(registry) == 53
    assert sorted(n for n in files if n.startswith("documents/")) == ["documents/1.html", "documents/2.html",
                                                                       "documents/3.html"]
    assert sorted(n for n in files if n.startswith("registry/")) == sorted(f"registry/{n}.html" for n in range(1, 28))
    listed = [n for n in files if n.startswith(("mentions/", "attributed/"))]  # entities' lists: the next test
    assert summary.files == len(whole) + 3 + 27 + len(listed)
    # the document pages are the same; the index lists the pages in place of the tables
    assert {n: b for n, b in files.items() if n.startswith(("doc/", "assets/"))} == {
        n: b for n, b in whole.items() if n.startswith(("doc/", "assets/"))}
    index = files["index.html"].decode()
    assert "5 documents, 323 entity mentions, 47 time expressions, 46 quotes; 53 registry entities" in index
    assert index.count("<svg") == 3 and "Units per document" not in index  # the labels' charts stay
    assert document_rows(index) == registry_rows(index) == [] and "<table" not in index
    assert ('<p>5 documents on 3 pages of at most 2:</p>\n<ol class="pages">'
            f'<li><a href="documents/1.html">{documents[0]} – {documents[1]}</a> (2)</li>'
            f'<li><a href="documents/2.html">{documents[2]} – {documents[3]}</a> (2)</li>'
            f'<li><a href="documents/3.html">{documents[4]}</a> (1)</li></ol>') in index
    assert (f'<p>53 entities on 27 pages of at most 2:</p>\n<ol class="pages"><li><a href="registry/1.html">'
            f"{registry[0]} – {registry[1]}</a> (2)</li>") in index
    assert f'<li><a href="registry/27.html">{registry[52]}</a> (1)</li></ol>' in index
    whole_index = whole["index.html"].decode()
    for number in (1, 2, 3):
        page = files[f"documents/{number}.html"].decode()
        ids = documents[2 * (number - 1):2 * number]
        assert document_rows(page) == ids
        for doc_id in ids:  # the same row as the whole table's, linking from one directory down
            row = re.search(rf'<tr data-doc="{doc_id}">.*?</tr>', whole_index).group(0)
            assert row.replace('href="doc/', 'href="../doc/') in page
        # each page charts its own documents, on the release's scale
        assert re.findall(r'text-anchor="end">([^<]+)</text><rect class="part-0"', page) == ids
        assert (f"<p>Page {number} of 3: {len(ids)} of the release's 5 documents.</p>") in page
        assert ('<a rel="prev"' in page, '<a rel="next"' in page) == (number > 1, number < 3)
    assert [registry_rows(files[f"registry/{number}.html"].decode()) for number in range(1, 28)] == [
        registry[at:at + 2] for at in range(0, 53, 2)]
    # three pages are each linked from every page, as before the bar had a window
    assert ('<nav class="pages"><a rel="prev" href="1.html">← previous</a> <a rel="next" href="3.html">next →</a> '
            f'· pages <a href="1.html" title="{documents[0]} – {documents[1]}">1</a> <strong>2</strong> '
            f'<a href="3.html" title="{documents[4]}">3</a></nav>') in files["documents/2.html"].decode()
    # 27 are not: the first two, the last two and three either side of the page's own
    assert {n: page_numbers(files[f"registry/{n}.html"].decode()) for n in (14, 1, 6, 27)} == {
        14: ["1", "2", "…", "11", "12", "13", "[14]", "15", "16", "17", "…", "26", "27"],
        1: ["[1]", "2", "3", "4", "…", "26", "27"],
        6: ["1", "2", "3", "4", "5", "[6]", "7", "8", "9", "…", "26", "27"],  # 1 to 3 and 3 to 9: no gap to elide
        27: ["1", "2", "…", "24", "25", "26", "[27]"]}
    assert f'<a href="17.html" title="{registry[32]} – {registry[33]}">17</a>' in files["registry/14.html"].decode()
    assert broken_links(paged) == [] and broken_links(site) == []
    assert built(RELEASE, tmp_path / "again", raw_dir=REPO / "raw", page_size=2) == files
    # a release no larger than a page (5 documents, 53 entities) keeps its tables on the index
    assert built(RELEASE, tmp_path / "five", raw_dir=REPO / "raw", page_size=53) == whole
    with pytest.raises(ValueError, match="page_size must be at least 1, not 0"):
        build_site(RELEASE, tmp_path / "none", page_size=0)
    assert not (tmp_path / "none").exists()


def list_items(page: str, kind: str) -> list[str]:
    """The items of a page's list of ``kind`` (mentions, attributed), in order."""
    return re.findall(r"<li data-doc=.*?</li>", re.search(rf'<ol class="{kind}"[^>]*>(.*?)</ol>', page, re.S).group(1))


def test_an_entity_with_more_mentions_than_a_page_has_them_on_pages_every_link_resolving(site, paged_site):
    """One entity page listed every mention of the entity: 1.9 MB at 10,000 documents. Its
    mentions, and the quotes attributed to it, go on pages of page_size items, which it lists."""
    files, whole = site_files(paged_site[0]), site_files(site)  # its links and bytes: the test above
    mentions, quotes = ({} for _ in range(2))
    for config, column, by in (("entities", "entity_id", mentions), ("quotes", "speaker_id", quotes)):
        for row in rows(RELEASE, config):
            if row[column] is not None:
                by.setdefault(row[column], []).append(row["doc_id"])
    assert (len(mentions["bashar-al-assad"]), len(quotes["bashar-al-assad"])) == (44, 7)
    for kind, by in (("mentions", mentions), ("attributed", quotes)):
        assert sorted(n for n in files if n.startswith(f"{kind}/")) == sorted(
            f"{kind}/{entity}.{number}.html" for entity, items in by.items() if len(items) > 2
            for number in range(1, (len(items) + 1) // 2 + 1))
    # an entity whose lists fit on a page keeps its page, byte for byte
    fitting = [n for n in whole if n.startswith("entity/")
               and max(len(by.get(n[len("entity/"):-len(".html")], ())) for by in (mentions, quotes)) <= 2]
    assert len(fitting) == 26 and {n: files[n] for n in fitting} == {n: whole[n] for n in fitting}
    page = files["entity/bashar-al-assad.html"].decode()
    assert page.count("<li data-doc=") == 0 and "<h2>Mentions (44)</h2>" in page
    assert (f'<p>44 mentions on 22 pages of at most 2:</p>\n<ol class="pages"><li><a href="../mentions/'
            f'bashar-al-assad.1.html">{mentions["bashar-al-assad"][0]}</a> (2)</li>') in page
    assert ("<h2>Quotes attributed to Bashar al-Assad (7)</h2>\n<p>7 quotes on 4 pages of at most 2:</p>\n"
            '<ol class="pages"><li><a href="../attributed/bashar-al-assad.1.html">') in page
    # the pages hold the whole page's items, in its order, numbered on
    unpaged = whole["entity/bashar-al-assad.html"].decode()
    for kind, count in (("mentions", 22), ("attributed", 4)):
        pages = [files[f"{kind}/bashar-al-assad.{number}.html"].decode() for number in range(1, count + 1)]
        assert [list_items(each, kind) for each in pages] == list(batched(list_items(unpaged, kind), 2))
        assert [re.search(rf'<ol class="{kind}" start="(\d+)">', each).group(1) for each in pages] == [
            str(at) for at in range(1, 2 * count, 2)]
    eleventh = files["mentions/bashar-al-assad.11.html"].decode()
    assert ('<h1>Mentions of <a href="../entity/bashar-al-assad.html">Bashar al-Assad</a>: 002_9bc3c6dfe5868321</h1>\n'
            "<p>Page 11 of 22: 2 of its 44 mentions.</p>") in eleventh
    assert page_numbers(eleventh) == ["1", "2", "…", "8", "9", "10", "[11]", "12", "13", "14", "…", "21", "22"]
    assert '<a rel="next" href="bashar-al-assad.12.html">next →</a>' in eleventh
    assert "<title>Quotes attributed to Bashar al-Assad, page 4 · " in files[
        "attributed/bashar-al-assad.4.html"].decode()


@pytest.mark.parametrize(("count", "current", "shown"), [
    (10, 1, list(range(1, 11))),  # 2 * (2 ends + 3 around): every page by number, none elided
    (11, 1, [1, 2, 3, 4, None, 10, 11]),
    (11, 6, list(range(1, 12))),  # the window meets both ends
    (12, 7, list(range(1, 13))),  # the one page between the ends and the window (3) is shown, not elided
])
def test_a_table_of_at_most_ten_pages_names_every_page_and_one_of_eleven_elides(count, current, shown):
    """The pages tests above have 22 and 27 pages: the bound of ten is held here."""
    assert shown_pages(count, current) == shown

def test_a_publisher_the_text_does_not_state_is_shown_as_unknown_with_why_on_hover(site):
    page = (site / "doc" / "004_3e4c866fc9bc1c15.html").read_text()
    assert re.search(r'<dt>publisher</dt><dd><span class="ev publisher" title="not stated in the text: No masthead '
                     r'[^"]*"><span class="null">unknown</span></span></dd>', page)

def test_a_table_of_exactly_a_page_stays_on_the_index_a_row_a_line(tmp_path):
    """Pages begin at one row more than a page holds: 1.0.0's 5 documents on pages of 5 are the
    index's table, a row a line after its head; its registry of 53 is on pages. An entity with
    no Wikidata id says why, in the registry and on its page."""
    site = tmp_path / "site"
    build_site(RELEASE, site, page_size=5)
    assert not (site / "documents").exists() and (site / "registry" / "11.html").is_file()
    index = (site / "index.html").read_text()
    assert "<th>removed</th></tr></thead><tbody>\n<tr data-doc=" in index
    assert index.count("</tr>\n<tr data-doc=") == 4
    none = '<span class="null" title="no Wikidata id: none is certain">none</span>'
    assert f"<td>{none}</td>" in (site / "registry" / "1.html").read_text()
    assert f"<dt>Wikidata</dt><dd>{none}</dd>" in (site / "entity" / "abkhazia.html").read_text()

def test_the_pages_of_an_entity_with_dots_in_its_id_are_not_another_entitys():
    """A list's page is <id>.<n>.html: the number after the id's last dot, so ids with dots
    (a release made elsewhere) cannot share a page's name."""
    names = {TablePage(number, "d", "d", 1, owner).file for owner in ("a", "a.1", "a.1.1", "a.html", "1")
             for number in (1, 2, 11)}
    assert len(names) == 15
    assert TablePage(3, "d", "d", 1, "a.1").file == "a.1.3.html" and TablePage(3, "d", "d", 1).file == "3.html"
    assert TablePage(2, "d", "d", 1, "al/Assad").href == "al%252FAssad.2.html"  # the file is al%2FAssad.2.html


def test_documents_nobody_annotated_are_shown_as_not_annotated_not_as_naming_nothing(tmp_path):
    """Documents added since the last annotation are the last doc_ids, so a page can hold only
    documents nobody annotated: its units chart was an empty figure, which reads as documents
    without units."""
    documents, annotations, registry = seed_inputs()
    ids = sorted(documents)
    nobody, annotated = ids[2], ids[1]
    for doc_id in ids[2:4]:  # the second page's, at two rows a page: nobody annotated them
        del annotations[doc_id]
    release = build_release(documents, annotations, registry, tmp_path / "dist", "1.0.0").path
    build_site(release, tmp_path / "site")
    assert "Not annotated yet: this release has its text only" in (tmp_path / "site" / "doc" / f"{nobody}.html").read_text()
    assert "Not annotated yet" not in (tmp_path / "site" / "doc" / f"{annotated}.html").read_text()
    index = (tmp_path / "site" / "index.html").read_text()
    row = index[index.index(f'<tr data-doc="{nobody}">'):]
    assert row[:row.index("</tr>")].count('<td class="unannotated" colspan="3">not annotated yet</td>') == 1
    assert index.count("not annotated yet</td>") == 2
    # the units chart has a bar for each annotated document, none for one nobody annotated
    # (it had one of 0 entities, 0 time expressions, 0 quotes: found by a hunt)
    assert f"<title>{nobody}: " not in index and f"<title>{annotated}: 0 entities</title>" in index
    assert index.count(': 0 entities</title>') == len(ids) - 3  # 000's bar has 4; 002 and 003 have none
    build_site(release, tmp_path / "paged", page_size=2)
    second = (tmp_path / "paged" / "documents" / "2.html").read_text()
    assert document_rows(second) == ids[2:4] and second.count("not annotated yet</td>") == 2
    assert ('<section class="plots"><p class="unannotated">Units per document: none of these documents is '
            "annotated yet.</p></section>") in second
    assert "<svg" not in second
    first = (tmp_path / "paged" / "documents" / "1.html").read_text()
    assert re.findall(r'text-anchor="end">([^<]+)</text><rect class="part-0"', first) == ids[:2]
    assert "none of these documents is annotated yet" not in first
    assert broken_links(tmp_path / "paged") == []


@pytest.mark.parametrize("release, given, inside, code, words", [
    # a link to a site was replaced by a directory, and left behind under a hidden staging name (found by a hunt)
    pytest.param(RELEASE, "{tmp}/link", "", "view-output-occupied", "symbolic link", id="a symbolic link"),
    pytest.param(RELEASE, "{tmp}/mine", "", "view-output-occupied", "{tmp}/mine", id="a directory that is not a site"),
    # as export refuses it: "-o ." said "[file-error] Device or resource busy", and "-o ../site" run inside the
    # site (or "-o .." inside its doc/) swapped the site and removed the old one, the shell's directory with it
    pytest.param(RELEASE, ".", "empty", "view-output-occupied", "current directory", id="-o . in an empty directory"),
    pytest.param(RELEASE, ".", "site", "view-output-occupied", "current directory", id="-o . in a site"),
    pytest.param(RELEASE, "../site", "site", "view-output-occupied", "current directory", id="-o ../site in it"),
    pytest.param(RELEASE, "..", "site/doc", "view-output-occupied", "current directory", id="-o .. in its doc"),
    pytest.param("tampered", "new", "", "release-tampered", "README.md", id="a tampered release"),
])
def test_an_output_or_release_refused_leaves_everything_as_it_was(tmp_path, monkeypatch, release, given, inside, code,
                                                                  words):
    build_site(RELEASE, tmp_path / "site")
    (tmp_path / "empty").mkdir()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    (tmp_path / "link").symlink_to(tmp_path / "site")
    shutil.copytree(RELEASE, tmp_path / "tampered")
    (tmp_path / "tampered" / "README.md").write_text((RELEASE / "README.md").read_text() + "\nedited\n")
    monkeypatch.chdir(tmp_path / inside)
    before = tree(tmp_path)
    with pytest.raises(CorpusError) as refused:
        build_site(tmp_path / release, Path(given.format(tmp=tmp_path)))  # RELEASE, or the tampered copy
    assert refused.value.code == code and words.format(tmp=tmp_path) in str(refused.value)
    assert os.path.samefile(".", tmp_path / inside) and tree(tmp_path) == before


def test_a_release_downloaded_without_a_checkout_is_viewed_with_o(tmp_path, monkeypatch):
    """view needed a checkout (corpus-not-found) even given a release directory and -o, where
    export and diff need none: a researcher who downloaded a release could not see it. Without a
    checkout there are no raw files (no removed text shown), and -o is needed (build/site is a
    checkout's)."""
    downloads = tmp_path / "downloads"
    shutil.copytree(REPO / "dist" / "1.1.10", downloads / "1.1.10")
    shutil.copytree(REPO / "dist" / "1.1.9", downloads / "1.1.9")
    monkeypatch.chdir(downloads)
    view_refused(("1.1.10",), f"[corpus-not-found] not inside a corpus ({downloads} and the directories above it hold "
                              "none): -o DIR says where to write the site of a release downloaded without a checkout")
    assert sorted(path.name for path in downloads.iterdir()) == ["1.1.10", "1.1.9"]
    assert viewed("1.1.10", "-o", "site") == (
        "wrote site: release 1.1.10, 7 document pages, 84 entity pages, 96 files; removed text shown for 0 of 7 "
        "documents (no checkout: no raw files)")
    assert (downloads / "site" / "diff.html").is_file()  # the release before it, beside it, is compared with


NOT_IN_RAW = "raw file name {name} is not a file name in raw/"


@pytest.mark.parametrize("raw_file, raw, unavailable", [
    pytest.param("{released}", "checkout", None, id="the file of raw/ itself"),
    pytest.param("{outside}", "checkout", NOT_IN_RAW, id="a path outside the checkout's raw/"),
    pytest.param("{outside}", "raw", NOT_IN_RAW, id="a path outside"),
    pytest.param("../elsewhere.txt", "raw", NOT_IN_RAW, id="a path up"),
    pytest.param("/dev/zero", "raw", NOT_IN_RAW, id="/dev/zero"),  # read until memory ran out (found by a hunt)
    pytest.param("..", "raw", NOT_IN_RAW, id="raw's parent"),
    pytest.param("linked.txt\x00", "raw", NOT_IN_RAW, id="a NUL"),
    # not its target, a path on this machine, which made the site depend on where the builder keeps it
    pytest.param("linked.txt", "raw", "raw file raw/linked.txt is a symbolic link, not a regular file", id="a link"),
    # a file that cannot be read is not "not found" (found by a review)
    pytest.param("x" * 300 + ".txt", "raw", f"raw file raw/{'x' * 300}.txt cannot be read: File name too long",
                 id="a name too long"),
    # raw/ linked to where the raw files are kept was named by its target's name ("kept/x.txt"), and a loop
    # of links raised RuntimeError, where a missing raw file is said to be missing
    pytest.param("x.txt", "linked/raw", "raw file raw/x.txt not found", id="raw/ a link"),
    pytest.param("x.txt", "loop/raw", "raw file raw/x.txt is a symbolic link, not a regular file", id="raw/ a loop"),
])
def test_removed_pieces_are_read_only_from_a_regular_file_of_raw(tmp_path, raw_file, raw, unavailable):
    """A release's raw_file is a name in raw/: a path elsewhere, or a link there, is never read;
    raw/ itself is named raw/, whatever it is a link to."""
    document = next(d for d in read_module.documents(RELEASE) if d.doc_id == "001_d79359122f2d4c78")  # as viewed
    outside = tmp_path / "elsewhere.txt"
    shutil.copy(REPO / "raw" / document.raw_file, outside)  # the released bytes, outside raw/
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "linked.txt").symlink_to(outside)
    for directory in ("kept", "linked", "loop"):
        (tmp_path / directory).mkdir()
    (tmp_path / "linked" / "raw").symlink_to(tmp_path / "kept")
    (tmp_path / "loop" / "raw").symlink_to(tmp_path / "loop" / "raw")
    name = raw_file.format(released=document.raw_file, outside=outside)
    shown = removed_pieces(dataclasses.replace(document, raw_file=name),
                           REPO / "raw" if raw == "checkout" else tmp_path / raw)
    if unavailable is None:  # 001's five removed pieces, the dateline among them
        assert shown.unavailable is None and len(shown.pieces) == 5
        assert "dateline" in [piece.kind for _, piece in shown.pieces]
    else:
        assert shown == PlacedPieces(unavailable=unavailable.format(name=repr(name)))


def test_removed_pieces_need_the_released_raw_files_and_a_site_does_not_depend_on_where_they_lie(tmp_path):
    """Why removed text is missing names the raw file in raw/, not its path on this machine (the
    path made two checkouts' sites of one release differ: found by a hunt)."""
    summary = build_site(RELEASE, tmp_path / "without")  # no checkout: the release carries no removed text
    page = (tmp_path / "without" / "doc" / "001_d79359122f2d4c78.html").read_text()
    assert summary.removed_shown == 0 and 'class="rm"' not in page
    assert "no checkout given: the release does not carry removed text" in page
    sites = []
    for place in ("here", "elsewhere/deeper"):
        raw = tmp_path / place / "raw"
        shutil.copytree(REPO / "raw", raw)
        (raw / "001_d79359122f2d4c78.txt").unlink()
        (raw / "002_9bc3c6dfe5868321.txt").write_bytes(b"other bytes\n")
        (raw / "003_840a8be26e4ddaa5.txt").write_bytes((raw / "003_840a8be26e4ddaa5.txt").read_bytes() + b"\n")
        assert build_site(RELEASE, tmp_path / place / "site", raw_dir=raw).removed_shown == 2
        sites.append(site_files(tmp_path / place / "site"))
    assert sites[0] == sites[1]
    assert 'title="raw file raw/001_d79359122f2d4c78.txt not found"' in sites[0]["index.html"].decode()
    assert "raw file raw/002_9bc3c6dfe5868321.txt is not the one released" in sites[0]["index.html"].decode()
    assert "is not the one released (its sha256 differs)" in sites[0]["doc/003_840a8be26e4ddaa5.html"].decode()


def test_removed_pieces_sit_at_their_raw_position(site):
    page = (site / "doc" / "001_d79359122f2d4c78.html").read_text()
    # 001's dateline was raw line 6, between the standfirst and the first paragraph
    dateline = page.index('data-removed="dateline" data-text="25 April, 2024"')
    assert page.index("signal a change in") < dateline < page.index("has neither confirmed")
    assert 'title="removed by normalization (dateline), raw [' in page


def test_regions_that_start_together_nest_the_longer_outside_and_none_is_drawn_in_parts(site):
    """Of regions starting at one point the longer opens first, so they nest: with the shorter
    opened first (a mutation no other test caught), four of the five pages drew regions in parts.
    Only crossing regions are drawn in parts (the fixture's)."""
    parts = {page.name: page.read_text().count('data-part="more"') for page in (site / "doc").glob("*.html")}
    assert parts == {f"{doc_id}.html": 0 for doc_id in document_texts(RELEASE)}


# -- in the browser ----------------------------------------------------------------------------

# For each highlighted region (data-kind, data-id): the text of its parts as rendered, joined.
RENDERED_REGIONS = """() => {
  const regions = {};
  for (const element of document.querySelectorAll('#text [data-kind][data-id]')) {
    const key = element.dataset.kind + ' ' + element.dataset.id;
    regions[key] = (regions[key] || '') + element.innerText;
  }
  return regions;
}"""


def follow(page, link) -> None:
    """Click ``link`` (a selector, as ``page.click`` takes it, or a locator) and wait for the page it opens."""
    if isinstance(link, str):
        page.click(link)
    else:
        link.click()
    page.wait_for_load_state()


def rendered_regions(page) -> dict[tuple[str, str], str]:
    return {tuple(key.split(" ", 1)): text for key, text in page.evaluate(RENDERED_REGIONS).items()}


@contextmanager
def opened(chromium, path: Path | str, **options):
    """A new page of ``path`` (a file, or the URL given) in ``chromium`` (or a context of it); it may report no
    error, on the page or in the console."""
    errors: list[str] = []
    page = chromium.new_page(**options)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(path if isinstance(path, str) else path.as_uri())
    yield page
    page.close()
    assert errors == []


@contextmanager
def served(site: Path):
    """``site`` served on loopback from a thread, as `view --serve` serves it: its base URL."""
    server = site_server(site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{server.server_address[0]}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.mark.browser
@pytest.mark.parametrize("which", ["seed release", "fixture release"])
def test_every_highlighted_region_renders_exactly_its_row_text(chromium, site, fixture_site, fixture_release, which):
    root, release = (site, RELEASE) if which == "seed release" else (fixture_site, fixture_release[0])
    expected = expected_regions(release)
    texts = document_texts(release)
    checked = 0
    for doc_id, text in texts.items():
        with opened(chromium, root / "doc" / f"{doc_id}.html") as page:
            assert rendered_regions(page) == expected.get(doc_id, {}), doc_id
            assert page.inner_text("#text") == text  # the whole text too, character for character
            removed = page.locator('input[data-layer="removed"]')
            if removed.count():  # with the removed pieces shown, the regions' texts do not change
                removed.check()
                assert page.locator(".rm").first.is_visible()
                assert rendered_regions(page) == expected.get(doc_id, {}), doc_id
                assert page.inner_text("#text") == text
        checked += len(expected.get(doc_id, {}))
    # the seed release: every one of the 503 regions of its export (a source or cue that two quotes
    # share is one region); the fixture: 4 entities, 1 timex, 2 quotes, 1 source, 1 cue
    assert checked == (503 if which == "seed release" else 9)


@pytest.mark.browser
def test_crossing_regions_are_drawn_in_parts_after_astral_characters(chromium, fixture_site):
    with opened(chromium, fixture_site / "doc" / f"{FIXTURE_ID}.html") as page:
        parts = page.eval_on_selector_all('[data-kind="ENTITY"][data-id="e-ahmet"], [data-kind="QUOTE"][data-id="q-cross"]',
                                          "elements => elements.map(e => [e.dataset.id, e.innerText])")
        # the entity opens first and stays whole; the quote that starts inside it is cut where it ends
        assert parts == [["e-ahmet", "Ahmét Yılmaz"], ["q-cross", "Yılmaz"], ["q-cross", " in Damascus 1️⃣."]]
        page.hover('[data-kind="ENTITY"][data-id="e-damascus-2"]')  # inside the crossing quote: both say so
        assert page.inner_text("#tip") == "GPE · damascus — Damascus\nQUOTE (mixed) · no source"
        removed = page.locator('input[data-layer="removed"]')
        removed.check()
        marker = page.locator('.rm[data-removed="widget"]')
        assert marker.evaluate("e => getComputedStyle(e, '::before').content") == '"removed (widget): Advertisement"'


@pytest.mark.browser
def test_hover_shows_the_registry_id_and_the_link_opens_the_entity_page(chromium, site):
    with opened(chromium, site / "doc" / "001_d79359122f2d4c78.html") as page:
        assert page.is_hidden("#tip")
        mention = page.locator('a[data-kind="ENTITY"][data-entity="bashar-al-assad"]').first
        mention.hover()
        assert page.is_visible("#tip")
        assert page.inner_text("#tip").startswith("PERSON · bashar-al-assad — Bashar al-Assad")
        assert mention.get_attribute("title") is None  # the one tooltip, not the browser's too
        page.hover('[data-kind="TIMEX"]')
        assert page.inner_text("#tip") == "DURATION · value P10Y (MORE_THAN)"  # "over a decade"
        page.hover(".meta .date")
        assert page.inner_text("#tip") == "stated on raw line 6: “25 April, 2024”"
        follow(page, mention)
        assert page.url.endswith("/entity/bashar-al-assad.html")
        assert page.inner_text("h1") == "Bashar al-Assad"


def computed(page, selector: str, prop: str, pseudo: str | None = None) -> str:
    return page.locator(selector).first.evaluate(
        f"(e) => getComputedStyle(e{', ' + repr(pseudo) if pseudo else ''}).getPropertyValue({prop!r})")


@pytest.mark.browser
def test_layer_switches_hide_and_show_each_layer_and_going_back_draws_what_they_say(chromium, site):
    """Found by an adversarial review: back from an entity page, Chromium restored the boxes as
    they were left (entities off, removed text on) after the script had read them, so the page
    drew the entities and hid the removed text while its boxes said the opposite."""
    with opened(chromium, site / "doc" / "002_9bc3c6dfe5868321.html") as page:
        transparent = "rgba(0, 0, 0, 0)"
        person = '.ent[data-label="PERSON"]'
        assert computed(page, person, "background-color") == "rgb(255, 201, 201)"
        assert computed(page, ".tx", "content", "::after") != "none"
        assert computed(page, ".q", "box-shadow") != "none"
        assert computed(page, ".rm", "display") == "none"  # removed pieces: on demand

        page.uncheck('input[data-layer="entities"]')
        assert computed(page, person, "background-color") == transparent
        assert computed(page, ".q", "box-shadow") != "none"  # the other layers stay
        page.check('input[data-layer="removed"]')
        assert computed(page, ".rm", "display") == "inline-block"
        assert "removed (comment-form): Please enter your comment!" in computed(page, ".rm[data-removed='comment-form']",
                                                                                "content", "::before")
        follow(page, 'a[data-kind="ENTITY"]')
        assert "/entity/" in page.url
        page.go_back()
        page.wait_for_load_state()
        assert page.url.endswith("/doc/002_9bc3c6dfe5868321.html")
        assert (page.is_checked('input[data-layer="entities"]'), page.is_checked('input[data-layer="removed"]')) == (
            False, True)
        assert page.evaluate("document.getElementById('doc').className") == "document hide-entities show-removed"
        assert computed(page, person, "background-color") == transparent
        assert computed(page, ".rm", "display") == "inline-block"

        page.uncheck('input[data-layer="timexes"]')
        assert computed(page, ".tx", "content", "::after") == "none"
        assert computed(page, ".tx", "border-bottom-color") == transparent
        page.uncheck('input[data-layer="quotes"]')
        assert computed(page, ".q", "box-shadow") == "none"
        page.hover(person)
        assert page.is_hidden("#tip")  # a switched-off layer says nothing on hover
        page.check('input[data-layer="entities"]')
        assert computed(page, person, "background-color") == "rgb(255, 201, 201)"
        page.check('input[data-layer="quotes"]')
        assert computed(page, ".q", "box-shadow") != "none"


@pytest.mark.browser
def test_screenshot_of_a_document_page_for_the_docs(chromium, site):
    """docs/viewer.md shows this screenshot. It is written to build/screenshots/; with
    CORPUS_TOOLS_WRITE_DOCS_SCREENSHOTS=1 also to docs/ (how the committed one was made)."""
    with opened(chromium, site / "doc" / "001_d79359122f2d4c78.html", viewport={"width": 1280, "height": 860}) as page:
        page.check('input[data-layer="removed"]')
        page.locator('a[data-kind="ENTITY"][data-entity="united-states"]').nth(1).hover()
        target = REPO / "build" / "screenshots" / SCREENSHOT
        target.parent.mkdir(parents=True, exist_ok=True)
        data = page.screenshot(path=str(target))
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == (1280, 860)
        if os.environ.get("CORPUS_TOOLS_WRITE_DOCS_SCREENSHOTS") == "1":
            (REPO / "docs" / SCREENSHOT).write_bytes(data)
        assert (REPO / "docs" / SCREENSHOT).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"]({SCREENSHOT})" in (REPO / "docs" / "viewer.md").read_text()


@pytest.mark.browser
def test_serve_answers_on_loopback_and_each_page_names_its_own_icon(chromium, site):
    """Found by an adversarial review: a page naming no icon makes Chromium ask the server for
    /favicon.ico, whose 404 under `view --serve` was an error in the console. When the browser
    asks is up to it, so the icon each page resolves to is what is checked, with the console."""
    pages = sorted(str(path.relative_to(site)) for path in site.rglob("*.html"))
    assert len(pages) == 1 + 5 + 53
    context = chromium.new_context()  # no icon cached from another test
    try:
        with served(site) as base, opened(context, base + "index.html") as page:
            assert base.startswith("http://127.0.0.1:")
            follow(page, 'a[href="doc/000_cbeedfbee8440207.html"]')
            assert page.inner_text("h1") == "Bashar Al-Assad"
            assert page.locator('[data-kind="QUOTE"]').count() >= 7
            for name in pages:
                page.goto(base + name)
                icons = page.evaluate("[...document.querySelectorAll('link[rel~=\"icon\"]')].map(link => link.href)")
                assert icons == ["data:,"], name
    finally:
        context.close()


@pytest.mark.browser
def test_from_the_index_to_a_documents_changes_in_the_browser(chromium, tmp_path):
    """The pages of what changed were checked as files only: index -> diff.html -> a document's
    line -> its page, scrolled to its own changes."""
    build_site(REPO / "dist" / "1.1.0", tmp_path / "site", raw_dir=REPO / "raw", previous=REPO / "dist" / "1.0.0")
    with opened(chromium, tmp_path / "site" / "index.html", viewport={"width": 1000, "height": 600}) as page:
        follow(page, "text=What changed since 1.0.0")
        assert page.inner_text("h1") == "Changes from 1.0.0 to 1.1.0"
        follow(page, 'a[href="doc/004_3e4c866fc9bc1c15.html#changes"]')
        assert page.url.endswith("/doc/004_3e4c866fc9bc1c15.html#changes")
        changes = page.locator("#changes")
        assert changes.locator("h2").inner_text() == "Changes since 1.0.0"
        assert changes.locator("li").count() == 1
        assert changes.locator("li").inner_text().startswith(
            "quotes · type changed 004_3e4c866fc9bc1c15 q2 \"The United States will not normalize")
        assert page.evaluate("window.scrollY") > 0
        top = page.evaluate("document.getElementById('changes').getBoundingClientRect().top")
        assert 0 <= top < 600  # scrolled to the section, not left at the top of a long article


@pytest.mark.browser
def test_from_the_index_through_the_pages_of_documents_to_a_document_in_the_browser(chromium, paged_site):
    """And through the registry's pages and an entity's pages of mentions and quotes."""
    documents = sorted(document_texts(RELEASE))
    with opened(chromium, paged_site[0] / "index.html") as page:
        follow(page, 'a[href="documents/2.html"]')
        assert page.inner_text("h1") == f"Documents {documents[2]} – {documents[3]}"
        follow(page, page.locator('nav.pages a[rel="next"]').first)
        assert page.url.endswith("/documents/3.html")
        assert page.locator("table.documents tbody tr").count() == 1
        assert page.locator('nav.pages a[rel="next"]').count() == 0
        follow(page, f'tr[data-doc="{documents[4]}"] a')
        assert page.url.endswith(f"/doc/{documents[4]}.html")
        follow(page, "header.top >> text=entities")
        assert page.url.endswith("/index.html#registry")
        follow(page, 'a[href="registry/27.html"]')
        assert page.locator("table.registry tbody tr").count() == 1
        bar = page.locator("nav.pages").first
        assert bar.inner_text() == "← previous · pages 1 2 … 24 25 26 27"  # a window of the 27 pages
        follow(page, bar.locator("text=24"))
        assert page.url.endswith("/registry/24.html")
        assert page.locator("nav.pages").first.inner_text() == (
            "← previous next → · pages 1 2 … 21 22 23 24 25 26 27")
        # an entity's mentions, on pages of their own, to a mention in its document and back
        registry = registry_ids(RELEASE)  # the registry's order
        follow(page, "header.top >> text=entities")
        follow(page, f'a[href="registry/{registry.index("bashar-al-assad") // 2 + 1}.html"]')
        follow(page, 'table.registry a[href="../entity/bashar-al-assad.html"]')
        assert page.locator("ol.mentions li").count() == 0 and page.locator("ol.pages").count() == 2
        follow(page, 'a[href="../mentions/bashar-al-assad.22.html"]')
        assert page.locator("nav.pages").first.inner_text() == "← previous · pages 1 2 … 19 20 21 22"
        assert page.locator("ol.mentions li").count() == 2
        assert page.evaluate("document.querySelector('ol.mentions').start") == 43
        follow(page, page.locator('nav.pages a[rel="prev"]').first)
        assert page.url.endswith("/mentions/bashar-al-assad.21.html")
        mention = page.locator("ol.mentions li").first
        doc_id, mention_id = mention.get_attribute("data-doc"), mention.get_attribute("data-id")
        follow(page, mention.locator("a"))
        assert page.url.endswith(f"/doc/{doc_id}.html#entity-{mention_id}")
        assert page.locator(f"#entity-{mention_id}").get_attribute("data-entity") == "bashar-al-assad"
        page.go_back()
        page.wait_for_load_state()
        follow(page, "h1 a")
        assert page.url.endswith("/entity/bashar-al-assad.html")
        follow(page, 'a[href="../attributed/bashar-al-assad.4.html"]')
        assert page.locator("ol.attributed li").count() == 1


def test_serve_on_a_port_in_use_names_the_address(site):
    """It said "[file-error] Address already in use", naming nothing (found by a hunt)."""
    taken = site_server(site)
    try:
        port = taken.server_address[1]
        with pytest.raises(OSError) as caught:
            site_server(site, port)
        assert caught.value.filename == f"127.0.0.1:{port}"
        assert str(CorpusError.of_os_error(caught.value)).startswith(f"127.0.0.1:{port}: [file-error] ")
    finally:
        taken.server_close()


def test_a_site_with_a_previous_release_shows_what_changed(tmp_path, linked_checkout):
    later = tmp_path / "dist" / "1.1.0"
    shutil.copytree(REPO / "dist" / "1.1.0", later)
    shutil.copytree(REPO / "dist" / "1.0.0", tmp_path / "dist" / "1.0.0")
    viewed(later, "-o", tmp_path / "site", "--root", linked_checkout.root)
    diff = (tmp_path / "site" / "diff.html").read_text()
    assert "<h1>Changes from 1.0.0 to 1.1.0</h1>" in diff
    assert "<td>schema</td><td>columns added</td>" in diff and "entities.fold" in diff
    # a line per document, linked to its page, which lists the changes (one page of every change
    # was 123 MB at 10,000 re-annotated documents)
    assert ('<tr><td><a href="doc/004_3e4c866fc9bc1c15.html#changes">004_3e4c866fc9bc1c15</a></td>'
            "<td>quotes · type changed 1</td></tr>") in diff
    assert "The United States will not normalize" not in diff
    page = (tmp_path / "site" / "doc" / "004_3e4c866fc9bc1c15.html").read_text()
    assert ('<section id="changes"><h2>Changes since 1.0.0</h2>\n<ul class="changes"><li><span class="kind">quotes · '
            'type changed</span> 004_3e4c866fc9bc1c15 q2 &quot;The United States will not normalize') in page
    assert "Changes since" not in (tmp_path / "site" / "doc" / "003_840a8be26e4ddaa5.html").read_text()
    # a new document's page says it is new, not each of its 109 units
    added = (tmp_path / "site" / "doc" / "005_2cde5fe42a71d5e6.html").read_text()
    assert ('<section id="changes"><h2>Changes since 1.0.0</h2>\n<p>New since 1.0.0: every unit on this page is.</p>'
            "</section>") in added and '<ul class="changes">' not in added
    # a document the release no longer holds has no page: a line of counts, not its every unit
    # (31 MB for 5,000 removed documents)
    build_site(REPO / "dist" / "1.0.0", tmp_path / "back", previous=later)
    back = (tmp_path / "back" / "diff.html").read_text()
    assert ("<tr><td>005_2cde5fe42a71d5e6 (not in this release)</td><td>documents · removed 1; entities · removed 61; "
            "timexes · removed 21; quotes · removed 26</td></tr>") in back
    assert "005_2cde5fe42a71d5e6 e1" not in back and "--doc DOC_ID" in back
    assert '<a href="diff.html">What changed since 1.0.0</a>' in (tmp_path / "site" / "index.html").read_text()
    same = tmp_path / "same" / "1.0.1"
    shutil.copytree(REPO / "dist" / "1.0.0", same)
    compared: list[int] = []  # the comparison ran silent before the pages' bar (found by a hunt)
    totals: list[int] = []
    build_site(same, tmp_path / "unchanged", previous=REPO / "dist" / "1.0.0",
               comparing=lambda total: totals.append(total) or compared.append)
    assert sum(compared) == 5 and totals == [5]
    assert "The data did not change." in (tmp_path / "unchanged" / "diff.html").read_text()
    assert not (tmp_path / "site-without").exists()
    build_site(REPO / "dist" / "1.0.0", tmp_path / "site-without")  # the first release: no diff page
    assert not (tmp_path / "site-without" / "diff.html").exists()


def test_documents_are_read_one_at_a_time_each_page_written_before_the_next_is_read(tmp_path, monkeypatch):
    pages_at_each_read = []

    def recording(release):
        for document in read_module.documents(release):
            [building] = tmp_path.glob(".site.partial-*")
            pages = building / "doc"
            pages_at_each_read.append(len(list(pages.glob("*.html"))) if pages.is_dir() else 0)
            yield document

    monkeypatch.setattr(site_module, "documents", recording)
    build_site(RELEASE, tmp_path / "site", raw_dir=REPO / "raw")
    assert pages_at_each_read == [0, 1, 2, 3, 4]  # each document's page is written before the next is read
    monkeypatch.undo()
    assert site_files(tmp_path / "site") == built(RELEASE, tmp_path / "plain", raw_dir=REPO / "raw")
    assert ".gathered.sqlite" not in site_files(tmp_path / "site")  # the scratch store stays out of the site


def test_a_view_removes_what_a_killed_view_left_and_keeps_a_running_one(tmp_path):
    _, running = plant_staging(tmp_path, ".site.partial-")
    build_site(RELEASE, tmp_path / "site")
    assert sorted(path.name for path in tmp_path.iterdir()) == [running.name, "site"]
    assert oct((tmp_path / "site").stat().st_mode & 0o777) == "0o755"


def test_cli_writes_the_site_of_a_release_directory_not_named_as_a_version_and_says_so(tmp_path, monkeypatch,
                                                                                     linked_checkout):
    """The site named a release by its directory: a download called us-syria-corpus was "Release
    us-syria-corpus", and `view .` in dist/1.1.3 gave every page an empty version. (Found by a
    hunt.)"""
    copy = tmp_path / "candidate"
    shutil.copytree(RELEASE, copy)
    assert viewed(copy, "-o", tmp_path / "site", "--root", linked_checkout.root) == (
        f"wrote {tmp_path / 'site'}: release 1.0.0, 5 document pages, 53 entity pages, 62 files; removed text "
        f"shown for 5 of 5 documents (raw files from {linked_checkout.raw})")
    assert '<p class="summary">Release 1.0.0: 5 documents' in (tmp_path / "site" / "index.html").read_text()
    assert not (tmp_path / "site" / "diff.html").exists()
    # "." in a dist/: the version's directory, so the release before it is found too
    dist = tmp_path / "dist"
    for version in ("1.0.0", "1.1.0"):
        shutil.copytree(REPO / "dist" / version, dist / version)
    monkeypatch.chdir(dist / "1.1.0")
    assert "release 1.1.0, " in viewed(".", "-o", tmp_path / "here", "--root", linked_checkout.root)
    assert "<h1>Changes from 1.0.0 to 1.1.0</h1>" in (tmp_path / "here" / "diff.html").read_text()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    view_refused(("1.0.0", "-o", tmp_path / "mine", "--root", linked_checkout.root), f"{tmp_path / 'mine'}: {OCCUPIED}")  # a version


@pytest.mark.parametrize("version, edit, error", [
    # the site's title is the card's heading: a card of other bytes (SHA256SUMS made again) was a
    # UnicodeDecodeError traceback
    pytest.param("1.0.0", lambda copy: (copy / "README.md").write_bytes("# Caf\u00e9 corpus\n".encode("latin-1")),
                 "README.md, byte 5: [release-invalid] the dataset card is not UTF-8", id="a card not UTF-8"),
    # a value no record takes (a blank alias, in a release built before the registry rule refused
    # it; an evidence kind; a TIMEX3 mod) was a ValueError traceback of some 45 lines
    pytest.param("1.1.0", first_row_edited("entity_registry", lambda row: row.update(aliases=[""])),
                 "data/entity_registry: [release-invalid] registry entity 'abdullah-ii': aliases must be a list of "
                 "strings, each one line and not blank", id="a registry entity"),
    pytest.param("1.1.0", first_row_edited("documents", lambda row: row["publisher_evidence"].update(kind="bogus")),
                 "data/documents, doc 000_cbeedfbee8440207: [release-invalid] publisher_evidence: evidence kind "
                 "'bogus' is not one of stated, inferred, none", id="an evidence kind"),
    pytest.param("1.1.0", first_row_edited("timexes", lambda row: row.update(mod="ABOUT")),
                 "data/timexes, doc 000_cbeedfbee8440207, region t1: [release-invalid] timex mod 'ABOUT' is not one "
                 "of BEFORE, AFTER, ON_OR_BEFORE, ON_OR_AFTER, LESS_THAN, MORE_THAN, EQUAL_OR_LESS, EQUAL_OR_MORE, "
                 "START, MID, END, APPROX", id="a TIMEX3 mod"),
])
def test_a_released_value_the_records_refuse_is_a_located_error_and_nothing_is_written(tmp_path, version, edit,
                                                                                     error):
    release = resummed(REPO / "dist" / version, tmp_path / version, edit)
    view_refused((release, "-o", tmp_path / "site"), f"{release}/{error}")
    assert not (tmp_path / "site").exists()


def mention_context(text: str, start: int) -> str:
    """The context shown for the mention "Assad" at ``start`` of a document of ``text``."""
    none = Evidence("none")
    document = ReleasedDocument("d1", "train", None, text, None, none, None, None, none, "1", "raw/d1.txt",
                                "0" * 64, "utf-8", "0" * 64)
    item = mention_item(document, EntityMention("m1", "d1", Span(start, start + 5), "Assad", "PERSON", None))
    return item.split('<span class="context">')[1].removesuffix("</span></li>")


FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji: man ZWJ woman ZWJ girl
US, SYRIA = "\U0001f1fa\U0001f1f8", "\U0001f1f8\U0001f1fe"
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"


@pytest.mark.parametrize("before, after, context", [
    # the 60th code point before the mention is the combining acute; the cut after it falls between man and ZWJ
    pytest.param("Cafe\u0301" + "x" * 59, "y" * 59 + FAMILY + " tail",
                 "…e\u0301" + "x" * 59 + "<mark>Assad</mark>" + "y" * 59 + FAMILY + "…", id="combining mark, ZWJ"),
    # the 60th code point before is Syria's second indicator; the cut after falls inside the US flag
    pytest.param(US + SYRIA + "x" * 59, "y" * 59 + US + " " + "z" * 57 + SCOTLAND,
                 "…" + SYRIA + "x" * 59 + "<mark>Assad</mark>" + "y" * 59 + US + "…", id="regional indicators"),
    # the cut after falls between the black flag's tag characters
    pytest.param("", "y" * 56 + SCOTLAND + " tail", "<mark>Assad</mark>" + "y" * 56 + SCOTLAND + "…",
                 id="tag characters"),
])
def test_a_mentions_context_never_cuts_a_character_apart(before, after, context):
    """60 code points either side, widened to whole characters: a cut between a letter and its
    combining mark, or inside an emoji sequence, showed a lone mark or half an emoji. A flag is
    two regional indicators ("🇸🇾"), or a black flag and its tag characters: the widening left
    half of either at a cut (a lone indicator shows as a letter in a box)."""
    assert mention_context(before + "Assad" + after, len(before)) == context


def test_the_pages_bar_is_asked_for_with_the_number_of_document_and_entity_pages(tmp_path):
    """Found by a scale audit: the bar showed a count and a rate only, though the release read
    says how many documents and entities it has, a page each."""
    contents = read_release(REPO / "dist" / "1.1.11")
    totals, done = [], []
    build_site(REPO / "dist" / "1.1.11", tmp_path / "site", writing=lambda total: totals.append(total) or done.append)
    assert (len(contents.doc_ids), len(contents.registry)) == (7, 84)
    assert totals == [7 + 84] == [sum(done)] and set(done) == {1}
    assert len(list((tmp_path / "site" / "doc").iterdir())) + len(list((tmp_path / "site" / "entity").iterdir())) \
        == totals[0]


def test_a_directory_put_at_the_output_while_the_site_is_built_is_kept_and_the_site_refused(tmp_path):
    """The output was checked when the build began only: a directory someone made there meanwhile
    (not a site) was swapped out with the new site and deleted, with exit 0. Stopped from
    outside once it writes its pages, the build resumes after the directory is there."""
    out = tmp_path / "site"
    build = subprocess.Popen([sys.executable, "-m", "corpus_tools.cli", "view", str(RELEASE), "-o", str(out)],
                             cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    deadline = time.monotonic() + 300  # against a hung build, not a timing test
    while not list(tmp_path.glob(".site.partial-*/doc/*")):
        assert build.poll() is None and time.monotonic() < deadline, build.communicate()
        time.sleep(0.002)
    build.send_signal(signal.SIGSTOP)
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    build.send_signal(signal.SIGCONT)
    _, stderr = build.communicate(timeout=300)
    assert build.returncode == 1
    assert stderr.splitlines() == [f"Error: {out}: {OCCUPIED}"]
    assert [p.name for p in out.iterdir()] == ["notes.txt"] and (out / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no staging left


def cache_entries(cache: Path) -> dict[str, tuple[int, int]]:
    """Each entry of a page cache, with its inode and modification time: an entry written again
    (rendered again) gets another, as it is renamed into place."""
    return {path.name: (path.stat().st_ino, path.stat().st_mtime_ns) for path in cache.iterdir()}


@pytest.mark.parametrize("change, doc_id, shown", [
    # its removed text can no longer be shown
    pytest.param("raw file", "001_d79359122f2d4c78",
                 "raw file raw/001_d79359122f2d4c78.txt is not the one released (its sha256 differs)", id="a raw file"),
    # the release's first row of documents retitled
    pytest.param("title", "000_cbeedfbee8440207", "<h1>A title of another release</h1>", id="a document"),
])
def test_a_second_build_renders_no_page_again_and_a_change_renders_its_documents_page(tmp_path, change, doc_id, shown):
    """Every view rendered every page again, the same release given twice included (271 s for
    10,000 documents in a scaling run). A document's page comes from the cache when everything
    that goes into it is the same; the site is byte-identical to one built without the cache."""
    raw, cache = tmp_path / "raw", tmp_path / "cache"
    shutil.copytree(REPO / "raw", raw)
    build_site(RELEASE, tmp_path / "site", raw_dir=raw, cache=cache)
    first = cache_entries(cache)
    assert len(first) == 5  # a page a document
    build_site(RELEASE, tmp_path / "site", raw_dir=raw, cache=cache)  # over its own site
    assert cache_entries(cache) == first  # no page rendered again
    assert site_files(tmp_path / "site") == built(RELEASE, tmp_path / "fresh", raw_dir=raw)
    release = RELEASE
    if change == "raw file":
        (raw / f"{doc_id}.txt").write_bytes((raw / f"{doc_id}.txt").read_bytes() + b"\n")
    else:
        release = resummed(RELEASE, tmp_path / "retitled", first_row_edited(
            "documents", lambda row: row.update(title="A title of another release")))
    build_site(release, tmp_path / "site", raw_dir=raw, cache=cache)
    second = cache_entries(cache)
    assert len(second) == 5 and len(set(first) & set(second)) == 4  # its page again, its old entry removed
    assert all(second[name] == first[name] for name in set(first) & set(second))
    assert shown in (tmp_path / "site" / "doc" / f"{doc_id}.html").read_text()
    assert site_files(tmp_path / "site") == built(release, tmp_path / "fresh-after", raw_dir=raw)


def test_a_speaker_named_by_no_mention_is_in_its_pages_cache_key(tmp_path):
    """A page names the registry entities of its mentions and of its quotes' speakers (a tooltip,
    a link), so both enter the key of its cache entry. Here the ministry is one quote's speaker in
    001 and nothing else in the release: renamed in the registry, that page is rendered again
    with the new name, and no other."""
    speaker, doc_id = "syrian-foreign-ministry", "001_d79359122f2d4c78"
    only_a_speaker = resummed(RELEASE, tmp_path / "speaker-only", rows_edited(
        "entities", lambda rows: [row for row in rows if row["entity_id"] != speaker]))
    renamed = resummed(only_a_speaker, tmp_path / "renamed", rows_edited(
        "entity_registry", lambda rows: [{**row, "name": "The Ministry Renamed"} if row["id"] == speaker else row
                                         for row in rows]))
    cache = tmp_path / "cache"
    build_site(only_a_speaker, tmp_path / "site", cache=cache)
    first = cache_entries(cache)
    assert "The Ministry Renamed" not in (tmp_path / "site" / "doc" / f"{doc_id}.html").read_text()
    build_site(renamed, tmp_path / "site", cache=cache)
    second = cache_entries(cache)
    assert len(first) == len(second) == 5 and len(set(first) & set(second)) == 4
    assert "The Ministry Renamed" in (tmp_path / "site" / "doc" / f"{doc_id}.html").read_text()
    assert site_files(tmp_path / "site") == built(renamed, tmp_path / "fresh")


def test_the_same_release_against_another_previous_one_renders_the_pages_with_its_changes(tmp_path):
    """A document's page lists its changes since the previous release, so they enter its cache
    key: 1.2.1 has no document changed since 1.2.0 and every one since 1.0.0."""
    release, cache = REPO / "dist" / "1.2.1", tmp_path / "cache"
    build_site(release, tmp_path / "site", previous=REPO / "dist" / "1.2.0", cache=cache)
    assert "Changes since" not in (tmp_path / "site" / "doc" / "000_cbeedfbee8440207.html").read_text()
    build_site(release, tmp_path / "site", previous=RELEASE, cache=cache)
    assert "<h2>Changes since 1.0.0</h2>" in (tmp_path / "site" / "doc" / "000_cbeedfbee8440207.html").read_text()
    assert site_files(tmp_path / "site") == built(release, tmp_path / "fresh", previous=RELEASE)

def test_a_damaged_cache_entry_is_rendered_again_and_replaced(tmp_path):
    cache = tmp_path / "cache"
    build_site(RELEASE, tmp_path / "site", raw_dir=REPO / "raw", cache=cache)
    [damaged, *others] = sorted(cache.iterdir())
    whole = damaged.read_bytes()
    damaged.write_bytes(whole[:-1] + bytes([whole[-1] ^ 1]))  # one bit of its page
    kept = cache_entries(cache)
    assert built(RELEASE, tmp_path / "again", raw_dir=REPO / "raw", cache=cache) == site_files(tmp_path / "site")
    assert damaged.read_bytes() == whole and cache_entries(cache)[damaged.name] != kept[damaged.name]
    assert {path.name: kept[path.name] for path in others} == {name: value for name, value in
                                                               cache_entries(cache).items() if name != damaged.name}


def test_the_command_keeps_rendered_pages_in_build_cache_view(tmp_path):
    root = tmp_path / "corpus"
    shutil.copytree(REPO / "raw", root / "raw")
    shutil.copytree(RELEASE, root / "dist" / "1.0.0")
    viewed("1.0.0", "--root", root)
    entries = cache_entries(root / "build" / "cache" / "view")
    assert len(entries) == 5
    viewed("1.0.0", "--root", root)
    assert cache_entries(root / "build" / "cache" / "view") == entries
    assert site_files(root / "build" / "site") == built(RELEASE, tmp_path / "fresh", raw_dir=root / "raw")


def test_of_two_builds_into_one_new_directory_at_once_the_loser_says_the_other_won(tmp_path, monkeypatch,
                                                                                  linked_checkout):
    """The build that renamed its site into place second failed with "[file-error] Directory not
    empty", naming its own staging directory. The other build is run here at the moment this
    one renames (os.rename, the only thing replaced: both builds are real)."""
    out = tmp_path / "site"
    real = os.rename

    def rename(source, target):
        if Path(target) == out and not out.exists():
            monkeypatch.setattr(site_module.os, "rename", real)
            build_site(RELEASE, out)  # the other build, without raw files: its pages say so
        real(source, target)

    monkeypatch.setattr(site_module.os, "rename", rename)
    view_refused((RELEASE, "-o", out, "--root", linked_checkout.root), f"{out}: [view-output-occupied] another corpus-tools view "
                 "built a site here at the same time and finished first; its site is kept and this one discarded "
                 "(run view again to replace it)")
    assert "no checkout given" in (out / "doc" / "001_d79359122f2d4c78.html").read_text()  # the winner's
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # the loser's staging removed
