"""The `imgmod` command line: thin wrappers over the functions the API and workers use."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from redis.exceptions import RedisError

from config import ConfigError, Settings, load_settings


def _settings(require_redis: bool = True) -> Settings:
    try:
        settings = load_settings()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    if require_redis and not settings.redis_url:
        raise click.ClickException("IMGMOD_REDIS_URL is required (imgmod dev starts a Redis of its own)")
    return settings


@click.group()
def main():
    """imgmod: image-report moderation for news sites."""


@main.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="HOST:PORT for the API")
@click.option("--data-dir", default=".imgmod", show_default=True, type=click.Path(path_type=Path),
              help="Where the embedded Redis and the dev secret live")
def dev(bind, data_dir):
    """Embedded Redis (unless IMGMOD_REDIS_URL is set), the API and one worker."""
    from service.devserver import DevError, run_dev

    try:
        sys.exit(run_dev(bind, data_dir))
    except DevError as error:
        raise click.ClickException(str(error)) from None


@main.command()
@click.option("--bind", default="0.0.0.0:8000", show_default=True, help="HOST:PORT")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="gunicorn processes")
def serve(bind, workers):
    """The API under gunicorn."""
    from service import create_app
    from service.server import serve as run

    settings = _settings()
    run(create_app(settings), bind, workers, settings.log_level)


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty")
def worker(burst):
    """An RQ worker on the hide queue; run as many as you like."""
    from workers.worker import run_worker

    settings = _settings()
    try:
        run_worker(settings, burst=burst)
    except RedisError as error:
        raise click.ClickException(f"Redis at {settings.redis_url} is unreachable: {type(error).__name__}") from None


@main.command()
@click.argument("image_id")
def status(image_id):
    """What is known about one image."""
    print(json.dumps(_store().status(_image_id(image_id)), indent=2))


def _image_id(value: str) -> str:
    from service.schemas import ImagePathSchema

    errors = ImagePathSchema().validate({"image_id": value})
    if errors:
        raise click.BadParameter(" ".join(errors["image_id"]), param_hint="IMAGE_ID")
    return value


def _store():
    from service.connections import connect
    from service.store import Store

    settings = _settings()
    store = Store(connect(settings.redis_url), settings.threshold, settings.audit_max_events)
    try:
        store.ping()
    except RedisError as error:
        raise click.ClickException(f"Redis at {settings.redis_url} is unreachable: {type(error).__name__}") from None
    return store


if __name__ == "__main__":
    main()
