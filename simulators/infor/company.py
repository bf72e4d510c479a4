"""One M3 company's data (suppliers, purchase orders and their batch entries, supplier-invoice batches, vouchers)
and its transactions' rules.

Values are kept as M3 carries them: strings, numbers in canonical decimal form, dates as YYYYMMDD. Every
handler takes a validated `Call` and returns records, or raises `MIError` (a NOK answer).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from simulators.infor.settings import InforSettings

Record = dict[str, str]


class MIError(Exception):
    """A failed transaction, answered inside HTTP 200 with the failure item shape."""

    def __init__(self, message: str, field: str = "", code: str = "", error_type: str = "ServerReturnedNOK") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.error_type = error_type


def not_found(what: str, value: str, field: str) -> MIError:
    return MIError(f"{what} {value} does not exist", field, "WSU0103")  # the code is illustrative [I]


@dataclass(frozen=True)
class Call:
    """A transaction's validated inputs (numbers canonical, dates YYYYMMDD) and its surroundings."""

    inputs: Mapping[str, str]
    settings: InforSettings
    today: str
    now: float = 0.0
    """The simulator clock's time (seconds), for work M3 finishes later (batch jobs)."""

    def text(self, name: str) -> str:
        return self.inputs.get(name, "")

    def amount(self, name: str) -> Decimal:
        return Decimal(self.inputs.get(name) or "0")


@dataclass
class InvoiceBatch:
    """An APS450MI invoice batch: head, lines, additional information, and whether APS455MI has posted it
    (irreversible)."""

    head: Record
    lines: list[Record] = field(default_factory=list)
    add_info: list[Record] = field(default_factory=list)
    posted: bool = False


@dataclass
class OrderBatch:
    """A PPS370MI entry (message number MSGN): heads and lines wait here until FinishEntry hands them to the
    batch job, which makes them purchase orders once `ready_at` has passed."""

    msgn: str
    origin: str
    heads: list[Record] = field(default_factory=list)
    lines: list[Record] = field(default_factory=list)
    ready_at: float | None = None
    """When the batch job has made the orders; None while the entry is open."""
    done: bool = False


def m3_text(value: Any) -> str:
    """A seed or computed value as M3 carries it."""
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(int(value))
    if isinstance(value, int | float | Decimal):
        return number_text(Decimal(str(value)))
    return str(value)


def number_text(value: Decimal) -> str:
    """Canonical decimal text: `18.20` -> `18.2`, `100` -> `100`."""
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", ""} else text


_TERM = re.compile(r"(?:(?P<field>[A-Z0-9]{4}):)?(?P<value>\[[^\]]*\]|\S+)")


def search_query(text: str, default_fields: tuple[str, ...], known: frozenset[str]) -> Callable[[Record], bool]:
    """M3's search-query syntax as far as it is emulated [I]: whitespace-separated terms, all of which must match.

    A term is `FIELD:value` or a bare value (matched against `default_fields`); `*` is a wildcard, matching
    ignores case, and `FIELD:[low TO high]` is an inclusive range (`*` leaves an end open; text comparison,
    so use it on dates).
    """
    terms: list[Callable[[Record], bool]] = []
    for match in _TERM.finditer(text):
        name, value = match["field"], match["value"]
        if name is None and value.upper() == "AND":
            continue
        if name is not None and name not in known:
            raise MIError(f"Search field {name} is not valid", "SQRY")
        fields = (name,) if name else default_fields
        terms.append(_term(fields, value))
    return lambda record: all(term(record) for term in terms)


def _term(fields: tuple[str, ...], value: str) -> Callable[[Record], bool]:
    if value.startswith("[") and " TO " in value:
        low, _, high = value[1:-1].partition(" TO ")
        low, high = low.strip(), high.strip()
        return lambda r: any(
            (low == "*" or r.get(f, "") >= low) and (high == "*" or r.get(f, "") <= high) for f in fields
        )
    pattern = re.compile("^" + re.escape(value).replace(r"\*", ".*") + "$", re.IGNORECASE)
    return lambda r: any(pattern.match(r.get(f, "")) for f in fields)


class M3Company:
    """The data of one company (CONO) of a tenant and the handlers of the simulated transactions."""

    def __init__(self, cono: str, divi: str, seed: Mapping[str, Any]) -> None:
        self.cono = cono
        self.divi = divi
        self.suppliers: dict[str, Record] = {}
        self.orders: dict[str, Record] = {}
        self.order_lines: dict[str, list[Record]] = {}
        self.batches: dict[str, InvoiceBatch] = {}
        self.order_batches: dict[str, OrderBatch] = {}
        self.vouchers: dict[tuple[str, str, str], list[Record]] = {}
        """General-ledger lines per (DIVI, YEA4, VONO), written when APS455MI posts a batch."""
        self._next_batch = 1000001
        self._next_voucher = 50000001
        self._next_message = 7100000001
        self._next_order = 4100001
        for supplier in seed.get("suppliers") or []:
            record = {"STAT": "20", "CUCD": "USD", **_m3(supplier)}
            self.suppliers[record["SUNO"]] = record
        for order in seed.get("purchase_orders") or []:
            self.add_order(order)

    def add_order(self, order: Mapping[str, Any], changed: str = "") -> None:
        """Add a purchase order with its lines; its change date (LMDT) defaults to `changed`, else the order date."""
        head = {
            "PUSL": "20",
            "PUSH": "20",
            "ORTY": "100",
            "FACI": "A01",
            "WHLO": "100",
            "CUCD": "USD",
            **_m3({k: v for k, v in order.items() if k != "lines"}),
        }
        head.setdefault("LMDT", changed or head.get("PUDT", ""))
        self.orders[head["PUNO"]] = head
        self.order_lines[head["PUNO"]] = [
            {"PUNO": head["PUNO"], "PNLS": "0", "PUSL": "20", "DWDT": head.get("DWDT", ""), "LMDT": head["LMDT"],
             **_m3(line)}
            for line in order.get("lines") or []
        ]

    # -- CRS620MI: suppliers --------------------------------------------------------------------------

    def list_suppliers(self, call: Call) -> list[Record]:
        start = call.text("SUNO")
        return [s for number, s in sorted(self.suppliers.items()) if number >= start]

    def get_supplier(self, call: Call) -> list[Record]:
        return [self._supplier(call.text("SUNO"))]

    def search_suppliers(self, call: Call) -> list[Record]:
        known = frozenset(k for s in self.suppliers.values() for k in s)
        matches = search_query(call.text("SQRY"), ("SUNO", "SUNM"), known)
        return [s for _, s in sorted(self.suppliers.items()) if matches(s)]

    def list_suppliers_by_name(self, call: Call) -> list[Record]:
        """LstByName: suppliers in name order (ignoring case), from the name given onwards, like any M3 list
        that positions on a key [I]. The `lst_by_name` setting can hide the transaction."""
        start = call.text("SUNM").casefold()
        ordered = sorted(self.suppliers.values(), key=lambda s: (s.get("SUNM", "").casefold(), s["SUNO"]))
        return [s for s in ordered if s.get("SUNM", "").casefold() >= start]

    def add_supplier(self, call: Call) -> list[Record]:
        """AddSupplier: a new supplier number only; its status is the `new_supplier_status` setting [I]."""
        number = call.text("SUNO")
        if number in self.suppliers:
            raise MIError(f"Supplier {number} already exists", "SUNO", "WSU0102")
        record = {"STAT": call.settings.new_supplier_status, **call.inputs}
        record.pop("CONO", None)
        self.suppliers[number] = record
        return []

    def update_supplier(self, call: Call) -> list[Record]:
        """UpdSupplier: fields given replace the stored ones; a field left blank keeps its value (M3's MI rule)."""
        supplier = self._supplier(call.text("SUNO"))
        supplier.update({k: v for k, v in call.inputs.items() if k not in {"CONO", "SUNO"}})
        return []

    def _supplier(self, number: str) -> Record:
        if number not in self.suppliers:
            raise not_found("Supplier", number, "SUNO")
        return self.suppliers[number]

    # -- PPS200MI: purchase orders --------------------------------------------------------------------

    def get_order_head(self, call: Call) -> list[Record]:
        return [self._order(call.text("PUNO"))]

    def list_order_lines(self, call: Call) -> list[Record]:
        return list(self.order_lines[self._order(call.text("PUNO"))["PUNO"]])

    def get_order_line(self, call: Call) -> list[Record]:
        return [self._order_line(call)]

    def search_order_heads(self, call: Call) -> list[Record]:
        """POs matching SQRY, e.g. `LMDT:[20261101 TO *]` for those changed since a date [I]."""
        known = frozenset(k for o in self.orders.values() for k in o)
        matches = search_query(call.text("SQRY"), ("PUNO", "SUNO"), known)
        return [o for _, o in sorted(self.orders.items()) if matches(o)]

    def update_order_line(self, call: Call) -> list[Record]:
        line = self._order_line(call)
        line.update({f: call.text(f) for f in ("ORQA", "PUPR", "DWDT") if f in call.inputs})
        line["LMDT"] = self.orders[line["PUNO"]]["LMDT"] = call.today
        return []

    def add_order_line(self, call: Call) -> list[Record]:
        """PPS200MI/AddLine: the line exists at once, unlike a PPS370MI batch entry [C]."""
        head = self._order(call.text("PUNO"))
        lines = self.order_lines[head["PUNO"]]
        number = call.text("PNLI") or _next_line(lines, call.settings.po_line_step)
        sub = call.text("PNLS") or "0"
        if any(line["PNLI"] == number and line["PNLS"] == sub for line in lines):
            raise MIError(f"Purchase order line {head['PUNO']}/{number} already exists", "PNLI", "WPN0102")
        _check_quantity(call)
        line = {"PUSL": "20", "DWDT": head.get("DWDT", ""), **call.inputs, "PNLI": number, "PNLS": sub}
        line.pop("CONO", None)
        line["LMDT"] = head["LMDT"] = call.today
        lines.append(line)
        return []

    # -- PPS001MI: confirmation (855) and goods receipt -------------------------------------------------

    def confirm_order_line(self, call: Call) -> list[Record]:
        """ConfirmLine: the supplier's confirmed date, quantity and price; the line moves to the confirmed
        status (`confirmed_line_status`) unless it is already further on [I]."""
        line = self._order_line(call)
        line["CODT"] = call.text("CODT") or line.get("DWDT", "")
        line["CFQA"] = call.text("CFQA") or line.get("ORQA", "")
        line["CPPR"] = call.text("CPPR") or line.get("PUPR", "")
        line.update({k: call.text(k) for k in ("SORN", "YRE1") if call.text(k)})
        status = call.settings.confirmed_line_status
        line["PUSL"] = max(line.get("PUSL", ""), status)
        line["PUSH"] = max(line.get("PUSH", ""), line["PUSL"])
        line["LMDT"] = call.today
        self._touch_order(line["PUNO"], call.today)
        return []

    def receive_order_line(self, call: Call) -> list[Record]:
        """Receipt: adds RVQA to the line's received quantity; a line received in full, or flagged complete
        (OEND=1), reaches `received_line_status`; more than the open quantity is refused unless allowed [I]."""
        line = self._order_line(call)
        received = Decimal(line.get("RVQA") or "0") + call.amount("RVQA")
        ordered = Decimal(line.get("ORQA") or "0")
        if call.amount("RVQA") <= 0:
            raise MIError("Received quantity must be greater than zero", "RVQA", "WRV0101")
        if received > ordered and not call.settings.allow_over_receipt:
            raise MIError(f"Received quantity {number_text(received)} exceeds ordered {number_text(ordered)}",
                          "RVQA", "WRV0102")
        line["RVQA"] = number_text(received)
        line.update({k: call.text(k) for k in ("SUDO", "WHSL") if call.text(k)})
        status = call.settings.received_line_status
        line["PUSH"] = max(line.get("PUSH", ""), line.get("PUSL", ""), status)
        if received >= ordered or call.text("OEND") == "1":
            line["PUSL"] = max(line.get("PUSL", ""), status)
        line["LMDT"] = call.today
        self._touch_order(line["PUNO"], call.today)
        return []

    def _touch_order(self, number: str, today: str) -> None:
        """After a line change: the head's lowest/highest status follow its lines; the order changed today."""
        head, lines = self.orders[number], self.order_lines[number]
        head["PUSL"] = min(line.get("PUSL", "") for line in lines)
        head["PUSH"] = max(line.get("PUSH") or line.get("PUSL", "") for line in lines)
        head["LMDT"] = today

    # -- PPS370MI: purchase order batch entry -----------------------------------------------------------

    def start_order_entry(self, call: Call) -> list[Record]:
        msgn = str(self._next_message)
        self._next_message += 1
        self.order_batches[msgn] = OrderBatch(msgn, call.text("BAOR"))
        return [{"MSGN": msgn}]

    def add_entry_head(self, call: Call) -> list[Record]:
        """The order number comes from the PO number series now; the order exists only after FinishEntry."""
        batch = self._open_entry(call.text("MSGN"))
        supplier = self._supplier(call.text("SUNO"))
        href = call.text("HREF")
        if href and any(h.get("HREF") == href for h in batch.heads):
            raise MIError(f"Purchase order head reference {href} is already used in this entry", "HREF")
        head = {
            "ORTY": "100",
            "PUDT": call.today,
            "CUCD": supplier.get("CUCD", ""),
            **{k: v for k, v in call.inputs.items() if k not in {"CONO", "MSGN"}},
            "PUNO": self._allocate_order_number(),
        }
        batch.heads.append(head)
        return [{"PUNO": head["PUNO"]}]

    def add_entry_line(self, call: Call) -> list[Record]:
        batch = self._open_entry(call.text("MSGN"))
        head = self._entry_head(batch, call)
        lines = [line for line in batch.lines if line["PUNO"] == head["PUNO"]]
        number = call.text("PNLI") or _next_line(lines, call.settings.po_line_step)
        if any(line["PNLI"] == number for line in lines):
            raise MIError(f"Purchase order line {head['PUNO']}/{number} already exists", "PNLI", "WPN0102")
        _check_quantity(call)
        line = {
            "DWDT": head.get("DWDT", ""),
            **{k: v for k, v in call.inputs.items() if k not in {"CONO", "MSGN", "HREF"}},
            "PUNO": head["PUNO"],
            "PNLI": number,
            "PNLS": "0",
        }
        batch.lines.append(line)
        return [{"PUNO": head["PUNO"], "PNLI": number}]

    def add_entry_accounting(self, call: Call) -> list[Record]:
        """AddAccString: accounting dimensions on a line (PNLI or LREF given) or else on the head."""
        batch = self._open_entry(call.text("MSGN"))
        head = self._entry_head(batch, call)
        target = head
        if call.text("PNLI") or call.text("LREF"):
            key, value = ("PNLI", call.text("PNLI")) if call.text("PNLI") else ("LREF", call.text("LREF"))
            found = [ln for ln in batch.lines if ln["PUNO"] == head["PUNO"] and ln.get(key) == value]
            if not found:
                raise not_found("Purchase order line", f"{head['PUNO']}/{value}", key)
            target = found[0]
        target.update({k: v for k, v in call.inputs.items() if k.startswith("AIT")})
        return []

    def finish_order_entry(self, call: Call) -> list[Record]:
        """Hands the entry to the batch job; an order without lines is refused and the entry stays open [I]."""
        batch = self._open_entry(call.text("MSGN"))
        if not batch.heads:
            raise MIError(f"Entry {batch.msgn} has no purchase order head", "MSGN", "WPU0370")
        for head in batch.heads:
            if not any(line["PUNO"] == head["PUNO"] for line in batch.lines):
                raise MIError(f"Purchase order {head['PUNO']} has no lines", "PUNO", "WPU0371")
        batch.ready_at = call.now + call.settings.po_batch_delay
        self.release_order_batches(call.now, call.today)
        return []

    def delete_order_entry(self, call: Call) -> list[Record]:
        batch = self._open_entry(call.text("MSGN"))
        del self.order_batches[batch.msgn]
        return []

    def release_order_batches(self, now: float, today: str) -> None:
        """The batch job: finished entries whose time has come become purchase orders, changed today."""
        for batch in self.order_batches.values():
            if batch.done or batch.ready_at is None or batch.ready_at > now:
                continue
            for head in batch.heads:
                lines = [{**line, "PUSL": "20"} for line in batch.lines if line["PUNO"] == head["PUNO"]]
                self.add_order({**head, "lines": lines}, today)
            batch.done = True

    def _open_entry(self, msgn: str) -> OrderBatch:
        batch = self.order_batches.get(msgn)
        if batch is None:
            raise not_found("Entry", msgn, "MSGN")
        if batch.ready_at is not None:
            raise MIError(f"Entry {msgn} is already finished", "MSGN", "WPU0372")
        return batch

    def _entry_head(self, batch: OrderBatch, call: Call) -> Record:
        """The head a line or accounting string belongs to: by PUNO, by HREF, or the entry's only head."""
        for key in ("PUNO", "HREF"):
            if call.text(key):
                for head in batch.heads:
                    if head.get(key) == call.text(key):
                        return head
                raise not_found("Purchase order", call.text(key), key)
        if len(batch.heads) == 1:
            return batch.heads[0]
        raise MIError("Purchase order number or head reference must be entered", "PUNO", "WPU0373")

    def _allocate_order_number(self) -> str:
        taken = set(self.orders) | {h["PUNO"] for b in self.order_batches.values() for h in b.heads}
        while str(self._next_order) in taken:
            self._next_order += 1
        number = str(self._next_order)
        self._next_order += 1
        return number

    def _order(self, number: str) -> Record:
        if number not in self.orders:
            raise not_found("Purchase order", number, "PUNO")
        return self.orders[number]

    def _order_line(self, call: Call) -> Record:
        number, line_no, sub = call.text("PUNO"), call.text("PNLI"), call.text("PNLS") or "0"
        self._order(number)
        for line in self.order_lines[number]:
            if line["PNLI"] == line_no and line["PNLS"] == sub:
                return line
        raise not_found("Purchase order line", f"{number}/{line_no}/{sub}", "PNLI")

    # -- APS450MI / APS455MI: supplier invoice batches ------------------------------------------------

    def add_invoice_head(self, call: Call) -> list[Record]:
        """Open a batch; a supplier invoice number already used by SPYN+SUNO+year is rejected [C]."""
        supplier = self._supplier(call.text("SUNO"))
        head = {
            "DIVI": call.text("DIVI") or self.divi,
            "CUCD": supplier.get("CUCD", ""),
            "IBTP": "10",
            **call.inputs,
            "SPYN": call.text("SPYN") or supplier["SUNO"],
            "IBHE": "0",
            "IBLE": "0",
            "VONO": "0",
            "YEA4": "0",
            "SUAC": "0",
        }
        head.pop("CONO", None)
        if head.get("SINO") and any(_same_invoice(b.head, head) for b in self.batches.values()):
            raise MIError(f"Supplier invoice number {head['SINO']} already exists", "SINO", "WAP0101")
        head["INBN"] = str(self._next_batch)
        self._next_batch += 1
        self.batches[head["INBN"]] = InvoiceBatch(head)
        return [{"INBN": head["INBN"]}]

    def add_invoice_line(self, call: Call) -> list[Record]:
        batch = self._open_batch(call.text("INBN"))
        line = {k: v for k, v in call.inputs.items() if k != "CONO"}
        batch.lines.append({**line, "LINO": str(len(batch.lines) + 1)})
        return []

    def add_invoice_info(self, call: Call) -> list[Record]:
        """AddAddInfo: one additional-information row (category PEXN, text PEXI); PEXS numbers the rows of a
        category when the caller leaves it out [I]."""
        batch = self._open_batch(call.text("INBN"))
        category = call.text("PEXN")
        same = [row for row in batch.add_info if row["PEXN"] == category]
        sequence = call.text("PEXS") or str(len(same) + 1)
        if any(row["PEXS"] == sequence for row in same):
            raise MIError(f"Additional information {category}/{sequence} already exists", "PEXS", "WAP0453")
        row = {"INBN": batch.head["INBN"], "PEXN": category, "PEXS": sequence, "PEXI": call.text("PEXI")}
        batch.add_info.append(row)
        return []

    def acknowledge_invoice(self, call: Call) -> list[Record]:
        """Acknowledge: the batch is marked acknowledged (SUAC=1) [I]."""
        head = self._open_batch(call.text("INBN")).head
        head.update({k: call.text(k) for k in ("CRNO", "YRE1") if call.text(k)})
        head["SUAC"] = "1"
        return []

    def approve_invoice(self, call: Call) -> list[Record]:
        """ApproveInvoice: approval date AAPD (today unless given); SINO, IVDT and DUDT may be corrected here,
        under the same duplicate rule as AddHead [I]."""
        batch = self._open_batch(call.text("INBN"))
        changes = {k: call.text(k) for k in ("SINO", "IVDT", "DUDT", "CRNO", "YRE1") if call.text(k)}
        head = {**batch.head, **changes}
        others = (b for b in self.batches.values() if b is not batch)
        if head.get("SINO") and any(_same_invoice(b.head, head) for b in others):
            raise MIError(f"Supplier invoice number {head['SINO']} already exists", "SINO", "WAP0101")
        batch.head.update(changes)
        batch.head["AAPD"] = call.text("AAPD") or call.today
        return []

    def get_invoice_head(self, call: Call) -> list[Record]:
        return [self._batch(call.text("INBN")).head]

    def list_invoices_by_supplier_invoice(self, call: Call) -> list[Record]:
        wanted = {k: call.text(k) for k in ("SUNO", "SINO", "SPYN") if call.text(k)}
        return [b.head for b in self.batches.values() if all(b.head.get(k) == v for k, v in wanted.items())]

    def list_invoice_lines(self, call: Call) -> list[Record]:
        batch = self._batch(call.text("INBN"))
        return [{"INBN": batch.head["INBN"], **line} for line in batch.lines]

    def validate_batch(self, call: Call) -> list[Record]:
        """APS455MI/ValidByBatchNo: post the batch, or flag IBHE (totals) / IBLE (lines) and leave it open.

        The invoice amount CUAM must equal the lines' net amounts plus VAT (head VTAM and line VTA1) [I].
        """
        batch = self._open_batch(call.text("INBN"))
        head = batch.head
        if "acknowledge" in call.settings.invoice_validation_requires and head.get("SUAC") != "1":
            raise MIError(f"Invoice batch {head['INBN']} is not acknowledged", "INBN", "WAP0454")
        if "approve" in call.settings.invoice_validation_requires and not head.get("AAPD"):
            raise MIError(f"Invoice batch {head['INBN']} is not approved", "INBN", "WAP0455")
        total = sum(
            (Decimal(line.get("NLAM") or "0") + Decimal(line.get("VTA1") or "0") for line in batch.lines),
            Decimal(head.get("VTAM") or "0"),
        )
        head["IBHE"] = "1" if not batch.lines or total != Decimal(head.get("CUAM") or "0") else "0"
        head["IBLE"] = "1" if any(not self._line_reference_ok(line) for line in batch.lines) else "0"
        if "1" in (head["IBHE"], head["IBLE"]):
            if call.settings.validation_errors_as_nok:
                raise MIError(f"Invoice batch {head['INBN']} has errors", "INBN", "WAP0450")
            return []
        batch.posted = True
        head["VONO"] = str(self._next_voucher)
        head["YEA4"] = (head.get("ACDT") or head["IVDT"])[:4]
        self._next_voucher += 1
        self.vouchers[(head["DIVI"], head["YEA4"], head["VONO"])] = _voucher_lines(batch, call)
        return []

    def list_voucher_lines(self, call: Call) -> list[Record]:
        """GLS200MI/LstVoucherLines: the read-back of what a posting wrote to the general ledger."""
        key = (call.text("DIVI"), call.text("YEA4"), call.text("VONO"))
        if key not in self.vouchers:
            raise not_found("Voucher", "/".join(key), "VONO")
        return self.vouchers[key]

    def _line_reference_ok(self, line: Record) -> bool:
        number = line.get("PUNO")
        if not number:
            return True
        if number not in self.orders:
            return False
        return not line.get("PNLI") or any(o["PNLI"] == line["PNLI"] for o in self.order_lines[number])

    def _batch(self, number: str) -> InvoiceBatch:
        if number not in self.batches:
            raise not_found("Invoice batch", number, "INBN")
        return self.batches[number]

    def _open_batch(self, number: str) -> InvoiceBatch:
        batch = self._batch(number)
        if batch.posted:
            raise MIError(f"Invoice batch {number} is already posted", "INBN", "WAP0451")
        return batch

    def state(self) -> dict[str, Any]:
        return {
            "cono": self.cono,
            "divi": self.divi,
            "suppliers": list(self.suppliers.values()),
            "purchase_orders": [{**h, "lines": self.order_lines[n]} for n, h in self.orders.items()],
            "invoice_batches": [
                {**b.head, "posted": b.posted, "lines": b.lines, "add_info": b.add_info}
                for b in self.batches.values()
            ],
            "vouchers": [line for lines in self.vouchers.values() for line in lines],
            "order_entries": [
                {"MSGN": b.msgn, "BAOR": b.origin, "finished": b.ready_at is not None, "done": b.done,
                 "heads": b.heads, "lines": b.lines}
                for b in self.order_batches.values()
            ],
        }


def _voucher_lines(batch: InvoiceBatch, call: Call) -> list[Record]:
    """The posting of a supplier invoice [I]: the payable credited with the invoice amount, each line's net
    amount debited to the expense account and the VAT to the VAT account (accounts from `gl_accounts`)."""
    head, accounts = batch.head, call.settings.gl_accounts
    common = {k: head.get(k, "") for k in ("DIVI", "YEA4", "VONO", "SUNO", "SINO")}
    common["ACDT"] = head.get("ACDT") or head["IVDT"]
    vat = sum((Decimal(line.get("VTA1") or "0") for line in batch.lines), Decimal(head.get("VTAM") or "0"))
    postings = [(accounts.payables, -Decimal(head.get("CUAM") or "0"), f"Supplier invoice {head.get('SINO', '')}")]
    postings += [(accounts.expense, Decimal(line.get("NLAM") or "0"), f"Line {line['LINO']}") for line in batch.lines]
    if vat:
        postings.append((accounts.vat, vat, "VAT"))
    return [
        {**common, "JSNO": str(number), "AIT1": account, "ACAM": number_text(amount), "VTXT": text}
        for number, (account, amount, text) in enumerate(postings, start=1)
    ]


def _next_line(lines: list[Record], step: int) -> str:
    """The next line number: the next multiple of `step` above the highest line [I]."""
    highest = max((int(line["PNLI"]) for line in lines if line.get("PNLI", "").isdigit()), default=0)
    return str((highest // step + 1) * step)


def _check_quantity(call: Call) -> None:
    if call.amount("ORQA") <= 0:
        raise MIError("Ordered quantity must be greater than zero", "ORQA", "WOR0101")


def _same_invoice(a: Record, b: Record) -> bool:
    """M3's uniqueness of a supplier invoice: payee, supplier, invoice number and invoice year."""
    return all(a.get(k) == b.get(k) for k in ("SPYN", "SUNO", "SINO")) and a["IVDT"][:4] == b["IVDT"][:4]


def _m3(seed: Mapping[str, Any]) -> Record:
    """Seed values for M3 fields (upper-case four-letter names); other keys such as `partner` are not M3's."""
    return {k: m3_text(v) for k, v in seed.items() if re.fullmatch(r"[A-Z0-9]{4}", k)}
