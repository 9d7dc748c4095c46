"""The local source: a Maildir (with Maildir++ subfolders), an mbox file, or a
folder of .eml files, yielding the same `RawMessage` records as IMAP.

It serves offline users, users of mbsync, offlineimap or notmuch, and the demo.
"""

from __future__ import annotations

import logging
import mailbox
from collections.abc import Iterator
from pathlib import Path

from .errors import SourceError
from .parse import split_raw
from .records import RawMessage

log = logging.getLogger(__name__)

# Maildir info flags (the letters after ":2,") as IMAP system flags.
MAILDIR_FLAGS = {"S": "\\Seen", "R": "\\Answered", "F": "\\Flagged", "T": "\\Deleted", "D": "\\Draft"}


def is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in ("cur", "new"))


def describe(path: Path) -> str:
    """What kind of source a path is: maildir, mbox, eml-folder or eml."""
    if path.is_dir():
        return "maildir" if is_maildir(path) else "eml-folder"
    if not path.exists():
        raise SourceError(f"{path} does not exist")
    with open(path, "rb") as handle:
        head = handle.read(5)
    return "mbox" if head == b"From " else "eml"


def count_messages(path: Path) -> int:
    """A cheap count for progress bars (mbox is counted by its From_ lines)."""
    kind = describe(path)
    if kind == "maildir":
        return sum(1 for _folder, _file in _maildir_files(path))
    if kind == "eml-folder":
        return sum(1 for _ in _eml_files(path))
    if kind == "mbox":
        with open(path, "rb") as handle:
            return sum(1 for line in handle if line.startswith(b"From "))
    return 1


def iter_messages(path: Path) -> Iterator[RawMessage]:
    kind = describe(path)
    log.info("reading %s as %s", path, kind)
    if kind == "maildir":
        for folder, file in _maildir_files(path):
            yield _read_file(file, folder, _maildir_flags(file.name))
    elif kind == "eml-folder":
        for file in _eml_files(path):
            yield _read_file(file, file.parent.relative_to(path).as_posix() if file.parent != path else "INBOX", ())
    elif kind == "mbox":
        yield from _mbox_messages(path)
    else:
        yield _read_file(path, "INBOX", ())


def _maildir_files(root: Path) -> Iterator[tuple[str, Path]]:
    folders = [("INBOX", root)]
    # Maildir++ keeps subfolders as dot-directories: .Sent, .Archive.2026
    folders += sorted((child.name[1:], child) for child in root.iterdir()
                      if child.name.startswith(".") and child.is_dir() and is_maildir(child))
    for name, folder in folders:
        for sub in ("cur", "new"):
            for file in sorted((folder / sub).iterdir()):
                if file.is_file() and not file.name.startswith("."):
                    yield name, file


def _maildir_flags(filename: str) -> tuple[str, ...]:
    _, sep, info = filename.rpartition(":2,")
    if not sep:
        return ()
    return tuple(MAILDIR_FLAGS[c] for c in info if c in MAILDIR_FLAGS)


def _eml_files(root: Path) -> Iterator[Path]:
    yield from sorted(p for p in root.rglob("*.eml") if p.is_file()
                      and not any(part.startswith(".") for part in p.relative_to(root).parts))


def _read_file(file: Path, folder: str, flags: tuple[str, ...]) -> RawMessage:
    try:
        data = file.read_bytes()
    except OSError as exc:
        return RawMessage(folder=folder, uid=None, flags=flags, size=0, header=b"", parts=(), attachments=(),
                          error=f"cannot read {file.name}: {exc.strerror}")
    return split_raw(data, folder=folder, flags=flags)


def _mbox_messages(path: Path) -> Iterator[RawMessage]:
    try:
        box = mailbox.mbox(str(path), create=False)
        keys = box.keys()
    except (OSError, mailbox.Error) as exc:
        raise SourceError(f"cannot read the mbox {path}: {exc}") from exc
    try:
        for key in keys:
            yield split_raw(box.get_bytes(key), folder="INBOX")
    finally:
        box.close()
