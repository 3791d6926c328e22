"""The matching figures (issue 17): hash time, match rates on generated photos, and the match decision's
time and memory with 10 k and 1 M hashes stored.

Photos are bench/photos.py's 640x420 generated scenes (gradients and overlapping shapes, JPEG q90),
made and hashed in a process per core: the false-match figure needs thousands of distinct photos,
each about 50 ms to draw and hash. Copies are made of the first `copies` of them only, four kinds each.
"""
from __future__ import annotations

import os
import statistics
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np

from service.core.store import Store
from bench import photos
from workers import matching
from workers.phash import BITS, BYTES, MIN_QUALITY, hash_bytes

# What a site does to an agency photo, by name: the figure of each is the share matched.
COPIES = {
    "resized 60 % + JPEG q60": lambda scene: photos.resized_copy(scene, 0.6, 60),
    "resized 30 % + JPEG q40": lambda scene: photos.resized_copy(scene, 0.3, 40),
    "cropped 5 % a side": photos.cropped_copy,
    "watermarked (corner box)": photos.watermarked_copy,
}
RESIZED = ("resized 60 % + JPEG q60", "resized 30 % + JPEG q40")  # the goal: >= 99 % of these
VARIANTS = 7 * BYTES  # a registration's hashes of its photo turned and mirrored (random here, like its own)
BUCKET = 4  # bits per bar of the distance histogram
DECISIONS = 20  # registrations timed per stored size
# Shaped like a news site's: ids of 17 characters, URLs of 67.
STORED_ID = "news-{:07d}.hero"
STORED_URL = "https://img.example-news.com/2026/11/30/{:07d}-agency-photo-1280.jpg"


def distance(a: bytes, b: bytes) -> int:
    """Bits between two hashes, counted as a worker's decision counts them."""
    return int(matching.within(matching.as_columns([b]), np.frombuffer(a, dtype=matching.WORD), BITS)[1][0])


def _photo(seed: int, with_copies: bool) -> tuple[bytes, int, float, dict[str, tuple[int, int]]]:
    """One generated photo's hash, its quality, the hash's time (ms), and each copy's distance from it
    and quality."""
    scene = photos.scene(seed)
    encoded = photos.jpeg(scene)
    started = time.perf_counter()
    found = hash_bytes(encoded)
    elapsed = (time.perf_counter() - started) * 1000
    apart = {}
    if with_copies:
        for kind, make in COPIES.items():
            copy = hash_bytes(make(scene))
            apart[kind] = (distance(found.bits, copy.bits), copy.quality)
    return found.bits, found.quality, elapsed, apart


def _photos(count: int, copies: int) -> list[tuple[bytes, int, float, dict[str, tuple[int, int]]]]:
    pool = ProcessPoolExecutor(max(1, min(2, os.cpu_count() or 1)), mp_context=get_context("spawn"))
    try:
        return list(pool.map(_photo, range(count), [seed < copies for seed in range(count)], chunksize=50))
    finally:  # on Ctrl-C or SIGTERM too: the chunks not started are dropped, not waited for
        pool.shutdown(cancel_futures=True)


def histogram(values: list[int], top: int = 64) -> dict[str, int]:
    """Counts per BUCKET bits (`0-3`, `4-7`, ...), everything from `top` on in one last bar."""
    bars = {f"{low}-{low + BUCKET - 1}": 0 for low in range(0, top, BUCKET)} | {f"{top}+": 0}
    for value in values:
        low = value // BUCKET * BUCKET
        bars[f"{top}+" if value >= top else f"{low}-{low + BUCKET - 1}"] += 1
    return bars


def rates(count: int, copies: int, max_distance: int) -> dict:
    """Hash time, false matches among `count` distinct photos, and true matches of `copies` of them."""
    started = time.monotonic()
    made = _photos(count, copies)
    hashes = matching.as_columns([bits for bits, *_ in made])
    close, closest = 0, 256
    for row in range(count - 1):  # row by row: all pairs at once would not fit at 10 k
        apart = matching.within(hashes[:, row + 1:], hashes[:, row], BITS)[1]  # every row, as a worker counts bits
        close += int((apart <= max_distance).sum())
        closest = min(closest, int(apart.min()))
    hash_ms = [elapsed for _, _, elapsed, _ in made]
    kinds = {}
    for kind in COPIES:
        # As a worker decides: within the distance, and both hashes of a quality that may match.
        pairs = [(found[kind], quality) for _, quality, _, found in made if found]
        apart = [distance for (distance, _), _ in pairs]
        matched = sum(distance <= max_distance and min(copy, source) >= MIN_QUALITY
                      for (distance, copy), source in pairs)
        kinds[kind] = {"count": len(pairs), "matched": matched, "rate": matched / len(pairs),
                       "median": statistics.median(apart), "max": max(apart), "histogram": histogram(apart)}
    return {
        "photos": count, "distance": max_distance, "seconds": round(time.monotonic() - started, 1),
        "hash_ms": {"median": round(statistics.median(hash_ms), 2), "p90": round(float(np.percentile(hash_ms, 90)), 2)},
        "quality_min": min(quality for _, quality, _, _ in made),
        "unmatchable": sum(quality < MIN_QUALITY for _, quality, _, _ in made),  # never match, hash kept
        "flat_quality": hash_bytes(photos.jpeg(photos.flat())).quality,
        "distinct": {"pairs": count * (count - 1) // 2, "within": close, "closest": closest},
        "copies": kinds,
    }


def stored(store: Store, count: int, max_distance: int) -> dict:
    """Redis and worker memory per registered image with `count` registered, a worker's first load, and
    the time of a match decision for each of DECISIONS new registrations (this process's index)."""
    rng = np.random.default_rng(count)
    store.redis.flushall()
    before = store.redis.info("memory")["used_memory"]
    for start in range(0, count, 10_000):  # random hashes: distinct photos are as far apart as these
        store.save_hashes([(STORED_ID.format(n), rng.bytes(BYTES), 90, STORED_URL.format(n), rng.bytes(VARIANTS))
                           for n in range(start, min(count, start + 10_000))])
    redis_bytes = (store.redis.info("memory")["used_memory"] - before) / count
    started = time.perf_counter()
    index = matching.index_for(store)  # the first load: every hash, from the log
    first_load_ms = (time.perf_counter() - started) * 1000
    tracemalloc.start()  # a second load, weighed: tracemalloc slows allocations too much to time one
    weighed = matching.HashIndex()
    weighed.refresh(store)
    worker_bytes = tracemalloc.get_traced_memory()[0] / count
    del weighed
    tracemalloc.stop()
    decisions = []
    for n in range(DECISIONS):  # a registration, then its decision: catching up the log and the popcount
        store.save_hash(f"new-{n}.hero", rng.bytes(BYTES), 90, variants=rng.bytes(VARIANTS))
        started = time.perf_counter()
        matching.decide(store, f"new-{n}.hero", max_distance)
        decisions.append((time.perf_counter() - started) * 1000)
    assert len(index) == count + DECISIONS
    return {"hashes": count, "redis_bytes_per_image": round(redis_bytes), "first_load_ms": round(first_load_ms),
            "worker_bytes_per_image": round(worker_bytes),
            "decision_ms": {"median": round(statistics.median(decisions), 2), "max": round(max(decisions), 2)}}
