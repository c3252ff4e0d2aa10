"""The work a request asks for, run in a worker process (``pool``): pure functions of
their payload, reading no file and keeping nothing between requests (only the preset
networks' tables, built once per process).

A payload names its spec as ``{"preset": name}`` or ``{"toml": text}``; a preset is
loaded by name from the package, TOML text is parsed in memory (never taken as a path).
"""

from __future__ import annotations

import base64

from .. import spec as specs
from ..check import Truth, check_text, truth_of
from ..check.report import json_report
from ..errors import SpecError
from .limits import FORMATS


class JobError(Exception):
    """A request the work cannot serve: an HTTP status and a one-line message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def network(spec: dict):
    if "preset" in spec:
        return specs.load(spec["preset"])
    return specs.loads(spec["toml"], name=spec.get("name", "network"), source="spec")


def truth(spec: dict) -> Truth:
    if "preset" in spec:
        return truth_of(spec["preset"])  # cached per preset name in this process
    return Truth(network(spec))          # a pasted spec: built for this request only


def with_notation(t: Truth, notation: str) -> Truth:
    """The network's table; the notation style (``limits.notations``) is passed to the
    checker, which reads matrix and index claims in it (issue 14)."""
    return t


def check(payload: dict) -> str:
    """The JSON report of ``check --json``: every equation of the text, in file order."""
    try:
        t = with_notation(truth(payload["spec"]), payload["notation"])
    except SpecError as e:
        raise JobError(422, str(e)) from None
    style = payload["notation"]
    results = check_text(t, payload["text"], FORMATS[payload["format"]], file=payload["file"],
                         notation=None if style == "lesson" else style)
    return json_report(results)


def lesson(payload: dict) -> dict:
    """{"name", "files": {name: text}, "binary": {name: base64}} of the lesson page,
    rendered in memory (Markdown with its SVG, LaTeX, notebook), and its HTML."""
    from ..pages import DEEP_PRESET, RESNET_PRESET, Output, deep_files, lesson_files, resnet_files
    from .markdown import to_html

    try:
        net = network(payload["spec"])
        output = Output(formats=("md", "tex", "ipynb"))
        if payload["spec"].get("preset") == DEEP_PRESET:
            from ..vanishing import deep_network, parse_options

            net, options = deep_network(net, **parse_options())
            files = deep_files(net, options, output=output)
        elif payload["spec"].get("preset") == RESNET_PRESET:
            files = resnet_files(net, output=output)
        else:
            files = lesson_files(net, output=output)
    except SpecError as e:
        raise JobError(422, str(e)) from None
    text = {k: v for k, v in files.items() if isinstance(v, str)}
    binary = {k: base64.b64encode(v).decode("ascii") for k, v in files.items()
              if isinstance(v, bytes)}
    out = {"name": net.name, "files": text, "binary": binary}
    if payload.get("html"):
        out["html"] = to_html(text[f"{net.name}.md"], files)
    return out


def warm(spec: dict | None) -> None:
    """Imports and the default network's table, before the first request."""
    if spec is not None:
        try:
            truth(spec)
        except SpecError:
            pass


JOBS = {"check": check, "lesson": lesson}
