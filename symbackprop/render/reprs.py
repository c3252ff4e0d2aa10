"""Rich display in Jupyter: a Derivation shows as its lesson page, a Graph as its
forward equations. Attached here, so that the math core never builds text itself."""

from __future__ import annotations

from ..derive import Derivation
from ..graph import Graph


def _derivation_markdown(d: Derivation) -> str:
    from ..lesson import lesson_of
    from .env import render
    from .views import lesson_view

    return render("markdown", "markdown/lesson.md.j2", lesson_view(lesson_of(d)))


def _graph_latex(g: Graph) -> str:
    from ..derive import derive
    from .views import Notation, forward_equations

    rows = forward_equations(Notation(derive(g)))
    body = r" \\ ".join(f"{r['lhs']} &= {r['rhs']}" for r in rows)
    return rf"$$\begin{{aligned}}{body}\end{{aligned}}$$"


def install() -> None:
    Derivation._repr_markdown_ = _derivation_markdown
    Graph._repr_latex_ = _graph_latex
