"""Folders and files as Cleo's API shows them: Harmony's resource conventions [C] (HAL `_links`), shapes [I]."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from simulators.cleo.store import Folder, StoredFile

FILTER_ATTRIBUTES = frozenset({"id", "type", "name", "path", "size", "created", "modified"})


def timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def folder_resource(folder: Folder) -> dict[str, Any]:
    href = f"/api/folders/{folder.id}"
    return {
        "id": folder.id,
        "type": "folder",
        "name": folder.name,
        "path": folder.path,
        "created": timestamp(folder.created),
        "_links": {
            "self": {"href": href},
            "children": {"href": f"{href}/children"},
            "files": {"href": f"{href}/files"},
        },
    }


def file_resource(stored: StoredFile) -> dict[str, Any]:
    href = f"/api/files/{stored.id}"
    return {
        "id": stored.id,
        "type": "file",
        "name": stored.name,
        "path": stored.path,
        "size": len(stored.content),
        "created": timestamp(stored.created),
        "modified": timestamp(stored.modified),
        "_links": {
            "self": {"href": href},
            "content": {"href": f"{href}/content"},
            "folder": {"href": f"/api/folders/{stored.folder.id}"},
        },
    }
