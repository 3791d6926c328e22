"""GET /v1/images…: lookups, in the order asked, cacheable with ETag and 304."""
from __future__ import annotations


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
