"""How names are spelled: a written name as LaTeX, the plain spellings of a LaTeX name,
and the existing name nearest a misspelt one (for "did you mean")."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from ..naming import canonical_latex

def written_latex(name) -> str:
    sub = ""
    if name.sub is not None:
        sub = f"_{name.sub}" if len(name.sub) == 1 else f"_{{{name.sub}}}"
    layer = f"^{{[{name.layer}]}}" if name.layer is not None else ""
    base = name.id if len(name.id) == 1 or name.id.startswith("\\") \
        else r"\mathrm{" + name.id + "}"
    return base + sub + layer


_LATEX_PARTS = re.compile(r"^(\\mathrm\{[^{}]*\}|\\?[A-Za-z]+)(.*)$")


@lru_cache(maxsize=4096)
def ascii_forms(latex: str) -> tuple[str, ...]:
    """The plain spellings of a LaTeX name, the preferred first: w_1^{[2]} -> w1[2],
    w_1[2]; y_{pred} -> y_pred; y_{true,1} -> y_true1, y_true_1; h^{[2]} -> h[2]."""
    s = canonical_latex(latex)
    m = _LATEX_PARTS.match(s)
    if not m:
        return (s,)
    base = m.group(1)
    if base.startswith(r"\mathrm{"):
        base = base[len(r"\mathrm{"):-1].replace(r"\_", "_")
    rest = m.group(2)
    sub = re.search(r"_(\{[^{}]*\}|[A-Za-z0-9])", rest)
    layer = re.search(r"\^\{\[([^{}\[\]]*)\]\}", rest)
    suffix = f"[{layer.group(1)}]" if layer else ""
    if not sub:
        return (base + suffix,)
    parts = sub.group(1).strip("{}").split(",")
    if len(parts) == 1 and parts[0].isdigit():
        return (f"{base}{parts[0]}{suffix}", f"{base}_{parts[0]}{suffix}")
    joined = "_".join(parts)
    glued = parts[0] + "".join(parts[1:]) if all(p.isdigit() for p in parts[1:]) else joined
    forms = [f"{base}_{glued}{suffix}", f"{base}_{joined}{suffix}"]
    return tuple(dict.fromkeys(forms))


def name_parts(text: str):
    m = re.match(r"^(\\mathrm\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z])(?:_(\{[^{}]*\}|[A-Za-z0-9]))?"
                 r"(?:\^\{\[([^{}\[\]]*)\]\})?$", text)
    if m:
        return m.group(1), (m.group(2) or "").strip("{}"), m.group(3) or ""
    m = re.match(r"^([A-Za-z]+?)_?([A-Za-z0-9_]*)(?:\[([0-9]+)\])?$", text)
    if m:
        return m.group(1), m.group(2), m.group(3) or ""
    return text, "", ""


def nearest(text: str, table: dict, ascii: bool) -> str | None:
    """The existing name nearest a written one: the same letter and index in another
    layer first, then the same letter and layer with another index, then spelling."""
    base, sub, layer = name_parts(text)
    names = sorted(table)
    parsed = {n: name_parts(n) for n in names}
    same_index = [n for n in names if parsed[n][:2] == (base, sub) and parsed[n][2] != layer]
    style = "_" in text  # w_1[2] or w1[2]: suggest in the writer's spelling

    def spelled(n):
        return ("_" in n) != style, n

    if same_index:
        return min(same_index, key=lambda n: (_distance(parsed[n][2], layer), *spelled(n)))
    same_layer = [n for n in names if parsed[n][0] == base and parsed[n][2] == layer]
    if same_layer:
        return min(same_layer, key=lambda n: (_distance(parsed[n][1], sub), *spelled(n)))
    close = difflib.get_close_matches(text, names, n=1, cutoff=0.6)
    return close[0] if close else None


def _distance(a: str, b: str):
    if a.isdigit() and b.isdigit():
        return abs(int(a) - int(b))
    return 0 if a == b else 1000

__all__ = ["ascii_forms", "name_parts", "nearest", "written_latex"]
