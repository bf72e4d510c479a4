"""More of the Infor M3 simulator over real HTTP: supplier maintenance (CRS620MI), PO batch entry (PPS370MI)
and PPS200MI/AddLine, the APS450MI approval steps, the partial-list quirk, bulk termination, the legacy v1
error shape and the on-prem grid paths (spec section 6)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from simulators.infor import create_app  # noqa: F401 - the demo_server fixture serves the module's create_app

TI = "EVERGREEN_PRD"


def ionapi(root: str) -> dict[str, str]:
    body: dict[str, str] = httpx.get(f"{root}/_sim/ionapi/{TI}").json()
    return body


def auth(root: str) -> dict[str, str]:
    ion = ionapi(root)
    form = {
        "grant_type": "password",
        "client_id": ion["ci"],
        "client_secret": ion["cs"],
        "username": ion["saak"],
        "password": ion["sask"],
    }
    token = httpx.post(ion["pu"] + ion["ot"], data=form).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def headers(root: str) -> dict[str, str]:
    return auth(root)


def mi(root: str, headers: dict[str, str], call: str, **params: str) -> dict[str, Any]:
    """GET one v2 transaction (`PROGRAM/TRANSACTION[;matrix]`), CONO=100 and righttrim unless given."""
    params = {"CONO": "100", "righttrim": "true", **params}
    response = httpx.get(f"{root}/{TI}/M3/m3api-rest/v2/execute/{call}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def records(root: str, headers: dict[str, str], call: str, **params: str) -> list[dict[str, str]]:
    item = mi(root, headers, call, **params)["results"][0]
    assert "errorMessage" not in item, item
    rows: list[dict[str, str]] = item["records"]
    return rows


def failure(root: str, headers: dict[str, str], call: str, **params: str) -> dict[str, Any]:
    body = mi(root, headers, call, **params)
    assert body["nrOfFailedTransactions"] == 1, body
    item: dict[str, Any] = body["results"][0]
    return item


def settings(root: str, **changes: Any) -> None:
    assert httpx.post(root + "/_sim/settings", json=changes).status_code == 200


def bulk(root: str, headers: dict[str, str], program: str, *transactions: tuple[str, dict[str, str]]) -> Any:
    body = {
        "program": program,
        "cono": 100,
        "rightTrim": True,
        "transactions": [{"transaction": t, "record": r} for t, r in transactions],
    }
    response = httpx.post(f"{root}/{TI}/M3/m3api-rest/v2/execute", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


NEW_SUPPLIER = {"SUNO": "OATS01", "SUNM": "Oat Growers Coop", "SUTY": "0", "CSCD": "US", "CUCD": "USD"}


def start_entry(root: str, headers: dict[str, str]) -> str:
    return records(root, headers, "PPS370MI/StartEntry", BAOR="EDI")[0]["MSGN"]


def entry_head(root: str, headers: dict[str, str], msgn: str, **fields: str) -> str:
    head = {"MSGN": msgn, "FACI": "A01", "WHLO": "100", "SUNO": "GRAIN01", "DWDT": "20261201", **fields}
    return records(root, headers, "PPS370MI/AddHead", **head)[0]["PUNO"]


def entered_order(root: str, headers: dict[str, str]) -> tuple[str, str]:
    """An entry with one head and two lines, not yet finished: (MSGN, PUNO)."""
    msgn = start_entry(root, headers)
    puno = entry_head(root, headers, msgn, HREF="EDI-850-1")
    records(root, headers, "PPS370MI/AddLine", MSGN=msgn, PUNO=puno, ITNO="FLOUR-25KG", ORQA="12", PUPR="18.2")
    records(root, headers, "PPS370MI/AddLine", MSGN=msgn, HREF="EDI-850-1", ITNO="OATS-25KG", ORQA="4")
    return msgn, puno


def add_head(root: str, headers: dict[str, str], **fields: str) -> str:
    head = {"SUNO": "GRAIN01", "IVDT": "20261110", "SINO": "GC-881", "CUAM": "100", **fields}
    return records(root, headers, "APS450MI/AddHead", **head)[0]["INBN"]


def balanced_batch(root: str, headers: dict[str, str]) -> str:
    inbn = add_head(root, headers)
    records(root, headers, "APS450MI/AddLine", INBN=inbn, RDTP="1", NLAM="100")
    return inbn


# -- CRS620MI: LstByName, AddSupplier, UpdSupplier ---------------------------------------------------------


def test_lst_by_name_lists_suppliers_in_name_order_from_the_name_given(root: str, headers: dict[str, str]) -> None:
    assert [s["SUNM"] for s in records(root, headers, "CRS620MI/LstByName", SUNM="A")] == [
        "ColdChain Logistics",
        "GrainCo Mills",
    ]
    assert [s["SUNO"] for s in records(root, headers, "CRS620MI/LstByName", SUNM="d")] == ["GRAIN01"]


def test_lst_by_name_needs_a_name(root: str, headers: dict[str, str]) -> None:
    item = failure(root, headers, "CRS620MI/LstByName")
    assert (item["errorType"], item["errorField"]) == ("MandatoryInputFieldNotFound", "SUNM")


def test_lst_by_name_can_be_absent_by_setting(root: str, headers: dict[str, str]) -> None:
    settings(root, lst_by_name=False)
    assert failure(root, headers, "CRS620MI/LstByName", SUNM="A")["errorType"] == "TransactionNotFound"
    listed = records(root, headers, "MRS001MI/LstTransactions", MINM="CRS620MI")
    assert "LstByName" not in {t["TRNM"] for t in listed}


def test_add_supplier_creates_a_supplier_that_get_basic_data_reads(root: str, headers: dict[str, str]) -> None:
    assert mi(root, headers, "CRS620MI/AddSupplier", **NEW_SUPPLIER)["nrOfSuccessfullTransactions"] == 1
    supplier = records(root, headers, "CRS620MI/GetBasicData", SUNO="OATS01")[0]
    assert (supplier["SUNM"], supplier["SUTY"], supplier["CSCD"], supplier["STAT"]) == (
        "Oat Growers Coop",
        "0",
        "US",
        "20",
    )


def test_a_new_suppliers_status_follows_the_setting(root: str, headers: dict[str, str]) -> None:
    settings(root, new_supplier_status="10")
    records(root, headers, "CRS620MI/AddSupplier", **NEW_SUPPLIER)
    assert records(root, headers, "CRS620MI/GetBasicData", SUNO="OATS01")[0]["STAT"] == "10"


def test_add_supplier_refuses_an_existing_number(root: str, headers: dict[str, str]) -> None:
    item = failure(root, headers, "CRS620MI/AddSupplier", **{**NEW_SUPPLIER, "SUNO": "GRAIN01"})
    assert (item["errorType"], item["errorField"]) == ("ServerReturnedNOK", "SUNO")


@pytest.mark.parametrize("missing", ["SUNM", "SUTY", "CSCD", "CUCD"])
def test_add_supplier_needs_its_mandatory_fields(root: str, headers: dict[str, str], missing: str) -> None:
    item = failure(root, headers, "CRS620MI/AddSupplier", **{**NEW_SUPPLIER, missing: ""})
    assert (item["errorType"], item["errorField"]) == ("MandatoryInputFieldNotFound", missing)


def test_upd_supplier_changes_the_fields_given_and_keeps_the_others(root: str, headers: dict[str, str]) -> None:
    records(root, headers, "CRS620MI/UpdSupplier", SUNO="COLD01", SUNM="ColdChain Logistics Inc", PHNO="555-0100")
    supplier = records(root, headers, "CRS620MI/GetBasicData", SUNO="COLD01")[0]
    assert (supplier["SUNM"], supplier["PHNO"], supplier["CSCD"]) == ("ColdChain Logistics Inc", "555-0100", "US")


def test_upd_supplier_of_an_unknown_supplier_is_refused(root: str, headers: dict[str, str]) -> None:
    assert failure(root, headers, "CRS620MI/UpdSupplier", SUNO="NOPE", SUNM="X")["errorField"] == "SUNO"


# -- PPS370MI batch entry and PPS200MI/AddLine ---------------------------------------------------------------


def test_start_entry_gives_a_message_number(root: str, headers: dict[str, str]) -> None:
    first, second = start_entry(root, headers), start_entry(root, headers)
    assert first
    assert second not in {"", first}


def test_a_finished_entry_becomes_a_purchase_order_pps200mi_reads(root: str, headers: dict[str, str]) -> None:
    msgn, puno = entered_order(root, headers)
    records(root, headers, "PPS370MI/FinishEntry", MSGN=msgn)
    head = records(root, headers, "PPS200MI/GetHead", PUNO=puno)[0]
    lines = records(root, headers, "PPS200MI/LstLine", PUNO=puno)
    assert (head["SUNO"], head["FACI"], head["DWDT"], head["PUSL"]) == ("GRAIN01", "A01", "20261201", "20")
    assert [(ln["PNLI"], ln["ITNO"], ln["ORQA"], ln["PUPR"]) for ln in lines] == [
        ("10", "FLOUR-25KG", "12", "18.2"),
        ("20", "OATS-25KG", "4", ""),
    ]


def test_an_entered_order_does_not_exist_before_finish_entry(root: str, headers: dict[str, str]) -> None:
    _, puno = entered_order(root, headers)
    assert failure(root, headers, "PPS200MI/GetHead", PUNO=puno)["errorField"] == "PUNO"


def test_add_line_answers_the_order_and_line_numbers(root: str, headers: dict[str, str]) -> None:
    msgn = start_entry(root, headers)
    puno = entry_head(root, headers, msgn)
    line = records(root, headers, "PPS370MI/AddLine", MSGN=msgn, ITNO="RYE", ORQA="1", PNLI="5")[0]
    following = records(root, headers, "PPS370MI/AddLine", MSGN=msgn, ITNO="RYE", ORQA="1")[0]
    assert (line["PUNO"], line["PNLI"], following["PNLI"]) == (puno, "5", "10")


def test_the_po_line_step_is_a_setting(root: str, headers: dict[str, str]) -> None:
    settings(root, po_line_step=1)
    msgn = start_entry(root, headers)
    entry_head(root, headers, msgn)
    numbers = [records(root, headers, "PPS370MI/AddLine", MSGN=msgn, ITNO="RYE", ORQA="1")[0]["PNLI"] for _ in "ab"]
    assert numbers == ["1", "2"]


def test_order_numbers_come_from_a_series_that_skips_numbers_in_use(root: str, headers: dict[str, str]) -> None:
    line = {"PNLI": 10, "ITNO": "RYE", "ORQA": 1}
    order = {"PUNO": "4100001", "SUNO": "GRAIN01", "PUDT": "20261101", "lines": [line]}
    assert httpx.post(f"{root}/_sim/purchase_orders/{TI}", json=order).status_code == 201
    msgn = start_entry(root, headers)
    assert [entry_head(root, headers, msgn), entry_head(root, headers, msgn)] == ["4100002", "4100003"]


def test_add_head_needs_a_known_supplier_and_an_open_entry(root: str, headers: dict[str, str]) -> None:
    msgn = start_entry(root, headers)
    head = {"MSGN": msgn, "FACI": "A01", "WHLO": "100", "DWDT": "20261201"}
    assert failure(root, headers, "PPS370MI/AddHead", SUNO="NOPE", **head)["errorField"] == "SUNO"
    unknown_entry = failure(root, headers, "PPS370MI/AddHead", **{**head, "MSGN": "42", "SUNO": "GRAIN01"})
    assert unknown_entry["errorField"] == "MSGN"


@pytest.mark.parametrize("missing", ["FACI", "WHLO", "SUNO", "DWDT"])
def test_add_head_needs_its_mandatory_fields(root: str, headers: dict[str, str], missing: str) -> None:
    msgn = start_entry(root, headers)
    head = {"MSGN": msgn, "FACI": "A01", "WHLO": "100", "SUNO": "GRAIN01", "DWDT": "20261201", missing: ""}
    item = failure(root, headers, "PPS370MI/AddHead", **head)
    assert (item["errorType"], item["errorField"]) == ("MandatoryInputFieldNotFound", missing)


def test_a_line_must_name_its_head_when_the_entry_has_several(root: str, headers: dict[str, str]) -> None:
    msgn = start_entry(root, headers)
    entry_head(root, headers, msgn)
    entry_head(root, headers, msgn)
    assert failure(root, headers, "PPS370MI/AddLine", MSGN=msgn, ITNO="RYE", ORQA="1")["errorField"] == "PUNO"
    assert failure(root, headers, "PPS370MI/AddLine", MSGN=msgn, HREF="X", ITNO="RYE", ORQA="1")["errorField"] == "HREF"


def test_a_line_with_no_positive_quantity_or_a_used_number_is_refused(root: str, headers: dict[str, str]) -> None:
    msgn, puno = entered_order(root, headers)
    assert failure(root, headers, "PPS370MI/AddLine", MSGN=msgn, ITNO="RYE", ORQA="0")["errorField"] == "ORQA"
    used = failure(root, headers, "PPS370MI/AddLine", MSGN=msgn, PUNO=puno, ITNO="RYE", ORQA="1", PNLI="10")
    assert used["errorField"] == "PNLI"


def test_finish_entry_refuses_an_order_without_lines_and_leaves_the_entry_open(
    root: str, headers: dict[str, str]
) -> None:
    msgn = start_entry(root, headers)
    puno = entry_head(root, headers, msgn)
    assert failure(root, headers, "PPS370MI/FinishEntry", MSGN=msgn)["errorField"] == "PUNO"
    records(root, headers, "PPS370MI/AddLine", MSGN=msgn, ITNO="RYE", ORQA="3")
    records(root, headers, "PPS370MI/FinishEntry", MSGN=msgn)
    assert records(root, headers, "PPS200MI/GetHead", PUNO=puno)


def test_an_empty_entry_cannot_be_finished(root: str, headers: dict[str, str]) -> None:
    assert failure(root, headers, "PPS370MI/FinishEntry", MSGN=start_entry(root, headers))["errorField"] == "MSGN"


def test_a_finished_entry_takes_no_more_lines(root: str, headers: dict[str, str]) -> None:
    msgn, _ = entered_order(root, headers)
    records(root, headers, "PPS370MI/FinishEntry", MSGN=msgn)
    assert failure(root, headers, "PPS370MI/AddLine", MSGN=msgn, ITNO="RYE", ORQA="1")["errorField"] == "MSGN"
    assert failure(root, headers, "PPS370MI/FinishEntry", MSGN=msgn)["errorField"] == "MSGN"


def test_the_batch_job_may_take_time_by_setting(root: str, headers: dict[str, str]) -> None:
    settings(root, po_batch_delay=30)
    msgn, puno = entered_order(root, headers)
    records(root, headers, "PPS370MI/FinishEntry", MSGN=msgn)
    assert failure(root, headers, "PPS200MI/GetHead", PUNO=puno)["errorField"] == "PUNO"
    httpx.post(root + "/_sim/clock", json={"advance": 31})
    assert records(root, headers, "PPS200MI/GetHead", PUNO=puno)[0]["PUNO"] == puno


def test_accounting_strings_go_on_the_line_or_the_head(root: str, headers: dict[str, str]) -> None:
    msgn, puno = entered_order(root, headers)
    records(root, headers, "PPS370MI/AddAccString", MSGN=msgn, PUNO=puno, PNLI="20", AIT1="6100", AIT2="CC10")
    records(root, headers, "PPS370MI/AddAccString", MSGN=msgn, AIT1="4000")
    unknown = failure(root, headers, "PPS370MI/AddAccString", MSGN=msgn, PNLI="99", AIT1="1")
    entry = httpx.get(root + "/_sim/state").json()["tenants"][0]["m3"]["order_entries"][0]
    line = next(ln for ln in entry["lines"] if ln["PNLI"] == "20")
    assert (line["AIT1"], line["AIT2"], entry["heads"][0]["AIT1"]) == ("6100", "CC10", "4000")
    assert unknown["errorField"] == "PNLI"


def test_delete_entry_discards_it(root: str, headers: dict[str, str]) -> None:
    msgn, _ = entered_order(root, headers)
    records(root, headers, "PPS370MI/DeleteEntry", MSGN=msgn)
    assert failure(root, headers, "PPS370MI/FinishEntry", MSGN=msgn)["errorField"] == "MSGN"


def test_pps200mi_add_line_creates_the_line_at_once(root: str, headers: dict[str, str]) -> None:
    records(root, headers, "PPS200MI/AddLine", PUNO="4000001", ITNO="RYE-25KG", ORQA="6", PUPR="15")
    line = records(root, headers, "PPS200MI/GetLine", PUNO="4000001", PNLI="30")[0]
    changed = records(root, headers, "PPS200MI/SearchHead", SQRY=f"LMDT:[{line['LMDT']} TO *]")
    assert (line["ITNO"], line["ORQA"], line["PUPR"], line["DWDT"]) == ("RYE-25KG", "6", "15", "20261121")
    assert "4000001" in [o["PUNO"] for o in changed]


def test_pps200mi_add_line_refuses_a_used_line_number_or_unknown_order(root: str, headers: dict[str, str]) -> None:
    used = failure(root, headers, "PPS200MI/AddLine", PUNO="4000001", PNLI="10", ITNO="RYE", ORQA="1")
    unknown = failure(root, headers, "PPS200MI/AddLine", PUNO="9999999", ITNO="RYE", ORQA="1")
    assert (used["errorField"], unknown["errorField"]) == ("PNLI", "PUNO")


# -- APS450MI: AddAddInfo, Acknowledge, ApproveInvoice ------------------------------------------------------


def test_add_add_info_numbers_the_rows_of_a_category(root: str, headers: dict[str, str]) -> None:
    inbn = add_head(root, headers)
    records(root, headers, "APS450MI/AddAddInfo", INBN=inbn, PEXN="1", PEXI="ASN-7731")
    records(root, headers, "APS450MI/AddAddInfo", INBN=inbn, PEXN="1", PEXI="ASN-7732")
    duplicate = failure(root, headers, "APS450MI/AddAddInfo", INBN=inbn, PEXN="1", PEXS="2", PEXI="x")
    batch = httpx.get(root + "/_sim/state").json()["tenants"][0]["m3"]["invoice_batches"][0]
    assert [(r["PEXN"], r["PEXS"], r["PEXI"]) for r in batch["add_info"]] == [
        ("1", "1", "ASN-7731"),
        ("1", "2", "ASN-7732"),
    ]
    assert duplicate["errorField"] == "PEXS"


def test_add_add_info_needs_category_and_text(root: str, headers: dict[str, str]) -> None:
    inbn = add_head(root, headers)
    assert failure(root, headers, "APS450MI/AddAddInfo", INBN=inbn, PEXN="1")["errorField"] == "PEXI"


def test_acknowledge_marks_the_batch(root: str, headers: dict[str, str]) -> None:
    inbn = add_head(root, headers)
    assert records(root, headers, "APS450MI/GetHead", INBN=inbn)[0]["SUAC"] == "0"
    records(root, headers, "APS450MI/Acknowledge", INBN=inbn)
    assert records(root, headers, "APS450MI/GetHead", INBN=inbn)[0]["SUAC"] == "1"


def test_approve_invoice_sets_the_approval_date_and_may_correct_the_invoice(
    root: str, headers: dict[str, str]
) -> None:
    inbn = add_head(root, headers)
    records(root, headers, "APS450MI/ApproveInvoice", INBN=inbn, AAPD="20261115", SINO="GC-881A")
    head = records(root, headers, "APS450MI/GetHead", INBN=inbn)[0]
    assert (head["AAPD"], head["SINO"]) == ("20261115", "GC-881A")


def test_approving_with_another_invoices_number_is_refused(root: str, headers: dict[str, str]) -> None:
    add_head(root, headers, SINO="GC-900")
    inbn = add_head(root, headers)
    assert failure(root, headers, "APS450MI/ApproveInvoice", INBN=inbn, SINO="GC-900")["errorField"] == "SINO"


def test_a_posted_batch_can_no_longer_be_acknowledged_or_approved(root: str, headers: dict[str, str]) -> None:
    inbn = balanced_batch(root, headers)
    records(root, headers, "APS455MI/ValidByBatchNo", INBN=inbn)
    assert failure(root, headers, "APS450MI/Acknowledge", INBN=inbn)["errorField"] == "INBN"
    assert failure(root, headers, "APS450MI/ApproveInvoice", INBN=inbn)["errorField"] == "INBN"
    assert failure(root, headers, "APS450MI/AddAddInfo", INBN=inbn, PEXN="1", PEXI="x")["errorField"] == "INBN"


def test_validation_may_require_acknowledgement_and_approval_by_setting(root: str, headers: dict[str, str]) -> None:
    settings(root, invoice_validation_requires=["acknowledge", "approve"])
    inbn = balanced_batch(root, headers)
    assert "acknowledged" in failure(root, headers, "APS455MI/ValidByBatchNo", INBN=inbn)["errorMessage"]
    records(root, headers, "APS450MI/Acknowledge", INBN=inbn)
    assert "approved" in failure(root, headers, "APS455MI/ValidByBatchNo", INBN=inbn)["errorMessage"]
    records(root, headers, "APS450MI/ApproveInvoice", INBN=inbn)
    records(root, headers, "APS455MI/ValidByBatchNo", INBN=inbn)
    assert records(root, headers, "APS450MI/GetHead", INBN=inbn)[0]["VONO"] != "0"


# -- the partial-list quirk (KB 2159861) ---------------------------------------------------------------------


def test_a_partial_list_ends_in_an_error_after_n_records_by_setting(root: str, headers: dict[str, str]) -> None:
    settings(root, partial_list_error_after=1)
    body = mi(root, headers, "CRS620MI/LstSuppliers")
    item = body["results"][0]
    assert [s["SUNO"] for s in item["records"]] == ["COLD01"]
    assert (item["errorType"], body["nrOfFailedTransactions"]) == ("ServerReturnedNOK", 1)


def test_a_list_short_enough_or_cut_by_maxrecs_is_not_partial(root: str, headers: dict[str, str]) -> None:
    settings(root, partial_list_error_after=2)
    assert len(records(root, headers, "CRS620MI/LstSuppliers")) == 2
    settings(root, partial_list_error_after=1)
    assert len(records(root, headers, "CRS620MI/LstSuppliers;maxrecs=1")) == 1


def test_the_partial_list_quirk_can_be_limited_to_some_transactions(root: str, headers: dict[str, str]) -> None:
    settings(root, partial_list_error_after=1, partial_list_transactions=["PPS200MI/LstLine"])
    assert len(records(root, headers, "CRS620MI/LstSuppliers")) == 2
    assert "errorMessage" in mi(root, headers, "PPS200MI/LstLine", PUNO="4000001")["results"][0]


def test_a_partial_list_in_the_v1_shape_has_records_and_the_nok(root: str, headers: dict[str, str]) -> None:
    settings(root, partial_list_error_after=1)
    url = f"{root}/{TI}/M3/m3api-rest/execute/CRS620MI/LstSuppliers?CONO=100"
    body = httpx.get(url, headers=headers).json()
    assert len(body["MIRecord"]) == 1
    assert body["@type"] == "ServerReturnedNOK"


# -- legacy v1 error shape, bulk termination -----------------------------------------------------------------


def test_v1_failures_may_come_as_a_bare_error_message_by_setting(root: str, headers: dict[str, str]) -> None:
    settings(root, v1_error_shape="error_message")
    url = f"{root}/{TI}/M3/m3api-rest/execute/CRS620MI/GetBasicData?CONO=100&SUNO=NOPE"
    body = httpx.get(url, headers=headers).json()
    assert list(body) == ["ErrorMessage"]
    assert "NOPE" in body["ErrorMessage"]


def test_bulk_runs_past_a_failure_by_default(root: str, headers: dict[str, str]) -> None:
    body = bulk(root, headers, "CRS620MI", ("GetBasicData", {"SUNO": "NOPE"}), ("GetBasicData", {"SUNO": "COLD01"}))
    assert (body["wasTerminated"], body["nrOfSuccessfullTransactions"], body["nrOfNotProcessedTransactions"]) == (
        False,
        1,
        0,
    )


def test_bulk_may_stop_at_the_first_failure_by_setting(root: str, headers: dict[str, str]) -> None:
    settings(root, bulk_terminate_on_error=True)
    body = bulk(
        root,
        headers,
        "CRS620MI",
        ("GetBasicData", {"SUNO": "COLD01"}),
        ("GetBasicData", {"SUNO": "NOPE"}),
        ("UpdSupplier", {"SUNO": "COLD01", "SUNM": "Renamed"}),
    )
    counts = (body["nrOfSuccessfullTransactions"], body["nrOfFailedTransactions"], body["nrOfNotProcessedTransactions"])
    assert (body["wasTerminated"], counts) == (True, (1, 1, 1))
    assert body["results"][2]["notProcessed"] is True
    assert body["terminationErrorType"] == "ServerReturnedNOK"
    assert "NOPE" in body["terminationReason"]
    assert records(root, headers, "CRS620MI/GetBasicData", SUNO="COLD01")[0]["SUNM"] == "ColdChain Logistics"


def test_a_whole_po_batch_entry_runs_as_one_bulk_call(root: str, headers: dict[str, str]) -> None:
    msgn = start_entry(root, headers)
    head = {"MSGN": msgn, "FACI": "A01", "WHLO": "100", "SUNO": "COLD01", "DWDT": "20261203", "HREF": "R1"}
    body = bulk(
        root,
        headers,
        "PPS370MI",
        ("AddHead", head),
        ("AddLine", {"MSGN": msgn, "HREF": "R1", "ITNO": "REEFER-DAY", "ORQA": "2", "PUPR": "410"}),
        ("FinishEntry", {"MSGN": msgn}),
    )
    puno = body["results"][0]["records"][0]["PUNO"]
    assert body["nrOfSuccessfullTransactions"] == 3
    assert records(root, headers, "PPS200MI/GetHead", PUNO=puno)[0]["SUNO"] == "COLD01"


# -- on-prem grid paths ---------------------------------------------------------------------------------------


def grid_token(root: str) -> httpx.Response:
    ion = ionapi(root)
    form = {
        "grant_type": "password",
        "client_id": ion["ci"],
        "client_secret": ion["cs"],
        "username": ion["saak"],
        "password": ion["sask"],
    }
    return httpx.post(f"{root}/InforIntSTS/connect/token", data=form)


def test_the_grid_paths_are_not_served_unless_a_grid_tenant_is_set(root: str, headers: dict[str, str]) -> None:
    assert grid_token(root).status_code == 404
    url = f"{root}/infor/M3/m3api-rest/v2/execute/CRS620MI/LstSuppliers?CONO=100"
    assert httpx.get(url, headers=headers).status_code == 404


def test_the_grid_serves_mi_calls_without_a_tenant_segment(root: str) -> None:
    settings(root, grid_tenant=TI)
    token = grid_token(root).json()["access_token"]
    grid_headers = {"Authorization": f"Bearer {token}"}
    url = f"{root}/infor/M3/m3api-rest/v2/execute/CRS620MI/GetBasicData"
    body = httpx.get(url, params={"CONO": "100", "SUNO": "COLD01", "righttrim": "true"}, headers=grid_headers).json()
    v1_url = f"{root}/infor/M3/m3api-rest/execute/CRS620MI/GetBasicData?CONO=100&SUNO=COLD01"
    v1 = httpx.get(v1_url, headers=grid_headers)
    bulk_body = {"program": "CRS620MI", "transactions": [{"transaction": "LstSuppliers", "record": {"CONO": "100"}}]}
    bulked = httpx.post(f"{root}/infor/M3/m3api-rest/v2/execute", json=bulk_body, headers=grid_headers).json()
    assert body["results"][0]["records"][0]["SUNM"] == "ColdChain Logistics"
    assert v1.json()["Transaction"] == "GetBasicData"
    assert bulked["nrOfSuccessfullTransactions"] == 1
    assert httpx.get(url, params={"CONO": "100", "SUNO": "COLD01"}).status_code == 401


# -- GLS200MI: the read-back of postings ------------------------------------------------------------------------


def test_a_posted_invoice_can_be_read_back_as_voucher_lines(root: str, headers: dict[str, str]) -> None:
    inbn = add_head(root, headers, CUAM="110", VTAM="10")
    records(root, headers, "APS450MI/AddLine", INBN=inbn, RDTP="1", NLAM="60")
    records(root, headers, "APS450MI/AddLine", INBN=inbn, RDTP="1", NLAM="40")
    records(root, headers, "APS455MI/ValidByBatchNo", INBN=inbn)
    head = records(root, headers, "APS450MI/GetHead", INBN=inbn)[0]
    lines = records(root, headers, "GLS200MI/LstVoucherLines", DIVI="AAA", YEA4=head["YEA4"], VONO=head["VONO"])
    assert [(ln["JSNO"], ln["AIT1"], ln["ACAM"]) for ln in lines] == [
        ("1", "2410", "-110"),
        ("2", "4010", "60"),
        ("3", "4010", "40"),
        ("4", "2640", "10"),
    ]
    assert {ln["SINO"] for ln in lines} == {"GC-881"}


def test_the_posting_accounts_are_a_setting(root: str, headers: dict[str, str]) -> None:
    settings(root, gl_accounts={"expense": "5150"})
    inbn = balanced_batch(root, headers)
    records(root, headers, "APS455MI/ValidByBatchNo", INBN=inbn)
    head = records(root, headers, "APS450MI/GetHead", INBN=inbn)[0]
    lines = records(root, headers, "GLS200MI/LstVoucherLines", DIVI="AAA", YEA4=head["YEA4"], VONO=head["VONO"])
    assert [ln["AIT1"] for ln in lines] == ["2410", "5150"]


def test_an_unknown_voucher_is_refused(root: str, headers: dict[str, str]) -> None:
    item = failure(root, headers, "GLS200MI/LstVoucherLines", DIVI="AAA", YEA4="2026", VONO="1")
    assert (item["errorType"], item["errorField"]) == ("ServerReturnedNOK", "VONO")


# -- PPS001MI: confirmation and goods receipt ------------------------------------------------------------------


def line(root: str, headers: dict[str, str], pnli: str = "10") -> dict[str, str]:
    return records(root, headers, "PPS200MI/GetLine", PUNO="4000001", PNLI=pnli)[0]


def test_confirm_line_records_the_suppliers_date_quantity_and_price(root: str, headers: dict[str, str]) -> None:
    confirm = {"PUNO": "4000001", "PNLI": "10", "PNLS": "0", "CODT": "20261125", "CFQA": "75", "SORN": "SO-5521"}
    records(root, headers, "PPS001MI/ConfirmLine", **confirm)
    confirmed = line(root, headers)
    head = records(root, headers, "PPS200MI/GetHead", PUNO="4000001")[0]
    assert (confirmed["CODT"], confirmed["CFQA"], confirmed["CPPR"], confirmed["SORN"]) == (
        "20261125",
        "75",
        "18.2",
        "SO-5521",
    )
    assert (confirmed["PUSL"], head["PUSL"], head["PUSH"]) == ("35", "20", "35")
    assert head["LMDT"] > "20261107"


def test_a_confirmation_without_values_confirms_the_order_as_it_stands(root: str, headers: dict[str, str]) -> None:
    records(root, headers, "PPS001MI/ConfirmLine", PUNO="4000001", PNLI="20", PNLS="0")
    confirmed = line(root, headers, "20")
    assert (confirmed["CODT"], confirmed["CFQA"]) == ("20261121", "40")


def test_confirm_line_needs_the_line_subnumber_and_a_known_line(root: str, headers: dict[str, str]) -> None:
    missing = failure(root, headers, "PPS001MI/ConfirmLine", PUNO="4000001", PNLI="10")
    unknown = failure(root, headers, "PPS001MI/ConfirmLine", PUNO="4000001", PNLI="99", PNLS="0")
    assert (missing["errorType"], missing["errorField"]) == ("MandatoryInputFieldNotFound", "PNLS")
    assert unknown["errorField"] == "PNLI"


def receipt(**changes: str) -> dict[str, str]:
    return {"TRDT": "20261120", "RESP": "EDI", "PUNO": "4000001", "PNLI": "10", "PNLS": "0", "RVQA": "30", **changes}


def test_a_partial_receipt_raises_the_received_quantity(root: str, headers: dict[str, str]) -> None:
    records(root, headers, "PPS001MI/Receipt", **receipt(SUDO="ASN-7731"))
    received = line(root, headers)
    head = records(root, headers, "PPS200MI/GetHead", PUNO="4000001")[0]
    assert (received["RVQA"], received["SUDO"], received["PUSL"], received["PUSH"]) == ("30", "ASN-7731", "20", "50")
    assert (head["PUSL"], head["PUSH"]) == ("20", "50")


def test_a_line_received_in_full_reaches_the_received_status(root: str, headers: dict[str, str]) -> None:
    records(root, headers, "PPS001MI/Receipt", **receipt(RVQA="30"))
    records(root, headers, "PPS001MI/Receipt", **receipt(RVQA="50"))
    assert (line(root, headers)["RVQA"], line(root, headers)["PUSL"]) == ("80", "50")


def test_a_receipt_flagged_complete_closes_the_line_short(root: str, headers: dict[str, str]) -> None:
    records(root, headers, "PPS001MI/Receipt", **receipt(OEND="1"))
    assert line(root, headers)["PUSL"] == "50"


def test_an_over_receipt_is_refused_unless_allowed(root: str, headers: dict[str, str]) -> None:
    assert failure(root, headers, "PPS001MI/Receipt", **receipt(RVQA="81"))["errorField"] == "RVQA"
    settings(root, allow_over_receipt=True)
    records(root, headers, "PPS001MI/Receipt", **receipt(RVQA="81"))
    assert line(root, headers)["RVQA"] == "81"


@pytest.mark.parametrize("missing", ["TRDT", "RESP", "RVQA"])
def test_a_receipt_needs_its_mandatory_fields(root: str, headers: dict[str, str], missing: str) -> None:
    item = failure(root, headers, "PPS001MI/Receipt", **receipt(**{missing: ""}))
    assert (item["errorType"], item["errorField"]) == ("MandatoryInputFieldNotFound", missing)


def test_the_line_statuses_are_settings(root: str, headers: dict[str, str]) -> None:
    settings(root, confirmed_line_status="25", received_line_status="75")
    records(root, headers, "PPS001MI/ConfirmLine", PUNO="4000001", PNLI="10", PNLS="0")
    assert line(root, headers)["PUSL"] == "25"
    records(root, headers, "PPS001MI/Receipt", **receipt(RVQA="80"))
    assert line(root, headers)["PUSL"] == "75"


def test_a_program_the_role_may_not_run_is_403_at_the_gateway(root: str, headers: dict[str, str]) -> None:
    settings(root, forbidden_programs=["APS450MI"])
    single = httpx.get(f"{root}/{TI}/M3/m3api-rest/v2/execute/APS450MI/GetHead?CONO=100&INBN=1", headers=headers)
    bulked = httpx.post(
        f"{root}/{TI}/M3/m3api-rest/v2/execute",
        json={"program": "APS450MI", "transactions": [{"transaction": "GetHead", "record": {"INBN": "1"}}]},
        headers=headers,
    )
    assert (single.status_code, single.json()["error"]) == (403, "insufficient_scope")
    assert bulked.status_code == 403
    assert records(root, headers, "CRS620MI/LstSuppliers")
