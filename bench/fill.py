"""Fill Redis fast through the store's own code: Store.report and Store.hide_if_current, pipelined.

Store methods call their Lua scripts one round trip at a time. Inside `pipelined(store)` each
script call is queued on one pipeline instead and answered with the reply of that script's first
(real) call, which is all the method needs to build its return value; plain commands go to the
pipeline too. So a fill runs exactly the service's scripts with the service's keys and arguments,
at pipeline speed, and follows any change to them. The methods' return values are meaningless there.
"""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from typing import Iterator

from redis import Redis
from redis.commands.core import Script

from service.core import identity
from service.core.store import INDEXES, OUTBOX, RECENT_AUTO_HIDES, Store, image_key

BATCH = 2000
HIDDEN_EVERY = 100  # of the images stored beforehand, every 100th is at the threshold and hidden
PARALLEL_FROM = 20_000
FRONTEND = "bench"


def stored_id(number: int) -> str:
    """The id of the `number`th image stored beforehand; bench/lua draws lookups from these."""
    return f"stored-{number}.hero"


def reporter_hash(secret: str, image_id: str, reader: int) -> str:
    return identity.reporter_hash(secret, identity.frontend_identity(FRONTEND, f"reader-{reader}"), image_id)


@contextmanager
def pipelined(store: Store, batch: int = BATCH) -> Iterator[Store]:
    pipe = store.redis.pipeline(transaction=False)

    def flush() -> None:
        if len(pipe):
            pipe.execute()  # raises on the first error reply: a fill never fails silently

    def queue(script: Script):
        first_reply = None

        def call(keys=(), args=(), client=None):
            nonlocal first_reply
            if first_reply is None:
                flush()  # the real call must see everything queued before it
                first_reply = script(keys=keys, args=args)
                return first_reply
            script(keys=keys, args=args, client=pipe)
            if len(pipe) >= batch:
                flush()
            return first_reply
        return call

    saved = dict(vars(store))
    for name, value in saved.items():
        if isinstance(value, Script):
            setattr(store, name, queue(value))
    store.redis = pipe
    try:
        yield store
        flush()
    finally:
        vars(store).update(saved)


def fill(redis_url: str, threshold: int, secret: str, image_ids: list[str], reporters: int,
         image_url: str | None = None, processes: int = 2) -> None:
    """Report each image by `reporters` distinct readers; images that cross are hidden as a worker would.

    redis-py's Python side is the bottleneck of a fill (Redis itself idles at half a core), so
    the ids are shared out to a few processes.
    """
    if len(image_ids) < PARALLEL_FROM:  # starting the processes would cost more than it saves
        _fill_chunk(redis_url, threshold, secret, image_ids, reporters, image_url)
    else:
        chunks = [image_ids[n::processes] for n in range(processes)]
        with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
            list(pool.map(_fill_chunk, *zip(*[(redis_url, threshold, secret, chunk, reporters, image_url)
                                              for chunk in chunks])))
    store = connect(redis_url, threshold)
    settle(store)
    store.redis.close()


def _fill_chunk(redis_url: str, threshold: int, secret: str, image_ids: list[str], reporters: int,
                image_url: str | None) -> int:
    store = connect(redis_url, threshold)
    with pipelined(store) as queued:
        for image_id in image_ids:
            for reader in range(reporters):
                queued.report(image_id, reporter_hash(secret, image_id, reader), "spam", image_url)
    if reporters >= threshold:
        with pipelined(store) as queued:
            for image_id in image_ids:
                queued.hide_if_current(image_id, "0")
    store.redis.close()
    return len(image_ids)


def connect(redis_url: str, threshold: int) -> Store:
    # Big pipelines take longer than the service's 1 s command time-out.
    return Store(Redis.from_url(redis_url, decode_responses=True, socket_timeout=120), threshold)


def settle(store: Store) -> None:
    """What the hides leave for a while only: their outbox entries, which the worker clears once their
    follow-ups are queued, and the brake's window of the last hour's automatic hides, which keeps
    each hide an hour. A fill hides in a minute what a site hides in months: the stored images are
    weighed as they stand an hour later (the window's own cost, per hide of the last hour, is in
    BENCHMARKS.md)."""
    store.redis.delete(OUTBOX, RECENT_AUTO_HIDES)


def fill_stored(redis_url: str, threshold: int, secret: str, count: int, hidden_every: int = HIDDEN_EVERY) -> None:
    """Images `stored-<n>.hero`, one reporter each; every `hidden_every`th reaches the threshold and is hidden."""
    fill(redis_url, threshold, secret, [stored_id(n) for n in range(count) if n % hidden_every], 1)
    fill(redis_url, threshold, secret, [stored_id(n) for n in range(0, count, hidden_every)], threshold)


def forget(store: Store, image_ids: list[str]) -> None:
    """Drop images a measurement added, so that the stored count stays what the figure claims."""
    pipe = store.redis.pipeline(transaction=False)
    for start in range(0, len(image_ids), BATCH):
        chunk = image_ids[start:start + BATCH]
        pipe.delete(*map(image_key, chunk))
        for index in INDEXES.values():
            pipe.zrem(index, *chunk)
        pipe.execute()
