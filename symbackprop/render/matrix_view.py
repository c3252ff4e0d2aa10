"""The vectorized equations of a layered network, with the shape of every term, and the
δ vectors at the worked example (from matrix.py, checked against the scalar steps)."""

from __future__ import annotations


from ..activations import ACTIVATIONS
from ..derive import Derivation
from ..losses import LOSSES
from .printer import number


def _v(name, l):
    return rf"\mathbf{{{name}}}^{{[{l}]}}"


def matrix_view(d: Derivation, matrix) -> dict | None:
    """``matrix``: lesson.MatrixResult, the numbers at the worked example."""
    g = d.graph
    net = g.spec
    if not g.layers:
        return None
    L = len(net.layers)
    loss = LOSSES[net.loss]
    sizes = net.sizes
    forward, backward, shapes = [], [], []
    for l, layer in enumerate(net.layers, 1):
        b = {"none": "", "per_unit": rf" + \mathbf{{b}}^{{[{l}]}}",
             "shared": rf" + b^{{[{l}]}}\mathbf{{1}}"}[layer.bias]
        prev = r"\mathbf{x}" if l == 1 else _v("h", l - 1)
        forward.append(rf"{_v('z', l)} &= W^{{[{l}]}} {prev}{b}")
        act = r"\operatorname{softmax}" if (l == L and loss.on_logits) else \
            ACTIVATIONS[layer.activation].latex
        f = rf"{act}\left({_v('z', l)}\right)" if act else _v("z", l)
        forward.append(rf"{_v('h', l)} &= {prev + ' + ' if layer.residual else ''}{f}")
        shapes.append({"layer": l, "W": f"{sizes[l]} \\times {sizes[l - 1]}",
                       "vec": f"{sizes[l]} \\times 1", "prev": f"{sizes[l - 1]} \\times 1"})
    # backward, from the output down
    g_out = rf"\mathbf{{g}}^{{[{L}]}}"
    fused = loss.fused is not None and not net.layers[-1].residual
    if fused:
        yhat = _v("h", L)  # for softmax_ce, h^{[L]} = softmax(z^{[L]})
        backward.append(rf"\boldsymbol{{\delta}}^{{[{L}]}} &= \frac{{1}}{{N}}\left({yhat} - \mathbf{{y}}\right)")
    else:
        grad = loss.gradient(r"\mathbf{y}", _v("h", L))
        backward.append(rf"{g_out} &= \nabla_{{{_v('h', L)}}} {g.latex[g.loss]} = {grad}")
    for l in range(L, 0, -1):
        layer = net.layers[l - 1]
        if not (l == L and fused):
            prime = ACTIVATIONS[layer.activation].vector_slope.replace("{l}", str(l))
            if " - " in prime or " + " in prime:  # (g ⊙ 1) - tanh² is not what is meant
                prime = rf"\left({prime}\right)"
            rhs = rf"\mathbf{{g}}^{{[{l}]}}" if prime == "1" else \
                rf"\mathbf{{g}}^{{[{l}]}} \odot {prime}"
            backward.append(rf"\boldsymbol{{\delta}}^{{[{l}]}} &= {rhs}")
        prev = r"\mathbf{x}" if l == 1 else _v("h", l - 1)
        backward.append(rf"\frac{{\partial {g.latex[g.loss]}}}{{\partial W^{{[{l}]}}}} &= "
                        rf"\boldsymbol{{\delta}}^{{[{l}]}} \left({prev}\right)^{{T}}")
        if layer.bias == "per_unit":
            backward.append(rf"\frac{{\partial {g.latex[g.loss]}}}{{\partial \mathbf{{b}}^{{[{l}]}}}} &= "
                            rf"\boldsymbol{{\delta}}^{{[{l}]}}")
        elif layer.bias == "shared":
            backward.append(rf"\frac{{\partial {g.latex[g.loss]}}}{{\partial b^{{[{l}]}}}} &= "
                            rf"\mathbf{{1}}^{{T}}\boldsymbol{{\delta}}^{{[{l}]}}")
        if l > 1:
            skip = rf" + \mathbf{{g}}^{{[{l}]}}" if layer.residual else ""
            backward.append(rf"\mathbf{{g}}^{{[{l - 1}]}} &= \left(W^{{[{l}]}}\right)^{{T}}"
                            rf" \boldsymbol{{\delta}}^{{[{l}]}}{skip}")
    # numbers: δ^{[l]} at the worked example, and the check against the scalar steps
    # (computed once, in lesson.py)
    vectors = [{"layer": l + 1, "entries": r" \\ ".join(number(v) for v in delta[0])}
               for l, delta in enumerate(matrix.deltas)]
    return {"forward": forward, "backward": backward, "shapes": shapes, "deltas": vectors,
            "agreement": matrix.agreement, "L": L}
