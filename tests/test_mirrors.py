"""Mirrored and turned copies: matching compares PDQ's eight dihedral hashes, so a photo flipped or
turned by a picture desk is the same photo, and distinct real photos still never match.

Real photographs from scikit-image's data module (bench/photos.py `real`), served by a local HTTP
server, fetched and hashed by imgmod's worker, as in tests/test_matching.py.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from bench import photos
from service.core.store import MATCH_NEAR_FINE
from tests.conftest import run_queued_jobs, with_settings
from tests.test_known_fine import state
from tests.test_matching import matched_events, register
from workers.matching import WORD, within, within_any
from tests.test_phash import distance, popcounts
from workers.phash import BYTES, MIN_QUALITY, hash_bytes

REAL = photos.real()
SOURCE = REAL["astronaut"]
FILES = {
    "/source.jpg": photos.jpeg(SOURCE),
    "/mirrored.jpg": photos.mirrored_copy(SOURCE),
    "/turned.jpg": photos.turned_copy(SOURCE),
    "/other-mirrored.jpg": photos.mirrored_copy(REAL["coffee"]),
    "/other.jpg": photos.jpeg(REAL["rocket"]),
}
DEFAULT_DISTANCE = 31


@pytest.fixture
def settings(settings, image_host):
    return with_settings(settings, image_hosts=(image_host.host,))




def eight(found) -> list[bytes]:
    return [found.bits, *[found.variants[i:i + BYTES] for i in range(0, len(found.variants), BYTES)]]


def test_a_mirrored_copy_of_a_real_photo_is_hidden_through_its_source(client, services, admin, url, cross):
    register(client, ("agency-photo", url("/source.jpg")), ("turned", url("/turned.jpg")),
             ("unrelated-mirrored", url("/other-mirrored.jpg")), ("unrelated", url("/other.jpg")))
    run_queued_jobs(services)
    cross("agency-photo", first=0, reason="violence")
    run_queued_jobs(services)  # the hide, then the match job around the new source: the copy registered before
    assert state(admin, "turned") == "hidden"

    register(client, ("article-9.hero", url("/mirrored.jpg")))  # registered after its source is hidden
    run_queued_jobs(services)

    assert state(admin, "article-9.hero") == "hidden"
    [event] = matched_events(admin, "article-9.hero")
    assert event["detail"]["source"] == "agency-photo" and event["detail"]["distance"] <= DEFAULT_DISTANCE
    assert admin.get("/images/turned").json["matched_from"] == "agency-photo"
    assert state(admin, "unrelated-mirrored") == state(admin, "unrelated") == "visible"


def test_a_mirrored_copy_of_a_photo_judged_fine_is_never_hidden_by_matching(client, services, admin, url, cross):
    register(client, ("src", url("/source.jpg")))
    run_queued_jobs(services)
    cross("src", first=0, reason="violence")
    run_queued_jobs(services)
    admin.post("/images/src/reset", json={})  # judged fine: known fine, with its turned and mirrored hashes
    run_queued_jobs(services)
    register(client, ("mirrored", url("/mirrored.jpg")), ("turned", url("/turned.jpg")))
    run_queued_jobs(services)
    assert services.store.match_hide("mirrored", "src", 5) is None

    cross("mirrored", first=10, reason="violence")  # its own crossing goes to editors
    run_queued_jobs(services)
    assert state(admin, "mirrored") == "review"
    assert services.store.redis.hget(MATCH_NEAR_FINE, "turned") == "src"


def test_a_hash_kept_before_the_variants_still_matches_its_plain_copies(client, services, admin, url):
    found, copy = hash_bytes(FILES["/source.jpg"]), hash_bytes(photos.resized_copy(SOURCE))
    services.store.save_hash("old-source", found.bits, found.quality)  # no variants: as kept before them
    services.store.save_hash("old-copy", copy.bits, copy.quality)
    assert services.store.dihedral("old-source") == [found.bits]
    admin.post("/images/old-source/hide")
    run_queued_jobs(services)
    assert admin.get("/images/old-copy").json["matched_from"] == "old-source"


def test_mirrored_and_turned_real_photos_are_near_one_of_their_eight_hashes():
    near = 0
    for name, image in REAL.items():
        found = hash_bytes(photos.jpeg(image))
        if found.quality < MIN_QUALITY:
            continue
        mirrored, turned = hash_bytes(photos.mirrored_copy(image)), hash_bytes(photos.turned_copy(image))
        assert distance(found.bits, mirrored.bits) > DEFAULT_DISTANCE  # the plain hash misses it
        near += min(distance(bits, mirrored.bits) for bits in eight(found)) <= DEFAULT_DISTANCE
        near += min(distance(bits, turned.bits) for bits in eight(found)) <= DEFAULT_DISTANCE
    assert near >= 24  # of 34 copies of 17 photos: textures (brick, grass, gravel) move with JPEG alone


def test_distinct_real_photos_never_match_turned_or_mirrored():
    hashes = [hash_bytes(photos.jpeg(image)) for image in REAL.values()]
    hashes = [found for found in hashes if found.quality >= MIN_QUALITY]
    assert len(hashes) >= 17
    for a, b in itertools.combinations(hashes, 2):
        assert min(distance(bits, b.bits) for bits in eight(a)) > 2 * DEFAULT_DISTANCE


def test_any_of_several_queries_finds_each_row_at_its_least_distance():
    rng = np.random.default_rng(29)
    queries = [rng.bytes(BYTES) for _ in range(8)]
    rows = [rng.bytes(BYTES) for _ in range(1000)]
    for n, query in enumerate(queries * 4):  # rows near each query, some near two
        bits = np.unpackbits(np.frombuffer(query, dtype=np.uint8))
        bits[rng.choice(256, 4 * n % 40, replace=False)] ^= 1
        rows.append(np.packbits(bits).tobytes())
    packed = np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(-1, BYTES)
    columns = np.ascontiguousarray(np.frombuffer(packed.tobytes(), dtype=WORD).reshape(-1, 4).T)
    least = np.min([popcounts(query, packed) for query in queries], axis=0)
    for max_distance in (0, 16, 31, 64):
        found, apart = within_any(columns, queries, max_distance)
        assert found.tolist() == np.flatnonzero(least <= max_distance).tolist()
        assert apart.tolist() == least[found].tolist()
    one = within(columns, np.frombuffer(queries[0], dtype=WORD), 31)
    assert [part.tolist() for part in within_any(columns, queries[:1], 31)] == [part.tolist() for part in one]


def test_the_real_photo_measure_counts_mirrors_with_the_eight_hashes_only():
    from bench import real_photos
    chosen = {name: REAL[name] for name in ("astronaut", "camera", "coffee")}
    measured = real_photos.measure(chosen, DEFAULT_DISTANCE)
    assert measured["matchable"] == 3 and measured["pairs"] == 3
    assert measured["copies"]["mirrored"] == (0, 3)
    assert measured["copies"]["resized 60 % + JPEG q60"] == (3, 3)
    assert measured["false"] == {False: 0, True: 0}
    assert "| mirrored | 0/3 (0 %) | 3/3 (100 %) |" in real_photos.table(measured, measured)
