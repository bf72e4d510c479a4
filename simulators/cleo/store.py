"""Cleo's folders and files, per tenant; thread-safe, because the trading partners write from their own thread.

A user sees only its tenant's folders: an id from another tenant answers 404 exactly as an unknown id does,
so ids of other tenants cannot be probed.
"""

from __future__ import annotations

import base64
import random
import threading
from dataclasses import dataclass, replace
from typing import Literal

from simulators.cleo.errors import ConflictError, NotFoundError


@dataclass(frozen=True)
class Folder:
    id: str
    tenant: str
    path: str
    created: float

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def parent_path(self) -> str:
        return self.path.rsplit("/", 1)[0]


@dataclass(frozen=True)
class StoredFile:
    id: str
    tenant: str
    folder: Folder
    name: str
    content: bytes
    created: float
    modified: float

    @property
    def path(self) -> str:
        return f"{self.folder.path}/{self.name}"


DuplicateNames = Literal["new_file", "conflict"]


class FolderStore:
    """Folders are fixed by the scenario; files come and go. Ids are 22-char base64url, as Cleo's are [C]."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._lock = threading.RLock()
        self._folders: dict[str, Folder] = {}
        self._files: dict[str, StoredFile] = {}

    def new_id(self) -> str:
        return base64.urlsafe_b64encode(self._rng.randbytes(16)).rstrip(b"=").decode()

    def add_folder(self, tenant: str, path: str, now: float) -> Folder:
        with self._lock:
            folder = Folder(self.new_id(), tenant, path, now)
            self._folders[folder.id] = folder
            return folder

    def folders(self, tenant: str) -> list[Folder]:
        with self._lock:
            return [f for f in self._folders.values() if f.tenant == tenant]

    def folder(self, tenant: str, folder_id: str) -> Folder:
        with self._lock:
            folder = self._folders.get(folder_id)
        if folder is None or folder.tenant != tenant:
            raise NotFoundError(f"folder {folder_id} not found")
        return folder

    def folder_at(self, tenant: str, path: str) -> Folder:
        with self._lock:
            for folder in self._folders.values():
                if folder.tenant == tenant and folder.path == path:
                    return folder
        raise NotFoundError(f"folder {path} not found")

    def subfolders(self, folder: Folder) -> list[Folder]:
        with self._lock:
            return [f for f in self._folders.values() if f.tenant == folder.tenant and f.parent_path == folder.path]

    def files_in(self, folder: Folder) -> list[StoredFile]:
        """Oldest first, the order the files arrived in."""
        with self._lock:
            return [f for f in self._files.values() if f.folder.id == folder.id]

    def add_file(
        self, folder: Folder, name: str, content: bytes, now: float, duplicates: DuplicateNames
    ) -> StoredFile:
        with self._lock:
            self._refuse_clash(folder, name, duplicates)
            stored = StoredFile(self.new_id(), folder.tenant, folder, name, content, now, now)
            self._files[stored.id] = stored
            return stored

    def file(self, tenant: str, file_id: str) -> StoredFile:
        with self._lock:
            stored = self._files.get(file_id)
        if stored is None or stored.tenant != tenant:
            raise NotFoundError(f"file {file_id} not found")
        return stored

    def delete_file(self, tenant: str, file_id: str) -> None:
        with self._lock:
            self.file(tenant, file_id)
            del self._files[file_id]

    def move_file(
        self, tenant: str, file_id: str, target: Folder, now: float, duplicates: DuplicateNames
    ) -> StoredFile:
        with self._lock:
            stored = self.file(tenant, file_id)
            self._refuse_clash(target, stored.name, duplicates)
            moved = replace(stored, folder=target, modified=now)
            self._files[file_id] = moved
            return moved

    def _refuse_clash(self, folder: Folder, name: str, duplicates: DuplicateNames) -> None:
        if duplicates == "conflict" and any(f.name == name for f in self.files_in(folder)):
            raise ConflictError(f"a file named {name} already exists in {folder.path}")
