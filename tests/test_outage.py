"""Redis away: a quick JSON 503 with Retry-After, never a hang; Redis back: served again, no restart."""
from __future__ import annotations

import time

from service import create_app
from tests.conftest import with_settings

# Not a speed claim (those live in bench/): only proof that nothing waits for a dead peer.
NO_HANG_SECONDS = 5


def test_redis_killed_gives_503_then_recovers(settings, doomed_redis):
    client = create_app(with_settings(settings, redis_url=doomed_redis.url)).test_client()
    body = {"image_id": "img-1"}
    assert client.post("/v1/reports", json=body, environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 202

    doomed_redis.kill()
    for request in (lambda: client.post("/v1/reports", json=body, environ_base={"REMOTE_ADDR": "198.51.100.2"}),
                    lambda: client.get("/v1/images/img-1"),
                    lambda: client.get("/v1/images?id=img-1"),
                    lambda: client.get("/readyz")):
        started = time.monotonic()
        answer = request()
        assert time.monotonic() - started < NO_HANG_SECONDS
        assert answer.status_code == 503 and answer.is_json
        assert answer.headers["Retry-After"].isdigit()
    assert client.get("/healthz").status_code == 200

    doomed_redis.start()  # same port, empty data
    again = client.post("/v1/reports", json=body, environ_base={"REMOTE_ADDR": "198.51.100.2"})
    assert again.status_code == 202 and again.json["counted"] is True
    assert client.get("/readyz").status_code == 200
