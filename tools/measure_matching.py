"""Numbers for BENCHMARKS.md ("Matching"): hash time, match/false-match rates on generated photos,
Redis memory per registered image, and the time of one match decision at 10 k and 1 M images.

    .venv/bin/python -m tools.measure_matching [photos]

Starts a private redis-server (tests/redis_server.py); prints one line per measurement.
"""
from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from service.store import Store
from tests import photos
from tests.redis_server import RedisServer
from workers.matching import HashIndex
from workers.phash import BYTES, hash_bytes, MIN_QUALITY

DISTANCE = 31


def rates(count: int) -> None:
    sources = [photos.scene(seed) for seed in range(count)]
    encoded = [photos.jpeg(s) for s in sources]
    started = time.perf_counter()
    hashes = [hash_bytes(data) for data in encoded]
    print(f"hash (decode + PDQ) of a 640x420 JPEG: {(time.perf_counter() - started) / count * 1000:.1f} ms")
    packed = np.frombuffer(b"".join(h.bits for h in hashes), dtype=np.uint8).reshape(-1, BYTES)
    bits = np.unpackbits(packed, axis=1).astype(np.int16)
    pairs = count * (count - 1) // 2
    within, closest = 0, 256
    for i in range(count):  # row by row: a count x count x 256 array would not fit for large counts
        d = (bits[i + 1:] != bits[i]).sum(axis=1)
        if len(d):
            within += int((d <= DISTANCE).sum())
            closest = min(closest, int(d.min()))
    print(f"distinct photos: {pairs} pairs, {within} within {DISTANCE} bits, closest {closest} bits")
    print(f"quality: min {min(h.quality for h in hashes)}; flat grey: {hash_bytes(photos.jpeg(photos.flat())).quality}")
    for name, make in (("resized 60 % + JPEG q60", lambda s: photos.resized_copy(s, 0.6, 60)),
                       ("resized 30 % + JPEG q40", lambda s: photos.resized_copy(s, 0.3, 40)),
                       ("cropped 5 % each side", photos.cropped_copy),
                       ("watermarked (corner box)", photos.watermarked_copy)):
        d = [int(np.unpackbits(np.frombuffer(h.bits, np.uint8) ^ np.frombuffer(hash_bytes(make(s)).bits, np.uint8)).sum())
             for s, h in zip(sources, hashes)]
        print(f"{name}: {sum(x <= DISTANCE for x in d) / count * 100:.1f} % matched, median {np.median(d):.0f}, "
              f"max {max(d)} bits")


def memory(count: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        server = RedisServer(Path(directory)).start()
        try:
            client = server.client()
            store = Store(client, 3, raw=server.client(decode=False))
            rng = np.random.default_rng(1)
            before = client.info("memory")["used_memory"]
            for n in range(count):
                store.save_hash(f"news-{n:07d}.hero", rng.bytes(BYTES), 90,
                                f"https://img.example-news.com/2026/11/30/{n:07d}-agency-photo-1280.jpg")
            after = client.info("memory")["used_memory"]
            print(f"Redis memory per registered image ({count}, id 17 chars, URL 67): {(after - before) / count:.0f} bytes")
            index, started = HashIndex(), time.perf_counter()
            index.refresh(store)
            print(f"a worker's first load of {count} hashes: {(time.perf_counter() - started) * 1000:.0f} ms")
        finally:
            server.kill()


def decision(count: int) -> None:
    rng = np.random.default_rng(2)
    rows = rng.integers(0, 256, size=(count, BYTES), dtype=np.uint8)
    tracemalloc.start()
    index = HashIndex()
    for n in range(count):
        index.put(f"news-{n:07d}.hero", rows[n].tobytes(), MIN_QUALITY + 40)
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    index.near(index.ids[0], DISTANCE)
    started, runs = time.perf_counter(), 20
    for n in range(runs):
        index.near(index.ids[n], DISTANCE)
    per = (time.perf_counter() - started) / runs * 1000
    print(f"match decision (popcount over {count} hashes, in memory): {per:.1f} ms; "
          f"worker memory {held / count:.0f} bytes/image (arrays, ids and their dict)")


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    if count: rates(count)
    memory(10_000)
    decision(10_000)
    decision(1_000_000)
