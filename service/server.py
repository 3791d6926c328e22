"""`imgmod serve`: the app under gunicorn, configured from code rather than a config file."""
from __future__ import annotations

from flask import Flask
from gunicorn.app.base import BaseApplication


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


def serve(app: Flask, bind: str, workers: int, log_level: str = "info") -> None:
    GunicornServer(app, {
        "bind": bind,
        "workers": workers,
        "worker_class": "sync",
        "timeout": 30,
        "graceful_timeout": 10,
        "loglevel": log_level.lower(),
        "accesslog": None,
        # gunicorn 27's control socket sits at one path per user: several servers would collide.
        "control_socket_disable": True,
    }).run()
