"""Hostile input and what every answer carries: security headers, no banners, no traces, parser limits."""
from __future__ import annotations

import hmac
import json
import os
import re
import subprocess
import sys

import pytest
import requests
from flask import Response

from service import create_app
from service.web import auth
from service.devserver import dev_secret
from service.web.hardening import MAX_JSON_DEPTH, PAGE_POLICY, RESOURCE_POLICY
from tests.conftest import FRONTEND_KEY, worker_env
from tests.served import imgmod_serve

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def assert_secured(answer, policy: str | None = RESOURCE_POLICY):
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name] == value, name
    if policy:
        assert answer.headers["Content-Security-Policy"] == policy


@pytest.mark.parametrize("request_", [
    lambda c: c.get("/v1/images/img-1"),
    lambda c: c.get("/v1/images?id=img-1"),
    lambda c: c.post("/v1/reports", json={"image_id": "img-1"}),
    lambda c: c.post("/v1/reports", json={"image_id": "bad id"}),
    lambda c: c.post("/v1/reports", data="x", content_type="text/plain"),
    lambda c: c.get("/nowhere"),
    lambda c: c.delete("/v1/reports"),
    lambda c: c.get("/openapi.json"),
    lambda c: c.get("/healthz"),
])
def test_json_answers_carry_the_security_headers(client, request_):
    answer = request_(client)
    assert answer.is_json
    assert_secured(answer)


def test_the_docs_page_has_the_strict_page_policy_and_loads_swagger_ui_from_imgmod_itself(client):
    answer = client.get("/docs")
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    assert_secured(answer, policy=PAGE_POLICY)  # the same policy as the demo
    page = answer.get_data(as_text=True)
    assert re.findall(r"<script>(.*?)</script>", page, re.DOTALL) == []  # no inline script to allow
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sorted(sources) == ["/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css",
                               "/static/docs.js"]
    for source, mimetype, text in (("/docs/assets/swagger-ui-bundle.js", "text/javascript", "SwaggerUIBundle"),
                                   ("/docs/assets/swagger-ui.css", "text/css", ".swagger-ui"),
                                   ("/static/docs.js", "text/javascript", "SwaggerUIBundle(")):
        with client.get(source) as asset:
            assert asset.status_code == 200 and asset.mimetype == mimetype, source
            assert text in asset.get_data(as_text=True), source
    cached = client.get("/docs/assets/swagger-ui.css")
    assert cached.cache_control.public and cached.cache_control.max_age == 86400
    assert client.get("/docs/assets/swagger-ui.css", headers={"If-None-Match": cached.headers["ETag"]}).status_code == 304
    assert client.get("/docs/assets/index.html").status_code == 404  # only the two files the page uses


def test_other_pages_get_the_strict_page_policy_and_may_set_their_own(settings):
    app = create_app(settings)
    app.add_url_rule("/page", "page", lambda: Response("<p>hi</p>", mimetype="text/html"))
    app.add_url_rule("/own", "own", lambda: Response("<p>hi</p>", mimetype="text/html",
                                                     headers={"Content-Security-Policy": "default-src 'self'"}))
    client = app.test_client()
    assert_secured(client.get("/page"), policy=PAGE_POLICY)
    assert_secured(client.get("/own"), policy="default-src 'self'")


def test_headers_a_view_sets_itself_are_kept_and_never_doubled(settings):
    app = create_app(settings)
    own = {"x-content-type-options": "nosniff", "REFERRER-POLICY": "same-origin",
           "content-security-policy": "default-src 'self'"}
    app.add_url_rule("/own-all", "own_all", lambda: Response("{}", mimetype="application/json", headers=own))
    app.add_url_rule("/own-one", "own_one", lambda: Response("<p>hi</p>", mimetype="text/html",
                                                             headers={"referrer-policy": "origin"}))
    client = app.test_client()
    answer = client.get("/own-all")
    for name, value in own.items():
        assert answer.headers.getlist(name) == [value], name
    answer = client.get("/own-one")
    assert answer.headers.getlist("Referrer-Policy") == ["origin"]
    assert answer.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    assert answer.headers.getlist("Content-Security-Policy") == [PAGE_POLICY]
    for path in ("/v1/images/img-1", "/v1/images?id=img-1", "/nowhere"):
        answer = client.get(path)
        for name in ("X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy"):
            assert len(answer.headers.getlist(name)) == 1, (path, name)
        assert answer.headers["Content-Security-Policy"] == RESOURCE_POLICY


def test_image_answers_carry_the_security_headers(settings):
    """The placeholder endpoint is not built yet; the headers are global, so any image answer has them."""
    app = create_app(settings)
    app.add_url_rule("/image", "image", lambda: Response(b"RIFF\x00\x00\x00\x00WEBP", mimetype="image/webp"))
    assert_secured(app.test_client().get("/image"))


def test_an_unexpected_error_is_json_without_internals(settings):
    app = create_app(settings)

    def broken():
        raise RuntimeError("internal detail /srv/imgmod/secret.py")

    app.add_url_rule("/broken", "broken", broken)
    answer = app.test_client().get("/broken")
    assert answer.status_code == 500 and answer.is_json
    body = answer.get_data(as_text=True)
    assert "internal detail" not in body and "Traceback" not in body and "RuntimeError" not in body
    assert_secured(answer)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("body", [
    nested(30_000),
    '{"image_id": "img-1", "comment": ' + nested(5_000) + "}",
    '{"a": ' * 5_000 + "1" + "}" * 5_000,
])
def test_deeply_nested_json_is_a_400_not_a_recursion_error(client, store, body):
    answer = client.post("/v1/reports", data=body, content_type="application/json")
    assert answer.status_code == 400 and answer.is_json
    assert "nested" in answer.json["message"]
    assert store.redis.dbsize() == 0


@pytest.mark.parametrize("body", [
    '{"image_id": "img-1", "comment": ' + "1" * 5_000 + "}",  # Python refuses ints over 4300 digits
    b'{"image_id": "img-1\xff"}',
    '{"image_id": "img-1"',
])
def test_json_python_cannot_read_is_a_400(client, store, body):
    answer = client.post("/v1/reports", data=body, content_type="application/json")
    assert answer.status_code == 400 and answer.is_json
    assert "JSON" in answer.json["message"]
    assert store.redis.dbsize() == 0


def test_nesting_up_to_the_limit_reaches_validation(client):
    answer = client.post("/v1/reports", data='{"image_id": "img-1", "comment": ' + nested(MAX_JSON_DEPTH - 1) + "}",
                         content_type="application/json")
    assert answer.status_code == 422 and "comment" in answer.json["message"]


def test_brackets_inside_strings_are_text(reporter):
    assert reporter.anonymous("img-1", comment="[[[{{{" * 80).status_code == 202


@pytest.mark.parametrize(("raw", "field"), [
    ('{"image_id": "img-1", "image_url": "http://cdn.example/\\ud800.jpg"}', "image_url"),
    ('{"image_id": "img-1", "comment": "\\udfff"}', "comment"),
    ('{"image_id": "img-1", "\\ud800": 1}', "\\ud800"),
])
def test_lone_surrogates_are_refused_naming_the_field(client, store, raw, field):
    answer = client.post("/v1/reports", data=raw, content_type="application/json")
    assert answer.status_code == 422 and answer.is_json
    assert field in answer.json["message"]
    assert store.redis.dbsize() == 0


def test_lone_surrogate_reporter_id_is_refused(client, store):
    answer = client.post("/v1/reports", data='{"image_id": "img-1", "reporter_id": "\\ud800"}',
                         content_type="application/json", headers={"Authorization": f"Bearer {FRONTEND_KEY}"})
    assert answer.status_code == 422 and "reporter_id" in answer.json["message"]


@pytest.mark.parametrize("request_", [
    lambda c: c.post("/v1/reports", json={"image_id": "img-1\n"}),
    lambda c: c.get("/v1/images/img-1%0A"),
    lambda c: c.get("/v1/images?id=img-1%0A"),
    lambda c: c.post("/v1/reports", json={"image_id": "img-1", "image_url": "http://cdn.example/a.jpg\n"}),
])
def test_a_trailing_newline_is_not_part_of_a_valid_id_or_url(client, request_):
    answer = request_(client)
    assert answer.status_code == 422 and answer.is_json


@pytest.mark.parametrize("reporter_id", ["reader\u0085", "reader\u2028", "nul\x00", "del\x7f"])
def test_reporter_id_with_control_characters_is_refused(reporter, reporter_id):
    assert reporter.frontend("img-1", reporter_id).status_code == 422


def test_reporter_id_may_hold_any_printable_text(reporter):
    assert reporter.frontend("img-1", "قارئ 👨\u200d👩\u200d👧 é").status_code == 202


def test_frontend_keys_are_compared_in_constant_time(monkeypatch):
    compared = []
    real = hmac.compare_digest
    monkeypatch.setattr(auth.hmac, "compare_digest", lambda a, b: compared.append(b) or real(a, b))
    keys = {"one": "key-one-0123456789", "two": "key-two-0123456789", "three": "key-three-0123456789"}
    assert auth.name_for("key-one-0123456789", keys) == "one"
    assert auth.name_for("key-two-01234567", keys) is None
    # Every key is compared, with compare_digest, whichever matches: the time does not tell which.
    assert len(compared) == 6


def test_gunicorn_sends_no_version_banner_and_the_headers(settings):
    env = {**worker_env(settings), "PATH": os.environ.get("PATH", "")}
    with imgmod_serve(env, workers=1) as base:
        for answer in (requests.get(f"{base}/v1/images/img-1", timeout=10),
                       requests.get(f"{base}/docs", timeout=10),
                       requests.get(f"{base}/nowhere", timeout=10)):
            assert answer.headers.get("Server", "") in ("", "gunicorn")  # gunicorn 27 names itself, no version
            assert not re.search(r"\d", answer.headers.get("Server", ""))
            assert "X-Powered-By" not in answer.headers
            for name, value in SECURITY_HEADERS.items():
                assert answer.headers[name] == value
        # Chunked bodies have no Content-Length to refuse up front; werkzeug alone would quietly cut
        # this one at 64 KiB, leaving valid JSON that would be counted.
        padded = b'{"image_id": "img-1"}' + b" " * 70_000
        chunked = requests.post(f"{base}/v1/reports", data=(padded[n:n + 8192] for n in range(0, len(padded), 8192)),
                                headers={"Content-Type": "application/json"}, timeout=10)
        assert chunked.status_code == 413 and chunked.json()["code"] == 413
        small = requests.post(f"{base}/v1/reports", data=(part for part in [b'{"image_id": ', b'"img-1"}']),
                              headers={"Content-Type": "application/json"}, timeout=10)
        assert small.status_code == 202


@pytest.mark.parametrize(("secret", "says"), [(None, "is required"), ("x" * 31, "at least 32")])
def test_serve_refuses_to_start_without_a_long_secret(settings, secret, says):
    env = {key: value for key, value in worker_env(settings).items() if key != "IMGMOD_SECRET_KEY"}
    if secret is not None:
        env["IMGMOD_SECRET_KEY"] = secret
    result = subprocess.run([sys.executable, "-m", "service.cli", "serve", "--bind", "127.0.0.1:0"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert "IMGMOD_SECRET_KEY" in line and says in line
    assert "Traceback" not in result.stderr


def test_dev_makes_one_long_private_secret_and_keeps_it(tmp_path):
    secret = dev_secret(tmp_path)
    assert len(secret) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert dev_secret(tmp_path) == secret  # reporter hashes stay stable across restarts


def test_openapi_documents_the_error_answers(client):
    operations = client.get("/openapi.json").json["paths"]
    report = operations["/v1/reports"]["post"]["responses"]
    assert {"400", "401", "413", "415", "422", "429", "503"} <= set(report)
    for code in ("429", "503"):
        assert report[code]["headers"]["Retry-After"]["required"] is True
    for path in ("/v1/images/{image_id}", "/v1/images"):
        assert {"422", "503"} <= set(operations[path]["get"]["responses"])
    assert json.dumps(report["429"]["content"]).count("Error") == 1
    # What the server refuses before the app sees a request (tests/test_server_limits.py), on every operation.
    for operation in (op for path in operations.values() for method, op in path.items() if method != "parameters"):
        for code in ("414", "431"):
            assert operation["responses"][code]["content"] == {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def test_a_json_body_is_checked_whatever_the_method_and_only_when_declared(client):
    bad = client.get("/v1/images/img-1", data="{", content_type="application/json")
    assert bad.status_code == 400 and "Invalid JSON body" in bad.json["message"]
    deep = client.get("/v1/images/img-1", data="[" * (MAX_JSON_DEPTH + 1), content_type="application/vnd.x+json")
    assert deep.status_code == 400 and "nested deeper" in deep.json["message"]
    assert client.get("/v1/images/img-1", data="{", content_type="text/plain").status_code == 200
    assert client.get("/v1/images/img-1", data="{").status_code == 200  # no Content-Type: not JSON


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/v1/images"), ("GET", "/v1/images/img-1"), ("POST", "/v1/reports"), ("GET", "/v1/admin/images"),
])
@pytest.mark.parametrize("query", [b"id=\xff", b"id=a&lang=\xc3", b"\xed\xa0\x80"])
def test_a_query_string_that_is_not_utf8_is_a_400_not_a_500(client, store, method, path, query):
    answer = client.open(path, method=method, json={"image_id": "img-1"} if method == "POST" else None,
                         environ_overrides={"QUERY_STRING": query.decode("latin-1")})
    assert answer.status_code == 400 and answer.is_json, answer.get_data(as_text=True)
    assert "Query string" in answer.json["message"]
    assert store.redis.dbsize() == 0  # nothing counted
