"""Structured logs: one JSON line per request and per job, a request id end to end, no raw identity."""
from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re

import requests

from tests.conftest import FRONTEND_KEY
from tests.processes import Process, Served, imgmod_env, job_lines

GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


def test_request_id_is_taken_from_the_caller_or_made(client):
    given = client.get("/v1/images/img-1", headers={"X-Request-ID": "edge-7f3a:42"})
    assert given.headers["X-Request-ID"] == "edge-7f3a:42"
    made = client.get("/v1/images/img-1")
    assert GENERATED_ID.match(made.headers["X-Request-ID"])
    # An id that could forge or break a log line is replaced, not echoed.
    for hostile in ("two words", "x" * 300, '"}{"level": "ERROR'):
        answer = client.get("/v1/images/img-1", headers={"X-Request-ID": hostile})
        assert GENERATED_ID.match(answer.headers["X-Request-ID"]), hostile
    # Errors carry it too.
    bad = client.post("/v1/reports", json={"image_id": "bad id"}, headers={"X-Request-ID": "req-bad-1"})
    assert bad.status_code == 422 and bad.headers["X-Request-ID"] == "req-bad-1"
    assert client.get("/nowhere", headers={"X-Request-ID": "req-404"}).headers["X-Request-ID"] == "req-404"


def test_one_log_record_per_request_with_its_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="imgmod.request"):
        client.post("/v1/reports", json={"image_id": "img-1"}, headers={"X-Request-ID": "req-1"},
                    environ_base={"REMOTE_ADDR": "198.51.100.77"})
    [record] = [r for r in caplog.records if r.name == "imgmod.request"]
    assert (record.method, record.path, record.status, record.request_id) == ("POST", "/v1/reports", 202, "req-1")
    assert record.duration_ms >= 0
    assert "198.51.100.77" not in str(vars(record))


def test_gunicorn_logs_are_json_lines_without_raw_identity(settings, tmp_path):
    """At DEBUG, the chattiest level, nothing in imgmod serve's output names a reader."""
    served = Served(imgmod_env(settings, IMGMOD_TRUSTED_PROXIES="1", IMGMOD_LOG_LEVEL="DEBUG"),
                    tmp_path / "serve.log")
    ips = ["198.51.100.23", "203.0.113.145", "2001:db8:abcd:12::1"]
    reporter_ids = ["reader-alice@example.org", "reader-bob-7741"]
    try:
        for n, ip in enumerate(ips):
            answer = requests.post(f"{served.base}/v1/reports", json={"image_id": "img-1"},
                                   headers={"X-Forwarded-For": ip, "X-Request-ID": f"anon-{n}"}, timeout=10)
            assert answer.status_code == 202 and answer.headers["X-Request-ID"] == f"anon-{n}"
        for reporter_id in reporter_ids:
            answer = requests.post(f"{served.base}/v1/reports", json={"image_id": "img-2", "reporter_id": reporter_id},
                                   headers={"Authorization": f"Bearer {FRONTEND_KEY}"}, timeout=10)
            assert answer.status_code == 202 and GENERATED_ID.match(answer.headers["X-Request-ID"])
        # A malformed request that a server might log with its sender's address.
        requests.post(f"{served.base}/v1/reports", data="{", headers={"Content-Type": "application/json",
                                                                      "X-Forwarded-For": ips[0]}, timeout=10)
    finally:
        assert served.terminate() == 0
    lines = served.lines()  # each line parses as one JSON object, or this fails
    requests_logged = [line for line in lines if line.get("message") == "request" and line["path"] == "/v1/reports"]
    assert len(requests_logged) == len(ips) + len(reporter_ids) + 1
    for n in range(len(ips)):
        [line] = [line for line in requests_logged if line["request_id"] == f"anon-{n}"]
        assert (line["method"], line["status"], line["level"]) == ("POST", 202, "INFO")
        assert line["duration_ms"] >= 0 and line["ts"] and line["pid"]
    text = served.log.read_text()
    for secret in ips + reporter_ids + ["2001:db8:abcd:12"]:
        assert secret not in text, secret
    assert "127.0.0.1" not in text.replace(served.base, "")  # nor the proxy's own address


def test_each_job_logs_one_line_with_the_request_id_that_queued_it(reporter, settings, tmp_path):
    reporter.anonymous("img-1", ip="198.51.100.1")
    reporter.anonymous("img-1", ip="198.51.100.2")
    crossing = reporter.client.post("/v1/reports", json={"image_id": "img-1"}, headers={"X-Request-ID": "cross-9"},
                                    environ_base={"REMOTE_ADDR": "198.51.100.3"})
    assert crossing.status_code == 202
    worker = Process(["worker", "--burst"], imgmod_env(settings), tmp_path / "worker.log")
    assert worker.wait(60) == 0
    jobs = {line["func"]: line for line in job_lines(worker)}
    assert sorted(jobs) == ["workers.jobs.hide_image", "workers.jobs.make_placeholder"]  # one line each
    hide = jobs["workers.jobs.hide_image"]
    assert hide["request_id"] == "cross-9" and hide["status"] == "finished" and hide["job_id"]
    # The follow-up it queued carries the same request id.
    assert jobs["workers.jobs.make_placeholder"]["request_id"] == "cross-9"
    # The job's own line (workers.jobs) is stamped with the same ids.
    [said] = [line for line in worker.lines() if line.get("logger") == "workers.jobs" and "hide" in line["message"]]
    assert (said["request_id"], said["job_id"]) == ("cross-9", hide["job_id"])


def test_log_level_comes_from_the_configuration(reporter, settings, tmp_path):
    for n in range(3):
        reporter.anonymous("img-1", ip=f"198.51.100.{n}")
    worker = Process(["worker", "--burst"], imgmod_env(settings, IMGMOD_LOG_LEVEL="WARNING"), tmp_path / "w.log")
    assert worker.wait(60) == 0
    assert reporter.client.get("/v1/images/img-1").json["hidden"] is True  # the job did run
    assert [line for line in worker.lines() if line["level"] in ("DEBUG", "INFO")] == []


@contextlib.contextmanager
def production_lines(logger_name: str):
    """The JSON lines `logger_name` writes through the production formatter and filter, parsed."""
    from service.core.logs import ContextFilter, logging_config

    options = dict(logging_config("INFO")["formatters"]["json"])
    formatter_class = options.pop("()")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter_class(**options))
    handler.addFilter(ContextFilter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def test_the_request_line_has_exactly_its_fields(client, app):
    """The JSON line as the production formatter writes it: these fields, in this order, nothing more."""
    from service.core.logs import request_id_var

    @app.get("/boom")
    def boom():
        return {"message": "boom"}, 503

    with production_lines("imgmod.request") as lines:
        client.get("/v1/images/img-1?x=1", headers={"X-Request-ID": "edge-1"})
        client.get("/boom")
    first, second = lines()
    assert list(first) == ["level", "logger", "pid", "message", "method", "path", "status", "duration_ms",
                           "request_id", "ts"]
    assert {key: first[key] for key in ("level", "logger", "message", "method", "path", "status", "request_id")} == {
        "level": "INFO", "logger": "imgmod.request", "message": "request", "method": "GET",
        "path": "/v1/images/img-1", "status": 200, "request_id": "edge-1"}
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert first["pid"] == os.getpid() and first["ts"].endswith("+00:00")
    assert (second["level"], second["status"], second["path"]) == ("ERROR", 503, "/boom")
    assert GENERATED_ID.match(second["request_id"])
    assert request_id_var.get() is None  # the request's id does not outlive it


def test_lines_logged_during_a_request_carry_its_id(client, app, caplog):
    from service.core.logs import ContextFilter

    caplog.handler.addFilter(ContextFilter())  # as the production handler does

    @app.get("/says")
    def says():
        logging.getLogger("imgmod.test").warning("inside")
        return {}

    with caplog.at_level(logging.INFO):
        client.get("/says", headers={"X-Request-ID": "req-inside"})
    [inside] = [r for r in caplog.records if r.name == "imgmod.test"]
    [line] = [r for r in caplog.records if r.name == "imgmod.request"]
    assert inside.request_id == line.request_id == "req-inside"


def test_a_line_orjson_cannot_write_is_still_one_json_line():
    """orjson refuses integers beyond 64 bits; the standard encoder writes that line, fields unchanged."""
    logger = logging.getLogger("imgmod.test.wide")
    with production_lines(logger.name) as lines:
        logger.info("wide", extra={"huge": 2**70, "small": 7, "text": "شكرا"})
        logger.info("narrow", extra={"small": 7})
    wide, narrow = lines()
    assert (wide["message"], wide["huge"], wide["small"], wide["text"]) == ("wide", 2**70, 7, "شكرا")
    assert list(wide) == ["level", "logger", "pid", "message", "huge", "small", "text", "ts"]
    assert list(narrow) == ["level", "logger", "pid", "message", "small", "ts"]
    assert wide["ts"].endswith("+00:00") and narrow["ts"].endswith("+00:00")
