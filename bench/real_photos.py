"""Match rates on real photographs beside generated ones: what picture desks do to a photo, matched with
the plain PDQ hash and with its eight turned and mirrored variants (as workers decide), and the false
matches among distinct photos either way.

`python -m bench.real_photos [--generated N] [--distance 31]` prints a Markdown table. Real photographs
are scikit-image's (bench/photos.py `REAL`; a test dependency), generated ones bench/photos.py's scenes.
"""
from __future__ import annotations

import argparse
import itertools

from PIL import Image

from bench import photos
from bench.matching import distance
from workers.phash import BYTES, MIN_QUALITY, Hash, hash_bytes

COPIES = {
    "resized 60 % + JPEG q60": lambda image: photos.resized_copy(image, 0.6, 60),
    "logo 15 % wide, top right": photos.logo_copy,
    "breaking-news bar, bottom 12 %": photos.news_bar_copy,
    "cropped 2 % a side": lambda image: photos.cropped_copy(image, 0.02),
    "cropped 5 % a side": photos.cropped_copy,
    "cropped to 16:9": photos.cropped_to_wide,
    "letterboxed to 16:9": photos.letterboxed_copy,
    "tilted 2°": photos.tilted_copy,
    "mirrored": photos.mirrored_copy,
    "turned 90°": photos.turned_copy,
}


def apart(source: Hash, copy: Hash, dihedral: bool) -> int:
    """Bits between two photos as a worker decides: the copy's hash against the source's, or against the
    nearest of the source's eight variants."""
    hashes = [source.bits, *[source.variants[i:i + BYTES] for i in range(0, len(source.variants), BYTES)]]
    return min(distance(bits, copy.bits) for bits in (hashes if dihedral else hashes[:1]))


def measure(images: dict[str, Image.Image], max_distance: int) -> dict:
    """Per copy kind, the share matched plain and with the variants; the distinct pairs' closest distance
    and false matches, plain and with the variants."""
    hashes = {name: hash_bytes(photos.jpeg(image)) for name, image in images.items()}
    matchable = {name for name, found in hashes.items() if found.quality >= MIN_QUALITY}
    kinds = {}
    for kind, make in COPIES.items():
        plain = dihedral = 0
        for name in matchable:
            copy = hash_bytes(make(images[name]))
            if copy.quality < MIN_QUALITY:
                continue
            plain += apart(hashes[name], copy, False) <= max_distance
            dihedral += apart(hashes[name], copy, True) <= max_distance
        kinds[kind] = (plain, dihedral)
    pairs = list(itertools.combinations(sorted(matchable), 2))
    closest = {mode: min((apart(hashes[a], hashes[b], mode) for a, b in pairs), default=256) for mode in (False, True)}
    false = {mode: sum(apart(hashes[a], hashes[b], mode) <= max_distance for a, b in pairs) for mode in (False, True)}
    return {"photos": len(images), "matchable": len(matchable), "pairs": len(pairs), "copies": kinds,
            "closest": closest, "false": false}


def table(real: dict, generated: dict) -> str:
    def rate(found, count):
        return f"{found}/{count} ({100 * found / count:.0f} %)" if count else "—"

    lines = ["| copy | real photos: plain | real: with turned and mirrored | generated: plain | generated: with variants |",
             "| --- | --- | --- | --- | --- |"]
    for kind in COPIES:
        (rp, rd), (gp, gd) = real["copies"][kind], generated["copies"][kind]
        lines.append(f"| {kind} | {rate(rp, real['matchable'])} | {rate(rd, real['matchable'])} | "
                     f"{rate(gp, generated['matchable'])} | {rate(gd, generated['matchable'])} |")
    for label, key in (("distinct pairs within the distance", "false"), ("closest distinct pair, bits", "closest")):
        lines.append(f"| {label} ({real['pairs']:,} real, {generated['pairs']:,} generated) | {real[key][False]} | "
                     f"{real[key][True]} | {generated[key][False]} | {generated[key][True]} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=100, help="generated photos (default 100)")
    parser.add_argument("--distance", type=int, default=31)
    args = parser.parse_args(argv)
    real = measure(photos.real(), args.distance)
    generated = measure({f"scene-{seed}": photos.scene(seed) for seed in range(args.generated)}, args.distance)
    print(f"{real['matchable']} of {real['photos']} real photographs and {generated['matchable']} of "
          f"{generated['photos']} generated ones hash with quality >= {MIN_QUALITY}; distance {args.distance}.\n")
    print(table(real, generated))


if __name__ == "__main__":
    main()
