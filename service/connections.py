"""Redis clients with time-outs short enough that an outage becomes a quick 503, never a hang."""
from __future__ import annotations

import os
import threading

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError, TimeoutError
from redis.retry import Retry

CONNECT_TIMEOUT = 0.5
COMMAND_TIMEOUT = 1.0


def connect(url: str, *, decode: bool = True, command_timeout: float | None = COMMAND_TIMEOUT) -> Redis:
    """One client per process; redis-py's pool reconnects by itself when Redis returns.

    The app reads text (`decode=True`); RQ stores pickles and needs raw bytes. A worker blocks
    in BLPOP for minutes, so it passes `command_timeout=None`. One immediate retry covers a
    pooled connection that a Redis restart closed, without stretching an outage past a second.
    """
    return Redis.from_url(
        url,
        decode_responses=decode,
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_timeout=command_timeout,
        retry=Retry(NoBackoff(), 1),
    )


class DirectCommands:
    """Single commands sent on a connection that the calling thread keeps to itself.

    For each command, redis-py's client checks a connection out of its pool (with a poll of the
    socket), records connection-count metrics, and goes through its retry and event machinery:
    about 70 µs of CPU on this machine, as much as the round trip itself (BENCHMARKS.md). The
    endpoints that news pages call on every page view make one command each, so they send it
    here. The connection is made with the client's own settings (time-outs, decoding) and gets the
    same one immediate retry after a connection error; replies come as Redis gives them, without
    the client's per-command conversions.
    """

    def __init__(self, client: Redis):
        pool = client.connection_pool
        self._connection_class, self._connection_kwargs = pool.connection_class, pool.connection_kwargs
        self._local = threading.local()

    def __call__(self, *args):
        try:
            return self._send(args)
        except (ConnectionError, TimeoutError):  # redis-py has closed the connection: one fresh try
            return self._send(args)

    def _send(self, args):
        connection = self._connection()
        connection.send_command(*args)
        return connection.read_response()

    def _connection(self):
        local = self._local
        if getattr(local, "pid", None) != _pid:  # new thread, or a fork copied the parent's socket
            local.connection = self._connection_class(**self._connection_kwargs)
            local.pid = _pid
        return local.connection


_pid = os.getpid()


def _after_fork() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_after_fork)
