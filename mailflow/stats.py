"""Per-contact response times and reliability, for `mailflow stats`.

Everything here reads the ledger as stored and judges it at a given `now`; it
never writes. Callers that want mail-based closings counted settle the ledger
first (ledger.settle), as `open_items` does.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

import sqlite_utils

from . import db as store
from .config import Identity
from .rules import is_proposal
from .worktime import working_days_between, working_seconds

HOUR = 3600.0
CLOSED = ("done", "cancelled", "expired")


@dataclass(frozen=True)
class Latency:
    """One direction of replies with one contact."""

    count: int
    median_hours: float | None  # wall-clock
    p90_hours: float | None
    median_work_hours: float | None  # working hours only, in the user's timezone
    p90_work_hours: float | None


@dataclass(frozen=True)
class ContactStats:
    contact: str
    theirs: Latency  # how fast they answer the user
    mine: Latency  # how fast the user answers them
    their_promises_kept: int
    their_promises_due: int
    my_promises_kept: int
    my_promises_due: int
    overdue_theirs: int
    overdue_mine: int
    last_from_them: datetime | None
    last_to_them: datetime | None
    red_flags: tuple[str, ...]


# --- statistics -----------------------------------------------------------------

def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def p90(values: Sequence[float]) -> float | None:
    """The 90th percentile by nearest rank: a value that was actually observed."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def latency(wall_seconds: Sequence[float], work_seconds: Sequence[float]) -> Latency:
    wall = [s / HOUR for s in wall_seconds]
    work = [s / HOUR for s in work_seconds]
    return Latency(count=len(wall), median_hours=median(wall), p90_hours=p90(wall),
                   median_work_hours=median(work), p90_work_hours=p90(work))


# --- proposals ------------------------------------------------------------------

def _moment(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso).astimezone(timezone.utc) if iso else None


def _closed_at(row: dict[str, Any], now: datetime) -> datetime | None:
    """When the item was closed, if it was by `now`; a closing after `now` has not happened yet."""
    at = _moment(row["status_at"])
    return at if row["status"] in CLOSED and at is not None and at <= now else None


def _is_open(row: dict[str, Any], now: datetime) -> bool:
    return row["status"] == "open" or (row["status"] in CLOSED and _closed_at(row, now) is None)


def _is_overdue(row: dict[str, Any], now: datetime) -> bool:
    # Meetings never count: they are owed by both sides, so by neither 'me' nor 'them'.
    due = _moment(row["due_utc"])
    return due is not None and due < now and _is_open(row, now)


@dataclass(frozen=True)
class _Record:
    kept: int
    due: int
    missed: tuple[datetime, ...]  # the due moments of promises not kept


def _promise_record(rows: Iterable[dict[str, Any]], debtor: str, now: datetime) -> _Record:
    kept, due_count, missed = 0, 0, []
    for row in rows:
        due = _moment(row["due_utc"])
        if row["kind"] != "promise" or row["debtor"] != debtor or due is None:
            continue
        closed = _closed_at(row, now)
        if closed is None and due >= now:
            continue  # still on time
        due_count += 1
        if row["status"] == "done" and closed is not None and closed <= due:
            kept += 1
        elif not (row["status"] == "cancelled" and closed is not None):
            # Late, expired, or still owed; a snooze defers the user's reminder, not their deadline.
            # A dismissed promise no longer applies, so it is no miss.
            missed.append(due)
    return _Record(kept, due_count, tuple(missed))


def _day(moment: datetime, identity: Identity) -> str:
    local = moment.astimezone(identity.tz)
    return f"{local:%a} {local.day} {local:%b}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _proposal_flags(sent: Sequence[datetime], identity: Identity, now: datetime, proposal_days: int) -> list[str]:
    flags = []
    for moment in sorted(sent):
        waited = working_days_between(moment, now, identity)
        if waited >= proposal_days:
            flags.append(f"proposal sent {_day(moment, identity)} with no reply for "
                         f"{_plural(waited, 'working day')}")
    return flags


def _missed_flag(record: _Record, identity: Identity) -> list[str]:
    if not record.missed:
        return []
    return [f"missed {len(record.missed)} of {_plural(record.due, 'promised deadline')}, "
            f"the latest due {_day(max(record.missed), identity)}"]


def _quiet_flag(last_from: datetime | None, last_to: datetime | None, open_count: int, identity: Identity,
                now: datetime, quiet_days: int) -> list[str]:
    # Someone who never wrote cannot fall silent: a colleague in Cc is not a lost client.
    if last_from is None:
        return []
    wrote_last = last_to is not None and last_to > last_from
    silent = working_days_between(last_from, now, identity)
    if silent < quiet_days or not (wrote_last or open_count):
        return []
    reasons = []
    if wrote_last:
        reasons.append(f"your message of {_day(last_to, identity)} unanswered")
    if open_count:
        reasons.append(_plural(open_count, "open item"))
    return [f"gone quiet: nothing from them since {_day(last_from, identity)} "
            f"({_plural(silent, 'working day')}), with {' and '.join(reasons)}"]


def _latencies(db: sqlite_utils.Database, identity: Identity) -> dict[tuple[str, str], tuple[list[float], list[float]]]:
    """(contact, direction) -> (wall-clock seconds, working seconds) of each reply."""
    found: dict[tuple[str, str], tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for row in store.reply_latencies(db):
        if not row["contact"]:
            continue
        wall, work = found[(row["contact"], row["direction"])]
        wall.append(float(row["latency_seconds"]))
        work.append(working_seconds(_moment(row["parent_utc"]), _moment(row["date_utc"]), identity))
    return found


def _proposals(db: sqlite_utils.Database) -> dict[str, list[datetime]]:
    """Contact -> when each unanswered proposal in a thread with them was sent."""
    found: dict[str, list[datetime]] = defaultdict(list)
    for row in store.awaiting_reply(db):
        names = [a.get("filename") or "" for a in row["attachments"]]
        if is_proposal(row["subject"], row["new_text"], names):
            for contact in row["contacts"]:
                found[contact].append(_moment(row["date_utc"]))
    return found


def contact_stats(db: sqlite_utils.Database, identity: Identity, now: datetime, *, contact: str | None = None,
                  proposal_days: int = 5, quiet_days: int = 10) -> list[ContactStats]:
    """Each contact's reply times both ways, promises kept, overdue items and red flags, most recent first."""
    now = now.astimezone(timezone.utc)
    latencies = _latencies(db, identity)
    items: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in store.item_rows(db, status=None):
        if row["contact"]:
            items[row["contact"]].append(row)
    touch = store.last_in_touch(db)
    proposals = _proposals(db)
    everyone = {c for c, _direction in latencies} | set(items) | set(touch) | set(proposals)
    if contact is not None:
        everyone &= {contact.lower()}
    result = []
    for address in sorted(everyone):
        seen = touch.get(address, {})
        last_from, last_to = _moment(seen.get("from_them")), _moment(seen.get("to_them"))
        rows = items[address]
        theirs, mine = _promise_record(rows, "them", now), _promise_record(rows, "me", now)
        open_count = sum(1 for r in rows if r["kind"] != "meeting" and _is_open(r, now))
        flags = (_proposal_flags(proposals[address], identity, now, proposal_days)
                 + _missed_flag(theirs, identity)
                 + _quiet_flag(last_from, last_to, open_count, identity, now, quiet_days))
        result.append(ContactStats(
            contact=address,
            theirs=latency(*latencies.get((address, "incoming"), ([], []))),
            mine=latency(*latencies.get((address, "outgoing"), ([], []))),
            their_promises_kept=theirs.kept, their_promises_due=theirs.due,
            my_promises_kept=mine.kept, my_promises_due=mine.due,
            overdue_theirs=sum(1 for r in rows if r["debtor"] == "them" and _is_overdue(r, now)),
            overdue_mine=sum(1 for r in rows if r["debtor"] == "me" and _is_overdue(r, now)),
            last_from_them=last_from, last_to_them=last_to, red_flags=tuple(flags)))
    # Sorted by name above, so contacts last in touch at the same moment stay in a stable order.
    return sorted(result, key=_last_contact, reverse=True)


def _last_contact(stats: ContactStats) -> datetime:
    moments = [m for m in (stats.last_from_them, stats.last_to_them) if m is not None]
    return max(moments, default=datetime.min.replace(tzinfo=timezone.utc))


def stats_to_json(stats: ContactStats) -> dict[str, Any]:
    data = asdict(stats)
    for key in ("last_from_them", "last_to_them"):
        data[key] = data[key].isoformat() if data[key] else None
    data["red_flags"] = list(stats.red_flags)
    return data
