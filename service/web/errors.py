"""One JSON error shape for everything: bad input, auth, Redis outages and our own bugs."""
from __future__ import annotations

import logging

from flask import Flask
from flask_smorest import Api
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

from service.core.connections import NotReplicated

log = logging.getLogger(__name__)

REDIS_RETRY_AFTER = "5"


def _describe(errors, path: str = "") -> list[str]:
    """Flatten webargs' nested messages into 'field: message' lines."""
    if isinstance(errors, dict):
        lines = []
        for key, value in errors.items():
            # The location ('json', 'query', 'path') is noise for the reader; field names are not.
            name = path if key in ("json", "query", "path", "headers") and not path else f"{path}.{key}".lstrip(".")
            lines += _describe(value, name)
        return lines
    if isinstance(errors, list) and all(isinstance(item, str) for item in errors):
        return [f"{path}: {' '.join(errors)}" if path else " ".join(errors)]
    if isinstance(errors, list):
        return [line for item in errors for line in _describe(item, path)]
    return [f"{path}: {errors}" if path else str(errors)]


class JsonErrorsApi(Api):
    """flask-smorest's Api with a readable `message` on every error and the headers it forgets."""

    def handle_http_exception(self, error):
        payload, code, headers = super().handle_http_exception(error)
        headers = dict(headers or {})
        if "errors" in payload and "message" not in payload:
            payload["message"] = "; ".join(_describe(payload["errors"]))
        payload.setdefault("message", error.description)
        if code == 405 and getattr(error, "valid_methods", None):
            headers["Allow"] = ", ".join(error.valid_methods)
        if code >= 500 and code != 503:
            # The description of an unexpected error may carry internals; the log has the details.
            payload["message"] = "Internal error; it has been logged."
        return payload, code, headers


def _redis_unavailable(error):
    log.warning("redis unavailable: %s", type(error).__name__)
    return (
        {"code": 503, "status": "Service Unavailable", "message": "Storage is unreachable; try again shortly."},
        503,
        {"Retry-After": REDIS_RETRY_AFTER},
    )


def init_app(app: Flask) -> None:
    for error in (RedisConnectionError, RedisTimeoutError, ReadOnlyError, NotReplicated):
        app.register_error_handler(error, _redis_unavailable)
