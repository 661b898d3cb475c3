"""Small value formatters replication messages share: BSON's ``toString`` form and millisecond dates."""

from __future__ import annotations

import datetime as dt


def now_ms() -> dt.datetime:
    """The current time truncated to milliseconds (BSON dates carry milliseconds), naive UTC."""
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000, tzinfo=None)


def date_from_seconds(seconds: float) -> dt.datetime:
    whole = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=int(seconds * 1000))
    return whole
