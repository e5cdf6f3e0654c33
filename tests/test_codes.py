"""The problem-code catalogue (corpus_tools.codes): complete, documented, and the only source of severities."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from corpus_tools.codes import CATALOGUE
from corpus_tools.errors import CorpusError, Problem
from corpus_tools.schema import FLAT_LAYERS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "validation.md"
CODE_LIKE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")


def _documented_rows() -> dict[str, str]:
    """code -> its table row in docs/validation.md."""
    return {match[1]: match[0] for match in re.finditer(r"^\| `([a-z0-9-]+)` \|.*$", DOCS.read_text(), flags=re.M)}


def test_every_code_is_documented_and_every_documented_code_exists():
    rows = _documented_rows()
    assert set(rows) == set(CATALOGUE)
    for name, code in CATALOGUE.items():
        if code.stage != "export":  # that table has no severity column: every such code is an error
            assert f"| {code.severity} |" in rows[name], name


def _package_trees():
    for path in sorted((ROOT / "corpus_tools").rglob("*.py")):
        if path.name != "codes.py":
            yield path, ast.parse(path.read_text())


# What a problem is made with: the records themselves, and ingest's report methods
# (task_problem, annotation_problem, region_problem), which take the code among other arguments.
def _makes_problems(call: ast.Call) -> bool:
    name = getattr(call.func, "id", getattr(call.func, "attr", ""))
    return name in ("CorpusError", "Problem") or name.endswith("_problem")


def test_every_literal_code_in_the_package_is_in_the_catalogue():
    raised = set()
    for _, tree in _package_trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _makes_problems(node):
                raised.update(arg.value for arg in node.args
                              if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and CODE_LIKE.match(arg.value))
    assert raised and raised <= set(CATALOGUE), sorted(raised - set(CATALOGUE))
    assert {"region-id-duplicate", "doc-unknown", "span-text-mismatch"} <= raised  # the report methods are seen


def test_every_catalogued_code_is_used_by_the_package():
    """A code nothing can raise is a promise the documentation cannot keep."""
    literals = {node.value for _, tree in _package_trees() for node in ast.walk(tree)
                if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert sorted(set(CATALOGUE) - literals) == []


def test_unknown_codes_are_refused_and_severity_comes_from_the_catalogue():
    with pytest.raises(ValueError, match="not in corpus_tools.codes.CATALOGUE"):
        CorpusError("no-such-code", "x")
    with pytest.raises(ValueError, match="not in corpus_tools.codes.CATALOGUE"):
        Problem("unknown-registry-id", "a retired synonym of entity-id-unknown")
    assert Problem("entity-type-mismatch", "x").severity == "warning"
    assert Problem("annotation-cancelled", "x").severity == "info"
    assert all(CODE_LIKE.match(name) for name in CATALOGUE)


def test_the_fields_that_make_an_annotation_or_a_result_malformed_are_documented():
    """annotation-malformed is also a was_cancelled that is no boolean, a timestamp without its
    zone, a lead_time that is no number...; result-malformed a score that is no number: the rows
    said only "not an object with an id" and "lacks its region id or its value object"."""
    from corpus_tools.ingest import shapes

    rows = _documented_rows()
    typed = set(shapes.AnnotationHead.__struct_fields__) - {"parent_prediction"}  # any value: never refused
    assert [name for name in sorted(typed) if f"`{name}`" not in rows["annotation-malformed"]
            and name != "id"] == []
    assert "`score`" in rows["result-malformed"] and "score" in shapes.LabelsResult.__struct_fields__


def test_docs_release_names_every_refusal_of_the_release_s_own_checks():
    """docs/release.md's Validation section lists what the release refuses; the check of one text
    under two doc_ids (raw-duplicate) was added to the build and not to it, as duplicate registry
    ids, a doc_id mismatch and a bad annotation stream had never been named by their codes."""
    made = set()
    package = ROOT / "corpus_tools"
    # the release's own modules, and the rule of one text under two doc_ids it shares with add
    same_text = next(node for node in ast.parse((package / "records.py").read_text()).body
                     if isinstance(node, ast.FunctionDef) and node.name == "same_text")
    for tree in (*(ast.parse((package / "release" / name).read_text()) for name in ("checks.py", "build.py")),
                 same_text):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Problem" and node.args \
                    and isinstance(node.args[0], ast.Constant):
                made.add(node.args[0].value)
    # and the rules it shares with ingest, which give their codes as data
    value_problem = next(node for node in ast.parse((package / "timex.py").read_text()).body
                         if isinstance(node, ast.FunctionDef) and node.name == "value_problem")
    made |= {node.elts[0].value for node in ast.walk(value_problem)
             if isinstance(node, ast.Tuple) and isinstance(node.elts[0], ast.Constant)}
    made |= set(FLAT_LAYERS.values())
    section = (ROOT / "docs" / "release.md").read_text().split("## Validation\n", 1)[1].split("\n## ", 1)[0]
    assert "raw-duplicate" in made and {"timex-value-missing", "timex-overlap"} <= made and len(made) >= 15
    assert sorted(code for code in made if f"`{code}`" not in section) == []


def test_docs_release_names_every_code_the_loaders_raise():
    """docs/release.md's list of what ``load``/``load_pandas`` raise left out ``release-path-glob``,
    ``release-path-chain`` (34c1cbd) and ``empty-split``: every catalogued code the loaders' module
    names is in that paragraph."""
    source = (ROOT / "corpus_tools" / "release" / "loaders.py").read_text()
    named = {node.value for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in CATALOGUE}
    paragraph = (ROOT / "docs" / "release.md").read_text().split("`load`/`load_pandas` raise `CorpusError`:", 1)[1]
    paragraph = paragraph.split("\n\n", 1)[0]
    assert {"release-path-glob", "release-path-chain", "empty-split", "unknown-split"} <= named
    assert sorted(code for code in named if f"`{code}`" not in paragraph) == []
