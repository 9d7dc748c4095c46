"""The ledger's measurements: how fast each side answers, per contact."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

import sqlite_utils

from . import db as store


@dataclass(frozen=True)
class ResponseTimes:
    """Reply latencies with one contact, in seconds, in both directions."""

    contact: str
    their_replies: int
    their_median: float | None
    my_replies: int
    my_median: float | None


def response_times(db: sqlite_utils.Database, account: str | None = None) -> list[ResponseTimes]:
    """Median reply time per contact: theirs to the user's mail, and the user's to theirs."""
    theirs: dict[str, list[int]] = defaultdict(list)
    mine: dict[str, list[int]] = defaultdict(list)
    for row in store.reply_latencies(db, account):
        if row["contact"]:
            (theirs if row["direction"] == "incoming" else mine)[row["contact"]].append(row["latency_seconds"])
    result = []
    for contact in sorted(set(theirs) | set(mine)):
        result.append(ResponseTimes(
            contact=contact,
            their_replies=len(theirs[contact]),
            their_median=statistics.median(theirs[contact]) if theirs[contact] else None,
            my_replies=len(mine[contact]),
            my_median=statistics.median(mine[contact]) if mine[contact] else None,
        ))
    return result


def format_duration(seconds: float | None) -> str:
    """A latency as a person would say it: 45 min, 3.5 h, 2.1 days."""
    if seconds is None:
        return "–"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
