"""Structured logs: one JSON object per line, stamped with the request or job it belongs to.

Workers use this module too, so it loads no Flask: the request hooks are in service.web.request_log.
No line carries a client address or a reporter id: the request line names method, path, status,
duration and request id only, and gunicorn's access log (which would print addresses) is off.
"""
from __future__ import annotations

import json
import logging
import logging.config
import os
import re
from contextvars import ContextVar

from pythonjsonlogger.json import JsonEncoder
from pythonjsonlogger.orjson import OrjsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept only if it is short and plain, so it cannot forge or break log lines.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")

request_id_var: ContextVar[str | None] = ContextVar("imgmod_request_id", default=None)
job_id_var: ContextVar[str | None] = ContextVar("imgmod_job_id", default=None)


class JsonLineFormatter(OrjsonFormatter):
    """python-json-logger's orjson formatter: the same fields in the same order as its stdlib-json
    one, for less of a lookup's CPU (what it saves: BENCHMARKS.md).

    orjson refuses integers beyond 64 bits, which would cost the whole line: such a line is written
    by the standard library's encoder instead.
    """

    def jsonify_log_record(self, log_data):
        try:
            return super().jsonify_log_record(log_data)
        except TypeError:
            return json.dumps(log_data, cls=JsonEncoder, ensure_ascii=False)


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
            "()": JsonLineFormatter,
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
    # No line of ours shows a thread's or a multiprocessing process's name: every record would
    # look them up for nothing (the logging HOWTO's "Optimization").
    logging.logThreads = False
    logging.logMultiprocessing = False


def request_id_from(header: str | None) -> str:
    # 32 random hex digits, as uuid4().hex but for its 6 fixed bits and without building a UUID.
    return header if header and _VALID_REQUEST_ID.match(header) else os.urandom(16).hex()
