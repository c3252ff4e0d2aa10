"""Matt Mazur, "A Step by Step Backpropagation Example" (2015): scalars unit by unit,
net_{h1} = w_1 i_1 + w_2 i_2 + b_1, out_{h1} = σ(net_{h1}), E_{o1} = ½(target_{o1} −
out_{o1})², E_{total} = Σ E_o, weights numbered through the network unit by unit, and the
updated weight w_5^{+} = w_5 − η ∂E_{total}/∂w_5."""

from .base import Profile

PROFILE = Profile(
    name="mazur", title="Matt Mazur, A Step by Step Backpropagation Example",
    source="mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example",
    layout="units", mean="none", batch="n",
    names={
        "X": "i", "Y": "target", "W": "w", "b": "b", "Z": "net", "A": "out",
        "Yhat": "out", "cost": "E_{total}", "dZ": r"\delta",
        "dW": r"\frac{\partial E_{total}}{\partial w}",
        "db": r"\frac{\partial E_{total}}{\partial b}",
        "dA": r"\frac{\partial E_{total}}{\partial out}",
        "act": r"\sigma", "odot": r"\cdot",
        "w": "w_@k", "bs": "b_@l", "z": "net_{@j}", "a": "out_{@j}", "x": "i_@j",
        "y": "target_{@j}", "delta": r"\delta_{@j}",
    },
    signature=("net_{", "out_{", "target_{", "E_{total}", "E_{o"),
)


def unit(l: int, j: int, layers: int) -> str:
    """Mazur's label of unit ``j`` (1-based) of layer ``l`` (0: inputs) in a network of
    ``layers`` layers: i1, h1, o1; hidden layers beyond one are h1.1, h2.1, ... ."""
    if l == 0:
        return f"i{j}"
    if l == layers:
        return f"o{j}"
    return f"h{j}" if layers == 2 else f"h{l}.{j}"
