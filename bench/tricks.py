"""The speed tricks' phase: imgmod against itself with one trick replaced by its plain version, in one run.

Each variant is imgmod (service.create_app) with one piece swapped, here in the bench, before or
after the app is built (bench/servers.py serves it as the app `plain:<trick>`): the product keeps
one version of each piece, and this is how the other is measured. Every side runs under the same
server on the same Redis and data set, run by run interleaved, so that the machine's other load
weighs on every side alike. A trick is kept at a throughput gain of 3 % or more (BENCHMARKS.md).
"""
from __future__ import annotations

import json
import statistics

from flask import Flask

# trick -> what its plain version is, as BENCHMARKS.md names it. The four tricks weighed first
# (ensure_sync's memo, the report's hand-written JSON, the hand-built LogRecord, the one-pass header
# scan) gained less than 3 % and were replaced by their plain versions; their variants went with
# them (git log bench/tricks.py). Left: the view style of the hot views, the lean one imgmod keeps
# (`documented_as`) against flask-smorest's own decorators running on every request, and the direct
# Redis command path (DirectCommands, DirectScript) against redis-py's client and pool.
PLAIN = {
    # The hot views with flask-smorest's decorators running (webargs loads the arguments; the
    # answers stay the views' own, so no dump is counted: a lower bound of that style's cost).
    "smorest_views": "flask-smorest's bp.arguments and bp.response on the report and lookup views",
    # The store's lookups and scripts through redis-py's client and pool instead of DirectCommands'
    # own connections: execute_command, and with `replicas` a non-transactional pipeline of the
    # command and WAIT (one round trip, as DirectCommands sends them).
    "direct": "redis-py's client.execute_command through its pool (a pipeline of the command and WAIT with replicas)",
}
LOADS = ("ingest", "single", "bulk")


def create_plain_app(trick: str) -> Flask:
    """imgmod with `trick` replaced by its plain version (this process serves only this app)."""
    from config import load_settings
    from service import create_app

    if trick == "smorest_views":
        _smorest_views()
    elif trick == "direct":
        _plain_commands()
    return create_app(load_settings())


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


def _plain_commands() -> None:
    """DirectCommands sending through the client it was made from, as any other redis-py call."""
    from service.core import connections

    def __init__(self, client):
        self._client = client

    def __call__(self, *args, replicas: int = 0):
        if not replicas:
            return self._client.execute_command(*args)
        pipe = self._client.pipeline(transaction=False)
        pipe.execute_command(*args)
        pipe.execute_command("WAIT", replicas, connections.REPLICA_ACK_TIMEOUT_MS)
        reply, acknowledged = pipe.execute()
        if acknowledged < replicas:
            raise connections.NotReplicated(f"{acknowledged} of {replicas} replicas acknowledged the write")
        return reply

    connections.DirectCommands.__init__, connections.DirectCommands.__call__ = __init__, __call__


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
