"""One fingerprint names every derived file: of its inputs and of the code that made it.

A cache entry or a derived table in build/ is a function of its inputs (bytes, digests,
options) and of the code that computed them. ``code_fingerprint`` covers all of that code at
once: every file of the corpus_tools package (source and package data), the Python version
(Unicode tables, codecs) and the versions of the libraries whose behaviour shapes what is
written. There is no list of "modules that matter" to keep up to date: changing any file of the
package gives every derived file a new name, so stale output is never served (it is only
recomputed). ``fingerprint`` combines that with a derived file's own inputs.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from importlib import metadata
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
# Libraries whose output is written into derived files (parquet bytes, parsed values).
LIBRARIES = ("pyarrow", "msgspec", "jiter")


@functools.cache
def code_fingerprint() -> str:
    digest = hashlib.sha256(f"python {sys.version}\n".encode())
    for name in LIBRARIES:
        digest.update(f"{name} {_version(name)}\n".encode())
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            relative = path.relative_to(PACKAGE).as_posix().encode()
            digest.update(len(relative).to_bytes(4, "big") + relative)
            data = path.read_bytes()
            digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


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
