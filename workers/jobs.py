"""RQ jobs: small module-level functions taking ids, safe to run twice."""
from __future__ import annotations

import logging
import weakref

from rq import get_current_job

from config import load_settings
from service import followups
from service.context import Services
from service.metrics import record_webhook
from service.store import Store
from workers import placeholder
from workers.fetch import FetchFailed, FetchRefused, fetch_image
from workers.queue import hide_queue
from workers.webhook import WebhookRejected, deliver

log = logging.getLogger(__name__)


# Per worker connection: a store loads its scripts and keeps connections of its own, too much to
# redo for every job (a hide's latency is measured in milliseconds). A horse forked for a follow-up
# inherits its worker's entry; the store's connections see the fork and open their own.
_by_connection: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _services() -> Services:
    """The worker's own connection, with the settings of the environment at its first job."""
    connection = get_current_job().connection
    services = _by_connection.get(connection)
    if services is None:
        settings = load_settings()
        store = Store(connection, settings.threshold, settings.audit_max_events)
        services = _by_connection[connection] = Services(settings, store, hide_queue(connection))
    return services


def hide_image(image_id: str, generation: str) -> bool:
    """Hide an image whose reports crossed the threshold at `generation`; True if this call hid it."""
    services = _services()
    event = services.store.hide_if_current(image_id, generation)
    log.info("hide %s generation %s: %s", image_id, generation, "hidden" if event else "nothing to do")
    followups.dispatch(services, event)
    return event is not None


def make_placeholder(image_id: str, generation: str) -> str:
    """Store a blurred copy of the reported image_url; any refusal leaves the neutral placeholder."""
    services = _services()
    store = services.store
    if not store.is_hidden(image_id) or store.status(image_id)["generation"] != int(generation):
        return "stale"
    url = store.image_url(image_id)
    if url is None:
        return "neutral: no image_url"
    try:
        data = placeholder.blurred(fetch_image(url, services.settings.image_hosts))
    except (FetchRefused, FetchFailed, placeholder.ImageRefused) as error:
        log.info("placeholder %s: neutral (%s)", image_id, error)
        return f"neutral: {error}"
    store.save_placeholder(image_id, data)
    return "blurred"


def deliver_webhook(body: str) -> int:
    """POST one signed event; an exception makes RQ retry it later with the same body."""
    services = _services()
    settings = services.settings
    if not settings.webhook_url:
        return 0
    try:
        status = deliver(settings.webhook_url, settings.webhook_secret, body)
    except WebhookRejected:
        record_webhook(services.store, "retried" if get_current_job().should_retry else "failed")
        raise
    record_webhook(services.store, "delivered")
    return status
