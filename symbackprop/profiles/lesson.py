"""The lesson's own notation (the default pages: ``h_j``, ``z_j^{[l]}``, ``w_k^{[l]}``)."""

from .base import Profile

PROFILE = Profile(
    name="lesson", title="the lesson", source="the course lesson (docs/LESSON.md)",
    layout="units", mean="seed", batch="N",
    names={
        "X": "X", "Y": "Y", "W": "W^{[@l]}", "b": "b^{[@l]}", "Z": "z^{[@l]}",
        "A": "h^{[@l]}", "Yhat": "y_{pred}", "cost": "L", "dZ": r"\delta^{[@l]}",
        "dW": r"\frac{\partial L}{\partial W^{[@l]}}",
        "db": r"\frac{\partial L}{\partial b^{[@l]}}",
        "dA": r"\frac{\partial L}{\partial h^{[@l]}}", "act": r"\sigma", "odot": r"\odot",
        "w": "w_{@j@k}^{[@l]}", "bs": "b_@j^{[@l]}", "z": "z_@j^{[@l]}", "a": "h_@j^{[@l]}",
        "x": "x_@j", "y": "y_{true,@j}", "delta": r"\delta_@j^{[@l]}",
    },
    signature=("y_{pred}", "y_{true}"),
)
