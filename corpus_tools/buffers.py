"""Python values as the buffers of an Arrow column, made with the standard library only.

The first ``pyarrow.array`` (or ``pyarrow.scalar``) of a process imports pandas, some 33 MB more
in a process that needs none of it (bench/README.md). So ingest's checking workers, which do not
import pyarrow, send their columns as these buffers, and corpus_tools.arrays builds every other
array the package makes from Python values out of them. ``encode`` lays them out the way
``pyarrow.array`` does, so the arrays, and the parquet written from them, are the same bytes.
"""

from __future__ import annotations

import datetime
from array import array
from itertools import accumulate

# A column: (length, null count, validity bitmap or None, then its buffers: the values, or for
# strings the offsets and the UTF-8 data), every buffer as bytes.
Column = tuple

_TYPECODES = {"i32": "i", "i64": "q", "f64": "d"}
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)
_BITS = bytes.maketrans(b"\x00\x01", b"01")
_ZERO = {"i32": 0, "i64": 0, "f64": 0.0, "bool": False, "ts": _EPOCH}


def encode(kind: str, values: tuple | list) -> Column:
    """``values`` (None for null) as an Arrow column of ``kind``, the way ``pyarrow.array``
    makes it (a validity bitmap only when there are nulls; a naive datetime is taken as UTC).
    A value not of the kind raises TypeError, ValueError or OverflowError."""
    length = len(values)
    nulls, validity = validity_of(values)
    if kind == "str":
        texts = [("" if value is None else value) for value in values] if nulls else values
        try:
            joined = "".join(texts)
        except TypeError:
            wrong = next(value for value in texts if not isinstance(value, str))
            raise TypeError(f"expected a string, got {type(wrong).__name__} {wrong!r}") from None
        data = joined.encode("utf-8")
        # one encoding of the whole column; a string's length in bytes is its length in characters
        # when it is ASCII (a flag CPython keeps), else it is encoded again to count its bytes
        sizes = (map(len, texts) if len(data) == len(joined)
                 else (len(text) if text.isascii() else len(text.encode("utf-8")) for text in texts))
        return length, nulls, validity, array("i", accumulate(sizes, initial=0)).tobytes(), data
    if nulls:
        values = tuple(_ZERO[kind] if value is None else value for value in values)
    if kind == "bool":
        flags = bytes(values)  # a TypeError for a value that is no number
        if flags.translate(None, b"\x00\x01"):
            raise TypeError(f"expected a bool, got {[value for value in values if value not in (0, 1)][0]!r}")
        return length, nulls, validity, bitmap(flags)
    if kind == "ts":
        values = [(value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)) - _EPOCH
                  for value in values]
        return length, nulls, validity, array("q", [delta // _MICROSECOND for delta in values]).tobytes()
    return length, nulls, validity, array(_TYPECODES[kind], values).tobytes()


def validity_of(values: tuple | list) -> tuple[int, bytes | None]:
    """The number of None among ``values`` and their validity bitmap: None when there is no
    null, as ``pyarrow.array`` leaves it out."""
    nulls = values.count(None)
    return nulls, bitmap(bytes(value is not None for value in values)) if nulls else None


def bitmap(flags: bytes) -> bytes:
    """Bytes of 0 and 1 as an Arrow bitmap (least significant bit first), padded to whole bytes."""
    if not flags:
        return b""
    return int(flags.translate(_BITS)[::-1], 2).to_bytes((len(flags) + 7) // 8, "little")
