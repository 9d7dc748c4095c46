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
import itertools
import logging
import re
import socket
import ssl
import urllib.parse
from collections import defaultdict
from collections.abc import Callable, Sequence
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
        # Tags for the FETCHes this class sends itself; imaplib's own tags are
        # upper-case letters and digits, so these never meet one of them.
        self._tags = itertools.count(1)

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
        this sends the command on imapclient's imaplib connection, reads the
        response with `_uid_fetch` and parses it here.
        """
        assert self.client is not None, "not connected"
        uid_set = uid_ranges(uids)
        try:
            status, data = _uid_fetch(self.client._imap, b"mf%d" % next(self._tags), uid_set, f"(UID {items})")
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
        announced = self._call("IDLE", self._start_idle)
        responses: list[Any] = []
        try:
            # Mail that came in just before IDLE is announced in the same packet as "+ idling":
            # imaplib has already read it into its buffer, where polling the socket cannot see it.
            if not announced and not self._read_ahead():
                responses = self._call("IDLE", self.client.idle_check, timeout=seconds)
        finally:
            _text, late = self._call("IDLE DONE", self.client.idle_done)
        return announced or any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in [*responses, *late])

    def _start_idle(self) -> bool:
        """Send IDLE and read up to the server's "+"; True when new mail was announced before it.

        A server may send untagged responses at any time (RFC 3501, 7.), "* 4 EXISTS"
        before "+ idling" included; imapclient's idle() takes any such line for a
        protocol error. The IDLE's tag is left where imapclient's idle_check() and
        idle_done() look for it.
        """
        imap = self.client._imap
        tag = imap._command("IDLE")
        announced = False
        while True:
            line = imap._get_response()  # None: the continuation
            if line is None:
                break
            if tag in imap.tagged_commands and imap.tagged_commands[tag] is not None:
                typ, data = imap.tagged_commands.pop(tag)
                raise IMAPClientError(f"IDLE refused: {typ} {_text(data[0]) if data else ''}".strip())
            if line.startswith(b"* BYE"):
                # The server is closing; a server that then leaves the socket open
                # would otherwise hold the watcher until the socket's timeout.
                raise imaplib.IMAP4.abort(f"server closing: {_text(line[2:])}")
            announced |= line.endswith((b" EXISTS", b" RECENT"))
        self.client._idle_tag = tag
        return announced

    def _read_ahead(self) -> bool:
        """Whether server bytes already wait in imaplib's buffer (or in the TLS layer's)."""
        imap = self.client._imap
        readbuf = getattr(imap, "_readbuf", None)
        if readbuf is not None:  # Python 3.14 on: imaplib reads the socket into its own list, not through `file`
            return any(readbuf)
        sock = self.client.socket()
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True
        timeout = sock.gettimeout()
        sock.settimeout(0.0)
        try:
            return bool(imap.file.peek(1))
        except (OSError, ValueError):  # nothing buffered and nothing on the wire (TLS: SSLWantReadError)
            return False
        finally:
            sock.settimeout(timeout)

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


# --- reading a FETCH response -------------------------------------------------

# The shapes imaplib gives the lines of a response, written out here so that
# every line is taken, refused or filed as imaplib.IMAP4.uid() would.
_UNTAGGED = re.compile(rb"\* (?:(\d+) )?([A-Z-]+)(?: (.*))?")
_TAGGED = re.compile(rb"([A-Z]+) (.*)")
_RESPONSE_CODE = re.compile(rb"\[([A-Z-]+)(?: (.*))?\]")
_LITERAL_SIZE = re.compile(rb"\{(\d+)\}\Z")


def _uid_fetch(imap: imaplib.IMAP4, tag: bytes, uid_set: str, items: str) -> tuple[str, list[Any]]:
    """What `imap.uid("FETCH", uid_set, items)` returns or raises, read through imaplib's public
    send(), readline() and read() under a tag of our own.

    imaplib runs a handful of regexes over every line of a response and, with
    the debug level imapclient sets, formats a log record for each; for a batch
    of BODYSTRUCTUREs that costs about as much as parsing them. The untagged
    responses that are not this FETCH's (EXISTS, EXPUNGE, FLAGS, response
    codes) are filed in `imap.untagged_responses` as imaplib files them, and
    FETCH responses left there by an earlier command come first in the data,
    so imapclient and imaplib find their state as they would have left it.
    """
    if imap.state != "SELECTED":
        raise imaplib.IMAP4.error(f"command FETCH illegal in state {imap.state}, only allowed in states SELECTED")
    untagged = imap.untagged_responses
    for status in ("OK", "NO", "BAD"):
        untagged.pop(status, None)
    if "READ-ONLY" in untagged and not imap.is_readonly:
        raise imaplib.IMAP4.readonly("mailbox status changed to READ-ONLY")
    # The exceptions below are chained implicitly, not with "from", as imaplib's are.
    try:
        imap.send(b"%s UID FETCH %s %s\r\n" % (tag, uid_set.encode("ascii"), items.encode("ascii")))
    except OSError as exc:
        raise imaplib.IMAP4.abort(f"socket error: {exc}")
    _check_bye(untagged)
    fetched: list[Any] = untagged.pop("FETCH", [])
    try:
        typ, text = _read_until_tagged(imap, tag, fetched)
    except imaplib.IMAP4.abort as exc:
        _keep_fetched(untagged, fetched)
        raise imaplib.IMAP4.abort(f"command: UID => {exc}")
    except imaplib.IMAP4.error as exc:  # a line over imaplib._MAXLINE
        _keep_fetched(untagged, fetched)
        raise imaplib.IMAP4.error(f"command: UID => {exc}")
    except BaseException:
        _keep_fetched(untagged, fetched)
        raise
    if typ == "BAD":
        _keep_fetched(untagged, fetched)
        raise imaplib.IMAP4.error(f"UID command error: BAD {[text]}")
    if typ == "NO":
        # imaplib leaves the FETCH responses of a refused command for the next one.
        _keep_fetched(untagged, fetched)
        return typ, [text]
    return typ, fetched or [None]


def _read_until_tagged(imap: imaplib.IMAP4, tag: bytes, fetched: list[Any]) -> tuple[str, bytes]:
    """Read up to the completion line for `tag`: its status and text. FETCH
    responses go to `fetched` as imaplib's pieces, the others to imaplib."""
    untagged = imap.untagged_responses
    readline, read = imap.readline, imap.read
    prefix = tag + b" "
    while True:
        line = _line(readline)
        if line.startswith(prefix):
            done = _TAGGED.match(line, len(prefix))
            if done:
                typ = done[1].decode("ascii")
                if typ in ("OK", "NO", "BAD"):
                    _file_response_code(untagged, done[2])
                return typ, done[2]
        elif line.startswith(b"* "):
            response = _UNTAGGED.match(line)
            if response:
                number, name, rest = response.groups()
                typ = name.decode("ascii")
                if number is not None:
                    data = number + b" " + rest if rest else number
                else:
                    data = rest or b""
                pieces = fetched if typ == "FETCH" else untagged.setdefault(typ, [])
                # A line that ends in {N} is followed by N bytes of literal, then the rest of the line.
                while data.endswith(b"}") and (literal := _LITERAL_SIZE.search(data)):
                    pieces.append((data, read(int(literal[1]))))
                    data = _line(readline)
                pieces.append(data)
                if typ in ("OK", "NO", "BAD"):
                    _file_response_code(untagged, data)
                elif typ == "BYE":
                    _check_bye(untagged)
                continue
        elif line.startswith(b"+"):
            continue  # a continuation request; imaplib passes over it too
        raise imaplib.IMAP4.abort(f"unexpected response: {line!r}")


def _line(readline: Callable[[], bytes]) -> bytes:
    line: bytes = readline()
    if not line.endswith(b"\r\n"):
        if not line:
            raise imaplib.IMAP4.abort("socket error: EOF")
        raise imaplib.IMAP4.abort(f"socket error: unterminated line: {line!r}")
    return line[:-2]


def _file_response_code(untagged: dict[str, list[Any]], text: bytes) -> None:
    code = _RESPONSE_CODE.match(text)
    if code:
        untagged.setdefault(code[1].decode("ascii"), []).append(code[2] or b"")


def _check_bye(untagged: dict[str, list[Any]]) -> None:
    bye = untagged.get("BYE")
    if bye:
        raise imaplib.IMAP4.abort(bye[-1].decode("ascii", "replace"))


def _keep_fetched(untagged: dict[str, list[Any]], fetched: list[Any]) -> None:
    if fetched:
        untagged.setdefault("FETCH", []).extend(fetched)


# --- FETCH responses ----------------------------------------------------------

# One token of an IMAP response line: a paren, an atom (which may carry a
# [section], spaces and all, and an <origin>), a quoted string, or a literal's
# announcement. Each kind starts with characters no other kind starts with, so
# a token's first byte tells its kind; and with no capturing group in the
# pattern, findall hands the tokens back as bytes, without a match object each.
# The repeats are unrolled (a run, then section and run, ...) because the regex
# engine steps through those faster than through a repeated alternation.
_ATOM_CHARS = rb'[^\s()"\[\]{]'
_SECTION = rb'\[[^\]]*\]'
_TOKEN = re.compile(rb'[()]'
                    rb'|' + _ATOM_CHARS + rb'+(?:' + _SECTION + _ATOM_CHARS + rb'*)*'
                    rb'|"[^"\\]*(?:\\.[^"\\]*)*"'
                    rb'|' + _SECTION + _ATOM_CHARS + rb'*(?:' + _SECTION + _ATOM_CHARS + rb'*)*'
                    rb'|\{\d+\+?\}$')
_QUOTED_ESCAPE = re.compile(rb"\\(.)")
_QUOTE, _BRACE = ord('"'), ord("{")
# NIL is an atom in any case; a set lookup is cheaper than upper() per token.
_NIL = frozenset(bytes(case) for case in itertools.product(b"nN", b"iI", b"lL"))


def parse_fetch_response(data: Sequence[Any]) -> dict[int, dict[str, Any]]:
    """imaplib's FETCH data -> {uid: {item name: value}}.

    imaplib hands each literal over as (line-before-it, literal bytes), so the
    response is a sequence of line pieces and literals. Lists become Python
    lists, NIL None, quoted strings, literals and atoms bytes; item names are
    upper-case str. Unsolicited FETCH responses without a UID are dropped.
    """
    result: dict[int, dict[str, Any]] = {}
    names: dict[bytes, str] = {}
    # The pieces are one token stream: a list may run on across pieces (and,
    # when a server leaves a paren open, into the next response), so the stack
    # lives across them. `current` is the innermost open list; None outside
    # any list, where only a "(" matters and the sequence number is skipped.
    stack: list[list[Any]] = []
    current: list[Any] | None = None
    for piece in data:
        if isinstance(piece, tuple):
            line, literal = piece[0], piece[1]
        elif isinstance(piece, bytes):
            line, literal = piece, None
        else:
            continue
        for token in _TOKEN.findall(line):
            if token == b"(":
                if current is not None:
                    inner: list[Any] = []
                    current.append(inner)
                    stack.append(current)
                    current = inner
                else:
                    current = []
            elif current is None:
                continue
            elif token == b")":
                if stack:
                    current = stack.pop()
                else:
                    _add_response(result, current, names)
                    current = None
            else:
                first = token[0]
                if first == _QUOTE:
                    token = token[1:-1]
                    current.append(_QUOTED_ESCAPE.sub(rb"\1", token) if b"\\" in token else token)
                elif first == _BRACE:
                    continue  # a literal's announcement; the literal itself comes with the piece
                elif token in _NIL:
                    current.append(None)
                else:
                    current.append(token)
        if literal is not None and current is not None:
            current.append(bytes(literal))
    if current is not None:  # the data ended inside a list: what was read still counts
        _add_response(result, stack[0] if stack else current, names)
    return result


def _add_response(result: dict[int, dict[str, Any]], items: list[Any], names: dict[bytes, str]) -> None:
    """Record one response "( NAME VALUE ... )"; the item names of a batch are few, so each is decoded once."""
    fields: dict[str, Any] = {}
    for index in range(0, len(items) - 1, 2):
        name = items[index]
        if type(name) is bytes:
            key = names.get(name)
            if key is None:
                key = names[name] = _text(name).upper()
        else:
            key = _text(name).upper()
        fields[key] = items[index + 1]
    if fields.get("UID") is not None:
        # A second response for the same message (an unsolicited FLAGS update) adds to it.
        result.setdefault(int(fields["UID"]), {}).update(fields)


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
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if value is None:
        return ""
    return str(value)


def _params(value: Any) -> dict[str, str]:
    if not isinstance(value, (tuple, list)):
        return {}
    items = list(value)
    return {_text(k).lower(): _text(v) for k, v in zip(items[::2], items[1::2])}


def _filename(params: dict[str, str]) -> str | None:
    """The file name from disposition or type parameters, RFC 2231 or 2047 encoded."""
    # Most parts have only a charset or a boundary, no key that could name a file.
    for key in params:
        if key.startswith(("filename", "name")):
            break
    else:
        return None
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
