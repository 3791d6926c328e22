"""Seeded Redis Sentinel configurations on loopback, for the failover tests and the bench's `ha` phase.

Each sentinel's file names its own id, the master, the replicas and the other sentinels, so the
group agrees in a fraction of a second instead of the seconds discovery takes
(shared/notes/redis-ha-facts.md). Nothing here runs in imgmod itself: it finds the master through
whatever sentinels IMGMOD_REDIS_SENTINELS names.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

import redis

MASTER_NAME = "mymaster"


@dataclass
class SentinelSeeds:
    """The configuration files of a group of sentinels watching one master and its replicas."""
    master_port: int
    replica_ports: list[int]
    sentinel_ports: list[int]
    down_after_ms: int = 1000
    ids: list[str] = field(default_factory=list)
    password: str | None = None  # the master's and replicas' requirepass
    sentinel_password: str | None = None  # the sentinels' own requirepass (also what they give each other)

    def __post_init__(self):
        self.ids = self.ids or [secrets.token_hex(20) for _ in self.sentinel_ports]

    @property
    def addresses(self) -> str:
        """IMGMOD_REDIS_SENTINELS for this group."""
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)

    def write(self, directory: Path, n: int) -> Path:
        """The nth sentinel's file (Sentinel rewrites it as it learns, so each has its own)."""
        path = directory / f"sentinel-{n}.conf"
        lines = [f"port {self.sentinel_ports[n]}", "bind 127.0.0.1", f"dir {directory}",
                 f"sentinel myid {self.ids[n]}",
                 f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.master_port} 2",
                 f"sentinel down-after-milliseconds {MASTER_NAME} {self.down_after_ms}",
                 f"sentinel failover-timeout {MASTER_NAME} 10000",
                 f"sentinel parallel-syncs {MASTER_NAME} {max(1, len(self.replica_ports))}"]
        if self.password:
            lines.append(f"sentinel auth-pass {MASTER_NAME} {self.password}")
        if self.sentinel_password:
            lines.append(f"requirepass {self.sentinel_password}")
        lines += [f"sentinel known-replica {MASTER_NAME} 127.0.0.1 {port}" for port in self.replica_ports]
        lines += [f"sentinel known-sentinel {MASTER_NAME} 127.0.0.1 {port} {self.ids[m]}"
                  for m, port in enumerate(self.sentinel_ports) if m != n]
        path.write_text("\n".join(lines) + "\n")
        return path


def master_port(sentinel_port: int, password: str | None = None) -> int:
    """The master's port as one sentinel sees it (`password`: the sentinel's own)."""
    with redis.Redis(port=sentinel_port, password=password, decode_responses=True, socket_timeout=1) as sentinel:
        return int(sentinel.sentinel_get_master_addr_by_name(MASTER_NAME)[1])


def sentinels_agree(sentinel_ports: list[int], port: int, password: str | None = None) -> bool:
    """Every sentinel names `port` as the master."""
    try:
        return all(master_port(sentinel, password) == port for sentinel in sentinel_ports)
    except redis.RedisError:
        return False


def in_sync(replica: redis.Redis) -> bool:
    """The replica's link to its master is up (it has loaded the master's data set)."""
    return replica.info("replication").get("master_link_status") == "up"
