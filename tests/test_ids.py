"""Image ids of contract v2: letters and digits of any script and . _ : ~ - /, in every endpoint."""
from __future__ import annotations

import sys
import unicodedata
from urllib.parse import quote

import pytest

from service.web.schemas import IMAGE_ID_ERROR, IMAGE_ID_PATTERN, VALID_IMAGE_ID, ImagePathSchema
from tests.conftest import ADMIN_TOKEN
from tests.processes import Served, imgmod_env

ARABIC = "صورة-رئيسية-1842"
SLASHED = "news/2024/05/hero.jpg"
# Ids both rules must agree on (the browser tests run the widget's expression on the same lists).
GOOD_IDS = [ARABIC, SLASHED, "article-1842.hero", "a", "0", "٣", "ⴰⵎ", "漢字/图片", "Ωμέγα_1", "𝐀𝟎", "a//b/", "a~b:c",
            "x" * 200]
BAD_IDS = ["", "-a", "/a", ".a", "_a", "a b", "a#b", "a?b", "a%b", "صُورة", "a\u200fb", "a\n", "a\u00a0", "😀",
           "a😀", "x" * 201, "a\u0301"]


def test_the_python_rule_is_exactly_unicode_letters_and_digits():
    """Python's re has no \\p{L}: `[^\\W_]` stands for it, checked here over every code point."""
    differ = [hex(code) for code in range(sys.maxunicode + 1)
              if (VALID_IMAGE_ID.fullmatch(chr(code)) is not None)
              != (unicodedata.category(chr(code))[0] in "LN")]
    assert differ == []
    for sign in "._:~-/":
        assert VALID_IMAGE_ID.fullmatch("a" + sign) and not VALID_IMAGE_ID.fullmatch(sign + "a")


def test_examples_are_judged_as_the_contract_says():
    for image_id in GOOD_IDS:
        assert VALID_IMAGE_ID.fullmatch(image_id), image_id
        assert ImagePathSchema().validate({"image_id": image_id}) == {}, image_id
    for image_id in BAD_IDS:
        assert VALID_IMAGE_ID.fullmatch(image_id) is None, image_id
        assert ImagePathSchema().validate({"image_id": image_id}) != {}, image_id


def test_the_widget_tests_ids_with_the_schemas_expression():
    from pathlib import Path
    import json
    import re

    source = (Path(__file__).parent.parent / "service" / "web" / "static" / "widget.js").read_text()
    [literal] = re.findall(r'var ID_PATTERN = ("[^"]*");', source)
    assert json.loads(literal) == IMAGE_ID_PATTERN
    assert 'new RegExp(ID_PATTERN, "u")' in source


def test_slashed_and_arabic_ids_through_every_endpoint(client, store, admin, reporter):
    for image_id in (ARABIC, SLASHED):
        assert reporter.anonymous(image_id).json["image_id"] == image_id
        for path in (image_id, quote(image_id, safe=""), quote(image_id)):
            assert client.get(f"/v1/images/{path}").json == {"image_id": image_id, "hidden": False}
            assert admin.get(f"/images/{path}").json["report_count"] == 1
        assert client.get(f"/v1/images/{quote(image_id)}/placeholder").status_code == 404
        assert admin.post(f"/images/{image_id}/hide").json["hidden"] is True
        answer = client.get(f"/v1/images?id={quote(image_id, safe='')}&id=other")
        assert answer.json == {"images": [{"image_id": image_id, "hidden": True},
                                          {"image_id": "other", "hidden": False}]}
        for path in (image_id, quote(image_id, safe="")):
            assert client.get(f"/v1/images/{path}").json == {"image_id": image_id, "hidden": True}
            placeholder = client.get(f"/v1/images/{path}/placeholder")
            assert placeholder.status_code == 200 and placeholder.mimetype.startswith("image/")
        confirm = admin.post(f"/images/{quote(image_id)}/confirm", json={})
        assert confirm.status_code == 200 and confirm.json["image_id"] == image_id and confirm.json["hidden"]
        reset = admin.post(f"/images/{quote(image_id)}/reset", json={})
        assert reset.status_code == 200 and reset.json["image_id"] == image_id and not reset.json["hidden"]
        assert admin.put(f"/images/{image_id}/protection", json={"protected": True}).json["protected"] is True
        assert admin.get("/audit", query_string={"image_id": image_id}).json["events"][0]["image_id"] == image_id


def test_an_id_ending_in_placeholder_is_looked_up_with_its_slash_encoded(client):
    """`/v1/images/a/placeholder` is the placeholder route; the id `a/placeholder` is asked for with %2F."""
    assert client.get("/v1/images/a/placeholder").status_code == 404  # the placeholder of "a", not hidden
    assert client.get("/v1/images/a%2Fplaceholder").json == {"image_id": "a/placeholder", "hidden": False}
    assert client.get("/v1/images?id=a/placeholder").json == {"images": [{"image_id": "a/placeholder",
                                                                          "hidden": False}]}


def test_a_refused_id_is_told_the_allowed_form(client, reporter):
    assert "letters and digits of any script" in IMAGE_ID_ERROR and ". _ : ~ - /" in IMAGE_ID_ERROR
    for answer in (client.get("/v1/images/a%20b"), client.get("/v1/images//news"),
                   client.get("/v1/images?id=a%23b"), reporter.anonymous("a b")):
        assert answer.status_code == 422
        assert answer.json["message"].startswith("image_id: " if "json" in answer.json["errors"]
                                                 or "path" in answer.json["errors"] else "id.0: ")
        assert IMAGE_ID_ERROR in answer.json["message"]


# Ids that sit awkwardly in a URL path or in a JavaScript object: Arabic, '/' (empty and dot segments
# too), a last segment named like a route suffix, Object.prototype's names, the longest id.
ROUTE_SUFFIXES = ("hide", "reset", "confirm", "protection", "placeholder")
ODD_IDS = ["صورة-1", "a/b", *(f"x/{suffix}" for suffix in ROUTE_SUFFIXES), "a/b/hide", "صورة/reset", "a//b/",
           "a/../b", "constructor", "toString", "valueOf", "hasOwnProperty", "x" * 195 + "/hide"]
# Not ids (`__proto__` starts with "_"; the others hold "%" once decoded): a 422 everywhere, never
# another id's answer.
REFUSED_IDS = ["__proto__", "a%2Fb", "a%b", "x%2Fhide"]


class Caller:
    """One HTTP call, (status, mimetype, JSON or None), through the Flask test client or a real server."""

    def __init__(self, client=None, http=None, base: str = ""):
        self.client, self.http, self.base = client, http, base

    def __call__(self, method: str, path: str, json=None, admin: bool = False):
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"} if admin else {}
        if self.client is not None:
            answer = self.client.open(path, method=method, json=json, headers=headers)
            return answer.status_code, answer.mimetype, answer.get_json(silent=True)
        answer = self.http.request(method, self.base + path, json=json, headers=headers, timeout=10)
        mimetype = answer.headers.get("Content-Type", "").split(";")[0]
        return answer.status_code, mimetype, answer.json() if mimetype == "application/json" else None


def through_every_endpoint(call: Caller, image_id: str) -> None:
    """Report, look up (single, bulk), detail, protect, hide, placeholder, confirm, reset and audit one id,
    with the id in paths percent-encoded as encodeURIComponent does it ('/' as %2F)."""
    encoded = quote(image_id, safe="")
    status, _, answer = call("POST", "/v1/reports", json={"image_id": image_id})
    assert (status, answer.get("image_id")) == (202, image_id)
    assert call("GET", f"/v1/images/{encoded}") == (200, "application/json", {"image_id": image_id, "hidden": False})
    assert call("GET", f"/v1/images?id={encoded}")[2] == {"images": [{"image_id": image_id, "hidden": False}]}
    status, _, detail = call("GET", f"/v1/admin/images/{encoded}", admin=True)
    assert (status, detail.get("image_id"), detail.get("report_count")) == (200, image_id, 1)
    for protected in (True, False):
        status, _, detail = call("PUT", f"/v1/admin/images/{encoded}/protection", json={"protected": protected},
                                 admin=True)
        assert (status, detail.get("image_id"), detail.get("protected")) == (200, image_id, protected)
    status, _, detail = call("POST", f"/v1/admin/images/{encoded}/hide", admin=True)
    assert (status, detail.get("image_id"), detail.get("hidden")) == (200, image_id, True)
    assert call("GET", f"/v1/images/{encoded}")[2] == {"image_id": image_id, "hidden": True}
    assert call("GET", f"/v1/images?id={encoded}")[2] == {"images": [{"image_id": image_id, "hidden": True}]}
    status, mimetype, _ = call("GET", f"/v1/images/{encoded}/placeholder")
    assert status == 200 and mimetype.startswith("image/")
    status, _, detail = call("POST", f"/v1/admin/images/{encoded}/confirm", json={}, admin=True)
    assert (status, detail.get("image_id"), detail.get("state")) == (200, image_id, "hidden")
    status, _, detail = call("POST", f"/v1/admin/images/{encoded}/reset", json={}, admin=True)
    assert (status, detail.get("image_id"), detail.get("hidden")) == (200, image_id, False)
    assert call("GET", f"/v1/images/{encoded}/placeholder")[0] == 404
    status, _, audit = call("GET", f"/v1/admin/audit?image_id={encoded}", admin=True)
    assert status == 200
    assert [(event["type"], event["image_id"]) for event in audit["events"]] == [
        (kind, image_id) for kind in ("reset", "confirmed", "manual_hide", "unprotected", "protected")]


def refused_everywhere(call: Caller, image_id: str) -> None:
    """A 422 naming the id's form from every endpoint that takes an id, and nothing stored."""
    before = call("GET", "/v1/admin/audit", admin=True)[2]["events"]
    encoded = quote(image_id, safe="")
    calls = [("POST", "/v1/reports", {"image_id": image_id}), ("GET", f"/v1/images/{encoded}", None),
             ("GET", f"/v1/images?id={encoded}", None), ("GET", f"/v1/images/{encoded}/placeholder", None),
             ("GET", f"/v1/admin/images/{encoded}", None), ("POST", f"/v1/admin/images/{encoded}/hide", None),
             ("PUT", f"/v1/admin/images/{encoded}/protection", {"protected": True}),
             ("POST", f"/v1/admin/images/{encoded}/confirm", {}), ("POST", f"/v1/admin/images/{encoded}/reset", {}),
             ("GET", f"/v1/admin/audit?image_id={encoded}", None)]
    for method, url, json in calls:
        status, _, answer = call(method, url, json=json, admin="/admin/" in url)
        assert status == 422 and IMAGE_ID_ERROR in answer["message"], (method, url, status, answer)
    assert call("GET", "/v1/admin/audit", admin=True)[2]["events"] == before


def slash_where_no_suffix_follows(call: Caller) -> None:
    """A '/' standing as it is separates route parts only where a route suffix follows it."""
    for image_id in ("a/b/c", "a/b", "a/placeholder"):
        call("POST", "/v1/admin/images/" + quote(image_id, safe="") + "/hide", admin=True)
    assert call("GET", "/v1/images/a/b/c")[2] == {"image_id": "a/b/c", "hidden": True}
    assert call("GET", "/v1/images/a/b/c/placeholder")[:2] == (200, "image/webp")  # the placeholder of a/b/c
    assert call("GET", "/v1/images/a%2Fplaceholder")[2] == {"image_id": "a/placeholder", "hidden": True}
    assert call("GET", "/v1/images/a/b/placeholder")[:2] == (200, "image/webp")  # the placeholder of a/b
    assert call("GET", "/v1/images/a/placeholder")[0] == 404  # the placeholder of a, not hidden
    assert call("GET", "/v1/admin/images/a/b/c", admin=True)[2]["hidden"] is True
    # Decoded once: an escaped "%" is a "%", never the start of another escape.
    assert call("GET", "/v1/images/a%252Fb")[0] == 422
    assert call("POST", "/v1/admin/images/a%252Fb/hide", admin=True)[0] == 422


@pytest.mark.parametrize("image_id", ODD_IDS, ids=lambda image_id: image_id[:24])
def test_every_valid_id_works_on_every_endpoint(client, image_id):
    assert VALID_IMAGE_ID.fullmatch(image_id)
    through_every_endpoint(Caller(client), image_id)


@pytest.mark.parametrize("image_id", REFUSED_IDS)
def test_what_is_not_an_id_is_refused_on_every_endpoint(client, image_id):
    assert VALID_IMAGE_ID.fullmatch(image_id) is None
    refused_everywhere(Caller(client), image_id)


def test_every_valid_id_works_on_every_endpoint_of_imgmod_serve(settings, tmp_path, http):
    """gunicorn hands the raw path in RAW_URI, werkzeug's server (next test) in REQUEST_URI too."""
    served = Served(imgmod_env(settings), tmp_path / "serve.log", workers=1)
    try:
        call = Caller(http=http, base=served.base)
        for image_id in ODD_IDS:
            through_every_endpoint(call, image_id)
        for image_id in REFUSED_IDS:
            refused_everywhere(call, image_id)
        slash_where_no_suffix_follows(call)
    finally:
        assert served.terminate() == 0


def test_every_valid_id_works_on_every_endpoint_of_werkzeugs_server(http, live_server):
    call = Caller(http=http, base=live_server)
    for image_id in ODD_IDS:
        through_every_endpoint(call, image_id)
    for image_id in REFUSED_IDS:
        refused_everywhere(call, image_id)
    slash_where_no_suffix_follows(call)


def test_a_slash_may_stand_as_it_is_where_no_route_suffix_follows(client):
    slash_where_no_suffix_follows(Caller(client))


@pytest.mark.parametrize("path", ["a%252Fb", "a%25252Fb", "a%%32Fb", "a%%32%46b", "a%2%46b", "a%25"])
def test_a_path_is_decoded_once(client, path):
    """Each decodes, once, to a text holding '%' (requests would rewrite "%32" as "2": the test client only)."""
    client.post("/v1/admin/images/a%2Fb/hide", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    for url in (f"/v1/images/{path}", f"/v1/images/{path}/placeholder", f"/v1/admin/images/{path}/reset"):
        answer = client.post(url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) if "reset" in url \
            else client.get(url)
        assert answer.status_code == 422, (url, answer.json)
    assert client.get("/v1/images/a%2Fb").json == {"image_id": "a/b", "hidden": True}


def test_without_the_raw_path_every_slash_separates(client):
    """A server that gives no raw path (neither RAW_URI nor REQUEST_URI): ids route as the decoded path
    reads, and a '%' in it is still a '%'."""
    no_raw = {"RAW_URI": "", "REQUEST_URI": ""}
    client.post("/v1/admin/images/a%2Fb/hide", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                environ_overrides=no_raw)  # read as the hide of "a/b"
    assert client.get("/v1/images/a/b", environ_overrides=no_raw).json == {"image_id": "a/b", "hidden": True}
    assert client.get("/v1/images/a%2Fb", environ_overrides=no_raw).json == {"image_id": "a/b", "hidden": True}
    assert client.get("/v1/images/a%252Fb", environ_overrides=no_raw).status_code == 422
    assert client.get("/v1/images/a%25b", environ_overrides=no_raw).status_code == 422


@pytest.mark.parametrize(("raw_path", "script_name", "path_info", "routed"), [
    ("/v1/images/a%2Fb/placeholder", "", "/v1/images/a/b/placeholder", "/v1/images/a%2Fb/placeholder"),
    ("/v1/images/a%2fb%25%41", "", "/v1/images/a/b%A", "/v1/images/a%2Fb%25A"),
    ("/v1/images/%D8%B5%2F1", "", "/v1/images/\u00d8\u00b5/1", "/v1/images/\u00d8\u00b5%2F1"),  # WSGI's latin-1 str
    ("http://imgmod.example/v1/images/a%2Fb", "", "/v1/images/a/b", "/v1/images/a%2Fb"),  # absolute form
    ("/imgmod/v1/images/a%2Fb", "/imgmod", "/v1/images/a/b", "/v1/images/a%2Fb"),  # mounted under a prefix
    ("/v1/images/x%2Fb", "", "/v1/images/a/b", "/v1/images/a/b"),  # another request's raw path: not used
    ("", "", "/v1/images/a/b%", "/v1/images/a/b%25"),  # no raw path
])
def test_the_routed_path_keeps_encoded_slashes_and_escapes_percent_signs(raw_path, script_name, path_info, routed):
    from service.web.api.paths import ImageIdConverter, routed_path

    assert routed_path(raw_path, script_name, path_info) == routed


def test_the_converter_decodes_what_the_routed_path_kept_escaped():
    from werkzeug.routing import Map

    from service.web.api.paths import ImageIdConverter

    converter = ImageIdConverter(Map())
    assert converter.to_python("a%2Fb%2fc%25%2F25%2541") == "a/b/c%/25%41"
    assert converter.to_url("صورة/x:y~z") == quote("صورة/x:y~z", safe="")
