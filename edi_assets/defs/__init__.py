"""Dagster wiring, and the only package that imports Dagster: assets, checks, jobs, sensors, schedules and the
resource, each a thin wrapper over :mod:`edi_assets.pipeline`."""

from __future__ import annotations

from dagster import Definitions

from edi_assets.customers import CustomersFile
from edi_assets.defs.assets import INBOUND, OUTBOUND
from edi_assets.defs.checks import CHECKS
from edi_assets.defs.jobs import JOBS
from edi_assets.defs.resources import EdiResource
from edi_assets.defs.schedules import outbound_schedules
from edi_assets.defs.scorecards import SCORECARD_ASSETS, SCORECARD_CHECKS
from edi_assets.defs.sensors import SENSORS


def build_definitions(customers: CustomersFile, resource: EdiResource | None = None) -> Definitions:
    return Definitions(assets=[*INBOUND, *OUTBOUND, *SCORECARD_ASSETS], asset_checks=[*CHECKS, *SCORECARD_CHECKS],
                       jobs=JOBS, sensors=SENSORS,
                       schedules=outbound_schedules(customers), resources={"edi": resource or EdiResource()})
