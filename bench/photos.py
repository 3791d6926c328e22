"""Generated photos for the matching tests and measurements: distinct scenes from a seed, and the
copies a news site makes of one (resized, re-encoded, cropped, watermarked)."""
from __future__ import annotations

import random
from io import BytesIO

from PIL import Image, ImageDraw, ImageFilter


def scene(seed: int, width: int = 640, height: int = 420) -> Image.Image:
    """A photo-like picture: a sky-to-ground gradient, overlapping shapes of many colours, soft edges."""
    rng = random.Random(seed)
    top = tuple(rng.randrange(256) for _ in range(3))
    bottom = tuple(rng.randrange(256) for _ in range(3))
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image = Image.composite(Image.new("RGB", (width, height), bottom), Image.new("RGB", (width, height), top),
                            Image.linear_gradient("L").resize((width, height)))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randrange(25, 45)):
        x, y = rng.randrange(-50, width), rng.randrange(-50, height)
        w, h = rng.randrange(20, width // 2), rng.randrange(20, height // 2)
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = rng.choice((draw.ellipse, draw.rectangle, draw.polygon))
        if shape is draw.polygon:
            draw.polygon([(rng.randrange(width), rng.randrange(height)) for _ in range(rng.randrange(3, 7))],
                         fill=colour)
        else:
            shape([x, y, x + w, y + h], fill=colour)
    return image.filter(ImageFilter.GaussianBlur(1.5))


def flat(width: int = 640, height: int = 420, colour=(128, 128, 128)) -> Image.Image:
    return Image.new("RGB", (width, height), colour)


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def resized_copy(image: Image.Image, scale: float = 0.6, quality: int = 60) -> bytes:
    """What an aggregator republishes: the photo at `scale` of its size, as JPEG of `quality`."""
    small = image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS)
    return jpeg(small, quality)


def cropped_copy(image: Image.Image, margin: float = 0.05) -> bytes:
    dx, dy = round(image.width * margin), round(image.height * margin)
    return jpeg(image.crop((dx, dy, image.width - dx, image.height - dy)), 80)


def watermarked_copy(image: Image.Image) -> bytes:
    marked = image.copy()
    draw = ImageDraw.Draw(marked)
    draw.rectangle([marked.width - 170, marked.height - 40, marked.width - 10, marked.height - 10], fill=(255, 255, 255))
    draw.text((marked.width - 160, marked.height - 35), "© Agency 2026", fill=(0, 0, 0))
    return jpeg(marked, 80)
