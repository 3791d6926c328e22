"""The demo article's photographs, drawn with Pillow so the demo ships no binary files."""
from __future__ import annotations

import random
from functools import cache
from io import BytesIO

from PIL import Image, ImageDraw, ImageFilter

SIZE = (960, 540)
W, H = SIZE


def _sky(draw: ImageDraw.ImageDraw, top: tuple, bottom: tuple, height: int = H) -> None:
    for y in range(height):
        mix = y / max(1, height - 1)
        draw.line([(0, y), (W, y)], fill=tuple(round(a + (b - a) * mix) for a, b in zip(top, bottom)))


def _kasbah(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    _sky(draw, (74, 52, 120), (246, 160, 86))
    draw.ellipse([600, 170, 720, 290], fill=(255, 214, 130))
    draw.polygon([(0, 420), (240, 360), (520, 400), (960, 350), (960, 540), (0, 540)], fill=(150, 92, 58))
    for x0, x1, top in ((90, 420, 250), (380, 560, 300), (520, 860, 270)):
        draw.rectangle([x0, top, x1, 470], fill=(196, 112, 64))
        for x in range(x0, x1, 28):  # crenellations
            draw.rectangle([x, top - 18, x + 14, top], fill=(196, 112, 64))
        for x in range(x0 + 30, x1 - 20, 70):
            draw.rectangle([x, top + 60, x + 16, top + 96], fill=(92, 48, 30))
    draw.rectangle([250, 150, 330, 470], fill=(182, 100, 56))
    draw.polygon([(250, 150), (290, 110), (330, 150)], fill=(160, 86, 48))
    draw.rectangle([276, 200, 304, 250], fill=(92, 48, 30))
    draw.rectangle([860, 330, 872, 480], fill=(60, 40, 30))  # palm
    for dx, dy in ((-70, -20), (70, -20), (-50, 30), (50, 30), (0, -50)):
        draw.line([(866, 330), (866 + dx, 330 + dy)], fill=(40, 70, 40), width=12)


def _souk(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    _sky(draw, (120, 70, 40), (60, 34, 22))
    for i, x in enumerate(range(-40, W, 160)):
        colour = ((178, 34, 34), (230, 170, 40), (30, 110, 120))[i % 3]
        draw.polygon([(x, 40), (x + 160, 40), (x + 190, 150), (x - 30, 150)], fill=colour)
        for stripe in range(x, x + 160, 40):
            draw.polygon([(stripe, 40), (stripe + 20, 40), (stripe + 27, 150), (stripe + 5, 150)], fill=(245, 230, 200))
    draw.rectangle([0, 360, W, H], fill=(110, 66, 36))
    for i, x in enumerate(range(40, W - 60, 110)):
        colour = ((200, 60, 30), (235, 180, 40), (160, 90, 40), (120, 140, 50), (220, 120, 30))[i % 5]
        draw.rectangle([x - 10, 400, x + 90, 470], fill=(150, 100, 60))
        draw.polygon([(x, 400), (x + 40, 290 + rng.randint(0, 30)), (x + 80, 400)], fill=colour)
    for x in range(80, W, 200):  # lanterns
        draw.line([(x, 150), (x, 190)], fill=(50, 40, 30), width=3)
        draw.polygon([(x - 18, 190), (x + 18, 190), (x + 10, 250), (x - 10, 250)], fill=(240, 200, 90))


def _coast(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    _sky(draw, (120, 180, 230), (210, 232, 245), 300)
    sea = ((30, 90, 140), (20, 60, 100))
    for y in range(300, H):
        mix = (y - 300) / (H - 300)
        draw.line([(0, y), (W, y)], fill=tuple(round(a + (b - a) * mix) for a, b in zip(*sea)))
    for _ in range(90):
        x, y = rng.randint(0, W), rng.randint(310, H)
        draw.line([(x, y), (x + rng.randint(20, 60), y)], fill=(190, 220, 240), width=2)
    draw.rectangle([0, 200, 300, 320], fill=(240, 240, 235))  # ramparts
    for x in range(0, 300, 24):
        draw.rectangle([x, 186, x + 12, 200], fill=(240, 240, 235))
    for x in range(30, 300, 60):
        draw.rectangle([x, 240, x + 18, 280], fill=(40, 90, 170))
    for x, y in ((380, 420), (560, 470), (740, 400)):  # blue boats
        draw.polygon([(x, y), (x + 150, y), (x + 120, y + 40), (x + 30, y + 40)], fill=(30, 80, 170))
        draw.line([(x, y), (x + 150, y)], fill=(230, 200, 60), width=6)


def _atlas(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    _sky(draw, (110, 160, 220), (220, 235, 250), 440)
    for base, peaks, colour in ((330, ((120, 120), (420, 90), (760, 140)), (120, 110, 130)),
                                (380, ((260, 170), (600, 150), (900, 190)), (140, 120, 110))):
        for px, py in peaks:
            draw.polygon([(px - 260, base + 60), (px, py), (px + 260, base + 60)], fill=colour)
            draw.polygon([(px - 52, py + 40), (px, py), (px + 52, py + 40), (px + 20, py + 52), (px - 20, py + 48)],
                         fill=(245, 245, 250))
    draw.rectangle([0, 430, W, H], fill=(96, 138, 60))
    for _ in range(40):
        x, y = rng.randint(0, W), rng.randint(440, H)
        draw.ellipse([x, y, x + 36, y + 26], fill=(60, 100, 40))
    draw.polygon([(420, 540), (470, 430), (500, 430), (560, 540)], fill=(200, 170, 120))  # path


SCENES = {"kasbah": _kasbah, "souk": _souk, "coast": _coast, "atlas": _atlas}


@cache
def photo(name: str) -> bytes:
    """A JPEG of one demo scene; KeyError for an unknown name."""
    image = Image.new("RGB", SIZE)
    SCENES[name](ImageDraw.Draw(image), random.Random(name))
    image = image.filter(ImageFilter.SMOOTH)
    out = BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue()
