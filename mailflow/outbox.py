"""The outbox: every automated email exactly once, or visibly not at all.

An email is rendered and written to the outbox (status `pending`, with its final
bytes and Message-ID) before any network call. Sending marks it `sending` just
before the SMTP transaction and `sent` just after; a draft is appended to Drafts
and marked `drafted`. After a crash:

- `pending`: the Sent or Drafts folder is searched for the Message-ID (a server
  that files sent mail itself, or a draft appended just before the crash); only
  if it is not there is the email sent again.
- `sending`: the SMTP server may or may not have taken it. It is never sent
  again (a duplicate to a client is the worst outcome); it is marked `failed`
  with the reason, unless the Sent folder shows it went out.

Just before an email goes out, its account is synced again and the rules are
asked once more: if the contact has written since, the email is `dropped`.
"""

from __future__ import annotations

import logging
import os
import signal
import smtplib
from dataclasses import dataclass, replace
from datetime import datetime

import sqlite_utils

from . import db as store
from . import ledger, rules, smtp
from .compose import TemplateError, Templates, build_email, make_message_id, redate
from .config import Account, Config
from .errors import ConfigError, ImapError, MailflowError, SmtpError, describe_error
from .imap import TRANSIENT, ImapSession
from .records import MARKER_HEADER, Address
from .rules import PlannedEmail

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
FAULT_ENV = "MAILFLOW_FAULT"  # crash tests kill the process at a named step


def _checkpoint(name: str) -> None:
    # A fault-injection point for the crash tests: with MAILFLOW_FAULT=name the
    # process dies here as if killed, leaving the outbox exactly as a crash would.
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass(frozen=True)
class ActReport:
    planned: tuple[PlannedEmail, ...]
    outcomes: tuple[dict, ...]  # outbox rows touched in this run, after delivery

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.outcomes:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        return counts


def sending_account(config: Config, name: str | None = None, *, mode: str = "send") -> Account:
    """The account an automated email goes out from.

    A draft goes to the Drafts of the thread's own account. Sent mail goes from
    `rules.account` if set, else the thread's account if it can send, else the
    first account that can.
    """
    accounts = {a.name: a for a in config.accounts}
    own = accounts.get(name or "")
    if mode == "draft" and own is not None:
        return own
    if config.rules.account:
        return config.account(config.rules.account)
    if own is not None and own.smtp_host:
        return own
    for account in config.accounts:
        if account.smtp_host:
            return account
    if own is not None:
        return own
    if config.accounts:
        return config.accounts[0]
    raise ConfigError("no account configured to send from; add an [accounts.NAME] table")


def plan(db: sqlite_utils.Database, config: Config, now: datetime) -> list[PlannedEmail]:
    return rules.plan(ledger.snapshot(db, config, now), config)


def act(db: sqlite_utils.Database, config: Config, now: datetime, *, dry_run: bool = False,
        resync=None) -> ActReport:
    """Plan, write what may go out to the outbox, and deliver everything pending.

    `resync(account)` syncs an account again just before delivery (the CLI and
    the service pass the real sync); without it the re-check uses the store as is.
    """
    planned = tuple(plan(db, config, now))
    if dry_run:
        return ActReport(planned, ())
    templates = Templates(config.rules.templates)
    keys = [enqueue(db, config, templates, email, now) for email in planned if email.held is None]
    touched = [k for k in keys if k] + [r["key"] for r in store.outbox_entries(db)
                                        if r["status"] in ("pending", "sending")]
    deliver(db, config, now, resync=resync)
    rows = {r["key"]: r for r in store.outbox_entries(db)}
    return ActReport(planned, tuple(rows[k] for k in dict.fromkeys(touched) if k in rows))


def enqueue(db: sqlite_utils.Database, config: Config, templates: Templates, email: PlannedEmail,
            now: datetime) -> str | None:
    """Render the email and write it to the outbox; None when its key was already there."""
    if store.outbox_has(db, email.key):
        return None
    account = sending_account(config, email.account, mode=email.mode)
    user_address = config.identity.addresses[0] if config.identity.addresses else account.username
    message_id = make_message_id(user_address.split("@")[-1])
    local_now = now.astimezone(config.identity.tz)
    context = {**email.context, "user": rules._user(config), "now": local_now}
    try:
        rendered = templates.render(email.rule, context)
        raw = build_email(from_addr=Address(config.identity.name, user_address), to=email.to,
                          subject=rendered.subject, text=rendered.text, html=rendered.html,
                          message_id=message_id, date=local_now, in_reply_to=email.in_reply_to,
                          references=email.references,
                          extra_headers=_marker_headers(email.rule))
        status, reason = "pending", None
    except (TemplateError, ValueError) as exc:
        # A broken template is reported and that email is not sent; the key is
        # kept so the same broken email is not retried every minute.
        log.error("%s: %s", email.key, exc)
        raw, status, reason = b"", "failed", f"could not be composed: {exc}"
    store.add_to_outbox(db, key=email.key, rule=email.rule, mode=email.mode, account=account.name,
                        item_id=email.item_id, thread_id=email.thread_id, contact=email.contact,
                        recipients=[a.email for a in email.to], subject=email.subject, message_id=message_id,
                        reason=email.reason, quote=email.quote, planned_at=now, status=status,
                        status_reason=reason, raw=raw)
    _checkpoint("after-enqueue")
    return email.key


def _marker_headers(rule: str) -> dict[str, str]:
    """Mark mailflow's own emails, so that their copies synced back from Sent or Drafts
    are never read as the user's promises or requests (parse flags them as automated).

    The digest goes to the user alone and is auto-generated in RFC 3834's sense. Emails
    to clients are not marked Auto-Submitted: help desks and filters drop such mail.
    """
    if rule == "digest":
        return {"Auto-Submitted": "auto-generated", MARKER_HEADER: rule}
    return {MARKER_HEADER: rule}


def deliver(db: sqlite_utils.Database, config: Config, now: datetime, *, resync=None,
            only: set[str] | None = None) -> None:
    """Deliver the pending emails (those keyed in `only`, if given); settle the ones a crash left half-way.

    `resync(account)` returns that account's SyncReport; when it failed, the
    account's emails wait, since the re-check would be made on stale mail.
    """
    entries = [r for r in store.outbox_entries(db) if r["status"] in ("pending", "sending")
               and (only is None or r["key"] in only)]
    if not entries:
        return
    # The re-check reads the thread's own account too: the client's reply lands
    # there, which need not be the account the email goes out from.
    thread_account = store.thread_accounts(db, (r["thread_id"] for r in entries if r["thread_id"] is not None))

    configured = {a.name for a in config.accounts}

    def accounts_of(entry: dict) -> set[str]:
        # A thread from an account since removed from the config cannot be synced: its own account still can.
        return {a for a in (entry["account"], thread_account.get(entry["thread_id"])) if a in configured}

    stale: set[str] = set()
    if resync is not None:
        for name in sorted(set().union(*(accounts_of(r) for r in entries if r["rule"] != "digest"))):
            report = resync(name)
            if report is not None and not report.ok:
                log.warning("account %s could not be synced again; its emails wait: %s", name,
                            "; ".join(report.errors))
                stale.add(name)
    # Asked as if these emails were not in the outbox yet: otherwise a pending
    # follow-up would count as already done, and the rules would not want it.
    snapshot = ledger.snapshot(db, config, now)
    settled_only = replace(snapshot, outbox=tuple(e for e in snapshot.outbox
                                                  if e.status not in ("pending", "sending")))
    verdicts = {p.key: p.held for p in rules.plan(settled_only, config)}
    for entry in entries:
        if entry["status"] == "pending" and accounts_of(entry) & stale and entry["rule"] != "digest":
            continue
        try:
            _deliver_one(db, config, entry, now, verdicts)
        except SmtpRefused as exc:
            # The server said no before taking the message: nothing went out, so it may be retried.
            log.error("outbox #%d (%s): %s", entry["id"], entry["key"], exc)
            attempts = entry["attempts"] + 1
            store.update_outbox(db, entry["id"], "failed" if attempts >= MAX_ATTEMPTS else "pending", str(exc),
                                attempts=attempts)
        except MailflowError as exc:
            log.error("outbox #%d (%s): %s", entry["id"], entry["key"], exc)
            current = next(r for r in store.outbox_entries(db) if r["id"] == entry["id"])
            if current["status"] == "sending":
                store.update_outbox(db, entry["id"], "failed",
                                    f"delivery broke off ({exc}); it may have gone out, so it was not sent again "
                                    "(check your Sent folder)")
            else:
                attempts = current["attempts"] + 1
                store.update_outbox(db, entry["id"], "failed" if attempts >= MAX_ATTEMPTS else current["status"],
                                    str(exc), attempts=attempts)


def _deliver_one(db: sqlite_utils.Database, config: Config, entry: dict, now: datetime,
                 verdicts: dict[str, str | None]) -> None:
    account = sending_account(config, entry["account"], mode=entry["mode"])
    folder_role = "drafts" if entry["mode"] == "draft" else "sent"
    if entry["status"] == "sending" or entry["attempts"] > 0:
        if _already_filed(account, folder_role, entry["message_id"]):
            store.update_outbox(db, entry["id"], "drafted" if entry["mode"] == "draft" else "sent",
                                f"found in {folder_role} after an interruption")
            return
        if entry["status"] == "sending":
            store.update_outbox(db, entry["id"], "failed",
                                "interrupted while handing it to the SMTP server; it may have gone out, so it "
                                "was not sent again (check your Sent folder)")
            return
    if entry["rule"] != "digest" or entry["key"] in verdicts:
        if entry["key"] not in verdicts:
            store.update_outbox(db, entry["id"], "dropped",
                                "no longer wanted: the contact wrote since, or it was settled")
            return
        if verdicts[entry["key"]] is not None:
            log.info("outbox #%d waits: %s", entry["id"], verdicts[entry["key"]])
            return  # held now (paused, out of hours, away, capped): it stays pending
    raw = redate(entry["raw"], now.astimezone(config.identity.tz))
    if raw != entry["raw"]:
        store.set_outbox_raw(db, entry["id"], raw)
        entry = {**entry, "raw": raw}
    # Claimed atomically: a second mailflow process delivering at the same time finds it taken.
    if not store.claim_outbox(db, entry["id"], entry["attempts"], "sending" if entry["mode"] == "send" else "pending"):
        return
    if entry["mode"] == "draft":
        # The attempt is counted before the append, so a crash right after it leads to a search, not a copy.
        _append(account, "drafts", entry["raw"], ("\\Draft", "\\Seen"))
        _checkpoint("after-append")
        store.update_outbox(db, entry["id"], "drafted", None)
        return
    _send(account, config, entry)
    _checkpoint("after-smtp")
    store.update_outbox(db, entry["id"], "sent", None)
    if config.rules.save_to_sent:
        try:
            _append(account, "sent", entry["raw"], ("\\Seen",))
        except MailflowError as exc:
            log.warning("outbox #%d was sent, but filing a copy in Sent failed: %s", entry["id"], exc)


class SmtpRefused(SmtpError):
    """The SMTP server refused the email before taking it: nothing was sent."""


def _send(account: Account, config: Config, entry: dict) -> None:
    try:
        server = smtp.connect(account)
    except SmtpError as exc:
        raise SmtpRefused(str(exc)) from exc
    sender = config.identity.addresses[0] if config.identity.addresses else account.username
    try:
        refused = server.sendmail(sender, entry["recipients"], entry["raw"])
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        raise SmtpRefused(f"SMTP refused the email: {exc}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        # Broke off mid-transaction: the server may have taken it.
        raise SmtpError(f"SMTP connection broke during delivery: {exc}") from exc
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
    if refused:
        log.warning("some recipients were refused: %s", ", ".join(refused))


def _folder(session: ImapSession, role: str) -> str:
    folder = session.folder_for(role)
    if folder is None:
        raise ImapError(f"no {role} folder found on {session.where}")
    return folder


def _append(account: Account, role: str, raw: bytes, flags: tuple[str, ...]) -> None:
    try:
        with ImapSession(account) as session:
            session.append(_folder(session, role), raw, flags)
    except TRANSIENT as exc:
        raise ImapError(f"appending to {role} failed: {describe_error(exc)}") from exc


def _already_filed(account: Account, role: str, message_id: str) -> bool:
    try:
        with ImapSession(account) as session:
            return bool(session.search_header(_folder(session, role), "Message-ID", message_id.strip("<>")))
    except TRANSIENT as exc:
        raise ImapError(f"searching {role} failed: {describe_error(exc)}") from exc


def render_digest(db: sqlite_utils.Database, config: Config, now: datetime):
    """Today's digest, rendered (text and HTML), whatever the time of day."""
    snapshot = ledger.snapshot(db, config, now)
    context = {**rules.digest_context(snapshot, config), "now": now.astimezone(config.identity.tz)}
    return Templates(config.rules.templates).render("digest", context)


def send_digest(db: sqlite_utils.Database, config: Config, now: datetime) -> dict:
    """Send today's digest to the user now (once a day: a second call reports the first)."""
    snapshot = ledger.snapshot(db, config, now)
    early = replace(config, rules=replace(config.rules, digest=replace(config.rules.digest, mode="send",
                                                                        at=now.astimezone(config.identity.tz)
                                                                        .time().replace(second=0, microsecond=0))))
    if not (config.rules.digest.to or config.identity.addresses):
        raise ConfigError("the digest has no one to go to: set identity.addresses or rules.digest.to")
    key = f"digest:{now.astimezone(config.identity.tz).date().isoformat()}"
    for email in rules.digest(snapshot, early):  # nothing when today's is already in the outbox
        enqueue(db, early, Templates(config.rules.templates), email, now)
    deliver(db, early, now, only={key})
    return next(r for r in store.outbox_entries(db) if r["key"] == key)


def pause(db: sqlite_utils.Database, now: datetime) -> None:
    store.set_setting(db, "paused", now.isoformat())


def resume(db: sqlite_utils.Database) -> None:
    store.set_setting(db, "paused", None)
