"""A profile's scalar names read with their indices (issue 14, point 4): Nielsen's
``w^{l}_{jk}``, ``\\delta^{l+1}_{k}``, Ng's ``w^{[l]}_{jk}``, Goodfellow's
``W^{(k)}_{i,j}``, Mazur's ``out_{h1}``, ``net_{o1}``, ``w_5``. ``parse_atom`` splits a
normalised atom (``matrix_parse``) into its base, its layer expression and its index
letters or numbers, by the pattern the profile records for each role."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..naming import canonical_latex
from ..profiles import mazur
from ..profiles.base import Profile

# the scalar roles of the index form, and the array each one is an entry of
SCALARS = {"w": "W", "bs": "b", "z": "Z", "a": "A", "x": "X", "y": "Y", "delta": "dZ"}


@dataclass(frozen=True)
class Ref:
    role: str  # an array role: W b Z A X Y dZ (and dW db dA for derivatives)
    layer: str | int | None  # a layer expression (l, l+1, L, 3) or None
    indices: tuple  # index letters or 1-based numbers


def _scripts(text: str) -> tuple[str, dict]:
    """'w^{l}_{jk}' -> ('w', {'^': 'l', '_': 'jk'})."""
    m = re.match(r"(\\?[A-Za-z]+)", text)
    if not m:
        return text, {}
    base, rest, out = m.group(1), text[m.end():], {}
    for where, body in re.findall(r"([\^_])\{((?:[^{}]|\{[^{}]*\})*)\}", rest):
        out[where] = body
    return base, out


_PATTERNS: dict = {}


def _pattern(profile: Profile, role: str):
    """(base, where the layer is, its brackets, where the indices are) of a role, read
    once per profile and role."""
    key = (profile.name, role, profile.names[role])
    if key not in _PATTERNS:
        _PATTERNS[key] = _read_pattern(profile, role)
    return _PATTERNS[key]


def _read_pattern(profile: Profile, role: str):
    from .matrix_names import normal

    marked = profile.names[role].replace("@l", "QQ").replace("@j", "JJ").replace("@k", "KK")
    base, scripts = _scripts(normal(marked))
    layer_at = index_at = None
    brackets = ("", "")
    for where, body in scripts.items():
        if "QQ" in body:
            layer_at = where
            left, _, right = body.partition("QQ")
            brackets = (left, right)
        if "JJ" in body or "KK" in body:
            index_at = where
    return base, layer_at, brackets, index_at


def _indices(body: str) -> tuple:
    body = body.replace(",", "").replace(" ", "")
    if body.isdigit():
        return tuple(int(c) for c in body)
    if re.fullmatch(r"[a-z]+", body):
        return tuple(body)
    return ()


def parse_atom(profile: Profile, text: str) -> Ref | None:
    """The entry an index-form name stands for, or None."""
    base, scripts = _scripts(text)
    for role, array in SCALARS.items():
        if role not in profile.names:
            continue
        p_base, layer_at, (left, right), index_at = _pattern(profile, role)
        if base != p_base or set(scripts) != {w for w in (layer_at, index_at) if w}:
            continue  # the scripts the book writes, no other
        layer = None
        if layer_at is None and array not in ("X", "Y"):
            continue  # Goodfellow's g_i: whose layer, the page's loop says, not the name
        if layer_at is not None:
            body = scripts.get(layer_at)
            if body is None or not body.startswith(left) or not body.endswith(right):
                continue
            layer = body[len(left):len(body) - len(right)] if right else body[len(left):]
            if layer_at == index_at:
                continue
        idx = _indices(scripts.get(index_at, "")) if index_at else ()
        if len(idx) != (2 if array == "W" else 1):  # w_{jk}; every other entry one index
            continue
        return Ref(array, layer, idx)
    return None


def mazur_atom(text: str, sizes: tuple[int, ...]) -> Ref | None:
    """Mazur's names: out_{h1}, net_{o1}, target_{o1}, i_1, w_5 (numbered unit by unit
    through the network), E_{o1}, E_{total}."""
    L = len(sizes) - 1
    base, scripts = _scripts(text)
    sub = scripts.get("_", "")
    if base == "E" and sub == "total":
        return Ref("cost", None, ())
    if base == "b" and sub.isdigit() and 1 <= int(sub) <= L:
        return Ref("b", int(sub), (1,))  # one bias per layer, as in the post
    if base == "i" and sub.isdigit():
        return Ref("X", 0, (int(sub),))
    if base == "w" and sub.isdigit() and scripts.get("^", "+") == "+":
        n = int(sub)
        role = "W_new" if "^" in scripts else "W"  # w_5^{+}: after one step
        for l in range(1, L + 1):
            block = sizes[l] * sizes[l - 1]
            if n <= block:
                j, k = divmod(n - 1, sizes[l - 1])
                return Ref(role, l, (j + 1, k + 1))
            n -= block
        return None
    for l in range(0, L + 1):
        for j in range(1, sizes[l] + 1):
            if sub == mazur.unit(l, j, L):
                role = {"out": "A", "net": "Z", "target": "Y", "E": "terms"}.get(base)
                if role is None or (role in ("Y", "terms") and l != L):
                    return None
                if l == 0 and role == "A":
                    return Ref("X", 0, (j,))
                return Ref(role, l, (j,)) if l > 0 else None
    return None


_ROLE_OF_KIND = {"weight": "W", "bias": "b", "pre": "Z", "unit": "A", "output": "A"}


def lesson_entry(profile: Profile, table, text: str) -> Ref | None:
    """A lesson name with the profile's layer brackets, Goodfellow's w_1^{(1)}: the (1)
    is the layer, as in the book, never a sample; read as the lesson's w_1^{[1]}."""
    if "(@l)" not in profile.names.get("W", ""):
        return None
    lesson = re.sub(r"\^\{\((\d+)\)\}", r"^{[\1]}", text)
    q = None if lesson == text else table.by_latex().get(canonical_latex(lesson))
    role = None if q is None else _ROLE_OF_KIND.get(q.kind)
    if role is None:
        return None
    layer = str(profile.layer(q.layer))
    return Ref(role, layer, (q.row + 1, q.col + 1) if role == "W" else (q.row + 1,))
