"""The package keeps its shape: the import graph is the data flow (no circles, counting every
import anywhere in a module) and no function grows past a page (80 lines, docstring included).
"""

from __future__ import annotations

import ast
from pathlib import Path

import netplan

PACKAGE = Path(netplan.__file__).parent
ROOT = PACKAGE.parent
#: the longest a function or method may be, counted from its ``def`` line to its last line
MAX_FUNCTION_LINES = 80


def _module_name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(package: Path) -> dict[str, Path]:
    """Every module of ``package`` (packages by their ``__init__``), by dotted name."""
    return {_module_name(path, package): path for path in sorted(package.rglob("*.py"))}


def _imported(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The dotted names an import statement of ``module`` names: ``import a.b`` names
    ``a.b``; ``from a import b`` names ``a.b`` (kept when ``b`` is a module) and ``a``."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        here = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        here = here[: len(here) - (node.level - 1)]
        base = ".".join(here + ([base] if base else []))
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def import_graph(package: Path) -> dict[str, set[str]]:
    """For each module of ``package``, the package modules it imports anywhere (at the top,
    inside functions, under ``TYPE_CHECKING``). ``from a import b`` counts as importing
    module ``a.b`` when there is one, else module ``a``."""
    modules = _modules(package)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            names = _imported(name, path, node)
            if isinstance(node, ast.ImportFrom):
                submodules = [n for n in names[:-1] if n in modules]
                names = submodules if len(submodules) == len(names) - 1 else submodules + names[-1:]
            graph[name] |= {n for n in names if n in modules and n != name}
    return graph


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle (``a -> b -> ... -> a``) per group of modules that import each other,
    found with Tarjan's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_circle_through(graph, set(group)) for group in sorted(groups)]


def _circle_through(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest circle from the group's first module back to it, inside the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node] & group):
                if nxt == start:
                    return paths[node] + [start]
                if nxt not in paths:
                    paths[nxt] = paths[node] + [nxt]
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"no circle through {sorted(group)}")  # a group always has one


def long_functions(package: Path, limit: int) -> list[str]:
    """``path:line name (N lines)`` for every function or method in ``package`` longer than
    ``limit`` lines (``def`` line to last line, decorators not counted, docstring counted)."""
    found = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node, qualname in _functions(tree):
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > limit:
                where = path.relative_to(package.parent).as_posix()
                found.append(f"{where}:{node.lineno} {qualname} ({lines} lines)")
    return found


def _functions(tree: ast.Module) -> list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]]:
    """Every function and method in ``tree``, nested ones included, with its qualified
    name (``Class.method``, ``outer.inner``)."""
    found: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]] = []
    scope: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            scope.append(node.name)
            if not isinstance(node, ast.ClassDef):
                found.append((node, ".".join(scope)))
            for child in ast.iter_child_nodes(node):
                visit(child)
            scope.pop()
        else:
            for child in ast.iter_child_nodes(node):
                visit(child)

    visit(tree)
    return found


def test_no_import_circle_among_netplan_modules() -> None:
    circles = import_circles(import_graph(PACKAGE))
    assert not circles, "import circles:\n" + "\n".join(" -> ".join(c) for c in circles)


def test_no_function_is_longer_than_a_page() -> None:
    found = long_functions(PACKAGE, MAX_FUNCTION_LINES)
    assert not found, f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(found)


def test_the_checks_see_a_circle_and_a_long_function(tmp_path: Path) -> None:
    """Both checks catch what they are for, including imports inside functions and under
    ``TYPE_CHECKING``, relative imports and methods."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.sub import b\n")
    (package / "sub" / "b.py").write_text("def f():\n    from .c import x\n    return x\n")
    (package / "sub" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..a import y\nx = 1\n"
    )
    body = "\n".join(f"        v{i} = {i}" for i in range(MAX_FUNCTION_LINES - 1))
    (package / "d.py").write_text(
        f"class K:\n    def long(self):\n{body}\n\ndef short():\n    pass\n"
    )
    graph = import_graph(package)
    assert graph["pkg.a"] == {"pkg.sub.b"}
    assert import_circles(graph) == [["pkg.a", "pkg.sub.b", "pkg.sub.c", "pkg.a"]]
    assert long_functions(package, MAX_FUNCTION_LINES) == []
    (package / "d.py").write_text(
        f"class K:\n    def long(self):\n{body}\n        return 1\n\ndef short():\n    pass\n"
    )
    assert long_functions(package, MAX_FUNCTION_LINES) == [
        f"pkg/d.py:2 K.long ({MAX_FUNCTION_LINES + 1} lines)"
    ]
