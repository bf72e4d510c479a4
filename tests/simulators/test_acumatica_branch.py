"""The Acumatica simulator's `PX-CbApiBranch` header over real HTTP (spec section 3.5, optional headers)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from simulators.acumatica import create_app  # noqa: F401 - the demo_server fixture serves the module's create_app

ENTITY = "/entity/Default/24.200.001"
CLIENT_ID, CLIENT_SECRET = "6E0F3A0B-6C1D-4C7E-9A55-7E3A1D2B4C5F@Bluefin", "bluefin-acu-secret-1"


@pytest.fixture
def headers(http: httpx.Client, root: str) -> dict[str, str]:
    form = {"grant_type": "password", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "username": "bluefin-api", "password": "bluefin-acu-pass-1", "scope": "api"}
    return {"Authorization": f"Bearer {http.post(f'{root}/identity/connect/token', data=form).json()['access_token']}"}


def wrap(**fields: Any) -> dict[str, Any]:
    return {name: {"value": value} for name, value in fields.items()}


def put_bill(http: httpx.Client, root: str, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    bill = {**wrap(Vendor="V-COASTAL", VendorRef="INV-7001", Date="2026-11-10", Description="EDI 810"),
            "Details": [wrap(InventoryID="PAPER-A4", Qty=1, UnitCost=21.4)], **extra}
    response = http.put(f"{root}{ENTITY}/Bill", json=bill, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_branch_header_gives_a_new_document_its_branch(
    http: httpx.Client, root: str, headers: dict[str, str]
) -> None:
    bill = put_bill(http, root, {**headers, "PX-CbApiBranch": "EAST"})
    assert bill["BranchID"]["value"] == "EAST"


def test_a_branch_in_the_body_wins_over_the_header(http: httpx.Client, root: str, headers: dict[str, str]) -> None:
    bill = put_bill(http, root, {**headers, "PX-CbApiBranch": "EAST"}, **wrap(BranchID="WEST"))
    assert bill["BranchID"]["value"] == "WEST"


def test_without_the_header_the_branch_is_left_alone(http: httpx.Client, root: str, headers: dict[str, str]) -> None:
    bill = put_bill(http, root, headers)
    assert bill.get("BranchID", {}).get("value") in (None, "")
