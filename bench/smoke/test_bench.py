"""The bench harness works end to end: its smoke mode writes a complete report. Speed is not judged."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.servers import APPS, DEFAULT_SERVER, SERVERS
from deploy.frontdoor import nginx_binary

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None,
                                reason="wrk, the bench's load generator, is not installed (apt-get install wrk)")


@pytest.fixture(scope="module", autouse=True)
def nginx():
    """The front phase runs the deployment's nginx: without it the bench stops at once, so these
    tests skip and say why, unless IMGMOD_REQUIRE_NGINX=1 (CI sets it)."""
    if nginx_binary() is None:
        if os.environ.get("IMGMOD_REQUIRE_NGINX") == "1":
            pytest.fail("IMGMOD_REQUIRE_NGINX=1 but no nginx was found (apt-get install nginx)")
        pytest.skip("the bench's front phase needs nginx: apt-get install nginx, or set IMGMOD_NGINX")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    result = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=400)
    assert result.returncode == 0, result.stderr[-3000:]
    return out, json.loads((out / "results.json").read_text()), result.stdout


def _loads(report: dict, figure: str, side: str) -> list[dict]:
    loads = report["http"][figure][side]
    assert len(loads) == report["config"]["runs"]
    return loads


@pytest.mark.timeout(420)
def test_every_http_figure_has_both_sides_and_only_successful_answers(smoke):
    _, report, _ = smoke
    for figure in ("ingest_c16", "ingest_c64", "single", "bulk"):
        for side in ("imgmod", "reference"):
            for load in _loads(report, figure, side):
                assert load["requests"] > 0 and load["rps"] > 0
                assert 0 < load["p50_ms"] <= load["p99_ms"] <= load["max_ms"]
                assert load["non2xx"] == 0, f"{figure} {side}: the bench sent requests that were refused"
    for figure in ("ingest_c16_large", "single_large", "bulk_large"):
        assert all(load["non2xx"] == 0 and load["requests"] > 0 for load in _loads(report, figure, "imgmod"))


@pytest.mark.timeout(420)
def test_the_one_round_trip_reference_and_the_contract_floor_are_measured_where_imgmod_makes_one_call(smoke):
    out, report, _ = smoke
    for figure in ("ingest_c16", "single", "bulk"):
        for side in ("roundtrip", "floor"):
            for load in _loads(report, figure, side):
                assert load["requests"] > 0 and load["non2xx"] == 0 and load["redis_cpu_ms"] is not None
    table = (out / "results.md").read_text()
    assert "| report ingest, 16 connections | " in table.split("one-round-trip reference req/s")[1]
    assert "| bulk lookup (100 ids), 16 connections | " in table.split("required-work floor req/s")[1]
    # The floor writes its request log lines, as imgmod does, under every server.
    for name in ("floor", "floor-gunicorn-gthread", "floor-granian"):
        assert '"message":"request"' in (out / "logs" / f"{name}.log").read_text(), name


@pytest.mark.timeout(420)
def test_every_app_is_measured_under_every_server_side_by_side(smoke):
    _, report, _ = smoke
    servers = report["servers"]
    assert servers["default"] == DEFAULT_SERVER
    figures = servers["figures"]
    imgmod_gunicorn = {f"imgmod@{server}" for server in SERVERS if server.startswith("gunicorn")}
    expected = {"keepalive": {f"{app}@{server}" for app in APPS for server in SERVERS},
                "close": {"bare@gunicorn-sync"} | imgmod_gunicorn, "c64": imgmod_gunicorn, "soak": imgmod_gunicorn}
    for mode, sides in expected.items():
        for kind in ("ingest", "single") + (("bulk",) if mode != "soak" else ()):
            assert set(figures[f"{mode}_{kind}"]) == sides, (mode, kind)
            for loads in figures[f"{mode}_{kind}"].values():
                assert len(loads) == (1 if mode == "soak" else report["config"]["runs"])
                for load in loads:
                    assert load["requests"] > 0 and load["non2xx"] == 0, (mode, kind)
    assert servers["soak_connections"] == report["config"]["soak_connections"]


@pytest.mark.timeout(420)
def test_hide_latency_is_measured_for_idle_and_busy_workers(smoke):
    _, report, _ = smoke
    config = report["config"]
    measured = {(entry["workers"], entry["concurrency"]) for entry in report["hide"]}
    assert measured == {(n, c) for n in config["hide_workers"] for c in (1, config["busy_concurrency"])}
    for entry in report["hide"]:
        target = (entry["workers"], entry["concurrency"]) == (1, 1)
        assert len(entry["runs"]) == (config["runs"] if target else config["hide_other_runs"])
        for run in entry["runs"]:
            assert run["crossings"] == config["crossings"]
            assert 0 < run["p50_ms"] <= run["p99_ms"] <= run["max_ms"]


@pytest.mark.timeout(420)
def test_memory_is_weighed_for_each_reporter_count_and_the_url_variant(smoke):
    _, report, _ = smoke
    variants = {(entry["reporters"], entry["image_url"]) for entry in report["memory"]}
    assert variants == {(r, False) for r in report["config"]["memory_reporters"]} | {(1, True)}
    for entry in report["memory"]:
        assert entry["images"] == report["config"]["memory_images"]
        assert entry["bytes_per_image"] > 0
        assert entry["by_key"]["image hash"] > 0 and entry["by_key"]["reported index"] > 0
        # past the threshold, images end up hidden, as the worker leaves them
        assert ("hidden index" in entry["by_key"]) == (entry["reporters"] >= 3)


@pytest.mark.timeout(420)
def test_replication_is_measured_with_and_without_acks_and_for_lookups_from_replicas(smoke):
    out, report, _ = smoke
    figures = report["ha"]["figures"]
    assert set(figures) == {"ingest_c16", "single", "bulk"}
    assert set(figures["ingest_c16"]) == {"ack0", "ack1"}
    assert set(figures["single"]) == set(figures["bulk"]) == {"master", "replica1", "replica2"}
    for sides in figures.values():
        for loads in sides.values():
            assert len(loads) == report["config"]["runs"]
            for load in loads:
                assert load["requests"] > 0 and load["non2xx"] == 0 and load["socket_errors"] == 0
                assert 0 < load["p50_ms"] <= load["p99_ms"] <= load["max_ms"]
    table = (out / "results.md").read_text()
    assert "| report ingest, 16 connections | IMGMOD_REDIS_MIN_REPLICAS_ACK=1, master + 1 replica | " in table
    assert "| bulk lookup (100 ids), 16 connections | IMGMOD_LOOKUPS_FROM_REPLICAS=1, 2 replicas | " in table


@pytest.mark.timeout(420)
def test_the_report_names_the_machine_and_every_target(smoke):
    out, report, stdout = smoke
    meta = report["meta"]
    assert meta["cores"] >= 1 and len(meta["load_average"]["before"]) == 3
    assert all(meta["versions"][name] for name in ("python", "redis-server", "wrk", "flask", "gunicorn", "redis", "rq",
                                                   "numpy", "pdqhash"))
    table = (out / "results.md").read_text()
    assert table.strip() == stdout.strip()
    targets = [row["target"] for row in report["summary"]]
    # four ratios to the bare reference; for target 2, in the http and the servers phases, three to the
    # one-round-trip reference, three of the contract floor to it and three of imgmod to the floor;
    # three growth ratios, six p99 ratios to gunicorn sync, two soaks, the hide p99, two memory limits,
    # eight of the front door and three of matching
    assert len(targets) == 47
    assert sum("as deployed" in target for target in targets) == 6
    assert sum("/ bare reference" in target for target in targets) == 4
    assert sum("imgmod / one-round-trip reference" in target for target in targets) == 6
    assert sum("required-work floor / one-round-trip reference" in target for target in targets) == 6
    assert sum("imgmod / required-work floor" in target for target in targets) == 6
    assert sum("/ imgmod under gunicorn sync" in target for target in targets) == 6
    assert sum(" stored / " in target for target in targets) == 3
    assert sum("flask-cors on every answer" in target for target in targets) == 1
    for row in report["summary"]:
        assert row["min"] <= row["median"] <= row["max"] and isinstance(row["met"], bool)
        assert f"| {row['target']} |" in table


@pytest.mark.timeout(420)
def test_the_deployment_is_measured_through_nginx_beside_serve_alone_and_bare_flask(smoke):
    out, report, _ = smoke
    config, front = report["config"], report["front"]
    c, many = front["connections"], front["many"]
    assert (c, many) == (config["lookup_connections"], config["soak_connections"])
    figures = front["figures"]
    assert set(figures) == {f"widget_c{c}", f"cors_c{c}", f"ingest_c{c}", f"widget_c{many}", f"ingest_c{many}"}
    assert set(figures[f"widget_c{c}"]) == {"bare", "deployed", "cached", "direct"}
    assert set(figures[f"cors_c{c}"]) == {"direct", "flask-cors", "no-cors"}
    for figure in (f"ingest_c{c}", f"widget_c{many}", f"ingest_c{many}"):
        assert set(figures[figure]) == {"deployed", "direct"}
    for figure, sides in figures.items():
        for side, loads in sides.items():
            assert len(loads) == config["runs"] * (2 if figure.startswith("cors") else 1)
            for load in loads:
                assert load["requests"] > 0 and load["non2xx"] == 0, (figure, side)
                # as deployed: nginx's CPU and the API's behind it, and for lookups the share nginx answered
                assert ("api_cpu_ms" in load) == (side in ("deployed", "cached"))
                assert ("proxy_answered" in load) == (side in ("deployed", "cached") and figure.startswith("widget"))
                if "proxy_answered" in load and side == "deployed":
                    assert 0 <= load["proxy_answered"] < 1 and load["api_lookups"] > 0
    # an editor's hides, seen through nginx by every allowed origin
    assert len(front["hides"]) == config["front_hides"]
    for entry in front["hides"]:
        assert entry["hide_status"] == 200 and set(entry["by_origin"]) == set(front["origins"])
        assert 0 < entry["seconds"] <= 3 * front["max_age"]
    table = (out / "results.md").read_text()
    assert "| widget lookups, 16 connections | nginx → imgmod serve (as deployed) | " in table
    assert "| CORS | req/s | req/s against flask-cors, run by run |" in table and "| a photo of the article ranked |" in table
    # the deployment's own processes wrote where the run's logs go, and stopped with it
    assert (out / "work" / "nginx" / "nginx.conf").exists()
    assert '"path":"/v1/images"' in (out / "logs" / "api-front.log").read_text()


@pytest.mark.timeout(420)
def test_matching_figures_are_measured_for_every_photo_copy_and_stored_size(smoke):
    _, report, _ = smoke
    config, figures = report["config"], report["matching"]
    assert figures["photos"] == config["match_photos"] and figures["distance"] == 31
    assert 0 < figures["hash_ms"]["median"] <= figures["hash_ms"]["p90"]
    assert 0 <= figures["quality_min"] <= 100 and figures["flat_quality"] < 50
    assert 0 <= figures["unmatchable"] <= figures["photos"]
    distinct = figures["distinct"]
    assert distinct["pairs"] == config["match_photos"] * (config["match_photos"] - 1) // 2
    assert 0 <= distinct["within"] <= distinct["pairs"] and 0 <= distinct["closest"] <= 256
    assert set(figures["copies"]) == {"resized 60 % + JPEG q60", "resized 30 % + JPEG q40", "cropped 5 % a side",
                                      "watermarked (corner box)"}
    for kind in figures["copies"].values():
        assert kind["count"] == config["match_copies"] == sum(kind["histogram"].values())
        assert 0 <= kind["rate"] <= 1 and kind["matched"] == round(kind["rate"] * kind["count"])
        assert 0 <= kind["median"] <= kind["max"] <= 256
    assert [entry["hashes"] for entry in figures["stored"]] == config["match_stored"]
    for entry in figures["stored"]:
        assert 0 < entry["decision_ms"]["median"] <= entry["decision_ms"]["max"]
        assert entry["worker_bytes_per_image"] >= 32 and entry["redis_bytes_per_image"] >= 37  # a hash at least
        assert entry["first_load_ms"] >= 0


@pytest.mark.timeout(420)
def test_the_bench_leaves_no_redis_server_running(smoke):
    out, _, _ = smoke
    leftovers = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(out).encode() in cmdline.read_bytes():
                leftovers.append(cmdline.parent.name)
        except OSError:
            continue  # the process ended while we looked
    assert leftovers == []
