"""``symbackprop serve``: the check and lesson pages in a browser, and their JSON API.

    symbackprop serve [--host H] [--port P] [--spec SPEC] [--notation STYLE]

``create_app(site)`` (in ``web.app``) is the ASGI app; this module stays free of the web
framework's imports so that the command line loads quickly.
"""

from __future__ import annotations

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def add_parser(sub) -> None:
    """The ``serve`` subcommand, added to the command line's subparsers."""
    serve = sub.add_parser("serve", help="the check and lesson pages in a browser")
    serve.add_argument("--host", default=DEFAULT_HOST, metavar="H",
                       help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="P",
                       help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--spec", metavar="SPEC",
                       help="check against this network only (a preset or a TOML file); "
                            "by default students pick a preset or paste a spec")
    serve.add_argument("--notation", default="lesson", metavar="STYLE",
                       help="the notation claims are read in (default: lesson)")


def site_of(spec: str | None, notation: str = "lesson"):
    """What the instructor fixed, checked before the server starts (SpecError if bad)."""
    from pathlib import Path

    from .. import spec as specs
    from ..errors import SpecError
    from .inputs import Site
    from .limits import notations

    if notation not in notations():
        raise SpecError(f"--notation {notation!r}: styles are {', '.join(notations())}")
    if spec is None:
        return Site(notation=notation)
    net = specs.load(spec)  # the instructor's file, read once, here
    if spec in specs.presets():
        return Site(spec={"preset": spec}, label=spec, notation=notation)
    text = Path(spec).read_text(encoding="utf-8")
    return Site(spec={"toml": text, "name": net.name}, label=net.name, notation=notation)


def run(args) -> int:
    import uvicorn

    from .app import create_app
    from .limits import QUEUE_MAX

    site = site_of(args.spec, args.notation)
    print(f"symbackprop: serving {site.label if site.spec else 'any preset or pasted spec'} "
          f"at http://{args.host}:{args.port}/ (Ctrl-C stops)", flush=True)
    # connections beyond those the queue can hold are answered 503 at once
    uvicorn.run(create_app(site), host=args.host, port=args.port, log_level="warning",
                timeout_keep_alive=5, limit_concurrency=QUEUE_MAX + 100)
    return 0
