"""The `partners:` scenario section: network settings, each customer's interchange id, and the partners."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Delays(_Strict):
    """Seconds of the simulator clock from the 850's upload to each answer."""

    ack997: float = Field(default=5.0, ge=0)
    ack855: float = Field(default=60.0, ge=0)
    ship856: float = Field(default=300.0, ge=0)
    invoice810: float = Field(default=600.0, ge=0)


class Terms(_Strict):
    """The partner's payment terms, sent in the 810's ITD segment."""

    discount_percent: Decimal = Field(default=Decimal(0), ge=0)
    discount_days: int = Field(default=0, ge=0)
    net_days: int = Field(default=30, ge=0)


class CatalogItem(_Strict):
    """An item the partner trades in, for documents it sends on demand without a received order behind them."""

    item: str = Field(min_length=1, description="the customer's item id")
    partner_item: str | None = Field(default=None, description="the partner's own part number")
    description: str = ""
    unit: str = "EA"
    price: Decimal = Field(ge=0)
    quantity: Decimal = Field(default=Decimal(10), gt=0)


class Behaviour(_Strict):
    """How a partner misbehaves or answers; settable per partner at run time (`POST /_sim/partners/{id}/behaviour`)."""

    broken: Literal["se_count", "envelope"] | None = Field(
        default=None, description="se_count: SE01 off by one; envelope: IEA02 differs from ISA13"
    )
    duplicate: bool = Field(default=False, description="every file is delivered twice, the copy under a new name")
    extra_delay: float = Field(default=0.0, ge=0, description="seconds added to every answer's delay")
    reject_lines: list[str] = Field(default_factory=list, description="PO line numbers the 855 rejects")
    quantities: dict[str, Decimal] = Field(default_factory=dict, description="PO line number -> confirmed quantity")
    prices: dict[str, Decimal] = Field(default_factory=dict, description="PO line number -> confirmed unit price")


class PartnerConfig(_Strict):
    id: str = Field(min_length=1)
    customer: str = Field(min_length=1)
    name: str = ""
    isa_qualifier: str = Field(min_length=2, max_length=2)
    isa_id: str = Field(min_length=1, max_length=15)
    version: Literal["004010", "005010"] = "004010"
    gs1_prefix: str = Field(default="0614141", pattern=r"^\d{7,10}$", description="GS1 company prefix for SSCCs")
    delays: Delays = Field(default_factory=Delays)
    terms: Terms = Field(default_factory=Terms)
    catalog: list[CatalogItem] = Field(default_factory=list)
    behaviour: Behaviour = Field(default_factory=Behaviour)


class CustomerIds(_Strict):
    """The interchange id a customer uses with its partners: the receiver of what partners send on their own."""

    id: str = Field(min_length=1)
    isa_qualifier: str = Field(default="ZZ", min_length=2, max_length=2)
    isa_id: str = Field(min_length=1, max_length=15)


class NetworkSettings(_Strict):
    tick_interval: float = Field(default=1.0, gt=0, description="real seconds between background ticks")
    check_receiver: bool = Field(
        default=True, description="[I] an interchange addressed to another ISA id is refused with TA1 note 008"
    )
    answer_repeated_orders: bool = Field(
        default=False, description="[I] a PO number received again is confirmed, shipped and invoiced again"
    )
    usage_indicator: Literal["P", "T"] = "P"
    delay_scale: float = Field(
        default=1.0, ge=0, description="every answer delay is multiplied by this (a demo runs them in seconds)"
    )


class NetworkConfig(_Strict):
    settings: NetworkSettings = Field(default_factory=NetworkSettings)
    customers: list[CustomerIds] = Field(default_factory=list)
    network: list[PartnerConfig] = Field(default_factory=list)
