"""Notation profiles: the textbooks' ways of writing backpropagation, one record each
(``base.Profile``), used to write pages (``render/profile_view.py``) and to read claims
(``check/matrix_claims.py``). ``PROFILES`` lists them in the order pages and messages
name them; a spec chooses one with ``[notation] style = "ng"``."""

from __future__ import annotations

from . import cs231n, goodfellow, lesson, mazur, ng, nielsen
from .base import Profile

PROFILES: dict[str, Profile] = {
    m.PROFILE.name: m.PROFILE for m in (lesson, ng, nielsen, cs231n, mazur, goodfellow)
}
STYLES = tuple(PROFILES)


def profile(name: str) -> Profile:
    """The profile called ``name``; a KeyError names the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f"unknown notation style {name!r}; styles: {', '.join(STYLES)}") from None
