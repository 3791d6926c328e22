"""Perceptual hashes of fetched images: Meta's PDQ (256 bits and a quality score 0-100), in workers only.

PDQ downsamples to 64x64 itself, so the image is decoded at reduced scale (JPEG draft) and shrunk to
at most 512 pixels a side first, as Meta's reference tools do: the hash barely moves and a large
photo costs a few milliseconds instead of a full-size decode. Decoding is bounded like the
placeholder's (a bomb or an animation is refused).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

try:
    import pdqhash
except ImportError:  # Meta's PDQ is built from source (it needs a C++ compiler): the `matching` extra
    pdqhash = None

from workers.placeholder import decode

BITS = 256
BYTES = BITS // 8
MISSING = "matching needs Meta's PDQ: pip install 'imgmod[matching]' (a C++ compiler builds it)"
# Meta's recommendation: hashes of quality below 50 are too unreliable to match (flat, tiny images).
MIN_QUALITY = 50
SIDE = 512


@dataclass(frozen=True)
class Hash:
    bits: bytes  # 32 bytes, PDQ's bit 0 first (numpy.packbits order)
    quality: int
    # The hashes of the image turned and mirrored (PDQ's other seven dihedral variants: rotated 90, 180
    # and 270 degrees, flipped on each axis and each diagonal), 32 bytes each, one after the other.
    variants: bytes = b""

    @property
    def matchable(self) -> bool:
        return self.quality >= MIN_QUALITY


def available() -> bool:
    """Whether PDQ is installed: without it images are fetched for placeholders but never hashed."""
    return pdqhash is not None


def hash_image(image: Image.Image) -> Hash:
    """The PDQ hash of an image and of its seven turned and mirrored versions (one DCT: PDQ derives
    them from the same coefficients)."""
    image = image.convert("RGB")
    image.thumbnail((SIDE, SIDE))
    vectors, quality = pdqhash.compute_dihedral(np.asarray(image))
    packed = [np.packbits(vector.astype(np.uint8)).tobytes() for vector in vectors]
    return Hash(packed[0], int(quality), b"".join(packed[1:]))


def hash_bytes(data: bytes) -> Hash:
    """The PDQ hash of an encoded image; placeholder.ImageRefused for what Pillow cannot or must not decode."""
    return hash_image(decode(data, SIDE))

