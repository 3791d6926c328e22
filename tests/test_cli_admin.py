"""The operators' commands: same semantics and audit as the admin API, clear errors, no tracebacks."""
from __future__ import annotations

import getpass
import json

import pytest

from harness.redis_server import unreachable_url
from service.core import moderation
from tests.conftest import worker_env
from harness.wait import wait_until
from tests.test_cli import imgmod


@pytest.fixture
def env(settings):
    return worker_env(settings)




def run_ok(*args, env) -> str:
    result = imgmod(*args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_reset_restores_and_audits_the_cli_user(env, cross, reporter, store, workers):
    cross("img-1")
    workers.burst()
    assert store.status("img-1")["hidden"] is True
    detail = json.loads(run_ok("reset", "img-1", "--note", "checked", env=env))
    assert (detail["state"], detail["report_count"]) == ("visible", 0)
    event = store.audit("img-1", limit=1)[0]
    assert (event["type"], event["actor"]) == ("reset", f"cli:{getpass.getuser()}")
    assert json.loads(event["detail"])["note"] == "checked"
    assert reporter.frontend("img-1", "reader-0").json["counted"] is False  # dismissed reporters stay dismissed


def test_reset_several_ids_and_forget_reporters(env, cross, store):
    cross("a", readers=2)
    cross("b", readers=2)
    run_ok("reset", "a", "b", "--forget-reporters", env=env)
    assert store.status("a")["report_count"] == store.status("b")["report_count"] == 0
    assert store.report("a", "r0", "other", None).counted is True


def test_confirm_and_reset_with_a_verdict(env, services, store, redis_client):
    for n in range(2):
        moderation.report(services, "img-1", f"h{n}", "violence", None, record=f"acct-{n}")
    assert json.loads(run_ok("confirm", "img-1", "--note", "seen", env=env))["state"] == "hidden"
    assert store.record("acct-0") == (1, 0)
    moderation.report(services, "img-2", "h0", "violence", None, record="acct-0")
    run_ok("reset", "img-2", "--verdict", "ignore", env=env)
    assert store.record("acct-0") == (1, 0)
    assert [fields["type"] for _, fields in redis_client.xrange("imgmod:audit")][:2] == ["confirmed", "reset"]


def test_hide_protect_unprotect(env, cross, store, workers):
    assert json.loads(run_ok("hide", "img-1", env=env))["state"] == "hidden"
    assert json.loads(run_ok("protect", "img-2", env=env))["protected"] is True
    cross("img-2", readers=4)
    workers.burst()
    assert store.status("img-2")["state"] == "visible"
    assert json.loads(run_ok("unprotect", "img-2", env=env))["state"] == "pending"
    workers.burst()
    assert store.status("img-2")["state"] == "hidden"
    types = [(e["type"], e["image_id"]) for e in store.audit(limit=10)]
    assert types == [("hidden", "img-2"), ("unprotected", "img-2"), ("protected", "img-2"), ("manual_hide", "img-1")]


def test_status_and_stats(env, cross):
    cross("img-1")
    cross("img-2", readers=1)
    stats = json.loads(run_ok("stats", env=env))
    assert (stats["reported"], stats["pending"], stats["hidden"], stats["queue_length"]) == (2, 1, 0, 1)
    assert stats["workers"] == 0
    assert json.loads(run_ok("status", "img-2", env=env))["report_count"] == 1


def test_stats_counts_each_imgmod_worker_once(env, workers, redis_client):
    """`imgmod worker` runs two RQ workers (hides, follow-ups); an operator counts the processes."""
    workers.start()
    wait_until(lambda: len(redis_client.smembers("rq:workers")) == 2, what="both RQ workers of the process")
    assert json.loads(run_ok("stats", env=env))["workers"] == 1


@pytest.mark.parametrize("command", [["status"], ["reset"], ["hide"], ["protect"], ["unprotect"]])
def test_bad_id_is_refused_clearly(env, store, command):
    result = imgmod(*command, "no spaces allowed", env=env)
    assert result.returncode == 2
    assert "Not a valid image id" in result.stderr and "Traceback" not in result.stderr
    assert store.counts()["audit_events"] == 0


@pytest.mark.parametrize("command", [["status", "a"], ["reset", "a"], ["hide", "a"], ["protect", "a"],
                                     ["unprotect", "a"], ["stats"], ["worker", "--burst"]])
def test_unreachable_redis_is_one_clear_line(env, command):
    result = imgmod(*command, env={**env, "IMGMOD_REDIS_URL": unreachable_url()})
    assert result.returncode == 1
    assert "unreachable" in result.stderr and "Traceback" not in result.stderr
