"""The moderation simulation works end to end: its smoke mode writes a complete report, the same one for
the same seed, with its decisions made by the service's scripts. Its numbers are not judged here, except
where the rules fix them whatever the scenario (a restored photo, the same accounts coming back)."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from bench import moderation

ROOT = Path(__file__).resolve().parent.parent

COUNTS = ("bad_photos", "fine_photos_hidden_by_reports", "wrong_verdicts")
RATES = ("auto_hides_per_day", "wrong_auto_hides_per_day", "editor_items_per_day", "editor_hides_looked_at_per_day",
         "editor_reviews_per_day")
# None only when nothing was there to measure (no bad photo hidden, no automatic hide).
MEASURES = ("bad_hidden_share", "bad_time_to_hide_median_min", "bad_time_to_hide_p90_min",
            "bad_auto_time_to_hide_median_min", "bad_auto_time_to_hide_p90_min", "auto_hides_wrong_share")
GOALS = ("restored_never_hidden_again", "returning_same_accounts_vs_plain", "returning_same_accounts_met",
         "fresh_accounts_vs_plain", "fresh_accounts_met", "farmed_gain", "bad_hidden_by_both", "bad_median_vs_plain",
         "bad_p90_vs_plain", "bad_auto_median_vs_plain", "bad_auto_p90_vs_plain", "bad_hidden_by_plain_only",
         "wrong_auto_hides_vs_plain", "wrong_auto_hides_per_day_vs_plain", "bad_time_met", "wrong_auto_hides_met")


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("moderation")
    result = subprocess.run([sys.executable, "-m", "bench.moderation", "--smoke", "--seed", "7", "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return out, json.loads((out / "moderation.json").read_text())


@pytest.mark.timeout(150)
def test_every_policy_reports_every_metric(smoke):
    _, report = smoke
    assert [entry["policy"] for entry in report["policies"]] == [policy.name for policy in moderation.POLICIES]
    for entry in report["policies"]:
        for name in COUNTS:
            assert isinstance(entry[name], int) and entry[name] >= 0, (entry["policy"], name)
        for name in RATES:
            assert is_number(entry[name]) and entry[name] >= 0, (entry["policy"], name)
        for name in MEASURES:
            assert entry[name] is None or is_number(entry[name]), (entry["policy"], name)
        assert 0 <= entry["bad_hidden_share"] <= 1
        if entry["bad_time_to_hide_median_min"] is not None:
            assert 0 <= entry["bad_time_to_hide_median_min"] <= entry["bad_time_to_hide_p90_min"]
    scenario = report["scenario"]
    assert scenario["reports_per_day"] > 0 and 0 < scenario["reports_on_bad_share"] < 1


@pytest.mark.timeout(150)
def test_every_adversary_is_searched_for_every_attempt(smoke):
    _, report = smoke
    for entry in report["policies"]:
        assert list(entry["identities_needed"]) == [adversary.name for adversary in moderation.ADVERSARIES]
        for needed in entry["identities_needed"].values():
            assert len(needed) == len(moderation.ATTEMPTS)
            # an identity count within the search, or None: no brigade up to brigade_max hid one
            assert all(k is None or 1 <= k <= report["scenario"]["brigade_max"] for k in needed)


@pytest.mark.timeout(150)
def test_what_the_rules_fix_whatever_the_scenario(smoke):
    """The plain count: three identities each time. The service's defaults: a restored photo and its copies are
    never hidden again by new identities, the same accounts never hide again together, a fresh account
    weighs half when the site says how old it is, and farming buys nothing."""
    _, report = smoke
    by = {entry["policy"]: entry["identities_needed"] for entry in report["policies"]}
    assert all(needed == [3] * 6 for needed in by[moderation.BASELINE].values())
    defaults = by["defaults"]
    for name in ("accounts returning", "accounts returning, spaced", "new identities on the restored photo",
                 "new accounts on the restored photo", "new identities on a copy", "farmed accounts"):
        assert defaults[name] == [3] + [None] * 5, name
    assert defaults["fresh accounts"][0] == 6 and by["defaults-no-account-age"]["fresh accounts"][0] == 3
    assert defaults["addresses with a review reason"] == [None] * 6


@pytest.mark.timeout(150)
def test_the_goals_compare_every_other_policy_with_the_plain_count_and_the_table_is_written(smoke):
    out, report = smoke
    others = [policy.name for policy in moderation.POLICIES if policy.name != moderation.BASELINE]
    assert list(report["goals"]) == others
    for compared in report["goals"].values():
        assert set(compared) == set(GOALS)
        assert len(compared["returning_same_accounts_vs_plain"]) == len(moderation.ATTEMPTS) - 1
        assert all(is_number(x) for x in compared["returning_same_accounts_vs_plain"])
    assert report["goals"]["defaults"]["restored_never_hidden_again"] is True
    assert math.isinf(report["goals"]["defaults"]["returning_same_accounts_vs_plain"][0])
    table = (out / "moderation.md").read_text()
    assert all(f"| {policy.name} |" in table for policy in moderation.POLICIES)
    assert all(f"| {adversary.name} |" in table for adversary in moderation.ADVERSARIES)


@pytest.mark.timeout(60)
def test_the_same_seed_gives_the_same_report(redis_client):
    small = moderation.SMOKE
    runs = [moderation.simulate(redis_client, small, moderation.POLICIES[:2]) for _ in range(2)]
    assert runs[0] == runs[1]
