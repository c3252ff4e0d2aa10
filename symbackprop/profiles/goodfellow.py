"""Goodfellow, Bengio and Courville, Deep Learning, section 6.5, Algorithms 6.3 and 6.4:
h^{(0)} = x, a^{(k)} = b^{(k)} + W^{(k)} h^{(k-1)}, h^{(k)} = f(a^{(k)}); backward,
g ← ∇_{ŷ} J, then per layer g ← ∇_{a^{(k)}} J = g ⊙ f'(a^{(k)}),
∇_{b^{(k)}} J = g, ∇_{W^{(k)}} J = g h^{(k-1)T}, g ← ∇_{h^{(k-1)}} J = W^{(k)T} g."""

from .base import Profile

PROFILE = Profile(
    name="goodfellow", title="Goodfellow, Bengio and Courville, Deep Learning",
    source="deeplearningbook.org, chapter 6, Algorithm 6.4", layout="columns",
    mean="none", batch="m",
    names={
        "X": "x", "Y": "y", "W": "W^{(@l)}", "b": "b^{(@l)}", "Z": "a^{(@l)}",
        "A": "h^{(@l)}", "Yhat": r"\hat{y}", "cost": "J", "dZ": r"\nabla_{a^{(@l)}} J",
        "dW": r"\nabla_{W^{(@l)}} J", "db": r"\nabla_{b^{(@l)}} J", "dA": r"\nabla_{h^{(@l)}} J",
        "act": "f", "odot": r"\odot",
        "w": "W^{(@l)}_{@j,@k}", "bs": "b^{(@l)}_@j", "z": "a^{(@l)}_@j", "a": "h^{(@l)}_@j",
        "x": "x_@j", "y": "y_@j", "delta": r"g_@j",
    },
    signature=(r"\nabla_{a^{(", r"\nabla_{W^{(", "h^{(k-1)", "a^{(k)}", r"\odot f'"),
)
