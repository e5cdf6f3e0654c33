"""The rows of the units tables (corpus_tools.ingest.units) of checked tasks, as plain Python
columns: what a worker process of corpus_tools.ingest.store sends back, without importing
pyarrow (corpus_tools.ingest.units turns the columns into record batches of its schemas).

The column order of each table is that of ``units.SCHEMAS``.
"""

from __future__ import annotations

from corpus_tools.ingest.checks import CheckedTask

# The tables, in units.SCHEMAS's order, and the number of columns of each.
WIDTHS = {"tasks": 8, "annotations": 14, "regions": 15, "relations": 5, "problems": 9}

Columns = dict[str, list[tuple]]  # table name -> its columns (one tuple of values each)


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
                                annotation.model_version, annotation.score, excluded))
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
        """The rows gathered so far, column by column (then forgotten)."""
        columns = {}
        for name, rows in self.rows.items():
            columns[name] = list(zip(*rows)) if rows else [()] * WIDTHS[name]
            rows.clear()
        return columns
