"""The local source: Maildir with Maildir++ folders, mbox, and folders of .eml files."""

from __future__ import annotations

import mailbox
import shutil
from pathlib import Path

import pytest

from mailflow import db as store
from mailflow.config import Config
from mailflow.errors import SourceError
from mailflow.local import count_messages, describe, iter_messages
from mailflow.sync import import_path

FIXTURES = Path(__file__).parent / "fixtures" / "eml"
ME = "maya@lindqvist.studio"


def eml(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_maildir_with_subfolders_and_flags(tmp_path: Path) -> None:
    root = tmp_path / "Mail"
    for folder in (root, root / ".Sent"):
        for sub in ("cur", "new", "tmp"):
            (folder / sub).mkdir(parents=True)
    (root / "cur" / "1.M1:2,RS").write_bytes(eml("gmail-reply.eml"))
    (root / "new" / "2.M2").write_bytes(eml("outlook-reply.eml"))
    (root / ".Sent" / "cur" / "3.M3:2,S").write_bytes(eml("signature-dashdash.eml"))
    (root / "cur" / ".hidden").write_bytes(b"not mail")
    assert describe(root) == "maildir" and count_messages(root) == 3
    raws = list(iter_messages(root))
    assert [(r.folder, r.flags) for r in raws] == [("INBOX", ("\\Answered", "\\Seen")), ("INBOX", ()),
                                                  ("Sent", ("\\Seen",))]


def test_mbox_file(tmp_path: Path) -> None:
    path = tmp_path / "archive.mbox"
    box = mailbox.mbox(str(path))
    for name in ("gmail-reply.eml", "apple-mail-reply.eml", "list-mail.eml"):
        box.add(eml(name))
    box.close()
    assert describe(path) == "mbox" and count_messages(path) == 3
    assert len(list(iter_messages(path))) == 3


def test_folder_of_eml_files_keeps_subfolders_as_folders(tmp_path: Path) -> None:
    (tmp_path / "Sent").mkdir()
    shutil.copy(FIXTURES / "gmail-reply.eml", tmp_path / "a.eml")
    shutil.copy(FIXTURES / "outlook-reply.eml", tmp_path / "Sent" / "b.eml")
    assert describe(tmp_path) == "eml-folder"
    assert sorted(r.folder for r in iter_messages(tmp_path)) == ["INBOX", "Sent"]


def test_missing_path_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        describe(tmp_path / "nope")


def test_import_stores_every_fixture_once_even_the_broken_ones(tmp_path: Path) -> None:
    db = store.open_db(":memory:")
    config = Config.minimal([ME])
    first = import_path(db, config, FIXTURES, account="local")
    total = len(list(FIXTURES.glob("*.eml")))
    assert first.ok and first.new + sum(f.duplicates for f in first.folders) == total
    assert sum(f.broken for f in first.folders) >= 3  # bad charsets, broken MIME and the like are noted
    again = import_path(db, config, FIXTURES, account="local")
    assert again.new == 0
    assert store.message_count(db) == first.new
