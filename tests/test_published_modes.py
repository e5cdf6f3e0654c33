"""What is published (a release, an export, a site) is readable by all whatever the builder's umask:
directories 0755, files 0644, as the staged files of ingest and every atomic write are."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from corpus_tools.release import build_release
from corpus_tools.release.export import export_release
from corpus_tools.view.site import build_site
from release_factories import seed_inputs


@pytest.fixture
def private_umask():
    previous = os.umask(0o077)
    yield
    os.umask(previous)


def modes(tree: Path) -> set[tuple[str, str]]:
    return {("dir" if path.is_dir() else "file", stat.filemode(path.stat().st_mode))
            for path in (tree, *tree.rglob("*"))}


def test_a_release_an_export_and_a_site_built_under_umask_077_are_readable_by_all(tmp_path, private_umask):
    documents, annotations, registry = seed_inputs()
    release = build_release(documents, annotations, registry, tmp_path / "dist", "1.0.0").path
    exported = export_release(release, "brat", tmp_path / "brat").path
    site = build_site(release, tmp_path / "site").path
    for tree in (release, exported, site):
        assert modes(tree) == {("dir", "drwxr-xr-x"), ("file", "-rw-r--r--")}, tree
