"""One JSON log line per request, with its request id (taken from X-Request-ID or made up)."""
from __future__ import annotations

import logging
import time

from flask import Flask, g, request

from service.core.logs import REQUEST_ID_HEADER, request_id_from, request_id_var

log = logging.getLogger("imgmod.request")


# The request hooks keep (start time, request id, context-variable token) in one attribute of `g`.
_STATE = "imgmod_request"


def _start_request():
    request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    setattr(g, _STATE, (time.perf_counter(), request_id, request_id_var.set(request_id)))


def request_started() -> float | None:
    """perf_counter() when this request's first hook ran (None if it has not): metrics time by it too."""
    state = g.get(_STATE)
    return None if state is None else state[0]


def _finish_request(response):
    state = g.get(_STATE)
    if state is None:  # an earlier before_request hook failed before ours ran
        started, request_id = time.perf_counter(), request_id_from(None)
    else:
        started, request_id, _ = state
    response.headers[REQUEST_ID_HEADER] = request_id
    status = response.status_code
    log.log(logging.ERROR if status >= 500 else logging.INFO, "request", extra={
        "method": request.method, "path": request.path, "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2), "request_id": request_id,
    })
    return response


def _forget_request(error=None):
    state = g.pop(_STATE, None)
    if state is not None:
        request_id_var.reset(state[2])


def init_app(app: Flask) -> None:
    # Registered first, so the request id is there for every other hook and for error handlers.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_finish_request)
    app.teardown_request(_forget_request)
