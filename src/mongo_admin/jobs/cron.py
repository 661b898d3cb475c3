"""Next run times of five-field cron expressions in a time zone, for the scheduler.

The expression is validated by ``ops.backup.schedule.check_cron`` (the same rules as the crontab lines the CLI
installs), then expanded into the set of values each field allows. Matching follows cron: when both day-of-month
and day-of-week are restricted, a day matches if either does.

Times are wall-clock times in the schedule's zone (``zoneinfo``). Two daylight-saving cases are decided here:
a wall time that does not exist (the hour skipped in spring) runs at the same offset past the change, as if the
clock had not jumped; a wall time that happens twice (the hour repeated in autumn) runs once, the first time.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mongo_admin.errors import InvalidInputError
from mongo_admin.ops.backup.schedule import check_cron

_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_NAMES = ((), (), (), ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
          ("sun", "mon", "tue", "wed", "thu", "fri", "sat"))
_ITEM = re.compile(r"^(?:(?P<star>\*)|(?P<low>[0-9a-z]+)(?:-(?P<high>[0-9a-z]+))?)(?:/(?P<step>[0-9]+))?$")
# Far enough for any valid expression to match (29 February falls on a given weekday within 28 years).
_SEARCH_DAYS = 366 * 29


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; InvalidInputError when it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInputError(f"unknown time zone {name!r}", "it is not an IANA time zone name",
                                "use a name such as UTC, Europe/Paris or America/New_York") from exc


def _number(text: str, index: int) -> int:
    return int(text) if text.isdigit() else _RANGES[index][0] + _NAMES[index].index(text)


def _expand(text: str, index: int) -> frozenset[int]:
    low_bound, high_bound = _RANGES[index]
    values: set[int] = set()
    for item in text.lower().split(","):
        match = _ITEM.match(item)
        assert match is not None  # check_cron has accepted the expression
        step = int(match["step"] or 1)
        if match["star"]:
            low, high = low_bound, high_bound
        else:
            low = _number(match["low"], index)
            high = _number(match["high"], index) if match["high"] is not None else low
        values.update(range(low, high + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class CronExpression:
    """A parsed cron expression; ``next_after`` gives its run times."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday (7 is folded into 0)
    days_restricted: bool
    weekdays_restricted: bool

    @classmethod
    def parse(cls, expression: str, option: str = "cron") -> CronExpression:
        text = check_cron(expression, option)
        fields = text.split()
        sets = [_expand(field, i) for i, field in enumerate(fields)]
        weekdays = frozenset(day % 7 for day in sets[4])
        return cls(text, sets[0], sets[1], sets[2], sets[3], weekdays,
                   days_restricted=not fields[2].startswith("*"), weekdays_restricted=not fields[4].startswith("*"))

    def _day_matches(self, day: dt.date) -> bool:
        if day.month not in self.months:
            return False
        by_day = day.day in self.days
        by_weekday = (day.isoweekday() % 7) in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return by_day or by_weekday
        return by_day and by_weekday

    def next_after(self, after: dt.datetime, tz: ZoneInfo) -> dt.datetime:
        """The first run time strictly after ``after`` (timezone-aware), as an aware UTC datetime."""
        if after.tzinfo is None:
            raise ValueError("next_after needs a timezone-aware datetime")
        after_utc = after.astimezone(dt.UTC)
        start = (after_utc.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0) + dt.timedelta(minutes=1))
        minutes, hours = sorted(self.minutes), sorted(self.hours)
        day = start.date()
        for _ in range(_SEARCH_DAYS):
            if self._day_matches(day):
                for hour in hours:
                    for minute in minutes:
                        wall = dt.datetime.combine(day, dt.time(hour, minute))
                        if wall < start:
                            continue
                        # fold=0: the first of a repeated wall time; a skipped one keeps the offset before the gap.
                        instant = wall.replace(tzinfo=tz, fold=0).astimezone(dt.UTC)
                        if instant > after_utc:
                            return instant
            day += dt.timedelta(days=1)
        raise InvalidInputError(f"cron expression {self.text!r} never runs", "no date matches all its fields",
                                "check its day-of-month and month fields (e.g. 31 in a 30-day month)")

    def next_runs(self, after: dt.datetime, tz: ZoneInfo, count: int) -> list[dt.datetime]:
        """The first ``count`` run times strictly after ``after``, as aware UTC datetimes."""
        times: list[dt.datetime] = []
        while len(times) < count:
            times.append(self.next_after(times[-1] if times else after, tz))
        return times

    def runs_between(self, after: dt.datetime, until: dt.datetime, tz: ZoneInfo,
                     limit: int = 1000) -> list[dt.datetime]:
        """Run times in (``after``, ``until``], at most ``limit`` of them (the first ones)."""
        times: list[dt.datetime] = []
        current = after
        while len(times) < limit:
            current = self.next_after(current, tz)
            if current > until:
                break
            times.append(current)
        return times
