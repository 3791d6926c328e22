"""`python -m bench.anatomy`: CPU per request, layer by layer, in one process (no HTTP server, no wrk).

Each line times many calls of one layer with the process's CPU clock, which other programs on the
machine barely disturb: the bare Flask app and imgmod's endpoints, called through `wsgi_app` as a
gunicorn worker calls them (JSON log lines formatted and written, to /dev/null; metrics in
multiprocess mode), and the pieces under them (schema, reporter hash, one Redis call). The
differences say what each layer costs; py-spy (bench.profile) says which functions inside it.

Instructions, which no neighbour disturbs, come from running one layer (named exactly) under
callgrind at two counts: `python -m bench.instructions 'imgmod: GET /v1/images/<id>'` does it
(BENCHMARKS.md, "Recording what a change bought").
"""
from __future__ import annotations

import argparse
import io
import json
import logging
import os
import secrets
import sys
import tempfile
import time
from contextvars import copy_context
from dataclasses import replace
from pathlib import Path
from typing import Callable


from bench.fill import fill_stored, stored_id
from bench.reference import create_floor_app, create_reference_app
from bench.services import Processes, start_redis
from config import Settings
from service import create_app
from service.core import identity, logs
from service.server import MULTIPROC_ENV
from service.web.api.reports import REPORT
from service.web.schemas import ReportSchema

FRONTEND_KEY = "bench-anatomy-frontend-key-0123456789"
CORS_ORIGIN = "https://news.example"


def cpu_us(call: Callable[[int], object], count: int, rounds: int = 5) -> float:
    """CPU microseconds per call, the least of a few rounds: interference only ever adds time."""
    best = float("inf")
    for round_number in range(rounds):
        started = time.process_time()
        for number in range(count):
            call(round_number * count + number)
        best = min(best, (time.process_time() - started) * 1e6 / count)
    return best


def wsgi_caller(app):
    """call(method, path, query, body, headers) -> status: one request through `app.wsgi_app`, as
    gunicorn's sync worker hands it over (no test client in between)."""
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(int(status[:3]))

    def call(method: str, path: str, query: str = "", body: bytes = b"", headers: dict | None = None) -> int:
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "bench",
                   "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.0", "wsgi.url_scheme": "http",
                   "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.multithread": False,
                   "wsgi.multiprocess": True, "wsgi.run_once": False, "REMOTE_ADDR": "127.0.0.1",
                   "HTTP_HOST": "bench", "HTTP_USER_AGENT": "wrk"}
        if body:
            environ.update(CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(body)))
        environ.update({"HTTP_" + name.upper().replace("-", "_"): value for name, value in (headers or {}).items()})
        for _ in app.wsgi_app(environ, start_response):
            pass
        return statuses.pop()

    return call


def layers(redis_url: str, count: int, only: str = "", rounds: int = 5, stored: int = 10_000) -> list[tuple[str, float]]:
    """Each layer's CPU per call: those whose name contains `only`, or the one named `only` exactly."""
    settings = Settings(secret_key=secrets.token_urlsafe(32), redis_url=redis_url,
                        frontend_keys={"bench": FRONTEND_KEY})
    fill_stored(redis_url, settings.threshold, settings.secret_key, stored)
    imgmod_app = create_app(settings)
    app, reference = wsgi_caller(imgmod_app), wsgi_caller(create_reference_app())
    # The other two references of the bench, on this Redis: the one-round-trip app and the contract floor.
    others = {"one-round-trip reference": wsgi_caller(create_reference_app(redis_url)),
              "required-work floor": wsgi_caller(create_floor_app(settings))}
    store = imgmod_app.extensions["imgmod"].store
    nonce = secrets.token_hex(4)
    auth = {"Authorization": f"Bearer {FRONTEND_KEY}"}
    # 100 distinct stored ids of which one is hidden, as most of the bench's random draws (bench/lua/bulk.lua).
    hundred = [stored_id(n * 101 % stored) for n in range(100)]
    bulk = "&".join(f"id={image_id}" for image_id in hundred)

    def body(number: int) -> dict:
        return {"image_id": f"news-{nonce}-{number}.hero", "reason": "spam", "reporter_id": f"reader-{nonce}-{number}"}

    def checked(status: int, expected: int = 200):
        assert status == expected, status

    # The three requests of the bench's load (bench/lua), as `request(call, number)` through any app.
    requests = {
        "POST /v1/reports": lambda call, n, headers=None: checked(
            call("POST", "/v1/reports", body=json.dumps(body(n)).encode(), headers={**auth, **(headers or {})}), 202),
        "GET /v1/images/<id>": lambda call, n, headers=None: checked(
            call("GET", f"/v1/images/{stored_id(n % stored)}", headers=headers)),
        "GET /v1/images?id=…×100": lambda call, n, headers=None: checked(
            call("GET", "/v1/images", bulk, headers=headers)),
    }
    post, single = requests["POST /v1/reports"], requests["GET /v1/images/<id>"]
    rows = [
        ("bare reference: POST JSON", lambda n: post(reference, n)),
        ("bare reference: GET", lambda n: single(reference, n)),
        *((f"{side}: {name}", lambda n, request=request, call=call: request(call, n))
          for side, call in others.items() for name, request in requests.items()),
        *((f"imgmod: {name}", lambda n, request=request: request(app, n)) for name, request in requests.items()),
        ("ReportSchema().load(body)", lambda n: ReportSchema().load(body(n))),
        ("identity.reporter_hash", lambda n: identity.reporter_hash(settings.secret_key, f"fe:bench:r{n}", "img")),
        ("Store.report (one Lua call)", lambda n: store.report(f"news-{nonce}-x{n}.hero", f"h{n}", "spam", None)),
        ("Store.is_hidden (ZSCORE)", lambda n: store.is_hidden(stored_id(n % stored))),
        ("Store.hidden_flags, 100 ids (ZMSCORE)", lambda n: store.hidden_flags(hundred)),
        ("Redis PING round trip", lambda n: store.redis.ping()),
        ("REPORT.load(body) (the endpoint's schema)", lambda n: REPORT.load(body(n))),
        ("identity.keyed_hash (the rate-limit key)", lambda n: identity.keyed_hash(settings.secret_key, "rate",
                                                                                    f"fe:bench:r{n}")),
        *shortcuts(imgmod_app, store, bulk, hundred),
    ]
    # Each of the app's own hooks in place: each request through an app without it (its cost is the
    # difference to the "imgmod: …" row), as a hook's code and data are cold between requests. The
    # body check stays for the report: it is also where the report's body is parsed. And CORS, which
    # the bench's imgmod (as `imgmod serve` by default) does without: a page of an allowed origin asks.
    variants = [(f"imgmod: {name} without {hook.__module__}.{hook.__name__}", name, (kind, hook))
                for kind, hook in app_hooks(imgmod_app) for name in requests
                if not (hook.__name__ == "_check_json_body" and name.startswith("POST"))]
    variants += [(f"imgmod: {name} with CORS", name, None) for name in requests]
    # CORS as flask-cors works it out for every answer, without imgmod's per-origin cache (service/web/cors.py).
    variants += [(f"imgmod: {name} with CORS, flask-cors on every answer", name, "flask-cors") for name in requests]
    exact = only in {name for name, _ in rows} | {row for row, _, _ in variants}

    def wanted(name: str) -> bool:
        return name == only if exact else only in name

    for row, name, hook in variants:
        if wanted(row):  # its app is built only when asked for: a valgrind run counts its making too
            if hook == "flask-cors":
                variant = uncached_cors(replace(settings, cors_origins=(CORS_ORIGIN,)))
            elif hook:
                variant = without(create_app(settings), *hook)
            else:
                variant = create_app(replace(settings, cors_origins=(CORS_ORIGIN,)))
            headers = {"Origin": CORS_ORIGIN} if hook in (None, "flask-cors") else None
            rows.append((row, lambda n, request=requests[name], call=wsgi_caller(variant), headers=headers:
                         request(call, n, headers)))
    # Each layer in a context of its own: an app without its teardown hook leaves its request id set.
    return [(name, round(copy_context().run(cpu_us, call, count, rounds), 1)) for name, call in rows if wanted(name)]


def uncached_cors(settings: Settings):
    """imgmod with CORS worked out by flask-cors for every answer, as before its per-origin cache."""
    from service.web import cors

    cors.CACHED = False
    try:
        return create_app(settings)
    finally:
        cors.CACHED = True


def app_hooks(app) -> list[tuple[str, Callable]]:
    """The hooks every request of `app` passes (not a blueprint's own), as (kind, hook): the request id
    and log line, the query and body checks, the metrics, the security headers."""
    kinds = ("before_request_funcs", "after_request_funcs", "teardown_request_funcs")
    return [(kind, hook) for kind in kinds for hook in getattr(app, kind).get(None, [])]


def without(app, kind: str, hook: Callable):
    """`app` with one of its hooks taken out."""
    getattr(app, kind)[None] = [f for f in getattr(app, kind)[None] if f.__name__ != hook.__name__]
    return app


def shortcuts(app, store, bulk: str, hundred: list[str]) -> list[tuple[str, Callable[[int], object]]]:
    """Each of the lookups' shortcuts beside what it replaced (BENCHMARKS.md: a shortcut stays while
    it saves 3 % or more of a request's CPU under `imgmod serve`); the pairs' answers are equal
    (tests/test_images.py, tests/test_connections.py)."""
    from flask import request

    from service.web.api.images import query_ids, statuses_body
    from service.web.schemas import VALID_IMAGE_ID, BulkQuerySchema
    from service.core.store import HIDDEN

    flags, schema = "0" * len(hundred), BulkQuerySchema()
    one = hundred[0]

    def in_request(call):
        def run(number):
            with app.test_request_context("/v1/images?" + bulk):
                return call()
        return run

    provider = app.json
    return [
        ("shortcut: bulk answer written out, 100 ids", lambda n: statuses_body(hundred, flags)),
        ("shortcut's alternative: bulk answer by the JSON provider, 100 ids",
         lambda n: provider.dumps({"images": [{"image_id": i, "hidden": False} for i in hundred]}) + "\n"),
        ("shortcut: query split by hand, 100 ids (in a request context)", in_request(query_ids)),
        ("shortcut's alternative: werkzeug's query parse, 100 ids (in a request context)",
         in_request(lambda: request.args.getlist("id"))),
        ("shortcut: ids checked by one expression, 100 ids", lambda n: all(map(VALID_IMAGE_ID.fullmatch, hundred))),
        ("shortcut's alternative: BulkQuerySchema().load, 100 ids", lambda n: schema.load({"id": hundred})),
        ("shortcut: ZSCORE on the direct path (Store.is_hidden)", lambda n: store.is_hidden(one)),
        ("shortcut's alternative: ZSCORE through redis-py's client", lambda n: store.redis.zscore(HIDDEN, one)),
        ("shortcut: ZMSCORE of 100 on the direct path (Store.hidden_flags)", lambda n: store.hidden_flags(hundred)),
        ("shortcut's alternative: ZMSCORE of 100 through redis-py's client",
         lambda n: store.redis.zmscore(HIDDEN, hundred)),
    ]


def worker_like(workdir: Path) -> None:
    """This process as a gunicorn worker of `imgmod serve`: metrics in multiprocess mode, JSON log
    lines formatted and written (to /dev/null, so that the table stays readable)."""
    os.environ[MULTIPROC_ENV] = str(workdir / "metrics")
    (workdir / "metrics").mkdir()
    logs.configure("INFO")
    for handler in logging.getLogger().handlers:
        handler.setStream(open(os.devnull, "w"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.anatomy", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="calls per layer and round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per layer; the least is kept")
    parser.add_argument("--only", default="", help="only the layers whose name contains this text, or the one named so")
    parser.add_argument("--stored", type=int, default=10_000,
                        help="images stored beforehand (fewer: a shorter set-up under valgrind)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a Markdown table")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir, Processes(Path(workdir) / "logs") as processes:
        worker_like(Path(workdir))
        server = start_redis(processes, "redis-anatomy", Path(workdir) / "redis")
        rows = layers(server.url, options.count, options.only, options.rounds, options.stored)
    if options.json:
        print(json.dumps(dict(rows), indent=2))
    else:
        print("| layer | CPU µs per call (this process only; Redis's own time not included) |\n| --- | --- |")
        print("\n".join(f"| {name} | {value:,.1f} |" for name, value in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
