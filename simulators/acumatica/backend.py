"""The Acumatica simulator's state: tenants seeded from the scenario, cookie sessions, OAuth tokens, budget.

One instance serves several tenants, as Acumatica does: a login names its tenant, an OAuth client id
carries it (`GUID@Tenant`). Sessions and the request budget are instance-wide, like the licence.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulators.acumatica.codec import plain
from simulators.acumatica.schema import ENTITIES
from simulators.acumatica.sessions import RequestBudget, Session, SessionStore
from simulators.acumatica.settings import AcumaticaSettings
from simulators.acumatica.store import Entity, InvalidEntityError, TenantStore
from simulators.core.clock import Clock
from simulators.core.scenario import ScenarioError
from simulators.core.secrets import same_secret
from simulators.core.tokens import Grant, TokenStore, bearer

SEEDS = (
    ("items", "StockItem"),
    ("customers", "Customer"),
    ("vendors", "Vendor"),
    ("purchase_orders", "PurchaseOrder"),
    ("purchase_receipts", "PurchaseReceipt"),
    ("sales_orders", "SalesOrder"),
    ("sales_invoices", "SalesInvoice"),
    ("bills", "Bill"),
)
"""Scenario keys and the entities they seed, in an order that satisfies the references."""
SCOPES = frozenset({"api", "offline_access", "api:concurrent_access"})


class ApiError(Exception):
    """An error in the generic `{"message","exceptionMessage","exceptionType"}` shape (HttpError)."""

    def __init__(self, status: int, exception_message: str, exception_type: str = "PX.Data.PXException") -> None:
        super().__init__(exception_message)
        self.status = status
        self.body = {
            "message": "An error has occurred.",
            "exceptionMessage": exception_message,
            "exceptionType": exception_type,
            "stackTrace": "",
        }


class OAuthError(Exception):
    """A refused token request in the OAuth2 shape IdentityServer uses (HTTP 400)."""

    def __init__(self, error: str, description: str = "") -> None:
        super().__init__(error)
        self.body = {"error": error, **({"error_description": description} if description else {})}


@dataclass
class Tenant:
    name: str
    users: dict[str, str]
    clients: dict[str, str]
    """OAuth client id (`GUID@Tenant`) -> secret."""
    store: TenantStore


class AcumaticaBackend:
    def __init__(self, section: Mapping[str, Any], seed: int = 0) -> None:
        self.section = section
        self.seed = seed
        self.clock = Clock()
        self.tokens = TokenStore(self.clock)
        self.sessions = SessionStore(self.clock)
        self.budget = RequestBudget(self.clock)
        self.random = random.Random(seed)  # noqa: S311 - repeatable record ids, not security
        self.settings = AcumaticaSettings.model_validate(section.get("settings") or {})
        self.tenants = self._seed()

    # ---- the SimBackend protocol ----

    def state(self) -> dict[str, Any]:
        idle = self.settings.session_idle_timeout
        return {
            "settings": self.settings.model_dump(),
            "sessions": [{"tenant": s.tenant, "username": s.username} for s in self.sessions.live(idle)],
            "live_tokens": self.tokens.live_count(),
            "tenants": {
                name: {
                    "users": [{"username": u, "password": p} for u, p in t.users.items()],
                    "oauth_clients": [{"client_id": c, "client_secret": s} for c, s in t.clients.items()],
                    "records": {
                        entity: [_plain(e) for e in t.store.all(ENTITIES[entity])] for entity in ENTITIES
                    },
                }
                for name, t in self.tenants.items()
            },
        }

    def reset(self) -> None:
        """Back to the scenario: its settings and data, no sessions, no tokens, a fresh budget."""
        self.settings = AcumaticaSettings.model_validate(self.section.get("settings") or {})
        self.revoke_all_tokens()
        self.budget.clear()
        self.random.seed(self.seed)
        self.tenants = self._seed()

    def revoke_all_tokens(self) -> None:
        """Tokens and cookie sessions alike stop working."""
        self.tokens.revoke_all()
        self.sessions.clear()

    # ---- sign-in ----

    def login(self, body: Any) -> Session:
        """`POST /entity/auth/login`: a session, or the generic error (bad credentials, API Login Limit)."""
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        name = body.get("tenant") or body.get("company")
        if name is None and len(self.tenants) == 1:
            name = next(iter(self.tenants))
        tenant = self.tenants.get(str(name))
        username = str(body.get("name") or "")
        if tenant is None or not same_secret(body.get("password"), tenant.users.get(username)):
            raise ApiError(self.settings.login_failure_status, "Invalid credentials. Please try again.")
        session = self.sessions.open(
            tenant.name, username, self.settings.session_idle_timeout, self.settings.api_login_limit
        )
        if session is None:
            raise ApiError(self.settings.login_limit_status, "API Login Limit")
        return session

    def logout(self, cookie: str | None) -> None:
        self.sessions.close(cookie)

    def issue_token(self, form: Mapping[str, str]) -> dict[str, object]:
        """`POST /identity/connect/token`: password and refresh_token grants for a `GUID@Tenant` client."""
        client_id = form.get("client_id", "")
        tenant = self.tenants.get(client_id.rpartition("@")[2])
        if tenant is None or not same_secret(form.get("client_secret"), tenant.clients.get(client_id)):
            raise OAuthError("invalid_client")
        self.tokens.lifetime = self.settings.token_lifetime
        self.tokens.refresh_lifetime = self.settings.refresh_lifetime
        grant_type = form.get("grant_type")
        if grant_type == "password":
            scopes = (form.get("scope") or "api").split()
            if not set(scopes) <= SCOPES or "api" not in scopes:
                raise OAuthError("invalid_scope")
            username = form.get("username", "")
            if not same_secret(form.get("password"), tenant.users.get(username)):
                raise OAuthError("invalid_grant", "invalid_username_or_password")
            grant = Grant(username, tenant.name, " ".join(scopes), {"client_id": client_id})
            return self.tokens.issue(grant, with_refresh="offline_access" in scopes)
        if grant_type == "refresh_token":
            refreshed = self.tokens.refresh(form.get("refresh_token"))
            if refreshed is None or refreshed.extra.get("client_id") != client_id:
                raise OAuthError("invalid_grant")
            return self.tokens.issue(refreshed)
        raise OAuthError("unsupported_grant_type")

    def caller(self, authorization: str | None, cookie: str | None) -> Tenant | None:
        """The tenant a request acts in: by bearer token, else by session cookie; None when neither is live."""
        token = bearer(authorization)
        if token is not None:
            grant = self.tokens.check(token)
            return self.tenants.get(grant.tenant) if grant else None
        session = self.sessions.touch(cookie, self.settings.session_idle_timeout)
        return self.tenants.get(session.tenant) if session else None

    def admit(self) -> int | None:
        """None when the request is within the per-minute budget; else the Retry-After seconds."""
        return self.budget.admit(self.settings.requests_per_minute)

    # ---- seeding ----

    def _seed(self) -> dict[str, Tenant]:
        tenants: dict[str, Tenant] = {}
        for raw in self.section.get("tenants") or []:
            name = str(raw["id"])
            store = TenantStore(name, self.clock, lambda: self.settings, self._new_id)
            for key, entity in SEEDS:
                spec = ENTITIES[entity]
                for row in raw.get(key) or []:
                    data = {k: v for k, v in row.items() if k != "partner"}  # the demo's partner link
                    try:
                        store.put(spec, plain(spec, data), "upsert", None, seeding=True)
                    except InvalidEntityError as exc:
                        raise ScenarioError(f"acumatica tenant {name}, {key}: {exc} {exc.fields} {exc.rows}") from exc
            tenants[name] = Tenant(
                name,
                users={str(u["username"]): str(u["password"]) for u in raw.get("users") or []},
                clients={str(c["client_id"]): str(c["client_secret"]) for c in raw.get("oauth_clients") or []},
                store=store,
            )
        return tenants

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self.random.getrandbits(128), version=4))


def _plain(entity: Entity) -> dict[str, Any]:
    return {
        "id": entity.id,
        **entity.view(),
        **entity.linked,
        "Details": [row.values for row in entity.details],
        "files": [f.filename for f in entity.files],
    }
