"""The oldest datasets the package claims (pyproject: ``datasets>=3.0``), in its own virtual
environment, for tests/test_compat.py, which loads releases with it in a subprocess.

The environment holds datasets 3.0.0 with the libraries of its day (tests/compat/datasets-floor.lock,
made by ``make lock`` with ``uv pip compile --exclude-newer``), nothing of corpus_tools: it is a
consumer's machine. It is cached like Label Studio's, outside the checkout
(``$CORPUS_TOOLS_CACHE``, default ``~/.cache/corpus-tools``), under a name that carries the lock
file's hash, so a changed lock builds a new one. Built in a temporary directory and renamed into
place when complete, under a file lock. ``make compat-env`` (run by ``make test``) installs it;
the test installs it too when it is missing.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

LOCK_FILE = Path(__file__).resolve().parent / "compat" / "datasets-floor.lock"
STAMP = ".corpus-tools-installed"


def cache_root() -> Path:
    configured = os.environ.get("CORPUS_TOOLS_CACHE")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "corpus-tools"


def env_path() -> Path:
    digest = hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()[:12]
    return cache_root() / f"datasets-floor-{digest}"


def python(env: Path) -> Path:
    return env / "bin" / "python"


def install() -> Path:
    """The environment, built once per lock file; its path."""
    target = env_path()
    if (target / STAMP).exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / STAMP).exists():
            return target
        building = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            base = getattr(sys, "_base_executable", None) or sys.executable
            for command in ([base, "-m", "venv", str(building)],
                            [str(python(building)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                             "--no-deps", "-r", str(LOCK_FILE)]):
                done = subprocess.run(command, capture_output=True, text=True)
                if done.returncode != 0:
                    raise RuntimeError(f"{' '.join(command[:5])} ... failed:\n{done.stderr[-2000:]}")
            # a venv's scripts name its path; the test runs only its python, by the final path
            (building / STAMP).write_text(LOCK_FILE.read_text())
            if target.exists():
                shutil.rmtree(target)
            os.rename(building, target)
        finally:
            shutil.rmtree(building, ignore_errors=True)
    return target


if __name__ == "__main__":
    print(f"datasets floor environment: {install()}")
