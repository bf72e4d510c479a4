"""The Dagster code location loads, and its (placeholder) asset materializes."""

from __future__ import annotations

from dagster import materialize

from edi_assets.definitions import defs
from edi_assets.defs import x12_segment_dictionary


def test_definitions_load_with_the_dictionary_asset() -> None:
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert "x12_segment_dictionary" in keys


def test_dictionary_asset_materializes() -> None:
    result = materialize([x12_segment_dictionary])
    assert result.success
    value = result.output_for_node("x12_segment_dictionary")
    assert value["segments"] > 150
    assert value["with_elements"] > 100
