"""Michael Nielsen, Neural Networks and Deep Learning, chapter 2: the input is layer 1
(a^1 = x), z^l = w^l a^{l-1} + b^l, w^l_{jk} joins neuron k of layer l-1 to neuron j of
layer l, δ^l_j = ∂C/∂z^l_j, and the four equations BP1-BP4, for one example x (C = C_x)."""

from .base import Profile

PROFILE = Profile(
    name="nielsen", title="Michael Nielsen, Neural Networks and Deep Learning",
    source="neuralnetworksanddeeplearning.com, chapter 2", layout="units",
    input_layer=1, mean="none", batch="n",
    names={
        "X": "x", "Y": "y", "W": "w^@l", "b": "b^@l", "Z": "z^@l", "A": "a^@l",
        "Yhat": "a^L", "cost": "C", "dZ": r"\delta^@l",
        "dW": r"\frac{\partial C}{\partial w^@l}", "db": r"\frac{\partial C}{\partial b^@l}",
        "dA": r"\nabla_{a^@l} C", "act": r"\sigma", "odot": r"\odot",
        "w": "w^@l_{@j@k}", "bs": "b^@l_@j", "z": "z^@l_@j", "a": "a^@l_@j",
        "x": "x_@j", "y": "y_@j", "delta": r"\delta^@l_@j",
    },
    signature=(r"\delta^l", "w^l_{jk}", "a^{l-1}", r"\partial C", "a^L", "C_x"),
)
