"""The date layer: every pattern the detector relies on, against fixed references.

The reference is Wednesday 2026-11-18 10:00 in Berlin (+01:00) unless a case says
otherwise. Deadlines ("promise", "request") resolve to the end of their period;
meetings to their start.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from mailflow import dates
from mailflow.dates import DateConfig, default_date_order, resolve

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
REF = datetime(2026, 11, 18, 10, 0, tzinfo=BERLIN)
REF_NY = datetime(2026, 11, 18, 10, 0, tzinfo=NEW_YORK)


def at(y: int, mo: int, d: int, h: int, mi: int = 0, tz: ZoneInfo = BERLIN) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=tz)


DEADLINES = [
    ("I'll send the revised quote by Thursday", at(2026, 11, 19, 17, 30), "Thursday"),
    ("by Friday", at(2026, 11, 20, 17, 30), "Friday"),
    ("by EOD", at(2026, 11, 18, 17, 30), "EOD"),
    ("COB tomorrow", at(2026, 11, 19, 17, 30), "COB tomorrow"),
    ("Friday EOD", at(2026, 11, 20, 17, 30), "Friday EOD"),
    ("before EOW", at(2026, 11, 20, 17, 30), "EOW"),
    ("by the end of next week", at(2026, 11, 27, 17, 30), None),
    ("by the end of the month", at(2026, 11, 30, 17, 30), None),
    ("next week", at(2026, 11, 27, 17, 30), "next week"),
    ("in two weeks", at(2026, 12, 2, 17, 30), "in two weeks"),
    ("the day after tomorrow", at(2026, 11, 20, 17, 30), None),
    ("friday after next", at(2026, 11, 27, 17, 30), "friday after next"),
    ("next Friday", at(2026, 11, 27, 17, 30), "next Friday"),
    ("first thing Monday", at(2026, 11, 23, 9, 0), None),
    ("this afternoon", at(2026, 11, 18, 14, 0), "this afternoon"),
    ("tonight", at(2026, 11, 18, 20, 0), "tonight"),
    ("later today", at(2026, 11, 18, 17, 30), "later today"),
    ("on the 25th", at(2026, 11, 25, 17, 30), None),
    ("by the 3rd", at(2026, 12, 3, 17, 30), None),
    ("third Tuesday of September", at(2027, 9, 21, 17, 30), None),  # summer time: +02:00
    ("Q3", at(2027, 9, 30, 17, 30), "Q3"),
    ("by the end of Q4", at(2026, 12, 31, 17, 30), None),
    ("early next year", at(2027, 4, 30, 17, 30), "early next year"),
    ("by the end of the year", at(2026, 12, 31, 17, 30), None),
    ("in March", at(2027, 3, 31, 17, 30), None),
    ("by 3pm Friday", at(2026, 11, 20, 15, 0), None),
    ("by noon", at(2026, 11, 18, 12, 0), "noon"),
    ("in 2 hours", at(2026, 11, 18, 12, 0), "in 2 hours"),
    ("live within the hour", at(2026, 11, 18, 11, 0), "within the hour"),
    ("in half an hour", at(2026, 11, 18, 10, 30), "in half an hour"),
    ("call you back in 10", at(2026, 11, 18, 10, 10), "back in 10"),  # minutes, when no unit follows
    ("back in 10 days", at(2026, 11, 28, 17, 30), "in 10 days"),
    ("Thursday at 11 at the studio", at(2026, 11, 19, 11, 0), "Thursday at 11"),
    ("within 3 business days", at(2026, 11, 23, 17, 30), None),
    ("2026-12-01", at(2026, 12, 1, 17, 30), "2026-12-01"),
    ("by 3/4", at(2027, 4, 3, 17, 30), "3/4"),  # day first for a Berlin sender
    ("by 13/4", at(2027, 4, 13, 17, 30), "13/4"),
    ("by 25.11.", at(2026, 11, 25, 17, 30), None),
    ("by 1 December", at(2026, 12, 1, 17, 30), None),
    ("by December 1st, 2026", at(2026, 12, 1, 17, 30), None),
    ("in the week of 7 to 11 December", at(2026, 12, 11, 17, 30), None),
    # British: a week after the day named
    ("by Monday week", at(2026, 11, 30, 17, 30), "Monday week"),
    ("a week on Friday", at(2026, 11, 27, 17, 30), "a week on Friday"),
    ("tomorrow week", at(2026, 11, 26, 17, 30), "tomorrow week"),
    ("in a fortnight", at(2026, 12, 2, 17, 30), "in a fortnight"),
    # a quarter that names a report is no deadline; the day beside it is
    ("I'll get the Q3 report finished by the end of the month", at(2026, 11, 30, 17, 30), None),
    ("I'll send the Q2 numbers tomorrow", at(2026, 11, 19, 17, 30), "tomorrow"),
    ("in Q3 2027", at(2027, 9, 30, 17, 30), None),
    # weekends: over it is due on the Sunday, "by the weekend" on the Friday before
    ("I'll go through the photos over the weekend", at(2026, 11, 22, 17, 30), "over the weekend"),
    ("by the weekend", at(2026, 11, 20, 17, 30), "by the weekend"),
    ("next weekend", at(2026, 11, 29, 17, 30), "next weekend"),
    # a possessive day is still the day
    ("before tomorrow's review", at(2026, 11, 19, 17, 30), "tomorrow"),
    # "wed" in lower case after a date word, and "b4" for "before"
    ("i will send it b4 wed", at(2026, 11, 25, 17, 30), "wed"),
    # numbered weeks and holidays
    ("Can you send it in KW 49?", at(2026, 12, 4, 17, 30), "KW 49"),
    ("the shoot is planned for KW 2", at(2027, 1, 15, 17, 30), "KW 2"),
    ("I will send it before Christmas", at(2026, 12, 24, 17, 30), "before Christmas"),
    ("after the New Year", at(2027, 1, 8, 17, 30), "after the New Year"),
    ("by Thanksgiving", at(2026, 11, 25, 17, 30), "by Thanksgiving"),
    # a deadline's day keeps its own hour only
    ("Could you send the files today, or tomorrow at 9?", at(2026, 11, 18, 17, 30), "today"),
    ("can do it by wed", at(2026, 11, 25, 17, 30), "wed"),
    ("wed morning works", at(2026, 11, 25, 9, 0), "wed morning"),
    # lower-case "tue", "mon", "thu" after a date word or before a yes
    ("cant do mon, what about tue?", at(2026, 11, 24, 17, 30), "tue"),
    ("tue works.", at(2026, 11, 24, 17, 30), "tue"),
]

MEETINGS = [
    # a pair of hours for two time zones: the sender's is the due
    ("Could we do Thursday at 10am your time (4pm for me)?", at(2026, 11, 19, 16, 0), None),
    ("Could we do Thursday at 10am your time / 4pm mine?", at(2026, 11, 19, 16, 0), None),
    ("Let's talk Thursday, 9am your time which is 3pm here.", at(2026, 11, 19, 15, 0), None),
    ("Can we talk on Thursday at 10:00 your time (16:00 CET)?", at(2026, 11, 19, 16, 0), None),
    ("Could we do Thursday at 10am your time?", at(2026, 11, 19, 10, 0), None),
    ("Let's talk Tuesday at 3", at(2026, 11, 24, 15, 0), "Tuesday at 3"),
    ("Can we do 3pm?", at(2026, 11, 18, 15, 0), "3pm"),
    ("15:30 on Thursday", at(2026, 11, 19, 15, 30), None),
    ("noon tomorrow", at(2026, 11, 19, 12, 0), None),
    ("half past two on Monday", at(2026, 11, 23, 14, 30), None),
    ("9:30–11:00 on Thursday", at(2026, 11, 19, 9, 30), None),
    ("Thursday 2-4pm", at(2026, 11, 19, 14, 0), None),
    ("between 2 and 4pm on Monday", at(2026, 11, 23, 14, 0), None),
    ("See you Thursday", at(2026, 11, 19, 9, 0), "Thursday"),  # no hour: start of the working day
    ("next Tuesday", at(2026, 11, 24, 9, 0), "next Tuesday"),
    ("Wed 25 Nov at 10", at(2026, 11, 25, 10, 0), None),
    ("on the 1st at 11am", at(2026, 12, 1, 11, 0), None),
    ("at 8", at(2026, 11, 19, 8, 0), None),  # 08:00 today has passed
    ("Monday at 1", at(2026, 11, 23, 13, 0), None),  # bare 1-7 are afternoon hours
    ("Monday at 9", at(2026, 11, 23, 9, 0), None),
    # minutes do not make a 1-6 o'clock hour a night-time one; a 24-hour clock stays as written
    ("Can we meet Wednesday at 3:30?", at(2026, 11, 25, 15, 30), None),
    ("Let's talk Tuesday at 4.15", at(2026, 11, 24, 16, 15), None),
    ("Monday 2:30-3:30", at(2026, 11, 23, 14, 30), None),
    ("Monday 03:30", at(2026, 11, 23, 3, 30), None),
    ("Monday 7:00", at(2026, 11, 23, 7, 0), None),
    ("Monday 7:30-9:00", at(2026, 11, 23, 7, 30), None),
    ("tomorrow morning at 6:45", at(2026, 11, 19, 6, 45), None),
    ("this weekend", at(2026, 11, 21, 9, 0), "this weekend"),
    ("Friday's shoot", at(2026, 11, 20, 9, 0), "Friday"),
    ("Friday 12/4", at(2026, 12, 4, 9, 0), None),  # only Dec 4 is a Friday: the weekday decides
    ("next week", at(2026, 11, 23, 9, 0), "next week"),  # a meeting starts with the period
    ("Friday morning", at(2026, 11, 20, 9, 0), None),
    ("Thursday evening", at(2026, 11, 19, 18, 0), None),
]

NO_DATE = [
    # a number before "at" is no hour unless a place follows
    "We grew by 15 at the time", "Sizes from 8 at most stores", "Invoice total at 12 at 5% VAT",
    "May I ask a question?",
    "We march forward together.",
    "Give me a second.",
    "The sun is out and we sat in the garden.",
    "Mon ami Pierre says hello.",
    "Salut, mon cher, merci pour tout.",
    "mon ami, merci",
    "Am I right that we are here, tue amore?",
    "I am here, am I not?",
    "Meet Wedgwood, our new intern.",
    "Marta and Tom will wed at the lake house.",
    "the couple will wed this summer",
    "Merry Christmas and a happy New Year!",
    "We use CW 10 for the reviews.",
    "Our Christmas party was great.",
    "I have 3 kids and 2 cats.",
    "Version 2.5 is out.",
    "We offer 24/7 support.",
    "It costs 1,500 euros.",
    "Please review the 2nd draft.",
    "Half of the pages need work.",
    "Could you approve the invoice so I can close out the month?",
    "The Q4 forecast looks healthy.",
    "",
]


@pytest.mark.parametrize("text,due,due_text", DEADLINES)
def test_deadlines_mean_end_of_period(text: str, due: datetime, due_text: str | None) -> None:
    found = resolve(text, REF, kind="promise")
    assert found is not None, text
    assert found.due == due
    assert found.due.utcoffset() == due.utcoffset()
    if due_text:
        assert found.text == due_text


@pytest.mark.parametrize("text,due,due_text", MEETINGS)
def test_meetings_mean_start(text: str, due: datetime, due_text: str | None) -> None:
    found = resolve(text, REF, kind="meeting")
    assert found is not None, text
    assert found.due == due
    if due_text:
        assert found.text == due_text


@pytest.mark.parametrize("text", NO_DATE)
def test_ordinary_words_are_not_dates(text: str) -> None:
    assert resolve(text, REF, kind="promise") is None


@pytest.mark.parametrize(
    "text,due",
    [
        ("by 3/4", at(2027, 3, 4, 17, 30, NEW_YORK)),  # month first for a New York sender
        ("by 12/1", at(2026, 12, 1, 17, 30, NEW_YORK)),
        ("by 13/4", at(2027, 4, 13, 17, 30, NEW_YORK)),  # unambiguous either way; summer time
        ("by Friday", at(2026, 11, 20, 17, 30, NEW_YORK)),
        ("Friday 4/12", at(2026, 12, 4, 17, 30, NEW_YORK)),  # only the day-first reading is a Friday
    ],
)
def test_month_first_sender(text: str, due: datetime) -> None:
    found = resolve(text, REF_NY, kind="request")
    assert found is not None
    assert found.due == due
    assert found.due.utcoffset() == due.utcoffset()


def test_date_order_defaults_from_timezone() -> None:
    assert default_date_order(NEW_YORK) == "MDY"
    assert default_date_order(BERLIN) == "DMY"
    assert default_date_order(timezone(timedelta(hours=-5)), REF) == "MDY"
    assert default_date_order(timezone(timedelta(hours=1)), REF) == "DMY"
    assert default_date_order(timezone.utc, REF) == "DMY"


def test_explicit_date_order_overrides_the_zone() -> None:
    found = resolve("by 3/4", REF, kind="promise", config=DateConfig(date_order="MDY"))
    assert found is not None and found.due == at(2027, 3, 4, 17, 30)


def test_hours_are_configurable() -> None:
    cfg = DateConfig(end_of_day="18:00", morning="08:30", start_of_day="10:00")
    assert resolve("by Friday", REF, kind="promise", config=cfg).due == at(2026, 11, 20, 18, 0)
    assert resolve("Friday morning", REF, kind="meeting", config=cfg).due == at(2026, 11, 20, 8, 30)
    assert resolve("See you Friday", REF, kind="meeting", config=cfg).due == at(2026, 11, 20, 10, 0)


def test_config_is_frozen() -> None:
    with pytest.raises(AttributeError):
        DateConfig().end_of_day = "19:00"  # type: ignore[misc]


def test_fixed_offset_reference_keeps_its_offset() -> None:
    ref = datetime(2026, 11, 18, 10, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    found = resolve("by Friday", ref, kind="promise")
    assert found is not None
    assert found.due == datetime(2026, 11, 20, 17, 30, tzinfo=ref.tzinfo)
    assert found.due.utcoffset() == timedelta(hours=5, minutes=30)


def test_past_day_is_skipped_for_a_later_one() -> None:
    found = resolve("I sent it yesterday and the rest comes Friday", REF, kind="promise")
    assert found is not None and found.due == at(2026, 11, 20, 17, 30)


def test_recent_year_less_date_stays_in_this_year() -> None:
    found = resolve("the invoice from 10 November", REF, kind="promise")
    assert found is not None and found.due.date().isoformat() == "2026-11-10"


def test_hostile_input_does_not_raise() -> None:
    junk = "\x00\xff 12/13/14/15 99:99 32nd of Smarch ::: " * 2000
    resolve(junk, REF, kind="meeting")
    resolve("31/02", REF, kind="promise")  # no such day in either order


def test_dateparser_is_the_last_resort() -> None:
    # a shape the fast layer does not know: dateparser reads it, with the email rules on top
    found = resolve("Can you send it on 5-Dec-2026?", REF, kind="request")
    assert found is not None and found.due == at(2026, 12, 5, 17, 30)
    found = resolve("Can you send it on 5-Dec-2026 at 3pm?", REF, kind="request")
    assert found is not None and found.due == at(2026, 12, 5, 15, 0)
    off = DateConfig(use_dateparser=False)
    assert resolve("Can you send it on 5-Dec-2026?", REF, kind="request", config=off) is None


# Shapes each pattern that needs a digit can take, including the tight ones its gate must still admit.
GATED = [
    "2026-11-20", "by 20/11", "on 5.10.", "12 to 15 October", "12-15.10", "3. to 5.10.2017", "jan5", "5thjan",
    "the 3rd of December", "Dec 12, 2026", "March 2027", "by the 21st", "MONDAY the 12th", "Friday 6/9",
    "2-4pm", "11–2 p.m.", "10h30-11h45", "10:30", "between 2 and 4", "at 3", "at around 3", "approx. 5",
    "~ 17.30", "until 1430", "3 a. m.",
]


@pytest.mark.parametrize("text", GATED)
def test_digit_gates_admit_every_match(text: str) -> None:
    # a failed gate skips its patterns, which is only safe if no pattern could have matched
    patterns = dict((*dates._DATE_PATTERNS, *dates._TIME_PATTERNS))
    low = dates.ascii_lower(text)
    matched = {name for name in dates._NEEDS_DIGIT
               if patterns[name].search(text if name in dates._ON_ORIGINAL else low)}
    assert matched, "every example should exercise at least one gated pattern"
    admitted = set().union(*(names for gate, names in dates._DIGIT_GATES if gate(low)))
    assert matched <= admitted


def test_sentences_without_dates_are_skipped_early() -> None:
    assert resolve("Thanks, that works for us.", REF, kind="promise") is None
    assert resolve("Call me on 555 0134 whenever.", REF, kind="meeting") is None


# From fuzzing: what the date layer must never return.
@pytest.mark.parametrize("text", [
    "Could you check flight March 32, 5 seats left?",  # dateparser read "32" as the year 2032
    "Please book room Dec 45, 2 people.",
    "Please send it Sept 8000 1.",
])
def test_no_due_decades_away(text: str) -> None:
    assert resolve(text, REF, config=DateConfig(use_dateparser=True)) is None


def test_a_reference_at_the_calendars_ends_gives_no_due() -> None:
    assert resolve("tomorrow", datetime(1, 1, 1, tzinfo=timezone.utc)) is None
    assert resolve("yesterday", datetime(9999, 12, 31, tzinfo=timezone.utc)) is None


def test_runs_of_blanks_are_read_as_one() -> None:
    found = resolve("Please send it Friday" + " " * 8000 + "at 3pm", REF)
    assert found is not None and found.due == at(2026, 11, 20, 15, 0)


def test_the_weekend_said_on_a_monday_is_the_one_just_gone() -> None:
    monday = datetime(2026, 11, 16, 10, 0, tzinfo=BERLIN)
    found = resolve("over the weekend", monday, kind="meeting")
    assert found is not None and found.due.date() == datetime(2026, 11, 14).date()
    found = resolve("this weekend", monday, kind="meeting")
    assert found is not None and found.due.date() == datetime(2026, 11, 21).date()


@pytest.mark.parametrize("text,kind,expected", [
    ("Let's catch up in the first week of January.", "meeting", datetime(2027, 1, 1, 9, 0)),
    ("I'll send it by the third week of January.", "promise", datetime(2027, 1, 21, 17, 30)),
    ("the last week of next month", "promise", datetime(2026, 12, 31, 17, 30)),
    ("the second week of December 2026", "meeting", datetime(2026, 12, 8, 9, 0)),
])
def test_the_nth_week_of_a_month(text: str, kind: str, expected: datetime) -> None:
    found = resolve(text, datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")), kind=kind)
    assert found is not None and found.due.replace(tzinfo=None) == expected


SYDNEY = ZoneInfo("Australia/Sydney")


@pytest.mark.parametrize("text,kind,ref,expected,due_text", [
    # Tuesday's 3pm in New York is 21:00 in Berlin; the due keeps the sender's offset.
    ("Let's talk Tuesday at 3pm EST.", "meeting", REF, at(2026, 11, 24, 21, 0), "Tuesday at 3pm EST"),
    ("Let's meet at 3 EST tomorrow.", "meeting", REF, at(2026, 11, 19, 21, 0), None),
    ("Can we talk at 3pm Eastern on Friday?", "meeting", REF, at(2026, 11, 20, 21, 0), None),
    ("Call at 10am Pacific time Monday?", "meeting", REF, at(2026, 11, 23, 19, 0), None),
    ("The call is at 10:00 PT on Friday.", "meeting", REF, at(2026, 11, 20, 19, 0), None),
    ("Can we do a call at 8 PM IST tomorrow?", "meeting", REF, at(2026, 11, 19, 15, 30), None),
    ("Can we talk at 4pm London time on Monday?", "meeting", REF, at(2026, 11, 23, 17, 0), None),
    ("Call at 14:00 UTC+2 on Thursday?", "meeting", REF, at(2026, 11, 19, 13, 0), None),
    ("Please send it by 5pm PST Friday.", "request", REF, at(2026, 11, 21, 2, 0), None),
    # Friday 9am in Sydney is still Thursday in Berlin and in Vancouver.
    ("Can we talk at 9am Sydney time on Friday?", "meeting", REF, at(2026, 11, 19, 23, 0), None),
    ("Can we talk at 9am AEDT on Friday?", "meeting", datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("America/Vancouver")),
     at(2026, 11, 19, 14, 0, ZoneInfo("America/Vancouver")), None),
    # Without a day: today's hour in that zone, or tomorrow's once it has passed there.
    ("Call at 11pm EST?", "meeting", REF, at(2026, 11, 19, 5, 0), "11pm EST"),
    ("Call at 8am EST?", "meeting", REF, at(2026, 11, 18, 14, 0), None),  # 04:00 in New York now
    ("Call at 9am AEDT?", "meeting", REF, at(2026, 11, 18, 23, 0), None),
    # The sender's own zone, named, changes nothing; "EST" in July is New York's summer time.
    ("Call Thursday 9am CET / 8am GMT?", "meeting", REF, at(2026, 11, 19, 9, 0), None),
    ("Let's talk on 14 July at 3pm EST.", "meeting", REF, at(2027, 7, 14, 21, 0), None),
])
def test_a_zone_named_after_the_time_is_that_zone(text: str, kind: str, ref: datetime, expected: datetime,
                                                  due_text: str | None) -> None:
    found = resolve(text, ref, kind=kind)
    assert found is not None and found.due == expected
    assert found.due.tzinfo is ref.tzinfo  # said in the sender's zone
    if due_text:
        assert found.text == due_text


@pytest.mark.parametrize("text", [
    "Let's meet at 3pm Central Station on Friday.",  # a place, not Chicago
    "Let's talk at 3 pm la on Friday.",  # two letters count only in capitals
    "Let's talk Friday at 3pm your time.",  # the reader's zone is not known: the sender's stands
    "Let's talk Friday at 3pm, OK?",
])
def test_words_after_a_time_that_are_no_zone(text: str) -> None:
    found = resolve(text, REF, kind="meeting")
    assert found is not None and found.due == at(2026, 11, 20, 15, 0)


@pytest.mark.parametrize("text,kind,expected,due_text", [
    ("Thursday 3 PM works for us.", "meeting", at(2026, 11, 19, 15, 0), "Thursday 3 PM"),  # not "Thursday the 3rd"
    ("I'll start on phase 2 on Monday the 30th.", "promise", at(2026, 11, 30, 17, 30), "Monday the 30th"),
    ("Could we do the review on the 5th or 6th of January?", "meeting", at(2027, 1, 5, 9, 0), None),
    ("does 10 tomorrow work for a quick call?", "meeting", at(2026, 11, 19, 10, 0), "10 tomorrow"),
    ("10 tomorrow works. Talk then!", "meeting", at(2026, 11, 19, 10, 0), None),
    ("how about 3 Friday?", "meeting", at(2026, 11, 20, 15, 0), None),
    ("I'll have the drone footage edited by Monday arvo.", "promise", at(2026, 11, 23, 14, 0), "Monday arvo"),
    ("Could we close the books by year-end, please?", "request", at(2026, 12, 31, 17, 30), "year-end"),
    ("I'll send the year-end pack on 4 January.", "promise", at(2027, 1, 4, 17, 30), None),
    # a bare hour after a day where only an hour makes sense; an ordinal stays a date
    ("tmrw 10?", "meeting", at(2026, 11, 19, 10, 0), "tmrw 10"),
    ("Thursday 3?", "meeting", at(2026, 11, 19, 15, 0), "Thursday 3"),
    ("Friday 5 works for me.", "meeting", at(2026, 11, 20, 17, 0), "Friday 5"),
    ("Thursday 3rd?", "meeting", at(2026, 12, 3, 9, 0), "Thursday 3rd"),
    ("Thursday 3 December", "meeting", at(2026, 12, 3, 9, 0), "Thursday 3 December"),
    ("Is Friday 11 possible?", "meeting", at(2026, 11, 20, 11, 0), "Friday 11"),
    ("Friday 11 is good for me", "meeting", at(2026, 11, 20, 11, 0), "Friday 11"),
    ("Send it by Monday am", "request", at(2026, 11, 23, 9, 0), None),
    ("mon am", "meeting", at(2026, 11, 23, 9, 0), None),
    ("by Wendsday", "request", at(2026, 11, 25, 17, 30), "Wendsday"),
    # the French and German hour, shorthand, and a US zone without its S
    ("14h Thursday.", "meeting", at(2026, 11, 19, 14, 0), "14h Thursday"),
    ("Thursday 14h30", "meeting", at(2026, 11, 19, 14, 30), "Thursday 14h30"),
    ("next wk?", "meeting", at(2026, 11, 23, 9, 0), "next wk"),
    ("can u call me 2moro?", "meeting", at(2026, 11, 19, 9, 0), "2moro"),
    ("Wednesday at 10 ET?", "meeting", at(2026, 11, 25, 10, 0, NEW_YORK), "Wednesday at 10 ET"),
    # a capital at the start of a sentence changes nothing
    ("Next Friday works", "meeting", at(2026, 11, 27, 9, 0), "Next Friday"),
    ("A week on Monday", "meeting", at(2026, 11, 30, 9, 0), None),
])
def test_hours_beside_days_and_days_beside_their_weekday(text: str, kind: str, expected: datetime,
                                                       due_text: str | None) -> None:
    found = resolve(text, REF, kind=kind)
    assert found is not None and found.due == expected
    if due_text:
        assert found.text == due_text


@pytest.mark.parametrize("text", [
    "Could you tell us whether the Q4 VAT return should be filed?",  # Q4 names the return
    "I'll send the year-end pack when the office reopens.",  # a piece of work, not a day
    "Can you prepare the year-end accounts?",
    "I'll send 3 tomorrow",  # a count, not an hour: the day alone
    "Let's make it 4 for dinner on Friday.",
    "Can you do 2 tomorrow and 3 on Friday?",
    "The text is set at 12 pt on the cover.",
    "We offer a 24h turnaround.",
    "I work 8h a day.",
])
def test_quarters_and_year_ends_that_name_work_and_counts_before_a_day(text: str) -> None:
    found = resolve(text, REF)
    assert found is None or not found.has_time


@pytest.mark.parametrize("text,ref,expected", [
    # the sender's own offset is one of the name's meanings: their own time
    ("Call at 3pm IST on Friday?", datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Jerusalem")),
     datetime(2026, 11, 20, 15, 0, tzinfo=ZoneInfo("Asia/Jerusalem"))),
    ("Call at 3pm IST on Friday?", datetime(2026, 7, 1, 10, 0, tzinfo=ZoneInfo("Europe/Dublin")),
     datetime(2026, 7, 3, 15, 0, tzinfo=ZoneInfo("Europe/Dublin"))),
    ("Call at 3pm CST on Friday?", datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
     datetime(2026, 11, 20, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))),
    ("Call at 3pm EST on Friday?", datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Australia/Brisbane")),
     datetime(2026, 11, 20, 15, 0, tzinfo=ZoneInfo("Australia/Brisbane"))),
    ("Call at 3pm GMT on Friday?", datetime(2026, 7, 1, 10, 0, tzinfo=ZoneInfo("Europe/London")),
     datetime(2026, 7, 3, 15, 0, tzinfo=ZoneInfo("Europe/London"))),
    ("Call at 3pm MST on Friday?", datetime(2026, 7, 1, 10, 0, tzinfo=ZoneInfo("America/Phoenix")),
     datetime(2026, 7, 3, 15, 0, tzinfo=ZoneInfo("America/Phoenix"))),
    ("Let's talk at 2pm Central on Friday.", REF, at(2026, 11, 20, 14, 0)),
    # words after a time that only look like zones
    ("My 3pm CT scan on Thursday is early.", REF, at(2026, 11, 19, 15, 0)),
    ("Meet me Thursday at 10am eastern entrance.", REF, at(2026, 11, 19, 10, 0)),
    # a weekday that does not fall on the date keeps the weekday, not a month months away
    ("Tuesday the 23rd at 2pm", REF, at(2026, 11, 24, 14, 0)),
])
def test_a_zone_the_sender_lives_in_and_words_that_are_no_zone(text: str, ref: datetime, expected: datetime) -> None:
    found = resolve(text, ref, kind="meeting")
    assert found is not None and found.due == expected


@pytest.mark.parametrize("text", [
    "We need this done by year end otherwise we lose the budget",
    "Please have it signed by year-end regardless.",
])
def test_a_year_end_after_by_is_a_deadline(text: str) -> None:
    found = resolve(text, REF)
    assert found is not None and found.due == at(2026, 12, 31, 17, 30)


@pytest.mark.parametrize("text,expected", [
    ("We met last Tuesday.", date(2026, 11, 17)),
    ("Last Tuesday was fun.", date(2026, 11, 17)),
    ("the invoice I sent this past Monday", date(2026, 11, 16)),
    ("on Tuesday last week", date(2026, 11, 10)),
])
def test_a_weekday_gone_by_is_in_the_past(text: str, expected: date) -> None:
    found = resolve(text, REF, kind="promise")
    assert found is not None and found.due.date() == expected


@pytest.mark.parametrize("text,kind,expected", [
    # the hour belongs to the day it stands beside, when the first day's hour is gone
    ("I'm in workshops today, but I can call you tomorrow at 9:15 if that works.", "meeting", at(2026, 11, 19, 9, 15)),
    # "lunch" is about noon; a written hour is exact
    ("I'm grabbing lunch at the Thai place at 12:30 if you want to join.", "meeting", at(2026, 11, 18, 12, 30)),
    ("lunch on Friday", "meeting", at(2026, 11, 20, 12, 0)),
    ("Invoice to follow by end of week.", "promise", at(2026, 11, 20, 17, 30)),
])
def test_the_hour_beside_its_day_and_the_week_without_its_article(text: str, kind: str, expected: datetime) -> None:
    found = resolve(text, REF, kind=kind)
    assert found is not None and found.due == expected


def test_this_years_report_names_a_report() -> None:
    assert resolve("Could you send me a quote for this year's annual report design?", REF, kind="request") is None
