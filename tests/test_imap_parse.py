"""FETCH response parsing and the BODYSTRUCTURE walk: what to fetch, what to describe."""

from __future__ import annotations

import imaplib
import socket
import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest
from imapclient import IMAPClient

import mailflow.imap as imap_module
from mailflow.config import parse_config
from mailflow.errors import ImapError
from mailflow.imap import TRANSIENT, ImapSession, _plan, _uid_fetch, parse_fetch_response
from mailflow.records import Attachment
from servers import make_message


def structure(text: bytes) -> list:
    return parse_fetch_response([b"1 (UID 1 BODYSTRUCTURE " + text + b")"])[1]["BODYSTRUCTURE"]


PLAIN = b'("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 1200 30 NIL NIL NIL NIL)'
HTML = b'("text" "html" ("charset" "utf-8") NIL NIL "base64" 5000 60 NIL NIL NIL NIL)'
PDF = (b'("application" "pdf" ("name" "quote.pdf") NIL NIL "base64" 400000 NIL '
       b'("attachment" ("filename" "quote.pdf")) NIL NIL)')


def test_fetch_response_with_literals_quoted_strings_and_nil() -> None:
    data = [
        (b'4 (UID 17 FLAGS (\\Seen $Forwarded) RFC822.SIZE 2345 BODYSTRUCTURE ("text" "plain" '
         b'("charset" "utf-8") NIL "a \\"quoted\\" (desc)" "7bit" 20 1 NIL NIL NIL NIL) BODY[HEADER] {19}',
         b"Subject: (hi) NIL\r\n"),
        b")",
        b"5 (FLAGS (\\Seen))",  # unsolicited, no UID: dropped
        (b"6 (UID 18 BODY[1]<0> {5}", b"hello"),
        b")",
    ]
    result = parse_fetch_response(data)
    assert sorted(result) == [17, 18]
    first = result[17]
    assert first["FLAGS"] == [b"\\Seen", b"$Forwarded"]
    assert first["RFC822.SIZE"] == b"2345"
    assert first["BODY[HEADER]"] == b"Subject: (hi) NIL\r\n"
    assert first["BODYSTRUCTURE"][4] == b'a "quoted" (desc)'
    assert first["BODYSTRUCTURE"][3] is None
    assert result[18]["BODY[1]<0>"] == b"hello"


def test_single_part_plain_text_is_section_1() -> None:
    plan = _plan(structure(PLAIN))
    assert [(s.section, s.content_type, s.charset, s.encoding, s.size) for s in plan.sections] == [
        ("1", "text/plain", "utf-8", "quoted-printable", 1200)]
    assert plan.attachments == () and plan.error is None


def test_alternative_inside_mixed_reads_plain_not_html_and_describes_the_pdf() -> None:
    plan = _plan(structure(b"((" + PLAIN + HTML + b' "alternative" ("boundary" "a") NIL NIL NIL)' + PDF +
                           b' "mixed" ("boundary" "m") NIL NIL NIL)'))
    assert [s.section for s in plan.sections] == ["1.1"]
    assert plan.attachments == (Attachment("quote.pdf", "application/pdf", 300000),)


def test_html_only_alternative_falls_back_to_html() -> None:
    plan = _plan(structure(b"(" + HTML + b'("image" "png" NIL "<logo>" NIL "base64" 900 NIL NIL NIL NIL)'
                           b' "related" ("boundary" "r") NIL NIL NIL)'))
    assert [(s.section, s.content_type) for s in plan.sections] == [("1", "text/html")]
    assert plan.attachments == (Attachment(None, "image/png", 675),)


def test_calendar_part_is_read_and_text_attachments_are_not() -> None:
    calendar = b'("text" "calendar" ("charset" "utf-8" "method" "REQUEST") NIL NIL "7bit" 800 20 NIL NIL NIL NIL)'
    notes = (b'("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 90000 900 NIL '
             b'("attachment" ("filename" "notes.txt")) NIL NIL)')
    plan = _plan(structure(b"(" + PLAIN + calendar + notes + b' "mixed" ("boundary" "m") NIL NIL NIL)'))
    assert [(s.section, s.content_type) for s in plan.sections] == [("1", "text/plain"), ("2", "text/calendar")]
    assert plan.attachments == (Attachment("notes.txt", "text/plain", 90000),)


def test_attached_message_is_an_attachment_not_new_text() -> None:
    attached = (b'("message" "rfc822" NIL NIL NIL "7bit" 3000 (NIL "Old" NIL NIL NIL NIL NIL NIL NIL NIL) '
                + PLAIN + b' 60 NIL ("attachment" ("filename" "old.eml")) NIL NIL)')
    plan = _plan(structure(b"(" + PLAIN + attached + b' "mixed" ("boundary" "m") NIL NIL NIL)'))
    assert [s.section for s in plan.sections] == ["1"]
    assert plan.attachments == (Attachment("old.eml", "message/rfc822", 3000),)


def test_rfc2231_and_rfc2047_file_names() -> None:
    rfc2231 = (b'("application" "pdf" NIL NIL NIL "base64" 400 NIL '
               b"(\"attachment\" (\"filename*\" \"utf-8''Angebot%20M%C3%BCller.pdf\")) NIL NIL)")
    rfc2047 = (b'("application" "pdf" ("name" "=?utf-8?q?Rechnung_M=C3=A4rz.pdf?=") NIL NIL "base64" 400 NIL '
               b"NIL NIL NIL)")
    plan = _plan(structure(b"(" + PLAIN + rfc2231 + rfc2047 + b' "mixed" ("boundary" "m") NIL NIL NIL)'))
    assert [a.filename for a in plan.attachments] == ["Angebot Müller.pdf", "Rechnung März.pdf"]


def test_a_broken_bodystructure_is_an_error_note_not_a_crash() -> None:
    assert _plan(None).error == "no BODYSTRUCTURE from the server"
    assert _plan([b"text"]).error.startswith("unreadable BODYSTRUCTURE")


def test_uid_ranges_collapse_runs() -> None:
    from mailflow.imap import uid_ranges

    assert uid_ranges([1, 2, 3, 7, 9, 10]) == "1:3,7,9:10"
    assert uid_ranges([5]) == "5"
    assert uid_ranges([3, 1, 2, 2]) == "1:3"


def test_a_second_response_for_the_same_uid_adds_to_the_first() -> None:
    data = [(b"1 (UID 7 RFC822.SIZE 20 BODY[HEADER] {12}", b"Subject: x\r\n"), b")",
            b"1 (UID 7 FLAGS (\\Seen))"]
    fields = parse_fetch_response(data)[7]
    assert fields["BODY[HEADER]"] == b"Subject: x\r\n" and fields["FLAGS"] == [b"\\Seen"]


def test_an_empty_plain_alternative_reads_the_html_too() -> None:
    empty_plain = b'("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 2 1 NIL NIL NIL NIL)'
    plan = _plan(structure(b"(" + empty_plain + HTML + b' "alternative" ("boundary" "a") NIL NIL NIL)'))
    assert [(s.section, s.content_type) for s in plan.sections] == [("1", "text/plain"), ("2", "text/html")]


# --- parsing edges --------------------------------------------------------------

def test_a_literal_inside_bodystructure_is_a_string_and_the_line_goes_on_after_it() -> None:
    data = [(b'3 (UID 9 BODYSTRUCTURE ("text" "plain" ("charset" "utf-8" "name" {10}', b'a"b (c).tx'),
            (b') NIL NIL "7bit" 40 2 NIL NIL NIL NIL) BODY[HEADER] {12}', b"Subject: x\r\n"),
            (b" BODY[1]<0> {0}", b""),
            b")"]
    fields = parse_fetch_response(data)[9]
    assert fields["BODYSTRUCTURE"] == [b"text", b"plain", [b"charset", b"utf-8", b"name", b'a"b (c).tx'],
                                       None, None, b"7bit", b"40", b"2", None, None, None, None]
    assert fields["BODY[HEADER]"] == b"Subject: x\r\n" and fields["BODY[1]<0>"] == b""
    assert list(fields) == ["UID", "BODYSTRUCTURE", "BODY[HEADER]", "BODY[1]<0>"]


def test_quoted_strings_with_escapes_and_nil_in_any_case() -> None:
    fields = parse_fetch_response([rb'1 (UID 2 X ("a\\b" "q\"uote" "" "NIL" nil Nil NILS "(" ")"))'])[2]
    assert fields["X"] == [b"a\\b", b'q"uote', b"", b"NIL", None, None, b"NILS", b"(", b")"]


def test_deeply_nested_lists_and_sections_with_spaces() -> None:
    fields = parse_fetch_response([b"1 (UID 4 A ((((x) ((y))) z)) BODY[HEADER.FIELDS (TO CC)] NIL)"])[4]
    assert fields["A"] == [[[[b"x"], [[b"y"]]], b"z"]]
    assert fields["BODY[HEADER.FIELDS (TO CC)]"] is None


def test_responses_without_uid_and_stray_tokens_outside_a_list_are_skipped() -> None:
    data = [b"7 (FLAGS (\\Seen))", b") junk", None, (b"8 (UID 3 FLAGS ()", b"ignored literal")]
    # A list the data leaves open still counts; in it the literal is a name without a value.
    assert parse_fetch_response(data) == {3: {"UID": b"3", "FLAGS": []}}
    assert parse_fetch_response([b"9 (UID 5 FLAGS (\\Seen"]) == {5: {"UID": b"5", "FLAGS": [b"\\Seen"]}}


# --- reading a FETCH response -----------------------------------------------------

CAPABILITY_REPLY = b"* CAPABILITY IMAP4rev1 IDLE\r\n<tag> OK Capability completed.\r\n"
SELECT_REPLY = b"* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n<tag> OK [READ-ONLY] Examined.\r\n"
NOOP_REPLY = b"<tag> OK NOOP done.\r\n"
BODY = b"Hi,\r\n\r\n" + b"(a line with ) parens and {braces} and NIL)\r\n" * 4000

OK_WITH_EVERYTHING = (
    b'* 1 FETCH (UID 7 FLAGS (\\Seen) RFC822.SIZE 40 BODYSTRUCTURE ("text" "plain" ("charset" "utf-8" "name" {10}\r\n'
    b'a"b (c).tx) NIL NIL "7bit" 40 2 NIL NIL NIL NIL) BODY[HEADER] {12}\r\n'
    b"Subject: x\r\n BODY[1]<0> {" + str(len(BODY)).encode() + b"}\r\n" + BODY + b")\r\n"
    b"* 3 EXPUNGE\r\n"
    b"* 4 EXISTS\r\n"
    b"* 2 FETCH (FLAGS (\\Seen))\r\n"
    b"* FLAGS (\\Answered \\Seen)\r\n"
    b"* OK [ALERT] disk nearly full\r\n"
    b"+ go on\r\n"
    b'* 5 FETCH (UID 9 FLAGS () BODYSTRUCTURE ("text" "plain" NIL NIL "a \\"b\\"" "7bit" 0 0))\r\n'
    b"<tag> OK [EXPUNGEISSUED] Fetch completed.\r\n")
PARTIAL_THEN_NO = (b"* 1 FETCH (UID 7 FLAGS (\\Seen))\r\n* 2 EXPUNGE\r\n"
                   b"<tag> NO [SERVERBUG] Some messages could not be FETCHed\r\n")
BAD = b"* 1 FETCH (UID 7 FLAGS ())\r\n<tag> BAD Error in IMAP command UID FETCH: Invalid uidset\r\n"
STALE_FETCH_FROM_NOOP = b"* 6 FETCH (UID 11 FLAGS (\\Flagged))\r\n* 6 EXISTS\r\n<tag> OK NOOP done.\r\n"


class ScriptedServer:
    """Greets, answers imaplib's CAPABILITY, then answers each command line with
    the next reply of its script (with the command's tag for <tag>, the one before's
    for <previous-tag>: IDLE's, when the line is DONE), and hangs up when the script ends."""

    def __init__(self, replies: list[bytes]) -> None:
        self.replies = [CAPABILITY_REPLY, *replies]
        self.commands: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        with self.listener:
            connection, _ = self.listener.accept()
            with connection, connection.makefile("rb") as lines:
                connection.sendall(b"* PREAUTH Ready.\r\n")
                for reply in self.replies:
                    command = lines.readline()
                    if not command:
                        return
                    previous = self.commands[-1] if self.commands else b""
                    self.commands.append(command)
                    connection.sendall(reply.replace(b"<tag>", command.split(b" ", 1)[0])
                                       .replace(b"<previous-tag>", previous.split(b" ", 1)[0]))


Outcome = tuple[Any, ...]


def fetch_both_ways(replies: list[bytes], *, select: bool = True, noop_first: bool = False) -> Outcome:
    """The same script read by imaplib's IMAP4.uid() and by `_uid_fetch`: what
    each returned or raised, how imaplib's untagged responses were left, what
    went over the wire (tags aside), and whether a NOOP still works after."""
    outcomes = []
    for reference in (True, False):
        server = ScriptedServer([SELECT_REPLY] * select + [STALE_FETCH_FROM_NOOP] * noop_first + replies)
        imap = imaplib.IMAP4("127.0.0.1", server.port, timeout=10)
        try:
            if select:
                imap.select("INBOX", readonly=True)
            if noop_first:
                imap.noop()
            try:
                if reference:
                    result: Any = imap.uid("FETCH", "7:9", "(UID FLAGS)")
                else:
                    result = _uid_fetch(imap, b"mf1", "7:9", "(UID FLAGS)")
            except Exception as exc:  # noqa: BLE001 - the exception is the outcome compared
                result = (type(exc), str(exc))
            untagged = {name: list(values) for name, values in imap.untagged_responses.items()}
            after = imap.noop()[0] if len(server.commands) < len(server.replies) else None
        finally:
            imap.shutdown()
        server.thread.join(5)
        sent = [command.split(b" ", 1)[1] for command in server.commands[1:]]
        outcomes.append((result, untagged, sent, after))
    assert outcomes[0] == outcomes[1]
    return outcomes[1]


def test_reading_a_fetch_with_literals_and_untagged_responses_in_between_matches_imaplib() -> None:
    (status, data), untagged, sent, after = fetch_both_ways([OK_WITH_EVERYTHING, NOOP_REPLY])
    assert status == "OK" and sent[-2:] == [b"UID FETCH 7:9 (UID FLAGS)\r\n", b"NOOP\r\n"] and after == "OK"
    assert untagged["EXPUNGE"] == [b"3"] and untagged["OK"] == [b"[ALERT] disk nearly full"]
    assert untagged["ALERT"] == [b""] and untagged["FLAGS"] == [b"(\\Answered \\Seen)"]
    assert untagged["EXPUNGEISSUED"] == [b""] and "FETCH" not in untagged
    result = parse_fetch_response(data)
    assert sorted(result) == [7, 9]
    assert result[7]["BODY[1]<0>"] == BODY and result[7]["BODY[HEADER]"] == b"Subject: x\r\n"
    assert result[7]["BODYSTRUCTURE"][2] == [b"charset", b"utf-8", b"name", b'a"b (c).tx']
    assert result[9]["BODYSTRUCTURE"][4] == b'a "b"'


def test_a_refused_fetch_leaves_its_partial_responses_for_the_next_as_imaplib_does() -> None:
    (status, data), untagged, _sent, after = fetch_both_ways([PARTIAL_THEN_NO, NOOP_REPLY])
    assert (status, data) == ("NO", [b"[SERVERBUG] Some messages could not be FETCHed"]) and after == "OK"
    assert untagged["FETCH"] == [b"1 (UID 7 FLAGS (\\Seen))"] and untagged["SERVERBUG"] == [b""]
    # ...and they join the next FETCH's data, with responses left by the NOOP before it.
    (status, data), untagged, _sent, _after = fetch_both_ways([OK_WITH_EVERYTHING], noop_first=True)
    assert data[0] == b"6 (UID 11 FLAGS (\\Flagged))" and 11 in parse_fetch_response(data)


def test_bad_bye_eof_and_garbage_raise_what_imaplib_raises() -> None:
    bad, *_ = fetch_both_ways([BAD, NOOP_REPLY])
    assert bad[0] is imaplib.IMAP4.error and "BAD" in bad[1]
    bye, *_ = fetch_both_ways([b"* 1 FETCH (UID 7 FLAGS ())\r\n* BYE Shutting down\r\n"])
    assert bye == (imaplib.IMAP4.abort, "command: UID => Shutting down")
    cut_in_literal, *_ = fetch_both_ways([b"* 1 FETCH (UID 7 BODY[HEADER] {100}\r\nSubject: only a pa"])
    assert cut_in_literal == (imaplib.IMAP4.abort, "command: UID => socket error: EOF")
    unterminated, *_ = fetch_both_ways([b"* 1 FETCH (UID 7 FLAGS ())"])
    assert unterminated[0] is imaplib.IMAP4.abort and "unterminated line" in unterminated[1]
    garbage, *_ = fetch_both_ways([b"what is this\r\n"])
    assert garbage == (imaplib.IMAP4.abort, "command: UID => unexpected response: b'what is this'")
    not_selected, *_ = fetch_both_ways([], select=False)
    assert not_selected[0] is imaplib.IMAP4.error and "illegal in state AUTH" in not_selected[1]


def session_fetch(reply: bytes) -> Exception:
    """What ImapSession._fetch raises when the server answers its FETCH with `reply`."""
    server = ScriptedServer([SELECT_REPLY, reply])
    session = ImapSession(SimpleNamespace(imap_host="127.0.0.1", imap_port=server.port))  # type: ignore[arg-type]
    imap = imaplib.IMAP4("127.0.0.1", server.port, timeout=10)
    session.client = SimpleNamespace(_imap=imap)  # type: ignore[assignment]
    try:
        imap.select("INBOX", readonly=True)
        with pytest.raises(Exception) as caught:
            session._fetch([7, 8, 9], "FLAGS")
    finally:
        imap.shutdown()
        server.thread.join(5)
    return caught.value


def test_a_session_turns_a_refusal_into_imap_error_and_lets_a_cut_through_for_the_retry() -> None:
    refused = session_fetch(PARTIAL_THEN_NO)
    assert type(refused) is ImapError and not isinstance(refused, TRANSIENT)
    assert str(refused).startswith("FETCH failed on 127.0.0.1:")
    assert str(refused).endswith(": [SERVERBUG] Some messages could not be FETCHed")
    bad = session_fetch(BAD)
    assert type(bad) is ImapError and str(bad).endswith(
        "UID command error: BAD [b'Error in IMAP command UID FETCH: Invalid uidset']")
    cut = session_fetch(b"* 1 FETCH (UID 7 FLAGS ())\r\n")
    assert type(cut) is imaplib.IMAP4.abort and isinstance(cut, TRANSIENT)
    assert str(cut) == "command: UID => socket error: EOF"


def test_mail_announced_with_the_idle_continuation_is_not_waited_for() -> None:
    # Mail that arrived just before IDLE comes in the same packet as "+ idling": imaplib
    # buffers it while reading the continuation, and the socket shows nothing more.
    server = ScriptedServer([SELECT_REPLY, CAPABILITY_REPLY, b"+ idling\r\n* 4 EXISTS\r\n",
                             b"<previous-tag> OK Idle completed.\r\n", NOOP_REPLY])
    session = ImapSession(SimpleNamespace(imap_host="127.0.0.1", imap_port=server.port))  # type: ignore[arg-type]
    session.client = IMAPClient("127.0.0.1", server.port, ssl=False, timeout=10)
    try:
        session.client.select_folder("INBOX", readonly=True)
        assert session.supports_idle()  # as `mailflow run` asks before it idles
        started = time.monotonic()
        assert session.wait_for_mail(120)
        assert time.monotonic() - started < 60  # not the whole IDLE round
        assert session.client.noop()[0] == b"NOOP done."
    finally:
        session.client.shutdown()
        server.thread.join(5)
    assert [command.split(b" ", 1)[-1] for command in server.commands[1:]] == [
        b'EXAMINE "INBOX"\r\n', b"CAPABILITY\r\n", b"IDLE\r\n", b"DONE\r\n", b"NOOP\r\n"]


def idle_once(reply: bytes, *, then: list[bytes]) -> tuple[Any, float, list[bytes]]:
    """What wait_for_mail returns (or raises) when the server answers IDLE with `reply`."""
    server = ScriptedServer([SELECT_REPLY, CAPABILITY_REPLY, reply, *then])
    session = ImapSession(SimpleNamespace(imap_host="127.0.0.1", imap_port=server.port))  # type: ignore[arg-type]
    session.client = IMAPClient("127.0.0.1", server.port, ssl=False, timeout=10)
    started = time.monotonic()
    try:
        session.client.select_folder("INBOX", readonly=True)
        assert session.supports_idle()
        try:
            outcome: Any = session.wait_for_mail(120)
        except ImapError as exc:
            outcome = exc
        if then:
            assert session.client.noop()[0] == b"NOOP done."
    finally:
        session.client.shutdown()
        server.thread.join(5)
    return outcome, time.monotonic() - started, [c.split(b" ", 1)[-1] for c in server.commands[1:]]


def test_mail_announced_before_the_idle_continuation_is_news_not_an_error() -> None:
    # RFC 3501 lets a server send "* 4 EXISTS" before "+ idling"; imapclient's idle() raised on it.
    outcome, seconds, commands = idle_once(b"* 4 EXISTS\r\n+ idling\r\n",
                                           then=[b"<previous-tag> OK Idle completed.\r\n", NOOP_REPLY])
    assert outcome is True and seconds < 60
    assert commands == [b'EXAMINE "INBOX"\r\n', b"CAPABILITY\r\n", b"IDLE\r\n", b"DONE\r\n", b"NOOP\r\n"]


def test_a_refused_idle_is_a_clear_error() -> None:
    outcome, _seconds, commands = idle_once(b"<tag> BAD IDLE not allowed now\r\n", then=[])
    assert isinstance(outcome, ImapError)
    assert str(outcome).endswith("IDLE refused: BAD IDLE not allowed now")
    assert commands[-1] == b"IDLE\r\n"  # and no DONE for an IDLE that never started


def test_a_bye_before_the_idle_continuation_ends_the_wait_at_once() -> None:
    # The server says BYE instead of "+ idling" and leaves the socket open: the
    # watcher must reconnect now, not when the socket times out.
    server = ScriptedServer([SELECT_REPLY, CAPABILITY_REPLY, b"* BYE Server shutting down.\r\n", NOOP_REPLY])
    session = ImapSession(SimpleNamespace(imap_host="127.0.0.1", imap_port=server.port))  # type: ignore[arg-type]
    session.client = IMAPClient("127.0.0.1", server.port, ssl=False, timeout=20)
    started = time.monotonic()
    try:
        session.client.select_folder("INBOX", readonly=True)
        assert session.supports_idle()
        with pytest.raises(TRANSIENT) as caught:
            session.wait_for_mail(120)
        assert time.monotonic() - started < 10
        assert "Server shutting down." in str(caught.value)
    finally:
        session.client.shutdown()
        server.thread.join(5)


# --- against Dovecot ----------------------------------------------------------------

@pytest.mark.integration
def test_fetch_matches_imaplib_and_the_connection_still_serves_imapclient(dovecot, mailbox, monkeypatch) -> None:
    for i in range(12):
        dovecot.append(mailbox.username, "INBOX", make_message(
            subject=f"Quote {i}", message_id=f"<q-{i}@example.test>", body=f"Body {i} (with parens) NIL\n",
            attachment=(f"quote {i}.pdf", 3000) if i % 3 == 0 else None))
    monkeypatch.setenv("MF_TEST_IMAP_PASSWORD", mailbox.password)
    config = parse_config({"identity": {"name": "Maya", "addresses": ["maya@example.test"], "timezone": "UTC"},
                           "accounts": {"work": {"imap_host": mailbox.host, "imap_port": mailbox.port,
                                                 "imap_security": "none", "username": mailbox.username,
                                                 "password_env": "MF_TEST_IMAP_PASSWORD"}}})
    with ImapSession(config.account("work")) as session, dovecot.client(mailbox.username, mailbox.password) as other:
        session.select("INBOX")
        uids = session.uids_after(0)
        ours = session.fetch_batch("INBOX", uids)
        with monkeypatch.context() as patch:
            patch.setattr(imap_module, "_uid_fetch", lambda imap, _tag, uid_set, items: imap.uid("FETCH", uid_set, items))
            assert session.fetch_batch("INBOX", uids) == ours
        assert len(ours) == 12 and sum(1 for raw in ours if raw.attachments) == 4
        assert ours[1].parts[0].payload == b"Body 1 (with parens) NIL\r\n"
        # Another client expunges one: Dovecot tells us in the middle of our next FETCH.
        other.select_folder("INBOX")
        other.delete_messages([uids[5]])
        other.expunge()
        assert [raw.uid for raw in session.fetch_batch("INBOX", uids)] == uids[:5] + uids[6:]
        assert session.client._imap.untagged_responses["EXPUNGE"] == [b"6"]
        # imapclient's own commands, IDLE included, carry on where the FETCH left the connection.
        assert session.status("INBOX").exists == 11 and session.uids_after(0) == uids[:5] + uids[6:]
        assert session.supports_idle()
        arrival = threading.Timer(0.5, dovecot.append, (mailbox.username, "INBOX",
                                                       make_message(subject="New", message_id="<new@example.test>")))
        arrival.start()
        try:
            assert session.wait_for_mail(20)
        finally:
            arrival.join()
        assert session.select("INBOX").exists == 12
        assert len(session.fetch_batch("INBOX", session.uids_after(uids[-1]))) == 1
        assert session.client.noop()[0].startswith(b"NOOP completed")
