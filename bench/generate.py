"""Synthetic Label Studio JSON exports, and the corpus they were annotated on.

``write_export`` streams N tasks to disk one at a time (memory stays flat at any N); with a
``corpus`` directory it also writes the raw side validation needs: raw/<doc_id>.txt whose
normalization is the identity (NFC paragraphs, "\\n\\n" between them, no boilerplate, no
trailing spaces), raw/manifest.jsonl, and annotations/entity-registry.jsonl with every
entity_id and speaker_id the export uses. Same seed and N give byte-identical files.

    python -m bench.generate --tasks 1000 --seed 7 --out build/bench.json --corpus build/bench-corpus
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import random
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import orjson

from bench.articles import Article, Entity, Region, build_registry, make_article

TWO_ANNOTATOR_SHARE = 0.2  # tasks annotated by a second annotator as well
CANCELLED_SHARE = 0.05  # tasks that also carry a cancelled (skipped) annotation
ANNOTATORS = 8
PUBLISHERS = ("The Levant Ledger", "Daily Dispatch", "Capitol Wire", "Gulf Observer", "Northern Herald")
FIRST_DAY = dt.date(2021, 1, 1)
DAYS = 4 * 365
CREATED = dt.datetime(2025, 3, 1, 9, 0, 0)
ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-"
ID_SPACE = 64 ** 10  # = 2**60
# n -> (n * odd + c) mod 2**60 is a bijection, so distinct numbers never share an id.
ID_MULTIPLIER = 0x9E3779B97F4A7C15 % ID_SPACE
ID_OFFSET = 0x2545F4914F6CDD1D % ID_SPACE


def default_normalizer_version() -> str:
    """The version tasks must carry to count as made on the current text, when the package knows it."""
    try:
        from corpus_tools.documents.normalize import NORMALIZER_VERSION
    except ImportError:  # the normalizer is not merged yet: any label will do for the benchmark
        return "bench"
    return NORMALIZER_VERSION


def region_id(number: int) -> str:
    """Ten characters that look like Label Studio's random region ids, distinct for distinct numbers."""
    value = (number * ID_MULTIPLIER + ID_OFFSET) % ID_SPACE
    chars = []
    for _ in range(10):
        value, digit = divmod(value, 64)
        chars.append(ID_ALPHABET[digit])
    return "".join(chars)


def timestamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(slots=True)
class Counters:
    """Ids handed out across the whole file, so that region and annotation ids are unique in it."""

    region: int = 0
    annotation: int = 0


@dataclass(frozen=True, slots=True)
class Doc:
    doc_id: str
    article: Article
    published: dt.date
    publisher: str


def region_results(region: Region, rid: str, text: str) -> Iterator[dict[str, Any]]:
    """The labels result of a region, then one result per per-region value, sharing its id."""
    span = text[region.start:region.end]
    yield {"value": {"start": region.start, "end": region.end, "text": span, "labels": [region.label]},
           "id": rid, "from_name": region.layer, "to_name": "text", "type": "labels", "origin": "manual"}
    for name, value in region.values.items():
        kind = "choices" if name in ("timex_mod", "quote_type") else "textarea"
        payload = {"choices": [value]} if kind == "choices" else {}
        shown = span if kind == "choices" else [value]
        yield {"value": {"start": region.start, "end": region.end, "text": shown, **payload},
               "id": rid, "from_name": name, "to_name": "text", "type": kind, "origin": "manual"}


def result_list(regions: list[Region], relations: list[tuple[int, int, str]], text: str,
                counters: Counters) -> list[dict[str, Any]]:
    ids = {}
    result = []
    for region in regions:
        ids[region.number] = region_id(counters.region)
        counters.region += 1
        result.extend(region_results(region, ids[region.number], text))
    result.extend({"from_id": ids[source], "to_id": ids[target], "type": "relation", "direction": "right",
                   "labels": [label]}
                  for source, target, label in relations if source in ids and target in ids)
    return result


def second_opinion(rng: random.Random, article: Article) -> tuple[list[Region], list[tuple[int, int, str]]]:
    """Another annotator's version: a few regions missed, a few GPE/LOC labels disputed.

    A disputed label loses its entity_id (the registry types each id, so keeping it would make
    the export invalid; the benchmark measures a valid export).
    """
    regions = []
    for region in article.regions:
        if rng.random() < 0.05:
            continue
        if region.label in ("GPE", "LOC") and rng.random() < 0.1:
            region = Region(region.number, region.layer, "LOC" if region.label == "GPE" else "GPE",
                            region.start, region.end, {})
        regions.append(region)
    return regions, article.relations


def annotation(rng: random.Random, counters: Counters, task_id: int, moment: dt.datetime,
               result: list[dict[str, Any]], cancelled: bool) -> dict[str, Any]:
    counters.annotation += 1
    user = rng.randint(1, ANNOTATORS)
    return {
        "id": counters.annotation, "completed_by": user, "result": result, "was_cancelled": cancelled,
        "ground_truth": False, "created_at": timestamp(moment), "updated_at": timestamp(moment),
        "draft_created_at": None, "lead_time": round(rng.uniform(60, 1800), 3), "prediction": {},
        "result_count": 0, "unique_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "import_id": None, "last_action": None, "bulk_created": False, "task": task_id, "project": 1,
        "updated_by": user, "parent_prediction": None, "parent_annotation": None, "last_created_by": None,
    }


def task_data(doc: Doc, normalizer_version: str) -> dict[str, Any]:
    text = doc.article.text
    return {"text": text, "doc_id": doc.doc_id, "title": doc.article.title, "publisher": doc.publisher,
            "publication_date": doc.published.isoformat(),
            "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "normalizer_version": normalizer_version}


def make_task(rng: random.Random, counters: Counters, index: int, doc: Doc, normalizer_version: str) -> dict[str, Any]:
    task_id = index + 1
    article = doc.article
    moment = CREATED + dt.timedelta(minutes=7 * index)
    annotations = [annotation(rng, counters, task_id, moment,
                              result_list(article.regions, article.relations, article.text, counters), False)]
    if rng.random() < TWO_ANNOTATOR_SHARE:
        regions, relations = second_opinion(rng, article)
        annotations.append(annotation(rng, counters, task_id, moment + dt.timedelta(hours=3),
                                      result_list(regions, relations, article.text, counters), False))
    if rng.random() < CANCELLED_SHARE:
        annotations.append(annotation(rng, counters, task_id, moment + dt.timedelta(hours=5), [], True))
    cancelled = sum(a["was_cancelled"] for a in annotations)
    return {
        "id": task_id, "annotations": annotations, "file_upload": "bench-tasks.json", "drafts": [],
        "predictions": [], "data": task_data(doc, normalizer_version), "meta": {},
        "created_at": timestamp(CREATED), "updated_at": timestamp(moment), "inner_id": task_id,
        "total_annotations": len(annotations) - cancelled, "cancelled_annotations": cancelled,
        "total_predictions": 0, "comment_count": 0, "unresolved_comment_count": 0,
        "last_comment_updated_at": None, "project": 1, "updated_by": annotations[-1]["completed_by"],
        "comment_authors": [],
    }


def iter_docs(rng: random.Random, tasks: int, registry: tuple[Entity, ...]) -> Iterator[Doc]:
    by_label: dict[str, tuple[Entity, ...]] = {}
    for item in registry:
        by_label[item.label] = by_label.get(item.label, ()) + (item,)
    for index in range(tasks):
        published = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
        article = make_article(rng, published, by_label)
        yield Doc(f"bench_{index:06d}", article, published, rng.choice(PUBLISHERS))


def manifest_record(doc: Doc, data: bytes) -> dict[str, Any]:
    why = {"kind": "inferred", "line": None, "quote": None,
           "reasoning": "Synthetic benchmark document: bench/generate.py chose this value."}
    return {"doc_id": doc.doc_id, "file": doc.doc_id + ".txt", "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data), "encoding": "utf-8", "title": doc.article.title, "publisher": doc.publisher,
            "publisher_evidence": why, "publication_date": doc.published.isoformat(),
            "publication_date_precision": "day", "publication_date_evidence": why}


def registry_line(item: Entity) -> bytes:
    return orjson.dumps({"id": item.id, "name": item.name, "type": item.label, "aliases": [],
                         "wikidata": None, "description": "Synthetic benchmark entity."}) + b"\n"


class CorpusWriter:
    """The raw side of the export: one raw file per task, the manifest, the entity registry."""

    def __init__(self, root: Path, registry: tuple[Entity, ...]) -> None:
        self.raw = root / "raw"
        self.raw.mkdir(parents=True, exist_ok=True)
        (root / "annotations").mkdir(exist_ok=True)
        (root / "annotations" / "entity-registry.jsonl").write_bytes(b"".join(map(registry_line, sorted(registry, key=lambda item: item.id))))
        self.manifest = (self.raw / "manifest.jsonl").open("wb")

    def add(self, doc: Doc) -> None:
        data = doc.article.text.encode("utf-8")
        (self.raw / f"{doc.doc_id}.txt").write_bytes(data)
        self.manifest.write(orjson.dumps(manifest_record(doc, data)) + b"\n")

    def close(self) -> None:
        self.manifest.close()


def write_export(path: Path, tasks: int, seed: int = 0, corpus: Path | None = None,
                 normalizer_version: str | None = None) -> Path:
    """Stream ``tasks`` tasks to ``path`` (a JSON array, one task per line); replace it only when done."""
    rng = random.Random(seed)
    registry = build_registry()
    version = normalizer_version or default_normalizer_version()
    counters = Counters()
    writer = CorpusWriter(corpus, registry) if corpus else None
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    with partial.open("wb") as out:
        out.write(b"[")
        for index, doc in enumerate(iter_docs(rng, tasks, registry)):
            out.write((b"\n" if index == 0 else b",\n") + orjson.dumps(make_task(rng, counters, index, doc, version)))
            if writer:
                writer.add(doc)
        out.write(b"\n]\n")
    if writer:
        writer.close()  # before the export appears: an existing export implies a complete corpus
    os.replace(partial, path)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="the export file to write")
    parser.add_argument("--corpus", type=Path, help="also write a corpus root (raw/, manifest, registry) here")
    args = parser.parse_args(argv)
    write_export(args.out, args.tasks, args.seed, args.corpus)


if __name__ == "__main__":
    main()
