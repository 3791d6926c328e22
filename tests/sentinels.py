"""A Redis that fails over, for the tests: a master, two replicas and three sentinels on free ports.

The sentinels' configuration files are seeded (their ids, the replicas and each other), so the
group is ready in a fraction of a second instead of the seconds discovery takes
(../shared/notes/redis-ha-facts.md). Two replicas, so that after a failover the new master still
has one: with IMGMOD_REDIS_MIN_REPLICAS_ACK=1 it can go on acknowledging writes.
"""
from __future__ import annotations

import secrets
import subprocess
import time
from pathlib import Path

import redis

from tests.processes import wait_until
from tests.redis_server import RedisServer, free_port, redis_binary

MASTER_NAME = "mymaster"
DOWN_AFTER_MS = 1000


class SentinelGroup:
    def __init__(self, directory: Path):
        self.directory = directory
        self.master = RedisServer(directory / "master")
        self.replicas = [RedisServer(directory / f"replica-{n}", extra_args=("--replicaof", "127.0.0.1",
                                                                            str(self.master.port)))
                         for n in range(2)]
        self.sentinel_ports = [free_port() for _ in range(3)]
        self.sentinel_ids = [secrets.token_hex(20) for _ in range(3)]
        self.sentinels: list[subprocess.Popen] = []

    @property
    def addresses(self) -> str:
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)

    def start(self) -> "SentinelGroup":
        self.master.start()
        for replica in self.replicas:
            replica.start()
        wait_until(lambda: all(self._in_sync(replica) for replica in self.replicas), what="the replicas to sync")
        for n, port in enumerate(self.sentinel_ports):
            config = self.directory / f"sentinel-{n}.conf"
            config.write_text(self._config(n))
            self.sentinels.append(subprocess.Popen([redis_binary(), str(config), "--sentinel"],
                                                   stdout=subprocess.DEVNULL))
        wait_until(self._sentinels_agree, what="the sentinels to see the master")
        return self

    def _config(self, n: int) -> str:
        lines = [f"port {self.sentinel_ports[n]}", "bind 127.0.0.1", f"dir {self.directory}",
                 f"sentinel myid {self.sentinel_ids[n]}",
                 f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.master.port} 2",
                 f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}",
                 f"sentinel failover-timeout {MASTER_NAME} 10000",
                 f"sentinel parallel-syncs {MASTER_NAME} 2"]
        lines += [f"sentinel known-replica {MASTER_NAME} 127.0.0.1 {replica.port}" for replica in self.replicas]
        lines += [f"sentinel known-sentinel {MASTER_NAME} 127.0.0.1 {port} {self.sentinel_ids[m]}"
                  for m, port in enumerate(self.sentinel_ports) if m != n]
        return "\n".join(lines) + "\n"

    @staticmethod
    def _in_sync(server: RedisServer) -> bool:
        return server.client().info("replication").get("master_link_status") == "up"

    def _sentinels_agree(self) -> bool:
        try:
            return all(self.master_port(port) == self.master.port for port in self.sentinel_ports)
        except redis.RedisError:
            return False

    def master_port(self, sentinel_port: int | None = None) -> int:
        with redis.Redis(port=sentinel_port or self.sentinel_ports[0], decode_responses=True,
                         socket_timeout=1) as sentinel:
            return int(sentinel.sentinel_get_master_addr_by_name(MASTER_NAME)[1])

    def kill_master(self) -> RedisServer:
        """SIGKILL the master; the one of the replicas the sentinels promote is returned once it is."""
        old = self.master
        old.kill()
        killed_at = time.monotonic()
        promoted = wait_until(lambda: self._promoted(old.port), timeout=30, what="a replica to be promoted")
        self.failover_seconds = time.monotonic() - killed_at
        self.master = promoted
        self.replicas.remove(promoted)
        wait_until(lambda: all(self._in_sync(replica) for replica in self.replicas), what="the replicas to follow")
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
