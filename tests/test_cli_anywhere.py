"""The command line from any directory of a corpus (found upwards, like git), and progress bars
that appear on a terminal only."""

from __future__ import annotations

import errno
import fcntl
import io
import json
import os
import pty
import select
import struct
import termios

import pytest
from tqdm import tqdm
from click.testing import CliRunner

from corpus_tools.cli import cli, progress as progress_module
from corpus_tools.cli.progress import progress, shows_progress, stages
from corpus_tools.iterutil import counted
from corpus_tools.errors import CorpusError
from corpus_tools.layout import Layout, find_root

import shutil

from conftest import COMMITTED_DOC_IDS, REPO

DOCUMENTS = len(COMMITTED_DOC_IDS)  # the checkout is a copy of the committed corpus


@pytest.fixture
def checkout(corpus_copy) -> Layout:
    (corpus_copy.root / "docs" / "deeper").mkdir(parents=True)
    return corpus_copy


def test_the_root_is_found_from_any_directory_inside(checkout, tmp_path_factory):
    assert find_root(checkout.root) == checkout.root
    assert find_root(checkout.root / "docs" / "deeper") == checkout.root
    assert find_root(checkout.raw) == checkout.root
    assert find_root(tmp_path_factory.mktemp("nowhere")) is None


def test_a_registry_alone_marks_a_corpus(tmp_path):
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "entity-registry.jsonl").write_text("")
    (tmp_path / "docs").mkdir()
    assert find_root(tmp_path / "docs") == tmp_path


def test_commands_work_from_a_subdirectory(checkout, monkeypatch):
    monkeypatch.chdir(checkout.root / "docs" / "deeper")
    result = CliRunner().invoke(cli, ["check-raw"])
    assert result.exit_code == 0, result.output
    assert result.output == f"valid ({DOCUMENTS} documents)\n"
    result = CliRunner().invoke(cli, ["normalize", "--doc", "003_840a8be26e4ddaa5"])
    assert result.exit_code == 0 and result.output.startswith("The United States has ruled out")
    result = CliRunner().invoke(cli, ["normalize"])
    assert result.exit_code == 0
    assert result.output == f"normalized {DOCUMENTS} documents into {checkout.build / 'normalized'}\n"


def test_root_overrides_the_search(checkout, tmp_path_factory, monkeypatch):
    other = tmp_path_factory.mktemp("other")
    monkeypatch.chdir(other)
    result = CliRunner().invoke(cli, ["check-raw", "--root", str(checkout.root)])
    assert result.exit_code == 0 and result.output == f"valid ({DOCUMENTS} documents)\n"


def test_outside_any_corpus_the_error_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check-raw"])
    assert result.exit_code == 1
    assert result.output == (f"Error: [corpus-not-found] not inside a corpus: neither {tmp_path} nor any directory "
                             "above it holds raw/manifest.jsonl or annotations/entity-registry.jsonl; cd into a "
                             "checkout or pass --root DIR (`corpus-tools add --root DIR FILE...` starts a new corpus "
                             "in DIR)\n")
    result = CliRunner().invoke(cli, ["validate", "--json", "export.json"])
    assert result.exit_code == 1  # the corpus is looked for first
    assert json.loads(result.output)["problems"][0]["code"] == "corpus-not-found"
    result = CliRunner().invoke(cli, ["check-raw", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["problems"][0]["code"] == "corpus-not-found"


def test_the_label_studio_data_dir_defaults_to_the_checkout(checkout, monkeypatch):
    from corpus_tools.cli.options import default_data_dir

    monkeypatch.delenv("CORPUS_TOOLS_LS_DATA", raising=False)
    monkeypatch.chdir(checkout.root / "docs")
    assert default_data_dir() == str(checkout.root / ".labelstudio")
    monkeypatch.setenv("CORPUS_TOOLS_LS_DATA", "/srv/ls")
    assert default_data_dir() == "/srv/ls"



def test_every_command_that_talks_to_label_studio_finds_the_same_data_dir():
    """adjudicate --push among them: a default of its own would look for the server's key elsewhere."""
    import click

    from corpus_tools.cli.options import default_data_dir

    def commands(group, path=()):  # the groups load their commands when asked (cli/__init__.py)
        context = click.Context(group)
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            if isinstance(command, click.Group):
                yield from commands(command, (*path, name))
            else:
                yield " ".join((*path, name)), command

    found = {name: param.default for name, command in commands(cli) for param in command.params
             if param.name == "data_dir"}
    assert {"adjudicate", "labelstudio push", "labelstudio pull", "labelstudio server start"} <= set(found)
    assert {name for name, default in found.items() if default is not default_data_dir} == set()


# -- progress ------------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_bar_off_a_terminal():
    stream = io.StringIO()
    assert not shows_progress(stream)
    with progress("working", total=3, stream=stream) as on_progress:
        assert on_progress is None
    assert stream.getvalue() == ""
    assert list(counted([1, 2], None)) == [1, 2]


def test_a_bar_on_a_terminal_counts_what_the_callback_reports(monkeypatch):
    monkeypatch.setattr(progress_module, "DELAY", 0)
    monkeypatch.setattr(progress_module, "MININTERVAL", 0)
    monkeypatch.setenv("TERM", "xterm")
    stream = Terminal()
    with progress("checking tasks", total=3, unit="task", stream=stream) as on_progress:
        for _ in counted(range(3), on_progress):
            pass
    drawn = stream.getvalue()
    assert "checking tasks" in drawn and "3/3" in drawn and "task" in drawn
    assert drawn.endswith("\r")  # erased at the end: the command's own lines follow on a clean line
    monkeypatch.setenv("TERM", "dumb")
    assert not shows_progress(Terminal())


def test_a_bar_on_a_real_pseudo_terminal_in_bytes(monkeypatch):
    monkeypatch.setattr(progress_module, "DELAY", 0)
    monkeypatch.setattr(progress_module, "MININTERVAL", 0)
    monkeypatch.setenv("TERM", "xterm")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal has a size
    drawn = b""
    with os.fdopen(slave, "w", closefd=True) as stream:
        try:
            with progress("downloading the export", unit="B", bytes_=True, stream=stream) as on_progress:
                assert on_progress is not None
                on_progress(3 * 1024 * 1024)
                on_progress(1024)
            stream.flush()
            while select.select([master], [], [], 0.5)[0]:  # read while the slave is open: no EIO
                drawn += os.read(master, 65536)
        finally:
            os.close(master)
    assert b"downloading the export" in drawn and b"3.00MB" in drawn


def test_the_bar_of_preannotate_counts_a_document_named_twice_once(corpus_copy, monkeypatch, capsys):
    """Found in review: `preannotate --doc X --doc X` pre-annotates X once, but its bar's total
    was the number of --doc options, so it ended at 1/2."""
    monkeypatch.setattr(progress_module, "DELAY", 0)
    monkeypatch.setattr(progress_module, "MININTERVAL", 0)
    monkeypatch.setenv("TERM", "xterm")
    stream = Terminal()
    monkeypatch.setattr("sys.stderr", stream)
    doc_id = COMMITTED_DOC_IDS[0]
    cli.main(["preannotate", "--root", str(corpus_copy.root), "--ner", "none", "--doc", doc_id, "--doc", doc_id],
             standalone_mode=False)
    drawn = stream.getvalue()
    assert "pre-annotating" in drawn and "1/1" in drawn and "/2" not in drawn
    assert capsys.readouterr().out.startswith(f"{doc_id}: ")  # one line for the document, then the summary


def test_stages_draw_one_bar_at_a_time_each_opened_by_its_work(monkeypatch):
    monkeypatch.setattr(progress_module, "DELAY", 0)
    monkeypatch.setattr(progress_module, "MININTERVAL", 0)
    monkeypatch.setenv("TERM", "xterm")
    stream = Terminal()
    with stages(stream) as stage:
        idle = stage("never started", unit="task")
        checking, writing = stage("checking", unit="task"), stage("writing", total=2, unit="doc")
        checking(5)
        assert stream.getvalue().count("\r") >= 1 and "writing" not in stream.getvalue()
        after_checking = len(stream.getvalue())
        writing(1)
        writing(1)
    assert idle is not None and "never started" not in stream.getvalue()
    assert "5task" in stream.getvalue()[:after_checking]
    assert "checking" not in stream.getvalue()[after_checking:]  # erased, then the next bar alone
    assert "writing" in stream.getvalue()[after_checking:] and "2/2" in stream.getvalue()
    assert stream.getvalue().endswith("\r")
    with stages(io.StringIO()) as stage:
        assert stage("checking") is None  # off a terminal: no callback, as progress()
        # nor a stage asked for with its total: the library works out no total for no bar
        assert progress_module.totalled(stage, "writing", "doc") is None


@pytest.fixture
def pretended_terminal(monkeypatch):
    """Bars drawn as on a terminal, at once: stderr is pretended a terminal, the delay and the
    redraw interval are 0."""
    monkeypatch.setattr(progress_module, "DELAY", 0)
    monkeypatch.setattr(progress_module, "MININTERVAL", 0)
    monkeypatch.setattr(progress_module, "shows_progress", lambda stream: True)


@pytest.mark.parametrize(("command", "bar"), [
    (["release"], "building the release"),
    (["agreement"], "reading annotations"),
    (["lint"], "linting"),
    (["adjudicate", "--strategy", "majority"], "reading annotations"),
])
def test_checking_stored_exports_again_has_its_own_bar(pretended_terminal, command, bar, monkeypatch, corpus_copy):
    """A corpus whose units tables were made for other code, documents or registry (here: no
    build/ at all, as after a fresh clone) is checked again first, under its own bar; when the
    tables are current, only the command's own bar is drawn."""
    drawn = []
    for _ in range(2):
        result = CliRunner().invoke(cli, [*command, "--root", str(corpus_copy.root)])
        assert result.exit_code in (0, 1), result.output  # lint exits 1 for any unexplained candidate
        drawn.append(result.stderr)
    assert "checking stored exports again" in drawn[0] and bar in drawn[0]
    assert drawn[0].index("checking stored exports again") < drawn[0].index(bar)
    assert "checking stored exports again" not in drawn[1] and bar in drawn[1]
    # in bytes, to the size of the stored exports (it counted tasks with no end), one bar for all
    total = tqdm.format_sizeof(sum(path.stat().st_size for path in corpus_copy.exports.glob("*/export.json")),
                               divisor=1024)
    states = _drawn(drawn[0], "checking stored exports again")
    assert states and all(f"/{total} [" in state for state in states), drawn[0]


@pytest.mark.parametrize(("command", "bar"), [
    (["view", "1.1.0", "-o", "{tmp}/site"], "writing pages"),
    (["export", "--format", "jsonl", "1.1.0", "-o", "{tmp}/out"], "exporting"),
    (["diff", "1.0.0", "1.1.0"], "comparing documents"),
])
def test_long_commands_draw_the_one_kind_of_bar(pretended_terminal, command, bar, monkeypatch, tmp_path):
    """view, export and diff report progress through cli.progress like every long command: a bar
    on a terminal (here one pretended), nothing of their own."""
    from conftest import REPO

    args = [part.replace("{tmp}", str(tmp_path)) for part in command]
    result = CliRunner().invoke(cli, [*args, "--root", str(REPO)])
    assert result.exit_code == 0, result.output
    assert bar in result.stderr


@pytest.mark.parametrize(("command", "bars"), [
    (["lint"], ("linting",)),  # the annotations are read as they are linted
    (["agreement"], ("reading annotations",)),
    # the annotations are read as the tasks are written
    (["labelstudio", "tasks", "--predictions", "-o", "{tmp}/tasks.json"], ("writing tasks",)),
])
def test_commands_over_the_annotation_set_show_its_reading(pretended_terminal, command, bars, monkeypatch, tmp_path,
                                                           corpus_copy):
    """Reading the annotation set is most of these commands' time (seconds at 10,000 tasks)."""
    args = [part.replace("{tmp}", str(tmp_path)) for part in command]
    result = CliRunner().invoke(cli, [*args, "--root", str(corpus_copy.root)])
    assert result.exit_code == 0, result.output
    assert all(bar in result.stderr for bar in bars), result.stderr


@pytest.mark.parametrize(("command", "drawn"), [
    (["normalize", "--out", "{tmp}/normalized"], f"normalizing: 100%|██████████| {len(COMMITTED_DOC_IDS)}/"
                                                 f"{len(COMMITTED_DOC_IDS)} "),
    (["normalize", "--repeated-lines"], f"reading documents: 100%|██████████| {len(COMMITTED_DOC_IDS)}/"),
    (["validate", "{export}"], "checking tasks: 100%|"),
    (["ingest", "{export}"], "checking tasks: 100%|"),
])
def test_normalize_validate_and_ingest_draw_bars_with_a_total(pretended_terminal, command, drawn, tmp_path,
                                                              corpus_copy):
    """These bars counted with no end in sight: normalize's total is the number of documents the
    check of the raw corpus counts, validate's and ingest's the size of the export in bytes (how
    many tasks it holds is known only at its end)."""
    export = sorted(corpus_copy.exports.glob("*/export.json"))[-1]
    args = [part.replace("{tmp}", str(tmp_path)).replace("{export}", str(export)) for part in command]
    result = CliRunner().invoke(cli, [*args, "--root", str(corpus_copy.root)])
    assert result.exit_code == 0, result.output
    assert drawn in result.stderr, result.stderr
    if command[0] != "normalize":
        size = tqdm.format_sizeof(export.stat().st_size, divisor=1024)  # as the bar writes it
        assert f"{size}/{size} " in result.stderr and "B/s]" in result.stderr
    assert result.stdout.splitlines()[-1].startswith(("normalized ", "0 lines recur", "valid (", "already stored"))


def _drawn(stderr: str, description: str) -> list[str]:
    """Every state of the bars of ``description`` that was drawn."""
    return [state for state in stderr.split("\r") if state.startswith(f"{description}:")]


@pytest.mark.parametrize(("command", "description", "total"), [
    # the manifest's bytes: how many records it holds is known only at its end
    (["check-raw"], "checking raw files", lambda root: tqdm.format_sizeof((root / "raw" / "manifest.jsonl").stat()
                                                                          .st_size, divisor=1024)),
    # the annotation index's chosen annotations: every committed document has one
    (["lint"], "linting", lambda root: DOCUMENTS),
    # the documents with a chosen (gold) annotation, once read
    (["preannotate", "--evaluate", "--ner", "none"], "scoring", lambda root: DOCUMENTS),
    # the gold it scores against, read first: one chosen annotation a document
    (["preannotate", "--evaluate", "--ner", "none"], "reading annotations", lambda root: DOCUMENTS),
    # the document index's documents, before any is normalized
    (["add", "{tmp}/article.txt"], "reading the corpus", lambda root: DOCUMENTS),
])
def test_bars_with_a_total_known_before_the_work(pretended_terminal, command, description, total, tmp_path,
                                                   corpus_copy):
    """These bars counted with no end in sight, though the library knows their total before the
    work, without a pass of its own (each parameter says from what)."""
    (tmp_path / "article.txt").write_bytes(b"Talks resume in Damascus\n\nBody of the article.\n")
    expected = str(total(corpus_copy.root))  # read before add adds a document
    args = [part.replace("{tmp}", str(tmp_path)) for part in command]
    result = CliRunner().invoke(cli, [*args, "--root", str(corpus_copy.root)])
    assert result.exit_code in (0, 1), result.output  # lint exits 1 for any unexplained candidate
    drawn = _drawn(result.stderr, description)
    assert drawn and all(f"/{expected} [" in state for state in drawn), result.stderr
    if description != "checking raw files":  # a bar of bytes draws an update only once as many have come as
        # its updates bring on average (tqdm's miniters): its last state need not be drawn
        assert f"{expected}/{expected} [" in result.stderr, result.stderr


def _tree(root):
    """Every file but build/'s (caches a refused command may have filled while reading its inputs)."""
    return sorted((path.relative_to(root).as_posix(), path.read_bytes()) for path in root.rglob("*")
                  if path.is_file() and path.relative_to(root).parts[0] != "build")


@pytest.mark.parametrize("argv", [
    ["normalize", "--out", "raw"],
    ["normalize", "--out", "annotations/normalized"],
    ["normalize", "--out", "dist/1.1.0"],
    ["export", "--format", "jsonl", "dist/1.1.0", "-o", "dist/1.1.0/export"],
    ["export", "--format", "jsonl", "dist/1.1.0", "-o", "dist/9.9.9"],
    ["view", "dist/1.1.0", "-o", "raw/site"],
    ["view", "dist/1.1.0", "-o", "elsewhere/../dist/1.1.0/site"],
    ["labelstudio", "tasks", "-o", "raw/manifest.jsonl"],
    ["labelstudio", "tasks", "-o", "annotations/entity-registry.jsonl"],
    ["labelstudio", "tasks", "-o", "dist/1.1.0/SHA256SUMS"],
])
def test_derived_output_is_never_written_into_sources_or_a_release(checkout, monkeypatch, argv):
    shutil.copytree(REPO / "dist" / "1.1.0", checkout.dist / "1.1.0")
    before = _tree(checkout.root)
    monkeypatch.chdir(checkout.root)
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 1
    assert "[output-protected]" in result.output and len(result.output.strip().splitlines()) == 1
    assert _tree(checkout.root) == before


@pytest.mark.parametrize("argv", [
    ["export", "--format", "jsonl", "dist/1.1.0", "-o", "afile/out"], ["view", "dist/1.1.0", "-o", "afile/site"],
])
def test_an_output_under_a_file_is_said_to_be_under_no_directory(checkout, monkeypatch, argv):
    """It said "File exists" of the file in the way."""
    shutil.copytree(REPO / "dist" / "1.1.0", checkout.dist / "1.1.0")
    (checkout.root / "afile").write_text("x")
    monkeypatch.chdir(checkout.root)
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 1 and result.output == "Error: afile: [file-error] Not a directory\n"


@pytest.mark.parametrize("argv", [
    ["normalize", "--out", "loop"], ["export", "--format", "jsonl", "dist/1.1.0", "-o", "loop"],
    ["view", "dist/1.1.0", "-o", "loop"], ["labelstudio", "tasks", "-o", "loop/tasks.json"],
])
def test_an_output_that_is_a_symlink_loop_is_one_file_error(checkout, monkeypatch, argv):
    """pathlib's resolve raised RuntimeError on a loop: a traceback of some 50 lines."""
    shutil.copytree(REPO / "dist" / "1.1.0", checkout.dist / "1.1.0")
    os.symlink(checkout.root / "loop", checkout.root / "loop")
    before = _tree(checkout.root)
    monkeypatch.chdir(checkout.root)
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 1
    named = argv[argv.index("-o") + 1] if "-o" in argv else "loop"
    assert result.output.strip().splitlines() == [f"Error: {named}: [file-error] {os.strerror(errno.ELOOP)}"]
    assert _tree(checkout.root) == before


def test_a_pull_is_never_downloaded_into_sources_or_a_release(checkout):
    """Refused before the server is asked for anything: the client is never used."""
    from corpus_tools.labelstudio.sync import pull

    shutil.copytree(REPO / "dist" / "1.1.0", checkout.dist / "1.1.0")
    before = _tree(checkout.root)
    for target in ("annotations/entity-registry.jsonl", "annotations/exports/x/export.json",
                   "dist/1.1.0/data/x.json", "raw/manifest.jsonl"):
        with pytest.raises(CorpusError) as caught:
            pull(None, "corpus_tools", checkout.root / target)
        assert caught.value.code == "output-protected"
    assert _tree(checkout.root) == before


@pytest.mark.parametrize(("output", "reason"), [
    ("", "is a directory, not a file to write"), ("raw", "is a directory"),
    ("a-file/tasks.json", "a parent of it is not a directory"),
    # the file in the way further up: the system's "a-file/sub: Not a directory" named no file given
    ("a-file/sub/tasks.json", "a parent of it is not a directory"),
])
def test_a_tasks_file_that_cannot_be_written_is_named_not_its_temporary(checkout, monkeypatch, output, reason):
    monkeypatch.chdir(checkout.root)
    (checkout.root / "a-file").write_text("x")
    result = CliRunner().invoke(cli, ["labelstudio", "tasks", "-o", output])
    assert result.exit_code != 0 and reason in result.output and ".tmp" not in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 or result.exit_code == 2  # click's own check for raw
    if output.startswith("a-file/"):
        assert result.output == f"Error: {output}: [file-error] {reason}\n"


@pytest.mark.parametrize(("argv", "named"), [
    (["export", "--format", "jsonl", "dist/1.1.0", "-o", "/sys/x"], "/sys"),
    (["view", "dist/1.1.0", "-o", "/sys/x"], "/sys"),
    (["labelstudio", "tasks", "-o", "/sys/x.json"], "/sys/x.json"),
])
def test_an_output_the_system_refuses_is_named_not_its_temporary(checkout, monkeypatch, argv, named):
    """/sys refuses new files even to root: the error named the hidden staging name made in it."""
    shutil.copytree(REPO / "dist" / "1.1.0", checkout.dist / "1.1.0")
    monkeypatch.chdir(checkout.root)
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith(f"Error: {named}: [file-error] ") and ".tmp" not in line, line


def test_a_release_anywhere_is_protected_and_build_is_not(tmp_path, checkout, monkeypatch):
    outside = tmp_path / "copies" / "1.1.0"
    shutil.copytree(REPO / "dist" / "1.1.0", outside)
    result = CliRunner().invoke(cli, ["export", "--format", "jsonl", str(outside), "-o", str(outside / "x")])
    assert result.exit_code == 1 and "inside the release" in result.output
    monkeypatch.chdir(checkout.root)
    result = CliRunner().invoke(cli, ["export", "--format", "jsonl", str(outside), "-o", "build/jsonl"])
    assert result.exit_code == 0, result.output
    assert (checkout.build / "jsonl" / "documents.jsonl").is_file() or any((checkout.build / "jsonl").iterdir())


def test_a_root_that_is_no_directory_is_a_problem_with_a_json_report(tmp_path):
    missing = str(tmp_path / "nowhere")
    result = CliRunner().invoke(cli, ["check-raw", "--root", missing])
    assert result.exit_code == 1 and result.output == f"Error: {missing}: [corpus-not-found] --root names no directory\n"
    result = CliRunner().invoke(cli, ["preannotate", "--json", "--root", missing])
    assert result.exit_code == 1
    [problem] = json.loads(result.output)["problems"]
    assert (problem["code"], problem["location"]["file"]) == ("corpus-not-found", missing)


def test_a_reader_that_goes_away_is_no_error(tmp_path):
    """`corpus-tools agreement | head -1`: the pipe closes early; nothing is reported on stderr."""
    import subprocess
    import sys

    errors = tmp_path / "stderr"
    script = (f"{sys.executable} -m corpus_tools.cli normalize --doc {COMMITTED_DOC_IDS[0]} "
              f"--root {REPO} 2>{errors} | true")
    subprocess.run(["sh", "-c", script], check=True, cwd=tmp_path)
    assert errors.read_text() == ""



def _bars_ended(drawn: str) -> dict[str, str]:
    """Each bar's description -> its last count, "done/total" or "done" alone (no total)."""
    import re

    return {found[0]: found[1] for found in re.findall(r"([a-z][a-z ]+):(?:[^\r|]*\|[^\r|]*\|)? *(\d+(?:/\d+)?)[ a-z]", drawn)}


def _union_of_documents(*versions: str) -> int:
    import pyarrow.parquet as pq

    return len({doc_id for version in versions for file in (REPO / "dist" / version / "data" / "documents").iterdir()
                for doc_id in pq.read_table(file, columns=["doc_id"])["doc_id"].to_pylist()})


@pytest.mark.parametrize(("command", "bar", "versions"), [
    (["diff", "1.0.0", "1.1.0"], "comparing documents", ("1.0.0", "1.1.0")),
    (["view", "1.1.0", "-o", "{tmp}/site"], "comparing with the previous release", ("1.0.0", "1.1.0")),
    (["diff", "1.1.10", "1.1.11"], "comparing documents", ("1.1.10", "1.1.11")),
    (["export", "--format", "brat", "1.1.11", "-o", "{tmp}/out"], "exporting", ("1.1.11",)),
])
def test_bars_of_work_on_releases_know_their_total(pretended_terminal, command, bar, versions, monkeypatch, tmp_path):
    """Found by a scale audit: these bars showed a count and a rate only, though the library
    knows how many documents it compares (both releases' doc_ids) or exports (the release's) once
    it has opened the releases."""
    args = [part.replace("{tmp}", str(tmp_path)) for part in command]
    result = CliRunner().invoke(cli, [*args, "--root", str(REPO)])
    assert result.exit_code == 0, result.output
    total = _union_of_documents(*versions)
    assert _bars_ended(result.stderr)[bar] == f"{total}/{total}", result.stderr


def test_the_pages_bar_of_view_knows_its_total(pretended_terminal, monkeypatch, tmp_path):
    """A page for each of 1.1.11's 7 documents and 84 entities (tests/test_viewer.py counts them)."""
    result = CliRunner().invoke(cli, ["view", "1.1.11", "-o", str(tmp_path / "site"), "--root", str(REPO)])
    assert result.exit_code == 0, result.output
    ended = _bars_ended(result.stderr)
    assert (ended["writing pages"], ended["comparing with the previous release"]) == ("91/91", "7/7"), result.stderr

def test_the_bars_of_a_release_know_their_totals(pretended_terminal, monkeypatch, corpus_copy):
    """The build writes every document of the corpus, and compares those of it and of the
    previous release: both bars are given their totals."""
    shutil.copytree(REPO / "dist" / "1.1.10", corpus_copy.dist / "1.1.10")
    result = CliRunner().invoke(cli, ["release", "--root", str(corpus_copy.root)])
    assert result.exit_code == 0, result.output
    ended = _bars_ended(result.stderr)
    compared = _union_of_documents("1.1.10", "1.1.11")
    assert (ended["building the release"], ended["comparing with the previous release"]) == (
        f"{DOCUMENTS}/{DOCUMENTS}", f"{compared}/{compared}"), result.stderr
