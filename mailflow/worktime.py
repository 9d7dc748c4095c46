"""Working time in the user's timezone: working days, hours, and spans between moments.

Pure functions of an `Identity` and aware datetimes. Follow-ups wait a number of
*working* days, reply times are also measured in working hours, and nothing is
sent outside the user's working days and hours.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from .config import WEEKDAYS, Identity


def _is_workday(day: date, identity: Identity) -> bool:
    return WEEKDAYS[day.weekday()] in identity.workdays


def is_working_time(moment: datetime, identity: Identity) -> bool:
    local = moment.astimezone(identity.tz)
    return _is_workday(local.date(), identity) and identity.work_start <= local.time() < identity.work_end


def next_working_time(moment: datetime, identity: Identity) -> datetime:
    """`moment` itself if it is inside working hours, else the start of the next working period."""
    if not identity.workdays:
        raise ValueError("no workdays configured")
    local = moment.astimezone(identity.tz)
    day = local.date()
    if _is_workday(day, identity) and local.time() < identity.work_end:
        if local.time() >= identity.work_start:
            return moment
        return _at(day, identity.work_start, identity)
    while True:
        day += timedelta(days=1)
        if _is_workday(day, identity):
            return _at(day, identity.work_start, identity)


def previous_working_end(moment: datetime, identity: Identity) -> datetime:
    """The end of the latest working period that ended at or before `moment`."""
    if not identity.workdays:
        raise ValueError("no workdays configured")
    day = moment.astimezone(identity.tz).date()
    while True:
        if _is_workday(day, identity) and _at(day, identity.work_end, identity) <= moment:
            return _at(day, identity.work_end, identity)
        day -= timedelta(days=1)


def _at(day: date, clock: time, identity: Identity) -> datetime:
    return datetime.combine(day, clock, tzinfo=identity.tz)


def working_seconds(start: datetime, end: datetime, identity: Identity) -> float:
    """Seconds of working time between two moments (0 when end is not after start)."""
    if end <= start:
        return 0.0
    tz = identity.tz
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    total = 0.0
    day = first
    while day <= last:
        if _is_workday(day, identity):
            open_, close = _at(day, identity.work_start, identity), _at(day, identity.work_end, identity)
            span = min(close, end) - max(open_, start)
            total += max(0.0, span.total_seconds())
        day += timedelta(days=1)
    return total


def working_days_between(start: datetime, end: datetime, identity: Identity) -> int:
    """Whole working days that have fully passed after `start`'s day, up to `end`.

    A request sent on Monday afternoon has waited 1 working day on Wednesday
    morning (Tuesday), and 2 on Thursday morning.
    """
    tz = identity.tz
    day, stop = start.astimezone(tz).date() + timedelta(days=1), end.astimezone(tz)
    count = 0
    while day <= stop.date():
        if _is_workday(day, identity) and _at(day, identity.work_end, identity) <= stop:
            count += 1
        day += timedelta(days=1)
    return count


def add_working_days(start: datetime, days: int, identity: Identity) -> datetime:
    """The end of the working day `days` working days after `start`'s day."""
    tz = identity.tz
    day = start.astimezone(tz).date()
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if _is_workday(day, identity):
            remaining -= 1
    return _at(day, identity.work_end, identity)
