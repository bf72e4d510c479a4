"""Materialization metadata as markdown tables: what an analyst reads in the UI must be what the ledger holds."""

from __future__ import annotations

from collections import Counter

from edi_assets.connectors.redaction import register_secret
from edi_assets.defs.metadata import counts_table, held_table, table


def test_document_numbers_keep_their_leading_zeros_and_letters() -> None:
    markdown = str(table([{"document": "000000042"}, {"document": "1E5"}], ["document"]).value)
    assert "000000042" in markdown
    assert "1E5" in markdown


def test_counts_per_partner_and_type_are_one_row_each() -> None:
    markdown = str(counts_table(Counter({("steelco", "810"): 2, ("packright", "855"): 1})).value)
    lines = markdown.splitlines()
    assert lines[0].split("|")[1:-1] == [" partner   ", "   type ", "   documents "]
    assert [line.split("|")[1].strip() for line in lines[2:]] == ["packright", "steelco"]


def test_no_rows_reads_as_a_sentence() -> None:
    assert held_table([]).value == "_nothing held_"


def test_a_registered_secret_in_a_reason_is_redacted() -> None:
    register_secret("s3cr3t-value-for-metadata")
    markdown = str(held_table([{"partner": "steelco", "type": "810", "document": "INV1",
                                "reason": "login as s3cr3t-value-for-metadata failed"}]).value)
    assert "s3cr3t-value-for-metadata" not in markdown
