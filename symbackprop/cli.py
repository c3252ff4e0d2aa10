"""The command line: the only module that reads argv.

    symbackprop lesson SPEC [-o DIR]        lesson pages (.md + .svg, .tex)
    symbackprop verify SPEC [--seed S]      derivation vs sympy.diff, NumPy, finite differences
    symbackprop grad SPEC --at VALUES.json [--json] [--lr ETA]
    symbackprop exam SPEC --variants N --seed S [-o DIR]   exam sheets, keys, platform files
    symbackprop grade KEY.json RESPONSES.csv [--ecf C] [-o DIR]   scores with error carried forward
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from . import spec as specs
from . import web
from .errors import OutputError, SpecError
from .progress import bar
from .terminal import printable


DESCRIPTION = """\
Backpropagation derived step by step, by the chain rule, for a network or a graph of
formulas you describe in a TOML file (or a built-in preset): lesson pages (Markdown,
LaTeX, notebooks, PDF), every gradient verified three ways, gradients at your own values,
students' hand derivations checked, and exams with worked answer keys."""

EPILOG = """\
examples:
  symbackprop lesson easynet -o out/          the lesson page of a preset
  symbackprop lesson my_net.toml --pdf        your own network, with its PDF
  symbackprop grad my_net.toml --at values.json --json
  symbackprop check easynet homework/         judge students' derivations
  symbackprop exam easynet --variants 30 --seed 1

'symbackprop COMMAND --help' describes each command; the README describes the spec
format. Errors in what you give are one line, with exit code 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="symbackprop", description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lesson = sub.add_parser("lesson", help="write the lesson page of a network")
    lesson.add_argument("spec", help="a preset name (" + ", ".join(specs.presets()) + ") or a TOML file")
    lesson.add_argument("-o", "--output", default="output", help="output folder (default: output/)")
    lesson.add_argument("--seed", type=int, default=0, help="seed of the verification points")
    lesson.add_argument("--all", action="store_true",
                        help="derive every parameter in full, even for a large network")
    lesson.add_argument("--format", default="md,tex", metavar="FORMATS",
                        help="comma-separated: md (with its SVG diagram), tex, ipynb "
                             "(default md,tex)")
    lesson.add_argument("--math", choices=("dollars", "fences"), default="dollars",
                        help="Markdown math as $$ blocks (default) or ```math fences")
    lesson.add_argument("--pdf", action="store_true",
                        help="also build the PDF (needs pdflatex on the PATH)")
    lesson.add_argument("--templates", metavar="DIR",
                        help="a folder of templates that override the built-in ones of the "
                             "same relative path (markdown/lesson.md.j2, latex/_step.tex.j2, ...)")
    _notation_option(lesson, "the notation the page is written in")
    deep = lesson.add_argument_group(
        "the deep preset's page (vanishing and exploding gradients, residual connections)")
    deep.add_argument("--depth", metavar="L", help="hidden layers (default 5)")
    deep.add_argument("--width", metavar="W", help="units per hidden layer (default 1)")
    deep.add_argument("--activation", metavar="ACT", help="sigmoid (default), tanh or relu")
    deep.add_argument("--scale", metavar="S",
                      help="weight scale of the plotted numbers (default 1): weights ~ N(0, S^2/fan-in)")
    deep.add_argument("--residual", action="store_true",
                      help="skip connections in the page's network (the comparisons show both)")

    verify = sub.add_parser("verify", help="check every derived gradient three ways")
    verify.add_argument("spec")
    verify.add_argument("--seed", type=int, default=0)
    verify.add_argument("--points", type=int, default=3, help="random points (default 3)")

    grad = sub.add_parser("grad", help="the loss and every gradient at given values")
    grad.add_argument("spec")
    grad.add_argument("--at", required=True, metavar="VALUES.json")
    grad.add_argument("--json", action="store_true", help="print JSON")
    grad.add_argument("--seed", type=int, default=None,
                      help="a tensor network: fill the parameters VALUES.json leaves out")
    grad.add_argument("--lr", type=float, metavar="ETA",
                      help="also print the parameters after one gradient-descent step")

    check = sub.add_parser("check", help="judge every equation of hand derivations")
    check.add_argument("spec", help="a preset name or a TOML file")
    check.add_argument("files", nargs="+", metavar="FILE",
                       help="Markdown, LaTeX or plain-text files, or folders of them")
    check.add_argument("--json", action="store_true", help="print JSON")
    _notation_option(check, "the notation the claims are read in (default: the spec's, "
                            "else detected from the page's names)")
    check.add_argument("--jobs", type=int, metavar="N", help="check N files at a time (batch)")
    check.add_argument("--dask", metavar="ADDRESS",
                       help="batch: send the files to this Dask scheduler (extra 'dask')")
    check.add_argument("-o", "--output", metavar="DIR",
                       help="batch: folder for the reports and summary (default check-reports/)")

    exam = sub.add_parser("exam", help="exam variants with worked answer keys and files for "
                                       "learning platforms")
    exam.add_argument("spec", help="a preset name or a TOML file")
    exam.add_argument("--variants", type=int, default=1, metavar="N",
                      help="how many variants, each with its own values (default 1)")
    exam.add_argument("--seed", type=int, default=0, metavar="S",
                      help="seed of the values: the same seed gives the same files (default 0)")
    exam.add_argument("--questions", metavar="KINDS",
                      help="comma-separated question kinds, in order: forward, chain, expression, "
                           "gradient, update; KIND:NAME fixes the parameter (gradient:w_5); "
                           "default: forward,chain,expression,gradient,update")
    _notation_option(exam, "the notation questions and keys are written in")
    exam.add_argument("--title", help="title of the sheets (plain text)")
    exam.add_argument("--course", help="course line under the title (plain text)")
    exam.add_argument("--instructions", help="instructions on every sheet (plain text; a blank "
                                             "line starts a paragraph)")
    exam.add_argument("--no-pdf", action="store_true",
                      help="do not run pdflatex (PDFs are built when it is on the PATH)")
    exam.add_argument("--moodle", choices=("cloze", "per-question"), default="cloze",
                      help="Moodle layout: a Cloze question per variant (default), or a "
                           "numerical question per answer, one category per question")
    exam.add_argument("--stress", type=int, metavar="N",
                      help="check N seeds instead of writing files: every variant against the "
                           "NumPy reference, none degenerate, and the spread of the answers")
    exam.add_argument("-o", "--output", metavar="DIR",
                      help="output folder (default: output/exam/<name>/)")

    grade = sub.add_parser("grade", help="grade students' answers against an exam's key.json")
    grade.add_argument("key", metavar="KEY.json", help="the exam's key.json")
    grade.add_argument("responses", metavar="RESPONSES.csv",
                       help="one row per student: student, variant, q1, q2, ... (or Moodle's "
                            "responses export)")
    grade.add_argument("--ecf", type=float, default=1.0, metavar="CREDIT",
                       help="credit for an answer right given the student's own earlier "
                            "numbers (error carried forward), 0 to 1 (default 1)")
    grade.add_argument("--spec", help="the exam's spec, when key.json names no preset "
                                      "(a TOML file)")
    grade.add_argument("-o", "--output", metavar="DIR",
                       help="folder for grades.csv and grades.json (default: print a summary)")
    web.add_parser(sub)
    return p


def _notation_option(parser, what: str):
    from .profiles import STYLES

    parser.add_argument("--notation", metavar="STYLE", choices=STYLES,
                        help=f"{what} (overrides the spec's [notation] style): "
                             + ", ".join(STYLES))


def _style(args, net) -> str:
    """The notation profile asked for: --notation, else the spec's [notation] style."""
    return args.notation or getattr(getattr(net, "notation", None), "style", "lesson")


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    with _interrupts() as stopped:
        try:
            return COMMANDS[args.command](args)
        except SpecError as exc:
            print(f"symbackprop: error: {printable(exc)}", file=sys.stderr)
            return 2
        except OutputError as exc:  # a fault of the environment: a full disk, a read-only folder
            print(f"symbackprop: error: {printable(exc)}", file=sys.stderr)
            return 1
        except OSError as exc:  # the same, met outside render/write.py
            where = f"{exc.filename}: " if exc.filename else ""
            print(f"symbackprop: error: {printable(where)}{exc.strerror or exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:  # temporary folders went on the way up (write.py, pdflatex)
            print(f"symbackprop: stopped by {stopped.name}; nothing was half-written",
                  file=sys.stderr)
            return 128 + stopped.signum


class _interrupts:
    """SIGTERM (and SIGHUP) end a command the way Ctrl-C does: pdflatex process groups are
    killed at once, then KeyboardInterrupt unwinds, so every temporary folder is removed.
    Only in the main thread, and the previous handlers are restored."""

    def __enter__(self):
        import signal
        import threading

        self.name, self.signum, self.saved = "SIGINT", signal.SIGINT, {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
                if sig is not None:
                    self.saved[sig] = signal.signal(sig, self._stop)
        return self

    def _stop(self, signum, frame):
        import signal

        from .render.pdflatex import stop_all

        self.signum, self.name = signum, signal.Signals(signum).name
        stop_all()
        raise KeyboardInterrupt

    def __exit__(self, *exc):
        import signal

        for sig, handler in self.saved.items():
            signal.signal(sig, handler)


def _derive(spec_arg):
    from .derive import derive
    from .graph import build_graph

    net = specs.load(spec_arg)
    return net, derive(build_graph(net))


def cmd_lesson(args) -> int:
    from dataclasses import replace

    from .pages import DEEP_PRESET, RESNET_PRESET, deep_files, lesson_files, resnet_files
    from .render.write import check_folder, write_all
    from .vanishing import deep_network, parse_options

    raw = {k: getattr(args, k) for k in ("depth", "width", "activation", "scale", "residual")}
    given = [f"--{k}" for k, v in raw.items() if v not in (None, False)]
    net = specs.load(args.spec)
    deep = args.spec == DEEP_PRESET and net.name == DEEP_PRESET
    if given and not deep:
        raise SpecError(f"{', '.join(given)} only apply to the deep preset's page "
                        f"(symbackprop lesson {DEEP_PRESET}), not to {args.spec}")
    if deep:
        net, options = deep_network(net, **parse_options(**raw))
    if args.all:
        net = replace(net, detail="all")
    output = _output(args)
    check_folder(args.output)  # a bad -o is said before the minutes of rendering
    style = _style(args, net)
    # everything rendered before anything is written, then written as one set
    if style != "lesson":
        from .profile_pages import profile_files

        files = profile_files(net, style, seed=args.seed, output=output)
    else:
        resnet = args.spec == RESNET_PRESET and net.name == RESNET_PRESET
        files = (deep_files(net, options, seed=args.seed, output=output) if deep
                 else resnet_files(net, seed=args.seed, output=output) if resnet
                 else lesson_files(net, seed=args.seed, output=output))
    for path in write_all(args.output, files):
        print(printable(path))
    return 0


def _output(args):
    from pathlib import Path

    from .pages import FORMATS, Output

    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise SpecError(f"--format {args.format!r}: formats are {', '.join(FORMATS)}")
    if args.templates is not None and not Path(args.templates).is_dir():
        raise SpecError(f"--templates {args.templates!r} is not a folder")
    return Output(formats=formats, math=args.math, pdf=args.pdf, templates=args.templates,
                  progress=bar())


def cmd_verify(args) -> int:
    from .render.views import verification_summary
    from .verify import check_gradients

    net, d = _derive(args.spec)
    report = check_gradients(d, seed=args.seed, points=args.points, progress=bar())
    width = max(len(r.name) for r in report.rows) + 4
    print(f"{'parameter':<{width}} {'symbolic':<18} {'derived':>14} {'NumPy':>14} "
          f"{'finite diff':>14} {'error':>8}")
    for r in report.rows:
        print(f"{'d' + d.graph.latex[d.loss] + '/d' + r.name:<{width}} {r.symbolic:<18} {r.derived:>14.8g} "
              f"{r.reference:>14.8g} {r.finite_diff:>14.8g} {max(r.error_ref, r.error_fd):>8.1e}")
    print(verification_summary(report))
    for f in report.failures:
        print(f"FAIL {f}", file=sys.stderr)
    print("all gradients verified" if report.ok else f"{len(report.failures)} failures")
    return 0 if report.ok else 1


def cmd_grad(args) -> int:
    import numpy as np

    from .numeric import evaluate
    from .values import load_values

    net, d = _derive(args.spec)
    g = d.graph
    if g.tensors is not None:  # a tensor network: PyTorch's layouts (layers/values.py)
        from .layers.values import load_tensor_values

        values = load_tensor_values(args.at, g, args.seed)
    elif args.seed is not None:
        raise SpecError("--seed fills the parameters of a tensor network only")
    else:
        values = load_values(args.at, g)
    # an overflow is reported below as one line, not as NumPy's warnings
    with np.errstate(all="ignore"):
        if g.layers:
            from .matrix import compile_layers

            # the derivation compiled to per-layer matrix code: one pass for the whole batch
            loss, grads, _ = compile_layers(d).run(values)
            grads = {k: grads[k] for k in g.params}
        else:
            loss, grads = evaluate(d, values)
    # a graph spec's names are the user's own (w0, x0); a network's are the page's
    name = (lambda k: k) if g.loss_name is None else (lambda k: g.latex[k])
    if args.lr is not None and not math.isfinite(args.lr):
        raise SpecError(f"--lr {args.lr}: the learning rate must be a finite number")
    out = {"loss": loss, "gradients": {name(k): v for k, v in grads.items()}}
    if args.lr is not None:
        out["updated"] = {name(k): values.params[k] - args.lr * grads[k] for k in grads}
    bad = [k for k, v in [("loss", loss)] + list(out["gradients"].items()) +
           list(out.get("updated", {}).items()) if not math.isfinite(v)]
    if bad:  # JSON has no NaN or Infinity; the plain output says so too
        raise SpecError(f"the {bad[0] if bad[0] == 'loss' else 'value of ' + bad[0]} is not a "
                        f"finite number at these values (overflow or a value outside the "
                        f"domain); {len(bad)} value{'s' if len(bad) > 1 else ''} not finite",
                        str(args.at))
    if g.tensors is not None:  # the same both ways, and what was used, to reproduce the run
        from .layers.tensors import to_tensors

        out["tensor_gradients"] = {k: v.tolist() for k, v in to_tensors(g, grads, 0.0).items()}
        out["params"] = {g.latex[k]: values.params[k] for k in g.params}
        out["tensors"] = {k: v.tolist() for k, v in to_tensors(g, values.params).items()}
    if args.json:
        print(json.dumps(out, indent=2, allow_nan=False))
        return 0
    print(f"{g.latex[g.loss]} = {loss!r}   ({values.n} sample{'s' if values.n > 1 else ''})")
    for name, v in out["gradients"].items():
        line = f"d{g.latex[g.loss]}/d{name} = {v!r}"
        if args.lr is not None:
            line += f"   ->  {name} = {out['updated'][name]!r}"
        print(line)
    return 0


def cmd_check(args) -> int:
    from .check.command import run

    return run(args)


def cmd_exam(args) -> int:
    from dataclasses import replace

    from .exam.command import run_exam

    net = specs.load(args.spec)
    if args.notation and hasattr(net, "layers"):  # the names of every entry (issue 14)
        net = replace(net, notation=replace(net.notation, style=args.notation))
    return run_exam(args, net)


def cmd_grade(args) -> int:
    from .exam.command import run_grade

    return run_grade(args)


COMMANDS = {"lesson": cmd_lesson, "verify": cmd_verify, "grad": cmd_grad, "check": cmd_check,
            "exam": cmd_exam, "grade": cmd_grade, "serve": web.run}

if __name__ == "__main__":
    sys.exit(main())
