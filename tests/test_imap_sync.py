"""Sync against a real Dovecot: incremental, resumable, exactly once."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailflow import db as store
from mailflow.cli import cli
from mailflow.config import Config, parse_config
from mailflow.errors import AuthError, ImapError
from mailflow.imap import ImapSession
from mailflow.sync import sync
from servers import make_message

pytestmark = pytest.mark.integration

ME = "maya@lindqvist.studio"
CLIENT = "jonas@brightline.example"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone(timedelta(hours=1)))


def config_for(mailbox, tmp_path: Path, *, port: int | None = None, **account: object) -> Config:
    settings = {"imap_host": mailbox.host, "imap_port": port or mailbox.port, "imap_security": "none",
                "username": mailbox.username, "password_env": "MF_TEST_IMAP_PASSWORD", **account}
    return parse_config({"identity": {"name": "Maya", "addresses": [ME], "timezone": "Europe/Berlin"},
                         "accounts": {"work": settings}}, tmp_path / "config.toml", tmp_path / "mf.db")


@pytest.fixture
def env_password(mailbox, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MF_TEST_IMAP_PASSWORD", mailbox.password)


@pytest.fixture
def db():
    database = store.open_db(":memory:")
    yield database
    database.close()


def conversation(n: int, *, subject: str = "Brightline rebrand", start: datetime = T0) -> list[tuple[str, bytes]]:
    """n messages alternating client -> Maya -> client, each replying to the last; (folder, raw)."""
    out, previous = [], []
    for i in range(n):
        incoming = i % 2 == 0
        mid = f"<conv-{subject.replace(' ', '')}-{i}@{'brightline.example' if incoming else 'lindqvist.studio'}>"
        raw = make_message(
            sender=CLIENT if incoming else ME, to=ME if incoming else CLIENT,
            subject=("Re: " if i else "") + subject, date=start + timedelta(hours=3 * i), message_id=mid,
            in_reply_to=previous[-1] if previous else None, references=list(previous),
            body=f"Message {i} of the conversation.\n")
        out.append(("INBOX" if incoming else "Sent", raw))
        previous.append(mid)
    return out


def append_all(dovecot, mailbox, messages: list[tuple[str, bytes]]) -> None:
    for folder, raw in messages:
        dovecot.append(mailbox.username, folder, raw)


def test_sync_reads_inbox_and_sent_threads_them_and_measures_replies(dovecot, mailbox, env_password, db,
                                                                     tmp_path: Path) -> None:
    append_all(dovecot, mailbox, conversation(4))
    report = sync(db, config_for(mailbox, tmp_path))
    assert report.ok and report.new == 4
    assert {(f.folder, f.new) for f in report.folders} == {("INBOX", 2), ("Sent", 2)}
    rows = store.messages(db)
    assert [r["direction"] for r in rows] == ["incoming", "outgoing", "incoming", "outgoing"]
    assert len({r["thread_id"] for r in rows}) == 1
    assert [r["latency_seconds"] for r in rows] == [None, 3 * 3600, 3 * 3600, 3 * 3600]
    assert rows[1]["answers_id"] == rows[0]["id"]
    assert rows[0]["date"] == "2026-11-02T09:00:00+01:00" and rows[0]["date_utc"] == "2026-11-02T08:00:00Z"
    folders = {f["name"]: f for f in store.folder_rows(db)}
    assert folders["Sent"]["role"] == "sent" and folders["INBOX"]["role"] == "inbox"
    assert folders["INBOX"]["last_uid"] == 2


def test_incremental_sync_fetches_only_new_mail(dovecot, mailbox, env_password, db, tmp_path: Path,
                                                cut_proxy) -> None:
    append_all(dovecot, mailbox, conversation(40))
    proxy = cut_proxy(dovecot.host, dovecot.port)
    config = config_for(mailbox, tmp_path, port=proxy.port)
    assert sync(db, config).new == 40
    first_bytes = proxy.bytes_forwarded
    append_all(dovecot, mailbox, conversation(2, subject="Invoice"))
    before = proxy.bytes_forwarded
    report = sync(db, config)
    assert report.new == 2 and report.ok
    assert proxy.bytes_forwarded - before < first_bytes / 5
    before = proxy.bytes_forwarded
    assert sync(db, config).new == 0
    assert proxy.bytes_forwarded - before < first_bytes / 10
    assert store.message_count(db) == 42


def test_uidvalidity_reset_rescans_without_duplicates(dovecot, mailbox, env_password, db, tmp_path: Path) -> None:
    append_all(dovecot, mailbox, conversation(6))
    config = config_for(mailbox, tmp_path)
    assert sync(db, config).new == 6
    dovecot.reset_uidvalidity(mailbox.username, "INBOX")
    append_all(dovecot, mailbox, conversation(1, subject="New project"))
    report = sync(db, config)
    assert report.ok and report.new == 1
    assert store.message_count(db) == 7
    assert [e["detail"]["folder"] for e in store.events(db, "uidvalidity_changed")] == ["INBOX"]


def test_cut_connection_mid_fetch_then_next_sync_stores_each_message_once(dovecot, mailbox, env_password, db,
                                                                          tmp_path: Path, cut_proxy) -> None:
    dovecot.append_many(mailbox.username, "INBOX",
                        (make_message(sender=CLIENT, to=ME, subject=f"Batch {i}", date=T0 + timedelta(minutes=i),
                                      message_id=f"<cut-{i}@brightline.example>", body="x" * 2000 + "\n")
                         for i in range(700)))
    proxy = cut_proxy(dovecot.host, dovecot.port)
    config = config_for(mailbox, tmp_path, port=proxy.port)
    proxy.cut_after(700_000)  # well inside the fetch of 700 x 2 KB messages
    first = sync(db, config, retries=0)
    assert not first.ok and "connection lost" in first.errors[0]
    stored_after_cut = store.message_count(db)
    assert stored_after_cut < 700
    proxy.cut_after(None)
    second = sync(db, config, retries=0)
    assert second.ok
    assert store.message_count(db) == 700
    assert second.new == 700 - stored_after_cut
    ids = [r["message_id"] for r in store.messages(db)]
    assert len(ids) == len(set(ids)) == 700


def test_sync_reconnects_with_backoff_within_one_run(dovecot, mailbox, env_password, db, tmp_path: Path,
                                                     cut_proxy) -> None:
    append_all(dovecot, mailbox, conversation(300, subject="Long thread"))
    proxy = cut_proxy(dovecot.host, dovecot.port)
    proxy.cut_after(60_000, once=True)
    report = sync(db, config_for(mailbox, tmp_path, port=proxy.port), retries=3, backoff=0.01)
    assert report.ok, report.errors
    assert report.new == 300 and store.message_count(db) == 300
    assert proxy.connections >= 2


def test_broken_messages_are_stored_with_their_error(dovecot, mailbox, env_password, db, tmp_path: Path) -> None:
    broken = (b"From: Jonas <jonas@brightline.example>\r\nTo: maya@lindqvist.studio\r\n"
              b"Subject: =?utf-8?B?broken\r\nMessage-ID: <broken-1@brightline.example>\r\n"
              b"Date: not a date at all\r\nMIME-Version: 1.0\r\n"
              b"Content-Type: multipart/mixed; boundary=\"nope\"\r\n\r\nNo boundary ever appears.\r\n")
    bad_charset = (b"From: jonas@brightline.example\r\nTo: maya@lindqvist.studio\r\nSubject: charset\r\n"
                   b"Message-ID: <broken-2@brightline.example>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0100\r\n"
                   b"Content-Type: text/plain; charset=x-klingon\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                   b"SGFsbG8g!!!*\r\n")
    dovecot.append(mailbox.username, "INBOX", broken)
    dovecot.append(mailbox.username, "INBOX", bad_charset)
    append_all(dovecot, mailbox, conversation(1))
    report = sync(db, config_for(mailbox, tmp_path))
    assert report.ok and report.new == 3
    rows = {r["message_id"]: r for r in store.messages(db)}
    assert rows["broken-1@brightline.example"]["error"]
    assert rows["broken-1@brightline.example"]["date"] is None
    assert rows["broken-2@brightline.example"]["error"]
    assert rows["conv-Brightlinerebrand-0@brightline.example"]["error"] is None


def test_attachments_are_described_but_never_downloaded(dovecot, mailbox, env_password, db, tmp_path: Path,
                                                        cut_proxy) -> None:
    raw = make_message(sender=CLIENT, to=ME, subject="Assets", date=T0, message_id="<att@brightline.example>",
                       body="Here are the logo files.\n", attachment=("logos.pdf", 3_000_000))
    dovecot.append(mailbox.username, "INBOX", raw)
    proxy = cut_proxy(dovecot.host, dovecot.port)
    assert sync(db, config_for(mailbox, tmp_path, port=proxy.port)).new == 1
    assert proxy.bytes_forwarded < 100_000
    row = store.messages(db)[0]
    assert "logo files" in row["new_text"]
    [attachment] = json.loads(row["attachments"])
    assert attachment["filename"] == "logos.pdf" and attachment["content_type"] == "application/pdf"
    assert 2_900_000 < attachment["size"] < 3_100_000


def test_missing_folder_fails_alone(dovecot, mailbox, env_password, db, tmp_path: Path) -> None:
    append_all(dovecot, mailbox, conversation(2))
    report = sync(db, config_for(mailbox, tmp_path, folders=["INBOX", "Archiv", "Sent"]))
    assert [f.folder for f in report.folders] == ["INBOX", "Archiv", "Sent"]
    assert report.new == 2
    assert report.errors == ["work/Archiv: no folder named 'Archiv' on the server (it has: Archive, Drafts, "
                             "INBOX, Junk, Sent, Trash)"]


def test_wrong_password_fails_that_account_only(dovecot, mailbox, env_password, db, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    append_all(dovecot, mailbox, conversation(2))
    good = config_for(mailbox, tmp_path)
    monkeypatch.setenv("MF_WRONG", "not-the-password")
    bad = replace(good.account("work"), name="broken", password_env="MF_WRONG")
    report = sync(db, replace(good, accounts=(bad, good.account("work"))))
    assert report.new == 2
    assert list(report.account_errors) == ["broken"]
    assert "login" in report.account_errors["broken"] and "not-the-password" not in report.account_errors["broken"]
    with pytest.raises(AuthError):
        ImapSession(bad).connect()


def test_dead_server_is_an_operational_error(dovecot, mailbox, env_password, tmp_path: Path, cut_proxy) -> None:
    proxy = cut_proxy(dovecot.host, dovecot.port)
    proxy.refuse()
    with pytest.raises(ImapError):
        ImapSession(config_for(mailbox, tmp_path, port=proxy.port, timeout=5).account("work")).connect()


def test_tls_verifies_the_certificate(dovecot, mailbox, env_password, db, tmp_path: Path) -> None:
    append_all(dovecot, mailbox, conversation(1))
    trusted = config_for(mailbox, tmp_path, port=dovecot.tls_port, imap_security="tls", ca_file=dovecot.ca_file)
    assert sync(db, trusted).new == 1
    untrusted = config_for(mailbox, tmp_path, port=dovecot.tls_port, imap_security="tls")
    with pytest.raises(ImapError, match="certificate"):
        ImapSession(untrusted.account("work")).connect()


@pytest.mark.slow
def test_a_folder_of_5000_messages(dovecot, mailbox, env_password, db, tmp_path: Path) -> None:
    dovecot.write_maildir(mailbox.username, "INBOX",
                          (make_message(sender=f"client{i % 50}@example.org", to=ME, subject=f"Topic {i % 400}",
                                        date=T0 + timedelta(minutes=i), message_id=f"<bulk-{i}@example.org>",
                                        body=f"Hello Maya, note {i}.\n" * 20) for i in range(5000)))
    report = sync(db, config_for(mailbox, tmp_path))
    assert report.ok and report.new == 5000
    assert store.message_count(db) == 5000
    assert sync(db, config_for(mailbox, tmp_path)).new == 0


# --- the CLI over a real server -------------------------------------------------

def write_config(mailbox, tmp_path: Path, **extra: str) -> Path:
    lines = [f'database = "{tmp_path / "cli.db"}"', "[identity]", f'addresses = ["{ME}"]',
             'timezone = "Europe/Berlin"', "[accounts.work]", f'imap_host = "{mailbox.host}"',
             f"imap_port = {mailbox.port}", 'imap_security = "none"', f'username = "{mailbox.username}"',
             'password_env = "MF_TEST_IMAP_PASSWORD"', *(f'{k} = "{v}"' for k, v in extra.items())]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_cli_sync_status_and_check(dovecot, mailbox, env_password, tmp_path: Path) -> None:
    append_all(dovecot, mailbox, conversation(3))
    path = write_config(mailbox, tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(path), "sync"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("3 new messages in 2 folders in ")
    result = runner.invoke(cli, ["--config", str(path), "status"])
    assert "work: 3 messages in 1 threads" in result.output and "Sent [sent]: 1 messages" in result.output
    result = runner.invoke(cli, ["--config", str(path), "check"])
    assert result.exit_code == 0, result.output
    assert "sent folder" in result.output and "drafts folder" in result.output


def test_cli_wrong_password_is_one_line_and_exit_3(dovecot, mailbox, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MF_TEST_IMAP_PASSWORD", "wrong")
    result = CliRunner().invoke(cli, ["--config", str(write_config(mailbox, tmp_path)), "sync"])
    assert result.exit_code == 3
    errors = [line for line in result.stderr.splitlines() if line.startswith("mailflow: error:")]
    assert len(errors) == 1 and "login" in errors[0]
    assert "Traceback" not in result.output + result.stderr


def test_check_logs_in_to_imap_and_smtp_over_starttls(dovecot, mailbox, env_password, smtp_server,
                                                      tmp_path: Path) -> None:
    from mailflow.service import check

    smtp_server.require_auth(mailbox.username, mailbox.password)
    settings = dict(smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_security="starttls",
                    ca_file=dovecot.ca_file)
    results = check(config_for(mailbox, tmp_path, **settings))
    assert [(r.what, r.ok) for r in results] == [("config", True), ("templates", True), ("imap login", True),
                                                 ("sent folder", True), ("drafts folder", True), ("smtp login", True)]
    assert results[3].detail == "Sent" and results[4].detail == "Drafts"
    smtp_server.require_auth(mailbox.username, "another-password")
    failed = check(config_for(mailbox, tmp_path, **settings))[-1]
    assert not failed.ok and "SMTP login" in failed.detail and mailbox.password not in failed.detail


# --- found in review: each of these once stopped a sync, or lost mail ---

def test_a_message_the_server_cannot_read_does_not_block_its_folder(dovecot, mailbox, env_password, db,
                                                                    tmp_path: Path) -> None:
    dovecot.append_many(mailbox.username, "INBOX",
                        (make_message(sender=CLIENT, to=ME, subject=f"Note {i}", date=T0 + timedelta(minutes=i),
                                      message_id=f"<poison-{i}@brightline.example>", body="Hello.\n")
                         for i in range(5)))
    maildir = dovecot.maildir(mailbox.username)
    files = sorted(p for sub in ("cur", "new") for p in (maildir / sub).iterdir())
    os.chmod(files[2], 0)  # Dovecot's imap process can no longer read it, and hangs up when asked
    report = sync(db, config_for(mailbox, tmp_path), retries=1, backoff=0.01)
    assert report.ok, report.errors
    rows = store.messages(db)
    assert len(rows) == 5
    assert sum(1 for r in rows if r["error"] and "hangs up" in r["error"]) == 1
    dovecot.append(mailbox.username, "INBOX", make_message(sender=CLIENT, to=ME, subject="Later", date=T0,
                                                           message_id="<later@brightline.example>"))
    assert sync(db, config_for(mailbox, tmp_path), retries=1, backoff=0.01).new == 1  # the folder moves on


def test_when_one_folder_loses_its_connection_the_next_folder_still_syncs(dovecot, mailbox, env_password, db,
                                                                         tmp_path: Path, cut_proxy) -> None:
    dovecot.append_many(mailbox.username, "INBOX",
                        (make_message(sender=CLIENT, to=ME, subject=f"Big {i}", date=T0,
                                      message_id=f"<big-{i}@brightline.example>", body="x" * 3000 + "\n")
                         for i in range(300)))
    dovecot.append(mailbox.username, "Sent", make_message(sender=ME, to=CLIENT, subject="Small", date=T0,
                                                          message_id="<small@lindqvist.studio>"))
    proxy = cut_proxy(dovecot.host, dovecot.port)
    proxy.cut_after(150_000, once=False)  # every connection dies inside the INBOX fetch
    report = sync(db, config_for(mailbox, tmp_path, port=proxy.port, folders=["INBOX", "Sent"]),
                  retries=0, backoff=0.01)
    sent = next(f for f in report.folders if f.folder == "Sent")
    assert sent.new == 1 and sent.error is None
    assert any(f.folder == "INBOX" and f.error for f in report.folders)


def test_an_impossible_date_is_noted_not_fatal(dovecot, mailbox, env_password, db, tmp_path: Path) -> None:
    raw = make_message(sender=CLIENT, to=ME, subject="From the far future", date=T0,
                       message_id="<future@brightline.example>")
    raw = raw.replace(b"Date: " + raw.split(b"Date: ")[1].split(b"\r\n")[0], b"Date: Fri, 31 Dec 9999 23:00:00 -1200")
    dovecot.append(mailbox.username, "INBOX", raw)
    append_all(dovecot, mailbox, conversation(1))
    report = sync(db, config_for(mailbox, tmp_path))
    assert report.ok and report.new == 2
    future = next(r for r in store.messages(db) if r["message_id"] == "future@brightline.example")
    assert future["date"] is None and "implausible Date" in future["error"]


def test_a_non_ascii_password_logs_in_and_never_shows(dovecot, env_password, db, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    dovecot.add_user("umlaut@example.test", "Grüße-und-Küsse")
    account = type("A", (), {"username": "umlaut@example.test", "password": "Grüße-und-Küsse",
                             "host": dovecot.host, "port": dovecot.port})()
    monkeypatch.setenv("MF_TEST_IMAP_PASSWORD", account.password)
    assert sync(db, config_for(account, tmp_path)).ok
    monkeypatch.setenv("MF_TEST_IMAP_PASSWORD", "Falsch-ä")
    report = sync(db, config_for(account, tmp_path))
    assert not report.ok and "ä" not in " ".join(report.errors)


def _snapshot_rows(database) -> tuple[list, list]:
    messages = [tuple(r) for r in database.execute(
        "SELECT message_id, folder, uid, thread_id, answers_id, new_text FROM messages ORDER BY message_id")]
    items = [tuple(r) for r in database.execute(
        "SELECT kind, debtor, sentence, due, contact FROM items ORDER BY sentence")]
    return messages, items


def test_a_big_sync_stores_in_a_worker_exactly_what_it_stores_inline(dovecot, mailbox, env_password,
                                                                      tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import mailflow.sync as sync_module

    messages = conversation(40)
    messages += [("INBOX", make_message(sender=CLIENT, to=ME, subject="Logo", date=T0 + timedelta(days=3),
                                        message_id="<ask@brightline.example>",
                                        body="Could you send me the logo files by Friday? I'll review them on "
                                             "Monday.\n"))]
    append_all(dovecot, mailbox, messages)
    monkeypatch.setattr(sync_module, "BATCH_SIZE", 6)  # seven batches in INBOX and Sent together
    real_store = sync_module._store
    results = []
    # Inline; in the worker, which detects; in the worker, with detection left here.
    for threshold, backlog in ((10**9, 2), (1, 10**9), (1, 0)):
        monkeypatch.setattr(sync_module, "WORKER_THRESHOLD", threshold)
        monkeypatch.setattr(sync_module, "WORKER_BACKLOG", backlog)
        stored_here = []

        def counting_store(*args, **kwargs):
            stored_here.append(1)
            return real_store(*args, **kwargs)

        monkeypatch.setattr(sync_module, "_store", counting_store)
        database = store.open_db(tmp_path / f"mf-{threshold}-{backlog}.db")
        report = sync(database, config_for(mailbox, tmp_path), now=T0 + timedelta(days=4))
        assert report.ok and report.new == 41
        assert (len(stored_here) > 0) == (threshold > 1)  # the worker stored every batch it was given
        results.append(_snapshot_rows(database))
        database.close()
    assert results[0] == results[1] == results[2]
    assert len(results[1][1]) == 2  # the request and the promise were detected


def test_a_sync_with_its_database_in_memory_never_uses_a_worker() -> None:
    from mailflow.sync import _Writer

    assert not _Writer(store.open_db(":memory:")).use_worker(10**9)


def _one_request(message_id: str):
    from mailflow.parse import parse, split_raw

    raw = replace(split_raw(make_message(sender=CLIENT, to=ME, subject="Logo", date=T0, message_id=f"<{message_id}>",
                                         body="Could you send me the logo files by Friday?\n")), uid=1)
    return [(raw, parse(raw, frozenset({ME})))]


def test_a_batch_reaches_the_worker_whole_but_for_the_raw_header_and_text_parts() -> None:
    import pickle
    from dataclasses import fields

    from mailflow.records import Address, Attachment, Message, RawMessage, TextPart
    from mailflow.sync import _pack, _unpack

    # Every field set to something other than its default, so none can go missing.
    pdf, logo = Attachment("quote.pdf", "application/pdf", 1200), Attachment(None, "image/png", 5)
    raw = RawMessage(folder="Sent", uid=7, flags=("\\Seen", "$Label1"), size=4321, header=b"From: x\r\n\r\n",
                     parts=(TextPart("text/plain", "utf-8", "base64", b"SGk=", truncated=True),), attachments=(pdf,),
                     error="no BODYSTRUCTURE")
    msg = Message(message_id="a@x", in_reply_to="p@x", references=("r@x", "p@x"),
                  from_addr=Address("Maya", ME), to=(Address("Jonas Weber", CLIENT), Address("", "b@x")),
                  cc=(Address("Priya", "priya@kettle.example"),), reply_to=(Address("", "r@x"),), date=T0,
                  subject="Re: Logo", direction="outgoing", automated=("list-id",), list_id="news.x",
                  new_text="I'll send it.", attachments=(pdf, logo), calendar="BEGIN:VCALENDAR", content_hash="c0ffee",
                  size=4321, errors=("bad date",))
    assert [f.name for f in fields(RawMessage)] == ["folder", "uid", "flags", "size", "header", "parts",
                                                    "attachments", "error"], "a new field must travel in _pack"
    assert [f.name for f in fields(Message)] == [
        "message_id", "in_reply_to", "references", "from_addr", "to", "cc", "reply_to", "date", "subject",
        "direction", "automated", "list_id", "new_text", "attachments", "calendar", "content_hash", "size",
        "errors"], "a new field must travel in _pack"
    assert _unpack(pickle.loads(pickle.dumps(_pack(raw, msg)))) == (replace(raw, header=b"", parts=()), msg)
    bare = Message(**{**msg.__dict__, "from_addr": None, "to": (), "attachments": (), "date": None, "errors": ()})
    assert _unpack(_pack(replace(raw, attachments=()), bare)) == (replace(raw, header=b"", parts=(), attachments=()),
                                                                 bare)


def test_a_sync_collects_cycles_less_often_and_restores_the_collector_after() -> None:
    import gc

    from mailflow.sync import GC_THRESHOLD, _fewer_collections

    before = gc.get_threshold()
    with pytest.raises(RuntimeError), _fewer_collections():
        assert gc.get_threshold() == (GC_THRESHOLD, *before[1:])
        raise RuntimeError
    assert gc.get_threshold() == before


def _kill_worker(writer) -> None:
    import signal

    for process in list(writer._pool._processes.values()):
        os.kill(process.pid, signal.SIGKILL)


def _stored_items(database) -> list[tuple[str, str]]:
    return [tuple(r) for r in database.execute(
        "SELECT m.message_id, i.kind FROM items i JOIN messages m ON m.id = i.message ORDER BY 1")]


def test_a_dead_worker_is_replaced_by_storing_inline(tmp_path: Path) -> None:
    from mailflow.sync import _Writer

    database = store.open_db(tmp_path / "mf.db")
    store.ensure_account(database, "work")
    writer = _Writer(database)
    try:
        result = writer.submit("work", _one_request("x@brightline.example"), frozenset({ME}), None,
                               ("INBOX", "inbox", 7, 1), worker=True)
        _kill_worker(writer)
        result()
        assert _stored_items(database) == [("x@brightline.example", "request")]
        assert store.folder_state(database, "work", "INBOX") == store.FolderState(7, 1)
        assert not writer.use_worker(10**9)  # and no further batch goes to a dead worker
    finally:
        writer.close()


def test_a_worker_that_died_while_idle_is_replaced_by_storing_inline(tmp_path: Path) -> None:
    import time

    from mailflow.sync import _Writer

    database = store.open_db(tmp_path / "mf.db")
    store.ensure_account(database, "work")
    writer = _Writer(database)
    try:
        assert writer.submit("work", _one_request("y@brightline.example"), frozenset({ME}), None, None,
                             worker=True)().inserted
        _kill_worker(writer)
        time.sleep(0.5)  # the pool notices the death on its own
        assert writer.submit("work", _one_request("z@brightline.example"), frozenset({ME}), None, None,
                             worker=True)().inserted
        assert _stored_items(database) == [("y@brightline.example", "request"), ("z@brightline.example", "request")]
    finally:
        writer.close()
