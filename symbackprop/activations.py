"""The activations: one record each, everything about it in one place.

``Activation.slope(out, z)`` is the local derivative d act(z)/dz, written the way a
teacher writes it: in terms of the unit's own output where that is shortest (sigmoid:
h(1 - h), tanh: 1 - h^2). The SymPy functions below take their derivative from their
record, so the whole engine has one definition of each slope; the oracle in ``verify.py``
differentiates the *elementary* rewrite (``Activation.elementary``) instead, so the two
are independent.

Adding an activation: a SymPy ``Function`` class whose ``fdiff`` reads its record, its
NumPy twin in ``twins.py``, a record in ``ACTIVATIONS``, and its own formulas in the
independent ``reference.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from . import twins

LEAKY_SLOPE = sp.Rational(1, 100)


class _Registered(sp.Function):
    """A function whose derivative is the slope its record states."""

    def fdiff(self, argindex=1):
        return BY_CLASS[type(self).__name__].slope(self, self.args[0])


class sigmoid(_Registered):
    """σ(z) = 1 / (1 + e^{-z})"""


class relu(_Registered):
    """relu(z) = max(0, z); relu'(0) = 0 by convention"""


class leaky_relu(_Registered):
    """leaky_relu(z) = z for z > 0, 0.01 z otherwise"""


class softplus(_Registered):
    """softplus(z) = log(1 + e^z)"""


class normal_cdf(_Registered):
    """Φ(z), the standard normal distribution function"""


class normal_pdf(_Registered):
    """φ(z) = Φ'(z) = e^{-z²/2}/√(2π), its density"""


class gelu(_Registered):
    """gelu(z) = z Φ(z), exact (not the tanh approximation)"""


class silu(_Registered):
    """silu(z) = z σ(z), the swish with β = 1"""


class elu(_Registered):
    """elu(z) = z for z > 0, e^z - 1 otherwise (α = 1)"""


def _step(z):
    """1 for z > 0, else 0: the relu slope with the convention relu'(0) = 0."""
    return sp.Heaviside(z, 0)


def _leaky_step(z):
    return sp.Piecewise((1, z > 0), (LEAKY_SLOPE, True))


def spell(*names: str) -> tuple[str, ...]:
    """The ASCII names and their LaTeX forms \\operatorname{..}, \\mathrm{..}, \\text{..}."""
    out = list(names)
    for n in names:
        out += [rf"\operatorname{{{n}}}", rf"\mathrm{{{n}}}", rf"\text{{{n}}}"]
    return tuple(out)


@dataclass(frozen=True)
class Activation:
    """One activation. LaTeX strings use ``z`` for the argument; ``vector_slope`` is
    act'(z^{[l]}) elementwise, with ``{l}`` standing for the layer."""

    name: str  # as a spec writes it
    forward: Callable  # z -> act(z), SymPy
    slope: Callable  # (out, z) -> act'(z), given out = act(z): the teacher's form
    elementary: Callable | None  # z -> act(z) in exp/log/Piecewise, for sympy.diff
    numpy: Callable | None  # NumPy twin, named like the SymPy class
    latex: str  # the function's name in formulas: \sigma, \operatorname{relu}
    definition: str | None  # act(z) = ..., stated on exam sheets (and lessons if not familiar)
    vector_slope: str  # act'(z^{[l]}) in the matrix form
    label: str  # its name in prose: "σ", "leaky relu"
    targets: tuple = ()  # exam pool: valid targets of an mse output with this activation
    exact: bool = False  # piecewise linear: hand arithmetic stays exact
    kink: bool = False  # the slope jumps at z = 0 (convention: the slope for z <= 0)
    slope_max: sp.Expr | None = None  # max over z of act'(z), where the deep page states it
    color: str | None = None  # its line in the deep page's plots
    spellings: tuple[str, ...] = ()  # how a formula or a claim may write it
    familiar: bool = True  # the course's own: lesson pages use it without defining it


def _tenths(lo: int, hi: int) -> tuple[float, ...]:
    """lo/10 ... hi/10 without 0."""
    return tuple(k / 10 for k in range(lo, hi + 1) if k)


_Z = r"\mathbf{z}^{[{l}]}"

ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (
    Activation(
        "identity", lambda z: z, lambda out, z: sp.Integer(1), None, None,
        "", None, "1", "the identity", targets=(-3, -2, -1, 1, 2, 3), exact=True),
    Activation(
        "sigmoid", sigmoid, lambda out, z: out * (1 - out),
        lambda z: 1 / (1 + sp.exp(-z)), twins.sigmoid,
        r"\sigma", r"\sigma\left(z\right) = \frac{1}{1 + e^{-z}}",
        rf"\sigma({_Z})\odot\left(1 - \sigma({_Z})\right)", "σ",
        targets=_tenths(1, 9), slope_max=sp.Rational(1, 4), color="#1f77b4",
        spellings=("sigma", r"\sigma") + spell("sigmoid")),
    Activation(
        "tanh", sp.tanh, lambda out, z: 1 - out**2, None, None,
        r"\tanh", r"\tanh{\left(z\right)} = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
        rf"1 - \tanh^2({_Z})", "tanh", targets=_tenths(-9, 9), slope_max=sp.Integer(1),
        color="#2ca02c",
        spellings=(r"\tanh",) + spell("tanh")),
    Activation(
        "relu", relu, lambda out, z: _step(z),
        lambda z: sp.Piecewise((z, z > 0), (0, True)), twins.relu,
        r"\operatorname{relu}", r"\operatorname{relu}\left(z\right) = \max\left(0, z\right)",
        rf"\mathbb{{1}}\left[{_Z} > 0\right]", "relu",
        targets=(1, 2, 3), exact=True, kink=True, slope_max=sp.Integer(1), color="#d62728",
        spellings=(r"\relu",) + spell("relu", "ReLU")),
    Activation(
        "leaky_relu", leaky_relu, lambda out, z: _leaky_step(z),
        lambda z: sp.Piecewise((z, z > 0), (LEAKY_SLOPE * z, True)), twins.leaky_relu,
        r"\operatorname{lrelu}", r"\operatorname{lrelu}\left(z\right) = z \text{ for } z > 0, "
                                 r"\; 0.01 z \text{ otherwise}",
        rf"\mathbb{{1}}\left[{_Z} > 0\right] + 0.01\,\mathbb{{1}}\left[{_Z} \le 0\right]",
        "leaky relu", targets=(-3, -2, -1, 1, 2, 3), exact=True, kink=True,
        spellings=spell("leaky_relu", "lrelu")),
    Activation(
        "softplus", softplus, lambda out, z: sigmoid(z),
        lambda z: sp.log(1 + sp.exp(z)), twins.softplus,
        r"\operatorname{softplus}",
        r"\operatorname{softplus}\left(z\right) = \log\left(1 + e^{z}\right)",
        rf"\sigma({_Z})", "softplus", targets=_tenths(1, 20),
        spellings=(r"\softplus",) + spell("softplus")),
    Activation(
        "gelu", gelu, lambda out, z: normal_cdf(z) + z * normal_pdf(z),
        lambda z: z * (1 + sp.erf(z / sp.sqrt(2))) / 2, twins.gelu,
        r"\operatorname{GELU}",
        r"\operatorname{GELU}\left(z\right) = z \, \Phi\left(z\right), \; \Phi\left(z\right) = "
        r"\frac{1}{2}\left(1 + \operatorname{erf}\frac{z}{\sqrt{2}}\right), \; "
        r"\varphi\left(z\right) = \Phi'\left(z\right) = \frac{1}{\sqrt{2\pi}} e^{-z^{2}/2}",
        rf"\Phi({_Z}) + {_Z} \odot \varphi({_Z})", "GELU", targets=_tenths(1, 20),
        spellings=spell("gelu", "GELU"), familiar=False),
    # silu' = σ(z) + z σ(z)(1 - σ(z)) = h + σ(z)(1 - h), in the unit's output h = z σ(z)
    Activation(
        "silu", silu, lambda out, z: out + sigmoid(z) * (1 - out),
        lambda z: z / (1 + sp.exp(-z)), twins.silu,
        r"\operatorname{SiLU}",
        r"\operatorname{SiLU}\left(z\right) = z \, \sigma\left(z\right) = \frac{z}{1 + e^{-z}}",
        rf"\sigma({_Z})\odot\left(1 + {_Z}\odot\left(1 - \sigma({_Z})\right)\right)", "SiLU",
        targets=_tenths(1, 20), spellings=spell("silu", "SiLU", "swish"), familiar=False),
    # with α = 1 both sides of the slope meet at z = 0 (1 and e^0): no kink convention needed
    Activation(
        "elu", elu, lambda out, z: sp.Piecewise((1, z > 0), (sp.exp(z), True)),
        lambda z: sp.Piecewise((z, z > 0), (sp.exp(z) - 1, True)), twins.elu,
        r"\operatorname{ELU}",
        r"\operatorname{ELU}\left(z\right) = z \text{ for } z > 0, \; e^{z} - 1 \text{ otherwise}",
        rf"\mathbb{{1}}\left[{_Z} > 0\right] + e^{{{_Z}}}\odot\mathbb{{1}}\left[{_Z} \le 0\right]",
        "ELU", targets=_tenths(-9, 20), spellings=spell("elu", "ELU"), familiar=False),
)}

# The deep-network study compares these, in this order (each needs slope_max and color).
DEEP_STUDY = ("sigmoid", "tanh", "relu")


@dataclass(frozen=True)
class Helper:
    """A function of our own that is not an activation: inside an activation's slope or
    definition (Φ, φ), or inside a loss (``Loss.functions``)."""

    cls: type  # the SymPy Function class
    slope: Callable  # (out, z) -> its derivative
    latex: str
    elementary: Callable
    numpy: Callable
    spellings: tuple[str, ...] = ()


HELPERS: dict[str, Helper] = {h.cls.__name__: h for h in (
    Helper(normal_cdf, lambda out, z: normal_pdf(z), r"\Phi",
           lambda z: (1 + sp.erf(z / sp.sqrt(2))) / 2, twins.normal_cdf,
           spellings=(r"\Phi", "Phi")),
    Helper(normal_pdf, lambda out, z: -z * out, r"\varphi",
           lambda z: sp.exp(-z**2 / 2) / sp.sqrt(2 * sp.pi), twins.normal_pdf,
           spellings=(r"\varphi", r"\phi", "phi")),
)}

# SymPy class name -> the record of our function of that name (activations and helpers)
BY_CLASS: dict[str, object] = {a.forward.__name__: a for a in ACTIVATIONS.values()
                               if isinstance(a.forward, type)
                               and issubclass(a.forward, _Registered)}
BY_CLASS |= {h.cls.__name__: h for h in HELPERS.values()}
