"""The package's modules import each other without a circle: imports inside functions count too,
since a lazy import that closes a circle hides it without removing it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "corpus_tools"


def _graph() -> dict[str, set[str]]:
    def name(path: Path) -> str:
        return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")

    modules = {name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {}
    for module, path in modules.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("corpus_tools"):
                submodules = {f"{node.module}.{alias.name}" for alias in node.names} & modules.keys()
                imported |= submodules or {node.module}
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names if alias.name.startswith("corpus_tools")}
        graph[module] = imported & modules.keys()
    return graph


def test_no_module_imports_itself_through_others():
    graph, state, path, circles = _graph(), {}, [], []

    def visit(module: str) -> None:
        state[module] = "open"
        path.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                circles.append(path[path.index(imported):] + [imported])
            elif imported not in state:
                visit(imported)
        path.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert len(graph) > 80 and circles == []


def test_every_name_a_package_loads_on_first_use_is_seen_by_type_checkers():
    """A package that loads its names on first use (a module ``__getattr__``) imports them for type
    checkers too: py.typed is shipped, and a user's mypy took ``corpus_tools.ingest.validate_export``
    (the README's example) and ``corpus_tools.load`` as Any."""
    lazy = {}
    for path in PACKAGE.rglob("__init__.py"):
        tree = ast.parse(path.read_text())
        if not any(isinstance(node, ast.FunctionDef) and node.name == "__getattr__" for node in tree.body):
            continue
        exported = next(set(ast.literal_eval(node.value)) for node in tree.body if isinstance(node, ast.Assign)
                        and any(getattr(target, "id", None) == "__all__" for target in node.targets))
        typed = {alias.asname or alias.name for node in tree.body if isinstance(node, ast.If)
                 and ast.unparse(node.test) == "TYPE_CHECKING" for inner in node.body
                 if isinstance(inner, ast.ImportFrom) for alias in inner.names}
        lazy[path.parent.name] = exported - {"__version__"} - typed
    assert lazy == {"corpus_tools": set(), "ingest": set()}
