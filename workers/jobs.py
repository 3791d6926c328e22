"""RQ jobs: small module-level functions taking ids, safe to run twice.

A job uses the services (settings, store, queues) of the worker that runs it: imgmod's workers set
them for each job they perform, in the worker process for a hide and in the work horse for a follow-up,
so every job of a worker shares one store and its connections.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar

from rq import get_current_job

from service.core import followups
from service.core.queue import enqueue_match
from service.core.services import Services
from service.core.stats import record_webhook
from workers import matching, phash, placeholder
from workers.fetch import FetchFailed, FetchRefused, fetch_image
from workers.webhook import WebhookRejected, deliver

log = logging.getLogger(__name__)

_services: ContextVar[Services] = ContextVar("imgmod_job_services")


@contextmanager
def running_with(services: Services):
    """Jobs run inside this block use `services`."""
    token = _services.set(services)
    try:
        yield
    finally:
        _services.reset(token)


def _current() -> Services:
    try:
        return _services.get()
    except LookupError:
        raise RuntimeError("imgmod jobs run in an imgmod worker (workers.worker)") from None


def hide_image(image_id: str, generation: int) -> bool:
    """Hide an image whose reports crossed the threshold at `generation`; True if this call hid it."""
    services = _current()
    event = services.store.hide_if_current(image_id, generation)
    if event and event.startswith("review_requested|"):
        log.warning("auto-hide brake holds: crossing sent to editors", extra={"image_id": image_id})
    else:
        log.info("hide %s generation %s: %s", image_id, generation, "hidden" if event else "nothing to do")
    followups.dispatch(services, event)
    return bool(event) and event.startswith("hidden")


def make_placeholder(image_id: str, generation: int) -> str:
    """Store a blurred copy of the image; any refusal leaves the neutral placeholder.

    The URL the site registered is the image; a reader's URL is used only when the site registered
    none, and is never hashed: what a reader claims never makes an image part of matching.
    The image may be reset (or reset and hidden again) while its bytes are fetched: the copy is
    stored only if it is still hidden in `generation`, checked in the same step as the write.
    """
    services = _current()
    store = services.store
    if store.status(image_id)["generation"] != int(generation) or not store.is_hidden(image_id):
        return "stale"
    url = store.registered_url(image_id) or store.reported_url(image_id)
    if url is None:
        return "neutral: no image_url"
    try:
        data = placeholder.blurred(fetch_image(url, services.settings.image_hosts))
    except (FetchRefused, FetchFailed, placeholder.ImageRefused) as error:
        log.info("placeholder %s: neutral (%s)", image_id, error)
        return f"neutral: {error}"
    return "blurred" if store.save_placeholder(image_id, int(generation), data) else "stale"


def _hash(services: Services, image_id: str, data: bytes, url: str) -> bool:
    """Keep the hash of a registered image's bytes (even a low-quality one, which never matches); True if kept."""
    try:
        found = phash.hash_bytes(data)
    except placeholder.ImageRefused as error:
        log.info("hash %s: not an image we decode (%s)", image_id, error)
        return False
    services.store.save_hash(image_id, found.bits, found.quality, url, variants=found.variants)
    return True


def register_images(images: list[list[str]]) -> int:
    """Fetch and hash images a site registered (allowed hosts only), then queue their match decisions;
    how many were hashed."""
    services = _current()
    if not phash.available():
        log.warning("registrations not hashed: %s", phash.MISSING)
        return 0
    hashed = []
    for image_id, url in images:
        try:
            data = fetch_image(url, services.settings.image_hosts)
        except (FetchRefused, FetchFailed) as error:
            log.info("register %s: not fetched (%s)", image_id, error)
            continue
        if _hash(services, image_id, data, url):
            hashed.append(image_id)
    if hashed and services.settings.match_distance is not None:
        enqueue_match(services.hides, hashed)
    return len(hashed)


def match_images(image_ids: list[str]) -> int:
    """Hide what matching calls for around each image (newly hashed, newly hidden or newly known fine);
    how many hides. An image near a known-fine photo is first marked so (its crossings go to review).

    Safe to run twice, and with other workers at once: each hide is decided again, atomically, by
    store.match_hide, which refuses one already done or no longer due."""
    services = _current()
    max_distance = services.settings.match_distance
    if max_distance is None:
        return 0
    store, hides = services.store, 0
    for image_id in image_ids:
        store.mark_near_fine(matching.fine_marks(store, image_id, max_distance))
        for copy, source, distance in matching.decide(store, image_id, max_distance):
            event = store.match_hide(copy, source, distance)
            if event:
                log.info("matched: %s hidden as a copy of %s (%d bits)", copy, source, distance)
                followups.dispatch(services, event)
                hides += 1
                if copy == image_id:
                    break  # hidden through its nearest source: one hide, one `matched` event
    return hides


def deliver_webhook(body: str) -> int:
    """POST one signed event; an exception makes RQ retry it later with the same body."""
    services = _current()
    return deliver_counted(services, body) if services.settings.webhook_url else 0


def deliver_counted(services: Services, body: str) -> int:
    """POST `body` to the site, counting the outcome for the metrics; WebhookRejected (RQ retries the
    job) unless the site answers 2xx."""
    settings = services.settings
    try:
        status = deliver(settings.webhook_url, settings.webhook_secret, body)
    except WebhookRejected:
        record_webhook(services.store, "retried" if get_current_job().should_retry else "failed")
        raise
    record_webhook(services.store, "delivered")
    return status
