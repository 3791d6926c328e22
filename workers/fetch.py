"""Fetching an image_url for its placeholder: allowed hosts only, bounded in time and bytes."""
from __future__ import annotations

import time
from urllib.parse import urljoin, urlsplit

import requests

MAX_BYTES = 10 * 1024 * 1024
TIMEOUT = (3, 5)  # connect, read (per socket read)
TOTAL_SECONDS = 15  # a server dripping bytes cannot hold a worker longer than this
MAX_REDIRECTS = 3


class FetchRefused(Exception):
    """The URL, or a redirect, leads outside the allowed hosts; nothing was requested there."""


class FetchFailed(Exception):
    """The allowed host did not give us an image within the limits."""


def allowed(url: str, hosts: tuple[str, ...]) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and (parts.hostname or "").lower() in hosts


def fetch_image(url: str, hosts: tuple[str, ...], timeout: tuple[float, float] = TIMEOUT,
                total_seconds: float = TOTAL_SECONDS, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes at `url`, following redirects only while they stay on allowed hosts."""
    deadline = time.monotonic() + total_seconds
    for _ in range(MAX_REDIRECTS + 1):
        if not allowed(url, hosts):
            raise FetchRefused(f"host of {url!r} is not in IMGMOD_IMAGE_HOSTS")
        try:
            with requests.get(url, stream=True, timeout=timeout, allow_redirects=False,
                              headers={"User-Agent": "imgmod-placeholder"}) as response:
                if response.is_redirect:
                    url = urljoin(url, response.headers["Location"])
                    continue
                if response.status_code != 200:
                    raise FetchFailed(f"HTTP {response.status_code}")
                return _read_capped(response, deadline, max_bytes)
        except requests.RequestException as error:
            raise FetchFailed(type(error).__name__) from None
    raise FetchFailed("too many redirects")


def _read_capped(response: requests.Response, deadline: float, max_bytes: int) -> bytes:
    if int(response.headers.get("Content-Length") or 0) > max_bytes:
        raise FetchFailed("image larger than the byte cap")
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise FetchFailed("image larger than the byte cap")
        if time.monotonic() > deadline:
            raise FetchFailed("image took too long")
        chunks.append(chunk)
    return b"".join(chunks)
