"""What tests/test_viewer.py left unpinned of the site's pages (each found by a mutation that
failed none of its tests): the navigation below the rows of a page of a split table or list, and
the evidence on hover of the publisher and date in the index's documents table, and what the
layers are called on a document's switches and in the units-per-document chart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus_tools.view import build_site

RELEASE = Path(__file__).resolve().parents[1] / "dist" / "1.1.0"


@pytest.fixture(scope="module")
def unpaged(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("unpaged") / "site"
    build_site(RELEASE, out)
    return out


def test_the_documents_table_shows_each_publisher_and_date_with_its_own_evidence_on_hover(unpaged):
    html = (unpaged / "index.html").read_text("utf-8")
    row = re.search(r'<tr data-doc="001_d79359122f2d4c78">.*?</tr>', html).group()
    assert ('<td><span class="ev publisher" title="inferred: The State Department&#x27;s answer is reported as given '
            "to this outlet: &#x27;The US State Department told The New Arab that it will not comment on &quot;private "
            "diplomatic discussions&quot;&#x27; (line 19) and &#x27;a spokesperson for the State Department told The "
            "New Arab&#x27; (line 21). An outlet reporting what it was told is the publisher; no masthead states it."
            '">The New Arab</span></td><td><span class="ev date" title="stated on raw line 6: “25 April, 2024”">'
            "2024-04-25 (day)</span></td>") in row



def test_the_layers_are_named_on_a_documents_switches_and_in_the_units_chart(unpaged):
    page = (unpaged / "doc" / "001_d79359122f2d4c78.html").read_text("utf-8")
    assert ('<fieldset class="layers"><legend>layers</legend><label><input type="checkbox" data-layer="entities" '
            'checked> entities (76)</label> <label><input type="checkbox" data-layer="timexes" checked> time '
            'expressions (7)</label> <label><input type="checkbox" data-layer="quotes" checked> quotes (13)</label> '
            '<span class="null" title="no checkout given: the release does not carry removed text">removed text not '
            "available</span></fieldset>") in page
    index = (unpaged / "index.html").read_text("utf-8")
    assert ('<figcaption>Units per document <span class="key"><span class="swatch part-0"></span>entities</span>'
            '<span class="key"><span class="swatch part-1"></span>time expressions</span>'
            '<span class="key"><span class="swatch part-2"></span>quotes</span></figcaption>') in index


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("paged") / "site"
    build_site(RELEASE, out, page_size=3)  # 7 documents, 84 entities, their lists: all on pages
    return out


@pytest.mark.parametrize("page, listed, navigation", [
    ("documents/2.html", '<section class="plots">',
     '<nav class="pages"><a rel="prev" href="1.html">← previous</a> <a rel="next" href="3.html">next →</a> · pages '
     '<a href="1.html" title="000_cbeedfbee8440207 – 002_9bc3c6dfe5868321">1</a> <strong>2</strong> '
     '<a href="3.html" title="006_13b7e5813f40efdc">3</a></nav>\n'),
    ("registry/2.html", '<table class="registry">',
     '<nav class="pages"><a rel="prev" href="1.html">← previous</a> <a rel="next" href="3.html">next →</a> · pages '
     '<a href="1.html" title="abdullah-ii – afp">1</a> <strong>2</strong> '
     '<a href="3.html" title="albu-kamal – americans">3</a> <a href="4.html" title="amman – arab-league">4</a> '
     '<a href="5.html" title="arab-spring – austin-tice">5</a> … '
     '<a href="27.html" title="us-department-of-defense – us-state-department">27</a> '
     '<a href="28.html" title="washington-dc – white-house">28</a></nav>\n'),
    ("mentions/americans.2.html", '<ol class="mentions" start="4">',
     '<nav class="pages"><a rel="prev" href="americans.1.html">← previous</a> '
     '<a rel="next" href="americans.3.html">next →</a> · pages '
     '<a href="americans.1.html" title="000_cbeedfbee8440207 – 001_d79359122f2d4c78">1</a> <strong>2</strong> '
     '<a href="americans.3.html" title="005_2cde5fe42a71d5e6 – 006_13b7e5813f40efdc">3</a> '
     '<a href="americans.4.html" title="006_13b7e5813f40efdc">4</a></nav>\n'),
    ("attributed/antony-blinken.2.html", '<ol class="attributed" start="4">',
     '<nav class="pages"><a rel="prev" href="antony-blinken.1.html">← previous</a> '
     '<a rel="next" href="antony-blinken.3.html">next →</a> · pages '
     '<a href="antony-blinken.1.html" title="000_cbeedfbee8440207 – 002_9bc3c6dfe5868321">1</a> <strong>2</strong> '
     '<a href="antony-blinken.3.html" title="003_840a8be26e4ddaa5">3</a></nav>\n'),
])
def test_a_page_of_a_table_or_list_split_into_pages_has_its_navigation_above_and_below_its_rows(
        site, page, listed, navigation):
    html = (site / page).read_text("utf-8")
    main = html[html.index("<main"):html.index("</main>") + len("</main>")]
    assert re.findall(r'<nav class="pages">.*?</nav>\n', main) == [navigation, navigation]
    assert main.index(navigation) < main.index(listed)
    assert main.endswith(navigation + "</main>")
