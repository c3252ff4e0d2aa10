"""50 students at once on this machine: every request answered, every answer the
verdicts the page was written to have, none later than the time limit (the benchmark's
load client, benchmarks/web_load.py, one page per student)."""

import asyncio

from benchmarks.web_load import load, page
from symbackprop.web.limits import CHECK_SECONDS
from tests.web_server import running


def test_the_pages_are_twenty_claims_each_different():
    texts = {page(n)[0] for n in range(50)}
    assert len(texts) == 50
    assert all(len(page(n)[1]) == 20 for n in (0, 49))


def test_fifty_students_at_once():
    with running() as (url, _app):
        result = asyncio.run(load(url, students=50, rounds=1, timeout=CHECK_SECONDS * 3))
    assert result["requests"] == result["answered"] == result["right"] == 50, result
    assert result["max"] < CHECK_SECONDS, result
