"""Compose: render the email templates and build standards-correct messages.

Templates run in a sandboxed Jinja2 environment. Everything that comes from mail
(subjects, names, sentences) reaches a template only as context data, never as
template source, so a sentence like "{{ 7*7 }}" is printed as written.

Each email template is a ``<name>.txt`` whose first line is ``Subject: ...``; the
rest of the file is the plain-text body. The digest also has ``digest.html``, a
body only. See templates/README.md for the contexts each template receives.
"""

from __future__ import annotations

import re
import secrets
import traceback
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email import policy as email_policy
from email.headerregistry import Address as HeaderAddress
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from mailflow.errors import ConfigError
from mailflow.records import Address

TEMPLATE_NAMES = ("follow_up", "agenda", "feedback_request", "digest")
_HTML_TEMPLATES = frozenset({"digest"})
_SUBJECT_SUFFIX = "#subject"
_SUBJECT_PREFIX = "Subject:"

_MAX_REFERENCES = 20
_MAX_ID_LENGTH = 900  # an id beyond this cannot sit on one RFC 5322 line with its header name
# Headers build_email sets itself; letting extra_headers add a second copy would
# make the message ambiguous to every reader.
_OWN_HEADERS = frozenset({
    "from", "to", "cc", "bcc", "subject", "date", "message-id", "in-reply-to", "references",
    "mime-version", "content-type", "content-transfer-encoding",
})

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|vs|antw)\s*:", re.IGNORECASE)


class TemplateError(ConfigError):
    """A template is missing, broken, or used a value it was not given."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        self.line = line
        where = f"line {line}: " if line else ""
        super().__init__(where + _one_line(message), path=path)


@dataclass(frozen=True)
class Rendered:
    """One rendered email: its subject, its text body and, for the digest, HTML."""

    subject: str
    text: str
    html: str | None


# --------------------------------------------------------------------------- filters


def _in_user_zone(context: Any, value: datetime) -> datetime:
    """Show times in the user's zone (that of `now`), the one they read them in."""
    now = context.get("now")
    if isinstance(now, datetime) and now.tzinfo is not None and value.tzinfo is not None:
        return value.astimezone(now.tzinfo)
    return value


def _format_day(value: datetime) -> str:
    # Names are spelled out here so the output never depends on the process locale.
    return f"{_DAYS[value.weekday()]} {value.day} {_MONTHS[value.month - 1]}"


@jinja2.pass_context
def _date_filter(context: Any, value: datetime | None) -> str:
    if value is None:
        return ""
    return _format_day(_in_user_zone(context, value))


@jinja2.pass_context
def _datetime_filter(context: Any, value: datetime | None, zone: bool = False) -> str:
    if value is None:
        return ""
    local = _in_user_zone(context, value)
    text = f"{_format_day(local)}, {local:%H:%M}"
    name = local.tzname() if zone else None
    return f"{text} ({name})" if name else text


def _hours_filter(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 24:
        return f"{value:.1f} h"
    return f"{value / 24:.1f} days"


def _quote_filter(value: str) -> str:
    """Quote text the way mail clients do, one '> ' per line."""
    return "\n".join(f"> {line}".rstrip() for line in str(value).splitlines() or [""])


def _person_filter(value: Any) -> str:
    """A contact given as a dict or as a plain name/address, as a display name."""
    if isinstance(value, Mapping):
        return str(value.get("name") or value.get("email") or "")
    return "" if value is None else str(value)


def _reply_subject_filter(value: str) -> str:
    subject = " ".join(str(value).split())
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}".rstrip()


_FILTERS: dict[str, Callable[..., str]] = {
    "date": _date_filter,
    "datetime": _datetime_filter,
    "hours": _hours_filter,
    "quote": _quote_filter,
    "person": _person_filter,
    "reply_subject": _reply_subject_filter,
}


# --------------------------------------------------------------------------- environment


class _SubjectSplitLoader(jinja2.BaseLoader):
    """Serves each .txt file as two templates: its Subject line and its body.

    The body keeps an empty line where the subject was, so line numbers in error
    messages match the file the user edits.
    """

    def __init__(self, inner: jinja2.BaseLoader):
        self.inner = inner

    def get_source(self, environment: jinja2.Environment, template: str
                   ) -> tuple[str, str | None, Callable[[], bool] | None]:
        want_subject = template.endswith(_SUBJECT_SUFFIX)
        name = template.removesuffix(_SUBJECT_SUFFIX)
        source, filename, uptodate = self.inner.get_source(environment, name)
        if not name.endswith(".txt"):
            return source, filename, uptodate
        first, newline, rest = source.partition("\n")
        has_subject = first.startswith(_SUBJECT_PREFIX)
        if want_subject:
            if not has_subject:
                raise jinja2.TemplateSyntaxError(
                    f"the first line must be '{_SUBJECT_PREFIX} ...'", 1, name, filename)
            return first.removeprefix(_SUBJECT_PREFIX), filename, uptodate
        return (newline + rest if has_subject else source), filename, uptodate

    def list_templates(self) -> list[str]:
        return self.inner.list_templates()


class _Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox, plus a cap on the operators that can exhaust memory or CPU.

    Intercepting them also stops Jinja from folding `2**10000000` at compile time.
    """

    intercepted_binops = frozenset({"*", "**"})
    _MAX_SIZE = 100_000

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > 64:
            raise jinja2.exceptions.SecurityError("exponent too large")
        if operator == "*" and self._repeats_too_much(left, right):
            raise jinja2.exceptions.SecurityError("repetition too large")
        return super().call_binop(context, operator, left, right)

    def _repeats_too_much(self, left: Any, right: Any) -> bool:
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple)) and isinstance(count, int):
                return len(seq) * count > self._MAX_SIZE
        return False


def _default_dir() -> Path:
    # The package ships as plain files (setuptools package-data), so the
    # resources path is a real directory a FileSystemLoader can read.
    return Path(str(resources.files("mailflow") / "templates"))


def _file_names(name: str) -> list[str]:
    names = [f"{name}.txt"]
    if name in _HTML_TEMPLATES:
        names.append(f"{name}.html")
    return names


# --------------------------------------------------------------------------- templates


class Templates:
    """The email templates: the user's overrides first, then the packaged defaults."""

    def __init__(self, override_dir: Path | None = None):
        if override_dir is not None and not Path(override_dir).is_dir():
            raise TemplateError("the template folder does not exist", path=str(override_dir))
        self.override_dir = Path(override_dir) if override_dir is not None else None
        self.default_dir = _default_dir()
        folders = [self.default_dir] if self.override_dir is None else [self.override_dir, self.default_dir]
        self.env = _Sandbox(
            loader=_SubjectSplitLoader(jinja2.FileSystemLoader([str(f) for f in folders])),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False,
                                                default=False),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(_FILTERS)

    def render(self, name: str, context: Mapping[str, Any]) -> Rendered:
        if name not in TEMPLATE_NAMES:
            raise ValueError(f"unknown template {name!r}; expected one of {', '.join(TEMPLATE_NAMES)}")
        text_file = f"{name}.txt"
        subject = " ".join(self._render(text_file + _SUBJECT_SUFFIX, context).split())
        text = _tidy_text(self._render(text_file, context))
        html = None
        if name in _HTML_TEMPLATES:
            html = self._render(f"{name}.html", context).strip() + "\n"
        return Rendered(subject=subject, text=text, html=html)

    def check(self) -> list[str]:
        """Every template parses and renders against sample contexts; the problems found."""
        problems = [f"{self._origin(name)}: unknown template name, it is never used"
                    for name in self._unknown_overrides()]
        for name in TEMPLATE_NAMES:
            files = [sub for file in _file_names(name)
                     for sub in ((file, file + _SUBJECT_SUFFIX) if file.endswith(".txt") else (file,))]
            broken = [problem for file in files if (problem := _problem(self._load, file))]
            problems += broken
            if not broken:
                # One failing render says what is wrong; the other samples would repeat it.
                problems += [problem for problem in
                             (_problem(self.render, name, context) for context in sample_contexts(name))
                             if problem][:1]
        return problems

    def _unknown_overrides(self) -> list[str]:
        if self.override_dir is None:
            return []
        known = {file for name in TEMPLATE_NAMES for file in _file_names(name)}
        # Files named _*.txt or _*.html are partials for {% include %}; any other
        # unknown name is most likely a misspelt override that would be ignored.
        return sorted(p.name for p in self.override_dir.iterdir()
                      if p.suffix in (".txt", ".html") and p.name not in known
                      and not p.name.startswith("_"))

    def _origin(self, file: str) -> str:
        for folder in (self.override_dir, self.default_dir):
            if folder is not None and (folder / file).is_file():
                return str(folder / file)
        return file

    def _load(self, file: str) -> jinja2.Template:
        try:
            return self.env.get_template(file)
        except Exception as exc:
            raise self._error(file, exc) from exc

    def _render(self, file: str, context: Mapping[str, Any]) -> str:
        template = self._load(file)
        try:
            return template.render(context)
        # A template is the user's code: whatever it raises is a template problem,
        # reported with its file and line rather than as a crash.
        except Exception as exc:
            raise self._error(file, exc) from exc

    def _error(self, file: str, exc: Exception) -> TemplateError:
        base = file.removesuffix(_SUBJECT_SUFFIX)
        if isinstance(exc, jinja2.TemplateNotFound) and exc.name == base:
            return TemplateError("template not found", path=base)
        if isinstance(exc, jinja2.TemplateSyntaxError):
            return TemplateError(exc.message or "syntax error",
                                 path=exc.filename or self._origin(base), line=exc.lineno)
        path, line = _template_frame(exc, self._origin(base))
        return TemplateError(f"{type(exc).__name__}: {exc}", path=path, line=line)


def _problem(call: Callable[..., Any], *args: Any) -> str | None:
    try:
        call(*args)
    except TemplateError as exc:
        return str(exc)
    return None


def _template_frame(exc: Exception, fallback: str) -> tuple[str, int | None]:
    """The template file and line an error was raised from.

    Jinja rewrites tracebacks so that template code shows up as frames whose
    filename is the template file; the innermost one is where it failed.
    """
    found: tuple[str, int | None] = (fallback, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".txt", ".html")):
            found = (frame.filename, frame.lineno)
    return found


def _tidy_text(text: str) -> str:
    """Trailing spaces and runs of blank lines left by template logic go away."""
    lines = [line.rstrip() for line in text.splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip("\n") + "\n"


def _one_line(message: str) -> str:
    return " ".join(message.split())


# --------------------------------------------------------------------------- sample contexts


def sample_contexts(name: str) -> list[dict[str, Any]]:
    """Contexts shaped like the ones the rules pass, one per branch worth trying.

    `Templates.check` renders each template against these, so a user's override
    that names a value it is not given fails at `mailflow check`, not at 8 a.m.
    """
    now = datetime(2026, 11, 19, 8, 0, tzinfo=timezone(timedelta(hours=1)))
    user = {"name": "Maya Lindqvist", "first_name": "Maya", "email": "maya@example.com"}
    contact = {"name": "Jonas Weber", "first_name": "Jonas", "email": "jonas@example.com"}
    base = {"user": user, "now": now}
    due = now - timedelta(days=2)
    if name == "follow_up":
        return [
            {**base, "contact": contact, "greeting": "Hi Jonas,", "thread": {"subject": "Homepage"},
             "item": {"kind": kind, "sentence": "Could you send the files?", "due": due if kind != "proposal" else None,
                      "due_text": "Monday" if kind != "proposal" else None, "sent_at": now - timedelta(days=7)},
             "step": step, "days_waiting": 4}
            for kind in ("request", "promise", "proposal") for step in (1, 2)
        ]
    if name == "agenda":
        meeting = {"start": now + timedelta(hours=3), "sentence": "Let's talk at 11.", "subject": "Homepage"}
        items = [{"kind": "promise", "sentence": "I'll send the draft.", "due": due, "debtor": debtor}
                 for debtor in ("me", "them", "both")]
        recent = [{"from": "Jonas Weber", "date": now - timedelta(days=1), "summary": "See you tomorrow."}]
        return [{**base, "contacts": [contact], "greeting": "Hi Jonas,", "meeting": meeting,
                 "open_items": open_items, "recent": recent_items}
                for open_items, recent_items in ((items, recent), ([], []))]
    if name == "feedback_request":
        return [{**base, "contacts": [contact], "greeting": "Hi Jonas,",
                 "meeting": {"start": now - timedelta(hours=2), "subject": "Homepage"}}]
    keys = ("overdue_mine", "overdue_theirs", "due_today", "due_this_week", "waiting_for_reply",
            "upcoming_meetings")
    entry = {"id": 1, "kind": "promise", "sentence": "I'll send the draft.", "subject": "Homepage",
             "contact": contact, "due": due, "debtor": "me"}
    full = {**base, "sections": {key: [entry] for key in keys}, "counts": {key: 1 for key in keys},
            "response_times": [{"contact": contact, "their_median_hours": 5.0, "my_median_hours": None}]}
    empty = {**base, "sections": {key: [] for key in keys}, "counts": {key: 0 for key in keys},
             "response_times": []}
    return [full, empty]


# --------------------------------------------------------------------------- messages


def make_message_id(domain: str) -> str:
    """A new, globally unique Message-ID, with its angle brackets."""
    return f"<{secrets.token_hex(16)}@{_clean_domain(domain)}>"


_DATE_HEADER = re.compile(rb"^Date:[^\r\n]*(?:\r\n[ \t][^\r\n]*)*", re.IGNORECASE | re.MULTILINE)


def redate(raw: bytes, date: datetime) -> bytes:
    """`raw` with its Date header set to `date`: an email queued on Friday and sent on
    Monday must not arrive dated Friday, buried below the client's newer mail."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    new_head, count = _DATE_HEADER.subn(b"Date: " + format_datetime(date).encode("ascii"), head, count=1)
    return new_head + sep + body if count else raw


def build_email(*, from_addr: Address, to: Sequence[Address], subject: str, text: str, html: str | None = None,
                message_id: str, date: datetime, in_reply_to: str | None = None, references: Sequence[str] = (),
                cc: Sequence[Address] = (), extra_headers: Mapping[str, str] = ()) -> bytes:
    """The message as RFC 5322 bytes with CRLF line ends, ready for SMTP or APPEND.

    Ids may be given with or without angle brackets. References ends with
    In-Reply-To (added when the chain does not already end with it), and a long
    chain keeps its first and last ids, as mail clients trim it.
    """
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("build_email needs a timezone-aware date")
    if not to:
        raise ValueError("build_email needs at least one recipient")
    msg = EmailMessage(policy=_POLICY)
    msg["Date"] = format_datetime(date)
    msg["From"] = _header_address(from_addr)
    msg["To"] = [_header_address(a) for a in to]
    if cc:
        msg["Cc"] = [_header_address(a) for a in cc]
    msg["Subject"] = _clean_header_value(subject)
    msg["Message-ID"] = _require_id(message_id)
    parent = _clean_id(in_reply_to) if in_reply_to else None
    if parent:
        msg["In-Reply-To"] = parent
    chain = _reference_chain(references, parent)
    if chain:
        msg["References"] = " ".join(chain)
    for name, value in dict(extra_headers).items():
        clean_name = _clean_header_name(name)
        msg[clean_name] = _clean_header_value(value)
    msg.set_content(_normalise_body(text), cte=_text_cte(text))
    if html is not None:
        msg.add_alternative(_normalise_body(html), subtype="html", cte="quoted-printable")
        # The stdlib gives each new part its own MIME-Version; it belongs on the message only.
        for part in msg.iter_parts():
            del part["MIME-Version"]
    return msg.as_bytes()


class _IdListHeader(UnstructuredHeader):
    """In-Reply-To and References: folded between ids, never RFC 2047-encoded.

    The stdlib treats them as free text and encodes an id longer than a line
    (Exchange makes those), which breaks threading in every client.
    """

    def fold(self, *, policy: email_policy.Policy) -> str:
        limit = policy.max_line_length or 998
        lines: list[str] = []
        for msg_id in str(self).split():
            # The first id stays on the header line even when long: a folded
            # empty first line reads back as a leading space in some parsers.
            if lines and len(lines[-1]) + 1 + len(msg_id) <= limit:
                lines[-1] += f" {msg_id}"
            else:
                lines.append(f"{'' if lines else self.name + ':'} {msg_id}")
        return policy.linesep.join(lines) + policy.linesep


def _make_policy() -> email_policy.EmailPolicy:
    registry = HeaderRegistry()
    registry.map_to_type("in-reply-to", _IdListHeader)
    registry.map_to_type("references", _IdListHeader)
    return email_policy.SMTP.clone(header_factory=registry)


_POLICY = _make_policy()


def _strip_controls(value: str) -> str:
    """Control characters and line/paragraph separators, the ways to break a header line.

    Whitespace controls become a space, so "Hi\\r\\nBcc: x" stays one harmless line.
    """
    out = []
    for char in str(value):
        category = unicodedata.category(char)
        if char.isspace() and category in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif category not in ("Cc", "Zl", "Zp"):
            out.append(char)
    return "".join(out)


def _clean_header_value(value: str) -> str:
    return " ".join(_strip_controls(value).split())


def _clean_header_name(name: str) -> str:
    # RFC 5322 ftext: printable ASCII except the colon.
    clean = "".join(ch for ch in str(name) if 33 <= ord(ch) <= 126 and ch != ":")
    if not clean:
        raise ValueError(f"not a usable header name: {name!r}")
    if clean.lower() in _OWN_HEADERS:
        raise ValueError(f"build_email sets {clean} itself; it cannot be an extra header")
    return clean


def _clean_domain(domain: str) -> str:
    clean = _clean_header_value(domain).strip(".").lower()
    try:
        ascii_domain = clean.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"not a usable mail domain: {domain!r}") from exc
    if not ascii_domain or not re.fullmatch(r"[a-z0-9.-]+", ascii_domain):
        raise ValueError(f"not a usable mail domain: {domain!r}")
    return ascii_domain


def _header_address(address: Address) -> HeaderAddress:
    email = "".join(_strip_controls(address.email).split())
    local, at, domain = email.rpartition("@")
    if not at or not local or not local.isascii():
        # A non-ASCII local part needs SMTPUTF8, which mailflow does not speak.
        raise ValueError(f"not a sendable address: {address.email!r}")
    try:
        return HeaderAddress(display_name=_clean_header_value(address.name),
                             addr_spec=f"{local}@{_clean_domain(domain)}")
    except (ValueError, IndexError) as exc:
        raise ValueError(f"not a sendable address: {address.email!r}") from exc


def _clean_id(value: str) -> str | None:
    core = re.sub(r"[\s<>]", "", _strip_controls(value))
    if not core or len(core) > _MAX_ID_LENGTH:
        return None
    return f"<{core}>"


def _require_id(value: str) -> str:
    msg_id = _clean_id(value)
    if msg_id is None or "@" not in msg_id:
        raise ValueError(f"not a usable Message-ID: {value!r}")
    return msg_id


def _reference_chain(references: Iterable[str], parent: str | None) -> list[str]:
    chain: list[str] = []
    for ref in references:
        msg_id = _clean_id(ref)
        if msg_id and msg_id not in chain:
            chain.append(msg_id)
    if parent:
        if parent in chain:
            chain.remove(parent)
        chain.append(parent)
    if len(chain) > _MAX_REFERENCES:
        # The root names the thread and the tail locates the reply; the middle can go.
        chain = chain[:1] + chain[-(_MAX_REFERENCES - 1):]
    return chain


def _normalise_body(body: str) -> str:
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def _text_cte(text: str) -> str:
    # Plain short-lined ASCII needs no encoding; anything else goes out as
    # quoted-printable, which every server relays, 8BITMIME or not.
    lines = _normalise_body(text).splitlines()
    if text.isascii() and all(len(line) <= 78 for line in lines):
        return "7bit"
    return "quoted-printable"
