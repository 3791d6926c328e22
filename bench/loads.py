"""The bench's wrk runs against one server: report ingest and lookups, with the CPU each request cost."""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench import wrk
from bench.fill import forget
from bench.services import RedisServer, Server, cpu_seconds
from bench.stack import Stack, log_load

# The ids report.lua sends; measured runs drop them again, so the stored count stays as planned.
INGEST_ID = "news-{nonce}-{number}.hero"
CLOSE = ("-H", "Connection: close")  # every request on a new connection, as gunicorn's sync worker serves


@dataclass(frozen=True)
class Target:
    """One server to load: its Redis (whose CPU counts too; the bare app has none) and, for imgmod,
    its data set (whose queues must be quiet before a run, and whose ingested ids are dropped after).
    Behind a proxy (`server` is nginx), `behind` is the API it passes requests to: its CPU counts with
    the proxy's, and the lookups its log shows (`api_log`) are those the proxy did not answer itself."""
    server: Server
    redis: RedisServer | None = None
    stack: Stack | None = None
    behind: Server | None = None
    api_log: Path | None = None


@dataclass
class Loads:
    scripts: dict[str, Path]
    frontend_key: str
    ingest_pool: int
    results: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))

    @classmethod
    def prepared(cls, workdir: Path, frontend_key: str, ingest_pool: int) -> "Loads":
        scripts = {name: wrk.script_path(name, workdir / "lua") for name in ("report", "single", "bulk", "widget")}
        return cls(scripts, frontend_key, ingest_pool)

    def ingest(self, target: Target, connections: int, seconds: float, close: bool = False) -> dict:
        nonce = uuid.uuid4().hex[:8]
        load = self._measured(target, "report", connections, seconds, [self.frontend_key, self.ingest_pool, nonce],
                              close)
        if target.stack:
            forget(target.stack.store, [INGEST_ID.format(nonce=nonce, number=n) for n in range(self.ingest_pool)])
        return load

    def lookup(self, target: Target, kind: str, stored: int, connections: int, seconds: float,
               close: bool = False) -> dict:
        return self._measured(target, kind, connections, seconds, [stored], close)

    def widget(self, target: Target, mix: tuple[Path, Path], origin: str, connections: int, seconds: float) -> dict:
        """The widget's lookups over the page-view mix (bench/widget.py), with `origin` ("" for none)."""
        return self._measured(target, "widget", connections, seconds, [*mix, origin], False)

    def _measured(self, target: Target, script: str, connections: int, seconds: float, args: list,
                  close: bool) -> dict:
        """One wrk run, with the CPU the server (all its processes, and the API's behind a proxy) and
        its Redis spent per request; behind a proxy, the share of lookups the API never saw."""
        if target.stack:
            target.stack.wait_quiet()
        pids = [target.server.process.pid] + ([target.behind.process.pid] if target.behind else [])
        redis = target.redis
        server_cpu, redis_cpu = [cpu_seconds(pid) for pid in pids], redis.cpu() if redis else 0.0
        offset = target.api_log.stat().st_size if target.api_log else 0
        figures = wrk.run(target.server.url, self.scripts[script], connections, seconds, args,
                          extra=CLOSE if close else ())
        per_request = 1000 / max(1, figures.requests)
        spent = [(cpu_seconds(pid) - before) * per_request for pid, before in zip(pids, server_cpu)]
        load = {**figures.as_dict(),
                "server_cpu_ms": round(sum(spent), 4),
                "redis_cpu_ms": round((redis.cpu() - redis_cpu) * per_request, 4) if redis else None}
        if target.behind:
            load["api_cpu_ms"] = round(spent[1], 4)
        if target.api_log and script in ("widget", "single", "bulk"):
            passed = api_lookups(target.api_log, offset)
            load["api_lookups"] = passed
            load["proxy_answered"] = round(max(0.0, 1 - passed / max(1, figures.requests)), 4)
        return load

    def record(self, figure: str, side: str, load: dict, run: int, phase: str = "") -> None:
        self.results[figure][side].append(load)
        log_load(f"{phase} {figure}".strip(), side, load, run)


def api_lookups(log: Path, offset: int) -> int:
    """The lookups imgmod's request log (one JSON line per request) holds past `offset` bytes: those
    the proxy passed on (misses, expired copies, revalidations)."""
    with log.open("rb") as lines:
        lines.seek(offset)
        return sum(1 for line in lines if b'"message":"request"' in line and b'"path":"/v1/images' in line)
