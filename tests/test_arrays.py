"""corpus_tools.arrays (and corpus_tools.buffers, the columns ingest's workers send): the arrays
``pyarrow.array`` makes, built without it (which imports pandas)."""

from __future__ import annotations

import datetime
import io

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpus_tools.arrays import KIND_TYPES, array, from_buffers, scalar
from corpus_tools.buffers import encode

PLUS_TWO = datetime.timezone(datetime.timedelta(hours=2))
FLAT = {
    "i32": [(0, -5, 2**31 - 1), (None, 3, None, None, None, None, None, None, 7)],
    "i64": [(2**63 - 1, -(2**63)), (None,)],
    "f64": [(0.1, 1e300, -0.0), (None, 2.5)],
    "bool": [(True, False, True), (None, True, False, None, True, True, True, True, False, None)],
    "str": [("", "é", "\U0001f600 x"), (None, "", None, "ab")],
    "ts": [(datetime.datetime(2024, 5, 1, 12, 0, 0, 5, tzinfo=datetime.UTC),
            datetime.datetime(2024, 5, 1, 12, tzinfo=PLUS_TWO), datetime.datetime(2020, 1, 1, 0, 0, 1)),
           (None, datetime.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC))],
}
SPAN = pa.struct([("id", pa.string()), ("offsets", pa.list_(pa.list_(pa.int32()))),
                  ("normalized", pa.list_(pa.struct([("db_name", pa.string()), ("db_id", pa.string())]))),
                  ("flag", pa.bool_()), ("count", pa.int64())])
NESTED = [
    (pa.list_(pa.string()), [["a", None, "é"], [], None, ["b"]]),
    (pa.list_(pa.list_(pa.int64())), [[[1, 2], [], None], None, [[3]]]),
    (SPAN, [{"id": "T1", "offsets": [[0, 5]], "normalized": [{"db_name": "wikidata", "db_id": "Q1"}],
             "flag": True, "count": 3},
            None,
            {"id": None, "offsets": None, "normalized": [None, {"db_name": "x", "db_id": None}], "flag": None,
             "count": 0}]),
    (SPAN, [("T2", [[1, 2], [4, 6]], [], False, None), None]),  # a struct's values as tuples, in field order
    (pa.list_(SPAN), [[None, {"id": "T3", "offsets": [], "normalized": [], "flag": False, "count": 1}], None, []]),
]


def _parquet(values: pa.Array) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.table({"column": values}), sink, compression="zstd")
    return sink.getvalue()


@pytest.mark.parametrize("kind", sorted(FLAT))
def test_flat_columns_are_what_pyarrow_array_makes(kind):
    for values in [*FLAT[kind], ()]:
        made = from_buffers(KIND_TYPES[kind], encode(kind, values))  # as ingest's workers send them
        made.validate(full=True)
        assert made.equals(pa.array(values, type=KIND_TYPES[kind])), (kind, values)
        assert array(list(values), KIND_TYPES[kind]).equals(made)


@pytest.mark.parametrize("arrow_type, values", NESTED, ids=[str(arrow_type)[:40] for arrow_type, _ in NESTED])
def test_lists_and_structs_with_nulls_at_every_level_are_what_pyarrow_array_makes(arrow_type, values):
    made = array(values, arrow_type)
    made.validate(full=True)
    expected = pa.array(values, type=arrow_type)
    assert made.equals(expected)
    assert made.to_pylist() == expected.to_pylist()
    assert _parquet(made) == _parquet(expected)


def test_numpy_columns_are_checked_like_pyarrow_array():
    assert array(np.array([1, -2, 2**31 - 1]), pa.int32()).equals(pa.array([1, -2, 2**31 - 1], pa.int32()))
    assert array(np.array([True, False, True]), pa.bool_()).equals(pa.array([True, False, True]))
    assert array(np.array([3, None], dtype=object), pa.int64()).equals(pa.array([3, None], pa.int64()))
    assert array(np.array([1.5]), pa.float64()).equals(pa.array([1.5]))
    with pytest.raises(OverflowError):
        array(np.array([2**31]), pa.int32())
    with pytest.raises(TypeError):
        array(np.array([1.5]), pa.int64())
    with pytest.raises(TypeError):
        array(np.array([1, 0]), pa.bool_())


def test_a_value_that_does_not_fit_raises_as_pyarrow_array_does():
    with pytest.raises(TypeError, match="expected a string, got int 3"):
        array(["a", 3], pa.string())
    with pytest.raises(OverflowError):
        array([2**31], pa.int32())
    with pytest.raises(TypeError):
        array(["1"], pa.int64())
    with pytest.raises(TypeError, match="expected a bool, got 2"):
        array([True, 2], pa.bool_())
    with pytest.raises(TypeError, match="no Arrow array of"):
        array([1], pa.int8())


def test_scalars():
    assert scalar(5, pa.int32()).equals(pa.scalar(5, pa.int32()))
    assert scalar("", pa.string()).equals(pa.scalar("", pa.string()))
