"""The `ha` phase: what replication costs and buys, on Sentinel-managed groups as operators run them.

- Report ingest with IMGMOD_REDIS_MIN_REPLICAS_ACK 0 and 1 on a master with one replica: the same
  `imgmod serve` settings and wrk script, only the knob differs (each write script is followed by
  `WAIT 1 500` in the same round trip).
- Single and bulk lookups with IMGMOD_LOOKUPS_FROM_REPLICAS=1 on one and on two replicas, against
  the same lookups on the master. redis-py chooses a replica through the sentinels (`slave_for`),
  so each group has three seeded sentinels (harness/sentinels.py).

Every process runs on this one machine: replicas take CPU from the API they serve, so the replica
figures show what reading a replica costs, not what more machines would add.
"""
from __future__ import annotations

import json
from pathlib import Path

from bench.loads import Loads, Target
from bench.services import Processes, free_port, redis_binary, start_redis
from bench.stack import Stack, log
from harness.sentinels import SentinelSeeds, in_sync, sentinels_agree
from harness.wait import wait_until

# (figure, side) in the order they are measured, interleaved run by run.
INGEST_SIDES = ("ack0", "ack1")
LOOKUP_SIDES = ("master", "replica1", "replica2")


class ReplicatedRedis:
    """A master, `replicas` replicas (--replicaof) and three seeded sentinels; no passwords, since imgmod
    passes none through Sentinel (the data here is the bench's own, filled by it)."""

    def __init__(self, processes: Processes, name: str, workdir: Path, replicas: int):
        directory = workdir / name
        self.master = start_redis(processes, f"{name}-master", directory / "master", password=False)
        replica_of = ("--replicaof", "127.0.0.1", str(self.master.port))
        self.replicas = [start_redis(processes, f"{name}-replica-{n}", directory / f"replica-{n}", password=False,
                                     extra_args=replica_of) for n in range(replicas)]
        wait_until(lambda: all(in_sync(replica.client()) for replica in self.replicas), f"{name}: replicas",
                   self.master.process, seconds=60)
        seeds = SentinelSeeds(self.master.port, [replica.port for replica in self.replicas],
                              [free_port() for _ in range(3)])
        for n in range(3):
            processes.spawn(f"{name}-sentinel-{n}", [redis_binary(), str(seeds.write(directory, n)), "--sentinel"])
        wait_until(lambda: sentinels_agree(seeds.sentinel_ports, self.master.port), f"{name}: sentinels",
                   self.master.process, seconds=60)
        self.sentinels = seeds.addresses

    def wait_caught_up(self) -> None:
        """Every replica has applied all the master has written (after a fill)."""
        def caught_up() -> bool:
            offset = self.master.client().info("replication")["master_repl_offset"]
            return all(replica.client().info("replication")["slave_repl_offset"] >= offset
                       for replica in self.replicas)
        wait_until(caught_up, "the replicas to catch up", self.master.process, seconds=300)


def ha_phase(plan, processes: Processes, workdir: Path, secret: str, frontend_key: str) -> dict:
    one = ReplicatedRedis(processes, "ha-1-replica", workdir, replicas=1)
    two = ReplicatedRedis(processes, "ha-2-replicas", workdir, replicas=2)

    def stack(name: str, group: ReplicatedRedis, **env: str) -> Stack:
        return Stack(processes, name, workdir, secret, frontend_key, redis=group.master,
                     env={"IMGMOD_REDIS_SENTINELS": group.sentinels, **env})

    ingest_stacks = {"ack0": stack("ha-ack0", one), "ack1": stack("ha-ack1", one, IMGMOD_REDIS_MIN_REPLICAS_ACK="1")}
    lookup_stacks = {"master": ingest_stacks["ack0"],
                     "replica1": stack("ha-replica1", one, IMGMOD_LOOKUPS_FROM_REPLICAS="1"),
                     "replica2": stack("ha-replica2", two, IMGMOD_LOOKUPS_FROM_REPLICAS="1")}
    for filled, group in ((ingest_stacks["ack0"], one), (lookup_stacks["replica2"], two)):
        filled.fill(plan.stored_small)
        group.wait_caught_up()
    for served in (*ingest_stacks.values(), *lookup_stacks.values()):
        served.api.wait()
    # One idle worker per group takes the rare crossings of the ingest runs.
    ingest_stacks["ack0"].workers.start(1)
    lookup_stacks["replica2"].workers.start(1)

    loads = Loads.prepared(workdir, frontend_key, plan.ingest_pool)
    connections = plan.lookup_connections

    def ingest(side: str, seconds: int) -> dict:
        served = ingest_stacks[side]
        return loads.ingest(Target(served.api, served.redis, served), connections, seconds)

    def lookup(side: str, kind: str, seconds: int) -> dict:
        served = lookup_stacks[side]
        return loads.lookup(Target(served.api, None, served), kind, plan.stored_small, connections, seconds)

    # Warmed up even in a smoke run: a replica-reading process finds its replica through the sentinels
    # on its first lookup, which on a busy machine took longer than a smoke run's one second.
    warmup = max(1, plan.warmup_seconds)
    for side in INGEST_SIDES:
        ingest(side, warmup)
    for side in LOOKUP_SIDES:
        for kind in ("single", "bulk"):
            lookup(side, kind, warmup)
    # Interleaved run by run, so that the machine's other load weighs on every side alike.
    for run in range(plan.runs):
        for side in INGEST_SIDES:
            loads.record(f"ingest_c{connections}", side, ingest(side, plan.seconds), run, phase="ha")
        for kind in ("single", "bulk"):
            for side in LOOKUP_SIDES:
                loads.record(kind, side, lookup(side, kind, plan.seconds), run, phase="ha")
    ingest_stacks["ack0"].workers.stop()
    lookup_stacks["replica2"].workers.stop()
    log("ha: done")
    return {"replicas": {"ack": 1, "lookups": [1, 2]}, "figures": json.loads(json.dumps(loads.results))}
