"""The front door: deploy/nginx/imgmod.conf.template, run by Debian's nginx in front of a real
`imgmod serve --workers 2` (IMGMOD_TRUSTED_PROXIES=1), as docker-compose.yml runs it with the
official image. Idle and slow clients wait in nginx, never in an API worker; the API sees exactly
one hop of X-Forwarded-For; nginx's own refusals are the API's JSON; lookups come from its cache
within their max-age only.

Without nginx these tests skip and say why, unless IMGMOD_REQUIRE_NGINX=1 (CI sets it)."""
from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urlsplit

import pytest
import requests

from config import Settings
from deploy.frontdoor import PLACEHOLDERS, ROOT, TEMPLATE, Nginx, nginx_binary, placeholders_in
from harness.redis_server import free_port
from harness.wait import wait_until
from service.web.app import MAX_BODY_BYTES
from service.web.hardening import CONTRACT_REQUEST_LINE, MAX_REQUEST_LINE
from service.web.schemas import IMAGE_ID_MAX_LENGTH, MAX_BULK_IDS
from tests.conftest import ADMIN_TOKEN, SECRET
from tests.processes import Served, imgmod_env

ORIGIN, OTHER_ORIGIN = "https://news.example.ma", "https://fr.example.ma"
# The longest a normal request may take through the proxy while it holds the idle and slow clients:
# far under gunicorn's 30 s, and loose enough for a loaded 2-core machine (it takes milliseconds).
PROMPT_SECONDS = 5
LOOKUP_MAX_AGE = 10  # service/web/api/images.py: Cache-Control: public, max-age=10
HELD = 64  # idle connections, and as many slow readers


@pytest.fixture(scope="module")
def nginx_path() -> str:
    path = nginx_binary()
    if path is None:
        if os.environ.get("IMGMOD_REQUIRE_NGINX") == "1":
            pytest.fail("IMGMOD_REQUIRE_NGINX=1 but no nginx was found (apt-get install nginx)")
        pytest.skip("the front door's tests need nginx: apt-get install nginx, or set IMGMOD_NGINX")
    return path


@pytest.fixture(scope="module")
def served(redis_server, tmp_path_factory):
    """`imgmod serve --workers 2`, as docker-compose.yml runs it: one trusted proxy hop."""
    settings = Settings(secret_key=SECRET, redis_url=redis_server.url, trusted_proxies=1, threshold=3,
                        admin_tokens={"editor": ADMIN_TOKEN}, report_rate_limit="10000/minute")
    server = Served(imgmod_env(settings, IMGMOD_CORS_ORIGINS=f"{ORIGIN},{OTHER_ORIGIN}"),
                    tmp_path_factory.mktemp("serve") / "serve.log", workers=2)
    yield server
    server.terminate()


@pytest.fixture(scope="module")
def front_door(nginx_path, served, tmp_path_factory):
    proxy = Nginx(nginx_path, tmp_path_factory.mktemp("nginx"), served.base.removeprefix("http://"))
    yield proxy
    proxy.stop()


def port_of(base: str) -> int:
    return urlsplit(base).port


def raw(base: str, head: bytes, source: str = "127.0.0.1") -> tuple[int, dict, bytes]:
    """Send `head` as it is, from `source`, and read the answer to its end: (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port_of(base)), timeout=30, source_address=(source, 0)) as sock:
        sock.sendall(head)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    top, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = top.decode("latin-1").split("\r\n")
    return int(status_line.split()[1]), {k.lower(): v for k, v in (line.split(": ", 1) for line in lines)}, body


def request(base: str, method: str, path: str, source: str = "127.0.0.1", body: dict | None = None,
            headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One request over a connection of its own from `source` (an address of the loopback network)."""
    connection = http.client.HTTPConnection("127.0.0.1", port_of(base), timeout=30, source_address=(source, 0))
    try:
        payload = None if body is None else json.dumps(body).encode()
        connection.request(method, path, body=payload, headers={
            **({"Content-Type": "application/json"} if payload is not None else {}), **(headers or {})})
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def assert_proxy_refusal(status: int, headers: dict, body: bytes, expected: int, says: str) -> None:
    """nginx's refusal in the API's JSON and headers; nginx's own (no request id: the API never saw it)."""
    assert status == expected, body[:300]
    assert headers["content-type"] == "application/json"
    document = json.loads(body)
    assert set(document) == {"code", "status", "message"} and document["code"] == expected, document
    assert says in document["message"], document
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "x-request-id" not in headers


def test_the_template_names_no_variable_but_its_placeholders():
    """The official image substitutes every `$NAME` of its environment: nothing else may look like one."""
    assert placeholders_in(TEMPLATE.read_text()) == set(PLACEHOLDERS)


# --- Idle and slow clients -------------------------------------------------------------------------


def test_without_the_proxy_two_idle_connections_stop_imgmod_serve(served):
    """Why the front door exists: gunicorn's sync workers each wait on one idle connection."""
    idle = [socket.create_connection(("127.0.0.1", port_of(served.base))) for _ in range(2)]
    try:
        with pytest.raises(requests.exceptions.Timeout):
            requests.get(f"{served.base}/healthz", timeout=2)
    finally:
        for sock in idle:
            sock.close()
    # Each worker reads the end of its connection and takes the next: the server answers again.
    wait_until(lambda: requests.get(f"{served.base}/healthz", timeout=5).status_code == 200, seconds=30,
               what="imgmod serve to answer once the idle connections are gone")


def test_idle_and_slow_clients_wait_in_the_proxy_never_in_an_api_worker(front_door, served):
    """64 connections that never send a byte and 64 that ask for the largest answer (the 1.7 MB
    swagger-ui bundle) and never read it: through nginx, /healthz and a report are still answered
    at once by `imgmod serve --workers 2`."""
    port = front_door.port
    idle, slow = [], []
    try:
        for _ in range(HELD):
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        for _ in range(HELD):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills at once, then stalls nginx
            sock.settimeout(30)
            sock.connect(("127.0.0.1", port))
            sock.sendall(b"GET /docs/assets/swagger-ui-bundle.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            slow.append(sock)
        for sock in slow:  # the answer has begun to arrive (peeked at, never read)
            assert sock.recv(1, socket.MSG_PEEK) == b"H"

        started = time.monotonic()
        health = requests.get(f"{front_door.base}/healthz", timeout=PROMPT_SECONDS)
        health_seconds = time.monotonic() - started
        started = time.monotonic()
        report = requests.post(f"{front_door.base}/v1/reports", json={"image_id": f"held-{uuid.uuid4().hex}"},
                               timeout=PROMPT_SECONDS)
        report_seconds = time.monotonic() - started
        assert health.status_code == 200 and report.status_code == 202, report.text
        assert health_seconds < PROMPT_SECONDS and report_seconds < PROMPT_SECONDS

        # All of them were still held meanwhile: the idle ones open with nothing to read, the slow
        # ones with their answer waiting unread.
        for sock in idle:
            sock.setblocking(False)
            with pytest.raises(BlockingIOError):
                sock.recv(1, socket.MSG_PEEK)
        for sock in slow:
            sock.setblocking(False)
            assert sock.recv(1, socket.MSG_PEEK) == b"H"
    finally:
        for sock in idle + slow:
            sock.close()
    assert requests.get(f"{served.base}/healthz", timeout=PROMPT_SECONDS).status_code == 200


# --- X-Forwarded-For: exactly one hop -----------------------------------------------------------------


class Echo(BaseHTTPRequestHandler):
    """An upstream that records each request's headers and the port it came from, keeping connections alive."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[dict, int]] = []

    def do_GET(self):
        Echo.seen.append(({k.lower(): v for k, v in self.headers.items()}, self.client_address[1]))
        body = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def echo_door(nginx_path, tmp_path):
    """nginx with the front door's configuration in front of the recording upstream."""
    Echo.seen = []
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=upstream.serve_forever, daemon=True)
    thread.start()
    proxy = Nginx(nginx_path, tmp_path / "nginx", f"127.0.0.1:{upstream.server_port}")
    try:
        yield proxy
    finally:
        proxy.stop()
        upstream.shutdown()
        upstream.server_close()


def test_the_api_is_told_the_client_address_and_nothing_a_client_wrote(echo_door):
    status, _, _ = request(echo_door.base, "GET", "/healthz", source="127.0.0.2",
                           headers={"X-Forwarded-For": "203.0.113.9, 198.51.100.4", "X-Forwarded-Proto": "https"})
    assert status == 200
    headers, _ = Echo.seen[-1]
    assert headers["x-forwarded-for"] == "127.0.0.2"  # one address, the connection's
    assert headers["x-forwarded-proto"] == "http"
    assert headers["host"] == f"127.0.0.1:{echo_door.port}"


def test_connections_to_an_upstream_that_keeps_them_are_reused(echo_door):
    """gunicorn's sync worker closes each connection; an upstream that keeps them gets them reused.
    (One client connection: each nginx worker process keeps its own upstream connections.)"""
    connection = http.client.HTTPConnection("127.0.0.1", echo_door.port, timeout=30)
    try:
        for _ in range(3):
            connection.request("GET", "/healthz")
            answer = connection.getresponse()
            assert (answer.status, answer.read()) == (200, b'{"ok":true}')
    finally:
        connection.close()
    assert "connection" not in Echo.seen[-1][0]  # HTTP/1.1 without "Connection: close"
    assert len({port for _, port in Echo.seen[-3:]}) == 1


def test_a_forged_x_forwarded_for_never_makes_another_reporter(front_door):
    """Through the proxy the API counts each reader's own address (127.0.0.2, 127.0.0.3 here, while
    nginx itself connects from 127.0.0.1), whatever X-Forwarded-For the reader sends."""
    image_id = f"forged-{uuid.uuid4().hex}"

    def report(source: str, forged: str) -> dict:
        status, _, body = request(front_door.base, "POST", "/v1/reports", source=source,
                                  body={"image_id": image_id}, headers={"X-Forwarded-For": forged})
        assert status == 202, body
        return json.loads(body)

    assert report("127.0.0.2", "1.2.3.4")["counted"] is True
    assert report("127.0.0.2", "5.6.7.8")["counted"] is False  # the same reader, another forged address
    assert report("127.0.0.2", "9.9.9.9, 127.0.0.3")["counted"] is False
    assert report("127.0.0.3", "1.2.3.4")["counted"] is True  # another reader is one


# --- nginx's own refusals are the API's JSON -----------------------------------------------------------


def test_a_body_over_the_api_limit_is_a_json_413_and_one_at_the_limit_reaches_the_api(front_door):
    def post(size: int, chunked: bool = False) -> tuple[int, dict, bytes]:
        body = b'{"image_id": "' + b"a" * (size - len(b'{"image_id": ""}')) + b'"}'
        assert len(body) == size
        framing = (b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n" % size + body + b"\r\n0\r\n\r\n" if chunked
                   else b"Content-Length: %d\r\n\r\n" % size + body)
        return raw(front_door.base, b"POST /v1/reports HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                   b"Content-Type: application/json\r\n" + framing)

    assert_proxy_refusal(*post(MAX_BODY_BYTES + 1), 413, f"Body over the limit of {MAX_BODY_BYTES} bytes")
    assert_proxy_refusal(*post(MAX_BODY_BYTES + 1, chunked=True), 413, "Body over the limit")
    status, headers, body = post(MAX_BODY_BYTES)
    assert status == 422 and "x-request-id" in headers, body[:300]  # the API's: the id is too long


def test_request_lines_as_long_as_the_api_takes_pass_and_longer_are_a_json_414(front_door):
    overhead = len("GET /v1/images?id= HTTP/1.1")
    at_bound = (b"GET /v1/images?id=" + b"a" * (MAX_REQUEST_LINE - overhead)
                + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    status, headers, body = raw(front_door.base, at_bound)
    assert status == 422 and "x-request-id" in headers, body[:300]  # read by the API: the id is too long
    over = at_bound.replace(b"?id=", b"?id=a", 1)
    assert_proxy_refusal(*raw(front_door.base, over), 414, f"Request line over {MAX_REQUEST_LINE} bytes")


def test_the_longest_lookup_the_contract_allows_is_answered_through_the_proxy(front_door):
    """100 ids of 200 characters, each a letter of 4 bytes of UTF-8, every byte percent-encoded."""
    ids = [chr(0x20000 + n) + "\U00020000" * (IMAGE_ID_MAX_LENGTH - 1) for n in range(MAX_BULK_IDS)]
    query = "&".join("id=" + quote(i, safe="") for i in ids)
    assert len(f"GET /v1/images?{query} HTTP/1.1") == CONTRACT_REQUEST_LINE
    answer = requests.get(f"{front_door.base}/v1/images?{query}", timeout=30)
    assert answer.status_code == 200, answer.text[:300]
    assert [image["image_id"] for image in answer.json()["images"]] == ids


@pytest.mark.parametrize("head, status, says", [
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * MAX_REQUEST_LINE + b"\r\n\r\n", 431,
     "Request headers over the limits of the proxy"),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: " % n + b"a" * 200_000 + b"\r\n" for n in range(3))
     + b"\r\n", 431, "Request headers over the limits of the proxy"),
    (b"GET /healthz HTTP/1.1\r\n\r\n", 400, "Malformed HTTP request"),  # HTTP/1.1 without Host
    (b"NOT HTTP AT ALL\r\n\r\n", 400, "Malformed HTTP request"),
    (b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTP/1.0 and HTTP/1.1 only"),
    (b"POST /v1/reports HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "chunked"),
    (b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, "Not served through the proxy"),
    (b"GET /.imgmod-refusal HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, "Not served"),
], ids=["one-long-header", "headers-over-all-buffers", "no-host", "not-http", "http-2.0", "transfer-encoding",
        "metrics", "refusal-page"])
def test_what_nginx_refuses_itself_is_json(front_door, head, status, says):
    assert_proxy_refusal(*raw(front_door.base, head), status, says)


def test_the_api_own_refusals_pass_through_untouched(front_door):
    """A header within nginx's limits but over the API's (8,190 bytes) is the API's JSON 431."""
    status, headers, body = raw(front_door.base, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                b"X-Long: " + b"a" * 9000 + b"\r\n\r\n")
    assert status == 431 and headers["content-type"] == "application/json"
    assert "at most 100 fields of 8190 bytes" in json.loads(body)["message"]


def test_the_api_down_is_a_json_502_to_try_again(nginx_path, tmp_path):
    proxy = Nginx(nginx_path, tmp_path / "nginx", f"127.0.0.1:{free_port()}")  # nothing listens there
    try:
        for method, path in (("GET", "/v1/images?id=a"), ("POST", "/v1/reports"), ("GET", "/healthz")):
            body = {"image_id": "a"} if method == "POST" else None
            status, headers, body = request(proxy.base, method, path, body=body)
            assert_proxy_refusal(status, headers, body, 502, "The API is unreachable")
            assert headers["retry-after"] == "5"
            assert headers["access-control-allow-origin"] == "*"  # a page of any origin can read why
    finally:
        proxy.stop()


# --- Lookups from the cache, within their max-age ------------------------------------------------------


def lookup(base: str, image_id: str, **headers) -> requests.Response:
    return requests.get(f"{base}/v1/images", params={"id": image_id}, headers=headers, timeout=10)


def cached(base: str, image_id: str, **headers) -> requests.Response:
    """The first answer the proxy gives from its cache. nginx stores a copy only after it has passed
    the answer on, and its other worker process may take the next request before that: a request
    sent at once can miss, and its answer then replaces the copy under the same key."""
    def hit() -> requests.Response | None:
        answer = lookup(base, image_id, **headers)
        return answer if answer.headers["X-Cache-Status"] == "HIT" else None

    return wait_until(hit, seconds=LOOKUP_MAX_AGE - 2, what="the proxy to answer from its cache")


def test_a_lookup_comes_from_the_cache_only_within_its_max_age(front_door, served):
    image_id = f"cached-{uuid.uuid4().hex}"
    first = lookup(front_door.base, image_id)
    cached_at = time.monotonic()
    assert first.json()["images"][0]["hidden"] is False
    assert first.headers["Cache-Control"] == f"public, max-age={LOOKUP_MAX_AGE}"
    assert (first.headers["X-Cache-Status"], "X-Request-ID" in first.headers) == ("MISS", True)
    second = cached(front_door.base, image_id)
    # From the cache: no request id, which would name another caller's request.
    assert "X-Request-ID" not in second.headers
    assert second.headers["ETag"] == first.headers["ETag"]
    # Its ETag is answered from the cache too.
    assert lookup(front_door.base, image_id, **{"If-None-Match": first.headers["ETag"]}).status_code == 304

    hidden = requests.post(f"{served.base}/v1/admin/images/{image_id}/hide", json={},
                           headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10)
    assert hidden.status_code == 200, hidden.text
    assert lookup(served.base, image_id).json()["images"][0]["hidden"] is True
    # The proxy answers what it holds until the max-age runs out, and then what the API says.
    held = lookup(front_door.base, image_id)
    if time.monotonic() - cached_at < LOOKUP_MAX_AGE - 1:  # (unless this machine stalled that long)
        assert (held.json()["images"][0]["hidden"], held.headers["X-Cache-Status"]) == (False, "HIT")

    def hidden_through_the_proxy() -> requests.Response | None:
        answer = lookup(front_door.base, image_id)
        return answer if answer.json()["images"][0]["hidden"] else None

    answer = wait_until(hidden_through_the_proxy, seconds=LOOKUP_MAX_AGE + 10, what="the cached lookup to expire")
    assert time.monotonic() - cached_at < LOOKUP_MAX_AGE + 5
    assert answer.headers["X-Cache-Status"] in ("EXPIRED", "MISS")


def test_cached_lookups_keep_one_copy_per_origin(front_door):
    """The API says Vary: Origin (its Access-Control-Allow-Origin names the caller's origin)."""
    image_id = f"origins-{uuid.uuid4().hex}"
    first = lookup(front_door.base, image_id, Origin=ORIGIN)
    assert first.headers["Access-Control-Allow-Origin"] == ORIGIN and "Origin" in first.headers["Vary"]
    assert cached(front_door.base, image_id, Origin=ORIGIN).headers["Access-Control-Allow-Origin"] == ORIGIN
    other = lookup(front_door.base, image_id, Origin=OTHER_ORIGIN)
    assert (other.headers["X-Cache-Status"], other.headers["Access-Control-Allow-Origin"]) == ("MISS", OTHER_ORIGIN)
    assert cached(front_door.base, image_id, Origin=OTHER_ORIGIN).headers["Access-Control-Allow-Origin"] == OTHER_ORIGIN
    # Each origin's copy stays: the second did not replace the first.
    again = lookup(front_door.base, image_id, Origin=ORIGIN)
    assert (again.headers["X-Cache-Status"], again.headers["Access-Control-Allow-Origin"]) == ("HIT", ORIGIN)


def test_what_the_api_does_not_mark_cacheable_is_never_cached(front_door):
    for _ in range(2):  # a refused lookup has no Cache-Control
        refused = requests.get(f"{front_door.base}/v1/images", params={"id": "_not-an-id"}, timeout=10)
        assert (refused.status_code, refused.headers["X-Cache-Status"]) == (422, "MISS")
    image_id = f"reported-{uuid.uuid4().hex}"
    reports = [requests.post(f"{front_door.base}/v1/reports", json={"image_id": image_id}, timeout=10)
               for _ in range(2)]
    counted = [report.json()["counted"] for report in reports]
    assert counted == [True, False]  # both reached the API


# nginx counts a copy's lifetime in whole seconds: a max-age of 1 runs out 1 to 2 s after it was stored.
EXPIRY_GRAIN = 1.2


class Lookups(BaseHTTPRequestHandler):
    """An upstream answering lookups as the API does (Cache-Control, ETag), with a version that the
    test changes (as a hide would) and a delay before each answer that the test sets; it counts them."""

    protocol_version = "HTTP/1.1"
    max_age = 1
    version = 0
    delay = 0.0
    asked = answered = 0
    down = False

    def do_GET(self):
        if Lookups.down:  # gone: the connection closes without an answer
            self.close_connection = True
            return
        Lookups.asked += 1
        time.sleep(Lookups.delay)
        Lookups.answered += 1
        body = json.dumps({"version": Lookups.version}).encode()
        tag = f'"v{Lookups.version}"'
        if self.headers.get("If-None-Match") == tag:
            self.send_response(304)
            self.send_header("ETag", tag)
            self.send_header("Cache-Control", f"public, max-age={Lookups.max_age}")
            self.end_headers()
            return
        self.send_response(200)
        for name, value in (("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("ETag", tag),
                            ("Cache-Control", f"public, max-age={Lookups.max_age}")):
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_an_expired_lookup_is_fetched_once_and_stale_only_while_the_api_answers_it(nginx_path, tmp_path):
    """One request fetches an expired copy again; those that arrive meanwhile get the expired copy
    (UPDATING) at once, rather than all waiting on the API. Once the API has answered, only the new
    answer is served; with the API down, no request gets the expired copy, only the refusal."""
    Lookups.version, Lookups.delay, Lookups.asked, Lookups.answered, Lookups.down = 0, 0.0, 0, 0, False
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Lookups)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    proxy = Nginx(nginx_path, tmp_path / "nginx", f"127.0.0.1:{upstream.server_port}")
    path = "/v1/images?id=hot"
    try:
        assert request(proxy.base, "GET", path)[1]["x-cache-status"] == "MISS"
        wait_until(lambda: request(proxy.base, "GET", path)[1]["x-cache-status"] == "HIT", seconds=5,
                   what="the copy to be stored")
        time.sleep(Lookups.max_age + EXPIRY_GRAIN)  # expired
        Lookups.version, Lookups.delay = 1, 2.0  # hidden meanwhile; the API slow to answer
        before = Lookups.asked
        fetching = {}
        fetcher = threading.Thread(target=lambda: fetching.update(answer=request(proxy.base, "GET", path)))
        fetcher.start()
        wait_until(lambda: Lookups.asked == before + 1, seconds=5, what="the refresh to reach the API")
        started = time.monotonic()
        status, headers, body = request(proxy.base, "GET", path)
        assert time.monotonic() - started < 1.0, "it waited for the API"
        assert (status, headers["x-cache-status"], json.loads(body)) == (200, "UPDATING", {"version": 0})
        fetcher.join(timeout=10)
        status, headers, body = fetching["answer"]
        assert (status, headers["x-cache-status"], json.loads(body)) == (200, "EXPIRED", {"version": 1})
        assert (Lookups.asked, Lookups.answered) == (before + 1, before + 1)  # the one refresh: none for UPDATING
        # Fresh from now on.
        assert json.loads(request(proxy.base, "GET", path)[2]) == {"version": 1}
        # The API down: past the max-age, the refusal, never the copy.
        Lookups.delay, Lookups.down = 0.0, True
        time.sleep(Lookups.max_age + EXPIRY_GRAIN)
        for _ in range(3):
            status, headers, body = request(proxy.base, "GET", path)
            assert_proxy_refusal(status, headers, body, 502, "The API is unreachable")
    finally:
        proxy.stop()
        upstream.shutdown()
        upstream.server_close()


# --- Without nginx -------------------------------------------------------------------------------------


def run_without_nginx(**env: str) -> subprocess.CompletedProcess:
    """One of these tests, in a pytest of its own, with IMGMOD_NGINX naming no program."""
    environment = {key: value for key, value in os.environ.items() if key != "IMGMOD_REQUIRE_NGINX"}
    environment.update(IMGMOD_NGINX="/nonexistent/nginx", **env)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                           "tests/test_front_door.py", "-k", "forged"],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


def test_without_nginx_the_tests_skip_and_say_why():
    result = run_without_nginx()
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout and "the front door's tests need nginx" in result.stdout


def test_without_nginx_the_tests_fail_when_nginx_is_required():
    result = run_without_nginx(IMGMOD_REQUIRE_NGINX="1")
    assert result.returncode != 0
    assert "IMGMOD_REQUIRE_NGINX=1 but no nginx was found" in result.stdout
