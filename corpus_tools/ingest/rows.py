"""The rows of the units tables (corpus_tools.ingest.units) of checked tasks, as columns in
Arrow's memory layout (corpus_tools.buffers): what a worker process of corpus_tools.ingest.store
sends back, made without pyarrow (corpus_tools.ingest.units wraps the buffers as record batches
of its schemas, without copying them).

``COLUMNS`` declares each table's columns and their kinds, once.
"""

from __future__ import annotations

from corpus_tools.buffers import Column, encode
from corpus_tools.ingest.checks import CheckedTask

# The columns of the units tables, in order, each with its kind: int32, int64, float64, bool,
# string, timestamp (microseconds, UTC). The one declaration of their schema:
# corpus_tools.ingest.units makes the Arrow schemas of it (this module runs in the checking
# workers, which do not import pyarrow).
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "tasks": (
        ("task_index", "i32"), ("byte_offset", "i64"), ("task_id", "i64"), ("doc_id", "str"), ("text_sha256", "str"),
        ("text_changed", "bool"), ("spans_reanchored", "i32"), ("excluded", "bool"),
    ),
    "annotations": (
        ("annotation_index", "i32"), ("task_index", "i32"), ("position", "i32"), ("prediction", "bool"),
        ("id", "i64"), ("annotator", "str"), ("ground_truth", "bool"), ("cancelled", "bool"), ("created_at", "ts"),
        ("updated_at", "ts"), ("lead_time", "f64"), ("model_version", "str"), ("score", "f64"), ("excluded", "bool"),
        ("unique_id", "str"), ("from_prediction", "bool"),
    ),
    "regions": (
        ("annotation_index", "i32"), ("id", "str"), ("layer", "str"), ("label", "str"), ("start", "i32"),
        ("end", "i32"), ("doc_start", "i32"), ("doc_end", "i32"), ("entity_id", "str"), ("timex_value", "str"),
        ("timex_mod", "str"), ("quote_type", "str"), ("speaker_id", "str"), ("score", "f64"), ("excluded", "bool"),
    ),
    "relations": (
        ("annotation_index", "i32"), ("from_id", "str"), ("to_id", "str"), ("label", "str"), ("excluded", "bool"),
    ),
    "problems": (
        ("task_index", "i32"), ("code", "str"), ("severity", "str"), ("message", "str"), ("task_id", "i64"),
        ("doc_id", "str"), ("annotation_id", "i64"), ("annotation_ref", "str"), ("region_id", "str"),
    ),
}
KINDS = {name: tuple(kind for _, kind in columns) for name, columns in COLUMNS.items()}
WIDTHS = {name: len(kinds) for name, kinds in KINDS.items()}

Columns = dict[str, list[Column]]  # table name -> its columns


class RowsBuilder:
    """Turns checked tasks (in file order) into rows of the five tables, as tuples in each
    table's column order; ``columns`` hands them over column by column."""

    def __init__(self):
        self.rows: dict[str, list[tuple]] = {name: [] for name in WIDTHS}
        self.annotation_index = 0

    def add(self, checked: CheckedTask) -> None:
        rows = self.rows
        task_index = checked.index
        rows["tasks"].append((task_index, checked.byte_offset, checked.task_id, checked.doc_id, checked.text_sha256,
                              checked.text_changed, checked.reanchored, checked.excluded))
        for problem in checked.problems:
            where = problem.location
            named = isinstance(where.annotation_id, int)
            rows["problems"].append((task_index, problem.code, problem.severity, problem.message, where.task_id,
                                     where.doc_id, where.annotation_id if named else None,
                                     None if named else where.annotation_id, where.region_id))
        annotations, regions, relations = rows["annotations"], rows["regions"], rows["relations"]
        for annotation in (*checked.annotations, *checked.predictions):
            index = self.annotation_index
            self.annotation_index += 1
            excluded = checked.excluded or annotation.excluded or annotation.cancelled
            annotations.append((index, task_index, annotation.position, annotation.prediction, annotation.id,
                                annotation.annotator, annotation.ground_truth, annotation.cancelled,
                                annotation.created_at, annotation.updated_at, annotation.lead_time,
                                annotation.model_version, annotation.score, excluded, annotation.unique_id,
                                annotation.from_prediction))
            for region in annotation.regions.values():
                span = region.span or (None, None)
                values = region.values
                regions.append((index, region.id, region.layer, region.label, region.start, region.end, span[0],
                                span[1], values.get("entity_id"), values.get("timex_value"),
                                values.get("timex_mod"), values.get("quote_type"), values.get("speaker_id"),
                                region.score, excluded or region.excluded or region.span is None
                                or region.label is None))
            for link in annotation.links:
                relations.append((index, link.from_id, link.to_id, link.label, excluded or link.excluded))

    def columns(self) -> Columns:
        """The rows gathered so far, column by column in Arrow's layout (then forgotten)."""
        columns = {}
        for name, rows in self.rows.items():
            values = zip(*rows) if rows else [()] * WIDTHS[name]
            columns[name] = [encode(kind, column) for kind, column in zip(KINDS[name], values)]
            rows.clear()
        return columns
