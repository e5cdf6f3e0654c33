"""Label Studio exports into the corpus: ingest (validate + store verbatim) and the annotation set.

Storage. ``ingest`` streams an export once: the same pass validates it, hashes it and copies its
bytes to a temporary file beside the store, which is renamed into place only when the export is
accepted. Stored name: ``annotations/exports/<YYYYMMDD>-<sha256[:16]>.json``, where the date is
that of the latest annotation in the file (``updated_at``, else ``created_at``; ``00000000`` when
there is none) and the hash is of the file's bytes: both come from the content, so the same file
always gets the same name, two different files never collide, and name order follows the
annotation work. A file whose SHA-256 is already stored is a no-op. By default an export with
any error is refused whole (nothing written); with ``allow_partial`` it is stored together with
``<name>.exclusions.json``, listing every unit (task, annotation, region, relation) left out and why.

Consolidation (``load_annotation_set``). Stored exports are read in name order, streaming, and
re-checked against the current documents and registry with the same checks as ``validate``;
units with errors are left out (and the report says so), spans of tasks made on an older text
are re-anchored. (An export whose validation record still matches every input is not read
again: its record holds what those checks found; corpus_tools.ingest.record.) Cancelled
annotations are skipped. Then, per document:

* every annotator keeps one version: their most recently updated annotation of it across all
  exports (``updated_at``, else ``created_at``); ties go to the later export, then the later
  position in the file. So a later export supersedes an earlier one annotation by annotation,
  by time of update, and an annotation that is only in an older export stays.
* the chosen annotation is the most recently updated ``ground_truth`` one if there is any
  (reason ``ground_truth``), else the most recently updated one of all (reason ``latest``).
"""

from __future__ import annotations

import dataclasses
import os
from array import array
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Mapping

import numpy as np
import orjson

from corpus_tools.ingest import record as validation_record
from corpus_tools.ingest.parallel import check_outcomes, default_jobs
from corpus_tools.errors import CorpusError, Problem, Report
from corpus_tools.ingest.reader import ExportStream
from corpus_tools.fsutil import atomic_write_bytes, file_sha256
from corpus_tools.layout import Layout
from corpus_tools.records import (
    AnnotationSet, Cue, Document, DocumentAnnotations, EntityMention, Exclusion, IngestResult, Provenance, Quote,
    RegistryEntity, Source, Span, TaskOutcome, TimeExpression,
)
from corpus_tools.ingest.checks import (
    CheckedAnnotation, CheckedTask, Context, Tally, annotator_of, check_task, kept_units, usable_annotation,
    usable_doc_id,
)

STORED_NAME = re.compile(r"^(\d{8})-([0-9a-f]{16})\.json$")
EXCLUSIONS_SUFFIX = ".exclusions.json"


# ---------------------------------------------------------------------------------------------
# Records from checked annotations


def build_annotations(checked: CheckedTask, annotation: CheckedAnnotation,
                      provenance: Provenance | None = None) -> DocumentAnnotations:
    """The records of one checked annotation, leaving out every unit validation excluded."""
    return records_of(checked.doc_id, checked.text, checked.text_sha256, kept_units(annotation), provenance)


def records_of(doc_id: str, text: str, text_sha256: str | None, kept: list[list],
               provenance: Provenance | None = None) -> DocumentAnnotations:
    """The one place records are built: from an annotation's ``validate.kept_units`` (fresh from
    the checks, or read back from a validation record) and the document text the offsets index."""
    entities, timexes, quotes = kept
    return DocumentAnnotations(
        doc_id=doc_id,
        entities=tuple(EntityMention(rid, doc_id, Span(start, end), text[start:end], label, entity_id)
                       for rid, start, end, label, entity_id in entities),
        timexes=tuple(TimeExpression(rid, doc_id, Span(start, end), text[start:end], label, value, mod)
                      for rid, start, end, label, value, mod in timexes),
        quotes=tuple(Quote(rid, doc_id, Span(start, end), text[start:end], quote_type,
                           source=None if source is None else _source(text, *source),
                           cue=None if cue is None else _cue(text, *cue))
                     for rid, start, end, quote_type, source, cue in quotes),
        provenance=provenance, text_sha256=text_sha256,
    )


def _source(text: str, rid: str, start: int, end: int, speaker_id: str | None) -> Source:
    return Source(rid, Span(start, end), text[start:end], speaker_id)


def _cue(text: str, rid: str, start: int, end: int) -> Cue:
    return Cue(rid, Span(start, end), text[start:end])


def exclusion_as_dict(exclusion: Exclusion) -> dict[str, Any]:
    return {key: getattr(exclusion, key) for key in exclusion.__slots__ if getattr(exclusion, key) is not None}


# ---------------------------------------------------------------------------------------------
# Ingest


def stored_exports(layout: Layout) -> list[Path]:
    """The stored exports, in name order (the order consolidation reads them)."""
    if not layout.exports.is_dir():
        return []
    return sorted(path for path in layout.exports.iterdir() if STORED_NAME.match(path.name))


def _find_stored(layout: Layout, sha256: str) -> Path | None:
    for path in stored_exports(layout):
        if STORED_NAME.match(path.name).group(2) == sha256[:16] and file_sha256(path) == sha256:
            return path
    return None


@dataclass(slots=True)
class _IngestPass:
    """What one streaming pass over an export gathers besides validation."""

    problems: list
    exclusions: list
    record_lines: BinaryIO  # the validation record's task lines, while the export still qualifies for one
    tally: Tally = field(default_factory=Tally)
    latest_date: str = "00000000"
    doc_ids: set = field(default_factory=set)  # every doc_id named, for the record's fingerprint
    recordable: bool = True  # no error so far, every task's text its document's current text
    tasks: int = 0

    def add(self, outcome: TaskOutcome) -> None:
        self.tasks += 1
        self.tally.add_counts(dict(outcome.counts))
        if outcome.doc_id is not None:
            self.doc_ids.add(outcome.doc_id)
        self.recordable = self.recordable and outcome.record_line is not None
        if self.recordable:
            self.record_lines.write(outcome.record_line)
        self.problems.extend(outcome.problems)
        self.exclusions.extend(outcome.exclusions)
        if outcome.latest_date is not None and outcome.latest_date > self.latest_date:
            self.latest_date = outcome.latest_date


def ingest(export_path: str | Path, layout: Layout, documents: Mapping[str, Document],
           registry: Mapping[str, RegistryEntity], allow_partial: bool = False, jobs: int | None = None) -> IngestResult:
    """Validate the export at ``export_path`` and store it verbatim (see the module docstring).

    Raises CorpusError when the file is not a Label Studio export at all (nothing is written).
    Returns status ``refused`` (nothing written) when it has errors and ``allow_partial`` is off.
    A stored export with no error also gets its validation record (corpus_tools.ingest.record).
    ``jobs``: processes that check tasks (corpus_tools.ingest.parallel; None: every core for a big export).
    """
    export_path = Path(export_path)
    jobs = default_jobs(export_path) if jobs is None else jobs
    layout.exports.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=layout.exports, prefix=".ingest-", suffix=".tmp")
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as copy, tempfile.TemporaryFile() as record_lines:
            stream = ExportStream(export_path, copy_to=copy)
            gathered = _IngestPass([], [], record_lines)
            for outcome in check_outcomes(stream, Context(export_path.name, documents, registry), jobs):
                gathered.add(outcome)
            copy.flush()
            os.fsync(copy.fileno())
            report = Report.of(gathered.problems, dict(gathered.tally.counts))
            result = _store(temp, stream.sha256, gathered, report, layout, allow_partial)
            if result.stored_as is not None and gathered.recordable:
                stamp = validation_record.fingerprint(result.sha256, documents, registry, gathered.doc_ids,
                                                      result.stored_as)
                validation_record.write_record(validation_record.record_path(layout, result.stored_as.name), stamp,
                                               gathered.tasks, record_lines)
    finally:
        temp.unlink(missing_ok=True)
    return result


def _store(temp: Path, sha256: str, gathered: _IngestPass, report: Report, layout: Layout,
           allow_partial: bool) -> IngestResult:
    existing = _find_stored(layout, sha256)
    exclusions = tuple(gathered.exclusions)
    if existing is not None:
        return IngestResult("already-stored", sha256, existing, report, exclusions,
                            _sidecar(existing) if _sidecar(existing).exists() else None)
    if not report.valid and not allow_partial:
        return IngestResult("refused", sha256, None, report, exclusions)
    target = layout.exports / f"{gathered.latest_date}-{sha256[:16]}.json"
    sidecar = None
    if exclusions:
        sidecar = _sidecar(target)
        payload = {"export": target.name, "sha256": sha256, "excluded": [exclusion_as_dict(e) for e in exclusions]}
        atomic_write_bytes(sidecar, orjson.dumps(payload, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
    os.chmod(temp, 0o644)  # mkstemp made it 0600; a stored export is for everyone to read
    os.replace(temp, target)
    return IngestResult("stored" if report.valid else "stored-partial", sha256, target, report, exclusions, sidecar)


def _sidecar(export: Path) -> Path:
    return export.with_name(export.name[: -len(".json")] + EXCLUSIONS_SUFFIX)


# ---------------------------------------------------------------------------------------------
# The consolidated annotation set


def _moment(stamp: Any) -> float:
    """Seconds since the epoch of an ISO 8601 stamp; missing or unreadable stamps sort first."""
    if not isinstance(stamp, str):
        return float("-inf")
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return float("-inf")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # Label Studio writes UTC
    return moment.timestamp()


def _rank(exports: list[Path], documents: Mapping[str, Document], trusted: list[Path | None]
          ) -> tuple["_Roles", set[tuple[int, int]]]:
    """First pass: which annotation is whose kept version and which is chosen, without building records.

    Returns the roles of each ranked annotation, by (export index, task index, position): "version"
    and/or the reason it is chosen ("ground_truth" or "latest"); and the (export index, task index)
    of the tasks that cannot be used at all (unknown doc_id, no text), so that the second pass
    reports them instead of dropping them silently. An export with a matching validation record
    (``trusted[export index]``) is ranked from the record, without reading the export.
    """
    unusable: set[tuple[int, int]] = set()
    ranking = _Ranking()
    for export_index, path in enumerate(exports):
        record = trusted[export_index]
        if record is not None:
            for task_index, task in enumerate(validation_record.iter_recorded(record, path.name)):
                for annotation in task.annotations:
                    ranking.add(task.doc_id, (_moment(annotation.stamp), export_index, task_index, annotation.position),
                                annotation.annotator, annotation.ground_truth)
            continue
        for task_index, task in enumerate(ExportStream(path)):
            doc_id = usable_doc_id(task, documents)
            if doc_id is None:
                unusable.add((export_index, task_index))
                continue
            for position, annotation in enumerate(task["annotations"]):
                if usable_annotation(annotation):
                    ranking.add(doc_id, (_moment(annotation.get("updated_at") or annotation.get("created_at")),
                                         export_index, task_index, position),
                                annotator_of(annotation.get("completed_by")), annotation.get("ground_truth") is True)
    return ranking.roles(), unusable


# The role combinations an annotation can have; _Roles stores their index.
_ROLE_SETS = (("version",), ("version", "latest"), ("version", "ground_truth"), ("ground_truth",), ("latest",))
# role set -> the same without "version" (-1: nothing left), indexed by role set
_CHOSEN_ONLY = np.array([-1, 4, 3, 3, 4], dtype=np.int8)


def _where_code(export_index: Any, task_index: Any, position: Any) -> Any:
    """One int64 for (export, task, position): works on ints and on numpy arrays alike."""
    return (export_index << 48) | (task_index << 16) | position


def _task_code(where_code: Any) -> Any:
    """The (export, task) part of a ``_where_code``."""
    return where_code >> 16


class _Ranking:
    """Every usable annotation's ranking facts, in compact columns: about 45 bytes an annotation
    (a dict of picks took about 400), since the first pass holds all of them at once."""

    def __init__(self):
        self._docs: dict[str, int] = {}
        self._people: dict[Any, int] = {}
        self._columns = {name: array(kind) for name, kind in
                         (("doc", "q"), ("who", "q"), ("moment", "d"), ("export", "q"), ("task", "q"),
                          ("position", "q"), ("ground_truth", "b"))}

    def add(self, doc_id: str, key: tuple, annotator: str | None, ground_truth: bool) -> None:
        moment, export_index, task_index, position = key
        if not (export_index < 1 << 15 and task_index < 1 << 32 and position < 1 << 16):
            raise CorpusError("too-many-annotations", f"export #{export_index + 1}, task #{task_index + 1}: more "
                              "than 32,767 exports, 4,294,967,295 tasks in one export or 65,535 annotations in one "
                              "task cannot be ranked")
        # An annotation without completed_by is nobody's: it stands alone rather than merging with others.
        who = annotator if annotator is not None else ("annotation", export_index, task_index, position)
        values = (self._docs.setdefault(doc_id, len(self._docs)), self._people.setdefault(who, len(self._people)),
                  moment, export_index, task_index, position, ground_truth)
        for column, value in zip(self._columns.values(), values):
            column.append(value)

    def roles(self) -> "_Roles":
        """Per (doc, annotator) the latest is a version; per doc the latest ground_truth one is
        chosen, else the latest version. "Latest": the largest (moment, export, task, position)."""
        c = {name: np.frombuffer(column, dtype={"q": np.int64, "d": np.float64, "b": np.int8}[column.typecode])
             for name, column in self._columns.items()}
        if not len(c["doc"]):
            return _Roles(np.zeros(0, np.int64), np.zeros(0, np.int8))
        where = _where_code(c["export"], c["task"], c["position"])
        recency = (c["position"], c["task"], c["export"], c["moment"])  # np.lexsort: last key sorts first
        versions = _last_of_groups(np.lexsort(recency + (c["who"], c["doc"])), c["doc"], c["who"])
        latest = _last_of_groups(versions[np.lexsort(tuple(k[versions] for k in recency + (c["doc"],)))],
                                 c["doc"])
        truths = np.flatnonzero(c["ground_truth"])
        truths = _last_of_groups(truths[np.lexsort(tuple(k[truths] for k in recency + (c["doc"],)))], c["doc"])
        chosen_latest = latest[~np.isin(c["doc"][latest], c["doc"][truths])]
        role_of = {}  # where code -> role set index
        for code in where[versions].tolist():
            role_of[code] = 0
        for code in where[chosen_latest].tolist():
            role_of[code] = 1
        for code in where[truths].tolist():
            role_of[code] = 2 if role_of.get(code) == 0 else 3
        codes = np.fromiter(sorted(role_of), dtype=np.int64, count=len(role_of))
        return _Roles(codes, np.fromiter((role_of[code] for code in codes.tolist()), dtype=np.int8, count=len(codes)))


def _last_of_groups(order: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """The last index of each run of equal ``keys`` in ``order`` (indices sorted by those keys first)."""
    if not len(order):
        return order
    change = np.zeros(len(order), dtype=bool)
    change[-1] = True
    for key in keys:
        sorted_key = key[order]
        change[:-1] |= sorted_key[1:] != sorted_key[:-1]
    return order[change]


class _Roles:
    """(export index, task index, position) -> the roles of that annotation, in two sorted numpy
    columns (a dict of tuples took about 250 bytes an annotation)."""

    __slots__ = ("_codes", "_sets", "_tasks")

    def __init__(self, codes: np.ndarray, sets: np.ndarray):
        self._codes, self._sets = codes, sets
        self._tasks = np.unique(_task_code(codes))  # the tasks holding a role

    def chosen_only(self) -> "_Roles":
        """The chosen annotations only, with their reason ("ground_truth" or "latest")."""
        chosen = _CHOSEN_ONLY[self._sets]
        return _Roles(self._codes[chosen >= 0], chosen[chosen >= 0])

    def holds_task(self, export_index: int, task_index: int) -> bool:
        code = _task_code(_where_code(export_index, task_index, 0))
        at = int(np.searchsorted(self._tasks, code))
        return at < len(self._tasks) and int(self._tasks[at]) == code

    def get(self, where: tuple[int, int, int]) -> tuple[str, ...]:
        """The roles of the annotation at ``where``; () when it has none."""
        code = _where_code(*where)
        at = int(np.searchsorted(self._codes, code))
        if at < len(self._codes) and int(self._codes[at]) == code:
            return _ROLE_SETS[int(self._sets[at])]
        return ()


def iter_annotation_set(layout: Layout, documents: Mapping[str, Document], registry: Mapping[str, RegistryEntity],
                        problems: list[Problem] | None = None, tally: Tally | None = None, *,
                        chosen_only: bool = False) -> Iterator[DocumentAnnotations]:
    """The annotation set, streaming (memory flat in the number of tasks; see the module docstring).

    Yields every annotator's kept version (``provenance.reason == "version"``) and, per document,
    the chosen annotation once more with the reason it was chosen (``"ground_truth"`` or
    ``"latest"``), in the order of the stored exports. Two passes: the first ranks annotations by
    their metadata only; the second checks and builds the records of the tasks that hold a pick.
    An export whose validation record matches the current inputs is not read at all: both passes
    read the record instead (corpus_tools.ingest.record), which holds the ranking facts, the
    units each record keeps, the problems and the counts of the checks ingest ran. Problems
    found (or recorded) in the tasks read go to ``problems``, counts to ``tally``.

    ``chosen_only``: yield only the chosen annotations (what a release needs): the versions are
    not built, and a task that holds no chosen annotation is not checked (unless it cannot be
    used at all: it is still checked and reported).
    """
    exports = stored_exports(layout)
    trusted = [validation_record.matching_record(validation_record.record_path(layout, path.name), path,
                                                 documents, registry) for path in exports]
    roles, unusable = _rank(exports, documents, trusted)
    if chosen_only:
        roles = roles.chosen_only()
    wanted_tasks = _Wanted(roles, unusable)
    for export_index, path in enumerate(exports):
        if trusted[export_index] is None:
            yield from _checked_export(path, Context(path.name, documents, registry), roles, wanted_tasks,
                                       export_index, problems, tally)
        else:
            yield from _recorded_export(trusted[export_index], path.name, documents, roles, wanted_tasks,
                                        export_index, problems, tally)


@dataclass(frozen=True, slots=True)
class _Wanted:
    """The tasks the second pass reads: those holding a role, and those that cannot be used (to report them)."""

    roles: _Roles
    unusable: set[tuple[int, int]]

    def __contains__(self, task: tuple[int, int]) -> bool:
        return self.roles.holds_task(*task) or task in self.unusable


def _checked_export(path: Path, context: Context, roles: _Roles, wanted: _Wanted, export_index: int,
                    problems: list[Problem] | None, tally: Tally | None) -> Iterator[DocumentAnnotations]:
    """The picks of an export without a matching record: each wanted task checked in full."""
    for task_index, task in enumerate(ExportStream(path)):
        if (export_index, task_index) not in wanted:
            continue
        checked = check_task(task, context)
        if problems is not None:
            problems.extend(checked.problems)
        if tally is not None:
            tally.add(checked)
        if checked.excluded or checked.text is None:
            continue  # checked only to report why it cannot be used
        picks = [(_recorded_facts(annotation), kept_units(annotation)) for annotation in checked.annotations
                 if roles.get((export_index, task_index, annotation.position))]
        yield from _picked(checked.task_id, checked.doc_id, checked.text, checked.text_sha256, picks, path.name,
                           roles, export_index, task_index)


def _recorded_export(record: Path, export_name: str, documents: Mapping[str, Document], roles: _Roles,
                     wanted: _Wanted,
                     export_index: int, problems: list[Problem] | None,
                     tally: Tally | None) -> Iterator[DocumentAnnotations]:
    """The picks of an export with a matching record, from the record alone (the export is not read).

    The record's offsets index the task's text, which the fingerprint guarantees is the
    document's current text: span texts are cut from it."""
    for task_index, task in enumerate(validation_record.iter_recorded(record, export_name)):
        if (export_index, task_index) not in wanted:
            continue  # as the full checks do not check it (nor report or count it)
        if problems is not None:
            problems.extend(task.problems())
        if tally is not None:
            tally.add_counts(task.counts)
        picks = [(annotation, kept) for annotation, kept in zip(task.annotations, task.kept(), strict=True)
                 if roles.get((export_index, task_index, annotation.position))]
        document = documents[task.doc_id]
        yield from _picked(task.task_id, task.doc_id, document.text, document.text_sha256, picks, export_name,
                           roles, export_index, task_index)


def _recorded_facts(annotation: CheckedAnnotation) -> validation_record.RecordedAnnotation:
    """A checked annotation's facts in the form a record holds them."""
    return validation_record.RecordedAnnotation(annotation.position, annotation.id, annotation.annotator,
                                                annotation.updated_at, annotation.created_at, annotation.ground_truth)


def _picked(task_id: Any, doc_id: str, text: str, text_sha256: str | None, picks: list, export_name: str,
            roles: _Roles, export_index: int, task_index: int) -> Iterator[DocumentAnnotations]:
    """The records of each picked (facts, kept units) of one task, once per role."""
    for annotation, kept in picks:
        built = None  # a version that is also the chosen one is built once, yielded with each role
        for role in roles.get((export_index, task_index, annotation.position)):
            provenance = Provenance(export_name, task_id, annotation.id, annotation.annotator,
                                    annotation.updated_at, role, annotation.ground_truth)
            built = records_of(doc_id, text, text_sha256, kept, provenance) if built is None \
                else dataclasses.replace(built, provenance=provenance)
            yield built


def load_annotation_set(layout: Layout, documents: Mapping[str, Document],
                        registry: Mapping[str, RegistryEntity]) -> AnnotationSet:
    """Per document the chosen annotation and every annotator's version (module docstring: the rule).

    Holds the whole set in memory; ``iter_annotation_set`` streams it.
    """
    problems: list[Problem] = []
    tally = Tally()
    chosen: dict[str, DocumentAnnotations] = {}
    versions: dict[str, list[DocumentAnnotations]] = {}
    for annotations in iter_annotation_set(layout, documents, registry, problems, tally):
        if annotations.provenance.reason == "version":
            versions.setdefault(annotations.doc_id, []).append(annotations)
        else:
            chosen[annotations.doc_id] = annotations
    order = lambda annotations: (str(annotations.provenance.annotator), str(annotations.provenance.annotation_id))  # noqa: E731
    return AnnotationSet(
        chosen={doc_id: chosen[doc_id] for doc_id in sorted(chosen)},
        versions={doc_id: tuple(sorted(versions[doc_id], key=order)) for doc_id in sorted(versions)},
        report=Report.of(problems, dict(tally.counts)),
    )
