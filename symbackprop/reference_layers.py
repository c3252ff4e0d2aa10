"""An independent NumPy oracle for tensor networks (``layers/``): forward and backward
written by hand, layer kind by layer kind, with explicit loops over positions, and
central finite differences of the forward pass. It shares no code with the symbolic path
(it reads only the spec's fields) and keeps PyTorch's layouts:

- conv1d/conv2d ``weight`` (filters, channels, *kernel), ``bias`` (filters,), the
  cross-correlation z[f, i, j] = b[f] + Σ_{c,u,v} w[f, c, u, v] x[c, s i + u - p, s j + v - p];
- dense ``weight`` (out, in), ``bias`` (out,);
- embedding ``weight`` (num_embeddings, dim); attention ``W_q``, ``W_k``, ``W_v`` (d_in, d_k),
  tokens as rows (``reference_sequence``);
- maxpool routes the gradient to the first largest entry of each window (row-major order),
  avgpool spreads it evenly.

Parameters travel as ``{"<layer>.<name>": array}`` like a PyTorch ``state_dict``; inputs as
an array (N, *shape).
"""

from __future__ import annotations

import itertools

import numpy as np

from .reference_norms import bn_backward, bn_forward, ln_backward, ln_forward
from .reference_sequence import attention_backward, attention_forward, embedding_backward, \
    embedding_forward

LEAKY = 0.01


def _act(name, z):
    if name == "identity":
        return z
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, LEAKY * z)
    if name == "softplus":
        return np.log1p(np.exp(z))
    raise ValueError(name)


def _act_slope(name, z):
    if name == "identity":
        return np.ones_like(z)
    if name == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-z))
        return s * (1 - s)
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    if name == "relu":
        return (z > 0).astype(float)
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, LEAKY)
    if name == "softplus":
        return 1.0 / (1.0 + np.exp(-z))
    raise ValueError(name)


# ----------------------------------------------------------------------- forward, per kind


def _slices(off, stride, out):
    """The input positions s·i + u (in the padded input) for i over the output, one axis each."""
    return tuple(slice(u, u + s * (o - 1) + 1, s) for u, s, o in zip(off, stride, out))


def _pad(x, pad):
    return np.pad(x, [(0, 0), (0, 0)] + [(q, q) for q in pad])


def _conv_forward(layer, p, l, x):
    """x (N, C, *S) -> z (N, F, *S_out): a loop over channels and kernel offsets, each
    adding w[f, c, u, v] (for every filter f at once) times the input window that offset
    sees at every output position (the padded input's slice from u in steps of s).
    Elementwise products and sums only, in a fixed order, so the finite differences built
    on it are the same numbers on every machine (a BLAS product's summation order is not)."""
    w = p[f"{l}.weight"]
    F, C = w.shape[:2]
    kernel, stride, pad = layer.kernel, layer.stride, layer.padding
    out = tuple((n + 2 * q - k) // s + 1
                for n, k, s, q in zip(x.shape[2:], kernel, stride, pad))
    spread = (1, F) + (1,) * len(out)  # w[:, c, u, v] against (N, F, *out)
    xp = _pad(x, pad)
    z = np.zeros((x.shape[0], F) + out)
    for c in range(C):
        for off in itertools.product(*[range(k) for k in kernel]):
            window = xp[(slice(None), slice(c, c + 1)) + _slices(off, stride, out)]
            z += w[(slice(None), c) + off].reshape(spread) * window
    if f"{l}.bias" in p:
        z += p[f"{l}.bias"].reshape(spread)
    return z


def _conv_backward(layer, p, l, x, dz, grads):
    """dL/dw[f, c, u, v] = Σ_{n, i, j} dz[n, f, i, j] x_pad[n, c, s i + u, s j + v]; dL/dx
    gathers w[f, c, u, v] dz back onto the same positions (the padding then cut off)."""
    w = p[f"{l}.weight"]
    F, C = w.shape[:2]
    kernel, stride, pad = layer.kernel, layer.stride, layer.padding
    out = dz.shape[2:]
    spread = (1, F) + (1,) * len(out)
    positions = (0,) + tuple(range(2, 2 + len(out)))  # n and the output positions
    xp = _pad(x, pad)
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for c in range(C):
        for off in itertools.product(*[range(k) for k in kernel]):
            at = (slice(None), slice(c, c + 1)) + _slices(off, stride, out)
            dw[(slice(None), c) + off] = np.sum(dz * xp[at], axis=positions)
            dxp[at] += np.sum(w[(slice(None), c) + off].reshape(spread) * dz, axis=1,
                              keepdims=True)
    grads[f"{l}.weight"] = dw
    if f"{l}.bias" in p:
        grads[f"{l}.bias"] = dz.reshape(dz.shape[0], dz.shape[1], -1).sum(axis=(0, 2))
    inner = (slice(None), slice(None)) + tuple(slice(q, q + n) for q, n in zip(pad, x.shape[2:]))
    return dxp[inner]


def _windows(layer, shape):
    """(output index (i, j), [input (r, c) of the window in row-major order]); cells on
    the padding (p on each side) are left out."""
    (kh, kw), (sh, sw), (ph, pw) = layer.size, layer.stride, layer.padding
    H, W = shape
    for i in range((H + 2 * ph - kh) // sh + 1):
        for j in range((W + 2 * pw - kw) // sw + 1):
            yield (i, j), [(i * sh + u - ph, j * sw + v - pw) for u in range(kh)
                           for v in range(kw)
                           if 0 <= i * sh + u - ph < H and 0 <= j * sw + v - pw < W]


def _pool_forward(layer, x):
    N, C = x.shape[:2]
    out_h = (x.shape[2] + 2 * layer.padding[0] - layer.size[0]) // layer.stride[0] + 1
    out_w = (x.shape[3] + 2 * layer.padding[1] - layer.size[1]) // layer.stride[1] + 1
    m = layer.size[0] * layer.size[1]  # an average counts the padding as zeros
    y = np.zeros((N, C, out_h, out_w))
    for n in range(N):
        for c in range(C):
            for (i, j), cells in _windows(layer, x.shape[2:]):
                vals = [x[n, c, r, s] for r, s in cells]
                if layer.kind == "maxpool":
                    best = vals[0]
                    for v in vals[1:]:
                        if v > best:
                            best = v
                    y[n, c, i, j] = best
                else:
                    y[n, c, i, j] = sum(vals) / m
    return y


def _pool_backward(layer, x, dy):
    dx = np.zeros_like(x)
    m = layer.size[0] * layer.size[1]
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for (i, j), cells in _windows(layer, x.shape[2:]):
                g = dy[n, c, i, j]
                if layer.kind == "maxpool":
                    # the first strictly larger value wins: ties go to the earliest cell
                    win = 0
                    for m in range(1, len(cells)):
                        if x[(n, c) + cells[m]] > x[(n, c) + cells[win]]:
                            win = m
                    dx[(n, c) + cells[win]] += g
                else:
                    for r, s in cells:
                        dx[n, c, r, s] += g / m
    return dx


def _rnn_forward(p, l, x):
    """h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), h_0 = 0, step by step."""
    U, V = p[f"{l}.weight_ih"], p[f"{l}.weight_hh"]
    N, T, _ = x.shape
    hs = np.zeros((N, T, U.shape[0]))
    prev = np.zeros((N, U.shape[0]))
    for t in range(T):
        z = x[:, t] @ U.T + prev @ V.T
        if f"{l}.bias_ih" in p:
            z = z + p[f"{l}.bias_ih"] + p[f"{l}.bias_hh"]
        prev = hs[:, t] = np.tanh(z)
    return hs


def _rnn_backward(layer, p, l, x, hs, g, grads):
    """Backpropagation through time: walk the steps backwards, carrying dL/dh_t (its own
    share from the output plus what step t + 1 sends back through W_hh)."""
    U, V = p[f"{l}.weight_ih"], p[f"{l}.weight_hh"]
    N, T, _ = x.shape
    from_out = np.zeros_like(hs)
    if layer.output == "last":
        from_out[:, -1] = g
    else:
        from_out = g.reshape(hs.shape)
    dU, dV, db = np.zeros_like(U), np.zeros_like(V), np.zeros(U.shape[0])
    dx = np.zeros_like(x)
    carry = np.zeros((N, U.shape[0]))
    for t in range(T - 1, -1, -1):
        dz = (from_out[:, t] + carry) * (1 - hs[:, t] ** 2)
        dU += dz.T @ x[:, t]
        if t > 0:
            dV += dz.T @ hs[:, t - 1]
        db += dz.sum(axis=0)
        dx[:, t] = dz @ U
        carry = dz @ V
    grads[f"{l}.weight_ih"], grads[f"{l}.weight_hh"] = dU, dV
    if f"{l}.bias_ih" in p:
        grads[f"{l}.bias_ih"], grads[f"{l}.bias_hh"] = db, db.copy()
    return dx


def forward(net, params: dict, X):
    """The output (N, *out shape) and each layer's cache for ``backward``."""
    a = np.asarray(X, dtype=float).reshape((-1,) + tuple(net.shape))
    caches, seen = [], []  # seen: each layer's input (a residual's skip)
    for l, layer in enumerate(net.layers, 1):
        x = a
        seen.append(x)
        if layer.kind in ("conv1d", "conv2d"):
            z = _conv_forward(layer, params, l, x)
            a = _act(layer.activation, z)
        elif layer.kind == "dense":
            w = params[f"{l}.weight"]
            z = np.zeros((x.shape[0], w.shape[0]))
            for j in range(w.shape[0]):
                for i in range(w.shape[1]):
                    z[:, j] += w[j, i] * x[:, i]
                if f"{l}.bias" in params:
                    z[:, j] += params[f"{l}.bias"][j]
            a = _act(layer.activation, z)
        elif layer.kind in ("maxpool", "avgpool"):
            z = None
            a = _pool_forward(layer, x)
        elif layer.kind == "flatten":
            z = None
            a = x.reshape(x.shape[0], -1)
        elif layer.kind == "rnn":
            z = _rnn_forward(params, l, x)  # every h_t, (N, T, H)
            a = z[:, -1] if layer.output == "last" else z
        elif layer.kind == "batchnorm":
            z = bn_forward(params, l, x)
            a = _act(layer.activation, z)
        elif layer.kind == "layernorm":
            z = None
            a = ln_forward(params, l, x)
        elif layer.kind == "embedding":
            z = None
            a = embedding_forward(params, l, x)
        elif layer.kind == "attention":
            z = None
            a = attention_forward(params, l, x)
        elif layer.kind == "dropout":
            z = layer.keep(x.shape[1:]) / (1 - float(layer.p))  # the fixed mask, scaled
            a = x * z
        elif layer.kind == "residual":  # F(x) + x, x the input of layer `start`
            z = x + seen[layer.start - 1]
            a = _act(layer.activation, z)
        else:
            raise ValueError(f"no reference for {layer.kind}")
        caches.append((x, z))
    return a, caches


def loss(net, params: dict, X, T) -> float:
    y, _ = forward(net, params, X)
    return _loss(net, y.reshape(y.shape[0], -1), np.asarray(T, dtype=float))[0]


def _loss(net, y, T):
    """(batch loss, dL/dy (N, K))."""
    N = y.shape[0]
    if net.loss == "mse":
        return float(np.sum((T - y) ** 2) / N), -2 * (T - y) / N
    if net.loss == "half_sse":
        return float(np.sum(0.5 * (T - y) ** 2) / N), -(T - y) / N
    if net.loss == "bce":
        value = -np.sum(T * np.log(y) + (1 - T) * np.log(1 - y)) / N
        return float(value), -(T / y - (1 - T) / (1 - y)) / N
    # softmax_ce on the logits y
    m = y.max(axis=1, keepdims=True)
    e = np.exp(y - m)
    soft = e / e.sum(axis=1, keepdims=True)
    value = -np.sum(T * np.log(soft)) / N
    return float(value), (soft * T.sum(axis=1, keepdims=True) - T) / N


def backward(net, params: dict, X, T, taps: dict | None = None):
    """(batch loss, {"<layer>.<name>": dL/dθ}) by hand-written backpropagation.
    ``taps``, if given, receives {l: dL/d(input of layer l)} (N, *shape) for every layer,
    and {L + 1: dL/d(output)} for the last layer's output."""
    y, caches = forward(net, params, X)
    value, dy = _loss(net, y.reshape(y.shape[0], -1), np.asarray(T, dtype=float))
    g = dy.reshape(y.shape)
    if taps is not None:
        taps[len(net.layers) + 1] = g
    grads, skips = {}, {}  # skips: layer -> the gradient the identity path brings its input
    for l in range(len(net.layers), 0, -1):
        layer, (x, z) = net.layers[l - 1], caches[l - 1]
        if layer.kind in ("conv1d", "conv2d"):
            g = _conv_backward(layer, params, l, x, g * _act_slope(layer.activation, z), grads)
        elif layer.kind == "dense":
            dz = g * _act_slope(layer.activation, z)
            w = params[f"{l}.weight"]
            grads[f"{l}.weight"] = dz.T @ x
            if f"{l}.bias" in params:
                grads[f"{l}.bias"] = dz.sum(axis=0)
            g = dz @ w
        elif layer.kind in ("maxpool", "avgpool"):
            g = _pool_backward(layer, x, g)
        elif layer.kind == "flatten":
            g = g.reshape(x.shape)
        elif layer.kind == "rnn":
            g = _rnn_backward(layer, params, l, x, z, g, grads)
        elif layer.kind == "batchnorm":
            g = bn_backward(params, l, x, g * _act_slope(layer.activation, z), grads)
        elif layer.kind == "layernorm":
            g = ln_backward(params, l, x, g, grads)
        elif layer.kind == "embedding":
            g = embedding_backward(params, l, x, g, grads)
        elif layer.kind == "attention":
            g = attention_backward(params, l, x, g, grads)
        elif layer.kind == "dropout":
            g = g * z
        elif layer.kind == "residual":
            g = g * _act_slope(layer.activation, z)
            skips[layer.start] = skips.get(layer.start, 0) + g
        if l in skips:  # a block's input: the path through F plus the identity path
            g = g + skips.pop(l)
        if taps is not None:
            taps[l] = g
    return value, grads


def numeric_grad(net, params: dict, X, T, h: float = 1e-6) -> dict:
    """Central finite differences of ``loss``, entry by entry."""
    out = {}
    for name, w in params.items():
        g = np.zeros_like(w)
        for idx in np.ndindex(*w.shape):
            saved = w[idx]
            w[idx] = saved + h
            up = loss(net, params, X, T)
            w[idx] = saved - h
            down = loss(net, params, X, T)
            w[idx] = saved
            g[idx] = (up - down) / (2 * h)
        out[name] = g
    return out


def init_params(net, rng, scale: float = 0.5) -> dict:
    """Random parameters in PyTorch's layout, from the spec's shapes alone."""
    params, shape = {}, tuple(net.shape)
    for l, layer in enumerate(net.layers, 1):
        kind = layer.kind
        if kind in ("conv1d", "conv2d"):
            params[f"{l}.weight"] = rng.normal(0, scale, (layer.filters, shape[0]) + layer.kernel)
            if layer.bias == "per_unit":
                params[f"{l}.bias"] = rng.normal(0, scale, layer.filters)
            shape = (layer.filters,) + tuple(
                (n + 2 * q - k) // s + 1
                for n, k, s, q in zip(shape[1:], layer.kernel, layer.stride, layer.padding))
        elif kind == "dense":
            params[f"{l}.weight"] = rng.normal(0, scale, (layer.units, shape[0]))
            if layer.bias == "per_unit":
                params[f"{l}.bias"] = rng.normal(0, scale, layer.units)
            shape = (layer.units,)
        elif kind in ("maxpool", "avgpool"):
            shape = (shape[0],) + tuple((n + 2 * q - k) // s + 1 for n, k, s, q in
                                        zip(shape[1:], layer.size, layer.stride, layer.padding))
        elif kind == "flatten":
            shape = (int(np.prod(shape)),)
        elif kind == "layernorm":
            params[f"{l}.weight"] = 1 + rng.normal(0, scale, shape)
            params[f"{l}.bias"] = rng.normal(0, scale, shape)
        elif kind == "batchnorm":
            params[f"{l}.weight"] = 1 + rng.normal(0, scale, shape[0])
            params[f"{l}.bias"] = rng.normal(0, scale, shape[0])
        elif kind == "embedding":
            params[f"{l}.weight"] = rng.normal(0, scale, (layer.num_embeddings, layer.dim))
            shape = (shape[0], layer.dim)
        elif kind == "attention":
            for name in ("W_q", "W_k", "W_v"):
                params[f"{l}.{name}"] = rng.normal(0, scale, (shape[1], layer.dim))
            shape = (shape[0], layer.dim)
        elif kind == "rnn":
            H = layer.units
            params[f"{l}.weight_ih"] = rng.normal(0, scale, (H, shape[1]))
            params[f"{l}.weight_hh"] = rng.normal(0, scale, (H, H))
            if layer.bias == "per_unit":
                params[f"{l}.bias_ih"] = rng.normal(0, scale, H)
                params[f"{l}.bias_hh"] = rng.normal(0, scale, H)
            shape = (H,) if layer.output == "last" else (shape[0], H)
    return params
