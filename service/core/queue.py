"""The queues: their names and how each job is enqueued."""
from __future__ import annotations

from redis import Redis
from rq import Queue, Retry

from service.core.logs import request_id_var

QUEUE_NAME = "imgmod"
# Placeholders may wait on a slow image host: their own queue keeps hides from waiting behind them.
FOLLOWUP_QUEUE_NAME = "imgmod-followups"
# A hide retried at these delays (seconds) rides out a short Redis or worker hiccup.
HIDE_RETRY = Retry(max=5, interval=[1, 2, 5, 10, 30])
# A hide takes milliseconds. It runs in the worker process, whose heartbeat nothing renews meanwhile:
# a hide stuck on Redis is stopped (and retried) after this many seconds, before that heartbeat is
# older than the 90 s after which the worker counts as dead (workers/health.py).
HIDE_TIMEOUT = 30
# A site's webhook endpoint may be down for a while: keep trying for about an hour and a half.
WEBHOOK_RETRY = Retry(max=8, interval=[1, 2, 5, 15, 60, 300, 900, 3600])
# A refused image is not an error (the neutral placeholder stands); these retries are for a
# worker killed mid-job or Redis lost for a moment.
PLACEHOLDER_RETRY = Retry(max=3, interval=[5, 30, 120])
# Each follow-up's own bound, past which RQ stops its horse (and retries it): a placeholder's fetch
# gives up after about 20 s (workers/fetch.py: 15 s in all plus one read), then Pillow decodes a
# capped image; a webhook waits 3 s to connect and 10 s for the answer.
PLACEHOLDER_TIMEOUT = 60
WEBHOOK_TIMEOUT = 30
# Registering images fetches and hashes up to 100 of them, each fetch bounded like a placeholder's.
REGISTER_TIMEOUT = 600
# A match decision is a popcount over the worker's in-memory hashes and a few script calls.
MATCH_TIMEOUT = 30



def hide_queue(connection: Redis) -> Queue:
    return Queue(QUEUE_NAME, connection=connection)


def followup_queue(connection: Redis) -> Queue:
    return Queue(FOLLOWUP_QUEUE_NAME, connection=connection)


def _meta() -> dict | None:
    # The request id rides along (and on to follow-ups), so job log lines match the request behind them.
    request_id = request_id_var.get()
    return {"request_id": request_id} if request_id else None


def enqueue_hide(queue: Queue, image_id: str, generation: int):
    # The job takes the generation that crossed, so a reset in between makes it a no-op.
    return queue.enqueue("workers.jobs.hide_image", image_id, generation, job_timeout=HIDE_TIMEOUT,
                         retry=HIDE_RETRY, description=f"hide {image_id}", meta=_meta())


def enqueue_placeholder(queue: Queue, image_id: str, generation: int):
    return queue.enqueue("workers.jobs.make_placeholder", image_id, generation, job_timeout=PLACEHOLDER_TIMEOUT,
                         retry=PLACEHOLDER_RETRY, description=f"placeholder {image_id}", meta=_meta())


def enqueue_webhook(queue: Queue, body: str, event_id: str):
    return queue.enqueue("workers.jobs.deliver_webhook", body, job_timeout=WEBHOOK_TIMEOUT, retry=WEBHOOK_RETRY,
                         description=f"webhook {event_id}", meta=_meta())


def enqueue_register(queue: Queue, images: list[tuple[str, str]]):
    """Fetch, hash and match registered images (follow-up queue: untrusted bytes go to a work horse)."""
    return queue.enqueue("workers.jobs.register_images", [list(pair) for pair in images], job_timeout=REGISTER_TIMEOUT,
                         retry=PLACEHOLDER_RETRY, description=f"register {len(images)} images", meta=_meta())


def enqueue_match(queue: Queue, image_ids: list[str]):
    """Match decisions for images newly hashed or newly hidden (hide queue: run in the worker process,
    whose in-memory index of hashes outlives the job)."""
    return queue.enqueue("workers.jobs.match_images", list(image_ids), job_timeout=MATCH_TIMEOUT, retry=HIDE_RETRY,
                         description=f"match {len(image_ids)} images", meta=_meta())
