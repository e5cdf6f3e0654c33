"""Iteration helpers every stage shares."""

from __future__ import annotations

from itertools import islice
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")

# The progress of work whose size the library learns only under way (from an index it builds, or
# the releases it opens): given that total, the ``on_progress`` called with the number of items
# just done (or None). A function of the total, not a plain ``on_progress``: the caller made its
# progress stage before the total was known (corpus_tools.cli.progress's stages). The total is
# None where the work learns none after all (a download the server does not say the size of).
Totalled = Callable[[int | None], Callable[[int], None] | None]


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size``, the last one shorter (itertools.batched, Python 3.12, as lists)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def overlapping(items: Iterable[T], span: Callable[[T], tuple[int, int]]) -> Iterator[tuple[T, T]]:
    """The pairs of ``items`` whose spans (``span``: start, end) overlap, each pair both ways, in
    (start, end) order: a sweep that keeps the widest span so far, so it is linear but for the
    pairs. Empty spans overlap nothing. The sweep behind errors.flat_overlaps, ingest's and the
    release's ``entity-overlap`` and ``timex-overlap`` (spans of a layer are flat)."""
    widest: T | None = None
    for item in sorted((item for item in items if span(item)[1] > span(item)[0]), key=span):
        if widest is not None and span(item)[0] < span(widest)[1]:
            yield item, widest
            yield widest, item
        if widest is None or span(item)[1] > span(widest)[1]:
            widest = item


def counted(items: Iterable[T], on_progress: Callable[[int], None] | None) -> Iterator[T]:
    """``items``, calling ``on_progress(1)`` after each has been handled (for a loop driven by
    what consumes them)."""
    for item in items:
        yield item
        if on_progress is not None:
            on_progress(1)
