"""Serve a simulator app with uvicorn on 127.0.0.1 in a background thread (tests and `simulators up`)."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn

HOST = "127.0.0.1"


class _QuietDrops(logging.Filter):
    """Injected connection drops are intended, and a client that goes away mid-request (a run killed on purpose
    while uploading) is the client's business: keep both out of the server's error log."""

    QUIET = frozenset({"DroppedConnection", "ClientDisconnect"})

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return type(exc).__name__ not in self.QUIET


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


@dataclass
class RunningServer:
    """A started server: its base URL and the means to stop it."""

    url: str
    port: int
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def start(app: Any, port: int = 0) -> RunningServer:
    """Bind 127.0.0.1 (port 0 picks a free one, bound here so no other process can take it) and serve."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this; asyncio skips it for a socket made with proto 0, and without it every
    # keep-alive response waits ~40 ms on Nagle's algorithm meeting the client's delayed ACK.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((HOST, port))
    sock.listen(128)
    chosen = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"sim-{chosen}")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"simulator server on port {chosen} did not start")
        time.sleep(0.01)
    return RunningServer(f"http://{HOST}:{chosen}", chosen, server, thread)


@contextlib.contextmanager
def serve(app: Any, port: int = 0) -> Iterator[RunningServer]:
    """Run `app` for the duration of the block; always stopped afterwards."""
    running = start(app, port)
    try:
        yield running
    finally:
        running.stop()
