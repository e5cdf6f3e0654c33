"""The viewer's HTML pages, as strings: an index, a page per document, a page per registry entity, and
the pages of the index's tables and of an entity's lists when they are longer than a page.

Pages are plain HTML that link ``assets/viewer.css`` and ``assets/viewer.js`` (shipped in this
package); nothing is fetched from elsewhere. Hover texts are ``title`` attributes, so they work
without JavaScript; the script turns them into one styled tooltip that also lists the
highlighted regions around the one under the mouse.

Highlighted regions keep the text exact (docs/viewer.md): every character of the normalized text is
written once, in order, with elements around it (a region crossing another in several, of one
``data-kind`` and ``data-id``); what is not text (a TIMEX value, a removed piece) is drawn by CSS
from data attributes, so it is never part of a region's text nor of a copy of it.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections import Counter
from dataclasses import dataclass
from html import escape
from typing import Iterable, Iterator, Mapping, Sequence
from urllib.parse import quote as url_quote

from corpus_tools.records import (
    EntityMention, Evidence, Quote, RegistryEntity, ReleaseContents, ReleasedDocument, RemovedPiece, Span,
)
from corpus_tools.release.diff import ChangeLog, describe, kind_phrase, required_bump
from corpus_tools.release.diff import counts as change_counts
from corpus_tools.schema import ENTITY_LABELS, QUOTE_TYPES, TIMEX_LABELS
from corpus_tools.view.plots import bar_chart, stacked_chart
from corpus_tools.view.read import LAYERS
from corpus_tools.view.removed import PlacedPieces

# what a layer's units are called in a document's layer switches and the units-per-document chart
_LAYER_NAMES = dict(zip(LAYERS, ("entities", "time expressions", "quotes")))
# nesting order of regions with the same span: a quote holds its source, which holds a person
_RANK = {"QUOTE": 0, "SOURCE": 1, "CUE": 2, "TIMEX": 3, "ENTITY": 4}
CONTEXT = 60  # code points of context either side of a mention on an entity page


def page_file(identifier: str, number: int | None = None) -> str:
    """The file name of a document's or entity's page (ids are plain, but need not be), or of page
    ``number`` of one of an entity's lists: the number after the id's last dot, so that no two
    (id, number) share a name whatever dots an id holds."""
    return url_quote(identifier, safe="") + ("" if number is None else f".{number}") + ".html"


def page_href(identifier: str, number: int | None = None) -> str:
    return url_quote(page_file(identifier, number), safe="")


def _ordered(present: Iterable[str], known: Sequence[str]) -> list[str]:
    """Labels in the contract's order, then any others (from another release's label set) sorted."""
    present = set(present)
    return [label for label in known if label in present] + sorted(present - set(known))


def _attrs(pairs: Iterable[tuple[str, str | None]]) -> str:
    return "".join(f' {name}="{escape(value)}"' for name, value in pairs if value is not None)


def _null(shown: str, why: str | None = None) -> str:
    """``shown`` where there is no value, set apart from values; ``why`` on hover."""
    return f'<span class="null"{_attrs([("title", why)])}>{shown}</span>'


def evidence_text(evidence: Evidence) -> str:
    if evidence.kind == "stated":
        return f"stated on raw line {evidence.line}: “{evidence.quote}”"
    if evidence.kind == "inferred":
        return f"inferred: {evidence.reasoning}"
    return "not stated in the text" + (f": {evidence.reasoning}" if evidence.reasoning else "")


def _with_evidence(value: str | None, evidence: Evidence, css: str) -> str:
    shown = escape(value) if value is not None else _null("unknown")
    return f'<span class="ev {css}" title="{escape(evidence_text(evidence))}">{shown}</span>'


def _published(document: ReleasedDocument) -> tuple[str, str]:
    """The document's publisher and publication date, each with its evidence on hover."""
    date = document.publication_date
    if date is not None and document.publication_date_precision:
        date = f"{date} ({document.publication_date_precision})"
    return (_with_evidence(document.publisher, document.publisher_evidence, "publisher"),
            _with_evidence(date, document.publication_date_evidence, "date"))


def _entity_tip(entity_id: str | None, registry: Mapping[str, RegistryEntity]) -> str:
    if entity_id is None:
        return "no registry id"
    entity = registry.get(entity_id)
    return f"{entity_id} — {entity.name}" if entity is not None else f"{entity_id} (not in the registry)"


# -- the annotated text ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Mark:
    start: int
    end: int
    kind: str  # ENTITY, TIMEX, QUOTE, SOURCE, CUE
    id: str
    tag: str
    attrs: str  # rendered attributes, without the element id


def _mark(span: Span, kind: str, id: str, css: str, layer: str, *more: tuple[str, str | None],
          href: str | None = None) -> _Mark:
    """A region's mark: a link when it has ``href``; ``more``, its attributes after the ones every mark has."""
    return _Mark(span.start, span.end, kind, id, "span" if href is None else "a", _attrs((
        ("class", css), ("href", href), ("data-layer", layer), ("data-kind", kind), ("data-id", id), *more)))


def _marks(document: ReleasedDocument, registry: Mapping[str, RegistryEntity]) -> list[_Mark]:
    marks = []
    for mention in document.entities:
        marks.append(_mark(
            mention.span, "ENTITY", mention.id, f"hl ent lab-{mention.label}", "entities",
            ("data-label", mention.label), ("data-entity", mention.entity_id),
            ("title", f"{mention.label} · {_entity_tip(mention.entity_id, registry)}"),
            href=f"../entity/{page_href(mention.entity_id)}" if mention.entity_id in registry else None))
    for timex in document.timexes:
        value = timex.value + (f" ({timex.mod})" if timex.mod else "")
        marks.append(_mark(timex.span, "TIMEX", timex.id, f"hl tx lab-{timex.label}", "timexes",
                           ("data-label", timex.label), ("data-value", value), ("title", f"{timex.label} · value {value}")))
    sources: dict[str, tuple] = {}
    cues: dict[str, tuple] = {}
    for quote in document.quotes:
        parts = [f"QUOTE ({quote.quote_type})"]
        if quote.source is not None:
            parts.append(f"source “{quote.source.text}” → speaker {_entity_tip(quote.source.speaker_id, registry)}")
            sources.setdefault(quote.source.id, (quote.source, []))[1].append(quote.id)
        else:
            parts.append("no source")
        if quote.cue is not None:
            parts.append(f"cue “{quote.cue.text}”")
            cues.setdefault(quote.cue.id, (quote.cue, []))[1].append(quote.id)
        marks.append(_mark(quote.span, "QUOTE", quote.id, f"hl q qt-{quote.quote_type}", "quotes",
                           ("data-label", quote.quote_type), ("title", " · ".join(parts))))
    for source_id, (source, quote_ids) in sources.items():
        marks.append(_mark(source.span, "SOURCE", source_id, "hl src", "quotes", ("data-quotes", " ".join(quote_ids)),
                           ("data-entity", source.speaker_id),
                           ("title", f"SOURCE · speaker {_entity_tip(source.speaker_id, registry)}")))
    for cue_id, (cue, quote_ids) in cues.items():
        marks.append(_mark(cue.span, "CUE", cue_id, "hl cue", "quotes", ("data-quotes", " ".join(quote_ids)),
                           ("title", "CUE")))
    return marks


def _removed_marker(piece: RemovedPiece) -> str:
    title = f"removed by normalization ({piece.kind}), raw [{piece.raw_span.start}, {piece.raw_span.end}): {piece.text}"
    attrs = _attrs((("data-kind", "REMOVED"), ("data-removed", piece.kind), ("data-text", piece.text), ("title", title)))
    return f'<span class="rm"{attrs}></span>'


def annotated_text(text: str, marks: Sequence[_Mark], inserts: Sequence[tuple[int, str]] = ()) -> str:
    """``text`` with an element around each mark (split where marks cross) and ``inserts``
    (position, html without text) at their positions."""
    ordered = sorted((m for m in marks if m.start < m.end), key=lambda m: (m.start, -m.end, _RANK[m.kind], m.id))
    at: dict[int, list[str]] = {}
    for position, html in inserts:
        at.setdefault(position, []).append(html)
    points = sorted({0, len(text), *(m.start for m in ordered), *(m.end for m in ordered), *at})
    written: set[tuple[str, str]] = set()

    def open_tag(mark: _Mark) -> str:
        key = (mark.kind, mark.id)
        if key in written:
            return f"<{mark.tag}{mark.attrs} data-part=\"more\">"
        written.add(key)
        return f'<{mark.tag} id="{escape(mark.kind.lower())}-{escape(mark.id)}"{mark.attrs}>'

    out: list[str] = []
    stack: list[_Mark] = []
    following = 0
    previous = 0
    for point in points:
        out.append(escape(text[previous:point], quote=False))
        previous = point
        ending = [index for index, mark in enumerate(stack) if mark.end == point]
        if ending:
            lowest = ending[0]
            out.extend(f"</{mark.tag}>" for mark in reversed(stack[lowest:]))
            continuing = sorted((m for m in stack[lowest:] if m.end > point), key=lambda m: (-m.end, _RANK[m.kind], m.id))
            del stack[lowest:]
            for mark in continuing:
                out.append(open_tag(mark))
                stack.append(mark)
        out.extend(at.get(point, ()))
        while following < len(ordered) and ordered[following].start == point:
            out.append(open_tag(ordered[following]))
            stack.append(ordered[following])
            following += 1
    return "".join(out)


# -- pages -------------------------------------------------------------------------------------


def page_parts(title: str, body: Iterable[str], *, prefix: str, corpus: str, version: str,
               css_class: str) -> Iterator[str]:
    """A page whose body comes in parts, so a page as long as the corpus is never held whole."""
    yield (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} · {escape(corpus)} {escape(version)}</title>\n"
        # an icon of its own, empty: without one a browser asks the server for /favicon.ico, and
        # under `view --serve` (or any server) its 404 is an error in the console
        '<link rel="icon" href="data:,">\n'
        f'<link rel="stylesheet" href="{prefix}assets/viewer.css">\n'
        f'<script src="{prefix}assets/viewer.js" defer></script>\n'
        f'</head>\n<body class="{css_class}">\n'
        f'<header class="top"><a href="{prefix}index.html">{escape(corpus)}</a> · release {escape(version)}'
        f' · <a href="{prefix}index.html#documents">documents</a> · <a href="{prefix}index.html#registry">entities</a>'
        "</header>\n"
    )
    yield from body
    yield "\n" '<div id="tip" role="tooltip" hidden></div>\n' "</body>\n</html>\n"


def counts(document: ReleasedDocument) -> tuple[int, int, int]:
    return len(document.entities), len(document.timexes), len(document.quotes)


MENTION, QUOTE = 0, 1  # the kinds of an entity page's items


def linked(document: ReleasedDocument) -> Iterator[tuple[str, int, int, EntityMention | Quote]]:
    """(registry id, kind, position in its layer, unit) of each unit of the document an entity page
    lists: a mention with an entity id, a quote with a speaker."""
    for position, mention in enumerate(document.entities):
        if mention.entity_id is not None:
            yield mention.entity_id, MENTION, position, mention
    for position, quote in enumerate(document.quotes):
        if quote.source is not None and quote.source.speaker_id is not None:
            yield quote.source.speaker_id, QUOTE, position, quote


class IndexTally:
    """What the index counts over the whole release, gathered a document at a time."""

    def __init__(self) -> None:
        self.entity_labels: Counter = Counter()
        self.timex_labels: Counter = Counter()
        self.quote_types: Counter = Counter()
        self.mentions: Counter = Counter()  # registry id -> mentions
        self.attributed: Counter = Counter()  # registry id -> quotes it is the speaker of
        self.documents = 0
        self.annotated = 0
        self.totals = [0, 0, 0]
        self.most_units = 0  # of one document: the stacked chart's scale
        self.removed_shown = 0

    def add(self, document: ReleasedDocument, removed_shown: bool) -> None:
        self.entity_labels.update(mention.label for mention in document.entities)
        self.timex_labels.update(timex.label for timex in document.timexes)
        self.quote_types.update(quote.quote_type for quote in document.quotes)
        for entity_id, kind, _, _ in linked(document):
            (self.mentions if kind == MENTION else self.attributed)[entity_id] += 1
        units = counts(document)
        self.documents += 1
        self.annotated += document.annotated
        self.totals = [total + count for total, count in zip(self.totals, units)]
        self.most_units = max(self.most_units, sum(units))
        self.removed_shown += removed_shown


def index_row(document: ReleasedDocument, pieces: PlacedPieces, prefix: str = "") -> str:
    """The document's row of the documents table; ``prefix`` leads from the page holding the
    table to the site's root ("../" from a page of ``documents/``)."""
    publisher, date = _published(document)
    removed_cell = str(len(pieces.pieces)) if pieces.unavailable is None else _null("n/a", pieces.unavailable)
    return (
        f'<tr data-doc="{escape(document.doc_id)}"><td><a href="{prefix}doc/{page_href(document.doc_id)}">'
        f'{escape(document.title or "(untitled)")}</a><div class="id">{escape(document.doc_id)}</div></td>'
        f"<td>{publisher}</td><td>{date}</td><td>{escape(document.split)}</td>"
        f'<td class="n">{len(document.text)}</td>'
        + ("".join(f'<td class="n">{count}</td>' for count in counts(document))
           if document.annotated else '<td class="unannotated" colspan="3">not annotated yet</td>')
        + f'<td class="n">{removed_cell}</td></tr>')


PAGE_SIZE = 1000  # rows of a documents or registry table page, or items of an entity's list: about 1 MB of HTML


@dataclass(frozen=True, slots=True)
class TablePage:
    """One page of a table split into pages: its number (from 1), the ids of its first and
    last rows (for an entity's list, the doc_ids of its first and last items), how many rows it
    holds, and the entity whose list it is (None: a table of the index)."""

    number: int
    first: str
    last: str
    rows: int
    owner: str | None = None

    @property
    def file(self) -> str:
        """Its file name, in the directory of its table's pages."""
        return f"{self.number}.html" if self.owner is None else page_file(self.owner, self.number)

    @property
    def href(self) -> str:
        """A link to it from a page beside it."""
        return url_quote(self.file, safe="")


def _table_head(css: str, *columns: str) -> str:
    cells = "".join(f"<th>{column}</th>" for column in columns)
    return f'<table class="{css}"><thead><tr>{cells}</tr></thead><tbody>'


_DOCUMENTS_HEAD = _table_head("documents", "title / doc_id", "publisher", "date", "split", "chars", "entities",
                              "timexes", "quotes", "removed") + "\n"
_REGISTRY_HEAD = _table_head("registry", "name / id", "type", "Wikidata", "mentions", "quotes") + "\n"


def registry_row(entity: RegistryEntity, tally: IndexTally, prefix: str = "") -> str:
    """The entity's row of the registry table; ``prefix`` as for ``index_row``."""
    return (f'<tr><td><a href="{prefix}entity/{page_href(entity.id)}">{escape(entity.name)}</a>'
            f'<div class="id">{escape(entity.id)}</div></td><td>{_entity_type(entity)}</td>'
            f"<td>{_wikidata(entity.wikidata)}</td>"
            f'<td class="n">{tally.mentions[entity.id]}</td><td class="n">{tally.attributed[entity.id]}</td></tr>')


def _units_chart(unit_counts: Iterable[tuple[str, tuple[int, int, int]]], count: int, top: int) -> Iterator[str]:
    """The units-per-document chart of ``count`` annotated documents (``unit_counts``), drawn to
    ``top``; of none, a line saying so: an empty chart reads as documents without units, and a
    document nobody annotated is no such finding (a page of documents added since the last
    annotation holds only those)."""
    if not count:
        yield '<p class="unannotated">Units per document: none of these documents is annotated yet.</p>'
        return
    yield from stacked_chart("Units per document", ((doc_id, list(units)) for doc_id, units in unit_counts),
                             list(_LAYER_NAMES.values()), count=count, top=top)


def _table(head: str, rows: Iterable[str], between: str) -> Iterator[str]:
    yield head
    for number, row in enumerate(rows):
        yield (between if number else "") + row
    yield "\n</tbody></table>\n"


def _span(page: TablePage) -> str:
    return escape(page.first) if page.first == page.last else f"{escape(page.first)} – {escape(page.last)}"


def _page_list(directory: str, pages: Sequence[TablePage], what: str) -> str:
    """The list of a table's pages (on the index, or of an entity's list on its page), each with
    the ids of its first and last rows."""
    items = "".join(f'<li><a href="{directory}/{page.href}">{_span(page)}</a>'
                    f" ({page.rows})</li>" for page in pages)
    return (f"<p>{sum(page.rows for page in pages)} {what} on {len(pages)} pages of at most {pages[0].rows}:</p>\n"
            f'<ol class="pages">{items}</ol>\n')


def index_page(contents: ReleaseContents, tally: IndexTally, corpus: str,
               unit_counts: Iterable[tuple[str, tuple[int, int, int]]], rows: Iterable[str],
               previous: str | None = None, *, document_pages: Sequence[TablePage] | None = None,
               registry_pages: Sequence[TablePage] | None = None) -> Iterator[str]:
    """The index, in parts: ``unit_counts`` (doc_id, counts) of every annotated document and
    ``rows`` (``index_row``) of every document, in doc_id order, each read once; ``previous``:
    the version the site's diff page compares with, when it has one. With ``document_pages``
    (a release larger than a page), the documents table and the units-per-document chart are
    on those pages (``table_page``) and the index lists them, reading neither iterable; with
    ``registry_pages``, likewise the registry table."""
    # every label of the contract, a bar of 0 too, then any others the release holds
    plots = [bar_chart(title, [(label, labels[label]) for label in _ordered(set(labels) | set(known), known)])
             for title, labels, known in (("Entity mentions by label", tally.entity_labels, ENTITY_LABELS),
                                          ("Time expressions by label", tally.timex_labels, TIMEX_LABELS),
                                          ("Quotes by type", tally.quote_types, QUOTE_TYPES))]
    totals = tally.totals

    def body() -> Iterator[str]:
        yield (
            f'<main class="index"><h1>{escape(corpus)}</h1>\n'
            f'<p class="summary">Release {escape(contents.version)}: {tally.documents} documents, '
            f"{totals[0]} entity mentions, {totals[1]} time expressions, {totals[2]} quotes; "
            f"{len(contents.registry)} registry entities. Hover a publisher or date for its evidence."
            + (f' <a href="diff.html">What changed since {escape(previous)}</a>.' if previous else "") + "</p>\n"
            f'<section class="plots">{"".join(plots)}')
        if document_pages is None:
            yield from _units_chart(unit_counts, tally.annotated, tally.most_units)
        yield '</section>\n<h2 id="documents">Documents</h2>\n'
        if document_pages is None:
            yield from _table(_DOCUMENTS_HEAD, rows, "\n")
        else:
            yield (_page_list("documents", document_pages, "documents")
                   + "<p>Each page charts the units of its documents, on one scale for the whole release.</p>\n")
        yield '<h2 id="registry">Entity registry</h2>\n'
        if registry_pages is None:
            yield from _table(_REGISTRY_HEAD, (registry_row(entity, tally) for entity in contents.registry.values()),
                              "")
        else:
            yield _page_list("registry", registry_pages, "entities")
        yield "</main>"

    return page_parts("Index", body(), prefix="", corpus=corpus, version=contents.version, css_class="page-index")


# the page numbers a page links: the first and last _ENDS and _AROUND either side of its own, the
# rest elided; a table of at most 2 * (_ENDS + _AROUND) pages has them all (Django's
# Paginator.get_elided_page_range, with its defaults). Every page linked each page was 1,000
# links on each of 1,000 pages for a million documents.
_ENDS, _AROUND = 2, 3


def shown_pages(count: int, current: int) -> list[int | None]:
    """The numbers of the pages page ``current`` of ``count`` links, in order, None where some
    are elided; a gap of one page shows that page, not an ellipsis standing for it."""
    if count <= 2 * (_ENDS + _AROUND):
        return list(range(1, count + 1))
    wanted = sorted({*range(1, _ENDS + 1), *range(count - _ENDS + 1, count + 1),
                     *range(max(1, current - _AROUND), min(count, current + _AROUND) + 1)})
    shown: list[int | None] = []
    for number in wanted:
        if shown and number - shown[-1] == 2:
            shown.append(number - 1)
        elif shown and number - shown[-1] > 2:
            shown.append(None)
        shown.append(number)
    return shown


def _page_navigation(pages: Sequence[TablePage], current: int) -> str:
    """Previous and next, then the pages ``shown_pages`` names by number (the current one
    unlinked, "…" for those elided), each titled with the ids of its first and last rows."""
    before = f'<a rel="prev" href="{pages[current - 2].href}">← previous</a>' if current > 1 else ""
    after = f'<a rel="next" href="{pages[current].href}">next →</a>' if current < len(pages) else ""
    numbers = " ".join(
        "…" if number is None else f"<strong>{number}</strong>" if number == current else
        f'<a href="{pages[number - 1].href}" title="{_span(pages[number - 1])}">{number}</a>'
        for number in shown_pages(len(pages), current))
    return f'<nav class="pages">{" ".join(part for part in (before, after) if part)} · pages {numbers}</nav>\n'


def _one_of_pages(title: str, head: str, whole: str, page: TablePage, pages: Sequence[TablePage],
                  listed: Iterable[str], *, corpus: str, version: str, css_class: str) -> Iterator[str]:
    """Page ``page`` of a table or list split into ``pages``: ``head`` (up to the ids of its first
    and last rows in its heading), how many of ``whole`` it holds, then ``listed`` with the
    navigation between pages above and below it."""
    def body() -> Iterator[str]:
        navigation = _page_navigation(pages, page.number)
        yield (f"{head}{_span(page)}</h1>\n"
               f"<p>Page {page.number} of {len(pages)}: {page.rows} of {whole}.</p>\n{navigation}")
        yield from listed
        yield navigation + "</main>"

    return page_parts(f"{title}, page {page.number}", body(), prefix="../", corpus=corpus, version=version,
                      css_class=css_class)


def documents_page(page: TablePage, pages: Sequence[TablePage], contents: ReleaseContents, tally: IndexTally,
                   corpus: str, unit_counts: Sequence[tuple[str, tuple[int, int, int]]],
                   rows: Sequence[str]) -> Iterator[str]:
    """``documents/<n>.html``: the rows (``index_row`` with prefix "../") of one page of the
    documents table, and the units chart of its annotated documents (``unit_counts``), drawn to
    the release's largest document so that bars compare across pages."""
    def listed() -> Iterator[str]:
        yield '<section class="plots">'
        yield from _units_chart(unit_counts, len(unit_counts), tally.most_units)
        yield "</section>\n"
        yield from _table(_DOCUMENTS_HEAD, rows, "\n")

    return _one_of_pages("Documents", '<main class="index"><h1 id="documents">Documents ',
                         f"the release's {tally.documents} documents", page, pages, listed(), corpus=corpus,
                         version=contents.version, css_class="page-index")


def registry_page(page: TablePage, pages: Sequence[TablePage], contents: ReleaseContents, tally: IndexTally,
                  corpus: str, entities: Sequence[RegistryEntity]) -> Iterator[str]:
    """``registry/<n>.html``: one page of the registry table."""
    return _one_of_pages("Entity registry", '<main class="index"><h1 id="registry">Entity registry ',
                         f"the release's {len(contents.registry)} registry entities", page, pages,
                         _table(_REGISTRY_HEAD, (registry_row(entity, tally, "../") for entity in entities), ""),
                         corpus=corpus, version=contents.version, css_class="page-index")


def _entity_type(entity: RegistryEntity) -> str:
    return f'<span class="swatch lab-{escape(entity.type)}"></span>{escape(entity.type)}'


def _wikidata(qid: str | None) -> str:
    if qid is None:
        return _null("none", "no Wikidata id: none is certain")
    return f'<a class="qid" href="https://www.wikidata.org/wiki/{escape(qid)}">{escape(qid)}</a>'


def _legend(document: ReleasedDocument) -> str:
    entity_counts = Counter(m.label for m in document.entities)
    timex_counts = Counter(t.label for t in document.timexes)
    items = [f'<span class="key"><span class="swatch lab-{escape(label)}"></span>{escape(label)} '
             f'<span class="count">{entity_counts[label]}</span></span>'
             for label in _ordered(entity_counts, ENTITY_LABELS)]
    items += [f'<span class="key"><span class="sample tx">{escape(label)}</span> <span class="count">'
              f'{timex_counts[label]}</span></span>' for label in _ordered(timex_counts, TIMEX_LABELS)]
    items += [f'<span class="key"><span class="sample {css}">{kind}</span></span>'
              for css, kind in (("q", "QUOTE"), ("src", "SOURCE"), ("cue", "CUE"))]
    return '<div class="legend">' + "".join(items) + "</div>"


def _facts(*pairs: tuple[str, str]) -> str:
    """The list of what a document or entity page is about: (name, its value as HTML) each."""
    return '<dl class="meta">' + "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in pairs) + "</dl>\n"


def _layer_switches(document: ReleasedDocument, pieces: PlacedPieces) -> str:
    boxes = [f'<label><input type="checkbox" data-layer="{layer}" checked> {_LAYER_NAMES[layer]} ({count})</label>'
             for layer, count in zip(LAYERS, counts(document))]
    if pieces.unavailable is None:
        boxes.append(f'<label><input type="checkbox" data-layer="removed" data-show="1"> removed by normalization '
                     f'({len(pieces.pieces)})</label>')
    else:
        boxes.append(_null("removed text not available", pieces.unavailable))
    return '<fieldset class="layers"><legend>layers</legend>' + " ".join(boxes) + "</fieldset>"


def _quote_panel(quotes: Sequence[Quote], registry: Mapping[str, RegistryEntity]) -> str:
    def part(name: str, region) -> str:
        """A quote's source or cue (``name``): a link to its region in the text, or none."""
        return (f'<dt>{name}</dt><dd class="null">none</dd>' if region is None else
                f'<dt>{name}</dt><dd><a href="#{name}-{escape(region.id)}">{escape(region.text)}</a></dd>')

    items = []
    for quote in quotes:
        parts = [f'<a class="qtype qt-{escape(quote.quote_type)}" href="#quote-{escape(quote.id)}">'
                 f"{escape(quote.quote_type)}</a> <span class=\"qtext\">{escape(quote.text)}</span>", "<dl>",
                 part("source", quote.source)]
        if quote.source is not None:
            speaker = quote.source.speaker_id
            who = (_null("unknown speaker") if speaker is None else
                   f'<a href="../entity/{page_href(speaker)}">{escape(_entity_tip(speaker, registry))}</a>'
                   if speaker in registry else escape(speaker))
            parts.append(f"<dt>speaker</dt><dd>{who}</dd>")
        parts += [part("cue", quote.cue), "</dl>"]
        items.append(f'<li data-quote="{escape(quote.id)}">' + "".join(parts) + "</li>")
    return (f'<aside class="panel"><h2>Quotes ({len(quotes)})</h2><ol class="quotes">' + "\n".join(items)
            + "</ol></aside>")


def document_page(document: ReleasedDocument, contents: ReleaseContents, pieces: PlacedPieces, corpus: str,
                  neighbours: tuple[str | None, str | None], changes: str = "") -> str:
    """``changes``: the section ``document_changes`` made for it, if any."""
    marks = _marks(document, contents.registry)
    inserts = [(position, _removed_marker(piece)) for position, piece in pieces.pieces]
    previous, following = neighbours
    publisher, date = _published(document)
    navigation = " ".join(part for part in (
        f'<a rel="prev" href="{page_href(previous)}">← {escape(previous)}</a>' if previous else "",
        f'<a rel="next" href="{page_href(following)}">{escape(following)} →</a>' if following else "") if part)
    body = (
        f'<main id="doc" class="document" data-doc="{escape(document.doc_id)}">\n'
        f'<nav class="neighbours">{navigation}</nav>\n'
        f'<h1>{escape(document.title or "(untitled)")}</h1>\n'
        + _facts(("doc_id", escape(document.doc_id)), ("split", escape(document.split)), ("publisher", publisher),
                 ("date", date), ("raw file", f"{escape(document.raw_file)} ({escape(document.raw_encoding)})"),
                 ("normalizer", escape(document.normalizer_version)))
        + ("" if document.annotated else
           '<p class="unannotated">Not annotated yet: this release has its text only, so no units here '
           "is no finding.</p>\n")
        + f"{_layer_switches(document, pieces)}\n{_legend(document)}\n"
        '<div class="columns">\n'
        f'<div class="text" id="text">{annotated_text(document.text, marks, inserts)}</div>\n'
        f"{_quote_panel(document.quotes, contents.registry)}\n</div>\n{changes}</main>"
    )
    return "".join(page_parts(document.title or document.doc_id, (body,), prefix="../", corpus=corpus,
                              version=contents.version, css_class="page-document"))


def _joins_previous(text: str, at: int) -> bool:
    """Whether a cut before ``text[at]`` would split what a reader sees as one character: a letter
    from its combining mark (or variation selector), an emoji from its skin tone, or the two sides of
    a zero-width joiner (an emoji sequence), a flag's tag characters from its black flag, or the
    two regional indicators of a flag (a cut after an odd number of them in a row)."""
    if at <= 0 or at >= len(text):
        return False
    char = text[at]
    if _REGIONAL_INDICATOR[0] <= char <= _REGIONAL_INDICATOR[1]:
        before = at
        while before > 0 and _REGIONAL_INDICATOR[0] <= text[before - 1] <= _REGIONAL_INDICATOR[1]:
            before -= 1
        if (at - before) % 2:
            return True
    return (unicodedata.category(char)[0] == "M" or "\U0001f3fb" <= char <= "\U0001f3ff"
            or "\U000e0020" <= char <= "\U000e007f" or char == "\u200d" or text[at - 1] == "\u200d")


_REGIONAL_INDICATOR = ("\U0001f1e6", "\U0001f1ff")  # A to Z: a flag is two of them ("🇸🇾")


def _context(text: str, start: int, end: int) -> str:
    left = max(0, start - CONTEXT)
    right = min(len(text), end + CONTEXT)
    # widened, not narrowed: the context may not cut a character apart, and a mention's own
    # edges are the annotation's
    while _joins_previous(text, left):
        left -= 1
    while _joins_previous(text, right):
        right += 1

    def flat(part: str) -> str:
        return escape(" ".join(part.split("\n")), quote=False)

    return (("…" if left else "") + flat(text[left:start]) + f"<mark>{flat(text[start:end])}</mark>"
            + flat(text[end:right]) + ("…" if right < len(text) else ""))


def _item(document: ReleasedDocument, kind: str, unit_id: str, shown: str) -> str:
    """An item on an entity page: a link to the unit (its mark's element id) on its document's page, then ``shown``."""
    return (f'<li data-doc="{escape(document.doc_id)}" data-id="{escape(unit_id)}">'
            f'<a href="../doc/{page_href(document.doc_id)}#{kind}-{escape(unit_id)}">{escape(document.doc_id)}</a> '
            f"{shown}</li>")


def mention_item(document: ReleasedDocument, mention: EntityMention) -> str:
    """A mention's item on its entity's page, with its context."""
    return _item(document, "entity", mention.id,
                 f'<span class="label lab-{escape(mention.label)}">{escape(mention.label)}</span> '
                 f'<span class="context">{_context(document.text, mention.span.start, mention.span.end)}</span>')


def attributed_item(document: ReleasedDocument, quote: Quote) -> str:
    """A quote's item on its speaker's page."""
    cue = f' · cue “{escape(quote.cue.text)}”' if quote.cue is not None else ""
    return _item(document, "quote", quote.id,
                 f'<span class="qtype qt-{escape(quote.quote_type)}">{escape(quote.quote_type)}</span> '
                 f'<span class="qtext">{escape(quote.text)}</span> '
                 f'<span class="via">source “{escape(quote.source.text)}”{cue}</span>')


# an entity's lists: the directory of their pages (named as the lists' class) -> what their pages
# are headed, before the entity's name, and what an item is
ENTITY_LISTS = {"mentions": ("Mentions of", "mentions"), "attributed": ("Quotes attributed to", "quotes")}


EntityList = tuple[Sequence[str], Sequence[TablePage] | None]  # (its items, None), or ([], its pages)


def entity_page(entity: RegistryEntity, mentions: EntityList, quotes: EntityList, version: str, corpus: str) -> str:
    """``mentions``: its mentions (``mention_item``); ``quotes``: the quotes whose speaker it is
    (``attributed_item``); both in document order. A list with pages (more items than a page
    holds) is on those pages (``entity_list_page``), and the page lists them in place of items."""
    aliases = ", ".join(escape(alias) for alias in entity.aliases) or _null("none")

    def listed(directory: str, heading: str, items: Sequence[str], pages: Sequence[TablePage] | None) -> str:
        if pages is None:
            return f'<h2>{heading} ({len(items)})</h2>\n<ol class="{directory}">' + "\n".join(items) + "</ol>\n"
        return (f"<h2>{heading} ({sum(page.rows for page in pages)})</h2>\n"
                + _page_list(f"../{directory}", pages, ENTITY_LISTS[directory][1]))

    body = (
        f'<main class="entity" data-entity="{escape(entity.id)}">\n<h1>{escape(entity.name)}</h1>\n'
        + _facts(("id", escape(entity.id)), ("type", _entity_type(entity)), ("aliases", aliases),
                 ("Wikidata", _wikidata(entity.wikidata)),
                 ("description", escape(entity.description) or "<span class=null>none</span>"))
        + listed("mentions", "Mentions", *mentions)
        + listed("attributed", f"Quotes attributed to {escape(entity.name)}", *quotes)
        + "</main>"
    )
    return "".join(page_parts(entity.name, (body,), prefix="../", corpus=corpus, version=version,
                              css_class="page-entity"))


def entity_list_page(entity: RegistryEntity, directory: str, page: TablePage, pages: Sequence[TablePage],
                     items: Sequence[str], version: str, corpus: str) -> Iterator[str]:
    """``<directory>/<id>.<n>.html``: one page of an entity's list (``directory`` a key of
    ``ENTITY_LISTS``), its items numbered on from the pages before it."""
    heading, what = ENTITY_LISTS[directory]
    listed = (f'<ol class="{directory}" start="{(page.number - 1) * pages[0].rows + 1}">', "\n".join(items), "</ol>\n")
    return _one_of_pages(f"{heading} {entity.name}",
                         f'<main class="entity" data-entity="{escape(entity.id)}">\n<h1>{heading} '
                         f'<a href="../entity/{page_href(entity.id)}">{escape(entity.name)}</a>: ',
                         f"its {sum(each.rows for each in pages)} {what}", page, pages, listed, corpus=corpus,
                         version=version, css_class="page-entity")


def diff_page(diff, corpus: str, version: str, documents: Iterable[str]) -> Iterator[str]:
    """What changed since the previous release (corpus_tools.release.diff): counts per layer and
    kind; the changes outside documents, in full; then a line per document with its counts,
    linked to the changes on its page (``document_changes``) when the release holds it: a page of
    every change is more than a browser opens well at scale (docs/viewer.md). In parts, read from
    the diff's log."""
    log = ChangeLog.of(diff.changes)
    present = set(documents)
    old, new = escape(diff.old_version), escape(diff.new_version)

    def body() -> Iterator[str]:
        verdict = ("The data did not change." if not diff.changes else f"{len(diff.changes)} changes; by the "
                   f"version rule they need a {escape(required_bump(diff))} version.")
        yield (f'<main class="diff"><h1>Changes from {old} to {new}</h1>\n'
               f'<p class="summary">{verdict} <code>corpus-tools diff {old} {new}</code> lists the same.</p>\n')
        if not diff.changes:
            yield "</main>"
            return
        kinds = change_counts(diff)
        rows = "".join(f"<tr><td>{escape(layer)}</td><td>{escape(kind_phrase(layer, kind))}</td>"
                       f'<td class="n">{number}</td></tr>'
                       for layer, numbers in kinds.items() for kind, number in numbers.items())
        yield _table_head("diff-counts", "layer", "change", "count") + f"{rows}</tbody></table>\n"
        per_document: dict[str, Counter] = {}
        for doc_id, layer, kind, total, _ in sorted(log.totals("documents")):
            per_document.setdefault(doc_id, Counter())[layer, kind] += total
        order = [(layer, kind) for layer, numbers in kinds.items() for kind in numbers]
        items = _change_items(log.of_document(None))
        if items:
            yield f"<h3>the release as a whole</h3>\n{items}\n"
        lines = "".join(
            "<tr><td>" + (f'<a href="doc/{page_href(doc_id)}#changes">{escape(doc_id)}</a>' if doc_id in present
                          else f"{escape(doc_id)} (not in this release)") + "</td><td>"
            + "; ".join(f"{escape(layer)} · {escape(kind_phrase(layer, kind))} {tally[layer, kind]}"
                        for layer, kind in order if tally[layer, kind]) + "</td></tr>"
            for doc_id, tally in per_document.items())
        if lines:
            yield ('<h3>Documents</h3>\n<p>Each document\'s changes are listed on its page; those of a document '
                   f"this release no longer holds by <code>corpus-tools diff {old} {new} --doc DOC_ID</code>.</p>\n"
                   + _table_head("diff-documents", "document", "changes") + f"{lines}</tbody></table>\n")
        yield "</main>"

    return page_parts(f"Changes since {diff.old_version}", body(), prefix="", corpus=corpus, version=version,
                      css_class="page-diff")


def document_changes(changes: Iterable, since: str) -> str:
    """A document page's section of what changed in it since the release ``since`` (its changes
    in report order, the documents layer's first); "" when nothing did. A document new since
    then says so: every unit on its page is new, and a line per unit would say no more."""
    changes = iter(changes)
    first = next(changes, None)
    if first is None:
        return ""
    if (first.layer, first.kind) == ("documents", "added"):
        said = f"<p>New since {escape(since)}: every unit on this page is.</p>"
    else:
        said = _change_items(itertools.chain([first], changes))
    return f'<section id="changes"><h2>Changes since {escape(since)}</h2>\n{said}</section>\n'


def _change_items(changes: Iterable) -> str:
    items = "".join(f'<li><span class="kind">{escape(change.layer)} · {escape(kind_phrase(change.layer, change.kind))}'
                    f"</span> {escape(describe(change))}</li>" for change in changes)
    return f'<ul class="changes">{items}</ul>' if items else ""
