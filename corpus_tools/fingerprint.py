"""One fingerprint names every derived file: of its inputs and of the code that made it.

A cache entry or a derived table in build/ is a function of its inputs (bytes, digests,
options) and of the code that computed them. ``code_fingerprint`` covers all of that code at
once: every file of the corpus_tools package (source and package data), the Python version
(Unicode tables, codecs) and the installed version of every library the package's metadata
declares it needs (pyproject.toml's dependencies). There is no list of "modules that matter" to
keep up to date: changing any file of the package, or upgrading any of its libraries, gives
every derived file a new name, so stale output is never served (it is only recomputed).
``fingerprint`` combines that with a derived file's own inputs.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
from importlib import metadata
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
DISTRIBUTION = "corpus-tools"


@functools.cache
def code_fingerprint() -> str:
    digest = hashlib.sha256(f"python {sys.version}\n".encode())
    for name in libraries():
        digest.update(f"{name} {_version(name)}\n".encode())
    digest.update(tree_digest(PACKAGE).encode())
    return digest.hexdigest()


def tree_digest(root: Path) -> str:
    """The digest of every file under ``root`` (source and data; no compiled bytecode): their
    paths relative to it and their bytes."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        # the parts inside root only: a checkout under a directory of that name hashed no file
        if path.is_file() and "__pycache__" not in path.relative_to(root).parts \
                and path.suffix not in (".pyc", ".pyo"):
            relative = path.relative_to(root).as_posix().encode()
            digest.update(len(relative).to_bytes(4, "big") + relative)
            data = path.read_bytes()
            digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def libraries() -> tuple[str, ...]:
    """The distributions the package declares it needs, from its own metadata (extras aside:
    they serve commands that write nothing to build/)."""
    try:
        declared = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return ()
    return tuple(sorted({re.match(r"[A-Za-z0-9._-]+", requirement)[0].lower() for requirement in declared
                         if "extra ==" not in requirement}))


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def fingerprint(*inputs: str | bytes) -> str:
    """The name of a derived file: the code's fingerprint and each input, unambiguously joined."""
    digest = hashlib.sha256(code_fingerprint().encode())
    for part in inputs:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()[:32]
