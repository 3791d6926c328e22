"""The thanks shown to a reader, in the page's language."""
from __future__ import annotations

import functools

from flask import Request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from config import LANGUAGES

THANKS = {
    "ar": "شكرا على الإبلاغ! سيتم حجب هذه الصورة تلقائيا عندما يتم الإبلاغ عنها من طرف عدة أشخاص.",
    "fr": "Merci pour votre signalement ! Cette image sera masquée automatiquement "
          "lorsqu'elle aura été signalée par plusieurs personnes.",
    "en": "Thanks for reporting! This image will be hidden automatically when several people report it.",
}

# The receipt of a notice (DSA Art 16(4)), and what an incomplete one lacks.
NOTICE_RECEIPT = {
    "ar": "تم استلام إشعاركم. سيراجعه محررو الموقع ويبلغونكم بقرارهم.",
    "fr": "Votre notification a bien été reçue. Les éditeurs du site l'examineront et vous informeront de leur décision.",
    "en": "Your notice has been received. The site's editors will review it and tell you their decision.",
}
NOTICE_INCOMPLETE = {
    "ar": "ينقص الإشعار ما يلي: {missing}.",
    "fr": "Il manque à cette notification : {missing}.",
    "en": "This notice lacks: {missing}.",
}


def negotiate(request: Request, asked: str | None, default: str) -> str:
    """`?lang=` if we offer it, then Accept-Language (`fr-FR` matches `fr`), then the configured default."""
    if asked in LANGUAGES:
        return asked
    return _best_language(request.headers.get("Accept-Language", ""), default)


@functools.lru_cache(maxsize=512)
def _best_language(accept_language: str, default: str) -> str:
    """Parsing a browser's header is not free (BENCHMARKS.md); readers' browsers send few distinct ones."""
    return parse_accept_header(accept_language, LanguageAccept).best_match(LANGUAGES, default=default)
