"""The deep-network lesson: the chain grouped layer by layer, the sampled per-layer
gradients against the NumPy reference, finite differences and the chain's closed form,
the sigmoid bound, the plots' data against the page's tables, determinism, the CLI."""

import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from symbackprop import plots, reference, spec
from symbackprop import vanishing as v
from symbackprop.cli import main
from symbackprop.derive import derive
from symbackprop.graph import build_graph
from symbackprop.render.printer import number
from symbackprop.steps import grad_of

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(trials=24, batch=6, train_steps=12)

# The chain's activations and slopes, written out again here (not taken from the package).
ACT = {
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    "tanh": (np.tanh, lambda z: 1 / np.cosh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
}


def closed_form(act, residual, w, X, T):
    """|dL/dw^{[l]}| for l = 1 .. L+1 of a one-unit chain, from its closed form:
    dL/dw^{[l]} = Σ_n dL/dy_n · w^{[L+1]} · Π_{k=l+1}^{L} J_k · f'(z_l) h_{l-1},
    J_k = f'(z_k) w_k (plus 1 with a skip), for one batch. ``w``: the L+1 weights."""
    f, df = ACT[act]
    L = len(w) - 1
    h, z = [X], []
    for l in range(L):
        z.append(w[l] * h[-1])
        h.append(h[-1] + f(z[-1]) if residual else f(z[-1]))
    y = w[L] * h[L]
    dy = -2 / len(X) * (T - y)
    out = [np.sum(dy * h[L])]
    back = dy * w[L]  # dL/dh_L
    for l in reversed(range(L)):  # layer l + 1
        out.append(np.sum(back * df(z[l]) * h[l]))
        back = back * (df(z[l]) * w[l] + (1.0 if residual else 0.0))
    return np.abs(np.array(out[::-1]))


def chain(act="sigmoid", residual=False, depth=5, width=1):
    o = v.Options(depth=depth, width=width, activation=act, residual=residual)
    return derive(build_graph(v.chain_network(o)))


# --------------------------------------------------------------------------- the chain


@pytest.mark.parametrize("act", v.ACTIVATIONS)
@pytest.mark.parametrize("residual", [False, True])
def test_layer_chain_is_the_derivations_product(act, residual):
    d = chain(act, residual, depth=4)
    c = v.layer_chain(d)
    env = v.example_env(d)
    assert len(c.blocks) == 4 + 2 and len(c.hidden) == 3
    assert v.scalar(c.eval(env)) == pytest.approx(v.scalar(d.gradients[c.param].eval(env)), rel=1e-13)
    # symbolically too: the product of the blocks is the derivation's chain, tidied
    g = d.graph
    if not residual:  # (with skips the derivation cites a branching sum instead)
        # the derivation cites each unit's δ = dL/dz by name: write the citations out
        named = d.gradients[c.param].expr
        while cited := {q: d.deltas[grad_of(q)[1]].expr for q in named.free_symbols if grad_of(q)}:
            named = named.xreplace(cited)
        assert sp.simplify(c.product - named) == 0
    # the generic factor of layer 3: slope times weight, plus 1 with a skip
    b = c.blocks[3]  # dh^{[3]}/dh^{[2]} (after dL/dy, dy/dh^{[4]}, dh^{[4]}/dh^{[3]})
    assert (b.of, b.wrt) == ("h3_1", "h2_1")
    out = g.sym("a3_1" if residual else "h3_1")
    z, w = g.sym("z3_1"), g.sym("w3_1_1")
    slope = {"sigmoid": out * (1 - out), "tanh": 1 - out ** 2, "relu": sp.Heaviside(z, 0)}[act]
    assert sp.simplify(b.expr - (slope * w + (1 if residual else 0))) == 0
    assert b.skip == residual


def test_lesson_chain_at_the_worked_example():
    """x = 1, y_true = 1, every weight 0.5: the deep preset's own example and numbers."""
    net = spec.load("deep")
    d = derive(build_graph(net))
    c = v.layer_chain(d)
    env = v.example_env(d)
    w = np.full(6, 0.5)
    f, df = ACT["sigmoid"]
    h, factors = 1.0, []
    for l in range(5):
        z = w[l] * h
        factors.append(df(z))
        h = f(z)
    y = w[5] * h
    dy = -2 * (1 - y)
    grad = dy * w[5] * np.prod(factors) * np.prod(w[1:5]) * 1.0
    assert v.scalar(c.eval(env)) == pytest.approx(grad, rel=1e-12)
    bound = abs(dy) * 1.0 * (0.5 / 4) ** 5  # |dL/dy| |x| (|w|/4)^L
    assert v.chain_bound(c, env) == pytest.approx(bound, rel=1e-12)
    assert abs(grad) <= bound


def test_largest_slopes():
    z = np.linspace(-20, 20, 400001)
    assert v.slope_max("sigmoid") == sp.Rational(1, 4) == v.SLOPE_MAX["sigmoid"]
    assert np.max(ACT["sigmoid"][1](z)) == pytest.approx(0.25, abs=1e-12)
    for act in ("tanh", "relu"):
        assert v.slope_max(act) == 1 == v.SLOPE_MAX[act]
        assert np.max(ACT[act][1](z)) == pytest.approx(1.0, abs=1e-9)


# --------------------------------------------------------------------------- sampled numbers


@pytest.fixture(scope="module")
def study():
    """The gallery page's own numbers (depth 5, one unit per layer, scale 1)."""
    return v.study(v.Options())


def test_profiles_match_the_closed_form(study):
    dr = study.draws
    for (act, scale, res), p in study.profiles.items():
        W = dr.weights(scale)
        for trial in range(0, dr.trials, 37):
            w = np.array([x[trial, 0, 0] for x in W])
            want = closed_form(act, res, w, dr.X[trial, :, 0], dr.T[trial, :, 0])
            np.testing.assert_allclose(p.norms[trial], want, rtol=1e-9, atol=1e-300)


def test_profiles_match_reference_and_finite_differences():
    """Wider chains: every layer's ||dL/dW|| against reference.layer_deltas (dL/dz^T h),
    every gradient against reference.backward and numeric_grad."""
    for width in (1, 3):
        st = v.study(v.Options(depth=3, width=width), **SMALL)
        for (act, scale, res), p in st.profiles.items():
            net = st.derivations[act, res].graph.spec
            for trial in (0, 5):
                params = v.reference_params(st.draws, scale, trial)
                X, T = st.draws.X[trial], st.draws.T[trial]
                deltas = reference.layer_deltas(net, params, X, T)
                cache = reference.forward(net, params, X)
                prev = [cache.x] + cache.h[:-1]
                norms = [np.linalg.norm(dz.T @ h) for dz, h in zip(deltas.dz, prev)]
                np.testing.assert_allclose(p.norms[trial], norms, rtol=1e-9, atol=1e-300)
                order = v._reference_order(st.derivations[act, res])
                fd = reference.numeric_grad(net, params, X, T)
                fdflat = np.concatenate([w.ravel() for w in fd.W])
                mine = p.grads[trial, order]
                assert np.linalg.norm(mine - fdflat) <= 1e-5 * (np.linalg.norm(fdflat) + 1e-6)
        checks = v.check(st)
        assert checks.ok, checks
        assert checks.compared == len(st.profiles) * SMALL["trials"]


def test_sigmoid_bound_holds_on_the_sampled_numbers(study):
    dr = study.draws
    for scale in study.scales:
        p = study.at("sigmoid", scale, False)
        assert np.all(p.norms <= p.bounds * (1 + 1e-12))
        # and the one-unit bound, written out: |dL/dw^{[l]}| <= Σ|dy||h| 4^{-(L-l+1)} Π_{k>l}|w_k|
        W = dr.weights(scale)
        for trial in range(0, dr.trials, 17):
            w = np.array([x[trial, 0, 0] for x in W])
            X, T = dr.X[trial, :, 0], dr.T[trial, :, 0]
            f = ACT["sigmoid"][0]
            h = [X]
            for l in range(5):
                h.append(f(w[l] * h[-1]))
            dy = np.abs(-2 / len(X) * (T - w[5] * h[5]))
            for l in range(1, 7):
                bound = np.sum(dy * np.abs(h[l - 1])) * 0.25 ** (6 - l) * np.prod(np.abs(w[l:]))
                assert p.norms[trial, l - 1] <= bound * (1 + 1e-12)
    assert v.check(study).bound_ok


def test_residual_products_do_not_vanish(study):
    """First-layer over output-layer gradient, from the closed form over the same draws:
    the plain sigmoid chain falls below 1e-3, the residual one stays above 1e-2."""
    dr = study.draws
    W = dr.weights(1.0)
    ratios = {}
    for res in (False, True):
        norms = np.array([closed_form("sigmoid", res, np.array([x[t, 0, 0] for x in W]),
                                      dr.X[t, :, 0], dr.T[t, :, 0]) for t in range(dr.trials)])
        mean = norms.mean(axis=0)
        ratios[res] = mean[0] / mean[-1]
        assert study.at("sigmoid", 1.0, res).ratio == pytest.approx(ratios[res], rel=1e-9)
    assert ratios[False] < 1e-3 < 1e-2 < ratios[True]
    # and at every scale and activation, skips keep the first layer's gradient larger
    for act in v.ACTIVATIONS:
        for s in study.scales:
            assert study.at(act, s, True).mean[0] > study.at(act, s, False).mean[0]


def test_training_matches_the_reference_and_residual_learns(study):
    plain, res = study.training[False], study.training[True]
    assert v.check(study).training_ref < 1e-9
    assert res.losses[-1] < plain.losses[-1]
    assert plain.moved < 1e-4 < res.moved  # the plain chain's first layer barely moves
    for run in (plain, res):
        assert np.all(run.losses <= run.losses[0])  # the kept learning rate never overshoots


# --------------------------------------------------------------------------- plots and page


def test_plot_data_is_the_tables_data(study):
    from symbackprop.render.deep_view import table_view, training_view

    fig = plots.gradients_figure(plots.gradient_series(study), 5, 1.0, study.draws.trials)
    table = table_view(study)
    drawn = 0
    for panel, res in enumerate((False, True)):
        lines = fig.axes[panel].get_lines()
        assert [ln.get_label() for ln in lines] == list(v.ACTIVATIONS)
        for ln, act in zip(lines, v.ACTIVATIONS):
            y = np.asarray(ln.get_ydata(), dtype=float)
            np.testing.assert_array_equal(np.asarray(ln.get_xdata(), float), np.arange(1, 7))
            np.testing.assert_array_equal(y, study.at(act, 1.0, res).mean)
            row = [r for r in table["rows"] if (r["activation"], r["scale"], r["residual"])
                   == (act, "1", res)]
            assert row and row[0]["cells"] == [number(x, 3) for x in y]
            drawn += 1
    assert drawn == 6
    fig = plots.training_figure(plots.training_series(study), 100)
    tv = training_view(study)
    for ln, res in zip(fig.axes[0].get_lines(), (False, True)):
        run = study.training[res]
        np.testing.assert_array_equal(ln.get_ydata(), run.losses)
        assert tv["res" if res else "plain"]["end"] == number(run.losses[-1], 3)
    for ln, res in zip(fig.axes[1].get_lines(), (False, True)):
        np.testing.assert_array_equal(ln.get_ydata(), study.training[res].first[1:])


def test_plots_are_byte_identical_and_carry_no_dates():
    st = v.study(v.Options(depth=2), **SMALL)
    a, b = plots.plot_files(st, "x"), plots.plot_files(st, "x")
    assert sorted(a) == ["x_gradients.png", "x_gradients.svg", "x_training.png", "x_training.svg"]
    assert a == b
    for name, data in a.items():
        assert b"Software" not in data and b"Date" not in data and b"dc:date" not in data
        assert data.startswith(b"\x89PNG") if name.endswith(".png") else b"<svg" in data


def gallery_table(md: str) -> dict:
    rows = {}
    for line in md.splitlines():
        m = re.match(r"^\| (plain|skip connections) \| (\w+) \| ([\d.]+) \|(.*)\|$", line)
        if m:
            cells = [c.strip().strip("$") for c in m.group(4).split("|")]
            rows[m.group(1) != "plain", m.group(2), float(m.group(3))] = cells
    return rows


def test_gallery_page_numbers_are_the_verified_ones(study):
    """output/deep.md's table is the study's numbers (checked above against the
    reference, finite differences and the closed form)."""
    md = (ROOT / "output" / "deep.md").read_text(encoding="utf-8")
    rows = gallery_table(md)
    assert len(rows) == 2 * 3 * len(study.scales)
    for (res, act, scale), cells in rows.items():
        p = study.at(act, scale, res)
        assert cells == [number(x, 3) for x in p.mean] + [number(p.ratio, 3)]
    for stem in ("deep_gradients", "deep_training"):
        assert f"]({stem}.svg)" in md
        assert (ROOT / "output" / f"{stem}.svg").is_file()
        assert (ROOT / "output" / f"{stem}.png").is_file()
    tex = (ROOT / "output" / "deep.tex").read_text(encoding="utf-8")
    assert r"\deepplot{deep_gradients.png}" in tex and r"\deepplot{deep_training.png}" in tex
    checks = v.check(study)
    assert checks.ok
    # floating-point noise is printed as a bound, so the page is the same on every machine
    shown = "below 1e-12" if checks.max_ref < 1e-12 else f"{checks.max_ref:.1e}"
    assert f"largest normalized error {shown}" in md


# --------------------------------------------------------------------------- the command line


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_deep_options_end_to_end(tmp_path, capsys):
    out = tmp_path / "a"
    code, printed, _ = run(capsys, "lesson", "deep", "--depth", "2", "--activation", "tanh",
                           "--residual", "--scale", "2", "-o", str(out))
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "deep.md", "deep.svg", "deep.tex", "deep_gradients.png", "deep_gradients.svg",
        "deep_training.png", "deep_training.svg"]
    md = (out / "deep.md").read_text()
    assert md.startswith("# A deep chain: two tanh layers, with skip connections\n")
    assert "## Why deep networks are hard to train" in md and "## Residual connections" in md
    assert "![Gradient size per layer, plain and with skip connections](deep_gradients.svg)" in md
    assert r"h^{[2]} &= a^{[2]} + h^{[1]}" in md  # the page's own network has the skips
    # the table at the chosen scale is the study's
    st = v.study(v.Options(depth=2, activation="tanh", residual=True, scale=2.0))
    rows = gallery_table(md)
    assert rows[False, "relu", 2.0][:3] == [number(x, 3) for x in st.at("relu", 2.0, False).mean]
    if shutil.which("pdflatex"):
        done = subprocess.run(["pdflatex", "-halt-on-error", "-no-shell-escape", "deep.tex"],
                              cwd=out, capture_output=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:]
        log = (out / "deep.log").read_text(errors="replace")
        assert "<deep_gradients.png" in log and "<deep_training.png" in log  # the plots went in
    # the same files again, byte for byte, from a fresh interpreter with another hash seed
    again = tmp_path / "b"
    subprocess.run([sys.executable, "-m", "symbackprop", "lesson", "deep", "--depth", "2",
                    "--activation", "tanh", "--residual", "--scale", "2", "-o", str(again)],
                   check=True, capture_output=True, env=dict(os.environ, PYTHONHASHSEED="123"),
                   cwd=ROOT)
    for p in out.iterdir():
        if p.suffix in (".md", ".svg", ".tex", ".png"):
            assert (again / p.name).read_bytes() == p.read_bytes(), (p.name, str(out), str(again))


def test_default_options_keep_the_preset():
    base = spec.load("deep")
    net, o = v.deep_network(base, **v.parse_options())
    assert net is base and o == v.Options()
    net, o = v.deep_network(base, **v.parse_options(depth="5", scale="2"))
    assert net is base and o.scale == 2.0
    net, o = v.deep_network(base, **v.parse_options(width="2"))
    assert net.inputs == 2 and [layer.size for layer in net.layers] == [2] * 5 + [1]
    assert net.example is None and v.shape(net) == replace(o, scale=1.0)


@pytest.mark.parametrize("args,needle", [
    (["easynet", "--depth", "3"], "--depth only apply to the deep preset's page"),
    (["easynet", "--residual", "--scale", "2"], "--scale, --residual only apply"),
    (["deep", "--depth", "1"], "--depth 1 must be between 2 and"),
    (["deep", "--depth", "three"], "--depth 'three' is not a whole number"),
    (["deep", "--width", "99"], "--width 99 must be between 1 and"),
    (["deep", "--activation", "softplus"], "--activation 'softplus' is not one of: sigmoid, tanh, relu"),
    (["deep", "--scale", "-1"], "--scale -1 must be a number above 0"),
    (["deep", "--scale", "nan"], "--scale nan must be a number above 0"),
    (["deep", "--scale", "big"], "--scale 'big' is not a number"),
])
def test_cli_bad_deep_options_are_one_line_errors(tmp_path, capsys, args, needle):
    code, out, err = run(capsys, "lesson", *args, "-o", str(tmp_path / "out"))
    assert code == 2 and out == ""
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()
