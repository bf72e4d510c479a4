"""One function per qbXML request type: read the request, act on the company file, return the Rets.

Values are converted as QuickBooks converts them (3010 boolean, 3020 date, 3040 amount, 3070 too
long), references are resolved by ListID or FullName (3140 when missing), and queries page through
iterators that live as long as the session.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from simulators.quickbooks import status
from simulators.quickbooks.company import (
    CompanyFile,
    FieldValue,
    LineInput,
    ListKind,
    ListObject,
    ReceivingKind,
    TxnInput,
    TxnKind,
    check_id,
)
from simulators.quickbooks.render import list_ret, txn_ret
from simulators.quickbooks.settings import QuickBooksSettings
from simulators.quickbooks.status import NO_MATCH, OK, Status

_QBXML_VERSIONS = (
    "1.0", "1.1", "2.0", "2.1", "3.0", "4.0", "4.1", "5.0", "6.0", "7.0", "8.0", "9.0", "10.0", "11.0", "12.0",
    "13.0", "14.0", "15.0", "16.0",
)
_PREFERENCES: dict[str, dict[str, str]] = {
    "AccountingPreferences": {
        "IsUsingAccountNumbers": "false", "IsRequiringAccounts": "true", "IsUsingClassTracking": "true",
        "IsUsingAuditTrail": "true", "IsAssigningJournalEntryNumbers": "true",
    },
    "MultiCurrencyPreferences": {"IsMultiCurrencyOn": "false"},
    "PurchasesAndVendorsPreferences": {
        "IsUsingInventory": "true", "DaysBillsAreDue": "10", "IsAutomaticallyUsingDiscounts": "false",
    },
}
_REF_LISTS = {"VendorRef": "Vendor", "ItemRef": "Item", "AccountRef": "Account", "APAccountRef": "Account",
              "ClassRef": "Class"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def version_tuple(version: str) -> tuple[int, int]:
    major, _, minor = version.partition(".")
    return int(major), int(minor or 0)


@dataclass
class Context:
    """What a request runs against: the company file, the settings and the session's open iterators."""

    company: CompanyFile
    settings: QuickBooksSettings
    iterators: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Outcome:
    """A request's answer: its Rets, its status and any extra attributes (the iterator's)."""

    rets: list[ET.Element]
    status: Status = OK
    attrs: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Context, ET.Element], Outcome]


# values ---------------------------------------------------------------------------------------------


def text(el: ET.Element, tag: str) -> str | None:
    child = el.find(tag)
    return None if child is None else (child.text or "").strip()


def texts(el: ET.Element, tag: str) -> list[str]:
    return [(child.text or "").strip() for child in el.findall(tag)]


def _child(el: ET.Element, tag: str) -> ET.Element:
    found = el.find(tag)
    assert found is not None, f"the schema check requires {tag}"
    return found


def _date(el: ET.Element | None, tag: str) -> date | None:
    value = text(el, tag) if el is not None else None
    if value is None:
        return None
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise status.invalid_date(value, tag) from None


def _moment(el: ET.Element | None, tag: str, *, end: bool) -> float | None:
    """A modified-date bound: a whole day (inclusive) or a date-time, naive ones read as UTC."""
    value = text(el, tag) if el is not None else None
    if value is None:
        return None
    if _DATE.match(value):
        day = _date(el, tag)
        assert day is not None
        return datetime.combine(day, time.max if end else time.min, UTC).timestamp()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise status.invalid_date(value, tag) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _decimal(el: ET.Element, tag: str) -> Decimal | None:
    value = text(el, tag)
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise status.invalid_amount(value, tag) from None
    if not number.is_finite():
        raise status.invalid_amount(value, tag)
    return number


def _bool(el: ET.Element, tag: str) -> bool | None:
    value = text(el, tag)
    if value is None:
        return None
    if value not in ("true", "false", "1", "0"):
        raise status.invalid_boolean(value, tag)
    return value in ("true", "1")


def _capped(value: str | None, tag: str, limit: int) -> str | None:
    if value is not None and len(value) > limit:
        raise status.too_long(value, tag)
    return value


def _resolve(ctx: Context, el: ET.Element, tag: str, where: str) -> ListObject | None:
    """The list object a `…Ref` names (ListID first, else FullName); 3140 when there is none."""
    ref = el.find(tag)
    if ref is None:
        return None
    list_name = _REF_LISTS[tag]
    list_id, full_name = text(ref, "ListID"), text(ref, "FullName")
    if list_id:
        check_id(list_id, "ListID")
        found = ctx.company.by_id(list_name, list_id)
    else:
        found = ctx.company.by_name(list_name, full_name or "")
    if found is None:
        raise status.invalid_reference(list_name, list_id or full_name or "", where)
    return found


# host, company, preferences -------------------------------------------------------------------------


def _leaves(parent: ET.Element, values: dict[str, str]) -> None:
    for tag, value in values.items():
        ET.SubElement(parent, tag).text = value


def host_query(ctx: Context, _: ET.Element) -> Outcome:
    ret = ET.Element("HostRet")
    _leaves(ret, {"ProductName": "QuickBooks Enterprise Solutions 24.0", "MajorVersion": "34", "MinorVersion": "0",
                  "Country": ctx.settings.country})
    highest = version_tuple(ctx.settings.qbxml_version)
    for version in _QBXML_VERSIONS:
        if version_tuple(version) <= highest:
            ET.SubElement(ret, "SupportedQBXMLVersion").text = version
    _leaves(ret, {"IsAutomaticLogin": "false", "QBFileMode": "SingleUser"})
    return Outcome([ret])


def company_query(ctx: Context, _: ET.Element) -> Outcome:
    ret = ET.Element("CompanyRet")
    _leaves(ret, {"IsSampleCompany": "false", "CompanyName": ctx.company.name, "LegalCompanyName": ctx.company.name})
    return Outcome([ret])


def preferences_query(_: Context, __: ET.Element) -> Outcome:
    ret = ET.Element("PreferencesRet")
    for tag, values in _PREFERENCES.items():
        _leaves(ET.SubElement(ret, tag), values)
    return Outcome([ret])


# queries --------------------------------------------------------------------------------------------


def _page(
    ctx: Context, rq: ET.Element, select: Callable[[], tuple[list[str], Status]], render: Callable[[str], ET.Element]
) -> Outcome:
    """MaxReturned and iterators: Start snapshots the matches, Continue hands out the next page."""
    iterator = rq.get("iterator")
    if iterator == "Continue":
        iterator_id = rq.get("iteratorID", "")
        keys = ctx.iterators.pop(iterator_id, None)
        if keys is None:
            raise status.invalid_id(iterator_id, "iteratorID")
        found = OK
    else:
        keys, found = select()
        iterator_id = "{" + str(uuid.uuid4()) + "}"
    limit = text(rq, "MaxReturned")
    page, rest = (keys[: int(limit)], keys[int(limit):]) if limit is not None else (keys, [])
    attrs: dict[str, str] = {}
    if iterator is not None:
        attrs = {"iteratorRemainingCount": str(len(rest)), "iteratorID": iterator_id}
        if rest:
            ctx.iterators[iterator_id] = rest
    return Outcome([render(key) for key in page], NO_MATCH if not page and found == OK else found, attrs)


def _matches(value: str, criterion: str, wanted: str) -> bool:
    value, wanted = value.casefold(), wanted.casefold()
    if criterion == "StartsWith":
        return value.startswith(wanted)
    if criterion == "EndsWith":
        return value.endswith(wanted)
    return wanted in value


def _within(value: float, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _in_name_range(name: str, name_range: ET.Element) -> bool:
    low, high = text(name_range, "FromName"), text(name_range, "ToName")
    key = name.casefold()
    return (low is None or key >= low.casefold()) and (high is None or key <= high.casefold())


def _by_name(ctx: Context, pool: list[ListObject], names: list[str]) -> tuple[list[str], Status]:
    by_name = {o.name.casefold(): o.list_id for o in pool}
    keys = list(dict.fromkeys(by_name[n.casefold()] for n in names if n.casefold() in by_name))
    missing = [n for n in names if n.casefold() not in by_name]
    if not missing:
        return keys, OK
    if ctx.settings.missing_name_status == 500:
        return keys, status.missing_names(missing)
    return keys, OK


def _select_lists(ctx: Context, rq: ET.Element, kinds: tuple[ListKind, ...]) -> tuple[list[str], Status]:
    pool = sorted((o for o in ctx.company.lists.values() if o.kind in kinds), key=lambda o: o.name.casefold())
    ids, names = texts(rq, "ListID"), texts(rq, "FullName")
    if ids:
        for list_id in ids:
            check_id(list_id, "ListID")
            found = ctx.company.lists.get(list_id)
            if found is None or found.kind not in kinds:
                raise status.not_found(list_id)
        return list(dict.fromkeys(ids)), OK
    if names:
        return _by_name(ctx, pool, names)
    active = text(rq, "ActiveStatus") or "ActiveOnly"
    low, high = _moment(rq, "FromModifiedDate", end=False), _moment(rq, "ToModifiedDate", end=True)
    name_filter, name_range = rq.find("NameFilter"), rq.find("NameRangeFilter")
    account_type = text(rq, "AccountType")
    keys = []
    for obj in pool:
        if active != "All" and obj.is_active != (active == "ActiveOnly"):
            continue
        if not _within(obj.time_modified, low, high):
            continue
        if name_filter is not None and not _matches(
            obj.name, text(name_filter, "MatchCriterion") or "", text(name_filter, "Name") or ""
        ):
            continue
        if name_range is not None and not _in_name_range(obj.name, name_range):
            continue
        if account_type is not None and obj.fields.get("AccountType") != account_type:
            continue
        keys.append(obj.list_id)
    return keys, OK


def list_query(*kinds: ListKind) -> Handler:
    def handler(ctx: Context, rq: ET.Element) -> Outcome:
        return _page(ctx, rq, lambda: _select_lists(ctx, rq, kinds), lambda key: list_ret(ctx.company.lists[key]))

    return handler


def _select_txns(ctx: Context, rq: ET.Element, kind: TxnKind) -> tuple[list[str], Status]:
    pool = sorted((t for t in ctx.company.txns.values() if t.kind == kind), key=lambda t: (t.txn_date, t.txn_number))
    ids = texts(rq, "TxnID")
    if ids:
        for txn_id in ids:
            check_id(txn_id, "TxnID")
            found = ctx.company.txns.get(txn_id)
            if found is None or found.kind != kind:
                raise status.not_found(txn_id)
        return list(dict.fromkeys(ids)), OK
    refs, exact = {r.casefold() for r in texts(rq, "RefNumber")}, set(texts(rq, "RefNumberCaseSensitive"))
    if refs or exact:
        numbered = [(t.txn_id, t.ref_number) for t in pool if t.ref_number is not None]
        return [txn_id for txn_id, ref in numbered if ref.casefold() in refs or ref in exact], OK
    modified, txn_dates = rq.find("ModifiedDateRangeFilter"), rq.find("TxnDateRangeFilter")
    low, high = _moment(modified, "FromModifiedDate", end=False), _moment(modified, "ToModifiedDate", end=True)
    first, last = _date(txn_dates, "FromTxnDate"), _date(txn_dates, "ToTxnDate")
    entity, ref_filter = rq.find("EntityFilter"), rq.find("RefNumberFilter")
    vendor_ids = set(texts(entity, "ListID")) if entity is not None else set()
    vendor_names = {n.casefold() for n in texts(entity, "FullName")} if entity is not None else set()
    paid_only = text(rq, "PaidStatus") == "PaidOnly"
    keys = []
    for txn in pool:
        if not _within(txn.time_modified, low, high) or paid_only:
            continue
        if (first and txn.txn_date < first) or (last and txn.txn_date > last):
            continue
        if entity is not None and not (
            txn.vendor.list_id in vendor_ids or txn.vendor.full_name.casefold() in vendor_names
        ):
            continue
        if ref_filter is not None and not _matches(
            txn.ref_number or "", text(ref_filter, "MatchCriterion") or "", text(ref_filter, "RefNumber") or ""
        ):
            continue
        keys.append(txn.txn_id)
    return keys, OK


def txn_query(kind: TxnKind) -> Handler:
    def handler(ctx: Context, rq: ET.Element) -> Outcome:
        lines, linked = _bool(rq, "IncludeLineItems") is True, _bool(rq, "IncludeLinkedTxns") is True
        return _page(
            ctx, rq, lambda: _select_txns(ctx, rq, kind),
            lambda key: txn_ret(ctx.company.txns[key], ctx.company, lines=lines, linked=linked),
        )

    return handler


# vendors --------------------------------------------------------------------------------------------


def _vendor_fields(ctx: Context, agg: ET.Element) -> dict[str, FieldValue]:
    fields: dict[str, FieldValue] = {}
    for child in agg:
        if child.tag in ("ListID", "EditSequence", "Name", "IsActive"):
            continue
        if child.tag.endswith("Ref"):
            ref = _resolve(ctx, agg, child.tag, "Vendor")
            assert ref is not None
            fields[child.tag] = {"ListID": ref.list_id, "FullName": ref.name}
        elif len(child):
            fields[child.tag] = {leaf.tag: (leaf.text or "").strip() for leaf in child}
        elif child.tag.startswith("Is"):
            fields[child.tag] = "true" if _bool(agg, child.tag) else "false"
        else:
            fields[child.tag] = (child.text or "").strip()
    return fields


def vendor_add(ctx: Context, rq: ET.Element) -> Outcome:
    agg = _child(rq, "VendorAdd")
    name = _capped(text(agg, "Name"), "Name", ctx.settings.name_max_length) or ""
    active = _bool(agg, "IsActive") is not False
    vendor = ctx.company.add_list("Vendor", name, _vendor_fields(ctx, agg), is_active=active)
    return Outcome([list_ret(vendor)])


def vendor_mod(ctx: Context, rq: ET.Element) -> Outcome:
    agg = _child(rq, "VendorMod")
    vendor = ctx.company.mod_list(
        "Vendor", text(agg, "ListID") or "", text(agg, "EditSequence") or "",
        name=_capped(text(agg, "Name"), "Name", ctx.settings.name_max_length),
        is_active=_bool(agg, "IsActive"), fields=_vendor_fields(ctx, agg),
    )
    return Outcome([list_ret(vendor)])


# transactions ---------------------------------------------------------------------------------------


def _line(ctx: Context, el: ET.Element, where: str, price_tag: str) -> LineInput:
    link = None
    link_el = el.find("LinkToTxn")
    if link_el is not None:
        txn_id, line_id = text(link_el, "TxnID") or "", text(link_el, "TxnLineID") or ""
        check_id(txn_id, "TxnID")
        check_id(line_id, "TxnLineID")
        link = (txn_id, line_id)
    return LineInput(
        item=_resolve(ctx, el, "ItemRef", where), account=_resolve(ctx, el, "AccountRef", where),
        desc=text(el, "Desc"), quantity=_decimal(el, "Quantity"), price=_decimal(el, price_tag),
        amount=_decimal(el, "Amount"), class_ref=_resolve(ctx, el, "ClassRef", where), memo=text(el, "Memo"),
        link=link,
    )


def _txn_input(ctx: Context, agg: ET.Element, kind: TxnKind, lines_tag: str, price_tag: str) -> TxnInput:
    vendor = _resolve(ctx, agg, "VendorRef", kind)
    assert vendor is not None
    where = f"{kind} line"
    return TxnInput(
        vendor=vendor,
        txn_date=_date(agg, "TxnDate") or ctx.company.clock.utcnow().date(),
        ref_number=_capped(text(agg, "RefNumber"), "RefNumber", ctx.settings.ref_number_max_length),
        due_date=_date(agg, "DueDate"),
        expected_date=_date(agg, "ExpectedDate"),
        memo=text(agg, "Memo"),
        class_ref=_resolve(ctx, agg, "ClassRef", kind),
        ap_account=_resolve(ctx, agg, "APAccountRef", kind),
        link_txn_ids=texts(agg, "LinkToTxnID"),
        item_lines=[_line(ctx, el, where, price_tag) for el in agg.findall(lines_tag)],
        expense_lines=[_line(ctx, el, where, price_tag) for el in agg.findall("ExpenseLineAdd")],
    )


def purchase_order_add(ctx: Context, rq: ET.Element) -> Outcome:
    data = _txn_input(ctx, _child(rq, "PurchaseOrderAdd"), "PurchaseOrder", "PurchaseOrderLineAdd", "Rate")
    txn = ctx.company.add_purchase_order(data, ctx.settings)
    return Outcome([txn_ret(txn, ctx.company, lines=True, linked=True)])


def receiving_add(kind: ReceivingKind) -> Handler:
    def handler(ctx: Context, rq: ET.Element) -> Outcome:
        data = _txn_input(ctx, _child(rq, f"{kind}Add"), kind, "ItemLineAdd", "Cost")
        txn = ctx.company.add_receiving(kind, data, ctx.settings)
        return Outcome([txn_ret(txn, ctx.company, lines=True, linked=True)])

    return handler


HANDLERS: dict[str, Handler] = {
    "HostQueryRq": host_query,
    "CompanyQueryRq": company_query,
    "PreferencesQueryRq": preferences_query,
    "VendorQueryRq": list_query("Vendor"),
    "AccountQueryRq": list_query("Account"),
    "ClassQueryRq": list_query("Class"),
    "ItemQueryRq": list_query("ItemInventory", "ItemNonInventory", "ItemService"),
    "ItemInventoryQueryRq": list_query("ItemInventory"),
    "ItemNonInventoryQueryRq": list_query("ItemNonInventory"),
    "VendorAddRq": vendor_add,
    "VendorModRq": vendor_mod,
    "PurchaseOrderAddRq": purchase_order_add,
    "BillAddRq": receiving_add("Bill"),
    "ItemReceiptAddRq": receiving_add("ItemReceipt"),
    "PurchaseOrderQueryRq": txn_query("PurchaseOrder"),
    "BillQueryRq": txn_query("Bill"),
    "ItemReceiptQueryRq": txn_query("ItemReceipt"),
}
