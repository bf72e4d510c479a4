"""IFS Cloud state and rules: Keycloak-style tokens, per-projection grants, rows with etags, history log.

Every write bumps the row's `Objversion` (a `YYYYMMDDHHMMSS` stamp, string-comparable, so
`$filter=Objversion gt '20261106000000'` finds what changed) and its etag, and appends a row to the
history log (`HistoryLogHandling.svc/HistoryLogOverviewSet`, filterable by `LuName` and `TimeStamp`).
A POST is never deduplicated: a retried create makes a second invoice, as real IFS does.
"""

from __future__ import annotations

import base64
import copy
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from simulators.core.clock import Clock
from simulators.core.secrets import same_secret
from simulators.core.tokens import Grant, TokenStore
from simulators.ifs import catalog
from simulators.ifs.catalog import SERVER_FIELDS, EntitySet, Navigation
from simulators.ifs.odata import QueryError, check_value
from simulators.ifs.settings import IfsSettings

OTHER_WRITER = "IFSAPP"


class ODataError(Exception):
    """An error answered in the OData envelope `{"error": {"code", "message", "details"}}`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad_request(message: str) -> ODataError:
    return ODataError(400, "BAD_REQUEST", message)


def business_error(message: str) -> ODataError:
    """A rule of the application refused the write (IFS reports these as database errors) [I code]."""
    return ODataError(400, "DATABASE_ERROR", message)


@dataclass
class StoredRow:
    """A row of a table; `version` is a global write sequence number, so every write gives a new etag."""

    values: dict[str, Any]
    version: int


class IfsBackend:
    """One IFS Cloud system: its clients and users, its tables, and the tokens it issued."""

    def __init__(self, section: Mapping[str, Any]) -> None:
        self.section = copy.deepcopy(dict(section))
        self.clock = Clock()
        self.settings = IfsSettings()
        self.tokens = TokenStore(self.clock)
        self.tables: dict[str, list[StoredRow]] = {}
        self._id_tokens: set[str] = set()
        self._version = 0
        self.reset()

    # -- SimBackend -------------------------------------------------------------------------------------

    def reset(self) -> None:
        self.settings = IfsSettings.model_validate(self.section.get("settings") or {})
        self.revoke_all_tokens()
        self.tables = {
            name: []
            for name in (
                "companies",
                "suppliers",
                "purchase_orders",
                "purchase_order_lines",
                "invoices",
                "posting_proposals",
                "history_log",
            )
        }
        self._version = 0
        self._seed()

    def revoke_all_tokens(self) -> None:
        self.tokens.revoke_all()
        self._id_tokens.clear()

    def state(self) -> dict[str, Any]:
        return {
            "settings": self.settings.model_dump(mode="json"),
            "clients": self.section.get("clients", []),
            "users": self.section.get("users", []),
            "live_tokens": self.tokens.live_count(),
            "tables": {
                name: [{**r.values, "@odata.etag": self.etag(r)} for r in rows] for name, rows in self.tables.items()
            },
        }

    # -- authentication (Keycloak realm = the IFS namespace) ----------------------------------------------

    def token(self, realm: str, form: Mapping[str, str], basic: tuple[str, str] | None) -> tuple[int, dict[str, Any]]:
        """The token endpoint: (status, body) in Keycloak's shapes."""
        if realm != self.settings.namespace:
            return 404, {"error": "Realm does not exist"}
        client_id, client_secret = basic or (form.get("client_id", ""), form.get("client_secret"))
        if not self._account("clients", "client_id", "client_secret", client_id, client_secret):
            return 401, {"error": "invalid_client", "error_description": "Invalid client or Invalid client credentials"}
        grant_type = form.get("grant_type")
        if grant_type == "client_credentials":
            grant = Grant(subject=client_id, tenant=realm, extra={"kind": "clients", "client_id": client_id})
        elif grant_type == "password":
            username = form.get("username", "")
            if not self._account("users", "username", "password", username, form.get("password")):
                return 401, {"error": "invalid_grant", "error_description": "Invalid user credentials"}
            grant = Grant(subject=username, tenant=realm, extra={"kind": "users", "client_id": client_id})
        elif grant_type == "refresh_token":
            refreshed = self.tokens.refresh(form.get("refresh_token"))
            if refreshed is None or refreshed.extra.get("client_id") != client_id:
                return 400, {"error": "invalid_grant", "error_description": "Invalid refresh token"}
            grant = refreshed
        else:
            return 400, {"error": "unsupported_grant_type", "error_description": "Unsupported grant_type"}
        grant.scope = form.get("scope") or "openid microprofile-jwt"
        return 200, self._issue(grant)

    def _issue(self, grant: Grant) -> dict[str, Any]:
        self.tokens.lifetime = self.settings.token_lifetime
        self.tokens.refresh_lifetime = self.settings.refresh_lifetime
        body = self.tokens.issue(grant)
        id_token = str(self.tokens.issue(grant, with_refresh=False)["access_token"])
        self._id_tokens.add(id_token)
        return {
            **body,
            "refresh_expires_in": self.settings.refresh_lifetime,
            "id_token": id_token,
            "not-before-policy": 0,
            "session_state": secrets.token_hex(16),
        }

    def authenticate(self, token: str | None, basic: tuple[str, str] | None) -> Grant | None:
        """The principal behind a bearer token (or, when allowed, HTTP Basic user credentials)."""
        if token is not None:
            if token in self._id_tokens and not self.settings.accept_id_token:
                return None
            return self.tokens.check(token)
        if (
            basic is not None
            and self.settings.allow_basic_auth
            and self._account("users", "username", "password", *basic)
        ):
            return Grant(subject=basic[0], extra={"kind": "users"})
        return None

    def permits(self, grant: Grant, service: str) -> bool:
        """Whether the principal's permission sets grant this projection; no `grants` list means all."""
        kind, id_field = ("clients", "client_id") if grant.extra.get("kind") == "clients" else ("users", "username")
        for account in self.section.get(kind, []):
            if account.get(id_field) == grant.subject:
                grants = account.get("grants")
                return grants is None or service in grants
        return False

    def _account(self, kind: str, id_field: str, secret_field: str, name: str, secret: str | None) -> bool:
        accounts = [a for a in self.section.get(kind, []) if a.get(id_field) == name]
        return any(same_secret(secret, str(a.get(secret_field, ""))) for a in accounts)

    # -- rows ---------------------------------------------------------------------------------------------

    def rows(self, eset: EntitySet) -> list[StoredRow]:
        return [r for r in self.tables[eset.table] if eset.includes(r.values)]

    def children(self, parent: StoredRow, nav: Navigation) -> list[StoredRow]:
        return [
            r
            for r in self.rows(nav.target)
            if all(r.values.get(child) == parent.values.get(own) for own, child in nav.link)
        ]

    def find(self, eset: EntitySet, keys: Mapping[str, Any], scope: list[StoredRow] | None = None) -> StoredRow:
        for row in self.rows(eset) if scope is None else scope:
            if all(row.values.get(k) == v for k, v in keys.items()):
                return row
        raise ODataError(404, "NOT_FOUND", f"No {eset.name} entity with key {self.keyref(eset, keys)}")

    def create(
        self, eset: EntitySet, body: Mapping[str, Any], user: str, parent: dict[str, Any] | None = None
    ) -> StoredRow:
        """Insert a row (POST); `parent` holds the link values of a navigation's owner."""
        if eset.read_only:
            raise ODataError(405, "METHOD_NOT_ALLOWED", f"{eset.name} is read-only")
        values = {**self._writable(eset, body), **(parent or {})}
        if eset.auto_key is not None:
            values[eset.auto_key] = self._next_key(eset, eset.auto_key, values)
        missing = [f for f in eset.required if values.get(f) in (None, "")]
        if missing:
            raise business_error(f"Required field(s) missing on {eset.luname}: {', '.join(missing)}")
        self._check_references(eset, values)
        keys = {k: values[k] for k in eset.keys}
        if any(all(r.values.get(k) == v for k, v in keys.items()) for r in self.tables[eset.table]):
            raise business_error(f"The {eset.luname} {self.keyref(eset, keys)} already exists")
        if "Objstate" in eset.fields:
            values["Objstate"] = eset.initial_state
        if "DateEntered" in eset.fields:
            values["DateEntered"] = self.clock.utcnow().date().isoformat()
        row = StoredRow(values, 0)
        self.tables[eset.table].append(row)
        self._written(eset, row, "Insert", user)
        return row

    def update(self, eset: EntitySet, row: StoredRow, body: Mapping[str, Any], if_match: str | None, user: str) -> None:
        """Apply a PATCH to a found row, guarded by If-Match."""
        if eset.read_only:
            raise ODataError(405, "METHOD_NOT_ALLOWED", f"{eset.name} is read-only")
        self._check_if_match(row, if_match)
        changes = self._writable(eset, body)
        moved = [k for k in eset.keys if k in changes and changes[k] != row.values.get(k)]
        if moved:
            raise bad_request(f"Key field(s) cannot be changed: {', '.join(moved)}")
        self._check_references(eset, changes)
        row.values.update(changes)
        self._written(eset, row, "Update", user)

    def delete(self, eset: EntitySet, row: StoredRow, if_match: str | None, user: str) -> None:
        if eset.read_only:
            raise ODataError(405, "METHOD_NOT_ALLOWED", f"{eset.name} is read-only")
        self._check_if_match(row, if_match)
        for nav in eset.navigations.values():
            for child in self.children(row, nav):
                self.tables[nav.target.table].remove(child)
        self.tables[eset.table].remove(row)
        self._written(eset, row, "Delete", user)

    def touch(self, set_name: str, keys: Mapping[str, Any], changes: Mapping[str, Any]) -> StoredRow:
        """Another user changes the row (or just saves it): new Objversion and etag, for 412 races in tests."""
        eset = catalog.entity_set(self.settings, set_name)
        if eset is None:
            raise ODataError(404, "NOT_FOUND", f"No entity set {set_name}")
        row = self.find(eset, keys)
        self.update(eset, row, changes, "*", OTHER_WRITER)
        return row

    def _check_if_match(self, row: StoredRow, if_match: str | None) -> None:
        if if_match is None:
            status = self.settings.missing_if_match_status
            raise ODataError(status, "PRECONDITION_REQUIRED", "The If-Match header is required to modify an entity")
        if if_match.strip() != "*" and if_match.strip() != self.etag(row):
            raise ODataError(412, "PRECONDITION_FAILED", "The entity was changed by another user (etag mismatch)")

    def _writable(self, eset: EntitySet, body: Mapping[str, Any]) -> dict[str, Any]:
        """The body's properties, type-checked; annotations and server-maintained fields are dropped."""
        values = {k: v for k, v in body.items() if not k.startswith("@") and k not in SERVER_FIELDS}
        unknown = [k for k in values if k not in eset.fields]
        if unknown:
            raise bad_request(f"Unknown property on {eset.name}: {', '.join(unknown)}")
        try:
            for name, value in values.items():
                check_value(name, value, eset.fields[name])
        except QueryError as exc:
            raise bad_request(str(exc)) from None
        return values

    def _check_references(self, eset: EntitySet, values: Mapping[str, Any]) -> None:
        for name, (table, target) in eset.references.items():
            if name in values and not any(r.values.get(target) == values[name] for r in self.tables[table]):
                raise business_error(f"{name} {values[name]} does not exist")

    def _next_key(self, eset: EntitySet, key: str, values: Mapping[str, Any]) -> int:
        """One more than the highest `key` among rows sharing the other key values (InvoiceId per company)."""
        scope = [k for k in eset.keys if k != key]
        taken = [
            int(r.values[key]) for r in self.tables[eset.table] if all(r.values.get(k) == values.get(k) for k in scope)
        ]
        return max(taken, default=0) + 1

    def _written(self, eset: EntitySet, row: StoredRow, kind: str, user: str) -> None:
        self._version += 1
        row.version = self._version
        row.values["Objversion"] = self.clock.utcnow().strftime("%Y%m%d%H%M%S")
        log = self.tables["history_log"]
        log.append(
            StoredRow(
                {
                    "LogId": len(log) + 1,
                    "LuName": eset.luname,
                    "TableName": _table_name(eset.luname),
                    "KeyRef": self.keyref(eset, row.values),
                    "HistoryType": kind,
                    "Username": user,
                    "TimeStamp": self.clock.utcnow().isoformat().replace("+00:00", "Z"),
                    "Objversion": row.values["Objversion"],
                },
                self._version,
            )
        )

    # -- addressing ---------------------------------------------------------------------------------------

    @staticmethod
    def etag(row: StoredRow) -> str:
        """Weak etag in IFS's shape (`W/"Vy8i..."`: base64 of an inner weak tag)."""
        inner = f'W/"{row.values.get("Objversion", "")}:{row.version}"'
        return 'W/"' + base64.b64encode(inner.encode()).decode() + '"'

    @staticmethod
    def keyref(eset: EntitySet, values: Mapping[str, Any]) -> str:
        return "".join(f"{_table_name(k, suffix='')}={values.get(k)}^" for k in eset.keys)

    # -- seed ---------------------------------------------------------------------------------------------

    def _seed(self) -> None:
        section = self.section
        company = str(section.get("company", "10"))
        self._insert("companies", {"Company": company})
        for supplier in section.get("suppliers", []):
            self._insert("suppliers", _fields(supplier, catalog.SUPPLIER))
        for order in section.get("purchase_orders", []):
            header = _fields(
                {"Objstate": "Released", "DateEntered": order.get("OrderDate"), **order}, catalog.PURCHASE_ORDER
            )
            self._insert("purchase_orders", header)
            for line in order.get("lines", []):
                line_values = {
                    "OrderNo": header["OrderNo"],
                    "Objstate": "Released",
                    "CurrencyCode": header.get("CurrencyCode"),
                    **line,
                }
                self._insert("purchase_order_lines", _fields(line_values, catalog.PURCHASE_ORDER_LINE))
        invoice_set = catalog.supplier_invoice(self.settings)
        for invoice in section.get("invoices", []):
            values = _fields({"Objstate": "Preliminary", "Company": company, **invoice}, invoice_set)
            self._insert("invoices", values)
            for number, proposal in enumerate(invoice.get("posting_proposals", []), start=1):
                links = {"Company": values["Company"], "InvoiceId": values["InvoiceId"], "RowNo": number}
                self._insert("posting_proposals", _fields({**proposal, **links}, catalog.posting_proposal()))

    def _insert(self, table: str, values: dict[str, Any]) -> None:
        self._version += 1
        values.setdefault("Objversion", self.clock.utcnow().strftime("%Y%m%d%H%M%S"))
        self.tables[table].append(StoredRow(values, self._version))


def _fields(seed: Mapping[str, Any], eset: EntitySet) -> dict[str, Any]:
    """The seed entry's values for the set's fields (YAML dates become ISO strings, as JSON carries them)."""
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in seed.items() if k in eset.fields}


def _table_name(name: str, suffix: str = "_TAB") -> str:
    """`PurchaseOrder` -> `PURCHASE_ORDER_TAB`; `OrderNo` -> `ORDER_NO` (IFS's database naming)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper() + suffix
