"""Arrow arrays of Python values or numpy arrays, made without ``pyarrow.array``.

``pyarrow.array`` and ``pyarrow.scalar`` import pandas on their first call of a process
(corpus_tools.buffers says what that costs). ``array`` lays the same values out from
corpus_tools.buffers' buffers: ``array(values, t)`` equals ``pyarrow.array(values, t)``, nested
lists and structs included, so the parquet written from it is the same bytes.
"""

from __future__ import annotations

from array import array as typed_array
from itertools import accumulate
from typing import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from corpus_tools.buffers import encode, validity_of

# the Arrow type of each column kind of corpus_tools.buffers (int32, int64, float64, bool, string,
# timestamp in microseconds, UTC)
KIND_TYPES = {"i32": pa.int32(), "i64": pa.int64(), "f64": pa.float64(), "bool": pa.bool_(), "str": pa.string(),
              "ts": pa.timestamp("us", tz="UTC")}
_KINDS = {arrow_type: kind for kind, arrow_type in KIND_TYPES.items()}
_NUMPY = {pa.int32(): np.int32, pa.int64(): np.int64, pa.float64(): np.float64}


def from_buffers(arrow_type: pa.DataType, column: tuple) -> pa.Array:
    """A column of corpus_tools.buffers (``encode``'s tuple) as an Arrow array, its buffers wrapped, not copied."""
    length, nulls, *buffers = column
    return pa.Array.from_buffers(arrow_type, length, [None if buffer is None else pa.py_buffer(buffer)
                                                      for buffer in buffers], nulls)


def array(values: Sequence | np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    """``values`` (None for null) as an Arrow array of ``arrow_type``: int32, int64, float64,
    bool, string, timestamp (us, UTC), or lists and structs of these (a struct's values as dicts
    or as tuples in field order). A value that does not fit raises TypeError, ValueError or
    OverflowError, as ``pyarrow.array`` raises one of its own."""
    if isinstance(values, np.ndarray):
        return _of_numpy(values, arrow_type)
    kind = _KINDS.get(arrow_type)
    if kind is not None:
        return from_buffers(arrow_type, encode(kind, values))
    nulls, bits = validity_of(values)
    validity = None if bits is None else pa.py_buffer(bits)
    if pa.types.is_list(arrow_type):
        offsets = typed_array("i", accumulate((0 if row is None else len(row) for row in values), initial=0))
        items = array([item for row in values if row is not None for item in row], arrow_type.value_type)
        return pa.ListArray.from_buffers(arrow_type, len(values), [validity, pa.py_buffer(offsets)], nulls,
                                         children=[items])
    if pa.types.is_struct(arrow_type):
        # a null struct's fields are the empty values pyarrow.array gives them (0, "", [], ...)
        children = [array([_empty(field.type) if row is None else row.get(field.name) if isinstance(row, dict)
                           else row[position] for row in values], field.type)
                    for position, field in enumerate(arrow_type)]
        return pa.StructArray.from_buffers(arrow_type, len(values), [validity], nulls, children=children)
    raise TypeError(f"no Arrow array of {arrow_type} from Python values")


def _empty(arrow_type: pa.DataType):
    if pa.types.is_list(arrow_type):
        return []
    if pa.types.is_struct(arrow_type):
        return {field.name: _empty(field.type) for field in arrow_type}
    return "" if arrow_type == pa.string() else False if arrow_type == pa.bool_() else 0


def _of_numpy(values: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    if values.dtype == object:  # Python values after all (np.repeat of ints and None, say)
        return array(values.tolist(), arrow_type)
    if arrow_type == pa.bool_():
        if values.dtype != np.bool_:
            raise TypeError(f"expected bools, got numpy {values.dtype}")
        bits = np.packbits(values, bitorder="little")
        return pa.Array.from_buffers(arrow_type, len(values), [None, pa.py_buffer(bits)])
    if arrow_type not in _NUMPY:
        raise TypeError(f"no Arrow array of {arrow_type} from numpy {values.dtype}")
    if values.dtype.kind not in ("iuf" if arrow_type == pa.float64() else "iu"):
        raise TypeError(f"expected {arrow_type} values, got numpy {values.dtype}")
    data = np.ascontiguousarray(values, dtype=_NUMPY[arrow_type])
    if not np.array_equal(data, values):
        raise OverflowError(f"a value does not fit {arrow_type}")
    return pa.Array.from_buffers(arrow_type, len(values), [None, pa.py_buffer(data)])


def scalar(value, arrow_type: pa.DataType) -> pa.Scalar:
    """``value`` as an Arrow scalar of ``arrow_type``, for compute functions (``pa.scalar`` imports pandas)."""
    return array([value], arrow_type)[0]


def first_true(mask: pa.Array | pa.ChunkedArray) -> int | None:
    """The position of the first true value of a boolean array without nulls, None when there is
    none (``pc.index(mask, True)`` makes its Python True a scalar by importing pandas)."""
    at = pc.index(mask, scalar(True, pa.bool_())).as_py()
    return None if at < 0 else at
