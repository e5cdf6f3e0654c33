"""Fixtures shared by the whole suite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from corpus_tools.layout import Layout

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Layout:
    """A private copy of the repository's raw/ (and annotations/, if any) to break at will."""
    for name in ("raw", "annotations"):
        if (REPO / name).exists():
            shutil.copytree(REPO / name, tmp_path / name)
    return Layout.at(tmp_path)
