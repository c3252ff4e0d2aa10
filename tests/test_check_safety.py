"""User text is untrusted: injections never run, bombs are rejected quickly, and one
hostile equation never stops the rest of a file from being judged."""

import builtins
import contextlib
import io
import time
import tokenize
from pathlib import Path

import pytest

import symbackprop.check as check_pkg
from symbackprop.check import check_equation, check_file, check_text, truth_of
from symbackprop.expr import claim_grammar as grammar
from tests.traps import trap_evaluators

SENTINEL = Path("/tmp/symbackprop_check_pwned")

PAYLOADS = [
    f"__import__('os').system('touch {SENTINEL}')",
    "__import__",
    "().__class__.__bases__[0].__subclasses__()",
    "x_1.__class__",
    "x1.real",
    "lambda: 0",
    "(lambda x: x)(1)",
    "exec('import os')",
    "eval('1+1')",
    "compile('1', 'f', 'eval')",
    "import os",
    "open('/etc/passwd').read()",
    "getattr(x1, 'real')",
    "sympify('1')",
    "globals()['__builtins__']",
    "${7*7}",
    r"\input{/etc/passwd}",
    r"\write18{rm -rf /}",
    r"\def\x{y}",
    "x1; import os",
    "x1 if True else 0",
    "[x for x in ()]",
    "x1 @ x2",
    "'string'",
    "\x00\x01\x02",
    "𝔁 + ∞",
]


@contextlib.contextmanager
def no_eval():
    """Every way text could become code fails when called, while the block runs; the
    calls are listed for the test to assert on after the block (pytest itself compiles
    when it reports). The parsers and the network's truth are built first: they come
    from the project's own grammar and spec, not from user text."""
    _warm_up()
    calls = []
    with pytest.MonkeyPatch.context() as mp:
        trap_evaluators(mp, calls)
        mp.setattr(builtins, "__import__", _guarded_import(calls))
        yield calls


def _warm_up(data=Path(__file__).parent / "data" / "check"):
    """Parsers built and SymPy's lazily imported modules loaded, on the fixture pages."""
    grammar.parser("latex")
    grammar.parser("ascii")
    for name in ("lesson.md", "lesson_slips.md", "lesson.tex", "lesson.txt"):
        check_file("easynet", data / name)


def _guarded_import(calls, real=builtins.__import__):
    def guarded(name, *args, **kwargs):
        if name in ("os", "subprocess", "shutil", "socket"):
            calls.append(("__import__", (name,)))
        return real(name, *args, **kwargs)
    return guarded


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("template", ["L = {}", "{} = L", r"\frac{{dL}}{{dw_1^{{[1]}}}} = {}", "{}"])
def test_injections_never_run(payload, template):
    SENTINEL.unlink(missing_ok=True)
    start = time.perf_counter()
    with no_eval() as calls:
        results = [check_equation("easynet", template.format(payload), mode=mode)
                   for mode in (None, "latex", "ascii")]
    assert calls == []
    for r in results:
        assert r.verdict in ("error", "not_checked"), (payload, r.verdict, r.message)
        assert r.message
        assert "could not judge" not in r.message
    assert not SENTINEL.exists()
    assert time.perf_counter() - start < 2.0


def test_injections_in_a_file_do_not_stop_the_rest():
    good = r"\frac{dL}{dy_{pred}} = -\frac{2}{N}(y_{true} - y_{pred})"
    text = "\n".join(f"$$L = {p}$$\n$${good}$$" for p in PAYLOADS)
    with no_eval() as calls:
        results = check_text("easynet", text, "markdown")
    assert calls == []
    goods = [r for r in results if r.latex == good]
    assert [r.verdict for r in goods] == ["correct"] * len(PAYLOADS)
    assert [r.line for r in goods] == list(range(2, 2 * len(PAYLOADS) + 1, 2))
    assert all(r.verdict in ("error", "not_checked") for r in results if r.latex != good)


def test_whole_pages_never_eval():
    data = Path(__file__).parent / "data" / "check"
    with no_eval() as calls:
        results = [r for name in ("lesson.md", "lesson_slips.md", "lesson.tex", "lesson.txt")
                   for r in check_file("easynet", data / name)]
    assert calls == []
    assert {r.verdict for r in results} == {"correct", "wrong", "error", "not_checked"}


BOMBS = {
    "power tower": "L = " + "^".join(["x_1"] * 1200),
    "tower in braces": "L = " + "x_1^{" * 30 + "2" + "}" * 30,
    "9^9^9^9": "L = 9^{9^{9^{9}}}",
    "parens 10,000 deep": "L = " + "(" * 10_000 + "x_1" + ")" * 10_000,
    "parens 2,000 deep, within the length": "L = " + "(" * 2_000 + "x_1" + ")" * 2_000,
    "fractions 200 deep": "L = " + r"\frac{1}{" * 200 + "x_1" + "}" * 200,
    "1e6 characters": "L = " + "x_1 + " * 200_000 + "x_1",
    "3,000 minus signs": "L = " + "-" * 3000 + "x_1",
    "30-digit number": "L = " + "9" * 30,
    "exp of a log": r"L = e^{999999999 \log 2}",
    "exp of a log, called": r"L = \exp(999999999 \cdot \log(2))",
    "a log of an exp in an exp": r"L = \exp(\log(\exp(999999999999999)) \log 2)",
    "names cancel in an exponent": "L = 2^{x_1 - x_1 + 999999999}",
    "powers of powers": r"L = ((x_1 \cdot 999999999)^{64})^{64}",
    "a sum of 1e9 terms": r"L = \sum_{k=1}^{1000000000} x_k",
    "nested sums": "L = " + r"\sum_{k=1}^{9}" * 10 + "x_1",
    "nested sample sums": "L = " + r"\sum_{n=1}^{N}" * 20 + "x_1",
    "exp 38 deep": r"L = " + r"\exp(" * 38 + "x_1" + ")" * 38,
    "product rule blow-up": r"\frac{d}{dx_1}\left(" + " ".join(
        f"(x_1 + {i})" for i in range(1, 250)) + r"\right) = 0",
    "big sqrt": r"L = \sqrt{999999999^{40} + 1}",
    "ascii tower": "L = " + "**".join(["2"] * 2000),
    "ascii exponent": "dL/dw1[1] = x1^(9^9)",
    "division by zero": r"L = \frac{1}{0}",
    "0 to a negative power": "L = 0^{-1}",
    "100 links": r"\frac{dL}{dw_1^{[1]}} = " + " = ".join(
        rf"\frac{{dL}}{{dh_{1 + i % 2}}} x_1" for i in range(100)),
}


@pytest.mark.parametrize("text", BOMBS.values(), ids=BOMBS.keys())
def test_bombs_are_answered_quickly(text):
    truth_of("easynet")
    start = time.perf_counter()
    r = check_equation("easynet", text)
    assert time.perf_counter() - start < 2.5
    assert r.verdict in ("error", "wrong", "not_checked"), r.message
    assert "could not judge" not in r.message


def test_bombs_in_a_file_do_not_stop_the_rest():
    good = r"\frac{dL}{dy_{pred}} = -\frac{2}{N}(y_{true} - y_{pred})"
    text = "\n".join(f"{b}\n{good}" for b in BOMBS.values() if len(b) < 5000)
    start = time.perf_counter()
    results = check_text("easynet", text, "text")
    assert time.perf_counter() - start < 2.5 * len(results)
    assert [r.verdict for r in results[1::2]] == ["correct"] * (len(results) // 2)


def test_every_claim_has_a_time_limit():
    from symbackprop.check.judge import judge_equation

    r = judge_equation(truth_of("easynet"), r"\frac{dL}{dw_1^{[1]}} = " + " = ".join(
        rf"\frac{{dL}}{{dh_{1 + i % 2}}} x_1" for i in range(100)), seconds=0.01)
    assert r.verdict == "error" and "took longer than" in r.message


def test_check_sources_name_no_evaluator():
    """No evaluator anywhere in the package: not the builtins (re.compile is a regex),
    not SymPy's string parsers, not lambdify (it generates code)."""
    builtin_names = {"eval", "exec", "compile", "__import__"}
    anywhere = {"sympify", "parse_expr", "lambdify", "literal_eval", "parsing"}
    expr_pkg = Path(grammar.__file__).parent  # the grammar and the AST the checker reads
    for path in [*Path(check_pkg.__file__).parent.glob("*.py"), *expr_pkg.glob("*.py")]:
        source = path.read_text(encoding="utf-8")
        toks = list(tokenize.generate_tokens(io.StringIO(source).readline))
        for prev, tok in zip(toks, toks[1:]):
            if tok.type != tokenize.NAME:
                continue
            assert tok.string not in anywhere, (path.name, tok.start, tok.string)
            if prev.string != ".":
                assert tok.string not in builtin_names, (path.name, tok.start, tok.string)


def _random_side(rng, names, depth=0):
    if depth > 4 or rng.random() < 0.3:
        return rng.choice(names + ["2", "1", "0.5", "0", "e"])
    a = lambda: _random_side(rng, names, depth + 1)  # noqa: E731
    forms = [
        lambda: f"{a()} + {a()}", lambda: f"{a()} - {a()}", lambda: f"{a()} {a()}",
        lambda: rf"\frac{{{a()}}}{{{a()}}}",
        lambda: rf"\left({a()}\right)^{{{rng.choice(['2', '-1', '1/2', a()])}}}",
        lambda: rf"\{rng.choice(['sigma', 'exp', 'log', 'tanh'])}({a()})",
        lambda: rf"\frac{{d{rng.choice(names)}}}{{d{rng.choice(names)}}}",
        lambda: rf"\frac{{\partial}}{{\partial {rng.choice(names)}}}\left({a()}\right)",
        lambda: rf"\sum_{{n=1}}^{{N}} {a()}", lambda: rf"\sigma'({a()})",
        lambda: rf"\mathbb{{1}}[{a()} > 0]", lambda: f"-{a()}",
    ]
    return rng.choice(forms)()


TOKENS = [r"\frac{", "}{", "}", "{", "(", ")", "[", "]", "^", "_", "=", "+", "-", "*", "/", " ",
          "2", "1.5", "x_1", "h_1", "y_{pred}", "w_1^{[1]}", "N", "L", "d", "dL", r"\partial",
          r"\sigma", r"\sum_{n=1}^{N}", "x_k", r"\left(", r"\right)", "'", r"\sqrt{", "e",
          "^{(n)}", r"\text{so}", "&", r"\\", r"\qquad", "dL/dw1[1]", "x1", "d(", "**"]


@pytest.mark.parametrize("seed", range(3))
def test_random_equations_never_crash_the_checker(seed):
    """Random well-formed equations and random token soup: every one gets a verdict
    with a reason, quickly, and none is an internal error."""
    import random

    rng = random.Random(seed)
    names = ["x_1", "x_2", "h_1", "h_2", "y_{pred}", "y_{true}", "w_1^{[1]}", "w_2^{[2]}", "N", "L"]
    texts = [f"{_random_side(rng, names)} = {_random_side(rng, names)}" for _ in range(150)]
    texts += ["".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 25))) for _ in range(150)]
    for text in texts:
        start = time.perf_counter()
        r = check_equation("easynet", text)
        assert time.perf_counter() - start < 2.5, text
        assert r.verdict in ("correct", "wrong", "imprecise", "error", "not_checked")
        assert r.message and "could not judge" not in r.message, (text, r.message)
