"""The `imgmod` command line: thin wrappers over the functions the API and workers use."""
from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path

import click
from redis.exceptions import RedisError

from config import SECRET_KINDS, ConfigError, Settings, load_settings, new_secret


DEV_DATA_DIR = Path(".imgmod")  # `imgmod dev`'s default


def _settings(require_redis: bool = True) -> Settings:
    env = dict(os.environ)
    if not env.get("IMGMOD_REDIS_URL") and not env.get("IMGMOD_REDIS_SENTINELS"):
        from service.devserver import running_dev_env

        # Next to a running `imgmod dev` (same directory), its Redis and secret: nothing to export.
        for name, value in running_dev_env(DEV_DATA_DIR).items():
            env.setdefault(name, value)
    try:
        settings = load_settings(env)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    if require_redis and not settings.has_redis:
        raise click.ClickException("IMGMOD_REDIS_URL or IMGMOD_REDIS_SENTINELS is required "
                                   "(imgmod dev starts a Redis of its own)")
    return settings


class Commands(click.Group):
    """Turns a Redis outage in the middle of any command into one clear line, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except RedisError as error:
            raise click.ClickException(f"Redis is unreachable: {type(error).__name__}") from None


@click.group(cls=Commands)
def main():
    """imgmod: image-report moderation for news sites."""


@main.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="HOST:PORT for the API")
@click.option("--data-dir", default=str(DEV_DATA_DIR), show_default=True, type=click.Path(path_type=Path),
              help="Where the embedded Redis and the dev secret live")
@click.option("--redis-server", "redis_server", metavar="PATH",
              help="The redis-server or valkey-server to embed (default: a wheel's, else one on PATH)")
def dev(bind, data_dir, redis_server):
    """Embedded Redis (unless IMGMOD_REDIS_URL is set), the API and one worker."""
    from service.devserver import DevError, run_dev

    try:
        sys.exit(run_dev(bind, data_dir, redis_server))
    except DevError as error:
        raise click.ClickException(str(error)) from None


@main.command()
@click.option("--bind", default="0.0.0.0:8000", show_default=True, help="HOST:PORT")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="gunicorn processes")
def serve(bind, workers):
    """The API under gunicorn."""
    from service.core import logs
    from service.server import metrics_dir, serve as run

    settings = _settings()
    logs.configure(settings.log_level)
    with metrics_dir():  # before the app (and prometheus-client) is imported
        from service import create_app

        run(create_app(settings), bind, workers, settings.log_level)


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queues are empty")
@click.option("--check", is_flag=True, help="Only check: exit 0 if a worker on this host has a recent heartbeat")
def worker(burst, check):
    """Two RQ workers: hides in this process, follow-ups in a second one; run as many as you like."""
    from service.core import logs
    from workers.worker import run_worker

    settings = _settings()
    if check:
        _check_worker(settings)
        return
    logs.configure(settings.log_level)
    run_worker(settings, burst=burst)


def _check_worker(settings: Settings) -> None:
    """The container healthcheck: RQ's heartbeat of a worker on this host, read from Redis."""
    from service.core.connections import client_for
    from service.core.liveness import worker_alive_here
    from service.core.queue import hide_queue

    if not worker_alive_here(hide_queue(client_for(settings, decode=False))):
        raise click.ClickException("no worker with a recent heartbeat on this host")
    click.echo("worker alive")


def _image_id(ctx, param, values):
    from service.web.schemas import ImagePathSchema

    for value in values if isinstance(values, tuple) else (values,):
        errors = ImagePathSchema().validate({"image_id": value})
        if errors:
            raise click.BadParameter(f"{value!r}: {' '.join(errors['image_id'])}")
    return values


def _services():
    from service.core.services import build_services

    services = build_services(_settings())
    services.store.ping()
    return services


def _actor() -> str:
    return "cli:" + getpass.getuser()


def _print(document) -> None:
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


def _print_image(status: dict, services) -> None:
    """An image as the admin API shows it: the same fields, times in ISO 8601 UTC."""
    from service.web.api.admin import detail
    from service.web.schemas import AdminImageSchema

    _print(AdminImageSchema().dump(detail(status, services.store)))


@main.command()
@click.argument("image_id", callback=_image_id)
def status(image_id):
    """What is known about one image."""
    services = _services()
    _print_image(services.store.status(image_id), services)


@main.command()
@click.argument("image_ids", nargs=-1, required=True, callback=_image_id, metavar="ID...")
@click.option("--forget-reporters", is_flag=True, help="Let the dismissed reporters count again")
@click.option("--note", default="", help="Why, for the audit trail")
@click.option("--verdict", type=click.Choice(["disagree", "ignore"]), default="disagree", show_default=True,
              help="disagree: the site accounts that reported lose trust; ignore: no verdict")
def reset(image_ids, forget_reporters, note, verdict):
    """Count to zero and visible again (restore)."""
    from service.core import moderation

    services = _services()
    for image_id in image_ids:
        _print_image(moderation.reset(services, image_id, _actor(), forget_reporters, note, verdict), services)


@main.command()
@click.argument("image_id", callback=_image_id)
@click.option("--note", default="", help="Why, for the audit trail")
def confirm(image_id, note):
    """The reports are right: hidden until a reset, and the site accounts that reported gain trust."""
    from service.core import moderation

    services = _services()
    _print_image(moderation.confirm(services, image_id, _actor(), note), services)


@main.command()
@click.argument("image_id", callback=_image_id)
def hide(image_id):
    """Hide an image now, by hand."""
    from service.core import moderation

    services = _services()
    _print_image(moderation.hide(services, image_id, _actor()), services)


@main.command()
@click.argument("image_id", callback=_image_id)
def protect(image_id):
    """Never hide this image automatically (reports still count)."""
    from service.core import moderation

    services = _services()
    _print_image(moderation.set_protection(services, image_id, True, _actor()), services)


@main.command()
@click.argument("image_id", callback=_image_id)
def unprotect(image_id):
    """Lift the protection; an image already over the threshold is then hidden."""
    from service.core import moderation

    services = _services()
    _print_image(moderation.set_protection(services, image_id, False, _actor()), services)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def widget(path):
    """Write widget.js, exactly as GET /v1/widget.js serves it, for the site to serve its own copy."""
    from service.web.pages import write_widget

    click.echo(f"widget.js {write_widget(path)} written to {path}")


@main.command()
@click.option("--kind", type=click.Choice(list(SECRET_KINDS)), default="admin", show_default=True,
              help="admin: a token of IMGMOD_ADMIN_TOKENS; frontend: a key of IMGMOD_FRONTEND_KEYS; "
                   "webhook: IMGMOD_WEBHOOK_SECRET (whsec_ form); secret-key: IMGMOD_SECRET_KEY")
def secret(kind):
    """Print a new random secret of the length and form its variable requires."""
    click.echo(new_secret(kind))


@main.command()
def stats():
    """How many images are reported, pending, hidden and protected; queue and workers."""
    from rq import Worker

    services = _services()
    # Each `imgmod worker` runs one RQ worker per queue: its hide queue's one counts the process.
    _print({**services.store.counts(), "queue_length": services.hides.count,
            "workers": Worker.count(queue=services.hides)})


@main.command()
@click.option("--since", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First day (UTC) of the restrictions to write")
def statements(since):
    """Statements of reasons since DATE, one JSON line each, in the Transparency Database's format."""
    from datetime import timezone

    from service.core.notice_store import notices_of
    from service.core.statements import statements_lines

    since_ms = int(since.replace(tzinfo=timezone.utc).timestamp() * 1000)
    out = sys.stdout.buffer
    lines: list[bytes] = []
    for line in statements_lines(notices_of(_services()), since_ms):
        lines.append(line)
        if len(lines) == 1000:  # written a thousand lines at a time: one flush per line costs more than a line
            out.write(b"".join(lines))
            lines.clear()
    out.write(b"".join(lines))
    out.flush()


@main.command()
@click.option("--year", required=True, type=click.IntRange(2020, 2100), help="Calendar year (UTC)")
def transparency(year):
    """The hosting service's yearly counts (DSA Art 15) as CSV: notices, actions, automation, median time."""
    from service.core.notice_store import notices_of
    from service.core.statements import transparency_csv

    click.echo(transparency_csv(notices_of(_services()), year), nl=False)


if __name__ == "__main__":
    main()
