"""Counting invariants as properties: random reports, resets and worker runs against the real Redis store."""
from __future__ import annotations

import ipaddress

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from service import create_app
from service.core.identity import network_of
from tests.conftest import Reporter, run_queued_jobs, with_settings

# The Lua scripts these tests drive run on every server binary present (tests/conftest.py).
pytestmark = pytest.mark.every_server

THRESHOLD = 2  # low, so that random runs cross, reset and cross again often
IMAGES = ("img-a", "img-b")
READERS = tuple(f"reader-{n}" for n in range(5))


@pytest.mark.timeout(600)
def test_count_and_hidden_state_follow_the_distinct_non_dismissed_reporters(settings, queue):
    app = create_app(with_settings(settings, threshold=THRESHOLD))
    reporter = Reporter(app.test_client())
    store = app.extensions["imgmod"].store
    services = app.extensions["imgmod"]

    class Moderation(RuleBasedStateMachine):
        """The model: per image, who counts now (`active`) and who was dismissed by a reset."""

        def __init__(self):
            super().__init__()
            store.redis.flushdb()
            self.active = {image: set() for image in IMAGES}
            self.dismissed = {image: set() for image in IMAGES}
            self.protected: set[str] = set()

        @initialize(protected=st.sets(st.sampled_from(IMAGES)))
        def protect(self, protected):
            for image in protected:
                store.set_protection(image, True, actor="cli:test")
            self.protected = protected

        @rule(image=st.sampled_from(IMAGES), reader=st.sampled_from(READERS))
        def report(self, image, reader):
            answer = reporter.frontend(image, reader)
            assert answer.status_code == 202
            new = reader not in self.active[image] | self.dismissed[image]
            assert answer.json["counted"] is new
            if new:
                self.active[image].add(reader)

        @rule(image=st.sampled_from(IMAGES), forget=st.booleans())
        def reset(self, image, forget):
            # "ignore": no verdict, so every weight stays 1 and the threshold counts reporters (tests/test_trust.py)
            store.reset(image, actor="cli:test", forget_reporters=forget, verdict="ignore")
            self.dismissed[image] = set() if forget else self.dismissed[image] | self.active[image]
            self.active[image] = set()

        @rule()
        def worker_runs(self):
            run_queued_jobs(services, queue)
            for image in IMAGES:
                expected = len(self.active[image]) >= THRESHOLD and image not in self.protected
                assert store.is_hidden(image) is expected, (image, self.active[image], self.protected)

        @invariant()
        def count_is_the_distinct_non_dismissed_reporters(self):
            for image in IMAGES:
                assert store.status(image)["report_count"] == len(self.active[image])

        @invariant()
        def never_hidden_beyond_the_model(self):
            # Between worker runs an image may wait to be hidden, but never is without enough reporters.
            for image in IMAGES:
                if store.is_hidden(image):
                    assert len(self.active[image]) >= THRESHOLD and image not in self.protected

    run_state_machine_as_test(Moderation, settings=hypothesis_settings(
        max_examples=40, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))


ipv6_hosts = st.integers(min_value=0, max_value=2**64 - 1)
# ::/64 holds the IPv4-mapped addresses, which count as IPv4 clients.
ipv6_prefixes = st.integers(min_value=1, max_value=2**64 - 1)


@given(prefix=ipv6_prefixes, first=ipv6_hosts, second=ipv6_hosts)
def test_every_address_of_one_ipv6_64_is_one_reporter(prefix, first, second):
    one = ipaddress.IPv6Address((prefix << 64) | first)
    other = ipaddress.IPv6Address((prefix << 64) | second)
    assert network_of(str(one)) == network_of(str(other))


@given(first=ipv6_prefixes, second=ipv6_prefixes, host=ipv6_hosts)
def test_different_ipv6_64s_are_different_reporters(first, second, host):
    one = ipaddress.IPv6Address((first << 64) | host)
    other = ipaddress.IPv6Address((second << 64) | host)
    assert (network_of(str(one)) == network_of(str(other))) is (first == second)
