"""A proxy between a device and the real marketplace, on 127.0.0.1, that fails the way networks
and servers fail: it drops the connection mid-request, holds the answer past the client's
timeout, answers 500 or 503 with Retry-After itself, or passes the request on and closes the
connection before the answer gets back (the server has the batch, the client never hears)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum


class Fault(Enum):
    NONE = "none"
    DROP_REQUEST = "drop the connection mid-request"
    DELAY = "hold the answer past the client's timeout"
    ERROR_500 = "answer 500"
    UNAVAILABLE_503 = "answer 503 with Retry-After"
    LOSE_ANSWER = "pass the request on, then close before the answer gets back"


class FaultyProxy:
    """Forwards each connection to ``target`` (host, port), failing as ``fault`` says for the
    next ``times`` requests, then passing them."""

    def __init__(self, target: tuple[str, int], delay: float = 3.0) -> None:
        self.target = target
        self.delay = delay
        self.fault = Fault.NONE
        self.times = 0
        self.seen: list[Fault] = []
        #: Called with each request once it is passed on, before the answer is read: tests
        #: kill the server or the client there, in the middle of a batch.
        self.on_forwarded: Callable[[bytes], None] | None = None
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def fail(self, fault: Fault, times: int = 1) -> None:
        with self._lock:
            self.fault, self.times = fault, times

    def close(self) -> None:
        self._stopped.set()
        self._listener.close()

    def _next_fault(self) -> Fault:
        with self._lock:
            if self.times <= 0:
                return Fault.NONE
            self.times -= 1
            self.seen.append(self.fault)
            return self.fault

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            request = _read_request(client)
            if request is None:
                return
            fault = self._next_fault()
            if fault is Fault.DROP_REQUEST:
                return  # the client sent its request; the connection closes unanswered
            if fault in (Fault.ERROR_500, Fault.UNAVAILABLE_503):
                client.sendall(_answer(fault))
                return
            try:
                with socket.create_connection(self.target) as server:
                    server.sendall(request)
                    if self.on_forwarded is not None:
                        self.on_forwarded(request)
                    answer = _read_answer(server)
            except OSError:
                return  # the server went away: so does this connection
            if fault is Fault.LOSE_ANSWER:
                return
            if fault is Fault.DELAY:
                # Hold the answer until the client gives up (it closes the connection) or the
                # delay passes: the wait ends on the client's timeout, not on a fixed sleep.
                client.settimeout(self.delay)
                with contextlib.suppress(OSError):
                    client.recv(1)
            with contextlib.suppress(OSError):  # the client gave up waiting
                client.sendall(answer)


def _read_request(sock: socket.socket) -> bytes | None:
    """One HTTP request, whole: headers, then Content-Length bytes of body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = _content_length(head)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    # One request a connection: the server closes once it has answered.
    head = b"\r\n".join(
        line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")
    )
    return head + b"\r\nConnection: close\r\n\r\n" + body


def _read_answer(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


def _answer(fault: Fault) -> bytes:
    status = (
        b"500 Internal Server Error" if fault is Fault.ERROR_500 else b"503 Service Unavailable"
    )
    body = b'{"code": "internal", "detail": "failing on purpose"}'
    extra = b"Retry-After: 7\r\n" if fault is Fault.UNAVAILABLE_503 else b""
    return (
        b"HTTP/1.1 " + status + b"\r\nContent-Type: application/problem+json\r\n" + extra
        + b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
    )  # fmt: skip


@contextmanager
def faulty(url: str, delay: float = 3.0) -> Iterator[FaultyProxy]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    proxy = FaultyProxy((host, int(port)), delay)
    try:
        yield proxy
    finally:
        proxy.close()
