"""One fingerprint names every derived file: of its inputs and of the code that made it.

A cache entry or a derived table in build/ is a function of its inputs (bytes, digests,
options) and of the code that computed them. ``code_fingerprint`` covers all of that code at
once: every file of the corpus_tools package (source and package data), the Python version
(Unicode tables, codecs) and the installed version of every library the package's metadata
declares it needs (pyproject.toml's dependencies). There is no list of "modules that matter" to
keep up to date: changing any file of the package, or upgrading any of its libraries, gives
every derived file a new name, so stale output is never served (it is only recomputed).
``fingerprint`` combines that with a derived file's own inputs.

``import_digest`` is the narrower digest of the modules a given module runs when it is imported
(its static import closure), for a version that changes with the code that made something and
with nothing else (the pre-annotation rules' ``model_version``).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import re
import sys
from importlib import metadata
from pathlib import Path
from typing import Iterable

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
    # the parts inside root only: a checkout under a directory of that name hashed no file
    return _files_digest(root, (path for path in root.rglob("*") if path.is_file()
                                and "__pycache__" not in path.relative_to(root).parts
                                and path.suffix not in (".pyc", ".pyo")))


def import_digest(module: str, package: Path = PACKAGE) -> str:
    """The digest of the source files of ``import_closure(module, package)``: their paths relative
    to the package and their bytes, as ``tree_digest`` hashes a tree. Where the checkout lives,
    and what this process imported before, change nothing."""
    return _files_digest(package, (_source(package, name) for name in import_closure(module, package)))


def import_closure(module: str, package: Path = PACKAGE) -> tuple[str, ...]:
    """The modules of ``package`` (its directory) that importing ``module`` (a dotted name in it)
    runs, sorted: ``module``, every module of the package its import statements name, theirs in
    turn, and each one's enclosing packages (Python runs a package's ``__init__`` before any module
    in it). Read from the source files with ``ast``, never from ``sys.modules``, so neither import
    order nor what ran before changes the answer. An import in a function's body runs when the
    function is called, not on import, and one under ``if TYPE_CHECKING:`` never runs: neither is
    followed (a module's own lazy imports, of what it needs only for some calls, are not its
    import closure's)."""
    if _source(package, module) is None:
        raise ValueError(f"{module} is no module of the package at {package}")
    found: set[str] = set()
    waiting = [module]
    while waiting:
        name = waiting.pop()
        if name in found:
            continue
        found.add(name)
        parts = name.split(".")
        waiting += (".".join(parts[:end]) for end in range(1, len(parts)))
        waiting += (imported for imported in _imported(package, name) if _source(package, imported) is not None)
    return tuple(sorted(found))


def _imported(package: Path, module: str) -> set[str]:
    """The dotted names in those of ``module``'s import statements that run when it is imported:
    each imported module, and for ``from X import y`` both X and X.y (y may be a submodule; a name
    that is no module of the package, an attribute or another distribution's, the caller drops)."""
    path = _source(package, module)
    here = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    names: set[str] = set()

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
                visit(node.orelse)
                continue
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = ".".join([*here[:len(here) - node.level + 1], *([node.module] if node.module else [])]) \
                    if node.level else node.module
                names.add(base)
                names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                inner = getattr(node, field, None)
                if isinstance(inner, list):
                    visit(inner)

    visit(ast.parse(path.read_bytes(), filename=str(path)).body)
    return names


def _source(package: Path, module: str) -> Path | None:
    """The source file of the dotted ``module`` when it is a module of ``package``, else None."""
    parts = module.split(".")
    if parts[0] != package.name or not all(part.isidentifier() for part in parts):
        return None
    place = package.joinpath(*parts[1:])
    if (place / "__init__.py").is_file():
        return place / "__init__.py"
    return place.with_suffix(".py") if len(parts) > 1 and place.with_suffix(".py").is_file() else None


def _files_digest(root: Path, paths: Iterable[Path]) -> str:
    """The digest of ``paths`` (files under ``root``), in sorted order: each path relative to root
    and each file's bytes, both length-prefixed."""
    digest = hashlib.sha256()
    for path in sorted(paths):
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
