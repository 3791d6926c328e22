"""A TCP proxy in front of the test redis-server that can hold back one script's reply.

The request reaches Redis at once, so the script runs; its reply is kept until the test releases
it, by which time the client has given up. That is what a reply arriving after the client's time-out
looks like, on a real socket, without touching the client.
"""
from __future__ import annotations

import socket
import threading


class LateReplyProxy:
    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._armed = threading.Event()  # the next script sent through the proxy gets its reply held
        self.release = threading.Event()  # set by the test: held replies go on (or are dropped if unread)
        self.held = threading.Event()  # a reply is being held
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def hold_next_script_reply(self) -> None:
        self._armed.set()

    def close(self) -> None:
        self.release.set()
        self.listener.close()
        for sock in self._sockets:
            try:
                sock.close()
            except OSError:
                pass

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self._sockets += [client, upstream]
            hold = threading.Event()  # this connection's next reply is held
            threading.Thread(target=self._requests, args=(client, upstream, hold), daemon=True).start()
            threading.Thread(target=self._replies, args=(upstream, client, hold), daemon=True).start()

    def _requests(self, source: socket.socket, sink: socket.socket, hold: threading.Event) -> None:
        while data := _recv(source):
            if self._armed.is_set() and b"EVALSHA" in data.upper():
                self._armed.clear()
                hold.set()
            try:
                sink.sendall(data)
            except OSError:
                break
        _shut(sink)

    def _replies(self, source: socket.socket, sink: socket.socket, hold: threading.Event) -> None:
        while data := _recv(source):
            if hold.is_set():
                hold.clear()
                self.held.set()
                self.release.wait()
            try:
                sink.sendall(data)
            except OSError:
                break
        _shut(sink)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
