"""Which split and which cross-validation fold a document belongs to: functions of its doc_id.

Both come from sha256(doc_id), never from other documents, so adding articles changes neither
(where a document is *published* can change, once: see "declared" below):

* its **fold**: bytes 8-15 of the digest as a big-endian integer, modulo ``FOLDS`` (5). Folds
  are for cross-validation while the corpus is small, and stay the same in every later release.
* its **designated split**: bytes 0-7 of the digest as a big-endian integer, modulo 100 (its
  ``bucket``); buckets 0-79 are train, 80-89 validation, 90-99 test.

A split other than train is **declared** (published under its name) once at least
``MIN_SPLIT_DOCUMENTS`` documents are designated to it, and stays declared in every later
release (one that removes documents keeps the splits the release before it published); until
then its documents are published in train. So a document's published split can change once,
from train to validation or test, in the release that first declares that split (and never
again); the card says so. Splits approach 80/10/10 as the corpus grows.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

# (split, first bucket not in it), in the order splits are listed everywhere
SPLIT_BOUNDS = (("train", 80), ("validation", 90), ("test", 100))
SPLITS = tuple(name for name, _ in SPLIT_BOUNDS)
FOLDS = 5
# Fewer documents than this make a split whose scores say nothing (one article's quirks decide
# them); about 100 documents in all designate this many to validation and to test.
MIN_SPLIT_DOCUMENTS = 10


def _digest(doc_id: str) -> bytes:
    return hashlib.sha256(doc_id.encode("utf-8")).digest()


def bucket(doc_id: str) -> int:
    return int.from_bytes(_digest(doc_id)[:8], "big") % 100


def designated_split(doc_id: str) -> str:
    """The split a document's bucket designates, declared or not."""
    value = bucket(doc_id)
    return next(name for name, bound in SPLIT_BOUNDS if value < bound)


def fold_of(doc_id: str) -> int:
    """The document's cross-validation fold, 0 to FOLDS - 1 (independent of its bucket)."""
    return int.from_bytes(_digest(doc_id)[8:16], "big") % FOLDS


@dataclass(frozen=True, slots=True)
class SplitPlan:
    """The splits of one release: which are declared, and so where each document is published."""

    declared: tuple[str, ...]  # in SPLITS order; train always
    designated: tuple[tuple[str, int], ...]  # (split, documents designated to it), every split

    @classmethod
    def of(cls, doc_ids: Iterable[str], declared_before: Iterable[str] = ()) -> "SplitPlan":
        """The plan for ``doc_ids``; ``declared_before``: the splits the previous release published."""
        counts = Counter(designated_split(doc_id) for doc_id in doc_ids)
        kept = set(declared_before)
        declared = tuple(split for split in SPLITS
                         if split == "train" or counts[split] >= MIN_SPLIT_DOCUMENTS or split in kept)
        return cls(declared, tuple((split, counts[split]) for split in SPLITS))

    def split_of(self, doc_id: str) -> str:
        """Where the document is published: its designated split if declared, else train."""
        split = designated_split(doc_id)
        return split if split in self.declared else "train"

    @property
    def undeclared(self) -> tuple[str, ...]:
        return tuple(split for split in SPLITS if split not in self.declared)
