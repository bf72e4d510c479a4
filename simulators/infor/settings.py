"""Infor ION API / M3 simulator settings: every inferred [I] or unconfirmed [U] behaviour of spec section 6."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class GlAccounts(BaseModel):
    """The accounts a simulated AP posting uses [I]."""

    payables: str = "2410"
    expense: str = "4010"
    vat: str = "2640"


class InforSettings(BaseModel):
    """Defaults follow the spec; each field says how sure the spec is about the behaviour it controls."""

    token_lifetime: int = Field(default=7200, gt=0, description="access token seconds; 2 h documented [D]")
    issue_refresh_tokens: bool = Field(default=True, description="the app's 'Issue Refresh Tokens' option [D]")
    refresh_lifetime: int = Field(default=86400, gt=0, description="refresh token seconds [I]")
    allow_client_credentials: bool = Field(default=False, description="backend files with only ci/cs [I]")
    require_cono: bool = Field(default=True, description="CONO missing -> MandatoryInputFieldNotFound [U]")
    default_maxrecs: int = Field(default=100, ge=0, description="records returned without maxrecs [C]")
    grid_ceiling: int = Field(default=1000, gt=0, description="most records any call returns, even maxrecs=0 [C]")
    honour_query_maxrecs: bool = Field(default=False, description="query-string maxrecs counts, not only ;maxrecs [C]")
    validation_errors_as_nok: bool = Field(
        default=False, description="ValidByBatchNo answers NOK when it sets IBHE/IBLE, else OK with flags only [I]"
    )
    ignore_keys_after_transactions: bool = Field(
        default=True, description="bulk settings after the `transactions` key are not seen (streamed parse) [I]"
    )
    lst_by_name: bool = Field(
        default=True, description="CRS620MI/LstByName exists: suppliers in name order from SUNM onwards [I]"
    )
    new_supplier_status: str = Field(
        default="20", max_length=2, description="STAT of a supplier made by CRS620MI/AddSupplier [I]"
    )
    po_batch_delay: float = Field(
        default=0.0,
        ge=0,
        description="seconds (simulator clock) after PPS370MI/FinishEntry before the batch job has made the POs;"
        " 0 = they exist when FinishEntry answers [I]",
    )
    po_line_step: int = Field(default=10, gt=0, description="PNLI step when PPS370MI/AddLine gives no PNLI [I]")
    invoice_validation_requires: list[Literal["acknowledge", "approve"]] = Field(
        default_factory=list,
        description="APS455MI/ValidByBatchNo refuses a batch not yet APS450MI/Acknowledge'd or ApproveInvoice'd"
        " (invoice approval in use) [I]",
    )
    partial_list_error_after: int | None = Field(
        default=None,
        gt=0,
        description="KB 2159861: a list that would return more records ends with an error after this many [C];"
        " the answer's shape (records plus the error) is [I]",
    )
    partial_list_transactions: list[str] = Field(
        default_factory=list, description="`PROGRAM/Transaction`s the partial-list error hits; empty = every list"
    )
    v1_error_shape: Literal["nok", "error_message"] = Field(
        default="nok", description="legacy v1 failures: `@type`/`Message` (KB fixture) or `{ErrorMessage}` [C]"
    )
    bulk_terminate_on_error: bool = Field(
        default=False,
        description="a bulk call stops at its first failure; the rest come back notProcessed and the body says"
        " wasTerminated with terminationReason/terminationErrorType [I]",
    )
    grid_tenant: str | None = Field(
        default=None,
        description="serve the on-prem grid paths (/infor/M3/m3api-rest/..., /InforIntSTS/connect/token) without"
        " a tenant segment, for this tenant [C]; None = not served",
    )
    gl_accounts: GlAccounts = Field(
        default_factory=GlAccounts,
        description="accounts (AIT1) of the voucher lines a posted supplier invoice writes; M3 derives them"
        " from its accounting rules (FAM event AP50) [I]",
    )
    confirmed_line_status: str = Field(
        default="35", max_length=2, description="PO line status after PPS001MI/ConfirmLine [I]"
    )
    received_line_status: str = Field(
        default="50", max_length=2, description="PO line status once PPS001MI/Receipt received it in full [I]"
    )
    allow_over_receipt: bool = Field(
        default=False, description="PPS001MI/Receipt may take more than the open quantity (a tolerance) [I]"
    )
    forbidden_programs: list[str] = Field(
        default_factory=list,
        description="MI programs the service account's role may not run: the gateway answers 403 (scope or role);"
        " the body shape is [I]",
    )
