"""QAD business-entity records as the REST API shows them: camelCase JSON, `concurrencyHash`, `dataOperation`.

Records keep unknown fields (`extra="allow"`) because QAD clients send back the whole object a GET
returned, with many fields this simulator has no rule for. Field names the spec does not show are [I].
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError


def camel(name: str) -> str:
    """`supplier_contact_v2s` -> `supplierContactV2s` (pydantic's own to_camel would write `V2S`)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def timestamp(moment: datetime) -> str:
    """QAD's JSON date-time form: `2024-05-01T00:00:00.000Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def today(moment: datetime) -> str:
    """Midnight UTC of `moment`'s day, the default of an order or invoice date."""
    return timestamp(datetime.combine(moment.date(), datetime.min.time(), UTC))


def parse_timestamp(text: str) -> datetime:
    """A date or date-time string (naive means UTC); ValueError when it is neither."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _qad_date(text: str) -> str:
    return timestamp(parse_timestamp(text)) if text else ""


QadDate = Annotated[str, AfterValidator(_qad_date)]
"""A date field: `2026-11-02` and `2026-11-02T00:00:00Z` are both stored as `2026-11-02T00:00:00.000Z`."""


def date_part(value: str) -> str:
    """`2026-11-02T00:00:00.000Z` -> `2026-11-02` (browses show database dates)."""
    return value[:10]


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=camel, populate_by_name=True, extra="allow")

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class Record(CamelModel):
    """What every maintainable record carries; the backend stamps the hash and the time on each write."""

    concurrency_hash: str = ""
    data_operation: str = ""
    modified_date_time: str = Field(default="", description="[I] name; set from the simulator clock")

    def content_hash(self) -> str:
        """A hash of the business fields, so any change to them invalidates a client's copy."""
        fields = self.model_dump(mode="json", exclude={"concurrency_hash", "data_operation", "modified_date_time"})
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:32]


class Item(CamelModel):
    """Item master data; fieldChangeV2(itemCode) copies description and unit of measure onto a PO line."""

    item_code: str
    description: str = ""
    unit_of_measure: str = "EA"


class PurchaseOrderHeader(Record):
    purchase_order_number: str = Field(min_length=1)
    domain_code: str = Field(min_length=1)
    supplier_code: str = Field(min_length=1)
    currency_code: str = "USD"
    exchange_rate: float = 1.0
    exchange_rate2: float = 1.0
    exchange_rate_type: str = "ACCOUNTING"
    credit_terms_code: str = ""
    ship_to_site: str = ""
    bill_to_code: str = ""
    order_date: QadDate = ""
    due_date: QadDate = ""
    order_status: str = "O"
    is_confirmed: bool = False


class PurchaseOrderLine(Record):
    domain_code: str = Field(min_length=1)
    purchase_order_number: str = Field(min_length=1)
    purchase_order_line: int = Field(ge=1)
    site_code: str = ""
    item_code: str = ""
    item_description: str = ""
    quantity_ordered: float = 0.0
    quantity_received: float = 0.0
    unit_of_measure: str = ""
    purchase_cost: float = 0.0
    due_date: QadDate = ""


class Supplier(Record):
    uri: str = ""
    supplier_code: str = Field(min_length=1)
    shared_set_code: str = Field(min_length=1)
    business_relation_code: str = ""
    business_relation_name: str = Field(default="", description="[I] name")
    currency_code: str = "USD"
    credit_terms_code: str = ""
    is_active: bool = True
    business_relation_concurrency_hash: str = ""
    supplier_contact_v2s: list[dict[str, Any]] = Field(default_factory=list)
    supplier_vat_v2s: list[dict[str, Any]] = Field(default_factory=list)
    bank_number_ref_v2s: list[dict[str, Any]] = Field(default_factory=list)


class MfgSupplier(Record):
    """A supplier's settings in one domain (`IMfgSupplier`); field names beyond the keys are [I]."""

    supplier_code: str = Field(min_length=1)
    domain_code: str = Field(min_length=1)
    buyer: str = ""
    purchase_account: str = ""
    ship_via: str = ""
    is_receiver_required: bool = True


class SupplierInvoiceLine(CamelModel):
    purchase_order_number: str = ""
    purchase_order_line: int | None = None
    item_code: str = ""
    quantity: float = 0.0
    unit_cost: float = 0.0
    amount: float = 0.0


class SupplierInvoice(Record):
    """[U] no public REST shape; modelled on the other business entities."""

    supplier_invoice_reference: str = Field(min_length=1)
    supplier_code: str = Field(min_length=1)
    domain_code: str = Field(min_length=1)
    invoice_date: QadDate = ""
    due_date: QadDate = ""
    currency_code: str = "USD"
    total_amount: float = 0.0
    voucher_number: str = ""
    supplier_invoice_lines: list[SupplierInvoiceLine] = Field(default_factory=list)


class ReceiptLine(CamelModel):
    purchase_order_line: int = Field(ge=1)
    quantity: float = Field(gt=0)
    site_code: str = ""
    location_code: str = ""


class PurchaseOrderReceipt(Record):
    """[U] modelled on QXtend `receivePurchaseOrder`: one receipt, several PO lines."""

    receiver_number: str = ""
    domain_code: str = Field(min_length=1)
    purchase_order_number: str = Field(min_length=1)
    effective_date: QadDate = ""
    packing_slip: str = ""
    purchase_order_receipt_lines: list[ReceiptLine] = Field(min_length=1)


R = TypeVar("R", bound=BaseModel)


@dataclass(frozen=True)
class FieldError:
    """One entry of `submitResult.errors`."""

    message: str
    field_name: str = ""

    def wire(self) -> dict[str, str]:
        return {"message": self.message, "fieldName": self.field_name}


class BusinessError(Exception):
    """A business error: the API answers `submitResult.success == false` with these errors."""

    def __init__(self, *errors: FieldError) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = list(errors)


def parse(model: type[R], data: Any) -> R:
    """Validate client JSON into a record; validation failures become field errors, not HTTP errors."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise BusinessError(*(FieldError(e["msg"], _field_of(e["loc"])) for e in errors)) from exc


def _field_of(loc: tuple[int | str, ...]) -> str:
    names = [part for part in loc if isinstance(part, str)]
    return names[-1] if names else ""

