"""The test harness itself: real Dovecot, real SMTP, the cutting proxy, make_message."""

from __future__ import annotations

import email
import email.policy
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import imapclient
import psutil
import pytest
from imapclient.exceptions import IMAPClientAbortError, LoginError

from servers import Account, CutProxy, Dovecot, DovecotError, SmtpServer, make_message

# What a broken connection looks like to an IMAP client.
CONNECTION_LOST = (IMAPClientAbortError, OSError)


def login(account: Account, port: int | None = None) -> imapclient.IMAPClient:
    client = imapclient.IMAPClient(account.host, port=port or account.port, ssl=False, timeout=10)
    client.login(account.username, account.password)
    return client


def subjects(client: imapclient.IMAPClient, folder: str) -> dict[int, str]:
    client.select_folder(folder, readonly=True)
    fetched = client.fetch(client.search(), ["ENVELOPE"])
    return {uid: data[b"ENVELOPE"].subject.decode() for uid, data in sorted(fetched.items())}


@pytest.mark.integration
def test_login_and_capabilities(mailbox: Account) -> None:
    with login(mailbox) as client:
        capabilities = set(client.capabilities())
    assert {b"IDLE", b"UIDPLUS", b"SPECIAL-USE", b"MOVE"} <= capabilities


@pytest.mark.integration
def test_wrong_password_fails_fast(mailbox: Account) -> None:
    started = time.monotonic()
    for _ in range(3):
        with pytest.raises(LoginError):
            login(replace(mailbox, password="wrong"))
    # Dovecot's defaults would wait 2 s per failure, and more as failures pile up.
    assert time.monotonic() - started < 3


@pytest.mark.integration
def test_special_use_folders(mailbox: Account) -> None:
    with login(mailbox) as client:
        flags = {name: set(flags) for flags, _, name in client.list_folders()}
        subscribed = {name for _, _, name in client.list_sub_folders()}
    for name in ("Sent", "Drafts", "Trash", "Junk", "Archive"):
        assert f"\\{name}".encode() in flags[name]
        assert name in subscribed
    assert "INBOX" in flags


@pytest.mark.integration
def test_append_returns_uids_and_keeps_flags_and_date(dovecot: Dovecot, mailbox: Account) -> None:
    uids = [dovecot.append(mailbox.username, "INBOX", make_message(subject=f"m{i}")) for i in range(3)]
    when = datetime(2024, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    sent_uid = dovecot.append(
        mailbox.username, "Sent", make_message(subject="sent"), flags=[r"\Seen"], when=when
    )
    assert uids == [1, 2, 3]
    assert sent_uid == 1
    with login(mailbox) as client:
        client.normalise_times = False
        client.select_folder("Sent", readonly=True)
        fetched = client.fetch([sent_uid], ["FLAGS", "INTERNALDATE"])[sent_uid]
    assert rb"\Seen" in fetched[b"FLAGS"]
    assert fetched[b"INTERNALDATE"] == when


@pytest.mark.integration
def test_append_many_creates_and_subscribes_the_folder(dovecot: Dovecot, mailbox: Account) -> None:
    dovecot.append_many(
        mailbox.username, "Clients/Acme", (make_message(subject=f"m{i}") for i in range(700))
    )
    with login(mailbox) as client:
        assert "Clients/Acme" in [name for _, _, name in client.list_sub_folders()]
        assert client.folder_status("Clients/Acme", [b"MESSAGES"])[b"MESSAGES"] == 700


@pytest.mark.integration
def test_write_maildir_messages_are_visible_in_write_order(dovecot: Dovecot, mailbox: Account) -> None:
    dovecot.write_maildir(mailbox.username, "INBOX", [make_message(subject=f"m{i}") for i in range(30)])
    dovecot.write_maildir(mailbox.username, "Archive/2023", [make_message(subject="old")])
    with login(mailbox) as client:
        assert subjects(client, "INBOX") == {i + 1: f"m{i}" for i in range(30)}
        assert subjects(client, "Archive/2023") == {1: "old"}


@pytest.mark.integration
def test_reset_uidvalidity_renumbers_and_keeps_messages(dovecot: Dovecot, mailbox: Account) -> None:
    for i in range(3):
        dovecot.append(mailbox.username, "INBOX", make_message(subject=f"m{i}"))
    dovecot.append(mailbox.username, "INBOX", make_message(subject="flagged"), flags=[r"\Flagged"])
    with login(mailbox) as client:
        client.select_folder("INBOX")
        client.delete_messages([1, 2])
        client.expunge()
        old = client.folder_status("INBOX", [b"UIDVALIDITY"])[b"UIDVALIDITY"]
    open_session = login(mailbox)

    new = dovecot.reset_uidvalidity(mailbox.username, "INBOX")

    # Like a server that rebuilt the mailbox, it drops the open sessions.
    with pytest.raises(CONNECTION_LOST):
        open_session.noop()
    with login(mailbox) as client:
        status = client.folder_status("INBOX", [b"UIDVALIDITY", b"MESSAGES", b"UIDNEXT"])
        assert subjects(client, "INBOX") == {1: "m2", 2: "flagged"}
        assert rb"\Flagged" in client.get_flags([2])[2]
    assert new != old
    assert status == {b"UIDVALIDITY": new, b"MESSAGES": 2, b"UIDNEXT": 3}


@pytest.mark.integration
def test_tls_port_verifies_only_with_the_ca_file(mailbox: Account) -> None:
    context = ssl.create_default_context(cafile=mailbox.ca_file)
    with imapclient.IMAPClient(mailbox.host, port=mailbox.tls_port, ssl_context=context) as client:
        client.login(mailbox.username, mailbox.password)
        assert client.select_folder("INBOX")[b"EXISTS"] == 0
    with pytest.raises(ssl.SSLCertVerificationError):
        imapclient.IMAPClient(mailbox.host, port=mailbox.tls_port, timeout=10)


@pytest.mark.integration
def test_smtp_records_messages_sent_with_starttls_and_auth(smtp_server: SmtpServer) -> None:
    smtp_server.require_auth("mailflow", "s3cret")
    raw = make_message()
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            smtp.sendmail("alice@example.test", ["bob@client.example"], raw)
        assert refused.value.smtp_code == 530
        smtp.starttls(context=ssl.create_default_context(cafile=smtp_server.ca_file))
        with pytest.raises(smtplib.SMTPAuthenticationError):
            smtp.login("mailflow", "wrong")
        smtp.login("mailflow", "s3cret")
        smtp.sendmail("alice@example.test", ["bob@client.example", "carol@client.example"], raw)
    [received] = smtp_server.messages
    assert received.mail_from == "alice@example.test"
    assert received.rcpt_tos == ("bob@client.example", "carol@client.example")
    assert received.raw == raw
    assert (received.login, received.tls) == ("mailflow", True)
    smtp_server.clear()
    assert smtp_server.messages == []


@pytest.mark.integration
def test_smtp_auth_works_without_tls_on_loopback(smtp_server: SmtpServer) -> None:
    smtp_server.require_auth("mailflow", "s3cret")
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as smtp:
        smtp.login("mailflow", "s3cret")
        smtp.sendmail("alice@example.test", ["bob@client.example"], make_message())
    assert [(m.login, m.tls) for m in smtp_server.messages] == [("mailflow", False)]


@pytest.mark.integration
def test_cut_proxy_cuts_a_fetch_midway_then_lets_clients_reconnect(
    dovecot: Dovecot, mailbox: Account, cut_proxy: Callable[[str, int], CutProxy]
) -> None:
    raw = make_message(attachment=("brief.pdf", 300_000))
    dovecot.append(mailbox.username, "INBOX", raw)
    proxy = cut_proxy(mailbox.host, mailbox.port)
    client = login(mailbox, port=proxy.port)
    client.select_folder("INBOX")
    before = proxy.bytes_forwarded

    proxy.cut_after(50_000)
    with pytest.raises(CONNECTION_LOST):
        client.fetch([1], ["BODY[]"])

    assert proxy.bytes_forwarded == before + 50_000
    with login(mailbox, port=proxy.port) as again:
        again.select_folder("INBOX")
        assert again.fetch([1], ["BODY[]"])[1][b"BODY[]"] == raw
    assert proxy.connections == 2


@pytest.mark.integration
def test_cut_proxy_can_keep_cutting(
    dovecot: Dovecot, mailbox: Account, cut_proxy: Callable[[str, int], CutProxy]
) -> None:
    dovecot.append(mailbox.username, "INBOX", make_message(attachment=("brief.pdf", 100_000)))
    proxy = cut_proxy(mailbox.host, mailbox.port)
    proxy.cut_after(20_000, once=False)
    for _ in range(2):
        client = login(mailbox, port=proxy.port)
        client.select_folder("INBOX")
        with pytest.raises(CONNECTION_LOST):
            client.fetch([1], ["BODY[]"])
    proxy.cut_after(None)
    with login(mailbox, port=proxy.port) as client:
        client.select_folder("INBOX")
        assert client.fetch([1], ["BODY[]"])[1][b"BODY[]"].startswith(b"From: ")


@pytest.mark.integration
def test_cut_proxy_cut_now_and_refuse(
    mailbox: Account, cut_proxy: Callable[[str, int], CutProxy]
) -> None:
    proxy = cut_proxy(mailbox.host, mailbox.port)
    client = login(mailbox, port=proxy.port)
    proxy.cut_now()
    with pytest.raises(CONNECTION_LOST):
        client.noop()

    proxy.refuse()
    with pytest.raises(CONNECTION_LOST):
        login(mailbox, port=proxy.port)
    proxy.restore()
    with login(mailbox, port=proxy.port) as client:
        client.noop()
    assert proxy.connections == 3


@pytest.mark.integration
def test_stop_leaves_no_processes(tmp_path: Path) -> None:
    server = Dovecot(tmp_path / "own")
    server.start()
    try:
        account = server.new_account()
        client = login(account)  # stop() must also end a busy imap process
        processes = [psutil.Process(server._proc.pid), *psutil.Process(server._proc.pid).children(True)]
        assert "imap" in [process.name() for process in processes]
    finally:
        server.stop()
    alive = [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert alive == []
    with pytest.raises(CONNECTION_LOST):
        client.noop()


@pytest.mark.integration
def test_failed_start_reports_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Dovecot, "_config", lambda self, cert: "no_such_setting = 1\n")
    server = Dovecot(tmp_path / "broken")
    with pytest.raises(DovecotError, match="no_such_setting"):
        server.start()


def test_make_message_is_a_well_formed_rfc5322_message() -> None:
    date = datetime(2024, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    raw = make_message(
        sender="Zoë Martin <zoe@example.test>",
        to=["Bob <bob@client.example>", "carol@client.example"],
        subject="Réunion mardi",
        body="Bonjour,\nje vous envoie le devis vendredi.\n",
        date=date,
        message_id="<2@example.test>",
        in_reply_to="<1@example.test>",
        attachment=("devis.pdf", 10_000),
        headers={"List-Id": "<team.lists.example>"},
    )
    assert b"\n" not in raw.replace(b"\r\n", b"")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["From"].addresses[0].display_name == "Zoë Martin"
    assert [a.addr_spec for a in message["To"].addresses] == ["bob@client.example", "carol@client.example"]
    assert message["Subject"] == "Réunion mardi"
    assert message["Date"].datetime == date
    assert (message["Message-ID"], message["In-Reply-To"], message["References"]) == (
        "<2@example.test>", "<1@example.test>", "<1@example.test>",
    )
    assert message["List-Id"] == "<team.lists.example>"
    assert message.get_body(("plain",)).get_content() == "Bonjour,\r\nje vous envoie le devis vendredi.\r\n"
    [attachment] = message.iter_attachments()
    assert (attachment.get_content_type(), attachment.get_filename()) == ("application/pdf", "devis.pdf")
    assert len(attachment.get_content()) == 10_000
    assert all(not part.defects for part in message.walk())
