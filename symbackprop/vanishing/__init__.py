"""Why deep networks are hard to train: the numbers behind the lesson's second half.

A deep chain is L hidden layers of W units (one activation throughout, no biases) and a
linear output unit, with the mean squared error. The gradient of a first-layer weight is
a product with one factor per layer,

    dL/dw^{[1]} = dL/dy_pred · dy_pred/dh^{[L]} · dh^{[L]}/dh^{[L-1]} ··· dh^{[2]}/dh^{[1]} · dh^{[1]}/dw^{[1]},

each factor a sum over the paths through one layer of the derivation's own local
derivatives (``Block``): act'(z^{[l]}) w^{[l]} on a plain layer, 1 + act'(z^{[l]}) w^{[l]}
with a skip connection h^{[l]} = h^{[l-1]} + act(z^{[l]}). For the sigmoid act' <= 1/4, so

    |dL/dw^{[1]}| <= |dL/dy_pred| · |x_1| · 4^{-L} · Π_{l=2}^{L+1} |w^{[l]}|    (= (|w|/4)^L for equal |w|).

Sampled numbers (``profile``) come from the derivation itself, evaluated on many weight
draws at once, and are checked against the NumPy reference and finite differences
(``check``). Data only: no jinja, no LaTeX.
"""

from .chain import *  # noqa: F403
from .checks import *  # noqa: F403
from .norms import *  # noqa: F403
from .study import *  # noqa: F403
from .training import *  # noqa: F403
from .checks import _reference_order  # noqa: F401  (tests compare the orders)
from .norms import _loss_fn  # noqa: F401
