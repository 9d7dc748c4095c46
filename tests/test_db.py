"""The store, in memory: whole rows, threading, reply latency, atomic batches."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mailflow import db as store
from mailflow.records import Address, Attachment, Message, RawMessage

ME = "maya@lindqvist.studio"
OWN = frozenset({ME})
CET = timezone(timedelta(hours=1))
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=CET)


def msg(mid: str | None, *, sender: str = "jonas@brightline.example", to: str = ME, subject: str = "Rebrand",
        at: datetime = T0, reply_to: str | None = None, refs: tuple[str, ...] = (), automated: tuple[str, ...] = (),
        text: str = "Hello", name: str = "Jonas Weber") -> tuple[RawMessage, Message]:
    message = Message(
        message_id=mid, in_reply_to=reply_to, references=refs or ((reply_to,) if reply_to else ()),
        from_addr=Address(name if sender != ME else "Maya", sender), to=(Address("", to),), cc=(), reply_to=(),
        date=at, subject=subject, direction="outgoing" if sender == ME else "incoming", automated=automated,
        list_id=None, new_text=text, attachments=(), calendar=None, content_hash=f"h-{mid}-{subject}", size=100)
    raw = RawMessage(folder="Sent" if sender == ME else "INBOX", uid=None, flags=("\\Seen",), size=100, header=b"",
                     parts=(), attachments=())
    return raw, message


@pytest.fixture
def db():
    database = store.open_db(":memory:")
    store.ensure_account(database, "work", now=datetime(2026, 10, 1, tzinfo=timezone.utc))
    yield database
    database.close()


def test_a_stored_message_is_the_whole_record(db) -> None:
    raw, message = msg("a@x", text="I'll send the quote by Friday.")
    message = Message(**{**message.__dict__, "attachments": (Attachment("quote.pdf", "application/pdf", 1200),),
                         "errors": ("bad date",)})
    raw = RawMessage(**{**raw.__dict__, "uid": 7, "error": "no BODYSTRUCTURE"})
    result = store.store_batch(db, "work", [(raw, message)], OWN, folder_state=("INBOX", "inbox", 42, 7))
    [row] = store.messages(db)
    assert result.row_ids == (row["id"],)
    row.pop("synced_at")
    assert row == {
        "id": row["id"], "account": "work", "dedup_key": "mid:a@x", "message_id": "a@x", "in_reply_to": None,
        "refs": "[]", "folder": "INBOX", "uid": 7, "uidvalidity": 42, "flags": '["\\\\Seen"]',
        "from_addr": "jonas@brightline.example", "from_name": "Jonas Weber",
        "to_addrs": '[{"name": "", "email": "maya@lindqvist.studio"}]', "cc_addrs": "[]", "reply_to": "[]",
        "date": "2026-11-02T09:00:00+01:00", "date_utc": "2026-11-02T08:00:00Z", "subject": "Rebrand",
        "direction": "incoming", "automated": "[]", "list_id": None, "new_text": "I'll send the quote by Friday.",
        "calendar": None, "attachments": '[{"filename": "quote.pdf", "content_type": "application/pdf", "size": 1200}]',
        "size": 100, "error": "no BODYSTRUCTURE; bad date", "thread_id": row["thread_id"], "answers_id": None,
        "latency_seconds": None,
    }
    assert store.folder_state(db, "work", "INBOX") == store.FolderState(42, 7)
    [thread] = store.thread_summaries(db)
    assert {k: thread[k] for k in ("subject", "message_count", "contacts", "first_at", "last_at")} == {
        "subject": "Rebrand", "message_count": 1, "contacts": ["jonas@brightline.example"],
        "first_at": "2026-11-02T08:00:00Z", "last_at": "2026-11-02T08:00:00Z"}


def test_duplicates_by_message_id_or_content_hash_are_ignored(db) -> None:
    first = store.store_batch(db, "work", [msg("a@x"), msg(None, subject="No id")], OWN)
    again = store.store_batch(db, "work", [msg("a@x"), msg(None, subject="No id"), msg("b@x")], OWN)
    assert len(first.inserted) == 2
    assert again.duplicates == 2 and len(again.inserted) == 1
    assert store.message_count(db) == 3


def test_reply_latency_both_ways_even_when_the_reply_is_synced_first(db) -> None:
    question = msg("q@x", at=T0)
    answer = msg("a@x", sender=ME, to="jonas@brightline.example", subject="Re: Rebrand", reply_to="q@x",
                 at=T0 + timedelta(hours=5))
    store.store_batch(db, "work", [answer], OWN)  # Sent synced before INBOX
    store.store_batch(db, "work", [question], OWN)
    rows = {r["message_id"]: r for r in store.messages(db)}
    assert rows["a@x"]["answers_id"] == rows["q@x"]["id"]
    assert rows["a@x"]["latency_seconds"] == 5 * 3600
    assert rows["a@x"]["thread_id"] == rows["q@x"]["thread_id"]
    assert len(store.thread_summaries(db)) == 1
    [latency] = store.reply_latencies(db)
    assert (latency["direction"], latency["contact"], latency["latency_seconds"]) == \
        ("outgoing", "jonas@brightline.example", 18000)


def test_references_without_in_reply_to_still_find_the_parent(db) -> None:
    store.store_batch(db, "work", [msg("root@x"), msg("mid@x", sender=ME, to="jonas@brightline.example",
                                                      reply_to="root@x", at=T0 + timedelta(hours=1))], OWN)
    _, child = msg("leaf@x", at=T0 + timedelta(hours=3), subject="Re: Rebrand")
    child = Message(**{**child.__dict__, "references": ("root@x", "mid@x")})
    store.store_batch(db, "work", [(msg("leaf@x")[0], child)], OWN)
    rows = {r["message_id"]: r for r in store.messages(db)}
    assert rows["leaf@x"]["answers_id"] == rows["mid@x"]["id"]
    assert rows["leaf@x"]["latency_seconds"] == 2 * 3600


def test_subject_fallback_joins_the_same_correspondent_only(db) -> None:
    store.store_batch(db, "work", [msg("1@x", subject="Invoice 42")], OWN)
    store.store_batch(db, "work", [msg("2@x", subject="RE: invoice 42", at=T0 + timedelta(days=1))], OWN)
    store.store_batch(db, "work", [msg("3@x", subject="Re: Invoice 42", sender="priya@kettle.example",
                                       at=T0 + timedelta(days=1))], OWN)
    store.store_batch(db, "work", [msg("4@x", subject="Invoice 42", at=T0 + timedelta(days=200))], OWN)
    rows = {r["message_id"]: r["thread_id"] for r in store.messages(db)}
    assert rows["1@x"] == rows["2@x"]
    assert rows["3@x"] != rows["1@x"]  # another client, same subject
    assert rows["4@x"] != rows["1@x"]  # same client, months later


def test_a_message_linking_two_threads_merges_them(db) -> None:
    store.store_batch(db, "work", [msg("a@x", subject="One"), msg("b@x", subject="Two", sender="priya@kettle.example")],
                      OWN)
    _, bridge = msg("c@x", sender=ME, subject="Both", to="jonas@brightline.example")
    bridge = Message(**{**bridge.__dict__, "references": ("a@x", "b@x"), "in_reply_to": "b@x"})
    store.store_batch(db, "work", [(msg("c@x", sender=ME)[0], bridge)], OWN)
    [thread] = store.thread_summaries(db)
    assert thread["message_count"] == 3 and thread["subject"] == "One"
    assert thread["contacts"] == ["jonas@brightline.example", "priya@kettle.example"]


def test_contacts_count_both_directions_and_skip_automated_mail(db) -> None:
    store.store_batch(db, "work", [
        msg("1@x"), msg("2@x", sender=ME, to="jonas@brightline.example", at=T0 + timedelta(hours=1)),
        msg("3@x", sender="news@list.example", automated=("list-id",)),
    ], OWN)
    assert [(c["address"], c["name"], c["messages_from"], c["messages_to"]) for c in store.contacts(db)] == [
        ("jonas@brightline.example", "Jonas Weber", 1, 1)]


def test_a_failed_batch_leaves_no_message_and_no_folder_state(db) -> None:
    store.store_batch(db, "work", [msg("1@x")], OWN, folder_state=("INBOX", "inbox", 9, 1))
    raw, bad = msg("2@x")
    bad = Message(**{**bad.__dict__, "direction": "sideways"})  # violates the CHECK constraint
    with pytest.raises(sqlite3.IntegrityError):
        store.store_batch(db, "work", [msg("3@x"), (raw, bad)], OWN, folder_state=("INBOX", "inbox", 9, 3))
    assert store.message_count(db) == 1
    assert store.folder_state(db, "work", "INBOX") == store.FolderState(9, 1)


def test_database_file_is_private_and_migrated_once(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "mf.db"
    database = store.open_db(path)
    assert store.schema_version(database) == len(store.MIGRATIONS)
    database.close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = store.open_db(path)  # a second open must not re-run migration 1
    assert store.schema_version(again) == len(store.MIGRATIONS)
    assert set(again.table_names()) >= {"accounts", "folders", "threads", "messages", "contacts", "events"}
    again.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mf.db"
    store.open_db(path).execute(f"PRAGMA user_version = {len(store.MIGRATIONS) + 1}")
    with pytest.raises(Exception, match="newer mailflow"):
        store.open_db(path)


def test_subject_fallback_window_holds_inside_one_batch(db) -> None:
    store.store_batch(db, "work", [msg("1@x", subject="Invoice 7"),
                                   msg("2@x", subject="Invoice 7", at=T0 + timedelta(days=200)),
                                   msg("3@x", subject="Re: Invoice 7", at=T0 + timedelta(days=201))], OWN)
    rows = {r["message_id"]: r["thread_id"] for r in store.messages(db)}
    assert rows["1@x"] != rows["2@x"] and rows["2@x"] == rows["3@x"]
    counts = sorted(t["message_count"] for t in store.thread_summaries(db))
    assert counts == [1, 2]


def test_replies_link_to_their_parents_in_either_order_within_one_batch(db) -> None:
    store.store_batch(db, "work", [
        msg("q1@x", at=T0),
        msg("a1@x", sender=ME, to="jonas@brightline.example", reply_to="q1@x", at=T0 + timedelta(hours=2)),
        msg("a2@x", sender=ME, to="jonas@brightline.example", reply_to="q2@x", at=T0 + timedelta(hours=7)),
        msg("q2@x", subject="Other", at=T0 + timedelta(hours=4)),
        msg("self@x", subject="Loop", reply_to="self@x"),
    ], OWN)
    rows = {r["message_id"]: r for r in store.messages(db)}
    assert (rows["a1@x"]["answers_id"], rows["a1@x"]["latency_seconds"]) == (rows["q1@x"]["id"], 2 * 3600)
    assert (rows["a2@x"]["answers_id"], rows["a2@x"]["latency_seconds"]) == (rows["q2@x"]["id"], 3 * 3600)
    assert rows["self@x"]["answers_id"] is None and rows["q1@x"]["answers_id"] is None


def test_a_merge_inside_a_batch_moves_the_items_of_messages_already_in_it(db) -> None:
    from mailflow.records import Findings, NewItem

    def asking(sentence: str) -> Findings:
        return Findings((NewItem(sentence, "request", "sender", "them", "jonas@brightline.example", sentence, None,
                                 None, None),), (), "test")

    _, bridge = msg("c@x", sender=ME, subject="Both", to="jonas@brightline.example", at=T0 + timedelta(hours=2))
    bridge = Message(**{**bridge.__dict__, "references": ("a@x", "b@x"), "in_reply_to": "b@x"})
    batch = [msg("a@x", subject="One"), msg("b@x", subject="Two", sender="priya@kettle.example"),
             (msg("c@x")[0], bridge), msg("d@x", subject="Three", sender="omar@halden.example")]
    store.store_batch(db, "work", batch, OWN, findings=[asking("a?"), asking("b?"), None, asking("d?")])
    threads = {r["message_id"]: r["thread_id"] for r in store.messages(db)}
    assert threads["a@x"] == threads["b@x"] == threads["c@x"] != threads["d@x"]
    items = {r["sentence"]: r["thread_id"] for r in store.item_rows(db)}
    assert items == {"a?": threads["a@x"], "b?": threads["a@x"], "d?": threads["d@x"]}
    assert sorted((t["id"], t["message_count"]) for t in store.thread_summaries(db)) == sorted(
        [(threads["a@x"], 3), (threads["d@x"], 1)])
