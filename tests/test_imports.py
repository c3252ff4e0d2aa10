"""The package imports in one direction: no module reaches itself through its imports,
counting imports inside functions (a lazy import is still a dependency) and leaving out
only ``if TYPE_CHECKING:`` blocks, which never run."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "symbackprop"
# exam <-> moodle: helper E's split of exam.py removes it (issue 10, point 6).
KNOWN: set = set()


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def imports(path: Path, modules: set[str]) -> set[str]:
    """The package modules ``path`` imports, anywhere in it."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found, stack = set(), [ast.parse(path.read_text(encoding="utf-8"))]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            # from . import ops: the submodule; from .graph import Graph: the module
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                       for a in node.names]
        else:
            targets = []
        for t in targets:
            while t and t not in modules:
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
        stack.extend(ast.iter_child_nodes(node))
    return found


def graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): imports(p, modules) for p in paths}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_the_finder_sees_a_planted_cycle():
    """The oracle: a hand-made graph with one cycle a -> b -> c -> a and a tail."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]


def test_imports_read_function_level_and_skip_type_checking():
    edges = graph()
    # known facts of the code base, each read from a different kind of import statement
    assert "symbackprop.numeric" in edges["symbackprop.steps"]  # inside a function
    assert "symbackprop.ops" in edges["symbackprop.numeric"]  # from . import ops
    assert "symbackprop.derive" not in edges["symbackprop.numeric"]  # TYPE_CHECKING only
    assert "symbackprop.render.printer" in edges["symbackprop.render.views"]  # from .printer
    assert "symbackprop.dag" in edges["symbackprop.derive"]


def test_no_import_cycle_in_the_package():
    found = [c for c in cycles(graph()) if frozenset(c) not in KNOWN]
    assert not found, f"import cycles: {found}"


# The math core never builds text: it imports no template engine and nothing of render/.
CORE = ("spec", "formula_spec", "notation", "naming", "dag", "graph", "formula_graph", "ops",
        "steps", "derive", "numeric", "matrix", "reference", "verify", "lesson", "vanishing")


def test_the_math_core_imports_no_rendering():
    edges = graph()
    core = [m for m in edges if "." in m and m.split(".")[1] in CORE]
    assert len(core) >= len(CORE)
    reach = {}
    for m in core:  # everything m imports, directly or not
        seen, todo = set(), [m]
        while todo:
            for n in edges[todo.pop()]:
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        reach[m] = seen
    bad = {m: sorted(n for n in r if n.startswith("symbackprop.render")) for m, r in reach.items()}
    assert not {m: r for m, r in bad.items() if r}, bad
    for m in core:
        path = PACKAGE.parent / (m.replace(".", "/") + ".py")
        path = path if path.exists() else path.with_suffix("") / "__init__.py"
        assert "jinja2" not in path.read_text(encoding="utf-8"), m
