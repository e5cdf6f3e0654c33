"""Annotating through the API, as an annotator would: submit a result list to a task, or accept
a task's prediction (copy its result into a submitted annotation).

The annotation is made by whoever owns the client's API key, so to annotate as a given user
build the client with that user's key (``server.ensure_user`` makes one on a local server).
Label Studio stores API-submitted results verbatim: offsets are not recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Callable, Container, Iterable, Mapping, Sequence

from corpus_tools import strictjson
from corpus_tools.errors import CorpusError, Location, agreeing, quantity
from corpus_tools.fsutil import listable_directory
from corpus_tools.ingest.checks import Context, check_task
from corpus_tools.labelstudio.sync import DocumentTasks, api_errors, api_field, iter_tasks
from corpus_tools.labelstudio.tasks import LEFT_OUT_PREFIX, to_ls_results
from corpus_tools.records import Document
from corpus_tools.labelstudio.worksheet import load_worksheet, resolve


@dataclass(frozen=True, slots=True)
class Submitted:
    """One annotation the server accepted."""

    annotation_id: int
    task_id: int
    completed_by: int | None
    was_cancelled: bool


@dataclass(frozen=True, slots=True)
class Submissions:
    """What one run of annotating did: the annotations the server accepted, and how many tasks
    it left alone because the client's user had annotated them already."""

    submitted: tuple[Submitted, ...]
    skipped: int


def submit_annotation(client, task_id: int, result: list[dict], *, was_cancelled: bool = False,
                      ground_truth: bool = False, lead_time: float | None = None,
                      parent_prediction: int | None = None, where: Location | None = None) -> Submitted:
    """Submit ``result`` to task ``task_id`` as the client's user. ``where``: what a refusal
    names (the task, and the document when the caller knows it)."""
    options: dict[str, Any] = {"result": result, "was_cancelled": was_cancelled, "ground_truth": ground_truth}
    if lead_time is not None:
        options["lead_time"] = lead_time
    if parent_prediction is not None:
        options["parent_prediction"] = parent_prediction
    with api_errors(f"submitting an annotation to task {task_id}", where or Location(task_id=task_id)):
        annotation = client.annotations.create(id=task_id, **options)
    return Submitted(annotation.id, task_id, annotation.completed_by, bool(annotation.was_cancelled))


def _acceptable(prediction: Any, model_version: str | None) -> bool:
    """Whether a prediction is one to accept: ``model_version``'s, or, none given, any but the
    left-out units ``adjudicate --push`` adds for a reviewer (``LEFT_OUT_PREFIX``), which are
    newer than the pre-annotation and hold a part of one annotator's version."""
    version = api_field(prediction, "model_version")
    if model_version is not None:
        return version == model_version
    return not (isinstance(version, str) and version.startswith(LEFT_OUT_PREFIX))


def _latest_prediction(predictions: Iterable[Any], task_id: int, model_version: str | None) -> Any:
    predictions = [prediction for prediction in predictions if _acceptable(prediction, model_version)]
    if not predictions:
        wanted = f" of model_version {model_version!r}" if model_version else " (but adjudication's left-out units)"
        raise CorpusError("labelstudio-no-prediction", f"task has no prediction{wanted} to accept",
                          Location(task_id=task_id))
    return max(predictions, key=lambda prediction: api_field(prediction, "id"))  # the latest


def accept_prediction(client, task_id: int, model_version: str | None = None,
                      predictions: Iterable[Any] | None = None, where: Location | None = None) -> Submitted:
    """Accept the task's (latest, or given model_version's) prediction unchanged, as the
    client's user: its result becomes a submitted annotation linked to the prediction.
    ``predictions``: the task's, as a task list gives them (else they are asked for). ``where``:
    as ``submit_annotation``'s."""
    if predictions is None:
        with api_errors(f"listing the predictions of task {task_id}", where or Location(task_id=task_id)):
            predictions = list(client.predictions.list(task=task_id))
    prediction = _latest_prediction(list(predictions), task_id, model_version)
    return submit_annotation(client, task_id, api_field(prediction, "result"),
                             parent_prediction=api_field(prediction, "id"), where=where)


def _task_location(task: Any) -> Location:
    """What a refused request about a listed ``task`` names: the task and the document it shows
    (a refused submission named the task alone, the document to be looked up on the server)."""
    doc_id = (task.data or {}).get("doc_id")
    return Location(task_id=task.id, doc_id=doc_id if isinstance(doc_id, str) else None)


def _task_for(item: Mapping, tasks: DocumentTasks, task_ids: Container[int], where: Location) -> int:
    """The task an item of a results file names: by task_id, or by doc_id (+ text_sha256), by
    ``DocumentTasks.task_of``'s rule. An item with a task_id and a doc_id or text_sha256 names
    a task of that document and text, or one of them wrongly: which is unknown."""
    if "task_id" in item:
        task_id = item["task_id"]
        if not isinstance(task_id, int) or isinstance(task_id, bool):
            raise CorpusError("annotate-bad-item", f"task_id must be an integer, not {task_id!r}", where)
        if task_id not in task_ids:
            raise CorpusError("annotate-task-not-found", f"task {task_id} is not a task of this project", where)
        if not tasks.shows(task_id, item.get("doc_id"), item.get("text_sha256")) and (
                item.get("doc_id") is not None or item.get("text_sha256") is not None):
            named = " and ".join(f"{name} {item[name]!r}" for name in ("doc_id", "text_sha256")
                                 if item.get(name) is not None)
            raise CorpusError("annotate-task-not-found", f"task {task_id} does not show the item's {named}: "
                              "which of them is meant is unknown", where)
        return task_id
    if "doc_id" not in item:
        raise CorpusError("annotate-no-task", "an item names neither task_id nor doc_id", where)
    return tasks.task_of(item["doc_id"], item.get("text_sha256"), where)


# the optional fields of an item, and what each must be (Label Studio would store a string as
# true, or answer a wrong type with an HTTP error after earlier items were submitted)
_FLAGS = ("was_cancelled", "ground_truth")


def _check_fields(item: Mapping, where: Location) -> None:
    if not isinstance(item.get("result"), list):
        raise CorpusError("annotate-bad-result", "the item has no result list", where)
    if not all(isinstance(result, dict) for result in item["result"]):
        raise CorpusError("annotate-bad-result", "every element of result must be a JSON object", where)
    for name in _FLAGS:
        if name in item and not isinstance(item[name], bool):
            raise CorpusError("annotate-bad-item", f"{name} must be true or false, not {item[name]!r}", where)
    lead_time = item.get("lead_time")
    if lead_time is not None and (isinstance(lead_time, bool) or not isinstance(lead_time, (int, float))
                                  or lead_time < 0):
        raise CorpusError("annotate-bad-item", f"lead_time must be a number of seconds, not {lead_time!r}", where)


def _check_result(item: Mapping, task: Any, context: Context, where: Location) -> None:
    """The item's result checked by ingest's own validator, as the task's annotation: what
    `labelstudio pull` would refuse later is refused before anything is submitted."""
    if item.get("was_cancelled"):
        return
    # a stand-in annotation by a stand-in user: the result is what is checked
    parsed = {"id": task.id, "data": dict(task.data or {}),
              "annotations": [{"id": 0, "completed_by": 1, "result": item["result"]}]}
    checked = check_task(parsed, 0, 0, context)
    errors = [problem for problem in checked.problems if problem.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise CorpusError(first.code, first.message + more,
                          replace(where, task_id=task.id, doc_id=checked.doc_id, region_id=first.location.region_id))


def annotate_from_results(client, project_id: int, items: Iterable[Mapping], source: str | Sequence[str] = "<results>",
                          on_progress: Callable[[int], None] | None = None,
                          context: Context | None = None) -> Submissions:
    """Submit each item ({"doc_id" or "task_id", "result", optional "was_cancelled",
    "ground_truth", "lead_time"}) to its task, as the client's user: ``plan_results``, then
    ``submit_planned``. ``on_progress(1)`` after each item."""
    return submit_planned(client, plan_results(client, project_id, items, source, context), on_progress)


def plan_results(client, project_id: int, items: Iterable[Mapping], source: str | Sequence[str] = "<results>",
                 context: Context | None = None) -> dict[int, tuple[Any, Mapping]]:
    """Task id -> (the task, its item), every item checked before anything is submitted (its task in
    the project, no two of its tasks showing one document's one text (``DocumentTasks.refuse_duplicates``),
    its fields' types, and with ``context`` its result by ingest's validator), so a bad
    file submits nothing; asked of any client that sees the project's tasks (the admin's, before an
    annotator's account is made). ``source``: the results file (a problem names the item by its
    line), or one file per item (worksheets)."""
    tasks = {task.id: task for task in iter_tasks(client, project_id, fields="all")}
    by_document = DocumentTasks(tasks.values())
    planned: dict[int, tuple[Any, Mapping]] = {}
    for line, item in enumerate(items, start=1):
        where = (Location(file=source, line=line, doc_id=item.get("doc_id")) if isinstance(source, str)
                 else Location(file=source[line - 1], doc_id=item.get("doc_id")))
        _check_fields(item, where)
        task_id = _task_for(item, by_document, tasks, where)
        if task_id in planned:
            raise CorpusError("annotate-task-twice", f"task {task_id} is annotated by an earlier item too", where)
        if context is not None:
            _check_result(item, tasks[task_id], context, where)
        planned[task_id] = (tasks[task_id], item)
    # items naming both copies of a task imported twice by their ids: two annotations of one text
    # by one user, as --accept-predictions would give, of which the annotation set keeps the later
    by_document.refuse_duplicates(planned)
    return planned


def submit_planned(client, planned: Mapping[int, tuple[Any, Mapping]],
                   on_progress: Callable[[int], None] | None = None) -> Submissions:
    """Submit ``plan_results``'s items as the client's user, each task once (``_submit_new``).
    ``on_progress(1)`` after each item."""
    return _submit_new(client, ((task, partial(submit_annotation, client, task_id, item["result"],
                                               was_cancelled=item.get("was_cancelled", False),
                                               ground_truth=item.get("ground_truth", False),
                                               lead_time=item.get("lead_time"), where=_task_location(task)))
                                for task_id, (task, item) in planned.items()), on_progress)


def _submit_new(client, tasks: Iterable[tuple[Any, Callable[[], Submitted]]],
                on_progress: Callable[[int], None] | None) -> Submissions:
    """Call each task's ``submit`` unless the client's user has annotated the task already, and
    count those skipped: an annotator submits a task once, so running twice submits nothing new
    (and says what it left). The one rule of both ways of annotating. ``on_progress(1)`` after
    each task. A submission refused after others is raised with their count added: the server
    keeps them, and a run again submits the rest."""
    with api_errors("asking who the API key belongs to"):
        me = client.users.whoami().id
    submitted, skipped = [], 0
    for task, submit in tasks:
        if any(_author(annotation) == me for annotation in task.annotations or ()):
            skipped += 1
        else:
            try:
                submitted.append(submit())
            except CorpusError as error:
                if not submitted:
                    raise
                # the server keeps what it accepted: without this the user learns of none of it
                done = quantity(len(submitted), "annotation")
                raise CorpusError(error.code, f"{error.message}; the {done} submitted before "
                                  f"{agreeing(len(submitted), 'stays', 'stay')} (the last to task "
                                  f"{submitted[-1].task_id}): run the command again, which skips the tasks "
                                  "this user has annotated", error.location) from None
        if on_progress is not None:
            on_progress(1)
    return Submissions(tuple(submitted), skipped)


def _author(annotation: Any) -> Any:
    """completed_by of an annotation (an id, or a user)."""
    author = api_field(annotation, "completed_by")
    return author.get("id") if isinstance(author, dict) else author


def accept_all_predictions(client, project_id: int, model_version: str | None = None,
                           on_progress: Callable[[int], None] | None = None) -> Submissions:
    """Accept the prediction (the latest, or ``model_version``'s; ``_acceptable``) of every task of the project
    that has one, each task once: ``plan_predictions``, then ``accept_planned``."""
    return accept_planned(client, plan_predictions(client, project_id, model_version), model_version, on_progress)


def plan_predictions(client, project_id: int, model_version: str | None = None) -> list[Any]:
    """The tasks of the project with a prediction to accept (``model_version``'s, or the latest), checked
    before anything is submitted: with ``model_version``, no task with one of it is
    ``labelstudio-no-prediction`` (without, no task with one is an empty plan), and two with
    one that show one document's one text (a task imported twice) ``labelstudio-task-duplicate``
    (``DocumentTasks.refuse_duplicates``). A task without one is left alone, not counted. Asked of
    any client that sees the project's tasks (the admin's, before an annotator's account is made,
    as ``plan_results``)."""
    tasks = list(iter_tasks(client, project_id, fields="all"))
    if model_version is not None and not any(_has_prediction(task, model_version) for task in tasks):
        raise CorpusError("labelstudio-no-prediction", f"no task of project {project_id} has a prediction of "
                          f"model_version {model_version!r}")
    accepted = [task for task in tasks if _has_prediction(task, model_version)]
    DocumentTasks(tasks).refuse_duplicates({task.id for task in accepted})
    return accepted


def accept_planned(client, tasks: Iterable[Any], model_version: str | None = None,
                   on_progress: Callable[[int], None] | None = None) -> Submissions:
    """Accept the prediction of each of ``plan_predictions``'s tasks as the client's user, each
    task once (``_submit_new``: a task the user has annotated already is skipped and counted).
    ``on_progress(1)`` after each task."""
    return _submit_new(client, ((task, partial(accept_prediction, client, task.id, model_version, task.predictions,
                                               _task_location(task)))
                                for task in tasks), on_progress)


def _has_prediction(task: Any, model_version: str | None) -> bool:
    return any(_acceptable(prediction, model_version) for prediction in task.predictions or ())


def worksheet_items(paths: Iterable[Path], documents: Mapping[str, Document]) -> list[dict]:
    """Annotator worksheets (corpus_tools.labelstudio.worksheet) as result items for ``annotate_from_results``.

    Each worksheet is resolved against its document's current normalized text first, so a
    worksheet that no longer fits its text stops everything before anything is submitted.
    """
    items = []
    for path in paths:
        sheet = load_worksheet(path)
        document = documents.get(sheet.doc_id)
        if document is None:
            raise CorpusError("doc-unknown", f"worksheet for unknown document {sheet.doc_id!r}",
                              Location(file=str(path), doc_id=sheet.doc_id))
        annotations = resolve(sheet, document.text)
        items.append({"doc_id": sheet.doc_id, "text_sha256": document.text_sha256,
                      "result": to_ls_results(annotations)})
    return items


def read_results(path: Path) -> list[dict]:
    """A results file: JSON lines, one {"doc_id" or "task_id", "result": [...]} per line, read
    strictly (corpus_tools.strictjson: a key twice is refused, not the last one kept)."""
    return [item for _, item in strictjson.object_lines(path, "annotate-bad-json", "annotate-bad-item")]


def results_to_submit(layout, worksheets: Path | None = None, results: Path | None = None
                      ) -> tuple[list[dict], str | list[str], Context]:
    """``plan_results``' items, source and context, from a directory of ``worksheets`` (each
    ``*.yaml``, resolved against the current texts: ``worksheet_items``) or a ``results`` file
    (``read_results``), checked against the corpus's documents and registry. Read before the
    server is touched, so a worksheet that does not fit submits nothing; one with no item is
    refused (``annotate-empty``)."""
    from corpus_tools.annotations.registry import load_registry
    from corpus_tools.documents.index import load_documents

    documents = load_documents(layout)
    if worksheets is not None:
        # a path not there or a file is the file-error at it, not "no worksheet in it"
        sheets = sorted(listable_directory(worksheets).glob("*.yaml"))
        items, source = worksheet_items(sheets, documents), [str(sheet) for sheet in sheets]
    else:
        items, source = read_results(results), str(results)
    if not items:
        raise CorpusError("annotate-empty", _no_worksheet(worksheets) if worksheets else "it holds no item",
                          Location(file=str(worksheets or results)))
    return items, source, Context(str(worksheets or results), documents, load_registry(layout))


def _no_worksheet(worksheets: Path) -> str:
    """Why a worksheet directory gives nothing to submit: a round with several annotators keeps
    each one's worksheets in a directory of its own (round-2/annotator-1/), which is the one to give."""
    held = sorted(path.name for path in Path(worksheets).iterdir() if path.is_dir() and any(path.glob("*.yaml")))
    if not held:
        return "no worksheet (*.yaml) in it"
    return (f"no worksheet (*.yaml) in it, but in its {agreeing(len(held), 'directory', 'directories')} "
            f"{', '.join(held)}: give one annotator's directory, with that annotator's --as")


def submitted_line(done: Submissions, project_id: int, user: Any = None) -> str:
    """What ``labelstudio annotate`` says it did: the annotations submitted to ``project_id`` (as
    ``user``, a server.ensure_user account, when one was made), and the tasks skipped."""
    skipped = f"; {quantity(done.skipped, 'task')} skipped, already annotated by this user" if done.skipped else ""
    account = "" if user is None else f" as {user.email} (user {user.id})"  # the id agreement reports
    # a cancelled one (an item's was_cancelled: the annotator skipped the task) annotates nothing:
    # ingest leaves it out, so it is not counted among the annotations
    cancelled = sum(submission.was_cancelled for submission in done.submitted)
    submitted = quantity(len(done.submitted) - cancelled, "annotation") + (
        f" and {quantity(cancelled, 'cancelled annotation')} (was_cancelled)" if cancelled else "")
    return f"submitted {submitted} to project {project_id}{account}{skipped}"
