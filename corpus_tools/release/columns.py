"""Column values as the row builders give them and the writer turns them into Arrow arrays.

A column holds one value per row and is one of:

* a Python list (or tuple): any values, converted by ``corpus_tools.arrays.array`` with the column's type;
* a numpy array: numbers, converted without a Python object per value;
* ``Flat``: a list column given flat, every row's items one after another plus each row's item
  count, so that a list column costs one conversion of its items and an offsets array;
* ``Struct``: a struct column given as one column per field, in the type's field order;
* ``Utf8``: strings given as their UTF-8 bytes one after another plus each string's end, the
  buffers of an Arrow string array, so that strings cut out of a text by numpy (the ner tokens)
  never become Python objects.

Why: ``pa.array`` (and ``arrays.array``) on lists of lists (or of tuples, for structs) walks every nesting level in
Python objects; the ner config's million tokens per 2,000 documents and the kb config's nested
structs spent most of the writer's time there, and the row builders as long building the nested
lists. A flat column gives Arrow the same values, so the arrays (and the parquet bytes) are equal.
Flat and struct columns carry no nulls: a row builder that needs a null list or struct gives
nested Python values instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Any, Sequence, Union

import numpy as np
import pyarrow as pa

from corpus_tools.arrays import array


@dataclass(frozen=True, slots=True)
class Flat:
    """A list column: ``values`` holds every row's items in row order (itself a column),
    ``lengths`` each row's number of items (a list or a numpy array of ints)."""

    values: "Column"
    lengths: Sequence[int]


@dataclass(frozen=True, slots=True)
class Struct:
    """A struct column: one column per field, all of the same length, in the type's field order."""

    fields: dict[str, "Column"]


@dataclass(frozen=True, slots=True)
class Utf8:
    """A string column: ``data`` (uint8) holds every row's UTF-8 bytes in row order, string ``i``
    being ``data[offsets[i]:offsets[i + 1]]``; ``offsets`` (int64) starts at 0 and ends at ``len(data)``."""

    data: np.ndarray
    offsets: np.ndarray


Column = Union[list, tuple, np.ndarray, Flat, Struct, Utf8]


def length(column: Column) -> int:
    """Number of rows."""
    if isinstance(column, Flat):
        return len(column.lengths)
    if isinstance(column, Struct):
        return length(next(iter(column.fields.values())))
    if isinstance(column, Utf8):
        return len(column.offsets) - 1
    return len(column)


def concat(chunks: list[Column]) -> Column:
    """The rows of all chunks in order, as one column. The chunks of one column are of one kind
    (and one set of fields): the first chunk decides how they are joined."""
    if len(chunks) == 1:
        return chunks[0]
    first = chunks[0]
    if isinstance(first, Flat):
        return Flat(concat([chunk.values for chunk in chunks]), concat([chunk.lengths for chunk in chunks]))
    if isinstance(first, Struct):
        return Struct({name: concat([chunk.fields[name] for chunk in chunks]) for name in first.fields})
    if isinstance(first, Utf8):
        shifts = np.cumsum([0] + [len(chunk.data) for chunk in chunks[:-1]])
        return Utf8(np.concatenate([chunk.data for chunk in chunks]),
                    np.concatenate([first.offsets[:1]] + [chunk.offsets[1:] + shift for chunk, shift in zip(chunks, shifts)]))
    if isinstance(first, np.ndarray):
        return np.concatenate(chunks)
    return list(chain.from_iterable(chunks))


def split(column: Column, count: int) -> tuple[Column, Column]:
    """The first ``count`` rows, and the rest."""
    if isinstance(column, Flat):
        lengths = np.asarray(column.lengths, dtype=np.int64)
        size = int(lengths[:count].sum())
        head, tail = split(column.values, size)
        return Flat(head, lengths[:count]), Flat(tail, lengths[count:])
    if isinstance(column, Struct):
        parts = {name: split(field, count) for name, field in column.fields.items()}
        return (Struct({name: head for name, (head, _) in parts.items()}),
                Struct({name: tail for name, (_, tail) in parts.items()}))
    if isinstance(column, Utf8):
        size = column.offsets[count]
        return (Utf8(column.data[:size], column.offsets[:count + 1]),
                Utf8(column.data[size:], column.offsets[count:] - size))
    return column[:count], column[count:]


def to_arrow(column: Column, arrow_type: pa.DataType) -> pa.Array:
    """The column as an Arrow array of ``arrow_type``: the array ``pa.array(to_pylist(column))`` gives."""
    if isinstance(column, Flat):
        offsets = np.zeros(len(column.lengths) + 1, dtype=np.int64)
        np.cumsum(column.lengths, out=offsets[1:])
        if offsets[-1] != length(column.values):
            raise ValueError(f"the rows' lengths add up to {offsets[-1]}, but there are {length(column.values)} values")
        # int32 offsets, as pa.array gives for a list type; the conversion refuses an overflow
        return pa.ListArray.from_arrays(array(offsets, pa.int32()),
                                        to_arrow(column.values, arrow_type.value_type), type=arrow_type)
    if isinstance(column, Struct):
        fields = list(arrow_type)
        if [field.name for field in fields] != list(column.fields):
            raise TypeError(f"struct fields {list(column.fields)} are not {[field.name for field in fields]}")
        return pa.StructArray.from_arrays([to_arrow(column.fields[field.name], field.type) for field in fields],
                                          fields=fields)
    if isinstance(column, Utf8):
        if arrow_type != pa.string():
            raise TypeError(f"a Utf8 column is a string column, not {arrow_type}")
        # int32 offsets and no validity buffer, as pa.array gives for strings without nulls
        offsets = array(column.offsets, pa.int32())
        return pa.StringArray.from_buffers(length(column), offsets.buffers()[1], pa.py_buffer(column.data))
    return array(column, arrow_type)


def to_pylist(column: Column) -> list[Any]:
    """The rows as Python values (lists for list columns, dicts for structs): for error messages and tests."""
    if isinstance(column, Flat):
        values = to_pylist(column.values)
        ends = np.cumsum(np.asarray(column.lengths, dtype=np.int64)).tolist()
        return [values[end - size:end] for end, size in zip(ends, np.asarray(column.lengths).tolist())]
    if isinstance(column, Struct):
        fields = {name: to_pylist(field) for name, field in column.fields.items()}
        return [dict(zip(fields, values)) for values in zip(*fields.values())]
    if isinstance(column, Utf8):
        data, offsets = column.data.tobytes(), column.offsets.tolist()
        return [data[start:end].decode("utf-8") for start, end in zip(offsets, offsets[1:])]
    if isinstance(column, np.ndarray):
        return column.tolist()
    return list(column)
