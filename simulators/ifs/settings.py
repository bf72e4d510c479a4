"""IFS Cloud simulator settings: every inferred [I] or unconfirmed [U] behaviour of spec section 5 is a switch here."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class IfsSettings(BaseModel):
    """Defaults follow the spec; each field says how sure the spec is about the behaviour it controls."""

    namespace: str = Field(default="ifs", description="Keycloak realm in the token URL [D]")
    token_lifetime: int = Field(default=180, gt=0, description="access token seconds; IFS's sample says 180 [D]")
    refresh_lifetime: int = Field(default=1800, gt=0, description="refresh token seconds; sample 1800 [D]")
    accept_id_token: bool = Field(default=False, description="accept the id_token as a bearer too [C/I]")
    allow_basic_auth: bool = Field(default=True, description="HTTP Basic for scenario users works [D]")
    forbidden_status: int = Field(default=403, description="status for a client without the projection grant [I]")
    missing_if_match_status: Literal[428, 400] = Field(default=428, description="PATCH/DELETE without If-Match [U]")
    patch_returns_entity: bool = Field(default=True, description="PATCH answers 200 + entity, else 204 [I]")
    expand_supported: bool = Field(
        default=False, description="$expand of a navigation; off answers ODP_NOT_IMPLEMENTED as 25R1 does [C]"
    )
    expand_status: int = Field(default=501, description="status of the ODP_NOT_IMPLEMENTED answer [I]")
    count_supported: bool = Field(default=False, description="$count=true adds @odata.count; off ignores it [C]")
    page_size: int = Field(default=1000, gt=0, description="server-driven paging: @odata.nextLink beyond this [I]")
    invoice_projection: str = Field(default="ManualSupplierInvoiceHandling", description="projection name [U]")
    invoice_entity_set: str = Field(default="ManSuppInvoiceSet", description="manual supplier invoice set [I]")
    posting_proposal_navigation: str = Field(default="PostingProposalArray", description="navigation name [I]")
