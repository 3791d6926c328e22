"""`python -m bench.moderation`: what each trust policy buys on a simulated news site, and what it costs.

Weeks of a mid-size news site (articles with photos, page views, honest readers who report truly bad
photos at a low rate and fine photos by mistake at a lower one, editors who work 08:00-24:00, take a
while and are sometimes wrong), then the adversaries, each on a fresh store: brigades of addresses
or site accounts, spaced or not, coming back with the same accounts or new identities to a photo
editors restored or to a copy of it, farming accounts, fresh accounts with and without the site's
`account_created_at`, brigades choosing their reason. Everything that decides an image's fate runs in
the service's own Lua scripts on a private redis-server this module starts (never 127.0.0.1:6379),
through `service.core.store.Store`: `report`, then `hide_if_current` for each crossing at once (what the
RQ worker does, in-process), `confirm` and `reset` for the editors; a copy's match decision runs
`workers.matching` as the match job does. Nothing about the scripts is modelled here. The weight of
a young site account is the API's own (`service.web.api.reports.site_account_weight`).

Time. The scripts read Redis TIME, which cannot be faked, so the simulation is a list of events
ordered by a simulated clock (minutes since the first article) and every duration reported is in
simulated minutes: a photo is hidden at the simulated minute of the report that crossed (the worker
hides it right after) or of the editor's confirm. No rule the scripts apply within a run depends on
the clock (the brake is off by default and in every policy here; the restore guard's 30 days and a
record's lifetime outlast the run), so replaying faster than real time changes no decision.

Same seed, same report: the weeks' reports are drawn once and replayed for every policy, and each
editor's decision to look at a hide, when, and whether the verdict is wrong, is drawn from (seed,
photo, item number), so policies differ only by what the scripts decide.
"""
from __future__ import annotations

import argparse
import heapq
import json
import math
import random
import sys
import tempfile
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import redis as redis_py

from service.core import identity
from service.web.api.reports import site_account_weight
from service.core.store import Store, TrustRules

SECRET = "moderation-simulation-secret-key-0123456789"  # reporter hashes only; any fixed value
THRESHOLD = 3
BASELINE = "plain-count"  # what every other policy is measured against
DAY = 1440  # minutes
REVIEW_REASONS = ("copyright", "misleading")  # IMGMOD_REVIEW_REASONS's default
MATCH_DISTANCE = 31  # IMGMOD_MATCH_DISTANCE's default
ATTEMPTS = range(6)  # an adversary's attempts: the first, then after one overturn, ... after five
HIDING_REASONS = ("other", "violence", "nudity", "hate", "spam")  # what a brigade picks from: what hides


@dataclass(frozen=True)
class Scenario:
    """The defaults are a mid-size news site (2 M page views a day); MODERATION.md gives each one's source."""
    seed: int = 16
    days: int = 35  # simulated days; the first `warmup_days` only build the site accounts' records
    warmup_days: int = 7
    articles_per_day: int = 300
    photos_per_article: int = 2
    bad_share: float = 0.008  # photos that truly break the rules
    views_median: int = 1950  # an article's views: log-normal, this median and spread (mean about 4,000:
    views_sigma: float = 1.2  # 300 articles make 1.2 M article views a day)
    views_mean_age_min: float = 240  # views decay exponentially after publication
    publish_from_h: float = 6  # articles are published between these hours, uniformly
    publish_until_h: float = 23
    p_report_bad: float = 0.005  # a view of a truly bad photo that reports it
    p_report_fine: float = 0.00008  # a view of a fine photo that reports it by mistake
    reason_agreement: float = 0.8  # honest reporters of a bad photo who give its true reason (else any)
    site_share: float = 0.2  # reports from signed-in site accounts; the rest anonymous addresses
    young_share: float = 0.05  # honest site reports from accounts younger than IMGMOD_NEW_ACCOUNT_DAYS
    accounts: int = 50_000  # established site accounts that ever report; Zipf-like activity
    zipf_s: float = 0.6
    editor_share: float = 0.5  # automatic hides an editor looks at (everything in review is looked at)
    editor_from_h: float = 8  # editors work from 08:00 ...
    editor_until_h: float = 24  # ... to midnight
    editor_delay_mean_min: float = 90  # working minutes before an item is decided: exponential, at least 5
    editor_delay_min_min: float = 5
    editor_wrong: float = 0.05  # verdicts that are wrong: a bad photo restored, a fine one confirmed
    brigade_max: int = 30  # largest brigade tried in the searches
    brigade_gap_min: float = 15  # a spaced brigade's members report this far apart
    farm_photos: int = 5  # photos already hidden that each farming account reports before its brigade
    fresh_account_age_days: float = 1  # how old a fresh brigade account is when it reports


SMOKE = Scenario(days=3, warmup_days=1, articles_per_day=80, bad_share=0.05, brigade_max=8, farm_photos=2)

BAD_REASONS = {"violence": 30, "nudity": 20, "hate": 15, "copyright": 15, "misleading": 10, "spam": 5, "other": 5}
MISTAKEN_REASONS = {"other": 40, "misleading": 20, "copyright": 10, "spam": 10, "violence": 10, "nudity": 5, "hate": 5}


@dataclass(frozen=True)
class Policy:
    name: str
    description: str
    trust: bool = True  # site accounts' records, resets 'disagree', restore guard, matching, known-fine photos
    review_reasons: tuple[str, ...] = REVIEW_REASONS
    created_at: bool = True  # the site sends account_created_at with each site account's report
    threshold: int = THRESHOLD  # IMGMOD_THRESHOLD
    anonymous_weight: float = 1.0  # IMGMOD_ANONYMOUS_WEIGHT


POLICIES = (
    Policy(BASELINE, "the plain count: every report weighs 1, nothing remembered (resets 'ignore'), no review "
           "reasons, no restore guard, no matching", trust=False, review_reasons=(), created_at=False),
    Policy("defaults", "the service's defaults, the site sending account_created_at"),
    Policy("defaults-no-account-age", "the service's defaults, the site not sending account_created_at", created_at=False),
    Policy("no-review-reasons", "the defaults with IMGMOD_REVIEW_REASONS empty (every reason may hide)",
           review_reasons=()),
    # Not defaults: what the last goal (wrong automatic hides) would take.
    Policy("threshold-4", "the defaults with IMGMOD_THRESHOLD=4", threshold=4),
    Policy("anonymous-half", "the defaults with IMGMOD_ANONYMOUS_WEIGHT=0.5", anonymous_weight=0.5),
)


@dataclass
class Photo:
    id: str
    bad: bool
    published: float
    day: int
    kind: str = ""  # a bad photo's true reason (most of its honest reporters give it)


@dataclass(order=True)
class Report:
    t: float
    seq: int
    photo: str = field(compare=False)
    who: str = field(compare=False)  # "fe:site:<n>" (young: "fe:site:new-<n>") or "ip:<address>"
    reason: str = field(compare=False)


# --- the weeks, drawn once --------------------------------------------------------------------

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


def draw(s: Scenario) -> tuple[dict[str, Photo], list[Report]]:
    rng = random.Random(s.seed)
    cumulative, total = [], 0.0
    for n in range(s.accounts):
        total += 1 / (n + 1) ** s.zipf_s
        cumulative.append(total)
    photos: dict[str, Photo] = {}
    reports: list[Report] = []
    for day in range(s.days):
        for a in range(s.articles_per_day):
            published = day * DAY + 60 * (s.publish_from_h + rng.random() * (s.publish_until_h - s.publish_from_h))
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
                        if rng.random() < s.young_share:  # a new reader's first report: an account of its own
                            who = f"fe:site:new-{len(reports)}"
                        else:
                            who = f"fe:site:{rng.choices(range(s.accounts), cum_weights=cumulative)[0]}"
                    else:
                        who = "ip:" + ".".join(str(rng.randrange(1, 255)) for _ in range(4))
                    agree = photo.bad and rng.random() < s.reason_agreement
                    reports.append(Report(t, len(reports), photo.id, who, photo.kind if agree else pick(rng, reasons)))
    reports.sort()
    return photos, reports


# --- how a report reaches the scripts ---------------------------------------------------------

def store_for(client, raw, policy: Policy) -> Store:
    trust = TrustRules(review_reasons=frozenset(policy.review_reasons), brake=0,
                       restore_guard_ms=TrustRules.restore_guard_ms if policy.trust else 0)
    return Store(client, policy.threshold, raw=raw, trust=trust)


def weight(policy: Policy, who: str, age_days: float | None) -> float:
    """The weight the API gives a report: a site account's from its account_created_at when the site
    sends it (service.web.api.reports), an address's IMGMOD_ANONYMOUS_WEIGHT."""
    if not who.startswith("fe:"):
        return policy.anonymous_weight
    if not policy.trust or not policy.created_at or age_days is None:
        return 1.0
    settings = SimpleNamespace(frontend_weight=1.0, new_account_days=7, new_account_factor=0.5)
    return site_account_weight(settings, {"account_created_at": datetime.now(timezone.utc) - timedelta(days=age_days)})


def send(store: Store, policy: Policy, photo: str, who: str, reason: str, age_days: float | None = 3650):
    site = who.startswith("fe:")
    return store.report(photo, identity.reporter_hash(SECRET, who, photo), reason, None,
                        weight=weight(policy, who, age_days),
                        record=identity.record_key(SECRET, who) if site and policy.trust else None)


def verdict(policy: Policy) -> str:
    return "disagree" if policy.trust else "ignore"


# --- one policy over the weeks ----------------------------------------------------------------

class Site:
    """Replays the drawn reports under one policy against the real scripts, with editors."""

    def __init__(self, s: Scenario, policy: Policy, store: Store, photos: dict[str, Photo]):
        self.s, self.policy, self.store, self.photos = s, policy, store, photos
        self.events: list = []
        self.seq = 0
        self.first_hidden: dict[str, float] = {}
        self.auto_hides: list[tuple[float, str]] = []  # (minute, photo): hides by reports
        self.items: dict[str, int] = {}  # photo -> editor items so far (the draws' key)
        self.waiting: set[str] = set()  # photos an editor will look at
        self.editor_items: list[tuple[float, str]] = []  # (minute it was put before editors, kind)
        self.wrong_verdicts = 0

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
        young = who.startswith("fe:site:new-")
        outcome = send(self.store, self.policy, photo, who, reason, age_days=2 if young else 3650)
        if outcome.crossed:
            event = self.store.hide_if_current(photo, outcome.generation)
            if event and event.startswith("hidden"):
                self.auto_hides.append((t, photo))
                self.first_hidden.setdefault(photo, t)
                self.to_editors(t, photo, "hide")
            elif event:  # a guarded crossing: review
                self.to_editors(t, photo, "review")
        if outcome.event:
            self.to_editors(t, photo, "review")

    def draw(self, photo: str) -> random.Random:
        self.items[photo] = self.items.get(photo, 0) + 1
        return random.Random(f"{self.s.seed}:{photo}:{self.items[photo]}")

    def to_editors(self, t: float, photo: str, kind: str) -> None:
        if photo in self.waiting:
            return
        rng = self.draw(photo)
        if kind == "hide" and rng.random() >= self.s.editor_share:
            return  # a hide no editor looks at
        self.waiting.add(photo)
        self.editor_items.append((t, kind))
        delay = max(self.s.editor_delay_min_min, rng.expovariate(1 / self.s.editor_delay_mean_min))
        self.push(self.working(t, delay), "editor", photo, rng.random() < self.s.editor_wrong)

    def working(self, t: float, delay: float) -> float:
        """The minute `delay` working minutes after `t`, editors working from editor_from_h to editor_until_h."""
        opens, closes = self.s.editor_from_h * 60, self.s.editor_until_h * 60
        while True:
            day, minute = divmod(t, DAY)
            if minute < opens:
                t, minute = day * DAY + opens, opens
            elif minute >= closes:
                t, minute = (day + 1) * DAY + opens, opens
            if minute + delay <= closes:
                return t + delay
            delay -= closes - minute
            t = day * DAY + closes

    def editor(self, t: float, photo: str, wrong: bool) -> None:
        self.waiting.discard(photo)
        bad = self.photos[photo].bad
        self.wrong_verdicts += wrong
        if bad != wrong:  # a bad photo, or a fine one an editor got wrong
            if self.store.confirm(photo, "editor") is not None:
                self.first_hidden.setdefault(photo, t)
        else:
            self.store.reset(photo, "editor", verdict=verdict(self.policy))

    def metrics(self) -> dict:
        s = self.s
        start, end = s.warmup_days * DAY, s.days * DAY
        measured_days = s.days - s.warmup_days
        bad = [p for p in self.photos.values() if p.bad and p.day >= s.warmup_days]
        to_hide = {p.id: self.first_hidden[p.id] - p.published for p in bad if p.id in self.first_hidden}
        automatic = [p for p in to_hide if self.photos[p].kind not in REVIEW_REASONS]
        auto = [photo for t, photo in self.auto_hides if start <= t < end]
        wrong = sum(1 for photo in auto if not self.photos[photo].bad)
        items = [kind for t, kind in self.editor_items if start <= t < end]
        self.bad_times = to_hide
        return {
            "bad_photos": len(bad),
            "bad_hidden_share": _ratio(len(to_hide), len(bad)),
            "bad_time_to_hide_median_min": percentile(list(to_hide.values()), 0.5),
            "bad_time_to_hide_p90_min": percentile(list(to_hide.values()), 0.9),
            "bad_auto_time_to_hide_median_min": percentile([to_hide[p] for p in automatic], 0.5),
            "bad_auto_time_to_hide_p90_min": percentile([to_hide[p] for p in automatic], 0.9),
            "auto_hides_per_day": round(len(auto) / measured_days, 2),
            "wrong_auto_hides_per_day": round(wrong / measured_days, 2),
            "auto_hides_wrong_share": _ratio(wrong, len(auto)),
            "fine_photos_hidden_by_reports": len({photo for photo in auto if not self.photos[photo].bad}),
            "editor_items_per_day": round(len(items) / measured_days, 2),
            "editor_hides_looked_at_per_day": round(items.count("hide") / measured_days, 2),
            "editor_reviews_per_day": round(items.count("review") / measured_days, 2),
        }


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


# --- adversaries --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Adversary:
    name: str
    description: str
    kind: str = "site"  # "site" accounts or "anonymous" addresses
    same: bool = True  # the same identities on every attempt (else new ones each time)
    target: str = "new"  # "new": a new fine photo each attempt; "restored": the photo editors restored;
    # "copy": a registered copy of it, republished after the restore
    gap_min: float = 0  # minutes between two members' reports
    age_days: float = 3650  # the accounts' age
    reason: str = ""  # "" = a reason that hides under the policy; else this one
    farm: bool = False  # each account first reports photos already hidden, which editors then confirm


ADVERSARIES = (
    Adversary("addresses", "k addresses, new ones each attempt, each attempt a new photo", kind="anonymous", same=False),
    Adversary("accounts returning", "the same k established site accounts, each attempt a new photo, within a minute"),
    Adversary("accounts returning, spaced", "as above, the members 15 minutes apart", gap_min=15),
    Adversary("fresh accounts", "k site accounts one day old, new ones each attempt", same=False, age_days=1),
    Adversary("farmed accounts", "k established accounts that first reported photos already hidden (editors "
              "confirmed them), each attempt a new photo", farm=True),
    Adversary("new identities on the restored photo", "k new addresses each attempt, on the photo editors "
              "restored", kind="anonymous", same=False, target="restored"),
    Adversary("new accounts on the restored photo", "k new established site accounts each attempt, on the photo "
              "editors restored", same=False, target="restored"),
    Adversary("new identities on a copy", "k new addresses each attempt, on a registered copy of the restored "
              "photo republished under a new id", kind="anonymous", same=False, target="copy"),
    Adversary("addresses with a review reason", "k addresses, new ones each attempt, reason copyright",
              kind="anonymous", same=False, reason="copyright"),
)


class Trial:
    """One adversary of k identities against one policy on a fresh store: how many attempts in a row
    it hides its target (each hide then overturned by an editor)."""

    def __init__(self, client, raw, policy: Policy, s: Scenario, adversary: Adversary, k: int):
        client.flushdb()
        self.store = store_for(client, raw, policy)  # a new store: the workers' indexes start afresh
        self.policy, self.s, self.adversary, self.k = policy, s, adversary, k
        self.reason = adversary.reason or next(r for r in HIDING_REASONS if r not in policy.review_reasons)
        self.rng = random.Random(f"{s.seed}:{adversary.name}:{k}")
        self.source_bits = self.rng.randbytes(32)

    def members(self, attempt: int) -> list[str]:
        generation = 0 if self.adversary.same else attempt
        if self.adversary.kind == "site":
            return [f"fe:site:adv-{generation}-{n}" for n in range(self.k)]
        return [f"ip:198.{18 + generation}.{n // 250}.{n % 250 + 1}" for n in range(self.k)]

    def farm(self) -> None:
        """Each member reports photos honest readers already hid; editors confirm them."""
        for n in range(self.s.farm_photos):
            photo = f"farmed-{n}.jpg"
            for reader in range(1, 100):  # honest readers, until their reports hide it
                outcome = send(self.store, self.policy, photo, f"ip:203.0.113.{reader}", "violence")
                if outcome.crossed:
                    self.store.hide_if_current(photo, outcome.generation)
                    break
            for who in self.members(0):
                send(self.store, self.policy, photo, who, "violence", self.adversary.age_days)
            self.store.confirm(photo, "editor")

    def near_copy(self, attempt: int) -> bytes:
        bits = bytearray(self.source_bits)
        for position in self.rng.sample(range(256), 6):  # a recompressed copy: a few bits apart
            bits[position // 8] ^= 1 << position % 8
        return bytes(bits)

    def match_job(self, image_id: str) -> None:
        """What the match job does around an image (workers.jobs.match_images), in-process."""
        from workers import matching
        self.store.mark_near_fine(matching.fine_marks(self.store, image_id, MATCH_DISTANCE))
        for copy, source, distance in matching.decide(self.store, image_id, MATCH_DISTANCE):
            if self.store.match_hide(copy, source, distance) and copy == image_id:
                break

    def target(self, attempt: int) -> str:
        kind = self.adversary.target
        if kind == "new" or attempt == 0:
            photo = f"target-{attempt}.jpg" if kind == "new" else "target.jpg"
            if kind != "new" and self.policy.trust:
                self.store.save_hash(photo, self.source_bits, 90)  # the site registered it
            return photo
        if kind == "restored":
            return "target.jpg"
        photo = f"target-copy-{attempt}.jpg"  # republished under a new id after the restore
        if self.policy.trust:
            self.store.save_hash(photo, self.near_copy(attempt), 90)
            self.match_job(photo)
        return photo

    def attempts(self) -> int:
        if self.adversary.farm:
            self.farm()
        for attempt in ATTEMPTS:
            photo = self.target(attempt)
            hidden = False
            for who in self.members(attempt):
                outcome = send(self.store, self.policy, photo, who, self.reason, self.adversary.age_days)
                if outcome.crossed and (self.store.hide_if_current(photo, outcome.generation) or "").startswith("hidden"):
                    hidden = True
                    if self.policy.trust and self.adversary.target != "new":
                        self.match_job(photo)
            if not hidden:
                return attempt
            outcome = self.store.reset(photo, "editor", verdict=verdict(self.policy))  # overturned
            if outcome.known_fine:
                self.match_job(photo)
        return len(ATTEMPTS)


def identities_needed(client, raw, policy: Policy, s: Scenario, adversary: Adversary) -> list[int | None]:
    """Per attempt (the first, after one overturn, ...): the smallest k that hides, None if none up to
    brigade_max does. Spacing the members changes no decision of the scripts, so it is replayed as is."""
    needed: list[int | None] = [None] * len(ATTEMPTS)
    for k in range(1, s.brigade_max + 1):
        reached = Trial(client, raw, policy, s, adversary, k).attempts()
        for attempt in range(reached):
            if needed[attempt] is None:
                needed[attempt] = k
        if reached == len(ATTEMPTS):
            break
    return needed


# --- the run ----------------------------------------------------------------------------------

def raw_client(client) -> redis_py.Redis:
    """A client of the same server that does not decode replies (perceptual hashes are bytes)."""
    pool = client.connection_pool
    return redis_py.Redis(connection_pool=redis_py.ConnectionPool(
        connection_class=pool.connection_class, **{**pool.connection_kwargs, "decode_responses": False}))


def simulate(client, s: Scenario, policies=POLICIES) -> dict:
    photos, reports = draw(s)
    raw = raw_client(client)
    results, bad_times = [], {}
    try:
        for policy in policies:
            client.flushdb()
            site = Site(s, policy, store_for(client, raw, policy), photos)
            site.run(reports)
            metrics = site.metrics()
            bad_times[policy.name] = site.bad_times
            adversaries = {a.name: identities_needed(client, raw, policy, s, a) for a in ADVERSARIES}
            client.flushdb()
            results.append({"policy": policy.name, "description": policy.description, **metrics,
                            "wrong_verdicts": site.wrong_verdicts, "identities_needed": adversaries})
    finally:
        raw.close()
    measured = [r for r in reports if photos[r.photo].day >= s.warmup_days]
    days = s.days - s.warmup_days
    return {"scenario": {**asdict(s), "threshold": THRESHOLD, "reports_per_day": round(len(measured) / days, 1),
                         "reports_on_bad_share": _ratio(sum(photos[r.photo].bad for r in measured), len(measured)),
                         "reports_signed_in_share": _ratio(sum(r.who.startswith("fe:") for r in measured), len(measured)),
                         "photos_per_day": s.articles_per_day * s.photos_per_article,
                         "bad_photos_measured": sum(p.bad and p.day >= s.warmup_days for p in photos.values())},
            "policies": results, "goals": goals(results, bad_times, photos)}


def _times(needed: int | None, baseline: int | None) -> float | None:
    """How many times the plain count's identities an adversary needs; inf when no brigade up to the search's end hides."""
    if baseline is None:
        return None
    return math.inf if needed is None else needed / baseline


def goals(results: list[dict], bad_times: dict[str, dict[str, float]], photos: dict[str, Photo]) -> dict:
    """The goals, each policy against the plain count: None where that was not run or nothing compares. Bad
    photos are compared on those both hid; "automatic" ones are bad for a reason that is never a review
    reason by default."""

    def automatic(photo: str) -> bool:
        return photos[photo].kind not in REVIEW_REASONS

    by = {r["policy"]: r for r in results}
    plain = by.get(BASELINE)
    if not plain:
        return {}
    compared = {}
    for name, r in by.items():
        if name == BASELINE:
            continue
        need, base = r["identities_needed"], plain["identities_needed"]
        both = [p for p in bad_times[name] if p in bad_times[BASELINE]]

        def slower(q, only=None):
            ids = [p for p in both if only is None or only(p)]
            mine, theirs = percentile([bad_times[name][p] for p in ids], q), percentile([bad_times[BASELINE][p] for p in ids], q)
            return None if mine is None or not theirs else mine / theirs

        returning = [need[a][attempt] is None for a in ("new identities on the restored photo",
                                                        "new accounts on the restored photo",
                                                        "new identities on a copy") for attempt in ATTEMPTS[1:]]
        same = [_times(x, y) for x, y in zip(need["accounts returning"][1:], base["accounts returning"][1:])]
        fresh = _times(need["fresh accounts"][0], base["fresh accounts"][0])
        wrong, wrong_plain = r["auto_hides_wrong_share"], plain["auto_hides_wrong_share"]
        compared[name] = {
            "restored_never_hidden_again": all(returning),
            "returning_same_accounts_vs_plain": same,
            "returning_same_accounts_met": all(x is not None and x >= 3 for x in same),
            "fresh_accounts_vs_plain": fresh,
            "fresh_accounts_met": fresh is not None and fresh >= 2,
            "farmed_gain": need["farmed accounts"][0] is not None and need["accounts returning"][0] is not None
                           and need["farmed accounts"][0] < need["accounts returning"][0],
            "bad_hidden_by_both": len(both),
            "bad_median_vs_plain": slower(0.5),
            "bad_p90_vs_plain": slower(0.9),
            "bad_auto_median_vs_plain": slower(0.5, automatic),
            "bad_auto_p90_vs_plain": slower(0.9, automatic),
            "wrong_auto_hides_per_day_vs_plain": None if not plain["wrong_auto_hides_per_day"]
            else r["wrong_auto_hides_per_day"] / plain["wrong_auto_hides_per_day"],
            "bad_hidden_by_plain_only": sum(1 for p in bad_times[BASELINE] if p not in bad_times[name]),
            "wrong_auto_hides_vs_plain": None if wrong is None or not wrong_plain else wrong / wrong_plain,
        }
        g = compared[name]
        g["bad_time_met"] = all(x is not None and x <= 1.2 for x in (g["bad_median_vs_plain"], g["bad_p90_vs_plain"]))
        g["wrong_auto_hides_met"] = g["wrong_auto_hides_vs_plain"] is not None and g["wrong_auto_hides_vs_plain"] <= 0.5
    return compared


def _fmt(value, digits=0) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return "∞" if math.isinf(value) else f"{value:.{digits}f}"
    return str(value)


def _share(value, digits=1) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f} %"


def markdown(report: dict) -> str:
    s = report["scenario"]
    rows = ["| policy | bad photos hidden | bad: median / p90 min to hide | bad for automatic reasons: median / p90 | "
            "automatic hides / day | wrong: share (a day) | editor items / day (hides looked at + reviews) |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in report["policies"]:
        rows.append(f"| {r['policy']} | {_share(r['bad_hidden_share'])} of {r['bad_photos']} | "
                    f"{_fmt(r['bad_time_to_hide_median_min'])} / {_fmt(r['bad_time_to_hide_p90_min'])} | "
                    f"{_fmt(r['bad_auto_time_to_hide_median_min'])} / {_fmt(r['bad_auto_time_to_hide_p90_min'])} | "
                    f"{_fmt(r['auto_hides_per_day'], 1)} | {_share(r['auto_hides_wrong_share'])} "
                    f"({_fmt(r['wrong_auto_hides_per_day'], 1)}) | "
                    f"{_fmt(r['editor_items_per_day'], 1)} ({_fmt(r['editor_hides_looked_at_per_day'], 1)} + "
                    f"{_fmt(r['editor_reviews_per_day'], 1)}) |")
    names = [r["policy"] for r in report["policies"]]
    rows += ["", f"Identities an adversary needs to hide its target, on its first attempt / after 1 / 2 / 3 / 4 / 5 "
             f"overturns (— : none of up to {s['brigade_max']} did):", "",
             "| adversary | " + " | ".join(names) + " |", "|" + " --- |" * (len(names) + 1)]
    for adversary in ADVERSARIES:
        cells = [" / ".join(_fmt(k) for k in r["identities_needed"][adversary.name]) for r in report["policies"]]
        rows.append(f"| {adversary.name} | " + " | ".join(cells) + " |")
    if report["goals"]:
        rows += ["", "| goal, against the plain count | " + " | ".join(report["goals"]) + " |",
                 "|" + " --- |" * (len(report["goals"]) + 1)]

        def line(label, cell):
            rows.append(f"| {label} | " + " | ".join(cell(g) for g in report["goals"].values()) + " |")

        def met(ok):
            return "met" if ok else "**not met**"
        line("a returning brigade never hides a restored photo or a copy again",
             lambda g: met(g["restored_never_hidden_again"]))
        line("same accounts returning: ≥ 3× the plain count's identities (after 1 … 5 overturns)",
             lambda g: met(g["returning_same_accounts_met"]) + " (" + " / ".join(
                 f"{_fmt(x, 1)}×" for x in g["returning_same_accounts_vs_plain"]) + ")")
        line("fresh accounts: ≥ 2× the plain count's identities", lambda g: f"{met(g['fresh_accounts_met'])} "
             f"({_fmt(g['fresh_accounts_vs_plain'], 1)}×)")
        line("farmed accounts gain nothing", lambda g: met(not g["farmed_gain"]))
        line("bad photos hidden ≤ 1.2× later (median / p90)", lambda g: f"{met(g['bad_time_met'])} "
             f"({_fmt(g['bad_median_vs_plain'], 2)}× / {_fmt(g['bad_p90_vs_plain'], 2)}×, {g['bad_hidden_by_both']} photos)")
        line("… those bad for automatic reasons (not a goal)", lambda g: f"{_fmt(g['bad_auto_median_vs_plain'], 2)}× / "
             f"{_fmt(g['bad_auto_p90_vs_plain'], 2)}×")
        line("bad photos the plain count hid and it never did (not a goal)", lambda g: str(g["bad_hidden_by_plain_only"]))
        line("wrong automatic hides ≤ half the plain count's share", lambda g: f"{met(g['wrong_auto_hides_met'])} "
             f"({_fmt(g['wrong_auto_hides_vs_plain'], 2)}×)")
        line("… wrong automatic hides a day (not a goal)", lambda g: f"{_fmt(g['wrong_auto_hides_per_day_vs_plain'], 2)}×")
    return "\n".join(rows) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.moderation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a tiny scenario, in seconds; numbers mean nothing")
    parser.add_argument("--seed", type=int, default=None, help="the random seed (default 16)")
    parser.add_argument("--days", type=int, default=None, help="simulated days, the warm-up's included")
    parser.add_argument("--policies", default=None, help="comma-separated policy names (default: all)")
    parser.add_argument("--out", type=Path, default=Path(".bench/moderation"),
                        help="directory for moderation.json and moderation.md")
    args = parser.parse_args(argv)
    s = SMOKE if args.smoke else Scenario()
    if args.seed is not None:
        s = replace(s, seed=args.seed)
    if args.days is not None:
        s = replace(s, days=max(s.warmup_days + 1, args.days))
    policies = POLICIES
    if args.policies:
        wanted = args.policies.split(",")
        policies = tuple(p for p in POLICIES if p.name in wanted)
        if len(policies) != len(wanted):
            parser.error(f"--policies: among {', '.join(p.name for p in POLICIES)}")

    from bench.services import Processes, start_redis
    with tempfile.TemporaryDirectory(prefix="imgmod-moderation-") as work, Processes(Path(work) / "logs") as processes:
        server = start_redis(processes, "redis-moderation", Path(work) / "redis")
        client = server.client()
        try:
            report = simulate(client, s, policies)
        finally:
            client.close()
    report["scenario"]["redis_version"] = server.version
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "moderation.json").write_text(json.dumps(report, indent=2, default=_json) + "\n")
    table = markdown(report)
    (args.out / "moderation.md").write_text(table)
    sys.stdout.write(table)
    return 0


def _json(value):
    raise TypeError(f"not JSON: {value!r}")


if __name__ == "__main__":
    sys.exit(main())
