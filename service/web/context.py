"""The app's services (settings, store, queue), kept in app.extensions, never in globals."""
from __future__ import annotations

from flask import Flask, current_app

from config import Settings
from service.core.services import Services, build_services

EXTENSION = "imgmod"


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions[EXTENSION] = build_services(settings)


def services() -> Services:
    return current_app.extensions[EXTENSION]
