"""QAD browses (`GET /api/qracore/browses`): read-only queries whose rows are keyed `table.field`.

Filters are `table.field,op,value[,literal]`; several `filter` parameters must all hold. Character
comparisons ignore case, as Progress does. The browse ids themselves are [I] (settings).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulators.qad.records import date_part
from simulators.qad.settings import QadSettings
from simulators.qad.tenant import QadTenant

Value = str | int | float | bool
Row = dict[str, Value]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
    "begins": lambda have, want: str(have).startswith(str(want)),
    "contains": lambda have, want: str(want) in str(have),
}


class BrowseError(ValueError):
    """A browse request QAD cannot run: unknown browse, field or operator."""

    def __init__(self, message: str, field_name: str = "filter") -> None:
        super().__init__(message)
        self.field_name = field_name


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: str

    @classmethod
    def parse(cls, text: str) -> Condition:
        parts = text.split(",")
        if parts[-1] == "literal":
            parts.pop()
        if len(parts) < 3 or parts[1] not in _OPS:
            raise BrowseError(f"Invalid filter '{text}': expected table.field,op,value with op one of {sorted(_OPS)}")
        return cls(parts[0], parts[1], ",".join(parts[2:]))

    def holds(self, row: Row) -> bool:
        if self.field not in row:
            raise BrowseError(f"Unknown field {self.field} in filter")
        have = row[self.field]
        if isinstance(have, bool):
            return _OPS[self.op](have, self.value.lower() in ("true", "yes"))
        if isinstance(have, int | float):
            try:
                return _OPS[self.op](have, float(self.value))
            except ValueError:
                raise BrowseError(f"Field {self.field} is numeric; '{self.value}' is not a number") from None
        return _OPS[self.op](have.casefold(), self.value.casefold())


def run_browse(
    tenant: QadTenant, settings: QadSettings, browse_id: str, filters: list[str], page: int, page_size: int
) -> list[Row]:
    """One page of the browse's rows that satisfy every filter."""
    sources: dict[str, Callable[[QadTenant], list[Row]]] = {
        settings.po_browse_id: _purchase_orders,
        settings.po_line_browse_id: _purchase_order_lines,
        settings.supplier_browse_id: _suppliers,
    }
    source = sources.get(browse_id)
    if source is None:
        raise BrowseError(f"Browse {browse_id} does not exist", "browseId")
    conditions = [Condition.parse(f) for f in filters]
    rows = [row for row in source(tenant) if all(c.holds(row) for c in conditions)]
    start = (page - 1) * page_size
    return rows[start : start + page_size]


def _purchase_orders(tenant: QadTenant) -> list[Row]:
    return [
        {
            "po_mstr.po_domain": h.domain_code,
            "po_mstr.po_nbr": h.purchase_order_number,
            "po_mstr.po_vend": h.supplier_code,
            "po_mstr.po_ship": h.ship_to_site,
            "po_mstr.po_ord_date": date_part(h.order_date),
            "po_mstr.po_due_date": date_part(h.due_date),
            "po_mstr.po_curr": h.currency_code,
            "po_mstr.po_stat": h.order_status,
            "po_mstr.po_is_confirmed": h.is_confirmed,
            "po_mstr.po_mod_date": h.modified_date_time,
        }
        for h in tenant.orders.values()
    ]


def _purchase_order_lines(tenant: QadTenant) -> list[Row]:
    return [
        {
            "pod_det.pod_nbr": ln.purchase_order_number,
            "pod_det.pod_line": ln.purchase_order_line,
            "pod_det.pod_site": ln.site_code,
            "pod_det.pod_part": ln.item_code,
            "pod_det.pod_qty_ord": ln.quantity_ordered,
            "pod_det.pod_qty_rcvd": ln.quantity_received,
            "pod_det.pod_um": ln.unit_of_measure,
            "pod_det.pod_pur_cost": ln.purchase_cost,
            "pod_det.pod_due_date": date_part(ln.due_date),
        }
        for ln in tenant.lines.values()
    ]


def _suppliers(tenant: QadTenant) -> list[Row]:
    return [
        {
            "vd_mstr.vd_addr": s.supplier_code,
            "vd_mstr.vd_sort": s.business_relation_name,
            "vd_mstr.vd_curr": s.currency_code,
            "vd_mstr.vd_active": s.is_active,
        }
        for s in tenant.suppliers.values()
    ]
