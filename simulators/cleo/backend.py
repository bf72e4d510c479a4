"""Cleo Integration Cloud's state and rules: tenants, users, a mailbox per partner, files, tokens, request budget.

Folder layout per partner [I] (the spec finds no public source for it): `/{partner}` holding
`/{partner}/inbound` (the partner drops 810/855/856/997 there for the customer), `/{partner}/outbound` (the
customer uploads 850s and the like for the partner) and `/{partner}/archive` (where a client may move files it
has processed). The trading partners work on these folders in-process through `mailbox_files` and `deliver`.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from simulators.cleo.auth import Authenticator, User, valid_totp_secret
from simulators.cleo.errors import BadRequestError, MethodNotAllowedError
from simulators.cleo.filters import matches, parse_filter
from simulators.cleo.ratelimit import RateLimiter
from simulators.cleo.settings import CleoSettings
from simulators.cleo.store import Folder, FolderStore, StoredFile
from simulators.cleo.views import FILTER_ATTRIBUTES, file_resource, folder_resource
from simulators.core.clock import Clock
from simulators.core.scenario import ScenarioError, section
from simulators.core.tokens import Grant
from simulators.partners import PartnerNetwork
from simulators.partners.network import Box

PARTNER_FOLDERS = ("inbound", "outbound", "archive")
_BAD_NAME = re.compile(r"[/\\\x00-\x1f]")


@dataclass(frozen=True)
class Page:
    """One page of a collection: `{"totalResults": N, "resources": [...]}` [C]."""

    total: int
    resources: list[dict[str, Any]]


@dataclass(frozen=True)
class Tenant:
    id: str
    partners: tuple[str, ...]


class CleoBackend:
    """Seeded from the scenario's `cleo:` section (and `partners:` for the network behind it)."""

    settings: CleoSettings
    store: FolderStore
    auth: Authenticator

    def __init__(self, scenario: dict[str, Any], *, seed: int = 0) -> None:
        cleo = section(scenario, "cleo")
        self.clock = Clock()
        self.seed = seed
        self.tenants, self.users = _tenants_and_users(cleo)
        self._scenario_settings = cleo.get("settings") or {}
        self._partner_tenant = {p: t.id for t in self.tenants for p in t.partners}
        self.limiter = RateLimiter(self.clock)
        self.requests: Counter[tuple[str, str, int]] = Counter()
        self.partners = PartnerNetwork(self, self.clock, section(scenario, "partners"))
        homeless = sorted(set(self.partners.partners) - set(self._partner_tenant))
        if homeless:
            raise ScenarioError(f"partners {homeless} have no folders: list them under a cleo tenant")
        self.reset()

    # --- the SimBackend protocol -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the scenario: same folder ids (the id generator is re-seeded), no files, no tokens."""
        try:
            self.settings = CleoSettings.model_validate(self._scenario_settings)
        except ValidationError as exc:
            raise ScenarioError(f"scenario section 'cleo.settings': {exc}") from exc
        self.store = FolderStore(random.Random(self.seed))  # noqa: S311 - ids, not secrets
        self.auth = Authenticator(self.users, self.clock)
        self.limiter.clear()
        self.requests.clear()
        now = self.clock.now()
        for tenant in self.tenants:
            for partner in tenant.partners:
                self.store.add_folder(tenant.id, f"/{partner}", now)
                for box in PARTNER_FOLDERS:
                    self.store.add_folder(tenant.id, f"/{partner}/{box}", now)
        self.partners.reset()

    def revoke_all_tokens(self) -> None:
        self.auth.tokens.revoke_all()

    def state(self) -> dict[str, Any]:
        return {
            "settings": self.settings.model_dump(mode="json"),
            "tenants": [self._tenant_state(t) for t in self.tenants],
            "live_tokens": self.auth.tokens.live_count(),
            "requests": [
                {"method": method, "path": path, "status": status, "count": count}
                for (method, path, status), count in sorted(self.requests.items())
            ],
            "partners": self.partners.state(),
        }

    def _tenant_state(self, tenant: Tenant) -> dict[str, Any]:
        users = [
            {"username": u.username, "two_factor": u.totp_secret is not None}
            for u in self.users
            if u.tenant == tenant.id
        ]
        folders = [
            {**folder_resource(f), "files": [file_resource(s) for s in self.store.files_in(f)]}
            for f in self.store.folders(tenant.id)
        ]
        return {"id": tenant.id, "users": users, "folders": folders}

    # --- requests over HTTP ----------------------------------------------------------------------------------

    def login(self, form: Mapping[str, str]) -> dict[str, object]:
        return self.auth.authenticate(form, self.settings)

    def grant(self, access_token: str | None) -> Grant | None:
        return self.auth.tokens.check(access_token)

    def throttle(self, path: str, access_token: str) -> int | None:
        """None when the request is within budget, else the seconds for `Retry-After`."""
        return self.limiter.take(path, access_token, self.settings.rate_per_second)

    def record(self, method: str, path: str, status: int) -> None:
        self.requests[(method, path, status)] += 1

    def folders(self, tenant: str, filter_text: str | None, start: int, count: int) -> Page:
        return self._page(self.store.folders(tenant), filter_text, start, count)

    def folder(self, tenant: str, folder_id: str) -> Folder:
        return self.store.folder(tenant, folder_id)

    def children(self, tenant: str, folder_id: str, filter_text: str | None, start: int, count: int) -> Page:
        """Subfolders first, then files oldest first."""
        folder = self.store.folder(tenant, folder_id)
        return self._page([*self.store.subfolders(folder), *self.store.files_in(folder)], filter_text, start, count)

    def upload(self, tenant: str, folder_id: str, name: str, content: bytes) -> StoredFile:
        """A new file with a new id every time, even under a name already there (unless set to answer 409)."""
        if not name or name in (".", "..") or len(name) > 255 or _BAD_NAME.search(name):
            raise BadRequestError("a file name is required, without slashes or control characters")
        folder = self.store.folder(tenant, folder_id)
        return self.store.add_file(folder, name, content, self.clock.now(), self.settings.duplicate_names)

    def file(self, tenant: str, file_id: str) -> StoredFile:
        return self.store.file(tenant, file_id)

    def delete_file(self, tenant: str, file_id: str) -> None:
        self.store.delete_file(tenant, file_id)

    def move_file(self, tenant: str, file_id: str, folder_id: str) -> StoredFile:
        """[I] Move a processed file, e.g. from inbound to archive; the file keeps its id."""
        if not self.settings.file_moves:
            raise MethodNotAllowedError("files cannot be moved")
        target = self.store.folder(tenant, folder_id)
        return self.store.move_file(tenant, file_id, target, self.clock.now(), self.settings.duplicate_names)

    def _page(self, items: Sequence[Folder | StoredFile], filter_text: str | None, start: int, count: int) -> Page:
        """One page of ``items`` as resources; without a filter only the page's items are rendered."""
        comparisons = parse_filter(filter_text, FILTER_ATTRIBUTES)
        end = start + min(count, self.settings.max_page_size)
        if not comparisons:
            return Page(len(items), [_resource(i) for i in items[start:end]])
        chosen = [r for r in map(_resource, items) if matches(comparisons, r)]
        return Page(len(chosen), chosen[start:end])

    # --- plain Python, for the trading partners and tests ----------------------------------------------------

    def put_file(self, tenant: str, path: str, name: str, content: bytes) -> StoredFile:
        """Put a file into a folder by path, as a partner's AS2 delivery would."""
        folder = self.store.folder_at(tenant, path)
        return self.store.add_file(folder, name, content, self.clock.now(), self.settings.duplicate_names)

    def list_files(self, tenant: str, path: str) -> list[StoredFile]:
        """The files of a folder by path, oldest first."""
        return self.store.files_in(self.store.folder_at(tenant, path))

    def mailbox_files(self, partner: str, box: Box) -> list[StoredFile]:
        return self.list_files(self._partner_tenant[partner], f"/{partner}/{box}")

    def deliver(self, partner: str, box: Box, name: str, content: bytes) -> None:
        self.put_file(self._partner_tenant[partner], f"/{partner}/{box}", name, content)


def _resource(item: Folder | StoredFile) -> dict[str, Any]:
    return folder_resource(item) if isinstance(item, Folder) else file_resource(item)


def _tenants_and_users(cleo: dict[str, Any]) -> tuple[list[Tenant], list[User]]:
    tenants, users = [], []
    for entry in cleo.get("tenants") or []:
        try:
            tenant = Tenant(str(entry["id"]), tuple(str(p) for p in entry.get("partners") or []))
            users += [
                User(str(u["username"]), str(u["password"]), tenant.id, u.get("totp_secret"))
                for u in entry.get("users") or []
            ]
        except (KeyError, TypeError, AttributeError) as exc:
            raise ScenarioError(f"scenario section 'cleo.tenants': malformed entry ({exc!r})") from exc
        for user in users:
            if user.totp_secret is not None and not valid_totp_secret(user.totp_secret):
                raise ScenarioError(f"cleo user {user.username}: totp_secret must be base32 of at least 112 bits")
        tenants.append(tenant)
    return tenants, users
