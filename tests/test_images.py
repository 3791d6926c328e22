"""GET /v1/images…: lookups, in the order asked, cacheable with ETag and 304."""
from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from service.web.api.images import query_ids, statuses_body
from service.web.schemas import VALID_IMAGE_ID, ImagePathSchema
from tests.conftest import json_app


def hide_now(store, image_id: str) -> None:
    """Take an image through the real crossing and hide steps, without a worker."""
    for n in range(store.threshold):
        outcome = store.report(image_id, f"reporter-{n}", "other", None)
    assert outcome.crossed
    assert store.hide_if_current(image_id, outcome.generation)


def test_never_reported_image_is_visible(client):
    answer = client.get("/v1/images/never-seen")
    assert answer.status_code == 200
    assert answer.json == {"image_id": "never-seen", "hidden": False}


def test_hidden_image_reads_hidden(client, store):
    hide_now(store, "img-1")
    assert client.get("/v1/images/img-1").json == {"image_id": "img-1", "hidden": True}


def test_bulk_lookup_keeps_the_order_asked(client, store):
    hide_now(store, "b")
    answer = client.get("/v1/images?id=c&id=b&id=a")
    assert answer.json == {"images": [{"image_id": "c", "hidden": False}, {"image_id": "b", "hidden": True},
                                      {"image_id": "a", "hidden": False}]}


def test_bulk_lookup_of_a_hundred_ids(client, store):
    hide_now(store, "i57")
    ids = [f"i{n}" for n in range(100)]
    answer = client.get("/v1/images?" + "&".join(f"id={i}" for i in ids))
    assert answer.status_code == 200
    assert [image["image_id"] for image in answer.json["images"]] == ids
    assert [image["image_id"] for image in answer.json["images"] if image["hidden"]] == ["i57"]


def test_lookups_are_cacheable_and_revalidate(client, store):
    first = client.get("/v1/images/img-1")
    assert "max-age" in first.headers["Cache-Control"]
    etag = first.headers["ETag"]
    assert client.get("/v1/images/img-1", headers={"If-None-Match": etag}).status_code == 304
    hide_now(store, "img-1")
    changed = client.get("/v1/images/img-1", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json["hidden"] is True


def test_bulk_lookup_etag(client, store):
    first = client.get("/v1/images?id=a&id=b")
    assert "max-age" in first.headers["Cache-Control"]
    assert client.get("/v1/images?id=a&id=b", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    hide_now(store, "b")
    assert client.get("/v1/images?id=a&id=b", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_single_lookup_answer_word_for_word(client, store):
    answer = client.get("/v1/images/a.b:c~d-e_f")
    assert answer.status_code == 200 and answer.content_type == "application/json"
    assert answer.get_data(as_text=True) == '{"hidden":false,"image_id":"a.b:c~d-e_f"}\n'
    assert answer.headers["Cache-Control"] == "public, max-age=10"
    assert answer.headers["ETag"].startswith('"') and answer.headers["ETag"].endswith('"')  # a strong tag
    hide_now(store, "a.b:c~d-e_f")
    assert client.get("/v1/images/a.b:c~d-e_f").get_data(as_text=True) == '{"hidden":true,"image_id":"a.b:c~d-e_f"}\n'
    head = client.head("/v1/images/a.b:c~d-e_f")
    assert head.status_code == 200 and head.get_data() == b"" and head.headers["ETag"]


def test_bulk_lookup_answer_word_for_word(client, store):
    hide_now(store, "b")
    answer = client.get("/v1/images?id=a&id=b")
    assert answer.status_code == 200 and answer.content_type == "application/json"
    assert answer.get_data(as_text=True) == \
        '{"images":[{"hidden":false,"image_id":"a"},{"hidden":true,"image_id":"b"}]}\n'
    assert answer.headers["Cache-Control"] == "public, max-age=10"


def test_bulk_lookup_answers_each_duplicate_where_asked(client, store):
    hide_now(store, "b")
    answer = client.get("/v1/images?id=b&id=a&id=b&id=b")
    assert answer.json == {"images": [{"image_id": "b", "hidden": True}, {"image_id": "a", "hidden": False},
                                      {"image_id": "b", "hidden": True}, {"image_id": "b", "hidden": True}]}


def test_bulk_lookup_ignores_other_query_parameters(client):
    assert client.get("/v1/images?v=3&id=a&cb=x&id=b").json == \
        {"images": [{"image_id": "a", "hidden": False}, {"image_id": "b", "hidden": False}]}


def test_every_one_of_a_hundred_ids_reads_its_own_flag(client, store):
    ids = [f"img-{n}" for n in range(100)]
    hidden = {"img-0", "img-7", "img-8", "img-63", "img-99"}
    for image_id in hidden:
        hide_now(store, image_id)
    store.report("img-50", "someone", "other", None)  # reported, not hidden
    answer = client.get("/v1/images?" + "&".join(f"id={i}" for i in ids))
    assert answer.json == {"images": [{"image_id": i, "hidden": i in hidden} for i in ids]}


def test_etags_name_the_answer(client, store):
    """A different answer gets a different tag; the same answer the same tag, on every request."""
    def etag(path):
        return client.get(path).headers["ETag"]

    assert etag("/v1/images/a") == etag("/v1/images/a")
    assert etag("/v1/images?id=a&id=b") == etag("/v1/images?id=a&id=b")
    tags = {etag(path) for path in ("/v1/images/a", "/v1/images/b", "/v1/images?id=a&id=b",
                                    "/v1/images?id=b&id=a", "/v1/images?id=a", "/v1/images?id=a&id=a")}
    assert len(tags) == 6
    before = {path: etag(path) for path in ("/v1/images/b", "/v1/images?id=a&id=b", "/v1/images?id=b&id=a")}
    hide_now(store, "b")
    for path, tag in before.items():
        assert etag(path) != tag, path
    assert etag("/v1/images/a") == etag("/v1/images/a")


def test_conditional_lookups_answer_304_without_a_body(client, store):
    for path in ("/v1/images/img-1", "/v1/images?id=img-1&id=img-2"):
        etag = client.get(path).headers["ETag"]
        for headers in ({"If-None-Match": etag}, {"If-None-Match": f'"other", {etag}'}, {"If-None-Match": "*"}):
            for method in ("GET", "HEAD"):
                answer = client.open(path, method=method, headers=headers)
                assert answer.status_code == 304, (path, headers, method)
                assert answer.get_data() == b""
                # What a 200 would have carried, so that a cache refreshes its copy (RFC 9110, 15.4.5).
                assert (answer.headers["ETag"], answer.headers["Cache-Control"]) == (etag, "public, max-age=10")
                assert answer.headers["X-Content-Type-Options"] == "nosniff"
                assert answer.headers["X-Request-ID"]
        assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
        assert client.get(path, headers={"If-Match": '"other"'}).status_code == 200  # not a precondition on GET
    hide_now(store, "img-2")
    assert client.get("/v1/images/img-1", headers={"If-None-Match": etag}).status_code == 200  # another URL's tag


def test_openapi_documents_the_lookups_from_the_schemas(client):
    from service.web.schemas import IMAGE_ID_FORM, IMAGE_ID_IN_PATH, IMAGE_ID_PATTERN, MAX_BULK_IDS

    document = client.get("/openapi.json").json
    rule = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": IMAGE_ID_PATTERN,
            "example": "article-1842.hero"}
    single = document["paths"]["/v1/images/{image_id}"]["get"]
    [path_id] = [p for p in single["parameters"] if p.get("in") == "path"]
    assert path_id["name"] == "image_id" and path_id["required"] is True
    # In a path: an example with '/', which tools then send as %2F, and the words saying so.
    assert path_id["schema"] == {**rule, "example": "news/2024/05/hero.jpg"}
    assert path_id["description"] == f"Opaque id chosen by the site: {IMAGE_ID_FORM}. {IMAGE_ID_IN_PATH}"
    bulk = document["paths"]["/v1/images"]["get"]
    [ids] = [p for p in bulk["parameters"] if p.get("in") == "query"]
    assert (ids["name"], ids["required"], ids["style"], ids["explode"]) == ("id", True, "form", True)
    assert ids["schema"] == {"type": "array", "minItems": 1, "maxItems": MAX_BULK_IDS,
                             "items": {**rule, "description": f"Opaque id chosen by the site: {IMAGE_ID_FORM}"}}
    for operation, schema in ((single, "ImageStatus"), (bulk, "ImageList")):
        assert {"$ref": "#/components/parameters/IF_NONE_MATCH"} in operation["parameters"]
        ok = operation["responses"]["200"]
        assert ok["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{schema}"}
        assert ok["headers"] == {"ETag": {"$ref": "#/components/headers/ETAG"}}
        assert {"304", "422", "503", "default"} <= set(operation["responses"])
    assert set(document["components"]["schemas"]["ImageStatus"]["properties"]) == {"image_id", "hidden"}


# Letters and digits of several scripts (Arabic, Arabic-Indic digits, Tifinagh, CJK, a letter and a
# digit outside the BMP) and the five signs; then what an id may not hold.
ID_CHARACTERS = "aZ09._:~-/\u00fc\u0635\u0648\u0631\u0629\u0661\u0640\u2d30\u6f22\U0001d400\U0001d7ce"
FOREIGN = list("\n\r\t\x00 %?#&+=,;\"'<>\\\u00a0\u2028\ufffd\U0001f600\u064b\u200f\u0301")
PLAIN = st.text(alphabet=ID_CHARACTERS, max_size=205)


@given(st.one_of(PLAIN, st.builds(lambda head, odd, tail: head + odd + tail, PLAIN, st.sampled_from(FOREIGN), PLAIN),
                 st.text(max_size=5)))
@example("a" * 200)
@example("a" * 201)
@example("a\n")
@example("")
def test_the_lookups_expression_accepts_exactly_what_the_schema_accepts(image_id):
    assert (VALID_IMAGE_ID.fullmatch(image_id) is not None) == (ImagePathSchema().validate({"image_id": image_id}) == {})


def test_store_reads_hidden_flags_in_order_with_duplicates(store):
    from service.core.store import HIDDEN

    hidden = {f"h{n}" for n in range(0, 250, 7)}
    store.redis.zadd(HIDDEN, {image_id: 1 for image_id in hidden})
    store.report("pending-or-reported", "someone", "other", None)
    assert store.hidden_flags([]) == ""
    ids = [f"h{n}" for n in range(250)] + ["h0", "pending-or-reported", "never", "h0"]
    expected = "".join("1" if image_id in hidden else "0" for image_id in ids)
    assert store.hidden_flags(ids) == expected and expected.count("1") == len(hidden) + 2
    assert store.hidden_flags(tuple(ids[:5])) == expected[:5]


@given(st.lists(st.tuples(st.from_regex(VALID_IMAGE_ID, fullmatch=True), st.booleans()), min_size=1, max_size=100))
@example([("a", False), ("b", False), ("c", False)])
@example([("a", False), ("b", True), ("c", False)])
@example([("a", True)])
def test_answers_are_written_as_the_apps_json_provider_writes_them(pairs):
    ids, flags = [i for i, _ in pairs], "".join("1" if h else "0" for _, h in pairs)
    app = json_app()
    with app.app_context():
        assert statuses_body(ids, flags) == app.json.response(
            {"images": [{"image_id": i, "hidden": h} for i, h in pairs]}).get_data(as_text=True)


QUERY_PARTS = st.one_of(
    st.builds(lambda value: "id=" + value, st.text(alphabet="aZ09._:~-%+=&; /\u00fc\x00", max_size=8)),
    st.sampled_from(["id", "id=", "ID=a", "ids=a", "i%64=a", "id%3Da", "id=%41", "id=a+b", "id=%C3%BC", "id=%ZZ",
                     "x=1", "", "id=a;id=b", "id=%ED%A0%80", "cb=%26id%3Dz"]),
)


@given(st.lists(QUERY_PARTS, max_size=12))
@example(["id=a", "id=b"])
@example(["id=a", "id=b", "x=1"])
@example(["id=a", "id=", "id=b"])
@example(["id=a", "id"])
@example(["id=a=b", "id=c"])
@example(["id=\u00fc"])
def test_ids_are_read_from_the_query_as_werkzeug_reads_them(parts):
    from flask import request

    # The WSGI environ holds the raw bytes of the query decoded as latin-1.
    query = "&".join(parts).encode().decode("latin-1")
    with json_app().test_request_context("/v1/images", query_string=query):
        assert query_ids() == request.args.getlist("id")
