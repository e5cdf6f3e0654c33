"""The streaming export reader: tasks one at a time, hashing and copying in the same pass, clear errors."""

from __future__ import annotations

import hashlib
import io
import json
import tracemalloc
from pathlib import Path

import ijson
import pytest

from corpus_tools.errors import CorpusError
from corpus_tools.exports import ExportStream, iter_tasks
from export_corpus import BAD_INPUTS, EXPORTS


def test_the_c_backend_of_ijson_is_in_use():
    assert ijson.backend == "yajl2_c"


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


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_files_that_are_no_export_raise_a_located_error(name):
    with pytest.raises(CorpusError) as caught:
        list(iter_tasks(EXPORTS / name))
    assert caught.value.code == BAD_INPUTS[name]
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


def test_memory_stays_flat_in_the_number_of_tasks(tmp_path: Path):
    """Reading a 3,000-task export (~13 MB) never holds more than a few tasks' worth of memory."""
    template = json.loads((EXPORTS / "valid.json").read_bytes())[0]
    path = tmp_path / "big.json"
    with open(path, "wb") as out:
        out.write(b"[")
        for task_id in range(3000):
            out.write((b"," if task_id else b"") + json.dumps({**template, "id": task_id}).encode())
        out.write(b"]")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_tasks(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 3000
    assert size > 8_000_000
    assert peak < 4_000_000, f"peak {peak} bytes for a {size}-byte file"
