"""A failover of the Redis master under load (contract v2, "High availability"): real processes, a
master, two replicas and three sentinels; `imgmod serve` and `imgmod worker` follow the new master
by themselves, and with IMGMOD_REDIS_MIN_REPLICAS_ACK=1 every report answered 202 survives."""
from __future__ import annotations

import itertools
import json
import signal
import threading
import time

import pytest
import requests
from rq import Queue
from rq.registry import StartedJobRegistry

from harness.wait import wait_until
from service.core import identity
from service.core.queue import QUEUE_NAME
from service.core.store import AUDIT, OUTBOX, PENDING, image_key
from tests.conftest import FRONTEND_KEY, with_settings
from tests.http_fixtures import LocalServer
from tests.processes import Process, Served, imgmod_env
from tests.sentinels import SentinelGroup
from tests.test_outage import NO_HANG_SECONDS

IMAGES = [f"img-{n}" for n in range(6)]


@pytest.fixture
def group(tmp_path):
    group = SentinelGroup(tmp_path / "redis").start()
    yield group
    group.stop()


class Readers:
    """Threads reporting as distinct site accounts, round the images, until told to stop."""

    def __init__(self, base: str, threads: int = 4):
        self.base = base
        self.answers: list[tuple[str, str, int, bool | None]] = []  # image, reporter, status, counted
        self.errors: list[str] = []
        self.stopping = threading.Event()
        self.sequence = itertools.count()
        self.threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def start(self) -> "Readers":
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def accepted(self) -> int:
        return sum(1 for answer in self.answers if answer[2] == 202)

    def _run(self) -> None:
        with requests.Session() as http:
            while not self.stopping.is_set():
                n = next(self.sequence)
                image_id, reporter = IMAGES[n % len(IMAGES)], f"reader-{n}"
                try:
                    answer = http.post(f"{self.base}/v1/reports", json={"image_id": image_id, "reporter_id": reporter},
                                       headers={"Authorization": f"Bearer {FRONTEND_KEY}"}, timeout=10)
                except requests.RequestException as error:  # a hang or a dropped connection
                    self.errors.append(type(error).__name__)
                    continue
                assert answer.headers["Content-Type"].startswith("application/json")
                if answer.status_code == 503:
                    assert answer.headers["Retry-After"].isdigit()
                counted = answer.json().get("counted") if answer.status_code == 202 else None
                self.answers.append((image_id, reporter, answer.status_code, counted))


@pytest.fixture
def webhooks():
    """The site's webhook endpoint: takes every call (204)."""
    with LocalServer(lambda seen: (204, {}, b"")) as server:
        yield server


def test_a_failover_under_load_loses_no_answered_report_and_hides_each_crossing_once(settings, group, tmp_path,
                                                                                   request, webhooks):
    settings = with_settings(settings, webhook_url=f"http://127.0.0.1:{webhooks.port}/hooks",
                             webhook_secret="webhook-secret-of-the-site-0123456789")
    env = imgmod_env(settings, IMGMOD_REDIS_URL="", IMGMOD_REDIS_SENTINELS=group.addresses,
                     IMGMOD_REDIS_MIN_REPLICAS_ACK="1", IMGMOD_PENDING_GRACE_SECONDS="1",
                     IMGMOD_RECONCILE_INTERVAL_SECONDS="1", IMGMOD_REPORT_RATE_LIMIT="10000/minute")
    served = Served(env, tmp_path / "serve.log")
    worker = Process(["worker"], env, tmp_path / "worker.log")
    request.addfinalizer(lambda: [process.kill_all() for process in (served, worker) if process.popen.poll() is None])
    wait_until(lambda: any(line["message"] == "worker started" for line in worker.lines()), what="the worker")
    readers = Readers(served.base).start()
    try:
        wait_until(lambda: readers.accepted() >= 40, what="reports before the failover")
        before = len(readers.answers)
        new_master = group.kill_master()
        wait_until(lambda: sum(1 for answer in readers.answers[before:] if answer[2] == 202) >= 40,
                   what="reports answered again after the failover")
    finally:
        readers.stop()
        for process in (served, worker):
            if process.popen.poll() is not None:
                raise AssertionError(f"{process.log.name} exited:\n{process.log.read_text()[-2000:]}")
    assert readers.errors == []  # never a hang, never a dropped connection
    assert {status for _, _, status, _ in readers.answers} <= {202, 503}
    assert any(status == 503 for _, _, status, _ in readers.answers[before:])  # the failover was seen

    client = new_master.client()
    secret = settings.secret_key
    for image_id, reporter, status, _ in readers.answers:
        if status == 202:  # answered: it is on the new master
            field = "@" + identity.reporter_hash(secret, f"fe:site:{reporter}", image_id)
            assert client.hexists(image_key(image_id), field), (image_id, reporter)

    # Every crossing ends hidden, lost jobs included (the reconciler), and each is hidden once.
    wait_until(lambda: client.zcard(PENDING) == 0, what="every crossing to be hidden")
    hides = [fields["image_id"] for _, fields in client.xrange(AUDIT) if fields["type"] == "hidden"]
    assert sorted(hides) == sorted(set(hides)) and set(hides) == set(IMAGES)
    # One image.hidden event per crossing, even for a hide applied while its follow-ups could not be
    # queued (they come from the outbox, one grace period later). Delivery is at least once
    # (service/core/followups.py): a repeat, if any, carries the same event_id for the site to drop. A
    # webhook job the worker had in hand when the master died is handed back by the worker as soon as
    # the new master answers (HandsBack.hand_back), not a minute or more later by RQ's maintenance.
    raw = new_master.client(decode=False)
    delivered = lambda: {json.loads(seen.body)["image_id"] for seen in webhooks.requests}  # noqa: E731
    wait_until(lambda: raw.zcard(OUTBOX) == 0 and delivered() == set(IMAGES), what="a webhook for every crossing")
    events = {(event["event"], event["image_id"], event["event_id"])
              for event in (json.loads(seen.body) for seen in webhooks.requests)}
    assert sorted(image_id for _, image_id, _ in events) == sorted(delivered())  # one event_id per crossing
    assert {kind for kind, _, _ in events} == {"image.hidden"}
    assert requests.get(f"{served.base}/readyz", timeout=5).status_code == 200
    assert served.popen.poll() is None and worker.popen.poll() is None  # nothing was restarted
    assert served.terminate() == 0
    assert worker.terminate() == 0  # a warm shutdown, by itself, after the failover
    for process in (served, worker):
        process.lines()  # every line JSON


def test_a_worker_told_to_stop_while_its_master_is_away_stops_warm(settings, group, tmp_path, request):
    """The master dies under a job in hand: the worker's RQ loop quits and imgmod's waits for Redis.
    A SIGTERM then used to reach RQ's handler of the worker that had quit (a write to Redis, or a
    StopRequested raised wherever the loop was), and the next worker, started once the new master
    answered, never heard of it: the process ran on until it was killed (issue 18)."""
    env = imgmod_env(settings, IMGMOD_REDIS_URL="", IMGMOD_REDIS_SENTINELS=group.addresses)
    worker = Process(["worker"], env, tmp_path / "worker.log")
    request.addfinalizer(lambda: worker.kill_all() if worker.popen.poll() is None else None)
    wait_until(lambda: any(line["message"] == "worker started" for line in worker.lines()), what="the worker")
    release = tmp_path / "release"
    queue = Queue(QUEUE_NAME, connection=group.master.client(decode=False))
    job = queue.enqueue("tests.jobs.wait_for_file", str(release))
    wait_until(lambda: job.id in StartedJobRegistry(queue=queue).get_job_ids(), what="the job to start")
    group.master.kill()  # not waiting for the promotion: the worker must be between two workers
    release.touch()
    wait_until(lambda: [line["message"] for line in worker.lines()].count("worker stopped") == 1,
               what="the worker's RQ loop to quit")
    assert worker.terminate() == 0
    # The last of its own lines (RQ's thread listening for commands may log its retry once more).
    assert [line for line in worker.lines() if line["logger"] == "imgmod.worker"][-1]["message"] == "worker stopped"


def test_a_worker_told_to_stop_while_it_waits_for_jobs_stops_at_once(settings, group, tmp_path, request):
    """SIGTERM raises StopRequested inside the worker's blocking take (BLPOP then, BLMOVE now).
    redis-py's Sentinel connection kept its socket then, the take still pending, and RQ's
    register_death on the way out waited behind it (up to the dequeue time-out: 45 s with BLPOP; a
    BLMOVE blocks a second, workers/worker.py) before reading its reply
    (issue 18: no exit within 30 s of SIGTERM, nothing logged). service/core/connections.SentinelConnection."""
    env = imgmod_env(settings, IMGMOD_REDIS_URL="", IMGMOD_REDIS_SENTINELS=group.addresses,
                     IMGMOD_RECONCILE_INTERVAL_SECONDS="600")  # RQ's own dequeue time-out then: 45 s
    worker = Process(["worker"], env, tmp_path / "worker.log")
    request.addfinalizer(lambda: worker.kill_all() if worker.popen.poll() is None else None)
    master = group.master.client()
    wait_until(lambda: any(client["cmd"] in ("blpop", "blmove") for client in master.client_list()),
               what="the worker to wait for jobs")
    assert worker.terminate() == 0
    assert worker.lines()[-1]["message"] == "worker stopped"


def test_without_replica_acks_the_service_recovers_by_itself(settings, group, tmp_path):
    env = imgmod_env(settings, IMGMOD_REDIS_URL="", IMGMOD_REDIS_SENTINELS=group.addresses)
    served = Served(env, tmp_path / "serve.log")
    report = {"image_id": "img-1", "reporter_id": "reader"}
    headers = {"Authorization": f"Bearer {FRONTEND_KEY}"}
    assert requests.post(f"{served.base}/v1/reports", json=report, headers=headers, timeout=5).status_code == 202
    group.kill_master()
    wait_until(lambda: requests.get(f"{served.base}/readyz", timeout=5).status_code == 200, what="readyz")
    again = requests.post(f"{served.base}/v1/reports", json={**report, "reporter_id": "other"}, headers=headers,
                          timeout=5)
    assert again.status_code == 202 and again.json()["counted"] is True
    cli = Process(["status", "img-1"], env, tmp_path / "cli.log")
    assert cli.wait(60) == 0
    assert '"report_count": 2' in cli.log.read_text()  # the CLI finds the new master too
    assert served.terminate() == 0


def test_lookups_read_a_replica_when_asked(settings, group):
    """IMGMOD_LOOKUPS_FROM_REPLICAS=1: page-view lookups go to a replica, everything else to the master.
    Each replica is told (and only it) that img-1 is hidden, which replication never does."""
    from service import create_app
    from service.core.store import HIDDEN
    from tests.conftest import with_settings

    for replica in group.replicas:
        replica_client = replica.client()
        replica_client.config_set("replica-read-only", "no")
        replica_client.zadd(HIDDEN, {"img-1": 1})
    sentinels = tuple(("127.0.0.1", port) for port in group.sentinel_ports)
    app = create_app(with_settings(settings, redis_url=None, redis_sentinels=sentinels, lookups_from_replicas=True))
    client = app.test_client()
    assert client.get("/v1/images/img-1").json["hidden"] is True
    assert client.get("/v1/images?id=img-1&id=img-2").json["images"][0]["hidden"] is True
    assert app.extensions["imgmod"].store.status("img-1")["hidden"] is False  # the master's own answer
    master_only = create_app(with_settings(settings, redis_url=None, redis_sentinels=sentinels)).test_client()
    assert master_only.get("/v1/images/img-1").json["hidden"] is False


def test_sentinels_and_master_with_passwords_of_their_own_are_found_and_followed(settings, tmp_path):
    """IMGMOD_REDIS_SENTINEL_PASSWORD is the sentinels' requirepass, IMGMOD_REDIS_PASSWORD the master's
    and replicas': the API, a worker and the CLI find the master with them, and find the new one after
    a failover; without the master's password, nothing is reached."""
    group = SentinelGroup(tmp_path / "redis", password="master-password-1", sentinel_password="sentinel-password-2")
    group.start()
    env = imgmod_env(settings, IMGMOD_REDIS_URL="", IMGMOD_REDIS_SENTINELS=group.addresses,
                     IMGMOD_REDIS_PASSWORD="master-password-1", IMGMOD_REDIS_SENTINEL_PASSWORD="sentinel-password-2")
    served = Served(env, tmp_path / "serve.log")
    worker = Process(["worker"], env, tmp_path / "worker.log")
    headers = {"Authorization": f"Bearer {FRONTEND_KEY}"}

    def cross(image_id: str) -> None:
        for reporter in ("a", "b", "c"):  # the threshold is 3
            answer = requests.post(f"{served.base}/v1/reports", json={"image_id": image_id, "reporter_id": reporter},
                                   headers=headers, timeout=5)
            assert answer.status_code == 202
        wait_until(lambda: requests.get(f"{served.base}/v1/images/{image_id}", timeout=5).json()["hidden"],
                   what=f"{image_id} hidden by the worker")

    try:
        cross("img-1")
        group.kill_master()
        wait_until(lambda: requests.get(f"{served.base}/readyz", timeout=5).status_code == 200, what="readyz")
        cross("img-2")
        cli = Process(["status", "img-2"], env, tmp_path / "cli.log")
        assert cli.wait(60) == 0 and '"hidden": true' in cli.log.read_text()
        without = Process(["status", "img-2"], {**env, "IMGMOD_REDIS_PASSWORD": ""}, tmp_path / "without.log")
        assert without.wait(60) != 0
        assert served.terminate() == 0 and worker.terminate() == 0
    finally:
        for process in (served, worker):
            if process.popen.poll() is None:
                process.kill_all()
        group.stop()


def test_sentinels_that_refuse_give_a_quick_503_not_a_hang(settings, tmp_path):
    """Sentinels that answer NOAUTH (a wrong IMGMOD_REDIS_SENTINEL_PASSWORD) or are down: a JSON 503 at
    once. redis-py retries a sentinel three times with back-off by default: each request waited 11 to
    21 s for its 503."""
    from service import create_app
    from tests.conftest import with_settings

    group = SentinelGroup(tmp_path / "redis", sentinel_password="sentinel-password-2").start()
    try:
        sentinels = tuple(("127.0.0.1", port) for port in group.sentinel_ports)
        for password in ("not-the-password", None, "down"):
            if password == "down":  # the right password, and every sentinel gone
                password = group.sentinel_password
                for sentinel in group.sentinels:
                    sentinel.kill()
            client = create_app(with_settings(settings, redis_url=None, redis_sentinels=sentinels,
                                              redis_sentinel_password=password)).test_client()
            for request in (lambda: client.get("/readyz"), lambda: client.get("/v1/images/img-1"),
                            lambda: client.post("/v1/reports", json={"image_id": "img-1"})):
                started = time.monotonic()
                answer = request()
                assert time.monotonic() - started < NO_HANG_SECONDS
                assert answer.status_code == 503 and answer.is_json and answer.headers["Retry-After"].isdigit()
    finally:
        group.stop()


def test_a_worker_whose_master_stops_answering_stops_warm_without_waiting_for_it(settings, group, tmp_path, request):
    """A master frozen (SIGSTOP: connections accepted, nothing answered), not killed, then SIGTERM to an
    idle worker: its last writes to Redis wait for their read time-out. RQ sizes that for a blocking pop
    of its dequeue time-out (plus 10 s: 40 s); imgmod's takes block a second at most
    (workers/worker.py), and a warm shutdown took 12 to 21 s (issue 18)."""
    env = imgmod_env(settings, IMGMOD_REDIS_URL="", IMGMOD_REDIS_SENTINELS=group.addresses)
    worker = Process(["worker"], env, tmp_path / "worker.log")
    request.addfinalizer(lambda: worker.kill_all() if worker.popen.poll() is None else None)
    master = group.master.client()
    wait_until(lambda: any(client["cmd"] == "blmove" for client in master.client_list()),
               what="the worker to wait for jobs")
    group.master.process.send_signal(signal.SIGSTOP)
    request.addfinalizer(lambda: group.master.process.send_signal(signal.SIGCONT))
    # Not a speed claim: a bound well under RQ's 40 s read time-out, well over imgmod's.
    assert worker.terminate(timeout=NO_HANG_SECONDS * 3) == 0
    assert [line for line in worker.lines() if line["logger"] == "imgmod.worker"][-1]["message"] == "worker stopped"
