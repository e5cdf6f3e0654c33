"""Build a release directory, atomically and immutably.

``build_release`` is pure over its inputs: the same documents, annotations, registry and
version give byte-identical files (sorted iteration, pinned parquet options, no clock). It
writes everything into a hidden temporary directory beside ``<dist>/<version>`` and renames it
into place only when complete, so a build killed at any moment leaves no partial release (only
a ``.<version>.partial-<pid>-*.tmp`` directory, removed by the next build). An existing release is
never changed: identical content is a no-op (once the published copy verifies), different content is refused.
"""

from __future__ import annotations

import dataclasses
import filecmp
import hashlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from corpus_tools import codes
from corpus_tools.errors import CorpusError, Location, Problem, Report, agreeing, quantity
from corpus_tools.fsutil import made_directories_removed, make_public, remove_abandoned, staging_dir, writing_under
from corpus_tools.iterutil import Totalled
from corpus_tools.records import (
    AnnotationQuality, Document, DocumentAnnotations, RegistryEntity, ReleaseDiff, same_text,
)
from corpus_tools.release.arrow_schemas import CONFIGS, arrow_schema
from corpus_tools.release.buildinfo import (
    BUILD_INFO_FILE, RECORDED, build_info_text, installed_versions, recorded_versions, version_differences,
)
from corpus_tools.release.card import CARD_TAGS, CONFIG_DESCRIPTIONS, CardInfo, card_text, config_splits, license_text
from corpus_tools.release.checks import check_document, check_registry, check_unknown_documents
from corpus_tools.release.checksums import (
    SUMS_FILE, config_files, file_split, parse_sums, release_files, require_verified, sha256_file, sums_text,
)
from corpus_tools.release.croissant import croissant_json
from corpus_tools.release.diff import (
    FilesCompared, card_section, changelog_line, check_bump, check_planned, diff_build, licence_note, open_release,
)
from corpus_tools.release.rights import LICENSE_FILE
from corpus_tools.release.rows import DOCUMENT_CONFIGS, DocInput, one_row, registry_row
from corpus_tools.release.splits import SPLITS, SplitPlan
from corpus_tools.release.stats import Stats
from corpus_tools.release.versions import VERSION_PATTERN, list_versions, version_key
from corpus_tools.release.writer import ShardedWriter, record_batch


@dataclass(frozen=True, slots=True)
class ShardSizes:
    """Rows per parquet file and per row group, per config (documents and kb rows are big)."""

    rows_per_shard: int = 100_000
    batch_rows: int = 2_000
    document_rows_per_shard: int = 20_000
    document_batch_rows: int = 200

    def for_config(self, config: str) -> tuple[int, int]:
        if config in ("documents", "kb"):
            return self.document_rows_per_shard, self.document_batch_rows
        return self.rows_per_shard, self.batch_rows


@dataclass(frozen=True, slots=True)
class ReleaseResult:
    path: Path
    version: str
    status: str  # "built" or "unchanged"
    files: tuple[str, ...]
    notes: tuple[str, ...] = ()  # for the person releasing, not the card (release.inputs.release)


def check_version(version: str) -> str:
    if not isinstance(version, str) or not VERSION_PATTERN.fullmatch(version):
        raise CorpusError("invalid-version", f"version {version!r} is not MAJOR.MINOR.PATCH (e.g. 1.0.0)")
    return version


@dataclass(frozen=True)
class ReleasePlan:
    """What a build decides before it reads any annotation (``plan_release``)."""

    target: Path  # <out_dir>/<version>
    published: bool  # the version is released already: what is built is compared with it
    previous: Any  # the previous release, opened and verified (diff.open_release), or None
    splits: SplitPlan  # where each document is published


def plan_release(documents: Mapping[str, Document], out_dir: str | Path, version: str,
                 previous: str | Path | None = None) -> ReleasePlan:
    """Everything that can refuse a build of ``version`` with these documents (their doc_ids)
    after ``previous`` before a row is built: the version's form, no documents, a published copy
    that fails its SHA256SUMS, a tampered previous release, and the version rule as far as the
    schema and the documents removed or added decide it (``diff.check_planned``). It reads no
    annotation, so ``corpus-tools release`` asks it before the stored exports are read (checked
    again when their tables are stale, ranked, streamed): a refusal costs none of that. Its
    ``splits`` are the build's."""
    check_version(version)
    if not documents:
        raise CorpusError("empty-release", "no documents: a release needs at least one")
    out_dir = Path(out_dir)
    target = out_dir / version
    published = target.is_dir() and any((target / name).exists() for name in (SUMS_FILE, "croissant.json"))
    if published:  # compared with what is built below: a copy changed since is named as such first
        require_verified(target)
    earlier = None if previous is None else open_release(previous)
    splits = SplitPlan.of(documents, _published_splits(None if earlier is None else earlier.path))

    def document_rows(doc_ids: list[str]) -> list[dict]:  # as _write_group builds and the writer types them
        items = [DocInput.of(documents[doc_id], _unannotated(doc_id), splits.split_of(doc_id), annotated=False)
                 for doc_id in doc_ids]
        return record_batch(arrow_schema("documents"), DOCUMENT_CONFIGS["documents"](items)[0]).to_pylist()

    # the version rule was met when the version was published: the same content is a no-op,
    # other content is release-exists (_publish), never a call for another bump
    if earlier is not None and not published:
        check_planned(earlier, version, documents.keys(), target, released=list_versions(out_dir),
                      document_rows=document_rows)
    return ReleasePlan(target, published, earlier, splits)


def build_release(documents: Mapping[str, Document],
                  annotations: Mapping[str, DocumentAnnotations] | Iterable[DocumentAnnotations],
                  registry: Sequence[RegistryEntity], out_dir: str | Path, version: str, *,
                  previous: str | Path | None = None, card: CardInfo = CardInfo(),
                  sizes: ShardSizes = ShardSizes(), upstream_problems: Sequence[Problem] = (),
                  regions_validated: bool = False,
                  annotation_quality: Callable[[], AnnotationQuality] | None = None,
                  on_progress: Callable[[int], None] | None = None,
                  comparing: Totalled | None = None, plan: ReleasePlan | None = None) -> ReleaseResult:
    """Build ``<out_dir>/<version>/`` from records; refuse invalid inputs, publishing nothing.

    ``annotations``: the chosen annotation per document, as a mapping by doc_id or as a stream
    in doc_id order (each document's rows are written when its annotation arrives; a stream out of
    that order is refused, ``annotations-out-of-order``), so neither documents nor annotations need
    be in memory at once. Documents are written in doc_id order, those without an annotation among
    the others: ``documents`` is looked up by
    doc_id. ``upstream_problems`` is filled while the stream is read (the validation of the stored
    exports); any error in it refuses the build, like an error found here. ``regions_validated``
    says every region was checked upstream against these documents and registry (as
    ``release`` streams them from corpus_tools.annotations.consolidate), so they are not checked again one by
    one (see checks.check_document). ``previous``: the directory of the release this one follows
    (None: the first release); the changelog and the card say what changed since it
    (corpus_tools.release.diff), its changelog is carried on, and a version that moves less than
    the changes need is refused (``version-bump-too-small``; the version rule: docs/release.md):
    before anything is built when its version, its schema or the documents removed or added
    decide it (``plan_release``), else once the changes are built and compared. ``plan``: what
    ``plan_release`` gave for these ``documents``, ``out_dir``, ``version`` and ``previous``, when
    the caller asked it first; else it is asked here.
    ``card``: what the card says that the data cannot (its caveats, names, homepage); the build
    adds what it learns writing the documents: the invented articles (their manifest records say
    so) and the documents nobody has annotated yet.
    ``annotation_quality``: called once the rows are written (the annotation stream consumed), for
    the card's and Croissant's annotation-quality figures. ``on_progress(n)``: n more documents
    written; ``comparing``: asked, with the number of documents to compare with ``previous``,
    for the ``on_progress`` called with the number just compared (corpus_tools.release.diff).
    """
    out_dir = Path(out_dir)
    if plan is None:
        plan = plan_release(documents, out_dir, version, previous)
    elif plan.target != out_dir / version:
        raise ValueError(f"the plan is for {plan.target}, not {out_dir / version}")
    _remove_killed_builds(out_dir)
    with made_directories_removed(out_dir):  # a first release refused leaves no empty dist/
        partial = staging_dir(out_dir, f".{version}.partial-")
        try:
            with writing_under(plan.target):
                _write_release(partial, documents, annotations, registry, version, plan, card, sizes,
                               upstream_problems, regions_validated, annotation_quality, on_progress,
                               released=list_versions(out_dir), comparing=comparing)
            return _publish(partial, plan.target, version, verified=plan.published)
        finally:
            shutil.rmtree(partial, ignore_errors=True)


def _remove_killed_builds(out_dir: Path) -> None:
    """Remove the staging directories that killed builds of any version left in ``out_dir``:
    ``staging_dir`` removes only those of its own version, and the build after a killed one is
    often of another (the version bumped meanwhile), which left the killed one's there for good."""
    versions = {path.name[1:].split(".partial-")[0] for path in out_dir.glob(".*.partial-*")}
    for version in sorted(version for version in versions if VERSION_PATTERN.fullmatch(version)):
        remove_abandoned(out_dir, f".{version}.partial-")


def invalid_inputs(report) -> CorpusError:
    """The refusal of a build whose inputs have errors, headed by where the fault is: the
    annotations (``invalid-annotations``), unless every error is of raw/ (one text under two
    doc_ids, ``raw-duplicate``), which nothing in annotations/ can mend: then by that code, as
    check-raw's refusal of one file's bytes under two doc_ids is headed."""
    errors = report.errors
    shown = "; ".join(str(problem) for problem in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    if all(codes.lookup(problem.code).stage == "raw" for problem in errors):
        return CorpusError(errors[0].code, f"{quantity(len(errors), 'error')} in raw/, nothing built: {shown}{more}")
    return CorpusError("invalid-annotations", f"{len(errors)} validation error(s), nothing built: {shown}{more}")


def _write_release(root: Path, documents, annotations, registry, version, release_plan: ReleasePlan, card, sizes,
                   upstream_problems, regions_validated, annotation_quality=None, on_progress=None, *,
                   released: Sequence[str] = (), comparing=None) -> None:
    stats = Stats()
    previous, plan = release_plan.previous, release_plan.splits
    document_splits = plan.declared
    # one background thread compresses row groups (pyarrow releases the GIL) while rows are built
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="release-writer") as background:
        writers = {
            (config, split): ShardedWriter(root, config, split, rows_per_shard=sizes.for_config(config)[0],
                                           batch_rows=sizes.for_config(config)[1], background=background)
            for config in CONFIGS for split in config_splits(config, document_splits)
        }
        written = Written()
        latest_update = _write_documents(documents, annotations, registry, writers, stats, upstream_problems,
                                         regions_validated, plan, written, on_progress)
        for entity in sorted(registry, key=lambda e: e.id):
            columns, count = one_row(registry_row(entity))
            stats.observe("entity_registry", "train", columns, count)
            writers["entity_registry", "train"].extend(columns, count)
        # a split in which a config has no rows is left out of that config (datasets, 3.x to 5.x,
        # refuses to load a split without rows, and with it the config's other splits); a config
        # without rows at all keeps an empty train shard, which holds its schema
        filled = {config for (config, _), writer in writers.items() if writer.rows}
        shards = sorted((shard for (config, split), writer in writers.items()
                         for shard in writer.close(keep_empty=split == "train" and config not in filled)),
                        key=lambda s: (CONFIGS.index(s.config), SPLITS.index(s.split), s.path))
    quality = annotation_quality() if annotation_quality is not None else None
    if quality is not None:  # the documents it knows of are the annotated ones
        quality = dataclasses.replace(quality, documents_unannotated=written.unannotated)
    # the versions make the provenance columns: their updates are the release's inputs too
    latest_update = max(filter(None, (latest_update, quality and quality.versions_updated)), default=None)
    # the card names the invented articles and the documents nobody annotated yet, whoever built it
    # (caveats, as croissant gives them)
    card = dataclasses.replace(card, invented=tuple(written.invented),
                               caveats=card.caveats + written.caveats(stats.total("documents")))
    # the version rule was met when the version was published (plan_release)
    _write_metadata(root, shards, stats, document_splits, version, latest_update, previous, card, quality,
                    not release_plan.published, released, comparing)


# Documents of one split whose rows are built and handed to the writers together: the ner
# tokenizer, the writers and the statistics pay their per-call costs once per group. Rows keep
# their order, and row groups depend only on row counts, so the output does not change.
_GROUP_DOCUMENTS = 32


class Written:
    """What the card says of the documents written that their rows cannot: the invented articles
    (their manifest records say so; every one is named), and those written without an annotation
    (their documents row only): how many, and the first few in doc_id order (memory does not grow
    with the corpus)."""

    SHOWN = 10

    def __init__(self) -> None:
        self.unannotated, self.first, self.invented = 0, [], []

    def add(self, doc_id: str, document: Document, annotated: bool) -> None:
        if document.metadata.invented:
            self.invented.append(doc_id)
        if not annotated:
            self.unannotated += 1
            if len(self.first) < self.SHOWN:
                self.first.append(doc_id)

    def caveats(self, documents: int) -> tuple[str, ...]:
        notes = []
        if self.invented:
            count = len(self.invented)
            notes.append(f"{count} of the documents {agreeing(count, 'is an invented article', 'are invented articles')} "
                         f"written for the project, not news ({', '.join(self.invented)}; their manifest evidence says "
                         f"so): leave {agreeing(count, 'it', 'them')} out of any use that needs real reporting.")
        if self.unannotated:
            count = self.unannotated
            shown = ", ".join(self.first) + (f" and {count - len(self.first)} more" if count > len(self.first) else "")
            notes.append(f"{quantity(count, 'document')} of {documents} {agreeing(count, 'has', 'have')} no annotation "
                         f"yet ({shown}): in the documents config only, with no rows in entities, timexes, quotes, ner "
                         "or kb, which would say the text names nothing.")
        return tuple(notes)


def _write_documents(documents, annotations, registry, writers, stats: Stats, upstream_problems,
                     regions_validated: bool, plan: SplitPlan, written: Written, on_progress=None) -> str | None:
    """One streaming pass: check each document, write its rows; any problem fails the build at the
    end (after every document is checked, so the error lists them all). Returns the latest update day;
    ``written`` is told every document written, and whether it was annotated."""
    registry_ids = Counter(entity.id for entity in registry)
    problems = list(check_registry(registry_ids))
    latest_update = None
    upstream_read, upstream_failed = 0, False
    groups: dict[str, list[DocInput]] = {split: [] for split in SPLITS}
    first_with: dict[str, str] = {}  # text_sha256 -> the first doc_id of that text
    for doc_id, ann in _paired(documents, annotations, problems):
        if on_progress is not None:
            on_progress(1)
        document = documents[doc_id]
        problems.extend(check_document(doc_id, document, ann, registry_ids, regions_validated))
        if (twice := same_text(first_with, document)) is not None:
            problems.append(twice)
        upstream_failed = upstream_failed or any(problem.severity == "error"
                                                 for problem in upstream_problems[upstream_read:])
        upstream_read = len(upstream_problems)
        if problems or upstream_failed:  # nothing written from here on: the build will fail
            continue
        item = DocInput.of(document, ann or _unannotated(doc_id), plan.split_of(doc_id), annotated=ann is not None)
        written.add(doc_id, document, annotated=ann is not None)
        groups[item.split].append(item)
        if len(groups[item.split]) == _GROUP_DOCUMENTS:
            _write_group(groups[item.split], writers, stats)
            groups[item.split] = []
        latest_update = max(filter(None, (latest_update, _updated(ann))), default=None)
    errors = [problem for problem in upstream_problems if problem.severity == "error"] + problems
    if errors:
        raise invalid_inputs(Report.of(errors))
    for group in groups.values():
        if group:
            _write_group(group, writers, stats)
    return latest_update


def _write_group(items: list[DocInput], writers, stats: Stats) -> None:
    """The rows of documents of one split, config by config. A document nobody annotated yet has
    its documents row only: its ner rows would tag every token O and its kb row list no entity,
    labels a model would learn as true."""
    split = items[0].split
    annotated = [item for item in items if item.annotated]
    for config, rows in DOCUMENT_CONFIGS.items():
        group = items if config == "documents" else annotated
        if not group:
            continue
        columns, count = rows(group)
        stats.observe(config, split, columns, count)
        writers[config, split].extend(columns, count)


def _paired(documents: Mapping[str, Document], annotations, problems: list[Problem]
            ) -> Iterator[tuple[str, DocumentAnnotations | None]]:
    """Every document once, with its annotation if it has one (see build_release for the order)."""
    if isinstance(annotations, Mapping):
        problems.extend(check_unknown_documents(documents, annotations))
        for doc_id in sorted(documents):
            yield doc_id, annotations.get(doc_id)
        return
    # merged with every document in doc_id order: those without an annotation take their place
    # among the annotated ones, so a document's row does not move when another is annotated
    remaining = iter(sorted(documents))
    upcoming, previous = next(remaining, None), None
    for ann in annotations:
        if ann.doc_id not in documents:
            problems.extend(check_unknown_documents(documents, {ann.doc_id: ann}))
        elif ann.doc_id == previous:
            problems.append(Problem("duplicate-chosen-annotation", f"a second chosen annotation for {ann.doc_id!r}",
                                    Location(doc_id=ann.doc_id)))
        elif upcoming is None or ann.doc_id < upcoming:
            problems.append(Problem("annotations-out-of-order", f"the chosen annotation of {ann.doc_id!r} comes "
                                    f"after that of {previous!r}: a stream of annotations is in doc_id order, one "
                                    "per document",
                                    Location(doc_id=ann.doc_id)))
        else:
            while upcoming != ann.doc_id:
                yield upcoming, None
                upcoming = next(remaining, None)
            yield ann.doc_id, ann
            upcoming, previous = next(remaining, None), ann.doc_id
    while upcoming is not None:
        yield upcoming, None
        upcoming = next(remaining, None)


def _write_metadata(root: Path, shards, stats, document_splits, version, date, previous,
                    card, quality: AnnotationQuality | None = None, version_rule: bool = True,
                    released: Sequence[str] = (), comparing=None) -> None:
    """Card, changelog, LICENSE.md and Croissant (which need the shards' sizes and hashes), then SHA256SUMS last.
    First the diff from the ``previous`` release (opened by build_release; None: this is the first),
    which the card and changelog report, and whose version rule may refuse the version before
    anything is published (``released``: the versions in its dist/, which the refusal's advice
    must not name)."""
    changes = None if previous is None else diff_build(previous, root, version, card.pretty_name,
                                                       comparing=comparing)
    if changes is not None and version_rule:
        check_bump(changes, released)
    history = "" if previous is None else (previous.path / "CHANGELOG.md").read_text(encoding="utf-8")
    hashes = {shard.path: sha256_file(root / shard.path) for shard in shards}
    file_sizes = {shard.path: (root / shard.path).stat().st_size for shard in shards}
    licence = license_text(card, date)
    files = None if changes is None else _files_compared(previous.path, hashes, licence)
    removals = None if card.removals is None else dict(card.removals)
    texts = {
        "README.md": card_text(card, version, stats, shards, document_splits, file_sizes, date,
                               card_section(changes, files=files, removals=removals), quality),
        "CHANGELOG.md": changelog(version, date, stats, history, changes,
                                  licence_note(changes.old_version, files) if changes else ""),
        LICENSE_FILE: licence,
        "croissant.json": croissant_json(
            name=card.pretty_name, description=card.description, version=version, url=card.url, creator=card.creator,
            cite_as=card.citation(version, date), date_published=date, shards=shards, sha256=hashes,
            keywords=tuple(CARD_TAGS), descriptions=CONFIG_DESCRIPTIONS, quality=quality, limitations=card.caveats),
        BUILD_INFO_FILE: build_info_text(installed_versions()),
    }
    for name, text in texts.items():
        (root / name).write_bytes(text.encode("utf-8"))
    (root / SUMS_FILE).write_bytes(sums_text(root).encode("utf-8"))  # last: it lists the files above


def _files_compared(previous: Path, hashes: dict[str, str], licence: str) -> FilesCompared:
    """Which files beyond the card, changelog, Croissant metadata and SHA256SUMS differ from the
    ``previous`` release's (verified when opened): the card names them all for a release whose
    data did not change, and a new or changed LICENSE.md for any."""
    listed, _ = parse_sums((previous / SUMS_FILE).read_bytes(), str(previous / SUMS_FILE))
    parquet = {name: digest for name, digest in listed.items() if name.endswith(".parquet")}
    recorded, installed = recorded_versions(previous), installed_versions()
    # the libraries that write the files' bytes: not corpus_tools (the release's own), nor the
    # interpreter (its Unicode database decides the text, which is the rows, not their bytes)
    libraries = recorded is not None and any(recorded.get(name) != version for name, version in installed.items()
                                             if name in RECORDED and name != "corpus-tools")
    # releases before 1.1.9 have none; compared by its verified hash, as the parquet files are: read
    # as text (universal newlines), the same words in CRLF were "not differing"
    license_file = ("new" if LICENSE_FILE not in listed else
                    "changed" if listed[LICENSE_FILE] != hashlib.sha256(licence.encode("utf-8")).hexdigest() else "")
    return FilesCompared(build_info=recorded != installed, parquet=parquet != hashes, libraries=libraries,
                         license_file=license_file)


def _published_splits(previous: str | Path | None) -> tuple[str, ...]:
    """The splits ``previous`` or a release before it (beside it: its dist/) published documents
    in (their documents config's file names): a split once declared stays declared, so no
    document goes back from validation or test to train. Every earlier release is read, since a
    declared split whose documents were all removed has no file in the next release (datasets
    refuses a split without rows), and the release that first declared a split published its
    documents (at least MIN_SPLIT_DOCUMENTS)."""
    if previous is None:
        return ()
    previous = Path(previous)
    earlier = [previous] + [previous.parent / version for version in list_versions(previous.parent)
                            if version_key(version) < version_key(previous.name)] \
        if VERSION_PATTERN.fullmatch(previous.name) else [previous]
    names = {file_split(path) for release in earlier for path in config_files(release, "documents")}
    return tuple(split for split in SPLITS if split in names)


def _unannotated(doc_id: str) -> DocumentAnnotations:
    return DocumentAnnotations(doc_id=doc_id, entities=(), timexes=(), quotes=())


def _updated(ann: DocumentAnnotations | None) -> str | None:
    """The day an annotation was last updated: release dates come from the inputs, never the clock."""
    if ann is None or ann.provenance is None or not ann.provenance.updated_at:
        return None
    return ann.provenance.updated_at[:10]


def changelog(version: str, date: str | None, stats: Stats, previous: str, changes: ReleaseDiff | None,
              licence: str = "") -> str:
    """``licence``: what to say of a new or changed LICENSE.md (diff.licence_note), if anything."""
    entry = (
        f"## {version}" + (f" ({date})" if date else "") + "\n\n"
        f"- {stats.total('documents')} documents, {stats.total('entities')} entity mentions, "
        f"{stats.total('timexes')} time expressions, {stats.total('quotes')} quote(s), "
        f"{stats.total('entity_registry')} registry entities.\n"
        f"{changelog_line(changes)}\n" + (f"- {licence}\n" if licence else "")
    )
    earlier = previous.split("\n", 2)[2] if previous.startswith("# Changelog\n") else previous
    return "# Changelog\n\n" + entry + ("\n" + earlier.lstrip("\n") if earlier.strip() else "")


def _publish(partial: Path, target: Path, version: str, verified: bool = False) -> ReleaseResult:
    files = tuple(release_files(partial)) + (SUMS_FILE,)
    make_public(partial)
    if not target.exists():
        try:
            os.rename(partial, target)  # atomic on one filesystem; fails if target appeared meanwhile
            return ReleaseResult(target, version, "built", files)
        except OSError:
            if not target.exists():
                raise
    if not target.is_dir() or not any(target.iterdir()):
        what = "an empty directory" if target.is_dir() else "not a release directory"
        raise CorpusError("release-exists", f"{target.name} exists and is {what}; releases are "
                          "immutable: move it away, or bump the version in corpus_tools/version.py",
                          Location(file=str(target)))
    # the record of the versions that built it is no content: the same bytes built with other
    # versions are the same release (SHA256SUMS differs only by that record's hash)
    differing = [name for name in _differences(partial, target) if name not in (BUILD_INFO_FILE, SUMS_FILE)]
    if differing:
        versions = version_differences(recorded_versions(target), recorded_versions(partial) or {})
        raise CorpusError(
            "release-exists",
            f"release {version} already exists with different content ({', '.join(differing[:5])}"
            f"{' ...' if len(differing) > 5 else ''}); releases are immutable: bump the version in "
            "corpus_tools/version.py to release new content"
            + (f"; {versions}: `make release` installs the recorded ones (requirements.lock)" if versions else ""),
            Location(file=str(target)),
        )
    # the same content, but is the published copy still whole? (SHA256SUMS is compared above
    # only through the files it lists; build_release verified a copy there before it built)
    if not verified:
        require_verified(target)
    return ReleaseResult(target, version, "unchanged", files)


def _differences(new: Path, old: Path) -> list[str]:
    new_files, old_files = set(release_files(new)) | {SUMS_FILE}, set(release_files(old)) | {SUMS_FILE}
    same = {name for name in new_files & old_files
            if (old / name).is_file() and filecmp.cmp(new / name, old / name, shallow=False)}
    return sorted((new_files | old_files) - same)
