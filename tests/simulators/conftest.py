"""Shared fixtures for the simulator tests: the demo scenario and a way to serve an app over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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
