"""The annotation set: per document every annotator's version and the annotation the corpus uses.

Ranked from the stored exports' units tables (corpus_tools.ingest.units: made by ingest, or
rebuilt by its code when stale), never from the exports, so there is one reader of them. The
rules (which copy of an annotation counts, what a pull's snapshot and its deletions leave out,
whose version an annotation is, a displaced adjudication, which annotation is chosen, which
problems are reported) are in docs/validation.md, "The annotation set", and written once here:
``current_annotations`` (the newest copy), ``_deleted_in_label_studio``, ``adjudication``,
``ranked`` (versions and the chosen annotation) and ``_report`` (problems). Counts: the
checks' counts of every stored export in use (``AnnotationIndex.stats``).
"""

from __future__ import annotations

import dataclasses
import pickle
import sqlite3
import sys
from bisect import bisect_left, bisect_right
from collections import Counter
from datetime import datetime, timedelta
from typing import AbstractSet, Any, Callable, Iterable, Iterator, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from corpus_tools.annotations.annotators import corpus_ids, load_annotators
from corpus_tools.annotations.registry import load_registry
from corpus_tools.arrays import array, scalar
from corpus_tools.documents.index import DocumentIndex
from corpus_tools.documents.removals import removed_documents
from corpus_tools.errors import Location, Problem, Report
from corpus_tools.ingest.store import (
    ACCOUNTS_FILE, copy_time, exports_in_use, ground_truth_keys, inputs_digest, problem_key, stored_accounts,
    stored_exports, truth_keys, units_for, units_of,
)
from corpus_tools.ingest.units import Units, column_sum, problems_of
from corpus_tools.iterutil import Totalled
from corpus_tools.layout import Layout
from corpus_tools.records import (
    AnnotationSet, Cue, Document, DocumentAnnotations, EntityMention, Provenance, Quote, RegistryEntity, Source, Span,
    StoredExport,
    TimeExpression, annotator_key,
)

_NEVER = -(2**63)  # the moment of an annotation without a readable timestamp: before every other
_RANKED = ["annotation_index", "task_index", "position", "prediction", "annotator", "ground_truth", "excluded",
           "created_at", "updated_at", "id", "unique_id", "cancelled"]


# ---------------------------------------------------------------------------------------------
# Ranking: which annotation is whose version, and which is chosen


def current_annotations(units: list[Units], ids: list[dict[str, str]] | None = None,
                        truths: pa.Array | None = None, gone: pa.Array | None = None) -> pa.Table:
    """Each annotation of the stored exports as its newest copy says (module docstring), with
    what ranking needs; ``ids``: each export's corpus id of each user id
    (``annotators.corpus_ids``; None: user ids are the ids); ``truths``: the ``truth_keys`` of the
    annotations a stored export held as ground truth (None: none); ``gone``: the unique_ids of
    annotations deleted in Label Studio (None: none). An annotation is in every export pulled
    after it was made: counted here, once."""
    none = array([], pa.string())
    truths, gone = none if truths is None else truths, none if gone is None else gone
    parts = []
    for number, unit in enumerate(units):
        known_as = {} if ids is None else ids[number]
        annotations = unit.read("annotations", _RANKED)
        # excluded copies stay until each annotation's newest copy is found (``_usable``)
        kept = pc.invert(annotations["prediction"])
        if len(gone):
            kept = pc.and_(kept, pc.invert(pc.is_in(annotations["unique_id"], value_set=gone)))
        annotations = annotations.filter(kept)
        doc_ids = _looked_up(unit, "tasks", "task_index", annotations["task_index"], "doc_id")
        # every usable annotation has its annotator: ingest excludes one without (annotator-missing)
        who = _as_corpus_ids(annotations["annotator"], known_as)
        parts.append(pa.table({
            "doc_id": doc_ids, "who": who,
            "moment": pc.fill_null(copy_time(annotations), scalar(_NEVER, pa.int64())),
            "export": array([number] * annotations.num_rows, pa.int32()), "task_index": annotations["task_index"],
            "position": annotations["position"], "annotation_index": annotations["annotation_index"],
            "ground_truth": adjudication(annotations, truths), "excluded": annotations["excluded"],
            "cancelled": annotations["cancelled"],
            "identity": _identity(annotations, doc_ids, who, number),
        }))
    if not parts:
        return pa.table({"doc_id": array([], pa.string())})
    return _latest(pa.concat_tables(parts), ["identity"])


def _deleted_in_label_studio(stored: list[StoredExport], in_use: Mapping[str, Units],
                             units_of: Callable[[StoredExport], Units]) -> set[str]:
    """The unique_ids of annotations deleted in Label Studio: of each project, those an earlier
    pull held and its latest pull (in use: its units are ``in_use[name]``) does not hold (again:
    a database restored from a backup brings one back). A pull that a later one was compared with
    (``StoredExport.previous``) is not read: what it held and the later one lacks is that one's
    ``deleted`` list. The others are read (``units_of``): those a pull older than the latest
    stored one came after, those of two clones merged (each clone's first pull of a project was
    compared with none), and those stored before pulls recorded their deletions."""
    pulls: dict[tuple, list[StoredExport]] = {}
    for item in stored:
        if item.snapshot is not None:
            pulls.setdefault(item.snapshot.project_key, []).append(item)
    compared = {item.previous for item in stored if item.previous is not None}
    gone: set[str] = set()
    for items in pulls.values():
        (latest,) = (item for item in items if item.name in in_use)
        ids = set().union(*(item.deleted for item in items))
        for item in items:
            if item is not latest and item.name not in compared:
                ids.update(_unique_ids(units_of(item), _refused(latest)))
        if ids:
            gone |= ids - _unique_ids(in_use[latest.name])
    return gone


def _refused(pull: StoredExport) -> set[int]:
    """The ids of the tasks a pull was stored without (``--allow-partial``): its units hold none
    of their annotations, which Label Studio may hold still. (An annotation refused on its own is
    in the units, marked excluded.)"""
    # an id that is not a number is none the units tables hold
    return {task_id for _, task_id, annotation_id, region_id in pull.excluded
            if annotation_id is None and region_id is None and type(task_id) is int}


def _unique_ids(units: Units, refused: AbstractSet[int] = frozenset()) -> set[str]:
    """The unique_ids of the annotations in ``units``, but those of the ``refused`` tasks
    (``_refused``): the latest pull cannot say whether they were deleted."""
    rows = units.read("annotations", ["unique_id", "task_index"])
    if refused:
        of_task = _looked_up(units, "tasks", "task_index", rows["task_index"], "task_id")
        rows = rows.filter(pc.invert(pc.is_in(of_task, value_set=array(sorted(refused), pa.int64()))))
    return set(rows["unique_id"].drop_null().to_pylist())


def adjudication(annotations: pa.Table, truths: pa.Array) -> pa.ChunkedArray:
    """Whether each annotation (``unique_id``, ``updated_at``, ``ground_truth`` columns) is an
    adjudication: ground truth, or held as such under its update time by a stored export
    (``truths``), whose flag Label Studio cleared when another was saved on its task."""
    if not len(truths):
        return annotations["ground_truth"]
    # a row without a key is not held: is_in gives false for a null, as for any value not in the set
    return pc.or_(annotations["ground_truth"], pc.is_in(truth_keys(annotations), value_set=truths))


def _identity(annotations: pa.Table, doc_ids, who, number: int) -> pa.ChunkedArray:
    """Which annotation each row is, the same in every export that holds it: its id, document and
    annotator (``who``, the corpus's id: two Label Studio servers' user 1 are two people, and
    their annotation ids overlap), with Label Studio's unique_id when there is one (a file
    without unique_ids has the rest). Label Studio never changes any of them."""
    same = pc.binary_join_element_wise(
        pc.fill_null(annotations["unique_id"], scalar("", pa.string())), doc_ids, who,
        pc.cast(annotations["id"], pa.string()), scalar("\x1f", pa.string()))
    own = pc.binary_join_element_wise(  # without an id, no other row is this annotation
        scalar(f"{number}", pa.string()), pc.cast(annotations["annotation_index"], pa.string()),
        scalar("\x1e", pa.string()))
    return pc.coalesce(same, own)


def _as_corpus_ids(user_ids: pa.ChunkedArray, corpus_ids: dict[str, str]) -> pa.ChunkedArray:
    if not corpus_ids:
        return user_ids
    keys = sorted(corpus_ids)
    ids = pc.take(array([corpus_ids[key] for key in keys], pa.string()),
                  pc.index_in(user_ids, value_set=array(keys, pa.string())))
    return pc.coalesce(ids, user_ids)


def _looked_up(units: Units, table: str, key: str, keys, column: str):
    """``column`` of the row of each of ``keys`` in the ``key`` column (unique) of ``units``' ``table``."""
    rows = units.read(table, [key, column])
    return pc.take(rows[column], pc.index_in(keys, value_set=rows[key].combine_chunks()))


_RECENCY = [("moment", "ascending"), ("export", "ascending"), ("task_index", "ascending"), ("position", "ascending")]


def _latest(table: pa.Table, keys: list[str]) -> pa.Table:
    """The most recent row of each group of equal ``keys``."""
    if not table.num_rows:
        return table
    ordered = table.sort_by([(key, "ascending") for key in keys] + _RECENCY)
    last = [True] * ordered.num_rows
    columns = [ordered[key].to_pylist() for key in keys]
    for row in range(ordered.num_rows - 1):
        last[row] = any(column[row] != column[row + 1] for column in columns)
    return ordered.filter(array(last, pa.bool_()))


# The picked annotations, as tables: where each is (export number, annotation_index), its
# document, whose it is (its annotator) and whether it is ground truth; the chosen ones also
# say why they were chosen. Columns, not an object per annotation: a release holds them
# throughout, and they grow with the corpus.
PICKS = pa.schema([("doc_id", pa.string()), ("export", pa.int32()), ("annotation_index", pa.int32()),
                   ("annotator", pa.string()), ("ground_truth", pa.bool_())])
CHOSEN = PICKS.append(pa.field("reason", pa.string()))
# Roles: which annotations ``records`` builds, and the role each is yielded with (provenance
# reason), one row per role; an annotation's roles in the order of their rows.
ROLES = pa.schema([("export", pa.int32()), ("annotation_index", pa.int32()), ("role", pa.string())])


def ranked(current: pa.Table) -> tuple[pa.Table, pa.Table, frozenset[str]]:
    """The ranking of the current annotations (module docstring: the rules): every annotator's
    latest version per document and each person's latest ground-truth annotation, flagged
    (PICKS), the chosen annotation per document (CHOSEN, with its reason), and the documents
    whose most recent adjudication (a usable ground-truth annotation) is at least as recent as
    each of their annotators' versions: adjudicated, and nobody has annotated them since."""
    if not current.num_rows:
        return PICKS.empty_table(), CHOSEN.empty_table(), frozenset()
    adjudications, own = _usable(current)
    own = _latest(own, ["doc_id", "who"])
    # who as a string: the table's order, the same at every run; nothing shows it (every list of
    # annotators is put in records.annotator_key's order where it is made)
    versions = pa.concat_tables([own, _latest(adjudications, ["doc_id", "who"])]).sort_by(
        [("doc_id", "ascending"), ("who", "ascending"), ("ground_truth", "ascending")])
    # each document's latest row: of its adjudications, of its annotators' versions (by moment first)
    truths = _latest(adjudications, ["doc_id"])
    latest = _latest(own, ["doc_id"])
    versions_moment = dict(zip(latest["doc_id"].to_pylist(), latest["moment"].to_pylist()))
    adjudicated = frozenset(doc_id for doc_id, moment in zip(truths["doc_id"].to_pylist(), truths["moment"].to_pylist())
                            if moment >= versions_moment.get(doc_id, _NEVER))
    latest = latest.filter(pc.invert(pc.is_in(latest["doc_id"], value_set=truths["doc_id"])))
    return (_picks(versions), pa.concat_tables([_picks(table).append_column("reason", _repeat(reason, table.num_rows))
                                                for table, reason in ((latest, "latest"), (truths, "ground_truth"))]),
            adjudicated)


def _usable(current: pa.Table) -> tuple[pa.Table, pa.Table]:
    """The current annotations the ranking reads, as (the ground-truth ones, the others)."""
    # an annotation whose newest copy was left out (ingest --allow-partial) is left out: an older
    # copy is content its annotator has since changed (a ground-truth flag since removed, too)
    current = current.filter(pc.invert(current["excluded"]))
    return current.filter(current["ground_truth"]), current.filter(pc.invert(current["ground_truth"]))


class AnnotationIndex:
    """The stored exports' units tables, ranked once: per document every annotator's version
    (``versions``, a PICKS table) and the chosen annotation (``chosen``, a CHOSEN table; the
    rules: module docstring). ``records`` builds the records of any picked annotations in one
    streaming pass over the tables, so a caller that needs only some (a release: the chosen ones,
    and the versions of the documents several people annotated) builds only those.
    ``rechecking``: asked for the progress of making stale units tables again, once for the
    exports in use and once for each table read only later (docs/architecture.md, "The
    fingerprint rule")."""

    def __init__(self, layout: Layout, documents: Mapping[str, Document], registry: Mapping[str, RegistryEntity], *,
                 rechecking: Totalled | None = None):
        self.documents, self.registry = documents, registry
        every = stored_exports(layout)
        self.stored = exports_in_use(every)
        removed = removed_documents(layout, documents)
        inputs = inputs_digest(documents, registry, removed)
        self.units = units_of(layout, self.stored, documents, registry, removed=removed, inputs=inputs,
                              rechecking=rechecking)
        annotators = load_annotators(layout)
        # who each annotator is: the corpus id of each export's user ids (annotations.annotators)
        self.corpus_ids = [corpus_ids(stored_accounts(item), annotators,
                                      Location(file=str(item.directory / ACCOUNTS_FILE))) for item in self.stored]
        # every stored export's (a pull no longer read may be the one that saw an adjudication as
        # one); one stored before ingest recorded them has its units read for them (those in use
        # are at hand)
        at_hand = {item.name: unit for item, unit in zip(self.stored, self.units)}

        def read_now(item: StoredExport) -> Units:  # a pull not in use: its table asked for alone
            return units_for(layout, item, documents, registry, removed=removed, inputs=inputs, rechecking=rechecking)

        held: set[str] = set()
        for item in every:
            keys = item.ground_truths
            if keys is None:
                keys = ground_truth_keys(at_hand.get(item.name) or read_now(item))
            held.update(keys)
        self.truths = array(sorted(held), pa.string())
        self.gone = array(sorted(_deleted_in_label_studio(every, at_hand, read_now)), pa.string())
        current = current_annotations(self.units, self.corpus_ids, self.truths, self.gone)
        # adjudicated: what adjudicate --push leaves alone (a merge sent again would become the newest adjudication)
        self.versions, self.chosen, self.adjudicated = ranked(current)
        # the documents someone annotated (cancelled and ground-truth annotations too: agreement
        # lists one without two annotators' versions as not comparable), but those removed from
        # the corpus, whose annotations are left out (doc-removed) and counted as theirs
        annotated = set(pc.unique(current["doc_id"]).to_pylist()) - {None} if current.num_rows else set()
        self.removed = tuple(sorted(annotated & removed.keys()))
        self.annotated = frozenset(annotated - removed.keys())
        # each annotation counted once, as its newest copy says (a cancellation undone is none); a
        # removed document's is left out as the document's, not counted again as cancelled
        in_corpus = pc.invert(pc.is_in(current["doc_id"], value_set=array(self.removed, pa.string()))) \
            if current.num_rows else None
        self.cancelled = column_sum(pc.and_(current["cancelled"], in_corpus)) if current.num_rows else 0
        # every usable ground-truth annotation, not only each person's latest of a document
        self.adjudications = column_sum(pc.and_(current["ground_truth"], pc.invert(current["excluded"]))) \
            if current.num_rows else 0

    @classmethod
    def of_corpus(cls, layout: Layout, rechecking: Totalled | None = None) -> "AnnotationIndex":
        """The index over the corpus's own documents (``DocumentIndex``) and registry."""
        return cls(layout, DocumentIndex(layout), load_registry(layout), rechecking=rechecking)

    def roles(self, *, versions: bool = True) -> pa.Table:
        """The ROLES of the versions ("version", unless not ``versions``) and of the chosen
        annotations (their reason), a version that is also chosen first as a version."""
        return roles_of(*([(self.versions, "version")] if versions else []), (self.chosen, None))

    def annotators_versions(self) -> pa.Table:
        """The annotators' versions among ``versions``: a ground-truth annotation is an
        adjudication, nobody's version."""
        return self.versions.filter(pc.invert(self.versions["ground_truth"]))

    def versions_from_predictions(self, doc_ids: Iterable[str]) -> int:
        """How many annotators' versions of ``doc_ids`` began as a prediction (accepted in the
        browser or through the API, changed or not): versions that agree with each other through
        the model more than independent ones would (ground truth is nobody's version)."""
        versions = self.annotators_versions()
        versions = versions.filter(pc.is_in(versions["doc_id"], value_set=array(sorted(set(doc_ids)), pa.string())))
        count = 0
        for _, unit, mine in self.per_export(versions):
            table = unit.read("annotations", ["annotation_index", "from_prediction"])
            began = table.filter(table["from_prediction"])["annotation_index"]
            if len(began):  # combine_chunks of no chunks is pa.array([]), which imports pandas
                count += column_sum(pc.is_in(mine["annotation_index"], value_set=began.combine_chunks()))
        return count

    def stats(self) -> dict[str, int]:
        tally: Counter = Counter()
        for unit in self.units:
            tally.update(unit.stats())
        return dict(tally)

    def records(self, roles: pa.Table, problems: list[Problem] | None = None,
                left_out: list[Problem] | None = None,
                reading: Totalled | None = None) -> Iterator[DocumentAnnotations]:
        """The records of the annotations ``roles`` (a ROLES table) names, once per role, in doc_id
        order (a document's in the order of ``roles``): the order of the data, not of the work, so
        what is built from them is the same whatever order the exports were ingested in or list
        their tasks in. Each export's units are read a row group at a time, as the documents come.
        First, their problems (``_report``: theirs, their tasks' as a whole, and those of tasks
        that cannot be used at all) go to ``problems``,
        in the order of the exports and of the tasks in them; those an export was accepted with to
        ``left_out``. ``reading``: asked, before the first record, for the progress of reading
        them all (an ``iterutil.Totalled``: the total is known only once the index is built)."""
        if problems is not None:
            for number, (item, unit) in enumerate(zip(self.stored, self.units)):
                mine = of_export(roles, number)
                for groups in unit.row_groups(_PROBLEM_COLUMNS):
                    _report(groups, unit, mine, item.excluded, problems, left_out)
        readers: dict[int, _RowGroups] = {}
        ordered = self._in_doc_order(roles)
        on_progress = None if reading is None else reading(roles.num_rows)
        for number, index, role in zip(*(ordered[name].to_pylist() for name in ("export", "annotation_index", "role"))):
            reader = readers.get(number)
            if reader is None:
                reader = readers[number] = _RowGroups(self.units[number], self.documents, ordered, number,
                                                      self.corpus_ids[number], self.truths)
            yield reader.record(index, role)
            if on_progress is not None:
                on_progress(1)

    def _in_doc_order(self, roles: pa.Table) -> pa.Table:
        """``roles`` sorted by the doc_id of each annotation, then by their order in ``roles``."""
        parts = []
        numbered = roles.append_column("position", array(range(roles.num_rows), pa.int64()))
        for _, unit, mine in self.per_export(numbered):
            task_index = _looked_up(unit, "annotations", "annotation_index", mine["annotation_index"], "task_index")
            parts.append(mine.append_column("doc_id", _looked_up(unit, "tasks", "task_index", task_index, "doc_id")))
        if not parts:
            return roles
        return pa.concat_tables(parts).sort_by([("doc_id", "ascending"), ("position", "ascending")])

    def per_export(self, table: pa.Table) -> Iterator[tuple[int, Units, pa.Table]]:
        """Each stored export in use that ``table`` (PICKS, CHOSEN or ROLES rows) names: its
        number, its units and its rows of ``table``."""
        for number, unit in enumerate(self.units):
            rows = of_export(table, number)
            if rows.num_rows:
                yield number, unit, rows

    def predictions(self, model_prefix: str) -> pa.Table:
        """The latest prediction of a model (``model_version`` starting with ``model_prefix``) on the
        task of each chosen annotation, as ROLES ("prediction") for ``records``."""
        found = []
        for number, unit, chosen in self.per_export(self.chosen):
            table = unit.read("annotations", ["annotation_index", "task_index", "position", "prediction",
                                              "model_version", "excluded"])
            # filtered in Arrow: only the model's predictions become Python rows, not every annotation
            tasks = pc.unique(table["task_index"].filter(pc.is_in(table["annotation_index"],
                                                                  value_set=chosen["annotation_index"])))
            # a null model_version's starts_with is null, which filter drops as it drops false
            usable = pc.and_(pc.and_(table["prediction"], pc.invert(table["excluded"])),
                             pc.and_(pc.is_in(table["task_index"], value_set=tasks),
                                     pc.starts_with(table["model_version"], pattern=model_prefix)))
            latest: dict[int, tuple[int, int]] = {}
            for row in table.filter(usable).select(["task_index", "position", "annotation_index"]).to_pylist():
                latest[row["task_index"]] = max(latest.get(row["task_index"], (-1, -1)),
                                                (row["position"], row["annotation_index"]))
            found += [(number, index) for _, index in latest.values()]
        return pa.table([array([export for export, _ in found], pa.int32()),
                         array([index for _, index in found], pa.int32()),
                         _repeat("prediction", len(found))], schema=ROLES)


def roles_of(*parts: tuple[pa.Table, str | None]) -> pa.Table:
    """ROLES of (picks, role) parts, in that order; role None: each pick's own ``reason``."""
    tables = [pa.table([picks["export"], picks["annotation_index"],
                        picks["reason"] if role is None else _repeat(role, picks.num_rows)], schema=ROLES)
              for picks, role in parts]
    return pa.concat_tables(tables) if tables else ROLES.empty_table()


def of_export(table: pa.Table, number: int) -> pa.Table:
    """The rows of ``table`` (PICKS, CHOSEN or ROLES) of the stored export in use numbered ``number``."""
    return table.filter(pc.equal(table["export"], scalar(number, pa.int32())))


def _repeat(value: str, count: int) -> pa.Array:
    return pa.repeat(scalar(value, pa.string()), count)


def _picks(table: pa.Table) -> pa.Table:
    """A ranked table's rows as PICKS."""
    return pa.table([table["doc_id"], table["export"], table["annotation_index"], table["who"],
                     table["ground_truth"]], schema=PICKS)


def _index_set(indexes) -> pa.Array:
    """Task or annotation indexes as the value set of ``pc.is_in`` (sorted: the same set, the same array)."""
    return array(sorted(indexes), pa.int32())


# ---------------------------------------------------------------------------------------------
# Records from the units of chosen annotations


_UNIT_COLUMNS = {
    "tasks": ["task_index", "task_id", "doc_id"],
    "annotations": ["annotation_index", "task_index", "id", "annotator", "ground_truth", "updated_at", "created_at",
                    "unique_id"],
    "regions": ["annotation_index", "id", "layer", "label", "doc_start", "doc_end", "entity_id", "timex_value",
                "timex_mod", "quote_type", "speaker_id", "excluded"],
    "relations": ["annotation_index", "from_id", "to_id", "label", "excluded"],
}
_PROBLEM_COLUMNS = {"tasks": ["task_index", "excluded"],
                    "annotations": ["annotation_index", "task_index", "id", "prediction", "excluded"], "problems": None}


def _rows_by_annotation(table: pa.Table, wanted: pa.Array) -> dict[int, list[tuple]]:
    """The kept rows of ``table`` (as tuples in its column order, without annotation_index and
    excluded) of the ``wanted`` annotations (``_index_set``), grouped by annotation, in file order."""
    grouped: dict[int, list[tuple]] = {}
    if not table.num_rows:
        return grouped
    keep = pc.and_(pc.invert(table["excluded"]),
                   pc.is_in(table["annotation_index"], value_set=wanted))
    kept = table.filter(keep)
    # labels, ids and values repeat: one string object each, not one per row (records and the
    # compact versions a release holds keep them)
    columns = [kept[name].to_pylist() if name in ("id", "doc_start", "doc_end", "from_id", "to_id")
               else [None if value is None else sys.intern(value) for value in kept[name].to_pylist()]
               for name in kept.column_names if name not in ("annotation_index", "excluded")]
    for index, row in zip(kept["annotation_index"].to_pylist(), zip(*columns)):
        grouped.setdefault(index, []).append(row)
    return grouped


def records_of(doc_id: str, text: str, text_sha256: str | None, regions: list[tuple], relations: list[tuple],
               provenance: Provenance | None = None) -> DocumentAnnotations:
    """The one place records are built: from an annotation's kept regions and relations (units
    rows, as ``_rows_by_annotation`` gives them) and the document text their ``doc_start`` and
    ``doc_end`` index. A SOURCE or CUE is part of a record only through a QUOTE's relation."""
    by_id = {region[0]: region for region in regions}
    links = {(from_id, label): by_id.get(to_id) for from_id, to_id, label in relations}
    entities, timexes, quotes = [], [], []
    for region in regions:
        rid, layer, label, start, end, entity_id, value, mod, quote_type, _ = region
        span, covered = Span(start, end), text[start:end]
        if layer == "entity":
            entities.append(EntityMention(rid, doc_id, span, covered, label, entity_id))
        elif layer == "timex":
            timexes.append(TimeExpression(rid, doc_id, span, covered, label, value, mod))
        elif label == "QUOTE":
            source, cue = links.get((rid, "said_by")), links.get((rid, "cue"))
            quotes.append(Quote(
                rid, doc_id, span, covered, quote_type,
                source=None if source is None else Source(source[0], Span(source[3], source[4]),
                                                          text[source[3]:source[4]], source[9]),
                cue=None if cue is None else Cue(cue[0], Span(cue[3], cue[4]), text[cue[3]:cue[4]])))
    order = lambda unit: (unit.span.start, unit.span.end, unit.id)  # noqa: E731
    return DocumentAnnotations(doc_id, tuple(sorted(entities, key=order)), tuple(sorted(timexes, key=order)),
                               tuple(sorted(quotes, key=order)), provenance, text_sha256)


def iter_annotation_set(layout: Layout, documents: Mapping[str, Document], registry: Mapping[str, RegistryEntity],
                        problems: list[Problem] | None = None, tally: Counter | None = None, *,
                        chosen_only: bool = False, left_out: list[Problem] | None = None,
                        rechecking: Totalled | None = None,
                        reading: Totalled | None = None) -> Iterator[DocumentAnnotations]:
    """The annotation set, streaming (see the module docstring for the rules).

    Yields every annotator's kept version (``provenance.reason == "version"``) and, per document,
    the chosen annotation once more with the reason it was chosen (``"ground_truth"`` or
    ``"latest"``), in doc_id order (a document's versions, then its chosen one). Problems go to
    ``problems`` (those an export was accepted with, to ``left_out``), counts to ``tally``.
    ``chosen_only``: only the chosen annotations (what a release needs). ``rechecking``: as
    ``AnnotationIndex``'s; ``reading``: as ``AnnotationIndex.records``'."""
    index = AnnotationIndex(layout, documents, registry, rechecking=rechecking)
    if tally is not None:
        tally.update(index.stats())
    yield from index.records(index.roles(versions=not chosen_only), problems, left_out, reading=reading)


def _report(groups: dict[str, pa.Table], unit: Units, roles: pa.Table, accepted: frozenset, problems: list[Problem],
            left_out: list[Problem] | None) -> None:
    """The problems of one batch of tasks: of the tasks of the annotations ``roles`` (this
    export's ROLES) names, and of the tasks excluded whole; but not those of another annotation
    of such a task that is usable and not named (an annotator's version superseded by their later
    one, or, when only the chosen annotations are read, the other annotators' versions): none of
    its units is read, so its errors leave none of them out. One excluded whole (no annotator,
    malformed) cannot be told to be nobody's version: its problems stay."""
    annotations = groups["annotations"]
    named = annotations.filter(pc.is_in(annotations["annotation_index"], value_set=roles["annotation_index"]))
    tasks = groups["tasks"]
    reported = set(named["task_index"].to_pylist()) | set(tasks["task_index"].filter(tasks["excluded"]).to_pylist())
    others = annotations.filter(pc.invert(pc.or_(pc.or_(annotations["prediction"], annotations["excluded"]),
                                                 pc.is_in(annotations["annotation_index"],
                                                          value_set=named["annotation_index"]))))
    # an annotation's id names one annotation of its task (ingest refuses an id given twice); a
    # problem without one is its task's
    not_theirs = {(task, number) for task, number in zip(others["task_index"].to_pylist(), others["id"].to_pylist())
                  if number is not None}
    table = groups["problems"]
    if table.num_rows:
        table = table.filter(pc.is_in(table["task_index"], value_set=_index_set(reported)))
        theirs = [key not in not_theirs for key in zip(table["task_index"].to_pylist(),
                                                           table["annotation_id"].to_pylist())]
        table = table.filter(array(theirs, pa.bool_()))
        for problem in problems_of(table, unit.export):
            if problem_key(problem) not in accepted:
                problems.append(problem)
            elif left_out is not None:
                left_out.append(problem)


class _RowGroups:
    """One export's units, read for ``records`` a row group at a time (the one the next annotation
    is in), with the records of the annotations ``ordered`` names there, each built once whatever
    its roles. Label Studio lists tasks by id, and tasks are made in doc_id order, so the documents
    usually come in the export's own order and each row group is read once. An export that is not
    in that order (tasks imported in another order, a file put together by hand) would read a row
    group for every document (ten times the release's time at 10,000 tasks, shuffled): its records
    are built in file order first, into an on-disk store (``RecordsOnDisk``), and taken from there."""

    def __init__(self, unit: Units, documents: Mapping[str, Document], ordered: pa.Table, number: int,
                 corpus_ids: dict[str, str], truths: pa.Array):
        self.unit, self.documents, self.corpus_ids, self.truths = unit, documents, corpus_ids, truths
        self.places = unit.places()
        self.ends = [end for _, _, end in self.places]
        sequence = of_export(ordered, number)["annotation_index"].to_pylist()
        self.wanted = sorted(set(sequence))
        self.group = -1
        self.on_disk: RecordsOnDisk | None = None
        groups = [bisect_right(self.ends, index) for index in sequence]
        if sum(a != b for a, b in zip(groups, groups[1:])) > 2 * len(self.places):
            self.on_disk = self._built_in_file_order()

    def record(self, index: int, role: str) -> DocumentAnnotations:
        if self.on_disk is not None:
            return _with_role(self.on_disk[index], role)
        group = bisect_right(self.ends, index)
        if group != self.group:
            self._read(group)
        return self._built(index, role)

    def _built_in_file_order(self) -> RecordsOnDisk:
        store = RecordsOnDisk()
        for group in sorted({bisect_right(self.ends, index) for index in self.wanted}):
            self._read(group)
            for index in self.annotations:
                store[index] = self._built(index, "version")  # the role is set as it is taken
        self.group, self.annotations, self.tasks, self.regions, self.relations, self.built = -1, {}, {}, {}, {}, {}
        return store

    def _built(self, index: int, role: str) -> DocumentAnnotations:
        """The record of annotation ``index`` of the row group read last."""
        built = self.built.get(index)
        if built is None:  # else a version that is also the chosen one: built once, given with each role
            row = self.annotations[index]
            task = self.tasks[row["task_index"]]
            provenance = Provenance(self.unit.export, task["task_id"], row["id"], row["annotator"],
                                    _label_studio_time(row["updated_at"]), role, row["ground_truth"])
            document = self.documents[task["doc_id"]]
            built = self.built[index] = records_of(task["doc_id"], document.text, document.text_sha256,
                                                   self.regions.get(index, []), self.relations.get(index, []),
                                                   provenance)
        return _with_role(built, role)

    def _read(self, group: int) -> None:
        part, k, end = self.places[group]
        start = self.ends[group - 1] if group else 0
        wanted = _index_set(self.wanted[bisect_left(self.wanted, start):bisect_left(self.wanted, end)])
        groups = self.unit.read_place(part, k, _UNIT_COLUMNS)
        table = groups["annotations"]
        table = table.filter(pc.is_in(table["annotation_index"], value_set=wanted))
        for name, column in (("ground_truth", adjudication(table, self.truths)),  # as ranking read it
                             ("updated_at", table["updated_at"].cast(pa.int64())),  # microseconds: cheap to read
                             ("annotator", _as_corpus_ids(table["annotator"], self.corpus_ids))):
            table = table.set_column(table.schema.get_field_index(name), name, column)
        table = table.drop_columns(["created_at"])
        self.annotations = {row["annotation_index"]: row for row in table.to_pylist()}
        self.tasks = {row["task_index"]: row for row in groups["tasks"].to_pylist()}
        self.regions = _rows_by_annotation(groups["regions"], wanted)
        self.relations = _rows_by_annotation(groups["relations"], wanted)
        self.built: dict[int, DocumentAnnotations] = {}
        self.group = group


def _with_role(built: DocumentAnnotations, role: str) -> DocumentAnnotations:
    """A record built once, given with the role (provenance reason) it is asked for in."""
    if built.provenance.reason == role:
        return built
    return dataclasses.replace(built, provenance=dataclasses.replace(built.provenance, reason=role))


def _label_studio_time(micros: int | None) -> str | None:
    """A timestamp (microseconds since the epoch, UTC) as Label Studio writes it."""
    if micros is None:
        return None
    return (_EPOCH + timedelta(microseconds=micros)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_EPOCH = datetime(1970, 1, 1)


def load_chosen(layout: Layout, documents: Mapping[str, Document], registry: Mapping[str, RegistryEntity],
                problems: list[Problem] | None = None, reading: Totalled | None = None, *,
                in_doc_order: bool = False, rechecking: Totalled | None = None
                ) -> Mapping[str, DocumentAnnotations]:
    """Per document the chosen annotation (``AnnotationSet.chosen``), by doc_id, without building
    or holding the versions; their problems (and their tasks') go to ``problems``. ``reading``: as
    ``AnnotationIndex.records``' (one chosen annotation a record). ``in_doc_order``: a
    ``ChosenInDocOrder`` instead of a dict, for a caller that looks each document up once in
    doc_id order (Label Studio's tasks): memory does not grow with the corpus, and no record is
    built before it is asked for. ``rechecking``: as ``AnnotationIndex``'s."""
    if in_doc_order:
        return ChosenInDocOrder(AnnotationIndex(layout, documents, registry, rechecking=rechecking), problems,
                                reading)
    chosen = {annotations.doc_id: annotations
              for annotations in iter_annotation_set(layout, documents, registry, problems, chosen_only=True,
                                                     rechecking=rechecking, reading=reading)}
    return {doc_id: chosen[doc_id] for doc_id in sorted(chosen)}


class _KeysHeld(Mapping):
    """A mapping that holds its keys (``_keys``), iterated in sorted order, and not its values."""

    _keys: AbstractSet

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator:
        return iter(sorted(self._keys))

    def __len__(self) -> int:
        return len(self._keys)


class ChosenInDocOrder(_KeysHeld):
    """doc_id -> the chosen annotation, each record built when its document is asked for, from one
    pass of ``AnnotationIndex.records`` in doc_id order, and none held but the one asked for last
    and the next: a document is to be asked for once, in doc_id order (the order a
    ``DocumentIndex`` iterates in), after any it follows. Which documents have one (``in``,
    iteration, ``len``) is the ranking's ``chosen`` table, known before any record is built. The
    problems of the records (``records``' ``problems``) are all reported when it is made."""

    def __init__(self, index: AnnotationIndex, problems: list[Problem] | None = None,
                 reading: Totalled | None = None):
        self._keys = frozenset(index.chosen["doc_id"].to_pylist())
        self._stream = index.records(index.roles(versions=False), problems, reading=reading)
        self._last: DocumentAnnotations | None = None
        # the first record read now: the stream reports every problem before its first record
        self._next = next(self._stream, None)

    def __getitem__(self, doc_id: str) -> DocumentAnnotations:
        if doc_id not in self._keys:
            raise KeyError(doc_id)
        if self._last is not None and self._last.doc_id == doc_id:
            return self._last
        while self._next is not None and self._next.doc_id < doc_id:  # a document no one asked for
            self._next = next(self._stream, None)
        if self._next is None or self._next.doc_id != doc_id:
            raise ValueError(f"the chosen annotation of doc {doc_id!r} asked for after a later document's: they "
                             "are read once, in doc_id order")
        self._last, self._next = self._next, next(self._stream, None)
        return self._last


class RecordsOnDisk(_KeysHeld):
    """doc_id (or another key of one type, such as an annotation index) -> a record
    (DocumentAnnotations, an adjudication's AdjudicatedDocument, a document's AgreementReport), in
    key order, kept in a private temporary SQLite database (SQLite deletes it when the connection
    closes), each record pickled: only the keys are held in memory. Setting a key again replaces
    its record, as in a dict."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("")  # "": a private on-disk database, removed on close
        self._db.execute("CREATE TABLE records (key PRIMARY KEY, record BLOB NOT NULL)")
        self._keys: set[str | int] = set()

    def __setitem__(self, key: str | int, record: Any) -> None:
        self._db.execute("INSERT OR REPLACE INTO records VALUES (?, ?)",
                         (key, pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)))
        self._keys.add(key)

    def __getitem__(self, key: str | int) -> Any:
        row = self._db.execute("SELECT record FROM records WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return pickle.loads(row[0])


def version_order(annotations: DocumentAnnotations) -> tuple:
    """The order of a document's versions: by annotator (``records.annotator_key``), then annotation id."""
    return annotator_key(str(annotations.provenance.annotator)), str(annotations.provenance.annotation_id)


def load_annotation_set(layout: Layout, documents: Mapping[str, Document],
                        registry: Mapping[str, RegistryEntity]) -> AnnotationSet:
    """Per document the chosen annotation and every annotator's version (module docstring: the
    rule). Holds the whole set in memory; ``iter_annotation_set`` streams it."""
    problems: list[Problem] = []
    left_out: list[Problem] = []
    tally: Counter = Counter()
    chosen: dict[str, DocumentAnnotations] = {}
    versions: dict[str, list[DocumentAnnotations]] = {}
    for annotations in iter_annotation_set(layout, documents, registry, problems, tally, left_out=left_out):
        if annotations.provenance.reason == "version":
            versions.setdefault(annotations.doc_id, []).append(annotations)
        else:
            chosen[annotations.doc_id] = annotations
    return AnnotationSet(
        chosen={doc_id: chosen[doc_id] for doc_id in sorted(chosen)},
        versions={doc_id: tuple(sorted(versions[doc_id], key=version_order)) for doc_id in sorted(versions)},
        report=Report.of(problems, dict(tally)),
        left_out=tuple(left_out),
    )

