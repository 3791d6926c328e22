"""What the API serves for a hidden image before (or instead of) its blurred copy: a neutral image."""
from __future__ import annotations

from functools import cache
from io import BytesIO

from PIL import Image

NEUTRAL_SIZE = (160, 90)
NEUTRAL_COLOUR = (214, 214, 210)


def encode(image: Image.Image) -> bytes:
    """A small WebP: every placeholder, neutral or blurred, is written this way."""
    out = BytesIO()
    image.save(out, "WEBP", quality=55, method=4)
    return out.getvalue()


@cache
def neutral() -> bytes:
    """A plain, calm placeholder, made once per process."""
    return encode(Image.new("RGB", NEUTRAL_SIZE, NEUTRAL_COLOUR))


def content_type(data: bytes) -> str:
    return "image/webp" if data[8:12] == b"WEBP" else "image/jpeg"
