"""The hide queue: its name and how a crossing is enqueued."""
from __future__ import annotations

from redis import Redis
from rq import Queue, Retry

QUEUE_NAME = "imgmod"
# A hide retried at these delays (seconds) rides out a short Redis or worker hiccup.
HIDE_RETRY = Retry(max=5, interval=[1, 2, 5, 10, 30])


def hide_queue(connection: Redis) -> Queue:
    return Queue(QUEUE_NAME, connection=connection)


def enqueue_hide(queue: Queue, image_id: str, generation: str):
    # The job takes the generation that crossed, so a reset in between makes it a no-op.
    return queue.enqueue("workers.jobs.hide_image", image_id, generation,
                         retry=HIDE_RETRY, description=f"hide {image_id}")
