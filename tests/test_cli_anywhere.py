"""The command line from any directory of a corpus (found upwards, like git), and progress bars
that appear on a terminal only."""

from __future__ import annotations

import errno
import fcntl
import io
import json
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import termios

import click
import pytest
from tqdm import tqdm
from click.testing import CliRunner

from corpus_tools.cli import cli, progress as progress_module
from corpus_tools.cli.options import default_data_dir
from corpus_tools.cli.progress import progress, shows_progress, stages
from corpus_tools.iterutil import counted
from corpus_tools.errors import CorpusError
from corpus_tools.labelstudio.sync import pull
from corpus_tools.layout import Layout, find_root

from conftest import COMMITTED_DOC_IDS, REPO, tree

DOCUMENTS = len(COMMITTED_DOC_IDS)  # the checkout is a copy of the committed corpus


@pytest.fixture
def checkout(corpus_copy) -> Layout:
    (corpus_copy.root / "docs" / "deeper").mkdir(parents=True)
    return corpus_copy


def invoked(command: list[str], root, tmp_path=None, **named):
    """The command run in this process on the corpus or releases at ``root``, its "{tmp}" (and
    any other "{name}" given) filled in."""
    fill = {"tmp": str(tmp_path), **{name: str(value) for name, value in named.items()}}
    return CliRunner().invoke(cli, [*(re.sub(r"\{(\w+)\}", lambda m: fill[m[1]], part) for part in command),
                                    "--root", str(root)])


def test_the_root_is_found_from_any_directory_inside(checkout, tmp_path_factory):
    assert find_root(checkout.root) == checkout.root
    assert find_root(checkout.root / "docs" / "deeper") == checkout.root
    assert find_root(checkout.raw) == checkout.root
    assert find_root(tmp_path_factory.mktemp("nowhere")) is None
    registry_alone = tmp_path_factory.mktemp("registry")  # marks a corpus too
    (registry_alone / "annotations").mkdir()
    (registry_alone / "annotations" / "entity-registry.jsonl").write_text("")
    (registry_alone / "docs").mkdir()
    assert find_root(registry_alone / "docs") == registry_alone


def test_commands_work_from_a_subdirectory(checkout, monkeypatch):
    monkeypatch.chdir(checkout.root / "docs" / "deeper")
    result = CliRunner().invoke(cli, ["check-raw"])
    assert (result.exit_code, result.output) == (0, f"valid ({DOCUMENTS} documents)\n")
    result = CliRunner().invoke(cli, ["normalize", "--doc", "003_840a8be26e4ddaa5"])
    assert result.exit_code == 0 and result.output.startswith("The United States has ruled out")
    result = CliRunner().invoke(cli, ["normalize"])
    assert (result.exit_code, result.output) == (
        0, f"normalized {DOCUMENTS} documents into {checkout.build / 'normalized'}\n")


def test_root_overrides_the_search(checkout, tmp_path_factory, monkeypatch):
    monkeypatch.chdir(tmp_path_factory.mktemp("other"))
    result = invoked(["check-raw"], checkout.root)
    assert result.exit_code == 0 and result.output == f"valid ({DOCUMENTS} documents)\n"


def test_outside_any_corpus_the_error_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check-raw"])
    assert result.exit_code == 1
    assert result.output == (f"Error: [corpus-not-found] not inside a corpus: neither {tmp_path} nor any directory "
                             "above it holds raw/manifest.jsonl or annotations/entity-registry.jsonl; cd into a "
                             "checkout or pass --root DIR (`corpus-tools add --root DIR FILE...` starts a new corpus "
                             "in DIR)\n")
    for argv in (["validate", "--json", "export.json"], ["check-raw", "--json"]):  # the corpus is looked for first
        result = CliRunner().invoke(cli, argv)
        assert result.exit_code == 1 and json.loads(result.output)["problems"][0]["code"] == "corpus-not-found"


def test_the_label_studio_data_dir_defaults_to_the_checkout(checkout, monkeypatch):
    monkeypatch.delenv("CORPUS_TOOLS_LS_DATA", raising=False)
    monkeypatch.chdir(checkout.root / "docs")
    assert default_data_dir() == str(checkout.root / ".labelstudio")
    monkeypatch.setenv("CORPUS_TOOLS_LS_DATA", "/srv/ls")
    assert default_data_dir() == "/srv/ls"


def test_every_command_that_talks_to_label_studio_finds_the_same_data_dir():
    """adjudicate --push among them: a default of its own would look for the server's key elsewhere."""
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


@pytest.fixture
def at_once(monkeypatch):
    """Bars drawn at once on a terminal: the delay and the redraw interval are 0, TERM a real one's."""
    monkeypatch.setattr(progress_module, "DELAY", 0)
    monkeypatch.setattr(progress_module, "MININTERVAL", 0)
    monkeypatch.setenv("TERM", "xterm")


@pytest.fixture
def pretended_terminal(at_once, monkeypatch):
    """Bars drawn as on a terminal, at once: stderr is pretended a terminal."""
    monkeypatch.setattr(progress_module, "shows_progress", lambda stream: True)


def _drawn(stderr: str, description: str) -> list[str]:
    """Every state of the bars of ``description`` that was drawn."""
    return [state for state in stderr.split("\r") if state.startswith(f"{description}:")]


def _bars_ended(drawn: str) -> dict[str, str]:
    """Each bar's description -> its last count, "done/total" or "done" alone (no total)."""
    return {found[0]: found[1] for found in re.findall(r"([a-z][a-z ]+):(?:[^\r|]*\|[^\r|]*\|)? *(\d+(?:/\d+)?)[ a-z]", drawn)}


def test_no_bar_off_a_terminal():
    stream = io.StringIO()
    assert not shows_progress(stream)
    with progress("working", total=3, stream=stream) as on_progress:
        assert on_progress is None
    assert stream.getvalue() == ""
    assert list(counted([1, 2], None)) == [1, 2]


def test_a_bar_on_a_terminal_counts_what_the_callback_reports(at_once, monkeypatch):
    stream = Terminal()
    with progress("checking tasks", total=3, unit="task", stream=stream) as on_progress:
        for _ in counted(range(3), on_progress):
            pass
    drawn = stream.getvalue()
    assert "checking tasks" in drawn and "3/3" in drawn and "task" in drawn
    assert drawn.endswith("\r")  # erased at the end: the command's own lines follow on a clean line
    monkeypatch.setenv("TERM", "dumb")
    assert not shows_progress(Terminal())


def test_a_bar_on_a_real_pseudo_terminal_in_bytes(at_once):
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


def test_the_bar_of_preannotate_counts_a_document_named_twice_once(corpus_copy, pretended_terminal):
    """Found in review: `preannotate --doc X --doc X` pre-annotates X once, but its bar's total
    was the number of --doc options, so it ended at 1/2."""
    doc_id = COMMITTED_DOC_IDS[0]
    result = invoked(["preannotate", "--ner", "none", "--doc", doc_id, "--doc", doc_id], corpus_copy.root)
    assert result.exit_code == 0, result.output
    assert "pre-annotating" in result.stderr and "1/1" in result.stderr and "/2" not in result.stderr
    assert result.stdout.startswith(f"{doc_id}: ")  # one line for the document, then the summary


def test_stages_draw_one_bar_at_a_time_each_opened_by_its_work(at_once):
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


@pytest.mark.parametrize(("command", "bar"), [
    (["release"], "building the release"),
    (["agreement"], "reading annotations"),
    (["lint"], "linting"),
    (["adjudicate", "--strategy", "majority"], "reading annotations"),
])
def test_checking_stored_exports_again_has_its_own_bar(pretended_terminal, command, bar, corpus_copy):
    """A corpus whose units tables were made for other code, documents or registry (here: no
    build/ at all, as after a fresh clone) is checked again first, under its own bar; when the
    tables are current, only the command's own bar is drawn."""
    drawn = []
    for _ in range(2):
        result = invoked(command, corpus_copy.root)
        assert result.exit_code == 0, result.output
        drawn.append(result.stderr)
    assert "checking stored exports again" in drawn[0] and bar in drawn[0]
    assert drawn[0].index("checking stored exports again") < drawn[0].index(bar)
    assert "checking stored exports again" not in drawn[1] and bar in drawn[1]
    # in bytes, to the size of the stored exports (it counted tasks with no end), one bar for all
    total = tqdm.format_sizeof(sum(path.stat().st_size for path in corpus_copy.exports.glob("*/export.json")),
                               divisor=1024)
    states = _drawn(drawn[0], "checking stored exports again")
    assert states and all(f"/{total} [" in state for state in states), drawn[0]


@pytest.mark.parametrize(("command", "description", "total", "last"), [
    # the number of documents the check of the raw corpus counts
    pytest.param(["normalize", "--out", "{tmp}/normalized"], "normalizing", DOCUMENTS, "normalized ", id="normalize"),
    pytest.param(["normalize", "--repeated-lines"], "reading documents", DOCUMENTS, "0 lines recur",
                 id="normalize-repeated-lines"),
    # the export's bytes, and the manifest's: how many tasks or records they hold is known only at their end
    pytest.param(["validate", "{export}"], "checking tasks", "{export}", "valid (", id="validate"),
    pytest.param(["ingest", "{export}"], "checking tasks", "{export}", "already stored", id="ingest"),
    pytest.param(["check-raw"], "checking raw files", "raw/manifest.jsonl", f"valid ({DOCUMENTS} documents)",
                 id="check-raw"),
    # the annotation index's chosen annotations, read as they are linted: every committed document has one
    pytest.param(["lint"], "linting", DOCUMENTS, "0 unexplained candidates", id="lint"),
    # reading the annotation set is most of these commands' time (seconds at 10,000 tasks)
    pytest.param(["agreement"], "reading annotations", 35, f"{DOCUMENTS} documents compared", id="agreement"),
    pytest.param(["labelstudio", "tasks", "--predictions", "-o", "{tmp}/tasks.json"], "writing tasks", DOCUMENTS,
                 f"wrote {DOCUMENTS} tasks to ", id="labelstudio-tasks-predictions"),
    # the documents with a chosen (gold) annotation, once read; and the gold, read first
    pytest.param(["preannotate", "--evaluate", "--ner", "none"], "scoring", DOCUMENTS, "NER model: not asked for",
                 id="preannotate-evaluate-scoring"),
    pytest.param(["preannotate", "--evaluate", "--ner", "none"], "reading annotations", DOCUMENTS,
                 "NER model: not asked for", id="preannotate-evaluate-reading"),
    # the document index's documents, before any is normalized
    pytest.param(["add", "{tmp}/article.txt"], "reading the corpus", DOCUMENTS, "added 1 file to ", id="add"),
])
def test_bars_over_a_corpus_know_their_total_before_the_work(pretended_terminal, command, description, total, last,
                                                             tmp_path, corpus_copy):
    """These bars counted with no end in sight, though the library knows their total before the
    work, without a pass of its own (each row says from what)."""
    (tmp_path / "article.txt").write_bytes(b"Talks resume in Damascus\n\nBody of the article.\n")
    export = sorted(corpus_copy.exports.glob("*/export.json"))[-1]
    in_bytes = isinstance(total, str)
    if in_bytes:  # to the file's size as the bar writes it
        total = tqdm.format_sizeof((export if total == "{export}" else corpus_copy.root / total).stat().st_size,
                                   divisor=1024)
    result = invoked(command, corpus_copy.root, tmp_path, export=export)
    assert result.exit_code == 0, result.output
    drawn = _drawn(result.stderr, description)
    assert drawn and all(f"/{total} [" in state for state in drawn), result.stderr
    if not in_bytes:
        assert drawn[-1].startswith(f"{description}: 100%|██████████| {total}/{total} ["), result.stderr
    elif command[0] != "check-raw":  # a bar of bytes draws an update only once as many have come as its
        # updates bring on average (tqdm's miniters): check-raw's last state need not be drawn
        assert drawn[-1].startswith(f"{description}: 100%|") and f"| {total}/{total} [" in drawn[-1], result.stderr
        assert all(state.endswith("B/s]") for state in drawn), result.stderr
    assert result.stdout.splitlines()[-1].startswith(last), result.stdout


@pytest.mark.parametrize(("command", "runs", "ended"), [
    # a page for each of the release's 7 documents and 84 entities; both releases' doc_ids compared
    pytest.param(["view", "1.1.0", "-o", "{tmp}/site"], 1,
                 {"writing pages": "91/91", "comparing with the previous release": "7/7"}, id="view-1.1.0"),
    # its pages again, from build/cache/view/ (rendered by the first run): each still counted
    pytest.param(["view", "1.1.0", "-o", "{tmp}/site"], 2,
                 {"writing pages": "91/91", "comparing with the previous release": "7/7"}, id="view-1.1.0-cached"),
    pytest.param(["view", "1.1.11", "-o", "{tmp}/site"], 1,
                 {"writing pages": "91/91", "comparing with the previous release": "7/7"}, id="view-1.1.11"),
    pytest.param(["export", "--format", "jsonl", "1.1.0", "-o", "{tmp}/out"], 1, {"exporting": "7/7"},
                 id="export-jsonl"),
    pytest.param(["export", "--format", "brat", "1.1.11", "-o", "{tmp}/out"], 1, {"exporting": "7/7"},
                 id="export-brat"),
    pytest.param(["diff", "1.0.0", "1.1.0"], 1, {"comparing documents": "7/7"}, id="diff-1.0.0-1.1.0"),
    pytest.param(["diff", "1.1.10", "1.1.11"], 1, {"comparing documents": "7/7"}, id="diff-1.1.10-1.1.11"),
])
def test_bars_of_work_on_releases_know_their_total(pretended_terminal, linked_checkout, command, runs, ended, tmp_path):
    """view, export and diff report progress through cli.progress like every long command, a bar
    on a terminal (here one pretended). Found by a scale audit: these bars showed a count and a
    rate only, though the library knows how many pages it writes, documents it compares (both
    releases' doc_ids) or exports (the release's) once it has opened the releases. View's cache goes
    into the linked checkout's build/, so the cached run's first run is its own."""
    cache, entries = linked_checkout.build / "cache" / "view", []
    for _ in range(runs):
        result = invoked(command, linked_checkout.root, tmp_path)
        assert result.exit_code == 0, result.output
        assert {bar: _bars_ended(result.stderr).get(bar) for bar in ended} == ended, result.stderr
        entries.append({entry.name: entry.stat().st_mtime_ns for entry in cache.glob("*")})
    if runs == 2:  # the second run's 7 document pages came from the cache the first filled, none rewritten
        assert len(entries[0]) == 7 and entries[1] == entries[0]


def test_the_bars_of_a_release_know_their_totals(pretended_terminal, corpus_copy):
    """The build writes every document of the corpus, and compares those of it and of the
    previous release (1.1.10's and the corpus's 7 doc_ids): both bars are given their totals."""
    shutil.copytree(REPO / "dist" / "1.1.10", corpus_copy.dist / "1.1.10")
    result = invoked(["release"], corpus_copy.root)
    assert result.exit_code == 0, result.output
    ended = _bars_ended(result.stderr)
    assert (ended["building the release"], ended["comparing with the previous release"]) == (
        f"{DOCUMENTS}/{DOCUMENTS}", "7/7"), result.stderr


# -- where output may go -------------------------------------------------------------------------


@pytest.fixture
def in_checkout(checkout, monkeypatch) -> Layout:
    """The checkout with release 1.1.0, a file (afile) and a link to itself (loop), as the working directory."""
    shutil.copytree(REPO / "dist" / "1.1.0", checkout.dist / "1.1.0")
    (checkout.root / "afile").write_text("x")
    os.symlink(checkout.root / "loop", checkout.root / "loop")
    monkeypatch.chdir(checkout.root)
    return checkout


def protected(named: str, part: str | None = None) -> str:
    """The one line refusing output at ``named``, inside the corpus's ``part`` or, without one, inside release 1.1.0."""
    inside = (f"the corpus's {part}/ ({{root}}/{part}), which only its own commands write" if part else
              "the release {root}/dist/1.1.0; releases are never written to")
    return f"{named}: [output-protected] lies inside {inside}: choose a directory outside it (e.g. under build/)"


@pytest.mark.parametrize(("argv", "line"), [pytest.param(argv, line, id=" ".join(argv)) for argv, line in [
    # derived output is never written into sources or a release
    (["normalize", "--out", "raw"], protected("raw", "raw")),
    (["normalize", "--out", "annotations/normalized"], protected("annotations/normalized", "annotations")),
    (["normalize", "--out", "dist/1.1.0"], protected("dist/1.1.0")),
    (["export", "--format", "jsonl", "dist/1.1.0", "-o", "dist/1.1.0/export"], protected("dist/1.1.0/export")),
    (["export", "--format", "jsonl", "dist/1.1.0", "-o", "dist/9.9.9"], protected("dist/9.9.9", "dist")),
    (["view", "dist/1.1.0", "-o", "raw/site"], protected("raw/site", "raw")),
    (["view", "dist/1.1.0", "-o", "elsewhere/../dist/1.1.0/site"], protected("elsewhere/../dist/1.1.0/site")),
    (["labelstudio", "tasks", "-o", "raw/manifest.jsonl"], protected("raw/manifest.jsonl", "raw")),
    (["labelstudio", "tasks", "-o", "annotations/entity-registry.jsonl"],
     protected("annotations/entity-registry.jsonl", "annotations")),
    (["labelstudio", "tasks", "-o", "dist/1.1.0/SHA256SUMS"], protected("dist/1.1.0/SHA256SUMS")),
    # an output under a file is said to be under no directory: it said "File exists" of the file in the way
    (["export", "--format", "jsonl", "dist/1.1.0", "-o", "afile/out"], "afile: [file-error] Not a directory"),
    (["view", "dist/1.1.0", "-o", "afile/site"], "afile: [file-error] Not a directory"),
    # a symbolic link loop is one file error: pathlib's resolve raised RuntimeError, a traceback of some 50 lines
    (["normalize", "--out", "loop"], f"loop: [file-error] {os.strerror(errno.ELOOP)}"),
    (["export", "--format", "jsonl", "dist/1.1.0", "-o", "loop"], f"loop: [file-error] {os.strerror(errno.ELOOP)}"),
    (["view", "dist/1.1.0", "-o", "loop"], f"loop: [file-error] {os.strerror(errno.ELOOP)}"),
    (["labelstudio", "tasks", "-o", "loop/tasks.json"], f"loop/tasks.json: [file-error] {os.strerror(errno.ELOOP)}"),
    # /sys refuses new files even to root, in the system's words: the error named the hidden staging name made in it
    (["export", "--format", "jsonl", "dist/1.1.0", "-o", "/sys/x"], "/sys: [file-error] "),
    (["view", "dist/1.1.0", "-o", "/sys/x"], "/sys: [file-error] "),
    (["labelstudio", "tasks", "-o", "/sys/x.json"], "/sys/x.json: [file-error] "),
]])
def test_an_output_that_cannot_be_written_is_one_line_naming_it_and_nothing_is_written(in_checkout, argv, line):
    before = tree(in_checkout.root)
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 1
    [said] = result.output.splitlines()
    expected = f"Error: {line}".replace("{root}", str(in_checkout.root))
    if line.endswith("] "):  # the system's words follow
        assert said.startswith(expected) and ".tmp" not in said, said
    else:
        assert said == expected
    assert tree(in_checkout.root) == before


def test_a_pull_is_never_downloaded_into_sources_or_a_release(in_checkout):
    """Refused before the server is asked for anything: the client is never used."""
    before = tree(in_checkout.root)
    for target in ("annotations/entity-registry.jsonl", "annotations/exports/x/export.json",
                   "dist/1.1.0/data/x.json", "raw/manifest.jsonl"):
        with pytest.raises(CorpusError) as caught:
            pull(None, "corpus_tools", in_checkout.root / target)
        assert caught.value.code == "output-protected"
    assert tree(in_checkout.root) == before


@pytest.mark.parametrize(("output", "reason"), [
    ("", "is a directory, not a file to write"), ("raw", "is a directory"),
    ("afile/tasks.json", "a parent of it is not a directory"),
    # the file in the way further up: the system's "afile/sub: Not a directory" named no file given
    ("afile/sub/tasks.json", "a parent of it is not a directory"),
])
def test_a_tasks_file_that_cannot_be_written_is_named_not_its_temporary(in_checkout, output, reason):
    result = CliRunner().invoke(cli, ["labelstudio", "tasks", "-o", output])
    assert result.exit_code != 0 and reason in result.output and ".tmp" not in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 or result.exit_code == 2  # click's own check for raw
    if output.startswith("afile/"):
        assert result.output == f"Error: {output}: [file-error] {reason}\n"


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
    missing = tmp_path / "nowhere"
    result = invoked(["check-raw"], missing)
    assert result.exit_code == 1 and result.output == f"Error: {missing}: [corpus-not-found] --root names no directory\n"
    result = invoked(["preannotate", "--json"], missing)
    assert result.exit_code == 1
    [problem] = json.loads(result.output)["problems"]
    assert (problem["code"], problem["location"]["file"]) == ("corpus-not-found", str(missing))


def test_a_reader_that_goes_away_is_no_error(tmp_path):
    """`corpus-tools agreement | head -1`: the pipe closes early; nothing is reported on stderr."""
    errors = tmp_path / "stderr"
    script = (f"{sys.executable} -m corpus_tools.cli normalize --doc {COMMITTED_DOC_IDS[0]} "
              f"--root {REPO} 2>{errors} | true")
    subprocess.run(["sh", "-c", script], check=True, cwd=tmp_path)
    assert errors.read_text() == ""
