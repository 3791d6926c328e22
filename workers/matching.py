"""Match decisions: which known images are within IMGMOD_MATCH_DISTANCE of one, by brute force.

Each worker process keeps every known hash in memory, as four 64-bit words in four numpy columns
(32 bytes an image), and brings it up to date before each decision by reading only the ids logged
since its last read (store.hash_log) and their hashes (all of them afresh if the log was trimmed
past its last read). A decision is then an XOR and popcount of
two columns, and of the other two only for the rows still within the distance (`within`): no
lookup ever waits for it, and Redis is asked for the few candidates' states only. The atomic
checks (source still hidden, copy not protected nor released nor judged fine, not hidden twice) are
the script's: store.match_hide.

A photo matches its copies turned or mirrored too: each registration keeps the hashes of its image
turned and mirrored (PDQ's eight dihedral variants) in Redis, and a decision asks the index for any of
the image's eight, while the index holds one hash an image (its memory and load stay as they were; a
decision reads the columns eight times). A pair is found from either side, since turning one photo
into the other and back are both among the eight.

Known-fine photos (the registered hashes of images editors restored with `disagree`, with their
variants) are held apart, reloaded whenever their version in Redis changes: an image within the distance of
one is never hidden by matching, and is marked near it (store.mark_near_fine) so that its own
crossings go to review.
"""
from __future__ import annotations

import weakref
from typing import Sequence

import numpy as np

from service.core.store import Store
from workers.phash import BITS, MIN_QUALITY

WORDS = BITS // 64
WORD = np.dtype("<u8")  # the hash's bytes read as little-endian words, whatever the machine's order

# Ids read from the log (and hashes fetched) per command: a first load at 1 M images is a hundred
# commands of a few milliseconds each, never one that holds Redis (and every lookup) for seconds.
LOAD_CHUNK = 10_000

_indexes: "weakref.WeakKeyDictionary[Store, HashIndex]" = weakref.WeakKeyDictionary()
_fine: "weakref.WeakKeyDictionary[Store, FineIndex]" = weakref.WeakKeyDictionary()


class HashIndex:
    def __init__(self):
        self.position = 0  # how much of the store's hash log this index holds
        self.epoch = ""  # of the hashes it holds (store.MATCH_EPOCH)
        self.ids: list[str] = []
        self.rows: dict[str, int] = {}
        self.words = np.zeros((WORDS, 1024), dtype=WORD)  # word i of every hash in row i: each contiguous
        self.quality = np.zeros(1024, dtype=np.uint8)

    def __len__(self) -> int:
        return len(self.ids)

    def refresh(self, store: Store) -> None:
        while True:
            epoch, base, length, logged = store.hash_log(self.position, LOAD_CHUNK)
            # Trimmed past what it read, or Redis lost its data (and may have logged as much again since).
            if epoch != self.epoch or not base <= self.position <= base + length:
                self.reload(store, base + length, epoch)
                continue
            if not logged:
                return
            self.position += len(logged)
            unique = list(dict.fromkeys(logged))
            for image_id, known in zip(unique, store.hashes(unique)):
                if known is None:
                    self.remove(image_id)  # forgotten by the retention sweep
                else:
                    self.put(image_id, *known)

    def reload(self, store: Store, position: int, epoch: str) -> None:
        """Every hash afresh, as of log `position` in `epoch`: what is logged after it is read next, so
        a hash written or forgotten during the load ends up as Redis holds it."""
        self.__init__()
        self.epoch = epoch
        for chunk in store.all_hashes(LOAD_CHUNK):
            for image_id, bits, quality in chunk:
                self.put(image_id, bits, quality)
        self.position = position

    def put(self, image_id: str, bits: bytes, quality: int) -> None:
        row = self.rows.get(image_id)
        if row is None:
            row = len(self.ids)
            if row == len(self.quality):
                self.words = np.concatenate([self.words, np.zeros_like(self.words)], axis=1)
                self.quality = np.concatenate([self.quality, np.zeros_like(self.quality)])
            self.ids.append(image_id)
            self.rows[image_id] = row
        self.words[:, row] = np.frombuffer(bits, dtype=WORD)
        self.quality[row] = quality

    def remove(self, image_id: str) -> None:
        row = self.rows.pop(image_id, None)
        if row is None:
            return
        last = len(self.ids) - 1
        if row != last:  # the last row takes its place
            moved = self.ids[last]
            self.ids[row], self.rows[moved] = moved, row
            self.words[:, row], self.quality[row] = self.words[:, last], self.quality[last]
        self.ids.pop()

    def get(self, image_id: str) -> tuple[bytes, int] | None:
        row = self.rows.get(image_id)
        return None if row is None else (self.words[:, row].tobytes(), int(self.quality[row]))

    def near(self, image_id: str, max_distance: int, variants: Sequence[bytes] = ()) -> list[tuple[str, int]]:
        """(id, distance) of every other matchable image within `max_distance` of a matchable one or of any
        of its `variants` (the image turned and mirrored), nearest first, each at its least distance; []
        when the image is unknown or its hash too low in quality to match."""
        known = self.get(image_id)
        if known is None or known[1] < MIN_QUALITY:
            return []
        rows, found = within_any(self.words[:, :len(self.ids)], [known[0], *variants], max_distance)
        matchable = self.quality[rows] >= MIN_QUALITY
        near = sorted((int(distance), self.ids[row]) for row, distance in zip(rows[matchable], found[matchable])
                      if self.ids[row] != image_id)
        return [(other, distance) for distance, other in near]


class FineIndex:
    """The known-fine photos' hashes, as the store holds them at `version` (few: one per restored photo),
    each with its turned and mirrored variants: one row per hash, `owners` naming each row's photo."""

    def __init__(self):
        self.version: tuple[str, int] | None = None
        self.ids: list[str] = []
        self.owners: list[str] = []
        self.words = np.zeros((WORDS, 0), dtype=WORD)

    def refresh(self, store: Store) -> None:
        version, fine = store.fine_hashes(self.version)
        if fine is None:
            return
        rows = [(image_id, bits) for image_id, (bits, quality, variants) in fine.items() if quality >= MIN_QUALITY
                for bits in (bits, *variants)]
        self.ids = list(dict.fromkeys(image_id for image_id, _ in rows))
        self.owners = [image_id for image_id, _ in rows]
        self.words = as_columns([bits for _, bits in rows])
        self.version = version

    def nearest(self, known: tuple[bytes, int] | None, max_distance: int) -> str | None:
        """The id of the known-fine photo nearest a (hash, quality) within `max_distance`, turned or
        mirrored or not, else None."""
        if known is None or known[1] < MIN_QUALITY or not self.owners:
            return None
        rows, found = within(self.words, np.frombuffer(known[0], dtype=WORD), max_distance)
        return self.owners[int(rows[np.argmin(found)])] if len(rows) else None


def fine_for(store: Store) -> FineIndex:
    """This process's copy of the store's known-fine hashes, brought up to date."""
    fine = _fine.get(store)
    if fine is None:
        fine = _fine[store] = FineIndex()
    fine.refresh(store)
    return fine


def as_columns(hashes: Sequence[bytes]) -> np.ndarray:
    """32-byte hashes as `within` reads them: WORDS x n words, word i of every hash in row i."""
    return np.ascontiguousarray(np.frombuffer(b"".join(hashes), dtype=WORD).reshape(-1, WORDS).T)


def within(columns: np.ndarray, query: np.ndarray, max_distance: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, distances) of the hashes in `columns` (WORDS x n words) within `max_distance` bits of `query`.

    Two unrelated hashes differ in about 64 bits of every 128, so the first two words, read in full,
    leave almost no row within 31 bits; the other two words are read for those rows only. (After one
    word about half the rows remain, and gathering them costs more than reading the second column in
    full.) Faster than all four columns read in full, and than byte rows (the decision's times: BENCHMARKS.md)."""
    found = np.bitwise_count(columns[0] ^ query[0]).astype(np.int16)  # four words' counts outgrow uint8
    found += np.bitwise_count(columns[1] ^ query[1])
    rows = np.flatnonzero(found <= max_distance)
    found = found[rows]
    for word in range(2, WORDS):
        found += np.bitwise_count(columns[word, rows] ^ query[word])
        keep = found <= max_distance
        rows, found = rows[keep], found[keep]
    return rows, found


def within_any(columns: np.ndarray, queries: Sequence[bytes], max_distance: int) -> tuple[np.ndarray, np.ndarray]:
    """`within` for several query hashes: each row within `max_distance` of any of them, at its least
    distance, rows in increasing order."""
    if len(queries) == 1:
        return within(columns, np.frombuffer(queries[0], dtype=WORD), max_distance)
    found = [within(columns, np.frombuffer(query, dtype=WORD), max_distance) for query in queries]
    rows, distances = np.concatenate([rows for rows, _ in found]), np.concatenate([apart for _, apart in found])
    order = np.lexsort((distances, rows))  # by row, then distance: each row's first is its least
    rows, distances = rows[order], distances[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    return rows[first], distances[first]


def index_for(store: Store) -> HashIndex:
    """This process's index of the store's hashes, brought up to date."""
    index = _indexes.get(store)
    if index is None:
        index = _indexes[store] = HashIndex()
    index.refresh(store)
    return index


def fine_marks(store: Store, image_id: str, max_distance: int) -> list[tuple[str, str]]:
    """(image, known-fine image) for the images near a known-fine photo around `image_id`: every registered
    image near it when it is itself known fine, else itself when it is near one."""
    index, fine = index_for(store), fine_for(store)
    if image_id in fine.ids:
        return [(other, image_id) for other, _ in index.near(image_id, max_distance, store.dihedral(image_id)[1:])]
    nearest = fine.nearest(index.get(image_id), max_distance)
    return [(image_id, nearest)] if nearest is not None and nearest != image_id else []


def decide(store: Store, image_id: str, max_distance: int) -> list[tuple[str, str, int]]:
    """The hides matching calls for around `image_id`, as (copy, source, distance) to try in order.

    A source (hidden, not by matching) hides every image near it; any other image is hidden through
    the nearest hidden source near it (the others are tried in turn, should the script refuse one).
    An image within the distance of a known-fine photo is never hidden by matching.
    """
    index, fine = index_for(store), fine_for(store)
    near = index.near(image_id, max_distance, store.dihedral(image_id)[1:])
    if not near:
        return []

    def fine_photo(other: str) -> bool:
        return other in fine.ids or fine.nearest(index.get(other), max_distance) is not None

    if store.sources([image_id])[0]:
        return [(other, image_id, distance) for other, distance in near if not fine_photo(other)]
    if fine_photo(image_id):
        return []
    flags = store.sources([other for other, _ in near])
    return [(image_id, other, distance) for (other, distance), source in zip(near, flags) if source]
