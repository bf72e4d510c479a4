"""Shared fixtures for the simulator tests: the demo scenario and a way to serve an app over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx
import pytest

from simulators.core.scenario import load_scenario


@pytest.fixture
def demo_scenario() -> dict[str, Any]:
    return load_scenario("demo")


@pytest.fixture(scope="module")
def demo_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """The test module's simulator (its `create_app`) on the demo scenario, served once per module:
    stopping a uvicorn server costs ~0.2 s, so per-test servers would dominate the run time. Tests reset
    it through `/_sim/reset` instead."""
    from simulators.core.server import serve

    with serve(request.module.create_app(load_scenario("demo"))) as running:
        yield running.url


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One client per module. It stores no cookies (a test that uses a session passes its cookie itself)
    and keeps no connection alive between requests."""
    jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    with httpx.Client(cookies=jar, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        yield client


@pytest.fixture
def root(http: httpx.Client, demo_server: str) -> str:
    """The module's demo server, reset to its scenario (data, settings, clock, faults, tokens) for this test."""
    http.post(f"{demo_server}/_sim/reset").raise_for_status()
    return demo_server


@pytest.fixture
def served() -> Iterator[Any]:
    """`served(app)` starts the app on a free 127.0.0.1 port and returns its base URL; stopped after the test."""
    from simulators.core.server import start

    running = []

    def _serve(app: Any) -> str:
        server = start(app)
        running.append(server)
        return server.url

    yield _serve
    for server in running:
        server.stop()
