"""No raw IP address or reporter_id is ever written to Redis."""
from __future__ import annotations


def every_string_in_redis(client) -> list[bytes]:
    found = []
    for key in client.scan_iter(count=1000):
        found.append(key)
        kind = client.type(key)
        if kind == b"string":
            found.append(client.get(key))
        elif kind == b"hash":
            for field, value in client.hgetall(key).items():
                found += [field, value]
        elif kind == b"set":
            found += client.smembers(key)
        elif kind == b"zset":
            found += client.zrange(key, 0, -1)
        elif kind == b"list":
            found += client.lrange(key, 0, -1)
        elif kind == b"stream":
            for _, fields in client.xrange(key):
                for field, value in fields.items():
                    found += [field, value]
    return found


def test_no_raw_identity_anywhere_in_redis(reporter, workers, redis_server):
    ips = ["198.51.100.23", "203.0.113.145", "192.0.2.77"]
    ipv6 = "2001:db8:abcd:12::1"
    reporter_ids = ["reader-alice@example.org", "reader-bob-7741"]
    for ip in ips + [ipv6]:
        assert reporter.anonymous("img-1", ip=ip).status_code == 202
    for reporter_id in reporter_ids:
        assert reporter.frontend("img-1", reporter_id).status_code == 202
    workers.burst()

    raw = redis_server.client(decode=False)
    blob = b"\n".join(every_string_in_redis(raw))
    assert b"imgmod:" in blob and b"rq:" in blob  # the scan did see our keys and RQ's
    for secret in ips + reporter_ids + ["2001:db8:abcd:12", "2001:db8:abcd:12::/64"]:
        assert secret.encode() not in blob, secret
