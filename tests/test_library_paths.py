"""The library's public functions, called from Python with a path the system refuses (nothing
there, a directory for a file, a loop of symbolic links), raise the CorpusError the command line
prints for it (``file-error`` naming the path), never the system's own exception, and write
nothing. Permissions are not tried: the suite runs as root too, which reads every file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from corpus_tools.errors import CorpusError
from corpus_tools.ingest import ingest, validate_export
from export_corpus import corpus_root, documents, registry


def tree(root: Path) -> dict[str, bytes | str]:
    """Every file and symbolic link under ``root`` (by its bytes, or where it leads), build/ aside
    (scratch): what a refusal must leave as it was. Directories are not compared: any refused
    ingest leaves annotations/exports/ made, empty, as it always has (an empty store)."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if name.split(os.sep)[0] == "build":
            continue
        if path.is_symlink():
            found[name] = os.readlink(path)
        elif path.is_file():
            found[name] = path.read_bytes()
    return found


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
