"""The JSON API over HTTP against a real server: /api/check gives what ``check --json``
gives for the same file, with the verdicts the slips page was written to have;
/api/lesson gives the committed gallery's pages; every bad request gets its status
(400/413/422) with a one-line JSON error, never a stack trace."""

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from symbackprop.web.limits import PAGE_BYTES, SPEC_BYTES
from tests.test_check_pages import SLIPS
from tests.web_server import running

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "check"


@pytest.fixture(scope="module")
def http():
    with running(workers=2) as (url, _app):
        with httpx.Client(base_url=url, timeout=60) as client:
            yield client


def cli_json(spec, path) -> list:
    out = subprocess.run([sys.executable, "-m", "symbackprop", "check", spec, str(path), "--json"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("name,fmt", [("lesson_slips.md", "md"), ("lesson.tex", "tex"),
                                      ("lesson.txt", "txt")])
def test_check_api_gives_what_check_json_gives(http, name, fmt):
    path = DATA / name
    r = http.post("/api/check", json={"spec": "easynet", "text": path.read_text(),
                                      "format": fmt, "notation": "lesson", "file": str(path)})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == cli_json("easynet", path)


def test_check_api_finds_the_slips_the_page_was_written_with(http):
    r = http.post("/api/check", json={"text": (DATA / "lesson_slips.md").read_text()})
    assert r.status_code == 200
    got = [(x["line"], x["verdict"], x["diagnosis"]) for x in r.json()]
    assert got == [(int(str(k).rstrip("b")), v, d) for k, (v, d) in SLIPS.items()]
    assert all(x["file"] == "<text>" for x in r.json())


def test_check_api_with_a_pasted_spec(http):
    # a 2-1 identity network: L = (y - w1 x1 - w2 x2)^2 / N, so dL/dw_1 = -2 x_1 (y - y_pred) / N
    spec = "inputs = 2\n[[layers]]\nunits = 1\n"
    text = ("$$\\frac{dL}{dw_1^{[1]}} = -\\frac{2 x_1}{N}(y_{true} - y_{pred})$$\n"
            "$$\\frac{dL}{dw_2^{[1]}} = -\\frac{2 x_1}{N}(y_{true} - y_{pred})$$\n")
    r = http.post("/api/check", json={"spec": spec, "text": text})
    assert r.status_code == 200, r.text
    assert [(x["line"], x["verdict"]) for x in r.json()] == [(1, "correct"), (2, "wrong")]
    assert r.json()[1]["diagnosis"] == "wrong_index"


def test_lesson_api_gives_the_gallery_pages(http):
    r = http.post("/api/lesson", json={"spec": "easynet"})
    assert r.status_code == 200
    out = r.json()
    assert out["name"] == "easynet"
    assert sorted(out["files"]) == ["easynet.ipynb", "easynet.md", "easynet.svg", "easynet.tex"]
    for name in ("easynet.md", "easynet.svg", "easynet.tex"):
        assert out["files"][name] == (ROOT / "output" / name).read_text(), name
    nb = json.loads(out["files"]["easynet.ipynb"])
    assert nb["nbformat"] == 4 and nb["cells"]


def test_lesson_page_has_its_equations_diagram_and_downloads(http):
    r = http.get("/lesson", params={"spec": "circuit"})
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    html = r.text
    assert 'class="math block"' in html
    assert 'src="data:image/svg+xml;base64,' in html
    for name in ("circuit.md", "circuit.tex", "circuit.ipynb"):
        assert f'download="{name}"' in html


def error_of(r, status):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "status"} and body["status"] == status
    assert "\n" not in body["error"] and "Traceback" not in body["error"]
    return body["error"]


@pytest.mark.parametrize("content,status,words", [
    (b"{", 400, "not JSON"),
    (b"\xff\xfe{}", 400, "not UTF-8"),
    (b"[1, 2]", 400, "JSON object"),
    (b"[" * 100_000 + b"]" * 100_000, 400, "nested too deeply"),
    (b'{"text": 3}', 422, "'text' must be a string"),
    (b'{"spec": "easynet"}', 422, "'text' is missing"),
    (b'{"text": "", "format": "docx"}', 422, "md, tex, txt"),
    (b'{"text": "", "notation": "bishop"}', 422, "lesson"),
    (b'{"text": "", "spec": "easynett"}', 422, "did you mean 'easynet'"),
    (b'{"text": "", "txet": ""}', 422, "did you mean 'text'"),
    (b'{"text": "", "spec": "inputs = 0\\n[[layers]]\\nunits = 1\\n"}', 422, "spec:1"),
    (b'{"text": "", "spec": "inputs = [\\n"}', 422, "malformed TOML"),
])
def test_bad_requests_get_their_status(http, content, status, words):
    r = http.post("/api/check", content=content, headers={"content-type": "application/json"})
    assert words in error_of(r, status)


def test_size_limits(http):
    big = "$$x_1 = x_1$$\n" * (PAGE_BYTES // 14 + 1)
    assert "1048576" in error_of(http.post("/api/check", json={"text": big}), 413)
    name = "n" * 100_000
    spec = f'name = "{name}"\ninputs = 1\n[[layers]]\nunits = 1\n'
    assert str(SPEC_BYTES) in error_of(http.post("/api/check", json={"text": "", "spec": spec}), 413)
    assert str(SPEC_BYTES) in error_of(http.post("/api/lesson", json={"spec": spec}), 413)
    r = http.post("/api/check", content=b"x" * 10_000_000)
    assert "larger than" in error_of(r, 413)


def test_unknown_routes_and_methods_are_json(http):
    assert error_of(http.get("/api/nothing"), 404)
    assert error_of(http.get("/api/check"), 405)


def test_serve_command_rejects_a_bad_spec_or_notation():
    for args, words in ((["--spec", "nonet"], "unknown preset"),
                        (["--notation", "bishop"], "styles are lesson")):
        out = subprocess.run([sys.executable, "-m", "symbackprop", "serve", *args],
                             capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert out.returncode == 2 and words in out.stderr, out.stderr


def test_a_spec_fixed_by_the_instructor(tmp_path):
    from symbackprop.web import site_of

    path = tmp_path / "course.toml"
    path.write_text('name = "course"\ninputs = 2\n[[layers]]\nunits = 1\n')
    # dL/dw_1^{[1]} = -2 x_1 (y_true - y_pred) / N for this 2-1 identity network
    claim = r"\frac{dL}{dw_1^{[1]}} = -\frac{2 x_1}{N}(y_{true} - y_{pred})"
    with running(site_of(str(path)), workers=1) as (url, _app):
        with httpx.Client(base_url=url, timeout=60) as http:
            page = http.get("/").text
            assert "<strong>course</strong>" in page and 'id="preset"' not in page
            r = http.post("/api/check", json={"text": claim, "format": "txt"})
            assert [x["verdict"] for x in r.json()] == ["correct"]
            r = http.post("/api/check", json={"text": claim, "format": "txt", "spec": "easynet"})
            assert "against course only" in error_of(r, 422)
            assert http.post("/api/lesson", json={}).json()["name"] == "course"


def test_the_readme_curl_example(http):
    r = http.post("/api/check", json={"text": "dL/dy_pred = -2/N*(y_true - y_pred)",
                                      "format": "txt"})
    assert [(x["line"], x["verdict"]) for x in r.json()] == [(1, "correct")]
