"""Equations and their line numbers from Markdown, LaTeX and plain-text files."""

from symbackprop.check.extract import extract, kind_of


def lines_and_text(eqs):
    return [(e.line, " ".join(e.text.split()), e.text_only) for e in eqs]


def test_markdown_blocks_fences_and_inline_math():
    text = "\n".join([
        "Inline $a = b$ is not checked.",            # 1
        "$$h_1 = x_1 w_1^{[1]}$$ and $$L = 1$$",      # 2: two blocks on one line
        "```python",                                   # 3
        "s = '$$ x = 1 $$'",                           # 4: code, skipped
        "```",                                         # 5
        "```math",                                     # 6
        r"\frac{dL}{dh_1} = w",                        # 7
        "```",                                         # 8
        r"\[",                                         # 9
        r"  y_{pred} = h_1 \qquad h_2 = 3",            # 10: two equations on a row
        r"\]",                                         # 11
        "$$",                                          # 12
        r"\text{only words here}",                     # 13
        "$$",                                          # 14
    ])
    assert lines_and_text(extract(text, "markdown")) == [
        (2, "h_1 = x_1 w_1^{[1]}", False), (2, "L = 1", False),
        (7, r"\frac{dL}{dh_1} = w", False),
        (10, "y_{pred} = h_1", False), (10, "h_2 = 3", False),
        (13, r"\text{only words here}", True),
    ]


def test_aligned_rows_continuations_and_separators():
    text = "\n".join([
        "$$",                                              # 1
        r"\begin{aligned}",                                # 2
        r"\frac{dL}{dw} &= a \cdot b \\",                  # 3
        r"&= c + d",                                       # 4: continues the row above
        r"  + e \\",                                       # 5: continues its right side
        r"y_{\text{pred}} &= 1, \quad \therefore z = 2",   # 6
        r"\end{aligned}",                                  # 7
        "$$",                                              # 8
    ])
    assert lines_and_text(extract(text, "markdown")) == [
        (3, r"\frac{dL}{dw} = a \cdot b", False),
        (4, r"a \cdot b = c + d + e", False),
        (6, r"y_{\text{pred}} = 1", False),
        (6, "z = 2", False),
    ]


def test_latex_environments_and_comments():
    text = "\n".join([
        r"\documentclass{article}",                    # 1
        r"% $$ a = b $$ in a comment",                 # 2
        r"\begin{equation}",                           # 3
        r"  h_1 = x_1 \label{e1}",                     # 4
        r"\end{equation}",                             # 5
        r"\begin{align*} a &= b \\ c &= d \end{align*}",  # 6
        r"\begin{multline} p = q \\ + r \end{multline}",   # 7
        r"Text with \% percent and $x = 1$ inline.",   # 8
        r"\[ u = v \]",                                # 9
        r"\begin{gather} s = 1 \\",                    # 10
        r"  t = 2 \end{gather}",                       # 11
    ])
    assert lines_and_text(extract(text, "latex")) == [
        (4, r"h_1 = x_1 \label{e1}", False),
        (6, "a = b", False), (6, "c = d", False),
        (7, "p = q + r", False),
        (9, "u = v", False),
        (10, "s = 1", False), (11, "t = 2", False),
    ]


def test_text_lines_and_modes():
    text = "# a comment\n\ndL/dw1[1] = x1\n$h_1 = x_1$\njust words\n"
    eqs = extract(text, "text")
    assert [(e.line, e.text, e.mode, e.text_only) for e in eqs] == [
        (3, "dL/dw1[1] = x1", "ascii", False), (4, "h_1 = x_1", "latex", False),
        (5, "just words", "ascii", True)]


def test_kind_of():
    assert [kind_of(p) for p in ("a.md", "b.TEX", "c.txt", "d")] == \
        ["markdown", "latex", "text", "text"]


def test_unclosed_and_mixed_delimiters_pair_left_to_right():
    """An opener without its closer opens nothing; inside an open block the other kind of
    delimiter is content; an environment closes only with its own \\end."""
    md = "\\[ \\[ a = 1 \\]\n$$ b = 2 \\] $$\n\\[ c = 3"
    assert [e.text for e in extract(md, "markdown")] == ["\\[ a = 1", "b = 2 \\]"]
    tex = ("\\begin{equation} a = 1 \\end{align} \\end{equation}\n"
           "\\begin{align*} b &= 2 \\end{align*}\n$$ c = 3 $$ \\[ d = 4")
    # (\end{align} inside the equation is one of the wrappers a row drops)
    assert [" ".join(e.text.split()) for e in extract(tex, "latex")] == ["a = 1", "b = 2",
                                                                          "c = 3"]


def test_hostile_files_are_read_in_linear_time():
    """A file of nothing but openers: each used to rescan the rest of the file (20 KB of
    \\[ took 3.6 s, 40 KB 27 s). 400 KB of them must be read in well under a second each;
    the bound is loose (a quadratic reader would take hours), not a benchmark."""
    import time

    for kind, text in (("markdown", "\\[" * 200_000), ("markdown", "$$" + "x" * 400_000),
                       ("latex", "\\begin{equation}" * 25_000), ("latex", "\\[" * 200_000),
                       ("latex", "\\begin{align}x\\end{equation}" * 15_000)):
        t = time.perf_counter()
        assert extract(text, kind) == []
        assert time.perf_counter() - t < 5, kind


def test_a_bare_align_in_markdown_is_read():
    # KaTeX and MathJax render \begin{align} in Markdown without $$ (issue 13)
    text = "\n".join([
        "Backward:",                                       # 1
        r"\begin{align}",                                  # 2
        r"\frac{dL}{dy_{pred}} &= -1.68 \\",               # 3
        r"\frac{dL}{dh_1} &= -0.504",                      # 4
        r"\end{align}",                                    # 5
        "$$\\begin{aligned} h_1 &= 1 \\end{aligned}$$",    # 6: inside $$, read once
    ])
    assert lines_and_text(extract(text, "markdown")) == [
        (3, r"\frac{dL}{dy_{pred}} = -1.68", False), (4, r"\frac{dL}{dh_1} = -0.504", False),
        (6, "h_1 = 1", False)]
