"""Builds the Dagster Definitions object, nothing else."""

from edi_assets.customers import load_customers
from edi_assets.defs import build_definitions

defs = build_definitions(load_customers())
