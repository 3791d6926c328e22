"""What the store keeps for editors and their sign-in: who is judging an image, the articles sites
registered, sessions and sign-ins under way, and refused admin tokens.

Owns `imgmod:judging:<id>` (JUDGING_PREFIX), `imgmod:art:<id>` (ARTICLE_PREFIX), `imgmod:regurl:<id>`
(REGISTERED_URL_PREFIX), `imgmod:editor:<hmac>`
(EDITOR_SESSION_PREFIX), `imgmod:signin:<key>` (SIGN_IN_PREFIX) and `imgmod:authfail:<hmac>`
(AUTH_FAILURES_PREFIX); images.py reads the first three into an image's status.
"""
from __future__ import annotations

from typing import Sequence

from service.core.store.base import StoreBase
from service.core.store.keys import (ARTICLE_PREFIX, AUTH_FAILURES_PREFIX, EDITOR_SESSION_PREFIX, JUDGING_PREFIX,
                                     REGISTERED_URL_PREFIX, SIGN_IN_PREFIX)
from service.core.store.scripts import _text


class Editors(StoreBase):
    """The Store's part for editors' sessions, sign-ins, judging and articles."""

    def judging(self, image_id: str, actor: str, ttl_seconds: int) -> None:
        """`actor` has the image open: others are told for `ttl_seconds` (a hint, never a lock)."""
        self.redis.set(JUDGING_PREFIX + image_id, actor, ex=ttl_seconds)

    def register_articles(self, articles: Sequence[tuple[str, str]], ttl_seconds: int) -> None:
        """Keep the article each (image id, article URL) was registered in: the site's word, shown to editors."""
        pipe = self.redis.pipeline(transaction=False)
        for image_id, url in articles:
            pipe.set(ARTICLE_PREFIX + image_id, url, ex=ttl_seconds)
        pipe.execute()

    def register_urls(self, images: Sequence[tuple[str, str]], ttl_seconds: int) -> None:
        """Keep the URL each (image id, URL) was registered with, whether or not a worker can fetch it."""
        pipe = self.redis.pipeline(transaction=False)
        for image_id, url in images:
            pipe.set(REGISTERED_URL_PREFIX + image_id, url, ex=ttl_seconds)
        pipe.execute()

    def start_editor_session(self, key: str, fields: dict[str, str], ttl_seconds: int) -> None:
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(EDITOR_SESSION_PREFIX + key, mapping=fields).expire(EDITOR_SESSION_PREFIX + key, ttl_seconds)
        pipe.execute()

    def editor_session(self, key: str) -> dict[str, str] | None:
        fields = self.redis.hgetall(EDITOR_SESSION_PREFIX + key)
        return {_text(name): _text(value) for name, value in fields.items()} or None

    def end_editor_session(self, key: str) -> None:
        self.redis.delete(EDITOR_SESSION_PREFIX + key)

    def sign_in_state(self, key: str) -> str | None:
        value = self.redis.get(SIGN_IN_PREFIX + key)
        return None if value is None else _text(value)

    def save_sign_in_state(self, key: str, value: str, ttl_seconds: int) -> None:
        self.redis.set(SIGN_IN_PREFIX + key, value, ex=ttl_seconds)

    def forget_sign_in_state(self, key: str) -> None:
        self.redis.delete(SIGN_IN_PREFIX + key)

    def auth_failures(self, client_key: str) -> int:
        return int(self.redis.get(AUTH_FAILURES_PREFIX + client_key) or 0)

    def count_auth_failure(self, client_key: str, window_seconds: int) -> None:
        """One more refused admin token from this client, in a window that starts with its first."""
        key = AUTH_FAILURES_PREFIX + client_key
        pipe = self.redis.pipeline(transaction=True)
        pipe.set(key, 0, ex=window_seconds, nx=True).incr(key)  # EXPIRE NX would need Redis 7
        pipe.execute()
