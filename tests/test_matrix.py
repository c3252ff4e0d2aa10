"""The compiled matrix form against the NumPy reference (independent code) and against
the scalar steps of the derivation."""

import numpy as np
import pytest

from symbackprop import reference
from symbackprop.derive import derive
from symbackprop.graph import build_graph
from symbackprop.matrix import compile_layers
from symbackprop.numeric import Values, evaluate
from symbackprop.verify import positions, sample
from tests.conftest import corpus_spec


def test_matrix_form_matches_reference_and_scalar_steps(net):
    d = derive(build_graph(net))
    program = compile_layers(d)
    pos = positions(d)
    rng = np.random.default_rng(5)
    for n in (1, 9):
        params = reference.init_params(net, rng, scale=0.7)
        X, T = sample(net, rng, n)
        flat = {pos[k]: v for k, v in reference.flatten(net, params).items()}
        loss, grads, deltas = program.run(Values(X, T, flat))
        ref_loss, ref = reference.backward(net, params, X, T)
        assert loss == pytest.approx(ref_loss, rel=1e-12, abs=1e-14)
        for key, v in reference.flatten(net, ref).items():
            assert grads[pos[key]] == pytest.approx(v, rel=1e-10, abs=1e-13)
        # δ^{[l]} equals the reference's dL/dz^{[l]} (rows are samples)
        ref_d = reference.layer_deltas(net, params, X, T)
        for mine, theirs in zip(deltas, ref_d.dz):
            np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-13)
        _, scalar = evaluate(d, Values(X, T, flat))
        for k, v in scalar.items():
            assert grads[k] == pytest.approx(v, rel=1e-10, abs=1e-13)
