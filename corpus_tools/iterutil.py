"""Iteration helpers every stage shares."""

from __future__ import annotations

from itertools import islice
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size``, the last one shorter (itertools.batched, Python 3.12, as lists)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
