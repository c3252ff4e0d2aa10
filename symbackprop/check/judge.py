"""Judging: each link a = b of an equation is true or false in the network.

Both sides are evaluated at the random points (``truth.Points``): names take their
forward values, a derivative of two names the network's true derivative, so an
intermediate may be kept as a symbol or substituted, as the writer likes. A wrong link
gets a counterexample (the first point where the sides differ, and both values), the
correct expression in the writer's own terms, and a diagnosis when one fits.

A side that is only a number is a value at one point: it is checked at the worked
example (the spec's, else the page's givens) to the digits written (``rounding.py``).
With a ``Page`` (``page.py``) a line may give the example's values, define a name, or
lean on a wrong value worked out above it (error carried forward).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..render.printer import number
from .compare import (Deadline, Link, TimeUp, _arithmetic, _compare, _number_only,
                      symbolic_equal, value)
from .messages import say
from .page import Definition, Page
from .parse import NotChecked, Side, Unreadable, is_free, parse_equation
from .rounding import judge_number
from .truth import Truth

CLAIM_SECONDS = 2.0     # time allowed to judge one equation
@dataclass
class Result:
    """One equation's verdict: what the report and the JSON show."""
    file: str
    line: int
    latex: str
    kind: str = "text"
    verdict: str = "not_checked"   # correct | wrong | imprecise | not_checked | error
    message: str = ""
    counterexample: dict | None = None
    diagnosis: str | None = None    # the code of the diagnosis of the first wrong link
    expected: str | None = None     # the correct expression, in the writer's terms

    def as_dict(self) -> dict:
        ce = self.counterexample
        if ce is not None:
            ce = {k: v for k, v in ce.items() if k != "shown"}
        return {"file": self.file, "line": self.line, "latex": self.latex, "kind": self.kind,
                "verdict": self.verdict, "message": self.message, "counterexample": ce,
                "diagnosis": self.diagnosis, "expected": self.expected}


# ---------------------------------------------------------------------------- equations

def judge_equation(truth: Truth, text: str, *, mode: str = "latex", file: str = "<text>",
                   line: int = 1, text_only: bool = False, seconds: float = CLAIM_SECONDS,
                   page: Page | None = None) -> Result:
    res = Result(file, line, text)
    if text_only:
        res.message = "only text: no equation to check"
        return res
    deadline = Deadline(seconds)
    try:
        parsed = parse_equation(truth, text, mode, page)
        deadline.check()
        sides = parsed.sides
        res.kind = classify(sides)
        notes = _readings(parsed.readings)
        if parsed.defines is not None:
            key, name = parsed.defines
            page.definitions[key] = Definition(sides[0].expr, line, text)
            notes.insert(0, say("defines", name=name.strip(), expr=sides[0].text.strip()))
            res.kind = "definition"
        given = _given(truth, sides, page, line)
        if given is not None:
            links = [given]
        else:
            links = []
            for a, b, rel in zip(sides, sides[1:], parsed.relations):
                links.append(judge_link(truth, a, b, deadline, rel=rel, page=page, line=line))
        _combine(res, sides, links)
        if notes:
            res.message = "\n".join(notes + ([res.message] if res.message else []))
    except NotChecked as e:
        res.verdict, res.message = "not_checked", str(e)
    except Unreadable as e:
        res.kind = "unreadable" if res.kind == "text" else res.kind
        res.verdict, res.message = "error", str(e)
    except TimeUp:
        res.verdict = "error"
        res.message = f"took longer than {seconds:g} s to judge; not judged"
    except RecursionError:
        res.verdict, res.message = "error", "nested too deeply to judge"
    except Exception as e:  # nothing in a file may crash the checker
        res.verdict = "error"
        res.message = f"the checker could not judge this ({type(e).__name__}: {e})"[:300]
    return res


def _readings(readings) -> list[str]:
    """Which reading a line took: e as Euler's number, or a name the page defined."""
    out = []
    for kind, line in readings:
        out.append(say("euler") if kind == "euler" else say("defined_reading", line=line))
    return out


def _given(truth: Truth, sides, page: Page | None, line: int) -> Link | None:
    """``x_1 = 1``: a leaf of the network set to a number. Checked against the spec's
    example when it has one; else taken as the page's example."""
    if len(sides) != 2:
        return None
    a, b = sides
    if _number_only(a) and b.form == "node":
        a, b = b, a
    if a.form != "node" or not _number_only(b) or truth.g.nodes[a.of].op != "leaf":
        return None
    try:
        v = float(b.expr)
    except (TypeError, ValueError):
        return None
    name = a.text.strip()
    if page is not None:
        page.give(truth, a.of, v, line)
    ex = truth.example
    if ex is None:
        return Link("not_checked", say("given_page", name=name, value=b.text.strip()))
    t = np.asarray(ex.env[truth.sym[a.of]], dtype=float)
    verdict = judge_number(t, np.full(t.shape, v), b.text)[0, 0]
    shown = number(float(t[0, 0]), 6)
    tail = "_layers" if truth.tensor_names is not None else ""  # the page's seeded example
    if verdict == "correct":
        return Link("correct", say("given_ok" + tail, name=name, value=shown))
    return Link("wrong", say("given_wrong" + tail, name=name, value=shown),
                counterexample={"point": {}, "claimed": v, "expected": float(t[0, 0])})


def classify(sides: list[Side]) -> str:
    if len(sides) > 2:
        return "chain"
    forms = {s.form for s in sides}
    if "derivative" in forms and "chain" in forms:
        return "chain_rule"
    if "expr_derivative" in forms:
        return "expression_derivative"
    if "derivative" in forms:
        return "derivative"
    if "number" in forms:
        return "value"
    if "node" in forms and not any(s.derivs for s in sides):
        return "definition"
    return "identity"


def _combine(res: Result, sides, links: list[Link]):
    """The equation's verdict from its links: wrong if any is, else error, else correct
    if any link was judged; the first wrong (or error) link gives the details."""
    verdicts = [lk.verdict for lk in links]
    if "wrong" in verdicts:
        res.verdict = "wrong"
    elif "error" in verdicts:
        res.verdict = "error"
    elif "imprecise" in verdicts:
        res.verdict = "imprecise"
    elif "correct" in verdicts:
        res.verdict = "correct"
    else:
        res.verdict = "not_checked"
    if not links:
        res.message = ""
    elif len(links) == 1:
        lk = links[0]
        res.message = lk.message
    else:
        parts = []
        for i, (lk, a, b) in enumerate(zip(links, sides, sides[1:]), 1):
            shown = f"{_short(a.text)} = {_short(b.text)}"
            parts.append(f"link {i} ({shown}): {lk.verdict.replace('_', ' ')}"
                         + (f": {lk.message}" if lk.message
                            and (lk.verdict != "correct" or lk.carried) else ""))
        res.message = "\n".join(parts)
    first = next((lk for lk in links if lk.verdict == "wrong"), None) or \
        next((lk for lk in links if lk.verdict in ("error", "imprecise")), None)
    if first is not None:
        res.counterexample = first.counterexample
        res.diagnosis = first.diagnosis
        res.expected = first.expected


def _short(text: str, n=40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 3] + "..."


# ---------------------------------------------------------------------------- links

REF_FORMS = ("derivative", "node", "expr_derivative")


def judge_link(truth: Truth, a: Side, b: Side, deadline: Deadline, *, rel: str = "=",
               page: Page | None = None, line: int = 0) -> Link:
    """a = b: the side that says what is computed (a derivative, a node) is the
    reference, the other the claim. A number is judged at the worked example; an
    expression everywhere (at the random points, N fixed when the page fixes it)."""
    if a.form in REF_FORMS or b.form not in REF_FORMS:
        ref, claim = a, b
    else:
        ref, claim = b, a
    if _number_only(ref) and _number_only(claim):
        return _arithmetic(ref, claim, rel)
    example = page.example(truth) if page is not None else truth.example
    if any(is_free(s) for s in ref.expr.free_symbols | claim.expr.free_symbols):
        example = None  # a function's identity in its own variable: no worked example
    if _number_only(ref) or _number_only(claim):
        if claim.form == "number" or ref.form == "number" or example is not None:
            if example is None:
                return Link("not_checked", say("no_example"))
            return _compare(truth, example, ref, claim, deadline, at_example=True, rel=rel,
                            page=page, line=line)
    if rel == "approx":
        return Link("not_checked", say("approx_expressions"))
    fixed_n = page.fixed_n if page is not None else truth.fixed_n
    return _compare(truth, truth.points_for(fixed_n), ref, claim, deadline, example=example)


__all__ = ["Deadline", "Result", "judge_equation", "judge_link", "symbolic_equal", "value"]
