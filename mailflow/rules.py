"""Rules: pure decisions, at a given `now`, about which emails to send.

Each rule reads a `Snapshot` of the ledger and returns `PlannedEmail`s. Every
planned email has an idempotency key (rule, subject of the rule, step), so the
outbox sends it at most once however often the rules run. The safety rails
(pause, working hours, automated or away recipients, caps, the first-run rule)
are decided here too: a planned email that may not go out now carries the
reason in `held`, so `mailflow plan` shows exactly what would happen and why.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from .config import Config
from .records import Address
from .worktime import is_working_time, next_working_time, previous_working_end, working_days_between, working_seconds

MEETING_LENGTH = timedelta(hours=1)  # when a meeting's end is not known
NO_REPLY = re.compile(r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer-daemon|postmaster|bounces?|notifications?)"
                      r"(?:[+-].*)?@", re.IGNORECASE)
# Addresses that are lists by their shape; lists known from their List-Id mail are blocked by the ledger.
# Only shapes no person's address takes: not "-l@" (paul-l@...) nor "@list." (Mail.ru's list.ru).
MAILING_LIST = re.compile(r"(?:-(?:list|discuss|users|dev(?:el)?|announce|request|owner|subscribe)|^(?:list|lists|"
                          r"listserv|majordomo|mailman|sympa))(?:\+[^@]*)?@|@(?:lists|listserv)\.|"
                          r"@googlegroups\.com$|@groups\.io$", re.IGNORECASE)


@dataclass(frozen=True)
class RuleItem:
    """An item as the rules see it, with what is needed to answer in its thread."""

    id: int
    kind: str
    debtor: str  # me | them | both
    contact: str | None
    sentence: str
    due: datetime | None
    due_text: str | None
    meeting_status: str | None
    status: str
    status_reason: str | None
    thread_id: int | None
    account: str
    sent_at: datetime  # the message the item came from


@dataclass(frozen=True)
class Waiting:
    """The user's own message that is the last word in its thread."""

    thread_id: int
    account: str
    subject: str
    text: str
    attachment_names: tuple[str, ...]
    sent_at: datetime
    contacts: tuple[str, ...]
    to: tuple[str, ...] = ()  # whom the message was addressed to (not Cc), the user excluded


@dataclass(frozen=True)
class Thread:
    id: int
    subject: str
    contacts: tuple[str, ...]
    last_message_id: str | None
    references: tuple[str, ...]  # the chain up to and including the last message
    recent: tuple[dict[str, Any], ...] = ()  # {"from", "date", "summary"}, oldest first
    last_sent: datetime | None = None  # the user's own latest message here (mailflow's emails not counted)
    list_mail: bool = False  # some message here came through a mailing list


@dataclass(frozen=True)
class OutboxEntry:
    key: str
    rule: str
    thread_id: int | None
    contact: str | None
    at: datetime
    status: str
    recipients: tuple[str, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """Everything the rules may look at, read from the store at one moment."""

    now: datetime
    items: tuple[RuleItem, ...]
    waiting: tuple[Waiting, ...] = ()
    threads: dict[int, Thread] = field(default_factory=dict)
    outbox: tuple[OutboxEntry, ...] = ()
    blocked: dict[str, str] = field(default_factory=dict)  # address -> why it never gets automated mail
    away: dict[str, datetime] = field(default_factory=dict)  # address -> back on
    connected_at: dict[str, datetime] = field(default_factory=dict)  # account -> first connected
    names: dict[str, str] = field(default_factory=dict)
    greetings: dict[tuple[int, str], str] = field(default_factory=dict)  # (thread, contact) -> "Hi Jonas,"
    response_times: tuple[dict[str, Any], ...] = ()
    paused: bool = False
    last_heard: dict[str, datetime] = field(default_factory=dict)  # address -> their latest message to the user
    # thread -> the latest message whose item the user snoozed (still asleep), dismissed or closed by hand
    handled: dict[int, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class PlannedEmail:
    key: str
    rule: str
    mode: str  # send | draft
    account: str | None
    to: tuple[Address, ...]
    subject: str
    in_reply_to: str | None
    references: tuple[str, ...]
    context: dict[str, Any]
    reason: str
    quote: str | None = None
    item_id: int | None = None
    thread_id: int | None = None
    contact: str | None = None
    held: str | None = None  # why it does not go out now; None when it may


# --- helpers ---------------------------------------------------------------------

_EN_WORD = r"(?:proposal|quotation|quote|estimate|offer|sow|statement of work)s?"
# German compounds ("Projektangebot") carry the word inside them.
_OTHER_WORD = r"(?:\w*angebot\w*|kostenvoranschl[aä]g\w*|devis)"
_WORD = rf"(?:{_EN_WORD}|{_OTHER_WORD})"
_TITLE = re.compile(rf"\b{_WORD}\b", re.IGNORECASE)
_CUE = (r"(?:attached|enclosed|here's|here’s|here is|here are|herewith|please find|i'm sending|i am sending"
        r"|sending you|sending over|anbei|im anhang|beigefügt|ci-jointe?s?|voici|vous trouverez)")
# A cue and the word in one clause, a few words apart: "attached is my revised proposal".
_LEADING = re.compile(rf"\b{_CUE},?(?:\s+[^\s.,;:!?]+){{0,4}}?\s+{_WORD}\b", re.IGNORECASE)
_TRAILING = re.compile(rf"\b{_WORD}\s+(?:is\s+|are\s+|ist\s+)?(?:attached|enclosed|anbei|im anhang|beigefügt)\b",
                       re.IGNORECASE)
_REPLY_PREFIX = re.compile(r"^\s*(?:re|aw|fwd?|wg|tr)\s*:", re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-zäöü])(?=[A-ZÄÖÜ])")
_NOT_LETTER = re.compile(r"[^a-zäöüß]+")


def is_proposal(subject: str, text: str, attachment_names: Sequence[str]) -> bool:
    """Whether a message carries a proposal, quote, estimate, offer or SOW (also Angebot, devis)."""
    # A reply's subject names the thread ("Re: Quote request"), not what this message carries.
    if not _REPLY_PREFIX.match(subject) and _TITLE.search(subject):
        return True
    if any(_TITLE.search(_filename_words(name)) for name in attachment_names if name):
        return True
    return bool(_LEADING.search(text) or _TRAILING.search(text))


def _filename_words(name: str) -> str:
    # "Proposal_v2.pdf" and "SOWDraft.docx": \b sees neither '_' nor a case change as a boundary.
    return _NOT_LETTER.sub(" ", _CAMEL.sub(" ", name).lower())


# --- the ledger, per contact ------------------------------------------------------

def first_name(name: str, address: str) -> str:
    if name.strip():
        return name.split()[0].strip(",")
    return address.split("@")[0].split(".")[0].capitalize()


def _person(snapshot: Snapshot, address: str) -> dict[str, str]:
    name = snapshot.names.get(address, "")
    return {"name": name or address, "first_name": first_name(name, address), "email": address}


def _reply_subject(subject: str) -> str:
    return subject if re.match(r"^\s*re\s*:", subject, re.IGNORECASE) else f"Re: {subject}"


def _user(config: Config) -> dict[str, str]:
    identity = config.identity
    email = identity.addresses[0] if identity.addresses else ""
    return {"name": identity.name or email, "first_name": first_name(identity.name, email), "email": email}


def _too_old(snapshot: Snapshot, config: Config, account: str, sent_at: datetime) -> bool:
    """No retroactive blast: nothing older than the connection (less the look-back) is acted on."""
    connected = snapshot.connected_at.get(account)
    return connected is not None and sent_at < connected - timedelta(days=config.rules.lookback_days)


# --- the rules -------------------------------------------------------------------

def plan(snapshot: Snapshot, config: Config) -> list[PlannedEmail]:
    """Every email the rules want at `snapshot.now`, with safety holds applied."""
    # Time-bound emails first: when the per-contact cap allows one email today, an
    # agenda before today's call matters more than a follow-up that can wait a day.
    planned = agendas(snapshot, config) + feedback_requests(snapshot, config) + follow_ups(snapshot, config)
    planned = _apply_safety(planned, snapshot, config)
    return planned + digest(snapshot, config)


def follow_ups(snapshot: Snapshot, config: Config) -> list[PlannedEmail]:
    rule = config.rules.follow_up
    if rule.mode == "off":
        return []
    now, identity = snapshot.now, config.identity
    candidates: dict[int, tuple[datetime, str, str, RuleItem | None, Waiting | None, str]] = {}

    def consider(thread_id: int | None, anchor: datetime, kind: str, contact: str | None, reason: str,
                 item: RuleItem | None = None, waiting: Waiting | None = None) -> None:
        if thread_id is None or contact is None:
            return
        # Silence is counted from the last word either way: a client who wrote
        # "still on it" yesterday has not gone quiet, whatever they owe.
        # A nudge the user wrote by hand restarts the wait as well.
        thread = snapshot.threads.get(thread_id)
        quiet_since = max(t for t in (anchor, snapshot.last_heard.get(contact), thread and thread.last_sent) if t)
        if working_days_between(quiet_since, now, identity) < rule.after_days:
            return
        known = candidates.get(thread_id)
        if known is None or anchor < known[0]:  # the oldest debt in the thread leads
            candidates[thread_id] = (anchor, kind, contact, item, waiting, reason)

    for item in snapshot.items:
        if item.status != "open" or item.debtor != "them" or item.kind not in ("request", "promise"):
            continue
        if _too_old(snapshot, config, item.account, item.sent_at):
            continue
        if item.due is not None and now < item.due:
            continue  # "let me know by Thursday": nothing before Thursday has ended
        if item.kind == "promise" and item.due is None:
            continue  # an undated promise is never overdue
        days = working_days_between(item.sent_at, now, identity)
        what = "their promise is overdue" if item.kind == "promise" else "your request is unanswered"
        consider(item.thread_id, item.sent_at, item.kind, item.contact,
                 f"{what} ({days} working days since {item.sent_at:%a %d %b})", item=item)
    for waiting in snapshot.waiting:
        if not is_proposal(waiting.subject, waiting.text, waiting.attachment_names):
            continue
        handled = snapshot.handled.get(waiting.thread_id)
        if handled is not None and handled >= waiting.sent_at:
            continue  # the user snoozed or dismissed what this message asked: the thread is theirs to handle
        if _too_old(snapshot, config, waiting.account, waiting.sent_at):
            continue
        days = working_days_between(waiting.sent_at, now, identity)
        contact = (waiting.to or waiting.contacts or (None,))[0]
        consider(waiting.thread_id, waiting.sent_at, "proposal", contact,
                 f"proposal sent {waiting.sent_at:%a %d %b} with no reply for {days} working days", waiting=waiting)

    planned = []
    for thread_id, (anchor, kind, contact, item, waiting, reason) in sorted(candidates.items()):
        in_thread = [e for e in snapshot.outbox if e.rule == "follow_up" and e.thread_id == thread_id]
        earlier = sorted((e for e in in_thread if e.status != "dropped"), key=lambda e: e.at)
        if len(earlier) >= rule.max_per_thread:
            continue
        if earlier and working_days_between(earlier[-1].at, now, identity) < rule.min_gap_days:
            continue
        # Numbered past every earlier key, dropped ones too, so a new step never reuses a spent key.
        step = max((int(e.key.rsplit(":", 1)[1]) for e in in_thread), default=0) + 1
        thread = snapshot.threads.get(thread_id)
        if thread is None:
            continue
        account = item.account if item else waiting.account  # type: ignore[union-attr]
        sentence = item.sentence if item else None
        item_context = {"kind": kind, "sentence": sentence or "", "due": item.due if item else None,
                        "due_text": item.due_text if item else None, "sent_at": anchor}
        planned.append(PlannedEmail(
            key=f"follow_up:thread{thread_id}:{step}", rule="follow_up", mode=rule.mode, account=account,
            to=(Address(snapshot.names.get(contact, ""), contact),), subject=_reply_subject(thread.subject),
            in_reply_to=thread.last_message_id, references=thread.references,
            context={"contact": _person(snapshot, contact),
                     "greeting": snapshot.greetings.get((thread_id, contact),
                                                        f"Hi {_person(snapshot, contact)['first_name']},"),
                     "thread": {"subject": thread.subject}, "item": item_context, "step": step,
                     "days_waiting": working_days_between(anchor, now, config.identity)},
            reason=reason + (f"; follow-up {step} of {rule.max_per_thread}" if step > 1 else ""),
            quote=sentence, item_id=item.id if item else None, thread_id=thread_id, contact=contact))
    return planned


def _meetings(snapshot: Snapshot) -> dict[tuple[int, datetime], list[RuleItem]]:
    """Meeting items grouped by (contact, start): the proposal, its acceptance, the calendar invitation,
    even when they sit in different threads. Keyed by the thread of the earliest mention."""
    by_meeting: dict[tuple[str, datetime], list[RuleItem]] = {}
    for item in snapshot.items:
        if item.kind == "meeting" and item.due is not None and item.thread_id is not None:
            by_meeting.setdefault((item.contact or "", item.due), []).append(item)
    groups = {}
    for (_contact, start), group in by_meeting.items():
        first = min(group, key=lambda i: (i.sent_at, i.id))
        groups[(first.thread_id, start)] = group
    return groups


def _confirmed(group: list[RuleItem], snapshot: Snapshot, start: datetime) -> bool:
    """Accepted by someone, and neither cancelled nor moved since, in any thread."""
    accepted = [i.sent_at for i in group if i.meeting_status == "accepted"]
    if not accepted or any(i.status == "cancelled" or i.meeting_status == "cancelled" for i in group):
        return False
    return not _called_off(snapshot, group, start, max(accepted))


def _called_off(snapshot: Snapshot, group: list[RuleItem], start: datetime, confirmed_at: datetime) -> bool:
    """Did the same people cancel or move a meeting after this one was confirmed, without naming its time?

    "I have to cancel our call" in a new thread has no start to match; "can we move
    Thursday's call to Friday?" carries the new time, not the old. When in doubt the
    meeting counts as off: a missing agenda is cheaper than one for a call that is not happening.
    """
    contacts = {i.contact for i in group if i.contact}
    for item in snapshot.items:
        if item.kind != "meeting" or item.contact not in contacts or item in group:
            continue
        if not confirmed_at < item.sent_at < start:
            continue
        # A dated cancellation is about this call unless it names the day of another
        # call with the same people: "cancel our call this week" is due Monday.
        if item.meeting_status == "cancelled" and (item.due is None or _same_day(item.due, start) or not any(
                _same_day(item.due, other) for other in _starts_with(snapshot, contacts) if other != start)):
            return True
        if item.meeting_status == "moved" and item.due != start:
            return True
    return False


def _starts_with(snapshot: Snapshot, contacts: set[str | None]) -> set[datetime]:
    return {i.due for i in snapshot.items if i.kind == "meeting" and i.due is not None and i.contact in contacts
            and i.meeting_status in ("proposed", "accepted")}


def _same_day(a: datetime, b: datetime) -> bool:
    return a.astimezone(b.tzinfo).date() == b.date()


def _meeting_recipients(snapshot: Snapshot, group: list[RuleItem]) -> tuple[Address, ...]:
    # The people the meeting was arranged with, not everyone ever copied on the thread.
    contacts = sorted({i.contact for i in group if i.contact})
    return tuple(Address(snapshot.names.get(c, ""), c) for c in contacts)


def _meeting_key(rule: str, group: list[RuleItem], start: datetime) -> str:
    contact = min((i.contact for i in group if i.contact), default="")
    return f"{rule}:{contact}:{start.astimezone(timezone.utc):%Y-%m-%dT%H:%MZ}"


def agendas(snapshot: Snapshot, config: Config) -> list[PlannedEmail]:
    rule = config.rules.agenda
    if rule.mode == "off":
        return []
    now = snapshot.now
    planned = []
    for (thread_id, start), group in sorted(_meetings(snapshot).items(), key=lambda kv: kv[0][1]):
        if not _agenda_window(start, rule.hours_before, config) <= now < start or not _confirmed(group, snapshot, start):
            continue
        first = min(group, key=lambda i: i.sent_at)
        thread = snapshot.threads.get(thread_id)
        if thread is None or _too_old(snapshot, config, first.account, first.sent_at):
            continue
        contacts = {i.contact for i in group if i.contact}
        open_items = [{"kind": i.kind, "sentence": i.sentence, "due": i.due, "debtor": i.debtor}
                      for i in snapshot.items
                      if i.status == "open" and i.kind != "meeting" and i.contact in contacts]
        to = _meeting_recipients(snapshot, group)
        planned.append(PlannedEmail(
            key=_meeting_key("agenda", group, start), rule="agenda", mode=rule.mode,
            account=first.account, to=to, subject=_reply_subject(thread.subject),
            in_reply_to=thread.last_message_id, references=thread.references,
            context={"contacts": [_person(snapshot, a.email) for a in to],
                     "greeting": _group_greeting(snapshot, thread_id, to),
                     "meeting": {"start": start, "sentence": first.sentence, "subject": thread.subject},
                     "open_items": open_items, "recent": list(thread.recent)},
            reason=f"meeting at {start:%a %d %b %H:%M} starts within {rule.hours_before:g} h; "
                   f"{len(open_items)} open items",
            quote=first.sentence, item_id=first.id, thread_id=thread_id,
            contact=to[0].email if to else None))
    return planned


def _agenda_window(start: datetime, hours_before: float, config: Config) -> datetime:
    """When the agenda may go: `hours_before` the start, or, when no working time falls in
    that span (a 9:00 call), the last working hour before it, so that it is not held until too late."""
    opens = start - timedelta(hours=hours_before)
    # Less than an hour of working time before the call (a 9:15 start) leaves no time to read it.
    if config.identity.workdays and working_seconds(opens, start, config.identity) < 3600:
        opens = min(opens, previous_working_end(start, config.identity) - timedelta(hours=1))
    return opens


def _group_greeting(snapshot: Snapshot, thread_id: int, to: Sequence[Address]) -> str:
    if len(to) == 1:
        return snapshot.greetings.get((thread_id, to[0].email), f"Hi {_person(snapshot, to[0].email)['first_name']},")
    return "Hi " + " and ".join(_person(snapshot, a.email)["first_name"] for a in to) + ","


def feedback_requests(snapshot: Snapshot, config: Config) -> list[PlannedEmail]:
    rule = config.rules.feedback_request
    if rule.mode == "off":
        return []
    now = snapshot.now
    planned = []
    for (thread_id, start), group in sorted(_meetings(snapshot).items(), key=lambda kv: kv[0][1]):
        if not _confirmed(group, snapshot, start):
            continue
        ask_from = start + MEETING_LENGTH + timedelta(hours=rule.hours_after)
        if not ask_from <= now <= start + timedelta(days=rule.within_days):
            continue
        first = min(group, key=lambda i: i.sent_at)
        thread = snapshot.threads.get(thread_id)
        if thread is None or _too_old(snapshot, config, first.account, first.sent_at):
            continue
        to = _meeting_recipients(snapshot, group)
        planned.append(PlannedEmail(
            key=_meeting_key("feedback_request", group, start), rule="feedback_request",
            mode=rule.mode, account=first.account, to=to, subject=_reply_subject(thread.subject),
            in_reply_to=thread.last_message_id, references=thread.references,
            context={"contacts": [_person(snapshot, a.email) for a in to],
                     "greeting": _group_greeting(snapshot, thread_id, to),
                     "meeting": {"start": start, "subject": thread.subject}},
            reason=f"meeting on {start:%a %d %b %H:%M} took place", quote=first.sentence, item_id=first.id,
            thread_id=thread_id, contact=to[0].email if to else None))
    return planned


def digest(snapshot: Snapshot, config: Config) -> list[PlannedEmail]:
    rule = config.rules.digest
    if rule.mode == "off":
        return []
    local = snapshot.now.astimezone(config.identity.tz)
    key = f"digest:{local.date().isoformat()}"
    if local.time() < rule.at or any(e.key == key for e in snapshot.outbox):
        return []
    to = rule.to or (config.identity.addresses[0] if config.identity.addresses else None)
    if to is None:
        return []
    context = digest_context(snapshot, config)
    total = sum(context["counts"].values())
    return [PlannedEmail(key=key, rule="digest", mode=rule.mode, account=config.rules.account, to=(Address("", to),),
                         subject="mailflow digest", in_reply_to=None, references=(), context=context,
                         reason=f"daily digest at {rule.at:%H:%M}; {total} entries", contact=to,
                         held="sending is paused (mailflow resume)" if snapshot.paused else None)]


def digest_context(snapshot: Snapshot, config: Config) -> dict[str, Any]:
    """The digest's sections: what is overdue, due soon, awaited, and coming up."""
    now = snapshot.now
    local_now = now.astimezone(config.identity.tz)
    end_of_today = local_now.replace(hour=23, minute=59, second=59)
    end_of_week = end_of_today + timedelta(days=6 - local_now.weekday())
    sections: dict[str, list[dict[str, Any]]] = {k: [] for k in (
        "overdue_mine", "overdue_theirs", "due_today", "due_this_week", "waiting_for_reply", "upcoming_meetings")}
    for item in sorted(snapshot.items, key=lambda i: (i.due is None, i.due or now)):
        if item.status != "open":
            continue
        thread = snapshot.threads.get(item.thread_id) if item.thread_id else None
        entry = {"id": item.id, "kind": item.kind, "sentence": item.sentence, "subject": thread.subject if thread else "",
                 "contact": item.contact or "", "due": item.due, "debtor": item.debtor}
        if item.kind == "meeting":
            if item.due and now < item.due <= end_of_week + timedelta(days=7) and item.meeting_status == "accepted":
                sections["upcoming_meetings"].append(entry)
        elif item.due and item.due < now:
            sections["overdue_mine" if item.debtor == "me" else "overdue_theirs"].append(entry)
        elif item.due and item.due <= end_of_today:
            sections["due_today"].append(entry)
        elif item.due and item.due <= end_of_week:
            sections["due_this_week"].append(entry)
        elif item.debtor == "them" and item.kind == "request":
            sections["waiting_for_reply"].append(entry)
    return {"user": _user(config), "now": local_now, "sections": sections,
            "counts": {k: len(v) for k, v in sections.items()},
            "response_times": list(snapshot.response_times)}


# --- safety ------------------------------------------------------------------------

def _apply_safety(planned: list[PlannedEmail], snapshot: Snapshot, config: Config) -> list[PlannedEmail]:
    """Hold what may not go out now; the digest, to the user alone, is not subject to these."""
    now, identity, rules = snapshot.now, config.identity, config.rules
    own = config.own_addresses
    local_day = now.astimezone(identity.tz).date()
    # Everything that went out or may have: a 'failed' email can have reached its recipient.
    done_today = [e for e in snapshot.outbox if e.status in ("sent", "drafted", "pending", "sending", "failed")
                  and e.at.astimezone(identity.tz).date() == local_day and e.rule != "digest"]
    per_contact = Counter(address for e in done_today for address in (e.recipients or (e.contact,)))
    total = len(done_today)
    result = []
    for email in planned:
        held = _hold_reason(email, snapshot, own)
        if held is None and snapshot.paused:
            held = "sending is paused (mailflow resume)"
        if held is None and not is_working_time(now, identity):
            held = f"outside working hours; next at {next_working_time(now, identity):%a %d %b %H:%M}"
        busiest = max((a.email for a in email.to), key=lambda a: per_contact[a], default=None)
        if held is None and busiest and per_contact[busiest] >= rules.max_per_contact_per_day:
            held = f"already {per_contact[busiest]} automated email(s) to {busiest} today"
        if held is None and total >= rules.max_per_day:
            held = f"daily cap of {rules.max_per_day} reached"
        if held is None:
            per_contact.update(a.email for a in email.to)
            total += 1
        result.append(replace(email, held=held))
    return result


def _hold_reason(email: PlannedEmail, snapshot: Snapshot, own: frozenset[str]) -> str | None:
    if not email.to:
        return "no one to write to"
    thread = snapshot.threads.get(email.thread_id) if email.thread_id is not None else None
    if thread is not None and thread.list_mail:
        return "the thread came through a mailing list; lists are never written to automatically"
    for address in email.to:
        if address.email in own:
            return f"{address.email} is your own address"
        if NO_REPLY.match(address.email):
            return f"{address.email} is a no-reply address"
        if MAILING_LIST.search(address.email):
            return f"{address.email} looks like a mailing list"
        if address.email in snapshot.blocked:
            return f"{address.email} sends {snapshot.blocked[address.email]}; never written to automatically"
        back = snapshot.away.get(address.email)
        if back is not None and snapshot.now < back:
            return f"{address.email} is out of office until {back:%a %d %b}"
    return None
