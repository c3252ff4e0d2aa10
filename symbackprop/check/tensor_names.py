"""The names of a tensor network's entries as a student writes them (issue 15, point 4).

A layer page names every entry with its layer and 1-based indices: K^{[1]}_{1,1,2,2},
z^{[1]}_{1,2,3}, over a batch also the sample, z^{[1](2)}_{1}. Some bases are not single
letters the claim grammar reads (\\hat{a}, \\sigma^{2\\,[2]}, {W_q}); ``respell`` writes them
as \\mathrm words, in the page's names and in the claims alike, so both meet in one table.
A name may leave out its layer when only one layer has that entry (K_{1,1,2,2}), and
δ^{[l]}_{i,j} is ∂L/∂z^{[l]}_{i,j}.
"""

from __future__ import annotations

import re

import numpy as np

from ..expr.claim_text import ParseError, latex_name

# spellings the grammar cannot read -> one it reads (the same in names and in claims)
_RESPELL = (
    (re.compile(r"\\hat\s*\{\s*([A-Za-z])\s*\}"), r"\\mathrm{\1hat}"),
    (re.compile(r"\\hat\s+([A-Za-z])"), r"\\mathrm{\1hat}"),
    (re.compile(r"\{\s*([A-Za-z])\s*_\s*\{?\s*([A-Za-z])\s*\}?\s*\}(?=\s*[\^_])"),
     r"\\mathrm{\1\2}"),
    (re.compile(r"\\sigma\s*\^\s*\{\s*2\s*(?:\\[,;:! ]\s*)*\[([^\[\]{}]*)\]\s*\}"),
     r"\\mathrm{sigmasq}^{[\1]}"),
    (re.compile(r"\\sigma\s*\^\s*\{?\s*2\s*\}?(?![0-9])"), r"\\mathrm{sigmasq}"),
    # ^{[l](n)}: the layer and the sample in one superscript
    (re.compile(r"\^\s*\{\s*\[([^\[\]{}]*)\]\s*\(([^(){}]*)\)\s*\}"), r"^{[\1]}^{(\2)}"),
)


# and back, for what the report shows (the writer's own spelling, near enough)
_BACK = (
    (re.compile(r"\\mathrm\{([A-Za-z])hat\}"), r"\\hat{\1}"),
    (re.compile(r"\\mathrm\{sigmasq\}"), r"\\sigma^{2}"),
    (re.compile(r"\\mathrm\{([A-Z])([a-z])\}"), r"{\1_\2}"),
    (re.compile(r"\^\{\[([^\[\]{}]*)\]\}\^\{\(([^(){}]*)\)\}"), r"^{[\1](\2)}"),
)


def unrespell(text: str | None) -> str | None:
    if not text:
        return text
    for pattern, repl in _BACK:
        text = pattern.sub(repl, text)
    return text.replace(r"\sigma^{2}^{[", r"\sigma^{2\,[")


def respell(text: str) -> str:
    for pattern, repl in _RESPELL:
        text = pattern.sub(repl, text)
    return text


MAX_ARGS = 4  # a \\max of up to 2 × 2 entries is read (its nested form doubles per entry)


def max_of_entries(src: str) -> str:
    """\\max(a, b, c, d) (a max-pool's window) as max(max(a, b), c)…, each max(u, v)
    written u + relu(v − u), which the grammar reads; normalised text (``\\max(``)."""
    out, pos = src, 0
    for _ in range(src.count(r"\max(")):
        at = out.find(r"\max(", pos)
        if at < 0:
            break
        start = at + len(r"\max(")
        depth, args, cut, end = 1, [], start, None
        for j in range(start, len(out)):
            ch = out[j]
            depth += ch in "({[" and 1 or ch in ")}]" and -1 or 0
            if depth == 0:
                args.append(out[cut:j].strip())
                end = j
                break
            if ch == "," and depth == 1:
                args.append(out[cut:j].strip())
                cut = j + 1
        pos = start
        if end is None or not 2 <= len(args) <= MAX_ARGS or "0" in args:
            continue
        m = f"({args[0]})"
        for a in args[1:]:
            m = rf"({m} + \relu(({a}) - {m}))"
        out = out[:at] + m + out[end + 1:]
    return out


def parts(latex: str):
    """(base, subscript, layer, sample) of a page's name, or None."""
    try:
        n = latex_name(respell(latex))
    except (ParseError, AttributeError):
        return None
    return _key(n.id, n.sub, n.layer, n.sample)


def _key(base, sub, layer, sample):
    sub = None if sub is None else re.sub(r"\s+", "", sub)
    return (base, sub, layer, sample)


class TensorNames:
    """The lookup tables of one tensor network's graph."""

    def __init__(self, g):
        self.by_parts: dict = {}
        bare: dict = {}
        for k, v in g.latex.items():
            p = parts(v)
            if p is None:
                continue
            self.by_parts.setdefault(p, k)
            if p[0] == "ahat":  # the normalised input, often written x̂ (the papers' name)
                self.by_parts.setdefault(("xhat",) + p[1:], k)
            if p[2] is not None:
                bare.setdefault((p[0], p[1], None, p[3]), []).append(k)
        # a name without its layer: only where one layer has that entry
        self.by_bare = {p: ks[0] for p, ks in bare.items()
                        if len(ks) == 1 and p not in self.by_parts}
        self.ambiguous = {p: ks for p, ks in bare.items() if len(ks) > 1}
        self.nodes = g.nodes
        self.batch = any("(" in (p[3] or "") or p[3] for p in self.by_parts)

    def lookup(self, name, latex: dict, error) -> str | None:
        """The node of a written name, None when there is none; ``error`` (a message)
        when the name leaves out a layer and several layers have that entry."""
        if name.ascii:
            return None
        p = _key(name.id, name.sub, name.layer, name.sample)
        key = self.by_parts.get(p) or (self.by_bare.get(p) if name.layer is None else None)
        many = self.ambiguous.get(p, []) if name.layer is None else []
        if key is None and many:
            raise error(f"{latex[many[0]]}: more than one layer has this entry; write its "
                        f"layer: {', '.join(latex[k] for k in many[:4])}")
        return key

    def delta(self, name) -> str | None:
        """δ^{[l]}_{i,j}: the pre-activation z^{[l]}_{i,j} it is the gradient at."""
        if name.ascii or name.id != r"\delta" or name.sub is None:
            return None
        if name.layer is None:  # δ_{f,i,j}: the one layer that has z_{f,i,j}, if only one
            return self.by_bare.get(_key("z", name.sub, None, name.sample))
        z = self.by_parts.get(_key("z", name.sub, name.layer, name.sample))
        if z is None:  # an output written y_pred: its key still says z<l>_<indices>
            idx = "_".join(re.sub(r"\s+", "", name.sub).split(","))
            sample = f"n{name.sample}_" if name.sample else ""
            z = f"z{name.layer}_{sample}{idx}"
        return z if z in self.nodes else None


def token_ids(net) -> int:
    """The vocabulary size when the network's inputs are token ids (an embedding first)."""
    layers = getattr(net, "layers", ()) or ()
    return int(getattr(layers[0], "num_embeddings", 0) or 0) if layers else 0


def example_env(g, values) -> dict | None:
    """The leaves of the page's worked example (``numeric.Values`` of one row: a batch
    over the graph is one row too) as one point of one sample."""
    if values is None or values.n != 1:
        return None
    env = {g.symbols[k]: np.full((1, 1), float(v)) for k, v in zip(g.inputs, values.inputs[0])}
    env.update({g.symbols[k]: np.full((1, 1), float(v)) for k, v in
                zip(g.targets, values.targets[0])})
    env.update({g.symbols[k]: np.full((1, 1), float(values.params[k])) for k in g.params})
    if "N" in g.nodes:
        env[g.symbols["N"]] = np.ones((1, 1))
    return env
