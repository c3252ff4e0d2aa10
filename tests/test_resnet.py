"""The ResNet lesson (issue 15, point 3): ResNet-50's stage shapes against torchvision's
printed shapes and published parameter count, pool padding against the reference and
finite differences, the block's Jacobian against finite differences of the NumPy
reference, the twin comparison and the per-block study against the reference and the
symbolic derivation, the plots, the page and the command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from symbackprop import reference_layers as ref
from symbackprop import spec
from symbackprop.cli import main
from symbackprop.derive import derive
from symbackprop.graph import build_graph
from symbackprop.layers.network import TensorNetwork
from symbackprop.layers.tensors import from_tensors, to_tensors
from symbackprop.lesson import build_lesson
from symbackprop.numeric import Values, evaluate
from symbackprop.render.printer import number
from symbackprop.resnet import (Options, blocks, block_jacobian, plain_twin, resnet50, stack,
                                study, total_params, twin_lesson)
from symbackprop.resnet.plots import plot_files, signal_series
from symbackprop.resnet.shapes import conv
from symbackprop.resnet.skips import compare
from symbackprop.resnet.study import block_numbers
from symbackprop.verify import normalized_error

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def lesson():
    return build_lesson(spec.load("resnet"))


def example_point(lesson):
    """The worked example in the reference's terms: tensors, X (N, C, H, W), T (N, 1)."""
    g, values = lesson.graph, lesson.values
    net = g.spec
    X = values.inputs.reshape((-1,) + net.shape)
    T = values.targets.reshape(X.shape[0], -1)
    return to_tensors(g, values.params), X, T


# --------------------------------------------------------------------------- ResNet-50


def test_resnet50_stage_shapes_are_pytorchs_and_the_total_is_torchvisions():
    """The oracles: the shapes PyTorch prints for a 1 × 3 × 224 × 224 forward pass of
    torchvision's resnet50 (conv1 [1, 64, 112, 112], maxpool [1, 64, 56, 56], layer1-4
    [1, 256, 56, 56] ... [1, 2048, 7, 7], avgpool+flatten [1, 2048], fc [1, 1000]) and its
    published parameter count, 25,557,032."""
    stages = resnet50()
    assert [(s.name, s.shape) for s in stages] == [
        ("conv1", (64, 112, 112)), ("maxpool", (64, 56, 56)), ("layer1", (256, 56, 56)),
        ("layer2", (512, 28, 28)), ("layer3", (1024, 14, 14)), ("layer4", (2048, 7, 7)),
        ("avgpool", (2048,)), ("fc", (1000,))]
    assert [s.blocks for s in stages] == [0, 0, 3, 4, 6, 3, 0, 0]
    assert total_params(stages) == 25_557_032
    # by hand: the stem is 64 × 3 × 7 × 7 weights and BN's 2 × 64; fc 2048 × 1000 + 1000
    assert stages[0].params == 64 * 3 * 49 + 128
    assert stages[-1].params == 2048 * 1000 + 1000
    # layer1 by hand: block 1 = 256·64 + 64·64·9 + 64·256 + BN (64+64+256)·2 + projection
    # 64·256 + 2·256; blocks 2, 3 = 256·64 + 64·64·9 + 64·256 + BN (64+64+256)·2
    inner = 256 * 64 + 64 * 64 * 9 + 64 * 256 + 2 * (64 + 64 + 256)
    first = 64 * 64 + 64 * 64 * 9 + 64 * 256 + 2 * (64 + 64 + 256) + 64 * 256 + 2 * 256
    assert stages[2].params == first + 2 * inner


def test_the_shape_rule_of_a_stride_2_convolution():
    # ⌊(n + 2p − k)/s⌋ + 1: 224 with k = 7, p = 3, s = 2 -> ⌊223/2⌋ + 1 = 112
    assert conv(64, 7, 2, 3).out_shape((3, 224, 224)) == (64, 112, 112)
    assert conv(128, 3, 2, 1).out_shape((128, 56, 56)) == (128, 28, 28)


# --------------------------------------------------------------------------- pool padding


def pool_net(kind, size, stride, padding, inputs="[1, 5, 5]"):
    return spec.loads(f"""inputs = {inputs}
loss = "mse"
[[layers]]
kind = "conv2d"
filters = 2
kernel = 2
activation = "tanh"
bias = "per_unit"
[[layers]]
kind = "{kind}"
size = {size}
stride = {stride}
padding = {padding}
[[layers]]
kind = "flatten"
[[layers]]
units = 1
""")


@pytest.mark.parametrize("kind", ["maxpool", "avgpool"])
@pytest.mark.parametrize("n", [1, 3])
def test_pool_padding_agrees_with_reference_and_finite_differences(kind, n):
    net = pool_net(kind, 3, 2, 1)
    assert net.shapes[1] == (2, 2, 2)  # ⌊(4 + 2 − 3)/2⌋ + 1
    d = derive(build_graph(net))
    g = d.graph
    rng = np.random.default_rng(5)
    for _ in range(2):
        tensors = ref.init_params(net, rng, scale=0.7)
        at = g.sample(rng, n)
        loss, derived = evaluate(d, Values(at.inputs, at.targets, from_tensors(g, tensors)))
        X = at.inputs.reshape((-1,) + net.shape)
        ref_loss, r = ref.backward(net, tensors, X, at.targets)
        fd = ref.numeric_grad(net, tensors, X, at.targets)
        assert loss == pytest.approx(ref_loss, rel=1e-10)
        r, fd = from_tensors(g, r), from_tensors(g, fd)
        keys = list(g.params)
        a = [derived.get(k, 0.0) for k in keys]
        assert normalized_error(a, [r[k] for k in keys]) < 1e-10
        assert normalized_error(a, [fd[k] for k in keys]) < 1e-6


def test_pool_padding_by_hand():
    """x = [[1, 2], [3, 4]], 2 × 2 windows, stride 2, padding 1: each window holds one
    entry and three of padding. The max-pool keeps it (padding never wins, even over a
    negative entry); the average pool divides it by 4 (padding counts as zeros)."""
    x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    for kind, want in (("maxpool", [[1, 2], [3, 4]]), ("avgpool", [[0.25, 0.5], [0.75, 1]])):
        layer = spec.loads(f'inputs = [1, 2, 2]\n[[layers]]\nkind = "{kind}"\nsize = 2\n'
                           f'padding = 1\n[[layers]]\nkind = "flatten"\n').layers[0]
        assert layer.out_shape((1, 2, 2)) == (1, 2, 2)
        assert ref._pool_forward(layer, x)[0, 0].tolist() == want
        assert ref._pool_forward(layer, -x)[0, 0].tolist() == (-np.array(want)).tolist()
    # the symbolic nodes: a corner window of the average pool has one entry, divided by 4
    g = build_graph(spec.loads('inputs = [1, 2, 2]\n[[layers]]\nkind = "avgpool"\nsize = 2\n'
                               'padding = 1\n[[layers]]\nkind = "flatten"\n[[layers]]\n'
                               'units = 1\n'))
    node = g.nodes["p1_1_1_1"]
    assert node.inputs == ("x1_1_1",) and str(node.expr) == "x1_1_1/4"


def test_pool_padding_larger_than_half_the_window_is_refused():
    from symbackprop.errors import SpecError

    with pytest.raises(SpecError, match="padding .* at most half the window"):
        pool_net("maxpool", 2, 2, 2)


# --------------------------------------------------------------------------- the networks


def test_the_preset_is_a_stack_of_basic_blocks_and_its_twin_the_plain_stack():
    net = spec.load("resnet")
    assert net.layers == stack(2, 1, 3).layers and net.shapes == stack(2, 1, 3).shapes
    assert [(b.start, b.end) for b in blocks(net)] == [(2, 6), (7, 11)]
    twin, number_of = plain_twin(net)
    assert twin.layers == stack(2, 1, 3, residual=False).layers
    assert number_of[7] == 6 and 6 not in number_of and 11 not in number_of


def test_block_jacobian_is_identity_plus_f_by_finite_differences(lesson):
    """∂r/∂x of each block from the derivation's local derivatives, entry by entry
    against central differences of the NumPy reference run on the block alone (the
    whole batch, since batch norm couples it)."""
    net = lesson.graph.spec
    tensors, X, _ = example_point(lesson)
    _, caches = ref.forward(net, tensors, X)
    for b in blocks(net):
        J = block_jacobian(lesson, b)
        layers = list(net.layers[b.start - 1:b.end])
        layers[-1] = replace(layers[-1], start=1, activation="identity")  # r itself
        x0 = caches[b.start - 1][0]  # the block's input, (N, C, H, W)
        shapes, at = [], x0.shape[1:]
        for layer in layers:
            at = layer.out_shape(at)
            shapes.append(at)
        sub = TensorNetwork(name="block", shape=x0.shape[1:], layers=tuple(layers),
                            shapes=tuple(shapes), batch=x0.shape[0])
        p = {f"{l - b.start + 1}.{name.split('.')[1]}": v for name, v in tensors.items()
             for l in [int(name.split(".")[0])] if b.start <= l <= b.end}
        h = 1e-6
        fd = np.zeros((x0.size, x0.size))
        for j in range(x0.size):
            up, down = x0.copy().reshape(-1), x0.copy().reshape(-1)
            up[j] += h
            down[j] -= h
            r_up = ref.forward(sub, p, up.reshape(x0.shape))[0].reshape(-1)
            r_down = ref.forward(sub, p, down.reshape(x0.shape))[0].reshape(-1)
            fd[:, j] = (r_up - r_down) / (2 * h)
        assert J.matrix.shape == (18, 18)
        assert np.max(np.abs(J.matrix - fd)) < 1e-6
        # the identity is in it: ∂F/∂x = ∂r/∂x − I is F's own Jacobian (r − x, by differences)
        assert np.max(np.abs(J.f_matrix - (fd - np.eye(x0.size)))) < 1e-6
        sv = np.linalg.svd(fd, compute_uv=False)
        assert J.singular == pytest.approx(sv, abs=1e-6)


def test_twin_comparison_is_the_references(lesson):
    """The identity path's term is dL/dr (the reference's gradient at the residual
    layer's input F(x), since r = F(x) + x); with the paths through F it is dL/dx (the
    reference's gradient at the block's input); the twin's numbers are the reference's on
    the plain network at the same parameters."""
    net = lesson.graph.spec
    tensors, X, T = example_point(lesson)
    twin, number_of = twin_lesson(lesson)
    c = compare(lesson, twin, blocks(net)[0])
    taps = {}
    ref.backward(net, tensors, X, T, taps)
    assert c.entry == "h1_n1_1_1_1" and c.skip == "r6_n1_1_1_1"
    assert c.identity == pytest.approx(taps[6][0, 0, 0, 0], abs=1e-12)
    assert c.residual == pytest.approx(taps[2][0, 0, 0, 0], abs=1e-12)
    assert c.identity + c.through_f == pytest.approx(c.residual, abs=1e-12)
    assert c.norm_residual == pytest.approx(np.sqrt(np.sum(taps[2] ** 2)), rel=1e-10)
    plain, _ = plain_twin(net)
    twin_tensors = {f"{number_of[int(k.split('.')[0])]}.{k.split('.')[1]}": v
                    for k, v in tensors.items()}
    plain_taps = {}
    loss, grads = ref.backward(plain, twin_tensors, X, T, plain_taps)
    assert c.loss_plain == pytest.approx(loss, rel=1e-10)
    assert c.plain == pytest.approx(plain_taps[2][0, 0, 0, 0], abs=1e-12)
    assert c.weight_plain == pytest.approx(grads["1.weight"][0, 0, 0, 0], abs=1e-12)
    assert c.norm_plain == pytest.approx(np.sqrt(np.sum(plain_taps[2] ** 2)), abs=1e-12)
    # the ReLUs the page calls closed are the reference's: no positive input in the batch
    _, caches = ref.forward(plain, twin_tensors, X)
    shut = [(l, z.size) for l, (layer, (_, z)) in enumerate(zip(plain.layers, caches), 1)
            if getattr(layer, "activation", "") == "relu" and np.all(z <= 0)]
    assert list(c.closed) == shut and shut == [(9, 18)]


def test_study_numbers_equal_the_symbolic_derivations(lesson):
    """block_numbers (the reference) at the worked example against the derivation: the
    norm of dL/dx over each block's input and of dL/dK over the block's kernels."""
    net = lesson.graph.spec
    d, w, g = lesson.derivation, lesson.worked, lesson.graph
    tensors, X, T = example_point(lesson)
    signals, norms, _ = block_numbers(net, tensors, X, T)
    for b, signal, norm in zip(blocks(net), signals, norms):
        J = block_jacobian(lesson, b)
        mine = np.sqrt(sum(w.value(d.deltas[x]) ** 2 for x in J.inputs))
        assert signal == pytest.approx(mine, rel=1e-10)
        kernels = [k for l in (b.start, b.start + 2) for k in g.tensors[f"{l}.weight"].reshape(-1)]
        assert norm == pytest.approx(np.sqrt(sum(w.value(d.gradients[k]) ** 2 for k in kernels)),
                                     rel=1e-10)
    # and the plain stack's blocks are found without residual layers: the twin's numbers
    # at its first block's input are the twin derivation's
    plain, number_of = plain_twin(net)
    twin, _ = twin_lesson(lesson)
    plain_tensors = {f"{number_of[int(k.split('.')[0])]}.{k.split('.')[1]}": v
                     for k, v in tensors.items()}
    s, _, _ = block_numbers(plain, plain_tensors, X, T)
    xs = block_jacobian(lesson, blocks(net)[0]).inputs
    assert s[0] == pytest.approx(
        np.sqrt(sum(twin.worked.value(twin.derivation.deltas[x]) ** 2 for x in xs)), abs=1e-12)
    assert len(s) == 2


def test_study_settings_and_he_scale():
    """Small and quick: the four settings, and He's scale keeps a plain ReLU stack's
    forward scale within a factor 2 of the input's over three blocks without batch norm
    (the property He's 2 / fan_in is chosen for), while 1/3 shrinks it by more than 100."""
    small = Options(depth=3, channels=2, size=4, batch=2, draws=2)
    he, low = study(small), study(replace(small, gain=1 / 3))
    assert [s.key for s in he.settings] == ["plain", "plain_bn", "residual", "residual_bn"]
    assert all(len(s.signal) == 3 for s in he.settings)
    assert low.at("plain").scale[-1] < he.at("plain").scale[-1] / 100
    # batch norm: the forward scale does not depend on the weights' scale (γ = 1, β = 0)
    assert he.at("plain_bn").scale == pytest.approx(low.at("plain_bn").scale, rel=1e-3)
    assert study(small) == he  # seeded


def test_the_pages_words_fit_its_numbers():
    """The prose of "Why batch norm and the identity path keep gradients alive" says
    vanishes, stays near 1, grows, the same at both scales: each word against the study
    the page prints (whose numbers the tests above tie to the reference and derivation)."""
    he, low = study(Options()), study(replace(Options(), gain=1 / 3))
    assert low.at("plain").ratio < 1e-3 and low.at("plain").scale[-1] < 1e-3  # vanishes
    assert 1 / 3 < he.at("plain").ratio < 1  # changes less at He's scale
    assert all(0.5 < v < 2 for v in low.at("residual").signal)  # stays near 1
    assert he.at("residual").ratio > 1 and he.at("residual").scale[-1] > 10  # grows
    # batch norm: the same forward scale at both weight scales, the same gradient from
    # block 2 on (to 5 %), each block's backward gain above 1 in the plain stack
    assert he.at("plain_bn").scale == pytest.approx(low.at("plain_bn").scale, rel=1e-3)
    assert he.at("plain_bn").signal[1:] == pytest.approx(low.at("plain_bn").signal[1:], rel=0.05)
    assert all(v > 1 for v in he.at("plain_bn").gains)
    # with the skips too: closer to 1 towards the output, and a smaller overall ratio
    assert he.at("residual_bn").gains[-1] < he.at("residual_bn").gains[0]
    assert abs(he.at("residual_bn").gains[-1] - 1) < abs(he.at("plain_bn").gains[-1] - 1)
    assert he.at("residual_bn").ratio < he.at("plain_bn").ratio


def test_plots_draw_the_tables_data_and_are_byte_identical():
    small = Options(depth=3, channels=2, size=4, batch=2, draws=2)
    studies = (study(small), study(replace(small, gain=1 / 3)))
    series = signal_series(studies)
    assert len(series) == 8
    assert series[0].y == studies[0].at("plain").signal
    assert series[7].y == studies[1].at("residual_bn").signal
    a, b = plot_files(studies, "x"), plot_files(studies, "x")
    assert sorted(a) == ["x_gradients.png", "x_gradients.svg", "x_scale.png", "x_scale.svg"]
    assert a == b
    for name, data in a.items():
        assert data.startswith(b"\x89PNG") if name.endswith(".png") else b"<svg" in data


# --------------------------------------------------------------------------- page and CLI


def test_gallery_page_shows_the_verified_numbers(lesson):
    md = (ROOT / "output" / "resnet.md").read_text(encoding="utf-8")
    for head in ("## With and without the skips", "## The block's Jacobian",
                 "## The gradient per block, in deeper stacks",
                 "## Why batch norm and the identity path keep gradients alive",
                 "## ResNet-50's stage shapes"):
        assert head in md
    assert "| total | | | 25,557,032 |" in md
    assert "| `layer4` | $2048 \\times 7 \\times 7$ | 3 | 14,964,736 |" in md
    net = lesson.graph.spec
    J = block_jacobian(lesson, blocks(net)[0])
    assert f"${number(J.singular[0])}$, ${number(J.singular[-1])}$" in md
    he = study(Options())
    row = " | ".join(f"${number(s.signal[0], 3)}$" for s in he.settings)
    assert f"| 1 | {row} |" in md
    for stem in ("resnet_gradients", "resnet_scale"):
        assert f"]({stem}.svg)" in md
        assert (ROOT / "output" / f"{stem}.png").is_file()
        assert (ROOT / "output" / f"{stem}.svg").is_file()
    tex = (ROOT / "output" / "resnet.tex").read_text(encoding="utf-8")
    assert r"\resnetplot{resnet_gradients.png}" in tex and "25{,}557{,}032" in tex


def test_cli_resnet_page_is_deterministic_and_compiles(tmp_path, capsys):
    out = tmp_path / "a"
    assert main(["lesson", "resnet", "-o", str(out), "--format", "md,tex,ipynb"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["resnet.ipynb", "resnet.md", "resnet.svg", "resnet.tex",
                     "resnet_gradients.png", "resnet_gradients.svg", "resnet_scale.png",
                     "resnet_scale.svg"]
    if shutil.which("pdflatex"):
        done = subprocess.run(["pdflatex", "-halt-on-error", "-no-shell-escape",
                               "-interaction=nonstopmode", "resnet.tex"],
                              cwd=out, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:]
        log = (out / "resnet.log").read_text(errors="replace")
        assert "<resnet_gradients.png" in log and "<resnet_scale.png" in log
        # the ResNet sections are never too wide (the layers page before them is G's)
        tex_lines = (out / "resnet.tex").read_text().splitlines()
        start = next(i for i, t in enumerate(tex_lines, 1) if "From the deep chain" in t)
        import re
        for m in re.finditer(r"Overfull \\hbox .* at lines? (\d+)", log):
            assert int(m.group(1)) < start, m.group(0)
    again = tmp_path / "b"
    subprocess.run([sys.executable, "-m", "symbackprop", "lesson", "resnet", "-o", str(again)],
                   check=True, capture_output=True, env=dict(os.environ, PYTHONHASHSEED="77"),
                   cwd=ROOT)
    for p in again.iterdir():
        assert p.read_bytes() == (out / p.name).read_bytes(), p.name


def test_a_users_spec_named_resnet_is_not_hijacked(tmp_path, capsys):
    text = (ROOT / "symbackprop" / "presets" / "resnet.toml").read_text()
    mine = tmp_path / "resnet.toml"
    mine.write_text(text)
    out = tmp_path / "o"
    assert main(["lesson", str(mine), "-o", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["resnet.md", "resnet.svg", "resnet.tex"]
    assert "## ResNet-50's stage shapes" not in (out / "resnet.md").read_text()


def test_the_web_lesson_of_the_preset_is_the_resnet_page():
    from symbackprop.web.jobs import lesson as web_lesson

    out = web_lesson({"spec": {"preset": "resnet"}})
    assert "## ResNet-50's stage shapes" in out["files"]["resnet.md"]
    assert sorted(out["binary"]) == ["resnet_gradients.png", "resnet_gradients.svg",
                                     "resnet_scale.png", "resnet_scale.svg"]
