"""The ledger's translation from a message's sender/recipient to the user's me/them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mailflow import db as store
from mailflow.ledger import counterpart, debtor, examine, fingerprint, redetect, response_times
from mailflow.records import Address, Message, RawMessage

ME = "maya@lindqvist.studio"
OWN = frozenset({ME})
T0 = datetime(2026, 11, 18, 10, 0, tzinfo=timezone(timedelta(hours=1)))


def message(text: str, *, outgoing: bool, automated: tuple[str, ...] = (), mid: str = "m@x") -> Message:
    me, client = Address("Maya", ME), Address("Jonas", "jonas@brightline.example")
    return Message(message_id=mid, in_reply_to=None, references=(), from_addr=me if outgoing else client,
                   to=(Address("", ME), client) if outgoing else (me,), cc=(), reply_to=(), date=T0,
                   subject="Quote", direction="outgoing" if outgoing else "incoming", automated=automated,
                   list_id=None, new_text=text, attachments=(), calendar=None, content_hash=mid, size=10)


@pytest.mark.parametrize("owner, direction, expected", [
    ("sender", "outgoing", "me"), ("recipient", "outgoing", "them"),
    ("sender", "incoming", "them"), ("recipient", "incoming", "me"),
    ("both", "incoming", "both"), ("both", "outgoing", "both"),
])
def test_debtor_is_seen_from_the_user(owner: str, direction: str, expected: str) -> None:
    assert debtor(owner, direction) == expected


def test_counterpart_skips_the_users_own_addresses() -> None:
    assert counterpart(message("x", outgoing=True), OWN) == "jonas@brightline.example"
    assert counterpart(message("x", outgoing=False), OWN) == "jonas@brightline.example"


def test_fingerprint_ignores_case_and_spacing_but_not_kind() -> None:
    assert fingerprint("promise", "I'll send it  Friday.") == fingerprint("promise", "i'll send it friday.")
    assert fingerprint("promise", "x") != fingerprint("request", "x")


def test_examine_places_items_in_the_ledger_and_ignores_automated_mail() -> None:
    found = examine(message("I'll send the revised quote by Thursday.", outgoing=True), OWN)
    [item] = found.items
    assert (item.kind, item.owner, item.debtor, item.contact) == ("promise", "sender", "me",
                                                                  "jonas@brightline.example")
    assert item.due == datetime(2026, 11, 19, 17, 30, tzinfo=timezone(timedelta(hours=1)))
    assert examine(message("I'll send the quote by Thursday.", outgoing=False, automated=("list-id",)), OWN) is None


def test_two_promises_of_one_sentence_are_stored_apart_and_the_first_keeps_the_plain_key() -> None:
    text = "I'll send a first draft tomorrow by 2 and the final PDF on Sunday evening."
    found = examine(message(text, outgoing=True), OWN)
    assert [(i.kind, i.due.isoformat()) for i in found.items] == [
        ("promise", "2026-11-19T14:00:00+01:00"), ("promise", "2026-11-22T18:00:00+01:00")]
    assert found.items[0].fingerprint == fingerprint("promise", text)
    assert found.items[1].fingerprint == fingerprint("promise", text, 1) != found.items[0].fingerprint
    db = store.open_db(":memory:")
    store.ensure_account(db, "work")
    batch = [(RawMessage("Sent", None, (), 10, b"", (), ()), message(text, outgoing=True))]
    store.store_batch(db, "work", batch, OWN, findings=[found])
    assert [r["due"] for r in store.item_rows(db)] == ["2026-11-19T14:00:00+01:00", "2026-11-22T18:00:00+01:00"]
    assert redetect(db, OWN) == {"messages": 1, "added": 0, "updated": 2, "removed": 0, "kept": 0}


def test_sentences_that_differ_only_in_case_still_share_one_key() -> None:
    found = examine(message("I'll send the quote by Thursday.\n\ni'll send the quote by thursday.", outgoing=True), OWN)
    assert len({item.fingerprint for item in found.items}) == 1


def test_redetect_keeps_what_the_user_set_by_hand() -> None:
    db = store.open_db(":memory:")
    store.ensure_account(db, "work")
    texts = ["I'll send the revised quote by Thursday.", "Could you send me the logo files by Monday?"]
    batch = [(RawMessage("INBOX", None, (), 10, b"", (), ()), message(t, outgoing=False, mid=f"{i}@x"))
             for i, t in enumerate(texts)]
    store.store_batch(db, "work", batch, OWN, findings=[examine(m, OWN) for _r, m in batch])
    rows = store.item_rows(db)
    assert [(r["kind"], r["debtor"]) for r in rows] == [("promise", "them"), ("request", "me")]
    # The user dismissed the promise; then the stored text changes so it is no longer detected.
    promise_id = next(r["id"] for r in rows if r["kind"] == "promise")
    db.execute("UPDATE items SET status = 'cancelled', set_by_user = 1 WHERE id = ?", [promise_id])
    db.execute("UPDATE messages SET new_text = 'Thanks!' WHERE message_id = '0@x'")
    db.execute("UPDATE messages SET new_text = 'Nothing to see.' WHERE message_id = '1@x'")
    counts = redetect(db, OWN)
    assert counts == {"messages": 2, "added": 0, "updated": 0, "removed": 1, "kept": 1}
    [kept] = store.item_rows(db, status=None)
    assert (kept["id"], kept["status"]) == (promise_id, "cancelled")
    # Detected again: the same row, with the user's status, not a duplicate.
    db.execute("UPDATE messages SET new_text = ? WHERE message_id = '0@x'", [texts[0]])
    assert redetect(db, OWN)["updated"] == 1
    assert [(r["id"], r["status"]) for r in store.item_rows(db, status=None)] == [(promise_id, "cancelled")]
    assert response_times(db) == []


def _ledger_db():
    db = store.open_db(":memory:")
    store.ensure_account(db, "work")
    return db


def _store(db, *messages: Message) -> None:
    batch = [(RawMessage("Sent" if m.direction == "outgoing" else "INBOX", None, (), 10, b"", (), ()), m)
             for m in messages]
    store.store_batch(db, "work", batch, OWN, findings=[examine(m, OWN) for _r, m in batch])


def _reply(text: str, *, outgoing: bool, mid: str, parent: str, hours: int, attachments=()) -> Message:
    base = message(text, outgoing=outgoing, mid=mid)
    return Message(**{**base.__dict__, "in_reply_to": parent, "references": (parent,),
                      "date": T0 + timedelta(hours=hours), "subject": "Re: Quote", "attachments": attachments})


def _statuses(db) -> dict[str, tuple[str, str | None]]:
    return {r["sentence"]: (r["status"], r["status_reason"]) for r in store.item_rows(db)}


def test_a_reply_closes_a_request_but_not_a_promise() -> None:
    from mailflow.ledger import settle
    from mailflow.records import Attachment

    db = _ledger_db()
    _store(db, message("Could you send me the logo files by Monday? I'll send the quote by Friday.",
                       outgoing=True, mid="q@x"),
           _reply("Got it, thanks.", outgoing=False, mid="r@x", parent="q@x", hours=2))
    settle(db, T0 + timedelta(days=1))
    assert _statuses(db) == {"Could you send me the logo files by Monday?": ("done", "they replied"),
                             "I'll send the quote by Friday.": ("open", None)}
    _store(db, _reply("Here it is.", outgoing=True, mid="d@x", parent="r@x", hours=30,
                      attachments=(Attachment("quote.pdf", "application/pdf", 1000),)))
    settle(db, T0 + timedelta(days=3))
    assert _statuses(db)["I'll send the quote by Friday."] == ("done", "delivered")
    [promise] = [r for r in store.item_rows(db, status=None) if r["kind"] == "promise"]
    assert promise["status_at"] == "2026-11-19T15:00:00Z"  # when the quote went out: kept on time


def test_a_reply_from_the_same_address_outside_the_thread_counts() -> None:
    from mailflow.ledger import settle

    db = _ledger_db()
    _store(db, message("Could you send me the logo files by Monday?", outgoing=True, mid="q@x"))
    elsewhere = message("Quick question about the invoice.", outgoing=False, mid="other@x")
    _store(db, Message(**{**elsewhere.__dict__, "subject": "Invoice", "date": T0 + timedelta(hours=5)}))
    settle(db, T0 + timedelta(days=1))
    assert _statuses(db)["Could you send me the logo files by Monday?"] == ("done", "they replied")


def test_an_auto_reply_closes_nothing_and_the_future_is_not_settled() -> None:
    from mailflow.ledger import open_items, settle

    db = _ledger_db()
    _store(db, message("Could you send me the logo files by Monday?", outgoing=True, mid="q@x"))
    ooo = _reply("I am out of office until Monday.", outgoing=False, mid="ooo@x", parent="q@x", hours=1)
    _store(db, Message(**{**ooo.__dict__, "automated": ("out-of-office",)}))
    settle(db, T0 + timedelta(days=1))
    assert _statuses(db)["Could you send me the logo files by Monday?"] == ("open", None)
    # A preview of a moment after the due date marks it overdue without writing anything.
    [row] = open_items(db, datetime(2027, 1, 4, tzinfo=timezone.utc), overdue=True)
    assert row["overdue"]


def test_what_the_user_set_by_hand_is_never_undone(monkeypatch: pytest.MonkeyPatch) -> None:
    from mailflow.errors import UsageError
    from mailflow.ledger import mark, settle

    db = _ledger_db()
    _store(db, message("Could you send me the logo files by Monday?", outgoing=True, mid="q@x"))
    [item] = store.item_rows(db)
    row = mark(db, item["id"], "snooze", T0, until="2026-11-25T09:00:00+01:00")
    assert (row["status"], row["snoozed_until"]) == ("snoozed", "2026-11-25T08:00:00Z")
    settle(db, datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc))
    assert store.item_rows(db)[0]["status"] == "open"  # woken
    mark(db, item["id"], "dismiss", T0)
    _store(db, _reply("Sure.", outgoing=False, mid="r@x", parent="q@x", hours=2))
    settle(db, T0 + timedelta(days=1))
    assert store.item_rows(db, status=None)[0]["status_reason"] == "dismissed by you"
    with pytest.raises(UsageError, match="no item #999"):
        mark(db, 999, "done", T0)
    with pytest.raises(UsageError, match="cannot read"):
        mark(db, item["id"], "snooze", T0, until="someday maybe")


def test_a_woken_snooze_is_closed_by_a_later_reply() -> None:
    from mailflow.ledger import mark, settle

    db = _ledger_db()
    _store(db, message("Could you send me the logo files by Monday?", outgoing=True, mid="q@x"))
    [item] = store.item_rows(db)
    mark(db, item["id"], "snooze", T0, until="2026-11-20T09:00:00+01:00")
    settle(db, datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc))
    _store(db, _reply("Here you go.", outgoing=False, mid="r@x", parent="q@x", hours=60))
    settle(db, datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc))
    assert store.item_rows(db, status=None)[0]["status_reason"] == "they replied"


def test_outbox_claims_are_exclusive() -> None:
    db = _ledger_db()
    store.add_to_outbox(db, key="k", rule="follow_up", mode="send", account="work", item_id=None, thread_id=None,
                        contact="c@x", recipients=["c@x"], subject="s", message_id="<m@x>", reason="r", quote=None,
                        planned_at=T0, status="pending", status_reason=None, raw=b"x")
    [row] = store.outbox_entries(db)
    assert store.claim_outbox(db, row["id"], 0, "sending")
    assert not store.claim_outbox(db, row["id"], 0, "sending")  # a second process finds it taken


def test_meetings_close_when_held_moved_and_old_items_expire() -> None:
    from mailflow.ledger import settle

    db = _ledger_db()
    _store(db, message("Let's talk Friday at 3pm.", outgoing=True, mid="a@x"),
           _reply("Friday at 3pm works, talk then!", outgoing=False, mid="b@x", parent="a@x", hours=1))
    settle(db, datetime(2026, 11, 20, 16, 30, tzinfo=timezone.utc))  # an hour after it started
    assert {r["status_reason"] for r in store.item_rows(db, status=None) if r["kind"] == "meeting"} == {"took place"}

    db = _ledger_db()
    _store(db, message("Let's talk Friday at 3pm.", outgoing=True, mid="a@x"),
           _reply("Can we move our call to Monday at 10?", outgoing=False, mid="b@x", parent="a@x", hours=2))
    settle(db, T0 + timedelta(hours=3))
    friday = next(r for r in store.item_rows(db, status=None) if r["sentence"].startswith("Let's talk"))
    assert (friday["status"], friday["status_reason"]) == ("cancelled", "moved")

    db = _ledger_db()
    _store(db, message("Could you send me the logo files?", outgoing=True, mid="a@x"))
    settle(db, T0 + timedelta(days=59))
    assert store.item_rows(db)[0]["status"] == "open"
    settle(db, T0 + timedelta(days=61))
    assert store.item_rows(db, status=None)[0]["status_reason"] == "no news for 60 days"


def test_a_promise_is_kept_by_saying_it_is_done_and_a_get_back_by_any_reply() -> None:
    from mailflow.ledger import settle

    db = _ledger_db()
    _store(db, message("I'll update the staging site by Friday. Let me check with the designer and get back to you.",
                       outgoing=True, mid="p@x"),
           _reply("Great, thanks!", outgoing=False, mid="r@x", parent="p@x", hours=1))
    settle(db, T0 + timedelta(hours=2))
    statuses = _statuses(db)
    assert statuses["I'll update the staging site by Friday."] == ("open", None)
    assert statuses["Let me check with the designer and get back to you."][0] == "open"
    _store(db, _reply("The staging site is updated. The designer is fine with the colours.", outgoing=True,
                      mid="d@x", parent="r@x", hours=26))
    settle(db, T0 + timedelta(days=2))
    statuses = _statuses(db)
    assert statuses["I'll update the staging site by Friday."] == ("done", "delivered")
    assert statuses["Let me check with the designer and get back to you."][0] == "done"


def test_list_addresses_are_the_ones_the_list_id_names_and_out_of_office_is_no_list() -> None:
    db = _ledger_db()
    base = message("Thanks, that helps.", outgoing=False, mid="l1@x")
    on_list = Message(**{**base.__dict__, "list_id": "design-discuss.lists.example.org",
                         "to": (Address("Jonas", "jonas@brightline.example"),),
                         "cc": (Address("", "design-discuss@lists.example.org"),), "automated": ("list-id",)})
    away = Message(**{**message("I am out of the office until Monday.", outgoing=False, mid="o1@x").__dict__,
                      "automated": ("precedence:bulk", "out-of-office"), "subject": "Out of office"})
    _store(db, on_list, away)
    assert store.list_addresses(db) == {"design-discuss@lists.example.org"}
    threads = {d["id"]: d["list_mail"] for d in store.thread_details(db, [1, 2])}
    assert sorted(threads.values()) == [False, True]


def test_held_threads_count_the_clients_items_only_and_survive_a_missing_date() -> None:
    db = _ledger_db()
    undated = Message(**{**message("Could you send the logo? I'll send the quote by Friday.", outgoing=True,
                                   mid="u@x").__dict__, "date": None})
    _store(db, undated)
    rows = {r["kind"]: r for r in store.item_rows(db)}
    store.set_item_status(db, rows["promise"]["id"], "done", reason="marked done by you", now=T0)
    assert store.handled_threads(db, T0) == {}  # the user's own promise says nothing about the client
    store.set_item_status(db, rows["request"]["id"], "cancelled", reason="dismissed by you", now=T0)
    [(thread, when)] = store.handled_threads(db, T0).items()
    assert datetime.fromisoformat(when.replace("Z", "+00:00")) is not None
