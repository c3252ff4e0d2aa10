"""The web app: two pages (check, lesson) and their JSON API, a thin layer over the
same functions as the command line; the work runs in a bounded pool of worker processes
(``pool``) so that a request never blocks the server for longer than its time limit.

    GET  /              the check page          POST /api/check   {"spec", "text", "format", "notation"}
    GET  /lesson        the lesson page         POST /api/lesson  {"spec"}
    POST /lesson        ... of a pasted spec    GET  /static/...  KaTeX, the page's script and style
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..render.env import environment
from . import inputs
from .inputs import HTTPError, Site
from .limits import CHECK_SECONDS, FORMATS, LESSON_SECONDS, notations
from .pool import Busy, Crashed, Pool, TimeUp

STATIC = Path(__file__).parent / "static"
# scripts only from the app itself; KaTeX sets inline styles; pictures may be data URIs
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer")]
NO_STORE = (b"cache-control", b"no-store")          # answers: about one request only
CACHED = (b"cache-control", b"public, max-age=86400")  # KaTeX, the script, the style


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status)


async def _work(pool: Pool, name: str, payload, seconds: float):
    """The job's value, or HTTPError with the status that says why not."""
    try:
        kind, value = await pool.run(name, payload, seconds)
    except TimeUp:
        raise HTTPError(504, f"the work took longer than {seconds:g} s and was stopped") from None
    except Busy:
        raise HTTPError(503, "the server is busy; try again in a minute") from None
    except Crashed:
        raise HTTPError(500, "the worker stopped while doing the work") from None
    if kind == "error":
        raise HTTPError(*value)
    return value


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = (list(message["headers"]) + HEADERS
                                      + [CACHED if static else NO_STORE])
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(site: Site | None = None, workers: int | None = None,
               check_seconds: float = CHECK_SECONDS,
               lesson_seconds: float = LESSON_SECONDS) -> SecurityHeaders:
    """The app; ``workers`` processes (default: one per core) do the work, each request
    for at most its time limit."""
    site = site or Site()
    pool = Pool(workers or os.cpu_count() or 1, warm_spec=site.default)
    env = environment("html")  # the one factory: autoescaped, sandboxed

    def page(template: str, status: int = 200, **view) -> HTMLResponse:
        view.update(site=site, presets=site.presets, formats=list(FORMATS),
                    notations=notations())
        return HTMLResponse(env.get_template(f"web/{template}").render(**view),
                            status_code=status)

    async def check_page(request: Request):
        return page("check.html.j2")

    async def lesson_page(request: Request):
        try:
            if request.method == "POST":
                data = inputs.form(await inputs.body(request))
            else:
                data = dict(request.query_params)
            payload = inputs.lesson_payload(site, {k: v for k, v in data.items()
                                                   if k == "spec"}, html=True)
            out = await _work(pool, "lesson", payload, lesson_seconds)
        except HTTPError as e:
            return page("lesson.html.j2", status=e.status, error=e.message, lesson=None)
        return page("lesson.html.j2", error=None, lesson=out,
                    chosen=data.get("spec", site.label))

    async def api_check(request: Request):
        try:
            payload = inputs.check_payload(site, inputs.json_object(await inputs.body(request)))
            report = await _work(pool, "check", payload, check_seconds)
        except HTTPError as e:
            return _error(e.status, e.message)
        return Response(report, media_type="application/json")

    async def api_lesson(request: Request):
        try:
            payload = inputs.lesson_payload(site, inputs.json_object(await inputs.body(request)))
            out = await _work(pool, "lesson", payload, lesson_seconds)
        except HTTPError as e:
            return _error(e.status, e.message)
        return JSONResponse(out)

    async def favicon(request: Request):
        return Response(status_code=204)

    async def http_error(request: Request, exc: HTTPException):
        if request.url.path.startswith("/api/"):
            return _error(exc.status_code, exc.detail)
        return page("error.html.j2", status=exc.status_code, error=exc.detail)

    async def server_error(request: Request, exc: Exception):
        return _error(500, "internal error")

    @asynccontextmanager
    async def lifespan(app):
        await pool.start()
        try:
            yield
        finally:
            await pool.close()

    routes = [
        Route("/", check_page),
        Route("/lesson", lesson_page, methods=["GET", "POST"]),
        Route("/favicon.ico", favicon),
        Route("/api/check", api_check, methods=["POST"]),
        Route("/api/lesson", api_lesson, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={HTTPException: http_error, Exception: server_error})
    wrapped = SecurityHeaders(app)
    wrapped.pool = pool
    return wrapped
