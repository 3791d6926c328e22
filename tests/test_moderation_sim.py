"""The moderation simulation (issue 16) works end to end: its smoke mode writes a complete report, the
same one for the same seed. Its numbers are not judged here."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import moderation

ROOT = Path(__file__).resolve().parent.parent

COUNTS = ("bad_photos", "bad_auto_photos", "fine_photos", "fine_hides_never_restored", "auto_hides_per_day", "auto_hides_peak_hour",
          "braked_per_day", "editor_items_per_day", "editor_hides_reviewed_per_day", "editor_review_queue_per_day",
          "flood_hidden")
# None only when nothing was there to measure (no bad photo hidden, no fine photo hidden).
MEASURES = ("bad_hidden_share", "bad_auto_hidden_share", "bad_auto_time_to_hide_median_min",
            "bad_auto_time_to_hide_p90_min", "bad_time_to_hide_median_min", "bad_time_to_hide_p90_min", "fine_hidden_share",
            "fine_hidden_median_min", "fine_hidden_p90_min")
GOAL = ("brigade_ratio_by_overturns", "bad_hidden_by_both", "bad_median_ratio", "bad_p90_ratio",
        "bad_hidden_by_v1_only", "bad_auto_median_ratio", "bad_auto_p90_ratio")


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
        for name in MEASURES:
            assert entry[name] is None or is_number(entry[name]), (entry["policy"], name)
        assert 0 <= entry["bad_hidden_share"] <= 1 and 0 <= entry["fine_hidden_share"] <= 1
        if entry["bad_time_to_hide_median_min"] is not None:
            assert 0 <= entry["bad_time_to_hide_median_min"] <= entry["bad_time_to_hide_p90_min"]


@pytest.mark.timeout(150)
def test_brigades_are_searched_for_every_attempt_and_kind(smoke):
    _, report = smoke
    kinds = {"site"} | {f"anonymous_{m}_networks" for m in report["scenario"]["brigade_networks"]}
    for entry in report["policies"]:
        assert set(entry["brigade_identities"]) == kinds
        for needed in entry["brigade_identities"].values():
            assert len(needed) == len(moderation.OVERTURNS)
            # an identity count within the search, or None: no brigade up to brigade_max hid one
            assert all(k is None or 1 <= k <= report["scenario"]["brigade_max"] for k in needed)


@pytest.mark.timeout(150)
def test_the_goal_compares_every_v2_policy_with_version_one_and_the_table_is_written(smoke):
    out, report = smoke
    v2 = [policy.name for policy in moderation.POLICIES if policy.name != "v1"]
    assert list(report["goal"]) == v2
    for compared in report["goal"].values():
        assert set(compared) == set(GOAL)
        assert len(compared["brigade_ratio_by_overturns"]) == len(moderation.OVERTURNS)
        assert all(x is None or is_number(x) for x in compared["brigade_ratio_by_overturns"])
    table = (out / "moderation.md").read_text()
    assert all(f"| {policy.name} |" in table for policy in moderation.POLICIES)


@pytest.mark.timeout(60)
def test_the_same_seed_gives_the_same_report(redis_client):
    runs = [moderation.simulate(redis_client, moderation.SMOKE) for _ in range(2)]
    assert runs[0] == runs[1]
