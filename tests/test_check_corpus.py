"""The checker against an independent oracle: every claim below is also written here as
a SymPy expression built by hand, and its truth is decided by sympy.diff of a loss this
test builds from the lesson's formulas, never by the checker.

- WRONG: one wrong claim per common mistake, with the diagnosis it must get; the oracle
  confirms the claim is wrong and that the mistake explains it (relation == 0).
- REWRITES: equivalent forms of correct claims (expanded, factored, reordered, signs
  moved, intermediates substituted, ASCII): all must be accepted.
Zero false accepts, zero false rejects.
"""

import random

import pytest
import sympy as sp

from symbackprop import spec
from symbackprop.check import check_equation

# ---------------------------------------------------------------------------- oracles


def sig(z):
    return 1 / (1 + sp.exp(-z))


class Oracle:
    """Intermediates as symbols with their definitions; derivatives by sympy.diff."""

    def __init__(self, defs: dict, loss, leaves):
        self.defs = defs  # symbol -> definition, in topological order
        self.loss = loss
        self.leaves = leaves

    def flat(self, e):
        for s in reversed(list(self.defs)):
            e = e.subs(s, self.defs[s])
        return e

    def d(self, of, wrt):
        """d(of)/d(wrt): intermediates downstream of wrt substituted, wrt kept free."""
        e = of
        names = list(self.defs)
        cut = names.index(wrt) if wrt in self.defs else -1
        for s in reversed(names[cut + 1:]):
            e = e.subs(s, self.defs[s])
        return self.flat(sp.diff(e, wrt))

    def equal(self, a, b) -> bool:
        """a == b at random points of the leaves (floats: a relative 1e-9 is plenty
        for claims that are wrong by a term or a factor)."""
        f = sp.lambdify(self.leaves, self.flat(a) - self.flat(b), "math")
        g = sp.lambdify(self.leaves, self.flat(a), "math")
        rng = random.Random(7)
        for _ in range(4):
            vals = []
            for s in self.leaves:
                v = rng.choice([-1, 1]) * rng.uniform(0.2, 1.5)
                if s.name == "N":
                    v = rng.randint(1, 5)
                elif s.name.startswith("s") and self.positive_targets:
                    v = rng.uniform(0.05, 0.45)
                vals.append(v)
            if abs(f(*vals)) > 1e-9 * (1 + abs(g(*vals))):
                return False
        return True

    positive_targets = False


# the easy network, as the lesson writes it (weights numbered input by input)
x1, x2, x3, t, N = sp.symbols("x1 x2 x3 t N")
w = sp.symbols("w1:7")
v1, v2 = sp.symbols("v1 v2")
H1, H2, Y = sp.symbols("H1 H2 Y")
EASY = Oracle({H1: x1 * w[0] + x2 * w[2] + x3 * w[4], H2: x1 * w[1] + x2 * w[3] + x3 * w[5],
               Y: H1 * v1 + H2 * v2}, (t - Y) ** 2 / N, [x1, x2, x3, t, N, *w, v1, v2])
dy = EASY.d(EASY.loss, Y)  # dL/dy_pred = -2 (t - y)/N

# the 2-2-2 sigmoid network (Mazur): weights numbered unit by unit through the network
i1, i2, t1, t2 = sp.symbols("i1 i2 t1 t2")
m = sp.symbols("m1:9")
b1, b2 = sp.symbols("b1 b2")
Z1, Z2, Hs1, Hs2, Z3, Z4, O1, O2 = sp.symbols("Z1 Z2 Hs1 Hs2 Z3 Z4 O1 O2")
MAZUR = Oracle({Z1: m[0] * i1 + m[1] * i2 + b1, Z2: m[2] * i1 + m[3] * i2 + b1,
                Hs1: sig(Z1), Hs2: sig(Z2),
                Z3: m[4] * Hs1 + m[5] * Hs2 + b2, Z4: m[6] * Hs1 + m[7] * Hs2 + b2,
                O1: sig(Z3), O2: sig(Z4)},
               (t1 - O1) ** 2 / 2 + (t2 - O2) ** 2 / 2, [i1, i2, t1, t2, *m, b1, b2])

# the deep chain: five sigmoid layers and a linear output
d1, u = sp.symbols("d1 u")
dw = sp.symbols("dw1:7")
Dh = sp.symbols("Dh1:6")
DY = sp.Symbol("DY")
_deep = {}
prev = d1
for k in range(5):
    _deep[Dh[k]] = sig(dw[k] * prev)
    prev = Dh[k]
_deep[DY] = dw[5] * Dh[4]
DEEP = Oracle(_deep, (u - DY) ** 2 / N, [d1, u, N, *dw])

# a tanh network with biases (a TOML spec of this test)
TANH_SPEC = """
inputs = 2
[[layers]]
units = 2
activation = "tanh"
bias = "per_unit"
[[layers]]
units = 1
"""
a1, a2, ta = sp.symbols("a1 a2 ta")
q = sp.symbols("q1:5")
c1, c2 = sp.symbols("c1 c2")
r1, r2 = sp.symbols("r1 r2")
TZ1, TZ2, TH1, TH2, TY = sp.symbols("TZ1 TZ2 TH1 TH2 TY")
TANH = Oracle({TZ1: a1 * q[0] + a2 * q[2] + c1, TZ2: a1 * q[1] + a2 * q[3] + c2,
               TH1: sp.tanh(TZ1), TH2: sp.tanh(TZ2), TY: TH1 * r1 + TH2 * r2},
              (ta - TY) ** 2 / N, [a1, a2, ta, *q, c1, c2, r1, r2, N])

# the softmax classifier preset: 2 inputs, 3 tanh units (biases), 3 classes; the
# targets are a distribution, so y_true,3 = 1 - y_true,1 - y_true,2
s1, s2, s3 = sp.symbols("s1 s2 s3")
SZ = sp.symbols("SZ1:4")
SP = sp.symbols("SP1:4")
_e = [sp.exp(z) for z in SZ]
SOFT = Oracle({SP[k]: _e[k] / sum(_e) for k in range(3)},
              -(s1 * sp.log(SP[0]) + s2 * sp.log(SP[1]) + (1 - s1 - s2) * sp.log(SP[2])) / N,
              [*SZ, s1, s2, N])
SOFT.positive_targets = True

NETS = {"easynet": lambda: "easynet", "sigmoid222": lambda: "sigmoid222",
        "deep": lambda: "deep", "softmax": lambda: "softmax",
        "tanh": lambda: spec.loads(TANH_SPEC, name="tanh")}
_SPECS = {}


def net(name):
    if name not in _SPECS:
        _SPECS[name] = NETS[name]()
    return _SPECS[name]


# ---------------------------------------------------------------------------- wrong claims
# (net, claim text, oracle, claimed (built here), truth (built here), diagnosis, relation):
# relation(claimed, truth) == 0 is the mistake the diagnosis names.

sig1 = MAZUR.defs[O1]
WRONG = [
    ("easynet", r"\frac{dL}{dy_{pred}} = \frac{2}{N}(y_{true} - y_{pred})",
     EASY, 2 * (t - Y) / N, dy, "sign", lambda c, tr: c + tr),
    ("easynet", r"\frac{dL}{dw_1^{[2]}} = -\frac{h_1}{N}\left(y_{true} - y_{pred}\right)",
     EASY, -H1 * (t - Y) / N, EASY.d(EASY.loss, v1), "constant_factor", lambda c, tr: 2 * c - tr),
    ("easynet", r"\frac{dL}{dw_1^{[1]}} = -2 w_1^{[2]} x_1 (y_{true} - y_{pred})",
     EASY, -2 * v1 * x1 * (t - Y), EASY.d(EASY.loss, w[0]), "constant_factor",
     lambda c, tr: c - N * tr),
    ("easynet", r"L = \sum_{n=1}^{N} \left(y_{true}^{(n)} - y_{pred}^{(n)}\right)^2",
     EASY, (t - Y) ** 2, EASY.loss, "mean_vs_sum", lambda c, tr: c - N * tr),
    ("easynet", r"\frac{dL}{dw_1^{[1]}} = -\frac{2 x_1}{N}(y_{true} - y_{pred})",
     EASY, -2 * x1 * (t - Y) / N, EASY.d(EASY.loss, w[0]), "missing_factor",
     lambda c, tr: c * v1 - tr),
    ("easynet", r"\frac{dL}{dw_3^{[1]}} = -\frac{2}{N} w_1^{[2]} w_3^{[1]} x_2 (y_{true} - y_{pred})",
     EASY, -2 * v1 * w[2] * x2 * (t - Y) / N, EASY.d(EASY.loss, w[2]), "extra_factor",
     lambda c, tr: c - tr * w[2]),
    ("easynet", r"\frac{dh_1}{dw_1^{[1]}} = x_2", EASY, x2, EASY.d(H1, w[0]), "wrong_index",
     lambda c, tr: c.subs(x2, x1) - tr),
    ("easynet", r"\frac{dL}{dw_5^{[1]}} = -\frac{2}{N} w_1^{[2]} x_2 (y_{true} - y_{pred})",
     EASY, -2 * v1 * x2 * (t - Y) / N, EASY.d(EASY.loss, w[4]), "wrong_index",
     lambda c, tr: c.subs(x2, x3) - tr),
    ("easynet", r"\frac{dL}{dw_1^{[2]}} = -\frac{2 h_2}{N}(y_{true} - y_{pred})",
     EASY, -2 * H2 * (t - Y) / N, EASY.d(EASY.loss, v1), "wrong_unit",
     lambda c, tr: c.subs(H2, H1) - tr),
    ("easynet", r"h_2 = x_1 w_1^{[1]} + x_2 w_3^{[1]} + x_3 w_5^{[1]}",
     EASY, EASY.defs[H1], H2, "wrong_unit", lambda c, tr: c - EASY.defs[H1]),
    ("easynet", r"\frac{dL}{dw_1^{[1]}} = \frac{dL}{dy_{pred}} \frac{dy_{pred}}{dh_2} \frac{dh_1}{dw_1^{[1]}}",
     EASY, dy * v2 * x1, EASY.d(EASY.loss, w[0]), "chain_break", lambda c, tr: c / v2 * v1 - tr),
    ("easynet", r"\frac{dL}{dw_1^{[1]}} = \frac{dL}{dy_{pred}} \frac{dh_1}{dw_1^{[1]}}",
     EASY, dy * x1, EASY.d(EASY.loss, w[0]), "chain_break", lambda c, tr: c * v1 - tr),
    ("easynet", r"\frac{dL}{dw_1^{[2]}} = \sum_{n=1}^{N} -2 h_1^{(n)} \left(y_{true}^{(n)} - y_{pred}^{(n)}\right)",
     EASY, -2 * H1 * (t - Y), EASY.d(EASY.loss, v1), "mean_vs_sum", lambda c, tr: c - N * tr),
    ("sigmoid222", r"\frac{\partial E}{\partial w_5} = (o_1 - t_1) h_1",
     MAZUR, (O1 - t1) * Hs1, MAZUR.d(MAZUR.loss, m[4]), "missing_factor",
     lambda c, tr: c * O1 * (1 - O1) - tr),
    ("sigmoid222", r"\frac{\partial E}{\partial w_5} = (o_1 - t_1)(1 - o_1^2) h_1",
     MAZUR, (O1 - t1) * (1 - O1 ** 2) * Hs1, MAZUR.d(MAZUR.loss, m[4]), "wrong_activation",
     lambda c, tr: c / (1 - O1 ** 2) * O1 * (1 - O1) - tr),
    # sigma where sigma' = o_1 (1 - o_1) was due: the activation itself (issue 13: not "a
    # missing factor", nor "the derivative of softplus", which is also sigma)
    ("sigmoid222", r"\frac{\partial E}{\partial w_5} = (o_1 - t_1) o_1 h_1",
     MAZUR, (O1 - t1) * O1 * Hs1, MAZUR.d(MAZUR.loss, m[4]), "wrong_activation",
     lambda c, tr: c / O1 * (O1 * (1 - O1)) - tr),
    ("sigmoid222", r"\frac{\partial E}{\partial h_1} = (o_1 - t_1) o_1 (1 - o_1) w_5",
     MAZUR, (O1 - t1) * O1 * (1 - O1) * m[4], MAZUR.d(MAZUR.loss, Hs1), "missing_path",
     lambda c, tr: c + (O2 - t2) * O2 * (1 - O2) * m[6] - tr),
    ("sigmoid222", r"\frac{\partial E}{\partial h_1} = (o_1 - t_1) o_1 (1 - o_1) w_5 + (o_2 - t_2) o_2 (1 - o_2) w_6",
     MAZUR, (O1 - t1) * O1 * (1 - O1) * m[4] + (O2 - t2) * O2 * (1 - O2) * m[5],
     MAZUR.d(MAZUR.loss, Hs1), "transposed_weight", lambda c, tr: c.subs(m[5], m[6]) - tr),
    ("sigmoid222", r"o_1 = \tanh\left(z_1^{[2]}\right)", MAZUR, sp.tanh(Z3), O1,
     "wrong_activation", lambda c, tr: c - sp.tanh(Z3)),
    ("deep", r"\frac{dL}{dw^{[5]}} = -\frac{2}{N}(y_{true} - y_{pred}) w^{[6]} h^{[5]} (1 - h^{[5]}) h^{[3]}",
     DEEP, -2 * (u - DY) / N * dw[5] * Dh[4] * (1 - Dh[4]) * Dh[2], DEEP.d(DEEP.loss, dw[4]),
     "wrong_layer", lambda c, tr: c.subs(Dh[2], Dh[3]) - tr),
    ("deep", r"\frac{dL}{dw^{[5]}} = -\frac{2}{N}(y_{true} - y_{pred}) w^{[5]} h^{[5]} (1 - h^{[5]}) h^{[4]}",
     DEEP, -2 * (u - DY) / N * dw[4] * Dh[4] * (1 - Dh[4]) * Dh[3], DEEP.d(DEEP.loss, dw[4]),
     "wrong_layer", lambda c, tr: c.subs(dw[4], dw[5]) - tr),
    ("tanh", r"\frac{dL}{dw_1^{[1]}} = -\frac{2}{N}(y_{true} - y_{pred}) w_1^{[2]} h_1 (1 - h_1) x_1",
     TANH, -2 * (ta - TY) / N * r1 * TH1 * (1 - TH1) * a1, TANH.d(TANH.loss, q[0]),
     "wrong_activation", lambda c, tr: c / (TH1 * (1 - TH1)) * (1 - TH1 ** 2) - tr),
    ("tanh", r"\frac{dL}{db_2^{[1]}} = -\frac{2}{N}(y_{true} - y_{pred}) w_2^{[2]} h_2",
     TANH, -2 * (ta - TY) / N * r2 * TH2, TANH.d(TANH.loss, c2), "wrong_activation",
     lambda c, tr: c / TH2 * (1 - TH2 ** 2) - tr),
    ("softmax", r"\frac{dL}{dz_1^{[2]}} = \frac{1}{N}\left(y_{true,1} - y_{pred,1}\right)",
     SOFT, (s1 - SP[0]) / N, SOFT.d(SOFT.loss, SZ[0]), "sign", lambda c, tr: c + tr),
    ("softmax", r"\frac{dL}{dz_2^{[2]}} = \frac{1}{N}\left(y_{pred,1} - y_{true,1}\right)",
     SOFT, (SP[0] - s1) / N, SOFT.d(SOFT.loss, SZ[1]), "wrong_unit",
     lambda c, tr: c.subs({SP[0]: SP[1], s1: s2}) - tr),
]

# ---------------------------------------------------------------------------- rewrites
# (net, claim text, oracle, claimed (built here), truth (built here))

REWRITES = [
    ("easynet", r"\frac{dL}{dw_1^{[1]}} = -\frac{2 w_1^{[2]} x_1}{N}(y_{true} - y_{pred})",
     EASY, -2 * v1 * x1 * (t - Y) / N, EASY.d(EASY.loss, w[0])),
    ("easynet", r"\frac{dL}{dw_1^{[1]}} = \frac{2}{N} x_1 w_1^{[2]} (y_{pred} - y_{true})",
     EASY, 2 * x1 * v1 * (Y - t) / N, EASY.d(EASY.loss, w[0])),
    ("easynet", r"\frac{dL}{dw_1^{[1]}} = \frac{2 w_1^{[2]} x_1 y_{pred} - 2 w_1^{[2]} x_1 y_{true}}{N}",
     EASY, (2 * v1 * x1 * Y - 2 * v1 * x1 * t) / N, EASY.d(EASY.loss, w[0])),
    ("easynet", r"\frac{dL}{dw_1^{[1]}} = -\frac{2}{N} x_1 w_1^{[2]} \left(y_{true} - h_1 w_1^{[2]} - h_2 w_2^{[2]}\right)",
     EASY, -2 * x1 * v1 * (t - H1 * v1 - H2 * v2) / N, EASY.d(EASY.loss, w[0])),
    ("easynet", r"\frac{dL}{dw_1^{[1]}} = \frac{2 x_1 w_1^{[2]}}{N}\left(w_1^{[2]}(x_1 w_1^{[1]} + x_2 w_3^{[1]} + x_3 w_5^{[1]}) + w_2^{[2]}(x_1 w_2^{[1]} + x_2 w_4^{[1]} + x_3 w_6^{[1]}) - y_{true}\right)",
     EASY, 2 * x1 * v1 / N * (v1 * EASY.defs[H1] + v2 * EASY.defs[H2] - t), EASY.d(EASY.loss, w[0])),
    ("easynet", r"\frac{dL}{dw_1^{[1]}} = \frac{dL}{dy_{pred}} \cdot w_1^{[2]} \cdot x_1",
     EASY, dy * v1 * x1, EASY.d(EASY.loss, w[0])),
    ("easynet", r"\frac{dL}{dw_1^{[1]}} = \frac{dL}{dh_1} x_1", EASY,
     EASY.d(EASY.loss, H1) * x1, EASY.d(EASY.loss, w[0])),
    ("easynet", "dL/dw1[1] = -2*w1[2]*x1/N*(y_true - y_pred)",
     EASY, -2 * v1 * x1 / N * (t - Y), EASY.d(EASY.loss, w[0])),
    ("easynet", "dL/dw4[1] = 2*(y_pred - y_true)*w2[2]*x2/N",
     EASY, 2 * (Y - t) * v2 * x2 / N, EASY.d(EASY.loss, w[3])),
    ("easynet", r"\frac{dL}{dh_2} = -\frac{2}{N} \left( y_{true} - y_{pred} \right) w^{[2]}_2",
     EASY, -2 * (t - Y) * v2 / N, EASY.d(EASY.loss, H2)),
    ("easynet", r"\frac{d}{dw_2^{[2]}}\left(h_1 w_1^{[2]} + h_2 w_2^{[2]}\right) = h_2",
     EASY, H2, EASY.d(Y, v2)),
    ("easynet", r"\frac{dy_{pred}}{dw_3^{[1]}} = w_1^{[2]} x_2", EASY, v1 * x2, EASY.d(Y, w[2])),
    ("easynet", r"\frac{dL}{dx_1} = -\frac{2}{N}(y_{true} - y_{pred})(w_1^{[2]} w_1^{[1]} + w_2^{[2]} w_2^{[1]})",
     EASY, -2 * (t - Y) / N * (v1 * w[0] + v2 * w[1]), EASY.d(EASY.loss, x1)),
    ("easynet", r"L = \frac{1}{N}\left(y_{pred} - y_{true}\right)^{2}", EASY, (Y - t) ** 2 / N, EASY.loss),
    ("easynet", r"L = \frac{1}{N}\sum_{n=1}^{N}\left(y_{true}^{(n)} - y_{pred}^{(n)}\right)^2",
     EASY, (t - Y) ** 2 / N, EASY.loss),
    ("sigmoid222", r"\frac{\partial E}{\partial w_5} = (o_1 - t_1) o_1 (1 - o_1) h_1",
     MAZUR, (O1 - t1) * O1 * (1 - O1) * Hs1, MAZUR.d(MAZUR.loss, m[4])),
    ("sigmoid222", r"\frac{\partial E}{\partial w_5} = -(t_1 - o_1)\,\sigma(z_1^{[2]})\left(1 - \sigma(z_1^{[2]})\right) h_1",
     MAZUR, -(t1 - O1) * sig(Z3) * (1 - sig(Z3)) * Hs1, MAZUR.d(MAZUR.loss, m[4])),
    ("sigmoid222", r"\frac{\partial E}{\partial w_5} = (o_1 - t_1)\,\sigma'(z_1^{[2]})\, h_1",
     MAZUR, (O1 - t1) * sig(Z3) * (1 - sig(Z3)) * Hs1, MAZUR.d(MAZUR.loss, m[4])),
    ("sigmoid222", r"\frac{\partial E}{\partial w_5} = (o_1 - t_1) \frac{e^{-z_1^{[2]}}}{\left(1 + e^{-z_1^{[2]}}\right)^2} h_1",
     MAZUR, (O1 - t1) * sp.exp(-Z3) / (1 + sp.exp(-Z3)) ** 2 * Hs1, MAZUR.d(MAZUR.loss, m[4])),
    ("sigmoid222", r"\frac{\partial E_{total}}{\partial h_1} = (o_1 - t_1) o_1 (1 - o_1) w_5 + (o_2 - t_2) o_2 (1 - o_2) w_7",
     MAZUR, (O1 - t1) * O1 * (1 - O1) * m[4] + (O2 - t2) * O2 * (1 - O2) * m[6],
     MAZUR.d(MAZUR.loss, Hs1)),
    ("sigmoid222", r"\frac{\partial E}{\partial w_1} = \frac{\partial E}{\partial h_1} h_1 (1 - h_1) i_1",
     MAZUR, MAZUR.d(MAZUR.loss, Hs1) * Hs1 * (1 - Hs1) * i1, MAZUR.d(MAZUR.loss, m[0])),
    ("sigmoid222", r"\frac{\partial E}{\partial b_2} = (o_1 - t_1) o_1 (1 - o_1) + (o_2 - t_2) o_2 (1 - o_2)",
     MAZUR, (O1 - t1) * O1 * (1 - O1) + (O2 - t2) * O2 * (1 - O2), MAZUR.d(MAZUR.loss, b2)),
    ("sigmoid222", r"E = \sum_{k=1}^{2} \frac{1}{2}\left(t_k - o_k\right)^2", MAZUR, MAZUR.loss, MAZUR.loss),
    ("sigmoid222", r"h_1 = \frac{1}{1 + e^{-(w_1 i_1 + w_2 i_2 + b_1)}}",
     MAZUR, sig(m[0] * i1 + m[1] * i2 + b1), Hs1),
    ("deep", r"\frac{dL}{dw^{[5]}} = \frac{2}{N}(y_{pred} - y_{true}) w^{[6]} h^{[5]} (1 - h^{[5]}) h^{[4]}",
     DEEP, 2 * (DY - u) / N * dw[5] * Dh[4] * (1 - Dh[4]) * Dh[3], DEEP.d(DEEP.loss, dw[4])),
    ("deep", r"\frac{dh^{[3]}}{dh^{[1]}} = w^{[2]} h^{[2]} (1 - h^{[2]}) w^{[3]} h^{[3]} (1 - h^{[3]})",
     DEEP, dw[1] * Dh[1] * (1 - Dh[1]) * dw[2] * Dh[2] * (1 - Dh[2]), DEEP.d(Dh[2], Dh[0])),
    ("tanh", r"\frac{dL}{dw_1^{[1]}} = \frac{2}{N}(y_{pred} - y_{true}) w_1^{[2]} (1 - h_1^2) x_1",
     TANH, 2 * (TY - ta) / N * r1 * (1 - TH1 ** 2) * a1, TANH.d(TANH.loss, q[0])),
    ("tanh", r"\frac{dL}{db_2^{[1]}} = \frac{2}{N}(y_{pred} - y_{true}) w_2^{[2]} \tanh'(z_2^{[1]})",
     TANH, 2 * (TY - ta) / N * r2 * (1 - sp.tanh(TZ2) ** 2), TANH.d(TANH.loss, c2)),
    ("softmax", r"\frac{dL}{dz_1^{[2]}} = \frac{1}{N}\left(y_{pred,1} - y_{true,1}\right)",
     SOFT, (SP[0] - s1) / N, SOFT.d(SOFT.loss, SZ[0])),
    ("softmax", r"\frac{dL}{dz_3^{[2]}} = \frac{y_{pred,3} - y_{true,3}}{N}",
     SOFT, (SP[2] - (1 - s1 - s2)) / N, SOFT.d(SOFT.loss, SZ[2])),
]


def _id(row):
    return row[1][:60]


@pytest.mark.parametrize("row", WRONG, ids=[_id(r) for r in WRONG])
def test_wrong_claims_are_caught_with_the_right_diagnosis(row):
    name, text, oracle, claimed, truth, diagnosis, relation = row
    # the oracle, independent of the checker: the claim is wrong, and the mistake explains it
    assert not oracle.equal(claimed, truth)
    assert oracle.equal(relation(claimed, truth), sp.Integer(0))
    r = check_equation(net(name), text)
    assert r.verdict == "wrong", r.message
    assert r.diagnosis == diagnosis, r.message
    ce = r.counterexample
    assert ce["claimed"] != pytest.approx(ce["expected"], rel=1e-6)
    assert r.expected and "=" in r.expected


@pytest.mark.parametrize("row", REWRITES, ids=[_id(r) for r in REWRITES])
def test_equivalent_rewrites_are_accepted(row):
    name, text, oracle, claimed, truth = row
    assert oracle.equal(claimed, truth)
    r = check_equation(net(name), text)
    assert r.verdict == "correct", r.message


def test_every_mistake_kind_is_in_the_corpus():
    kinds = {row[5] for row in WRONG}
    assert kinds >= {"sign", "constant_factor", "mean_vs_sum", "missing_factor", "extra_factor",
                     "wrong_index", "wrong_unit", "wrong_layer", "transposed_weight",
                     "wrong_activation", "missing_path", "chain_break"}


def test_correct_expression_is_in_the_writers_terms():
    # intermediates kept when the writer keeps them ...
    r = check_equation("easynet", r"\frac{dL}{dw_1^{[1]}} = \frac{2 w_1^{[2]} x_1}{N}(y_{true} - y_{pred})")
    assert r.expected == (r"\frac{dL}{dw_1^{[1]}} = - \frac{2 w_1^{[2]} x_1}{N} "
                          r"\left(y_{true} - y_{pred}\right)")
    # ... expanded into inputs and weights when the writer did not use them
    r = check_equation("easynet", r"\frac{dh_2}{dw_4^{[1]}} = x_1")
    assert r.expected == r"\frac{dh_2}{dw_4^{[1]}} = x_2"
    r = check_equation("easynet", "dL/dw1[2] = 2*h1*(y_true - y_pred)/N")
    assert r.expected == "dL/dw1[2] = 2*h1*(y_pred - y_true)/N"


def test_the_engines_own_gradients_as_printed_are_accepted(net):
    """Every gradient the engine derives (checked against sympy.diff by test_derive),
    printed by the lesson printer, read back by the checker: accepted, over the corpus
    of networks (every activation and loss), case splits included (issue 13)."""
    from symbackprop.derive import derive
    from symbackprop.graph import build_graph
    from symbackprop.render.views import Notation

    d = derive(build_graph(net))
    nota = Notation(d)
    for p, step in d.gradients.items():
        text = f"{nota.frac(d.loss, p)} = {nota.tex(step.expr)}"
        r = check_equation(net, text)
        assert r.verdict == "correct", (text, r.message)


def test_the_engines_gradients_with_a_slip_are_caught(net):
    """The same gradients with the sign flipped or a factor 2 too many: caught, with that
    diagnosis (the slip is made here, on the engine's expression)."""
    from symbackprop.derive import derive
    from symbackprop.graph import build_graph
    from symbackprop.render.views import Notation

    d = derive(build_graph(net))
    nota = Notation(d)
    for p, step in d.gradients.items():
        if step.expr.has(sp.Piecewise):
            continue
        for slip, code in ((-step.expr, "sign"), (2 * step.expr, "constant_factor")):
            text = rf"{nota.frac(d.loss, p)} = {nota.tex(slip)}"
            r = check_equation(net, text)
            assert (r.verdict, r.diagnosis) == ("wrong", code), (text, r.message)
