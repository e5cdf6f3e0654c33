"""Fixtures shared by the whole suite."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from corpus_tools.layout import Layout

REPO = Path(__file__).resolve().parent.parent


def plant_staging(parent: Path, prefix: str) -> tuple[Path, Path]:
    """Two half-written staging directories ``<prefix><pid>-...``: a killed run's (its pid names
    no process) and a running one's (this process): the next run must remove the first only."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # reaped: its pid names no process
    killed, running = parent / f"{prefix}{gone.pid}-abc123.tmp", parent / f"{prefix}{os.getpid()}-def456.tmp"
    for leftover in (killed, running):
        (leftover / "data").mkdir(parents=True)
        (leftover / "data" / "half").write_text("half\n")
    return killed, running


def tree(root: Path) -> dict[str, bytes | str | None]:
    """Every path under ``root``: a file by its bytes, a symbolic link by where it leads, a
    directory as None (an empty one made and left behind is written too), build/ aside (scratch,
    where the corpus lock and the caches are): what a refusal must leave as it was."""
    found: dict[str, bytes | str | None] = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if name.split(os.sep)[0] == "build":
            continue
        if path.is_symlink():
            found[name] = os.readlink(path)
        elif path.is_file():
            found[name] = path.read_bytes()
        else:
            found[name] = None
    return found


# The five real seed articles (../shared/seeds): the documents of annotation round 1
# (annotations/worksheets/round-1) and of the gold export 000001. Tests about these articles
# specifically (golden texts, round 1's worksheets, scores against their gold) name them here;
# tests about the live corpus use COMMITTED_DOC_IDS, which grows with `corpus-tools add`.
SEED_DOC_IDS = ("000_cbeedfbee8440207", "001_d79359122f2d4c78", "002_9bc3c6dfe5868321",
                "003_840a8be26e4ddaa5", "004_3e4c866fc9bc1c15")
# The committed corpus's doc_ids in manifest order, read as plain JSON lines (not through the
# code under test).
COMMITTED_DOC_IDS = tuple(json.loads(line)["doc_id"]
                          for line in (REPO / "raw" / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
                          if line.strip())


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Layout:
    """A private copy of the repository's raw/ (and annotations/, if any) to break at will."""
    for name in ("raw", "annotations"):
        if (REPO / name).exists():
            shutil.copytree(REPO / name, tmp_path / name)
    return Layout.at(tmp_path)


@pytest.fixture
def linked_checkout(tmp_path_factory) -> Layout:
    """A corpus whose raw/, annotations/ and dist/ are links to the repository's: commands read the
    checkout's files and write their scratch (build/: view's page cache) into the test's own root,
    so no test serves another a page it rendered. Outside tmp_path, which tests list."""
    root = tmp_path_factory.mktemp("checkout")
    for name in ("raw", "annotations", "dist"):
        (root / name).symlink_to(REPO / name)
    return Layout.at(root)


@pytest.fixture
def another_command_holds_the_lock() -> Iterator[Callable[[Layout], None]]:
    """Hold ``layout``'s corpus lock (build/corpus.lock, flock) through another open file, as
    another process would, saying "ingest, pid 1, since then"; released at the test's end."""
    import fcntl

    opened: list[int] = []

    def hold(layout: Layout) -> None:
        path = layout.build / "corpus.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("ingest, pid 1, since then\n")
        opened.append(os.open(path, os.O_RDWR))
        fcntl.flock(opened[-1], fcntl.LOCK_EX | fcntl.LOCK_NB)

    yield hold
    for fd in opened:
        os.close(fd)


@dataclass
class LabelStudioServer:
    """The session's real Label Studio server: its URL, admin key, an SDK client as the admin,
    and ``as_user(email)`` for a client acting as another (created on first use) user."""

    url: str
    api_key: str
    client: Any
    data_dir: Path
    start_seconds: float

    def as_user(self, email: str):
        from label_studio_sdk import LabelStudio

        from corpus_tools.labelstudio.server import ensure_user

        user = ensure_user(self.data_dir, email)
        return user, LabelStudio(base_url=self.url, api_key=user.api_key)

    def __repr__(self) -> str:  # keeps the key out of pytest's output
        return f"LabelStudioServer(url={self.url!r})"


@pytest.fixture(scope="session")
def labelstudio(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[LabelStudioServer]:
    """One fresh server for the whole session (first start costs ~30-60 s), in a temporary data
    dir, stopped (its whole process group) when the session ends. Installs the server's venv
    first if `make labelstudio-env` has not."""
    from label_studio_sdk import LabelStudio

    from corpus_tools.labelstudio import server

    reporter = pytestconfig.pluginmanager.getplugin("terminalreporter")
    began = time.monotonic()
    server.install()
    installed = time.monotonic()
    running = server.start(tmp_path_factory.mktemp("labelstudio-data"))
    started = time.monotonic()
    if reporter is not None:
        reporter.write_line(f"labelstudio fixture: install check {installed - began:.1f} s, "
                            f"server start {started - installed:.1f} s at {running.connection.url}")
    connection = running.connection
    try:
        yield LabelStudioServer(connection.url, connection.api_key,
                                LabelStudio(base_url=connection.url, api_key=connection.api_key),
                                Path(connection.data_dir), started - installed)
    finally:
        server.stop_running(running)
    assert server.status(Path(connection.data_dir)) is None  # stopped: process group gone
    assert not Path(f"/proc/{connection.pid}").exists()


# Debian's Chromium (package chromium; `make browser`, which `make test` runs, installs it as root).
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying hosts this machine cannot reach.
# Playwright adds --headless and a fresh --user-data-dir of its own (a new temporary profile).
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Headless Chromium from the system's packages, driven by Playwright's Python API (never a
    browser Playwright downloads). Skips, saying why, where the browser cannot be had; fails
    instead under CI (CI=true), where `make test` must have installed it."""
    missing = None
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} is missing: run `make browser` as root (apt-get install chromium)"
    else:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            missing = "the playwright package is missing: run `make setup` (it is in the dev extras)"
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run in CI: {missing}")
        pytest.skip(f"browser tests skipped: {missing}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def labelstudio_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabelStudioServer]:
    """A second real server for the session, keeping its data in a real PostgreSQL server that
    this fixture starts on loopback (tests/postgres.py: the system's binaries; `make test`
    installs Debian's postgresql package when run as root), started with
    ``--database postgresql://...`` as a team would."""
    from label_studio_sdk import LabelStudio

    import postgres
    from corpus_tools.labelstudio import server

    if postgres.binaries() is None:
        pytest.skip("no PostgreSQL server binaries (make test installs Debian's postgresql package as root)")
    database = postgres.start()
    try:
        server.install()
        began = time.monotonic()
        running = server.start(tmp_path_factory.mktemp("labelstudio-pg-data"), database=database.url)
        connection = running.connection
        try:
            instance = LabelStudioServer(connection.url, connection.api_key,
                                         LabelStudio(base_url=connection.url, api_key=connection.api_key),
                                         Path(connection.data_dir), time.monotonic() - began)
            instance.postgres = database
            yield instance
        finally:
            server.stop_running(running)
    finally:
        database.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_labelstudio(request: pytest.FixtureRequest) -> LabelStudioServer:
    """The session's server with SQLite, then the one with PostgreSQL: tests that take it run on both."""
    return request.getfixturevalue("labelstudio" if request.param == "sqlite" else "labelstudio_postgres")
