"""GET /metrics: counters, latency by endpoint and Redis gauges, right across gunicorn processes."""
from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from rq import Retry
from rq.registry import FailedJobRegistry

from harness.redis_server import unreachable_url
from harness.wait import wait_until
from service import create_app
from service.core import moderation
from service.core.queue import followup_queue
from service.core.stats import record_webhook
from tests.conftest import FRONTEND_KEY, Workers, with_settings
from tests.processes import Served, imgmod_env
from tests.test_webhook import WEBHOOK_SECRET, Receiver


def parse(text: str) -> dict[tuple, float]:
    """{(sample name, (label, value)...): value} of a Prometheus text exposition."""
    return {(sample.name, *sorted(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def scrape(client) -> dict[tuple, float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.content_type.startswith("text/plain")
    return parse(answer.get_data(as_text=True))


def test_report_counters_and_latency_by_endpoint(reporter, client):
    reporter.anonymous("img-1", ip="198.51.100.1")
    reporter.anonymous("img-1", ip="198.51.100.2")
    reporter.anonymous("img-1", ip="198.51.100.2")  # a repeat: received, not counted
    assert client.post("/v1/reports", json={"image_id": "bad id"}).status_code == 422
    assert client.post("/v1/reports", data="x", content_type="text/plain").status_code == 415
    client.get("/v1/images/img-1")
    client.get("/v1/images/img-2")

    metrics = scrape(client)
    assert metrics[("imgmod_reports_received_total",)] == 5
    assert metrics[("imgmod_reports_counted_total",)] == 2
    assert metrics[("imgmod_reports_rejected_total", ("status", "422"))] == 1
    assert metrics[("imgmod_reports_rejected_total", ("status", "415"))] == 1
    # One series per route template, never one per image id.
    lookups = ("imgmod_http_request_duration_seconds_count", ("endpoint", "/v1/images/<image_id>"),
               ("method", "GET"), ("status", "200"))
    assert metrics[lookups] == 2
    assert metrics[("imgmod_http_request_duration_seconds_count", ("endpoint", "/v1/reports"), ("method", "POST"),
                    ("status", "202"))] == 3
    assert not any("img-1" in str(key) for key in metrics)


def test_gauges_and_cluster_counters_come_from_redis(reporter, client, store, workers):
    for image_id in ("img-1", "img-2"):
        for n in range(3):
            reporter.anonymous(image_id, ip=f"198.51.100.{n}")
    time.sleep(0.05)  # so the oldest crossing has a measurable age
    before = scrape(client)
    assert before[("imgmod_pending_hides",)] == 2
    assert before[("imgmod_queue_length", ("queue", "imgmod"))] == 2
    assert before[("imgmod_oldest_pending_hide_age_seconds",)] > 0
    assert before[("imgmod_hides_total", ("kind", "auto"))] == 0
    assert before[("imgmod_workers_alive",)] == 0
    assert before[("imgmod_redis_up",)] == 1

    workers.start(1)
    wait_until(lambda: store.is_hidden("img-1") and store.is_hidden("img-2"), what="the worker to hide both")
    wait_until(lambda: scrape(client)[("imgmod_workers_alive",)] == 1, what="the worker's heartbeat")
    store.reset("img-1", actor="cli:test")
    after = scrape(client)
    assert after[("imgmod_hides_total", ("kind", "auto"))] == 2
    assert after[("imgmod_resets_total",)] == 1
    assert after[("imgmod_pending_hides",)] == 0
    assert after[("imgmod_oldest_pending_hide_age_seconds",)] == 0
    assert after[("imgmod_queue_length", ("queue", "imgmod"))] == 0
    assert after[("imgmod_hidden_images",)] == 1
    workers.stop()
    assert scrape(client)[("imgmod_workers_alive",)] == 0  # a warm shutdown unregisters at once


def test_webhook_outcomes_are_counted_for_whoever_delivers(client, store):
    record_webhook(store, "delivered")
    record_webhook(store, "retried")
    record_webhook(store, "retried")
    metrics = scrape(client)
    assert metrics[("imgmod_webhook_deliveries_total", ("outcome", "delivered"))] == 1
    assert metrics[("imgmod_webhook_deliveries_total", ("outcome", "retried"))] == 2
    assert metrics[("imgmod_webhook_deliveries_total", ("outcome", "failed"))] == 0
    with pytest.raises(ValueError, match="imgmod_webhook_deliveries"):
        record_webhook(store, "lost")


def test_webhook_deliveries_are_counted_by_outcome(settings):
    with Receiver() as receiver:
        receiver.failures = 1  # the site fails once, then takes the event
        hooked = with_settings(settings, webhook_url=f"http://127.0.0.1:{receiver.port}/hook",
                               webhook_secret=WEBHOOK_SECRET)
        app = create_app(hooked)
        for n in range(3):
            moderation.report(app.extensions["imgmod"], "img-1", f"r{n}", "hate", None)
        pool = Workers(hooked)
        pool.start(1)
        try:
            receiver.wait_for(2)
            wait_until(lambda: scrape(app.test_client())[("imgmod_webhook_deliveries_total", ("outcome", "delivered"))],
                       what="the delivery to be counted")
        finally:
            pool.stop()
    metrics = scrape(app.test_client())
    assert metrics[("imgmod_webhook_deliveries_total", ("outcome", "retried"))] == 1
    assert metrics[("imgmod_webhook_deliveries_total", ("outcome", "delivered"))] == 1
    assert metrics[("imgmod_webhook_deliveries_total", ("outcome", "failed"))] == 0


def test_a_webhook_that_never_gets_through_is_counted_failed(settings, queue):
    with Receiver() as receiver:
        receiver.failures = 100
        hooked = with_settings(settings, webhook_url=f"http://127.0.0.1:{receiver.port}/hook",
                               webhook_secret=WEBHOOK_SECRET)
        followups = followup_queue(queue.connection)
        # The production schedule retries for an hour and a half; one quick retry shows the same path.
        job = followups.enqueue("workers.jobs.deliver_webhook", '{"event":"image.hidden","event_id":"e1"}',
                                retry=Retry(max=1))
        pool = Workers(hooked)
        pool.start(1)
        try:
            wait_until(lambda: job.id in FailedJobRegistry(queue=followups).get_job_ids(), what="the job to fail")
        finally:
            pool.stop()
        assert len(receiver.requests) == 2
    metrics = scrape(create_app(hooked).test_client())
    assert metrics[("imgmod_webhook_deliveries_total", ("outcome", "retried"))] == 1
    assert metrics[("imgmod_webhook_deliveries_total", ("outcome", "failed"))] == 1
    assert metrics[("imgmod_jobs_failed", ("queue", "imgmod-followups"))] == 1
    assert metrics[("imgmod_job_failures_total", ("outcome", "failed"))] == 1


def test_metrics_answer_quickly_while_redis_is_away(settings):
    client = create_app(with_settings(settings, redis_url=unreachable_url())).test_client()
    client.get("/healthz")
    started = time.monotonic()
    metrics = scrape(client)
    assert time.monotonic() - started < 5  # no hang on a dead peer (not a speed claim)
    assert metrics[("imgmod_redis_up",)] == 0
    assert ("imgmod_pending_hides",) not in metrics
    assert metrics[("imgmod_http_request_duration_seconds_count", ("endpoint", "/healthz"), ("method", "GET"),
                    ("status", "200"))] == 1


def _body(n: int) -> dict:
    """Request n: 3 images, 7 readers (so repeats), and every 9th one invalid."""
    return {"image_id": f"img-{n % 3}", "reporter_id": f"reader-{n % 7}"} if n % 9 else {"image_id": "bad id"}


def _report(base: str, n: int) -> requests.Response:
    # A fresh connection per request, so gunicorn's processes take turns accepting them.
    body = _body(n)
    return requests.post(f"{base}/v1/reports", json=body, headers={"Authorization": f"Bearer {FRONTEND_KEY}"},
                         timeout=10)


def _pids(served: Served, path: str) -> set[int]:
    return {line["pid"] for line in served.lines() if line.get("message") == "request" and line["path"] == path}


def test_metrics_add_up_across_gunicorn_processes(settings, tmp_path):
    """Two gunicorn processes answer reports and scrapes; every scrape shows the sum of both."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    served = Served(imgmod_env(settings, IMGMOD_THRESHOLD="100", TMPDIR=str(tmp)), tmp_path / "serve.log")
    try:
        [metrics_dir] = tmp.glob("imgmod-metrics-*")  # made by `imgmod serve` itself
        answers: list[requests.Response] = []
        with ThreadPoolExecutor(8) as pool:
            while len(_pids(served, "/v1/reports")) < 2:
                assert len(answers) < 400, "gunicorn never used its second process"
                answers += pool.map(lambda n: _report(served.base, n), range(len(answers), len(answers) + 24))
        statuses = [answer.status_code for answer in answers]
        assert set(statuses) == {202, 422}
        counted = sum(1 for answer in answers if answer.status_code == 202 and answer.json()["counted"])
        assert counted == len({tuple(_body(n).values()) for n in range(len(answers)) if n % 9})

        def check(metrics: dict) -> None:
            assert metrics[("imgmod_reports_received_total",)] == len(answers)
            assert metrics[("imgmod_reports_counted_total",)] == counted
            assert metrics[("imgmod_reports_rejected_total", ("status", "422"))] == statuses.count(422)
            assert metrics[("imgmod_http_request_duration_seconds_count", ("endpoint", "/v1/reports"),
                            ("method", "POST"), ("status", "202"))] == statuses.count(202)

        def scrape_live() -> dict:
            answer = requests.get(f"{served.base}/metrics", timeout=10)
            assert answer.status_code == 200
            return parse(answer.text)

        # Scrape (several at once) until both processes have answered; each answer holds the whole sum.
        with ThreadPoolExecutor(4) as pool:
            for _ in range(50):
                for metrics in pool.map(lambda _: scrape_live(), range(8)):
                    check(metrics)
                if len(_pids(served, "/metrics")) == 2:
                    break
        assert len(_pids(served, "/metrics")) == 2

        # A process that dies keeps its counts: its files stay and are summed with the living.
        victim = next(iter(_pids(served, "/v1/reports") - {served.popen.pid}))
        os.kill(victim, signal.SIGKILL)
        wait_until(lambda: sum(1 for line in served.lines() if "Booting worker" in line["message"]) >= 3,
                   what="gunicorn to replace the killed process")
        check(scrape_live())
        assert list(metrics_dir.glob("*.db"))
    finally:
        assert served.terminate() == 0
    assert not metrics_dir.exists()  # the temp dir went with the server


def test_latency_has_one_series_per_method_route_and_status(client):
    etag = client.get("/v1/images/img-1").headers["ETag"]
    client.get("/v1/images/img-2")
    client.get("/v1/images/img-1", headers={"If-None-Match": etag})
    client.get("/v1/images/bad%20id")
    client.get("/v1/images?id=a&id=b")
    client.get("/nowhere")
    client.open("/v1/images/img-1", method="PROPFIND")
    counts = {tuple(labels for labels in key[1:]): value for key, value in scrape(client).items()
              if key[0] == "imgmod_http_request_duration_seconds_count"}
    assert counts == {
        (("endpoint", "/v1/images/<image_id>"), ("method", "GET"), ("status", "200")): 2,
        (("endpoint", "/v1/images/<image_id>"), ("method", "GET"), ("status", "304")): 1,
        (("endpoint", "/v1/images/<image_id>"), ("method", "GET"), ("status", "422")): 1,
        (("endpoint", "/v1/images"), ("method", "GET"), ("status", "200")): 1,
        (("endpoint", "unmatched"), ("method", "GET"), ("status", "404")): 1,
        (("endpoint", "unmatched"), ("method", "other"), ("status", "405")): 1,
    }
    buckets = {key: value for key, value in scrape(client).items()
               if key[0] == "imgmod_http_request_duration_seconds_bucket" and ("status", "200") in key
               and ("endpoint", "/v1/images/<image_id>") in key}
    assert buckets[("imgmod_http_request_duration_seconds_bucket", ("endpoint", "/v1/images/<image_id>"),
                    ("le", "+Inf"), ("method", "GET"), ("status", "200"))] == 2


def test_odd_ids_on_every_endpoint_leave_one_series_per_route(client):
    """Ids with '/', %2F, route words or Arabic in paths: the routes' templates label the latency, never an id."""
    from tests.test_ids import ODD_IDS, Caller, through_every_endpoint

    for image_id in ODD_IDS:
        through_every_endpoint(Caller(client), image_id)
    endpoints = {dict(key[1:])["endpoint"] for key in scrape(client)
                 if key[0] == "imgmod_http_request_duration_seconds_count"}
    admin = "/v1/admin/images/<image_id>"
    assert endpoints == {"/v1/reports", "/v1/images", "/v1/images/<image_id>", "/v1/images/<image_id>/placeholder",
                         admin, f"{admin}/protection", f"{admin}/hide", f"{admin}/confirm", f"{admin}/reset",
                         "/v1/admin/audit"}
