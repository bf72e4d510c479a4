"""Switches of the simulated QuickBooks Desktop and Web Connector.

Each behaviour that spec section 4 tags [I] (inferred) or [U] (unconfirmed) has a switch here, so a
test can flip it to the other plausible reading; the defaults follow the most likely one.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field


class QbXmlFault(BaseModel):
    """Fault hook: the next `times` requests of one type answer an Error status without running."""

    request: str = Field(description="the request type it hits, e.g. BillAddRq")
    status_code: int = Field(3200, description="3200 (stale EditSequence) by default")
    times: int = Field(1, ge=0, description="how many more requests it hits (counts down)")


class QuickBooksSettings(BaseModel):
    """Settings of one simulated QuickBooks and its Web Connector (`/_sim/settings` changes them live)."""

    open: bool = Field(True, description="QuickBooks is running; off = closed, sessions end in connectionError")
    poll_interval_seconds: float = Field(60.0, gt=0, description="the scheduler runs a session this often")
    time_budget_seconds: float = Field(60.0, gt=0, description="[U] per-call deadline for the product's answer")
    on_timeout: Literal["abort", "connection_error"] = Field(
        "abort", description="[U] past the deadline: just end the session, or report connectionError first"
    )
    client_version: str = Field("2.3.0.36", description="sent in clientVersion")
    continue_after_version_warning: bool = Field(
        True, description='[I] a "W:" clientVersion answer: the user clicks on (True) or cancels (False)'
    )
    noop_retries: int = Field(1, ge=0, description='[I] how often getLastError "NoOp" makes QBWC ask again')
    max_requests_per_session: int = Field(500, ge=1, description="simulator guard against an endless session")
    qbxml_version: str = Field("13.0", pattern=r"^\d+\.\d+$", description="highest qbXML version accepted")
    country: str = Field("US", description="qbXMLCountry sent in sendRequestXML")
    enforce_element_order: bool = Field(True, description="[C/I] schema order inside each aggregate")
    name_max_length: int = Field(41, ge=1, description="[C/I] list names longer than this answer 3070")
    ref_number_max_length: int = Field(20, ge=1, description="[I] RefNumbers longer than this answer 3070")
    missing_name_status: Literal[1, 500] = Field(
        500, description="[C] a query naming a FullName that does not exist: 500 (Warn) or 1 (Info)"
    )
    closing_date: date | None = Field(None, description="[I] transactions dated on or before it fail with 3180")
    link_to_txn_id: Literal["copy_open_lines", "match_item_lines"] = Field(
        "copy_open_lines",
        description="[I] a header LinkToTxnID copies the PO's open lines, or only links item lines of the same items",
    )
    require_https: bool = Field(True, description="[I] an installed .qwc AppURL must be https unless on localhost")
    qbxml_faults: list[QbXmlFault] = Field(default_factory=list, description="fault hook: Error statuses by request")
