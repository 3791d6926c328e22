"""What `imgmod serve` reads of a request before the app sees it: the longest request the contract
allows is served, anything longer, headers over their limits and malformed HTTP are refused in the
JSON of every other error (never gunicorn's HTML page), readable by a page of an allowed origin."""
from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
import requests
from gunicorn.http.errors import LimitRequestLine

from config import Settings
from service.web.hardening import (CONTRACT_REQUEST_LINE, MAX_HEADER_FIELD_SIZE, MAX_HEADER_FIELDS, MAX_REQUEST_LINE,
                               RESOURCE_POLICY)
from service.web.schemas import IMAGE_ID_MAX_LENGTH, MAX_BULK_IDS
from service.server import RequestLineLimit
from tests.conftest import SECRET
from tests.processes import Served, imgmod_env

ORIGIN = "https://news.example.ma"


@pytest.fixture(scope="module")
def served(redis_server, tmp_path_factory):
    settings = Settings(secret_key=SECRET, redis_url=redis_server.url)
    server = Served(imgmod_env(settings, IMGMOD_CORS_ORIGINS=ORIGIN), tmp_path_factory.mktemp("serve") / "serve.log",
                    workers=1)
    yield server
    server.terminate()


def raw(base: str, head: bytes) -> tuple[int, dict, bytes]:
    """Send `head` as it is and read the whole answer: (status, headers, body)."""
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(head)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    top, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = top.decode("latin-1").split("\r\n")
    return int(status_line.split()[1]), {k.lower(): v for k, v in (line.split(": ", 1) for line in lines)}, body


def assert_json_refusal(answer: requests.Response, status: int, says: str) -> None:
    assert answer.status_code == status, answer.text[:300]
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json()["code"] == status and says in answer.json()["message"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Security-Policy"] == RESOURCE_POLICY
    assert answer.headers["Access-Control-Allow-Origin"] == "*"  # a page of another origin can read why


def test_the_bound_holds_the_longest_request_line_the_contract_allows():
    assert CONTRACT_REQUEST_LINE <= MAX_REQUEST_LINE < 1024 * 1024


def test_a_hundred_of_the_longest_ids_are_looked_up_through_the_server(served):
    """gunicorn's own limit (8,190 bytes at most) refused this valid lookup with an HTML 414."""
    ids = [f"{n:03d}" + "a" * (IMAGE_ID_MAX_LENGTH - 3) for n in range(MAX_BULK_IDS)]
    answer = requests.get(f"{served.base}/v1/images", params=[("id", i) for i in ids], timeout=30)
    assert answer.status_code == 200, answer.text[:300]
    assert [image["image_id"] for image in answer.json()["images"]] == ids
    # The same ids with every character percent-encoded: three times as long, still served.
    encoded = "&".join("id=" + "".join(f"%{ord(c):02X}" for c in i) for i in ids)
    assert len(encoded) > 60_000
    answer = requests.get(f"{served.base}/v1/images?{encoded}", timeout=30)
    assert answer.status_code == 200 and [image["image_id"] for image in answer.json()["images"]] == ids


def test_a_request_line_over_the_bound_is_a_json_414_a_page_can_read(served):
    overhead = len("GET /v1/images?id= HTTP/1.1")
    at_bound = requests.get(f"{served.base}/v1/images?id=" + "a" * (MAX_REQUEST_LINE - overhead),
                            headers={"Origin": ORIGIN}, timeout=30)
    assert at_bound.status_code == 422 and "id" in at_bound.json()["message"]  # read by the app: the id is too long
    assert at_bound.headers["Access-Control-Allow-Origin"] == ORIGIN
    over = requests.get(f"{served.base}/v1/images?id=" + "a" * (MAX_REQUEST_LINE - overhead + 1),
                        headers={"Origin": ORIGIN}, timeout=30)
    assert_json_refusal(over, 414, f"Request line over {MAX_REQUEST_LINE} bytes")
    far_over = requests.get(f"{served.base}/v1/admin/images?cursor=" + "0" * (2 * MAX_REQUEST_LINE), timeout=30)
    assert_json_refusal(far_over, 414, "Request line over")


def test_headers_over_their_limits_are_a_json_431(served):
    one_long = requests.get(f"{served.base}/v1/images/img-1", headers={"X-Long": "a" * (MAX_HEADER_FIELD_SIZE + 1)},
                            timeout=30)
    assert_json_refusal(one_long, 431, f"at most {MAX_HEADER_FIELDS} fields of {MAX_HEADER_FIELD_SIZE} bytes")
    too_many = requests.get(f"{served.base}/v1/images/img-1",
                            headers={f"X-Field-{n}": "a" for n in range(MAX_HEADER_FIELDS + 1)}, timeout=30)
    assert_json_refusal(too_many, 431, "Request headers over their limits")
    # At the limits, the request reaches the app.
    assert requests.get(f"{served.base}/v1/images/img-1", timeout=30,
                        headers={"X-Long": "a" * (MAX_HEADER_FIELD_SIZE - len("X-Long: \r\n"))}).status_code == 200


def test_malformed_http_is_a_json_400_and_its_log_line_names_no_address(served):
    status, headers, body = raw(served.base, b"GET /v1/images/img-1 HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n")
    assert (status, headers["content-type"], headers["access-control-allow-origin"]) == (400, "application/json", "*")
    assert b"Malformed HTTP request" in body and b"<html" not in body
    # gunicorn logs each refusal; it used to name the client's address ("ip=127.0.0.1").
    refusals = [line["message"] for line in served.lines() if line.get("logger") == "gunicorn.error"
                and "Invalid request" in line.get("message", "")]
    assert any("Bad Header" in message for message in refusals)
    assert not any("127.0.0.1" in message for message in refusals), refusals


def test_without_cors_origins_the_refusal_has_no_allow_origin(redis_server, tmp_path):
    server = Served(imgmod_env(Settings(secret_key=SECRET, redis_url=redis_server.url)), tmp_path / "serve.log",
                    workers=1)
    try:
        answer = requests.get(f"{server.base}/v1/images?id=" + "a" * MAX_REQUEST_LINE, timeout=30)
        assert answer.status_code == 414 and answer.json()["code"] == 414
        assert "Access-Control-Allow-Origin" not in answer.headers
    finally:
        assert server.terminate() == 0


@pytest.mark.parametrize("lead", [b"", b"\r\n"])
@pytest.mark.parametrize("chunk", [1, 7, 8192])
def test_the_request_line_is_measured_as_it_arrives_in_any_pieces(lead, chunk):
    """RequestLineLimit on a real socket pair: exactly the limit passes, one byte more is refused."""
    limit = 100
    for extra, refused in ((0, False), (1, True)):
        line = b"GET /" + b"a" * (limit - len(b"GET / HTTP/1.1") + extra) + b" HTTP/1.1"
        assert len(line) == limit + extra
        ours, theirs = socket.socketpair()
        with ours, theirs:
            theirs.sendall(lead + line + b"\r\nHost: x\r\n\r\n")
            theirs.shutdown(socket.SHUT_WR)
            measured = RequestLineLimit(ours, limit)
            received = b""
            try:
                while data := measured.recv(chunk):
                    received += data
            except LimitRequestLine:
                assert refused
                assert measured.recv(65536) is not None  # refused once: the drain before closing reads on
            else:
                assert not refused and received == lead + line + b"\r\nHost: x\r\n\r\n"
