"""``CleoClient``: one customer's Cleo tenant as folders and files (spec section 1.5, shapes [I]).

Each method is one remote operation on the shared :class:`~edi_assets.connectors.http.ApiClient`, so the auth
flow, the rate limiter, the retry policy and the typed errors are the shared ones. What is Cleo's own:

* Folders are addressed by id; callers speak paths (``/steelco/inbound``). Ids are looked up once (SCIM-like
  filter ``path eq "..."``, checked again here in case a server ignores the filter) and cached: the folder
  tree is fixed per tenant.
* Collections page with ``startIndex``/``count`` and ``{"totalResults", "resources"}`` [C]; every method that
  lists reads all pages.
* An upload is a POST and creates a new file every time, even under a name already there. Names are unique
  per document (the caller derives them from the ledger), so :meth:`CleoClient.upload_once` looks the name up
  before uploading and again after an :class:`OutcomeUnknown`, and a retry never leaves two copies.
* Requests are limited per (tenant, user, path) on the shared, cross-process limiter. Cleo budgets per
  (path, token); keying on the user instead is stricter (several runs' tokens share one budget) and survives
  token renewal. A 429 that gets through anyway is retried after its Retry-After by the shared policy.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, Self

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from edi_assets.connectors.cleo.auth import SYSTEM, CleoAuth
from edi_assets.connectors.erp import CredentialSource
from edi_assets.connectors.errors import (
    AuthenticationError,
    ConnectorError,
    NotFound,
    OutcomeUnknown,
    RemoteRejected,
)
from edi_assets.connectors.http import ApiClient, default_raise_for, remote_message
from edi_assets.connectors.ratelimit import Limit, RateLimiter
from edi_assets.connectors.redaction import get_logger
from edi_assets.connectors.retry import RetryPolicy
from edi_assets.customers import Customer

log = get_logger(__name__)

AfterProcessing = Literal["keep", "delete", "move"]

#: Largest page Cleo's own client asks for [C]; a server may answer with fewer.
PAGE_SIZE = 100

_BAD_NAME = re.compile(r"[/\\\x00-\x1f]")
_CHECKSUM_KEYS = ("checksum", "sha256", "sha-256", "md5", "hash")


class FileExists(RemoteRejected):
    """HTTP 409: the folder already holds a file of that name (Cleo set to refuse duplicate names)."""


class CleoFolder(BaseModel):
    """A folder as Cleo lists it."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    path: str


class CleoFile(BaseModel):
    """A file's metadata; ``folder`` is the path of the folder holding it."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    folder: str
    size: int | None = None
    created: datetime | None = None
    modified: datetime | None = None
    checksum: str | None = None  # whatever digest the API reports, if any (the spec names none)

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.name}"


class _Page(BaseModel):
    total: int = Field(alias="totalResults", ge=0)
    resources: list[dict[str, Any]]


def cleo_limit(requests_per_second: float) -> Limit:
    """The limiter's :class:`Limit` for a customer's ``cleo.requests_per_second`` (fractions allowed)."""
    if requests_per_second >= 1:
        return Limit(requests=math.floor(requests_per_second), per_seconds=1.0)
    return Limit(requests=1, per_seconds=1.0 / requests_per_second)


def raise_for(response: httpx.Response) -> None:
    """Cleo's errors are ``{"message": ...}`` with the HTTP status [C]; a 409 is a name clash, not a stale read."""
    if response.status_code == 409:
        message, field = remote_message(response)
        raise FileExists(message, field=field or "name", system=SYSTEM, status=409)
    default_raise_for(response, system=SYSTEM)


class CleoClient:
    """Folders and files of one Cleo tenant, as one user."""

    def __init__(self, base_url: str, auth: CleoAuth, *, limiter: RateLimiter | None = None,
                 retry: RetryPolicy | None = None, transport: httpx.BaseTransport | None = None,
                 customer: Customer | None = None, page_size: int = PAGE_SIZE, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.customer = customer
        self.page_size = page_size
        self.api = ApiClient(system=SYSTEM, base_url=self.base_url, auth=auth, limiter=limiter, retry=retry,
                             raise_for=raise_for, timeout=timeout, headers={"Accept": "application/json"},
                             transport=transport)
        self._rate_scope = f"{self.base_url} {auth.username}"
        self._folder_ids: dict[str, str] = {}

    @classmethod
    def from_customer(cls, customer: Customer, credentials: CredentialSource, *, limiter: RateLimiter | None = None,
                      retry: RetryPolicy | None = None, transport: httpx.BaseTransport | None = None,
                      wall_clock: Callable[[], float] = time.time,
                      sleep: Callable[[float], None] = time.sleep) -> CleoClient:
        """The client for ``customer``'s tenant with its vault credentials (``cleo.username``, ``cleo.password``,
        and ``cleo.totp_secret`` when the user has 2FA). ``limiter`` is the process's shared one (its default
        settings hold Cleo to 5 requests per second per path; :func:`cleo_limit` turns the customer's
        ``cleo.requests_per_second`` into a limit); None turns local limiting off, leaving Cleo's own 429s,
        which are waited out. ``wall_clock`` and ``sleep`` are the TOTP steps' (see :class:`CleoAuth`)."""
        username = _required(credentials, customer.id, "cleo.username")
        password = _required(credentials, customer.id, "cleo.password")
        totp_secret = _optional(credentials, "cleo.totp_secret")
        auth = CleoAuth(base_url=customer.cleo.url, username=username.get_secret_value(), password=password,
                        totp_secret=totp_secret, wall_clock=wall_clock, sleep=sleep)
        if limiter is not None:
            _check_limit(limiter, customer)
        return cls(customer.cleo.url, auth, limiter=limiter, retry=retry, transport=transport, customer=customer)

    # -- folders ------------------------------------------------------------------------------------------

    def folders(self) -> list[CleoFolder]:
        """Every folder of the tenant (all pages); remembers their ids."""
        found = [self._folder(r) for r in self._pages("/api/folders", operation="list folders")
                 if r.get("type", "folder") == "folder"]
        self._folder_ids.update({f.path: f.id for f in found})
        return found

    def folder_id(self, path: str) -> str:
        """The id of the folder at ``path``; :class:`NotFound` when there is none."""
        path = _folder_path(path)
        if path not in self._folder_ids:
            for resource in self._pages("/api/folders", operation=f"find folder {path}",
                                        filter=f"path eq {json.dumps(path, ensure_ascii=False)}"):
                if resource.get("type", "folder") == "folder" and resource.get("path") == path:
                    self._folder_ids[path] = self._folder(resource).id
                    break
            else:
                raise NotFound(f"no folder {path}", system=SYSTEM, operation=f"find folder {path}")
        return self._folder_ids[path]

    def list_folder(self, path: str) -> list[CleoFile]:
        """The files (not subfolders) in the folder at ``path``, oldest first, all pages read."""
        return list(self._files(_folder_path(path)))

    def find_by_name(self, folder_path: str, name: str) -> CleoFile | None:
        """The file called ``name`` in the folder, or None; with duplicates (uploaded twice), the oldest."""
        path = _folder_path(folder_path)
        wanted = f"name eq {json.dumps(name, ensure_ascii=False)}"
        matches = [f for f in self._files(path, filter=wanted) if f.name == name]
        if len(matches) > 1:
            log.warning("cleo: %d files named %s in %s; using the oldest (%s)", len(matches), name, path,
                        matches[0].id)
        return matches[0] if matches else None

    # -- files --------------------------------------------------------------------------------------------

    def get_file(self, file_id: str) -> CleoFile:
        url = f"/api/files/{file_id}"
        body = self.api.json("GET", url, operation="read file metadata", rate_key=self._key(url))
        return self._file(body, None)

    def download(self, file_id: str) -> bytes:
        url = f"/api/files/{file_id}/content"
        response = self.api.request("GET", url, operation="download", rate_key=self._key(url),
                                    headers={"Accept": "application/octet-stream"})
        return response.content

    def upload(self, folder_path: str, name: str, content: bytes, *, document: str | None = None,
               partner: str | None = None) -> CleoFile:
        """Create a file. Not idempotent: a second call makes a second file, so after an
        :class:`OutcomeUnknown` look the name up (:meth:`find_by_name`) instead of calling again, or use
        :meth:`upload_once`."""
        _check_name(name)
        path = _folder_path(folder_path)
        url = f"/api/folders/{self.folder_id(path)}/files"
        operation = f"upload {name} to {path}"
        response = self.api.request("POST", url, operation=operation, rate_key=self._key(url), document=document,
                                    partner=partner, files={"file": (name, content, "application/octet-stream")})
        try:
            body = response.json()
        except ValueError:
            raise OutcomeUnknown("upload answered with an unreadable body", system=SYSTEM, operation=operation,
                                 status=response.status_code, document=document, partner=partner) from None
        uploaded = self._file(body, path)
        log.info("cleo: uploaded %s (%d bytes) to %s as file %s", name, len(content), path, uploaded.id)
        return uploaded

    def upload_once(self, folder_path: str, name: str, content: bytes, *, document: str | None = None,
                    partner: str | None = None, first_attempt: bool = False) -> CleoFile:
        """The file called ``name`` in the folder, uploading ``content`` only when it is not there yet.

        ``name`` must identify the document (the ledger derives it), so finding it means an earlier attempt
        got through. After an :class:`OutcomeUnknown` the name is looked up again; if it is still missing
        the error is raised, and the caller tries again later (the same way, by name). ``first_attempt``: the
        caller recorded the intent (and the name) just now, so no earlier attempt can have uploaded it and the
        lookup before the upload is skipped (one listing request less per file); the lookups after a failed or
        unknown upload stay."""
        existing = None if first_attempt else self.find_by_name(folder_path, name)
        if existing is not None:
            _note_existing(existing, content)
            return existing
        try:
            return self.upload(folder_path, name, content, document=document, partner=partner)
        except FileExists:
            found = self.find_by_name(folder_path, name)
            if found is None:
                raise
            _note_existing(found, content)
            return found
        except OutcomeUnknown as unknown:
            try:
                found = self.find_by_name(folder_path, name)
            except ConnectorError as lookup:
                log.warning("cleo: looking up %s after an unknown outcome failed too: %s", name, lookup)
                raise unknown from None
            if found is None:
                raise
            log.info("cleo: the upload of %s went through after all (file %s)", name, found.id)
            return found

    def delete(self, file_id: str, *, missing_ok: bool = False) -> None:
        """Delete a file; ``missing_ok`` takes a 404 as done (a retry of a delete that went through)."""
        url = f"/api/files/{file_id}"
        try:
            self.api.request("DELETE", url, operation="delete file", rate_key=self._key(url))
        except NotFound:
            if not missing_ok:
                raise
        log.info("cleo: deleted file %s", file_id)

    def move(self, file_id: str, to_folder_path: str) -> CleoFile:
        """Move a file to another folder (``PUT /api/files/{id}`` with the folder's href [I]); it keeps its id."""
        path = _folder_path(to_folder_path)
        target = self.folder_id(path)
        url = f"/api/files/{file_id}"
        try:
            body = self.api.json("PUT", url, operation=f"move file to {path}", rate_key=self._key(url),
                                 json={"folder": {"href": f"/api/folders/{target}"}})
        except FileExists:
            current = self.get_file(file_id)  # a repeated move finds the file already there, under its own name
            if current.folder != path:
                raise
            return current
        moved = self._file(body, path)
        log.info("cleo: moved file %s (%s) to %s", file_id, moved.name, path)
        return moved

    def after_processing(self, file: CleoFile, setting: AfterProcessing | None = None, *,
                         archive_folder: str | None = None) -> CleoFile | None:
        """Apply ``cleo.after_processing`` to an inbound file once its document is safely recorded: keep it,
        delete it, or move it to the archive folder of the partner whose inbound folder holds it.
        Returns the file where it now is, or None once deleted. ``setting`` defaults to the customer's."""
        if setting is None:
            if self.customer is None:
                raise ValueError("no after_processing setting: pass one, or build the client from a customer")
            setting = self.customer.cleo.after_processing
        if setting == "keep":
            return file
        if setting == "delete":
            self.delete(file.id, missing_ok=True)
            return None
        return self.move(file.id, archive_folder or self._archive_for(file))

    # -- plumbing -----------------------------------------------------------------------------------------

    def close(self) -> None:
        self.api.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def _key(self, url: str) -> str:
        return f"{self._rate_scope} {url}"

    def _pages(self, url: str, *, operation: str, filter: str | None = None) -> Iterator[dict[str, Any]]:
        """Every resource of a collection: ``startIndex`` advances by what each page held, to ``totalResults``."""
        start, seen = 0, set()
        while True:
            params: dict[str, Any] = {"startIndex": start, "count": self.page_size}
            if filter:
                params["filter"] = filter
            body = self.api.json("GET", url, operation=operation, rate_key=self._key(url), params=params)
            try:
                page = _Page.model_validate(body)
            except ValidationError:
                raise ConnectorError("collection answer is not {totalResults, resources}", system=SYSTEM,
                                     operation=operation) from None
            for resource in page.resources:
                key = resource.get("id")
                if key in seen:
                    continue  # a file added meanwhile shifted the pages
                seen.add(key)
                yield resource
            start += len(page.resources)
            if not page.resources or start >= page.total:
                return

    def _files(self, path: str, *, filter: str | None = None) -> Iterator[CleoFile]:
        url = f"/api/folders/{self.folder_id(path)}/children"
        for resource in self._pages(url, operation=f"list {path}", filter=filter):
            if resource.get("type") == "file":
                yield self._file(resource, path)

    def _folder(self, resource: Mapping[str, Any]) -> CleoFolder:
        try:
            return CleoFolder.model_validate(resource)
        except ValidationError:
            raise ConnectorError("folder resource lacks id, name or path", system=SYSTEM) from None

    def _file(self, resource: Any, folder: str | None) -> CleoFile:
        """A file resource as :class:`CleoFile`; the folder comes from its ``path`` when the API gives one."""
        if not isinstance(resource, dict):
            raise ConnectorError("file resource is not an object", system=SYSTEM)
        full_path = resource.get("path")
        if isinstance(full_path, str) and "/" in full_path:
            folder = full_path.rsplit("/", 1)[0] or "/"
        checksum = next((str(resource[k]) for k in _CHECKSUM_KEYS if resource.get(k)), None)
        try:
            return CleoFile.model_validate({**{k: resource.get(k) for k in ("id", "name", "size", "created",
                                                                              "modified")},
                                            "folder": folder, "checksum": checksum})
        except ValidationError:
            raise ConnectorError("file resource lacks id or name, or has an unreadable size or time",
                                 system=SYSTEM) from None

    def _archive_for(self, file: CleoFile) -> str:
        if self.customer is not None:
            for partner in self.customer.partners:
                if _folder_path(partner.inbound) == file.folder:
                    return partner.archive
        raise ValueError(f"no partner's inbound folder is {file.folder}: pass archive_folder")


def _folder_path(path: str) -> str:
    """``/steelco/inbound/`` and ``/steelco/inbound`` name the same folder."""
    stripped = path.rstrip("/")
    if not stripped.startswith("/"):
        raise ValueError(f"folder paths are absolute: {path!r}")
    return stripped


def _check_name(name: str) -> None:
    if not name or name in (".", "..") or len(name) > 255 or _BAD_NAME.search(name):
        raise ValueError(f"not a usable Cleo file name: {name!r} (no slashes or control characters, 1-255 chars)")


def _note_existing(existing: CleoFile, content: bytes) -> None:
    if existing.size is not None and existing.size != len(content):
        log.warning("cleo: %s is already in %s but with %d bytes, not %d; keeping the file that is there",
                    existing.name, existing.folder, existing.size, len(content))
    else:
        log.info("cleo: %s is already in %s (file %s); not uploading again", existing.name, existing.folder,
                 existing.id)


def _required(credentials: CredentialSource, customer: str, name: str) -> SecretStr:
    try:
        return credentials(name)
    except LookupError:
        raise AuthenticationError(f"credential {name} is not stored for customer {customer} "
                                  f"(edi credentials set {customer} {name})", system=SYSTEM) from None


def _optional(credentials: CredentialSource, name: str) -> SecretStr | None:
    try:
        value = credentials(name)
    except LookupError:
        return None
    return value if value.get_secret_value().strip() else None


def _check_limit(limiter: RateLimiter, customer: Customer) -> None:
    limit = limiter.settings.limits.get(SYSTEM)
    wanted = customer.cleo.requests_per_second
    if limit is None or limit.requests / limit.per_seconds > wanted:
        log.warning("cleo: the shared limiter allows %s for Cleo, more than customer %s's %g requests per second; "
                    "Cleo's 429s will be retried", f"{limit.requests}/{limit.per_seconds:g} s" if limit else "anything",
                    customer.id, wanted)
