"""PDQ hashes of generated photos: copies a site makes stay close, distinct photos far, flat ones unusable."""
from __future__ import annotations

import pytest

from bench import photos
from workers.matching import WORD, as_columns, within
from workers.phash import BITS, BYTES, hash_bytes
from workers.placeholder import ImageRefused

import numpy as np

DEFAULT_DISTANCE = 31


def distances(query: bytes, hashes: list[bytes]) -> np.ndarray:
    """Bits from `query` to each of `hashes`, as a worker's decision counts them (every one is within BITS)."""
    return within(as_columns(hashes), np.frombuffer(query, dtype=WORD), BITS)[1]


def distance(a: bytes, b: bytes) -> int:
    return int(distances(a, [b])[0])


def popcounts(query: bytes, packed: np.ndarray) -> np.ndarray:
    """Bits from `query` to each row of `packed` (n x BYTES), counted one by one: what `within` is held to."""
    return np.unpackbits(np.bitwise_xor(packed, np.frombuffer(query, dtype=np.uint8)), axis=1).sum(axis=1)


@pytest.mark.parametrize("seed", range(5))
def test_a_resized_reencoded_copy_is_within_the_default_distance(seed):
    source = photos.scene(seed)
    original, copy = hash_bytes(photos.jpeg(source)), hash_bytes(photos.resized_copy(source, 0.6, 60))
    assert original.matchable and copy.matchable
    assert distance(original.bits, copy.bits) <= DEFAULT_DISTANCE


def test_distinct_photos_are_far_apart():
    hashes = [hash_bytes(photos.jpeg(photos.scene(seed))).bits for seed in range(20)]
    for i, bits in enumerate(hashes):
        others = np.delete(distances(bits, hashes), i)
        assert others.min() > 2 * DEFAULT_DISTANCE


def test_a_flat_image_is_too_low_in_quality_to_match():
    assert not hash_bytes(photos.jpeg(photos.flat())).matchable
    assert hash_bytes(photos.jpeg(photos.scene(1))).matchable


def test_what_is_not_an_image_is_refused():
    with pytest.raises(ImageRefused):
        hash_bytes(b"not an image at all" * 10)


def test_distances_count_differing_bits():
    zero, ones = bytes(BYTES), b"\xff" * BYTES
    assert distances(zero, [zero, ones, b"\x01" + bytes(BYTES - 1)]).tolist() == [0, 256, 1]
