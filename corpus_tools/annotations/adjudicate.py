"""Adjudication: several annotators' versions of a document merged into one (``adjudicate``),
disagreements listed, the merge sent to Label Studio for a reviewer (``push_adjudication``), and
the provenance of every released unit (``unit_provenance``, ``ReleaseProvenance``).

Units are compared whole (``agreement.unit_key``). The strategies, what a disagreement is, what
``--push`` sends and leaves alone, and what a unit's provenance says: docs/agreement.md,
"Adjudication" and "Provenance of released units". The units a merge left out go to Label Studio
as predictions beside it because Label Studio Community 1.23.2 has no comments API, and takes
predictions.
"""

from __future__ import annotations


from collections import deque
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Iterator, Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from corpus_tools.annotations.agreement import (
    LAYER_NAMES, NO_VERSION, ONE_ANNOTATOR, AgreementTally, document_versions, not_comparable_said,
    sort_key, unit_key, units_of, without_versions,
)
from corpus_tools.annotations.consolidate import AnnotationIndex, RecordsOnDisk, roles_of
from corpus_tools.arrays import scalar
from corpus_tools.errors import CorpusError, Location, agreeing, quantity
from corpus_tools.iterutil import Totalled
from corpus_tools.records import (
    AdjudicatedDocument, AnnotationQuality, Cue, Disagreement, DocumentAnnotations, EntityMention,
    Quote, Source, Span, TimeExpression, UnitProvenance, Units, annotator_key,
)

STRATEGIES = ("unanimous", "majority", "prefer:ANNOTATOR")


@dataclass(frozen=True, slots=True)
class Strategy:
    name: str  # "unanimous", "majority" or "prefer"
    annotator: str | None = None  # for "prefer"

    def __str__(self) -> str:
        return f"prefer:{self.annotator}" if self.name == "prefer" else self.name


def parse_strategy(text: str) -> Strategy:
    """``unanimous``, ``majority`` or ``prefer:ANNOTATOR``; anything else is ``unknown-strategy``."""
    if text in ("unanimous", "majority"):
        return Strategy(text)
    name, _, annotator = str(text).partition(":")
    if name == "prefer" and annotator.strip():
        return Strategy("prefer", annotator.strip())
    raise CorpusError("unknown-strategy", f"--strategy {text!r} is not a strategy; use one of {', '.join(STRATEGIES)}",
                      Location(file="--strategy"))


# ---------------------------------------------------------------------------------------------
# Units compared whole


def _shown(text: str) -> str:
    """A span's text as a disagreement list quotes it: whole up to 60 characters, else its two ends
    around an ellipsis (a cut not marked read as the whole text)."""
    return repr(text if len(text) <= 60 else text[:28] + "…" + text[-28:])


def _describe(layer: str, key: tuple, text: str) -> str:
    """A unit as a person reads it in a disagreement list."""
    start, end = key[0], key[1]
    shown = _shown(text[start:end])
    if layer == "entities":
        return f"{key[2]} {shown} [{start},{end})" + (f" -> {key[3]}" if key[3] else " (no entity_id)")
    if layer == "timexes":
        return f"{key[2]} {shown} [{start},{end}) = {key[3]}" + (f" {key[4]}" if key[4] else "")
    source, cue = key[3], key[4]
    said = "no source" if source is None else (f"said_by {text[source[0]:source[1]]!r}"
                                               + (f" ({source[2]})" if source[2] else " (no speaker_id)"))
    return f"{key[2]} quote {shown} [{start},{end}), {said}, " + ("no cue" if cue is None else f"cue {text[cue[0]:cue[1]]!r}")


def _records(doc_id: str, text: str, keys_by_layer: Mapping[str, Sequence[tuple]],
             text_sha256: str | None) -> DocumentAnnotations:
    """Records of merged units, with fresh region ids in position order (a SOURCE or CUE given
    by several quotes is one region)."""
    entities = tuple(EntityMention(f"e{n}", doc_id, Span(s, e), text[s:e], label, entity_id)
                     for n, (s, e, label, entity_id) in enumerate(keys_by_layer["entities"], start=1))
    timexes = tuple(TimeExpression(f"t{n}", doc_id, Span(s, e), text[s:e], label, value, mod)
                    for n, (s, e, label, value, mod) in enumerate(keys_by_layer["timexes"], start=1))
    source_ids: dict[tuple, str] = {}
    cue_ids: dict[tuple, str] = {}
    quotes = []
    for n, (s, e, quote_type, source, cue) in enumerate(keys_by_layer["quotes"], start=1):
        source_record = None if source is None else Source(
            source_ids.setdefault(source, f"s{len(source_ids) + 1}"), Span(source[0], source[1]),
            text[source[0]:source[1]], source[2])
        cue_record = None if cue is None else Cue(cue_ids.setdefault(cue, f"c{len(cue_ids) + 1}"),
                                                  Span(cue[0], cue[1]), text[cue[0]:cue[1]])
        quotes.append(Quote(f"q{n}", doc_id, Span(s, e), text[s:e], quote_type, source_record, cue_record))
    return DocumentAnnotations(doc_id, entities, timexes, tuple(quotes), text_sha256=text_sha256)


def _clusters(disputed: Sequence[tuple]) -> list[list[tuple]]:
    """Disputed units of one layer grouped where their spans overlap (chains of overlaps)."""
    groups: list[list[tuple]] = []
    end = -1
    for key in sorted(disputed, key=lambda k: (k[0], k[1])):
        if groups and key[0] < end:
            groups[-1].append(key)
            end = max(end, key[1])
        else:
            groups.append([key])
            end = key[1]
    return groups


def adjudicate_document(doc_id: str, versions: Sequence[DocumentAnnotations], strategy: Strategy, text: str,
                        text_sha256: str | None = None) -> AdjudicatedDocument:
    """Merge one document's annotator versions (each with its annotator in ``provenance``)."""
    annotators = tuple(sorted((version.provenance.annotator for version in versions), key=annotator_key))
    if len(versions) < 2:  # nothing to merge: the result holds no units (a corpus of such documents is not held)
        who = f"{ONE_ANNOTATOR} ({annotators[0]})" if annotators else NO_VERSION
        return AdjudicatedDocument(doc_id, annotators, DocumentAnnotations(doc_id, (), (), ()), 0, (),
                                   note=f"{who}: not comparable, not merged")
    note = None
    preferred = strategy.annotator if strategy.name == "prefer" else None
    if preferred is not None and preferred not in annotators:
        note = f"annotator {preferred} did not annotate this document: unanimous units only"
        preferred = None
    givers = _givers(map(units_of, versions))

    def keeps(who: list[str]) -> bool:
        if preferred is not None:
            return preferred in who
        if strategy.name == "majority":
            return len(who) * 2 > len(annotators)
        return len(who) == len(annotators)

    kept: dict[str, list[tuple]] = {}
    disagreements = []
    for layer in LAYER_NAMES:
        kept[layer] = sorted((key for key, who in givers[layer].items() if keeps(who)), key=sort_key)
        disputed = [key for key, who in givers[layer].items() if len(who) < len(annotators)]
        for group in _clusters(disputed):
            start, end = min(k[0] for k in group), max(k[1] for k in group)
            said = tuple((annotator, tuple(_describe(layer, key, text) for key in sorted(group, key=sort_key)
                                           if annotator in givers[layer][key])) for annotator in annotators)
            disagreements.append(Disagreement(doc_id, layer, start, end, text[start:end], said))
    merged = _records(doc_id, text, kept, text_sha256)
    left_out = []
    for annotator in annotators:
        theirs = {layer: sorted((key for key, who in givers[layer].items() if annotator in who and not keeps(who)),
                                key=sort_key) for layer in LAYER_NAMES}
        if any(theirs.values()):
            left_out.append((annotator, _records(doc_id, text, theirs, None)))
    return AdjudicatedDocument(doc_id, annotators, merged, sum(len(keys) for keys in kept.values()),
                               tuple(disagreements), note, tuple(left_out))


def adjudicate(index, strategy: Strategy, reading: Totalled | None = None) -> Collection[AdjudicatedDocument]:
    """Every document's merge under ``strategy``, in doc_id order, from the stored exports
    (``index``: a corpus_tools.annotations.consolidate.AnnotationIndex), each document merged as
    soon as its versions have streamed by (``document_versions``, which also says what is
    refused). The merges wait on disk (``RecordsOnDisk``), not in memory; the collection reads
    them again each time it is iterated.
    ``reading``: as ``document_versions``'."""
    merged = RecordsOnDisk()
    for doc_id, versions in document_versions(index, "adjudicated", reading):
        merged[doc_id] = adjudicate_document(doc_id, versions, strategy, index.documents[doc_id].text)
    for doc_id in without_versions(index):  # not comparable as agreement counts them, listed with the others
        merged[doc_id] = adjudicate_document(doc_id, [], strategy, index.documents[doc_id].text)
    if strategy.name == "prefer":
        known = sorted(set(index.annotators_versions()["annotator"].to_pylist()), key=annotator_key)
        if strategy.annotator not in known:
            raise CorpusError("annotator-unknown", f"--strategy {strategy}: annotator {strategy.annotator!r} has no "
                              f"version of any document (annotators: {', '.join(known) or 'none'})",
                              Location(file="--strategy"))
    return merged.values()


# ---------------------------------------------------------------------------------------------
# The provenance of released units


def unit_provenance(chosen: DocumentAnnotations, versions: Sequence[Units]) -> DocumentAnnotations:
    """``chosen`` with the provenance of each of its units (records.UnitProvenance), against the
    annotators' ``versions`` of its document (ground-truth annotations left out: they are
    adjudications). A unit is adjudicated when the chosen annotation is a ground-truth one and
    not every annotator of the document gave it (every unit, when no annotator's version is
    there)."""
    ground_truth = chosen.provenance is not None and chosen.provenance.ground_truth
    given = _givers(versions)
    count = len(versions)
    provenance = {}
    for layer in LAYER_NAMES:
        for record in getattr(chosen, layer):
            agreed = tuple(sorted(given[layer].get(unit_key(layer, record), ()), key=annotator_key))
            everyone = count >= 1 and len(agreed) == count
            provenance[record.id] = UnitProvenance(agreed, count, ground_truth and not everyone)
    return replace(chosen, unit_provenance=tuple(sorted(provenance.items())))


def alone_provenance(chosen: DocumentAnnotations, annotator: str) -> DocumentAnnotations:
    """``unit_provenance`` of a chosen annotation that is its document's only version: every unit
    is that annotator's, none adjudicated. Not ``unit_provenance`` of its own units: building them
    to compare with themselves cost a tenth of a release's CPU where most documents have one
    annotator (bench corpus, 5,000 tasks)."""
    given = UnitProvenance((annotator,), 1, False)
    ids = [record.id for layer in LAYER_NAMES for record in getattr(chosen, layer)]
    return replace(chosen, unit_provenance=tuple(sorted((rid, given) for rid in ids)))


def _givers(versions: Iterable[Units]) -> dict[str, dict[tuple, list[str]]]:
    """Per layer, each unit (``unit_key``) any of ``versions`` has -> the annotators whose version has it."""
    givers: dict[str, dict[tuple, list[str]]] = {layer: {} for layer in LAYER_NAMES}
    for units in versions:
        for layer in LAYER_NAMES:
            for key in set(getattr(units, layer)):
                givers[layer].setdefault(key, []).append(units.annotator)
    return givers


# ---------------------------------------------------------------------------------------------
# Label Studio: the merge for a reviewer


@dataclass(frozen=True, slots=True)
class Pushed:
    doc_id: str
    task_id: int | None  # None: the corpus holds an adjudication of the document at least as recent as its versions
    annotation_id: int | None  # None: the task or the corpus already had a ground-truth annotation (nothing sent)
    predictions: int  # the left-out predictions this run sent (not those a stopped run sent before)


def adjudicate_corpus(layout, strategy: Strategy,
                      push_to: tuple[Any, str | int, Callable[[], Any] | None] | None = None,
                      reading: Totalled | None = None, rechecking: Totalled | None = None
                      ) -> tuple[Collection[AdjudicatedDocument], tuple[Pushed, ...] | None]:
    """``corpus-tools adjudicate``: every document's merge over the corpus's stored exports
    (``adjudicate``) and, with ``push_to`` (a Label Studio client, a project, and the reviewer's
    client maker or None: ``push_adjudication``'s), the merges submitted for review (None when
    nothing is pushed). ``reading``: as ``adjudicate``'s; ``rechecking``: as ``AnnotationIndex``'s."""
    index = AnnotationIndex.of_corpus(layout, rechecking)
    merged = adjudicate(index, strategy, reading)
    if push_to is None:
        return merged, None
    client, project, reviewer = push_to
    return merged, push_adjudication(layout, client, project, merged, index.documents, reviewer, index.adjudicated)


def push_target(url: str | None, api_key: str | None, data_dir: Path, reviewer: str, project: str | int, named: bool,
                made: list) -> tuple[Any, str | int, Callable[[], Any] | None]:
    """``adjudicate_corpus``' ``push_to`` for ``adjudicate --push``: the client that finds the
    project and its tasks, the project, and the maker of the reviewer's client when that is
    another user: the account ``reviewer`` of the local server (``data_dir``'s) unless a key is
    given and no reviewer ``named`` (then the key's owner reviews), made only
    once every task is found (push_adjudication), so a refused push leaves none. A ``url`` of
    another server than the data dir's is refused unless the key's owner reviews: the account
    would be made on the local server, and its key refused by the other. The account, once made,
    is appended to ``made``."""
    from corpus_tools.labelstudio.sync import connect, resolve_project

    if api_key and not named:  # the key's owner reviews
        reviewer_client = None
    else:
        from corpus_tools.labelstudio.server import check_user_request, ensure_user

        check_user_request(data_dir, reviewer, url)  # a --url of another server: its accounts are not ours to make

        def reviewer_client():
            user = ensure_user(data_dir, reviewer)
            made.append(user)
            return connect(url, user.api_key, data_dir)

    # at once, whoever reviews: a server that cannot be reached, or a project not there, is refused
    # before the work (making a client asks the server nothing; with the reviewer's key it was
    # refused only after every document was merged)
    client = connect(url, api_key, data_dir)
    resolve_project(client, project)
    return client, project, reviewer_client


def push_adjudication(layout, client, project: str | int, documents: Collection[AdjudicatedDocument],
                      texts: Mapping[str, Any], reviewer: Callable[[], Any] | None = None,
                      adjudicated: Collection[str] = frozenset()) -> tuple[Pushed, ...]:
    """Submit each merged document to its task (the task of its current text) as the client's
    user, ground truth, with each annotator's left-out units as a prediction. Every task is found
    first, under the corpus lock, by annotate's rule (``DocumentTasks.task_of``), so a refusal sends
    nothing. What is left alone, and why (a task with anyone's ground truth; a document in
    ``adjudicated``, ``AnnotationIndex.adjudicated``, its task not looked for): docs/agreement.md,
    "Adjudication". ``reviewer``: makes the reviewer's client when that is not ``client``'s user,
    called once every task is found and only when there is a merge to send, so a refusal makes no
    account."""
    from corpus_tools.labelstudio.annotate import submit_annotation
    from corpus_tools.labelstudio.sync import DocumentTasks, api_errors, api_field, iter_tasks, resolve_project
    from corpus_tools.labelstudio.tasks import LEFT_OUT_PREFIX, to_ls_results
    from corpus_tools.lock import corpus_lock

    with corpus_lock(layout, "adjudicate"):
        project_id = resolve_project(client, project).id
        done: set[int] = set()  # tasks with a ground truth
        sent: dict[int, list[tuple[Any, Any]]] = {}  # task -> its left-out predictions, (model_version, result)

        def noted(listed: Iterable[Any]) -> Iterator[Any]:
            """The tasks, each one's ground truth and left-out predictions noted as it goes by:
            one listing for both (a second pass over a project of thousands of tasks was one too many)."""
            for task in listed:
                if any(api_field(annotation, "ground_truth") and not api_field(annotation, "was_cancelled")
                       for annotation in task.annotations or ()):
                    done.add(task.id)
                sent[task.id] = [(api_field(prediction, "model_version"), api_field(prediction, "result"))
                                 for prediction in task.predictions or ()
                                 if str(api_field(prediction, "model_version")).startswith(LEFT_OUT_PREFIX)]
                yield task

        tasks = DocumentTasks(noted(iter_tasks(client, project_id, fields="all")))
        planned: dict[str, int | None] = {}  # doc_id -> task id, of the merged documents (None: left alone)
        for document in documents:
            if len(document.annotators) < 2:
                continue
            if document.doc_id in adjudicated:  # the corpus's adjudication stands: no task looked for
                planned[document.doc_id] = None
                continue
            try:  # annotate's rule: the one task of the document's current text, else nothing is sent
                planned[document.doc_id] = tasks.task_of(document.doc_id, texts[document.doc_id].text_sha256)
            except CorpusError as error:
                raise CorpusError(error.code, f"project {project_id}: {error.message}: nothing was sent",
                                  error.location) from None
        if reviewer is not None and any(task_id is not None and task_id not in done for task_id in planned.values()):
            client = reviewer()
        pushed = []
        for document in documents:  # read again: the merges are not all held at once
            if document.doc_id not in planned:
                continue
            task_id = planned[document.doc_id]
            if task_id is None or task_id in done:  # left alone: nothing sent
                pushed.append(Pushed(document.doc_id, task_id, None, 0))
                continue
            # the left-out units first and the merge last: a run stopped between them (a refused
            # request, Ctrl-C) leaves no ground truth, so the next run sends the merge, and not the
            # predictions already there again; the merge first left the task "adjudicated", its
            # left-out units never sent
            predictions = 0  # sent by this run: a resumed push reports the ones it sent, not those there before
            where = Location(task_id=task_id, doc_id=document.doc_id)
            for annotator, units in document.left_out:
                version, result = f"{LEFT_OUT_PREFIX}{annotator}", to_ls_results(units)
                if (version, result) in sent.get(task_id, ()):
                    continue
                with api_errors(f"adding annotator {annotator}'s left-out units to task {task_id}", where):
                    client.predictions.create(task=task_id, result=result, model_version=version)
                predictions += 1
            submitted = submit_annotation(client, task_id, to_ls_results(document.merged), ground_truth=True,
                                          where=where)
            pushed.append(Pushed(document.doc_id, task_id, submitted.annotation_id, predictions))
    return tuple(pushed)


# ---------------------------------------------------------------------------------------------
# Output forms


def adjudication_dict(documents: Collection[AdjudicatedDocument], pushed: Sequence[Pushed] | None = None,
                      lazy: bool = False) -> dict:
    """The JSON form (``adjudicate --json``). ``lazy``: the documents as an iterator and the
    summary, counted as they go by, as a function called after them: each document's dict is
    made as it is printed (``cli.options.echo_json``), not all at once."""
    summary = dict.fromkeys(_SUMMARY, 0)
    listed = ({
        # every document's keys, its note null when it has none: a reader of the report met a KeyError
        "doc_id": document.doc_id, "annotators": list(document.annotators), "kept": document.kept,
        "note": document.note,
        "disagreements": [{"layer": d.layer, "start": d.start, "end": d.end, "text": d.text,
                           "said": {annotator: list(units) for annotator, units in d.said}}
                          for d in document.disagreements],
    } for document in map(partial(_count, summary), documents))
    return {
        "documents": listed if lazy else list(listed),
        **({"pushed": [{"doc_id": p.doc_id, "task_id": p.task_id, "annotation_id": p.annotation_id,
                        "predictions": p.predictions} for p in pushed]} if pushed is not None else {}),
        "summary": partial(_with_pushed, summary, pushed) if lazy else _with_pushed(summary, pushed),
    }


# Counted as the documents go by: each pass over them reads the merges from disk again.
_SUMMARY = ("merged", "not_comparable", "no_version", "disagreements", "units_kept")


def _count(summary: dict, document: AdjudicatedDocument) -> AdjudicatedDocument:
    merged = len(document.annotators) >= 2
    summary["merged"] += merged
    summary["not_comparable"] += not merged
    summary["no_version"] += not document.annotators
    summary["disagreements"] += len(document.disagreements)
    summary["units_kept"] += document.kept if merged else 0
    return document


def _with_pushed(summary: dict, pushed: Sequence[Pushed] | None) -> dict:
    if pushed is not None:
        summary["submitted"] = sum(p.annotation_id is not None for p in pushed)
        summary["already_adjudicated"] = sum(p.annotation_id is None for p in pushed)
    return summary


def adjudication_lines(documents: Collection[AdjudicatedDocument], pushed: Sequence[Pushed] | None = None
                       ) -> Iterator[str]:
    """The text report, a line at a time (printed as it is made)."""
    summary = dict.fromkeys(_SUMMARY, 0)
    for document in map(partial(_count, summary), documents):
        head = f"{document.doc_id}: annotators {', '.join(document.annotators) or '-'}"
        if document.note and len(document.annotators) < 2:
            yield f"{head}: {document.note}"
            continue
        yield (f"{head}: {quantity(document.kept, 'unit')} kept, "
               f"{quantity(len(document.disagreements), 'disagreement')}"
               + (f" ({document.note})" if document.note else ""))
        for d in document.disagreements:
            yield f"  {d.layer} [{d.start},{d.end}) {_shown(d.text)}:"
            for annotator, units in d.said:
                yield f"    {annotator}: {'; '.join(units) if units else '(nothing)'}"
    for p in pushed or ():
        if p.task_id is None:
            yield f"not pushed {p.doc_id}: the corpus holds an adjudication of it at least as recent as its versions"
            continue
        yield (f"pushed {p.doc_id} to task {p.task_id}: "
               + (f"annotation {p.annotation_id} (ground truth), {p.predictions} prediction(s) of left-out units"
                  if p.annotation_id is not None else "it has a ground-truth annotation already; nothing sent"))
    s = _with_pushed(summary, pushed)
    yield (f"{quantity(s['merged'], 'document')} merged ({quantity(s['units_kept'], 'unit')} kept), "
           f"{not_comparable_said(s['not_comparable'], s['no_version'])}, "
           f"{quantity(s['disagreements'], 'disagreement')}"
           + (f"; {s['submitted']} submitted, {s['already_adjudicated']} already adjudicated"
              if pushed is not None else ""))


# ---------------------------------------------------------------------------------------------
# For a release: the versions gathered once, the chosen annotations given their provenance


def _pick_keys(picks: pa.Table) -> pa.Array:
    """One number per pick, (export, annotation_index): what names an annotation across exports."""
    return pc.add(pc.multiply(picks["export"].cast(pa.int64()), scalar(2**32, pa.int64())),
                  picks["annotation_index"].cast(pa.int64()))


class ReleaseProvenance:
    """The chosen annotations of a release, streaming, each with the provenance of its units
    (``unit_provenance`` against its document's annotator versions), in one pass over the stored
    exports' units; ``quality`` (called when the build has consumed the stream) sums up how units
    were resolved and the agreement of the versions.

    Only the documents whose units need a comparison have their versions built (in compact form:
    records.Units, offsets and values, no texts): those annotated by several annotators, and
    those whose chosen annotation is not their one annotator's version. A document whose chosen
    annotation is its only annotator's version agrees with it unit for unit, by definition.
    A chosen annotation waits until its document's versions have streamed by (in the same task,
    as a rule); the ones behind it wait with it, so the order stays that of the chosen
    annotations. A document's versions are dropped once it is given out: memory holds the
    documents in between, not the corpus."""

    def __init__(self, index):
        """From a corpus_tools.annotations.consolidate.AnnotationIndex. A ground-truth version is
        nobody's to agree with."""
        self._index = index
        chosen = index.chosen
        counted = index.annotators_versions()
        # value_counts, not group_by: group_by's engine (pyarrow.acero) imports pandas
        counts = pc.value_counts(counted["doc_id"])
        per_document = pa.table({"doc_id": counts.field("values"), "doc_id_count": counts.field("counts")})
        single = per_document.filter(pc.equal(per_document["doc_id_count"], scalar(1, pa.int64())))["doc_id"]
        # the one annotator's version that is also the chosen annotation (the same pick)
        alone = counted.filter(pc.and_(pc.is_in(counted["doc_id"], value_set=single),
                                       pc.is_in(_pick_keys(counted), value_set=_pick_keys(chosen))))
        self._alone = dict(zip(alone["doc_id"].to_pylist(), alone["annotator"].to_pylist()))  # doc_id -> annotator
        compared = per_document.filter(pc.invert(pc.is_in(per_document["doc_id"], value_set=alone["doc_id"])))
        self._expected = dict(zip(compared["doc_id"].to_pylist(), compared["doc_id_count"].to_pylist()))
        self._roles = roles_of((counted.filter(pc.is_in(counted["doc_id"], value_set=compared["doc_id"])), "version"),
                               (chosen, None))
        self._tally = AgreementTally()
        self._annotators: dict[int, int] = {}
        self._documents = {"ground_truth": 0, "latest": 0, "unreviewed": 0}
        self._units = {"all": 0, "unanimous": 0, "adjudicated": 0, "one_annotator": 0, "unresolved": 0}
        self._versions_updated: str | None = None

    def stream(self, problems: list | None = None) -> Iterator[DocumentAnnotations]:
        """The chosen annotations with their unit provenance, in doc_id order; the problems of
        them and of the versions they are compared with go to ``problems`` (a unit of a version
        left out for an error would count as a disagreement in the card's figures and
        ``agreed_by``, as ``agreement`` refuses to count it)."""
        versions: dict[str, list[Units]] = {}
        waiting: deque[DocumentAnnotations] = deque()
        for annotations in self._index.records(self._roles, problems):
            if annotations.provenance.reason == "version":
                versions.setdefault(annotations.doc_id, []).append(units_of(annotations))
                day = (annotations.provenance.updated_at or "")[:10] or None
                self._versions_updated = max(filter(None, (self._versions_updated, day)), default=None)
            else:
                waiting.append(annotations)
            while waiting and len(versions.get(waiting[0].doc_id, ())) >= self._expected.get(waiting[0].doc_id, 0):
                yield self._given(waiting.popleft(), versions)
        while waiting:  # a version that never came (nothing to wait for any more)
            yield self._given(waiting.popleft(), versions)
        for doc_id, kept in sorted(versions.items()):  # versions of documents with no chosen annotation
            self._compare(doc_id, kept)

    def _compare(self, doc_id: str, versions: list[Units]) -> None:
        self._tally.add(doc_id, len(self._index.documents[doc_id].text), versions)

    def _given(self, annotations: DocumentAnnotations, versions: dict[str, list[Units]]) -> DocumentAnnotations:
        doc_id = annotations.doc_id
        alone = self._alone.get(doc_id)
        if alone is not None:
            given, count = alone_provenance(annotations, alone), 1
        else:
            kept = versions.pop(doc_id, [])
            if kept:
                self._compare(doc_id, kept)
            given, count = unit_provenance(annotations, kept), len(kept)
        self._annotators[count] = self._annotators.get(count, 0) + 1
        ground_truth = annotations.provenance is not None and annotations.provenance.ground_truth
        self._documents["ground_truth" if ground_truth else "latest"] += 1
        self._documents["unreviewed"] += not ground_truth and count >= 2
        for _, provenance in given.unit_provenance:
            self._units["all"] += 1
            self._units["unanimous"] += provenance.annotators >= 2 and len(provenance.agreed_by) == provenance.annotators
            self._units["adjudicated"] += provenance.adjudicated
            # the card's four kinds do not overlap: a unit a reviewer added is adjudicated only
            self._units["one_annotator"] += provenance.annotators == 1 and not provenance.adjudicated
            self._units["unresolved"] += (provenance.annotators >= 2 and not provenance.adjudicated
                                          and len(provenance.agreed_by) < provenance.annotators)
        return given

    def notes(self) -> tuple[str, ...]:
        """What the person releasing should know once the chosen annotations have streamed by."""
        unreviewed = self._documents["unreviewed"]
        if not unreviewed:
            return ()
        return (f"{quantity(unreviewed, 'document')} {agreeing(unreviewed, 'has', 'have')} versions by several "
                "annotators and none adjudicated: each is "
                "released from its most recently updated annotation, whatever the others say (`corpus-tools "
                "adjudicate` lists their disagreements)",)

    def quality(self):
        agreement = self._tally.report(annotations_cancelled=self._index.cancelled,
                                       adjudications_left_out=self._index.adjudications, not_comparable=self._alone,
                                       no_version=without_versions(self._index),
                                       versions_from_predictions=self._index.versions_from_predictions(
                                           self._tally.compared()))
        return AnnotationQuality(agreement, tuple(sorted(self._annotators.items())),
                                 self._documents["ground_truth"], self._documents["latest"], self._units["all"],
                                 self._units["unanimous"], self._units["adjudicated"], self._units["one_annotator"],
                                 ground_truth_unchanged=ground_truth_unchanged(self._index),
                                 annotators_by_account=any(self._index.corpus_ids),
                                 units_unresolved=self._units["unresolved"], versions_updated=self._versions_updated)


# Saved once by whoever made it: created and updated in one save, a few microseconds apart.
# A reviewer's save in Label Studio comes seconds or days later.
_SAME_SAVE_MICROSECONDS = 1_000_000


def ground_truth_unchanged(index) -> int:
    """How many of the chosen ground-truth annotations were never saved again after they were
    made: as ``adjudicate --push`` pushed them (its merge, which no reviewer changed or
    confirmed), or as someone submitted them through the API. Read from the units tables'
    timestamps; an annotation without both is not counted."""
    chosen = index.chosen.filter(pc.equal(index.chosen["reason"], scalar("ground_truth", pa.string())))
    unchanged = 0
    for _, unit, mine in index.per_export(chosen):
        table = unit.read("annotations", ["annotation_index", "created_at", "updated_at"])
        table = table.filter(pc.is_in(table["annotation_index"], value_set=mine["annotation_index"].combine_chunks()))
        gaps = pc.subtract(table["updated_at"].cast(pa.int64()), table["created_at"].cast(pa.int64()))
        unchanged += sum(gap is not None and gap < _SAME_SAVE_MICROSECONDS for gap in gaps.to_pylist())
    return unchanged
