"""Overturned together: site accounts a `disagree` reset overturned together count as one reporter,
the heaviest of them, on every later image while their records live."""
from __future__ import annotations

import pytest

from service.core import identity
from service.core.store import GROUP_PREFIX, RECORD_PREFIX
from tests.test_trust import record_of, site_reports


def overturn(reporter, admin, image_id: str, readers) -> None:
    site_reports(reporter, image_id, readers)
    admin.post(f"/images/{image_id}/reset", json={})


def key_of(services, reader: str) -> str:
    return RECORD_PREFIX + identity.record_key(services.settings.secret_key, f"fe:site:{reader}")


def test_a_brigade_overturned_once_counts_as_one_reporter(services, reporter, admin, store):
    brigade = ["b0", "b1", "b2"]
    overturn(reporter, admin, "fine-0", brigade)
    site_reports(reporter, "fine-1", brigade)
    status = store.status("fine-1")
    weight = 2 / 3  # one `disagreed` each
    assert (status["state"], status["report_count"]) == ("visible", 3)
    assert status["score"] == pytest.approx(weight, abs=1e-5)
    site_reports(reporter, "fine-1", ["honest"])  # someone else still counts in full
    assert store.status("fine-1")["score"] == pytest.approx(weight + 1, abs=1e-5)
    # The same accounts returning six times over never hide it: always one reporter.
    for attempt in range(2, 8):
        site_reports(reporter, f"fine-{attempt}", brigade)
        assert store.status(f"fine-{attempt}")["state"] == "visible"


def test_the_group_counts_as_its_heaviest_member(services, reporter, admin, store, redis_client):
    overturn(reporter, admin, "fine-0", ["b0", "b1"])
    redis_client.hset(key_of(services, "b1"), mapping={"a": 10, "d": 1})  # b1 confirmed often since
    heavy = 2 * 11 / 13
    site_reports(reporter, "img-1", ["b0"])
    assert store.status("img-1")["score"] == pytest.approx(2 / 3, abs=1e-5)
    site_reports(reporter, "img-1", ["b1"])  # adds what it weighs beyond b0
    assert store.status("img-1")["score"] == pytest.approx(heavy, abs=1e-5)
    site_reports(reporter, "img-2", ["b1", "b0"])  # the heaviest first: the lighter adds nothing
    assert store.status("img-2")["score"] == pytest.approx(heavy, abs=1e-5)


def test_groups_overturned_together_merge(services, reporter, admin, store):
    overturn(reporter, admin, "fine-a", ["b0", "b1"])
    overturn(reporter, admin, "fine-b", ["b2", "b3"])
    overturn(reporter, admin, "fine-c", ["b1", "b2"])  # the two groups were one brigade
    site_reports(reporter, "img-1", ["b0", "b1", "b2", "b3"])
    weights = [2 / (record_of(services, b)[1] + 2) for b in ("b0", "b1", "b2", "b3")]
    assert store.status("img-1")["score"] == pytest.approx(max(weights), abs=1e-5)
    assert store.status("img-1")["report_count"] == 4


def test_only_a_disagree_reset_links_and_a_reset_generation_starts_afresh(services, reporter, admin, store):
    site_reports(reporter, "img-0", ["c0", "c1"])
    admin.post("/images/img-0/reset", json={"verdict": "ignore"})
    site_reports(reporter, "img-1", ["c0", "c1"])
    assert store.status("img-1")["score"] == 2.0
    overturn(reporter, admin, "fine-0", ["b0", "b1"])
    site_reports(reporter, "img-2", ["b0"])
    admin.post("/images/img-2/reset", json={"verdict": "ignore"})
    site_reports(reporter, "img-2", ["b1"])  # a new generation: b1 is the group's first there
    assert store.status("img-2")["score"] == pytest.approx(2 / 3, abs=1e-5)


def test_what_is_stored_links_keyed_hashes_only(services, reporter, admin, redis_client):
    overturn(reporter, admin, "fine-0", ["reader-alice@example.org", "reader-bob-7741"])
    [group] = redis_client.keys(GROUP_PREFIX + "*")
    members = redis_client.smembers(group)
    assert members == {key_of(services, r) for r in ("reader-alice@example.org", "reader-bob-7741")}
    assert all(redis_client.hget(member, "gr") == group for member in members)
    assert 0 < redis_client.pttl(group) <= services.store.trust.record_ttl_ms
    for stored in [group, *members]:
        assert "alice" not in stored and "bob" not in stored
