"""Students' answers read back: one row per student, in one of two CSV layouts.

- ours: ``student, variant, q1, q2, ...``, the ``q`` columns being the variant's numeric
  answers in the key's order (the order of the Cloze sub-questions);
- Moodle's quiz "Responses" report downloaded as CSV, for the Cloze export: a ``Response
  1`` cell ``part 1: -3.5; part 2: -4.1; ...`` and its ``Right answer 1``, by which the
  variant is found (the numbers of one variant of the key).

A blank cell is no answer; a cell that is not a number is a wrong answer.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass

from ..errors import SpecError

MAX_BYTES = 20_000_000
MAX_ROWS = 20_000
_PART = re.compile(r"part\s+(\d+):\s*([^;]*)")


@dataclass
class Response:
    student: str
    variant: int
    answers: list  # float, None (blank) or the text of a non-number, one per numeric answer
    line: int


def number(cell: str):
    """A cell as a float; '' -> None; a text that is no finite number stays text.
    A decimal comma (``-3,5``) is read as a point."""
    text = cell.strip()
    if not text:
        return None
    try:
        v = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    except ValueError:
        return text
    return v if math.isfinite(v) else text


def read(path: str, key: dict) -> list[Response]:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise SpecError(f"cannot read responses: {exc.strerror}", path) from None
    if len(raw) > MAX_BYTES:
        raise SpecError(f"responses file over {MAX_BYTES} bytes", path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpecError("responses file is not UTF-8 text", path) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise SpecError("responses file is empty; expected a header: student, variant, q1, ...",
                        path)
    if len(rows) > MAX_ROWS + 1:
        raise SpecError(f"more than {MAX_ROWS} students", path)
    header = [h.strip() for h in rows[0]]
    if "Response 1" in header:
        return _moodle(path, header, rows[1:], key)
    return _ours(path, header, rows[1:], key)


def _ours(path, header, rows, key) -> list[Response]:
    width = len(numeric(key["variants"][0]))
    want = ["student", "variant", *(f"q{i}" for i in range(1, width + 1))]
    if [h.lower() for h in header] != want:
        raise SpecError(f"header {', '.join(header)!r}: expected {', '.join(want)} (one column "
                        f"per numeric answer of the key, in its order)", f"{path}:1")
    ids = {v["id"] for v in key["variants"]}
    out = []
    for line, row in enumerate(rows, 2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(want):
            raise SpecError(f"{len(row)} cells, expected {len(want)}", f"{path}:{line}")
        try:
            variant = int(row[1])
        except ValueError:
            variant = None
        if variant not in ids:
            raise SpecError(f"variant {row[1]!r} is not in the key (variants 1 to "
                            f"{len(ids)})", f"{path}:{line}:2")
        out.append(Response(row[0].strip(), variant, [number(c) for c in row[2:]], line))
    return out


def numeric(variant: dict) -> list[dict]:
    return [a for a in variant["answers"] if a["value"] is not None]


def _parts(cell: str) -> dict[int, str]:
    return {int(n): v.strip() for n, v in _PART.findall(cell)}


def _moodle(path, header, rows, key) -> list[Response]:
    col = {h: i for i, h in enumerate(header)}
    if "Right answer 1" not in col:
        raise SpecError("Moodle responses report without 'Right answer 1': download it with "
                        "the right answers shown", f"{path}:1")
    names = [h for h in ("First name", "Surname") if h in col] or \
        [h for h in ("Email address", "Username") if h in col]
    if not names:
        raise SpecError("Moodle responses report without a 'First name', 'Surname' or "
                        "'Email address' column", f"{path}:1")
    out = []
    for line, row in enumerate(rows, 2):
        if len(row) < len(header) or not row[col["Right answer 1"]].strip():
            continue  # Moodle's "Overall average" row and empty lines
        right = _parts(row[col["Right answer 1"]])
        variant = _variant_of(right, key)
        if variant is None:
            raise SpecError("its right answers match no variant of the key (another exam's "
                            "key?)", f"{path}:{line}")
        given = _parts(row[col["Response 1"]])
        width = len(numeric(variant))
        out.append(Response(" ".join(row[col[h]].strip() for h in names), variant["id"],
                            [number(given.get(i, "")) for i in range(1, width + 1)], line))
    return out


def _variant_of(right: dict[int, str], key: dict):
    for v in key["variants"]:
        answers = numeric(v)
        if len(answers) == len(right) and all(
                isinstance(number(right.get(i, "")), float)
                and abs(number(right[i]) - a["value"]) <= a["tolerance"]
                for i, a in enumerate(answers, 1)):
            return v
    return None
