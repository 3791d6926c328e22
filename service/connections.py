"""Redis clients with time-outs short enough that an outage becomes a quick 503, never a hang."""
from __future__ import annotations

import os
import weakref

import hiredis
from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError, DataError, TimeoutError
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
    """Single commands, each sent on an idle connection of this object's own.

    For each command, redis-py's client checks a connection out of its pool (with a poll of the
    socket), records connection-count metrics, and goes through its retry and event machinery:
    about 70 µs of CPU on this machine, as much as the round trip itself (BENCHMARKS.md). The
    endpoints that news pages call on every page view make one command each, so they send it
    here. Connections are made with the client's own settings (time-outs, decoding), kept on a
    stack (one per command in flight at once: one per gunicorn sync worker), and a command gets the
    same one immediate retry after a connection error; replies come as Redis gives them, without
    the client's per-command conversions.
    """

    def __init__(self, client: Redis):
        pool = client.connection_pool
        self._connection_class, self._connection_kwargs = pool.connection_class, pool.connection_kwargs
        self._idle: list = []  # list.append and list.pop are atomic: threads need no lock
        self._pid = _pid
        # redis-py's connections sit in reference cycles (maintenance-notification handlers), which
        # the garbage collector may tear down socket first: close them as soon as this object goes.
        weakref.finalize(self, _disconnect_all, self._idle)

    def __call__(self, *args):
        connection = self._take()
        try:
            try:
                return _send(connection, args)
            except (ConnectionError, TimeoutError):  # redis-py has closed the connection: one fresh try
                return _send(connection, args)
        finally:
            self._idle.append(connection)  # even closed: it reconnects on its next command

    def _take(self):
        if self._pid != _pid:  # a fork copied the parent's sockets: the child closes its copies, opens its own
            _disconnect_all(self._idle)  # redis-py shuts a socket down only in the process that made it
            self._pid = _pid
        try:
            return self._idle.pop()
        except IndexError:
            return self._connection_class(**self._connection_kwargs)


def _disconnect_all(connections: list) -> None:
    while connections:
        connections.pop().disconnect()


def _send(connection, args):
    # hiredis packs the command in one C call (redis-py's packer first walks the arguments in
    # Python, a tenth of a 100-id lookup's client CPU); it raises TypeError where redis-py says DataError.
    try:
        packed = hiredis.pack_command(args)
    except TypeError as error:
        raise DataError(str(error)) from error
    connection.send_packed_command((packed,))
    return connection.read_response()


_pid = os.getpid()


def _after_fork() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_after_fork)
