"""Every ledger test runs on SQLite, and on PostgreSQL when EDI_TEST_POSTGRES_URL is set (CI sets it)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from edi_assets.ledger import Ledger

POSTGRES_URL = os.environ.get("EDI_TEST_POSTGRES_URL")


def postgres_schema_url() -> Iterator[str]:
    """A fresh schema in the test database, dropped afterwards, as a URL whose search_path selects it."""
    assert POSTGRES_URL is not None
    base = "postgresql+psycopg://" + POSTGRES_URL.split("://", 1)[1]
    schema = f"ledger_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        return
    if not POSTGRES_URL:
        pytest.skip("EDI_TEST_POSTGRES_URL is not set: PostgreSQL ledger tests skipped (.ci/run sets it)")
    yield from postgres_schema_url()


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    opened = Ledger(ledger_url)
    yield opened
    opened.close()
