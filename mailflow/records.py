"""Plain frozen records passed between the stages of the data flow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Set on every email mailflow writes, so that its copy, synced back from Sent or
# Drafts, is recognised as mailflow's own and never read for promises or requests.
MARKER_HEADER = "X-Mailflow-Rule"


@dataclass(frozen=True)
class Address:
    """One mailbox: a display name (may be empty) and a lower-cased address."""

    name: str
    email: str


@dataclass(frozen=True)
class Attachment:
    """An attachment as described by the message; its bytes are never fetched."""

    filename: str | None
    content_type: str
    size: int


@dataclass(frozen=True)
class TextPart:
    """A text part's still-encoded payload and what is needed to decode it.

    The IMAP source builds these from BODYSTRUCTURE plus a partial fetch; the
    local source builds them by walking the MIME tree.
    """

    content_type: str  # text/plain, text/html or text/calendar
    charset: str | None
    transfer_encoding: str | None  # 7bit, 8bit, quoted-printable, base64 ...
    payload: bytes
    truncated: bool = False


@dataclass(frozen=True)
class Message:
    """One email, parsed: what every later stage reads instead of raw bytes."""

    message_id: str | None  # without angle brackets
    in_reply_to: str | None
    references: tuple[str, ...]
    from_addr: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    date: datetime | None  # timezone-aware, in the sender's own offset
    subject: str
    direction: str  # "outgoing" when From is one of the user's addresses, else "incoming"
    automated: tuple[str, ...]  # why it is automated mail; empty for a person's mail
    list_id: str | None
    new_text: str  # the body's new text: no quoted history, forwards or signature
    attachments: tuple[Attachment, ...]
    calendar: str | None  # decoded text/calendar part, if any
    content_hash: str  # stable hash, used to de-duplicate when Message-ID is missing
    size: int
    errors: tuple[str, ...] = field(default=())  # what went wrong while parsing

    @property
    def dedup_key(self) -> str:
        return f"mid:{self.message_id}" if self.message_id else f"hash:{self.content_hash}"


@dataclass(frozen=True)
class RawMessage:
    """A message as a source yields it, before parsing."""

    folder: str
    uid: int | None  # IMAP UID; None for local files
    flags: tuple[str, ...]
    size: int
    header: bytes  # the raw header block
    parts: tuple[TextPart, ...]
    attachments: tuple[Attachment, ...]
    error: str | None = None  # what the source could not fetch or understand


@dataclass(frozen=True)
class NewItem:
    """A detected item, placed in the ledger's terms, ready to be stored."""

    fingerprint: str  # stable per (kind, sentence), so re-detection keeps the user's state
    kind: str  # promise | request | meeting
    owner: str  # sender | recipient | both, relative to the message
    debtor: str  # me | them | both, relative to the user
    contact: str | None  # the other side's address
    sentence: str
    due: datetime | None
    due_text: str | None
    meeting_status: str | None
    settled_by_reply: bool = False  # a promise to answer, kept by any later reply from its debtor


@dataclass(frozen=True)
class Findings:
    """What detection found in one message."""

    items: tuple[NewItem, ...]
    completions: tuple[tuple[str, str | None], ...]  # (sentence, what was delivered)
    detector_version: str
