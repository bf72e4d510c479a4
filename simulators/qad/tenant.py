"""One QAD tenant: its users, master data and documents, and the business rules a connector runs into.

Every write goes through the same steps: parse the client JSON (bad fields become `success:false`),
resolve create-or-update from `dataOperation` and the query keys, check the rules and the
`concurrencyHash`, and only when every record of the request passes, store and stamp them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from simulators.core.clock import Clock
from simulators.qad.records import (
    BusinessError,
    FieldError,
    Item,
    MfgSupplier,
    PurchaseOrderHeader,
    PurchaseOrderLine,
    PurchaseOrderReceipt,
    Record,
    Supplier,
    SupplierInvoice,
    parse,
    parse_timestamp,
    timestamp,
    today,
)
from simulators.qad.settings import QadSettings

SUPPLIER_VIEW = "urn:be:com.qad.base.supplier.ISupplierV2"
LINE_FIELDS = ("siteCode", "itemCode", "quantityOrdered", "purchaseCost", "dueDate")
"""The fields fieldChangeV2 re-defaults a line for."""
RECEIPT_GL_ERROR = FieldError("tx2d_totamt is mandatory", "tx2d_totamt")
"""[C] The GL/costing sub-failure QAD reports for a receipt whose quantity did post (`receipt_reports_gl_error`)."""

T = TypeVar("T", bound=Record)


@dataclass(frozen=True)
class User:
    username: str
    password: str
    denied: frozenset[str] = frozenset()
    """Resources (`purchaseOrderHeaders`, `browses`, ...) this user's role may not use: 403."""


@dataclass
class QadTenant:
    """A tenant's state. `settings` is read on each call because `/_sim/settings` can replace it."""

    id: str
    client_id: str
    domain: str
    shared_set: str
    receiver: str
    """The QXtend receiver name: requests are addressed to `urn:services-qad-com:{receiver}`."""
    clock: Clock
    settings: Callable[[], QadSettings]
    users: dict[str, User] = field(default_factory=dict)
    sites: frozenset[str] = frozenset()
    entities: frozenset[str] = frozenset()
    """The domain's entities, for `x-qad-workspace-id`; empty means any entity is accepted [I]."""
    items: dict[str, Item] = field(default_factory=dict)
    suppliers: dict[str, Supplier] = field(default_factory=dict)
    mfg_suppliers: dict[str, MfgSupplier] = field(default_factory=dict)
    """Each supplier's settings in the tenant's domain, made with defaults the first time they are asked for."""
    orders: dict[str, PurchaseOrderHeader] = field(default_factory=dict)
    lines: dict[tuple[str, int], PurchaseOrderLine] = field(default_factory=dict)
    invoices: list[SupplierInvoice] = field(default_factory=list)
    receipts: list[PurchaseOrderReceipt] = field(default_factory=list)

    # ---- purchase order headers ----

    def order(self, number: str, domain: str | None = None) -> PurchaseOrderHeader:
        header = self.orders.get(number)
        if header is None or (domain is not None and domain != self.domain):
            raise BusinessError(FieldError(f"Purchase order {number} does not exist", "purchaseOrderNumber"))
        return header

    def orders_modified_since(self, since: datetime | None) -> list[PurchaseOrderHeader]:
        """[I] the 'new POs since' query: headers whose PO (header or any line) changed at or after `since`."""
        found = self.orders.values()
        if since is None:
            return list(found)
        return [h for h in found if parse_timestamp(h.modified_date_time) >= since]

    def submit_orders(self, rows: list[Any], query_number: str | None) -> list[PurchaseOrderHeader]:
        staged: list[PurchaseOrderHeader] = []
        for row in rows:
            number = str(row.get("purchaseOrderNumber", "")) if isinstance(row, dict) else ""
            existing = self._target(self.orders, number, row, query_number, "Purchase order", "purchaseOrderNumber")
            header = self._merge(PurchaseOrderHeader, existing, row)
            self.check_domain(header.domain_code)
            self._supplier(header.supplier_code)
            if not header.order_date:
                header.order_date = today(self.clock.utcnow())
            staged.append(header)
        for header in staged:
            self.orders[header.purchase_order_number] = self._stamp(header)
        return staged

    # ---- purchase order lines (the UI grid flow) ----

    def order_lines(self, number: str, domain: str | None) -> list[PurchaseOrderLine]:
        self.order(number, domain)
        return sorted((ln for (po, _), ln in self.lines.items() if po == number), key=lambda ln: ln.purchase_order_line)

    def blank_line(self, number: str, domain: str | None) -> PurchaseOrderLine:
        """`initialize=true`: the next line number, defaulted from the header, not yet stored."""
        header = self.order(number, domain)
        taken = [ln.purchase_order_line for ln in self.order_lines(number, domain)]
        return PurchaseOrderLine(
            domain_code=self.domain,
            purchase_order_number=number,
            purchase_order_line=max(taken, default=0) + 1,
            site_code=header.ship_to_site,
            due_date=header.due_date,
            data_operation="C",
        )

    def field_change(self, field_name: str, row: Any) -> PurchaseOrderLine:
        """fieldChangeV2: validate one edited field and re-default what depends on it."""
        if field_name not in LINE_FIELDS:
            raise BusinessError(FieldError(f"Field {field_name} cannot be changed here", "fieldName"))
        line = parse(PurchaseOrderLine, row)
        if field_name == "siteCode":
            self._check_site(line.site_code)
        elif field_name == "itemCode":
            item = self._item(line.item_code)
            line.item_description = item.description
            line.unit_of_measure = item.unit_of_measure
        elif field_name == "quantityOrdered":
            _check_positive(line.quantity_ordered, "quantityOrdered")
        elif field_name == "purchaseCost" and line.purchase_cost < 0:
            raise BusinessError(FieldError("Purchase cost cannot be negative", "purchaseCost"))
        return line

    def is_received(self, number: str, domain: str | None, line_number: int) -> bool:
        """A line not committed yet (the client asks right after initialize) is simply not received."""
        self.order(number, domain)
        line = self.lines.get((number, line_number))
        return line is not None and line.quantity_received > 0

    def commit_lines(self, rows: list[Any]) -> list[PurchaseOrderLine]:
        staged: list[PurchaseOrderLine] = []
        for row in rows:
            probe = parse(PurchaseOrderLine, row)
            self.order(probe.purchase_order_number, probe.domain_code)
            key = (probe.purchase_order_number, probe.purchase_order_line)
            existing = self._target(self.lines, key, row, None, "Purchase order line", "purchaseOrderLine")
            line = self._merge(PurchaseOrderLine, existing, row)
            line.quantity_received = existing.quantity_received if existing else 0.0
            self._check_line(line)
            staged.append(line)
        for line in staged:
            self.lines[(line.purchase_order_number, line.purchase_order_line)] = self._stamp(line)
            self._touch_order(line.purchase_order_number)
        return staged

    # ---- suppliers ----

    def supplier_list(self, shared_set: str | None, code: str | None) -> list[Supplier]:
        if code is None:
            return list(self.suppliers.values())
        self._check_shared_set(shared_set or "")
        return [self._supplier(code)]

    def submit_suppliers(self, rows: list[Any], query_code: str | None, query_set: str | None) -> list[Supplier]:
        if query_code is not None:
            self._check_shared_set(query_set or "")
        staged: list[Supplier] = []
        for row in rows:
            code = str(row.get("supplierCode", "")) if isinstance(row, dict) else ""
            existing = self._target(self.suppliers, code, row, query_code, "Supplier", "supplierCode")
            supplier = self._merge(Supplier, existing, row)
            self._check_shared_set(supplier.shared_set_code)
            supplier.uri = f"{SUPPLIER_VIEW}:{supplier.shared_set_code}.{supplier.supplier_code}"
            supplier.business_relation_code = supplier.business_relation_code or supplier.supplier_code
            staged.append(supplier)
        for supplier in staged:
            self.suppliers[supplier.supplier_code] = self._stamp(supplier)
        return staged

    def mfg_supplier(self, domain: str, code: str) -> MfgSupplier:
        """A supplier's domain settings: every supplier of the shared set has them in the domain [I]."""
        self.check_domain(domain)
        self._supplier(code)
        if code not in self.mfg_suppliers:
            self.mfg_suppliers[code] = self._stamp(MfgSupplier(supplier_code=code, domain_code=domain))
        return self.mfg_suppliers[code]

    def submit_mfg_suppliers(self, rows: list[Any], domain: str | None, query_code: str | None) -> list[MfgSupplier]:
        """Updates only (the record exists with its supplier), held to the concurrencyHash like any update."""
        staged: list[MfgSupplier] = []
        for row in rows:
            fields = row if isinstance(row, dict) else {}
            code = str(fields.get("supplierCode") or query_code or "")
            if query_code is not None and code != query_code:
                raise BusinessError(FieldError(f"supplierCode {code} does not match {query_code} in the request",
                                               "supplierCode"))
            existing = self.mfg_supplier(str(fields.get("domainCode") or domain or ""), code)
            staged.append(self._merge(MfgSupplier, existing, {**fields, "supplierCode": code}))
        for record in staged:
            self.check_domain(record.domain_code)
            self.mfg_suppliers[record.supplier_code] = self._stamp(record)
        return staged

    # ---- supplier invoices [U] ----

    def invoice_list(self, supplier: str | None, reference: str | None) -> list[SupplierInvoice]:
        return [
            inv
            for inv in self.invoices
            if supplier in (None, inv.supplier_code) and reference in (None, inv.supplier_invoice_reference)
        ]

    def submit_invoices(self, rows: list[Any]) -> list[SupplierInvoice]:
        staged: list[SupplierInvoice] = []
        for row in rows:
            invoice = parse(SupplierInvoice, row)
            _create_only(invoice, "Supplier invoice")
            self.check_domain(invoice.domain_code)
            self._supplier(invoice.supplier_code)
            duplicate = any(
                (inv.supplier_code, inv.supplier_invoice_reference)
                == (invoice.supplier_code, invoice.supplier_invoice_reference)
                for inv in [*self.invoices, *staged]
            )
            if duplicate and self.settings().reject_duplicate_invoice:
                raise BusinessError(
                    FieldError(
                        f"Supplier invoice {invoice.supplier_invoice_reference} already exists"
                        f" for supplier {invoice.supplier_code}",
                        "supplierInvoiceReference",
                    )
                )
            for ref in invoice.supplier_invoice_lines:
                if ref.purchase_order_number:
                    self._check_invoice_po(invoice.supplier_code, ref.purchase_order_number, ref.purchase_order_line)
            invoice.invoice_date = invoice.invoice_date or today(self.clock.utcnow())
            invoice.voucher_number = f"V{len(self.invoices) + len(staged) + 1:07d}"
            staged.append(invoice)
        self.invoices.extend(self._stamp(inv) for inv in staged)
        return staged

    # ---- purchase order receipts [U] ----

    def receipt_list(self, number: str | None, packing_slip: str | None) -> list[PurchaseOrderReceipt]:
        return [
            rc
            for rc in self.receipts
            if number in (None, rc.purchase_order_number) and packing_slip in (None, rc.packing_slip)
        ]

    def submit_receipts(self, rows: list[Any]) -> list[PurchaseOrderReceipt]:
        """Receipts raise the PO lines' received quantity; over-receipt fails unless allowed."""
        staged: list[PurchaseOrderReceipt] = []
        pending: dict[tuple[str, int], float] = {}
        for row in rows:
            receipt = parse(PurchaseOrderReceipt, row)
            _create_only(receipt, "Receipt")
            self.order(receipt.purchase_order_number, receipt.domain_code)
            for rl in receipt.purchase_order_receipt_lines:
                key = (receipt.purchase_order_number, rl.purchase_order_line)
                line = self._line(*key)
                pending[key] = pending.get(key, line.quantity_received) + rl.quantity
                if pending[key] > line.quantity_ordered and not self.settings().allow_over_receipt:
                    open_qty = line.quantity_ordered - line.quantity_received
                    raise BusinessError(
                        FieldError(
                            f"Quantity {rl.quantity:g} exceeds the open quantity {open_qty:g}"
                            f" of line {rl.purchase_order_line}",
                            "quantity",
                        )
                    )
            receipt.effective_date = receipt.effective_date or today(self.clock.utcnow())
            receipt.receiver_number = f"RC{len(self.receipts) + len(staged) + 1:06d}"
            staged.append(receipt)
        for (number, line_number), received in pending.items():
            line = self.lines[(number, line_number)]
            line.quantity_received = received
            self._stamp(line)
            self._touch_order(number)
        self.receipts.extend(self._stamp(rc) for rc in staged)
        return staged

    # ---- seeding and state ----

    def seed_order(self, header: dict[str, Any], lines: Iterable[dict[str, Any]]) -> None:
        """Scenario data goes through the same rules as the API, so a bad scenario fails loudly."""
        number = str(header.get("purchaseOrderNumber", ""))
        self.submit_orders([{"domainCode": self.domain, "shipToSite": self._default_site(), **header}], None)
        self.commit_lines(
            [{"domainCode": self.domain, "purchaseOrderNumber": number, "siteCode": self._default_site(), **ln}
             for ln in lines]
        )

    def state(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "domain": self.domain,
            "shared_set": self.shared_set,
            "receiver": self.receiver,
            "users": [{"username": u.username, "password": u.password, "denied": sorted(u.denied)}
                      for u in self.users.values()],
            "suppliers": [s.wire() for s in self.suppliers.values()],
            "mfg_suppliers": [s.wire() for s in self.mfg_suppliers.values()],
            "purchase_orders": [h.wire() for h in self.orders.values()],
            "purchase_order_lines": [ln.wire() for ln in self.lines.values()],
            "supplier_invoices": [i.wire() for i in self.invoices],
            "receipts": [r.wire() for r in self.receipts],
        }

    # ---- rules shared by the resources ----

    def _target(
        self, records: dict[Any, T], key: Any, row: Any, query_key: str | None, what: str, key_field: str
    ) -> T | None:
        """The stored record a write addresses, or None for a create; QAD's create/update rules.

        Keys in the query make QAD look the record up first, so a create sent with them fails.
        """
        operation = row.get("dataOperation") if isinstance(row, dict) else None
        operation = operation or ("U" if query_key is not None else "C")
        if operation not in ("C", "U"):
            raise BusinessError(FieldError(f"dataOperation {operation} is not C or U", "dataOperation"))
        shown = key[1] if isinstance(key, tuple) else key
        if query_key is not None and query_key != key:
            raise BusinessError(FieldError(f"{key_field} {shown} does not match {query_key} in the request", key_field))
        existing = records.get(key)
        if existing is None and (operation == "U" or query_key is not None):
            raise BusinessError(FieldError(f"{what} {shown} does not exist", key_field))
        if existing is not None and operation == "C":
            raise BusinessError(FieldError(f"{what} {shown} already exists", key_field))
        return existing

    def _merge(self, model: type[T], existing: T | None, row: Any) -> T:
        """An update may send only what changes; its concurrencyHash must be the one last read."""
        if existing is None:
            return parse(model, row)
        incoming = row if isinstance(row, dict) else {}
        stale = incoming.get("concurrencyHash", "") != existing.concurrency_hash
        if stale and self.settings().reject_stale_hash:
            raise BusinessError(
                FieldError(
                    "The record was changed by another user since it was read; read it again and retry",
                    "concurrencyHash",
                )
            )
        return parse(model, {**existing.wire(), **incoming})

    def _stamp(self, record: T) -> T:
        record.modified_date_time = timestamp(self.clock.utcnow())
        record.concurrency_hash = record.content_hash()
        record.data_operation = ""
        if isinstance(record, Supplier):
            record.business_relation_concurrency_hash = record.content_hash()[:16]
        return record

    def _touch_order(self, number: str) -> None:
        """A line change makes the PO 'modified' for the since-query without staling the header's hash."""
        self.orders[number].modified_date_time = timestamp(self.clock.utcnow())

    def check_domain(self, domain: str) -> None:
        if domain != self.domain:
            raise BusinessError(FieldError(f"Domain {domain} does not exist", "domainCode"))

    def _check_shared_set(self, shared_set: str) -> None:
        if shared_set != self.shared_set:
            raise BusinessError(FieldError(f"Shared set {shared_set} does not exist", "sharedSetCode"))

    def _check_site(self, site: str) -> None:
        if site not in self.sites:
            raise BusinessError(FieldError(f"Site {site} does not exist", "siteCode"))

    def _default_site(self) -> str:
        return min(self.sites, default="")

    def _supplier(self, code: str) -> Supplier:
        supplier = self.suppliers.get(code)
        if supplier is None:
            raise BusinessError(FieldError(f"Supplier {code} does not exist", "supplierCode"))
        return supplier

    def _item(self, code: str) -> Item:
        item = self.items.get(code)
        if item is None:
            raise BusinessError(FieldError(f"Item {code} does not exist", "itemCode"))
        return item

    def _line(self, number: str, line_number: int) -> PurchaseOrderLine:
        line = self.lines.get((number, line_number))
        if line is None:
            raise BusinessError(FieldError(f"Line {line_number} of purchase order {number} does not exist",
                                      "purchaseOrderLine"))
        return line

    def _check_line(self, line: PurchaseOrderLine) -> None:
        """What committing a line needs: the values fieldChangeV2 would have validated and defaulted."""
        self.check_domain(line.domain_code)
        self._check_site(line.site_code)
        item = self._item(line.item_code)
        if line.unit_of_measure != item.unit_of_measure:
            raise BusinessError(
                FieldError(f"Unit of measure '{line.unit_of_measure}' is not valid for item {item.item_code}",
                           "unitOfMeasure")
            )
        _check_positive(line.quantity_ordered, "quantityOrdered")
        if line.quantity_ordered < line.quantity_received:
            raise BusinessError(
                FieldError(f"Quantity ordered cannot be below the {line.quantity_received:g} received",
                           "quantityOrdered")
            )
        if line.purchase_cost < 0:
            raise BusinessError(FieldError("Purchase cost cannot be negative", "purchaseCost"))

    def _check_invoice_po(self, supplier: str, number: str, line_number: int | None) -> None:
        header = self.order(number)
        if header.supplier_code != supplier:
            raise BusinessError(
                FieldError(f"Purchase order {number} belongs to supplier {header.supplier_code}",
                           "purchaseOrderNumber")
            )
        if line_number is not None:
            self._line(number, line_number)


def _check_positive(quantity: float, field_name: str) -> None:
    if quantity <= 0:
        raise BusinessError(FieldError("Quantity must be greater than zero", field_name))


def _create_only(record: Record, what: str) -> None:
    if record.data_operation not in ("", "C"):
        raise BusinessError(FieldError(f"{what}s can only be created (dataOperation C)", "dataOperation"))
