"""The host and port a worker connects to are exactly the ones checked against IMGMOD_IMAGE_HOSTS.

urllib.parse ended the host after the last `@` and urllib3 (which requests connects with) at a `\\`:
`http://127.0.0.1:<other>\\@127.0.0.1:<allowed>/x.jpg` passed the check for the allowed port and was
fetched from the other one, whose answer became the public blurred placeholder. Here one image host
is allowed, and a second server, on a port that is not (IPv4 and IPv6, so that every spelling of the
loopback address reaches it), records every connection it gets: whether a URL is refused at intake
(422 naming image_url) or at fetch, that server must see none.
"""
from __future__ import annotations

import http.client
import re
import shutil
import socket
import socketserver
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler
from io import BytesIO

import pytest
from PIL import Image

from service.core import moderation
from service.core.queue import enqueue_register, followup_queue
from service.web.schemas import IMAGE_URL_PATTERN
from tests.conftest import FRONTEND_KEY, with_settings
from tests.http_fixtures import LocalServer
from tests.test_placeholder import PHOTO, is_neutral, photo
from workers.fetch import FetchFailed, FetchRefused, allowed, fetch_image
from workers.phash import hash_bytes
from workers.placeholder import ImageRefused, blurred

SECRET_IMAGE = photo(120, 90)  # what the other server answers: it must never become a placeholder


class OtherServer(socketserver.ThreadingTCPServer):
    """Answers anything with an image and records each connection as it is accepted, on :: and 0.0.0.0.

    A connection is recorded when accepted (before any request is read), so that a client that
    connects and gives up is seen too. `seen()` asks the server itself last: connections are accepted
    in order, so once its own is answered every earlier one is recorded, without waiting on a clock.
    It listens on :: (dual-stack) so that 127.0.0.1, ::1 and ::ffff:127.0.0.1 all reach it.
    """
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.connections: list[tuple] = []  # (address, port...) of each client, as accepted
        self.probes: set[int] = set()  # the client ports of seen()'s own requests
        try:
            self.address_family = socket.AF_INET6
            super().__init__(("::", 0), self._handler())
            self.ipv6 = True
        except OSError:  # no IPv6 on this machine: the IPv4 loopback only
            self.address_family = socket.AF_INET
            super().__init__(("127.0.0.1", 0), self._handler())
            self.ipv6 = False
        self.port = self.server_address[1]

    def server_bind(self):
        if self.address_family == socket.AF_INET6:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

    def verify_request(self, request, client_address):
        self.connections.append(client_address)
        return True

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(SECRET_IMAGE)))
                self.end_headers()
                self.wfile.write(SECRET_IMAGE)

            def log_message(self, *args):
                pass

        return Handler

    def clear(self) -> None:
        self.connections.clear()
        self.probes.clear()

    def seen(self) -> list[tuple]:
        """Every connection since clear(), but the probes'."""
        probe = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            probe.connect()
            self.probes.add(probe.sock.getsockname()[1])
            probe.request("GET", "/probe")
            assert probe.getresponse().read() == SECRET_IMAGE
        finally:
            probe.close()
        return [address for address in self.connections if address[1] not in self.probes]


@pytest.fixture(scope="module")
def other():
    server = OtherServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def encoded(kind: str) -> bytes:
    out = BytesIO()
    Image.open(BytesIO(PHOTO)).convert("RGB").save(out, kind)
    return out.getvalue()


OTHER_FORMATS = {"/photo.bmp": "BMP", "/photo.tiff": "TIFF", "/photo.ppm": "PPM", "/photo.eps": "EPS"}


@pytest.fixture(scope="module")
def image_host():
    """The allowed image host; /to-other/<status> redirects to the other server, /to-home/<status> to itself."""
    def route(request):
        if request.path.startswith(("/to-other/", "/to-trick/", "/to-home/")):
            kind, status = request.path.split("/")[1:3]
            locations = {"to-other": f"http://127.0.0.1:{state['other']}/photo.jpg",
                         "to-trick": f"http://127.0.0.1:{state['other']}\\@127.0.0.1:{server.port}/photo.jpg",
                         "to-home": "/photo.jpg"}
            return int(status), {"Location": locations[kind]}, b""
        if request.path.split("?")[0] == "/photo.jpg":
            return 200, {"Content-Type": "image/jpeg"}, PHOTO
        if request.path in OTHER_FORMATS:
            return 200, {"Content-Type": "application/octet-stream"}, files[request.path]
        return 404, {}, b""

    state = {}
    files = {path: encoded(kind) for path, kind in OTHER_FORMATS.items()}
    with LocalServer(route) as server:
        server.state = state
        yield server


@pytest.fixture
def ports(image_host, other):
    image_host.requests.clear()
    other.clear()
    image_host.state["other"] = other.port
    return image_host.port, other.port


@pytest.fixture
def settings(settings, image_host):
    return with_settings(settings, image_hosts=(image_host.host,))


# Each URL names the allowed host's port in a way one parser or another can read, or the other port
# in a spelling that is not the allowed entry's. `A` is the allowed port, `B` the other server's.
REFUSED_AT_FETCH = {
    "backslash before @": "http://127.0.0.1:{B}\\@127.0.0.1:{A}/photo.jpg",
    "backslash, upper-case scheme and host": "HTTP://LOCALHOST:{B}\\@127.0.0.1:{A}/photo.jpg",
    "backslash after the port": "http://127.0.0.1:{A}\\@127.0.0.1:{B}/photo.jpg",
    "userinfo": "http://a@127.0.0.1:{A}/photo.jpg",
    "userinfo with a password": "http://a:b@127.0.0.1:{A}/photo.jpg",
    "userinfo naming the other port": "http://127.0.0.1:{B}@127.0.0.1:{A}/photo.jpg",
    "%2F in the userinfo": "http://127.0.0.1:{B}%2F@127.0.0.1:{A}/photo.jpg",
    "%5C in the userinfo": "http://127.0.0.1:{B}%5C@127.0.0.1:{A}/photo.jpg",
    "%40 in the userinfo": "http://x%40127.0.0.1:{B}@127.0.0.1:{A}/photo.jpg",
    "%2F in the host": "http://127.0.0.1%2F:{A}/photo.jpg",
    "%5C in the host": "http://127.0.0.1%5C:{B}/photo.jpg",
    "%40 in the host": "http://127.0.0.1%40127.0.0.1:{A}/photo.jpg",
    "IPv6 loopback": "http://[::1]:{B}/photo.jpg",
    "IPv6 loopback, allowed port": "http://[::1]:{A}/photo.jpg",
    "IPv4-mapped IPv6": "http://[::ffff:127.0.0.1]:{B}/photo.jpg",
    "IPv4-mapped IPv6, allowed port": "http://[::ffff:127.0.0.1]:{A}/photo.jpg",
    "decimal IPv4": "http://2130706433:{B}/photo.jpg",
    "decimal IPv4, allowed port": "http://2130706433:{A}/photo.jpg",
    "octal IPv4": "http://0177.0.0.1:{B}/photo.jpg",
    "hex IPv4": "http://0x7f.1:{A}/photo.jpg",
    "trailing dot": "http://127.0.0.1.:{A}/photo.jpg",
    "trailing dot, other port": "http://127.0.0.1.:{B}/photo.jpg",
    "upper-case host, other port": "http://LOCALHOST:{B}/photo.jpg",
    "tab before a backslash": "http://127.0.0.1:{B}\t\\@127.0.0.1:{A}/photo.jpg",
    "tab in the port": "http://127.0.0.1:{A}\t/photo.jpg",
    "newline before @": "http://127.0.0.1:{B}\n@127.0.0.1:{A}/photo.jpg",
    "newline in the path": "http://127.0.0.1:{A}/pho\nto.jpg",
    "carriage return in the path": "http://127.0.0.1:{A}/photo.jpg\r\nX-Injected: 1",
    "no-break space in the path": "http://127.0.0.1:{A}/photo\xa0.jpg",
    "scheme file": "file:///etc/passwd",
    "scheme ftp": "ftp://127.0.0.1:{A}/photo.jpg",
}


def url(form: str, ports: tuple[int, int]) -> str:
    return form.format(A=ports[0], B=ports[1])


@pytest.mark.parametrize("form", REFUSED_AT_FETCH.values(), ids=REFUSED_AT_FETCH.keys())
def test_a_worker_refuses_it_and_requests_nothing_anywhere(form, ports, image_host, other):
    with pytest.raises(FetchRefused):
        fetch_image(url(form, ports), (f"127.0.0.1:{ports[0]}",))
    assert not allowed(url(form, ports), (f"127.0.0.1:{ports[0]}",))
    assert other.seen() == []
    assert image_host.requests == []


def test_the_other_server_is_seen_when_asked(ports, other):
    """The check above can fail: a URL on the other port, allowed, is fetched from it and recorded."""
    assert fetch_image(f"http://127.0.0.1:{ports[1]}/x.jpg", (f"127.0.0.1:{ports[1]}",)) == SECRET_IMAGE
    assert len(other.seen()) == 1
    if other.ipv6:  # ...and so is one on its IPv6 address: the spellings above would have reached it
        assert fetch_image(f"http://[::1]:{ports[1]}/x.jpg", (f"[::1]:{ports[1]}",)) == SECRET_IMAGE
        assert len(other.seen()) == 2


@pytest.mark.parametrize("form", ["HTTP://127.0.0.1:{A}/photo.jpg", "http://LocalHost:{A}/photo.jpg",
                                  "Http://LOCALHOST:{A}/photo.jpg?size=large#top"])
def test_upper_case_scheme_and_host_are_the_same_host(form, ports, image_host, other):
    hosts = (f"127.0.0.1:{ports[0]}", f"localhost:{ports[0]}")
    assert fetch_image(url(form, ports), hosts) == PHOTO
    assert other.seen() == []
    assert [request.path for request in image_host.requests] in (["/photo.jpg"], ["/photo.jpg?size=large"])


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("where", ["to-other", "to-trick", "to-home"])
def test_a_redirect_is_never_followed(status, where, ports, image_host, other):
    """Not to another port, not through a URL the check once misread, not even on the allowed host."""
    with pytest.raises(FetchFailed, match=f"HTTP {status}"):
        fetch_image(f"http://127.0.0.1:{ports[0]}/{where}/{status}", (f"127.0.0.1:{ports[0]}",))
    assert other.seen() == []
    assert [request.path for request in image_host.requests] == [f"/{where}/{status}"]


# What intake refuses: POST /v1/reports answers 422 naming image_url, and stores nothing to fetch.
REFUSED_AT_INTAKE = {name: REFUSED_AT_FETCH[name] for name in [
    "backslash before @", "backslash, upper-case scheme and host", "backslash after the port", "userinfo",
    "userinfo with a password", "userinfo naming the other port", "%2F in the userinfo", "%5C in the userinfo",
    "%40 in the userinfo", "%2F in the host", "%5C in the host", "%40 in the host", "tab before a backslash",
    "tab in the port", "newline before @", "newline in the path", "carriage return in the path",
    "no-break space in the path", "scheme file", "scheme ftp"]} | {
    "backslash in the path": "http://127.0.0.1:{A}/a\\photo.jpg",
    "@ in the path": "http://127.0.0.1:{A}/photo@2x.jpg",
    "backslashes for slashes": "http:\\\\127.0.0.1:{B}/photo.jpg",
    "a line separator": "http://127.0.0.1:{A}/photo\u2028.jpg",
    "an ideographic space": "http://127.0.0.1:{A}/photo\u3000.jpg",
    "a byte order mark": "http://127.0.0.1:{A}/\ufeffphoto.jpg",
    "DEL": "http://127.0.0.1:{A}/photo\x7f.jpg",
    "a C1 control": "http://127.0.0.1:{A}/photo\x85.jpg",
    "no host": "http:///127.0.0.1:{B}/photo.jpg",
}


@pytest.mark.parametrize("form", REFUSED_AT_INTAKE.values(), ids=REFUSED_AT_INTAKE.keys())
def test_intake_refuses_it_naming_image_url(form, ports, client, store, other):
    answer = client.post("/v1/reports", json={"image_id": "img-1", "image_url": url(form, ports)})
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert answer.is_json and "image_url" in answer.json["message"]
    assert list(answer.json["errors"]["json"]) == ["image_url"]
    assert store.redis.dbsize() == 0
    assert other.seen() == []


def test_registering_refuses_it_naming_image_url(ports, client, store, other):
    answer = client.post("/v1/images", headers={"Authorization": f"Bearer {FRONTEND_KEY}"}, json={"images": [
        {"image_id": "img-1", "image_url": url(REFUSED_AT_FETCH["backslash before @"], ports)}]})
    assert answer.status_code == 422 and "image_url" in answer.json["message"]
    assert store.redis.dbsize() == 0


# Well-formed http(s) URLs intake takes (the scheme in any case); the worker refuses those not on an
# allowed host and port, as spelt in IMGMOD_IMAGE_HOSTS.
ACCEPTED_AT_INTAKE = ["HTTPS://cdn.example/photo.jpg", "Http://cdn.example/photo.jpg",
                      "http://[::ffff:127.0.0.1]:{B}/photo.jpg", "http://2130706433:{B}/photo.jpg",
                      "http://0x7f.1:{B}/photo.jpg", "http://127.0.0.1.:{B}/photo.jpg",
                      "https://cdn.example/photo%402x.jpg?v=1&w=800#top"]


@pytest.mark.parametrize("form", ACCEPTED_AT_INTAKE)
def test_intake_takes_a_well_formed_url(form, ports, client):
    answer = client.post("/v1/reports", json={"image_id": "img-1", "image_url": url(form, ports)})
    assert answer.status_code == 202, answer.get_data(as_text=True)


def hide_with_url(services, image_id: str, image_url: str) -> None:
    """Reported as a URL stored before intake refused its form would be: the worker checks it again."""
    for n in range(3):
        moderation.report(services, image_id, f"r{n}", "nudity", image_url)


@pytest.mark.parametrize("form", ["http://127.0.0.1:{B}\\@127.0.0.1:{A}/photo.jpg",
                                  "http://127.0.0.1:{B}@127.0.0.1:{A}/photo.jpg",
                                  "http://127.0.0.1:{A}/to-trick/302"])
def test_a_real_worker_makes_the_neutral_placeholder_and_asks_the_other_server_nothing(
        form, ports, client, services, workers, image_host, other):
    hide_with_url(services, "img-1", url(form, ports))
    workers.burst()
    assert services.store.status("img-1")["hidden"] is True
    assert is_neutral(client, "img-1")
    assert not services.store.has_hash("img-1")
    assert other.seen() == []
    assert [request.path for request in image_host.requests] == (["/to-trick/302"] if "to-trick" in form else [])


def test_a_real_worker_still_blurs_an_allowed_photo(ports, client, services, workers, image_host, other):
    """The same worker, the same hosts: the boundary is not a refusal of everything."""
    hide_with_url(services, "img-1", f"http://127.0.0.1:{ports[0]}/photo.jpg")
    workers.burst()
    assert not is_neutral(client, "img-1")
    assert other.seen() == []


def test_a_real_worker_hashes_a_registered_photo_and_nothing_a_refused_form_or_format_names(
        ports, services, workers, image_host, other):
    """Registrations are what a worker hashes: stored before intake refused their forms, the refused
    ones are checked again at fetch, and the other server is asked nothing."""
    enqueue_register(followup_queue(services.hides.connection), [
        ("allowed", f"http://127.0.0.1:{ports[0]}/photo.jpg"),
        ("backslash", url("http://127.0.0.1:{B}\\@127.0.0.1:{A}/photo.jpg", ports)),
        ("userinfo", url("http://127.0.0.1:{B}@127.0.0.1:{A}/photo.jpg", ports)),
        ("bitmap", f"http://127.0.0.1:{ports[0]}/photo.bmp"),
    ])
    workers.burst()
    assert [services.store.has_hash(image_id) for image_id in ("allowed", "backslash", "userinfo", "bitmap")] == [
        True, False, False, False]
    assert other.seen() == []


@pytest.mark.parametrize("path", OTHER_FORMATS)
def test_only_jpeg_png_webp_and_gif_are_decoded(path, ports):
    data = fetch_image(f"http://127.0.0.1:{ports[0]}{path}", (f"127.0.0.1:{ports[0]}",))
    assert Image.open(BytesIO(data)).format == OTHER_FORMATS[path]  # Pillow itself would open it
    with pytest.raises(ImageRefused):
        blurred(data)
    with pytest.raises(ImageRefused):
        hash_bytes(data)


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP", "GIF"])
def test_the_four_formats_are_decoded(kind):
    assert blurred(encoded(kind))
    assert hash_bytes(encoded(kind)).matchable


def test_another_format_gets_the_neutral_placeholder_and_no_hash(ports, client, services, workers, image_host):
    hide_with_url(services, "img-1", f"http://127.0.0.1:{ports[0]}/photo.bmp")
    workers.burst()
    assert services.store.status("img-1")["hidden"] is True
    assert is_neutral(client, "img-1")
    assert not services.store.has_hash("img-1")
    assert [request.path for request in image_host.requests] == ["/photo.bmp"]


def test_intake_states_the_pattern_it_checks_and_json_schema_reads_it_alike(client, ports):
    """The document publishes IMAGE_URL_PATTERN for both image_url fields; an ECMA-262 engine (JSON
    Schema's regex dialect, here the `regress` crate that check-jsonschema uses) takes and refuses the
    same URLs as intake."""
    regress = pytest.importorskip("regress")
    schemas = client.get("/openapi.json").json["components"]["schemas"]
    patterns = {schema["properties"]["image_url"]["pattern"] for schema in schemas.values()
                if "pattern" in schema.get("properties", {}).get("image_url", {})}
    assert patterns == {IMAGE_URL_PATTERN}
    ecma = regress.Regex(IMAGE_URL_PATTERN)
    for form in [*REFUSED_AT_INTAKE.values(), *ACCEPTED_AT_INTAKE]:
        python = re.fullmatch(IMAGE_URL_PATTERN, url(form, ports)) is not None
        assert (ecma.find(url(form, ports)) is not None) == python == (form in ACCEPTED_AT_INTAKE), form


def test_https_is_verified_against_the_ca_bundle(tmp_path, other):
    """An allowed https host whose certificate no CA signed: the handshake fails, no request is sent."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl to make a certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with LocalServer(lambda request: (200, {"Content-Type": "image/jpeg"}, PHOTO)) as host:
        host.server.socket = context.wrap_socket(host.server.socket, server_side=True)
        with pytest.raises(FetchFailed, match="SSLError"):
            fetch_image(f"https://127.0.0.1:{host.port}/photo.jpg", (f"127.0.0.1:{host.port}",))
        assert host.requests == []


def test_nothing_listening_on_the_allowed_port_is_a_failed_fetch():
    with socket.socket() as placeholder_socket:  # a port that nothing listens on while it is held
        placeholder_socket.bind(("127.0.0.1", 0))
        port = placeholder_socket.getsockname()[1]
        with pytest.raises(FetchFailed):
            fetch_image(f"http://127.0.0.1:{port}/photo.jpg", (f"127.0.0.1:{port}",))
