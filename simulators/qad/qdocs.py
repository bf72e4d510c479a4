"""The QXtend operations: each qdoc document becomes calls to the tenant's own rules, as a REST request does.

`maintainPurchaseOrder` creates or updates a PO and its lines (QXtend has no concurrency hash: it
maintains whatever is stored); `receivePurchaseOrder` posts through the same receipt rule as the REST
API; the supplier-invoice operation is a stub [U] whose elements are the REST record's field names.
Elements with no counterpart here (`yn`, `move`, `poShip`, `lotserial`, ...) are read past. Tenant rules
name REST fields; the messages name the qdoc elements the caller sent.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from simulators.qad.backend import QadBackend
from simulators.qad.records import BusinessError, FieldError, Record
from simulators.qad.settings import QadSettings
from simulators.qad.soap import RECEIVER_URN, Message, QdocRequest, SoapFaultError, qdoc
from simulators.qad.tenant import RECEIPT_GL_ERROR, QadTenant

SESSION = {"domain": "domainCode"}
"""The session context's names for what every document takes from it."""
HEADER = {
    "poNbr": "purchaseOrderNumber",
    "poVend": "supplierCode",
    "poSite": "shipToSite",
    "poBill": "billToCode",
    "poOrdDate": "orderDate",
    "poDueDate": "dueDate",
    "poCurr": "currencyCode",
    "poCrTerms": "creditTermsCode",
}
ORDER_LINE = {
    "line": "purchaseOrderLine",
    "podSite": "siteCode",
    "podPart": "itemCode",
    "podQtyOrd": "quantityOrdered",
    "podPurCost": "purchaseCost",
    "podDueDate": "dueDate",
    "podUm": "unitOfMeasure",
}
RECEIPT = {
    "ordernum": "purchaseOrderNumber",
    "effDate": "effectiveDate",
    "psNbr": "packingSlip",
    "line": "purchaseOrderLine",
    "lotserialQty": "quantity",
    "site": "siteCode",
    "location": "locationCode",
}
"""The `purchaseOrderReceive` elements and those of its `lineDetail`s (no name is in both)."""

Handler = Callable[[QadTenant, str, ET.Element], list[Message]]
"""Applies one document (tenant, session domain, document) and returns its warnings; raises BusinessError."""
Detail = Callable[[QadTenant, str, ET.Element], ET.Element]
"""The response detail of one applied document: what QAD now holds for it, as a qdoc document."""


def _echo(_: QadTenant, __: str, document: ET.Element) -> ET.Element:
    return copy.deepcopy(document)


@dataclass(frozen=True)
class Operation:
    dataset: str
    document: str
    apply: Handler
    detail: Detail = _echo


@dataclass
class QdocOutcome:
    """The answer's messages and, for the documents that were applied, their response detail."""

    messages: list[Message]
    detail: list[ET.Element] = field(default_factory=list)
    dataset: str = ""
    """The operation's dataset element name (`dsPurchaseOrder`, ...), which wraps the detail."""


def run_qdoc(tenant: QadTenant, request: QdocRequest) -> QdocOutcome:
    """The answer's messages and detail; a SoapFaultError when the receiver or the operation is unknown."""
    settings = tenant.settings()
    if request.to != RECEIVER_URN + tenant.receiver:
        raise SoapFaultError("Client", f"No receiver is registered for {request.to or 'an empty wsa:To'}")
    operation = _operations(settings).get(request.operation)
    if operation is None:
        raise SoapFaultError("Client", f"Unknown operation {request.operation}")
    outcome = QdocOutcome([], dataset=operation.dataset)
    context = request.context
    if QadBackend.check_password(tenant, context.get("username"), context.get("password")) is None:
        outcome.messages.append(Message("error", "Invalid user name or password", "username"))
        return outcome
    domain = context.get("domain", "").strip() or tenant.domain
    documents = request.payload.findall(f"{qdoc(operation.dataset)}/{qdoc(operation.document)}")
    if not documents:
        outcome.messages.append(
            Message("error", f"The request has no {operation.document} to process", operation.dataset)
        )
        return outcome
    try:
        with _named(SESSION):
            tenant.check_domain(domain)
    except BusinessError as exc:
        outcome.messages += _errors(exc)
        return outcome
    scoped = _flag(context.get("scopeTransaction"), settings.qxtend_scope_transaction)
    for group in [documents] if scoped else [[d] for d in documents]:
        try:
            with _all_or_nothing(tenant):
                outcome.messages += [m for document in group for m in operation.apply(tenant, domain, document)]
        except BusinessError as exc:
            outcome.messages += _errors(exc)
        else:
            outcome.detail += [operation.detail(tenant, domain, document) for document in group]
    return outcome


def _operations(settings: QadSettings) -> dict[str, Operation]:
    return {
        "maintainPurchaseOrder": Operation("dsPurchaseOrder", "purchaseOrder", _maintain_order, _order_detail),
        "receivePurchaseOrder": Operation("dsPurchaseOrderReceive", "purchaseOrderReceive", _receive_order),
        settings.qxtend_invoice_operation: Operation("dsSupplierInvoice", "supplierInvoice", _maintain_invoice),
    }


def _maintain_order(tenant: QadTenant, domain: str, document: ET.Element) -> list[Message]:
    header = _fields(document, HEADER)
    number = header.get("purchaseOrderNumber", "")
    with _named(HEADER):
        tenant.submit_orders([{**header, "domainCode": domain, **_maintained(tenant.orders.get(number))}], None)
    with _named(ORDER_LINE):
        rows = [_order_line(tenant, domain, number, detail) for detail in document.findall(qdoc("lineDetail"))]
        if rows:
            tenant.commit_lines(rows)
    return []


def _order_detail(tenant: QadTenant, domain: str, document: ET.Element) -> ET.Element:
    """The stored PO under the qdoc names: the header, then a `lineDetail` per line (dates as dates)."""
    number = (document.findtext(qdoc("poNbr")) or "").strip()
    order = ET.Element(qdoc("purchaseOrder"))
    _append_fields(order, tenant.order(number).wire(), HEADER)
    for line in tenant.order_lines(number, domain):
        _append_fields(ET.SubElement(order, qdoc("lineDetail")), line.wire(), ORDER_LINE)
    return order


def _append_fields(parent: ET.Element, record: Mapping[str, Any], names: Mapping[str, str]) -> None:
    for name, rest in names.items():
        value = record.get(rest)
        if value is None or value == "":
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        ET.SubElement(parent, qdoc(name)).text = text[:10] if _is_timestamp(text) else text


def _is_timestamp(text: str) -> bool:
    return len(text) == 24 and text[4] == "-" and text[10] == "T" and text.endswith("Z")


def _order_line(tenant: QadTenant, domain: str, number: str, detail: ET.Element) -> dict[str, Any]:
    """A new line starts as the grid's blank line; a new item re-defaults description and unit of measure
    as fieldChangeV2 does, and what the caller sent wins over every default."""
    changes = _fields(detail, ORDER_LINE)
    line_number = _line_number(changes.get("purchaseOrderLine", ""))
    existing = tenant.lines.get((number, line_number))
    row = {**(existing or tenant.blank_line(number, domain)).wire(), **changes, "purchaseOrderLine": line_number}
    if existing is None or "itemCode" in changes:
        row = {**tenant.field_change("itemCode", row).wire(), **changes, "purchaseOrderLine": line_number}
    return {**row, **_maintained(existing)}


def _receive_order(tenant: QadTenant, domain: str, document: ET.Element) -> list[Message]:
    """`fillAll` receives the open quantity of every line the document does not list."""
    receipt = _fields(document, RECEIPT)
    number = receipt.get("purchaseOrderNumber", "")
    with _named(RECEIPT):
        lines: list[dict[str, Any]] = [_fields(d, RECEIPT) for d in document.findall(qdoc("lineDetail"))]
        if _flag(document.findtext(qdoc("fillAll")), default=False):
            listed = {_line_number(ln.get("purchaseOrderLine", "")) for ln in lines}
            lines += [
                {"purchaseOrderLine": ln.purchase_order_line, "quantity": ln.quantity_ordered - ln.quantity_received}
                for ln in tenant.order_lines(number, domain)
                if ln.purchase_order_line not in listed and ln.quantity_ordered > ln.quantity_received
            ]
        [posted] = tenant.submit_receipts([{**receipt, "domainCode": domain, "purchaseOrderReceiptLines": lines}])
    messages = []
    for line_number in sorted({rl.purchase_order_line for rl in posted.purchase_order_receipt_lines}):
        line = tenant.lines[(posted.purchase_order_number, line_number)]
        if line.quantity_received > line.quantity_ordered:
            received, ordered = line.quantity_received, line.quantity_ordered
            description = f"Quantity received {received:g} exceeds quantity ordered {ordered:g} on line {line_number}"
            messages.append(Message("warning", description, "lotserialQty"))
    if tenant.settings().receipt_reports_gl_error:
        messages.append(Message("error", RECEIPT_GL_ERROR.message, RECEIPT_GL_ERROR.field_name))
    return messages


def _maintain_invoice(tenant: QadTenant, domain: str, document: ET.Element) -> list[Message]:
    """[U] No public qdoc: a `supplierInvoice` carries the REST record's fields, its `lineDetail`s the lines'."""
    lines = [_leaves(detail) for detail in document.findall(qdoc("lineDetail"))]
    invoice = {**_leaves(document), "domainCode": domain, "dataOperation": "C", "supplierInvoiceLines": lines}
    tenant.submit_invoices([invoice])
    return []


def _leaves(element: ET.Element) -> dict[str, str]:
    """The element's childless qdoc-namespace children: name -> trimmed text."""
    prefix = qdoc("")
    return {
        child.tag.removeprefix(prefix): (child.text or "").strip()
        for child in element
        if child.tag.startswith(prefix) and len(child) == 0
    }


def _fields(element: ET.Element, names: Mapping[str, str]) -> dict[str, str]:
    """The elements `names` knows, under their REST names."""
    return {names[name]: text for name, text in _leaves(element).items() if name in names}


def _maintained(existing: Record | None) -> dict[str, str]:
    """Create or update, whichever applies: QXtend sends no hash, so an update carries the stored one."""
    return {"dataOperation": "U", "concurrencyHash": existing.concurrency_hash} if existing else {"dataOperation": "C"}


def _line_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise BusinessError(FieldError("A line number must be a whole number", "purchaseOrderLine")) from None


def _flag(text: str | None, default: bool) -> bool:
    """A qdoc logical: `true`/`false`; absent or empty takes the default."""
    return text.strip().lower() == "true" if text and text.strip() else default


def _errors(exc: BusinessError) -> list[Message]:
    return [Message("error", e.message, e.field_name) for e in exc.errors]


@contextmanager
def _named(names: Mapping[str, str]) -> Iterator[None]:
    """Errors raised inside name the qdoc element (`names` maps qdoc -> REST) instead of the REST field."""
    qdoc_name = {rest: name for name, rest in {**SESSION, **names}.items()}
    try:
        yield
    except BusinessError as exc:
        raise BusinessError(*(FieldError(e.message, qdoc_name.get(e.field_name, e.field_name))
                              for e in exc.errors)) from exc


@contextmanager
def _all_or_nothing(tenant: QadTenant) -> Iterator[None]:
    """A transaction scope: one failing record undoes the others (a tenant rule is atomic only per call)."""
    saved = copy.deepcopy((tenant.orders, tenant.lines, tenant.receipts, tenant.invoices))
    try:
        yield
    except BusinessError:
        tenant.orders, tenant.lines, tenant.receipts, tenant.invoices = saved
        raise
