"""Dagster wiring: assets, sensors, schedules, checks, jobs and resources (thin wrappers only)."""

from __future__ import annotations

from collections.abc import Sequence

from dagster import AssetsDefinition, asset


@asset(description="The segment dictionary the X12 engine validates against (ids and element rules).")
def x12_segment_dictionary() -> dict[str, int]:
    from edi_assets.x12.dictionary import segment_definitions

    defs = segment_definitions()
    return {"segments": len(defs), "with_elements": sum(1 for d in defs.values() if d.has_elements)}


def all_assets() -> Sequence[AssetsDefinition]:
    return [x12_segment_dictionary]
