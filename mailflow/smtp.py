"""SMTP transport: a verified TLS connection, logged in with the account's secret."""

from __future__ import annotations

import logging
import smtplib
import ssl

from .config import Account
from .errors import ConfigError, SmtpError, describe_error

log = logging.getLogger(__name__)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text.splitlines()[0] if text else ''}".strip()
    return describe_error(exc)


def connect(account: Account) -> smtplib.SMTP:
    """Open an SMTP connection for `account`, with TLS as configured, and log in."""
    if not account.smtp_host or not account.smtp_port:
        raise ConfigError("no smtp_host configured", key=f"accounts.{account.name}.smtp_host")
    where = f"{account.smtp_host}:{account.smtp_port}"
    context = ssl.create_default_context(cafile=account.ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        if account.smtp_security == "tls":
            server: smtplib.SMTP = smtplib.SMTP_SSL(account.smtp_host, account.smtp_port,
                                                    timeout=account.timeout, context=context)
        else:
            server = smtplib.SMTP(account.smtp_host, account.smtp_port, timeout=account.timeout)
            if account.smtp_security == "starttls":
                server.starttls(context=context)
    except (OSError, smtplib.SMTPException) as exc:
        raise SmtpError(f"cannot connect to SMTP {where}: {_describe(exc)}") from exc
    user = account.smtp_username or account.username
    try:
        server.ehlo_or_helo_if_needed()
        if server.has_extn("auth"):
            if account.auth == "xoauth2":
                token = account.secret()
                server.auth("XOAUTH2", lambda challenge=None: f"user={user}\1auth=Bearer {token}\1\1")
            else:
                server.login(user, account.secret())
        else:
            log.info("SMTP %s offers no AUTH; sending without login", where)
    except smtplib.SMTPAuthenticationError as exc:
        _quit(server)
        raise SmtpError(f"SMTP login to {where} as {user} failed: {_describe(exc)}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        _quit(server)
        raise SmtpError(f"SMTP {where}: {_describe(exc)}") from exc
    except BaseException:
        _quit(server)
        raise
    return server


def _quit(server: smtplib.SMTP) -> None:
    try:
        server.quit()
    except (OSError, smtplib.SMTPException):
        server.close()
