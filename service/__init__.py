"""imgmod's core (store, queues, follow-ups) and its HTTP service.

Importing this package loads no Flask: workers use the core alone. The app is in service.web.app.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    from service.web.app import create_app as build

    return build(settings)
