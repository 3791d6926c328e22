"""The bench's tools that need no wrk: pipelined fills through the store, the memory weighing,
the layer-by-layer CPU table, the profile summary, and `python -m bench` itself without wrk. The
whole smoke run, with wrk, is bench/smoke/, a CI step of its own."""
from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bench import anatomy, fill, memory, reference
from bench.profile import summarize
from bench.results import markdown
from bench.results import summarize as summarize_results
from harness.redis_server import RedisServer
from harness.wait import wait_until
from service import create_app
from service.core.store import AUDIT, HIDDEN, OUTBOX, REPORTED
from tests.conftest import FRONTEND_KEY

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


def test_memory_of_the_data_leaves_out_what_a_client_holds(tmp_path):
    """A fill's connections may still hold their buffers when the next weighing reads `used_memory`
    (a 10-reporter fill once came out at -270 bytes per image): those bytes are not the data's."""
    server = RedisServer(tmp_path / "redis").start()  # its own: no other test's client writes meanwhile
    try:
        client = server.client()
        before = memory.data_memory(client)
        clients = client.info("memory")["mem_clients_normal"]
        with socket.create_connection(("127.0.0.1", server.port)) as holder:
            # a command whose last 2 MB never come: the server keeps what it read in the client's buffer
            holder.sendall(b"*2\r\n$4\r\nECHO\r\n$4000000\r\n" + b"x" * 2_000_000)
            wait_until(lambda: client.info("memory")["mem_clients_normal"] > clients + 1_500_000,
                       what="the held client's buffer")
            assert abs(memory.data_memory(client) - before) < 200_000
    finally:
        server.kill()


def test_anatomy_times_every_layer(redis_server, redis_client):
    rows = dict(anatomy.layers(redis_server.url, count=5))
    assert {"bare reference: POST JSON", "imgmod: POST /v1/reports", "Store.report (one Lua call)",
            "one-round-trip reference: POST /v1/reports", "required-work floor: POST /v1/reports"} <= set(rows)
    assert all(value >= 0 for value in rows.values())
    # Each hook in place, for each request: the request through an app without it; and with CORS.
    hooks = {"request_log._start_request", "hardening._check_query_string", "hardening._check_json_body",
             "request_log._finish_request", "metrics._observe", "hardening.security_headers",
             "request_log._forget_request"}
    for request in ("POST /v1/reports", "GET /v1/images/<id>", "GET /v1/images?id=…×100"):
        expected = {f"imgmod: {request} without service.web.{hook}" for hook in hooks
                    if not (request.startswith("POST") and hook == "hardening._check_json_body")}
        assert {name for name in rows if name.startswith(f"imgmod: {request} without ")} == expected
        assert f"imgmod: {request} with CORS" in rows
        assert f"imgmod: {request} with CORS, flask-cors on every answer" in rows
    # Each shortcut beside what it replaced.
    shortcuts = [name for name in rows if name.startswith("shortcut: ")]
    assert len(shortcuts) == 5 and len([name for name in rows if name.startswith("shortcut's alternative")]) == 5
    # The 10,000 stored images, then 5 rounds of 5 reports through wsgi_app (the same 25 images
    # through imgmod and its 7 variants) and 25 through the store.
    assert redis_client.zcard(REPORTED) == 10_000 + 25 + 25
    # A full name selects its row alone, though others' names begin with it; any other text, all that hold it.
    only = anatomy.layers(redis_server.url, count=2, only="imgmod: GET /v1/images/<id>", rounds=1, stored=1000)
    assert [name for name, _ in only] == ["imgmod: GET /v1/images/<id>"]
    some = anatomy.layers(redis_server.url, count=2, only="GET /v1/images/<id> without", rounds=1, stored=1000)
    assert len(some) == 7


def test_the_anatomy_command_prints_its_table_and_no_log_lines(tmp_path):
    """With a Redis of its own; the request log lines it formats go to /dev/null, not into the table."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "bench.anatomy", "--only", "POST", "--rounds", "1", "--count", "3"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and "---" not in line][1:]
    names = [row.split(" | ")[0][2:] for row in rows]
    assert names[:4] == ["bare reference: POST JSON", "one-round-trip reference: POST /v1/reports",
                         "required-work floor: POST /v1/reports", "imgmod: POST /v1/reports"]
    assert all(" without service." in name for name in names[4:-2]) and len(names) == 12
    assert names[-2:] == ["imgmod: POST /v1/reports with CORS", "imgmod: POST /v1/reports with CORS, flask-cors on every answer"]
    assert '"message":"request"' not in done.stdout + done.stderr


def test_a_profile_summary_shares_samples_by_package_and_function():
    collapsed = "\n".join([
        'process 1:"gunicorn";handle (gunicorn/workers/sync.py:10);report (service/core/store.py:5);'
        'send (site-packages/redis/connection.py:7) 30',
        'process 1:"gunicorn";handle (gunicorn/workers/sync.py:10);load (marshmallow/schema.py:3) 10',
        'process 1:"gunicorn";garbled (\x00\x08 py-spy misread this one',
    ])
    table = summarize(collapsed)
    assert "40 samples" in table
    assert "| redis | 75.0% |" in table and "| marshmallow | 25.0% |" in table
    assert "| `report (service/core/store.py)` | 75.0% |" in table


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


def test_the_contract_floor_answers_as_imgmod_does_with_one_round_trip(settings, redis_client, caplog):
    """The floor does the contract's per-request work with imgmod's own pieces: the same answers, log
    line, metrics and headers as imgmod, on the one-round-trip reference's single Redis command."""
    floor = reference.create_floor_app(settings).test_client()
    imgmod = create_app(settings).test_client()
    auth = {"Authorization": f"Bearer {FRONTEND_KEY}", "Accept-Language": "fr"}
    body = {"image_id": "news/img-1", "reporter_id": "reader-1", "reason": "spam"}
    floor.post("/v1/reports", json={"image_id": "warm-up", "reporter_id": "r"}, headers=auth)  # loads the script
    before = {command: _calls(redis_client, command) for command in ("evalsha", "eval", "zscore", "zmscore")}

    def ask(client):
        return [client.post("/v1/reports", json=body, headers=auth), client.get("/v1/images/news/img-1"),
                client.get("/v1/images?id=a&id=news/img-1")]

    with caplog.at_level(logging.INFO, logger="imgmod.request"):
        answers = ask(floor)
    after = {command: _calls(redis_client, command) for command in before}
    assert after["evalsha"] + after["eval"] - before["evalsha"] - before["eval"] == 1
    assert (after["zscore"] - before["zscore"], after["zmscore"] - before["zmscore"]) == (1, 1)
    assert redis_client.scard("reference:news/img-1") == 1  # the reporter's keyed hash, as imgmod's script counts it
    for ours, theirs in zip(answers, ask(imgmod)):
        assert (ours.status_code, ours.json) == (theirs.status_code, theirs.json)
        for header in ("Content-Type", "X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy",
                       "ETag", "Cache-Control"):
            assert ours.headers.get(header) == theirs.headers.get(header), header
        assert ours.headers["X-Request-ID"]
    lines = [record for record in caplog.records if record.name == "imgmod.request"]
    assert [(line.method, line.path, line.status) for line in lines] == [
        ("POST", "/v1/reports", 202), ("GET", "/v1/images/news/img-1", 200), ("GET", "/v1/images", 200)]
    metrics = floor.application.extensions["imgmod.metrics"]
    assert metrics.reports_received._value.get() == 2  # the warm-up's and this one
    # The contract's refusals stay: an unknown key, a missing reporter_id, a bad id, a body that is not JSON.
    assert floor.post("/v1/reports", json=body, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert floor.post("/v1/reports", json={"image_id": "x"}, headers=auth).status_code == 422
    assert floor.get("/v1/images/bad id").status_code == 422
    assert floor.post("/v1/reports", data="x", headers={**auth, "Content-Type": "text/plain"}).status_code == 415


def test_the_bench_names_the_server_that_imgmod_serve_runs():
    from gunicorn.util import load_class
    from gunicorn.workers.gthread import ThreadWorker

    from bench.servers import DEFAULT_SERVER
    from service.server import gunicorn_options

    worker = load_class(gunicorn_options("127.0.0.1:0", 1)["worker_class"])
    assert DEFAULT_SERVER == ("gunicorn-gthread" if issubclass(worker, ThreadWorker) else "gunicorn-sync")


def _load(rps: float, server_cpu_ms: float) -> dict:
    """One wrk run's figures, as bench.loads records them."""
    return {"rps": rps, "requests": int(rps * 5), "p50_ms": 5.0, "p99_ms": 10.0, "max_ms": 20.0, "non2xx": 0,
            "socket_errors": 0, "server_cpu_ms": server_cpu_ms, "redis_cpu_ms": 0.1, "wrk_cpu_ms": 0.05}


def test_target_two_is_shown_with_the_contract_floor_that_stands_in_its_way():
    """imgmod / one-round-trip reference (the target), floor / one-round-trip (under the goal: out of
    reach) and imgmod / floor (under the goal: imgmod's own excess), for each request, in both phases."""
    speeds = {"reference": 3000, "roundtrip": 2000, "floor": 1500, "imgmod": 1200}
    http = {figure: {side: [_load(rps, 1000 / rps)] * 3 for side, rps in speeds.items()}
            for figure in ("ingest_c16", "single", "bulk")}
    servers = {"default": "gunicorn-sync", "soak_connections": 256, "figures": {
        f"keepalive_{kind}": {f"{side}@gunicorn-sync": [_load(rps, 1000 / rps)] * 3 for side, rps in speeds.items()}
        for kind in ("ingest", "single", "bulk")}}
    results = {"config": {"runs": 3, "seconds": 5, "stored_small": 100, "stored_large": 1000}, "http": http,
               "servers": servers}
    rows = {row["target"]: row for row in summarize_results(results)}
    for label, goal in (("report ingest, 16 connections", 0.85), ("single lookup, 16 connections", 0.95),
                        ("bulk lookup (100 ids), 16 connections", 0.95)):
        assert rows[f"{label}: imgmod / one-round-trip reference"]["median"] == 0.6
        floor = rows[f"{label}: required-work floor / one-round-trip reference"]
        assert (floor["median"], floor["goal"], floor["met"]) == (0.75, f">= {goal}", False)
        assert rows[f"{label}: imgmod / required-work floor"]["median"] == 0.8
    for kind in ("ingest", "single", "bulk"):
        assert rows[f"{kind}, servers phase: required-work floor / one-round-trip reference"]["median"] == 0.75
    table = markdown(results)
    # CPU ceilings count Redis and wrk too (0.15 ms a request here): 0.65 / 0.82 and 0.82 / 0.98 ms.
    assert ("| report ingest, 16 connections | 1,500 / 1,500 / 1,500 | 0.75 / 0.75 / 0.75 | 0.80 "
            "| 0.80 / 0.80 / 0.80 | 0.83 |") in table
    assert all(f"| {target} |" in table for target in rows)


# --- The widget's page-view mix (bench/widget.py) ---------------------------------------------------------


def test_article_popularity_follows_the_zipf_law():
    from bench import widget

    weights = widget.zipf_weights(5000)
    assert abs(sum(weights) - 1) < 1e-9
    assert weights[0] / weights[1] == pytest.approx(2 ** widget.ZIPF_EXPONENT)
    assert weights[0] / weights[9] == pytest.approx(10 ** widget.ZIPF_EXPONENT)
    views = widget.page_views(100_000)
    assert views == widget.page_views(100_000)  # drawn reproducibly
    assert min(views) >= 0 and max(views) < widget.ARTICLES
    counts = [views.count(article) for article in range(3)]
    for article, count in enumerate(counts):  # within 5 % of the law's share
        assert abs(count / len(views) - weights[article]) < 0.05 * weights[article], (article, count)
    assert len(set(views)) > 0.8 * widget.ARTICLES  # the long tail is viewed too


def test_a_page_view_makes_the_widgets_lookups():
    from bench import widget

    photos = widget.photos(7, stored=100)
    assert photos == widget.photos(7, stored=100) and photos[0] == "stored-7.hero"  # its hero was reported
    assert not widget.photos(700, stored=100)[0].startswith("stored-")
    assert [len(widget.photos(a, 100)) for a in range(widget.ARTICLES)].count(1) > 0
    # encoded as the widget's encodeId: encodeURIComponent, then ':' and '/' as they are
    assert widget.encode_id("news/2026:a b+é&x=1.jpg") == "news/2026:a%20b%2B%C3%A9%26x%3D1.jpg"
    assert widget.lookup_paths(["a/b", "c"]) == ["/v1/images?id=a/b&id=c"]
    # batches of at most 100 ids and 1,900 bytes of URL, ids in page order, as widget.js cuts them
    many = [f"photo-{number}" for number in range(250)]
    batches = widget.lookup_paths(many, base="https://imgmod.example")
    assert [path.count("id=") for path in batches] == [100, 100, 50]
    long = ["x" * 190 + str(number) for number in range(30)]
    batches = widget.lookup_paths(long, base="https://imgmod.example")
    assert all(len("https://imgmod.example" + path) <= widget.MAX_URL for path in batches) and len(batches) > 1
    assert [part[3:] for path in batches for part in path.split("?")[1].split("&")] == long


def test_the_mix_files_name_each_views_lookups(tmp_path):
    from bench import widget

    paths, sequence = widget.write(tmp_path, stored=100, articles=50, views=2000)
    lines = paths.read_text().splitlines()
    order = [int(number) for number in sequence.read_text().split()]
    assert len(lines) == len(set(lines)) == 50  # one lookup per article: none holds 100 photos
    assert lines[0] == widget.article_path(0, 100) and min(order) >= 1 and max(order) <= len(lines)
    views = widget.page_views(2000, 50)
    assert [lines[number - 1] for number in order] == [widget.article_path(article, 100) for article in views]


def test_the_proxy_answered_share_counts_the_lookups_the_api_logged(tmp_path):
    from bench.loads import api_lookups

    log = tmp_path / "api.log"
    log.write_text('{"message":"request","method":"GET","path":"/v1/images","status":200}\n'
                   '{"message":"request","method":"POST","path":"/v1/reports","status":202}\n')
    offset = log.stat().st_size
    with log.open("a") as more:
        more.write('{"message":"request","method":"GET","path":"/v1/images","status":304}\n'
                   '{"message":"request","method":"GET","path":"/v1/images/a","status":200}\n'
                   '{"message":"started"}\n')
    assert api_lookups(log, 0) == 3 and api_lookups(log, offset) == 2


def test_a_phase_that_needs_wrk_stops_at_once_without_it(tmp_path):
    """The ha phase loads its servers with wrk: without wrk it must fail before starting any Redis."""
    path = tmp_path / "bin"  # redis-server on the PATH, and no wrk
    path.mkdir()
    (path / "redis-server").symlink_to(shutil.which("redis-server"))
    result = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--only", "ha", "--out", str(tmp_path / "out")],
                            cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PATH": str(path)})
    assert result.returncode != 0 and "wrk is not installed" in result.stderr
    assert not (tmp_path / "out" / "logs").exists()  # nothing was started


def test_the_matching_phase_runs_alone_without_wrk(tmp_path):
    path = tmp_path / "bin"  # redis-server on the PATH, and no wrk
    path.mkdir()
    (path / "redis-server").symlink_to(shutil.which("redis-server"))
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--only", "matching", "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PATH": str(path)})
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((out / "results.json").read_text())
    assert set(report) == {"config", "meta", "matching", "summary"} and report["meta"]["versions"]["wrk"] is None
    assert "| hashes stored |" in (out / "results.md").read_text()
