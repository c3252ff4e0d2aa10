"""Names as users write them: every unambiguous spelling of a quantity's name, and
suggestions that rank by structure before spelling.

A page prints ``w_{10}^{[1]}``, ``b^{[3]}``, ``x_0``; a user writes VALUES.json or an
``[example]`` by hand and may write ``w_10^{[1]}``, ``w^{[1]}_{10}``, ``b_1^{[3]}`` (a
one-unit layer's bias with its index 1), ``x0``. Each of these is read as the one name it
can only mean. A spelling that two names could claim is not guessed: the error lists both.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .errors import SpecError

# An error lists at most this many names, then says how many more there are.
LIST_MAX = 12


def normal(name: str) -> str:
    """One spelling per written form: spaces dropped, braces around a plain subscript or
    superscript dropped (``w_{10}`` -> ``w_10``, ``^{[2]}`` -> ``^[2]``), the superscript
    after the subscript, a letter glued to digits split (``x0`` -> ``x_0``)."""
    s = re.sub(r"\s+", "", str(name))
    s = re.sub(r"_\{([A-Za-z0-9,]+)\}", r"_\1", s)
    s = re.sub(r"\^\{(\[[0-9]+\]|\([0-9]+\)|[A-Za-z0-9]+)\}", r"^\1", s)
    m = re.match(r"^([A-Za-z]+)(\^(?:\[[0-9]+\]|\([0-9]+\)|[A-Za-z0-9]))(_[A-Za-z0-9,]+)$", s)
    if m:  # w^[2]_1 -> w_1^[2]
        s = m.group(1) + m.group(3) + m.group(2)
    s = re.sub(r"^([A-Za-z])([0-9]+)(?=\^|$)", r"\1_\2", s)  # x0 -> x_0, w10^[1] -> w_10^[1]
    return s


def _parts(s: str) -> tuple[str, str | None, str | None]:
    """(base, subscript, layer) of a normal spelling: w_10^[1] -> (w, 10, 1)."""
    m = re.match(r"^([A-Za-z]+)(?:_([A-Za-z0-9,]+))?(?:\^\[?([0-9]+)\]?)?$", s)
    if not m:
        return s, None, None
    return m.group(1), m.group(2), m.group(3)


@dataclass(frozen=True)
class Entry:
    key: str  # what a spelling resolves to
    shown: str  # the name as a page prints it (LaTeX), or as the spec wrote it
    spellings: tuple[str, ...]  # primary written forms (the page's, the spec's)


class Spellings:
    """Spelling -> key, for a set of names (the parameters of a network, a graph's inputs).

    Primary spellings are the printed name and any name the spec used; an alias is a
    form a reader may reasonably write for it (``b_1^{[3]}`` for a layer's only bias
    ``b^{[3]}``). A primary spelling always wins over an alias; an alias two names could
    claim resolves to neither."""

    def __init__(self, entries, quote: bool = False):
        self.entries = list(entries)
        self.quote = quote  # a spec's own names (x, w0) are quoted in messages, LaTeX not
        primary: dict[str, set] = {}
        alias: dict[str, set] = {}
        for e in self.entries:
            for form in e.spellings:
                n = normal(form)
                primary.setdefault(n, set()).add(e.key)
                base, sub, layer = _parts(n)
                if sub is None and layer is not None:  # the only one of its layer
                    alias.setdefault(f"{base}_1^[{layer}]", set()).add(e.key)
        self.table = {n: next(iter(ks)) for n, ks in primary.items() if len(ks) == 1}
        self.ambiguous = {n: ks for n, ks in primary.items() if len(ks) > 1}
        for n, ks in alias.items():
            if n in primary:
                continue
            if len(ks) == 1:
                self.table[n] = next(iter(ks))
            else:
                self.ambiguous[n] = ks
        self.shown = {e.key: e.shown for e in self.entries}
        # a name written exactly as the spec (its first spelling) or else the page writes
        # it is that name, even where its normal form is shared (inputs x1 and x_1)
        own = {e.spellings[0]: e.key for e in self.entries}
        exact: dict[str, set] = {}
        for e in self.entries:
            for form in e.spellings:
                exact.setdefault(form, set()).add(e.key)
        self.exact = {f: next(iter(ks)) for f, ks in exact.items() if len(ks) == 1} | own

    def lookup(self, name: str) -> str | None:
        return self.exact.get(name) or self.table.get(normal(name))

    def suggest(self, name: str) -> str | None:
        """The likeliest intended name: same kind of quantity (w, b, x, ...) and same layer
        first, then the closest spelling."""
        if not self.entries:
            return None
        n = normal(name)
        base, sub, layer = _parts(n)

        def rank(e: Entry):
            forms = [normal(f) for f in e.spellings]
            b, s, l = _parts(forms[0])
            close = max(difflib.SequenceMatcher(None, n, f).ratio() for f in forms)
            return (b == base, l == layer, -_distance(sub, s), close)

        best = max(self.entries, key=rank)
        b, _, _ = _parts(normal(best.spellings[0]))
        close = max(difflib.SequenceMatcher(None, n, normal(f)).ratio() for f in best.spellings)
        return best.shown if b == base or close >= 0.6 else None

    def unknown(self, name: str, noun: str = "name") -> str:
        """The sentence of an unknown name: a suggestion and the names that exist."""
        ks = self.ambiguous.get(normal(name))
        if ks:
            both = ", ".join(sorted(self.shown[k] for k in ks))
            return f"{quoted(name)} could mean any of {both}; write the name as the page prints it"
        near = self.suggest(name) if len(name) <= 200 else None
        if near and self.quote:
            near = repr(near)
        hint = f"; did you mean {near}?" if near else ""
        return f"unknown {noun} {quoted(name)}{hint} (expected: {listing(self.shown.values())})"


def _distance(a: str | None, b: str | None) -> float:
    """How far apart two subscripts are as numbers (w_7 is nearest w_6); 0 when either
    is not a number, so spelling decides."""
    if a is None or b is None or not a.isdigit() or not b.isdigit():
        return 0
    return abs(int(a) - int(b))


def quoted(name) -> str:
    """A name (or any value a user wrote) in an error message: quoted, cut short when long."""
    if not isinstance(name, str):
        return _cut(name)
    text = repr(name)
    return text if len(text) <= 42 else f"{text[:30]}...' ({len(str(name)):,} characters)"


def _cut(value):
    """A value too long to print whole: its text, cut (a list nested 100,000 deep)."""
    try:
        text = str(value)
    except (RecursionError, ValueError):
        return f"<a {type(value).__name__}>"
    return text if len(text) <= 40 else text[:30] + "..."


def listing(names, limit: int = LIST_MAX) -> str:
    """``a, b, c`` or ``a, ..., l, and 188 more``."""
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])}, and {len(names) - limit} more"


def resolve(given: dict, spellings: Spellings, where, what: str = "params",
            noun: str = "parameter") -> dict:
    """{written name: value} -> {key: value}; an unknown, ambiguous or repeated name is a
    SpecError at ``where``."""
    out, written = {}, {}
    for name, value in given.items():
        key = spellings.lookup(name)
        if key is None:
            raise SpecError(f"{what}: {spellings.unknown(name, noun)}", where)
        if key in out:
            raise SpecError(f"{what}: {quoted(written[key])} and {quoted(name)} both name "
                            f"{spellings.shown[key]}", where)
        out[key], written[key] = value, name
    return out
