"""Which split a document belongs to: a function of its doc_id alone.

The rule: take the first 8 bytes of sha256(doc_id) as a big-endian integer, modulo 100; buckets
0-79 are train, 80-89 validation, 90-99 test. It never looks at other documents, so adding
articles never moves an existing one, and a document keeps its split in every later release.
Splits approach 80/10/10 only as the corpus grows; with few documents they can be empty.
"""

from __future__ import annotations

import hashlib

# (split, first bucket not in it), in the order splits are listed everywhere
SPLIT_BOUNDS = (("train", 80), ("validation", 90), ("test", 100))
SPLITS = tuple(name for name, _ in SPLIT_BOUNDS)


def bucket(doc_id: str) -> int:
    return int.from_bytes(hashlib.sha256(doc_id.encode("utf-8")).digest()[:8], "big") % 100


def split_of(doc_id: str) -> str:
    value = bucket(doc_id)
    return next(name for name, bound in SPLIT_BOUNDS if value < bound)
