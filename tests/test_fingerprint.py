"""One fingerprint names every derived file: a changed rule is never served from a cache.

The package is copied twice into temporary directories, one copy with a normalization rule
changed (Reuters is no longer a photo credit, so seed 000's caption line stays). Both copies run
against the same corpus and the same build/ directory, one after the other, as two versions of
the code would on one checkout: the second must see its own normalization and its own units
tables, never the first one's cached output.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

SCRIPT = """
import json, sys
from corpus_tools.layout import Layout
from corpus_tools.documents.index import DocumentIndex
from corpus_tools.annotations.registry import load_registry
from corpus_tools.fingerprint import code_fingerprint
from corpus_tools.ingest import stored_exports, units_for
layout = Layout.at(sys.argv[1])
cached, fresh = DocumentIndex(layout), DocumentIndex(layout, normalized_cache=False)
units = units_for(layout, stored_exports(layout)[0], cached, load_registry(layout))
print(json.dumps({"code": code_fingerprint(), "cached": cached["000_cbeedfbee8440207"].text,
                  "fresh": fresh["000_cbeedfbee8440207"].text, "units": "/".join(units.directory.parts[-2:])}))
"""


def _package(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(REPO / "corpus_tools", root / "corpus_tools", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _run(package: Path, corpus: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(corpus)], capture_output=True, text=True, cwd=package,
                          env={"PYTHONPATH": str(package), "PATH": "/usr/bin:/bin"}, check=True)
    return json.loads(done.stdout)


def test_a_changed_normalization_rule_is_not_served_from_the_cache(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO / "raw", corpus / "raw")
    shutil.copytree(REPO / "annotations", corpus / "annotations")
    before = _package(tmp_path, "before")
    after = _package(tmp_path, "after")
    rules = after / "corpus_tools" / "documents" / "boilerplate.py"
    text = rules.read_text()
    assert '"LightRocket", "Sipa USA", "Sipa", "UPI"' in text and '"Reuters", ' in text
    rules.write_text(text.replace('"Reuters", ', "", 1))  # Reuters no longer a photo credit

    first = _run(before, corpus)
    second = _run(after, corpus)  # same corpus, same build/: the first run's cache is there
    assert first["code"] != second["code"]
    assert first["cached"] == first["fresh"] and "Bashar Al-AssadReuters" not in first["fresh"]
    assert second["fresh"].startswith("Bashar Al-Assad\n\nBashar Al-AssadReuters\n\n")  # the rule changed the text
    assert second["cached"] == second["fresh"]  # and the cache served the new code's text, not the old
    assert first["units"] != second["units"]  # the units tables too are the new code's
    # the old ones marked stale, removed by a later publication an hour on (a command that began
    # before the change may still be reading them)
    tables = corpus / "build" / "units"
    assert sorted(p.relative_to(tables).as_posix() for p in tables.glob("*/*")) == sorted([first["units"],
                                                                                           second["units"]])
    assert (corpus / "build" / "units" / first["units"] / ".stale-since").is_file()


def test_upgrading_any_declared_library_changes_the_code_fingerprint(monkeypatch):
    """The libraries covered come from the package's metadata, not from a list kept by hand:
    numpy (which cuts the export into tasks) is covered because pyproject.toml declares it."""
    from importlib import metadata

    from corpus_tools import fingerprint as module

    assert {"numpy", "pyarrow", "msgspec", "jiter", "orjson"} <= set(module.libraries())
    assert not {"pytest", "spacy", "duckdb"} & set(module.libraries())  # extras write nothing to build/
    before = module.code_fingerprint.__wrapped__()
    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "0.0.1" if name == "numpy" else real(name))
    assert module.code_fingerprint.__wrapped__() != before


def test_the_code_fingerprint_covers_a_package_under_a_directory_named_pycache(tmp_path):
    """Whole path parts were looked at: a package whose checkout lay under a directory named
    __pycache__ hashed none of its files, so a changed rule gave the same fingerprint."""
    package = tmp_path / "__pycache__" / "checkout" / "corpus_tools"
    shutil.copytree(REPO / "corpus_tools", package, ignore=shutil.ignore_patterns("__pycache__"))

    def code_fingerprint() -> str:
        return subprocess.run([sys.executable, "-c", "from corpus_tools.fingerprint import code_fingerprint; "
                               "print(code_fingerprint())"], cwd=package.parent, check=True,
                              capture_output=True, text=True).stdout.strip()

    before = code_fingerprint()
    rule = package / "documents" / "normalize.py"
    rule.write_text(rule.read_text(encoding="utf-8") + "\n# a changed rule\n", encoding="utf-8")
    assert code_fingerprint() != before


def test_the_import_closure_is_what_importing_a_module_runs(tmp_path):
    """Read from the source: every import form that runs on import, with the packages above each
    module, and not an import inside a function (it runs when called) or under TYPE_CHECKING."""
    from corpus_tools.fingerprint import import_closure, import_digest

    files = {
        "__init__.py": "from pkg import version\n",
        "version.py": "",
        "rules/__init__.py": "",
        "rules/main.py": ("from __future__ import annotations\n"
                          "from typing import TYPE_CHECKING\n"
                          "import pkg.words as words\n"
                          "from pkg.dates import MONTHS\n"
                          "from . import near\n"
                          "from ..shared import tools\n"
                          "try:\n    from pkg import fast\nexcept ImportError:\n    fast = None\n"
                          "if TYPE_CHECKING:\n    from pkg import typed\nelse:\n    from pkg import untyped\n"
                          "class Rules:\n    from pkg import classy\n"
                          "    def load(self):\n        from pkg import loading\n"
                          "def report():\n    import pkg.reporting\n"),
        "rules/near.py": "", "rules/evaluate.py": "from pkg.rules import main\n",
        "words.py": "import json\n", "dates.py": "from pkg.calendar import DAYS\nMONTHS = {}\n",
        "calendar.py": "DAYS = 7\n",
        "shared/__init__.py": "", "shared/tools.py": "", "fast.py": "", "typed.py": "", "untyped.py": "",
        "classy.py": "", "loading.py": "", "reporting.py": "",
    }
    for where in ("a", "b/deeper"):
        for name, text in files.items():
            (tmp_path / where / "pkg" / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / where / "pkg" / name).write_text(text)
    package = tmp_path / "a" / "pkg"
    assert import_closure("pkg.rules.main", package) == (
        "pkg", "pkg.calendar", "pkg.classy", "pkg.dates", "pkg.fast", "pkg.rules", "pkg.rules.main",
        "pkg.rules.near", "pkg.shared", "pkg.shared.tools", "pkg.untyped", "pkg.version", "pkg.words")
    digest = import_digest("pkg.rules.main", package)
    assert import_digest("pkg.rules.main", tmp_path / "b" / "deeper" / "pkg") == digest  # wherever it lives
    for outside in ("rules/evaluate.py", "loading.py", "reporting.py", "typed.py"):
        (package / outside).write_text("CHANGED = True\n")
        assert import_digest("pkg.rules.main", package) == digest, outside
    (package / "calendar.py").write_text("DAYS = 8\n")  # two imports away
    assert import_digest("pkg.rules.main", package) != digest
    with pytest.raises(ValueError, match="pkg.rules.absent is no module of the package at"):
        import_closure("pkg.rules.absent", package)
