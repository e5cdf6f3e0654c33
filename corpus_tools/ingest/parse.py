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

EXPORT_AS_JSON = ("export the project as JSON (Export > JSON in Label Studio, not JSON_MIN, CSV, TSV or "
                  "CONLL2003), or run `corpus-tools labelstudio pull`")
# Keys of a JSON_MIN record that a task never has at its top level.
_JSON_MIN_KEYS = frozenset({"annotator", "annotation_id", "lead_time"})


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
    if missing and (described := not_a_task(task)) is not None:
        raise CorpusError("export-not-tasks", described, location)
    if missing:
        raise CorpusError("export-not-tasks", f"element #{index + 1} is not a Label Studio task: "
                          f"{', '.join(missing)} missing or of the wrong type (the id an integer of 64 bits, data an "
                          "object, annotations a list; a task-import file has no 'annotations': ingest what "
                          "Label Studio exports as JSON)", location)


def not_a_task(record: Any) -> str | None:
    """What an element of the array is when it is a record Label Studio writes but no exported task:
    a JSON_MIN record (flat, with JSON_MIN's keys and no task's ``data`` or ``annotations``), or a
    task to import (``data`` and no ``id``: every exported task has its id; `labelstudio tasks`
    writes such files). Said of the first element from the head of the file
    (corpus_tools.ingest.formats), and of any element as it is read (a JSON_MIN record of a text
    past the head's 64 KiB)."""
    if not isinstance(record, dict):
        return None
    if "data" not in record and "annotations" not in record and _JSON_MIN_KEYS & record.keys():
        return ("a Label Studio JSON_MIN export (flat records with 'annotator' and 'annotation_id', no task 'data' "
                "or 'annotations'), not a JSON export: JSON_MIN keeps no region ids or relations; "
                f"{EXPORT_AS_JSON}")
    if isinstance(record.get("data"), dict) and "id" not in record:
        return ("a Label Studio task import file (tasks with 'data' and no 'id', as `corpus-tools labelstudio tasks` "
                "writes), not an export: import it (`corpus-tools labelstudio push` imports the corpus's tasks), "
                f"annotate, then {EXPORT_AS_JSON}")
    return None
