"""`python -m bench.anatomy`: CPU per request, layer by layer, in one process (no HTTP server, no wrk).

Each line times many calls of one layer with the process's CPU clock, which other programs on the
machine barely disturb: the bare Flask app and imgmod's endpoints, called through `wsgi_app` as a
gunicorn worker calls them (JSON log lines formatted and written, to /dev/null; metrics in
multiprocess mode), and the pieces under them (schema, reporter hash, one Redis call). The
differences say what each layer costs; py-spy (bench.profile) says which functions inside it.

Instructions, which no neighbour disturbs, come from running one layer under callgrind at two
counts (BENCHMARKS.md, "Recording what a change bought"):

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        .venv/bin/python -m bench.anatomy --only 'GET /v1/images/<id>' --rounds 1 --count 100
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
from pathlib import Path
from typing import Callable

from bench.fill import fill_stored, stored_id
from bench.reference import create_reference_app
from bench.services import Processes, RedisServer
from config import Settings
from service import create_app, identity, logs
from service.server import MULTIPROC_ENV
from service.api.reports import REPORT
from service.schemas import ReportSchema

FRONTEND_KEY = "bench-anatomy-frontend-key-0123456789"


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


def layers(redis_url: str, count: int, only: str = "", rounds: int = 5) -> list[tuple[str, float]]:
    settings = Settings(secret_key=secrets.token_urlsafe(32), redis_url=redis_url,
                        frontend_keys={"bench": FRONTEND_KEY})
    fill_stored(redis_url, settings.threshold, settings.secret_key, 10_000)
    imgmod_app = create_app(settings)
    app, reference = wsgi_caller(imgmod_app), wsgi_caller(create_reference_app())
    store = imgmod_app.extensions["imgmod"].store
    nonce = secrets.token_hex(4)
    auth = {"Authorization": f"Bearer {FRONTEND_KEY}"}
    bulk = "&".join(f"id={stored_id(n)}" for n in range(0, 10_000, 100))
    hundred = [stored_id(n) for n in range(0, 10_000, 100)]

    def body(number: int) -> dict:
        return {"image_id": f"news-{nonce}-{number}.hero", "reason": "spam", "reporter_id": f"reader-{nonce}-{number}"}

    def post(call, number: int):
        return call("POST", "/v1/reports", body=json.dumps(body(number)).encode(), headers=auth)

    def checked(status: int, expected: int = 200):
        assert status == expected, status

    rows = [
        ("bare reference: POST JSON", lambda n: checked(post(reference, n), 202)),
        ("bare reference: GET", lambda n: checked(reference("GET", f"/v1/images/{stored_id(n % 10_000)}"))),
        ("imgmod: POST /v1/reports", lambda n: checked(post(app, n), 202)),
        ("imgmod: GET /v1/images/<id>", lambda n: checked(app("GET", f"/v1/images/{stored_id(n % 10_000)}"))),
        ("imgmod: GET /v1/images?id=…×100", lambda n: checked(app("GET", "/v1/images", bulk))),
        ("ReportSchema().load(body)", lambda n: ReportSchema().load(body(n))),
        ("identity.reporter_hash", lambda n: identity.reporter_hash(settings.secret_key, f"fe:bench:r{n}", "img")),
        ("Store.report (one Lua call)", lambda n: store.report(f"news-{nonce}-x{n}.hero", f"h{n}", "spam", None)),
        ("Store.is_hidden (ZSCORE)", lambda n: store.is_hidden(stored_id(n % 10_000))),
        ("Store.hidden_flags, 100 ids (ZMSCORE)", lambda n: store.hidden_flags(hundred)),
        ("Redis PING round trip", lambda n: store.redis.ping()),
        ("REPORT.load(body) (the endpoint's schema)", lambda n: REPORT.load(body(n))),
        ("identity.keyed_hash (the rate-limit key)", lambda n: identity.keyed_hash(settings.secret_key, "rate",
                                                                                    f"fe:bench:r{n}")),
        *shortcuts(imgmod_app, store, bulk, hundred),
    ]
    # Each of the app's own hooks in place: the report through an app without it (its cost is the
    # difference to "imgmod: POST /v1/reports"), as a hook's code and data are cold between requests.
    for kind, hook in app_hooks(imgmod_app):
        name = f"imgmod: POST /v1/reports without {hook.__module__}.{hook.__name__}"
        if only in name:
            bare_of_it = create_app(settings)
            getattr(bare_of_it, kind)[None] = [f for f in getattr(bare_of_it, kind)[None] if f.__name__ != hook.__name__]
            rows.append((name, lambda n, call=wsgi_caller(bare_of_it): checked(post(call, n), 202)))
    return [(name, round(cpu_us(call, count, rounds), 1)) for name, call in rows if only in name]


def app_hooks(app) -> list[tuple[str, Callable]]:
    """The hooks every answer of `app` passes (not a blueprint's own), which a request can do without:
    the request log line, the metrics, the security headers. (The before-request hooks cannot go:
    the JSON body check is also where the body is parsed.)"""
    return [("after_request_funcs", hook) for hook in app.after_request_funcs.get(None, [])]


def shortcuts(app, store, bulk: str, hundred: list[str]) -> list[tuple[str, Callable[[int], object]]]:
    """Each of the lookups' shortcuts beside what it replaced (BENCHMARKS.md: a shortcut stays while
    it saves 3 % or more of a request's CPU under `imgmod serve`); the pairs' answers are equal
    (tests/test_images.py, tests/test_connections.py)."""
    from flask import request

    from service.api.images import query_ids, statuses_body
    from service.schemas import VALID_IMAGE_ID, BulkQuerySchema
    from service.store import HIDDEN

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
    parser.add_argument("--only", default="", help="only the layers whose name contains this text")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a Markdown table")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir, Processes(Path(workdir) / "logs") as processes:
        worker_like(Path(workdir))
        server = RedisServer(processes, "redis-anatomy", Path(workdir) / "redis")
        rows = layers(server.url, options.count, options.only, options.rounds)
    if options.json:
        print(json.dumps(dict(rows), indent=2))
    else:
        print("| layer | CPU µs per call (this process only; Redis's own time not included) |\n| --- | --- |")
        print("\n".join(f"| {name} | {value:,.1f} |" for name, value in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
