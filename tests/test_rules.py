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


def follow_up_entry(step: int, day: int, status: str = "sent") -> OutboxEntry:
    return OutboxEntry(key=f"follow_up:thread1:{step}", rule="follow_up", thread_id=1, contact="tom@x",
                       at=at(day, 10), status=status, recipients=("tom@x",))


def test_follow_ups_per_thread_are_capped_and_spaced() -> None:
    item = promise(1, 1, "tom@x")
    first = [follow_up_entry(1, 9)]
    # Step 2 waits min_gap_days (4) working days after step 1...
    assert [p for p in plan(snapshot([item], first, now=at(14, 10)), CONFIG) if p.rule == "follow_up"] == []
    [second] = [p for p in plan(snapshot([item], first, now=at(15, 18)), CONFIG) if p.rule == "follow_up"]
    assert second.key == "follow_up:thread1:2" and "follow-up 2 of 2" in second.reason
    # ...and there is no third (max_per_thread = 2).
    both = first + [follow_up_entry(2, 16)]
    assert [p for p in plan(snapshot([item], both, now=at(28, 10)), CONFIG) if p.rule == "follow_up"] == []


def test_never_to_the_users_own_address() -> None:
    mine = promise(1, 1, "maya@lindqvist.studio")
    [email] = [p for p in plan(snapshot([mine]), CONFIG) if p.rule == "follow_up"]
    assert email.held == "maya@lindqvist.studio is your own address"


def test_digest_sections_sort_items_by_when_and_who() -> None:
    from mailflow.rules import digest_context

    def item(item_id: int, debtor: str, due: datetime | None, kind: str = "promise") -> RuleItem:
        return RuleItem(id=item_id, kind=kind, debtor=debtor, contact="tom@x", sentence=f"item {item_id}", due=due,
                        due_text=None, meeting_status="accepted" if kind == "meeting" else None, status="open",
                        status_reason=None, thread_id=None, account="work", sent_at=at(1, 10))

    now = at(7, 9)  # Wednesday morning
    items = [item(1, "me", at(6, 17)), item(2, "them", at(5, 17)), item(3, "me", at(7, 17)),
             item(4, "them", at(9, 17)), item(5, "them", None, "request"), item(6, "both", at(8, 15), "meeting"),
             item(7, "them", None)]
    sections = digest_context(Snapshot(now=now, items=tuple(items)), CONFIG)["sections"]
    assert {name: [e["id"] for e in entries] for name, entries in sections.items()} == {
        "overdue_mine": [1], "overdue_theirs": [2], "due_today": [3], "due_this_week": [4],
        "waiting_for_reply": [5], "upcoming_meetings": [6]}


# --- regressions from the review of the act stage: each once let an embarrassing email out ---

def meeting(item_id: int, thread: int, status: str, start: datetime | None, sent_at: datetime,
            contact: str = "priya@x") -> RuleItem:
    return RuleItem(id=item_id, kind="meeting", debtor="both", contact=contact, sentence=f"meeting {item_id}",
                    due=start, due_text=None, meeting_status=status, status="open", status_reason=None,
                    thread_id=thread, account="work", sent_at=sent_at)


def test_a_thread_that_came_through_a_list_is_never_followed_up() -> None:
    item = promise(1, 1, "design-discuss@example.org")
    base = snapshot([item])
    listed = Snapshot(now=base.now, items=base.items, outbox=(),
                      threads={1: Thread(1, "Venue", ("design-discuss@example.org",), "m1@x", (), list_mail=True)})
    [email] = [p for p in plan(listed, CONFIG) if p.rule == "follow_up"]
    assert email.held == "the thread came through a mailing list; lists are never written to automatically"


def test_list_shaped_addresses_are_never_written_to() -> None:
    for address in ("design-discuss@example.org", "team@lists.example.org", "studio@googlegroups.com",
                    "python-dev@python.org"):
        [email] = [p for p in plan(snapshot([promise(1, 1, address)]), CONFIG) if p.rule == "follow_up"]
        assert email.held == f"{address} looks like a mailing list", address
    for person in ("lister@example.org", "paul-l@gmail.com", "anne-lise@example.de", "ivan@list.ru"):
        [email] = [p for p in plan(snapshot([promise(1, 1, person)]), CONFIG) if p.rule == "follow_up"]
        assert email.held is None, person


def test_a_nudge_written_by_hand_restarts_the_wait() -> None:
    item = promise(1, 1, "tom@x")  # overdue since Mon 5 Oct
    base = snapshot([item], now=at(9, 10))
    assert [p.held for p in plan(base, CONFIG) if p.rule == "follow_up"] == [None]
    nudged = Snapshot(now=base.now, items=base.items, outbox=(),
                      threads={1: Thread(1, "Thread 1", ("tom@x",), "m1@x", (), last_sent=at(8, 9))})
    assert [p for p in plan(nudged, CONFIG) if p.rule == "follow_up"] == []
    later = Snapshot(now=at(14, 10), items=base.items, outbox=(), threads=nudged.threads)
    assert [p.held for p in plan(later, CONFIG) if p.rule == "follow_up"] == [None]


MEETINGS = parse_config({"identity": {"name": "Maya", "addresses": ["maya@lindqvist.studio"],
                                      "timezone": "Europe/Berlin"},
                         "rules": {"follow_up": {"mode": "off"}, "agenda": {"mode": "send"},
                                   "feedback_request": {"mode": "send"}, "digest": {"mode": "off"}}})


def meeting_snapshot(items, now) -> Snapshot:
    threads = {i.thread_id: Thread(i.thread_id, f"Thread {i.thread_id}", (i.contact,), f"m{i.thread_id}@x", ())
               for i in items}
    return Snapshot(now=now, items=tuple(items), threads=threads)


def test_a_call_cancelled_or_moved_in_another_thread_gets_no_agenda_or_feedback() -> None:
    start = at(8, 15)
    confirmed = [meeting(1, 1, "proposed", start, at(5, 11)), meeting(2, 1, "accepted", start, at(5, 13))]
    assert [p.rule for p in plan(meeting_snapshot(confirmed, at(8, 13)), MEETINGS)] == ["agenda"]
    assert [p.rule for p in plan(meeting_snapshot(confirmed, at(9, 10)), MEETINGS)] == ["feedback_request"]
    for change in (meeting(3, 2, "cancelled", None, at(7, 9)),           # "I have to cancel our call"
                   meeting(3, 2, "cancelled", at(8, 9), at(7, 9)),       # "cancel Thursday's call"
                   meeting(3, 2, "cancelled", at(5, 9), at(7, 9)),       # "cancel our call this week" (due Monday)
                   meeting(3, 2, "moved", at(9, 10), at(7, 9))):         # "move Thursday's call to Friday at 10"
        assert plan(meeting_snapshot([*confirmed, change], at(8, 13)), MEETINGS) == [], change
        assert [p.rule for p in plan(meeting_snapshot([*confirmed, change], at(9, 12)), MEETINGS)
                if p.thread_id == 1] == [], change
    # Cancelling another call with the same people, or a cancellation from before this one was
    # confirmed, leaves this one alone.
    other_call = [meeting(4, 3, "proposed", at(13, 11), at(5, 9)), meeting(5, 3, "cancelled", at(13, 9), at(7, 9))]
    assert [p.rule for p in plan(meeting_snapshot([*confirmed, *other_call], at(8, 13)), MEETINGS)] == ["agenda"]
    before = meeting(3, 2, "cancelled", None, at(5, 12))
    assert [p.rule for p in plan(meeting_snapshot([*confirmed, before], at(8, 13)), MEETINGS)] == ["agenda"]


def test_a_first_thing_call_gets_its_agenda_the_working_day_before() -> None:
    start = at(8, 9)  # Thursday 9:00, the start of the working day
    confirmed = [meeting(1, 1, "proposed", start, at(5, 11)), meeting(2, 1, "accepted", start, at(5, 13))]
    assert plan(meeting_snapshot(confirmed, at(7, 16)), MEETINGS) == []
    [agenda] = plan(meeting_snapshot(confirmed, at(7, 17)), MEETINGS)  # Wed 17:00, before 17:30
    assert agenda.rule == "agenda" and agenda.held is None


def test_the_digest_goes_at_its_local_time_once_a_day() -> None:
    config = parse_config({"identity": {"addresses": ["maya@lindqvist.studio"], "timezone": "Europe/Berlin"},
                           "rules": {"digest": {"mode": "send", "at": "07:30"}}})
    assert plan(Snapshot(now=datetime(2026, 10, 7, 7, 29, tzinfo=BERLIN), items=()), config) == []
    [digest] = plan(Snapshot(now=datetime(2026, 10, 7, 7, 30, tzinfo=BERLIN), items=()), config)
    assert (digest.key, [a.email for a in digest.to]) == ("digest:2026-10-07", ["maya@lindqvist.studio"])
    sent = OutboxEntry(key=digest.key, rule="digest", thread_id=None, contact=None, at=at(7, 8), status="sent")
    assert plan(Snapshot(now=at(7, 18), items=(), outbox=(sent,)), config) == []


def test_feedback_waits_hours_after_the_call_and_gives_up_after_days() -> None:
    config = parse_config({"identity": {"name": "Maya", "addresses": ["maya@lindqvist.studio"],
                                        "timezone": "Europe/Berlin"},
                           "rules": {"follow_up": {"mode": "off"}, "agenda": {"mode": "off"}, "digest": {"mode": "off"},
                                     "feedback_request": {"mode": "send", "hours_after": 20, "within_days": 3}}})
    start = at(6, 10)  # Tuesday 10:00; the call is taken to last an hour
    confirmed = [meeting(1, 1, "proposed", start, at(5, 11)), meeting(2, 1, "accepted", start, at(5, 13))]
    assert plan(meeting_snapshot(confirmed, at(7, 6)), config) == []  # 19 hours after the end
    assert [p.rule for p in plan(meeting_snapshot(confirmed, at(7, 10)), config)] == ["feedback_request"]
    assert plan(meeting_snapshot(confirmed, at(9, 11)), config) == []  # more than 3 days after the start


def test_lookback_days_widens_the_first_run_rule() -> None:
    item = promise(1, 1, "tom@x")  # written Fri 2 Oct
    connected = {"work": at(5, 9)}
    base = snapshot([item])
    for lookback, wanted in ((0, []), (7, [None])):
        config = parse_config({"identity": {"name": "Maya", "addresses": ["maya@lindqvist.studio"],
                                            "timezone": "Europe/Berlin"},
                               "rules": {"lookback_days": lookback, "follow_up": {"mode": "send", "after_days": 3}}})
        snap = Snapshot(now=base.now, items=base.items, threads=base.threads, connected_at=connected)
        assert [p.held for p in plan(snap, config) if p.rule == "follow_up"] == wanted, lookback
