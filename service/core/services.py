"""What every imgmod process holds: its settings, the store and the hide queue. No Flask here:
workers, the command line and the app all build the same thing."""
from __future__ import annotations

from dataclasses import dataclass

from redis.sentinel import Sentinel
from rq import Queue

from config import Settings
from service.core.connections import client_for, sentinel_for
from service.core.queue import hide_queue
from service.core.ratelimit import windows
from service.core.store import Store, TrustRules


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: Store
    hides: Queue
    sentinel: Sentinel | None = None  # with IMGMOD_REDIS_SENTINELS: the one this process's clients share


def build_services(settings: Settings) -> Services:
    """Clients, store and queue for one process."""
    if not settings.has_redis:
        raise ValueError("IMGMOD_REDIS_URL or IMGMOD_REDIS_SENTINELS is required (imgmod dev starts a Redis of its own)")
    sentinel = sentinel_for(settings)
    raw = client_for(settings, decode=False, sentinel=sentinel)
    replica = client_for(settings, replica=True, sentinel=sentinel) if settings.lookups_from_replicas and sentinel else None
    store = Store(client_for(settings, sentinel=sentinel), settings.threshold, settings.audit_max_events, raw=raw,
                  report_ttl_seconds=settings.report_ttl_days * 86400,
                  rate_windows=windows(settings.report_rate_limit),
                  trust=TrustRules.of(settings),
                  min_replicas_ack=settings.redis_min_replicas_ack, lookups=replica)
    return Services(settings, store, hide_queue(raw), sentinel)
