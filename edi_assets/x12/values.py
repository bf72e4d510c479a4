"""X12 date and time values: the one place that decides what a valid DT or TM is.

Six-digit dates (YYMMDD, before 004010 and in the ISA) use a 50-year window: 51-99 are 19xx, 00-50
are 20xx. Results are cached: files repeat the same dates thousands of times.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

TIME_LENGTHS = frozenset({4, 6, 7, 8})  # HHMM, HHMMSS, HHMMSSD, HHMMSSDD


def digits(value: str) -> bool:
    """ASCII digits only. ``str.isdigit`` also accepts '²' or '٣', which ``int`` then rejects: every
    numeric test on data from a file goes through here."""
    return value.isascii() and value.isdigit()


@lru_cache(maxsize=16384)
def x12_date(value: str) -> dt.date | None:
    """The date a CCYYMMDD or YYMMDD value names, or None when it is not a valid date."""
    if not digits(value) or len(value) not in (6, 8):
        return None
    v = value if len(value) == 8 else ("19" if int(value[:2]) > 50 else "20") + value
    try:
        return dt.date(int(v[:4]), int(v[4:6]), int(v[6:8]))
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def valid_time(value: str) -> bool:
    """HHMM, HHMMSS or HHMMSS with decimal seconds, as digits."""
    if not digits(value) or len(value) not in TIME_LENGTHS:
        return False
    return int(value[:2]) < 24 and int(value[2:4]) < 60 and (len(value) < 6 or int(value[4:6]) < 60)
