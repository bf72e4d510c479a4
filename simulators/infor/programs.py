"""The MI programs and transactions the simulator knows, as data, and the checks M3 makes before any handler runs.

Order of checks, as M3 reports them: unknown transaction (`TransactionNotFound`), an input longer than its
field (`InputFieldTooLong`), a mandatory input missing (`MandatoryInputFieldNotFound`), then values that are
not numbers or dates, and the company (`ServerReturnedNOK`). Every transaction takes CONO.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from simulators.infor.company import Call, M3Company, MIError, Record, not_found, number_text
from simulators.infor.fields import FIELDS
from simulators.infor.settings import InforSettings

Handler = Callable[[M3Company, Call], list[Record]]


@dataclass(frozen=True)
class Transaction:
    """One MI transaction: its inputs (CONO first), mandatory inputs, output fields and handler."""

    name: str
    description: str
    handler: Handler
    inputs: tuple[str, ...]
    mandatory: tuple[str, ...]
    outputs: tuple[str, ...]
    multiple: bool = False


def _t(
    name: str,
    description: str,
    handler: Handler,
    inputs: str,
    mandatory: str,
    outputs: str,
    *,
    multiple: bool = False,
) -> Transaction:
    return Transaction(
        name,
        description,
        handler,
        ("CONO", *inputs.split()),
        tuple(mandatory.split()),
        tuple(outputs.split()),
        multiple,
    )


def _list_transactions(_: M3Company, call: Call) -> list[Record]:
    program = _program(call.text("MINM"))
    hidden = _hidden(call.settings)
    return [
        {"MINM": call.text("MINM"), "TRNM": t.name, "TRDS": t.description, "SIMU": "M" if t.multiple else "S"}
        for t in program.values()
        if (call.text("MINM"), t.name) not in hidden
    ]


def _list_fields(_: M3Company, call: Call) -> list[Record]:
    program = _program(call.text("MINM"))
    transaction = program.get(call.text("TRNM"))
    if transaction is None:
        raise not_found("Transaction", call.text("TRNM"), "TRNM")
    sides = {"I": transaction.inputs, "O": transaction.outputs}
    wanted = [call.text("TRTP")] if call.text("TRTP") in sides else ["I", "O"]
    return [
        {
            "MINM": call.text("MINM"),
            "TRNM": transaction.name,
            "TRTP": side,
            "FLNM": name,
            "FLDS": FIELDS[name].description,
            "LENG": str(FIELDS[name].length),
            "TYPE": FIELDS[name].type,
            "MAND": "1" if side == "I" and name in transaction.mandatory else "0",
        }
        for side in wanted
        for name in sides[side]
    ]


def _program(name: str) -> Mapping[str, Transaction]:
    if name not in PROGRAMS:
        raise not_found("Program", name, "MINM")
    return PROGRAMS[name]


_SUPPLIER = "SUNO SUNM SUTY STAT ALSU CSCD LNCD CUCD TEPY PYME PHNO VRNO"
_SUPPLIER_INPUTS = "SUNO SUNM SUTY ALSU CSCD LNCD CUCD TEPY PYME PHNO VRNO"
_PO_HEAD = "PUNO SUNO PUDT DWDT CUCD FACI WHLO ORTY PUSL PUSH LMDT"
_PO_LINE = "PUNO PNLI PNLS ITNO PITD ORQA PUPR PUUN DWDT PUSL PUSH LMDT CODT CFQA CPPR SORN RVQA SUDO"
_INVOICE_HEAD = (
    "INBN DIVI SUNO SPYN SINO IVDT CUAM VTAM CUCD ACDT DUDT TEPY PYME IBTP PUNO IBHE IBLE VONO YEA4 SUAC AAPD"
)
_ENTRY_HEAD = "MSGN FACI WHLO SUNO DWDT HREF ORTY PUDT CUCD TEPY PYME YRE1"
_ENTRY_LINE = "MSGN PUNO HREF PNLI LREF ITNO ORQA PUPR PUUN DWDT PITD FACI WHLO SUNO"
_ACCOUNTING = "MSGN PUNO HREF PNLI LREF SUNO AIT1 AIT2 AIT3 AIT4 AIT5 AIT6 AIT7"
_INVOICE_LINE = "INBN LINO RDTP NLAM VTA1 VTCD PUNO PNLI PNLS ITNO IVQA"

PROGRAMS: dict[str, dict[str, Transaction]] = {
    program: {t.name: t for t in transactions}
    for program, transactions in {
        "CRS620MI": [
            _t("LstSuppliers", "List suppliers", M3Company.list_suppliers, "SUNO", "", _SUPPLIER, multiple=True),
            _t(
                "LstByNumber",
                "List suppliers by number",
                M3Company.list_suppliers,
                "SUNO",
                "",
                _SUPPLIER,
                multiple=True,
            ),
            _t("GetBasicData", "Get supplier basic data", M3Company.get_supplier, "SUNO", "SUNO", _SUPPLIER),
            _t(
                "LstByName",
                "List suppliers by name",
                M3Company.list_suppliers_by_name,
                "SUNM",
                "SUNM",
                _SUPPLIER,
                multiple=True,
            ),
            _t(
                "AddSupplier",
                "Add supplier",
                M3Company.add_supplier,
                _SUPPLIER_INPUTS,
                "SUNO SUNM SUTY CSCD CUCD",
                "",
            ),
            _t("UpdSupplier", "Update supplier", M3Company.update_supplier, _SUPPLIER_INPUTS, "SUNO", ""),
            _t(
                "SearchSupplier",
                "Search suppliers",
                M3Company.search_suppliers,
                "SQRY",
                "SQRY",
                _SUPPLIER,
                multiple=True,
            ),
        ],
        "PPS200MI": [
            _t("GetHead", "Get purchase order head", M3Company.get_order_head, "PUNO", "PUNO", _PO_HEAD),
            _t("GetLine", "Get purchase order line", M3Company.get_order_line, "PUNO PNLI PNLS", "PUNO PNLI", _PO_LINE),
            _t(
                "LstLine",
                "List purchase order lines",
                M3Company.list_order_lines,
                "PUNO",
                "PUNO",
                _PO_LINE,
                multiple=True,
            ),
            _t(
                "SearchHead",
                "Search purchase order heads",
                M3Company.search_order_heads,
                "SQRY",
                "SQRY",
                _PO_HEAD,
                multiple=True,
            ),
            _t(
                "AddLine",
                "Add purchase order line",
                M3Company.add_order_line,
                "PUNO PNLI PNLS ITNO ORQA PUPR PUUN DWDT PITD",
                "PUNO ITNO ORQA",
                "",
            ),
            _t(
                "UpdLine",
                "Update purchase order line",
                M3Company.update_order_line,
                "PUNO PNLI PNLS ORQA PUPR DWDT",
                "PUNO PNLI",
                "",
            ),
        ],
        "PPS001MI": [
            _t(
                "ConfirmLine",
                "Confirm purchase order line",
                M3Company.confirm_order_line,
                "PUNO PNLI PNLS SUNO YRE1 SORN CODT CFQA CPPR",
                "PUNO PNLI PNLS",
                "",
            ),
            _t(
                "Receipt",
                "Goods receipt",
                M3Company.receive_order_line,
                "TRDT RESP PUNO PNLI PNLS RVQA OEND WHSL WHLO SUDO",
                "TRDT RESP PUNO PNLI PNLS RVQA",
                "",
            ),
        ],
        "PPS370MI": [
            _t("StartEntry", "Start entry", M3Company.start_order_entry, "BAOR", "BAOR", "MSGN"),
            _t(
                "AddHead",
                "Add order head",
                M3Company.add_entry_head,
                _ENTRY_HEAD,
                "MSGN FACI WHLO SUNO DWDT",
                "PUNO",
            ),
            _t("AddLine", "Add order line", M3Company.add_entry_line, _ENTRY_LINE, "MSGN ITNO ORQA", "PUNO PNLI"),
            _t("AddAccString", "Add accounting string", M3Company.add_entry_accounting, _ACCOUNTING, "MSGN", ""),
            _t("FinishEntry", "Finish entry", M3Company.finish_order_entry, "MSGN", "MSGN", ""),
            _t("DeleteEntry", "Delete entry", M3Company.delete_order_entry, "MSGN", "MSGN", ""),
        ],
        "APS450MI": [
            _t(
                "AddHead",
                "Add invoice batch head",
                M3Company.add_invoice_head,
                "DIVI IBTP SUNO SINO SPYN IVDT CUCD CUAM VTAM ACDT DUDT TEPY PYME PUNO",
                "SUNO IVDT",
                "INBN",
            ),
            _t(
                "AddLine",
                "Add invoice batch line",
                M3Company.add_invoice_line,
                "DIVI INBN RDTP NLAM VTA1 VTCD PUNO PNLI PNLS ITNO IVQA",
                "INBN RDTP",
                "",
            ),
            _t(
                "AddAddInfo",
                "Add invoice batch additional information",
                M3Company.add_invoice_info,
                "DIVI INBN PEXN PEXI PEXS",
                "INBN PEXN PEXI",
                "",
            ),
            _t(
                "Acknowledge",
                "Acknowledge invoice batch",
                M3Company.acknowledge_invoice,
                "DIVI INBN CRNO YRE1",
                "INBN",
                "",
            ),
            _t(
                "ApproveInvoice",
                "Approve invoice batch",
                M3Company.approve_invoice,
                "DIVI INBN AAPD CRNO YRE1 SINO IVDT DUDT",
                "INBN",
                "",
            ),
            _t("GetHead", "Get invoice batch head", M3Company.get_invoice_head, "DIVI INBN", "INBN", _INVOICE_HEAD),
            _t(
                "LstInvBySupInv",
                "List invoices by supplier invoice",
                M3Company.list_invoices_by_supplier_invoice,
                "DIVI SPYN SUNO SINO",
                "SUNO SINO",
                _INVOICE_HEAD,
                multiple=True,
            ),
            _t(
                "LstLines",
                "List invoice batch lines",
                M3Company.list_invoice_lines,
                "DIVI INBN",
                "INBN",
                _INVOICE_LINE,
                multiple=True,
            ),
        ],
        "APS455MI": [
            _t("ValidByBatchNo", "Validate and post invoice batch", M3Company.validate_batch, "DIVI INBN", "INBN", ""),
        ],
        "GLS200MI": [
            _t(
                "LstVoucherLines",
                "List voucher lines",
                M3Company.list_voucher_lines,
                "DIVI YEA4 VONO",
                "DIVI YEA4 VONO",
                "DIVI YEA4 VONO JSNO AIT1 ACAM ACDT SUNO SINO VTXT",
                multiple=True,
            ),
        ],
        "MRS001MI": [
            _t(
                "LstTransactions",
                "List transactions",
                _list_transactions,
                "MINM",
                "MINM",
                "MINM TRNM TRDS SIMU",
                multiple=True,
            ),
            _t(
                "LstFields",
                "List fields",
                _list_fields,
                "MINM TRNM TRTP",
                "MINM TRNM",
                "MINM TRNM TRTP FLNM FLDS LENG TYPE MAND",
                multiple=True,
            ),
        ],
    }.items()
}


def _hidden(settings: InforSettings | None) -> set[tuple[str, str]]:
    """Transactions a setting says this M3 does not have."""
    return {("CRS620MI", "LstByName")} if settings is not None and not settings.lst_by_name else set()


def lookup(program: str, transaction: str, settings: InforSettings | None = None) -> Transaction:
    found = PROGRAMS.get(program, {}).get(transaction)
    if found is None or (program, transaction) in _hidden(settings):
        raise MIError(f"Transaction {transaction} does not exist in program {program}", "", "", "TransactionNotFound")
    return found


def run(
    company: M3Company,
    transaction: Transaction,
    record: Mapping[str, str],
    settings: InforSettings,
    today: str,
    now: float = 0.0,
) -> list[Record]:
    """Check the inputs the way M3 does, then run the handler."""
    inputs = {name: str(record[name]).rstrip() for name in transaction.inputs if name in record}
    for name, value in inputs.items():
        if len(value) > FIELDS[name].length:
            raise MIError(f"Input field {name} is too long", name, "", "InputFieldTooLong")
    mandatory = (("CONO",) if settings.require_cono else ()) + transaction.mandatory
    for name in mandatory:
        if not inputs.get(name):
            raise MIError(f"Mandatory input field {name} not found", name, "", "MandatoryInputFieldNotFound")
    inputs = {name: _canonical(name, value) for name, value in inputs.items() if value}
    if inputs.get("CONO", company.cono) != company.cono:
        raise not_found("Company", inputs["CONO"], "CONO")
    return transaction.handler(company, Call(inputs, settings, today, now))


def _canonical(name: str, value: str) -> str:
    """Numbers in canonical form, dates checked as YYYYMMDD (the caller's dateformat=YMD8)."""
    kind = FIELDS[name].type
    if kind == "N":
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            raise MIError(f"Field {name}: {value} is not a valid number", name, "WNU0101")
        return number_text(number)
    if kind == "D" and not _is_date(value):
        raise MIError(f"Field {name}: {value} is not a valid date", name, "WDT0101")
    return value


def _is_date(value: str) -> bool:
    if len(value) != 8 or not value.isdigit():
        return False
    try:
        date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return False
    return True
