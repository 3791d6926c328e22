"""wrk runs of bench/lua's scripts against one server: report ingest and lookups, each with the CPU
spent per request, the ingested images dropped again afterwards."""
from __future__ import annotations

import uuid
from pathlib import Path

from bench import wrk
from bench.fill import forget
from bench.services import RedisServer, Server, measured
from bench.stack import Stack

# The ids report.lua sends; measured runs drop them again, so the stored count stays as planned.
INGEST_ID = "news-{nonce}-{number}.hero"


class Driver:
    def __init__(self, frontend_key: str, ingest_pool: int, lookup_connections: int, workdir: Path):
        self.frontend_key = frontend_key
        self.ingest_pool = ingest_pool  # images each ingest run spreads its reports over
        self.lookup_connections = lookup_connections
        self.scripts = {name: wrk.script_path(name, workdir / "lua") for name in ("report", "single", "bulk")}

    def ingest(self, server: Server, stack: Stack | None, redis: RedisServer | None, connections: int,
               seconds: int) -> dict:
        nonce = uuid.uuid4().hex[:8]
        if stack:
            stack.wait_quiet()
        load = measured(server, redis, lambda: wrk.run(server.url, self.scripts["report"], connections, seconds,
                                                       [self.frontend_key, self.ingest_pool, nonce]))
        if stack:
            forget(stack.store, [INGEST_ID.format(nonce=nonce, number=n) for n in range(self.ingest_pool)])
        return load

    def lookup(self, server: Server, stack: Stack | None, redis: RedisServer | None, kind: str, stored: int,
               seconds: int) -> dict:
        """`kind`: single or bulk (100 ids), drawn from the `stored` images of bench/fill.py."""
        if stack:
            stack.wait_quiet()
        return measured(server, redis, lambda: wrk.run(server.url, self.scripts[kind], self.lookup_connections,
                                                        seconds, [stored]))
