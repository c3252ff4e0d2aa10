"""Reports: each equation's line, verdict and reason as text, or the list of results as
JSON; and the counts a summary table shows."""

from __future__ import annotations

import json

WORDS = {"correct": "correct", "wrong": "WRONG", "not_checked": "not checked", "error": "ERROR"}
LATEX_WIDTH = 70


def counts(results) -> dict:
    c = {"correct": 0, "wrong": 0, "errors": 0, "not_checked": 0}
    for r in results:
        c["errors" if r.verdict == "error" else r.verdict] += 1
    c["checked"] = c["correct"] + c["wrong"] + c["errors"]
    return c


def summary_line(results) -> str:
    c = counts(results)
    return (f"{len(results)} equations: {c['correct']} correct, {c['wrong']} wrong, "
            f"{c['errors']} errors, {c['not_checked']} not checked")


def text_report(results, title: str | None = None) -> str:
    lines = [title] if title else []
    for r in results:
        latex = " ".join(r.latex.split())
        if len(latex) > LATEX_WIDTH:
            latex = latex[:LATEX_WIDTH - 3] + "..."
        lines.append(f"{r.file}:{r.line}: {WORDS[r.verdict]}  {latex}")
        for m in r.message.split("\n") if r.message else ():
            lines.append(f"    {m}")
    lines.append(summary_line(results))
    return "\n".join(lines) + "\n"


def json_report(results) -> str:
    return json.dumps([r.as_dict() for r in results], indent=2, ensure_ascii=False) + "\n"


def exit_code(results) -> int:
    """0 when nothing is wrong, 1 when a claim is wrong or in error."""
    return 1 if any(r.verdict in ("wrong", "error") for r in results) else 0
