"""After a hide or a restore: queue the placeholder and the webhook owed by its outbox entry.

Delivery is at least once. The script that hides or restores writes the outbox entry; the process
that ran it queues the follow-ups, then removes the entry. If it dies in between, recovery (each
worker at start, and the reconciler) claims the entry once it is IMGMOD_PENDING_GRACE_SECONDS old
by Redis's clock (the age after which a crossing's hide is enqueued again: the same question, whether
the process that owed the work is gone), each entry going to one claimer per lease, and queues them
again. A process does not die only: across a failover its hide can be applied and its follow-ups
fail to be queued, and the grace is then how late its webhook comes. A follow-up can
therefore be queued twice only when a process stalls or dies after queueing and before removing
the entry (or when RQ retries a job): the site drops such a repeat by its `event_id`, which is
derived from the entry's image, generation and kind alone, so a hide redone after a failover
carries the same id.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

from service.core import statements
from service.core.queue import enqueue_match, enqueue_placeholder, enqueue_webhook, followup_queue
from service.core.services import Services
from service.core.store import OutboxEvent

EVENT_NAMESPACE = uuid.UUID("6f1d7a52-3c39-4c55-9f0e-2b7a4c1e9d10")


def event_id(event: OutboxEvent) -> str:
    # One hide and one restore at most per image and generation: the id names that event, not the moment.
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{event.kind}|{event.generation}|{event.image_id}"))


def webhook_body(event: OutboxEvent) -> str:
    at = datetime.fromtimestamp(event.at_ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds")
    body = {"event": f"image.{event.kind}", "event_id": event_id(event), "image_id": event.image_id,
            "at": at.replace("+00:00", "Z")}
    if event.hidden_by:  # why it is hidden: reports, editor or match
        body["hidden_by"] = event.hidden_by
    if event.matched_from:  # a hide by matching names its source
        body["matched_from"] = event.matched_from
    return json.dumps(body, separators=(",", ":"))


def dispatch(services: Services, entry: str | None) -> None:
    """Queue the follow-ups of one outbox entry that this process holds, then clear it."""
    if not entry:
        return
    event = OutboxEvent.parse(entry)
    queue = followup_queue(services.hides.connection) if event.kind == "hidden" or services.settings.webhook_url else None
    if event.kind == "hidden":
        # Its statement of reasons (DSA Art 17), once per restriction, before the entry is cleared.
        statements.record_hide(services, event)
        enqueue_placeholder(queue, event.image_id, event.generation)
        if (event.matched_from is None and services.settings.match_distance is not None
                and services.store.has_hash(event.image_id)):
            # A new source: a worker hides the known images matching it (a copy is never a source).
            # Only images the site registered are hashed, so only they are sources.
            enqueue_match(services.hides, [event.image_id])
    if services.settings.webhook_url:
        enqueue_webhook(queue, webhook_body(event), event_id(event))
    services.store.outbox_done(entry)


def recover(services: Services, older_than_seconds: float | None = None) -> int:
    """Dispatch entries whose process died (or lost Redis) before it could, by default those older than
    the pending grace; returns how many this call claimed."""
    if older_than_seconds is None:
        older_than_seconds = services.settings.pending_grace_seconds
    entries = services.store.claim_outbox(int(older_than_seconds * 1000))
    for entry in entries:
        dispatch(services, entry)
    return len(entries)
