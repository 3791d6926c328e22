"""Fetching an image_url for its placeholder: allowed hosts and ports only, bounded in time and bytes.

One parser decides both where a URL points and where the worker connects: urllib3's `parse_url`
splits it, the host and port it found are checked against IMGMOD_IMAGE_HOSTS, and a connection
pool is opened on exactly that host and port, asked for the path and query alone. Two parsers that
disagree (urllib.parse ends the host after the last `@`, urllib3 at a `\\`) once let a reader's
URL pass the check for one port and reach another.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

import urllib3
from requests.certs import where as ca_bundle
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.util import parse_url

from config import host_and_port
from service.core.urls import URL_REFUSED_CHARACTERS

MAX_BYTES = 10 * 1024 * 1024
TIMEOUT = (3, 5)  # connect, read (per socket read)
TOTAL_SECONDS = 15  # a server dripping bytes cannot hold a worker much longer than this
DEFAULT_PORTS = {"http": 80, "https": 443}
READ_SIZE = 64 * 1024
HEADERS = {"User-Agent": "imgmod-placeholder", "Accept": "image/jpeg, image/png, image/webp, image/gif"}
# Refused anywhere in a URL before it is parsed, as at intake: userinfo's `@`, a backslash (where parsers
# disagree on the end of the host), whitespace and control characters (which some parsers drop and
# others keep). URLs stored before intake refused them are checked here again.
_REFUSED = re.compile(f"[{URL_REFUSED_CHARACTERS}]")


class FetchRefused(Exception):
    """The URL is not one of a host and port of IMGMOD_IMAGE_HOSTS; nothing was requested."""


class FetchFailed(Exception):
    """The allowed host did not give us an image within the limits (a redirect is not followed)."""


@dataclass(frozen=True)
class Target:
    """Where a URL leads, as urllib3 parsed it: the host (IPv6 in brackets), port and request target."""
    scheme: str
    host: str
    port: int
    request_uri: str


def target(url: str, hosts: tuple[str, ...]) -> Target:
    """The host, port and path to request for `url`, checked against `hosts`; FetchRefused if not allowed.

    An entry `host` allows ports 80 and 443 of that host; `host:port` allows that port alone (the host
    name alone would let a reported URL make a worker knock on any port of an allowed host, Redis's
    own on a machine that serves images too). The host must be the entry's, letter for letter (in
    any case): no trailing dot, no other spelling of an address (2130706433, 0x7f.1, [::ffff:…]).
    """
    refused = FetchRefused(f"{url!r} is not on a host and port of IMGMOD_IMAGE_HOSTS")
    if not isinstance(url, str) or _REFUSED.search(url):
        raise refused
    try:
        parts = parse_url(url)  # scheme and host lower-cased, the port an int in 0..65535
    except (ValueError, Urllib3Error):
        raise refused from None
    if parts.scheme not in DEFAULT_PORTS or parts.auth is not None or not parts.host or parts.host.endswith("."):
        raise refused
    host = parts.host
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host  # as config writes IPv6
    port = parts.port if parts.port is not None else DEFAULT_PORTS[parts.scheme]
    for entry in hosts:
        entry_host, entry_port = host_and_port(entry)
        if entry_host == bare and (port == entry_port if entry_port else port in (80, 443)):
            return Target(parts.scheme, host, port, parts.request_uri)
    raise refused


def allowed(url: str, hosts: tuple[str, ...]) -> bool:
    """Whether fetch_image would request `url` (see target)."""
    try:
        target(url, hosts)
    except FetchRefused:
        return False
    return True


def fetch_image(url: str, hosts: tuple[str, ...], timeout: tuple[float, float] = TIMEOUT,
                total_seconds: float = TOTAL_SECONDS, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes at `url`, from the host and port it names if they are allowed; a redirect is a failure."""
    deadline = time.monotonic() + total_seconds
    where = target(url, hosts)
    options = {"cert_reqs": "CERT_REQUIRED", "ca_certs": ca_bundle()} if where.scheme == "https" else {}
    pool_class = urllib3.HTTPSConnectionPool if where.scheme == "https" else urllib3.HTTPConnectionPool
    try:
        with pool_class(where.host, where.port, timeout=urllib3.Timeout(connect=timeout[0], read=timeout[1]),
                        retries=False, maxsize=1, **options) as pool:
            response = pool.urlopen("GET", where.request_uri, headers=HEADERS, redirect=False, retries=False,
                                    preload_content=False)
            try:
                if 300 <= response.status < 400:
                    raise FetchFailed(f"HTTP {response.status}: redirects are not followed")
                if response.status != 200:
                    raise FetchFailed(f"HTTP {response.status}")
                return _read_capped(response, deadline, max_bytes)
            finally:
                response.close()
    except (Urllib3Error, OSError) as error:
        raise FetchFailed(type(error).__name__) from None


def _read_capped(response: urllib3.BaseHTTPResponse, deadline: float, max_bytes: int) -> bytes:
    if (response.length_remaining or 0) > max_bytes:
        raise FetchFailed("image larger than the byte cap")
    chunks, size = [], 0
    # read1 returns whatever one socket read brings, so the deadline is checked after every read (each
    # bounded by the read time-out), not after a 64 KiB chunk that a dripping server fills for hours.
    while chunk := response.read1(READ_SIZE, decode_content=True):
        size += len(chunk)
        if size > max_bytes:
            raise FetchFailed("image larger than the byte cap")
        if time.monotonic() > deadline:
            raise FetchFailed("image took too long")
        chunks.append(chunk)
    return b"".join(chunks)
