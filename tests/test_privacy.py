"""No raw IP address or reporter_id is ever written to Redis; no secret is ever printed."""
from __future__ import annotations

import requests

from tests.conftest import ADMIN_TOKEN, FRONTEND_KEY, with_settings
from tests.processes import Process, Served, imgmod_env


def every_string_in_redis(client) -> list[bytes]:
    found = []
    for key in client.scan_iter(count=1000):
        found.append(key)
        kind = client.type(key)
        if kind == b"string":
            found.append(client.get(key))
        elif kind == b"hash":
            for field, value in client.hgetall(key).items():
                found += [field, value]
        elif kind == b"set":
            found += client.smembers(key)
        elif kind == b"zset":
            found += client.zrange(key, 0, -1)
        elif kind == b"list":
            found += client.lrange(key, 0, -1)
        elif kind == b"stream":
            for _, fields in client.xrange(key):
                for field, value in fields.items():
                    found += [field, value]
    return found


def test_no_raw_identity_anywhere_in_redis(reporter, workers, redis_server):
    ips = ["198.51.100.23", "203.0.113.145", "192.0.2.77"]
    ipv6 = "2001:db8:abcd:12::1"
    reporter_ids = ["reader-alice@example.org", "reader-bob-7741"]
    for ip in ips + [ipv6]:
        assert reporter.anonymous("img-1", ip=ip).status_code == 202
    for reporter_id in reporter_ids:
        assert reporter.frontend("img-1", reporter_id).status_code == 202
    workers.burst()

    raw = redis_server.client(decode=False)
    blob = b"\n".join(every_string_in_redis(raw))
    assert b"imgmod:" in blob and b"rq:" in blob  # the scan did see our keys and RQ's
    for secret in ips + reporter_ids + ["2001:db8:abcd:12", "2001:db8:abcd:12::/64"]:
        assert secret.encode() not in blob, secret


def test_no_secret_in_logs_answers_or_metrics(settings, tmp_path):
    """A real `imgmod serve` and worker, asked with right and wrong secrets of every kind: no secret,
    token or key appears in any log line, any answer or /metrics."""
    webhook_secret = "webhook-secret-never-printed-0123456789"
    env = imgmod_env(with_settings(settings, webhook_url="http://127.0.0.1:9/hooks", webhook_secret=webhook_secret),
                     IMGMOD_LOG_LEVEL="DEBUG")
    served = Served(env, tmp_path / "serve.log")
    answers = []
    try:
        for token in (ADMIN_TOKEN, FRONTEND_KEY, "wrong-" + ADMIN_TOKEN):
            auth = {"Authorization": f"Bearer {token}"}
            answers.append(requests.get(f"{served.base}/v1/admin/images/img-1", headers=auth, timeout=10))
            answers.append(requests.post(f"{served.base}/v1/reports", json={"image_id": "img-1", "reporter_id": "r"},
                                         headers=auth, timeout=10))
            answers.append(requests.post(f"{served.base}/v1/images", headers=auth, timeout=10,
                                         json={"images": [{"image_id": "img-1", "image_url": "http://a/x.jpg"}]}))
        answers.append(requests.get(f"{served.base}/metrics", timeout=10))
    finally:
        served.terminate()
    worker = Process(["worker", "--burst"], env, tmp_path / "worker.log")
    assert worker.wait(60) == 0
    assert {answer.status_code for answer in answers} >= {200, 202, 401, 403}
    printed = "\n".join([served.log.read_text(), worker.log.read_text(),
                         *(f"{answer.headers}\n{answer.text}" for answer in answers)])
    assert "img-1" in printed  # the logs and answers were read
    for secret in (settings.secret_key, ADMIN_TOKEN, FRONTEND_KEY, webhook_secret):
        assert secret not in printed
