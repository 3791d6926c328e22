"""After a hide or a restore: queue the placeholder and the webhook, exactly once per outbox entry."""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone

from service.context import Services
from service.store import OutboxEvent
from workers.queue import enqueue_placeholder, enqueue_webhook, followup_queue

EVENT_NAMESPACE = uuid.UUID("6f1d7a52-3c39-4c55-9f0e-2b7a4c1e9d10")
# An entry this old was left by a process that died between the state change and its jobs.
RECOVER_AFTER_SECONDS = 60


def event_id(event: OutboxEvent) -> str:
    # Derived, not random: a recovered entry gets the same id, so the site can drop the repeat.
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{event.entry}|{event.at_ms}"))


def webhook_body(event: OutboxEvent) -> str:
    at = datetime.fromtimestamp(event.at_ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds")
    return json.dumps({"event": f"image.{event.kind}", "event_id": event_id(event), "image_id": event.image_id,
                       "at": at.replace("+00:00", "Z")}, separators=(",", ":"))


def dispatch(services: Services, entry: str | None) -> None:
    """Queue the follow-ups of one outbox entry, then clear it; a no-op if already done."""
    event = services.store.outbox_event(entry) if entry else None
    if event is None:
        return
    queue = followup_queue(services.hides.connection)
    if event.kind == "hidden":
        enqueue_placeholder(queue, event.image_id, event.generation)
    if services.settings.webhook_url:
        enqueue_webhook(queue, webhook_body(event), event_id(event))
    services.store.outbox_done(entry)


def recover(services: Services, older_than_seconds: float = RECOVER_AFTER_SECONDS) -> int:
    """Dispatch entries whose process died before it could; returns how many."""
    cutoff_ms = int((time.time() - older_than_seconds) * 1000)
    entries = services.store.outbox_older_than(cutoff_ms)
    for entry in entries:
        dispatch(services, entry)
    return len(entries)
