"""The ResNet page as plain data: the layers page of the lesson's network
(``layers_view``) and, under ``"resnet"``, the numbers of ``resnet.ResNetLesson``: the
twin comparison, the identity path in the derivation's sum at a block's input, each
block's Jacobian, the gradient norm per block in four settings, and ResNet-50's stage
shapes. Prose is in ``templates/*/resnet.*.j2``; nothing is computed here."""

from __future__ import annotations

from fractions import Fraction

from ..resnet import GAINS, ResNetLesson, total_params
from ..resnet.plots import LABEL
from ..resnet.study import SETTINGS
from .layers_view import layers_view, shape_text
from .printer import number
from .views import Notation, StepViews


def _gain(g: float) -> str:
    f = Fraction(g).limit_denominator(10)
    return str(f.numerator) if f.denominator == 1 else rf"{f.numerator}/{f.denominator}"


def _identity_view(rl: ResNetLesson) -> dict:
    """The derivation's sum at the first block's input, its identity term picked out."""
    lesson, c = rl.lesson, rl.comparison
    n = Notation(lesson.derivation)
    sv = StepViews(n, lesson.env, worked=lesson.worked).view(lesson.derivation.deltas[c.entry])
    g = lesson.graph
    term = next(t for t in sv["terms"] if t["path"] == g.latex[c.skip])
    return {"step": sv, "x": g.latex[c.entry], "r": g.latex[c.skip],
            "x_frac": n.frac(g.loss, c.entry), "r_frac": n.frac(g.loss, c.skip),
            "local": n.frac(c.skip, c.entry), "chain": term["chain"],
            "terms": len(sv["terms"]), "identity": number(c.identity),
            "through_f": number(c.through_f), "total": number(c.residual),
            "w": g.latex[c.weight], "w_frac": n.frac(g.loss, c.weight)}


def _study_view(st) -> dict:
    rows = []
    for key, norm, residual in SETTINGS:
        s = st.at(key)
        rows.append({"key": key, "label": LABEL[key], "norm": norm, "residual": residual,
                     "signal": [number(v, 3) for v in s.signal],
                     "first": number(s.signal[0], 3), "last": number(s.signal[-1], 3),
                     "ratio": number(s.ratio, 3),
                     "scale_first": number(s.scale[0], 3), "scale_last": number(s.scale[-1], 3),
                     "gains": [number(v, 3) for v in s.gains], "widest": number(s.widest, 3)})
    blocks = [{"b": b + 1, "values": [r["signal"][b] for r in rows]}
              for b in range(st.options.depth)]
    return {"gain": _gain(st.options.gain), "rows": rows, "blocks": blocks,
            "by": {r["key"]: r for r in rows}}


def resnet_view(rl: ResNetLesson) -> dict:
    view = layers_view(rl.lesson)
    c = rl.comparison
    o = rl.studies[0].options
    stages = [{"name": s.name, "shape": shape_text(s.shape), "blocks": s.blocks,
               "params": f"{s.params:,}"} for s in rl.stages]
    view["preface"] = "resnet_guide"  # templates/*/_resnet_guide.*.j2, after the network
    view["resnet"] = {
        "blocks": [{"start": b.start, "end": b.end} for b in rl.blocks],
        "twin": {"layers": len(rl.twin.graph.spec.layers),
                 "residual": number(c.residual), "plain": number(c.plain),
                 "weight_residual": number(c.weight_residual),
                 "weight_plain": number(c.weight_plain),
                 "norm_residual": number(c.norm_residual), "norm_plain": number(c.norm_plain),
                 "loss_residual": number(c.loss_residual), "loss_plain": number(c.loss_plain),
                 "dead": c.dead,
                 "closed": [{"layer": l, "entries": n} for l, n in c.closed]},
        "identity": _identity_view(rl),
        "jacobians": [{"block": i + 1, "size": len(j.inputs),
                       "diag": number(j.matrix[0, 0]), "diag_f": number(j.f_matrix[0, 0]),
                       "max": number(j.singular[0]), "min": number(j.singular[-1]),
                       "max_f": number(j.singular_f[0]), "min_f": j.singular_f[-1],
                       "x": rl.lesson.graph.latex[j.inputs[0]],
                       "r": rl.lesson.graph.latex[j.outputs[0]]}
                      for i, j in enumerate(rl.jacobians)],
        "study": {"depth": o.depth, "channels": o.channels, "size": o.size, "batch": o.batch,
                  "draws": o.draws, "runs": [_study_view(st) for st in rl.studies],
                  "gains": [_gain(g) for g in GAINS]},
        "stages": stages,
        "total": f"{total_params(rl.stages):,}",
        "plots": [f"{view['name']}_gradients", f"{view['name']}_scale"],
    }
    return view
