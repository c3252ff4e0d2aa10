"""A page's claims read in a notation profile (issue 14, points 3, 5, 6): the profile is
the one asked for (``check --notation``), else the spec's ``[notation] style``, else the
one whose names the page uses (detected, and said so). Matrix claims go to
``matrix_claims``; anything else is left to the scalar checker (``judge``)."""

from __future__ import annotations

from ..profiles import PROFILES
from .index_claims import IndexSession
from .index_names import mazur_atom, parse_atom
from .matrix_claims import Session, Verdict
from .matrix_messages import say
from .matrix_names import normal, table
from .matrix_parse import MatrixUnreadable, MNode, parse_sides

MIN_HITS = 3  # distinct names of a profile a page must use to be read in it
DETECT_LAYERS = 20  # layers whose names detection knows (a table per profile, built once)


def _atoms(node: MNode, out: set):
    if node.op == "atom":
        out.add(node.text)
    for a in node.args:
        if isinstance(a, MNode):
            _atoms(a, out)


def _layered(ref) -> bool:
    return ref is not None and ref.layer is not None and ref.role not in ("X", "Y")


def detect(truth, texts: list[str]) -> tuple[str | None, list[str]]:
    """The profile whose array names the equations use most (at least MIN_HITS distinct
    ones), and those names; (None, []) when none does."""
    atoms: set = set()
    for text in texts:
        try:
            for side in parse_sides(text):
                _atoms(side, atoms)
        except (MatrixUnreadable, IndexError):
            continue
    # names the lesson's own table reads (h_1, and dh_1 in dL/dh_1) say nothing
    lesson = {normal(v) for v in truth.latex.values()}
    atoms = {a for a in atoms if a not in lesson and not (a[:1] == "d" and a[1:] in lesson)}
    best, names = None, []
    sizes = truth.net.sizes
    for style, prof in PROFILES.items():
        if style == "lesson":
            continue  # the lesson's names are the scalar checker's
        if style == "mazur":
            hits = sorted(a for a in atoms if mazur_atom(a, sizes) is not None)
        else:  # names with a layer: a bare x or X says nothing of the book
            # (the first layers and the output's name a deep network's page enough)
            names_of = table(prof, sizes if len(sizes) <= DETECT_LAYERS + 1
                             else sizes[:DETECT_LAYERS] + sizes[-1:])
            hits = sorted(a for a in atoms
                          if (a in names_of and names_of[a][0] not in ("X", "Y", "Yhat", "P"))
                          or _layered(parse_atom(prof, a)))
        if len(hits) >= MIN_HITS and len(hits) > len(names):
            best, names = style, hits
    return best, names


def session_for(truth, texts: list[str], notation: str | None):
    """(Session or None, the sentence saying which profile was detected, or None)."""
    if not getattr(truth.net, "layers", None) or not hasattr(truth.net, "sizes"):
        return None, None  # a graph of formulas, or a tensor network (tensor_claims.py)
    style = notation or getattr(getattr(truth.net, "notation", None), "style", "lesson")
    note = None
    if notation is None and style == "lesson":
        style, names = detect(truth, texts)
        if style is None:
            return None, None
        note = say("detected", title=PROFILES[style].title, profile=style,
                   names=", ".join(names[:5]))
    if style == "lesson":
        return None, None
    return Both(PROFILES[style], truth), note


class Both:
    """A page's claims in one profile: matrix claims first, then index claims."""

    def __init__(self, profile, truth):
        self.matrix = None if profile.name == "mazur" else Session.start(profile, truth)
        self.index = IndexSession(profile, truth)

    def judge(self, text: str):
        try:
            v = self.matrix.judge(text) if self.matrix is not None else None
            return v if v is not None else self.index.judge(text)
        except RecursionError:
            return Verdict("error", "nested too deeply to judge")
        except Exception as e:  # nothing in a file may crash the checker (as judge.py)
            return Verdict("error", f"the checker could not judge this "
                                    f"({type(e).__name__}: {e})"[:300])
