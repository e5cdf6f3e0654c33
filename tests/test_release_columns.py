"""Flat list and struct columns: the same Arrow arrays (and parquet bytes) as nested Python rows;
rows built a group of documents at a time: the same release."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_tools.records import Document, DocumentAnnotations, EntityMention, Span
from corpus_tools.release import ShardSizes, build_release
from corpus_tools.release import build as build_module
from corpus_tools.release.arrow_schemas import arrow_schema
from corpus_tools.release.splits import fold_of
from corpus_tools.release.columns import Flat, Struct, Utf8, concat, length, split, to_arrow, to_pylist
from corpus_tools.release.rows import DocInput, kb_rows
from corpus_tools.release.writer import ShardedWriter
from release_factories import spread_inputs

SMALL_SHARDS = ShardSizes(rows_per_shard=5, batch_rows=2, document_rows_per_shard=3, document_batch_rows=2)

STRINGS = pa.list_(pa.string())
INTS = pa.list_(pa.int32())
NORMALIZED = pa.list_(pa.struct([("db_name", pa.string()), ("db_id", pa.string())]))
REGION = pa.struct([("id", pa.string()), ("text", STRINGS), ("offsets", pa.list_(pa.list_(pa.int64()))),
                    ("normalized", NORMALIZED)])


def _utf8(strings) -> Utf8:
    """A Utf8 column of ``strings`` (the ner builder makes its own from a text's bytes)."""
    encoded = [string.encode("utf-8") for string in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(item) for item in encoded], out=offsets[1:])
    return Utf8(np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets)


def _assert_same(column, rows: list, arrow_type: pa.DataType) -> None:
    converted = to_arrow(column, arrow_type)
    expected = pa.array(rows, type=arrow_type)
    assert converted.validate(full=True) is None
    assert converted.type == expected.type and converted.equals(expected)
    assert converted.nbytes == expected.nbytes  # the card's num_bytes sums these
    assert converted.null_count == expected.null_count
    assert to_pylist(column) == expected.to_pylist() == rows
    assert length(column) == len(rows)


@pytest.mark.parametrize("rows", [[], [[]], [[], []], [["a"]], [["a", "b"], [], ["c"]], [[], ["x"], []]])
def test_flat_strings_equal_nested_lists(rows):
    values = [value for row in rows for value in row]
    _assert_same(Flat(values, [len(row) for row in rows]), rows, STRINGS)
    _assert_same(Flat(values, np.array([len(row) for row in rows], dtype=np.int64)), rows, STRINGS)


def test_flat_numpy_ints_equal_nested_lists():
    rows = [[1, 2, 3], [], [2_000_000_000], [0]]
    _assert_same(Flat(np.array([1, 2, 3, 2_000_000_000, 0], dtype=np.int64), [3, 0, 1, 1]), rows, INTS)
    with pytest.raises(OverflowError):  # a value beyond the type fails as pa.array fails, not wraps
        to_arrow(Flat(np.array([2**40]), [1]), INTS)


def _regions(rows: list[list[dict]]) -> Flat:
    """kb-like rows (lists of regions) as a flat struct column."""
    regions = [region for row in rows for region in row]
    links = [region["normalized"] for region in regions]
    return Flat(Struct({
        "id": [region["id"] for region in regions],
        "text": Flat([text for region in regions for text in region["text"]], [len(r["text"]) for r in regions]),
        "offsets": Flat(Flat([o for r in regions for pair in r["offsets"] for o in pair],
                             [len(pair) for r in regions for pair in r["offsets"]]),
                        [len(r["offsets"]) for r in regions]),
        "normalized": Flat(Struct({"db_name": [link["db_name"] for row in links for link in row],
                                   "db_id": [link["db_id"] for row in links for link in row]}),
                           [len(row) for row in links]),
    }), [len(row) for row in rows])


def _region(name: str, links: int = 0) -> dict:
    return {"id": name, "text": [name], "offsets": [[0, len(name)]],
            "normalized": [{"db_name": "registry", "db_id": None if i else name} for i in range(links)]}


@pytest.mark.parametrize("rows", [[], [[]], [[_region("a")]], [[_region("a", 2), _region("b")], [], [_region("c", 1)]]])
def test_flat_structs_equal_nested_rows(rows):
    _assert_same(_regions(rows), rows, pa.list_(REGION))


def test_lengths_must_cover_the_values():
    with pytest.raises(ValueError):
        to_arrow(Flat(["a", "b"], [1]), STRINGS)


def test_struct_fields_must_follow_the_type():
    with pytest.raises(TypeError):
        to_arrow(Struct({"db_id": ["x"], "db_name": ["y"]}), NORMALIZED.value_type)


rows_of_tokens = st.lists(st.lists(st.sampled_from(["a", "bb", "", "ë"]), max_size=4), max_size=8)


@settings(max_examples=80, deadline=None)
@given(st.lists(rows_of_tokens, min_size=1, max_size=5), st.data())
def test_concat_and_split_keep_rows_in_order(chunks, data):
    columns = [Flat([value for row in chunk for value in row], np.array([len(row) for row in chunk], dtype=np.int64))
               for chunk in chunks]
    rows = [row for chunk in chunks for row in chunk]
    whole = concat(columns)
    assert to_pylist(whole) == rows
    count = data.draw(st.integers(0, len(rows)))
    head, tail = split(whole, count)
    assert to_pylist(head) == rows[:count] and to_pylist(tail) == rows[count:]
    _assert_same(head, rows[:count], STRINGS)


@settings(max_examples=80, deadline=None)
@given(st.lists(rows_of_tokens, min_size=1, max_size=5), st.data())
def test_utf8_columns_concat_split_and_convert_as_lists_of_strings(chunks, data):
    """Strings given as UTF-8 bytes: the very arrays pa.array gives, through concat and split too."""
    columns = [Flat(_utf8([value for row in chunk for value in row]), [len(row) for row in chunk]) for chunk in chunks]
    rows = [row for chunk in chunks for row in chunk]
    whole = concat(columns)
    _assert_same(whole, rows, STRINGS)
    count = data.draw(st.integers(0, len(rows)))
    head, tail = split(whole, count)
    _assert_same(head, rows[:count], STRINGS)
    _assert_same(tail, rows[count:], STRINGS)
    strings = [value for row in rows for value in row]
    _assert_same(_utf8(strings), strings, pa.string())
    with pytest.raises(TypeError):
        to_arrow(_utf8(strings), pa.large_string())


def _write(tmp_path, name: str, documents: list[dict]) -> list[tuple[bytes, int, int]]:
    """Write ner-like columns one document at a time, in row groups that cut through documents:
    each shard's bytes, rows and Arrow size (the card's num_bytes)."""
    writer = ShardedWriter(tmp_path / name, "ner", "train", rows_per_shard=7, batch_rows=3)
    for columns in documents:
        writer.extend(columns, len(columns["id"]))
    return [((tmp_path / name / shard.path).read_bytes(), shard.num_rows, shard.num_bytes) for shard in writer.close()]


def test_writer_gives_the_same_bytes_for_flat_and_nested_columns(tmp_path):
    sentences = [[["A", "b"], ["c"], []], [], [["d", "e", "f"]], [["g"], ["h", "i"], ["j"], ["k"]]]
    nested, flat = [], []
    for number, document in enumerate(sentences):
        ids = [f"d{number}-{index}" for index in range(len(document))]
        starts = [list(range(len(sentence))) for sentence in document]
        base = {"id": ids, "doc_id": [f"d{number}"] * len(document), "fold": [number % 5] * len(document),
                "sentence": list(range(len(document)))}
        nested.append({**base, "tokens": document, "token_starts": starts, "token_ends": starts,
                       "ner_tags": [[0] * len(sentence) for sentence in document]})
        lengths = np.array([len(sentence) for sentence in document], dtype=np.int64)
        values = np.array([value for row in starts for value in row], dtype=np.int32)
        flat.append({**base, "sentence": np.arange(len(document), dtype=np.int32),
                     "tokens": Flat([token for sentence in document for token in sentence], lengths),
                     "token_starts": Flat(values, lengths), "token_ends": Flat(values, lengths),
                     "ner_tags": Flat(np.zeros(len(values), dtype=np.int64), lengths)})
    assert _write(tmp_path, "flat", flat) == _write(tmp_path, "nested", nested)
    first = tmp_path / "flat" / "data" / "ner" / "train-00000-of-00002.parquet"
    assert pq.read_table(first).column("tokens").to_pylist() == [["A", "b"], ["c"], [], ["d", "e", "f"], ["g"],
                                                                 ["h", "i"], ["j"]]
    assert pq.ParquetFile(first).metadata.num_row_groups == 3


def test_kb_row_of_a_document_without_regions():
    document = Document("d", "T", "Nothing here.", None, None, (), "test", "")
    item = DocInput.of(document, DocumentAnnotations("d", (), (), ()), "train")
    columns, count = kb_rows([item])
    schema = arrow_schema("kb")
    batch = pa.RecordBatch.from_arrays([to_arrow(columns[field.name], field.type) for field in schema], schema=schema)
    assert count == 1 and batch.to_pylist() == [{
        "id": "d", "document_id": "d", "fold": fold_of("d"),
        "passages": [{"id": "d-text", "type": "text", "text": ["Nothing here."], "offsets": [[0, 13]]}],
        "entities": [], "events": [], "coreferences": [], "relations": [],
    }]


def test_kb_entities_list_a_shared_region_once():
    text = "Ann said hi."
    mention = EntityMention("e1", "d", Span(0, 3), "Ann", "PERSON", "ann")
    item = DocInput.of(Document("d", "T", text, None, None, (), "test", ""),
                       DocumentAnnotations("d", (mention, mention), (), ()), "train")
    entities = to_pylist(kb_rows([item])[0]["entities"])
    assert entities == [[{"id": "e1", "type": "PERSON", "text": ["Ann"], "offsets": [[0, 3]],
                          "normalized": [{"db_name": "corpus_tools_registry", "db_id": "ann"}]}]]


@pytest.mark.parametrize("group", [1, 2, 5])
def test_rows_built_in_groups_give_the_same_release(tmp_path, monkeypatch, group):
    """Documents' rows are built and written a group at a time; shards, row groups and every
    byte stay those of one document at a time."""
    def build(name: str, size: int):
        monkeypatch.setattr(build_module, "_GROUP_DOCUMENTS", size)
        documents, annotations, registry = spread_inputs(extra=9)
        return build_release(documents, annotations, registry, tmp_path / name, "1.0.0", sizes=SMALL_SHARDS).path

    one, grouped = build("one", 1), build("grouped", group)
    files = sorted(path.relative_to(one).as_posix() for path in one.rglob("*") if path.is_file())
    assert files == sorted(path.relative_to(grouped).as_posix() for path in grouped.rglob("*") if path.is_file())
    assert all((one / name).read_bytes() == (grouped / name).read_bytes() for name in files)
    assert any(name.startswith("data/ner/") for name in files)


def test_quote_rows_of_a_group_line_up_sources_and_cues_across_documents():
    """Quotes with and without a source or cue, in several documents of one group: each row's
    raw offsets are its own span's, None where it has no span."""
    from corpus_tools.records import Cue, Quote, Source
    from corpus_tools.release.rows import quote_rows, raw_span
    from release_factories import document

    def item(doc_id: str, with_source: bool) -> DocInput:
        doc = document(doc_id, "Ann said: \u201cHi.\u201d Bob said no.\n")
        quotes = (Quote("q1", doc_id, Span(10, 15), "\u201cHi.\u201d", "direct",
                        Source("s1", Span(0, 3), "Ann", None) if with_source else None, None),
                  Quote("q2", doc_id, Span(24, 26), "no", "indirect", None, Cue("c2", Span(20, 24), "said")))
        return DocInput.of(doc, DocumentAnnotations(doc_id, (), (), quotes), "train")

    items = [item("a", True), item("b", False), item("c", True)]
    columns, count = quote_rows(items)
    assert count == 6
    assert columns["doc_id"] == ["a", "a", "b", "b", "c", "c"]
    assert columns["source_start"] == [0, None, None, None, 0, None]
    source, cue = raw_span(items[0].document, Span(0, 3)), raw_span(items[0].document, Span(20, 24))
    assert columns["source_raw_start"] == [source[0], None, None, None, source[0], None]
    assert columns["source_raw_end"] == [source[1], None, None, None, source[1], None]
    assert columns["cue_raw_start"] == [None, cue[0], None, cue[0], None, cue[0]]
    quote_ends = [raw_span(items[0].document, Span(10, 15))[1], raw_span(items[0].document, Span(24, 26))[1]]
    assert to_pylist(columns["raw_end"]) == quote_ends * 3
    single = [quote_rows([one]) for one in items]
    assert all(to_pylist(columns[name]) == [value for part, _ in single for value in to_pylist(part[name])]
               for name in columns)


def test_unit_rows_give_each_unit_its_own_columns_and_provenance():
    """The entity and timex rows of a group: each record's own columns (entity_id, value, mod) and
    its unit provenance's fields, null where none was computed for it."""
    from corpus_tools.records import TimeExpression, UnitProvenance
    from corpus_tools.release.rows import entity_rows, timex_rows
    from release_factories import document

    def item(doc_id: str, provenance: tuple) -> DocInput:
        mention = EntityMention("e1", doc_id, Span(0, 3), "Ann", "PERSON", "ann")
        timex = TimeExpression("t1", doc_id, Span(12, 18), "Monday", "DATE", "2024-05-06", "APPROX")
        return DocInput.of(document(doc_id, "Ann came on Monday.\n"),
                           DocumentAnnotations(doc_id, (mention,), (timex,), (), unit_provenance=provenance), "train")

    items = [item("a", (("e1", UnitProvenance(("1", "2"), 3, False)), ("t1", UnitProvenance((), 2, True)))),
             item("b", ())]
    entities, count = entity_rows(items)
    assert count == 2 and entities["entity_id"] == ["ann", "ann"]
    assert (entities["agreed_by"], entities["annotators"], entities["adjudicated"]) == (
        [("1", "2"), None], [3, None], [False, None])
    timexes, count = timex_rows(items)
    assert count == 2 and (timexes["value"], timexes["mod"]) == (["2024-05-06"] * 2, ["APPROX"] * 2)
    assert (timexes["agreed_by"], timexes["annotators"], timexes["adjudicated"]) == ([(), None], [2, None], [True, None])


def test_quote_and_document_rows_carry_the_speaker_and_the_fold():
    """A quote's speaker_id is its source's, beside the source's own id; a documents row's fold is
    its document's (fold_of)."""
    from corpus_tools.records import Quote, Source
    from corpus_tools.release.rows import document_rows, quote_rows
    from release_factories import document

    quote = Quote("q1", "a", Span(10, 15), "\u201cHi.\u201d", "direct", Source("s1", Span(0, 3), "Ann", "ann"), None)
    item = DocInput.of(document("a", "Ann said: \u201cHi.\u201d\n"), DocumentAnnotations("a", (), (), (quote,)), "train")
    quotes, _ = quote_rows([item])
    assert (quotes["source_id"], quotes["speaker_id"], quotes["cue_id"]) == (["s1"], ["ann"], [None])
    assert document_rows([item])[0]["fold"] == [fold_of("a")] == [3]
