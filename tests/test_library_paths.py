"""The library's public functions, called from Python with a path the system refuses (nothing
there, a directory for a file, a loop of symbolic links), raise the CorpusError the command line
prints for it (``file-error`` naming the path), never the system's own exception, and write
nothing. Permissions are not tried: the suite runs as root too, which reads every file."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus_tools.errors import CorpusError, cut
from corpus_tools.ingest import ingest, validate_export
from conftest import tree
from export_corpus import corpus_root, documents, registry


def bad_path(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A path of ``kind`` under ``tmp_path``, and the message file-error gives for it."""
    path = tmp_path / "bad" / "export.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "missing":
        return path, "No such file or directory"
    if kind == "directory":
        path.mkdir()
        return path, "is a directory, not a regular file"
    if kind == "under-a-file":
        path.write_bytes(b"[]")
        return path / "export.json", "Not a directory"
    assert kind == "loop"
    path.symlink_to(path.parent / "other.json")
    (path.parent / "other.json").symlink_to(path)
    return path, None  # opened: "is a symbolic link to ..."; asked for its size first: ELOOP


KINDS = ["missing", "directory", "under-a-file", "loop"]


@pytest.mark.parametrize("jobs", [1, None])
@pytest.mark.parametrize("kind", KINDS)
def test_validate_export_of_a_path_that_is_no_file(tmp_path, kind, jobs):
    path, message = bad_path(tmp_path, kind)
    with pytest.raises(CorpusError) as refused:
        validate_export(path, documents(), registry(), jobs=jobs)
    assert refused.value.code == "file-error" and refused.value.location.file == str(path)
    if kind == "loop":  # jobs=None asks the file's size first, which the loop refuses
        assert refused.value.message == ("Too many levels of symbolic links" if jobs is None else
                                         f"is a symbolic link to {str(path.parent / 'other.json')!r}, not a regular file")
    else:
        assert refused.value.message == message


@pytest.mark.parametrize("kind", KINDS)
def test_ingest_of_a_path_that_is_no_file_writes_nothing(tmp_path, kind):
    layout = corpus_root(tmp_path / "corpus")
    path, message = bad_path(tmp_path, kind)
    before = tree(layout.root)
    with pytest.raises(CorpusError) as refused:
        ingest(path, layout, documents(), registry())
    assert refused.value.code == "file-error" and refused.value.location.file == str(path)
    assert refused.value.message == (message or "Too many levels of symbolic links")
    assert str(refused.value) == f"{path}: [file-error] {refused.value.message}"
    assert tree(layout.root) == before


# --- the JSON-lines files people write (strictjson.object_lines) and fsutil.present ------------

def _readers(layout):
    from corpus_tools.annotations.annotators import load_annotators
    from corpus_tools.annotations.lint import read_acceptances
    from corpus_tools.annotations.registry import load_registry
    from corpus_tools.documents.removals import removed_documents

    return {
        "entity-registry.jsonl": lambda: load_registry(layout),
        "annotators.jsonl": lambda: load_annotators(layout),
        "removed-documents.jsonl": lambda: removed_documents(layout, {}),
        "lint-accepted.jsonl": lambda: read_acceptances(layout.annotations / "lint-accepted.jsonl"),
    }


@pytest.mark.parametrize("kind", ["directory", "loop"])
@pytest.mark.parametrize("name", ["entity-registry.jsonl", "annotators.jsonl", "removed-documents.jsonl",
                                  "lint-accepted.jsonl"])
def test_a_corpus_file_that_is_a_directory_or_a_loop_is_a_file_error(corpus_copy, name, kind):
    path = corpus_copy.annotations / name
    path.unlink(missing_ok=True)
    if kind == "directory":
        path.mkdir()
        message = "is a directory, not a regular file"
    else:
        path.symlink_to(name + ".2")
        (corpus_copy.annotations / (name + ".2")).symlink_to(name)
        message = f"is a symbolic link to {name + '.2'!r}, which leads to no file, not a regular file"
    with pytest.raises(CorpusError) as refused:
        _readers(corpus_copy)[name]()
    assert (refused.value.code, refused.value.location.file, refused.value.message) == ("file-error", str(path), message)


@pytest.mark.parametrize("kind", KINDS)
def test_lint_corpus_and_read_results_of_a_path_that_is_no_file(corpus_copy, tmp_path, kind):
    from corpus_tools.annotations.lint import lint_corpus
    from corpus_tools.labelstudio.annotate import read_results

    path, message = bad_path(tmp_path, kind)
    for read in (lambda: lint_corpus(corpus_copy, accepted=path), lambda: read_results(path)):
        with pytest.raises(CorpusError) as refused:
            read()
        assert refused.value.code == "file-error" and refused.value.location.file == str(path)
        if message is not None:
            assert refused.value.message == message


@pytest.mark.parametrize("kind", ["missing", "under-a-file", "loop"])
def test_results_to_submit_of_worksheets_that_are_no_directory_is_a_file_error(corpus_copy, tmp_path, kind):
    """A worksheets path that is not there was "annotate-empty: no worksheet (*.yaml) in it", as
    if the directory were there and empty."""
    from corpus_tools.labelstudio.annotate import results_to_submit

    sheets = tmp_path / "round-9"
    if kind == "under-a-file":
        sheets.write_bytes(b"not a directory")
        sheets = sheets / "annotator-1"
    elif kind == "loop":
        _loop(sheets)
    with pytest.raises(CorpusError) as refused:
        results_to_submit(corpus_copy, worksheets=sheets)
    message = {"missing": "No such file or directory", "under-a-file": "Not a directory",
               "loop": "Too many levels of symbolic links"}[kind]
    assert str(refused.value) == f"{sheets}: [file-error] {message}"


@pytest.mark.parametrize("kind", KINDS)
def test_load_worksheet_of_a_path_that_is_no_file_is_a_file_error(tmp_path, kind):
    """It was worksheet-unreadable ("cannot read worksheet: [Errno 2] No such file or directory:
    '<the path again>'"), and a FIFO among the worksheets was waited on for ever."""
    from corpus_tools.labelstudio.worksheet import load_worksheet

    path, message = bad_path(tmp_path, kind)
    with pytest.raises(CorpusError) as refused:
        load_worksheet(path)
    assert (refused.value.code, refused.value.location.file) == ("file-error", str(path))
    assert refused.value.message == (message or f"is a symbolic link to {str(path.parent / 'other.json')!r}, "
                                                "not a regular file")


def test_commands_that_write_refuse_a_removal_record_that_is_a_directory_and_write_nothing(corpus_copy, tmp_path):
    from corpus_tools.documents.add import add_files
    from corpus_tools.documents.remove import remove_documents
    from corpus_tools.release.inputs import release

    corpus_copy.removed_documents.unlink(missing_ok=True)
    corpus_copy.removed_documents.mkdir()
    article = tmp_path / "in" / "article.txt"
    article.parent.mkdir()
    article.write_text("A headline\n\nWashington said on Monday that it would act.\n")
    before = tree(corpus_copy.root)
    doc_id = next(iter(_manifest_doc_ids(corpus_copy)))
    for write in (lambda: add_files(corpus_copy, [article], invented="a test"),
                  lambda: remove_documents(corpus_copy, [doc_id], "a test"),
                  lambda: release(corpus_copy)):
        with pytest.raises(CorpusError) as refused:
            write()
        assert str(refused.value) == f"{corpus_copy.removed_documents}: [file-error] is a directory, not a regular file"
        assert tree(corpus_copy.root) == before


def _manifest_doc_ids(layout):
    from corpus_tools.documents.raw import read_manifest

    return [record.doc_id for record in read_manifest(layout.manifest)]


# --- the stored exports (units tables made from them) -----------------------------------------

@pytest.mark.parametrize("kind", ["missing", "directory", "loop"])
def test_a_stored_export_json_that_is_no_file_is_a_file_error_wherever_the_store_is_read(corpus_copy, kind):
    from corpus_tools.annotations.consolidate import load_annotation_set
    from corpus_tools.annotations.registry import load_registry
    from corpus_tools.documents.index import load_documents
    from corpus_tools.ingest import stored_exports

    export = stored_exports(corpus_copy)[0].export
    export.unlink()
    message = {"missing": "No such file or directory", "directory": "Is a directory",
               "loop": "Too many levels of symbolic links"}[kind]
    if kind == "directory":
        export.mkdir()
    elif kind == "loop":
        export.symlink_to("other.json")
        (export.parent / "other.json").symlink_to("export.json")
    documents, entities = load_documents(corpus_copy), load_registry(corpus_copy)
    before = tree(corpus_copy.root)
    with pytest.raises(CorpusError) as refused:
        load_annotation_set(corpus_copy, documents, entities)
    assert (refused.value.code, refused.value.location.file, refused.value.message) == (
        "file-error", str(export), message)
    assert tree(corpus_copy.root) == before


# --- add_files ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["directory", "loop"])
def test_add_files_of_a_directory_or_a_loop_of_links_is_a_file_error_and_adds_nothing(corpus_copy, tmp_path, kind):
    from corpus_tools.documents.add import add_files

    path, message = bad_path(tmp_path, kind)
    before = tree(corpus_copy.root)
    with pytest.raises(CorpusError) as refused:
        add_files(corpus_copy, [path], invented="a test")
    assert (refused.value.code, refused.value.location.file, refused.value.message) == (
        "file-error", str(path), message or "Too many levels of symbolic links")
    assert tree(corpus_copy.root) == before


# --- outputs: export_release, build_site -------------------------------------------------------

RELEASE = Path(__file__).resolve().parent.parent / "dist" / "1.1.11"


@pytest.mark.parametrize("kind", ["loop", "under-a-file", "name-too-long"])
@pytest.mark.parametrize("writer", ["export_release", "build_site"])
def test_an_output_path_the_system_refuses_is_a_file_error_and_nothing_is_written(tmp_path, writer, kind):
    from corpus_tools.release.export import export_release
    from corpus_tools.view.site import build_site

    out = tmp_path / "out" / "site"
    out.parent.mkdir()
    if kind == "loop":
        out.symlink_to("other")
        (out.parent / "other").symlink_to("site")
        named, message = out, "Too many levels of symbolic links"
    elif kind == "name-too-long":
        # a name the system takes, in directories made for it; its staging directory's it does
        # not: said of the output, not of out/a/b (whose name is fine), and out/a/b is not left
        out = out.parent / "a" / "b" / ("s" * 245)
        named, message = out, "File name too long"
    else:
        (out.parent / "file").write_bytes(b"x")
        out = out.parent / "file" / "site"
        named, message = out.parent, "Not a directory"
    before = tree(tmp_path)
    with pytest.raises(CorpusError) as refused:
        if writer == "export_release":
            export_release(RELEASE, "jsonl", out)
        else:
            build_site(RELEASE, out)
    assert (refused.value.code, refused.value.location.file, refused.value.message) == (
        "file-error", str(named), message)
    assert tree(tmp_path) == before


def test_a_refused_task_file_leaves_no_directory_made_for_it(corpus_copy, tmp_path):
    """atomic_writer made the output's parents, then its temporary (".<name>.<pid>-<random>.tmp")
    was refused as a name too long for the system: the error named the output, and the empty
    directories made for it stayed."""
    from click.testing import CliRunner

    from corpus_tools.cli import cli

    out = tmp_path / "out" / "a" / "b" / ("t" * 245 + ".json")  # a name the system takes; its temporary's it does not
    (tmp_path / "out").mkdir()
    before = tree(tmp_path)
    result = CliRunner().invoke(cli, ["labelstudio", "tasks", "-o", str(out), "--root", str(corpus_copy.root)])
    assert result.exit_code == 1
    # one line naming the output (cut past 200 characters, as every printed path is)
    assert result.output == f"Error: {cut(str(out))}: [file-error] File name too long\n"
    assert tree(tmp_path) == before


@pytest.mark.parametrize("kind", ["file", "under-a-file"])
def test_write_normalized_to_a_path_the_system_refuses_is_a_file_error(corpus_copy, tmp_path, kind):
    """It raised the system's NotADirectoryError, a traceback to a Python caller, where
    export_release and build_site give the file-error the command line prints."""
    from corpus_tools.documents.index import write_normalized

    out = tmp_path / "out"
    out.write_bytes(b"not a directory")
    if kind == "under-a-file":
        out = out / "normalized"
    before = tree(tmp_path)
    with pytest.raises(CorpusError) as refused:
        write_normalized(corpus_copy, out)
    assert str(refused.value) == f"{out}: [file-error] Not a directory"
    assert tree(tmp_path) == before


@pytest.mark.parametrize("kind", ["missing", "file", "loop"])
def test_build_site_of_a_raw_dir_that_is_no_directory_is_a_file_error_and_nothing_is_written(tmp_path, kind):
    """It was read as a raw/ that holds no raw file: a site written, every page saying "raw file
    raw/... not found", for a mistyped path."""
    from corpus_tools.view.site import build_site

    raw = tmp_path / "checkout" / "raw"
    raw.parent.mkdir()
    if kind == "file":
        raw.write_bytes(b"not a directory")
    elif kind == "loop":
        _loop(raw)
    before = tree(tmp_path)
    with pytest.raises(CorpusError) as refused:
        build_site(RELEASE, tmp_path / "out" / "site", raw_dir=raw)
    message = {"missing": "No such file or directory", "file": "Not a directory",
               "loop": "Too many levels of symbolic links"}[kind]
    assert str(refused.value) == f"{raw}: [file-error] {message}"
    assert tree(tmp_path) == before


# --- build/ (the package's scratch) and the corpus's root --------------------------------------

def _loop(path: Path) -> None:
    path.symlink_to(path.name + ".2")
    path.with_name(path.name + ".2").symlink_to(path.name)


def test_a_build_directory_in_a_loop_of_links_is_a_file_error_from_lint_not_a_runtime_error(corpus_copy):
    """The raw index's path was resolved with Path.resolve, whose RuntimeError ("Symlink loop")
    is no OSError: a traceback from the command line too, not only from Python."""
    from click.testing import CliRunner

    from corpus_tools.annotations.lint import lint_corpus
    from corpus_tools.cli import cli

    _loop(corpus_copy.build)
    before = tree(corpus_copy.root)
    with pytest.raises(CorpusError) as refused:
        lint_corpus(corpus_copy)
    assert (refused.value.code, refused.value.message) == ("file-error", "Too many levels of symbolic links")
    assert Path(refused.value.location.file).parent == corpus_copy.build / "cache"
    assert Path(refused.value.location.file).name.startswith("raw-index.")
    result = CliRunner().invoke(cli, ["lint", "--root", str(corpus_copy.root)])
    assert result.exit_code == 1 and result.output == f"Error: {refused.value}\n"
    assert tree(corpus_copy.root) == before


def test_a_build_that_is_a_file_is_a_file_error(corpus_copy):
    """Said "Not a directory" by every command: the corpus lock's (release, ingest, add, remove)
    said "File exists", which does not say a file is in the way (fsutil.make_directories)."""
    from corpus_tools.annotations.lint import lint_corpus
    from corpus_tools.release.inputs import release

    corpus_copy.build.write_bytes(b"not a directory")
    before = tree(corpus_copy.root)
    for read, named, message in ((lambda: lint_corpus(corpus_copy), corpus_copy.build / "cache", "Not a directory"),
                                 (lambda: release(corpus_copy), corpus_copy.build, "Not a directory")):
        with pytest.raises(CorpusError) as refused:
            read()
        assert (refused.value.code, refused.value.location.file, refused.value.message) == (
            "file-error", str(named), message)
        assert tree(corpus_copy.root) == before


@pytest.mark.parametrize("kind", ["file", "loop"])
def test_a_corpus_root_that_is_a_file_or_a_loop_is_a_file_error(tmp_path, kind):
    from corpus_tools.documents.index import load_documents
    from corpus_tools.layout import Layout

    root = tmp_path / "corpus"
    if kind == "file":
        root.write_bytes(b"not a corpus")
    else:
        _loop(root)
    with pytest.raises(CorpusError) as refused:  # a loop is met by Layout.at, a file by reading raw/
        load_documents(Layout.at(root))
    assert (refused.value.code, refused.value.location.file, refused.value.message) == (
        ("file-error", str(root / "raw"), "Not a directory") if kind == "file" else
        ("file-error", str(root), "Too many levels of symbolic links"))
