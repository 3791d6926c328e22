"""Placeholders: a blurred copy fetched safely from allowed hosts, or the neutral image."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageStat

from service.core import moderation
from tests.conftest import with_settings
from tests.http_fixtures import LocalServer
from service.core.placeholders import content_type, neutral
from workers.fetch import FetchFailed, FetchRefused, allowed, fetch_image


def photo(width: int = 400, height: int = 300) -> bytes:
    """A detailed test picture: stripes and a checkerboard, full of edges."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 8):
        draw.rectangle([x, 0, x + 3, height // 2], fill=(200, 30, 30))
    for x in range(0, width, 10):
        for y in range(height // 2, height, 10):
            if (x + y) // 10 % 2:
                draw.rectangle([x, y, x + 9, y + 9], fill=(20, 20, 120))
    out = BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def bomb() -> bytes:
    """A tiny file that decodes to 144 megapixels."""
    out = BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, "PNG")
    return out.getvalue()


def animated() -> bytes:
    out = BytesIO()
    frames = [Image.new("RGB", (40, 40), colour) for colour in ("red", "blue")]
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


PHOTO = photo()
FILES = {
    "/photo.jpg": ("image/jpeg", PHOTO),
    "/tall.jpg": ("image/jpeg", photo(200, 500)),
    "/bomb.png": ("image/png", bomb()),
    "/truncated.jpg": ("image/jpeg", PHOTO[: len(PHOTO) // 2]),
    "/notes.txt": ("text/plain", b"this is not an image at all\n" * 20),
    "/animated.gif": ("image/gif", animated()),
}


@pytest.fixture(scope="module")
def image_host():
    def route(request):
        if request.path.startswith("/redirect-away"):
            return 302, {"Location": f"http://localhost:{server.port}/photo.jpg"}, b""
        if request.path.startswith("/redirect-home"):
            return 302, {"Location": "/photo.jpg"}, b""
        if request.path in FILES:
            kind, data = FILES[request.path]
            return 200, {"Content-Type": kind}, data
        return 404, {}, b""

    with LocalServer(route) as server:
        yield server


@pytest.fixture
def settings(settings, image_host):
    image_host.requests.clear()
    return with_settings(settings, image_hosts=(image_host.host,))


def hide_with_url(services, image_id: str, url: str | None) -> None:
    for n in range(3):
        moderation.report(services, image_id, f"r{n}", "nudity", url)


def served(client, image_id: str) -> Image.Image:
    answer = client.get(f"/v1/images/{image_id}/placeholder")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.content_type in ("image/webp", "image/jpeg")
    return Image.open(BytesIO(answer.data))


def edge_energy(image: Image.Image) -> float:
    return ImageStat.Stat(image.convert("L").filter(ImageFilter.FIND_EDGES)).mean[0]


def is_neutral(client, image_id: str) -> bool:
    return client.get(f"/v1/images/{image_id}/placeholder").data == neutral()


@pytest.mark.parametrize(("path", "size"), [("/photo.jpg", (400, 300)), ("/tall.jpg", (200, 500))])
def test_placeholder_is_a_small_blurred_copy_with_the_aspect_ratio(client, services, workers, image_host, path, size):
    hide_with_url(services, "img-1", image_host.url(path))
    workers.burst()
    answer = client.get("/v1/images/img-1/placeholder")
    assert "max-age=86400" in answer.headers["Cache-Control"]
    assert len(answer.data) < 10_000
    placeholder = Image.open(BytesIO(answer.data))
    assert abs(placeholder.width / placeholder.height - size[0] / size[1]) < 0.03
    original = Image.open(BytesIO(FILES[path][1])).resize(placeholder.size)
    assert edge_energy(placeholder) < 0.2 * edge_energy(original)


def test_the_document_names_every_content_type_a_placeholder_is_served_as(client):
    """content_type() answers WebP or JPEG (the contract's "WebP or JPEG"); the document said WebP only."""
    operation = client.get("/openapi.json").json["paths"]["/v1/images/{image_id}/placeholder"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"image/webp", "image/jpeg"}
    assert {content_type(neutral()), content_type(b"\xff\xd8\xff\xe0" + bytes(20))} == {"image/webp", "image/jpeg"}


def test_no_placeholder_while_visible(client, services):
    assert client.get("/v1/images/img-1/placeholder").status_code == 404
    moderation.report(services, "img-1", "r0", "spam", None)
    answer = client.get("/v1/images/img-1/placeholder")
    assert answer.status_code == 404 and answer.is_json and "img-1" in answer.json["message"]


def test_neutral_placeholder_without_a_url(client, services, workers):
    hide_with_url(services, "img-1", None)
    workers.burst()
    image = served(client, "img-1")
    assert is_neutral(client, "img-1")
    assert ImageStat.Stat(image.convert("L")).stddev[0] < 2  # one calm colour


def test_neutral_until_the_worker_made_the_copy(client, services, image_host):
    hide_with_url(services, "img-1", image_host.url("/photo.jpg"))
    services.store.hide_now("img-1", "test")  # hidden, no placeholder job has run
    answer = client.get("/v1/images/img-1/placeholder")
    assert answer.data == neutral() and "max-age=60" in answer.headers["Cache-Control"]


def test_unlisted_host_is_never_requested(client, services, workers, image_host):
    hide_with_url(services, "img-1", f"http://localhost:{image_host.port}/photo.jpg")
    workers.burst()
    assert is_neutral(client, "img-1")
    assert image_host.requests == []


def test_redirect_to_an_unlisted_host_is_not_followed(client, services, workers, image_host):
    hide_with_url(services, "img-1", image_host.url("/redirect-away"))
    workers.burst()
    assert is_neutral(client, "img-1")
    assert [request.path for request in image_host.requests] == ["/redirect-away"]


def test_redirect_within_an_allowed_host_is_not_followed_either(client, services, workers, image_host):
    hide_with_url(services, "img-1", image_host.url("/redirect-home"))
    workers.burst()
    assert is_neutral(client, "img-1")
    assert [request.path for request in image_host.requests] == ["/redirect-home"]


def test_hostile_images_give_the_neutral_placeholder_and_the_worker_goes_on(client, services, workers, image_host):
    hostile = ["/bomb.png", "/truncated.jpg", "/notes.txt", "/animated.gif"]
    for n, path in enumerate(hostile):
        hide_with_url(services, f"hostile-{n}", image_host.url(path))
    hide_with_url(services, "next", image_host.url("/photo.jpg"))
    workers.burst(1)  # one worker takes them all, in order
    for n, path in enumerate(hostile):
        assert services.store.status(f"hostile-{n}")["hidden"] is True
        assert is_neutral(client, f"hostile-{n}"), path
    assert services.store.status("next")["hidden"] is True
    assert not is_neutral(client, "next")
    assert sorted(request.path for request in image_host.requests) == sorted(hostile + ["/photo.jpg"])


def test_first_valid_url_is_kept(client, services, workers, image_host):
    moderation.report(services, "img-1", "r0", "other", image_host.url("/photo.jpg"))
    moderation.report(services, "img-1", "r1", "other", image_host.url("/notes.txt"))
    moderation.report(services, "img-1", "r2", "other", None)
    workers.burst()
    assert not is_neutral(client, "img-1")


def test_manual_hide_makes_a_placeholder_and_reset_removes_it(client, services, workers, image_host, admin):
    moderation.report(services, "img-1", "r0", "other", image_host.url("/photo.jpg"))
    admin.post("/images/img-1/hide")
    workers.burst()
    assert not is_neutral(client, "img-1")
    admin.post("/images/img-1/reset", json={})
    assert client.get("/v1/images/img-1/placeholder").status_code == 404
    assert services.store.raw.exists("imgmod:ph:img-1") == 0


def test_a_reset_during_the_fetch_leaves_no_stale_placeholder(client, services, workers):
    """The job checked the image before its fetch only: a reset meanwhile kept a blurred copy."""
    def reset_then_answer(request):
        services.store.reset("img-1", actor="test")  # while the worker waits for the bytes
        return 200, {"Content-Type": "image/jpeg"}, PHOTO

    with LocalServer(reset_then_answer) as host:
        hide_with_url(services, "img-1", f"http://127.0.0.1:{host.port}/photo.jpg")
        workers.env["IMGMOD_IMAGE_HOSTS"] = f"127.0.0.1:{host.port}"
        workers.burst()
        assert len(host.requests) == 1
    assert services.store.raw.exists("imgmod:ph:img-1") == 0
    assert client.get("/v1/images/img-1/placeholder").status_code == 404


def test_a_reset_forgets_the_reported_url(client, services, workers, image_host, admin):
    hide_with_url(services, "img-1", image_host.url("/tall.jpg"))
    admin.post("/images/img-1/reset", json={"forget_reporters": True})
    assert services.store.reported_url("img-1") is None
    hide_with_url(services, "img-1", image_host.url("/photo.jpg"))
    assert services.store.reported_url("img-1").endswith("/photo.jpg")  # the new reporters' photo


def test_fetch_limits(image_host):
    base, hosts = f"http://127.0.0.1:{image_host.port}", (f"127.0.0.1:{image_host.port}",)
    assert fetch_image(f"{base}/photo.jpg", hosts) == PHOTO
    with pytest.raises(FetchFailed, match="byte cap"):
        fetch_image(f"{base}/bomb.png", hosts, max_bytes=1000)
    with pytest.raises(FetchFailed, match="HTTP 404"):
        fetch_image(f"{base}/missing.jpg", hosts)
    with pytest.raises(FetchRefused):
        fetch_image("file:///etc/passwd", hosts)


def test_a_host_without_a_port_allows_ports_80_and_443_only(image_host):
    image_host.requests.clear()
    assert allowed("http://img.example/a.jpg", ("img.example",))
    assert allowed("https://IMG.example:443/a.jpg", ("img.example",))
    assert allowed("http://img.example:443/a.jpg", ("img.example",))
    assert not allowed("http://img.example:6379/a.jpg", ("img.example",))
    assert not allowed("http://img.example:8080/a.jpg", ("img.example:8081",))
    assert allowed("http://img.example:8080/a.jpg", ("img.example:8080",))
    assert not allowed("http://img.example/a.jpg", ("img.example:8080",))  # the port named, not 80
    assert not allowed("http://img.example:99999/a.jpg", ("img.example",))
    with pytest.raises(FetchRefused):  # the image host's own port is not 80 or 443: never requested
        fetch_image(image_host.url("/photo.jpg"), ("127.0.0.1",))
    assert image_host.requests == []


def test_a_dripping_image_host_is_given_up_before_it_finishes():
    """The total time was checked only after each 64 KiB: 2,000 bytes dripped one by one kept it waiting."""
    sent = []

    class Drip(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "2000")
            self.end_headers()
            try:
                for _ in range(2000):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    sent.append(1)
                    time.sleep(0.005)  # the drip itself, not an ordering of threads
            except OSError:
                pass  # the client gave up, as it must

        def finish(self):
            try:
                super().finish()
            except OSError:
                pass  # flushing to a client that left

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(FetchFailed, match="too long"):
            fetch_image(f"http://127.0.0.1:{server.server_port}/x.jpg", (f"127.0.0.1:{server.server_port}",),
                        total_seconds=0.3)
        assert len(sent) < 2000
    finally:
        server.shutdown()
        server.server_close()


def test_a_stalling_image_host_is_given_up(image_host):
    def stall(request):
        time.sleep(1.5)
        return 200, {"Content-Type": "image/jpeg"}, PHOTO

    with LocalServer(stall) as slow:
        with pytest.raises(FetchFailed, match="Timeout"):
            fetch_image(f"http://127.0.0.1:{slow.port}/photo.jpg", (f"127.0.0.1:{slow.port}",), timeout=(1, 0.3))


def test_placeholder_jobs_are_retried_after_a_crash(services, redis_server):
    """Placeholder jobs carry retries, so a worker killed mid-job does not leave the neutral one for good."""
    from rq import Queue
    from service.core.queue import FOLLOWUP_QUEUE_NAME

    moderation.hide(services, "img-1", "test")
    [job] = Queue(FOLLOWUP_QUEUE_NAME, connection=redis_server.client(decode=False)).get_jobs()
    assert job.func_name == "workers.jobs.make_placeholder" and job.retries_left == 3
