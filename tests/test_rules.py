"""Rules as pure functions of a Snapshot and `now`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from mailflow.config import parse_config
from mailflow.rules import OutboxEntry, RuleItem, Snapshot, Thread, plan

BERLIN = ZoneInfo("Europe/Berlin")
CONFIG = parse_config({"identity": {"name": "Maya", "addresses": ["maya@lindqvist.studio"],
                                    "timezone": "Europe/Berlin"},
                       "rules": {"follow_up": {"mode": "send", "after_days": 3}}})


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=BERLIN)


def promise(item_id: int, thread: int, contact: str) -> RuleItem:
    return RuleItem(id=item_id, kind="promise", debtor="them", contact=contact, sentence="I'll send it Monday.",
                    due=at(5, 17), due_text="Monday", meeting_status=None, status="open", status_reason=None,
                    thread_id=thread, account="work", sent_at=at(2, 10))


def snapshot(items, outbox=(), now=at(9, 10)) -> Snapshot:
    threads = {i.thread_id: Thread(i.thread_id, f"Thread {i.thread_id}", (i.contact,), f"m{i.thread_id}@x", ())
               for i in items}
    return Snapshot(now=now, items=tuple(items), threads=threads, outbox=tuple(outbox))


def test_the_per_contact_cap_counts_every_recipient_of_earlier_emails() -> None:
    earlier = OutboxEntry(key="agenda:priya@x:2026-10-09T08:00Z", rule="agenda", thread_id=9, contact="priya@x",
                          at=at(9, 9), status="sent", recipients=("priya@x", "tom@x"))
    [email] = [p for p in plan(snapshot([promise(1, 1, "tom@x")], [earlier]), CONFIG) if p.rule == "follow_up"]
    assert email.held == "already 1 automated email(s) to tom@x today"


def test_a_dropped_step_does_not_block_the_thread() -> None:
    dropped = OutboxEntry(key="follow_up:thread1:1", rule="follow_up", thread_id=1, contact="tom@x",
                          at=at(8, 10), status="dropped", recipients=("tom@x",))
    [email] = [p for p in plan(snapshot([promise(1, 1, "tom@x")], [dropped]), CONFIG) if p.rule == "follow_up"]
    assert email.key == "follow_up:thread1:2" and email.held is None


def test_nothing_before_the_date_the_contact_was_given() -> None:
    late = RuleItem(**{**promise(1, 1, "tom@x").__dict__, "due": at(9, 17)})
    assert [p for p in plan(snapshot([late], now=at(9, 16)), CONFIG) if p.rule == "follow_up"] == []


def test_the_digest_waits_while_paused() -> None:
    config = parse_config({"identity": {"addresses": ["maya@lindqvist.studio"], "timezone": "Europe/Berlin"}})
    paused = Snapshot(now=at(9, 9), items=(), paused=True)
    [digest] = plan(paused, config)
    assert digest.rule == "digest" and digest.held == "sending is paused (mailflow resume)"
