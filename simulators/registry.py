"""Which simulators exist and how each is built; `python -m simulators up` starts them all.

Contract for every system package `simulators.<system>`:
- `create_app(scenario: dict[str, Any], *, seed: int = 0) -> SimApp` builds the app from the whole
  scenario (it reads its own section);
- `demo_credentials(scenario: dict[str, Any]) -> list[Credential]` lists what a person needs to log in.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulators.core.app import SimApp

SYSTEMS: tuple[str, ...] = ("cleo", "qad", "acumatica", "ifs", "infor", "quickbooks")


@dataclass(frozen=True)
class Credential:
    """One row of the `simulators up` table (the secret is a demo value from the scenario)."""

    system: str
    tenant: str
    username: str
    secret: str
    note: str = ""


def app_factory(system: str) -> Callable[..., SimApp]:
    module = importlib.import_module(f"simulators.{system}")
    factory: Callable[..., SimApp] = module.create_app
    return factory


def credentials(system: str, scenario: dict[str, Any]) -> list[Credential]:
    module = importlib.import_module(f"simulators.{system}")
    rows: list[Credential] = module.demo_credentials(scenario)
    return rows
