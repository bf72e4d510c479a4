"""qbXML, the one place that writes QuickBooks requests and reads its answers (SDK 13.0, the subset we use).

Requests are pydantic models, so the work queue can store them as JSON and render them when the Web Connector
asks; :func:`document` writes a message set with lxml (values escaped by construction, characters XML 1.0
forbids dropped), each request's children in the order the SDK schema requires: QuickBooks refuses the whole
message set (hresult 0x80040400) when one element is out of place. Lengths QuickBooks caps (names 41, RefNumber
20) are checked when a model is built, so a document that would be refused is held before it is queued.

:func:`parse_response` reads a response message set into :class:`Rs` (status and Rets) per requestID.
Every XML we read (here and in the SOAP service) goes through :func:`parse_xml`: lxml with entity resolution
and network access off, and any DOCTYPE refused, whatever the document's encoding.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated, Literal

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

QBXML_VERSION = "13.0"
NAME_MAX = 41  # list names (and each level of a FullName) [spec 4.5]
REF_NUMBER_MAX = 20
STALE_EDIT_SEQUENCE = 3200
PARSE_HRESULT = "0x80040400"  # QuickBooks refused the whole message set while parsing it

OnError = Literal["stopOnError", "continueOnError"]
TxnType = Literal["PurchaseOrder", "Bill", "ItemReceipt"]

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class QbXmlError(ValueError):
    """Text that is not the XML or qbXML we expect (not well-formed, a DOCTYPE, no QBXMLMsgsRs)."""


def parse_xml(data: str | bytes) -> etree._Element:
    """Parse XML from the wire: never loads a DTD, expands an entity or touches the network; a DOCTYPE is refused.

    ``str`` input may start with an XML declaration naming another encoding (the Web Connector passes the
    response on as text); it is dropped, since the text is already decoded.
    """
    if isinstance(data, str):
        data = _DECLARATION.sub("", data, count=1)
    try:
        root = etree.fromstring(data, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise QbXmlError(f"not well-formed XML: {exc}") from None
    info = root.getroottree().docinfo
    if info.internalDTD is not None or info.externalDTD is not None:  # set by any DOCTYPE, with or without a subset
        raise QbXmlError("a DOCTYPE is not accepted")
    return root


def _text(value: str) -> str:
    return _XML_ILLEGAL.sub("", value)


def _leaf(parent: etree._Element, tag: str, value: str | None) -> None:
    if value is not None:
        etree.SubElement(parent, tag).text = _text(value)


def amount(value: Decimal) -> str:
    """AMTTYPE: two decimals."""
    return f"{value.quantize(Decimal('0.01')):f}"


def price(value: Decimal) -> str:
    """PRICETYPE (Rate, Cost): up to five decimals, at least two."""
    rounded = value.quantize(Decimal("0.00001")).normalize()
    return amount(rounded) if rounded == rounded.quantize(Decimal("0.01")) else f"{rounded:f}"


def quantity(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _ref(parent: etree._Element, tag: str, full_name: str | None) -> None:
    if full_name is not None:
        _leaf(etree.SubElement(parent, tag), "FullName", full_name)


def _check_name(value: str) -> str:
    """A FullName: each colon-separated level at most NAME_MAX characters, none empty."""
    levels = value.split(":")
    if any(not level.strip() for level in levels):
        raise ValueError(f"{value!r} is not a QuickBooks name")
    too_long = [level for level in levels if len(level) > NAME_MAX]
    if too_long:
        raise ValueError(f"name {too_long[0]!r} is longer than QuickBooks allows ({NAME_MAX} characters)")
    return value


def _check_names(values: list[str]) -> list[str]:
    return [_check_name(v) for v in values]


def _check_optional_name(value: str | None) -> str | None:
    return _check_name(value) if value is not None else None


def _check_ref_number(value: str | None) -> str | None:
    if value is not None and len(value) > REF_NUMBER_MAX:
        raise ValueError(f"reference number {value!r} is longer than QuickBooks allows ({REF_NUMBER_MAX} characters)")
    return value


Name = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# -- requests ---------------------------------------------------------------------------------------------


class _Request(_Model):
    def element(self, request_id: str) -> etree._Element:
        raise NotImplementedError

    @property
    def weight(self) -> float:
        """Relative cost for QuickBooks, for fitting batches to the per-call time budget: a query is 1."""
        return 1.0

    @property
    def creates(self) -> bool:
        """Whether running it twice would create a record twice (an Add): such a request is reconciled."""
        return False


class VendorQuery(_Request):
    type: Literal["VendorQuery"] = "VendorQuery"
    full_names: list[Name] = Field(min_length=1)

    _names = field_validator("full_names")(_check_names)

    def element(self, request_id: str) -> etree._Element:
        rq = etree.Element("VendorQueryRq", requestID=request_id)
        for name in self.full_names:
            _leaf(rq, "FullName", name)
        return rq


class ItemQuery(_Request):
    """Which of these items exist (a missing name answers 500 Warn, or 1 Info when none exists)."""

    type: Literal["ItemQuery"] = "ItemQuery"
    full_names: list[Name] = Field(min_length=1)

    _names = field_validator("full_names")(_check_names)

    def element(self, request_id: str) -> etree._Element:
        rq = etree.Element("ItemQueryRq", requestID=request_id)
        for name in self.full_names:
            _leaf(rq, "FullName", name)
        _leaf(rq, "IncludeRetElement", "FullName")
        return rq


class TxnQuery(_Request):
    """PurchaseOrderQuery, BillQuery or ItemReceiptQuery by RefNumber.

    The SDK's query is a choice: RefNumber cannot be combined with an EntityFilter, so the vendor is checked on
    the Rets (:meth:`Rs.for_vendor`).
    """

    type: Literal["PurchaseOrderQuery", "BillQuery", "ItemReceiptQuery"]
    ref_numbers: list[Name] = Field(min_length=1)
    include_line_items: bool = False

    _refs = field_validator("ref_numbers")(lambda values: [_check_ref_number(v) for v in values])

    def element(self, request_id: str) -> etree._Element:
        rq = etree.Element(f"{self.type}Rq", requestID=request_id)
        for ref in self.ref_numbers:
            _leaf(rq, "RefNumber", ref)
        if self.include_line_items:
            _leaf(rq, "IncludeLineItems", "true")
        return rq


def purchase_order_query(*ref_numbers: str, include_line_items: bool = False) -> TxnQuery:
    return TxnQuery(type="PurchaseOrderQuery", ref_numbers=list(ref_numbers), include_line_items=include_line_items)


def bill_query(*ref_numbers: str) -> TxnQuery:
    return TxnQuery(type="BillQuery", ref_numbers=list(ref_numbers))


def item_receipt_query(*ref_numbers: str) -> TxnQuery:
    return TxnQuery(type="ItemReceiptQuery", ref_numbers=list(ref_numbers))


class ExpenseLine(_Model):
    account: Name
    amount: Decimal
    memo: str | None = None
    class_name: str | None = None

    _names = field_validator("account")(_check_name)
    _class = field_validator("class_name")(_check_optional_name)

    def element(self) -> etree._Element:
        line = etree.Element("ExpenseLineAdd")
        _ref(line, "AccountRef", self.account)
        _leaf(line, "Amount", amount(self.amount))
        _leaf(line, "Memo", self.memo)
        _ref(line, "ClassRef", self.class_name)
        return line


class LineLink(_Model):
    """One purchase-order line a receiving line receives against."""

    txn_id: Name
    txn_line_id: Name


class ItemLine(_Model):
    """An item line of a bill or item receipt; ``link`` receives it against one PO line."""

    item: Name | None = None
    desc: str | None = None
    quantity: Decimal | None = None
    cost: Decimal | None = None
    amount: Decimal | None = None
    class_name: str | None = None
    link: LineLink | None = None

    _item = field_validator("item")(_check_optional_name)
    _class = field_validator("class_name")(_check_optional_name)

    def element(self) -> etree._Element:
        line = etree.Element("ItemLineAdd")
        _ref(line, "ItemRef", self.item)
        _leaf(line, "Desc", self.desc)
        _leaf(line, "Quantity", quantity(self.quantity) if self.quantity is not None else None)
        _leaf(line, "Cost", price(self.cost) if self.cost is not None else None)
        _leaf(line, "Amount", amount(self.amount) if self.amount is not None else None)
        _ref(line, "ClassRef", self.class_name)
        if self.link is not None:
            link = etree.SubElement(line, "LinkToTxn")
            _leaf(link, "TxnID", self.link.txn_id)
            _leaf(link, "TxnLineID", self.link.txn_line_id)
        return line


class _Receiving(_Request):
    """BillAdd and ItemReceiptAdd share their shape: header, LinkToTxnID*, ExpenseLineAdd*, ItemLineAdd*."""

    type: Literal["BillAdd", "ItemReceiptAdd"]
    vendor: Name
    ap_account: str | None = None
    txn_date: dt.date
    ref_number: str | None = None
    memo: str | None = None
    link_to_txn_ids: list[Name] = Field(default_factory=list)
    expense_lines: list[ExpenseLine] = Field(default_factory=list)
    item_lines: list[ItemLine] = Field(default_factory=list)

    _vendor = field_validator("vendor")(_check_name)
    _ap = field_validator("ap_account")(_check_optional_name)
    _ref_number = field_validator("ref_number")(_check_ref_number)

    @property
    def weight(self) -> float:
        return 1.0 + 0.1 * (len(self.expense_lines) + len(self.item_lines) + len(self.link_to_txn_ids))

    @property
    def creates(self) -> bool:
        return True

    def _due_date(self) -> dt.date | None:
        return None

    def element(self, request_id: str) -> etree._Element:
        rq = etree.Element(f"{self.type}Rq", requestID=request_id)
        add = etree.SubElement(rq, self.type)
        _ref(add, "VendorRef", self.vendor)
        _ref(add, "APAccountRef", self.ap_account)
        _leaf(add, "TxnDate", _date(self.txn_date))
        _leaf(add, "DueDate", _date(self._due_date()))
        _leaf(add, "RefNumber", self.ref_number)
        _leaf(add, "Memo", self.memo)
        for txn_id in self.link_to_txn_ids:
            _leaf(add, "LinkToTxnID", txn_id)
        for expense in self.expense_lines:
            add.append(expense.element())
        for item in self.item_lines:
            add.append(item.element())
        return rq


class BillAdd(_Receiving):
    type: Literal["BillAdd"] = "BillAdd"
    due_date: dt.date | None = None

    def _due_date(self) -> dt.date | None:
        return self.due_date


class ItemReceiptAdd(_Receiving):
    """An item receipt has no due date; otherwise shaped as a bill."""

    type: Literal["ItemReceiptAdd"] = "ItemReceiptAdd"


class PurchaseOrderLine(_Model):
    item: Name | None = None
    desc: str | None = None
    quantity: Decimal | None = None
    rate: Decimal | None = None
    class_name: str | None = None
    amount: Decimal | None = None

    _item = field_validator("item")(_check_optional_name)
    _class = field_validator("class_name")(_check_optional_name)

    def element(self) -> etree._Element:
        line = etree.Element("PurchaseOrderLineAdd")
        _ref(line, "ItemRef", self.item)
        _leaf(line, "Desc", self.desc)
        _leaf(line, "Quantity", quantity(self.quantity) if self.quantity is not None else None)
        _leaf(line, "Rate", price(self.rate) if self.rate is not None else None)
        _ref(line, "ClassRef", self.class_name)
        _leaf(line, "Amount", amount(self.amount) if self.amount is not None else None)
        return line


class PurchaseOrderAdd(_Request):
    type: Literal["PurchaseOrderAdd"] = "PurchaseOrderAdd"
    vendor: Name
    class_name: str | None = None
    txn_date: dt.date
    ref_number: str | None = None
    due_date: dt.date | None = None
    expected_date: dt.date | None = None
    memo: str | None = None
    lines: list[PurchaseOrderLine] = Field(min_length=1)

    _vendor = field_validator("vendor")(_check_name)
    _class = field_validator("class_name")(_check_optional_name)
    _ref_number = field_validator("ref_number")(_check_ref_number)

    @property
    def weight(self) -> float:
        return 1.0 + 0.1 * len(self.lines)

    @property
    def creates(self) -> bool:
        return True

    def element(self, request_id: str) -> etree._Element:
        rq = etree.Element("PurchaseOrderAddRq", requestID=request_id)
        add = etree.SubElement(rq, "PurchaseOrderAdd")
        _ref(add, "VendorRef", self.vendor)
        _ref(add, "ClassRef", self.class_name)
        _leaf(add, "TxnDate", _date(self.txn_date))
        _leaf(add, "RefNumber", self.ref_number)
        _leaf(add, "DueDate", _date(self.due_date))
        _leaf(add, "ExpectedDate", _date(self.expected_date))
        _leaf(add, "Memo", self.memo)
        for line in self.lines:
            add.append(line.element())
        return rq


Request = Annotated[
    VendorQuery | ItemQuery | TxnQuery | BillAdd | ItemReceiptAdd | PurchaseOrderAdd, Field(discriminator="type")
]
REQUEST: TypeAdapter[Request] = TypeAdapter(Request)


def document(requests: Iterable[tuple[str, Request]], *, on_error: OnError = "continueOnError") -> str:
    """A qbXML message set: ``requests`` as (requestID, request), in order.

    ``continueOnError`` by default: the requests of one batch belong to different documents, and one document's
    error must not stop the others (each answer carries its own status).
    """
    root = etree.Element("QBXML")
    messages = etree.SubElement(root, "QBXMLMsgsRq", onError=on_error)
    for request_id, request in requests:
        messages.append(request.element(request_id))
    body = etree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="{QBXML_VERSION}"?>\n{body}'


# -- responses --------------------------------------------------------------------------------------------


class RetLine(_Model):
    """A line of a transaction Ret (PurchaseOrderLineRet, ItemLineRet, ExpenseLineRet)."""

    txn_line_id: str | None = None
    item: str | None = None
    account: str | None = None
    desc: str | None = None
    quantity: Decimal | None = None
    received_quantity: Decimal | None = None
    amount: Decimal | None = None
    is_manually_closed: bool = False

    @property
    def open_quantity(self) -> Decimal:
        if self.is_manually_closed or self.quantity is None:
            return Decimal(0)
        return max(self.quantity - (self.received_quantity or Decimal(0)), Decimal(0))


class Ret(_Model):
    """The identity and the facts we use of one returned object (VendorRet, BillRet, PurchaseOrderRet...)."""

    type: str
    list_id: str | None = None
    txn_id: str | None = None
    edit_sequence: str | None = None
    name: str | None = None
    full_name: str | None = None
    ref_number: str | None = None
    vendor: str | None = None
    txn_date: str | None = None
    is_fully_received: bool | None = None
    is_manually_closed: bool | None = None
    lines: list[RetLine] = Field(default_factory=list)

    @property
    def id(self) -> str | None:
        return self.txn_id or self.list_id


class Rs(_Model):
    """One response of a message set: its status and what it returned."""

    type: str  # "BillAddRs", ...
    request_id: str | None = None
    status_code: int
    status_severity: str
    status_message: str
    rets: list[Ret] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status_severity != "Error"

    def for_vendor(self, vendor: str) -> list[Ret]:
        """The Rets of this vendor (QuickBooks compares names without regard to case)."""
        wanted = vendor.casefold()
        return [ret for ret in self.rets if (ret.vendor or "").casefold() == wanted]


def _child_text(el: etree._Element, tag: str) -> str | None:
    child = el.find(tag)
    return (child.text or "").strip() if child is not None else None


def _decimal(el: etree._Element, tag: str) -> Decimal | None:
    value = _child_text(el, tag)
    try:
        return Decimal(value) if value else None
    except ArithmeticError:
        raise QbXmlError(f"{tag} {value!r} is not a number") from None


def _bool(el: etree._Element, tag: str) -> bool | None:
    value = _child_text(el, tag)
    return None if value is None else value in ("true", "1")


def _line(el: etree._Element) -> RetLine:
    return RetLine(
        txn_line_id=_child_text(el, "TxnLineID"), item=_child_text(el, "ItemRef/FullName"),
        account=_child_text(el, "AccountRef/FullName"), desc=_child_text(el, "Desc"),
        quantity=_decimal(el, "Quantity"), received_quantity=_decimal(el, "ReceivedQuantity"),
        amount=_decimal(el, "Amount"), is_manually_closed=_bool(el, "IsManuallyClosed") is True,
    )


def _ret(el: etree._Element) -> Ret:
    return Ret(
        type=str(el.tag), list_id=_child_text(el, "ListID"), txn_id=_child_text(el, "TxnID"),
        edit_sequence=_child_text(el, "EditSequence"), name=_child_text(el, "Name"),
        full_name=_child_text(el, "FullName"), ref_number=_child_text(el, "RefNumber"),
        vendor=_child_text(el, "VendorRef/FullName"), txn_date=_child_text(el, "TxnDate"),
        is_fully_received=_bool(el, "IsFullyReceived"), is_manually_closed=_bool(el, "IsManuallyClosed"),
        lines=[_line(child) for child in el if str(child.tag).endswith("LineRet")],
    )


def parse_response(text: str | bytes) -> list[Rs]:
    """The responses of a qbXML message set, in order."""
    root = parse_xml(text)
    messages = root.find("QBXMLMsgsRs")
    if root.tag != "QBXML" or messages is None:
        raise QbXmlError("not a qbXML response (no QBXML/QBXMLMsgsRs)")
    answers = []
    for rs in messages:
        if not isinstance(rs.tag, str):  # comments, processing instructions
            continue
        code = rs.get("statusCode", "")
        if not code.lstrip("-").isdigit():
            raise QbXmlError(f"{rs.tag} has no numeric statusCode")
        answers.append(Rs(
            type=rs.tag, request_id=rs.get("requestID"), status_code=int(code),
            status_severity=rs.get("statusSeverity", "Error"), status_message=rs.get("statusMessage", ""),
            rets=[_ret(child) for child in rs if isinstance(child.tag, str) and child.tag.endswith("Ret")],
        ))
    return answers

