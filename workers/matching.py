"""Match decisions: which known images are within IMGMOD_MATCH_DISTANCE of one, by brute force.

Each worker process keeps every known hash in memory, packed in one numpy array (32 bytes a row),
and brings it up to date before each decision by reading only the ids logged since its last read
(store.hash_log) and their hashes. A decision is then one XOR and popcount over the array: no
lookup ever waits for it, and Redis is asked for the few candidates' states only. The atomic
checks (source still hidden, copy not protected nor released, not hidden twice) are the script's:
store.match_hide.
"""
from __future__ import annotations

import weakref

import numpy as np

from service.store import Store
from workers.phash import BYTES, MIN_QUALITY, distances

# Ids read from the log (and hashes fetched) per command: a first load at 1 M images is a hundred
# commands of a few milliseconds each, never one that holds Redis (and every lookup) for seconds.
LOAD_CHUNK = 10_000

_indexes: "weakref.WeakKeyDictionary[Store, HashIndex]" = weakref.WeakKeyDictionary()


class HashIndex:
    def __init__(self):
        self.position = 0  # how much of the store's hash log this index holds
        self.ids: list[str] = []
        self.rows: dict[str, int] = {}
        self.packed = np.zeros((1024, BYTES), dtype=np.uint8)
        self.quality = np.zeros(1024, dtype=np.uint8)

    def __len__(self) -> int:
        return len(self.ids)

    def refresh(self, store: Store) -> None:
        if store.hash_log_length() < self.position:  # Redis lost its data (or was flushed): start again
            self.__init__()
        while logged := store.hash_log(self.position, LOAD_CHUNK):
            self.position += len(logged)
            unique = list(dict.fromkeys(logged))
            for image_id, known in zip(unique, store.hashes(unique)):
                if known is None:
                    self.remove(image_id)  # forgotten by the retention sweep
                else:
                    self.put(image_id, *known)

    def put(self, image_id: str, bits: bytes, quality: int) -> None:
        row = self.rows.get(image_id)
        if row is None:
            row = len(self.ids)
            if row == len(self.packed):
                self.packed = np.concatenate([self.packed, np.zeros_like(self.packed)])
                self.quality = np.concatenate([self.quality, np.zeros_like(self.quality)])
            self.ids.append(image_id)
            self.rows[image_id] = row
        self.packed[row] = np.frombuffer(bits, dtype=np.uint8)
        self.quality[row] = quality

    def remove(self, image_id: str) -> None:
        row = self.rows.pop(image_id, None)
        if row is None:
            return
        last = len(self.ids) - 1
        if row != last:  # the last row takes its place
            moved = self.ids[last]
            self.ids[row], self.rows[moved] = moved, row
            self.packed[row], self.quality[row] = self.packed[last], self.quality[last]
        self.ids.pop()

    def get(self, image_id: str) -> tuple[bytes, int] | None:
        row = self.rows.get(image_id)
        return None if row is None else (self.packed[row].tobytes(), int(self.quality[row]))

    def near(self, image_id: str, max_distance: int) -> list[tuple[str, int]]:
        """(id, distance) of every other matchable image within `max_distance` of a matchable one, nearest
        first; [] when the image is unknown or its hash too low in quality to match."""
        known = self.get(image_id)
        if known is None or known[1] < MIN_QUALITY:
            return []
        count = len(self.ids)
        found = distances(known[0], self.packed[:count])
        hits = np.flatnonzero((found <= max_distance) & (self.quality[:count] >= MIN_QUALITY))
        near = sorted((int(found[i]), self.ids[i]) for i in hits if self.ids[i] != image_id)
        return [(other, distance) for distance, other in near]


def index_for(store: Store) -> HashIndex:
    """This process's index of the store's hashes, brought up to date."""
    index = _indexes.get(store)
    if index is None:
        index = _indexes[store] = HashIndex()
    index.refresh(store)
    return index


def decide(store: Store, image_id: str, max_distance: int) -> list[tuple[str, str, int]]:
    """The hides matching calls for around `image_id`, as (copy, source, distance) to try in order.

    A source (hidden, not by matching) hides every image near it; any other image is hidden through
    the nearest hidden source near it (the others are tried in turn, should the script refuse one).
    """
    near = index_for(store).near(image_id, max_distance)
    if not near:
        return []
    if store.sources([image_id])[0]:
        return [(other, image_id, distance) for other, distance in near]
    flags = store.sources([other for other, _ in near])
    return [(image_id, other, distance) for (other, distance), source in zip(near, flags) if source]
