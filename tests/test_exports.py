"""The streaming export reader: tasks one at a time, hashing and copying in the same pass, clear errors."""

from __future__ import annotations

import hashlib
import io
import json
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from corpus_tools.errors import CorpusError
from corpus_tools.ingest.reader import ExportStream, iter_tasks
from corpus_tools.ingest.split import SplitError, split_array
from export_corpus import EXPORTS, UNREADABLE


def test_tasks_come_one_by_one_as_dicts():
    tasks = list(iter_tasks(EXPORTS / "valid.json"))
    assert [task["id"] for task in tasks] == [1, 2]
    assert [task["data"]["doc_id"] for task in tasks] == ["doc-a", "doc-b"]
    assert tasks[1]["data"]["text"].startswith("Posted \U0001F642 by")
    assert tasks[0]["annotations"][0]["result"][0]["value"] == {
        "start": 43, "end": 57, "text": "Antony Blinken", "labels": ["PERSON"]}


def test_one_pass_hashes_and_copies_the_bytes_verbatim():
    path = EXPORTS / "valid.json"
    copy = io.BytesIO()
    stream = ExportStream(path, copy_to=copy)
    assert len(list(stream)) == 2
    assert copy.getvalue() == path.read_bytes()
    assert stream.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert stream.size == path.stat().st_size


def test_the_hash_is_not_available_before_the_end():
    stream = ExportStream(EXPORTS / "valid.json")
    next(iter(stream))
    with pytest.raises(RuntimeError):
        stream.sha256


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_files_that_are_no_export_raise_a_located_error(name):
    with pytest.raises(CorpusError) as caught:
        list(iter_tasks(EXPORTS / name))
    assert caught.value.code == UNREADABLE[name]
    assert caught.value.location.file.endswith(name)
    assert "\n" not in str(caught.value)


def test_a_task_that_is_not_a_task_is_named_by_position():
    with pytest.raises(CorpusError) as caught:
        list(iter_tasks(EXPORTS / "bad-not-tasks.json"))
    assert caught.value.location.task_id == "#1"
    assert "id, data, annotations" in caught.value.message


def test_a_byte_order_mark_is_reported(tmp_path: Path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + (EXPORTS / "valid.json").read_bytes())
    with pytest.raises(CorpusError, match="byte-order mark") as caught:
        list(iter_tasks(path))
    assert caught.value.code == "export-not-json"


def test_a_cut_anywhere_is_reported_as_truncation(tmp_path: Path):
    content = (EXPORTS / "valid.json").read_bytes()
    for cut in range(1, len(content) - 1, 211):
        path = tmp_path / f"cut-{cut}.json"
        path.write_bytes(content[:cut])
        with pytest.raises(CorpusError) as caught:
            list(iter_tasks(path))
        assert caught.value.code == "export-truncated", cut


def test_the_error_after_some_tasks_says_how_many_were_complete(tmp_path: Path):
    tasks = json.loads((EXPORTS / "valid.json").read_bytes())
    content = json.dumps(tasks).encode()
    path = tmp_path / "cut.json"
    path.write_bytes(content[: len(content) - 100])
    with pytest.raises(CorpusError, match="after 1 complete task"):
        list(iter_tasks(path))


def _peak_while_reading(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_tasks(path))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_in_the_number_of_tasks(tmp_path: Path):
    """Reading 3,000 tasks (~13 MB) takes no more memory than reading 500: one task and one chunk."""
    template = json.loads((EXPORTS / "valid.json").read_bytes())[0]
    peaks = {}
    for count in (500, 3000):
        path = tmp_path / f"{count}.json"
        with open(path, "wb") as out:
            out.write(b"[")
            for task_id in range(count):
                out.write((b"," if task_id else b"") + json.dumps({**template, "id": task_id}).encode())
            out.write(b"]")
        read, peaks[count] = _peak_while_reading(path)
        assert read == count
    assert path.stat().st_size > 12_000_000
    assert peaks[3000] < peaks[500] * 1.2 + 100_000, peaks
    assert peaks[3000] < 2_000_000, peaks


# --- the array splitter, against the standard library ---------------------------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                     st.text(alphabet='ab{}[]",:\\\n\t \u00e9\U0001F642', max_size=12))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(alphabet='k"\\{]', max_size=4), inner, max_size=4)),
    max_leaves=12)
_objects = st.dictionaries(st.text(alphabet='id"\\}', max_size=4), _values, max_size=5)


def _reader(data: bytes):
    stream = io.BytesIO(data)
    return stream.read


@settings(max_examples=150, deadline=None)
@given(st.lists(_objects, max_size=6), st.integers(1, 64), st.booleans())
def test_the_splitter_cuts_exactly_where_json_does(objects, chunk_size, indent):
    data = json.dumps(objects, ensure_ascii=False, indent=2 if indent else None).encode()
    pieces = list(split_array(_reader(data), chunk_size))
    assert [json.loads(piece) for _, piece in pieces] == objects
    assert all(data[offset:offset + len(piece)] == piece for offset, piece in pieces)


@settings(max_examples=100, deadline=None)
@given(st.lists(_objects, min_size=1, max_size=4), st.integers(1, 64), st.data())
def test_the_splitter_never_accepts_a_cut_file(objects, chunk_size, data):
    content = json.dumps(objects).encode()
    cut = data.draw(st.integers(1, len(content) - 1))
    with pytest.raises(SplitError) as caught:
        for _, piece in split_array(_reader(content[:cut]), chunk_size):
            json.loads(piece)
    assert caught.value.kind == "truncated"


@pytest.mark.parametrize(("content", "kind"), [
    (b'[{"a": 1} {"b": 2}]', "invalid"),
    (b'[{"a": 1},, {"b": 2}]', "invalid"),
    (b'[{"a": 1},]', "invalid"),
    (b'[1, 2]', "not-object"),
    (b'[{"a": 1}, "task"]', "not-object"),
    (b'[[{"a": 1}]]', "not-object"),
    (b'[{"a": 1}] []', "trailing"),
    (b'[{"a": 1}}', "invalid"),
    (b'[{"a": "\\"}]', "truncated"),
])
def test_the_splitter_names_what_is_wrong_between_tasks(content, kind):
    with pytest.raises(SplitError) as caught:
        list(split_array(_reader(content), 4))
    assert caught.value.kind == kind


@pytest.mark.parametrize("depth", [32_767, 32_768, 70_000])
def test_a_task_nested_deeper_than_sixteen_bits_is_cut_whole(depth):
    """The running depth does not wrap (an int16 did, at 32,768 levels: 'a closing bracket without
    its opening one'); the task is handed whole to the parser, which names the nesting."""
    task = b'{"a":' + b"[" * depth + b"]" * depth + b"}"
    pieces = list(split_array(_reader(b"[" + task + b', {"b": 1}]'), 1 << 16))
    assert [piece for _, piece in pieces] == [task, b'{"b": 1}']
