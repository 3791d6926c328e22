"""Per-reporter rate limits: JSON 429 with Retry-After, nothing counted, shared by every process, 503 on outage."""
from __future__ import annotations

import json
import os
import signal
import socket
import time
from urllib.parse import urlsplit

import psutil
import pytest
import requests

from harness.wait import wait_until
from service import create_app
from service.core.store import RATE_PREFIX
from tests.conftest import FRONTEND_KEY, Reporter, with_settings, worker_env
from tests.served import imgmod_serve

# The Lua scripts these tests drive run on every server binary present (tests/conftest.py).
pytestmark = pytest.mark.every_server

NO_HANG_SECONDS = 5  # generous: only proof that nothing waits for a dead peer


def limited(settings, limit: str):
    client = create_app(with_settings(settings, report_rate_limit=limit)).test_client()
    return Reporter(client), client.application.extensions["imgmod"].store


def assert_rate_limited(answer, window_seconds: int):
    assert answer.status_code == 429, answer.get_data(as_text=True)
    assert answer.is_json
    assert answer.json["code"] == 429 and answer.json["status"] == "Too Many Requests"
    assert "Too many reports" in answer.json["message"]
    assert 1 <= int(answer.headers["Retry-After"]) <= window_seconds


def test_429_after_the_limit_with_retry_after_and_another_reporter_unaffected(settings):
    reporter, _ = limited(settings, "3/minute")
    for n in range(3):
        assert reporter.anonymous(f"img-{n}", ip="198.51.100.1").status_code == 202
    assert_rate_limited(reporter.anonymous("img-3", ip="198.51.100.1"), 60)
    assert reporter.anonymous("img-3", ip="198.51.100.2").status_code == 202
    assert reporter.frontend("img-3", "reader-1").status_code == 202


def test_a_rate_limited_report_is_not_counted(settings, queue):
    reporter, store = limited(settings, "2/minute")
    for image_id in ("img-1", "img-2"):
        assert reporter.anonymous(image_id, ip="198.51.100.1").status_code == 202
    for ip in ("198.51.100.2", "198.51.100.3"):
        reporter.anonymous("img-3", ip=ip)
    before = store.status("img-3")

    assert_rate_limited(reporter.anonymous("img-3", ip="198.51.100.1", reason="spam"), 60)
    after = store.status("img-3")
    assert after["report_count"] == before["report_count"] == 2
    assert after["reasons"] == before["reasons"] == {"other": 2}
    assert after["state"] == "visible" and queue.count == 0  # the third reporter would have crossed


def test_frontend_reporters_each_have_their_own_limit(settings):
    reporter, _ = limited(settings, "1/minute")
    assert reporter.frontend("img-1", "reader-1").status_code == 202
    assert_rate_limited(reporter.frontend("img-2", "reader-1"), 60)
    assert reporter.frontend("img-2", "reader-2").status_code == 202


def test_one_ipv6_64_shares_one_limit(settings):
    reporter, _ = limited(settings, "1/minute")
    assert reporter.anonymous("img-1", ip="2001:db8:1:2::1").status_code == 202
    assert_rate_limited(reporter.anonymous("img-2", ip="2001:db8:1:2:ffff::9"), 60)
    assert reporter.anonymous("img-2", ip="2001:db8:1:3::1").status_code == 202


def test_the_longer_window_applies_too(settings):
    reporter, _ = limited(settings, "100/minute;2/hour")
    for n in range(2):
        assert reporter.anonymous(f"img-{n}", ip="198.51.100.1").status_code == 202
    answer = reporter.anonymous("img-9", ip="198.51.100.1")
    assert_rate_limited(answer, 3600)
    assert "hour" in answer.json["message"]


def rate_counters(store) -> dict[str, int]:
    """Each rate-limit counter in Redis by its window ('<amount>/<seconds>'), with its value."""
    return {key.rsplit(":", 1)[1]: int(store.redis.get(key)) for key in store.redis.scan_iter(f"{RATE_PREFIX}*")}


def test_a_refused_report_is_charged_to_no_window(settings):
    """Readers who keep pressing after a 429 use up no other window and do not lengthen their wait."""
    reporter, store = limited(settings, "2/minute;3/hour")
    for n in range(2):
        assert reporter.anonymous(f"img-{n}", ip="198.51.100.1").status_code == 202
    for _ in range(5):
        assert_rate_limited(reporter.anonymous("img-9", ip="198.51.100.1"), 60)
    assert rate_counters(store) == {"2/60": 2, "3/3600": 2}


def test_the_limit_syntax_is_flask_limiters(settings):
    """IMGMOD_REPORT_RATE_LIMIT keeps flask-limiter's syntax: several limits, 'per', plural units."""
    reporter, store = limited(settings, "1 per 2 seconds, 50/day")
    assert reporter.anonymous("img-1", ip="198.51.100.1").status_code == 202
    answer = reporter.anonymous("img-2", ip="198.51.100.1")
    assert_rate_limited(answer, 2)
    assert "1 per 2 second" in answer.json["message"]
    assert rate_counters(store) == {"1/2": 1, "50/86400": 1}


def test_limit_counters_are_keyed_hashes_not_addresses(settings, redis_client):
    reporter, _ = limited(settings, "5/minute")
    reporter.anonymous("img-1", ip="198.51.100.77")
    reporter.frontend("img-1", "reader-alice")
    keys = list(redis_client.scan_iter(f"{RATE_PREFIX}*"))
    assert len(keys) == 2
    assert all(redis_client.ttl(key) > 0 for key in keys)  # counters expire with their window
    assert not any("198.51.100.77" in key or "reader-alice" in key for key in keys)


def assert_unavailable_quickly(send):
    started = time.monotonic()
    answer = send()
    assert time.monotonic() - started < NO_HANG_SECONDS
    assert answer.status_code == 503 and answer.is_json, answer.get_data(as_text=True)
    assert answer.headers["Retry-After"].isdigit()
    assert "Traceback" not in answer.get_data(as_text=True)


def test_redis_down_with_rate_limiting_on_is_503_not_500(settings, doomed_redis):
    reporter, _ = limited(with_settings(settings, redis_url=doomed_redis.url), "5/minute")
    assert reporter.anonymous("img-1", ip="198.51.100.1").status_code == 202
    doomed_redis.kill()
    assert_unavailable_quickly(lambda: reporter.anonymous("img-1", ip="198.51.100.2"))
    doomed_redis.start()  # same port, empty data: the limiter's pool reconnects by itself
    assert reporter.anonymous("img-1", ip="198.51.100.2").status_code == 202


def test_redis_hanging_with_rate_limiting_on_is_503_not_a_hang(settings, doomed_redis):
    reporter, _ = limited(with_settings(settings, redis_url=doomed_redis.url), "5/minute")
    assert reporter.anonymous("img-1", ip="198.51.100.1").status_code == 202
    doomed_redis.process.send_signal(signal.SIGSTOP)  # accepts connections, never answers
    assert_unavailable_quickly(lambda: reporter.anonymous("img-1", ip="198.51.100.2"))


def raw_report_start(base: str, body: dict) -> tuple[socket.socket, bytes]:
    """Send a report's headers and only part of its body, so that one gunicorn worker waits inside it."""
    data = json.dumps(body).encode()
    head = (f"POST /v1/reports HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {FRONTEND_KEY}\r\nContent-Length: {len(data)}\r\nConnection: close\r\n\r\n")
    address = urlsplit(base)
    sock = socket.create_connection((address.hostname, address.port), timeout=30)
    sock.sendall(head.encode() + data[:5])
    return sock, data[5:]


def raw_report_finish(sock: socket.socket, rest: bytes) -> int:
    with sock:
        sock.sendall(rest)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def accepted_by_a_worker(sock: socket.socket) -> bool:
    """True once a process of this machine other than ours holds the server end of `sock`."""
    ours = sock.getsockname()
    for process in psutil.process_iter():
        if process.pid == os.getpid():
            continue
        try:
            if any(connection.raddr and tuple(connection.raddr) == ours for connection in process.net_connections("tcp")):
                return True
        except (psutil.AccessDenied, psutil.NoSuchProcess):
            continue
    return False


def test_limits_are_shared_across_gunicorn_processes(settings, store):
    """One worker is held inside a report while the other serves the limit; the held one must then refuse."""
    env = {**worker_env(settings), "IMGMOD_REPORT_RATE_LIMIT": "3/minute",
           "IMGMOD_FRONTEND_KEYS": f"site:{FRONTEND_KEY}", "PATH": os.environ.get("PATH", "")}
    with imgmod_serve(env, workers=2) as base:
        held, rest = raw_report_start(base, {"image_id": "img-held", "reporter_id": "reader-1"})
        # One gunicorn worker has accepted it and now waits for the rest of the body.
        wait_until(lambda: accepted_by_a_worker(held), what="a gunicorn worker to accept the held report")
        with requests.Session() as http:
            for n in range(3):
                answer = http.post(f"{base}/v1/reports", json={"image_id": f"img-{n}", "reporter_id": "reader-1"},
                                   headers={"Authorization": f"Bearer {FRONTEND_KEY}"}, timeout=10)
                assert answer.status_code == 202  # served by the other process: the held one is busy
            assert raw_report_finish(held, rest) == 429  # counted in Redis, not in the held process
            other = http.post(f"{base}/v1/reports", json={"image_id": "img-held", "reporter_id": "reader-2"},
                              headers={"Authorization": f"Bearer {FRONTEND_KEY}"}, timeout=10)
            assert other.status_code == 202
    assert store.status("img-held")["report_count"] == 1
