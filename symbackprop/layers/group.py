"""A residual group in the spec: ``residual = true`` on a ``[[layers]]`` table whose own
``[[layers.layers]]`` are the block F. It reads as the flat spelling: the group's layers
numbered in sequence where they stand, then a ``residual`` layer taking the next number
with ``from`` = the group's first layer, so r = F(x) + x and the tensor keys
``"<l>.weight"`` are the flat spelling's.

``flatten`` turns the spec's layer tables into one ``Entry`` per layer number, each
remembering the table it was written in; ``Located`` is the spec reader seen from the
flat numbering, pointing an error at that table's line.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import SpecError

# Groups inside groups: a block within a block is fine, deeper is not a lesson.
MAX_DEPTH = 3
GROUP_FIELDS = ("residual", "activation", "layers")


@dataclass(frozen=True)
class Entry:
    raw: dict  # the layer's table; a group's closing residual: the group's table
    table: str  # where it is written: "layers", "layers.layers", ...
    index: int  # its place among that table's entries, in file order
    group: tuple[str, int] | None = None  # the group it stands in: (table, index)
    pos: int = 0  # its place in the group (or among the top-level [[layers]])
    start: int | None = None  # a group's closing residual: the group's first layer (1-based)

    @property
    def kind(self) -> str:
        return "residual" if self.start is not None else self.raw.get("kind", "dense")


def is_group(raw) -> bool:
    return isinstance(raw, dict) and "layers" in raw


def flatten(r, raw_layers: list) -> list[Entry]:
    """The layers in number order; a group's layers, then its residual."""
    entries: list[Entry] = []
    _walk(r, raw_layers, "layers", None, {}, entries, 1)
    return entries


def _walk(r, raws, table, group, seen, entries, depth):
    for pos, raw in enumerate(raws):
        index = seen.get(table, 0)
        seen[table] = index + 1
        if not isinstance(raw, dict):  # an inline list: point at the group
            at, at_index = group or (table, index)
            r.fail(f"layer {len(entries) + 1}: each [[{table}]] entry must be a table",
                   at, None, at_index)
        if not is_group(raw):
            tables = [k for k, v in raw.items() if isinstance(v, list) and v
                      and all(isinstance(x, dict) for x in v)]
            if tables:  # [[layers.layer]]: a misspelt group
                r.fail(f"[[{table}.{tables[0]}]] is not a table the spec knows: a group's "
                       f"layers are [[{table}.layers]], under residual = true",
                       table, None, index)
            if "residual" in raw:
                r.fail(f"[[{table}]] #{pos + 1}: in a network with tensor layers, residual "
                       f"marks a group of layers: put the block's layers under it as "
                       f"[[{table}.layers]] tables (or close the block with a layer of "
                       f"kind = \"residual\" and from = its first layer)",
                       table, "residual", index)
            entries.append(Entry(raw, table, index, group, pos))
            continue
        _check_group(r, raw, table, index, pos, depth, len(entries) + 1)
        first = len(entries) + 1
        _walk(r, raw["layers"], f"{table}.layers", (table, index), seen, entries, depth + 1)
        entries.append(Entry(raw, table, index, group, pos, start=first))


def _check_group(r, raw, table, index, pos, depth, number):
    where = f"[[{table}]] #{pos + 1} (a residual group, from layer {number})"
    if "kind" in raw:
        r.fail(f"{where}: a group has no kind; its layers are in [[{table}.layers]]",
               table, "kind", index)
    r.check_keys(raw, GROUP_FIELDS, table, index, what=where)
    if raw.get("residual") is not True:
        r.fail(f"{where}: a group of layers needs residual = true (the only group there is: "
               f"r = F(x) + x, F its layers)", table,
               "residual" if "residual" in raw else None, index)
    layers = raw["layers"]
    if not isinstance(layers, list) or not layers:
        r.fail(f"{where}: the group is empty; give its layers as [[{table}.layers]] tables",
               table, None, index)
    if depth >= MAX_DEPTH and any(is_group(x) for x in layers):
        r.fail(f"{where}: groups nest at most {MAX_DEPTH} deep", table, None, index)


class Located:
    """The spec reader seen from the flat layer numbering: an error about layer ``i``
    (``table`` "layers", ``index`` i) points at the table the layer is written in, and
    a layer inside a group says so."""

    def __init__(self, r, entries: list[Entry]):
        self._r, self._entries = r, entries

    def __getattr__(self, name):
        return getattr(self._r, name)

    def _place(self, table, index):
        if table != "layers" or index is None or not 0 <= index < len(self._entries):
            return table, index
        return self._entries[index].table, self._entries[index].index

    def label(self, i: int, kind: str | None = None) -> str:
        """How an error names layer ``i`` (0-based): "[[layers]] #3 (conv2d)" where the
        number is also its place in the file, else its number and where it is written."""
        e = self._entries[i]
        if e.start is not None:
            return f"layer {i + 1} (the residual of the group [[{e.table}]] #{e.pos + 1})"
        if e.group is None and e.pos == i:
            return f"[[layers]] #{i + 1}" + (f" ({kind})" if kind else "")
        place = f"[[layers]] #{e.pos + 1}" if e.group is None else \
            f"#{e.pos + 1} in the residual group [[{e.group[0]}]] #{self._group_pos(e.group) + 1}"
        return f"layer {i + 1} ({kind + ', ' if kind else ''}{place})"

    def _group_pos(self, group):
        for e in self._entries:
            if e.start is not None and (e.table, e.index) == group:
                return e.pos
        return 0

    def where(self, table, key, index=None):
        t, i = self._place(table, index)
        at = self._r.where(t, key, i)
        if at == self._r.source and key is not None:  # an inline table: its header
            at = self._r.where(t, None, i)
        if at == self._r.source and table == "layers" and index is not None:
            group = self._entries[index].group  # else the enclosing group's line
            if group is not None:
                at = self._r.where(group[0], None, group[1])
        return at

    def fail(self, message, table=None, key=None, index=None):
        raise SpecError(message, self.where(table, key, index))

    # The reader's own checks, failing through ``fail`` above.
    def check_keys(self, *args, **kwargs):
        return type(self._r).check_keys(self, *args, **kwargs)

    def choice(self, *args, **kwargs):
        return type(self._r).choice(self, *args, **kwargs)
