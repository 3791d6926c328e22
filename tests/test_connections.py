"""The request path's own connections: replies as the client gives them, one per command in flight,
healed before use after a dropped socket, and never a command sent twice."""
from __future__ import annotations

import os
import signal
import threading

import pytest
from redis.exceptions import DataError, TimeoutError

from harness.wait import wait_until
from service.core.connections import REPLICA_ACK_TIMEOUT_MS, DirectCommands, NotReplicated, client_for, connect
from tests.conftest import with_settings
from tests.proxy import LateReplyProxy
from tests.sentinels import SentinelGroup


def client_id(direct: DirectCommands) -> int:
    return int(direct("CLIENT", "ID"))


def test_replies_are_what_the_client_reads(redis_server, redis_client):
    """The equivalence that lets lookups and scripts skip the client: same bytes, same decoding."""
    redis_client.zadd("scores", {"a": 1.5, "صورة/1": 2})
    client, direct = connect(redis_server.url), DirectCommands(connect(redis_server.url))
    assert float(direct("ZSCORE", "scores", "a")) == client.zscore("scores", "a") == 1.5
    assert direct("ZSCORE", "scores", "b") is None is client.zscore("scores", "b")
    direct_scores = direct("ZMSCORE", "scores", "a", "صورة/1", "b")
    assert [None if score is None else float(score) for score in direct_scores] == [1.5, 2.0, None]
    assert client.zmscore("scores", ["a", "صورة/1", "b"]) == [1.5, 2.0, None]
    assert direct("ECHO", "شكرا") == "شكرا"  # decoded text, as the app's client gives
    assert direct("ECHO", 7) == "7" and direct("ECHO", b"raw") == "raw"


def test_a_script_replies_as_through_the_client(redis_server, redis_client):
    """The same equivalence for the scripts: nested replies, integers, nil and text as evalsha gives them."""
    script = "return {1, 'صورة', {KEYS[1], ARGV[1]}, false, redis.call('INCR', KEYS[1])}"
    sha = redis_client.script_load(script)
    client, direct = connect(redis_server.url), DirectCommands(connect(redis_server.url))
    assert direct("EVALSHA", sha, 1, "n", 2.5) == [1, "صورة", ["n", "2.5"], None, 1]
    assert client.evalsha(sha, 1, "n", 2.5) == [1, "صورة", ["n", "2.5"], None, 2]


def test_with_replicas_a_write_is_applied_but_not_answered_as_done_until_they_hold_it(redis_server, redis_client):
    """As the plain way (a non-transactional pipeline of the command and WAIT): the write is applied,
    NotReplicated is raised when too few replicas acknowledge, and the next command reads its own reply."""
    direct = DirectCommands(connect(redis_server.url))
    with pytest.raises(NotReplicated):
        direct("INCR", "acked", replicas=1)
    pipe = connect(redis_server.url).pipeline(transaction=False)
    assert pipe.execute_command("INCR", "acked").execute_command("WAIT", 1, REPLICA_ACK_TIMEOUT_MS).execute() == [2, 0]
    assert direct("INCR", "acked") == 3
    assert direct("INCR", "acked", replicas=0) == 4


def test_an_argument_redis_cannot_carry_is_a_redis_data_error(redis_server):
    direct = DirectCommands(connect(redis_server.url))
    with pytest.raises(DataError):  # a RedisError, as the client raises, never a bare TypeError
        direct("ZSCORE", "scores", None)
    assert direct("PING") == "PONG"


def test_commands_reuse_one_connection_from_thread_after_thread(redis_server):
    direct = DirectCommands(connect(redis_server.url))
    first = client_id(direct)
    seen = []
    for _ in range(3):  # a thread per request, as the development server serves
        thread = threading.Thread(target=lambda: seen.append(client_id(direct)))
        thread.start()
        thread.join()
    assert seen == [first] * 3


def test_commands_in_flight_at_once_never_share_a_connection(redis_server, redis_client):
    # A read time-out well beyond the BLPOP's own, so that a loaded machine's late reply is still read.
    direct = DirectCommands(connect(redis_server.url, command_timeout=30))
    idle = client_id(direct)
    blocked = threading.Thread(target=lambda: direct("BLPOP", "nothing-comes", "0.9"))
    blocked.start()
    # The BLPOP holds the idle connection (Redis lists it as blocked): this command needs another one.
    wait_until(lambda: any(client["cmd"] == "blpop" for client in redis_client.client_list()), what="the BLPOP")
    busy = client_id(direct)
    blocked.join()
    assert busy != idle


def test_a_forked_child_opens_its_own_connection(redis_server):
    direct = DirectCommands(connect(redis_server.url))
    parent = client_id(direct)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its connection's id, never run the rest of pytest
        try:
            os.write(write_end, str(client_id(direct)).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    child = int(os.read(read_end, 64))
    os.waitpid(pid, 0)
    assert child != parent
    assert client_id(direct) == parent  # the parent's socket survived the child's exit


def test_a_connection_that_redis_dropped_is_replaced_before_use(redis_server, redis_client):
    direct = DirectCommands(connect(redis_server.url))
    dropped = client_id(direct)
    redis_client.client_kill_filter(_id=dropped)
    wait_until(lambda: dropped not in {int(client["id"]) for client in redis_client.client_list()},
               what="Redis to close the connection")
    assert direct("PING") == "PONG"  # no error: checked and replaced before anything was sent
    assert client_id(direct) != dropped


def test_a_late_reply_is_an_error_and_nothing_is_sent_again(redis_server, redis_client):
    """The bug of issue 14: a time-out retried the command, so a script ran twice."""
    proxy = LateReplyProxy(redis_server.port)
    try:
        direct = DirectCommands(connect(proxy.url))
        script = "return redis.call('INCR', KEYS[1])"
        sha = redis_client.script_load(script)
        proxy.hold_next_script_reply()
        with pytest.raises(TimeoutError):
            direct("EVALSHA", sha, 1, "runs")
        proxy.release.set()
        assert redis_client.get("runs") == "1"
        assert direct("EVALSHA", sha, 1, "runs") == 2  # the next command gets its own reply, not the late one
    finally:
        proxy.close()


class Interrupted(Exception):
    """What a signal handler raises in the middle of a read: RQ's StopRequested on SIGTERM, for one."""


def test_a_sentinel_client_whose_blocking_read_was_interrupted_reads_only_its_own_replies(settings, tmp_path):
    """redis-py's Sentinel connection kept its socket when a read was interrupted: the pending BLPOP
    then took the next pushed item, and the next command on that connection read it as its reply."""
    group = SentinelGroup(tmp_path).start()
    try:
        sentinels = tuple(("127.0.0.1", port) for port in group.sentinel_ports)
        client = client_for(with_settings(settings, redis_url=None, redis_sentinels=sentinels))

        def interrupt(signum, frame):
            raise Interrupted
        previous = signal.signal(signal.SIGALRM, interrupt)
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.2)  # the BLPOP below blocks until this interrupts it
            with pytest.raises(Interrupted):
                client.blpop(["jobs"], 0)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        group.master.client().rpush("jobs", "job-1")
        assert client.llen("jobs") == 1  # not the abandoned BLPOP's ['jobs', 'job-1']
        assert client.lpop("jobs") == "job-1"
        client.close()
    finally:
        group.stop()
