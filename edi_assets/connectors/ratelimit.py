"""A rate limiter that holds across processes: several Dagster runs may call one Cleo tenant at once.

Built on pyrate-limiter's ``SQLiteBucket`` in one SQLite file (default ``$DAGSTER_HOME/ratelimit/limits.sqlite``)
guarded by a file lock. Two properties of that bucket shape the design:

* it counts every row of its table, so each (system, key) gets a table of its own;
* it formats the table name and the item name into SQL, so both are a hash of (system, key), never the key
  itself: keys come from URL paths, which are not ours.

Each bucket's put (count, then insert) runs under the file lock, which makes it atomic across processes. The
lock is *not* held while waiting for room (pyrate's ``Limiter`` would hold it through its sleeps, stalling every
other key and process), so :class:`_SharedSQLiteBucket` hides it from the ``Limiter``. All buckets of one
:class:`RateLimiter` share one factory, hence one background leaker thread.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from pathlib import Path

import filelock
from pydantic import BaseModel, ConfigDict, Field
from pyrate_limiter import (
    AbstractBucket,
    BucketFactory,
    BucketFullException,
    Limiter,
    LimiterDelayException,
    Rate,
    RateItem,
    TimeClock,
)
from pyrate_limiter.buckets.sqlite_bucket import Queries, SQLiteBucket

from edi_assets.connectors.errors import RateLimited
from edi_assets.connectors.redaction import get_logger

log = get_logger(__name__)


class Limit(BaseModel):
    """At most ``requests`` per ``per_seconds``, per key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    requests: int = Field(gt=0)
    per_seconds: float = Field(default=1.0, gt=0)


class RateLimitSettings(BaseModel):
    """Limits per system; a system without an entry is not limited here (no public limit is documented)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    limits: dict[str, Limit] = Field(default_factory=lambda: {"cleo": Limit(requests=5, per_seconds=1.0)})
    max_delay_seconds: float = Field(default=30.0, ge=0, description="longest acquire() waits before RateLimited")
    margin_seconds: float = Field(default=0.01, ge=0, description="added to every computed wait, for clock and "
                                  "network jitter (pyrate's own default, 0.05 s, costs a whole second in 20 waits)")
    path: Path | None = Field(default=None, description="SQLite file; default $DAGSTER_HOME/ratelimit/limits.sqlite")


def default_path() -> Path:
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        raise RuntimeError("DAGSTER_HOME is not set: set it, or give RateLimitSettings.path")
    return Path(home) / "ratelimit" / "limits.sqlite"


def bucket_name(system: str, key: str) -> str:
    """SQL-safe table (and item) name for one (system, key): fixed alphabet, fixed length."""
    digest = hashlib.sha256(f"{system}\0{key}".encode()).hexdigest()[:32]
    return f"rl_{digest}"


class _SharedSQLiteBucket(SQLiteBucket):
    """SQLiteBucket whose file lock guards each operation but is not held by the Limiter while it sleeps."""

    def limiter_lock(self) -> None:
        return None


class _KeyedBuckets(BucketFactory):
    """Routes each item to the bucket named after it; one leaker thread serves them all."""

    def __init__(self) -> None:
        self._clock = TimeClock()  # wall time: the one clock every process on the host agrees on
        self._buckets: dict[str, AbstractBucket] = {}

    def wrap_item(self, name: str, weight: int = 1) -> RateItem:
        return RateItem(name, int(time.time() * 1000), weight=weight)  # what TimeClock.now() returns

    def get(self, item: RateItem) -> AbstractBucket:
        return self._buckets[item.name]

    def add(self, name: str, bucket: AbstractBucket) -> None:
        self._buckets[name] = bucket
        self.schedule_leak(bucket, self._clock)


class RateLimiter:
    """``acquire(system, key)`` blocks until the request fits the system's limit, across processes."""

    def __init__(self, settings: RateLimitSettings | None = None) -> None:
        self.settings = settings or RateLimitSettings()
        self.path = self.settings.path or default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._factory = _KeyedBuckets()
        self._limiters: dict[str, Limiter] = {}
        self._lock = threading.Lock()
        self._file_lock = filelock.FileLock(f"{self.path}.lock")  # the lock pyrate's buckets take on this file
        self._connection: sqlite3.Connection | None = None

    def acquire(self, system: str, key: str) -> None:
        """Wait for room (at most ``max_delay_seconds``), else raise :class:`RateLimited`."""
        limit = self.settings.limits.get(system)
        if limit is None:
            return
        name = bucket_name(system, key)
        limiter = self._limiter(name, limit)
        try:
            acquired = limiter.try_acquire(name)
        except (LimiterDelayException, BucketFullException):
            acquired = False
        if acquired is not True:
            raise RateLimited(f"local rate limit of {limit.requests} per {limit.per_seconds:g} s still full after "
                              f"{self.settings.max_delay_seconds:g} s", system=system, retry_after=limit.per_seconds)

    def _limiter(self, name: str, limit: Limit) -> Limiter:
        with self._lock:
            limiter = self._limiters.get(name)
            if limiter is None:
                rate = Rate(limit.requests, max(1, round(limit.per_seconds * 1000)))
                bucket = self._bucket(name, rate)
                self._factory.add(name, bucket)
                # One Limiter per key: its in-process lock is held while it sleeps, so keys must not share one.
                limiter = Limiter(self._factory, raise_when_fail=True, retry_until_max_delay=True,
                                  max_delay=round(self.settings.max_delay_seconds * 1000),
                                  buffer_ms=round(self.settings.margin_seconds * 1000))
                self._limiters[name] = limiter
            return limiter

    def _bucket(self, name: str, rate: Rate) -> _SharedSQLiteBucket:
        """A bucket (its table) on the limiter's one connection. pyrate's ``init_from_file`` opens a connection
        per bucket, and keys come one per Cleo file: a connection, and a read of an ever larger schema, per file.
        What each bucket runs, and under which lock, is pyrate's as before."""
        with self._file_lock:
            if self._connection is None:
                self._connection = sqlite3.connect(str(self.path), isolation_level="DEFERRED",
                                                   check_same_thread=False)
                self._connection.execute("PRAGMA journal_mode=WAL")  # as init_from_file sets them
                self._connection.execute("PRAGMA synchronous=NORMAL")
            self._connection.execute(Queries.CREATE_BUCKET_TABLE.format(table=name))
            self._connection.execute(Queries.CREATE_INDEX_ON_TIMESTAMP.format(
                index_name=f"idx_{name}_rate_item_timestamp", table_name=name))
            self._connection.commit()
        return _SharedSQLiteBucket([rate], self._connection, table=name, lock=self._file_lock)
