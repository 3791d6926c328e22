"""One data set of a bench run: its redis-server, `imgmod serve` on it and its RQ workers."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from rq import Queue

from bench.fill import fill_stored
from bench.services import Processes, RedisServer, RQWorkers, Server, service_env, spawn_api, start_redis
from config import load_settings
from service.core.connections import connect
from service.core.store import Store
from service.core.queue import FOLLOWUP_QUEUE_NAME, QUEUE_NAME

QUIET_SECONDS = 120


class Log:
    """Progress lines on stderr, stamped with the seconds since the run started."""

    def __init__(self):
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:6.1f}s] {message}", file=sys.stderr, flush=True)


log = Log()


def log_load(figure: str, side: str, load: dict, run: int) -> None:
    """One wrk run's line of progress."""
    errors = f", {load['non2xx']} non-2xx" if load["non2xx"] else ""
    errors += f", {load['socket_errors']} socket errors" if load["socket_errors"] else ""
    answered = f", {load['proxy_answered']:.1%} answered by the proxy" if "proxy_answered" in load else ""
    log(f"run {run + 1}: {figure} {side}: {load['rps']:,.0f} req/s, p50 {load['p50_ms']:.1f} ms, "
        f"p99 {load['p99_ms']:.1f} ms, CPU per request: server {load['server_cpu_ms']:.2f} ms, "
        f"wrk {load['wrk_cpu_ms']:.3f} ms{answered}{errors}")


class Stack:
    """One data set: its redis-server, `imgmod serve` on it and its RQ workers."""

    def __init__(self, processes: Processes, name: str, workdir: Path, secret: str, frontend_key: str,
                 redis: RedisServer | None = None, env: dict | None = None):
        """Its own redis-server, or `redis` (the master of a replicated group, shared by several stacks),
        and `env` added to the service's (IMGMOD_REDIS_SENTINELS, IMGMOD_REDIS_MIN_REPLICAS_ACK, ...)."""
        self.name = name
        self.redis = redis or start_redis(processes, f"redis-{name}", workdir / f"redis-{name}")
        self.env = {**service_env(self.redis.url, secret, frontend_key), **(env or {})}
        self.settings = load_settings(self.env)
        self.store = Store(connect(self.redis.url, command_timeout=120), self.settings.threshold)
        self.api: Server = spawn_api(processes, f"api-{name}", self.env)
        self.workers = RQWorkers(processes, f"worker-{name}", self.env, self.redis.url)
        self.queues = [Queue(name, connection=self.workers.connection) for name in (QUEUE_NAME, FOLLOWUP_QUEUE_NAME)]

    def fill(self, count: int) -> None:
        started = time.monotonic()
        fill_stored(self.redis.url, self.settings.threshold, self.settings.secret_key, count)
        log(f"{self.name}: {count:,} reported images stored in {time.monotonic() - started:.1f} s")

    def wait_quiet(self) -> None:
        """No job waiting: a backlog of hides would eat the CPU of the next measurement."""
        deadline = time.monotonic() + QUIET_SECONDS
        while any(queue.count for queue in self.queues):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: the RQ queues did not drain within {QUIET_SECONDS} s")
            time.sleep(0.05)
