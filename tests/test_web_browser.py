"""The pages in a real browser: Debian's Chromium driven by Playwright (its own browser
download cannot be reached from these machines). The check page shows a right and a
wrong line with their verdicts, the diagnosis and KaTeX's rendering (no KaTeX error);
the lesson page shows its equations and its diagram; markup typed by a student never runs;
every asset comes from the app itself."""

import json
import shutil
from pathlib import Path

import pytest

from tests.web_server import running

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

# dL/dy_pred = -(2/N)(y_true - y_pred) for easynet's mean squared error; the second line
# flips its sign, and the third is markup that must stay text
DERIVATION = r"""$$\frac{dL}{dy_{pred}} = -\frac{2}{N}\left(y_{true} - y_{pred}\right)$$

$$\frac{dL}{dw_1^{[2]}} = \frac{2 h_1}{N}\left(y_{true} - y_{pred}\right)$$
"""


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with running(workers=2) as (url, _app):
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield url, b
            b.close()


@pytest.fixture
def page(browser):
    url, b = browser
    pg = b.new_page(viewport={"width": 1100, "height": 1300})
    problems = []
    pg.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    pg.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    pg.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    pg.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status}: {r.url}"))
    pg.on("request", lambda r: r.url.startswith(url) or r.url.startswith(("data:", "blob:"))
          or problems.append(f"elsewhere: {r.url}"))
    yield url, pg, problems
    pg.close()


def test_check_page_shows_verdicts_diagnosis_and_katex(page):
    url, pg, problems = page
    pg.goto(url + "/")
    pg.fill("#text", DERIVATION)
    pg.click("#check")
    pg.wait_for_selector("#results li")
    items = pg.locator("#results li")
    assert items.count() == 2
    assert pg.locator("#results .verdict").all_text_contents() == ["correct", "wrong"]
    assert pg.locator("#results .line").all_text_contents() == ["line 1", "line 3"]
    wrong = items.nth(1)
    assert wrong.locator(".diagnosis").text_content() == "sign"
    assert "sign" in wrong.locator(".message").text_content()
    assert wrong.locator(".counterexample").text_content().startswith("counterexample at ")
    # both claims and the correct expression typeset by KaTeX, none of them an error
    assert pg.locator("#results .katex").count() == 3
    assert pg.locator(".katex-error").count() == 0
    for shown in pg.locator("#results .tex").all_inner_texts():  # typeset, not source
        assert "\\frac" not in shown and "y_{pred}" not in shown
    font = pg.evaluate("getComputedStyle(document.querySelector('#results .katex')).fontFamily")
    assert "KaTeX_Main" in font
    assert pg.locator("#summary").text_content().startswith("2 equations: 1 correct, 1 wrong")
    with pg.expect_download() as got:
        pg.click("#download-json")
    report = json.loads(Path(got.value.path()).read_text())
    assert [(r["line"], r["verdict"], r["diagnosis"]) for r in report] == [
        (1, "correct", None), (3, "wrong", "sign")]
    with pg.expect_download() as got:
        pg.click("#download-md")
    assert got.value.suggested_filename == "report.md"
    assert "## Line 3: wrong" in Path(got.value.path()).read_text()
    assert problems == []


def test_student_markup_stays_text(page):
    url, pg, problems = page
    pg.goto(url + "/")
    pg.select_option("#format", "txt")
    pg.fill("#text", "<img src=x onerror=alert(1)> = <script>alert(2)</script>\n"
                     r"\input{/etc/passwd} = 1")
    pg.click("#check")
    pg.wait_for_selector("#results li")
    assert pg.locator("#results img").count() == 0
    assert pg.locator("#results script").count() == 0
    assert [p for p in problems if p.startswith(("dialog", "script error"))] == []


def test_lesson_page_shows_its_equations_and_diagram(page):
    url, pg, problems = page
    pg.goto(url + "/lesson?spec=easynet")
    pg.wait_for_selector("#lesson .katex")
    assert pg.locator("#lesson h1").text_content() == "Backpropagation through the easy network"
    assert pg.locator("#lesson .katex-display").count() > 20
    assert pg.locator(".katex-error").count() == 0
    diagram = pg.locator("#lesson img").first
    assert diagram.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert pg.evaluate("document.querySelector('#lesson img').naturalWidth") > 100
    names = pg.locator("#downloads a").all_text_contents()
    assert names == ["easynet.ipynb", "easynet.md", "easynet.svg", "easynet.tex"]
    assert problems == []


def test_an_uploaded_latex_file_with_a_pasted_spec(page):
    url, pg, problems = page
    pg.goto(url + "/")
    pg.select_option("#preset", "")  # my own spec
    # a 2-1 identity network: dL/dw_2^{[1]} = -2 x_2 (y_true - y_pred) / N
    pg.fill("#spec", "inputs = 2\n[[layers]]\nunits = 1\n")
    body = (b"\\begin{align}\n\\frac{dL}{dw_2^{[1]}} &= -\\frac{2 x_2}{N}(y_{true} - y_{pred})\\\\\n"
            b"\\frac{dL}{dw_1^{[1]}} &= -\\frac{2 x_2}{N}(y_{true} - y_{pred})\n\\end{align}\n")
    pg.set_input_files("#file", files=[{"name": "mine.tex", "mimeType": "text/x-tex",
                                        "buffer": body}])
    pg.wait_for_function("document.getElementById('text').value.includes('align')")
    assert pg.input_value("#format") == "tex"
    pg.click("#check")
    pg.wait_for_selector("#results li")
    assert pg.locator("#results .verdict").all_text_contents() == ["correct", "wrong"]
    assert pg.locator("#results .line").all_text_contents() == ["line 2", "line 3"]
    assert pg.locator(".katex-error").count() == 0
    with pg.expect_download() as got:
        pg.click("#download-json")
    assert {r["file"] for r in json.loads(Path(got.value.path()).read_text())} == {"mine.tex"}
    assert problems == []
