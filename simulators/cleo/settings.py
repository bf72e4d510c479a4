"""Cleo's switchable behaviours: every [I] (inferred) or [U] (unconfirmed) one in the spec is a setting here."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CleoSettings(BaseModel):
    """Defaults follow `specs/external-apis.md` section 1; the tag says how sure the spec is."""

    model_config = ConfigDict(extra="forbid")

    token_lifetime: float = Field(default=3600.0, gt=0, description="[U] seconds an access token lives")
    refresh_lifetime: float = Field(default=86400.0, gt=0, description="[I] seconds a refresh token lives")
    issue_refresh_tokens: bool = Field(default=True, description="[U/I] the refresh grant exists")
    totp_param: str = Field(default="totp", min_length=1, description="[U] form field carrying the 2FA code")
    totp_window: int = Field(default=1, ge=0, description="[I] 30 s steps of clock drift accepted either side")
    totp_replay_protection: bool = Field(default=True, description="[I] a code already used is refused")
    rate_per_second: float = Field(default=5.0, gt=0, description="[U] token bucket per (path, access token)")
    max_page_size: int = Field(default=100, ge=1, description="[I] largest `count` a collection honours")
    duplicate_names: Literal["new_file", "conflict"] = Field(
        default="new_file",
        description="[U] a second upload under the same name: a second file (product description) or 409 (spec [I])",
    )
    file_moves: bool = Field(default=True, description="[I] `PUT /api/files/{id}` moves a file to another folder")
