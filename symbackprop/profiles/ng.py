"""Andrew Ng's deeplearning.ai notation: one sample per column, A^{[0]} = X (n_x × m),
Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}, A^{[l]} = g^{[l]}(Z^{[l]}), cost J the mean over m;
dZ^{[l]} holds each example's dL/dz in its column, the 1/m is written in dW and db."""

from .base import Profile

PROFILE = Profile(
    name="ng", title="Andrew Ng, deeplearning.ai (Deep Learning Specialization)",
    source="deeplearning.ai, Neural Networks and Deep Learning, weeks 3-4",
    layout="columns", mean="dW", batch="m",
    names={
        "X": "X", "Y": "Y", "W": "W^{[@l]}", "b": "b^{[@l]}", "Z": "Z^{[@l]}",
        "A": "A^{[@l]}", "Yhat": r"\hat{Y}", "cost": "J", "dZ": "dZ^{[@l]}",
        "dW": "dW^{[@l]}", "db": "db^{[@l]}", "dA": "dA^{[@l]}", "act": "g^{[@l]}",
        "odot": "*",
        "w": "w^{[@l]}_{@j@k}", "bs": "b^{[@l]}_@j", "z": "z^{[@l]}_@j", "a": "a^{[@l]}_@j",
        "x": "x_@j", "y": "y_@j", "delta": "dz^{[@l]}_@j",
    },
    signature=("dZ^{[", "dW^{[", "db^{[", "dA^{[", "A^{[", "Z^{[", "W^{["),
)
