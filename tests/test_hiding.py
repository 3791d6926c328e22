"""The crossing: exactly one hide per crossing, by real RQ workers, however many race."""
from __future__ import annotations

import time
from dataclasses import replace
from functools import partial

import pytest
import requests
from rq.registry import FailedJobRegistry, FinishedJobRegistry

from service.core.store import AUDIT, Store
from tests.conftest import FRONTEND_KEY, run_queued_jobs
from tests.processes import Process, imgmod_env, job_lines
from tests.race import race
from workers import jobs

# The Lua scripts these tests drive run on every server binary present (tests/conftest.py).
pytestmark = pytest.mark.every_server


def hidden_events(redis_client) -> list[dict]:
    return [fields for _, fields in redis_client.xrange(AUDIT) if fields["type"] == "hidden"]


def test_third_distinct_reporter_gets_the_image_hidden_by_a_worker(reporter, client, workers, redis_client):
    for ip in ["198.51.100.1", "198.51.100.2"]:
        reporter.anonymous("img-1", ip=ip)
    third = reporter.anonymous("img-1", ip="198.51.100.3")
    assert third.json["counted"] is True
    assert client.get("/v1/images/img-1").json["hidden"] is False  # the worker has not run yet
    workers.burst()
    assert client.get("/v1/images/img-1").json["hidden"] is True
    assert [event["image_id"] for event in hidden_events(redis_client)] == ["img-1"]


def test_the_hide_runs_in_the_worker_process_and_its_follow_up_in_a_forked_horse(reporter, settings, tmp_path):
    """Forking a work horse cost more than the hide itself (BENCHMARKS.md): hides run in the worker.
    Follow-ups read untrusted images with Pillow: they keep a horse of their own."""
    for n in range(3):
        reporter.anonymous("img-1", ip=f"198.51.100.{n}")
    worker = Process(["worker", "--burst"], imgmod_env(settings), tmp_path / "worker.log")
    assert worker.wait(60) == 0
    assert reporter.client.get("/v1/images/img-1").json["hidden"] is True
    jobs = {line["func"]: line for line in job_lines(worker)}
    assert sorted(jobs) == ["workers.jobs.hide_image", "workers.jobs.make_placeholder"]
    assert jobs["workers.jobs.hide_image"]["pid"] == worker.popen.pid
    assert jobs["workers.jobs.make_placeholder"]["pid"] != worker.popen.pid
    # The hide's own line (workers.jobs) too: nothing of the hide ran anywhere else.
    [said] = [line for line in worker.lines() if line.get("logger") == "workers.jobs" and "hide" in line["message"]]
    assert said["pid"] == worker.popen.pid


def test_below_the_threshold_nothing_is_queued(reporter, queue, store):
    reporter.anonymous("img-1", ip="198.51.100.1")
    reporter.anonymous("img-1", ip="198.51.100.2")
    assert queue.count == 0
    assert store.status("img-1")["state"] == "visible"


def test_reports_after_the_crossing_queue_nothing_more(reporter, queue, workers, store):
    for n in range(6):
        reporter.anonymous("img-1", ip=f"198.51.100.{n}")
    assert queue.count == 1
    workers.burst()
    reporter.anonymous("img-1", ip="198.51.100.99")
    assert queue.count == 0
    assert store.status("img-1")["report_count"] == 7


def test_racing_reporters_and_workers_hide_each_image_exactly_once(live_server, workers, queue, store, redis_client):
    """24 readers per image report 4 images at the same instant while 3 workers wait for the jobs."""
    images = [f"race-{n}" for n in range(4)]
    readers = 24
    workers.start(3)

    def report(image_id: str, reader: int) -> int:
        with requests.Session() as session:
            return session.post(f"{live_server}/v1/reports",
                                json={"image_id": image_id, "reporter_id": f"reader-{reader}"},
                                headers={"Authorization": f"Bearer {FRONTEND_KEY}"}, timeout=30).status_code

    answers = race(*[partial(report, image_id, reader) for image_id in images for reader in range(readers)])
    # On a loaded machine the workers may still be starting: stopping them now would leave jobs queued.
    deadline = time.monotonic() + 60
    while not all(store.is_hidden(image_id) for image_id in images):
        assert time.monotonic() < deadline, "the workers did not hide every image"
        time.sleep(0.05)
    workers.stop()  # a warm shutdown finishes the jobs in hand

    assert answers == [202] * len(images) * readers
    finished = FinishedJobRegistry(queue=queue)
    assert len(finished.get_job_ids()) == len(images)
    assert FailedJobRegistry(queue=queue).count == 0
    assert sorted(event["image_id"] for event in hidden_events(redis_client)) == images
    for image_id in images:
        status = store.status(image_id)
        assert (status["state"], status["report_count"]) == ("hidden", readers)


def test_a_hide_queued_before_a_reset_does_nothing_after_it(reporter, workers, queue, store, redis_client):
    for n in range(3):
        reporter.anonymous("img-1", ip=f"198.51.100.{n}")
    assert queue.count == 1
    store.reset("img-1", actor="cli:test")
    workers.burst()
    assert store.status("img-1")["state"] == "visible"
    assert hidden_events(redis_client) == []
    [job_id] = FinishedJobRegistry(queue=queue).get_job_ids()
    assert queue.fetch_job(job_id).return_value() is False


def test_the_same_hide_job_twice_hides_once(reporter, store, redis_client):
    for n in range(3):
        outcome = store.report("img-1", f"r{n}", "other", None)
    assert store.hide_if_current("img-1", outcome.generation).startswith("hidden:reports|0|")
    assert store.hide_if_current("img-1", outcome.generation) is None
    assert len(hidden_events(redis_client)) == 1


def test_jobs_use_the_store_of_the_worker_that_runs_them(settings, queue, services):
    """A job built a second store of its own, from the environment, with connections of its own."""
    calls = []

    class WatchedStore(Store):
        def hide_if_current(self, *args, **kwargs):
            calls.append(args)
            return super().hide_if_current(*args, **kwargs)

    store = WatchedStore(services.store.redis, settings.threshold, raw=services.store.raw)
    for image_id in ("img-1", "img-2"):
        for n in range(settings.threshold):
            store.report(image_id, f"reader-{n}", "spam", None)
        queue.enqueue("workers.jobs.hide_image", image_id, 0)
    run_queued_jobs(replace(services, store=store), queue)
    assert store.is_hidden("img-1") and store.is_hidden("img-2")
    assert [image_id for image_id, _ in calls] == ["img-1", "img-2"]


def test_a_job_outside_an_imgmod_worker_says_where_it_runs():
    with pytest.raises(RuntimeError, match="imgmod worker"):
        jobs.hide_image("img-1", 0)
