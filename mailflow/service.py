"""Whole-system operations the CLI and the service loop call: checks and status."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import schedule

from . import smtp
from .config import Account, Config
from .errors import LockedError, MailflowError
from .imap import ImapSession

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    """One line of `mailflow check`: what was tried, and whether it worked."""

    account: str
    what: str
    ok: bool
    detail: str


def check(config: Config) -> list[Check]:
    """Log in to every account's IMAP (and SMTP) server and look for the folders it needs."""
    results: list[Check] = [Check("-", "config", True, f"{config.path} ({len(config.accounts)} account(s))")]
    results.append(_check_templates(config))
    for account in config.accounts:
        results.extend(_check_imap(account))
        if account.smtp_host:
            results.append(_check_smtp(account))
    return results


def _check_templates(config: Config) -> Check:
    from .compose import Templates, TemplateError

    where = str(config.rules.templates) if config.rules.templates else "the defaults"
    try:
        problems = Templates(config.rules.templates).check()
    except TemplateError as exc:
        return Check("-", "templates", False, str(exc))
    return Check("-", "templates", not problems, "; ".join(problems) if problems else where)


def _check_imap(account: Account) -> list[Check]:
    name = account.name
    try:
        with ImapSession(account) as session:
            folders = session.folders()
    except MailflowError as exc:
        return [Check(name, "imap login", False, str(exc))]
    results = [Check(name, "imap login", True,
                     f"{account.username} at {account.imap_host}:{account.imap_port} ({account.imap_security})")]
    by_role = {f.role: f.name for f in folders if f.role}
    for role in ("sent", "drafts"):
        found = by_role.get(role)
        results.append(Check(name, f"{role} folder", found is not None,
                             found or f"no {role} folder found (neither SPECIAL-USE nor a usual name)"))
    names = {f.name for f in folders}
    for folder in account.folders:
        results.append(Check(name, "folder", folder in names,
                             folder if folder in names else f"{folder!r} does not exist on the server"))
    return results


def _check_smtp(account: Account) -> Check:
    try:
        server = smtp.connect(account)
    except MailflowError as exc:
        return Check(account.name, "smtp login", False, str(exc))
    server.quit()
    return Check(account.name, "smtp login", True,
                 f"{account.smtp_username or account.username} at {account.smtp_host}:{account.smtp_port} "
                 f"({account.smtp_security})")


class Lock:
    """One `mailflow run` per database: an exclusive lock on a file beside it."""

    def __init__(self, database: Path):
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def __enter__(self) -> Lock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise LockedError(f"another mailflow is already running on {self.path.with_suffix('')} "
                              f"(lock {self.path})") from exc
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def run(config: Config, stop: threading.Event, *, tick: float = 1.0) -> None:
    """The service: sync every poll_interval, act every minute (the digest is a rule), until `stop` is set.

    A failing step is logged and retried at its next turn; it never ends the service.
    """
    from . import db as store
    from .outbox import act
    from .sync import sync

    with Lock(config.database):
        db = store.open_db(config.database)
        try:
            def sync_step() -> None:
                report = sync(db, config)
                log.info("sync: %s", report.summary())
                for error in report.errors:
                    log.error("sync: %s", error)

            def act_step() -> None:
                now = store.utcnow()
                report = act(db, config, now, resync=lambda name: sync(db, config, account=name, now=now))
                if report.outcomes:
                    log.info("act: %s", ", ".join(f"{n} {s}" for s, n in sorted(report.counts().items())))

            scheduler = schedule.Scheduler()
            scheduler.every(config.poll_interval).seconds.do(_guarded, "sync", sync_step)
            scheduler.every(60).seconds.do(_guarded, "act", act_step)
            log.info("mailflow running: sync every %d s, rules every minute", config.poll_interval)
            new_mail = threading.Event()
            watchers = [threading.Thread(target=_watch, args=(account, new_mail, stop), daemon=True,
                                         name=f"mailflow-idle-{account.name}") for account in config.accounts]
            for watcher in watchers:
                watcher.start()
            scheduler.run_all()
            while not stop.is_set():
                if new_mail.is_set():
                    new_mail.clear()
                    _guarded("sync", sync_step)  # mail arrived: no need to wait for the next poll
                scheduler.run_pending()
                stop.wait(min(tick, max(0.0, scheduler.idle_seconds or tick)))
            log.info("mailflow stopped")
        finally:
            db.close()


IDLE_SECONDS = 25 * 60  # servers may drop an IDLE after 30 minutes (RFC 2177); renew it before


def _watch(account: Account, new_mail: threading.Event, stop: threading.Event) -> None:
    """Hold an IMAP IDLE on the account's INBOX and raise `new_mail` when mail arrives.

    Only a wake-up signal: the main thread does the sync. Without IDLE on the
    server, or after errors, the poll interval still brings the mail in.
    """
    from .imap import TRANSIENT, ImapSession

    delay = 5.0
    while not stop.is_set():
        try:
            with ImapSession(account) as session:
                if not session.supports_idle():
                    log.info("%s: the server has no IDLE; polling only", account.name)
                    return
                delay = 5.0
                session.select("INBOX")
                # Short IDLE rounds, so a stop request is honoured within seconds; the
                # connection is renewed before servers drop a long IDLE.
                for _ in range(int(IDLE_SECONDS // 10)):
                    if stop.is_set():
                        return
                    if session.wait_for_mail(10):
                        log.info("%s: new mail announced", account.name)
                        new_mail.set()
        except (MailflowError, *TRANSIENT) as exc:
            log.warning("%s: IDLE stopped (%s); retrying in %.0f s", account.name, exc, delay)
            stop.wait(delay)
            delay = min(delay * 2, 300.0)


def _guarded(name: str, step) -> None:
    # A service outlives a bad minute: any failure is logged and the step runs again at its next turn.
    try:
        step()
    except MailflowError as exc:
        log.error("%s: %s", name, exc)
    except Exception:  # noqa: BLE001
        log.exception("%s failed unexpectedly", name)
