"""Working time in the user's timezone."""

from __future__ import annotations

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from mailflow.config import Identity
from mailflow.worktime import (add_working_days, is_working_time, next_working_time, working_days_between,
                               working_seconds)

BERLIN = ZoneInfo("Europe/Berlin")
ME = Identity(timezone="Europe/Berlin", workdays=("mon", "tue", "wed", "thu", "fri"),
              work_start=time(9), work_end=time(17, 30))


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)  # 16 Nov 2026 is a Monday


@pytest.mark.parametrize("moment, expected", [
    (at(16, 9), True), (at(16, 8, 59), False), (at(16, 17, 29), True), (at(16, 17, 30), False),
    (at(21, 12), False),  # Saturday
    (datetime(2026, 11, 16, 8, 30, tzinfo=timezone.utc), True),  # 09:30 in Berlin
])
def test_is_working_time(moment: datetime, expected: bool) -> None:
    assert is_working_time(moment, ME) is expected


@pytest.mark.parametrize("moment, expected", [
    (at(16, 10), at(16, 10)), (at(16, 7), at(16, 9)), (at(16, 18), at(17, 9)),
    (at(20, 18), at(23, 9)), (at(21, 3), at(23, 9)),
])
def test_next_working_time(moment: datetime, expected: datetime) -> None:
    assert next_working_time(moment, ME) == expected


def test_working_seconds_skip_nights_and_weekends() -> None:
    assert working_seconds(at(16, 10), at(16, 12), ME) == 2 * 3600
    assert working_seconds(at(16, 17), at(17, 10), ME) == 1.5 * 3600  # 17:00-17:30 + 09:00-10:00
    assert working_seconds(at(20, 17), at(23, 9, 30), ME) == 1800 + 1800  # Fri evening -> Mon morning
    assert working_seconds(at(21, 10), at(22, 20), ME) == 0
    assert working_seconds(at(17, 10), at(16, 10), ME) == 0


def test_working_days_between_counts_whole_days_after_the_start_day() -> None:
    sent = at(16, 15)  # Monday afternoon
    assert working_days_between(sent, at(17, 17), ME) == 0
    assert working_days_between(sent, at(17, 17, 30), ME) == 1
    assert working_days_between(sent, at(18, 10), ME) == 1
    assert working_days_between(sent, at(23, 10), ME) == 4  # Tue..Fri; the weekend does not count
    assert working_days_between(at(20, 15), at(23, 18), ME) == 1


def test_add_working_days_ends_at_the_end_of_the_working_day() -> None:
    assert add_working_days(at(16, 15), 3, ME) == at(19, 17, 30)
    assert add_working_days(at(19, 15), 3, ME) == at(24, 17, 30)  # over the weekend


def test_dst_change_keeps_local_hours() -> None:
    # Berlin leaves summer time on 25 Oct 2026; work hours stay 09:00-17:30 local.
    assert working_seconds(at(23, 9, month=10), at(26, 17, 30, month=10), ME) == 2 * 8.5 * 3600
    assert next_working_time(at(24, 12, month=10), ME) == at(26, 9, month=10)
