"""Checking hand derivations: every equation of a page judged against the network.

    check_equation(spec, text) -> Result      one equation (LaTeX or plain ASCII)
    check_file(spec, path) -> list[Result]    every equation of a .md, .tex or .txt file

``spec`` is a preset name, a TOML path, or a loaded network. The pipeline:
extract (blocks and line numbers) -> expr.claim_grammar (lark, never eval) -> parse
(names resolved in the network's table) -> judge (numbers at random points, the CAS's
derivatives) -> diagnose (the common mistakes) -> report (text and JSON).
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from .extract import InputError, extract, kind_of, read
from .judge import Result, judge_equation
from .parse import mode_of
from .truth import Truth

_TRUTHS: dict = {}
# Verdicts already given in this process, by (network, text, mode, page fingerprint): a
# class writes the same lines again and again. Only lines that leave the page unchanged
# are kept (a given or a definition is judged every time); cleared when full (bounded).
_VERDICTS: dict = {}
MAX_VERDICTS = 20_000


def truth_of(spec) -> Truth:
    """The network's Truth, built once per spec (a preset name, a TOML path, a network)."""
    if isinstance(spec, Truth):
        return spec
    key = str(spec) if isinstance(spec, (str, Path)) else spec
    try:
        hit = _TRUTHS.get(key)
    except TypeError:  # an unhashable spec object
        key, hit = id(spec), None
    if hit is None:
        from .. import spec as specs

        net = specs.load(spec) if isinstance(spec, (str, Path)) else spec
        hit = _TRUTHS[key] = Truth(net)
    return hit


def check_equation(spec, text: str, *, mode: str | None = None,
                   notation: str | None = None) -> Result:
    """One equation, e.g. ``\\frac{dL}{dy_{pred}} = -\\frac{2}{N}(y_{true} - y_{pred})``
    or ``dL/dw1[1] = -2*w1[2]*x1/N*(y_true - y_pred)``."""
    text = str(text)
    truth = truth_of(spec)
    if notation is not None:  # a matrix claim in a profile (issue 14)
        out = _in_profile(truth, [text.strip()], notation, "<text>", [1])
        if out[-1] is not None:
            return out[-1]
    indexed = _index_claim(truth, text.strip(), "<text>", 1)
    if indexed is not None:
        return _shown(truth, indexed)
    return _shown(truth, judge_equation(truth, text.strip(), mode=mode or mode_of(text)))


def _shown(truth, res: Result) -> Result:
    """A tensor network's names back in the writer's spelling (tensor_names.respell)."""
    if truth.tensor_names is not None:
        from .tensor_names import unrespell

        res.message, res.expected = unrespell(res.message), unrespell(res.expected)
    return res


def _index_claim(truth, text, file, line) -> Result | None:
    """An index claim about tensor layers (tensor_index.py), each instance judged as a
    scalar claim; None when the line is not one."""
    if truth.tensor_names is None:
        return None
    from .tensor_index import judge_index
    from .tensor_matrix import judge_tensor

    try:
        found = judge_tensor(truth, text)  # a tensor (matrix-form) claim, else an index one
        if found is not None:
            verdict, message, code = found
            return Result(file, line, text, "tensor", verdict, message, diagnosis=code)
        found = judge_index(truth, text, lambda t: judge_equation(truth, t, file=file, line=line))
    except RecursionError:
        found = ("error", "nested too deeply to judge", None)
    except Exception as e:  # nothing in a file may crash the checker (as judge.py)
        found = ("error", f"the checker could not judge this index claim "
                          f"({type(e).__name__}: {e})"[:300], None)
    if found is None:
        return None
    verdict, message, inner = found
    res = Result(file, line, text, "index", verdict, message)
    if inner is not None:
        res.counterexample, res.diagnosis, res.expected = \
            inner.counterexample, inner.diagnosis, inner.expected
    return res


def _in_profile(truth, texts, notation, file, lines) -> list:
    """Each text's Result as a matrix claim in the page's profile, or None (issue 14);
    a first Result (line 0) says which profile was detected, when one was."""
    from .profile_claims import session_for

    session, note = session_for(truth, texts, notation)
    out = [Result(file, 0, "", "notation", "not_checked", note)] if note else []
    for text, line in zip(texts, lines):
        v = session.judge(text) if session is not None else None
        out.append(None if v is None else Result(
            file, line, text, v.kind, v.verdict, v.message, v.counterexample, v.diagnosis))
    return out


# A file's time budget: equations not reached within it are reported as not checked
# (each equation is bounded by the judge too, so a file ends within about this plus one
# equation's bound). The size limit is extract.MAX_FILE_CHARS.
FILE_SECONDS = 30.0


def check_text(spec, text: str, kind: str = "markdown", file: str = "<text>",
               budget: float | None = None, notation: str | None = None) -> list[Result]:
    """Every equation of a page, top to bottom: a line may give the worked example's
    values, define a name, or lean on a value worked out above it (``page.Page``).
    Judged until ``budget`` seconds (FILE_SECONDS) are spent; the rest, and the equations
    past MAX_EQUATIONS, are reported once as not checked. A file with no equation is
    reported as such."""
    from .extract import MAX_EQUATIONS
    from .messages import say
    from .page import Page

    truth = truth_of(spec)
    budget = FILE_SECONDS if budget is None else budget
    eqs = extract(text, kind)
    if not any(not eq.text_only for eq in eqs):
        return [Result(file, 1, "", "text", "not_checked",
                       say("empty_file" if not text.strip() else "no_equations"))]
    out = []
    # matrix and index claims in the page's profile (issue 14), read first: the profile is
    # detected from the whole page; None where a line is not such a claim
    judged = [eq for eq in eqs[:MAX_EQUATIONS] if not eq.text_only]
    in_profile = _in_profile(truth, [eq.text for eq in judged], notation, file,
                             [eq.line for eq in judged])
    if len(in_profile) > len(judged):
        out.append(in_profile.pop(0))
    matrix = {id(eq): r for eq, r in zip(judged, in_profile) if r is not None}
    page = Page.for_truth(truth)
    deadline = time.monotonic() + budget
    for i, eq in enumerate(eqs[:MAX_EQUATIONS]):
        if time.monotonic() > deadline:
            out.append(Result(file, eq.line, eq.text, "text", "not_checked",
                              say("over_budget", seconds=f"{budget:g}", left=len(eqs) - i)))
            return out
        if id(eq) in matrix:
            out.append(matrix[id(eq)])
            continue
        before = page.fingerprint()
        key = (truth, eq.text, eq.mode, eq.text_only, before)
        hit = _VERDICTS.get(key)
        if hit is not None:
            out.append(replace(hit, file=file, line=eq.line))
            continue
        res = None if eq.text_only or eq.mode != "latex" else \
            _index_claim(truth, eq.text, file, eq.line)
        if res is None:
            res = judge_equation(truth, eq.text, mode=eq.mode, file=file, line=eq.line,
                                 text_only=eq.text_only, page=page)
        res = _shown(truth, res)
        if page.fingerprint() == before and res.verdict != "error":  # no time-outs kept
            if len(_VERDICTS) >= MAX_VERDICTS:
                _VERDICTS.clear()
            _VERDICTS[key] = res
        out.append(res)
    if len(eqs) > MAX_EQUATIONS:
        eq = eqs[MAX_EQUATIONS]
        out.append(Result(file, eq.line, eq.text, "text", "error",
                          f"more than {MAX_EQUATIONS} equations: the rest are not checked"))
    return out


def check_file(spec, path, notation: str | None = None) -> list[Result]:
    """Every equation of a Markdown, LaTeX or plain-text file, in file order.
    Raises InputError when the file cannot be read."""
    return check_text(spec, read(path), kind_of(path), file=str(path), notation=notation)


__all__ = ["InputError", "Result", "Truth", "check_equation", "check_file", "check_text",
           "truth_of"]
