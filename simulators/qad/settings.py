"""Switches for the QAD behaviours the spec marks inferred [I] or unconfirmed [U], and for its known quirks."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class QadSettings(BaseModel):
    """Defaults follow `specs/external-apis.md` section 2; tests flip them through `/_sim/settings`."""

    model_config = ConfigDict(extra="forbid")

    token_lifetime: float = Field(default=3600.0, gt=0, description="[I] access-token lifetime, seconds")
    refresh_lifetime: float = Field(default=86400.0, gt=0, description="[I] refresh-token lifetime, seconds")
    accept_form_body_credentials: bool = Field(
        default=False, description="[I] also read token parameters from a form body (the spec says query string only)"
    )
    basic_auth_on_browses: bool = Field(default=True, description="[C] HTTP Basic works on /api/qracore/browses")
    business_error_status: int = Field(
        default=200, ge=200, le=599, description="[C] HTTP status of a success:false answer (usually 200)"
    )
    reject_stale_hash: bool = Field(default=True, description="[I] an update with a stale concurrencyHash fails")
    reject_duplicate_invoice: bool = Field(
        default=True, description="[U] a second supplier invoice with the same reference for a supplier fails"
    )
    allow_over_receipt: bool = Field(default=False, description="[I] receipts may exceed the open quantity")
    receipt_reports_gl_error: bool = Field(
        default=False,
        description="[C] the QXtend quirk: a receipt posts its quantity yet reports an error (GL sub-failure);"
        " REST answers success:false, QXtend result=error",
    )
    po_browse_id: str = Field(default="urn:browse:mfg:po001", description="[I] browse over po_mstr")
    po_line_browse_id: str = Field(default="urn:browse:mfg:pod001", description="[I] browse over pod_det")
    supplier_browse_id: str = Field(default="urn:browse:mfg:vd001", description="[I] browse over vd_mstr")
    qxtend_instances: list[str] = Field(
        default=["qxi", "qxilive", "qxitdw", "qxiqonddb"],
        description="[C] QXtend instance path segments served at /{tenant}/{instance}/services/QdocWebService",
    )
    qxtend_strict_headers: bool = Field(
        default=True, description="[I] QXtend refuses a body that is not text/xml (415) or lacks SOAPAction (fault)"
    )
    qxtend_scope_transaction: bool = Field(
        default=False, description="[I] scopeTransaction when the session context leaves it out"
    )
    qxtend_invoice_operation: str = Field(
        default="maintainSupplierInvoice", description="[U] the QXtend supplier-invoice operation (a stub)"
    )
    qxtend_response_detail: bool = Field(
        default=True,
        description="[I] without qcom:suppressResponseDetail in wsa:ReferenceParameters the answer carries the"
        " processed dataset (true there suppresses it, false asks for it)",
    )
    qad_central: bool = Field(
        default=True,
        description="[C] the on-prem EE context root: the same API also under /{tenant}/qad-central"
        " (https://host:port/qad-central), where the legacy session logins live",
    )
    session_login: bool = Field(
        default=True,
        description="[C] POST {base}/qad-central/api/login {username,password} -> {sessionId}, sent back as"
        " Cookie: JSESSIONID; also the older form login j_spring_security_check",
    )
    session_login_on_cloud: bool = Field(
        default=False, description="[I] the session logins also exist under /clouderp (only /qad-central is seen)"
    )
    session_idle_timeout: float = Field(
        default=1800.0, gt=0, description="[I] seconds a JSESSIONID lives without being used (Tomcat's 30 min)"
    )
    workspace_header_check: bool = Field(
        default=True,
        description="[I] an x-qad-workspace-id header, when sent, must be {domain}_{entity} naming this tenant's"
        " domain (and one of its entities, when the scenario lists them); else 400",
    )
