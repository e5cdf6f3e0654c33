"""One task of a Label Studio JSON export, from its bytes to its dict: parsed by jiter and
checked to be a task object at all (an id, a data object, an annotations list).

Kept apart from corpus_tools.ingest.reader (which cuts the file with numpy) so that the worker
processes of corpus_tools.ingest.store, which parse and check tasks, import neither numpy nor
pyarrow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from corpus_tools import strictjson
from corpus_tools.errors import CorpusError, Location
from corpus_tools.ingest.shapes import ID_MAX, ID_MIN


def parse_task(raw: bytes, index: int, offset: int, path: Path | str) -> dict[str, Any]:
    """The task dict of the bytes ``raw`` of task number ``index`` (from 0) at byte ``offset`` of
    ``path``, parsed strictly (corpus_tools.strictjson: no key twice, no NaN)."""
    try:
        task = strictjson.loads(raw)
    except strictjson.JSONError as error:
        code = "export-duplicate-key" if error.duplicate_key else "export-invalid-json"
        raise CorpusError(code, f"task #{index + 1} is not valid JSON: {error.message}",
                          Location(file=str(path), byte_offset=offset + error.offset)) from None
    _check_task_shape(task, index, path)
    return task


def _check_task_shape(task: Any, index: int, path: Path) -> None:
    """Each element must look like a Label Studio task with its annotations; else this is no export."""
    task_id = task.get("id") if isinstance(task, dict) else None
    usable = type(task_id) is int and ID_MIN <= task_id <= ID_MAX
    location = Location(file=str(path), task_id=task_id if usable else f"#{index + 1}")
    if not isinstance(task, dict):
        raise CorpusError("export-not-tasks", f"element #{index + 1} of the array is {strictjson.kind_of(task)}, "
                          "not a task object: this is not a Label Studio export", location)
    missing = [key for key, kind in (("id", int), ("data", dict), ("annotations", list))
               if not isinstance(task.get(key), kind) or isinstance(task.get(key), bool)]
    if not missing and not ID_MIN <= task["id"] <= ID_MAX:
        missing = ["id"]
    if missing:
        raise CorpusError("export-not-tasks", f"element #{index + 1} is not a Label Studio task: "
                          f"{', '.join(missing)} missing or of the wrong type (the id an integer of 64 bits, data an "
                          "object, annotations a list; a task-import file has no 'annotations': ingest what "
                          "Label Studio exports as JSON)", location)
