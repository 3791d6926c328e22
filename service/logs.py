"""Structured logs: one JSON object per line, stamped with the request or job it belongs to.

No line carries a client address or a reporter id: the request line names method, path, status,
duration and request id only, and gunicorn's access log (which would print addresses) is off.
"""
from __future__ import annotations

import logging
import logging.config
import re
import time
import uuid
from contextvars import ContextVar

from flask import Flask, g, request

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept only if it is short and plain, so it cannot forge or break log lines.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")

request_id_var: ContextVar[str | None] = ContextVar("imgmod_request_id", default=None)
job_id_var: ContextVar[str | None] = ContextVar("imgmod_job_id", default=None)

log = logging.getLogger("imgmod.request")


class ContextFilter(logging.Filter):
    """Stamp every record with the current request id and job id, when there is one."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in (("request_id", request_id_var), ("job_id", job_id_var)):
            if getattr(record, name, None) is None and var.get() is not None:
                setattr(record, name, var.get())
        return True


def logging_config(level: str) -> dict:
    """A dictConfig for every imgmod process (gunicorn takes it as `logconfig_dict`)."""
    # RQ narrates each job in several lines and gunicorn's debug lines can name client addresses:
    # both stay at INFO or quieter, and our own job line (workers/worker.py) tells what happened.
    quiet = "DEBUG" if level == "DEBUG" else "WARNING"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter}},
        "formatters": {"json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "process", "message"],
            "rename_fields": {"levelname": "level", "name": "logger", "process": "pid"},
            "timestamp": "ts",
        }},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                                "formatter": "json", "filters": ["context"]}},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO" if level == "DEBUG" else level, "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
            "rq": {"level": quiet},
        },
    }


def configure(level: str) -> None:
    logging.config.dictConfig(logging_config(level))


def request_id_from(header: str | None) -> str:
    return header if header and _VALID_REQUEST_ID.match(header) else uuid.uuid4().hex


def _start_request():
    g.imgmod_started = time.perf_counter()
    g.imgmod_request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    g.imgmod_request_token = request_id_var.set(g.imgmod_request_id)


def _finish_request(response):
    request_id = g.get("imgmod_request_id") or request_id_from(None)
    response.headers[REQUEST_ID_HEADER] = request_id
    duration_ms = round((time.perf_counter() - g.get("imgmod_started", time.perf_counter())) * 1000, 2)
    log.log(logging.ERROR if response.status_code >= 500 else logging.INFO, "request", extra={
        "method": request.method, "path": request.path, "status": response.status_code,
        "duration_ms": duration_ms, "request_id": request_id,
    })
    return response


def _forget_request(error=None):
    token = g.pop("imgmod_request_token", None)
    if token is not None:
        request_id_var.reset(token)


def init_app(app: Flask) -> None:
    # Registered first, so the request id is there for every other hook and for error handlers.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_finish_request)
    app.teardown_request(_forget_request)
