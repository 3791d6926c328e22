"""The speed tricks' phase: imgmod against itself with one trick replaced by its plain version, in one run.

Each variant is imgmod (service.create_app) with one piece swapped, here in the bench, before or
after the app is built (bench/servers.py serves it as the app `plain:<trick>`): the product keeps
one version of each piece, and this is how the other is measured. Every side runs under the same
server on the same Redis and data set, run by run interleaved, so that the machine's other load
weighs on every side alike. A trick is kept at a throughput gain of 3 % or more (BENCHMARKS.md).
"""
from __future__ import annotations

import json
import logging
import statistics
import time

from flask import Flask, current_app, request

# trick -> what its plain version is, as BENCHMARKS.md names it
PLAIN = {
    "ensure_sync": "Flask's own ensure_sync (inspect.iscoroutinefunction on every call)",
    "report_json": "the report's answer written by the app's JSON provider",
    "log_record": "Logger.log(level, 'request', extra=...)",
    "header_scan": "headers.setdefault for each security header",
    # Not a trick of the four but the view style: the hot views with flask-smorest's own decorators
    # running (webargs loads the arguments; the answers stay the views' own, so no dump is counted).
    "smorest_views": "flask-smorest's bp.arguments and bp.response on the report and lookup views",
}
LOADS = ("ingest", "single", "bulk")


def create_plain_app(trick: str) -> Flask:
    """imgmod with `trick` replaced by its plain version (this process serves only this app)."""
    from config import load_settings
    from service import create_app
    from service.web import app as app_module, hardening, request_log
    from service.web.api import reports

    if trick == "ensure_sync" and hasattr(app_module, "App"):
        app_module.App.ensure_sync = Flask.ensure_sync
    if trick == "report_json":
        def answer_body(image_id: str, counted: bool, hidden: bool, lang: str) -> str:
            body = {"image_id": image_id, "counted": counted, "hidden": hidden, "lang": lang,
                    "message": reports.THANKS[lang]}
            return current_app.json.dumps(body, separators=(",", ":")) + "\n"  # as json.response writes it
        reports.answer_body = answer_body
    if trick == "log_record":
        request_log._finish_request = _logged_plainly(request_log)
    if trick == "smorest_views":
        _smorest_views()
    app = create_app(load_settings())
    if trick == "header_scan":
        hooks = app.after_request_funcs[None]
        hooks[:] = [_setdefault_headers(hardening) if hook.__name__ == "security_headers" else hook for hook in hooks]
    return app


def _smorest_views() -> None:
    """The report and lookup views behind flask-smorest's decorators, which load their arguments
    with webargs; the views then take what webargs loaded instead of loading it again."""
    from flask import g

    from service.web.api import images, reports
    from service.web.schemas import (BulkQuerySchema, ImageListSchema, ImagePathSchema, ImageStatusSchema,
                                     ReportResultSchema)

    loaded = lambda schema, data, location: g.bench_loaded[location]  # noqa: E731
    reports.load = images.load = loaded
    images.query_ids = lambda: g.bench_loaded["query"]["id"]
    report, image, bulk = reports.Reports.post, images.Image.get, images.Images.get
    rbp, ibp = reports.bp, images.bp

    @rbp.arguments(reports.REPORT)
    @rbp.arguments(reports.LANG_QUERY, location="query", as_kwargs=True)
    @rbp.response(202, ReportResultSchema)
    def post(self, body, **query):
        g.bench_loaded = {"json": body, "query": query}
        return report(self)

    @ibp.arguments(ImagePathSchema(), location="path", as_kwargs=True)
    @ibp.response(200, ImageStatusSchema)
    def get_one(self, image_id):
        g.bench_loaded = {"path": {"image_id": image_id}}
        return image(self, image_id)

    @ibp.arguments(BulkQuerySchema(), location="query", as_kwargs=True)
    @ibp.response(200, ImageListSchema)
    def get_many(self, **query):
        g.bench_loaded = {"query": query}
        return bulk(self)

    reports.Reports.post, images.Image.get, images.Images.get = post, get_one, get_many


def _logged_plainly(request_log):
    from service.core.logs import REQUEST_ID_HEADER, request_id_from

    log = request_log.log

    def _finish_request(response):
        state = request_log.g.get(request_log._STATE)
        if state is None:
            started, request_id = time.perf_counter(), request_id_from(None)
        else:
            started, request_id, _ = state
        response.headers[REQUEST_ID_HEADER] = request_id
        status = response.status_code
        log.log(logging.ERROR if status >= 500 else logging.INFO, "request", extra={
            "method": request.method, "path": request.path, "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2), "request_id": request_id})
        return response
    return _finish_request


def _setdefault_headers(hardening):
    def security_headers(response):
        headers = response.headers
        for name, value in hardening.BASE_HEADERS.items():
            headers.setdefault(name, value)
        headers.setdefault("Content-Security-Policy", hardening.PAGE_POLICY if response.mimetype == "text/html"
                           else hardening.RESOURCE_POLICY)
        return response
    return security_headers


def phase(plan, processes, workdir, small, frontend_key: str, tricks=tuple(PLAIN)) -> dict:
    """{load: {side: [runs]}}, sides "imgmod" and "plain:<trick>", and each trick's share per load."""
    from bench.loads import Loads, Target
    from bench.servers import DEFAULT_SERVER
    from bench.services import spawn_server
    from bench.stack import log

    sides = [("imgmod", spawn_server(processes, "tricks-imgmod", "imgmod", DEFAULT_SERVER, small.env, workdir=workdir))]
    sides += [(f"plain:{trick}", spawn_server(processes, f"tricks-{trick}", f"plain:{trick}", DEFAULT_SERVER,
                                              small.env, workdir=workdir)) for trick in tricks]
    for _, server in sides:
        server.wait()
    loads = Loads.prepared(workdir, frontend_key, plan.ingest_pool)
    targets = [(side, Target(server, small.redis, small)) for side, server in sides]
    connections = plan.lookup_connections

    def measure(kind: str, target, seconds: float) -> dict:
        if kind == "ingest":
            return loads.ingest(target, connections, seconds)
        return loads.lookup(target, kind, plan.stored_small, connections, seconds)

    if plan.warmup_seconds:
        for _, target in targets:
            for kind in LOADS:
                measure(kind, target, plan.warmup_seconds)
    for run in range(plan.runs):
        # A different side first in each run, so that no side always follows the same one.
        order = targets[run % len(targets):] + targets[:run % len(targets)]
        for kind in LOADS:
            for side, target in order:
                loads.record(kind, side, measure(kind, target, plan.seconds), run, "tricks")
    results = json.loads(json.dumps(loads.results))
    results["shares"] = shares(results, tricks)
    for trick, by_load in results["shares"].items():
        log(f"tricks: {trick}: " + ", ".join(f"{kind} {share['median']:+.1%} ({share['min']:+.1%}..{share['max']:+.1%})"
                                             for kind, share in by_load.items()))
    return results


def shares(results: dict, tricks) -> dict:
    """Per trick and load: imgmod's throughput over the plain version's, minus one, run by run paired
    (the trick's gain; negative when the plain version is faster): median, min and max over the runs."""
    out = {}
    for trick in tricks:
        out[trick] = {}
        for kind in LOADS:
            paired = [ours["rps"] / plain["rps"] - 1
                      for ours, plain in zip(results[kind]["imgmod"], results[kind][f"plain:{trick}"])]
            out[trick][kind] = {"median": statistics.median(paired), "min": min(paired), "max": max(paired)}
    return out
