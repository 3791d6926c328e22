"""Statements of reasons (DSA Art 17): one per restriction, whatever its cause, exported in the
Transparency Database's statement format (checked against tests/tdb_statement.schema.json); the
yearly counts (Art 15) with exact medians. No export holds a name, an e-mail or an identity."""
from __future__ import annotations

import csv
import io
import json
import random
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from service.core import followups, moderation, notices
from service.core.notice_store import NOTICE_PREFIX, NOTICES_ALL, NOTICES_DECIDED, notices_of
from service.core.statements import median, transparency_rows
from tests.conftest import run_queued_jobs, worker_env
from tests.test_cli import imgmod
from tests.test_notices import EMAIL, NAME, notice, send

SCHEMA = json.loads((Path(__file__).parent / "tdb_statement.schema.json").read_text())


def test_each_cause_of_a_hide_gets_one_statement_in_the_database_format(client, admin, services, queue, settings,
                                                                        cross):
    cross("by-reports", reason="hate")
    run_queued_jobs(services, queue)
    moderation.hide(services, "by-hand", "editor")
    cross("confirmed", reason="nudity")
    run_queued_jobs(services, queue)
    moderation.reset(services, "confirmed", "editor")
    cross("confirmed", reason="nudity")  # dismissed reporters do not count again: new ones
    for n in range(3):
        moderation.report(services, "confirmed", f"other-{n}", "nudity", None)
    moderation.confirm(services, "confirmed", "editor")
    receipt = send(client, notice(image_ids=["noticed"])).json
    admin.post(f"/notices/{receipt['reference']}/decision",
               json={"action": "hide", "ground": "illegal", "explanation": "Incitement to hatred."})
    # A restriction's outbox entry dispatched again (recovery) records nothing more.
    entry = services.store.hide_now("by-hand-2", "editor")
    followups.dispatch(services, entry)
    followups.dispatch(services, entry)

    exported = [json.loads(line) for line in
                imgmod("statements", "--since", "2020-01-01", env=worker_env(settings)).stdout.splitlines()]
    # by reports, by hand, "confirmed" twice (hidden by reports, restored, then confirmed), noticed, by hand again
    assert len(exported) == 6
    for statement in exported:
        jsonschema.validate(statement, SCHEMA)
    assert len({statement["puid"] for statement in exported}) == 6
    by_source = sorted((s["source_type"], s["automated_detection"], s["automated_decision"]) for s in exported)
    assert by_source == sorted([
        ("SOURCE_TYPE_OTHER_NOTIFICATION", "No", "AUTOMATED_DECISION_FULLY"),  # the threshold
        ("SOURCE_TYPE_OTHER_NOTIFICATION", "No", "AUTOMATED_DECISION_FULLY"),
        ("SOURCE_VOLUNTARY", "No", "AUTOMATED_DECISION_NOT_AUTOMATED"),  # a hand hide, unreported
        ("SOURCE_VOLUNTARY", "No", "AUTOMATED_DECISION_NOT_AUTOMATED"),
        ("SOURCE_TYPE_OTHER_NOTIFICATION", "No", "AUTOMATED_DECISION_NOT_AUTOMATED"),  # confirm after reports
        ("SOURCE_ARTICLE_16", "No", "AUTOMATED_DECISION_NOT_AUTOMATED")])  # the notice's decision
    [noticed] = [s for s in exported if s["source_type"] == "SOURCE_ARTICLE_16"]
    assert noticed["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert noticed["category"] == "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
    text = "\n".join(map(json.dumps, exported))
    for personal in (NAME, EMAIL, "reader-0", "203.0.113"):
        assert personal not in text
    # The database refuses a statement without its facts: the schema is not a formality.
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**exported[0], "decision_facts": ""}, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**exported[0], "notifier": NAME}, SCHEMA)


def test_a_match_hide_is_a_voluntary_automated_statement(services, cross):
    """The entry a hide by matching writes ('hidden:match|g|ms|copy|source'), dispatched."""
    services.store.save_hash("source", b"\x00" * 32, 100, "http://a/s.jpg")
    cross("source", reason="violence")
    services.store.hide_if_current("source", 0)
    entry = services.store.match_hide("copy", "source", 3)
    assert entry
    followups.dispatch(services, entry)
    statement = notices_of(services).statement("copy", 0)
    assert (statement["source"], statement["automated_detection"], statement["automated_decision"]) == (
        "voluntary", True, "fully")


def test_yearly_counts_and_exact_medians(services, redis_client):
    """Notices spread over two years, decided after random delays: the CSV's counts and median are
    those computed here by brute force from the same notices."""
    rng = random.Random(7)
    store = notices_of(services)
    expected_waits, categories = [], {}
    for n in range(61):
        body = notice(image_ids=[f"img-{n}"], category=rng.choice(["violence", "protection_of_minors", "self_harm"]))
        intake = notices.receive(services, body, "en", None)
        year = 2024 if n % 3 else 2025
        received = int(datetime(year, 1 + n % 12, 1 + n % 28, tzinfo=timezone.utc).timestamp() * 1000) + rng.randrange(10**6)
        redis_client.hset(NOTICE_PREFIX + intake.reference, "at", received)
        redis_client.zadd(NOTICES_ALL, {intake.reference: received})
        if year == 2024:
            categories[body["category"]] = categories.get(body["category"], 0) + 1
        if n % 4:
            store.decide(intake.reference, "keep", "terms", "Lawful.", "editor")
            wait = rng.randrange(1, 10**9)
            redis_client.hset(NOTICE_PREFIX + intake.reference, "decided_at", received + wait)
            redis_client.zadd(NOTICES_DECIDED, {intake.reference: received + wait})
            if year == 2024:
                expected_waits.append(wait)
    rows = {(measure, breakdown): value for measure, breakdown, value in transparency_rows(store, 2024)}
    assert rows[("notices_received", "total")] == str(sum(categories.values()))
    for category, count in categories.items():
        assert rows[("notices_received", category)] == str(count)
    assert rows[("notices_decided", "keep")] == str(len(expected_waits))
    waits = sorted(expected_waits)
    middle = len(waits) // 2
    brute = Decimal(waits[middle]) if len(waits) % 2 else (Decimal(waits[middle - 1]) + Decimal(waits[middle])) / 2
    assert Decimal(rows[("median_seconds_to_action", "notices")]) * 1000 == brute


@pytest.mark.parametrize("values", [[5], [1, 2], [3, 1, 2], [10, 1, 4, 7], list(range(1001))])
def test_the_median_is_exact(values):
    ordered = sorted(values)
    candidates = [v for v in ordered if sum(x < v for x in ordered) <= len(ordered) / 2 <= sum(x <= v for x in ordered)]
    if len(ordered) % 2:
        assert median(values) == ordered[len(ordered) // 2] and median(values) in candidates
    else:
        assert median(values) * 2 == ordered[len(ordered) // 2 - 1] + ordered[len(ordered) // 2]


def test_the_transparency_command_writes_csv(settings, services):
    notices.receive(services, notice(), "en", None)
    year = datetime.now(timezone.utc).year
    out = imgmod("transparency", "--year", str(year), env=worker_env(settings))
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert {row["year"] for row in rows} == {str(year)}
    assert any(row["measure"] == "notices_received" and row["breakdown"] == "total" and row["value"] == "1"
               for row in rows)
    assert NAME not in out.stdout and EMAIL not in out.stdout


def test_the_puid_is_the_uuid5_of_the_restriction():
    """The export writes it by hand for speed: it must stay exactly uuid5 of generation and image id."""
    import uuid

    from service.core.statements import PUID_NAMESPACE, puid

    for generation, image_id in ((0, "a"), (3, "news/2026/ü.hero"), (12, "x" * 200), (7, "صورة")):
        assert puid({"generation": generation, "image_id": image_id}) == str(
            uuid.uuid5(PUID_NAMESPACE, f"{generation}|{image_id}"))


def test_the_export_reads_from_a_date_on_by_rank_across_pages(services):
    """Paged by rank: every statement from the date on, in order, whatever the page size; none before."""
    from service.core.notice_store import STATEMENT_PREFIX, STATEMENTS

    store = notices_of(services)
    redis = store.redis
    for n in range(25):
        redis.set(f"{STATEMENT_PREFIX}0|img-{n}", json.dumps({"n": n}))
        redis.zadd(STATEMENTS, {f"0|img-{n}": 1000 + 10 * (n // 2)})  # pairs of the same time
    for chunk in (1, 2, 7, 100):
        assert [s["n"] for s in store.statements_between(1040, chunk=chunk)] == list(range(8, 25))
        assert [s["n"] for s in store.statements_between(1000, 1050, chunk=chunk)] == list(range(0, 10))
    assert list(store.statements_between(5000)) == []
