"""Redis clients with time-outs short enough that an outage becomes a quick 503, never a hang."""
from __future__ import annotations

import os
import weakref

import hiredis
from typing import TYPE_CHECKING

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError, DataError, RedisError
from redis.retry import Retry
from redis.sentinel import Sentinel, SentinelManagedConnection

if TYPE_CHECKING:
    from config import Settings

CONNECT_TIMEOUT = 0.5
COMMAND_TIMEOUT = 1.0
# How long a write waits for IMGMOD_REDIS_MIN_REPLICAS_ACK replicas before it is answered 503.
REPLICA_ACK_TIMEOUT_MS = 500


class NotReplicated(RedisError):
    """The write was applied on the master but fewer replicas than asked acknowledged it in time: a
    failover could lose it, so it is not answered as done (503; the caller may retry)."""


def connect(url: str, *, decode: bool = True, command_timeout: float | None = COMMAND_TIMEOUT) -> Redis:
    """One client per process; redis-py's pool reconnects by itself when Redis returns.

    The app reads text (`decode=True`); RQ stores pickles and needs raw bytes. A worker blocks
    in BLPOP for minutes, so it passes `command_timeout=None`.

    No command is ever retried: a command whose reply comes late (or whose connection drops after
    it was sent) may already have run, and running a script twice counts a report twice or writes
    a second restore. The caller gets the error (the API answers 503) and may retry itself. A pooled
    connection that a Redis restart closed is no reason to retry either: the pool checks a
    connection before handing it out and reconnects a closed one.
    """
    return Redis.from_url(url, **_client_options(decode, command_timeout))


def sentinel_for(settings: Settings) -> Sentinel | None:
    """What finds the master through IMGMOD_REDIS_SENTINELS (None without them). It keeps connections
    of its own to every sentinel: build one per process and pass it to each client_for."""
    if not settings.redis_sentinels:
        return None
    # Not retried either (redis-py's default is three retries with back-off, per sentinel): a sentinel
    # that refuses (or is down) made every request wait 11 to 21 s for its 503.
    return Sentinel(list(settings.redis_sentinels),
                    sentinel_kwargs={"socket_timeout": CONNECT_TIMEOUT, "socket_connect_timeout": CONNECT_TIMEOUT,
                                     "retry": Retry(NoBackoff(), 0), "password": settings.redis_sentinel_password})


def client_for(settings: Settings, *, decode: bool = True, command_timeout: float | None = COMMAND_TIMEOUT,
               replica: bool = False, sentinel: Sentinel | None = None) -> Redis:
    """The client every process uses: IMGMOD_REDIS_URL's server, or with IMGMOD_REDIS_SENTINELS the
    master they name (each new connection asks them, so a failover is followed without a restart),
    or one of its replicas with `replica=True`; through `sentinel` (sentinel_for) when given."""
    if not settings.redis_sentinels:
        return connect(settings.redis_url, decode=decode, command_timeout=command_timeout)
    sentinel = sentinel or sentinel_for(settings)
    find = sentinel.slave_for if replica else sentinel.master_for
    return find(settings.redis_sentinel_master, connection_class=SentinelConnection, password=settings.redis_password,
                **_client_options(decode, command_timeout))


class SentinelConnection(SentinelManagedConnection):
    """redis-py's Sentinel-managed connection, closed like every other kind when a read is interrupted.

    redis-py's own keeps its socket when an exception interrupts a read (its `disconnect_on_error`
    defaults to False, every other connection's to True), and the pool hands it out again with the
    reply still to come. A worker told to stop (SIGTERM) while it waits in BLPOP gets StopRequested
    raised inside that read: its next command, RQ's register_death on the way out, then waited
    behind the BLPOP (up to its dequeue time-out, 30 s and more) and read the BLPOP's reply as its
    own. That was the worker that did not exit within 30 s of SIGTERM after a failover (issue 18).
    """

    def read_response(self, *args, disconnect_on_error: bool = True, **kwargs):
        return super().read_response(*args, disconnect_on_error=disconnect_on_error, **kwargs)


def _client_options(decode: bool, command_timeout: float | None) -> dict:
    return {"decode_responses": decode, "socket_connect_timeout": CONNECT_TIMEOUT,
            "socket_timeout": command_timeout, "retry": Retry(NoBackoff(), 0)}


class DirectCommands:
    """Single commands, each sent on an idle connection of this object's own.

    For each command, redis-py's client checks a connection out of its pool, records connection
    metrics and goes through its retry and event machinery, a large share of a request whose real
    work is one command (what it weighs: BENCHMARKS.md). The lookups that
    news pages make on every view and the scripts of reports and jobs are one command each, so they
    go out here. Connections are made with the client's own settings (time-outs, decoding) and kept
    on a stack, one per command in flight at once (one per gunicorn sync worker).

    Nothing is ever sent twice: a command whose reply is late, or whose connection breaks after it
    was sent, may have run, so the error goes to the caller (a 503). Like redis-py's pool, a
    connection is checked before it is reused: one that Redis closed (a restart) or that holds
    unread data is replaced before anything is sent on it.
    """

    def __init__(self, client: Redis):
        pool = client.connection_pool
        self._connection_class, self._connection_kwargs = pool.connection_class, pool.connection_kwargs
        self._idle: list = []  # list.append and list.pop are atomic: threads need no lock
        self._pid = _pid
        # redis-py's connections sit in reference cycles (maintenance-notification handlers), which
        # the garbage collector may tear down socket first: close them as soon as this object goes.
        weakref.finalize(self, _disconnect_all, self._idle)

    def __call__(self, *args, replicas: int = 0):
        """The command's reply; with `replicas`, only once that many replicas hold its writes (a WAIT sent
        right behind it on the same connection, in the same round trip), else NotReplicated."""
        connection = self._take()
        try:
            if not replicas:
                return _send(connection, args)
            reply, acknowledged = _send(connection, args, ("WAIT", replicas, REPLICA_ACK_TIMEOUT_MS))
            if acknowledged < replicas:
                raise NotReplicated(f"{acknowledged} of {replicas} replicas acknowledged the write")
            return reply
        except BaseException:
            connection.disconnect()  # out of step with Redis, or gone: the next command reconnects
            raise
        finally:
            self._idle.append(connection)

    def _take(self):
        if self._pid != _pid:  # a fork copied the parent's sockets: the child closes its copies, opens its own
            _disconnect_all(self._idle)  # redis-py shuts a socket down only in the process that made it
            self._pid = _pid
        try:
            connection = self._idle.pop()
        except IndexError:
            connection = self._connection_class(**self._connection_kwargs)
        else:
            try:
                stale = connection.can_read()  # a reply nobody read
            except ConnectionError:  # a socket Redis closed (a restart, a killed client, a failover)
                stale = True
            if stale:
                connection.disconnect()
        # Connected here, before anything is written: a Sentinel-managed connection asks the sentinels
        # for the master only in connect() (a send on an unconnected one would go to its defaults).
        try:
            connection.connect()
        except BaseException:
            self._idle.append(connection)
            raise
        return connection


def _disconnect_all(connections: list) -> None:
    while connections:
        connections.pop().disconnect()


def _send(connection, *commands):
    # hiredis packs each command in one C call (redis-py's packer first walks the arguments in
    # Python); it raises TypeError where redis-py says DataError, before anything is sent.
    try:
        packed = [hiredis.pack_command(args) for args in commands]
    except TypeError as error:
        raise DataError(str(error)) from error
    connection.send_packed_command(packed)
    replies = [connection.read_response() for _ in commands]
    return replies[0] if len(replies) == 1 else replies


_pid = os.getpid()


def _after_fork() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_after_fork)
