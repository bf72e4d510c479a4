"""The ledger: durable record of every file, document, posting, upload, acknowledgment, hold and audit step.

Every state change happens in one transaction together with its audit row, so the trail can never disagree with
the state. The rules it enforces:

* a Cleo file is processed once per (file id, checksum); an interchange seen before from the same sender with the
  same ISA13 is recorded as a duplicate of the first;
* a document is recorded once per identity (inbound: partner, interchange, group, set, type; outbound: the ERP key
  and revision), so a rerun or backfill finds the existing record instead of making a second one;
* an external effect is preceded by an intent row and followed by its outcome; a caller that finds an intent
  without outcome must reconcile (look the record up remotely) before trying again; between the two, one
  process at a time holds a :meth:`Ledger.claim` on it, which dies with its process;
* outbound control numbers are allocated in the transaction that records the upload intent: no gaps, no repeats,
  and a resend reuses the stored numbers and bytes.

SQLite (WAL, ``synchronous=FULL``, ``BEGIN IMMEDIATE`` so writers queue instead of failing) by default, under
``$DAGSTER_HOME/ledger.sqlite``; PostgreSQL when ``EDI_LEDGER_URL`` (or the ``url`` argument) says so.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import (
    Connection,
    Engine,
    RootTransaction,
    Row,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from edi_assets.crashpoints import crash_point
from edi_assets.ledger import schema as s
from edi_assets.ledger.locks import KernelLock

Direction = Literal["in", "out"]
Subject = Literal["file", "document", "upload", "group", "interchange"]


# -- statements built once -------------------------------------------------------------------------------------
# Building a SQLAlchemy statement (and its cache key) costs several times what running it does; the statements of
# the per-document paths are built once per table and column set and run with their values as parameters.


@functools.cache
def _select_where(table: Any, columns: tuple[str, ...]) -> Any:
    """``SELECT * FROM table WHERE column = :w_column AND ...``."""
    return select(table).where(*[table.c[name] == bindparam(f"w_{name}") for name in columns])


@functools.cache
def _update_where(table: Any, columns: tuple[str, ...]) -> Any:
    """``UPDATE table SET <the other parameters> WHERE column = :w_column AND ...``."""
    return update(table).where(*[table.c[name] == bindparam(f"w_{name}") for name in columns])


@functools.cache
def _insert_into(table: Any) -> Any:
    return insert(table)


@functools.cache
def _insert_returning(table: Any) -> Any:
    return insert(table).returning(*table.c)


@functools.cache
def _insert_new(table: Any, dialect: str) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING RETURNING *``: the new row, or no row when one with a unique key
    exists (SQLite and PostgreSQL both take it without naming the constraint; no error to fence in)."""
    statement = (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)).on_conflict_do_nothing()
    return statement.returning(*table.c)


def _where(key: Mapping[str, Any]) -> dict[str, Any]:
    return {f"w_{name}": value for name, value in key.items()}


def _row(c: Connection, table: Any, **key: Any) -> Row[Any] | None:
    """The first row of ``table`` whose columns equal ``key``."""
    return c.execute(_select_where(table, tuple(key)), _where(key)).first()


def _one(c: Connection, table: Any, **key: Any) -> Row[Any]:
    row = _row(c, table, **key)
    if row is None:
        raise LedgerError(f"no {table.name} row with {key}")
    return row


def _changed(c: Connection, statement: Any, row_id: int, **values: Any) -> Row[Any]:
    """Run an ``UPDATE ... WHERE id = :w_id RETURNING`` on one row; the columns it returns, or
    :class:`LedgerError` when there is no such row."""
    row = c.execute(statement, {"w_id": row_id, **values}).first()
    if row is None:
        raise LedgerError(f"no {statement.table.name} row with id {row_id}")
    return row


def _set(c: Connection, table: Any, key: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """``UPDATE table SET values WHERE key``: plain values only (an expression needs its own statement)."""
    c.execute(_update_where(table, tuple(key)), {**_where(key), **values})


class LedgerError(RuntimeError):
    """The ledger cannot do what was asked (unknown record, a state change that is not allowed)."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def default_url() -> str:
    url = os.environ.get("EDI_LEDGER_URL")
    if url:
        return url
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        raise LedgerError("set EDI_LEDGER_URL or DAGSTER_HOME: the ledger needs a place to live")
    Path(home).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(home) / 'ledger.sqlite'}"


#: Execution option of the connections the ledger writes on (SQLite begins them with BEGIN IMMEDIATE).
_WRITE = "ledger_write"
#: Seconds a SQLite writer waits for the write lock (as SQLite's own busy timeout) before it fails.
WRITE_LOCK_TIMEOUT = 60.0


def _engine(url: str) -> Engine:
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN IMMEDIATE
            cursor = dbapi_connection.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=60000"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            # The ledger's writes take the write lock up front, so writers queue instead of failing; a read
            # (any other connection) takes a snapshot and neither waits for nor holds up a writer (WAL).
            write = connection.get_execution_options().get(_WRITE, False)
            connection.connection.driver_connection.execute(  # type: ignore[union-attr]
                "BEGIN IMMEDIATE" if write else "BEGIN")  # on the driver: this runs before every transaction

        return engine
    return create_engine(url, pool_pre_ping=True)


class _WriteLock:
    """The lock a SQLite ledger's writers queue on, taken before ``BEGIN IMMEDIATE`` and let go after the commit
    (see :mod:`.locks`: a writer goes on the moment the one before it commits); none for PostgreSQL, which queues
    its writers itself, or for an in-memory database."""

    def __init__(self, database: str | None) -> None:
        self.path = f"{database}.write.lock" if database else None

    def acquire(self) -> KernelLock | None:
        if self.path is None:
            return None
        lock = KernelLock(self.path)
        try:
            lock.acquire(WRITE_LOCK_TIMEOUT)
        except TimeoutError:
            raise LedgerError(f"the ledger stayed locked by another writer for {WRITE_LOCK_TIMEOUT:g} s") from None
        except OSError as error:  # the database's folder is missing or read-only: say so, not which lock file
            raise LedgerError(f"cannot write to the ledger beside {self.path.removesuffix('.write.lock')}: "
                              f"{error.strerror or error}") from None
        return lock

    @contextmanager
    def held(self) -> Iterator[None]:
        lock = self.acquire()
        try:
            yield
        finally:
            if lock is not None:
                lock.release()


class _Unit:
    """The open transaction of a :meth:`Ledger.unit`, begun lazily."""

    def __init__(self, write_lock: _WriteLock) -> None:
        self.write_lock = write_lock
        self.lock: KernelLock | None = None
        self.connection: Connection | None = None
        self.transaction: RootTransaction | None = None
        self.failed: str | None = None
        self.audits: list[dict[str, Any]] = []  # the unit's audit rows, inserted in one statement before the commit

    def begin(self, engine: Engine) -> Connection:
        if self.failed is not None:
            raise LedgerError(f"the ledger unit was rolled back ({self.failed}); nothing more is written in it")
        if self.connection is None:
            self.lock = self.write_lock.acquire()
            try:
                self.connection = engine.connect().execution_options(**{_WRITE: True})
                self.transaction = self.connection.begin()
            except BaseException:
                self._close()
                raise
        return self.connection

    def commit(self) -> None:
        if self.failed is not None:
            raise LedgerError(f"the ledger unit was rolled back ({self.failed}); its writes are not in the ledger")
        try:
            if self.audits and self.connection is not None:
                self.connection.execute(_insert_into(s.audit), self.audits)
            if self.transaction is not None:
                self.transaction.commit()
        finally:
            self._close()

    def rollback(self, why: str) -> None:
        if self.transaction is not None and self.transaction.is_active:
            self.transaction.rollback()
        self._close()
        self.failed = self.failed or why

    def _close(self) -> None:
        try:
            if self.connection is not None:
                self.connection.close()
        finally:
            self.connection = self.transaction = None
            self.audits = []
            if self.lock is not None:
                self.lock.release()
                self.lock = None


@dataclass(frozen=True)
class Allocated:
    """Control numbers handed to the renderer of one outbound interchange."""

    interchange: str  # ISA13 of the first interchange, nine digits
    group: str  # GS06 of the first group; an upload given n of each uses the n consecutive numbers


class Ledger:
    """One ledger database; safe to share between threads, and between processes through the database."""

    def __init__(self, url: str | None = None, *, actor: str = "pipeline") -> None:
        self.url = url or default_url()
        self.engine = _engine(self.url)
        self.actor = actor
        database = self.engine.url.database if self.engine.dialect.name == "sqlite" else None
        self._file = os.path.abspath(database) if database and database != ":memory:" else None  # SQLite file
        self._write_lock = _WriteLock(self._file)
        self._claims_folder: Path | None = None
        self._local = threading.local()  # this thread's open unit (see unit())
        self.migrate()

    def __repr__(self) -> str:
        return f"Ledger({self.engine.url.render_as_string(hide_password=True)})"

    def close(self) -> None:
        self.engine.dispose()

    # -- plumbing -----------------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction; inside a :meth:`unit` of this thread, the unit's (committed when the unit ends)."""
        unit: _Unit | None = getattr(self._local, "unit", None)
        if unit is None:
            with (self._write_lock.held(), self.engine.connect() as connection,
                  connection.execution_options(**{_WRITE: True}).begin()):
                yield connection
            return
        connection = unit.begin(self.engine)
        try:
            yield connection
        except BaseException:
            unit.rollback("a ledger write inside the unit failed")
            raise

    @contextmanager
    def unit(self) -> Iterator[None]:
        """The ledger writes this thread makes inside the block commit together when it ends: one transaction
        (begun at the first write, so reads and remote lookups before it hold no lock) instead of one per call.

        For local work only: never put an external effect inside a unit, since its intent must be committed
        before it. An exception rolls back everything the unit wrote; a unit whose write failed refuses further
        writes and fails at its end even when the exception was caught, so nothing is lost silently. A unit
        inside a unit joins the outer one."""
        if getattr(self._local, "unit", None) is not None:
            yield
            return
        unit = _Unit(self._write_lock)
        self._local.unit = unit
        try:
            yield
        except BaseException:
            unit.rollback("the unit's block raised")
            raise
        finally:
            self._local.unit = None
        unit.commit()

    def flush(self) -> None:
        """Commit what the open unit of this thread wrote so far (nothing without one); the unit goes on."""
        unit: _Unit | None = getattr(self._local, "unit", None)
        if unit is not None:
            unit.commit()

    @contextmanager
    def claim(self, key: str, *, timeout: float = 120.0) -> Iterator[None]:
        """Work on ``key`` (one upload, one posting) in one process at a time: the block runs once no other live
        process holds the key (:class:`LedgerError` after ``timeout`` seconds of waiting).

        For the external effect between an intent and its outcome: two runs of a partition at once would
        otherwise both find the effect missing and both make it. A claim dies with its process (SQLite: a
        ``flock`` on a file beside the database, which the kernel drops; PostgreSQL: a session advisory lock,
        dropped with the connection), so a crash never leaves one behind: the next run claims the key and
        reconciles. The caller reads the record's state again inside the block: the holder before it may have
        finished the work. Never inside a :meth:`unit` (a claim waits; a unit holds the write lock).

        A key's words before its last name its group (``posting acme 17``: postings of customer acme). On SQLite
        and in memory, keys share a lock only within their group (hashed into 4,096 per group): a batch that
        holds its claims across fifty ERP calls never makes another customer's run, or a 997, wait on it."""
        with self.claims([key], timeout=timeout):
            yield

    @contextmanager
    def claims(self, keys: Sequence[str], *, timeout: float = 120.0) -> Iterator[None]:
        """:meth:`claim` for several keys at once (a batch of postings): taken in one global order, so two runs
        that claim overlapping batches wait for each other instead of each holding what the other needs."""
        deadline = time.monotonic() + timeout

        def stayed(key: str) -> LedgerError:
            return LedgerError(f"{key} stayed claimed by another run for {timeout:g} s")

        digests = {key: hashlib.sha256(f"{self.url}\0{key}".encode()).digest() for key in keys}
        if self.engine.dialect.name == "postgresql":
            numbers = {int.from_bytes(d[:8], "big", signed=True): key for key, d in digests.items()}
            with self.engine.connect() as c:
                taken: list[int] = []
                try:
                    for number in sorted(numbers):
                        while not c.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": number}).scalar():
                            c.commit()
                            if time.monotonic() > deadline:
                                raise stayed(numbers[number])
                            time.sleep(0.02)
                        taken.append(number)
                    c.commit()
                    yield
                finally:
                    for number in taken:
                        c.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": number})
                    c.commit()
            return
        # Lock names (file names on SQLite): the key's group, then its hash bucket within the group.
        names = {f"{_claim_group(key)}.{int.from_bytes(d[:4], 'big') % 4096:04d}": key for key, d in digests.items()}
        with ExitStack() as held:
            if self._file is None:
                for name in sorted(names):
                    memory = _memory_claim(name)
                    if not memory.acquire(timeout=max(0.0, deadline - time.monotonic())):
                        raise stayed(names[name])
                    held.callback(memory.release)
            else:
                if self._claims_folder is None:
                    self._claims_folder = Path(f"{self._file}.claims")
                    self._claims_folder.mkdir(exist_ok=True)
                for name in sorted(names):
                    lock = KernelLock(self._claims_folder / f"{name}.lock")
                    try:
                        lock.acquire(max(0.0, deadline - time.monotonic()))
                    except TimeoutError:
                        raise stayed(names[name]) from None
                    held.callback(lock.release)
            yield

    def migrate(self) -> int:
        """Bring the schema to :data:`schema.LATEST`; returns the version found before."""
        with self.transaction() as c:
            if c.dialect.name == "postgresql":
                c.execute(text("SELECT pg_advisory_xact_lock(7316001)"))  # one migrator at a time
            s.schema_version.create(c, checkfirst=True)
            found = c.execute(select(func.max(s.schema_version.c.version))).scalar() or 0
            for version in range(found, s.LATEST):
                s.MIGRATIONS[version](c)
                c.execute(insert(s.schema_version).values(version=version + 1))
            return int(found)

    def _audit(self, c: Connection, customer: str, subject: Subject | str, subject_id: int, step: str,
               detail: Mapping[str, Any] | None = None, actor: str | None = None) -> None:
        row = dict(at=now(), customer=customer, subject=subject, subject_id=subject_id, step=step,
                   detail=dict(detail or {}), actor=actor or self.actor)
        unit: _Unit | None = getattr(self._local, "unit", None)
        if unit is not None and unit.connection is c:
            unit.audits.append(row)  # with the unit's other audit rows, in its transaction
        else:
            c.execute(_insert_into(s.audit), row)
        crash_point("in_ledger_transaction")  # the reliability harness's kill -9 before the commit

    def audit(self, customer: str, subject: Subject | str, subject_id: int, step: str,
              detail: Mapping[str, Any] | None = None, actor: str | None = None) -> None:
        """Record a step that changes no state (a reconciliation found nothing, a skipped duplicate...)."""
        with self.transaction() as c:
            self._audit(c, customer, subject, subject_id, step, detail, actor)

    @staticmethod
    def _insert_once(c: Connection, table: Any, values: Mapping[str, Any], key: Mapping[str, Any]) -> tuple[Row[Any],
                                                                                                          bool]:
        """Insert unless a row with ``key`` (a unique key of ``table``) exists; the row and whether it is new. One
        statement for a new row; concurrent callers converge on one row (the loser inserts nothing, and reads the
        winner's)."""
        row = c.execute(_insert_new(table, c.dialect.name), dict(values)).first()
        if row is not None:
            return row, True
        found = _row(c, table, **key)
        if found is None:  # the conflict was on another unique key of the table: a caller's mistake
            raise LedgerError(f"a {table.name} row conflicts with an existing one, but none has {dict(key)}")
        return found, False

    # -- inbound files and interchanges -------------------------------------------------------------------

    def file_seen(self, *, customer: str, partner: str, folder: str, cleo_file_id: str, name: str,
                  content: bytes) -> tuple[Row[Any], bool]:
        """Record a downloaded Cleo file with its bytes; (row, new). Once per Cleo file id and checksum."""
        checksum = hashlib.sha256(content).hexdigest()
        size = len(content)
        with self.transaction() as c:
            at = now()
            row, new = self._insert_once(c, s.files, dict(
                customer=customer, partner=partner, folder=folder, cleo_file_id=cleo_file_id, name=name,
                checksum=checksum, size=size, content=content, state="seen", created_at=at, updated_at=at),
                dict(customer=customer, cleo_file_id=cleo_file_id, checksum=checksum))
            if new:
                self._audit(c, customer, "file", row.id, "file.seen",
                            {"partner": partner, "folder": folder, "name": name, "cleo_file_id": cleo_file_id,
                             "checksum": checksum, "size": size})
            return row, new

    def files(self, customer: str, *, states: list[str] | None = None) -> list[Row[Any]]:
        query = select(s.files).where(s.files.c.customer == customer)
        if states:
            query = query.where(s.files.c.state.in_(states))
        with self.engine.connect() as c:
            return list(c.execute(query.order_by(s.files.c.id)))

    def files_by_cleo_id(self, customer: str, cleo_file_id: str) -> list[Row[Any]]:
        key = dict(customer=customer, cleo_file_id=cleo_file_id)
        with self.engine.connect() as c:
            return list(c.execute(_select_where(s.files, tuple(key)), _where(key)))

    def files_ready_to_finish(self, customer: str) -> list[Row[Any]]:
        """Processed files none of whose documents still waits to be posted."""
        d = s.documents.c
        waiting = select(d.id).where(d.file_id == s.files.c.id, d.state.in_(["received", "failed", "posting"]))
        with self.engine.connect() as c:
            return list(c.execute(select(s.files).where(s.files.c.customer == customer,
                                                        s.files.c.state == "processed", ~waiting.exists())
                                  .order_by(s.files.c.id)))

    def file_state(self, file_id: int, state: str, reason: str | None = None) -> None:
        reason = _fit_optional(s.files.c.reason, reason)
        with self.transaction() as c:
            customer = _changed(c, _FILE_STATE, file_id, state=state, reason=reason, updated_at=now()).customer
            self._audit(c, customer, "file", file_id, f"file.{state}", {"reason": reason} if reason else None)

    def interchange_seen(self, *, customer: str, partner: str, file_id: int, sender: str,
                         control_number: str) -> tuple[int, int | None]:
        """Record one interchange of a file; (its id, the id of an earlier interchange with the same sender and
        ISA13 from another file, when there is one: a duplicate to flag, not to post)."""
        sender, control_number = _fit(s.interchanges.c.sender, sender), _fit(s.interchanges.c.control_number,
                                                                             control_number)
        with self.transaction() as c:
            earlier = c.execute(_EARLIER_INTERCHANGE, dict(customer=customer, sender=sender,
                                                            control_number=control_number, file_id=file_id)).scalar()
            row, new = self._insert_once(c, s.interchanges, dict(
                customer=customer, partner=partner, file_id=file_id, sender=sender, control_number=control_number,
                duplicate_of=earlier, created_at=now()), dict(file_id=file_id, control_number=control_number))
            if new:
                self._audit(c, customer, "interchange", row.id,
                            "interchange.duplicate" if earlier else "interchange.seen",
                            {"sender": sender, "control_number": control_number, "file_id": file_id,
                             **({"duplicate_of": earlier} if earlier else {})})
            return int(row.id), row.duplicate_of

    def group_in(self, *, customer: str, partner: str, interchange_id: int, group_control_number: str,
                 functional_id: str) -> int:
        group_control_number = _fit(s.groups_in.c.group_control_number, group_control_number)
        functional_id = _fit(s.groups_in.c.functional_id, functional_id)
        with self.transaction() as c:
            row, _ = self._insert_once(c, s.groups_in, dict(
                customer=customer, partner=partner, interchange_id=interchange_id,
                group_control_number=group_control_number, functional_id=functional_id, created_at=now()),
                dict(interchange_id=interchange_id, group_control_number=group_control_number))
            return int(row.id)

    # -- documents ----------------------------------------------------------------------------------------

    def document(self, *, customer: str, partner: str, direction: Direction, doc_type: str, doc_key: str,
                 number: str | None, payload: Mapping[str, Any], state: str, file_id: int | None = None,
                 interchange_id: int | None = None, group_control_number: str | None = None,
                 functional_id: str | None = None) -> tuple[Row[Any], bool]:
        """Record a document once per identity; (row, new)."""
        d = s.documents.c
        doc_type, doc_key, number = _fit(d.doc_type, doc_type), _fit(d.doc_key, doc_key), _fit_optional(d.number,
                                                                                                         number)
        group_control_number = _fit_optional(d.group_control_number, group_control_number)
        functional_id = _fit_optional(d.functional_id, functional_id)
        with self.transaction() as c:
            at = now()
            row, new = self._insert_once(c, s.documents, dict(
                customer=customer, partner=partner, direction=direction, doc_type=doc_type, doc_key=doc_key,
                number=number, payload=dict(payload), state=state, file_id=file_id, interchange_id=interchange_id,
                group_control_number=group_control_number, functional_id=functional_id, attempts=0, created_at=at,
                updated_at=at), dict(customer=customer, direction=direction, doc_key=doc_key))
            if new:
                orders = sorted({s.fit_po_number(po) for po in s.payload_po_numbers(payload)})
                if orders:
                    c.execute(insert(s.document_orders), [dict(document_id=row.id, customer=customer, po_number=po)
                                                          for po in orders])
                self._audit(c, customer, "document", row.id, f"document.{state}",
                            {"type": doc_type, "number": number, "key": doc_key, "partner": partner})
            return row, new

    def documents_with_key_prefix(self, customer: str, direction: Direction, prefix: str) -> list[Row[Any]]:
        """Documents whose identity starts with ``prefix`` (every revision of one ERP record)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self.engine.connect() as c:
            return list(c.execute(select(s.documents).where(
                s.documents.c.customer == customer, s.documents.c.direction == direction,
                s.documents.c.doc_key.like(f"{escaped}%", escape="\\")).order_by(s.documents.c.id)))

    def get_document(self, document_id: int) -> Row[Any]:
        with self.engine.connect() as c:
            row = _row(c, s.documents, id=document_id)
        if row is None:
            raise LedgerError(f"no document {document_id}")
        return row

    def set_document_state(self, document_id: int, state: str, reason: str | None = None,
                           detail: Mapping[str, Any] | None = None) -> None:
        with self.transaction() as c:
            self._set_document_state(c, document_id, state, reason, detail)

    def _set_document_state(self, c: Connection, document_id: int, state: str, reason: str | None,
                            detail: Mapping[str, Any] | None = None) -> None:
        reason = _fit_optional(s.documents.c.reason, reason)
        customer = _changed(c, _DOCUMENT_STATE, document_id, state=state, reason=reason, updated_at=now()).customer
        self._audit(c, customer, "document", document_id, f"document.{state}",
                    {**({"reason": reason} if reason else {}), **(detail or {})})

    def documents(self, customer: str, *, direction: Direction | None = None, states: list[str] | None = None,
                  ids: list[int] | None = None) -> list[Row[Any]]:
        query = select(s.documents).where(s.documents.c.customer == customer)
        if direction:
            query = query.where(s.documents.c.direction == direction)
        if states:
            query = query.where(s.documents.c.state.in_(states))
        if ids:
            query = query.where(s.documents.c.id.in_(ids))
        with self.engine.connect() as c:
            return list(c.execute(query.order_by(s.documents.c.id)))

    # -- holds --------------------------------------------------------------------------------------------

    def hold(self, *, customer: str, partner: str | None, subject: Subject, subject_id: int, code: str,
             reason: str) -> int:
        """Hold a record with a reason a person can act on; a document's state becomes ``held``. An open hold
        of the same subject is replaced (a replay that fails again updates the reason, not the count)."""
        reason = _fit(s.holds.c.reason, reason)
        with self.transaction() as c:
            c.execute(update(s.holds).where(s.holds.c.subject == subject, s.holds.c.subject_id == subject_id,
                                            s.holds.c.state == "open")
                      .values(state="superseded", resolved_at=now()))
            hold_id = c.execute(insert(s.holds).values(
                customer=customer, partner=partner, subject=subject, subject_id=subject_id, code=code,
                reason=reason, state="open", created_at=now()).returning(s.holds.c.id)).scalar_one()
            if subject == "document":
                self._set_document_state(c, subject_id, "held", reason, {"hold": hold_id, "code": code})
            elif subject == "file":
                c.execute(update(s.files).where(s.files.c.id == subject_id).values(
                    state="held", reason=reason, updated_at=now()))
                self._audit(c, customer, subject, subject_id, "file.held", {"hold": hold_id, "code": code,
                                                                            "reason": reason})
            else:
                self._audit(c, customer, subject, subject_id, f"{subject}.held",
                            {"hold": hold_id, "code": code, "reason": reason})
            return int(hold_id)

    def holds(self, customer: str, *, open_only: bool = True) -> list[Row[Any]]:
        query = select(s.holds).where(s.holds.c.customer == customer)
        if open_only:
            query = query.where(s.holds.c.state == "open")
        with self.engine.connect() as c:
            return list(c.execute(query.order_by(s.holds.c.id)))

    def resolve_hold(self, hold_id: int, *, state: Literal["replayed", "approved", "released"], by: str,
                     note: str | None = None, release: bool = False) -> Row[Any]:
        """Close an open hold; ``release``: its document goes back to the flow (inbound: received, outbound:
        pending) in the same transaction, so a crash cannot leave it held with no open hold."""
        with self.transaction() as c:
            row = c.execute(select(s.holds).where(s.holds.c.id == hold_id)).first()
            if row is None:
                raise LedgerError(f"no hold {hold_id}")
            if row.state != "open":
                raise LedgerError(f"hold {hold_id} is {row.state}, not open")
            c.execute(update(s.holds).where(s.holds.c.id == hold_id).values(
                state=state, resolved_by=by, resolution=note, resolved_at=now()))
            self._audit(c, row.customer, row.subject, row.subject_id, f"hold.{state}",
                        {"hold": hold_id, "note": note}, actor=by)
            if release and row.subject == "document":
                doc = c.execute(select(s.documents).where(s.documents.c.id == row.subject_id)).one()
                self._set_document_state(c, doc.id, "received" if doc.direction == "in" else "pending", None,
                                         {f"{state}_by": by, "hold": hold_id})
            return row

    def approved(self, subject: Subject, subject_id: int, code: str) -> bool:
        """Whether a person approved an override of this kind of hold for this record."""
        return subject_id in self.approvals(subject, [subject_id], code)

    def approvals(self, subject: Subject, subject_ids: Sequence[int], code: str) -> set[int]:
        """Which of these records a person approved an override of this kind of hold for (one query)."""
        with self.engine.connect() as c:
            return set(c.execute(select(s.holds.c.subject_id).where(
                s.holds.c.subject == subject, s.holds.c.subject_id.in_(subject_ids), s.holds.c.code == code,
                s.holds.c.state == "approved")).scalars())

    # -- ERP postings -------------------------------------------------------------------------------------

    def posting_intent(self, document_id: int, system: str) -> tuple[Row[Any], bool]:
        """Record the intent to post (before the call); (posting row, whether an earlier attempt left an intent
        or a failure without outcome, which the caller must reconcile before posting)."""
        with self.transaction() as c:
            found = _row(c, s.postings, document_id=document_id)
            if found is not None and found.state in ("done", "queued"):
                return found, False
            at = now()
            customer = _changed(c, _DOCUMENT_POSTING, document_id, updated_at=at).customer
            if found is None:
                row, new = self._insert_once(c, s.postings, dict(
                    document_id=document_id, customer=customer, system=system, state="intent", attempts=1,
                    created_at=at, updated_at=at), dict(document_id=document_id))
            else:
                row, new = found, False
            if row.state in ("done", "queued"):  # recorded by a writer since the read above (PostgreSQL)
                raise LedgerError(f"the posting of document {document_id} was done by another run meanwhile")
            must_reconcile = not new and row.state in ("intent", "unknown")
            if not new:
                row = c.execute(_POSTING_AGAIN, {"w_id": row.id, "updated_at": at}).one()
            self._audit(c, customer, "document", document_id, "posting.intent",
                        {"system": system, "attempt": row.attempts, **({"reconcile": True} if must_reconcile else {})})
            return row, must_reconcile

    def posting_done(self, document_id: int, *, record_kind: str, record_id: str, existed: bool = False,
                     queued: bool = False, detail: Mapping[str, Any] | None = None) -> None:
        state = "queued" if queued else "done"
        with self.transaction() as c:
            _set(c, s.postings, {"document_id": document_id}, dict(
                state=state, record_kind=record_kind, record_id=record_id, existed=existed,
                detail=dict(detail or {}), error=None, updated_at=now()))
            self._set_document_state(c, document_id, "queued" if queued else "posted", None,
                                     {"record_kind": record_kind, "record_id": record_id, "existed": existed,
                                      **(detail or {})})

    def posting_failed(self, document_id: int, error: str, *, unknown: bool = False) -> None:
        """An attempt failed; ``unknown``: it may have taken effect (reconcile before the next try)."""
        with self.transaction() as c:
            c.execute(update(s.postings).where(s.postings.c.document_id == document_id).values(
                state="unknown" if unknown else "failed", error=error, updated_at=now()))
            self._set_document_state(c, document_id, "failed", error, {"outcome_unknown": unknown})

    def posting(self, document_id: int) -> Row[Any] | None:
        with self.engine.connect() as c:
            return _row(c, s.postings, document_id=document_id)

    # -- outbound uploads and control numbers -------------------------------------------------------------

    def upload_intent(self, *, customer: str, partner: str, kind: Literal["document", "ack"], subject_key: str,
                      folder: str, render: Callable[[Allocated], tuple[str, bytes]],
                      document_id: int | None = None, functional_id: str | None = None,
                      ack_due: dt.timedelta | None = None, interchanges: int = 1, groups: int = 1) -> Row[Any]:
        """The upload of one interchange, recorded before it is sent. The first call allocates the next ISA13
        and GS06 for the partner (``interchanges`` and ``groups`` consecutive ones), renders with them and stores
        name and bytes in the same transaction; later calls for the same subject return the stored row, so a
        resend reuses its numbers and bytes. A render that fails rolls the allocation back: no gap."""
        with self.transaction() as c:
            found = _row(c, s.uploads, customer=customer, kind=kind, subject_key=subject_key)
            if found is not None:
                return found
            numbers = self._allocate(c, customer, partner, interchanges, groups)
            name, content = render(numbers)
            at = now()
            upload = c.execute(_insert_returning(s.uploads), dict(
                customer=customer, partner=partner, kind=kind, subject_key=subject_key, folder=folder,
                file_name=name, interchange_control_number=numbers.interchange,
                group_control_number=numbers.group, content=content, state="intent", created_at=at,
                updated_at=at)).one()
            upload_id = upload.id
            if kind == "document" and functional_id:
                c.execute(insert(s.groups_out).values(
                    customer=customer, partner=partner, upload_id=upload_id, group_control_number=numbers.group,
                    functional_id=functional_id, due_at=at + (ack_due or dt.timedelta(hours=4)), created_at=at))
            if document_id is not None:
                c.execute(update(s.documents).where(s.documents.c.id == document_id).values(
                    state="uploading", updated_at=at))
            self._audit(c, customer, "upload", upload_id, "upload.intent",
                        {"file_name": name, "folder": folder, "isa13": numbers.interchange,
                         "gs06": numbers.group, "subject": subject_key, "bytes": len(content)})
            return upload

    def _allocate(self, c: Connection, customer: str, partner: str, interchanges: int, groups: int) -> Allocated:
        self._insert_once(c, s.control_numbers, dict(customer=customer, partner=partner, last_interchange=0,
                                                      last_group=0), dict(customer=customer, partner=partner))
        row = c.execute(_ALLOCATE, dict(w_customer=customer, w_partner=partner, interchanges=interchanges,
                                        groups=groups)).one()
        if row.last_interchange > 999_999_999 or row.last_group > 999_999_999:
            raise LedgerError(f"control numbers for {customer}/{partner} are exhausted: agree a reset with the partner")
        return Allocated(interchange=f"{row.last_interchange - interchanges + 1:09d}",
                         group=str(row.last_group - groups + 1))

    def upload_done(self, upload_id: int, cleo_file_id: str, *, found: bool = False) -> None:
        """The upload's outcome; ``found``: reconciliation found the file already in Cleo."""
        with self.transaction() as c:
            row = _changed(c, _UPLOAD_DONE, upload_id, state="done", cleo_file_id=cleo_file_id, updated_at=now())
            if row.kind == "document":
                c.execute(update(s.documents).where(s.documents.c.customer == row.customer,
                                                    s.documents.c.direction == "out",
                                                    s.documents.c.id == _int_or_none(row.subject_key))
                          .values(state="uploaded", updated_at=now()))
            self._audit(c, row.customer, "upload", upload_id, "upload.done",
                        {"cleo_file_id": cleo_file_id, "found_by_reconciliation": found})

    def upload_attempts(self, upload_ids: Sequence[int]) -> set[int]:
        """Take the first attempt of the uploads never tried (``intent`` → ``sending``), in one transaction before
        the first request; the ids this call took. Concurrent callers cannot both take one (a conditional update).
        The taker may send without a lookup by name as long as the state is still ``sending`` when it holds the
        upload's claim; every other attempt is recorded first (:meth:`upload_retry`) and looks the name up."""
        if not upload_ids:
            return set()
        with self.transaction() as c:
            moved = c.execute(_UPLOAD_SENDING, {"ids": list(upload_ids), "updated_at": now()}).all()
            for row in moved:
                self._audit(c, row.customer, "upload", row.id, "upload.sending")
            return {int(row.id) for row in moved}

    def upload_retry(self, upload_id: int) -> None:
        """Record, before sending it, that an upload is tried again (state ``retrying``): a run holding the upload's
        first attempt then knows another run may have sent it, and looks it up by name before it sends."""
        with self.transaction() as c:
            row = _one(c, s.uploads, id=upload_id)
            if row.state == "done":
                raise LedgerError(f"upload {upload_id} is done; it is not tried again")
            _set(c, s.uploads, {"id": upload_id}, dict(state="retrying", updated_at=now()))
            self._audit(c, row.customer, "upload", upload_id, "upload.retry", {"was": row.state})

    def get_upload(self, upload_id: int) -> Row[Any]:
        with self.engine.connect() as c:
            row = _row(c, s.uploads, id=upload_id)
        if row is None:
            raise LedgerError(f"no upload {upload_id}")
        return row

    def uploads(self, customer: str, *, states: list[str] | None = None, kind: str | None = None,
                ids: Sequence[int] | None = None) -> list[Row[Any]]:
        query = select(s.uploads).where(s.uploads.c.customer == customer)
        if states:
            query = query.where(s.uploads.c.state.in_(states))
        if kind:
            query = query.where(s.uploads.c.kind == kind)
        if ids is not None:
            query = query.where(s.uploads.c.id.in_(ids))
        with self.engine.connect() as c:
            return list(c.execute(query.order_by(s.uploads.c.id)))

    # -- 997s ---------------------------------------------------------------------------------------------

    def ack_sent(self, group_in_id: int, status: str, upload_id: int) -> None:
        with self.transaction() as c:
            row = _changed(c, _ACK_SENT, group_in_id, ack_status=status, ack_upload_id=upload_id)
            self._audit(c, row.customer, "group", group_in_id, "ack.sent", {"status": status, "upload": upload_id,
                                                                            "gs06": row.group_control_number})

    def ack_received(self, *, customer: str, partner: str, group_control_number: str, status: str) -> int | None:
        """Match a partner's 997 to the outbound group it answers; the group's id, or None when we never sent
        such a group (the caller holds the 997)."""
        status = _fit(s.groups_out.c.ack_status, status)  # the partner's AK901, whatever it wrote
        with self.transaction() as c:
            row = c.execute(select(s.groups_out).where(
                s.groups_out.c.customer == customer, s.groups_out.c.partner == partner,
                s.groups_out.c.group_control_number == (group_control_number.lstrip("0") or "0"))).first()
            if row is None:
                return None
            c.execute(update(s.groups_out).where(s.groups_out.c.id == row.id).values(
                ack_status=status, acked_at=now()))
            upload = c.execute(select(s.uploads).where(s.uploads.c.id == row.upload_id)).one()
            document_id = _int_or_none(upload.subject_key)
            if document_id is not None:
                self._set_document_state(c, document_id, "acknowledged" if status in ("A", "E") else "ack_rejected",
                                         None, {"ack_status": status})
            self._audit(c, customer, "group", row.id, "ack.received", {"status": status, "gs06": group_control_number})
            return int(row.id)

    def groups_in(self, customer: str) -> list[Row[Any]]:
        with self.engine.connect() as c:
            return list(c.execute(select(s.groups_in).where(s.groups_in.c.customer == customer)))

    def unacknowledged_groups(self, customer: str) -> list[Row[Any]]:
        """Inbound groups (not 997s, not of a duplicate interchange) that no 997 of ours answered yet."""
        g, i = s.groups_in.c, s.interchanges.c
        query = (select(s.groups_in).join(s.interchanges, i.id == g.interchange_id)
                 .where(g.customer == customer, g.functional_id != "FA", g.ack_status.is_(None),
                        i.duplicate_of.is_(None)).order_by(g.id))
        with self.engine.connect() as c:
            return list(c.execute(query))

    def groups_to_acknowledge(self, file_id: int) -> list[Row[Any]]:
        """The inbound groups of one file that its 997 answers: all but 997 groups and those of a duplicate
        interchange (the rule :meth:`unacknowledged_groups` checks)."""
        with self.transaction() as c:  # inside a unit, sees the unit's own writes
            return list(c.execute(_GROUPS_TO_ACKNOWLEDGE, {"file_id": file_id}))

    def groups_out(self, customer: str) -> list[Row[Any]]:
        with self.engine.connect() as c:
            return list(c.execute(select(s.groups_out).where(s.groups_out.c.customer == customer)))

    # -- cursors and reading ------------------------------------------------------------------------------

    def cursor(self, customer: str, name: str) -> str | None:
        with self.engine.connect() as c:
            value = c.execute(select(s.cursors.c.value).where(s.cursors.c.customer == customer,
                                                              s.cursors.c.name == name)).scalar()
        return None if value is None else str(value)

    def set_cursor(self, customer: str, name: str, value: str | None) -> None:
        with self.transaction() as c:
            done = c.execute(update(s.cursors).where(s.cursors.c.customer == customer, s.cursors.c.name == name)
                             .values(value=value, updated_at=now())).rowcount
            if not done:
                c.execute(insert(s.cursors).values(customer=customer, name=name, value=value, updated_at=now()))

    def trail(self, subject: Subject | str, subject_id: int) -> list[Row[Any]]:
        with self.engine.connect() as c:
            return list(c.execute(select(s.audit).where(s.audit.c.subject == subject,
                                                        s.audit.c.subject_id == subject_id)
                                  .order_by(s.audit.c.id)))

    def find_documents(self, reference: str, customer: str | None = None) -> list[Row[Any]]:
        """Documents by ledger id, number (invoice, PO, shipment) or identity key."""
        query = select(s.documents)
        if reference.isdigit():
            query = query.where((s.documents.c.id == int(reference)) | (s.documents.c.number == reference))
        else:
            query = query.where((s.documents.c.number == reference) | (s.documents.c.doc_key == reference))
        if customer:
            query = query.where(s.documents.c.customer == customer)
        with self.engine.connect() as c:
            return list(c.execute(query.order_by(s.documents.c.id)))

    def counts(self, customer: str) -> list[dict[str, Any]]:
        """Documents per direction, type, partner and state (the pipeline's materialization tables)."""
        d = s.documents.c
        query = (select(d.direction, d.doc_type, d.partner, d.state, func.count().label("documents"))
                 .where(d.customer == customer).group_by(d.direction, d.doc_type, d.partner, d.state)
                 .order_by(d.direction, d.doc_type, d.partner, d.state))
        with self.engine.connect() as c:
            return [dict(r._mapping) for r in c.execute(query)]


#: Claims on a ledger without a file (in-memory SQLite, tests): within this process only, one lock per name.
_MEMORY_CLAIMS: dict[str, threading.Lock] = {}
_MEMORY_CLAIMS_GUARD = threading.Lock()


def _memory_claim(name: str) -> threading.Lock:
    with _MEMORY_CLAIMS_GUARD:
        return _MEMORY_CLAIMS.setdefault(name, threading.Lock())


def _claim_group(key: str) -> str:
    """The words of a claim key before its last, fit for a file name (``posting acme 17`` → ``posting.acme``)."""
    words = key.split()[:-1] or ["key"]
    return ".".join(re.sub(r"[^A-Za-z0-9_-]", "_", word) for word in words)


#: An earlier interchange (from another file) with the same sender and ISA13: the first copy of a duplicate.
_EARLIER_INTERCHANGE = (
    select(s.interchanges.c.id)
    .where(s.interchanges.c.customer == bindparam("customer"), s.interchanges.c.sender == bindparam("sender"),
           s.interchanges.c.control_number == bindparam("control_number"),
           s.interchanges.c.file_id != bindparam("file_id"), s.interchanges.c.duplicate_of.is_(None))
    .order_by(s.interchanges.c.id))


#: The next control numbers of a partner: ``interchanges`` ISA13s and ``groups`` GS06s more, in one statement.
_ALLOCATE = (update(s.control_numbers)
             .where(s.control_numbers.c.customer == bindparam("w_customer"),
                    s.control_numbers.c.partner == bindparam("w_partner"))
             .values(last_interchange=s.control_numbers.c.last_interchange + bindparam("interchanges"),
                     last_group=s.control_numbers.c.last_group + bindparam("groups"))
             .returning(s.control_numbers.c.last_interchange, s.control_numbers.c.last_group))

#: Uploads whose first attempt begins: ``intent`` → ``sending``, the ids (and customers) that moved.
_UPLOAD_SENDING = (update(s.uploads)
                   .where(s.uploads.c.id.in_(bindparam("ids", expanding=True)), s.uploads.c.state == "intent")
                   .values(state="sending")
                   .returning(s.uploads.c.id, s.uploads.c.customer))

#: A document whose posting starts: one more attempt; its customer (none: no such document).
_DOCUMENT_POSTING = (update(s.documents).where(s.documents.c.id == bindparam("w_id"))
                     .values(state="posting", attempts=s.documents.c.attempts + 1)
                     .returning(s.documents.c.customer))

#: A posting tried again: one more attempt, back to ``intent``; the row as it is now.
_POSTING_AGAIN = (update(s.postings).where(s.postings.c.id == bindparam("w_id"))
                  .values(state="intent", attempts=s.postings.c.attempts + 1)
                  .returning(*s.postings.c))

#: A document's or a file's new state (``state``, ``reason``, ``updated_at``); its customer (none: no such row).
_DOCUMENT_STATE = _update_where(s.documents, ("id",)).returning(s.documents.c.customer)
_FILE_STATE = _update_where(s.files, ("id",)).returning(s.files.c.customer)
#: An upload's outcome, a group's 997: the row's columns the caller records with it.
_UPLOAD_DONE = _update_where(s.uploads, ("id",)).returning(s.uploads.c.customer, s.uploads.c.kind,
                                                           s.uploads.c.subject_key)
#: The inbound groups of one file that its 997 answers (see :meth:`Ledger.groups_to_acknowledge`).
_GROUPS_TO_ACKNOWLEDGE = (select(s.groups_in).join(s.interchanges, s.interchanges.c.id == s.groups_in.c.interchange_id)
                          .where(s.interchanges.c.file_id == bindparam("file_id"), s.groups_in.c.functional_id != "FA",
                                 s.interchanges.c.duplicate_of.is_(None))
                          .order_by(s.groups_in.c.id))

_ACK_SENT = _update_where(s.groups_in, ("id",)).returning(s.groups_in.c.customer, s.groups_in.c.group_control_number)


def _fit(column: Any, value: str) -> str:
    """Text taken from a partner's file as the database can store it, the same way every time (so lookups
    find what was inserted): undecodable bytes (lone surrogates) escaped, and text longer than the column cut
    with a digest of the whole, so two long values stay two."""
    text = value.encode("utf-8", "backslashreplace").decode("utf-8")
    limit = getattr(column.type, "length", None)
    if limit is not None and len(text) > limit:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        text = f"{text[:limit - 13]}~{digest[:12]}" if limit >= 20 else digest[:limit]
    return text


def _fit_optional(column: Any, value: str | None) -> str | None:
    return None if value is None else _fit(column, value)


def _int_or_none(value: str) -> int | None:
    return int(value) if value.isdigit() else None
