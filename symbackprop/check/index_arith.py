"""Index arithmetic of tensor index claims (``tensor_index.py``): a subscript's
components (``c, s(i-1)+u-p, 2j``) at integer values of its letters, read by a small
recursive-descent parser of its own (numbers, letters, + − ·, parentheses): never eval."""

from __future__ import annotations

import re


class IndexUnreadable(ValueError):
    pass


def _int_expr(text: str, env: dict) -> int:
    """An index expression (``s(i-1)+u-p``, ``2i``, ``t-1``) at integer values."""
    toks = re.findall(r"\d+|[A-Za-z]|[-+*()]", text.replace(" ", ""))
    if "".join(toks) != text.replace(" ", ""):
        raise IndexUnreadable(f"cannot read the index {text!r}")
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else None

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def atom():
        t = take() if peek() is not None else None
        if t is None:
            raise IndexUnreadable(f"cannot read the index {text!r}")
        if t == "(":
            v = add()
            if take() != ")":
                raise IndexUnreadable(f"unbalanced parentheses in the index {text!r}")
            return v
        if t == "-":
            return -atom()
        if t.isdigit():
            return int(t)
        if t not in env:
            raise IndexUnreadable(f"the index letter {t} has no value")
        return env[t]

    def mul():
        v = atom()
        while peek() is not None and peek() not in "+-)":
            if peek() == "*":
                take()
            v *= atom()
        return v

    def add():
        v = mul()
        while peek() in ("+", "-"):
            v = v + mul() if take() == "+" else v - mul()
        return v

    try:
        v = add()
    except IndexError:  # ran past the end: an unclosed parenthesis
        raise IndexUnreadable(f"cannot read the index {text!r}") from None
    if pos != len(toks) or abs(v) > 10 ** 6:
        raise IndexUnreadable(f"cannot read the index {text!r}")
    return v


def _components(sub: str) -> list[str]:
    sub = sub[1:-1] if sub.startswith("{") else sub
    return [c.strip() for c in sub.split(",")]
