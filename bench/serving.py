"""The servers phase: every app of the bench under every server of bench/servers.py, side by side.

Keep-alive runs at the lookups' connection count for every pair; `Connection: close` runs for the
usual deployment and for imgmod under each gunicorn worker; 64 connections for imgmod under each;
and a soak of `soak_connections` for `soak_seconds` for imgmod under each gunicorn worker, which
must answer every request (no error, no dropped connection).
"""
from __future__ import annotations

import json
from pathlib import Path

from bench.loads import Loads, Target
from bench.servers import APPS, SERVERS, DEFAULT_SERVER
from bench.services import Processes, RedisServer, Server, spawn_server
from bench.stack import Stack

KINDS = ("ingest", "single", "bulk")
USUAL = "bare@gunicorn-sync"  # the usual Flask deployment: a bare app under gunicorn's sync worker
GUNICORN = tuple(server for server in SERVERS if server.startswith("gunicorn"))


def side(app: str, server: str) -> str:
    return f"{app}@{server}"


def servers_phase(plan, processes: Processes, workdir: Path, small: Stack, reference: Server, roundtrip: Server,
                  floor: Server, roundtrip_redis: RedisServer, frontend_key: str) -> dict:
    """`reference`, `roundtrip`, `floor` and `small.api` are already running under gunicorn-sync (the
    bare app) and imgmod's default server; the other pairs are started here and stopped at the end."""
    given = {side("bare", "gunicorn-sync"): reference, side("roundtrip", DEFAULT_SERVER): roundtrip,
             side("floor", DEFAULT_SERVER): floor, side("imgmod", DEFAULT_SERVER): small.api}
    started = []
    targets: dict[str, Target] = {}
    for app in APPS:
        for server in SERVERS:
            name = side(app, server)
            if name not in given:
                env = small.env if app in ("imgmod", "floor") else None
                url = roundtrip_redis.url if app in ("roundtrip", "floor") else None
                given[name] = spawn_server(processes, name.replace("@", "-"), app, server, env, url, workdir)
                started.append(given[name].process)
            redis = {"imgmod": small.redis, "roundtrip": roundtrip_redis, "floor": roundtrip_redis}.get(app)
            targets[name] = Target(given[name].wait(), redis, small if app == "imgmod" else None)

    loads = Loads.prepared(workdir, frontend_key, plan.ingest_pool)

    def load(kind: str, name: str, connections: int, seconds: float, close: bool = False) -> dict:
        if kind == "ingest":
            return loads.ingest(targets[name], connections, seconds, close)
        return loads.lookup(targets[name], kind, plan.stored_small, connections, seconds, close)

    connections = plan.lookup_connections
    if plan.warmup_seconds:
        for name in targets:
            for kind in KINDS:
                load(kind, name, connections, plan.warmup_seconds)
    closing = [USUAL] + [side("imgmod", server) for server in GUNICORN]
    # Interleaved run by run, so that the machine's other load weighs on every pair alike.
    for run in range(plan.runs):
        for kind in KINDS:
            for name in targets:
                loads.record(f"keepalive_{kind}", name, load(kind, name, connections, plan.seconds), run)
            for name in closing:
                loads.record(f"close_{kind}", name, load(kind, name, connections, plan.seconds, close=True), run)
            for server in GUNICORN:
                name = side("imgmod", server)
                loads.record(f"c64_{kind}", name, load(kind, name, 64, plan.seconds), run)
    for server in GUNICORN:
        for kind in ("ingest", "single"):
            name = side("imgmod", server)
            loads.record(f"soak_{kind}", name, load(kind, name, plan.soak_connections, plan.soak_seconds), 0)
    processes.stop(*started)
    return {"default": DEFAULT_SERVER, "soak_connections": plan.soak_connections,
            "figures": json.loads(json.dumps(loads.results))}
