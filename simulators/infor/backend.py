"""Infor CloudSuite state: tenants with their `.ionapi` credentials, the SSO tokens, one M3 company per tenant.

The authorization server (`pu`, ending `/{ti}/as/`) and the ION API gateway (`iu`) are both this
simulator; the `.ionapi` file it hands out points at the base URL it was fetched from.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulators.core.clock import Clock
from simulators.core.secrets import same_secret
from simulators.core.tokens import Grant, TokenStore
from simulators.infor import programs
from simulators.infor.company import M3Company, MIError
from simulators.infor.render import Options, Outcome
from simulators.infor.settings import InforSettings

TOKEN_PATH, REVOKE_PATH, AUTHORIZE_PATH = "token.oauth2", "revoke_token.oauth2", "authorization.oauth2"
INVALID_CLIENT = (401, {"error": "invalid_client", "error_description": "Invalid client or client credentials"})


@dataclass
class Tenant:
    """One tenant: the authorized app and service account of its `.ionapi` file, and its M3 company."""

    ti: str
    cn: str
    ci: str
    cs: str
    saak: str
    sask: str
    dt: str
    ev: str
    company: M3Company


class InforBackend:
    """Every tenant of the simulated Infor cloud and the tokens its SSO issued."""

    def __init__(self, section: Mapping[str, Any]) -> None:
        self.section = copy.deepcopy(dict(section))
        self.clock = Clock()
        self.settings = InforSettings()
        self.tokens = TokenStore(self.clock)
        self.tenants: dict[str, Tenant] = {}
        self.reset()

    # -- SimBackend -------------------------------------------------------------------------------------

    def reset(self) -> None:
        self.settings = InforSettings.model_validate(self.section.get("settings") or {})
        self.tokens.revoke_all()
        self.tenants = {}
        for seed in self.section.get("tenants") or []:
            company = M3Company(str(seed.get("cono", 100)), str(seed.get("divi", "")), seed)
            tenant = Tenant(
                str(seed["ti"]),
                str(seed.get("cn", "")),
                str(seed["ci"]),
                str(seed["cs"]),
                str(seed["saak"]),
                str(seed["sask"]),
                str(seed.get("dt", "12")),
                str(seed.get("ev", "U1")),
                company,
            )
            self.tenants[tenant.ti] = tenant

    def revoke_all_tokens(self) -> None:
        self.tokens.revoke_all()

    def state(self) -> dict[str, Any]:
        return {
            "settings": self.settings.model_dump(mode="json"),
            "live_tokens": self.tokens.live_count(),
            "tenants": [
                {
                    "ti": t.ti,
                    "cn": t.cn,
                    "ci": t.ci,
                    "cs": t.cs,
                    "saak": t.saak,
                    "sask": t.sask,
                    "m3": t.company.state(),
                }
                for t in self.tenants.values()
            ],
        }

    # -- .ionapi and SSO --------------------------------------------------------------------------------

    def ionapi(self, ti: str, base_url: str) -> dict[str, str] | None:
        """The `.ionapi` file an admin downloads for the tenant's authorized app (secrets included, by design)."""
        tenant = self.tenants.get(ti)
        if tenant is None:
            return None
        base = base_url.rstrip("/")
        return {
            "ti": tenant.ti,
            "cn": tenant.cn,
            "dt": tenant.dt,
            "ci": tenant.ci,
            "cs": tenant.cs,
            "iu": base,
            "pu": f"{base}/{tenant.ti}/as/",
            "oa": AUTHORIZE_PATH,
            "ot": TOKEN_PATH,
            "or": REVOKE_PATH,
            "ev": tenant.ev,
            "v": "1.0",
            "saak": tenant.saak,
            "sask": tenant.sask,
        }

    def token(self, ti: str, form: Mapping[str, str], basic: tuple[str, str] | None) -> tuple[int, dict[str, Any]]:
        """`POST {pu}{ot}`: password grant with the service account keys, refresh, or (if enabled) client grant."""
        tenant = self.tenants.get(ti)
        if tenant is None:
            return 404, {"error": "not_found", "error_description": f"unknown tenant {ti}"}
        if not self._client_ok(tenant, form, basic):
            return INVALID_CLIENT
        grant_type = form.get("grant_type")
        with_refresh = self.settings.issue_refresh_tokens
        if grant_type == "password":
            if not (same_secret(form.get("username"), tenant.saak) and same_secret(form.get("password"), tenant.sask)):
                return 400, {"error": "invalid_grant", "error_description": "Invalid resource owner credentials"}
            grant = Grant(subject=tenant.saak, tenant=ti)
        elif grant_type == "refresh_token" and with_refresh:
            refreshed = self.tokens.refresh(form.get("refresh_token"))
            if refreshed is None or refreshed.tenant != ti:
                return 400, {"error": "invalid_grant", "error_description": "Invalid or expired refresh token"}
            grant = refreshed
        elif grant_type == "client_credentials" and self.settings.allow_client_credentials:
            grant, with_refresh = Grant(subject=tenant.ci, tenant=ti), False
        elif grant_type in {"refresh_token", "client_credentials"}:
            return 400, {"error": "unauthorized_client", "error_description": f"{grant_type} is not allowed"}
        else:
            return 400, {"error": "unsupported_grant_type", "error_description": "Unsupported grant type"}
        self.tokens.lifetime = self.settings.token_lifetime
        self.tokens.refresh_lifetime = self.settings.refresh_lifetime
        return 200, self.tokens.issue(grant, with_refresh=with_refresh)

    def revoke(self, ti: str, form: Mapping[str, str], basic: tuple[str, str] | None) -> tuple[int, dict[str, Any]]:
        """`POST {pu}{or}`: the token stops working; unknown tokens are accepted too (RFC 7009) [I]."""
        tenant = self.tenants.get(ti)
        if tenant is None:
            return 404, {"error": "not_found", "error_description": f"unknown tenant {ti}"}
        if not self._client_ok(tenant, form, basic):
            return INVALID_CLIENT
        self.tokens.revoke(form.get("token", ""))
        return 200, {}

    def _client_ok(self, tenant: Tenant, form: Mapping[str, str], basic: tuple[str, str] | None) -> bool:
        client_id, secret = basic or (form.get("client_id"), form.get("client_secret"))
        return same_secret(client_id, tenant.ci) and same_secret(secret, tenant.cs)

    def authorize(self, ti: str, token: str | None) -> tuple[int, dict[str, str]] | None:
        """None when the bearer token is live and issued for this tenant; else the gateway's error."""
        if ti not in self.tenants:
            return 404, {"error": "not_found", "error_description": f"no API suite for tenant {ti}"}
        grant = self.tokens.check(token)
        if grant is None or grant.tenant != ti:
            return 401, {"error": "invalid_token", "error_description": "The access token is invalid or has expired"}
        return None

    # -- M3 -----------------------------------------------------------------------------------------------

    def execute(self, ti: str, program: str, transaction: str, record: Mapping[str, str], options: Options) -> Outcome:
        """Run one MI transaction; business failures come back in the outcome, never as HTTP errors."""
        tenant = self.tenants[ti]
        parameters = {k: str(v) for k, v in record.items()}
        now, today = self.clock.now(), self.today()
        tenant.company.release_order_batches(now, today)
        try:
            definition = programs.lookup(program, transaction, self.settings)
            records = programs.run(tenant.company, definition, record, self.settings, today, now)
        except MIError as error:
            return Outcome(transaction, parameters, error=error)
        if not definition.multiple:
            return Outcome(transaction, parameters, records, definition.outputs)
        limit = self._limit(options.maxrecs)
        cut = self._partial_list_cut(program, transaction)
        if cut is not None and len(records) > cut and limit > cut:
            ended = MIError(f"Error reading record {cut + 1} of {transaction}: the list ends here", "", "CPF9898")
            return Outcome(transaction, parameters, records[:cut], definition.outputs, ended)
        return Outcome(transaction, parameters, records[:limit], definition.outputs)

    def _partial_list_cut(self, program: str, transaction: str) -> int | None:
        """KB 2159861's partial list: after this many records the list ends in an error (None: it does not)."""
        wanted = self.settings.partial_list_transactions
        if wanted and f"{program}/{transaction}" not in wanted:
            return None
        return self.settings.partial_list_error_after

    def _limit(self, maxrecs: int | None) -> int:
        """maxrecs 0 means unbounded, but no call returns more than the grid ceiling [C]."""
        wanted = self.settings.default_maxrecs if maxrecs is None else maxrecs
        return self.settings.grid_ceiling if wanted == 0 else min(wanted, self.settings.grid_ceiling)

    def add_purchase_order(self, ti: str, order: Mapping[str, Any]) -> bool:
        """Test hook: a PO appears (as if entered in M3 today); False for an unknown tenant."""
        tenant = self.tenants.get(ti)
        if tenant is None:
            return False
        tenant.company.add_order(order, self.today())
        return True

    def today(self) -> str:
        return self.clock.utcnow().strftime("%Y%m%d")
