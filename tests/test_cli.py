"""The command line as a whole: version, and help with an example for every command."""

from __future__ import annotations

import shutil
from typing import Iterator

import click
import orjson
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_tools.cli import cli
from corpus_tools.cli.options import json_pieces
from corpus_tools.version import __version__


def command_paths(group: click.Group, ctx: click.Context, prefix=()):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from command_paths(command, click.Context(command, parent=ctx), (*prefix, name))


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"corpus-tools, version {__version__}\n"


def test_every_command_has_help_with_an_example():
    paths = list(command_paths(cli, click.Context(cli)))
    assert {"check-raw", "normalize", "validate", "ingest", "lint", "release", "verify"} <= {p[0] for p in paths}
    assert ("labelstudio", "server", "start") in paths
    for path in paths:
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Example" in result.output and f"corpus-tools {' '.join(path)}" in result.output, path


def test_every_json_flag_is_the_shared_option():
    """The shared option is what makes an error JSON too: diff once had its own --json flag, and its
    bad input printed a plain 'Error:' line to a caller that was promised JSON."""
    from corpus_tools.cli.options import json_option

    shared = json_option(click.command("x")(lambda as_json: None)).params[0].callback
    flagged = []
    for path in command_paths(cli, click.Context(cli)):
        command = cli
        for name in path:
            command = command.get_command(click.Context(command), name)
        for param in command.params:
            if "--json" in param.opts:
                flagged.append(path)
                assert param.callback is shared, path
    assert {("diff",), ("verify",), ("validate",), ("agreement",)} <= set(flagged)


def test_bad_input_to_diff_and_a_failed_verify_print_one_json_document(tmp_path):
    from conftest import REPO

    result = CliRunner().invoke(cli, ["diff", "9.9.9", "1.1.0", "--json", "--root", str(REPO)])
    assert result.exit_code == 1
    report = orjson.loads(result.stdout)
    assert report["valid"] is False and [p["code"] for p in report["problems"]] == ["unknown-version"]
    copy = tmp_path / "1.1.0"
    shutil.copytree(REPO / "dist" / "1.1.0", copy)
    with open(copy / "README.md", "ab") as handle:
        handle.write(b"x")
    result = CliRunner().invoke(cli, ["verify", str(copy), "--json"])
    assert result.exit_code == 1
    report = orjson.loads(result.stdout)  # one document: no verify-failed after it
    assert report["valid"] is False and [p["code"] for p in report["problems"]] == ["checksum-mismatch"]
    assert report["problems"][0]["location"]["file"] == str(copy / "README.md")


def test_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(cli, ["publish"])
    assert result.exit_code == 2
    assert "No such command 'publish'" in result.output


@pytest.mark.parametrize("line, command, message", [
    (["ingest", "EXPORT", "--jobs", "-1", "--json"], "corpus-tools ingest",
     "Invalid value for '--jobs': -1 is not in the range 0<=x<=64."),
    (["validate", "--json", "--bogus", "EXPORT"], "corpus-tools validate", "No such option '--bogus'."),
    (["labelstudio", "push", "--bogus", "--json"], "corpus-tools labelstudio push", "No such option '--bogus'."),
])
def test_a_line_that_does_not_parse_under_json_is_a_json_usage_error(line, command, message, tmp_path):
    """--json promises JSON on stdout: a usage error too is the report of one problem (exit 2, as click's)."""
    export = tmp_path / "export.json"
    export.write_text("[]")
    line = [str(export) if arg == "EXPORT" else arg for arg in line]
    result = CliRunner().invoke(cli, line, prog_name="corpus-tools")
    assert result.exit_code == 2, result.output
    report = orjson.loads(result.stdout)
    assert report["valid"] is False and len(report["problems"]) == 1
    problem = report["problems"][0]
    assert problem["code"] == "usage-error" and problem["severity"] == "error"
    assert problem["message"].startswith(f"{command}: {message}")
    plain = CliRunner().invoke(cli, [arg for arg in line if arg != "--json"], prog_name="corpus-tools")  # click's own
    assert plain.exit_code == 2 and "Usage: corpus-tools" in plain.output


# JSON values, and the same values with some lists made iterators and some values functions
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=False,
                     allow_infinity=False), st.text(max_size=8))
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.text(max_size=4), inner, max_size=4)),
                       max_leaves=30)


def _deferred(value, choices):
    if isinstance(value, dict):
        return {key: _deferred(item, choices) for key, item in value.items()}
    if isinstance(value, list):
        items = [_deferred(item, choices) for item in value]
        return iter(items) if choices.draw(st.booleans()) else items
    return (lambda: value) if choices.draw(st.booleans()) else value


@pytest.mark.parametrize("command", ["validate", "ingest"])
def test_a_number_of_jobs_beyond_the_limit_is_a_usage_error(command, tmp_path):
    """99999999999999999999 workers ended in multiprocessing's OverflowError traceback."""
    export = tmp_path / "export.json"
    export.write_text("[]")
    result = CliRunner().invoke(cli, [command, str(export), "--jobs", "99999999999999999999", "--root", str(tmp_path)])
    assert result.exit_code == 2 and "99999999999999999999 is not in the range 0<=x<=64" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@settings(max_examples=300, deadline=None)
@given(_values, st.data())
def test_json_printed_in_pieces_is_orjsons_indented_json_byte_for_byte(value, choices):
    expected = orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    assert "".join(json_pieces(value)) == expected
    assert "".join(json_pieces(_deferred(value, choices))) == expected


def test_agreement_by_document_prints_its_parts_one_at_a_time(corpus_copy):
    """--json --by document: the parts wait on disk and their dicts are made as they are printed
    (at 50,000 tasks the command took 747 MB holding them all, 231 MB now), and the text is what
    the whole dict gives."""
    from corpus_tools.annotations.agreement import agreement, report_dict
    from corpus_tools.annotations.consolidate import AnnotationIndex

    report = agreement(AnnotationIndex.of_corpus(corpus_copy), by="document")
    assert isinstance(report_dict(report, lazy=True)["parts"], Iterator)
    first, again = list(report.parts), list(report.parts)
    assert first == again and first[0] is not again[0]  # the parts wait on disk, read again on each pass
    result = CliRunner().invoke(cli, ["agreement", "--root", str(corpus_copy.root), "--json", "--by", "document"])
    assert result.exit_code == 0, result.output
    assert result.output == orjson.dumps(report_dict(report), option=orjson.OPT_INDENT_2).decode() + "\n"
    assert [part["document"] for part in orjson.loads(result.output)["parts"]] == sorted(report.compared)


def test_the_console_script_writes_utf8_whatever_the_locale_encoding():
    """A Latin-1 locale's stdout cannot encode the corpus's curly quotes: that gave a traceback."""
    import json
    import os
    import subprocess
    import sys

    from conftest import REPO

    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    command = [sys.executable, "-m", "corpus_tools.cli"]
    done = subprocess.run([*command, "normalize", "--doc", "001_d79359122f2d4c78", "--root", str(REPO)],
                          capture_output=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "Syria\u2019s" in done.stdout.decode("utf-8")
    done = subprocess.run([*command, "diff", "1.0.0", "1.1.0", "--json", "--root", str(REPO)],
                          capture_output=True, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.decode("utf-8"))["new"]["version"] == "1.1.0"


def test_a_reader_that_goes_away_ends_the_command_quietly():
    """``corpus-tools diff 1.0.0 1.2.1 | head -1``: the reader closes the pipe before the report is
    written; the command stops with exit 1 and says nothing (not "Error: [file-error] Broken pipe",
    as for a path the system refused)."""
    import subprocess
    import sys

    from conftest import REPO

    process = subprocess.Popen([sys.executable, "-m", "corpus_tools.cli", "diff", "1.0.0", "1.2.1", "--root",
                                str(REPO)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # gone before the first byte is read
    assert (process.wait(), process.stderr.read()) == (1, b"")


def test_a_checkout_at_a_non_ascii_path_releases_the_same_bytes_in_an_ascii_locale(tmp_path):
    """Under LC_ALL=C with UTF-8 mode off, Python's filesystem encoding is ASCII and the path's
    'ü' is two surrogate escapes, which pyarrow (it encodes paths as UTF-8) refused with a
    traceback: writing the units tables, the release's parquet files, and reading a release."""
    import json
    import os
    import subprocess
    import sys

    from conftest import REPO
    from corpus_tools.release.checksums import release_files
    from corpus_tools.release.versions import list_versions, version_key

    root = tmp_path / "Ünïcode corpus"
    for name in ("raw", "annotations"):
        shutil.copytree(REPO / name, root / name)
    older = [version for version in list_versions(REPO / "dist") if version_key(version) < version_key(__version__)]
    for version in older:
        shutil.copytree(REPO / "dist" / version, root / "dist" / version)
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONIOENCODING", "LANG", "LC_CTYPE")}
    env.update(LC_ALL="C", PYTHONUTF8="0", PYTHONPATH=str(REPO))
    command = [sys.executable, "-m", "corpus_tools.cli"]
    done = subprocess.run([*command, "release", "--root", str(root)], capture_output=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    built, committed = root / "dist" / __version__, REPO / "dist" / __version__
    for name in release_files(committed) + ["SHA256SUMS"]:
        assert (built / name).read_bytes() == (committed / name).read_bytes(), name
    # reading releases there: diff opens every parquet file of both
    done = subprocess.run([*command, "diff", str(root / "dist" / older[-1]), str(built), "--json"],
                          capture_output=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    report = json.loads(done.stdout)  # the path's escapes, which orjson refuses, are the standard library's
    assert (report["old"]["version"], report["new"]["version"]) == (older[-1], __version__)


def test_a_release_at_a_path_that_is_not_utf8_is_one_line_naming_it(tmp_path):
    """A name whose bytes are not UTF-8 is a str pyarrow cannot encode in any locale: that was a
    UnicodeEncodeError traceback, and is now one line naming the file pyarrow was to open."""
    import os
    import re

    from conftest import REPO

    place = os.fsdecode(os.fsencode(tmp_path) + b"/latin-1 \xfc")  # 'ü' in Latin-1: no UTF-8
    for version in ("1.1.4", "1.1.5"):
        shutil.copytree(REPO / "dist" / version, os.path.join(place, version))
    result = CliRunner().invoke(cli, ["diff", os.path.join(place, "1.1.4"), os.path.join(place, "1.1.5")])
    assert result.exit_code == 1 and not isinstance(result.exception, UnicodeError), result.exception
    shown = place.replace("\udcfc", "\\udcfc")  # the message escapes a lone surrogate, as every name's
    [line] = result.output.splitlines()
    assert re.fullmatch(re.escape(f"Error: {shown}/1.1.4/data/") + r"[a-z_]+/train-00000-of-00001\.parquet: "
                        + re.escape("[file-error] pyarrow opens only paths whose bytes are UTF-8"), line), line


def test_the_file_a_diff_cannot_open_is_the_same_whatever_the_hash_seed(tmp_path):
    """diff read the configs' features in the order of a set of their names, which PYTHONHASHSEED
    decides: which file an error named changed from run to run. It is the first in name order."""
    import os
    import subprocess
    import sys

    from conftest import REPO

    place = os.fsdecode(os.fsencode(tmp_path) + b"/\xfc")  # a name pyarrow cannot open (above)
    for version in ("1.1.4", "1.1.5"):
        shutil.copytree(REPO / "dist" / version, os.path.join(place, version))
    named = set()
    for seed in range(6):
        done = subprocess.run([sys.executable, "-m", "corpus_tools.cli", "diff", os.path.join(place, "1.1.4"),
                               os.path.join(place, "1.1.5")],
                              capture_output=True, env={**os.environ, "PYTHONHASHSEED": str(seed),
                                                        "PYTHONPATH": str(REPO)})
        assert done.returncode == 1
        named.add(done.stderr.decode().split(": [file-error]")[0].rsplit("/1.1.4/", 1)[-1])
    assert named == {"data/documents/train-00000-of-00001.parquet"}
