"""Hostile input over HTTP: the checker's injection and bomb corpus sent to a real server,
markup in every field a page shows, and work that would outlast its time limit. Each
request ends quickly with the right status; nothing runs, nothing is read from disk."""

import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from symbackprop.web.limits import PAGE_BYTES
from tests.test_check_safety import BOMBS, PAYLOADS, SENTINEL
from tests.web_server import running

GOOD = r"\frac{dL}{dy_{pred}} = -\frac{2}{N}(y_{true} - y_{pred})"
SCRIPT = "<script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.fixture(scope="module")
def http():
    with running(workers=2) as (url, _app):
        with httpx.Client(base_url=url, timeout=60) as client:
            yield client


def timed(call, *args, **kwargs):
    start = time.perf_counter()
    r = call(*args, **kwargs)
    return r, time.perf_counter() - start


@pytest.mark.parametrize("fmt", ["txt", "md", "tex"])
def test_injections_are_text(http, fmt):
    SENTINEL.unlink(missing_ok=True)
    wrap = {"txt": "{}\n", "md": "$${}$$\n\n", "tex": "\\begin{{equation}}{}\\end{{equation}}\n"}[fmt]
    lines = [f"L = {p}" for p in PAYLOADS] + [f"{p} = {p}" for p in PAYLOADS] + [GOOD]
    text = "".join(wrap.format(line) for line in lines)
    r, seconds = timed(http.post, "/api/check", json={"text": text, "format": fmt})
    assert r.status_code == 200 and seconds < 30
    results = r.json()
    assert results[-1]["verdict"] == "correct"
    assert all(x["verdict"] != "correct" for x in results[:-1])
    assert not SENTINEL.exists()
    assert "root:" not in r.text  # /etc/passwd was not read


@pytest.mark.parametrize("text", BOMBS.values(), ids=BOMBS.keys())
def test_bombs_are_answered_quickly(http, text):
    r, seconds = timed(http.post, "/api/check", json={"text": text, "format": "txt"})
    assert seconds < 3.5, seconds
    if len(text.encode()) > PAGE_BYTES:
        assert r.status_code == 413
        return
    assert r.status_code == 200
    assert [x["verdict"] for x in r.json()] in (["error"], ["wrong"], ["not_checked"])


def test_markup_in_a_spec_is_text_on_the_lesson_page(http):
    spec = f'title = "{SCRIPT}"\ninputs = 1\n[[layers]]\nunits = 1\n'
    r = http.post("/lesson", content=urlencode({"spec": spec}),
                  headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text[:500]
    assert "<script>alert" not in r.text and "<img src=x" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    # the downloads carry the title as the generators wrote it, percent-encoded in the link
    assert 'download="network.md"' in r.text


def test_markup_in_an_error_is_text(http):
    r = http.get("/lesson", params={"spec": "<script>alert(1)</script>"})
    assert r.status_code == 422 and "unknown preset" in r.text
    assert "<script>alert" not in r.text and "&lt;script&gt;" in r.text
    r = http.post("/api/check", json={"text": "", "spec": f'inputs = 1\n{SCRIPT} = 1\n'})
    assert r.status_code == 422 and r.headers["content-type"] == "application/json"


def test_pages_forbid_scripts_from_elsewhere(http):
    r = http.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in r.text  # no inline script: every script is a file of the app


def test_a_form_with_bad_utf8_or_too_many_fields(http):
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert http.post("/lesson", content=b"spec=%ff%fe", headers=form).status_code == 400
    assert http.post("/lesson", content="&".join(f"a{i}=1" for i in range(50)),
                     headers=form).status_code == 400


def test_no_file_is_read_for_a_request(http):
    for spec in ("/etc/passwd", "../../etc/passwd", "tests/data/check/lesson.md", "README.md"):
        r = http.post("/api/check", json={"text": GOOD, "format": "txt", "spec": spec})
        assert r.status_code == 422 and "unknown preset" in r.json()["error"]
    assert http.get("/static/../pyproject.toml").status_code == 404
    assert http.get("/static/%2e%2e/app.py").status_code == 404


def test_work_past_its_time_limit_is_killed_and_its_worker_replaced():
    slow = "\n".join("L = " + r"\sum_{k=1}^{9}" * 10 + f"x_1 + {i}" for i in range(60))
    with running(workers=1, check_seconds=1.0) as (url, app):
        with httpx.Client(base_url=url, timeout=60) as http:
            before = app.pool.pids()
            r, seconds = timed(http.post, "/api/check", json={"text": slow, "format": "txt"})
            assert r.status_code == 504 and 1.0 <= seconds < 3.0, (r.status_code, seconds)
            assert "longer than 1 s" in r.json()["error"]
            after = app.pool.pids()
            assert after and not after & before  # the stuck worker is gone, a new one serves
            r, seconds = timed(http.post, "/api/check", json={"text": GOOD, "format": "txt"})
            assert r.status_code == 200 and r.json()[0]["verdict"] == "correct"
            assert seconds < 1.0


def test_answers_are_not_cached_and_assets_are(http):
    assert http.post("/api/check", json={"text": GOOD}).headers["cache-control"] == "no-store"
    assert http.get("/").headers["cache-control"] == "no-store"
    assert "max-age" in http.get("/static/katex/katex.min.js").headers["cache-control"]


def test_more_waiting_than_the_queue_holds_are_told_to_come_back(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from symbackprop.web import pool

    monkeypatch.setattr(pool, "QUEUE_MAX", 1)
    slow = "\n".join("L = " + r"\sum_{k=1}^{9}" * 10 + f"x_1 + {i}" for i in range(60))
    with running(workers=1, check_seconds=3.0) as (url, _app):
        with httpx.Client(base_url=url, timeout=60) as http, ThreadPoolExecutor(2) as run:
            busy = run.submit(http.post, "/api/check", json={"text": slow, "format": "txt"})
            time.sleep(0.5)
            waiting = run.submit(http.post, "/api/check", json={"text": GOOD, "format": "txt"})
            time.sleep(0.5)
            r, seconds = timed(http.post, "/api/check", json={"text": GOOD, "format": "txt"})
            assert r.status_code == 503 and seconds < 0.5 and "busy" in r.json()["error"]
            assert busy.result().status_code == 504
            assert waiting.result().json()[0]["verdict"] == "correct"


def test_a_worker_that_dies_is_replaced():
    import os
    import signal

    with running(workers=1) as (url, app):
        with httpx.Client(base_url=url, timeout=60) as http:
            (pid,) = app.pool.pids()
            os.kill(pid, signal.SIGKILL)  # as the kernel would, out of memory
            time.sleep(0.2)
            r = http.post("/api/check", json={"text": GOOD, "format": "txt"})
            assert r.status_code == 500 and r.json()["error"] == "the worker stopped while doing the work"
            assert app.pool.pids() and pid not in app.pool.pids()
            r = http.post("/api/check", json={"text": GOOD, "format": "txt"})
            assert r.status_code == 200 and r.json()[0]["verdict"] == "correct"


@pytest.mark.skipif(not Path("/proc/self/limits").exists(), reason="Linux's /proc shows limits")
def test_a_worker_has_bounded_memory():
    from multiprocessing import get_context

    from symbackprop.web.limits import WORKER_BYTES
    from symbackprop.web.pool import Worker

    w = Worker(get_context("forkserver"), None)
    try:
        # a job of the worker's own kind cannot reach this; ask the kernel through /proc
        limits = Path(f"/proc/{w.proc.pid}/limits").read_text()
        line = next(l for l in limits.splitlines() if l.startswith("Max address space"))
        assert line.split()[3] == str(WORKER_BYTES)
    finally:
        w.stop()
