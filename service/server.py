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
from gunicorn.http.message import Request
from gunicorn.http.parser import RequestParser
from gunicorn.workers.gthread import ThreadWorker

from config import PROMETHEUS_MULTIPROC_ENV as MULTIPROC_ENV
from service.context import EXTENSION
from service.hardening import (BASE_HEADERS, MAX_HEADER_FIELD_SIZE, MAX_HEADER_FIELDS, MAX_REQUEST_LINE,
                               RESOURCE_POLICY)
from service.logs import logging_config
from service.schemas import IMAGE_ID_MAX_LENGTH, MAX_BULK_IDS

# Requests in flight at once per process: while one waits on Redis, another parses (BENCHMARKS.md).
THREADS = 4
# Idle connections stay open this long, and cost no thread meanwhile: longer than the idle time-out
# of the proxies and CDNs in front (60 s is common), so that they, not imgmod, close a connection
# they may be about to reuse.
KEEPALIVE_SECONDS = 75


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


class LimitedRequest(Request):
    """gunicorn's request, refusing a request line over `limit` bytes as its bytes arrive.

    gunicorn bounds the request line at 8,190 bytes or not at all (`limit_request_line = 0`), while a
    bulk lookup the contract allows may take 240 KB: this keeps gunicorn's own bound off and checks
    the line each time more of the request's head is read, before more is buffered. Measured per
    request, from the parser's buffer, so a kept-alive connection's second request (or a pipelined
    one, read with the first) is bounded like the first. Measured up to the CR of its CRLF, as
    gunicorn measures it, after the one empty line RFC 9112 allows before it.
    """

    limit = MAX_REQUEST_LINE
    _line_ended = False

    def read_into(self, unreader, buf, stop=False):
        searched = len(buf)  # only new bytes are searched: a client sending a byte at a time costs linear time
        super().read_into(unreader, buf, stop)
        if self.method is not None or self._line_ended:
            return
        skip = 2 if buf[:2] == b"\r\n" else 0
        end = buf.find(b"\n", max(searched, skip))
        if end >= 0:
            self._line_ended = True
            length = end - 1 - skip
        else:
            length = len(buf) - skip - buf.endswith(b"\r")
        if length > self.limit:
            raise LimitRequestLine(length, self.limit)


class LimitedRequestParser(RequestParser):
    mesg_class = LimitedRequest


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


class JsonErrorsWorker(ThreadWorker):
    """gunicorn's threaded worker, which keeps connections open, answering what gunicorn itself refuses before the app sees a request
    (a request line over MAX_REQUEST_LINE, headers over their limits, malformed HTTP) in the JSON of
    every other error, with the same security headers, instead of a small HTML page. With
    IMGMOD_CORS_ORIGINS set, a page of another origin can read it: which path was asked for is not
    known yet, so any origin may, and the answer holds nothing but the refusal."""

    def handle(self, conn):
        # gunicorn makes its parser on the first request unless one is there; imgmod serves plain
        # HTTP/1.1 (TLS and HTTP/2 end at the proxy in front), so the parser is always this one.
        if conn.parser is None:
            conn.parser = LimitedRequestParser(self.cfg, conn.sock, conn.client)
        return super().handle(conn)

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
        # The threaded worker, with gunicorn's own refusals answered as JSON and the request line
        # bounded at MAX_REQUEST_LINE rather than gunicorn's 8,190 bytes (0: gunicorn leaves it to us).
        "worker_class": f"{__name__}.JsonErrorsWorker",
        "threads": THREADS,
        "keepalive": KEEPALIVE_SECONDS,
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
