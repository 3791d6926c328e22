"""Placeholders: a small, heavily blurred copy of the original (the neutral one is in service.core.placeholders)."""
from __future__ import annotations

import warnings
from io import BytesIO

from PIL import Image, ImageFilter, ImageOps

from service.core.placeholders import encode

# Far below Pillow's default (~89 MP): a placeholder never needs a large decode, and a
# decompression bomb must fail early. Past this Pillow warns; past twice this it raises.
MAX_PIXELS = 24_000_000
SIZE = 160  # longest side of the placeholder; the page scales it up, which only blurs it more
BLUR_RADIUS = 8
# The formats of photos on the web, and the only ones handed to Pillow's decoders: the others it can
# open (EPS through Ghostscript, TIFF, BMP, ICO, PSD, the raw and scientific ones...) are more code
# reading untrusted bytes, for no picture a reader would report.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


class ImageRefused(Exception):
    """Bytes Pillow cannot or must not decode: not an image of FORMATS, truncated, a bomb, animated."""


def decode(data: bytes, size: int) -> Image.Image:
    """Untrusted bytes as an RGB image at least `size` pixels a side where the format can decode at a
    reduced scale (JPEG); ImageRefused for what Pillow cannot or must not decode, and for any format
    but JPEG, PNG, WebP and GIF."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=FORMATS) as image:
                if getattr(image, "n_frames", 1) > 1:
                    raise ImageRefused("animated image")
                image.draft("RGB", (size, size))
                return ImageOps.exif_transpose(image).convert("RGB")
    except ImageRefused:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise ImageRefused(f"decompression bomb: {error}") from None
    except (OSError, ValueError, SyntaxError, Image.UnidentifiedImageError) as error:
        raise ImageRefused(f"{type(error).__name__}: {error}") from None


def blurred(data: bytes) -> bytes:
    """A WebP a few KB in size with the original's aspect ratio, too blurred to show anything."""
    image = decode(data, SIZE * 2)
    image.thumbnail((SIZE, SIZE))
    return encode(image.filter(ImageFilter.GaussianBlur(BLUR_RADIUS)))
