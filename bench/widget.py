"""The widget's real requests: the bulk lookups news pages make, over a page-view mix.

A site has `ARTICLES` articles, each with a fixed set of photos (its hero, then 0 to 11 more: 6.5
photos on average). Article popularity follows a Zipf law (the article of rank k is viewed in proportion to
1 / k^ZIPF_EXPONENT), and each page view makes the lookups the widget makes for that article's
photos (service/web/static/widget.js: one `GET /v1/images?id=…&id=…` per batch of at most 100 ids and
1,900 bytes of URL, ids in page order, encoded as the widget encodes them), with the page's
`Origin`. `write()` leaves two files for bench/lua/widget.lua: every distinct lookup path, one a
line, and the page views' lookups in the order drawn, as line numbers of the first file.
"""
from __future__ import annotations

import bisect
import itertools
import random
from pathlib import Path
from urllib.parse import quote

from bench.fill import stored_id

ARTICLES = 5_000
ZIPF_EXPONENT = 1.0  # Zipf's law proper; web page popularity is usually measured at 0.6-1.0
EXTRA_PHOTOS = range(0, 12)  # photos in an article besides its hero
PAGE_VIEWS = 200_000  # drawn once; wrk's threads each walk them from an offset of their own
SEED = 28
# The widget's own limits (service/web/static/widget.js: MAX_IDS, MAX_URL).
MAX_IDS = 100
MAX_URL = 1900
LOOKUP = "/v1/images?"
# encodeURIComponent leaves these as they are; the widget then puts back ':' and '/'.
URI_COMPONENT_SAFE = "-_.!~*'()" + ":/"


def photos(article: int, stored: int) -> list[str]:
    """The ids of an article's photos, in page order: its hero first, one of the reported images the
    bench stored beforehand while there are enough of them (every 100th of those is hidden), then
    photos nobody reported."""
    extra = random.Random(f"{SEED}:{article}").choice(EXTRA_PHOTOS)
    hero = stored_id(article) if article < stored else f"news/2026/12/article-{article}/hero.jpg"
    return [hero] + [f"news/2026/12/article-{article}/photo-{number}.jpg" for number in range(1, extra + 1)]


def encode_id(image_id: str) -> str:
    """The widget's encodeId: encodeURIComponent, then ':' and '/' as they are."""
    return quote(image_id, safe=URI_COMPONENT_SAFE)


def lookup_paths(ids: list[str], base: str = "") -> list[str]:
    """The widget's batches(): the paths of the lookups a page with these ids makes, in order. `base`
    is the API's origin as the page names it (its length counts towards MAX_URL)."""
    paths, batch, size = [], [], len(base + LOOKUP)
    for image_id in ids:
        part = "id=" + encode_id(image_id)
        if batch and (len(batch) == MAX_IDS or size + 1 + len(part) > MAX_URL):
            paths.append(batch)
            batch, size = [], len(base + LOOKUP)
        size += (1 if batch else 0) + len(part)
        batch.append(image_id)
    if batch:
        paths.append(batch)
    return [LOOKUP + "&".join("id=" + encode_id(image_id) for image_id in batch) for batch in paths]


def zipf_weights(count: int, exponent: float = ZIPF_EXPONENT) -> list[float]:
    """The share of page views of each article, by rank (article 0 the most viewed)."""
    raw = [1 / (rank ** exponent) for rank in range(1, count + 1)]
    total = sum(raw)
    return [weight / total for weight in raw]


def page_views(count: int, articles: int = ARTICLES, exponent: float = ZIPF_EXPONENT,
               seed: int = SEED) -> list[int]:
    """`count` page views, each the article viewed, drawn from the Zipf law (reproducibly)."""
    cumulative = list(itertools.accumulate(zipf_weights(articles, exponent)))
    draw = random.Random(seed).random
    return [min(bisect.bisect_right(cumulative, draw()), articles - 1) for _ in range(count)]


def write(directory: Path, stored: int, articles: int = ARTICLES, views: int = PAGE_VIEWS,
          exponent: float = ZIPF_EXPONENT) -> tuple[Path, Path]:
    """The lookups' paths (one a line) and the page views' lookups (line numbers, 1-based, as Lua
    counts): the two files bench/lua/widget.lua reads."""
    directory.mkdir(parents=True, exist_ok=True)
    lines, first = [], []  # every distinct path; each article's first line
    for article in range(articles):
        first.append(len(lines) + 1)
        lines += lookup_paths(photos(article, stored))
    first.append(len(lines) + 1)
    order = []
    for article in page_views(views, articles, exponent):
        order += range(first[article], first[article + 1])
    paths, sequence = directory / "lookups.txt", directory / "views.txt"
    paths.write_text("\n".join(lines) + "\n")
    sequence.write_text("\n".join(map(str, order)) + "\n")
    return paths, sequence


def write_one(directory: Path, stored: int, article: int = 0) -> tuple[Path, Path]:
    """Files for bench/lua/widget.lua in which every page view is of one article: every lookup but
    the first answered from a cache, the most any cache in front of the API could do."""
    directory.mkdir(parents=True, exist_ok=True)
    paths, sequence = directory / "one-lookup.txt", directory / "one-view.txt"
    paths.write_text(article_path(article, stored) + "\n")
    sequence.write_text("1\n")
    return paths, sequence


def article_path(article: int, stored: int) -> str:
    """The (first) lookup of an article's page: what a reader's page asks for it."""
    return lookup_paths(photos(article, stored))[0]
