"""POST /v1/reports: distinct counting, reporter identity and the thanks message."""
from __future__ import annotations

import pytest

from service import create_app
from tests.conftest import Reporter, with_settings

# The Lua scripts these tests drive run on every server binary present (tests/conftest.py).
pytestmark = pytest.mark.every_server

AR = "شكرا على الإبلاغ! سيتم حجب هذه الصورة تلقائيا عندما يتم الإبلاغ عنها من طرف عدة أشخاص."
FR = ("Merci pour votre signalement ! Cette image sera masquée automatiquement "
      "lorsqu'elle aura été signalée par plusieurs personnes.")
EN = "Thanks for reporting! This image will be hidden automatically when several people report it."


def test_distinct_reporters_are_each_counted(reporter, store):
    for n, ip in enumerate(["198.51.100.1", "198.51.100.2"], start=1):
        answer = reporter.anonymous("img-1", ip=ip)
        assert answer.status_code == 202
        assert answer.json["counted"] is True
        assert store.status("img-1")["report_count"] == n


def test_the_same_reporter_counts_once(reporter, store):
    first = reporter.anonymous("img-1", ip="198.51.100.1")
    again = reporter.anonymous("img-1", ip="198.51.100.1", reason="spam")
    assert (first.json["counted"], again.json["counted"]) == (True, False)
    assert store.status("img-1")["report_count"] == 1
    assert store.status("img-1")["reasons"] == {"other": 1}


def test_one_reporter_counts_once_per_image_but_on_every_image(reporter, store):
    reporter.anonymous("img-1", ip="198.51.100.1")
    assert reporter.anonymous("img-2", ip="198.51.100.1").json["counted"] is True
    assert store.status("img-2")["report_count"] == 1


def test_reasons_are_tallied(reporter, store):
    reporter.anonymous("img-1", ip="198.51.100.1", reason="nudity")
    reporter.anonymous("img-1", ip="198.51.100.2", reason="nudity")
    reporter.anonymous("img-1", ip="198.51.100.3", reason="hate")
    assert store.status("img-1")["reasons"] == {"nudity": 2, "hate": 1}


def test_anonymous_reporter_id_in_the_body_is_ignored(reporter, store):
    reporter.anonymous("img-1", ip="198.51.100.1", reporter_id="alice")
    second = reporter.anonymous("img-1", ip="198.51.100.1", reporter_id="bob")
    assert second.json["counted"] is False
    assert store.status("img-1")["report_count"] == 1


def test_forwarded_for_is_ignored_without_trusted_proxies(client, store):
    for spoof in ["1.1.1.1", "2.2.2.2", "3.3.3.3"]:
        client.post("/v1/reports", json={"image_id": "img-1"}, headers={"X-Forwarded-For": spoof},
                    environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert store.status("img-1")["report_count"] == 1


def test_spoofed_forwarded_for_chain_through_one_trusted_proxy(settings):
    """Behind one proxy only the address that proxy appended counts; what the client wrote is ignored."""
    client = create_app(with_settings(settings, trusted_proxies=1)).test_client()
    store = client.application.extensions["imgmod"].store
    for spoof in ["1.1.1.1", "2.2.2.2", "3.3.3.3"]:
        answer = client.post("/v1/reports", json={"image_id": "img-1"},
                             headers={"X-Forwarded-For": f"{spoof}, 198.51.100.9"},
                             environ_base={"REMOTE_ADDR": "10.0.0.2"})
        assert answer.status_code == 202
    assert store.status("img-1")["report_count"] == 1
    client.post("/v1/reports", json={"image_id": "img-1"}, headers={"X-Forwarded-For": "198.51.100.10"},
                environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert store.status("img-1")["report_count"] == 2


def test_ipv6_addresses_of_one_64_are_one_reporter(reporter, store):
    reporter.anonymous("img-1", ip="2001:db8:1:2::1")
    assert reporter.anonymous("img-1", ip="2001:db8:1:2:ffff::9").json["counted"] is False
    assert reporter.anonymous("img-1", ip="2001:db8:1:3::1").json["counted"] is True
    assert store.status("img-1")["report_count"] == 2


def test_frontend_reporters_are_distinct_by_reporter_id(reporter, store):
    assert reporter.frontend("img-1", "reader-1").json["counted"] is True
    assert reporter.frontend("img-1", "reader-1").json["counted"] is False
    assert reporter.frontend("img-1", "reader-2").json["counted"] is True
    assert store.status("img-1")["report_count"] == 2


def test_frontend_call_requires_reporter_id(client):
    answer = client.post("/v1/reports", json={"image_id": "img-1"},
                         headers={"Authorization": "Bearer frontend-key-of-the-test-site-0123"})
    assert answer.status_code == 422
    assert "reporter_id" in answer.json["message"]


@pytest.mark.parametrize("header", ["Bearer not-a-key", "Basic dXNlcjpwYXNz", "Bearer "])
def test_unknown_authorization_is_401_never_anonymous(client, store, header):
    answer = client.post("/v1/reports", json={"image_id": "img-1", "reporter_id": "r"},
                         headers={"Authorization": header})
    assert answer.status_code == 401
    assert answer.is_json and answer.json["message"]
    assert store.status("img-1")["report_count"] == 0


@pytest.mark.parametrize(("query", "accept", "lang", "message"), [
    ("", None, "ar", AR),
    ("", "fr-FR,fr;q=0.9,en;q=0.5", "fr", FR),
    ("", "en-GB", "en", EN),
    ("", "de-DE", "ar", AR),
    ("?lang=en", "fr", "en", EN),
    ("?lang=fr", None, "fr", FR),
])
def test_thanks_message_in_the_negotiated_language(client, query, accept, lang, message):
    headers = {"Accept-Language": accept} if accept else {}
    answer = client.post(f"/v1/reports{query}", json={"image_id": "img-1"}, headers=headers)
    assert answer.status_code == 202
    assert (answer.json["lang"], answer.json["message"]) == (lang, message)


def test_default_language_comes_from_configuration(settings):
    client = create_app(with_settings(settings, default_lang="fr")).test_client()
    assert Reporter(client).anonymous("img-1").json["message"] == FR


def test_answer_fields(reporter):
    answer = reporter.anonymous("img-1")
    assert answer.status_code == 202
    assert set(answer.json) == {"image_id", "counted", "hidden", "lang", "message"}
    assert answer.json["image_id"] == "img-1" and answer.json["hidden"] is False
