"""Who is reporting: the client's network or a frontend's reporter id, kept only as a keyed hash."""
from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress

# 64 bits, salted per image: two of 10,000 reporters of one image collide with a chance of
# about 3e-12, and the field stays short (11 characters), which keeps an image's reporters small
# in Redis (bytes per image: BENCHMARKS.md).
DIGEST_BYTES = 8


def network_of(address: str) -> str:
    """The unit that counts as one anonymous reporter: an IPv4 address or an IPv6 /64.

    One IPv6 host usually owns a whole /64, so counting single addresses would let it mint
    reporters at will.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown:" + address
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.version == 4:
        return str(ip)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def anonymous_identity(remote_addr: str | None) -> str:
    return "ip:" + network_of(remote_addr or "")


def frontend_identity(frontend: str, reporter_id: str) -> str:
    return f"fe:{frontend}:{reporter_id}"


def keyed_hash(secret: str, domain: str, value: str, digest_bytes: int = 12) -> str:
    """An HMAC of `value` in a `domain` of its own (rate limits, admin failures, records), so that
    no two kinds of key can be joined; 96 bits by default: short keys, reporters kept apart."""
    mac = hmac.new(secret.encode(), f"{domain}\x00{value}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:digest_bytes]).decode()


def record_key(secret: str, identity: str) -> str:
    """A site account's record of verdicts: the same for it on every image (that is its point), in an
    HMAC domain of its own, so it cannot be joined with the per-image reporter hashes. Only for site
    accounts: an address never gets one."""
    if not identity.startswith("fe:"):
        raise ValueError("only site accounts (a frontend's reporter_id) have a record")
    return keyed_hash(secret, "record", identity)


def reporter_hash(secret: str, identity: str, image_id: str) -> str:
    """Keyed per image, so hashes cannot be joined across images to follow one reader."""
    mac = hmac.new(secret.encode(), f"{identity}\x00{image_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:DIGEST_BYTES]).decode()
