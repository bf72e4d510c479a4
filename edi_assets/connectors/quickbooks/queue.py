"""The durable queue of QuickBooks work for one customer, drained by the Web Connector when it comes.

QuickBooks cannot be called: the Web Connector calls us (every ``poll_minutes``, while QuickBooks runs) and asks
for work. So a document posted to QuickBooks is enqueued here with its :class:`~.mapping.Plan`, and the SOAP
service hands the plans' requests out in batches and records what QuickBooks answered. SQLite (WAL,
``synchronous=FULL``) under ``$DAGSTER_HOME/quickbooks/<customer>.sqlite``: the pipeline enqueues from Dagster
runs, the service drains from its own process.

Rules:

* **Idempotent by document key**: enqueueing a key again returns the item as it is; only a failed item is
  replaced (a replay after the data or QuickBooks was fixed).
* **Order kept**: requests go out in enqueue order, and no document's create (an Add) goes out before an earlier
  document's, so a receipt never outruns the purchase order enqueued before it. Queries that depend on no
  earlier document may run ahead (an item query, a reconciliation lookup), which lets one batch carry the first
  steps of many documents.
* **Batches fit the per-call time budget**: each request has a weight (:attr:`~.qbxml._Request.weight`) and
  the seconds one unit of weight takes are learned from answered batches (``seconds_per_weight``).
* **Answers matched by requestID** (``<seq>-<attempt>``, unique per hand-out); each document ends *done* with
  its TxnID or *failed* with QuickBooks' status code and message (or the reason it could not go on).
* **3200** (stale EditSequence) on a create: look the record up (:meth:`~.mapping._Plan.lookup`) and go again
  from the first step, at most ``max_retries`` times.
* **Nothing lost, nothing twice**: a request is marked sent (committed) before its XML leaves. A batch that
  was handed out and never answered (the Web Connector timed out, QuickBooks crashed, the service restarted) is
  handed out again at the next session or the next ask; a create among it is first reconciled by query, so a
  record QuickBooks did save is found rather than created again.
* While the Web Connector is away nothing happens: items wait, with no timeout.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from edi_assets.connectors.quickbooks import qbxml
from edi_assets.connectors.quickbooks.mapping import PLAN, Plan, StepFailed
from edi_assets.connectors.redaction import get_logger

log = get_logger(__name__)

State = Literal["pending", "sent", "done", "failed"]
Phase = Literal["run", "reconcile"]
_RESULTS: TypeAdapter[list[qbxml.Rs]] = TypeAdapter(list[qbxml.Rs])

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    plan TEXT NOT NULL,
    state TEXT NOT NULL,
    steps INTEGER NOT NULL,
    step INTEGER NOT NULL DEFAULT 0,
    phase TEXT NOT NULL DEFAULT 'run',
    request TEXT NOT NULL,
    results TEXT NOT NULL DEFAULT '[]',
    request_id TEXT,
    session TEXT,
    sent_at REAL,
    attempt INTEGER NOT NULL DEFAULT 0,
    unanswered INTEGER NOT NULL DEFAULT 0,
    retries INTEGER NOT NULL DEFAULT 0,
    solo INTEGER NOT NULL DEFAULT 0,
    txn_id TEXT,
    edit_sequence TEXT,
    existed INTEGER NOT NULL DEFAULT 0,
    status_code INTEGER,
    status_message TEXT,
    enqueued_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    finished_at REAL
);
CREATE INDEX IF NOT EXISTS items_by_state ON items (state, seq);
CREATE INDEX IF NOT EXISTS items_by_finish ON items (finished_at);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class QueueSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    budget_seconds: float = Field(default=30.0, gt=0, description="QuickBooks time one batch may take: a share "
                                  "of the Web Connector's per-call deadline (60 s by default), leaving headroom")
    max_batch: int = Field(default=50, ge=1)
    lookahead: int = Field(default=200, ge=1, description="pending items considered for one batch (queries of "
                           "later documents may run ahead of an earlier document that waits)")
    max_retries: int = Field(default=3, ge=0, description="3200 answers to one document before it fails")
    max_unanswered: int = Field(default=10, ge=1, description="hand-outs of one request that never got an answer "
                                "before the document fails (a request that makes QuickBooks crash)")
    seconds_per_weight: float = Field(default=0.5, gt=0, description="first estimate, until batches are timed")
    learn: bool = Field(default=True, description="learn seconds_per_weight from answered batches")


class QueueItem(BaseModel):
    """One document's work, as callers see it."""

    model_config = ConfigDict(frozen=True)

    key: str
    seq: int
    record_kind: str
    document: str
    vendor: str
    ref_number: str
    state: State
    phase: Phase
    step: int
    txn_id: str | None = None
    edit_sequence: str | None = None
    existed: bool = False  # found by a reconciliation query: this queue did not create it (this time)
    status_code: int | None = None
    status_message: str | None = None
    retries: int = 0
    enqueued_at: datetime
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


class Batch(BaseModel):
    """One sendRequestXML answer: a qbXML message set, and which items it carries."""

    model_config = ConfigDict(frozen=True)

    qbxml: str
    request_ids: list[str]
    keys: list[str]
    weight: float


@dataclass
class _Session:
    answered: int = 0
    done: int = 0
    failed: int = 0


def default_path(customer: str) -> Path:
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        raise RuntimeError("DAGSTER_HOME is not set: set it, or give the QuickBooks queue a path")
    return Path(home) / "quickbooks" / f"{customer}.sqlite"


def _moment(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


class WorkQueue:
    """The queue of one customer (thread-safe; several processes may open the same file)."""

    def __init__(self, customer: str, path: str | os.PathLike[str] | None = None,
                 settings: QueueSettings | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self.customer = customer
        self.path = Path(path) if path is not None else default_path(customer)
        self.settings = settings or QueueSettings()
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, _Session] = {}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30.0)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE), so two processes never interleave."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- the pipeline's side --------------------------------------------------------------------------

    def enqueue(self, key: str, plan: Plan) -> QueueItem:
        """Queue a document's plan once: a key already queued or done is returned as it is; a failed one is
        replaced, at the end of the queue."""
        now = self._clock()
        request = plan.request(0, [])
        with self._transaction() as db:
            row = db.execute("SELECT * FROM items WHERE key = ?", (key,)).fetchone()
            if row is not None and row["state"] != "failed":
                return self._item(row)
            if row is not None:
                db.execute("DELETE FROM items WHERE key = ?", (key,))
            db.execute(
                "INSERT INTO items (key, plan, state, steps, request, enqueued_at, updated_at) "
                "VALUES (?, ?, 'pending', ?, ?, ?, ?)",
                (key, PLAN.dump_json(plan).decode(), plan.steps, qbxml.REQUEST.dump_json(request).decode(), now, now),
            )
            row = db.execute("SELECT * FROM items WHERE key = ?", (key,)).fetchone()
        log.info("queued %s for QuickBooks (%s)", plan.document, key)
        return self._item(row)

    def item(self, key: str) -> QueueItem | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM items WHERE key = ?", (key,)).fetchone()
        return self._item(row) if row is not None else None

    def items(self, *states: State) -> list[QueueItem]:
        """Every item (or those in ``states``), in queue order."""
        query = "SELECT * FROM items"
        if states:
            query += f" WHERE state IN ({', '.join('?' for _ in states)})"
        with self._lock:
            rows = self._db.execute(query + " ORDER BY seq", states).fetchall()
        return [self._item(row) for row in rows]

    def outcomes(self, since: datetime) -> list[QueueItem]:
        """Items that finished (done or failed) after ``since``, in the order they finished."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM items WHERE finished_at > ? ORDER BY finished_at, seq",
                                    (since.timestamp(),)).fetchall()
        return [self._item(row) for row in rows]

    def has_work(self) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM items WHERE state IN ('pending', 'sent') LIMIT 1").fetchone() \
                is not None

    # -- the Web Connector's side ---------------------------------------------------------------------

    def begin_session(self) -> str:
        """A new Web Connector session: whatever an earlier one was handed and never answered goes back."""
        session = uuid.uuid4().hex
        with self._transaction() as db:
            for row in db.execute("SELECT * FROM items WHERE state = 'sent'").fetchall():
                self._update(db, row, self._unanswered(row))
        self._sessions = {session: _Session()}
        return session

    def end_session(self, session: str) -> tuple[int, int]:
        """Forget the session; (documents done, documents failed) during it."""
        stats = self._sessions.pop(session, _Session())
        return stats.done, stats.failed

    def next_batch(self, session: str) -> Batch | None:
        """The next requests, in order, as much as fits the time budget; None when there is nothing to do."""
        now = self._clock()
        spw = self._seconds_per_weight()
        with self._transaction() as db:
            for row in db.execute("SELECT * FROM items WHERE state = 'sent' AND session = ?", (session,)).fetchall():
                self._update(db, row, self._unanswered(row))  # asked again without answering the last batch
            chosen: list[tuple[sqlite3.Row, qbxml.Request]] = []
            unsettled: list[Plan] = []  # earlier documents whose create is not in this batch
            weight = 0.0
            pending = db.execute("SELECT * FROM items WHERE state = 'pending' ORDER BY seq LIMIT ?",
                                 (self.settings.lookahead,)).fetchall()
            for row in pending:
                plan, request = PLAN.validate_json(row["plan"]), qbxml.REQUEST.validate_json(row["request"])
                free = not unsettled if request.creates else not any(plan.waits_for(u) for u in unsettled)
                if (row["solo"] and chosen) or len(chosen) >= self.settings.max_batch:
                    break
                if free and chosen and (weight + request.weight) * spw > self.settings.budget_seconds:
                    break
                if free:
                    chosen.append((row, request))
                    weight += request.weight
                    if row["solo"]:
                        break
                if not (free and request.creates):
                    unsettled.append(plan)
            if not chosen:
                return None
            ids = []
            for row, _ in chosen:
                request_id = f"{row['seq']}-{row['attempt'] + 1}"
                ids.append(request_id)
                self._update(db, row, {"state": "sent", "session": session, "request_id": request_id,
                                       "sent_at": now, "attempt": row["attempt"] + 1})
        text = qbxml.document(zip(ids, (request for _, request in chosen), strict=True))
        return Batch(qbxml=text, request_ids=ids, keys=[row["key"] for row, _ in chosen], weight=weight)

    def record(self, session: str, response: str) -> int:
        """Record QuickBooks' answers to the session's batch; the session's percent done.

        A response that cannot be read leaves the batch unanswered (reconciled at the next ask) and raises
        :class:`~.qbxml.QbXmlError`.
        """
        try:
            answers = qbxml.parse_response(response)
        except qbxml.QbXmlError:
            self._give_back(session)
            raise
        now = self._clock()
        stats = self._sessions.setdefault(session, _Session())
        with self._transaction() as db:
            rows = {row["request_id"]: row for row in
                    db.execute("SELECT * FROM items WHERE state = 'sent' AND session = ?", (session,)).fetchall()}
            sent_at = min((row["sent_at"] for row in rows.values()), default=now)
            weight = sum(qbxml.REQUEST.validate_json(row["request"]).weight for row in rows.values())
            for answer in answers:
                row = rows.pop(answer.request_id or "", None)
                if row is None:
                    log.warning("QuickBooks answered request %s, which is not outstanding", answer.request_id)
                    continue
                changes = self._answered(row, answer, now)
                self._update(db, row, changes)
                stats.answered += 1
                stats.done += changes.get("state") == "done"
                stats.failed += changes.get("state") == "failed"
            for row in rows.values():  # not in the response (stopOnError, a truncated set): not answered
                self._update(db, row, self._unanswered(row))
            if self.settings.learn and weight > 0 and not rows:
                self._learn(db, (now - sent_at) / weight)
        return self.percent(session)

    def refused(self, session: str, hresult: str, message: str) -> int:
        """QuickBooks refused the whole message set (receiveResponseXML's hresult): when it could not parse it,
        nothing ran, so each request goes again alone, and one refused alone fails; otherwise the batch is
        handed out again later (reconciled first)."""
        now = self._clock()
        stats = self._sessions.setdefault(session, _Session())
        with self._transaction() as db:
            rows = db.execute("SELECT * FROM items WHERE state = 'sent' AND session = ?", (session,)).fetchall()
            for row in rows:
                if hresult != qbxml.PARSE_HRESULT:
                    changes = self._unanswered(row)
                elif len(rows) == 1:
                    changes = self._finish(now, "failed", message=f"QuickBooks refused the request: {hresult}: "
                                                                  f"{message}")
                    stats.failed += 1
                else:
                    changes = {"state": "pending", "solo": 1}
                self._update(db, row, changes)
        return self.percent(session)

    def percent(self, session: str) -> int:
        """Share of the work known now that this session has done: 100 only when nothing is left to hand out."""
        with self._lock:
            left = int(self._db.execute("SELECT SUM(CASE WHEN phase = 'reconcile' THEN 1 ELSE steps - step END) "
                                        "FROM items WHERE state IN ('pending', 'sent')").fetchone()[0] or 0)
        if not left:
            return 100
        done = self._sessions.get(session, _Session()).answered
        return min(99, max(1, 100 * done // (done + left)))

    def _give_back(self, session: str) -> None:
        with self._transaction() as db:
            for row in db.execute("SELECT * FROM items WHERE state = 'sent' AND session = ?", (session,)).fetchall():
                self._update(db, row, self._unanswered(row))

    # -- transitions ----------------------------------------------------------------------------------

    def _answered(self, row: sqlite3.Row, answer: qbxml.Rs, now: float) -> dict[str, Any]:
        plan = PLAN.validate_json(row["plan"])
        request = qbxml.REQUEST.validate_json(row["request"])
        base: dict[str, Any] = {"unanswered": 0}
        if row["phase"] == "reconcile":
            if not answer.ok:
                return base | self._failed(now, answer, "looking it up")
            found = plan.found(answer)
            if found is not None:
                log.info("%s was already in QuickBooks (%s)", plan.document, found.id)
                return base | self._finish(now, "done", txn_id=found.id, edit_sequence=found.edit_sequence,
                                           existed=True)
            return base | self._go(plan, 0, [], now)
        if not request.creates:
            if not answer.ok:
                return base | self._failed(now, answer, "asking QuickBooks first")
            results = [*_RESULTS.validate_json(row["results"]), answer]
            return base | self._go(plan, row["step"] + 1, results, now)
        if answer.status_code == qbxml.STALE_EDIT_SEQUENCE and row["retries"] < self.settings.max_retries:
            log.info("%s: %s; looking it up before trying again", plan.document, answer.status_message)
            return base | {"state": "pending", "phase": "reconcile", "retries": row["retries"] + 1,
                           "request": qbxml.REQUEST.dump_json(plan.lookup()).decode()}
        if not answer.ok:
            return base | self._failed(now, answer, None)
        ret = answer.rets[0] if answer.rets else None
        return base | self._finish(now, "done", txn_id=ret.id if ret else None,
                                   edit_sequence=ret.edit_sequence if ret else None,
                                   code=answer.status_code, message=answer.status_message)

    def _go(self, plan: Plan, step: int, results: list[qbxml.Rs], now: float) -> dict[str, Any]:
        """On to ``step``, whose request is built from the answers so far (or the document fails here)."""
        try:
            request = plan.request(step, results)
        except StepFailed as exc:
            log.warning("%s cannot go on: %s", plan.document, exc)
            return self._finish(now, "failed", message=str(exc))
        return {"state": "pending", "phase": "run", "step": step, "results": _RESULTS.dump_json(results).decode(),
                "request": qbxml.REQUEST.dump_json(request).decode()}

    def _unanswered(self, row: sqlite3.Row) -> dict[str, Any]:
        """Handed out, never answered: the same request again, except that a create is looked up first."""
        count = row["unanswered"] + 1
        if count >= self.settings.max_unanswered:
            return self._finish(self._clock(), "failed", message=f"handed to the Web Connector {count} times "
                                                                 "without an answer")
        changes: dict[str, Any] = {"state": "pending", "unanswered": count}
        request = qbxml.REQUEST.validate_json(row["request"])
        if row["phase"] == "run" and request.creates:
            plan = PLAN.validate_json(row["plan"])
            changes |= {"phase": "reconcile", "request": qbxml.REQUEST.dump_json(plan.lookup()).decode()}
        return changes

    def _failed(self, now: float, answer: qbxml.Rs, doing: str | None) -> dict[str, Any]:
        message = f"{answer.status_message} ({doing})" if doing else answer.status_message
        return self._finish(now, "failed", code=answer.status_code, message=message)

    @staticmethod
    def _finish(now: float, state: State, *, txn_id: str | None = None, edit_sequence: str | None = None,
                existed: bool = False, code: int | None = None, message: str | None = None) -> dict[str, Any]:
        return {"state": state, "txn_id": txn_id, "edit_sequence": edit_sequence, "existed": int(existed),
                "status_code": code, "status_message": message, "finished_at": now, "session": None}

    def _update(self, db: sqlite3.Connection, row: sqlite3.Row, changes: dict[str, Any]) -> None:
        changes = {**changes, "updated_at": self._clock()}
        columns = ", ".join(f"{name} = ?" for name in changes)  # names are ours, never input
        db.execute(f"UPDATE items SET {columns} WHERE seq = ?", (*changes.values(), row["seq"]))  # noqa: S608

    # -- the time budget ------------------------------------------------------------------------------

    def _seconds_per_weight(self) -> float:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE name = 'seconds_per_weight'").fetchone()
        return float(row["value"]) if row is not None else self.settings.seconds_per_weight

    def _learn(self, db: sqlite3.Connection, observed: float) -> None:
        """Move the estimate a fifth of the way to what the last batch took (per unit of weight)."""
        row = db.execute("SELECT value FROM meta WHERE name = 'seconds_per_weight'").fetchone()
        current = float(row["value"]) if row is not None else self.settings.seconds_per_weight
        estimate = min(max(0.8 * current + 0.2 * observed, 0.001), self.settings.budget_seconds)
        db.execute("INSERT INTO meta (name, value) VALUES ('seconds_per_weight', ?) "
                   "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (json.dumps(estimate),))

    # -- reading rows ---------------------------------------------------------------------------------

    @staticmethod
    def _item(row: sqlite3.Row) -> QueueItem:
        plan = PLAN.validate_json(row["plan"])
        return QueueItem(
            key=row["key"], seq=row["seq"], record_kind=plan.record_kind, document=plan.document,
            vendor=plan.vendor, ref_number=plan.ref_number, state=row["state"], phase=row["phase"],
            step=row["step"], txn_id=row["txn_id"], edit_sequence=row["edit_sequence"],
            existed=bool(row["existed"]), status_code=row["status_code"], status_message=row["status_message"],
            retries=row["retries"], enqueued_at=datetime.fromtimestamp(row["enqueued_at"], UTC),
            finished_at=_moment(row["finished_at"]),
        )
