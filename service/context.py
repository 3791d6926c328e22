"""The per-app services (settings, store, queue), kept in app.extensions, never in globals."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from rq import Queue

from config import Settings
from service.connections import connect
from service.ratelimit import windows
from service.store import Store
from workers.queue import hide_queue

EXTENSION = "imgmod"


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: Store
    hides: Queue


def build_services(settings: Settings) -> Services:
    """Clients, store and queue for one process; shared by the app and the command line."""
    if not settings.redis_url:
        raise ValueError("IMGMOD_REDIS_URL is required (imgmod dev starts a Redis of its own)")
    raw = connect(settings.redis_url, decode=False)
    store = Store(connect(settings.redis_url), settings.threshold, settings.audit_max_events, raw=raw,
                  report_ttl_seconds=settings.report_ttl_days * 86400,
                  rate_windows=windows(settings.report_rate_limit))
    return Services(settings, store, hide_queue(raw))


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions[EXTENSION] = build_services(settings)


def services() -> Services:
    return current_app.extensions[EXTENSION]
