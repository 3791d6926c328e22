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


# Real photographs shipped inside scikit-image's wheel (skimage.data; none downloaded): people,
# animals, objects, landscapes, textures, microscopy and astronomy. Left out: drawings and synthetic
# images (binary_blobs, checkerboard, colorwheel, horse, logo, shepp_logan_phantom), `cat` (the same
# photo as `chelsea`), the stereo pair's right view (nearly the left one), and what is under 150 pixels.
REAL = ("astronaut", "brick", "camera", "cell", "chelsea", "clock", "coffee", "coins", "grass", "gravel",
        "hubble_deep_field", "immunohistochemistry", "moon", "page", "retina", "rocket", "stereo_motorcycle",
        "text")


def real() -> dict[str, Image.Image]:
    """The real photographs above, as RGB images (scikit-image, a test dependency, is imported here only)."""
    from skimage import data

    found = {}
    for name in REAL:
        pixels = getattr(data, name)()
        if name == "stereo_motorcycle":
            pixels = pixels[0]
        found[name] = Image.fromarray(pixels).convert("RGB")
    return found


def mirrored_copy(image: Image.Image) -> bytes:
    return jpeg(image.transpose(Image.Transpose.FLIP_LEFT_RIGHT), 80)


def turned_copy(image: Image.Image) -> bytes:
    """Turned a quarter (a phone photo saved on its side)."""
    return jpeg(image.transpose(Image.Transpose.ROTATE_90), 80)


def logo_copy(image: Image.Image, width: float = 0.15) -> bytes:
    """A channel's logo, `width` of the photo wide, in the top right corner."""
    marked = image.copy()
    w = round(marked.width * width)
    h = max(8, w // 3)
    draw = ImageDraw.Draw(marked)
    draw.rectangle([marked.width - w - 10, 10, marked.width - 10, 10 + h], fill=(200, 20, 30))
    draw.text((marked.width - w, 10 + h // 3), "NEWS 24", fill=(255, 255, 255))
    return jpeg(marked, 80)


def news_bar_copy(image: Image.Image, height: float = 0.12) -> bytes:
    """A breaking-news bar across the bottom `height` of the photo."""
    marked = image.copy()
    top = round(marked.height * (1 - height))
    draw = ImageDraw.Draw(marked)
    draw.rectangle([0, top, marked.width, marked.height], fill=(180, 0, 0))
    draw.text((10, top + 4), "BREAKING: the story so far", fill=(255, 255, 255))
    return jpeg(marked, 80)


def cropped_to_wide(image: Image.Image) -> bytes:
    """Cropped to 16:9 around its centre (an article's hero slot)."""
    height = min(image.height, round(image.width * 9 / 16))
    width = min(image.width, round(height * 16 / 9))
    left, top = (image.width - width) // 2, (image.height - height) // 2
    return jpeg(image.crop((left, top, left + width, top + height)), 80)


def letterboxed_copy(image: Image.Image) -> bytes:
    """Put on a black 16:9 canvas (bars on the sides or top and bottom)."""
    width = max(image.width, round(image.height * 16 / 9))
    height = max(image.height, round(width * 9 / 16))
    canvas = Image.new("RGB", (width, height))
    canvas.paste(image, ((width - image.width) // 2, (height - image.height) // 2))
    return jpeg(canvas, 80)


def tilted_copy(image: Image.Image, degrees: float = 2) -> bytes:
    return jpeg(image.rotate(degrees, Image.BICUBIC), 80)
