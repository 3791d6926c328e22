"""The store's Lua scripts: their text (service/core/scripts/, each behind prelude.lua), how an admin
action's script is wrapped to run only If-Match and at most once per Idempotency-Key, and the script
object that sends them on the direct connections. Owns no key: scripts are given theirs as KEYS."""
from __future__ import annotations

import hashlib
from importlib.resources import files

from redis import Redis
from redis.commands.core import Script
from redis.exceptions import NoScriptError

from service.core.connections import DirectCommands
from service.core.store.keys import TAG_INDEXES


class DirectScript(Script):
    """redis-py's script object, sent on the store's direct connections unless a client (a pipeline) is
    given, and answered only once `replicas` replicas hold what it wrote."""

    def __init__(self, redis: Redis, direct: DirectCommands, text: str, replicas: int = 0):
        super().__init__(redis, text)
        self.direct = direct
        self.replicas = replicas

    def __call__(self, keys=(), args=(), client=None):
        if client is not None:
            return super().__call__(keys, args, client)
        command = ("EVALSHA", self.sha, len(keys), *keys, *args)
        try:
            return self.direct(*command, replicas=self.replicas)
        except NoScriptError:  # a restarted, flushed or newly promoted Redis ran nothing: load it, then again
            self.registered_client.script_load(self.script)
            return self.direct(*command, replicas=self.replicas)


def _lua(name: str) -> str:
    # The scripts stay beside the store's package (package data of service.core), shared with notice_store.
    return files("service.core").joinpath(f"scripts/{name}.lua").read_text()


def _script_text(name: str) -> str:
    return _lua("prelude") + _lua(name)


def _load_script(redis: Redis, direct: DirectCommands, name: str, replicas: int = 0) -> DirectScript:
    return DirectScript(redis, direct, _script_text(name), replicas)


def _reset_body() -> str:
    """reset.lua as the function reset_body, then match_reset.lua, which calls it: one script's body."""
    return "local function reset_body()\n" + _lua("reset") + "\nend\n" + _lua("match_reset")


def _guarded_text(body: str, once: bool, if_match: bool) -> str:
    """A script's body as the function `action`, run only while the image still has the tag the editor
    holds (if_match.lua) and at most once per Idempotency-Key (once.lua), as asked."""
    text = _lua("prelude") + "local function action()\n" + body + "\nend\n"
    if if_match:  # where its keys and argument are: before once.lua's key and two arguments
        text += (f"local GUARD_KEYS, GUARD_ARG = #KEYS - {len(TAG_INDEXES) + once}, #ARGV - {2 * once}\n"
                 + _lua("if_match"))
    else:
        text += "local function precondition() return nil end\n"
    if once:
        return text + _lua("once")
    return text + "local refused = precondition()\nif refused then return refused end\nreturn {'done', action()}\n"


def image_tag(state: str, generation: int, protected: bool, hidden_by: str | None, verdict: str) -> str:
    """What an image's ETag is made of (if_match.lua's image_tag computes the same in the script)."""
    text = "|".join((state, str(generation), "p" if protected else "", hidden_by or "", verdict))
    return hashlib.sha1(text.encode()).hexdigest()[:20]


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
