"""Sizes the engine holds within seconds and bounded memory (README, "Limits"; measured
with benchmarks/limits.py): a spec past them, layered or with tensor layers, is refused
when it is read."""

MAX_UNITS = 64  # units in one layer
MAX_LAYERS = 64  # layers
MAX_PARAMS = 2500  # weights and biases together
MAX_NAME = 40  # characters in one name
MAX_SPEC_BYTES = 1_000_000  # a spec file
