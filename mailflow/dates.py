"""Due dates for detected items: a fast email-aware layer with dateparser behind it.

`resolve` finds the time expression in a sentence and turns it into an aware
datetime in the sender's own offset. The rules follow how people write mail:

* a deadline ("by Friday", "next week", "EOD", "Q3") means the END of the period,
  at the configured end of the working day when no hour is given;
* a meeting time ("Tuesday at 3") means its START;
* bare hours 1-7 in a meeting or deadline mean the afternoon ("at 3" is 15:00);
* numeric dates follow the sender's convention (DMY or MDY), and a named weekday
  beside an ambiguous date ("Friday 6/9") picks the reading that matches it.

Common expressions are handled by precompiled regexes here; dateparser is only
asked when a sentence plainly carries a date this layer did not understand.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

DEADLINE_KINDS = frozenset({"promise", "request", "deadline"})


@dataclass(frozen=True)
class DateConfig:
    """Hours that vague words stand for, and how numeric dates are read."""

    end_of_day: str = "17:30"
    start_of_day: str = "09:00"
    morning: str = "09:00"
    afternoon: str = "14:00"
    evening: str = "18:00"
    tonight: str = "20:00"
    first_thing: str = "09:00"
    noon: str = "12:00"
    date_order: str | None = None  # "DMY" | "MDY"; None: guessed from the sender's timezone
    past_window_days: int = 60  # a year-less date this many days back is still this year's
    use_dateparser: bool = True

    def hour(self, name: str) -> time:
        hh, mm = getattr(self, name).split(":")
        return time(int(hh), int(mm))


@dataclass(frozen=True)
class Resolution:
    """A resolved due time and the words it came from."""

    due: datetime
    text: str
    has_time: bool  # an hour was written (or implied by a part of day)


# Zones whose people write month-first. Fixed offsets (from a Date header) in the
# US range fall back to MDY too: most such mail in the wild is North American.
_MDY_ZONES = frozenset(
    {
        "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
        "America/Phoenix", "America/Anchorage", "America/Detroit", "America/Boise",
        "America/Juneau", "America/Adak", "America/Toronto", "America/Vancouver",
        "America/Edmonton", "America/Winnipeg", "Pacific/Honolulu", "Asia/Manila",
    }
)


def default_date_order(tz: tzinfo | None, when: datetime | None = None) -> str:
    key = getattr(tz, "key", None)
    if key:
        if key in _MDY_ZONES or key.startswith(("US/", "America/Indiana", "America/Kentucky")):
            return "MDY"
        return "DMY"
    offset = tz.utcoffset(when) if tz is not None else None
    if offset is not None and timedelta(hours=-10) <= offset <= timedelta(hours=-4):
        return "MDY"
    return "DMY"


# --- vocabulary -------------------------------------------------------------

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "mon": 0, "tue": 1, "tues": 1, "wed": 2, "weds": 2, "thu": 3, "thur": 3, "thurs": 3,
    "fri": 4, "sat": 5, "sun": 6,
    # the misspellings hurried mail is full of: "will send untill fryday"
    "wensday": 2, "wendsday": 2, "wednsday": 2, "wedensday": 2, "wedsday": 2, "thurday": 3, "thrusday": 3,
    "thursay": 3, "fryday": 4, "firday": 4, "tuseday": 1, "tusday": 1, "teusday": 1,
}
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a couple of": 2, "couple of": 2, "a few": 3, "few": 3,
}
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3,
             "fourth": 4, "4th": 4, "fifth": 5, "5th": 5, "last": -1}

# "May", "March", "Sun", "Wed" are ordinary words too: a month name only counts
# beside a day number, and abbreviated weekdays must be capitalised.
_MONTH_RE = (r"(?:january|february|march|april|may|june|july|august|september|october|"
             r"november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)")
_FULL_WD = (r"(?:[Mm]onday|[Tt]uesday|[Ww]ednesday|[Tt]hursday|[Ff]riday|[Ss]aturday|[Ss]unday|"
            r"MONDAY|TUESDAY|WEDNESDAY|THURSDAY|FRIDAY|SATURDAY|SUNDAY|"
            r"[Ww]e(?:n|nd|dn|den|d)sday|[Tt]hurday|[Tt]hrusday|[Tt]hursay|[Ff]ryday|[Ff]irday|[Tt](?:us|use|eus)day)")
# ...except those that are no word at all: "thurs 2pm works".
_ABBR_WD = r"(?:Mon|Tues|Tue|Weds|Wed|Thurs|Thur|Thu|Fri|Sat|Sun|MON|TUE|WED|THU|FRI|SAT|SUN|tues|weds|wed|thurs|thur|fri|mon|tue|thu)\.?"
_WD_RE = rf"(?:{_FULL_WD}|{_ABBR_WD}(?![A-Za-z]))"
_NUM_RE = (r"(?:\d{1,2}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
           r"a couple of|couple of|a few|few)")
_I = re.IGNORECASE
_CASED = 1 << 30  # marker: run this pattern on the original text, case-sensitively


def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Patterns run on an ASCII-lowercased copy: IGNORECASE is several times slower in `re`."""
    return re.compile(pattern, flags & ~_CASED)


# Each date pattern has a name used by _anchor_from_match.
_DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("iso", _rx(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")),
    ("numeric", _rx(r"(?<![\d.:/$£€-])(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})"
                    r"(?:(?P=sep)(?P<y>\d{4}|\d{2})(?!\d))?(?P<dot>\.(?!\d))?(?![\d:/]|\.\d)")),
    ("day_range", _rx(rf"\b(?:from\s+|between\s+)?(?:the\s+)?(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\.?\s*(?:-|–|to|till|"
                      rf"until|/|and|or)\s*"
                      rf"(?:the\s+)?(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:\.?\s*(?:of\s+)?(?P<mon>{_MONTH_RE})\b\.?|"
                      rf"[./](?P<m>\d{{1,2}})\b\.?)"
                      r"(?:\s*,?\s*(?:[./])?(?P<y>(?:19|20)\d{2}|\d{2})(?![\d:.-]))?")),
    ("nth_weekday", _rx(rf"\b(?P<n>first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)\s+"
                        rf"(?P<wd>{_FULL_WD})\s+(?:of|in)\s+(?P<mon>{_MONTH_RE}|(?:this|the|next)\s+month)\b")),
    ("month_day", _rx(rf"\b(?P<mon>{_MONTH_RE})\.?\s*(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?!\d|:|\s*(?:am|pm|%))"
                      r"(?:\s*,?\s*(?P<y>(?:19|20)\d{2})(?!\s*[-–]\s*\d))?\b")),
    ("day_month", _rx(rf"\b(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\.?\s*(?:of\s+)?(?P<mon>{_MONTH_RE})\b\.?"
                      r"(?:\s*,?\s*(?P<y>(?:19|20)\d{2})\b(?!\s*[-–]\s*\d))?")),
    ("ordinal", _rx(r"\b(?:(?:on|by|until|till|before|after|from|for)\s+(?:the\s+)?|the\s+)"
                    r"(?P<d>\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:century|floor|anniversary|birthday|place|time|"
                    r"percent|edition|round|version|draft|year|grade|row))")),
    # on the original text: "Thursday 3 PM" is an hour in any case
    ("weekday_day", _rx(rf"\b(?P<wd>{_FULL_WD})\s+(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?![:.]\d|\s*(?:[aApP]\.?\s?[mM]\b|"
                        rf"h\b|[-–]\s*\d|to\s+\d))")),
    ("month_week", _rx(rf"\b(?P<nth>first|1st|second|2nd|third|3rd|fourth|4th|last|final)\s+week\s+(?:of|in)\s+"
                       rf"(?:(?P<mon>{_MONTH_RE})(?:\s+(?P<y>(?:19|20)\d{{2}}))?|(?P<rel>this|next|the)\s+month)\b")),
    ("month_year", _rx(rf"\b(?P<mon>{_MONTH_RE})\.?,?\s+(?P<y>(?:19|20)\d{{2}})\b")),
    ("month_only", _rx(r"\b(?P<pre>in|by|until|till|before|during|for|end of|the end of|early|mid|mid-|late)\s*"
                       r"(?P<mon>January|February|March|April|May|June|July|August|September|October|November|December)"
                       r"(?:\s+(?P<y>(?:19|20)\d{2}))?\b")),
    ("day_after_tomorrow", _rx(r"\b(?:the\s+)?day\s+after\s+tomorrow\b")),
    ("tomorrow", _rx(r"\b(?:tomm?orr?ow|tmrw|tmr|2moro|2morrow)\b(?P<week>\s+week\b(?!\s*\d))?")),
    ("today", _rx(r"\b(?:today|tonight|later\s+today|this\s+(?:morning|afternoon|evening))\b")),
    ("yesterday", _rx(r"\byesterday\b")),
    ("eod", _rx(r"\b(?:eod|cob|eob|close\s+of\s+(?:business|play)|end\s+of\s+(?:the\s+)?(?:business\s+|"
                r"working\s+)?day)\b")),
    ("week_part", _rx(r"\b(?P<part>early|mid|late|later|end\s+of|the\s+end\s+of|beginning\s+of|start\s+of)"
                      r"\s*(?:the\s+)?(?P<which>this|next|the|coming)\s+week\b|\b(?P<eow>eow)\b|"
                      # "Invoice to follow by end of week"
                      r"\b(?:by|before|until|till)\s+(?P<bare>end\s+of)\s+week\b")),
    # before "week": "Wednesday next week" is one day, not the week
    # the lookahead turns away a word that starts with no letter a match can start with: `re`
    # tries every word start, and this one test costs less than the alternatives it skips
    ("weekday", _rx(rf"\b(?=[AaCcFfLlMmNnOoPpSsTtWw])(?:(?P<aweek>[Aa]\s+week\s+(?:on|from)\s+(?:this\s+)?)|"
                    rf"(?P<which>[Nn]ext|[Tt]his|[Cc]oming|[Tt]his\s+coming|[Oo]n|[Ll]ast|[Tt]his\s+past|[Pp]ast)\s+)?(?P<wd>{_WD_RE})"
                    r"(?P<after>\s+after\s+next|\s+(?:next|last)\s+week|\s+week\b(?!\s*\d))?")),
    # a numbered week, as German mail often dates work: "week 50", "KW 49", "KW49"
    ("week", _rx(r"\b(?P<which>this|next|coming|the\s+following)\s+(?:week|wk)\b|"
                 r"\b(?:week\s+|kw\.?\s*)(?P<iso>\d{1,2})\b")),
    # the holidays a freelancer's year turns on: "before Christmas", "in the new year"
    ("holiday", _rx(r"\b(?:(?P<pre>before|by|until|till|after|in|on)\s+(?:the\s+)?)?(?:(?P<xmas>christmas|xmas|x-mas)"
                    r"(?:\s+(?P<eve>eve))?|(?P<ny>new\s+year(?:'s)?)(?:\s+(?P<nye>eve|day))?|(?P<tg>thanksgiving))\b"
                    r"(?!\s+(?:party|parties|card|cards|campaign|sale|sales|market|dinner|lunch|tree|gifts?|bonus|edition|"
                    r"issue|special|resolutions?|menu|shoot|ad|ads|mailing|newsletter|offer|break|holidays?)\b)")),
    ("weekend", _rx(r"\b(?:(?P<by>by|before)\s+)?(?P<which>this|next|the|this\s+coming|over\s+the|at\s+the|on\s+the)\s+"
                    r"week[\s-]?end\b")),
    ("month_rel", _rx(r"\b(?:(?P<part>early|mid|late|end\s+of|the\s+end\s+of|beginning\s+of|start\s+of)\s*"
                      r"(?:the\s+)?)?(?P<which>this|next|the)\s+month\b|\bmonth[-\s]end\b")),
    ("quarter", _rx(r"\b(?:(?P<part>end\s+of|the\s+end\s+of|early|beginning\s+of|start\s+of)\s+(?:the\s+)?)?"
                    r"(?:q(?P<q>[1-4])|(?P<qw>first|second|third|fourth)\s+quarter|(?P<rel>this|next)\s+quarter)"
                    r"(?:\s*(?:of\s+)?(?P<y>20\d{2}|'\d{2}|fy\d{2}))?\b"
                    # "the Q3 report" names a report, not a deadline
                    r"(?!\s+(?:report|reports|results|numbers|figures|forecasts?|review|reviews|earnings|budget|"
                    r"plan|planning|targets?|sales|update|deck|presentation|campaign|roadmap|accounts|invoices?|data|"
                    r"goals|okrs|kpis|revenue|pipeline|reporting|close|filing|statements?|newsletter|vat|tax|taxes|returns?|payroll|"
                    r"audit|content|calendar|estimates?|bonus(?:es)?|payments?|promo|promotion|spend|launch)\b)")),
    ("year", _rx(r"\b(?:(?P<part>early|mid|late|end\s+of|the\s+end\s+of|beginning\s+of|start\s+of)\s*(?:the\s+)?)?"
                 r"(?P<which>this|next)\s+year\b|\b(?P<ye>(?:(?<=by\s)|(?<=before\s)|(?<=until\s)|(?<=till\s)|(?<=at\s)|"
                 r"(?<=around\s)|(?<=after\s))year[-\s]end\b|year[-\s]end\b"
                 # "the year-end review", "the year-end pack" name a piece of work, not a day
                 r"(?!\s+(?!(?:and|or|so|if|as|at|when|but|please|then|latest|with|because|since|for|is|would|"
                 r"will|to|too|as\s+well)\b)[a-z]{3,})|end\s+of\s+(?:the\s+)?year\b)")),
    ("offset", _rx(rf"\b(?:in|within)\s+(?:the\s+next\s+)?(?P<n>{_NUM_RE})\s+(?P<biz>business\s+|working\s+)?"
                   r"(?P<unit>minute|min|hour|hr|day|week|fortnight|month)s?\b|"
                   rf"\b(?P<n2>{_NUM_RE})\s+(?P<unit2>day|week|month)s?\s+from\s+(?:now|today)\b|"
                   r"\b(?:in|within)\s+(?:the\s+next\s+)?(?P<half>half\s+an\s+hour)\b|"
                   r"\bwithin\s+the\s+(?:next\s+)?(?P<the>hour)\b|"
                   # "call you back in 10": minutes, when no unit follows
                   r"\bback(?:\s+to\s+(?:you|u))?\s+in\s+(?P<back>\d{1,2}|five|ten|fifteen|twenty|thirty)\b"
                   r"(?!\s*(?:[a-z0-9%]|[:.,/-]\d))")),
)

# Which words must be in the text for a pattern to be worth running; "#" means a digit.
_WEEKDAY_WORDS = frozenset(_WEEKDAYS)
WEEKDAY_NAMES = _WEEKDAY_WORDS  # for detect: the day names and spellings this layer reads
_TRIGGERS: dict[str, frozenset[str]] = {
    "nth_weekday": frozenset(k for k in _WEEKDAYS if len(k) > 3),
    "month_only": frozenset(k for k in _MONTHS if len(k) > 3),
    "month_week": frozenset({"week"}),
    "day_after_tomorrow": frozenset({"tomorrow"}),
    "tomorrow": frozenset({"tomorrow", "tmrw", "tmr", "tomorow", "tommorow", "tommorrow", "2moro", "2morrow"}),
    "today": frozenset({"today", "tonight", "morning", "afternoon", "evening"}),
    "yesterday": frozenset({"yesterday"}),
    "eod": frozenset({"eod", "cob", "eob", "business", "day", "play"}),
    "week_part": frozenset({"week", "eow"}),
    "week": frozenset({"week", "wk", "kw"}),
    "holiday": frozenset({"christmas", "xmas", "x", "year", "year's", "thanksgiving"}),
    "weekend": frozenset({"weekend", "week-end", "week"}),
    "weekday": _WEEKDAY_WORDS,
    "month_rel": frozenset({"month"}),
    "quarter": frozenset({"q1", "q2", "q3", "q4", "quarter"}),
    "year": frozenset({"year"}),
    "offset": frozenset({"day", "days", "week", "weeks", "fortnight", "fortnights", "month", "months", "hour", "hours",
                         "hr", "hrs", "minute", "back",
                         "minutes", "min", "mins"}),
    "noon": frozenset({"noon", "midday", "mid", "midnight", "lunch", "lunchtime"}),
    "half_past": frozenset({"half", "quarter"}),
    "oclock": frozenset({"o'clock", "oclock", "clock", "uhr"}),
    "part": frozenset({"morning", "afternoon", "arvo", "evening", "tonight", "night", "eod", "cob", "business", "day", "am", "pm",
                       "thing"}),
}

# The patterns that need a digit, each behind a gate: a test on the lowercased
# sentence that every match of those patterns implies, so skipping a pattern
# whose gates all fail changes no result. The patterns begin with \b or a
# lookbehind, which `re` tries at every position (a few us a sentence each); a
# gate is a substring test or a short regex led by a literal or a character
# class, which `re` scans for in C, and most sentences with a digit fail most gates.
_MONTH_STEMS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DIGIT_GATES: tuple[tuple[Callable[[str], object], frozenset[str]], ...] = (
    # every name in _MONTH_RE starts with one of these
    (lambda low: any(map(low.__contains__, _MONTH_STEMS)),
     frozenset({"month_day", "day_month", "month_year", "day_range"})),
    # the separator before a digit in "2026-11-20", "20/11", and day_range's numeric month ("12-15.10")
    (re.compile(r"[./-]\d").search, frozenset({"iso", "numeric", "day_range"})),
    (re.compile(r"\d(?:st|nd|rd|th)").search, frozenset({"ordinal"})),
    (re.compile(r"kw\.?\d").search, frozenset({"week"})),  # "KW49", one token
    # every full weekday name ends in "day" (in any case: weekday_day runs on the original text)
    (re.compile(r"day\s+(?:the\s+)?\d").search, frozenset({"weekday_day"})),
    # an hour, then _MERIDIEM
    (re.compile(r"\d\s*[ap]\.?\s?m").search, frozenset({"range", "meridiem"})),
    (re.compile(r"\d[:.h][0-5]\d").search, frozenset({"range_colon", "colon"})),
    (lambda low: "between" in low, frozenset({"between"})),
    # a cue word, then the hour: "at around 3" contains "around 3"; military's cues are all cued's
    (re.compile(r"(?:at|around|about|approx\.?|approximately|by|from|after|before|until|till|gegen|~)\s+\d").search,
     frozenset({"cued", "military"})),
    # an hour right before its day, in a question or an answer: "does 10 tomorrow work?", "10 tomorrow works"
    (re.compile(r"\dh?\s+(?:tomorrow|tmrw|today|tonight|on\s|mon|tue|wed|thu|fri)").search, frozenset({"hour_day"})),
)
_NEEDS_DIGIT = frozenset().union(*(names for _, names in _DIGIT_GATES))
_ANY_TRIGGER = frozenset().union(*_TRIGGERS.values())
_ON_ORIGINAL = frozenset({"weekday", "weekday_day", "month_only"})  # capitalisation tells "Sun" from "sun"
# "o'clock" is a word; "tomorrow's" is "tomorrow". Possessive: nothing after a run could take part of
# it back, and `re` then keeps no backtracking state for each of the many tokens.
_TOKEN = re.compile(r"[a-z0-9]++(?:'(?!s\b)[a-z]++)?+")
_DIGIT = re.compile(r"\d")
# Most texts hold no date cue at all. For an ASCII text without a digit, every token above is
# one of its runs of letters or two of them joined by an apostrophe, so a text none of whose
# runs is part of a trigger word has no trigger: bytes.translate and split answer that at a
# fraction of findall's cost.
_ASCII_DIGIT = re.compile(r"[0-9]")
_RUN_BYTES = bytes(c if c in b"abcdefghijklmnopqrstuvwxyz0123456789" else 32 for c in range(256))
_TRIGGER_RUNS = frozenset(run.encode() for word in _ANY_TRIGGER for run in re.findall(r"[a-z0-9]+", word))
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(text: str) -> str:
    """Lowercase A-Z only, keeping the length (offsets stay valid). str.lower() is
    ~7x faster than translate() but also folds non-ASCII letters (and can change
    the length, "İ"), so it is used only on ASCII text: nearly all mail."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


# The patterns worth running are worked out once per sentence from its words:
# a word maps to the patterns it triggers; patterns with no trigger always run.
_BY_WORD: dict[str, frozenset[str]] = {
    word: frozenset(name for name, trigger in _TRIGGERS.items() if word in trigger) for word in _ANY_TRIGGER
}


@dataclass(frozen=True)
class _Text:
    """A sentence prepared once: original, lowercased (same length), what to run on it."""

    raw: str
    low: str
    digit: bool
    wanted: frozenset[str]  # the names of the patterns worth running on it

    @classmethod
    def of(cls, raw: str) -> _Text | None:
        """None when no pattern can match: no digit and no trigger word (most sentences)."""
        if raw.isascii() and _ASCII_DIGIT.search(raw) is None \
                and _TRIGGER_RUNS.isdisjoint(raw.lower().encode().translate(_RUN_BYTES).split()):
            return None
        low = ascii_lower(raw)
        triggers = _ANY_TRIGGER.intersection(_TOKEN.findall(low))
        digit = _DIGIT.search(raw) is not None
        if not digit and not triggers:
            return None
        wanted = set(_UNTRIGGERED)
        if digit:
            for gate, names in _DIGIT_GATES:
                if gate(low):
                    wanted |= names
        for word in triggers:
            wanted |= _BY_WORD[word]
        return cls(raw, low, digit, frozenset(wanted))

    def target(self, name: str) -> str:
        return self.raw if name in _ON_ORIGINAL else self.low


# Times. Colons and am/pm are safe anywhere; a dot, "h" or a bare hour needs a
# cue word before it ("at 3", "around 17.30") or a date right before it.
_HOUR_WORDS = "|".join(k for k in _NUMBERS if k.isalpha() and k not in ("a", "an", "few"))
_MERIDIEM = r"(?P<mer>a\.?\s?m\.?|p\.?\s?m\.?)(?![a-z])"
_TIME_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("range", _rx(r"(?<![\d:.])(?P<h1>[01]?\d|2[0-3])(?:[:.h](?P<m1>[0-5]\d))?\s*(?P<mer1>am|pm)?\s*(?:-|–|—|to|"
                  r"until|till)\s*"
                  r"(?P<h2>[01]?\d|2[0-3])(?:[:.h](?P<m2>[0-5]\d))?\s*" + _MERIDIEM)),
    ("range_colon", _rx(r"(?<![\d:.])(?P<h1>[01]?\d|2[0-3])[:.h](?P<m1>[0-5]\d)\s*(?:-|–|—|to|until|till)\s*"
                        r"(?P<h2>[01]?\d|2[0-3])[:.h](?P<m2>[0-5]\d)\b")),
    ("between", _rx(r"\bbetween\s+(?P<h1>[01]?\d|2[0-3])(?:[:.](?P<m1>[0-5]\d))?\s*(?P<mer1>am|pm)?\s+and\s+"
                    r"(?P<h2>[01]?\d|2[0-3])(?:[:.](?P<m2>[0-5]\d))?\s*(?P<mer>am|pm)?\b")),
    ("meridiem", _rx(r"(?<![\d:.])(?P<h>[01]?\d|2[0-3])(?:[:.h]?(?P<m>[0-5]\d))?\s*" + _MERIDIEM)),
    ("colon", _rx(r"(?<![\d:.])(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?![\d:])")),
    ("cued", _rx(r"\b(?:at|around|about|approx\.?|approximately|by|from|after|before|until|till|gegen|~)\s+"
                 r"(?:around\s+|about\s+)?(?P<h>[01]?\d|2[0-3])(?:[.h](?P<m>[0-5]\d))?(?:\s*h\b)?"
                 r"(?=\s*(?:$|[,;!?)/\-–—]|\.(?!\d)|\s(?:on|this|tomorrow|tmrw|tmr|today|tonight|next|or|and|-|–|to|o'clock|"
                 r"for|with|if|in|at\s+(?:my|your|our|his|her|their|a\s+(?!time\b)|the\s+(?!time\b|end\b|moment\b|latest\b|"
                 r"earliest\b|most\b|least\b|same\b|rate\b))|then|so|please|works?|suits?|would|is|sharp|local|your|my|our|"
                 r"instead|mon|tue|wed|thu|fri|sat|"
                 r"sun|[ecmp][sd]t|[ec]t|utc|gmt|bst|cest|cet|eet|ist|aest|aedt|jst|sgt)\b))")),
    ("hour_day", _rx(r"(?:^|\b(?:does|is|would|how\s+about|what\s+about|say|maybe|then)\s+)(?P<h>[01]?\d|2[0-3])"
                     r"(?:[:h](?P<m>[0-5]\d)|h)?\s+(?=(?:tomorrow|tmrw|today|tonight|(?:on\s+)?(?:mon|tues|wednes|thurs|fri)day)\b)")),
    ("military", _rx(r"\b(?:at|around|by|from|after|before|until)\s+(?P<h>[01]\d|"
                     r"2[0-3])(?P<m>[0-5]\d)\b(?!\s*(?:units|people|\$))")),
    ("noon", _rx(r"\b(?P<w>noon|midday|mid-day|midnight|lunch\s*time|lunch)\b")),
    ("half_past", _rx(rf"\b(?P<q>half|quarter)\s+(?P<rel>past|to)\s+(?P<h>\d{{1,2}}|{_HOUR_WORDS})\b")),
    ("oclock", _rx(rf"\b(?P<h>\d{{1,2}}|{_HOUR_WORDS})\s+(?:o'?clock|uhr)\b")),  # "14 Uhr" from German writers
)
# Patterns that need neither a digit nor a trigger word run on every sentence (set in _Text.of).
_UNTRIGGERED = frozenset(name for name, _ in (*_DATE_PATTERNS, *_TIME_PATTERNS)
                         if name not in _NEEDS_DIGIT and name not in _TRIGGERS)
_PART_RE = _rx(r"\b(?P<mod>early|late|mid|in\s+the)?\s*-?(?P<part>first\s+thing|morning|afternoon|arvo|evening|tonight|"
               r"night|eod|cob|close\s+of\s+business|end\s+of\s+(?:the\s+)?(?:business\s+|working\s+)?day|"
               # "Monday am", "tmrw pm": a part of the day only right after one
               r"(?:(?<=day )|(?<=mon )|(?<=tue )|(?<=tues )|(?<=wed )|(?<=weds )|(?<=thu )|(?<=thur )|(?<=thurs )|"
               r"(?<=fri )|(?<=tmrw ))[ap]m)\b")
# After a date, a time may follow with no cue: "24.8. Monday 10.00", "12 Nov 1115", "31/08 0935-1101".
_AFTER_DATE_TIME = _rx(r"\s*,?\s*(?:at\s+|around\s+|@\s*)?(?P<h>[01]?\d|2[0-3])(?:[.:h](?P<m>[0-5]\d)|(?=h\b)|"
                       r"(?P<m4>[0-5]\d)|(?=\s*[-–]\s*(?:[01]?\d|2[0-3])\b))"
                       r"(?:\s*h\b)?(?=$|[\s,.;)\-–])(?!\.\d)")
# A bare hour right after a day, where only an hour makes sense: "tmrw 10?", "Thursday 3 works".
_HOUR_CONTEXT = _rx(r"\s*\?|\s*$|\s+(?:or|works?|suits?|instead|ok|okay|then|sharp|o'?clock|uhr|possible|"
                    r"(?:(?:is|would\s+be)\s+)?(?:possible|good|fine|ok|okay|better|best|convenient)|"
                    r"cet|cest|gmt|bst|utc|[ecmp][sd]t|[ec]t)\b")
_BARE_HOUR_AFTER_DAY = _rx(r"\s*,?\s*(?P<h>1[0-2]|[1-9])")
_WEEKDAY_ONLY = _rx(rf"\s*,?\s*(?:on\s+)?(?:{_WD_RE})\s*,?\s*")

# Only a plain month name beside a number sends a sentence to dateparser.
_DATEISH = _rx(rf"\b(?:{_MONTH_RE})\b\.?[\s-]*\d|\d\s*(?:st|nd|rd|th)?[\s-]+(?:of\s+)?{_MONTH_RE}\b")


# --- anchors ----------------------------------------------------------------

@dataclass(frozen=True)
class _Anchor:
    """A date span in the text: a day or a period, with alternatives for ambiguity."""

    start: int
    end: int
    spec: int  # how precise: 3 calendar date, 2 day, 1 period
    candidates: tuple[tuple[date, date], ...]  # (first day, last day), best first
    exact: datetime | None = None  # "in two hours": a point in time
    weekday: int | None = None  # a named weekday, to choose among candidates
    part_hint: str | None = None  # "tonight", "this afternoon"


@dataclass(frozen=True)
class _Time:
    start: int
    end: int
    value: time
    part: bool = False  # from a part of day ("morning"), not a written hour
    bare: bool = False  # an hour with no minutes or am/pm ("at 3"): its half of the day is a guess
    zone: tzinfo | None = None  # named after it ("3pm EST"); None: the sender's own
    zone_also: tuple[tzinfo, ...] = ()  # other places that go by the same name


def _week_monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _add_months(d: date, n: int) -> tuple[int, int]:
    idx = d.year * 12 + d.month - 1 + n
    return idx // 12, idx % 12 + 1


def _safe_date(y: int, m: int, d: int) -> date | None:
    if not (1 <= m <= 12 and 1 <= d <= 31 and 1900 <= y <= 2200):
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _infer_year(m: int, d: int, today: date, cfg: DateConfig) -> date | None:
    """A year-less date is the next one, unless it is only a little in the past."""
    this_year = _safe_date(today.year, m, d)
    if this_year is None:
        return _safe_date(today.year + 1, m, d)
    if this_year >= today or (today - this_year).days <= cfg.past_window_days:
        return this_year
    return _safe_date(today.year + 1, m, d)


def _year_from(text: str | None) -> int | None:
    if not text:
        return None
    digits = text.lstrip("'").lower().removeprefix("fy")
    year = int(digits)
    return year + 2000 if year < 100 else year


def _day(d: date | None) -> tuple[tuple[date, date], ...]:
    return ((d, d),) if d else ()


def _numeric(m: re.Match[str], today: date, cfg: DateConfig, order: str) -> tuple[tuple[date, date], ...]:
    a, b = int(m["a"]), int(m["b"])
    sep, year_text = m["sep"], m["y"]
    if sep == "-" and not year_text:
        return ()  # "2-4" is a range of numbers far more often than a date
    if sep == "." and not year_text and not m["dot"] and not _has_left_cue(m):
        return ()  # "2.5", "version 1.2"
    if sep == "/" and (a, b) == (24, 7):
        return ()
    readings = [(a, b), (b, a)] if order == "DMY" else [(b, a), (a, b)]
    out: list[tuple[date, date]] = []
    for day, month in readings:
        if year_text:
            d = _safe_date(_year_from(year_text) or today.year, month, day)
        else:
            d = _safe_date(today.year, month, day) and _infer_year(month, day, today, cfg)
        if d and (d, d) not in out:
            out.append((d, d))
    return tuple(out)


_LEFT_CUE = re.compile(r"(?:\b(?:on|by|until|till|from|before|after|the|due|of)|" + _WD_RE + r"|,)\s*$", _I)


def _has_left_cue(m: re.Match[str]) -> bool:
    return bool(_LEFT_CUE.search(m.string[max(0, m.start() - 12): m.start()])) or m.start() == 0


def _nth_weekday(y: int, mo: int, wd: int, n: int) -> date | None:
    days = [date(y, mo, d) for d in range(1, calendar.monthrange(y, mo)[1] + 1) if date(y, mo, d).weekday() == wd]
    if n == -1:
        return days[-1]
    return days[n - 1] if n <= len(days) else None


def _ordinal_candidates(day: int, today: date) -> tuple[tuple[date, date], ...]:
    out = []
    for k in range(0, 14):
        y, mo = _add_months(today.replace(day=1), k)
        d = _safe_date(y, mo, day)
        if d and d >= today:
            out.append((d, d))
    return tuple(out)


def _period_part(first: date, last: date, part: str | None) -> tuple[date, date]:
    """Narrow a period to its early / mid / late third, or to its end."""
    if not part:
        return first, last
    part = " ".join(part.lower().split()).removeprefix("the ")
    span = (last - first).days + 1
    third = max(1, span // 3)
    if part in ("early", "beginning of", "start of"):
        return first, first + timedelta(days=third - 1)
    if part in ("mid", "mid-"):
        return first + timedelta(days=third), first + timedelta(days=2 * third - 1)
    if part in ("late", "later"):
        return last - timedelta(days=third - 1), last
    return last, last  # "end of"


def _working_week(monday: date) -> tuple[date, date]:
    return monday, monday + timedelta(days=4)


_NTH_WEEK = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3}


def _anchor_from_match(name: str, m: re.Match[str], ref: datetime, cfg: DateConfig, order: str) -> _Anchor | None:
    today = ref.date()
    g = m.groupdict()
    start, end = m.span()
    if name == "iso":
        return _Anchor(start, end, 3, _day(_safe_date(int(g["y"]), int(g["m"]), int(g["d"]))))
    if name == "numeric":
        cands = _numeric(m, today, cfg, order)
        end = m.end("b") if not g["y"] else m.end("y")
        return _Anchor(start, m.end() if g["dot"] else end, 3, cands) if cands else None
    if name in ("month_day", "day_month"):
        mon, d = _MONTHS[g["mon"].lower()], int(g["d"])
        year = _year_from(g["y"])
        when = _safe_date(year, mon, d) if year else _infer_year(mon, d, today, cfg)
        return _Anchor(start, end, 3, _day(when))
    if name == "day_range":
        return _day_range(g, start, end, today, cfg)
    if name == "nth_weekday":
        wd, n = _WEEKDAYS[g["wd"].lower()], _ORDINALS[g["n"].lower()]
        target = g["mon"].lower()
        if target.endswith("month"):
            y, mo = _add_months(today.replace(day=1), 1 if target.startswith("next") else 0)
            found = _nth_weekday(y, mo, wd, n)
        else:
            mo = _MONTHS[target]
            found = _nth_weekday(today.year, mo, wd, n)
            if found is None or found < today:
                found = _nth_weekday(today.year + 1, mo, wd, n)
        return _Anchor(start, end, 3, _day(found))
    if name == "ordinal":
        return _Anchor(start, end, 2, _ordinal_candidates(int(g["d"]), today))
    if name == "weekday_day":
        if _BARE_HOUR_AFTER_DAY.fullmatch(m.string, m.start("d") - 1, m.end()) and _HOUR_CONTEXT.match(m.string, m.end()):
            return None  # "Thursday 3?", "Friday 10 works": an hour on that weekday, not the 3rd of a month
        return _Anchor(start, end, 2, _ordinal_candidates(int(g["d"]), today), weekday=_WEEKDAYS[g["wd"].lower()])
    if name == "month_year":
        mon, year = _MONTHS[g["mon"]], int(g["y"])
        return _Anchor(start, end, 1, ((date(year, mon, 1), _month_end(year, mon)),))
    if name == "month_week":
        if g["mon"]:
            mon = _MONTHS[g["mon"].lower()]
            year = _year_from(g["y"]) or (today.year if mon >= today.month else today.year + 1)
        else:
            ahead = g["rel"].lower() == "next"
            year, mon = (today.year + (today.month == 12), today.month % 12 + 1) if ahead else (today.year, today.month)
        month_end = _month_end(year, mon)
        nth = g["nth"].lower()
        if nth in ("last", "final"):
            first = month_end - timedelta(days=6)
        else:
            first = date(year, mon, 1 + 7 * _NTH_WEEK[nth])
        return _Anchor(start, end, 1, (_period_part(first, first + timedelta(days=6), None),))
    if name == "month_only":
        if g["pre"].lower() == "for" and _FIGURES_FOR.search(m.string.lower(), max(0, m.start() - 40), m.start("mon")):
            return None  # "the invoice for October", "I'll invoice for November": what, not when
        mon = _MONTHS[g["mon"].lower()]
        year = _year_from(g["y"]) or (today.year if mon >= today.month else today.year + 1)
        first, last = date(year, mon, 1), _month_end(year, mon)
        pre = g["pre"].lower()
        part = None if pre in ("in", "by", "until", "till", "before", "during", "for") else pre
        return _Anchor(start, end, 1, (_period_part(first, last, part),))
    if name == "day_after_tomorrow":
        return _Anchor(start, end, 2, _day(today + timedelta(days=2)))
    if name == "tomorrow":
        return _Anchor(start, end, 2, _day(today + timedelta(days=8 if g["week"] else 1)))
    if name == "today":
        word = m.group(0).lower()
        hint = "tonight" if word == "tonight" else (word.split()[-1] if word.startswith("this") else None)
        return _Anchor(start, end, 2, _day(today), part_hint=hint)
    if name == "yesterday":
        return _Anchor(start, end, 2, _day(today - timedelta(days=1)))
    if name == "eod":
        return _Anchor(start, end, 2, _day(today), part_hint="end_of_day")
    if name == "week_part":
        which = (g["which"] or "this").lower()
        monday = _week_monday(today) + timedelta(days=7 if which == "next" else 0)
        first, last = _working_week(monday)
        first = first if which == "next" else max(first, today)
        return _Anchor(start, end, 1, (_period_part(first, last, g["part"] or g["bare"] or "end of"),))
    if name == "week":
        if g["iso"]:
            week = int(g["iso"])
            if not 1 <= week <= 53:
                return None
            try:
                monday = date.fromisocalendar(today.year, week, 1)
                if monday + timedelta(days=6) < today - timedelta(days=90):
                    monday = date.fromisocalendar(today.year + 1, week, 1)  # "KW 2" said in December
            except ValueError:
                return None
            return _Anchor(start, end, 1, ((monday, monday + timedelta(days=6)),))
        which = " ".join(g["which"].lower().split())
        monday = _week_monday(today) + timedelta(days=0 if which == "this" else 7)
        first, last = _working_week(monday)
        return _Anchor(start, end, 1, ((max(first, today) if which == "this" else first, last),))
    if name == "weekend":
        saturday = today + timedelta(days=(5 - today.weekday()) % 7 if today.weekday() <= 5 else -1)
        if g["which"] in ("the", "over the", "at the", "on the") and not g["by"] and today.weekday() <= 1:
            saturday -= timedelta(days=7)  # on a Monday, "over the weekend" is the one just gone
        if g["which"] == "next":
            saturday += timedelta(days=7)
        if g["by"]:  # "by the weekend": before it starts, at the end of Friday
            friday = saturday - timedelta(days=1)
            return _Anchor(start, end, 1, ((max(friday, today), max(friday, today)),))
        first = saturday if saturday < today - timedelta(days=1) else max(saturday, today)
        return _Anchor(start, end, 1, ((first, saturday + timedelta(days=1)),))
    if name == "weekday":
        return _weekday_anchor(m, today)
    if name == "month_rel":
        if m.string.startswith("'s", m.end()) and not g["part"]:
            return None  # "this month's invoice"
        if g["which"] == "the" and not g["part"] and not _MONTH_CUE.search(m.string, 0, start):
            return None  # "close out the month", "the month we launched": no deadline
        if g["which"] is None:  # "month end"
            first, last = today, _month_end(today.year, today.month)
            return _Anchor(start, end, 1, ((last, last),))
        y, mo = _add_months(today, 1 if g["which"].lower() == "next" else 0)
        first, last = date(y, mo, 1), _month_end(y, mo)
        return _Anchor(start, end, 1, (_period_part(first, last, g["part"]),))
    if name == "holiday":
        return _holiday_anchor(m, today)
    if name == "quarter":
        if _FIGURES_FOR.search(m.string, max(0, m.start() - 40), m.start()):
            return None  # "the updated numbers for Q3" names what is asked for, not when
        return _quarter_anchor(m, today)
    if name == "year":
        if g["which"] and m.string.startswith("'s", m.end()):
            return None  # "this year's annual report" names the report, not a deadline
        if g["ye"]:
            return _Anchor(start, end, 1, ((date(today.year, 12, 31),) * 2,))
        year = today.year + (1 if g["which"].lower() == "next" else 0)
        first, last = date(year, 1, 1), date(year, 12, 31)
        if g["part"] and g["part"].lower() in ("early", "mid", "late"):
            # thirds of a year by month: Jan-Apr, May-Aug, Sep-Dec
            k = ("early", "mid", "late").index(g["part"].lower())
            return _Anchor(start, end, 1, ((date(year, 4 * k + 1, 1), _month_end(year, 4 * k + 4)),))
        return _Anchor(start, end, 1, (_period_part(first, last, g["part"]),))
    if name == "offset":
        return _offset_anchor(m, ref)
    return None


# "by the month's end"-like cues that let a bare "the month" be this month.
_MONTH_CUE = _rx(r"\b(?:by|within|during|until|till|before|for|over|in|through|throughout|later)\s+$")


def _day_range(g: dict[str, str | None], start: int, end: int, today: date, cfg: DateConfig) -> _Anchor | None:
    """'12 to 15 October', '29 / 30 August', '3. to 5.10.2017': a period within one month."""
    mon = _MONTHS[g["mon"].lower()] if g["mon"] else int(g["m"] or 0)
    d1, d2 = int(g["d1"] or 0), int(g["d2"] or 0)
    if not 1 <= mon <= 12 or d1 >= d2:
        return None
    year = _year_from(g["y"])
    last = _safe_date(year, mon, d2) if year else _infer_year(mon, d2, today, cfg)
    first = _safe_date(last.year, mon, d1) if last else None
    return _Anchor(start, end, 3, ((first, last),)) if first and last else None


# "Mon ami", "Sat down": an abbreviated weekday needs a date word around it.
_ABBR_BEFORE = re.compile(r"(?:\b(?:on|by|b4|until|untill|till|from|before|after|next|this|every|about|,)\s*|^\s*)$", _I)
# "wed" in lower case is also the verb: it needs a date word before it ("by wed") or a time after it
_LOWER_DAY_BEFORE = re.compile(r"\b(?:on|by|b4|until|untill|till|from|before|after|next|this|every|about)\s*$")
# "mon", "tue" and "thu" in lower case are words of other languages or typing slips unless a time
# follows: "mon am pls", "thu 3pm?"
_LOWER_ABBR_AFTER = re.compile(r"^[\s,.]*(?:\d|(?:[ap]m|morning|afternoon|evening|eod|cob)\b)")
# ...or a date word before them, or a yes after: "what about tue?", "tue works"
_LOWER_DAY_AFTER = re.compile(r"^\s*(?:\?|works?\b|ok\b|okay\b|is\s+(?:fine|good|ok)\b)")
_ABBR_AFTER = re.compile(r"^[\s,.]*(?:\d|(?:at|[ap]m|morning|afternoon|evening|night|eod|cob|noon|or|and|to|works?|ok|okay|-|–)\b|"
                         r"[-–,?]|"
                         r"$)", _I)


def _weekday_anchor(m: re.Match[str], today: date) -> _Anchor | None:
    word = m["wd"].rstrip(".")
    if len(word) <= 5:  # an abbreviation; full names are never ordinary words
        before, after = m.string[max(0, m.start() - 12): m.start()], m.string[m.end(): m.end() + 12]
        if not m["which"] and not (_ABBR_BEFORE.search(before) and m.start() > 0 or _ABBR_AFTER.match(after)):
            return None
        if word in ("mon", "tue", "thu", "wed") and not (
                _LOWER_ABBR_AFTER.match(after) or _LOWER_DAY_AFTER.match(after)
                or m["which"] or _LOWER_DAY_BEFORE.search(before)):
            return None
    wd = _WEEKDAYS[word.lower()]
    which = " ".join((m["which"] or "").lower().split())
    after = " ".join((m["after"] or "").lower().split())
    ahead = (wd - today.weekday()) % 7 or 7  # the same weekday as today means next week's
    if which in ("last", "this past", "past"):
        d = today - timedelta(days=(today.weekday() - wd) % 7 or 7)  # gone: evidence, never a due
    elif after == "last week":
        d = _week_monday(today) - timedelta(days=7 - wd)
    elif which == "next" or after == "next week":
        # "next Tuesday" is the Tuesday of next week, as people mostly mean it
        d = _week_monday(today) + timedelta(days=7 + wd)
    elif which in ("this", "this coming") and wd >= today.weekday():
        d = today + timedelta(days=wd - today.weekday())
    else:
        d = today + timedelta(days=ahead)
    if after == "after next" or after == "week" or m["aweek"]:
        d += timedelta(days=7)  # British "Monday week", "a week on Monday": the Monday after the next
    start = m.start("aweek") if m["aweek"] else m.start("which") if m["which"] and which != "on" else m.start("wd")
    end = m.end("after") if after in ("after next", "next week", "last week", "week") else m.end("wd")
    return _Anchor(start, end, 2, _day(d), weekday=wd)


_FIGURES_FOR = _rx(r"\b(?:numbers|figures|results|report|data|forecasts?|budget|plan|sales|revenue|costs|targets|accounts|"
                   r"statements?|invoices?|invoicing|invoice\s+\w+|expenses|timesheets?|hours|payroll|rent|fees?)\s+"
                   r"(?:for|from|of)\s+(?:the\s+)?$")


def _holiday_anchor(m: re.Match[str], today: date) -> _Anchor | None:
    """Christmas, the new year and Thanksgiving, next time they come. A holiday named without a
    preposition ("Merry Christmas", "Happy New Year") dates nothing."""
    pre = m["pre"]
    if not pre and not (m["eve"] or m["nye"]):
        return None

    def next_time(month: int, day: int) -> date:
        this = date(today.year, month, day)
        return this if this >= today else date(today.year + 1, month, day)

    if m["xmas"]:
        if m["eve"] or pre in ("before", "by", "until", "till"):
            return _Anchor(m.start(), m.end(), 2, _day(next_time(12, 24)))
        if pre == "after":  # the days between Christmas and the new year
            first = next_time(12, 27)
            while first.weekday() >= 5:
                first += timedelta(days=1)
            return _Anchor(m.start(), m.end(), 1, ((first, date(first.year, 12, 31)),))
        return _Anchor(m.start(), m.end(), 2, _day(next_time(12, 25))) if pre == "on" else None
    if m["ny"]:
        if m["nye"] == "eve" or (pre in ("before", "by", "until", "till") and not m["nye"]):
            return _Anchor(m.start(), m.end(), 2, _day(next_time(12, 31)))
        if m["nye"] == "day":
            return _Anchor(m.start(), m.end(), 2, _day(next_time(1, 1)))
        if pre == "after":  # the first working week of January ("in the new year" is any time in it)
            first = date(today.year + 1, 1, 2) if today.month > 1 or today.day > 8 else date(today.year, 1, 2)
            while first.weekday() >= 5:
                first += timedelta(days=1)
            return _Anchor(m.start(), m.end(), 1, ((first, first + timedelta(days=4 - first.weekday())),))
        return None
    november = _nth_weekday(today.year, 11, 3, 4)
    day = november if november and november >= today else _nth_weekday(today.year + 1, 11, 3, 4)
    if day is None:
        return None
    if pre in ("before", "by", "until", "till"):
        return _Anchor(m.start(), m.end(), 2, _day(day - timedelta(days=1)))
    if pre == "after":
        monday = day + timedelta(days=4)
        return _Anchor(m.start(), m.end(), 1, ((monday, monday + timedelta(days=4)),))
    return _Anchor(m.start(), m.end(), 2, _day(day))


def _quarter_anchor(m: re.Match[str], today: date) -> _Anchor:
    if m["q"]:
        q = int(m["q"])
    elif m["qw"]:
        q = _ORDINALS[m["qw"].lower()]
    else:
        q = (today.month - 1) // 3 + 1 + (1 if m["rel"].lower() == "next" else 0)
    year = _year_from(m["y"]) or today.year
    if q > 4:
        q, year = 1, year + 1
    if not m["y"] and (m["q"] or m["qw"]) and date(year, 3 * q, 1) < today.replace(day=1) and q * 3 < today.month:
        year += 1  # "Q1" said in November is next year's
    first, last = date(year, 3 * q - 2, 1), _month_end(year, 3 * q)
    return _Anchor(m.start(), m.end(), 1, (_period_part(first, last, m["part"]),))


_MINUTE_WORDS = {"five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30}


def _offset_anchor(m: re.Match[str], ref: datetime) -> _Anchor | None:
    if m["half"] or m["the"] or m["back"]:
        back = m["back"] and m["back"].lower()
        minutes = 30 if m["half"] else 60 if m["the"] else int(back) if back.isdigit() else _MINUTE_WORDS[back]
        exact = ref + timedelta(minutes=minutes)
        return _Anchor(m.start(), m.end(), 2, _day(exact.date()), exact=exact)
    n_text = (m["n"] or m["n2"]).lower()
    n = int(n_text) if n_text.isdigit() else _NUMBERS[" ".join(n_text.split())]
    unit = (m["unit"] or m["unit2"]).lower()
    if unit in ("minute", "min", "hour", "hr"):
        exact = ref + (timedelta(hours=n) if unit.startswith("h") else timedelta(minutes=n))
        return _Anchor(m.start(), m.end(), 2, _day(exact.date()), exact=exact)
    today = ref.date()
    if unit == "day" and m["biz"]:
        d = today
        for _ in range(n):
            d += timedelta(days=1)
            while d.weekday() >= 5:
                d += timedelta(days=1)
    elif unit == "day":
        d = today + timedelta(days=n)
    elif unit in ("week", "fortnight"):
        d = today + timedelta(weeks=n * (2 if unit == "fortnight" else 1))
    else:
        y, mo = _add_months(today, n)
        d = date(y, mo, min(today.day, calendar.monthrange(y, mo)[1]))
    return _Anchor(m.start(), m.end(), 2, _day(d))


def _find_anchors(t: _Text, ref: datetime, cfg: DateConfig, order: str) -> list[_Anchor]:
    found: list[_Anchor] = []
    taken: list[tuple[int, int]] = []
    for name, rx in _DATE_PATTERNS:
        if name not in t.wanted:
            continue
        for m in rx.finditer(t.target(name)):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            anchor = _anchor_from_match(name, m, ref, cfg, order)
            if anchor and anchor.candidates:
                found.append(anchor)
                taken.append(m.span())
    return sorted(found, key=lambda a: a.start)


def _business_hour(h: int) -> int:
    """A bare hour in mail means working hours: "at 3" is 15:00, "at 9" is 09:00."""
    return h + 12 if 1 <= h <= 7 else h


def _with_meridiem(h: int, mer: str | None) -> int | None:
    if not mer:
        return h
    if h > 12 or h == 0:
        return h if h > 12 else None
    pm = mer.lower().startswith("p")
    return (h % 12) + (12 if pm else 0)


def _word_hour(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBERS[text.lower()]


def _time_from_match(name: str, m: re.Match[str], cfg: DateConfig) -> _Time | None:
    g = m.groupdict()
    if name in ("range", "between", "range_colon"):
        h2 = _with_meridiem(int(g["h2"]), g.get("mer"))
        h1_raw = int(g["h1"])
        mer1 = g.get("mer1") or g.get("mer")
        h1 = _with_meridiem(h1_raw, mer1)
        if h1 is not None and h2 is not None and not g.get("mer1") and g.get("mer") and h1 > h2:
            h1 = h1_raw  # "11-2pm": the morning start
        if h1 is None:
            return None
        bare = not g.get("mer") and (not g["m1"] or (1 <= h1 <= 6 and not 8 <= h2 <= 12))
        if bare:
            h1 = _business_hour(h1)  # "2:30-3:30" is the afternoon, "7:30-9:00" the morning
        return _Time(m.start(), m.end(), time(h1 % 24, int(g["m1"] or 0)), bare=bare)
    if name == "meridiem":
        h = _with_meridiem(int(g["h"]), g["mer"])
        return _Time(m.start(), m.end(), time(h, int(g["m"] or 0))) if h is not None else None
    if name == "military":
        return _Time(m.start(), m.end(), time(int(g["h"]), int(g["m"])))
    if name in ("colon", "cued", "hour_day"):
        # Without am/pm, "3:30" is as much a working-hours guess as "at 3": 15:30.
        # "03:30" and "15:30" are written on a 24-hour clock and stay as they are,
        # and so does "7:00", as often a morning start as an evening one.
        h, minutes = int(g["h"]), int(g["m"] or 0)
        start = m.start("h") if name in ("cued", "hour_day") else m.start()
        if g["m"] is None and h <= 7 or 1 <= h <= 6 and not g["h"].startswith("0"):
            return _Time(start, m.end(), time(_business_hour(h), minutes), bare=True)
        return _Time(start, m.end(), time(h, minutes))
    if name == "noon":
        w = g["w"].lower()
        if w == "midnight":
            return _Time(m.start(), m.end(), time(23, 59))
        # "lunch" is about noon, as a part of the day is: "lunch at the Thai place at 12:30" is 12:30
        return _Time(m.start(), m.end(), cfg.hour("noon"), part=w.startswith("lunch"))
    if name == "half_past":
        h = _word_hour(g["h"])
        minutes = 30 if g["q"].lower() == "half" else 15
        if g["rel"].lower() == "to":
            h, minutes = h - 1, 60 - minutes
        return _Time(m.start(), m.end(), time(_business_hour(h) % 24, minutes))
    if name == "oclock":
        return _Time(m.start(), m.end(), time(_business_hour(_word_hour(g["h"])) % 24, 0))
    return None


# A zone named after a clock time: "3pm EST", "9:00 CET", "10am London time", "14:00 UTC+2". The
# abbreviations mean what people mean by them, not their strict offsets: "EST" written in July is
# New York's summer time, so each maps to the place's zone, which knows its daylight saving.
_ZONE_NAMES = {
    **dict.fromkeys(("utc", "gmt", "zulu"), "UTC"),
    **dict.fromkeys(("bst", "uk", "london", "british"), "Europe/London"),
    **dict.fromkeys(("wet", "west", "lisbon", "portugal"), "Europe/Lisbon"),
    **dict.fromkeys(("cet", "cest", "central european", "berlin", "germany", "amsterdam", "brussels", "vienna",
                     "zurich", "stockholm", "oslo", "copenhagen", "warsaw", "prague"), "Europe/Berlin"),
    **dict.fromkeys(("paris", "france"), "Europe/Paris"),
    **dict.fromkeys(("madrid", "spain"), "Europe/Madrid"),
    **dict.fromkeys(("rome", "italy"), "Europe/Rome"),
    **dict.fromkeys(("eet", "eest", "eastern european", "helsinki", "athens", "kyiv", "kiev"), "Europe/Helsinki"),
    **dict.fromkeys(("est", "edt", "et", "eastern", "new york", "nyc", "ny", "toronto", "boston"), "America/New_York"),
    **dict.fromkeys(("cst", "cdt", "ct", "central", "chicago", "texas", "dallas", "austin"), "America/Chicago"),
    **dict.fromkeys(("mst", "mdt", "mt", "mountain", "denver"), "America/Denver"),
    **dict.fromkeys(("pst", "pdt", "pt", "pacific", "la", "los angeles", "san francisco", "sf", "seattle",
                     "vancouver", "california"), "America/Los_Angeles"),
    **dict.fromkeys(("ist", "india", "indian", "mumbai", "delhi", "bangalore", "bengaluru"), "Asia/Kolkata"),
    **dict.fromkeys(("gst", "dubai", "gulf"), "Asia/Dubai"),
    **dict.fromkeys(("sgt", "singapore"), "Asia/Singapore"),
    **dict.fromkeys(("hkt", "hong kong"), "Asia/Hong_Kong"),
    **dict.fromkeys(("jst", "tokyo", "japan"), "Asia/Tokyo"),
    **dict.fromkeys(("awst", "perth"), "Australia/Perth"),
    **dict.fromkeys(("aest", "aedt", "aet", "sydney", "melbourne", "canberra"), "Australia/Sydney"),
    **dict.fromkeys(("nzst", "nzdt", "nzt", "new zealand", "auckland", "wellington"), "Pacific/Auckland"),
}
# Two letters are a zone only in capitals: "3pm PT", but not "at 3 pm la".
_ZONE_AFTER = _rx(r"[ \t]*\(?[ \t]*(?:(?P<fixed>(?:utc|gmt)[ \t]?(?P<sign>[+\-\u2212])[ \t]?(?P<oh>\d{1,2})"
                  r"(?::?(?P<om>[0-5]\d))?)|(?P<place>[a-z]+(?:[ \t][a-z]+){0,2}?)[ \t]+time|"
                  # "3pm Eastern", but not "3pm Central Station"
                  r"(?P<region>eastern|central|pacific|mountain)(?-i:(?![ \t]+[A-Z]))|(?P<abbr>[a-z]{2,5}))"
                  r"(?![a-z\d])", re.IGNORECASE)


# Other places that write the same words: a sender whose own offset is one of these meant their own
# time ("3pm IST" from Tel Aviv, "3pm CST" from Shanghai, "3pm GMT" from London in July).
_ZONE_ALSO = {
    "ist": ("Asia/Jerusalem", "Europe/Dublin"),
    **dict.fromkeys(("cst", "ct"), ("Asia/Shanghai",)),
    "central": ("Europe/Berlin",),
    **dict.fromkeys(("est", "aest", "aet"), ("Australia/Brisbane", "Australia/Sydney")),
    "eastern": ("Europe/Helsinki",),
    **dict.fromkeys(("mst", "mt"), ("America/Phoenix",)),
    **dict.fromkeys(("gmt", "utc"), ("Europe/London",)),
    "bst": ("Asia/Dhaka",),
    "pst": ("Asia/Manila",),
}
# What may follow a zone: "3pm EST on Friday", "3pm CET works" (not "3pm CT scan", "10am central reception").
_AFTER_ZONE = re.compile(r"[ \t]*(?:$|[^\sA-Za-z]|(?:on|at|tomorrow|today|tonight|this|next|works?|suits?|is|would|"
                         r"for|if|then|or|and|please|time|instead|sharp|ok|okay|good|fine|that|which|so|but|to|until|till|"
                         r"via|with|in|my|your|our|[a-z]+day)\b)", re.IGNORECASE)


@lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # a system without that zone's data keeps the sender's
        return None


def _zoned(t: _Text, found: _Time) -> _Time:
    """The time with the zone named right after it, if any, its span grown to hold it."""
    m = _ZONE_AFTER.match(t.raw, found.end)
    if m is None:
        return found
    if m["fixed"]:
        hours, minutes = int(m["oh"]), int(m["om"] or 0)
        if hours > 14 or minutes >= 60:
            return found
        offset = timedelta(hours=hours, minutes=minutes) * (-1 if m["sign"] != "+" else 1)
        return replace(found, end=m.end(), zone=timezone(offset))
    word = m["place"] or m["region"] or m["abbr"]
    if len(word) == 2 and not word.isupper() or not m["place"] and not _AFTER_ZONE.match(t.raw, m.end()):
        return found
    key = " ".join(word.lower().split())
    name = _ZONE_NAMES.get(key)
    zone = _zone(name) if name else None
    if zone is None:
        return found
    return replace(found, end=m.end(), zone=zone, zone_also=tuple(z for z in map(_zone, _ZONE_ALSO.get(key, ())) if z))


def _zone_for(t: _Time, ref: datetime) -> tzinfo | None:
    """The zone a time was named in, or None for the sender's own: also when the sender's offset is
    that of one of the name's meanings."""
    if t.zone is None or ref.tzinfo is None:
        return None
    own = ref.utcoffset()
    naive = ref.replace(tzinfo=None)
    if any(z.utcoffset(naive) == own for z in (t.zone, *t.zone_also)):
        return None
    return t.zone


_PART_HOURS = {"first thing": "first_thing", "morning": "morning", "afternoon": "afternoon", "arvo": "afternoon",
               "evening": "evening",
               "tonight": "tonight", "night": "tonight", "eod": "end_of_day", "cob": "end_of_day",
               "am": "morning", "pm": "afternoon"}


def _find_times(t: _Text, cfg: DateConfig, taken: list[tuple[int, int]]) -> list[_Time]:
    found: list[_Time] = []
    spans = list(taken)
    for name, rx in _TIME_PATTERNS:
        if name not in t.wanted:
            continue
        for m in rx.finditer(t.low):
            if any(m.start() < e and s < m.end() for s, e in spans):
                continue
            hit = _time_from_match(name, m, cfg)
            if hit:
                found.append(_zoned(t, hit))
                spans.append(m.span())
    for m in (_PART_RE.finditer(t.low) if "part" in t.wanted else ()):
        if any(m.start() < e and s < m.end() for s, e in spans):
            continue
        part = " ".join(m["part"].lower().split())
        key = _PART_HOURS.get(part, "end_of_day")
        found.append(_zoned(t, _Time(m.start(), m.end(), cfg.hour(key), part=True)))
        spans.append(m.span())
    return sorted(found, key=lambda x: x.start)


def _times_after_dates(t: _Text, anchors: list[_Anchor], times: list[_Time]) -> list[_Time]:
    """Pick up uncued clock times written right after a date ("12 Nov 1115")."""
    extra = []
    for a in anchors:
        if a.spec < 2:
            continue
        pos = a.end
        wd = _WEEKDAY_ONLY.match(t.raw, pos)
        if wd:
            pos = wd.end()
        m = _AFTER_DATE_TIME.match(t.low, pos)
        if not m:
            bare = _BARE_HOUR_AFTER_DAY.match(t.low, pos)
            if bare and _HOUR_CONTEXT.match(t.low, bare.end()) and not any(
                    x.start <= bare.start("h") < x.end for x in times):
                hour = int(bare["h"])
                extra.append(_zoned(t, _Time(bare.start("h"), bare.end(), time(_business_hour(hour), 0), bare=True)))
            continue
        if any(x.start <= m.start("h") < x.end for x in times):
            continue
        if any(b.start <= m.start("h") < b.end for b in anchors):
            continue
        if m["m4"] is not None and m["h"] and len(m["h"]) != 2:
            continue
        extra.append(_zoned(t, _Time(m.start("h"), m.end(), time(int(m["h"]), int(m["m"] or m["m4"] or 0)))))
    return extra


_GROUP_GAP = _rx(r"[\s,.\-(]*(?:(?:early|late|in\s+the)\s+)?(?:morning|afternoon|evening|night|midday|noon|lunchtime)?"
                r"[\s,.(]*(?:the|of|on)?[\s,.(]*")


def _group(anchors: list[_Anchor], text: str) -> list[list[_Anchor]]:
    """Adjacent anchors describe one day: "next week Tuesday", "Friday 6/9"."""
    groups: list[list[_Anchor]] = []
    for a in anchors:
        if groups:
            gap = ascii_lower(text[groups[-1][-1].end: a.start])
            if len(gap) <= 24 and _GROUP_GAP.fullmatch(gap):
                groups[-1].append(a)
                continue
        groups.append([a])
    return groups


def _pick_day(group: list[_Anchor]) -> tuple[date, date, _Anchor] | None:
    # "COB tomorrow": the day comes from "tomorrow"; "COB" only sets the hour
    best = max(group, key=lambda a: (a.spec, a.part_hint is None))
    if best.weekday is not None:
        # "Monday the 30th": the date, when it falls on that weekday; "Tuesday the 23rd" (a Monday) stays Tuesday
        dated = [a for a in group if a.spec == best.spec and a.weekday is None and a.candidates
                 and a.candidates[0][0].weekday() == best.weekday]
        best = dated[0] if dated else best
    weekday = next((a.weekday for a in group if a.weekday is not None), None)
    periods = [a for a in group if a.spec == 1]
    cands = list(best.candidates)
    if weekday is not None and len(cands) > 1 or (weekday is not None and best.weekday is None and best.spec >= 2):
        matching = [c for c in cands if c[0].weekday() == weekday]
        cands = matching or cands
    elif weekday is not None and best.weekday is not None and best.spec == 2 and periods:
        # "next week Tuesday": the weekday inside that week
        first = periods[0].candidates[0][0]
        monday = _week_monday(first)
        d = monday + timedelta(days=weekday)
        return d, d, best
    if not cands:
        return None
    first, last = cands[0]
    return first, last, best


def _combine(d0: date, d1: date, t: time | None, kind: str, cfg: DateConfig, tz: tzinfo | None) -> datetime:
    deadline = kind in DEADLINE_KINDS
    if t is not None:
        return datetime.combine(d1 if deadline else d0, t, tzinfo=tz)
    if d0 == d1 or all((d0.weekday() + i) % 7 >= 5 for i in range(min((d1 - d0).days + 1, 7))):
        # a day, or a weekend: "over the weekend" is due on the Sunday, starts on the Saturday
        return datetime.combine(d1 if deadline else d0, cfg.hour("end_of_day" if deadline else "start_of_day"),
                                tzinfo=tz)
    if deadline:
        day = d1
        while day.weekday() >= 5 and day > d0:
            day -= timedelta(days=1)
        return datetime.combine(day, cfg.hour("end_of_day"), tzinfo=tz)
    day = d0
    while day.weekday() >= 5 and day < d1:
        day += timedelta(days=1)
    return datetime.combine(day, cfg.hour("start_of_day"), tzinfo=tz)


def _localise(dt: datetime, ref: datetime) -> datetime:
    """Keep the due in the sender's offset; zoneinfo handles DST on the due day."""
    if ref.tzinfo is not None and dt.tzinfo is None:
        return dt.replace(tzinfo=ref.tzinfo)
    return dt


def resolve(
    text: str,
    reference: datetime,
    *,
    kind: str = "promise",
    config: DateConfig | None = None,
) -> Resolution | None:
    """The due time a sentence names, or None when it names none.

    `reference` is the message's own Date (aware, in the sender's offset). `kind`
    "promise", "request" or "deadline" reads the expression as a deadline (end of
    the period); any other kind, such as "meeting", as a start.
    """
    cfg = config or DateConfig()
    if not _YEARS[0] <= reference.year <= _YEARS[1]:
        return None  # a message "sent" in the year 1 names no date anyone can keep
    if "  " in text or "\n" in text or "\t" in text:
        text = " ".join(text.split())  # a run of blanks costs some patterns time by the square of its length
    found = _resolve(text, reference, kind, cfg)
    # Mail means the near future: "Dec 45" read as the year 2045 is a misreading, and
    # no later stage should have to hold a date near the calendar's ends.
    if found is not None and not reference - _SPAN <= found.due <= reference + _SPAN:
        return None
    return found


_SPAN = timedelta(days=5 * 366)
_YEARS = (1900, 2200)


def _resolve(text: str, reference: datetime, kind: str, cfg: DateConfig) -> Resolution | None:
    order = cfg.date_order or default_date_order(reference.tzinfo, reference)
    t = _Text.of(text)
    if t is None:
        return None
    anchors = _find_anchors(t, reference, cfg, order)
    times = _find_times(t, cfg, [(a.start, a.end) for a in anchors])
    times = sorted(times + _times_after_dates(t, anchors, times), key=lambda x: x.start)
    if len(times) > 1:
        # "Thursday at 10am your time (4pm for me)", "5 PM IST is 12:30 for me": the due is the sender's hour
        mine = [x for x in times if _SENDERS_TIME.match(t.low, x.end)] if _SENDERS_CUE.search(t.low) else []
        if not mine and "you" in t.low:
            mine = [x for x in times if not _READERS_TIME.match(t.low, x.end)]
        if mine and len(mine) < len(times):
            times = mine
    if anchors:
        return _resolve_anchor(text, reference, kind, cfg, anchors, times)
    if cfg.use_dateparser and t.digit:
        cue = _DATEISH.search(t.low)
        if cue:
            # dateparser's time grows with the text: give it the words around the date cue only
            window = text[max(0, cue.start() - 30): cue.end() + 30]
            found = _dateparser_fallback(window, reference, kind, cfg, order)
            if found:
                return found
    return _resolve_time_only(text, reference, next((x for x in times if not x.part), times[0])) if times else None


_READERS_TIME = re.compile(r"\s*\(?\s*(?:your\s+time|yours\b|for\s+you\b|your\s+(?:end|side)|on\s+your\s+(?:end|side)|"
                           r"where\s+you\s+are|in\s+your\s+time\s*zone)")
_SENDERS_CUE = re.compile(r"\b(?:my|me|mine|here|local)\b")
_SENDERS_TIME = re.compile(r"\s*\(?\s*(?:my\s+time|for\s+me\b|mine\b|here\b|my\s+end|on\s+my\s+(?:end|side)|where\s+i\s+am|"
                           r"(?:my\s+)?local(?:\s+time)?\b)")
_BY_START = re.compile(r"(?:by|before|b4|no\s+later\s+than)\b", re.IGNORECASE)
_BY_BEFORE = re.compile(r"\b(?:by|before|b4|no\s+later\s+than)\s+(?:the\s+|this\s+|next\s+)?$", re.IGNORECASE)


def _resolve_anchor(text: str, ref: datetime, kind: str, cfg: DateConfig,
                    anchors: list[_Anchor], times: list[_Time]) -> Resolution | None:
    groups = _group(anchors, text)
    # A past day ("I sent it yesterday, the rest comes Friday") is evidence, not a due.
    ahead = [g for g in groups if max(c[1] for a in g for c in a.candidates[:1]) >= ref.date()]
    # A deadline is the day after "by": "I'm off from the 21st, so if I could have them by Wednesday".
    group = next((g for g in ahead if kind in DEADLINE_KINDS and (_BY_BEFORE.search(text, 0, g[0].start)
                                                                  or _BY_START.match(text, g[0].start))), None)
    if group is None and kind in DEADLINE_KINDS:
        # "the slides for Friday's review on Wednesday": a possessive day names an occasion, not the deadline
        group = next((g for g in ahead if not text.startswith(("'s ", "’s "), g[-1].end)), None)
    if group is None:
        group = ahead[0] if ahead else groups[0]
    # a deadline's day keeps only its own hour ("today, or tomorrow at 9" is due today); a meeting's
    # hour may stand away from its day, and one past is moved to the later day below
    found = _resolve_group(text, ref, kind, cfg, group, _own_times(group, groups, times) if kind in DEADLINE_KINDS else times)
    if found is not None and found.has_time and found.due < ref and kind not in DEADLINE_KINDS:
        # "I'm in workshops today, but I can call you tomorrow at 9:15": the hour is tomorrow's
        later = next((g for g in ahead if g[0].start > group[-1].end), None)
        found = (_resolve_group(text, ref, kind, cfg, later, times) if later else None) or found
    return found


def _own_times(group: list[_Anchor], groups: list[list[_Anchor]], times: list[_Time]) -> list[_Time]:
    """The times nearer this day than any other: in "today, or tomorrow at 9" the 9 is tomorrow's."""
    if len(groups) < 2 or not times:
        return times

    def distance(t: _Time, g: list[_Anchor]) -> int:
        return max(g[0].start - t.end, t.start - g[-1].end, 0)

    return [t for t in times if all(distance(t, group) <= distance(t, other) for other in groups if other is not group)]


def _resolve_group(text: str, ref: datetime, kind: str, cfg: DateConfig, group: list[_Anchor],
                   times: list[_Time]) -> Resolution | None:
    picked = _pick_day(group)
    if picked is None:
        return None
    d0, d1, best = picked
    g_start, g_end = group[0].start, group[-1].end
    if best.exact is not None:
        return Resolution(_localise(best.exact, ref), text[g_start:g_end], True)
    near = _nearest_time(times, g_start, g_end)
    hint = next((a.part_hint for a in group if a.part_hint), None)
    if hint and near and near.part:
        near = None  # "tonight and ... tomorrow morning": "tonight" already names its hour
    t = near.value if near else (cfg.hour(_PART_HOURS.get(hint, hint)) if hint else None)
    zone = _zone_for(near, ref) if near else None
    if zone is not None:
        # "Tuesday at 3pm EST" is Tuesday's 3pm in New York, said in the sender's offset
        due = _combine(d0, d1, t, kind, cfg, zone).astimezone(ref.tzinfo)
    else:
        due = _combine(d0, d1, t, kind, cfg, ref.tzinfo)
    span_start, span_end = g_start, g_end
    if near:
        span_start, span_end = min(span_start, near.start), max(span_end, near.end)
    return Resolution(due, text[span_start:span_end].strip(" ,"), t is not None)


def _nearest_time(times: list[_Time], start: int, end: int) -> _Time | None:
    """The written clock time nearest the date, else its part of day."""
    def distance(t: _Time) -> int:
        return max(start - t.end, t.start - end, 0)

    # a clock time may sit a little away ("Friday, if that suits, at 3"); a part of day sits beside its day
    near = [t for t in times if distance(t) <= (12 if t.part else 40)]
    clocks = [t for t in near if not t.part]
    if not clocks:
        return min(near, key=distance) if near else None
    best = min(clocks, key=distance)
    if best.bare and best.value.hour >= 13 and any(t.part and t.value.hour < 12 for t in near):
        # "early in the morning around 7": the morning reading, not 19:00
        return _Time(best.start, best.end, time(best.value.hour - 12, best.value.minute))
    return best


def _resolve_time_only(text: str, ref: datetime, t: _Time) -> Resolution:
    """A time with no day is today's, or tomorrow's once today's has passed (today where its zone is)."""
    zone = _zone_for(t, ref) or ref.tzinfo
    due = datetime.combine(ref.astimezone(zone).date() if zone is not ref.tzinfo else ref.date(), t.value, tzinfo=zone)
    if due <= ref and not t.part:
        due = datetime.combine(due.date() + timedelta(days=1), t.value, tzinfo=zone)
    return Resolution(due.astimezone(ref.tzinfo) if zone is not ref.tzinfo else due, text[t.start:t.end].strip(), True)


_DP_TIME = re.compile(r"\d:\d\d|\d\s*[ap]\.?m\b|noon|midnight", _I)


def _dateparser_fallback(text: str, ref: datetime, kind: str, cfg: DateConfig, order: str) -> Resolution | None:
    naive = ref.replace(tzinfo=None, microsecond=0)
    hit = _search_dates(text[:1000], naive.isoformat(), order)
    if hit is None:
        return None
    matched, found = hit
    if not _DATEISH.search(ascii_lower(matched)):
        return None  # dateparser also finds dates in ordinary words; only trust date-shaped hits
    if _DP_TIME.search(matched):
        due = found.replace(tzinfo=ref.tzinfo)
    else:
        due = _combine(found.date(), found.date(), None, kind, cfg, ref.tzinfo)
    return Resolution(due, matched, bool(_DP_TIME.search(matched)))


# How often dateparser has run, for callers that give it a budget: it takes from
# 2 to 40 ms a call, and a hostile body can hold dozens of sentences that need it.
dateparser_calls = 0


@lru_cache(maxsize=4096)
def _search_dates(text: str, ref_iso: str, order: str) -> tuple[str, datetime] | None:
    from dateparser.search import search_dates  # imported late: it costs ~0.3 s

    global dateparser_calls
    dateparser_calls += 1
    try:
        found = search_dates(text, languages=["en"], settings=_dateparser_settings(ref_iso, order))
    except Exception:  # dateparser raises a variety of errors on odd input; a due is optional
        log.debug("dateparser failed on %r", text[:80], exc_info=True)
        return None
    return found[0] if found else None


# Built once; only the reference and the date order change from call to call.
_DATEPARSER_SETTINGS = {"PREFER_DATES_FROM": "future", "RETURN_AS_TIMEZONE_AWARE": False,
                        "REQUIRE_PARTS": ["day", "month"]}


def _dateparser_settings(ref_iso: str, order: str) -> dict[str, object]:
    return {**_DATEPARSER_SETTINGS, "DATE_ORDER": order, "RELATIVE_BASE": datetime.fromisoformat(ref_iso)}
