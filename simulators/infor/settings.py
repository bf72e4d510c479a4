"""Infor ION API / M3 simulator settings: every inferred [I] or unconfirmed [U] behaviour of spec section 6."""

from __future__ import annotations

from pydantic import BaseModel, Field


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
