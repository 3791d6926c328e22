"""`imgmod serve`: the app under gunicorn, configured from code rather than a config file."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from config import PROMETHEUS_MULTIPROC_ENV as MULTIPROC_ENV
from service.logs import logging_config



@contextmanager
def metrics_dir():
    """PROMETHEUS_MULTIPROC_DIR for this server's processes: the operator's, emptied of an earlier
    run's files, else a private temp dir removed when the server stops."""
    # prometheus-client chooses multiprocess mode once, when first imported.
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before its multiprocess directory was set")
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
        yield path
        return
    path = Path(tempfile.mkdtemp(prefix="imgmod-metrics-"))
    os.environ[MULTIPROC_ENV] = str(path)
    owner = os.getpid()
    try:
        yield path
    finally:
        # gunicorn's forked workers unwind this frame too when they exit: only the master cleans up.
        if os.getpid() == owner:
            shutil.rmtree(path, ignore_errors=True)


class QuietAccessLogger(glogging.Logger):
    """gunicorn's logger without the access log, which imgmod never writes (it would hold client
    addresses): gunicorn otherwise formats every request's access atoms whenever a logging config is
    given, only for gunicorn.access to drop them."""

    def access(self, resp, req, environ, request_time):
        pass


class GunicornServer(BaseApplication):
    """Serve an app built (and its settings validated) before gunicorn forks its workers."""

    def __init__(self, app: Flask, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings:  # settings newer than the installed gunicorn are skipped
                self.cfg.set(key, value)

    def load(self):
        return self.application


def child_exit(server, worker) -> None:
    """gunicorn hook: a dead process's live gauges leave the metrics (its counters stay counted)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def serve(app: Flask, bind: str, workers: int, log_level: str = "info") -> None:
    GunicornServer(app, {
        "bind": bind,
        "workers": workers,
        "worker_class": "sync",
        "timeout": 30,
        "graceful_timeout": 10,
        "loglevel": log_level.lower(),
        "accesslog": None,
        "logger_class": QuietAccessLogger,
        # JSON lines like the rest of imgmod; gunicorn.access (client addresses) stays silent.
        "logconfig_dict": logging_config(log_level.upper()),
        "child_exit": child_exit,
        # gunicorn 27's control socket sits at one path per user: several servers would collide.
        "control_socket_disable": True,
    }).run()
