"""Scenario files: the seed data of every simulated system, one YAML file per scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"


class ScenarioError(ValueError):
    """A scenario file is missing or malformed; the message names the file and the problem."""


def load_scenario(name_or_path: str | Path) -> dict[str, Any]:
    """Load `demo` (a bundled scenario) or a path to a YAML file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SCENARIO_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml")))
        raise ScenarioError(f"scenario {name_or_path!s} not found (bundled: {known})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario is a mapping of system name to seed data")
    return data


def section(scenario: dict[str, Any], system: str) -> dict[str, Any]:
    """One system's seed data (empty when the scenario does not mention it)."""
    value = scenario.get(system) or {}
    if not isinstance(value, dict):
        raise ScenarioError(f"scenario section {system!r} must be a mapping")
    return value
