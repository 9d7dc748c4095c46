"""Whole-system operations the CLI and the service loop call: checks and status."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from . import smtp
from .config import Account, Config
from .errors import MailflowError
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
    for account in config.accounts:
        results.extend(_check_imap(account))
        if account.smtp_host:
            results.append(_check_smtp(account))
    return results


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
