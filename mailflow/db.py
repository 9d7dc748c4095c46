"""The SQLite store: every SQL statement mailflow runs lives in this module.

The schema is explicit and versioned through `PRAGMA user_version`; each
migration runs once, in order, inside a transaction. A batch of messages and the
folder state that covers it are committed together, so a crash between two
batches neither skips nor doubles a message.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils

from .errors import OperationalError
from .parse import normalize_subject
from .records import Address, Attachment, Findings, Message, NewItem, RawMessage

log = logging.getLogger(__name__)

# A thread found only by its subject must have been active this recently:
# "Invoice" from the same client a year apart is two conversations.
SUBJECT_THREAD_WINDOW_DAYS = 60

MIGRATIONS: tuple[str, ...] = (
    # 1: the mailbox as synced: messages, threads, contacts, folder state, events.
    """
    CREATE TABLE accounts (
        name TEXT PRIMARY KEY,
        connected_at TEXT NOT NULL,
        last_sync_at TEXT,
        last_error TEXT
    );
    CREATE TABLE folders (
        account TEXT NOT NULL REFERENCES accounts(name),
        name TEXT NOT NULL,
        role TEXT,
        uidvalidity INTEGER,
        last_uid INTEGER NOT NULL DEFAULT 0,
        synced_at TEXT,
        last_error TEXT,
        PRIMARY KEY (account, name)
    );
    CREATE TABLE threads (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL REFERENCES accounts(name),
        subject TEXT NOT NULL,
        subject_key TEXT NOT NULL,
        first_at TEXT,
        last_at TEXT,
        message_count INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX threads_subject ON threads(account, subject_key);
    CREATE TABLE thread_contacts (
        thread_id INTEGER NOT NULL REFERENCES threads(id),
        address TEXT NOT NULL,
        PRIMARY KEY (thread_id, address)
    ) WITHOUT ROWID;
    CREATE INDEX thread_contacts_address ON thread_contacts(address);
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL REFERENCES accounts(name),
        dedup_key TEXT NOT NULL,
        message_id TEXT,
        in_reply_to TEXT,
        refs TEXT NOT NULL DEFAULT '[]',
        folder TEXT NOT NULL,
        uid INTEGER,
        uidvalidity INTEGER,
        flags TEXT NOT NULL DEFAULT '[]',
        from_addr TEXT,
        from_name TEXT,
        to_addrs TEXT NOT NULL DEFAULT '[]',
        cc_addrs TEXT NOT NULL DEFAULT '[]',
        reply_to TEXT NOT NULL DEFAULT '[]',
        date TEXT,
        date_utc TEXT,
        subject TEXT NOT NULL DEFAULT '',
        direction TEXT NOT NULL CHECK (direction IN ('incoming', 'outgoing')),
        automated TEXT NOT NULL DEFAULT '[]',
        list_id TEXT,
        new_text TEXT NOT NULL DEFAULT '',
        calendar TEXT,
        attachments TEXT NOT NULL DEFAULT '[]',
        size INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        thread_id INTEGER REFERENCES threads(id),
        answers_id INTEGER REFERENCES messages(id),
        latency_seconds INTEGER,
        synced_at TEXT NOT NULL,
        UNIQUE (account, dedup_key)
    );
    CREATE INDEX messages_message_id ON messages(account, message_id);
    CREATE INDEX messages_thread ON messages(thread_id, date_utc);
    CREATE INDEX messages_from ON messages(from_addr, date_utc);
    -- Which ids each message points at (In-Reply-To first, then References),
    -- so a parent synced after its reply can still find its children.
    CREATE TABLE message_refs (
        account TEXT NOT NULL,
        ref TEXT NOT NULL,
        message INTEGER NOT NULL REFERENCES messages(id),
        is_parent INTEGER NOT NULL
    );
    CREATE INDEX message_refs_ref ON message_refs(account, ref);
    CREATE INDEX message_refs_message ON message_refs(message);
    CREATE TABLE contacts (
        address TEXT PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '',
        first_seen TEXT,
        last_seen TEXT,
        messages_from INTEGER NOT NULL DEFAULT 0,
        messages_to INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        account TEXT,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX events_kind ON events(kind, at);
    """,
    # 2: what each message commits someone to, and the evidence of work done.
    """
    CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL REFERENCES accounts(name),
        message INTEGER NOT NULL REFERENCES messages(id),
        thread_id INTEGER REFERENCES threads(id),
        fingerprint TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('promise', 'request', 'meeting')),
        owner TEXT NOT NULL CHECK (owner IN ('sender', 'recipient', 'both')),
        -- who must act, seen from the user: 'me', 'them' or 'both'
        debtor TEXT NOT NULL CHECK (debtor IN ('me', 'them', 'both')),
        contact TEXT,
        sentence TEXT NOT NULL,
        due TEXT,
        due_utc TEXT,
        due_text TEXT,
        meeting_status TEXT,
        status TEXT NOT NULL DEFAULT 'open'
            CHECK (status IN ('open', 'done', 'cancelled', 'expired', 'snoozed')),
        status_reason TEXT,
        status_at TEXT,
        snoozed_until TEXT,
        set_by_user INTEGER NOT NULL DEFAULT 0,
        detector_version TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (message, fingerprint)
    );
    CREATE INDEX items_open ON items(status, due_utc);
    CREATE INDEX items_thread ON items(thread_id);
    CREATE INDEX items_contact ON items(contact, status);
    CREATE TABLE completions (
        id INTEGER PRIMARY KEY,
        message INTEGER NOT NULL REFERENCES messages(id),
        sentence TEXT NOT NULL,
        what TEXT,
        detector_version TEXT NOT NULL
    );
    CREATE INDEX completions_message ON completions(message);
    """,
    # 3: the outbox (every automated email, exactly once) and switches such as the pause.
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        rule TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('send', 'draft')),
        account TEXT,
        item_id INTEGER REFERENCES items(id),
        thread_id INTEGER REFERENCES threads(id),
        contact TEXT,
        recipients TEXT NOT NULL,
        subject TEXT NOT NULL,
        message_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        quote TEXT,
        planned_at TEXT NOT NULL,
        -- pending = written, not yet handed to a server. sending = handed to SMTP, outcome unknown.
        -- sent, drafted = done. dropped = deliberately not sent. failed = gave up, see status_reason.
        status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'drafted', 'dropped', 'failed')),
        status_reason TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        raw BLOB NOT NULL
    );
    CREATE INDEX outbox_status ON outbox(status);
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 4: promises that a reply keeps ("I'll get back to you").
    """
    ALTER TABLE items ADD COLUMN settled_by_reply INTEGER NOT NULL DEFAULT 0;
    """,
)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _utc(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def open_db(path: Path | str) -> sqlite_utils.Database:
    """Open (creating with mode 0600) and migrate the database at `path`."""
    if str(path) != ":memory:":
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Created 0600 before SQLite sees it: the file holds mail. SQLite gives
            # its -wal and -shm files the main file's mode.
            os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
        except OSError as exc:
            raise OperationalError(f"cannot create the database {path}: {exc.strerror}") from exc
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA foreign_keys = ON")
        if str(path) != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        db = sqlite_utils.Database(conn)
        migrate(db)
    except sqlite3.DatabaseError as exc:
        raise OperationalError(f"cannot open the database {path}: {exc}") from exc
    return db


def database_path(db: sqlite_utils.Database) -> str | None:
    """The file behind `db`, for another process to open; None for a database in memory."""
    for _seq, name, file in db.execute("PRAGMA database_list"):
        if name == "main":
            return file or None
    return None


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database) -> None:
    current = schema_version(db)
    if current > len(MIGRATIONS):
        raise OperationalError(f"the database is from a newer mailflow (schema {current}); upgrade mailflow")
    for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
        with transaction(db):
            for statement in _statements(script):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {version}")
        log.info("database migrated to schema %d", version)


def _statements(script: str) -> Iterator[str]:
    # executescript() would commit our transaction; split on ';' instead (the
    # schema holds no semicolons in literals or comments).
    for statement in script.split(";"):
        lines = [ln for ln in statement.splitlines() if ln.strip() and not ln.strip().startswith("--")]
        if lines:
            yield "\n".join(lines)


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


# --- accounts, folders, events ------------------------------------------------

def ensure_account(db: sqlite_utils.Database, name: str, now: datetime | None = None) -> None:
    """Record the account; the first time, its connection moment (no rule acts on older mail)."""
    db.execute("INSERT OR IGNORE INTO accounts (name, connected_at) VALUES (?, ?)",
               [name, _utc(now or utcnow())])


def account_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query(
        """SELECT a.name, a.connected_at, a.last_sync_at, a.last_error,
                  (SELECT COUNT(*) FROM messages m WHERE m.account = a.name) AS messages,
                  (SELECT COUNT(*) FROM threads t WHERE t.account = a.name) AS threads,
                  (SELECT COUNT(*) FROM messages m WHERE m.account = a.name AND m.error IS NOT NULL) AS errors
           FROM accounts a ORDER BY a.name"""))


def folder_rows(db: sqlite_utils.Database, account: str | None = None) -> list[dict[str, Any]]:
    where, params = ("WHERE f.account = ?", [account]) if account else ("", [])
    return list(db.query(
        f"""SELECT f.account, f.name, f.role, f.uidvalidity, f.last_uid, f.synced_at, f.last_error,
                   (SELECT COUNT(*) FROM messages m WHERE m.account = f.account AND m.folder = f.name) AS messages
            FROM folders f {where} ORDER BY f.account, f.name""", params))


@dataclass(frozen=True)
class FolderState:
    uidvalidity: int | None
    last_uid: int


def folder_state(db: sqlite_utils.Database, account: str, folder: str) -> FolderState:
    row = db.execute("SELECT uidvalidity, last_uid FROM folders WHERE account = ? AND name = ?",
                     [account, folder]).fetchone()
    return FolderState(row[0], row[1]) if row else FolderState(None, 0)


def save_folder_state(db: sqlite_utils.Database, account: str, folder: str, *, role: str | None,
                      uidvalidity: int | None, last_uid: int, error: str | None = None) -> None:
    db.execute(
        """INSERT INTO folders (account, name, role, uidvalidity, last_uid, synced_at, last_error)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (account, name) DO UPDATE SET role = excluded.role,
               uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid,
               synced_at = excluded.synced_at, last_error = excluded.last_error""",
        [account, folder, role, uidvalidity, last_uid, _utc(utcnow()), error])


def record_folder_error(db: sqlite_utils.Database, account: str, folder: str, error: str) -> None:
    db.execute(
        """INSERT INTO folders (account, name, last_error) VALUES (?, ?, ?)
           ON CONFLICT (account, name) DO UPDATE SET last_error = excluded.last_error""",
        [account, folder, error])


def finish_account_sync(db: sqlite_utils.Database, account: str, error: str | None) -> None:
    db.execute("UPDATE accounts SET last_sync_at = ?, last_error = ? WHERE name = ?",
               [_utc(utcnow()), error, account])


def log_event(db: sqlite_utils.Database, kind: str, account: str | None = None, **detail: Any) -> None:
    db.execute("INSERT INTO events (at, kind, account, detail) VALUES (?, ?, ?, ?)",
               [_utc(utcnow()), kind, account, json.dumps(detail, default=str, sort_keys=True)])


def events(db: sqlite_utils.Database, kind: str | None = None) -> list[dict[str, Any]]:
    where, params = ("WHERE kind = ?", [kind]) if kind else ("", [])
    rows = list(db.query(f"SELECT * FROM events {where} ORDER BY id", params))
    for row in rows:
        row["detail"] = json.loads(row["detail"])
    return rows


# --- messages -----------------------------------------------------------------

@dataclass(frozen=True)
class BatchResult:
    row_ids: tuple[int | None, ...]  # per input message: its new row id, or None if already stored

    @property
    def inserted(self) -> tuple[int, ...]:
        return tuple(r for r in self.row_ids if r is not None)

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.row_ids if r is None)


def store_batch(db: sqlite_utils.Database, account: str, batch: Sequence[tuple[RawMessage, Message]],
                own_addresses: frozenset[str], *, findings: Sequence[Findings | None] | None = None,
                folder_state: tuple[str, str | None, int | None, int] | None = None) -> BatchResult:
    """Insert parsed messages with what detection found in them, thread them, and save
    (folder, role, uidvalidity, last_uid), all in one transaction."""
    now = _utc(utcnow())
    uidvalidity = folder_state[2] if folder_state else None
    conn = db.conn
    row_ids: list[int | None] = []
    touched: set[int] = set()
    # (row id, its thread, findings) of each new message; a merge later in the batch moves it.
    new_messages: list[list[Any]] = []
    contacts: list[tuple[str, str, str | None, str | None, int, int]] = []
    with transaction(db):
        stored = _stored_keys(conn, account, [msg.dedup_key for _raw, msg in batch])
        for index, (raw, msg) in enumerate(batch):
            key = msg.dedup_key
            if key in stored:
                row_ids.append(None)
                continue
            stored.add(key)
            # Threaded, and its parent found, before the insert, so the row is written
            # once and whole. The message cannot find itself: it is not stored yet.
            thread_id, parent, counterparts = _thread_for(conn, account, msg, own_addresses, new_messages)
            row_id = _insert_message(conn, account, raw, msg, thread_id, parent, now, uidvalidity)
            row_ids.append(row_id)
            if counterparts:
                conn.executemany("INSERT OR IGNORE INTO thread_contacts (thread_id, address) VALUES (?, ?)",
                                 [(thread_id, c) for c in counterparts])
            touched.add(thread_id)
            contacts.extend(_contact_rows(msg, own_addresses))
            new_messages.append([row_id, thread_id, findings[index] if findings else None])
        # Nothing later in the batch reads contacts, items or completions, so each is
        # written once for the batch, in message order: the rows come out the same.
        # Items take their message's thread as it is now, after the batch's merges.
        if contacts:
            conn.executemany(_UPSERT_CONTACT, contacts)
        items: list[tuple[Any, ...]] = []
        completions: list[tuple[int, str, str | None, str]] = []
        for row_id, thread_id, found in new_messages:
            if found is not None:
                items.extend(_item_rows(account, row_id, thread_id, found, now))
                completions.extend((row_id, sentence, what, found.detector_version)
                                   for sentence, what in found.completions)
        if items:
            conn.executemany(_INSERT_ITEM, items)
        if completions:
            conn.executemany(_INSERT_COMPLETION, completions)
        _link_replies(db, account, [r for r in row_ids if r is not None])
        # A thread merged away is gone: its refresh updates nothing.
        conn.executemany(_REFRESH_THREAD, [(t,) for t in sorted(touched)])
        if folder_state is not None:
            folder, role, uidvalidity, last_uid = folder_state
            save_folder_state(db, account, folder, role=role, uidvalidity=uidvalidity, last_uid=last_uid)
    return BatchResult(tuple(row_ids))


def _stored_keys(conn: sqlite3.Connection, account: str, keys: list[str]) -> set[str]:
    """Which of these dedup keys the account already has."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):  # well under SQLite's limit on parameters
        chunk = keys[start:start + 500]
        found.update(r[0] for r in conn.execute(
            f"SELECT dedup_key FROM messages WHERE account = ? AND dedup_key IN ({','.join('?' * len(chunk))})",
            [account, *chunk]))
    return found


def _json_list(values: Sequence[Any]) -> str:
    # Most lists here are empty; json.dumps costs microseconds each, seven times a message.
    return json.dumps(values, ensure_ascii=False) if values else "[]"


def _addresses_json(addresses: Sequence[Address]) -> str:
    return _json_list([{"name": a.name, "email": a.email} for a in addresses])


_INSERT_MESSAGE = """INSERT INTO messages (account, dedup_key, message_id, in_reply_to, refs, folder, uid, uidvalidity,
        flags, from_addr, from_name, to_addrs, cc_addrs, reply_to, date, date_utc, subject, direction,
        automated, list_id, new_text, calendar, attachments, size, error, thread_id, answers_id, latency_seconds,
        synced_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
            CAST(ROUND((julianday(?) - julianday(?)) * 86400) AS INTEGER), ?)"""

Parent = tuple[int, str | None]  # a stored message's (id, date_utc)


def _insert_message(conn: sqlite3.Connection, account: str, raw: RawMessage, msg: Message, thread_id: int,
                    parent: Parent | None, now: str, uidvalidity: int | None) -> int:
    errors = [e for e in (raw.error, *msg.errors) if e]
    date_utc = _utc(msg.date)
    parent_id, parent_utc = parent or (None, None)
    row_id: int = conn.execute(_INSERT_MESSAGE, (
        account, msg.dedup_key, msg.message_id, msg.in_reply_to, _json_list(msg.references),
        raw.folder, raw.uid, uidvalidity, _json_list(raw.flags),
        msg.from_addr.email if msg.from_addr else None, msg.from_addr.name if msg.from_addr else None,
        _addresses_json(msg.to), _addresses_json(msg.cc), _addresses_json(msg.reply_to),
        _iso(msg.date), date_utc, msg.subject, msg.direction, _json_list(msg.automated),
        msg.list_id, msg.new_text, msg.calendar,
        _json_list([{"filename": a.filename, "content_type": a.content_type, "size": a.size}
                    for a in msg.attachments]),
        msg.size, "; ".join(errors) or None, thread_id, parent_id, date_utc, parent_utc, now)).lastrowid
    parent_ref = _parent_ref(msg)
    refs = ([(parent_ref, 1)] if parent_ref else []) + [(ref, 0) for ref in msg.references if ref != parent_ref]
    if refs:
        conn.executemany("INSERT INTO message_refs (account, ref, message, is_parent) VALUES (?, ?, ?, ?)",
                         [(account, ref, row_id, is_parent) for ref, is_parent in refs])
    return row_id


def _parent_ref(msg: Message) -> str | None:
    # The parent is In-Reply-To, or else the last of References (some clients set only that).
    return msg.in_reply_to or (msg.references[-1] if msg.references else None)


def _counterparts(msg: Message, own: frozenset[str]) -> set[str]:
    people = [msg.from_addr, *msg.to, *msg.cc] if msg.from_addr else [*msg.to, *msg.cc]
    return {a.email for a in people if a and a.email and a.email not in own}


def _thread_for(conn: sqlite3.Connection, account: str, msg: Message, own: frozenset[str],
                new_messages: list[list[Any]]) -> tuple[int, Parent | None, set[str]]:
    """The thread for a new message, by its ids, then its replies' ids, then its subject (merging
    the threads it links, creating one if none); its parent, if stored; and its counterparts.

    The batch's earlier messages in a thread merged away follow it in `new_messages`
    at once: SQLite may hand the deleted thread's id out again.
    """
    threads, parent = _threads_by_ids(conn, account, msg)
    subject_key = normalize_subject(msg.subject)
    counterparts = _counterparts(msg, own)
    if not threads and subject_key and counterparts:
        threads = _threads_by_subject(conn, account, subject_key, counterparts, msg.date)
    if threads:
        thread_id = min(threads)
        for other in sorted(threads - {thread_id}):
            _merge_threads(conn, thread_id, other)
            for entry in new_messages:
                if entry[1] == other:
                    entry[1] = thread_id
        return thread_id, parent, counterparts
    new_thread: int = conn.execute("INSERT INTO threads (account, subject, subject_key) VALUES (?, ?, ?)",
                                   (account, msg.subject, subject_key)).lastrowid
    return new_thread, parent, counterparts


def _threads_by_ids(conn: sqlite3.Connection, account: str, msg: Message) -> tuple[set[int], Parent | None]:
    """The threads of the stored messages this one refers to, or that refer to it; and its parent among them."""
    ids = [i for i in (msg.in_reply_to, *msg.references) if i]
    # The replies synced before this message (Sent is often read before INBOX) find it by its own id.
    by_replies = """SELECT NULL, NULL, NULL, m.thread_id FROM message_refs r JOIN messages m ON m.id = r.message
                    WHERE r.account = ? AND r.ref = ?"""
    if ids:
        by_ids = ("SELECT message_id, id, date_utc, thread_id FROM messages"
                  f" WHERE account = ? AND message_id IN ({','.join('?' * len(ids))})")
        if msg.message_id:
            rows = conn.execute(f"{by_ids} UNION ALL {by_replies}", [account, *ids, account, msg.message_id])
        else:
            rows = conn.execute(by_ids, [account, *ids])
    elif msg.message_id:
        rows = conn.execute(by_replies, [account, msg.message_id])
    else:
        return set(), None
    parent_ref = _parent_ref(msg)
    threads: set[int] = set()
    parent = None
    for message_id, row_id, date_utc, thread_id in rows:
        if thread_id is not None:
            threads.add(thread_id)
        if message_id is not None and message_id == parent_ref:
            parent = (row_id, date_utc)
    return threads, parent


def _threads_by_subject(conn: sqlite3.Connection, account: str, subject_key: str, counterparts: set[str],
                        date: datetime | None) -> set[int]:
    marks = ",".join("?" * len(counterparts))
    rows = conn.execute(
        # The span comes from the messages, not threads.last_at, which is only
        # refreshed at the end of a batch.
        f"""SELECT t.id, (SELECT MAX(m.date_utc) FROM messages m WHERE m.thread_id = t.id) AS last_at
            FROM threads t
            WHERE t.account = ? AND t.subject_key = ?
              AND EXISTS (SELECT 1 FROM thread_contacts c WHERE c.thread_id = t.id AND c.address IN ({marks}))
            ORDER BY last_at DESC""", [account, subject_key, *counterparts]).fetchall()
    for thread_id, last_at in rows:
        if date is None or last_at is None:
            return {thread_id}
        gap = abs((date - datetime.fromisoformat(last_at.replace("Z", "+00:00"))).days)
        if gap <= SUBJECT_THREAD_WINDOW_DAYS:
            return {thread_id}
    return set()


def _merge_threads(conn: sqlite3.Connection, keep: int, gone: int) -> None:
    conn.execute("UPDATE messages SET thread_id = ? WHERE thread_id = ?", [keep, gone])
    conn.execute("UPDATE items SET thread_id = ? WHERE thread_id = ?", [keep, gone])
    conn.execute("UPDATE outbox SET thread_id = ? WHERE thread_id = ?", [keep, gone])
    conn.execute("INSERT OR IGNORE INTO thread_contacts (thread_id, address) "
                 "SELECT ?, address FROM thread_contacts WHERE thread_id = ?", [keep, gone])
    conn.execute("DELETE FROM thread_contacts WHERE thread_id = ?", [gone])
    conn.execute("DELETE FROM threads WHERE id = ?", [gone])


# The subject shown is the thread's first message's; count and span follow the messages.
_REFRESH_THREAD = """UPDATE threads SET
        message_count = (SELECT COUNT(*) FROM messages WHERE thread_id = ?1),
        first_at = (SELECT MIN(date_utc) FROM messages WHERE thread_id = ?1),
        last_at = (SELECT MAX(date_utc) FROM messages WHERE thread_id = ?1),
        subject = COALESCE((SELECT subject FROM messages WHERE thread_id = ?1 AND subject != ''
                            ORDER BY date_utc LIMIT 1), subject)
    WHERE id = ?1"""

# A message counts once, from or to: the other counter gets 0.
_UPSERT_CONTACT = """INSERT INTO contacts (address, name, first_seen, last_seen, messages_from, messages_to)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (address) DO UPDATE SET
        name = CASE WHEN excluded.name != '' THEN excluded.name ELSE contacts.name END,
        first_seen = MIN(COALESCE(contacts.first_seen, excluded.first_seen), excluded.first_seen),
        last_seen = MAX(COALESCE(contacts.last_seen, excluded.last_seen), excluded.last_seen),
        messages_from = contacts.messages_from + excluded.messages_from,
        messages_to = contacts.messages_to + excluded.messages_to"""


def _contact_rows(msg: Message, own: frozenset[str]) -> list[tuple[str, str, str | None, str | None, int, int]]:
    """The `_UPSERT_CONTACT` rows for a message: its sender if incoming, its recipients if outgoing."""
    if msg.automated:
        return []  # newsletters and robots are not contacts
    when = _utc(msg.date)
    if msg.direction == "incoming":
        people, counts = ([msg.from_addr] if msg.from_addr else []), (1, 0)
    else:
        people, counts = [*msg.to, *msg.cc], (0, 1)
    return [(person.email, person.name, when, when, *counts)
            for person in people if person.email and person.email not in own]


def _link_replies(db: sqlite_utils.Database, account: str, new_ids: Sequence[int]) -> None:
    """Link the replies stored before their parent, in an earlier batch or earlier in this one, to it.

    A reply stored after its parent was linked as it was inserted.
    """
    if not new_ids:
        return
    marks = ",".join("?" * len(new_ids))
    links = db.execute(
        f"""SELECT r.message, p.id FROM messages p
              JOIN message_refs r ON r.account = p.account AND r.ref = p.message_id
              JOIN messages c ON c.id = r.message
            WHERE p.id IN ({marks}) AND r.is_parent = 1 AND c.answers_id IS NULL""", new_ids).fetchall()
    db.conn.executemany(
        """UPDATE messages SET answers_id = :parent,
               latency_seconds = CAST(ROUND((julianday(date_utc) -
                   julianday((SELECT date_utc FROM messages WHERE id = :parent))) * 86400) AS INTEGER)
           WHERE id = :child AND answers_id IS NULL AND id != :parent""",
        [{"child": child, "parent": parent} for child, parent in links])


# --- items ----------------------------------------------------------------------

_ITEM_DETECTED = ("kind", "owner", "debtor", "contact", "sentence", "due", "due_utc", "due_text", "meeting_status",
                  "settled_by_reply", "detector_version")


def _item_values(item: NewItem, version: str) -> dict[str, Any]:
    return {"kind": item.kind, "owner": item.owner, "debtor": item.debtor, "contact": item.contact,
            "sentence": item.sentence, "due": _iso(item.due), "due_utc": _utc(item.due), "due_text": item.due_text,
            "meeting_status": item.meeting_status, "settled_by_reply": int(item.settled_by_reply),
            "detector_version": version}


_ITEM_COLUMNS = ("account", "message", "thread_id", "fingerprint", *_ITEM_DETECTED, "created_at")
_INSERT_ITEM = (f"INSERT INTO items ({', '.join(_ITEM_COLUMNS)}) VALUES ({', '.join('?' * len(_ITEM_COLUMNS))})"
                " ON CONFLICT (message, fingerprint) DO NOTHING")
_INSERT_COMPLETION = "INSERT INTO completions (message, sentence, what, detector_version) VALUES (?, ?, ?, ?)"


def _item_rows(account: str, message: int, thread_id: int | None, found: Findings, now: str) -> list[tuple[Any, ...]]:
    """`_INSERT_ITEM` rows: positional, in `_ITEM_COLUMNS` order."""
    return [(account, message, thread_id, item.fingerprint, item.kind, item.owner, item.debtor, item.contact,
             item.sentence, _iso(item.due), _utc(item.due), item.due_text, item.meeting_status,
             int(item.settled_by_reply), found.detector_version, now) for item in found.items]


def _insert_findings(conn: sqlite3.Connection, account: str, message: int, thread_id: int | None, found: Findings,
                     now: str) -> None:
    rows = _item_rows(account, message, thread_id, found, now)
    if rows:
        conn.executemany(_INSERT_ITEM, rows)
    if found.completions:
        conn.executemany(_INSERT_COMPLETION,
                         [(message, sentence, what, found.detector_version) for sentence, what in found.completions])


def replace_findings(db: sqlite_utils.Database, results: Sequence[tuple[int, Findings | None]]) -> dict[str, int]:
    """Store a newer detector's findings for messages, keeping what the user set by hand.

    An item found again keeps its id, status and snooze; its detected fields are
    updated. An item no longer found is deleted unless the user acted on it.
    """
    counts = {"added": 0, "updated": 0, "removed": 0, "kept": 0}
    now = _utc(utcnow())
    with transaction(db):
        for message, found in results:
            existing = {r[0]: (r[1], r[2]) for r in db.execute(
                "SELECT fingerprint, id, set_by_user FROM items WHERE message = ?", [message])}
            account, thread_id = db.execute("SELECT account, thread_id FROM messages WHERE id = ?",
                                            [message]).fetchone()
            fresh = {item.fingerprint: item for item in (found.items if found else ())}
            for key, (item_id, by_user) in existing.items():
                if key in fresh:
                    values = _item_values(fresh[key], found.detector_version)
                    db.execute(f"UPDATE items SET {', '.join(f'{c} = :{c}' for c in _ITEM_DETECTED)} WHERE id = :id",
                               {**values, "id": item_id})
                    counts["updated"] += 1
                elif by_user:
                    counts["kept"] += 1
                else:
                    db.execute("DELETE FROM items WHERE id = ?", [item_id])
                    counts["removed"] += 1
            db.execute("DELETE FROM completions WHERE message = ?", [message])
            if found:
                new = Findings(tuple(i for k, i in fresh.items() if k not in existing), found.completions,
                               found.detector_version)
                _insert_findings(db.conn, account, message, thread_id, new, now)
                counts["added"] += len(new.items)
    return counts


# Each rule: (status, reason, SQL selecting (item id, moment) for open items it closes).
# `i` is the item, `m` its message; later mail is `n`. A person's mail only:
# an auto-reply closes nothing.
_LATER = "n.date_utc > m.date_utc AND n.automated = '[]'"
_CLOSING_RULES: tuple[tuple[str, str, str], ...] = (
    # In the thread, or from the same address anywhere. Two correlated MIN()s, each
    # answered from the first matching entry of an index; a join on "thread OR
    # sender" would pair every item with every later message from that contact.
    ("done", "they replied", """
        SELECT id, MIN(COALESCE(by_thread, by_sender), COALESCE(by_sender, by_thread)) FROM (
            SELECT i.id,
                (SELECT MIN(COALESCE(n.date_utc, n.synced_at)) FROM messages n WHERE n.thread_id = m.thread_id
                   AND (n.date_utc > m.date_utc OR n.answers_id = m.id OR (n.date_utc IS NULL AND n.id > m.id))
                   AND n.direction = 'incoming' AND n.automated = '[]') AS by_thread,
                (SELECT MIN(n.date_utc) FROM messages n WHERE n.from_addr = i.contact AND n.date_utc > m.date_utc
                   AND n.direction = 'incoming' AND n.automated = '[]') AS by_sender
            FROM items i JOIN messages m ON m.id = i.message
            WHERE i.status = 'open' AND i.set_by_user = 0 AND i.kind = 'request' AND i.debtor = 'them')
        GROUP BY id"""),
    ("done", "you replied", f"""
        SELECT i.id, MIN(n.date_utc) FROM items i JOIN messages m ON m.id = i.message
        JOIN messages n ON n.thread_id = m.thread_id AND n.direction = 'outgoing' AND {_LATER}
        WHERE i.status = 'open' AND i.set_by_user = 0 AND i.kind = 'request' AND i.debtor = 'me' GROUP BY i.id"""),
    ("done", "delivered", f"""
        SELECT i.id, MIN(n.date_utc) FROM items i JOIN messages m ON m.id = i.message
        JOIN messages n ON n.thread_id = m.thread_id AND {_LATER}
            AND n.direction = CASE i.debtor WHEN 'me' THEN 'outgoing' ELSE 'incoming' END
            AND (n.attachments != '[]' OR EXISTS (SELECT 1 FROM completions c WHERE c.message = n.id))
        WHERE i.status = 'open' AND i.set_by_user = 0 AND i.kind = 'promise' AND i.debtor IN ('me', 'them') GROUP BY i.id"""),
    ("done", "answered", f"""
        SELECT i.id, MIN(n.date_utc) FROM items i JOIN messages m ON m.id = i.message
        JOIN messages n ON n.thread_id = m.thread_id AND {_LATER}
        WHERE i.status = 'open' AND i.set_by_user = 0 AND i.kind != 'meeting' AND i.debtor = 'both' GROUP BY i.id"""),
    ("done", "answered", f"""
        SELECT i.id, MIN(n.date_utc) FROM items i JOIN messages m ON m.id = i.message
        JOIN messages n ON n.thread_id = m.thread_id AND {_LATER}
            AND n.direction = CASE i.debtor WHEN 'me' THEN 'outgoing' ELSE 'incoming' END
        WHERE i.status = 'open' AND i.set_by_user = 0 AND i.kind = 'promise' AND i.settled_by_reply = 1 GROUP BY i.id"""),
    ("cancelled", "cancelled", f"""
        SELECT i.id, MIN(n.date_utc) FROM items i JOIN messages m ON m.id = i.message
        JOIN messages n ON n.thread_id = m.thread_id AND {_LATER}
        JOIN items j ON j.message = n.id AND j.kind = 'meeting' AND j.meeting_status = 'cancelled'
        WHERE i.status = 'open' AND i.set_by_user = 0 AND i.kind = 'meeting' GROUP BY i.id"""),
    ("cancelled", "moved", f"""
        SELECT i.id, MIN(n.date_utc) FROM items i JOIN messages m ON m.id = i.message
        JOIN messages n ON n.thread_id = m.thread_id AND {_LATER}
        JOIN items j ON j.message = n.id AND j.kind = 'meeting' AND j.meeting_status IN ('moved', 'proposed')
            AND j.due_utc IS NOT NULL AND j.due_utc != COALESCE(i.due_utc, '')
        WHERE i.status = 'open' AND i.set_by_user = 0 AND i.kind = 'meeting' GROUP BY i.id"""),
    # A meeting an hour past its start has taken place, unless a rule above got there first.
    ("done", "took place", """
        SELECT i.id, strftime('%Y-%m-%dT%H:%M:%SZ', i.due_utc, '+1 hour') FROM items i
        WHERE i.status = 'open' AND i.set_by_user = 0 AND i.kind = 'meeting' AND i.due_utc IS NOT NULL
          AND strftime('%Y-%m-%dT%H:%M:%SZ', i.due_utc, '+1 hour') <= :now"""),
    # Old items nobody closed stop cluttering the digest.
    ("expired", "no news for 60 days", """
        SELECT i.id, :now FROM items i JOIN messages m ON m.id = i.message
        WHERE i.status = 'open' AND i.set_by_user = 0 AND COALESCE(i.due_utc, m.date_utc) <= strftime('%Y-%m-%dT%H:%M:%SZ', :now, '-60 days')"""),
)


_CLOCK_RULES = ("took place", "no news for 60 days")


def close_items_from_mail(db: sqlite_utils.Database, now: datetime, *, new_mail: bool = True) -> dict[str, int]:
    """Close open items that later mail (or the clock) shows to be settled; wake snoozed ones.

    Items the user set by hand are left alone. A closing moment in the future
    (mail dated ahead of `now`, as when previewing) does not count yet. Without
    `new_mail` only the clock's rules run: the others cannot have changed.
    """
    now_utc = _utc(now)
    counts: dict[str, int] = {}
    with transaction(db):
        # A woken item is the ledger's to close again: the user's decision was "later", not "never".
        woken = db.execute("""UPDATE items SET status = 'open', snoozed_until = NULL, status_reason = NULL,
                                  set_by_user = 0, status_at = :now
                              WHERE status = 'snoozed' AND snoozed_until <= :now""", {"now": now_utc}).rowcount
        if woken:
            counts["woken"] = woken
        for status, reason, query in _CLOSING_RULES:
            if not new_mail and reason not in _CLOCK_RULES:
                continue
            rows = db.execute(query, {"now": now_utc}).fetchall()
            closing = [(status, reason, at, item_id) for item_id, at in rows if at is not None and at <= now_utc]
            changed = db.conn.executemany(
                """UPDATE items SET status = ?, status_reason = ?, status_at = ?
                   WHERE id = ? AND status = 'open' AND set_by_user = 0""", closing).rowcount
            if changed:
                counts[reason] = counts.get(reason, 0) + changed
    return counts


def set_item_status(db: sqlite_utils.Database, item_id: int, status: str, *, reason: str,
                    now: datetime, snoozed_until: datetime | None = None) -> dict[str, Any] | None:
    """The user's own decision about an item; automatic closing never overrides it."""
    with transaction(db):
        changed = db.execute(
            """UPDATE items SET status = ?, status_reason = ?, status_at = ?, snoozed_until = ?, set_by_user = 1
               WHERE id = ?""", [status, reason, _utc(now), _utc(snoozed_until), item_id]).rowcount
    if not changed:
        return None
    return next(iter(item_rows(db, item_id=item_id)), None)


def item_rows(db: sqlite_utils.Database, *, debtor: str | None = None, contact: str | None = None,
              status: str | None = None, item_id: int | None = None) -> list[dict[str, Any]]:
    """Items with their message's subject, date and sender, oldest due first."""
    clauses, params = [], []
    for column, value in (("i.debtor", debtor), ("i.contact", contact), ("i.status", status), ("i.id", item_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return list(db.query(
        f"""SELECT i.id, i.kind, i.owner, i.debtor, i.contact, i.sentence, i.due, i.due_text, i.meeting_status,
                   i.due_utc, i.status, i.status_reason, i.status_at, i.snoozed_until, i.set_by_user,
                   i.detector_version, i.thread_id, m.subject, m.date AS message_date, m.date_utc AS message_utc,
                   m.direction
            FROM items i JOIN messages m ON m.id = i.message {where}
            ORDER BY i.due_utc IS NULL, i.due_utc, m.date_utc, i.id""", params))


def stored_messages(db: sqlite_utils.Database, after_id: int = 0, limit: int = 500) -> list[tuple[int, Message]]:
    """A page of stored messages as records, by row id."""
    rows = db.query("SELECT * FROM messages WHERE id > ? ORDER BY id LIMIT ?", [after_id, limit])
    return [(row["id"], _message_from_row(row)) for row in rows]


def _message_from_row(row: dict[str, Any]) -> Message:
    def addresses(value: str) -> tuple[Address, ...]:
        return tuple(Address(a["name"], a["email"]) for a in json.loads(value))

    return Message(
        message_id=row["message_id"], in_reply_to=row["in_reply_to"], references=tuple(json.loads(row["refs"])),
        from_addr=Address(row["from_name"] or "", row["from_addr"]) if row["from_addr"] else None,
        to=addresses(row["to_addrs"]), cc=addresses(row["cc_addrs"]), reply_to=addresses(row["reply_to"]),
        date=datetime.fromisoformat(row["date"]) if row["date"] else None, subject=row["subject"],
        direction=row["direction"], automated=tuple(json.loads(row["automated"])), list_id=row["list_id"],
        new_text=row["new_text"],
        attachments=tuple(Attachment(a["filename"], a["content_type"], a["size"])
                          for a in json.loads(row["attachments"])),
        calendar=row["calendar"], content_hash=row["dedup_key"], size=row["size"],
        errors=tuple(row["error"].split("; ")) if row["error"] else ())


def message_count(db: sqlite_utils.Database, account: str | None = None) -> int:
    if account:
        return db.execute("SELECT COUNT(*) FROM messages WHERE account = ?", [account]).fetchone()[0]
    return db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]


def messages(db: sqlite_utils.Database, account: str | None = None) -> list[dict[str, Any]]:
    where, params = ("WHERE account = ?", [account]) if account else ("", [])
    return list(db.query(f"SELECT * FROM messages {where} ORDER BY date_utc, id", params))


def thread_summaries(db: sqlite_utils.Database, account: str | None = None) -> list[dict[str, Any]]:
    """Each thread with its span, size, correspondents and direction counts."""
    where, params = ("WHERE t.account = ?", [account]) if account else ("", [])
    rows = list(db.query(
        f"""SELECT t.id, t.account, t.subject, t.first_at, t.last_at, t.message_count,
                   (SELECT json_group_array(address) FROM thread_contacts c WHERE c.thread_id = t.id) AS contacts,
                   (SELECT COUNT(*) FROM messages m WHERE m.thread_id = t.id AND m.direction = 'outgoing') AS sent,
                   (SELECT COUNT(*) FROM messages m WHERE m.thread_id = t.id AND m.direction = 'incoming') AS received,
                   (SELECT m.direction FROM messages m WHERE m.thread_id = t.id
                    ORDER BY m.date_utc DESC, m.id DESC LIMIT 1) AS last_direction,
                   (SELECT MIN(m.automated != '[]') FROM messages m WHERE m.thread_id = t.id) AS automated
            FROM threads t {where} ORDER BY t.last_at DESC""", params))
    for row in rows:
        row["contacts"] = sorted(json.loads(row["contacts"]))
    return rows


def reply_latencies(db: sqlite_utils.Database, account: str | None = None) -> list[dict[str, Any]]:
    """Every person-to-person reply: who answered whom, which way, and how fast.

    Replies to or from automated mail are left out; they say nothing about people.
    """
    where, params = ("AND m.account = ?", [account]) if account else ("", [])
    return list(db.query(
        f"""SELECT m.id, m.direction, m.latency_seconds, m.date_utc, p.date_utc AS parent_utc,
                   CASE WHEN m.direction = 'incoming' THEN m.from_addr ELSE p.from_addr END AS contact,
                   m.subject
            FROM messages m JOIN messages p ON p.id = m.answers_id
            WHERE m.latency_seconds IS NOT NULL AND m.latency_seconds >= 0 AND m.direction != p.direction
              AND m.automated = '[]' AND p.automated = '[]' {where}
            ORDER BY m.date_utc""", params))


def awaiting_reply(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The user's own messages that are the last word in their thread: nobody has answered since.

    With the thread's contacts and whether any of them wrote from elsewhere since
    (a reply outside the thread counts as an answer).
    """
    rows = list(db.query(
        """SELECT m.id, m.account, m.thread_id, m.message_id, m.refs, m.subject, m.date, m.date_utc, m.new_text,
                  m.attachments, m.to_addrs, m.cc_addrs,
                  (SELECT json_group_array(address) FROM thread_contacts c WHERE c.thread_id = m.thread_id)
                      AS contacts
           FROM messages m
           WHERE m.direction = 'outgoing' AND m.thread_id IS NOT NULL
             AND m.id = (SELECT l.id FROM messages l WHERE l.thread_id = m.thread_id AND l.automated = '[]'
                         ORDER BY l.date_utc DESC, l.id DESC LIMIT 1)
             AND NOT EXISTS (
                 SELECT 1 FROM messages n JOIN thread_contacts c ON c.thread_id = m.thread_id
                 WHERE n.from_addr = c.address AND n.direction = 'incoming' AND n.automated = '[]'
                   AND n.date_utc > m.date_utc)
           ORDER BY m.date_utc"""))
    for row in rows:
        for key in ("refs", "attachments", "to_addrs", "cc_addrs", "contacts"):
            row[key] = json.loads(row[key])
    return rows


def last_in_touch(db: sqlite_utils.Database) -> dict[str, dict[str, str | None]]:
    """Per contact: when they last wrote to the user, and when the user last wrote to them."""
    result: dict[str, dict[str, str | None]] = {}
    for address, last in db.execute(
            """SELECT from_addr, MAX(date_utc) FROM messages WHERE direction = 'incoming' AND automated = '[]'
               GROUP BY from_addr"""):
        result.setdefault(address, {"from_them": None, "to_them": None})["from_them"] = last
    for address, last in db.execute(
            """SELECT c.address, MAX(m.date_utc) FROM messages m JOIN thread_contacts c ON c.thread_id = m.thread_id
               WHERE m.direction = 'outgoing' GROUP BY c.address"""):
        result.setdefault(address, {"from_them": None, "to_them": None})["to_them"] = last
    return result


def rule_items(db: sqlite_utils.Database, since: datetime) -> list[dict[str, Any]]:
    """Open items, and meetings since `since` whatever their status (the rules need cancellations too)."""
    return list(db.query(
        """SELECT i.id, i.kind, i.debtor, i.contact, i.sentence, i.due, i.due_text, i.meeting_status, i.status,
                  i.status_reason, i.thread_id, m.account, m.date AS sent_at, m.date_utc AS sent_utc
           FROM items i JOIN messages m ON m.id = i.message
           WHERE i.status = 'open' OR (i.kind = 'meeting' AND i.due_utc >= ?)
           ORDER BY i.id""", [_utc(since)]))


def handled_threads(db: sqlite_utils.Database, now: datetime) -> dict[int, str]:
    """Per thread, the date of the latest message with an item the contact owes that the user set by
    hand and that still holds: snoozed and asleep at `now`, or dismissed or closed by the user."""
    return {thread: date for thread, date, _latest in db.execute(
        # SQLite takes the bare m.date from the row that holds the MAX.
        """SELECT i.thread_id, COALESCE(m.date, m.synced_at), MAX(COALESCE(m.date_utc, m.synced_at))
           FROM items i JOIN messages m ON m.id = i.message
           WHERE i.thread_id IS NOT NULL AND i.set_by_user = 1 AND i.debtor = 'them'
             AND (i.status IN ('done', 'cancelled') OR (i.status = 'snoozed' AND i.snoozed_until > ?))
           GROUP BY i.thread_id""", [_utc(now)])}


def thread_details(db: sqlite_utils.Database, thread_ids: Sequence[int], recent: int = 3) -> list[dict[str, Any]]:
    """For answering in a thread: its subject, contacts, last message ids, and its latest messages."""
    details = []
    for thread_id in thread_ids:
        thread = db.execute("SELECT subject FROM threads WHERE id = ?", [thread_id]).fetchone()
        if thread is None:
            continue
        contacts = [r[0] for r in db.execute(
            "SELECT address FROM thread_contacts WHERE thread_id = ? ORDER BY address", [thread_id])]
        latest = list(db.query(
            """SELECT message_id, refs, from_name, from_addr, date, new_text FROM messages WHERE thread_id = ?
               ORDER BY date_utc DESC, id DESC LIMIT ?""", [thread_id, recent]))
        last_sent, list_mail = db.execute(
            f"""SELECT (SELECT date FROM messages WHERE thread_id = :t AND direction = 'outgoing'
                        AND automated = '[]' ORDER BY date_utc DESC LIMIT 1),
                       EXISTS (SELECT 1 FROM messages WHERE thread_id = :t AND {_LIST_MAIL})""",
            {"t": thread_id}).fetchone()
        details.append({"id": thread_id, "subject": thread[0], "contacts": contacts, "latest": latest,
                        "last_sent": last_sent, "list_mail": bool(list_mail)})
    return details


# Not Precedence: bulk, which some vacation responders set: an out-of-office reply pauses, it does not block.
_LIST_MAIL = ("""((list_id IS NOT NULL OR automated LIKE '%"list-%' OR automated LIKE '%"precedence:list"%')
                 AND automated NOT LIKE '%"out-of-office"%')""")


def list_addresses(db: sqlite_utils.Database) -> set[str]:
    """The addresses of the mailing lists seen: the To or Cc address that its List-Id names.

    RFC 2919 ids are usually the list's address with "@" as ".". Not simply every
    recipient of list mail: a reply on a list goes To its author, Cc the list.
    """
    addresses: set[str] = set()
    for list_id, to_addrs, cc_addrs in db.execute(
            "SELECT list_id, to_addrs, cc_addrs FROM messages WHERE direction = 'incoming' AND list_id IS NOT NULL"):
        wanted = list_id.lower()
        for address in json.loads(to_addrs) + json.loads(cc_addrs):
            email = (address.get("email") or "").lower()
            local, _, domain = email.partition("@")
            if domain and (wanted == f"{local}.{domain}" or wanted.startswith(f"{local}.")):
                addresses.add(email)
    return addresses


def outbox_entries(db: sqlite_utils.Database, status: str | None = None) -> list[dict[str, Any]]:
    where, params = ("WHERE status = ?", [status]) if status else ("", [])
    rows = list(db.query(f"SELECT * FROM outbox {where} ORDER BY id", params))
    for row in rows:
        row["recipients"] = json.loads(row["recipients"])
    return rows


def outbox_has(db: sqlite_utils.Database, key: str) -> bool:
    return db.execute("SELECT 1 FROM outbox WHERE key = ?", [key]).fetchone() is not None


def add_to_outbox(db: sqlite_utils.Database, *, key: str, rule: str, mode: str, account: str | None,
                  item_id: int | None, thread_id: int | None, contact: str | None, recipients: Sequence[str],
                  subject: str, message_id: str, reason: str, quote: str | None, planned_at: datetime,
                  status: str, status_reason: str | None, raw: bytes) -> None:
    """Written, and committed, before any network call: the idempotency key makes a second write a no-op."""
    with transaction(db):
        db.execute(
            """INSERT INTO outbox (key, rule, mode, account, item_id, thread_id, contact, recipients, subject,
                   message_id, reason, quote, planned_at, status, status_reason, updated_at, raw)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (key) DO NOTHING""",
            [key, rule, mode, account, item_id, thread_id, contact, json.dumps(list(recipients)), subject,
             message_id, reason, quote, _utc(planned_at), status, status_reason, _utc(utcnow()), raw])


def claim_outbox(db: sqlite_utils.Database, entry_id: int, attempts: int, status: str) -> bool:
    """Take a pending email for delivery; False when another process took it first."""
    with transaction(db):
        return db.execute("""UPDATE outbox SET status = ?, attempts = attempts + 1, updated_at = ?
                             WHERE id = ? AND status = 'pending' AND attempts = ?""",
                          [status, _utc(utcnow()), entry_id, attempts]).rowcount == 1


def update_outbox(db: sqlite_utils.Database, entry_id: int, status: str, reason: str | None, *,
                  attempts: int | None = None) -> None:
    with transaction(db):
        db.execute("""UPDATE outbox SET status = ?, status_reason = ?, updated_at = ?,
                          attempts = COALESCE(?, attempts) WHERE id = ?""",
                   [status, reason, _utc(utcnow()), attempts, entry_id])


def set_outbox_raw(db: sqlite_utils.Database, entry_id: int, raw: bytes) -> None:
    with transaction(db):
        db.execute("UPDATE outbox SET raw = ?, updated_at = ? WHERE id = ?", [raw, _utc(utcnow()), entry_id])


def thread_accounts(db: sqlite_utils.Database, thread_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(thread_ids))
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    return dict(db.execute(f"SELECT id, account FROM threads WHERE id IN ({marks})", ids).fetchall())


def automated_senders(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Each automated message's sender, reasons, date and text (out-of-office replies included)."""
    rows = list(db.query(
        """SELECT from_addr, automated, date, new_text FROM messages
           WHERE automated != '[]' AND from_addr IS NOT NULL AND direction = 'incoming' ORDER BY date_utc"""))
    for row in rows:
        row["automated"] = json.loads(row["automated"])
    return rows


def connected_at(db: sqlite_utils.Database) -> dict[str, str]:
    return {name: at for name, at in db.execute("SELECT name, connected_at FROM accounts")}


def contact_names(db: sqlite_utils.Database) -> dict[str, str]:
    return {address: name for address, name in db.execute("SELECT address, name FROM contacts WHERE name != ''")}


def last_openings(db: sqlite_utils.Database) -> list[tuple[int, str, str]]:
    """(thread, contact, first line) of the user's latest message to each contact in each thread."""
    return [(r[0], r[1], r[2]) for r in db.execute(
        """SELECT m.thread_id, c.address, m.new_text FROM messages m
           JOIN thread_contacts c ON c.thread_id = m.thread_id
           WHERE m.direction = 'outgoing' AND m.id = (
               SELECT l.id FROM messages l WHERE l.thread_id = m.thread_id AND l.direction = 'outgoing'
                 AND l.to_addrs LIKE '%' || c.address || '%' ORDER BY l.date_utc DESC LIMIT 1)""")]


def get_setting(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_setting(db: sqlite_utils.Database, key: str, value: str | None) -> None:
    if value is None:
        db.execute("DELETE FROM settings WHERE key = ?", [key])
    else:
        db.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = ?",
                   [key, value, value])


def contacts(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM contacts ORDER BY last_seen DESC"))
