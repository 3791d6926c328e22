"""The thanks shown to a reader, in the page's language."""
from __future__ import annotations

from flask import Request

from config import LANGUAGES

THANKS = {
    "ar": "شكرا على الإبلاغ! سيتم حجب هذه الصورة تلقائيا عندما يتم الإبلاغ عنها من طرف عدة أشخاص.",
    "fr": "Merci pour votre signalement ! Cette image sera masquée automatiquement "
          "lorsqu'elle aura été signalée par plusieurs personnes.",
    "en": "Thanks for reporting! This image will be hidden automatically when several people report it.",
}


def negotiate(request: Request, asked: str | None, default: str) -> str:
    """`?lang=` first, then Accept-Language (`fr-FR` matches `fr`), then the configured default."""
    if asked:
        return asked
    return request.accept_languages.best_match(LANGUAGES, default=default)
