"""What a real Label Studio server's Export dialog gives, fed to ``validate`` and ``ingest``.

The files of tests/fixtures/labelstudio-formats/ were downloaded from a Label Studio 1.23.2
server started with ``corpus-tools labelstudio server start`` (a one-task project with the
generated labeling config and one submitted annotation; how, in make_labelstudio_formats.py
there), and are committed as the server wrote them.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus_tools.cli import cli
from corpus_tools.ingest.formats import EXPORT_AS_JSON
from export_corpus import corpus_root, stored_files

FORMATS = Path(__file__).resolve().parent / "fixtures" / "labelstudio-formats"
CSV_COLUMNS = "'annotation_id', 'annotator', 'created_at', 'doc_id', 'entity', 'entity_id' and 9 more"


def _both(path: Path, root: Path) -> tuple:
    """``validate`` and then ``ingest`` of ``path`` against the corpus at ``root``."""
    runner = CliRunner()
    return (runner.invoke(cli, ["validate", str(path), "--root", str(root)]),
            runner.invoke(cli, ["ingest", str(path), "--root", str(root)]))


@pytest.mark.parametrize("name, kind", [("project.csv", "CSV"), ("project.tsv", "TSV")])
def test_a_real_csv_or_tsv_export_is_named_as_one(tmp_path: Path, name, kind):
    """Label Studio quotes every column name ("annotation_id","annotator",...): the file starts
    with '"' as a JSON string does, and was refused as 'JSON, but not a Label Studio export',
    with no word of CSV nor of what to export instead."""
    layout = corpus_root(tmp_path / "corpus")
    path = FORMATS / name
    for result in _both(path, layout.root):
        assert result.exit_code == 1
        assert result.output == (f"Error: {path}, byte 0: [export-not-json] a Label Studio {kind} export (columns "
                                 f"{CSV_COLUMNS}), not a JSON export: {kind} keeps no region ids or relations; "
                                 f"{EXPORT_AS_JSON}\n")
    assert stored_files(layout) == []


def test_the_real_json_export_of_the_same_project_passes(tmp_path: Path):
    layout = corpus_root(tmp_path / "corpus")
    validated, ingested = _both(FORMATS / "project.json", layout.root)
    assert validated.exit_code == 0, validated.output
    assert validated.output.startswith("valid (1 annotation, 0 cancelled annotations, 1 region, 0 relations")
    assert ingested.exit_code == 0, ingested.output
    assert [name.split("/")[-1] for name in stored_files(layout) if "/" in name] == ["export.json", "ingest.json"]


def test_the_json_inside_a_coco_zip_says_what_to_export_instead(tmp_path: Path):
    """Label Studio zips its COCO export (images/ and result.json); the ZIP's message says to give
    the .json inside, and that file (a COCO object) was refused without a word of what to export."""
    layout = corpus_root(tmp_path / "corpus")
    with zipfile.ZipFile(FORMATS / "project-coco.zip") as archive:
        assert archive.namelist() == ["images/", "result.json"]
        path = tmp_path / "result.json"
        path.write_bytes(archive.read("result.json"))
    for result in _both(path, layout.root):
        assert result.exit_code == 1
        assert result.output == (f"Error: {path}, byte 0: [export-not-array] JSON, but not a Label Studio export: "
                                 f"an export is a JSON array of tasks, this file starts with b'{{'; {EXPORT_AS_JSON}\n")
    assert stored_files(layout) == []


@pytest.mark.parametrize("between", [b"", b"\n"])
def test_an_export_downloaded_twice_into_one_file_is_named_so(tmp_path: Path, between):
    """The real JSON export twice in one file (``cat`` of two downloads, or a download appended
    to its file): refused at the second array's '[' with 'data after the closing bracket', which
    said neither what happened nor what to give instead."""
    layout = corpus_root(tmp_path / "corpus")
    export = (FORMATS / "project.json").read_bytes()
    path = tmp_path / "twice.json"
    path.write_bytes(export + between + export)
    for result in _both(path, layout.root):
        assert result.exit_code == 1
        assert result.output == (f"Error: {path}, byte {len(export) + len(between)}: [export-trailing-data] a second "
                                 "array starts after the task array closes: two exports (or one downloaded twice) "
                                 "joined in one file; give each export as a file of its own, as Label Studio wrote "
                                 "it\n")
    assert stored_files(layout) == []
    # what is not a second array is said as before
    path.write_bytes(export + b" x [")
    assert _both(path, layout.root)[0].output == (f"Error: {path}, byte {len(export) + 1}: [export-trailing-data] "
                                                   "data after the closing bracket of the task array\n")


def test_a_json_min_export_whose_first_record_outruns_the_head_is_named_as_one(tmp_path: Path, monkeypatch):
    """The head (64 KiB) holds the first JSON_MIN record of a short text only; a real JSON_MIN
    export of a 67 KiB article was called 'not a Label Studio task: data, annotations missing
    ... a task-import file has no annotations'. The head is made shorter than the fixture's first
    record here, as a long article's is."""
    import corpus_tools.ingest.reader as reader

    layout = corpus_root(tmp_path / "corpus")
    path = FORMATS / "project.json_min.json"
    monkeypatch.setattr(reader, "HEAD_SIZE", 100)
    for result in _both(path, layout.root):
        assert result.exit_code == 1
        assert result.output == (f"Error: {path}, task 19: [export-not-tasks] a Label Studio JSON_MIN export (flat "
                                 "records with 'annotator' and 'annotation_id', no task 'data' or 'annotations'), not "
                                 f"a JSON export: JSON_MIN keeps no region ids or relations; {EXPORT_AS_JSON}\n")
    assert stored_files(layout) == []
    monkeypatch.undo()  # within the head, at byte 0 as before
    assert _both(path, layout.root)[0].output.startswith(f"Error: {path}, byte 0: [export-not-tasks] a Label Studio "
                                                         "JSON_MIN export")


@pytest.mark.parametrize("predictions", [[], ["--predictions"]])
def test_a_task_import_file_of_labelstudio_tasks_is_named_as_one(tmp_path: Path, predictions):
    """The file `corpus-tools labelstudio tasks` writes (tasks with data, no id or annotations)
    was 'not a Label Studio task: id, annotations missing ... a task-import file has no
    annotations', which did not say it is one."""
    layout = corpus_root(tmp_path / "corpus")
    path = tmp_path / "tasks.json"
    written = CliRunner().invoke(cli, ["labelstudio", "tasks", *predictions, "-o", str(path), "--root", str(layout.root)])
    assert written.exit_code == 0, written.output
    said = ("[export-not-tasks] a Label Studio task import file (tasks with 'data' and no 'id', as `corpus-tools "
            "labelstudio tasks` writes), not an export: import it (`corpus-tools labelstudio push` imports the "
            f"corpus's tasks), annotate, then {EXPORT_AS_JSON}\n")
    for result in _both(path, layout.root):
        assert result.exit_code == 1
        assert result.output == f"Error: {path}, byte 0: {said}"
    assert stored_files(layout) == []
    # a first task past the head's 64 KiB is named so as it is read
    path.write_bytes(b"[" + b" " * (1 << 16) + path.read_bytes()[1:])
    assert _both(path, layout.root)[0].output == f"Error: {path}, task #1: {said}"
