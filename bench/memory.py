"""Redis memory per reported image: INFO's used_memory around a fill, and MEMORY USAGE by kind of key."""
from __future__ import annotations

import random

from redis import Redis

from bench.fill import fill
from service.core.store import AUDIT, INDEXES, OUTBOX, image_key

SAMPLE = 2000


def image_ids(count: int) -> list[str]:
    # Shaped like the README's example ids: the id is stored in the key and in every index.
    return [f"article-{n}.hero" for n in range(count)]


def measure(client: Redis, redis_url: str, threshold: int, secret: str, images: int, reporters: int,
            image_url: str | None = None) -> dict:
    """Fill an empty Redis with `images` images reported by `reporters` readers each, and weigh it."""
    client.flushall()
    before = data_memory(client)
    ids = image_ids(images)
    fill(redis_url, threshold, secret, ids, reporters, image_url)
    after = data_memory(client)
    return {
        "images": images,
        "reporters": reporters,
        "image_url": bool(image_url),
        "bytes_per_image": round((after - before) / images, 1),
        "by_key": _by_key(client, ids),
        "encodings": {"image": client.object("encoding", image_key(ids[0])),
                      **{name: client.object("encoding", key) for name, key in INDEXES.items() if client.exists(key)}},
        "keys": client.dbsize(),
    }


def data_memory(client: Redis) -> int:
    """used_memory without what clients hold: the buffers of the fill's connections (and of the
    previous fill's, which the server may free only after FLUSHALL has answered) are not the data's.
    A flush done lazily is waited for."""
    while True:
        info = client.info("memory")
        if not info.get("lazyfree_pending_objects"):
            return info["used_memory"] - info.get("mem_clients_normal", 0) - info.get("mem_clients_slaves", 0)


def _by_key(client: Redis, ids: list[str]) -> dict:
    """MEMORY USAGE per image of each kind of key (image hashes sampled, the rest weighed whole)."""
    sample = random.Random(0).sample(ids, min(SAMPLE, len(ids)))
    pipe = client.pipeline(transaction=False)
    for image_id in sample:
        pipe.memory_usage(image_key(image_id), samples=0)
    hashes = sum(pipe.execute()) / len(sample)
    weights = {"image hash": round(hashes, 1)}
    for name, key in {**INDEXES, "audit": AUDIT, "outbox": OUTBOX}.items():
        usage = client.memory_usage(key, samples=0)
        if usage:
            weights[f"{name} index" if key in INDEXES.values() else name] = round(usage / len(ids), 1)
    return weights
