"""Index claims about tensor layers (issue 15, point 4): a claim with letter indices,

    \\frac{\\partial L}{\\partial K^{[1]}_{f,c,u,v}} = \\sum_{i,j} \\delta_{f,i,j}\\, x_{c,i+u-1,j+v-1}

holds when every instance holds: each value of its free indices (those of the left
side) within the tensor's shape, each ``\\sum`` over its indices' ranges (read from the
names they index), a name whose computed index falls outside its tensor being a padding
zero (a term left out). Every instance is written out as a scalar claim and judged by
the scalar checker (``judge.py``), so the first failing instance is named with its own
counterexample and diagnosis. Names without a layer take the left side's layer (δ is
∂L/∂z of that layer, ``a`` its input); ``s`` and ``p`` are a convolution's stride and
padding when they are not indices. Index arithmetic is read by a small parser of its
own (numbers, letters, + − ·, parentheses): never eval.
"""

from __future__ import annotations

import itertools
import re
import time

from .index_arith import IndexUnreadable, _components, _int_expr
from .tensor_names import parts, respell

MAX_INSTANCES = 400   # instances of the free indices judged
MAX_TERMS = 400       # terms a sum expands to in one instance
SECONDS = 10.0        # time for all the instances of one claim

_NAME = re.compile(r"(?P<base>\\mathrm\{[A-Za-z]+\}|\\[A-Za-z]+|[A-Za-z])"
                   r"(?P<pre>(?:\s*\^\s*\{[^{}]*\})*)\s*_\s*(?P<sub>\{[^{}]*\}|[A-Za-z0-9])"
                   r"(?P<post>(?:\s*\^\s*\{[^{}]*\})*)")
_SUM = re.compile(r"\\sum\s*_\s*(\{[^{}]*\}|[A-Za-z])(?:\s*\^\s*(\{[^{}]*\}|[A-Za-z0-9]))?")
_SPACING = re.compile(r"\\[,;:!]|\\q?quad(?![A-Za-z])|\\left(?![A-Za-z])|\\right(?![A-Za-z])")
_LETTER = re.compile(r"[A-Za-z]")
_SKIP = {r"\sum", r"\frac", r"\partial", r"\mathrm", r"\cdot", r"\left", r"\right"}


# ---------------------------------------------------------------------------- shapes

class Shapes:
    """Each tensor's extent per position, by (base, layer, sample) of its entries."""

    def __init__(self, truth):
        self.truth = truth
        self.ext: dict = {}
        for v in truth.g.latex.values():
            p = parts(v)
            if p is None or p[1] is None or not re.fullmatch(r"\d+(,\d+)*", p[1]):
                continue
            idx = [int(x) for x in p[1].split(",")]
            key = (p[0], p[2], p[3])
            old = self.ext.get(key)
            self.ext[key] = idx if old is None or len(old) != len(idx) else \
                [max(a, b) for a, b in zip(old, idx)]

    def input_of(self, layer: str):
        """The base and layer of layer ``layer``'s input entries (``a`` in the pages)."""
        g = self.truth.g
        for k, n in g.nodes.items():
            if g.layer_of.get(k) == int(layer) and n.op != "leaf":
                for i in n.inputs:
                    if g.nodes[i].kind not in ("weight", "bias"):
                        p = parts(g.latex[i])
                        return None if p is None else (p[0], p[2])
        return None


def _top_level_equals(text: str) -> list[int]:
    depth, out = 0, []
    for i, ch in enumerate(text):
        depth += ch in "{(["
        depth -= ch in "})]"
        if ch == "=" and depth == 0:
            out.append(i)
    return out


def _is_index_claim(text: str) -> bool:
    """Letter indices on the left, or a \\sum over letters with no bounds (the sum over a
    tensor's range: ``\\sum_{i,j} \\delta_{1,i,j} x_{1,i+1,j+1}``)."""
    cuts = _top_level_equals(text)
    lhs = text[:cuts[0]] if cuts else text
    if any(not m.group(2) and all(_LETTER.fullmatch(c) for c in _components(m.group(1)))
           for m in _SUM.finditer(text)):
        return True
    for m in _NAME.finditer(lhs):
        if m.group("base") not in _SKIP and any(
                _LETTER.fullmatch(c) for c in _components(m.group("sub"))):
            return True
    return False


# ---------------------------------------------------------------------------- claims

class Claim:
    def __init__(self, truth, text: str):
        self.truth, self.shapes = truth, Shapes(truth)
        text = _SPACING.sub(" ", respell(text))
        cuts = _top_level_equals(text)
        if len(cuts) != 1:
            raise IndexUnreadable("an index claim is one equation a = b")
        self.lhs, self.rhs = text[:cuts[0]].strip(), text[cuts[0] + 1:].strip()
        first = next((m for m in _NAME.finditer(self.lhs) if m.group("base") not in _SKIP),
                     None)
        if first is None:  # μ^{[2]} = (1/3) Σ_k h_k: a layer, no entry
            found = re.search(r"\^\s*\{\s*\[([^\[\]{}]*)\]", self.lhs)
            self.layer = found.group(1) if found else None
        else:
            self.layer = _layer_of(first)
        if self.layer is None and first is not None:  # K_{f,c,u,v}: the only kernel's
            base = first.group("base")
            layers = {l for (b, l, _) in self.shapes.ext if b == base and l is not None}
            self.layer = layers.pop() if len(layers) == 1 else None
        self.free = _letters(self.lhs)
        self.samples = max([int(k[2]) for k in self.shapes.ext if (k[2] or "").isdigit()],
                           default=1)
        self.ranges: dict = {}
        self.constants = self._constants()
        for side in (self.lhs, self.rhs):
            self._ranges(side)
        missing = [i for i in self.free if i not in self.ranges]
        if missing:
            raise IndexUnreadable(f"the range of the index {missing[0]} is not known: use it "
                                  f"alone in a subscript of a tensor's name")

    def _constants(self) -> dict:
        """A convolution's stride s and padding p (the pages' index form), when equal
        along its dimensions."""
        layers = self.truth.net.layers
        if self.layer is None:
            return {}
        if not self.layer.isdigit() or not 1 <= int(self.layer) <= len(layers):
            raise IndexUnreadable(f"the network has no layer [{self.layer}]")
        layer = layers[int(self.layer) - 1]
        out = {}
        for letter, field in (("s", "stride"), ("p", "padding")):
            v = getattr(layer, field, None)
            if v and len(set(v)) == 1:
                out[letter] = int(v[0])
        return out

    def resolve(self, m) -> tuple:
        """(base, layer, sample) of a written name, δ and ``a`` given the claim's layer."""
        base = m.group("base")
        sup = m.group("pre") + m.group("post")
        layer = re.search(r"\[([^\[\]]*)\]", sup)
        layer = layer.group(1) if layer else None
        sample = re.search(r"\^\s*\{\s*\(([^()]*)\)\s*\}", sup)
        sample = sample.group(1) if sample else None
        if base.startswith(r"\mathrm{"):
            base = base[len(r"\mathrm{"):-1]
        if base == r"\delta":
            return "z", layer or self.layer, sample
        if base == "a" and layer is None and self.layer is not None:
            found = self.shapes.input_of(self.layer)
            if found is not None:
                return found[0], found[1], sample
        return base, layer, sample

    def batched(self, m) -> bool:
        """A per-sample name written without its sample in a graph over a batch."""
        base, layer, sample = self.resolve(m)
        return sample is None and (base, layer, None) not in self.shapes.ext and \
            (base, layer, "1") in self.shapes.ext

    def _extent(self, m, sample=None):
        key = self.resolve(m)
        if self.batched(m) or (key[2] and not key[2].isdigit()):  # samples share a shape
            key = (key[0], key[1], sample if sample and sample.isdigit() else "1")
        ext = self.shapes.ext.get(key)
        if ext is None and key[1] is None:  # a name without its layer: the only one
            hits = [v for (b, _, s), v in self.shapes.ext.items() if b == key[0] and s == key[2]]
            ext = hits[0] if len(hits) == 1 else None
        return ext

    def _ranges(self, side: str):
        for m in _NAME.finditer(side):
            if m.group("base") in _SKIP:
                continue
            comps = _components(m.group("sub"))
            sample = self.resolve(m)[2]
            if sample and _LETTER.fullmatch(sample):  # y^{[2](n)}: n runs over the batch
                self.ranges.setdefault(sample, self.samples)
            ext = self._extent(m, "1" if sample else None)
            if ext is None or len(ext) != len(comps):
                continue
            for c, n in zip(comps, ext):
                if _LETTER.fullmatch(c) and c not in self.constants:
                    self.ranges.setdefault(c, n)

    # ------------------------------------------------------------ instances

    def instances(self):
        letters = list(self.free)
        for values in itertools.product(*[range(1, self.ranges[i] + 1) for i in letters]):
            yield dict(zip(letters, values))

    def write(self, env: dict) -> str:
        return self._side(self.lhs, env) + " = " + self._side(self.rhs, env)

    def _side(self, side: str, env: dict) -> str:
        out, terms = [], _terms(side)
        for sign, term in terms:
            out.append(sign + " " + self._term(term, env))
        return " ".join(out).strip()

    def _term(self, term: str, env: dict) -> str:
        letters, prefix = [], ""
        found = _SUM.search(term)
        if found:  # a factor before the sum (\frac{1}{m} \sum_k …) multiplies it
            prefix, term = term[:found.start()], term[found.start():]
            prefix = self._names(prefix, env, strict=True) if prefix.strip() else ""
        while True:
            m = _SUM.match(term)
            if not m:
                break
            if m.group(2):  # \sum_{t=1}^{T}: the bounds are the tensor's
                low = m.group(1).strip("{}").split("=")
                letters += [low[0].strip()]
            else:
                letters += _components(m.group(1))
            term = term[m.end():].lstrip()
        if not letters:
            return self._names(term, env, strict=True)
        for i in letters:
            if i not in self.ranges:
                raise IndexUnreadable(f"the range of the summed index {i} is not known")
        ranges = [range(1, self.ranges[i] + 1) for i in letters]
        if any(self.batched(m) for m in _NAME.finditer(term) if m.group("base") not in _SKIP):
            letters, ranges = letters + [SAMPLE], ranges + [range(1, self.samples + 1)]
        out = []
        for values in itertools.product(*ranges):
            try:
                out.append(self._names(term, {**env, **dict(zip(letters, values))}, strict=False))
            except _Padding:
                continue
            if len(out) > MAX_TERMS:
                raise IndexUnreadable(f"a sum of more than {MAX_TERMS} terms")
        return prefix + " (" + (" + ".join(f"({t})" for t in out) or "0") + ")"

    def _names(self, term: str, env: dict, strict: bool) -> str:
        env = {**self.constants, **env}

        def one(m):
            if m.group("base") in _SKIP:
                return m.group(0)
            comps = _components(m.group("sub"))
            if not any(_LETTER.search(c) for c in comps):
                return m.group(0)
            idx = [_int_expr(c, env) for c in comps]
            base, layer, sample = self.resolve(m)
            if self.batched(m) and SAMPLE in env:  # a sum over the batch's samples too
                sample = str(env[SAMPLE])
            elif sample and sample in env:
                sample = str(env[sample])
            ext = self._extent(m, sample)
            if ext is not None and len(ext) == len(idx) and any(
                    not 1 <= v <= n for v, n in zip(idx, ext)):
                if strict:
                    raise IndexUnreadable("an index outside its tensor on the left side")
                raise _Padding()
            name = m.group("base")
            if name == "a" and base != "a":  # the layer's input, by its own name
                name = base if len(base) == 1 or base.startswith("\\") else \
                    r"\mathrm{" + base + "}"
            sup = f"^{{[{layer}]}}" if layer else ""
            sup += f"^{{({sample})}}" if sample else ""
            return f"{name}{sup}_{{{','.join(map(str, idx))}}}"

        return _NAME.sub(one, term)


SAMPLE = "\x00n"  # the implicit index of a sum over a batch's samples


class _Padding(Exception):
    """A term whose name falls outside its tensor: a padding zero, left out of the sum."""


def _layer_of(m):
    sup = m.group("pre") + m.group("post")
    found = re.search(r"\[([^\[\]]*)\]", sup)
    return found.group(1) if found else None


def _letters(side: str) -> list[str]:
    out = []
    for m in _NAME.finditer(side):
        if m.group("base") in _SKIP:
            continue
        for c in _components(m.group("sub")):
            if _LETTER.fullmatch(c) and c not in out:
                out.append(c)
    return out


def _terms(side: str) -> list[tuple[str, str]]:
    """The side split at its top-level + and − (outside braces and parentheses)."""
    out, depth, start, sign = [], 0, 0, ""
    for i, ch in enumerate(side):
        if ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        elif ch in "+-" and depth == 0 and side[start:i].strip():
            out.append((sign, side[start:i].strip()))
            sign, start = ch, i + 1
        elif ch in "+-" and depth == 0:
            sign, start = ch, i + 1
    out.append((sign, side[start:].strip()))
    return [(s if s == "-" else ("+" if k else ""), t) for k, (s, t) in enumerate(out)]


# ---------------------------------------------------------------------------- judging

def judge_index(truth, text: str, judge) -> tuple | None:
    """(verdict, message, instance Result or None) of an index claim, or None when
    ``text`` is not one. ``judge(text)`` judges one instance (a scalar claim)."""
    if truth.tensor_names is None or not _is_index_claim(_SPACING.sub(" ", respell(text))):
        return None
    try:
        claim = Claim(truth, text)
    except IndexUnreadable as e:
        return "error", f"an index claim that cannot be read: {e}", None
    deadline = time.monotonic() + SECONDS
    n = 0
    for env in claim.instances():
        if n >= MAX_INSTANCES or time.monotonic() > deadline:
            return "not_checked", (f"an index claim: the first {n} instances hold; the rest "
                                   f"are past the limit ({MAX_INSTANCES} instances, "
                                   f"{SECONDS:g} s)"), None
        try:
            concrete = claim.write(env)
        except IndexUnreadable as e:
            return "error", f"an index claim that cannot be read: {e}", None
        r = judge(concrete)
        n += 1
        at = ", ".join(f"{k} = {v}" for k, v in env.items())
        if r.verdict in ("wrong", "error"):
            where = f"fails at {at}" if at else "written out over the sum's range"
            return r.verdict, f"{where}: {concrete}\n{r.message}", r
        if not claim.free:  # a concrete left side: one instance, its sum written out
            return r.verdict, f"the sum written out over its range: {r.message}", r
    return "correct", f"an index claim: holds at every one of its {n} instances", None
