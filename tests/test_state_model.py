"""Every verb at once, model-checked: a hypothesis state machine drives reports (each kind of reason,
anonymous readers and site accounts, young or established), confirms, resets (each verdict, with and
without forgetting the reporters), hand hides, protection, registration with matching over a fixed
"same photo" relation, the brake's clock, lost and reordered hide jobs, the reconciler and repeated
admin requests, through the real app, Lua scripts, RQ queue and worker code on a real redis-server.

A plain-Python model of the rules follows what the contract decides exactly (who counts, the
scores, each site account's verdicts, who was overturned together, generations, protection, an
editor's hide); what depends on the order jobs run in (which crossing the brake sends to review,
whether a copy was hidden by matching) is read back from Redis and checked against invariants:
one hide and one review per generation, every hide with its recorded cause and only on its grounds,
an editor's hide surviving everything but its own reset, hides by matching counted by the brake,
nothing owed left in the outbox, and once the workers have settled, no crossing lost.

The CI profile runs a fixed number of derandomized examples; for a longer search locally:
    IMGMOD_MODEL_EXAMPLES=2000 IMGMOD_MODEL_STEPS=100 pytest tests/test_state_model.py
"""
from __future__ import annotations

import os
import random
import uuid
from dataclasses import dataclass, field
from datetime import date

import pytest
from hypothesis import HealthCheck, settings as hypothesis_settings, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, precondition, rule,
                                 run_state_machine_as_test)

from service import create_app
from service.core.identity import frontend_identity, record_key
from service.core.queue import enqueue_match
from service.core.store import (AUDIT, HIDDEN, MATCH_FINE, MATCH_NEAR_FINE, MATCHED_FROM, OUTBOX, PENDING,
                           RECENT_AUTO_HIDES, RECONCILE_LOCK, RECORD_PREFIX, REVIEW, image_key)
from workers.reconcile import reconcile
from tests.conftest import ADMIN_TOKEN, FRONTEND_KEY, SECRET, run_queued_jobs, with_settings

THRESHOLD = 2
EXAMPLES = int(os.environ.get("IMGMOD_MODEL_EXAMPLES", "50"))
STEPS = int(os.environ.get("IMGMOD_MODEL_STEPS", "50"))

IMAGES = ("img-a", "img-b", "img-c", "img-d")
SAME_PHOTO = {"img-a", "img-b", "img-c"}  # within the match distance of each other; img-d is another photo
REVIEW_REASONS = ("copyright",)
REASONS = ("nudity", "violence", "copyright")
ADDRESSES = ("198.51.100.1", "198.51.100.2", "198.51.100.3")
ACCOUNTS = ("acct-1", "acct-2", "acct-3")
EPSILON = 1e-6


def photo_hashes() -> dict[str, bytes]:
    """PDQ-sized hashes: the same photo's three ids a few bits apart, the fourth unrelated."""
    rng = random.Random(20261206)
    base = rng.getrandbits(256)
    flipped = {"img-a": 0, "img-b": 0b111, "img-c": 0b111111 << 40}
    hashes = {image: (base ^ bits).to_bytes(32, "big") for image, bits in flipped.items()}
    hashes["img-d"] = (base ^ ((1 << 256) - 1)).to_bytes(32, "big")  # 256 bits away
    return hashes


HASHES = photo_hashes()


def weight_of(agreed: int, disagreed: int, young: bool) -> float:
    """A site account's weight (report.lua): its record's factor, halved while the account is young."""
    return (0.5 if young else 1.0) * min(2.0, max(0.2, 2 * (agreed + 1) / (agreed + disagreed + 2)))


@dataclass
class Counted:
    """One reporter's field on an image: the generation it was counted in, and for a site account,
    which one and whether it reported while the image was already hidden or in review."""
    generation: int
    account: str | None = None
    late: bool = False


@dataclass
class Image:
    reporters: dict[str, Counted] = field(default_factory=dict)  # kept across resets, unless forgotten
    count: int = 0
    score: float = 0.0  # from reasons that hide
    review_score: float = 0.0  # from review reasons
    heaviest: dict[str, float] = field(default_factory=dict)  # group key -> its heaviest member counted
    generation: int = 0
    verdict: tuple[int, str] | None = None  # the verdict given in a generation: ('a' or 'd')
    protected: bool = False
    editor_hidden: bool = False  # confirmed or hidden by hand since its last reset


@pytest.fixture(scope="module")
def apps(redis_server):
    """One app per brake setting the machine draws from (the brake is part of the app's settings)."""
    from config import Settings
    base = Settings(secret_key=SECRET, redis_url=redis_server.url, threshold=THRESHOLD,
                    frontend_keys={"site": FRONTEND_KEY}, admin_tokens={"editor": ADMIN_TOKEN},
                    report_rate_limit="100000/minute", review_reasons=REVIEW_REASONS,
                    pending_grace_seconds=0)
    return {brake: create_app(with_settings(base, auto_hide_brake=brake)) for brake in (None, 1, 2, 3)}


class Moderation(RuleBasedStateMachine):
    apps: dict | None = None  # set by the `machine` fixture: one app per brake setting
    queue = None  # the hide queue its workers take jobs from

    @initialize(brake=st.sampled_from((None, 1, 2, 3)))
    def start(self, brake):
        self.app = self.apps[brake]
        self.brake = brake
        self.client = self.app.test_client()
        self.services = self.app.extensions["imgmod"]
        self.store = self.services.store
        self.redis = self.store.redis
        self.redis.flushdb()
        self.images = {image: Image() for image in IMAGES}
        self.agreed = {account: 0 for account in ACCOUNTS}
        self.disagreed = {account: 0 for account in ACCOUNTS}
        self.groups: dict[str, frozenset[str]] = {}  # account -> the accounts overturned together with it
        self.group_key: dict[str, str] = {}  # account -> Redis's name for its group (read back)
        self.registered: set[str] = set()
        self.window_start = "0"  # the audit stream's id where the brake's current hour began
        self.last_action: tuple | None = None
        self.snapshot = self.statuses()

    # --- Readers ---------------------------------------------------------------------------------

    @rule(image=st.sampled_from(IMAGES), address=st.sampled_from(ADDRESSES), reason=st.sampled_from(REASONS))
    def anonymous_report(self, image, address, reason):
        answer = self.client.post("/v1/reports", json={"image_id": image, "reason": reason},
                                  environ_base={"REMOTE_ADDR": address})
        self.counted(image, "ip:" + address, reason, answer, weight=1.0, account=None)

    @rule(image=st.sampled_from(IMAGES), account=st.sampled_from(ACCOUNTS), reason=st.sampled_from(REASONS),
          young=st.booleans())
    def site_account_report(self, image, account, reason, young):
        body = {"image_id": image, "reporter_id": account, "reason": reason}
        if young:
            body["account_created_at"] = date.today().isoformat()
        answer = self.client.post("/v1/reports", json=body, headers={"Authorization": f"Bearer {FRONTEND_KEY}"})
        weight = weight_of(self.agreed[account], self.disagreed[account], young)
        self.counted(image, account, reason, answer, weight=weight, account=account)

    def counted(self, image_id, who, reason, answer, weight, account):
        assert answer.status_code == 202, answer.get_data(as_text=True)
        image = self.images[image_id]
        new = who not in image.reporters
        assert answer.json["counted"] is new
        if not new:
            return
        before = self.snapshot[image_id]
        late = account is not None and before["state"] in ("hidden", "review")
        image.reporters[who] = Counted(image.generation, account, late)
        image.count += 1
        added = weight
        group = self.group_key.get(account) if account else None
        if group is not None:  # overturned together: the group counts as its heaviest member
            heaviest = image.heaviest.get(group, -1.0)
            if heaviest >= 0:
                added = max(0.0, weight - heaviest)
            image.heaviest[group] = max(heaviest, weight)
        if reason in REVIEW_REASONS:
            image.review_score += added
        else:
            image.score += added

    # --- Editors ---------------------------------------------------------------------------------

    def admin(self, method: str, path: str, body: dict) -> dict:
        key = str(uuid.uuid4())
        answer = self.client.open(f"/v1/admin/images/{path}", method=method, json=body,
                                  headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Idempotency-Key": key})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        self.last_action = (method, path, body, key, answer.json)
        return answer.json

    @rule(image=st.sampled_from(IMAGES))
    def confirm(self, image):
        self.give_verdict(image, "a")
        self.admin("POST", f"{image}/confirm", {})
        self.images[image].editor_hidden = True

    @rule(image=st.sampled_from(IMAGES))
    def hide_by_hand(self, image):
        self.admin("POST", f"{image}/hide", {})
        self.images[image].editor_hidden = True

    @rule(image_id=st.sampled_from(IMAGES), verdict=st.sampled_from(("disagree", "ignore")), forget=st.booleans())
    def reset(self, image_id, verdict, forget):
        image = self.images[image_id]
        self.give_verdict(image_id, "d" if verdict == "disagree" else None)  # `ignore` only takes back
        if verdict == "disagree":
            overturned = {c.account for c in image.reporters.values()
                          if c.account and c.generation == image.generation}
            if len(overturned) >= 2:
                merged = frozenset(overturned).union(*(self.groups.get(a, ()) for a in overturned))
                for account in merged:
                    self.groups[account] = merged
        self.admin("POST", f"{image_id}/reset", {"verdict": verdict, "forget_reporters": forget})
        image.count, image.score, image.review_score, image.heaviest = 0, 0.0, 0.0, {}
        image.verdict, image.editor_hidden = None, False
        image.generation += 1
        if forget:
            image.reporters.clear()
        self.restored_with(image_id)
        self.read_group_keys()

    def restored_with(self, source: str) -> None:
        """The copies a reset restored with its source: exactly those hidden by matching it."""
        now = self.statuses()
        for copy, image in self.images.items():
            if copy == source:
                continue
            was = self.snapshot[copy]
            by_source = was["hidden_by"] == "match" and was["matched_from"] == source
            bumped = now[copy]["generation"] != image.generation
            assert bumped is by_source, (copy, source, was, now[copy])
            if by_source:
                assert not image.editor_hidden
                assert not now[copy]["hidden"]
                image.generation += 1  # restored with its source: its reports and scores stay

    def give_verdict(self, image_id: str, counter: str | None) -> None:
        """prelude.lua's give_verdict: the last verdict of a generation is the one that teaches (None, an
        `ignore` reset's, teaches nothing), and an `agreed` goes only to accounts that reported before the
        image was hidden or in review."""
        image = self.images[image_id]
        given = image.verdict[1] if image.verdict and image.verdict[0] == image.generation else None
        if given == counter:
            return
        image.verdict = (image.generation, counter)
        tallies = {"a": self.agreed, "d": self.disagreed}
        for counted in image.reporters.values():
            if counted.account is None or counted.generation != image.generation:
                continue
            if given and not (given == "a" and counted.late) and tallies[given][counted.account] > 0:
                tallies[given][counted.account] -= 1
            if counter and not (counter == "a" and counted.late):
                tallies[counter][counted.account] += 1

    def read_group_keys(self) -> None:
        for account in ACCOUNTS:
            key = self.redis.hget(self.record(account), "gr")
            if key is not None:
                self.group_key[account] = key

    @rule(image=st.sampled_from(IMAGES), protected=st.booleans())
    def protection(self, image, protected):
        self.admin("PUT", f"{image}/protection", {"protected": protected})
        self.images[image].protected = protected

    @precondition(lambda self: self.last_action is not None)
    @rule()
    def repeat_last_action(self):
        """An editor's retry with the same Idempotency-Key: answered as the first time, done once."""
        method, path, body, key, first = self.last_action
        answer = self.client.open(f"/v1/admin/images/{path}", method=method, json=body,
                                  headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Idempotency-Key": key})
        assert (answer.status_code, answer.headers.get("Idempotent-Replayed")) == (200, "true")
        assert answer.json == first

    # --- Matching --------------------------------------------------------------------------------

    @rule(image=st.sampled_from(IMAGES))
    def register(self, image):
        """What register_images does once it has fetched and hashed the photo."""
        self.store.save_hash(image, HASHES[image], 100, f"https://news.example.ma/{image}.jpg")
        enqueue_match(self.services.hides, [image])
        self.registered.add(image)

    # --- Workers, the reconciler, the clock ------------------------------------------------------

    @rule()
    def worker_runs(self):
        run_queued_jobs(self.services, self.queue)

    @rule(seed=st.integers(0, 2**32 - 1))
    def jobs_run_in_another_order(self, seed):
        jobs = self.queue.job_ids
        random.Random(seed).shuffle(jobs)
        self.queue.connection.delete(self.queue.key)
        if jobs:
            self.queue.connection.rpush(self.queue.key, *jobs)

    @rule(which=st.integers(0, 7))
    def a_hide_job_is_lost(self, which):
        hides = [job for job in self.queue.get_jobs() if job.func_name == "workers.jobs.hide_image"]
        if hides:
            self.queue.remove(hides[which % len(hides)])

    @rule()
    def reconciler_runs(self):
        self.redis.delete(RECONCILE_LOCK)
        assert reconcile(self.services) is not None

    @rule()
    def an_hour_passes(self):
        """The brake's clock: every automatic hide so far falls out of its hour."""
        for member, at in self.redis.zrange(RECENT_AUTO_HIDES, 0, -1, withscores=True):
            self.redis.zadd(RECENT_AUTO_HIDES, {member: at - 3_600_001})
        last = self.redis.xrevrange(AUDIT, count=1)
        self.window_start = last[0][0] if last else "0"

    @rule()
    def workers_settle(self):
        """Every lost crossing found and every job run: then nothing the scores call for is left undone."""
        for _ in range(5):
            self.redis.delete(RECONCILE_LOCK)
            reconcile(self.services)
            run_queued_jobs(self.services, self.queue)
            if not self.redis.zcard(PENDING) and not self.queue.count:
                break
        assert self.redis.zcard(PENDING) == 0
        for image_id, status in self.statuses().items():
            if status["state"] == "visible":
                assert self.due(image_id, status) is None, (image_id, status)

    def due(self, image_id: str, status: dict) -> str | None:
        """What the scores call for (prelude.lua's `due`), from the model's scores."""
        image = self.images[image_id]
        hides = image.score >= THRESHOLD - EPSILON
        if hides and not image.protected:
            return "review" if self.guarded(image_id, status) else "pending"
        if image.review_score >= THRESHOLD - EPSILON or (not hides and image.score + image.review_score
                                                          >= THRESHOLD - EPSILON):
            return "review"
        return None

    def guarded(self, image_id: str, status: dict) -> bool:
        if status["restored_until"] is not None:
            return True
        fine = self.redis.hexists(MATCH_FINE, image_id)
        mark = self.redis.hget(MATCH_NEAR_FINE, image_id)
        return bool(fine or (mark and self.redis.hexists(MATCH_FINE, mark)))

    # --- What holds after every step -------------------------------------------------------------

    def record(self, account: str) -> str:
        return RECORD_PREFIX + record_key(SECRET, frontend_identity("site", account))

    def statuses(self) -> dict[str, dict]:
        return dict(zip(IMAGES, self.store.statuses(IMAGES)))

    @invariant()
    def the_rules_hold(self):
        now = self.statuses()
        self.redis_agrees_with_the_model(now)
        self.each_state_is_one_index_and_each_hide_has_its_grounds(now)
        self.one_hide_and_one_review_per_generation_and_a_reset_event_per_generation()
        self.the_brake_counts_every_automatic_hide()
        # Each process dispatches what its scripts wrote before answering: nothing owed is left.
        assert self.redis.zcard(OUTBOX) == 0
        self.snapshot = now

    def redis_agrees_with_the_model(self, now):
        for image_id, image in self.images.items():
            status = now[image_id]
            assert (status["report_count"], status["generation"], status["protected"]) == (
                image.count, image.generation, image.protected), (image_id, status, image)
            assert abs(status["score"] - image.score) < EPSILON, (image_id, status, image)
            assert abs(status["review_score"] - image.review_score) < EPSILON, (image_id, status, image)
            # An editor's hide survives everything but its own reset.
            assert (status["hidden_by"] == "editor") is image.editor_hidden, (image_id, status, image)
        for account in ACCOUNTS:
            agreed, disagreed = self.redis.hmget(self.record(account), "a", "d")
            assert (int(agreed or 0), int(disagreed or 0)) == (self.agreed[account], self.disagreed[account])
        # Who was overturned together: the same partition as the model's.
        for account in ACCOUNTS:
            together = {other for other in ACCOUNTS
                        if self.group_key.get(other) is not None
                        and self.group_key.get(other) == self.group_key.get(account)}
            assert together == set(self.groups.get(account, frozenset())), (account, self.groups, self.group_key)

    def each_state_is_one_index_and_each_hide_has_its_grounds(self, now):
        for image_id, status in now.items():
            indexes = [self.redis.zscore(index, image_id) is not None for index in (HIDDEN, PENDING, REVIEW)]
            assert sum(indexes) <= 1, (image_id, indexes)
            if status["state"] == "pending":
                assert not status["protected"] and status["score"] >= THRESHOLD - EPSILON
            if not status["hidden"]:
                assert status["hidden_by"] is None, (image_id, status)
                assert self.redis.hget(MATCHED_FROM, image_id) is None, (image_id, status, self.store.audit(image_id))
                continue
            cause = self.redis.hget(image_key(image_id), "hb")
            assert cause in ("reports", "editor", "match"), (image_id, cause)
            if cause == "reports":
                assert status["score"] >= THRESHOLD - EPSILON, (image_id, status)
            if cause == "match":
                source = self.redis.hget(MATCHED_FROM, image_id)
                assert source in SAME_PHOTO and image_id in SAME_PHOTO and source != image_id
                assert {source, image_id} <= self.registered
                assert now[source]["hidden"] and now[source]["hidden_by"] != "match", (image_id, now)
            else:
                assert self.redis.hget(MATCHED_FROM, image_id) is None

    def one_hide_and_one_review_per_generation_and_a_reset_event_per_generation(self):
        for image_id, image in self.images.items():
            events = list(reversed(self.store.audit(image_id, limit=200)))
            resets = [event for event in events if event["type"] == "reset"]
            assert len(resets) == image.generation, (image_id, events)
            hides = reviews = 0
            for event in events:
                if event["type"] == "reset":
                    hides = reviews = 0
                elif event["type"] in ("hidden", "matched") or (
                        event["type"] in ("confirmed", "manual_hide") and '"already_hidden":false' in event["detail"]):
                    hides += 1
                elif event["type"] == "review":
                    reviews += 1
                assert hides <= 1 and reviews <= 1, (image_id, events)

    def the_brake_counts_every_automatic_hide(self):
        if not self.brake:
            return
        automatic = [fields for entry_id, fields in self.redis.xrange(AUDIT, min=self.window_start)
                     if entry_id != self.window_start and fields["type"] in ("hidden", "matched")]
        assert len(automatic) <= self.brake, automatic


@pytest.fixture
def machine(apps, queue):
    Moderation.apps, Moderation.queue = apps, queue
    yield Moderation
    Moderation.apps = Moderation.queue = None


@pytest.mark.timeout(1800)
def test_every_verb_keeps_the_contracts_invariants(machine):
    run_state_machine_as_test(machine, settings=hypothesis_settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))


def walk(machine, brake, *steps):
    """One fixed sequence of steps, the rules checked after each: the defects a review found, kept."""
    state = machine()
    state.start(brake=brake)
    state.the_rules_hold()
    for name, arguments in steps:
        getattr(state, name)(**arguments)
        state.the_rules_hold()
    return state


def reports(image, *addresses, reason="nudity"):
    return [("anonymous_report", {"image": image, "address": address, "reason": reason}) for address in addresses]


TWO = ADDRESSES[:2]


def test_an_editors_confirm_of_a_copy_survives_its_sources_reset(machine):
    state = walk(machine, None, ("register", {"image": "img-a"}), ("register", {"image": "img-b"}),
                 *reports("img-a", *TWO), ("worker_runs", {}), ("confirm", {"image": "img-b"}),
                 ("reset", {"image_id": "img-a", "verdict": "ignore", "forget": False}))
    assert state.statuses()["img-b"]["hidden_by"] == "editor"


def test_a_copys_own_crossing_comes_back_when_its_source_is_reset(machine):
    state = walk(machine, None, ("register", {"image": "img-a"}), ("register", {"image": "img-b"}),
                 ("hide_by_hand", {"image": "img-a"}), *reports("img-b", *TWO), ("worker_runs", {}),
                 ("reset", {"image_id": "img-a", "verdict": "ignore", "forget": False}), ("workers_settle", {}))
    assert state.statuses()["img-b"]["hidden_by"] == "reports"


def test_while_the_brake_holds_more_readers_ask_for_no_more_reviews(machine):
    state = walk(machine, 1, *reports("img-a", *TWO), *reports("img-d", *TWO), ("worker_runs", {}),
                 *reports("img-d", ADDRESSES[2]), ("workers_settle", {}))
    assert {status["state"] for status in state.statuses().values() if status["report_count"]} == {"hidden", "review"}


def test_a_hide_by_matching_counts_toward_the_brake(machine):
    state = walk(machine, 1, ("register", {"image": "img-a"}), ("register", {"image": "img-b"}),
                 *reports("img-a", *TWO), ("workers_settle", {}))
    assert state.statuses()["img-b"]["state"] == "review"


def test_readers_who_chose_different_reasons_are_heard_together(machine):
    state = walk(machine, None, *reports("img-d", ADDRESSES[0]), *reports("img-d", ADDRESSES[1], reason="copyright"))
    assert state.statuses()["img-d"]["state"] == "review"


def test_the_last_verdict_of_a_generation_is_the_one_that_teaches(machine):
    accounts = [("site_account_report", {"image": "img-d", "account": account, "reason": "nudity", "young": False})
                for account in ACCOUNTS[:2]]
    state = walk(machine, None, *accounts, ("confirm", {"image": "img-d"}),
                 ("reset", {"image_id": "img-d", "verdict": "disagree", "forget": False}))
    assert (state.agreed["acct-1"], state.disagreed["acct-1"]) == (0, 1)


def test_a_confirm_then_an_ignore_reset_teaches_nothing(machine):
    accounts = [("site_account_report", {"image": "img-d", "account": account, "reason": "nudity", "young": False})
                for account in ACCOUNTS[:2]]
    state = walk(machine, None, *accounts, ("confirm", {"image": "img-d"}),
                 ("reset", {"image_id": "img-d", "verdict": "ignore", "forget": False}))
    assert (state.agreed["acct-1"], state.disagreed["acct-1"]) == (0, 0)


def test_a_retried_reset_is_done_once(machine):
    state = walk(machine, None, *reports("img-d", *TWO), ("worker_runs", {}),
                 ("reset", {"image_id": "img-d", "verdict": "disagree", "forget": False}), ("repeat_last_action", {}))
    assert state.statuses()["img-d"]["generation"] == 1
