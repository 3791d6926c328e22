"""How a worker takes its next job, so that no job is lost between being taken and being started."""
from __future__ import annotations

from rq.queue import Queue
from rq.utils import as_text

# An idle worker blocks on its first queue (hides, whose latency counts) for this long, then looks
# at the others: a follow-up waits at most this much longer for an idle worker.
OTHER_QUEUES_EVERY_SECONDS = 1


class MovingQueue(Queue):
    """RQ's queue, taken from as RQ takes from one queue, however many the worker listens on.

    RQ's worker on one queue moves each job it takes into that queue's intermediate list (LMOVE)
    until the job's start is recorded: a job taken by a worker that then died, or whose Redis failed
    over before the start reached the replica, is found there by RQ's maintenance a minute later and
    retried. On several queues RQ pops with BLPOP instead, and such a job is gone for good: a
    webhook that is never sent. Here every take is a move. RQ blocks on all the queues at once with
    BLPOP; a move blocks on one list, so an idle worker blocks on its first queue and looks at the
    others every OTHER_QUEUES_EVERY_SECONDS (a DequeueTimeout, after which RQ's loop beats the
    worker's heartbeat and comes back).
    """

    @classmethod
    def dequeue_any(cls, queues, timeout, connection=None, job_class=None, serializer=None,
                    death_penalty_class=None):
        queues = list(queues)
        while True:
            taken = next(filter(None, (cls.lmove(connection, queue.key, None) for queue in queues)), None)
            if taken is None:
                if timeout is None:  # a burst worker's look: nothing waiting
                    return None
                # Raises DequeueTimeout when nothing came: RQ's loop calls again.
                taken = cls.lmove(connection, queues[0].key, min(timeout, OTHER_QUEUES_EVERY_SECONDS))
            queue_key, job_id = taken
            result = cls._fetch_dequeued_job(connection, queue_key, as_text(job_id), job_class=job_class,
                                             serializer=serializer, death_penalty_class=death_penalty_class)
            if result is not None:  # else the job's data is gone (deleted meanwhile): take the next
                return result
