"""Debian's nginx running the repository's front-door configuration (deploy/nginx/imgmod.conf.template)
on a free port, with everything it writes in one directory: the deployment as docker-compose.yml runs
it with the official image, for the tests (tests/test_front_door.py) and the bench (python -m bench).
The template is rendered here, once, for both."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from service.devserver import free_port

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx" / "imgmod.conf.template"
# What the official image's entrypoint fills in from its environment; render() fills in the same.
PLACEHOLDERS = ("IMGMOD_UPSTREAM", "PROXY_LISTEN", "PROXY_CACHE_DIR")
START_SECONDS = 10

# The main context the template is included in (in the official image, its /etc/nginx/nginx.conf). The official image's own nginx.conf around it has
# the same worker settings (worker_processes auto, worker_connections 1024); its mime types, sendfile
# and access log format matter to nothing a proxy-only server does (our server turns the log off).
# The temporary paths Debian compiles in (/var/lib/nginx) are the machine's: these are this run's.
MAIN = """\
{user}
worker_processes auto;
error_log {directory}/error.log warn;
events {{
    worker_connections 1024;
}}
http {{
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {directory}/imgmod.conf;
}}
"""


def nginx_binary() -> str | None:
    """IMGMOD_NGINX when set (and only it), else Debian's nginx (in /usr/sbin, often not on PATH)."""
    explicit = os.environ.get("IMGMOD_NGINX")
    candidates = [explicit] if explicit else [shutil.which("nginx"), "/usr/sbin/nginx"]
    return next((path for path in candidates if path and os.access(path, os.X_OK)), None)


def placeholders_in(text: str) -> set[str]:
    """Every `$NAME` or `${NAME}` with an uppercase name: what the official image would substitute
    from its environment (nginx's own variables are lowercase)."""
    return set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", text))


def render(upstream: str, listen: str, cache_dir: str) -> str:
    """The template with its placeholders filled in, as the official image's entrypoint does."""
    text = TEMPLATE.read_text()
    for name, value in zip(PLACEHOLDERS, (upstream, listen, cache_dir)):
        text = text.replace("${" + name + "}", value)
    return text


class Nginx:
    """nginx with the front door's configuration in front of `upstream` (host:port), listening on a
    free port of 127.0.0.1. Its pid file, error log, temporary files and configuration stay in
    `directory`, its cache in `directory`/cache; it never touches a system nginx (its pid file, its logs, port 80)."""

    def __init__(self, binary: str, directory: Path, upstream: str):
        # Absolute: nginx reads a relative -c under its -p prefix, which is this directory already.
        directory = directory.resolve()
        self.directory = directory
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "imgmod.conf").write_text(render(upstream, f"127.0.0.1:{self.port}", str(directory / "cache")))
        # Running as root, nginx's workers would switch to nobody, who cannot enter pytest's
        # temporary directories (mode 0700) nor the bench's: they stay root. Otherwise `user` would
        # only be ignored.
        user = "user root;" if os.geteuid() == 0 else ""
        (directory / "nginx.conf").write_text(MAIN.format(user=user, directory=directory))
        self.args = [binary, "-p", f"{directory}/", "-c", str(directory / "nginx.conf"),
                     "-e", str(directory / "error.log"), "-g", f"daemon off; pid {directory}/nginx.pid;"]
        checked = subprocess.run([*self.args, "-t", "-q"], capture_output=True, text=True, timeout=30)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx refused the configuration:\n{checked.stderr}{self.errors()}")
        # The server's own error log is stderr (critical lines only): kept beside the startup log.
        with (directory / "stderr.log").open("w") as stderr:
            self.process = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=stderr,
                                            start_new_session=True)
        deadline = time.monotonic() + START_SECONDS
        while not self._accepting():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"nginx did not start on port {self.port}:\n{self.errors()}")
            time.sleep(0.02)

    def _accepting(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def errors(self) -> str:
        """What nginx logged: its startup log and its stderr."""
        logs = [self.directory / "error.log", self.directory / "stderr.log"]
        return "".join(log.read_text(errors="replace") for log in logs if log.exists())

    def stop(self) -> None:
        """SIGTERM (nginx's fast shutdown), SIGKILL to its process group if that takes over 10 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
