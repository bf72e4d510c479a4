"""Builds the Dagster Definitions object, nothing else."""

from dagster import Definitions

from edi_assets.defs import all_assets

defs = Definitions(assets=all_assets())
