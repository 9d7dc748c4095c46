"""Acting on the ledger against the real Dovecot and SMTP server, with `now` driven by the test.

A scripted timeline appends a client conversation to the IMAP server step by
step; each test syncs and acts at chosen moments and asserts what reached the
SMTP server, the Drafts folder and the outbox.
"""

from __future__ import annotations

import email
import email.utils
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailflow import db as store
from mailflow.config import load_config
from mailflow.outbox import act, deliver, enqueue, plan, send_digest
from mailflow.compose import Templates
from mailflow.sync import sync
from servers import make_message

pytestmark = pytest.mark.integration

BERLIN = ZoneInfo("Europe/Berlin")
ME = "maya@lindqvist.studio"
TOM = "tom@studio-orbit.example"
PRIYA = "priya@kettle-and-co.example"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in October 2026, Berlin time (5 Oct is a Monday)."""
    return datetime(2026, 10, day, hour, minute, tzinfo=BERLIN)


class Timeline:
    """A freelancer's mailbox on the test Dovecot, her config, and her database."""

    def __init__(self, dovecot, mailbox, smtp_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 mode: str = "send", digest: str = "off"):
        self.dovecot, self.mailbox, self.smtp = dovecot, mailbox, smtp_server
        smtp_server.require_auth(mailbox.username, mailbox.password)
        monkeypatch.setenv("MF_TEST_PASSWORD", mailbox.password)
        self.config_path = tmp_path / "config.toml"
        self.config_path.write_text(f"""database = "{tmp_path / 'mf.db'}"
[identity]
name = "Maya Lindqvist"
addresses = ["{ME}"]
timezone = "Europe/Berlin"
[accounts.studio]
imap_host = "{dovecot.host}"
imap_port = {dovecot.port}
imap_security = "none"
username = "{mailbox.username}"
password_env = "MF_TEST_PASSWORD"
smtp_host = "{smtp_server.host}"
smtp_port = {smtp_server.port}
smtp_security = "none"
[rules.follow_up]
mode = "{mode}"
after_days = 3
[rules.agenda]
mode = "{mode}"
[rules.feedback_request]
mode = "{mode}"
[rules.digest]
mode = "{digest}"
""")
        self.config = load_config(self.config_path)
        self.db = store.open_db(self.config.database)
        self.count = 0

    def connect(self, now: datetime) -> None:
        """The user connects the account: the first sync, at `now`."""
        assert sync(self.db, self.config, now=now).ok

    def mail(self, folder: str, sender: str, to: str, subject: str, body: str, when: datetime,
             reply_to: str | None = None, **kwargs) -> str:
        self.count += 1
        mid = f"<t{self.count}-{when:%d%H%M}@{sender.split('@')[1]}>"
        self.dovecot.append(self.mailbox.username, folder,
                            make_message(sender=sender, to=to, subject=subject, body=body, date=when,
                                         message_id=mid, in_reply_to=reply_to, **kwargs))
        return mid

    def act(self, now: datetime, **kwargs):
        assert sync(self.db, self.config, now=now).ok
        return act(self.db, self.config, now,
                   resync=lambda name: sync(self.db, self.config, account=name, now=now), **kwargs)

    def folder(self, role: str) -> list[tuple[email.message.Message, tuple]]:
        name = {"drafts": "Drafts", "sent": "Sent"}[role]
        with self.dovecot.client(self.mailbox.username, self.mailbox.password) as client:
            client.select_folder(name, readonly=True)
            fetched = client.fetch(client.search(["ALL"]), ["RFC822", "FLAGS"])
        return [(email.message_from_bytes(d[b"RFC822"]), d[b"FLAGS"]) for d in fetched.values()]

    def delivered(self) -> list[email.message.Message]:
        return [email.message_from_bytes(m.raw) for m in self.smtp.messages]


@pytest.fixture
def timeline(dovecot, mailbox, smtp_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    made = []

    def make(mode: str = "send", digest: str = "off") -> Timeline:
        made.append(Timeline(dovecot, mailbox, smtp_server, tmp_path, monkeypatch, mode, digest))
        return made[-1]

    yield make
    for t in made:
        t.db.close()


def send_proposal(t: Timeline) -> str:
    t.connect(at(5, 9))
    return t.mail("Sent", ME, TOM, "Proposal: physio practice website",
                  "Hi Tom,\n\nattached is my proposal for the physio practice website.\n\nBest,\nMaya\n",
                  at(5, 10), attachment=("proposal-physio.pdf", 3000))


def test_quiet_after_a_proposal_gets_one_follow_up_in_its_thread(timeline) -> None:
    t = timeline("send")
    proposal = send_proposal(t)
    assert t.act(at(7, 10)).outcomes == ()  # 1 working day: too early
    report = t.act(at(9, 10))  # Fri: Tue, Wed, Thu have passed
    assert [(r["rule"], r["status"]) for r in report.outcomes] == [("follow_up", "sent")]
    [sent] = t.delivered()
    assert sent["To"] == TOM and sent["In-Reply-To"] == proposal
    assert proposal in sent["References"] and sent["Subject"] == "Re: Proposal: physio practice website"
    assert "Maya" in sent.get_payload(decode=True).decode()
    # The same moment again, and a later one: nothing more before the gap has passed.
    t.act(at(9, 10, 5))
    t.act(at(12, 11))
    assert len(t.delivered()) == 1
    assert [m["Message-ID"] for m, _ in t.folder("sent")] == [proposal, sent["Message-ID"]]


def test_draft_mode_leaves_the_follow_up_in_drafts(timeline) -> None:
    t = timeline("draft")
    send_proposal(t)
    report = t.act(at(9, 10))
    assert [(r["rule"], r["status"]) for r in report.outcomes] == [("follow_up", "drafted")]
    [(draft, flags)] = t.folder("drafts")
    assert b"\\Draft" in flags and draft["To"] == TOM
    assert t.delivered() == []
    t.act(at(9, 11))
    assert len(t.folder("drafts")) == 1


def test_a_reply_even_outside_the_thread_stops_the_follow_up(timeline) -> None:
    t = timeline("send")
    send_proposal(t)
    t.mail("INBOX", TOM, ME, "Quick question", "Hi Maya, before I read it: does it include hosting?\nTom\n",
           at(6, 15))
    assert t.act(at(9, 10)).outcomes == ()
    assert t.delivered() == []


def test_a_reply_between_planning_and_sending_drops_the_email(timeline) -> None:
    t = timeline("send")
    send_proposal(t)
    now = at(9, 10)
    assert sync(t.db, t.config, now=now).ok
    [email_] = [p for p in plan(t.db, t.config, now) if p.held is None]
    enqueue(t.db, t.config, Templates(), email_, now)
    t.mail("INBOX", TOM, ME, "Re: Proposal: physio practice website", "Looks good, let's go.\n", at(9, 9, 55))
    deliver(t.db, t.config, now, resync=lambda name: sync(t.db, t.config, account=name, now=now))
    [row] = store.outbox_entries(t.db)
    assert row["status"] == "dropped" and "wrote since" in row["status_reason"]
    assert t.delivered() == []


def test_agenda_before_a_confirmed_call_and_feedback_after_it(timeline) -> None:
    t = timeline("send")
    t.connect(at(5, 9))
    ask = t.mail("Sent", ME, PRIYA, "Landing page review", "Hi Priya,\n\nDoes Thursday at 3pm work for a quick "
                 "call about the landing page?\n\nMaya\n", at(5, 11))
    t.mail("INBOX", PRIYA, ME, "Re: Landing page review", "Hi Maya,\n\nThursday at 3pm works, talk then!\n\n"
           "Priya\n", at(5, 13), reply_to=ask)
    assert t.act(at(8, 10)).outcomes == ()  # five hours before: not yet
    report = t.act(at(8, 13))
    assert [(r["rule"], r["status"]) for r in report.outcomes] == [("agenda", "sent")]
    assert t.act(at(8, 16, 30)).outcomes == ()  # the call is on; feedback comes later
    report = t.act(at(9, 10))
    assert [(r["rule"], r["status"]) for r in report.outcomes] == [("feedback_request", "sent")]
    agenda, feedback = t.delivered()
    assert agenda["To"] == PRIYA and "Agenda" in agenda["Subject"]
    assert feedback["In-Reply-To"] is not None


def test_a_cancelled_call_gets_neither_agenda_nor_feedback(timeline) -> None:
    t = timeline("send")
    t.connect(at(5, 9))
    ask = t.mail("Sent", ME, PRIYA, "Landing page review", "Hi Priya,\n\nDoes Thursday at 3pm work for a quick "
                 "call?\n\nMaya\n", at(5, 11))
    ok = t.mail("INBOX", PRIYA, ME, "Re: Landing page review", "Thursday at 3pm works, talk then!\n", at(5, 13),
                reply_to=ask)
    t.mail("INBOX", PRIYA, ME, "Re: Landing page review", "Sorry Maya, we have to cancel Thursday's call. "
           "Something came up.\n", at(6, 9), reply_to=ok)
    for now in (at(8, 13), at(9, 10)):
        report = t.act(now)
        assert [r for r in report.outcomes if r["rule"] in ("agenda", "feedback_request")] == []
    assert t.delivered() == []


def test_an_overdue_promise_of_theirs_is_in_the_digest_on_their_side(timeline) -> None:
    t = timeline("send", digest="send")
    t.connect(at(5, 9))
    t.mail("INBOX", PRIYA, ME, "Brand files", "Hi Maya,\n\nI'll send over the brand guidelines by Wednesday.\n\n"
           "Priya\n", at(5, 10))
    assert sync(t.db, t.config, now=at(8, 8, 30)).ok
    row = send_digest(t.db, t.config, at(8, 8, 30))
    assert row["status"] == "sent" and row["recipients"] == [ME]
    [digest] = t.delivered()
    text = next(p for p in digest.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    before, owed_to_you = text.split("OWED TO YOU")
    assert "I'll send over the brand guidelines by Wednesday." in owed_to_you
    assert "brand guidelines" not in before  # not listed as the user's own debt
    assert send_digest(t.db, t.config, at(8, 9))["id"] == row["id"]  # once a day
    assert len(t.delivered()) == 1


def test_automated_mail_is_never_answered_and_out_of_office_pauses(timeline) -> None:
    t = timeline("send")
    t.connect(at(5, 9))
    t.mail("INBOX", "news@typeletter.example", ME, "Typeletter #12", "Could you send us your feedback by Monday?\n",
           at(5, 10), headers={"List-Id": "<typeletter.example>", "Precedence": "bulk"})
    t.mail("INBOX", "noreply@billing.example", ME, "Invoice", "Please review the invoice by Tuesday.\n", at(5, 10))
    proposal = t.mail("Sent", ME, TOM, "Quote for the website", "Hi Tom, here is the quote for the website.\n",
                      at(5, 11), attachment=("quote.pdf", 2000))
    t.mail("INBOX", TOM, ME, "Automatic reply: Quote for the website", "I am out of the office until Monday "
           "19 October.\n", at(5, 11, 1), reply_to=proposal, headers={"Auto-Submitted": "auto-replied"})
    assert sync(t.db, t.config, now=at(9, 10)).ok
    held = {p.contact: p.held for p in plan(t.db, t.config, at(9, 10)) if p.rule == "follow_up"}
    assert set(held) == {TOM} and "out of office until Mon 19 Oct" in held[TOM]
    assert t.act(at(9, 10)).outcomes == ()
    assert t.delivered() == []
    # Back on Monday 19 October: the pause ends with the absence, and Tom hears from us once.
    assert t.act(at(19, 8, 59)).outcomes == ()
    t.act(at(20, 10))
    assert [m["To"] for m in t.delivered()] == [TOM]


def test_caps_working_hours_and_the_first_run_rule(timeline) -> None:
    t = timeline("send")
    # Mail from before the account was connected is history: read and measured, never acted on.
    t.mail("Sent", ME, TOM, "Old quote", "Here is the quote for the old project.\n", at(1, 10),
           attachment=("quote-old.pdf", 2000))
    t.connect(at(5, 9))
    for subject in ("Quote A", "Quote B"):
        t.mail("Sent", ME, TOM, subject, f"Hi Tom, attached is the quote for {subject[-1]}.\n", at(5, 10),
               attachment=(f"quote-{subject[-1]}.pdf", 2000))
    assert sync(t.db, t.config, now=at(9, 19)).ok
    evening = plan(t.db, t.config, at(9, 19))
    assert evening and all(p.held and "outside working hours" in p.held for p in evening)
    report = t.act(at(9, 10))
    assert len([r for r in report.outcomes if r["status"] == "sent"]) == 1  # one a day to one contact
    assert len(t.delivered()) == 1
    assert "Old quote" not in t.delivered()[0]["Subject"]
    t.act(at(12, 10))  # Monday: the second thread's turn
    assert sorted(m["Subject"] for m in t.delivered()) == ["Re: Quote A", "Re: Quote B"]


def test_pause_stops_everything(timeline) -> None:
    from mailflow.outbox import pause, resume

    t = timeline("send")
    send_proposal(t)
    pause(t.db, at(9, 9))
    assert t.act(at(9, 10)).outcomes == ()
    assert all("paused" in p.held for p in plan(t.db, t.config, at(9, 10)) if p.rule != "digest")
    resume(t.db)
    assert len(t.act(at(9, 11)).outcomes) == 1


@pytest.mark.parametrize("fault", ["after-enqueue", "after-smtp"])
def test_sigkill_mid_act_then_restart_delivers_exactly_once(timeline, fault: str) -> None:
    t = timeline("send")
    send_proposal(t)
    assert sync(t.db, t.config, now=at(9, 10)).ok
    command = [sys.executable, "-m", "mailflow", "--config", str(t.config_path), "act",
               "--now", at(9, 10).isoformat()]
    env = {**os.environ, "MAILFLOW_FAULT": fault}
    killed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert killed.returncode == -9, killed.stderr
    assert len(t.delivered()) == (1 if fault == "after-smtp" else 0)
    restarted = subprocess.run(command, capture_output=True, text=True, timeout=60,
                               env={k: v for k, v in os.environ.items() if k != "MAILFLOW_FAULT"})
    assert "Traceback" not in restarted.stderr
    assert len(t.delivered()) == 1
    again = subprocess.run(command, capture_output=True, text=True, timeout=60,
                           env={k: v for k, v in os.environ.items() if k != "MAILFLOW_FAULT"})
    assert again.returncode in (0, 3) and len(t.delivered()) == 1
    [row] = store.outbox_entries(t.db)
    if fault == "after-smtp":
        # Killed before the copy was filed in Sent: nothing proves it went out, but it may have, so no retry.
        assert row["status"] == "failed" and "not sent again" in row["status_reason"]
    else:
        assert row["status"] == "sent"


def test_sigkill_after_the_drafts_append_finds_the_draft_instead_of_filing_another(timeline) -> None:
    t = timeline("draft")
    send_proposal(t)
    assert sync(t.db, t.config, now=at(9, 10)).ok
    command = [sys.executable, "-m", "mailflow", "--config", str(t.config_path), "act",
               "--now", at(9, 10).isoformat()]
    killed = subprocess.run(command, env={**os.environ, "MAILFLOW_FAULT": "after-append"}, capture_output=True,
                            text=True, timeout=60)
    assert killed.returncode == -9, killed.stderr
    assert len(t.folder("drafts")) == 1
    env = {k: v for k, v in os.environ.items() if k != "MAILFLOW_FAULT"}
    restarted = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert restarted.returncode == 0, restarted.stderr
    assert len(t.folder("drafts")) == 1
    [row] = store.outbox_entries(t.db)
    assert (row["status"], row["status_reason"]) == ("drafted", "found in drafts after an interruption")


def test_starttls_with_certificate_checks_and_no_copy_when_the_server_files_it(timeline) -> None:
    t = timeline("send")
    text = t.config_path.read_text().replace(
        'smtp_security = "none"', f'smtp_security = "starttls"\nca_file = "{t.smtp.ca_file}"')
    t.config_path.write_text(text + "[rules]\nsave_to_sent = false\n")
    t.config = load_config(t.config_path)
    send_proposal(t)
    report = t.act(at(9, 10))
    assert [r["status"] for r in report.outcomes] == ["sent"] and [m.tls for m in t.smtp.messages] == [True]
    assert [m["Subject"] for m, _ in t.folder("sent")] == ["Proposal: physio practice website"]


def test_the_daily_cap_holds_across_contacts(timeline) -> None:
    t = timeline("send")
    t.config = load_config(t.config_path)
    t.connect(at(5, 9))
    for i, client in enumerate(("a@client-a.example", "b@client-b.example", "c@client-c.example")):
        t.mail("Sent", ME, client, f"Quote {i}", "Hi, attached is the quote.\n", at(5, 10),
               attachment=(f"quote-{i}.pdf", 1000))
    from dataclasses import replace as dc_replace
    t.config = dc_replace(t.config, rules=dc_replace(t.config.rules, max_per_day=2))
    report = t.act(at(9, 10))
    assert len([r for r in report.outcomes if r["status"] == "sent"]) == 2
    assert [p.held for p in report.planned if p.held] == ["daily cap of 2 reached"]


def test_a_broken_template_is_reported_and_nothing_is_sent(timeline, tmp_path: Path) -> None:
    overrides = tmp_path / "templates"
    overrides.mkdir()
    (overrides / "follow_up.txt").write_text("Subject: {{ thread.subject }}\n\nHi {{ contact.nickname }}\n")
    t = timeline("send")
    from dataclasses import replace as dc_replace
    t.config = dc_replace(t.config, rules=dc_replace(t.config.rules, templates=overrides))
    send_proposal(t)
    report = t.act(at(9, 10))
    [row] = report.outcomes
    assert row["status"] == "failed" and "follow_up.txt: line 3" in row["status_reason"]
    assert t.delivered() == []
    t.act(at(9, 11))  # not retried every minute
    assert t.delivered() == [] and len(store.outbox_entries(t.db)) == 1


def test_outbox_stats_and_pause_commands(timeline) -> None:
    from click.testing import CliRunner

    from mailflow.cli import cli

    t = timeline("send")
    send_proposal(t)
    t.act(at(9, 10))
    runner = CliRunner()
    base = ["--config", str(t.config_path)]
    listing = runner.invoke(cli, [*base, "outbox"])
    assert listing.exit_code == 0 and "sent     follow_up" in listing.output and TOM in listing.output
    assert "proposal sent Mon 05 Oct" in listing.output
    stats = runner.invoke(cli, [*base, "stats", "--now", at(9, 10).isoformat(), "--json"])
    assert stats.exit_code == 0 and TOM in stats.output
    assert runner.invoke(cli, [*base, "pause"]).exit_code == 0
    planned = runner.invoke(cli, [*base, "plan", "--now", at(12, 10).isoformat()])
    assert "HELD: sending is paused" in planned.output or "nothing to send" in planned.output
    assert runner.invoke(cli, [*base, "resume"]).output == "resumed\n"


def test_run_serves_until_sigterm_and_holds_its_lock(timeline) -> None:
    import signal
    import time

    t = timeline("draft")
    send_proposal(t)
    command = [sys.executable, "-m", "mailflow", "--config", str(t.config_path), "run"]
    service = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = service.stderr.readline()
            lines.append(line)
            if "sync:" in line:
                break
        assert any("sync:" in line and "new message" in line for line in lines), lines
        second = subprocess.run(command, capture_output=True, text=True, timeout=30)
        assert second.returncode == 4 and "already running" in second.stderr
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=10) == 0
        assert "Traceback" not in service.stderr.read()
    finally:
        if service.poll() is None:
            service.kill()


# --- regressions found in review: each of these once let an email out that must not go ---

def test_a_pending_email_waits_while_paused_and_goes_once_after_resume(timeline) -> None:
    from mailflow.outbox import pause, resume

    t = timeline("send")
    send_proposal(t)
    t.smtp.require_auth(t.mailbox.username, "not-the-password")  # the server refuses the login
    report = t.act(at(9, 10))
    assert [r["status"] for r in report.outcomes] == ["pending"] and t.delivered() == []
    t.smtp.require_auth(t.mailbox.username, t.mailbox.password)
    pause(t.db, at(9, 11))
    t.act(at(9, 12))
    t.act(at(9, 23, 30))
    assert t.delivered() == []
    resume(t.db)
    t.act(at(9, 23, 45))  # resumed, but outside working hours: still waiting
    assert t.delivered() == []
    t.act(at(12, 9, 5))
    assert len(t.delivered()) == 1 and store.outbox_entries(t.db)[0]["status"] == "sent"
    # Dated when it went out, not when it was queued on Friday.
    assert email.utils.parsedate_to_datetime(t.delivered()[0]["Date"]) == at(12, 9, 5)


def test_a_client_who_wrote_recently_has_not_gone_quiet(timeline) -> None:
    t = timeline("send")
    t.connect(at(5, 9))
    t.mail("INBOX", TOM, ME, "Logo files", "Hi Maya,\n\nI'll send the logo files by Tuesday.\n\nTom\n", at(5, 10))
    t.mail("INBOX", TOM, ME, "Another thing", "Sorry, our designer is ill; we are still on it.\n", at(9, 9, 50))
    assert t.act(at(9, 10)).outcomes == ()
    assert t.delivered() == []


def test_a_cancellation_in_another_thread_cancels_the_agenda(timeline) -> None:
    t = timeline("send")
    t.connect(at(5, 9))
    ask = t.mail("Sent", ME, PRIYA, "Landing page review", "Hi Priya,\n\nDoes Thursday at 3pm work for a quick "
                 "call?\n\nMaya\n", at(5, 11))
    t.mail("INBOX", PRIYA, ME, "Re: Landing page review", "Thursday at 3pm works, talk then!\n", at(5, 13),
           reply_to=ask)
    t.mail("INBOX", PRIYA, ME, "Change of plans", "Hi Maya, we need to cancel our call on Thursday at 3pm.\n",
           at(6, 9))
    for now in (at(8, 13), at(9, 10)):
        report = t.act(now)
        assert [r["rule"] for r in report.outcomes if r["rule"] != "follow_up"] == []
    assert [m for m in t.delivered() if "Agenda" in m["Subject"]] == []


def test_a_follow_up_goes_to_the_proposals_addressee_not_the_cc(timeline) -> None:
    t = timeline("send")
    t.connect(at(5, 9))
    t.mail("Sent", ME, TOM, "Proposal: website", "Hi Tom,\n\nattached is my proposal.\n\nMaya\n", at(5, 10),
           attachment=("proposal.pdf", 2000), headers={"Cc": "accounts@studio-orbit.example"})
    t.act(at(9, 10))
    [sent] = t.delivered()
    assert sent["To"] == TOM and "Hi Tom" in sent.get_payload(decode=True).decode()


def test_a_failed_resync_keeps_emails_waiting(timeline) -> None:
    from mailflow.sync import SyncReport

    t = timeline("send")
    send_proposal(t)
    now = at(9, 10)
    assert sync(t.db, t.config, now=now).ok
    [email_] = [p for p in plan(t.db, t.config, now) if p.held is None]
    enqueue(t.db, t.config, Templates(), email_, now)
    deliver(t.db, t.config, now, resync=lambda name: SyncReport((), 0.1, {name: "connection refused"}))
    assert t.delivered() == [] and store.outbox_entries(t.db)[0]["status"] == "pending"


def test_run_syncs_new_mail_as_soon_as_idle_announces_it(timeline) -> None:
    import signal
    import time

    t = timeline("draft")
    t.connect(at(5, 9))
    service = subprocess.Popen([sys.executable, "-m", "mailflow", "--config", str(t.config_path), "run"],
                               stderr=subprocess.PIPE, text=True)
    try:
        def wait_for(words: str, seconds: float) -> list[str]:
            seen, deadline = [], time.monotonic() + seconds
            while time.monotonic() < deadline:
                line = service.stderr.readline()
                seen.append(line)
                if words in line:
                    return seen
            raise AssertionError(f"no {words!r} within {seconds} s: {seen}")

        wait_for("sync:", 30)
        time.sleep(1)  # let the watcher enter IDLE
        t.mail("INBOX", TOM, ME, "Hello", "Could you send me the quote by Friday?\n", at(6, 10))
        lines = wait_for("1 new message", 20)  # the poll interval is five minutes: this was IDLE
        assert any("new mail announced" in line for line in lines)
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=20) == 0
    finally:
        if service.poll() is None:
            service.kill()


def test_mailflows_own_emails_read_back_from_sent_make_no_items_and_the_second_follow_up_comes(timeline) -> None:
    t = timeline("send")
    send_proposal(t)
    t.act(at(9, 10))  # follow-up 1, filed in Sent and synced back at the next act
    t.act(at(12, 10))
    synced = [m for m, _ in t.folder("sent")]
    assert [m["X-Mailflow-Rule"] for m in synced] == [None, "follow_up"]
    assert store.item_rows(t.db, status=None) == []  # "Is that still on track?" is not a request Tom owes
    report = t.act(at(16, 10))  # four working days after the first
    assert [(r["rule"], r["key"], r["status"]) for r in report.outcomes] == [
        ("follow_up", "follow_up:thread1:2", "sent")]
    assert len(t.delivered()) == 2


def test_a_follow_up_never_goes_to_a_mailing_list(timeline) -> None:
    t = timeline("send")
    t.connect(at(5, 9))
    lst = "design-collective@community.example"
    t.mail("INBOX", TOM, lst, "Meetup venue", "Hi all, the meetup is on again this month.\n", at(5, 9, 30),
           headers={"List-Id": "<design.community.example>", "List-Unsubscribe": "<mailto:leave@community.example>"})
    t.mail("Sent", ME, lst, "Re: Meetup venue", "Could you send me the venue details by Wednesday?\n", at(5, 10))
    t.act(at(12, 10))
    assert t.delivered() == [] and store.outbox_entries(t.db) == []
    assert any(row["kind"] == "request" for row in store.item_rows(t.db, status=None))  # seen, but never chased


def test_a_nudge_by_hand_restarts_the_wait(timeline) -> None:
    t = timeline("send")
    proposal = send_proposal(t)
    t.mail("Sent", ME, TOM, "Re: Proposal: physio practice website", "Hi Tom, any thoughts on this?\nMaya\n",
           at(8, 9), reply_to=proposal)
    assert t.act(at(9, 10)).outcomes == ()  # Friday: three days after the proposal, one after the nudge
    assert t.delivered() == []


def test_the_re_check_syncs_the_account_the_thread_lives_in(timeline, dovecot) -> None:
    """The thread is in an IMAP-only account; the email goes out through the other account's SMTP.
    Tom's reply lands in the thread's account, so that is the one to sync again before sending."""
    t = timeline("send")
    home = dovecot.new_account()
    t.config_path.write_text(t.config_path.read_text() + f"""[accounts.home]
imap_host = "{dovecot.host}"
imap_port = {dovecot.port}
imap_security = "none"
username = "{home.username}"
password = "{home.password}"
""")
    t.config = load_config(t.config_path)
    assert sync(t.db, t.config, now=at(5, 9)).ok
    proposal = make_message(sender=ME, to=TOM, subject="Proposal: studio site", date=at(5, 10),
                            body="Hi Tom,\n\nattached is my proposal.\n\nMaya\n", message_id="<p1@lindqvist.studio>",
                            attachment=("proposal.pdf", 3000))
    dovecot.append(home.username, "Sent", proposal)
    now = at(9, 10)
    assert sync(t.db, t.config, now=now).ok
    [email_] = [p for p in plan(t.db, t.config, now) if p.held is None]
    enqueue(t.db, t.config, Templates(), email_, now)
    assert store.outbox_entries(t.db)[0]["account"] == "studio"
    dovecot.append(home.username, "INBOX", make_message(
        sender=TOM, to=ME, subject="Re: Proposal: studio site", body="Looks good, let's go.\n", date=at(9, 9, 55),
        message_id="<r1@studio-orbit.example>", in_reply_to="<p1@lindqvist.studio>"))
    synced = []

    def resync(name):
        synced.append(name)
        return sync(t.db, t.config, account=name, now=now)

    deliver(t.db, t.config, now, resync=resync)
    assert sorted(synced) == ["home", "studio"]
    [row] = store.outbox_entries(t.db)
    assert row["status"] == "dropped" and t.delivered() == []


def test_implicit_tls_sending_checks_the_certificate(timeline, tls_cert) -> None:
    from servers import SmtpServer

    t = timeline("send")
    with SmtpServer(cert=tls_cert, auth=(t.mailbox.username, t.mailbox.password), implicit_tls=True) as tls_smtp:
        text = t.config_path.read_text().replace(f"smtp_port = {t.smtp.port}", f"smtp_port = {tls_smtp.port}")
        t.config_path.write_text(text.replace('smtp_security = "none"',
                                              f'smtp_security = "tls"\nca_file = "{tls_cert.ca_file}"'))
        t.config = load_config(t.config_path)
        send_proposal(t)
        assert [r["status"] for r in t.act(at(9, 10)).outcomes] == ["sent"]
        assert [(m.tls, m.rcpt_tos) for m in tls_smtp.messages] == [(True, (TOM,))]
        # Without the CA the certificate does not verify: nothing goes out, and it says why.
        t.config_path.write_text(t.config_path.read_text().replace(f'ca_file = "{tls_cert.ca_file}"\n', ""))
        t.config = load_config(t.config_path)
        t.mail("Sent", ME, PRIYA, "Quote", "Hi Priya, attached is the quote.\n", at(5, 11),
               attachment=("quote.pdf", 2000))
        [row] = [r for r in t.act(at(12, 10)).outcomes if r["contact"] == PRIYA]
        assert row["status"] == "pending" and "certificate" in row["status_reason"].lower()
        assert len(tls_smtp.messages) == 1


def test_run_acts_at_once_and_sends_the_daily_digest_once(timeline) -> None:
    import signal
    import time

    t = timeline("draft", digest="send")
    t.config_path.write_text(t.config_path.read_text().replace('[rules.digest]\n', '[rules.digest]\nat = "00:00"\n'))
    t.connect(at(5, 9))
    command = [sys.executable, "-m", "mailflow", "--config", str(t.config_path), "run"]
    service = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not t.delivered() and time.monotonic() < deadline:
            time.sleep(0.2)
        [digest] = t.delivered()
        assert digest["To"] == ME and digest["Auto-Submitted"] == "auto-generated"
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=20) == 0
    finally:
        if service.poll() is None:
            service.kill()
    # A second start the same day finds today's digest in the outbox.
    again = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        while "sync:" not in again.stderr.readline():  # the first sync, then the first act
            assert again.poll() is None
        time.sleep(2)
        again.send_signal(signal.SIGTERM)
        assert again.wait(timeout=20) == 0
    finally:
        if again.poll() is None:
            again.kill()
    assert len(t.delivered()) == 1


def test_a_thread_from_an_account_no_longer_configured_does_not_block_the_outbox(timeline) -> None:
    t = timeline("send")
    send_proposal(t)
    assert sync(t.db, t.config, now=at(9, 10)).ok
    t.config_path.write_text(t.config_path.read_text().replace("[accounts.studio]", "[accounts.renamed]"))
    t.config = load_config(t.config_path)
    report = t.act(at(9, 10))
    assert [(r["rule"], r["status"]) for r in report.outcomes] == [("follow_up", "sent")]
    assert len(t.delivered()) == 1
