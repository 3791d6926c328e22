"""docs/examples/server_side.py, the integration guide's server-side helper, run against the real app over HTTP."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from harness.redis_server import free_port

EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "server_side.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("server_side_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_visible_photos_get_a_real_src_and_hidden_ones_the_placeholder(example, live_server, admin):
    ids = ["article-1842.hero", "news/2024/05/hero.jpg", "صورة-رئيسية-1842"]
    assert admin.post(f"/images/{quote(ids[1])}/hide").status_code == 200
    lookup = example.ImgmodLookup(live_server)
    states = lookup.hidden(ids)
    assert states == {ids[0]: False, ids[1]: True, ids[2]: False}
    page = {i: example.render_img(i, f"https://cdn.example.ma/{n}.jpg", "a photo", states[i], live_server)
            for n, i in enumerate(ids)}
    assert page[ids[0]] == ('<img data-image-id="article-1842.hero" width="960" height="540" '
                            'src="https://cdn.example.ma/0.jpg" alt="a photo">')
    assert f'src="{live_server}/v1/images/news%2F2024%2F05%2Fhero.jpg/placeholder"' in page[ids[1]]
    assert "cdn.example.ma/1.jpg" not in page[ids[1]]  # the hidden original is never written into the page
    assert 'src="https://cdn.example.ma/2.jpg"' in page[ids[2]]
    assert len(lookup.asked) == 1

    # Cached: the next page views within the ttl ask nothing.
    assert lookup.hidden(ids[:2]) == {ids[0]: False, ids[1]: True} and len(lookup.asked) == 1


def test_many_long_ids_are_asked_in_short_urls(example, live_server, admin):
    ids = [(f"hespress:2024-05-12:societe/{n:03d}-" + "x" * 200)[:200] for n in range(120)]
    assert admin.post(f"/images/{quote(ids[7])}/hide").status_code == 200
    lookup = example.ImgmodLookup(live_server)
    assert lookup.hidden(ids) == {i: i == ids[7] for i in ids}
    assert len(lookup.asked) > 1 and max(len(url) for url in lookup.asked) < 2000
    assert [i for url in lookup.asked for i in parse_qs(urlsplit(url).query)["id"]] == ids


def test_imgmod_unreachable_leaves_the_decision_to_the_widget(example):
    lookup = example.ImgmodLookup(f"http://127.0.0.1:{free_port()}", timeout=0.5)
    assert lookup.hidden(["a", "b"]) == {"a": None, "b": None}
    html = example.render_img("a", "https://cdn.example.ma/a.jpg", "a", None, lookup.api)
    assert 'data-src="https://cdn.example.ma/a.jpg"' in html and " src=" not in html
    assert lookup.hidden(["a"]) == {"a": None} and len(lookup.asked) == 2  # failures are not cached


def test_reports_say_when_the_readers_account_was_created(example, live_server, services, redis_server):
    """A site account days old weighs IMGMOD_NEW_ACCOUNT_FACTOR (0.5) of an established one; the date is never stored."""
    from datetime import date, datetime, timedelta, timezone

    from tests.conftest import FRONTEND_KEY
    from tests.test_privacy import every_string_in_redis

    created = datetime.now(timezone.utc) - timedelta(days=2)
    answer = example.report(live_server, FRONTEND_KEY, "article-1842.hero", "user-17", created, reason="violence")
    assert answer["counted"] is True
    example.report(live_server, FRONTEND_KEY, "article-1842.hero", "user-18", date(2019, 3, 1))
    assert services.store.status("article-1842.hero")["score"] == 1.5
    blob = b"\n".join(every_string_in_redis(redis_server.client(decode=False)))
    assert b"imgmod:img:article-1842.hero" in blob
    assert created.isoformat().encode() not in blob and created.date().isoformat().encode() not in blob
    assert b"2019-03-01" not in blob
