"""The ledger: who owes what, and how fast each side answers.

Detection speaks of a message's sender and recipients; the ledger speaks of the
user ("me") and their contacts ("them"). These functions translate, and measure.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlite_utils

from . import db as store
from .config import Config, Identity
from .dates import resolve
from .detect import DETECTOR_VERSION, Detection, detect
from .errors import UsageError
from .parse import parse, split_raw
from .records import Findings, Message, NewItem
from .rules import OutboxEntry, RuleItem, Snapshot, Thread, Waiting


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


# Promises kept by answering ("I'll get back to you", "we'll confirm the budget"): any
# later message from the promiser in the thread settles them; an attachment is not needed.
_KEPT_BY_REPLY = re.compile(
    r"\b(?:get back|come back|let (?:you|u) know|reply|respond|answer|confirm|update you|keep you posted|"
    r"follow up|touch base|feedback|get in touch|be in touch|revert|circle back|think about it|look into)\b",
    re.IGNORECASE)


def fingerprint(kind: str, sentence: str, nth: int = 0) -> str:
    """Stable per (kind, sentence); `nth` tells apart two promises of one sentence
    ("the draft tomorrow and the final PDF on Sunday"), the first keeping the plain key."""
    normalized = " ".join(sentence.casefold().split())
    key = f"{kind}\0{normalized}" + (f"\0{nth}" if nth else "")
    return hashlib.sha1(key.encode()).hexdigest()[:16]


def findings(msg: Message, detection: Detection, own: frozenset[str]) -> Findings:
    contact = counterpart(msg, own)
    # Counted on the exact sentence: one sentence split in two promises gets two keys, while two
    # sentences that differ only in case or spacing still share one, and are stored once.
    seen: dict[tuple[str, str], int] = {}
    items: list[NewItem] = []
    for item in detection.items:
        nth = seen[(item.kind, item.sentence)] = seen.get((item.kind, item.sentence), -1) + 1
        items.append(NewItem(
            fingerprint=fingerprint(item.kind, item.sentence, nth), kind=item.kind, owner=item.owner,
            debtor=debtor(item.owner, msg.direction), contact=contact, sentence=item.sentence,
            due=item.due, due_text=item.due_text, meeting_status=item.status,
            settled_by_reply=item.kind == "promise" and bool(_KEPT_BY_REPLY.search(item.sentence))))
    completions = tuple((c.sentence, c.what) for c in detection.completions)
    return Findings(tuple(items), completions, DETECTOR_VERSION)


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


def settle(db: sqlite_utils.Database, now: datetime, *, new_mail: bool = True) -> dict[str, int]:
    """Bring the ledger up to `now`: close what later mail settled, wake snoozed items."""
    return store.close_items_from_mail(db, now, new_mail=new_mail)


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


# Reasons that make an address a robot or a list, never to be written to automatically.
# An out-of-office reply comes from a person who is away: it pauses, it does not block.
_BLOCKING = ("list-id", "list-unsubscribe", "precedence:bulk", "precedence:list", "precedence:junk", "no-reply",
             "auto-submitted", "delivery-status", "read-receipt")
_BACK_ON = re.compile(r"\b(?:until|back(?:\s+(?:in\s+the\s+office|at\s+work))?\s+(?:on)?|return(?:ing)?\s+(?:on)?"
                      r"|zurück\s+(?:am)?|bis\s+(?:zum|einschließlich)?|de\s+retour\s+le)\s+([^.\n]{3,40})",
                      re.IGNORECASE)
# The user's own greeting is reused only when it is English, like the templates:
# "Hallo Jonas," over an English body reads as a form letter.
_SALUTATION = re.compile(r"^(?:hi|hello|hey|dear|good\s+(?:morning|afternoon))\b[^\n]{0,40}$",
                         re.IGNORECASE)
AWAY_WITHOUT_DATE = timedelta(days=7)


def back_on(text: str, sent_at: datetime) -> datetime:
    """When an out-of-office reply says its sender returns; a week later when it does not say."""
    for match in _BACK_ON.finditer(text):
        found = resolve(match.group(1), sent_at, kind="meeting")
        if found is not None and found.due is not None and found.due > sent_at:
            return found.due
    return sent_at + AWAY_WITHOUT_DATE


def snapshot(db: sqlite_utils.Database, config: Config, now: datetime) -> Snapshot:
    """Read the ledger into what the rules need at `now`."""
    settle(db, min(now, store.utcnow()))
    items = tuple(RuleItem(
        id=r["id"], kind=r["kind"], debtor=r["debtor"], contact=r["contact"], sentence=r["sentence"],
        due=datetime.fromisoformat(r["due"]) if r["due"] else None, due_text=r["due_text"],
        meeting_status=r["meeting_status"], status=r["status"], status_reason=r["status_reason"],
        thread_id=r["thread_id"], account=r["account"],
        sent_at=datetime.fromisoformat(r["sent_at"]) if r["sent_at"] else now)
        for r in store.rule_items(db, now - timedelta(days=14)))
    waiting = tuple(Waiting(
        thread_id=r["thread_id"], account=r["account"], subject=r["subject"], text=r["new_text"],
        attachment_names=tuple(a["filename"] or "" for a in r["attachments"]),
        sent_at=datetime.fromisoformat(r["date"]) if r["date"] else now,
        contacts=tuple(c for c in r["contacts"] if c not in config.own_addresses),
        to=tuple(a["email"] for a in r["to_addrs"] if a["email"] not in config.own_addresses))
        for r in store.awaiting_reply(db))
    thread_ids = sorted({i.thread_id for i in items if i.thread_id} | {w.thread_id for w in waiting})
    threads = {t["id"]: _thread(t, config.own_addresses) for t in store.thread_details(db, thread_ids)}
    blocked: dict[str, str] = {}
    away: dict[str, datetime] = {}
    for row in store.automated_senders(db):
        if "out-of-office" in row["automated"]:
            # Auto-replies also carry Auto-Submitted; a person away is paused, not blocked.
            if row["date"]:
                away[row["from_addr"]] = back_on(row["new_text"], datetime.fromisoformat(row["date"]))
            continue
        reasons = [r for r in row["automated"] if r in _BLOCKING or r.startswith("precedence:")]
        if reasons:
            blocked[row["from_addr"]] = ", ".join(reasons) + " mail"
    for address in store.list_addresses(db) - config.own_addresses:
        blocked[address] = "mailing-list mail (it is a list address)"
    greetings = {}
    for thread_id, contact, text in store.last_openings(db):
        first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
        if _SALUTATION.match(first_line):
            greetings[(thread_id, contact)] = first_line if first_line.endswith(",") else first_line + ","
    outbox = tuple(OutboxEntry(key=r["key"], rule=r["rule"], thread_id=r["thread_id"], contact=r["contact"],
                               at=datetime.fromisoformat(r["planned_at"].replace("Z", "+00:00")), status=r["status"],
                               recipients=tuple(r["recipients"]))
                   for r in store.outbox_entries(db))
    last_heard = {address: datetime.fromisoformat(seen["from_them"].replace("Z", "+00:00"))
                  for address, seen in store.last_in_touch(db).items() if seen["from_them"]}
    return Snapshot(
        now=now, items=items, waiting=waiting, threads=threads, outbox=outbox, blocked=blocked, away=away,
        connected_at={a: datetime.fromisoformat(t.replace("Z", "+00:00")) for a, t in store.connected_at(db).items()},
        names=store.contact_names(db), greetings=greetings,
        response_times=tuple({"contact": rt.contact,
                              "their_median_hours": rt.their_median / 3600 if rt.their_median is not None else None,
                              "my_median_hours": rt.my_median / 3600 if rt.my_median is not None else None}
                             for rt in response_times(db)),
        paused=store.get_setting(db, "paused") is not None, last_heard=last_heard,
        handled={thread: datetime.fromisoformat(date) for thread, date in store.handled_threads(db, now).items()})


def _thread(row: dict, own: frozenset[str]) -> Thread:
    latest = row["latest"]
    last = latest[0] if latest else None
    references: tuple[str, ...] = ()
    if last is not None:
        references = tuple(json.loads(last["refs"])) + ((last["message_id"],) if last["message_id"] else ())
    recent = tuple({"from": m["from_name"] or m["from_addr"] or "", "date": datetime.fromisoformat(m["date"]),
                    "summary": next((ln.strip() for ln in m["new_text"].splitlines() if ln.strip()), "")}
                   for m in reversed(latest) if m["date"])
    return Thread(id=row["id"], subject=row["subject"], contacts=tuple(c for c in row["contacts"] if c not in own),
                  last_message_id=last["message_id"] if last else None, references=references, recent=recent,
                  last_sent=datetime.fromisoformat(row["last_sent"]) if row["last_sent"] else None,
                  list_mail=row["list_mail"])


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
