"""A progress bar on stderr for the stages that may take a while.

The core never prints: its slow loops take a ``progress(iterable, what, total)`` callable
and the CLI passes ``bar()``. tqdm draws it (a well-kept library: rate, time left and
terminal width handled), only on a terminal and only once a stage has run two seconds,
so quick runs, pipes and ``--json`` output stay clean.
"""

from __future__ import annotations

import sys


def bar(file=None, delay: float = 2.0):
    """A ``progress`` callable drawing a tqdm bar on ``file`` (stderr)."""
    from tqdm import tqdm

    out = sys.stderr if file is None else file

    def progress(iterable, what: str, total: int | None = None):
        return tqdm(iterable, desc=what, total=total, delay=delay, disable=None, file=out,
                    leave=False, dynamic_ncols=True)

    return progress
