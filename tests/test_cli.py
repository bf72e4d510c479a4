"""The ``edi`` command: outputs, exit codes (0 valid, 1 errors, 2 not X12), one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edi_assets.cli import main
from tests.conftest import envelope, po850


@pytest.fixture
def good(tmp_path: Path) -> Path:
    p = tmp_path / "good.edi"
    p.write_text(envelope(po850("0001"), po850("0002")))
    return p


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    p = tmp_path / "bad.edi"
    p.write_text(envelope(po850().replace("SE*5*0001", "SE*6*0001")))
    return p


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_inspect_valid_file_exits_0(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "x12", "inspect", str(good))
    assert code == 0
    assert "2 transaction set(s); 0 error(s)" in out


def test_inspect_file_with_errors_exits_1_and_lists_them(bad: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "x12", "inspect", str(bad))
    assert code == 1
    assert "SE01 says '6' segments but the set has 5" in out


def test_inspect_json_is_machine_readable(bad: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "x12", "inspect", "--json", str(bad))
    data = json.loads(out)
    issue = data["interchanges"][0]["groups"][0]["transactions"][0]["issues"][0]
    assert code == 1
    assert (issue["code"], issue["ack_codes"]["ak5"], issue["position"]["transaction"]) == (
        "se_count_mismatch", "4", 1)


@pytest.mark.parametrize("content", ["", '{"a": 1}', "\x00\x01\x02binary"], ids=["empty", "json", "binary"])
def test_inspect_not_x12_exits_2_with_one_line_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    p = tmp_path / "x.edi"
    p.write_text(content)
    code, _, err = run(capsys, "x12", "inspect", str(p))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_missing_file_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "x12", "inspect", str(tmp_path / "missing.edi"))
    assert code == 2
    assert err.startswith("edi: cannot open")
    assert len(err.strip().splitlines()) == 1


def test_documents_prints_canonical_json(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "x12", "documents", str(good))
    docs = json.loads(out)
    assert code == 0
    assert [d["document"]["po_number"] for d in docs] == ["PO1", "PO1"]
    assert docs[0]["document"]["lines"][0]["unit_price"] == "3.50"


def test_ack_prints_a_997(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "x12", "ack", str(good))
    assert code == 0
    assert "ST*997*0001" in out
    assert "AK9*A*2*2*2" in out


def test_render_writes_the_document_as_x12(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "po.json"
    doc.write_text(json.dumps({"po_number": "PO-9", "po_date": "2026-11-21",
                               "lines": [{"quantity": "2", "unit": "EA", "unit_price": "1.25"}]}))
    code, out, _ = run(capsys, "x12", "render", "--type", "850", str(doc), "--interchange-control", "55")
    assert code == 0
    assert "BEG*00*NE*PO-9**20261121~" in out
    assert "IEA*1*000000055~" in out


def test_render_invalid_document_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "po.json"
    doc.write_text(json.dumps({"po_number": "PO-9", "lines": []}))
    code, _, err = run(capsys, "x12", "render", "--type", "850", str(doc))
    assert code == 2
    assert "po_date" in err
    assert len(err.strip().splitlines()) == 1


def test_render_value_with_a_delimiter_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "po.json"
    doc.write_text(json.dumps({"po_number": "PO~9", "po_date": "2026-11-21",
                               "lines": [{"quantity": "2"}]}))
    code, _, err = run(capsys, "x12", "render", "--type", "850", str(doc))
    assert code == 2
    assert "BEG03" in err


def test_render_not_json_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "po.json"
    doc.write_text("not json")
    code, _, err = run(capsys, "x12", "render", "--type", "850", str(doc))
    assert (code, "is not JSON" in err) == (2, True)


def test_demo_runs_over_the_bundled_samples(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "x12", "samples", str(Path(__file__).resolve().parent.parent / "samples"))
    assert code == 0
    assert "partner_850_po.edi" in out
    assert "held with a reason" in out
