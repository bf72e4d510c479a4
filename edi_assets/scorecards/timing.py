"""When a document was sent, for the SLA clocks.

``documents.created_at`` is when *we* recorded a document, which depends on when the sensor polled Cleo and
on any outage of ours: a partner would be scored late for our delay. So:

* **a partner's document** was sent at its functional group's GS04/GS05 date and time (CCYYMMDD, HHMM[SS]),
  read from the file's bytes as the ledger keeps them (``files.content``); the interchange's ISA09/ISA10 when
  the group's are unreadable; the time we recorded it only when the file gives neither. The partner's
  translator writes these when it builds the group, which is when it sent it for every translator we know of;
  X12 carries no time zone, so they are read as UTC (the partners of the demo, and Cleo, write UTC).
* **our document** was sent when Cleo accepted the upload (``uploads.updated_at`` of a ``done`` upload), not
  when we rendered it: a partner's clock starts when the file reaches its mailbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from edi_assets.x12.envelope import Group, Interchange
from edi_assets.x12.errors import X12Error
from edi_assets.x12.reader import X12Reader
from edi_assets.x12.values import valid_time, x12_date


def x12_moment(date: str, time: str) -> dt.datetime | None:
    """An X12 date (CCYYMMDD or YYMMDD) and time (HHMM, HHMMSS, HHMMSSd..) as a UTC datetime, or None."""
    day = x12_date(date.strip())
    time = time.strip()
    if day is None or not valid_time(time):
        return None
    seconds = int(time[4:6]) if len(time) >= 6 else 0
    return dt.datetime(day.year, day.month, day.day, int(time[:2]), int(time[2:4]), seconds, tzinfo=dt.UTC)


def envelope_times(content: bytes) -> dict[tuple[str, str], dt.datetime]:
    """Every readable envelope time of a file: ``(ISA13, GS06)`` for each group, ``(ISA13, "")`` for each
    interchange. An unreadable file gives what was read before the trouble (possibly nothing)."""
    times: dict[tuple[str, str], dt.datetime] = {}
    try:
        for event in X12Reader(content):
            if isinstance(event, Interchange):
                at = x12_moment(event.date, event.time)
                if at is not None:
                    times[(event.control_number.strip(), "")] = at
            elif isinstance(event, Group):
                at = x12_moment(event.date, event.time)
                if at is not None:
                    times[(event.interchange.control_number.strip(), event.control_number.strip())] = at
    except X12Error:
        pass
    return times


class EnvelopeClock:
    """Envelope times of the ledger's files, each file read once, when first asked about (``load`` gives a
    file's bytes by its ledger id)."""

    def __init__(self, load: Callable[[int], bytes | None]) -> None:
        self._load = load
        self._times: dict[int, dict[tuple[str, str], dt.datetime]] = {}

    def sent_at(self, file_id: int | None, interchange: str | None, group: str | None,
                recorded_at: dt.datetime) -> dt.datetime:
        """The group's time, else the interchange's, else ``recorded_at``."""
        if file_id is None or interchange is None:
            return recorded_at
        if file_id not in self._times:
            content = self._load(file_id)
            self._times[file_id] = envelope_times(content) if content is not None else {}
        times = self._times[file_id]
        return times.get((interchange.strip(), (group or "").strip())) or times.get((interchange.strip(), "")) \
            or recorded_at
