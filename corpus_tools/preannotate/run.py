"""Pre-annotating documents: the three layers' rules together, as records and as Label Studio
predictions (the result format of ``labelstudio.tasks.to_ls_results``, with a ``score`` per result)."""

from __future__ import annotations

import functools
from typing import Callable, Iterable, Iterator, Mapping

from corpus_tools.errors import quantity
from corpus_tools.preannotate import MODEL_NAME, rules_version
from corpus_tools.preannotate.entities import Gazetteer, entity_mentions, states_of
from corpus_tools.preannotate.ner import NerModel, load_ner
from corpus_tools.preannotate.quotes import quotes
from corpus_tools.preannotate.timexes import time_expressions
from corpus_tools.records import Document, DocumentAnnotations, PreAnnotation, RegistryEntity


def model_version(ner: NerModel | None = None) -> str:
    """``corpus_tools-preannotate@<rules>`` (the first 12 hex digits of the digest of the
    modules this one imports, ``rules_version()``), + ``+<model>-<version>`` when a NER model was
    used."""
    base = f"{MODEL_NAME}@{rules_version()}"
    return base + (f"+{ner.name}" if ner is not None and ner.name else "")


class PreAnnotator:
    """The rules, compiled once for a registry, applied document by document."""

    def __init__(self, registry: Mapping[str, RegistryEntity], ner: NerModel | None = None):
        self.registry = registry
        self.gazetteer = Gazetteer(registry.values())
        self.states = states_of(registry)
        self.ner = ner
        self.model_version = model_version(ner)

    def __call__(self, document: Document) -> PreAnnotation:
        text = document.text
        find = self.ner.find if self.ner is not None else None
        entities, scores = entity_mentions(document.doc_id, text, self.gazetteer, find)
        timexes, timex_scores = time_expressions(document.doc_id, text, document.metadata, entities)
        found_quotes, quote_scores = quotes(document.doc_id, text, entities, self.registry, self.states)
        annotations = DocumentAnnotations(document.doc_id, tuple(entities), tuple(timexes), tuple(found_quotes),
                                          text_sha256=document.text_sha256)
        return PreAnnotation(annotations, {**scores, **timex_scores, **quote_scores}, self.model_version)


def prediction(pre: PreAnnotation) -> dict:
    """A Label Studio prediction: every result carries its region's score; the prediction's
    ``score`` is their mean."""
    from corpus_tools.labelstudio.tasks import to_ls_results

    results = to_ls_results(pre.annotations)
    for result in results:
        if "id" in result:
            result["score"] = pre.scores[result["id"]]
    values = list(pre.scores.values())
    return {"model_version": pre.model_version, "score": round(sum(values) / len(values), 4) if values else 0.0,
            "result": results}


def preannotate_documents(documents: Iterable[Document], registry: Mapping[str, RegistryEntity],
                          ner: NerModel | None = None, on_progress: Callable[[int], None] | None = None
                          ) -> Iterator[tuple[str, PreAnnotation]]:
    """(doc_id, PreAnnotation) of each document, in the order given, each as it is made."""
    annotator = PreAnnotator(registry, ner)
    for document in documents:
        pre = annotator(document)
        if on_progress is not None:
            on_progress(1)
        yield document.doc_id, pre


def preannotate_corpus(layout, doc_ids: Iterable[str] = (), ner_model: str | None = None,
                       reading: Callable[[int], Callable[[int], None] | None] | None = None
                       ) -> tuple[Iterator[tuple[str, PreAnnotation]], str]:
    """Pre-annotations of the corpus's documents (all, or ``doc_ids``, each once however often it
    is named), made as they are read (``preannotate_documents``; unknown doc_ids are refused
    first), and the NER model's note.

    ``ner_model``: a spaCy model name to try (``ner.DEFAULT_MODEL``), or None for the gazetteer only.
    ``reading``: given the number of documents to pre-annotate, the ``on_progress`` called with 1
    after each (or None); a function of the total, as only this call knows it (a doc_id named
    twice is pre-annotated once).
    """
    from corpus_tools.annotations.registry import load_registry
    from corpus_tools.documents.index import DocumentIndex
    from corpus_tools.documents.removals import unknown_doc_id
    from corpus_tools.errors import CorpusError, Location
    documents = DocumentIndex(layout)
    wanted = list(dict.fromkeys(doc_ids)) or list(documents)
    for doc_id in wanted:
        if doc_id not in documents:
            raise CorpusError("doc-unknown", unknown_doc_id(layout, doc_id, documents), Location(doc_id=doc_id))
    ner = load_ner(ner_model)
    registry = load_registry(layout)
    on_progress = None if reading is None else reading(len(wanted))
    found = preannotate_documents((documents[doc_id] for doc_id in wanted), registry, ner, on_progress)
    return found, tools_note(registry, ner)


def tools_note(registry: Mapping[str, RegistryEntity], ner: NerModel) -> str:
    """What made the pre-annotations: the NER model's note, and a warning if the registry is empty,
    which a fresh corpus may mean, or a registry file gone missing."""
    if registry:
        return ner.note
    return f"{ner.note}; the entity registry is empty (is annotations/entity-registry.jsonl there?): no entity " \
           "or speaker_id comes from it"


def predictions(found: Iterable[tuple[str, PreAnnotation]]) -> Iterator[dict]:
    """``preannotate --json``: each document's Label Studio prediction, as they come."""
    return ({"doc_id": doc_id, "prediction": prediction(pre)} for doc_id, pre in found)


def summary_lines(found: Iterable[tuple[str, PreAnnotation]], note: str) -> list[str]:
    """``preannotate``'s report: a line per document with its counts, then one naming the models.
    A list, made as the pre-annotations stream by (they are not kept), printed once they are done."""
    lines, versions = [], set()
    for doc_id, pre in found:
        layers = pre.annotations
        lines.append(f"{doc_id}: {quantity(len(layers.entities), 'entity', 'entities')}, "
                     f"{quantity(len(layers.timexes), 'time expression')}, {quantity(len(layers.quotes), 'quote')}")
        versions.add(pre.model_version)
    shown = sorted(versions) or [model_version()]
    return [*lines, f"pre-annotated {quantity(len(lines), 'document')} with {', '.join(shown)}; {note}"]


def predictions_for_unannotated(documents: Mapping[str, Document], chosen: Mapping[str, DocumentAnnotations],
                                registry: Mapping[str, RegistryEntity]) -> "PendingPredictions":
    """doc_id -> Label Studio prediction for every document that has no annotation yet
    (``labelstudio push --predictions``: the others get their stored annotations), by the rules
    and the NER model ``load_ner`` gives, loaded only once a prediction or its model_version is
    asked for: importing spaCy and building the gazetteer cost seconds, wasted on a corpus whose
    every document has an annotation."""
    return PendingPredictions(documents, chosen, lambda: PreAnnotator(registry, load_ner()))


class PendingPredictions(Mapping):
    """doc_id -> the Label Studio prediction of each document without an annotation, in the
    documents' order, made when it is asked for (the tasks ask once per document), never held:
    a new corpus, all of it without annotations, does not have to fit in memory. ``model_version``:
    the one every prediction of it carries, known before any is made (a push makes none for tasks
    that hold one of it). ``make_annotator`` is called once, when the first prediction,
    ``model_version`` or ``ner`` is asked for, so that a corpus with nothing to pre-annotate never
    builds one."""

    def __init__(self, documents: Mapping[str, Document], chosen: Mapping[str, DocumentAnnotations],
                 make_annotator: Callable[[], PreAnnotator]):
        self._documents, self._make_annotator = documents, make_annotator
        self._pending = dict.fromkeys(doc_id for doc_id in documents if doc_id not in chosen)  # ordered, and a set

    @functools.cached_property
    def _annotator(self) -> PreAnnotator:
        return self._make_annotator()

    @property
    def model_version(self) -> str:
        return self._annotator.model_version

    @property
    def ner(self) -> NerModel | None:
        """The NER model the predictions are made with (``tools_note`` names it)."""
        return self._annotator.ner

    def __getitem__(self, doc_id: str) -> dict:
        if doc_id not in self._pending:
            raise KeyError(doc_id)
        return prediction(self._annotator(self._documents[doc_id]))

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._pending

    def __iter__(self) -> Iterator[str]:
        return iter(self._pending)

    def __len__(self) -> int:
        return len(self._pending)
