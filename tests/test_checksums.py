"""SHA256SUMS is read strictly, in the exact form sha256sum writes: every byte of it matters."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import corpus_tools
from corpus_tools.cli import cli
from corpus_tools.errors import CorpusError
from corpus_tools.release.checksums import SUMS_FILE, check_sums, parse_sums, release_files, sha256_file, verify_release

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "dist" / "1.0.0"  # a real release, as committed
# Replacement bytes tried at every position: a bit flip, a case flip, and every byte that some
# line splitter takes for a line end or a separator (str.splitlines: \v \f \x1c-\x1e \x85;
# \r; tab, space, NUL), a backslash, a multi-byte lead and U+2028's first byte.
SEPARATORS = b"\r\x0b\x0c\x1c\x1d\x1e\n\t \x00\\\x85\xe2"


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("checksums") / "1.0.0"
    shutil.copytree(COMMITTED, root)
    return root


def mutants(data: bytes):
    """(position, replacement byte) of every single-byte change tried."""
    for position, byte in enumerate(data):
        for replacement in {byte ^ 0x01, byte ^ 0x20, *SEPARATORS} - {byte}:
            yield position, replacement


def test_the_committed_sums_parse_exactly_and_the_release_verifies(release):
    data = (release / SUMS_FILE).read_bytes()
    listed, problems = parse_sums(data, "SHA256SUMS")
    assert problems == [] and sorted(listed) == release_files(release) and len(listed) == 10
    assert "".join(f"{digest}  {path}\n" for path, digest in listed.items()).encode() == data
    assert verify_release(release).valid


def test_every_single_byte_change_of_sha256sums_is_caught(release):
    data = (release / SUMS_FILE).read_bytes()
    present = release_files(release)
    digest = functools.cache(lambda name: sha256_file(release / name))
    missed, tried = [], 0
    for position, replacement in mutants(data):
        changed = data[:position] + bytes([replacement]) + data[position + 1:]
        tried += 1
        if check_sums(release, changed, present, digest).valid:
            missed.append((position, data[position:position + 1], bytes([replacement])))
    assert tried > 12 * len(data) > 10_000
    assert missed == []


@pytest.mark.parametrize("separator", [b"\r\n", b"\r", b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\xc2\x85",
                                       b"\xe2\x80\xa8"])
def test_a_changed_line_end_fails_verify_and_the_loaders_naming_sha256sums(release, tmp_path, separator):
    root = tmp_path / "dist" / "1.0.0"
    shutil.copytree(release, root)
    sums = root / SUMS_FILE
    lines = sums.read_bytes().split(b"\n")
    sums.write_bytes(lines[0] + separator + b"\n".join(lines[1:]))  # the first line end only
    report = verify_release(root)
    assert not report.valid
    assert {problem.code for problem in report.errors} >= {"sums-malformed"}
    assert any(problem.location.file == str(sums) and problem.location.line == 1 for problem in report.errors)
    with pytest.raises(CorpusError) as caught:
        corpus_tools.load_pandas(None, "entities", root=tmp_path)
    assert caught.value.code == "release-tampered" and SUMS_FILE in str(caught.value)


@pytest.mark.parametrize(("text", "why"), [
    (b"", None),
    (b"A" * 64 + b"  README.md\n", "not '<64 lower-case hex digits>"),
    (b"a" * 64 + b" *README.md\n", "not '<64 lower-case hex digits>"),
    (b"a" * 64 + b"  README.md", "does not end in a line feed"),
    (b"a" * 64 + b"  README.md\n\n", "not '<64 lower-case hex digits>"),
    (b"a" * 64 + b"  ../README.md\n", "not a plain relative path"),
    (b"a" * 64 + b"  /README.md\n", "not a plain relative path"),
    (b"a" * 64 + b"  data//x.parquet\n", "not a plain relative path"),
    (b"a" * 64 + b"  SHA256SUMS\n", "not a plain relative path"),
    (b"a" * 64 + b"  READ\xc2\x85ME.md\n", "not a plain relative path"),
    (b"a" * 64 + b"  READ\xffME.md\n", "not UTF-8"),
    (b"a" * 64 + b"  b\n" + b"a" * 64 + b"  a\n", "out of order"),
    (b"a" * 64 + b"  a\n" + b"b" * 64 + b"  a\n", "listed twice"),
])
def test_what_parse_sums_refuses(text, why):
    listed, problems = parse_sums(text, "SHA256SUMS")
    if why is None:
        assert listed == {} and problems == []
    else:
        assert [problem.code for problem in problems] == ["sums-malformed"]
        assert why in problems[0].message and "\n" not in str(problems[0])


def test_verify_of_no_directory_says_one_thing(tmp_path):
    result = CliRunner().invoke(cli, ["verify", str(tmp_path / "9.9.9")])
    assert result.exit_code == 1
    assert result.output == (f"Error: {tmp_path / '9.9.9'}: [release-missing] not a release directory (nor a "
                             "version under dist/)\n")
    result = CliRunner().invoke(cli, ["verify", "--json", str(tmp_path / "9.9.9")])
    assert result.exit_code == 1
    assert '"code": "release-missing"' in result.output and '"valid": false' in result.output


def test_verify_of_a_directory_that_is_no_release_says_so_once(tmp_path):
    """It listed every file below as unlisted: 130,286 lines for /usr."""
    (tmp_path / "notes" / "deeper").mkdir(parents=True)
    for name in ("a.txt", "deeper/b.txt"):
        (tmp_path / "notes" / name).write_text("x")
    result = CliRunner().invoke(cli, ["verify", str(tmp_path / "notes")])
    assert result.exit_code == 1
    assert result.output == (f"Error: {tmp_path / 'notes'}: [release-missing] not a release directory: no SHA256SUMS, "
                             "no croissant.json\n")


def test_a_link_in_a_release_fails_verify_even_when_its_sums_match(release, tmp_path):
    """A link's bytes are a file elsewhere, which can change without the release changing."""
    root = tmp_path / "dist" / "1.0.0"
    shutil.copytree(release, root)
    outside = tmp_path / "README.md"
    (root / "README.md").rename(outside)
    (root / "README.md").symlink_to(outside)
    assert (root / SUMS_FILE).read_text().count("  README.md\n") == 1  # the sums still match its bytes
    report = verify_release(root)
    assert [(problem.code, problem.location.file) for problem in report.errors] == [
        ("file-not-regular", str(root / "README.md"))]


@pytest.mark.parametrize("damage", ["truncate", "empty"])
def test_a_parquet_file_changed_with_its_sums_is_named_by_every_reader(release, tmp_path, damage):
    """Verification passes (the sums were recomputed); each reader then says which file it cannot
    read, in one line, instead of pyarrow's traceback."""
    from corpus_tools.release.checksums import sums_text
    from corpus_tools.release.export import export_release

    root = tmp_path / "dist" / "1.0.0"
    shutil.copytree(release, root)
    [entities] = sorted((root / "data" / "entities").glob("train-*.parquet"))
    entities.write_bytes(entities.read_bytes()[:1000] if damage == "truncate" else b"")
    (root / SUMS_FILE).write_text(sums_text(root))
    assert verify_release(root).valid
    for read in (lambda: export_release(root, "jsonl", tmp_path / "out"),
                 lambda: corpus_tools.load_pandas(None, "entities", root=tmp_path)):
        with pytest.raises(CorpusError) as caught:
            read()
        assert caught.value.code == "release-unreadable" and caught.value.location.file == str(entities)
    result = CliRunner().invoke(cli, ["diff", str(release), str(root)])
    assert result.exit_code == 1 and result.output.strip().splitlines() == [
        result.output.strip()] and "[release-unreadable]" in result.output


def test_verify_names_a_version_in_the_checkout_given_by_root(tmp_path, monkeypatch):
    """Its own error said '--root names the checkout whose dist/ holds them', an option verify lacked."""
    from conftest import REPO

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["verify", "1.1.1"])
    assert result.exit_code == 1 and "releases: none (the root, --root or root=, names the checkout" in result.output
    result = CliRunner().invoke(cli, ["verify", "1.1.1", "--root", str(REPO)])
    assert result.exit_code == 0 and result.output.endswith("files match SHA256SUMS\n"), result.output


def test_a_downloaded_release_with_hidden_files_verifies_loads_and_diffs_as_itself(tmp_path):
    """A download adds hidden files SHA256SUMS cannot list (the Hub's .gitattributes,
    huggingface_hub's .cache/, a desktop's .DS_Store): every reader refused such a copy as
    release-tampered (file-unlisted). No reader reads a hidden file (datasets skips them too), so
    they are warned of, not refused; and a hidden parquet file beside a config's is read by none."""
    copy = tmp_path / "download"
    shutil.copytree(REPO / "dist" / "1.1.5", copy)
    (copy / ".gitattributes").write_text("*.parquet filter=lfs diff=lfs merge=lfs -text\n")
    (copy / ".cache" / "huggingface").mkdir(parents=True)
    (copy / ".cache" / "huggingface" / ".gitignore").write_text("*\n")
    entities = copy / "data" / "entities"
    shutil.copy(entities / "train-00000-of-00001.parquet", entities / ".train-00000-of-00001.parquet")
    (copy / "data" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")

    result = CliRunner().invoke(cli, ["verify", str(copy)])
    assert result.exit_code == 0, result.output
    hidden = "not listed in SHA256SUMS (a hidden file: no reader reads it)"
    assert result.output.splitlines() == [
        f"{copy / '.cache' / 'huggingface' / '.gitignore'}: warning [file-unlisted-hidden] {hidden}",
        f"{copy / '.gitattributes'}: warning [file-unlisted-hidden] {hidden}",
        f"{copy / 'data' / '.DS_Store'}: warning [file-unlisted-hidden] {hidden}",
        f"{entities / '.train-00000-of-00001.parquet'}: warning [file-unlisted-hidden] {hidden}",
        f"{copy}: 11 files match SHA256SUMS"]
    assert len(corpus_tools.load_pandas(copy, "entities", split="train")) == 454
    assert corpus_tools.load(copy, "entities", split="train", cache_dir=str(tmp_path / "cache")).num_rows == 454
    diffed = CliRunner().invoke(cli, ["diff", str(REPO / "dist" / "1.1.5"), str(copy)])
    assert diffed.exit_code == 0 and "no change" in diffed.output, diffed.output
    # a file that is not hidden is still the release's, and refused unlisted
    (copy / "data" / "notes.txt").write_text("x")
    assert [(p.code, Path(p.location.file).name) for p in verify_release(copy).errors] == [
        ("file-unlisted", "notes.txt")]


@pytest.mark.parametrize("stray", ["extra.parquet", "train-00000-of-00001 (1).parquet"])
def test_a_file_of_no_split_in_a_config_is_read_by_no_reader(tmp_path, stray):
    """Every reader finds a config's files by one rule (<split>-NNNNN-of-NNNNN.parquet, as
    datasets does): diff read any *.parquet, so a stray file listed in SHA256SUMS doubled the
    entities to diff and not to the loaders. A second download's name ("... (1).parquet") fits
    the glob <split>-*-of-*.parquet, and load_pandas and diff read it while datasets, reading
    the card's list of files, did not."""
    from corpus_tools.release.checksums import sums_text

    copy = tmp_path / "copy"
    shutil.copytree(REPO / "dist" / "1.1.5", copy)
    entities = copy / "data" / "entities"
    shutil.copy(entities / "train-00000-of-00001.parquet", entities / stray)
    (copy / SUMS_FILE).write_text(sums_text(copy))
    assert verify_release(copy).valid
    assert len(corpus_tools.load_pandas(copy, "entities")) == len(corpus_tools.load_pandas(REPO / "dist" / "1.1.5",
                                                                                           "entities"))
    diffed = CliRunner().invoke(cli, ["diff", str(REPO / "dist" / "1.1.5"), str(copy)])
    assert diffed.exit_code == 0 and "no change" in diffed.output, diffed.output


def test_croissant_json_names_sums_as_the_changed_file_only_while_it_verifies_itself(release, tmp_path):
    """A parquet file changed with croissant.json's sha256 for it (a consistent edit of both) was
    reported "matches croissant.json but not SHA256SUMS: SHA256SUMS was changed", which it was not."""
    import hashlib
    import json

    parquet = "data/entities/train-00000-of-00001.parquet"
    sums = (release / SUMS_FILE).read_bytes()

    def tampered(name: str, croissant_too: bool) -> dict[str, str]:
        root = tmp_path / name / "1.0.0"
        shutil.copytree(release, root)
        data = bytearray((root / parquet).read_bytes())
        data[100] ^= 0x01
        (root / parquet).write_bytes(bytes(data))
        digest = hashlib.sha256(bytes(data)).hexdigest()
        if croissant_too:
            metadata = json.loads((root / "croissant.json").read_text(encoding="utf-8"))
            for item in metadata["distribution"]:
                if item.get("contentUrl") == parquet:
                    item["sha256"] = digest
            (root / "croissant.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
        else:  # SHA256SUMS changed instead: the parquet file is as croissant.json says
            (root / parquet).write_bytes((release / parquet).read_bytes())
            old = sha256_file(release / parquet)
            (root / SUMS_FILE).write_bytes(sums.replace(old.encode(), digest.encode()))
        return {Path(p.location.file).relative_to(root).as_posix(): p.message for p in verify_release(root).errors}

    both = tampered("both", croissant_too=True)
    assert sorted(both) == ["croissant.json", parquet]
    assert both[parquet].endswith(f": {parquet} (or SHA256SUMS) was changed")
    assert "SHA256SUMS was changed" not in both[parquet]
    assert tampered("sums", croissant_too=False) == {
        parquet: "matches croissant.json but not SHA256SUMS: SHA256SUMS was changed"}

