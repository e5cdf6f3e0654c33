"""Small bar charts as inline SVG, drawn here: no plotting library, no script, no network.

Sizes are whole pixels computed with integer arithmetic, so the same counts give the same bytes.
"""

from __future__ import annotations

from html import escape
from typing import Iterable, Iterator

ROW = 18  # pixels per bar
LABEL_WIDTH = 150
BAR_WIDTH = 220
NUMBER_WIDTH = 50


def bar_chart(title: str, counts: list[tuple[str, int]], css_class: str = "") -> str:
    """Horizontal bars, one per (label, count), in the order given; labels get a ``lab-<label>`` class."""
    top = max((count for _, count in counts), default=0) or 1
    height = ROW * len(counts) + 4
    width = LABEL_WIDTH + BAR_WIDTH + NUMBER_WIDTH
    rows = []
    for i, (label, count) in enumerate(counts):
        y = 2 + i * ROW
        length = count * BAR_WIDTH // top
        rows.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar lab-{escape(label)}" x="{LABEL_WIDTH}" y="{y + 2}" width="{length}" height="{ROW - 4}"/>'
            f'<text x="{LABEL_WIDTH + length + 4}" y="{y + 13}">{count}</text>')
    return (f'<figure class="plot {escape(css_class)}"><figcaption>{escape(title)}</figcaption>'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
            + "".join(rows) + "</svg></figure>")


def stacked_chart(title: str, rows: Iterable[tuple[str, list[int]]], parts: list[str], *, count: int,
                  top: int) -> Iterator[str]:
    """One horizontal bar per row, split into ``parts`` (a ``part-<i>`` class each), with a legend;
    in parts, so the rows (``count`` of them, the largest summing to ``top``) are read once and
    never held."""
    top = top or 1
    height = ROW * count + 4
    width = LABEL_WIDTH + BAR_WIDTH + NUMBER_WIDTH
    legend = "".join(f'<span class="key"><span class="swatch part-{i}"></span>{escape(name)}</span>'
                     for i, name in enumerate(parts))
    yield (f'<figure class="plot stacked"><figcaption>{escape(title)} {legend}</figcaption>'
           f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">')
    for i, (label, values) in enumerate(rows):
        y = 2 + i * ROW
        x = LABEL_WIDTH
        bars = []
        for part, value in enumerate(values):
            length = value * BAR_WIDTH // top
            bars.append(f'<rect class="part-{part}" x="{x}" y="{y + 2}" width="{length}" height="{ROW - 4}">'
                        f'<title>{escape(label)}: {value} {escape(parts[part])}</title></rect>')
            x += length
        yield (f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{escape(label)}</text>'
               + "".join(bars) + f'<text x="{x + 4}" y="{y + 13}">{sum(values)}</text>')
    yield "</svg></figure>"
