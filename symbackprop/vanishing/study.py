"""The deep page's study: every activation, with and without skip connections, at every
weight scale, sampled (``norms``) and trained (``training``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..derive import Derivation, derive
from ..graph import build_graph
from .chain import ACTIVATIONS, Options, SCALES, chain_network
from .norms import BATCH, Draws, Profile, TRIALS, draws, profile
from .training import TRAIN_STEPS, Training, train


@dataclass
class Study:
    """Everything the deep page shows in numbers, for one depth and width."""

    options: Options
    scales: tuple[float, ...]
    profiles: dict[tuple[str, float, bool], Profile]  # (activation, scale, residual)
    draws: Draws
    derivations: dict[tuple[str, bool], Derivation]
    training: dict[bool, "Training"] = field(default_factory=dict)  # residual -> run

    def at(self, activation, scale, residual) -> Profile:
        return self.profiles[activation, float(scale), residual]

    @property
    def layers(self) -> list[int]:
        return list(range(1, self.options.depth + 2))


def study(o: Options, seed: int = 0, trials: int = TRIALS, batch: int = BATCH,
          train_steps: int = TRAIN_STEPS) -> Study:
    """Per-layer gradients for sigmoid, tanh and relu at every scale of SCALES (and
    ``o.scale``), with and without skip connections; and the training runs."""
    scales = tuple(sorted(set(SCALES) | {float(o.scale)}))
    dr = draws(o, trials, batch, seed)
    derivations, profiles = {}, {}
    for act in ACTIVATIONS:
        for res in (False, True):
            net = chain_network(replace(o, activation=act, residual=res))
            d = derivations[act, res] = derive(build_graph(net))
            for s in scales:
                profiles[act, s, res] = profile(d, dr, s)
    st = Study(o, scales, profiles, dr, derivations)
    for res in (False, True):
        st.training[res] = train(derivations[o.activation, res], o.scale, train_steps, seed=seed)
    return st
