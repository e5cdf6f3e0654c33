"""The Python examples of the README and docs/ run, as written, against the committed corpus and release; the names
and commands the docs give exist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def test_readme_quickstart_starts_with_the_two_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quickstart = readme.split("## Quickstart", 1)[1]
    commands = re.search(r"```sh\n(.*?)```", quickstart, re.S).group(1).splitlines()
    assert [line.split("#")[0].strip() for line in commands] == ["make release", "make test"]


# Every file of the docs with Python examples, and how many: each file's run as one script.
EXAMPLES = {"README.md": 4, "docs/release.md": 2, "docs/lint.md": 1, "docs/normalization.md": 1}


def test_every_python_example_of_the_docs_is_run():
    """A ```python block in docs/ is run below like the README's: those of docs/release.md,
    docs/lint.md and docs/normalization.md were fragments (``path/to/1.1.11``, ``layout``,
    ``raw_text`` defined nowhere) that nothing ran."""
    found = {path.relative_to(REPO).as_posix(): len(BLOCK.findall(path.read_text(encoding="utf-8")))
             for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]}
    assert {name: count for name, count in found.items() if count} == EXAMPLES


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_python_examples_run(tmp_path, name):
    blocks = BLOCK.findall((REPO / name).read_text(encoding="utf-8"))
    assert len(blocks) == EXAMPLES[name]
    script = tmp_path / "examples.py"
    script.write_text("\n\n".join(blocks), encoding="utf-8")
    # Offline, with a private cache: set before datasets is imported, hence a fresh process.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    result = subprocess.run([sys.executable, str(script)], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]


def test_every_package_name_the_docs_give_exists():
    """A dotted ``corpus_tools.…`` name in README.md or docs/ names a module or an attribute that
    exists (docs drift silently when a function is renamed or moved)."""
    import importlib

    absent, missing = object(), []
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for name in sorted(set(re.findall(r"`(corpus_tools(?:\.\w+)+)", path.read_text(encoding="utf-8")))):
            parts = name.split(".")
            found = next(i for i in range(len(parts), 0, -1) if _importable(".".join(parts[:i])))
            target = importlib.import_module(".".join(parts[:found]))
            for attribute in parts[found:]:
                target = getattr(target, attribute, absent)
            if target is absent:
                missing.append(f"{path.name}: {name}")
    assert missing == []


def _importable(module: str) -> bool:
    import importlib

    try:
        importlib.import_module(module)
    except ModuleNotFoundError:
        return False
    return True


def test_every_command_the_docs_give_exists():
    """``corpus-tools COMMAND`` (or ``GROUP COMMAND``) in README.md, docs/ or bench/README.md is a
    command of the CLI."""
    import click

    from corpus_tools.cli import cli

    context = click.Context(cli)

    def paths(group: click.Group, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
        found = set()
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            found.add(prefix + (name,))
            if isinstance(command, click.Group):
                found |= paths(command, prefix + (name,))
        return found

    known = paths(cli)
    unknown = []
    for path in [REPO / "README.md", REPO / "bench" / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for match in re.finditer(r"corpus-tools ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", path.read_text(encoding="utf-8")):
            if (match[1],) not in known and (match[1], match[2]) not in known:
                unknown.append(f"{path.name}: {match[0]}")
    assert known > {("release",), ("labelstudio", "push")} and unknown == []


def test_every_option_the_docs_give_a_command_exists():
    """An option written after ``corpus-tools COMMAND`` in a code span, a ```sh block or a plain
    ``` block of README.md, bench/README.md or docs/ is an option of that command (a renamed or
    dropped option left in a page is caught here, as one left in a help example is by the test
    below; until now only the command's name was checked)."""
    import click

    from corpus_tools.cli import cli

    context = click.Context(cli)
    checked, unknown = 0, []
    for path in [REPO / "README.md", REPO / "bench" / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for span in [*_block_lines(text, ("", "sh")), *re.findall(r"`([^`\n]+)`", text)]:
            for match in re.finditer(r"corpus-tools ((?:[a-z][a-z-]* ?)+)(.*)", span):
                words, command = match[1].split(), cli
                while isinstance(command, click.Group) and words and command.get_command(context, words[0]):
                    command = command.get_command(context, words.pop(0))
                if isinstance(command, click.Group):
                    continue
                known = {"--help", "-h"} | {name for parameter in command.params
                                            for name in (*parameter.opts, *parameter.secondary_opts)}
                line = (" ".join(words) + " " + match[2]).split("#")[0]  # a shell comment is prose
                for option in re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", line):
                    checked += 1
                    if option not in known:
                        unknown.append(f"{path.name}: corpus-tools {command.name} {option}")
    assert checked > 120 and unknown == []


def _block_lines(text: str, languages: tuple[str, ...]) -> list[str]:
    """The lines of the fenced blocks of ``text`` whose info string is one of ``languages``."""
    lines, language = [], None
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            language = line.strip()[3:] if language is None else None
        elif language in languages:
            lines.append(line)
    return lines


def test_every_help_example_parses(monkeypatch):
    """Each ``corpus-tools ...`` line under a command's "Example:" in its --help parses: the
    commands, options and values it gives exist (a renamed option or choice left in an example
    is refused here, not by a reader). A file argument that is not there is no fault of the
    example (``gold.jsonl``)."""
    import shlex

    import click

    from corpus_tools.cli import cli

    context = click.Context(cli)

    def commands(group: click.Group):
        yield group
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            yield from commands(command) if isinstance(command, click.Group) else [command]

    examples, refused = [], []
    for command in commands(cli):
        for line in (command.help or "").partition("Example:")[2].splitlines():
            if "corpus-tools " in line:  # also inside $(...); the shell's own syntax cut off
                examples.append(re.split(r"\s+#|\s[>|]\s|\)", line[line.index("corpus-tools "):])[0])
    monkeypatch.chdir(REPO)  # dist/1.0.0 and the like are relative to the checkout
    for example in examples:
        words, command = shlex.split(example)[1:], cli
        while isinstance(command, click.Group) and words and words[0] in command.list_commands(context):
            command = command.get_command(context, words.pop(0))
        try:
            command.make_context("corpus-tools", words).close()
        except click.BadParameter as error:
            if "does not exist" not in error.message:
                refused.append(f"{example}: {error.format_message()}")
        except click.UsageError as error:
            refused.append(f"{example}: {error.format_message()}")
    assert len(examples) > 50 and refused == []


def test_the_errata_say_what_the_committed_releases_say():
    """docs/errata.md still said "1.1.0 to 1.1.8 all say 2026-12-02" once 1.1.9 (of that date too)
    was published, and listed nothing of 1.1.9, whose card keeps two statements a review found
    untrue (its license_name, and offsets "to its bytes" in the raw file)."""
    import json

    from corpus_tools.release.versions import list_versions, version_key

    errata = (REPO / "docs" / "errata.md").read_text(encoding="utf-8")
    newest = max(list_versions(REPO / "dist"), key=version_key)
    first, last, day = re.search(r"built: (\S+) to (\S+) all say (\d{4}-\d\d-\d\d)\.", errata).groups()
    assert (first, last, day) == ("1.1.0", newest, "2026-12-02")
    for version in list_versions(REPO / "dist"):
        if version_key(first) <= version_key(version):
            croissant = json.loads((REPO / "dist" / version / "croissant.json").read_text(encoding="utf-8"))
            assert croissant["datePublished"] == day, version
    assert errata.index("## Errata of 1.1.9 (and 1.1.0 to 1.1.8)") < errata.index("## Errata of 1.1.8")
    card = (REPO / "dist" / "1.1.9" / "README.md").read_text(encoding="utf-8")
    assert "\nlicense_name: news-text-publisher-copyright\n" in card and "`news-text-publisher-copyright`" in errata
    assert "leads every span back to its bytes in the raw file" in card
    import pyarrow.parquet as pq

    mentions = pq.read_table(REPO / "dist" / "1.1.9" / "data" / "entities").to_pylist()
    raw = {row["doc_id"]: (REPO / "raw" / f"{row['doc_id']}.txt").read_bytes().decode("utf-8") for row in mentions}
    other = sum(len(raw[row["doc_id"]][:row["raw_start"]].encode("utf-8")) != row["raw_start"] for row in mentions)
    assert f"{other} of its {len(mentions)} entity mentions" in errata
    # corrected by 1.1.10
    newer = (REPO / "dist" / "1.1.10" / "README.md").read_text(encoding="utf-8")
    assert "\nlicense_name: unlicensed-article-texts-mit-annotations\n" in newer and "its bytes" not in newer
    assert "1.1.10 was released to correct what a review of\n1.1.9 found" in errata
    # corrected by 1.1.11: an F1's counts read as a share ("0.996 (1356/2722)", 0.498)
    assert "exact-span F1 0.996 (1356/2722)" in newer
    corrected = (REPO / "dist" / "1.1.11" / "README.md").read_text(encoding="utf-8")
    assert "- entities: exact-span F1 0.996 (2 × 1356/2722), overlap F1 0.999 (2 × 1360/2722), label agreement " \
        "1.000 (1356/1356)" in corrected
    assert "1.1.11 was released to correct what an independent\nrecomputation" in errata
    assert "\"exact-span F1 0.996 (1356/2722)\"" in errata and "\"2 × 1356/2722\"" in errata
    assert "the cards of 1.1.0 to 1.1.10 make statements 1.1.11 corrects" in (REPO / "README.md").read_text(encoding="utf-8")
    # corrected by 1.2.0: kb without quote types and mods, croissant.json without LICENSE.md, build-info.json
    # without the interpreter; the other configs' files are 1.1.11's
    assert errata.index("## Errata of 1.1.11 (and 1.1.0 to 1.1.10)") < errata.index("## Errata of 1.1.10")
    old, new = REPO / "dist" / "1.1.11", REPO / "dist" / "1.2.0"
    names = lambda release: {n["db_name"] for f in (release / "data" / "kb").glob("*.parquet")  # noqa: E731
                             for row in pq.read_table(f).to_pylist() for e in row["entities"] for n in e["normalized"]}
    assert names(old) == {"corpus_tools_registry", "TIMEX3"}
    assert names(new) == {"corpus_tools_registry", "TIMEX3", "TIMEX3_mod", "quote_type"}
    assert [p.name for p in old.rglob("*.parquet") if p.read_bytes() != (new / p.relative_to(old)).read_bytes()] == [
        "train-00000-of-00001.parquet"] == [p.name for p in (old / "data" / "kb").glob("*.parquet")]
    mods = [row for row in pq.read_table(old / "data" / "timexes").to_pylist() if row["mod"]]
    quotes = pq.read_table(old / "data" / "quotes").num_rows
    assert (len(mods), quotes) == (14, 101) and "all 101 quotes" in errata and "14 of its 85 time expressions" in errata
    old_croissant, new_croissant = (json.loads((release / "croissant.json").read_text(encoding="utf-8"))
                                    for release in (old, new))
    assert "LICENSE.md" not in json.dumps(old_croissant["license"]) and new_croissant["license"][0]["url"] == "LICENSE.md"
    built_with = json.loads((new / "build-info.json").read_text(encoding="utf-8"))["built_with"]
    assert "python" not in json.loads((old / "build-info.json").read_text(encoding="utf-8"))["built_with"]
    assert f"Python {built_with['python']}, Unicode {built_with['unicodedata']}" in errata.replace("\n", " ")
    assert "`kb` config of every release before 1.2.0 leaves out a quote's type" in \
        (REPO / "README.md").read_text(encoding="utf-8").replace("\n", " ")
    # corrected by 1.2.1, a patch: what build-info.json records, which figures are averaged over pairs;
    # every parquet file is 1.2.0's
    import hashlib

    old, new = REPO / "dist" / "1.2.0", REPO / "dist" / "1.2.1"

    def digests(release):
        return {p.relative_to(release).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in release.rglob("*.parquet")}

    assert len(digests(new)) == 7 and digests(new) == digests(old)
    old_card, new_card = ((release / "README.md").read_text(encoding="utf-8") for release in (old, new))
    assert "`build-info.json` records the versions of corpus_tools, pyarrow and datasets that built it" in old_card
    assert "`python`, the interpreter that ran the build; `unicodedata`, Python's Unicode database" in new_card
    assert set(json.loads((new / "build-info.json").read_text(encoding="utf-8"))["built_with"]) == {
        "corpus-tools", "pyarrow", "datasets", "python", "unicodedata"}
    assert "figures averaged over pairs" in old_card and "figures averaged over pairs" not in new_card
    assert "Krippendorff's alpha is computed once, over all the annotators of each document together" in new_card
    assert ("The data did not change since 1.2.0: every config has the same columns, label sets and rows. Of its "
            "files, only this card, CHANGELOG.md, croissant.json, build-info.json (the versions that built the "
            "release) and SHA256SUMS (every file's hash) differ: the parquet files are byte for byte those of "
            "1.2.0.") in new_card
    assert "| configs | document-config pairs whose rows changed otherwise | 7 |" in old_card
    assert errata.index("## Errata of 1.2.0") < errata.index("## Errata of 1.1.11")
    said = errata.replace("\n", " ")
    assert "Its data are those of 1.2.1, byte for byte (every parquet file); 1.2.1 was released to correct" in said
    assert "\"figures averaged over pairs\"" in said
    assert "\"7 document-config pairs whose rows changed otherwise\"" in said
    assert "(`unicodedata.unidata_version`: Python 3.11.7, Unicode 14.0.0)" in said
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "1.2.1 corrects what 1.2.0's card says" in readme.replace("\n", " ")


def test_the_latest_kb_gives_a_quote_s_type_and_a_timex_s_mod_as_its_quotes_and_timexes_configs():
    """kb left both out until 1.2.0 (docs/errata.md); datasets loads them as BigBIO normalizations."""
    import datasets

    release = str(REPO / "dist" / "1.2.0")
    kb = {row["id"]: row for row in datasets.load_dataset(release, "kb", split="train")}
    regions = {(doc_id, entity["id"]): entity for doc_id, row in kb.items() for entity in row["entities"]}
    decade = regions[("000_cbeedfbee8440207", "t2")]
    assert (decade["type"], decade["text"], decade["normalized"]) == ("DURATION", ["over a decade"], [
        {"db_name": "TIMEX3", "db_id": "P10Y"}, {"db_name": "TIMEX3_mod", "db_id": "MORE_THAN"}])
    quote = regions[("000_cbeedfbee8440207", "q1")]
    assert (quote["type"], quote["normalized"]) == ("QUOTE", [{"db_name": "quote_type", "db_id": "indirect"}])
    timexes = datasets.load_dataset(release, "timexes", split="train")
    quotes = datasets.load_dataset(release, "quotes", split="train")
    names = quotes.features["quote_type"].names
    assert [regions[(row["doc_id"], row["id"])]["normalized"] for row in timexes] == [
        [{"db_name": "TIMEX3", "db_id": row["value"]}] + ([{"db_name": "TIMEX3_mod", "db_id": row["mod"]}]
                                                           if row["mod"] else []) for row in timexes]
    assert [regions[(row["doc_id"], row["id"])]["normalized"] for row in quotes] == [
        [{"db_name": "quote_type", "db_id": names[row["quote_type"]]}] for row in quotes]
    assert sum(len(n["normalized"]) == 2 for n in regions.values() if n["type"] in ("DATE", "DURATION", "TIME", "SET")) == 14


def test_the_page_a_command_row_links_names_every_option_of_the_command():
    """The README's table of commands sends a reader to a page of docs/ for a command; that page
    names each option of the command (by any of its names: ``-o`` or ``--output``). docs/
    preannotation.md, linked for add "with --root DIR where no corpus is, start one", never said
    what add --root does, docs/normalization.md never named normalize's --out and --doc, and
    docs/release.md never named release --version. ``--root`` only names the corpus (README,
    "Commands"), but for add, where it starts one."""
    import click

    from corpus_tools.cli import cli

    context = click.Context(cli)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("| command | what it does |", 1)[1].split("\n\n", 1)[0]
    unnamed, linked = [], []
    for words, page in re.findall(r"^\| `corpus-tools ((?:[a-z][a-z-]* ?)+).*?\]\((docs/[a-z-]+\.md)\)", table, re.M):
        command, path = cli, []
        for word in words.split():
            if not isinstance(command, click.Group):
                break
            command = command.get_command(context, word)
            path.append(word)
        name = " ".join(path)
        linked.append(name)
        text = (REPO / page).read_text(encoding="utf-8")
        for parameter in command.params:
            names = [option for option in parameter.opts if option != "--help"]
            if not isinstance(parameter, click.Option) or not names or (names == ["--root"] and name != "add"):
                continue
            if not any(re.search(re.escape(option) + r"(?![\w-])", text) for option in names + parameter.secondary_opts):
                unnamed.append(f"{page}: corpus-tools {name} {names[0]}")
    assert {"add", "normalize", "release", "verify", "labelstudio tasks"} <= set(linked) and unnamed == []


def test_the_readme_names_every_directory_the_package_makes_in_build():
    """README's Layout row for build/ lists what it holds; it left out build/normalized/, where
    `corpus-tools normalize` writes by default, and named Label Studio's pulls without their
    directory. Every ``layout.build / "<name>"`` of the package is named there as build/<name>/."""
    made = set()
    for path in (REPO / "corpus_tools").rglob("*.py"):
        made |= set(re.findall(r'layout\.build / "([a-z]+)"', path.read_text(encoding="utf-8")))
    row = next(line for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines()
               if line.startswith("| `build/` |"))
    assert made >= {"cache", "units", "normalized", "site", "labelstudio"}
    assert sorted(name for name in made if f"`build/{name}/" not in row) == []
