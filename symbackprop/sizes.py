"""Sizes of the expressions the engine could build, counted on the graph without building
them. Flattening copies a shared node into every place that uses it, so these trees grow
exponentially with depth where nodes are shared (a residual chain doubles at every
layer); every symbolic expansion is guarded by one of these counts first."""

from __future__ import annotations


def flat_sizes(g) -> dict[str, int]:
    """Tree nodes of ``g.flat(k)`` for every node k (leaves count 1)."""
    sizes: dict[str, int] = {}
    for k, node in g.nodes.items():
        if node.op == "leaf":
            sizes[k] = 1
        else:
            sizes[k] = tree_size(node.expr, {g.sym(i): sizes[i] for i in node.inputs})
    return sizes


def expanded_size(d, step) -> int:
    """Tree nodes of ``derive.expanded(d, step)``: node symbols count as their flattened
    trees, cited gradients (dL/dv) as the expansion of their sums."""
    g = d.graph
    flat = flat_sizes(g)
    memo: dict[str, int] = {}

    def size(expr) -> int:  # every cited gradient expr needs is in memo
        return tree_size(expr, {s: flat[s.name] if s.name in g.nodes
                                else memo[s.name.split("__d", 1)[1]] for s in expr.free_symbols})

    for wrt in cited_order(d, step.expr):  # deepest first, without recursion
        memo[wrt] = size(d.deltas[wrt].expr)
    return size(step.expr)


def tree_size(expr, leaves: dict) -> int:
    """Nodes of ``expr``'s tree, each symbol in ``leaves`` counted as that many."""
    total, stack = 0, [expr]
    while stack:
        e = stack.pop()
        if e in leaves:
            total += leaves[e]
        else:
            total += 1
            stack.extend(e.args)
    return total


def flat_depths(g) -> dict[str, int]:
    """Nesting depth of ``g.flat(k)`` for every node k (a leaf is 1). SymPy walks an
    expression recursively, several Python frames per level: past a few hundred levels
    (a chain of 32 sigmoid layers) ``sympy.diff`` of the flattened loss overflows the
    stack, so deep trees are guarded by this count too."""
    depths: dict[str, int] = {}
    for k, node in g.nodes.items():
        if node.op == "leaf":
            depths[k] = 1
            continue
        leaves = {g.sym(i): depths[i] for i in node.inputs}
        deepest, stack = 0, [(node.expr, 0)]
        while stack:
            e, above = stack.pop()
            if e in leaves:
                deepest = max(deepest, above + leaves[e])
            else:
                deepest = max(deepest, above + 1)
                stack.extend((a, above + 1) for a in e.args)
        depths[k] = deepest
    return depths


def cited_order(d, expr) -> list[str]:
    """The nodes whose gradients (dL/dv) ``expr`` cites, directly or through their sums,
    each after those its own sum cites: an explicit stack, since a chain of graph nodes
    is as deep as the user makes it."""
    g = d.graph

    def cites(e):
        return [s.name.split("__d", 1)[1] for s in e.free_symbols if s.name not in g.nodes]

    order, done = [], set()
    stack = [(w, False) for w in cites(expr)]
    while stack:
        wrt, ready = stack.pop()
        if wrt in done:
            continue
        todo = [w for w in cites(d.deltas[wrt].expr) if w not in done]
        if ready or not todo:
            done.add(wrt)
            order.append(wrt)
        else:
            stack.append((wrt, True))
            stack.extend((w, False) for w in todo)
    return order
