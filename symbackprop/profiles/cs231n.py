"""Stanford CS231n's notation: one sample per row, X (N × D), W_1 (D × H),
h = f(X W_1 + b_1), scores s = h W_2 + b_2; dW_2 = h^T ds, db_2 the sum over rows,
dh = ds W_2^T; with the softmax, ds = (P − Y)/N: the 1/N of the mean is in the seed."""

from .base import Profile

PROFILE = Profile(
    name="cs231n", title="Stanford CS231n (Karpathy's notes)",
    source="cs231n.github.io: neural-networks-case-study, optimization-2",
    layout="rows", weight_order="in,out", mean="seed", batch="N",
    names={
        "X": "X", "Y": "Y", "P": "P", "W": "W_@l", "b": "b_@l", "Z": "z_@l", "A": "h_@l",
        "Yhat": "s", "cost": "L", "dZ": "dz_@l", "dW": "dW_@l", "db": "db_@l",
        "dA": "dh_@l", "Z_out": "s", "A_out": "s", "dZ_out": "ds", "dA_out": "ds",
        "act": "f", "odot": r"\odot",
        "w": "W_@l[@k,@j]", "bs": "b_@l[@j]", "z": "z_@l[@j]", "a": "h_@l[@j]",
        "x": "X[@j]", "y": "Y[@j]", "delta": "dz_@l[@j]",
    },
    signature=("dW_", "ds", "dh", "W_1^T", "W_2^T", "h^T"),
    single_hidden={"A": "h", "dA": "dh", "Z": "z", "dZ": "dz"},
)
