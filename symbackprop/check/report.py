"""Reports: each equation's line, verdict and reason as text (templates/check/), or the
list of results as JSON; and the counts a summary table shows."""

from __future__ import annotations

import json

from ..render.env import render
from ..terminal import printable, printable_json

WORDS = {"correct": "correct", "wrong": "WRONG", "imprecise": "IMPRECISE",
         "not_checked": "not checked", "error": "ERROR"}
LATEX_WIDTH = 70


def counts(results) -> dict:
    c = {"correct": 0, "wrong": 0, "imprecise": 0, "errors": 0, "not_checked": 0}
    for r in results:
        c["errors" if r.verdict == "error" else r.verdict] += 1
    c["checked"] = c["correct"] + c["wrong"] + c["imprecise"] + c["errors"]
    return c


def summary_line(results) -> str:
    return render("text", "check/summary_line.txt.j2", _totals(results)).rstrip("\n")


def _totals(results) -> dict:
    return dict(counts(results), total=len(results))


def text_report(results, title: str | None = None) -> str:
    rows = []
    for r in results:
        latex = " ".join(r.latex.split())
        if len(latex) > LATEX_WIDTH:
            latex = latex[:LATEX_WIDTH - 3] + "..."
        rows.append({"file": r.file, "line": r.line, "verdict": WORDS[r.verdict], "latex": latex,
                     "messages": r.message.split("\n") if r.message else []})
    # a submission's text is shown inert: no escape sequence reaches the terminal
    return printable(render("text", "check/report.txt.j2",
                            dict(_totals(results), title=title, results=rows)))


def json_report(results) -> str:
    return printable_json(json.dumps([r.as_dict() for r in results], indent=2,
                                     ensure_ascii=False)) + "\n"


def exit_code(results) -> int:
    """0 when nothing is wrong, 1 when a claim is wrong or in error."""
    return 1 if any(r.verdict in ("wrong", "error") for r in results) else 0
