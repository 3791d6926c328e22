"""Redis clients with time-outs short enough that an outage becomes a quick 503, never a hang."""
from __future__ import annotations

from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

CONNECT_TIMEOUT = 0.5
COMMAND_TIMEOUT = 1.0


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
    return Redis.from_url(
        url,
        decode_responses=decode,
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_timeout=command_timeout,
        retry=Retry(NoBackoff(), 0),
    )
