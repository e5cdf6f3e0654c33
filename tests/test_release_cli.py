"""corpus-tools release / verify through click's CliRunner: exit codes and one-line errors."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from corpus_tools.cli import cli
from corpus_tools.release import build_release
from corpus_tools.release.versions import list_versions
from corpus_tools.version import __version__
from conftest import REPO, tree
from release_factories import seed_inputs


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory):
    return build_release(*seed_inputs(), tmp_path_factory.mktemp("dist"), "1.0.0").path


def test_verify_passes_on_an_intact_release(release_dir):
    result = CliRunner().invoke(cli, ["verify", str(release_dir)])
    assert result.exit_code == 0, result.output
    assert result.output == f"{release_dir}: 12 files match SHA256SUMS\n"


def test_verify_names_the_changed_file_and_exits_1(release_dir, tmp_path):
    import shutil

    copy = tmp_path / "1.0.0"
    shutil.copytree(release_dir, copy)
    target = copy / "data" / "timexes" / "train-00000-of-00001.parquet"
    data = bytearray(target.read_bytes())
    data[100] ^= 0xFF
    target.write_bytes(bytes(data))
    result = CliRunner().invoke(cli, ["verify", str(copy)])
    assert result.exit_code == 1
    assert f"{target}: error [checksum-mismatch]" in result.output
    assert result.output.rstrip().splitlines()[-1] == (
        f"Error: {copy}: [verify-failed] 1 problem(s) (listed above): the release does not match its SHA256SUMS")
    assert "Traceback" not in result.output


def test_verify_json(release_dir):
    result = CliRunner().invoke(cli, ["verify", "--json", str(release_dir)])
    assert result.exit_code == 0
    assert '"valid": true' in result.output


def test_verify_takes_a_version_in_dist_as_export_diff_and_view_do(monkeypatch):
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(cli, ["verify", "1.1.0"])
    assert result.exit_code == 0 and result.output == f"{REPO / 'dist' / '1.1.0'}: 11 files match SHA256SUMS\n"
    result = CliRunner().invoke(cli, ["verify", "9.9.9"])
    assert result.exit_code == 1 and "[unknown-version] no release 9.9.9" in result.output
    monkeypatch.chdir(REPO / "docs")  # no dist/ here: the message says where releases are looked for
    result = CliRunner().invoke(cli, ["diff", "1.0.0", "1.1.0"])
    assert result.exit_code == 1 and "releases: none (the root, --root or root=, names the checkout whose dist/ holds them)" in result.output


# Each reader of releases said its own thing of one bad name: "1.0" was invalid-version to load,
# export and view but release-missing to diff and verify.
@pytest.mark.parametrize(("name", "line"), [
    ("1.0", f"Error: [invalid-version] '1.0' is neither a directory nor a version (MAJOR.MINOR.PATCH, e.g. 1.0.0) "
            f"of a release in {REPO / 'dist'}"),
    ("latest", f"Error: [invalid-version] 'latest' is neither a directory nor a version (MAJOR.MINOR.PATCH, e.g. "
               f"1.0.0) of a release in {REPO / 'dist'}"),
    ("9.9.9", f"Error: {REPO / 'dist'}: [unknown-version] no release 9.9.9 in {REPO / 'dist'}; releases: "
              + ", ".join(list_versions(REPO / "dist"))),
    ("no/such/dir", "Error: no/such/dir: [release-missing] not a release directory (nor a version under dist/)"),
    ("README.md", "Error: README.md: [release-missing] not a release directory (nor a version under dist/)"),
])
def test_every_reader_of_releases_refuses_a_bad_name_alike(monkeypatch, tmp_path, name, line):
    import corpus_tools
    from corpus_tools.errors import CorpusError
    from corpus_tools.release import diff_releases
    from corpus_tools.release.export import export_release

    monkeypatch.chdir(REPO)
    for argv in (["verify", name], ["diff", "1.1.0", name], ["diff", name, "1.1.0"],
                 ["export", "--format", "jsonl", name, "-o", str(tmp_path / "out")],
                 ["view", name, "-o", str(tmp_path / "site")], ["view", "1.1.0", "--previous", name,
                                                                "-o", str(tmp_path / "site")]):
        result = CliRunner().invoke(cli, argv)
        assert (result.exit_code, result.output) == (1, line + "\n"), argv
    code = line.split("[", 1)[1].split("]", 1)[0]
    for call in (lambda: corpus_tools.load(name, "entities"), lambda: corpus_tools.load_pandas(name, "entities"),
                 lambda: diff_releases("1.1.0", name), lambda: export_release(name, "jsonl", tmp_path / "out")):
        with pytest.raises(CorpusError) as caught:
            call()
        assert caught.value.code == code
    assert list(tmp_path.iterdir()) == []


def test_verify_of_a_missing_directory(tmp_path):
    result = CliRunner().invoke(cli, ["verify", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "[release-missing] not a release directory" in result.output


@pytest.mark.parametrize(("version", "message"), [
    ("1.0", "[invalid-version] version '1.0' is not MAJOR.MINOR.PATCH"),
    ("9.9.9", f"[version-mismatch] cannot release 9.9.9: the version is corpus_tools/version.py's ({__version__})"),
])
def test_release_refuses_bad_versions_in_one_line(tmp_path, version, message):
    result = CliRunner().invoke(cli, ["release", "--root", str(tmp_path), "--version", version])
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "dist").exists()


def test_a_refused_first_release_leaves_no_empty_dist(corpus_copy):
    """The build's staging directory made dist/; the stored annotations, found invalid as they
    were streamed (an entity they link removed from the registry), refused it and left dist/
    there, empty."""
    registry = corpus_copy.registry.read_bytes().splitlines(keepends=True)
    corpus_copy.registry.write_bytes(b"".join(line for line in registry if b'"id":"bashar-al-assad"' not in line))
    assert not corpus_copy.dist.exists()
    before = tree(corpus_copy.root)
    result = CliRunner().invoke(cli, ["release", "--root", str(corpus_copy.root)])
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith("Error: [invalid-annotations] ") and " validation error(s), nothing built: " in line
    assert "[entity-id-unknown] entity_id 'bashar-al-assad' is not in the entity registry" in line
    assert tree(corpus_copy.root) == before


@pytest.mark.parametrize("command", ["release", "verify"])
def test_help_has_an_example(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and f"corpus-tools {command}" in result.output
