"""Bounds on walking a derivative the checker built: ``Truth.total`` shares its
subexpressions (each node's gradient is used by all its inputs), so as a DAG it grows
with the graph, but as a tree (what printing, ``count_ops``, ``xreplace`` and
``free_symbols`` walk) it can grow exponentially with the depth: a small residual CNN's
dL/dK has about 10^7 operations as a tree. These walk the DAG, or stop at a limit."""

from __future__ import annotations

SHOW_MAX = 3000  # tree nodes of an expression the checker prints or simplifies
SHOW_CHARS = 1500  # a correct side longer than this is not shown: the value says enough


def small(expr, limit: int = SHOW_MAX) -> bool:
    """True when the expression has at most ``limit`` nodes as a tree (stops early)."""
    stack, n = [expr], 0
    while stack:
        e = stack.pop()
        n += 1
        if n > limit:
            return False
        stack.extend(e.args)
    return True


def symbols_in(expr) -> set:
    """The free symbols, each shared subexpression visited once."""
    seen, out, stack = set(), set(), [expr]
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if e.is_Symbol:
            out.add(e)
        else:
            stack.extend(e.args)
    return out
