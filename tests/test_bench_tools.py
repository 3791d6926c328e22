"""The bench's tools that need no wrk: pipelined fills through the store, the memory weighing,
the layer-by-layer CPU table and the profile summary."""
from __future__ import annotations

import os
from pathlib import Path

from bench import anatomy, fill, memory, reference
from bench.profile import summarize
from service.store import AUDIT, HIDDEN, OUTBOX, REPORTED

ROOT = Path(__file__).resolve().parent.parent


def test_a_pipelined_fill_runs_the_stores_own_scripts(settings, store, redis_client):
    fill.fill_stored(settings.redis_url, settings.threshold, settings.secret_key, 250, hidden_every=100)
    assert redis_client.zcard(REPORTED) == 250
    assert sorted(redis_client.zrange(HIDDEN, 0, -1)) == [fill.stored_id(n) for n in (0, 100, 200)]
    hidden, plain = store.status(fill.stored_id(100)), store.status(fill.stored_id(101))
    assert (hidden["state"], hidden["report_count"], hidden["reasons"]) == ("hidden", 3, {"spam": 3})
    assert (plain["state"], plain["report_count"]) == ("visible", 1)
    # hidden as a worker would leave it: one audit event each, no follow-up left owed
    assert redis_client.xlen(AUDIT) == 3 and redis_client.zcard(OUTBOX) == 0


def test_reporters_of_a_fill_are_keyed_hashes_not_their_ids(settings, redis_client):
    fill.fill(settings.redis_url, settings.threshold, settings.secret_key, ["img-1"], reporters=2)
    fields = redis_client.hkeys("imgmod:img:img-1")
    assert fill.reporter_hash(settings.secret_key, "img-1", 0) in {field.lstrip("@") for field in fields}
    assert not any("reader" in field for field in fields)


def test_forget_drops_the_images_a_measurement_added(settings, store, redis_client):
    fill.fill(settings.redis_url, settings.threshold, settings.secret_key, ["keep", "drop-1", "drop-2"], reporters=3)
    fill.forget(store, ["drop-1", "drop-2"])
    assert redis_client.zrange(HIDDEN, 0, -1) == ["keep"] and redis_client.zrange(REPORTED, 0, -1) == ["keep"]
    assert store.status("drop-1")["report_count"] == 0


def test_memory_is_weighed_per_image_and_by_kind_of_key(settings, redis_client):
    one = memory.measure(redis_client, settings.redis_url, settings.threshold, settings.secret_key, 300, 1)
    ten = memory.measure(redis_client, settings.redis_url, settings.threshold, settings.secret_key, 300, 10)
    assert 0 < one["bytes_per_image"] < ten["bytes_per_image"]
    assert ten["by_key"]["image hash"] > one["by_key"]["image hash"] > 0
    assert "hidden index" in ten["by_key"] and "hidden index" not in one["by_key"]
    assert one["encodings"]["image"] in ("listpack", "ziplist")  # Redis 7 and 6.2 names of the compact encoding


def test_anatomy_times_every_layer(redis_server, redis_client):
    rows = dict(anatomy.layers(redis_server.url, count=5))
    assert {"bare reference: POST JSON", "imgmod: POST /v1/reports", "Store.report (one Lua call)"} <= set(rows)
    assert all(value >= 0 for value in rows.values())
    # Each after-request hook in place: the report through an app without it.
    hooks = {"request_log._finish_request", "metrics._observe", "hardening.security_headers"}
    assert {f"imgmod: POST /v1/reports without service.{hook}" for hook in hooks} <= set(rows)
    # Each shortcut beside what it replaced.
    shortcuts = [name for name in rows if name.startswith("shortcut: ")]
    assert len(shortcuts) == 5 and len([name for name in rows if name.startswith("shortcut's alternative")]) == 5
    # The 10,000 stored images, then 5 rounds of 5 reports through wsgi_app (the same 25 images
    # through each of the four apps) and 25 through the store.
    assert redis_client.zcard(REPORTED) == 10_000 + 25 + 25
    only = anatomy.layers(redis_server.url, count=2, only="GET /v1/images/<id>", rounds=1)
    assert [name for name, _ in only] == ["imgmod: GET /v1/images/<id>"]


def test_the_anatomy_command_prints_its_table_and_no_log_lines(tmp_path):
    """With a Redis of its own; the request log lines it formats go to /dev/null, not into the table."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "bench.anatomy", "--only", "POST", "--rounds", "1", "--count", "3"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [row.split(" | ")[0] for row in rows][:2] == ["| bare reference: POST JSON", "| imgmod: POST /v1/reports"]
    assert all(" without service." in row for row in rows[2:]) and len(rows) == 5
    assert '"message":"request"' not in done.stdout + done.stderr


def test_a_profile_summary_shares_samples_by_package_and_function():
    collapsed = "\n".join([
        'process 1:"gunicorn";handle (gunicorn/workers/sync.py:10);report (service/store.py:5);'
        'send (site-packages/redis/connection.py:7) 30',
        'process 1:"gunicorn";handle (gunicorn/workers/sync.py:10);load (marshmallow/schema.py:3) 10',
        'process 1:"gunicorn";garbled (\x00\x08 py-spy misread this one',
    ])
    table = summarize(collapsed)
    assert "40 samples" in table
    assert "| redis | 75.0% |" in table and "| marshmallow | 25.0% |" in table
    assert "| `report (service/store.py)` | 75.0% |" in table


def _calls(redis_client, command: str) -> int:
    return redis_client.info("commandstats").get(f"cmdstat_{command}", {}).get("calls", 0)


def test_the_one_round_trip_reference_makes_exactly_one_redis_call_per_request(settings, redis_client):
    client = reference.create_reference_app(settings.redis_url).test_client()
    client.post("/v1/reports", json={"image_id": "warm-up"})  # loads the script (a refused EVALSHA, SCRIPT LOAD)
    before = {command: _calls(redis_client, command) for command in ("evalsha", "eval", "zscore", "zmscore")}
    for reader in ("r1", "r2", "r1"):
        assert client.post("/v1/reports", json={"image_id": "img-1", "reporter_id": reader}).status_code == 202
    assert client.get("/v1/images/img-1").status_code == 200
    assert client.get("/v1/images?id=img-1&id=img-2").status_code == 200
    after = {command: _calls(redis_client, command) for command in before}
    assert after["evalsha"] + after["eval"] - before["evalsha"] - before["eval"] == 3
    assert (after["zscore"] - before["zscore"], after["zmscore"] - before["zmscore"]) == (1, 1)
    assert redis_client.smembers("reference:img-1") == {"r1", "r2"}  # SADD then SCARD, as the issue measured
    # The bare reference touches no Redis at all.
    assert reference.create_reference_app().test_client().get("/v1/images/img-1").json == {"ok": True}


def test_the_bench_names_the_server_that_imgmod_serve_runs():
    from gunicorn.util import load_class
    from gunicorn.workers.gthread import ThreadWorker

    from bench.servers import DEFAULT_SERVER
    from service.server import gunicorn_options

    worker = load_class(gunicorn_options("127.0.0.1:0", 1)["worker_class"])
    assert DEFAULT_SERVER == ("gunicorn-gthread" if issubclass(worker, ThreadWorker) else "gunicorn-sync")
