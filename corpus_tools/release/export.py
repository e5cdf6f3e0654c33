"""Interchange formats of a release: ``export_release(release, format, out_dir)`` writes it as
conll2003, spacy, brat (corpus_tools.release.brat) or jsonl. docs/release.md ("Export") gives
each format's files and what they hold, and what a release is refused for.

The release is verified against its SHA256SUMS, then read a document at a time
(``read_documents``, which the viewer reads it with too) and written as it is read, so memory does
not grow with it; the output goes to a temporary directory beside ``out_dir``, renamed into place
when complete, so a refused or interrupted export leaves nothing half-written there.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import sys
from collections import defaultdict
from itertools import groupby
from pathlib import Path
from typing import Callable, Iterator, TextIO

import yaml

from corpus_tools.documents.raw import check_doc_id, doc_id_key
from corpus_tools.errors import CorpusError, Location, quantity
from corpus_tools.fsutil import (file_errors, holds_current_directory, made_directories_removed, make_public,
                                 staging_dir, writing_under)
from corpus_tools.iterutil import Totalled, batched, overlapping
from corpus_tools.layout import check_output
from corpus_tools.records import DocumentRows, ExportResult, Unaligned
import corpus_tools.release.brat as brat
from corpus_tools.release.arrow_schemas import (ClassLabel, List, columns_yaml, file_label_names, missing_columns,
                                                 mistyped_columns, name_labels, require_rows, spec)
from corpus_tools.release.checks import region_clash
from corpus_tools.release.checksums import open_parquet
from corpus_tools.release.loaders import Release, config_rows, split_files, verified_release
from corpus_tools.release.rights import LICENSE_FILE
from corpus_tools.release.splits import SPLITS
from corpus_tools.release.versions import release_metadata

FORMATS = ("conll2003", "spacy", "brat", "jsonl")
UNALIGNED_FILE = "unaligned.jsonl"
JSONL_REGISTRY = "entity_registry.jsonl"
JSONL_CARD = "README.md"  # where datasets reads a directory's configs and features
# A DocBin holds its documents until it is written: some 260 kB a document at the bench's texts
# of about 3,000 characters (a whole split of 10,000 took 2.6 GB; 250 a file, 368 MB at peak).
SPACY_DOCUMENTS_PER_FILE = 250


def export_release(release: Release, format: str, out_dir: str | Path, *, root: str | Path = ".",
                   exporting: Totalled | None = None) -> ExportResult:
    """Write ``release`` (a directory, or a version in ``<root>/dist``) in ``format`` to ``out_dir``.
    ``exporting``: asked, with the number of the release's documents, for the ``on_progress``
    called with 1 as each is gone through (written, or left out as the format leaves it out)."""
    if format not in FORMATS:
        raise CorpusError("export-invalid", f"no export format {format!r}; formats: {', '.join(FORMATS)}")
    path = verified_release(release, "documents", root)  # every format starts from the documents
    write = _WRITERS[format]
    if format == "spacy":
        _spacy()  # before anything is read: a missing extra fails at once
    out_dir = Path(out_dir)
    check_output(out_dir)
    if (refused := _target_exists(out_dir)) is not None:
        raise refused
    # read from the footers only when asked: without a bar, a damaged file is met where it was
    on_progress = None if exporting is None else exporting(sum(config_rows(path, "documents", _READ_AS_NONE).values()))
    with made_directories_removed(out_dir.parent):  # -o a/b/c refused half way leaves no empty a/b
        with file_errors():  # a file where a directory above the output belongs
            partial = staging_dir(out_dir.parent, f".{out_dir.name}.partial-", out_dir)
        try:
            with writing_under(out_dir):
                documents, unaligned = write(path, partial, on_progress)
                if unaligned:
                    _write_lines(partial / UNALIGNED_FILE, (_unaligned_dict(item) for item in unaligned))
                # every format carries article text, whose terms (no licence granted) go with it
                if (path / LICENSE_FILE).is_file():  # releases from 1.1.9 on; verified with the rest
                    shutil.copyfile(path / LICENSE_FILE, partial / LICENSE_FILE)
            files = tuple(sorted(p.relative_to(partial).as_posix() for p in partial.rglob("*") if p.is_file()))
            make_public(partial)
            try:
                if out_dir.exists():
                    out_dir.rmdir()  # empty, checked above
                os.rename(partial, out_dir)
            except OSError as error:
                # another export to the same directory finished first
                if error.errno in (errno.ENOTEMPTY, errno.EEXIST) and out_dir.is_dir() and any(out_dir.iterdir()):
                    raise _target_exists(out_dir) from None
                raise
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    return ExportResult(format, out_dir, files, documents, tuple(unaligned))


def summary_line(result: ExportResult) -> str:
    """What ``corpus-tools export`` says of an export: what went where, and the spans it could
    not place (each listed in ``UNALIGNED_FILE``)."""
    unaligned = (f"; {len(result.unaligned)} span(s) not on token boundaries, listed in {UNALIGNED_FILE}"
                 if result.unaligned else "")
    return (f"exported {quantity(result.documents, 'document')} as {result.format} to {result.path} "
            f"({quantity(len(result.files), 'file')}){unaligned}")


def _target_exists(out_dir: Path) -> CorpusError | None:
    """The refusal of ``out_dir`` as the output, or None. The output is renamed into place: a link
    there would be replaced, not written through; and the current directory cannot be replaced
    (holds_current_directory; one above it is not empty)."""
    what = ("is a symbolic link" if out_dir.is_symlink() else None if not out_dir.exists()
            else "exists and is not a directory" if not out_dir.is_dir()
            else "exists and is not empty" if any(out_dir.iterdir())
            else "is the current directory" if holds_current_directory(out_dir) else None)
    return None if what is None else CorpusError("export-target-exists", f"{out_dir} {what}; give a new directory",
                                                 Location(file=str(out_dir)))


# --- reading a release ---------------------------------------------------------------------

_BATCH_ROWS = 512  # rows read at a time: a documents row holds a whole text
LAYERS = ("entities", "timexes", "quotes", "ner")
_READ_AS_NONE = "its rows would be read as none"  # a config without files, to a reader of its rows


def read_config(path: Path, config: str, splits: tuple[str, ...] = SPLITS) -> Iterator[dict]:
    """The rows of one config, split by split in SPLITS order, shard by shard, labels as names:
    the names in each file's own ``huggingface`` features, so a release made under another label
    set reads with the names it was made with. A label id that names no label, or a quote's source
    or cue null in some of its columns only, is ``release-invalid`` (every reader's checks,
    arrow_schemas), naming the row in its file."""
    every = split_files(path, config, _READ_AS_NONE)
    for split in splits:
        for file in every.get(split, ()):
            parquet = _config_file(config, file)
            names = file_label_names(config, parquet.schema_arrow, file)
            for batch in _checked_batches(parquet, config, names, file):
                for row in batch.to_pylist():
                    yield name_labels(row, names)


def _checked_batches(parquet, config: str, names: dict[str, tuple[str, ...]], file: Path,
                     columns: list[str] | None = None) -> Iterator:
    """The batches of ``columns`` (None: all) of an opened release ``file`` of ``config``, each
    through every reader's row checks (``require_rows``, naming the row in its file)."""
    first_row = 0
    for batch in parquet.iter_batches(_BATCH_ROWS, columns=columns):
        require_rows(batch, config, names, file, first_row)
        first_row += batch.num_rows
        yield batch


def read_documents(path: Path, layers: tuple[str, ...] = LAYERS, *, annotated_only: bool = False,
                   on_progress: Callable[[int], None] | None = None) -> Iterator[DocumentRows]:
    """Every document of a release, in the documents config's order, with its rows of ``layers``
    (the others empty): a document at a time, since the layer configs hold their rows in that
    order too (split by split, a document's rows together). A release that is not so, or whose
    spans are not the document's text, is refused, never given out under the wrong document or
    with other characters than its rows say: docs/release.md ("Export") lists each refusal.

    ``DocumentRows.annotated`` is False for a document nobody annotated, which has no kb row
    (every document had one before 2026-12-06); ``annotated_only`` leaves those out: given out
    with empty layers, they would say their text names nothing. ``on_progress(1)``: one more row
    of the documents config gone through, given out or left out."""
    readers = {config: _ByDocument(read_config(path, config)) for config in layers}
    readers["kb"] = _ByDocument(_kb_documents(path))
    seen: dict[str, str] = {}  # doc_id_key -> the doc_id read under it
    for row in read_config(path, "documents"):
        doc_id, text = row["doc_id"], row["text"]
        where = Location(file=str(path / "data" / "documents"), doc_id=doc_id)
        # a file is written per doc_id (brat, the viewer): "../x" or "/x" would be one outside the
        # output, "nul" none on Windows; the manifest refuses them, a release made otherwise may not
        check_doc_id(doc_id, where)
        if (first := seen.get(key := doc_id_key(doc_id))) is not None:
            if first == doc_id:  # its second row would get no layer rows, or another's
                raise CorpusError("release-invalid", f"document {doc_id!r} has two rows in the documents config",
                                  where)
            # the manifest refuses them (duplicate-doc-id); a release made otherwise may hold them
            raise CorpusError("release-invalid", f"doc_id {doc_id!r} differs from {first!r} only in case: on a "
                              "case-insensitive filesystem (macOS, Windows) the files written per doc_id (brat's "
                              ".txt and .ann, the viewer's pages) would be one file", where)
        seen[key] = doc_id
        annotated = bool(readers["kb"].take(doc_id))
        rows = DocumentRows(row, *(_spans_checked(readers[config].take(doc_id), config, text, path)
                                   if config in readers else [] for config in LAYERS), annotated=annotated)
        _regions_named_once(rows, path)
        if annotated or not annotated_only:
            yield rows
        if on_progress is not None:
            on_progress(1)
    for config, rows in readers.items():
        if rows.next is not None:
            raise CorpusError("release-invalid", f"config {config!r} has rows of document {rows.next['doc_id']!r} "
                              "out of the documents config's order (or of no document of it)",
                              Location(file=str(path / "data" / config), doc_id=rows.next["doc_id"]))


# (config, column prefix, what a region of it is, as release.checks names it) of every region a
# document's rows name
_REGION_KINDS = (("entities", "", "mention"), ("timexes", "", "time expression"), ("quotes", "", "quote"),
                 ("quotes", "source_", "source"), ("quotes", "cue_", "cue"))


def _regions_named_once(document: DocumentRows, path: Path) -> None:
    """Refuse (``release-invalid``) a region id build_release refuses (``region_clash``: two
    regions, of two kinds or two spans, or a source that quotes share with two speaker_ids). Such
    a source or cue is one region, on each quote's row: brat writes it once and spaCy makes it one
    span, found by its id, so a second region of that id was taken for the first (a time expression
    for an entity, one source for another) and a second speaker lost; the viewer's anchors
    (``source-<id>``) would lead to the first."""
    seen: dict[str, tuple[str, tuple[int, int], str | None]] = {}
    for config, prefix, kind in _REGION_KINDS:
        for row in getattr(document, config):
            if (region_id := row[f"{prefix}id"]) is None:  # a quote without a source or cue
                continue
            span = (row[f"{prefix}start"], row[f"{prefix}end"])  # compared as a Span is, without making one
            speaker = row["speaker_id"] if kind == "source" else None
            if (first := seen.get(region_id)) is None:
                seen[region_id] = (kind, span, speaker)
            elif (clash := region_clash(first, kind, span, speaker, Location(
                    file=str(path / "data" / config), doc_id=document.doc_id, region_id=region_id))) is not None:
                raise CorpusError("release-invalid", f"region id {region_id!r}: {clash.message}: {first[0]} "
                                  f"[{first[1][0]}, {first[1][1]}) and {kind} [{span[0]}, {span[1]})", clash.location)


def _spans_checked(rows: list[dict], config: str, text: str, path: Path) -> list[dict]:
    for row in rows:
        for what, starts, ends, covered in _claimed_spans(row, config, path):
            # one plain loop a row's list of spans: a generator and a name made for each ner token
            # took a sixth of a CoNLL export (py-spy), the name is made only for the span at fault
            for index, (start, end, said) in enumerate(zip(starts, ends, covered)):
                if not 0 <= start <= end <= len(text) or text[start:end] != said:
                    raise CorpusError("span-text-mismatch", f"{what.format(index)} {said[:40]!r} is not the "
                                      f"document's text at [{start}, {end})",
                                      Location(file=str(path / "data" / config), doc_id=row["doc_id"],
                                               region_id=row["id"]))
    return rows


def _claimed_spans(row: dict, config: str, path: Path) -> Iterator[tuple[str, list, list, list]]:
    """(what, starts, ends, texts) of the spans a row claims, ``what`` naming one by its index
    (``str.format``): a region's (and a quote's source and cue, where annotated), or the tokens of
    a ner row, whose lists must be as long as its tokens (zip would drop what one of them lacks: a
    CoNLL file would lose tokens)."""
    if config != "ner":
        for prefix in (prefix for layer, prefix, _ in _REGION_KINDS if layer == config):
            if row[f"{prefix}start"] is not None or not prefix:  # a quote without a source or cue
                yield f"{prefix}text", [row[f"{prefix}start"]], [row[f"{prefix}end"]], [row[f"{prefix}text"]]
        return
    tokens, starts, ends = row["tokens"], row["token_starts"], row["token_ends"]
    if not len(tokens) == len(starts) == len(ends) == len(row["ner_tags"]):
        raise CorpusError("release-invalid", f"the sentence's lists differ in length: {len(tokens)} tokens, "
                          f"{len(starts)} token_starts, {len(ends)} token_ends and {len(row['ner_tags'])} ner_tags",
                          Location(file=str(path / "data" / config), doc_id=row["doc_id"], region_id=row["id"]))
    yield "token {}", starts, ends, tokens


def _config_file(config: str, file: Path):
    """A release file of ``config``, opened, or ``release-invalid`` when it lacks the config's
    columns (another config's file in its place would be read as this one's rows) or has one as
    another kind of value (``mistyped_columns``)."""
    parquet = open_parquet(file)
    if missing := missing_columns(config, parquet.schema_arrow):
        raise CorpusError("release-invalid", f"no column {', '.join(map(repr, missing))}: not a file of the "
                          f"{config} config", Location(file=str(file)))
    if mistyped := mistyped_columns(config, parquet.schema_arrow):
        name, found, declared = mistyped[0]
        raise CorpusError("release-invalid", f"column {name!r} is {found}, where the {config} config has "
                          f"{declared}: not a file of the {config} config", Location(file=str(file)))
    return parquet


def _kb_documents(path: Path) -> Iterator[dict]:
    """The document of each kb row, in its order (the one column read: kb rows hold whole texts).
    A release without kb rows is refused: every document would seem unannotated."""
    every = split_files(path, "kb", "which documents were annotated cannot be told")
    for file in (file for files in every.values() for file in files):
        # checked as read_config checks rows: a null document_id was "rows of document None out of
        # the documents config's order", naming the config's directory and no file or row
        for batch in _checked_batches(_config_file("kb", file), "kb", {}, file, ["document_id"]):
            yield from ({"doc_id": doc_id} for doc_id in batch.column(0).to_pylist())


class _ByDocument:
    """The rows of one config, handed out a document at a time."""

    def __init__(self, rows: Iterator[dict]):
        self._rows = rows
        self.next = next(rows, None)

    def take(self, doc_id: str) -> list[dict]:
        taken = []
        while self.next is not None and self.next["doc_id"] == doc_id:
            taken.append(self.next)
            self.next = next(self._rows, None)
        return taken


# --- conll2003 -----------------------------------------------------------------------------

def _write_conll(path: Path, out: Path, progress) -> tuple[int, list[Unaligned]]:
    documents = 0
    with contextlib.ExitStack() as stack:
        files: dict[str, TextIO] = {}
        # through read_documents, as every format: its checks (rows in the documents' order, of
        # documents the release has) hold for these files too
        for document in read_documents(path, ("ner",), annotated_only=True, on_progress=progress):
            if not document.sentences:
                continue
            lines = ["-DOCSTART- -X- -X- O", ""]
            for row in document.sentences:
                for token, tag in zip(row["tokens"], row["ner_tags"]):
                    if not token or any(character.isspace() for character in token):
                        raise CorpusError("export-invalid", f"sentence {row['id']}: token {token!r} is empty or has "
                                          "whitespace, which CoNLL columns cannot hold", Location(doc_id=row["doc_id"]))
                    lines.append(f"{token} -X- -X- {tag}")
                lines.append("")
            # a split's file is created with its first document, so a split without sentences has
            # none; the lines are joined by newlines, none after the last
            if (handle := files.get(document.split)) is None:
                handle = files[document.split] = stack.enter_context(
                    (out / f"{document.split}.txt").open("w", encoding="utf-8", newline=""))
            else:
                handle.write("\n")
            handle.write("\n".join(lines))
            documents += 1
    return documents, []


def read_conll(path: Path) -> list[tuple[list[str], list[str]]]:
    """(tokens, tags) of each sentence of a CoNLL-2003 file, -DOCSTART- lines skipped."""
    sentences, tokens, tags = [], [], []
    for line in Path(path).read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if tokens:
                sentences.append((tokens, tags))
            tokens, tags = [], []
            continue
        columns = line.split(" ")
        if columns[0] == "-DOCSTART-":
            continue
        tokens.append(columns[0])
        tags.append(columns[-1])
    return sentences


# --- spaCy ---------------------------------------------------------------------------------

def _spacy():
    try:
        import spacy
    except ImportError:
        raise CorpusError("export-needs-spacy", "the spacy format needs spaCy: pip install 'corpus-tools[spacy]'") \
            from None
    return spacy


def _write_spacy(path: Path, out: Path, progress) -> tuple[int, list[Unaligned]]:
    spacy = _spacy()
    from spacy.tokens import DocBin

    unaligned: list[Unaligned] = []
    documents = 0
    # the documents come split by split; a DocBin is serialized whole, so each file holds at most
    # SPACY_DOCUMENTS_PER_FILE of them, and a split is a directory, which spaCy's Corpus reads
    for split, group in groupby(read_documents(path, annotated_only=True, on_progress=progress),
                                key=lambda document: document.split):
        (out / split).mkdir()
        for index, chunk in enumerate(batched(group, SPACY_DOCUMENTS_PER_FILE)):
            # a pipeline per file: its vocabulary keeps every string it met (each span's region id,
            # some 50 a document), which one pipeline for the whole export held to the end (106,028
            # strings after 2,000 documents; the peak grew by 95 MB from 2,000 to 10,000 documents)
            nlp = spacy.blank("en")
            # spaCy refuses a text over max_length (1,000,000 characters) to spare its parser's and NER's
            # memory; a blank pipeline only tokenizes, so a longer document is exported, not a traceback
            nlp.max_length = sys.maxsize
            doc_bin = DocBin(store_user_data=True)
            for document in chunk:
                doc_bin.add(_spacy_doc(nlp, document, unaligned))
                documents += 1
            doc_bin.to_disk(out / split / f"{index:05d}.spacy")
    return documents, unaligned


def _spacy_doc(nlp, document: DocumentRows, unaligned: list[Unaligned]):
    doc = nlp(document.row["text"])
    # releases before 1.1.0 have no folds
    doc.user_data.update({"doc_id": document.doc_id, "split": document.split, "fold": document.row.get("fold")})
    ents, unplaced = [], []
    for mention in document.entities:
        span = _span(doc, document, mention, "", "entities", mention["label"], unaligned, kb_id=mention["entity_id"])
        if span is not None:
            ents.append(span)
        else:
            unplaced.append(doc.char_span(mention["start"], mention["end"], alignment_mode="expand"))
    _require_flat(document, ents)
    # the tokens of a mention that is no spaCy span are missing, not O: a model trained on the
    # DocBin must not learn that a gold entity is none
    placed = {token.i for span in ents for token in span}
    missing = sorted({token.i for span in unplaced if span is not None for token in span} - placed)
    doc.set_ents(ents, missing=[doc[i:i + 1] for i in missing], default="outside")
    groups: dict[str, list] = {"timexes": [], "quotes": [], "sources": [], "cues": []}
    for timex in document.timexes:
        groups["timexes"].append(_span(doc, document, timex, "", "timexes", timex["label"], unaligned))
    # a span's own fields are label, id and kb_id alone: the normalization a TIMEX3 tagger learns
    # is kept by the spans' ids, as quote_links is
    doc.user_data["timex_values"] = [[timex["id"], timex["value"], timex["mod"]] for timex in document.timexes]
    # a source or cue several quotes share is one region, so one span; which quote has which is
    # kept in user_data["quote_links"] ([quote id, source id, cue id]), by the spans' ids
    shared: dict[str, set] = {"sources": set(), "cues": set()}
    links = []
    for quote in document.quotes:
        groups["quotes"].append(_span(doc, document, quote, "", "quotes", quote["quote_type"], unaligned))
        links.append([quote["id"], quote["source_id"], quote["cue_id"]])
        for part, label in (("source", "SOURCE"), ("cue", "CUE")):
            region_id = quote[f"{part}_id"]
            if region_id is not None and region_id not in shared[f"{part}s"]:
                shared[f"{part}s"].add(region_id)
                groups[f"{part}s"].append(_span(doc, document, quote, f"{part}_", f"{part}s", label, unaligned,
                                                kb_id=quote["speaker_id"] if part == "source" else None))
    for name, spans in groups.items():
        doc.spans[name] = [span for span in spans if span is not None]
    doc.user_data["quote_links"] = links
    return doc


def _require_flat(document: DocumentRows, ents: list) -> None:
    """Entity spans do not overlap (a release's own check), and spaCy's ``doc.ents`` cannot hold
    two that do: a release that has them (built by other code, or re-summed) is ``export-invalid``
    naming both, not spaCy's E1010 traceback. (Mentions off spaCy's tokens may share a token:
    it is marked missing for both.)"""
    by_id = sorted(ents, key=lambda span: span.id_)  # of mentions on one span, the first id is named first
    for later, earlier in overlapping(by_id, lambda span: (span.start_char, span.end_char)):
        raise CorpusError("export-invalid", f"entity mentions {earlier.id_!r} and {later.id_!r} overlap, which spaCy's "
                          "doc.ents cannot hold", Location(doc_id=document.doc_id, region_id=later.id_))


def _span(doc, document: DocumentRows, row: dict, prefix: str, layer: str, label: str, unaligned: list[Unaligned],
          kb_id: str | None = None):
    """The spaCy span of the region whose columns in ``row`` begin with ``prefix`` (a quote's
    source or cue; "" for the row's own), or None, listing it in ``unaligned``, where it is not on
    token boundaries."""
    region_id, start, end = row[f"{prefix}id"], row[f"{prefix}start"], row[f"{prefix}end"]
    span = doc.char_span(start, end, label=label, kb_id=kb_id or "", alignment_mode="strict", span_id=region_id)
    if span is None:
        unaligned.append(Unaligned(document.doc_id, region_id, layer, start, end, row[f"{prefix}text"], label))
    return span


# --- brat ----------------------------------------------------------------------------------

def _write_brat(path: Path, out: Path, progress) -> tuple[int, list[Unaligned]]:
    documents = 0
    values: dict[str, set[str]] = defaultdict(set)
    for document in read_documents(path, annotated_only=True, on_progress=progress):
        documents += 1
        directory = out / document.split
        directory.mkdir(exist_ok=True)
        # newline="": the text as released on every platform (Windows would write each \n as \r\n,
        # shifting every brat offset after the first line break)
        (directory / f"{document.doc_id}.txt").write_text(document.row["text"], encoding="utf-8", newline="")
        ann = brat.document_ann(document.row["text"], document.entities, document.timexes, document.quotes,
                                document.doc_id)
        (directory / f"{document.doc_id}.ann").write_text(ann, encoding="utf-8", newline="")
        for line in ann.splitlines():
            if line.startswith("A"):
                name, _, value = line.split("\t")[1].split(" ")
                values[name].add(value)
    labels = {name: _label_set(path, config, column) for name, config, column in (
        ("entities", "entities", "label"), ("timexes", "timexes", "label"), ("quote_types", "quotes", "quote_type"))}
    (out / "annotation.conf").write_text(brat.annotation_conf(values, **labels), encoding="utf-8", newline="")
    return documents, []


def _label_set(path: Path, config: str, column: str) -> tuple[str, ...]:
    """The label names of ``column`` in the files of ``config``, in their order, each once: the
    release's own label set, which its rows are named with (a release made under another set than
    this code's keeps its names; annotation.conf must declare them)."""
    names: dict[str, None] = {}
    for files in split_files(path, config).values():
        for file in files:
            names.update(dict.fromkeys(file_label_names(config, open_parquet(file).schema_arrow, file)[column]))
    return tuple(names)


# --- jsonl ---------------------------------------------------------------------------------

def _layer_row(row: dict) -> dict:
    return {key: value for key, value in row.items() if key not in ("doc_id", "fold")}


def _write_jsonl(path: Path, out: Path, progress) -> tuple[int, list[Unaligned]]:
    documents = 0
    splits = []
    # the documents come split by split: one file open at a time
    for split, group in groupby(read_documents(path, annotated_only=True, on_progress=progress),
                                key=lambda document: document.split):
        splits.append(split)
        documents += _write_lines(out / f"{split}.jsonl", (_jsonl_line(
            document.row, {key: getattr(document, key) for key, _, _ in _NESTED}) for document in group))
    registry = _write_lines(out / JSONL_REGISTRY, read_config(path, "entity_registry"))
    (out / JSONL_CARD).write_text(_jsonl_card(path, splits, registry), encoding="utf-8", newline="")
    return documents, []


def _jsonl_line(row: dict, nested: dict[str, list]) -> dict:
    """A document's line: its documents row, then every layer's rows (``_NESTED``) in a list."""
    return {**row, **{key: [shape(item) for item in nested[key]] for key, _, shape in _NESTED}}


def _jsonl_card(path: Path, splits: list[str], registry: int) -> str:
    """The export's README.md: a dataset card whose YAML declares its files' configs (``configs``)
    and the release's features for them (``dataset_info``; the columns its files have, label
    columns with its own names), so ``datasets.load_dataset(DIR)`` types every split alike, where
    the JSON loader would type a column null throughout a file as null there (docs/release.md).
    A config without rows is not declared: datasets refuses one."""
    columns = {config: _release_columns(path, config)
               for config in ("documents", "entity_registry", *(config for _, config, _ in _NESTED))}
    declared = []
    if splits:
        # a layer's features given as its one row: shaped as every row is, then that list a List
        lines = _jsonl_line(columns["documents"], {key: [columns[config]] for key, config, _ in _NESTED})
        features = {name: List(value[0]) if isinstance(value, list) else value for name, value in lines.items()}
        declared.append(("documents", [(split, f"{split}.jsonl") for split in splits], features))
    if registry:
        declared.append(("entity_registry", [("train", JSONL_REGISTRY)], columns["entity_registry"]))
    header = {
        "configs": [{"config_name": name, **({"default": True} if name == "documents" else {}),
                     "data_files": [{"split": split, "path": file} for split, file in files]}
                    for name, files, _ in declared],
        "dataset_info": [{"config_name": name, "features": columns_yaml(features)} for name, _, features in declared],
    }
    version, name = release_metadata(path)
    terms = (f" The article texts come with the terms of {LICENSE_FILE}, which grants no licence to them."
             if (path / LICENSE_FILE).is_file() else "")
    return (f"---\n{yaml.safe_dump(header, sort_keys=False, allow_unicode=True, width=100)}---\n\n"
            f"# {name} {version}, as JSONL\n\n"
            "Written by `corpus-tools export --format jsonl`. `<split>.jsonl` holds one annotated document a line: "
            "its row of the release's `documents` config with its `entities`, `timexes`, `quotes` (source and cue "
            "nested, null where none was annotated) and `sentences` (its `ner` rows), labels as names; "
            f"`{JSONL_REGISTRY}` the entity registry.{terms}\n\n"
            "The YAML above declares the release's features for both, so every split loads with the same types "
            "(labels as ids, which `features` names):\n\n"
            "```python\nimport datasets\n\n"
            "documents = datasets.load_dataset(\"path/to/this/directory\")\n"
            "registry = datasets.load_dataset(\"path/to/this/directory\", \"entity_registry\", split=\"train\")\n"
            "```\n")


def _release_columns(path: Path, config: str) -> dict:
    """The columns of ``config`` that the release's files have, as arrow_schemas declares them,
    a label column with the names of the release's own label set (``_label_set``)."""
    present = {name for files in split_files(path, config).values() for file in files
               for name in open_parquet(file).schema_arrow.names}
    columns = {}
    for name, feature in spec(config).items():
        if name not in present:
            continue
        if isinstance(feature, ClassLabel):
            feature = ClassLabel(_label_set(path, config, name))
        elif isinstance(feature, List) and isinstance(feature.feature, ClassLabel):
            feature = List(ClassLabel(_label_set(path, config, name)))
        columns[name] = feature
    return columns


def _nested_quote(row: dict) -> dict:
    """A quote with its source and cue as nested objects (null when not annotated). Given a
    quote's features, the features of its nested form."""
    quote = {key: value for key, value in _layer_row(row).items()
             if key != "speaker_id" and not key.startswith(("source_", "cue_"))}
    for part in ("source", "cue"):
        fields = {key.removeprefix(f"{part}_"): value for key, value in row.items() if key.startswith(f"{part}_")}
        if part == "source":
            fields["speaker_id"] = row["speaker_id"]
        quote[part] = fields if fields["id"] is not None else None
    return quote


# (key in a document's line, the config whose rows it lists, how each row is nested there): the
# lines' shape, and the shape of the features declared for them (_jsonl_card), from one table
_NESTED = (("entities", "entities", _layer_row), ("timexes", "timexes", _layer_row),
           ("quotes", "quotes", _nested_quote), ("sentences", "ner", _layer_row))


def _write_lines(path: Path, rows) -> int:
    """Write ``rows`` as JSON lines to a new file; how many there were."""
    written = 0
    with path.open("x", encoding="utf-8", newline="") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, sort_keys=False) + "\n")
            written += 1
    return written


def _unaligned_dict(item: Unaligned) -> dict:
    return {"code": item.as_problem().code, **{name: getattr(item, name) for name in item.__slots__}}


_WRITERS = {"conll2003": _write_conll, "spacy": _write_spacy, "brat": _write_brat, "jsonl": _write_jsonl}
