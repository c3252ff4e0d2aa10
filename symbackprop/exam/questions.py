"""Questions: the kinds an exam asks (data; the prose lives in ``templates/exam/``) and
the ``--questions`` parser."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..errors import SpecError
from ..naming import canonical_latex

KINDS = ("forward", "chain", "expression", "gradient", "update")
DEFAULT_QUESTIONS = "forward,chain,expression,gradient,update"


@dataclass(frozen=True)
class Question:
    n: int  # 1-based number on the sheet
    kind: str
    param: str | None = None  # a fixed parameter key, or None: the variant's own


def default_questions(g, graph: bool) -> str:
    """Every kind; a circuit (no loss, no learning rate): its forward values, the chain
    rule and the expression, and the derivative by every input."""
    if not graph:
        return DEFAULT_QUESTIONS
    return ",".join(["forward", "chain", "expression",
                     *(f"gradient:{g.latex[k]}" for k in g.params)])


def parse_questions(text: str, g, graph: bool = False, nodes=(),
                    tensor: bool = False) -> tuple[Question, ...]:
    """``forward,chain,gradient:w_5,update`` -> questions. ``KIND:NAME`` fixes the
    parameter (its LaTeX name, as ``grad`` reads it); otherwise each variant draws one.
    ``nodes``: other nodes a gradient may be asked of (a batch-norm input); ``tensor``: a
    network with tensor layers, whose closed form (expression) is not asked."""
    by_name = {canonical_latex(g.latex[k]): k for k in (*g.params, *nodes)}
    out = []
    for n, item in enumerate((p.strip() for p in _items(text)), 1):
        kind, _, name = item.partition(":")
        kind, name = kind.strip(), name.strip()
        if kind not in KINDS:
            near = difflib.get_close_matches(kind, KINDS, n=1)
            hint = f"; did you mean {near[0]}?" if near else ""
            raise SpecError(f"unknown question kind {kind!r}{hint} (kinds: {', '.join(KINDS)})",
                            "--questions")
        if graph and kind == "update":
            raise SpecError("update asks for a step of gradient descent; a graph spec has no "
                            "loss or learning rate (kinds for a circuit: forward, chain, "
                            "expression, gradient)", "--questions")
        if tensor and kind == "expression":
            raise SpecError("expression asks for the gradient's closed form, too large for a "
                            "network with tensor layers (kinds for it: forward, chain, "
                            "gradient, update)", "--questions")
        param = None
        if name:
            if kind == "forward":
                raise SpecError("forward asks for every node value; it takes no parameter",
                                "--questions")
            param = by_name.get(canonical_latex(name))
            if param is None:
                near = difflib.get_close_matches(canonical_latex(name), list(by_name), n=1)
                hint = f"; did you mean {g.latex[by_name[near[0]]]}?" if near else ""
                raise SpecError(f"unknown parameter {name!r}{hint} (parameters: "
                                f"{', '.join(g.latex[k] for k in g.params)})", "--questions")
            if kind == "update" and param not in g.params:
                raise SpecError(f"update asks for a step of gradient descent on a parameter; "
                                f"{name} is not one", "--questions")
        out.append(Question(n, kind, param))
    return tuple(out)


def _items(text: str) -> list[str]:
    """The comma-separated items of ``--questions``; a comma inside braces belongs to a
    name (a kernel entry ``K^{[1]}_{1,1,2,2}``)."""
    out, depth, cur = [], 0, []
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if ch == "," and depth <= 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def target_pool(g) -> tuple[str, ...]:
    """The parameters a variant may ask about: the first layer's weights, the longest
    chains of the network (a circuit: every input)."""
    if g.table is None:  # a circuit: any of its inputs
        return tuple(g.params)
    first = tuple(q.key for q in g.table.params if q.layer == 1 and q.kind == "weight")
    return first or tuple(g.params)

