"""The NumPy reference's answers to a tensor exam's variant (``exam --stress`` and the
tests): forward values and parameter gradients by ``reference_layers`` (hand-written
loops, no shared code with the derivation) from key.json's values alone; a batch-norm
input's gradient by a central difference of the reference's loss over the layers from
the batch norm on, its input entry moved.

A shared parameter's term (one use c of θ: ∂L/∂c · ∂c/∂θ) is checked factor by factor
(``term_problems``): ∂L/∂c from the reference's gradient at the layer's output
(``backward(..., taps=...)``) taken through the layer by the few lines of NumPy below
(the activation's slope, BPTT back to step t, attention back to Q, K, V), and ∂c/∂θ as
the entry θ met there, read from the reference's own layer input (the padded input
window of a kernel entry, h_{t-1} of W_hh, a token's row of an embedding, x̂ of γ); and
the terms of a gradient's breakdown sum to the reference's gradient."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from .. import reference_layers as ref
from ..layers.tensors import from_tensors

H = 1e-6  # the central difference's step


def _softmax(y):
    e = np.exp(y - y.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def bn_entries(g, layer: int, shape, B: int) -> dict:
    """{batch-norm input key: (sample, index)}: the builder's order (``layers/batchnorm``:
    channel by channel, then sample by sample, entries in row-major order)."""
    order = [(n, idx) for c in range(shape[0]) for n in range(B)
             for idx in np.ndindex(*shape) if idx[0] == c]
    hats = [k for k, node in g.nodes.items()
            if node.op == "normalise" and g.layer_of.get(k) == layer]
    return {g.nodes[h].inputs[0]: at for h, at in zip(hats, order)}


def _tail(net, tensors, l):
    """The network from layer ``l`` on, its parameters renumbered from 1."""
    sub = replace(net, shape=net.shapes[l - 2] if l > 1 else net.shape,
                  layers=net.layers[l - 1:], shapes=net.shapes[l - 1:])
    params = {}
    for name, arr in tensors.items():
        n, _, rest = name.partition(".")
        if int(n) >= l:
            params[f"{int(n) - l + 1}.{rest}"] = arr
    return sub, params


def reference_answers(net, d, variant: dict) -> dict:
    """{(kind, target latex): value} of a tensor exam's variant."""
    g = d.graph
    vals = variant["values"]
    tensors = {k: np.asarray(v, dtype=float) for k, v in vals["tensors"].items()}
    X = np.asarray(vals["inputs"], dtype=float)
    T = np.asarray(vals["targets"], dtype=float)
    loss, grads = ref.backward(net, tensors, X, T)
    y, caches = ref.forward(net, tensors, X)
    y = y.reshape(y.shape[0], -1)
    if net.loss == "softmax_ce":
        y = _softmax(y)
    outs = [k for k, node in g.nodes.items() if node.kind == "output"]
    out = {("forward", g.latex[k]): v for k, v in zip(outs, y.reshape(-1))}
    out["forward", g.latex[g.loss]] = loss
    lr = variant["learning_rate"]
    for k, v in from_tensors(g, grads).items():
        out["gradient", g.latex[k]] = v
        if lr:
            out["update", g.latex[k]] = vals["params"][g.latex[k]] - lr * v
    asked = {a["target"] for a in variant["answers"] if a["kind"] == "gradient"}
    for l, layer in enumerate(net.layers, 1):
        if layer.kind != "batchnorm":
            continue
        x = caches[l - 1][0]
        sub, params = _tail(net, tensors, l)
        for k, (n, idx) in bn_entries(g, l, x.shape[1:], x.shape[0]).items():
            if g.latex[k] not in asked:
                continue
            moved = []
            for h in (H, -H):
                xm = x.copy()
                xm[(n, *idx)] += h
                moved.append(ref.loss(sub, params, xm, T))
            out["gradient", g.latex[k]] = (moved[0] - moved[1]) / (2 * H)
    return out


# ---------------------------------------------------------------- one use of a parameter

# a node's canonical key (``layers/base.key``): prefix, layer, the sample of a batch,
# the 1-based index in the layer's output
_KEY = re.compile(r"([a-z]+)(\d+)_(?:n(\d+)_)?(\d+(?:_\d+)*)")
EPS = 1e-5  # batch and layer norm's ε (PyTorch's default)


def _slope(name, z):
    return ref._act_slope(name, z)


class UseReference:
    """∂L/∂c and ∂c/∂θ for a use c of a parameter θ, from the NumPy reference's arrays
    at a variant's values (``None`` where no rule below covers c)."""

    def __init__(self, net, g, variant: dict):
        vals = variant["values"]
        self.net, self.g = net, g
        self.p = {k: np.asarray(v, dtype=float) for k, v in vals["tensors"].items()}
        X = np.asarray(vals["inputs"], dtype=float)
        self.taps: dict = {}
        _, self.grads = ref.backward(net, self.p, X, np.asarray(vals["targets"], dtype=float),
                                     self.taps)
        _, self.caches = ref.forward(net, self.p, X)
        self.key = {g.latex[k]: k for k in g.nodes}
        self.entry = {keys[idx]: (name, idx) for name, keys in g.tensors.items()
                      for idx in np.ndindex(*keys.shape)}

    def gradient(self, theta: str) -> float:
        name, idx = self.entry[self.key[theta]]
        return float(self.grads[name][idx])

    def where(self, c_latex: str):
        """(prefix, layer, sample, 0-based index) of node ``c``, or None."""
        m = _KEY.fullmatch(self.key[c_latex])
        if m is None:
            return None
        return m[1], int(m[2]), int(m[3] or 1) - 1, tuple(int(i) - 1 for i in m[4].split("_"))

    def use(self, c_latex: str, theta_latex: str):
        """(∂L/∂c, ∂c/∂θ), or None."""
        if self.where(c_latex) is None:
            return None
        prefix, l, n, idx = self.where(c_latex)
        layer = self.net.layers[l - 1]
        up = getattr(self, f"_up_{layer.kind}", None)
        name, at = self.entry[self.key[theta_latex]]
        local = getattr(self, f"_local_{layer.kind}", None)
        if up is None or local is None or not name.startswith(f"{l}."):
            return None
        return up(layer, l, prefix, n, idx), local(layer, l, name.partition(".")[2], at, n, idx)

    def _out(self, l):
        """dL/d(output of layer l), (N, *shape)."""
        return self.taps[l + 1]

    # ∂L/∂c, by the kind of c's layer

    def _up_dense(self, layer, l, prefix, n, idx):
        z = self.caches[l - 1][1]
        return float((self._out(l) * _slope(layer.activation, z))[(n, *idx)])

    _up_conv1d = _up_conv2d = _up_dense

    def bptt(self, l: int, n: int):
        """(∂L/∂h, δ) of rnn layer ``l`` for sample ``n``, (T, H) each, back through time:
        ∂L/∂h_t = the output's share + δ_{t+1} W_hh, δ_t = ∂L/∂h_t ⊙ (1 − h_t²)."""
        layer = self.net.layers[l - 1]
        hs, V = self.caches[l - 1][1][n], self.p[f"{l}.weight_hh"]
        share = np.zeros_like(hs)
        if layer.output == "last":
            share[-1] = self._out(l)[n]
        else:
            share = self._out(l)[n].reshape(hs.shape)
        dh, delta, back = np.zeros_like(hs), np.zeros_like(hs), np.zeros(hs.shape[1])
        for t in range(hs.shape[0] - 1, -1, -1):
            dh[t] = share[t] + back
            delta[t] = dh[t] * (1 - hs[t] ** 2)
            back = V.T @ delta[t]
        return dh, delta

    def _up_rnn(self, layer, l, prefix, n, idx):
        return float(self.bptt(l, n)[1][idx])

    def _up_embedding(self, layer, l, prefix, n, idx):
        return float(self._out(l)[(n, *idx)])

    def _up_attention(self, layer, l, prefix, n, idx):
        """O = A V, A = softmax(Q Kᵀ/√d) by rows: back to Q, K, V."""
        if prefix not in "qkv":
            return None
        x = self.caches[l - 1][0][n]
        Q, K, V = (x @ self.p[f"{l}.W_{w}"] for w in "qkv")
        root = np.sqrt(Q.shape[1])
        S = Q @ K.T / root
        A = np.exp(S - S.max(axis=1, keepdims=True))
        A /= A.sum(axis=1, keepdims=True)
        dO = self._out(l)[n]
        dA = dO @ V.T
        dS = A * (dA - (A * dA).sum(axis=1, keepdims=True))
        d = {"q": dS @ K / root, "k": dS.T @ Q / root, "v": A.T @ dO}[prefix]
        return float(d[idx])

    def _up_batchnorm(self, layer, l, prefix, n, idx):
        z = self.caches[l - 1][1]  # y = γ x̂ + β, before the activation
        return float((self._out(l) * _slope(layer.activation, z))[(n, *idx)])

    def _up_layernorm(self, layer, l, prefix, n, idx):
        return float(self._out(l)[(n, *idx)])

    # ∂c/∂θ: the entry θ met at c

    def _local_dense(self, layer, l, name, at, n, idx):
        """w_{j,i} at z_j: the input a_i."""
        if at[0] != idx[0]:
            return 0.0
        return 1.0 if name == "bias" else float(self.caches[l - 1][0][n][at[1]])

    def _local_conv1d(self, layer, l, name, at, n, idx):
        """K_{f,c,u,v} at z_{f,i,j}: the padded input's x_{c, s·i+u, s·j+v}."""
        if at[0] != idx[0]:
            return 0.0
        if name == "bias":
            return 1.0
        x = np.pad(self.caches[l - 1][0][n], [(0, 0)] + [(q, q) for q in layer.padding])
        c, off = at[1], at[2:]
        return float(x[(c, *(s * i + u for s, i, u in zip(layer.stride, idx[1:], off)))])

    _local_conv2d = _local_conv1d

    def _local_rnn(self, layer, l, name, at, n, idx):
        """At z_{t,j}: W_ih[j, k] meets x_{t,k}, W_hh[j, k] meets h_{t-1,k} (h_0 = 0)."""
        (t, j), (row, k) = idx, (at + (0,))[:2]
        if row != j:
            return 0.0
        if name.startswith("bias"):
            return 1.0
        if name == "weight_ih":
            return float(self.caches[l - 1][0][n][t, k])
        return float(self.caches[l - 1][1][n][t - 1, k]) if t > 0 else 0.0

    def _local_embedding(self, layer, l, name, at, n, idx):
        """E[r, d] at e_{t,d}: 1 where token t is r."""
        return float(self.caches[l - 1][0][n][idx[0]] == at[0] and at[1] == idx[1])

    def _local_attention(self, layer, l, name, at, n, idx):
        """W[i, j] at q_{t,j} (k, v alike): x_{t,i}."""
        return float(self.caches[l - 1][0][n][idx[0], at[0]]) if at[1] == idx[1] else 0.0

    def _local_batchnorm(self, layer, l, name, at, n, idx):
        """γ_c at y = γ_c x̂ + β_c: x̂ over the channel's entries in the batch."""
        if at[0] != idx[0]:
            return 0.0
        if name == "bias":
            return 1.0
        x = self.caches[l - 1][0]
        axes = (0,) + tuple(range(2, x.ndim))
        shape = (1, -1) + (1,) * (x.ndim - 2)
        mu = x.mean(axis=axes).reshape(shape)
        var = ((x - mu) ** 2).mean(axis=axes).reshape(shape)
        return float(((x - mu) / np.sqrt(var + EPS))[(n, *idx)])

    def _local_layernorm(self, layer, l, name, at, n, idx):
        """γ_j at y_j = γ_j â_j + β_j: â over the sample's entries."""
        if at != idx:
            return 0.0
        if name == "bias":
            return 1.0
        a = self.caches[l - 1][0][n]
        return float(((a - a.mean()) / np.sqrt(a.var() + EPS))[idx])


def _off(got: float, want: float, rel: float) -> bool:
    return abs(got - want) > rel * max(1.0, abs(want))


def term_problems(net, d, variant: dict, view: dict, at: dict, rel: float) -> list[dict]:
    """Problems of the terms a variant's answers show: a chain answer's ∂L/∂c factor
    (the product of its factors but the last), its ∂c/∂θ (the last), its value, and an
    rnn term's table back through time; each use of a gradient's breakdown, and their sum
    against the reference's gradient."""
    oracle = UseReference(net, d.graph, variant)
    out = []

    def check(what, part, got, want):
        if _off(got, want, rel):
            out.append(dict(what, problem="reference", target=f"{what['target']}, {part}",
                            value=got, reference=want))

    for a in view["answers"]:
        what = dict(at, kind=a["kind"], target=a["target"])
        if a["kind"] == "chain" and a.get("term"):
            use = oracle.use(a["term"], a["target"])
            if use is None:
                continue
            up = float(np.prod([f["value"] for f in a["factors"][:-1]]))
            c = a["term"]
            check(what, f"the term at {c}: dL/d{c}", up, use[0])
            check(what, f"the term at {c}: d{c}/d{a['target']}", a["factors"][-1]["value"],
                  use[1])
            check(what, f"the term at {c}", a["value"], use[0] * use[1])
            if a.get("bptt"):  # the table back through time: ∂L/∂h_s and δ_s per step
                _, l, n, _ = oracle.where(c)
                dh, delta = oracle.bptt(l, n)
                for row in a["bptt"]:
                    s = row["step"] - 1
                    for j, (h, z) in enumerate(zip(row["h"], row["delta"])):
                        check(what, f"back through time at step {s + 1}: {h['name']}",
                              h["value"], float(dh[s, j]))
                        check(what, f"back through time at step {s + 1}: {z['name']}",
                              z["value"], float(delta[s, j]))
        elif a["kind"] == "gradient" and a.get("uses"):
            for u in a["uses"]:
                use = oracle.use(u["node"], a["target"])
                if use is not None:
                    check(what, f"its use at {u['node']}: dL/d{u['node']}",
                          u["upstream_value"], use[0])
                    check(what, f"its use at {u['node']}: d{u['node']}/d{a['target']}",
                          u["local_value"], use[1])
            check(what, "the sum of its uses", sum(u["value"] for u in a["uses"]),
                  oracle.gradient(a["target"]))
    return out
