"""Sync: bring new mail from each source through parse into the store.

Each IMAP folder syncs incrementally from its (uidvalidity, last_uid). Every
batch is committed with the folder state that covers it, so a dropped
connection only costs the batch in flight: the sync reconnects with backoff and
goes on from the last commit. One failing account or folder never stops the
others; their errors are returned in the report.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from . import db as store
from .config import Account, Config
from .errors import AuthError, ConfigError, ImapError, MailflowError, describe_error
from .imap import BATCH_SIZE, PERMANENT, TRANSIENT, ImapSession
from .local import iter_messages
from .parse import parse
from .ledger import examine, settle
from .records import Address, Attachment, Findings, Message, RawMessage

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (label, done, total)


@dataclass(frozen=True)
class FolderResult:
    account: str
    folder: str
    new: int = 0
    duplicates: int = 0
    broken: int = 0  # stored, but with an error note
    error: str | None = None


@dataclass(frozen=True)
class SyncReport:
    folders: tuple[FolderResult, ...]
    seconds: float
    account_errors: dict[str, str] = field(default_factory=dict)

    @property
    def new(self) -> int:
        return sum(f.new for f in self.folders)

    @property
    def errors(self) -> list[str]:
        return [f"{name}: {err}" for name, err in self.account_errors.items()] + \
               [f"{f.account}/{f.folder}: {f.error}" for f in self.folders if f.error]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        folders = len({(f.account, f.folder) for f in self.folders})
        noun = "message" if self.new == 1 else "messages"
        text = f"{self.new:,} new {noun} in {folders} folder{'s' if folders != 1 else ''} in {self.seconds:.1f} s"
        if self.errors:
            text += f"; {len(self.errors)} error{'s' if len(self.errors) != 1 else ''}"
        return text


# benchmarks/sync.py turns detection off to time the other stages alone.
DETECT = True
# A folder with at least this many new messages is detected and stored by a worker
# process, on another core, while this process fetches and parses the next
# batches: a first sync of a big mailbox is CPU-bound. Below it, starting the
# worker (about half a second of imports) costs more than it saves.
WORKER_THRESHOLD = 4 * BATCH_SIZE
# When this many batches wait in the worker to be detected there, this process
# detects the next batch itself and leaves the worker only its writing, so that
# neither core idles. Batches left only to write are not counted: the worker is
# through one of those in a third of the time.
WORKER_BACKLOG = 2
# The last batches of a folder are detected here unless the worker is idle: after
# them this process has nothing to do but wait for the worker.
WORKER_TAIL = 2
# How many batches this process may run ahead of what the worker has stored. More
# than the backlog, so that it goes on fetching while the worker starts (half a
# second) and through a slow batch; few, as each holds its messages in memory.
WORKER_AHEAD = 6

Parsed = list[tuple[RawMessage, Message]]
FolderMark = tuple[str, str | None, int | None, int]  # (folder, role, uidvalidity, last_uid)


def _parse(raws: Iterable[RawMessage], own: frozenset[str]) -> Parsed:
    return [(raw, parse(raw, own)) for raw in raws]


def _detect(messages: Parsed, own: frozenset[str], detect: bool) -> list[Findings | None]:
    return [examine(msg, own) if detect else None for _raw, msg in messages]


def _store(db: sqlite_utils.Database, account: str, messages: Parsed, own: frozenset[str],
           findings: list[Findings | None] | None, detect: bool, mark: FolderMark | None) -> store.BatchResult:
    """Detect what `findings` does not already hold, then store the batch with its folder mark."""
    if findings is None:
        findings = _detect(messages, own, detect)
    return store.store_batch(db, account, messages, own, findings=findings, folder_state=mark)


# A parsed message as it travels to the worker: plain tuples, which pickle and
# unpickle in well under half the time of the records. The store reads neither
# the header nor the text parts of a RawMessage, so they stay here.
Packed = tuple[Any, ...]


def _pack(raw: RawMessage, msg: Message) -> Packed:
    sender = msg.from_addr
    return (raw.folder, raw.uid, raw.flags, raw.size, _pack_attachments(raw.attachments), raw.error,
            msg.message_id, msg.in_reply_to, msg.references, (sender.name, sender.email) if sender else None,
            _pack_addresses(msg.to), _pack_addresses(msg.cc), _pack_addresses(msg.reply_to), msg.date, msg.subject,
            msg.direction, msg.automated, msg.list_id, msg.new_text, _pack_attachments(msg.attachments),
            msg.calendar, msg.content_hash, msg.size, msg.errors)


def _unpack(packed: Packed) -> tuple[RawMessage, Message]:
    (folder, uid, flags, raw_size, raw_attachments, raw_error, message_id, in_reply_to, references, sender, to, cc,
     reply_to, date, subject, direction, automated, list_id, new_text, attachments, calendar, content_hash, size,
     errors) = packed
    raw = RawMessage(folder, uid, flags, raw_size, b"", (), _unpack_attachments(raw_attachments), raw_error)
    msg = Message(message_id, in_reply_to, references, Address(*sender) if sender else None,
                  _unpack_addresses(to), _unpack_addresses(cc), _unpack_addresses(reply_to), date, subject,
                  direction, automated, list_id, new_text, _unpack_attachments(attachments), calendar,
                  content_hash, size, errors)
    return raw, msg


def _pack_addresses(addresses: tuple[Address, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((a.name, a.email) for a in addresses)


def _unpack_addresses(packed: tuple[tuple[str, str], ...]) -> tuple[Address, ...]:
    return tuple(Address(name, email) for name, email in packed)


def _pack_attachments(attachments: tuple[Attachment, ...]) -> tuple[tuple[str | None, str, int], ...]:
    return tuple((a.filename, a.content_type, a.size) for a in attachments)


def _unpack_attachments(packed: tuple[tuple[str | None, str, int], ...]) -> tuple[Attachment, ...]:
    return tuple(Attachment(filename, content_type, size) for filename, content_type, size in packed)


# In the worker: its own connection to the database, opened on its first batch.
_worker_dbs: dict[str, sqlite_utils.Database] = {}


def _store_in_worker(path: str, account: str, packed: list[Packed], own: frozenset[str],
                     findings: list[Findings | None] | None, detect: bool, mark: FolderMark | None
                     ) -> store.BatchResult:
    if path not in _worker_dbs:
        _worker_dbs[path] = store.open_db(path)
    return _store(_worker_dbs[path], account, [_unpack(p) for p in packed], own, findings, detect, mark)


class _Writer:
    """Detects and stores parsed batches: inline, or in one worker process once a folder is big enough.

    The worker writes through a connection of its own to the same database file,
    batch by batch in the order they were handed over, each with its folder mark
    in one transaction, as inline. It is started by "spawn", never by fork:
    `mailflow run` has IDLE threads, and a forked child could inherit a lock one
    of them holds. If the worker dies, its batches are stored inline (one it had
    already committed is then found stored, never stored twice) and the sync goes
    on without it.
    """

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._path = store.database_path(db)  # None in memory: no other process can reach it
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False
        # Handed-over batches not yet stored, each with whether the worker detects it.
        self._unfinished: list[tuple[Future[store.BatchResult], bool]] = []

    def use_worker(self, pending: int) -> bool:
        return self._path is not None and not self._broken and pending >= WORKER_THRESHOLD

    def backlog(self) -> tuple[int, int]:
        """How many handed-over batches the worker has not finished, and how many of those it detects."""
        self._unfinished = [(f, detects) for f, detects in self._unfinished if not f.done()]
        return len(self._unfinished), sum(detects for _f, detects in self._unfinished)

    def submit(self, account: str, messages: Parsed, own: frozenset[str], findings: list[Findings | None] | None,
               mark: FolderMark | None, worker: bool) -> Callable[[], store.BatchResult]:
        """Start storing a batch; the returned function waits until it is stored."""
        def inline() -> store.BatchResult:
            return _store(self.db, account, messages, own, findings, DETECT, mark)

        if not worker or self._broken or self._path is None:
            return inline
        packed = [_pack(raw, msg) for raw, msg in messages]
        try:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_start_worker)
            future = self._pool.submit(_store_in_worker, self._path, account, packed, own, findings, DETECT, mark)
        except (BrokenProcessPool, OSError) as exc:  # died while idle, or could not start
            log.warning("the sync worker is not available (%s); going on without it", exc)
            self._broken = True
            return inline
        self._unfinished.append((future, findings is None and DETECT))

        def result() -> store.BatchResult:
            try:
                return future.result()
            except BrokenProcessPool as exc:
                if not self._broken:
                    log.warning("the sync worker stopped (%s); going on without it", exc)
                self._broken = True
                return inline()
        return result

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _start_worker() -> None:
    """In the worker: Ctrl-C and SIGTERM are the main process's to handle; it closes the worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])


# A sync allocates millions of small objects and hardly a cycle among them; at
# Python's default threshold (700 allocations) the cycle collector ran about 500
# times in a 20,000-message sync, and took this process 0.4 s.
GC_THRESHOLD = 20_000


@contextmanager
def _fewer_collections() -> Iterator[None]:
    previous = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


@_fewer_collections()
def sync(db: sqlite_utils.Database, config: Config, *, account: str | None = None, full: bool = False,
         progress: Progress | None = None, retries: int = 3, backoff: float = 1.0,
         now: datetime | None = None) -> SyncReport:
    """Sync every configured account (or one), returning what happened to each folder."""
    if not config.accounts:
        raise ConfigError("no accounts configured; add an [accounts.NAME] table", path=str(config.path))
    accounts = [config.account(account)] if account else list(config.accounts)
    started = time.monotonic()
    results: list[FolderResult] = []
    account_errors: dict[str, str] = {}
    writer = _Writer(db)
    try:
        for acct in accounts:
            store.ensure_account(db, acct.name, now)
            try:
                results.extend(_sync_account(db, config, acct, full, progress, retries, backoff, writer))
                error = None
            except MailflowError as exc:
                # One account failing (a wrong password, a dead host) never stops the others.
                log.error("account %s: %s", acct.name, exc)
                account_errors[acct.name] = str(exc)
                error = str(exc)
            store.finish_account_sync(db, acct.name, error)
    finally:
        writer.close()
    # A preview never records the future; with no new mail only the clock can have settled anything.
    settle(db, min(now, store.utcnow()) if now else store.utcnow(), new_mail=any(r.new for r in results))
    return SyncReport(tuple(results), time.monotonic() - started, account_errors)


def _connect(account: Account, retries: int, backoff: float) -> ImapSession:
    for attempt in range(retries + 1):
        session = ImapSession(account)
        try:
            session.connect()
            return session
        except AuthError:
            raise  # retrying a wrong password only risks a lockout
        except ImapError as exc:
            if attempt == retries or isinstance(exc.__cause__, PERMANENT):
                raise  # an untrusted certificate or an unknown host does not heal in seconds
            delay = backoff * 2 ** attempt
            log.warning("account %s: %s; retrying in %.0f s", account.name, exc, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


def _sync_account(db: sqlite_utils.Database, config: Config, account: Account, full: bool,
                  progress: Progress | None, retries: int, backoff: float, writer: _Writer
                  ) -> list[FolderResult]:
    session = _connect(account, retries, backoff)
    try:
        try:
            folders = session.folders()
        except TRANSIENT as exc:
            raise ImapError(f"listing folders on {session.where} failed: {describe_error(exc)}") from exc
        roles = {f.name: f.role for f in folders}
        if account.folders:
            targets = list(account.folders)
        else:
            targets = [f.name for f in folders if f.role in ("inbox", "sent")]
        results = []
        for folder in targets:
            if folder not in roles:
                available = ", ".join(sorted(roles)) or "none"
                message = f"no folder named {folder!r} on the server (it has: {available})"
                store.record_folder_error(db, account.name, folder, message)
                results.append(FolderResult(account.name, folder, error=message))
                continue
            result, session = _sync_folder_with_retries(db, config, account, session, folder, roles[folder],
                                                        full, progress, retries, backoff, writer)
            results.append(result)
        return results
    finally:
        session.close()


def _sync_folder_with_retries(db: sqlite_utils.Database, config: Config, account: Account,
                              session: ImapSession, folder: str, role: str | None, full: bool,
                              progress: Progress | None, retries: int, backoff: float, writer: _Writer
                              ) -> tuple[FolderResult, ImapSession]:
    totals = FolderResult(account.name, folder)
    restart_from_zero = full
    attempt = 0
    isolated: set[int] = set()
    failures: dict[int, int] = {}  # first UID of a batch -> how often fetching it broke the connection
    while True:
        try:
            result = _sync_folder(db, config, account, session, folder, role, restart_from_zero, progress,
                                  writer)
            return _add(totals, result), session
        except TRANSIENT as exc:
            totals = _add(totals, getattr(exc, "partial", FolderResult(account.name, folder)))
            restart_from_zero = False  # what was committed before the cut is kept
            session.close()
            chunk = getattr(exc, "chunk", None)
            if chunk:
                failures[chunk[0]] = failures.get(chunk[0], 0) + 1
            if attempt >= retries and chunk and failures[chunk[0]] >= 2 and chunk[0] not in isolated:
                # The same batch keeps failing: perhaps one message makes the server
                # hang up. Fetch that batch one message at a time, then go on.
                isolated.add(chunk[0])
                session, part = _isolate(db, config, account, folder, role, chunk, retries, backoff)
                totals = _add(totals, part)
                continue
            if attempt >= retries:
                message = f"connection lost: {describe_error(exc)}"
                store.record_folder_error(db, account.name, folder, message)
                # The next folder needs a live connection; if none can be had, the account fails.
                return FolderResult(account.name, folder, totals.new, totals.duplicates, totals.broken,
                                    message), _connect(account, retries, backoff)
            delay = backoff * 2 ** attempt
            attempt += 1
            log.warning("%s/%s: connection lost (%s); reconnecting in %.0f s",
                        account.name, folder, describe_error(exc), delay)
            time.sleep(delay)
            try:
                session = _connect(account, retries, backoff)
            except ImapError as reconnect_error:
                store.record_folder_error(db, account.name, folder, str(reconnect_error))
                raise
        except ImapError as exc:
            store.record_folder_error(db, account.name, folder, str(exc))
            return FolderResult(account.name, folder, totals.new, totals.duplicates, totals.broken,
                                str(exc)), session


def _isolate(db: sqlite_utils.Database, config: Config, account: Account, folder: str, role: str | None,
             chunk: list[int], retries: int, backoff: float) -> tuple[ImapSession, FolderResult]:
    """Fetch a failing batch message by message, each on a live connection; a message that
    drops the connection twice is stored with an error note, so the folder is never stuck."""
    own = config.own_addresses
    new = duplicates = broken = 0
    session: ImapSession | None = None
    uidvalidity = 0
    for uid in chunk:
        raws = None
        for _ in range(2):
            try:
                if session is None:
                    session = _connect(account, retries, backoff)
                    uidvalidity = session.select(folder).uidvalidity
                raws = _fetch_isolating(session, folder, [uid], uidvalidity)
                break
            except TRANSIENT as exc:
                log.warning("%s/%s UID %d: %s", account.name, folder, uid, describe_error(exc))
                session.close()
                session = None
        if raws is None:
            raws = [_unfetchable(folder, uidvalidity, uid, "the server hangs up when asked for this message")]
        messages = _parse(raws, own)
        stored = _store(db, account.name, messages, own, None, DETECT, (folder, role, uidvalidity, uid))
        new += len(stored.inserted)
        duplicates += stored.duplicates
        broken += _broken(messages)
    if session is None:
        session = _connect(account, retries, backoff)
    return session, FolderResult(account.name, folder, new, duplicates, broken)


def _broken(messages: Parsed) -> int:
    """Messages stored with an error note."""
    return sum(1 for raw, msg in messages if raw.error or msg.errors)


def _add(a: FolderResult, b: FolderResult) -> FolderResult:
    return FolderResult(a.account, a.folder, a.new + b.new, a.duplicates + b.duplicates, a.broken + b.broken)


def _sync_folder(db: sqlite_utils.Database, config: Config, account: Account, session: ImapSession,
                 folder: str, role: str | None, full: bool, progress: Progress | None,
                 writer: _Writer) -> FolderResult:
    state = store.folder_state(db, account.name, folder)
    if not full and state.uidvalidity is not None:
        # The common case, nothing new, answered without opening the folder.
        status = session.status(folder)
        if status.uidvalidity == state.uidvalidity and status.uidnext is not None \
                and status.uidnext <= state.last_uid + 1:
            store.save_folder_state(db, account.name, folder, role=role, uidvalidity=status.uidvalidity,
                                    last_uid=state.last_uid)
            return FolderResult(account.name, folder)
    selected = session.select(folder)
    last_uid = 0 if full else state.last_uid
    if state.uidvalidity is not None and state.uidvalidity != selected.uidvalidity:
        # The server renumbered the folder: rescan it; de-duplication by
        # Message-ID (or content hash) keeps every message stored once.
        log.warning("%s/%s: UIDVALIDITY changed from %s to %s; rescanning", account.name, folder,
                    state.uidvalidity, selected.uidvalidity)
        store.log_event(db, "uidvalidity_changed", account.name, folder=folder,
                        old=state.uidvalidity, new=selected.uidvalidity)
        last_uid = 0
    uids = session.uids_after(last_uid)
    own = config.own_addresses
    label = f"{account.name}/{folder}"
    new = duplicates = broken = 0
    if progress:
        progress(label, 0, len(uids))
    chunks = [uids[start:start + BATCH_SIZE] for start in range(0, len(uids), BATCH_SIZE)]
    done = 0
    current: list[int] | None = None
    worker = writer.use_worker(len(uids))
    # Batches handed to the writer but not yet stored, oldest first. The worker
    # stores them strictly in order, so the folder mark stays true.
    pending: deque[tuple[list[int], Parsed, Callable[[], store.BatchResult]]] = deque()

    def finish_oldest() -> None:
        nonlocal new, duplicates, broken, done
        chunk, messages, result = pending[0]
        stored = result()
        pending.popleft()  # only now: a batch that failed to store is fetched again, never skipped
        new += len(stored.inserted)
        duplicates += stored.duplicates
        broken += _broken(messages)
        done += len(chunk)
        if progress:
            progress(label, done, len(uids))

    try:
        for number, chunk in enumerate(chunks, start=1):
            current = chunk
            messages = _parse(_fetch_isolating(session, folder, chunk, selected.uidvalidity), own)
            # With the worker behind, this process detects and the worker only writes.
            unfinished, undetected = writer.backlog() if worker else (0, 0)
            here = not worker or undetected >= WORKER_BACKLOG or (
                len(chunks) - number < WORKER_TAIL and unfinished > 0)
            findings = _detect(messages, own, DETECT) if here else None
            pending.append((chunk, messages, writer.submit(account.name, messages, own, findings,
                                                           (folder, role, selected.uidvalidity, chunk[-1]), worker)))
            while len(pending) > (WORKER_AHEAD if worker else 0):
                finish_oldest()
        while pending:
            finish_oldest()
    except TRANSIENT as exc:
        try:
            while pending:
                finish_oldest()  # fetched before the connection broke: keep them
        except Exception:  # noqa: BLE001 - the first error is the one to report; the rest is fetched again
            log.debug("a batch fetched before the connection broke is fetched again", exc_info=True)
        exc.partial = FolderResult(account.name, folder, new, duplicates, broken)  # type: ignore[union-attr]
        exc.chunk = current  # type: ignore[union-attr]
        raise
    if not uids:
        store.save_folder_state(db, account.name, folder, role=role, uidvalidity=selected.uidvalidity,
                                last_uid=last_uid)
    log.info("%s: %d new, %d already stored", label, new, duplicates)
    return FolderResult(account.name, folder, new, duplicates, broken)


def _fetch_isolating(session: ImapSession, folder: str, uids: list[int], uidvalidity: int) -> list[RawMessage]:
    """Fetch a batch; when the server refuses it, fetch one by one so a single
    message it cannot deliver is recorded with an error instead of blocking the
    folder for good."""
    try:
        return session.fetch_batch(folder, uids)
    except ImapError as exc:
        if len(uids) == 1:
            log.error("%s UID %d: %s", folder, uids[0], exc)
            return [_unfetchable(folder, uidvalidity, uids[0], f"the server would not deliver this message: {exc}")]
    return [raw for uid in uids for raw in _fetch_isolating(session, folder, [uid], uidvalidity)]


def _unfetchable(folder: str, uidvalidity: int, uid: int, why: str) -> RawMessage:
    # A header unique to this message, so its content hash is its own.
    marker = f"X-Mailflow-Unfetchable: {folder}/{uidvalidity}/{uid}\r\n".encode()
    return RawMessage(folder=folder, uid=uid, flags=(), size=0, header=marker, parts=(), attachments=(), error=why)


def import_path(db: sqlite_utils.Database, config: Config, path: Path, *, account: str = "local",
                progress: Progress | None = None, total: int | None = None,
                now: datetime | None = None) -> SyncReport:
    """Read a Maildir, mbox file or folder of .eml files into the store under `account`."""
    started = time.monotonic()
    store.ensure_account(db, account, now)
    own = config.own_addresses
    counts: dict[str, list[int]] = {}
    batch: list[RawMessage] = []
    done = 0

    def flush() -> None:
        messages = _parse(batch, own)
        stored = _store(db, account, messages, own, None, DETECT, None)
        for (raw, msg), row_id in zip(messages, stored.row_ids):
            tally = counts.setdefault(raw.folder, [0, 0, 0])
            tally[0 if row_id is not None else 1] += 1
            tally[2] += bool(raw.error or msg.errors)
        batch.clear()

    for raw in iter_messages(path):
        batch.append(raw)
        done += 1
        if len(batch) >= 500:
            flush()
            if progress:
                progress(str(path), done, total or done)
    if batch:
        flush()
    if progress:
        progress(str(path), done, total or done)
    store.finish_account_sync(db, account, None)
    settle(db, min(now, store.utcnow()) if now else store.utcnow())
    results = tuple(FolderResult(account, folder, n, d, b) for folder, (n, d, b) in sorted(counts.items()))
    return SyncReport(results, time.monotonic() - started)

