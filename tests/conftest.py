"""A corpus of small specs that most tests run over (tangent's pytest_generate_tests style)."""

import pytest

from symbackprop import spec

CORPUS = {
    "easynet": None,  # the preset
    "mazur": """
inputs = 2
loss = "half_sse"
[notation]
numbering = "by_unit"
scope = "global"
[[layers]]
units = 2
activation = "sigmoid"
bias = "shared"
[[layers]]
units = 2
activation = "sigmoid"
bias = "shared"
""",
    "wide_identity": """
inputs = 4
[[layers]]
units = 3
[[layers]]
units = 3
bias = "per_unit"
[[layers]]
units = 2
""",
    "tanh_residual": """
inputs = 2
[[layers]]
units = 2
activation = "tanh"
bias = "per_unit"
[[layers]]
units = 2
activation = "tanh"
residual = true
[[layers]]
units = 1
""",
    "relu_partial": """
inputs = 2
[notation]
derivative = "partial"
numbering = "by_unit"
[[layers]]
units = 3
activation = "relu"
bias = "per_unit"
[[layers]]
units = 1
""",
    "leaky_softplus": """
inputs = 2
loss = "half_sse"
[[layers]]
units = 2
activation = "leaky_relu"
bias = "shared"
[[layers]]
units = 1
activation = "softplus"
""",
    "bce": """
inputs = 2
loss = "bce"
[[layers]]
units = 2
activation = "tanh"
[[layers]]
units = 1
activation = "sigmoid"
bias = "per_unit"
""",
    "softmax": """
inputs = 2
loss = "softmax_ce"
[[layers]]
units = 2
activation = "sigmoid"
bias = "per_unit"
[[layers]]
units = 3
bias = "per_unit"
""",
    "chain4": """
inputs = 1
[[layers]]
units = 1
activation = "sigmoid"
[[layers]]
units = 1
activation = "sigmoid"
[[layers]]
units = 1
activation = "sigmoid"
[[layers]]
units = 1
""",
}


def corpus_spec(name):
    text = CORPUS[name]
    return spec.load(name) if text is None else spec.loads(text, name=name)


@pytest.fixture(params=sorted(CORPUS))
def net(request):
    return corpus_spec(request.param)
