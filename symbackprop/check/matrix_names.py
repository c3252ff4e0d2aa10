"""The names a profile gives the arrays of a network, as the matrix reader writes them
(``matrix_parse``'s normalised atoms): ``dZ^{[2]}`` -> ("dZ", 2, False),
``A^{[1]T}`` -> ("A", 1, True), ``W_{2}^{T}`` -> ("W", 2, True)."""

from __future__ import annotations

from ..profiles.base import Profile
from .matrix_parse import MatrixUnreadable, _Parser, tokens

# the roles that name arrays, and whether a layer 0 exists for them (A^{[0]} = X)
ARRAY_ROLES = ("W", "b", "Z", "A", "dZ", "dW", "db", "dA")


def normal(name: str) -> str:
    """A name as the reader normalises an atom (braces around every script)."""
    try:
        node = _Parser(tokens(name)).atom()
    except (MatrixUnreadable, IndexError):
        return name
    return node.text


_TABLES: dict = {}


def table(profile: Profile, sizes: tuple[int, ...]) -> dict[str, tuple[str, int, bool]]:
    """normalised name -> (role, layer, transposed) for every array of the network (built
    once per profile and shape: every page a checker reads asks for it)."""
    key = (profile.name, len(sizes))  # the names depend on the number of layers only
    if key not in _TABLES:
        if len(_TABLES) > 64:
            _TABLES.clear()
        _TABLES[key] = _table(profile, sizes)
    return _TABLES[key]


def _table(profile: Profile, sizes: tuple[int, ...]) -> dict[str, tuple[str, int, bool]]:
    L = len(sizes) - 1
    hidden = L - 1
    out: dict[str, tuple[str, int, bool]] = {}

    def add(name, role, l):
        for text, t in ((name, False), (profile.transpose(name), True),
                        (name + "^T", True), (name + "^{T}", True)):
            out.setdefault(normal(text), (role, l, t))

    for role in ("X", "Y", "P"):
        if role in profile.names:
            add(profile.spell(role, hidden=hidden), role, L if role != "X" else 0)
    for l in range(1, L + 1):
        for role in ARRAY_ROLES:
            add(profile.spell(role, l, hidden=hidden), role, l)
            if l < L:  # cs231n's h of the one hidden layer is also h_1
                add(profile.spell(role, l, hidden=L + 1), role, l)
    add(profile.spell("A", 0, hidden=hidden), "X", 0)  # A^{[0]} = X, Nielsen's a^1 = x
    add(profile.spell("Yhat", hidden=hidden), "Yhat", L)  # after the layers: cs231n's s
    return out
