"""The request path's own connections: one per thread and per process, healed after a dropped socket."""
from __future__ import annotations

import os
import threading
import time

import pytest
from redis.exceptions import DataError

from service.connections import DirectCommands, connect


def client_id(direct: DirectCommands) -> int:
    return int(direct("CLIENT", "ID"))


def test_replies_carry_what_the_client_reads(redis_server, redis_client):
    redis_client.zadd("scores", {"a": 1.5})
    direct = DirectCommands(connect(redis_server.url))
    assert float(direct("ZSCORE", "scores", "a")) == 1.5 and direct("ZSCORE", "scores", "b") is None
    assert [None if score is None else float(score) for score in direct("ZMSCORE", "scores", "a", "b")] == [1.5, None]
    assert direct("ECHO", "شكرا") == "شكرا"  # decoded text, as the app's client gives
    assert direct("ECHO", 7) == "7" and direct("ECHO", b"raw") == "raw"


def test_an_argument_redis_cannot_carry_is_a_redis_data_error(redis_server):
    direct = DirectCommands(connect(redis_server.url))
    with pytest.raises(DataError):  # a RedisError, as the client raises, never a bare TypeError
        direct("ZSCORE", "scores", None)
    assert direct("PING") == "PONG"  # nothing was sent: the connection is still in step


def test_commands_reuse_one_connection_even_from_thread_after_thread(redis_server):
    direct = DirectCommands(connect(redis_server.url))
    first = client_id(direct)
    assert client_id(direct) == first
    seen = []
    for _ in range(3):  # a thread per request, as the development server serves
        thread = threading.Thread(target=lambda: seen.append(client_id(direct)))
        thread.start()
        thread.join()
    assert seen == [first] * 3


def test_commands_in_flight_at_once_never_share_a_connection(redis_server):
    direct = DirectCommands(connect(redis_server.url))
    idle = client_id(direct)
    blocked = threading.Thread(target=lambda: direct("BLPOP", "nothing-comes", "0.5"))
    blocked.start()
    time.sleep(0.1)  # the BLPOP holds the idle connection; this command needs another one
    busy = client_id(direct)
    blocked.join()
    assert busy != idle
    assert {client_id(direct), client_id(direct)} <= {idle, busy}  # both kept for later


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


def test_a_connection_that_redis_dropped_is_replaced_without_an_error(redis_server, redis_client):
    direct = DirectCommands(connect(redis_server.url))
    dropped = client_id(direct)
    redis_client.client_kill_filter(_id=dropped)
    assert direct("PING") == "PONG"
    assert client_id(direct) != dropped


def test_connections_are_closed_when_their_owner_goes(redis_server, redis_client):
    direct = DirectCommands(connect(redis_server.url))
    mine = client_id(direct)
    del direct
    deadline = time.monotonic() + 5  # Redis notices the closed socket on its next event loop turn
    while mine in {int(client["id"]) for client in redis_client.client_list()}:
        assert time.monotonic() < deadline, "the connection is still open"
        time.sleep(0.01)
