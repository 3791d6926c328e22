"""`python -m bench.servers`: one app of the bench under one WSGI server.

The apps: the bare reference, the one-round-trip reference, the contract floor (bench/reference.py)
and imgmod itself (its settings from the IMGMOD_* environment, as `imgmod serve` reads them; the
floor reads them too, but makes its one round trip to `--redis-url`). imgmod and the floor write
their JSON request log lines at the level `imgmod serve` would (IMGMOD_LOG_LEVEL, INFO by default),
under every server. The servers: `gunicorn-sync`, exactly `imgmod serve`'s gunicorn settings (the
usual Flask deployment, and imgmod's own); `gunicorn-gthread`, the same settings with gunicorn's
threaded worker, which keeps connections open; `granian`, the Rust WSGI server, measured for what it would buy (it cannot serve
the contract: it refuses a request target over 64 KiB with an empty 414, and a bulk lookup of 100
ids of any script may take 240 KB; BENCHMARKS.md). Every app runs under every server, so that the
bench compares servers and apps in one run.
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace

from bench.tricks import PLAIN

APPS = ("bare", "roundtrip", "floor", "imgmod")
# imgmod with CORS worked out by flask-cors for every answer, as before its per-origin cache
# (service/web/cors.py): the front phase's comparison, not one of the servers phase's apps.
FLASK_CORS = "imgmod-flask-cors"
# imgmod with one speed trick replaced by its plain version (bench/tricks.py): the tricks phase's apps.
PLAIN_APPS = tuple(f"plain:{trick}" for trick in PLAIN)
LOGGING_APPS = {"floor", "imgmod", FLASK_CORS, *PLAIN_APPS}  # the apps that write a log line per request
SERVERS = ("gunicorn-sync", "gunicorn-gthread", "granian")
DEFAULT_SERVER = "gunicorn-sync"  # what `imgmod serve` runs (tests/test_bench_tools.py holds them equal)
GTHREAD_THREADS = 4  # per process, as measured in BENCHMARKS.md
# What the granian workers' factory reads: they are fresh interpreters, not forks of this one.
APP_ENV, REDIS_ENV = "BENCH_APP", "BENCH_REDIS_URL"


def log_level(app: str) -> str:
    if app not in LOGGING_APPS:
        return "WARNING"
    from config import load_settings

    return load_settings().log_level


def create_app(app: str | None = None, redis_url: str | None = None):
    from bench.reference import create_floor_app, create_reference_app

    app = app or os.environ[APP_ENV]
    redis_url = redis_url or os.environ.get(REDIS_ENV)
    if app in LOGGING_APPS:
        from config import load_settings
        from service import create_app as create_imgmod

        if app == "imgmod":
            return create_imgmod(load_settings())
        if app in PLAIN_APPS:
            from bench.tricks import create_plain_app

            return create_plain_app(app.partition(":")[2])
        if app == FLASK_CORS:
            from service.web import cors

            cors.CACHED = False  # this process serves only this app
            return create_imgmod(load_settings())
        return create_floor_app(replace(load_settings(), redis_url=redis_url))
    return create_reference_app(redis_url if app == "roundtrip" else None)


def granian_app():
    """The factory granian's workers call, fresh interpreters each: they configure their logs first."""
    from service.core import logs

    logs.configure(log_level(os.environ[APP_ENV]))
    return create_app()


def serve_gunicorn(app: str, redis_url: str | None, bind: str, workers: int, threaded: bool,
                   threads: int | None = None) -> None:
    from service.core import logs
    from service.server import GunicornServer, gunicorn_options, metrics_dir

    level = log_level(app)
    logs.configure(level)
    with metrics_dir():  # before imgmod's app (and prometheus-client) is imported
        options = gunicorn_options(bind, workers, level)  # imgmod serve's: the sync worker
        if threaded:
            options.update(worker_class="gthread", threads=threads or GTHREAD_THREADS)
        GunicornServer(create_app(app, redis_url), options).run()


def serve_granian(app: str, redis_url: str | None, bind: str, workers: int) -> None:
    # Replaced by granian, so that the bench's SIGTERM reaches it: the bench gives imgmod a
    # PROMETHEUS_MULTIPROC_DIR of its own, which nothing here has to clean up.
    host, _, port = bind.rpartition(":")
    env = {**os.environ, APP_ENV: app, **({REDIS_ENV: redis_url} if redis_url else {})}
    os.execve(sys.executable, [sys.executable, "-m", "granian", "--interface", "wsgi", "--factory",
                               "--workers", str(workers), "--host", host, "--port", port,
                               "--log-level", "warning", "bench.servers:granian_app"], env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", choices=APPS + (FLASK_CORS, *PLAIN_APPS), required=True)
    parser.add_argument("--server", choices=SERVERS, required=True)
    parser.add_argument("--bind", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis-url", help="the one-round-trip reference's Redis")
    parser.add_argument("--threads", type=int, help="gunicorn-gthread's threads per process (default: 4)")
    options = parser.parse_args()
    if options.server == "granian":
        serve_granian(options.app, options.redis_url, options.bind, options.workers)
    else:
        serve_gunicorn(options.app, options.redis_url, options.bind, options.workers,
                       threaded=options.server == "gunicorn-gthread", threads=options.threads)


if __name__ == "__main__":
    main()
