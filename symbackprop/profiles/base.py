"""What a notation profile is: one textbook's way of writing a layered network and its
backpropagation, as data. A profile maps onto any layered network of a spec: its names
are patterns with the layer ``@l``, the unit ``@j`` and the unit's input ``@k`` left open,
filled in by ``Profile.spell`` for the layer numbers of the network at hand.

Conventions recorded per profile:
- ``layout``: "columns" (one sample per column: Ng, Goodfellow), "rows" (one sample per
  row: cs231n), "units" (scalars, unit by unit: Mazur, Nielsen's index form);
- ``input_layer``: the number the input layer gets (Nielsen's input is layer 1);
- ``weight_order``: "out,in" (w_{jk}: to unit j from input k, W is n_l × n_{l-1}) or
  "in,out" (cs231n's W_1 is D × H);
- ``mean``: where the 1/m of the batch mean is written: "dW" (Ng: dZ per example, the
  1/m in dW and db), "seed" (cs231n: ds = (P − Y)/N), "none" (one example at a time:
  Nielsen's C_x, Mazur's E_total, Goodfellow's Algorithm 6.4);
- ``names``: role -> LaTeX pattern. Roles: the matrices X Y W b Z A Yhat cost dZ dW db dA,
  the activation function act, the elementwise product odot, and the scalars w bs z a x y
  delta of the index form; ``<role>_out`` names the output layer's own (cs231n's scores).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Profile:
    name: str  # as a spec or --notation writes it
    title: str  # the textbook or course, in prose
    source: str  # where its notation is printed
    layout: str  # "columns" | "rows" | "units"
    input_layer: int = 0  # the input layer's number (1 for Nielsen)
    weight_order: str = "out,in"
    mean: str = "none"  # "dW" | "seed" | "none"
    batch: str = "m"  # the batch size's letter
    names: dict = field(default_factory=dict)
    # spellings only this profile uses, for auto-detection (plain substrings of LaTeX)
    signature: tuple[str, ...] = ()
    # role -> pattern for the hidden layer when the network has exactly one (cs231n's h)
    single_hidden: dict = field(default_factory=dict)

    def layer(self, l: int) -> int:
        """The profile's number of the network's layer ``l`` (0: the inputs)."""
        return l + self.input_layer

    def spell(self, role: str, l: int | None = None, j: int | None = None,
             k: int | None = None, hidden: int = 0) -> str:
        """The LaTeX name of ``role`` at layer ``l`` of the network (0: the inputs), unit
        ``j`` and input ``k`` (1-based); ``hidden``: the network's hidden layers."""
        pattern = self.names[role]
        if l is not None and l == hidden + 1 and role + "_out" in self.names:
            pattern = self.names[role + "_out"]  # the output layer's own name (scores s)
        elif role in self.single_hidden and hidden == 1 and l == 1:
            pattern = self.single_hidden[role]
        out = pattern
        if l is not None:
            out = out.replace("@l", str(self.layer(l)))
        if j is not None:
            out = out.replace("@j", str(j))
        if k is not None:
            out = out.replace("@k", str(k))
        return out

    @staticmethod
    def prime(name: str) -> str:
        r"""A function's derivative as the books print it: g^{[1]} -> g^{[1]\prime} (Ng),
        f -> f'."""
        if name.endswith("}") and "^{" in name:
            head, _, sup = name.rpartition("^{")
            if sup.count("{") == sup.count("}") - 1:
                return f"{head}^{{{sup[:-1]}\\prime}}"
        return f"{name}'"

    @staticmethod
    def transpose(name: str) -> str:
        """``name`` transposed as the books print it: W^{[2]} -> W^{[2]T} (one superscript,
        as Ng and Goodfellow write it), X -> X^T, h_1 -> h_1^T."""
        if name.endswith("}") and "^{" in name:
            head, _, sup = name.rpartition("^{")
            if sup.count("{") == sup.count("}") - 1:  # the superscript closes the name
                return f"{head}^{{{sup[:-1]}T}}"
        if "^" in name:
            return f"{{{name}}}^T"
        return f"{name}^T"

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(self.names)
