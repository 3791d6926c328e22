"""`imgmod serve`: the app under gunicorn, configured from code rather than a config file."""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path

from flask import Flask
from gunicorn import glogging, util
from gunicorn.app.base import BaseApplication
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.sync import SyncWorker

from config import PROMETHEUS_MULTIPROC_ENV as MULTIPROC_ENV
from service.web.context import EXTENSION
from service.web.hardening import (BASE_HEADERS, MAX_HEADER_FIELD_SIZE, MAX_HEADER_FIELDS, MAX_REQUEST_LINE,
                               RESOURCE_POLICY)
from service.core.logs import logging_config
from service.web.schemas import IMAGE_ID_MAX_LENGTH, MAX_BULK_IDS



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


class RequestLineLimit:
    """A client's socket that refuses a request line over `limit` bytes as it arrives.

    gunicorn bounds the request line at 8,190 bytes or not at all (`limit_request_line = 0`); this
    keeps its parser unbounded and bounds the line here instead, at MAX_REQUEST_LINE, before it is
    buffered. Only the first line is measured: a sync worker reads one request per connection.
    Everything else is the socket's own.
    """

    def __init__(self, sock, limit: int):
        self._sock = sock
        self._limit = limit
        self._received = 0  # bytes read so far, while the request line has not ended
        self._skip = 0  # 2 when the stream starts with the one empty line (CRLF) RFC 9112 allows
        self._measuring = True

    def recv(self, size: int, *flags) -> bytes:
        data = self._sock.recv(size, *flags)
        if self._measuring and data:
            start = self._received
            if start == 0 and data.startswith(b"\r"):
                # The first line may be that empty one, however the bytes are split: a line feed in
                # the first two bytes never ends the request line (gunicorn refuses a lone CR or LF).
                self._skip = 2
            self._received += len(data)
            end = data.find(b"\n", max(0, self._skip - start))
            if end >= 0:
                self._measuring = False
                length = start + end - 1 - self._skip  # up to the CR of its CRLF, as gunicorn measures it
            else:
                length = self._received - self._skip - data.endswith(b"\r")
            if length > self._limit:
                self._measuring = False  # refused once; the drain before closing reads on freely
                raise LimitRequestLine(length, self._limit)
        return data

    def __getattr__(self, name):
        return getattr(self._sock, name)


class _Written:
    """Stands for the client while gunicorn writes its own (HTML) answer, keeping only its status."""

    def __init__(self):
        self.head = b""

    def gettimeout(self):
        return 0.0  # util.write_nonblock then writes without changing the socket's mode

    def sendall(self, data: bytes) -> None:
        self.head = self.head or data.split(b"\r\n", 1)[0]

    def status(self) -> int:
        return int(self.head.split()[1]) if self.head else 500


class JsonErrorsWorker(SyncWorker):
    """gunicorn's sync worker, answering what gunicorn itself refuses before the app sees a request
    (a request line over MAX_REQUEST_LINE, headers over their limits, malformed HTTP) in the JSON of
    every other error, with the same security headers, instead of a small HTML page. With
    IMGMOD_CORS_ORIGINS set, a page of another origin can read it: which path was asked for is not
    known yet, so any origin may, and the answer holds nothing but the refusal."""

    def handle(self, listener, client, addr):
        super().handle(listener, RequestLineLimit(client, MAX_REQUEST_LINE), addr)

    def handle_error(self, req, client, addr, exc):
        written = _Written()
        # gunicorn decides the status and logs the refusal; given no address, its line names none.
        super().handle_error(req, written, None, exc)
        status = written.status()
        try:
            util.write_nonblock(client, self.json_error(status, exc))
        except Exception:  # the client may be gone; gunicorn too only logs it at debug
            self.log.debug("Failed to send the JSON error.")

    def json_error(self, status: int, exc: BaseException) -> bytes:
        if isinstance(exc, LimitRequestLine):
            message = (f"Request line over {MAX_REQUEST_LINE} bytes: ask for fewer ids per request "
                       f"(at most {MAX_BULK_IDS} ids of {IMAGE_ID_MAX_LENGTH} characters)")
        elif isinstance(exc, LimitRequestHeaders):
            message = (f"Request headers over their limits: at most {MAX_HEADER_FIELDS} fields "
                       f"of {MAX_HEADER_FIELD_SIZE} bytes each")
        elif status < 500:
            message = f"Malformed HTTP request: {str(exc)[:200]}"
        else:
            message = "Internal error; it has been logged."
        phrase = HTTPStatus(status).phrase
        body = json.dumps({"code": status, "status": phrase, "message": message}).encode()
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), "Connection": "close",
                   "Cache-Control": "no-store", **BASE_HEADERS, "Content-Security-Policy": RESOURCE_POLICY}
        if self.cors_origins():
            headers["Access-Control-Allow-Origin"] = "*"
        head = f"HTTP/1.1 {status} {phrase}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        return head.encode("latin-1") + body

    def cors_origins(self) -> tuple[str, ...]:
        services = getattr(self.wsgi, "extensions", {}).get(EXTENSION)
        return tuple(services.settings.cors_origins) if services else ()


def child_exit(server, worker) -> None:
    """gunicorn hook: a dead process's live gauges leave the metrics (its counters stay counted)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def gunicorn_options(bind: str, workers: int, log_level: str = "info") -> dict:
    """`imgmod serve`'s gunicorn settings."""
    return {
        "bind": bind,
        "workers": workers,
        # The sync worker, with gunicorn's own refusals answered as JSON and the request line
        # bounded at MAX_REQUEST_LINE rather than gunicorn's 8,190 bytes (0: gunicorn leaves it to us).
        "worker_class": f"{__name__}.JsonErrorsWorker",
        "limit_request_line": 0,
        "limit_request_fields": MAX_HEADER_FIELDS,
        "limit_request_field_size": MAX_HEADER_FIELD_SIZE,
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
    }


def serve(app: Flask, bind: str, workers: int, log_level: str = "info") -> None:
    GunicornServer(app, gunicorn_options(bind, workers, log_level)).run()
