"""Fetching an image_url for its placeholder: allowed hosts and ports only, bounded in time and bytes."""
from __future__ import annotations

import time
from urllib.parse import urljoin, urlsplit

import requests

from config import host_and_port

MAX_BYTES = 10 * 1024 * 1024
TIMEOUT = (3, 5)  # connect, read (per socket read)
TOTAL_SECONDS = 15  # a server dripping bytes cannot hold a worker much longer than this
MAX_REDIRECTS = 3
DEFAULT_PORTS = {"http": 80, "https": 443}
READ_SIZE = 64 * 1024


class FetchRefused(Exception):
    """The URL, or a redirect, leads outside the allowed hosts; nothing was requested there."""


class FetchFailed(Exception):
    """The allowed host did not give us an image within the limits."""


def allowed(url: str, hosts: tuple[str, ...]) -> bool:
    """An entry `host` allows ports 80 and 443 of that host; `host:port` allows that port alone.

    The host name alone would let a reported URL make a worker knock on any port of an allowed host
    (Redis's own, on a machine that serves images too).
    """
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return False
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return False
    host = parts.hostname.lower()
    for entry in hosts:
        entry_host, entry_port = host_and_port(entry)
        if entry_host == host and (port == entry_port if entry_port else port in (80, 443)):
            return True
    return False


def fetch_image(url: str, hosts: tuple[str, ...], timeout: tuple[float, float] = TIMEOUT,
                total_seconds: float = TOTAL_SECONDS, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes at `url`, following redirects only while they stay on allowed hosts."""
    deadline = time.monotonic() + total_seconds
    for _ in range(MAX_REDIRECTS + 1):
        if not allowed(url, hosts):
            raise FetchRefused(f"{url!r} is not on a host and port of IMGMOD_IMAGE_HOSTS")
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
    # read1 returns whatever one socket read brings, so the deadline is checked after every read (each
    # bounded by the read time-out), not after a 64 KiB chunk that a dripping server fills for hours.
    while chunk := response.raw.read1(READ_SIZE, decode_content=True):
        size += len(chunk)
        if size > max_bytes:
            raise FetchFailed("image larger than the byte cap")
        if time.monotonic() > deadline:
            raise FetchFailed("image took too long")
        chunks.append(chunk)
    return b"".join(chunks)
