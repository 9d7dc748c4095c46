"""Per-contact response times, promises kept and red flags, judged at a given moment."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlite_utils

from mailflow import db as store
from mailflow import demo
from mailflow.config import Identity
from mailflow.ledger import examine, mark, settle
from mailflow.records import Address, Attachment, Message, RawMessage
from mailflow.stats import ContactStats, Latency, contact_stats, is_proposal, median, p90, stats_to_json

ME = "maya@lindqvist.studio"
OWN = frozenset({ME})
IDENTITY = Identity(name="Maya", addresses=(ME,), timezone="UTC")  # Mon-Fri, 09:00-17:30
ANA = "ana@client.example"
BEN = "ben@other.example"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)  # a Friday


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=timezone.utc)  # 2 Nov 2026 is a Monday


def mail(mid: str, contact: str, when: datetime, text: str, *, outgoing: bool, parent: str | None = None,
         attachment: str | None = None, subject: str = "Project") -> Message:
    me, them = Address("Maya", ME), Address("", contact)
    return Message(message_id=mid, in_reply_to=parent, references=(parent,) if parent else (),
                   from_addr=me if outgoing else them, to=(them,) if outgoing else (me,), cc=(), reply_to=(),
                   date=when, subject=f"Re: {subject}" if parent else subject,
                   direction="outgoing" if outgoing else "incoming", automated=(), list_id=None, new_text=text,
                   attachments=(Attachment(attachment, "application/pdf", 1000),) if attachment else (),
                   calendar=None, content_hash=mid, size=10)


CONVERSATIONS = (
    # Ana keeps her promise, Maya keeps hers and sends a proposal that goes unanswered.
    mail("a1@x", ANA, at(2, 10), "Could you send us a proposal for the new website by Friday? "
         "I'll send the brand guidelines by Wednesday.", outgoing=False),
    mail("a2@x", ANA, at(2, 14), "Sure, I'll send the proposal by Friday.", outgoing=True, parent="a1@x"),
    mail("a3@x", ANA, at(3, 16), "Here are the brand guidelines.", outgoing=False, parent="a2@x",
         attachment="guidelines.pdf"),
    mail("a4@x", ANA, at(6, 11), "Attached is my proposal for the new website. Let me know what you think!",
         outgoing=True, parent="a3@x", attachment="website.pdf"),
    # Ben delivers late and then owes something again; Maya owes him an invoice.
    mail("b1@x", BEN, at(9, 9, 30), "I'll send the signed contract by Tuesday.", outgoing=False,
         subject="Contract"),
    mail("b2@x", BEN, at(9, 10), "Thanks Ben, could you also send the photos by Friday?", outgoing=True,
         parent="b1@x", subject="Contract"),
    mail("b3@x", BEN, at(12, 12), "Here is the signed contract, sorry for the delay. "
         "I'll send the logo files by Monday.", outgoing=False, parent="b2@x", attachment="contract.pdf",
         subject="Contract"),
    mail("b4@x", BEN, at(12, 13), "Thanks! I'll send the invoice by Monday.", outgoing=True, parent="b3@x",
         subject="Contract"),
)

ANA_STATS = ContactStats(
    contact=ANA,
    theirs=Latency(count=1, median_hours=26.0, p90_hours=26.0, median_work_hours=10.5, p90_work_hours=10.5),
    # 4 h on Monday afternoon; 67 h from Tuesday 16:00 to Friday 11:00, 20.5 of them working hours.
    mine=Latency(count=2, median_hours=35.5, p90_hours=67.0, median_work_hours=12.25, p90_work_hours=20.5),
    their_promises_kept=1, their_promises_due=1, my_promises_kept=1, my_promises_due=1,
    overdue_theirs=0, overdue_mine=0, last_from_them=at(3, 16), last_to_them=at(6, 11),
    red_flags=("proposal sent Fri 6 Nov with no reply for 9 working days",
               "gone quiet: nothing from them since Tue 3 Nov (12 working days), "
               "with your message of Fri 6 Nov unanswered and 1 open item"))

BEN_STATS = ContactStats(
    contact=BEN,
    theirs=Latency(count=1, median_hours=74.0, p90_hours=74.0, median_work_hours=27.5, p90_work_hours=27.5),
    mine=Latency(count=2, median_hours=0.75, p90_hours=1.0, median_work_hours=0.75, p90_work_hours=1.0),
    their_promises_kept=0, their_promises_due=2, my_promises_kept=0, my_promises_due=1,
    overdue_theirs=1, overdue_mine=1, last_from_them=at(12, 12), last_to_them=at(12, 13),
    red_flags=("missed 2 of 2 promised deadlines, the latest due Mon 16 Nov",))


@pytest.fixture
def ledger() -> sqlite_utils.Database:
    db = store.open_db(":memory:")
    store.ensure_account(db, "work", now=at(1, 0))
    batch = [(RawMessage("Sent" if m.direction == "outgoing" else "INBOX", None, (), 10, b"", (), ()), m)
             for m in CONVERSATIONS]
    store.store_batch(db, "work", batch, OWN, findings=[examine(m, OWN) for _raw, m in batch])
    settle(db, NOW)  # as a sync does
    return db


def test_each_contact_is_measured_and_the_most_recent_comes_first(ledger: sqlite_utils.Database) -> None:
    assert contact_stats(ledger, IDENTITY, NOW) == [BEN_STATS, ANA_STATS]


def test_one_contact_by_address_in_any_case(ledger: sqlite_utils.Database) -> None:
    assert contact_stats(ledger, IDENTITY, NOW, contact="Ben@Other.example") == [BEN_STATS]
    assert contact_stats(ledger, IDENTITY, NOW, contact="nobody@example.org") == []


@pytest.mark.parametrize("now, flags", [
    (at(12, 18), ()),  # Mon to Thu: 4 working days
    (at(13, 17, 30), ("proposal sent Fri 6 Nov with no reply for 5 working days",)),
])
def test_a_proposal_is_flagged_after_five_working_days(ledger: sqlite_utils.Database, now: datetime,
                                                       flags: tuple[str, ...]) -> None:
    [ana] = contact_stats(ledger, IDENTITY, now, contact=ANA)
    assert ana.red_flags == flags


def test_the_thresholds_are_settings(ledger: sqlite_utils.Database) -> None:
    [ben] = contact_stats(ledger, IDENTITY, NOW, contact=BEN, quiet_days=5)
    assert ben.red_flags[-1] == ("gone quiet: nothing from them since Thu 12 Nov (5 working days), "
                                 "with your message of Thu 12 Nov unanswered and 2 open items")
    [ana] = contact_stats(ledger, IDENTITY, NOW, contact=ANA, proposal_days=10)
    assert [f for f in ana.red_flags if f.startswith("proposal")] == []


def test_silence_counts_only_from_someone_who_wrote_and_left_something_open(
        ledger: sqlite_utils.Database) -> None:
    carl, dora = "carl@colleague.example", "dora@client.example"
    later = (mail("c1@x", carl, at(2, 11), "Hi Carl, here are the files you asked for.", outgoing=True,
                  attachment="files.zip", subject="Files"),
             # A meeting booked is a next step, not a loose end.
             mail("d1@x", dora, at(2, 10), "Could we do a call on Friday 27 November at 11?", outgoing=False,
                  subject="Call"))
    batch = [(RawMessage("INBOX", None, (), 10, b"", (), ()), m) for m in later]
    store.store_batch(ledger, "work", batch, OWN, findings=[examine(m, OWN) for _raw, m in batch])
    nothing = Latency(count=0, median_hours=None, p90_hours=None, median_work_hours=None, p90_work_hours=None)
    quiet = {"their_promises_kept": 0, "their_promises_due": 0, "my_promises_kept": 0, "my_promises_due": 0,
             "overdue_theirs": 0, "overdue_mine": 0, "theirs": nothing, "mine": nothing, "red_flags": ()}
    assert contact_stats(ledger, IDENTITY, NOW)[2:] == [
        ContactStats(contact=carl, last_from_them=None, last_to_them=at(2, 11), **quiet),
        ContactStats(contact=dora, last_from_them=at(2, 10), last_to_them=None, **quiet)]


def test_a_dismissed_promise_is_due_but_no_miss(ledger: sqlite_utils.Database) -> None:
    [logos] = [r["id"] for r in store.item_rows(ledger) if r["sentence"] == "I'll send the logo files by Monday."]
    mark(ledger, logos, "dismiss", at(19, 9))
    [ben] = contact_stats(ledger, IDENTITY, NOW, contact=BEN)
    assert (ben.their_promises_kept, ben.their_promises_due, ben.overdue_theirs) == (0, 2, 0)
    assert ben.red_flags == ("missed 1 of 2 promised deadlines, the latest due Tue 10 Nov",)


def test_a_closing_after_now_has_not_happened_yet(ledger: sqlite_utils.Database) -> None:
    # On Wednesday the contract (due Tuesday, delivered Thursday) is simply overdue.
    [ben] = contact_stats(ledger, IDENTITY, at(11, 10), contact=BEN)
    assert (ben.their_promises_kept, ben.their_promises_due, ben.overdue_theirs) == (0, 1, 1)


def test_working_hours_follow_the_users_timezone(ledger: sqlite_utils.Database) -> None:
    # In New York, Ana's Monday mail (05:00) was answered at 09:00, before any working time had passed,
    # and the proposal went out on Friday at 06:00: Tuesday 11:00-17:30 and two full days.
    new_york = Identity(addresses=(ME,), timezone="America/New_York")
    [ana] = contact_stats(ledger, new_york, NOW, contact=ANA)
    assert ana.mine == Latency(count=2, median_hours=35.5, p90_hours=67.0, median_work_hours=11.75,
                               p90_work_hours=23.5)


def test_stats_as_json(ledger: sqlite_utils.Database) -> None:
    [ben] = contact_stats(ledger, IDENTITY, NOW, contact=BEN)
    assert json.loads(json.dumps(stats_to_json(ben))) == {
        "contact": BEN,
        "theirs": {"count": 1, "median_hours": 74.0, "p90_hours": 74.0, "median_work_hours": 27.5,
                   "p90_work_hours": 27.5},
        "mine": {"count": 2, "median_hours": 0.75, "p90_hours": 1.0, "median_work_hours": 0.75,
                 "p90_work_hours": 1.0},
        "their_promises_kept": 0, "their_promises_due": 2, "my_promises_kept": 0, "my_promises_due": 1,
        "overdue_theirs": 1, "overdue_mine": 1,
        "last_from_them": "2026-11-12T12:00:00+00:00", "last_to_them": "2026-11-12T13:00:00+00:00",
        "red_flags": ["missed 2 of 2 promised deadlines, the latest due Mon 16 Nov"],
    }


@pytest.mark.parametrize("subject, text, names", [
    ("Proposal: website relaunch", "Hi Tom, see below.", ()),
    ("Angebot Website", "Hallo Tom", ()),
    ("Re: Website", "Hi Tom, here it is.", ("proposal-studio-orbit.pdf",)),
    ("Re: Website", "Hi", ("Kostenvoranschlag_2026-11.pdf",)),
    ("Re: Website", "Hi", ("SOW_v2.docx",)),
    ("Re: Website", "Hi", ("ProjectEstimate.xlsx",)),
    ("Re: Website", "Hi", ("devis-site.pdf",)),
    ("Re: Website", "Hi Tom,\n\nattached is my proposal for PhysioWerk Nord.", ()),
    ("Re: Website", "Here's the quote for the landing page.", ()),
    ("Re: Website", "Please find attached our revised cost estimate.", ()),
    ("Re: Website", "Quote attached.", ()),
    ("Re: Website", "The statement of work is attached.", ()),
    ("Re: Website", "Anbei sende ich Ihnen unser Angebot.", ()),
    ("Re: Website", "Vous trouverez le devis en pièce jointe.", ()),
    ("Re: Website", "Ci-joint notre devis pour le site.", ()),
])
def test_is_proposal_finds_proposals_and_quotes(subject: str, text: str, names: tuple[str, ...]) -> None:
    assert is_proposal(subject, text, names)


@pytest.mark.parametrize("subject, text, names", [
    ("Re: Quote request", "Sure, I'll send the quote by Friday.", ()),
    ("Re: Website", "I propose we meet on Tuesday.", ()),
    ("Re: Website", "Could you send us a proposal by Friday?", ()),
    ("Re: Website", "Did you get a chance to look at the quote?", ()),
    ("Re: Website", "Attached are the mockups, and I'll send the quote next week.", ()),
    ("Re: Website", "Here are the logo files.", ("logo-files.zip", "invoice-2026-11.pdf")),
    ("Proposed agenda for Tuesday", "Here is what I would like to cover.", ()),
    ("Estimated arrival", "Here is my train: I arrive at 10.", ()),
    ("Homepage mockups", "Attached are the revised mockups.", ("brightline-homepage-v2.pdf",)),
])
def test_is_proposal_ignores_other_mail(subject: str, text: str, names: tuple[str, ...]) -> None:
    assert not is_proposal(subject, text, names)


@pytest.mark.parametrize("values, expected", [
    ([], None), ([5.0], 5.0), ([3.0, 1.0, 2.0], 2.0), ([4.0, 1.0, 3.0, 2.0], 2.5),
])
def test_median(values: list[float], expected: float | None) -> None:
    assert median(values) == expected


@pytest.mark.parametrize("values, expected", [
    ([], None), ([7.0], 7.0), ([2.0, 1.0], 2.0),
    ([float(v) for v in range(10, 0, -1)], 9.0),  # rank 9 of 10: an observed value, not interpolated
    ([float(v) for v in range(1, 12)], 10.0),  # rank ceil(9.9) = 10, not 9
])
def test_p90_is_nearest_rank(values: list[float], expected: float | None) -> None:
    assert p90(values) == expected


def test_the_demo_mailbox(tmp_path: Path) -> None:
    demo.run_demo(tmp_path / "d.db")
    db = store.open_db(tmp_path / "d.db")
    try:
        found = {s.contact: s for s in contact_stats(db, demo.DEMO_IDENTITY, demo.DEMO_NOW)}
    finally:
        db.close()
    assert "proposal sent Fri 6 Nov with no reply for 9 working days" in found["tom@studio-orbit.example"].red_flags
    assert found["priya@kettle-and-co.example"].overdue_theirs == 1
    jonas = found["jonas@brightline.example"].theirs
    assert (jonas.count, round(jonas.median_hours, 1)) == (3, 1.1)
