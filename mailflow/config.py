"""Read config.toml into validated, frozen dataclasses.

Every error names the file, the key and what is wrong, so a user can fix a typo
without reading code. Secrets stay out of the dataclasses' repr and are only
resolved (from a command, the environment or the file) when a login needs them.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import subprocess
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from .errors import ConfigError

log = logging.getLogger(__name__)

APP = "mailflow"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SECURITY = ("tls", "starttls", "none")
DEFAULT_PORTS = {"imap": {"tls": 993, "starttls": 143, "none": 143},
                 "smtp": {"tls": 465, "starttls": 587, "none": 25}}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "config.toml"


def default_database_path() -> Path:
    return Path(platformdirs.user_data_dir(APP, appauthor=False)) / "mailflow.db"


@dataclass(frozen=True)
class Identity:
    """Who the user is: which From addresses are theirs, and when they work."""

    name: str = ""
    addresses: tuple[str, ...] = ()
    timezone: str = "UTC"
    workdays: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    work_start: time = time(9, 0)
    work_end: time = time(17, 30)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Account:
    """One mailbox: where to read it over IMAP and, optionally, send over SMTP."""

    name: str
    imap_host: str
    username: str
    imap_port: int = 993
    imap_security: str = "tls"
    allow_plaintext: bool = False
    auth: str = "password"
    password: str | None = field(default=None, repr=False)
    password_command: str | None = None
    password_env: str | None = None
    oauth2_token_command: str | None = None
    ca_file: str | None = None
    timeout: float = 60.0
    folders: tuple[str, ...] = ()  # empty: INBOX and the SPECIAL-USE Sent folder
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: str = "tls"
    smtp_username: str | None = None

    def secret(self) -> str:
        """The password or OAuth2 token, fetched only at login time."""
        if self.auth == "xoauth2":
            return _run_secret_command(self.oauth2_token_command or "", self.name, "oauth2_token_command")
        if self.password_command:
            return _run_secret_command(self.password_command, self.name, "password_command")
        if self.password_env:
            value = os.environ.get(self.password_env)
            if value is None:
                raise ConfigError(f"environment variable {self.password_env} is not set",
                                  key=f"accounts.{self.name}.password_env")
            return value
        if self.password is not None:
            return self.password
        raise ConfigError("no password, password_command or password_env", key=f"accounts.{self.name}")


MODES = ("send", "draft", "off")


@dataclass(frozen=True)
class FollowUpRule:
    """Follow up when a contact owes the user and has gone quiet."""

    mode: str = "draft"
    after_days: int = 3  # working days of silence before the first follow-up
    max_per_thread: int = 2
    min_gap_days: int = 4  # working days between two follow-ups in one thread


@dataclass(frozen=True)
class AgendaRule:
    """Send the open items as an agenda shortly before a confirmed meeting."""

    mode: str = "draft"
    hours_before: float = 3.0


@dataclass(frozen=True)
class FeedbackRule:
    """Ask for feedback after a meeting that took place."""

    mode: str = "draft"
    hours_after: float = 2.0
    within_days: int = 2  # a meeting further back than this gets no feedback request


@dataclass(frozen=True)
class DigestRule:
    """The daily digest, to the user only."""

    mode: str = "send"
    at: time = time(8, 0)
    to: str | None = None  # default: the identity's first address


@dataclass(frozen=True)
class Rules:
    """What mailflow may do on the user's behalf, and the limits on it."""

    follow_up: FollowUpRule = FollowUpRule()
    agenda: AgendaRule = AgendaRule()
    feedback_request: FeedbackRule = FeedbackRule()
    digest: DigestRule = DigestRule()
    account: str | None = None  # the account that sends; default: the first with smtp_host
    templates: Path | None = None  # the user's template overrides
    lookback_days: int = 0  # act on mail up to this many days before the account was connected
    max_per_contact_per_day: int = 1
    max_per_day: int = 20
    save_to_sent: bool = True  # append a copy of sent mail to Sent (off for servers that do it themselves)


@dataclass(frozen=True)
class Config:
    """The whole configuration, as read from one file (or built by the demo)."""

    path: Path | None
    database: Path
    identity: Identity
    accounts: tuple[Account, ...] = ()
    rules: Rules = Rules()
    poll_interval: int = 300  # seconds between syncs in `mailflow run`

    def account(self, name: str) -> Account:
        for account in self.accounts:
            if account.name == name:
                return account
        known = ", ".join(a.name for a in self.accounts) or "none"
        raise ConfigError(f"no account named {name!r} (configured: {known})", path=_str(self.path))

    @classmethod
    def minimal(cls, addresses: Sequence[str], database: str | os.PathLike | None = None) -> Config:
        """A config with only the user's addresses, for reading local mail without a config file."""
        return cls(path=None, database=Path(database).expanduser() if database else default_database_path(),
                   identity=Identity(addresses=tuple(a.lower() for a in addresses)))

    def with_addresses(self, addresses: Sequence[str]) -> Config:
        extra = tuple(a.lower() for a in addresses if a.lower() not in self.identity.addresses)
        return replace(self, identity=replace(self.identity, addresses=self.identity.addresses + extra))

    @property
    def own_addresses(self) -> frozenset[str]:
        """The user's addresses: the identity's, plus account logins that are addresses."""
        own = {a.lower() for a in self.identity.addresses}
        own.update(a.username.lower() for a in self.accounts if _EMAIL.match(a.username))
        return frozenset(own)


def _str(path: Path | None) -> str | None:
    return str(path) if path else None


def _run_secret_command(command: str, account: str, key: str) -> str:
    # The command's output is a secret: never log it, and never echo stderr,
    # which some password managers fill with the prompt or the entry.
    where = f"accounts.{account}.{key}"
    try:
        done = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, timeout=60)
    except UnicodeDecodeError:
        # Not `from exc`: its message quotes the undecodable bytes of the secret.
        raise ConfigError("the command printed something that is not UTF-8 text", key=where) from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"could not run the command: {exc.__class__.__name__}", key=where) from exc
    if done.returncode != 0:
        raise ConfigError(f"the command exited with status {done.returncode}", key=where)
    value = done.stdout.splitlines()[0].strip() if done.stdout.strip() else ""
    if not value:
        raise ConfigError("the command printed nothing", key=where)
    return value


def resolve_config_path(option: str | os.PathLike | None) -> Path:
    """--config, then $MAILFLOW_CONFIG, then the XDG default."""
    if option:
        return Path(option).expanduser()
    env = os.environ.get("MAILFLOW_CONFIG")
    if env:
        return Path(env).expanduser()
    return default_config_path()


def load_config(path: Path, database: str | os.PathLike | None = None) -> Config:
    """Read and validate a config file; `database` (from --db) overrides the file."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError("no config file here; run `mailflow init` to write one", path=str(path)) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", path=str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=str(path)) from exc
    return parse_config(data, path, database)


def parse_config(data: dict[str, Any], path: Path | None = None,
                 database: str | os.PathLike | None = None) -> Config:
    reader = _Reader(data, "", path)
    reader.only(TOP_KEYS)
    db_value = reader.string("database", None)
    identity = _parse_identity(reader.table("identity"))
    accounts_table = reader.table("accounts")
    accounts = tuple(_parse_account(name, accounts_table.table(name)) for name in accounts_table.keys())
    rules = _parse_rules(reader.table("rules"), path, accounts)
    service = reader.table("service")
    service.only(("poll_interval",))
    poll_interval = service.integer("poll_interval", 300)
    if poll_interval < 30:
        raise service.error("poll_interval", "must be at least 30 seconds; servers rate-limit faster polling")
    if database:
        db_path = Path(database).expanduser()
    elif db_value:
        db_path = Path(db_value).expanduser()
        if not db_path.is_absolute() and path is not None:
            db_path = path.parent / db_path
    else:
        db_path = default_database_path()
    return Config(path=path, database=db_path, identity=identity, accounts=accounts, rules=rules,
                  poll_interval=poll_interval)


def _parse_rules(reader: _Reader, path: Path | None, accounts: tuple[Account, ...]) -> Rules:
    reader.only(RULES_KEYS)
    follow = reader.table("follow_up")
    follow.only(("mode", "after_days", "max_per_thread", "min_gap_days"))
    agenda = reader.table("agenda")
    agenda.only(("mode", "hours_before"))
    feedback = reader.table("feedback_request")
    feedback.only(("mode", "hours_after", "within_days"))
    digest = reader.table("digest")
    digest.only(("mode", "at", "to"))
    at_text = digest.string("at", "08:00")
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", at_text.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise digest.error("at", f"{at_text!r} is not a time like \"08:00\"")
    account = reader.string("account", None)
    if account is not None and account not in {a.name for a in accounts}:
        raise reader.error("account", f"no account named {account!r}")
    templates = reader.string("templates", None)
    templates_path = Path(templates).expanduser() if templates else None
    if templates_path and not templates_path.is_absolute() and path is not None:
        templates_path = path.parent / templates_path
    if templates_path and not templates_path.is_dir():
        raise reader.error("templates", f"{templates_path} is not a folder")
    to = digest.string("to", None)
    if to is not None and not _EMAIL.match(to):
        raise digest.error("to", f"{to!r} is not an email address")
    return Rules(
        follow_up=FollowUpRule(mode=follow.choice("mode", MODES, "draft"),
                               after_days=follow.integer("after_days", 3),
                               max_per_thread=follow.integer("max_per_thread", 2),
                               min_gap_days=follow.integer("min_gap_days", 4)),
        agenda=AgendaRule(mode=agenda.choice("mode", MODES, "draft"),
                          hours_before=float(agenda.number("hours_before", 3))),
        feedback_request=FeedbackRule(mode=feedback.choice("mode", MODES, "draft"),
                                      hours_after=float(feedback.number("hours_after", 2)),
                                      within_days=feedback.integer("within_days", 2)),
        digest=DigestRule(mode=digest.choice("mode", MODES, "send"), at=time(int(match[1]), int(match[2])), to=to),
        account=account, templates=templates_path,
        lookback_days=reader.integer("lookback_days", 0),
        max_per_contact_per_day=reader.integer("max_per_contact_per_day", 1),
        max_per_day=reader.integer("max_per_day", 20),
        save_to_sent=reader.boolean("save_to_sent", True),
    )


IDENTITY_KEYS = ("name", "addresses", "timezone", "workdays", "work_hours")
ACCOUNT_KEYS = ("imap_host", "imap_port", "imap_security", "allow_plaintext", "username", "auth", "password",
                "password_command", "password_env", "oauth2_token_command", "ca_file", "timeout", "folders",
                "smtp_host", "smtp_port", "smtp_security", "smtp_username")
TOP_KEYS = ("database", "identity", "accounts", "rules", "service")
RULES_KEYS = ("follow_up", "agenda", "feedback_request", "digest", "account", "templates", "lookback_days",
              "max_per_contact_per_day", "max_per_day", "save_to_sent")


def _parse_identity(reader: _Reader) -> Identity:
    reader.only(IDENTITY_KEYS)
    addresses = tuple(a.strip().lower() for a in reader.string_list("addresses", []))
    for address in addresses:
        if not _EMAIL.match(address):
            raise reader.error("addresses", f"{address!r} is not an email address")
    timezone = reader.string("timezone", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise reader.error("timezone", f"unknown timezone {timezone!r} (use an IANA name like Europe/Berlin)") from exc
    workdays = tuple(d.lower()[:3] for d in reader.string_list("workdays", ["mon", "tue", "wed", "thu", "fri"]))
    for day in workdays:
        if day not in WEEKDAYS:
            raise reader.error("workdays", f"{day!r} is not a weekday (use mon, tue, ...)")
    start, end = _parse_hours(reader, reader.string("work_hours", "09:00-17:30"))
    return Identity(name=reader.string("name", ""), addresses=addresses, timezone=timezone,
                    workdays=workdays, work_start=start, work_end=end)


def _parse_hours(reader: _Reader, value: str) -> tuple[time, time]:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", value)
    if not match:
        raise reader.error("work_hours", f"{value!r} is not a range like \"09:00-17:30\"")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError as exc:
        raise reader.error("work_hours", f"{value!r}: {exc}") from exc
    if end <= start:
        raise reader.error("work_hours", f"{value!r}: the end must be after the start")
    return start, end


def _parse_account(name: str, reader: _Reader) -> Account:
    reader.only(ACCOUNT_KEYS)
    host = reader.string("imap_host")
    security = reader.choice("imap_security", SECURITY, "tls")
    allow_plaintext = reader.boolean("allow_plaintext", False)
    if security == "none" and not allow_plaintext and not is_loopback(host):
        raise reader.error("imap_security", f"plaintext IMAP to {host} would expose your password; "
                           "use tls or starttls, or set allow_plaintext = true")
    auth = reader.choice("auth", ("password", "xoauth2"), "password")
    password = reader.string("password", None)
    password_command = reader.string("password_command", None)
    password_env = reader.string("password_env", None)
    token_command = reader.string("oauth2_token_command", None)
    sources = [k for k, v in (("password", password), ("password_command", password_command),
                              ("password_env", password_env)) if v is not None]
    if auth == "xoauth2":
        if not token_command:
            raise reader.error("oauth2_token_command", "auth = \"xoauth2\" needs a command that prints an access token")
    elif not sources:
        raise reader.error("password_command", "set one of password_command, password_env or password")
    if len(sources) > 1:
        raise reader.error(sources[1], f"set only one of {', '.join(sources)}")
    if password is not None:
        log.warning("accounts.%s: the password is stored in plain text in the config; "
                    "password_command or password_env is safer", name)
    ca_file = reader.string("ca_file", None)
    if ca_file and not Path(ca_file).expanduser().is_file():
        raise reader.error("ca_file", f"{ca_file} is not a file")
    smtp_host = reader.string("smtp_host", None)
    smtp_security = reader.choice("smtp_security", SECURITY, "tls")
    if smtp_host and smtp_security == "none" and not allow_plaintext and not is_loopback(smtp_host):
        raise reader.error("smtp_security", f"plaintext SMTP to {smtp_host} would expose your password; "
                           "use tls or starttls, or set allow_plaintext = true")
    account = Account(
        name=name,
        imap_host=host,
        imap_port=reader.integer("imap_port", DEFAULT_PORTS["imap"][security]),
        imap_security=security,
        allow_plaintext=allow_plaintext,
        username=reader.string("username"),
        auth=auth,
        password=password,
        password_command=password_command,
        password_env=password_env,
        oauth2_token_command=token_command,
        ca_file=str(Path(ca_file).expanduser()) if ca_file else None,
        timeout=float(reader.number("timeout", 60)),
        folders=tuple(reader.string_list("folders", [])),
        smtp_host=smtp_host,
        smtp_port=reader.integer("smtp_port", DEFAULT_PORTS["smtp"][smtp_security]) if smtp_host else None,
        smtp_security=smtp_security,
        smtp_username=reader.string("smtp_username", None),
    )
    return account


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Reader:
    """Typed access to one TOML table, with errors that name the file and key."""

    _MISSING = object()

    def __init__(self, data: dict[str, Any], prefix: str, path: Path | None):
        self.data = data
        self.prefix = prefix
        self.path = path

    def keys(self) -> list[str]:
        return list(self.data)

    def only(self, known: tuple[str, ...]) -> None:
        # Checked before anything else: a misspelt `pasword_command` must be
        # reported as a typo, not as an account without a password.
        unknown = sorted(set(self.data) - set(known))
        if unknown:
            raise self.error(unknown[0], "unknown key (is it misspelt?)")

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, path=_str(self.path), key=self.prefix + key)

    def _get(self, key: str, default: Any) -> Any:
        if key in self.data:
            return self.data[key]
        if default is self._MISSING:
            raise self.error(key, "is required")
        return default

    def table(self, key: str) -> _Reader:
        value = self._get(key, {})
        if not isinstance(value, dict):
            raise self.error(key, "must be a table")
        return _Reader(value, f"{self.prefix}{key}.", self.path)

    def string(self, key: str, default: Any = _MISSING) -> Any:
        value = self._get(key, default)
        if value is not default and not isinstance(value, str):
            raise self.error(key, f"must be a string, not {type(value).__name__}")
        if isinstance(value, str) and default is self._MISSING and not value.strip():
            raise self.error(key, "must not be empty")
        return value

    def string_list(self, key: str, default: list[str]) -> list[str]:
        value = self._get(key, default)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "must be a list of strings")
        return value

    def integer(self, key: str, default: Any = _MISSING) -> Any:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be an integer, not {type(value).__name__}")
        if value < 0:
            raise self.error(key, "must not be negative")
        if not 0 < value < 65536 and key.endswith("port"):
            raise self.error(key, f"{value} is not a port number")
        return value

    def number(self, key: str, default: Any = _MISSING) -> float:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise self.error(key, "must be a positive number")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, "must be true or false")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.string(key, default)
        if value not in choices:
            raise self.error(key, f"{value!r} is not one of {', '.join(choices)}")
        return value



@dataclass(frozen=True)
class Preset:
    """Hosts, ports and security for a mail provider, used by `mailflow init`."""

    imap_host: str
    imap_port: int
    imap_security: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    auth: str
    note: str


PRESETS: dict[str, Preset] = {
    "gmail": Preset("imap.gmail.com", 993, "tls", "smtp.gmail.com", 465, "tls", "password",
                    "Gmail: create an app password (Google Account > Security > App passwords), "
                    "or use auth = \"xoauth2\" with a token command."),
    "microsoft365": Preset("outlook.office365.com", 993, "tls", "smtp.office365.com", 587, "starttls", "xoauth2",
                           "Microsoft 365 refuses plain passwords: set oauth2_token_command to a command "
                           "that prints an access token (e.g. from oama or mutt_oauth2.py)."),
    "fastmail": Preset("imap.fastmail.com", 993, "tls", "smtp.fastmail.com", 465, "tls", "password",
                       "Fastmail: create an app password under Settings > Privacy & Security."),
}


def local_timezone() -> str:
    """The machine's IANA timezone name, or UTC when it cannot be told."""
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
            ZoneInfo(name)
            return name
    except (OSError, ZoneInfoNotFoundError, ValueError):
        pass
    return "UTC"


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def starter_config(*, name: str, email: str, timezone: str, provider: str, imap_host: str | None = None,
                   smtp_host: str | None = None, password_command: str | None = None) -> str:
    """The text of a first config.toml for one account; it validates as written."""
    preset = PRESETS.get(provider)
    if preset is None:
        if not imap_host:
            raise ConfigError("a generic provider needs --imap-host", key="imap_host")
        preset = Preset(imap_host, 993, "tls", smtp_host or imap_host, 465, "tls", "password",
                        "Generic server: check the ports and security with your provider.")
    secret = (f"oauth2_token_command = {_toml_string(password_command or 'your-token-command')}"
              if preset.auth == "xoauth2" else
              f"password_command = {_toml_string(password_command or 'pass show mail/' + email)}")
    text = f"""# mailflow configuration, written by `mailflow init`.
# Every key is described in config.example.toml.

[identity]
name = {_toml_string(name)}
addresses = [{_toml_string(email)}]
timezone = {_toml_string(timezone)}
workdays = ["mon", "tue", "wed", "thu", "fri"]
work_hours = "09:00-17:30"

# {preset.note}
[accounts.main]
imap_host = {_toml_string(preset.imap_host)}
imap_port = {preset.imap_port}
imap_security = "{preset.imap_security}"
username = {_toml_string(email)}
auth = "{preset.auth}"
{secret}
smtp_host = {_toml_string(smtp_host or preset.smtp_host)}
smtp_port = {preset.smtp_port}
smtp_security = "{preset.smtp_security}"
"""
    parse_config(tomllib.loads(text))  # never write a file that would not load
    return text


def write_config(path: Path, text: str, *, force: bool = False) -> Path:
    """Write a config file with mode 0600 (it may name secrets), refusing to overwrite unless forced."""
    if path.exists() and not force:
        raise ConfigError("already exists; pass --force to overwrite it", path=str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(path, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot write: {exc.strerror}", path=str(path)) from exc
    return path
