"""`python -m bench.moderation`: what each trust policy buys, measured on a simulated news site (issue 16).

A day (or several: the first ones only teach editors' verdicts to the site accounts' records) of
articles with photos, page views, honest readers who report truly bad photos at a low rate and fine
photos by mistake at a lower one, editors who review a share of the hides with some delay, and
brigades that target fine photos. Everything that decides an image's fate runs in the service's own
Lua scripts on a private redis-server this module starts (never 127.0.0.1:6379), through
`service.store.Store`: `report`, then `hide_if_current` for each crossing at once (what the RQ
worker does, in-process), `confirm` and `reset` for the editors. Nothing about the scripts is
modelled here.

Time. The scripts read Redis TIME, which cannot be faked, so the simulation is a list of events
ordered by a simulated clock (minutes since the first article) and every duration reported is in
simulated minutes: a photo is hidden at the simulated minute of the report that crossed (the worker
hides it right after) or of the editor's confirm. Redis's own timestamps only fill the audit. The
one rule that reads the clock, the brake's "automatic hides in the last hour", is kept in simulated
time: before each hide the automatic hides older than sixty simulated minutes are removed from the
store's set of recent hides (`service.store.RECENT_AUTO_HIDES`, members exactly as hide.lua wrote
them); the whole run takes seconds, so Redis never trims that set itself.

Deterministic given --seed: the day's reports are drawn once and replayed for every policy, and each
editor's decision to review a hide, and when, is drawn from (seed, photo, hide number).
"""
from __future__ import annotations

import argparse
import heapq
import json
import math
import random
import sys
import tempfile
from collections import deque
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from service import identity
from service.store import RECENT_AUTO_HIDES, Store, TrustRules

SECRET = "moderation-simulation-secret-key-0123456789"  # reporter hashes only; any fixed value
THRESHOLD = 3
DAY = 1440  # minutes
REVIEW_REASONS = ("copyright", "misleading")  # the contract's default IMGMOD_REVIEW_REASONS
BRIGADE_REASON = "other"  # a brigade wants a hide, not an editor: never a review reason
OVERTURNS = range(6)  # a brigade's attempts: first, after one overturn, ... after five


@dataclass(frozen=True)
class Scenario:
    seed: int = 16
    days: int = 3  # the last one is measured; earlier ones build the site accounts' records
    articles_per_day: int = 1500
    photos_per_article: int = 4
    bad_share: float = 0.03  # photos that truly break the rules
    views_median: int = 1500  # an article's page views: log-normal, this median ...
    views_sigma: float = 1.2  # ... and this spread (mean about 3,100; a few reach 50,000)
    views_mean_age_min: float = 240  # views decay exponentially after publication
    p_report_bad: float = 0.01  # a view of a truly bad photo that reports it
    p_report_fine: float = 0.0001  # a view of a fine photo that reports it by mistake
    reason_agreement: float = 0.8  # honest reporters of a bad photo who give its true reason (else any)
    site_share: float = 0.4  # reports from logged-in site accounts; the rest anonymous addresses
    accounts: int = 50_000  # site accounts that ever report; activity is Zipf-like: the busiest
    zipf_s: float = 0.6  # one reports about 20 photos a day, most a few a year
    editor_share: float = 0.5  # automatic hides an editor looks at (everything in review is looked at)
    editor_delay_mean_min: float = 120  # exponential, at least editor_delay_min_min
    editor_delay_min_min: float = 5
    brake: int = 20  # automatic hides per hour, for the brake policy
    brigade_max: int = 40  # largest brigade tried in the search
    brigade_networks: tuple[int, ...] = (2, 16)  # anonymous brigades' addresses come from m networks
    group_window_min: float = 10  # grouping policy: co-reports this close ...
    group_after: int = 2  # ... on this many images make two site accounts one reporter
    flood_photos: int = 50  # a brigade of 3 fresh accounts floods this many fine photos in an hour


SMOKE = Scenario(days=2, articles_per_day=60, views_median=1500, brigade_max=8, brake=3, flood_photos=5)

BAD_REASONS = {"violence": 30, "nudity": 20, "hate": 15, "copyright": 15, "misleading": 10, "spam": 5, "other": 5}
MISTAKEN_REASONS = {"other": 40, "misleading": 20, "copyright": 10, "spam": 10, "violence": 10, "nudity": 5, "hate": 5}


@dataclass(frozen=True)
class Policy:
    name: str
    description: str
    history: bool = False  # site accounts' records, resets with verdict 'disagree'
    review_reasons: tuple[str, ...] = ()
    brake: bool = False
    slash24: bool = False  # (optional) anonymous IPv4 readers counted by /24
    grouping: bool = False  # (optional) site accounts that keep co-reporting count as one


POLICIES = (
    Policy("v1", "version 1: every weight 1, no records (resets 'ignore'), no review reasons, no brake"),
    Policy("v2-history", "weights from verdict history (resets 'disagree')", history=True),
    Policy("v2-history-grouping", "weights from verdict history, and co-reporting site accounts grouped "
           "(optional; not in the service)", history=True, grouping=True),
    Policy("v2-review", "+ review reasons copyright, misleading", history=True, review_reasons=REVIEW_REASONS),
    Policy("v2-brake", "+ the brake", history=True, review_reasons=REVIEW_REASONS, brake=True),
    Policy("v2-slash24", "+ anonymous IPv4 counted by /24 (optional; not in the service)", history=True,
           review_reasons=REVIEW_REASONS, brake=True, slash24=True),
    Policy("v2-grouping", "+ co-reporting site accounts grouped (optional; not in the service)", history=True,
           review_reasons=REVIEW_REASONS, brake=True, slash24=True, grouping=True),
)


@dataclass
class Photo:
    id: str
    bad: bool
    published: float
    day: int
    kind: str = ""  # a bad photo's true reason (most of its honest reporters give it)

    @property
    def review_kind(self) -> bool:
        return self.kind in REVIEW_REASONS


@dataclass(order=True)
class Report:
    t: float
    seq: int
    photo: str = field(compare=False)
    who: str = field(compare=False)  # "fe:site:<n>" or "ip:<address>"
    reason: str = field(compare=False)


# --- the day, drawn once --------------------------------------------------------------------

def poisson(rng: random.Random, lam: float) -> int:
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def draw_day(s: Scenario) -> tuple[dict[str, Photo], list[Report]]:
    rng = random.Random(s.seed)
    account_weights = [1 / (n + 1) ** s.zipf_s for n in range(s.accounts)]
    cumulative = list(_accumulate(account_weights))
    photos: dict[str, Photo] = {}
    reports: list[Report] = []
    for day in range(s.days):
        for a in range(s.articles_per_day):
            published = day * DAY + rng.random() * DAY
            views = s.views_median * math.exp(rng.gauss(0, s.views_sigma))
            for p in range(s.photos_per_article):
                photo = Photo(f"d{day}-a{a}-p{p}.jpg", rng.random() < s.bad_share, published, day)
                if photo.bad:
                    photo.kind = pick(rng, BAD_REASONS)
                photos[photo.id] = photo
                rate, reasons = (s.p_report_bad, BAD_REASONS) if photo.bad else (s.p_report_fine, MISTAKEN_REASONS)
                for _ in range(poisson(rng, views * rate)):
                    t = published + rng.expovariate(1 / s.views_mean_age_min)
                    if rng.random() < s.site_share:
                        who = f"fe:site:{rng.choices(range(s.accounts), cum_weights=cumulative)[0]}"
                    else:
                        who = "ip:" + ".".join(str(rng.randrange(1, 255)) for _ in range(4))
                    agree = photo.bad and rng.random() < s.reason_agreement
                    reports.append(Report(t, len(reports), photo.id, who, photo.kind if agree else pick(rng, reasons)))
    reports.sort()
    return photos, reports


def _accumulate(values):
    total = 0.0
    for value in values:
        total += value
        yield total


# --- one policy over the day ------------------------------------------------------------------

def reporter_identity(policy: Policy, who: str, groups: "Grouping | None", photo: str, t: float) -> str:
    if who.startswith("ip:") and policy.slash24:
        return "ip:" + ".".join(who[3:].split(".")[:3]) + ".0/24"
    if who.startswith("fe:") and groups is not None:
        return groups.identity(who, photo, t)
    return who


class Grouping:
    """(Optional policy, decided before the service sees the report.) Two site accounts that reported
    the same `after` images, each time within `window` minutes of each other, become one reporter
    (the group's first account): a group counts once per image. Their records stay their own."""

    def __init__(self, window: float, after: int):
        self.window, self.after = window, after
        self.seen: dict[str, list[tuple[str, float]]] = {}  # photo -> [(account, t)]
        self.pairs: dict[tuple[str, str], int] = {}
        self.parent: dict[str, str] = {}

    def root(self, account: str) -> str:
        while self.parent.get(account, account) != account:
            account = self.parent[account]
        return account

    def identity(self, account: str, photo: str, t: float) -> str:
        for other, at in self.seen.setdefault(photo, []):
            if other != account and t - at <= self.window:
                pair = (min(other, account), max(other, account))
                self.pairs[pair] = self.pairs.get(pair, 0) + 1
                if self.pairs[pair] >= self.after:
                    a, b = self.root(other), self.root(account)
                    if a != b:
                        self.parent[max(a, b)] = min(a, b)
        self.seen[photo].append((account, t))
        return self.root(account)


class Day:
    """Replays the drawn reports under one policy against the real scripts."""

    def __init__(self, s: Scenario, policy: Policy, store: Store, photos: dict[str, Photo]):
        self.s, self.policy, self.store, self.photos = s, policy, store, photos
        self.events: list = []
        self.seq = 0
        self.recent: deque[tuple[float, str]] = deque()  # automatic hides: (simulated minute, member)
        self.hidden_since: dict[str, float] = {}
        self.first_hidden: dict[str, float] = {}
        self.hide_intervals: dict[str, list[tuple[float, float | None]]] = {}
        self.hides: dict[str, int] = {}  # photo -> automatic hides so far (editor draws)
        self.waiting: set[str] = set()  # photos an editor will look at
        self.editor_items: list[tuple[float, str]] = []  # (minute it was put before editors, kind)
        self.auto_hides: list[float] = []  # simulated minutes of automatic hides
        self.braked: list[float] = []  # simulated minutes of crossings the brake sent to review
        self.groups = Grouping(s.group_window_min, s.group_after) if policy.grouping else None

    def push(self, t: float, kind: str, *payload) -> None:
        self.seq += 1
        heapq.heappush(self.events, (t, self.seq, kind, payload))

    def run(self, reports: list[Report]) -> None:
        for r in reports:
            self.push(r.t, "report", r.photo, r.who, r.reason)
        while self.events:
            t, _, kind, payload = heapq.heappop(self.events)
            getattr(self, kind)(t, *payload)

    def report(self, t: float, photo: str, who: str, reason: str) -> None:
        reporter = reporter_identity(self.policy, who, self.groups, photo, t)
        site = who.startswith("fe:")
        outcome = self.store.report(
            photo, identity.reporter_hash(SECRET, reporter, photo), reason, None,
            record=identity.record_key(SECRET, who) if site and self.policy.history else None)
        if outcome.crossed:
            self.hide(t, photo, outcome.generation)
        if outcome.event:
            self.to_editors(t, photo, "review")

    def hide(self, t: float, photo: str, generation: int) -> None:
        """The worker's half of a crossing, at once, with the brake's hour in simulated minutes."""
        stale = []
        while self.recent and self.recent[0][0] <= t - 60:
            stale.append(self.recent.popleft()[1])
        if stale:
            self.store.redis.zrem(RECENT_AUTO_HIDES, *stale)
        event = self.store.hide_if_current(photo, generation)
        if event is None:
            return
        if event.startswith("hidden:"):
            self.recent.append((t, f"{generation}|{photo}"))
            self.auto_hides.append(t)
            self.hidden(t, photo)
            self.hides[photo] = self.hides.get(photo, 0) + 1
            draw = random.Random(f"{self.s.seed}:{photo}:{self.hides[photo]}")
            if draw.random() < self.s.editor_share:
                self.to_editors(t, photo, "hide", draw)
        else:  # the brake held: review
            self.braked.append(t)
            self.to_editors(t, photo, "review")

    def to_editors(self, t: float, photo: str, kind: str, draw: random.Random | None = None) -> None:
        if photo in self.waiting:
            return
        self.waiting.add(photo)
        draw = draw or random.Random(f"{self.s.seed}:{photo}:review:{t}")
        delay = max(self.s.editor_delay_min_min, draw.expovariate(1 / self.s.editor_delay_mean_min))
        self.editor_items.append((t, kind))
        self.push(t + delay, "editor", photo)

    def editor(self, t: float, photo: str) -> None:
        self.waiting.discard(photo)
        if self.photos[photo].bad:
            if self.store.confirm(photo, "editor") is not None:
                self.hidden(t, photo)
        else:
            outcome = self.store.reset(photo, "editor", verdict="disagree" if self.policy.history else "ignore")
            if outcome.was_hidden:
                start = self.hidden_since.pop(photo)
                self.hide_intervals[photo][-1] = (start, t)

    def hidden(self, t: float, photo: str) -> None:
        self.hidden_since[photo] = t
        self.first_hidden.setdefault(photo, t)
        self.hide_intervals.setdefault(photo, []).append((t, None))

    def metrics(self) -> dict:
        s = self.s
        measured = s.days - 1
        start, end = measured * DAY, (measured + 1) * DAY
        horizon = end + DAY  # a fine photo never restored counts as hidden until a day after the measured one
        bad = [p for p in self.photos.values() if p.bad and p.day == measured]
        fine = [p for p in self.photos.values() if not p.bad and p.day == measured]
        to_hide = [self.first_hidden[p.id] - p.published for p in bad if p.id in self.first_hidden]
        auto = [p for p in bad if not p.review_kind]
        auto_to_hide = [self.first_hidden[p.id] - p.published for p in auto if p.id in self.first_hidden]
        hidden_fine = [p for p in fine if p.id in self.hide_intervals]
        stays = [(until if until is not None else horizon) - since
                 for p in hidden_fine for since, until in self.hide_intervals[p.id]]
        never_restored = sum(1 for p in hidden_fine if self.hide_intervals[p.id][-1][1] is None)
        items = [kind for t, kind in self.editor_items if start <= t < end]
        self.bad_times = {p.id: self.first_hidden[p.id] - p.published for p in bad if p.id in self.first_hidden}
        return {
            "bad_photos": len(bad),
            "bad_hidden_share": _ratio(len(to_hide), len(bad)),
            "bad_time_to_hide_median_min": percentile(to_hide, 0.5),
            "bad_time_to_hide_p90_min": percentile(to_hide, 0.9),
            "bad_auto_photos": len(auto),  # bad for a reason that is never a review reason
            "bad_auto_hidden_share": _ratio(len(auto_to_hide), len(auto)),
            "bad_auto_time_to_hide_median_min": percentile(auto_to_hide, 0.5),
            "bad_auto_time_to_hide_p90_min": percentile(auto_to_hide, 0.9),
            "fine_photos": len(fine),
            "fine_hidden_share": _ratio(len(hidden_fine), len(fine)),
            "fine_hidden_median_min": percentile(stays, 0.5),
            "fine_hidden_p90_min": percentile(stays, 0.9),
            "fine_hides_never_restored": never_restored,
            "auto_hides_per_day": sum(1 for t in self.auto_hides if start <= t < end),
            "auto_hides_peak_hour": peak_hour([t for t in self.auto_hides if start <= t < end]),
            "braked_per_day": sum(1 for t in self.braked if start <= t < end),
            "editor_items_per_day": len(items),
            "editor_hides_reviewed_per_day": items.count("hide"),
            "editor_review_queue_per_day": items.count("review"),
        }


def peak_hour(times: list[float]) -> int:
    """The most automatic hides within any sixty minutes: what the brake must stay above."""
    ordered, best, low = sorted(times), 0, 0
    for high, t in enumerate(ordered):
        while ordered[low] <= t - 60:
            low += 1
        best = max(best, high - low + 1)
    return best


def flood(store: Store, policy: Policy, s: Scenario) -> int:
    """Three fresh site accounts report `flood_photos` fine photos within the hour (a fresh store):
    how many are hidden. Only the brake stops this; editors then see the rest in review."""
    store.redis.flushdb()
    members = [f"fe:site:flood-{n}" for n in range(THRESHOLD)]
    hidden = 0
    for i in range(s.flood_photos):
        photo = f"flood-{i}.jpg"
        for who in members:
            outcome = store.report(photo, identity.reporter_hash(SECRET, who, photo), BRIGADE_REASON, None,
                                   record=identity.record_key(SECRET, who) if policy.history else None)
            if outcome.crossed and (store.hide_if_current(photo, outcome.generation) or "").startswith("hidden:"):
                hidden += 1
    return hidden


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# --- brigades ---------------------------------------------------------------------------------

def brigade_attempts(store: Store, policy: Policy, s: Scenario, k: int, kind: str, networks: int = 0) -> int:
    """How many attempts in a row a brigade of k identities hides a fine photo (each hide then
    overturned by an editor), on a fresh store: 0 = not even the first."""
    groups = Grouping(s.group_window_min, s.group_after) if policy.grouping else None
    if kind == "site":
        members = [f"fe:site:brigade-{n}" for n in range(k)]
    else:  # k addresses spread over `networks` /24s
        members = [f"ip:198.{18 + n % networks // 256}.{n % networks % 256}.{n // networks + 1}" for n in range(k)]
    for attempt in range(len(OVERTURNS)):
        photo = f"target-{attempt}.jpg"
        t = attempt * 600.0  # returns hours later; the members report within a minute of each other
        hidden = False
        for n, who in enumerate(members):
            reporter = reporter_identity(policy, who, groups, photo, t + n / max(1, k))
            outcome = store.report(photo, identity.reporter_hash(SECRET, reporter, photo), BRIGADE_REASON, None,
                                   record=identity.record_key(SECRET, who)
                                   if who.startswith("fe:") and policy.history else None)
            if outcome.crossed and (store.hide_if_current(photo, outcome.generation) or "").startswith("hidden:"):
                hidden = True
        if not hidden:
            return attempt
        store.reset(photo, "editor", verdict="disagree" if policy.history else "ignore")  # overturned
    return len(OVERTURNS)


def brigade_search(store: Store, policy: Policy, s: Scenario, kind: str, networks: int = 0) -> list[int | None]:
    """Per attempt (first, after one overturn, after two): the smallest k that hides, None if none
    up to brigade_max does."""
    needed: list[int | None] = [None] * len(OVERTURNS)
    for k in range(1, s.brigade_max + 1):
        store.redis.flushdb()
        reached = brigade_attempts(store, policy, s, k, kind, networks)
        for attempt in range(reached):
            if needed[attempt] is None:
                needed[attempt] = k
        if reached == len(OVERTURNS):
            break
    return needed


# --- the run ----------------------------------------------------------------------------------

def store_for(client, policy: Policy, s: Scenario) -> Store:
    trust = TrustRules(review_reasons=frozenset(policy.review_reasons), brake=s.brake if policy.brake else 0)
    return Store(client, THRESHOLD, trust=trust)


def simulate(client, s: Scenario, policies=POLICIES) -> dict:
    photos, reports = draw_day(s)
    results, bad_times = [], {}
    for policy in policies:
        store = store_for(client, policy, s)
        client.flushdb()
        day = Day(s, policy, store, photos)
        day.run(reports)
        brigades = {"site": brigade_search(store, policy, s, "site")}
        for m in s.brigade_networks:
            brigades[f"anonymous_{m}_networks"] = brigade_search(store, policy, s, "anonymous", m)
        flooded = flood(store, policy, s)
        client.flushdb()
        metrics = day.metrics()
        bad_times[policy.name] = day.bad_times
        results.append({"policy": policy.name, "description": policy.description, **metrics,
                        "brigade_identities": brigades, "flood_hidden": flooded})
    measured_reports = sum(1 for r in reports if photos[r.photo].day == s.days - 1)
    return {"scenario": {**asdict(s), "threshold": THRESHOLD, "reports_measured_day": measured_reports,
                         "photos_per_day": s.articles_per_day * s.photos_per_article},
            "policies": results, "goal": goal(results, bad_times, photos)}


def goal(results: list[dict], bad_times: dict[str, dict[str, float]], photos: dict[str, Photo]) -> dict:
    """The issue's goal, each v2 policy against v1: a returning brigade of site accounts needs >= 3x
    the identities; truly bad photos hidden <= 20 % later, compared on the bad photos hidden under
    both (median and p90 of their times; all of them, and those bad for a reason that is never a
    review reason), and how many bad photos v1 hid that the policy did not."""
    by = {r["policy"]: r for r in results}
    v1 = by.get("v1")
    if not v1:
        return {}

    def ratio(a, b):
        return None if a is None or b is None or b == 0 else a / b

    def slower(name, ids, q):
        return ratio(percentile([bad_times[name][p] for p in ids], q), percentile([bad_times["v1"][p] for p in ids], q))
    compared = {}
    for name, r in by.items():
        if name == "v1":
            continue
        both = [p for p in bad_times[name] if p in bad_times["v1"]]
        auto = [p for p in both if not photos[p].review_kind]
        compared[name] = {
            "brigade_ratio_by_overturns": [ratio(x, y) for x, y in
                                           zip(r["brigade_identities"]["site"], v1["brigade_identities"]["site"])],
            "bad_hidden_by_both": len(both),
            "bad_median_ratio": slower(name, both, 0.5),
            "bad_p90_ratio": slower(name, both, 0.9),
            "bad_auto_median_ratio": slower(name, auto, 0.5),
            "bad_auto_p90_ratio": slower(name, auto, 0.9),
            "bad_hidden_by_v1_only": sum(1 for p in bad_times["v1"] if p not in bad_times[name]),
        }
    return compared


def _fmt(value, digits=0) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown(report: dict) -> str:
    s = report["scenario"]
    nets = s["brigade_networks"]
    head = ["policy", "bad: hidden", "bad: median / p90 min to hide", "fine: hidden", "fine: hidden min median / p90",
            "fine hides never restored", "site brigade k: 1st / 2nd / 3rd attempt",
            *[f"anonymous brigade, {m} networks, k" for m in nets], f"flood of {s['flood_photos']}: hidden",
            "automatic hides / day (peak hour; braked)", "editor items / day (hides + review)"]
    rows = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in report["policies"]:
        b = r["brigade_identities"]
        rows.append("| " + " | ".join([
            r["policy"],
            f"{_fmt(100 * r['bad_hidden_share'] if r['bad_hidden_share'] is not None else None, 1)} %",
            f"{_fmt(r['bad_time_to_hide_median_min'])} / {_fmt(r['bad_time_to_hide_p90_min'])}",
            f"{_fmt(100 * r['fine_hidden_share'] if r['fine_hidden_share'] is not None else None, 2)} %",
            f"{_fmt(r['fine_hidden_median_min'])} / {_fmt(r['fine_hidden_p90_min'])}",
            _fmt(r["fine_hides_never_restored"]),
            " / ".join(_fmt(k) for k in b["site"][:3]),
            *[" / ".join(_fmt(k) for k in b[f"anonymous_{m}_networks"][:3]) for m in nets],
            _fmt(r["flood_hidden"]),
            f"{r['auto_hides_per_day']} ({r['auto_hides_peak_hour']}; {r['braked_per_day']})",
            f"{r['editor_items_per_day']} ({r['editor_hides_reviewed_per_day']} + {r['editor_review_queue_per_day']})",
        ]) + " |")
    if not report["goal"]:  # v1 was not run
        return "\n".join(rows) + "\n"
    rows += ["", "Against v1 (goal: a returning brigade of site accounts needs ≥ 3× the identities; bad photos "
             "hidden ≤ 1.2× later, on the bad photos both hid):", "",
             "| policy | site brigade identities vs v1, after 0 / 1 / 2 / 3 / 4 / 5 overturns "
             "| bad time to hide vs v1, median / p90: all bad photos | bad for automatic reasons only "
             "| bad photos v1 hid and it did not |",
             "| --- | --- | --- | --- | --- |"]
    for name, g in report["goal"].items():
        rows.append(f"| {name} | " + " / ".join(f"{_fmt(x, 2)}×" if x is not None else "never"
                                                for x in g["brigade_ratio_by_overturns"])
                    + f" | {_fmt(g['bad_median_ratio'], 2)}× / {_fmt(g['bad_p90_ratio'], 2)}×"
                    + f" | {_fmt(g['bad_auto_median_ratio'], 2)}× / {_fmt(g['bad_auto_p90_ratio'], 2)}×"
                    + f" | {g['bad_hidden_by_v1_only']} |")
    return "\n".join(rows) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.moderation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a tiny scenario, in seconds; numbers mean nothing")
    parser.add_argument("--seed", type=int, default=None, help="the random seed (default 16)")
    parser.add_argument("--days", type=int, default=None, help="simulated days; the last one is measured")
    parser.add_argument("--policies", default=None, help="comma-separated policy names (default: all)")
    parser.add_argument("--out", type=Path, default=Path(".bench/moderation"),
                        help="directory for moderation.json and moderation.md")
    args = parser.parse_args(argv)
    s = SMOKE if args.smoke else Scenario()
    if args.seed is not None:
        s = replace(s, seed=args.seed)
    if args.days is not None:
        s = replace(s, days=max(1, args.days))
    policies = POLICIES
    if args.policies:
        wanted = args.policies.split(",")
        policies = tuple(p for p in POLICIES if p.name in wanted)
        if len(policies) != len(wanted):
            parser.error(f"--policies: among {', '.join(p.name for p in POLICIES)}")

    from bench.services import Processes, RedisServer
    with tempfile.TemporaryDirectory(prefix="imgmod-moderation-") as work, Processes(Path(work) / "logs") as processes:
        server = RedisServer(processes, "redis-moderation", Path(work) / "redis")
        client = server.client()
        try:
            report = simulate(client, s, policies)
        finally:
            client.close()
    report["scenario"]["redis_version"] = server.version
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "moderation.json").write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    (args.out / "moderation.md").write_text(table)
    sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
