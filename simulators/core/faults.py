"""Fault injection for every simulator: throttling, server errors, latency, drops, bad bodies, revocation.

Rules are set over HTTP (`POST /_sim/faults`) or in-process. Each rule matches a method and a path
glob, fires on a share of matching requests (seeded, so a test run is repeatable) and optionally
only a bounded number of times ("the first attempt of each request fails" is `times`).
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import random
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Literal

from pydantic import BaseModel, Field

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

FaultKind = Literal["status", "latency", "drop", "malformed", "revoke_tokens"]


class FaultRule(BaseModel):
    """One kind of trouble, for a share of the requests that match `method` and `path`."""

    kind: FaultKind
    path: str = "*"
    method: str = "*"
    rate: float = Field(default=1.0, ge=0.0, le=1.0)
    status: int = 503
    retry_after: int | None = None
    latency_ms: int = 0
    times: int | None = Field(default=None, ge=0, description="fire at most this many times")
    body: str | None = None
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        if self.method != "*" and self.method.upper() != method.upper():
            return False
        return fnmatch.fnmatchcase(path, self.path)


class DroppedConnection(Exception):  # noqa: N818 - it names what the client sees, not an error of ours
    """Raised mid-response so the server closes the connection without a complete message."""


class FaultInjector:
    """ASGI middleware applying the current rules; admin paths (`/_sim/…`) are never faulted."""

    def __init__(self, app: ASGIApp, seed: int = 0, on_revoke: Callable[[], None] | None = None) -> None:
        self.app = app
        self.rules: list[FaultRule] = []
        self.random = random.Random(seed)  # noqa: S311 - repeatable fault patterns, not security
        self.on_revoke = on_revoke
        self.injected = 0

    def set_rules(self, rules: list[FaultRule], seed: int | None = None) -> None:
        self.rules = list(rules)
        if seed is not None:
            self.random.seed(seed)

    def clear(self) -> None:
        self.rules = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sim/"):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        for rule in self.rules:
            if not rule.matches(method, path) or self.random.random() >= rule.rate:
                continue
            rule.fired += 1
            self.injected += 1
            if rule.kind == "latency":
                await asyncio.sleep(rule.latency_ms / 1000)
                continue
            if rule.kind == "revoke_tokens":
                if self.on_revoke is not None:
                    self.on_revoke()
                continue
            if rule.kind == "status":
                await _answer_status(send, rule)
                return
            if rule.kind == "malformed":
                await _answer(send, 200, rule.body or '{"truncated": [1, 2', "application/json")
                return
            if rule.kind == "drop":
                await send({"type": "http.response.start", "status": 200,
                            "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")]})
                await send({"type": "http.response.body", "body": b'{"partial":', "more_body": True})
                raise DroppedConnection(f"simulated dropped connection on {method} {path}")
        await self.app(scope, receive, send)


async def _answer_status(send: Send, rule: FaultRule) -> None:
    headers: list[tuple[bytes, bytes]] = []
    if rule.retry_after is not None:
        headers.append((b"retry-after", str(rule.retry_after).encode()))
    body = rule.body if rule.body is not None else json.dumps({"message": f"simulated fault {rule.status}"})
    await _answer(send, rule.status, body, "application/json", headers)


async def _answer(
    send: Send, status: int, body: str, content_type: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    raw = body.encode()
    all_headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(raw)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": all_headers + (headers or [])})
    await send({"type": "http.response.body", "body": raw})
