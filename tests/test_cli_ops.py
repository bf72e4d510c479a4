"""`edi holds`, `edi holds approve` and `edi audit`: what operations people type, against a ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from edi_assets.cli import main
from edi_assets.ledger import Ledger


@pytest.fixture
def ledger_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.sqlite'}"


@pytest.fixture
def held(ledger_url: str) -> tuple[int, int]:
    """A held inbound invoice INV-9 of acme: (document id, hold id)."""
    ledger = Ledger(ledger_url)
    row, _ = ledger.document(customer="acme", partner="steelco", direction="in", doc_type="810", doc_key="k",
                             number="INV-9", payload={}, state="received")
    hold = ledger.hold(customer="acme", partner="steelco", subject="document", subject_id=row.id, code="match",
                       reason="PO PO1 line 1: unit price 9.00 above 8.00")
    ledger.close()
    return row.id, hold


def test_holds_lists_each_open_hold_with_its_reason(ledger_url: str, held: tuple[int, int],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["holds", "acme", "--ledger-url", ledger_url]) == 0
    out = capsys.readouterr().out
    assert "PO PO1 line 1: unit price 9.00 above 8.00" in out
    assert "match" in out


def test_holds_says_so_when_there_are_none(ledger_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["holds", "bluefin", "--ledger-url", ledger_url]) == 0
    assert "no open holds for bluefin" in capsys.readouterr().out


def test_approving_a_hold_releases_its_document_and_is_audited(ledger_url: str, held: tuple[int, int],
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    document_id, hold_id = held
    assert main(["holds", "approve", str(hold_id), "--by", "ops-lead", "--note", "agreed price",
                 "--ledger-url", ledger_url]) == 0
    ledger = Ledger(ledger_url)
    assert ledger.get_document(document_id).state == "received"
    assert ledger.approved("document", document_id, "match")
    assert ("hold.approved", "ops-lead") in [(a.step, a.actor) for a in ledger.trail("document", document_id)]


def test_approving_a_hold_twice_is_refused(ledger_url: str, held: tuple[int, int],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    _, hold_id = held
    main(["holds", "approve", str(hold_id), "--by", "ops", "--ledger-url", ledger_url])
    assert main(["holds", "approve", str(hold_id), "--by", "ops", "--ledger-url", ledger_url]) == 1
    assert "not open" in capsys.readouterr().out


def test_audit_tells_the_story_of_a_document_by_its_number(ledger_url: str, held: tuple[int, int],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "INV-9", "--ledger-url", ledger_url]) == 0
    out = capsys.readouterr().out
    assert "document.received" in out
    assert "document.held" in out


def test_audit_of_an_unknown_document_says_so(ledger_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "NOPE", "--ledger-url", ledger_url]) == 1
    assert "no document 'NOPE'" in capsys.readouterr().out


def test_holds_help_is_the_holds_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["holds", "--help"])
    assert "usage: edi holds" in capsys.readouterr().out
