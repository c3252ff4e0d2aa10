"""Reading a layer's TOML fields, with errors that point at the field's line. ``r`` is the
spec reader seen from the layer numbering (``group.Located``): ``r.fail``, ``r.choice``,
``r.check_keys``, ``r.label`` (how an error names layer i)."""

from __future__ import annotations

# Small sizes only: every entry of every tensor is a node of the graph.
MAX_SIZE = 64


def check(r, data, fields, i, kind):
    r.check_keys(data, ("kind",) + fields, "layers", i, what=r.label(i, kind))


def integer(r, data, name, i, default=None, lo=1, hi=MAX_SIZE):
    """A whole number in [lo, hi]; ``default`` None: required."""
    if name not in data:
        if default is None:
            r.fail(f"{r.label(i)}: missing field {name!r}", "layers", None, i)
        return default
    v = data[name]
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        r.fail(f"{name} = {v!r} must be a whole number between {lo} and {hi}", "layers", name, i)
    return v


def sizes(r, data, name, i, dims, default=None, lo=1):
    """A size per spatial dimension: ``3`` or ``[3, 3]`` -> (3, 3)."""
    if name not in data:
        if default is None:
            r.fail(f"{r.label(i)}: missing field {name!r}", "layers", None, i)
        return default
    v = data[name]
    vals = v if isinstance(v, list) else [v] * dims
    if len(vals) != dims or any(isinstance(x, bool) or not isinstance(x, int)
                                or not lo <= x <= MAX_SIZE for x in vals):
        r.fail(f"{name} = {v!r} must be a whole number between {lo} and {MAX_SIZE}"
               + (f", or a list of {dims}" if dims > 1 else ""), "layers", name, i)
    return tuple(vals)


def choice(r, data, name, options, default, i):
    return r.choice(data, name, options, default, "layers", i)
