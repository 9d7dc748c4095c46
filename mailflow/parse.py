"""Parse: raw message bytes or a source's RawMessage into a plain Message record.

Two entry points share one contract with the sources. ``split_raw`` cuts a whole
local message into a RawMessage (header block, still-encoded text parts,
attachment descriptions); the IMAP source builds the same RawMessage from
BODYSTRUCTURE and partial fetches. ``parse`` then works from a RawMessage alone.

Nothing here raises on bad mail: a sync must never stop on one broken message.
Every problem becomes a short note in ``Message.errors`` instead.
"""

from __future__ import annotations

import binascii
import codecs
import email.header
import email.parser
import email.policy
import email.utils
import functools
import html as html_lib
import hashlib
import logging
import re
from datetime import datetime, timezone
from email.errors import HeaderParseError
from email.message import Message as MimePart
from typing import TYPE_CHECKING

from selectolax.lexbor import LexborHTMLParser

from mailflow.records import MARKER_HEADER, Address, Attachment, Message, RawMessage, TextPart

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode

logger = logging.getLogger(__name__)

__all__ = [
    "extract_new_text",
    "html_to_text",
    "normalize_subject",
    "parse",
    "parse_addresses",
    "split_raw",
]

# Only the start of a body is scanned for new text: replies put it first, and a
# cap keeps regex work bounded on multi-megabyte bodies.
SCAN_LIMIT = 64 * 1024
# HTML is verbose; allow more of it before conversion shrinks it to text.
HTML_LIMIT = 512 * 1024
CALENDAR_LIMIT = 256 * 1024
# Transfer encodings at most triple the size (quoted-printable), so this much
# encoded input always covers the decoded bytes we keep.
_ENCODED_FACTOR = 3
# utf-8 needs at most four bytes per character.
_BYTES_PER_CHAR = 4

TRUNCATED = "body truncated"

_COMPAT = email.policy.compat32
_MIME_PARSER = email.parser.BytesParser(policy=_COMPAT)

_TEXT_TYPES = frozenset({"text/plain", "text/html", "text/calendar"})
_MAX_MIME_DEPTH = 40


# --------------------------------------------------------------------------
# Charsets
# --------------------------------------------------------------------------

# Labels that mail software writes but that name a narrower charset than the
# bytes really use (browsers treat them the same way).
_CHARSET_ALIASES = {
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "euc_kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "iso-8859-8-i": "iso8859-8",
    "iso-8859-6-i": "iso8859-6",
}
_GUESS_CHAIN = ("utf-8", "cp1252", "latin-1")
_NOT_CHARSETS = frozenset({"idna", "punycode", "raw-unicode-escape", "unicode-escape", "undefined", "mbcs", "oem",
                           "charmap", "raw_unicode_escape", "unicode_escape"})
# utf-7 (and a broken utf-16) can decode to lone surrogates, which no later stage could encode.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@functools.lru_cache(maxsize=256)
def _text_codec(label: str) -> str | None:
    """Python codec name for a MIME charset label, or None when unusable."""
    label = label.strip().strip("\"'").lower().split("*", 1)[0]
    if not label:
        return None
    label = _CHARSET_ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError, UnicodeError):
        return None
    # lookup() also finds bytes-to-bytes and str-to-str codecs (zlib, base64,
    # rot13) and Python's own (idna, punycode, unicode_escape): a label naming
    # one of those is as bogus as an unknown one.
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return _CHARSET_ALIASES.get(info.name, info.name)


def _decode_with(data: bytes, codec: str, final: bool, errors: str = "strict") -> str:
    if final:
        return data.decode(codec, errors)
    # A cut payload may end inside a multi-byte character: let the
    # incremental decoder hold it back instead of failing.
    return codecs.getincrementaldecoder(codec)(errors).decode(data, final=False)


def _decode_bytes(data: bytes, label: str | None, final: bool = True) -> tuple[str, str | None]:
    """Bytes -> text, trying the declared charset, then guesses. Never raises.

    Returns the text and an optional note about a missing or wrong label.
    """
    note = None
    codec = _text_codec(label) if label else None
    if label and codec is None:
        note = f"unknown charset {label.strip()[:40]!r}"
    chain: tuple[str, ...]
    if codec is None or codec == "ascii":
        # Mail labelled us-ascii that holds 8-bit bytes was simply never labelled.
        chain = _GUESS_CHAIN
    elif codec == "cp1252":
        chain = ("cp1252", "latin-1")
    else:
        # A declared charset that does not fit is most often utf-8 mislabelled;
        # a wrong single-byte guess would garble every non-ASCII character.
        chain = tuple(dict.fromkeys((codec, "utf-8")))
    for name in chain:
        try:
            return _no_surrogates(_decode_with(data, name, final)), note
        except UnicodeDecodeError:
            continue
    # Only a declared charset gets here (latin-1 at the end of the guesses never fails).
    try:
        text = _decode_with(data, chain[0], final, "replace")
    except Exception:  # noqa: BLE001 - a codec that cannot even replace: read the bytes as latin-1
        text = data.decode("latin-1")
    return _no_surrogates(text), f"invalid {codec} bytes replaced"


def _no_surrogates(text: str) -> str:
    return _LONE_SURROGATE.sub("\ufffd", text) if not text.isascii() and _LONE_SURROGATE.search(text) else text


# --------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------

_FOLD = re.compile(r"\r?\n(?=[ \t])")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]+")
_ANGLE_ID = re.compile(r"<([^<>]*)>")
_SPACE = re.compile(r"\s+")


def _has_surrogates(value: str) -> bool:
    # Raw 8-bit header bytes reach us as lone surrogates (surrogateescape).
    return not value.isascii() and any("\udc80" <= ch <= "\udcff" for ch in value)


def _unfold(value: str) -> str:
    return _FOLD.sub("", value) if "\n" in value else value


def _decode_header(value: str, notes: list[str], name: str) -> str:
    """A raw header value (or part of one) -> readable text. Never raises."""
    if len(value) > HEADER_LIMIT:
        # Decoding 40,000 encoded words takes seconds; no real header is that long.
        notes.append(f"{name} cut at {HEADER_LIMIT:,} characters")
        value = value[:HEADER_LIMIT]
    value = _unfold(value)
    if _has_surrogates(value):
        value, _ = _decode_bytes(value.encode("utf-8", "surrogateescape"), None)
    if "=?" in value:
        value = _decode_encoded_words(value, notes, name)
    if _CONTROL.search(value):
        # CR/LF inside a value (even one smuggled in an encoded word) must
        # never survive into headers we build later.
        value = _CONTROL.sub(" ", value.replace("\x00", ""))
    return value.replace("\t", " ").strip()


# decode_header hands plain stretches back as raw-unicode-escape bytes, which
# would turn a literal backslash-u typed in a subject into another character;
# a private-use stand-in keeps backslashes out of its way.
_BACKSLASH_STAND_IN = "\ue000"


def _decode_encoded_words(value: str, notes: list[str], name: str) -> str:
    escaped = "\\" in value
    if escaped:
        value = value.replace("\\", _BACKSLASH_STAND_IN)
    try:
        chunks = email.header.decode_header(value)
    except (HeaderParseError, ValueError, LookupError) as exc:
        notes.append(f"broken encoded-word in {name}: {exc}")
        chunks = [(value, None)]
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
        elif charset is None:
            out.append(chunk.decode("raw-unicode-escape", "replace"))
        else:
            text, note = _decode_bytes(chunk, charset)
            if note:
                notes.append(f"{name}: {note}")
            out.append(text)
    decoded = "".join(out)
    return decoded.replace(_BACKSLASH_STAND_IN, "\\") if escaped else decoded


# One header field: a name without spaces, the colon, and the value with its
# folded continuation lines (kept, as compat32's raw values keep them).
_HEADER_FIELD = re.compile(r"^([^:\s]+)[ \t]*:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)", re.MULTILINE)
_FIELDS_END = re.compile(r"\r?\n\r?\n")


class _Headers:
    """Raw header values by lower-cased name, in order.

    A regex pass, not compat32's feed parser: the same raw values at a third
    of the cost, which matters at tens of thousands of messages a sync. Lines
    that are not fields (an mbox From_ line, junk) are skipped, not fatal.
    """

    def __init__(self, block: bytes) -> None:
        self.values: dict[str, list[str]] = {}
        if not block:
            return
        # surrogateescape keeps raw 8-bit bytes recoverable for the charset guess.
        text = block.decode("ascii", "surrogateescape")
        end = _FIELDS_END.search(text)
        if end:
            text = text[:end.start()]
        for match in _HEADER_FIELD.finditer(text):
            self.values.setdefault(match.group(1).lower(), []).append(match.group(2))

    def first(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[0] if found else None

    def joined(self, name: str) -> str | None:
        found = self.values.get(name)
        return ", ".join(found) if found else None


def _message_ids(value: str | None) -> list[str]:
    """Every <...> token, whitespace removed; a bare id when there is no bracket."""
    if not value:
        return []
    value = _unfold(value)
    ids = [_SPACE.sub("", found) for found in _ANGLE_ID.findall(value)]
    ids = [found for found in ids if found]
    if not ids and "<" not in value:
        bare = value.strip()
        if bare and not _SPACE.search(bare):
            ids = [bare]
    return ids


def _references(value: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_message_ids(value)))


HEADER_LIMIT = 16_384
_NAME_QUOTES = "\"' "
_ADDR_SPEC = r"[^<>\"\s,;:()\\\[\]@]+@[^<>\"\s,;:()\\\[\]@]+"
# "Name <a@b>", "\"Name, Quoted\" <a@b>" or a bare a@b: most address headers,
# which this handles without the slow general parser.
# Possessive quantifiers: a long run of blanks with no "<" after it would
# otherwise be retried at every split, by the square of its length.
_SIMPLE_MAILBOX = re.compile(
    r"[ \t]*+(?:(?:\"([^\"\\]*+)\"[ \t]*+|([^\"<>,;:@()\\\[\]]*+))<(%s)>|(%s))[ \t]*+$"
    % (_ADDR_SPEC, _ADDR_SPEC)
)


def parse_addresses(value: str) -> tuple[Address, ...]:
    """An address header value -> Address records (lower-cased email, decoded name).

    Parses before decoding RFC 2047 names, so a comma inside an encoded
    name ("=?utf-8?q?Berg,_Anna?=") cannot split one mailbox in two.
    """
    if not value:
        return ()
    return _parse_addresses(value, [], "address")


def _parse_addresses(value: str, notes: list[str], name: str) -> tuple[Address, ...]:
    value = _unfold(value)
    if _has_surrogates(value):
        value, _ = _decode_bytes(value.encode("utf-8", "surrogateescape"), None)
    value = _CONTROL.sub(" ", value)
    pairs = _simple_mailboxes(value)
    if pairs is None:
        try:
            pairs = email.utils.getaddresses([value])
        except (ValueError, IndexError, TypeError, RecursionError) as exc:
            # "a:a:a:..." sends the email package's parser into a recursion;
            # the bare addresses in the header are still worth having.
            notes.append(f"unparseable {name}: {type(exc).__name__}")
            pairs = [("", addr) for addr in _BARE_ADDRESS.findall(value)]
    found = []
    for display, addr in pairs:
        addr = addr.strip().lower()
        if not addr:
            continue
        display = _decode_header(display, notes, name).strip(_NAME_QUOTES) if display else ""
        found.append(Address(name=display, email=addr))
    return tuple(found)


_BARE_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def _simple_mailboxes(value: str) -> list[tuple[str, str]] | None:
    """Pairs like getaddresses() returns, or None when the value needs the full parser."""
    pieces = [value] if '"' in value else value.split(",")
    pairs = []
    for piece in pieces:
        match = _SIMPLE_MAILBOX.match(piece)
        if match is None:
            return None
        quoted, plain, bracketed, bare = match.groups()
        display = quoted if quoted is not None else " ".join((plain or "").split())
        pairs.append((display, bracketed or bare))
    return pairs


def _parse_date(value: str | None, notes: list[str]) -> datetime | None:
    if value is None:
        notes.append("no Date header")
        return None
    value = _unfold(value).strip()
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed = None
    if parsed is None:
        notes.append(f"unparseable Date {value[:60]!r}")
        return None
    if parsed.tzinfo is None:
        # "-0000" or no zone at all: RFC 5322 says the local zone is unknown;
        # UTC is the least wrong reading.
        notes.append("Date has no timezone, assumed UTC")
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        in_utc = parsed.astimezone(timezone.utc)
    except OverflowError:  # "31 Dec 9999 23:00 -1200" is in year 10000 in UTC
        in_utc = None
    if in_utc is None or not 1970 <= in_utc.year <= 2200:
        notes.append(f"implausible Date {value[:60]!r}")
        return None
    return parsed


# --------------------------------------------------------------------------
# Automated mail
# --------------------------------------------------------------------------

_NO_REPLY_LOCAL = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|mailer[-_.]?daemon|postmaster"
    r"|notifications?|bounces?)(?:[-+_.].*)?$"
)
_OUT_OF_OFFICE_SUBJECT = re.compile(
    r"^\s*(?:\[[^\]]{0,40}\]\s*)?(?:out\s+of\s+(?:the\s+)?office|automatic\s+reply|auto[- ]?reply"
    r"|auto[- ]?response|automatische\s+antwort|abwesenheitsnotiz|abwesend|réponse\s+automatique"
    r"|respuesta\s+automática|risposta\s+automatica|automatisch\s+antwoord|auto:|away\s+from)",
    re.IGNORECASE,
)
_BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})


def _automated(headers: _Headers, subject: str, from_addr: Address | None,
               attachments: tuple[Attachment, ...], own: bool = False) -> tuple[str, ...]:
    reasons: list[str] = []
    auto_submitted = headers.first("auto-submitted")
    if auto_submitted is not None:
        token = re.split(r"[\s;(]", auto_submitted.strip().lower(), maxsplit=1)[0]
        if token != "no":
            reasons.append("auto-submitted")
    precedence = (headers.first("precedence") or "").strip().lower()
    if precedence in _BULK_PRECEDENCE:
        reasons.append(f"precedence:{precedence}")
    # Only on the user's own mail: a client who runs mailflow too still writes as a person.
    if own and MARKER_HEADER.lower() in headers.values:
        reasons.append("mailflow")
    if "list-id" in headers.values:
        reasons.append("list-id")
    if "list-unsubscribe" in headers.values:
        reasons.append("list-unsubscribe")
    if from_addr and _NO_REPLY_LOCAL.match(from_addr.email.rpartition("@")[0] or from_addr.email):
        reasons.append("no-reply")
    if ("x-autoreply" in headers.values or "x-autorespond" in headers.values
            or _OUT_OF_OFFICE_SUBJECT.match(subject)):
        reasons.append("out-of-office")
    content_type = (headers.first("content-type") or "").lower()
    types = {attachment.content_type for attachment in attachments}
    if "disposition-notification" in content_type or "message/disposition-notification" in types:
        reasons.append("read-receipt")
    elif "multipart/report" in content_type or "message/delivery-status" in types:
        reasons.append("delivery-status")
    return tuple(reasons)


def _list_id(value: str | None, notes: list[str]) -> str | None:
    if value is None:
        return None
    ids = _message_ids(value)
    if ids:
        return ids[-1]
    decoded = _decode_header(value, notes, "List-Id")
    return decoded or None


# --------------------------------------------------------------------------
# Subjects
# --------------------------------------------------------------------------

_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:\[[^\]]{0,80}\]"
    r"|(?:re|fwd?|aw|wg|sv|vs|tr|antw|doorst|rif|r|rv|enc|res|odp|ynt"
    r"|回复|回覆|答复|转发|轉寄|返信|転送"
    # Calendar replies, so an invitation and its answers share a thread.
    r"|(?:updated\s+)?invitation|accepted|declined|tentative(?:ly\s+accepted)?|cancell?ed(?:\s+event)?"
    r"|einladung|angenommen|abgelehnt|abgesagt)\s*(?:\[\d+\]|\(\d+\))?\s*[:：])\s*",
    re.IGNORECASE,
)


def normalize_subject(subject: str) -> str:
    """Thread key for a subject: reply/forward prefixes and [tags] gone, casefolded."""
    if not subject:
        return ""
    rest = subject
    while True:
        match = _SUBJECT_PREFIX.match(rest)
        if match is None or not match.end():
            break
        rest = rest[match.end():]
    return " ".join(rest.casefold().split())


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

# Containers that hold earlier messages (per client) or the signature.
_QUOTE_SELECTOR = ", ".join((
    "div.gmail_quote",
    ".gmail_quote_container",
    "blockquote",  # also Apple Mail / Thunderbird blockquote[type=cite]
    ".moz-cite-prefix",
    ".yahoo_quoted",
    "[id^=yahoo_quoted]",
    "#mail-editor-reference-message-container",  # new Outlook
    ".gmail_signature",
    ".moz-signature",
))
# Outlook puts the quoted message after these markers, not inside them.
_CUT_AFTER_SELECTOR = "#divRplyFwdMsg, #appendonsend"

_SKIP_TAGS = frozenset({
    "head", "script", "style", "title", "template", "meta", "link", "noscript",
    "svg", "object", "iframe", "-comment",
})
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
    "tbody", "thead", "tfoot", "tr", "ul",
})
_CELL_TAGS = frozenset({"td", "th"})
# Paragraphs keep a blank line around them; other blocks only start a new line.
_PARAGRAPH_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre"})
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_BLANK_RUN = re.compile(r"\n{3,}")
_ENTER, _LEAVE_BLOCK, _LEAVE_PRE, _LEAVE_CELL = range(4)


def html_to_text(html: str) -> str:
    """HTML body -> plain text without the quoted history clients embed in it."""
    if not html or not html.strip():
        return ""
    if _too_deep(html):
        # The HTML parser's time grows with the square of the nesting: 100,000
        # nested <div>s took 40 s. No mail a person writes is built that way.
        logger.warning("HTML nested over %d levels deep: read without its structure", _MAX_DEPTH)
        return _tidy_lines(_HTML_SPACE.sub(" ", html_lib.unescape(_ANY_TAG.sub(" ", html))).strip())
    try:
        tree = LexborHTMLParser(html)
    except Exception:  # the C parser's failure modes are not documented
        logger.debug("HTML parser failed", exc_info=True)
        return ""
    for node in tree.css(_QUOTE_SELECTOR):
        # Unlink without freeing: matches nest, and a freed ancestor would
        # leave its matched descendants dangling.
        node.decompose(recursive=False)
    marker = tree.css_first(_CUT_AFTER_SELECTOR)
    if marker is not None:
        _remove_from(marker)
    root = tree.body or tree.root
    if root is None:
        return ""
    return _tidy_lines(_render(root))


_MAX_DEPTH = 1500
_CONTAINER_TAG = re.compile(r"<(/?)(?:div|span|table|tbody|tr|td|font|blockquote|b|i|u|a|center|section|ul|ol)\b", re.I)
_ANY_TAG = re.compile(r"<[^>]*>")


def _too_deep(html: str) -> bool:
    if html.count("<") < _MAX_DEPTH:
        return False
    depth = 0
    for m in _CONTAINER_TAG.finditer(html):
        depth += -1 if m.group(1) else 1
        if depth > _MAX_DEPTH:
            return True
    return False


def _remove_from(marker: LexborNode) -> None:
    """Remove a node and everything that follows it in document order."""
    current = marker
    while current is not None and current.tag not in ("body", "html"):
        sibling = current.next
        while sibling is not None:
            following = sibling.next
            sibling.decompose(recursive=False)
            sibling = following
        current = current.parent
    marker.decompose(recursive=False)


class _TextWriter:
    """Collects rendered text, folding block boundaries the way a browser does.

    Adjacent block boundaries ask for line breaks but do not add up, so
    <div>a</div><div>b</div> is two lines, not two lines and a gap.
    """

    def __init__(self) -> None:
        self.out: list[str] = []
        self.pending = 0  # line breaks owed before the next text
        self.trailing = 0  # line breaks already at the end of out

    def block(self, breaks: int) -> None:
        self.pending = max(self.pending, breaks)

    def text(self, text: str, verbatim: bool = False) -> None:
        if not verbatim:
            text = _HTML_SPACE.sub(" ", text)
            if self.pending or self.trailing or not self.out:
                text = text.lstrip(" ")  # source indentation is not content
        if not text:
            return
        self._flush()
        self.out.append(text)
        body = text.rstrip("\n")
        self.trailing = self.trailing + len(text) if not body else len(text) - len(body)

    def line_break(self) -> None:
        self._flush()
        self.out.append("\n")
        self.trailing += 1

    def _flush(self) -> None:
        if self.out and self.pending > self.trailing:
            self.out.append("\n" * (self.pending - self.trailing))
            self.trailing = self.pending
        self.pending = 0

    def result(self) -> str:
        return "".join(self.out)


def _render(root: LexborNode) -> str:
    """Walk the tree (iteratively: mail HTML can nest deeper than the stack)."""
    writer = _TextWriter()
    in_pre = 0
    stack: list[tuple[int, LexborNode]] = [(_ENTER, root)]
    while stack:
        action, node = stack.pop()
        if action == _LEAVE_BLOCK:
            writer.block(2 if node.tag in _PARAGRAPH_TAGS else 1)
            continue
        if action == _LEAVE_PRE:
            in_pre -= 1
            writer.block(2)
            continue
        if action == _LEAVE_CELL:
            writer.text(" ", verbatim=True)
            continue
        tag = node.tag
        if tag == "-text":
            writer.text(node.text(deep=False), verbatim=in_pre > 0)
            continue
        if tag in _SKIP_TAGS:
            continue
        if tag == "br":
            writer.line_break()
            continue
        if tag in _BLOCK_TAGS:
            writer.block(2 if tag in _PARAGRAPH_TAGS else 1)
            if tag == "li":
                writer.text("- ", verbatim=True)
            if tag == "pre":
                in_pre += 1
                stack.append((_LEAVE_PRE, node))
            else:
                stack.append((_LEAVE_BLOCK, node))
        elif tag in _CELL_TAGS:
            stack.append((_LEAVE_CELL, node))
        children = list(node.iter(include_text=True))
        stack.extend((_ENTER, child) for child in reversed(children))
    return writer.result()


def _tidy_lines(text: str) -> str:
    text = text.replace("\xa0", " ").translate(_INVISIBLE)
    # Line starts were already trimmed while rendering, except inside <pre>.
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_RUN.sub("\n\n", text).strip("\n")


# --------------------------------------------------------------------------
# New text
# --------------------------------------------------------------------------

# Speed: the patterns below start with a literal "\n" and run on the text with
# a newline put in front, so the regex engine jumps from line start to line
# start instead of trying each character. The line markers also run without
# IGNORECASE on lower-cased text, which lets the engine reject an alternative
# on its first character; together that keeps a 2 KB body in microseconds.
_QUOTE_LINE = re.compile(r"\n[ \t]*>[^\n]*")
_ATTRIBUTION_VERBS = (
    r"wrote|schrieb|a écrit|escribió|schreef|ha scritto|escreveu|skrev|napisał\w*"
)
_FROM_LABELS = r"from|von|de|da|van|från|fra|od"
_OTHER_LABELS = (
    r"sent|date|to|subject|cc|gesendet|datum|an|betreff|envoyé|à|objet|enviado|fecha|para"
    r"|asunto|inviato|data|a|oggetto|verzonden|aan|onderwerp|skickat|till|ämne|sendt|til"
    r"|emne|wysłano|do|temat"
)
# A header label as Outlook writes it, also bold-marked ("*From:*") after a
# client turned HTML into text, and with the French space before the colon.
_LABEL = r"\*{0,2}(?:%s)\*{0,2}[ \t]?\*{0,2}:"
_LINE_MARKER = re.compile(
    r"\n[ \t]*(?:"
    r"(?P<signature>--[ ]?(?=\n))"
    r"|(?P<mobile>(?:sent from my\s|sent from (?:outlook|mail for windows|yahoo mail|gmail"
    r"|proton\s?mail)\b|sent with proton|get outlook for\s|von meinem \S+ gesendet"
    r"|gesendet von meinem\s|envoyé de mon\s|enviado desde mi\s|enviado do meu\s"
    r"|verzonden (?:met|vanaf) mijn\s|inviato da(?:l mio)?\s|skickat från min\s)[^\n]{0,60}(?=\n))"
    r"|(?P<forward>(?:-{2,}[ \t]*(?:forwarded message|original message|weitergeleitete nachricht"
    r"|ursprüngliche nachricht|message transféré|message d'origine|mensaje reenviado"
    r"|mensaje original|mensagem encaminhada|mensagem original|messaggio inoltrato"
    r"|messaggio originale|doorgestuurd bericht|oorspronkelijk bericht"
    r"|vidarebefordrat meddelande|ursprungligt meddelande)[ \t]*-{2,}"
    r"|begin forwarded message:|anfang der weitergeleiteten nachricht:"
    r"|début du message réexpédié\s?:|inicio del mensaje reenviado:)[ \t]*(?=\n))"
    r"|(?P<header>" + _LABEL % _FROM_LABELS + r")"
    r"|(?P<rule>_{10,}[ \t]*(?=\n))"
    r"|(?P<attribution>(?:on|am|le|el|op|il|em|den|på|w dniu)\b)"
    r")"
)
# For the rare text whose lower-casing changes its length (and so positions).
_LINE_MARKER_ANY_CASE = re.compile(_LINE_MARKER.pattern, re.IGNORECASE)
_OTHER_LABEL = re.compile(r"[ \t]*" + _LABEL % _OTHER_LABELS, re.IGNORECASE)
_FROM_LABEL = re.compile(r"[ \t]*" + _LABEL % _FROM_LABELS, re.IGNORECASE)
_ATTRIBUTION_END = re.compile(
    r"\b(?:%s)[^\n:]{0,120}:[ \t]*$" % _ATTRIBUTION_VERBS, re.IGNORECASE
)
# "Anna Berg <anna@example.com> wrote:" names no date, only an address.
_ADDRESS_ATTRIBUTION = re.compile(
    r"@[\w.-]+[>\])]?,?[ \t]+(?:%s)[^\n:]{0,40}:[ \t]*(?=\n)" % _ATTRIBUTION_VERBS, re.IGNORECASE
)
# A date, a time or an address: what separates "On 3 Mar 2025, Anna wrote:"
# from a sentence that merely starts with "On" and ends with "wrote:".
_ATTRIBUTION_EVIDENCE = re.compile(
    r"\d{1,2}:\d{2}|\b(?:19|20)\d{2}\b|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|@"
)
_SENTENCE_END = re.compile(r"[.!?][ \t]*$")
_HEADER_BLOCK_SPAN = 6  # lines after From: that may hold Sent:/To:/Subject:
_HEADER_WINDOW = 2000  # characters; enough for those lines


def extract_new_text(text: str) -> str:
    """The text the sender wrote in this message: no quotes, forwards or signature."""
    if not text:
        return ""
    text = text[:SCAN_LIMIT]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n" + text + "\n"
    if ">" in text:
        text = _QUOTE_LINE.sub("", text)
    text = text[1:_first_cut(text)]
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_RUN.sub("\n\n", text).lstrip("\n").rstrip()


def _first_cut(text: str) -> int:
    """Where quoted history, a forward or the signature starts (the text is newline-framed)."""
    cut = len(text)
    lowered = text.lower()
    markers = (_LINE_MARKER.finditer(lowered) if len(lowered) == len(text)
               else _LINE_MARKER_ANY_CASE.finditer(text))
    for match in markers:
        if _is_marker(text, match):
            cut = match.start()
            break
    # One past the cut, so a line ending right at the cut still sees its newline.
    address = _ADDRESS_ATTRIBUTION.search(text, 0, cut + 1)
    if address is not None:
        cut = text.rfind("\n", 0, address.start())
    return cut


def _is_marker(text: str, match: re.Match[str]) -> bool:
    kind = match.lastgroup
    if kind == "header":
        return _is_header_block(text, match.end())
    if kind == "rule":
        following = text[match.end():match.end() + _HEADER_WINDOW].lstrip("\n")
        return _FROM_LABEL.match(following) is not None
    if kind == "attribution":
        return _is_attribution(text, match.start() + 1)
    return True


def _is_header_block(text: str, position: int) -> bool:
    """Outlook's reply header: From: followed by at least two of Sent:/To:/Subject:."""
    window = text[position:position + _HEADER_WINDOW]
    following = window.split("\n", _HEADER_BLOCK_SPAN + 1)[1:_HEADER_BLOCK_SPAN + 1]
    labels = {found.group(0).strip(" \t*:").lower()
              for line in following if (found := _OTHER_LABEL.match(line))}
    return len(labels) >= 2


def _is_attribution(text: str, start: int) -> bool:
    """'On <date>, <name> wrote:' and its localized forms, possibly wrapped once."""
    end = text.find("\n", start)
    line = text[start:end]
    verb = _ATTRIBUTION_END.search(line)
    if verb is not None:
        return _ATTRIBUTION_EVIDENCE.search(line, 0, verb.start()) is not None
    if _SENTENCE_END.search(line):
        return False
    joined = line + " " + text[end + 1:text.find("\n", end + 1)]
    verb = _ATTRIBUTION_END.search(joined)
    return verb is not None and _ATTRIBUTION_EVIDENCE.search(joined, 0, verb.start()) is not None


# --------------------------------------------------------------------------
# Text parts
# --------------------------------------------------------------------------

_WHITESPACE_BYTES = b" \t\r\n"
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")


def _decode_transfer(payload: bytes, encoding: str | None,
                     partial: bool) -> tuple[bytes, str | None]:
    encoding = (encoding or "").strip().lower()
    if encoding == "base64":
        return _decode_base64(payload, partial)
    if encoding == "quoted-printable":
        return binascii.a2b_qp(payload), None
    if encoding in ("", "7bit", "8bit", "binary"):
        return payload, None
    return payload, f"unknown transfer encoding {encoding[:30]!r}"


def _decode_base64(payload: bytes, partial: bool) -> tuple[bytes, str | None]:
    compact = payload.translate(None, _WHITESPACE_BYTES)
    try:
        return binascii.a2b_base64(compact, strict_mode=True), None
    except binascii.Error:
        pass
    cleaned = _NOT_BASE64.sub(b"", compact)
    remainder = len(cleaned) % 4
    if remainder == 1:  # a lone sextet carries no whole byte
        cleaned = cleaned[:-1]
    elif remainder:
        cleaned += b"=" * (4 - remainder)
    # A partial fetch ends mid-quad by design; that is not a broken message.
    return binascii.a2b_base64(cleaned), (None if partial else "broken base64")


def _part_text(part: TextPart, char_limit: int, notes: list[str]) -> tuple[str, bool]:
    """Decode one text part up to char_limit characters; also says whether it was cut."""
    byte_limit = char_limit * _BYTES_PER_CHAR
    payload = part.payload
    cut = len(payload) > byte_limit * _ENCODED_FACTOR
    if cut:
        payload = payload[: byte_limit * _ENCODED_FACTOR]
    data, note = _decode_transfer(payload, part.transfer_encoding, cut or part.truncated)
    if note:
        notes.append(note)
    if len(data) > byte_limit:
        data = data[:byte_limit]
        cut = True
    text, note = _decode_bytes(data, part.charset, final=not (cut or part.truncated))
    if note:
        notes.append(note)
    if "\x00" in text:
        text = text.replace("\x00", "")
        notes.append("NUL bytes removed")
    if len(text) > char_limit:
        text = text[:char_limit]
        cut = True
    return text, cut or part.truncated


def _body_text(parts: tuple[TextPart, ...], notes: list[str]) -> str:
    """The plain-text body: text/plain parts, else converted HTML."""
    by_type: dict[str, list[TextPart]] = {}
    for part in parts:
        by_type.setdefault(part.content_type.lower(), []).append(part)
    truncated = False
    plain_texts = []
    for part in by_type.get("text/plain", ()):
        # One character past the scan limit is enough to know the scan will cut.
        text, cut = _part_text(part, SCAN_LIMIT + 1, notes)
        plain_texts.append(text)
        truncated |= cut
    body = "\n".join(text for text in plain_texts if text.strip())
    if not body.strip():
        for part in by_type.get("text/html", ()):
            html, cut = _part_text(part, HTML_LIMIT, notes)
            truncated |= cut
            body = "\n".join(filter(None, (body, html_to_text(html))))
    if len(body) > SCAN_LIMIT:
        truncated = True
    if truncated:
        notes.append(TRUNCATED)
    return body


def _calendar_text(parts: tuple[TextPart, ...], notes: list[str]) -> str | None:
    for part in parts:
        if part.content_type.lower() == "text/calendar":
            text, cut = _part_text(part, CALENDAR_LIMIT, notes)
            if cut:
                notes.append("calendar truncated")
            return text
    return None


# --------------------------------------------------------------------------
# parse
# --------------------------------------------------------------------------

# Headers that identify a message wherever it is stored; trace and status
# headers (Received, Status, X-Keywords...) change between copies.
_IDENTITY_HEADERS = ("from", "sender", "to", "cc", "date", "subject",
                     "message-id", "in-reply-to", "references")


def _content_hash(headers: _Headers, new_text: str) -> str:
    lines = [
        f"{name}:{' '.join(value.split())}"
        for name in _IDENTITY_HEADERS
        for value in headers.values.get(name, ())
    ]
    lines.append("")
    lines.append(new_text)
    return hashlib.sha256("\n".join(lines).encode("utf-8", "surrogatepass")).hexdigest()


def parse(raw: RawMessage, user_addresses: frozenset[str]) -> Message:
    """RawMessage -> Message. Never raises: problems go into Message.errors."""
    notes: list[str] = [raw.error] if raw.error else []
    try:
        return _parse(raw, user_addresses, notes)
    except Exception as exc:  # one strange message must never stop a sync
        logger.warning("could not parse message uid=%s in %r: %s: %s", raw.uid, raw.folder,
                       type(exc).__name__, exc)
        logger.debug("could not parse message", exc_info=True)
        notes.append(f"parse failed: {type(exc).__name__}")
        return _empty_message(raw, notes)


def _parse(raw: RawMessage, user_addresses: frozenset[str], notes: list[str]) -> Message:
    headers = _Headers(raw.header)
    message_ids = _message_ids(headers.first("message-id"))
    if not message_ids:
        notes.append("no Message-ID header")
    in_reply_to = _message_ids(headers.first("in-reply-to"))
    senders = _address_header(headers, "from", notes)
    if not senders:
        notes.append("no From header" if "from" not in headers.values else "unparseable From")
    from_addr = senders[0] if senders else None
    subject_raw = headers.first("subject")
    subject = _decode_header(subject_raw, notes, "Subject") if subject_raw else ""

    body = _body_text(raw.parts, notes)
    if not body.strip():
        notes.append("empty body")
    new_text = extract_new_text(body)

    return Message(
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=_references(headers.joined("references")),
        from_addr=from_addr,
        to=_address_header(headers, "to", notes),
        cc=_address_header(headers, "cc", notes),
        reply_to=_address_header(headers, "reply-to", notes),
        date=_parse_date(headers.first("date"), notes),
        subject=subject,
        direction="outgoing" if from_addr and from_addr.email in user_addresses else "incoming",
        automated=_automated(headers, subject, from_addr, raw.attachments,
                             own=bool(from_addr and from_addr.email in user_addresses)),
        list_id=_list_id(headers.first("list-id"), notes),
        new_text=new_text,
        attachments=raw.attachments,
        calendar=_calendar_text(raw.parts, notes),
        content_hash=_content_hash(headers, new_text),
        size=raw.size,
        errors=tuple(dict.fromkeys(notes)),
    )


def _address_header(headers: _Headers, name: str, notes: list[str]) -> tuple[Address, ...]:
    value = headers.joined(name)
    return _parse_addresses(value, notes, name.title()) if value else ()


def _empty_message(raw: RawMessage, notes: list[str]) -> Message:
    return Message(
        message_id=None, in_reply_to=None, references=(), from_addr=None, to=(), cc=(),
        reply_to=(), date=None, subject="", direction="incoming", automated=(), list_id=None,
        new_text="", attachments=raw.attachments, calendar=None,
        content_hash=hashlib.sha256(raw.header).hexdigest(), size=raw.size,
        errors=tuple(dict.fromkeys(notes)),
    )


# --------------------------------------------------------------------------
# split_raw
# --------------------------------------------------------------------------

_HEADER_END = re.compile(rb"(?:^|\n)\r?\n")
# A boundary line followed by a header line: the start of a part.
_BOUNDARY_GUESS = re.compile(
    rb"^--([0-9A-Za-z'()+_,./:=?-]{1,70})[ \t]*\r?\n(?=[A-Za-z-]+:)", re.MULTILINE
)
_BOUNDARY_DEFECTS = ("StartBoundaryNotFoundDefect", "NoBoundaryInMultipartDefect")


def split_raw(data: bytes, folder: str = "", uid: int | None = None,
              flags: tuple[str, ...] = ()) -> RawMessage:
    """Full RFC 822 bytes -> RawMessage. Never raises: broken MIME sets RawMessage.error."""
    data = _without_mbox_line(bytes(data))
    header = _header_block(data)
    parts: list[TextPart] = []
    attachments: list[Attachment] = []
    notes: list[str] = []
    try:
        _walk(_MIME_PARSER.parsebytes(data), parts, attachments, notes, 0)
    except Exception as exc:  # the MIME walk must not stop a sync either
        logger.warning("could not split message uid=%s in %r: %s: %s", uid, folder, type(exc).__name__, exc)
        logger.debug("could not split message", exc_info=True)
        notes.append(f"unreadable MIME structure: {type(exc).__name__}")
    return RawMessage(
        folder=folder, uid=uid, flags=tuple(flags), size=len(data), header=header,
        parts=tuple(parts), attachments=tuple(attachments),
        error="; ".join(dict.fromkeys(notes)) or None,
    )


def _without_mbox_line(data: bytes) -> bytes:
    if data.startswith(b"From "):
        newline = data.find(b"\n")
        return data[newline + 1:] if newline >= 0 else b""
    return data


def _header_block(data: bytes) -> bytes:
    """The header lines plus the blank line that ends them (as IMAP's BODY[HEADER])."""
    match = _HEADER_END.search(data)
    return data[:match.end()] if match else data


def _walk(part: MimePart, parts: list[TextPart], attachments: list[Attachment],
          notes: list[str], depth: int) -> None:
    if depth > _MAX_MIME_DEPTH:
        notes.append("MIME nesting too deep")
        return
    content_type = part.get_content_type()
    payload = _stored_payload(part)
    if isinstance(payload, list):
        if content_type.startswith("multipart/"):
            _note_defects(part, notes)
            for child in payload:
                _walk(child, parts, attachments, notes, depth + 1)
        else:
            # message/rfc822 and friends: an attached message is not new text.
            attachments.append(_attachment(part, content_type))
        return
    if content_type.startswith("multipart/"):
        _salvage_multipart(part, content_type, parts, attachments, notes, depth)
        return
    if content_type in _TEXT_TYPES and part.get_content_disposition() != "attachment":
        parts.append(TextPart(
            content_type=content_type,
            charset=part.get_content_charset(),
            transfer_encoding=_transfer_encoding(part),
            payload=_payload_bytes(payload),
        ))
        return
    attachments.append(_attachment(part, content_type))


def _note_defects(part: MimePart, notes: list[str]) -> None:
    names = {type(defect).__name__ for defect in part.defects}
    if "CloseBoundaryNotFoundDefect" in names:
        notes.append("multipart not closed")


def _salvage_multipart(part: MimePart, content_type: str, parts: list[TextPart],
                       attachments: list[Attachment], notes: list[str], depth: int) -> None:
    """A multipart whose boundary never matches: guess the boundary from the body."""
    body = _payload_bytes(_stored_payload(part))
    guess = _BOUNDARY_GUESS.search(body)
    if guess is not None:
        rebuilt = _MIME_PARSER.parsebytes(
            b"Content-Type: " + content_type.encode("ascii", "replace")
            + b'; boundary="' + guess.group(1) + b'"\n\n' + body
        )
        defects = {type(defect).__name__ for defect in rebuilt.defects}
        if isinstance(rebuilt.get_payload(), list) and not defects.intersection(_BOUNDARY_DEFECTS):
            notes.append("broken multipart boundary, recovered")
            _walk(rebuilt, parts, attachments, notes, depth + 1)
            return
    # No part structure to be found: the body is most likely just text.
    notes.append("broken multipart boundary, read as text")
    parts.append(TextPart(content_type="text/plain", charset=None,
                          transfer_encoding=_transfer_encoding(part), payload=body))


def _transfer_encoding(part: MimePart) -> str | None:
    value = part.get("content-transfer-encoding")
    if value is None:
        return None
    return str(value).strip().lower() or None


def _stored_payload(part: MimePart) -> list[MimePart] | str | bytes:
    # get_payload() re-decodes a payload holding 8-bit bytes with "replace",
    # losing them before we could guess their charset. The stored payload
    # keeps them as surrogates; the email package's own generator reads it too.
    return part._payload


def _payload_bytes(payload: str | bytes) -> bytes:
    if isinstance(payload, bytes):
        return payload
    # BytesParser keeps 8-bit bytes as surrogates; this restores them exactly.
    return payload.encode("utf-8", "surrogateescape")


def _attachment(part: MimePart, content_type: str) -> Attachment:
    return Attachment(filename=_filename(part), content_type=content_type, size=_decoded_size(part))


def _filename(part: MimePart) -> str | None:
    try:
        name = part.get_filename()  # joins RFC 2231 continuations and charsets
    except (LookupError, ValueError, TypeError, UnicodeError):
        return None
    if not name:
        return None
    return _decode_header(str(name), [], "filename") or None


def _decoded_size(part: MimePart) -> int:
    payload = _stored_payload(part)
    if isinstance(payload, list):
        try:
            return sum(len(child.as_bytes()) for child in payload)
        except Exception:  # re-serialising a broken attached message is best effort
            return 0
    data = _payload_bytes(payload)
    encoding = (_transfer_encoding(part) or "")
    if encoding == "base64":
        compact = data.translate(None, _WHITESPACE_BYTES)
        return max(len(compact) * 3 // 4 - compact[-2:].count(b"="), 0)
    if encoding == "quoted-printable":
        return len(binascii.a2b_qp(data))
    return len(data)
