"""Fixtures of the reliability tests: a world (simulators, DAGSTER_HOME, ledger) per test, stopped afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.reliability.world import POSTGRES_URL, World

MakeWorld = Callable[..., World]


@pytest.fixture
def make_world(tmp_path: Path) -> Iterator[MakeWorld]:
    """``make_world(systems=("cleo", "qad"), orders=1, ledger="sqlite")``; every world made is stopped."""
    made: list[World] = []

    def build(*, systems: tuple[str, ...] = ("cleo", "qad"), orders: int = 1, ledger: str = "sqlite",
              replay_protection: bool = False) -> World:
        if ledger == "postgresql" and not POSTGRES_URL:
            pytest.skip("EDI_TEST_POSTGRES_URL is not set: PostgreSQL reliability tests skipped")
        settings = None if replay_protection else {"totp_replay_protection": False}
        world = World(tmp_path / f"world{len(made)}", orders_per_supplier=orders, ledger=ledger, systems=systems,
                      cleo_settings=settings)
        made.append(world)
        return world

    yield build
    for world in made:
        world.stop()
