"""Measurement (c): the floor. Parse the whole export with orjson, write every span to one parquet.

Nothing is checked and nothing streams: this is about the least work any tool that reads the
export and writes its spans can do, and its memory grows with the file.

    python -m bench.floor EXPORT.json OUT.parquet
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

COLUMNS = ("doc_id", "task_id", "annotation_id", "region_id", "layer", "label", "start", "end", "text")


def span_columns(tasks: list[dict]) -> dict[str, list]:
    """One row per labelled region of every non-cancelled annotation."""
    columns: dict[str, list] = {name: [] for name in COLUMNS}
    for task in tasks:
        doc_id = task["data"]["doc_id"]
        for annotation in task["annotations"]:
            if annotation.get("was_cancelled"):
                continue
            for result in annotation["result"]:
                if result.get("type") != "labels":
                    continue
                value = result["value"]
                row = (doc_id, task["id"], annotation["id"], result["id"], result["from_name"],
                       value["labels"][0], value["start"], value["end"], value["text"])
                for name, item in zip(COLUMNS, row):
                    columns[name].append(item)
    return columns


def write_floor(export: Path, out: Path) -> int:
    tasks = orjson.loads(export.read_bytes())
    table = pa.table(span_columns(tasks))
    pq.write_table(table, out)
    return table.num_rows


def main(argv: list[str] | None = None) -> None:
    export, out = map(Path, argv if argv is not None else sys.argv[1:])
    print(write_floor(export, out), "spans")


if __name__ == "__main__":
    main()
