"""One small tree of exceptions; the CLI maps each branch to an exit code."""

from __future__ import annotations

import socket
import ssl


class MailflowError(Exception):
    """Base of every error mailflow raises on purpose."""

    exit_code = 1


class ConfigError(MailflowError):
    """The configuration (file, key, template or option) is wrong."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None):
        self.path = path
        self.key = key
        where = ": ".join(part for part in (path, key) if part)
        super().__init__(f"{where}: {message}" if where else message)


class UsageError(MailflowError):
    """A command was given something it cannot use: an unknown item, an unreadable date."""

    exit_code = 2


class OperationalError(MailflowError):
    """Something outside mailflow failed: a server, the network, a file."""

    exit_code = 3


class ImapError(OperationalError):
    """The IMAP server refused, failed or could not be reached."""


class AuthError(ImapError):
    """The server rejected the login."""


class SmtpError(OperationalError):
    """The SMTP server refused, failed or could not be reached."""


class SourceError(OperationalError):
    """A local mail source (Maildir, mbox, .eml folder) cannot be read."""


class LockedError(OperationalError):
    """Another mailflow process holds the database lock."""

    exit_code = 4


def describe_error(exc: BaseException) -> str:
    """A network or server failure in one short line, without the traceback's noise."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate check failed: {exc.verify_message}"
    if isinstance(exc, socket.timeout):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "host not found"
    text = str(exc).strip() or exc.__class__.__name__
    return text.splitlines()[0][:300]
