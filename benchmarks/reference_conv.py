"""The NumPy reference's convolution, as `verify` and `lesson` use it for finite
differences: the former loop (one NumPy call per filter, channel and kernel offset) as
the baseline, against today's (one call per channel and offset, every filter at once),
in one run, on an 8-layer conv net of 4 filters of 3 × 3 over 1 × 8 × 8 (1,192
parameters): the time of `reference_layers.numeric_grad` (two forward passes per
parameter), and that both give the same loss to the last bit.

Writes benchmarks/reference_conv.json.

    python benchmarks/reference_conv.py      # about a minute on 2 cores
"""

from __future__ import annotations

import itertools
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

SPEC = 'name = "deepcnn"\ninputs = [1, 8, 8]\nloss = "mse"\n' + (
    '[[layers]]\nkind = "conv2d"\nfilters = 4\nkernel = 3\npadding = 1\n'
    'activation = "relu"\nbias = "per_unit"\n') * 8 + (
    '[[layers]]\nkind = "avgpool"\nsize = 8\n[[layers]]\nkind = "flatten"\n'
    '[[layers]]\nunits = 1\n')


def former_conv_forward(layer, p, l, x):
    """The baseline: the loop the reference had before (per filter, channel, offset)."""
    from symbackprop.reference_layers import _pad, _slices

    w = p[f"{l}.weight"]
    F, C = w.shape[:2]
    kernel, stride, pad = layer.kernel, layer.stride, layer.padding
    out = tuple((n + 2 * q - k) // s + 1
                for n, k, s, q in zip(x.shape[2:], kernel, stride, pad))
    xp = _pad(x, pad)
    z = np.zeros((x.shape[0], F) + out)
    for f in range(F):
        for c in range(C):
            for off in itertools.product(*[range(k) for k in kernel]):
                z[:, f] += w[(f, c) + off] * xp[(slice(None), c) + _slices(off, stride, out)]
        if f"{l}.bias" in p:
            z[:, f] += p[f"{l}.bias"][f]
    return z


def main() -> None:
    from symbackprop import reference_layers as ref
    from symbackprop.graph import build_graph
    from symbackprop.spec import loads

    net = loads(SPEC, "deepcnn")
    g = build_graph(net)
    rng = np.random.default_rng(0)
    params = {k: rng.normal(0, 0.5, size=np.shape(v)) for k, v in g.tensors.items()}
    X = rng.normal(size=(1,) + net.shape)
    T = rng.normal(size=(1, 1))
    rows = {}
    today = ref._conv_forward
    for name, conv in (("former loop (baseline)", former_conv_forward), ("today", today)):
        ref._conv_forward = conv
        loss = ref.loss(net, params, X, T)
        t = time.perf_counter()
        ref.numeric_grad(net, params, X, T)
        rows[name] = {"numeric_grad_s": round(time.perf_counter() - t, 2), "loss": loss}
    ref._conv_forward = today
    same = len({r["loss"] for r in rows.values()}) == 1
    out = {"machine": f"{platform.machine()}, Python {platform.python_version()}",
           "network": "8 × conv2d(4 filters, 3 × 3, padding 1) over 1 × 8 × 8, avgpool, dense",
           "parameters": sum(int(np.prod(np.shape(v))) for v in g.tensors.values()),
           "rows": rows, "same_loss_bits": same}
    (HERE / "reference_conv.json").write_text(json.dumps(out, indent=1) + "\n")
    for name, r in rows.items():
        print(f"| {name} | {r['numeric_grad_s']} s |")
    print("same loss to the last bit:", same)


if __name__ == "__main__":
    main()
