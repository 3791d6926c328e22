"""Every Redis key name and key function of the image store, each family documented once here.

Which module of the package reads and writes a family is said in that module's docstring; the Lua
scripts (service/core/scripts/) receive these names as KEYS and never spell one themselves.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from service.core.ratelimit import Window

PREFIX = "imgmod:"

# Per image one small hash (`imgmod:img:<id>`): `n` count, `g` generation, `f`/`l` first and last
# counted report (ms; `l` only once there is a second), `u` the first image URL a reader gave since
# the last reset (a claim: shown to editors as a reader's, used for a placeholder only when the site
# registered no URL, never fetched for a hash), `a` the first article URL a reader gave (never
# fetched), `r:<reason>` counts, `k`/`q` the reconciler's claim on a lost crossing (how many times its
# hide was queued again, and when it may be next; gone once the crossing ends), and one `@<hmac>`
# field per reporter ever counted. An image's state lives only in the index sorted sets, so a lookup
# is one ZSCORE/ZMSCORE: member of `hidden` -> hidden, of `pending` -> crossed and waiting for a worker.
IMAGE_PREFIX = PREFIX + "img:"
REPORTED = PREFIX + "idx:reported"  # score: report count
PENDING = PREFIX + "idx:pending"  # score: crossing time (ms)
HIDDEN = PREFIX + "idx:hidden"  # score: hide time (ms)
PROTECTED = PREFIX + "idx:protected"  # score: protection time (ms)
REVIEW = PREFIX + "idx:review"  # score: when editors were asked (ms)
INDEXES = {"reported": REPORTED, "review": REVIEW, "pending": PENDING, "hidden": HIDDEN, "protected": PROTECTED}
# An action asked with If-Match names these indexes after its own keys (if_match.lua reads the state).
TAG_INDEXES = (HIDDEN, PENDING, REVIEW, PROTECTED)
COMMENTS_PREFIX = PREFIX + "cm:"  # list, newest first: the last 20 counted reports' comments (JSON)
PLACEHOLDER_PREFIX = PREFIX + "ph:"  # string per hidden image: its blurred placeholder (bytes)
# Per reporter and rate-limit window one counter (`imgmod:rl:<hmac>:<amount>/<seconds>`) that expires
# with its window.
RATE_PREFIX = PREFIX + "rl:"

RECENT_AUTO_HIDES = PREFIX + "autohides"  # sorted set, "<generation>|<id>" by hide time: the last hour's
HOUR_MS = 3_600_000
RECORD_PREFIX = PREFIX + "rep:"  # per site account (a keyed hash): its verdicts 'a'/'d', last seen 't', group 'gr'
GROUP_PREFIX = PREFIX + "grp:"  # set per group of site accounts overturned together: their record keys

AUDIT = PREFIX + "audit"  # stream; per image a list of its entries' ids (audit_index_key)
STATS = PREFIX + "stats"  # hash: cluster-wide event counters (hides, resets, job failures, webhooks)

# Follow-ups owed for hides, restores and review requests ("<hidden:<cause>|restored|review_requested>|
# <generation>|<event ms>|<id>", a hide by matching then "|<source>"): written
# in the same script as the state change, scored by when recovery may take it (the event time,
# then each claim's time), removed once its jobs are queued; a process dying in between leaves a
# trace that recovery finds.
OUTBOX = PREFIX + "outbox"
RECONCILE_LOCK = PREFIX + "lock:reconcile"  # string with a TTL: whose turn it is to reconcile
PRUNE_CURSOR = PREFIX + "prune:reported"  # ZSCAN cursor of the sweep over the reported index
# A re-enqueued crossing waits grace * 2^tries before the next try, doubling at most this many times,
# so a long queue backlog cannot make the reconciler pile up copies of the same hide.
MAX_BACKOFF_DOUBLINGS = 6

# Matching ("Same picture elsewhere"). Hashes are written by workers that fetched the image and read
# by workers only: no lookup ever touches these keys.
# hash: image id -> PDQ hash (32 bytes), quality (1 byte), when (4 bytes, s), then the hashes of the image
# turned and mirrored (PDQ's seven other dihedral variants, 32 bytes each; none for a hash kept before them)
MATCH_HASHES = PREFIX + "match:h"
MATCH_URLS = PREFIX + "match:u"  # hash: image id -> the URL registered for it (its placeholder's source)
MATCH_LOG = PREFIX + "match:log"  # list: image ids in the order their hashes were written (caches read its tail)
MATCH_LOG_BASE = PREFIX + "match:logbase"  # string: entries trimmed off the log's head, ever (trim_hash_log.lua)
# string: a random token written with the first hash. Workers' caches of the hashes remember it: a new
# one means Redis lost its data (a restart without persistence, a failover to an empty replica) and
# was written again since, so they load afresh, even when the new log has grown past their position.
MATCH_EPOCH = PREFIX + "match:epoch"
MATCHED_FROM = PREFIX + "match:from"  # hash: copy id -> the source whose hide it was hidden by
RELEASED_PREFIX = PREFIX + "match:rel:"  # set per copy: sources a reset released it from, never matched again
COPIES_PREFIX = PREFIX + "match:cp:"  # sorted set per source: the copies hidden through it, by distance (bits)
MATCH_PRUNE_CURSOR = PREFIX + "prune:match"  # HSCAN cursor of the retention sweep over the hashes
# Known-fine photos: the hash of a registered image a `disagree` reset restored, kept
# until an editor hides it (confirm or by hand), whatever the registration's retention.
MATCH_FINE = PREFIX + "match:fine"  # hash: image id -> PDQ hash (32 bytes), quality (1 byte), its variants
MATCH_FINE_VERSION = PREFIX + "match:finev"  # string: bumped at each change of MATCH_FINE (workers reload it)
MATCH_NEAR_FINE = PREFIX + "match:nf"  # hash: registered image id -> the known-fine image it is near (a worker's mark)

# Admin actions asked with an Idempotency-Key: per admin and key (a keyed hash), what was asked, then
# once answered the answer, for a day (once.lua).
ONCE_PREFIX = PREFIX + "once:"
ONCE_TTL_MS = 86_400_000

# Editors signed in through the newsroom's OpenID Connect provider: per session (a keyed hash of the
# cookie's random value, never the value itself) a hash of the audit actor and the CSRF token, living
# as long as the session; per sign-in under way, the client library's state (PKCE verifier, nonce).
EDITOR_SESSION_PREFIX = PREFIX + "editor:"
SIGN_IN_PREFIX = PREFIX + "signin:"
# Who is judging an image now (string per image, the audit's name of the editor), for a few minutes.
JUDGING_PREFIX = PREFIX + "judging:"
# The article a site registered an image in (string per image, never fetched), as long as its hash is kept.
ARTICLE_PREFIX = PREFIX + "art:"
# The URL a site registered an image with (string per image), kept from the registration itself: the URL
# kept with a hash exists only once a worker could fetch the photo, and a reset forgets the readers' URL,
# so without it a restored photo the site named had no address left to show editors.
REGISTERED_URL_PREFIX = PREFIX + "regurl:"
AUTH_FAILURES_PREFIX = PREFIX + "authfail:"  # per client (a keyed hash) and window: refused admin tokens


def image_key(image_id: str) -> str:
    return IMAGE_PREFIX + image_id


def audit_index_key(image_id: str) -> str:
    """An image's own index of its audit entries' ids, newest first (audit_event in prelude.lua)."""
    return AUDIT + ":" + image_id


def placeholder_key(image_id: str) -> str:
    return PLACEHOLDER_PREFIX + image_id


def comments_key(image_id: str) -> str:
    return COMMENTS_PREFIX + image_id


def rate_keys(reporter_key: str, windows: Sequence[Window]) -> list[str]:
    return [f"{RATE_PREFIX}{reporter_key}:{window.amount}/{window.seconds}" for window in windows]
