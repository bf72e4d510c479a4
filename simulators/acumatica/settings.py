"""Switches for the Acumatica behaviours the spec marks inferred [I], unconfirmed [U] or third-party quirks."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AcumaticaSettings(BaseModel):
    """Defaults follow `specs/external-apis.md` section 3; tests flip them through `/_sim/settings`."""

    model_config = ConfigDict(extra="forbid")

    endpoint: str = Field(default="Default", description="[C] the one published endpoint; others answer 404")
    version: str = Field(default="24.200.001", description="[C] its version; others answer 404 [U/I]")
    token_lifetime: float = Field(default=3600.0, gt=0, description="[I] OAuth access-token lifetime, seconds")
    refresh_lifetime: float = Field(default=86400.0, gt=0, description="[I] refresh-token lifetime, seconds")
    session_idle_timeout: float = Field(default=1200.0, gt=0, description="[D-ish] cookie session idle expiry")
    api_login_limit: int = Field(default=2, ge=1, description="[C] concurrent cookie sessions the licence allows")
    login_limit_status: int = Field(default=500, description="[I] status of the 'API Login Limit' refusal")
    login_failure_status: int = Field(default=500, description="[I] status of a refused login (bad credentials)")
    requests_per_minute: int = Field(default=100, ge=1, description="[D-ish] licence budget; over it: 429 [I]")
    validation_status: int = Field(default=422, description="[I] status of a PUT refused with field errors")
    manual_numbering: bool = Field(
        default=False, description="[I] keep a new document's given number instead of the next auto number"
    )
    ignore_unknown_fields: bool = Field(default=True, description="[I] unknown field names are dropped silently")
    expand_details_on_list: bool = Field(
        default=True, description="[third-party] off: list queries ignore $expand, as some instances do"
    )
    reject_duplicate_vendor_ref: bool = Field(
        default=True, description="[I] AP preference: a second bill with a vendor's VendorRef is refused"
    )
    custom_fields: dict[str, dict[str, dict[str, str]]] = Field(
        default_factory=dict,
        description="[third-party] custom fields `$adHocSchema` lists: entity -> view -> field -> type "
        "(e.g. CustomStringField)",
    )
    closed_periods: list[str] = Field(
        default_factory=list, description="financial periods (MMYYYY) a document may not post to"
    )
