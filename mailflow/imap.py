"""The IMAP source: connect, find folders, and fetch only what parsing needs.

For each message it fetches BODYSTRUCTURE, the header block, and the first
bytes of the text parts worth reading; attachment bytes never cross the wire.
Every byte from the server is decoded here, so the rest of mailflow sees
`RawMessage` records and `str`.
"""

from __future__ import annotations

import email.errors
import email.header
import imaplib
import logging
import re
import socket
import ssl
import urllib.parse
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from .config import Account
from .errors import AuthError, ImapError, describe_error
from .records import Attachment, RawMessage, TextPart

log = logging.getLogger(__name__)

# Enough of any text part to find what a person wrote above the quote; the rest
# of a 5 MB mail is history, logs or a pasted document.
TEXT_PART_LIMIT = 256 * 1024
BATCH_SIZE = 250

# Errors after which a new connection may well succeed...
TRANSIENT = (IMAPClient.AbortError, imaplib.IMAP4.abort, OSError, ssl.SSLError, EOFError)
# ...and those after which it will not.
PERMANENT = (ssl.SSLCertVerificationError, socket.gaierror)

# imaplib refuses response lines over 1 MB; the UID list of a 100,000-message
# folder with 10-digit UIDs is longer than that.
imaplib._MAXLINE = max(imaplib._MAXLINE, 64 * 1024 * 1024)

SENT_NAMES = ("Sent", "Sent Items", "Sent Messages", "Sent Mail", "[Gmail]/Sent Mail", "INBOX.Sent",
              "INBOX/Sent", "Gesendet", "Gesendete Elemente", "Gesendete Objekte", "Envoyés",
              "Éléments envoyés", "Enviados", "Verzonden", "Inviata", "Posta inviata")
DRAFTS_NAMES = ("Drafts", "[Gmail]/Drafts", "INBOX.Drafts", "INBOX/Drafts", "Draft", "Entwürfe",
                "Brouillons", "Borradores", "Concepten", "Bozze")


@dataclass(frozen=True)
class Folder:
    name: str
    role: str | None  # "inbox", "sent", "drafts" or None


@dataclass(frozen=True)
class Selected:
    uidvalidity: int
    uidnext: int | None
    exists: int


def _tls_context(account: Account) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=account.ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class ImapSession:
    """One logged-in connection to one account."""

    def __init__(self, account: Account):
        self.account = account
        self.client: IMAPClient | None = None

    def __enter__(self) -> ImapSession:
        self.connect()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    @property
    def where(self) -> str:
        return f"{self.account.imap_host}:{self.account.imap_port}"

    def connect(self) -> None:
        account = self.account
        use_tls = account.imap_security == "tls"
        try:
            client = IMAPClient(account.imap_host, port=account.imap_port, ssl=use_tls,
                                ssl_context=_tls_context(account) if use_tls else None,
                                timeout=account.timeout)
        except (IMAPClientError, *TRANSIENT) as exc:
            raise ImapError(f"cannot connect to {self.where}: {describe_error(exc)}") from exc
        try:
            if account.imap_security == "starttls":
                client.starttls(_tls_context(account))
            secret = account.secret()
            if account.auth == "xoauth2":
                client.oauth2_login(account.username, secret)
            elif secret.isascii() and account.username.isascii():
                client.login(account.username, secret)
            else:
                # LOGIN is ASCII-only; SASL PLAIN carries UTF-8.
                client.plain_login(account.username, secret)
        except LoginError as exc:
            client.shutdown()
            raise AuthError(f"login to {self.where} as {account.username} failed: {describe_error(exc)}") from exc
        except (IMAPClientError, *TRANSIENT) as exc:
            _quiet_shutdown(client)
            raise ImapError(f"cannot log in to {self.where}: {describe_error(exc)}") from exc
        except BaseException:
            _quiet_shutdown(client)
            raise
        self.client = client
        log.debug("connected to %s as %s", self.where, account.username)

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.logout()
            except (IMAPClientError, *TRANSIENT):
                _quiet_shutdown(self.client)
            self.client = None

    def _call(self, what: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        assert self.client is not None, "not connected"
        try:
            return func(*args, **kwargs)
        except TRANSIENT:
            raise  # the caller reconnects
        except IMAPClientError as exc:
            raise ImapError(f"{what} failed on {self.where}: {describe_error(exc)}") from exc

    # --- folders --------------------------------------------------------------

    def folders(self) -> list[Folder]:
        listed = self._call("LIST", self.client.list_folders)
        names = [name for flags, _delim, name in listed if b"\\Noselect" not in flags
                 and b"\\NonExistent" not in flags]
        special = {}
        for flags, _delim, name in listed:
            for flag, role in ((b"\\Sent", "sent"), (b"\\Drafts", "drafts")):
                if flag in flags and role not in special:
                    special[role] = name
        for role, fallbacks in (("sent", SENT_NAMES), ("drafts", DRAFTS_NAMES)):
            if role not in special:
                lowered = {n.lower(): n for n in names}
                special[role] = next((lowered[f.lower()] for f in fallbacks if f.lower() in lowered), None)
        roles = {name: role for role, name in special.items() if name}
        return [Folder(name, "inbox" if name.upper() == "INBOX" else roles.get(name)) for name in names]

    def folder_for(self, role: str) -> str | None:
        return next((f.name for f in self.folders() if f.role == role), None)

    def select(self, folder: str) -> Selected:
        info = self._call(f"SELECT {folder}", self.client.select_folder, folder, readonly=True)
        uidvalidity = info.get(b"UIDVALIDITY")
        if uidvalidity is None:
            raise ImapError(f"{self.where} gave no UIDVALIDITY for {folder}")
        return Selected(int(uidvalidity), int(info[b"UIDNEXT"]) if b"UIDNEXT" in info else None,
                        int(info.get(b"EXISTS", 0)))

    def status(self, folder: str) -> Selected:
        """UIDVALIDITY and UIDNEXT without opening the folder: servers answer STATUS from a small index."""
        info = self._call(f"STATUS {folder}", self.client.folder_status, folder,
                          [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES"])
        if b"UIDVALIDITY" not in info:
            raise ImapError(f"{self.where} gave no UIDVALIDITY for {folder}")
        return Selected(int(info[b"UIDVALIDITY"]), int(info[b"UIDNEXT"]) if b"UIDNEXT" in info else None,
                        int(info.get(b"MESSAGES", 0)))

    def uids_after(self, last_uid: int) -> list[int]:
        # "N:*" always matches the highest UID even when it is below N, so filter.
        found = self._call("UID SEARCH", self.client.search, ["UID", f"{last_uid + 1}:*"])
        return sorted(uid for uid in found if uid > last_uid)

    def search_header(self, folder: str, header: str, value: str) -> list[int]:
        self.select(folder)
        return self._call("SEARCH", self.client.search, ["HEADER", header, value])

    # --- messages -------------------------------------------------------------

    def fetch_batch(self, folder: str, uids: Sequence[int]) -> list[RawMessage]:
        """The messages with these UIDs (at most a batch), in UID order; expunged ones are missing."""
        meta = self._fetch(uids, "FLAGS RFC822.SIZE BODYSTRUCTURE BODY.PEEK[HEADER]")
        plans: dict[int, _Plan] = {}
        by_sections: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for uid in uids:
            data = meta.get(uid)
            if data is None or (not data.get("BODY[HEADER]") and not int(data.get("RFC822.SIZE") or 0)):
                continue  # expunged between SEARCH and FETCH: nothing, or an empty ghost
            plan = _plan(data.get("BODYSTRUCTURE"))
            plans[uid] = plan
            if plan.sections:
                by_sections[tuple(s.section for s in plan.sections)].append(uid)
        bodies: dict[int, dict[str, bytes]] = defaultdict(dict)
        # Messages shaped alike (most are "1", or "1.1" in multipart/alternative)
        # share one FETCH, so the round trips stay few.
        for sections, group in by_sections.items():
            items = " ".join(f"BODY.PEEK[{s}]<0.{TEXT_PART_LIMIT}>" for s in sections)
            for uid, data in self._fetch(group, items).items():
                for key, value in data.items():
                    if key.startswith("BODY[") and key != "BODY[HEADER]":
                        bodies[uid][key[5:key.index("]")]] = value or b""
        batch = []
        for uid in uids:
            if uid not in plans:
                continue
            data, plan = meta[uid], plans[uid]
            parts = tuple(
                TextPart(s.content_type, s.charset, s.encoding, bodies[uid].get(s.section, b""),
                         truncated=s.size > TEXT_PART_LIMIT)
                for s in plan.sections)
            batch.append(RawMessage(
                folder=folder, uid=uid,
                flags=tuple(_text(f) for f in data.get("FLAGS") or ()),
                size=int(data.get("RFC822.SIZE") or 0),
                header=data.get("BODY[HEADER]") or b"",
                parts=parts, attachments=plan.attachments, error=plan.error))
        return batch

    def _fetch(self, uids: Sequence[int], items: str) -> dict[int, dict[str, Any]]:
        """UID FETCH, with the response parsed by `parse_fetch_response`.

        imapclient's own parser tokenizes byte by byte in Python, which costs
        more than the whole rest of a sync for BODYSTRUCTURE-heavy batches, so
        this goes through imapclient's imaplib connection and parses here.
        """
        assert self.client is not None, "not connected"
        uid_set = uid_ranges(uids)
        try:
            status, data = self.client._imap.uid("FETCH", uid_set, f"(UID {items})")
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:
            raise ImapError(f"FETCH failed on {self.where}: {describe_error(exc)}") from exc
        if status != "OK":
            raise ImapError(f"FETCH failed on {self.where}: {_text(data[0] if data else status)}")
        return parse_fetch_response(data)

    def supports_idle(self) -> bool:
        return self.client is not None and self.client.has_capability("IDLE")

    def wait_for_mail(self, seconds: float) -> bool:
        """IDLE on the selected folder for up to `seconds`; True when the server announced new mail."""
        self._call("IDLE", self.client.idle)
        try:
            responses = self._call("IDLE", self.client.idle_check, timeout=seconds)
        finally:
            self._call("IDLE DONE", self.client.idle_done)
        return any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses)

    def append(self, folder: str, raw: bytes, flags: Sequence[str] = ()) -> None:
        self._call(f"APPEND to {folder}", self.client.append, folder, raw, flags=list(flags))


def uid_ranges(uids: Sequence[int]) -> str:
    """An IMAP sequence set with consecutive UIDs collapsed: [1, 2, 3, 7] -> "1:3,7"."""
    parts: list[str] = []
    ordered = sorted(set(uids))
    start = previous = ordered[0] if ordered else 0
    for uid in ordered[1:]:
        if uid != previous + 1:
            parts.append(f"{start}:{previous}" if previous > start else str(start))
            start = uid
        previous = uid
    if ordered:
        parts.append(f"{start}:{previous}" if previous > start else str(start))
    return ",".join(parts)


def _quiet_shutdown(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except OSError:
        pass


# --- FETCH responses ----------------------------------------------------------

# One token of an IMAP response line: a paren, a quoted string, a literal's
# announcement, or an atom (which may carry a [section] and an <origin>).
_TOKEN = re.compile(rb'[()]|"(?:[^"\\]|\\.)*"|\{\d+\+?\}$|(?:[^\s()"\[\]{]+|\[[^\]]*\])+(?:<\d+>)?')
_QUOTED_ESCAPE = re.compile(rb"\\(.)")


def parse_fetch_response(data: Sequence[Any]) -> dict[int, dict[str, Any]]:
    """imaplib's FETCH data -> {uid: {item name: value}}.

    imaplib hands each literal over as (line-before-it, literal bytes), so the
    response is a sequence of line pieces and literals. Lists become Python
    lists, NIL None, quoted strings, literals and atoms bytes; item names are
    upper-case str. Unsolicited FETCH responses without a UID are dropped.
    """
    tokens: list[Any] = []
    for piece in data:
        if isinstance(piece, tuple):
            tokens.extend(_tokenize(piece[0]))
            tokens.append(_Literal(piece[1]))
        elif isinstance(piece, bytes):
            tokens.extend(_tokenize(piece))
    result: dict[int, dict[str, Any]] = {}
    index = 0
    while index < len(tokens):
        # Each response is "SEQ ( NAME VALUE ... )"; the sequence number is skipped.
        if tokens[index] is _OPEN:
            items, index = _nest(tokens, index + 1)
            fields = {_text(name).upper(): value for name, value in zip(items[::2], items[1::2])}
            if fields.get("UID") is not None:
                # A second response for the same message (an unsolicited FLAGS update) adds to it.
                result.setdefault(int(fields["UID"]), {}).update(fields)
        index += 1
    return result


class _Literal(bytes):
    """A literal's or quoted string's bytes: data, never a paren or NIL."""


_OPEN, _CLOSE = object(), object()


def _tokenize(line: bytes) -> list[Any]:
    tokens: list[Any] = []
    for match in _TOKEN.finditer(line):
        token = match.group()
        if token == b"(":
            tokens.append(_OPEN)
        elif token == b")":
            tokens.append(_CLOSE)
        elif token.startswith(b'"'):
            tokens.append(_Literal(_QUOTED_ESCAPE.sub(rb"\1", token[1:-1])))
        elif not token.startswith(b"{"):  # a literal's announcement; imaplib brings the literal
            tokens.append(token)
    return tokens


def _nest(tokens: list[Any], index: int) -> tuple[list[Any], int]:
    """The list that starts at `index` and the index of its closing paren."""
    out: list[Any] = []
    while index < len(tokens):
        token = tokens[index]
        if token is _OPEN:
            inner, index = _nest(tokens, index + 1)
            out.append(inner)
        elif token is _CLOSE:
            return out, index
        elif isinstance(token, _Literal):
            out.append(bytes(token))
        elif token.upper() == b"NIL":
            out.append(None)
        else:
            out.append(token)
        index += 1
    return out, index


# --- BODYSTRUCTURE ------------------------------------------------------------

@dataclass(frozen=True)
class _Section:
    section: str
    content_type: str
    charset: str | None
    encoding: str | None
    size: int


@dataclass(frozen=True)
class _Plan:
    sections: tuple[_Section, ...]
    attachments: tuple[Attachment, ...]
    error: str | None = None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _params(value: Any) -> dict[str, str]:
    if not isinstance(value, (tuple, list)):
        return {}
    items = list(value)
    return {_text(k).lower(): _text(v) for k, v in zip(items[::2], items[1::2])}


def _filename(params: dict[str, str]) -> str | None:
    """The file name from disposition or type parameters, RFC 2231 or 2047 encoded."""
    for key in ("filename", "name"):
        if key in params:
            return _decode_words(params[key])
        extended = params.get(key + "*")
        if extended is not None:
            charset, _, rest = extended.partition("'")
            _lang, _, encoded = rest.partition("'")
            try:
                return urllib.parse.unquote(encoded, encoding=charset or "utf-8", errors="replace")
            except LookupError:
                return urllib.parse.unquote(encoded, errors="replace")
        continued = [params[k] for k in sorted((k for k in params if k.startswith(key + "*")),
                                               key=lambda k: int("".join(c for c in k if c.isdigit()) or 0))]
        if continued:
            return _decode_words("".join(continued))
    return None


def _decode_words(value: str) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (LookupError, ValueError, email.errors.HeaderParseError):
        return value


def _plan(structure: Any) -> _Plan:
    """Choose the text parts to fetch and describe the attachments."""
    if not isinstance(structure, list) or not structure:
        return _Plan((), (), "no BODYSTRUCTURE from the server")
    sections: list[_Section] = []
    attachments: list[Attachment] = []
    try:
        _walk(structure, "", sections, attachments)
    except (IndexError, TypeError, ValueError) as exc:
        return _Plan(tuple(sections), tuple(attachments), f"unreadable BODYSTRUCTURE: {exc}")
    return _Plan(tuple(sections), tuple(attachments))


def _walk(part: Any, prefix: str, sections: list[_Section], attachments: list[Attachment]) -> None:
    if isinstance(part[0], list):  # multipart: child, child, ..., subtype, extension data
        children, subtype = _multipart(part)
        if subtype == "alternative":
            children_texts = [_leaf_type(c) for c in children]
            # Read the plain version when it holds text; HTML only as a fallback
            # (some senders put an empty plain part beside the real HTML one).
            plain_sizes = [int(c[6] or 0) for c, t in zip(children, children_texts) if t == "text/plain"]
            if plain_sizes and max(plain_sizes) > 64:
                keep = {i for i, t in enumerate(children_texts) if t != "text/html"}
            else:
                keep = set(range(len(children)))
        else:
            keep = set(range(len(children)))
        for index, child in enumerate(children, start=1):
            if index - 1 in keep:
                _walk(child, f"{prefix}{index}.", sections, attachments)
        return
    section = prefix[:-1] if prefix else "1"
    maintype, subtype = _text(part[0]).lower(), _text(part[1]).lower()
    content_type = f"{maintype}/{subtype}"
    params = _params(part[2])
    encoding = _text(part[5]).lower() or None
    size = int(part[6] or 0)
    disposition = _disposition(part, maintype, subtype)
    disp_type = _text(disposition[0]).lower() if disposition else ""
    disp_params = _params(disposition[1]) if disposition and len(disposition) > 1 else {}
    filename = _filename(disp_params) or _filename(params)
    is_text = maintype == "text" and subtype in ("plain", "html", "calendar")
    if is_text and disp_type != "attachment" and not (filename and subtype != "calendar"):
        sections.append(_Section(section, content_type, params.get("charset"), encoding, size))
        return
    decoded = size * 3 // 4 if encoding == "base64" else size
    attachments.append(Attachment(filename, content_type, decoded))


def _multipart(part: list[Any]) -> tuple[list[Any], str]:
    count = next((i for i, item in enumerate(part) if not isinstance(item, list)), len(part))
    return part[:count], _text(part[count]).lower() if count < len(part) else "mixed"


def _leaf_type(part: Any) -> str:
    if isinstance(part[0], list):
        return "multipart/" + _multipart(part)[1]
    return f"{_text(part[0]).lower()}/{_text(part[1]).lower()}"


def _disposition(part: Any, maintype: str, subtype: str) -> Any:
    # Extension data sits after the type-specific fields: text has a line
    # count, message/rfc822 an envelope, body and line count.
    if maintype == "text":
        index = 9
    elif maintype == "message" and subtype in ("rfc822", "global"):
        index = 11
    else:
        index = 8
    value = part[index] if len(part) > index else None
    return value if isinstance(value, (tuple, list)) and value else None
