"""What users write is kept, read in every unambiguous spelling, and refused with one-line
errors (issue 11 points 2, 3, 5, 6; issue 12's spec and values readers).

Oracles: the NumPy reference (``reference.py``) at the user's own values, hand-written
name tables and hand arithmetic; errors through ``cli.main`` (exit code 2, one line)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from symbackprop import reference
from symbackprop.cli import main
from symbackprop.derive import derive
from symbackprop.graph import build_graph
from symbackprop.numeric import Values, evaluate, forward
from symbackprop.spec import MAX_LAYERS, MAX_NAME, MAX_UNITS, load, loads
from symbackprop.verify import positions

# 2 inputs, 2 sigmoid units with a bias each, 1 sigmoid output with its bias, MSE.
NET = """\
name = "small"
inputs = 2
loss = "mse"
[[layers]]
units = 2
activation = "sigmoid"
bias = "per_unit"
[[layers]]
units = 1
activation = "sigmoid"
bias = "per_unit"
"""


def write(tmp_path, text, name="net.toml", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(capsys, *argv) -> str:
    """Run the CLI; it must fail with exit code 2, one line on stderr, nothing on stdout."""
    code, out, err = run(capsys, *argv)
    assert code == 2, (code, out, err)
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("symbackprop: error: ")
    return err


def reference_grads(net, values: Values, d) -> dict[str, float]:
    """The NumPy reference's gradients at ``values``, by the graph's parameter keys."""
    pos = positions(d)
    params = reference.from_flat(net, {p: values.params[k] for p, k in pos.items()})
    _, grads = reference.backward(net, params, values.inputs, values.targets)
    return {pos[p]: v for p, v in reference.flatten(net, grads).items()}


# ------------------------------------------------------------------ the user's example


def test_a_partial_example_is_kept_and_the_rest_seeded(tmp_path):
    text = NET + """
[example]
inputs = [0.3, -0.7]
targets = [0.2]
params = { "w_1^{[1]}" = 0.9, "b_1^{[2]}" = -0.4, "w_{3}^{[1]}" = 1.5 }
"""
    net = loads(text)
    g = build_graph(net)
    ex = g.example
    assert ex.inputs.tolist() == [[0.3, -0.7]] and ex.targets.tolist() == [[0.2]]
    # the given parameters, under any spelling: b_1^{[2]} is the output's only bias b^{[2]}
    by_latex = {g.latex[k]: v for k, v in ex.params.items()}
    assert by_latex["w_1^{[1]}"] == 0.9 and by_latex["b^{[2]}"] == -0.4
    assert by_latex["w_3^{[1]}"] == 1.5
    seeded = {g.latex[k] for k in g.seeded}
    assert seeded == {"w_2^{[1]}", "w_4^{[1]}", "b_1^{[1]}", "b_2^{[1]}", "w_1^{[2]}",
                      "w_2^{[2]}"}
    assert all(ex.params[k] != 0 for k in g.seeded)
    # the page's gradients at the user's values are the NumPy reference's there
    d = derive(g)
    _, grads = evaluate(d, ex)
    ref = reference_grads(net, ex, d)
    for k in g.params:
        assert grads[k] == pytest.approx(ref[k], rel=1e-12, abs=1e-15)


def test_the_page_says_which_parameters_were_seeded(tmp_path, capsys):
    spec = write(tmp_path, NET + '[example]\ninputs = [0.3, -0.7]\ntargets = [0.2]\n'
                                 'params = { "w_1^{[1]}" = 0.9 }\n')
    code, _, _ = run(capsys, "lesson", spec, "-o", tmp_path / "out")
    assert code == 0
    md = (tmp_path / "out" / "small.md").read_text()
    tex = (tmp_path / "out" / "small.tex").read_text()
    assert "$x_1 = 0.3$, $x_2 = -0.7$" in md  # the user's inputs, not seeded ones
    sentence = "does not give $w_2^{[1]}$, $w_3^{[1]}$, $w_4^{[1]}$, $b_1^{[1]}$"
    assert sentence in md and sentence in tex
    assert "w_1^{[1]}$, $w_2" not in md.split("does not give")[1].split("\n")[0]
    # a full example says nothing of seeds; a spec without one says all are seeded
    code, _, _ = run(capsys, "lesson", "easynet", "-o", tmp_path / "e", "--format", "md")
    assert "seeded round numbers" not in (tmp_path / "e" / "easynet.md").read_text()
    code, _, _ = run(capsys, "lesson", "softmax", "-o", tmp_path / "e", "--format", "md")
    assert "The spec gives no values for the worked example" in (
        tmp_path / "e" / "softmax.md").read_text()


@pytest.mark.parametrize("sizes", [(2, 3, 1), (8, 8, 8, 3), (16, 16, 1), (5, 1)])
def test_seeded_examples_have_no_zero_inputs_or_weights(sizes):
    layers = "".join(f'[[layers]]\nunits = {n}\nactivation = "tanh"\nbias = "per_unit"\n'
                     for n in sizes[1:])
    g = build_graph(loads(f"inputs = {sizes[0]}\n{layers}"))
    assert np.all(g.example.inputs != 0)
    assert all(v != 0 for v in g.example.params.values())
    # hence no weight's gradient is trivially 0 through a zero input of the first layer
    _, grads = evaluate(derive(g), g.example)
    first = [k for k in g.params if k.startswith("w1_")]
    assert all(grads[k] != 0 for k in first)


@pytest.mark.parametrize("name, expected", [
    ("w_7^{[1]}", "did you mean w_4^{[1]}?"),  # same kind, same layer, nearest number
    ("b_3^{[1]}", "did you mean b_2^{[1]}?"),  # a bias, not w_3^{[1]}
    ("w_3^{[2]}", "did you mean w_2^{[2]}?"),
    ("v_1^{[1]}", "unknown parameter 'v_1^{[1]}'"),
])
def test_an_unknown_example_name_is_a_one_line_error(tmp_path, capsys, name, expected):
    spec = write(tmp_path, NET + f'[example]\ninputs = [1, 2]\ntargets = [0.5]\n'
                                 f'params = {{ "{name}" = 0.1 }}\n')
    err = one_line_error(capsys, "lesson", spec, "-o", tmp_path / "out")
    assert f"{spec}:15: [example] params: " in err and expected in err
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_an_example_name_given_twice_is_an_error(tmp_path, capsys):
    spec = write(tmp_path, NET + '[example]\ninputs = [1, 2]\ntargets = [0.5]\n'
                                 'params = { "w_1^{[1]}" = 0.1, "w_{1}^{[1]}" = 0.2 }\n')
    err = one_line_error(capsys, "verify", spec)
    assert "'w_1^{[1]}' and 'w_{1}^{[1]}' both name w_1^{[1]}" in err


# ------------------------------------------------------------------------------- names


def test_global_scope_numbers_every_bias_with_one_counter():
    """Shared, per unit, shared: b_1 | b_2, b_3 | b_4 (was refused: 'b_1' twice)."""
    net = loads('inputs = 2\n[notation]\nscope = "global"\n'
                '[[layers]]\nunits = 2\nbias = "shared"\n'
                '[[layers]]\nunits = 2\nbias = "per_unit"\n'
                '[[layers]]\nunits = 1\nbias = "shared"\n')
    g = build_graph(net)
    biases = [g.latex[k] for k in g.params if k.startswith("b")]
    assert biases == ["b_1", "b_2", "b_3", "b_4"]
    weights = [g.latex[k] for k in g.params if k.startswith("w")]
    assert weights == ["w_1", "w_2", "w_3", "w_4", "w_5", "w_6", "w_7", "w_8", "w_9", "w_{10}"]


def deep_values(g, spelled: dict) -> dict:
    """VALUES.json for ``g`` with every parameter 0.1 except those ``spelled`` rename."""
    params = {g.latex[k]: 0.1 for k in g.params}
    for printed, written in spelled.items():
        params[written] = params.pop(printed)
    return params


@pytest.mark.parametrize("printed, written", [
    ("b^{[3]}", "b_1^{[3]}"),  # the one-unit output layer's bias, with its index
    ("w^{[1]}", "w_1^{[1]}"),  # a one-input one-unit layer's weight
    ("w_{10}^{[2]}", "w_10^{[2]}"),  # a two-digit subscript without braces
    ("w_{10}^{[2]}", "w^{[2]}_{10}"),  # superscript first
    ("w_{10}^{[2]}", "w10^{[2]}"),  # the letter glued to its digits
])
def test_values_accept_every_unambiguous_spelling(tmp_path, capsys, printed, written):
    text = ('inputs = 1\n[[layers]]\nunits = 1\nactivation = "tanh"\n'
            '[[layers]]\nunits = 12\nactivation = "tanh"\n[[layers]]\nunits = 1\nbias = "shared"\n')
    spec = write(tmp_path, text)
    g = build_graph(load(spec))
    assert printed in g.latex.values()
    params = deep_values(g, {printed: written})
    params[written] = 0.7
    at = write(tmp_path, json.dumps({"inputs": [0.5], "targets": [0.2], "params": params}),
               "v.json")
    code, out, _ = run(capsys, "grad", spec, "--at", at, "--json")
    assert code == 0
    got = json.loads(out)["gradients"]
    # the reference at the same values, the renamed parameter at 0.7
    key = next(k for k in g.params if g.latex[k] == printed)
    values = Values([[0.5]], [[0.2]], {k: 0.7 if k == key else 0.1 for k in g.params})
    d = derive(g)
    ref = reference_grads(load(spec), values, d)
    for k in g.params:
        assert got[g.latex[k]] == pytest.approx(ref[k], rel=1e-12)


def test_a_graph_input_may_be_written_glued_or_with_underscore(tmp_path, capsys):
    spec = write(tmp_path, 'kind = "graph"\ninputs = ["x_0", "w0"]\noutput = "f"\n'
                           '[nodes]\nf = "w0 * x_0 * x_0"\n')
    at = write(tmp_path, json.dumps({"inputs": {"x0": 3, "w_0": -2}}), "v.json")
    code, out, _ = run(capsys, "grad", spec, "--at", at, "--json", "--lr", "0.5")
    assert code == 0
    got = json.loads(out)
    # f = w x²: df/dx = 2 w x = -12, df/dw = x² = 9; the keys are the spec's own names
    assert got["gradients"] == {"x_0": -12.0, "w0": 9.0}
    assert got["updated"] == {"x_0": 3 + 6.0, "w0": -2 - 4.5}


def test_an_exact_name_wins_and_an_ambiguous_spelling_is_refused(tmp_path, capsys):
    spec = write(tmp_path, 'kind = "graph"\ninputs = ["x1", "x_1"]\noutput = "f"\n'
                           '[nodes]\nf = "x1 * x_1 * x_1"\n')
    at = write(tmp_path, json.dumps({"inputs": {"x1": 2, "x_1": 3}}), "v.json")
    code, out, _ = run(capsys, "grad", spec, "--at", at, "--json")
    assert code == 0  # f = a b²: df/da = b² = 9, df/db = 2 a b = 12
    assert json.loads(out)["gradients"] == {"x1": 9.0, "x_1": 12.0}
    at.write_text(json.dumps({"inputs": {"x_{1}": 2, "x1": 3}}))
    err = one_line_error(capsys, "grad", spec, "--at", at)
    assert "'x_{1}' could mean any of x1, x_1" in err


def test_errors_list_at_most_a_dozen_names(tmp_path, capsys):
    at = write(tmp_path, json.dumps({"inputs": [0.1] * 8, "targets": [0.0],
                                     "params": {"w_1^{[1]}": 1}}), "v.json")
    spec = write(tmp_path, "inputs = 8\n[[layers]]\nunits = 8\n[[layers]]\nunits = 1\n")
    err = one_line_error(capsys, "grad", spec, "--at", at)
    # 72 parameters, one given: 71 missing, 12 listed
    assert "params: missing w_2^{[1]}, w_3^{[1]}," in err and ", and 59 more" in err
    assert err.count("^{[") <= 2 * 12 + 1


# --------------------------------------------------------------------------- per example


PER_EXAMPLE = open(Path(__file__).parents[1] / "symbackprop/presets/easynet.toml").read() \
    .replace('scope = "per_layer"', 'scope = "per_layer"\nmean = "per_example"')


def test_per_example_gradients_are_n_times_per_batch_terms():
    batch, single = build_graph(load("easynet")), build_graph(loads(PER_EXAMPLE, "easynet"))
    rng = np.random.default_rng(5)
    values = Values(rng.normal(size=(4, 3)), rng.normal(size=(4, 1)),
                    {k: float(rng.normal()) for k in batch.params})
    db, ds = derive(batch), derive(single)
    eb, es = forward(db, values), forward(ds, values)
    net = load("easynet")
    for k in batch.params:
        per_batch = np.broadcast_to(db.gradients[k].eval(eb, {}), (4,))
        per_example = np.broadcast_to(ds.gradients[k].eval(es, {}), (4,))
        assert per_example == pytest.approx(4 * per_batch, rel=1e-12)
        # each sample's per-example gradient is the reference's gradient of that sample alone
        for n in range(4):
            one = Values(values.inputs[n:n + 1], values.targets[n:n + 1], values.params)
            assert per_example[n] == pytest.approx(reference_grads(net, one, db)[k], rel=1e-12)
    # the batch gradient is the mean over samples either way: the reference's
    ref = reference_grads(net, values, db)
    for d in (db, ds):
        _, grads = evaluate(d, values)
        assert grads == pytest.approx(ref, rel=1e-12)


def test_per_example_grad_and_checker_and_page(tmp_path, capsys):
    from symbackprop.check import check_equation

    spec = write(tmp_path, PER_EXAMPLE, "easynet.toml")
    at = write(tmp_path, json.dumps({"inputs": [[1, 2, 3], [0.5, -1, 2]], "targets": [[1], [0]],
                                     "params": {f"w_{i}^{{[1]}}": 0.1 * i for i in range(1, 7)}
                                     | {"w_1^{[2]}": 0.3, "w_2^{[2]}": -0.2}}), "v.json")
    _, per_example, _ = run(capsys, "grad", spec, "--at", at, "--json")
    _, per_batch, _ = run(capsys, "grad", "easynet", "--at", at, "--json")
    assert json.loads(per_example)["gradients"] == pytest.approx(
        json.loads(per_batch)["gradients"], rel=1e-12)
    net = loads(PER_EXAMPLE, "easynet")
    claim = r"\frac{dL}{dy_{pred}} = -2(y_{true} - y_{pred})"
    assert check_equation(net, claim).verdict == "correct"
    assert check_equation("easynet", claim).verdict == "wrong"  # 1/N missing there
    code, _, _ = run(capsys, "lesson", spec, "-o", tmp_path / "out")
    assert code == 0
    for ext in ("md", "tex"):
        page = (tmp_path / "out" / f"easynet.{ext}").read_text()
        assert "one example's loss, without $1/N$ (the per-example convention)" in page


# ----------------------------------------------------------- one-line errors (issue 12)


BAD_SPECS = {
    "a 4,301-digit integer": ("inputs = " + "9" * 4301 + "\n[[layers]]\nunits = 1\n",
                              "a number too large to read"),
    "nested arrays": ("inputs = " + "[" * 100_000 + "]" * 100_000 + "\n",
                      "nested too deep"),
    "10^400 in an example": (NET + "[example]\ninputs = [1e400, 1]\ntargets = [0]\n",
                             "[example] inputs: inf is not a finite number"),
    "10^400 as an integer": (NET + "[example]\ninputs = [1" + "0" * 400 + ", 1]\n"
                             "targets = [0]\n", "is not a finite number"),
    "learning_rate 1e400": (NET + "[example]\ninputs = [1, 1]\ntargets = [0]\n"
                            "learning_rate = 1e400\n", "learning_rate: inf is not a finite"),
    "nan in an example": (NET + "[example]\ninputs = [nan, 1]\ntargets = [0]\n",
                          "nan is not a finite number"),
    "inf in params": (NET + '[example]\ninputs = [1, 1]\ntargets = [0]\n'
                      'params = { "w_1^{[1]}" = -inf }\n', "is not a finite number"),
    "unknown params key": (NET + '[example]\ninputs = [1, 1]\ntargets = [0]\n'
                           'params = { "q" = 1 }\n', "unknown parameter 'q'"),
    "softmax_ce on a residual output": (
        'inputs = 3\nloss = "softmax_ce"\n[[layers]]\nunits = 3\nresidual = true\n',
        "without residual = true"),
    "graph output a table": ('kind = "graph"\ninputs = ["x"]\noutput = {a = 1}\n'
                             '[nodes]\nf = "x * x"\n', "output must be the name of one node"),
    "graph output a list": ('kind = "graph"\ninputs = ["x"]\noutput = ["f"]\n'
                            '[nodes]\nf = "x * x"\n', "output must be the name of one node"),
    "log(0)": ('kind = "graph"\ninputs = ["x"]\noutput = "f"\n[nodes]\nf = "log(0) * x"\n',
               "net.toml:5: f = 'log(0) * x' has no finite real value: it contains log(0)"),
    "sqrt(-1)": ('kind = "graph"\ninputs = ["x"]\noutput = "f"\n[nodes]\nf = "sqrt(-1) * x"\n',
                 "the square root of a negative number"),
    "^^ in a name": ('inputs = ["x^^5cinput"]\n[[layers]]\nunits = 1\n', "but not ^^"),
    "a long name": (f'inputs = ["{"x" * 100_000}"]\n[[layers]]\nunits = 1\n',
                    f"a name of 100000 characters; the limit is {MAX_NAME}"),
    "a long graph name": (f'kind = "graph"\ninputs = ["{"x" * 100_000}"]\noutput = "f"\n'
                          f'[nodes]\nf = "x * 2"\n', "input name of 100000 characters"),
    "too many names": ("inputs = [" + ", ".join(f'"x_{{{i}}}"' for i in range(4097))
                       + "]\n[[layers]]\nunits = 1\n", "names 4097 values"),
    "too wide": (f"inputs = 2\n[[layers]]\nunits = {MAX_UNITS + 1}\n[[layers]]\nunits = 1\n",
                 f"units = {MAX_UNITS + 1} must be between 1 and {MAX_UNITS}"),
    "too deep": ("inputs = 1\n" + "[[layers]]\nunits = 1\n" * (MAX_LAYERS + 1),
                 f"the limit is {MAX_LAYERS}"),
    "too many parameters": ("inputs = 60\n" + "[[layers]]\nunits = 60\n" * 3,
                            "weights and biases; the limit is"),
    "a name with a folder": ('name = "../../escaped"\ninputs = 1\n[[layers]]\nunits = 1\n',
                             "must be a plain file name stem"),
    "an absolute name": ('name = "/tmp/x"\ninputs = 1\n[[layers]]\nunits = 1\n',
                         "must be a plain file name stem"),
    "a graph's name with a folder": ('kind = "graph"\nname = "../x"\ninputs = ["x"]\n'
                                     'output = "f"\n[nodes]\nf = "x * x"\n',
                                     "must be a plain file name stem"),
    "a long unknown field": ("x" * 500 + " = 1\n", "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (500 "
                             "characters) in top level"),
    "a hidden name": ('name = ".x"\ninputs = 1\n[[layers]]\nunits = 1\n',
                      "must be a plain file name stem"),
    "a name with a separator": ('name = "a\\\\b"\ninputs = 1\n[[layers]]\nunits = 1\n',
                                "must be a plain file name stem"),
}


@pytest.mark.parametrize("case", list(BAD_SPECS))
def test_bad_specs_are_one_line_errors(tmp_path, capsys, case):
    text, needle = BAD_SPECS[case]
    spec = write(tmp_path, text)
    err = one_line_error(capsys, "lesson", spec, "-o", tmp_path / "out")
    assert needle in err
    assert not (tmp_path / "out").exists()


def test_a_spec_with_a_byte_order_mark_is_read(tmp_path, capsys):
    spec = write(tmp_path, "\ufeff" + NET)
    code, out, _ = run(capsys, "verify", spec, "--points", "1")
    assert code == 0 and "all gradients verified" in out


BAD_VALUES = {
    "a 4,301-digit integer": ('{"inputs": [' + "9" * 4301 + ', 1], "targets": [0], "params": {}}',
                              "a number too large to read"),
    "nested arrays": ('{"inputs": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deep"),
    "1e400": ('{"inputs": [1e400, 1], "targets": [0], "params": {}}',
              "inputs row 1: inf is not a finite number"),
    "NaN": ('{"inputs": [NaN, 1], "targets": [0], "params": {}}', "nan is not a finite number"),
    "Infinity in params": ('{"inputs": [1, 1], "targets": [0], "params": {"w_1^{[1]}": '
                           '-Infinity}}', "is not a finite number"),
    "10^400 as an integer": ('{"inputs": [1' + "0" * 400 + ', 1], "targets": [0], '
                             '"params": {}}', "is not a finite number"),
}


@pytest.mark.parametrize("case", list(BAD_VALUES))
def test_bad_values_are_one_line_errors(tmp_path, capsys, case):
    text, needle = BAD_VALUES[case]
    spec = write(tmp_path, NET)
    at = write(tmp_path, text, "v.json")
    assert needle in one_line_error(capsys, "grad", spec, "--at", at, "--json")


def test_json_never_holds_nan_or_infinity(tmp_path, capsys):
    at = write(tmp_path, json.dumps({"inputs": {"x": -2, "y": 5, "z": -4}}), "v.json")
    err = one_line_error(capsys, "grad", "circuit", "--at", at, "--json", "--lr", "nan")
    assert "--lr nan: the learning rate must be a finite number" in err
    # a result that overflows: exp(1000)
    spec = write(tmp_path, 'kind = "graph"\ninputs = ["x"]\noutput = "f"\n[nodes]\nf = "exp(x)"\n')
    big = write(tmp_path, json.dumps({"inputs": {"x": 1000}}), "big.json")
    err = one_line_error(capsys, "grad", spec, "--at", big, "--json")
    assert "not a finite number" in err


def test_a_chain_of_32_sigmoid_layers_verifies(tmp_path, capsys):
    """It ended in a RecursionError in sympy.diff of the whole flattened loss (issue 12)."""
    layers = '[[layers]]\nunits = 1\nactivation = "sigmoid"\n' * (MAX_LAYERS - 1)
    spec = write(tmp_path, f"inputs = 1\n{layers}[[layers]]\nunits = 1\n")
    code, out, _ = run(capsys, "verify", spec, "--points", "1")
    assert code == 0 and "all gradients verified" in out


def test_a_graph_of_200_chained_nodes_verifies(tmp_path, capsys):
    """It ended in a RecursionError (issue 12)."""
    body = "".join(f'n{i} = "n{i - 1} * x + 1"\n' for i in range(1, 200))
    spec = write(tmp_path, f'kind = "graph"\ninputs = ["x"]\noutput = "n199"\n[nodes]\n'
                           f'n0 = "x * x"\n{body}')
    code, out, _ = run(capsys, "verify", spec, "--points", "1")
    assert code == 0 and "all gradients verified" in out


# ------------------------------------------------------------ templates and --help


@pytest.mark.parametrize("body, line, needle", [
    ("Hello\n{{ title }}\n{{ no_such_thing.x }}\n", 3, "'no_such_thing' is undefined"),
    ("Hello\n{% if %}\n", 2, "Expected an expression"),
    ("a\n\n\n{{ 1 / 0 }}\n", 4, "ZeroDivisionError"),
    ("{{ 'a' + 1 }}\n", 1, "TypeError"),
])
def test_a_broken_user_template_is_reported_at_its_own_line(tmp_path, capsys, body, line,
                                                            needle):
    folder = tmp_path / "tpl" / "markdown"
    folder.mkdir(parents=True)
    (folder / "lesson.md.j2").write_text(body)
    err = one_line_error(capsys, "lesson", "easynet", "-o", tmp_path / "out", "--format", "md",
                         "--templates", tmp_path / "tpl")
    assert f"{folder / 'lesson.md.j2'}:{line}: template error: " in err and needle in err


def test_help_describes_the_program(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "Backpropagation derived step by step" in out and "examples:" in out
    assert "the only module that reads argv" not in out


def test_a_deeply_branching_graph_is_derived_without_recursion(tmp_path, capsys):
    """n_i = n_{i-1} + n_{i-2}: every node has two consumers, so each gradient is a sum
    citing the next one, 400 deep (derive and the size guards recursed once per node and
    ended in a RecursionError). The derivation is checked against sympy.diff of the
    output, written here by hand as the same recurrence."""
    import sympy as sp

    from symbackprop.sizes import cited_order, expanded_size

    n = 400
    body = "".join(f'n{i} = "n{i - 1} + n{i - 2}"\n' for i in range(2, n))
    text = (f'kind = "graph"\ninputs = ["x"]\noutput = "n{n - 1}"\n[nodes]\n'
            f'n0 = "x * x"\nn1 = "n0 * x"\n{body}')
    g = build_graph(loads(text))
    d = derive(g)
    # n_i = F(i) x^3 + F(i-1) x^2 with Fibonacci F (F(-1) = 1, F(0) = 0): by hand
    fib = [1, 0]  # fib[k] = F(k - 1)
    for _ in range(n):
        fib.append(fib[-1] + fib[-2])
    x = sp.Symbol("x", real=True)
    output = fib[n] * x ** 3 + fib[n - 1] * x ** 2  # n_{n-1}
    _, grads = evaluate(d, Values(np.zeros((1, 0)), None, {"x": 0.5}))
    exact = float(sp.diff(output, x).subs(x, sp.Rational(1, 2)))
    assert grads["x"] == pytest.approx(exact, rel=1e-9)
    # the sums a step cites come deepest first, from an explicit stack
    step = max(d.steps, key=lambda s: len(cited_order(d, s.expr)))
    order = cited_order(d, step.expr)
    assert len(order) > 300
    seen = set()
    for wrt in order:
        cites = {s.name.split("__d", 1)[1] for s in d.deltas[wrt].expr.free_symbols
                 if s.name not in g.nodes}
        assert cites <= seen
        seen.add(wrt)
    assert expanded_size(d, step) > 0
    # and the whole check (its structure proof walked the cited sums recursively too)
    code, out, _ = run(capsys, "verify", write(tmp_path, text), "--points", "1")
    assert code == 0 and "all gradients verified" in out
