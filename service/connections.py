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
