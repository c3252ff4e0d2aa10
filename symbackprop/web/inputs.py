"""A request's body turned into a job's payload, or an HTTP error that says what is
wrong: 400 not JSON / not UTF-8 / not an object, 413 too large, 422 a value that cannot
be used. Nothing here reads a file: a spec is a preset's name or TOML text."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from .. import spec as specs
from .limits import BODY_BYTES, FORMATS, PAGE_BYTES, SPEC_BYTES, notations


class HTTPError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Site:
    """What the instructor fixed when starting the server."""
    spec: dict | None = None          # a fixed spec ({"preset"} or {"toml", "name"}), or None
    label: str = "easynet"            # its name, shown on the pages
    notation: str = "lesson"
    presets: tuple = field(default_factory=lambda: tuple(specs.presets()))

    @property
    def default(self) -> dict:
        return self.spec or {"preset": self.label}


async def body(request, limit: int = BODY_BYTES) -> bytes:
    size = request.headers.get("content-length")
    if size is not None and (not size.isdigit() or int(size) > limit):
        raise HTTPError(413, f"the request is larger than {limit} bytes")
    chunks, n = [], 0
    async for chunk in request.stream():
        n += len(chunk)
        if n > limit:
            raise HTTPError(413, f"the request is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise HTTPError(400, f"the request is not UTF-8 text (byte {e.start})") from None


def json_object(raw: bytes) -> dict:
    text = utf8(raw)
    try:
        data = json.loads(text)
    except RecursionError:
        raise HTTPError(400, "the JSON is nested too deeply") from None
    except json.JSONDecodeError as e:
        raise HTTPError(400, f"not JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None
    if not isinstance(data, dict):
        raise HTTPError(400, "the body must be a JSON object such as "
                             '{"spec": "easynet", "text": "...", "format": "md"}')
    return data


def form(raw: bytes) -> dict:
    """An HTML form's fields (application/x-www-form-urlencoded), the last of each name."""
    try:
        fields = parse_qs(utf8(raw), keep_blank_values=True, errors="strict",
                          max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise HTTPError(400, "the form is not UTF-8 text or has too many fields") from None
    return {k: v[-1] for k, v in fields.items()}


def _fields(data: dict, allowed: tuple) -> None:
    for key in data:
        if key not in allowed:
            near = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise HTTPError(422, f"unknown field {str(key)[:40]!r}{hint} "
                                 f"(fields: {', '.join(allowed)})")


def _string(data: dict, key: str, default=None, limit: int | None = None) -> str | None:
    value = data.get(key, default)
    if value is None:
        return None
    if not isinstance(value, str):
        raise HTTPError(422, f"{key!r} must be a string")
    if limit is not None and len(value.encode("utf-8")) > limit:
        raise HTTPError(413, f"{key!r} is larger than {limit} bytes")
    return value


def spec_of(site: Site, value) -> dict:
    """A preset name or TOML text -> the job's spec; the server's when it fixed one."""
    value = _string({"spec": value}, "spec", limit=SPEC_BYTES)
    if site.spec is not None:
        if value not in (None, "", site.label):
            raise HTTPError(422, f"this server checks against {site.label} only; "
                                 f"leave 'spec' out")
        return site.spec
    if value is None or not value.strip():
        return site.default
    if value.strip() in site.presets:
        return {"preset": value.strip()}
    if "=" not in value:  # not TOML: a preset name that does not exist
        near = difflib.get_close_matches(value.strip(), site.presets, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise HTTPError(422, f"unknown preset {value.strip()[:40]!r}{hint} (presets: "
                             f"{', '.join(site.presets)}, or the text of a TOML spec)")
    return {"toml": value, "name": "network"}


def check_payload(site: Site, data: dict) -> dict:
    _fields(data, ("spec", "text", "format", "notation", "file"))
    text = _string(data, "text", limit=PAGE_BYTES)
    if text is None:
        raise HTTPError(422, "'text' is missing: the derivation to check")
    fmt = _string(data, "format", "md")
    if fmt not in FORMATS:
        raise HTTPError(422, f"'format' {fmt[:20]!r} is not one of {', '.join(FORMATS)}")
    notation = _string(data, "notation", site.notation)
    if notation not in notations():
        raise HTTPError(422, f"'notation' {notation[:20]!r} is not one of "
                             f"{', '.join(notations())}")
    name = _string(data, "file", "<text>", limit=256)
    return {"spec": spec_of(site, data.get("spec")), "text": text, "format": fmt,
            "notation": notation, "file": name}


def lesson_payload(site: Site, data: dict, html: bool = False) -> dict:
    _fields(data, ("spec",))
    return {"spec": spec_of(site, data.get("spec")), "html": html}
