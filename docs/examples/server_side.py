"""Server-side integration: the site's backend asks imgmod while it renders an article.

The widget alone starts photos late: an original is requested only once the script has run and
the lookup has answered, and the browser's preload scanner cannot see `data-src`. A backend that
renders the article can ask imgmod first (one bulk lookup per page, answers cached a few seconds,
as imgmod's own `Cache-Control: max-age=10` allows) and write

* a real `src` for a visible photo: the browser fetches it at once, the widget adds the report button;
* imgmod's placeholder for a hidden photo: the original is never written into the page;
* `data-src` when imgmod did not answer in time: the widget decides in the reader's browser.

Reports of signed-in readers go through the site's servers too (`report`): the frontend key stays
there, and the site says when the reader's account was created (`account_created_at`, from its own
records), so that imgmod weighs accounts only days old less. Always send it: without it an account
is taken as established. imgmod uses it for the weight and never stores it.

Only the standard library; thread-safe, so one `ImgmodLookup` serves every request of a process.

    lookup = ImgmodLookup("https://imgmod.example.ma")
    states = lookup.hidden([photo.image_id for photo in article.photos])
    html = "".join(render_img(photo.image_id, photo.url, photo.alt, states[photo.image_id], lookup.api)
                   for photo in article.photos)
"""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from datetime import date, datetime
from html import escape
from urllib.parse import quote

MAX_URL = 1900  # bytes per lookup URL, as the widget: cacheable, far below any request-line limit
MAX_IDS = 100  # imgmod's limit per bulk lookup


class ImgmodLookup:
    """{image_id: hidden} from imgmod's bulk lookup, cached `ttl` seconds; None where imgmod did not answer."""

    def __init__(self, api: str, ttl: float = 10, timeout: float = 0.5):
        self.api = api.rstrip("/")
        self.ttl = ttl
        self.timeout = timeout  # a page render never waits longer than this for imgmod, per lookup
        self.asked: list[str] = []  # the lookup URLs requested, for logs and tests
        self._cache: dict[str, tuple[bool, float]] = {}
        self._lock = threading.Lock()

    def hidden(self, image_ids: list[str]) -> dict[str, bool | None]:
        now = time.monotonic()
        with self._lock:
            answers = {i: hit[0] for i in image_ids if (hit := self._cache.get(i)) and hit[1] > now}
        missing = list(dict.fromkeys(i for i in image_ids if i not in answers))
        for url, ids in self._batches(missing):
            fetched = self._ask(url, ids)
            answers.update(fetched)
            with self._lock:
                self._cache.update({i: (h, now + self.ttl) for i, h in fetched.items() if h is not None})
        return {i: answers.get(i) for i in image_ids}

    def _batches(self, ids: list[str]):
        base = f"{self.api}/v1/images?"
        batch: list[str] = []
        for image_id in ids:
            candidate = batch + [image_id]
            if batch and (len(candidate) > MAX_IDS or len(self._url(base, candidate)) > MAX_URL):
                yield self._url(base, batch), batch
                candidate = [image_id]
            batch = candidate
        if batch:
            yield self._url(base, batch), batch

    @staticmethod
    def _url(base: str, ids: list[str]) -> str:
        return base + "&".join("id=" + quote(i, safe=":/") for i in ids)

    def _ask(self, url: str, ids: list[str]) -> dict[str, bool | None]:
        self.asked.append(url)
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                images = json.load(response)["images"]
            if [image["image_id"] for image in images] != ids:
                raise ValueError("an answer for other ids")
            return {image["image_id"]: image["hidden"] is True for image in images}
        except (OSError, ValueError, KeyError, TypeError):  # unreachable, time-out, HTTP error, bad JSON
            return {image_id: None for image_id in ids}


def render_img(image_id: str, src: str, alt: str, hidden: bool | None, api: str,
               width: int = 960, height: int = 540) -> str:
    """One photo's <img>, as the widget expects it (it adds the report button, or the hidden overlay)."""
    common = f'data-image-id="{escape(image_id)}" width="{width}" height="{height}"'
    if hidden is None:  # imgmod did not answer: the reader's browser asks
        return f'<img {common} data-src="{escape(src)}" alt="{escape(alt)}">'
    if hidden:
        placeholder = f"{api.rstrip('/')}/v1/images/{quote(image_id, safe='')}/placeholder"
        return f'<img {common} src="{escape(placeholder)}" alt="">'
    return f'<img {common} src="{escape(src)}" alt="{escape(alt)}">'


def report(api: str, frontend_key: str, image_id: str, reporter_id: str,
           account_created_at: date | datetime | None, reason: str = "other", comment: str = "",
           timeout: float = 2.0) -> dict:
    """Send a signed-in reader's report, with when their account was created; imgmod's answer (202 JSON).

        report(API, FRONTEND_KEY, "article-1842.hero", str(user.id), user.created_at, reason="violence")
    """
    body = {"image_id": image_id, "reporter_id": reporter_id, "reason": reason}
    if comment:
        body["comment"] = comment
    if account_created_at is not None:
        body["account_created_at"] = account_created_at.isoformat()
    request = urllib.request.Request(f"{api.rstrip('/')}/v1/reports", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {frontend_key}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)
