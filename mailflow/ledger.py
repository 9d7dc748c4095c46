"""The ledger: who owes what, and how fast each side answers.

Detection speaks of a message's sender and recipients; the ledger speaks of the
user ("me") and their contacts ("them"). These functions translate, and measure.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils

from . import db as store
from .config import Identity
from .dates import resolve
from .detect import DETECTOR_VERSION, Detection, detect
from .errors import UsageError
from .parse import parse, split_raw
from .records import Findings, Message, NewItem


def debtor(owner: str, direction: str) -> str:
    """Who must act, from the user's side: the sender of an outgoing message is the user."""
    if owner == "both":
        return "both"
    sender_is_me = direction == "outgoing"
    return "me" if (owner == "sender") == sender_is_me else "them"


def counterpart(msg: Message, own: frozenset[str]) -> str | None:
    """The contact a message is with: its sender, or for the user's own mail its first recipient."""
    if msg.direction == "incoming":
        return msg.from_addr.email if msg.from_addr else None
    for address in (*msg.to, *msg.cc):
        if address.email and address.email not in own:
            return address.email
    return None


def fingerprint(kind: str, sentence: str) -> str:
    normalized = " ".join(sentence.casefold().split())
    return hashlib.sha1(f"{kind}\0{normalized}".encode()).hexdigest()[:16]


def findings(msg: Message, detection: Detection, own: frozenset[str]) -> Findings:
    contact = counterpart(msg, own)
    items = tuple(
        NewItem(fingerprint=fingerprint(item.kind, item.sentence), kind=item.kind, owner=item.owner,
                debtor=debtor(item.owner, msg.direction), contact=contact, sentence=item.sentence,
                due=item.due, due_text=item.due_text, meeting_status=item.status)
        for item in detection.items)
    completions = tuple((c.sentence, c.what) for c in detection.completions)
    return Findings(items, completions, DETECTOR_VERSION)


def detect_raw(data: bytes, own: frozenset[str]) -> tuple[Message, Detection]:
    """Parse one message's bytes and detect its items (for `mailflow detect FILE.eml`)."""
    msg = parse(split_raw(data), own)
    detection = detect(msg.new_text, msg.date or datetime.now(timezone.utc), msg.direction,
                       calendar=msg.calendar, has_attachments=bool(msg.attachments))
    return msg, detection


def examine(msg: Message, own: frozenset[str], received: datetime | None = None) -> Findings | None:
    """Detect the items in a message, or None for automated mail, which promises nothing."""
    if msg.automated:
        return None
    sent_at = msg.date or received or datetime.now(timezone.utc)
    detection = detect(msg.new_text, sent_at, msg.direction, calendar=msg.calendar,
                       has_attachments=bool(msg.attachments))
    return findings(msg, detection, own)


def redetect(db: sqlite_utils.Database, own: frozenset[str], *, page: int = 500) -> dict[str, int]:
    """Run the current detector over every stored message, keeping what the user set by hand."""
    totals = {"messages": 0, "added": 0, "updated": 0, "removed": 0, "kept": 0}
    after = 0
    while True:
        stored = store.stored_messages(db, after, page)
        if not stored:
            return totals
        counts = store.replace_findings(db, [(row_id, examine(msg, own)) for row_id, msg in stored])
        for key, value in counts.items():
            totals[key] += value
        totals["messages"] += len(stored)
        after = stored[-1][0]


def open_items(db: sqlite_utils.Database, now: datetime, *, debtor: str | None = None, contact: str | None = None,
               overdue: bool = False, include_closed: bool = False) -> list[dict]:
    """Items as the user sees them at `now`: open ones (or all), each marked overdue or not.

    The ledger is settled up to `now` but never beyond the real clock: a preview
    of next week must not record meetings as held that have not happened.
    """
    settle(db, min(now, store.utcnow()))
    rows = store.item_rows(db, debtor=debtor, contact=contact.lower() if contact else None,
                           status=None if include_closed else "open")
    now_utc = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for row in rows:
        # A meeting is not "overdue"; its time passing closes it instead.
        row["overdue"] = bool(row["status"] == "open" and row["kind"] != "meeting" and row["due_utc"]
                              and row["due_utc"] < now_utc)
    return [row for row in rows if row["overdue"]] if overdue else rows


def settle(db: sqlite_utils.Database, now: datetime) -> dict[str, int]:
    """Bring the ledger up to `now`: close what later mail settled, wake snoozed items."""
    return store.close_items_from_mail(db, now)


ACTIONS = {"done": ("done", "marked done by you"), "dismiss": ("cancelled", "dismissed by you"),
           "snooze": ("snoozed", "snoozed by you")}


def mark(db: sqlite_utils.Database, item_id: int, action: str, now: datetime, *,
         until: str | None = None, identity: Identity | None = None) -> dict:
    """The user closes, dismisses or snoozes an item by hand; automatic closing never undoes it."""
    status, reason = ACTIONS[action]
    snoozed_until = None
    if action == "snooze":
        snoozed_until = parse_until(until or "", now.astimezone(identity.tz if identity else timezone.utc))
        if snoozed_until <= now:
            raise UsageError(f"{until!r} is not in the future")
    row = store.set_item_status(db, item_id, status, reason=reason, now=now, snoozed_until=snoozed_until)
    if row is None:
        raise UsageError(f"there is no item #{item_id}; `mailflow items --all` lists them")
    return row


def parse_until(text: str, now: datetime) -> datetime:
    """A snooze end: ISO 8601, or words like "monday", "next week", "in 3 days", "tomorrow 14:00"."""
    try:
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)
    except ValueError:
        pass
    found = resolve(text, now, kind="meeting") if text.strip() else None
    if found is None or found.due is None:
        raise UsageError(f"cannot read {text!r} as a date; try 2026-12-01, monday or \"in 3 days\"")
    return found.due


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
