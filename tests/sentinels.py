"""A Redis that fails over, for the tests: a master, two replicas and three sentinels on free ports.

The sentinels' configuration files are seeded (their ids, the replicas and each other), so the
group is ready in a fraction of a second instead of the seconds discovery takes
(../shared/notes/redis-ha-facts.md). Two replicas, so that after a failover the new master still
has one: with IMGMOD_REDIS_MIN_REPLICAS_ACK=1 it can go on acknowledging writes.
"""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis

from harness.redis_server import RedisServer, free_port, redis_binary
from harness.sentinels import SentinelSeeds, in_sync, master_port, sentinels_agree
from harness.wait import wait_until


class SentinelGroup:
    def __init__(self, directory: Path, password: str | None = None, sentinel_password: str | None = None):
        self.directory = directory
        self.password, self.sentinel_password = password, sentinel_password  # requirepass of each, or none
        self.master = RedisServer(directory / "master", password=password)
        self.replicas = [RedisServer(directory / f"replica-{n}", password=password,
                                     extra_args=("--replicaof", "127.0.0.1", str(self.master.port)))
                         for n in range(2)]
        self.sentinel_ports = [free_port() for _ in range(3)]
        self.sentinels: list[subprocess.Popen] = []

    @property
    def addresses(self) -> str:
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)

    def start(self) -> "SentinelGroup":
        self.master.start()
        for replica in self.replicas:
            replica.start()
        wait_until(lambda: all(in_sync(replica.client()) for replica in self.replicas), what="the replicas to sync")
        seeds = SentinelSeeds(self.master.port, [replica.port for replica in self.replicas], self.sentinel_ports,
                              password=self.password, sentinel_password=self.sentinel_password)
        for n in range(len(self.sentinel_ports)):
            self.sentinels.append(subprocess.Popen([redis_binary(), str(seeds.write(self.directory, n)), "--sentinel"],
                                                   stdout=subprocess.DEVNULL))
        wait_until(lambda: self._running() and sentinels_agree(self.sentinel_ports, self.master.port,
                                                                     self.sentinel_password),
                   what="the sentinels to see the master")
        return self

    def _running(self) -> bool:
        exited = [process.args[1] for process in self.sentinels if process.poll() is not None]
        assert not exited, f"sentinels exited (a port taken meanwhile?): {exited}"
        return True

    def master_port(self) -> int:
        return master_port(self.sentinel_ports[0], self.sentinel_password)

    def kill_master(self) -> RedisServer:
        """SIGKILL the master; the one of the replicas the sentinels promote is returned once it is."""
        old = self.master
        old.kill()
        killed_at = time.monotonic()
        promoted = wait_until(lambda: self._promoted(old.port), seconds=30, what="a replica to be promoted")
        self.failover_seconds = time.monotonic() - killed_at
        self.master = promoted
        self.replicas.remove(promoted)
        wait_until(lambda: all(in_sync(replica.client()) for replica in self.replicas), what="the replicas to follow")
        return promoted

    def _promoted(self, old_port: int) -> RedisServer | None:
        try:
            port = self.master_port()
        except redis.RedisError:
            return None
        if port == old_port:
            return None
        return next((replica for replica in self.replicas if replica.port == port), None)

    def stop(self) -> None:
        for process in self.sentinels:
            process.kill()
            process.wait()
        for server in [self.master, *self.replicas]:
            server.kill()
