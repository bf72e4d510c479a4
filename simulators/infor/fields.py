"""The M3 field dictionary the simulated MI programs use: name, type (A alpha, N numeric, D date YMD8), length.

Lengths follow M3's usual definitions where known; several are inferred [I]. Values travel as strings
and are right-padded to these lengths unless the caller asks for `righttrim=true`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Field:
    name: str
    type: Literal["A", "N", "D"]
    length: int
    description: str


def _fields(*rows: tuple[str, Literal["A", "N", "D"], int, str]) -> dict[str, Field]:
    return {name: Field(name, kind, length, text) for name, kind, length, text in rows}


FIELDS = _fields(
    ("CONO", "N", 3, "Company"),
    ("DIVI", "A", 3, "Division"),
    ("SUNO", "A", 10, "Supplier"),
    ("SUNM", "A", 36, "Supplier name"),
    ("STAT", "A", 2, "Status"),
    ("CSCD", "A", 3, "Country"),
    ("CUCD", "A", 3, "Currency"),
    ("PHNO", "A", 16, "Telephone number"),
    ("SUTY", "N", 1, "Supplier type"),
    ("ALSU", "A", 10, "Search key"),
    ("LNCD", "A", 2, "Language"),
    ("VRNO", "A", 16, "VAT registration number"),
    ("SQRY", "A", 1024, "Search query"),
    ("PUNO", "A", 10, "Purchase order number"),
    ("PUDT", "D", 8, "Order date"),
    ("DWDT", "D", 8, "Requested delivery date"),
    ("FACI", "A", 3, "Facility"),
    ("WHLO", "A", 3, "Warehouse"),
    ("ORTY", "A", 3, "Order type"),
    ("PUSL", "A", 2, "Lowest status"),
    ("PUSH", "A", 2, "Highest status"),
    ("LMDT", "D", 8, "Change date"),
    ("PNLI", "N", 5, "Purchase order line"),
    ("PNLS", "N", 3, "Purchase order line subnumber"),
    ("ITNO", "A", 15, "Item number"),
    ("PITD", "A", 30, "Purchase order item name"),
    ("ORQA", "N", 15, "Ordered quantity"),
    ("PUPR", "N", 17, "Purchase price"),
    ("PUUN", "A", 3, "Purchase unit of measure"),
    ("CODT", "D", 8, "Confirmed delivery date"),
    ("CFQA", "N", 15, "Confirmed quantity"),
    ("CPPR", "N", 17, "Confirmed purchase price"),
    ("SORN", "A", 20, "Supplier order number"),
    ("TRDT", "D", 8, "Transaction date"),
    ("RESP", "A", 10, "Responsible"),
    ("RVQA", "N", 15, "Received quantity"),
    ("OEND", "N", 1, "Flagged as complete"),
    ("WHSL", "A", 10, "Location"),
    ("SUDO", "A", 20, "Delivery note number"),
    ("MSGN", "A", 15, "Message number"),
    ("BAOR", "A", 10, "Batch origin"),
    ("HREF", "A", 10, "Purchase order head reference"),
    ("LREF", "A", 10, "Purchase order line reference"),
    ("AIT1", "A", 8, "Accounting dimension 1"),
    ("AIT2", "A", 8, "Accounting dimension 2"),
    ("AIT3", "A", 8, "Accounting dimension 3"),
    ("AIT4", "A", 8, "Accounting dimension 4"),
    ("AIT5", "A", 8, "Accounting dimension 5"),
    ("AIT6", "A", 8, "Accounting dimension 6"),
    ("AIT7", "A", 8, "Accounting dimension 7"),
    ("INBN", "N", 10, "Invoice batch number"),
    ("IBTP", "A", 2, "Invoice batch type"),
    ("SINO", "A", 24, "Supplier invoice number"),
    ("SPYN", "A", 10, "Payee"),
    ("IVDT", "D", 8, "Invoice date"),
    ("CUAM", "N", 17, "Foreign currency amount"),
    ("VTAM", "N", 17, "VAT amount"),
    ("ACDT", "D", 8, "Accounting date"),
    ("DUDT", "D", 8, "Due date"),
    ("TEPY", "A", 3, "Payment terms"),
    ("PYME", "A", 3, "Payment method"),
    ("IBHE", "N", 1, "Error in invoice head"),
    ("IBLE", "N", 1, "Error in invoice lines"),
    ("VONO", "N", 8, "Voucher number"),
    ("YEA4", "N", 4, "Year"),
    ("SUAC", "N", 1, "Supplier acceptance"),
    ("JSNO", "N", 7, "Journal sequence number"),
    ("ACAM", "N", 17, "Accounted amount"),
    ("VTXT", "A", 40, "Voucher text"),
    ("AAPD", "D", 8, "Approval date"),
    ("CRNO", "A", 15, "Credit number"),
    ("YRE1", "A", 10, "Your reference"),
    ("PEXN", "N", 3, "AP information category"),
    ("PEXI", "A", 40, "AP additional information"),
    ("PEXS", "N", 3, "AP information sequence number"),
    ("LINO", "N", 5, "Line number"),
    ("RDTP", "N", 1, "Line type"),
    ("NLAM", "N", 17, "Net line amount"),
    ("VTA1", "N", 17, "VAT amount 1"),
    ("VTCD", "N", 2, "VAT code"),
    ("IVQA", "N", 15, "Invoiced quantity"),
    ("MINM", "A", 10, "MI program"),
    ("TRNM", "A", 16, "Transaction"),
    ("TRDS", "A", 60, "Transaction description"),
    ("SIMU", "A", 1, "Single or multiple records"),
    ("TRTP", "A", 1, "Input or output"),
    ("FLNM", "A", 6, "Field name"),
    ("FLDS", "A", 60, "Field description"),
    ("LENG", "N", 4, "Length"),
    ("TYPE", "A", 1, "Field type"),
    ("MAND", "N", 1, "Mandatory"),
)
