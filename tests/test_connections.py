"""The request path's own connections: one per thread and per process, healed after a dropped socket."""
from __future__ import annotations

import os
import threading

from service.connections import DirectCommands, connect


def client_id(direct: DirectCommands) -> int:
    return int(direct("CLIENT", "ID"))


def test_replies_carry_what_the_client_reads(redis_server, redis_client):
    redis_client.zadd("scores", {"a": 1.5})
    direct = DirectCommands(connect(redis_server.url))
    assert float(direct("ZSCORE", "scores", "a")) == 1.5 and direct("ZSCORE", "scores", "b") is None
    assert [None if score is None else float(score) for score in direct("ZMSCORE", "scores", "a", "b")] == [1.5, None]
    assert direct("ECHO", "شكرا") == "شكرا"  # decoded text, as the app's client gives


def test_a_thread_keeps_its_connection_and_threads_do_not_share_one(redis_server):
    direct = DirectCommands(connect(redis_server.url))
    mine = client_id(direct)
    assert client_id(direct) == mine  # no new connection per command
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(client_id(direct)))
    thread.start()
    thread.join()
    assert theirs and theirs[0] != mine


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
