"""Sync with a running Label Studio: push tasks (with predictions) into a project, pull its export.

``push`` is idempotent: a task is keyed on (doc_id, text_sha256), so running it twice imports
nothing the second time, and a document whose normalized text changed gets a new task (the
old one, with its annotations, stays; ingest re-anchors annotations made on old texts). With
predictions, a task already there gets its document's prediction when it holds none of that
model_version, so a second push adds none; no prediction or annotation is changed. It never
deletes a task: those of documents removed from the corpus are counted (``PushResult.removed_tasks``)
for the user to delete in Label Studio, where annotators' work on them is, or to add the document back.

``pull`` uses Label Studio's snapshot export (create, wait, download) and streams the file to
disk, because ``exports.as_json`` builds the whole export in the server's and our memory.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Container, Iterable, Iterator, Mapping, Sequence

from corpus_tools.fsutil import atomic_writer
from corpus_tools.layout import check_output
from corpus_tools.iterutil import Totalled, counted
from corpus_tools.errors import CorpusError, Location, Report, agreeing, quantity
from corpus_tools.labelstudio.config import labeling_config
from corpus_tools.labelstudio.tasks import make_tasks, task_key, write_tasks
from corpus_tools.records import Document, DocumentAnnotations, Snapshot

IMPORT_BATCH = 250  # tasks per import request: the full texts make requests large
PAGE_SIZE = 500
EXPORT_TIMEOUT = 1800.0  # seconds; a snapshot of many thousands of tasks takes a while
DOWNLOAD_CHUNK = 1 << 20


def connect(url: str | None = None, api_key: str | None = None, data_dir: Path | None = None):
    """An SDK client. URL and key: arguments, else LABEL_STUDIO_URL / LABEL_STUDIO_API_KEY, else
    the connection file of a local server started with ``data_dir`` (its key only with its own URL)."""
    url = url or os.environ.get("LABEL_STUDIO_URL")
    api_key = api_key or os.environ.get("LABEL_STUDIO_API_KEY")
    if (not url or not api_key) and data_dir is not None and (Path(data_dir) / "connection.json").exists():
        from corpus_tools.labelstudio.server import is_running, read_connection, serves, start_it

        connection = read_connection(Path(data_dir))
        if url and not api_key and not serves(connection, url):
            # the file's key is its server's admin key: sent to another server it would leak (and be refused)
            raise CorpusError("labelstudio-no-connection", f"no API key for {url}: pass --api-key or set "
                              f"LABEL_STUDIO_API_KEY (the key in this data dir's connection.json is for "
                              f"{connection.url} only)", Location(file=str(data_dir)))
        if not url and not is_running(connection, Path(data_dir)):  # else a refused connection to a port no one listens on
            raise CorpusError("labelstudio-not-running", "the server this data dir's connection.json names is not "
                              f"running: {start_it(data_dir)}", Location(file=str(data_dir)))
        url, api_key = url or connection.url, api_key or connection.api_key
    if not url or not api_key:
        raise CorpusError("labelstudio-no-connection", "no Label Studio URL and API key: pass --url and --api-key, "
                          "set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY, or start a local server")
    from label_studio_sdk import LabelStudio  # heavy; imported only by commands that talk to a server

    # the SDK reads LABEL_STUDIO_API_KEY once at import: always pass the key explicitly
    return LabelStudio(base_url=url, api_key=api_key)


# an error page can be kilobytes of HTML (a --url that is not the server's root): its start says enough
BODY_SHOWN = 200


def _api_error(action: str, error: Exception, location: Location | None = None) -> CorpusError:
    status = getattr(error, "status_code", None)
    body = getattr(error, "body", None)
    if isinstance(body, dict) and body.get("detail"):
        body = _server_message(body)
    shown = " ".join(str(body).split())
    if len(shown) > BODY_SHOWN:
        shown = shown[:BODY_SHOWN] + "..."
    if status is None:
        detail = f"{type(error).__name__}: {error}"
    else:  # a server that is not Label Studio may answer with no body: then the status says it all
        detail = f"HTTP {status}: {shown}" if body not in (None, "") else f"HTTP {status}"
    if status == 401:
        # "Invalid token." alone names no key: a stale LABEL_STUDIO_API_KEY in the shell is used
        # before the local server's own key, and the user sees no sign of which was sent
        detail += (" (the server knows no such API key: a key from --api-key or LABEL_STUDIO_API_KEY is sent "
                   "before the one in the data dir's connection.json)")
    return CorpusError("labelstudio-api-error", f"{action} failed: {detail}", location)


def _server_message(body: dict) -> str:
    """Label Studio's own message, without its request id and version. Its detail for a refused
    field is only "Validation error" (a project title of two characters): what was wrong with
    which field is in validation_errors."""
    fields = body.get("validation_errors")
    if not isinstance(fields, dict) or not fields:
        return str(body["detail"])
    reasons = (" ".join(map(str, why)) if isinstance(why, list) else str(why) for why in fields.values())
    return f"{body['detail']}: " + "; ".join(f"{name}: {reason}" for name, reason in zip(fields, reasons))


@contextlib.contextmanager
def api_errors(action: str, location: Location | None = None) -> Iterator[None]:
    """Turn the SDK's HTTP and connection errors into a located CorpusError."""
    import httpx
    from label_studio_sdk.core.api_error import ApiError

    try:
        yield
    except ApiError as error:
        raise _api_error(action, error, location) from None
    except httpx.HTTPError as error:
        try:
            at = f" at {error.request.url.copy_with(query=None)}"
        except RuntimeError:  # an error raised before any request was made has none
            at = ""
        raise CorpusError("labelstudio-unreachable", f"{action} failed{at}: {type(error).__name__}: {error}",
                          location) from None


def find_project(client, title: str):
    """The project titled exactly ``title``, or None; two projects with that title is an error."""
    with api_errors(f"looking up project {title!r}"):
        matches = [p for p in client.projects.list(title=title, page_size=PAGE_SIZE) if p.title == title]
    if len(matches) > 1:
        raise CorpusError("labelstudio-ambiguous-project", f"{len(matches)} projects are titled {title!r} "
                          f"(ids {', '.join(str(p.id) for p in matches)}); rename all but one")
    return matches[0] if matches else None


def resolve_project(client, project: str | int):
    """A project by id (an int, or a string of ASCII digits) or by exact title."""
    # ASCII: "²" is a digit to str.isdigit and no number to int(), so it is a title
    if isinstance(project, int) or (str(project).isascii() and str(project).isdigit()):
        from label_studio_sdk.core.api_error import ApiError

        with api_errors(f"looking up project {project}"):
            try:
                return client.projects.get(int(project))
            except ApiError as error:  # Label Studio answers an id it does not have with 404
                if error.status_code != 404:
                    raise
        raise CorpusError("labelstudio-unknown-project", f"no project with id {int(project)}")
    found = find_project(client, str(project))
    if found is None:
        raise CorpusError("labelstudio-unknown-project", f"no project titled {project!r}")
    return found


def iter_tasks(client, project_id: int, fields: str = "task_only") -> Iterator[Any]:
    """All tasks of a project, page by page."""
    with api_errors(f"listing the tasks of project {project_id}"):
        yield from client.tasks.list(project=project_id, fields=fields, page_size=PAGE_SIZE)


def existing_task_keys(client, project_id: int, removed: Container[str] = (), predictions: bool = False
                       ) -> tuple[dict[tuple[str, str], list[tuple[int, set[str]]]], dict[str, int]]:
    """(doc_id, text_sha256) -> the project's tasks of it, each as (task id, the model_versions of
    its predictions: with ``predictions`` only, else none), and the number of its tasks of each
    doc_id of ``removed`` (documents removed from the corpus), from one listing. ``push`` asks
    whether a document's text has a task, and with predictions which model_versions each task
    of it holds: tasks of one text held twice import nothing more, and each gets a prediction of
    a model_version it lacks."""
    keys: dict[tuple[str, str], list[tuple[int, set[str]]]] = {}
    stale: dict[str, int] = {}
    # the predictions come with the listing only in full (fields=all), which is asked for only when needed
    for task in iter_tasks(client, project_id, fields="all" if predictions else "task_only"):
        shown = _shown(task)
        if shown is not None and shown[1] is not None:
            versions = {api_field(prediction, "model_version") for prediction in task.predictions or ()}
            keys.setdefault(shown, []).append((task.id, versions))
        if shown is not None and shown[0] in removed:
            stale[shown[0]] = stale.get(shown[0], 0) + 1
    return keys, stale


def api_field(item: Any, name: str) -> Any:
    """A field of an annotation or prediction as the SDK gives it: a dict in a task list, a model otherwise."""
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _shown(task: Any) -> tuple[str, str | None] | None:
    """The document (doc_id) and text (text_sha256; None when absent or not a string) a listed
    task shows, or None for one that names no document: its data is any JSON a hand-made import
    gave (a list is no key), and ingest refuses a doc_id that is no string (task-doc-id-missing)."""
    data = task.data or {}
    doc_id, text_sha256 = data.get("doc_id"), data.get("text_sha256")
    if not isinstance(doc_id, str):
        return None
    return doc_id, text_sha256 if isinstance(text_sha256, str) else None


class DocumentTasks:
    """A project's tasks by the document they show: ``task_of`` is the one rule of every command
    that sends something to a document's task (``annotate``, ``adjudicate --push``), and
    ``refuse_duplicates`` its refusal for one that sends something to tasks it is given
    (``annotate --accept-predictions``, ``annotate``'s items naming tasks by id)."""

    def __init__(self, tasks: Iterable[Any]):
        """From a task listing (``iter_tasks``): (doc_id, text_sha256) -> its task ids, in listing
        order, each document's texts and what each task shows: looked up by document and by task,
        since a command asks once per document (a scan of every task per document was quadratic in
        the project). The (doc_id, text) pairs keep the order the listing first gave them in, so
        ``refuse_duplicates`` names the pair whose tasks the listing gave first."""
        self._ids: dict[tuple[str, str | None], list[int]] = {}
        self._texts: dict[str, list[str | None]] = {}  # doc_id -> its texts, in listing order
        self._shown: dict[int, tuple[str, str | None]] = {}
        for task in tasks:
            shown = _shown(task)
            if shown is not None:
                if shown not in self._ids:
                    self._texts.setdefault(shown[0], []).append(shown[1])
                self._ids.setdefault(shown, []).append(task.id)
                self._shown[task.id] = shown

    def _of(self, doc_id: Any, text_sha256: Any) -> dict[str | None, list[int]]:
        """text_sha256 -> task ids, of the tasks of ``doc_id`` that show ``text_sha256`` (any text when None)."""
        texts = self._texts.get(doc_id, ()) if isinstance(doc_id, str) else ()
        return {sha: self._ids[(doc_id, sha)] for sha in texts if text_sha256 in (None, sha)}

    def shows(self, task_id: int, doc_id: Any = None, text_sha256: Any = None) -> bool:
        """Whether task ``task_id`` is one of ``doc_id``'s (any document's when None) of the text
        ``text_sha256`` (any text when None), as ``task_of`` would find it."""
        shown = self._shown.get(task_id) if isinstance(task_id, int) else None
        return shown is not None and doc_id in (None, shown[0]) and text_sha256 in (None, shown[1])

    def task_of(self, doc_id: str, text_sha256: str | None = None, where: Location | None = None) -> int:
        """The one task of document ``doc_id`` (of the text ``text_sha256``, when given). No task
        is ``annotate-task-not-found``, and so are tasks of several texts without
        ``text_sha256``; several tasks of the one text is ``labelstudio-task-duplicate``: a task
        imported twice (by hand, or by pushes from two checkouts), whose annotations and ground
        truth would land on whichever the listing gave last."""
        where = where if where is not None else Location(doc_id=doc_id)
        found = self._of(doc_id, text_sha256)
        ids = [task_id for each in found.values() for task_id in each]
        if len(ids) == 1:
            return ids[0]
        text = "" if text_sha256 is None else f" with text_sha256 {text_sha256}"
        if not ids:
            raise CorpusError("annotate-task-not-found", f"no task for doc {doc_id!r}{text} "
                              "(push it first)", where)
        if len(found) > 1:
            raise CorpusError("annotate-task-not-found", f"{len(ids)} tasks for doc {doc_id!r}, of "
                              f"{len(found)} texts (give text_sha256 to choose)", where)
        raise _duplicate(doc_id, next(iter(found)), ids, where)

    def refuse_duplicates(self, task_ids: Container[int]) -> None:
        """``task_of``'s refusal for tasks each sent something in turn (``annotate
        --accept-predictions``, and ``annotate``'s items naming tasks by id): two of ``task_ids``
        showing one document's one text would give
        the user two annotations of that text, of which the annotation set keeps the later, one
        decided by the listing's order."""
        for (doc_id, text_sha256), ids in self._ids.items():
            sent = [task_id for task_id in ids if task_id in task_ids]
            if len(sent) > 1:
                raise _duplicate(doc_id, text_sha256, sent, Location(doc_id=doc_id))


def _duplicate(doc_id: str, text_sha256: str | None, ids: Sequence[int], where: Location) -> CorpusError:
    # hand-made tasks without a text_sha256 may show other texts: nothing says they are the same
    what = "show the same text" if text_sha256 is not None else "give no text_sha256 to tell them apart"
    return CorpusError("labelstudio-task-duplicate", f"{len(ids)} tasks for doc {doc_id!r} {what} "
                       f"(tasks {', '.join(map(str, ids))}): which one is meant is unknown; delete all but one "
                       "in Label Studio", where)


@dataclass(frozen=True, slots=True)
class TaskInputs:
    """What a corpus's tasks are made of (``task_inputs``): its documents and, with predictions,
    the chosen annotations, the name of the set they come from and the pre-annotations of the
    documents that have none; ``notes`` say what a user should know about them."""

    documents: Mapping[str, Document]
    chosen: Mapping[str, DocumentAnnotations] | None = None
    set_name: str | None = None
    preannotations: Mapping[str, dict] | None = None
    notes: tuple[str, ...] = ()


def task_inputs(layout, predictions: bool = False, rechecking: Totalled | None = None) -> TaskInputs:
    """The corpus's documents, and (with ``predictions``) its chosen annotations and
    pre-annotations (corpus_tools.preannotate) for the documents without one, as
    ``labelstudio tasks`` and ``push`` send them. The chosen annotations are read as the tasks
    ask for them, in the documents' order (``load_chosen``'s ``in_doc_order``), so the tasks'
    progress is theirs. ``rechecking``: as ``load_chosen``'s."""
    from corpus_tools.documents.index import DocumentIndex

    documents = DocumentIndex(layout)
    if not predictions:
        return TaskInputs(documents)
    from corpus_tools.annotations.consolidate import load_chosen
    from corpus_tools.annotations.registry import load_registry
    from corpus_tools.ingest import stored_exports
    from corpus_tools.labelstudio.tasks import annotation_set_name
    from corpus_tools.preannotate.run import predictions_for_unannotated, tools_note

    registry = load_registry(layout)
    problems: list = []
    chosen = load_chosen(layout, documents, registry, problems, in_doc_order=True, rechecking=rechecking)
    errors = Report.of(problems).errors
    notes = []
    if errors:
        notes.append(f"left out of the predictions: {quantity(len(errors), 'unit')} of the stored exports with errors "
                     "(corpus-tools validate shows them)")
    preannotations = predictions_for_unannotated(documents, chosen, registry)
    if preannotations:
        notes.append(f"{quantity(len(preannotations), 'document')} without annotation "
                     f"{agreeing(len(preannotations), 'gets', 'get')} pre-annotations; "
                     f"{tools_note(registry, preannotations.ner)}")
    return TaskInputs(documents, chosen,
                      annotation_set_name(stored.name for stored in stored_exports(layout)), preannotations,
                      tuple(notes))


def write_task_file(inputs: TaskInputs, path: Path, on_progress: Callable[[int], None] | None = None) -> int:
    """``labelstudio tasks``: the tasks of ``inputs`` (``task_inputs``) as an import file at ``path``
    (``write_tasks``); returns their count. ``on_progress(1)``: one more task written."""
    return write_tasks(make_tasks(counted(inputs.documents.values(), on_progress), inputs.chosen, inputs.set_name,
                                  inputs.preannotations), path)


@dataclass(frozen=True, slots=True)
class PushResult:
    project_id: int
    created: bool  # the project was created by this push
    config_updated: bool  # an existing project's labeling config was replaced by the generated one
    imported: int  # tasks imported now
    already_present: int  # tasks skipped because the project holds them already
    # tasks already present given a prediction now (push with predictions): each one of a
    # model_version the task held none of
    predicted: int = 0
    # doc_id -> the project's tasks of it, of the documents removed from the corpus that push was
    # told of: left on the server (deleting annotators' work is not push's to decide), and said
    removed_tasks: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # what reading the corpus noted (``TaskInputs.notes``), said before push's own


def _ensure_project(client, title: str) -> tuple[Any, bool, bool]:
    config = labeling_config()
    project = find_project(client, title)
    with api_errors(f"setting up project {title!r}"):
        if project is None:
            return client.projects.create(title=title, label_config=config), True, False
        if client.projects.get(project.id).label_config != config:
            client.projects.update(project.id, label_config=config)
            return project, False, True
    return project, False, False


def _check_title(project_title: str) -> None:
    if not project_title.strip() or project_title.strip().isdigit():
        # every other command reads a number as a project's id, and a blank title names nothing
        raise CorpusError("labelstudio-bad-project-title", f"a project title must hold a non-digit character, "
                          f"not {project_title!r}: pull and annotate would read a number as a project id",
                          Location(file="--project"))
    if project_title != project_title.strip():
        # the server saves the title stripped, so each push would find no project of the title it
        # was given and create one more, and the one of the stripped title would become ambiguous
        raise CorpusError("labelstudio-bad-project-title", f"a project title must not begin or end with "
                          f"whitespace, not {project_title!r}: Label Studio stores it as "
                          f"{project_title.strip()!r}, and every push would create another project",
                          Location(file="--project"))


def push(client, documents: Iterable[Document], annotations: Mapping[str, DocumentAnnotations] | None,
         project_title: str, model_version: str | None = None,
         preannotations: Mapping[str, dict] | None = None, *, layout=None, removed: Container[str] = (),
         on_progress: Callable[[int], None] | None = None) -> PushResult:
    """Create or update the project titled ``project_title`` with the generated labeling config
    and import the tasks it does not hold yet, with ``annotations`` as predictions (and, for
    documents without annotations, the ready-made predictions in ``preannotations``). With
    either, each task the project holds already of a document's current text gets its
    document's prediction when it holds no prediction of that model_version (one
    ``import_predictions`` request per batch of them; counted in ``PushResult.predicted``): no
    prediction or annotation there is changed or deleted, and pushing again adds nothing.
    ``on_progress(n)``: n more documents done (imported, or found already present). ``removed``:
    the doc_ids removed from the corpus (corpus_tools.documents.removals.removed_documents), whose
    tasks in the project are counted in ``PushResult.removed_tasks``, never deleted.

    With ``layout``, under the corpus lock (corpus_tools.lock): two pushes from one checkout at
    once would both find a task missing and both import it."""
    _check_title(project_title)
    if layout is None:
        return _push(client, documents, annotations, project_title, model_version, preannotations, removed,
                     on_progress)
    from corpus_tools.lock import corpus_lock

    with corpus_lock(layout, "push"):
        return _push(client, documents, annotations, project_title, model_version, preannotations, removed,
                     on_progress)


def push_corpus(client, layout, project_title: str, predictions: bool = False, *,
                rechecking: Totalled | None = None, pushing: Totalled | None = None) -> PushResult:
    """``labelstudio push``: ``push`` of the corpus's tasks (``task_inputs``, with ``predictions``:
    with its annotations and pre-annotations as predictions), told of the documents removed from
    the corpus (their tasks in the project are counted, never deleted). Everything it reads of the
    corpus is read under the corpus lock: read before it, an add, remove or ingest finishing in
    between would leave the tasks, the removed documents and the predictions of different states
    of the corpus. ``rechecking``: as ``task_inputs``'s; ``pushing``: asked, with the
    number of documents, for ``push``'s ``on_progress``. The result's ``notes`` are the inputs'."""
    from corpus_tools.documents.removals import removed_documents
    from corpus_tools.lock import corpus_lock

    _check_title(project_title)  # before the corpus is read for a push that cannot be made
    with corpus_lock(layout, "push"):
        inputs = task_inputs(layout, predictions, rechecking)
        result = push(client, inputs.documents.values(), inputs.chosen, project_title, inputs.set_name,
                      inputs.preannotations, layout=layout, removed=removed_documents(layout, inputs.documents),
                      on_progress=None if pushing is None else pushing(len(inputs.documents)))
    return dataclasses.replace(result, notes=inputs.notes)


def push_notes(result: PushResult, predictions: bool) -> list[str]:
    """What ``labelstudio push`` notes of a push (made ``predictions``: with predictions): what
    reading the corpus noted (``PushResult.notes``), how many tasks already present got the
    prediction made now, and the tasks of removed documents the project holds."""
    from corpus_tools.documents.remove import removed_tasks_note

    notes = list(result.notes)
    if predictions and result.already_present:
        notes.append(f"{quantity(result.predicted, 'task')} already present got the prediction made now, of a "
                     f"model_version {agreeing(result.predicted, 'it', 'they')} held none of; no prediction or "
                     "annotation already there was changed or deleted")
    if result.removed_tasks:
        notes.append(removed_tasks_note(f"project {result.project_id}", result.removed_tasks))
    return notes


def push_line(result: PushResult) -> str:
    """The last line of ``labelstudio push``: the project, and the tasks imported and present."""
    state = "created" if result.created else ("config updated" if result.config_updated else "existing")
    return (f"project {result.project_id} ({state}): imported {quantity(result.imported, 'task')}, "
            f"{result.already_present} already present")


def _push(client, documents, annotations, project_title: str, model_version: str | None,
          preannotations: Mapping[str, dict] | None, removed: Container[str],
          on_progress: Callable[[int], None] | None) -> PushResult:
    project, created, config_updated = _ensure_project(client, project_title)
    predicting = annotations is not None or preannotations is not None
    present, removed_tasks = existing_task_keys(client, project.id, removed, predicting)
    skipped = imported = predicted = 0
    to_import: list[dict] = []
    to_predict: list[tuple[str, dict]] = []  # (doc_id, a prediction of a task already present)
    waiting = 0  # documents whose new predictions are in to_predict

    def done(count: int) -> None:
        if on_progress is not None and count:
            on_progress(count)

    def send_tasks() -> None:
        nonlocal imported
        first = to_import[0]["data"]["doc_id"]
        with api_errors(f"importing {len(to_import)} tasks (from doc {first})", Location(doc_id=first)):
            client.projects.import_tasks(project.id, request=to_import, commit_to_project=True)
        imported += len(to_import)
        done(len(to_import))
        to_import.clear()

    def send_predictions() -> None:
        nonlocal predicted, waiting
        doc_id, first = to_predict[0]
        where = Location(doc_id=doc_id, task_id=first["task"])
        with api_errors(f"adding {quantity(len(to_predict), 'prediction')} to tasks already present "
                        f"(from task {first['task']})", where):
            answer = client.projects.import_predictions(project.id, request=[item for _, item in to_predict])
        made = getattr(answer, "created", None)
        if made != len(to_predict):
            # Label Studio 1.23 leaves out a prediction its validator refuses and still answers 201
            ends = [f"{item['task']} (doc {doc_id})" for doc_id, item in (to_predict[0], to_predict[-1])]
            sent = f"task {ends[0]}" if len(to_predict) == 1 else f"tasks {ends[0]} to {ends[1]}"
            raise CorpusError("labelstudio-predictions-refused", f"project {project.id} created {made} of the "
                              f"{quantity(len(to_predict), 'prediction')} sent for {sent}: it leaves out, unsaid, "
                              "what its validator refuses (its server.log names them); the batches before are in",
                              where)
        predicted += made
        done(waiting)
        to_predict.clear()
        waiting = 0

    def wanted(data: dict, version: str) -> bool:
        held = present.get(task_key(data))
        return held is None or any(version not in versions for _, versions in held)

    for task in make_tasks(documents, annotations, model_version, preannotations, wanted=wanted):
        key = task_key(task["data"])
        held = present.get(key)
        if held is None:
            present[key] = []  # a document given twice is imported once
            to_import.append(task)
            if len(to_import) == IMPORT_BATCH:
                send_tasks()
            continue
        skipped += 1
        # never a second prediction of one model_version: pushing again adds nothing
        new = 0
        for prediction in task.get("predictions", ()):
            for task_id, versions in held:
                if prediction["model_version"] not in versions:
                    versions.add(prediction["model_version"])
                    to_predict.append((key[0], {"task": task_id, **prediction}))
                    new += 1
        if not new:
            done(1)
            continue
        waiting += 1
        if len(to_predict) >= IMPORT_BATCH:
            send_predictions()
    if to_import:
        send_tasks()
    if to_predict:
        send_predictions()
    return PushResult(project.id, created, config_updated, imported, skipped, predicted, removed_tasks)


def _wait_for_export(client, project_id: int, export_id: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.2
    while time.monotonic() < deadline:
        with api_errors(f"checking export {export_id} of project {project_id}"):
            status = str(client.projects.exports.get(project_id, export_id).status or "")
        if status == "completed":
            return
        if status == "failed":
            raise CorpusError("labelstudio-export-failed", f"the server failed to build export {export_id} "
                              f"of project {project_id} (see the server log)")
        time.sleep(delay)
        delay = min(delay * 2, 5.0)
    raise CorpusError("labelstudio-export-timeout", f"export {export_id} of project {project_id} was not ready "
                      f"within {timeout:.0f} s")


def pull(client, project: str | int, out_path: Path, timeout: float = EXPORT_TIMEOUT,
         downloading: Totalled | None = None) -> Path:
    """Export the project's JSON (every annotation, cancelled ones included, and every task's
    predictions in full) to ``out_path``.

    Snapshot export: the server builds the file, then it is downloaded in chunks into a
    temporary file beside ``out_path`` that replaces it only when complete.
    ``downloading``: asked with the file's size in bytes (None when the server does not say it)
    once the download begins (an ``iterutil.Totalled``), its ``on_progress`` called with the
    bytes downloaded.
    """
    out_path = Path(out_path)
    check_output(out_path)
    return _download(client, resolve_project(client, project), out_path, timeout, downloading)[0]


def _download(client, found, out_path: Path, timeout: float,
              downloading: Totalled | None) -> tuple[Path, Snapshot | None]:
    """``pull``'s work on the project ``found``: the file, and the Snapshot it is (None when the
    server gives no times with their zone)."""
    with api_errors(f"creating an export of project {found.id}"):
        # full predictions, not their ids: what was pre-annotated is part of the record (acceptance counts)
        export = client.projects.exports.create(found.id, title=f"corpus-tools pull {out_path.name}",
                                                serialization_options={"predictions": {"only_id": False}})
    _wait_for_export(client, found.id, export.id, timeout)
    # The whole file asked for as a range: Label Studio sends an export with no Content-Length
    # (so the bar had no total), and with one only in answer to a range (its RangedFileResponse)
    whole = {"chunk_size": DOWNLOAD_CHUNK, "additional_headers": {"Range": "bytes=0-"}}
    with atomic_writer(out_path) as handle, api_errors(f"downloading export {export.id}"):
        with client.projects.exports.with_raw_response.download(found.id, export.id, export_type="JSON",
                                                                request_options=whole) as response:
            size = response.response.headers.get("content-length", "")
            on_progress = downloading(int(size) if size.isdigit() else None) if downloading is not None else None
            for chunk in response.data:
                handle.write(chunk)
                if on_progress is not None:
                    on_progress(len(chunk))
    times = [getattr(found, "created_at", None), getattr(export, "created_at", None)]
    try:
        return out_path, Snapshot(found.id, *(time if isinstance(time, str) else time.isoformat() for time in times))
    except (AttributeError, ValueError):  # no times, or times without their zone: pulls cannot be ordered
        return out_path, None


def server_accounts(client, user_ids: Sequence[str]) -> dict[str, str]:
    """The email of each of ``user_ids`` (as an export's ``completed_by`` gives them) that the
    server knows: its list of users, and each one it leaves out asked for by id (the list holds
    the users of the caller's organization only). Ingest refuses an id left without one."""
    with api_errors("listing the server's users"):
        listed = {str(user.id): user.email for user in client.users.list()}
    found = {user_id: listed[user_id] for user_id in user_ids if user_id in listed}
    from label_studio_sdk.core.api_error import ApiError

    for user_id in user_ids:
        if user_id not in found:
            # a user the server does not know is left without an email (ApiError); a server gone
            # meanwhile is an error of its own, not a traceback
            with api_errors(f"asking the server who user {user_id} is"), contextlib.suppress(ApiError):
                found[user_id] = client.users.get(int(user_id)).email
    return found


def pull_and_ingest(client, project: str | int, layout, out_path: Path | None = None,
                    allow_partial: bool = False, downloading: Totalled | None = None,
                    checking: Totalled | None = None, rechecking: Totalled | None = None):
    """Pull the project's export into ``out_path`` (default build/labelstudio/<project>.json, ``project``
    as given, a title or an id, its characters other than letters, digits, '-', '_' and '.' made '-'),
    then validate and store it in annotations/exports/ (corpus_tools.ingest.ingest) with the
    accounts of its annotators (``server_accounts``: who each user id is, corpus_tools.annotations.annotators)
    and the pull it is (``Snapshot``: the project, and when the server made the export; what a
    later pull of the project no longer holds was deleted in Label Studio). Returns (export path,
    IngestResult). ``downloading``: as ``pull``'s; ``checking`` and
    ``rechecking``: as ingest's (the export's bytes checked; the bytes of stored exports checked
    again)."""
    from corpus_tools.ingest import ingest
    from corpus_tools.documents.index import DocumentIndex
    from corpus_tools.annotations.registry import load_registry
    from corpus_tools.lock import corpus_lock

    if out_path is None:
        safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in str(project))
        out_path = layout.build / "labelstudio" / f"{safe}.json"
    check_output(Path(out_path))
    with corpus_lock(layout, "pull"):
        exported, snapshot = _download(client, resolve_project(client, project), Path(out_path), EXPORT_TIMEOUT,
                                       downloading)
        return exported, ingest(exported, layout, DocumentIndex(layout), load_registry(layout), allow_partial,
                                checking=checking, rechecking=rechecking, accounts=functools.partial(server_accounts, client),
                                snapshot=snapshot)
