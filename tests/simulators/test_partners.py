"""The trading partners behind Cleo, end to end over Cleo's HTTP API: the customer uploads X12 to a partner's
outbound folder, the simulator clock moves on, the partners tick, and their answers appear in the inbound folder.

The X12 the tests send is written by hand here, and every answer is read back with pyx12.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pyotp
import pytest
from pyx12.x12file import X12Reader

from simulators.cleo import create_app
from simulators.core.app import SimApp
from simulators.core.scenario import ScenarioError

USER, PASSWORD = "bluefin-edi", "bluefin-cleo-pass-1"
ACME_USER, ACME_PASSWORD, ACME_TOTP = "acme-edi", "acme-cleo-pass-1", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PARTNER, PARTNER_ISA = "harborfoods", "HARBORFOODS"
CUSTOMER_ISA = "BLUEFIN"
Line = tuple[str, str, str, str, str, str]  # line, quantity, unit, price, buyer's item, description
LINES: list[Line] = [("1", "40", "CA", "48", "FISH-001", "Frozen cod 10kg"), ("2", "200", "BX", "21.4", "PAPER-A4", "")]


# --- X12 written by hand ------------------------------------------------------------------------------------------


def transaction(set_id: str, control: str, body: list[str], count: int | None = None) -> list[str]:
    """ST, the body, SE with the right segment count (or the one given)."""
    return [f"ST*{set_id}*{control}", *body, f"SE*{len(body) + 2 if count is None else count}*{control}"]


def order_850(po_number: str, lines: list[Line] = LINES, control: str = "0001", **kw: Any) -> list[str]:
    body = [f"BEG*00*SA*{po_number}**20261102"]
    for line, quantity, unit, price, item, description in lines:
        body.append(f"PO1*{line}*{quantity}*{unit}*{price}**BP*{item}")
        body += [f"PID*F****{description}"] if description else []
    body.append(f"CTT*{len(lines)}")
    return transaction("850", control, body, **kw)


def interchange(
    *sets: list[str],
    functional_id: str = "PO",
    receiver: str = PARTNER_ISA,
    icn: int = 1,
    group: int = 1,
    iea_control: int | None = None,
) -> str:
    isa = f"ISA*00*{' ' * 10}*00*{' ' * 10}*ZZ*{CUSTOMER_ISA:<15}*ZZ*{receiver:<15}*261102*1200*U*00401*{icn:09d}*0*P*>"
    segments = [isa, f"GS*{functional_id}*{CUSTOMER_ISA}*{receiver}*20261102*1200*{group}*X*004010"]
    segments += [s for st in sets for s in st]
    segments += [f"GE*{len(sets)}*{group}", f"IEA*1*{(icn if iea_control is None else iea_control):09d}"]
    return "".join(s + "~\n" for s in segments)


# --- reading answers with pyx12 -----------------------------------------------------------------------------------


class Parsed:
    """An interchange as pyx12 reads it: segments as lists of values, and every error pyx12 reported."""

    def __init__(self, text: str) -> None:
        reader = X12Reader(io.StringIO(text))
        self.segments: list[list[str]] = []
        self.errors: list[Any] = []
        for seg in reader:
            values = [seg.get_value(f"{i:02d}") or "" for i in range(1, len(seg) + 1)]
            self.segments.append([seg.get_seg_id(), *values])
            self.errors += reader.pop_errors()
        reader.cleanup()
        self.errors += reader.pop_errors()

    def all(self, seg_id: str) -> list[list[str]]:
        return [s for s in self.segments if s[0] == seg_id]

    def one(self, seg_id: str) -> list[str]:
        (found,) = self.all(seg_id)
        return found


# --- the customer's side: Cleo over HTTP ---------------------------------------------------------------------------


class Customer:
    """Bluefin's EDI user at Cleo, plus the simulator's admin routes."""

    def __init__(
        self, http: httpx.Client, root: str, app: SimApp, user: str = USER, password: str = PASSWORD, totp: str = ""
    ) -> None:
        self.http, self.root, self.app = http, root, app
        form = {"grant_type": "password", "username": user, "password": password}
        if totp:
            form["totp"] = pyotp.TOTP(totp).at(http.get(f"{root}/_sim/clock").json()["now"])
        token = http.post(f"{root}/api/authentication", data=form).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def folder_id(self, path: str) -> str:
        params = {"filter": f'path eq "{path}"'}
        found: str = self.http.get(f"{self.root}/api/folders", params=params, headers=self.headers).json()[
            "resources"
        ][0]["id"]
        return found

    def upload(self, text: str, name: str = "PO_850.edi", partner: str = PARTNER) -> None:
        folder = self.folder_id(f"/{partner}/outbound")
        files = {"file": (name, text.encode())}
        response = self.http.post(f"{self.root}/api/folders/{folder}/files", files=files, headers=self.headers)
        assert response.status_code == 201

    def inbound(self, partner: str = PARTNER) -> dict[str, str]:
        """Every file in the partner's inbound folder: name -> content."""
        folder = self.folder_id(f"/{partner}/inbound")
        listing = self.http.get(f"{self.root}/api/folders/{folder}/children", headers=self.headers).json()
        return {
            r["name"]: self.http.get(self.root + r["_links"]["content"]["href"], headers=self.headers).text
            for r in listing["resources"]
        }

    def answers(self, kind: str, partner: str = PARTNER) -> list[Parsed]:
        return [Parsed(text) for name, text in sorted(self.inbound(partner).items()) if name.startswith(kind)]

    def advance(self, seconds: float) -> None:
        self.http.post(f"{self.root}/_sim/clock", json={"advance": seconds}).raise_for_status()

    def tick(self) -> list[dict[str, Any]]:
        delivered: list[dict[str, Any]] = self.http.post(f"{self.root}/_sim/partners/tick").json()["delivered"]
        return delivered

    def after(self, seconds: float) -> list[dict[str, Any]]:
        self.advance(seconds)
        return self.tick()

    def behaviour(self, partner: str = PARTNER, **changes: Any) -> httpx.Response:
        return self.http.post(f"{self.root}/_sim/partners/{partner}/behaviour", json=changes)

    def send(self, partner: str = PARTNER, **body: Any) -> httpx.Response:
        return self.http.post(f"{self.root}/_sim/partners/{partner}/send", json=body)

    def partner_state(self, partner: str = PARTNER) -> dict[str, Any]:
        state: dict[str, Any] = self.http.get(f"{self.root}/_sim/state").json()["partners"]["partners"][partner]
        return state


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


@pytest.fixture
def customer(served: Any, demo_scenario: dict[str, Any], http: httpx.Client) -> Customer:
    app = create_app(demo_scenario)
    root = served(app)
    http.post(f"{root}/_sim/settings", json={"rate_per_second": 1000}).raise_for_status()
    return Customer(http, root, app)


@pytest.fixture
def ordered(customer: Customer) -> Customer:
    """A customer that has uploaded PO123 for harborfoods and waited past every delay (997 5 s ... 810 600 s)."""
    customer.upload(interchange(order_850("PO123")))
    customer.tick()
    customer.after(600)
    return customer


# --- answering an 850 ---------------------------------------------------------------------------------------------


def test_nothing_is_answered_before_the_first_delay(customer: Customer) -> None:
    customer.upload(interchange(order_850("PO123")))
    assert customer.tick() == []
    assert customer.after(4) == []
    assert customer.inbound() == {}


def test_answers_arrive_one_by_one_as_their_delays_pass(customer: Customer) -> None:
    customer.upload(interchange(order_850("PO123")))
    customer.tick()
    assert [d["kind"] for d in customer.after(5)] == ["997"]
    assert [d["kind"] for d in customer.after(55)] == ["855"]
    assert [d["kind"] for d in customer.after(240)] == ["856"]
    assert [d["kind"] for d in customer.after(300)] == ["810"]
    assert len(customer.inbound()) == 4


def test_a_delay_scale_shortens_every_answer_delay(served: Any, demo_scenario: dict[str, Any],
                                                  http: httpx.Client) -> None:
    demo_scenario["partners"]["settings"]["delay_scale"] = 0.01
    app = create_app(demo_scenario)
    fast = Customer(http, served(app), app)
    http.post(f"{fast.root}/_sim/settings", json={"rate_per_second": 1000}).raise_for_status()
    fast.upload(interchange(order_850("PO123")))
    fast.tick()
    assert [d["kind"] for d in fast.after(6)] == ["997", "855", "856", "810"]


def test_every_answer_is_clean_x12_from_the_partner_to_the_customer(ordered: Customer) -> None:
    for parsed in (ordered.answers(kind)[0] for kind in ("997", "855", "856", "810")):
        assert parsed.errors == []
        isa = parsed.one("ISA")
        assert (isa[5], isa[6].strip(), isa[7], isa[8].strip()) == ("ZZ", PARTNER_ISA, "ZZ", CUSTOMER_ISA)
        assert isa[12] == "00401"
        assert parsed.one("GS")[8] == "004010"


def test_control_numbers_increase_per_partner_across_files(ordered: Customer) -> None:
    parsed = [ordered.answers(kind)[0] for kind in ("997", "855", "856", "810")]
    assert [int(p.one("ISA")[13]) for p in parsed] == [1, 2, 3, 4]
    assert [int(p.one("GS")[6]) for p in parsed] == [1, 2, 3, 4]
    assert [p.one("SE")[2] for p in parsed] == ["0001", "0002", "0003", "0004"]


def test_the_997_accepts_the_group_and_its_850(ordered: Customer) -> None:
    ack = ordered.answers("997")[0]
    assert ack.one("GS")[1] == "FA"
    assert ack.one("AK1")[1:3] == ["PO", "1"]
    assert ack.one("AK2")[1:3] == ["850", "0001"]
    assert ack.one("AK5")[1] == "A"
    assert ack.one("AK9")[1:5] == ["A", "1", "1", "1"]


def test_the_855_confirms_every_line_as_ordered(ordered: Customer) -> None:
    confirmation = ordered.answers("855")[0]
    bak = confirmation.one("BAK")
    assert bak[1:5] == ["00", "AD", "PO123", "20261102"]
    assert [p[1:5] + p[6:8] for p in confirmation.all("PO1")] == [
        ["1", "40", "CA", "48", "BP", "FISH-001"],
        ["2", "200", "BX", "21.4", "BP", "PAPER-A4"],
    ]
    assert [a[1:4] for a in confirmation.all("ACK")] == [["IA", "40", "CA"], ["IA", "200", "BX"]]
    assert confirmation.one("CTT")[1] == "2"


def test_the_856_ships_each_line_in_its_own_pack_with_an_sscc(ordered: Customer) -> None:
    shipment = ordered.answers("856")[0]
    levels = ["/".join(hl[1:4]) for hl in shipment.all("HL")]
    assert levels == ["1//S", "2/1/O", "3/2/P", "4/3/I", "5/2/P", "6/5/I"]
    assert shipment.one("PRF")[1] == "PO123"
    ssccs = [man[2] for man in shipment.all("MAN")]
    assert all(len(s) == 20 and s.startswith("00") and sscc_check_digit_ok(s[2:]) for s in ssccs)
    assert len(set(ssccs)) == 2
    assert [(lin[1], lin[3]) for lin in shipment.all("LIN")] == [("1", "FISH-001"), ("2", "PAPER-A4")]
    assert [sn1[1:4] for sn1 in shipment.all("SN1")] == [["1", "40", "CA"], ["2", "200", "BX"]]
    assert shipment.one("CTT")[1] == "6"


def sscc_check_digit_ok(sscc: str) -> bool:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(sscc[:-1])))
    return (10 - total % 10) % 10 == int(sscc[-1])


def test_the_810_invoices_the_lines_with_terms_and_the_total_in_cents(ordered: Customer) -> None:
    invoice = ordered.answers("810")[0]
    big = invoice.one("BIG")
    assert big[2].startswith("INV")
    assert big[3:5] == ["20261102", "PO123"]
    assert invoice.one("ITD")[1:3] == ["05", "3"]
    assert invoice.one("ITD")[7] == "30"
    assert [it1[1:5] + it1[6:8] for it1 in invoice.all("IT1")] == [
        ["1", "40", "CA", "48", "BP", "FISH-001"],
        ["2", "200", "BX", "21.4", "BP", "PAPER-A4"],
    ]
    assert invoice.one("PID")[5] == "Frozen cod 10kg"
    assert invoice.one("TDS")[1] == "620000"  # 40 x 48 + 200 x 21.40 = 6200.00
    assert invoice.one("CTT")[1] == "2"


def test_the_partner_records_the_order_and_what_it_sent(ordered: Customer) -> None:
    state = ordered.partner_state()
    order = state["orders"]["PO123"]
    assert [(line["line"], line["ordered"], line["item_ids"]) for line in order["lines"]] == [
        ("1", "40", {"BP": "FISH-001"}),
        ("2", "200", {"BP": "PAPER-A4"}),
    ]
    assert [s["kind"] for s in state["sent"]] == ["997", "855", "856", "810"]
    assert state["received"] == [{"file": "PO_850.edi", "interchange": "000000001", "sets": 1, "outcome": "accepted"}]


def test_a_005010_partner_writes_005010_envelopes(customer: Customer) -> None:
    customer.upload(interchange(order_850("PO9"), receiver="COASTALPAPER"), partner="coastalpaper")
    customer.tick()
    customer.after(5)
    ack = customer.answers("997", partner="coastalpaper")[0]
    assert ack.errors == []
    assert ack.one("ISA")[11] == "^"
    assert ack.one("ISA")[12] == "00501"
    assert ack.one("GS")[8] == "005010"
    assert ack.one("AK1")[1:4] == ["PO", "1", "004010"]


def test_payment_terms_with_a_discount_go_into_itd(customer: Customer, http: httpx.Client) -> None:
    acme = Customer(http, customer.root, customer.app, ACME_USER, ACME_PASSWORD, ACME_TOTP)
    acme.send(partner="steelco", type="810", po_number="PO10001")
    invoice = acme.answers("810", partner="steelco")[0]
    assert invoice.one("ITD")[1:8] == ["01", "3", "2", "", "10", "", "30"]  # 2% 10 days, net 30


# --- line answers -------------------------------------------------------------------------------------------------


def test_the_855_reports_changed_quantity_changed_price_and_a_rejected_line(customer: Customer) -> None:
    three: list[Line] = [*LINES, ("3", "5", "EA", "9.99", "LID-1", "")]
    assert customer.behaviour(quantities={"1": "35"}, prices={"2": "20.9"}, reject_lines=["3"]).status_code == 200
    customer.upload(interchange(order_850("PO5", three)))
    customer.tick()
    customer.after(600)
    confirmation = customer.answers("855")[0]
    assert confirmation.one("BAK")[2] == "AC"
    assert [a[1:3] for a in confirmation.all("ACK")] == [["IQ", "35"], ["IP", "200"], ["IR", "0"]]
    assert confirmation.all("PO1")[1][4] == "20.9"
    invoice = customer.answers("810")[0]
    assert [(it1[1], it1[2], it1[4]) for it1 in invoice.all("IT1")] == [("1", "35", "48"), ("2", "200", "20.9")]
    assert invoice.one("TDS")[1] == "586000"  # 35 x 48 + 200 x 20.90
    assert [sn1[2] for sn1 in customer.answers("856")[0].all("SN1")] == ["35", "200"]


def test_an_order_with_every_line_rejected_gets_an_rj_855_and_nothing_more(customer: Customer) -> None:
    customer.behaviour(reject_lines=["1", "2"])
    customer.upload(interchange(order_850("PO6")))
    customer.tick()
    customer.after(600)
    assert sorted(name[:3] for name in customer.inbound()) == ["855", "997"]
    assert customer.answers("855")[0].one("BAK")[2] == "RJ"


def test_a_po_number_received_again_is_acknowledged_but_not_answered_twice(customer: Customer) -> None:
    customer.upload(interchange(order_850("PO123")))
    customer.upload(interchange(order_850("PO123"), icn=2), name="PO_850_again.edi")
    customer.tick()
    customer.after(600)
    assert sorted(name[:3] for name in customer.inbound()) == ["810", "855", "856", "997", "997"]
    assert customer.partner_state()["orders"]["PO123"]["times_received"] == 2


def test_each_interchange_of_a_file_gets_its_own_997(customer: Customer) -> None:
    customer.upload(interchange(order_850("PO21")) + interchange(order_850("PO22"), icn=2))
    customer.tick()
    customer.after(5)
    assert len(customer.answers("997")) == 2
    assert sorted(customer.partner_state()["orders"]) == ["PO21", "PO22"]


# --- what the partner refuses -------------------------------------------------------------------------------------


def test_an_850_with_a_wrong_se_count_gets_a_997_rejecting_it(customer: Customer) -> None:
    customer.upload(interchange(order_850("PO7", count=99)))
    customer.tick()
    customer.after(600)
    assert list(customer.inbound()) == ["997_harborfoods_000000001.edi"]
    ack = customer.answers("997")[0]
    assert ack.one("AK5")[1:3] == ["R", "4"]  # number of included segments does not match
    assert ack.one("AK9")[1:5] == ["R", "1", "1", "0"]


def test_an_850_without_beg_or_with_a_bad_quantity_gets_ak3_and_ak4_notes(customer: Customer) -> None:
    no_beg = transaction("850", "0001", ["PO1*1*40*CA*48**BP*FISH-001", "CTT*1"])
    bad_quantity = transaction("850", "0002", ["BEG*00*SA*PO8**20261102", "PO1*1*forty*CA*48", "CTT*1"])
    good = order_850("PO9", control="0003")
    customer.upload(interchange(no_beg, bad_quantity, good))
    customer.tick()
    customer.after(600)
    ack = customer.answers("997")[0]
    assert ack.all("AK3") == [["AK3", "BEG", "2", "", "3"], ["AK3", "PO1", "3", "", "8"]]
    assert ack.one("AK4")[1:5] == ["2", "", "6", "forty"]
    assert [a[1] for a in ack.all("AK5")] == ["R", "R", "A"]
    assert ack.one("AK9")[1:5] == ["P", "3", "3", "1"]
    assert list(customer.partner_state()["orders"]) == ["PO9"]


def test_an_unsupported_transaction_set_is_rejected_with_ak5_code_1(customer: Customer) -> None:
    customer.upload(interchange(transaction("856", "0001", ["BSN*00*X*20261102*1200"]), functional_id="SH"))
    customer.tick()
    customer.after(5)
    assert customer.answers("997")[0].one("AK5")[1:3] == ["R", "1"]


def test_a_broken_envelope_gets_a_ta1_instead_of_a_997(customer: Customer) -> None:
    customer.upload(interchange(order_850("PO10"), icn=42, iea_control=43))
    customer.tick()
    customer.after(600)
    assert [name[:3] for name in customer.inbound()] == ["TA1"]
    (reply,) = customer.answers("TA1")
    assert reply.errors == []
    assert reply.one("TA1")[1:6] == ["000000042", "261102", "1200", "R", "001"]
    assert reply.one("IEA")[1] == "0"


def test_an_interchange_for_another_receiver_gets_ta1_note_008(customer: Customer) -> None:
    customer.upload(interchange(order_850("PO11"), receiver="SOMEONEELSE"))
    customer.tick()
    customer.after(5)
    assert customer.answers("TA1")[0].one("TA1")[4:6] == ["R", "008"]


def test_a_file_that_is_not_x12_gets_ta1_note_022(customer: Customer) -> None:
    customer.upload("hello, this is not EDI")
    customer.tick()
    customer.after(5)
    ta1 = customer.answers("TA1")[0]
    assert ta1.one("TA1")[1] == "000000000"
    assert ta1.one("TA1")[4:6] == ["R", "022"]
    assert ta1.one("ISA")[8].strip() == CUSTOMER_ISA


# --- acknowledgments from the customer ----------------------------------------------------------------------------


def test_the_customers_997_marks_the_partners_group_acknowledged_and_gets_no_997_back(ordered: Customer) -> None:
    invoice_group = ordered.answers("810")[0].one("GS")[6]
    ack = transaction("997", "0001", [f"AK1*IN*{invoice_group}", "AK2*810*0004", "AK5*A", "AK9*A*1*1*1"])
    ordered.upload(interchange(ack, functional_id="FA", icn=2), name="997_for_810.edi")
    ordered.tick()
    ordered.after(600)
    sent = {s["kind"]: s for s in ordered.partner_state()["sent"]}
    assert sent["810"]["acknowledged"] == "A"
    assert sent["855"]["acknowledged"] is None
    assert len(ordered.answers("997")) == 1


# --- misbehaviour on request --------------------------------------------------------------------------------------


def test_a_broken_partner_sends_files_with_a_wrong_se_count(customer: Customer) -> None:
    customer.behaviour(broken="se_count")
    customer.upload(interchange(order_850("PO12")))
    customer.tick()
    customer.after(5)
    errors = customer.answers("997")[0].errors
    assert [(e[0], e[1]) for e in errors] == [("st", "4")]


def test_a_partner_with_a_broken_envelope_sends_a_mismatched_iea(customer: Customer) -> None:
    customer.behaviour(broken="envelope")
    customer.upload(interchange(order_850("PO13")))
    customer.tick()
    customer.after(5)
    assert [(e[0], e[1]) for e in customer.answers("997")[0].errors] == [("isa", "001")]


def test_a_duplicating_partner_sends_the_same_bytes_again_under_a_new_name(customer: Customer) -> None:
    customer.behaviour(duplicate=True)
    customer.upload(interchange(order_850("PO14")))
    customer.tick()
    customer.after(5)
    files = customer.inbound()
    assert sorted(files) == ["997_harborfoods_000000001.edi", "997_harborfoods_000000001_copy.edi"]
    assert len(set(files.values())) == 1


def test_a_late_partner_holds_every_answer_back_by_the_extra_delay(customer: Customer) -> None:
    customer.behaviour(extra_delay=3600)
    customer.upload(interchange(order_850("PO15")))
    customer.tick()
    assert customer.after(600) == []
    assert [d["kind"] for d in customer.after(3600)] == ["997", "855", "856", "810"]


def test_behaviour_updates_are_partial_and_validated(customer: Customer) -> None:
    customer.behaviour(duplicate=True)
    assert customer.behaviour(extra_delay=10).json()["duplicate"] is True
    assert customer.http.get(f"{customer.root}/_sim/partners/{PARTNER}/behaviour").json()["extra_delay"] == 10
    assert customer.behaviour(broken="sometimes").status_code == 400
    assert customer.behaviour(extra_delay=-1).status_code == 400
    assert customer.behaviour(partner="nobody", duplicate=True).status_code == 404
    not_an_object = customer.http.post(f"{customer.root}/_sim/partners/{PARTNER}/behaviour", content=b"[]")
    assert not_an_object.status_code == 400


# --- documents on demand ------------------------------------------------------------------------------------------


def test_an_810_on_demand_for_an_order_never_received_invoices_the_catalog(customer: Customer) -> None:
    response = customer.send(type="810", po_number="PO000101")
    assert response.status_code == 200
    assert [d["kind"] for d in response.json()["delivered"]] == ["810"]
    invoice = customer.answers("810")[0]
    assert invoice.errors == []
    assert invoice.one("BIG")[4] == "PO000101"
    assert invoice.one("IT1")[1:8] == ["1", "20", "CA", "48", "", "BP", "FISH-001"]


def test_an_810_on_demand_for_a_received_order_invoices_its_lines(customer: Customer) -> None:
    customer.upload(interchange(order_850("PO123")))
    customer.tick()
    customer.send(type="810", po_number="PO123")
    invoice = customer.answers("810")[0]
    assert [it1[2] for it1 in invoice.all("IT1")] == ["40", "200"]


def test_an_850_on_demand_orders_the_given_lines_by_the_customers_item_ids(customer: Customer) -> None:
    lines = [{"item": "FISH-001", "partner_item": "HF-COD", "quantity": 12, "unit": "CA", "price": 47.5}]
    delivered = customer.send(type="850", po_number="HF-9001", lines=lines).json()["delivered"]
    assert delivered[0]["reference"] == "HF-9001"
    order = customer.answers("850")[0]
    assert order.errors == []
    assert order.one("GS")[1] == "PO"
    assert order.one("BEG")[3] == "HF-9001"
    assert order.one("PO1")[1:10] == ["1", "12", "CA", "47.5", "", "VP", "FISH-001", "BP", "HF-COD"]


@pytest.mark.parametrize(
    "body",
    [{"type": "997", "po_number": "X"}, {"type": "810"}, {"type": "810", "po_number": "X", "lines": [{"item": "A"}]}],
)
def test_an_invalid_send_request_answers_400(customer: Customer, body: dict[str, Any]) -> None:
    response = customer.send(**body)
    assert response.status_code == 400
    assert response.json()["message"]


def test_a_send_with_no_lines_answers_400(customer: Customer) -> None:
    response = customer.send(type="850", po_number="X", lines=[])
    assert response.status_code == 400
    assert "catalog" in response.json()["message"]


def test_a_send_for_an_unknown_partner_answers_404(customer: Customer) -> None:
    assert customer.send(partner="nobody", type="810", po_number="X").status_code == 404


# --- lifecycle ----------------------------------------------------------------------------------------------------


def test_reset_forgets_orders_pending_answers_and_behaviour(customer: Customer) -> None:
    customer.behaviour(duplicate=True)
    customer.upload(interchange(order_850("PO123")))
    customer.tick()
    customer.http.post(f"{customer.root}/_sim/reset").raise_for_status()
    state = customer.partner_state()
    assert state["orders"] == {}
    assert state["pending"] == []
    assert state["behaviour"]["duplicate"] is False


def test_a_scenario_without_partners_has_an_empty_network() -> None:
    app = create_app({"cleo": {"tenants": [{"id": "t", "users": [{"username": "u", "password": "p"}]}]}})
    assert app.backend.state()["partners"]["partners"] == {}


STRAY_PARTNER = {"id": "p", "customer": "t", "isa_qualifier": "ZZ", "isa_id": "P"}


@pytest.mark.parametrize(
    ("partners", "complaint"),
    [
        ({"customers": [{"id": "t", "isa_id": "T"}], "network": [STRAY_PARTNER]}, "no folders"),
        ({"network": [STRAY_PARTNER]}, "no interchange id"),
        ({"network": [{"id": "p", "colour": "red"}]}, "colour"),
    ],
)
def test_a_malformed_partners_section_is_refused_with_a_clear_message(partners: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ScenarioError, match=complaint):
        create_app({"cleo": {"tenants": [{"id": "t", "partners": []}]}, "partners": partners})


def test_the_background_thread_ticks_on_its_own(customer: Customer) -> None:
    network = customer.app.backend.partners  # type: ignore[attr-defined]
    customer.upload(interchange(order_850("PO123")))
    customer.advance(5)
    network.start(interval=0.01)
    try:
        deadline = time.monotonic() + 5
        while not customer.inbound() and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        network.stop()
    assert list(customer.inbound()) == ["997_harborfoods_000000001.edi"]
    assert not network.running
