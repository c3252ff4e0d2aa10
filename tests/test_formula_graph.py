"""Graph specs (kind = "graph"): the circuits of backprop courses, against independent
oracles: published numbers, sympy.diff of expressions the test builds itself with SymPy
constructors, and central finite differences of NumPy code the test writes by hand."""

import json

import numpy as np
import pytest
import sympy as sp

from symbackprop import ops, spec
from symbackprop.cli import main
from symbackprop.derive import derive, expanded
from symbackprop.errors import SpecError
from symbackprop.formula_spec import latex_name
from symbackprop.graph import build_graph
from symbackprop.numeric import Values, evaluate
from symbackprop.verify import check_gradients

CIRCUIT = """kind = "graph"
inputs = ["x", "y", "z"]
output = "f"
[nodes]
q = "x + y"
f = "q * z"
"""

NEURON = """kind = "graph"
inputs = ["w0", "x0", "w1", "x1", "w2"]
output = "f"
[nodes]
dot = "w0*x0 + w1*x1 + w2"
f = "1/(1 + exp(-dot))"
"""


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def grad_json(tmp_path, capsys, text, inputs):
    path, at = tmp_path / "g.toml", tmp_path / "v.json"
    path.write_text(text)
    at.write_text(json.dumps({"inputs": inputs}))
    code, out, err = run(capsys, "grad", str(path), "--at", str(at), "--json")
    assert code == 0, err
    return json.loads(out)


# --------------------------------------------------------------------- published numbers

def test_cs231n_circuit(tmp_path, capsys):
    # CS231n, "Backpropagation, Intuitions": f(x, y, z) = (x + y) z at x = -2, y = 5,
    # z = -4 gives f = -12 and df/dx = -4, df/dy = -4, df/dz = 3.
    got = grad_json(tmp_path, capsys, CIRCUIT, {"x": -2, "y": 5, "z": -4})
    assert got == {"loss": -12.0, "gradients": {"x": -4.0, "y": -4.0, "z": 3.0}}


def test_cs231n_sigmoid_neuron(tmp_path, capsys):
    # CS231n, "Backpropagation, Intuitions", the 2-d neuron f = 1/(1 + exp(-(w0 x0 + w1 x1
    # + w2))) at w = [2, -3, -3], x = [-1, -2]: dx = [0.39, -0.59], dw = [-0.2, -0.39, 0.2].
    got = grad_json(tmp_path, capsys, NEURON,
                    {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3})
    # the JSON keys are the spec's own names (issue 11: not w_0, x_0)
    published = {"x0": 0.39, "w0": -0.2, "x1": -0.59, "w1": -0.39, "w2": 0.2}
    assert {k: round(v, 2) for k, v in got["gradients"].items()} == published
    assert got["loss"] == pytest.approx(1 / (1 + np.exp(-1.0)), rel=1e-12)


def test_preset_circuit_and_lr(tmp_path, capsys):
    assert "circuit" in spec.presets()
    at = tmp_path / "v.json"
    at.write_text(json.dumps({"inputs": {"x": -2, "y": 5, "z": -4}}))
    code, out, _ = run(capsys, "grad", "circuit", "--at", str(at), "--json", "--lr", "0.5")
    assert code == 0
    assert json.loads(out)["updated"] == {"x": 0.0, "y": 7.0, "z": -5.5}


# --------------------------------------------------------------------- corpus vs sympy.diff

X, Y, W, T = sp.symbols("x y w t", real=True)


def _sig(u):
    return 1 / (1 + sp.exp(-u))


# (nodes, inputs, the output built by hand with SymPy constructors, a point)
CORPUS = {
    "exp_log": ({"u": "x*y", "f": "log(1 + exp(u)) - u^2/y"}, (X, Y),
                sp.log(1 + sp.exp(X * Y)) - (X * Y) ** 2 / Y, (0.7, -1.3)),
    "tanh_sigmoid": ({"h": "tanh(w*x)", "f": "sigmoid(h * w) + h^3"}, (X, W),
                     _sig(sp.tanh(W * X) * W) + sp.tanh(W * X) ** 3, (0.4, -0.9)),
    "relu_division": ({"r": "relu(x - y)", "f": "r / (1 + y^2) + 2*r"}, (X, Y),
                      sp.Max(0, X - Y) / (1 + Y**2) + 2 * sp.Max(0, X - Y), (1.1, 0.3)),
    "relu_off": ({"r": "relu(x - y)", "f": "r * y + x"}, (X, Y),
                 sp.Max(0, X - Y) * Y + X, (-0.5, 0.3)),
    "fan_out": ({"a": "x^2", "b": "exp(a)", "c": "a * b", "f": "c + a/b"}, (X,),
                X**2 * sp.exp(X**2) + X**2 / sp.exp(X**2), (0.6,)),
    "powers_sqrt": ({"p": "x^y", "f": "sqrt(p) * log(x) - 1/x^2"}, (X, Y),
                    sp.sqrt(X**Y) * sp.log(X) - X ** -2, (1.7, 0.8)),
    "trig_abs": ({"s": "sin(t)", "f": "abs(s) * cos(t) - s/2"}, (T,),
                 sp.Abs(sp.sin(T)) * sp.cos(T) - sp.sin(T) / 2, (2.5,)),
    "shared_input": ({"a": "w*x", "b": "w + x", "f": "a*b - w"}, (W, X),
                     W * X * (W + X) - W, (0.3, -2.0)),
}


def corpus_spec(name):
    nodes, inputs, _, _ = CORPUS[name]
    lines = ['kind = "graph"', f"inputs = {json.dumps([s.name for s in inputs])}",
             'output = "f"', "[nodes]"] + [f'{k} = "{v}"' for k, v in nodes.items()]
    return spec.loads("\n".join(lines), name=name)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_against_sympy_diff_and_finite_differences(name):
    _, inputs, f, point = CORPUS[name]
    d = derive(build_graph(corpus_spec(name)))
    assert list(d.gradients) == [s.name for s in inputs]
    at = dict(zip(inputs, point))
    derived = evaluate(d, Values(np.zeros((1, 0)), None, {s.name: v for s, v in at.items()}))
    f_np = sp.lambdify(inputs, f, "numpy")
    assert derived[0] == pytest.approx(f_np(*point), rel=1e-12)
    for i, s in enumerate(inputs):
        oracle = sp.diff(f, s)
        # the derived expression, expanded to inputs, equals sympy.diff (at 30 digits)
        # (sigmoid and relu are the project's own functions: written out as exp/Piecewise)
        mine = ops.elementary(expanded(d, d.gradients[s.name]))
        exact = {k: sp.Rational(str(v)) for k, v in at.items()}
        assert sp.N(mine.xreplace(exact) - oracle.xreplace(exact), 30) == pytest.approx(0, abs=1e-25)
        # its value matches sympy.diff and central finite differences of the hand-built f
        assert derived[1][s.name] == pytest.approx(float(oracle.xreplace(exact)), rel=1e-10)
        h = 1e-6
        lo, hi = list(point), list(point)
        lo[i] -= h
        hi[i] += h
        assert derived[1][s.name] == pytest.approx((f_np(*hi) - f_np(*lo)) / (2 * h),
                                                   rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_verifies(name):
    report = check_gradients(derive(build_graph(corpus_spec(name))), points=2)
    assert report.ok, report.failures
    assert all(r.symbolic.startswith("equal") for r in report.rows)
    assert report.checks == 2


def test_fan_out_is_one_sum_cited_afterwards():
    d = derive(build_graph(corpus_spec("fan_out")))
    # a feeds b, c and f, b feeds c and f: each upstream gradient is derived once
    assert set(d.deltas) == {"a", "b"}
    assert type(d.gradients["x"]).__name__ == "Chain"


# --------------------------------------------------------------------- spec errors

def error(text, source="g.toml"):
    with pytest.raises(SpecError) as exc:
        spec.loads(text, source=source)
    return str(exc.value)


def test_forward_reference_points_at_the_line():
    msg = error(CIRCUIT.replace('q = "x + y"\nf = "q * z"', 'f = "q * z"\nq = "x + y"'))
    assert msg.startswith("g.toml:5: f uses 'q' (column 1) which is not defined before it")
    assert "g.toml:6" in msg


def test_self_reference_is_a_cycle():
    msg = error(CIRCUIT.replace('q = "x + y"', 'q = "x + q"'))
    assert msg.startswith("g.toml:5: q uses itself (column 5)")


def test_unknown_name_with_suggestion():
    msg = error(CIRCUIT.replace('"q * z"', '"q * zz"'))
    assert msg.startswith("g.toml:6: f uses unknown name 'zz' (column 5); did you mean 'z'?")


def test_bad_formula_names_line_and_column():
    msg = error(CIRCUIT.replace('"q * z"', '"q * * z"'))
    assert msg.startswith("g.toml:6: unexpected '*' at column 5")


def test_unknown_function_with_suggestion():
    msg = error(CIRCUIT.replace('"q * z"', '"q * tahn(z)"'))
    assert msg.startswith("g.toml:6: unknown function 'tahn' at column 5; did you mean 'tanh'?")


@pytest.mark.parametrize("change,expected", [
    (('output = "f"\n', ""), "g.toml: missing field 'output'"),
    (('output = "f"', 'output = "g"'), "g.toml:3: output = 'g' is not a node"),
    (('output = "f"', 'output = "x"'), "g.toml:3: output = 'x' is an input"),
    (('q = "x + y"', 'x = "y + z"'), "g.toml:5: node 'x' has the name of an input"),
    (('q = "x + y"\nf = "q * z"', 'exp = "x + y"\nf = "exp * z"'), "g.toml:5: node 'exp' is reserved"),
    (('q = "x + y"', 'q = 3'), "g.toml:5: node 'q' must be a formula in quotes"),
    (('"q * z"', '"q * 2"'), "g.toml:2: input 'z' not used by the output 'f'"),
    (('inputs = ["x", "y", "z"]', 'inputs = ["x", "y", "z", "x"]'), "g.toml:2: inputs: names repeat"),
    (('[nodes]', 'loss = "mse"\n[nodes]'), "g.toml:4: unknown field 'loss'"),
    (("", "[example]\ninputs = {x = 1, y = 2, zz = 3}\n"),
     "g.toml:8: [example] inputs: unknown input 'zz'; did you mean 'z'?"),
    (("", "[example]\ninputs = {x = 1, y = 2}\n"), "g.toml:8: [example] inputs: missing z"),
])
def test_spec_errors(change, expected):
    old, new = change
    text = CIRCUIT + new if not old else CIRCUIT.replace(old, new)
    assert error(text).startswith(expected)


@pytest.mark.parametrize("values,expected", [
    ({"inputs": {"x": 1, "y": 2}}, "inputs: missing z (expected: x, y, z)"),
    ({"inputs": {"x": 1, "y": 2, "z": 3, "w": 4}}, "inputs: unknown input 'w'"),
    ({"inputs": {"x": 1, "y": "2", "z": 3}}, "inputs 'y': \"2\" is not a finite number"),
    ({"inputs": [1, 2, 3]}, 'expected {"inputs": {"x": ..., "y": ..., "z": ...}}'),
])
def test_values_errors(tmp_path, capsys, values, expected):
    at = tmp_path / "v.json"
    at.write_text(json.dumps(values))
    code, out, err = run(capsys, "grad", "circuit", "--at", str(at))
    assert code == 2 and not out
    assert expected in err


def test_latex_names():
    assert [latex_name(n) for n in ("x", "w0", "x_1", "x12", "y_pred", "dot", "my_var2")] == [
        "x", "w_0", "x_1", "x_{12}", "y_{pred}", r"\mathrm{dot}", r"\mathrm{my\_var2}"]


# --------------------------------------------------------------------- commands end to end

def test_verify_command(tmp_path, capsys):
    code, out, err = run(capsys, "verify", "circuit")
    assert code == 0, err
    assert "all gradients verified" in out
    path = tmp_path / "neuron.toml"
    path.write_text(NEURON)
    code, out, err = run(capsys, "verify", str(path))
    assert code == 0, err
    assert "5/5 equal to sympy.diff" in out


def test_lesson_command(tmp_path, capsys):
    code, out, err = run(capsys, "lesson", "circuit", "-o", str(tmp_path))
    assert code == 0, err
    md = (tmp_path / "circuit.md").read_text()
    for x in "xy":  # each input's derivation, chain and result
        assert rf"\frac{{df}}{{d{x}}} = \frac{{df}}{{dq}} \frac{{dq}}{{d{x}}}" in md
        assert rf"\frac{{df}}{{d{x}}} &= z \cdot 1 \\" + "\n&= z\n" in md
    assert "\\frac{df}{dz} &= q\n" in md
    assert r"At the worked example, $\frac{df}{dx} = \left(-4\right) \cdot 1 = -4$." in md
    assert r"At the worked example, $\frac{df}{dz} = 3$." in md
    svg = (tmp_path / "circuit.svg").read_text()
    # five nodes, four edges and the output's wire, each wire with its two values
    assert svg.count("<circle") == 5 and svg.count("<line") == 4 + 1
    assert svg.count('class="forward"') == svg.count('class="backward"') == 4 + 1
    assert r"\node" in (tmp_path / "circuit.tex").read_text()


def test_lesson_of_neuron_has_every_input(tmp_path, capsys):
    path = tmp_path / "neuron.toml"
    path.write_text(NEURON)
    code, _, err = run(capsys, "lesson", str(path), "-o", str(tmp_path / "out"))
    assert code == 0, err
    md = (tmp_path / "out" / "neuron.md").read_text()
    for name in ("w_0", "x_0", "w_1", "x_1", "w_2"):
        assert rf"\frac{{df}}{{d{name}}} = \frac{{df}}{{d\mathrm{{dot}}}} \frac{{d\mathrm{{dot}}}}{{d{name}}}" in md
