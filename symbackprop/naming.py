"""The one table from canonical symbol names to the lesson's LaTeX names.

Canonical names are plain identifiers tied to the structure (``w2_1_3``: layer 2, unit 1,
input 3); the LaTeX name follows the notation settings (``w_5^{[2]}`` by input, ``w_3`` with
global scope). The math never sees LaTeX; the printer never invents a name.

Conventions, as in the lesson:
- inputs ``x_i``, targets ``y_{true}`` (``y_{true,k}`` for several outputs),
  outputs ``y_{pred}`` (``y_{pred,k}``);
- hidden units ``h_j`` when there is one hidden layer, ``h_j^{[l]}`` otherwise (the
  subscript is dropped for a layer of one unit); pre-activations ``z_j^{[l]}``;
- weights numbered ``by_input`` (the lesson: x_1 feeds h_1 through w_1, h_2 through w_2,
  x_2 feeds h_1 through w_3, ...) or ``by_unit`` (unit by unit), per layer ``w_k^{[l]}``
  or ``global`` ``w_k`` counted through the network; biases ``b_j^{[l]}`` / ``b^{[l]}``
  (``b_k`` / ``b_l`` with global scope).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from .errors import SpecError
from .spec import Network


@dataclass(frozen=True)
class Quantity:
    key: str  # canonical symbol name
    latex: str  # the lesson's LaTeX name
    kind: str  # input target pre unit act output weight bias loss count
    layer: int = 0  # 1-based layer; 0 for inputs, targets, loss
    row: int = 0  # unit within the layer (0-based)
    col: int = 0  # input of the unit (0-based) for weights

    def __repr__(self):
        return f"<{self.kind} {self.latex}>"


def _sub(base: str, index: str | None, layer: int | None) -> str:
    name = base
    if index is not None:
        name += f"_{{{index}}}" if len(index) > 1 else f"_{index}"
    if layer is not None:
        name += f"^{{[{layer}]}}"
    return name


def delta_latex(q: Quantity, units: int) -> str:
    """δ_j^{[l]}: the name of dL/dz_j^{[l]} for the weighted sum ``q`` of a layer of
    ``units`` units (δ^{[l]} when there is one)."""
    return _sub(r"\delta", str(q.row + 1) if units > 1 else None, q.layer)


@dataclass(frozen=True)
class Names:
    """Every named scalar of a layered network, in structural order."""

    inputs: tuple[Quantity, ...]
    targets: tuple[Quantity, ...]
    pre: tuple[tuple[Quantity, ...], ...]  # z per layer (index l-1)
    act: tuple[tuple[Quantity, ...] | None, ...]  # a = act(z) on residual layers
    units: tuple[tuple[Quantity, ...], ...]  # h per layer; the last is the output
    weights: tuple[tuple[tuple[Quantity, ...], ...], ...]  # [l-1][j][i]
    biases: tuple[tuple[Quantity, ...], ...]  # [l-1]: () none, (b,) shared, (b_j...) per unit
    loss: Quantity
    count: Quantity  # N, the number of samples
    # a profile's table (issue 14) still reads the lesson's names, e.g. in a spec's [example]
    aliases: tuple[tuple[str, Quantity], ...] = ()

    @property
    def params(self) -> tuple[Quantity, ...]:
        """Parameters in print order: layer by layer, numbered order, biases last."""
        out = []
        for w_layer, b_layer in zip(self.weights, self.biases):
            flat = [w for row in w_layer for w in row]
            out += sorted(flat, key=_number_key)
            out += list(b_layer)
        return tuple(out)

    def all(self) -> tuple[Quantity, ...]:
        out = list(self.inputs) + list(self.targets)
        for z, a, h in zip(self.pre, self.act, self.units):
            out += list(z) + list(a or ()) + list(h)
        return tuple(out) + self.params + (self.loss, self.count)

    @cached_property
    def by_key(self) -> dict[str, Quantity]:
        return {q.key: q for q in self.all()}

    def by_latex(self) -> dict[str, Quantity]:
        out = {canonical_latex(q.latex): q for q in self.all()}
        for name, q in self.aliases:
            out.setdefault(name, q)
        return out


def _number_key(q: Quantity):
    nums = [int(n) for n in re.findall(r"\d+", q.latex)]
    return nums


def names(net: Network) -> Names:
    L = len(net.layers)
    hidden = L - 1
    sizes = net.sizes
    k_out = net.outputs
    nota = net.notation

    inputs = tuple(
        Quantity(f"x{i + 1}", net.input_names[i] if net.input_names else _sub("x", str(i + 1), None),
                 "input", 0, i)
        for i in range(net.inputs)
    )
    if net.target_names:
        tnames = net.target_names
    elif k_out == 1:
        tnames = ("y_{true}",)
    else:
        tnames = tuple(f"y_{{true,{k + 1}}}" for k in range(k_out))
    targets = tuple(Quantity(f"t{k + 1}", tnames[k], "target", 0, k) for k in range(k_out))

    pre, act, units, weights, biases = [], [], [], [], []
    w_count = b_count = 0
    for l, layer in enumerate(net.layers, 1):
        n, m = layer.size, sizes[l - 1]
        is_out = l == L
        idx = (lambda j: None) if n == 1 else (lambda j: str(j + 1))
        # unit names
        if layer.names:
            hn = layer.names
        elif is_out:
            hn = ("y_{pred}",) if n == 1 else tuple(f"y_{{pred,{j + 1}}}" for j in range(n))
        else:
            hn = tuple(_sub("h", idx(j), None if hidden == 1 else l) for j in range(n))
        zn = layer.pre_names or tuple(_sub("z", idx(j), l) for j in range(n))
        kind = "output" if is_out else "unit"
        units.append(tuple(Quantity(f"h{l}_{j + 1}", hn[j], kind, l, j) for j in range(n)))
        pre.append(tuple(Quantity(f"z{l}_{j + 1}", zn[j], "pre", l, j) for j in range(n)))
        act.append(
            tuple(Quantity(f"a{l}_{j + 1}", _sub("a", idx(j), l), "act", l, j) for j in range(n))
            if layer.residual else None
        )
        # weights: number k (1-based) of the weight from input i to unit j
        rows = []
        for j in range(n):
            row = []
            for i in range(m):
                k = i * n + j + 1 if nota.numbering == "by_input" else j * m + i + 1
                if nota.scope == "global":
                    latex = _sub("w", str(w_count + k), None)
                else:
                    latex = _sub("w", None if n * m == 1 else str(k), l)
                row.append(Quantity(f"w{l}_{j + 1}_{i + 1}", latex, "weight", l, j, i))
            rows.append(tuple(row))
        weights.append(tuple(rows))
        w_count += n * m
        if layer.bias == "none":
            biases.append(())
        elif layer.bias == "shared":
            # global scope: one counter numbers every bias, shared or per unit
            latex = _sub("b", str(b_count + 1), None) if nota.scope == "global" \
                else _sub("b", None, l)
            biases.append((Quantity(f"b{l}", latex, "bias", l, 0),))
            b_count += 1
        else:
            bs = []
            for j in range(n):
                if nota.scope == "global":
                    latex = _sub("b", str(b_count + j + 1), None)
                else:
                    latex = _sub("b", idx(j), l)
                bs.append(Quantity(f"b{l}_{j + 1}", latex, "bias", l, j))
            biases.append(tuple(bs))
            b_count += n
    loss_name = "E" if net.loss == "half_sse" else "L"
    result = Names(
        inputs=inputs, targets=targets, pre=tuple(pre), act=tuple(act), units=tuple(units),
        weights=tuple(weights), biases=tuple(biases),
        loss=Quantity("L", loss_name, "loss"), count=Quantity("N", "N", "count"),
    )
    if nota.style != "lesson":  # a textbook's names for every entry (issue 14)
        from .profiles.scalar_names import rename

        result = rename(result, net)
    _check_unique(result)
    return result


def _check_unique(table: Names):
    seen = {}
    for q in table.all():
        key = canonical_latex(q.latex)
        if key in seen:
            raise SpecError(f"two quantities share the name {q.latex!r}: rename one")
        seen[key] = q


_ONE_CHAR_BRACES = re.compile(r"([_^])\{([A-Za-z0-9])\}")


def canonical_latex(name: str) -> str:
    """One spelling per name: ``w_{1}^{[1]}`` -> ``w_1^{[1]}``, spaces removed,
    and a superscript written before the subscript moved after it
    (``w^{[2]}_1`` -> ``w_1^{[2]}``)."""
    s = re.sub(r"\s+", "", name)
    s = _ONE_CHAR_BRACES.sub(r"\1\2", s)
    m = re.match(r"^([A-Za-z]+)(\^(?:\{[^{}]*\}|.))(_(?:\{[^{}]*\}|.))$", s)
    if m:
        s = m.group(1) + m.group(3) + m.group(2)
    return s
