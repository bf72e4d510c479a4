"""The QAD simulator's state: tenants seeded from the scenario, OAuth tokens, and who may call what.

All tenants share one host; a tenant is addressed by the first path segment, so the cloud's
`https://{tenant}.qad.com/clouderp` becomes `http://127.0.0.1:{port}/{tenant}/clouderp`.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulators.core.clock import Clock
from simulators.core.scenario import ScenarioError
from simulators.core.secrets import same_secret
from simulators.core.tokens import Grant, TokenStore, basic, bearer
from simulators.qad.records import BusinessError, Item
from simulators.qad.settings import QadSettings
from simulators.qad.tenant import QadTenant, User

DEFAULT_RECEIVER = "QADERP"
"""The receiver name most QXtend installations keep (`urn:services-qad-com:QADERP`)."""
CLOUD, ON_PREM = "clouderp", "qad-central"
"""The context roots: the Adaptive cloud's, and the on-prem EE web UI's."""
WORKSPACE = re.compile(r"(?P<domain>[^_\s]+)_(?P<entity>\S+)")
"""`x-qad-workspace-id: {domain}_{entity}`, e.g. `10USA_10USACO`."""


@dataclass
class Session:
    """A web-UI session (JSESSIONID): it belongs to one tenant and one context root, and idles out."""

    tenant: str
    username: str
    context: str
    last_used: float


class OAuthError(Exception):
    """A refused token request, in Spring Security OAuth's `{"error","error_description"}` shape."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


class UnauthorizedError(Exception):
    """401: no valid bearer token (or Basic credentials where they are accepted)."""


class ForbiddenError(Exception):
    """403: the user's role may not use this resource."""


class WorkspaceError(Exception):
    """400: an `x-qad-workspace-id` that is malformed or names a domain or entity this tenant lacks."""


class QadBackend:
    """Holds every tenant; `reset()` re-seeds them from the scenario section."""

    def __init__(self, section: Mapping[str, Any]) -> None:
        self.section = section
        self.clock = Clock()
        self.tokens = TokenStore(self.clock)
        self.sessions: dict[str, Session] = {}
        self.settings = QadSettings.model_validate(section.get("settings") or {})
        self.tenants = self._seed()

    # ---- the SimBackend protocol ----

    def state(self) -> dict[str, Any]:
        return {
            "settings": self.settings.model_dump(),
            "live_tokens": self.tokens.live_count(),
            "live_sessions": sum(1 for sid in list(self.sessions) if self._live_session(sid) is not None),
            "tenants": {tid: tenant.state() for tid, tenant in self.tenants.items()},
        }

    def reset(self) -> None:
        """Back to the scenario: its settings, its data, no tokens or sessions."""
        self.tokens.revoke_all()
        self.sessions.clear()
        self.settings = QadSettings.model_validate(self.section.get("settings") or {})
        self.tenants = self._seed()

    def revoke_all_tokens(self) -> None:
        self.tokens.revoke_all()
        self.sessions.clear()

    # ---- context roots and sessions ----

    def serves(self, context: str) -> bool:
        """Whether a context root is served: /clouderp always, /qad-central by setting."""
        return context == CLOUD or (context == ON_PREM and self.settings.qad_central)

    def session_logins(self, context: str) -> bool:
        settings = self.settings
        return settings.session_login and (context == ON_PREM or settings.session_login_on_cloud)

    def open_session(self, tenant: QadTenant, username: str | None, password: str | None, context: str) -> str | None:
        """A new JSESSIONID for good credentials, else None."""
        user = self.check_password(tenant, username, password)
        if user is None:
            return None
        session_id = secrets.token_hex(16).upper()
        self.sessions[session_id] = Session(tenant.id, user.username, context, self.clock.now())
        return session_id

    def _live_session(self, session_id: str) -> Session | None:
        session = self.sessions.get(session_id)
        if session is None:
            return None
        if self.clock.now() - session.last_used >= self.settings.session_idle_timeout:
            del self.sessions[session_id]
            return None
        return session

    # ---- OAuth ----

    def issue_token(self, tenant: QadTenant, params: Mapping[str, str]) -> dict[str, object]:
        """`POST {base}/oauth/token`: password and refresh_token grants, parameters from the query string."""
        if not same_secret(params.get("client_id"), tenant.client_id):
            raise OAuthError(401, "invalid_client", "Bad client credentials")
        self.tokens.lifetime = self.settings.token_lifetime
        self.tokens.refresh_lifetime = self.settings.refresh_lifetime
        grant_type = params.get("grant_type")
        if grant_type == "password":
            user = self.check_password(tenant, params.get("username"), params.get("password"))
            if user is None:
                raise OAuthError(400, "invalid_grant", "Bad credentials")
            return self.tokens.issue(Grant(subject=user.username, tenant=tenant.id))
        if grant_type == "refresh_token":
            grant = self.tokens.refresh(params.get("refresh_token"))
            if grant is None or grant.tenant != tenant.id or grant.subject not in tenant.users:
                raise OAuthError(400, "invalid_grant", "Invalid refresh token")
            return self.tokens.issue(grant)
        raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}")

    def authorize(
        self,
        tenant: QadTenant,
        authorization: str | None,
        resource: str,
        *,
        basic_ok: bool,
        session_id: str | None = None,
        context: str = CLOUD,
    ) -> User:
        """The calling user, or UnauthorizedError/ForbiddenError. Basic is honoured only where QAD takes it; a
        JSESSIONID cookie only when no bearer token is sent, and only in the context root that issued it [I]."""
        user: User | None = None
        token = bearer(authorization)
        if token is not None:
            grant = self.tokens.check(token)
            if grant is not None and grant.tenant == tenant.id:
                user = tenant.users.get(grant.subject)
        elif basic_ok and self.settings.basic_auth_on_browses and basic(authorization) is not None:
            user = self.check_password(tenant, *(basic(authorization) or (None, None)))
        elif session_id:
            session = self._live_session(session_id)
            if session is not None and (session.tenant, session.context) == (tenant.id, context):
                session.last_used = self.clock.now()
                user = tenant.users.get(session.username)
        if user is None:
            raise UnauthorizedError
        if resource in user.denied:
            raise ForbiddenError
        return user

    def check_workspace(self, tenant: QadTenant, workspace: str | None) -> None:
        """`x-qad-workspace-id` is optional; when sent it must name this tenant's domain (and a known entity)."""
        if workspace is None or not self.settings.workspace_header_check:
            return
        match = WORKSPACE.fullmatch(workspace.strip())
        if match is None:
            raise WorkspaceError(f"x-qad-workspace-id must be {{domain}}_{{entity}}, not {workspace!r}")
        if match["domain"] != tenant.domain:
            raise WorkspaceError(f"Domain {match['domain']} does not exist")
        if tenant.entities and match["entity"] not in tenant.entities:
            raise WorkspaceError(f"Entity {match['entity']} does not exist in domain {tenant.domain}")

    @staticmethod
    def check_password(tenant: QadTenant, username: str | None, password: str | None) -> User | None:
        user = tenant.users.get(username or "")
        return user if same_secret(password, user.password if user else None) else None

    # ---- seeding ----

    def _seed(self) -> dict[str, QadTenant]:
        tenants: dict[str, QadTenant] = {}
        for raw in self.section.get("tenants") or []:
            tenant = QadTenant(
                id=str(raw["id"]),
                client_id=str(raw["client_id"]),
                domain=str(raw["domain"]),
                shared_set=str(raw.get("shared_set", raw["domain"])),
                receiver=str(raw.get("qxtend_receiver", DEFAULT_RECEIVER)),
                clock=self.clock,
                settings=lambda: self.settings,
                users={
                    str(u["username"]): User(str(u["username"]), str(u["password"]), frozenset(u.get("denied", [])))
                    for u in raw.get("users") or []
                },
                sites=frozenset(str(s) for s in raw.get("sites") or []),
                entities=frozenset(str(e) for e in raw.get("entities") or []),
                items={str(i["itemCode"]): Item.model_validate(i) for i in raw.get("items") or []},
            )
            try:
                _seed_documents(tenant, raw)
            except BusinessError as exc:
                raise ScenarioError(f"qad tenant {tenant.id}: {exc}") from exc
            tenants[tenant.id] = tenant
        return tenants


def _seed_documents(tenant: QadTenant, raw: Mapping[str, Any]) -> None:
    """`partner` links a supplier to the demo's trading partner; it is not a QAD field."""
    suppliers = [
        {"sharedSetCode": tenant.shared_set, **{k: v for k, v in s.items() if k != "partner"}}
        for s in raw.get("suppliers") or []
    ]
    tenant.submit_suppliers(suppliers, None, None)
    for order in raw.get("purchase_orders") or []:
        tenant.seed_order({k: v for k, v in order.items() if k != "lines"}, order.get("lines") or [])

