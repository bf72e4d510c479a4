"""Every file of the shared X12 corpus: read with the reference counts, typed, or reported precisely.

``EXPECTED_ERRORS`` is the decision for each file: the error codes its defects call for (empty: the
file is valid). Files their source projects mark as failing are explained in ``WHY``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from edi_assets.cli import inspect_file
from edi_assets.documents import DOCUMENT_TYPES
from edi_assets.translate import parse_documents
from tests.conftest import CORPUS

INVENTORY = json.loads((CORPUS / "inventory.json").read_text()) if CORPUS.exists() else []

EXPECTED_ERRORS: dict[str, set[str]] = {
    "810/oop_2011110815164104.edi": set(),
    "810/oop_ex1_californiaiso.edi": set(),
    "810/oop_ex2_manualbilling.edi": set(),
    "810/oop_ex3_multiinvoice.edi": {"mandatory_segment_missing", "unexpected_segment"},
    "810/oop_ex4_adobe.edi": {"version_unsupported"},
    "810/oop_ex5_walmart.edi": {"mandatory_segment_missing", "unexpected_segment", "version_unsupported"},
    "810/staedi_invoice810_po850_dual.edi": {"element_conditional"},
    "810/staedi_simple810.edi": set(),
    "810/stupidedi_004010_pass1.edi": {"element_conditional"},
    "810/stupidedi_ghx_sample.edi": {"se_count_mismatch"},
    "810/stupidedi_x348_basic_invoice.edi": set(),
    "850/ediengine_composite_sln_ok.edi": set(),
    "850/ediengine_ok.edi": set(),
    "850/ediengine_syntaxnotes_err.edi": {"element_conditional"},
    "850/nodex12_850.edi": set(),
    "850/nodex12_850_2.edi": set(),
    "850/nodex12_850_3.edi": set(),
    "850/nodex12_850_fat.edi": set(),
    "850/oop_ex1_pgwglass.edi": set(),
    "850/oop_ex2_adobe_tlp.edi": set(),
    "850/oop_ex3_adobe_clp.edi": set(),
    "850/oop_ex4_adobe_shrinkwrapped.edi": set(),
    "850/oop_from_aojuk.edi": set(),
    "850/stupidedi_003010_fail1.edi": {"se_count_mismatch"},
    "850/stupidedi_003050_fail1.edi": set(),
    "850/stupidedi_003050_pass1.edi": set(),
    "850/stupidedi_004010_pass1.edi": set(),
    "850/stupidedi_x357_basic_po.edi": set(),
    "850/stupidedi_x357_taxexempt_po.edi": set(),
    "855/nodex12_855.edi": set(),
    "855/oop_855ssimmons.edi": set(),
    "855/oop_ex1_adobe.edi": set(),
    "855/staedi_issue590_multi_tx.edi": set(),
    "855/stupidedi_004010_fail2.edi": {"element_too_long", "isa_element_invalid"},
    "855/stupidedi_004010_fail2x.edi": {"element_too_long", "se_count_mismatch", "unexpected_segment",
                                        "unknown_segment"},
    "855/stupidedi_004010_pass1.edi": set(),
    "855/stupidedi_004010_pass1x.edi": set(),
    "855/stupidedi_004010_pass2x.edi": {"element_too_long", "isa_element_invalid"},
    "855/stupidedi_x358_ack_accepted.edi": set(),
    "855/stupidedi_x358_ack_minor_changes.edi": {"element_conditional"},
    "855/stupidedi_x358_ack_rejected.edi": set(),
    "855/stupidedi_x358_ack_ship_details.edi": set(),
    "856/ediengine_crossdock_ok.edi": set(),
    "856/nodex12_856.edi": set(),
    "856/oop_edi1source.edi": set(),
    "856/oop_ex1.edi": set(),
    "856/oop_ex2.edi": {"element_missing", "element_too_long"},
    "856/oop_ex3.edi": set(),
    "856/oop_ex4.edi": {"element_too_long"},
    "856/oop_from_gregarican.edi": set(),
    "856/stupidedi_002001_fail1.edi": {"gs_version_unsupported"},
    "856/stupidedi_004010_fail2.edi": {"element_too_long", "hierarchy_invalid", "se_count_mismatch",
                                       "too_many_elements", "unexpected_segment"},
    "856/stupidedi_004010_pass1.edi": set(),
    "856/stupidedi_004010_pass2x.edi": {"element_too_long", "hierarchy_invalid", "se_count_mismatch",
                                        "too_many_elements", "unexpected_segment"},
    "997/pyx12_834_lui_id.997.edi": set(),
    "997/pyx12_bad_elements.997.edi": set(),
    "997/pyx12_simple1.997.edi": set(),
    "997/pyx12_trailing_terms.997.edi": set(),
    "997/staedi_empty997.edi": {"mandatory_segment_missing"},
    "997/staedi_extradelimiter997.edi": {"element_too_long", "too_many_components"},
    "997/staedi_invalid997.edi": {"element_invalid_character", "element_too_long"},
    "997/staedi_invalid997_min.edi": {"element_too_long", "ge_control_mismatch", "ge_control_syntax",
                                      "gs_element_invalid"},
    "997/staedi_optional_interchange_services.edi": set(),
    "997/staedi_simple997.edi": set(),
    "997/staedi_simple997_multi_isa.edi": set(),
    "997/stupidedi_004010_pass1.edi": set(),
    "997/stupidedi_005010_x230_fail1.edi": set(),
    "997/stupidedi_005010_x230_pass1.edi": set(),
    "997/stupidedi_005010_x230_pass1x.edi": set(),
    "997/stupidedi_005010_x230_resp_837s.edi": set(),
    "997/stupidedi_old_fa997_1good.edi": set(),
    "other/ediengine_940_control_mismatch.edi": {"ge_control_mismatch", "iea_control_mismatch",
                                                 "se_control_mismatch"},
    "other/ediengine_940_multi_isa_gs.edi": set(),
    "other/ediengine_940_wrong_counts.edi": {"ge_count_mismatch", "iea_count_mismatch"},
}

WHY = {
    "810/oop_ex3_multiinvoice.edi": "ISS stands before TDS; 004010's 810 summary is TDS, TXI, CAD, AMT, SAC, ISS, "
                                    "CTT, so TDS is out of order (AK3 7) and missing where it was due (AK3 3)",
    "810/oop_ex4_adobe.edi": "ISA12 is '00040', not a control version (TA1 017); the content itself is valid",
    "810/oop_ex5_walmart.edi": "ISA12 '00040' (TA1 017), and ISS/CAD before TDS as in oop_ex3",
    "810/staedi_invoice810_po850_dual.edi": "an N1 in the 850 has N103 without N104 (syntax P0304)",
    "810/stupidedi_004010_pass1.edi": "IT1||4||70: IT102 and IT104 without IT103 (syntax P020304); stupidedi "
                                      "only checks structure, we check syntax notes too",
    "810/stupidedi_ghx_sample.edi": "SE01 says 47, the set has 46 segments",
    "850/ediengine_syntaxnotes_err.edi": "PO106 without PO107 (P0607) and PO405 without PO406 (C0506)",
    "850/stupidedi_003010_fail1.edi": "SE01 says 28, the set has 27 segments",
    "850/stupidedi_003050_fail1.edi": "valid: the only oddity is a line break inside the ISA (a wrapped file), "
                                      "which is ignored with a warning; DTM05 '20' is the century in 003050",
    "850/stupidedi_003050_pass1.edi": "as 003050_fail1: wrapped ISA tolerated, century in DTM05 valid",
    "855/stupidedi_004010_fail2.edi": "unit 'DZN' in PO103/SCH02 breaks element 355's 2/2 length, and the "
                                      "terminator (line feed) splits ISA10 '213\\n5' (TA1 015)",
    "855/stupidedi_004010_fail2x.edi": "terminator '.' also occurs in the data ('.7MM'), splitting segments: "
                                       "unknown ids, wrong SE01; plus 'DZN'",
    "855/stupidedi_x358_ack_minor_changes.edi": "ACK*IQ*20: a changed quantity without its unit (ACK syntax "
                                                "P0203)",
    "855/stupidedi_004010_pass2x.edi": "same content as fail2 ('DZN', ISA10 split); GS08 '004010-' is read as 004010",
    "856/nodex12_856.edi": "ISA11 declares '-' as repetition separator yet ZIP+4 codes use it; a non-repeating "
                           "element cannot repeat, so it is read as data with a warning",
    "856/oop_ex2.edi": "BSN02 shipment id is empty; CLD03 ' BIN52' is 6 characters (max 5)",
    "856/oop_ex3.edi": "UTF-8 '…' (U+2026) is the terminator; the inventory's byte splitter found no GS/ST, "
                       "we read 1 group and 1 set",
    "856/oop_ex4.edi": "N402 'LOCSTATE' is longer than 2",
    "856/stupidedi_002001_fail1.edi": "GS08 002001 is older than the supported 003010 (AK9 2)",
    "856/stupidedi_004010_fail2.edi": "three segments end with '~' although the terminator is '$': they merge "
                                      "into one N1 (13 elements), SE01 25 vs 22, the HL parent 2 disappears",
    "856/stupidedi_004010_pass2x.edi": "as fail2 (same body); ISA06 is 16 characters (warning)",
    "997/staedi_empty997.edi": "a 997 without AK1 and AK9",
    "997/staedi_extradelimiter997.edi": "repetition and component separators inside simple AK3/AK4 elements",
    "997/staedi_invalid997.edi": "AK101 'HC NOT IN CODESET' too long; AK402 not numeric",
    "997/staedi_invalid997_min.edi": "GS04/GS05 not a date/time; GE02 not numeric and not GS06; AK101 too long",
    "997/stupidedi_005010_x230_fail1.edi": "valid: its source fails it for blanks after terminators, which we "
                                           "tolerate; the prose before the ISA is skipped with a warning",
    "other/ediengine_940_control_mismatch.edi": "SE02, GE02 and IEA02 each differ from their headers",
    "other/ediengine_940_multi_isa_gs.edi": "valid: IEA02 '3438' equals ISA13 '000003438' as a number (warning)",
    "other/ediengine_940_wrong_counts.edi": "GE01 and IEA01 say 2, there is 1",
}

# Where our counts differ from the inventory's tolerant splitter, and why we are right.
COUNT_OVERRIDES = {"856/oop_ex3.edi": (1, 1, 1)}

FILES = [e["file"] for e in INVENTORY]


def _entry(name: str) -> dict[str, object]:
    return next(e for e in INVENTORY if e["file"] == name)


@pytest.mark.parametrize("name", FILES)
def test_corpus_file_is_read_with_the_reference_counts(name: str) -> None:
    report = inspect_file(CORPUS / name)
    e = _entry(name)
    expected = COUNT_OVERRIDES.get(name, (e["n_isa"], e["n_gs"], e["n_st"]))
    c = report["counts"]
    assert (c["interchanges"], c["groups"], c["transactions"]) == expected


@pytest.mark.parametrize("name", FILES)
def test_corpus_file_reports_exactly_the_errors_its_defects_call_for(name: str) -> None:
    report = inspect_file(CORPUS / name)
    found = {i.code.value for i in report["_issues"] if i.is_error}
    assert found == EXPECTED_ERRORS[name], WHY.get(name, "")


@pytest.mark.parametrize("name", FILES)
def test_corpus_transaction_ids_match_the_inventory(name: str) -> None:
    ids = [p.set_id for p in parse_documents(CORPUS / name)]
    e = _entry(name)
    if name in COUNT_OVERRIDES:
        return
    assert Counter(ids).keys() == set(e["st"])  # type: ignore[arg-type]


@pytest.mark.parametrize("name", [f for f in FILES if not EXPECTED_ERRORS[f] and not f.startswith("other/")])
def test_valid_corpus_sets_become_typed_canonical_documents(name: str) -> None:
    parsed = list(parse_documents(CORPUS / name))
    assert parsed
    for p in parsed:
        assert p.document is not None, [i.one_line() for i in p.errors]
        assert isinstance(p.document, DOCUMENT_TYPES[p.set_id])


def test_every_corpus_file_has_a_decision() -> None:
    assert set(FILES) == set(EXPECTED_ERRORS)


def test_every_failing_corpus_file_has_its_reason_written_down() -> None:
    negative = [f for f in FILES if any(w in Path(f).name for w in ("fail", "invalid", "err"))]
    assert negative
    for f in negative:
        assert f in WHY, f"{f}: say why it is (or is not) in error"


def test_every_file_with_errors_has_its_reason_written_down() -> None:
    for f, codes in EXPECTED_ERRORS.items():
        if codes:
            assert f in WHY, f
