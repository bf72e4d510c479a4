"""Cross-reference tables per customer: partner ↔ ERP party, partner item ↔ ERP item, units, GL accounts.

The tables are CSV files in ``mappings/<customer>/`` (read with pandas, every value as text):

==================  =================================================  ============================================
file                columns                                            used for
==================  =================================================  ============================================
``partners.csv``    partner, role (supplier|customer), erp_id          the ERP's vendor/supplier or customer id
``items.csv``       partner, partner_item, erp_item                    the partner's item id (VP, UP, ...) → ours
``units.csv``       x12_unit, erp_unit                                 X12 unit codes the ERP spells otherwise
``gl_accounts.csv`` partner, account, class                            QuickBooks: expense account and class
``cost_centres.csv`` partner, account, cost_centre                     Infor, IFS: accounting of invoice lines
==================  =================================================  ============================================

Only ``partners.csv`` is required; a missing optional table maps nothing (units pass through unchanged).

A mapping function resolves every key of a document inside one :meth:`CrossReference.resolving` block; a key
that does not map is recorded, not raised, and the block ends with one :class:`MappingError` naming every
missing key, so a person fixes the table once instead of replaying the document once per key.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from edi_assets.connectors.errors import MappingError
from edi_assets.documents import ItemId

Role = Literal["supplier", "customer"]
DEFAULT_FOLDER = Path("mappings")

#: Item-id qualifiers that carry the buyer's own item number: the ERP item as is when our customer buys.
BUYER_QUALIFIERS = ("BP", "IN", "PI", "BY")
#: ... and the seller's own number: the ERP item as is when our customer sells (an 850 a partner sends us).
SELLER_QUALIFIERS = ("VP", "VN", "SK", "MG")

_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # file: (required columns, key columns)
    "partners.csv": (("partner", "role", "erp_id"), ("partner", "role")),
    "items.csv": (("partner", "partner_item", "erp_item"), ("partner", "partner_item")),
    "units.csv": (("x12_unit", "erp_unit"), ("x12_unit",)),
    "gl_accounts.csv": (("partner", "account", "class"), ("partner",)),
    "cost_centres.csv": (("partner", "account", "cost_centre"), ("partner",)),
}


class CrossReferenceError(ValueError):
    """A table cannot be used; ``problems`` names the file, row and column of each."""

    def __init__(self, customer: str, problems: list[str]) -> None:
        self.customer = customer
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"cross-reference tables of {customer}: {len(problems)} problem(s)\n{listing}")


@dataclass(frozen=True)
class GlAccount:
    account: str
    class_name: str | None


@dataclass(frozen=True)
class CostCentre:
    account: str
    cost_centre: str


@dataclass
class CrossReference:
    """One customer's tables, as plain dicts once loaded (lookups happen per line, per document)."""

    customer: str
    parties: dict[tuple[str, str], str] = field(default_factory=dict)  # (partner, role) → erp id
    items: dict[tuple[str, str], str] = field(default_factory=dict)  # (partner, partner item) → erp item
    units: dict[str, str] = field(default_factory=dict)  # x12 unit → erp unit
    gl_accounts: dict[str, GlAccount] = field(default_factory=dict)
    cost_centres: dict[str, CostCentre] = field(default_factory=dict)

    # -- loading ------------------------------------------------------------------------------------------

    @classmethod
    def load(cls, customer: str, folder: str | os.PathLike[str] | None = None,
             partners: Iterable[str] | None = None) -> CrossReference:
        """Read ``<folder>/<customer>/*.csv`` (folder: ``$EDI_MAPPINGS_DIR`` or ``mappings``); ``partners``, when
        given, are the customer's partner ids: a row for any other partner is reported as a problem."""
        base = Path(folder or os.environ.get("EDI_MAPPINGS_DIR") or DEFAULT_FOLDER) / customer
        known = set(partners) if partners is not None else None
        problems: list[str] = []
        frames: dict[str, pd.DataFrame] = {}
        for name, (required, key) in _TABLES.items():
            path = base / name
            if not path.exists():
                if name == "partners.csv":
                    problems.append(f"{path}: missing (every customer needs its partner ↔ ERP id table)")
                continue
            frame = _read(path, required, key, known, problems)
            if frame is not None:
                frames[name] = frame
        if problems:
            raise CrossReferenceError(customer, problems)
        xref = cls(customer=customer)
        for row in _rows(frames.get("partners.csv")):
            xref.parties[(row["partner"], row["role"])] = row["erp_id"]
        for row in _rows(frames.get("items.csv")):
            xref.items[(row["partner"], row["partner_item"])] = row["erp_item"]
        for row in _rows(frames.get("units.csv")):
            xref.units[row["x12_unit"]] = row["erp_unit"]
        for row in _rows(frames.get("gl_accounts.csv")):
            xref.gl_accounts[row["partner"]] = GlAccount(row["account"], row["class"] or None)
        for row in _rows(frames.get("cost_centres.csv")):
            xref.cost_centres[row["partner"]] = CostCentre(row["account"], row["cost_centre"])
        return xref

    # -- reverse lookups (outbound) -----------------------------------------------------------------------

    def partner_for(self, erp_id: str, role: Role) -> str | None:
        """The partner an ERP vendor/customer id belongs to (outbound: whom to send the 850 or 810)."""
        return next((p for (p, r), e in self.parties.items() if r == role and e == erp_id), None)

    def partner_item(self, partner: str, erp_item: str) -> str | None:
        """The partner's own id for one of our items, when the table has one (sent as VP beside our BP)."""
        return next((pi for (p, pi), e in self.items.items() if p == partner and e == erp_item), None)

    def x12_unit(self, erp_unit: str) -> str:
        """The X12 unit code for an ERP unit (the reverse of ``units.csv``; unchanged when not listed)."""
        return next((x for x, e in self.units.items() if e == erp_unit), erp_unit)

    # -- resolving one document (inbound) -----------------------------------------------------------------

    @contextmanager
    def resolving(self, *, system: str, partner: str, document: str | None = None) -> Iterator[Resolution]:
        """A :class:`Resolution` for one document; leaving the block raises :class:`MappingError` naming every
        key that did not map (unless the block raised something else first)."""
        resolution = Resolution(self, partner)
        yield resolution
        if resolution.missing:
            raise MappingError(resolution.missing, system=system, document=document, partner=partner)


class Resolution:
    """Lookups for one document of one partner; misses are collected in ``missing``, in order, once each."""

    def __init__(self, xref: CrossReference, partner: str) -> None:
        self.xref = xref
        self.partner = partner
        self.missing: list[str] = []

    def _miss(self, what: str) -> str:
        if what not in self.missing:
            self.missing.append(what)
        return ""

    def party(self, role: Role) -> str:
        """The ERP id of this partner as a supplier (we buy from it) or customer (it buys from us)."""
        found = self.xref.parties.get((self.partner, role))
        if found is None:
            return self._miss(f"{role} id for partner {self.partner} (partners.csv)")
        return found

    def item(self, item_ids: Iterable[ItemId], *, line: str | None = None,
             own: Sequence[str] = BUYER_QUALIFIERS) -> str:
        """The ERP item of a line: the partner's ids through ``items.csv`` first, then our own number as is,
        by the qualifiers ``own`` names in order — the buyer's (BP, IN, ...) when our customer buys, the
        seller's (:data:`SELLER_QUALIFIERS`) when it sells; neither is a miss naming every id the line carried."""
        ids = list(item_ids)
        for item in ids:
            found = self.xref.items.get((self.partner, item.value))
            if found is not None:
                return found
        for qualifier in own:
            value = next((i.value for i in ids if i.qualifier == qualifier), None)
            if value:
                return value
        where = f"line {line}" if line else "a line"
        carried = ", ".join(f"{i.qualifier} {i.value}" for i in ids) or "no item id"
        return self._miss(f"item of {where} ({carried}) for partner {self.partner} (items.csv)")

    def unit(self, x12_unit: str) -> str:
        """The ERP's unit code for an X12 one (unchanged when ``units.csv`` does not list it)."""
        return self.xref.units.get(x12_unit, x12_unit)

    def gl_account(self) -> GlAccount:
        found = self.xref.gl_accounts.get(self.partner)
        if found is None:
            self._miss(f"GL account and class for partner {self.partner} (gl_accounts.csv)")
            return GlAccount("", None)
        return found

    def cost_centre(self) -> CostCentre:
        found = self.xref.cost_centres.get(self.partner)
        if found is None:
            self._miss(f"account and cost centre for partner {self.partner} (cost_centres.csv)")
            return CostCentre("", "")
        return found


def _read(path: Path, required: tuple[str, ...], key: tuple[str, ...], known: set[str] | None,
          problems: list[str]) -> pd.DataFrame | None:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True, comment="#")
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        problems.append(f"{path}: cannot be read ({exc})")
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    absent = [c for c in required if c not in frame.columns]
    if absent:
        problems.append(f"{path}: missing column(s) {', '.join(absent)} (has {', '.join(frame.columns)})")
        return None
    frame = frame.apply(lambda column: column.str.strip())
    optional_blank = {"class"}  # a QuickBooks supplier may have no class
    for index, row in frame.iterrows():
        line = int(str(index)) + 2  # header is line 1
        for column in required:
            if not row[column] and column not in optional_blank:
                problems.append(f"{path} line {line}: {column} is empty")
        if "role" in frame.columns and row["role"] not in ("supplier", "customer"):
            problems.append(f"{path} line {line}: role must be supplier or customer, not {row['role']!r}")
        if known is not None and "partner" in frame.columns and row["partner"] and row["partner"] not in known:
            problems.append(f"{path} line {line}: partner {row['partner']!r} is not a partner of this customer")
    duplicated = frame[frame.duplicated(subset=list(key), keep=False)]
    for values, group in duplicated.groupby(list(key)):
        lines = ", ".join(str(int(str(i)) + 2) for i in group.index)
        shown = "/".join(values) if isinstance(values, tuple) else str(values)
        problems.append(f"{path}: {'/'.join(key)} {shown} is listed more than once (lines {lines})")
    result: pd.DataFrame = frame
    return result


def _rows(frame: pd.DataFrame | None) -> Iterator[dict[str, str]]:
    if frame is None:
        return iter(())
    return ({str(k): str(v) for k, v in row.items()} for row in frame.to_dict(orient="records"))
