"""The command line: the only module that reads argv.

    symbackprop lesson SPEC [-o DIR]        lesson pages (.md + .svg, .tex)
    symbackprop verify SPEC [--seed S]      derivation vs sympy.diff, NumPy, finite differences
    symbackprop grad SPEC --at VALUES.json [--json] [--lr ETA]
"""

from __future__ import annotations

import argparse
import json
import sys

from . import spec as specs
from .errors import SpecError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="symbackprop", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lesson = sub.add_parser("lesson", help="write the lesson page of a network")
    lesson.add_argument("spec", help="a preset name (" + ", ".join(specs.presets()) + ") or a TOML file")
    lesson.add_argument("-o", "--output", default="output", help="output folder (default: output/)")
    lesson.add_argument("--seed", type=int, default=0, help="seed of the verification points")
    lesson.add_argument("--all", action="store_true",
                        help="derive every parameter in full, even for a large network")

    verify = sub.add_parser("verify", help="check every derived gradient three ways")
    verify.add_argument("spec")
    verify.add_argument("--seed", type=int, default=0)
    verify.add_argument("--points", type=int, default=3, help="random points (default 3)")

    grad = sub.add_parser("grad", help="the loss and every gradient at given values")
    grad.add_argument("spec")
    grad.add_argument("--at", required=True, metavar="VALUES.json")
    grad.add_argument("--json", action="store_true", help="print JSON")
    grad.add_argument("--lr", type=float, metavar="ETA",
                      help="also print the parameters after one gradient-descent step")
    return p


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except SpecError as exc:
        print(f"symbackprop: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _derive(spec_arg):
    from .derive import derive
    from .graph import build_graph

    net = specs.load(spec_arg)
    return net, derive(build_graph(net))


def cmd_lesson(args) -> int:
    from dataclasses import replace

    from .pages import lesson_files
    from .render.write import write_all

    net = specs.load(args.spec)
    if args.all:
        net = replace(net, detail="all")
    files = lesson_files(net, seed=args.seed)  # everything rendered before anything is written
    for path in write_all(args.output, files):
        print(path)
    return 0


def cmd_verify(args) -> int:
    from .verify import check_gradients

    net, d = _derive(args.spec)
    report = check_gradients(d, seed=args.seed, points=args.points)
    width = max(len(r.name) for r in report.rows) + 4
    print(f"{'parameter':<{width}} {'symbolic':<18} {'derived':>14} {'NumPy':>14} "
          f"{'finite diff':>14} {'error':>8}")
    for r in report.rows:
        print(f"{'dL/d' + r.name:<{width}} {r.symbolic:<18} {r.derived:>14.8g} "
              f"{r.reference:>14.8g} {r.finite_diff:>14.8g} {max(r.error_ref, r.error_fd):>8.1e}")
    print(report.summary())
    for f in report.failures:
        print(f"FAIL {f}", file=sys.stderr)
    print("all gradients verified" if report.ok else f"{len(report.failures)} failures")
    return 0 if report.ok else 1


def cmd_grad(args) -> int:
    from .numeric import evaluate
    from .values import load_values

    net, d = _derive(args.spec)
    g = d.graph
    values = load_values(args.at, g)
    if getattr(net, "kind", "layers") == "layers":
        from .matrix import compile_layers

        # the derivation compiled to per-layer matrix code: one pass for the whole batch
        loss, grads, _ = compile_layers(d).run(values)
        grads = {k: grads[k] for k in g.params}
    else:
        loss, grads = evaluate(d, values)
    out = {"loss": loss, "gradients": {g.latex[k]: v for k, v in grads.items()}}
    if args.lr is not None:
        out["updated"] = {g.latex[k]: values.params[k] - args.lr * grads[k] for k in grads}
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"{g.latex[g.loss]} = {loss!r}   ({values.n} sample{'s' if values.n > 1 else ''})")
    for name, v in out["gradients"].items():
        line = f"d{g.latex[g.loss]}/d{name} = {v!r}"
        if args.lr is not None:
            line += f"   ->  {name} = {out['updated'][name]!r}"
        print(line)
    return 0


COMMANDS = {"lesson": cmd_lesson, "verify": cmd_verify, "grad": cmd_grad}

if __name__ == "__main__":
    sys.exit(main())
