"""Exams: seeded variants of questions on one network, with worked answer keys, and the
files learning platforms import.

    exam_files(net, variants=30, seed=1) -> {file name: content}

Each variant draws its own values from ``numpy.random.default_rng(seed)`` in a fixed
order (parameters in print order, inputs, targets, a learning rate, the parameter the
questions are about), from pools chosen for arithmetic by hand (``pools``): weights and
biases ±0.1 ... ±0.9, inputs ±1 ... ±3 for piecewise-linear networks (one decimal
otherwise), targets valid for the loss. A draw is rejected (``variants``) when it repeats
an earlier variant, when the loss or a chain-rule factor of a derivation it asks for is 0
(a question made trivial), or when its gradient-descent step would not show in an answer
rounded to 4 significant digits (``numbers``). Unless a question names its parameter, the
values depend on the spec and the seed alone, not on the questions asked.

The modules, in import order: ``numbers`` (rounding, tolerances), ``pools`` (what values
are drawn from, per activation and loss), ``questions``, ``variants`` (the draws),
``maxima``, ``views`` (the ``Exam``: what templates print); one module per platform,
``moodle`` (Cloze, essay, per-question), ``stack``, ``qti``, ``prairielearn``; ``text`` and
``pdf``; ``files`` (all of them as one set); ``responses`` and ``grade`` (grading back with
error carried forward), ``stress``; ``command`` (the CLI's ``exam`` and ``grade``).

A network with tensor layers (``layers/``) gets a ``tensor.TensorExam`` (``make_exam``
picks it): its draws in ``tensor_draws`` (every tensor entry from the same pools, no
max-pool tie, no zero on the asked path), the numbers its key shows in ``breakdown`` (a
shared parameter's sum over its uses, backpropagation through time, batch norm's compact
form), its NumPy oracle for ``--stress`` in ``tensor_stress``.
"""

from .files import exam_files
from .numbers import round12
from .pdf import PdfError, latex_engine
from .tensor import TensorExam, make_exam
from .views import Exam

__all__ = ["Exam", "PdfError", "TensorExam", "exam_files", "latex_engine", "make_exam",
           "round12"]
