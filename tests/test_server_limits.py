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
from service.hardening import (CONTRACT_REQUEST_LINE, MAX_HEADER_FIELD_SIZE, MAX_HEADER_FIELDS, MAX_REQUEST_LINE,
                               RESOURCE_POLICY)
from service.schemas import IMAGE_ID_MAX_LENGTH, MAX_BULK_IDS
from service.server import LimitedRequest, LimitedRequestParser, gunicorn_options
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


def test_a_connection_is_kept_for_the_next_request_and_each_request_line_is_bounded(served):
    """A proxy or CDN in front reuses its connections: the first answer keeps the connection open,
    and a request line over the bound later on the same connection is still the JSON 414."""
    address = urlsplit(served.base)
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        reader = sock.makefile("rb")
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers = read_head(reader)
        reader.read(int(headers["content-length"]))
        assert status == 200 and headers.get("connection", "").lower() != "close"
        sock.sendall(b"GET /v1/images?id=" + b"a" * MAX_REQUEST_LINE + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers = read_head(reader)
        body = reader.read(int(headers["content-length"]))
    assert (status, headers["content-type"]) == (414, "application/json")
    assert f"Request line over {MAX_REQUEST_LINE} bytes".encode() in body


def read_head(reader) -> tuple[int, dict]:
    status = int(reader.readline().split()[1])
    headers = {}
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


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


def parser_config(limit_request_line: int = 0):
    from gunicorn.config import Config

    config = Config()
    for key, value in gunicorn_options("127.0.0.1:0", 1).items():
        if key in config.settings and key not in ("logconfig_dict", "logger_class"):
            config.set(key, value)
    config.set("limit_request_line", limit_request_line)
    return config


def limited_parser(limit: int) -> type[LimitedRequestParser]:
    request = type("Request", (LimitedRequest,), {"limit": limit})
    return type("Parser", (LimitedRequestParser,), {"mesg_class": request})


@pytest.mark.parametrize("lead", [b"", b"\r\n"])
@pytest.mark.parametrize("chunk", [1, 7, 8192])
def test_the_request_line_is_measured_as_it_arrives_in_any_pieces(lead, chunk):
    """gunicorn's own parser with imgmod's request: exactly the bound passes, one byte more is refused,
    however the bytes arrive, and the second request on a connection is measured like the first."""
    limit, head = 100, b"\r\nHost: x\r\n\r\n"
    for extra, refused in ((0, False), (1, True)):
        line = b"GET /" + b"a" * (limit - len(b"GET / HTTP/1.1") + extra) + b" HTTP/1.1"
        assert len(line) == limit + extra
        for stream in (lead + line + head, b"GET /first HTTP/1.1" + head + lead + line + head):
            pieces = (stream[i:i + chunk] for i in range(0, len(stream), chunk))
            parser = limited_parser(limit)(parser_config(), pieces, None)
            paths = []
            try:
                for request in parser:
                    paths.append(request.path)
            except LimitRequestLine:
                assert refused
            else:
                assert not refused
            requests_before = 1 if stream.startswith(b"GET /first") else 0
            assert len(paths) == requests_before + (not refused)
            if not refused:
                assert len(paths[-1]) == len(line) - len(b"GET  HTTP/1.1")


def test_the_bound_stops_reading_before_the_buffer_grows_much_past_it():
    """A line that never ends is refused once a read takes it past the bound, not after gunicorn's 1 MB."""
    read = []

    def endless():
        yield b"GET /"
        while True:
            read.append(8192)
            yield b"a" * 8192

    with pytest.raises(LimitRequestLine):
        next(LimitedRequestParser(parser_config(), endless(), None))
    assert MAX_REQUEST_LINE <= sum(read) < MAX_REQUEST_LINE + 8192
