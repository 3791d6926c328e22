"""What editors taught: site accounts' records, the mix of an image's reporters, and the brake on
automatic hides.

Owns `imgmod:rep:<hmac>` (RECORD_PREFIX), `imgmod:grp:<hash>` (GROUP_PREFIX) and `imgmod:autohides`
(RECENT_AUTO_HIDES); report.lua, reset.lua and confirm.lua write them in the same step as a state change.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from config import Settings
from service.core.store.keys import HOUR_MS, RECENT_AUTO_HIDES, RECORD_PREFIX, image_key
from service.core.store.base import StoreBase
from service.core.store.scripts import _text


@dataclass(frozen=True)
class TrustRules:
    """What editors taught and how much automatic hiding is allowed (contract v2, "Trust"); the
    defaults are the configuration's."""
    review_reasons: frozenset[str] = frozenset(Settings.review_reasons)  # to editors, never hidden by reports
    record_ttl_ms: int = Settings.reputation_ttl_days * 86_400_000  # a site account's verdicts, forgotten after
    brake: int = 0  # automatic hides per hour past which crossings go to review; 0: off (Settings: None)
    restore_guard_ms: int = Settings.restore_guard_days * 86_400_000  # after a `disagree` reset: crossings go to review

    @classmethod
    def of(cls, settings: Settings) -> "TrustRules":
        return cls(frozenset(settings.review_reasons), settings.reputation_ttl_days * 86_400_000,
                   settings.auto_hide_brake or 0, settings.restore_guard_days * 86_400_000)


class Trust(StoreBase):
    """The Store's part for site accounts' records and the brake."""

    def record(self, record: str) -> tuple[int, int]:
        """A site account's (agreed, disagreed) verdicts."""
        agreed, disagreed = self.redis.hmget(RECORD_PREFIX + record, ["a", "d"])
        return int(agreed or 0), int(disagreed or 0)

    def reporter_mixes(self, images: Sequence[tuple[str, int]]) -> list[dict[str, int]]:
        """For each (image id, generation): how many of that generation's reporters are anonymous
        readers, how many site accounts, and how many of those have a poor record (more disagreed
        verdicts than agreed). Kinds only, never who; two round trips whatever the number of images."""
        pipe = self.redis.pipeline(transaction=False)
        for image_id, _ in images:
            pipe.hgetall(image_key(image_id))
        counted = []  # per image: the record key ('' for an anonymous reader) of each current reporter
        for (_, generation), fields in zip(images, pipe.execute()):
            values = (_reporter_value(_text(value)) for name, value in fields.items() if _text(name).startswith("@"))
            counted.append([record for counted_in, record in values if counted_in == str(generation)])
        records = sorted({record for image in counted for record in image if record})
        for record in records:
            pipe.hmget(record, ["a", "d"])
        poor = {record for record, (agreed, disagreed) in zip(records, pipe.execute())
                if int(disagreed or 0) > int(agreed or 0)}
        return [{"anonymous": sum(1 for record in image if not record),
                 "accounts": sum(1 for record in image if record),
                 "poor_record": sum(1 for record in image if record in poor)} for image in counted]

    def brake_holds(self) -> bool:
        """True while automatic hides of the last hour have reached the brake."""
        if not self.trust.brake:
            return False
        seconds, micros = self.redis.time()
        since = seconds * 1000 + micros // 1000 - HOUR_MS
        return self.redis.zcount(RECENT_AUTO_HIDES, f"({since}", "+inf") >= self.trust.brake


def _reporter_value(value: str) -> tuple[str, str]:
    """A reporter field's value, 'generation[|weight[|record key[|1]]]' (report.lua): the generation it was
    counted in and its record key ('' for an anonymous reader)."""
    generation, _, rest = value.partition("|")
    return generation, rest.partition("|")[2].partition("|")[0]
