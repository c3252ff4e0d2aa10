"""A bounded fuzz of what other people write (issue 12, point 8): spec TOML, VALUES.json and
hand derivations for ``check``. Each input is accepted or refused with the one error type
users see (SpecError, or a check Result); never another exception, never a hang.
Hypothesis runs derandomized with a small number of cases, so CI is deterministic and
takes seconds."""

from __future__ import annotations

import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbackprop import spec as specs
from symbackprop.check import check_text, truth_of
from symbackprop.errors import SpecError
from symbackprop.graph import build_graph
from symbackprop.values import parse_values

FUZZ = settings(derandomize=True, max_examples=60, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))

# -- spec TOML -------------------------------------------------------------------------

NAMES = st.text(alphabet="xyhwzb_^{}[],'01 ./\\$<>&%#\x1b\u202e", min_size=0, max_size=12)
SCALARS = st.one_of(st.integers(-5, 5), st.integers(-10**30, 10**30),
                    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), NAMES,
                    st.sampled_from(["sigmoid", "tanh", "relu", "identity", "softmax", "mse",
                                     "half_sse", "softmax_ce", "per_unit", "shared", "none",
                                     "all", "graph", "layers"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3), max_leaves=6)
KEYS = st.sampled_from(["name", "title", "inputs", "targets", "loss", "kind", "detail",
                        "learning_rate", "units", "activation", "bias", "residual", "output",
                        "formulas", "params", "x", "y", "numbering", "scope", "bogus"])


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(str(v), repr(v))
    if isinstance(v, str):
        return json.dumps(v)  # a TOML basic string is JSON's string syntax for these
    return "[" + ", ".join(toml_value(x) for x in v) + "]"


@st.composite
def spec_texts(draw):
    lines = [f"{k} = {toml_value(v)}" for k, v in draw(st.dictionaries(KEYS, VALUES,
                                                                         max_size=5)).items()]
    for table in draw(st.lists(st.sampled_from(["[[layers]]", "[example]", "[notation]",
                                                "[formulas]"]), max_size=3)):
        lines.append(table)
        lines += [f"{k} = {toml_value(v)}"
                  for k, v in draw(st.dictionaries(KEYS, VALUES, max_size=3)).items()]
    text = "\n".join(lines) + "\n"
    if draw(st.booleans()):  # a byte-level mutation: cut or duplicate a stretch
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.sampled_from(["", "[", "=", "\"", "\n[[layers]]\n", text[i:]]))
    return text


@FUZZ
@given(spec_texts())
def test_spec_toml_is_accepted_or_refused(text):
    start = time.monotonic()
    try:
        net = specs.loads(text, source="fuzz.toml")
    except SpecError as exc:
        assert "\n" not in str(exc).strip()
        return
    try:
        build_graph(net)
    except SpecError:
        pass
    assert time.monotonic() - start < 30


# -- VALUES.json -----------------------------------------------------------------------

JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                              st.floats(allow_nan=False, allow_infinity=False),
                              st.text(max_size=8)),
                    lambda inner: st.one_of(st.lists(inner, max_size=4),
                                            st.dictionaries(st.text(max_size=8), inner,
                                                            max_size=4)),
                    max_leaves=12)
PARAMS = ["w_1^{[1]}", "w_2^{[1]}", "w_1^{[2]}", "w_1", "x_1", "bogus"]


@st.composite
def values_documents(draw):
    doc = {}
    for key in draw(st.lists(st.sampled_from(["x", "y", "params", "inputs", "targets",
                                               "bogus"]), max_size=4, unique=True)):
        if key == "params" and draw(st.booleans()):
            doc[key] = draw(st.dictionaries(st.sampled_from(PARAMS), JSON, max_size=4))
        else:
            doc[key] = draw(JSON)
    return doc


GRAPH = build_graph(specs.load("easynet"))


@FUZZ
@given(values_documents())
def test_values_json_is_accepted_or_refused(doc):
    try:
        parse_values(doc, GRAPH, "fuzz.json")
    except SpecError as exc:
        assert "\n" not in str(exc).strip()


# -- check input -----------------------------------------------------------------------

TOKENS = st.sampled_from([r"\frac{dL}{dw_1^{[1]}}", r"\frac{\partial L}{\partial y_{pred}}",
                          "dL/dw1[1]", "=", "+", "-", "*", "/", "^", "(", ")", "{", "}",
                          r"\cdot", r"\sigma", "x_1", "y_{true}", "y_pred", "N", "2", "0.5",
                          r"\[", r"\]", "$$", r"\begin{align}", r"\end{align}", "&", r"\\",
                          "\n", " ", "```math", "```", "%", "#", "\x1b[2J", "\u202e",
                          r"\sum_{n=1}^{N}", r"\text{so}", r"\quad", "e^{", "\\"])


@FUZZ
@given(st.lists(TOKENS, max_size=40), st.sampled_from(["markdown", "latex", "text"]))
def test_check_input_is_judged_or_reported(tokens, kind):
    truth = truth_of("easynet")
    start = time.monotonic()
    results = check_text(truth, "".join(tokens), kind=kind, file="fuzz", budget=5)
    assert time.monotonic() - start < 5 + 10
    assert results and all(r.verdict in ("correct", "wrong", "not_checked", "error")
                           for r in results)
