"""A kernel's tensor form (issue 15, point 4): the claim

    \\frac{\\partial L}{\\partial K^{[1]}_{f,c}} = a_c \\star \\boldsymbol{\\delta}_f

says that each slice K_{f,c} (kernel × kernel) of the kernel's gradient is the
cross-correlation of the input channel a_c with the gradient at the pre-activations of
filter f, in the layer's own geometry: with stride s and padding p,

    (a \\star \\delta)[u, v] = \\sum_{i,j} \\delta[i, j]\\, a_{pad}[s(i-1)+u, s(j-1)+v],

for conv1d and conv2d alike. It holds when every slice (every f and c) agrees at the
worked example and at the random points. ``\\ast`` or ``*`` is a convolution (the kernel
flipped): where the cross-correlation is due, that is the diagnosis; so are the operands
swapped (δ ⋆ a cannot be formed: δ is the smaller) and the indices swapped (a_f, δ_c).
Read by regular expressions over the prepared text (never eval)."""

from __future__ import annotations

import re

import numpy as np

from .matrix_messages import say
from .tensor_index import Shapes

_NAME = r"(\\[A-Za-z]+|[A-Za-z])((?:\s*(?:\^\s*\{[^{}]*\}|_\s*(?:\{[^{}]*\}|[A-Za-z0-9])))*)"
_CLAIM = re.compile(r"\s*\\frac\s*\{\s*\\partial\s*L\s*\}\s*\{\s*\\partial\s*" + _NAME + r"\s*\}"
                    r"\s*=\s*" + _NAME + r"\s*(\\star|\\ast|\*|\\circledast)\s*" + _NAME +
                    r"\s*[.,;]?\s*")
_LAYER = re.compile(r"\^\s*\{\s*\[(\d+)\]\s*\}")
_SUB = re.compile(r"_\s*(?:\{([^{}]*)\}|([A-Za-z0-9]))")
OPS = {r"\star": "xcorr", r"\ast": "conv", "*": "conv", r"\circledast": "conv"}


def _parts(base: str, scripts: str):
    layer = _LAYER.search(scripts)
    sub = _SUB.search(scripts)
    rest = _SUB.sub("", _LAYER.sub("", scripts)).strip()
    if rest:
        return None
    sub = None if sub is None else (sub[1] or sub[2]).replace(" ", "")
    return base, (layer[1] if layer else None), sub


def read(text: str):
    """((K, layer, 'f,c'), op, (name, layer, index), (name, layer, index)) or None."""
    m = _CLAIM.fullmatch(text)
    if m is None:
        return None
    left = _parts(m[1], m[2])
    a, b = _parts(m[3], m[4]), _parts(m[6], m[7])
    if None in (left, a, b) or left[0] != "K" or not left[2] or \
            not re.fullmatch(r"[A-Za-z],[A-Za-z]", left[2]):
        return None
    return left, OPS[m[5]], a, b


def correlate(a: np.ndarray, d: np.ndarray, stride, padding) -> np.ndarray:
    """(a ⋆ d)[u] = Σ_i d[i] a_pad[s·i + u] (0-based), over every axis of a channel."""
    a = np.pad(a, [(p, p) for p in padding])
    size = tuple(n - s * (m - 1) for n, s, m in zip(a.shape, stride, d.shape))
    if min(size) < 1:
        raise ValueError(size)
    out = np.zeros(size)
    for u in np.ndindex(*size):
        out[u] = sum(d[i] * a[tuple(s * ii + uu for s, ii, uu in zip(stride, i, u))]
                     for i in np.ndindex(*d.shape))
    return out


def judge_conv(t, text: str):
    """(verdict, message, diagnosis) of a kernel's tensor form, or None (not one);
    ``t`` the network's ``tensor_matrix.Tensors``."""
    found = read(text)
    if found is None:
        return None
    (_, layer, fc), op, a, b = found
    kernels = [key for key in t.groups if key[0] == "K" and (layer is None or key[1] == layer)]
    if len(kernels) != 1:
        return "error", say("conv_which_kernel"), None
    key = kernels[0]
    layer = key[1]
    conv = t.truth.net.layers[int(layer) - 1]
    f_letter, c_letter = fc.split(",")
    inp = _input_key(t, int(layer))
    roles = [_role(n, layer, t) for n in (a, b)]
    if inp is None or ("z", layer) not in t.groups:
        if t.truth.tensor_names.batch:  # entries carry their sample: z^{[1](2)}_{1,1,1}
            return "not_checked", say("tensor_batch"), None
        return None
    if None in roles:
        return "error", say("conv_names", a=a[0], b=b[0]), None
    order = "input_first" if roles == ["input", "delta"] else \
        "delta_first" if roles == ["delta", "input"] else None
    if order is None:
        return "error", say("conv_names", a=a[0], b=b[0]), None
    (x, d) = (a, b) if order == "input_first" else (b, a)
    for inst in range(len(t.instances)):
        K = t.array(key, True, inst)
        X = t.array(inp, False, inst)
        D = t.array(("z", layer), True, inst)
        for f, c in np.ndindex(K.shape[0], K.shape[1]):
            at = {f_letter: f, c_letter: c}
            xi, di = at.get(x[2]), at.get(d[2])
            if xi is None or di is None:
                return "error", say("conv_indices", fc=fc), None
            xs, ds = X[xi] if xi < X.shape[0] else None, D[di] if di < D.shape[0] else None
            if xs is None or ds is None:
                return "wrong", say("conv_range", fc=fc), "indices_swapped"
            due = K[f, c]
            try:
                got = _apply(op, order, xs, ds, conv)
            except ValueError:
                small, big = (xs, ds) if order == "delta_first" else (ds, xs)
                return "wrong", say("conv_swapped", small="×".join(map(str, big.shape)),
                                    big="×".join(map(str, small.shape))), "conv_swapped"
            if got.shape != due.shape or not np.allclose(got, due, rtol=1e-9, atol=1e-12):
                return _wrong(op, order, (xs, ds), (x[2], d[2]), (f_letter, c_letter), conv,
                              (f, c), got, due, inst)
    return "correct", say("conv_holds", count=K.shape[0] * K.shape[1],
                          shape=" × ".join(map(str, K.shape[2:])),
                          points=len(t.instances) - 1), None


def _apply(op, order, xs, ds, conv):
    if order == "delta_first":
        return correlate(ds, xs, conv.stride, conv.padding)
    if op == "conv":  # a true convolution: δ flipped along every axis
        ds = ds[tuple(slice(None, None, -1) for _ in ds.shape)]
    return correlate(xs, ds, conv.stride, conv.padding)


def _wrong(op, order, slices, written, letters, conv, fc, got, due, inst):
    where = "at the worked example" if inst == 0 else "at a random point"
    shape = " × ".join(map(str, np.shape(due))), " × ".join(map(str, np.shape(got)))
    if got.shape != due.shape:
        msg = say("shape_mismatch", left=shape[0], right=shape[1])
    else:
        e = np.unravel_index(np.argmax(np.abs(got - due)), due.shape)
        msg = say("conv_differs", where=where, f=fc[0] + 1, c=fc[1] + 1,
                  entry=tuple(int(i) + 1 for i in e), got=f"{got[e]:.6g}", due=f"{due[e]:.6g}")
    if op == "conv" and order == "input_first" and np.allclose(
            _apply("xcorr", order, *slices, conv), due, rtol=1e-9, atol=1e-12):
        return "wrong", f"{msg}; {say('conv_flipped')}", "conv_flipped"
    if written == letters:  # a_f ⋆ δ_c
        return "wrong", f"{msg}; {say('conv_indices_swapped')}", "indices_swapped"
    return "wrong", msg, None


def _role(name, layer, t):
    base, lay, _ = name
    if base == r"\delta" and lay in (None, layer):
        return "delta"
    if base in ("a", "A", "x", "X", "h") and (lay is None or int(lay) == int(layer) - 1):
        return "input"
    return None


def _input_key(t, layer: int):
    """The (base, layer) group of the conv layer's input entries."""
    found = Shapes(t.truth).input_of(str(layer))
    if found is None:
        return None
    base, lay = found
    return (base, lay) if (base, lay) in t.groups else None
