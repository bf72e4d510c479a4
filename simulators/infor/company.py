"""One M3 company's data (suppliers, purchase orders, supplier-invoice batches) and its transactions' rules.

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

    def text(self, name: str) -> str:
        return self.inputs.get(name, "")

    def amount(self, name: str) -> Decimal:
        return Decimal(self.inputs.get(name) or "0")


@dataclass
class InvoiceBatch:
    """An APS450MI invoice batch: head, lines, and whether APS455MI has posted it (irreversible)."""

    head: Record
    lines: list[Record] = field(default_factory=list)
    posted: bool = False


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
        self._next_batch = 1000001
        self._next_voucher = 50000001
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
            {"PUNO": head["PUNO"], "PNLS": "0", "PUSL": "20", "LMDT": head["LMDT"], **_m3(line)}
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
        return []

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
            "invoice_batches": [{**b.head, "posted": b.posted, "lines": b.lines} for b in self.batches.values()],
        }


def _same_invoice(a: Record, b: Record) -> bool:
    """M3's uniqueness of a supplier invoice: payee, supplier, invoice number and invoice year."""
    return all(a.get(k) == b.get(k) for k in ("SPYN", "SUNO", "SINO")) and a["IVDT"][:4] == b["IVDT"][:4]


def _m3(seed: Mapping[str, Any]) -> Record:
    """Seed values for M3 fields (upper-case four-letter names); other keys such as `partner` are not M3's."""
    return {k: m3_text(v) for k, v in seed.items() if re.fullmatch(r"[A-Z0-9]{4}", k)}
