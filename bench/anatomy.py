"""`python -m bench.anatomy`: CPU per request, layer by layer, in one process (no HTTP server, no wrk).

Each line times many calls of one layer with the process's CPU clock, which other programs on the
machine barely disturb: the bare Flask app, imgmod's endpoints through Flask's test client, and
the pieces under them (schema, reporter hash, one Redis call). The differences say what each layer
costs; py-spy (bench.profile) says which functions inside it.
"""
from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from bench.fill import fill_stored, stored_id
from bench.reference import create_reference_app
from bench.services import Processes, RedisServer
from config import Settings
from service import create_app, identity
from service.schemas import ReportSchema

FRONTEND_KEY = "bench-anatomy-frontend-key-0123456789"


def cpu_us(call: Callable[[int], object], count: int, rounds: int = 5) -> float:
    """CPU microseconds per call, the least of a few rounds: interference only ever adds time."""
    best = float("inf")
    for round_number in range(rounds):
        started = time.process_time()
        for number in range(count):
            call(round_number * count + number)
        best = min(best, (time.process_time() - started) * 1e6 / count)
    return best


def layers(redis_url: str, count: int) -> list[tuple[str, float]]:
    settings = Settings(secret_key=secrets.token_urlsafe(32), redis_url=redis_url,
                        frontend_keys={"bench": FRONTEND_KEY})
    fill_stored(redis_url, settings.threshold, settings.secret_key, 10_000)
    app, reference = create_app(settings).test_client(), create_reference_app().test_client()
    store = app.application.extensions["imgmod"].store
    nonce = secrets.token_hex(4)
    headers = {"Authorization": f"Bearer {FRONTEND_KEY}"}
    bulk = "&".join(f"id={stored_id(n)}" for n in range(0, 10_000, 100))
    hundred = [stored_id(n) for n in range(0, 10_000, 100)]

    def body(number: int) -> dict:
        return {"image_id": f"news-{nonce}-{number}.hero", "reason": "spam", "reporter_id": f"reader-{nonce}-{number}"}

    def checked(response, status: int = 200):
        assert response.status_code == status, response.get_data(as_text=True)[:300]

    def report(number: int):
        checked(app.post("/v1/reports", json=body(number), headers=headers), 202)

    rows = [
        ("bare reference: POST JSON", lambda n: checked(reference.post("/v1/reports", json=body(n), headers=headers), 202)),
        ("bare reference: GET", lambda n: checked(reference.get(f"/v1/images/{stored_id(n % 10_000)}"))),
        ("imgmod: POST /v1/reports", report),
        ("imgmod: GET /v1/images/<id>", lambda n: checked(app.get(f"/v1/images/{stored_id(n % 10_000)}"))),
        ("imgmod: GET /v1/images?id=…×100", lambda n: checked(app.get(f"/v1/images?{bulk}"))),
        ("ReportSchema().load(body)", lambda n: ReportSchema().load(body(n))),
        ("identity.reporter_hash", lambda n: identity.reporter_hash(settings.secret_key, f"fe:bench:r{n}", "img")),
        ("Store.report (one Lua call)", lambda n: store.report(f"news-{nonce}-x{n}.hero", f"h{n}", "spam", None)),
        ("Store.is_hidden (ZSCORE)", lambda n: store.is_hidden(stored_id(n % 10_000))),
        ("Store.hidden_flags, 100 ids (ZMSCORE)", lambda n: store.hidden_flags(hundred)),
        ("Redis PING round trip", lambda n: store.redis.ping()),
    ]
    return [(name, round(cpu_us(call, count), 1)) for name, call in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.anatomy", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="calls per layer and round")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a Markdown table")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir, Processes(Path(workdir) / "logs") as processes:
        server = RedisServer(processes, "redis-anatomy", Path(workdir) / "redis")
        rows = layers(server.url, options.count)
    if options.json:
        print(json.dumps(dict(rows), indent=2))
    else:
        print("| layer | CPU µs per call (this process only; Redis's own time not included) |\n| --- | --- |")
        print("\n".join(f"| {name} | {value:,.1f} |" for name, value in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
